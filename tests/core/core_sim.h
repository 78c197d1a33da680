/* A simulated device around fw_core for tests and benchmarks: the fake clock, a fake
 * player that "plays" each airing for exactly its duration in fake (monotonic) time,
 * an in-memory ledger keyed like the real one, and a recording relay. Every action is
 * checked against the invariants SPEC.md asks for as it is executed; the first
 * violation is kept in sim->violation (tests assert it is NULL).
 *
 * Invariants checked on the fly:
 * - a key is started at most once and never after any record of it (nothing airs twice);
 * - at most one final record per key; never a final for what is playing;
 * - never two airings at once; never a planned airing before its planned start;
 * - the relay is on, and has been for at least the warm-up, at every start;
 * - the relay never switches off while something plays; no double on/off.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "fake_clock.h"
#include "fw_core.h"
#include "plan.h"

#define SIM_TZ_OFFSET_USEC (INT64_C(7) * 3600 * 1000000) /* Asia/Ho_Chi_Minh */
#define SIM_SEC INT64_C(1000000)
#define SIM_MIN (60 * SIM_SEC)
#define SIM_HOUR (60 * SIM_MIN)
#define SIM_DAY (24 * SIM_HOUR)

/** One key in the fake ledger. */
struct sim_record {
    char key[128];
    enum fw_source source;
    enum plan_kind kind;
    int32_t day; /* plan airings: local date */
    int n_starts; /* > 1 is a violation */
    int n_finals; /* > 1 is a violation */
    enum fw_outcome outcome;
    int reason; /* enum fw_reason, or SIM_REASON_* below */
    int64_t planned_start, actual_start, end;
    int64_t lateness;
    enum fw_trust trust; /* at the final record */
};

/* Player-side failure reason used by the failure injection (not a core reason). */
#define SIM_REASON_MISSING_FILE 100

struct sim {
    struct fake_clock *clock;
    const struct plan_rules *rules;
    struct plan *plan; /* the plan in effect as handed to the core (owned) */
    struct fw_core_config cfg;
    int64_t tz_offset;
    struct fw_tz tz;
    struct fw_core *core; /* NULL while the daemon is down */
    enum fw_trust trust;

    GHashTable *records; /* key -> struct sim_record * */

    /* the fake player */
    bool playing;
    struct fw_airing playing_air;
    uint64_t end_id;
    int64_t fail_item; /* plan item index that fails to start, or -1 */
    int64_t stall_item; /* plan item index whose playback never ends by itself, or -1 */

    /* the core's one timer */
    uint64_t wake_id;
    bool in_tick;
    bool need_tick;

    /* the relay */
    bool relay_on;
    int64_t relay_on_mono;

    /* statistics */
    size_t n_ticks, n_actions, n_starts, n_relay_on, n_relay_off, n_prepare, n_screen_on;
    size_t n_release;
    int64_t max_start_jitter; /* START instant minus intended start, on-time starts */
    size_t count[5][128]; /* [outcome][reason] over final records */

    char *violation; /* first invariant violation, or NULL */
    size_t n_violations;
};

/** Storage for the small hand-written rules of the core tests. */
struct sim_rules_store {
    struct plan_session sessions[3];
    struct plan_campaign campaigns[1];
    struct plan_item items[6];
    int64_t at_b[1], at_vov[1];
    int32_t skip[2];
    struct plan_rules rules;
};

/**
 * Fill st with the test rules: campaign 2021-01-01..2021-12-31; sessions sang 06:00-06:30
 * and chieu 17:00-17:30 (mon-sat), toi 19:00-19:20 (every day); chime 8 s; gap 3 s;
 * items tmdt-01 (200 s, sang+chieu, mon/wed/fri, 2 a day), tmdt-02 (120 s at 17:10),
 * tmdt-03 (240 s, priority), tmdt-04 (300 s, March to June), vov (relay at 06:10, 15 min,
 * sang), tmdt-06 (360 s, toi, 3 a day: the toi session overflows, so drops every day);
 * skip dates 2021-02-11 and 2021-02-12. Returns &st->rules.
 */
const struct plan_rules *sim_test_rules(struct sim_rules_store *st);

/** Config used by the tests: defaults, quiet hours 21:00-06:00. */
void sim_test_config(struct fw_core_config *ret);

