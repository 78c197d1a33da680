/* fw_core: the daemon's decide step, a pure state machine (DESIGN.md "Split decide
 * from do").
 *
 * The acting loop (GLib main loop, timerfd, player, relay, ledger, kiosk) owns every
 * side effect; fw_core owns every decision: when the amplifier relay switches, what
 * pre-rolls and starts when, what is stopped, and which airings will never air and
 * why. It reads no clock (time is an argument), does no I/O, never logs, and allocates
 * only in fw_core_new() and fw_core_reload(). A test walks years of broadcasts with a
 * fake clock in a second.
 *
 * How the loop drives it:
 *
 *     fw_core_new(...)                              plan, config, time zone, ledger view
 *     loop:
 *         fw_core_tick(core, now, trust, &acts, &next)   → execute acts in order
 *         arm one CLOCK_REALTIME timer at `next` (TFD_TIMER_CANCEL_ON_SET)
 *         wait for: the timer | a player event | a control request | a clock step
 *           player started   → fw_core_on_started()   (write the start record first)
 *           player finished  → fw_core_on_finished()  (write the final record first)
 *           play-now/pause/resume/reload/shutdown → fw_core_play_now() …
 *           ECANCELED (step) → fw_core_clock_step(old, new)
 *         and tick again (events only change state; actions come out of the tick).
 *
 * Decisions, following SPEC.md "The device daemon":
 * - One lane: one airing at a time. A planned airing never starts before its planned
 *   instant; it starts at max(planned start, previous end + gap, amplifier warm).
 *   PREPARE comes `prepare_usec` ahead so the pipeline is pre-rolled.
 * - Relay: RELAY_ON `amp_warmup_usec` before the first airing of a run, RELAY_OFF
 *   `amp_hold_usec` after the last; kept on when the next start's warm-up point comes
 *   before the hold expires (airings closer than hold + warm-up). Never off while
 *   something plays.
 * - Every planned airing of the plan in effect whose planned start is at or after the
 *   floor (fw_core_new) ends in exactly one final record: completed/interrupted/failed
 *   (the loop records them from the player), or a RECORD_FINAL from here: `dropped
 *   (session-full)` at its session's start, or `missed` with one reason:
 *     clock-step      a forward step skipped its planned start (or it was waiting,
 *                     not yet caught up, and a step pushed it out of its window);
 *     paused          its planned start lies in a pause window (fw_core_pause);
 *     downtime        its time passed while the daemon was not running and it was not
 *                     caught up (also: skipped by a forward step, but at a real time
 *                     before the daemon started — a boot with a stale clock);
 *     clock-unsynced  require_trust and the clock was untrusted when it fell due;
 *     pre-empted      a play-now held the lane from its planned start until past its
 *                     catch-up window (SPEC.md names no reason for this; ours);
 *     session-over    it would end after its session's end;
 *     quiet-hours     it would start inside quiet hours.
 *   Each is recorded as soon as it is certain (session-over, say, as soon as the
 *   airing can no longer fit, even under a play-now); when several are certain at
 *   once, the first in this order.
 * - Catch-up: an airing is eligible to air late if, once its planned start has passed,
 *   the lane becomes available to it (the daemon is back, a play-now ended) within
 *   catch_up_usec (never less than late_tolerance_usec) of that start; an airing that
 *   falls due while the daemon runs and no play-now holds the lane is eligible at
 *   once. Eligible airings air in plan order, each at the previous end + gap, fixed
 *   airings (chime, `at`, relays) keeping their time (a queued airing that would overlap
 *   a waiting fixed one goes after it); only the session's end stops them
 *   (session-over). A session's chime without a record airs first, late, whenever
 *   something after it in the session will still air.
 * - Nothing airs twice: a key with a start or final record (ledger view) or already
 *   decided here is never started; a backward clock step leaves every decision in
 *   place and days are only ever loaded forwards.
 * - Play-now: emergency stops the current airing (STOP_CURRENT emergency) unless it is
 *   itself an emergency, turns the screen on and starts as soon as the amplifier is
 *   warm, at any hour; priority queues after the current airing, after a chime (unless
 *   a chime or priority play-now just aired), and is refused in quiet hours. Pauses
 *   apply to planned airings only.
 * - Reload: takes effect at the next session start (now, when no session of the
 *   current rules is open; else that session's end). The replaced plan is handed back
 *   with RELEASE_PLAN once nothing refers to it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

/* ---- Vocabulary --------------------------------------------------------------- */

/** Clock trust, as recorded on every ledger record (SPEC.md "Clock trust"). */
enum fw_trust {
    FW_TRUST_UNSYNCED = 0,
    FW_TRUST_SYNCED,
    FW_TRUST_HOLDOVER,
    FW_TRUST_RTC,
    FW_TRUST_OPERATOR,
    FW_TRUST_VIRTUAL,
};

