/* The kiosk's rotation: which notice, and which page of it, shows at a moment.
 *
 * SPEC.md "The kiosk": the screen rotates through the notices valid now (date window,
 * weekdays, daily hours) plus the built-in "Lịch phát hôm nay", and the rotation
 * restarts at 00:00 local and whenever the set of valid notices changes. Within a day
 * the valid set can only change at the notices' `hours` boundaries, so the last
 * restart before T is computable from T and the library alone: what shows is a pure
 * function of (T, notices, pages per notice). Pure C, no allocation, no clock.
 *
 * Cycle order: the schedule page first, then the valid notices in library order; a
 * notice with k pages shows each page for its `seconds`. A slot cut short by a restart
 * simply ends there.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk_types.h"

/* kiosk_slot.notice for the built-in schedule page. */
#define KIOSK_SLOT_SCHEDULE (-1)

/** The rotation's input. Page counts depend on the layout (kiosk_render.h). */
struct kiosk_rotation {
    const struct kiosk_notice *notices; /* library order */
    size_t n_notices;
    const unsigned *notice_pages; /* pages of each notice (0 counts as 1); NULL: 1 each */
    unsigned schedule_pages; /* pages of the schedule page (0 counts as 1) */
    int rotate_seconds; /* schedule page seconds, notices' default; <= 0: 12 */
};

/** One slot of the rotation: a page of a notice (or of the schedule) on screen. */
struct kiosk_slot {
    int notice; /* index into notices, or KIOSK_SLOT_SCHEDULE */
    unsigned page; /* 0-based */
    unsigned n_pages; /* pages of that notice (>= 1) */
    int64_t epoch_lt_usec; /* the rotation's last restart at or before t */
    int64_t start_lt_usec; /* when this slot began (>= epoch) */
    int64_t end_lt_usec; /* when the next slot begins (a restart may cut it short) */
};

/** Is notice n valid at local instant t (date window, weekday, hours on t's date)?
 *  A wrapping hours window ("20:00-06:00") is evaluated on t's own date. */
bool kiosk_notice_valid_at(const struct kiosk_notice *n, int64_t t_lt_usec);

/** The rotation's last restart at or before t: local midnight of t's date or the
 *  latest hours boundary of a notice valid (by date and weekday) that day. */
int64_t kiosk_rotation_epoch(const struct kiosk_rotation *r, int64_t t_lt_usec);

/** The rotation's first restart strictly after t (next boundary or next midnight). */
int64_t kiosk_rotation_next_restart(const struct kiosk_rotation *r, int64_t t_lt_usec);

/** Seconds per page of notice i (its own, else the rotation's default). */
int kiosk_rotation_notice_seconds(const struct kiosk_rotation *r, size_t i);

/**
 * What shows at t. Deterministic: the same inputs give the same slot on any host.
 * Writes *ret (required).
 */
void kiosk_rotation_at(const struct kiosk_rotation *r, int64_t t_lt_usec, struct kiosk_slot *ret);

/** Is the screen off at t by the daily window (NULL or disabled: never)? */
bool kiosk_screen_off_at(const struct kiosk_screen_off *so, int64_t t_lt_usec);
