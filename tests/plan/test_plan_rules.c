/* One test per rule of SPEC.md "The plan" (and the decisions in docs/plan.md). */
#include <errno.h>

#include "plan_fixture.h"

/* 2021-03-01 is a Monday; most tests count from it. */
#define MON "2021-03-01"

static size_t count_in(const struct plan_airing *a, size_t n, uint32_t item, uint32_t session,
                       enum plan_status st)
{
    size_t c = 0;
    for (size_t k = 0; k < n; k++)
        if (a[k].item == item && a[k].session == session && a[k].status == st)
            c++;
    return c;
}

static size_t count_item(const struct plan_airing *a, size_t n, uint32_t item)
{
    size_t c = 0;
    for (size_t k = 0; k < n; k++)
        if (a[k].item == item && a[k].status == PLAN_STATUS_PLANNED)
            c++;
    return c;
}

static void assert_airing(const struct plan_airing *a, uint32_t session, uint32_t item,
                          const char *start, int64_t dur_sec, enum plan_status st)
{
    g_assert_cmpuint(a->session, ==, session);
    g_assert_cmpuint(a->item, ==, item);
    g_assert_cmpint(a->start_usec, ==, fx_time(start));
    g_assert_cmpint(a->duration_usec, ==, fx_sec(dur_sec));
    g_assert_cmpint(a->end_usec, ==, fx_time(start) + fx_sec(dur_sec));
    g_assert_cmpint(a->status, ==, st);
}

static void test_monday_anchor(void)
{
    g_assert_cmpint(civil_weekday(fx_day(MON)), ==, 0);
}

/* Sessions run on their days (ranges may wrap), items on theirs. */
static void test_days(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    uint32_t wk = fx_session(&fx, "wk", "06:00", "07:00", "mon-fri");
    uint32_t wrap = fx_session(&fx, "wrap", "18:00", "19:00", "sat-mon");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-14");
    struct plan_item *x = fx_item(&fx, "x", c, 60);
    struct plan_item *y = fx_item(&fx, "y", c, 60);
    y->days = fx_days("fri-tue");
    y->sessions = 1u << wk;
    uint32_t ix = (uint32_t)fx_index(&fx, x), iy = (uint32_t)fx_index(&fx, y);
    struct plan *p = fx_plan(&fx);
    /*                        Mo Tu We Th Fr Sa Su */
    static const int x_wk[7] = {1, 1, 1, 1, 1, 0, 0};
    static const int x_wr[7] = {1, 0, 0, 0, 0, 1, 1};
    static const int y_wk[7] = {1, 1, 0, 0, 1, 0, 0};
    for (int32_t d = fx_day(MON); d <= fx_day("2021-03-14"); d++) {
        size_t n;
        struct plan_airing *a = fx_get_day(p, d, &n);
        int wd = civil_weekday(d);
        g_assert_cmpuint(count_in(a, n, ix, wk, PLAN_STATUS_PLANNED), ==, x_wk[wd]);
        g_assert_cmpuint(count_in(a, n, ix, wrap, PLAN_STATUS_PLANNED), ==, x_wr[wd]);
        g_assert_cmpuint(count_in(a, n, iy, wk, PLAN_STATUS_PLANNED), ==, y_wk[wd]);
        g_assert_cmpuint(count_in(a, n, iy, wrap, PLAN_STATUS_PLANNED), ==, 0);
        g_assert_cmpuint(n, ==, (size_t)(x_wk[wd] + x_wr[wd] + y_wk[wd]));
        g_free(a);
    }
    plan_free(p);
}

