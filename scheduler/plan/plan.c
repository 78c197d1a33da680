/* The broadcast plan: SPEC.md "The plan", one local date at a time.
 *
 * Everything the walk needs is allocated in plan_new(); plan_day() only reads the
 * rules and rewrites scratch arrays it owns. Fairness ("fewest airings planned so far
 * since its campaign started") makes day D depend on every day before it, so the plan
 * keeps per-item counters and a cursor day; see plan_day() for how queries move it.
 * docs/plan.md states the decisions taken where SPEC.md is silent.
 */
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One queued item waiting in a session: how many of its airings are still to choose. */
struct queue_entry {
    uint32_t item;
    uint32_t left;
};

/* Where a session's airings sit in the day's scratch array (sessions in config order). */
struct session_seg {
    size_t off, n;
};

struct plan {
    struct plan_rules r; /* copied; the arrays it points to are borrowed */
    uint32_t valid_sessions;
    bool has_span;
    int32_t first_day, last_day;
    size_t max_per_day;

    uint32_t *queued_items; /* items without `at`, installed order */
    size_t n_queued_items;
    uint32_t *fixed_items; /* items with `at`, installed order */
    size_t n_fixed_items;
    uint32_t by_start[PLAN_MAX_SESSIONS]; /* session indices ordered by start time */

    /* Fairness state: count[i] = planned airings of item i on days [first_day, cursor). */
    uint32_t *count;
    int32_t cursor;
    /* count as it was before the last day returned (snap_day), so asking for the same
     * day again, as the daemon does, costs one day and not a replay. */
    uint32_t *snap_count;
    int32_t snap_day;
    bool snap_valid;

    /* Per-day scratch. */
    uint32_t *day_sessions; /* item -> its sessions on the day (0: not eligible) */
    uint32_t *ord; /* item -> airings so far in the current session (ordinals) */
    struct queue_entry *heap;
    struct plan_airing *day; /* the day's airings, sessions in config order */
    struct plan_airing *fixed; /* current session: fixed airings by start */
    struct plan_airing *placed; /* current session: queued airings placed, by start */
    struct plan_airing *dropped; /* current session: dropped, in drop order */
    struct session_seg seg[PLAN_MAX_SESSIONS];
};