/** UTC instant of local (Asia/Ho_Chi_Minh) "YYYY-MM-DD HH:MM[:SS]". Aborts on bad input. */
int64_t sim_utc(const char *local);

/** Local day number of "YYYY-MM-DD". */
int32_t sim_day(const char *date);

/** New simulated device at realtime start_utc (daemon down). rules borrowed. */
struct sim *sim_new(const struct plan_rules *rules, const struct fw_core_config *cfg,
                    int64_t start_utc);
void sim_free(struct sim *s);

/** Start the daemon: a core with the given floor (see fw_core_new) and trust. */
void sim_boot(struct sim *s, int64_t floor_utc, enum fw_trust trust);

/** Floor the firmware would use: 00:00 local of the day of the latest record time
 *  (actual start or end), or now for an empty ledger. */
int64_t sim_resume_floor(const struct sim *s);

/** SIGKILL: the core and the player vanish without writing anything; the relay line
 *  is driven off (ExecStopPost=loa board off). */
void sim_kill(struct sim *s);

/** SIGTERM: fw_core_shutdown, tick, then the core is gone. */
void sim_shutdown(struct sim *s);

/** Let time run to realtime t, firing the core's timer and the player's ends. */
void sim_run_until(struct sim *s, int64_t t);

/** Let time run while down (no core): just move the clock. */
void sim_advance_down(struct sim *s, int64_t t);

/** Step CLOCK_REALTIME by delta (a settimeofday); tell the core; tick. */
void sim_step(struct sim *s, int64_t delta);

/** Change trust and tick. */
void sim_set_trust(struct sim *s, enum fw_trust trust);

/** A play-now request; returns fw_core_play_now()'s result (ticks on success). */
int sim_play_now(struct sim *s, uint64_t id, enum plan_class cls, int64_t duration);

/** Pause (session_id may be NULL); ticks. Returns fw_core_pause()'s result. */
int sim_pause(struct sim *s, int64_t from, int64_t until, const char *session_id);

/** Hand the core a new plan over `rules` (the sim frees released plans). */
int sim_reload(struct sim *s, const struct plan_rules *rules);

/** Tick now (as the loop does after any event). */
void sim_tick(struct sim *s);

/** Ledger key of a plan airing ("YYYY-MM-DD/session/item/n", item "chime"). */
void sim_plan_key(const struct plan_rules *rules, const struct plan_airing *a, char *buf,
                  size_t size);

/** The record of a key, or NULL. */
const struct sim_record *sim_get(const struct sim *s, const char *key);

/** Record of the n-th (1-based) airing of item_id ("chime" for the chime) in session
 *  on local date "YYYY-MM-DD", or NULL. */
const struct sim_record *sim_find(const struct sim *s, const char *date, const char *session,
                                  const char *item, unsigned n);

/** Tally of the plan over days [from, to] against the ledger. */
struct sim_tally {
    size_t plan_planned, plan_dropped;
    size_t completed, dropped, interrupted, failed, missed;
    size_t no_final; /* plan airings without a final record */
    size_t wrong_dropped; /* dropped by the plan but recorded otherwise, or vice versa */
    size_t extra_records; /* plan-source records of keys not in the plan for the period */
    char first_problem[256];
};

/** Walk the plan (a fresh plan over the sim's rules) for local days [from, to]. */
void sim_tally(const struct sim *s, const struct plan_rules *rules, int32_t from, int32_t to,
               struct sim_tally *ret);

/** "completed", "missed downtime", "interrupted crash", "started" (no final), "none"
 *  (no record) for key, written into buf. */
const char *sim_describe(const struct sim *s, const char *key, char *buf, size_t size);

/** Assert the description of a key, naming the key on failure. */
#define SIM_EXPECT(s, key, want)                                                                   \
    do {                                                                                           \
        char sim_b_[128], sim_w_[160];                                                             \
        g_snprintf(sim_w_, sizeof(sim_w_), "%s: %s", (key), (want));                               \
        char sim_g_[160];                                                                          \
        g_snprintf(sim_g_, sizeof(sim_g_), "%s: %s", (key),                                        \
                   sim_describe((s), (key), sim_b_, sizeof(sim_b_)));                              \
        g_assert_cmpstr(sim_g_, ==, sim_w_);                                                       \
    } while (0)

/** Count final records with this outcome and reason (reason -1: any). */
size_t sim_count(const struct sim *s, enum fw_outcome o, int reason);
