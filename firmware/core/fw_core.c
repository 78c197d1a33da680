/* fw_core: the daemon's pure decide step. See fw_core.h for the rules it applies.
 *
 * Shape of the state:
 * - a window of at most FW_CORE_DAYS local days, loaded from the plan strictly in
 *   ascending order (never backwards, so a backward clock step can never bring a key
 *   back), each an array of entries: the plan's airings with UTC instants and a state;
 * - one lane (what plays), one relay, a play-now queue, pauses, forward-step ranges;
 * - plan slots: the plan in effect, a reload waiting for its session start, and
 *   replaced plans still referred to by undecided entries.
 * A tick first settles what is due whatever the lane does (records), then walks the
 * undecided airings in plan order to find the next one to air (the walk also records
 * the misses that depend on the lane), then drives relay, pre-roll and start.
 */
#include "fw_core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"

#define FW_CORE_DAYS 4
#define FW_CORE_SLOTS 6
#define FW_CORE_PAUSES 16
#define FW_CORE_PLAY_NOW 16
#define FW_CORE_STEPS 16
#define NO_TIME INT64_MIN
#define NO_SLOT UINT8_MAX

enum entry_state {
    E_UNDECIDED = 0, /* no record: will air or be recorded missed/dropped */
    E_PLAYING, /* START emitted, not finished */
    E_DONE, /* final record exists or was emitted */
    E_OUT, /* before the floor: not our business */
    E_CRASHED, /* start record without final: close as interrupted (crash) */
};

struct entry {
    struct plan_airing a;
    uint8_t slot;
    uint8_t state;
    /* Due, and the lane was free for it (or it was caught up) within its window: from
     * now on only its session's end can stop it. */
    bool eligible;
    int64_t start_utc, end_utc;
    int64_t session_start_utc, session_end_utc;
};

struct day {
    int32_t day;
    int64_t end_utc; /* next local midnight */
    struct entry *e; /* buffer of day_cap entries, owned */
    size_t n;
    size_t first_open; /* every entry before it is decided */
};

struct slot {
    bool used;
    bool retired; /* replaced: release once nothing undecided refers to it */
    bool release_now; /* a pending reload replaced before taking effect */
    const struct plan_rules *rules;
    struct plan *plan;
    void *cookie;
    size_t max_per_day;
};

struct pause {
    int64_t from, until;
    bool any_session;
    char session[64];
};

struct step {
    int64_t from, until;
    /* Skipped airings planned before this (the daemon's real start, when the step
     * corrected an untrusted clock) were missed because the daemon was down. */
    int64_t down_before;
};

struct pn {
    struct fw_play_now req;
    int64_t accepted;
    bool chimed; /* its chime was started (a key airs once: never a second chime) */
};

struct fw_core {
    struct fw_core_config cfg;
    struct fw_tz tz;
    struct fw_ledger_view ledger;

    struct slot slots[FW_CORE_SLOTS];
    int cur; /* slot in effect */
    int pending; /* slot taking effect at switch_utc, or -1 */
    int64_t switch_utc;

    struct day days[FW_CORE_DAYS]; /* days[0..n_days) loaded, ascending */
    size_t n_days;
    size_t day_cap;
    struct plan_airing *scratch;
    size_t scratch_cap;
    int32_t next_load_day;
    int64_t floor;

    bool started;
    int64_t boot; /* first tick, moved with clock steps */
    enum fw_trust trust;
    bool trusted_ever; /* some tick since the start had a trusted clock */

    struct step steps[FW_CORE_STEPS];
    size_t n_steps;
    struct pause pauses[FW_CORE_PAUSES];
    size_t n_pauses;
    struct pn queue[FW_CORE_PLAY_NOW];
    size_t n_queue;

    /* the lane */
    bool busy;
    struct fw_airing cur_air;
    int64_t cur_start;
    bool stop_sent;
    int64_t free_since; /* last end, NO_TIME if nothing ended yet */
    bool last_was_block; /* the last end was a completed chime or priority play-now */
    bool has_prepared;
    struct fw_airing prepared;

    bool relay_on;
    int64_t relay_on_since;
    bool screen_on_pending;
    bool shutdown, shutdown_done;

    bool has_next;
    struct fw_airing next;
    int64_t next_start;
};

/* One tick's context. */
struct tick {
    struct fw_core *c;
    int64_t now;
    struct fw_actions *out;
    int64_t wake;
    bool full;
};

/* A candidate for the lane. */
struct cand {
    bool valid;
    struct fw_airing air;
    int64_t start;
    struct entry *e; /* plan entry, or NULL */
    int pn; /* play-now queue index, or -1 */
};

/* ---- Names -------------------------------------------------------------------- */

const char *fw_trust_name(enum fw_trust t)
{
    switch (t) {
    case FW_TRUST_UNSYNCED:
        return "unsynced";
    case FW_TRUST_SYNCED:
        return "synced";
    case FW_TRUST_HOLDOVER:
        return "holdover";
    case FW_TRUST_RTC:
        return "rtc";
    case FW_TRUST_OPERATOR:
        return "operator";
    case FW_TRUST_VIRTUAL:
        return "virtual";
    }
    return "unsynced";
}

bool fw_trust_is_trusted(enum fw_trust t)
{
    return t != FW_TRUST_UNSYNCED;
}

const char *fw_outcome_name(enum fw_outcome o)
{
    switch (o) {
    case FW_OUTCOME_COMPLETED:
        return "completed";
    case FW_OUTCOME_INTERRUPTED:
        return "interrupted";
    case FW_OUTCOME_FAILED:
        return "failed";
    case FW_OUTCOME_MISSED:
        return "missed";
    case FW_OUTCOME_DROPPED:
        return "dropped";
    }
    return "";
}

