/* `loa report` end to end: three communes' exports merged into one report, a tampered
 * source failing the report (named), --skip-bad naming it in the output, a duplicated
 * source counted once, --partial, the campaign periods, the device's own ledger by
 * default, -o, and usage errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "civil.h"
#include "ledger.h"
#include "report_fixture.h"

#define N_DEV 3
#define PYTHON "/usr/bin/python3"

static struct {
    char *base, *keys, *cfg, *reader;
    struct rfx_dev devs[N_DEV];
    struct ledger_keyring *kr;
    char *exports[N_DEV];
    const char *loa;
} F;

static int32_t D(int y, int m, int d)
{
    return civil_from_ymd(y, m, d);
}

struct result {
    int status;
    char *out, *err;
};

static void result_free(struct result *r)
{
    g_free(r->out);
    g_free(r->err);
}

/* Run loa with args (NULL-terminated); SOURCE_DATE_EPOCH fixes the report's date. */
static struct result loa(const char *first, ...)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)F.loa);
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    char **env = g_get_environ();
    env = g_environ_setenv(env, "SOURCE_DATE_EPOCH", "1620000000", TRUE); /* 2021-05-03 */
    char *cache = g_build_filename(F.base, "cache", NULL);
    env = g_environ_setenv(env, "XDG_CACHE_HOME", cache, TRUE);
    g_free(cache);
    struct result r = {0};
    GError *e = NULL;
    gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &r.out,
                               &r.err, &r.status, &e);
    if (!ok)
        g_printerr("%s: %s\n", F.loa, e ? e->message : "?");
    g_assert_true(ok);
    r.status = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
    g_strfreev(env);
    g_ptr_array_free(argv, TRUE);
    return r;
}

static void expect_status(const struct result *r, int want)
{
    if (r->status != want)
        g_printerr("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s\n", r->status, want, r->out,
                   r->err);
    g_assert_cmpint(r->status, ==, want);
}

static void fixture_up(void)
{
    F.loa = g_getenv("LOA_BIN");
    F.base = rfx_tmpdir("report-cli");
    F.reader = g_build_filename(LOA_SOURCE_DIR, "tests", "report", "report_read.py", NULL);
    struct rfx_dev *dp[N_DEV];
    for (int i = 0; i < N_DEV; i++) {
        rfx_dev_create(&F.devs[i], F.base, i);
        rfx_fill(&F.devs[i], D(2020, 10, 28), 100, 0, true);
        F.exports[i] = g_strdup_printf("%s/export-%s", F.base, F.devs[i].device_id);
        rfx_export(&F.devs[i], F.exports[i], INT64_MAX);
        dp[i] = &F.devs[i];
    }
    F.keys = g_build_filename(F.base, "keys.txt", NULL);
    rfx_keys_file(dp, N_DEV, F.keys);
    F.kr = rfx_keyring(dp, N_DEV);
    /* The first device's config, for the default source (its own ledger and key). */
    F.cfg = g_build_filename(F.base, "loa.cfg", NULL);
    char *cfg = g_strdup_printf(
        "device = {\n  id = \"vanquan-01\";\n"
        "  province = { code = \"01\"; name = \"Thành phố Hà Nội\"; };\n"
        "  district = { code = \"268\"; name = \"Quận Hà Đông\"; };\n"
        "  commune = { code = \"09552\"; name = \"Phường Văn Quán\"; };\n"
        "  unit_codes = \"2020\";\n  timezone = \"Asia/Ho_Chi_Minh\";\n};\n"
        "sessions = (\n  { id = \"sang\"; name = \"Buổi sáng\"; start = \"06:00\"; end = "
        "\"06:30\"; days = \"mon-sat\"; }\n);\n"
        "storage = { data_dir = \"%s\"; };\n",
        F.devs[0].dir);
    g_assert_true(g_file_set_contents(F.cfg, cfg, -1, NULL));
    g_free(cfg);
}

static void fixture_down(void)
{
    for (int i = 0; i < N_DEV; i++) {
        rfx_dev_close(&F.devs[i]);
        g_free(F.exports[i]);
    }
    ledger_keyring_free(F.kr);
    if (!g_getenv("LOA_TEST_KEEP"))
        rfx_rmrf(F.base);
    g_free(F.base);
    g_free(F.keys);
    g_free(F.cfg);
    g_free(F.reader);
}

