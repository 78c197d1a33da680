/* `loa kiosk` on the bundled examples: snapshots at T are exactly reproducible and of the
 * asked size; the live screen runs headless and prints proof of display; bad options are
 * usage errors; a missing font or no display still shows what it can. */
#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kiosk_test_util.h"

static char *examples;
static char *tmpdir;

/* Run loa with args (NULL-terminated); returns the exit status, fills out/err. */
static int run_loa(char **out, char **err, const char *const *env_add, ...)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(g_getenv("LOA_BIN")));
    va_list ap;
    va_start(ap, env_add);
    for (const char *a; (a = va_arg(ap, const char *));)
        g_ptr_array_add(argv, g_strdup(a));
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    char **envp = g_get_environ();
    for (size_t i = 0; env_add && env_add[i]; i += 2)
        envp = g_environ_setenv(envp, env_add[i], env_add[i + 1], TRUE);
    int status = -1;
    GError *e = NULL;
    gboolean ok = g_spawn_sync(examples, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &e);
    g_assert_no_error(e);
    g_assert_true(ok);
    g_strfreev(envp);
    g_ptr_array_unref(argv);
    return g_spawn_check_wait_status(status, NULL) ? 0 : WEXITSTATUS(status);
}

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void test_snapshot_reproducible(void)
{
    char *a = tmp_path("a.png"), *b = tmp_path("b.png");
    char *out = NULL, *err = NULL;
    g_assert_cmpint(run_loa(&out, &err, NULL, "--config", "loa.cfg", "kiosk", "--snapshot", a,
                            "--at", "2021-03-01 10:00:20", "playlists/tmdt-2020.cfg",
                            "playlists/tiep-song.cfg", NULL),
                    ==, 0);
    g_assert_nonnull(strstr(out, "notice to-giac-389"));
    g_assert_nonnull(strstr(out, "1280x720"));
    g_free(out);
    g_free(err);
    g_assert_cmpint(run_loa(&out, &err, NULL, "--config", "loa.cfg", "kiosk",
                            "playlists/tmdt-2020.cfg", "playlists/tiep-song.cfg", "--at",
                            "2021-03-01 10:00:20", "--snapshot", b, NULL),
                    ==, 0);
    g_free(out);
    g_free(err);
    char *da, *db;
    gsize na, nb;
    g_assert_true(g_file_get_contents(a, &da, &na, NULL));
    g_assert_true(g_file_get_contents(b, &db, &nb, NULL));
    g_assert_cmpmem(da, na, db, nb);
    SDL_Surface *s = IMG_Load(a);
    g_assert_nonnull(s);
    g_assert_cmpint(s->w, ==, 1280);
    g_assert_cmpint(s->h, ==, 720);
    SDL_FreeSurface(s);
    g_free(da);
    g_free(db);
    g_free(a);
    g_free(b);
}

static void test_snapshot_sizes(void)
{
    static const struct {
        const char *size, *rot;
        int w, h;
    } cases[] = {{"800x480", "0", 800, 480},
                 {"1920x1080", "0", 1920, 1080},
                 {"1080x1920", "0", 1080, 1920},
                 {"1920x1080", "90", 1920, 1080}};
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *p = tmp_path("s.png"), *out = NULL, *err = NULL;
        /* 17:10:05: tmdt-02 airs with its text. */
        g_assert_cmpint(run_loa(&out, &err, NULL, "--config", "loa.cfg", "kiosk", "--snapshot", p,
                                "--at", "2021-03-01 17:10:05", "--size", cases[i].size,
                                "--rotation", cases[i].rot, "playlists/tmdt-2020.cfg", NULL),
                        ==, 0);
        g_assert_nonnull(strstr(out, "airing"));
        SDL_Surface *s = IMG_Load(p);
        g_assert_nonnull(s);
        g_assert_cmpint(s->w, ==, cases[i].w);
        g_assert_cmpint(s->h, ==, cases[i].h);
        SDL_FreeSurface(s);
        g_remove(p);
        g_free(p);
        g_free(out);
        g_free(err);
    }
}

static void test_usage_errors(void)
{
    const char *bad[][2] = {{"--size", "10x10"},  {"--size", "wide"},        {"--at", "tomorrow"},
                            {"--rotation", "45"}, {"--display", "hologram"}, {"--for", "-1"}};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *out = NULL, *err = NULL;
        g_assert_cmpint(
            run_loa(&out, &err, NULL, "--config", "loa.cfg", "kiosk", bad[i][0], bad[i][1], NULL),
            ==, 2);
        g_assert_nonnull(strstr(err, "Try 'loa kiosk --help'"));
        g_free(out);
        g_free(err);
    }
    char *out = NULL, *err = NULL;
    g_assert_cmpint(run_loa(&out, &err, NULL, "kiosk", "--help", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "--snapshot"));
    g_free(out);
    g_free(err);
}

