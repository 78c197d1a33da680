/* Clock-sync status readers for the daemon's clock trust (SPEC.md "Clock trust").
 *
 * "Synchronised at least once since boot" has two witnesses on Debian: the kernel's NTP
 * state (adjtimex without STA_UNSYNC, set by any NTP daemon that disciplines the clock) and
 * systemd-timesyncd's marker file, touched on every sync, whose mtime is newer than boot.
 * These only read; deciding trust (holdover, steps, operator confirmation) is the core's.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* systemd-timesyncd touches this file after each successful synchronisation. */
#define BOARD_TIMESYNC_MARKER "/run/systemd/timesync/synchronized"

/** Pure: does an adjtimex() result (its return state and timex.status) mean "synced"?
 *  True when STA_UNSYNC is clear and the state is not TIME_ERROR. */
bool board_clock_adjtimex_synced(int state, int status);

/** Ask the kernel (adjtimex with modes 0: a read, no privilege needed). Returns 0 and
 *  *ret_synced, or a negative errno. */
int board_clock_kernel_synced(bool *ret_synced);

/** Realtime (UTC µs) at which the system booted: CLOCK_REALTIME − CLOCK_BOOTTIME, now.
 *  Returns 0 and *ret_usec, or a negative errno. */
int board_clock_boot_realtime_usec(int64_t *ret_usec);

/**
 * systemd-timesyncd's witness: the marker exists and its mtime is newer than boot.
 * marker NULL = BOARD_TIMESYNC_MARKER; boot_realtime_usec < 0 = ask the kernel.
 * A missing marker is "not synced" (returns 0). If ret_mtime_usec is not NULL it receives
 * the marker's mtime (0 when missing) — the last sync, for holdover accounting.
 * Returns 0 and *ret_synced, or a negative errno for other stat failures.
 */
int board_clock_timesyncd_synced(const char *marker, int64_t boot_realtime_usec, bool *ret_synced,
                                 int64_t *ret_mtime_usec);
