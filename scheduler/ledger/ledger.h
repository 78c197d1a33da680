/* The airtime ledger: one append-only, hash-chained SQLite file per device.
 *
 * SPEC.md "The airtime ledger (SQLite)"; the record format, the canonical form hashed
 * into the chain and the schema are documented in docs/ledger.md. This library is the
 * only code in Loa that touches SQLite.
 *
 * Every record is one row with the same fixed list of canonical fields (see
 * ledger_field_name()); fields that do not apply to a record's kind are empty. The
 * chain: h_seq = SHA-256(h_(seq-1) || ns(seq) || ns(field_1) || ... || ns(field_n)),
 * where ns(x) is the netstring "<byte length>:<x>," and h_0 is 32 zero bytes.
 *
 * Durability: WAL with synchronous=FULL, one short transaction per append (or per
 * batch, see ledger_batch_begin()). A record is committed before ledger_append()
 * returns 0. When the disk is full the record is held in memory (the return value is
 * LEDGER_HELD) and written exactly once by a later append or ledger_flush().
 *
 * Several processes may open the same ledger (the daemon and `loa export`): each
 * append re-reads the head inside its own write transaction, so the chain stays
 * linear whoever writes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define LEDGER_HASH_SIZE 32
/** An empty integer field (an integer field that does not apply to the record). */
#define LEDGER_NONE INT64_MIN
/** An empty date field. */
#define LEDGER_NO_DAY INT32_MIN
/** Returned by ledger_append() and friends: accepted, held in memory, not yet on disk
 *  (disk full, or a batch is open). Never a negative errno. */
#define LEDGER_HELD 1
/** The schema version stored in PRAGMA user_version. */
#define LEDGER_SCHEMA_VERSION 1
/** Largest text field accepted, in bytes (event details may be long JSON-ish text). */
#define LEDGER_MAX_TEXT 65536

enum ledger_kind { LEDGER_AIRING = 0, LEDGER_NOTICE = 1, LEDGER_EVENT = 2, LEDGER_CHECKPOINT = 3 };
enum ledger_phase { LEDGER_PHASE_NONE = 0, LEDGER_PHASE_START = 1, LEDGER_PHASE_FINAL = 2 };
enum ledger_trust {
    LEDGER_TRUST_SYNCED = 0,
    LEDGER_TRUST_HOLDOVER = 1,
    LEDGER_TRUST_RTC = 2,
    LEDGER_TRUST_OPERATOR = 3,
    LEDGER_TRUST_UNSYNCED = 4,
    LEDGER_TRUST_VIRTUAL = 5,
};
enum ledger_source {
    LEDGER_SOURCE_NONE = 0,
    LEDGER_SOURCE_PLAN = 1,
    LEDGER_SOURCE_PLAY_NOW = 2,
    LEDGER_SOURCE_TEST = 3,
};
enum ledger_airing_kind {
    LEDGER_AIRING_KIND_NONE = 0,
    LEDGER_AIRING_KIND_CHIME = 1,
    LEDGER_AIRING_KIND_ANNOUNCEMENT = 2,
    LEDGER_AIRING_KIND_RELAY = 3,
};
enum ledger_class {
    LEDGER_CLASS_NONE = 0,
    LEDGER_CLASS_NORMAL = 1,
    LEDGER_CLASS_PRIORITY = 2,
    LEDGER_CLASS_EMERGENCY = 3,
};
enum ledger_outcome {
    LEDGER_OUTCOME_NONE = 0,
    LEDGER_OUTCOME_COMPLETED = 1,
    LEDGER_OUTCOME_INTERRUPTED = 2,
    LEDGER_OUTCOME_FAILED = 3,
    LEDGER_OUTCOME_MISSED = 4,
    LEDGER_OUTCOME_DROPPED = 5,
};

/** Who and where the device is, snapshotted into every record. Strings are borrowed;
 *  district fields may be NULL or "" (districts ended 2025-07-01). */
struct ledger_identity {
    const char *device_id; /* required, [a-z0-9-] */
    const char *unit_codes; /* edition of the official unit code list, e.g. "2020" */
    const char *province_code, *province_name;
    const char *district_code, *district_name;
    const char *commune_code, *commune_name;
};

/**
 * One record, all its canonical fields. Strings may be NULL for empty when appending;
 * records read back from the ledger have every string non-NULL ("" when empty) and
 * pointing into storage owned by whoever handed the record out. Integer fields use
 * LEDGER_NONE and dates LEDGER_NO_DAY for empty. Initialise with ledger_record_init().
 *
 * On append the ledger fills seq, prev_hash, hash, the identity fields and key_id;
 * the caller fills the rest.
 */
