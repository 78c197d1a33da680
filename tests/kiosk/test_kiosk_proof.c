/* Proof of display: one record per notice per period; periods close on leaving the
 * rotation, at screen-off, on the hour and at shutdown. */
#include <glib.h>
#include <stdlib.h>

#include "kiosk_proof.h"
#include "kiosk_proof_test_util.h"
#include "kiosk_test_util.h"

/* A (12 s) and the schedule page (12 s): A shows [12, 24) of every 24 s cycle. */
static void test_one_hour(void)
{
    struct kiosk_notice n[1] = {test_notice("a", "A", NULL, 12)};
    struct kiosk_rotation r = {.notices = n, .n_notices = 1, .rotate_seconds = 12};
    GArray *a = proof_records_new();
    struct kiosk_proof_sink sink = {proof_collect, a};
    g_assert_cmpint(
        kiosk_proof_periods(&r, NULL, NULL, 0, test_at(10, 0, 0), test_at(11, 0, 0), &sink), ==, 0);
    /* 11:00 is both the hour and the end: the shutdown closes the period. */
    g_assert_cmpuint(a->len, ==, 1);
    g_assert_cmpstr(PROOF_REC(a, 0)->id, ==, "a");
    g_assert_cmpuint(PROOF_REC(a, 0)->times, ==, 150);
    g_assert_cmpint(PROOF_REC(a, 0)->shown, ==, 150 * 12 * SEC);
    g_assert_cmpint(PROOF_REC(a, 0)->first, ==, test_at(10, 0, 12));
    g_assert_cmpint(PROOF_REC(a, 0)->last, ==, test_at(11, 0, 0));
    g_assert_cmpint(PROOF_REC(a, 0)->why, ==, KIOSK_PROOF_SHUTDOWN);
    g_array_unref(a);
}

static void test_hour_split_and_shutdown(void)
{
    struct kiosk_notice n[1] = {test_notice("a", "A", NULL, 30)};
    struct kiosk_rotation r = {.notices = n, .n_notices = 1, .rotate_seconds = 12};
    GArray *a = proof_records_new();
    struct kiosk_proof_sink sink = {proof_collect, a};
    g_assert_cmpint(
        kiosk_proof_periods(&r, NULL, NULL, 0, test_at(10, 30, 0), test_at(11, 30, 0), &sink), ==,
        0);
    g_assert_cmpuint(a->len, ==, 2);
    g_assert_cmpint(PROOF_REC(a, 0)->why, ==, KIOSK_PROOF_HOUR);
    g_assert_cmpint(PROOF_REC(a, 1)->why, ==, KIOSK_PROOF_SHUTDOWN);
    g_assert_cmpint(PROOF_REC(a, 0)->last, <=, test_at(11, 0, 0));
    g_assert_cmpint(PROOF_REC(a, 1)->first, >=, test_at(11, 0, 0));

    /* 42 s cycles from midnight: 11:00 = 942.857 cycles, so a showing straddles it and
     * counts in both periods; the seconds add up exactly. */
    int64_t total = 0;
    for (int64_t t = test_at(10, 30, 0); t < test_at(11, 30, 0); t += SEC) {
        int64_t in_cycle = ((t - test_at(0, 0, 0)) / SEC) % 42;
        if (in_cycle >= 12)
            total += SEC;
    }
    g_assert_cmpint(PROOF_REC(a, 0)->shown + PROOF_REC(a, 1)->shown, ==, total);
    g_assert_cmpint(PROOF_REC(a, 1)->first, ==, test_at(11, 0, 0)); /* carried over the hour */
    /* Showings: starts of A in the hour and a half, plus the one carried over the hour. */
    uint32_t starts = 0;
    for (int64_t t = test_at(10, 30, 0); t < test_at(11, 30, 0); t += SEC)
        if (((t - test_at(0, 0, 0)) / SEC) % 42 == 12)
            starts++;
    bool at_start = ((test_at(10, 30, 0) - test_at(0, 0, 0)) / SEC) % 42 > 12;
    g_assert_cmpuint(PROOF_REC(a, 0)->times + PROOF_REC(a, 1)->times, ==,
                     starts + 1 + (at_start ? 1 : 0));
    g_array_unref(a);
}

