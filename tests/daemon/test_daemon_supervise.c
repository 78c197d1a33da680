/* The daemon under supervision (SPEC.md "systemd", "Kiosk isolation"):
 * - a fake NOTIFY_SOCKET receives READY=1, then WATCHDOG=1 at least every half of
 *   WATCHDOG_USEC; a stalled main loop stops the pings; a full disk does not (it is an
 *   alarm: records are held in memory and written once space returns);
 * - killing the kiosk process mid-session: the airings continue on time and the kiosk
 *   is back within 5 s.
 */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "daemon_util.h"

/* ---- fake systemd notify socket ---------------------------------------------------- */

struct notify {
    GSocket *sock;
    GThread *thread;
    GMutex lock;
    GArray *ready; /* monotonic µs of READY=1 */
    GArray *watchdog; /* monotonic µs of WATCHDOG=1 */
    gint stop;
};

static gpointer notify_thread(gpointer p)
{
    struct notify *n = p;
    while (!g_atomic_int_get(&n->stop)) {
        char buf[1024];
        GError *e = NULL;
        if (!g_socket_condition_timed_wait(n->sock, G_IO_IN, 100000, NULL, NULL))
            continue;
        gssize len = g_socket_receive(n->sock, buf, sizeof buf - 1, NULL, &e);
        g_clear_error(&e);
        if (len <= 0)
            continue;
        buf[len] = '\0';
        int64_t t = g_get_monotonic_time();
        g_mutex_lock(&n->lock);
        if (strstr(buf, "READY=1"))
            g_array_append_val(n->ready, t);
        if (strstr(buf, "WATCHDOG=1"))
            g_array_append_val(n->watchdog, t);
        g_mutex_unlock(&n->lock);
    }
    return NULL;
}

static struct notify *notify_new(const char *path)
{
    struct notify *n = g_new0(struct notify, 1);
    n->sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
    g_assert_nonnull(n->sock);
    GSocketAddress *a = g_unix_socket_address_new(path);
    g_assert_true(g_socket_bind(n->sock, a, TRUE, NULL));
    g_object_unref(a);
    g_mutex_init(&n->lock);
    n->ready = g_array_new(FALSE, FALSE, sizeof(int64_t));
    n->watchdog = g_array_new(FALSE, FALSE, sizeof(int64_t));
    n->thread = g_thread_new("notify", notify_thread, n);
    return n;
}

static void notify_free(struct notify *n)
{
    g_atomic_int_set(&n->stop, 1);
    g_thread_join(n->thread);
    g_object_unref(n->sock);
    g_array_unref(n->ready);
    g_array_unref(n->watchdog);
    g_mutex_clear(&n->lock);
    g_free(n);
}

/* Largest gap between watchdog pings in [from, to] (monotonic µs), and how many. */
static int64_t max_gap(struct notify *n, int64_t from, int64_t to, size_t *ret_count)
{
    g_mutex_lock(&n->lock);
    int64_t prev = from, gap = 0;
    size_t count = 0;
    for (guint i = 0; i < n->watchdog->len; i++) {
        int64_t t = g_array_index(n->watchdog, int64_t, i);
        if (t < from || t > to)
            continue;
        if (t - prev > gap)
            gap = t - prev;
        prev = t;
        count++;
    }
    if (to - prev > gap)
        gap = to - prev;
    g_mutex_unlock(&n->lock);
    *ret_count = count;
    return gap;
}

#define WATCHDOG_USEC 400000 /* pings every 200 ms */

