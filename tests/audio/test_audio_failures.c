/* The failure ladder and the API's edges, on real pipelines:
 * silence (digital silence fails, quiet speech and a pause do not), timeout, device-absent
 * with retries inside the window, auto falling back to null, missing-file, hash-mismatch
 * and its success case, undecodable, stop (interrupted) of a playing and of a prepared
 * airing, and a player freed from inside its own callback. */
#include <errno.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audio_test_util.h"

static char *dir;

struct env {
    GMainContext *ctx;
    struct at_rec *rec;
    struct audio_player *p;
};

static struct env env_new(struct audio_config cfg)
{
    struct env e = {.ctx = g_main_context_new(), .rec = g_new0(struct at_rec, 1)};
    struct audio_callbacks cb = at_callbacks(e.rec);
    struct loa_diag d = {0};
    int r = audio_player_new(&cfg, &cb, e.ctx, &e.p, &d);
    if (r < 0)
        g_error("audio_player_new: %s", d.msg);
    return e;
}

static void env_free(struct env *e)
{
    audio_player_free(e->p);
    g_free(e->rec);
    g_main_context_unref(e->ctx);
}

static char *tone_file(const char *name, double seconds, double amplitude)
{
    char *path = g_build_filename(dir, name, NULL);
    size_t n = (size_t)(seconds * 16000);
    double *s = g_new(double, n);
    for (size_t i = 0; i < n; i++)
        s[i] = amplitude * sin(2 * G_PI * 440.0 * (double)i / 16000);
    at_write_wav(path, 16000, s, n);
    g_free(s);
    return path;
}

