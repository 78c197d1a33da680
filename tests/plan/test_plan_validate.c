/* plan_validate(): each static error of SPEC.md "The plan", and its near misses. */
#include "plan_fixture.h"

#define MON "2021-03-01"

static size_t validate(struct fixture *fx, struct plan_problem *out, size_t cap)
{
    return plan_validate(fx_rules(fx), out, cap);
}

static void assert_problem(const struct plan_problem *pr, enum plan_problem_kind kind, size_t a,
                           size_t b, size_t at, size_t at_b, int64_t excess)
{
    g_assert_cmpint(pr->kind, ==, kind);
    g_assert_cmpuint(pr->a, ==, a);
    g_assert_cmpuint(pr->b, ==, b);
    g_assert_cmpuint(pr->at, ==, at);
    g_assert_cmpuint(pr->at_b, ==, at_b);
    g_assert_cmpint(pr->excess_usec, ==, excess);
}

/* A base that is valid: two sessions, one campaign, a queued and a fixed item. */
static void base(struct fixture *fx)
{
    fx_init(fx, 3);
    fx_chime(fx, 10);
    fx_session(fx, "sang", "06:00", "07:00", "mon-fri");
    fx_session(fx, "chieu", "17:00", "18:00", "mon-sun");
    fx_campaign(fx, "c", MON, "2021-12-31");
    fx_item(fx, "q", 0, 60);
    fx_at(fx, fx_item(fx, "f", 0, 60), "06:10");
}

static void test_valid(void)
{
    static struct fixture fx;
    base(&fx);
    struct plan_problem out[4];
    g_assert_cmpuint(validate(&fx, out, 4), ==, 0);
    g_assert_cmpuint(validate(&fx, NULL, 0), ==, 0);
}

static void test_sessions_overlap(void)
{
    static struct fixture fx;
    base(&fx);
    fx_session(&fx, "fri", "06:30", "07:30", "fri-sun"); /* 2: shares Friday with sang */
    fx_session(&fx, "we", "06:30", "07:30", "sat-sun"); /* 3: overlaps 2 on sat, sun only */
    fx_session(&fx, "after", "07:00", "08:00", "mon"); /* 4: touches sang, no overlap */
    fx_session(&fx, "wrap", "16:59", "17:01", "sun-mon"); /* 5: overlaps chieu */
    struct plan_problem out[8];
    size_t n = validate(&fx, out, 8);
    /* Not reported: 0-3 and 2-4 (no shared weekday), 0-4 (they only touch). */
    g_assert_cmpuint(n, ==, 3);
    assert_problem(&out[0], PLAN_SESSIONS_OVERLAP, 0, 2, 0, 0, 0);
    assert_problem(&out[1], PLAN_SESSIONS_OVERLAP, 1, 5, 0, 0, 0);
    assert_problem(&out[2], PLAN_SESSIONS_OVERLAP, 2, 3, 0, 0, 0);
}

static void test_item_outside_campaign(void)
{
    static struct fixture fx;
    base(&fx);
    fx_item(&fx, "early", 0, 60)->from_day = fx_day("2021-02-28"); /* 2 */
    fx_item(&fx, "late", 0, 60)->until_day = fx_day("2022-01-01"); /* 3 */
    struct plan_item *ok = fx_item(&fx, "exact", 0, 60); /* 4 */
    ok->from_day = fx_day(MON);
    ok->until_day = fx_day("2021-12-31");
    struct plan_problem out[4];
    size_t n = validate(&fx, out, 4);
    g_assert_cmpuint(n, ==, 2);
    assert_problem(&out[0], PLAN_ITEM_OUTSIDE_CAMPAIGN, 2, 0, 0, 0, 0);
    assert_problem(&out[1], PLAN_ITEM_OUTSIDE_CAMPAIGN, 3, 0, 0, 0, 0);
}