struct ledger_record {
    int64_t seq; /* 1, 2, ... */
    uint8_t prev_hash[LEDGER_HASH_SIZE];
    uint8_t hash[LEDGER_HASH_SIZE];

    enum ledger_kind kind;
    enum ledger_phase phase; /* airing only */
    int64_t written_usec; /* UTC when appended (virtual time in a virtual run) */
    const char *device_id; /* identity, filled by the ledger */
    const char *key_id; /* the device key's id, 16 hex digits as minisign shows it */
    const char *unit_codes;
    const char *province_code, *province_name;
    const char *district_code, *district_name;
    const char *commune_code, *commune_name;
    enum ledger_trust trust; /* clock trust when the record was made */

    /* airings (events may also name an item, session, date or key) */
    enum ledger_source source;
    enum ledger_airing_kind airing_kind;
    const char *playlist_id;
    const char *reference;
    int32_t campaign_from_day, campaign_until_day; /* civil day numbers */
    const char *item_id; /* the chime's item is "chime"; a notice's id for notices */
    const char *title;
    const char *category;
    enum ledger_class cls;
    const char *media_sha256; /* 64 lowercase hex digits */
    const char *session_id;
    int32_t session_day; /* the local date the airing belongs to */
    const char *airing_key; /* e.g. "2020-11-02/sang/tmdt-01/1", or a play-now request id */
    int64_t planned_start_usec, actual_start_usec, actual_end_usec; /* UTC */
    int64_t played_ms;
    enum ledger_outcome outcome; /* final records only */
    const char *reason; /* e.g. "crash", "session-full"; "" for completed */
    int64_t gain_cdb; /* gain applied, hundredths of a dB */

    /* notices: one display period */
    int64_t shown_first_usec, shown_last_usec; /* UTC */
    int64_t shown_times, shown_seconds;

    /* events */
    const char *event_type; /* [a-z0-9-]+, e.g. "boot", "clock-step", "export" */
    const char *event_detail; /* free UTF-8 text, JSON-ish by convention */
    int64_t caller_uid; /* who asked (SO_PEERCRED), events and play-now airings */

    /* checkpoints: a signature over the record before (checkpoint_seq = seq - 1) */
    int64_t checkpoint_seq;
    const char *checkpoint_head; /* 64 lowercase hex digits: hash of checkpoint_seq */
    const char *signature; /* base64 Ed25519 over ledger_checkpoint_message() */
};

/** Reset r to an empty record of the given kind (all ints LEDGER_NONE, strings NULL). */
void ledger_record_init(struct ledger_record *r, enum ledger_kind kind);

/** Deep copy of r in one allocation (strings included; NULL strings become "").
 *  Returns NULL on out of memory. Free with ledger_record_free(). */
struct ledger_record *ledger_record_dup(const struct ledger_record *r);
/** Free a record from ledger_record_dup() or a ledger_get*() call; accepts NULL; returns NULL. */
struct ledger_record *ledger_record_free(struct ledger_record *r);

/* ---- Names of things ------------------------------------------------------------- */

const char *ledger_kind_name(enum ledger_kind k);
const char *ledger_phase_name(enum ledger_phase p); /* "" for NONE */
const char *ledger_trust_name(enum ledger_trust t);
const char *ledger_source_name(enum ledger_source s);
const char *ledger_airing_kind_name(enum ledger_airing_kind k);
const char *ledger_class_name(enum ledger_class c);
const char *ledger_outcome_name(enum ledger_outcome o);
/** Is reason a valid reason for outcome (SPEC.md "Outcomes and reasons")? "" is valid
 *  only for completed. */
bool ledger_reason_valid(enum ledger_outcome o, const char *reason);

/** Number of canonical fields (without seq, prev_hash, hash). */
size_t ledger_field_count(void);
/** Name of canonical field i (0-based), as in the CSV header and the SQLite column. */
const char *ledger_field_name(size_t i);

/**
 * The canonical text of every field of r, in field order, each a NUL-terminated
 * string in one allocation: *ret_fields[i] for i < ledger_field_count(). Free
 * *ret_fields with free(). Returns 0, -EINVAL (a field not representable: bad enum,
 * invalid UTF-8, too long), or -ENOMEM.
 */
int ledger_record_to_fields(const struct ledger_record *r, char ***ret_fields);

/**
 * Parse canonical field texts (ledger_field_count() of them) into *ret (a record
 * from ledger_record_dup()). Refuses any non-canonical text (leading zeros, unknown
 * enum values, bad dates, invalid UTF-8): -EBADMSG, with the field named in reterr
 * (may be NULL). The chain fields of the result are left zero.
 */