/* Nothing airs on a skip date; the days around it are untouched. */
static void test_skip_dates(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    fx_session(&fx, "s", "06:00", "06:30", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-07");
    fx_item(&fx, "a", c, 60);
    fx_skip(&fx, "2021-03-02");
    fx_skip(&fx, "2021-03-04");
    fx_skip(&fx, "2021-03-06");
    struct plan *p = fx_plan(&fx);
    for (int32_t d = fx_day(MON); d <= fx_day("2021-03-07"); d++) {
        size_t n;
        struct plan_airing *a = fx_get_day(p, d, &n);
        bool skipped =
            d == fx_day("2021-03-02") || d == fx_day("2021-03-04") || d == fx_day("2021-03-06");
        g_assert_cmpuint(n, ==, skipped ? 0 : 1);
        g_free(a);
    }
    plan_free(p);
}

/* Campaign and item windows are inclusive; several campaigns; no lone chime outside them. */
static void test_windows(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    fx_chime(&fx, 5);
    fx_session(&fx, "s", "06:00", "07:00", "mon-sun");
    uint32_t c1 = fx_campaign(&fx, "c1", "2021-03-10", "2021-03-20");
    uint32_t c2 = fx_campaign(&fx, "c2", "2021-03-18", "2021-03-25");
    struct plan_item *a = fx_item(&fx, "a", c1, 60);
    struct plan_item *b = fx_item(&fx, "b", c1, 60);
    b->from_day = fx_day("2021-03-12");
    b->until_day = fx_day("2021-03-15");
    struct plan_item *c = fx_item(&fx, "c", c2, 60);
    uint32_t ia = (uint32_t)fx_index(&fx, a), ib = (uint32_t)fx_index(&fx, b),
             ic = (uint32_t)fx_index(&fx, c);
    struct plan *p = fx_plan(&fx);
    int32_t first, last;
    g_assert_cmpint(plan_span(p, &first, &last), ==, 0);
    g_assert_cmpint(first, ==, fx_day("2021-03-10"));
    g_assert_cmpint(last, ==, fx_day("2021-03-25"));
    for (int32_t d = fx_day("2021-03-05"); d <= fx_day("2021-03-30"); d++) {
        size_t n;
        struct plan_airing *air = fx_get_day(p, d, &n);
        bool in_a = d >= fx_day("2021-03-10") && d <= fx_day("2021-03-20");
        bool in_b = d >= fx_day("2021-03-12") && d <= fx_day("2021-03-15");
        bool in_c = d >= fx_day("2021-03-18") && d <= fx_day("2021-03-25");
        g_assert_cmpuint(count_item(air, n, ia), ==, in_a);
        g_assert_cmpuint(count_item(air, n, ib), ==, in_b);
        g_assert_cmpuint(count_item(air, n, ic), ==, in_c);
        /* The chime comes with content, never alone. */
        size_t expect = (size_t)in_a + in_b + in_c;
        g_assert_cmpuint(n, ==, expect ? expect + 1 : 0);
        g_free(air);
    }
    plan_free(p);
}

/* plays_per_day is dealt round-robin over the item's sessions on D in CONFIG order. */
static void test_round_robin(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    /* Config order differs from time order on purpose. */
    uint32_t chieu = fx_session(&fx, "chieu", "17:00", "18:00", "mon-sun");
    uint32_t sang = fx_session(&fx, "sang", "06:00", "07:00", "mon-sun");
    uint32_t trua = fx_session(&fx, "trua", "11:00", "12:00", "mon-fri");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    struct plan_item *pp = fx_item(&fx, "p5", c, 30);
    pp->plays_per_day = 5;
    struct plan_item *q = fx_item(&fx, "q0", c, 30); /* default: once per session */
    struct plan_item *r = fx_item(&fx, "r1", c, 30);
    r->plays_per_day = 1;
    r->sessions = (1u << sang) | (1u << trua);
    struct plan_item *s = fx_item(&fx, "s2", c, 30);
    s->plays_per_day = 2;
    s->sessions = 1u << trua;
    uint32_t ip = (uint32_t)fx_index(&fx, pp), iq = (uint32_t)fx_index(&fx, q),
             ir = (uint32_t)fx_index(&fx, r), is = (uint32_t)fx_index(&fx, s);
    struct plan *p = fx_plan(&fx);

    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n); /* all three run */
    g_assert_cmpuint(count_in(a, n, ip, chieu, PLAN_STATUS_PLANNED), ==, 2);
    g_assert_cmpuint(count_in(a, n, ip, sang, PLAN_STATUS_PLANNED), ==, 2);
    g_assert_cmpuint(count_in(a, n, ip, trua, PLAN_STATUS_PLANNED), ==, 1);
    g_assert_cmpuint(count_in(a, n, iq, chieu, PLAN_STATUS_PLANNED), ==, 1);
    g_assert_cmpuint(count_in(a, n, iq, sang, PLAN_STATUS_PLANNED), ==, 1);
    g_assert_cmpuint(count_in(a, n, iq, trua, PLAN_STATUS_PLANNED), ==, 1);
    g_assert_cmpuint(count_in(a, n, ir, sang, PLAN_STATUS_PLANNED), ==, 1);
    g_assert_cmpuint(count_in(a, n, ir, trua, PLAN_STATUS_PLANNED), ==, 0);
    g_assert_cmpuint(count_in(a, n, is, trua, PLAN_STATUS_PLANNED), ==, 2);
    g_assert_cmpuint(n, ==, 5 + 3 + 1 + 2);
    g_free(a);

    a = fx_get_day(p, fx_day("2021-03-06"), &n); /* Saturday: no trua, so n = 2 */
    g_assert_cmpuint(count_in(a, n, ip, chieu, PLAN_STATUS_PLANNED), ==, 3);
    g_assert_cmpuint(count_in(a, n, ip, sang, PLAN_STATUS_PLANNED), ==, 2);
    g_assert_cmpuint(count_in(a, n, iq, chieu, PLAN_STATUS_PLANNED), ==, 1);
    g_assert_cmpuint(count_in(a, n, iq, sang, PLAN_STATUS_PLANNED), ==, 1);
    g_assert_cmpuint(count_in(a, n, ir, sang, PLAN_STATUS_PLANNED), ==, 1);
    g_assert_cmpuint(count_item(a, n, is), ==, 0);
    g_assert_cmpuint(n, ==, 5 + 2 + 1);
    g_free(a);
    plan_free(p);
}

