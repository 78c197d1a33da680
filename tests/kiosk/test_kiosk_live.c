/* The live kiosk on the null display and on SDL's dummy video driver: redraws only on
 * change, powers the screen down in screen_off hours, and its proof-of-display records
 * equal the pure function's. Time is an argument: the test walks hours in milliseconds. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk.h"
#include "kiosk_proof_test_util.h"
#include "kiosk_test_util.h"

static struct kiosk_notice notices[3];
static const struct kiosk_schedule_line sched[] = {
    {KIOSK_LINE_SESSION, 17 * HOUR, 17 * HOUR + 30 * MINUTE, "Buổi chiều"},
    {KIOSK_LINE_ITEM, 17 * HOUR + 10 * MINUTE, 17 * HOUR + 11 * MINUTE, "Cảnh giác hàng giả"},
};

static struct kiosk *new_kiosk(const char *driver, int w, int h, GArray *records)
{
    struct kiosk_config cfg = {
        .render = {w, h, 0, TEST_FONT, NULL},
        .display = {.driver = driver, .title = "test"},
        .proof = {records ? proof_collect : NULL, records},
    };
    struct kiosk *k = NULL;
    struct loa_diag_list d = {0};
    g_assert_cmpint(kiosk_new(&cfg, &k, &d), ==, 0);
    loa_diag_list_clear(&d);
    notices[0] = test_notice("a", "Đường dây nóng 389", "Gọi ngay 1800 1234.", 15);
    notices[1] = test_notice("b", "Mua hàng an toàn", "Không chuyển tiền trước cho người lạ.", 20);
    notices[2] = test_notice("c", "Buổi sáng", "Chỉ từ 10:15 đến 10:45.", 10);
    notices[2].has_hours = true;
    notices[2].hours_start_usec = 10 * HOUR + 15 * MINUTE;
    notices[2].hours_end_usec = 10 * HOUR + 45 * MINUTE;
    struct kiosk_identity id = {"Phường Văn Quán", NULL, NULL};
    struct kiosk_screen_off so = {true, 22 * HOUR, 5 * HOUR + 30 * MINUTE};
    struct kiosk_next_session next = {true, "Buổi chiều", test_day(), 17 * HOUR};
    g_assert_cmpint(kiosk_set_identity(k, &id), ==, 0);
    g_assert_cmpint(kiosk_set_settings(k, 12, &so), ==, 0);
    g_assert_cmpint(kiosk_set_notices(k, notices, 3), ==, 0);
    g_assert_cmpint(kiosk_set_schedule(k, test_day(), sched, G_N_ELEMENTS(sched)), ==, 0);
    g_assert_cmpint(kiosk_set_next_session(k, &next), ==, 0);
    return k;
}

/* Drive k from `from` to `to` as its main loop would: wake at the instants it asks for.
 * Returns the number of wake-ups. */
static size_t drive(struct kiosk *k, int64_t from, int64_t to)
{
    size_t wakes = 0;
    for (int64_t t = from; t < to; wakes++) {
        int64_t next = 0;
        g_assert_cmpint(kiosk_update(k, t, &next), ==, 0);
        g_assert_cmpint(next, >, t);
        t = next < to ? next : to;
    }
    return wakes;
}

static void test_redraw_only_on_change(void)
{
    struct kiosk *k = new_kiosk("null", 1280, 720, NULL);
    struct kiosk_stats st;
    int64_t next;
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 0), &next), ==, 0);
    kiosk_get_stats(k, &st);
    g_assert_cmpuint(st.redraws, ==, 1);
    /* Nothing changed: no redraw, however often it is asked. */
    for (int i = 1; i < 10; i++)
        g_assert_cmpint(kiosk_update(k, test_at(10, 0, 0) + i * 100000, NULL), ==, 0);
    kiosk_get_stats(k, &st);
    g_assert_cmpuint(st.redraws, ==, 1);
    /* The next wake-up is the end of the slot on screen (47 s cycles from midnight:
     * 10:00:00 is 45 s into one, in b's 20 s). */
    g_assert_cmpint(kiosk_last_view(k)->slot.notice, ==, 1);
    g_assert_cmpint(next, ==, test_at(10, 0, 2));

    /* An hour: a redraw per slot and per minute at most, and a wake-up only for those
     * (and the hour and the valid set's changes). */
    size_t wakes = drive(k, test_at(10, 0, 0), test_at(11, 0, 0));
    kiosk_get_stats(k, &st);
    g_assert_cmpuint(wakes, <, 3600 / 10 + 60 + 10);
    g_assert_cmpuint(st.redraws, <=, wakes + 1);
    g_assert_cmpuint(st.redraws, >, 3600 / 20);

    /* New content draws at once; the same content again does not. */
    uint64_t before = st.redraws;
    struct kiosk_airing a = {true, "Tin khẩn", NULL, true, test_at(11, 0, 0)};
    g_assert_cmpint(kiosk_set_airing(k, &a), ==, 0);
    g_assert_cmpint(kiosk_update(k, test_at(11, 0, 0), NULL), ==, 0);
    kiosk_get_stats(k, &st);
    g_assert_cmpuint(st.redraws, ==, before + 1);
    g_assert_cmpint(kiosk_last_view(k)->screen, ==, KIOSK_SCREEN_EMERGENCY);
    g_assert_cmpint(kiosk_update(k, test_at(11, 0, 1), NULL), ==, 0);
    kiosk_get_stats(k, &st);
    g_assert_cmpuint(st.redraws, ==, before + 1);
    kiosk_shutdown(k, test_at(11, 0, 2));
    kiosk_free(k);
}

