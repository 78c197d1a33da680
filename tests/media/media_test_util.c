/* Helpers shared by the media tests. */
#include "media_test_util.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>

bool media_test_tone(const char *path, double seconds)
{
    char secs[32];
    g_ascii_formatd(secs, sizeof secs, "%.3f", seconds);
    const char *argv[] = {"sox", "-n",    "-r", "16000", "-c",  "1",   "-b",  "16",
                          path,  "synth", secs, "sine",  "440", "vol", "0.3", NULL};
    int status = -1;
    GError *err = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, &status, &err)) {
        g_printerr("sox: %s\n", err->message);
        g_error_free(err);
        return false;
    }
    return g_spawn_check_wait_status(status, NULL);
}

char *media_test_src(const char *rel)
{
    const char *src = g_getenv("LOA_SOURCE_DIR");
    return g_build_filename(src && *src ? src : LOA_SOURCE_DIR, "tests", "media", rel, NULL);
}

void media_test_copy(const char *from, const char *to)
{
    char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(from, &data, &len, NULL));
    g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
    g_free(data);
}

char *media_test_scratch(void)
{
    char *dir = g_dir_make_tmp("loa-media-XXXXXX", NULL);
    g_assert_nonnull(dir);
    char *media = g_build_filename(dir, "media", NULL);
    char *chime = g_build_filename(dir, "chime.wav", NULL);
    char *s = g_build_filename(media, "short.wav", NULL);
    char *l = g_build_filename(media, "long.wav", NULL);
    bool ok = g_mkdir(media, 0755) == 0 && media_test_tone(chime, 2.0) && media_test_tone(s, 3.0) &&
              media_test_tone(l, 65.0);
    if (ok) {
        const char *names[] = {"loa.cfg", "playlist.cfg"};
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
            char *rel = g_build_filename("data", names[i], NULL);
            char *from = media_test_src(rel);
            char *to = g_build_filename(dir, names[i], NULL);
            media_test_copy(from, to);
            g_free(rel);
            g_free(from);
            g_free(to);
        }
    }
    g_free(media);
    g_free(chime);
    g_free(s);
    g_free(l);
    if (!ok) {
        media_test_rmrf(dir);
        g_free(dir);
        return NULL;
    }
    return dir;
}

void media_test_rmrf(const char *dir)
{
    if (!dir)
        return;
    const char *argv[] = {"rm", "-rf", "--", dir, NULL};
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                 NULL);
}
