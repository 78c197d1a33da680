/* The rotation as a pure function of time: order, pages, restarts at midnight and when
 * the valid set changes, determinism. */
#include <glib.h>
#include <stdlib.h>

#include "kiosk_rotation.h"
#include "kiosk_test_util.h"

static void test_schedule_only(void)
{
    struct kiosk_rotation r = {.schedule_pages = 2, .rotate_seconds = 12};
    struct kiosk_slot s;
    kiosk_rotation_at(&r, test_at(10, 0, 0), &s);
    g_assert_cmpint(s.notice, ==, KIOSK_SLOT_SCHEDULE);
    g_assert_cmpuint(s.page, ==, 0);
    g_assert_cmpuint(s.n_pages, ==, 2);
    kiosk_rotation_at(&r, test_at(10, 0, 12), &s);
    g_assert_cmpuint(s.page, ==, 1);
    kiosk_rotation_at(&r, test_at(10, 0, 24), &s);
    g_assert_cmpuint(s.page, ==, 0);
    g_assert_cmpint(s.start_lt_usec, ==, test_at(10, 0, 24));
    g_assert_cmpint(s.end_lt_usec, ==, test_at(10, 0, 36));
    g_assert_cmpint(s.epoch_lt_usec, ==, test_at(0, 0, 0));
}

/* Schedule (12 s), A (15 s), B (10 s x 3 pages): a 57 s cycle from midnight. */
static void test_order_and_pages(void)
{
    struct kiosk_notice n[2] = {test_notice("a", "A", NULL, 15), test_notice("b", "B", NULL, 10)};
    unsigned pages[2] = {1, 3};
    struct kiosk_rotation r = {.notices = n,
                               .n_notices = 2,
                               .notice_pages = pages,
                               .schedule_pages = 1,
                               .rotate_seconds = 12};
    const int64_t base = test_at(0, 0, 0) + 57 * SEC * 100; /* 100 cycles in */
    struct {
        int off, notice;
        unsigned page;
        int start, end;
    } want[] = {
        {0, -1, 0, 0, 12},  {11, -1, 0, 0, 12}, {12, 0, 0, 12, 27},
        {26, 0, 0, 12, 27}, {27, 1, 0, 27, 37}, {37, 1, 1, 37, 47},
        {47, 1, 2, 47, 57}, {56, 1, 2, 47, 57}, {57, -1, 0, 57, 69},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        struct kiosk_slot s;
        kiosk_rotation_at(&r, base + want[i].off * SEC, &s);
        g_assert_cmpint(s.notice, ==, want[i].notice);
        g_assert_cmpuint(s.page, ==, want[i].page);
        g_assert_cmpint(s.start_lt_usec, ==, base + want[i].start * SEC);
        g_assert_cmpint(s.end_lt_usec, ==, base + want[i].end * SEC);
    }
    /* A notice without its own seconds uses rotate_seconds. */
    n[0].seconds = 0;
    g_assert_cmpint(kiosk_rotation_notice_seconds(&r, 0), ==, 12);
}

static void test_restart_at_midnight(void)
{
    struct kiosk_notice n[1] = {test_notice("a", "A", NULL, 17)};
    struct kiosk_rotation r = {.notices = n, .n_notices = 1, .rotate_seconds = 12};
    struct kiosk_slot s;
    /* 86400 is not a multiple of 29: the last slot of the day is cut at midnight. */
    kiosk_rotation_at(&r, test_at(23, 59, 59), &s);
    g_assert_cmpint(s.end_lt_usec, <=, test_at(0, 0, 0) + 86400 * SEC);
    g_assert_cmpint(s.epoch_lt_usec, ==, test_at(0, 0, 0));
    int64_t midnight = test_at(0, 0, 0) + 86400 * SEC;
    kiosk_rotation_at(&r, midnight, &s);
    g_assert_cmpint(s.notice, ==, KIOSK_SLOT_SCHEDULE);
    g_assert_cmpint(s.epoch_lt_usec, ==, midnight);
    g_assert_cmpint(s.start_lt_usec, ==, midnight);
    g_assert_cmpint(kiosk_rotation_next_restart(&r, test_at(12, 0, 0)), ==, midnight);
}