/* Totals (planned, completed, airtime ms, notices) from a JSON report via report_read.py. */
static void json_totals(const char *json, int64_t ret[11])
{
    char *path = g_build_filename(F.base, "report.json", NULL);
    g_assert_true(g_file_set_contents(path, json, -1, NULL));
    char *argv[] = {PYTHON, F.reader, "json", path, NULL};
    char *out = NULL;
    int status = 0;
    g_assert_true(
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, NULL));
    g_assert_cmpint(status, ==, 0);
    char *line = strstr(out, "\ntotal\t");
    g_assert_nonnull(line);
    char **t = g_strsplit(line + 1, "\t", 15);
    for (int k = 0; k < 11; k++)
        ret[k] = g_ascii_strtoll(t[3 + k], NULL, 10);
    g_strfreev(t);
    g_free(out);
    g_free(path);
}

static void same_totals(const int64_t got[11], const struct rfx_fig *f)
{
    g_assert_cmpint(got[0], ==, f->completed + f->interrupted + f->failed + f->missed);
    g_assert_cmpint(got[2], ==, f->completed);
    g_assert_cmpint(got[3], ==, f->interrupted);
    g_assert_cmpint(got[4], ==, f->failed);
    g_assert_cmpint(got[5], ==, f->missed);
    g_assert_cmpint(got[6], ==, f->dropped);
    g_assert_cmpint(got[7], ==, f->airtime_ms);
    g_assert_cmpint(got[9], ==, f->n_times);
    g_assert_cmpint(got[10], ==, f->n_seconds);
}

static void test_merge_three_exports(void)
{
    struct result r =
        loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31", "--by",
            "commune", "--format", "json", F.exports[0], F.exports[1], F.exports[2], NULL);
    expect_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "\"key\":\"2020:09552\""));
    g_assert_nonnull(strstr(r.out, "\"key\":\"2020:09553\""));
    g_assert_nonnull(strstr(r.out, "\"key\":\"2020:09562\""));
    int64_t got[11];
    json_totals(r.out, got);
    struct rfx_expect x;
    const char *src[] = {F.exports[0], F.exports[1], F.exports[2]};
    rfx_expect_compute(src, 3, F.kr, D(2020, 11, 1), D(2021, 1, 31), NULL, "commune", &x);
    same_totals(got, &x.total);
    result_free(&r);

    /* The same export given twice, and the database it came from: counted once. */
    r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31", "--by",
            "commune", "--format", "json", F.exports[0], F.exports[1], F.exports[2], F.exports[1],
            F.devs[1].db, NULL);
    expect_status(&r, 0);
    json_totals(r.out, got);
    same_totals(got, &x.total);
    rfx_expect_free(&x);
    result_free(&r);

    /* Text, with the merged issuing body: the district of the three wards. */
    r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31", F.exports[0],
            F.exports[1], F.exports[2], NULL);
    expect_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "UBND QUẬN HÀ ĐÔNG"));
    g_assert_nonnull(strstr(r.out, "Hà Đông, ngày 03 tháng 5 năm 2021"));
    g_assert_nonnull(strstr(r.out, "BÁO CÁO THỜI LƯỢNG PHÁT THANH"));
    g_assert_nonnull(strstr(r.out, "Tổng cộng"));
    result_free(&r);
}

static char *tampered_copy(void)
{
    char *bad = g_build_filename(F.base, "tampered-export", NULL);
    g_assert_cmpint(g_mkdir_with_parents(bad, 0755), ==, 0);
    const char *names[] = {"airtime.csv", "manifest.json", "airtime.csv.minisig",
                           "manifest.json.minisig"};
    for (size_t i = 0; i < 4; i++) {
        char *a = g_build_filename(F.exports[2], names[i], NULL);
        char *b = g_build_filename(bad, names[i], NULL);
        gchar *data;
        gsize len;
        g_assert_true(g_file_get_contents(a, &data, &len, NULL));
        if (i == 0) { /* one completed airing becomes longer */
            char *p = strstr(data, ",95000,completed,");
            g_assert_nonnull(p);
            p[1] = '8';
        }
        g_assert_true(g_file_set_contents(b, data, (gssize)len, NULL));
        g_free(data);
        g_free(a);
        g_free(b);
    }
    return bad;
}

