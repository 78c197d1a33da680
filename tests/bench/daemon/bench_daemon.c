/* Daemon benchmarks; prints figures against the goals (issue 8):
 *   campaign   the bundled 3-year campaign on the virtual clock (goal < 60 s), checked
 *              equal to `loa plan`
 *   ready      boot to READY=1 (fake NOTIFY_SOCKET), median of 5
 *   idle       RSS and CPU of the idle daemon, and of daemon + kiosk, over SECONDS
 *              (default 60; goals ≤ 20 MB, ≤ 55 MB together, ≤ 1 % of a core)
 *   accuracy   start accuracy through the whole daemon: a session now, fakesink output
 * Usage: bench_daemon [campaign|ready|idle|accuracy|all] [SECONDS]
 */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_util.h"

static struct dt_device *example_device(void)
{
    struct dt_device *d = g_new0(struct dt_device, 1);
    d->loa = g_strdup(g_getenv("LOA_BIN"));
    d->dir = g_dir_make_tmp("loa-bench-XXXXXX", NULL);
    d->config = g_build_filename(LOA_BUILD_DIR, "examples", "loa.cfg", NULL);
    d->data_dir = g_build_filename(d->dir, "data", NULL);
    d->playlist = g_build_filename(LOA_BUILD_DIR, "examples", "playlists", "tmdt-2020.cfg", NULL);
    char *err = NULL;
    if (dt_loa(d, NULL, &err, "load", d->playlist, NULL) != 0) {
        fprintf(stderr, "%s", err);
        exit(1);
    }
    g_free(err);
    return d;
}

static void bench_campaign(void)
{
    struct dt_device *d = example_device();
    int64_t t0 = g_get_monotonic_time();
    char *err = NULL;
    int rc = dt_loa(d, NULL, &err, "run", "--clock", "virtual", "--from", "2020-11-01 00:00",
                    "--until", "2023-11-01 00:00", "--quiet", NULL);
    double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (rc != 0)
        fprintf(stderr, "%s", err);
    g_free(err);
    size_t rows = dt_assert_ledger_equals_plan(d, "2020-11-01", "2023-10-31");
    GPtrArray *recs = dt_ledger_records(d);
    printf("campaign: 3 years (2020-11-01..2023-10-31) through the whole daemon on the virtual "
           "clock: %.1f s (goal < 60 s); %zu plan airings = ledger finals; %u records chained\n",
           secs, rows, recs->len);
    g_ptr_array_unref(recs);
    dt_device_free(d);
}

static int64_t wait_ready(GSocket *s, int64_t t0)
{
    char buf[512];
    while (g_get_monotonic_time() - t0 < 10000000) {
        if (!g_socket_condition_timed_wait(s, G_IO_IN, 100000, NULL, NULL))
            continue;
        gssize n = g_socket_receive(s, buf, sizeof buf - 1, NULL, NULL);
        if (n > 0) {
            buf[n] = '\0';
            if (strstr(buf, "READY=1"))
                return g_get_monotonic_time() - t0;
        }
    }
    return -1;
}

static GSocket *notify_socket(const struct dt_device *d, char **ret_env)
{
    char *path = g_build_filename(d->dir, "notify.sock", NULL);
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
    GSocketAddress *a = g_unix_socket_address_new(path);
    g_socket_bind(s, a, TRUE, NULL);
    g_object_unref(a);
    *ret_env = g_strdup_printf("NOTIFY_SOCKET=%s", path);
    g_free(path);
    return s;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void bench_ready(void)
{
    struct dt_device *d = example_device();
    char *env0 = NULL;
    GSocket *s = notify_socket(d, &env0);
    const char *env[] = {env0, NULL};
    const char *args[] = {"--no-kiosk", "--quiet", NULL};
    int64_t t[5];
    for (int i = 0; i < 5; i++) {
        int64_t t0 = g_get_monotonic_time();
        GPid pid = dt_daemon_start(d, args, env);
        t[i] = wait_ready(s, t0);
        kill(pid, SIGTERM);
        dt_wait_pid(pid, 10000);
        g_spawn_close_pid(pid);
    }
    qsort(t, 5, sizeof t[0], cmp64);
    printf("ready: boot to READY=1 (config, key, ledger, library, GStreamer, plan): median %.0f "
           "ms, min %.0f ms, max %.0f ms\n",
           (double)t[2] / 1000, (double)t[0] / 1000, (double)t[4] / 1000);
    g_object_unref(s);
    g_free(env0);
    dt_device_free(d);
}

struct usage {
    int64_t rss_kb;
    double cpu_s;
};

static struct usage usage_of(int pid)
{
    struct usage u = {0};
    char path[64], *text = NULL;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        const char *p = strstr(text, "VmRSS:");
        if (p)
            u.rss_kb = g_ascii_strtoll(p + 6, NULL, 10);
        g_free(text);
    }
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        const char *p = strrchr(text, ')');
        char **f = g_strsplit(p + 2, " ", 0);
        /* fields after ')': state(0) … utime(11) stime(12) */
        u.cpu_s = (double)(g_ascii_strtoll(f[11], NULL, 10) + g_ascii_strtoll(f[12], NULL, 10)) /
                  (double)sysconf(_SC_CLK_TCK);
        g_strfreev(f);
        g_free(text);
    }
    return u;
}

