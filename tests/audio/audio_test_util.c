/* Helpers for the audio tests. */
#include "audio_test_util.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *at_ext(enum at_format f)
{
    static const char *const ext[] = {".wav", ".flac", ".ogg", ".opus", ".mp3"};
    return ext[f];
}

static bool run_pipeline(const char *desc)
{
    GError *err = NULL;
    GstElement *p = gst_parse_launch(desc, &err);
    if (!p) {
        g_test_message("cannot build '%s': %s", desc, err ? err->message : "?");
        g_clear_error(&err);
        return false;
    }
    gst_element_set_state(p, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(p);
    GstMessage *m =
        gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    bool ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    if (m && !ok) {
        gst_message_parse_error(m, &err, NULL);
        g_test_message("'%s' failed: %s", desc, err ? err->message : "?");
        g_clear_error(&err);
    }
    if (m)
        gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
    return ok;
}

bool at_make_media(const char *path, enum at_format f, double seconds, double freq,
                   double amplitude, int rate, int channels)
{
    gst_init(NULL, NULL);
    /* Buffers of 10 ms so the length is exact to the sample. */
    int spb = rate / 100;
    int nbuf = (int)lround(seconds * 100);
    char src[512];
    snprintf(src, sizeof src,
             "audiotestsrc num-buffers=%d samplesperbuffer=%d wave=%s freq=%g volume=%g "
             "! audio/x-raw,format=S16LE,rate=%d,channels=%d",
             nbuf, spb, amplitude > 0 ? "sine" : "silence", freq, amplitude > 0 ? amplitude : 0.0,
             rate, channels);
    char *desc = NULL;
    bool ok;
    switch (f) {
    case AT_WAV:
        desc = g_strdup_printf("%s ! wavenc ! filesink location=\"%s\"", src, path);
        break;
    case AT_FLAC:
        desc = g_strdup_printf("%s ! flacenc ! filesink location=\"%s\"", src, path);
        break;
    case AT_OGG_VORBIS:
        desc = g_strdup_printf("%s ! audioconvert ! vorbisenc ! oggmux ! filesink location=\"%s\"",
                               src, path);
        break;
    case AT_OPUS:
        desc = g_strdup_printf("%s ! opusenc ! oggmux ! filesink location=\"%s\"", src, path);
        break;
    case AT_MP3: {
        /* lame writes the LAME/Xing header that makes MP3 gapless (exact duration). */
        char *lame = g_find_program_in_path("lame");
        if (!lame) {
            g_test_message("lame not installed: no MP3");
            return false;
        }
        char *wav = g_strdup_printf("%s.src.wav", path);
        desc = g_strdup_printf("%s ! wavenc ! filesink location=\"%s\"", src, wav);
        ok = run_pipeline(desc);
        if (ok) {
            char *argv[] = {lame, "--quiet", "-b", "128", wav, (char *)path, NULL};
            int status = -1;
            ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                              NULL) &&
                 g_spawn_check_wait_status(status, NULL);
        }
        g_unlink(wav);
        g_free(wav);
        g_free(lame);
        g_free(desc);
        return ok;
    }
    }
    ok = run_pipeline(desc);
    g_free(desc);
    return ok;
}

