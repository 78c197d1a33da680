/* The daemon's clocks.
 *
 * Real: calendar deadlines sit on one CLOCK_REALTIME timerfd armed with
 * TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET and watched from the GLib loop
 * (systemd's time_change_fd()). When anyone sets the clock the read fails with
 * ECANCELED; the step's size comes from comparing CLOCK_REALTIME with the monotonic
 * clock since the last reading (where the wall clock "should" be), so the core can
 * re-plan: forward steps miss what they skipped, backward steps never re-air.
 *
 * Virtual (`loa run --clock virtual`): no waiting at all. The loop ticks the core,
 * executes its actions, lets the null player run what is due, applies the events
 * script, then jumps the clock to the earliest next wake-up of the core, the player, the
 * events and the day's batch boundary.
 */
#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "audio.h"
#include "fw_daemon.h"

/* Differences between the wall clock and the monotonic clock smaller than this are
 * slewing or scheduling noise, not a step. */
#define STEP_TOLERANCE_USEC (500 * INT64_C(1000))
#define USEC_PER_SEC INT64_C(1000000)

/* ---- Time zone ---------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) != 0 && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static void tz_to_local(void *userdata, int64_t utc, int32_t *ret_day, int64_t *ret_usec)
{
    GTimeZone *tz = userdata;
    gint64 secs = floor_div(utc, USEC_PER_SEC);
    int iv = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, secs);
    int64_t off = iv >= 0 ? (int64_t)g_time_zone_get_offset(tz, iv) * USEC_PER_SEC : 0;
    int64_t local = utc + off;
    int64_t day = floor_div(local, CIVIL_USEC_PER_DAY);
    *ret_day = (int32_t)day;
    *ret_usec = local - day * CIVIL_USEC_PER_DAY;
}

static int64_t tz_to_utc(void *userdata, int32_t day, int64_t usec_of_day)
{
    GTimeZone *tz = userdata;
    int64_t local = (int64_t)day * CIVIL_USEC_PER_DAY + usec_of_day;
    gint64 secs = floor_div(local, USEC_PER_SEC);
    /* adjust_time moves a local time that does not exist to the first instant after the
     * gap, which is what fw_tz asks for. */
    gint64 adj = secs;
    int iv = g_time_zone_adjust_time(tz, G_TIME_TYPE_STANDARD, &adj);
    int64_t off = iv >= 0 ? (int64_t)g_time_zone_get_offset(tz, iv) * USEC_PER_SEC : 0;
    return local + (adj - secs) * USEC_PER_SEC - off;
}

struct fw_tz fw_clock_tz(GTimeZone *tz)
{
    return (struct fw_tz){tz_to_local, tz_to_utc, tz};
}

int32_t fw_clock_local_day(const struct fw_daemon *d, int64_t utc)
{
    int32_t day;
    int64_t tod;
    d->tz.to_local(d->tz.userdata, utc, &day, &tod);
    return day;
}

/* ---- Real clock --------------------------------------------------------------------- */

static gboolean on_timerfd(gint fd, GIOCondition cond, gpointer data)
{
    struct fw_daemon *d = data;
    uint64_t expirations;
    (void)cond;
    ssize_t n = read(fd, &expirations, sizeof expirations);
    if (n < 0 && errno == ECANCELED) {
        /* The clock was set: measure the step, re-arm (the cancel disarmed it). */
        fw_clock_real_check_step(d);
        d->armed_at = INT64_MIN;
    }
    fw_daemon_tick(d);
    return G_SOURCE_CONTINUE;
}

int fw_clock_real_init(struct fw_daemon *d)
{
    d->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (d->tfd < 0)
        return -errno;
    d->last_real = g_get_real_time();
    d->last_mono = g_get_monotonic_time();
    d->armed_at = INT64_MIN;
    d->tfd_watch = g_unix_fd_add(d->tfd, G_IO_IN, on_timerfd, d);
    return 0;
}

