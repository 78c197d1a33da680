/* Proof-of-display periods (see kiosk_proof.h). */
#include "kiosk_proof.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define USEC_PER_HOUR (INT64_C(3600) * CIVIL_USEC_PER_SEC)

struct period {
    char *id;
    char *title;
    int64_t first, last;
    bool first_set;
    uint32_t times;
    int64_t shown_usec;
    bool showing;
    bool pending; /* the current showing is not counted yet: it has lasted no time */
    int64_t since; /* start of the current showing (or of the period, if carried over) */
};

struct kiosk_proof_tracker {
    struct kiosk_proof_sink sink;
    struct period *p; /* open periods */
    size_t n, cap;
    bool started;
    int64_t last_t;
    int64_t last_split; /* the last hour split at an observation exactly on it */
};

const char *kiosk_proof_close_name(enum kiosk_proof_close c)
{
    switch (c) {
    case KIOSK_PROOF_LEFT_ROTATION:
        return "left-rotation";
    case KIOSK_PROOF_SCREEN_OFF:
        return "screen-off";
    case KIOSK_PROOF_HOUR:
        return "hour";
    case KIOSK_PROOF_SHUTDOWN:
        return "shutdown";
    }
    return "unknown";
}

int kiosk_proof_tracker_new(const struct kiosk_proof_sink *sink, struct kiosk_proof_tracker **ret)
{
    struct kiosk_proof_tracker *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    if (sink)
        t->sink = *sink;
    t->last_split = INT64_MIN;
    *ret = t;
    return 0;
}

static void period_clear(struct period *p)
{
    free(p->id);
    free(p->title);
    memset(p, 0, sizeof *p);
}

struct kiosk_proof_tracker *kiosk_proof_tracker_free(struct kiosk_proof_tracker *t)
{
    if (!t)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        period_clear(&t->p[i]);
    free(t->p);
    free(t);
    return NULL;
}

/* Bring the showing notice's tally up to instant `to`. A showing counts once it has
 * lasted some time, so one that ends where it began (two updates at one instant, a
 * shutdown on the hour) is no showing. */
static void accumulate(struct kiosk_proof_tracker *t, int64_t to)
{
    for (size_t i = 0; i < t->n; i++) {
        struct period *p = &t->p[i];
        if (!p->showing || to <= p->since)
            continue;
        if (p->pending) {
            p->pending = false;
            p->times++;
            if (!p->first_set) {
                p->first = p->since;
                p->first_set = true;
            }
        }
        p->shown_usec += to - p->since;
        p->since = to;
        p->last = to;
    }
}

static void emit(struct kiosk_proof_tracker *t, const struct period *p, enum kiosk_proof_close why)
{
    if (p->times == 0 || p->shown_usec <= 0 || !t->sink.record)
        return;
    struct kiosk_proof_record r = {
        .notice_id = p->id,
        .title = p->title ? p->title : "",
        .first_shown_lt_usec = p->first,
        .last_shown_lt_usec = p->last,
        .times_shown = p->times,
        .shown_usec = p->shown_usec,
        .closed_by = why,
    };
    t->sink.record(t->sink.userdata, &r);
}

/* Close period i (already accumulated) and remove it, keeping the order of the rest so
 * records come out in a stable order. */
static void close_period(struct kiosk_proof_tracker *t, size_t i, enum kiosk_proof_close why)
{
    emit(t, &t->p[i], why);
    period_clear(&t->p[i]);
    memmove(&t->p[i], &t->p[i + 1], (t->n - i - 1) * sizeof *t->p);
    t->n--;
}

/* Every open period closes on the hour and a new one opens at once for the same
 * notice; the notice on screen carries on as the new period's first showing. */
static void split_at_hour(struct kiosk_proof_tracker *t, int64_t h)
{
    accumulate(t, h);
    for (size_t i = 0; i < t->n; i++) {
        struct period *p = &t->p[i];
        emit(t, p, KIOSK_PROOF_HOUR);
        p->times = 0;
        p->shown_usec = 0;
        p->first_set = false;
        p->first = p->last = h;
        p->since = h;
        p->pending = p->showing;
    }
}

static int64_t next_hour_after(int64_t t)
{
    return t - (((t % USEC_PER_HOUR) + USEC_PER_HOUR) % USEC_PER_HOUR) + USEC_PER_HOUR;
}

/* Split at every hour strictly between the last observation and `to`, then bring the
 * tallies to `to`. An hour falling exactly on `to` is split by the caller after it has
 * applied the state at `to`, so a period that ends there for a reason of its own
 * (screen-off, leaving the rotation, shutdown) is closed for that reason. */
static void advance(struct kiosk_proof_tracker *t, int64_t to)
{
    for (int64_t h = next_hour_after(t->last_t); h < to; h += USEC_PER_HOUR)
        split_at_hour(t, h);
    accumulate(t, to);
    t->last_t = to;
}

static struct period *find(struct kiosk_proof_tracker *t, const struct kiosk_notice *n)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *title = n->title ? n->title : "";
        if (strcmp(t->p[i].id, n->id) == 0 && strcmp(t->p[i].title, title) == 0)
            return &t->p[i];
    }
    return NULL;
}

static bool in_state(const struct kiosk_proof_state *s, const struct period *p)
{
    if (!s->screen_on || !s->in_rotation)
        return false;
    for (size_t i = 0; i < s->n_notices; i++) {
        const struct kiosk_notice *n = &s->notices[i];
        if (s->in_rotation[i] && strcmp(p->id, n->id) == 0 &&
            strcmp(p->title, n->title ? n->title : "") == 0)
            return true;
    }
    return false;
}

