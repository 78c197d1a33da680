/* The daemon on the real clock with its control socket (SPEC.md "Control socket",
 * `loa status`, `loa play-now`, `loa pause`/`resume`, `loa clock confirm`): a session
 * starting now airs; an emergency play-now of a FILE (passed as a descriptor) cuts the
 * airing on air (interrupted (emergency)); a priority play-now of an ITEM airs after a
 * chime; every request is recorded with the caller's uid (SO_PEERCRED); the socket is
 * mode 0660; SIGTERM stops cleanly (shutdown event, checkpoint, relay off).
 */
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_util.h"

/* Nothing on air, nothing queued, nothing more foreseen today. */
static bool status_idle(const struct dt_device *d)
{
    char *out = NULL;
    int rc = dt_loa(d, &out, NULL, "status", "--format", "json", NULL);
    GTimeZone *tz = g_time_zone_new_identifier("Asia/Ho_Chi_Minh");
    GDateTime *now = g_date_time_new_now(tz);
    g_time_zone_unref(tz);
    char *today = g_date_time_format(now, "\"next\":{\"key\":\"%Y-%m-%d/");
    bool idle = rc == 0 && out && strstr(out, "\"playing\":null") && !strstr(out, today) &&
                strstr(out, "\"play_now_queued\":0");
    g_free(today);
    g_date_time_unref(now);
    g_free(out);
    return idle;
}

static bool status_playing(const struct dt_device *d)
{
    char *out = NULL;
    int rc = dt_loa(d, &out, NULL, "status", "--format", "json", NULL);
    bool playing = rc == 0 && out && strstr(out, "\"playing\":{") != NULL;
    g_free(out);
    return playing;
}