static int kiosk_pid_of(int daemon)
{
    char path[64], *text = NULL;
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", daemon, daemon);
    int pid = 0;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        pid = atoi(text);
        g_free(text);
    }
    return pid;
}

static void bench_idle(int seconds)
{
    for (int with_kiosk = 0; with_kiosk < 2; with_kiosk++) {
        struct dt_device *d = example_device();
        const char *a0[] = {"--no-kiosk", "--quiet", NULL};
        const char *a1[] = {"--kiosk-display", "sdl", "--quiet", NULL};
        const char *env[] = {"SDL_VIDEODRIVER=dummy", NULL};
        GPid pid = dt_daemon_start(d, with_kiosk ? a1 : a0, env);
        g_usleep(3000000); /* settle */
        int kpid = with_kiosk ? kiosk_pid_of(pid) : 0;
        struct usage d0 = usage_of(pid), k0 = kpid ? usage_of(kpid) : (struct usage){0};
        int64_t t0 = g_get_monotonic_time();
        g_usleep((gulong)seconds * 1000000);
        double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
        struct usage d1 = usage_of(pid), k1 = kpid ? usage_of(kpid) : (struct usage){0};
        double cpu = (d1.cpu_s - d0.cpu_s + k1.cpu_s - k0.cpu_s) / wall * 100;
        if (!with_kiosk)
            printf("idle: daemon alone over %d s: RSS %.1f MB (goal <= 20 MB), CPU %.2f %% of a "
                   "core (goal <= 1 %%)\n",
                   seconds, (double)d1.rss_kb / 1024, cpu);
        else
            printf("idle: daemon + kiosk (SDL dummy video) over %d s: RSS %.1f + %.1f = %.1f MB "
                   "(goal <= 55 MB), CPU %.2f %% of a core (goal <= 1 %%)%s\n",
                   seconds, (double)d1.rss_kb / 1024, (double)k1.rss_kb / 1024,
                   (double)(d1.rss_kb + k1.rss_kb) / 1024, cpu,
                   kpid ? "" : " [no kiosk child found]");
        kill(pid, SIGTERM);
        dt_wait_pid(pid, 15000);
        g_spawn_close_pid(pid);
        dt_device_free(d);
    }
}

static void bench_accuracy(void)
{
    struct dt_device *d = dt_device_live(3, 1, false, "amp_warmup_ms = 500; amp_hold_s = 1;");
    const char *args[] = {"--no-kiosk", "--quiet", "--output", "fakesink", NULL};
    GPid pid = dt_daemon_start(d, args, NULL);
    g_usleep(30000000);
    kill(pid, SIGTERM);
    dt_wait_pid(pid, 15000);
    g_spawn_close_pid(pid);
    GHashTable *keys = dt_ledger_keys(d);
    GHashTableIter it;
    gpointer k, v;
    int64_t worst = 0, sum = 0;
    size_t n = 0;
    g_hash_table_iter_init(&it, keys);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct dt_key *x = v;
        if (strcmp(x->outcome, "completed") != 0 || strcmp(x->source, "plan") != 0)
            continue;
        int64_t e = x->actual_start - x->planned;
        if (e < 0)
            e = -e;
        worst = e > worst ? e : worst;
        sum += e;
        n++;
    }
    printf("accuracy: %zu airings through the whole daemon (fakesink, real clock): start error "
           "mean %.2f ms, max %.2f ms\n",
           n, n ? (double)sum / (double)n / 1000 : 0.0, (double)worst / 1000);
    g_hash_table_unref(keys);
    dt_device_free(d);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    int seconds = argc > 2 ? atoi(argv[2]) : 60;
    if (!g_getenv("LOA_BIN"))
        g_setenv("LOA_BIN", LOA_BIN_PATH, TRUE);
    bool all = strcmp(what, "all") == 0;
    if (all || strcmp(what, "campaign") == 0)
        bench_campaign();
    if (all || strcmp(what, "ready") == 0)
        bench_ready();
    if (all || strcmp(what, "accuracy") == 0)
        bench_accuracy();
    if (all || strcmp(what, "idle") == 0)
        bench_idle(seconds);
    return 0;
}
