/* The broadcast plan: what airs when. Pure, deterministic C17.
 *
 * Rules in (sessions, campaigns, items, skip dates, gap, chime), airings out, one
 * local date at a time. Never reads a clock, never logs, never allocates after
 * plan_new(); time is an argument (systemd's calendar_spec_next_usec() model), so a
 * test walks a three-year campaign in milliseconds.
 *
 * All times here are local civil time (see civil.h): dates are day numbers, times
 * are microseconds since local midnight. The caller converts to UTC.
 *
 * The rules follow SPEC.md "The plan" exactly; docs/plan.md spells out the decisions
 * where the spec is silent.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "civil.h"

enum plan_class { PLAN_CLASS_NORMAL = 0, PLAN_CLASS_PRIORITY = 1, PLAN_CLASS_EMERGENCY = 2 };
enum plan_kind { PLAN_KIND_CHIME = 0, PLAN_KIND_ANNOUNCEMENT = 1, PLAN_KIND_RELAY = 2 };
enum plan_status { PLAN_STATUS_PLANNED = 0, PLAN_STATUS_DROPPED = 1 };

/* Item index used for the chime in struct plan_airing. */
#define PLAN_ITEM_CHIME UINT32_MAX
/* Most sessions a device config may declare (session sets are bit masks). */
#define PLAN_MAX_SESSIONS 32

/** A daily broadcast window from the device config. Sessions never overlap each
 *  other and never cross midnight (start < end); the loader checks that. */
struct plan_session {
    const char *id;
    const char *name;
    int64_t start_usec; /* time of day */
    int64_t end_usec; /* time of day, > start */
    uint8_t days; /* weekday mask, bit 0 Monday */
};

/** One installed playlist (a campaign). */
struct plan_campaign {
    const char *id;
    const char *title;
    const char *reference;
    int32_t from_day, until_day; /* inclusive */
};

/** One announcement or relay, in installed order (playlists by id, items in file
 *  order): the index into plan_rules.items is the final tie-break. */
struct plan_item {
    const char *id;
    const char *title;
    const char *category;
    uint32_t campaign; /* index into plan_rules.campaigns */
    enum plan_kind kind; /* ANNOUNCEMENT or RELAY */
    enum plan_class cls;
    uint32_t sessions; /* allowed sessions, bit i = plan_rules.sessions[i] */
    uint8_t days; /* weekday mask */
    int32_t from_day, until_day; /* item window (inclusive), inside the campaign */
    uint32_t plays_per_day; /* queued items only; 0 = once in each allowed session */
    const int64_t *at_usec; /* fixed start times of day, sorted; NULL when queued */
    size_t n_at;
    int64_t duration_usec; /* media duration rounded to the ms, or the relay's length */
};

struct plan_rules {
    const struct plan_session *sessions; /* config order */
    size_t n_sessions; /* <= PLAN_MAX_SESSIONS */
    const struct plan_campaign *campaigns;
    size_t n_campaigns;
    const struct plan_item *items;
    size_t n_items;
    const int32_t *skip_days; /* sorted ascending */
    size_t n_skip_days;
    int64_t gap_usec;
    bool has_chime;
    int64_t chime_duration_usec;
};

/** One airing of the plan. Keys: (day, session, item, ordinal). */
struct plan_airing {
    int32_t day;
    uint32_t session; /* index into plan_rules.sessions */
    uint32_t item; /* index into plan_rules.items, or PLAN_ITEM_CHIME */
    uint32_t ordinal; /* n: 1-based ordinal of this item in this session, plan order */
    enum plan_kind kind;
    enum plan_class cls; /* NORMAL for the chime */
    enum plan_status status;
    bool fixed; /* started at an `at` time (or the chime at session start) */
    int64_t start_usec; /* time of day; for a dropped airing, where it would have started */
    int64_t end_usec;
    int64_t duration_usec;
};

struct plan;

/**
 * Build a plan over rules. The rules and everything they point to are borrowed and
 * must outlive the plan. The only allocations happen here.
 * Returns 0 and *ret_plan, or -ENOMEM, or -EINVAL for structurally impossible rules
 * (too many sessions, an item naming a missing campaign).
 */
int plan_new(const struct plan_rules *rules, struct plan **ret_plan);

/** Free a plan; accepts NULL; returns NULL. */
struct plan *plan_free(struct plan *p);

/** Upper bound of airings (planned and dropped) that plan_day() can return for any day. */
size_t plan_max_airings_per_day(const struct plan *p);

/**
 * The airings of local date `day`, in time order: sessions by start time, and within
 * a session the planned airings by start then its dropped ones in the order they were
 * dropped. `buf` must hold plan_max_airings_per_day() entries.
 *
 * Fairness depends on every airing planned since each campaign started, so the plan
 * keeps a cursor: asking for days in ascending order is O(day); going back replays
 * from the earliest campaign start (still no allocation).
 * Returns 0 and *ret_n, or -ENOBUFS if cap is too small.
 */
int plan_day(struct plan *p, int32_t day, struct plan_airing *buf, size_t cap, size_t *ret_n);

/** First and last day on which anything can air (the campaigns' hull), or -ENOENT. */
int plan_span(const struct plan *p, int32_t *ret_first_day, int32_t *ret_last_day);

/* ---- Static validation ------------------------------------------------------ */

enum plan_problem_kind {
    PLAN_OK = 0,
    PLAN_SESSIONS_OVERLAP, /* session a overlaps session b on a shared weekday */
    PLAN_ITEM_OUTSIDE_CAMPAIGN, /* item a's window reaches outside its campaign */
    PLAN_AT_OUTSIDE_SESSIONS, /* item a's at_usec[at] is in none of its sessions */
    PLAN_AT_OVERLAPS_CHIME, /* item a's at_usec[at] overlaps session b's chime */
    PLAN_AT_OVERLAPS_AT, /* item a's at[at] overlaps item b's at[at_b] */
    PLAN_AT_ENDS_AFTER_SESSION, /* item a's at[at] ends after session b's end (by excess) */
    PLAN_CHIME_LONGER_THAN_SESSION, /* session a is shorter than the chime */
};

struct plan_problem {
    enum plan_problem_kind kind;
    size_t a, b; /* items or sessions, per kind */
    size_t at, at_b; /* indices into at_usec */
    int64_t excess_usec; /* by how much, where it applies */
};

/**
 * Check the rules for the errors SPEC.md names that do not depend on a date walk
 * (at outside sessions, fixed airings overlapping each other or the chime or ending
 * after their session, an item window outside its campaign, overlapping sessions).
 * Two fixed airings conflict when their times intersect, their sessions and weekdays
 * intersect and their date windows intersect.
 * Writes up to cap problems into ret; returns how many were found (may exceed cap).
 */
size_t plan_validate(const struct plan_rules *rules, struct plan_problem *ret, size_t cap);