/* `at` airs in the allowed session containing it that runs on D; relays are fixed items. */
static void test_at_placement(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    uint32_t sa = fx_session(&fx, "a", "06:00", "07:00", "mon-fri");
    uint32_t sb = fx_session(&fx, "b", "06:00", "07:00", "sat-sun");
    uint32_t sc = fx_session(&fx, "c", "17:00", "18:00", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    struct plan_item *f = fx_item(&fx, "f", c, 60);
    f->sessions = (1u << sa) | (1u << sb);
    fx_at(&fx, f, "06:10");
    struct plan_item *g = fx_item(&fx, "g", c, 60);
    g->sessions = (1u << sa) | (1u << sc);
    fx_at(&fx, g, "06:20");
    fx_at(&fx, g, "17:30");
    struct plan_item *r = fx_item(&fx, "vov", c, 15 * 60);
    r->kind = PLAN_KIND_RELAY;
    r->sessions = 1u << sc;
    fx_at(&fx, r, "17:05");
    uint32_t ifx = (uint32_t)fx_index(&fx, f), ig = (uint32_t)fx_index(&fx, g),
             ir = (uint32_t)fx_index(&fx, r);
    struct plan *p = fx_plan(&fx);

    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 4);
    assert_airing(&a[0], sa, ifx, "06:10", 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[1], sa, ig, "06:20", 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[2], sc, ir, "17:05", 15 * 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[3], sc, ig, "17:30", 60, PLAN_STATUS_PLANNED);
    for (size_t k = 0; k < n; k++)
        g_assert_true(a[k].fixed);
    g_assert_cmpint(a[2].kind, ==, PLAN_KIND_RELAY);
    g_assert_cmpint(a[0].kind, ==, PLAN_KIND_ANNOUNCEMENT);
    g_assert_cmpuint(a[1].ordinal, ==, 1);
    g_assert_cmpuint(a[3].ordinal, ==, 1);
    g_free(a);

    a = fx_get_day(p, fx_day("2021-03-06"), &n); /* Saturday: f moves to b, g's 06:20 is gone */
    g_assert_cmpuint(n, ==, 3);
    assert_airing(&a[0], sb, ifx, "06:10", 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[1], sc, ir, "17:05", 15 * 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[2], sc, ig, "17:30", 60, PLAN_STATUS_PLANNED);
    g_free(a);
    plan_free(p);
}

/* The chime opens each session with content, the gap follows it. */
static void test_chime_and_gap(void)
{
    static struct fixture fx;
    fx_init(&fx, 3);
    fx_chime(&fx, 5);
    uint32_t s1 = fx_session(&fx, "s1", "06:00", "06:30", "mon-sun");
    fx_session(&fx, "s2", "17:00", "17:30", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    struct plan_item *x = fx_item(&fx, "x", c, 60);
    struct plan_item *y = fx_item(&fx, "y", c, 60);
    struct plan_item *z = fx_item(&fx, "z", c, 20);
    x->sessions = y->sessions = z->sessions = 1u << s1; /* s2 has nothing: no chime there */
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 4);
    assert_airing(&a[0], s1, PLAN_ITEM_CHIME, "06:00:00", 5, PLAN_STATUS_PLANNED);
    g_assert_cmpint(a[0].kind, ==, PLAN_KIND_CHIME);
    g_assert_cmpint(a[0].cls, ==, PLAN_CLASS_NORMAL);
    g_assert_cmpuint(a[0].ordinal, ==, 1);
    g_assert_true(a[0].fixed);
    assert_airing(&a[1], s1, 0, "06:00:08", 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[2], s1, 1, "06:01:11", 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[3], s1, 2, "06:02:14", 20, PLAN_STATUS_PLANNED);
    g_assert_false(a[1].fixed);
    g_free(a);
    plan_free(p);

    /* Without a chime the queue starts at the session start. */
    fx.rules.has_chime = false;
    p = fx_plan(&fx);
    a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 3);
    assert_airing(&a[0], s1, 0, "06:00:00", 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[1], s1, 1, "06:01:03", 60, PLAN_STATUS_PLANNED);
    g_free(a);
    plan_free(p);
}

