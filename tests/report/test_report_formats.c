/* Every format that carries numbers, read back by tools that are not loa (Python's csv
 * and json, openpyxl, pdftotext; tests/report/report_read.py), equals the sums computed
 * from the records, for every --by. The PDF renders (pdftoppm), embeds every font
 * (pdffonts) and carries the Vietnamese headings; the XLSX has real date cells and a
 * chart. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "civil.h"
#include "ledger.h"
#include "report/report.h"
#include "report_fixture.h"

#define N_DEV 3
#define PYTHON "/usr/bin/python3"

static struct {
    char *base, *out, *reader;
    struct rfx_dev devs[N_DEV];
    struct ledger_keyring *kr;
    const char *dbs[N_DEV];
} F;

static const char *const formats[] = {"text", "csv", "json", "xlsx", "pdf"};

static int32_t D(int y, int m, int d)
{
    return civil_from_ymd(y, m, d);
}

/* Run argv; its standard output in *out (g_free). Returns the exit status. */
static int run(char **argv, char **out)
{
    char *err = NULL;
    int status = 0;
    GError *e = NULL;
    gboolean ok =
        g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err, &status, &e);
    if (!ok) {
        g_printerr("%s: %s\n", argv[0], e->message);
        g_error_free(e);
        return -1;
    }
    if (err && *err)
        g_printerr("%s", err);
    g_free(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool tools_missing(void)
{
    char *argv[] = {PYTHON, "-c", "import openpyxl", NULL};
    char *out = NULL;
    int rc = run(argv, &out);
    g_free(out);
    if (rc != 0) {
        printf("SKIP: needs %s with openpyxl (python3-openpyxl)\n", PYTHON);
        return true;
    }
    const char *tools[] = {"pdftotext", "pdftoppm", "pdffonts"};
    for (size_t i = 0; i < G_N_ELEMENTS(tools); i++) {
        char *p = g_find_program_in_path(tools[i]);
        if (!p) {
            printf("SKIP: needs %s (poppler-utils)\n", tools[i]);
            return true;
        }
        g_free(p);
    }
    return false;
}

static void fixture_up(void)
{
    F.base = rfx_tmpdir("report-formats");
    F.out = g_build_filename(F.base, "out", NULL);
    g_assert_cmpint(g_mkdir_with_parents(F.out, 0755), ==, 0);
    F.reader = g_build_filename(LOA_SOURCE_DIR, "tests", "report", "report_read.py", NULL);
    struct rfx_dev *dp[N_DEV];
    for (int i = 0; i < N_DEV; i++) {
        rfx_dev_create(&F.devs[i], F.base, i);
        rfx_fill(&F.devs[i], D(2020, 10, 25), 190, 0, true); /* to 02/05/2021 */
        dp[i] = &F.devs[i];
        F.dbs[i] = F.devs[i].db;
    }
    F.kr = rfx_keyring(dp, N_DEV);
}

static void fixture_down(void)
{
    for (int i = 0; i < N_DEV; i++)
        rfx_dev_close(&F.devs[i]);
    ledger_keyring_free(F.kr);
    if (!g_getenv("LOA_TEST_KEEP"))
        rfx_rmrf(F.base);
    g_free(F.base);
    g_free(F.out);
    g_free(F.reader);
}

static struct report *build(enum report_by by, int32_t from, int32_t to)
{
    struct report_options o = {
        .sources = F.dbs,
        .n_sources = N_DEV,
        .keys = F.kr,
        .by = by,
        .spec = {.kind = REPORT_PERIOD_RANGE, .from_day = from, .to_day = to},
        .today = D(2021, 3, 1),
    };
    struct report *r = NULL;
    struct loa_diag_list diags = {0};
    int e = report_build(&o, &r, &diags);
    for (size_t i = 0; i < diags.n; i++)
        g_printerr("%s: %s\n", diags.items[i].file, diags.items[i].msg);
    loa_diag_list_clear(&diags);
    g_assert_cmpint(e, ==, 0);
    return r;
}

static char *write_report(const struct report *r, const char *fmt, enum report_lang lang)
{
    char *path = g_strdup_printf("%s/report-%s-%s.%s", F.out, report_by_name(r->by),
                                 lang == REPORT_LANG_EN ? "en" : "vi",
                                 strcmp(fmt, "text") == 0 ? "txt" : fmt);
    struct loa_diag d = {0};
    int e;
    if (strcmp(fmt, "xlsx") == 0) {
        e = report_write_xlsx(r, lang, path, &d);
    } else if (strcmp(fmt, "pdf") == 0) {
        e = report_write_pdf(r, lang, path, &d);
    } else {
        FILE *f = fopen(path, "w");
        g_assert_nonnull(f);
        e = strcmp(fmt, "csv") == 0    ? report_write_csv(r, lang, f)
            : strcmp(fmt, "json") == 0 ? report_write_json(r, lang, f)
                                       : report_write_text(r, lang, f);
        g_assert_cmpint(fclose(f), ==, 0);
    }
    if (e < 0)
        g_printerr("%s: %s\n", path, d.msg);
    g_assert_cmpint(e, ==, 0);
    return path;
}

/* One parsed line of report_read.py. */
struct parsed {
    char kind[16], id[160], label[512];
    int64_t v[11];
};

static GArray *read_back(const char *fmt, const char *path, GPtrArray *meta)
{
    char *argv[] = {PYTHON, F.reader, (char *)fmt, (char *)path, NULL};
    char *out = NULL;
    int rc = run(argv, &out);
    g_assert_cmpint(rc, ==, 0);
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct parsed));
    char **lines = g_strsplit(out, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        char **t = g_strsplit(*l, "\t", -1);
        if (strcmp(t[0], "error") == 0) {
            g_printerr("%s: %s\n", path, *l);
            g_assert_not_reached();
        } else if (strcmp(t[0], "meta") == 0) {
            if (meta)
                g_ptr_array_add(meta, g_strdup(*l));
        } else {
            g_assert_cmpuint(g_strv_length(t), ==, 14);
            struct parsed p = {0};
            g_strlcpy(p.kind, t[0], sizeof p.kind);
            g_strlcpy(p.id, t[1], sizeof p.id);
            g_strlcpy(p.label, t[2], sizeof p.label);
            for (int k = 0; k < 11; k++)
                p.v[k] = g_ascii_strtoll(t[3 + k], NULL, 10);
            g_array_append_val(rows, p);
        }
        g_strfreev(t);
    }
    g_strfreev(lines);
    g_free(out);
    return rows;
}

