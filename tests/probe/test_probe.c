/* media_probe_duration(): real files made here by real GStreamer pipelines (and lame),
 * probed through the real GstDiscoverer.
 *
 * Durations of generated files are known to the sample, so a probe must land within a
 * millisecond of them; broken inputs must fail with the right class, name the file and
 * never hang.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "probe.h"

/* Generous for a loaded CI machine; healthy probes take milliseconds. */
#define TIMEOUT_USEC (5 * G_USEC_PER_SEC)
#define SENTINEL_USEC INT64_C(-424242)

struct fixture {
    char *dir;
};

/* Run a gst-launch style pipeline to EOS. */
static void run_pipeline(const char *description)
{
    GError *err = NULL;
    GstElement *pipeline = gst_parse_launch(description, &err);
    g_assert_no_error(err);
    g_assert_nonnull(pipeline);

    g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=,
                    GST_STATE_CHANGE_FAILURE);
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *msg =
        gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    g_assert_nonnull(msg);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError *perr = NULL;
        gst_message_parse_error(msg, &perr, NULL);
        g_test_message("pipeline '%s' failed: %s", description, perr->message);
        g_clear_error(&perr);
    }
    g_assert_cmpint(GST_MESSAGE_TYPE(msg), ==, GST_MESSAGE_EOS);
    gst_message_unref(msg);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

/* Write `samples` frames of a sine at `rate` Hz and `channels` through `encoder`
 * (a pipeline fragment ending before the filesink) into dir/name. Returns the path. */
static char *make_audio(const struct fixture *f, const char *name, int rate, int channels,
                        int samples, const char *encoder)
{
    char *path = g_build_filename(f->dir, name, NULL);
    g_assert_cmpint(samples % 1000, ==, 0);
    char *desc = g_strdup_printf("audiotestsrc num-buffers=%d samplesperbuffer=1000 wave=sine ! "
                                 "audio/x-raw,rate=%d,channels=%d ! audioconvert ! %s ! "
                                 "filesink location=\"%s\"",
                                 samples / 1000, rate, channels, encoder, path);
    run_pipeline(desc);
    g_free(desc);
    return path;
}

static int64_t expected_ms(int samples, int rate)
{
    /* Round half up, as the probe does. */
    return ((int64_t)samples * 1000 + rate / 2) / rate;
}

static void write_file(const char *path, const void *data, size_t len)
{
    GError *err = NULL;
    g_file_set_contents(path, data, (gssize)len, &err);
    g_assert_no_error(err);
}

/* The first n bytes of src, written to dir/name. */
static char *truncated_copy(const struct fixture *f, const char *src, size_t n, const char *name)
{
    char *data = NULL;
    gsize len = 0;
    GError *err = NULL;
    g_file_get_contents(src, &data, &len, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(len, >, n);
    char *path = g_build_filename(f->dir, name, NULL);
    write_file(path, data, n);
    g_free(data);
    return path;
}

/* Probe a file expected to fail with one of the allowed errors; checks the diagnostic
 * names the file, the out-parameter is untouched and the call came back in time. */
static int probe_fails(const char *path, int64_t timeout_usec, int allowed1, int allowed2)
{
    struct loa_diag d;
    memset(&d, 0, sizeof d);
    int64_t dur = SENTINEL_USEC;
    int64_t t0 = g_get_monotonic_time();
    int r = media_probe_duration(path, timeout_usec, &dur, &d);
    int64_t elapsed = g_get_monotonic_time() - t0;

    g_test_message("%s -> %d (%s) in %" G_GINT64_FORMAT " ms", path, r, d.msg, elapsed / 1000);
    if (r != allowed1 && r != allowed2)
        g_test_message("unexpected result %d for %s", r, path);
    g_assert_true(r == allowed1 || r == allowed2);
    g_assert_cmpint(dur, ==, SENTINEL_USEC);
    g_assert_cmpstr(d.file, ==, path);
    g_assert_cmpint(d.severity, ==, LOA_SEV_ERROR);
    g_assert_nonnull(strstr(d.msg, path));
    /* Never a hang: back within the budget plus scheduling slack. */
    g_assert_cmpint(elapsed, <, timeout_usec + G_USEC_PER_SEC);
    return r;
}

static int64_t probe_ok(const char *path)
{
    struct loa_diag d;
    memset(&d, 0, sizeof d);
    int64_t dur = SENTINEL_USEC;
    int r = media_probe_duration(path, TIMEOUT_USEC, &dur, &d);
    if (r < 0)
        g_test_message("probe of %s failed: %d %s", path, r, d.msg);
    g_assert_cmpint(r, ==, 0);
    g_assert_cmpint(dur, >, 0);
    /* Rounded to the millisecond. */
    g_assert_cmpint(dur % 1000, ==, 0);
    return dur;
}

static void fixture_setup(struct fixture *f, gconstpointer data)
{
    (void)data;
    GError *err = NULL;
    f->dir = g_dir_make_tmp("loa-test-probe-XXXXXX", &err);
    g_assert_no_error(err);
}

static void remove_tree(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            remove_tree(p);
        else
            g_unlink(p);
        g_free(p);
    }
    g_dir_close(d);
    g_rmdir(dir);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
    (void)data;
    remove_tree(f->dir);
    g_free(f->dir);
}

