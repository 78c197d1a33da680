/* Where a device keeps its state (SPEC.md "storage.data_dir"): the ledger, the device
 * key, the media library. Shared by every command that touches them.
 *
 *   DATA_DIR/ledger.db   the airtime ledger (plus -wal, .lock, .open)
 *   DATA_DIR/keys/       device.key (0600) and device.pub (0644)
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fw.h"

struct loa_config;
struct ledger_identity;

/**
 * Load the device config named by g (--config, $LOA_CONFIG or the default), printing
 * its diagnostics (warnings too) to stderr. Returns LOA_EXIT_OK and *ret_config (free
 * with loa_config_free()), or LOA_EXIT_INPUT after printing why.
 */
int fw_config_load(const struct fw_globals *g, struct loa_config **ret_config);

/**
 * Resolve the data directory: --data-dir when given, else storage.data_dir of the
 * config. When config is NULL and --data-dir was not given, the config is loaded (and
 * freed) for it. Writes the path into buf. Returns LOA_EXIT_OK, or an exit code after
 * printing why (LOA_EXIT_INPUT: the config does not load; LOA_EXIT_RUNTIME: too long).
 */
int fw_data_dir(const struct fw_globals *g, const struct loa_config *config, char *buf,
                size_t size);

/** Create the data directory (and its parents) when missing, mode 0755. Returns
 *  LOA_EXIT_OK or LOA_EXIT_RUNTIME after printing why. */
int fw_data_dir_ensure(const char *data_dir);

/**
 * Where `loa verify` and `loa report` cache verification results: $XDG_CACHE_HOME/loa/verify,
 * else ~/.cache/loa/verify (parents made 0700). A new string (free()), or NULL when neither
 * variable is set or the folder cannot be made (then nothing is cached).
 */
char *fw_verify_cache_dir(void);

/** DATA_DIR/ledger.db into buf. */
void fw_ledger_path(const char *data_dir, char *buf, size_t size);
/** DATA_DIR/keys into buf. */
void fw_keys_dir(const char *data_dir, char *buf, size_t size);

/** The ledger's identity snapshot from a config (pointers into config). */
void fw_ledger_identity(const struct loa_config *config, struct ledger_identity *ret);

/**
 * The UTC instant just before local midnight ending `day` in the config's time zone
 * (for "records written on or before DATE"). Returns 0, or -EINVAL for an unknown zone.
 */
int fw_end_of_local_day_usec(const struct loa_config *config, int32_t day, int64_t *ret_usec);