static int64_t tenths(const struct rfx_fig *f)
{
    int64_t planned = f->completed + f->interrupted + f->failed + f->missed;
    return planned ? (f->completed * 2000 + planned) / (2 * planned) : -1;
}

/* A parsed line against expected figures; exact_ms: airtime in ms (else seconds). */
static void same(const char *path, const struct parsed *p, const struct rfx_fig *f, bool exact_ms)
{
    int64_t want[11] = {
        f->completed + f->interrupted + f->failed + f->missed,
        f->completed + f->interrupted,
        f->completed,
        f->interrupted,
        f->failed,
        f->missed,
        f->dropped,
        exact_ms ? f->airtime_ms : (f->airtime_ms + 500) / 1000,
        tenths(f),
        f->n_times,
        f->n_seconds,
    };
    for (int k = 0; k < 11; k++) {
        if (p->v[k] != want[k])
            g_printerr("%s: %s %s (%s) column %d: read %lld, records say %lld\n", path, p->kind,
                       p->id, p->label, k, (long long)p->v[k], (long long)want[k]);
        g_assert_cmpint(p->v[k], ==, want[k]);
    }
}

static const struct rfx_fig zero_fig;

static void check_format(const struct report *r, const struct rfx_expect *x, const char *fmt,
                         const char *path)
{
    bool keyed = strcmp(fmt, "text") != 0 && strcmp(fmt, "pdf") != 0;
    GArray *rows = read_back(fmt, path, NULL);
    size_t n_row = 0, n_total = 0, n_out = 0;
    for (guint i = 0; i < rows->len; i++) {
        const struct parsed *p = &g_array_index(rows, struct parsed, i);
        if (strcmp(p->kind, "row") == 0) {
            /* text and pdf number their rows in the report's order */
            const char *key = keyed ? p->id : NULL;
            if (!keyed) {
                size_t no = (size_t)g_ascii_strtoull(p->id, NULL, 10);
                g_assert_cmpuint(no, ==, n_row + 1);
                g_assert_cmpuint(no, <=, r->n_rows);
                key = r->rows[no - 1].key;
            }
            const struct rfx_fig *f = g_hash_table_lookup(x->rows, key);
            same(path, p, f ? f : &zero_fig, keyed);
            n_row++;
        } else if (strcmp(p->kind, "total") == 0) {
            same(path, p, &x->total, keyed);
            n_total++;
        } else {
            g_assert_cmpuint(n_out, <, 3);
            if (keyed)
                g_assert_cmpstr(p->id, ==, report_outside_key((enum report_outside)n_out));
            same(path, p, &x->outside[n_out], keyed);
            n_out++;
        }
    }
    g_assert_cmpuint(n_row, ==, r->n_rows);
    g_assert_cmpuint(n_total, ==, 1);
    g_assert_cmpuint(n_out, ==, 3);
    g_array_free(rows, TRUE);
}

