/* test_system_supervise: the device daemon under a systemd-like supervisor.
 *
 * The supervisor is this test: it reads ExecStart= and ExecStopPost= from
 * packaging/systemd/loa.service (so the unit's own command lines run, with /usr/bin/loa
 * replaced by the built binary), gives the daemon a NOTIFY_SOCKET it listens on and a
 * WATCHDOG_USEC, and plays systemd's part:
 *   - READY=1, STATUS= and periodic WATCHDOG=1 arrive on the notify socket;
 *   - with the amplifier on (an emergency play-now airing), SIGKILL leaves the sim line
 *     on — as a Raspberry Pi keeps a released output's level — and ExecStopPost=
 *     (`loa board off`) switches it off;
 *   - SIGTERM stops cleanly (STOPPING=1, exit 0, amplifier off), and ExecStopPost= then
 *     changes nothing;
 *   - after a SIGKILL the daemon starts again on the same data directory (Restart=).
 * The sim board's state file is the amplifier line (board/relay.h). Only the watchdog
 * interval is shortened (1 s instead of the unit's WatchdogSec) so pings show quickly.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relay.h"

#define WATCHDOG_TEST_USEC 1000000
/* Generous: an ASan build under a loaded CI machine starts slowly. */
#define START_TIMEOUT_MS 60000
#define STEP_TIMEOUT_MS 30000

struct sup {
    char *dir; /* private temporary directory */
    char *config; /* dir/loa.cfg */
    char *data; /* dir/data (storage.data_dir) */
    char *sim; /* data/board-sim.log: the amplifier line */
    char *tone; /* dir/tone.wav */
    char *sock_path; /* dir/notify.sock */
    int notify_fd;
    GPid pid;
    char **env;
    char **exec_start; /* from the unit */
    char **exec_stop_post; /* from the unit */
    /* What the daemon told us. */
    int n_ready, n_watchdog, n_status, n_stopping;
    char last_status[512];
};

static const char *loa_bin(void)
{
    const char *b = g_getenv("LOA_BIN");
    return b ? b : LOA_BUILD_DIR "/firmware/loa";
}

