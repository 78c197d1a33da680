/* The null output, shipped: honest timing without sound. On a virtual clock (the daemon's
 * `--clock virtual`) nothing happens until dispatch, and every instant is exact; on the real
 * clock it keeps real time; the file is still opened and hash-checked; an unknown duration
 * is learnt by probing the file. */
#include <gst/gst.h>
#include <stdlib.h>
#include <string.h>

#include "audio_test_util.h"

static char *dir;

struct vclock {
    int64_t now;
};

static int64_t vnow(void *userdata)
{
    return ((struct vclock *)userdata)->now;
}

static void test_virtual_clock(void)
{
    struct vclock clk = {.now = INT64_C(1604188800000000)}; /* 2020-11-01 00:00 UTC */
    const int64_t t0 = clk.now;
    struct at_rec *rec = g_new0(struct at_rec, 1);
    struct audio_callbacks cb = at_callbacks(rec);
    struct audio_config cfg = at_config("null");
    cfg.now_usec = vnow;
    cfg.now_userdata = &clk;
    struct audio_player *p = NULL;
    g_assert_cmpint(audio_player_new(&cfg, &cb, NULL, &p, NULL), ==, 0);
    g_assert_cmpstr(audio_player_output(p), ==, "null");
    g_assert_null(audio_player_output_note(p));
    g_assert_cmpint(audio_player_next_wakeup_usec(p), ==, INT64_MAX);

    char *path = g_build_filename(dir, "virtual.wav", NULL);
    g_assert_true(at_make_media(path, AT_WAV, 0.2, 440, 0.5, 8000, 1));
    char *sha = at_sha256_file(path);
    /* Durations come from the library: a 10-minute item plays 10 minutes of virtual time. */
    struct audio_item it = {.cookie = 1,
                            .kind = AUDIO_ITEM_FILE,
                            .location = path,
                            .sha256 = sha,
                            .duration_usec = 600 * G_USEC_PER_SEC};
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(p, 1, t0 + 5 * G_USEC_PER_SEC), ==, 0);
    g_assert_cmpint(audio_player_next_wakeup_usec(p), ==, t0 + 5 * G_USEC_PER_SEC);
    audio_player_dispatch(p);
    g_assert_cmpuint(rec->n_started, ==, 0);

    clk.now = t0 + 5 * G_USEC_PER_SEC;
    audio_player_dispatch(p); /* callbacks delivered synchronously */
    g_assert_cmpuint(rec->n_started, ==, 1);
    g_assert_cmpint(at_started(rec, 1), ==, t0 + 5 * G_USEC_PER_SEC);
    g_assert_cmpint(audio_player_next_wakeup_usec(p), ==, t0 + 605 * G_USEC_PER_SEC);

    clk.now = t0 + 900 * G_USEC_PER_SEC; /* the daemon overshot: the end is still exact */
    audio_player_dispatch(p);
    const struct audio_result *r = at_result(rec, 1);
    g_assert_nonnull(r);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(r->start_usec, ==, t0 + 5 * G_USEC_PER_SEC);
    g_assert_cmpint(r->end_usec, ==, t0 + 605 * G_USEC_PER_SEC);
    g_assert_cmpint(r->played_usec, ==, 600 * G_USEC_PER_SEC);
    g_assert_cmpuint(audio_player_live(p), ==, 0);

    /* Started late (planned in the past): starts now, keeps its full duration. */
    it.cookie = 2;
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(p, 2, t0), ==, 0);
    audio_player_dispatch(p);
    g_assert_cmpint(at_started(rec, 2), ==, clk.now);
    /* Pre-empted 3 s in. */
    clk.now += 3 * G_USEC_PER_SEC;
    audio_player_dispatch(p);
    g_assert_cmpint(audio_player_stop(p, 2, AUDIO_REASON_EMERGENCY), ==, 0);
    g_assert_null(at_result(rec, 2)); /* not from inside the call */
    g_assert_cmpint(audio_player_next_wakeup_usec(p), ==, clk.now);
    audio_player_dispatch(p);
    r = at_result(rec, 2);
    g_assert_nonnull(r);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_INTERRUPTED);
    g_assert_cmpstr(audio_reason_to_string(r->reason), ==, "emergency");
    g_assert_cmpint(r->played_usec, ==, 3 * G_USEC_PER_SEC);
    g_assert_cmpint(r->end_usec, ==, clk.now);

    /* The file is still checked: a changed file fails even with no sound. */
    g_assert_true(g_file_set_contents(path, "changed", -1, NULL));
    it.cookie = 3;
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(p, 3, clk.now), ==, 0);
    audio_player_dispatch(p);
    r = at_result(rec, 3);
    g_assert_nonnull(r);
    g_assert_cmpstr(audio_reason_to_string(r->reason), ==, "hash-mismatch");
    it.cookie = 4;
    it.location = "/nonexistent/loa/x.mp3";
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    audio_player_dispatch(p);
    r = at_result(rec, 4);
    g_assert_nonnull(r);
    g_assert_cmpstr(audio_reason_to_string(r->reason), ==, "missing-file");

    /* Relays "play" for their length too. */
    struct audio_item relay = {.cookie = 5,
                               .kind = AUDIO_ITEM_RELAY,
                               .location = "http://radio.example/vov1",
                               .duration_usec = 900 * G_USEC_PER_SEC};
    g_assert_cmpint(audio_player_prepare(p, &relay), ==, 0);
    g_assert_cmpint(audio_player_start_at(p, 5, clk.now), ==, 0);
    int64_t s5 = clk.now;
    audio_player_dispatch(p);
    clk.now = audio_player_next_wakeup_usec(p);
    g_assert_cmpint(clk.now, ==, s5 + 900 * G_USEC_PER_SEC);
    audio_player_dispatch(p);
    r = at_result(rec, 5);
    g_assert_nonnull(r);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(r->played_usec, ==, 900 * G_USEC_PER_SEC);

    audio_player_free(p);
    g_free(sha);
    g_free(path);
    g_free(rec);
}

