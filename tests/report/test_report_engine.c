/* The report engine against sums computed independently from the records: every --by,
 * databases and exports, merges of three communes, duplicates counted once, campaign
 * filtering, coverage (--partial), tampered sources (--skip-bad). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "civil.h"
#include "ledger.h"
#include "report/report.h"
#include "report_fixture.h"

#define N_DEV 3

static struct {
    char *base;
    struct rfx_dev devs[N_DEV];
    struct rfx_dev *dp[N_DEV];
    struct ledger_keyring *kr;
    const char *dbs[N_DEV];
    char *exports[N_DEV]; /* everything of each device */
    char *exp_a, *exp_b; /* device 0 in two consecutive exports */
    int32_t first, last; /* days filled */
} F;

static int32_t D(int y, int m, int d)
{
    return civil_from_ymd(y, m, d);
}

static void fixture_up(void)
{
    F.base = rfx_tmpdir("report-engine");
    F.first = D(2020, 10, 20);
    F.last = D(2021, 1, 31);
    for (int i = 0; i < N_DEV; i++) {
        rfx_dev_create(&F.devs[i], F.base, i);
        F.dp[i] = &F.devs[i];
        F.dbs[i] = F.devs[i].db;
    }
    /* Device 0 exports twice: to the end of 2020, then the rest. */
    F.exp_a = g_build_filename(F.base, "exp-vanquan-a", NULL);
    F.exp_b = g_build_filename(F.base, "exp-vanquan-b", NULL);
    rfx_fill(&F.devs[0], F.first, D(2021, 1, 1) - F.first, 0, true);
    rfx_export(&F.devs[0], F.exp_a, INT64_MAX);
    rfx_fill(&F.devs[0], D(2021, 1, 1), F.last - D(2021, 1, 1) + 1, 0, true);
    rfx_export(&F.devs[0], F.exp_b, INT64_MAX);
    for (int i = 1; i < N_DEV; i++) {
        rfx_fill(&F.devs[i], F.first, F.last - F.first + 1, i == 2 ? 6 : 0, true);
        F.exports[i] = g_strdup_printf("%s/exp-%s", F.base, F.devs[i].device_id);
        rfx_export(&F.devs[i], F.exports[i], INT64_MAX);
    }
    F.kr = rfx_keyring(F.dp, N_DEV);
}

static void fixture_down(void)
{
    for (int i = 0; i < N_DEV; i++) {
        rfx_dev_close(&F.devs[i]);
        g_free(F.exports[i]);
    }
    g_free(F.exp_a);
    g_free(F.exp_b);
    ledger_keyring_free(F.kr);
    if (!g_getenv("LOA_TEST_KEEP"))
        rfx_rmrf(F.base);
    g_free(F.base);
}

static struct report_options options(const char *const *src, size_t n, enum report_by by,
                                     int32_t from, int32_t to)
{
    struct report_options o = {
        .sources = src,
        .n_sources = n,
        .keys = F.kr,
        .by = by,
        .spec = {.kind = REPORT_PERIOD_RANGE, .from_day = from, .to_day = to},
        .today = D(2021, 3, 1),
        .threads = 2,
    };
    return o;
}

static struct report *build_ok(const struct report_options *o)
{
    struct report *r = NULL;
    struct loa_diag_list diags = {0};
    int e = report_build(o, &r, &diags);
    for (size_t i = 0; i < diags.n; i++)
        g_printerr("%s: %s\n", diags.items[i].file, diags.items[i].msg);
    loa_diag_list_clear(&diags);
    g_assert_cmpint(e, ==, 0);
    return r;
}

