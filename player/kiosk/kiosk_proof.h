/* Proof of display: one record per notice per display period (SPEC.md "The kiosk").
 *
 * A notice's display period is open while it is in rotation (valid, screen not in its
 * screen_off hours). It closes when the notice leaves the rotation, at screen-off, on
 * every hour of the local clock (hh:00:00) and at shutdown; a period in which the
 * notice never reached the screen (an airing's text or an emergency covered the body
 * all along) yields no record. The kiosk hands each record to a kiosk_proof_sink that
 * the daemon implements (it writes the ledger's `notice` records); the kiosk never
 * touches the ledger.
 *
 * Times are on the local timeline (kiosk_types.h): the sink converts to UTC with the
 * device's time zone, which the daemon knows.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk_rotation.h"
#include "kiosk_types.h"

enum kiosk_proof_close {
    KIOSK_PROOF_LEFT_ROTATION = 0, /* no longer valid (hours, window) or library change */
    KIOSK_PROOF_SCREEN_OFF = 1, /* screen_off hours began */
    KIOSK_PROOF_HOUR = 2, /* the local clock reached hh:00:00 */
    KIOSK_PROOF_SHUTDOWN = 3, /* the kiosk stopped */
};

/** One display period of one notice. Strings are valid only during the callback. */
struct kiosk_proof_record {
    const char *notice_id;
    const char *title;
    int64_t first_shown_lt_usec; /* the first moment it was on screen in the period */
    int64_t last_shown_lt_usec; /* the last moment it was on screen (end of its last showing) */
    uint32_t times_shown; /* showings: each time it came up (a showing cut by the
                             hour counts in both periods) */
    int64_t shown_usec; /* total time on screen in the period */
    enum kiosk_proof_close closed_by;
};

/** The interface the daemon implements. `record` is called synchronously, on the thread
 *  that drives the kiosk, once per closed period. */
struct kiosk_proof_sink {
    void (*record)(void *userdata, const struct kiosk_proof_record *rec);
    void *userdata;
};

/** Name of a close reason ("left-rotation", "screen-off", "hour", "shutdown"). */
const char *kiosk_proof_close_name(enum kiosk_proof_close c);

/** What the screen is doing from instant t on (input to the tracker). */
struct kiosk_proof_state {
    const struct kiosk_notice *notices; /* the current library (matched by id) */
    size_t n_notices;
    const bool *in_rotation; /* n_notices flags: valid now; may be NULL when !screen_on */
    int shown; /* index of the notice in the body, -1 when none */
    bool screen_on; /* false during screen_off hours (emergencies aside) */
};

struct kiosk_proof_tracker;

/** Create a tracker that reports to *sink (copied). Returns 0 or -ENOMEM. */
int kiosk_proof_tracker_new(const struct kiosk_proof_sink *sink, struct kiosk_proof_tracker **ret);

/** Free a tracker without closing its periods (call kiosk_proof_finish first); accepts
 *  NULL; returns NULL. */
struct kiosk_proof_tracker *kiosk_proof_tracker_free(struct kiosk_proof_tracker *t);

/**
 * The screen is in state *s from instant t on (t never goes back; an earlier t is
 * treated as the last one). The state since the previous call is taken to have held
 * until t, hours in between closing their periods exactly on the hour.
 * Returns 0 or -ENOMEM (then records may be lost, never duplicated).
 */
int kiosk_proof_observe(struct kiosk_proof_tracker *t, int64_t t_lt_usec,
                        const struct kiosk_proof_state *s);

/** Close every open period at t (shutdown), reporting those that were shown. */
void kiosk_proof_finish(struct kiosk_proof_tracker *t, int64_t t_lt_usec);

/** An interval during which the body shows something other than the rotation (an
 *  airing's text, an emergency). */
struct kiosk_override {
    int64_t from_lt_usec, until_lt_usec; /* [from, until) */
};

/**
 * The proof records of what the kiosk shows between two instants, computed without a
 * screen: walks the rotation r from `from` to `to` with the screen_off window and the
 * overrides (sorted or not), and reports every period to sink, closing the last ones
 * at `to` as a shutdown would. Deterministic; the live kiosk produces the same records.
 * Returns 0 or a negative errno.
 */
int kiosk_proof_periods(const struct kiosk_rotation *r, const struct kiosk_screen_off *screen_off,
                        const struct kiosk_override *overrides, size_t n_overrides,
                        int64_t from_lt_usec, int64_t to_lt_usec,
                        const struct kiosk_proof_sink *sink);