void at_write_wav(const char *path, int rate, const double *samples, size_t n)
{
    size_t size = 44 + 2 * n;
    unsigned char *b = g_malloc0(size);
    uint32_t v;
    uint16_t h;
    memcpy(b, "RIFF", 4);
    v = (uint32_t)(size - 8);
    memcpy(b + 4, &v, 4);
    memcpy(b + 8, "WAVEfmt ", 8);
    v = 16;
    memcpy(b + 16, &v, 4);
    h = 1; /* PCM */
    memcpy(b + 20, &h, 2);
    h = 1; /* mono */
    memcpy(b + 22, &h, 2);
    v = (uint32_t)rate;
    memcpy(b + 24, &v, 4);
    v = (uint32_t)rate * 2;
    memcpy(b + 28, &v, 4);
    h = 2;
    memcpy(b + 32, &h, 2);
    h = 16;
    memcpy(b + 34, &h, 2);
    memcpy(b + 36, "data", 4);
    v = (uint32_t)(2 * n);
    memcpy(b + 40, &v, 4);
    for (size_t i = 0; i < n; i++) {
        double x = samples[i] > 1 ? 1 : samples[i] < -1 ? -1 : samples[i];
        int16_t s = (int16_t)lround(x * 32767);
        memcpy(b + 44 + 2 * i, &s, 2);
    }
    g_assert_true(g_file_set_contents(path, (const gchar *)b, (gssize)size, NULL));
    g_free(b);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

bool at_wav_read(const char *path, struct at_wav *ret)
{
    gchar *buf = NULL;
    gsize len = 0;
    memset(ret, 0, sizeof *ret);
    if (!g_file_get_contents(path, &buf, &len, NULL))
        return false;
    const unsigned char *b = (const unsigned char *)buf;
    bool ok = false;
    int fmt = 0;
    if (len < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0)
        goto out;
    size_t off = 12;
    while (off + 8 <= len) {
        uint32_t size = le32(b + off + 4);
        const unsigned char *c = b + off + 8;
        if (memcmp(b + off, "fmt ", 4) == 0 && size >= 16 && off + 8 + 16 <= len) {
            fmt = le16(c);
            ret->channels = le16(c + 2);
            ret->rate = (int)le32(c + 4);
            ret->bits = le16(c + 14);
            if (fmt == 0xFFFE && size >= 26)
                fmt = le16(c + 24); /* WAVE_FORMAT_EXTENSIBLE: the subformat */
            ret->is_float = fmt == 3;
        } else if (memcmp(b + off, "data", 4) == 0) {
            if (!ret->channels || !ret->bits || (fmt != 1 && fmt != 3))
                goto out;
            size_t avail = len - (off + 8);
            size_t n = size < avail ? size : avail;
            int bps = ret->bits / 8;
            ret->frames = n / ((size_t)bps * ret->channels);
            size_t ns = ret->frames * ret->channels;
            ret->samples = g_new(double, ns ? ns : 1);
            for (size_t i = 0; i < ns; i++) {
                const unsigned char *s = c + i * bps;
                double v;
                if (ret->is_float && bps == 4) {
                    float f;
                    memcpy(&f, s, 4);
                    v = f;
                } else if (ret->is_float && bps == 8) {
                    memcpy(&v, s, 8);
                } else if (bps == 1) {
                    v = (s[0] - 128) / 128.0;
                } else if (bps == 2) {
                    v = (int16_t)le16(s) / 32768.0;
                } else if (bps == 3) {
                    int32_t x = (int32_t)((uint32_t)s[0] << 8 | (uint32_t)s[1] << 16 |
                                          (uint32_t)s[2] << 24) >>
                                8;
                    v = x / 8388608.0;
                } else {
                    v = (int32_t)le32(s) / 2147483648.0;
                }
                ret->samples[i] = v;
            }
            ok = true;
            break;
        }
        off += 8 + size + (size & 1);
    }
out:
    g_free(buf);
    if (!ok)
        at_wav_free(ret);
    return ok;
}

void at_wav_free(struct at_wav *w)
{
    g_free(w->samples);
    w->samples = NULL;
}

double at_wav_seconds(const struct at_wav *w)
{
    return w->rate ? (double)w->frames / w->rate : 0;
}

double at_wav_rms_dbfs(const struct at_wav *w, uint64_t from, uint64_t to)
{
    if (to > w->frames)
        to = w->frames;
    double sum = 0;
    uint64_t n = 0;
    for (uint64_t i = from * w->channels; i < to * w->channels; i++, n++)
        sum += w->samples[i] * w->samples[i];
    if (n == 0 || sum == 0)
        return -INFINITY;
    return 10.0 * log10(sum / n);
}

static void rec_started(void *userdata, uint64_t cookie, int64_t start_usec)
{
    struct at_rec *r = userdata;
    g_assert_cmpuint(r->n_started, <, AT_MAX_RESULTS);
    r->started_cookie[r->n_started] = cookie;
    r->started_at[r->n_started] = start_usec;
    r->started_seen_mono[r->n_started] = g_get_monotonic_time();
    r->n_started++;
}

static void rec_finished(void *userdata, const struct audio_result *res)
{
    struct at_rec *r = userdata;
    g_assert_cmpuint(r->n_finished, <, AT_MAX_RESULTS);
    r->results[r->n_finished] = *res;
    r->finished_seen_mono[r->n_finished] = g_get_monotonic_time();
    r->n_finished++;
}

struct audio_callbacks at_callbacks(struct at_rec *rec)
{
    return (struct audio_callbacks){
        .started = rec_started, .finished = rec_finished, .userdata = rec};
}

const struct audio_result *at_result(const struct at_rec *rec, uint64_t cookie)
{
    for (unsigned i = 0; i < rec->n_finished; i++)
        if (rec->results[i].cookie == cookie)
            return &rec->results[i];
    return NULL;
}

int64_t at_started(const struct at_rec *rec, uint64_t cookie)
{
    for (unsigned i = 0; i < rec->n_started; i++)
        if (rec->started_cookie[i] == cookie)
            return rec->started_at[i];
    return 0;
}

const struct audio_result *at_wait_finished(GMainContext *ctx, struct at_rec *rec, uint64_t cookie,
                                            int64_t timeout_usec)
{
    int64_t end = g_get_monotonic_time() + timeout_usec;
    const struct audio_result *r;
    while (!(r = at_result(rec, cookie)) && g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(ctx, FALSE))
            g_usleep(1000);
    }
    return r;
}

void at_iterate_for(GMainContext *ctx, int64_t usec)
{
    int64_t end = g_get_monotonic_time() + usec;
    while (g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(ctx, FALSE))
            g_usleep(1000);
    }
}

char *at_tmpdir(void)
{
    GError *err = NULL;
    char *d = g_dir_make_tmp("loa-audio-XXXXXX", &err);
    g_assert_no_error(err);
    return d;
}

void at_rm_rf(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, n, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            at_rm_rf(p);
        else
            g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
}

char *at_sha256_file(const char *path)
{
    gchar *buf = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
    char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)buf, len);
    g_free(buf);
    return hex;
}

struct audio_config at_config(const char *output)
{
    return (struct audio_config){.output = output, .volume = 1.0};
}

static gboolean gst_not_fatal(const gchar *domain, GLogLevelFlags level, const gchar *message,
                              gpointer data)
{
    (void)level;
    (void)message;
    (void)data;
    return !(domain && strcmp(domain, "GStreamer") == 0);
}

void at_tolerate_gst_warnings(void)
{
    g_test_log_set_fatal_handler(gst_not_fatal, NULL);
}
