/* Benchmark (not a test): a merged report over 3,000,000 records of 30 communes covering
 * the 3-year Hanoi campaign (01/11/2020 - 31/10/2023), and the time of each format's
 * writer. Goal (issue 4): under 1 s for --by commune and --by month, verification
 * excluded (it is cached).
 *
 *   bench_report [--dir DIR] [--communes N] [--records N] [--cold] [--clean]
 *
 * The ledgers are generated once through the ledger API in batch mode (one transaction
 * per 32 simulated days) into DIR (default /tmp/loa-bench-report) and reused by later
 * runs with the same size; --clean removes them afterwards. --cold also times a
 * verification without the cache. Prints its figures; exits 0 whatever they are
 * (machines are noisy).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "civil.h"
#include "ledger.h"
#include "ledger_report.h"
#include "report/report.h"
#include "report_fixture.h"

static double ms(int64_t usec)
{
    return (double)usec / 1000.0;
}

/* Items per session that give about `per_device` records over `days` days. */
static int items_for(int64_t per_device, int days)
{
    /* per day: (1 + items) airings x ~1.9 records x 2 sessions on 6 days of 7, plus two
     * notices, a checkpoint, and now and then a play-now or a test */
    double per_day = (double)per_device / days;
    double n = (per_day - 3.2) / (2 * 1.91 * 6.0 / 7.0) - 1;
    return n < 1 ? 1 : (int)(n + 0.5);
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp/loa-bench-report";
    int communes = 30;
    int64_t records = 3000000;
    bool clean = false, cold = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--communes") == 0 && i + 1 < argc)
            communes = atoi(argv[++i]);
        else if (strcmp(argv[i], "--records") == 0 && i + 1 < argc)
            records = atoll(argv[++i]);
        else if (strcmp(argv[i], "--clean") == 0)
            clean = true;
        else if (strcmp(argv[i], "--keep") == 0)
            clean = false;
        else if (strcmp(argv[i], "--cold") == 0)
            cold = true;
        else {
            fprintf(stderr,
                    "usage: %s [--dir DIR] [--communes N] [--records N] [--cold] [--clean]\n",
                    argv[0]);
            return 2;
        }
    }
    if (communes < 1 || communes > 999 || records < communes)
        return 2;
    ledger_report_tune_process(); /* as `loa report` does */
    int32_t first = civil_from_ymd(2020, 11, 1), last = civil_from_ymd(2023, 10, 31);
    int days = last - first + 1;
    int items = items_for(records / communes, days);

    /* Generate once: a marker names the size the ledgers were made for. */
    char marker[4096], want[128];
    snprintf(marker, sizeof marker, "%s/made-for", dir);
    snprintf(want, sizeof want, "communes=%d records=%lld v4\n", communes, (long long)records);
    gchar *have = NULL;
    bool reuse = g_file_get_contents(marker, &have, NULL, NULL) && strcmp(have, want) == 0;
    g_free(have);
    struct rfx_dev *devs = g_new0(struct rfx_dev, communes);
    struct rfx_dev **dp = g_new0(struct rfx_dev *, communes);
    const char **dbs = g_new0(const char *, communes);
    int64_t total = 0;
    if (!reuse) {
        char *cmd = g_strdup_printf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 3;
        g_free(cmd);
        g_mkdir_with_parents(dir, 0755);
        printf("generating %d ledgers of ~%lld records (%d items a session) into %s ...\n",
               communes, (long long)(records / communes), items, dir);
        fflush(stdout);
    }
    int64_t t0 = g_get_monotonic_time();
    for (int i = 0; i < communes; i++) {
        rfx_dev_create(&devs[i], dir, i);
        dp[i] = &devs[i];
        dbs[i] = devs[i].db;
        if (!reuse)
            total += rfx_fill(&devs[i], first, days, items, true);
    }
    if (!reuse) {
        printf("generated %lld records in %.1f s\n", (long long)total,
               (double)(g_get_monotonic_time() - t0) / 1e6);
        g_file_set_contents(marker, want, -1, NULL);
    }
    struct ledger_keyring *kr = rfx_keyring(dp, (size_t)communes);
    char *cache = g_build_filename(dir, "verify-cache", NULL);

    printf("\n%d communes, 3 years (%d days), sources: ledger databases\n", communes, days);
    struct report_options o = {
        .sources = dbs,
        .n_sources = (size_t)communes,
        .keys = kr,
        .cache_dir = cache,
        .spec = {.kind = REPORT_PERIOD_RANGE, .from_day = first, .to_day = last},
        .today = civil_from_ymd(2023, 11, 15),
    };
    struct report *r = NULL;
    struct loa_diag_list diags = {0};

    /* Verification: a first run fills the cache, later ones hit it. */
    o.by = REPORT_BY_MONTH;
    char *nocache = g_build_filename(dir, "verify-cache-cold", NULL);
    char *rmc = g_strdup_printf("rm -rf '%s'", nocache);
    if (system(rmc) != 0)
        return 3;
    o.cache_dir = cold ? nocache : cache;
    if (report_build(&o, &r, &diags) < 0) {
        for (size_t i = 0; i < diags.n; i++)
            fprintf(stderr, "%s: %s\n", diags.items[i].file, diags.items[i].msg);
        return 3;
    }
    int64_t n_final = report_planned(&r->totals) + r->totals.dropped;
    for (int k = 0; k < REPORT_N_OUTSIDE; k++)
        n_final += report_planned(&r->outside[k].f) + r->outside[k].f.dropped;
    int64_t n_records = 0;
    for (size_t i = 0; i < r->n_sources; i++)
        n_records += r->sources[i].last_seq - r->sources[i].first_seq + 1;
    printf("records (signed): %lld, of which final airings %lld\n", (long long)n_records,
           (long long)n_final);
    if (cold)
        printf("verify, no cache:          %9.1f ms\n", ms(r->verify_usec));
    r = report_free(r);
    o.cache_dir = cache;
    report_build(&o, &r, &diags); /* fill the cache */
    r = report_free(r);

    printf("\nmerged report (verification cached; best of 3, 'verify' is the cache check,\n"
           "'report' is everything else: open, de-duplicate, aggregate, labels):\n");
    static const enum report_by bys[] = {REPORT_BY_COMMUNE, REPORT_BY_MONTH, REPORT_BY_WEEK,
                                         REPORT_BY_DAY,     REPORT_BY_ITEM,  REPORT_BY_CATEGORY,
                                         REPORT_BY_SESSION};
    for (unsigned threads = 0; threads <= 1; threads++) {
        o.threads = threads ? 1 : 0;
        for (size_t b = 0; b < G_N_ELEMENTS(bys); b++) {
            if (threads && bys[b] != REPORT_BY_COMMUNE && bys[b] != REPORT_BY_MONTH)
                continue;
            o.by = bys[b];
            int64_t best = INT64_MAX, best_v = 0;
            for (int k = 0; k < 3; k++) {
                if (report_build(&o, &r, &diags) < 0)
                    return 3;
                if (r->query_usec < best) {
                    best = r->query_usec;
                    best_v = r->verify_usec;
                }
                if (k < 2)
                    r = report_free(r);
            }
            printf("  --by %-8s %s report %7.1f ms   (verify, cached %7.1f ms)   rows %zu%s\n",
                   report_by_name(bys[b]), threads ? "1 thread " : "threads  ", ms(best),
                   ms(best_v), r->n_rows,
                   (bys[b] == REPORT_BY_COMMUNE || bys[b] == REPORT_BY_MONTH)
                       ? (best < 1000000 ? "   goal < 1 s: met" : "   goal < 1 s: MISSED")
                       : "");
            r = report_free(r);
        }
    }

    printf("\nwriters (best of 3):\n");
    static const enum report_by wby[] = {REPORT_BY_COMMUNE, REPORT_BY_DAY};
    char *out = g_build_filename(dir, "out", NULL);
    g_mkdir_with_parents(out, 0755);
    for (size_t b = 0; b < G_N_ELEMENTS(wby); b++) {
        o.by = wby[b];
        o.threads = 0;
        if (report_build(&o, &r, &diags) < 0)
            return 3;
        static const char *const fmts[] = {"text", "csv", "json", "xlsx", "pdf"};
        for (size_t f = 0; f < G_N_ELEMENTS(fmts); f++) {
            char *path = g_strdup_printf("%s/report-%s.%s", out, report_by_name(wby[b]), fmts[f]);
            int64_t best = INT64_MAX;
            for (int k = 0; k < 3; k++) {
                int64_t a = g_get_monotonic_time();
                struct loa_diag d = {0};
                int e = 0;
                if (f == 3) {
                    e = report_write_xlsx(r, REPORT_LANG_VI, path, &d);
                } else if (f == 4) {
                    e = report_write_pdf(r, REPORT_LANG_VI, path, &d);
                } else {
                    FILE *fp = fopen(path, "w");
                    if (!fp)
                        return 3;
                    e = f == 0   ? report_write_text(r, REPORT_LANG_VI, fp)
                        : f == 1 ? report_write_csv(r, REPORT_LANG_VI, fp)
                                 : report_write_json(r, REPORT_LANG_VI, fp);
                    fclose(fp);
                }
                if (e < 0)
                    return 3;
                int64_t t = g_get_monotonic_time() - a;
                if (t < best)
                    best = t;
            }
            struct stat st;
            stat(path, &st);
            printf("  --by %-8s %4zu rows  %-4s %8.1f ms  %8lld bytes\n", report_by_name(wby[b]),
                   r->n_rows, fmts[f], ms(best), (long long)st.st_size);
            g_free(path);
        }
        r = report_free(r);
    }
    loa_diag_list_clear(&diags);
    for (int i = 0; i < communes; i++)
        rfx_dev_close(&devs[i]);
    ledger_keyring_free(kr);
    if (clean) {
        char *cmd = g_strdup_printf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 3;
        g_free(cmd);
    }
    g_free(out);
    g_free(cache);
    g_free(nocache);
    g_free(rmc);
    g_free(devs);
    g_free(dp);
    g_free(dbs);
    return 0;
}
