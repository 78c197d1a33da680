/* A three-year campaign (2020-11-01 .. 2023-10-31, Hanoi plan 03/KH-BCĐ389) walked day by
 * day: counts against an independent calculator, and properties every plan must have. */
#include "plan_fixture.h"

#define FIRST "2020-11-01"
#define LAST "2023-10-31"

/* A realistic ward: four sessions (one with wrapping days), two campaigns, queued items
 * of every kind of rule, fixed airings and a relay, Tết skipped. Roomy enough that
 * nothing is dropped, so counts follow from the rules alone. */
static void ward_rules(struct fixture *fx)
{
    fx_init(fx, 3);
    fx_chime(fx, 6);
    uint32_t sang = fx_session(fx, "sang", "06:00", "06:45", "mon-sat");
    uint32_t trua = fx_session(fx, "trua", "11:00", "11:30", "mon-fri");
    uint32_t chieu = fx_session(fx, "chieu", "17:00", "17:45", "mon-sun");
    uint32_t toi = fx_session(fx, "toi", "19:30", "19:50", "sat-tue");
    uint32_t c1 = fx_campaign(fx, "tmdt-2020", FIRST, LAST);
    uint32_t c2 = fx_campaign(fx, "atgt-2021", "2021-06-01", "2022-05-31");

    struct plan_item *it;
    it = fx_item(fx, "tmdt-01", c1, 90); /* 0 */
    it->sessions = (1u << sang) | (1u << chieu);
    it->days = fx_days("mon,wed,fri");
    it->until_day = fx_day("2021-04-30");
    it->plays_per_day = 2;
    fx_item(fx, "tmdt-02", c1, 120); /* 1: all defaults */
    it = fx_item(fx, "tmdt-03", c1, 75); /* 2 */
    it->sessions = (1u << sang) | (1u << trua) | (1u << chieu);
    it->days = fx_days("mon-fri");
    it->plays_per_day = 3;
    it = fx_item(fx, "tmdt-04", c1, 60); /* 3 */
    it->cls = PLAN_CLASS_PRIORITY;
    it->sessions = 1u << chieu;
    it->days = fx_days("sat-mon");
    it->from_day = fx_day("2021-01-01");
    it->until_day = fx_day("2022-12-31");
    it = fx_item(fx, "tmdt-khan", c1, 45); /* 4 */
    it->cls = PLAN_CLASS_EMERGENCY;
    it->from_day = fx_day("2022-03-01");
    it->until_day = fx_day("2022-03-31");
    it->plays_per_day = 1;
    it = fx_item(fx, "tmdt-05", c1, 100); /* 5: fixed */
    it->sessions = 1u << sang;
    fx_at(fx, it, "06:30");
    it = fx_item(fx, "vov-thoisu", c1, 600); /* 6: relay on Sundays */
    it->kind = PLAN_KIND_RELAY;
    it->sessions = 1u << chieu;
    it->days = fx_days("sun");
    fx_at(fx, it, "17:30");
    it = fx_item(fx, "tmdt-06", c1, 50); /* 7: fixed in two sessions */
    it->sessions = (1u << trua) | (1u << toi);
    fx_at(fx, it, "11:15");
    fx_at(fx, it, "19:40");
    it = fx_item(fx, "atgt-01", c2, 80); /* 8 */
    it->sessions = (1u << trua) | (1u << toi);
    it->plays_per_day = 4;
    it = fx_item(fx, "atgt-02", c2, 30); /* 9 */
    it->from_day = fx_day("2021-09-01");
    it->until_day = fx_day("2022-02-28");
    it->days = fx_days("thu-sun");

    static const char *const skips[] = {"2021-02-10", "2021-02-11", "2021-02-12", "2021-02-13",
                                        "2021-02-14", "2021-02-15", "2021-02-16", "2021-04-21",
                                        "2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03",
                                        "2022-02-04", "2023-01-20", "2023-01-21", "2023-01-22",
                                        "2023-01-23", "2023-01-24", "2023-01-25", "2023-01-26"};
    for (size_t k = 0; k < G_N_ELEMENTS(skips); k++)
        fx_skip(fx, skips[k]);
}

/* ---- The independent calculator: what each (item, session) gets on a day. ---------- */

static bool calc_skipped(const struct fixture *fx, int32_t d)
{
    for (size_t k = 0; k < fx->n_skip; k++)
        if (fx->skip[k] == d)
            return true;
    return false;
}

static bool calc_eligible(const struct fixture *fx, const struct plan_item *it, int32_t d)
{
    const struct plan_campaign *c = &fx->campaigns[it->campaign];
    /* Weekday by Zeller-free counting: 2020-11-02 was a Monday. */
    int wd = (int)(((d - fx_day("2020-11-02")) % 7 + 7) % 7);
    return d >= c->from_day && d <= c->until_day && d >= it->from_day && d <= it->until_day &&
           (it->days & (1u << wd));
}