static void test_at_outside_sessions(void)
{
    static struct fixture fx;
    base(&fx);
    struct plan_item *a = fx_item(&fx, "a", 0, 10); /* 2 */
    fx_at(&fx, a, "06:20");
    fx_at(&fx, a, "08:00"); /* in no session at all */
    struct plan_item *b = fx_item(&fx, "b", 0, 10); /* 3 */
    b->sessions = 1u << 1;
    fx_at(&fx, b, "06:40"); /* in sang, but b may only air in chieu */
    struct plan_item *c = fx_item(&fx, "c", 0, 10); /* 4 */
    fx_at(&fx, c, "07:00"); /* a session's end is outside it */
    struct plan_problem out[4];
    size_t n = validate(&fx, out, 4);
    g_assert_cmpuint(n, ==, 3);
    assert_problem(&out[0], PLAN_AT_OUTSIDE_SESSIONS, 2, 0, 1, 0, 0);
    assert_problem(&out[1], PLAN_AT_OUTSIDE_SESSIONS, 3, 0, 0, 0, 0);
    assert_problem(&out[2], PLAN_AT_OUTSIDE_SESSIONS, 4, 0, 0, 0, 0);
}

static void test_at_overlaps_chime(void)
{
    static struct fixture fx;
    base(&fx);
    fx_at(&fx, fx_item(&fx, "a", 0, 10), "17:00:05"); /* 2: inside the 10 s chime */
    fx_at(&fx, fx_item(&fx, "b", 0, 10), "06:00:10"); /* 3: right after it: fine */
    struct plan_problem out[4];
    size_t n = validate(&fx, out, 4);
    g_assert_cmpuint(n, ==, 1);
    assert_problem(&out[0], PLAN_AT_OVERLAPS_CHIME, 2, 1, 0, 0, 0);
    /* Without a chime there is nothing to overlap. */
    fx.rules.has_chime = false;
    g_assert_cmpuint(validate(&fx, out, 4), ==, 0);
}

static void test_at_ends_after_session(void)
{
    static struct fixture fx;
    base(&fx);
    fx_at(&fx, fx_item(&fx, "a", 0, 120), "06:59"); /* 2: a minute too long */
    fx_at(&fx, fx_item(&fx, "b", 0, 60), "17:59"); /* 3: ends exactly at the end */
    /* 4: sang never runs on Saturdays, so this one never airs there (loa check warns
     * about items that never air); no session-bound error. */
    fx_at(&fx, fx_item(&fx, "c", 0, 120), "06:59")->days = fx_days("sat");
    struct plan_problem out[4];
    size_t n = validate(&fx, out, 4);
    g_assert_cmpuint(n, ==, 1);
    assert_problem(&out[0], PLAN_AT_ENDS_AFTER_SESSION, 2, 0, 0, 0, fx_sec(60));
}

static void test_at_overlaps_at(void)
{
    static struct fixture fx;
    base(&fx); /* item 1 airs 06:10-06:11 in sang */
    fx_at(&fx, fx_item(&fx, "x", 0, 60), "06:10:30"); /* 2: overlaps item 1 */
    fx.items[1].days = fx.items[2].days = fx_days("mon-thu");
    struct plan_item *wk = fx_item(&fx, "y", 0, 60); /* 3: same time, other weekday */
    wk->days = fx_days("fri");
    fx_at(&fx, wk, "06:10:30");
    struct plan_item *later = fx_item(&fx, "z", 0, 60); /* 4: same time, other months */
    later->from_day = fx_day("2021-06-01");
    later->days = fx_days("mon-thu");
    fx.items[1].until_day = fx_day("2021-05-31");
    fx.items[2].until_day = fx_day("2021-05-31");
    fx_at(&fx, later, "06:10:30");
    struct plan_item *self = fx_item(&fx, "s", 0, 60); /* 5: its own times overlap */
    fx_at(&fx, self, "17:20");
    fx_at(&fx, self, "17:20:59");
    fx_at(&fx, fx_item(&fx, "t", 0, 60), "17:21:59"); /* 6: touches 5's second: fine */
    struct plan_problem out[8];
    size_t n = validate(&fx, out, 8);
    g_assert_cmpuint(n, ==, 2);
    assert_problem(&out[0], PLAN_AT_OVERLAPS_AT, 1, 2, 0, 0, 0);
    assert_problem(&out[1], PLAN_AT_OVERLAPS_AT, 5, 5, 0, 1, 0);
}

/* Windows that intersect on no day of the shared weekday do not conflict; sessions that
 * overlap in time on different weekdays keep their fixed airings apart. */
