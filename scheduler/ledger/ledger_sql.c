/* Reading records out of SQLite rows, strictly. */
#include <errno.h>
#include <string.h>

#include "ledger_sql.h"

const char *ledger_sql_columns(void)
{
    return "kind,phase,written,device,key_id,unit_codes,province_code,province_name,"
           "district_code,district_name,commune_code,commune_name,clock_trust,source,"
           "airing_kind,playlist,reference,campaign_from,campaign_until,item,title,category,"
           "class,media_sha256,session,session_date,airing_key,planned_start,actual_start,"
           "actual_end,played_ms,outcome,reason,gain_cdb,shown_first,shown_last,shown_times,"
           "shown_seconds,event_type,event_detail,caller_uid,checkpoint_seq,checkpoint_head,"
           "signature,seq,prev_hash,hash";
}

int ledger_sql_read_row(sqlite3_stmt *st, struct ledger_row_buf *rb, struct ledger_record *r,
                        struct loa_diag *reterr)
{
    for (int i = 0; i < LF_COUNT; i++) {
        int t = sqlite3_column_type(st, i);
        const struct ledger_field_def *d = &ledger_fields[i];
        if (t == SQLITE_NULL) {
            rb->texts[i] = "";
            rb->lens[i] = 0;
            continue;
        }
        if (d->type == LEDGER_FT_INT) {
            if (t != SQLITE_INTEGER)
                goto bad;
            rb->lens[i] = ledger_format_int(sqlite3_column_int64(st, i), rb->scratch[i]);
            rb->texts[i] = rb->scratch[i];
        } else {
            if (t != SQLITE_TEXT)
                goto bad;
            const char *s = (const char *)sqlite3_column_text(st, i);
            int n = sqlite3_column_bytes(st, i);
            if (!s || n <= 0)
                goto bad; /* empty text is stored as NULL, never '' */
            rb->texts[i] = s;
            rb->lens[i] = (size_t)n;
        }
        continue;
    bad:
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                            "field %s: wrong storage type", d->name);
    }
    int e = ledger_record_parse_fields(rb->texts, rb->lens, r, reterr);
    if (e < 0)
        return e;
    if (sqlite3_column_type(st, LF_COUNT) != SQLITE_INTEGER)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0, "seq: not an integer");
    r->seq = sqlite3_column_int64(st, LF_COUNT);
    for (int k = 0; k < 2; k++) {
        int col = LF_COUNT + 1 + k;
        if (sqlite3_column_type(st, col) != SQLITE_BLOB ||
            sqlite3_column_bytes(st, col) != LEDGER_HASH_SIZE)
            return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0, "%s: not a 32-byte hash",
                                k ? "hash" : "prev_hash");
        memcpy(k ? r->hash : r->prev_hash, sqlite3_column_blob(st, col), LEDGER_HASH_SIZE);
    }
    return 0;
}

void ledger_sql_insert_text(struct ledger_buf *b)
{
    ledger_buf_puts(b, "INSERT INTO records(");
    ledger_buf_puts(b, ledger_sql_columns());
    ledger_buf_puts(b, ") VALUES (");
    for (int i = 0; i < LF_COUNT + 3; i++)
        ledger_buf_printf(b, "%s?%d", i ? "," : "", i + 1);
    ledger_buf_puts(b, ")");
}

int ledger_sql_insert_row(sqlite3_stmt *st, const struct ledger_record *r)
{
    char scratch[LEDGER_SHORT_FIELD];
    int rc = SQLITE_OK;
    for (int i = 0; i < LF_COUNT && rc == SQLITE_OK; i++) {
        size_t len;
        const char *t = ledger_field_text(r, (size_t)i, scratch, &len, NULL);
        if (!t) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return -EINVAL;
        }
        if (len == 0)
            rc = sqlite3_bind_null(st, i + 1);
        else if (ledger_fields[i].type == LEDGER_FT_INT)
            rc = sqlite3_bind_int64(st, i + 1,
                                    *(const int64_t *)((const char *)r + ledger_fields[i].offset));
        else
            rc = sqlite3_bind_text(st, i + 1, t, (int)len, SQLITE_TRANSIENT);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, LF_COUNT + 1, r->seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, LF_COUNT + 2, r->prev_hash, LEDGER_HASH_SIZE, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, LF_COUNT + 3, r->hash, LEDGER_HASH_SIZE, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : ledger_sql_errno(rc);
}

int ledger_sql_errno(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return 0;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_CONSTRAINT:
        return -EEXIST;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
        return -EBADMSG;
    case SQLITE_READONLY:
        return -EROFS;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return -EACCES;
    case SQLITE_CANTOPEN:
        return -ENOENT;
    default:
        return -EIO;
    }
}

void ledger_sql_harden(sqlite3 *db)
{
    sqlite3_extended_result_codes(db, 1);
    /* A ledger file may come from anywhere (a copy handed to a committee): no schema
     * functions with side effects, no writable_schema tricks. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, NULL);
}
