/* Benchmark: `loa check` of a playlist with 200 media files — the time per probed file.
 * Not a pass/fail test (machines are noisy): prints its figures.
 *
 * Usage: bench_media_check [N_FILES] (default 200). Media are generated with sox
 * (MP3, Ogg Vorbis and WAV, 20-56 s) into a temporary directory removed afterwards.
 */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const exts[3] = {"mp3", "ogg", "wav"};

static bool sh(const char *const *argv)
{
    int status = -1;
    if (!g_spawn_sync(NULL, (char **)argv, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, &status, NULL))
        return false;
    return g_spawn_check_wait_status(status, NULL);
}

static const char config[] =
    "device = { id = \"bench-01\"; province = { code = \"01\"; name = \"Hà Nội\"; };\n"
    "  commune = { code = \"09552\"; name = \"Phường Văn Quán\"; }; unit_codes = \"2020\";\n"
    "  timezone = \"Asia/Ho_Chi_Minh\"; };\n"
    "sessions = (\n"
    "  { id = \"sang\"; start = \"06:00\"; end = \"07:00\"; },\n"
    "  { id = \"trua\"; start = \"11:00\"; end = \"12:00\"; },\n"
    "  { id = \"chieu\"; start = \"17:00\"; end = \"18:00\"; } );\n"
    "audio = { gap_seconds = 3; chime = \"chime.ogg\"; };\n";

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    const char *bin = g_getenv("LOA_BIN");
    if (!bin || !*bin)
        bin = LOA_BIN_DEFAULT;
    if (n < 1 || n > 10000) {
        fprintf(stderr, "usage: bench_media_check [N_FILES]\n");
        return 2;
    }
    char *dir = g_dir_make_tmp("loa-bench-XXXXXX", NULL);
    char *media = g_build_filename(dir, "media", NULL);
    g_mkdir_with_parents(media, 0755);

    /* Ten distinct sources, each copied to many names: every path is probed on its own. */
    enum { SOURCES = 10 };
    char *src[SOURCES];
    gint64 t0 = g_get_monotonic_time();
    for (int i = 0; i < SOURCES; i++) {
        src[i] = g_strdup_printf("%s/src-%d.%s", dir, i, exts[i % 3]);
        char secs[16], freq[16];
        snprintf(secs, sizeof secs, "%d", 20 + 4 * i);
        snprintf(freq, sizeof freq, "%d", 300 + 50 * i);
        const char *a[] = {"sox",   "-n", "-r",   "22050", "-c",  "1",   src[i],
                           "synth", secs, "sine", freq,    "vol", "0.3", NULL};
        if (!sh(a)) {
            fprintf(stderr, "bench: sox failed (is it installed?)\n");
            return 77;
        }
    }
    char *chime = g_build_filename(dir, "chime.ogg", NULL);
    const char *a[] = {"sox", "-n", "-r", "22050", chime, "synth", "2", "sine", "880", NULL};
    sh(a);
    GString *pl = g_string_new("playlist = { id = \"bench\"; title = \"Benchmark\";\n"
                               "  from = \"2020-11-01\"; until = \"2023-10-31\"; };\n"
                               "announcements = (\n");
    for (int i = 0; i < n; i++) {
        int s = i % SOURCES;
        char *name = g_strdup_printf("%s/item-%03d.%s", media, i, exts[s % 3]);
        char *data = NULL;
        gsize len = 0;
        g_file_get_contents(src[s], &data, &len, NULL);
        g_file_set_contents(name, data, (gssize)len, NULL);
        g_free(data);
        g_free(name);
        g_string_append_printf(
            pl,
            "  { id = \"item-%03d\"; file = \"media/item-%03d.%s\"; "
            "title = \"Bài %d\"; days = \"%s\"; }%s\n",
            i, i, exts[s % 3], i,
            (const char *[]){"mon", "tue", "wed", "thu", "fri", "sat", "sun"}[i % 7],
            i + 1 < n ? "," : "");
    }
    g_string_append(pl, ");\n");
    char *cfg_path = g_build_filename(dir, "loa.cfg", NULL);
    char *pl_path = g_build_filename(dir, "bench.cfg", NULL);
    g_file_set_contents(cfg_path, config, -1, NULL);
    g_file_set_contents(pl_path, pl->str, (gssize)pl->len, NULL);
    g_string_free(pl, TRUE);
    double setup_s = (double)(g_get_monotonic_time() - t0) / 1e6;

    /* Three runs: the first also warms GStreamer's registry and the page cache. */
    double best = 1e9, first = 0;
    for (int run = 0; run < 3; run++) {
        char *out = NULL, *err = NULL;
        int status = -1;
        const char *cmd[] = {bin, "--config", cfg_path, "check", pl_path, NULL};
        gint64 t = g_get_monotonic_time();
        g_spawn_sync(dir, (char **)cmd, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                     NULL);
        double s = (double)(g_get_monotonic_time() - t) / 1e6;
        if (run == 0) {
            first = s;
            printf("loa check: %s", out ? out : "");
            if (!g_spawn_check_wait_status(status, NULL))
                fprintf(stderr, "loa check failed:\n%s", err ? err : "");
        }
        if (s < best)
            best = s;
        g_free(out);
        g_free(err);
    }
    printf("bench_media_check: %d media files (+ chime), setup %.1f s\n", n, setup_s);
    printf("  loa check, first run: %.3f s = %.2f ms per probed file\n", first,
           first * 1000.0 / (n + 1));
    printf("  loa check, best of 3: %.3f s = %.2f ms per probed file\n", best,
           best * 1000.0 / (n + 1));

    const char *rm[] = {"rm", "-rf", "--", dir, NULL};
    sh(rm);
    for (int i = 0; i < SOURCES; i++)
        g_free(src[i]);
    g_free(chime);
    g_free(cfg_path);
    g_free(pl_path);
    g_free(media);
    g_free(dir);
    return 0;
}
