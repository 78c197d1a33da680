/* Static checks of plan rules: the errors of SPEC.md "The plan" that need no date walk.
 *
 * Pure: reads the rules, writes problems into the caller's array, allocates nothing.
 * Problems come out in a fixed order (sessions, chime, item windows, then each fixed
 * airing against its sessions, then fixed airings against each other) so the loader's
 * messages are deterministic.
 */
#include "plan.h"

struct problem_sink {
    struct plan_problem *ret;
    size_t cap, n;
};

static void report(struct problem_sink *sink, enum plan_problem_kind kind, size_t a, size_t b,
                   size_t at, size_t at_b, int64_t excess_usec)
{
    if (sink->n < sink->cap)
        sink->ret[sink->n] = (struct plan_problem){
            .kind = kind, .a = a, .b = b, .at = at, .at_b = at_b, .excess_usec = excess_usec};
    sink->n++;
}

static uint32_t valid_mask(const struct plan_rules *r)
{
    return r->n_sessions >= PLAN_MAX_SESSIONS ? UINT32_MAX
                                              : (uint32_t)((UINT64_C(1) << r->n_sessions) - 1);
}

static bool intervals_intersect(int64_t a_start, int64_t a_end, int64_t b_start, int64_t b_end)
{
    return a_start < b_end && b_start < a_end;
}

static bool session_contains(const struct plan_session *s, int64_t t)
{
    return t >= s->start_usec && t < s->end_usec;
}

/* The allowed session of item `it` that runs on weekday wd and contains t, or -1. */
static int session_on_weekday(const struct plan_rules *r, const struct plan_item *it, int wd,
                              int64_t t)
{
    const uint32_t allowed = it->sessions & valid_mask(r);
    for (size_t s = 0; s < r->n_sessions; s++)
        if ((allowed & (UINT32_C(1) << s)) && (r->sessions[s].days & (1u << wd)) &&
            session_contains(&r->sessions[s], t))
            return (int)s;
    return -1;
}

/* Does [lo, hi] (inclusive day numbers) contain a day of weekday wd? */
static bool window_has_weekday(int32_t lo, int32_t hi, int wd)
{
    if (lo > hi)
        return false;
    if ((int64_t)hi - lo >= 6)
        return true;
    for (int32_t d = lo; d <= hi; d++)
        if (civil_weekday(d) == wd)
            return true;
    return false;
}

/* The days an item can air on: its window clipped to its campaign's. */
static void item_window(const struct plan_rules *r, const struct plan_item *it, int32_t *lo,
                        int32_t *hi)
{
    *lo = it->from_day;
    *hi = it->until_day;
    if (it->campaign < r->n_campaigns) {
        const struct plan_campaign *c = &r->campaigns[it->campaign];
        if (c->from_day > *lo)
            *lo = c->from_day;
        if (c->until_day < *hi)
            *hi = c->until_day;
    }
}

static void check_sessions(const struct plan_rules *r, struct problem_sink *sink)
{
    for (size_t a = 0; a < r->n_sessions; a++)
        for (size_t b = a + 1; b < r->n_sessions; b++) {
            const struct plan_session *sa = &r->sessions[a], *sb = &r->sessions[b];
            if ((sa->days & sb->days) &&
                intervals_intersect(sa->start_usec, sa->end_usec, sb->start_usec, sb->end_usec))
                report(sink, PLAN_SESSIONS_OVERLAP, a, b, 0, 0, 0);
        }
    if (!r->has_chime)
        return;
    for (size_t s = 0; s < r->n_sessions; s++) {
        const int64_t len = r->sessions[s].end_usec - r->sessions[s].start_usec;
        if (r->chime_duration_usec > len)
            report(sink, PLAN_CHIME_LONGER_THAN_SESSION, s, 0, 0, 0, r->chime_duration_usec - len);
    }
}

