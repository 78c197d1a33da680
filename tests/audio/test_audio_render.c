/* Real pipelines on generated media, rendered through the file output:
 *  - every format (WAV, FLAC, Ogg Vorbis, Opus, MP3) renders the source's duration ±20 ms;
 *  - a gain of G dB changes the rendered level by G dB ±0.2, measured by this test's own
 *    WAV reader (not GStreamer), and volume multiplies on top;
 *  - "%n" numbers the airings' files. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include <gst/gst.h>

#include "audio_test_util.h"

static char *dir;

struct rendered {
    struct audio_result r;
    struct at_wav w;
    bool ok;
};

/* Air src through a file output at out; returns the result and the rendered WAV. */
static struct rendered render(const char *src, const char *out, double gain_db, double volume,
                              int64_t duration_usec)
{
    struct rendered x = {0};
    GMainContext *ctx = g_main_context_new();
    struct at_rec *rec = g_new0(struct at_rec, 1);
    struct audio_callbacks cb = at_callbacks(rec);
    char *output = g_strdup_printf("file:%s", out);
    struct audio_config cfg = at_config(output);
    cfg.volume = volume;
    struct audio_player *p = NULL;
    struct loa_diag d = {0};
    g_assert_cmpint(audio_player_new(&cfg, &cb, ctx, &p, &d), ==, 0);
    g_assert_cmpstr(audio_player_output(p), ==, output);
    struct audio_item it = {.cookie = 7,
                            .kind = AUDIO_ITEM_FILE,
                            .location = src,
                            .gain_db = gain_db,
                            .duration_usec = duration_usec};
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(p, 7, g_get_real_time()), ==, 0);
    const struct audio_result *r = at_wait_finished(ctx, rec, 7, 30 * G_USEC_PER_SEC);
    g_assert_nonnull(r);
    x.r = *r;
    audio_player_free(p);
    x.ok = at_wav_read(out, &x.w);
    g_free(output);
    g_free(rec);
    g_main_context_unref(ctx);
    return x;
}