static void test_init_idempotent(void)
{
    g_assert_cmpint(media_gst_init(), ==, 0);
    g_assert_cmpint(media_gst_init(), ==, 0);
    g_assert_true(gst_is_initialized());
}

static gpointer init_thread(gpointer data)
{
    (void)data;
    return GINT_TO_POINTER(media_gst_init());
}

static void test_init_threads(void)
{
    GThread *t[8];
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
        t[i] = g_thread_new("init", init_thread, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
        g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(t[i])), ==, 0);
}

struct format_case {
    const char *name;
    int rate, channels, samples;
    const char *encoder;
};

static void test_formats(struct fixture *f, gconstpointer data)
{
    (void)data;
    static const struct format_case cases[] = {
        {"mono.wav", 44100, 1, 100000, "wavenc"},
        {"stereo48.wav", 48000, 2, 100000, "wavenc"},
        {"half.wav", 16000, 1, 3000, "wavenc"}, /* 187.5 ms: half a millisecond rounds up */
        {"sine.flac", 44100, 2, 100000, "flacenc"},
        {"sine.ogg", 44100, 1, 100000, "vorbisenc ! oggmux"},
        {"sine22.ogg", 22050, 2, 77000, "vorbisenc ! oggmux"},
        {"sine.opus", 48000, 1, 100000, "opusenc ! oggmux"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const struct format_case *c = &cases[i];
        char *path = make_audio(f, c->name, c->rate, c->channels, c->samples, c->encoder);
        int64_t ms = probe_ok(path) / 1000;
        int64_t want = expected_ms(c->samples, c->rate);
        g_test_message("%s: %" G_GINT64_FORMAT " ms, expected %" G_GINT64_FORMAT, c->name, ms,
                       want);
        g_assert_cmpint(ms, >=, want - 1);
        g_assert_cmpint(ms, <=, want + 1);
        g_free(path);
    }
}

static void test_mp3(struct fixture *f, gconstpointer data)
{
    (void)data;
    char *lame = g_find_program_in_path("lame");
    if (!lame) {
        g_test_skip("lame is not installed (scripts/setup-debian.sh installs it)");
        return;
    }
    /* lame writes the LAME/Xing header with encoder delay and padding, so the
     * decoder (and the probe) know the exact length; that is how the examples are
     * made too. */
    char *wav = make_audio(f, "src.wav", 44100, 1, 100000, "wavenc");
    char *mp3 = g_build_filename(f->dir, "speech.mp3", NULL);
    char *argv[] = {lame, "--quiet", "-m", "m", "-b", "64", wav, mp3, NULL};
    int status = 0;
    GError *err = NULL;
    g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &err);
    g_assert_no_error(err);
    g_assert_true(g_spawn_check_wait_status(status, NULL));

    int64_t ms = probe_ok(mp3) / 1000;
    int64_t want = expected_ms(100000, 44100);
    g_test_message("speech.mp3: %" G_GINT64_FORMAT " ms, expected %" G_GINT64_FORMAT, ms, want);
    g_assert_cmpint(ms, >=, want - 1);
    g_assert_cmpint(ms, <=, want + 1);
    g_free(wav);
    g_free(mp3);
    g_free(lame);
}