const char *fw_reason_name(enum fw_reason r)
{
    switch (r) {
    case FW_REASON_NONE:
        return "";
    case FW_REASON_EMERGENCY:
        return "emergency";
    case FW_REASON_SHUTDOWN:
        return "shutdown";
    case FW_REASON_CRASH:
        return "crash";
    case FW_REASON_TIMEOUT:
        return "timeout";
    case FW_REASON_DOWNTIME:
        return "downtime";
    case FW_REASON_CLOCK_UNSYNCED:
        return "clock-unsynced";
    case FW_REASON_CLOCK_STEP:
        return "clock-step";
    case FW_REASON_SESSION_OVER:
        return "session-over";
    case FW_REASON_QUIET_HOURS:
        return "quiet-hours";
    case FW_REASON_PAUSED:
        return "paused";
    case FW_REASON_SKIP_DATE:
        return "skip-date";
    case FW_REASON_PREEMPTED:
        return "pre-empted";
    case FW_REASON_SESSION_FULL:
        return "session-full";
    }
    return "";
}

void fw_core_config_default(struct fw_core_config *ret)
{
    *ret = (struct fw_core_config){
        .amp_warmup_usec = 2 * CIVIL_USEC_PER_SEC,
        .amp_hold_usec = 30 * CIVIL_USEC_PER_SEC,
        .prepare_usec = 2 * CIVIL_USEC_PER_SEC,
        .catch_up_usec = 15 * 60 * CIVIL_USEC_PER_SEC,
        .late_tolerance_usec = 10 * CIVIL_USEC_PER_SEC,
        .timeout_usec = 5 * CIVIL_USEC_PER_SEC,
        .require_trust = true,
    };
}

/* ---- Fixed-offset time zone --------------------------------------------------- */

static void fixed_to_local(void *userdata, int64_t utc, int32_t *ret_day, int64_t *ret_usec)
{
    int64_t local = utc + *(const int64_t *)userdata;
    int64_t d = local / CIVIL_USEC_PER_DAY;
    if (local % CIVIL_USEC_PER_DAY < 0)
        d--;
    *ret_day = (int32_t)d;
    *ret_usec = local - d * CIVIL_USEC_PER_DAY;
}

static int64_t fixed_to_utc(void *userdata, int32_t day, int64_t usec_of_day)
{
    return (int64_t)day * CIVIL_USEC_PER_DAY + usec_of_day - *(const int64_t *)userdata;
}

struct fw_tz fw_tz_fixed(const int64_t *offset_usec)
{
    /* The callbacks only read through the pointer; the cast drops const for the
     * generic userdata slot. */
    return (struct fw_tz){fixed_to_local, fixed_to_utc, (void *)(uintptr_t)offset_usec};
}

/* ---- Small helpers ------------------------------------------------------------ */

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t add_sat(int64_t a, int64_t b)
{
    if (a == NO_TIME)
        return NO_TIME;
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN + 1 - b)
        return INT64_MIN + 1;
    return a + b;
}

static int32_t day_of(const struct fw_core *c, int64_t utc)
{
    int32_t d;
    int64_t tod;
    c->tz.to_local(c->tz.userdata, utc, &d, &tod);
    return d;
}

static int64_t utc_of(const struct fw_core *c, int32_t day, int64_t tod)
{
    return c->tz.to_utc(c->tz.userdata, day, tod);
}

static bool in_quiet(const struct fw_core *c, int64_t utc)
{
    if (!c->cfg.has_quiet_hours)
        return false;
    int32_t d;
    int64_t tod;
    c->tz.to_local(c->tz.userdata, utc, &d, &tod);
    return civil_window_contains(c->cfg.quiet_start_usec, c->cfg.quiet_end_usec, tod);
}

static int64_t window(const struct fw_core *c)
{
    return max64(c->cfg.catch_up_usec, c->cfg.late_tolerance_usec);
}

static const struct plan_rules *cur_rules(const struct fw_core *c)
{
    return c->slots[c->cur].rules;
}

static int64_t gap(const struct fw_core *c)
{
    return cur_rules(c)->gap_usec;
}

static bool untrusted(const struct fw_core *c)
{
    return c->cfg.require_trust && !fw_trust_is_trusted(c->trust);
}

static bool is_chime(const struct entry *e)
{
    return e->a.kind == PLAN_KIND_CHIME;
}

static bool is_planned(const struct entry *e)
{
    return e->a.status == PLAN_STATUS_PLANNED;
}

static const char *session_id_of(const struct fw_core *c, const struct entry *e)
{
    if (e->slot == NO_SLOT)
        return "";
    const struct plan_rules *r = c->slots[e->slot].rules;
    return e->a.session < r->n_sessions && r->sessions[e->a.session].id
               ? r->sessions[e->a.session].id
               : "";
}

static bool is_paused(const struct fw_core *c, const struct entry *e)
{
    for (size_t i = 0; i < c->n_pauses; i++) {
        const struct pause *p = &c->pauses[i];
        if (e->start_utc < p->from || e->start_utc >= p->until)
            continue;
        if (p->any_session || strcmp(p->session, session_id_of(c, e)) == 0)
            return true;
    }
    return false;
}

/* In a forward-step range? Then missed: downtime if the daemon had not started yet at
 * that (real) time, else clock-step. */
static enum fw_reason step_reason(const struct fw_core *c, int64_t planned)
{
    for (size_t i = 0; i < c->n_steps; i++)
        if (planned >= c->steps[i].from && planned < c->steps[i].until)
            return planned < c->steps[i].down_before ? FW_REASON_DOWNTIME : FW_REASON_CLOCK_STEP;
    return FW_REASON_NONE;
}

/* Why an airing is later than its catch-up window. */
static enum fw_reason late_cause(const struct fw_core *c, int64_t planned, int64_t now)
{
    if (planned < c->boot)
        return FW_REASON_DOWNTIME;
    for (size_t i = 0; i < c->n_steps; i++)
        if (c->steps[i].from >= planned && c->steps[i].from <= now)
            return FW_REASON_CLOCK_STEP;
    return FW_REASON_PREEMPTED;
}

/* Will a future airing be missed whatever the lane does (as far as we know now)? */
static bool predicted_miss(const struct fw_core *c, const struct entry *e)
{
    return is_paused(c, e) || untrusted(c) || in_quiet(c, e->start_utc);
}