/* Queued airings wait for fixed ones (gap on both sides); nothing is slipped in before. */
static void test_wait_for_fixed(void)
{
    static struct fixture fx;
    fx_init(&fx, 5);
    uint32_t s = fx_session(&fx, "s", "06:00", "07:00", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    struct plan_item *f = fx_item(&fx, "f", c, 60);
    fx_at(&fx, f, "06:02:00");
    struct plan_item *f2 = fx_item(&fx, "f2", c, 60);
    fx_at(&fx, f2, "06:03:30");
    struct plan_item *a = fx_item(&fx, "a", c, 130);
    struct plan_item *b = fx_item(&fx, "b", c, 30);
    uint32_t ifx = (uint32_t)fx_index(&fx, f), if2 = (uint32_t)fx_index(&fx, f2),
             ia = (uint32_t)fx_index(&fx, a), ib = (uint32_t)fx_index(&fx, b);
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *air = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 4);
    assert_airing(&air[0], s, ifx, "06:02:00", 60, PLAN_STATUS_PLANNED);
    assert_airing(&air[1], s, if2, "06:03:30", 60, PLAN_STATUS_PLANNED);
    /* a would touch f (06:02:10 + gap > 06:02), moves to f.end + gap = 06:03:05, which
     * touches f2, so on to f2.end + gap. */
    assert_airing(&air[2], s, ia, "06:04:35", 130, PLAN_STATUS_PLANNED);
    /* b fitted at 06:00 but comes after a: nothing is slipped in before a waiting airing. */
    assert_airing(&air[3], s, ib, "06:06:50", 30, PLAN_STATUS_PLANNED);
    g_free(air);
    plan_free(p);

    /* Boundary: ending exactly a gap before the fixed airing is fine; a microsecond more
     * is not. */
    a->duration_usec = fx_sec(115);
    p = fx_plan(&fx);
    air = fx_get_day(p, fx_day(MON), &n);
    assert_airing(&air[0], s, ia, "06:00:00", 115, PLAN_STATUS_PLANNED);
    g_free(air);
    plan_free(p);
    a->duration_usec = fx_sec(115) + 1;
    p = fx_plan(&fx);
    air = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(air[0].item, ==, ifx);
    g_assert_cmpuint(air[2].item, ==, ia);
    g_assert_cmpint(air[2].start_usec, ==, fx_time("06:04:35"));
    g_free(air);
    plan_free(p);
}

/* Emergency before priority before normal, whatever the installed order. */
static void test_class_order(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    fx_session(&fx, "s", "06:00", "07:00", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_item(&fx, "n1", c, 10);
    fx_item(&fx, "p", c, 10)->cls = PLAN_CLASS_PRIORITY;
    fx_item(&fx, "e", c, 10)->cls = PLAN_CLASS_EMERGENCY;
    fx_item(&fx, "n2", c, 10);
    struct plan *p = fx_plan(&fx);
    /* Even after days of airing, class beats fewest-airings. */
    for (int32_t d = fx_day(MON); d < fx_day(MON) + 5; d++) {
        size_t n;
        struct plan_airing *a = fx_get_day(p, d, &n);
        g_assert_cmpuint(n, ==, 4);
        g_assert_cmpuint(a[0].item, ==, 2);
        g_assert_cmpint(a[0].cls, ==, PLAN_CLASS_EMERGENCY);
        g_assert_cmpuint(a[1].item, ==, 1);
        g_assert_cmpuint(a[2].item, ==, 0);
        g_assert_cmpuint(a[3].item, ==, 3);
        g_free(a);
    }
    plan_free(p);
}

/* Fewest airings so far goes first, across days and within a session. */
static void test_fairness(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    uint32_t s = fx_session(&fx, "s", "06:00", "06:06", "mon-sun"); /* room for one */
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_item(&fx, "a", c, 300);
    fx_item(&fx, "b", c, 300);
    struct plan *p = fx_plan(&fx);
    for (int k = 0; k < 6; k++) {
        size_t n;
        struct plan_airing *a = fx_get_day(p, fx_day(MON) + k, &n);
        g_assert_cmpuint(n, ==, 2);
        /* a, b, a, b, ...: yesterday's drop has fewer airings today. */
        assert_airing(&a[0], s, (uint32_t)(k % 2), "06:00", 300, PLAN_STATUS_PLANNED);
        assert_airing(&a[1], s, (uint32_t)((k + 1) % 2), "06:05", 300, PLAN_STATUS_DROPPED);
        g_free(a);
    }
    plan_free(p);

    /* Within a session: a repeat waits behind items with fewer airings. */
    fx_init(&fx, 0);
    s = fx_session(&fx, "s", "06:00", "07:00", "mon-sun");
    c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_item(&fx, "a", c, 10)->plays_per_day = 2;
    fx_item(&fx, "b", c, 10);
    fx_item(&fx, "c", c, 10);
    p = fx_plan(&fx);
    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 4);
    g_assert_cmpuint(a[0].item, ==, 0);
    g_assert_cmpuint(a[1].item, ==, 1);
    g_assert_cmpuint(a[2].item, ==, 2);
    g_assert_cmpuint(a[3].item, ==, 0);
    g_free(a);
    /* Next day: a has 2, b and c 1 each, so b and c lead. */
    a = fx_get_day(p, fx_day(MON) + 1, &n);
    g_assert_cmpuint(a[0].item, ==, 1);
    g_assert_cmpuint(a[1].item, ==, 2);
    g_assert_cmpuint(a[2].item, ==, 0);
    g_assert_cmpuint(a[3].item, ==, 0);
    g_free(a);
    plan_free(p);
}

