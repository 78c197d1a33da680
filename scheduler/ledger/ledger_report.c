/* Report queries over ledger files and in-memory stores of exports (ledger_report.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "ledger_report.h"
#include "ledger_report_sql.h"
#include "ledger_sql.h"

/* Column order = GROUP BY order (see ledger_report.h): one ordered pass serves every
 * --by, the chart and the campaign filter (playlist). Partial: the device writes start
 * records, events and checkpoints too, and reports never read them. kind and phase
 * close the lists because SQLite counts an index as covering only when it holds every
 * column the query names. */
const char ledger_report_index_sql[] =
    "CREATE INDEX IF NOT EXISTS records_report ON records(session_date, source,\n"
    "  airing_kind, outcome, unit_codes, commune_code, playlist, item, session, category,\n"
    "  played_ms, kind, phase) WHERE kind = 'airing' AND phase = 'final';\n"
    "CREATE INDEX IF NOT EXISTS records_report_notices ON records(session_date, unit_codes,\n"
    "  commune_code, playlist, item, shown_times, shown_seconds, kind)\n"
    "  WHERE kind = 'notice';\n";

struct ledger_report_db {
    sqlite3 *db;
    bool memory;
    bool in_txn; /* memory store: adds since the last query, not yet committed */
    sqlite3_stmt *st_insert;
};

static int open_conn(const char *path, int flags, sqlite3 **ret)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        int e = ledger_sql_errno(rc);
        sqlite3_close(db);
        return e ? e : -EIO;
    }
    ledger_sql_harden(db);
    sqlite3_busy_timeout(db, 10000);
    *ret = db;
    return 0;
}

void ledger_report_tune_process(void)
{
    /* Fails harmlessly (SQLITE_MISUSE) once SQLite is initialised. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int ledger_report_open(const char *path, struct ledger_report_db **ret, struct loa_diag *reterr)
{
    struct ledger_report_db *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        int e = -errno;
        free(d);
        return loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0, "cannot open: %s", strerror(-e));
    }
    fclose(probe);
    int e = open_conn(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, &d->db);
    if (e < 0) {
        free(d);
        return loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0, "cannot open the ledger: %s",
                            strerror(-e));
    }
    sqlite3_exec(d->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->db, "SELECT seq FROM records LIMIT 0", -1, &st, NULL);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0, "not a loa ledger: %s",
                         sqlite3_errmsg(d->db));
        ledger_report_close(d);
        return e;
    }
    *ret = d;
    return 0;
}

int ledger_report_open_memory(struct ledger_report_db **ret)
{
    struct ledger_report_db *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->memory = true;
    /* "": a private temporary database, in memory until it grows large. */
    int e = open_conn("", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &d->db);
    if (e < 0) {
        free(d);
        return e;
    }
    struct ledger_buf b = {0};
    ledger_buf_puts(&b, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;\n"
                        "CREATE TABLE records (seq INTEGER PRIMARY KEY");
    for (size_t i = 0; i < LF_COUNT; i++)
        ledger_buf_printf(&b, ", %s %s", ledger_fields[i].name,
                          ledger_fields[i].type == LEDGER_FT_INT ? "INTEGER" : "TEXT");
    ledger_buf_puts(&b, ", prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;\n");
    ledger_buf_puts(&b, ledger_report_index_sql);
    ledger_sql_insert_text(&b);
    if (b.failed) {
        ledger_buf_free(&b);
        ledger_report_close(d);
        return -ENOMEM;
    }
    /* Everything before the INSERT is the schema; the INSERT is prepared. */
    char *insert = strstr(b.data, "INSERT INTO records(");
    insert[-1] = '\0';
    int rc = sqlite3_exec(d->db, b.data, NULL, NULL, NULL);
    insert[-1] = '\n';
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(d->db, insert, -1, SQLITE_PREPARE_PERSISTENT, &d->st_insert, NULL);
    ledger_buf_free(&b);
    if (rc != SQLITE_OK) {
        ledger_report_close(d);
        return -EIO;
    }
    *ret = d;
    return 0;
}