static void test_leaves_rotation(void)
{
    struct kiosk_notice n[2] = {test_notice("a", "A", NULL, 12), test_notice("b", "B", NULL, 12)};
    n[1].has_hours = true;
    n[1].hours_start_usec = 10 * HOUR;
    n[1].hours_end_usec = 10 * HOUR + 15 * MINUTE;
    struct kiosk_rotation r = {.notices = n, .n_notices = 2, .rotate_seconds = 12};
    GArray *a = proof_records_new();
    struct kiosk_proof_sink sink = {proof_collect, a};
    g_assert_cmpint(
        kiosk_proof_periods(&r, NULL, NULL, 0, test_at(9, 55, 0), test_at(10, 30, 0), &sink), ==,
        0);
    bool saw_b = false;
    for (guint i = 0; i < a->len; i++) {
        if (g_strcmp0(PROOF_REC(a, i)->id, "b") != 0)
            continue;
        saw_b = true;
        g_assert_cmpint(PROOF_REC(a, i)->why, ==, KIOSK_PROOF_LEFT_ROTATION);
        g_assert_cmpint(PROOF_REC(a, i)->first, >=, test_at(10, 0, 0));
        g_assert_cmpint(PROOF_REC(a, i)->last, <=, test_at(10, 15, 0));
        /* 15 min in 36 s cycles (schedule, A, B) restarted at 10:00: 25 showings. */
        g_assert_cmpuint(PROOF_REC(a, i)->times, ==, 25);
        g_assert_cmpint(PROOF_REC(a, i)->shown, ==, 25 * 12 * SEC);
    }
    g_assert_true(saw_b);
    g_array_unref(a);
}

static void test_screen_off(void)
{
    struct kiosk_notice n[1] = {test_notice("a", "A", NULL, 12)};
    struct kiosk_rotation r = {.notices = n, .n_notices = 1, .rotate_seconds = 12};
    struct kiosk_screen_off so = {true, 22 * HOUR, 5 * HOUR + 30 * MINUTE};
    GArray *a = proof_records_new();
    struct kiosk_proof_sink sink = {proof_collect, a};
    g_assert_cmpint(
        kiosk_proof_periods(&r, &so, NULL, 0, test_at(21, 50, 0), test_at(22, 10, 0), &sink), ==,
        0);
    g_assert_cmpuint(a->len, ==, 1);
    g_assert_cmpint(PROOF_REC(a, 0)->why, ==, KIOSK_PROOF_SCREEN_OFF);
    g_assert_cmpint(PROOF_REC(a, 0)->last, <=, test_at(22, 0, 0));
    g_assert_cmpuint(PROOF_REC(a, 0)->times, ==, 25); /* 600 s / 24 s */
    g_array_unref(a);
}

/* While an airing's text covers the body the notice is not on screen. */
static void test_override(void)
{
    struct kiosk_notice n[1] = {test_notice("a", "A", NULL, 12)};
    struct kiosk_rotation r = {.notices = n, .n_notices = 1, .rotate_seconds = 12};
    struct kiosk_override ov = {test_at(10, 5, 0), test_at(10, 10, 0)};
    GArray *a = proof_records_new();
    struct kiosk_proof_sink sink = {proof_collect, a};
    g_assert_cmpint(
        kiosk_proof_periods(&r, NULL, &ov, 1, test_at(10, 0, 0), test_at(10, 20, 0), &sink), ==, 0);
    g_assert_cmpuint(a->len, ==, 1);
    g_assert_cmpint(PROOF_REC(a, 0)->shown, ==, (20 - 5) * 60 / 24 * 12 * SEC);
    g_assert_cmpuint(PROOF_REC(a, 0)->times, ==, (20 - 5) * 60 / 24);
    g_array_unref(a);

    /* Covered all along: in rotation, never shown, no record. */
    a = proof_records_new();
    sink.userdata = a;
    ov = (struct kiosk_override){test_at(9, 0, 0), test_at(11, 0, 0)};
    g_assert_cmpint(
        kiosk_proof_periods(&r, NULL, &ov, 1, test_at(10, 0, 0), test_at(10, 20, 0), &sink), ==, 0);
    g_assert_cmpuint(a->len, ==, 0);
    g_array_unref(a);
}