/* Ties go to installed order (the item index), not to ids. */
static void test_installed_order(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    fx_session(&fx, "s", "06:00", "07:00", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_item(&fx, "zz", c, 10);
    fx_item(&fx, "mm", c, 10);
    fx_item(&fx, "aa", c, 10);
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 3);
    for (uint32_t k = 0; k < 3; k++)
        g_assert_cmpuint(a[k].item, ==, k);
    g_free(a);
    plan_free(p);
}

/* A full session drops the airing and goes on with the next choice. */
static void test_session_full(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    uint32_t s = fx_session(&fx, "s", "06:00", "06:05", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_item(&fx, "a", c, 120); /* 0 */
    fx_item(&fx, "l", c, 200); /* 1 */
    fx_item(&fx, "b", c, 100); /* 2 */
    fx_item(&fx, "c", c, 100); /* 3 */
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 4);
    assert_airing(&a[0], s, 0, "06:00:00", 120, PLAN_STATUS_PLANNED);
    assert_airing(&a[1], s, 2, "06:02:00", 100, PLAN_STATUS_PLANNED); /* took l's place */
    assert_airing(&a[2], s, 1, "06:02:00", 200, PLAN_STATUS_DROPPED);
    assert_airing(&a[3], s, 3, "06:03:40", 100, PLAN_STATUS_DROPPED);
    g_free(a);
    /* The dropped ones did not count: they lead the next day; ending exactly at the
     * session's end fits. */
    a = fx_get_day(p, fx_day(MON) + 1, &n);
    g_assert_cmpuint(n, ==, 4);
    assert_airing(&a[0], s, 1, "06:00:00", 200, PLAN_STATUS_PLANNED);
    assert_airing(&a[1], s, 3, "06:03:20", 100, PLAN_STATUS_PLANNED);
    assert_airing(&a[2], s, 0, "06:05:00", 120, PLAN_STATUS_DROPPED);
    assert_airing(&a[3], s, 2, "06:05:00", 100, PLAN_STATUS_DROPPED);
    g_free(a);
    plan_free(p);
}

/* Ordinals count an item's airings per session in plan order, dropped included. */
static void test_ordinals(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    fx_chime(&fx, 0);
    uint32_t s1 = fx_session(&fx, "s1", "06:00", "06:04", "mon-sun");
    uint32_t s2 = fx_session(&fx, "s2", "17:00", "18:00", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    struct plan_item *a = fx_item(&fx, "a", c, 60);
    a->plays_per_day = 3;
    a->sessions = 1u << s1;
    fx_item(&fx, "b", c, 100);
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *air = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 7);
    g_assert_cmpuint(air[0].item, ==, PLAN_ITEM_CHIME);
    g_assert_cmpuint(air[0].ordinal, ==, 1);
    assert_airing(&air[1], s1, 0, "06:00:00", 60, PLAN_STATUS_PLANNED);
    g_assert_cmpuint(air[1].ordinal, ==, 1);
    assert_airing(&air[2], s1, 1, "06:01:00", 100, PLAN_STATUS_PLANNED);
    g_assert_cmpuint(air[2].ordinal, ==, 1);
    assert_airing(&air[3], s1, 0, "06:02:40", 60, PLAN_STATUS_PLANNED);
    g_assert_cmpuint(air[3].ordinal, ==, 2);
    assert_airing(&air[4], s1, 0, "06:03:40", 60, PLAN_STATUS_DROPPED);
    g_assert_cmpuint(air[4].ordinal, ==, 3);
    g_assert_cmpuint(air[5].item, ==, PLAN_ITEM_CHIME);
    g_assert_cmpuint(air[5].session, ==, s2);
    assert_airing(&air[6], s2, 1, "17:00:00", 100, PLAN_STATUS_PLANNED);
    g_assert_cmpuint(air[6].ordinal, ==, 1); /* restarts per session */
    g_free(air);
    plan_free(p);
}