static bool calc_runs(const struct fixture *fx, size_t s, int32_t d)
{
    int wd = (int)(((d - fx_day("2020-11-02")) % 7 + 7) % 7);
    return fx->sessions[s].days & (1u << wd);
}

/* want[item][session] for day d (items, then one more row for the chime). */
static void calc_day(const struct fixture *fx, int32_t d, int want[][FX_MAX_SESSIONS])
{
    for (size_t i = 0; i <= fx->n_items; i++)
        for (size_t s = 0; s < FX_MAX_SESSIONS; s++)
            want[i][s] = 0;
    if (calc_skipped(fx, d))
        return;
    for (size_t i = 0; i < fx->n_items; i++) {
        const struct plan_item *it = &fx->items[i];
        if (!calc_eligible(fx, it, d))
            continue;
        size_t list[FX_MAX_SESSIONS], n = 0;
        for (size_t s = 0; s < fx->n_sessions; s++)
            if ((it->sessions & (1u << s)) && calc_runs(fx, s, d))
                list[n++] = s;
        if (n == 0)
            continue;
        if (it->n_at == 0) {
            unsigned plays = it->plays_per_day ? it->plays_per_day : (unsigned)n;
            for (unsigned k = 0; k < plays; k++) /* deal like cards */
                want[i][list[k % n]]++;
        } else {
            for (size_t j = 0; j < it->n_at; j++)
                for (size_t k = 0; k < n; k++) {
                    const struct plan_session *ss = &fx->sessions[list[k]];
                    if (it->at_usec[j] >= ss->start_usec && it->at_usec[j] < ss->end_usec)
                        want[i][list[k]]++;
                }
        }
    }
    for (size_t s = 0; s < fx->n_sessions; s++) {
        int any = 0;
        for (size_t i = 0; i < fx->n_items; i++)
            any += want[i][s];
        want[fx->n_items][s] = fx->rules.has_chime && any > 0;
    }
}

static void test_counts(void)
{
    static struct fixture fx;
    ward_rules(&fx);
    struct plan *p = fx_plan(&fx);
    static int want[FX_MAX_ITEMS + 1][FX_MAX_SESSIONS], got[FX_MAX_ITEMS + 1][FX_MAX_SESSIONS];
    static long total_want[FX_MAX_ITEMS + 1], total_got[FX_MAX_ITEMS + 1];
    size_t cap = plan_max_airings_per_day(p);
    struct plan_airing *buf = g_new0(struct plan_airing, cap);
    for (int32_t d = fx_day("2020-10-20"); d <= fx_day("2023-11-10"); d++) {
        size_t n;
        g_assert_cmpint(plan_day(p, d, buf, cap, &n), ==, 0);
        calc_day(&fx, d, want);
        memset(got, 0, sizeof(got));
        for (size_t k = 0; k < n; k++) {
            g_assert_cmpint(buf[k].status, ==, PLAN_STATUS_PLANNED); /* roomy: no drops */
            g_assert_cmpint(buf[k].day, ==, d);
            size_t row = buf[k].item == PLAN_ITEM_CHIME ? fx.n_items : buf[k].item;
            got[row][buf[k].session]++;
        }
        for (size_t i = 0; i <= fx.n_items; i++)
            for (size_t s = 0; s < fx.n_sessions; s++) {
                if (got[i][s] != want[i][s])
                    g_test_message("day %d item %zu session %zu: %d != %d", d, i, s, got[i][s],
                                   want[i][s]);
                g_assert_cmpint(got[i][s], ==, want[i][s]);
                total_want[i] += want[i][s];
                total_got[i] += got[i][s];
            }
    }
    for (size_t i = 0; i <= fx.n_items; i++) {
        g_test_message("item %zu: %ld airings over three years", i, total_got[i]);
        g_assert_cmpint(total_got[i], ==, total_want[i]);
        g_assert_cmpint(total_got[i], >, 0); /* every rule in the fixture really airs */
    }
    /* A few figures checked by hand: the relay airs every Sunday of the campaign (157
     * Sundays from 2020-11-01 to 2023-10-29) except the skipped 2021-02-14, 2023-01-22. */
    g_assert_cmpint(total_got[6], ==, 157 - 2);
    /* The emergency item: every day of March 2022 but Sundays (no sang on Sundays, and
     * the first running session in config order is chieu then: still one a day). */
    g_assert_cmpint(total_got[4], ==, 31);
    g_free(buf);
    plan_free(p);
}

