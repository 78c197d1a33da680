/* `loa play` and `loa board off` end to end, through the real `loa` binary:
 * the sim relay switches on, then off after the files — and off when the process is
 * killed with SIGTERM or SIGINT mid-airing; exit codes; --gain and --output reach the
 * player; `loa board off` drives a line left on back to off. */
#include <errno.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audio_test_util.h"
#include "relay.h"

static const char *loa_bin;
static char *dir;
static char *short_wav, *long_wav;

struct cmd {
    int status; /* exit code, or 128 + signal */
    char *out, *err;
};

static void cmd_clear(struct cmd *c)
{
    g_free(c->out);
    g_free(c->err);
}

static struct cmd run(const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)loa_bin);
    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, (gpointer)args[i]);
    g_ptr_array_add(argv, NULL);
    struct cmd c = {0};
    int status = 0;
    GError *err = NULL;
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &c.out, &c.err, &status, &err));
    g_assert_no_error(err);
    c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    g_test_message("loa ... -> %d\nstdout: %s\nstderr: %s", c.status, c.out, c.err);
    g_ptr_array_free(argv, TRUE);
    return c;
}

static char *sim_log(const char *sub)
{
    char *d = g_build_filename(dir, sub, NULL);
    char path[4200];
    g_assert_cmpint(relay_sim_path(d, path, sizeof path), ==, 0);
    g_free(d);
    return g_strdup(path);
}

/* Lines of the sim log that are records: their last words ("on"/"off"), joined by ','. */
static char *transitions(const char *log)
{
    char *text = NULL;
    if (!g_file_get_contents(log, &text, NULL, NULL))
        return g_strdup("");
    GString *s = g_string_new(NULL);
    gchar **lines = g_strsplit(text, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        if (!*lines[i])
            continue;
        const char *w = strrchr(lines[i], ' ');
        g_string_append_printf(s, "%s%s", s->len ? "," : "", w ? w + 1 : lines[i]);
    }
    g_strfreev(lines);
    g_free(text);
    return g_string_free(s, FALSE);
}

static void test_plays_and_switches(void)
{
    char *data = g_build_filename(dir, "d1", NULL);
    char *out = g_strdup_printf("file:%s/out-%%n.wav", dir);
    const char *args[] = {"--config",   "/nonexistent/loa.cfg",
                          "--data-dir", data,
                          "play",       "--board",
                          "sim",        "--warmup-ms",
                          "200",        "--output",
                          out,          short_wav,
                          short_wav,    NULL};
    int64_t t0 = g_get_monotonic_time();
    struct cmd c = run(args);
    g_assert_cmpint(c.status, ==, 0);
    g_assert_cmpint(g_get_monotonic_time() - t0, >=, 200000); /* waited the warm-up */
    g_assert_nonnull(strstr(c.err, "no config at /nonexistent/loa.cfg: using defaults"));
    char *want =
        g_strdup_printf("%s: completed, 0.500 s\n%s: completed, 0.500 s\n", short_wav, short_wav);
    g_assert_cmpstr(c.out, ==, want);
    for (int n = 1; n <= 2; n++) {
        char *p = g_strdup_printf("%s/out-%d.wav", dir, n);
        struct at_wav w;
        g_assert_true(at_wav_read(p, &w));
        g_assert_cmpfloat(fabs(at_wav_seconds(&w) - 0.5), <=, 0.02);
        at_wav_free(&w);
        g_free(p);
    }
    char *log = sim_log("d1");
    char *tr = transitions(log);
    g_assert_cmpstr(tr, ==, "on,off");
    g_free(tr);
    g_free(log);
    g_free(want);
    cmd_clear(&c);
    g_free(out);
    g_free(data);
}