/* The tracker driven by hand: library changes close periods; a time going back is held. */
static void test_tracker(void)
{
    GArray *a = proof_records_new();
    struct kiosk_proof_sink sink = {proof_collect, a};
    struct kiosk_proof_tracker *t = NULL;
    g_assert_cmpint(kiosk_proof_tracker_new(&sink, &t), ==, 0);
    struct kiosk_notice n[2] = {test_notice("a", "A", NULL, 12), test_notice("b", "B", NULL, 12)};
    bool in[2] = {true, true};
    struct kiosk_proof_state st = {n, 2, in, 0, true};
    g_assert_cmpint(kiosk_proof_observe(t, test_at(10, 0, 0), &st), ==, 0);
    st.shown = 1;
    g_assert_cmpint(kiosk_proof_observe(t, test_at(10, 0, 10), &st), ==, 0);
    st.shown = 0;
    g_assert_cmpint(kiosk_proof_observe(t, test_at(10, 0, 20), &st), ==, 0);
    /* Earlier than the last observation: treated as the same instant. */
    g_assert_cmpint(kiosk_proof_observe(t, test_at(10, 0, 15), &st), ==, 0);
    /* The library changes: b is gone (its period closes), a's title changed (new notice). */
    struct kiosk_notice n2[1] = {test_notice("a", "A (sửa)", NULL, 12)};
    bool in2[1] = {true};
    struct kiosk_proof_state st2 = {n2, 1, in2, 0, true};
    g_assert_cmpint(kiosk_proof_observe(t, test_at(10, 0, 30), &st2), ==, 0);
    g_assert_cmpuint(a->len, ==, 2);
    g_assert_cmpstr(PROOF_REC(a, 0)->id, ==, "a");
    g_assert_cmpuint(PROOF_REC(a, 0)->times, ==, 2);
    g_assert_cmpint(PROOF_REC(a, 0)->shown, ==, 20 * SEC);
    g_assert_cmpint(PROOF_REC(a, 0)->first, ==, test_at(10, 0, 0));
    g_assert_cmpint(PROOF_REC(a, 0)->last, ==, test_at(10, 0, 30));
    g_assert_cmpstr(PROOF_REC(a, 1)->id, ==, "b");
    g_assert_cmpint(PROOF_REC(a, 1)->shown, ==, 10 * SEC);
    kiosk_proof_finish(t, test_at(10, 1, 0));
    g_assert_cmpuint(a->len, ==, 3);
    g_assert_cmpint(PROOF_REC(a, 2)->why, ==, KIOSK_PROOF_SHUTDOWN);
    g_assert_cmpint(PROOF_REC(a, 2)->shown, ==, 30 * SEC);
    kiosk_proof_tracker_free(t);
    g_assert_cmpstr(kiosk_proof_close_name(KIOSK_PROOF_HOUR), ==, "hour");
    g_array_unref(a);
}

/* A day of records: shown time per hour never exceeds the hour; every record is inside
 * one hour; nothing shows in screen_off hours. */
static void test_day_invariants(void)
{
    struct kiosk_notice n[3] = {test_notice("a", "A", NULL, 15), test_notice("b", "B", NULL, 20),
                                test_notice("c", "C", NULL, 10)};
    n[2].has_hours = true;
    n[2].hours_start_usec = 6 * HOUR;
    n[2].hours_end_usec = 21 * HOUR;
    unsigned pages[3] = {1, 2, 1};
    struct kiosk_rotation r = {.notices = n,
                               .n_notices = 3,
                               .notice_pages = pages,
                               .schedule_pages = 1,
                               .rotate_seconds = 12};
    struct kiosk_screen_off so = {true, 22 * HOUR, 5 * HOUR + 30 * MINUTE};
    GArray *a = proof_records_new();
    struct kiosk_proof_sink sink = {proof_collect, a};
    g_assert_cmpint(kiosk_proof_periods(&r, &so, NULL, 0, test_at(0, 0, 0),
                                        test_at(0, 0, 0) + 24 * HOUR, &sink),
                    ==, 0);
    int64_t shown_total = 0;
    for (guint i = 0; i < a->len; i++) {
        struct proof_rec *x = PROOF_REC(a, i);
        g_assert_cmpint(x->first / HOUR, ==, (x->last - 1) / HOUR);
        g_assert_cmpint(x->shown, <=, x->last - x->first);
        g_assert_false(kiosk_screen_off_at(&so, x->first));
        shown_total += x->shown;
    }
    /* 16.5 h of screen time, about 3/4 of it notices (the schedule page is the rest). */
    g_assert_cmpint(shown_total, >, 10 * HOUR);
    g_assert_cmpint(shown_total, <, 16 * HOUR + 30 * MINUTE);
    g_array_unref(a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kiosk/proof/one-hour", test_one_hour);
    g_test_add_func("/kiosk/proof/hour-split-and-shutdown", test_hour_split_and_shutdown);
    g_test_add_func("/kiosk/proof/leaves-rotation", test_leaves_rotation);
    g_test_add_func("/kiosk/proof/screen-off", test_screen_off);
    g_test_add_func("/kiosk/proof/override", test_override);
    g_test_add_func("/kiosk/proof/tracker", test_tracker);
    g_test_add_func("/kiosk/proof/day-invariants", test_day_invariants);
    return g_test_run();
}