/* Crowded sessions with drops: properties still hold. */
static void crowded_rules(struct fixture *fx)
{
    fx_init(fx, 2);
    fx_chime(fx, 4);
    uint32_t sang = fx_session(fx, "sang", "06:00", "06:10", "mon-fri");
    fx_session(fx, "chieu", "17:00", "17:08", "sat-wed");
    uint32_t c = fx_campaign(fx, "c", FIRST, LAST);
    for (int k = 0; k < 12; k++) {
        struct plan_item *it = fx_item(fx, "q", c, 30 + 15 * k);
        it->cls = (enum plan_class)(k % 5 == 0 ? PLAN_CLASS_PRIORITY : PLAN_CLASS_NORMAL);
        it->plays_per_day = (uint32_t)(k % 4);
        if (k % 3 == 1)
            it->days = fx_days("fri-mon");
        if (k % 4 == 2) {
            it->from_day = fx_day("2021-07-01");
            it->until_day = fx_day("2022-06-30");
        }
    }
    struct plan_item *f = fx_item(fx, "f", c, 60);
    f->sessions = 1u << sang;
    fx_at(fx, f, "06:05");
    fx_skip(fx, "2021-02-12");
    fx_skip(fx, "2022-02-01");
}

static bool runs_on(const struct plan_session *s, int32_t d)
{
    return s->days & (1u << civil_weekday(d));
}

/* Check one day's airings against every invariant of the plan. */
static void check_day(const struct fixture *fx, int32_t d, const struct plan_airing *a, size_t n,
                      size_t *n_dropped)
{
    const struct plan_rules *r = &fx->rules;
    bool skipped = false;
    for (size_t k = 0; k < r->n_skip_days; k++)
        skipped |= r->skip_days[k] == d;
    if (skipped)
        g_assert_cmpuint(n, ==, 0);
    uint32_t ord[FX_MAX_ITEMS] = {0};
    for (size_t k = 0; k < n; k++) {
        const struct plan_airing *x = &a[k];
        g_assert_cmpuint(x->session, <, r->n_sessions);
        const struct plan_session *ss = &r->sessions[x->session];
        g_assert_cmpint(x->day, ==, d);
        g_assert_true(runs_on(ss, d));
        g_assert_cmpint(x->end_usec, ==, x->start_usec + x->duration_usec);
        bool new_session = k == 0 || a[k - 1].session != x->session;
        if (new_session) {
            /* Sessions by start time, each once. */
            if (k > 0)
                g_assert_cmpint(r->sessions[a[k - 1].session].start_usec, <, ss->start_usec);
            memset(ord, 0, sizeof(ord));
        }
        if (x->item == PLAN_ITEM_CHIME) {
            g_assert_true(r->has_chime);
            g_assert_true(new_session);
            g_assert_cmpint(x->start_usec, ==, ss->start_usec);
            g_assert_cmpint(x->duration_usec, ==, r->chime_duration_usec);
            g_assert_cmpint(x->kind, ==, PLAN_KIND_CHIME);
            g_assert_cmpuint(x->ordinal, ==, 1);
        } else {
            g_assert_cmpuint(x->item, <, r->n_items);
            const struct plan_item *it = &r->items[x->item];
            const struct plan_campaign *c = &r->campaigns[it->campaign];
            /* Never outside its windows, days or sessions. */
            g_assert_cmpint(d, >=, c->from_day);
            g_assert_cmpint(d, <=, c->until_day);
            g_assert_cmpint(d, >=, it->from_day);
            g_assert_cmpint(d, <=, it->until_day);
            g_assert_true(it->days & (1u << civil_weekday(d)));
            g_assert_true(it->sessions & (1u << x->session));
            g_assert_cmpint(x->duration_usec, ==, it->duration_usec);
            g_assert_cmpint(x->kind, ==, it->kind);
            g_assert_cmpint(x->cls, ==, it->cls);
            g_assert_cmpint(x->fixed, ==, it->n_at > 0);
            if (x->fixed) {
                bool at = false;
                for (size_t j = 0; j < it->n_at; j++)
                    at |= it->at_usec[j] == x->start_usec;
                g_assert_true(at);
            }
            g_assert_cmpuint(x->ordinal, ==, ++ord[x->item]);
        }
        g_assert_cmpint(x->start_usec, >=, ss->start_usec);
        if (x->status == PLAN_STATUS_DROPPED) {
            (*n_dropped)++;
            g_assert_cmpint(x->end_usec, >, ss->end_usec); /* dropped only when full */
            /* Dropped ones close their session's block. */
            g_assert_true(k + 1 == n || a[k + 1].session != x->session ||
                          a[k + 1].status == PLAN_STATUS_DROPPED);
            continue;
        }
        g_assert_cmpint(x->end_usec, <=, ss->end_usec);
        if (!new_session) {
            const struct plan_airing *prev = &a[k - 1];
            g_assert_cmpint(prev->status, ==, PLAN_STATUS_PLANNED);
            /* No overlap; the gap around every queued airing and after the chime. */
            int64_t need =
                (!prev->fixed || !x->fixed || prev->item == PLAN_ITEM_CHIME) ? r->gap_usec : 0;
            g_assert_cmpint(prev->end_usec + need, <=, x->start_usec);
        }
    }
}