static void test_gain_option(void)
{
    char *o0 = g_strdup_printf("file:%s/gain0.wav", dir);
    char *o6 = g_strdup_printf("file:%s/gain6.wav", dir);
    const char *a0[] = {"--config", "/nonexistent", "play", "--board", "none", "--output",
                        o0,         short_wav,      NULL};
    const char *a6[] = {"--config", "/nonexistent", "play", "--board", "none", "--output",
                        o6,         "--gain",       "-6",   short_wav, NULL};
    struct cmd c0 = run(a0), c6 = run(a6);
    g_assert_cmpint(c0.status, ==, 0);
    g_assert_cmpint(c6.status, ==, 0);
    struct at_wav w0, w6;
    g_assert_true(at_wav_read(o0 + 5, &w0));
    g_assert_true(at_wav_read(o6 + 5, &w6));
    double diff = at_wav_rms_dbfs(&w6, 0, w6.frames) - at_wav_rms_dbfs(&w0, 0, w0.frames);
    g_assert_cmpfloat(fabs(diff + 6.0), <=, 0.2);
    at_wav_free(&w0);
    at_wav_free(&w6);
    cmd_clear(&c0);
    cmd_clear(&c6);
    g_free(o0);
    g_free(o6);
}

static void kill_mid_airing(int sig)
{
    char *sub = g_strdup_printf("kill%d", sig);
    char *data = g_build_filename(dir, sub, NULL);
    char *log = sim_log(sub);
    const char *argv[] = {loa_bin,      "--config", "/nonexistent/loa.cfg",
                          "--data-dir", data,       "play",
                          "--board",    "sim",      "--output",
                          "null",       long_wav,   NULL};
    GPid pid;
    int out_fd;
    GError *err = NULL;
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &err));
    g_assert_no_error(err);
    /* Wait until the amplifier is on (the sim line says so), then a little into the airing. */
    int64_t until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    bool on = false;
    while (g_get_monotonic_time() < until) {
        if (relay_sim_read_state(log, &on) == 0 && on)
            break;
        g_usleep(20000);
    }
    g_assert_true(on);
    g_usleep(300000);
    g_assert_cmpint(kill(pid, sig), ==, 0);
    int status = 0;
    pid_t w;
    until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while ((w = waitpid(pid, &status, WNOHANG)) == 0 && g_get_monotonic_time() < until)
        g_usleep(10000);
    g_assert_cmpint(w, ==, pid);
    g_spawn_close_pid(pid);
    char buf[4096] = "";
    ssize_t n = read(out_fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(out_fd);
    g_test_message("stdout: %s", buf);
    g_assert_true(WIFEXITED(status)); /* handled: a clean exit, not killed by the signal */
    g_assert_cmpint(WEXITSTATUS(status), ==, 3);
    g_assert_nonnull(strstr(buf, "interrupted (shutdown)"));
    g_assert_cmpint(relay_sim_read_state(log, &on), ==, 0);
    g_assert_false(on); /* the line is off */
    char *tr = transitions(log);
    g_assert_cmpstr(tr, ==, "on,off");
    g_free(tr);
    g_free(log);
    g_free(data);
    g_free(sub);
}

static void test_sigterm_leaves_line_off(void)
{
    kill_mid_airing(SIGTERM);
}

static void test_sigint_leaves_line_off(void)
{
    kill_mid_airing(SIGINT);
}