static void test_missing(struct fixture *f, gconstpointer data)
{
    (void)data;
    char *path = g_build_filename(f->dir, "nope.mp3", NULL);
    g_assert_cmpint(probe_fails(path, TIMEOUT_USEC, -ENOENT, -ENOENT), ==, -ENOENT);

    /* A path through a regular file (ENOTDIR) is just as missing. */
    char *file = g_build_filename(f->dir, "plain", NULL);
    write_file(file, "x", 1);
    char *under = g_build_filename(file, "inner.mp3", NULL);
    g_assert_cmpint(probe_fails(under, TIMEOUT_USEC, -ENOENT, -ENOENT), ==, -ENOENT);

    g_free(under);
    g_free(file);
    g_free(path);
}

static void test_undecodable(struct fixture *f, gconstpointer data)
{
    (void)data;

    /* Zero-length. */
    char *empty = g_build_filename(f->dir, "empty.mp3", NULL);
    write_file(empty, "", 0);
    probe_fails(empty, TIMEOUT_USEC, -EBADMSG, -EBADMSG);

    /* Random bytes (seeded, so every run sees the same ones). */
    GRand *rnd = g_rand_new_with_seed(20201105);
    for (int k = 0; k < 3; k++) {
        size_t n = 65536;
        guint8 *buf = g_malloc(n);
        for (size_t i = 0; i < n; i++)
            buf[i] = (guint8)g_rand_int_range(rnd, 0, 256);
        char name[32];
        g_snprintf(name, sizeof name, "random-%d.mp3", k);
        char *path = g_build_filename(f->dir, name, NULL);
        write_file(path, buf, n);
        probe_fails(path, TIMEOUT_USEC, -EBADMSG, -ENOPKG);
        g_free(path);
        g_free(buf);
    }
    g_rand_free(rnd);

    /* Text is not audio. */
    char *text = g_build_filename(f->dir, "notes.mp3", NULL);
    const char *words = "Thông báo: đây không phải là tệp âm thanh.\n";
    write_file(text, words, strlen(words));
    probe_fails(text, TIMEOUT_USEC, -EBADMSG, -EBADMSG);

    /* Truncated files: a WAV header without data, and the first bytes of encoded
     * files (the Ogg one exercises the decodebin race the probe retries around). */
    char *wav = make_audio(f, "full.wav", 44100, 1, 100000, "wavenc");
    char *hdr = truncated_copy(f, wav, 44, "header-only.wav");
    probe_fails(hdr, TIMEOUT_USEC, -EBADMSG, -EBADMSG);

    char *ogg = make_audio(f, "full.ogg", 44100, 1, 100000, "vorbisenc ! oggmux");
    char *ogg_cut = truncated_copy(f, ogg, 100, "cut.ogg");
    probe_fails(ogg_cut, TIMEOUT_USEC, -EBADMSG, -EBADMSG);

    char *flac = make_audio(f, "full.flac", 44100, 1, 100000, "flacenc");
    char *flac_cut = truncated_copy(f, flac, 2000, "cut.flac");
    probe_fails(flac_cut, TIMEOUT_USEC, -EBADMSG, -EBADMSG);

    char *mp3 = make_audio(f, "full.mp3", 44100, 1, 100000, "lamemp3enc ! id3v2mux");
    char *mp3_cut = truncated_copy(f, mp3, 300, "cut.mp3");
    probe_fails(mp3_cut, TIMEOUT_USEC, -EBADMSG, -EBADMSG);

    g_free(mp3_cut);
    g_free(mp3);
    g_free(flac_cut);
    g_free(flac);
    g_free(ogg_cut);
    g_free(ogg);
    g_free(hdr);
    g_free(wav);
    g_free(text);
    g_free(empty);
}

static void test_no_audio(struct fixture *f, gconstpointer data)
{
    (void)data;
    /* A picture decodes fine but has nothing to air. */
    char *png = g_build_filename(f->dir, "picture.png", NULL);
    char *desc = g_strdup_printf("videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! "
                                 "pngenc ! filesink location=\"%s\"",
                                 png);
    run_pipeline(desc);
    probe_fails(png, TIMEOUT_USEC, -EBADMSG, -EBADMSG);
    g_free(desc);
    g_free(png);
}