static void test_real_clock(void)
{
    GMainContext *ctx = g_main_context_new();
    struct at_rec *rec = g_new0(struct at_rec, 1);
    struct audio_callbacks cb = at_callbacks(rec);
    struct audio_config cfg = at_config("null");
    struct audio_player *p = NULL;
    g_assert_cmpint(audio_player_new(&cfg, &cb, ctx, &p, NULL), ==, 0);
    char *path = g_build_filename(dir, "real.wav", NULL);
    g_assert_true(at_make_media(path, AT_WAV, 0.4, 440, 0.5, 8000, 1));

    struct audio_item it = {
        .cookie = 1, .kind = AUDIO_ITEM_FILE, .location = path, .duration_usec = 300000};
    int64_t planned = g_get_real_time() + 100000;
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(p, 1, planned), ==, 0);
    const struct audio_result *r = at_wait_finished(ctx, rec, 1, 2 * G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(r->start_usec, ==, planned);
    g_assert_cmpint(r->end_usec, ==, planned + 300000);
    /* It took real time: the finished callback came after the end. */
    g_assert_cmpint(g_get_real_time(), >=, planned + 300000);

    /* Duration unknown: probed from the file (0.4 s). */
    it.cookie = 2;
    it.duration_usec = 0;
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(p, 2, g_get_real_time()), ==, 0);
    r = at_wait_finished(ctx, rec, 2, 2 * G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(r->played_usec, ==, 400000);

    /* ... and a file that does not decode is undecodable, sound or not. */
    char *junk = g_build_filename(dir, "junk.ogg", NULL);
    g_assert_true(g_file_set_contents(junk, "not audio", -1, NULL));
    it.cookie = 3;
    it.location = junk;
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    r = at_wait_finished(ctx, rec, 3, 5 * G_USEC_PER_SEC);
    g_assert_nonnull(r);
    g_assert_cmpstr(audio_reason_to_string(r->reason), ==, "undecodable");

    audio_player_free(p);
    g_free(junk);
    g_free(path);
    g_free(rec);
    g_main_context_unref(ctx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gst_init(&argc, &argv);
    dir = at_tmpdir();
    g_test_add_func("/audio/null/virtual-clock", test_virtual_clock);
    g_test_add_func("/audio/null/real-clock", test_real_clock);
    int r = g_test_run();
    at_rm_rf(dir);
    g_free(dir);
    return r;
}