enum fw_outcome {
    FW_OUTCOME_COMPLETED = 0,
    FW_OUTCOME_INTERRUPTED,
    FW_OUTCOME_FAILED,
    FW_OUTCOME_MISSED,
    FW_OUTCOME_DROPPED,
};

/** Reasons decided here (the player adds its own `failed` reasons). */
enum fw_reason {
    FW_REASON_NONE = 0,
    FW_REASON_EMERGENCY, /* interrupted */
    FW_REASON_SHUTDOWN, /* interrupted */
    FW_REASON_CRASH, /* interrupted: started, never finished, before this run */
    FW_REASON_TIMEOUT, /* failed: did not end within duration + timeout_usec */
    FW_REASON_DOWNTIME, /* missed */
    FW_REASON_CLOCK_UNSYNCED, /* missed */
    FW_REASON_CLOCK_STEP, /* missed */
    FW_REASON_SESSION_OVER, /* missed */
    FW_REASON_QUIET_HOURS, /* missed */
    FW_REASON_PAUSED, /* missed */
    FW_REASON_SKIP_DATE, /* missed: never produced here, the plan skips those dates */
    FW_REASON_PREEMPTED, /* missed: lane busy past the catch-up window (ours) */
    FW_REASON_SESSION_FULL, /* dropped (from the plan) */
};

/** Why the current airing must stop. */
enum fw_stop_reason {
    FW_STOP_EMERGENCY = 0, /* record interrupted (emergency) */
    FW_STOP_SHUTDOWN, /* record interrupted (shutdown) */
    FW_STOP_TIMEOUT, /* record failed (timeout) */
};

/** "synced", "holdover", … as SPEC.md spells them. */
const char *fw_trust_name(enum fw_trust t);
/** Whether a trust state counts as trusted (everything but UNSYNCED). */
bool fw_trust_is_trusted(enum fw_trust t);
/** "completed", "interrupted", "failed", "missed", "dropped". */
const char *fw_outcome_name(enum fw_outcome o);
/** "emergency", "downtime", "clock-unsynced", "session-full", "pre-empted", …; "" for NONE. */
const char *fw_reason_name(enum fw_reason r);

/* ---- Inputs ------------------------------------------------------------------- */

/** Timing and policy, from loa.cfg (durations in µs). */
struct fw_core_config {
    int64_t amp_warmup_usec; /* board.amp_warmup_ms */
    int64_t amp_hold_usec; /* board.amp_hold_s */
    int64_t prepare_usec; /* pre-roll lead; 0 = PREPARE together with START */
    int64_t catch_up_usec; /* time.catch_up_minutes */
    int64_t late_tolerance_usec; /* lateness never treated as beyond catch-up (overruns) */
    int64_t timeout_usec; /* stop an airing still playing at duration + this */
    bool require_trust; /* time.require_trust */
    bool has_quiet_hours;
    int64_t quiet_start_usec, quiet_end_usec; /* local times of day; may wrap midnight */
};

/** Defaults: warm-up 2 s, hold 30 s, pre-roll 2 s, catch-up 15 min, tolerance 10 s,
 *  timeout 5 s, require_trust, no quiet hours. */
void fw_core_config_default(struct fw_core_config *ret);

/**
 * The device's time zone, provided by the loop (GTimeZone in the firmware). Local day
 * numbers and times of day as in civil.h. to_utc() of a local time that does not exist
 * or is ambiguous returns its first instant (as g_time_zone_adjust_time() would).
 */
struct fw_tz {
    void (*to_local)(void *userdata, int64_t utc_usec, int32_t *ret_day, int64_t *ret_usec);
    int64_t (*to_utc)(void *userdata, int32_t day, int64_t usec_of_day);
    void *userdata;
};

/** A fixed-offset zone (tests, the demo): *offset_usec east of UTC, which must outlive
 *  the returned value's use. */
struct fw_tz fw_tz_fixed(const int64_t *offset_usec);

/** What the ledger holds for a key. */
enum fw_record_state { FW_RECORD_NONE = 0, FW_RECORD_STARTED, FW_RECORD_FINAL };

/**
 * The ledger as fw_core sees it: the state of one airing key, (a->day, session id,
 * item id or "chime", a->ordinal) with ids taken from `rules`. Called when a day is
 * loaded (a few dozen times a day; after downtime once per airing since the floor).
 * Records the loop writes for actions and player events must be visible to later
 * lookups. lookup may be NULL: no records anywhere.
 */
