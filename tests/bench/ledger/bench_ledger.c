/* Benchmark of the airtime ledger (issue 3), figures against the goals:
 *   durable appends per second (WAL, synchronous=FULL, one transaction each), and with
 *   a batch per simulated day (virtual runs);
 *   chain verification in records per second (database: integrity_check, types, every
 *   hash and checkpoint signature; export: signatures, CSV parse, every hash);
 *   export + verify of one commune-year (3 sessions x 6 items x 365 days, a chime per
 *   session, start and final records, daily notices and checkpoints): goal < 1 s.
 * `bench_ledger --report N` also builds an N-record ledger (3 years) and times what the
 * daemon pays at start on it, and report-shaped aggregations on the report's covering
 * index (issue 4's query path, records_report).
 * The data lives under $TMPDIR (a real disk: fsync is what durable appends cost).
 * Not pass/fail: machines are noisy. */
#include <sqlite3.h>
#include <time.h>

#include "ledger_fixture.h"

static int64_t mono_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void bench_appends(void)
{
    struct lfx f;
    lfx_setup(&f);
    const int n = 2000;
    int32_t day = civil_from_ymd(2021, 1, 4);
    int64_t t0 = mono_usec();
    for (int i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, "2021-01-04/sang/tmdt-01/%d", i);
        struct ledger_record r;
        lfx_airing(&r, LEDGER_PHASE_FINAL, day, "sang", "tmdt-01", key, LFX_T0 + i, 95000);
        if (ledger_append(f.l, &r, NULL, NULL) != 0)
            abort();
    }
    int64_t dt = mono_usec() - t0;
    printf("durable appends:        %8.0f records/s (%d appends, one fsynced transaction "
           "each, %.2f ms each)\n",
           n * 1e6 / (double)dt, n, dt / 1000.0 / n);

    /* Virtual runs: one transaction per simulated day (44 records). */
    t0 = mono_usec();
    int64_t total = 0;
    for (int d = 0; d < 100; d++) {
        ledger_batch_begin(f.l);
        total += lfx_fill(f.l, day + 1 + d, 1, 6);
        if (ledger_batch_end(f.l) != 0)
            abort();
    }
    dt = mono_usec() - t0;
    printf("batched appends:        %8.0f records/s (a transaction per simulated day)\n",
           (double)total * 1e6 / (double)dt);
    lfx_teardown(&f);
}

static void bench_year(void)
{
    struct lfx f;
    lfx_setup(&f);
    int64_t t0 = mono_usec();
    int64_t n = 0;
    int32_t first = civil_from_ymd(2020, 11, 2);
    for (int d = 0; d < 365; d++) {
        ledger_batch_begin(f.l);
        n += lfx_fill(f.l, first + d, 1, 6);
        ledger_batch_end(f.l);
    }
    int64_t fill = mono_usec() - t0;
    printf("commune-year:           %8lld records (%d airings), filled in %.2f s\n", (long long)n,
           365 * 3 * 7, fill / 1e6);

    char *out = g_build_filename(f.dir, "export", NULL);
    struct ledger_export_result er;
    t0 = mono_usec();
    if (ledger_export(f.l, f.key, INT64_MAX, out, LFX_T0, LEDGER_TRUST_SYNCED, &er, NULL) != 0)
        abort();
    int64_t t_export = mono_usec() - t0;
    struct ledger_keyring *kr = lfx_keyring(f.key);
    struct ledger_verify_result res;
    t0 = mono_usec();
    if (lfx_verify(out, kr, &res) != 0)
        abort();
    int64_t t_vexp = mono_usec() - t0;
    printf("export + verify (year): %8.3f s  (export %.3f s, verify %.3f s; goal < 1 s)\n",
           (t_export + t_vexp) / 1e6, t_export / 1e6, t_vexp / 1e6);
    printf("chain verification:     %8.0f records/s (export folder: signatures, CSV, hashes)\n",
           (double)res.n_records * 1e6 / (double)t_vexp);
    t0 = mono_usec();
    if (lfx_verify(f.db, kr, &res) != 0)
        abort();
    int64_t t_vdb = mono_usec() - t0;
    printf("chain verification:     %8.0f records/s (database: integrity_check, hashes, %lld "
           "checkpoint signatures)\n",
           (double)res.n_records * 1e6 / (double)t_vdb, (long long)res.n_checkpoints);
    char *cache = g_build_filename(f.dir, "cache", NULL);
    struct ledger_verify_options o = {.keys = kr, .cache_dir = cache};
    ledger_verify_source(f.db, &o, &res);
    t0 = mono_usec();
    ledger_verify_source(f.db, &o, &res);
    printf("cached verification:    %8.3f s  (database, cache hit: %s)\n", (mono_usec() - t0) / 1e6,
           res.cached ? "yes" : "no");
    g_free(cache);
    ledger_keyring_free(kr);
    g_free(out);
    lfx_teardown(&f);
}

