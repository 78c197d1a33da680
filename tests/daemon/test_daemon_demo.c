/* `loa demo` end to end (SPEC.md "The demo"): `--day` simulates a whole day of the
 * bundled campaign and prints its report; the live demo airs a very short session on
 * the real clock (null output, no display: the kiosk child on the null display, and
 * snapshots) and prints the session's report; both reports show notices shown.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *loa(void)
{
    const char *bin = g_getenv("LOA_BIN");
    const char *build = g_getenv("LOA_BUILD_DIR");
    if (!bin || !build) {
        g_print("SKIP: LOA_BIN / LOA_BUILD_DIR not set\n");
        exit(77);
    }
    char *chime = g_build_filename(build, "examples", "media", "chime.ogg", NULL);
    if (!g_file_test(chime, G_FILE_TEST_IS_REGULAR)) {
        g_print("SKIP: the example media were not built (espeak-ng, sox, lame)\n");
        exit(77);
    }
    g_free(chime);
    return bin;
}

static int run(const char *const *argv, char **out, char **err)
{
    int status = 0;
    GError *e = NULL;
    g_unsetenv("DISPLAY");
    g_unsetenv("WAYLAND_DISPLAY");
    gboolean ok = g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, out, err, &status, &e);
    g_assert_no_error(e);
    g_assert_true(ok);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The temporary directory the demo names on its second line. */
static char *tmp_dir(const char *out)
{
    const char *p = strstr(out, "temporary directory: ");
    g_assert_nonnull(p);
    p += strlen("temporary directory: ");
    return g_strndup(p, strcspn(p, "\n"));
}

static void rm_rf(const char *dir)
{
    const char *argv[] = {"rm", "-rf", dir, NULL};
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                 NULL);
}

/* The report's "Tổng cộng" row: its last two columns, notices shown (times, seconds),
 * written with the Vietnamese thousands separator ("3.252"). */
static void notices_shown(const char *out, int64_t *ret_times, int64_t *ret_seconds)
{
    const char *l = strstr(out, "Tổng cộng");
    g_assert_nonnull(l);
    const char *end = strchr(l, '\n');
    char *line = g_strndup(l, end ? (size_t)(end - l) : strlen(l));
    char **tok = g_strsplit_set(g_strstrip(line), " ", -1);
    GPtrArray *words = g_ptr_array_new();
    for (char **t = tok; *t; t++)
        if (**t)
            g_ptr_array_add(words, *t);
    g_assert_cmpuint(words->len, >=, 3);
    int64_t v[2];
    for (int i = 0; i < 2; i++) {
        GString *digits = g_string_new(NULL);
        for (const char *c = words->pdata[words->len - 2 + i]; *c; c++)
            if (g_ascii_isdigit(*c))
                g_string_append_c(digits, *c);
            else
                g_assert_cmpint(*c, ==, '.');
        v[i] = g_ascii_strtoll(digits->str, NULL, 10);
        g_string_free(digits, TRUE);
    }
    *ret_times = v[0];
    *ret_seconds = v[1];
    g_ptr_array_unref(words);
    g_strfreev(tok);
    g_free(line);
}

static void test_day(void)
{
    const char *argv[] = {loa(), "demo", "--day", NULL};
    char *out = NULL, *err = NULL;
    int rc = run(argv, &out, &err);
    if (rc != 0)
        g_printerr("%s%s", out, err);
    g_assert_cmpint(rc, ==, 0);
    g_assert_nonnull(strstr(out, "simulating 2020-11-02"));
    /* The report: the day's items, all completed. */
    g_assert_nonnull(strstr(out, "BÁO CÁO THỜI LƯỢNG PHÁT THANH"));
    g_assert_nonnull(strstr(out, "Tổng cộng"));
    g_assert_nonnull(strstr(out, "100,0"));
    /* No kiosk process in a virtual run, yet the day's proof of display is there. */
    int64_t times, seconds;
    notices_shown(out, &times, &seconds);
    g_assert_cmpint(times, >, 0);
    g_assert_cmpint(seconds, >, 0);
    char *dir = tmp_dir(out);
    char *png = g_build_filename(dir, "kiosk-060010.png", NULL);
    g_assert_true(g_file_test(png, G_FILE_TEST_IS_REGULAR));
    g_free(png);
    rm_rf(dir);
    g_free(dir);
    g_free(out);
    g_free(err);
}

static void test_live_session(void)
{
    /* A zone where it is about noon now, so the demo is never in quiet hours here. */
    GDateTime *utc = g_date_time_new_now_utc();
    int off = 12 - g_date_time_get_hour(utc);
    if (off > 12)
        off -= 24;
    if (off < -12)
        off += 24;
    if (off == 12 || off == -12)
        off = 11; /* Etc/GMT-12 exists, but keep clear of the date line */
    g_date_time_unref(utc);
    char zone[32];
    /* Etc/GMT-N is N hours east of UTC (POSIX's inverted sign). */
    if (off == 0)
        snprintf(zone, sizeof zone, "Etc/UTC");
    else
        snprintf(zone, sizeof zone, "Etc/GMT%+d", -off);
    const char *argv[] = {loa(),        "demo", "--items",         "1",    "--start-in", "2",
                          "--timezone", zone,   "--kiosk-display", "null", NULL};
    char *out = NULL, *err = NULL;
    int64_t t0 = g_get_monotonic_time();
    int rc = run(argv, &out, &err);
    g_test_message("demo took %.1f s", (double)(g_get_monotonic_time() - t0) / 1e6);
    if (rc != 0)
        g_printerr("%s%s", out, err);
    g_assert_cmpint(rc, ==, 0);
    g_assert_nonnull(strstr(out, "null output"));
    g_assert_nonnull(strstr(out, "kiosk snapshots"));
    g_assert_nonnull(strstr(out, "BÁO CÁO THỜI LƯỢNG PHÁT THANH"));
    /* One announcement, completed; and the chime. */
    g_assert_nonnull(strstr(out, "100,0"));
    /* The kiosk ran on the null display: its proof records reached the report. */
    int64_t times, seconds;
    notices_shown(out, &times, &seconds);
    g_test_message("notices shown: %" G_GINT64_FORMAT " times, %" G_GINT64_FORMAT " s", times,
                   seconds);
    g_assert_cmpint(times, >, 0);
    char *dir = tmp_dir(out);
    rm_rf(dir);
    g_free(dir);
    g_free(out);
    g_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/demo/day", test_day);
    g_test_add_func("/daemon/demo/live-session", test_live_session);
    return g_test_run();
}
