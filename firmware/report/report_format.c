/* Figures, dates and headings as people read them (report_format.h). */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "civil.h"
#include "ledger.h"
#include "report_format.h"
#include "report_strings.h"

char *report_fmt_count(int64_t v, enum report_lang lang, char *buf, size_t size)
{
    char digits[32];
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
    char out[48];
    size_t n = strlen(digits), o = 0;
    if (neg)
        out[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = lang == REPORT_LANG_VI ? '.' : ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(buf, size, "%s", out);
    return buf;
}

int64_t report_completion_tenths(const struct report_figures *f)
{
    int64_t planned = report_planned(f);
    if (planned <= 0)
        return -1;
    return (f->completed * 2000 + planned) / (2 * planned);
}

char *report_fmt_completion(const struct report_figures *f, enum report_lang lang, char *buf,
                            size_t size)
{
    int64_t t = report_completion_tenths(f);
    if (t < 0)
        snprintf(buf, size, "—");
    else
        snprintf(buf, size, "%lld%c%lld", (long long)(t / 10), lang == REPORT_LANG_VI ? ',' : '.',
                 (long long)(t % 10));
    return buf;
}

char *report_fmt_duration(int64_t ms, char *buf, size_t size)
{
    int64_t s = (ms + 500) / 1000;
    snprintf(buf, size, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
             (long long)(s % 60));
    return buf;
}

char *report_fmt_title(const struct report *r, enum report_lang lang, char *buf, size_t size)
{
    switch (r->period.kind) {
    case REPORT_PERIOD_HALF:
        snprintf(buf, size, "%s", report_str(lang, RS_TITLE_HALF));
        break;
    case REPORT_PERIOD_YEARS:
        snprintf(buf, size,
                 report_str(lang, r->period.final ? RS_TITLE_YEARS_FINAL : RS_TITLE_YEARS),
                 r->period.n);
        break;
    case REPORT_PERIOD_ALL:
        snprintf(buf, size, "%s", report_str(lang, RS_TITLE_ALL));
        break;
    case REPORT_PERIOD_RANGE:
    default:
        snprintf(buf, size, "%s", report_str(lang, RS_TITLE_RANGE));
        break;
    }
    return buf;
}

char *report_fmt_period(const struct report *r, enum report_lang lang, char *buf, size_t size)
{
    char a[16], b[16], what[128] = "", range[160], cut[96] = "";
    civil_format_date_vn(r->period.from_day, a, sizeof a);
    civil_format_date_vn(r->period.to_day, b, sizeof b);
    snprintf(range, sizeof range, report_str(lang, RS_FROM_TO), a, b);
    switch (r->period.kind) {
    case REPORT_PERIOD_HALF:
        snprintf(what, sizeof what, report_str(lang, RS_PERIOD_HALF), r->period.n);
        break;
    case REPORT_PERIOD_YEARS:
        snprintf(what, sizeof what, report_str(lang, RS_PERIOD_YEARS), r->period.n);
        break;
    case REPORT_PERIOD_ALL:
        snprintf(what, sizeof what, "%s", report_str(lang, RS_PERIOD_ALL));
        break;
    case REPORT_PERIOD_RANGE:
        break;
    }
    if (r->period.has_cutoff) {
        char dm[8];
        snprintf(dm, sizeof dm, "%02d/%02d", r->period.cutoff_day, r->period.cutoff_month);
        char c[80];
        snprintf(c, sizeof c, report_str(lang, RS_CUTOFF), dm);
        snprintf(cut, sizeof cut, " (%s)", c);
    }
    snprintf(buf, size, "%s: %s%s%s%s", report_str(lang, RS_PERIOD), what, what[0] ? ", " : "",
             range, cut);
    return buf;
}

/* The name without its unit word: "Phường Văn Quán" -> "Văn Quán". */
static const char *short_name(const char *name)
{
    static const char *const prefixes[] = {"Phường ", "Xã ",     "Thị trấn ",  "Đặc khu ", "Quận ",
                                           "Huyện ",  "Thị xã ", "Thành phố ", "Tỉnh "};
    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(name, prefixes[i], n) == 0 && name[n])
            return name + n;
    }
    return name;
}

static void unit_line(const char *name, enum report_lang lang, char *buf, size_t size)
{
    if (!name || !*name) {
        snprintf(buf, size, "%s", "");
        return;
    }
    char *up = g_utf8_strup(name, -1);
    snprintf(buf, size, report_str(lang, RS_UBND), up);
    g_free(up);
}

