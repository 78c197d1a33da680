/* Shared by `loa load`, `loa unload`, `loa import` and `loa list`: the device config, the
 * data directory, exit codes for library errors, and the ledger event for each change.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "fw.h"
#include "library.h"

/** What a library command works with. */
struct fw_library_ctx {
    struct loa_config *config;
    char data_dir[4096];
};

/**
 * Load the config (printing its diagnostics) and resolve the data directory. Returns an
 * exit code; on LOA_EXIT_OK ctx is filled (release with fw_library_end()).
 */
int fw_library_begin(const struct fw_globals *g, struct fw_library_ctx *ctx);

/** Free what fw_library_begin() made. */
void fw_library_end(struct fw_library_ctx *ctx);

/** The exit code for a library_change() / usb_import() / library_open() result:
 *  0 -> OK, -EINVAL -> INPUT (refused), -ENOSYS -> RUNTIME, others -> RUNTIME. */
int fw_library_exit_code(int r);

/**
 * Record a library change in the device's ledger as an event of type event_type
 * ("library-load", "library-unload", "library-import") whose detail is change->detail,
 * with the caller's uid. Opens (creating if needed) the device key and the ledger.
 * Prints why on failure. Returns an exit code.
 */
int fw_library_record(const struct fw_library_ctx *ctx, const char *event_type,
                      const struct library_change *change);

/**
 * Conclude a library command after library_change() or usb_import() returned r: print
 * and clear diags (warnings too), and when r >= 0 print the change's summary and record
 * it in the ledger as event_type (fw_library_record()); r < 0 records nothing. Returns the
 * command's exit code (fw_library_exit_code(r) on failure). change stays the caller's.
 */
int fw_library_conclude(const struct fw_library_ctx *ctx, int r,
                        const struct library_change *change, struct loa_diag_list *diags,
                        const char *event_type);

/** Print a one-line summary of a change to stdout. */
void fw_library_print_change(const struct library_change *change);

/* Seconds the kiosks show a USB import's result (SPEC.md: "shows the result"). */
#define FW_LIBRARY_BANNER_SECONDS 60

/**
 * The one-line footer banner for a `loa import` that returned r (fw_library_notify.c):
 * "USB: đã nạp 2 danh sách phát (a, b)", or "USB: từ chối — <first error of diags,
 * shortened>" (-EINVAL), "USB: lỗi — ..." (other failures). Returns a g_free() string.
 */
char *fw_library_import_banner(int r, const struct library_change *change,
                               const struct loa_diag_list *diags);

/**
 * Tell a running daemon about a library change: banner (may be NULL) goes to its kiosks
 * (`banner FW_LIBRARY_BANNER_SECONDS TEXT`), then `reload` when reload is true (the new
 * library airs from the next session start; prints a line when the daemon agreed).
 * Silent when no daemon answers: the command's result does not depend on it.
 */
void fw_library_notify_daemon(const struct fw_globals *g, const char *banner, bool reload);

/** Microseconds since the epoch, UTC, from CLOCK_REALTIME. */
int64_t fw_library_now_usec(void);
