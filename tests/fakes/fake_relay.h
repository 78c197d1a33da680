/* A recording relay for tests: every set() is recorded with the fake clock's time.
 *
 * Shaped to plug into board/relay.h without this library depending on loa_board:
 *     static const struct relay_ops ops = {"fake", fake_relay_set, NULL};
 *     relay_new_custom(&ops, fake, false, &relay);
 * fake_relay_set has exactly relay_ops.set's signature; the test frees the fake itself
 * after relay_free(). The fake records every call (not only changes), so a test sees
 * redundant commands too (relay_free's final "off" included).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct fake_relay_event {
    int64_t at_usec;
    bool on;
};

struct fake_relay;

/** A new recorder. now_usec (may be NULL: times are then 0) stamps each event. */
struct fake_relay *fake_relay_new(int64_t (*now_usec)(void *userdata), void *userdata);
/** Free; accepts NULL; returns NULL. */
struct fake_relay *fake_relay_free(struct fake_relay *f);

/** relay_ops.set: records (time, on). Fails with -EIO once if fake_relay_fail_next() was
 *  called (the event is then not recorded). */
int fake_relay_set(void *state, bool on, struct loa_diag *reterr);

/** Make the next set() fail with -EIO. */
void fake_relay_fail_next(struct fake_relay *f);

/** Number of recorded events, and event i (0-based; i < count). */
size_t fake_relay_count(const struct fake_relay *f);
struct fake_relay_event fake_relay_event(const struct fake_relay *f, size_t i);

/** The last level recorded (false when nothing was). */
bool fake_relay_is_on(const struct fake_relay *f);
