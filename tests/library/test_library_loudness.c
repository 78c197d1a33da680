/* Loudness: EBU R128 measurement, the gain rule, `loa check`'s report, and the proof
 * that matters — after `loa load`, rendering each item at its library gain (a GStreamer
 * pipeline: decode, volume, WAV) lands within 1 LU of the target where the true-peak
 * cap allows it, otherwise within 0.5 dB of the cap. The rendered WAV is measured here,
 * by this test's own reader and its own libebur128 meter, not by media/loudness.c.
 */
#include <ebur128.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "library.h"
#include "library_test_util.h"
#include "loudness.h"
#include "playlist.h"

/* ---- the independent meter ------------------------------------------------------- */

struct measured {
    double lufs, tp_dbtp;
    unsigned channels, rate;
};

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Read a float32 or PCM16 WAV and measure it with libebur128 (default channel map). */
static bool measure_wav(const char *path, struct measured *ret)
{
    gchar *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL) || len < 12 || memcmp(data, "RIFF", 4) != 0 ||
        memcmp(data + 8, "WAVE", 4) != 0) {
        g_free(data);
        return false;
    }
    const unsigned char *u = (const unsigned char *)data;
    unsigned fmt = 0, ch = 0, rate = 0, bits = 0;
    const unsigned char *pcm = NULL;
    size_t pcm_len = 0;
    for (size_t off = 12; off + 8 <= len;) {
        uint32_t sz = le32(u + off + 4);
        if (memcmp(u + off, "fmt ", 4) == 0 && sz >= 16) {
            fmt = le16(u + off + 8);
            ch = le16(u + off + 10);
            rate = le32(u + off + 12);
            bits = le16(u + off + 22);
            if (fmt == 0xFFFE && sz >= 26)
                fmt = le16(u + off + 8 + 24);
        } else if (memcmp(u + off, "data", 4) == 0) {
            pcm = u + off + 8;
            pcm_len = sz <= len - off - 8 ? sz : len - off - 8;
        }
        off += 8 + sz + (sz & 1);
    }
    bool ok = pcm && ch > 0 && rate > 0 && ((fmt == 3 && bits == 32) || (fmt == 1 && bits == 16));
    if (ok) {
        ebur128_state *st = ebur128_init(ch, rate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
        size_t frames = pcm_len / (ch * bits / 8);
        float *buf = g_new(float, frames *ch);
        for (size_t i = 0; i < frames * ch; i++) {
            if (fmt == 3) {
                uint32_t w = le32(pcm + 4 * i);
                memcpy(&buf[i], &w, 4);
            } else {
                buf[i] = (float)(int16_t)le16(pcm + 2 * i) / 32768.0f;
            }
        }
        ebur128_add_frames_float(st, buf, frames);
        double peak = 0;
        for (unsigned c = 0; c < ch; c++) {
            double p = 0;
            ebur128_true_peak(st, c, &p);
            peak = p > peak ? p : peak;
        }
        ebur128_loudness_global(st, &ret->lufs);
        ret->tp_dbtp = 20 * log10(peak);
        ret->channels = ch;
        ret->rate = rate;
        ebur128_destroy(&st);
        g_free(buf);
    }
    g_free(data);
    return ok;
}