static void walk_properties(struct fixture *fx, size_t *ret_dropped, size_t *ret_planned)
{
    struct plan *p = fx_plan(fx);
    size_t cap = plan_max_airings_per_day(p), n_dropped = 0, n_total = 0;
    struct plan_airing *buf = g_new0(struct plan_airing, cap);
    int32_t first, last;
    g_assert_cmpint(plan_span(p, &first, &last), ==, 0);
    g_assert_cmpint(first, ==, fx_day(FIRST));
    g_assert_cmpint(last, ==, fx_day(LAST));
    for (int32_t d = first - 10; d <= last + 10; d++) {
        size_t n;
        g_assert_cmpint(plan_day(p, d, buf, cap, &n), ==, 0);
        if (d < first || d > last)
            g_assert_cmpuint(n, ==, 0);
        check_day(fx, d, buf, n, &n_dropped);
        n_total += n;
    }
    *ret_dropped = n_dropped;
    *ret_planned = n_total - n_dropped;
    g_free(buf);
    plan_free(p);
}

static void test_properties_ward(void)
{
    static struct fixture fx;
    ward_rules(&fx);
    size_t dropped, planned;
    walk_properties(&fx, &dropped, &planned);
    g_assert_cmpuint(dropped, ==, 0);
    g_assert_cmpuint(planned, >, 10000);
}

static void test_properties_crowded(void)
{
    static struct fixture fx;
    crowded_rules(&fx);
    size_t dropped, planned;
    walk_properties(&fx, &dropped, &planned);
    g_test_message("crowded: %zu planned, %zu dropped", planned, dropped);
    g_assert_cmpuint(dropped, >, 1000);
    g_assert_cmpuint(planned, >, 1000);
}

/* Repeats of one item spread apart: with plays_per_day 2 in one session, an item's two
 * airings are never adjacent while other items still wait; and over three years items
 * alike in every rule end up aired alike. */
static void test_spread(void)
{
    static struct fixture fx;
    fx_init(&fx, 3);
    fx_chime(&fx, 5);
    uint32_t sang = fx_session(&fx, "sang", "06:00", "06:30", "mon-sun");
    fx_session(&fx, "chieu", "17:00", "17:30", "mon-sun");
    uint32_t c = fx_campaign(&fx, "c", FIRST, LAST);
    for (int k = 0; k < 4; k++) {
        struct plan_item *it = fx_item(&fx, "pair", c, 60 + 10 * k);
        it->plays_per_day = 2;
        it->sessions = 1u << sang;
    }
    fx_item(&fx, "monthu", c, 40)->days = fx_days("mon,thu"); /* both sessions */
    struct plan *p = fx_plan(&fx);
    size_t cap = plan_max_airings_per_day(p);
    struct plan_airing *buf = g_new0(struct plan_airing, cap);
    long count[5] = {0};
    for (int32_t d = fx_day(FIRST); d <= fx_day(LAST); d++) {
        size_t n;
        g_assert_cmpint(plan_day(p, d, buf, cap, &n), ==, 0);
        for (size_t k = 0; k < n; k++) {
            if (buf[k].item == PLAN_ITEM_CHIME)
                continue;
            g_assert_cmpint(buf[k].status, ==, PLAN_STATUS_PLANNED);
            count[buf[k].item]++;
            if (k + 1 < n && buf[k + 1].session == buf[k].session &&
                buf[k + 1].item == buf[k].item) {
                /* Adjacent repeats only when nothing else is left to air after them. */
                for (size_t j = k + 2; j < n && buf[j].session == buf[k].session; j++)
                    g_assert_cmpuint(buf[j].item, ==, buf[k].item);
            }
        }
    }
    for (int k = 1; k < 4; k++)
        g_assert_cmpint(count[k], ==, count[0]);
    g_free(buf);
    plan_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan/campaign/counts", test_counts);
    g_test_add_func("/plan/campaign/properties-ward", test_properties_ward);
    g_test_add_func("/plan/campaign/properties-crowded", test_properties_crowded);
    g_test_add_func("/plan/campaign/spread", test_spread);
    return g_test_run();
}
