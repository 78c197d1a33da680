/* Benchmark: how long media_probe_duration() takes per file, per format.
 *
 *   bench_probe [N_PER_FORMAT] [SECONDS]
 *
 * Makes N files (default 50) of each format, SECONDS long (default 20, like a spoken
 * announcement), in a temporary folder, then probes them all once, in order, as
 * `loa check` does for a playlist. Prints the first (cold) probe, and the mean and
 * worst per format. The goal it informs: `loa check` of a playlist with 200 media
 * files stays interactive (well under a second of probing on a desktop).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "probe.h"

struct format {
    const char *ext;
    const char *encoder; /* NULL: MP3 through lame, as the examples are made */
};

static const struct format formats[] = {
    {"wav", "wavenc"},
    {"ogg", "vorbisenc ! oggmux"},
    {"opus", "audioresample ! opusenc ! oggmux"},
    {"flac", "flacenc"},
    {"mp3", NULL},
};

static int run_pipeline(const char *description)
{
    GError *err = NULL;
    GstElement *p = gst_parse_launch(description, &err);
    if (!p) {
        fprintf(stderr, "%s: %s\n", description, err->message);
        g_clear_error(&err);
        return -1;
    }
    gst_element_set_state(p, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(p);
    GstMessage *m =
        gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    int r = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS ? 0 : -1;
    if (m)
        gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
    return r;
}

static int make_file(const char *dir, const struct format *f, int i, int seconds, char **ret)
{
    char name[64];
    g_snprintf(name, sizeof name, "item-%03d.%s", i, f->ext);
    char *path = g_build_filename(dir, name, NULL);
    char *wav = NULL;
    const char *enc = f->encoder ? f->encoder : "wavenc";
    const char *target = path;
    if (!f->encoder) {
        wav = g_strconcat(path, ".wav", NULL);
        target = wav;
    }
    /* Different frequencies so files differ; 44.1 kHz mono like the examples. */
    char *desc = g_strdup_printf("audiotestsrc num-buffers=%d samplesperbuffer=4410 freq=%d ! "
                                 "audio/x-raw,rate=44100,channels=1 ! audioconvert ! %s ! "
                                 "filesink location=\"%s\"",
                                 seconds * 10, 300 + i, enc, target);
    int r = run_pipeline(desc);
    g_free(desc);
    if (r == 0 && wav) {
        char *argv[] = {"lame", "--quiet", "-m", "m", "-b", "64", wav, path, NULL};
        int status = 0;
        if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                          NULL) ||
            !g_spawn_check_wait_status(status, NULL))
            r = -1;
        g_unlink(wav);
    }
    g_free(wav);
    if (r < 0) {
        g_free(path);
        return r;
    }
    *ret = path;
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 50;
    int seconds = argc > 2 ? atoi(argv[2]) : 20;
    if (n < 1 || seconds < 1) {
        fprintf(stderr, "usage: %s [N_PER_FORMAT] [SECONDS]\n", argv[0]);
        return 2;
    }
    int64_t t_init = g_get_monotonic_time();
    if (media_gst_init() < 0) {
        fprintf(stderr, "GStreamer cannot start\n");
        return 1;
    }
    t_init = g_get_monotonic_time() - t_init;

    char *dir = g_dir_make_tmp("loa-bench-probe-XXXXXX", NULL);
    size_t nf = G_N_ELEMENTS(formats);
    char **paths = g_new0(char *, nf *(size_t)n);
    for (size_t k = 0; k < nf; k++)
        for (int i = 0; i < n; i++)
            if (make_file(dir, &formats[k], i, seconds, &paths[k * (size_t)n + (size_t)i]) < 0) {
                fprintf(stderr, "cannot make a .%s file (lame missing?)\n", formats[k].ext);
                return 1;
            }

    printf("media_probe_duration(): %d files x %zu formats, %d s each\n", n, nf, seconds);
    printf("gst init: %.1f ms\n", t_init / 1000.0);
    int64_t total = 0;
    int failures = 0;
    for (size_t k = 0; k < nf; k++) {
        int64_t sum = 0, worst = 0, first = 0;
        for (int i = 0; i < n; i++) {
            int64_t dur = 0;
            int64_t t0 = g_get_monotonic_time();
            int r = media_probe_duration(paths[k * (size_t)n + (size_t)i], 10 * G_USEC_PER_SEC,
                                         &dur, NULL);
            int64_t dt = g_get_monotonic_time() - t0;
            if (r < 0 || dur / 1000 != (int64_t)seconds * 1000)
                failures++;
            if (i == 0)
                first = dt;
            sum += dt;
            worst = MAX(worst, dt);
        }
        total += sum;
        printf("  .%-4s first %6.2f ms  mean %6.2f ms  worst %6.2f ms\n", formats[k].ext,
               first / 1000.0, sum / 1000.0 / n, worst / 1000.0);
    }
    printf("all %zu files: %.1f ms (%.2f ms per file); wrong durations or failures: %d\n",
           nf * (size_t)n, total / 1000.0, total / 1000.0 / (double)(nf * (size_t)n), failures);

    for (size_t i = 0; i < nf * (size_t)n; i++) {
        g_unlink(paths[i]);
        g_free(paths[i]);
    }
    g_free(paths);
    g_rmdir(dir);
    g_free(dir);
    return failures ? 1 : 0;
}
