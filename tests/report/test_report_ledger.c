/* The report queries in the ledger library (ledger_report.h): they read only the
 * covering indexes, in order, without sorting; a ledger file and the in-memory store of
 * the same records give the same cells; single-record lookups; bad input. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "civil.h"
#include "ledger.h"
#include "ledger_report.h"
#include "ledger_verify.h"
#include "report_fixture.h"

static struct {
    char *base;
    struct rfx_dev dev;
    struct ledger_keyring *kr;
} F;

static int32_t D(int y, int m, int d)
{
    return civil_from_ymd(y, m, d);
}

static int add_cb(const struct ledger_record *r, void *userdata)
{
    g_assert_cmpint(ledger_report_add(userdata, r), ==, 0);
    return 0;
}

static struct ledger_report_db *memory_store(void)
{
    struct ledger_report_db *m = NULL;
    g_assert_cmpint(ledger_report_open_memory(&m), ==, 0);
    struct ledger_verify_options o = {
        .keys = F.kr, .record_cb = add_cb, .userdata = m, .no_cache_when_cb = true};
    struct ledger_verify_result res;
    g_assert_cmpint(ledger_verify_source(F.dev.db, &o, &res), ==, 0);
    return m;
}

static struct ledger_report_db *file_store(void)
{
    struct ledger_report_db *d = NULL;
    struct loa_diag diag = {0};
    g_assert_cmpint(ledger_report_open(F.dev.db, &d, &diag), ==, 0);
    return d;
}

static void test_plans(void)
{
    struct ledger_report_db *d = file_store();
    for (int grain = 0; grain < 3; grain++) {
        for (int camp = 0; camp < 2; camp++) {
            struct ledger_report_query q = {.from_day = D(2020, 11, 1),
                                            .to_day = D(2020, 12, 31),
                                            .from_seq = 1,
                                            .to_seq = INT64_MAX,
                                            .playlist = camp ? "tmdt-2020" : NULL,
                                            .grain = (enum ledger_report_grain)grain};
            char plan[2048];
            g_assert_cmpint(ledger_report_explain(d, &q, plan, sizeof plan), ==, 0);
            if (!strstr(plan, "COVERING INDEX records_report ") ||
                !strstr(plan, "COVERING INDEX records_report_notices") || strstr(plan, "TEMP"))
                g_printerr("plan: %s", plan);
            g_assert_nonnull(strstr(plan, "COVERING INDEX records_report "));
            g_assert_nonnull(strstr(plan, "COVERING INDEX records_report_notices"));
            g_assert_null(strstr(plan, "TEMP B-TREE"));
        }
    }
    ledger_report_close(d);
}

static int cell_line(const struct ledger_report_cell *c, void *userdata)
{
    GPtrArray *lines = userdata;
    g_ptr_array_add(lines,
                    g_strdup_printf("%d %d %s %s:%s %d %d %d %s %s %s n=%lld ms=%lld "
                                    "t=%lld s=%lld last=%lld",
                                    c->kind, c->session_day, c->playlist, c->unit_codes,
                                    c->commune_code, c->source, c->airing_kind, c->outcome, c->item,
                                    c->session, c->category, (long long)c->n_records,
                                    (long long)c->played_ms, (long long)c->shown_times,
                                    (long long)c->shown_seconds, (long long)c->last_seq));
    return 0;
}

static GPtrArray *cells(struct ledger_report_db *d, const struct ledger_report_query *q)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    struct loa_diag diag = {0};
    g_assert_cmpint(ledger_report_scan(d, q, cell_line, lines, &diag), ==, 0);
    return lines;
}

static void test_memory_equals_file(void)
{
    struct ledger_report_db *d = file_store();
    struct ledger_report_db *m = memory_store();
    struct ledger_report_query q = {.from_day = D(2020, 11, 3),
                                    .to_day = D(2020, 12, 20),
                                    .from_seq = 50,
                                    .to_seq = 2000,
                                    .grain = LEDGER_REPORT_GRAIN_ITEM};
    for (int camp = 0; camp < 2; camp++) {
        q.playlist = camp ? "tmdt-2020" : NULL;
        GPtrArray *a = cells(d, &q), *b = cells(m, &q);
        g_assert_cmpuint(a->len, >, 50);
        g_assert_cmpuint(a->len, ==, b->len);
        for (guint i = 0; i < a->len; i++)
            g_assert_cmpstr(g_ptr_array_index(a, i), ==, g_ptr_array_index(b, i));
        g_ptr_array_free(a, TRUE);
        g_ptr_array_free(b, TRUE);
    }
    /* Cells sum to the records: count final airings in range one by one. */
    struct ledger_report_extent xd, xm;
    g_assert_cmpint(ledger_report_extent(d, 1, INT64_MAX, &xd), ==, 0);
    g_assert_cmpint(ledger_report_extent(m, 1, INT64_MAX, &xm), ==, 0);
    g_assert_cmpint(xd.first_seq, ==, 1);
    g_assert_cmpint(xd.last_seq, ==, xm.last_seq);
    g_assert_cmpint(xd.last_written_usec, ==, xm.last_written_usec);
    g_assert_cmpint(xd.max_session_day, ==, D(2020, 12, 31));
    g_assert_cmpmem(xd.last_hash, 32, xm.last_hash, 32);
    uint8_t h1[32], h2[32];
    g_assert_cmpint(ledger_report_hash(d, 77, h1), ==, 0);
    g_assert_cmpint(ledger_report_hash(m, 77, h2), ==, 0);
    g_assert_cmpmem(h1, 32, h2, 32);
    g_assert_cmpint(ledger_report_hash(d, xd.last_seq + 1, h1), ==, -ENOENT);
    struct ledger_record *r1 = NULL, *r2 = NULL;
    g_assert_cmpint(ledger_report_get(d, 77, &r1), ==, 0);
    g_assert_cmpint(ledger_report_get(m, 77, &r2), ==, 0);
    g_assert_cmpint(r1->seq, ==, 77);
    g_assert_cmpstr(r1->commune_name, ==, "Phường Văn Quán");
    g_assert_cmpstr(r1->title, ==, r2->title);
    g_assert_cmpmem(r1->hash, 32, r2->hash, 32);
    ledger_record_free(r1);
    ledger_record_free(r2);
    int32_t from, until;
    int64_t seq;
    g_assert_cmpint(ledger_report_campaign(d, "tmdt-2020", 1, INT64_MAX, &from, &until, &seq), ==,
                    0);
    g_assert_cmpint(from, ==, D(2020, 11, 1));
    g_assert_cmpint(until, ==, D(2023, 10, 31));
    g_assert_cmpint(ledger_report_campaign(m, "nope", 1, INT64_MAX, &from, &until, &seq), ==,
                    -ENOENT);
    ledger_report_close(d);
    ledger_report_close(m);
}