void report_issuing_body(const struct report *r, enum report_lang lang, char *parent,
                         size_t parent_size, char *issuer, size_t issuer_size, char *place,
                         size_t place_size)
{
    const char *p = "", *i = "", *pl = "";
    if (r->n_units == 1) {
        const struct report_unit *u = &r->units[0];
        p = u->district_name[0] ? u->district_name : u->province_name;
        i = u->commune_name;
        pl = short_name(u->commune_name);
    } else if (r->n_units > 1) {
        const struct report_unit *u0 = &r->units[0];
        bool same_province = true, same_district = u0->district_code[0] != '\0';
        for (size_t k = 1; k < r->n_units; k++) {
            const struct report_unit *u = &r->units[k];
            if (strcmp(u->province_code, u0->province_code) != 0)
                same_province = false;
            if (strcmp(u->district_code, u0->district_code) != 0)
                same_district = false;
        }
        if (same_province && same_district) {
            p = u0->province_name;
            i = u0->district_name;
            pl = short_name(u0->district_name);
        } else if (same_province && u0->province_name[0]) {
            i = u0->province_name;
            pl = short_name(u0->province_name);
        }
    }
    unit_line(p, lang, parent, parent_size);
    unit_line(i, lang, issuer, issuer_size);
    snprintf(place, place_size, "%s", pl);
}

char *report_fmt_place_date(const char *place, int32_t day, enum report_lang lang, char *buf,
                            size_t size)
{
    static const char *const months_en[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
    int y, m, d;
    civil_to_ymd(day, &y, &m, &d);
    const char *sep = place && *place ? ", " : "";
    if (!place)
        place = "";
    if (lang == REPORT_LANG_EN) {
        snprintf(buf, size, "%s%s%d %s %d", place, sep, d, months_en[m - 1], y);
        return buf;
    }
    char dd[8], mm[8];
    snprintf(dd, sizeof dd, d < 10 ? "0%d" : "%d", d);
    snprintf(mm, sizeof mm, m < 3 ? "0%d" : "%d", m);
    snprintf(buf, size, "%s%s%s %s tháng %s năm %d", place, sep, *place ? "ngày" : "Ngày", dd, mm,
             y);
    return buf;
}

char *report_fmt_bucket(const struct report *r, size_t i, char *buf, size_t size)
{
    int y, m, d;
    civil_to_ymd(r->chart[i].day, &y, &m, &d);
    if (r->chart_step == REPORT_CHART_MONTH)
        snprintf(buf, size, "%02d/%04d", m, y);
    else
        snprintf(buf, size, "%02d/%02d", d, m);
    return buf;
}

const char *report_fmt_by_heading(const struct report *r, enum report_lang lang)
{
    return report_by_heading(lang, r->by);
}

const char *report_row_label(const struct report *r, const struct report_row *row,
                             enum report_lang lang, char *buf, size_t size)
{
    char a[16], b[16];
    int y, m, d;
    switch (r->by) {
    case REPORT_BY_DAY:
        civil_format_date_vn(row->from_day, buf, size);
        return buf;
    case REPORT_BY_WEEK:
        civil_to_ymd(row->from_day, &y, &m, &d);
        snprintf(a, sizeof a, "%02d/%02d", d, m);
        civil_format_date_vn(row->to_day, b, sizeof b);
        snprintf(buf, size, report_str(lang, RS_WEEK_LABEL), a, b);
        return buf;
    case REPORT_BY_MONTH:
        civil_to_ymd(row->from_day, &y, &m, &d);
        snprintf(a, sizeof a, "%02d/%04d", m, y);
        snprintf(buf, size, report_str(lang, RS_MONTH_LABEL), a);
        return buf;
    case REPORT_BY_CATEGORY:
        if (!row->key[0])
            return report_str(lang, RS_NO_CATEGORY);
        return row->label;
    case REPORT_BY_SESSION:
        if (!row->key[0])
            return report_str(lang, RS_NO_SESSION);
        return row->label;
    case REPORT_BY_ITEM:
    case REPORT_BY_COMMUNE:
    default:
        return row->label && row->label[0] ? row->label : row->key;
    }
}

const char *report_outside_label(enum report_outside o, enum report_lang lang)
{
    switch (o) {
    case REPORT_OUTSIDE_CHIME:
        return report_str(lang, RS_OUTSIDE_CHIME);
    case REPORT_OUTSIDE_PLAY_NOW:
        return report_str(lang, RS_OUTSIDE_PLAY_NOW);
    case REPORT_OUTSIDE_TEST:
    default:
        return report_str(lang, RS_OUTSIDE_TEST);
    }
}
