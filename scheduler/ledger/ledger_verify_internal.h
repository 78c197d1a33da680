/* Internals of the verifier shared by its database and export halves. */
#pragma once

#include "ledger_internal.h"
#include "ledger_verify.h"

struct ledger_keyring_entry {
    char device_id[64];
    uint8_t keynum[LEDGER_KEYNUM_SIZE];
    uint8_t pk[LEDGER_PK_SIZE];
    int32_t from_day, until_day;
};

struct ledger_keyring {
    struct ledger_keyring_entry *e;
    size_t n, cap;
};

/** Find the key for (device, key number) valid on UTC date day (LEDGER_NO_DAY: any).
 *  Returns the entry, or NULL with why filled ("device not listed", ...). */
const struct ledger_keyring_entry *ledger_keyring_find(const struct ledger_keyring *kr,
                                                       const char *device_id,
                                                       const uint8_t keynum[LEDGER_KEYNUM_SIZE],
                                                       int32_t day, char *why, size_t why_size);

/** Seqs whose hashes the caller wants captured (cross-checks between sources). */
struct ledger_probe {
    int64_t seq;
    bool found;
    uint8_t hash[LEDGER_HASH_SIZE];
};

/** The running check over a source's records, in seq order. */
struct ledger_chain {
    const struct ledger_verify_options *o;
    struct ledger_verify_result *res;
    bool is_db;
    bool started;
    int64_t expect_seq;
    uint8_t expect_prev[LEDGER_HASH_SIZE];
    int64_t first_written_usec, last_written_usec;
    int32_t first_session_day, last_session_day;
    struct ledger_record *last; /* a copy of the last record (exports rebuild the manifest) */
    bool keep_last;
    struct ledger_probe *probes;
    size_t n_probes;
    bool failed;
};

/** Check the next record. Returns 0 or -EBADMSG (res->bad_seq and message set). */
int ledger_chain_step(struct ledger_chain *c, const struct ledger_record *r);

/** Finish: the --after checks. Returns 0 or -EBADMSG. */
int ledger_chain_finish(struct ledger_chain *c);

/** Set res->message (and bad_seq) unless a failure was already recorded; returns
 *  -EBADMSG. */
int ledger_verify_fail(struct ledger_verify_result *res, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Database source. probes may be NULL. */
int ledger_verify_db(const char *path, const struct ledger_verify_options *o,
                     struct ledger_verify_result *res, struct ledger_probe *probes,
                     size_t n_probes);

/** Export held in memory; probes may be NULL. */
int ledger_verify_export_probes(const uint8_t *csv, size_t csv_len, const uint8_t *manifest,
                                size_t manifest_len, const uint8_t *csv_sig, size_t csv_sig_len,
                                const uint8_t *manifest_sig, size_t manifest_sig_len,
                                const struct ledger_verify_options *o,
                                struct ledger_verify_result *res, struct ledger_probe *probes,
                                size_t n_probes);

/** UTC date (day number) of a UTC instant. */
int32_t ledger_utc_day(int64_t usec);
