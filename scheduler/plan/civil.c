/* Civil calendar arithmetic (Howard Hinnant's days_from_civil / civil_from_days). */
#include "civil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int32_t civil_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void civil_to_ymd(int32_t day, int *ret_y, int *ret_m, int *ret_d)
{
    const int z = day + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int y = (int)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *ret_y = y + (m <= 2);
    *ret_m = (int)m;
    *ret_d = (int)d;
}

int civil_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    int w = (int)((day + 3) % 7);
    return w < 0 ? w + 7 : w;
}

int civil_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* Read exactly n ASCII digits. */
static int read_digits(const char *s, int n, int *ret)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *ret = v;
    return 0;
}

static int parse_date_prefix(const char *s, int32_t *ret_day)
{
    int y, m, d;
    if (read_digits(s, 4, &y) < 0 || s[4] != '-' || read_digits(s + 5, 2, &m) < 0 || s[7] != '-' ||
        read_digits(s + 8, 2, &d) < 0)
        return -EINVAL;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > civil_days_in_month(y, m))
        return -EINVAL;
    *ret_day = civil_from_ymd(y, m, d);
    return 0;
}

int civil_parse_date(const char *s, int32_t *ret_day)
{
    if (!s || strlen(s) != 10)
        return -EINVAL;
    return parse_date_prefix(s, ret_day);
}

/* Parse HH:MM or HH:MM:SS of exactly len bytes. */
static int parse_time_n(const char *s, size_t len, int64_t *ret_usec)
{
    int h, m, sec = 0;
    if (len != 5 && len != 8)
        return -EINVAL;
    if (read_digits(s, 2, &h) < 0 || s[2] != ':' || read_digits(s + 3, 2, &m) < 0)
        return -EINVAL;
    if (len == 8 && (s[5] != ':' || read_digits(s + 6, 2, &sec) < 0))
        return -EINVAL;
    if (h > 23 || m > 59 || sec > 59)
        return -EINVAL;
    *ret_usec = ((int64_t)h * 3600 + m * 60 + sec) * CIVIL_USEC_PER_SEC;
    return 0;
}

int civil_parse_time(const char *s, int64_t *ret_usec)
{
    if (!s)
        return -EINVAL;
    return parse_time_n(s, strlen(s), ret_usec);
}

int civil_parse_window(const char *s, int64_t *ret_start_usec, int64_t *ret_end_usec)
{
    if (!s)
        return -EINVAL;
    const char *dash = strchr(s, '-');
    if (!dash)
        return -EINVAL;
    int64_t a, b;
    if (parse_time_n(s, (size_t)(dash - s), &a) < 0 || civil_parse_time(dash + 1, &b) < 0)
        return -EINVAL;
    if (a == b)
        return -EINVAL;
    *ret_start_usec = a;
    *ret_end_usec = b;
    return 0;
}

static int weekday_from_name(const char *s, size_t len)
{
    static const char *const names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (len != 3)
        return -1;
    for (int i = 0; i < 7; i++)
        if (strncmp(s, names[i], 3) == 0)
            return i;
    return -1;
}

int civil_parse_days(const char *s, uint8_t *ret_mask)
{
    if (!s || !*s)
        return -EINVAL;
    uint8_t mask = 0;
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *dash = memchr(p, '-', len);
        if (dash) {
            int a = weekday_from_name(p, (size_t)(dash - p));
            int b = weekday_from_name(dash + 1, len - (size_t)(dash - p) - 1);
            if (a < 0 || b < 0)
                return -EINVAL;
            /* Ranges wrap: "sat-mon" is Saturday, Sunday, Monday. */
            for (int i = a;; i = (i + 1) % 7) {
                mask |= (uint8_t)(1u << i);
                if (i == b)
                    break;
            }
        } else {
            int a = weekday_from_name(p, len);
            if (a < 0)
                return -EINVAL;
            mask |= (uint8_t)(1u << a);
        }
        if (!end)
            break;
        p = end + 1;
    }
    *ret_mask = mask;
    return 0;
}

int civil_parse_datetime(const char *s, int32_t *ret_day, int64_t *ret_usec)
{
    if (!s)
        return -EINVAL;
    size_t len = strlen(s);
    if (len < 16 || (s[10] != ' ' && s[10] != 'T'))
        return -EINVAL;
    int32_t day;
    int64_t usec;
    if (parse_date_prefix(s, &day) < 0 || parse_time_n(s + 11, len - 11, &usec) < 0)
        return -EINVAL;
    *ret_day = day;
    *ret_usec = usec;
    return 0;
}

bool civil_window_contains(int64_t start_usec, int64_t end_usec, int64_t t_usec)
{
    if (start_usec <= end_usec)
        return t_usec >= start_usec && t_usec < end_usec;
    return t_usec >= start_usec || t_usec < end_usec;
}

char *civil_format_date(int32_t day, char *buf, size_t size)
{
    int y, m, d;
    civil_to_ymd(day, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
    return buf;
}

char *civil_format_date_vn(int32_t day, char *buf, size_t size)
{
    int y, m, d;
    civil_to_ymd(day, &y, &m, &d);
    snprintf(buf, size, "%02d/%02d/%04d", d, m, y);
    return buf;
}

char *civil_format_time(int64_t usec, char *buf, size_t size)
{
    int64_t s = usec / CIVIL_USEC_PER_SEC;
    snprintf(buf, size, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    return buf;
}

char *civil_format_hhmm(int64_t usec, char *buf, size_t size)
{
    int64_t s = usec / CIVIL_USEC_PER_SEC;
    snprintf(buf, size, "%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60));
    return buf;
}

const char *civil_weekday_name_vi(int weekday)
{
    static const char *const names[7] = {"Thứ Hai", "Thứ Ba",  "Thứ Tư",  "Thứ Năm",
                                         "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"};
    return weekday >= 0 && weekday < 7 ? names[weekday] : "";
}

const char *civil_weekday_name_en(int weekday)
{
    static const char *const names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                         "Friday", "Saturday", "Sunday"};
    return weekday >= 0 && weekday < 7 ? names[weekday] : "";
}