static void test_every_by_every_format(void)
{
    int32_t from = D(2020, 11, 1), to = D(2021, 2, 15);
    for (int by = REPORT_BY_ITEM; by <= REPORT_BY_COMMUNE; by++) {
        struct report *r = build((enum report_by)by, from, to);
        struct rfx_expect x;
        rfx_expect_compute(F.dbs, N_DEV, F.kr, from, to, NULL, report_by_name(r->by), &x);
        g_assert_cmpint(x.total.completed, >, 0);
        for (size_t k = 0; k < G_N_ELEMENTS(formats); k++) {
            char *path = write_report(r, formats[k], REPORT_LANG_VI);
            check_format(r, &x, formats[k], path);
            g_free(path);
        }
        rfx_expect_free(&x);
        report_free(r);
    }
}

static void test_english(void)
{
    int32_t from = D(2020, 11, 1), to = D(2021, 2, 15);
    struct report *r = build(REPORT_BY_MONTH, from, to);
    struct rfx_expect x;
    rfx_expect_compute(F.dbs, N_DEV, F.kr, from, to, NULL, "month", &x);
    for (size_t k = 0; k < G_N_ELEMENTS(formats); k++) {
        char *path = write_report(r, formats[k], REPORT_LANG_EN);
        check_format(r, &x, formats[k], path);
        gchar *data = NULL;
        if (strcmp(formats[k], "text") == 0 || strcmp(formats[k], "csv") == 0) {
            g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
            g_assert_nonnull(strstr(data, "Completed"));
            g_assert_null(strstr(data, "Trọn vẹn"));
            g_free(data);
        }
        g_free(path);
    }
    rfx_expect_free(&x);
    report_free(r);
}