struct fw_ledger_view {
    enum fw_record_state (*lookup)(void *userdata, const struct plan_rules *rules,
                                   const struct plan_airing *a);
    void *userdata;
};

/** A play-now request (control socket). */
struct fw_play_now {
    uint64_t request_id; /* its airing key; unique */
    enum plan_class cls; /* PLAN_CLASS_PRIORITY or PLAN_CLASS_EMERGENCY */
    int64_t duration_usec; /* > 0 */
    uint64_t cookie; /* the loop's handle (item index, descriptor slot), echoed back */
};

/* ---- Outputs ------------------------------------------------------------------ */

enum fw_source { FW_SOURCE_PLAN = 0, FW_SOURCE_PLAY_NOW };

/**
 * One airing, everything the loop needs to drive the player and build its ledger
 * records. Plan airings: rules + plan (key (plan.day, session, item, ordinal); the
 * strings come from rules, which stays valid until RELEASE_PLAN). Play-now: request_id
 * and cookie; kind CHIME marks the chime aired before a priority play-now (key: the
 * request id plus "chime"). Planned times are UTC; for a play-now, "planned" is when it
 * was accepted.
 */
struct fw_airing {
    enum fw_source source;
    enum plan_kind kind;
    enum plan_class cls;
    const struct plan_rules *rules; /* FW_SOURCE_PLAN */
    struct plan_airing plan; /* FW_SOURCE_PLAN */
    uint64_t request_id; /* FW_SOURCE_PLAY_NOW */
    uint64_t cookie; /* FW_SOURCE_PLAY_NOW */
    int64_t planned_start_utc_usec;
    int64_t planned_end_utc_usec;
    int64_t duration_usec;
};

/** Same key? (plan: same rules and (day, session, item, ordinal); play-now: same
 *  request id and kind). */
bool fw_airing_same_key(const struct fw_airing *a, const struct fw_airing *b);

enum fw_action_kind {
    FW_ACT_RELAY_ON = 0, /* switch the amplifier on */
    FW_ACT_RELAY_OFF, /* switch it off (nothing plays) */
    FW_ACT_PREPARE, /* pre-roll `airing` to start at at_utc_usec; replaces any
                       earlier PREPARE that was not started */
    FW_ACT_START, /* start `airing` now (meant for at_utc_usec); then report
                     fw_core_on_started / fw_core_on_finished */
    FW_ACT_STOP_CURRENT, /* stop `airing` (the one playing) for stop_reason; the loop
                            records interrupted/failed when the player reports the end */
    FW_ACT_RECORD_FINAL, /* write a final record: `airing` will never air (or, for
                            CRASH, was cut by a previous crash): outcome + reason */
    FW_ACT_SCREEN_ON, /* an emergency: kiosk screen on, even in screen-off hours */
    FW_ACT_RELEASE_PLAN, /* fw_core no longer refers to rules/plan: free them */
};

struct fw_action {
    enum fw_action_kind kind;
    struct fw_airing airing; /* PREPARE, START, STOP_CURRENT, RECORD_FINAL */
    int64_t at_utc_usec; /* PREPARE, START: intended start */
    int64_t lateness_usec; /* START: intended start − planned start (>= 0) */
    enum fw_outcome outcome; /* RECORD_FINAL */
    enum fw_reason reason; /* RECORD_FINAL */
    enum fw_stop_reason stop_reason; /* STOP_CURRENT */
    const struct plan_rules *rules; /* RELEASE_PLAN */
    struct plan *plan; /* RELEASE_PLAN */
    void *plan_cookie; /* RELEASE_PLAN: as given to fw_core_reload() */
};

#define FW_ACTIONS_MAX 64

/** A batch of actions, executed by the loop in order. Caller-owned; clear n first. */
struct fw_actions {
    size_t n;
    struct fw_action items[FW_ACTIONS_MAX];
};

/** What `loa status` and the kiosk footer need. */
struct fw_core_status {
    bool playing;
    struct fw_airing current;
    int64_t current_start_utc_usec;
    bool has_next; /* as foreseen by the last tick */
    struct fw_airing next;
    int64_t next_start_utc_usec;
    bool relay_on;
    size_t play_now_queued;
    size_t pauses;
    bool reload_pending;
    int64_t reload_at_utc_usec;
    bool shut_down;
};

/* ---- API ---------------------------------------------------------------------- */

struct fw_core;

