/* A fake clock for tests, shaped like GStreamer's GstTestClock: time only moves when
 * the test moves it (set, advance, crank to the next pending wake-up), and code under
 * test registers wake-ups the test can inspect.
 *
 * Two clocks, as on Linux: CLOCK_REALTIME (the calendar, which can be stepped) and
 * CLOCK_MONOTONIC (elapsed time, never stepped). A wake-up is armed on one of them:
 * realtime wake-ups are absolute calendar instants (a CLOCK_REALTIME timerfd), and a
 * step moves the calendar past or away from them; monotonic wake-ups fire after their
 * real elapsed time whatever the calendar does (a player's end of stream).
 * Plain C, no GLib, single-threaded: callbacks run inside fake_clock_crank().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fake_clock_base { FAKE_CLOCK_REALTIME = 0, FAKE_CLOCK_MONOTONIC = 1 };

struct fake_clock;

/** New clock: realtime at realtime_usec, monotonic at 0. Returns NULL on ENOMEM. */
struct fake_clock *fake_clock_new(int64_t realtime_usec);

/** Free; accepts NULL; returns NULL. Pending wake-ups are dropped without firing. */
struct fake_clock *fake_clock_free(struct fake_clock *fc);

/** CLOCK_REALTIME now (µs since the epoch, UTC). */
int64_t fake_clock_now(const struct fake_clock *fc);

/** CLOCK_MONOTONIC now (µs). */
int64_t fake_clock_mono(const struct fake_clock *fc);

/** Let delta_usec (>= 0) of real time pass: both clocks move. Fires nothing. */
void fake_clock_advance(struct fake_clock *fc, int64_t delta_usec);

/** GstTestClock's set_time: advance to realtime t (t >= now). Fires nothing. */
void fake_clock_set_time(struct fake_clock *fc, int64_t realtime_usec);

/** Step CLOCK_REALTIME by delta_usec (either sign), as settimeofday() does; the
 *  monotonic clock does not move. Fires nothing. Returns the realtime before the step. */
int64_t fake_clock_step(struct fake_clock *fc, int64_t delta_usec);

/**
 * Arm a wake-up at `at_usec` on `base`. cb(userdata, id) runs from fake_clock_crank()
 * once that instant is reached. Returns an id > 0, or 0 on ENOMEM.
 */
uint64_t fake_clock_add_wakeup(struct fake_clock *fc, enum fake_clock_base base, int64_t at_usec,
                               void (*cb)(void *userdata, uint64_t id), void *userdata);

/** Disarm a pending wake-up; returns whether it was pending. */
bool fake_clock_cancel(struct fake_clock *fc, uint64_t id);

/** Number of pending wake-ups. */
size_t fake_clock_pending(const struct fake_clock *fc);

/**
 * The next pending wake-up as a realtime instant (monotonic ones converted at the
 * current offset); ties go to the earliest armed. Returns false when none is pending.
 * A wake-up already in the past reports its instant (it fires at the next crank
 * without moving the clock).
 */
bool fake_clock_peek(const struct fake_clock *fc, int64_t *ret_realtime_usec, uint64_t *ret_id);

/**
 * GstTestClock's crank: advance (never backwards) to the next pending wake-up, disarm
 * it and run its callback. Returns false when nothing is pending.
 */
bool fake_clock_crank(struct fake_clock *fc);

/**
 * Crank every wake-up due at or before realtime `limit`, then advance to `limit` (if it
 * is ahead). Returns how many fired. Callbacks may arm or cancel wake-ups.
 */
size_t fake_clock_crank_until(struct fake_clock *fc, int64_t limit_realtime_usec);
