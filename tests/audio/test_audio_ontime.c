/* On time, on the real clock, through a sink that syncs (fakesink sync=true): pre-rolled
 * airings render their first sample on the planned instant (measured at render, by the
 * sink's handoff), never early; a late start_at starts at once; an airing prepared while
 * another plays starts right after it. The benchmark (tests/bench/audio) measures the
 * distribution; this test only bounds it loosely enough for a loaded CI machine. */
#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>

#include "audio_test_util.h"

static char *dir;

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static char *tone(const char *name, double seconds)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(at_make_media(path, AT_WAV, seconds, 440, 0.5, 16000, 1));
    return path;
}

static void test_scheduled_starts(void)
{
    GMainContext *ctx = g_main_context_new();
    struct at_rec *rec = g_new0(struct at_rec, 1);
    struct audio_callbacks cb = at_callbacks(rec);
    struct audio_config cfg = at_config("fakesink");
    struct audio_player *p = NULL;
    g_assert_cmpint(audio_player_new(&cfg, &cb, ctx, &p, NULL), ==, 0);
    char *path = tone("short.wav", 0.1);
    enum { N = 15 };
    int64_t err[N];
    for (int i = 0; i < N; i++) {
        uint64_t c = (uint64_t)i + 1;
        struct audio_item it = {
            .cookie = c, .kind = AUDIO_ITEM_FILE, .location = path, .duration_usec = 100000};
        g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
        /* Pre-roll first, as the daemon does ahead of the instant. */
        at_iterate_for(ctx, 60000);
        int64_t planned = g_get_real_time() + 40000;
        g_assert_cmpint(audio_player_start_at(p, c, planned), ==, 0);
        const struct audio_result *r = at_wait_finished(ctx, rec, c, 5 * G_USEC_PER_SEC);
        g_assert_nonnull(r);
        g_assert_cmpint(r->outcome, ==, AUDIO_OUTCOME_COMPLETED);
        g_assert_cmpint(r->start_usec, ==, at_started(rec, c));
        err[i] = r->start_usec - planned;
        /* Never early: the sink waited for the clock. */
        g_assert_cmpint(err[i], >=, 0);
        /* Played what the file holds, ending when it should. */
        g_assert_cmpint(llabs(r->played_usec - 100000), <=, 5000);
        g_assert_cmpint(llabs((r->end_usec - r->start_usec) - 100000), <=, 30000);
    }
    qsort(err, N, sizeof err[0], cmp64);
    g_test_message("start error over %d starts: min %.3f ms, median %.3f ms, max %.3f ms", N,
                   err[0] / 1e3, err[N / 2] / 1e3, err[N - 1] / 1e3);
    g_assert_cmpint(err[N / 2], <=, 10000);
    g_assert_cmpint(err[N - 1], <=, 250000); /* one late wake-up on a busy CI machine */
    audio_player_free(p);
    g_free(path);
    g_free(rec);
    g_main_context_unref(ctx);
}

static void test_late_and_back_to_back(void)
{
    GMainContext *ctx = g_main_context_new();
    struct at_rec *rec = g_new0(struct at_rec, 1);
    struct audio_callbacks cb = at_callbacks(rec);
    struct audio_config cfg = at_config("fakesink");
    struct audio_player *p = NULL;
    g_assert_cmpint(audio_player_new(&cfg, &cb, ctx, &p, NULL), ==, 0);
    char *path = tone("b2b.wav", 0.5);

    /* Asked after its instant: starts at once, late, and says so. */
    struct audio_item a = {
        .cookie = 1, .kind = AUDIO_ITEM_FILE, .location = path, .duration_usec = 500000};
    g_assert_cmpint(audio_player_prepare(p, &a), ==, 0);
    at_iterate_for(ctx, 50000);
    int64_t asked = g_get_real_time();
    g_assert_cmpint(audio_player_start_at(p, 1, asked - G_USEC_PER_SEC), ==, 0);
    /* The next one pre-rolls while this one plays, and starts when it ends + 200 ms. */
    struct audio_item b = {
        .cookie = 2, .kind = AUDIO_ITEM_FILE, .location = path, .duration_usec = 500000};
    g_assert_cmpint(audio_player_prepare(p, &b), ==, 0);
    const struct audio_result *ra = at_wait_finished(ctx, rec, 1, 5 * G_USEC_PER_SEC);
    g_assert_nonnull(ra);
    g_assert_cmpint(ra->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(ra->start_usec, >=, asked);
    g_assert_cmpint(ra->start_usec - asked, <=, 100000);
    int64_t planned = ra->end_usec + 200000;
    g_assert_cmpint(audio_player_start_at(p, 2, planned), ==, 0);
    const struct audio_result *rb = at_wait_finished(ctx, rec, 2, 5 * G_USEC_PER_SEC);
    g_assert_nonnull(rb);
    g_assert_cmpint(rb->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(rb->start_usec, >=, planned);
    g_assert_cmpint(rb->start_usec - planned, <=, 100000); /* loose: one sample, busy CI */

    /* start_at while the hash is still being checked: still on its instant. */
    struct audio_item c = {
        .cookie = 3, .kind = AUDIO_ITEM_FILE, .location = path, .duration_usec = 500000};
    char *sha = at_sha256_file(path);
    c.sha256 = sha;
    g_assert_cmpint(audio_player_prepare(p, &c), ==, 0);
    planned = g_get_real_time() + 150000;
    g_assert_cmpint(audio_player_start_at(p, 3, planned), ==, 0);
    const struct audio_result *rc = at_wait_finished(ctx, rec, 3, 5 * G_USEC_PER_SEC);
    g_assert_nonnull(rc);
    g_assert_cmpint(rc->outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(rc->start_usec, >=, planned);
    g_assert_cmpint(rc->start_usec - planned, <=, 100000);
    g_free(sha);
    audio_player_free(p);
    g_free(path);
    g_free(rec);
    g_main_context_unref(ctx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gst_init(&argc, &argv);
    dir = at_tmpdir();
    g_test_add_func("/audio/ontime/scheduled-starts", test_scheduled_starts);
    g_test_add_func("/audio/ontime/late-and-back-to-back", test_late_and_back_to_back);
    int r = g_test_run();
    at_rm_rf(dir);
    g_free(dir);
    return r;
}