static void same_fig(const char *what, const struct report_figures *a, const struct rfx_fig *b)
{
    if (a->completed != b->completed || a->interrupted != b->interrupted ||
        a->failed != b->failed || a->missed != b->missed || a->dropped != b->dropped ||
        a->airtime_ms != b->airtime_ms || a->notice_times != b->n_times ||
        a->notice_seconds != b->n_seconds)
        g_printerr("%s: report %lld/%lld/%lld/%lld/%lld %lld ms %lld/%lld, records "
                   "%lld/%lld/%lld/%lld/%lld %lld ms %lld/%lld\n",
                   what, (long long)a->completed, (long long)a->interrupted, (long long)a->failed,
                   (long long)a->missed, (long long)a->dropped, (long long)a->airtime_ms,
                   (long long)a->notice_times, (long long)a->notice_seconds,
                   (long long)b->completed, (long long)b->interrupted, (long long)b->failed,
                   (long long)b->missed, (long long)b->dropped, (long long)b->airtime_ms,
                   (long long)b->n_times, (long long)b->n_seconds);
    g_assert_cmpint(a->completed, ==, b->completed);
    g_assert_cmpint(a->interrupted, ==, b->interrupted);
    g_assert_cmpint(a->failed, ==, b->failed);
    g_assert_cmpint(a->missed, ==, b->missed);
    g_assert_cmpint(a->dropped, ==, b->dropped);
    g_assert_cmpint(a->airtime_ms, ==, b->airtime_ms);
    g_assert_cmpint(a->notice_times, ==, b->n_times);
    g_assert_cmpint(a->notice_seconds, ==, b->n_seconds);
}

static bool zero(const struct report_figures *f)
{
    return !f->completed && !f->interrupted && !f->failed && !f->missed && !f->dropped &&
           !f->airtime_ms && !f->notice_times && !f->notice_seconds;
}

/* The report says what the records say, row by row. */
static void check(const struct report *r, const char *const *src, size_t n, int32_t from,
                  int32_t to, const char *campaign)
{
    struct rfx_expect x;
    rfx_expect_compute(src, n, F.kr, from, to, campaign, report_by_name(r->by), &x);
    g_assert_cmpint(x.total.completed, >, 0);
    guint matched = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const struct rfx_fig *f = g_hash_table_lookup(x.rows, r->rows[i].key);
        if (!f) {
            if (!zero(&r->rows[i].f))
                g_printerr("unexpected row %s\n", r->rows[i].key);
            g_assert_true(zero(&r->rows[i].f));
            continue;
        }
        matched++;
        same_fig(r->rows[i].key, &r->rows[i].f, f);
        g_assert_cmpint(r->rows[i].from_day, >=, r->period.from_day);
        g_assert_cmpint(r->rows[i].to_day, <=, r->period.to_day);
    }
    g_assert_cmpuint(matched, ==, g_hash_table_size(x.rows));
    same_fig("totals", &r->totals, &x.total);
    for (int o = 0; o < REPORT_N_OUTSIDE; o++)
        same_fig(report_outside_key((enum report_outside)o), &r->outside[o].f, &x.outside[o]);
    g_assert_cmpint(x.outside[REPORT_OUTSIDE_CHIME].completed, >, 0);
    /* The chart adds up to the totals' airtime. */
    int64_t chart = 0;
    for (size_t i = 0; i < r->n_chart; i++)
        chart += r->chart[i].airtime_ms;
    g_assert_cmpint(chart, ==, r->totals.airtime_ms);
    rfx_expect_free(&x);
}

static void test_every_by(void)
{
    const char *const *src = F.dbs;
    int32_t from = D(2020, 11, 1), to = D(2021, 1, 15);
    for (int by = REPORT_BY_ITEM; by <= REPORT_BY_COMMUNE; by++) {
        struct report_options o = options(src, N_DEV, (enum report_by)by, from, to);
        struct report *r = build_ok(&o);
        check(r, src, N_DEV, from, to, NULL);
        g_assert_cmpuint(r->n_units, ==, 3);
        if (by == REPORT_BY_COMMUNE) {
            g_assert_cmpuint(r->n_rows, ==, 3);
            g_assert_cmpstr(r->rows[0].key, ==, "2020:09552");
            g_assert_cmpstr(r->rows[0].label, ==, "Phường Văn Quán");
        }
        if (by == REPORT_BY_ITEM) {
            bool found = false;
            for (size_t i = 0; i < r->n_rows; i++)
                if (strcmp(r->rows[i].key, "tmdt-02") == 0) {
                    found = true;
                    g_assert_cmpstr(r->rows[i].label, ==,
                                    "Cảnh giác hàng giả, \"hàng nhái\", trên mạng");
                }
            g_assert_true(found);
        }
        if (by == REPORT_BY_DAY)
            g_assert_cmpuint(r->n_rows, ==, (size_t)(to - from + 1));
        if (by == REPORT_BY_MONTH) {
            g_assert_cmpuint(r->n_rows, ==, 3);
            g_assert_cmpstr(r->rows[2].key, ==, "2021-01");
            g_assert_cmpint(r->rows[2].to_day, ==, to);
        }
        report_free(r);
    }
}