/* Sessions come out by start time, planned airings by start, then the dropped ones. */
static void test_output_order(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    fx_chime(&fx, 10);
    uint32_t chieu = fx_session(&fx, "chieu", "17:00", "17:05", "mon-sun");
    uint32_t sang = fx_session(&fx, "sang", "06:00", "06:03", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    struct plan_item *f = fx_item(&fx, "f", c, 30); /* 0 */
    f->sessions = 1u << sang;
    fx_at(&fx, f, "06:01:00");
    const int64_t q_dur[5] = {30, 30, 90, 60, 10};
    for (int k = 0; k < 5; k++)
        fx_item(&fx, "q", c, q_dur[k])->sessions = 1u << sang; /* 1..5 */
    fx_item(&fx, "e", c, 60)->sessions = 1u << chieu; /* 6 */
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 9);
    assert_airing(&a[0], sang, PLAN_ITEM_CHIME, "06:00:00", 10, PLAN_STATUS_PLANNED);
    assert_airing(&a[1], sang, 1, "06:00:10", 30, PLAN_STATUS_PLANNED);
    assert_airing(&a[2], sang, 0, "06:01:00", 30, PLAN_STATUS_PLANNED);
    assert_airing(&a[3], sang, 2, "06:01:30", 30, PLAN_STATUS_PLANNED);
    assert_airing(&a[4], sang, 4, "06:02:00", 60, PLAN_STATUS_PLANNED);
    assert_airing(&a[5], sang, 3, "06:02:00", 90, PLAN_STATUS_DROPPED);
    assert_airing(&a[6], sang, 5, "06:03:00", 10, PLAN_STATUS_DROPPED);
    assert_airing(&a[7], chieu, PLAN_ITEM_CHIME, "17:00:00", 10, PLAN_STATUS_PLANNED);
    assert_airing(&a[8], chieu, 6, "17:00:10", 60, PLAN_STATUS_PLANNED);
    g_free(a);
    plan_free(p);
}

/* Sessions are PROCESSED in config order (fairness sees the earlier ones first) even
 * though they are output by start time. */
static void test_config_order_processing(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    uint32_t chieu = fx_session(&fx, "chieu", "17:00", "17:05", "mon-sun");
    uint32_t sang = fx_session(&fx, "sang", "06:00", "06:05", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_item(&fx, "a", c, 300);
    fx_item(&fx, "b", c, 300);
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 4);
    /* chieu was decided first: a airs there, so b (fewer) gets sang. */
    assert_airing(&a[0], sang, 1, "06:00", 300, PLAN_STATUS_PLANNED);
    assert_airing(&a[1], sang, 0, "06:05", 300, PLAN_STATUS_DROPPED);
    assert_airing(&a[2], chieu, 0, "17:00", 300, PLAN_STATUS_PLANNED);
    assert_airing(&a[3], chieu, 1, "17:05", 300, PLAN_STATUS_DROPPED);
    g_free(a);
    plan_free(p);
}

/* A fixed airing past the session's end is dropped (rule 4) and blocks nothing. */
static void test_fixed_past_end(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    uint32_t s = fx_session(&fx, "s", "06:00", "06:10", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_at(&fx, fx_item(&fx, "f", c, 120), "06:09");
    fx_item(&fx, "q", c, 590);
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 2);
    assert_airing(&a[0], s, 1, "06:00", 590, PLAN_STATUS_PLANNED);
    assert_airing(&a[1], s, 0, "06:09", 120, PLAN_STATUS_DROPPED);
    g_assert_true(a[1].fixed);
    g_free(a);
    plan_free(p);
}

/* A chime longer than its session (plan_validate's error) is dropped like any airing,
 * and so is everything queued after it. */