int ledger_record_from_fields(const char *const *fields, struct ledger_record **ret,
                              struct loa_diag *reterr);

/** hash = SHA-256(prev_hash || ns(seq) || ns(field_1) || ...). fields as above. */
void ledger_chain_hash(const uint8_t prev_hash[LEDGER_HASH_SIZE], int64_t seq,
                       const char *const *fields, uint8_t ret_hash[LEDGER_HASH_SIZE]);

/** Format a hash as 64 lowercase hex digits into buf (>= 65 bytes); returns buf. */
char *ledger_hex(const uint8_t hash[LEDGER_HASH_SIZE], char *buf);
/** Parse exactly 64 lowercase hex digits. Returns 0 or -EINVAL. */
int ledger_parse_hex(const char *s, uint8_t ret_hash[LEDGER_HASH_SIZE]);

/**
 * The text a checkpoint signs: "loa-checkpoint v1 device=<id> key=<KEYID> seq=<n>
 * head=<hex>". Writes at most size bytes into buf (NUL-terminated); returns the length,
 * or -ENOBUFS.
 */
int ledger_checkpoint_message(const char *device_id, const char *key_id, int64_t seq,
                              const uint8_t head[LEDGER_HASH_SIZE], char *buf, size_t size);

/* ---- The ledger file --------------------------------------------------------------- */

struct ledger;
struct ledger_key; /* ledger_key.h */

enum ledger_open_flags {
    /** Read only: no schema creation, no marker, no quarantine, appends refused. */
    LEDGER_OPEN_READONLY = 1 << 0,
};

struct ledger_open_options {
    unsigned flags; /* enum ledger_open_flags */
    const struct ledger_identity *identity; /* required unless READONLY (copied) */
    const struct ledger_key *key; /* required unless READONLY (borrowed, must outlive) */
    /* For the record the ledger writes itself when it quarantines a damaged file: */
    int64_t now_usec;
    enum ledger_trust trust;
};

/** What ledger_open() found and did. */
struct ledger_open_report {
    bool created; /* a new, empty ledger file was made */
    bool unclean; /* the previous session did not close (integrity_check was run) */
    bool quarantined; /* the file was damaged: renamed, and a new ledger continues */
    char quarantine_path[4400]; /* where the damaged file now is */
    char damage[512]; /* what quick_check/integrity_check or SQLite said */
    int64_t continued_seq; /* the continuation event's seq (0 when not quarantined) */
};

/**
 * Open (creating if needed) the ledger at path. Runs PRAGMA quick_check, or
 * integrity_check when the previous session did not close cleanly (its marker file
 * "<path>.open" remains). A damaged file (and its -wal/-shm) is renamed to
 * "<path>.quarantined.<n>", never deleted, and a new ledger is started whose first
 * record is an event "ledger-continued" carrying on the old chain when the old head is
 * readable (docs/ledger.md). Refuses a ledger whose records belong to another device id
 * (-EXDEV) or a newer schema (-EPROTONOSUPPORT).
 * Returns 0 and *ret_ledger (close with ledger_close()); ret_report may be NULL.
 * Errors: -EINVAL (options), -ENOENT (READONLY and no file), -EBADMSG (damaged and
 * READONLY or open elsewhere), -EIO, -ENOMEM; reterr (may be NULL) says more.
 */
int ledger_open(const char *path, const struct ledger_open_options *opts,
                struct ledger **ret_ledger, struct ledger_open_report *ret_report,
                struct loa_diag *reterr);

/**
 * Close the ledger. Tries once more to write records held in memory; returns how many
 * could not be written (they are lost: the caller should have flushed), always frees.
 * The clean-close marker is removed when this was the last opener.
 */
size_t ledger_close(struct ledger *l);

/** Change the identity stamped on future records (config reload). Same device id only:
 *  -EXDEV otherwise. */
int ledger_set_identity(struct ledger *l, const struct ledger_identity *id);

/** Limit the file to max_pages pages (PRAGMA max_page_count): a storage quota, and how
 *  tests make the disk "full". 0 restores SQLite's default. Returns 0 or -EIO. */
int ledger_set_page_limit(struct ledger *l, int64_t max_pages);

/**
 * Append a record: an airing start or final, a notice period, an event. The ledger
 * fills seq, the chain, identity and key id (r's own are ignored).
 * Rules: a start is refused (-EEXIST) when its airing key already has a start or a
 * final record; a final is refused (-EEXIST) when the key has a final record. The
 * outcome's reason must be one SPEC.md lists; fields of other kinds must be empty
 * (-EINVAL, reterr says which).
 * Returns 0 (committed; *ret_seq set if not NULL), LEDGER_HELD (the disk is full or a
 * batch is open: kept in memory, to be written exactly once by a later append,
 * ledger_flush() or ledger_batch_end()), or a negative errno (-EEXIST, -EINVAL, -EROFS
 * when read only, -EIO).
 */
