/* systemd service notification: READY, STATUS, WATCHDOG, STOPPING (sd_notify(3)).
 *
 * Thin wrappers so the daemon never includes systemd headers and tests can point
 * $NOTIFY_SOCKET at their own socket. Outside systemd ($NOTIFY_SOCKET unset) every call is
 * a successful no-op returning 0.
 */
#pragma once

#include <stdint.h>

/** Send READY=1. Returns > 0 sent, 0 not under systemd, or a negative errno. */
int board_notify_ready(void);

/** Send STATUS=<status> (one line; newlines are replaced by spaces). Same returns. */
int board_notify_status(const char *status);

/** Send WATCHDOG=1: call from the main loop while it iterates and the player answers. */
int board_notify_watchdog(void);

/** Send STOPPING=1 at the start of a clean shutdown. */
int board_notify_stopping(void);

/**
 * Whether systemd expects watchdog pings for this process (WatchdogSec=, via
 * $WATCHDOG_USEC and $WATCHDOG_PID). Returns 1 and *ret_interval_usec (ping at half of
 * it), 0 when not enabled (*ret_interval_usec untouched), or a negative errno when the
 * environment is malformed.
 */
int board_watchdog_interval(uint64_t *ret_interval_usec);