static void test_at_overlap_needs_a_common_day(void)
{
    static struct fixture fx;
    base(&fx);
    struct plan_item *a = fx_item(&fx, "a", 0, 60); /* 2 */
    struct plan_item *b = fx_item(&fx, "b", 0, 60); /* 3 */
    a->from_day = b->from_day = fx_day(MON); /* Monday .. Wednesday */
    a->until_day = b->until_day = fx_day("2021-03-03");
    a->days = b->days = fx_days("thu-fri");
    fx_at(&fx, a, "17:30");
    fx_at(&fx, b, "17:30");
    struct plan_problem out[4];
    g_assert_cmpuint(validate(&fx, out, 4), ==, 0);
    a->until_day = b->until_day = fx_day("2021-03-04"); /* now a Thursday is shared */
    g_assert_cmpuint(validate(&fx, out, 4), ==, 1);
    assert_problem(&out[0], PLAN_AT_OVERLAPS_AT, 2, 3, 0, 0, 0);

    fx_init(&fx, 0);
    fx_session(&fx, "wk", "06:00", "07:00", "mon-fri");
    fx_session(&fx, "we", "06:00", "07:00", "sat-sun");
    fx_campaign(&fx, "c", MON, "2021-12-31");
    fx_at(&fx, fx_item(&fx, "p", 0, 60), "06:10")->sessions = 1u << 0;
    fx_at(&fx, fx_item(&fx, "q", 0, 60), "06:10")->sessions = 1u << 1;
    g_assert_cmpuint(validate(&fx, out, 4), ==, 0);
    fx.items[1].sessions = 3; /* q may now air on weekdays too */
    g_assert_cmpuint(validate(&fx, out, 4), ==, 1);
    assert_problem(&out[0], PLAN_AT_OVERLAPS_AT, 0, 1, 0, 0, 0);
}

static void test_chime_longer_than_session(void)
{
    static struct fixture fx;
    base(&fx);
    fx_session(&fx, "short", "20:00:00", "20:00:04", "mon-sun"); /* 2: 4 s < 10 s chime */
    fx_session(&fx, "exact", "21:00:00", "21:00:10", "mon-sun"); /* 3: exactly fits */
    struct plan_problem out[4];
    size_t n = validate(&fx, out, 4);
    g_assert_cmpuint(n, ==, 1);
    assert_problem(&out[0], PLAN_CHIME_LONGER_THAN_SESSION, 2, 0, 0, 0, fx_sec(6));
}

/* More problems than room: the count is exact, only cap are written. */
static void test_cap(void)
{
    static struct fixture fx;
    base(&fx);
    for (int k = 0; k < 5; k++)
        fx_at(&fx, fx_item(&fx, "o", 0, 10), "09:00");
    static struct plan_problem out[3];
    memset(out, 0xAB, sizeof(out));
    /* Five airings outside every session; being in no session they never meet. */
    g_assert_cmpuint(validate(&fx, out, 2), ==, 5);
    g_assert_cmpint(out[0].kind, ==, PLAN_AT_OUTSIDE_SESSIONS);
    g_assert_cmpuint(out[0].a, ==, 2);
    g_assert_cmpuint(out[1].a, ==, 3);
    g_assert_cmpuint(out[2].a, ==, (size_t)0xABABABABABABABABull);
    g_assert_cmpuint(validate(&fx, NULL, 100), ==, 5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan/validate/valid", test_valid);
    g_test_add_func("/plan/validate/sessions-overlap", test_sessions_overlap);
    g_test_add_func("/plan/validate/item-outside-campaign", test_item_outside_campaign);
    g_test_add_func("/plan/validate/at-outside-sessions", test_at_outside_sessions);
    g_test_add_func("/plan/validate/at-overlaps-chime", test_at_overlaps_chime);
    g_test_add_func("/plan/validate/at-ends-after-session", test_at_ends_after_session);
    g_test_add_func("/plan/validate/at-overlaps-at", test_at_overlaps_at);
    g_test_add_func("/plan/validate/at-overlap-needs-a-common-day",
                    test_at_overlap_needs_a_common_day);
    g_test_add_func("/plan/validate/chime-longer-than-session", test_chime_longer_than_session);
    g_test_add_func("/plan/validate/cap", test_cap);
    return g_test_run();
}
