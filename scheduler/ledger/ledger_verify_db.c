/* Verifying a ledger database file (the device's own, or a copy). Opened read only;
 * SQLite's own integrity_check first (so a reader of the covering indexes sees what the
 * table holds), then every row through the chain. Trusted only up to its last signed
 * checkpoint. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_sql.h"
#include "ledger_verify_internal.h"

static const char *const guard_triggers[] = {"records_no_update", "records_no_delete"};

int ledger_verify_db(const char *path, const struct ledger_verify_options *o,
                     struct ledger_verify_result *res, struct ledger_probe *probes, size_t n_probes)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct ledger_row_buf *rb = NULL;
    int e = 0, rc;

    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        e = ledger_sql_errno(rc);
        if (e == -EBADMSG)
            e = ledger_verify_fail(res, 0, "not a readable ledger database: %s",
                                   sqlite3_errstr(rc));
        else
            snprintf(res->message, sizeof res->message, "%s", sqlite3_errstr(rc));
        goto out;
    }
    ledger_sql_harden(db);
    sqlite3_busy_timeout(db, 10000);

    rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        e = ledger_verify_fail(res, 0, "not a readable ledger database: %s", sqlite3_errmsg(db));
        goto out;
    }
    const char *ok = (const char *)sqlite3_column_text(st, 0);
    if (!ok || strcmp(ok, "ok") != 0) {
        e = ledger_verify_fail(res, 0, "damaged database: %s", ok ? ok : "?");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;

    rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW || sqlite3_column_int64(st, 0) != LEDGER_SCHEMA_VERSION) {
        e = ledger_verify_fail(res, 0, "not a loa ledger of schema version %d",
                               LEDGER_SCHEMA_VERSION);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;

    /* The records must be a table (a view could show anything). */
    rc = sqlite3_prepare_v2(db,
                            "SELECT count(*) FROM sqlite_master WHERE name = 'records' AND "
                            "type = 'table'",
                            -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW || sqlite3_column_int(st, 0) != 1) {
        e = ledger_verify_fail(res, 0, "not a loa ledger: no records table");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;

    /* Guard triggers gone means someone meant to rewrite history: refuse even when the
     * rows still chain (the rewrite may be in a part no checkpoint covers yet). */
    for (size_t i = 0; i < 2; i++) {
        rc = sqlite3_prepare_v2(db,
                                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                                "name = ?1 AND tbl_name = 'records'",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(st, 1, guard_triggers[i], -1, SQLITE_STATIC);
            rc = sqlite3_step(st);
        }
        const char *sql = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (!sql || !strstr(sql, "RAISE(ABORT")) {
            e = ledger_verify_fail(res, 0, "the append-only guard trigger %s is missing",
                                   guard_triggers[i]);
            goto out;
        }
        sqlite3_finalize(st);
        st = NULL;
    }

    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM records ORDER BY seq", ledger_sql_columns());
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        e = ledger_verify_fail(res, 0, "not a loa ledger: %s", sqlite3_errmsg(db));
        goto out;
    }
    rb = malloc(sizeof(*rb));
    if (!rb) {
        e = -ENOMEM;
        goto out;
    }
    struct ledger_chain c = {
        .o = o, .res = res, .is_db = true, .probes = probes, .n_probes = n_probes};
    int64_t prev_seq = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_record r;
        struct loa_diag d;
        memset(&d, 0, sizeof d);
        if (ledger_sql_read_row(st, rb, &r, &d) < 0) {
            int64_t seq = sqlite3_column_type(st, LF_COUNT) == SQLITE_INTEGER
                              ? sqlite3_column_int64(st, LF_COUNT)
                              : prev_seq + 1;
            e = ledger_verify_fail(res, seq, "record %lld: %s", (long long)seq, d.msg);
            goto out;
        }
        e = ledger_chain_step(&c, &r);
        if (e < 0)
            goto out;
        prev_seq = r.seq;
    }
    if (rc != SQLITE_DONE) {
        e = ledger_verify_fail(res, prev_seq + 1, "unreadable after seq %lld: %s",
                               (long long)prev_seq, sqlite3_errmsg(db));
        goto out;
    }
    e = ledger_chain_finish(&c);
out:
    free(rb);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return e;
}