static void test_exit_codes(void)
{
    char *missing = g_build_filename(dir, "nope.mp3", NULL);
    const char *a1[] = {"--config", "/nonexistent", "play",  "--board", "none",
                        "--output", "null",         missing, NULL};
    struct cmd c = run(a1);
    g_assert_cmpint(c.status, ==, 1);
    g_assert_nonnull(strstr(c.out, "failed (missing-file)"));
    cmd_clear(&c);
    const char *usage[][8] = {
        {"--config", "/nonexistent", "play", NULL},
        {"--config", "/nonexistent", "play", "--output", "speakers", short_wav, NULL},
        {"--config", "/nonexistent", "play", "--gain", "loud", short_wav, NULL},
        {"--config", "/nonexistent", "play", "--board", "relay", short_wav, NULL},
        {"--config", "/nonexistent", "board", NULL},
        {"--config", "/nonexistent", "board", "on", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(usage); i++) {
        c = run(usage[i]);
        g_assert_cmpint(c.status, ==, 2);
        cmd_clear(&c);
    }
    const char *help[] = {"play", "--help", NULL};
    c = run(help);
    g_assert_cmpint(c.status, ==, 0);
    g_assert_nonnull(strstr(c.out, "Usage: loa play FILE..."));
    cmd_clear(&c);
    g_free(missing);
}

static void test_board_off(void)
{
    char *data = g_build_filename(dir, "boardoff", NULL);
    g_assert_cmpint(g_mkdir(data, 0755), ==, 0);
    char *log = sim_log("boardoff");
    /* A daemon killed with the amplifier on left this behind. */
    g_assert_true(g_file_set_contents(log, "2024-05-01T06:00:00.000000Z on\n", -1, NULL));
    const char *args[] = {"--config", "/nonexistent", "--data-dir", data, "board",
                          "off",      "--board",      "sim",        NULL};
    struct cmd c = run(args);
    g_assert_cmpint(c.status, ==, 0);
    bool on = true;
    g_assert_cmpint(relay_sim_read_state(log, &on), ==, 0);
    g_assert_false(on);
    char *tr = transitions(log);
    g_assert_cmpstr(tr, ==, "on,off");
    g_free(tr);
    cmd_clear(&c);
    /* Already off: nothing to record. */
    c = run(args);
    g_assert_cmpint(c.status, ==, 0);
    tr = transitions(log);
    g_assert_cmpstr(tr, ==, "on,off");
    g_free(tr);
    cmd_clear(&c);
    /* No config and no driver named: nothing to switch, said so. */
    const char *bare[] = {"--config", "/nonexistent", "board", "off", NULL};
    c = run(bare);
    g_assert_cmpint(c.status, ==, 0);
    g_assert_nonnull(strstr(c.err, "no amplifier line"));
    cmd_clear(&c);
    /* A gpio chip that is not there: a runtime failure naming it. */
    const char *gpio[] = {"--config", "/nonexistent", "board", "off", "--board", "gpio", NULL};
    c = run(gpio);
    g_assert_cmpint(c.status, ==, 3);
    g_assert_nonnull(strstr(c.err, "gpio"));
    cmd_clear(&c);
    g_free(log);
    g_free(data);
}

/* An edit broke the config's sessions after the daemon died with the amplifier on: `loa
 * board off` (systemd's ExecStopPost) must still switch it off, from the board section. */
static void test_board_off_broken_config(void)
{
    char *data = g_build_filename(dir, "broken", NULL);
    g_assert_cmpint(g_mkdir(data, 0755), ==, 0);
    char *log = sim_log("broken");
    g_assert_true(g_file_set_contents(log, "2024-05-01T06:00:00.000000Z on\n", -1, NULL));
    char *cfg = g_strdup_printf(
        "device = { id = \"x-1\"; province = { code = \"01\"; name = \"P\"; };\n"
        "  commune = { code = \"1\"; name = \"C\"; }; unit_codes = \"2020\";\n"
        "  timezone = \"Asia/Ho_Chi_Minh\"; };\n"
        "sessions = ( { id = \"sang\"; name = \"S\"; start = \"6h\"; end = \"06:30\"; } );\n"
        "board = { driver = \"sim\"; };\n"
        "storage = { data_dir = \"%s\"; };\n",
        data);
    char *cfg_path = g_build_filename(dir, "broken.cfg", NULL);
    g_assert_true(g_file_set_contents(cfg_path, cfg, -1, NULL));
    const char *args[] = {"--config", cfg_path, "board", "off", NULL};
    struct cmd c = run(args);
    g_assert_cmpint(c.status, ==, 0);
    g_assert_nonnull(strstr(c.err, "broken.cfg:4: error:"));
    g_assert_nonnull(strstr(c.err, "board section alone"));
    bool on = true;
    g_assert_cmpint(relay_sim_read_state(log, &on), ==, 0);
    g_assert_false(on);
    cmd_clear(&c);
    /* A board section that is itself wrong is not guessed at: exit 1. */
    g_assert_true(g_file_set_contents(cfg_path, "board = { driver = \"relay\"; };\n", -1, NULL));
    c = run(args);
    g_assert_cmpint(c.status, ==, 1);
    cmd_clear(&c);
    g_free(cfg_path);
    g_free(cfg);
    g_free(log);
    g_free(data);
}

/* Output, volume, board driver, warm-up and data dir from a real config: the example's,
 * with its chime, data dir and warm-up pointed at this test's files. */
static void test_with_example_config(void)
{
    char *src =
        g_build_filename(g_getenv("LOA_SOURCE_DIR") ? g_getenv("LOA_SOURCE_DIR") : LOA_SOURCE_DIR,
                         "examples", "loa.cfg", NULL);
    char *text = NULL;
    if (!g_file_get_contents(src, &text, NULL, NULL)) {
        g_test_skip("examples/loa.cfg missing");
        g_free(src);
        return;
    }
    char *data = g_build_filename(dir, "example", NULL);
    char *chime = g_build_filename(dir, "chime.ogg", NULL);
    g_assert_true(at_make_media(chime, AT_OGG_VORBIS, 1.0, 880, 0.3, 44100, 1));
    GString *cfg = g_string_new(text);
    char *c1 = g_strdup_printf("chime = \"%s\";", chime);
    char *c2 = g_strdup_printf("data_dir = \"%s\";", data);
    g_string_replace(cfg, "chime = \"media/chime.ogg\";", c1, 1);
    g_string_replace(cfg, "data_dir = \"/var/lib/loa\";", c2, 1);
    g_string_replace(cfg, "amp_warmup_ms = 2000;", "amp_warmup_ms = 300;", 1);
    char *cfg_path = g_build_filename(dir, "loa.cfg", NULL);
    g_assert_true(g_file_set_contents(cfg_path, cfg->str, -1, NULL));
    const char *args[] = {"--config", cfg_path, "play", short_wav, NULL};
    int64_t t0 = g_get_monotonic_time();
    struct cmd c = run(args);
    if (c.status == 1 && strstr(c.err, "loa.cfg")) {
        g_test_skip("the example config does not load here");
    } else {
        /* The example says output null, board sim, and now a 300 ms warm-up. */
        g_assert_cmpint(c.status, ==, 0);
        g_assert_nonnull(strstr(c.out, "completed, 0.500 s"));
        g_assert_cmpint(g_get_monotonic_time() - t0, >=, 800000);
        char *log = sim_log("example");
        char *tr = transitions(log);
        g_assert_cmpstr(tr, ==, "on,off");
        g_free(tr);
        g_free(log);
    }
    cmd_clear(&c);
    g_free(cfg_path);
    g_string_free(cfg, TRUE);
    g_free(c1);
    g_free(c2);
    g_free(chime);
    g_free(data);
    g_free(text);
    g_free(src);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    loa_bin = g_getenv("LOA_BIN");
    if (!loa_bin || !g_file_test(loa_bin, G_FILE_TEST_IS_EXECUTABLE)) {
        printf("SKIP: the loa binary ($LOA_BIN) is not built\n");
        return 77;
    }
    gst_init(&argc, &argv);
    dir = at_tmpdir();
    short_wav = g_build_filename(dir, "short.wav", NULL);
    long_wav = g_build_filename(dir, "long.wav", NULL);
    g_assert_true(at_make_media(short_wav, AT_WAV, 0.5, 440, 0.5, 16000, 1));
    g_assert_true(at_make_media(long_wav, AT_WAV, 20.0, 440, 0.5, 8000, 1));
    g_test_add_func("/audio/play-cli/plays-and-switches", test_plays_and_switches);
    g_test_add_func("/audio/play-cli/gain-option", test_gain_option);
    g_test_add_func("/audio/play-cli/sigterm-leaves-line-off", test_sigterm_leaves_line_off);
    g_test_add_func("/audio/play-cli/sigint-leaves-line-off", test_sigint_leaves_line_off);
    g_test_add_func("/audio/play-cli/exit-codes", test_exit_codes);
    g_test_add_func("/audio/play-cli/board-off", test_board_off);
    g_test_add_func("/audio/play-cli/board-off-broken-config", test_board_off_broken_config);
    g_test_add_func("/audio/play-cli/example-config", test_with_example_config);
    int r = g_test_run();
    at_rm_rf(dir);
    g_free(dir);
    g_free(short_wav);
    g_free(long_wav);
    return r;
}