static void test_one_thread_same(void)
{
    int32_t from = D(2020, 11, 1), to = D(2021, 1, 31);
    struct report_options o = options(F.dbs, N_DEV, REPORT_BY_WEEK, from, to);
    o.threads = 1;
    struct report *a = build_ok(&o);
    o.threads = 3;
    struct report *b = build_ok(&o);
    g_assert_cmpuint(a->n_rows, ==, b->n_rows);
    for (size_t i = 0; i < a->n_rows; i++) {
        g_assert_cmpstr(a->rows[i].key, ==, b->rows[i].key);
        g_assert_cmpmem(&a->rows[i].f, sizeof a->rows[i].f, &b->rows[i].f, sizeof b->rows[i].f);
    }
    report_free(a);
    report_free(b);
}

static void test_exports_merge(void)
{
    /* Three communes' exports (one in two parts) make the same report as the databases. */
    const char *src[] = {F.exp_a, F.exp_b, F.exports[1], F.exports[2]};
    int32_t from = D(2020, 11, 1), to = D(2021, 1, 31);
    struct report_options o = options(src, G_N_ELEMENTS(src), REPORT_BY_COMMUNE, from, to);
    struct report *r = build_ok(&o);
    check(r, src, G_N_ELEMENTS(src), from, to, NULL);
    struct report_options od = options(F.dbs, N_DEV, REPORT_BY_COMMUNE, from, to);
    struct report *rd = build_ok(&od);
    g_assert_cmpmem(&r->totals, sizeof r->totals, &rd->totals, sizeof rd->totals);
    for (size_t i = 0; i < G_N_ELEMENTS(src); i++) {
        g_assert_cmpint(r->sources[i].status, ==, REPORT_SOURCE_OK);
        g_assert_cmpint(r->sources[i].type, ==, LEDGER_SOURCE_EXPORT);
    }
    g_assert_cmpint(r->sources[1].used_from, ==, r->sources[0].used_to + 1);
    report_free(r);
    report_free(rd);
}

static void test_duplicates_once(void)
{
    /* The same export twice, a copy of it elsewhere, and the database it came from. */
    char *copy = g_build_filename(F.base, "copy-of-exp", NULL);
    g_assert_cmpint(g_mkdir_with_parents(copy, 0755), ==, 0);
    const char *names[] = {"airtime.csv", "manifest.json", "airtime.csv.minisig",
                           "manifest.json.minisig"};
    for (size_t i = 0; i < 4; i++) {
        char *a = g_build_filename(F.exports[1], names[i], NULL);
        char *b = g_build_filename(copy, names[i], NULL);
        gchar *data;
        gsize len;
        g_assert_true(g_file_get_contents(a, &data, &len, NULL));
        g_assert_true(g_file_set_contents(b, data, (gssize)len, NULL));
        g_free(data);
        g_free(a);
        g_free(b);
    }
    int32_t from = D(2020, 11, 1), to = D(2021, 1, 31);
    const char *once[] = {F.exports[1]};
    const char *many[] = {F.exports[1], copy, F.exports[1], F.dbs[1]};
    struct report_options o1 = options(once, 1, REPORT_BY_ITEM, from, to);
    struct report_options o4 = options(many, 4, REPORT_BY_ITEM, from, to);
    struct report *r1 = build_ok(&o1);
    struct report *r4 = build_ok(&o4);
    g_assert_cmpint(r1->totals.completed, >, 0);
    g_assert_cmpmem(&r1->totals, sizeof r1->totals, &r4->totals, sizeof r4->totals);
    for (int k = 0; k < REPORT_N_OUTSIDE; k++)
        g_assert_cmpmem(&r1->outside[k].f, sizeof r1->outside[k].f, &r4->outside[k].f,
                        sizeof r4->outside[k].f);
    /* One source contributes; the others add nothing. */
    int contributing = 0;
    for (size_t i = 0; i < 4; i++)
        contributing += r4->sources[i].used_from <= r4->sources[i].used_to;
    g_assert_cmpint(contributing, ==, 1);
    check(r4, many, 4, from, to, NULL);
    report_free(r1);
    report_free(r4);
    rfx_rmrf(copy);
    g_free(copy);
}