static void airing_of_entry(const struct fw_core *c, const struct entry *e, struct fw_airing *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->source = FW_SOURCE_PLAN;
    ret->kind = e->a.kind;
    ret->cls = e->a.cls;
    ret->rules = e->slot == NO_SLOT ? NULL : c->slots[e->slot].rules;
    ret->plan = e->a;
    ret->planned_start_utc_usec = e->start_utc;
    ret->planned_end_utc_usec = e->end_utc;
    ret->duration_usec = e->a.duration_usec;
}

static void airing_of_pn(const struct fw_core *c, const struct pn *p, bool chime,
                         struct fw_airing *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->source = FW_SOURCE_PLAY_NOW;
    ret->kind = chime ? PLAN_KIND_CHIME : PLAN_KIND_ANNOUNCEMENT;
    ret->cls = chime ? PLAN_CLASS_NORMAL : p->req.cls;
    ret->request_id = p->req.request_id;
    ret->cookie = p->req.cookie;
    ret->duration_usec = chime ? cur_rules(c)->chime_duration_usec : p->req.duration_usec;
    ret->planned_start_utc_usec = p->accepted;
    ret->planned_end_utc_usec = add_sat(p->accepted, ret->duration_usec);
}

bool fw_airing_same_key(const struct fw_airing *a, const struct fw_airing *b)
{
    if (a->source != b->source)
        return false;
    if (a->source == FW_SOURCE_PLAY_NOW)
        return a->request_id == b->request_id &&
               (a->kind == PLAN_KIND_CHIME) == (b->kind == PLAN_KIND_CHIME);
    return a->rules == b->rules && a->plan.day == b->plan.day &&
           a->plan.session == b->plan.session && a->plan.item == b->plan.item &&
           a->plan.ordinal == b->plan.ordinal;
}

/* ---- Emitting ----------------------------------------------------------------- */