static void test_control(void)
{
    struct dt_device *d = dt_device_live(3, 1, false, "amp_warmup_ms = 200; amp_hold_s = 1;");
    const char *args[] = {"--no-kiosk", "--quiet", NULL};
    GPid pid = dt_daemon_start(d, args, NULL);
    char *sock = g_build_filename(d->data_dir, "control.sock", NULL);
    g_assert_true(dt_wait_path(sock, 10000));
    struct stat st;
    g_assert_cmpint(stat(sock, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0660);

    char *out = NULL, *err = NULL;
    g_assert_cmpint(dt_loa(d, &out, &err, "status", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "test-01"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(dt_loa(d, &out, &err, "status", "--format", "json", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "\"trust\":"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    /* Wait for the session to be on air, then cut it with an emergency file. */
    bool on = false;
    for (int i = 0; i < 200 && !on; i++) {
        on = status_playing(d);
        if (!on)
            g_usleep(50000);
    }
    g_assert_true(on);
    char *file = g_build_filename(d->dir, "m1.ogg", NULL);
    int rc = dt_loa(d, &out, &err, "play-now", file, "--class", "emergency", NULL);
    if (rc != 0)
        g_printerr("%s", err);
    g_assert_cmpint(rc, ==, 0);
    g_assert_nonnull(strstr(out, "play-now/"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(dt_loa(d, &out, &err, "play-now", "c", NULL), ==, 0);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(dt_loa(d, &out, &err, "play-now", "no-such-item", NULL), ==, 1);
    g_assert_nonnull(strstr(err, "no-such-item"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(
        dt_loa(d, &out, &err, "pause", "--from", "2034-01-01", "--until", "2034-01-02", NULL), ==,
        0);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(dt_loa(d, &out, &err, "resume", NULL), ==, 0);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(dt_loa(d, &out, &err, "clock", "confirm", NULL), ==, 0);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    /* Let the session and the play-now finish, then stop. */
    bool idle = false;
    for (int i = 0; i < 1200 && !idle; i++) {
        g_usleep(50000);
        idle = status_idle(d);
    }
    g_assert_true(idle);
    g_usleep(500000);
    kill(pid, SIGTERM);
    g_assert_cmpint(dt_wait_pid(pid, 15000), ==, 0);
    g_spawn_close_pid(pid);
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
    g_assert_cmpint(dt_loa(d, &out, &err, "status", NULL), ==, 3);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    GPtrArray *recs = dt_ledger_records(d);
    int64_t uid = (int64_t)getuid();
    size_t emergency_cut = 0, pn_completed = 0, pn_chime = 0, ev_play = 0, ev_pause = 0,
           ev_confirm = 0, shutdown = 0, starts = 0;
    bool last_checkpoint = false;
    for (guint i = 0; i < recs->len; i++) {
        const struct ledger_record *r = recs->pdata[i];
        last_checkpoint = r->kind == LEDGER_CHECKPOINT;
        if (r->kind == LEDGER_EVENT) {
            if (strcmp(r->event_type, "play-now") == 0) {
                g_assert_cmpint(r->caller_uid, ==, uid);
                ev_play++;
            } else if (strcmp(r->event_type, "pause") == 0 ||
                       strcmp(r->event_type, "resume") == 0) {
                g_assert_cmpint(r->caller_uid, ==, uid);
                ev_pause++;
            } else if (strcmp(r->event_type, "clock-confirm") == 0) {
                g_assert_cmpint(r->caller_uid, ==, uid);
                ev_confirm++;
            } else if (strcmp(r->event_type, "shutdown") == 0) {
                shutdown++;
            }
            continue;
        }
        if (r->kind != LEDGER_AIRING)
            continue;
        if (r->phase == LEDGER_PHASE_START) {
            starts++;
            continue;
        }
        if (r->outcome == LEDGER_OUTCOME_INTERRUPTED && strcmp(r->reason, "emergency") == 0)
            emergency_cut++;
        if (r->source == LEDGER_SOURCE_PLAY_NOW) {
            g_assert_cmpint(r->outcome, ==, LEDGER_OUTCOME_COMPLETED);
            g_assert_cmpint(r->caller_uid, ==, uid);
            g_assert_cmpint(r->played_ms, >, 0);
            if (r->airing_kind == LEDGER_AIRING_KIND_CHIME)
                pn_chime++;
            else
                pn_completed++;
        }
    }
    g_ptr_array_unref(recs);
    g_assert_cmpuint(emergency_cut, ==, 1);
    g_assert_cmpuint(pn_completed, ==, 2);
    g_assert_cmpuint(pn_chime, <=, 1);
    g_assert_cmpuint(ev_play, ==, 2);
    g_assert_cmpuint(ev_pause, ==, 2);
    g_assert_cmpuint(ev_confirm, ==, 1);
    g_assert_cmpuint(shutdown, ==, 1);
    g_assert_cmpuint(starts, >=, 4);
    g_assert_true(last_checkpoint);

    /* The amplifier line was left off. */
    char *sim = g_build_filename(d->data_dir, "board-sim.log", NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(sim, &text, NULL, NULL));
    g_strchomp(text);
    const char *last = strrchr(text, '\n');
    last = last ? last + 1 : text;
    g_assert_nonnull(strstr(last, "off"));
    g_free(text);
    g_free(sim);

    g_free(file);
    g_free(sock);
    dt_device_free(d);
}

/* An official's edit breaks loa.cfg while the daemon runs: a reload keeps the last config
 * that loaded, says so (stderr and a ledger event), and the session still airs. */
static void test_broken_config_reload(void)
{
    struct dt_device *d = dt_device_live(4, 1, false, "amp_warmup_ms = 200; amp_hold_s = 1;");
    const char *args[] = {"--no-kiosk", "--quiet", NULL};
    GPid pid = dt_daemon_start(d, args, NULL);
    char *sock = g_build_filename(d->data_dir, "control.sock", NULL);
    g_assert_true(dt_wait_path(sock, 10000));

    char *good = NULL;
    g_assert_true(g_file_get_contents(d->config, &good, NULL, NULL));
    char *broken = g_strconcat(good, "\nvolumme = 0.5;\n", NULL);
    g_assert_true(g_file_set_contents(d->config, broken, -1, NULL));
    char *r = dt_control(d, "reload");
    g_assert_nonnull(r);
    g_free(r);
    g_usleep(500000);
    g_assert_cmpint(kill(pid, 0), ==, 0); /* still running */
    char *out = NULL, *err = NULL;
    g_assert_cmpint(dt_loa(d, &out, &err, "status", NULL), ==, 0);
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    /* The session (starting 4 s after the daemon) still airs on the last good config: its
     * chime and first short items are over within 20 s. */
    g_usleep(20 * G_USEC_PER_SEC);
    kill(pid, SIGTERM);
    g_assert_cmpint(dt_wait_pid(pid, 15000), ==, 0);
    g_spawn_close_pid(pid);

    GPtrArray *recs = dt_ledger_records(d);
    size_t invalid = 0, completed = 0;
    for (guint i = 0; i < recs->len; i++) {
        const struct ledger_record *x = recs->pdata[i];
        if (x->kind == LEDGER_EVENT && strcmp(x->event_type, "config-invalid") == 0)
            invalid++;
        if (x->kind == LEDGER_AIRING && x->phase == LEDGER_PHASE_FINAL &&
            x->outcome == LEDGER_OUTCOME_COMPLETED)
            completed++;
    }
    g_ptr_array_unref(recs);
    g_assert_cmpuint(invalid, ==, 1);
    g_assert_cmpuint(completed, >=, 2);

    g_free(broken);
    g_free(good);
    g_free(sock);
    dt_device_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/control/session", test_control);
    g_test_add_func("/daemon/control/broken-config-reload", test_broken_config_reload);
    return g_test_run();
}