void fw_clock_real_free(struct fw_daemon *d)
{
    if (d->tfd_watch)
        g_source_remove(d->tfd_watch);
    d->tfd_watch = 0;
    if (d->tfd >= 0)
        close(d->tfd);
    d->tfd = -1;
}

void fw_clock_real_arm(struct fw_daemon *d, int64_t at)
{
    int64_t now = g_get_real_time();
    if (at == INT64_MAX || at > now + 3600 * USEC_PER_SEC)
        at = now + 3600 * USEC_PER_SEC; /* still armed: CANCEL_ON_SET needs a live timer */
    if (at <= 0)
        at = 1;
    if (at == d->armed_at)
        return;
    struct itimerspec its = {
        .it_value = {.tv_sec = at / USEC_PER_SEC, .tv_nsec = (at % USEC_PER_SEC) * 1000},
    };
    if (timerfd_settime(d->tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0) {
        if (errno == ECANCELED) {
            /* A step happened since the last read: handle it now. */
            uint64_t x;
            (void)!read(d->tfd, &x, sizeof x);
            fw_clock_real_check_step(d);
            timerfd_settime(d->tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
            fw_daemon_tick(d);
            return;
        }
        fw_daemon_error(d, "timerfd_settime: %s", strerror(errno));
    }
    d->armed_at = at;
}

void fw_clock_real_check_step(struct fw_daemon *d)
{
    int64_t real = g_get_real_time(), mono = g_get_monotonic_time();
    int64_t expected = d->last_real + (mono - d->last_mono);
    d->last_real = real;
    d->last_mono = mono;
    int64_t diff = real - expected;
    if (diff > STEP_TOLERANCE_USEC || diff < -STEP_TOLERANCE_USEC)
        fw_daemon_clock_step(d, expected, real);
}

/* ---- Virtual clock ------------------------------------------------------------------ */

int64_t fw_clock_player_to_wall(const struct fw_daemon *d, int64_t t)
{
    if (!d->opt.virtual_clock || t == INT64_MAX || t == INT64_MIN || t == 0)
        return t;
    return t + d->virt_offset;
}

int64_t fw_clock_wall_to_player(const struct fw_daemon *d, int64_t t)
{
    if (!d->opt.virtual_clock || t == INT64_MAX || t == INT64_MIN)
        return t;
    return t - d->virt_offset;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int fw_clock_virtual_run(struct fw_daemon *d)
{
    GMainContext *ctx = g_main_context_default();
    for (;;) {
        /* Anything else on the context (never blocking). */
        while (g_main_context_iteration(ctx, FALSE))
            ;
        if (!d->stopping && d->virt_now >= d->opt.until_utc_usec) {
            fw_daemon_stop(d);
            continue;
        }
        if (d->events && !d->stopping) {
            int r = fw_events_apply_due(d);
            if (r < 0)
                return LOA_EXIT_RUNTIME;
            if (r > 0)
                continue;
        }
        d->need_tick = true;
        while (d->need_tick) {
            fw_daemon_tick(d);
            if (d->player)
                audio_player_dispatch(d->player);
        }
        if (d->stopped)
            break;
        int64_t now = d->virt_now;
        int64_t next = d->core_next;
        if (d->player)
            next =
                min64(next, fw_clock_player_to_wall(d, audio_player_next_wakeup_usec(d->player)));
        if (d->stopping) {
            /* Let the player report what the shutdown stopped. */
            if (next == INT64_MAX)
                break;
        } else {
            if (d->events)
                next = min64(next, fw_events_next_at(d->events));
            /* A day per transaction: wake at the next local midnight to commit. */
            int32_t day;
            int64_t tod;
            d->tz.to_local(d->tz.userdata, now, &day, &tod);
            next = min64(next, d->tz.to_utc(d->tz.userdata, day + 1, 0));
            next = min64(next, d->opt.until_utc_usec);
        }
        if (next > now)
            d->virt_now = next;
        /* Commit the day's batch at local midnight (and the daily checkpoint). */
        if (d->batching && fw_clock_local_day(d, d->virt_now) != d->batch_day)
            fw_daemon_commit(d);
    }
    return d->exit_code;
}