static void check_item_windows(const struct plan_rules *r, struct problem_sink *sink)
{
    for (size_t i = 0; i < r->n_items; i++) {
        const struct plan_item *it = &r->items[i];
        if (it->campaign >= r->n_campaigns)
            continue; /* structurally wrong: plan_new() refuses it */
        const struct plan_campaign *c = &r->campaigns[it->campaign];
        if (it->from_day < c->from_day || it->until_day > c->until_day)
            report(sink, PLAN_ITEM_OUTSIDE_CAMPAIGN, i, it->campaign, 0, 0, 0);
    }
}

/* Each fixed airing against the sessions that can hold it: it must fall in one of its
 * allowed sessions, and in every such session that runs on one of its weekdays it must
 * keep clear of the chime and end by the session's end. */
static void check_at_in_sessions(const struct plan_rules *r, struct problem_sink *sink)
{
    const uint32_t valid = valid_mask(r);
    for (size_t i = 0; i < r->n_items; i++) {
        const struct plan_item *it = &r->items[i];
        for (size_t j = 0; j < it->n_at; j++) {
            const int64_t t = it->at_usec[j], end = t + it->duration_usec;
            bool inside = false;
            for (size_t s = 0; s < r->n_sessions; s++) {
                const struct plan_session *ss = &r->sessions[s];
                if (!(it->sessions & valid & (UINT32_C(1) << s)) || !session_contains(ss, t))
                    continue;
                inside = true;
                if (!(ss->days & it->days))
                    continue; /* never airs here */
                if (r->has_chime && intervals_intersect(t, end, ss->start_usec,
                                                        ss->start_usec + r->chime_duration_usec))
                    report(sink, PLAN_AT_OVERLAPS_CHIME, i, s, j, 0, 0);
                if (end > ss->end_usec)
                    report(sink, PLAN_AT_ENDS_AFTER_SESSION, i, s, j, 0, end - ss->end_usec);
            }
            if (!inside)
                report(sink, PLAN_AT_OUTSIDE_SESSIONS, i, 0, j, 0, 0);
        }
    }
}

/* Could fixed airing (a, ja) and (b, jb) air on the same day at intersecting times? */
static bool fixed_conflict(const struct plan_rules *r, size_t a, size_t ja, size_t b, size_t jb)
{
    const struct plan_item *ia = &r->items[a], *ib = &r->items[b];
    const int64_t ta = ia->at_usec[ja], tb = ib->at_usec[jb];
    if (!intervals_intersect(ta, ta + ia->duration_usec, tb, tb + ib->duration_usec))
        return false;
    int32_t lo_a, hi_a, lo_b, hi_b;
    item_window(r, ia, &lo_a, &hi_a);
    item_window(r, ib, &lo_b, &hi_b);
    const int32_t lo = lo_a > lo_b ? lo_a : lo_b, hi = hi_a < hi_b ? hi_a : hi_b;
    if (lo > hi)
        return false;
    for (int wd = 0; wd < 7; wd++) {
        if (!(ia->days & ib->days & (1u << wd)))
            continue;
        if (session_on_weekday(r, ia, wd, ta) < 0 || session_on_weekday(r, ib, wd, tb) < 0)
            continue;
        if (window_has_weekday(lo, hi, wd))
            return true;
    }
    return false;
}

static void check_fixed_pairs(const struct plan_rules *r, struct problem_sink *sink)
{
    for (size_t a = 0; a < r->n_items; a++)
        for (size_t ja = 0; ja < r->items[a].n_at; ja++)
            for (size_t b = a; b < r->n_items; b++)
                for (size_t jb = (b == a ? ja + 1 : 0); jb < r->items[b].n_at; jb++)
                    if (fixed_conflict(r, a, ja, b, jb))
                        report(sink, PLAN_AT_OVERLAPS_AT, a, b, ja, jb, 0);
}

size_t plan_validate(const struct plan_rules *rules, struct plan_problem *ret, size_t cap)
{
    struct problem_sink sink = {.ret = ret, .cap = ret ? cap : 0, .n = 0};
    if (!rules || rules->n_sessions > PLAN_MAX_SESSIONS)
        return 0;
    check_sessions(rules, &sink);
    check_item_windows(rules, &sink);
    check_at_in_sessions(rules, &sink);
    check_fixed_pairs(rules, &sink);
    return sink.n;
}