int ledger_report_add(struct ledger_report_db *d, const struct ledger_record *r)
{
    if (!d || !d->memory)
        return -EINVAL;
    if (!d->in_txn) {
        if (sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            return -EIO;
        d->in_txn = true;
    }
    return ledger_sql_insert_row(d->st_insert, r);
}

/* Queries see the records added so far. */
static int commit_adds(struct ledger_report_db *d)
{
    if (!d->in_txn)
        return 0;
    d->in_txn = false;
    return sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

struct ledger_report_db *ledger_report_close(struct ledger_report_db *d)
{
    if (!d)
        return NULL;
    sqlite3_finalize(d->st_insert);
    sqlite3_close(d->db);
    free(d);
    return NULL;
}

/* ---- Aggregation ------------------------------------------------------------------------ */

static const char *col_text(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

/* The enum whose name is s, or -1. names(i) for i in [0, n). */
static int enum_of(const char *s, const char *(*names)(int), int n)
{
    for (int i = 0; i < n; i++) {
        const char *name = names(i);
        if (name && strcmp(name, s) == 0)
            return i;
    }
    return -1;
}

static const char *source_name_i(int i)
{
    return ledger_source_name((enum ledger_source)i);
}
static const char *airing_kind_name_i(int i)
{
    return ledger_airing_kind_name((enum ledger_airing_kind)i);
}
static const char *outcome_name_i(int i)
{
    return ledger_outcome_name((enum ledger_outcome)i);
}

static void day_text(int32_t day, char buf[16])
{
    civil_format_date(day, buf, 16);
}

/* Build the two queries of q: the GROUP BY columns are a prefix of the index's, as
 * few as the grain needs (every extra column costs each row a comparison). */
static void build_sql(const struct ledger_report_query *q, struct ledger_buf *airings,
                      struct ledger_buf *notices)
{
    static const char *const air_cols[] = {
        [LEDGER_REPORT_GRAIN_DATE] = "session_date, source, airing_kind, outcome",
        [LEDGER_REPORT_GRAIN_COMMUNE] =
            "session_date, source, airing_kind, outcome, unit_codes, commune_code",
        [LEDGER_REPORT_GRAIN_ITEM] = "session_date, source, airing_kind, outcome, unit_codes,"
                                     " commune_code, playlist, item, session, category",
    };
    static const char *const notice_cols[] = {
        [LEDGER_REPORT_GRAIN_DATE] = "session_date",
        [LEDGER_REPORT_GRAIN_COMMUNE] = "session_date, unit_codes, commune_code",
        [LEDGER_REPORT_GRAIN_ITEM] = "session_date, unit_codes, commune_code, playlist, item",
    };
    enum ledger_report_grain g =
        q->grain <= LEDGER_REPORT_GRAIN_ITEM ? q->grain : LEDGER_REPORT_GRAIN_ITEM;
    /* The latest seq names a row (its title, its commune): only the grains with names. */
    const char *last = g == LEDGER_REPORT_GRAIN_DATE ? "0" : "max(seq)";
    const char *filter = q->playlist ? " AND (playlist = ?5 OR playlist IS NULL)" : "";
    /* Reading each entry's seq costs a fifth of the scan: skip it when every record
     * counts. */
    const char *seqs =
        q->from_seq <= 0 && q->to_seq == INT64_MAX ? "" : " AND seq BETWEEN ?3 AND ?4";
    ledger_buf_printf(airings,
                      "SELECT %s, count(*), sum(played_ms), %s FROM records"
                      " WHERE kind = 'airing' AND phase = 'final'"
                      " AND session_date BETWEEN ?1 AND ?2%s%s GROUP BY %s",
                      air_cols[g], last, seqs, filter, air_cols[g]);
    ledger_buf_printf(notices,
                      "SELECT %s, count(*), sum(shown_times), sum(shown_seconds), %s"
                      " FROM records WHERE kind = 'notice'"
                      " AND session_date BETWEEN ?1 AND ?2%s%s GROUP BY %s",
                      notice_cols[g], last, seqs, filter, notice_cols[g]);
}

static int prepare_bound(struct ledger_report_db *d, const char *sql,
                         const struct ledger_report_query *q, sqlite3_stmt **ret)
{
    char from[16], to[16];
    day_text(q->from_day, from);
    day_text(q->to_day, to);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, q->from_seq);
    sqlite3_bind_int64(st, 4, q->to_seq);
    if (q->playlist)
        sqlite3_bind_text(st, 5, q->playlist, -1, SQLITE_TRANSIENT);
    *ret = st;
    return 0;
}

static int bad_value(struct loa_diag *reterr, int64_t seq, const char *what, const char *value)
{
    return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0, "record %lld: unexpected %s '%s'",
                        (long long)seq, what, value);
}

static int scan_airings(sqlite3_stmt *st, enum ledger_report_grain g, ledger_report_cell_fn *fn,
                        void *userdata, struct loa_diag *reterr)
{
    int rc;
    int n = g == LEDGER_REPORT_GRAIN_DATE ? 4 : (g == LEDGER_REPORT_GRAIN_COMMUNE ? 6 : 10);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_report_cell c = {.kind = LEDGER_AIRING,
                                       .unit_codes = "",
                                       .commune_code = "",
                                       .playlist = "",
                                       .item = "",
                                       .session = "",
                                       .category = ""};
        c.n_records = sqlite3_column_int64(st, n);
        c.played_ms = sqlite3_column_int64(st, n + 1); /* NULL sum reads as 0 */
        c.last_seq = sqlite3_column_int64(st, n + 2);
        const char *date = col_text(st, 0);
        if (civil_parse_date(date, &c.session_day) < 0)
            return bad_value(reterr, c.last_seq, "session date", date);
        const char *s = col_text(st, 1);
        int v = enum_of(s, source_name_i, LEDGER_SOURCE_TEST + 1);
        if (v < 0)
            return bad_value(reterr, c.last_seq, "source", s);
        c.source = (enum ledger_source)v;
        s = col_text(st, 2);
        v = enum_of(s, airing_kind_name_i, LEDGER_AIRING_KIND_RELAY + 1);
        if (v <= 0)
            return bad_value(reterr, c.last_seq, "airing kind", s);
        c.airing_kind = (enum ledger_airing_kind)v;
        s = col_text(st, 3);
        v = enum_of(s, outcome_name_i, LEDGER_OUTCOME_DROPPED + 1);
        if (v <= 0)
            return bad_value(reterr, c.last_seq, "outcome", s);
        c.outcome = (enum ledger_outcome)v;
        if (g >= LEDGER_REPORT_GRAIN_COMMUNE) {
            c.unit_codes = col_text(st, 4);
            c.commune_code = col_text(st, 5);
        }
        if (g == LEDGER_REPORT_GRAIN_ITEM) {
            c.playlist = col_text(st, 6);
            c.item = col_text(st, 7);
            c.session = col_text(st, 8);
            c.category = col_text(st, 9);
        }
        int r = fn(&c, userdata);
        if (r != 0)
            return r;
    }
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static int scan_notices(sqlite3_stmt *st, enum ledger_report_grain g, ledger_report_cell_fn *fn,
                        void *userdata, struct loa_diag *reterr)
{
    int rc;
    int n = g == LEDGER_REPORT_GRAIN_DATE ? 1 : (g == LEDGER_REPORT_GRAIN_COMMUNE ? 3 : 5);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_report_cell c = {.kind = LEDGER_NOTICE,
                                       .unit_codes = "",
                                       .commune_code = "",
                                       .playlist = "",
                                       .item = "",
                                       .session = "",
                                       .category = ""};
        c.n_records = sqlite3_column_int64(st, n);
        c.shown_times = sqlite3_column_int64(st, n + 1);
        c.shown_seconds = sqlite3_column_int64(st, n + 2);
        c.last_seq = sqlite3_column_int64(st, n + 3);
        const char *date = col_text(st, 0);
        if (civil_parse_date(date, &c.session_day) < 0)
            return bad_value(reterr, c.last_seq, "shown date", date);
        if (g >= LEDGER_REPORT_GRAIN_COMMUNE) {
            c.unit_codes = col_text(st, 1);
            c.commune_code = col_text(st, 2);
        }
        if (g == LEDGER_REPORT_GRAIN_ITEM) {
            c.playlist = col_text(st, 3);
            c.item = col_text(st, 4);
        }
        int r = fn(&c, userdata);
        if (r != 0)
            return r;
    }
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int ledger_report_scan(struct ledger_report_db *d, const struct ledger_report_query *q,
                       ledger_report_cell_fn *fn, void *userdata, struct loa_diag *reterr)
{
    if (!d || !q || !fn)
        return -EINVAL;
    int e = commit_adds(d);
    if (e < 0)
        return e;
    if (q->from_day > q->to_day || q->from_seq > q->to_seq)
        return 0;
    struct ledger_buf a = {0}, n = {0};
    build_sql(q, &a, &n);
    sqlite3_stmt *st = NULL;
    if (a.failed || n.failed) {
        e = -ENOMEM;
        goto out;
    }
    e = prepare_bound(d, a.data, q, &st);
    if (e == 0)
        e = scan_airings(st, q->grain, fn, userdata, reterr);
    sqlite3_finalize(st);
    st = NULL;
    if (e != 0)
        goto out;
    e = prepare_bound(d, n.data, q, &st);
    if (e == 0)
        e = scan_notices(st, q->grain, fn, userdata, reterr);
    sqlite3_finalize(st);
out:
    ledger_buf_free(&a);
    ledger_buf_free(&n);
    return e;
}

static int explain_one(struct ledger_report_db *d, const char *sql,
                       const struct ledger_report_query *q, struct ledger_buf *out)
{
    struct ledger_buf b = {0};
    ledger_buf_puts(&b, "EXPLAIN QUERY PLAN ");
    ledger_buf_puts(&b, sql);
    if (b.failed)
        return -ENOMEM;
    sqlite3_stmt *st = NULL;
    int e = prepare_bound(d, b.data, q, &st);
    ledger_buf_free(&b);
    if (e < 0)
        return e;
    int rc;
    bool first = true;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ledger_buf_printf(out, "%s%s", first ? "" : "; ", col_text(st, 3));
        first = false;
    }
    sqlite3_finalize(st);
    ledger_buf_puts(out, "\n");
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int ledger_report_explain(struct ledger_report_db *d, const struct ledger_report_query *q,
                          char *buf, size_t size)
{
    int e = commit_adds(d);
    if (e < 0)
        return e;
    struct ledger_buf a = {0}, n = {0}, out = {0};
    build_sql(q, &a, &n);
    if (!a.failed && !n.failed) {
        e = explain_one(d, a.data, q, &out);
        if (e == 0)
            e = explain_one(d, n.data, q, &out);
    } else {
        e = -ENOMEM;
    }
    if (e == 0 && out.failed)
        e = -ENOMEM;
    if (e == 0)
        snprintf(buf, size, "%s", out.data ? out.data : "");
    ledger_buf_free(&a);
    ledger_buf_free(&n);
    ledger_buf_free(&out);
    return e;
}

/* ---- Single records and extents ------------------------------------------------------------ */

int ledger_report_get(struct ledger_report_db *d, int64_t seq, struct ledger_record **ret)
{
    int e = commit_adds(d);
    if (e < 0)
        return e;
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM records WHERE seq = ?1", ledger_sql_columns());
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct ledger_row_buf *rb = malloc(sizeof(*rb));
        struct ledger_record r;
        if (!rb) {
            e = -ENOMEM;
        } else {
            e = ledger_sql_read_row(st, rb, &r, NULL);
            if (e == 0) {
                *ret = ledger_record_dup(&r);
                if (!*ret)
                    e = -ENOMEM;
            }
        }
        free(rb);
    } else {
        e = rc == SQLITE_DONE ? -ENOENT : -EIO;
    }
    sqlite3_finalize(st);
    return e;
}

