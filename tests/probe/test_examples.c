/* The bundled examples as the build made them: every media file the playlists and the
 * config name exists, decodes and lasts a plausible time; the spoken texts are the
 * ones the playlist shows; the notice image is a PNG; and, once `loa check` exists,
 * the examples pass it without errors.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include <glib.h>
#include <libconfig.h>

#include "probe.h"

#define TIMEOUT_USEC (10 * G_USEC_PER_SEC)

static char *build_path(const char *rel)
{
    const char *dir = g_getenv("LOA_BUILD_DIR");
    return g_build_filename(dir ? dir : LOA_BUILD_DIR, "examples", rel, NULL);
}

static char *source_path(const char *rel)
{
    const char *dir = g_getenv("LOA_SOURCE_DIR");
    return g_build_filename(dir ? dir : LOA_SOURCE_DIR, "examples", rel, NULL);
}

/* Read a libconfig file (our examples hold no @include). */
static void read_config(config_t *cfg, const char *path)
{
    config_init(cfg);
    if (config_read_file(cfg, path) != CONFIG_TRUE)
        g_test_message("%s:%d: %s", path, config_error_line(cfg), config_error_text(cfg));
    g_assert_cmpint(config_error_type(cfg), ==, CONFIG_ERR_NONE);
}

static int64_t probe_ms(const char *path)
{
    struct loa_diag d;
    memset(&d, 0, sizeof d);
    int64_t dur = 0;
    int r = media_probe_duration(path, TIMEOUT_USEC, &dur, &d);
    if (r < 0)
        g_test_message("%s: %s", path, d.msg);
    g_assert_cmpint(r, ==, 0);
    return dur / 1000;
}

static void test_announcements(void)
{
    char *playlist = build_path("playlists/tmdt-2020.cfg");
    char *playlist_dir = g_path_get_dirname(playlist);
    config_t cfg;
    read_config(&cfg, playlist);

    config_setting_t *items = config_lookup(&cfg, "announcements");
    g_assert_nonnull(items);
    int n = config_setting_length(items);
    g_assert_cmpint(n, >=, 6);
    int64_t total_ms = 0;
    int n_ogg = 0, n_mp3 = 0;
    for (int i = 0; i < n; i++) {
        config_setting_t *item = config_setting_get_elem(items, (unsigned)i);
        const char *id = NULL, *file = NULL, *text = NULL;
        g_assert_true(config_setting_lookup_string(item, "id", &id));
        g_assert_true(config_setting_lookup_string(item, "file", &file));

        char *media = g_build_filename(playlist_dir, file, NULL);
        g_assert_true(g_file_test(media, G_FILE_TEST_IS_REGULAR));
        int64_t ms = probe_ms(media);
        g_test_message("%s (%s): %" G_GINT64_FORMAT " ms", id, file, ms);
        /* Spoken announcements: more than a second, less than a minute. */
        g_assert_cmpint(ms, >, 1000);
        g_assert_cmpint(ms, <, 60000);
        total_ms += ms;
        n_ogg += g_str_has_suffix(file, ".ogg");
        n_mp3 += g_str_has_suffix(file, ".mp3");

        /* What the kiosk shows while it airs is what the loudspeaker says. */
        char *rel = g_strdup_printf("media/texts/%s.txt", id);
        char *text_path = source_path(rel);
        char *spoken = NULL;
        g_assert_true(g_file_get_contents(text_path, &spoken, NULL, NULL));
        g_strstrip(spoken);
        if (config_setting_lookup_string(item, "text", &text))
            g_assert_cmpstr(text, ==, spoken);
        g_free(spoken);
        g_free(text_path);
        g_free(rel);
        g_free(media);
    }
    g_assert_cmpint(n_ogg, >=, 1);
    g_assert_cmpint(n_mp3, >=, 1);
    g_test_message("%d announcements, %" G_GINT64_FORMAT " ms in all", n, total_ms);

    config_destroy(&cfg);
    g_free(playlist_dir);
    g_free(playlist);
}

static void test_every_text_is_spoken(void)
{
    /* No orphan texts: each media/texts/ID.txt belongs to an announcement. */
    char *playlist = build_path("playlists/tmdt-2020.cfg");
    char *texts = source_path("media/texts");
    config_t cfg;
    read_config(&cfg, playlist);
    config_setting_t *items = config_lookup(&cfg, "announcements");
    g_assert_nonnull(items);

    GDir *dir = g_dir_open(texts, 0, NULL);
    g_assert_nonnull(dir);
    const char *name;
    int n = 0;
    while ((name = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(name, ".txt"))
            continue;
        char *id = g_strndup(name, strlen(name) - 4);
        gboolean found = FALSE;
        for (int i = 0; i < config_setting_length(items); i++) {
            const char *item_id = NULL;
            config_setting_lookup_string(config_setting_get_elem(items, (unsigned)i), "id",
                                         &item_id);
            found |= item_id && strcmp(item_id, id) == 0;
        }
        if (!found)
            g_test_message("%s has no announcement", name);
        g_assert_true(found);
        g_free(id);
        n++;
    }
    g_assert_cmpint(n, ==, config_setting_length(items));
    g_dir_close(dir);
    config_destroy(&cfg);
    g_free(texts);
    g_free(playlist);
}