/**
 * Create the decide step.
 * cfg, tz, ledger: copied. rules and plan: borrowed (the plan built over those rules);
 * they stay valid until a RELEASE_PLAN names them or fw_core_free(). plan_day() is only
 * ever asked for ascending days (the plan's cheap path).
 * floor_utc_usec: airings planned before it are not this core's business (no records
 * are written for them). Recommended: 00:00 local of the day of the last airing record
 * in the ledger, or the current instant for an empty ledger. Airings after it with no
 * record whose time has passed when the first tick comes are downtime (or catch-up).
 * The first fw_core_tick() marks the daemon's start.
 * Returns 0 and *ret_core, -EINVAL (NULL argument, negative durations, a tz without
 * functions), or -ENOMEM.
 */
int fw_core_new(const struct fw_core_config *cfg, const struct fw_tz *tz,
                const struct fw_ledger_view *ledger, const struct plan_rules *rules,
                struct plan *plan, int64_t floor_utc_usec, struct fw_core **ret_core);

/** Free; accepts NULL; returns NULL. Does not free any plan (they are the loop's). */
struct fw_core *fw_core_free(struct fw_core *c);

/**
 * Decide at now_utc_usec with the given clock trust. Appends actions to out (which the
 * caller clears) and writes the next instant at which to tick again (INT64_MAX when
 * nothing is foreseen: tick on the next event). When out fills up, *ret_next is
 * now_utc_usec: tick again at once. Ticking early or more often is always harmless.
 * Returns 0, or a negative errno from plan_day() (the state is unchanged for the day
 * that failed; ticking again retries).
 */
int fw_core_tick(struct fw_core *c, int64_t now_utc_usec, enum fw_trust trust,
                 struct fw_actions *out, int64_t *ret_next_utc_usec);

/**
 * The player started `a` (from a START) at actual_utc_usec. Returns 0, or -ENOENT if
 * `a` is not what the core started (ignored).
 */
int fw_core_on_started(struct fw_core *c, const struct fw_airing *a, int64_t actual_utc_usec);

/**
 * The player ended `a` (completed, failed, or stopped after STOP_CURRENT) at
 * now_utc_usec; the loop has written its final record. Returns 0, or -ENOENT.
 */
int fw_core_on_finished(struct fw_core *c, const struct fw_airing *a, int64_t now_utc_usec);

/**
 * Queue a play-now (see the top of this file). Returns 0 when accepted; -EINVAL (class
 * NORMAL, duration <= 0), -EPERM (priority in quiet hours), -EEXIST (request id already
 * queued or playing), -ENOSPC (queue full), -ESHUTDOWN (after fw_core_shutdown()).
 */
int fw_core_play_now(struct fw_core *c, int64_t now_utc_usec, const struct fw_play_now *req);

/**
 * Pause planned airings whose planned start lies in [from, until), all sessions or
 * only session_id (an id of the rules in effect when the airing falls due). Airings
 * already started are not cut. Returns 0, -EINVAL (from >= until, id longer than 63
 * bytes) or -ENOSPC (16 pauses).
 */
int fw_core_pause(struct fw_core *c, int64_t from_utc_usec, int64_t until_utc_usec,
                  const char *session_id);

/** End every pause (`loa resume`); airings already recorded paused stay so. */
void fw_core_resume(struct fw_core *c);

/**
 * CLOCK_REALTIME stepped from old (where it would be without the step: last reading +
 * monotonic elapsed) to new. Call it before the tick that reports the trust the step
 * brings (a sync is observed after its step). Forward: airings planned in [old, new)
 * not yet decided are missed (clock-step; but downtime for those planned before the
 * daemon's real start when no tick since the start had a trusted clock: a boot with a
 * stale clock, corrected by the first sync); waiting ones not yet caught up and pushed past their
 * window are missed (clock-step). Backward: nothing is undone and nothing re-airs. Instants the
 * core tracks on the lane and relay move with the step. Tick afterwards.
 */
void fw_core_clock_step(struct fw_core *c, int64_t old_utc_usec, int64_t new_utc_usec);

/**
 * Replace the plan from the next session start (see the top). rules/plan are borrowed
 * like fw_core_new()'s; cookie is echoed in their RELEASE_PLAN. A reload still pending
 * is replaced (and released). Returns 0, -EINVAL, -ENOMEM (nothing changed), or -EBUSY
 * (six plans still referred to: try again after the current session).
 */
int fw_core_reload(struct fw_core *c, int64_t now_utc_usec, const struct plan_rules *rules,
                   struct plan *plan, void *cookie);

/**
 * Clean stop (SIGTERM): the next tick stops the current airing (interrupted,
 * shutdown) and switches the relay off; nothing starts afterwards and play-now is
 * refused. Planned airings not yet decided are left to the next run (downtime).
 */
void fw_core_shutdown(struct fw_core *c);

/** Fill *ret with the current state (no side effects). */
void fw_core_status(const struct fw_core *c, struct fw_core_status *ret);
