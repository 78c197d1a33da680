/* systemd notification (SPEC.md "systemd"): READY=1 once the daemon airs, STATUS= with
 * what it does, and WATCHDOG=1 from the main loop at half of WATCHDOG_USEC — but only
 * while the loop iterates (the ping is a main-loop timer, so a stalled loop stops it)
 * and the player answers (the player has reported within its longest possible silence,
 * or has nothing to do). A full disk is an alarm in STATUS=, never a reason to stop
 * pinging: being killed would not free any space.
 */
#include <inttypes.h>
#include <stdio.h>

#include "audio.h"
#include "board_notify.h"
#include "fw_daemon.h"
#include "ledger.h"

/* The player "answers" when it has reported something within this long of a live
 * airing's deadline; an airing lasts at most its duration + 5 s grace, and relays at most
 * their window, so an hour without any callback while airings are live means it hangs. */
#define PLAYER_SILENCE_MAX_USEC (3600 * INT64_C(1000000))

static bool player_answers(const struct fw_daemon *d)
{
    if (!d->player || audio_player_live(d->player) == 0)
        return true;
    return g_get_monotonic_time() - d->player_answered_mono < PLAYER_SILENCE_MAX_USEC;
}

static gboolean on_watchdog(gpointer data)
{
    struct fw_daemon *d = data;
    if (player_answers(d)) {
        board_notify_watchdog();
        d->watchdog_last_ping = g_get_monotonic_time();
    }
    return G_SOURCE_CONTINUE;
}

void fw_notify_ready(struct fw_daemon *d)
{
    uint64_t interval = 0;
    d->player_answered_mono = g_get_monotonic_time();
    board_notify_ready();
    fw_notify_status(d);
    if (board_watchdog_interval(&interval) > 0 && interval > 0) {
        d->watchdog_interval = interval;
        guint ms = (guint)(interval / 2 / 1000);
        if (ms < 1)
            ms = 1;
        board_notify_watchdog();
        d->watchdog_id = g_timeout_add(ms, on_watchdog, d);
    }
}

void fw_notify_status(struct fw_daemon *d)
{
    char buf[1200];
    struct fw_core_status st;
    if (!d->core)
        return;
    fw_core_status(d->core, &st);
    size_t held = d->ledger ? ledger_pending(d->ledger) : 0;
    snprintf(buf, sizeof buf, "%s; %zu aired; trust %s%s%s%s", st.playing ? "on air" : "idle",
             d->n_airings_started, fw_trust_name(fw_trust_get(&d->trust, fw_daemon_now(d))),
             held ? "; ALARM: disk full, ledger records held in memory" : "",
             d->last_error[0] ? "; last error: " : "", d->last_error);
    board_notify_status(buf);
}

void fw_notify_stop(struct fw_daemon *d)
{
    (void)d;
    board_notify_stopping();
}