static struct fw_action *emit(struct tick *t, enum fw_action_kind kind)
{
    if (t->out->n >= FW_ACTIONS_MAX) {
        t->full = true;
        return NULL;
    }
    struct fw_action *a = &t->out->items[t->out->n++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    return a;
}

static bool room(struct tick *t, size_t n)
{
    if (FW_ACTIONS_MAX - t->out->n < n) {
        t->full = true;
        return false;
    }
    return true;
}

/* Only future instants: anything due now is handled in this tick or waits for an
 * event (the lane), so the loop never spins. */
static void wake_at(struct tick *t, int64_t when)
{
    if (when > t->now && when < t->wake)
        t->wake = when;
}

static bool record_entry(struct tick *t, struct entry *e, enum fw_outcome o, enum fw_reason r)
{
    struct fw_action *a = emit(t, FW_ACT_RECORD_FINAL);
    if (!a)
        return false;
    airing_of_entry(t->c, e, &a->airing);
    a->outcome = o;
    a->reason = r;
    e->state = E_DONE;
    return true;
}

/* ---- Days --------------------------------------------------------------------- */

/* Append the airings of slot's plan for d->day whose session starts at or after
 * min_session_start. Looks each key up in the ledger. */
static int append_from_slot(struct fw_core *c, struct day *d, int slot, int64_t min_session_start)
{
    const struct slot *s = &c->slots[slot];
    size_t n = 0;
    int r = plan_day(s->plan, d->day, c->scratch, c->scratch_cap, &n);
    if (r < 0)
        return r;
    size_t keep = d->n;
    for (size_t i = 0; i < n; i++) {
        const struct plan_airing *a = &c->scratch[i];
        if (a->session >= s->rules->n_sessions)
            continue;
        const struct plan_session *ps = &s->rules->sessions[a->session];
        int64_t ss = utc_of(c, d->day, ps->start_usec);
        if (ss < min_session_start)
            continue;
        if (d->n >= c->day_cap) {
            d->n = keep;
            return -ENOBUFS;
        }
        struct entry *e = &d->e[d->n++];
        e->a = *a;
        e->slot = (uint8_t)slot;
        e->start_utc = utc_of(c, d->day, a->start_usec);
        e->end_utc = utc_of(c, d->day, a->end_usec);
        e->session_start_utc = ss;
        e->session_end_utc = utc_of(c, d->day, ps->end_usec);
        e->eligible = false;
        int64_t due = a->status == PLAN_STATUS_DROPPED ? ss : e->start_utc;
        enum fw_record_state rs = FW_RECORD_NONE;
        if (c->ledger.lookup)
            rs = c->ledger.lookup(c->ledger.userdata, s->rules, a);
        if (rs == FW_RECORD_FINAL)
            e->state = E_DONE;
        else if (rs == FW_RECORD_STARTED)
            e->state = E_CRASHED;
        else
            e->state = due < c->floor ? E_OUT : E_UNDECIDED;
    }
    return 0;
}

static int load_next_day(struct fw_core *c)
{
    struct day *d = &c->days[c->n_days];
    d->day = c->next_load_day;
    d->end_utc = utc_of(c, d->day + 1, 0);
    d->n = 0;
    d->first_open = 0;
    int r = append_from_slot(c, d, c->cur, INT64_MIN);
    if (r < 0)
        return r;
    c->n_days++;
    c->next_load_day++;
    return 0;
}

static bool entry_open(const struct entry *e)
{
    return e->state == E_UNDECIDED || e->state == E_PLAYING || e->state == E_CRASHED;
}

static void advance_cursor(struct day *d)
{
    while (d->first_open < d->n && !entry_open(&d->e[d->first_open]))
        d->first_open++;
}

static bool day_settled(const struct day *d)
{
    for (size_t i = d->first_open; i < d->n; i++)
        if (entry_open(&d->e[i]))
            return false;
    return true;
}

static void drop_front_day(struct fw_core *c)
{
    struct day first = c->days[0];
    memmove(&c->days[0], &c->days[1], (FW_CORE_DAYS - 1) * sizeof(c->days[0]));
    first.n = 0;
    c->days[FW_CORE_DAYS - 1] = first;
    c->n_days--;
}

/* Forget step ranges that end before anything still loadable. */
static void prune_steps(struct fw_core *c)
{
    int32_t first = c->n_days > 0 ? c->days[0].day : c->next_load_day;
    int64_t horizon = utc_of(c, first, 0);
    size_t k = 0;
    for (size_t i = 0; i < c->n_steps; i++)
        if (c->steps[i].until > horizon)
            c->steps[k++] = c->steps[i];
    c->n_steps = k;
}

/* ---- Deciding what is due ----------------------------------------------------- */

/* Is a play-now holding the lane? Time passing under it is pre-emption; time passing
 * under planned airings is just the plan running late. */
static bool lane_preempted(const struct fw_core *c)
{
    return c->busy && c->cur_air.source == FW_SOURCE_PLAY_NOW;
}

/* Settle a due, undecided planned airing as far as possible without the walk: returns
 * the reason it is missed, or NONE (it waits for the lane; it may have become
 * eligible). */
static enum fw_reason due_reason(const struct fw_core *c, struct entry *e, int64_t now)
{
    enum fw_reason r = step_reason(c, e->start_utc);
    if (r != FW_REASON_NONE)
        return r;
    if (is_paused(c, e))
        return FW_REASON_PAUSED;
    bool late = !e->eligible && now - e->start_utc > window(c);
    /* While its session is open, a late chime is the walk's call: it airs before the
     * airings still being caught up, if any. */
    bool chime_deferred = is_chime(e) && now < e->session_end_utc;
    if (late && !chime_deferred && e->start_utc < c->boot)
        return FW_REASON_DOWNTIME;
    if (untrusted(c))
        return FW_REASON_CLOCK_UNSYNCED;
    if (late && !chime_deferred)
        return late_cause(c, e->start_utc, now);
    if (!late && !e->eligible && !lane_preempted(c))
        e->eligible = true;
    if (add_sat(now, e->a.duration_usec) > e->session_end_utc)
        return FW_REASON_SESSION_OVER;
    return FW_REASON_NONE;
}

static void decide_due(struct tick *t)
{
    struct fw_core *c = t->c;
    for (size_t di = 0; di < c->n_days; di++) {
        struct day *d = &c->days[di];
        for (size_t i = d->first_open; i < d->n; i++) {
            struct entry *e = &d->e[i];
            if (e->state == E_CRASHED) {
                if (!record_entry(t, e, FW_OUTCOME_INTERRUPTED, FW_REASON_CRASH))
                    return;
                continue;
            }
            if (e->state != E_UNDECIDED)
                continue;
            if (!is_planned(e)) {
                if (e->session_start_utc <= t->now) {
                    if (!record_entry(t, e, FW_OUTCOME_DROPPED, FW_REASON_SESSION_FULL))
                        return;
                } else {
                    wake_at(t, e->session_start_utc);
                }
                continue;
            }
            if (e->start_utc > t->now) {
                wake_at(t, e->start_utc);
                continue;
            }
            enum fw_reason r = due_reason(c, e, t->now);
            if (r != FW_REASON_NONE) {
                if (!record_entry(t, e, FW_OUTCOME_MISSED, r))
                    return;
                continue;
            }
            /* Waiting for the lane: settle it as soon as it can no longer air. */
            if (!e->eligible)
                wake_at(t, add_sat(e->start_utc, window(c) + 1));
            wake_at(t, add_sat(e->session_end_utc, -e->a.duration_usec + 1));
            wake_at(t, e->session_end_utc);
        }
        advance_cursor(d);
    }
}

/* ---- The walk: what airs next ------------------------------------------------- */

static int64_t relay_ready(const struct fw_core *c, int64_t now)
{
    return c->relay_on ? add_sat(c->relay_on_since, c->cfg.amp_warmup_usec)
                       : add_sat(now, c->cfg.amp_warmup_usec);
}

/* Earliest start for the next airing as far as the lane goes (NO_TIME: no limit). */
static int64_t lane_free_at(const struct fw_core *c, int64_t now)
{
    if (c->busy) {
        int64_t end = max64(add_sat(c->cur_start, c->cur_air.duration_usec), now);
        return add_sat(end, gap(c));
    }
    if (c->free_since == NO_TIME)
        return NO_TIME;
    return add_sat(c->free_since, gap(c));
}

static bool is_block(const struct fw_airing *a)
{
    return a->kind == PLAN_KIND_CHIME ||
           (a->source == FW_SOURCE_PLAY_NOW && a->cls == PLAN_CLASS_PRIORITY);
}

/* Does a priority play-now need a chime before it? Not when a chime or priority
 * play-now plays (and is not being cut) or has just completed. */
static bool pn_needs_chime(const struct fw_core *c, int64_t now)
{
    if (!cur_rules(c)->has_chime)
        return false;
    if (c->busy)
        return c->stop_sent || !is_block(&c->cur_air);
    if (c->last_was_block && c->free_since != NO_TIME &&
        now <= add_sat(c->free_since, gap(c) + c->cfg.late_tolerance_usec))
        return false;
    return true;
}

static int pick_pn(const struct fw_core *c)
{
    for (size_t i = 0; i < c->n_queue; i++)
        if (c->queue[i].req.cls == PLAN_CLASS_EMERGENCY)
            return (int)i;
    return 0;
}

static void pop_pn(struct fw_core *c, int i)
{
    memmove(&c->queue[i], &c->queue[i + 1], (c->n_queue - (size_t)i - 1) * sizeof(c->queue[0]));
    c->n_queue--;
}

/* First undecided fixed airing after index i of d, in e's session, that may air. */
static struct entry *next_fixed(const struct fw_core *c, struct day *d, size_t i,
                                const struct entry *e, int64_t now)
{
    for (size_t j = i + 1; j < d->n; j++) {
        struct entry *x = &d->e[j];
        if (x->slot != e->slot || x->a.session != e->a.session)
            continue;
        if (x->state != E_UNDECIDED || !is_planned(x) || !x->a.fixed)
            continue;
        if (x->start_utc > now && predicted_miss(c, x))
            continue;
        return x;
    }
    return NULL;
}

/* Would anything after this late chime (starting at s) still air in its session? */
static bool chime_has_followers(const struct fw_core *c, const struct day *d,
                                const struct entry *ch, int64_t s, int64_t now)
{
    int64_t after = add_sat(s, ch->a.duration_usec + gap(c));
    for (size_t j = d->first_open; j < d->n; j++) {
        const struct entry *x = &d->e[j];
        if (x == ch || x->slot != ch->slot || x->a.session != ch->a.session)
            continue;
        if (x->state != E_UNDECIDED || !is_planned(x) || is_chime(x))
            continue;
        if (x->start_utc <= now ? !x->eligible : predicted_miss(c, x))
            continue;
        if (add_sat(max64(after, x->start_utc), x->a.duration_usec) <= x->session_end_utc)
            return true;
    }
    return false;
}

/* Lane-dependent reasons for a due airing that would start at s. Only a late chime
 * can still be ineligible here (decide_due settled the others this tick). */
static enum fw_reason lane_reason(const struct fw_core *c, const struct day *d, struct entry *e,
                                  int64_t s, int64_t now)
{
    if (!e->eligible) {
        if (!(is_chime(e) && chime_has_followers(c, d, e, s, now)))
            return late_cause(c, e->start_utc, now);
        e->eligible = true;
    }
    if (add_sat(s, e->a.duration_usec) > e->session_end_utc)
        return FW_REASON_SESSION_OVER;
    if (in_quiet(c, s))
        return FW_REASON_QUIET_HOURS;
    return FW_REASON_NONE;
}

enum walk_result { WALK_NONE, WALK_FOUND, WALK_AGAIN, WALK_FULL };

/* One pass over the undecided planned airings in plan order. */
static enum walk_result walk_plan(struct tick *t, int64_t ready, int64_t free_at, struct cand *ret)
{
    struct fw_core *c = t->c;
    int64_t now = t->now;
    for (size_t di = 0; di < c->n_days; di++) {
        struct day *d = &c->days[di];
        for (size_t i = d->first_open; i < d->n; i++) {
            struct entry *e = &d->e[i];
            if (e->state != E_UNDECIDED || !is_planned(e))
                continue;
            if (e->start_utc > now && predicted_miss(c, e))
                continue;
            struct entry *pick = e;
            int64_t s = max64(max64(e->start_utc, free_at), ready);
            if (!e->a.fixed) {
                /* A queued airing never pushes a fixed one that can still keep its
                 * time: if it would overlap it (gap included) it waits until after
                 * it. A fixed airing already late takes its turn in plan order. */
                struct entry *f = next_fixed(c, d, i, e, now);
                if (f && f->start_utc >= s &&
                    add_sat(s, e->a.duration_usec + gap(c)) > f->start_utc) {
                    pick = f;
                    s = max64(max64(f->start_utc, free_at), ready);
                }
            }
            if (!c->busy && now >= pick->start_utc) {
                enum fw_reason r = lane_reason(c, d, pick, s, now);
                if (r != FW_REASON_NONE)
                    return record_entry(t, pick, FW_OUTCOME_MISSED, r) ? WALK_AGAIN : WALK_FULL;
            }
            ret->valid = true;
            ret->e = pick;
            ret->start = s;
            airing_of_entry(c, pick, &ret->air);
            return WALK_FOUND;
        }
    }
    return WALK_NONE;
}

/* Find the next airing for the lane: play-now first (emergency, then priority), then
 * the plan. With the lane idle, airings that can no longer air are recorded on the
 * way. */
static void walk(struct tick *t, struct cand *ret)
{
    struct fw_core *c = t->c;
    int64_t now = t->now;
    int64_t ready = relay_ready(c, now);
    int64_t free_at = lane_free_at(c, now);

    memset(ret, 0, sizeof(*ret));
    ret->pn = -1;

    while (c->n_queue > 0) {
        int i = pick_pn(c);
        struct pn *p = &c->queue[i];
        if (p->req.cls == PLAN_CLASS_EMERGENCY) {
            /* At once: no gap, the current airing is being stopped. */
            airing_of_pn(c, p, false, &ret->air);
            ret->start = max64(now, ready);
        } else {
            if (!c->busy && in_quiet(c, now)) {
                struct fw_action *a = emit(t, FW_ACT_RECORD_FINAL);
                if (!a)
                    return;
                airing_of_pn(c, p, false, &a->airing);
                a->outcome = FW_OUTCOME_MISSED;
                a->reason = FW_REASON_QUIET_HOURS;
                pop_pn(c, i);
                continue;
            }
            airing_of_pn(c, p, !p->chimed && pn_needs_chime(c, now), &ret->air);
            ret->start = max64(max64(now, free_at), ready);
        }
        ret->valid = true;
        ret->pn = i;
        return;
    }

    while (walk_plan(t, ready, free_at, ret) == WALK_AGAIN)
        ;
}

/* ---- Lane, relay, pre-roll ---------------------------------------------------- */

static struct entry *find_playing(struct fw_core *c, const struct fw_airing *a)
{
    if (a->source != FW_SOURCE_PLAN)
        return NULL;
    for (size_t di = 0; di < c->n_days; di++)
        for (size_t i = 0; i < c->days[di].n; i++) {
            struct entry *e = &c->days[di].e[i];
            if (e->state != E_PLAYING || e->slot == NO_SLOT)
                continue;
            struct fw_airing x;
            airing_of_entry(c, e, &x);
            if (fw_airing_same_key(&x, a))
                return e;
        }
    return NULL;
}

static void start_cand(struct tick *t, struct cand *cd)
{
    struct fw_core *c = t->c;
    struct fw_action *a = emit(t, FW_ACT_START);
    if (!a)
        return;
    a->airing = cd->air;
    a->at_utc_usec = cd->start;
    a->lateness_usec = max64(0, max64(t->now, cd->start) - cd->air.planned_start_utc_usec);
    c->busy = true;
    c->cur_air = cd->air;
    c->cur_start = t->now;
    c->stop_sent = false;
    if (c->has_prepared && fw_airing_same_key(&c->prepared, &cd->air))
        c->has_prepared = false;
    if (cd->e)
        cd->e->state = E_PLAYING;
    else if (cd->pn >= 0 && cd->air.kind == PLAN_KIND_CHIME)
        c->queue[cd->pn].chimed = true;
    else if (cd->pn >= 0)
        pop_pn(c, cd->pn);
}

static void stop_current(struct tick *t, enum fw_stop_reason why)
{
    struct fw_action *a = emit(t, FW_ACT_STOP_CURRENT);
    if (!a)
        return;
    a->airing = t->c->cur_air;
    a->stop_reason = why;
    t->c->stop_sent = true;
}

static bool emergency_queued(const struct fw_core *c)
{
    for (size_t i = 0; i < c->n_queue; i++)
        if (c->queue[i].req.cls == PLAN_CLASS_EMERGENCY)
            return true;
    return false;
}

static void lane_step(struct tick *t)
{
    struct fw_core *c = t->c;
    int64_t now = t->now;
    struct cand cd = {.pn = -1};

    for (int round = 0; round < 2; round++) {
        if (c->busy && !c->stop_sent) {
            bool cur_emergency =
                c->cur_air.source == FW_SOURCE_PLAY_NOW && c->cur_air.cls == PLAN_CLASS_EMERGENCY;
            int64_t deadline =
                add_sat(c->cur_start, c->cur_air.duration_usec + c->cfg.timeout_usec);
            if (emergency_queued(c) && !cur_emergency)
                stop_current(t, FW_STOP_EMERGENCY);
            else if (now >= deadline)
                stop_current(t, FW_STOP_TIMEOUT);
            else
                wake_at(t, deadline);
            if (t->full)
                return;
        }
        if (c->screen_on_pending) {
            if (!emit(t, FW_ACT_SCREEN_ON))
                return;
            c->screen_on_pending = false;
        }

        walk(t, &cd);
        if (t->full)
            return;
        c->has_next = cd.valid;
        if (cd.valid) {
            c->next = cd.air;
            c->next_start = cd.start;
        }
        if (!cd.valid)
            break;

        if (!room(t, 3))
            return;
        if (!c->relay_on) {
            int64_t on_at = cd.start - c->cfg.amp_warmup_usec;
            if (now >= on_at) {
                emit(t, FW_ACT_RELAY_ON);
                c->relay_on = true;
                c->relay_on_since = now;
            } else {
                wake_at(t, on_at);
            }
        }
        if (!(c->has_prepared && fw_airing_same_key(&c->prepared, &cd.air))) {
            int64_t prep_at = cd.start - c->cfg.prepare_usec;
            if (now >= prep_at) {
                struct fw_action *a = emit(t, FW_ACT_PREPARE);
                a->airing = cd.air;
                a->at_utc_usec = cd.start;
                c->has_prepared = true;
                c->prepared = cd.air;
            } else {
                wake_at(t, prep_at);
            }
        }
        if (c->busy)
            break; /* the player's end brings the next tick */
        bool warm = c->relay_on && now >= add_sat(c->relay_on_since, c->cfg.amp_warmup_usec);
        if (now >= cd.start && warm) {
            start_cand(t, &cd);
            if (t->full)
                return;
            cd.valid = false;
            continue; /* look ahead once more: pre-roll what follows */
        }
        wake_at(t, cd.start);
        break;
    }

    if (c->relay_on && !c->busy) {
        int64_t base = max64(c->free_since, add_sat(c->relay_on_since, c->cfg.amp_warmup_usec));
        int64_t off_at = add_sat(base, c->cfg.amp_hold_usec);
        bool keep = cd.valid && cd.start - c->cfg.amp_warmup_usec <= off_at;
        if (!keep) {
            if (now >= off_at) {
                if (!emit(t, FW_ACT_RELAY_OFF))
                    return;
                c->relay_on = false;
            } else {
                wake_at(t, off_at);
            }
        }
    }
}

/* ---- Plan slots and reload ---------------------------------------------------- */

static bool slot_referenced(const struct fw_core *c, int s)
{
    const struct plan_rules *r = c->slots[s].rules;
    if (c->busy && c->cur_air.source == FW_SOURCE_PLAN && c->cur_air.rules == r)
        return true;
    for (size_t di = 0; di < c->n_days; di++)
        for (size_t i = c->days[di].first_open; i < c->days[di].n; i++)
            if (c->days[di].e[i].slot == s && entry_open(&c->days[di].e[i]))
                return true;
    return false;
}

static void release_slots(struct tick *t)
{
    struct fw_core *c = t->c;
    for (int s = 0; s < FW_CORE_SLOTS; s++) {
        struct slot *sl = &c->slots[s];
        if (!sl->used || s == c->cur || s == c->pending)
            continue;
        if (!sl->release_now && (!sl->retired || slot_referenced(c, s)))
            continue;
        struct fw_action *a = emit(t, FW_ACT_RELEASE_PLAN);
        if (!a)
            return;
        a->rules = sl->rules;
        a->plan = sl->plan;
        a->plan_cookie = sl->cookie;
        /* Settled entries may still name the slot: make them name nothing. */
        for (size_t di = 0; di < c->n_days; di++)
            for (size_t i = 0; i < c->days[di].n; i++)
                if (c->days[di].e[i].slot == s)
                    c->days[di].e[i].slot = NO_SLOT;
        if (c->has_prepared && c->prepared.source == FW_SOURCE_PLAN &&
            c->prepared.rules == sl->rules)
            c->has_prepared = false;
        if (c->has_next && c->next.source == FW_SOURCE_PLAN && c->next.rules == sl->rules)
            c->has_next = false;
        memset(sl, 0, sizeof(*sl));
    }
}

/* The plan in effect changes at switch_utc: sessions starting from then come from the
 * new plan; sessions that started before keep the old one's airings. */
static int do_switch(struct fw_core *c)
{
    int ns = c->pending;
    for (size_t di = 0; di < c->n_days; di++) {
        struct day *d = &c->days[di];
        size_t k = 0;
        for (size_t i = 0; i < d->n; i++) {
            /* Keep what is still open in sessions that started before the switch.
             * Settled entries are never looked at again (days are never reloaded), so
             * they go too: the buffer then holds at most the open entries of the plans
             * still in use plus the new plan's, which is what its size allows for. */
            struct entry *e = &d->e[i];
            if ((entry_open(e) && e->session_start_utc < c->switch_utc) || e->state == E_PLAYING)
                d->e[k++] = *e;
        }
        d->n = k;
        d->first_open = 0;
    }
    c->slots[c->cur].retired = true;
    c->cur = ns;
    c->pending = -1;
    for (size_t di = 0; di < c->n_days; di++) {
        int r = append_from_slot(c, &c->days[di], ns, c->switch_utc);
        if (r < 0)
            return r;
    }
    return 0;
}

static int64_t switch_instant(const struct fw_core *c, int64_t now)
{
    const struct plan_rules *r = cur_rules(c);
    int32_t day;
    int64_t tod;
    c->tz.to_local(c->tz.userdata, now, &day, &tod);
    for (size_t i = 0; i < r->n_skip_days; i++)
        if (r->skip_days[i] == day)
            return now;
    unsigned wd = (unsigned)civil_weekday(day);
    for (size_t i = 0; i < r->n_sessions; i++) {
        const struct plan_session *s = &r->sessions[i];
        if ((s->days & (1u << wd)) && tod >= s->start_usec && tod < s->end_usec)
            return utc_of(c, day, s->end_usec);
    }
    return now;
}

static int grow_buffers(struct fw_core *c, size_t day_cap, size_t scratch_cap)
{
    if (scratch_cap > c->scratch_cap) {
        struct plan_airing *p = realloc(c->scratch, scratch_cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        c->scratch = p;
        c->scratch_cap = scratch_cap;
    }
    if (day_cap > c->day_cap) {
        for (size_t i = 0; i < FW_CORE_DAYS; i++) {
            struct entry *p = realloc(c->days[i].e, day_cap * sizeof(*p));
            if (!p)
                return -ENOMEM; /* buffers already grown keep their larger size */
            c->days[i].e = p;
        }
        c->day_cap = day_cap;
    }
    return 0;
}

int fw_core_reload(struct fw_core *c, int64_t now_utc_usec, const struct plan_rules *rules,
                   struct plan *plan, void *cookie)
{
    if (!c || !rules || !plan)
        return -EINVAL;
    int free_slot = -1;
    for (int s = 0; s < FW_CORE_SLOTS; s++)
        if (!c->slots[s].used) {
            free_slot = s;
            break;
        }
    if (free_slot < 0)
        return -EBUSY;

    size_t max = plan_max_airings_per_day(plan);
    size_t day_cap = max;
    for (int s = 0; s < FW_CORE_SLOTS; s++)
        if (c->slots[s].used && s != c->pending)
            day_cap += c->slots[s].max_per_day;
    int r = grow_buffers(c, day_cap, max > c->scratch_cap ? max : c->scratch_cap);
    if (r < 0)
        return r;

    if (c->pending >= 0)
        c->slots[c->pending].release_now = true;
    c->slots[free_slot] = (struct slot){
        .used = true, .rules = rules, .plan = plan, .cookie = cookie, .max_per_day = max};
    c->pending = free_slot;
    c->switch_utc = switch_instant(c, now_utc_usec);
    return 0;
}

/* ---- Public API --------------------------------------------------------------- */

int fw_core_new(const struct fw_core_config *cfg, const struct fw_tz *tz,
                const struct fw_ledger_view *ledger, const struct plan_rules *rules,
                struct plan *plan, int64_t floor_utc_usec, struct fw_core **ret_core)
{
    if (!cfg || !tz || !tz->to_local || !tz->to_utc || !rules || !plan || !ret_core)
        return -EINVAL;
    if (cfg->amp_warmup_usec < 0 || cfg->amp_hold_usec < 0 || cfg->prepare_usec < 0 ||
        cfg->catch_up_usec < 0 || cfg->late_tolerance_usec < 0 || cfg->timeout_usec < 0)
        return -EINVAL;

    struct fw_core *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->cfg = *cfg;
    c->tz = *tz;
    if (ledger)
        c->ledger = *ledger;
    c->cur = 0;
    c->pending = -1;
    size_t max = plan_max_airings_per_day(plan);
    c->slots[0] = (struct slot){.used = true, .rules = rules, .plan = plan, .max_per_day = max};
    if (grow_buffers(c, max > 0 ? max : 1, max > 0 ? max : 1) < 0) {
        fw_core_free(c);
        return -ENOMEM;
    }
    c->floor = floor_utc_usec;
    c->next_load_day = day_of(c, floor_utc_usec);
    c->boot = NO_TIME;
    c->free_since = NO_TIME;
    c->trust = FW_TRUST_UNSYNCED;
    *ret_core = c;
    return 0;
}

struct fw_core *fw_core_free(struct fw_core *c)
{
    if (!c)
        return NULL;
    for (size_t i = 0; i < FW_CORE_DAYS; i++)
        free(c->days[i].e);
    free(c->scratch);
    free(c);
    return NULL;
}

static void tick_shutdown(struct tick *t)
{
    struct fw_core *c = t->c;
    if (c->shutdown_done || !room(t, 2))
        return;
    if (c->busy && !c->stop_sent)
        stop_current(t, FW_STOP_SHUTDOWN);
    if (c->relay_on) {
        emit(t, FW_ACT_RELAY_OFF);
        c->relay_on = false;
    }
    c->has_next = false;
    c->shutdown_done = true;
}

int fw_core_tick(struct fw_core *c, int64_t now_utc_usec, enum fw_trust trust,
                 struct fw_actions *out, int64_t *ret_next_utc_usec)
{
    if (!c || !out || !ret_next_utc_usec)
        return -EINVAL;
    struct tick t = {.c = c, .now = now_utc_usec, .out = out, .wake = INT64_MAX};
    int r = 0;

    if (!c->started) {
        c->started = true;
        c->boot = now_utc_usec;
    }
    c->trust = trust;
    if (fw_trust_is_trusted(trust))
        c->trusted_ever = true;

    if (c->shutdown) {
        tick_shutdown(&t);
        *ret_next_utc_usec = t.full ? now_utc_usec : INT64_MAX;
        return 0;
    }

    if (c->pending >= 0) {
        if (now_utc_usec >= c->switch_utc) {
            r = do_switch(c);
            if (r < 0)
                goto finish;
        } else {
            wake_at(&t, c->switch_utc);
        }
    }
    release_slots(&t);

    /* Load, settle, drop, until the window stands still (after downtime or a forward
     * step this walks day by day through the gap, a buffer-full at a time). */
    while (!t.full) {
        bool progress = false;
        int32_t today = day_of(c, now_utc_usec);
        while (c->n_days < FW_CORE_DAYS && c->next_load_day <= today + 1) {
            r = load_next_day(c);
            if (r < 0)
                goto finish;
            progress = true;
        }
        decide_due(&t);
        if (t.full)
            break;
        while (c->n_days > 0 && day_settled(&c->days[0]) && c->days[0].end_utc <= now_utc_usec) {
            drop_front_day(c);
            progress = true;
        }
        if (!progress)
            break;
    }
    prune_steps(c);
    if (!t.full) {
        wake_at(&t, utc_of(c, day_of(c, now_utc_usec) + 1, 0));
        lane_step(&t);
    }

finish:
    *ret_next_utc_usec = t.full ? now_utc_usec : t.wake;
    return r;
}

int fw_core_on_started(struct fw_core *c, const struct fw_airing *a, int64_t actual_utc_usec)
{
    if (!c || !a || !c->busy || !fw_airing_same_key(&c->cur_air, a))
        return -ENOENT;
    c->cur_start = actual_utc_usec;
    return 0;
}

int fw_core_on_finished(struct fw_core *c, const struct fw_airing *a, int64_t now_utc_usec)
{
    if (!c || !a || !c->busy || !fw_airing_same_key(&c->cur_air, a))
        return -ENOENT;
    struct entry *e = find_playing(c, &c->cur_air);
    if (e)
        e->state = E_DONE;
    c->last_was_block = !c->stop_sent && is_block(&c->cur_air);
    c->busy = false;
    c->stop_sent = false;
    c->free_since = now_utc_usec;
    return 0;
}

int fw_core_play_now(struct fw_core *c, int64_t now_utc_usec, const struct fw_play_now *req)
{
    if (!c || !req)
        return -EINVAL;
    if (c->shutdown)
        return -ESHUTDOWN;
    if ((req->cls != PLAN_CLASS_PRIORITY && req->cls != PLAN_CLASS_EMERGENCY) ||
        req->duration_usec <= 0)
        return -EINVAL;
    for (size_t i = 0; i < c->n_queue; i++)
        if (c->queue[i].req.request_id == req->request_id)
            return -EEXIST;
    if (c->busy && c->cur_air.source == FW_SOURCE_PLAY_NOW &&
        c->cur_air.request_id == req->request_id)
        return -EEXIST;
    if (req->cls == PLAN_CLASS_PRIORITY && in_quiet(c, now_utc_usec))
        return -EPERM;
    if (c->n_queue >= FW_CORE_PLAY_NOW)
        return -ENOSPC;
    c->queue[c->n_queue++] = (struct pn){.req = *req, .accepted = now_utc_usec};
    if (req->cls == PLAN_CLASS_EMERGENCY)
        c->screen_on_pending = true;
    return 0;
}

int fw_core_pause(struct fw_core *c, int64_t from_utc_usec, int64_t until_utc_usec,
                  const char *session_id)
{
    if (!c || from_utc_usec >= until_utc_usec)
        return -EINVAL;
    if (session_id && strlen(session_id) >= sizeof(c->pauses[0].session))
        return -EINVAL;
    if (c->n_pauses >= FW_CORE_PAUSES)
        return -ENOSPC;
    struct pause *p = &c->pauses[c->n_pauses++];
    memset(p, 0, sizeof(*p));
    p->from = from_utc_usec;
    p->until = until_utc_usec;
    p->any_session = session_id == NULL;
    if (session_id)
        strcpy(p->session, session_id);
    return 0;
}

void fw_core_resume(struct fw_core *c)
{
    if (c)
        c->n_pauses = 0;
}

void fw_core_clock_step(struct fw_core *c, int64_t old_utc_usec, int64_t new_utc_usec)
{
    if (!c || !c->started || old_utc_usec == new_utc_usec)
        return;
    int64_t delta = new_utc_usec - old_utc_usec;
    /* Instants measured on the lane and the relay are durations in disguise: they move
     * with the clock so warm-up, hold and timeouts keep their real length. */
    if (c->busy)
        c->cur_start = add_sat(c->cur_start, delta);
    c->free_since = add_sat(c->free_since, delta);
    if (c->relay_on)
        c->relay_on_since = add_sat(c->relay_on_since, delta);
    c->boot = add_sat(c->boot, delta); /* the daemon's start on the clock as it reads now */
    if (delta > 0) {
        /* Only a daemon that never had a trusted clock (a board without RTC booting
         * with a stale clock) learns from the step when it really started; airings
         * skipped before that were missed because it was down. */
        int64_t down_before = c->trusted_ever ? INT64_MIN : c->boot;
        if (c->n_steps == FW_CORE_STEPS) {
            memmove(&c->steps[0], &c->steps[1], (FW_CORE_STEPS - 1) * sizeof(c->steps[0]));
            c->n_steps--;
        }
        c->steps[c->n_steps++] = (struct step){old_utc_usec, new_utc_usec, down_before};
    }
}

void fw_core_shutdown(struct fw_core *c)
{
    if (c)
        c->shutdown = true;
}

void fw_core_status(const struct fw_core *c, struct fw_core_status *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (!c)
        return;
    ret->playing = c->busy;
    if (c->busy) {
        ret->current = c->cur_air;
        ret->current_start_utc_usec = c->cur_start;
    }
    ret->has_next = c->has_next;
    if (c->has_next) {
        ret->next = c->next;
        ret->next_start_utc_usec = c->next_start;
    }
    ret->relay_on = c->relay_on;
    ret->play_now_queued = c->n_queue;
    ret->pauses = c->n_pauses;
    ret->reload_pending = c->pending >= 0;
    ret->reload_at_utc_usec = c->pending >= 0 ? c->switch_utc : 0;
    ret->shut_down = c->shutdown;
}