int kiosk_proof_observe(struct kiosk_proof_tracker *t, int64_t t_lt_usec,
                        const struct kiosk_proof_state *s)
{
    if (!t->started) {
        t->started = true;
        t->last_t = t_lt_usec;
    }
    if (t_lt_usec < t->last_t)
        t_lt_usec = t->last_t;
    advance(t, t_lt_usec);

    /* Periods whose notice left the rotation (or the screen went off) close now. */
    for (size_t i = 0; i < t->n;) {
        if (in_state(s, &t->p[i])) {
            i++;
            continue;
        }
        close_period(t, i, s->screen_on ? KIOSK_PROOF_LEFT_ROTATION : KIOSK_PROOF_SCREEN_OFF);
    }

    /* Notices newly in rotation open a period. */
    if (s->screen_on && s->in_rotation) {
        for (size_t i = 0; i < s->n_notices; i++) {
            const struct kiosk_notice *n = &s->notices[i];
            if (!s->in_rotation[i] || find(t, n))
                continue;
            if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 16;
                struct period *np = realloc(t->p, cap * sizeof *np);
                if (!np)
                    return -ENOMEM;
                t->p = np;
                t->cap = cap;
            }
            struct period *p = &t->p[t->n];
            memset(p, 0, sizeof *p);
            p->id = strdup(n->id);
            p->title = strdup(n->title ? n->title : "");
            if (!p->id || !p->title) {
                period_clear(p);
                return -ENOMEM;
            }
            p->first = p->last = p->since = t_lt_usec;
            t->n++;
        }
    }

    /* Which period is on screen from now on. */
    struct period *now = NULL;
    if (s->screen_on && s->shown >= 0 && (size_t)s->shown < s->n_notices && s->in_rotation &&
        s->in_rotation[s->shown])
        now = find(t, &s->notices[s->shown]);
    for (size_t i = 0; i < t->n; i++) {
        struct period *p = &t->p[i];
        if (p == now) {
            if (!p->showing) {
                p->showing = true;
                p->pending = true;
                p->since = t_lt_usec;
            }
        } else if (p->showing) {
            p->showing = false;
            p->pending = false;
        }
    }
    /* On the hour: what stays in rotation closes a period and opens the next. */
    if (t_lt_usec % USEC_PER_HOUR == 0 && t_lt_usec != t->last_split)
        split_at_hour(t, t_lt_usec);
    t->last_split = t_lt_usec % USEC_PER_HOUR == 0 ? t_lt_usec : t->last_split;
    return 0;
}

void kiosk_proof_finish(struct kiosk_proof_tracker *t, int64_t t_lt_usec)
{
    if (!t->started)
        return;
    if (t_lt_usec < t->last_t)
        t_lt_usec = t->last_t;
    advance(t, t_lt_usec);
    while (t->n > 0)
        close_period(t, 0, KIOSK_PROOF_SHUTDOWN);
}

/* The first edge of the daily window strictly after t. */
static int64_t next_window_edge(int64_t start, int64_t end, int64_t t)
{
    int32_t day = kiosk_lt_day(t);
    int64_t tod = kiosk_lt_tod(t);
    int64_t best = CIVIL_USEC_PER_DAY + (start < end ? start : end);
    if (start > tod && start < best)
        best = start;
    if (end > tod && end < best)
        best = end;
    return kiosk_lt(day, best);
}

int kiosk_proof_periods(const struct kiosk_rotation *r, const struct kiosk_screen_off *screen_off,
                        const struct kiosk_override *overrides, size_t n_overrides,
                        int64_t from_lt_usec, int64_t to_lt_usec,
                        const struct kiosk_proof_sink *sink)
{
    struct kiosk_proof_tracker *tr = NULL;
    bool *flags = NULL;
    int rc;

    if (to_lt_usec < from_lt_usec)
        return -EINVAL;
    rc = kiosk_proof_tracker_new(sink, &tr);
    if (rc < 0)
        return rc;
    flags = calloc(r->n_notices ? r->n_notices : 1, sizeof *flags);
    if (!flags) {
        rc = -ENOMEM;
        goto out;
    }

    for (int64_t t = from_lt_usec; t < to_lt_usec;) {
        struct kiosk_slot slot;
        kiosk_rotation_at(r, t, &slot);
        bool off = kiosk_screen_off_at(screen_off, t);
        bool covered = false;
        int64_t next = slot.end_lt_usec;

        for (size_t i = 0; i < n_overrides; i++) {
            const struct kiosk_override *o = &overrides[i];
            if (o->from_lt_usec <= t && t < o->until_lt_usec)
                covered = true;
            if (o->from_lt_usec > t && o->from_lt_usec < next)
                next = o->from_lt_usec;
            if (o->until_lt_usec > t && o->until_lt_usec < next)
                next = o->until_lt_usec;
        }
        if (screen_off && screen_off->enabled) {
            int64_t e = next_window_edge(screen_off->start_usec, screen_off->end_usec, t);
            if (e < next)
                next = e;
        }
        if (next > to_lt_usec)
            next = to_lt_usec;

        for (size_t i = 0; i < r->n_notices; i++)
            flags[i] = !off && kiosk_notice_valid_at(&r->notices[i], t);
        struct kiosk_proof_state st = {
            .notices = r->notices,
            .n_notices = r->n_notices,
            .in_rotation = flags,
            .shown = (!off && !covered) ? slot.notice : -1,
            .screen_on = !off,
        };
        rc = kiosk_proof_observe(tr, t, &st);
        if (rc < 0)
            goto out;
        t = next;
    }
    kiosk_proof_finish(tr, to_lt_usec);
    rc = 0;
out:
    free(flags);
    kiosk_proof_tracker_free(tr);
    return rc;
}