static int count_finals(const struct ledger_record *r, void *userdata)
{
    int64_t *n = userdata;
    if (r->kind == LEDGER_AIRING && r->phase == LEDGER_PHASE_FINAL &&
        r->session_day >= D(2020, 11, 1) && r->session_day <= D(2020, 11, 30))
        (*n)++;
    return 0;
}

static int sum_cells(const struct ledger_report_cell *c, void *userdata)
{
    int64_t *n = userdata;
    if (c->kind == LEDGER_AIRING)
        *n += c->n_records;
    return 0;
}

static void test_counts(void)
{
    int64_t want = 0, got = 0;
    struct ledger_verify_options o = {
        .keys = F.kr, .record_cb = count_finals, .userdata = &want, .no_cache_when_cb = true};
    struct ledger_verify_result res;
    g_assert_cmpint(ledger_verify_source(F.dev.db, &o, &res), ==, 0);
    struct ledger_report_db *d = file_store();
    struct ledger_report_query q = {
        .from_day = D(2020, 11, 1), .to_day = D(2020, 11, 30), .from_seq = 1, .to_seq = INT64_MAX};
    struct loa_diag diag = {0};
    g_assert_cmpint(ledger_report_scan(d, &q, sum_cells, &got, &diag), ==, 0);
    g_assert_cmpint(want, >, 100);
    g_assert_cmpint(got, ==, want);
    ledger_report_close(d);
}

static void test_bad_input(void)
{
    struct ledger_report_db *d = NULL;
    struct loa_diag diag = {0};
    char *missing = g_build_filename(F.base, "missing.db", NULL);
    g_assert_cmpint(ledger_report_open(missing, &d, &diag), ==, -ENOENT);
    char *junk = g_build_filename(F.base, "junk.db", NULL);
    g_assert_true(g_file_set_contents(junk, "not a database at all, not even close\n", -1, NULL));
    g_assert_cmpint(ledger_report_open(junk, &d, &diag), <, 0);
    g_assert_null(d);
    g_free(missing);
    g_free(junk);
    /* Adding to a file store is refused; a memory store refuses a seq twice. */
    d = file_store();
    struct ledger_record *r = NULL;
    g_assert_cmpint(ledger_report_get(d, 5, &r), ==, 0);
    g_assert_cmpint(ledger_report_add(d, r), ==, -EINVAL);
    ledger_report_close(d);
    struct ledger_report_db *m = NULL;
    g_assert_cmpint(ledger_report_open_memory(&m), ==, 0);
    g_assert_cmpint(ledger_report_add(m, r), ==, 0);
    g_assert_cmpint(ledger_report_add(m, r), ==, -EEXIST);
    ledger_report_close(m);
    ledger_record_free(r);
    ledger_report_close(NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    F.base = rfx_tmpdir("report-ledger");
    rfx_dev_create(&F.dev, F.base, 0);
    rfx_fill(&F.dev, D(2020, 11, 1), 61, 0, true);
    struct rfx_dev *dp = &F.dev;
    F.kr = rfx_keyring(&dp, 1);
    g_test_add_func("/report/ledger/plans", test_plans);
    g_test_add_func("/report/ledger/memory-equals-file", test_memory_equals_file);
    g_test_add_func("/report/ledger/counts", test_counts);
    g_test_add_func("/report/ledger/bad-input", test_bad_input);
    int rc = g_test_run();
    rfx_dev_close(&F.dev);
    ledger_keyring_free(F.kr);
    if (!g_getenv("LOA_TEST_KEEP"))
        rfx_rmrf(F.base);
    g_free(F.base);
    return rc;
}