int ledger_append(struct ledger *l, const struct ledger_record *r, int64_t *ret_seq,
                  struct loa_diag *reterr);

/**
 * Append a signed checkpoint over the current head (flushing anything held first).
 * event_type/detail may be NULL ("export" checkpoints carry the exported range).
 * Needs the key's secret part (-EPERM otherwise). Returns as ledger_append().
 */
int ledger_append_checkpoint(struct ledger *l, int64_t written_usec, enum ledger_trust trust,
                             const char *event_type, const char *event_detail, int64_t *ret_seq,
                             struct loa_diag *reterr);

/**
 * Close every airing that has a start record but no final record as interrupted
 * (crash): the final record copies the start's snapshot, with outcome interrupted,
 * reason "crash", written at now_usec with the given trust, actual_end and played_ms
 * empty (unknown). Called by the daemon right after ledger_open().
 * Returns how many were closed (>= 0) or a negative errno. Records held for a full
 * disk count as closed: they will be written.
 */
int ledger_close_interrupted(struct ledger *l, int64_t now_usec, enum ledger_trust trust);

/** Open a batch: appends until ledger_batch_end() are held in memory and written in
 *  one transaction (virtual runs). Returns 0 or -EBUSY if one is open. */
int ledger_batch_begin(struct ledger *l);
/** Write the batch: 0 when written, LEDGER_HELD when the disk is full (kept), <0. */
int ledger_batch_end(struct ledger *l);

/** Write what is held in memory. 0 when nothing remains held, -ENOSPC when the disk is
 *  still full (still held), other negative errno on other failures. */
int ledger_flush(struct ledger *l);
/** How many records are held in memory, not yet written. */
size_t ledger_pending(const struct ledger *l);

/* ---- Reading ------------------------------------------------------------------------ */

/** The last record's seq and hash (0 and 32 zero bytes when empty). Held records are
 *  not counted. Returns 0 or -EIO. */
int ledger_head(struct ledger *l, int64_t *ret_seq, uint8_t ret_hash[LEDGER_HASH_SIZE]);

enum { LEDGER_KEY_HAS_START = 1, LEDGER_KEY_HAS_FINAL = 2 };
/** Which records an airing key has (written or held): LEDGER_KEY_HAS_* bits in
 *  *ret_flags. Returns 0 or -EIO. */
int ledger_lookup_key(struct ledger *l, const char *airing_key, unsigned *ret_flags);

/** The written start or final record of an airing key: 0 and *ret (free with
 *  ledger_record_free()), -ENOENT, -EIO. */
int ledger_get_airing(struct ledger *l, const char *airing_key, enum ledger_phase phase,
                      struct ledger_record **ret);

/** Record seq: 0 and *ret, -ENOENT, -EIO (or -EBADMSG when stored text is not
 *  canonical). */
int ledger_get(struct ledger *l, int64_t seq, struct ledger_record **ret);

/** Called for each record; return 0 to go on, anything else stops the walk and is
 *  returned by ledger_foreach(). The record is valid during the call only. */
typedef int ledger_record_fn(const struct ledger_record *r, void *userdata);

/** Walk the written records from_seq..to_seq (inclusive; to_seq <= 0 means the head)
 *  in seq order. Returns 0, the callback's non-zero value, or a negative errno. */
int ledger_foreach(struct ledger *l, int64_t from_seq, int64_t to_seq, ledger_record_fn *fn,
                   void *userdata);

/** The greatest seq written at or before written_usec, at or after from_seq, or 0 when
 *  none. Returns 0 or -EIO. */
int ledger_last_seq_written_by(struct ledger *l, int64_t from_seq, int64_t written_usec,
                               int64_t *ret_seq);

/** Does the ledger hold any record whose clock trust is not virtual (a real device's
 *  history, which a virtual run must not touch)? Returns 0 or -EIO. */
int ledger_has_real_records(struct ledger *l, bool *ret);

/** The last checkpoint whose event_type is event_type (e.g. "export"): 0 and *ret,
 *  -ENOENT, -EIO. */
int ledger_last_checkpoint(struct ledger *l, const char *event_type, struct ledger_record **ret);

/** The path the ledger was opened with. */
const char *ledger_path(const struct ledger *l);

/**
 * Run PRAGMA integrity_check. Returns 0 when "ok", -EBADMSG with the first problem in
 * reterr, or -EIO.
 */
int ledger_integrity_check(struct ledger *l, struct loa_diag *reterr);