static void test_not_regular(struct fixture *f, gconstpointer data)
{
    (void)data;
    /* A FIFO would block filesrc inside a state change, beyond any timeout. */
    char *fifo = g_build_filename(f->dir, "pipe.mp3", NULL);
    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    probe_fails(fifo, TIMEOUT_USEC, -EBADMSG, -EBADMSG);

    char *sub = g_build_filename(f->dir, "folder.mp3", NULL);
    g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
    probe_fails(sub, TIMEOUT_USEC, -EBADMSG, -EBADMSG);

    probe_fails("/dev/zero", TIMEOUT_USEC, -EBADMSG, -EBADMSG);
    g_free(sub);
    g_free(fifo);
}

static void test_missing_plugin(struct fixture *f, gconstpointer data)
{
    (void)data;
    GstElementFactory *dec = gst_element_factory_find("amrnbdec");
    if (dec) {
        gst_object_unref(dec);
        g_test_skip("an AMR-NB decoder is installed here; no plugin is missing");
        return;
    }
    /* An AMR-NB file (RFC 4867 storage format): the magic, then 12.2 kbit/s frames
     * (header 0x3C, 31 bytes of speech data). GStreamer recognises it, but the
     * decoder lives in plugins-ugly, which Loa does not install. */
    GByteArray *amr = g_byte_array_new();
    g_byte_array_append(amr, (const guint8 *)"#!AMR\n", 6);
    guint8 frame[32] = {0x3c};
    for (int i = 0; i < 100; i++)
        g_byte_array_append(amr, frame, sizeof frame);
    char *path = g_build_filename(f->dir, "voice.amr", NULL);
    write_file(path, amr->data, amr->len);
    g_byte_array_unref(amr);

    struct loa_diag d;
    memset(&d, 0, sizeof d);
    int64_t dur = SENTINEL_USEC;
    int r = media_probe_duration(path, TIMEOUT_USEC, &dur, &d);
    g_test_message("%s -> %d (%s)", path, r, d.msg);
    g_assert_cmpint(r, ==, -ENOPKG);
    g_assert_cmpint(dur, ==, SENTINEL_USEC);
    g_assert_cmpstr(d.file, ==, path);
    g_assert_nonnull(strstr(d.msg, path));
    g_assert_nonnull(strstr(d.msg, "plugin"));
    g_assert_nonnull(strstr(d.msg, "AMR"));
    g_free(path);
}

static void test_timeout(struct fixture *f, gconstpointer data)
{
    (void)data;
    char *wav = make_audio(f, "ok.wav", 44100, 1, 100000, "wavenc");

    /* Discovery takes milliseconds; one microsecond is always too little. */
    int r = probe_fails(wav, 1, -ETIMEDOUT, -ETIMEDOUT);
    g_assert_cmpint(r, ==, -ETIMEDOUT);

    /* Below GstDiscoverer's own one-second minimum our bound still holds: the answer
     * comes back within it (a small WAV may well be probed in under a millisecond). */
    int64_t t0 = g_get_monotonic_time();
    int64_t dur = SENTINEL_USEC;
    r = media_probe_duration(wav, 1000, &dur, NULL);
    g_assert_true(r == 0 || r == -ETIMEDOUT);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 500 * 1000);

    /* And the same file with a sane budget is fine afterwards. */
    g_assert_cmpint(probe_ok(wav), ==, expected_ms(100000, 44100) * 1000);
    g_free(wav);
}

