/* The JSON report (report.h, docs/report.md "JSON"): dates YYYY-MM-DD, the keys SPEC.md
 * names ({"from","to","sources","by","rows","totals"}) plus documented extras, keys in
 * a fixed order, one line per row so diffs stay readable. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "civil.h"
#include "ledger.h"
#include "report_format.h"
#include "report_strings.h"

static void jstr(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (*p < 0x20)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
}

static void jdate(GString *out, int32_t day)
{
    char b[16];
    if (day == LEDGER_NO_DAY) {
        g_string_append(out, "null");
        return;
    }
    jstr(out, civil_format_date(day, b, sizeof b));
}

static void figures(GString *out, const struct report_figures *f)
{
    g_string_append_printf(out,
                           "\"planned\":%lld,\"aired\":%lld,\"completed\":%lld,"
                           "\"interrupted\":%lld,\"failed\":%lld,\"missed\":%lld,"
                           "\"dropped\":%lld,\"airtime_ms\":%lld,",
                           (long long)report_planned(f), (long long)report_aired(f),
                           (long long)f->completed, (long long)f->interrupted, (long long)f->failed,
                           (long long)f->missed, (long long)f->dropped, (long long)f->airtime_ms);
    int64_t t = report_completion_tenths(f);
    if (t < 0)
        g_string_append(out, "\"completion_pct\":null,");
    else
        g_string_append_printf(out, "\"completion_pct\":%lld.%lld,", (long long)(t / 10),
                               (long long)(t % 10));
    g_string_append_printf(out, "\"notices_shown\":{\"times\":%lld,\"seconds\":%lld}",
                           (long long)f->notice_times, (long long)f->notice_seconds);
}

static void row(GString *out, const struct report_row *rw, const char *label)
{
    g_string_append(out, "{\"key\":");
    jstr(out, rw->key);
    g_string_append(out, ",\"label\":");
    jstr(out, label);
    g_string_append(out, ",\"from\":");
    jdate(out, rw->from_day);
    g_string_append(out, ",\"to\":");
    jdate(out, rw->to_day);
    g_string_append_c(out, ',');
    figures(out, &rw->f);
    g_string_append_c(out, '}');
}

static const char *period_kind(enum report_period_kind k)
{
    switch (k) {
    case REPORT_PERIOD_HALF:
        return "6m";
    case REPORT_PERIOD_YEARS:
        return "years";
    case REPORT_PERIOD_ALL:
        return "all";
    case REPORT_PERIOD_RANGE:
    default:
        return "range";
    }
}

static void unit(GString *out, const char *code, const char *name)
{
    if (!code[0] && !name[0]) {
        g_string_append(out, "null");
        return;
    }
    g_string_append(out, "{\"code\":");
    jstr(out, code);
    g_string_append(out, ",\"name\":");
    jstr(out, name);
    g_string_append_c(out, '}');
}

int report_write_json(const struct report *r, enum report_lang lang, FILE *f)
{
    GString *out = g_string_new("{\"from\":");
    char buf[1024];
    jdate(out, r->period.from_day);
    g_string_append(out, ",\"to\":");
    jdate(out, r->period.to_day);
    g_string_append(out, ",\n\"period\":{\"kind\":");
    jstr(out, period_kind(r->period.kind));
    g_string_append_printf(out, ",\"n\":%d,\"cutoff\":", r->period.n);
    if (r->period.has_cutoff) {
        snprintf(buf, sizeof buf, "%02d/%02d", r->period.cutoff_day, r->period.cutoff_month);
        jstr(out, buf);
    } else {
        g_string_append(out, "null");
    }
    g_string_append_printf(out, ",\"final\":%s,\"title\":", r->period.final ? "true" : "false");
    jstr(out, report_fmt_title(r, lang, buf, sizeof buf));
    g_string_append(out, "},\n\"campaign\":");
    if (r->campaign_id) {
        g_string_append(out, "{\"id\":");
        jstr(out, r->campaign_id);
        g_string_append(out, ",\"reference\":");
        jstr(out, r->campaign_reference ? r->campaign_reference : "");
        g_string_append(out, ",\"from\":");
        jdate(out, r->campaign_from);
        g_string_append(out, ",\"until\":");
        jdate(out, r->campaign_until);
        g_string_append_c(out, '}');
    } else {
        g_string_append(out, "null");
    }
    g_string_append(out, ",\n\"issued\":");
    jdate(out, r->issued_day);
    g_string_append(out, ",\n\"sources\":[");
    for (size_t i = 0; i < r->n_sources; i++) {
        const struct report_source *s = &r->sources[i];
        g_string_append(out, i ? ",\n  {\"path\":" : "\n  {\"path\":");
        jstr(out, s->path);
        g_string_append(out, ",\"type\":");
        jstr(out, s->status == REPORT_SOURCE_SKIPPED && !s->device_id[0]
                      ? "unknown"
                      : (s->type == LEDGER_SOURCE_EXPORT ? "export" : "database"));
        g_string_append(out, ",\"device\":");
        jstr(out, s->device_id);
        g_string_append(out, ",\"status\":");
        jstr(out, s->status == REPORT_SOURCE_SKIPPED
                      ? "skipped"
                      : (s->status == REPORT_SOURCE_PARTIAL ? "partial" : "ok"));
        bool used = s->status != REPORT_SOURCE_SKIPPED && s->used_from <= s->used_to;
        g_string_append_printf(out, ",\"first_seq\":%lld,\"last_seq\":%lld,\"used\":",
                               (long long)s->first_seq, (long long)s->last_seq);
        if (used)
            g_string_append_printf(out, "[%lld,%lld]", (long long)s->used_from,
                                   (long long)s->used_to);
        else
            g_string_append(out, "null");
        g_string_append_printf(out, ",\"cached\":%s,\"message\":", s->cached ? "true" : "false");
        jstr(out, s->message);
        g_string_append_c(out, '}');
    }
    g_string_append(out, "],\n\"units\":[");
    for (size_t i = 0; i < r->n_units; i++) {
        const struct report_unit *u = &r->units[i];
        g_string_append(out, i ? ",\n  {\"unit_codes\":" : "\n  {\"unit_codes\":");
        jstr(out, u->unit_codes);
        g_string_append(out, ",\"province\":");
        unit(out, u->province_code, u->province_name);
        g_string_append(out, ",\"district\":");
        unit(out, u->district_code, u->district_name);
        g_string_append(out, ",\"commune\":");
        unit(out, u->commune_code, u->commune_name);
        g_string_append_c(out, '}');
    }
    g_string_append(out, "],\n\"by\":");
    jstr(out, report_by_name(r->by));
    g_string_append(out, ",\n\"rows\":[");
    for (size_t i = 0; i < r->n_rows; i++) {
        g_string_append(out, i ? ",\n  " : "\n  ");
        row(out, &r->rows[i], report_row_label(r, &r->rows[i], lang, buf, sizeof buf));
    }
    g_string_append(out, "],\n\"totals\":{");
    figures(out, &r->totals);
    g_string_append(out, "},\n\"outside_totals\":[");
    for (int o = 0; o < REPORT_N_OUTSIDE; o++) {
        g_string_append(out, o ? ",\n  " : "\n  ");
        row(out, &r->outside[o], report_outside_label((enum report_outside)o, lang));
    }
    g_string_append(out, "],\n\"chart\":{\"step\":");
    jstr(out, r->chart_step == REPORT_CHART_DAY
                  ? "day"
                  : (r->chart_step == REPORT_CHART_WEEK ? "week" : "month"));
    g_string_append(out, ",\"buckets\":[");
    for (size_t i = 0; i < r->n_chart; i++) {
        g_string_append(out, i ? "," : "");
        g_string_append(out, "{\"from\":");
        jdate(out, r->chart[i].day);
        g_string_append_printf(out, ",\"airtime_ms\":%lld}", (long long)r->chart[i].airtime_ms);
    }
    g_string_append(out, "]}}\n");
    size_t n = fwrite(out->str, 1, out->len, f);
    bool ok = n == out->len;
    g_string_free(out, TRUE);
    return ok ? 0 : -EIO;
}
