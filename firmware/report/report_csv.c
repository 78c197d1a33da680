/* The CSV report (report.h, docs/report.md "CSV"): UTF-8 with a BOM (so Excel reads
 * it as UTF-8), LF line ends, RFC 4180 quoting, dates dd/mm/yyyy. The header is in
 * the report's language; the column order and the row_type codes are fixed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "civil.h"
#include "report_format.h"
#include "report_strings.h"

static void field(GString *out, const char *s, bool last)
{
    if (strpbrk(s, ",\"\n\r")) {
        g_string_append_c(out, '"');
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                g_string_append_c(out, '"');
            g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
    } else {
        g_string_append(out, s);
    }
    g_string_append_c(out, last ? '\n' : ',');
}

static void number(GString *out, int64_t v)
{
    g_string_append_printf(out, "%lld,", (long long)v);
}

static void row(GString *out, const char *type, const struct report_row *rw, const char *label,
                const struct report_figures *f, enum report_lang lang)
{
    char a[16], b[16], buf[64];
    field(out, type, false);
    field(out, civil_format_date_vn(rw->from_day, a, sizeof a), false);
    field(out, civil_format_date_vn(rw->to_day, b, sizeof b), false);
    field(out, rw->key, false);
    field(out, label, false);
    number(out, report_planned(f));
    number(out, report_aired(f));
    number(out, f->completed);
    number(out, f->interrupted);
    number(out, f->failed);
    number(out, f->missed);
    number(out, f->dropped);
    number(out, f->airtime_ms);
    field(out, report_fmt_duration(f->airtime_ms, buf, sizeof buf), false);
    field(out, report_fmt_completion(f, lang, buf, sizeof buf), false);
    number(out, f->notice_times);
    g_string_append_printf(out, "%lld\n", (long long)f->notice_seconds);
}

int report_write_csv(const struct report *r, enum report_lang lang, FILE *f)
{
    GString *out = g_string_new("\xEF\xBB\xBF");
    const enum report_str heads[] = {
        RS_COL_ROW_TYPE,       RS_COL_FROM,    RS_COL_TO,         RS_COL_KEY,
        RS_COUNT /* by */,     RS_COL_PLANNED, RS_COL_AIRED,      RS_COL_COMPLETED,
        RS_COL_INTERRUPTED,    RS_COL_FAILED,  RS_COL_MISSED,     RS_COL_DROPPED,
        RS_COL_AIRTIME_MS,     RS_COL_AIRTIME, RS_COL_COMPLETION, RS_COL_NOTICE_TIMES,
        RS_COL_NOTICE_SECONDS,
    };
    size_t n_heads = sizeof heads / sizeof heads[0];
    for (size_t i = 0; i < n_heads; i++)
        field(out,
              heads[i] == RS_COUNT ? report_fmt_by_heading(r, lang) : report_str(lang, heads[i]),
              i + 1 == n_heads);
    char lb[512];
    for (size_t i = 0; i < r->n_rows; i++)
        row(out, "row", &r->rows[i], report_row_label(r, &r->rows[i], lang, lb, sizeof lb),
            &r->rows[i].f, lang);
    struct report_row total = {
        .key = "total", .from_day = r->period.from_day, .to_day = r->period.to_day};
    row(out, "total", &total, report_str(lang, RS_TOTAL), &r->totals, lang);
    for (int o = 0; o < REPORT_N_OUTSIDE; o++)
        row(out, "outside", &r->outside[o], report_outside_label((enum report_outside)o, lang),
            &r->outside[o].f, lang);
    /* Sources, so a skipped or partial one is named in the file itself: the figures
     * columns are empty, the label says what happened. */
    for (size_t i = 0; i < r->n_sources; i++) {
        const struct report_source *s = &r->sources[i];
        enum report_str st =
            s->status == REPORT_SOURCE_SKIPPED
                ? RS_SOURCE_SKIPPED
                : (s->status == REPORT_SOURCE_PARTIAL ? RS_SOURCE_PARTIAL : RS_SOURCE_OK);
        char a[16], b[16];
        field(out, s->status == REPORT_SOURCE_SKIPPED ? "source-skipped" : "source", false);
        field(out, civil_format_date_vn(r->period.from_day, a, sizeof a), false);
        field(out, civil_format_date_vn(r->period.to_day, b, sizeof b), false);
        field(out, s->path, false);
        char *label = g_strdup_printf("%s%s%s%s%s", s->device_id, s->device_id[0] ? ": " : "",
                                      report_str(lang, st), s->message[0] ? ": " : "", s->message);
        field(out, label, false);
        g_free(label);
        for (size_t k = 5; k < n_heads; k++)
            g_string_append(out, k + 1 < n_heads ? "," : "\n");
    }
    size_t n = fwrite(out->str, 1, out->len, f);
    bool ok = n == out->len;
    g_string_free(out, TRUE);
    return ok ? 0 : -EIO;
}