static unsigned popcount32(uint32_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

struct plan *plan_free(struct plan *p)
{
    if (!p)
        return NULL;
    free(p->queued_items);
    free(p->fixed_items);
    free(p->count);
    free(p->snap_count);
    free(p->day_sessions);
    free(p->ord);
    free(p->heap);
    free(p->day);
    free(p->fixed);
    free(p->placed);
    free(p->dropped);
    free(p);
    return NULL;
}

/* calloc that treats n == 0 as one element, so "no items" is not mistaken for ENOMEM. */
static void *alloc_array(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

int plan_new(const struct plan_rules *rules, struct plan **ret_plan)
{
    if (!rules || !ret_plan || rules->n_sessions > PLAN_MAX_SESSIONS)
        return -EINVAL;
    if ((rules->n_sessions && !rules->sessions) || (rules->n_items && !rules->items) ||
        (rules->n_campaigns && !rules->campaigns) || (rules->n_skip_days && !rules->skip_days))
        return -EINVAL;
    if (rules->gap_usec < 0 || (rules->has_chime && rules->chime_duration_usec < 0))
        return -EINVAL;

    const uint32_t valid = rules->n_sessions == PLAN_MAX_SESSIONS
                               ? UINT32_MAX
                               : (uint32_t)((UINT64_C(1) << rules->n_sessions) - 1);
    /* The day bound: a chime per session plus every airing each item can get on a day. */
    uint64_t max = rules->has_chime ? rules->n_sessions : 0;
    size_t n_fixed = 0;
    for (size_t i = 0; i < rules->n_items; i++) {
        const struct plan_item *it = &rules->items[i];
        if (it->campaign >= rules->n_campaigns || (it->n_at && !it->at_usec) ||
            it->duration_usec < 0)
            return -EINVAL;
        if (it->n_at) {
            n_fixed++;
            max += it->n_at;
        } else {
            uint32_t m = it->sessions & valid;
            max += m ? (it->plays_per_day ? it->plays_per_day : popcount32(m)) : 0;
        }
    }
    if (max > SIZE_MAX / (4 * sizeof(struct plan_airing)) || max > UINT32_MAX)
        return -ENOMEM;

    struct plan *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->r = *rules;
    p->valid_sessions = valid;
    p->max_per_day = (size_t)max;
    p->n_fixed_items = n_fixed;
    p->n_queued_items = rules->n_items - n_fixed;
    p->queued_items = alloc_array(p->n_queued_items, sizeof(uint32_t));
    p->fixed_items = alloc_array(p->n_fixed_items, sizeof(uint32_t));
    p->count = alloc_array(rules->n_items, sizeof(uint32_t));
    p->snap_count = alloc_array(rules->n_items, sizeof(uint32_t));
    p->day_sessions = alloc_array(rules->n_items, sizeof(uint32_t));
    p->ord = alloc_array(rules->n_items, sizeof(uint32_t));
    p->heap = alloc_array(rules->n_items, sizeof(struct queue_entry));
    p->day = alloc_array(p->max_per_day, sizeof(struct plan_airing));
    p->fixed = alloc_array(p->max_per_day, sizeof(struct plan_airing));
    p->placed = alloc_array(p->max_per_day, sizeof(struct plan_airing));
    p->dropped = alloc_array(p->max_per_day, sizeof(struct plan_airing));
    if (!p->queued_items || !p->fixed_items || !p->count || !p->snap_count || !p->day_sessions ||
        !p->ord || !p->heap || !p->day || !p->fixed || !p->placed || !p->dropped) {
        plan_free(p);
        return -ENOMEM;
    }

    size_t nq = 0, nf = 0;
    for (size_t i = 0; i < rules->n_items; i++) {
        if (rules->items[i].n_at)
            p->fixed_items[nf++] = (uint32_t)i;
        else
            p->queued_items[nq++] = (uint32_t)i;
    }

    /* Sessions by start time (insertion sort: stable, so equal starts keep config order). */
    for (size_t k = 0; k < rules->n_sessions; k++) {
        size_t j = k;
        while (j > 0 &&
               rules->sessions[p->by_start[j - 1]].start_usec > rules->sessions[k].start_usec) {
            p->by_start[j] = p->by_start[j - 1];
            j--;
        }
        p->by_start[j] = (uint32_t)k;
    }

    for (size_t c = 0; c < rules->n_campaigns; c++) {
        const struct plan_campaign *cp = &rules->campaigns[c];
        if (!p->has_span || cp->from_day < p->first_day)
            p->first_day = cp->from_day;
        if (!p->has_span || cp->until_day > p->last_day)
            p->last_day = cp->until_day;
        p->has_span = true;
    }
    p->cursor = p->first_day;

    *ret_plan = p;
    return 0;
}

size_t plan_max_airings_per_day(const struct plan *p)
{
    return p->max_per_day;
}

int plan_span(const struct plan *p, int32_t *ret_first_day, int32_t *ret_last_day)
{
    if (!p->has_span)
        return -ENOENT;
    if (ret_first_day)
        *ret_first_day = p->first_day;
    if (ret_last_day)
        *ret_last_day = p->last_day;
    return 0;
}

static bool is_skip_day(const struct plan_rules *r, int32_t day)
{
    size_t lo = 0, hi = r->n_skip_days;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->skip_days[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->n_skip_days && r->skip_days[lo] == day;
}

/* The session of `mask` (config order) whose [start,end) contains time of day t, or -1.
 * Sessions running on one day never overlap (plan_validate), so at most one matches. */
static int session_containing(const struct plan_rules *r, uint32_t mask, int64_t t)
{
    for (size_t s = 0; s < r->n_sessions; s++) {
        if (!(mask & (UINT32_C(1) << s)))
            continue;
        if (t >= r->sessions[s].start_usec && t < r->sessions[s].end_usec)
            return (int)s;
    }
    return -1;
}

/* Queue order: higher class first, then fewer planned airings, then installed order. */
static bool queue_before(const struct plan *p, const struct queue_entry *a,
                         const struct queue_entry *b)
{
    const enum plan_class ca = p->r.items[a->item].cls, cb = p->r.items[b->item].cls;
    if (ca != cb)
        return ca > cb;
    if (p->count[a->item] != p->count[b->item])
        return p->count[a->item] < p->count[b->item];
    return a->item < b->item;
}

static void heap_sift_up(struct plan *p, size_t k)
{
    while (k > 0) {
        size_t parent = (k - 1) / 2;
        if (!queue_before(p, &p->heap[k], &p->heap[parent]))
            break;
        struct queue_entry t = p->heap[k];
        p->heap[k] = p->heap[parent];
        p->heap[parent] = t;
        k = parent;
    }
}

static void heap_sift_down(struct plan *p, size_t n, size_t k)
{
    for (;;) {
        size_t l = 2 * k + 1, best = k;
        if (l < n && queue_before(p, &p->heap[l], &p->heap[best]))
            best = l;
        if (l + 1 < n && queue_before(p, &p->heap[l + 1], &p->heap[best]))
            best = l + 1;
        if (best == k)
            return;
        struct queue_entry t = p->heap[k];
        p->heap[k] = p->heap[best];
        p->heap[best] = t;
        k = best;
    }
}

static struct plan_airing make_airing(int32_t day, uint32_t session, uint32_t item,
                                      const struct plan_item *it, int64_t start, int64_t dur,
                                      bool fixed)
{
    return (struct plan_airing){
        .day = day,
        .session = session,
        .item = item,
        .ordinal = 1,
        .kind = it ? it->kind : PLAN_KIND_CHIME,
        .cls = it ? it->cls : PLAN_CLASS_NORMAL,
        .status = PLAN_STATUS_PLANNED,
        .fixed = fixed,
        .start_usec = start,
        .end_usec = start + dur,
        .duration_usec = dur,
    };
}

/* Collect session s's fixed airings on the day into p->fixed, ordered by start (ties:
 * installed order, then `at` order). Returns how many. */
static size_t collect_fixed(struct plan *p, int32_t day, uint32_t s)
{
    const struct plan_rules *r = &p->r;
    size_t nf = 0;
    for (size_t k = 0; k < p->n_fixed_items; k++) {
        const uint32_t i = p->fixed_items[k];
        const uint32_t m = p->day_sessions[i];
        if (!(m & (UINT32_C(1) << s)))
            continue;
        const struct plan_item *it = &r->items[i];
        for (size_t j = 0; j < it->n_at; j++) {
            if (session_containing(r, m, it->at_usec[j]) != (int)s)
                continue;
            struct plan_airing a =
                make_airing(day, s, i, it, it->at_usec[j], it->duration_usec, true);
            size_t pos = nf++;
            while (pos > 0 && p->fixed[pos - 1].start_usec > a.start_usec) {
                p->fixed[pos] = p->fixed[pos - 1];
                pos--;
            }
            p->fixed[pos] = a;
        }
    }
    return nf;
}

/* Fill the queue heap with session s's queued airings: an item's plays_per_day airings
 * are dealt round-robin over its n sessions on the day in config order, so this session
 * (rank r among them) gets k/n, plus one when r < k mod n. Returns the heap size. */
static size_t fill_queue(struct plan *p, uint32_t s)
{
    const uint32_t bit = UINT32_C(1) << s;
    size_t nh = 0;
    for (size_t k = 0; k < p->n_queued_items; k++) {
        const uint32_t i = p->queued_items[k];
        const uint32_t m = p->day_sessions[i];
        if (!(m & bit))
            continue;
        const uint32_t n = popcount32(m), rank = popcount32(m & (bit - 1));
        const uint32_t plays = p->r.items[i].plays_per_day ? p->r.items[i].plays_per_day : n;
        const uint32_t mine = plays / n + (rank < plays % n ? 1 : 0);
        if (!mine)
            continue;
        p->heap[nh] = (struct queue_entry){.item = i, .left = mine};
        heap_sift_up(p, nh);
        nh++;
    }
    return nh;
}

/* Plan session s on the day into out[]; returns how many airings were written. */
static size_t plan_session(struct plan *p, int32_t day, uint32_t s, struct plan_airing *out)
{
    const struct plan_rules *r = &p->r;
    const struct plan_session *ss = &r->sessions[s];
    const int64_t gap = r->gap_usec;

    size_t nf = collect_fixed(p, day, s);
    size_t nh = fill_queue(p, s);
    /* A session with nothing to air stays silent: no lone chime (docs/plan.md). */
    if (nf == 0 && nh == 0)
        return 0;

    size_t nout = 0, nplaced = 0, ndropped = 0;
    int64_t next = ss->start_usec;
    if (r->has_chime) {
        struct plan_airing c = make_airing(day, s, PLAN_ITEM_CHIME, NULL, ss->start_usec,
                                           r->chime_duration_usec, true);
        if (c.end_usec > ss->end_usec) {
            c.status = PLAN_STATUS_DROPPED;
            p->dropped[ndropped++] = c;
        } else {
            out[nout++] = c;
        }
        next = c.end_usec + gap;
    }

    /* Rule 4 holds for fixed airings too: one ending after the session is dropped, and a
     * dropped airing does not block the queue. (plan_validate reports it as an error.) */
    size_t nfp = 0;
    for (size_t k = 0; k < nf; k++) {
        if (p->fixed[k].end_usec > ss->end_usec) {
            p->fixed[k].status = PLAN_STATUS_DROPPED;
            p->dropped[ndropped++] = p->fixed[k];
        } else {
            p->fixed[nfp++] = p->fixed[k];
            p->count[p->fixed[k].item]++;
        }
    }

    /* The queue, one choice at a time. */
    while (nh > 0) {
        const uint32_t i = p->heap[0].item;
        const struct plan_item *it = &r->items[i];
        const int64_t dur = it->duration_usec;
        int64_t start = next;
        /* Wait past every fixed airing it would touch (gap on both sides). Fixed
         * airings are sorted by start, so one pass settles valid rules; repeat for
         * invalid (overlapping) ones. Each pass moves start strictly forward past
         * some airing, which then never conflicts again, so this terminates. */
        bool moved = true;
        while (moved) {
            moved = false;
            for (size_t k = 0; k < nfp; k++) {
                const struct plan_airing *f = &p->fixed[k];
                if (start < f->end_usec + gap && start + dur + gap > f->start_usec) {
                    start = f->end_usec + gap;
                    moved = true;
                }
            }
        }
        struct plan_airing a = make_airing(day, s, i, it, start, dur, false);
        if (a.end_usec > ss->end_usec) {
            /* session-full: the cursor stays, the next choice may still fit. The key
             * is unchanged, so the entry stays on top of the heap. */
            a.status = PLAN_STATUS_DROPPED;
            p->dropped[ndropped++] = a;
            if (--p->heap[0].left == 0) {
                p->heap[0] = p->heap[--nh];
                heap_sift_down(p, nh, 0);
            }
        } else {
            p->placed[nplaced++] = a;
            next = a.end_usec + gap;
            p->count[i]++;
            if (--p->heap[0].left == 0)
                p->heap[0] = p->heap[--nh];
            heap_sift_down(p, nh, 0);
        }
    }

    /* Planned airings by start: merge fixed and placed (both already sorted). */
    size_t a = 0, b = 0;
    while (a < nfp || b < nplaced) {
        if (b == nplaced || (a < nfp && p->fixed[a].start_usec <= p->placed[b].start_usec))
            out[nout++] = p->fixed[a++];
        else
            out[nout++] = p->placed[b++];
    }
    for (size_t k = 0; k < ndropped; k++)
        out[nout++] = p->dropped[k];

    /* Ordinals: the n-th airing of an item in this session, in output order. */
    for (size_t k = 0; k < nout; k++)
        if (out[k].item != PLAN_ITEM_CHIME)
            out[k].ordinal = ++p->ord[out[k].item];
    for (size_t k = 0; k < nout; k++)
        if (out[k].item != PLAN_ITEM_CHIME)
            p->ord[out[k].item] = 0;
    return nout;
}

/* Plan one day into p->day (sessions in config order, p->seg says where) and advance the
 * fairness counters by it. Returns the number of airings. */
static size_t plan_one_day(struct plan *p, int32_t day)
{
    const struct plan_rules *r = &p->r;
    memset(p->seg, 0, sizeof(p->seg));
    if (is_skip_day(r, day))
        return 0;
    const int wd = civil_weekday(day);
    uint32_t running = 0;
    for (size_t s = 0; s < r->n_sessions; s++)
        if (r->sessions[s].days & (1u << wd))
            running |= UINT32_C(1) << s;
    if (!running)
        return 0;

    for (size_t i = 0; i < r->n_items; i++) {
        const struct plan_item *it = &r->items[i];
        const struct plan_campaign *c = &r->campaigns[it->campaign];
        const bool eligible = day >= c->from_day && day <= c->until_day && day >= it->from_day &&
                              day <= it->until_day && (it->days & (1u << wd));
        p->day_sessions[i] = eligible ? it->sessions & running : 0;
    }

    size_t n = 0;
    for (uint32_t s = 0; s < r->n_sessions; s++) {
        if (!(running & (UINT32_C(1) << s)))
            continue;
        p->seg[s].off = n;
        p->seg[s].n = plan_session(p, day, s, p->day + n);
        n += p->seg[s].n;
    }
    return n;
}

int plan_day(struct plan *p, int32_t day, struct plan_airing *buf, size_t cap, size_t *ret_n)
{
    if (!p->has_span || day < p->first_day || day > p->last_day) {
        /* Outside every campaign nothing airs and no counter moves. */
        *ret_n = 0;
        return 0;
    }

    if (day < p->cursor) {
        if (p->snap_valid && p->snap_day <= day) {
            memcpy(p->count, p->snap_count, p->r.n_items * sizeof(*p->count));
            p->cursor = p->snap_day;
        } else {
            /* Replay from the earliest campaign start: the counters are a pure function
             * of the days before, so going back gives exactly what going forward did. */
            memset(p->count, 0, p->r.n_items * sizeof(*p->count));
            p->cursor = p->first_day;
        }
    }
    while (p->cursor < day) {
        plan_one_day(p, p->cursor);
        p->cursor++;
    }

    memcpy(p->snap_count, p->count, p->r.n_items * sizeof(*p->count));
    p->snap_day = day;
    p->snap_valid = true;

    const size_t n = plan_one_day(p, day);
    if (n > cap) {
        /* Leave the plan as if this day had not been asked for. */
        memcpy(p->count, p->snap_count, p->r.n_items * sizeof(*p->count));
        p->cursor = day;
        return -ENOBUFS;
    }
    p->cursor = day + 1;

    /* Output sessions by start time, each session's block as planned. */
    size_t k = 0;
    for (size_t j = 0; j < p->r.n_sessions; j++) {
        const struct session_seg *g = &p->seg[p->by_start[j]];
        if (g->n == 0)
            continue;
        memcpy(buf + k, p->day + g->off, g->n * sizeof(*buf));
        k += g->n;
    }
    *ret_n = k;
    return 0;
}