/* Render media at gain_db into a float WAV, on two channels (as the player airs it). */
static bool render(const char *media, double gain_db, const char *out)
{
    char num[G_ASCII_DTOSTR_BUF_SIZE], vol[80], loc[4200], dst[4200];
    g_ascii_formatd(num, sizeof num, "%.6f", pow(10.0, gain_db / 20.0));
    snprintf(vol, sizeof vol, "volume=%s", num);
    snprintf(loc, sizeof loc, "location=%s", media);
    snprintf(dst, sizeof dst, "location=%s", out);
    const char *argv[] = {"gst-launch-1.0",
                          "-q",
                          "filesrc",
                          loc,
                          "!",
                          "decodebin",
                          "!",
                          "audioconvert",
                          "!",
                          "audio/x-raw,format=F32LE",
                          "!",
                          "volume",
                          vol,
                          "!",
                          "audioconvert",
                          "!",
                          "audio/x-raw,format=F32LE,channels=2",
                          "!",
                          "wavenc",
                          "!",
                          "filesink",
                          dst,
                          NULL};
    int status = -1;
    return g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                        &status, NULL) &&
           g_spawn_check_wait_status(status, NULL);
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_known_signals(void)
{
    char *dir = lt_scratch();
    char *st = g_build_filename(dir, "stereo.wav", NULL);
    char *mo = g_build_filename(dir, "mono.wav", NULL);
    char *si = g_build_filename(dir, "silence.wav", NULL);
    g_assert_true(lt_wav(st, LT_TONE, 5, 48000, 2, 0.1, 1000, 1));
    g_assert_true(lt_wav(mo, LT_TONE, 5, 44100, 1, 0.1, 1000, 1));
    g_assert_true(lt_wav(si, LT_TONE, 3, 44100, 2, 0.0, 1000, 1));
    struct media_loudness m;
    struct loa_diag d;
    /* A 1 kHz sine at -20 dBFS on both channels is -20 LUFS (BS.1770's calibration). */
    g_assert_cmpint(media_loudness_analyse(st, 0, &m, &d), ==, 0);
    g_assert_cmpfloat_with_epsilon(m.integrated_lufs, -20.0, 0.2);
    g_assert_cmpfloat_with_epsilon(m.true_peak_dbtp, -20.0, 0.2);
    g_assert_cmpint(m.channels, ==, 2);
    g_assert_cmpint(m.rate, ==, 48000);
    g_assert_cmpint(m.duration_usec, ==, 5 * G_USEC_PER_SEC);
    /* Mono airs on both channels: measured as dual mono, the same -20 LUFS. */
    g_assert_cmpint(media_loudness_analyse(mo, 0, &m, &d), ==, 0);
    g_assert_cmpfloat_with_epsilon(m.integrated_lufs, -20.0, 0.2);
    g_assert_cmpint(m.channels, ==, 1);
    g_assert_cmpint(m.rate, ==, 44100);
    /* Silence: nothing above the gate. */
    g_assert_cmpint(media_loudness_analyse(si, 0, &m, &d), ==, 0);
    g_assert_true(isinf(m.integrated_lufs) && m.integrated_lufs < 0);
    g_assert_true(isinf(m.true_peak_dbtp) && m.true_peak_dbtp < 0);
    struct media_gain g;
    media_loudness_gain(&m, -16, -1, &g);
    g_assert_true(g.silent);
    g_assert_cmpfloat(g.gain_db, ==, 0);
    lt_rmrf(dir);
    g_free(st);
    g_free(mo);
    g_free(si);
    g_free(dir);
}

static void test_gain_rule(void)
{
    struct media_loudness m = {.integrated_lufs = -26, .true_peak_dbtp = -12};
    struct media_gain g;
    media_loudness_gain(&m, -16, -1, &g);
    g_assert_cmpfloat_with_epsilon(g.gain_db, 10, 1e-9);
    g_assert_false(g.capped);
    g_assert_cmpfloat(g.shortfall_lu, ==, 0);
    /* The peak would reach +0 dBTP: the gain stops at -1 dBTP, 2 LU short. */
    m.true_peak_dbtp = -9;
    media_loudness_gain(&m, -16, -1, &g);
    g_assert_cmpfloat_with_epsilon(g.gain_db, 8, 1e-9);
    g_assert_true(g.capped);
    g_assert_cmpfloat_with_epsilon(g.shortfall_lu, 2, 1e-9);
    g_assert_cmpfloat_with_epsilon(g.achieved_lufs, -18, 1e-9);
    /* Too loud: attenuated, never capped. */
    m.integrated_lufs = -8;
    m.true_peak_dbtp = 0.5;
    media_loudness_gain(&m, -16, -1, &g);
    g_assert_cmpfloat_with_epsilon(g.gain_db, -8, 1e-9);
    g_assert_false(g.capped);
    char buf[32];
    g_assert_cmpstr(media_loudness_format(-23.14, buf, sizeof buf), ==, "-23,1");
    g_assert_cmpstr(media_loudness_format(7.06, buf, sizeof buf), ==, "7,1");
    g_assert_cmpstr(media_loudness_format(-0.04, buf, sizeof buf), ==, "0,0");
    g_assert_cmpstr(media_loudness_format(-INFINITY, buf, sizeof buf), ==, "—");
}