static void test_chime(void)
{
    char *cfg_path = build_path("loa.cfg");
    char *cfg_dir = g_path_get_dirname(cfg_path);
    config_t cfg;
    read_config(&cfg, cfg_path);
    const char *chime = NULL;
    g_assert_true(config_lookup_string(&cfg, "audio.chime", &chime));
    char *path = g_build_filename(cfg_dir, chime, NULL);
    int64_t ms = probe_ms(path);
    g_test_message("chime (%s): %" G_GINT64_FORMAT " ms", chime, ms);
    g_assert_cmpint(ms, >=, 3000);
    g_assert_cmpint(ms, <=, 4500);
    g_free(path);
    config_destroy(&cfg);
    g_free(cfg_dir);
    g_free(cfg_path);
}

static guint32 be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static void test_notice_images(void)
{
    char *playlist = build_path("playlists/tmdt-2020.cfg");
    char *playlist_dir = g_path_get_dirname(playlist);
    config_t cfg;
    read_config(&cfg, playlist);
    config_setting_t *notices = config_lookup(&cfg, "notices");
    g_assert_nonnull(notices);
    int n_images = 0;
    for (int i = 0; i < config_setting_length(notices); i++) {
        const char *image = NULL;
        if (!config_setting_lookup_string(config_setting_get_elem(notices, (unsigned)i), "image",
                                          &image))
            continue;
        char *path = g_build_filename(playlist_dir, image, NULL);
        guint8 *data = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(path, (char **)&data, &len, NULL));
        g_assert_cmpuint(len, >, 33);
        g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
        g_assert_cmpmem(data + 12, 4, "IHDR", 4);
        g_test_message("%s: %ux%u PNG, %zu bytes", image, be32(data + 16), be32(data + 20),
                       (size_t)len);
        g_assert_cmpuint(be32(data + 16), >=, 320);
        g_assert_cmpuint(be32(data + 20), >=, 180);
        g_free(data);
        g_free(path);
        n_images++;
    }
    g_assert_cmpint(n_images, >=, 1);
    config_destroy(&cfg);
    g_free(playlist_dir);
    g_free(playlist);
}

/* Run `loa ARGS...`; returns the exit status (or -1) and the captured stderr. */
static int run_loa(char **argv_tail, char **ret_err)
{
    const char *bin = g_getenv("LOA_BIN");
    if (!bin)
        return -1;
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)bin);
    for (char **a = argv_tail; *a; a++)
        g_ptr_array_add(argv, *a);
    g_ptr_array_add(argv, NULL);
    int status = 0;
    char *out = NULL;
    GError *err = NULL;
    gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               ret_err, &status, &err);
    g_ptr_array_free(argv, TRUE);
    g_free(out);
    if (!ok) {
        g_clear_error(&err);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_loa_check(void)
{
    const char *bin = g_getenv("LOA_BIN");
    if (!bin || !g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("the loa program is not built (LOA_BIN)");
        return;
    }

    char *cfg = build_path("loa.cfg");
    char *tmdt = build_path("playlists/tmdt-2020.cfg");
    char *relay = build_path("playlists/tiep-song.cfg");
    char *argv[] = {"--config", cfg, "check", tmdt, relay, NULL};
    char *err = NULL;
    int status = run_loa(argv, &err);
    g_test_message("loa check: exit %d\n%s", status, err ? err : "");
    g_assert_cmpint(status, ==, 0);
    g_assert_null(strstr(err ? err : "", "error:"));
    /* The examples are meant to be clean: no warnings either. */
    g_assert_null(strstr(err ? err : "", "warning:"));
    g_free(err);
    g_free(relay);
    g_free(tmdt);
    g_free(cfg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#ifndef LOA_EXAMPLES_BUILT
    g_printerr("the example media were not built (espeak-ng, sox or lame missing at configure "
               "time; run scripts/setup-debian.sh); skipping\n");
    return 77;
#endif
    if (media_gst_init() < 0) {
        g_printerr("GStreamer cannot start here; skipping\n");
        return 77;
    }
    g_test_add_func("/probe/examples/announcements", test_announcements);
    g_test_add_func("/probe/examples/texts", test_every_text_is_spoken);
    g_test_add_func("/probe/examples/chime", test_chime);
    g_test_add_func("/probe/examples/notice-images", test_notice_images);
    g_test_add_func("/probe/examples/loa-check", test_loa_check);
    return g_test_run();
}