static void test_tampered_and_skip_bad(void)
{
    char *bad = tampered_copy();
    struct result r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31",
                          F.exports[0], F.exports[1], bad, NULL);
    expect_status(&r, 1);
    g_assert_nonnull(strstr(r.err, bad));
    g_assert_nonnull(strstr(r.err, "error"));
    g_assert_cmpstr(r.out, ==, "");
    result_free(&r);

    /* --skip-bad: the report is made without it, and names it. */
    r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31", "--skip-bad",
            F.exports[0], F.exports[1], bad, NULL);
    expect_status(&r, 0);
    g_assert_nonnull(strstr(r.out, bad));
    g_assert_nonnull(strstr(r.out, "KHÔNG ĐẠT XÁC MINH"));
    g_assert_nonnull(strstr(r.err, bad));
    result_free(&r);
    const char *fmts[] = {"csv", "json"};
    for (size_t k = 0; k < 2; k++) {
        r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31",
                "--skip-bad", "--format", fmts[k], F.exports[0], F.exports[1], bad, NULL);
        expect_status(&r, 0);
        g_assert_nonnull(strstr(r.out, bad));
        g_assert_nonnull(strstr(r.out, k ? "\"status\":\"skipped\"" : "source-skipped"));
        result_free(&r);
    }
    /* The figures are the other two communes'. */
    r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31", "--skip-bad",
            "--format", "json", F.exports[0], F.exports[1], bad, NULL);
    int64_t got[11];
    json_totals(r.out, got);
    struct rfx_expect x;
    const char *src[] = {F.exports[0], F.exports[1]};
    rfx_expect_compute(src, 2, F.kr, D(2020, 11, 1), D(2021, 1, 31), NULL, "item", &x);
    same_totals(got, &x.total);
    rfx_expect_free(&x);
    result_free(&r);
    /* A device whose key is not listed is refused too. */
    char *keys1 = g_build_filename(F.base, "keys-one.txt", NULL);
    struct rfx_dev *one = &F.devs[0];
    rfx_keys_file(&one, 1, keys1);
    r = loa("report", "--keys", keys1, "--from", "2020-11-01", "--to", "2021-01-31", F.exports[0],
            F.exports[1], NULL);
    expect_status(&r, 1);
    g_assert_nonnull(strstr(r.err, F.exports[1]));
    result_free(&r);
    g_free(keys1);
    rfx_rmrf(bad);
    g_free(bad);
}

static void test_partial_and_campaign(void)
{
    /* 6m:1 (01/11/2020-30/04/2021) reaches beyond the records (to 04/02/2021). */
    struct result r = loa("report", "--keys", F.keys, "--campaign", "tmdt-2020", "--period", "6m:1",
                          F.exports[0], NULL);
    expect_status(&r, 1);
    g_assert_nonnull(strstr(r.err, "does not cover"));
    g_assert_nonnull(strstr(r.err, F.exports[0]));
    result_free(&r);
    r = loa("report", "--keys", F.keys, "--campaign", "tmdt-2020", "--period", "6m:1", "--partial",
            "--format", "json", F.exports[0], NULL);
    expect_status(&r, 0);
    g_assert_true(g_str_has_prefix(r.out, "{\"from\":\"2020-11-01\",\"to\":\"2021-04-30\","));
    g_assert_nonnull(strstr(r.out, "\"status\":\"partial\""));
    g_assert_nonnull(strstr(r.out, "\"reference\":\"KH 03/KH-BCĐ389 ngày 05/11/2020\""));
    result_free(&r);
    /* The default half-year on 03/05/2021 is the first; with a cut-off it has not ended. */
    r = loa("report", "--keys", F.keys, "--campaign", "tmdt-2020", "--period", "6m", "--partial",
            "--format", "json", F.exports[0], NULL);
    expect_status(&r, 0);
    g_assert_true(g_str_has_prefix(r.out, "{\"from\":\"2020-11-01\",\"to\":\"2021-04-30\","));
    result_free(&r);
    r = loa("report", "--keys", F.keys, "--campaign", "tmdt-2020", "--period", "6m", "--cutoff",
            "14/06", "--partial", F.exports[0], NULL);
    expect_status(&r, 1);
    g_assert_nonnull(strstr(r.err, "14/06/2021"));
    result_free(&r);
    r = loa("report", "--keys", F.keys, "--campaign", "tmdt-2020", "--period", "1y", "--cutoff",
            "14/06", "--partial", "--format", "json", F.exports[0], NULL);
    expect_status(&r, 0);
    g_assert_true(g_str_has_prefix(r.out, "{\"from\":\"2020-11-01\",\"to\":\"2021-12-14\","));
    g_assert_nonnull(strstr(r.out, "\"cutoff\":\"14/06\""));
    result_free(&r);
    r = loa("report", "--keys", F.keys, "--campaign", "no-such", "--period", "all", F.exports[0],
            NULL);
    expect_status(&r, 1);
    g_assert_nonnull(strstr(r.err, "no-such"));
    result_free(&r);
}