static void test_bad_files(void)
{
    char *dir = lt_scratch();
    char *txt = g_build_filename(dir, "notes.mp3", NULL);
    char *fifo = g_build_filename(dir, "fifo.wav", NULL);
    char *missing = g_build_filename(dir, "missing.wav", NULL);
    lt_write(txt, "this is not audio at all, just text pretending\n");
    g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
    struct media_loudness m;
    struct loa_diag d;
    g_assert_cmpint(media_loudness_analyse(txt, 10 * G_USEC_PER_SEC, &m, &d), ==, -EBADMSG);
    g_assert_nonnull(strstr(d.file, "notes.mp3"));
    g_assert_cmpint(media_loudness_analyse(fifo, 10 * G_USEC_PER_SEC, &m, &d), ==, -EINVAL);
    g_assert_cmpint(media_loudness_analyse(missing, 0, &m, &d), ==, -ENOENT);
    lt_rmrf(dir);
    g_free(txt);
    g_free(fifo);
    g_free(missing);
    g_free(dir);
}

/* The media of the render test: what each is and what it must come to. */
struct case_media {
    const char *file;
    enum lt_signal sig;
    int channels;
    double amp;
    const char *encode; /* NULL: keep the WAV */
};

static const struct case_media cases[] = {
    {"quiet-noise.wav", LT_NOISE, 2, 0.02, NULL}, /* about -34 LUFS: +18 dB */
    {"loud-noise.wav", LT_NOISE, 2, 0.9, NULL}, /* about -5 LUFS: attenuated */
    {"peaky.wav", LT_PEAKY, 2, 1.0, NULL}, /* the true-peak cap bites */
    {"tone-mono.mp3", LT_TONE, 1, 0.05, "mp3"}, /* mono, MP3 */
    {"speechlike.ogg", LT_NOISE, 2, 0.1, "ogg"}, /* Ogg Vorbis */
};

static char *render_playlist(const char *dir)
{
    GString *s = g_string_new("playlist = { id = \"loud\"; title = \"Loudness\";\n"
                              "  from = \"2024-01-01\"; until = \"2024-12-31\"; };\n"
                              "announcements = (\n");
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_string_append_printf(
            s, "  { id = \"item-%zu\"; file = \"media/%s\"; title = \"%s\"; }%s\n", i,
            cases[i].file, cases[i].file, i + 1 < G_N_ELEMENTS(cases) ? "," : "");
        char *path = g_build_filename(dir, "media", cases[i].file, NULL);
        char *wav = cases[i].encode ? g_strconcat(path, ".wav", NULL) : g_strdup(path);
        char *parent = g_path_get_dirname(path);
        g_mkdir_with_parents(parent, 0755);
        g_free(parent);
        g_assert_true(lt_wav(wav, cases[i].sig, 8, 44100, cases[i].channels, cases[i].amp, 440,
                             (uint32_t)i + 7));
        if (cases[i].encode) {
            g_assert_true(lt_encode(wav, path));
            g_unlink(wav);
        }
        g_free(path);
        g_free(wav);
    }
    g_string_append(s, ");\n");
    char *pl = g_build_filename(dir, "loud.cfg", NULL);
    lt_write(pl, s->str);
    g_string_free(s, TRUE);
    return pl;
}

