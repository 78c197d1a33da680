/* Internals shared by the ledger library's files: the field table, text helpers,
 * CSV, minisign signature files, the export manifest, file I/O. Not installed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ledger.h"
#include "ledger_key.h"

/* ---- The canonical fields, in order (docs/ledger.md "Canonical form") ---------------- */

enum ledger_ftype {
    LEDGER_FT_TEXT = 0, /* UTF-8, no NUL, <= LEDGER_MAX_TEXT bytes */
    LEDGER_FT_INT, /* canonical decimal int64 */
    LEDGER_FT_DATE, /* YYYY-MM-DD (int32 day number in the record) */
    LEDGER_FT_ENUM, /* one of a fixed list of names (int enum in the record) */
    LEDGER_FT_HEX, /* 64 lowercase hex digits */
    LEDGER_FT_KEYID, /* 16 uppercase hex digits */
    LEDGER_FT_SIG, /* canonical base64 of 64 bytes */
};

struct ledger_field_def {
    const char *name;
    enum ledger_ftype type;
    size_t offset; /* into struct ledger_record */
    const char *const *enum_names; /* LEDGER_FT_ENUM: indexed by the enum value */
    size_t n_enum;
    bool required; /* never empty */
};

/* Field indices, in canonical order. */
enum {
    LF_KIND = 0,
    LF_PHASE,
    LF_WRITTEN,
    LF_DEVICE,
    LF_KEY_ID,
    LF_UNIT_CODES,
    LF_PROVINCE_CODE,
    LF_PROVINCE_NAME,
    LF_DISTRICT_CODE,
    LF_DISTRICT_NAME,
    LF_COMMUNE_CODE,
    LF_COMMUNE_NAME,
    LF_CLOCK_TRUST,
    LF_SOURCE,
    LF_AIRING_KIND,
    LF_PLAYLIST,
    LF_REFERENCE,
    LF_CAMPAIGN_FROM,
    LF_CAMPAIGN_UNTIL,
    LF_ITEM,
    LF_TITLE,
    LF_CATEGORY,
    LF_CLASS,
    LF_MEDIA_SHA256,
    LF_SESSION,
    LF_SESSION_DATE,
    LF_AIRING_KEY,
    LF_PLANNED_START,
    LF_ACTUAL_START,
    LF_ACTUAL_END,
    LF_PLAYED_MS,
    LF_OUTCOME,
    LF_REASON,
    LF_GAIN_CDB,
    LF_SHOWN_FIRST,
    LF_SHOWN_LAST,
    LF_SHOWN_TIMES,
    LF_SHOWN_SECONDS,
    LF_EVENT_TYPE,
    LF_EVENT_DETAIL,
    LF_CALLER_UID,
    LF_CHECKPOINT_SEQ,
    LF_CHECKPOINT_HEAD,
    LF_SIGNATURE,
    LF_COUNT
};

extern const struct ledger_field_def ledger_fields[LF_COUNT];

/* Room for the text of any non-TEXT field (an int64, a date, a hash, a signature). */
#define LEDGER_SHORT_FIELD 96

/**
 * The canonical text of field i of r: returns a pointer either into r's own strings or
 * into scratch (>= LEDGER_SHORT_FIELD bytes), and its length in *ret_len. Returns NULL
 * (and a reason in reterr) when the value is not representable.
 */
const char *ledger_field_text(const struct ledger_record *r, size_t i, char *scratch,
                              size_t *ret_len, struct loa_diag *reterr);

/**
 * Parse canonical field texts into r, whose strings then point into fields (no
 * allocation). lens may be NULL (strlen is used). Returns 0 or -EBADMSG (reterr names
 * the field).
 */
int ledger_record_parse_fields(const char *const *fields, const size_t *lens,
                               struct ledger_record *r, struct loa_diag *reterr);

/** Chain hash over texts with explicit lengths. */
void ledger_chain_hash_n(const uint8_t prev[LEDGER_HASH_SIZE], int64_t seq,
                         const char *const *fields, const size_t *lens,
                         uint8_t ret_hash[LEDGER_HASH_SIZE]);

/** Compute the chain hash of r from r's fields (r->prev_hash, r->seq). -EINVAL when a
 *  field is not representable. */
int ledger_record_hash(const struct ledger_record *r, uint8_t ret_hash[LEDGER_HASH_SIZE]);

/* ---- Text helpers ----------------------------------------------------------------------- */

/** Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF); NUL bytes refused. */
bool ledger_utf8_valid(const char *s, size_t len);
/** Parse a canonical decimal int64 ("0", "-12", no '+', no leading zeros; INT64_MIN
 *  refused). */
