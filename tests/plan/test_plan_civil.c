/* civil.c: calendar arithmetic, weekdays, parsing and formatting. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "civil.h"

/* Every day 1900-01-01 .. 2100-12-31: day numbers are consecutive and round-trip, and
 * (y, m, d) advance exactly as a calendar does. */
static void test_round_trip(void)
{
    int32_t first = civil_from_ymd(1900, 1, 1), last = civil_from_ymd(2100, 12, 31);
    int y = 1900, m = 1, d = 1, wd = 0; /* 1900-01-01 was a Monday */
    long n = 0;
    for (int32_t day = first; day <= last; day++, n++) {
        int ry, rm, rd;
        civil_to_ymd(day, &ry, &rm, &rd);
        g_assert_cmpint(ry, ==, y);
        g_assert_cmpint(rm, ==, m);
        g_assert_cmpint(rd, ==, d);
        g_assert_cmpint(civil_from_ymd(y, m, d), ==, day);
        g_assert_cmpint(civil_weekday(day), ==, wd);
        char buf[16];
        int32_t back = 0;
        g_assert_cmpint(civil_parse_date(civil_format_date(day, buf, sizeof(buf)), &back), ==, 0);
        g_assert_cmpint(back, ==, day);
        /* An independent calendar: Gregorian leap years. */
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int dim = m == 2 ? (leap ? 29 : 28) : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
        g_assert_cmpint(civil_days_in_month(y, m), ==, dim);
        wd = (wd + 1) % 7;
        if (++d > dim) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    g_assert_cmpint(n, ==, 73414); /* 201 years, 49 leap days (1900 and 2100 are not) */
}

static void test_anchors(void)
{
    g_assert_cmpint(civil_from_ymd(1970, 1, 1), ==, 0);
    g_assert_cmpint(civil_from_ymd(1969, 12, 31), ==, -1);
    g_assert_cmpint(civil_from_ymd(2000, 3, 1), ==, 11017);
    g_assert_cmpint(civil_weekday(0), ==, 3); /* Thursday */
    g_assert_cmpint(civil_weekday(civil_from_ymd(2020, 11, 1)), ==, 6); /* Sunday */
    g_assert_cmpint(civil_weekday(civil_from_ymd(2023, 10, 31)), ==, 1); /* Tuesday */
    g_assert_cmpint(civil_weekday(civil_from_ymd(2025, 7, 1)), ==, 1);
    g_assert_cmpint(civil_weekday(civil_from_ymd(1900, 1, 1)), ==, 0);
    g_assert_cmpstr(civil_weekday_name_vi(0), ==, "Thứ Hai");
    g_assert_cmpstr(civil_weekday_name_vi(6), ==, "Chủ Nhật");
    g_assert_cmpstr(civil_weekday_name_en(2), ==, "Wednesday");
    g_assert_cmpstr(civil_weekday_name_vi(7), ==, "");
}

static void test_parse_date(void)
{
    int32_t d = 42;
    g_assert_cmpint(civil_parse_date("2020-02-29", &d), ==, 0);
    g_assert_cmpint(d, ==, civil_from_ymd(2020, 2, 29));
    g_assert_cmpint(civil_parse_date("1900-01-01", &d), ==, 0);
    static const char *const bad[] = {"2021-02-29", "1900-02-29", "2020-13-01",  "2020-00-10",
                                      "2020-01-00", "2020-04-31", "1899-12-31",  "2021-1-01",
                                      "2021-01-1",  "2021/01/01", "2021-01-01x", " 2021-01-01",
                                      "",           "abcd-ef-gh", "20210101"};
    for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
        d = 42;
        g_assert_cmpint(civil_parse_date(bad[k], &d), ==, -EINVAL);
        g_assert_cmpint(d, ==, 42); /* out-params untouched on failure */
    }
    g_assert_cmpint(civil_parse_date(NULL, &d), ==, -EINVAL);
}

static void test_parse_time(void)
{
    int64_t t = 7;
    g_assert_cmpint(civil_parse_time("06:30", &t), ==, 0);
    g_assert_cmpint(t, ==, INT64_C(23400) * CIVIL_USEC_PER_SEC);
    g_assert_cmpint(civil_parse_time("23:59:59", &t), ==, 0);
    g_assert_cmpint(t, ==, CIVIL_USEC_PER_DAY - CIVIL_USEC_PER_SEC);
    g_assert_cmpint(civil_parse_time("00:00", &t), ==, 0);
    g_assert_cmpint(t, ==, 0);
    static const char *const bad[] = {"24:00", "12:60", "1:00",   "12:00:60",    "12:0",
                                      "12-00", "",      "12:00:", "12:00:00:00", "ab:cd"};
    for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
        t = 7;
        g_assert_cmpint(civil_parse_time(bad[k], &t), ==, -EINVAL);
        g_assert_cmpint(t, ==, 7);
    }
}