static void test_render_at_gain(void)
{
    char *dir = lt_scratch();
    char *pl = render_playlist(dir);
    char *err = NULL;
    int x = lt_loa(dir, NULL, &err, "load", pl, NULL);
    if (x != 0)
        g_printerr("%s", err);
    g_assert_cmpint(x, ==, 0);
    /* The peaky item is held back by the cap, and `loa load` says by how much. */
    g_assert_nonnull(strstr(err, "item 'item-2': the true-peak limit"));
    g_assert_nonnull(strstr(err, "LU below the loudness target"));

    struct loa_diag_list diags = {0};
    struct loa_config *cfg = NULL;
    char *cfg_path = g_build_filename(dir, "loa.cfg", NULL);
    char *data = g_build_filename(dir, "data", NULL);
    g_assert_cmpint(loa_config_load(cfg_path, &cfg, &diags), ==, 0);
    struct library *lib = NULL;
    g_assert_cmpint(library_open(data, cfg, &lib, &diags), ==, 0);
    const struct library_playlist *lp = library_find_playlist(lib, "loud");
    g_assert_nonnull(lp);
    size_t n_capped = 0;
    for (size_t i = 0; i < lp->playlist->n_items; i++) {
        const struct library_media *m = lp->item_media[i];
        char *out = g_strdup_printf("%s/render-%zu.wav", dir, i);
        g_assert_true(render(m->path, m->gain.gain_db, out));
        struct measured r;
        g_assert_true(measure_wav(out, &r));
        if (g_test_verbose())
            g_printerr("%s: %.2f LUFS %.2f dBTP gain %+.2f dB -> %.2f LUFS %.2f dBTP%s\n",
                       cases[i].file, m->loudness.integrated_lufs, m->loudness.true_peak_dbtp,
                       m->gain.gain_db, r.lufs, r.tp_dbtp, m->gain.capped ? " (capped)" : "");
        if (!m->gain.capped) {
            g_assert_cmpfloat(fabs(r.lufs - cfg->audio.loudness_target), <=, 1.0);
            g_assert_cmpfloat(r.tp_dbtp, <=, cfg->audio.true_peak_max + 0.5);
        } else {
            n_capped++;
            g_assert_cmpfloat(fabs(r.tp_dbtp - cfg->audio.true_peak_max), <=, 0.5);
            g_assert_cmpfloat(r.lufs, <, cfg->audio.loudness_target);
        }
        g_free(out);
    }
    g_assert_cmpuint(n_capped, ==, 1); /* the peaky one, and only it */
    g_assert_true(lp->item_media[2]->gain.capped);

    library_close(lib);
    loa_config_free(cfg);
    loa_diag_list_clear(&diags);
    lt_rmrf(dir);
    g_free(cfg_path);
    g_free(data);
    g_free(err);
    g_free(pl);
    g_free(dir);
}

/* The hook for `loa check`: notes per item, a warning with the shortfall. */
static void test_check_report(void)
{
    char *dir = lt_scratch();
    char *pl = render_playlist(dir);
    struct loa_diag_list diags = {0};
    struct loa_config *cfg = NULL;
    struct loa_playlist *p = NULL;
    char *cfg_path = g_build_filename(dir, "loa.cfg", NULL);
    g_assert_cmpint(loa_config_load(cfg_path, &cfg, &diags), ==, 0);
    g_assert_cmpint(loa_playlist_load(pl, cfg, &p, &diags), ==, 0);
    g_assert_cmpint(media_loudness_check(cfg, &p, 1, &diags), ==, 0);
    size_t notes = 0, warnings = 0;
    for (size_t i = 0; i < diags.n; i++) {
        notes += diags.items[i].severity == LOA_SEV_NOTE;
        if (diags.items[i].severity == LOA_SEV_WARNING) {
            warnings++;
            g_assert_nonnull(strstr(diags.items[i].msg, "item-2"));
            g_assert_cmpint(diags.items[i].line, ==, p->items[2].file_line);
        }
    }
    g_assert_cmpuint(notes, ==, G_N_ELEMENTS(cases));
    g_assert_cmpuint(warnings, ==, 1);
    loa_playlist_free(p);
    loa_config_free(cfg);
    loa_diag_list_clear(&diags);
    lt_rmrf(dir);
    g_free(cfg_path);
    g_free(pl);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    char *gst_launch = g_find_program_in_path("gst-launch-1.0");
    if (!gst_launch) {
        g_print("gst-launch-1.0 is missing: skipped\n");
        return 77;
    }
    g_free(gst_launch);
    g_test_add_func("/library/loudness/known-signals", test_known_signals);
    g_test_add_func("/library/loudness/gain-rule", test_gain_rule);
    g_test_add_func("/library/loudness/bad-files", test_bad_files);
    g_test_add_func("/library/loudness/render-at-gain", test_render_at_gain);
    g_test_add_func("/library/loudness/check-report", test_check_report);
    return g_test_run();
}