/* One row of an ORDER BY ... LIMIT 1 query over seq a..b. */
static int one_row(struct ledger_report_db *d, const char *sql, int64_t a, int64_t b,
                   const char *text, sqlite3_stmt **ret)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    if (text)
        sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *ret = st;
        return 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

static int read_end(sqlite3_stmt *st, int64_t *ret_seq, int64_t *ret_written, uint8_t *ret_hash)
{
    *ret_seq = sqlite3_column_int64(st, 0);
    *ret_written = sqlite3_column_int64(st, 1);
    if (ret_hash) {
        if (sqlite3_column_bytes(st, 2) != LEDGER_HASH_SIZE)
            return -EBADMSG;
        memcpy(ret_hash, sqlite3_column_blob(st, 2), LEDGER_HASH_SIZE);
    }
    return 0;
}

int ledger_report_extent(struct ledger_report_db *d, int64_t from_seq, int64_t to_seq,
                         struct ledger_report_extent *ret)
{
    int e = commit_adds(d);
    if (e < 0)
        return e;
    struct ledger_report_extent x = {.max_session_day = LEDGER_NO_DAY};
    sqlite3_stmt *st = NULL;
    e = one_row(d,
                "SELECT seq, written, hash FROM records WHERE seq BETWEEN ?1 AND ?2"
                " ORDER BY seq LIMIT 1",
                from_seq, to_seq, NULL, &st);
    if (e == -ENOENT) {
        *ret = x;
        return 0;
    }
    if (e < 0)
        return e;
    e = read_end(st, &x.first_seq, &x.first_written_usec, NULL);
    sqlite3_finalize(st);
    if (e == 0)
        e = one_row(d,
                    "SELECT seq, written, hash FROM records WHERE seq BETWEEN ?1 AND ?2"
                    " ORDER BY seq DESC LIMIT 1",
                    from_seq, to_seq, NULL, &st);
    if (e < 0)
        return e;
    e = read_end(st, &x.last_seq, &x.last_written_usec, x.last_hash);
    sqlite3_finalize(st);
    if (e < 0)
        return e;
    /* Sources are verified contiguous, so the span is the count. */
    x.n_records = x.last_seq - x.first_seq + 1;
    e = one_row(d,
                "SELECT session_date FROM records WHERE kind = 'airing' AND phase = 'final'"
                " AND session_date IS NOT NULL AND +seq BETWEEN ?1 AND ?2"
                " ORDER BY session_date DESC LIMIT 1",
                from_seq, to_seq, NULL, &st);
    if (e == 0) {
        int32_t day;
        if (civil_parse_date(col_text(st, 0), &day) == 0)
            x.max_session_day = day;
        sqlite3_finalize(st);
    } else if (e != -ENOENT) {
        return e;
    }
    *ret = x;
    return 0;
}