/* A config whose font is missing: a warning, and the snapshot is drawn anyway. No
 * library at all: the header, clock and an empty schedule. */
static void test_missing_font_no_library(void)
{
    char *cfg_text = NULL;
    char *src = g_build_filename(examples, "loa.cfg", NULL);
    g_assert_true(g_file_get_contents(src, &cfg_text, NULL, NULL));
    GString *s = g_string_new(cfg_text);
    g_string_replace(s, "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
                     "/nonexistent/Missing-Regular.ttf", 0);
    g_string_replace(s, "media/chime.ogg", "", 0);
    g_string_replace(s, "chime = \"\";", "", 0);
    char *cfg = tmp_path("loa.cfg");
    g_assert_true(g_file_set_contents(cfg, s->str, -1, NULL));
    char *png = tmp_path("nofont.png"), *out = NULL, *err = NULL;
    g_assert_cmpint(run_loa(&out, &err, NULL, "--config", cfg, "kiosk", "--snapshot", png, "--at",
                            "2021-03-01 10:00:20", NULL),
                    ==, 0);
    g_assert_nonnull(strstr(err, "Missing-Regular.ttf"));
    g_assert_nonnull(strstr(err, "no library installed"));
    g_assert_nonnull(strstr(out, "schedule"));
    g_assert_true(g_file_test(png, G_FILE_TEST_EXISTS));
    g_remove(png);
    g_remove(cfg);
    g_free(png);
    g_free(cfg);
    g_free(out);
    g_free(err);
    g_free(src);
    g_free(cfg_text);
    g_string_free(s, TRUE);
}

/* The live screen, headless, for two seconds from a moment a notice shows. */
static void test_live(void)
{
    const char *dummy[] = {"SDL_VIDEODRIVER", "dummy", NULL};
    char *out = NULL, *err = NULL;
    g_assert_cmpint(run_loa(&out, &err, dummy, "--config", "loa.cfg", "kiosk", "--display", "sdl",
                            "--for", "2", "--at", "2021-03-01 10:00:20", "playlists/tmdt-2020.cfg",
                            NULL),
                    ==, 0);
    g_assert_nonnull(strstr(err, "display sdl:dummy"));
    g_assert_nonnull(strstr(out, "proof notice=to-giac-389"));
    g_assert_nonnull(strstr(out, "times=1 "));
    g_assert_nonnull(strstr(out, "closed=shutdown"));
    g_free(out);
    g_free(err);

    g_assert_cmpint(run_loa(&out, &err, NULL, "--config", "loa.cfg", "kiosk", "--display", "null",
                            "--for", "1", "--at", "2021-03-01 23:00", "playlists/tmdt-2020.cfg",
                            NULL),
                    ==, 0);
    g_assert_nonnull(strstr(err, "display null"));
    g_assert_null(strstr(out, "proof")); /* screen off: nothing shown, nothing proved */
    g_free(out);
    g_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_require_fonts();
    const char *bin = g_getenv("LOA_BIN"), *build = g_getenv("LOA_BUILD_DIR");
    examples = g_build_filename(build ? build : LOA_BUILD_DIR, "examples", NULL);
    char *cfg = g_build_filename(examples, "loa.cfg", NULL);
    char *pl = g_build_filename(examples, "playlists", "tmdt-2020.cfg", NULL);
    if (!bin || !g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE) ||
        !g_file_test(cfg, G_FILE_TEST_EXISTS) || !g_file_test(pl, G_FILE_TEST_EXISTS)) {
        g_print("SKIP: needs LOA_BIN and the built examples (%s)\n", examples);
        return 77;
    }
    g_free(cfg);
    g_free(pl);
    tmpdir = g_dir_make_tmp("kiosk-cli-XXXXXX", NULL);
    g_test_add_func("/kiosk/cli/snapshot-reproducible", test_snapshot_reproducible);
    g_test_add_func("/kiosk/cli/snapshot-sizes", test_snapshot_sizes);
    g_test_add_func("/kiosk/cli/usage-errors", test_usage_errors);
    g_test_add_func("/kiosk/cli/missing-font-no-library", test_missing_font_no_library);
    g_test_add_func("/kiosk/cli/live", test_live);
    int rc = g_test_run();
    char *a = tmp_path("a.png"), *b = tmp_path("b.png");
    g_remove(a);
    g_remove(b);
    g_rmdir(tmpdir);
    g_free(a);
    g_free(b);
    g_free(tmpdir);
    g_free(examples);
    return rc;
}
