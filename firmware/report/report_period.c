/* Report periods (report.h "Periods"): pure date arithmetic on civil day numbers.
 *
 * The Hanoi plan's reporting regime (context/: "báo cáo định kỳ 6 tháng, báo cáo sơ
 * kết 01 năm, 02 năm, tổng kết 03 năm") counts from the campaign's start; official
 * data cut-offs (e.g. Decree 09/2019: 6-month figures run to the 14th of the last
 * month) move the ends of those periods to fixed calendar dates instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "report.h"

/* The day `months` months after day, its day of month clamped to the month's length. */
static int32_t add_months(int32_t day, int months)
{
    int y, m, d;
    civil_to_ymd(day, &y, &m, &d);
    int idx = y * 12 + (m - 1) + months;
    int ny = idx / 12, nm = idx % 12 + 1;
    int dim = civil_days_in_month(ny, nm);
    return civil_from_ymd(ny, nm, d < dim ? d : dim);
}

int report_parse_period(const char *s, struct report_period_spec *spec)
{
    if (strcmp(s, "all") == 0) {
        spec->kind = REPORT_PERIOD_ALL;
        spec->n = 0;
        return 0;
    }
    if (strncmp(s, "6m", 2) == 0) {
        if (s[2] == '\0') {
            spec->kind = REPORT_PERIOD_HALF;
            spec->n = 0;
            return 0;
        }
        if (s[2] != ':' || s[3] < '1' || s[3] > '9')
            return -EINVAL;
        char *end;
        long n = strtol(s + 3, &end, 10);
        if (*end || n < 1 || n > 200)
            return -EINVAL;
        spec->kind = REPORT_PERIOD_HALF;
        spec->n = (int)n;
        return 0;
    }
    if (s[0] >= '1' && s[0] <= '9') {
        char *end;
        long n = strtol(s, &end, 10);
        if (strcmp(end, "y") != 0 || n < 1 || n > 99)
            return -EINVAL;
        spec->kind = REPORT_PERIOD_YEARS;
        spec->n = (int)n;
        return 0;
    }
    return -EINVAL;
}

int report_parse_cutoff(const char *s, int *ret_day, int *ret_month)
{
    if (strlen(s) != 5 || s[2] != '/')
        return -EINVAL;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -EINVAL;
    int d = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    /* 2000 is a leap year: 29/02 is a real cut-off (clamped in other years). */
    if (m < 1 || m > 12 || d < 1 || d > civil_days_in_month(2000, m))
        return -EINVAL;
    *ret_day = d;
    *ret_month = m;
    return 0;
}

/* Cut-off boundaries: DD/MM and six months on, in every year, clamped. */
static int32_t boundary(int year, int month, int day)
{
    int dim = civil_days_in_month(year, month);
    return civil_from_ymd(year, month, day < dim ? day : dim);
}

/* The first boundary on or after day. */
static int32_t boundary_at_or_after(const struct report_period_spec *s, int32_t day)
{
    int y, m, d;
    civil_to_ymd(day, &y, &m, &d);
    int32_t best = INT32_MAX;
    int m2 = (s->cutoff_month + 5) % 12 + 1; /* six months on */
    for (int yy = y - 1; yy <= y + 1; yy++) {
        int32_t b1 = boundary(yy, s->cutoff_month, s->cutoff_day);
        int32_t b2 = boundary(yy, m2, s->cutoff_day);
        if (b1 >= day && b1 < best)
            best = b1;
        if (b2 >= day && b2 < best)
            best = b2;
    }
    return best;
}

/* The last boundary strictly before day. */
static int32_t boundary_before(const struct report_period_spec *s, int32_t day)
{
    int y, m, d;
    civil_to_ymd(day, &y, &m, &d);
    int32_t best = INT32_MIN;
    int m2 = (s->cutoff_month + 5) % 12 + 1;
    for (int yy = y - 1; yy <= y + 1; yy++) {
        int32_t b1 = boundary(yy, s->cutoff_month, s->cutoff_day);
        int32_t b2 = boundary(yy, m2, s->cutoff_day);
        if (b1 < day && b1 > best)
            best = b1;
        if (b2 < day && b2 > best)
            best = b2;
    }
    return best;
}

/* Half-year k (1-based) of the campaign: *ret_from..*ret_to, and whether it is the
 * last (its nominal end reaches the campaign's end). -ERANGE when the campaign has
 * fewer half-years. */