int ledger_report_hash(struct ledger_report_db *d, int64_t seq, uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    int e = commit_adds(d);
    if (e < 0)
        return e;
    sqlite3_stmt *st = NULL;
    e = one_row(d, "SELECT seq, written, hash FROM records WHERE seq BETWEEN ?1 AND ?2", seq, seq,
                NULL, &st);
    if (e < 0)
        return e;
    int64_t s, w;
    e = read_end(st, &s, &w, ret_hash);
    sqlite3_finalize(st);
    return e;
}

int ledger_report_campaign(struct ledger_report_db *d, const char *playlist, int64_t from_seq,
                           int64_t to_seq, int32_t *ret_from, int32_t *ret_until, int64_t *ret_seq)
{
    int e = commit_adds(d);
    if (e < 0)
        return e;
    sqlite3_stmt *st = NULL;
    /* The latest session date first: reads the report index backwards and stops at the
     * first hit. ("+seq": the seq range must not tempt SQLite into a rowid range scan
     * and a sort of everything in it.) */
    e = one_row(d,
                "SELECT seq, campaign_from, campaign_until FROM records"
                " WHERE kind = 'airing' AND phase = 'final' AND +seq BETWEEN ?1 AND ?2"
                " AND playlist = ?3 AND session_date IS NOT NULL"
                " ORDER BY session_date DESC LIMIT 1",
                from_seq, to_seq, playlist, &st);
    if (e < 0)
        return e;
    int32_t from, until;
    if (civil_parse_date(col_text(st, 1), &from) < 0 ||
        civil_parse_date(col_text(st, 2), &until) < 0) {
        sqlite3_finalize(st);
        return -ENOENT; /* an airing of that playlist without a campaign window */
    }
    *ret_seq = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    *ret_from = from;
    *ret_until = until;
    return 0;
}