/* The unit's command line for key (e.g. "ExecStart"), /usr/bin/loa → the built binary. */
static char **unit_command(const char *key)
{
    char *path = g_build_filename(LOA_SOURCE_DIR, "packaging", "systemd", "loa.service", NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    char **lines = g_strsplit(text, "\n", -1);
    char *prefix = g_strconcat(key, "=", NULL);
    char **argv = NULL;
    for (char **l = lines; *l; l++) {
        if (!g_str_has_prefix(*l, prefix))
            continue;
        int argc = 0;
        g_assert_true(g_shell_parse_argv(*l + strlen(prefix), &argc, &argv, NULL));
        g_assert_cmpstr(argv[0], ==, "/usr/bin/loa");
        g_free(argv[0]);
        argv[0] = g_strdup(loa_bin());
        break;
    }
    g_assert_nonnull(argv);
    g_free(prefix);
    g_strfreev(lines);
    g_free(text);
    g_free(path);
    return argv;
}

/* A mono 16-bit WAV of `seconds` of a 440 Hz tone at -12 dBFS. */
static void write_tone(const char *path, int seconds)
{
    const uint32_t rate = 16000, n = rate * (uint32_t)seconds, bytes = n * 2;
    FILE *f = fopen(path, "wb");
    g_assert_nonnull(f);
    uint8_t h[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\0\0\0\0\0\0\0\0\x02\0\x10\0data";
    uint32_t riff = 36 + bytes, byte_rate = rate * 2;
    for (int i = 0; i < 4; i++) {
        h[4 + i] = (uint8_t)(riff >> (8 * i));
        h[24 + i] = (uint8_t)(rate >> (8 * i));
        h[28 + i] = (uint8_t)(byte_rate >> (8 * i));
        h[40 + i] = (uint8_t)(bytes >> (8 * i));
    }
    g_assert_cmpuint(fwrite(h, 1, sizeof h, f), ==, sizeof h);
    for (uint32_t i = 0; i < n; i++) {
        int16_t s = (int16_t)(0.25 * 32767.0 * sin(2.0 * G_PI * 440.0 * i / rate));
        uint8_t b[2] = {(uint8_t)(s & 0xff), (uint8_t)((uint16_t)s >> 8)};
        g_assert_cmpuint(fwrite(b, 1, 2, f), ==, 2);
    }
    g_assert_cmpint(fclose(f), ==, 0);
}

static void sup_init(struct sup *s)
{
    memset(s, 0, sizeof *s);
    s->dir = g_dir_make_tmp("loa-supervise-XXXXXX", NULL);
    g_assert_nonnull(s->dir);
    s->config = g_build_filename(s->dir, "loa.cfg", NULL);
    s->data = g_build_filename(s->dir, "data", NULL);
    s->tone = g_build_filename(s->dir, "tone.wav", NULL);
    s->sock_path = g_build_filename(s->dir, "notify.sock", NULL);
    char sim[4200];
    g_assert_cmpint(relay_sim_path(s->data, sim, sizeof sim), ==, 0);
    s->sim = g_strdup(sim);
    char *cfg = g_strdup_printf(
        "device = { id = \"test-01\"; province = { code = \"01\"; name = \"Thành phố Hà Nội\"; };\n"
        "  commune = { code = \"09552\"; name = \"Phường Văn Quán\"; }; unit_codes = \"2020\";\n"
        "  timezone = \"Asia/Ho_Chi_Minh\"; };\n"
        "sessions = ( { id = \"sang\"; name = \"Buổi sáng\"; start = \"06:00\"; end = \"06:30\";"
        " days = \"mon-sun\"; } );\n"
        "audio = { output = \"null\"; };\n"
        "board = { driver = \"sim\"; amp_warmup_ms = 100; amp_hold_s = 1; };\n"
        "kiosk = { enabled = false; };\n"
        "storage = { data_dir = \"%s\"; };\n"
        "time = { require_trust = false; };\n",
        s->data);
    g_assert_true(g_file_set_contents(s->config, cfg, -1, NULL));
    g_free(cfg);
    write_tone(s->tone, 30);

    s->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    g_assert_cmpint(s->notify_fd, >=, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    g_assert_cmpuint(strlen(s->sock_path), <, sizeof sa.sun_path);
    strcpy(sa.sun_path, s->sock_path);
    g_assert_cmpint(bind(s->notify_fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);

    /* The unit's environment: LOA_CONFIG stands for /etc/loa/loa.cfg, GST_REGISTRY for
     * %C/loa/gst-registry.bin. */
    char *cache = g_build_filename(s->dir, "cache", "gst-registry.bin", NULL);
    s->env = g_get_environ();
    s->env = g_environ_setenv(s->env, "LOA_CONFIG", s->config, TRUE);
    s->env = g_environ_setenv(s->env, "GST_REGISTRY", cache, TRUE);
    s->env = g_environ_unsetenv(s->env, "NOTIFY_SOCKET");
    s->env = g_environ_unsetenv(s->env, "WATCHDOG_USEC");
    s->env = g_environ_unsetenv(s->env, "WATCHDOG_PID");
    g_free(cache);
    s->exec_start = unit_command("ExecStart");
    s->exec_stop_post = unit_command("ExecStopPost");
}

static void sup_clear(struct sup *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    if (s->notify_fd >= 0)
        close(s->notify_fd);
    char *argv[] = {"rm", "-rf", s->dir, NULL};
    g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    g_strfreev(s->env);
    g_strfreev(s->exec_start);
    g_strfreev(s->exec_stop_post);
    g_free(s->dir);
    g_free(s->config);
    g_free(s->data);
    g_free(s->sim);
    g_free(s->tone);
    g_free(s->sock_path);
}

/* ExecStart=, with NOTIFY_SOCKET and WATCHDOG_USEC as systemd sets them. */
static void sup_start(struct sup *s)
{
    char **env = g_strdupv(s->env);
    char usec[32];
    snprintf(usec, sizeof usec, "%d", WATCHDOG_TEST_USEC);
    env = g_environ_setenv(env, "NOTIFY_SOCKET", s->sock_path, TRUE);
    env = g_environ_setenv(env, "WATCHDOG_USEC", usec, TRUE);
    s->n_ready = s->n_watchdog = s->n_status = s->n_stopping = 0;
    GError *err = NULL;
    gboolean ok = g_spawn_async(NULL, s->exec_start, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &s->pid, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    g_strfreev(env);
}

/* Read what arrived on the notify socket (waiting up to timeout_ms for the first). */
static void sup_read(struct sup *s, int timeout_ms)
{
    struct pollfd p = {.fd = s->notify_fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return;
    char buf[4096];
    ssize_t n;
    while ((n = recv(s->notify_fd, buf, sizeof buf - 1, 0)) > 0) {
        buf[n] = '\0';
        char **lines = g_strsplit(buf, "\n", -1);
        for (char **l = lines; *l; l++) {
            if (strcmp(*l, "READY=1") == 0)
                s->n_ready++;
            else if (strcmp(*l, "WATCHDOG=1") == 0)
                s->n_watchdog++;
            else if (strcmp(*l, "STOPPING=1") == 0)
                s->n_stopping++;
            else if (g_str_has_prefix(*l, "STATUS=")) {
                s->n_status++;
                g_strlcpy(s->last_status, *l + 7, sizeof s->last_status);
            }
        }
        g_strfreev(lines);
    }
}

/* The daemon has exited (reaped: *ret_status filled). */
static bool sup_exited(struct sup *s, int *ret_status)
{
    int st;
    pid_t r = waitpid(s->pid, &st, WNOHANG);
    if (r == s->pid) {
        s->pid = 0;
        *ret_status = st;
        return true;
    }
    return false;
}

/* Wait until *counter >= want; fails the test if the daemon exits first. */
static void sup_wait_count(struct sup *s, const int *counter, int want, int timeout_ms,
                           const char *what)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (*counter < want && g_get_monotonic_time() < end) {
        sup_read(s, 100);
        int st;
        if (*counter < want && sup_exited(s, &st)) {
            g_test_message("the daemon exited (status 0x%x) before %s", st, what);
            g_assert_not_reached();
        }
    }
    if (*counter < want)
        g_test_message("timed out waiting for %s", what);
    g_assert_cmpint(*counter, >=, want);
}

static bool amp_on(const struct sup *s)
{
    bool on = false;
    int r = relay_sim_read_state(s->sim, &on);
    g_assert_cmpint(r, ==, 0);
    return on;
}

static void wait_amp(struct sup *s, bool want)
{
    gint64 end = g_get_monotonic_time() + (gint64)STEP_TIMEOUT_MS * 1000;
    while (amp_on(s) != want && g_get_monotonic_time() < end) {
        sup_read(s, 50);
    }
    g_assert_cmpint(amp_on(s), ==, want);
}

/* Run argv (a CLI command) with the unit's environment; returns its exit code. */
static int run_cli(struct sup *s, char **argv)
{
    int status = -1;
    GError *err = NULL;
    g_spawn_sync(NULL, argv, s->env, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &err);
    g_assert_no_error(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `loa play-now TONE --class emergency`: the amplifier goes on at once. */
static void air_now(struct sup *s)
{
    char *argv[] = {(char *)loa_bin(), "play-now", s->tone, "--class", "emergency", NULL};
    g_assert_cmpint(run_cli(s, argv), ==, 0);
    wait_amp(s, true);
}

static size_t sim_records(const struct sup *s)
{
    char *text = NULL;
    if (!g_file_get_contents(s->sim, &text, NULL, NULL))
        return 0;
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    g_free(text);
    return n;
}

static void started_and_watched(struct sup *s)
{
    sup_start(s);
    sup_wait_count(s, &s->n_ready, 1, START_TIMEOUT_MS, "READY=1");
    sup_wait_count(s, &s->n_status, 1, STEP_TIMEOUT_MS, "STATUS=");
    g_test_message("STATUS=%s", s->last_status);
    /* Pings every WATCHDOG_USEC / 2: three of them within a few seconds. */
    sup_wait_count(s, &s->n_watchdog, 3, STEP_TIMEOUT_MS, "three WATCHDOG=1");
}

static void test_sigkill_then_board_off(void)
{
    struct sup s;
    sup_init(&s);
    started_and_watched(&s);
    g_assert_cmpstr(s.exec_stop_post[1], ==, "board");
    g_assert_cmpstr(s.exec_stop_post[2], ==, "off");

    air_now(&s);
    /* The crash: nothing of the daemon runs after this. */
    g_assert_cmpint(kill(s.pid, SIGKILL), ==, 0);
    int st = 0;
    g_assert_cmpint(waitpid(s.pid, &st, 0), ==, s.pid);
    s.pid = 0;
    g_assert_true(WIFSIGNALED(st));
    g_assert_cmpint(WTERMSIG(st), ==, SIGKILL);
    /* Like a Raspberry Pi's released GPIO output, the line keeps its level... */
    g_assert_true(amp_on(&s));
    /* ...until systemd runs ExecStopPost=. */
    g_assert_cmpint(run_cli(&s, s.exec_stop_post), ==, 0);
    g_assert_false(amp_on(&s));

    /* Restart=on-failure: the same data directory, a crashed airing inside, starts. */
    started_and_watched(&s);
    g_assert_false(amp_on(&s));
    g_assert_cmpint(kill(s.pid, SIGTERM), ==, 0);
    g_assert_cmpint(waitpid(s.pid, &st, 0), ==, s.pid);
    s.pid = 0;
    g_assert_true(WIFEXITED(st));
    g_assert_cmpint(WEXITSTATUS(st), ==, 0);
    g_assert_cmpint(run_cli(&s, s.exec_stop_post), ==, 0);
    g_assert_false(amp_on(&s));
    sup_clear(&s);
}

static void test_sigterm_clean_stop(void)
{
    struct sup s;
    sup_init(&s);
    started_and_watched(&s);
    air_now(&s);
    g_assert_cmpint(kill(s.pid, SIGTERM), ==, 0);
    int st = 0;
    gint64 end = g_get_monotonic_time() + (gint64)STEP_TIMEOUT_MS * 1000;
    while (!sup_exited(&s, &st) && g_get_monotonic_time() < end)
        sup_read(&s, 50);
    g_assert_cmpint(s.pid, ==, 0);
    sup_read(&s, 0);
    g_assert_cmpint(s.n_stopping, >=, 1);
    g_assert_true(WIFEXITED(st));
    g_assert_cmpint(WEXITSTATUS(st), ==, 0);
    /* A clean stop switches the amplifier off by itself... */
    g_assert_false(amp_on(&s));
    /* ...and ExecStopPost= after it is harmless: no new transition recorded. */
    size_t before = sim_records(&s);
    g_assert_cmpint(run_cli(&s, s.exec_stop_post), ==, 0);
    g_assert_false(amp_on(&s));
    g_assert_cmpuint(sim_records(&s), ==, before);
    sup_clear(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* `loa run` arrives with the daemon; until then there is nothing to supervise. */
    char *help[] = {(char *)loa_bin(), "run", "--help", NULL};
    int status = -1;
    if (!g_spawn_sync(NULL, help, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, &status, NULL) ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("SKIP: loa run not available\n");
        return 77;
    }
    g_test_add_func("/system/supervise/sigkill-then-board-off", test_sigkill_then_board_off);
    g_test_add_func("/system/supervise/sigterm-clean-stop", test_sigterm_clean_stop);
    return g_test_run();
}