static void test_campaign(void)
{
    /* 6m:1 of tmdt-2020 runs to 30/04/2021, beyond the records: --partial. */
    struct report_options o = options(F.dbs, N_DEV, REPORT_BY_CATEGORY, 0, 0);
    o.spec.kind = REPORT_PERIOD_HALF;
    o.spec.n = 1;
    o.campaign_id = "tmdt-2020";
    struct report *r = NULL;
    struct loa_diag_list diags = {0};
    g_assert_cmpint(report_build(&o, &r, &diags), ==, -ERANGE);
    g_assert_cmpuint(diags.n, >=, 1);
    g_assert_cmpstr(diags.items[0].file, ==, F.dbs[0]);
    g_assert_nonnull(strstr(diags.items[0].msg, "does not cover"));
    loa_diag_list_clear(&diags);
    o.partial = true;
    r = build_ok(&o);
    g_assert_cmpint(r->period.from_day, ==, D(2020, 11, 1));
    g_assert_cmpint(r->period.to_day, ==, D(2021, 4, 30));
    g_assert_cmpint(r->campaign_from, ==, D(2020, 11, 1));
    g_assert_cmpint(r->campaign_until, ==, D(2023, 10, 31));
    g_assert_cmpstr(r->campaign_reference, ==, "KH 03/KH-BCĐ389 ngày 05/11/2020");
    for (int i = 0; i < N_DEV; i++)
        g_assert_cmpint(r->sources[i].status, ==, REPORT_SOURCE_PARTIAL);
    check(r, F.dbs, N_DEV, r->period.from_day, r->period.to_day, "tmdt-2020");
    /* The relay of the other playlist is not counted; its category is not there. */
    for (size_t i = 0; i < r->n_rows; i++)
        g_assert_cmpstr(r->rows[i].key, !=, "thoi-su");
    report_free(r);

    o.campaign_id = "no-such-campaign";
    g_assert_cmpint(report_build(&o, &r, &diags), ==, -ENOENT);
    loa_diag_list_clear(&diags);
}

static void test_coverage(void)
{
    /* Before the first record is fine (seq 1 is the device's beginning); after the last
     * signed record is not. */
    struct report_options o = options(F.dbs, N_DEV, REPORT_BY_MONTH, D(2020, 6, 1), D(2021, 1, 30));
    struct report *r = build_ok(&o);
    g_assert_cmpint(r->sources[0].status, ==, REPORT_SOURCE_OK);
    report_free(r);
    /* Export b alone starts mid-history: it does not cover December. */
    const char *src[] = {F.exp_b};
    o = options(src, 1, REPORT_BY_MONTH, D(2020, 12, 1), D(2021, 1, 30));
    struct loa_diag_list diags = {0};
    g_assert_cmpint(report_build(&o, &r, &diags), ==, -ERANGE);
    g_assert_nonnull(strstr(diags.items[0].msg, "begin"));
    loa_diag_list_clear(&diags);
    /* But it covers January alone. */
    o = options(src, 1, REPORT_BY_MONTH, D(2021, 1, 2), D(2021, 1, 30));
    r = build_ok(&o);
    report_free(r);
    /* A gap: exports a and ... nothing between? a then b is contiguous; a alone ends. */
    const char *gap[] = {F.exp_a};
    o = options(gap, 1, REPORT_BY_MONTH, D(2020, 12, 1), D(2021, 1, 30));
    g_assert_cmpint(report_build(&o, &r, &diags), ==, -ERANGE);
    g_assert_nonnull(strstr(diags.items[0].msg, "end"));
    loa_diag_list_clear(&diags);
}

