/* A real CLOCK_REALTIME step reaches the daemon through its timerfd
 * (TFD_TIMER_CANCEL_ON_SET → ECANCELED → step measured against the monotonic clock):
 * the daemon records a clock-step event for a +2 h step and for the −2 h step back.
 * Setting the clock needs root and disturbs everything else on the machine, so the
 * test runs only as root with LOA_TEST_SET_CLOCK=1 (otherwise it exits 77 and says why).
 */
#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_util.h"

static void step(int64_t delta_usec)
{
    struct timespec ts;
    g_assert_cmpint(clock_gettime(CLOCK_REALTIME, &ts), ==, 0);
    int64_t t = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + delta_usec;
    ts.tv_sec = t / 1000000;
    ts.tv_nsec = (t % 1000000) * 1000;
    g_assert_cmpint(clock_settime(CLOCK_REALTIME, &ts), ==, 0);
}

static void test_step(void)
{
    if (geteuid() != 0 || g_strcmp0(g_getenv("LOA_TEST_SET_CLOCK"), "1") != 0) {
        g_print("SKIP: stepping CLOCK_REALTIME needs root and LOA_TEST_SET_CLOCK=1 (it moves "
                "the whole machine's clock for a moment)\n");
        exit(77);
    }
    /* A container may refuse CAP_SYS_TIME even to root: a zero step tells, harmlessly. */
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0 || clock_settime(CLOCK_REALTIME, &now) != 0) {
        g_print("SKIP: this machine refuses to set CLOCK_REALTIME (%s)\n", g_strerror(errno));
        exit(77);
    }
    struct dt_options o = {.campaign_from = "2020-01-01",
                           .campaign_until = "2035-12-31",
                           .short_items = true,
                           .require_trust = "false"};
    struct dt_device *d = dt_device_new(&o);
    const char *args[] = {"--no-kiosk", "--quiet", NULL};
    GPid pid = dt_daemon_start(d, args, NULL);
    char *sock = g_build_filename(d->data_dir, "control.sock", NULL);
    g_assert_true(dt_wait_path(sock, 10000));
    g_usleep(300000);
    step(2 * 3600 * INT64_C(1000000));
    g_usleep(500000);
    step(-2 * 3600 * INT64_C(1000000));
    g_usleep(500000);
    kill(pid, SIGTERM);
    g_assert_cmpint(dt_wait_pid(pid, 15000), ==, 0);
    g_spawn_close_pid(pid);
    GPtrArray *recs = dt_ledger_records(d);
    size_t steps = 0;
    for (guint i = 0; i < recs->len; i++) {
        const struct ledger_record *r = recs->pdata[i];
        if (r->kind == LEDGER_EVENT && strcmp(r->event_type, "clock-step") == 0) {
            g_test_message("%s", r->event_detail);
            steps++;
        }
    }
    g_assert_cmpuint(steps, ==, 2);
    g_ptr_array_unref(recs);
    g_free(sock);
    dt_device_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/clockstep/timerfd", test_step);
    return g_test_run();
}