static void test_own_ledger_and_output(void)
{
    /* No SOURCE, no --keys: the device's own ledger and key, from its config. */
    char *out = g_build_filename(F.base, "own.csv", NULL);
    struct result r = loa("--config", F.cfg, "report", "--from", "2020-11-01", "--to", "2021-01-31",
                          "--format", "csv", "-o", out, NULL);
    expect_status(&r, 0);
    g_assert_cmpstr(r.out, ==, "");
    gchar *data = NULL;
    g_assert_true(g_file_get_contents(out, &data, NULL, NULL));
    g_assert_true(g_str_has_prefix(data, "\xEF\xBB\xBF"));
    g_assert_nonnull(strstr(data, F.devs[0].db));
    g_assert_null(strstr(data, "molao"));
    g_free(data);
    result_free(&r);
    g_free(out);
    /* xlsx and pdf need -o, and then write real files. */
    r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31", "--format",
            "pdf", F.exports[0], NULL);
    expect_status(&r, 2);
    result_free(&r);
    const char *fmts[] = {"pdf", "xlsx"};
    const char *magic[] = {"%PDF-", "PK\x03\x04"};
    for (size_t k = 0; k < 2; k++) {
        char *path = g_strdup_printf("%s/report.%s", F.base, fmts[k]);
        r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31",
                "--format", fmts[k], "--lang", "en", "-o", path, F.exports[0], F.exports[1], NULL);
        expect_status(&r, 0);
        gsize len = 0;
        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        g_assert_cmpuint(len, >, 4000);
        g_assert_true(memcmp(data, magic[k], strlen(magic[k])) == 0);
        g_free(data);
        g_free(path);
        result_free(&r);
    }
    /* A failed run leaves no file behind. */
    char *none = g_build_filename(F.base, "none.json", NULL);
    r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-06-30", "--format",
            "json", "-o", none, F.exports[0], NULL);
    expect_status(&r, 1);
    g_assert_false(g_file_test(none, G_FILE_TEST_EXISTS));
    result_free(&r);
    g_free(none);
    /* English headings. */
    r = loa("report", "--keys", F.keys, "--from", "2020-11-01", "--to", "2021-01-31", "--lang",
            "en", "--by", "month", F.exports[0], NULL);
    expect_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "AIRTIME REPORT"));
    g_assert_nonnull(strstr(r.out, "Total"));
    g_assert_nonnull(strstr(r.out, "Month 12/2020"));
    result_free(&r);
}

static void test_usage(void)
{
    const char *const cases[][8] = {
        {"report", "--keys", "K", NULL},
        {"report", "--from", "2021-01-01", NULL},
        {"report", "--period", "6m", NULL},
        {"report", "--from", "2021-01-01", "--to", "2020-01-01", NULL},
        {"report", "--from", "2021-01-01", "--to", "2021-02-01", "--by", "year", NULL},
        {"report", "--from", "2021-01-01", "--to", "2021-02-01", "--cutoff", "14/06", NULL},
        {"report", "--campaign", "x", "--period", "7q", NULL},
        {"report", "--campaign", "x", "--cutoff", "32/01", NULL},
        {"report", "--from", "2021-01-01", "--to", "2021-02-01", "--format", "doc", NULL},
        {"report", "--from", "2021-1-1", "--to", "2021-02-01", NULL},
        {"report", "--from", "2021-01-01", "--to", "2021-02-01", "--lang", "fr", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct result r = loa(cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4],
                              cases[i][5], cases[i][6], cases[i][7], NULL);
        if (r.status != 2)
            g_printerr("case %zu: %s\n", i, r.err);
        expect_status(&r, 2);
        result_free(&r);
    }
    struct result r = loa("report", "--help", NULL);
    expect_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "--cutoff DD/MM"));
    result_free(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("LOA_BIN")) {
        printf("SKIP: LOA_BIN is not set (run through ctest)\n");
        return 77;
    }
    if (!g_file_test(PYTHON, G_FILE_TEST_IS_EXECUTABLE)) {
        printf("SKIP: needs %s\n", PYTHON);
        return 77;
    }
    fixture_up();
    g_test_add_func("/report/cli/merge-three-exports", test_merge_three_exports);
    g_test_add_func("/report/cli/tampered-and-skip-bad", test_tampered_and_skip_bad);
    g_test_add_func("/report/cli/partial-and-campaign", test_partial_and_campaign);
    g_test_add_func("/report/cli/own-ledger-and-output", test_own_ledger_and_output);
    g_test_add_func("/report/cli/usage", test_usage);
    int rc = g_test_run();
    fixture_down();
    return rc;
}