static void copy_tree(const char *from, const char *to)
{
    g_assert_cmpint(g_mkdir_with_parents(to, 0755), ==, 0);
    GDir *d = g_dir_open(from, 0, NULL);
    const char *n;
    while ((n = g_dir_read_name(d))) {
        char *a = g_build_filename(from, n, NULL), *b = g_build_filename(to, n, NULL);
        gchar *data;
        gsize len;
        g_assert_true(g_file_get_contents(a, &data, &len, NULL));
        g_assert_true(g_file_set_contents(b, data, (gssize)len, NULL));
        g_free(data);
        g_free(a);
        g_free(b);
    }
    g_dir_close(d);
}

static void test_tampered(void)
{
    /* Change one airing's played milliseconds in a copy of device 2's export. */
    char *bad = g_build_filename(F.base, "tampered", NULL);
    copy_tree(F.exports[2], bad);
    char *csv = g_build_filename(bad, "airtime.csv", NULL);
    gchar *data;
    gsize len;
    g_assert_true(g_file_get_contents(csv, &data, &len, NULL));
    char *p = strstr(data, ",120000,completed,");
    g_assert_nonnull(p);
    p[1] = '9';
    g_assert_true(g_file_set_contents(csv, data, (gssize)len, NULL));
    g_free(data);

    const char *src[] = {F.dbs[0], F.dbs[1], bad};
    int32_t from = D(2020, 11, 1), to = D(2021, 1, 31);
    struct report_options o = options(src, 3, REPORT_BY_COMMUNE, from, to);
    struct report *r = NULL;
    struct loa_diag_list diags = {0};
    g_assert_cmpint(report_build(&o, &r, &diags), ==, -EBADMSG);
    g_assert_cmpuint(diags.n, >=, 1);
    g_assert_cmpstr(diags.items[0].file, ==, bad);
    loa_diag_list_clear(&diags);

    o.skip_bad = true;
    r = build_ok(&o);
    g_assert_cmpint(r->sources[2].status, ==, REPORT_SOURCE_SKIPPED);
    g_assert_cmpstr(r->sources[2].path, ==, bad);
    g_assert_cmpstr(r->sources[2].message, !=, "");
    g_assert_cmpuint(r->n_rows, ==, 2); /* the skipped commune is not counted */
    check(r, src, 2, from, to, NULL);
    report_free(r);
    g_free(csv);
    rfx_rmrf(bad);
    g_free(bad);
}

static void test_unknown_key(void)
{
    /* A device not in the keyring is refused. */
    struct ledger_keyring *kr = rfx_keyring(F.dp, 2);
    const char *src[] = {F.exports[2]};
    struct report_options o = options(src, 1, REPORT_BY_ITEM, D(2020, 11, 1), D(2021, 1, 31));
    o.keys = kr;
    struct report *r = NULL;
    struct loa_diag_list diags = {0};
    g_assert_cmpint(report_build(&o, &r, &diags), ==, -EBADMSG);
    g_assert_cmpstr(diags.items[0].file, ==, F.exports[2]);
    loa_diag_list_clear(&diags);
    ledger_keyring_free(kr);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fixture_up();
    g_test_add_func("/report/engine/every-by", test_every_by);
    g_test_add_func("/report/engine/threads", test_one_thread_same);
    g_test_add_func("/report/engine/exports-merge", test_exports_merge);
    g_test_add_func("/report/engine/duplicates-once", test_duplicates_once);
    g_test_add_func("/report/engine/campaign", test_campaign);
    g_test_add_func("/report/engine/coverage", test_coverage);
    g_test_add_func("/report/engine/tampered", test_tampered);
    g_test_add_func("/report/engine/unknown-key", test_unknown_key);
    int rc = g_test_run();
    fixture_down();
    return rc;
}