static void test_pdf(void)
{
    /* --by day: four months of rows, several pages. */
    struct report *r = build(REPORT_BY_DAY, D(2020, 11, 1), D(2021, 2, 15));
    char *path = write_report(r, "pdf", REPORT_LANG_VI);
    GPtrArray *meta = g_ptr_array_new_with_free_func(g_free);
    GArray *rows = read_back("pdf", path, meta);
    g_array_free(rows, TRUE);
    int pages = 0;
    for (guint i = 0; i < meta->len; i++) {
        const char *m = g_ptr_array_index(meta, i);
        if (g_str_has_prefix(m, "meta\theading\t")) {
            if (!g_str_has_suffix(m, "\tyes"))
                g_printerr("%s: %s\n", path, m);
            g_assert_true(g_str_has_suffix(m, "\tyes"));
        }
        if (g_str_has_prefix(m, "meta\tpages\t"))
            pages = atoi(m + strlen("meta\tpages\t"));
        if (g_str_has_prefix(m, "meta\tdate-line\t"))
            g_assert_cmpstr(m, ==, "meta\tdate-line\tngày 01 tháng 3 năm 2021");
    }
    g_assert_cmpint(pages, >=, 3);
    g_ptr_array_free(meta, TRUE);

    /* pdffonts: a table of fonts, every one embedded, Noto Sans among them. */
    char *argv[] = {"pdffonts", path, NULL};
    char *out = NULL;
    g_assert_cmpint(run(argv, &out), ==, 0);
    char **lines = g_strsplit(out, "\n", -1);
    int fonts = 0;
    bool noto = false;
    for (char **l = lines + 2; *l && **l; l++) {
        char **t = g_strsplit_set(*l, " ", -1);
        /* columns: name type... encoding emb sub uni object ID: emb is 5th from the end */
        GPtrArray *tok = g_ptr_array_new();
        for (char **q = t; *q; q++)
            if (**q)
                g_ptr_array_add(tok, *q);
        g_assert_cmpuint(tok->len, >=, 7);
        const char *emb = g_ptr_array_index(tok, tok->len - 5);
        if (strcmp(emb, "yes") != 0)
            g_printerr("not embedded: %s\n", *l);
        g_assert_cmpstr(emb, ==, "yes");
        noto = noto || strstr(*l, "NotoSans") != NULL;
        fonts++;
        g_ptr_array_free(tok, TRUE);
        g_strfreev(t);
    }
    g_assert_cmpint(fonts, >=, 2);
    g_assert_true(noto);
    g_strfreev(lines);
    g_free(out);

    /* pdftoppm renders the first page. */
    char *prefix = g_strdup_printf("%s/page", F.out);
    char *argv2[] = {"pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", path, prefix, NULL};
    g_assert_cmpint(run(argv2, &out), ==, 0);
    g_free(out);
    char *png = g_strdup_printf("%s-1.png", prefix);
    gchar *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(png, &data, &len, NULL)) {
        g_free(png); /* poppler pads the page number with the page count's digits */
        png = g_strdup_printf("%s-01.png", prefix);
        g_assert_true(g_file_get_contents(png, &data, &len, NULL));
    }
    g_assert_cmpuint(len, >, 10000);
    g_assert_true(memcmp(data, "\x89PNG", 4) == 0);
    g_free(data);
    g_free(png);
    g_free(prefix);
    g_free(path);
    report_free(r);
}

static void test_xlsx(void)
{
    struct report *r = build(REPORT_BY_WEEK, D(2020, 11, 1), D(2021, 2, 15));
    char *path = write_report(r, "xlsx", REPORT_LANG_VI);
    GPtrArray *meta = g_ptr_array_new_with_free_func(g_free);
    GArray *rows = read_back("xlsx", path, meta);
    g_array_free(rows, TRUE);
    bool chart = false, from = false, to = false, chart_rows = false;
    char want[64];
    for (guint i = 0; i < meta->len; i++) {
        const char *m = g_ptr_array_index(meta, i);
        chart = chart || strcmp(m, "meta\tcharts\t1") == 0;
        from = from || strcmp(m, "meta\tperiod-date\t2020-11-01") == 0;
        to = to || strcmp(m, "meta\tperiod-date\t2021-02-15") == 0;
        snprintf(want, sizeof want, "meta\tchart-rows\t%zu", r->n_chart);
        chart_rows = chart_rows || strcmp(m, want) == 0;
    }
    g_assert_true(chart);
    g_assert_true(from);
    g_assert_true(to);
    g_assert_true(chart_rows);
    g_ptr_array_free(meta, TRUE);
    g_free(path);
    report_free(r);
}

