/* The daemon's control socket protocol, shared by the daemon (fw_control.c) and the
 * commands that talk to it (fw_control_client.c: `loa status`, `loa play-now`,
 * `loa pause`, `loa resume`, `loa clock confirm`).
 *
 * A unix stream socket ($LOA_CONTROL_SOCKET, else DATA_DIR/control.sock), mode 0660,
 * group `loa` when that group exists. Every message either way is framed: a 4-byte
 * little-endian length, then that many bytes (at most FW_CONTROL_MAX_MSG).
 * Requests are one line of UTF-8 text, words separated by single spaces:
 *   status [json]
 *   play-now item ITEM CLASS          CLASS priority | emergency
 *   play-now file CLASS NAME          the media file is passed along as an open
 *                                     descriptor (SCM_RIGHTS); NAME is for the record
 *   pause FROM_USEC UNTIL_USEC [SESSION]
 *   resume
 *   reload
 *   clock-confirm
 *   banner SECONDS TEXT               show TEXT (the rest of the line, spaces kept) in
 *                                     the kiosks' footer for SECONDS (1..3600); `loa
 *                                     import` sends its result this way
 *   kiosk-subscribe                   the connection becomes a kiosk feed: the daemon
 *                                     sends kiosk messages (kiosk_feed.h), the kiosk
 *                                     sends back PROOF messages
 * A reply is "ok\n" or "error N\n" (N the exit code the client should return) followed
 * by text for people (or JSON for `status json`). The caller's uid (SO_PEERCRED) is
 * recorded in the ledger event of each play-now, pause, resume, reload, clock-confirm
 * and banner.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fw.h"

#define FW_CONTROL_MAX_MSG (4 * 1024 * 1024)

/**
 * Send one request to the running daemon and wait for the reply (up to timeout_ms).
 * fd >= 0 is passed along (SCM_RIGHTS). On success returns 0, *ret_exit (the exit
 * code the daemon asks for: 0 for "ok") and *ret_text (g_free()). Returns -ENOENT /
 * -ECONNREFUSED when no daemon listens, other negative errno on I/O failures.
 */
int fw_control_call(const struct fw_globals *g, const char *request, int fd, int timeout_ms,
                    int *ret_exit, char **ret_text);

/** Write one framed message on a blocking socket, with fd (>= 0) attached. 0 or -errno. */
int fw_control_send(int sock, const void *buf, size_t len, int fd);
/** Read one framed message (blocking). Returns 0 and *ret_buf (g_free()) / *ret_len, or
 *  -errno (-EPIPE at end of stream, -EMSGSIZE beyond FW_CONTROL_MAX_MSG). */
int fw_control_recv(int sock, void **ret_buf, size_t *ret_len);
/** The socket path the client side uses ($LOA_CONTROL_SOCKET or DATA_DIR/control.sock).
 *  Returns an exit code. */
int fw_control_client_path(const struct fw_globals *g, char *buf, size_t size);

/**
 * For the CLI commands: send request, print the reply's text (to stdout on success, to
 * stderr on error) and return the exit code — LOA_EXIT_RUNTIME with a message when no
 * daemon is running.
 */
int fw_control_run(const struct fw_globals *g, const char *request, int fd);
