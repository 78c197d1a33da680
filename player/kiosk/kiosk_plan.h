/* From the plan (scheduler/plan) to what the kiosk shows: today's schedule, what airs
 * at a moment, the next session. `loa kiosk` uses these while it is fed from the library
 * (and for --snapshot); the daemon can send the same structs once it feeds the kiosk.
 *
 * Strings in the results are borrowed from the rules (and item_texts); the arrays are
 * the caller's to free().
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kiosk_types.h"
#include "plan.h"

/* The chime's title on the kiosk (it has none in the playlist). */
#define KIOSK_CHIME_TITLE "Chuông hiệu"

/**
 * "Lịch phát hôm nay" for local date day: for each session with planned airings, a
 * heading (session name, start-end) then its planned airings in time order, the chime
 * and dropped airings left out.
 * Returns 0 and *ret_lines (free(); may be NULL when *ret_n is 0), or -ENOMEM.
 */
int kiosk_plan_schedule(struct plan *p, const struct plan_rules *rules, int32_t day,
                        struct kiosk_schedule_line **ret_lines, size_t *ret_n);

/**
 * What the plan airs at t (a planned airing with start <= t < end; the chime counts,
 * titled KIOSK_CHIME_TITLE). item_texts (may be NULL) gives each rules->items[i]'s kiosk
 * text. Class emergency makes an emergency airing. *ret is inactive when nothing airs.
 * *ret_next_change (may be NULL): the next start or end of a planned airing after t that
 * day, else the next midnight.
 * Returns 0 or a negative errno.
 */
int kiosk_plan_airing(struct plan *p, const struct plan_rules *rules, const char *const *item_texts,
                      int64_t t_lt_usec, struct kiosk_airing *ret, int64_t *ret_next_change);

/**
 * The first session starting after t, within horizon_days days, with at least one
 * planned airing. *ret is not present when there is none.
 * Returns 0 or a negative errno.
 */
int kiosk_plan_next_session(struct plan *p, const struct plan_rules *rules, int64_t t_lt_usec,
                            int horizon_days, struct kiosk_next_session *ret);
