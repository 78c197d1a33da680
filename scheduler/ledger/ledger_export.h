/* Exports: a contiguous sequence range of the ledger, as files a committee can check
 * with Debian's stock minisign (SPEC.md "Exports and verification", docs/ledger.md).
 *
 *   DIR/airtime.csv            UTF-8 with BOM, LF, RFC 4180: the canonical fields, then
 *                              seq,prev_hash,hash
 *   DIR/manifest.json          device, key id, commune, first/last seq, head, previous
 *                              export's head, period covered (a deterministic function of
 *                              the CSV's records: the verifier rebuilds it byte for byte)
 *   DIR/airtime.csv.minisig    minisign prehashed ("ED") signatures with the trusted
 *   DIR/manifest.json.minisig  comment "loa-export v1 device=<id> key=<KEYID> seq=<a>-<b>
 *                              head=<hex> prev=<hex|none>"
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ledger.h"
#include "ledger_key.h"

#define LEDGER_EXPORT_CSV "airtime.csv"
#define LEDGER_EXPORT_MANIFEST "manifest.json"
#define LEDGER_EXPORT_SIG_SUFFIX ".minisig"
/** The untrusted comment line every export signature carries (the verifier refuses any
 *  other). */
#define LEDGER_EXPORT_UNTRUSTED "untrusted comment: loa-export v1 signature"

struct ledger_export_result {
    int64_t first_seq, last_seq;
    uint8_t head[LEDGER_HASH_SIZE];
    bool has_prev; /* false when the range starts the chain (prev=none) */
    uint8_t prev[LEDGER_HASH_SIZE];
    int64_t checkpoint_seq; /* the signed "export" checkpoint appended afterwards */
    bool checkpoint_held; /* the disk was full: the checkpoint is held, not written */
};

/**
 * Export the records after the previous export (the last "export" checkpoint's range;
 * the first record when there was none) up to the last record written at or before
 * to_usec, into out_dir (created if missing, mode 0755; the four files are replaced
 * atomically, each fsynced). Then appends a signed checkpoint whose event_type is
 * "export" and whose detail is "seq=<a>-<b> head=<hex> prev=<hex|none>", written at
 * now_usec with the given clock trust.
 * The key must be the ledger's (with its secret part).
 * Returns 0 and *ret (may be NULL); -ENODATA when there is nothing new to export;
 * -EPERM (no secret key), -EIO/-ENOSPC/-EACCES writing the files; reterr says more.
 */
int ledger_export(struct ledger *l, const struct ledger_key *key, int64_t to_usec,
                  const char *out_dir, int64_t now_usec, enum ledger_trust trust,
                  struct ledger_export_result *ret, struct loa_diag *reterr);

/** Header line of airtime.csv (without BOM or LF): the field names, seq,prev_hash,hash.
 *  Static storage. */
const char *ledger_csv_header(void);
