/* Shared by the daemon tests: a temporary device (config, generated media, a playlist
 * loaded into a data dir), running `loa` commands, parsing `loa plan --format csv`, and
 * reading the ledger back.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"

struct dt_device {
    char *dir; /* temporary directory (removed by dt_device_free unless LOA_KEEP) */
    char *config; /* DIR/loa.cfg */
    char *data_dir; /* DIR/data */
    char *playlist; /* DIR/pl.cfg */
    char *loa; /* the loa binary */
};

/** Options for dt_device_new. */
struct dt_options {
    const char *campaign_from, *campaign_until; /* "2021-01-01" */
    bool short_items; /* items of a few seconds (real-clock tests) */
    const char *sessions; /* libconfig text of `sessions`, or NULL */
    const char *quiet_hours; /* or NULL for "21:00-06:00" */
    const char *board_extra; /* e.g. amp_warmup_ms and amp_hold_s */
    const char *kiosk_enabled; /* "true" / "false" (default false) */
    const char *require_trust; /* "true" (default) / "false" */
};

/** Make a device: media (sox), config, playlist, loaded with `loa load`. Skips the test
 *  (exit 77) when sox or the loa binary is missing. */
struct dt_device *dt_device_new(const struct dt_options *o);
void dt_device_free(struct dt_device *d);

/** A device for real-clock tests: short items, a campaign around today, no trust needed,
 *  one session of `minutes` starting `secs` seconds from now (dt_session_now), the kiosk
 *  enabled or not, and board_extra (e.g. "amp_warmup_ms = 200; amp_hold_s = 1;"). */
struct dt_device *dt_device_live(int secs, int minutes, bool kiosk, const char *board_extra);

/** Run `loa --config C --data-dir D ARGS...` (NULL-terminated); returns the exit status
 *  (or 128+signal); stdout and stderr into *out and *err when not NULL (g_free). */
int dt_loa(const struct dt_device *d, char **out, char **err, ...) G_GNUC_NULL_TERMINATED;
/** Same with an argv array. */
int dt_loa_argv(const struct dt_device *d, char **out, char **err, const char *const *args);

/** Write text to DIR/name; returns the path (g_free). */
char *dt_write(const struct dt_device *d, const char *name, const char *text);

/** One row of `loa plan --format csv`, with the airing key it stands for. */
struct dt_plan_row {
    char key[160];
    char status[16]; /* planned | dropped */
    char kind[16];
    char date[16];
    char session[64];
    char item[64];
};

/** `loa plan --from --to --format csv` as rows with keys (ordinal per date/session/item
 *  in row order). */
GArray *dt_plan(const struct dt_device *d, const char *from, const char *to);

/** A key's records in the ledger. */
struct dt_key {
    int starts, finals;
    char outcome[16], reason[32];
    char source[16];
    char session_date[16];
    int64_t planned, actual_start, actual_end, played_ms;
};

/** Every airing key of the ledger → struct dt_key (g_hash_table_unref). Also checks
 *  that no key has more than one start or final (the ledger refuses them anyway). */
GHashTable *dt_ledger_keys(const struct dt_device *d);

/** All records (ledger_record_dup'ed) in seq order; free with g_ptr_array_unref. */
GPtrArray *dt_ledger_records(const struct dt_device *d);

/** A session of `minutes` starting `secs` seconds from now (local, Asia/Ho_Chi_Minh) as
 *  libconfig `sessions` text, and quiet hours far from it; skips the test (77) when the
 *  session would cross midnight. g_free both. */
void dt_session_now(int secs, int minutes, char **ret_sessions, char **ret_quiet);

/** Start `loa run ARGS` in the background; returns its pid. stderr goes to DIR/daemon.log. */
GPid dt_daemon_start(const struct dt_device *d, const char *const *args, const char *const *env);
/** Wait (up to timeout_ms) for a path to exist. */
bool dt_wait_path(const char *path, int timeout_ms);
/** Wait for pid to exit (up to timeout_ms); returns its exit status (128+sig) or -1. */
int dt_wait_pid(GPid pid, int timeout_ms);

/** UTC µs of local (Asia/Ho_Chi_Minh) "YYYY-MM-DD HH:MM:SS". */
int64_t dt_utc(const char *local);

/** Compare the ledger's final records with `loa plan` for [from, to]: planned ↔
 *  completed, dropped ↔ dropped (session-full), nothing else. Asserts. Returns the
 *  number of plan rows. */
size_t dt_assert_ledger_equals_plan(const struct dt_device *d, const char *from, const char *to);

/** Send one raw control-socket request (fw_control.h framing); returns the reply text
 *  (g_free) or NULL when nobody answers. */
char *dt_control(const struct dt_device *d, const char *request);
/** `loa status --format json`'s value of a number field, or -1. */
int64_t dt_status_number(const struct dt_device *d, const char *field);
