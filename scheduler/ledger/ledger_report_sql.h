/* The indexes the report queries read (ledger_report.c), shared with the schema code
 * (ledger_db.c) so every ledger file, and the in-memory store of an export, has them.
 * Not installed. */
#pragma once

/**
 * SQL creating the report indexes on table "records" (statements ending in ';', no
 * transaction). Column order is the GROUP BY order of ledger_report_scan(): changing
 * one means changing the other (test_report_ledger checks the query plan).
 */
extern const char ledger_report_index_sql[];