static void test_args(struct fixture *f, gconstpointer data)
{
    (void)data;
    int64_t dur = SENTINEL_USEC;
    struct loa_diag d;
    g_assert_cmpint(media_probe_duration(NULL, TIMEOUT_USEC, &dur, &d), ==, -EINVAL);
    g_assert_cmpint(media_probe_duration("", TIMEOUT_USEC, &dur, &d), ==, -EINVAL);
    char *wav = make_audio(f, "a.wav", 44100, 1, 44000, "wavenc");
    g_assert_cmpint(media_probe_duration(wav, 0, &dur, &d), ==, -EINVAL);
    g_assert_cmpint(media_probe_duration(wav, -5, &dur, &d), ==, -EINVAL);
    g_assert_cmpint(media_probe_duration(wav, TIMEOUT_USEC, NULL, &d), ==, -EINVAL);
    g_assert_cmpint(dur, ==, SENTINEL_USEC);

    /* reterr may be NULL, on success and on failure. */
    g_assert_cmpint(media_probe_duration(wav, TIMEOUT_USEC, &dur, NULL), ==, 0);
    g_assert_cmpint(dur, ==, 998 * 1000); /* 44000 / 44100 s = 997.7 ms */
    char *nope = g_build_filename(f->dir, "nope.wav", NULL);
    g_assert_cmpint(media_probe_duration(nope, TIMEOUT_USEC, &dur, NULL), ==, -ENOENT);

    /* A relative path works as well as an absolute one. */
    char *cwd = g_get_current_dir();
    g_assert_cmpint(g_chdir(f->dir), ==, 0);
    g_assert_cmpint(media_probe_duration("a.wav", TIMEOUT_USEC, &dur, NULL), ==, 0);
    g_assert_cmpint(dur, ==, 998 * 1000);
    g_assert_cmpint(g_chdir(cwd), ==, 0);
    g_free(cwd);
    g_free(nope);
    g_free(wav);
}

struct thread_job {
    const char *path;
    int64_t want_usec;
    int failures;
};

static gpointer probe_thread(gpointer data)
{
    struct thread_job *job = data;
    for (int i = 0; i < 5; i++) {
        int64_t dur = 0;
        if (media_probe_duration(job->path, TIMEOUT_USEC, &dur, NULL) != 0 || dur != job->want_usec)
            job->failures++;
    }
    return NULL;
}

static void test_threads(struct fixture *f, gconstpointer data)
{
    (void)data;
    /* Each probe runs on its own main context, so threads do not see each other's
     * results. */
    char *a = make_audio(f, "t1.wav", 44100, 1, 100000, "wavenc");
    char *b = make_audio(f, "t2.ogg", 48000, 1, 50000, "vorbisenc ! oggmux");
    char *c = make_audio(f, "t3.flac", 16000, 1, 40000, "flacenc");
    struct thread_job jobs[] = {
        {a, expected_ms(100000, 44100) * 1000, 0},
        {b, expected_ms(50000, 48000) * 1000, 0},
        {c, expected_ms(40000, 16000) * 1000, 0},
        {a, expected_ms(100000, 44100) * 1000, 0},
    };
    GThread *t[G_N_ELEMENTS(jobs)];
    for (size_t i = 0; i < G_N_ELEMENTS(jobs); i++)
        t[i] = g_thread_new("probe", probe_thread, &jobs[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(jobs); i++) {
        g_thread_join(t[i]);
        g_assert_cmpint(jobs[i].failures, ==, 0);
    }
    g_free(a);
    g_free(b);
    g_free(c);
}

/* Probing from a thread that runs its own GMainLoop (as the daemon does) neither
 * dispatches nor steals that loop's sources. */
static gboolean count_tick(gpointer data)
{
    int *ticks = data;
    (*ticks)++;
    return G_SOURCE_CONTINUE;
}

static void test_default_context_untouched(struct fixture *f, gconstpointer data)
{
    (void)data;
    char *a = make_audio(f, "ctx.wav", 44100, 1, 100000, "wavenc");
    int ticks = 0;
    guint id = g_idle_add(count_tick, &ticks);
    int64_t dur = 0;
    g_assert_cmpint(media_probe_duration(a, TIMEOUT_USEC, &dur, NULL), ==, 0);
    g_assert_cmpint(ticks, ==, 0);
    g_source_remove(id);
    g_free(a);
}

#define ADD(name, fn)                                                                              \
    g_test_add("/probe/" name, struct fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (media_gst_init() < 0) {
        g_printerr("GStreamer cannot start here; skipping\n");
        return 77;
    }
    g_test_add_func("/probe/init/idempotent", test_init_idempotent);
    g_test_add_func("/probe/init/threads", test_init_threads);
    ADD("formats", test_formats);
    ADD("mp3", test_mp3);
    ADD("missing", test_missing);
    ADD("undecodable", test_undecodable);
    ADD("no-audio", test_no_audio);
    ADD("not-regular", test_not_regular);
    ADD("missing-plugin", test_missing_plugin);
    ADD("timeout", test_timeout);
    ADD("args", test_args);
    ADD("threads", test_threads);
    ADD("default-context", test_default_context_untouched);
    return g_test_run();
}
