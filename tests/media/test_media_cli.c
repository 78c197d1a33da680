/* `loa check` and `loa plan` as an official runs them ($LOA_BIN): exit codes, FILE:LINE
 * messages, warnings, the summary, and the plan's formats — byte-identical across runs
 * and host time zones, the CSV exactly as SPEC.md writes it.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media_test_util.h"

static char *scratch;

struct run {
    int status; /* exit code */
    char *out, *err;
};

static void run_clear(struct run *r)
{
    g_free(r->out);
    g_free(r->err);
}

/* Run $LOA_BIN --config <scratch>/<cfg> ARGS... with TZ set to tz (NULL: inherited). */
static struct run run_loa(const char *tz, const char *cfg, const char *const *args)
{
    const char *bin = g_getenv("LOA_BIN");
    g_assert_nonnull(bin);
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(bin));
    if (cfg) {
        g_ptr_array_add(argv, g_strdup("--config"));
        g_ptr_array_add(argv, g_build_filename(scratch, cfg, NULL));
    }
    /* Never the host's /var/lib/loa: an empty library of our own. */
    g_ptr_array_add(argv, g_strdup("--data-dir"));
    g_ptr_array_add(argv, g_build_filename(scratch, "data", NULL));
    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, g_strdup(args[i]));
    g_ptr_array_add(argv, NULL);
    char **env = g_get_environ();
    env = g_environ_unsetenv(env, "LOA_CONFIG");
    if (tz)
        env = g_environ_setenv(env, "TZ", tz, TRUE);
    struct run r = {0};
    int wait = 0;
    GError *error = NULL;
    gboolean ok = g_spawn_sync(scratch, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                               &r.out, &r.err, &wait, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_true(WIFEXITED(wait));
    r.status = WEXITSTATUS(wait);
    g_strfreev(env);
    g_ptr_array_unref(argv);
    return r;
}

static void write_scratch(const char *name, const char *text)
{
    char *path = g_build_filename(scratch, name, NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_free(path);
}

static void copy_bad(const char *name)
{
    char *rel = g_build_filename("bad", name, NULL);
    char *from = media_test_src(rel);
    char *to = g_build_filename(scratch, name, NULL);
    media_test_copy(from, to);
    g_free(rel);
    g_free(from);
    g_free(to);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        g_assert_cmpstr(hay, ==, needle);
}

static void test_check_good(void)
{
    const char *cfg_only[] = {"check", NULL};
    struct run r = run_loa(NULL, "loa.cfg", cfg_only);
    g_assert_cmpstr(r.err, ==, "");
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(r.out, "OK: 1 config (2 sessions), 0 playlists"));
    run_clear(&r);

    const char *args[] = {"check", "playlist.cfg", NULL};
    r = run_loa(NULL, "loa.cfg", args);
    g_assert_cmpstr(r.err, ==, "");
    g_assert_cmpint(r.status, ==, 0);
    assert_contains(r.out, "OK: 1 config (2 sessions), 1 playlist, 3 items, 1 notice, "
                           "3 media files probed; plan 01/11/2020–31/10/2021: ");
    assert_contains(r.out, "; 0 warnings\n");
    run_clear(&r);
}

