/* Verification of ledgers and exports: the chain, sequence continuity, signatures,
 * checkpoints, continuity after a known head (SPEC.md "Exports and verification",
 * docs/ledger.md "Verification").
 *
 * A source is a ledger database file or an export directory. Nothing in a source is
 * trusted before it is checked; files are read through the directory with O_NOFOLLOW,
 * regular files only, with size caps, and parsed from memory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ledger.h"
#include "ledger_key.h"

/* ---- Known keys ----------------------------------------------------------------------- */

struct ledger_keyring;

/** A new empty keyring. Returns 0 or -ENOMEM. */
int ledger_keyring_new(struct ledger_keyring **ret);
/** Free; accepts NULL; returns NULL. */
struct ledger_keyring *ledger_keyring_free(struct ledger_keyring *kr);

/** Add a key for a device, valid for signatures over records written on UTC dates
 *  from_day..until_day (LEDGER_NO_DAY for open ends). Returns 0, -EINVAL, -ENOMEM. */
int ledger_keyring_add(struct ledger_keyring *kr, const char *device_id,
                       const uint8_t keynum[LEDGER_KEYNUM_SIZE], const uint8_t pk[LEDGER_PK_SIZE],
                       int32_t from_day, int32_t until_day);

/**
 * Load a --keys file: one key per line, "<device-id> <base64 public key> [from=DATE]
 * [until=DATE]" (the base64 line of a device.pub file); blank lines and lines starting
 * with '#' ignored. Returns 0, or -EBADMSG with FILE:LINE in reterr, or -ENOENT/-EIO.
 */
int ledger_keyring_load(struct ledger_keyring *kr, const char *path, struct loa_diag *reterr);

/** Parse the same format from memory (name is used in messages). */
int ledger_keyring_parse(struct ledger_keyring *kr, const char *name, const char *text, size_t len,
                         struct loa_diag *reterr);

/** Number of keys. */
size_t ledger_keyring_size(const struct ledger_keyring *kr);

/* ---- Verifying ------------------------------------------------------------------------ */

enum ledger_source_type { LEDGER_SOURCE_DATABASE = 0, LEDGER_SOURCE_EXPORT = 1 };

struct ledger_verify_options {
    const struct ledger_keyring *keys; /* required */
    bool has_after; /* --after SEQ:HEX */
    int64_t after_seq;
    uint8_t after_hash[LEDGER_HASH_SIZE];
    /** Directory of cached results keyed by (source content hash, keys, --after); NULL
     *  for none. Created (0700) when missing. Only successes are cached. */
    const char *cache_dir;
    /** Called for every record in seq order as it is checked (NULL for none). When the
     *  source later fails, the caller must discard what it received. Not called on a
     *  cache hit unless no_cache_when_cb is set. */
    ledger_record_fn *record_cb;
    void *userdata;
    bool no_cache_when_cb; /* bypass the cache so record_cb sees every record */
};

struct ledger_verify_result {
    enum ledger_source_type type;
    char device_id[64];
    char key_id[17]; /* of the export signature, or of the last checkpoint */
    int64_t first_seq, last_seq; /* 0, 0 for an empty ledger */
    int64_t n_records;
    int64_t trusted_last_seq; /* signed: last_seq for an export, the last checkpoint's
                                 covered seq for a database (0 when none) */
    int64_t n_checkpoints;
    uint8_t head[LEDGER_HASH_SIZE];
    bool has_prev;
    uint8_t prev[LEDGER_HASH_SIZE];
    bool cached; /* the result came from the cache */
    /* On failure: */
    int64_t bad_seq; /* first bad record, 0 when the failure is not about one record */
    char message[1024];
};

/**
 * Verify one source (a ledger database file or an export directory).
 * Returns 0 when it verifies; -EBADMSG when it does not (ret->bad_seq and ret->message
 * say where and why: the first bad record); -ENOENT when the path does not exist;
 * -EACCES/-EIO when it cannot be read; -ENOMEM. ret is always filled.
 */
int ledger_verify_source(const char *path, const struct ledger_verify_options *opts,
                         struct ledger_verify_result *ret);

/**
 * Verify several sources, then check them against each other: records of one device
 * present in two sources must have the same hash, and a database ending before a seq
 * another source knows (a later checkpoint or export) is an older copy or truncated.
 * results must hold n entries. Returns 0 when all verify, -EBADMSG when any fails (the
 * first failing source's index in *ret_bad, may be NULL), other negative errno.
 */
int ledger_verify_sources(const char *const *paths, size_t n,
                          const struct ledger_verify_options *opts,
                          struct ledger_verify_result *results, size_t *ret_bad);

/**
 * Verify an export held in memory (the four files' bytes). Used by
 * ledger_verify_source() and by the fuzz target. Same returns (without -ENOENT).
 */
int ledger_verify_export_mem(const uint8_t *csv, size_t csv_len, const uint8_t *manifest,
                             size_t manifest_len, const uint8_t *csv_sig, size_t csv_sig_len,
                             const uint8_t *manifest_sig, size_t manifest_sig_len,
                             const struct ledger_verify_options *opts,
                             struct ledger_verify_result *ret);

/** Parse "SEQ:HEX" (as --after takes it). Returns 0 or -EINVAL. */
int ledger_parse_after(const char *s, int64_t *ret_seq, uint8_t ret_hash[LEDGER_HASH_SIZE]);