static int half_year(const struct report_period_spec *s, int32_t start, int32_t until, int k,
                     int32_t *ret_from, int32_t *ret_to, bool *ret_last)
{
    int32_t from = start;
    int32_t prev_end = start - 1;
    for (int i = 1; i <= k; i++) {
        if (prev_end >= until)
            return -ERANGE;
        from = prev_end + 1;
        int32_t nominal = add_months(start, 6 * i) - 1;
        int32_t end;
        if (!s->has_cutoff) {
            end = nominal;
        } else if (i == 1) {
            int32_t after = boundary_at_or_after(s, nominal);
            int32_t before = boundary_before(s, nominal);
            /* nearest, the later on a tie, never before the start */
            end = (before >= start && nominal - before < after - nominal) ? before : after;
        } else {
            end = boundary_at_or_after(s, prev_end + 1);
        }
        bool last = nominal >= until || end >= until;
        if (last)
            end = until;
        if (i == k) {
            *ret_from = from;
            *ret_to = end;
            *ret_last = last;
            return 0;
        }
        prev_end = end;
    }
    return -ERANGE;
}

int report_period_resolve(const struct report_period_spec *spec, int32_t campaign_from,
                          int32_t campaign_until, int32_t today, struct report_period *ret,
                          struct loa_diag *reterr)
{
    struct report_period p = {
        .kind = spec->kind,
        .n = spec->n,
        .has_cutoff = spec->has_cutoff,
        .cutoff_day = spec->cutoff_day,
        .cutoff_month = spec->cutoff_month,
    };
    char a[16], b[16];
    if (spec->kind == REPORT_PERIOD_RANGE) {
        if (spec->from_day > spec->to_day)
            return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                                "--from %s is after --to %s",
                                civil_format_date(spec->from_day, a, sizeof a),
                                civil_format_date(spec->to_day, b, sizeof b));
        p.from_day = spec->from_day;
        p.to_day = spec->to_day;
        *ret = p;
        return 0;
    }
    if (campaign_from > campaign_until)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                            "the campaign's window is backwards");
    bool last = false;
    int e = 0;
    switch (spec->kind) {
    case REPORT_PERIOD_ALL:
        p.from_day = campaign_from;
        p.to_day = campaign_until;
        p.final = true;
        break;
    case REPORT_PERIOD_HALF:
        if (spec->n > 0) {
            e = half_year(spec, campaign_from, campaign_until, spec->n, &p.from_day, &p.to_day,
                          &last);
            if (e < 0)
                return loa_diag_set(reterr, -ERANGE, LOA_SEV_ERROR, NULL, 0,
                                    "the campaign (%s to %s) has fewer than %d half-years",
                                    civil_format_date_vn(campaign_from, a, sizeof a),
                                    civil_format_date_vn(campaign_until, b, sizeof b), spec->n);
            break;
        }
        /* The latest half-year that ended before today. */
        for (int k = 1;; k++) {
            int32_t f, t;
            bool l;
            if (half_year(spec, campaign_from, campaign_until, k, &f, &t, &l) < 0 || t >= today)
                break;
            p.n = k;
            p.from_day = f;
            p.to_day = t;
            last = l;
            if (l)
                break;
        }
        if (p.n == 0) {
            int32_t f, t;
            bool l;
            half_year(spec, campaign_from, campaign_until, 1, &f, &t, &l);
            return loa_diag_set(reterr, -ENODATA, LOA_SEV_ERROR, NULL, 0,
                                "no half-year of the campaign has ended yet (the first ends "
                                "%s); name one with --period 6m:N",
                                civil_format_date_vn(t, a, sizeof a));
        }
        break;
    case REPORT_PERIOD_YEARS: {
        int32_t f;
        /* Half-year 2N, or the campaign's last one when it is shorter. */
        e = -ERANGE;
        for (int k = 2 * spec->n; k >= 1 && e < 0; k--)
            e = half_year(spec, campaign_from, campaign_until, k, &f, &p.to_day, &last);
        if (e < 0)
            return loa_diag_set(reterr, -ERANGE, LOA_SEV_ERROR, NULL, 0, "empty campaign");
        p.from_day = campaign_from;
        break;
    }
    case REPORT_PERIOD_RANGE:
        break;
    }
    p.final = p.to_day == campaign_until && (last || spec->kind == REPORT_PERIOD_ALL);
    *ret = p;
    return 0;
}