static void test_check_errors(void)
{
    /* A few bad files through the real program: FILE:LINE: error:, exit 1. */
    static const struct {
        const char *cfg, *playlist, *expect;
    } cases[] = {
        {"config-unknown-key.cfg", NULL, "config-unknown-key.cfg:14: error: unknown key 'volum'"},
        {"config-include.cfg", NULL, "config-include.cfg:15: error: @include is not allowed"},
        {"loa.cfg", "playlist-at-chime.cfg",
         "playlist-at-chime.cfg:12: error: item 'tmdt-02' at 17:00 overlaps the chime"},
        {"loa.cfg", "playlist-missing-media.cfg",
         "playlist-missing-media.cfg:11: error: media file not found: "},
        {"loa.cfg", "playlist-unknown-session.cfg",
         "playlist-unknown-session.cfg:9: error: unknown session 'toi'"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (strcmp(cases[i].cfg, "loa.cfg") != 0)
            copy_bad(cases[i].cfg);
        if (cases[i].playlist)
            copy_bad(cases[i].playlist);
        const char *args[] = {"check", cases[i].playlist, NULL};
        struct run r = run_loa(NULL, cases[i].cfg, args);
        g_assert_cmpint(r.status, ==, 1);
        assert_contains(r.err, cases[i].expect);
        g_assert_cmpstr(r.out, ==, "");
        run_clear(&r);
    }

    /* Media that exists but does not decode: named, with the playlist line. */
    write_scratch("media/broken.mp3", "this is not audio\n");
    write_scratch("broken.cfg", "playlist = { id = \"b\"; title = \"B\"; from = \"2020-11-01\";\n"
                                "  until = \"2020-11-30\"; };\n"
                                "announcements = (\n"
                                "  { id = \"x\"; title = \"X\";\n"
                                "    file = \"media/broken.mp3\"; }\n"
                                ");\n");
    const char *args[] = {"check", "broken.cfg", NULL};
    struct run r = run_loa(NULL, "loa.cfg", args);
    g_assert_cmpint(r.status, ==, 1);
    assert_contains(r.err, "broken.cfg:5: error: media of item 'x' (");
    assert_contains(r.err, "media/broken.mp3");
    run_clear(&r);

    /* A missing config file is wrong input too. */
    const char *args2[] = {"check", NULL};
    r = run_loa(NULL, "nope.cfg", args2);
    g_assert_cmpint(r.status, ==, 1);
    assert_contains(r.err, "nope.cfg: error: cannot open: ");
    run_clear(&r);
}

/* 30 airings of 65 s (+3 s gap) in a 30-minute session: some are dropped every day. */
static const char full_playlist[] =
    "playlist = { id = \"full\"; title = \"Full\"; from = \"2020-11-02\"; until = \"2020-11-08\"; "
    "};\n"
    "announcements = (\n"
    "  { id = \"dai\"; file = \"media/long.wav\"; title = \"Hàng \\\"giả\\\", hàng nhái\";\n"
    "    sessions = \"chieu\"; plays_per_day = 30; },\n"
    "  { id = \"chu-nhat\"; file = \"media/short.wav\"; title = \"Never\"; days = \"sun\"; },\n"
    "  { id = \"khan\"; file = \"media/short.wav\"; title = \"Khẩn\"; class = \"emergency\";\n"
    "    sessions = \"sang\"; days = \"mon\"; }\n"
    ");\n";

static void test_check_warnings(void)
{
    write_scratch("full.cfg", full_playlist);
    const char *args[] = {"check", "full.cfg", NULL};
    struct run r = run_loa(NULL, "loa.cfg", args);
    g_assert_cmpint(r.status, ==, 0);
    /* 1800 s - 2 s chime: 26 airings fit (2 + 26 * 68 - 3 <= 1800), 4 are dropped. */
    assert_contains(r.err, "loa.cfg:11: warning: session 'chieu' is over capacity on Thứ Hai "
                           "02/11/2020 (2020-11-02): 4 airings dropped (dai, dai, dai, dai), "
                           "272 s over");
    assert_contains(r.err, "full.cfg:5: warning: item 'chu-nhat' never airs");
    g_assert_null(strstr(r.err, "error"));
    assert_contains(r.out, "OK: 1 config (2 sessions), 1 playlist, 3 items, 0 notices, ");
    assert_contains(r.out, "dropped; 2 warnings\n");
    run_clear(&r);
}

static char *plan_output(const char *tz, const char *format)
{
    const char *args[] = {"plan", "--format", format, "full.cfg", "playlist.cfg", NULL};
    struct run r = run_loa(tz, "loa.cfg", args);
    g_assert_cmpstr(r.err, ==, "");
    g_assert_cmpint(r.status, ==, 0);
    g_free(r.err);
    return r.out;
}

static void test_plan_deterministic(void)
{
    static const char *const formats[] = {"csv", "json", "text"};
    static const char *const zones[] = {"UTC", "Pacific/Kiritimati", "America/New_York",
                                        "Asia/Ho_Chi_Minh"};
    write_scratch("full.cfg", full_playlist);
    for (size_t f = 0; f < G_N_ELEMENTS(formats); f++) {
        char *first = plan_output(NULL, formats[f]);
        char *again = plan_output(NULL, formats[f]);
        g_assert_cmpstr(first, ==, again);
        g_free(again);
        g_assert_cmpuint(strlen(first), >, 1000);
        for (size_t z = 0; z < G_N_ELEMENTS(zones); z++) {
            char *other = plan_output(zones[z], formats[f]);
            g_assert_cmpstr(first, ==, other);
            g_free(other);
        }
        g_free(first);
    }
}

static void test_plan_csv(void)
{
    write_scratch("full.cfg", full_playlist);
    const char *args[] = {"plan",     "--from", "2020-11-02", "--to", "2020-11-02",
                          "--format", "csv",    "full.cfg",   NULL};
    struct run r = run_loa(NULL, "loa.cfg", args);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_cmpstr(r.err, ==, "");
    /* No BOM, LF only. */
    g_assert_true(g_str_has_prefix(
        r.out, "date,session,start,end,kind,item,title,class,duration_ms,status\n"));
    g_assert_null(strchr(r.out, '\r'));
    char **lines = g_strsplit(r.out, "\n", -1);
    guint n = g_strv_length(lines);
    g_assert_cmpstr(lines[n - 1], ==, ""); /* ends with LF */
    /* Monday: sang has the chime and the emergency item; chieu the chime, 26 planned and 4
     * dropped airings of 'dai'. */
    g_assert_cmpuint(n, ==, 1 + 2 + 1 + 26 + 4 + 1);
    g_assert_cmpstr(lines[1], ==, "2020-11-02,sang,06:00:00,06:00:02,chime,chime,,,2000,planned");
    g_assert_cmpstr(lines[2], ==,
                    "2020-11-02,sang,06:00:05,06:00:08,announcement,khan,Khẩn,emergency,3000,"
                    "planned");
    g_assert_cmpstr(lines[3], ==, "2020-11-02,chieu,17:00:00,17:00:02,chime,chime,,,2000,planned");
    g_assert_cmpstr(lines[4], ==,
                    "2020-11-02,chieu,17:00:05,17:01:10,announcement,dai,"
                    "\"Hàng \"\"giả\"\", hàng nhái\",normal,65000,planned");
    g_assert_cmpstr(lines[29], ==,
                    "2020-11-02,chieu,17:28:25,17:29:30,announcement,dai,"
                    "\"Hàng \"\"giả\"\", hàng nhái\",normal,65000,planned");
    for (guint i = 30; i < 34; i++)
        g_assert_cmpstr(lines[i], ==,
                        "2020-11-02,chieu,,,announcement,dai,"
                        "\"Hàng \"\"giả\"\", hàng nhái\",normal,65000,dropped");
    /* Time order within the day. */
    for (guint i = 2; i < 30; i++) {
        char **a = g_strsplit(lines[i - 1], ",", 4), **b = g_strsplit(lines[i], ",", 4);
        g_assert_cmpint(strcmp(b[2], a[2]), >, 0); /* start, HH:MM:SS */
        g_strfreev(a);
        g_strfreev(b);
    }
    g_strfreev(lines);
    run_clear(&r);
}

static void test_plan_json_and_text(void)
{
    write_scratch("full.cfg", full_playlist);
    const char *args[] = {"plan",     "--from", "2020-11-02", "--to", "2020-11-02",
                          "--format", "json",   "full.cfg",   NULL};
    struct run r = run_loa(NULL, "loa.cfg", args);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_true(g_str_has_prefix(
        r.out, "[\n  {\"date\":\"2020-11-02\",\"session\":\"sang\",\"start\":\"06:00:00\","
               "\"end\":\"06:00:02\",\"kind\":\"chime\",\"item\":\"chime\",\"title\":\"\","
               "\"class\":\"\",\"duration_ms\":2000,\"status\":\"planned\"},\n"));
    assert_contains(r.out, "\"title\":\"Hàng \\\"giả\\\", hàng nhái\"");
    assert_contains(r.out,
                    "\"start\":\"\",\"end\":\"\",\"kind\":\"announcement\",\"item\":\"dai\"");
    assert_contains(r.out, "\"duration_ms\":65000,\"status\":\"dropped\"}\n]\n");
    run_clear(&r);

    const char *targs[] = {"plan", "--from", "2020-11-07", "--to", "2020-11-08", "full.cfg", NULL};
    r = run_loa(NULL, "loa.cfg", targs);
    g_assert_cmpint(r.status, ==, 0);
    assert_contains(r.out, "Kế hoạch phát thanh 07/11/2020 – 08/11/2020\n");
    assert_contains(r.out, "Thứ Bảy 07/11/2020\n  Buổi chiều (chieu) 17:00–17:30\n");
    assert_contains(r.out, "BỎ (hết giờ)");
    /* Sunday has no session: not listed. */
    g_assert_null(strstr(r.out, "Chủ Nhật"));
    run_clear(&r);

    /* A skip date shows as a day off. */
    const char *sargs[] = {"plan",       "--from",       "2021-02-11", "--to",
                           "2021-02-11", "playlist.cfg", NULL};
    r = run_loa(NULL, "loa.cfg", sargs);
    g_assert_cmpint(r.status, ==, 0);
    assert_contains(r.out, "Thứ Năm 11/02/2021\n  Không phát (ngày nghỉ)\n");
    run_clear(&r);

    /* Outside every campaign: header only. */
    const char *eargs[] = {"plan",     "--from", "2030-01-01",   "--to", "2030-01-02",
                           "--format", "csv",    "playlist.cfg", NULL};
    r = run_loa(NULL, "loa.cfg", eargs);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_cmpstr(r.out, ==, "date,session,start,end,kind,item,title,class,duration_ms,status\n");
    run_clear(&r);
}

static void test_usage(void)
{
    static const struct {
        const char *const args[8];
        int status;
        const char *out, *err;
    } cases[] = {
        {{"check", "--help"}, 0, "Usage: loa check [PLAYLIST...]", ""},
        {{"plan", "--help"}, 0, "Usage: loa plan [--from DATE]", ""},
        {{"plan", "--format", "xml", "playlist.cfg"}, 2, "", "--format must be text, csv or json"},
        {{"plan", "--from", "2020-02-30", "playlist.cfg"}, 2, "", "--from must be a date"},
        {{"plan", "--from", "2021-01-02", "--to", "2021-01-01", "playlist.cfg"},
         2,
         "",
         "--from is after --to"},
        {{"check", "--bogus"}, 2, "", "Try 'loa check --help'."},
        {{"plan"}, 1, "", "no playlists given and no library installed"},
        {{"plan", "missing.cfg"}, 1, "", "missing.cfg: error: cannot open"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct run r = run_loa(NULL, "loa.cfg", cases[i].args);
        g_test_message("case %zu: %s / %s", i, r.out, r.err);
        g_assert_cmpint(r.status, ==, cases[i].status);
        assert_contains(r.out, cases[i].out);
        assert_contains(r.err, cases[i].err);
        run_clear(&r);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("LOA_BIN")) {
        printf("SKIP: LOA_BIN is not set (run through ctest)\n");
        return 77;
    }
    scratch = media_test_scratch();
    if (!scratch) {
        printf("SKIP: sox cannot generate test media\n");
        return 77;
    }
    g_test_add_func("/media/cli/check-good", test_check_good);
    g_test_add_func("/media/cli/check-errors", test_check_errors);
    g_test_add_func("/media/cli/check-warnings", test_check_warnings);
    g_test_add_func("/media/cli/plan-deterministic", test_plan_deterministic);
    g_test_add_func("/media/cli/plan-csv", test_plan_csv);
    g_test_add_func("/media/cli/plan-json-and-text", test_plan_json_and_text);
    g_test_add_func("/media/cli/usage", test_usage);
    int r = g_test_run();
    media_test_rmrf(scratch);
    g_free(scratch);
    return r;
}