static void test_notify(void)
{
    struct dt_device *d = dt_device_live(2, 1, false, "amp_warmup_ms = 200; amp_hold_s = 1;");
    char *npath = g_build_filename(d->dir, "notify.sock", NULL);
    struct notify *n = notify_new(npath);
    char *env_notify = g_strdup_printf("NOTIFY_SOCKET=%s", npath);
    char *env_wd = g_strdup_printf("WATCHDOG_USEC=%d", WATCHDOG_USEC);
    const char *env[] = {env_notify, env_wd, "LOA_TEST_HOOKS=1", NULL};
    const char *args[] = {"--no-kiosk", "--quiet", NULL};
    int64_t t0 = g_get_monotonic_time();
    GPid pid = dt_daemon_start(d, args, env);

    /* READY=1 first, then pings. */
    for (int i = 0; i < 500; i++) {
        g_mutex_lock(&n->lock);
        guint r = n->ready->len;
        g_mutex_unlock(&n->lock);
        if (r)
            break;
        g_usleep(10000);
    }
    g_mutex_lock(&n->lock);
    g_assert_cmpuint(n->ready->len, ==, 1);
    int64_t ready = g_array_index(n->ready, int64_t, 0);
    g_mutex_unlock(&n->lock);
    g_test_message("boot to READY=1: %.0f ms", (double)(ready - t0) / 1000);
    g_usleep(1500000);
    size_t count;
    int64_t gap = max_gap(n, ready, g_get_monotonic_time(), &count);
    g_test_message("%zu pings, largest gap %.0f ms", count, (double)gap / 1000);
    g_assert_cmpuint(count, >=, 5);
    g_assert_cmpint(gap, <=, WATCHDOG_USEC / 2 + 150000);

    /* A stalled main loop: no pings while it stalls. */
    char *r = dt_control(d, "test-stall 1500");
    g_assert_nonnull(r);
    g_free(r);
    int64_t s0 = g_get_monotonic_time();
    g_usleep(1200000);
    int64_t s1 = g_get_monotonic_time();
    gap = max_gap(n, s0 + 100000, s1, &count);
    g_assert_cmpuint(count, ==, 0);
    g_usleep(800000);

    /* A full disk: records are held, the pings go on. */
    r = dt_control(d, "test-disk-full");
    g_assert_nonnull(r);
    g_free(r);
    int64_t f0 = g_get_monotonic_time();
    /* Events to write: play-now requests (the session airs meanwhile). */
    char *out = NULL, *err = NULL;
    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(dt_loa(d, &out, &err, "play-now", "a", NULL), ==, 0);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
    }
    /* More events than the free space of the pages in use holds. */
    for (int i = 0; i < 100; i++) {
        char *x = dt_control(d, "resume");
        g_assert_nonnull(x);
        g_free(x);
    }
    g_usleep(1000000);
    int64_t held = dt_status_number(d, "records_held");
    g_test_message("records held with the disk full: %" G_GINT64_FORMAT, held);
    gap = max_gap(n, f0, g_get_monotonic_time(), &count);
    g_assert_cmpint(gap, <=, WATCHDOG_USEC / 2 + 150000);
    g_assert_cmpint(held, >, 0);
    r = dt_control(d, "test-disk-ok");
    g_assert_nonnull(r);
    g_assert_true(g_str_has_prefix(r, "ok"));
    g_free(r);
    g_assert_cmpint(dt_status_number(d, "records_held"), ==, 0);

    kill(pid, SIGTERM);
    g_assert_cmpint(dt_wait_pid(pid, 15000), ==, 0);
    g_spawn_close_pid(pid);
    /* Held records were written exactly once: the chain verifies, and the play-now
     * events are all there. */
    GPtrArray *recs = dt_ledger_records(d);
    size_t pn = 0;
    for (guint i = 0; i < recs->len; i++) {
        const struct ledger_record *x = recs->pdata[i];
        if (x->kind == LEDGER_EVENT && strcmp(x->event_type, "play-now") == 0)
            pn++;
    }
    g_assert_cmpuint(pn, ==, 3);
    size_t resumes = 0;
    for (guint i = 0; i < recs->len; i++) {
        const struct ledger_record *x = recs->pdata[i];
        if (x->kind == LEDGER_EVENT && strcmp(x->event_type, "resume") == 0)
            resumes++;
    }
    g_assert_cmpuint(resumes, ==, 100); /* written exactly once each */
    g_ptr_array_unref(recs);
    g_assert_cmpint(dt_loa(d, &out, &err, "verify", NULL), ==, 0);
    g_free(out);
    g_free(err);

    notify_free(n);
    g_free(env_notify);
    g_free(env_wd);
    g_free(npath);
    dt_device_free(d);
}

static void test_kiosk_restart(void)
{
    struct dt_device *d = dt_device_live(4, 1, true, "amp_warmup_ms = 200; amp_hold_s = 1;");
    const char *args[] = {"--kiosk-display", "null", "--quiet", NULL};
    GPid pid = dt_daemon_start(d, args, NULL);
    char *sock = g_build_filename(d->data_dir, "control.sock", NULL);
    g_assert_true(dt_wait_path(sock, 10000));
    int64_t k1 = -1;
    for (int i = 0; i < 100 && k1 <= 0; i++) {
        k1 = dt_status_number(d, "pid");
        g_usleep(50000);
    }
    g_assert_cmpint(k1, >, 0);
    /* Mid-session: wait for something on air, then kill the kiosk. */
    char *out = NULL;
    for (int i = 0; i < 200; i++) {
        g_clear_pointer(&out, g_free);
        if (dt_loa(d, &out, NULL, "status", "--format", "json", NULL) == 0 &&
            strstr(out, "\"playing\":{"))
            break;
        g_usleep(50000);
    }
    g_clear_pointer(&out, g_free);
    kill((pid_t)k1, SIGKILL);
    int64_t t0 = g_get_monotonic_time(), k2 = -1;
    while (g_get_monotonic_time() - t0 < 5000000) {
        k2 = dt_status_number(d, "pid");
        if (k2 > 0 && k2 != k1)
            break;
        g_usleep(50000);
    }
    g_test_message("kiosk back after %.1f s", (double)(g_get_monotonic_time() - t0) / 1e6);
    g_assert_cmpint(k2, >, 0);
    g_assert_cmpint(k2, !=, k1);
    g_usleep(22000000); /* the rest of the session */
    kill(pid, SIGTERM);
    g_assert_cmpint(dt_wait_pid(pid, 15000), ==, 0);
    g_spawn_close_pid(pid);

    /* The airings kept their times: every start within 0.5 s of its planned instant. */
    GHashTable *keys = dt_ledger_keys(d);
    GHashTableIter it;
    gpointer k, v;
    size_t n = 0;
    g_hash_table_iter_init(&it, keys);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct dt_key *x = v;
        if (strcmp(x->source, "plan") != 0 || strcmp(x->outcome, "completed") != 0)
            continue;
        int64_t late = x->actual_start - x->planned;
        if (late > 500000)
            g_error("%s started %.3f s late", (char *)k, (double)late / 1e6);
        n++;
    }
    g_assert_cmpuint(n, >=, 5);
    g_hash_table_unref(keys);
    GPtrArray *recs = dt_ledger_records(d);
    size_t exits = 0;
    for (guint i = 0; i < recs->len; i++) {
        const struct ledger_record *x = recs->pdata[i];
        if (x->kind == LEDGER_EVENT && strcmp(x->event_type, "kiosk-exit") == 0)
            exits++;
    }
    g_assert_cmpuint(exits, ==, 1);
    g_ptr_array_unref(recs);
    g_free(sock);
    dt_device_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/supervise/notify-watchdog", test_notify);
    g_test_add_func("/daemon/supervise/kiosk-restart", test_kiosk_restart);
    return g_test_run();
}