static void test_parse_window(void)
{
    int64_t a = 1, b = 2;
    g_assert_cmpint(civil_parse_window("21:00-06:00", &a, &b), ==, 0);
    g_assert_cmpint(a, ==, INT64_C(21) * 3600 * CIVIL_USEC_PER_SEC);
    g_assert_cmpint(b, ==, INT64_C(6) * 3600 * CIVIL_USEC_PER_SEC);
    g_assert_true(civil_window_contains(a, b, INT64_C(23) * 3600 * CIVIL_USEC_PER_SEC));
    g_assert_true(civil_window_contains(a, b, 0));
    g_assert_false(civil_window_contains(a, b, b));
    g_assert_true(civil_window_contains(a, b, a));
    g_assert_false(civil_window_contains(a, b, INT64_C(12) * 3600 * CIVIL_USEC_PER_SEC));
    g_assert_true(civil_window_contains(b, a, INT64_C(12) * 3600 * CIVIL_USEC_PER_SEC));
    a = 1;
    static const char *const bad[] = {"06:00-06:00", "06:00",     "06:00-",
                                      "-06:00",      "6:00-7:00", "06:00-25:00"};
    for (size_t k = 0; k < G_N_ELEMENTS(bad); k++)
        g_assert_cmpint(civil_parse_window(bad[k], &a, &b), ==, -EINVAL);
    g_assert_cmpint(a, ==, 1);
}

static void test_parse_days(void)
{
    uint8_t m = 0;
    g_assert_cmpint(civil_parse_days("mon-fri", &m), ==, 0);
    g_assert_cmpuint(m, ==, 0x1F);
    g_assert_cmpint(civil_parse_days("sat-mon", &m), ==, 0); /* wraps */
    g_assert_cmpuint(m, ==, 0x61);
    g_assert_cmpint(civil_parse_days("mon,wed,fri", &m), ==, 0);
    g_assert_cmpuint(m, ==, 0x15);
    g_assert_cmpint(civil_parse_days("mon-sun", &m), ==, 0);
    g_assert_cmpuint(m, ==, CIVIL_ALL_DAYS);
    g_assert_cmpint(civil_parse_days("sun-sat", &m), ==, 0);
    g_assert_cmpuint(m, ==, CIVIL_ALL_DAYS);
    g_assert_cmpint(civil_parse_days("sun", &m), ==, 0);
    g_assert_cmpuint(m, ==, 0x40);
    g_assert_cmpint(civil_parse_days("fri-tue,wed", &m), ==, 0);
    g_assert_cmpuint(m, ==, 0x77);
    static const char *const bad[] = {"",     "mon,", ",mon",     "xyz",     "monday",
                                      "mon-", "-fri", "mon--fri", "mon fri", "mon-fri-sun"};
    for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
        m = 0xEE;
        g_assert_cmpint(civil_parse_days(bad[k], &m), ==, -EINVAL);
        g_assert_cmpuint(m, ==, 0xEE);
    }
}

static void test_parse_datetime(void)
{
    int32_t d = 0;
    int64_t t = 0;
    g_assert_cmpint(civil_parse_datetime("2021-02-11 17:05", &d, &t), ==, 0);
    g_assert_cmpint(d, ==, civil_from_ymd(2021, 2, 11));
    g_assert_cmpint(t, ==, INT64_C(61500) * CIVIL_USEC_PER_SEC);
    g_assert_cmpint(civil_parse_datetime("2021-02-11T17:05:09", &d, &t), ==, 0);
    g_assert_cmpint(t, ==, INT64_C(61509) * CIVIL_USEC_PER_SEC);
    static const char *const bad[] = {"2021-02-11", "2021-02-11 17", "2021-02-11_17:05",
                                      "2021-02-30 17:05", "2021-02-11 24:00"};
    for (size_t k = 0; k < G_N_ELEMENTS(bad); k++)
        g_assert_cmpint(civil_parse_datetime(bad[k], &d, &t), ==, -EINVAL);
}

static void test_format(void)
{
    char buf[16];
    int32_t d = civil_from_ymd(2020, 11, 1);
    g_assert_cmpstr(civil_format_date(d, buf, sizeof(buf)), ==, "2020-11-01");
    g_assert_cmpstr(civil_format_date_vn(d, buf, sizeof(buf)), ==, "01/11/2020");
    int64_t t = (INT64_C(17) * 3600 + 5 * 60 + 9) * CIVIL_USEC_PER_SEC + 999999;
    g_assert_cmpstr(civil_format_time(t, buf, sizeof(buf)), ==, "17:05:09"); /* truncated */
    g_assert_cmpstr(civil_format_hhmm(t, buf, sizeof(buf)), ==, "17:05");
    g_assert_cmpstr(civil_format_time(0, buf, sizeof(buf)), ==, "00:00:00");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/civil/round-trip", test_round_trip);
    g_test_add_func("/civil/anchors", test_anchors);
    g_test_add_func("/civil/parse-date", test_parse_date);
    g_test_add_func("/civil/parse-time", test_parse_time);
    g_test_add_func("/civil/parse-window", test_parse_window);
    g_test_add_func("/civil/parse-days", test_parse_days);
    g_test_add_func("/civil/parse-datetime", test_parse_datetime);
    g_test_add_func("/civil/format", test_format);
    return g_test_run();
}