int ledger_parse_int(const char *s, size_t len, int64_t *ret);
/** Format an int64 in decimal; returns the length. */
size_t ledger_format_int(int64_t v, char *buf);
/** Format UTC usec as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (buf >= 32). */
char *ledger_format_utc(int64_t usec, char *buf, size_t size);
/** Is s a non-empty [a-z0-9-]+ identifier? */
bool ledger_is_slug(const char *s);

/* A growable byte buffer. */
struct ledger_buf {
    char *data;
    size_t len, cap;
    bool failed; /* an allocation failed: every later append is ignored */
};
void ledger_buf_append(struct ledger_buf *b, const void *p, size_t n);
void ledger_buf_puts(struct ledger_buf *b, const char *s);
void ledger_buf_printf(struct ledger_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ledger_buf_free(struct ledger_buf *b);

/* ---- CSV (RFC 4180, LF) -------------------------------------------------------------- */

/** Append one field, quoted only when it contains ',', '"', LF or CR. */
void ledger_csv_field(struct ledger_buf *b, const char *s, size_t len);
/** Does a field of this text need quotes? */
bool ledger_csv_needs_quotes(const char *s, size_t len);

/** Append one full CSV row (fields, then seq, prev_hash, hash, LF) for r. -EINVAL when
 *  r is not representable. */
int ledger_csv_row(struct ledger_buf *b, const struct ledger_record *r);

/* ---- minisign signature files --------------------------------------------------------- */

struct ledger_minisig {
    uint8_t keynum[LEDGER_KEYNUM_SIZE];
    uint8_t sig[LEDGER_SIG_SIZE];
    char trusted_comment[1024];
    uint8_t global_sig[LEDGER_SIG_SIZE];
};

/** Produce a prehashed ("ED") minisign signature file for data: four lines. */
int ledger_minisig_make(const struct ledger_key *k, const uint8_t *data, size_t len,
                        const char *untrusted_comment, const char *trusted_comment,
                        struct ledger_buf *out);

/** Parse a signature file strictly: the exact untrusted comment line expected, "ED",
 *  canonical base64, a trusted comment of printable ASCII, LF line ends. -EBADMSG. */
int ledger_minisig_parse(const uint8_t *text, size_t len, const char *expected_untrusted,
                         struct ledger_minisig *ret, struct loa_diag *reterr);

/** Check both signatures of a parsed signature file over data with pk. */
bool ledger_minisig_check(const struct ledger_minisig *m, const uint8_t pk[LEDGER_PK_SIZE],
                          const uint8_t *data, size_t len);

/* ---- The export manifest --------------------------------------------------------------- */

/** What the manifest is made from: every field is derived from the exported records. */
struct ledger_manifest_info {
    const char *device_id, *key_id;
    const struct ledger_record *last; /* identity (commune) taken from the last record */
    int64_t first_seq, last_seq, n_records;
    uint8_t head[LEDGER_HASH_SIZE];
    bool has_prev;
    uint8_t prev[LEDGER_HASH_SIZE];
    int64_t first_written_usec, last_written_usec;
    int32_t first_session_day, last_session_day; /* LEDGER_NO_DAY when none */
    size_t csv_bytes;
    uint8_t csv_sha256[LEDGER_HASH_SIZE];
};

/** Write manifest.json's exact bytes. */
void ledger_manifest_build(const struct ledger_manifest_info *m, struct ledger_buf *out);

/** The trusted comment of both export signatures. */
void ledger_export_trusted_comment(const char *device_id, const char *key_id, int64_t first_seq,
                                   int64_t last_seq, const uint8_t head[LEDGER_HASH_SIZE],
                                   bool has_prev, const uint8_t prev[LEDGER_HASH_SIZE], char *buf,
                                   size_t size);

/** The "export" checkpoint's detail: "seq=<a>-<b> head=<hex> prev=<hex|none>". */
void ledger_export_detail(int64_t first_seq, int64_t last_seq, const uint8_t head[LEDGER_HASH_SIZE],
                          bool has_prev, const uint8_t prev[LEDGER_HASH_SIZE], char *buf,
                          size_t size);
/** Parse that detail back: 0 or -EBADMSG. */
int ledger_export_detail_parse(const char *s, int64_t *ret_first, int64_t *ret_last,
                               uint8_t ret_head[LEDGER_HASH_SIZE]);

/* ---- Files ------------------------------------------------------------------------------ */

/** Read a regular file name relative to dirfd (O_NOFOLLOW; no '/' in name) of at most
 *  cap bytes into *ret (malloc'd, NUL-terminated beyond len). -ENOENT, -EFBIG, -EINVAL
 *  (not a regular file / symlink), -EIO. */
int ledger_read_file_at(int dirfd, const char *name, size_t cap, uint8_t **ret, size_t *ret_len);

/** Write name in dirfd atomically: a temporary file, fsync, rename, mode. */
int ledger_write_file_at(int dirfd, const char *name, const void *data, size_t len, int mode);
