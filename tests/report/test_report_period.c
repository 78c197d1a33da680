/* Report periods on the Hanoi campaign (01/11/2020 to 31/10/2023): 6m:N, the latest
 * completed half-year, cumulative years, all, and --cutoff alignment. */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "civil.h"
#include "report/report.h"

static int32_t D(int y, int m, int d)
{
    return civil_from_ymd(y, m, d);
}

static const int32_t *campaign(void)
{
    static int32_t c[2];
    c[0] = D(2020, 11, 1);
    c[1] = D(2023, 10, 31);
    return c;
}

/* Resolve s (a --period value) with an optional cutoff "DD/MM" at today. */
static int resolve(const char *s, const char *cutoff, int32_t today, struct report_period *p)
{
    struct report_period_spec spec = {0};
    g_assert_cmpint(report_parse_period(s, &spec), ==, 0);
    if (cutoff) {
        g_assert_cmpint(report_parse_cutoff(cutoff, &spec.cutoff_day, &spec.cutoff_month), ==, 0);
        spec.has_cutoff = true;
    }
    struct loa_diag d = {0};
    return report_period_resolve(&spec, campaign()[0], campaign()[1], today, p, &d);
}

static void expect(const char *s, const char *cutoff, int32_t today, int32_t from, int32_t to)
{
    struct report_period p;
    int e = resolve(s, cutoff, today, &p);
    if (e != 0 || p.from_day != from || p.to_day != to) {
        char a[16], b[16], c[16], d[16];
        g_printerr("%s%s%s: got %d %s..%s, want %s..%s\n", s, cutoff ? " --cutoff " : "",
                   cutoff ? cutoff : "", e, civil_format_date(p.from_day, a, sizeof a),
                   civil_format_date(p.to_day, b, sizeof b), civil_format_date(from, c, sizeof c),
                   civil_format_date(to, d, sizeof d));
    }
    g_assert_cmpint(e, ==, 0);
    g_assert_cmpint(p.from_day, ==, from);
    g_assert_cmpint(p.to_day, ==, to);
}

static void test_parse(void)
{
    struct report_period_spec s;
    g_assert_cmpint(report_parse_period("6m", &s), ==, 0);
    g_assert_cmpint(s.kind, ==, REPORT_PERIOD_HALF);
    g_assert_cmpint(s.n, ==, 0);
    g_assert_cmpint(report_parse_period("6m:3", &s), ==, 0);
    g_assert_cmpint(s.n, ==, 3);
    g_assert_cmpint(report_parse_period("2y", &s), ==, 0);
    g_assert_cmpint(s.kind, ==, REPORT_PERIOD_YEARS);
    g_assert_cmpint(s.n, ==, 2);
    g_assert_cmpint(report_parse_period("all", &s), ==, 0);
    g_assert_cmpint(s.kind, ==, REPORT_PERIOD_ALL);
    const char *bad[] = {"",  "6m:", "6m:0", "6m:x", "6m:03", "0y",
                         "y", "1yy", "3m",   "ALL",  "6m:1 "};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_cmpint(report_parse_period(bad[i], &s), ==, -EINVAL);
    int d, m;
    g_assert_cmpint(report_parse_cutoff("14/06", &d, &m), ==, 0);
    g_assert_cmpint(d, ==, 14);
    g_assert_cmpint(m, ==, 6);
    g_assert_cmpint(report_parse_cutoff("29/02", &d, &m), ==, 0);
    const char *badc[] = {"31/04", "00/01", "1/06", "14-06", "14/13", "14/6", "aa/bb"};
    for (size_t i = 0; i < G_N_ELEMENTS(badc); i++)
        g_assert_cmpint(report_parse_cutoff(badc[i], &d, &m), ==, -EINVAL);
}

static void test_half_years(void)
{
    int32_t late = D(2030, 1, 1);
    expect("6m:1", NULL, late, D(2020, 11, 1), D(2021, 4, 30));
    expect("6m:2", NULL, late, D(2021, 5, 1), D(2021, 10, 31));
    expect("6m:3", NULL, late, D(2021, 11, 1), D(2022, 4, 30));
    expect("6m:6", NULL, late, D(2023, 5, 1), D(2023, 10, 31));
    struct report_period p;
    g_assert_cmpint(resolve("6m:7", NULL, late, &p), ==, -ERANGE);
    g_assert_cmpint(resolve("6m:6", NULL, late, &p), ==, 0);
    g_assert_true(p.final);
    g_assert_cmpint(p.n, ==, 6);
}