static void check_format(enum at_format f, int rate, int channels)
{
    char *src = g_strdup_printf("%s/src-%d%s", dir, (int)f, at_ext(f));
    char *out = g_strdup_printf("%s/out-%d.wav", dir, (int)f);
    if (!at_make_media(src, f, 1.5, 440, 0.5, rate, channels)) {
        g_test_skip("encoder not available");
        goto out;
    }
    /* Duration unknown to the player: it learns it from the pipeline. */
    struct rendered x = render(src, out, 0, 1.0, 0);
    g_assert_cmpint(x.r.outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpstr(audio_reason_to_string(x.r.reason), ==, "");
    g_assert_true(x.r.started);
    g_assert_true(x.ok);
    double secs = at_wav_seconds(&x.w);
    g_test_message("%s: rendered %.4f s at %d Hz x%d, played %.3f s", at_ext(f), secs, x.w.rate,
                   x.w.channels, x.r.played_usec / 1e6);
    g_assert_cmpfloat(fabs(secs - 1.5), <=, 0.020);
    g_assert_cmpint(llabs(x.r.played_usec - 1500000), <=, 20000);
    g_assert_cmpint(x.w.channels, ==, channels);
    /* Not silence: the sine made it through (0.5 amplitude = -9 dBFS RMS; lossy codecs
     * wobble a little). */
    g_assert_cmpfloat(fabs(at_wav_rms_dbfs(&x.w, 0, x.w.frames) - (20 * log10(0.5) - 3.01)), <,
                      1.0);
    at_wav_free(&x.w);
out:
    g_free(src);
    g_free(out);
}

static void test_wav(void)
{
    check_format(AT_WAV, 44100, 2);
}

static void test_flac(void)
{
    check_format(AT_FLAC, 48000, 1);
}

static void test_ogg_vorbis(void)
{
    check_format(AT_OGG_VORBIS, 44100, 2);
}

static void test_opus(void)
{
    check_format(AT_OPUS, 48000, 2);
}

static void test_mp3(void)
{
    check_format(AT_MP3, 44100, 1);
}

static void test_gain(void)
{
    char *src = g_strdup_printf("%s/gain-src.wav", dir);
    char *out = g_strdup_printf("%s/gain-out.wav", dir);
    /* 1 kHz at a quarter of full scale: RMS -15.05 dBFS; +6 dB still does not clip. */
    g_assert_true(at_make_media(src, AT_WAV, 1.0, 1000, 0.25, 48000, 1));
    struct at_wav in;
    g_assert_true(at_wav_read(src, &in));
    double l_src = at_wav_rms_dbfs(&in, 0, in.frames);
    at_wav_free(&in);
    g_assert_cmpfloat(fabs(l_src - (20 * log10(0.25) - 10 * log10(2))), <, 0.05);

    struct rendered x0 = render(src, out, 0.0, 1.0, 1000000);
    g_assert_cmpint(x0.r.outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_true(x0.ok);
    double l0 = at_wav_rms_dbfs(&x0.w, 0, x0.w.frames);
    at_wav_free(&x0.w);
    g_assert_cmpfloat(fabs(l0 - l_src), <=, 0.2); /* 0 dB is transparent */

    const double gains[] = {-20.0, -10.0, -3.5, 0.5, 3.0, 6.0};
    for (size_t i = 0; i < G_N_ELEMENTS(gains); i++) {
        struct rendered x = render(src, out, gains[i], 1.0, 1000000);
        g_assert_cmpint(x.r.outcome, ==, AUDIO_OUTCOME_COMPLETED);
        g_assert_true(x.ok);
        double l = at_wav_rms_dbfs(&x.w, 0, x.w.frames);
        g_test_message("gain %+.1f dB: level %.3f dBFS, change %+.3f dB", gains[i], l, l - l0);
        g_assert_cmpfloat(fabs((l - l0) - gains[i]), <=, 0.2);
        at_wav_free(&x.w);
    }
    /* Config volume multiplies: 0.5 is -6.02 dB, on top of the item's gain. */
    struct rendered xv = render(src, out, -3.0, 0.5, 1000000);
    g_assert_true(xv.ok);
    double lv = at_wav_rms_dbfs(&xv.w, 0, xv.w.frames);
    g_assert_cmpfloat(fabs((lv - l0) - (-3.0 + 20 * log10(0.5))), <=, 0.2);
    at_wav_free(&xv.w);
    g_free(src);
    g_free(out);
}

static void test_numbered_outputs(void)
{
    char *src = g_strdup_printf("%s/n-src.wav", dir);
    g_assert_true(at_make_media(src, AT_WAV, 0.3, 440, 0.5, 16000, 1));
    GMainContext *ctx = g_main_context_new();
    struct at_rec *rec = g_new0(struct at_rec, 1);
    struct audio_callbacks cb = at_callbacks(rec);
    char *output = g_strdup_printf("file:%s/air-%%n.wav", dir);
    struct audio_config cfg = at_config(output);
    struct audio_player *p = NULL;
    g_assert_cmpint(audio_player_new(&cfg, &cb, ctx, &p, NULL), ==, 0);
    for (uint64_t c = 1; c <= 3; c++) {
        struct audio_item it = {.cookie = c, .kind = AUDIO_ITEM_FILE, .location = src};
        g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
        g_assert_cmpint(audio_player_start_at(p, c, g_get_real_time()), ==, 0);
        const struct audio_result *r = at_wait_finished(ctx, rec, c, 20 * G_USEC_PER_SEC);
        g_assert_nonnull(r);
        g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    }
    audio_player_free(p);
    for (int n = 1; n <= 3; n++) {
        char *path = g_strdup_printf("%s/air-%d.wav", dir, n);
        struct at_wav w;
        g_assert_true(at_wav_read(path, &w));
        g_assert_cmpfloat(fabs(at_wav_seconds(&w) - 0.3), <=, 0.02);
        at_wav_free(&w);
        g_free(path);
    }
    g_free(output);
    g_free(rec);
    g_free(src);
    g_main_context_unref(ctx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gst_init(&argc, &argv);
    dir = at_tmpdir();
    g_test_add_func("/audio/render/wav", test_wav);
    g_test_add_func("/audio/render/flac", test_flac);
    g_test_add_func("/audio/render/ogg-vorbis", test_ogg_vorbis);
    g_test_add_func("/audio/render/opus", test_opus);
    g_test_add_func("/audio/render/mp3", test_mp3);
    g_test_add_func("/audio/render/gain", test_gain);
    g_test_add_func("/audio/render/numbered-outputs", test_numbered_outputs);
    int r = g_test_run();
    at_rm_rf(dir);
    g_free(dir);
    gst_deinit();
    return r;
}
