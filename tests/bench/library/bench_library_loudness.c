/* Benchmark: EBU R128 analysis speed (decode + integrated loudness + true peak), in
 * multiples of real time. Goal: >= 100x on the target board. Media are generated here:
 * 5 minutes of stereo 44.1 kHz noise as WAV, as MP3 and as Ogg Vorbis, and mono 16 kHz
 * speech-rate WAV. Prints the best of several runs per file; not pass/fail. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "library_test_util.h"
#include "loudness.h"

#define RUNS 3

int main(void)
{
    char *dir = g_dir_make_tmp("loa-bench-loudness-XXXXXX", NULL);
    struct {
        const char *name;
        int rate, channels;
        const char *encode;
    } files[] = {
        {"stereo-44k.wav", 44100, 2, NULL},
        {"stereo-44k.mp3", 44100, 2, "mp3"},
        {"stereo-44k.ogg", 44100, 2, "ogg"},
        {"mono-16k.wav", 16000, 1, NULL},
    };
    const double seconds = 300;
    printf("loudness analysis (decode + EBU R128 integrated + true peak), %d runs, best:\n", RUNS);
    double worst = 1e9;
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        char *path = g_build_filename(dir, files[i].name, NULL);
        char *wav = files[i].encode ? g_strconcat(path, ".wav", NULL) : g_strdup(path);
        if (!lt_wav(wav, LT_NOISE, seconds, files[i].rate, files[i].channels, 0.3, 0, 1) ||
            (files[i].encode && !lt_encode(wav, path))) {
            fprintf(stderr, "cannot generate %s\n", files[i].name);
            return 1;
        }
        if (files[i].encode)
            g_unlink(wav);
        double best = 1e9;
        struct media_loudness m = {0};
        for (int r = 0; r < RUNS; r++) {
            struct loa_diag d;
            int64_t t0 = g_get_monotonic_time();
            if (media_loudness_analyse(path, 0, &m, &d) < 0) {
                fprintf(stderr, "%s: %s\n", files[i].name, d.msg);
                return 1;
            }
            double s = (double)(g_get_monotonic_time() - t0) / 1e6;
            best = s < best ? s : best;
        }
        double x = (double)m.duration_usec / 1e6 / best;
        worst = x < worst ? x : worst;
        printf("  %-16s %5.0f s of audio in %6.3f s = %6.0fx real time (%.1f LUFS, %.1f dBTP)\n",
               files[i].name, (double)m.duration_usec / 1e6, best, x, m.integrated_lufs,
               m.true_peak_dbtp);
        g_free(path);
        g_free(wav);
    }
    printf("slowest: %.0fx real time (goal >= 100x): %s\n", worst,
           worst >= 100 ? "met" : "NOT met");
    lt_rmrf(dir);
    g_free(dir);
    return 0;
}