static void time_query(sqlite3 *db, const char *what, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        printf("%s: %s\n", what, sqlite3_errmsg(db));
        return;
    }
    int64_t t0 = mono_usec();
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        rows++;
    int64_t dt = mono_usec() - t0;
    sqlite3_finalize(st);
    printf("  %-34s %7.3f s (%d rows)\n", what, dt / 1e6, rows);
}

static void bench_report(int64_t want)
{
    struct lfx f;
    lfx_setup(&f);
    int64_t n = 0;
    int32_t first = civil_from_ymd(2020, 11, 2);
    int items = 6;
    /* 3 years of days; enough items per session to reach the record count. */
    while ((int64_t)1095 * (3 * (items + 1) * 2 + 2) < want)
        items++;
    int64_t t0 = mono_usec();
    for (int d = 0; d < 1095 && n < want; d++) {
        ledger_batch_begin(f.l);
        n += lfx_fill(f.l, first + d, 1, items);
        ledger_batch_end(f.l);
    }
    printf("report ledger:          %8lld records over 3 years, built in %.1f s\n", (long long)n,
           (mono_usec() - t0) / 1e6);
    /* What the daemon pays at start on a ledger this size. */
    ledger_close(f.l);
    t0 = mono_usec();
    lfx_open(&f);
    int64_t t_open = mono_usec() - t0;
    t0 = mono_usec();
    int closed = ledger_close_interrupted(f.l, LFX_T0, LEDGER_TRUST_SYNCED);
    printf("  %-34s %7.3f s (quick_check)\n", "open", t_open / 1e6);
    printf("  %-34s %7.3f s (%d closed)\n", "close interrupted airings", (mono_usec() - t0) / 1e6,
           closed);
    ledger_close(f.l);
    f.l = NULL;
    sqlite3 *db = NULL;
    sqlite3_open_v2(f.db, &db, SQLITE_OPEN_READONLY, NULL);
    /* The report's query shape (ledger_report.c, index records_report): grouped in index
     * order, no sort; days roll up into weeks, months and communes in the caller. */
    time_query(db, "by date x outcome x commune",
               "SELECT session_date, source, airing_kind, outcome, unit_codes, commune_code, "
               "count(*), sum(played_ms) FROM records WHERE kind = 'airing' AND phase = 'final' "
               "AND session_date BETWEEN '2020-11-01' AND '2023-10-31' GROUP BY 1, 2, 3, 4, 5, 6");
    time_query(db, "... x playlist x item x session",
               "SELECT session_date, source, airing_kind, outcome, unit_codes, commune_code, "
               "playlist, item, session, category, count(*), sum(played_ms) FROM records "
               "WHERE kind = 'airing' AND phase = 'final' AND session_date BETWEEN "
               "'2020-11-01' AND '2023-10-31' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10");
    time_query(db, "table scan (for contrast)",
               "SELECT outcome, count(*), sum(played_ms), sum(length(title)) FROM records "
               "WHERE kind = 'airing' AND phase = 'final' GROUP BY 1");
    sqlite3_close(db);
    lfx_open(&f);
    lfx_teardown(&f);
}

int main(int argc, char **argv)
{
    printf("ledger benchmark (data under %s)\n", g_get_tmp_dir());
    bench_appends();
    bench_year();
    if (argc == 3 && strcmp(argv[1], "--report") == 0)
        bench_report(g_ascii_strtoll(argv[2], NULL, 10));
    return 0;
}