static void test_restart_when_valid_set_changes(void)
{
    struct kiosk_notice n[2] = {test_notice("a", "A", NULL, 15), test_notice("c", "C", NULL, 20)};
    n[1].has_hours = true;
    n[1].hours_start_usec = 8 * HOUR;
    n[1].hours_end_usec = 9 * HOUR;
    struct kiosk_rotation r = {.notices = n, .n_notices = 2, .rotate_seconds = 12};
    struct kiosk_slot s;

    g_assert_cmpint(kiosk_rotation_epoch(&r, test_at(7, 59, 59)), ==, test_at(0, 0, 0));
    g_assert_cmpint(kiosk_rotation_next_restart(&r, test_at(7, 0, 0)), ==, test_at(8, 0, 0));
    kiosk_rotation_at(&r, test_at(7, 59, 59), &s);
    g_assert_cmpint(s.end_lt_usec, <=, test_at(8, 0, 0));

    /* 08:00: C enters; the rotation starts over with the schedule page. */
    kiosk_rotation_at(&r, test_at(8, 0, 0), &s);
    g_assert_cmpint(s.notice, ==, KIOSK_SLOT_SCHEDULE);
    g_assert_cmpint(s.epoch_lt_usec, ==, test_at(8, 0, 0));
    kiosk_rotation_at(&r, test_at(8, 0, 12), &s);
    g_assert_cmpint(s.notice, ==, 0);
    kiosk_rotation_at(&r, test_at(8, 0, 27), &s);
    g_assert_cmpint(s.notice, ==, 1);
    g_assert_cmpint(s.end_lt_usec, ==, test_at(8, 0, 47));
    kiosk_rotation_at(&r, test_at(8, 30, 0), &s);
    g_assert_cmpint(s.epoch_lt_usec, ==, test_at(8, 0, 0));

    /* 09:00: C leaves; again from the start, and C never shows after. */
    g_assert_cmpint(kiosk_rotation_epoch(&r, test_at(9, 0, 0)), ==, test_at(9, 0, 0));
    for (int64_t t = test_at(9, 0, 0); t < test_at(10, 0, 0); t += 7 * SEC) {
        kiosk_rotation_at(&r, t, &s);
        g_assert_cmpint(s.notice, !=, 1);
    }

    /* On a day C is outside its window its hours are no boundary at all. */
    n[1].until_day = test_day() - 1;
    g_assert_cmpint(kiosk_rotation_epoch(&r, test_at(8, 30, 0)), ==, test_at(0, 0, 0));
}

static void test_validity(void)
{
    struct kiosk_notice n = test_notice("w", "W", NULL, 10);
    n.has_hours = true;
    n.hours_start_usec = 22 * HOUR; /* wraps midnight */
    n.hours_end_usec = 2 * HOUR;
    g_assert_true(kiosk_notice_valid_at(&n, test_at(23, 0, 0)));
    g_assert_true(kiosk_notice_valid_at(&n, test_at(1, 59, 59)));
    g_assert_false(kiosk_notice_valid_at(&n, test_at(2, 0, 0)));
    g_assert_false(kiosk_notice_valid_at(&n, test_at(21, 59, 59)));

    n.has_hours = false;
    n.days = 1u << 0; /* Mondays only; test_day() is a Monday */
    g_assert_true(kiosk_notice_valid_at(&n, test_at(12, 0, 0)));
    g_assert_false(kiosk_notice_valid_at(&n, test_at(12, 0, 0) + 24 * HOUR));
    n.days = 0;
    n.from_day = test_day() + 1;
    g_assert_false(kiosk_notice_valid_at(&n, test_at(12, 0, 0)));
    n.from_day = test_day();
    n.until_day = test_day();
    g_assert_true(kiosk_notice_valid_at(&n, test_at(23, 59, 59)));
    g_assert_false(kiosk_notice_valid_at(&n, test_at(0, 0, 0) + 24 * HOUR));

    struct kiosk_screen_off so = {true, 22 * HOUR, 5 * HOUR + 30 * MINUTE};
    g_assert_true(kiosk_screen_off_at(&so, test_at(23, 0, 0)));
    g_assert_true(kiosk_screen_off_at(&so, test_at(5, 29, 59)));
    g_assert_false(kiosk_screen_off_at(&so, test_at(5, 30, 0)));
    so.enabled = false;
    g_assert_false(kiosk_screen_off_at(&so, test_at(23, 0, 0)));
    g_assert_false(kiosk_screen_off_at(NULL, test_at(23, 0, 0)));
}