static void test_screen_off(void)
{
    struct kiosk *k = new_kiosk("null", 800, 480, NULL);
    int64_t next;
    g_assert_cmpint(kiosk_update(k, test_at(21, 59, 50), &next), ==, 0);
    g_assert_true(kiosk_last_view(k)->display_on);
    g_assert_cmpint(kiosk_update(k, test_at(22, 0, 0), &next), ==, 0);
    g_assert_false(kiosk_last_view(k)->display_on);
    g_assert_cmpint(kiosk_last_view(k)->screen, ==, KIOSK_SCREEN_OFF);
    /* Asleep until midnight (the rotation restarts; nothing to draw) or 05:30. */
    g_assert_cmpint(next, <=, test_at(5, 30, 0) + 24 * HOUR);
    g_assert_cmpint(next, >=, test_at(23, 0, 0));
    struct kiosk_stats st;
    kiosk_get_stats(k, &st);
    uint64_t r = st.redraws;
    drive(k, test_at(22, 0, 0), test_at(5, 30, 0) + 24 * HOUR);
    kiosk_get_stats(k, &st);
    g_assert_cmpuint(st.redraws, ==, r);
    g_assert_cmpint(kiosk_update(k, test_at(5, 30, 0) + 24 * HOUR, NULL), ==, 0);
    g_assert_true(kiosk_last_view(k)->display_on);
    kiosk_shutdown(k, test_at(5, 31, 0) + 24 * HOUR);
    kiosk_free(k);
}

/* The live kiosk's records are the pure function's, airing override included. */
static void test_proof_matches_pure(void)
{
    GArray *live = proof_records_new(), *pure = proof_records_new();
    struct kiosk *k = new_kiosk("null", 1280, 720, live);
    const int64_t from = test_at(9, 50, 0), to = test_at(11, 10, 0);
    const int64_t a0 = test_at(10, 20, 0), a1 = test_at(10, 25, 30);

    drive(k, from, a0);
    struct kiosk_airing a = {true, "Cảnh giác hàng giả", "Người dân cảnh giác khi mua hàng.", false,
                             a0};
    g_assert_cmpint(kiosk_set_airing(k, &a), ==, 0);
    drive(k, a0, a1);
    g_assert_cmpint(kiosk_set_airing(k, NULL), ==, 0);
    drive(k, a1, to);
    kiosk_shutdown(k, to);

    unsigned pages[3];
    for (int i = 0; i < 3; i++)
        pages[i] = kiosk_renderer_notice_pages(kiosk_get_renderer(k), &notices[i]);
    struct kiosk_rotation rot = {
        .notices = notices,
        .n_notices = 3,
        .notice_pages = pages,
        .schedule_pages = kiosk_renderer_schedule_pages(kiosk_get_renderer(k), kiosk_content(k)),
        .rotate_seconds = 12,
    };
    struct kiosk_override ov = {a0, a1};
    struct kiosk_screen_off so = {true, 22 * HOUR, 5 * HOUR + 30 * MINUTE};
    struct kiosk_proof_sink sink = {proof_collect, pure};
    g_assert_cmpint(kiosk_proof_periods(&rot, &so, &ov, 1, from, to, &sink), ==, 0);

    g_assert_cmpuint(live->len, ==, pure->len);
    g_assert_cmpuint(live->len, >=, 6);
    for (guint i = 0; i < live->len; i++) {
        struct proof_rec *x = &g_array_index(live, struct proof_rec, i);
        struct proof_rec *y = &g_array_index(pure, struct proof_rec, i);
        g_assert_cmpstr(x->id, ==, y->id);
        g_assert_cmpint(x->first, ==, y->first);
        g_assert_cmpint(x->last, ==, y->last);
        g_assert_cmpint(x->shown, ==, y->shown);
        g_assert_cmpuint(x->times, ==, y->times);
        g_assert_cmpint(x->why, ==, y->why);
    }
    kiosk_free(k);
    g_array_unref(live);
    g_array_unref(pure);
}

static void test_sdl_dummy(void)
{
    g_setenv("SDL_VIDEODRIVER", "dummy", TRUE);
    struct kiosk *k = new_kiosk("sdl", 1920, 1080, NULL);
    g_assert_cmpstr(kiosk_display_driver(k), ==, "sdl:dummy");
    int64_t next;
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 0), &next), ==, 0);
    g_assert_cmpint(kiosk_pump(k), ==, KIOSK_PUMP_NOTHING);
    drive(k, test_at(10, 0, 0), test_at(10, 5, 0));
    struct kiosk_stats st;
    kiosk_get_stats(k, &st);
    g_assert_cmpuint(st.redraws, >, 10);
    int w, h, pitch;
    kiosk_renderer_pixels(kiosk_get_renderer(k), &w, &h, &pitch);
    g_assert_cmpint(w, ==, 1920);
    g_assert_cmpint(h, ==, 1080);
    kiosk_shutdown(k, test_at(10, 5, 0));
    kiosk_free(k);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_require_fonts();
    g_test_add_func("/kiosk/live/redraw-only-on-change", test_redraw_only_on_change);
    g_test_add_func("/kiosk/live/screen-off", test_screen_off);
    g_test_add_func("/kiosk/live/proof-matches-pure", test_proof_matches_pure);
    g_test_add_func("/kiosk/live/sdl-dummy", test_sdl_dummy);
    return g_test_run();
}
