/* Report queries: the airtime figures of SPEC.md "Reports", aggregated inside SQLite.
 *
 * A report reads many sources (ledger databases and export folders). Each is opened
 * here as a struct ledger_report_db: a read-only connection to a ledger file, or an
 * in-memory store that the caller fills with the verified records of an export. The
 * same SQL runs on both.
 *
 * Why the queries are shaped as they are: a merged report covers millions of records,
 * and reading each record in C costs about as much as SQLite aggregating it. So the
 * aggregation happens in SQLite, over a partial covering index of final airing records
 * (records_report, docs/ledger.md "Schema") whose column order is the GROUP BY's: the
 * index is scanned once, in order, with no sorting and no table lookups, and the
 * caller receives one small "cell" per (session date, source, airing kind, outcome[,
 * commune[, playlist, item, session, category]]). The campaign filter reads playlist
 * from the index without grouping on it. Rolling cells up into days, weeks, months or
 * communes is cheap arithmetic in the caller; a month is a run of session dates.
 *
 * Thread safety: one struct ledger_report_db may be used by one thread at a time;
 * different ones may be used concurrently (each has its own SQLite connection).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ledger.h"

struct ledger_report_db;

/**
 * Call once at the start of a process that will scan sources on several threads, before
 * anything opens a ledger: turns off SQLite's process-wide memory statistics, whose
 * lock every allocation takes, so that concurrent scans do not queue on it. Does nothing
 * once SQLite is in use.
 */
void ledger_report_tune_process(void);

/**
 * Open a ledger database read-only for report queries (no checks are run: verify the
 * source with ledger_verify_source() first). Returns 0 and *ret (close with
 * ledger_report_close()), -ENOENT, -EBADMSG (not a ledger), -EIO, -ENOMEM; reterr
 * (may be NULL) says more.
 */
int ledger_report_open(const char *path, struct ledger_report_db **ret, struct loa_diag *reterr);

/**
 * An empty in-memory store with the same columns and indexes, to be filled with
 * ledger_report_add() (the records of an export, already verified). Returns 0 and
 * *ret, or -ENOMEM/-EIO.
 */
int ledger_report_open_memory(struct ledger_report_db **ret);

/**
 * Add one record (a copy of what the report needs, the chain hash included) to a store
 * from ledger_report_open_memory(). Records are added inside one transaction that the
 * next query commits. Returns 0, -EEXIST (that seq is already there), -EINVAL (not a
 * memory store), -ENOMEM, -EIO.
 */
int ledger_report_add(struct ledger_report_db *d, const struct ledger_record *r);

/** Close; accepts NULL; returns NULL. */
struct ledger_report_db *ledger_report_close(struct ledger_report_db *d);

/* ---- Aggregation ------------------------------------------------------------------------ */

/** How finely cells are grouped, beyond session date, source, airing kind and outcome:
 *  fewer columns make a faster scan. */
enum ledger_report_grain {
    LEDGER_REPORT_GRAIN_DATE = 0, /* nothing more (--by day, week, month) */
    LEDGER_REPORT_GRAIN_COMMUNE, /* + unit-code edition, commune code */
    LEDGER_REPORT_GRAIN_ITEM, /* + commune, playlist, item, session, category */
};

/** What to aggregate. Every bound is inclusive. */
struct ledger_report_query {
    int32_t from_day, to_day; /* session dates (civil day numbers) */
    int64_t from_seq, to_seq; /* only records in this seq range (de-duplication);
                                 from_seq <= 0 and to_seq INT64_MAX: every record,
                                 which is faster */
    /** NULL: every record. Otherwise only records of this playlist (campaign) and
     *  records of no playlist (chimes, play-now of a file, tests). */
    const char *playlist;
    enum ledger_report_grain grain;
};

/** One aggregated group. Strings are "" when empty or not grouped on (see the grain),
 *  and valid during the callback only. */
struct ledger_report_cell {
    enum ledger_kind kind; /* LEDGER_AIRING (final records) or LEDGER_NOTICE */
    int32_t session_day; /* an airing's session date; a notice period's shown date */
    const char *unit_codes, *commune_code; /* GRAIN_COMMUNE and GRAIN_ITEM */
    const char *playlist, *item; /* GRAIN_ITEM (a notice's item is its id) */
    const char *session, *category; /* GRAIN_ITEM, airings */
    /* airings: */
    enum ledger_source source;
    enum ledger_airing_kind airing_kind;
    enum ledger_outcome outcome;
    int64_t n_records;
    int64_t played_ms; /* sum of played_ms over the group's records that have one */
    /* notices: */
    int64_t shown_times, shown_seconds;
    /** GRAIN_COMMUNE and GRAIN_ITEM: the greatest seq in the group, whose record
     *  (ledger_report_get()) names it as the latest record says; otherwise 0. */
    int64_t last_seq;
};

/** Called once per cell; return 0 to go on, anything else stops the scan and is
 *  returned by ledger_report_scan(). */
typedef int ledger_report_cell_fn(const struct ledger_report_cell *c, void *userdata);

/**
 * Aggregate the final airing records and the notice records of q, calling fn for each
 * cell: airing cells first, then notice cells, each in session-date order. Records
 * with no session date are not reported. Returns 0, fn's non-zero value, -EBADMSG (a
 * stored value is not what the ledger writes: reterr says which), -EIO.
 */
int ledger_report_scan(struct ledger_report_db *d, const struct ledger_report_query *q,
                       ledger_report_cell_fn *fn, void *userdata, struct loa_diag *reterr);

/**
 * The query plans SQLite chose for q's two queries, one "detail" line each (EXPLAIN
 * QUERY PLAN), into buf. Used by tests and benchmarks to check that the scan reads
 * the covering indexes without sorting. Returns 0 or -EIO.
 */
int ledger_report_explain(struct ledger_report_db *d, const struct ledger_report_query *q,
                          char *buf, size_t size);

/* ---- Single records and extents ------------------------------------------------------------ */

/**
 * Record seq of the store, as the ledger wrote it: 0 and *ret (free with
 * ledger_record_free(); for a memory store, only the fields ledger_report_add() keeps
 * are filled), -ENOENT, -EBADMSG, -EIO.
 */
int ledger_report_get(struct ledger_report_db *d, int64_t seq, struct ledger_record **ret);

/** First and last record of a seq range, for coverage checks. */
struct ledger_report_extent {
    int64_t n_records; /* records in the range (0: the rest is unset) */
    int64_t first_seq, last_seq;
    int64_t first_written_usec, last_written_usec;
    int32_t max_session_day; /* the latest session date in the range, or
                                LEDGER_NO_DAY when none */
    uint8_t last_hash[LEDGER_HASH_SIZE];
};

/** The extent of the records from_seq..to_seq. Returns 0 or -EIO. */
int ledger_report_extent(struct ledger_report_db *d, int64_t from_seq, int64_t to_seq,
                         struct ledger_report_extent *ret);

/** The chain hash of record seq: 0, -ENOENT, -EIO. */
int ledger_report_hash(struct ledger_report_db *d, int64_t seq, uint8_t ret_hash[LEDGER_HASH_SIZE]);

/**
 * The campaign (playlist) window as the latest final airing record of that playlist in
 * from_seq..to_seq says it: 0 and *ret_from, *ret_until (civil days), *ret_seq (that
 * record's seq, for its reference and title); -ENOENT when no airing names it; -EIO.
 */
int ledger_report_campaign(struct ledger_report_db *d, const char *playlist, int64_t from_seq,
                           int64_t to_seq, int32_t *ret_from, int32_t *ret_until, int64_t *ret_seq);