static void test_chime_past_end(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    fx_chime(&fx, 20);
    uint32_t s = fx_session(&fx, "s", "06:00:00", "06:00:10", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_item(&fx, "q", c, 5);
    struct plan *p = fx_plan(&fx);
    size_t n;
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, 2);
    assert_airing(&a[0], s, PLAN_ITEM_CHIME, "06:00:00", 20, PLAN_STATUS_DROPPED);
    assert_airing(&a[1], s, 0, "06:00:20", 5, PLAN_STATUS_DROPPED);
    g_free(a);
    plan_free(p);
}

static void assert_same_airings(const struct plan_airing *a, size_t na, const struct plan_airing *b,
                                size_t nb)
{
    g_assert_cmpuint(na, ==, nb);
    for (size_t k = 0; k < na; k++) {
        g_assert_cmpint(a[k].day, ==, b[k].day);
        g_assert_cmpuint(a[k].session, ==, b[k].session);
        g_assert_cmpuint(a[k].item, ==, b[k].item);
        g_assert_cmpuint(a[k].ordinal, ==, b[k].ordinal);
        g_assert_cmpint(a[k].kind, ==, b[k].kind);
        g_assert_cmpint(a[k].cls, ==, b[k].cls);
        g_assert_cmpint(a[k].status, ==, b[k].status);
        g_assert_cmpint(a[k].fixed, ==, b[k].fixed);
        g_assert_cmpint(a[k].start_usec, ==, b[k].start_usec);
        g_assert_cmpint(a[k].end_usec, ==, b[k].end_usec);
        g_assert_cmpint(a[k].duration_usec, ==, b[k].duration_usec);
    }
}

/* A crowded campaign where every day depends on the days before. */
static void crowded_rules(struct fixture *fx)
{
    fx_init(fx, 2);
    fx_chime(fx, 4);
    fx_session(fx, "sang", "06:00", "06:06", "mon-sat");
    fx_session(fx, "chieu", "17:00", "17:04", "mon-sun");
    uint32_t c = fx_campaign(fx, "c", MON, "2021-05-31");
    for (int k = 0; k < 9; k++) {
        struct plan_item *it = fx_item(fx, "x", c, 40 + 17 * k);
        it->plays_per_day = (uint32_t)(k % 3);
        if (k == 4)
            it->days = fx_days("tue,thu,sat");
        if (k == 7)
            it->cls = PLAN_CLASS_PRIORITY;
    }
    fx_skip(fx, "2021-03-10");
}

/* Going backward (replay) gives exactly what going forward gave. */
static void test_cursor_replay(void)
{
    static struct fixture fx;
    crowded_rules(&fx);
    struct plan *p = fx_plan(&fx);
    const int days = 92;
    size_t cap = plan_max_airings_per_day(p);
    struct plan_airing *fwd = g_new0(struct plan_airing, cap * days);
    size_t fwd_n[92];
    size_t n_dropped = 0;
    for (int k = 0; k < days; k++) {
        g_assert_cmpint(plan_day(p, fx_day(MON) + k, fwd + cap * k, cap, &fwd_n[k]), ==, 0);
        for (size_t j = 0; j < fwd_n[k]; j++)
            n_dropped += fwd[cap * k + j].status == PLAN_STATUS_DROPPED;
    }
    g_assert_cmpuint(n_dropped, >, 0); /* the test means something only with drops */

    struct plan_airing *buf = g_new0(struct plan_airing, cap);
    size_t n;
    for (int k = days - 1; k >= 0; k--) { /* backward */
        g_assert_cmpint(plan_day(p, fx_day(MON) + k, buf, cap, &n), ==, 0);
        assert_same_airings(buf, n, fwd + cap * k, fwd_n[k]);
    }
    for (int k = 0; k < 200; k++) { /* scattered, with repeats */
        int d = (k * 37) % days;
        g_assert_cmpint(plan_day(p, fx_day(MON) + d, buf, cap, &n), ==, 0);
        assert_same_airings(buf, n, fwd + cap * d, fwd_n[d]);
        g_assert_cmpint(plan_day(p, fx_day(MON) + d, buf, cap, &n), ==, 0);
        assert_same_airings(buf, n, fwd + cap * d, fwd_n[d]);
    }
    plan_free(p);
    /* A fresh plan asked straight for a late day agrees too. */
    p = fx_plan(&fx);
    g_assert_cmpint(plan_day(p, fx_day(MON) + 80, buf, cap, &n), ==, 0);
    assert_same_airings(buf, n, fwd + cap * 80, fwd_n[80]);
    plan_free(p);
    g_free(buf);
    g_free(fwd);
}