/* Air path now and wait for the outcome. */
static struct audio_result air(struct env *e, uint64_t cookie, const char *path, const char *sha,
                               int64_t duration_usec, int64_t *ret_planned)
{
    struct audio_item it = {.cookie = cookie,
                            .kind = AUDIO_ITEM_FILE,
                            .location = path,
                            .sha256 = sha,
                            .duration_usec = duration_usec};
    int64_t planned = g_get_real_time() + 50000;
    g_assert_cmpint(audio_player_prepare(e->p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(e->p, cookie, planned), ==, 0);
    const struct audio_result *r = at_wait_finished(e->ctx, e->rec, cookie, 30 * G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_test_message("%s: %s (%s) played %.3f s: %s", path, audio_outcome_to_string(r->outcome),
                   audio_reason_to_string(r->reason), r->played_usec / 1e6, r->detail);
    if (ret_planned)
        *ret_planned = planned;
    return *r;
}

static void test_silence(void)
{
    char *out = g_strdup_printf("file:%s/silence-%%n.wav", dir);
    struct env e = env_new(at_config(out));
    /* Digital silence: fails after 5 s of it (in stream time: the file output is fast). */
    char *silent = tone_file("silent.wav", 6.5, 0.0);
    struct audio_result r = air(&e, 1, silent, NULL, 6500000, NULL);
    g_assert_cmpint(r.outcome, ==, AUDIO_OUTCOME_FAILED);
    g_assert_cmpstr(audio_reason_to_string(r.reason), ==, "silence");
    g_assert_nonnull(strstr(r.detail, "RMS under -60 dBFS for 5.0 s"));

    /* Quiet is not silent: -50 dBFS RMS for 6 s completes. */
    char *quiet = tone_file("quiet.wav", 6.0, pow(10, -50.0 / 20) * sqrt(2));
    r = air(&e, 2, quiet, NULL, 6000000, NULL);
    g_assert_cmpint(r.outcome, ==, AUDIO_OUTCOME_COMPLETED);

    /* A 3 s pause inside an announcement is not dead air. */
    char *pause = g_build_filename(dir, "pause.wav", NULL);
    size_t n = 5 * 16000;
    double *s = g_new0(double, n);
    for (size_t i = 0; i < n; i++)
        if (i < 16000 || i >= 4 * 16000)
            s[i] = 0.3 * sin(2 * G_PI * 440.0 * (double)i / 16000);
    at_write_wav(pause, 16000, s, n);
    g_free(s);
    r = air(&e, 3, pause, NULL, 5000000, NULL);
    g_assert_cmpint(r.outcome, ==, AUDIO_OUTCOME_COMPLETED);
    env_free(&e);

    /* In real time (a syncing sink) it ends after the threshold, not at the file's end. */
    struct audio_config rt = at_config("fakesink");
    rt.silence_usec = G_USEC_PER_SEC;
    e = env_new(rt);
    int64_t planned;
    r = air(&e, 5, silent, NULL, 6500000, &planned);
    g_assert_cmpstr(audio_reason_to_string(r.reason), ==, "silence");
    g_assert_cmpint(r.end_usec - planned, <, 1500000);
    g_assert_cmpint(r.played_usec, >=, 500000); /* level runs a little ahead of the sink */
    g_assert_cmpint(r.played_usec, <, 1500000);
    env_free(&e);

    /* Detection can be switched off. */
    struct audio_config cfg = at_config(out);
    cfg.silence_usec = -1;
    e = env_new(cfg);
    r = air(&e, 4, silent, NULL, 6500000, NULL);
    g_assert_cmpint(r.outcome, ==, AUDIO_OUTCOME_COMPLETED);
    env_free(&e);
    g_free(silent);
    g_free(quiet);
    g_free(pause);
    g_free(out);
}

static void test_timeout(void)
{
    /* The library says 0.5 s, the file plays 3 s in real time: cut at 0.5 + grace. */
    struct audio_config cfg = at_config("fakesink");
    cfg.grace_usec = G_USEC_PER_SEC;
    struct env e = env_new(cfg);
    char *longer = tone_file("longer.wav", 3.0, 0.3);
    int64_t planned;
    struct audio_result r = air(&e, 1, longer, NULL, 500000, &planned);
    g_assert_cmpint(r.outcome, ==, AUDIO_OUTCOME_FAILED);
    g_assert_cmpstr(audio_reason_to_string(r.reason), ==, "timeout");
    g_assert_true(r.started);
    /* The deadline fires 50 ms before duration + grace; a loaded CI machine may wake the
     * loop a little late, hence the slack above the bound. */
    g_assert_cmpint(r.end_usec - planned, <=, 1600000);
    g_assert_cmpint(r.end_usec - planned, >=, 1400000);
    g_assert_cmpint(llabs(r.played_usec - (r.end_usec - r.start_usec)), <=, 60000);
    env_free(&e);
    g_free(longer);
}

static void test_device_absent(void)
{
    GstElementFactory *f = gst_element_factory_find("alsasink");
    if (!f) {
        g_test_skip("alsasink (gstreamer1.0-alsa) not installed");
        return;
    }
    gst_object_unref(f);
    struct audio_config cfg = at_config("alsa:hw:97,0");
    cfg.grace_usec = G_USEC_PER_SEC;
    struct env e = env_new(cfg);
    g_assert_cmpstr(audio_player_output(e.p), ==, "alsa:hw:97,0");
    char *tone = tone_file("tone.wav", 0.5, 0.3);
    int64_t planned;
    int64_t t0 = g_get_monotonic_time();
    struct audio_result r = air(&e, 1, tone, NULL, 500000, &planned);
    g_assert_cmpint(r.outcome, ==, AUDIO_OUTCOME_FAILED);
    g_assert_cmpstr(audio_reason_to_string(r.reason), ==, "device-absent");
    g_assert_false(r.started);
    /* Retried until the deadline, not given up at the first refusal. */
    g_assert_cmpint(g_get_monotonic_time() - t0, >=, 1000000);
    g_assert_cmpint(r.end_usec - planned, <=, 1500000);
    env_free(&e);
    g_free(tone);
}

static gboolean make_dir_later(gpointer data)
{
    g_assert_cmpint(g_mkdir(data, 0755), ==, 0);
    return G_SOURCE_REMOVE;
}

static void test_device_appears(void)
{
    /* The output is absent at first (its folder is missing), then appears: the back-off
     * retries find it and the airing completes, late but inside its window. */
    char *later = g_build_filename(dir, "later", NULL);
    char *out = g_strdup_printf("file:%s/out.wav", later);
    struct env e = env_new(at_config(out));
    char *tone = tone_file("appears.wav", 0.5, 0.3);
    struct audio_item it = {
        .cookie = 1, .kind = AUDIO_ITEM_FILE, .location = tone, .duration_usec = 500000};
    int64_t planned = g_get_real_time() + 50000;
    g_assert_cmpint(audio_player_prepare(e.p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(e.p, 1, planned), ==, 0);
    GSource *s = g_timeout_source_new(700);
    g_source_set_callback(s, make_dir_later, later, NULL);
    g_source_attach(s, e.ctx);
    g_source_unref(s);
    const struct audio_result *r = at_wait_finished(e.ctx, e.rec, 1, 10 * G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_test_message("%s (%s), started %+.0f ms late: %s", audio_outcome_to_string(r->outcome),
                   audio_reason_to_string(r->reason), (r->start_usec - planned) / 1e3, r->detail);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(r->start_usec - planned, >=, 600000);
    g_assert_cmpint(r->end_usec - planned, <=, 500000 + 5 * G_USEC_PER_SEC);
    char *path = g_build_filename(later, "out.wav", NULL);
    struct at_wav w;
    g_assert_true(at_wav_read(path, &w));
    g_assert_cmpfloat(fabs(at_wav_seconds(&w) - 0.5), <=, 0.02);
    at_wav_free(&w);
    g_free(path);
    env_free(&e);
    g_free(tone);
    g_free(out);
    g_free(later);
}

static void test_auto(void)
{
    struct env e = env_new(at_config("auto"));
    const char *out = audio_player_output(e.p);
    g_test_message("auto -> %s (%s)", out, audio_player_output_note(e.p));
    char *cards = NULL;
    bool have_cards = g_file_get_contents("/proc/asound/cards", &cards, NULL, NULL) &&
                      !strstr(cards, "no soundcards");
    g_free(cards);
    if (!have_cards) {
        g_assert_cmpstr(out, ==, "null");
        g_assert_nonnull(audio_player_output_note(e.p));
        g_assert_nonnull(strstr(audio_player_output_note(e.p), "no ALSA sound card"));
    } else {
        g_assert_true(g_str_has_prefix(out, "alsa:") || strcmp(out, "null") == 0);
    }
    env_free(&e);
}

static int64_t real_now(void *userdata)
{
    (void)userdata;
    return g_get_real_time();
}

static void test_bad_config(void)
{
    struct audio_player *p = NULL;
    struct loa_diag d = {0};
    struct audio_config cfg = at_config("pulse");
    g_assert_cmpint(audio_player_new(&cfg, NULL, NULL, &p, &d), ==, -EINVAL);
    g_assert_nonnull(strstr(d.msg, "unknown output 'pulse'"));
    cfg = at_config("alsa:");
    g_assert_cmpint(audio_player_new(&cfg, NULL, NULL, &p, &d), ==, -EINVAL);
    cfg = at_config("file:");
    g_assert_cmpint(audio_player_new(&cfg, NULL, NULL, &p, &d), ==, -EINVAL);
    cfg = at_config("null");
    cfg.volume = 1.5;
    g_assert_cmpint(audio_player_new(&cfg, NULL, NULL, &p, &d), ==, -EINVAL);
    g_assert_nonnull(strstr(d.msg, "volume"));
    cfg = at_config("fakesink");
    cfg.now_usec = real_now;
    g_assert_cmpint(audio_player_new(&cfg, NULL, NULL, &p, &d), ==, -EINVAL);
    g_assert_nonnull(strstr(d.msg, "virtual clock"));
    g_assert_null(p);
    g_assert_null(audio_player_free(NULL));
}

static void test_api_edges(void)
{
    char *out = g_strdup_printf("file:%s/api-%%n.wav", dir);
    struct env e = env_new(at_config(out));
    char *tone = tone_file("api.wav", 0.3, 0.3);
    struct audio_item it = {.cookie = 1, .kind = AUDIO_ITEM_FILE, .location = tone};
    g_assert_cmpint(audio_player_prepare(e.p, NULL), ==, -EINVAL);
    struct audio_item bad = it;
    bad.location = NULL;
    g_assert_cmpint(audio_player_prepare(e.p, &bad), ==, -EINVAL);
    bad = it;
    bad.kind = AUDIO_ITEM_RELAY;
    bad.location = "http://127.0.0.1:9/x";
    g_assert_cmpint(audio_player_prepare(e.p, &bad), ==, -EINVAL); /* no duration */
    bad.duration_usec = 1000000;
    bad.location = "ftp://example.org/x.mp3";
    g_assert_cmpint(audio_player_prepare(e.p, &bad), ==, -EINVAL);
    bad = it;
    bad.sha256 = "abc";
    g_assert_cmpint(audio_player_prepare(e.p, &bad), ==, -EINVAL);

    g_assert_cmpint(audio_player_prepare(e.p, &it), ==, 0);
    g_assert_cmpint(audio_player_prepare(e.p, &it), ==, -EEXIST);
    struct audio_item it2 = it;
    it2.cookie = 2;
    g_assert_cmpint(audio_player_prepare(e.p, &it2), ==, 0);
    g_assert_cmpuint(audio_player_live(e.p), ==, 2);
    g_assert_cmpint(audio_player_start_at(e.p, 99, 0), ==, -ENOENT);
    int64_t planned = g_get_real_time() + 200000;
    g_assert_cmpint(audio_player_start_at(e.p, 1, planned), ==, 0);
    g_assert_cmpint(audio_player_start_at(e.p, 1, planned), ==, -EALREADY);
    g_assert_cmpint(audio_player_start_at(e.p, 2, planned), ==, -EBUSY);
    g_assert_cmpint(audio_player_stop(e.p, 2, AUDIO_REASON_TIMEOUT), ==, -EINVAL);
    g_assert_cmpint(audio_player_stop(e.p, 99, AUDIO_REASON_SHUTDOWN), ==, -ENOENT);

    /* Stopping the prepared one: interrupted, never started. */
    g_assert_cmpint(audio_player_stop(e.p, 2, AUDIO_REASON_SHUTDOWN), ==, 0);
    g_assert_cmpint(audio_player_stop(e.p, 2, AUDIO_REASON_SHUTDOWN), ==, 0); /* pending */
    const struct audio_result *r = at_wait_finished(e.ctx, e.rec, 2, G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_INTERRUPTED);
    g_assert_cmpstr(audio_reason_to_string(r->reason), ==, "shutdown");
    g_assert_false(r->started);
    g_assert_cmpint(r->played_usec, ==, 0);
    r = at_wait_finished(e.ctx, e.rec, 1, 5 * G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(r->start_usec, >=, planned);
    g_assert_cmpuint(audio_player_live(e.p), ==, 0);
    g_assert_cmpuint(e.rec->n_started, ==, 1);
    env_free(&e);
    g_free(tone);
    g_free(out);
}

static void test_file_checks(void)
{
    char *out = g_strdup_printf("file:%s/chk-%%n.wav", dir);
    struct env e = env_new(at_config(out));
    char *tone = tone_file("checked.wav", 0.3, 0.3);
    char *sha = at_sha256_file(tone);
    char *upper = g_ascii_strup(sha, -1);
    struct audio_result r = air(&e, 1, tone, upper, 300000, NULL);
    g_assert_cmpint(r.outcome, ==, AUDIO_OUTCOME_COMPLETED);

    char wrong[65];
    memcpy(wrong, sha, 65);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    r = air(&e, 2, tone, wrong, 300000, NULL);
    g_assert_cmpstr(audio_reason_to_string(r.reason), ==, "hash-mismatch");

    char *gone = g_build_filename(dir, "gone.wav", NULL);
    r = air(&e, 3, gone, sha, 300000, NULL);
    g_assert_cmpstr(audio_reason_to_string(r.reason), ==, "missing-file");
    g_assert_nonnull(strstr(r.detail, "No such file"));

    char *text = g_build_filename(dir, "notes.mp3", NULL);
    g_assert_true(g_file_set_contents(text, "Thông báo: this is not audio at all.\n", -1, NULL));
    r = air(&e, 4, text, NULL, 300000, NULL);
    g_assert_cmpint(r.outcome, ==, AUDIO_OUTCOME_FAILED);
    g_assert_cmpstr(audio_reason_to_string(r.reason), ==, "undecodable");

    /* A FIFO in the library must not hang anything. */
    char *fifo = g_build_filename(dir, "fifo.wav", NULL);
    g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
    r = air(&e, 5, fifo, NULL, 300000, NULL);
    g_assert_cmpstr(audio_reason_to_string(r.reason), ==, "missing-file");
    g_assert_nonnull(strstr(r.detail, "not a regular file"));
    env_free(&e);
    g_free(fifo);
    g_free(text);
    g_free(gone);
    g_free(upper);
    g_free(sha);
    g_free(tone);
    g_free(out);
}

static void test_stop_playing(void)
{
    struct env e = env_new(at_config("fakesink"));
    char *tone = tone_file("stop.wav", 3.0, 0.3);
    struct audio_item it = {
        .cookie = 1, .kind = AUDIO_ITEM_FILE, .location = tone, .duration_usec = 3000000};
    int64_t planned = g_get_real_time() + 100000;
    g_assert_cmpint(audio_player_prepare(e.p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(e.p, 1, planned), ==, 0);
    at_iterate_for(e.ctx, 600000);
    g_assert_cmpint(at_started(e.rec, 1), >=, planned);
    /* Pre-emption: cut it, and the emergency starts on time right after. */
    g_assert_cmpint(audio_player_stop(e.p, 1, AUDIO_REASON_EMERGENCY), ==, 0);
    struct audio_item em = {
        .cookie = 2, .kind = AUDIO_ITEM_FILE, .location = tone, .duration_usec = 3000000};
    g_assert_cmpint(audio_player_prepare(e.p, &em), ==, 0);
    int64_t planned2 = g_get_real_time() + 100000;
    g_assert_cmpint(audio_player_start_at(e.p, 2, planned2), ==, 0);
    const struct audio_result *r = at_wait_finished(e.ctx, e.rec, 1, G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_INTERRUPTED);
    g_assert_cmpstr(audio_reason_to_string(r->reason), ==, "emergency");
    g_assert_true(r->started);
    g_assert_cmpint(llabs(r->played_usec - (r->end_usec - r->start_usec)), <=, 50000);
    g_assert_cmpint(r->played_usec, >=, 400000);
    g_assert_cmpint(r->played_usec, <=, 1000000);
    at_iterate_for(e.ctx, 300000);
    int64_t s2 = at_started(e.rec, 2);
    g_assert_cmpint(s2, >=, planned2);
    g_assert_cmpint(s2 - planned2, <=, 100000); /* loose: one sample on a busy CI machine */
    g_assert_cmpint(audio_player_stop(e.p, 2, AUDIO_REASON_SHUTDOWN), ==, 0);
    r = at_wait_finished(e.ctx, e.rec, 2, G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_assert_cmpstr(audio_reason_to_string(r->reason), ==, "shutdown");
    env_free(&e);
    g_free(tone);
}

struct freeing {
    struct audio_player *p;
    int calls;
};

static void free_in_finished(void *userdata, const struct audio_result *r)
{
    (void)r;
    struct freeing *f = userdata;
    f->calls++;
    f->p = audio_player_free(f->p);
}

static void test_free_from_callback(void)
{
    GMainContext *ctx = g_main_context_new();
    struct freeing f = {0};
    struct audio_callbacks cb = {.finished = free_in_finished, .userdata = &f};
    char *out = g_strdup_printf("file:%s/free-%%n.wav", dir);
    struct audio_config cfg = at_config(out);
    g_assert_cmpint(audio_player_new(&cfg, &cb, ctx, &f.p, NULL), ==, 0);
    char *gone = g_build_filename(dir, "nothing-here.wav", NULL);
    char *tone = tone_file("free.wav", 0.2, 0.3);
    struct audio_item a = {.cookie = 1, .kind = AUDIO_ITEM_FILE, .location = gone};
    struct audio_item b = {.cookie = 2, .kind = AUDIO_ITEM_FILE, .location = tone};
    g_assert_cmpint(audio_player_prepare(f.p, &a), ==, 0); /* fails at once */
    g_assert_cmpint(audio_player_prepare(f.p, &b), ==, 0); /* still pre-rolling */
    at_iterate_for(ctx, 300000);
    g_assert_null(f.p);
    g_assert_cmpint(f.calls, ==, 1); /* nothing after the free */
    g_free(gone);
    g_free(tone);
    g_free(out);
    g_main_context_unref(ctx);
}

static void test_names(void)
{
    static const char *const all[] = {
        "emergency",   "shutdown",       "crash",       "missing-file",  "hash-mismatch",
        "undecodable", "missing-plugin", "device-busy", "device-absent", "stream-unreachable",
        "stall",       "silence",        "timeout"};
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        enum audio_reason r;
        g_assert_cmpint(audio_reason_from_string(all[i], &r), ==, 0);
        g_assert_cmpstr(audio_reason_to_string(r), ==, all[i]);
    }
    enum audio_reason r;
    g_assert_cmpint(audio_reason_from_string("bored", &r), ==, -EINVAL);
    g_assert_cmpstr(audio_reason_to_string(AUDIO_REASON_NONE), ==, "");
    g_assert_cmpstr(audio_outcome_to_string(AUDIO_OUTCOME_COMPLETED), ==, "completed");
    g_assert_cmpstr(audio_outcome_to_string(AUDIO_OUTCOME_INTERRUPTED), ==, "interrupted");
    g_assert_cmpstr(audio_outcome_to_string(AUDIO_OUTCOME_FAILED), ==, "failed");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gst_init(&argc, &argv);
    dir = at_tmpdir();
    g_test_add_func("/audio/failures/names", test_names);
    g_test_add_func("/audio/failures/silence", test_silence);
    g_test_add_func("/audio/failures/timeout", test_timeout);
    g_test_add_func("/audio/failures/device-absent", test_device_absent);
    g_test_add_func("/audio/failures/device-appears", test_device_appears);
    g_test_add_func("/audio/failures/auto", test_auto);
    g_test_add_func("/audio/failures/bad-config", test_bad_config);
    g_test_add_func("/audio/failures/api-edges", test_api_edges);
    g_test_add_func("/audio/failures/file-checks", test_file_checks);
    g_test_add_func("/audio/failures/stop-playing", test_stop_playing);
    g_test_add_func("/audio/failures/free-from-callback", test_free_from_callback);
    int r = g_test_run();
    at_rm_rf(dir);
    g_free(dir);
    return r;
}
