/* A decoder hidden from GStreamer gives failed (missing-plugin).
 *
 * A child process (this executable re-run) gets an isolated plugin registry: a fresh
 * GST_REGISTRY file and a plugin path holding links to only the plugins the player needs
 * (core elements, type finding, decodebin, convert/resample, level, volume, wavenc) — but
 * not the decoder of the file it is asked to air. The control run adds the decoder back
 * and must complete, so the isolation itself is not what fails. */
#include <errno.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_test_util.h"

static const char *const base_plugins[] = {"coreelements",  "typefindfunctions",
                                           "playback",      "audioconvert",
                                           "audioresample", "level",
                                           "volume",        "wavenc"};

static char *self_path;
static char *dir;

/* The child: air argv[2] into argv[3] and print "RESULT outcome reason". */
static int child_main(const char *media, const char *out)
{
    GMainContext *ctx = g_main_context_default();
    struct at_rec *rec = g_new0(struct at_rec, 1);
    struct audio_callbacks cb = at_callbacks(rec);
    char *output = g_strdup_printf("file:%s", out);
    struct audio_config cfg = at_config(output);
    struct audio_player *p = NULL;
    struct loa_diag d = {0};
    if (audio_player_new(&cfg, &cb, ctx, &p, &d) < 0) {
        printf("NEW-FAILED %s\n", d.msg);
        return 1;
    }
    struct audio_item it = {.cookie = 1, .kind = AUDIO_ITEM_FILE, .location = media};
    audio_player_prepare(p, &it);
    audio_player_start_at(p, 1, g_get_real_time());
    const struct audio_result *r = at_wait_finished(ctx, rec, 1, 20 * G_USEC_PER_SEC);
    if (!r)
        printf("RESULT none\n");
    else
        printf("RESULT %s %s | %s\n", audio_outcome_to_string(r->outcome),
               audio_reason_to_string(r->reason), r->detail);
    audio_player_free(p);
    g_free(output);
    g_free(rec);
    return 0;
}

/* A plugin directory with links to the named plugins of this machine's registry. */
static char *plugin_dir(const char *name, const char *extra)
{
    char *pdir = g_build_filename(dir, name, NULL);
    g_assert_cmpint(g_mkdir(pdir, 0755), ==, 0);
    for (size_t i = 0; i <= G_N_ELEMENTS(base_plugins); i++) {
        const char *pn = i < G_N_ELEMENTS(base_plugins) ? base_plugins[i] : extra;
        if (!pn)
            continue;
        GstPlugin *pl = gst_registry_find_plugin(gst_registry_get(), pn);
        g_assert_nonnull(pl);
        const char *file = gst_plugin_get_filename(pl);
        char *base = g_path_get_basename(file);
        char *link = g_build_filename(pdir, base, NULL);
        g_assert_cmpint(symlink(file, link), ==, 0);
        g_free(link);
        g_free(base);
        gst_object_unref(pl);
    }
    return pdir;
}

static char *run_child(const char *pdir, const char *media)
{
    char *reg = g_strdup_printf("%s/registry.bin", pdir);
    char *out = g_strdup_printf("%s/out.wav", pdir);
    gchar **env = g_get_environ();
    env = g_environ_setenv(env, "GST_REGISTRY", reg, TRUE);
    env = g_environ_setenv(env, "GST_REGISTRY_1_0", reg, TRUE);
    env = g_environ_setenv(env, "GST_PLUGIN_SYSTEM_PATH", pdir, TRUE);
    env = g_environ_setenv(env, "GST_PLUGIN_SYSTEM_PATH_1_0", pdir, TRUE);
    env = g_environ_unsetenv(env, "GST_PLUGIN_PATH");
    env = g_environ_unsetenv(env, "GST_PLUGIN_PATH_1_0");
    char *argv[] = {self_path, "--child", (char *)media, out, NULL};
    char *stdout_text = NULL, *stderr_text = NULL;
    int status = -1;
    GError *err = NULL;
    g_assert_true(g_spawn_sync(NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL, &stdout_text,
                               &stderr_text, &status, &err));
    g_assert_no_error(err);
    g_test_message("child: %s%s", stdout_text, stderr_text);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    char *line = strstr(stdout_text, "RESULT ");
    g_assert_nonnull(line);
    char *res = g_strndup(line + 7, strcspn(line + 7, "|\n"));
    g_strstrip(res);
    g_free(stdout_text);
    g_free(stderr_text);
    g_strfreev(env);
    g_free(reg);
    g_free(out);
    return res;
}

static void test_hidden_decoder(void)
{
    char *media = g_build_filename(dir, "item.wav", NULL);
    g_assert_true(at_make_media(media, AT_WAV, 0.5, 440, 0.5, 22050, 1));
    char *without = plugin_dir("no-wavparse", NULL);
    char *res = run_child(without, media);
    g_assert_cmpstr(res, ==, "failed missing-plugin");
    g_free(res);
    char *with = plugin_dir("with-wavparse", "wavparse");
    res = run_child(with, media);
    g_assert_cmpstr(res, ==, "completed");
    g_free(res);
    g_free(without);
    g_free(with);
    g_free(media);
}

static void test_hidden_flac_decoder(void)
{
    char *media = g_build_filename(dir, "item.flac", NULL);
    g_assert_true(at_make_media(media, AT_FLAC, 0.5, 440, 0.5, 48000, 1));
    /* flacparse present (audioparsers), flacdec hidden: a parser but no decoder. */
    char *pdir = plugin_dir("no-flacdec", "audioparsers");
    char *res = run_child(pdir, media);
    g_assert_cmpstr(res, ==, "failed missing-plugin");
    g_free(res);
    g_free(pdir);
    g_free(media);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0) {
        gst_init(NULL, NULL);
        return child_main(argv[2], argv[3]);
    }
    g_test_init(&argc, &argv, NULL);
    gst_init(&argc, &argv);
    self_path = g_file_read_link("/proc/self/exe", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(base_plugins); i++) {
        GstPlugin *pl = gst_registry_find_plugin(gst_registry_get(), base_plugins[i]);
        if (!pl) {
            printf("SKIP: GStreamer plugin '%s' is not installed here\n", base_plugins[i]);
            return 77;
        }
        gst_object_unref(pl);
    }
    dir = at_tmpdir();
    g_test_add_func("/audio/plugin/hidden-wav-decoder", test_hidden_decoder);
    g_test_add_func("/audio/plugin/hidden-flac-decoder", test_hidden_flac_decoder);
    int r = g_test_run();
    at_rm_rf(dir);
    g_free(dir);
    g_free(self_path);
    return r;
}