/* Too small a buffer fails with -ENOBUFS and leaves the plan as it was. */
static void test_enobufs(void)
{
    static struct fixture fx;
    crowded_rules(&fx);
    struct plan *p = fx_plan(&fx), *ref = fx_plan(&fx);
    size_t cap = plan_max_airings_per_day(p), n, n_ref;
    struct plan_airing *buf = g_new0(struct plan_airing, cap);
    struct plan_airing *want = g_new0(struct plan_airing, cap);
    for (int k = 0; k < 20; k++) {
        int32_t d = fx_day(MON) + k;
        g_assert_cmpint(plan_day(ref, d, want, cap, &n_ref), ==, 0);
        if (n_ref > 0) {
            n = 12345;
            g_assert_cmpint(plan_day(p, d, buf, n_ref - 1, &n), ==, -ENOBUFS);
            g_assert_cmpuint(n, ==, 12345);
        }
        g_assert_cmpint(plan_day(p, d, buf, n_ref, &n), ==, 0);
        assert_same_airings(buf, n, want, n_ref);
    }
    g_free(buf);
    g_free(want);
    plan_free(p);
    plan_free(ref);
}

static void test_new_errors(void)
{
    static struct fixture fx;
    fx_init(&fx, 0);
    struct plan *p = NULL;
    /* No campaign: an empty plan. */
    p = fx_plan(&fx);
    int32_t first = 7, last = 7;
    g_assert_cmpint(plan_span(p, &first, &last), ==, -ENOENT);
    g_assert_cmpint(first, ==, 7);
    size_t n = 99;
    g_assert_cmpint(plan_day(p, fx_day(MON), NULL, 0, &n), ==, 0);
    g_assert_cmpuint(n, ==, 0);
    g_assert_null(plan_free(p));
    g_assert_null(plan_free(NULL));

    uint32_t c = fx_campaign(&fx, "c", MON, "2021-03-31");
    fx_item(&fx, "a", c, 10)->campaign = 3;
    p = NULL;
    g_assert_cmpint(plan_new(fx_rules(&fx), &p), ==, -EINVAL);
    g_assert_null(p);
    fx.items[0].campaign = c;

    static struct plan_session many[PLAN_MAX_SESSIONS + 1];
    struct plan_rules r = *fx_rules(&fx);
    r.sessions = many;
    r.n_sessions = PLAN_MAX_SESSIONS + 1;
    g_assert_cmpint(plan_new(&r, &p), ==, -EINVAL);
    g_assert_null(p);

    /* 32 sessions is the maximum, and works. */
    for (int k = 0; k < PLAN_MAX_SESSIONS; k++)
        many[k] = (struct plan_session){.id = "s",
                                        .name = "s",
                                        .start_usec = fx_sec(60 * 20 * k),
                                        .end_usec = fx_sec(60 * 20 * k + 600),
                                        .days = CIVIL_ALL_DAYS};
    r.n_sessions = PLAN_MAX_SESSIONS;
    g_assert_cmpint(plan_new(&r, &p), ==, 0);
    g_assert_cmpuint(plan_max_airings_per_day(p), ==, PLAN_MAX_SESSIONS);
    struct plan_airing *a = fx_get_day(p, fx_day(MON), &n);
    g_assert_cmpuint(n, ==, PLAN_MAX_SESSIONS);
    for (size_t k = 0; k < n; k++)
        g_assert_cmpuint(a[k].session, ==, k);
    g_free(a);
    plan_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan/monday-anchor", test_monday_anchor);
    g_test_add_func("/plan/days", test_days);
    g_test_add_func("/plan/skip-dates", test_skip_dates);
    g_test_add_func("/plan/windows", test_windows);
    g_test_add_func("/plan/round-robin", test_round_robin);
    g_test_add_func("/plan/at-placement", test_at_placement);
    g_test_add_func("/plan/chime-and-gap", test_chime_and_gap);
    g_test_add_func("/plan/wait-for-fixed", test_wait_for_fixed);
    g_test_add_func("/plan/class-order", test_class_order);
    g_test_add_func("/plan/fairness", test_fairness);
    g_test_add_func("/plan/installed-order", test_installed_order);
    g_test_add_func("/plan/session-full", test_session_full);
    g_test_add_func("/plan/ordinals", test_ordinals);
    g_test_add_func("/plan/output-order", test_output_order);
    g_test_add_func("/plan/config-order-processing", test_config_order_processing);
    g_test_add_func("/plan/fixed-past-end", test_fixed_past_end);
    g_test_add_func("/plan/chime-past-end", test_chime_past_end);
    g_test_add_func("/plan/cursor-replay", test_cursor_replay);
    g_test_add_func("/plan/enobufs", test_enobufs);
    g_test_add_func("/plan/new-errors", test_new_errors);
    return g_test_run();
}