static void test_csv_and_json_shape(void)
{
    struct report *r = build(REPORT_BY_ITEM, D(2020, 11, 1), D(2021, 2, 15));
    char *path = write_report(r, "csv", REPORT_LANG_VI);
    gchar *data = NULL;
    g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
    g_assert_true(g_str_has_prefix(data, "\xEF\xBB\xBFLoại dòng,Từ ngày,Đến ngày,Mã,Tin bài,"));
    g_assert_nonnull(strstr(data, "\nrow,01/11/2020,15/02/2021,tmdt-01,"));
    g_assert_nonnull(strstr(data, "\ntotal,01/11/2020,15/02/2021,total,Tổng cộng,"));
    g_free(data);
    g_free(path);
    path = write_report(r, "json", REPORT_LANG_VI);
    g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
    g_assert_true(g_str_has_prefix(data, "{\"from\":\"2020-11-01\",\"to\":\"2021-02-15\","));
    g_assert_nonnull(strstr(data, "\"by\":\"item\""));
    g_assert_nonnull(strstr(data, "\"outside_totals\":["));
    g_assert_nonnull(strstr(data, "{\"key\":\"chime\","));
    g_free(data);
    g_free(path);
    report_free(r);
}

/* The six-month report of the campaign, as a committee files it. With
 * LOA_REPORT_SAMPLES=DIR the files are also kept there as docs/report-sample.* (the
 * README shows them). */
static void test_campaign_sample(void)
{
    /* Paths as an official would type them, from the folder holding the ledgers. */
    char *cwd = g_get_current_dir();
    g_assert_cmpint(chdir(F.base), ==, 0);
    const char *rel[N_DEV];
    for (int i = 0; i < N_DEV; i++)
        rel[i] = F.dbs[i] + strlen(F.base) + 1;
    struct report_options o = {
        .sources = rel,
        .n_sources = N_DEV,
        .keys = F.kr,
        .by = REPORT_BY_ITEM,
        .campaign_id = "tmdt-2020",
        .spec = {.kind = REPORT_PERIOD_HALF, .n = 0},
        .today = D(2021, 5, 3),
    };
    struct report *r = NULL;
    struct loa_diag_list diags = {0};
    g_assert_cmpint(report_build(&o, &r, &diags), ==, 0);
    loa_diag_list_clear(&diags);
    g_assert_cmpint(r->period.kind, ==, REPORT_PERIOD_HALF);
    g_assert_cmpint(r->period.n, ==, 1);
    g_assert_cmpint(r->period.to_day, ==, D(2021, 4, 30));
    struct rfx_expect x;
    rfx_expect_compute(F.dbs, N_DEV, F.kr, D(2020, 11, 1), D(2021, 4, 30), "tmdt-2020", "item", &x);
    const char *fmts[] = {"pdf", "csv", "xlsx"};
    const char *keep = g_getenv("LOA_REPORT_SAMPLES");
    for (size_t k = 0; k < G_N_ELEMENTS(fmts); k++) {
        char *path = write_report(r, fmts[k], REPORT_LANG_VI);
        check_format(r, &x, fmts[k], path);
        if (keep) {
            char *dst = g_strdup_printf("%s/report-sample.%s", keep, fmts[k]);
            gchar *data;
            gsize len;
            g_assert_true(g_file_get_contents(path, &data, &len, NULL));
            g_assert_true(g_file_set_contents(dst, data, (gssize)len, NULL));
            g_free(data);
            if (k == 0) {
                char *prefix = g_strdup_printf("%s/report-sample", keep);
                char *argv[] = {"pdftoppm", "-r", "70", "-png", dst, prefix, NULL};
                char *out = NULL;
                g_assert_cmpint(run(argv, &out), ==, 0);
                g_free(out);
                g_free(prefix);
            }
            g_free(dst);
        }
        g_free(path);
    }
    rfx_expect_free(&x);
    report_free(r);
    g_assert_cmpint(chdir(cwd), ==, 0);
    g_free(cwd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (tools_missing())
        return 77;
    fixture_up();
    g_test_add_func("/report/formats/every-by-every-format", test_every_by_every_format);
    g_test_add_func("/report/formats/english", test_english);
    g_test_add_func("/report/formats/pdf", test_pdf);
    g_test_add_func("/report/formats/xlsx", test_xlsx);
    g_test_add_func("/report/formats/csv-json-shape", test_csv_and_json_shape);
    g_test_add_func("/report/formats/campaign-sample", test_campaign_sample);
    int rc = g_test_run();
    fixture_down();
    return rc;
}
