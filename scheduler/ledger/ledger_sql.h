/* SQLite internals shared by the ledger file code and the database verifier. */
#pragma once

#include <sqlite3.h>

#include "ledger_internal.h"

/** The comma-separated canonical column list, then seq, prev_hash, hash (static). */
const char *ledger_sql_columns(void);

/** Scratch space for reading one row's canonical texts. */
struct ledger_row_buf {
    char scratch[LF_COUNT][LEDGER_SHORT_FIELD];
    const char *texts[LF_COUNT];
    size_t lens[LF_COUNT];
};

/**
 * Read the row at st (columns as ledger_sql_columns(), starting at column 0) into r,
 * whose strings point into SQLite's row and rb: valid until the next step. Checks the
 * storage types (INTEGER or NULL for integer fields, non-empty TEXT or NULL for text
 * fields, 32-byte BLOBs for the hashes) and that every text is canonical.
 * Returns 0 or -EBADMSG (reterr names the field).
 */
int ledger_sql_read_row(sqlite3_stmt *st, struct ledger_row_buf *rb, struct ledger_record *r,
                        struct loa_diag *reterr);

/** Append "INSERT INTO records(<columns>) VALUES (?1,…)" (the statement
 *  ledger_sql_insert_row() binds) to b. */
void ledger_sql_insert_text(struct ledger_buf *b);

/**
 * Bind every canonical field of r, then seq, prev_hash and hash, to the prepared INSERT st
 * (columns as ledger_sql_columns()), step it and reset it. Empty fields are stored NULL.
 * Returns 0, -EINVAL (a field not representable), or ledger_sql_errno() of the step.
 */
int ledger_sql_insert_row(sqlite3_stmt *st, const struct ledger_record *r);

/** Map an SQLite result code to a negative errno. */
int ledger_sql_errno(int rc);

/** Apply the per-connection settings every opener uses (defensive mode, untrusted
 *  schema, extended codes). */
void ledger_sql_harden(sqlite3 *db);
