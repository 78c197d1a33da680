/* fw_trust: clock trust as SPEC.md "Clock trust" defines it, a pure state machine.
 *
 * Trusted means one of these anchors, newest wins:
 *   synced    the clock was synchronised since boot (the kernel's adjtimex without
 *             STA_UNSYNC, or systemd-timesyncd's marker newer than boot; board_clock.h
 *             reads both) — state SYNCED while the witness still says so, HOLDOVER after;
 *   rtc       a configured RTC gave a valid time at boot — state RTC;
 *   operator  `loa clock confirm` — state OPERATOR.
 * Trust lasts until a backward step or max_holdover without a new anchor (losing the
 * network alone does not end it). A forward step keeps the anchor (its instant moves
 * with the step, so holdover counts real elapsed time).
 * Like fw_core, it reads no clock: every instant is an argument (UTC µs).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "fw_core.h"

enum fw_trust_anchor {
    FW_ANCHOR_NONE = 0,
    FW_ANCHOR_SYNC,
    FW_ANCHOR_RTC,
    FW_ANCHOR_OPERATOR,
};

/** Plain state; initialise with fw_trust_init(). */
struct fw_trust_state {
    int64_t max_holdover_usec;
    enum fw_trust_anchor anchor;
    int64_t anchor_utc_usec; /* when the anchor was last renewed */
    bool synced_now; /* the sync witness currently says synchronised */
};

/**
 * Start at boot (now_utc_usec): untrusted, or anchored on the RTC when rtc_valid.
 * max_holdover_usec: time.max_holdover_hours (> 0).
 */
void fw_trust_init(struct fw_trust_state *t, int64_t max_holdover_usec, bool rtc_valid,
                   int64_t now_utc_usec);

/**
 * The sync witness was read at now_utc_usec. synced: it says synchronised;
 * last_sync_utc_usec: the last synchronisation it knows of (timesyncd's marker mtime),
 * or now_utc_usec when it cannot tell. Renews the anchor when synced; when not, only
 * SYNCED turns into HOLDOVER.
 */
void fw_trust_observe(struct fw_trust_state *t, bool synced, int64_t last_sync_utc_usec,
                      int64_t now_utc_usec);

/** An operator vouched for the clock at now_utc_usec (`loa clock confirm`). */
void fw_trust_confirm(struct fw_trust_state *t, int64_t now_utc_usec);

/** CLOCK_REALTIME stepped from old to new: backward ends trust; forward keeps it. */
void fw_trust_step(struct fw_trust_state *t, int64_t old_utc_usec, int64_t new_utc_usec);

/** The trust state at now_utc_usec, as recorded on ledger records. */
enum fw_trust fw_trust_get(const struct fw_trust_state *t, int64_t now_utc_usec);

/** When trust will lapse without a new anchor (INT64_MAX: untrusted or never). The loop
 *  ticks then so records change state on time. */
int64_t fw_trust_expires_at(const struct fw_trust_state *t);