/* Walking the slots of a whole day from midnight and asking at arbitrary instants agree:
 * slots tile the day with no gap or overlap, and any instant inside a slot gives it. */
static void test_determinism(void)
{
    struct kiosk_notice n[4] = {test_notice("a", "A", NULL, 15), test_notice("b", "B", NULL, 9),
                                test_notice("c", "C", NULL, 0), test_notice("d", "D", NULL, 31)};
    n[1].has_hours = true;
    n[1].hours_start_usec = 6 * HOUR + 7 * MINUTE;
    n[1].hours_end_usec = 13 * HOUR + 1 * SEC;
    n[3].has_hours = true;
    n[3].hours_start_usec = 20 * HOUR;
    n[3].hours_end_usec = 3 * HOUR;
    unsigned pages[4] = {1, 2, 4, 1};
    struct kiosk_rotation r = {.notices = n,
                               .n_notices = 4,
                               .notice_pages = pages,
                               .schedule_pages = 3,
                               .rotate_seconds = 11};
    GRand *rng = g_rand_new_with_seed(42);
    int64_t t = test_at(0, 0, 0), end = t + 24 * HOUR;
    size_t slots = 0;
    struct kiosk_slot prev = {0};
    while (t < end) {
        struct kiosk_slot s;
        kiosk_rotation_at(&r, t, &s);
        g_assert_cmpint(s.start_lt_usec, ==, t);
        g_assert_cmpint(s.end_lt_usec, >, t);
        g_assert_cmpint(s.epoch_lt_usec, <=, s.start_lt_usec);
        if (slots > 0 && s.epoch_lt_usec == prev.epoch_lt_usec) {
            /* Within one epoch the order is schedule pages, then notices in order. */
            bool next_ok = (prev.notice == s.notice && s.page == prev.page + 1) ||
                           (s.page == 0 && (prev.page + 1 == prev.n_pages));
            g_assert_true(next_ok);
        }
        /* Any instant inside gives the same slot. */
        int64_t probe =
            s.start_lt_usec +
            (int64_t)g_rand_int_range(rng, 0, (gint32)((s.end_lt_usec - t) / 1000)) * 1000;
        struct kiosk_slot q;
        kiosk_rotation_at(&r, probe, &q);
        g_assert_cmpint(q.notice, ==, s.notice);
        g_assert_cmpuint(q.page, ==, s.page);
        g_assert_cmpint(q.start_lt_usec, ==, s.start_lt_usec);
        g_assert_cmpint(q.end_lt_usec, ==, s.end_lt_usec);
        if (s.notice >= 0)
            g_assert_true(kiosk_notice_valid_at(&n[s.notice], t));
        prev = s;
        t = s.end_lt_usec;
        slots++;
    }
    g_assert_cmpint(t, ==, end);
    g_assert_cmpuint(slots, >, 1000);
    g_rand_free(rng);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kiosk/rotation/schedule-only", test_schedule_only);
    g_test_add_func("/kiosk/rotation/order-and-pages", test_order_and_pages);
    g_test_add_func("/kiosk/rotation/restart-at-midnight", test_restart_at_midnight);
    g_test_add_func("/kiosk/rotation/restart-when-valid-set-changes",
                    test_restart_when_valid_set_changes);
    g_test_add_func("/kiosk/rotation/validity", test_validity);
    g_test_add_func("/kiosk/rotation/determinism", test_determinism);
    return g_test_run();
}