static void test_latest_completed(void)
{
    /* The default is the latest half-year that ended before today. */
    expect("6m", NULL, D(2021, 5, 15), D(2020, 11, 1), D(2021, 4, 30));
    expect("6m", NULL, D(2021, 10, 31), D(2020, 11, 1), D(2021, 4, 30)); /* 2 ends today */
    expect("6m", NULL, D(2021, 11, 1), D(2021, 5, 1), D(2021, 10, 31));
    expect("6m", NULL, D(2030, 1, 1), D(2023, 5, 1), D(2023, 10, 31));
    struct report_period p;
    g_assert_cmpint(resolve("6m", NULL, D(2021, 1, 1), &p), ==, -ENODATA);
    g_assert_cmpint(resolve("6m", NULL, D(2021, 5, 1), &p), ==, 0);
    g_assert_cmpint(p.n, ==, 1);
}

static void test_years(void)
{
    int32_t late = D(2030, 1, 1);
    expect("1y", NULL, late, D(2020, 11, 1), D(2021, 10, 31));
    expect("2y", NULL, late, D(2020, 11, 1), D(2022, 10, 31));
    expect("3y", NULL, late, D(2020, 11, 1), D(2023, 10, 31));
    expect("5y", NULL, late, D(2020, 11, 1), D(2023, 10, 31)); /* no further than the end */
    expect("all", NULL, late, D(2020, 11, 1), D(2023, 10, 31));
    struct report_period p;
    g_assert_cmpint(resolve("2y", NULL, late, &p), ==, 0);
    g_assert_false(p.final);
    g_assert_cmpint(resolve("3y", NULL, late, &p), ==, 0);
    g_assert_true(p.final);
}

static void test_cutoff(void)
{
    int32_t late = D(2030, 1, 1);
    /* Decree 09/2019: six-month figures to the 14th of June and of December. */
    expect("6m:1", "14/06", late, D(2020, 11, 1), D(2021, 6, 14));
    expect("6m:2", "14/06", late, D(2021, 6, 15), D(2021, 12, 14));
    expect("6m:3", "14/06", late, D(2021, 12, 15), D(2022, 6, 14));
    expect("6m:5", "14/06", late, D(2022, 12, 15), D(2023, 6, 14));
    expect("6m:6", "14/06", late, D(2023, 6, 15), D(2023, 10, 31));
    struct report_period p;
    g_assert_cmpint(resolve("6m:7", "14/06", late, &p), ==, -ERANGE);
    expect("1y", "14/06", late, D(2020, 11, 1), D(2021, 12, 14));
    expect("2y", "14/06", late, D(2020, 11, 1), D(2022, 12, 14));
    expect("3y", "14/06", late, D(2020, 11, 1), D(2023, 10, 31));
    /* The same boundaries named from December. */
    expect("6m:1", "14/12", late, D(2020, 11, 1), D(2021, 6, 14));
    /* The nearest boundary may be earlier than the nominal end (30/04/2021). */
    expect("6m:1", "31/01", late, D(2020, 11, 1), D(2021, 1, 31));
    expect("6m:2", "31/01", late, D(2021, 2, 1), D(2021, 7, 31));
    /* Month ends clamp: 31/08 pairs with the end of February (2024 is a leap year). */
    expect("6m:1", "31/08", late, D(2020, 11, 1), D(2021, 2, 28));
    expect("6m:2", "31/08", late, D(2021, 3, 1), D(2021, 8, 31));
    /* The latest completed one, with a cut-off. */
    expect("6m", "14/06", D(2021, 12, 15), D(2021, 6, 15), D(2021, 12, 14));
    expect("6m", "14/06", D(2021, 12, 14), D(2020, 11, 1), D(2021, 6, 14));
}

static void test_range(void)
{
    struct report_period_spec s = {
        .kind = REPORT_PERIOD_RANGE, .from_day = D(2021, 3, 1), .to_day = D(2021, 3, 31)};
    struct report_period p;
    struct loa_diag d = {0};
    g_assert_cmpint(report_period_resolve(&s, 0, 0, 0, &p, &d), ==, 0);
    g_assert_cmpint(p.from_day, ==, D(2021, 3, 1));
    g_assert_cmpint(p.to_day, ==, D(2021, 3, 31));
    s.from_day = D(2021, 4, 1);
    g_assert_cmpint(report_period_resolve(&s, 0, 0, 0, &p, &d), ==, -EINVAL);
    g_assert_nonnull(strstr(d.msg, "after"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/report/period/parse", test_parse);
    g_test_add_func("/report/period/half-years", test_half_years);
    g_test_add_func("/report/period/latest-completed", test_latest_completed);
    g_test_add_func("/report/period/years", test_years);
    g_test_add_func("/report/period/cutoff", test_cutoff);
    g_test_add_func("/report/period/range", test_range);
    return g_test_run();
}
