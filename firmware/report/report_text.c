/* The plain-text report, for a terminal (report.h). Columns are aligned by display
 * width, so Vietnamese titles line up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "civil.h"
#include "report_format.h"
#include "report_strings.h"

#define N_COLS 13
#define LABEL_MAX 44 /* display columns; longer labels are cut with an ellipsis */

/* Display width of UTF-8 text (combining marks take none, wide characters two). */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_iszerowidth(c))
            continue;
        w += g_unichar_iswide(c) ? 2 : 1;
    }
    return w;
}

/* s cut to at most max display columns, with "…" when cut. */
static char *cut(const char *s, size_t max)
{
    if (width_of(s) <= max)
        return g_strdup(s);
    GString *g = g_string_new(NULL);
    size_t w = 0;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        size_t cw = g_unichar_iszerowidth(c) ? 0 : (g_unichar_iswide(c) ? 2 : 1);
        if (w + cw > max - 1)
            break;
        g_string_append_unichar(g, c);
        w += cw;
    }
    g_string_append(g, "…");
    return g_string_free(g, FALSE);
}

static void pad(GString *out, const char *s, size_t width, bool right)
{
    size_t w = width_of(s);
    if (right)
        for (size_t i = w; i < width; i++)
            g_string_append_c(out, ' ');
    g_string_append(out, s);
    if (!right)
        for (size_t i = w; i < width; i++)
            g_string_append_c(out, ' ');
}

struct line {
    char c[N_COLS][48];
    char *label;
};

/* The cells of one table line: no, label, then the figures. */
static void cells_of(const struct report_figures *f, enum report_lang lang, struct line *l)
{
    char(*c)[48] = l->c;
    report_fmt_count(report_planned(f), lang, c[2], 48);
    report_fmt_count(report_aired(f), lang, c[3], 48);
    report_fmt_count(f->completed, lang, c[4], 48);
    report_fmt_count(f->interrupted, lang, c[5], 48);
    report_fmt_count(f->failed, lang, c[6], 48);
    report_fmt_count(f->missed, lang, c[7], 48);
    report_fmt_count(f->dropped, lang, c[8], 48);
    report_fmt_duration(f->airtime_ms, c[9], 48);
    report_fmt_completion(f, lang, c[10], 48);
    report_fmt_count(f->notice_times, lang, c[11], 48);
    report_fmt_count(f->notice_seconds, lang, c[12], 48);
}

static void source_lines(const struct report *r, enum report_lang lang, GString *out)
{
    g_string_append_printf(out, "%s:\n", report_str(lang, RS_SOURCES));
    for (size_t i = 0; i < r->n_sources; i++) {
        const struct report_source *s = &r->sources[i];
        g_string_append_printf(out, "  %zu. %s", i + 1, s->path);
        if (s->device_id[0])
            g_string_append_printf(out, " — %s", s->device_id);
        if (s->status != REPORT_SOURCE_SKIPPED && s->used_from <= s->used_to) {
            g_string_append(out, ", ");
            g_string_append_printf(out, report_str(lang, RS_SOURCE_RECORDS),
                                   (long long)s->used_from, (long long)s->used_to);
        }
        enum report_str st =
            s->status == REPORT_SOURCE_SKIPPED
                ? RS_SOURCE_SKIPPED
                : (s->status == REPORT_SOURCE_PARTIAL ? RS_SOURCE_PARTIAL : RS_SOURCE_OK);
        g_string_append_printf(out, ", %s", report_str(lang, st));
        if (s->message[0])
            g_string_append_printf(out, " (%s)", s->message);
        g_string_append_c(out, '\n');
    }
}

int report_write_text(const struct report *r, enum report_lang lang, FILE *f)
{
    GString *out = g_string_new(NULL);
    char buf[1024], parent[512], issuer[512], place[256];
    report_issuing_body(r, lang, parent, sizeof parent, issuer, sizeof issuer, place, sizeof place);
    if (parent[0])
        g_string_append_printf(out, "%s\n", parent);
    if (issuer[0])
        g_string_append_printf(out, "%s\n", issuer);
    g_string_append_printf(out, "%s\n\n",
                           report_fmt_place_date(place, r->issued_day, lang, buf, sizeof buf));
    g_string_append_printf(out, "%s\n", report_fmt_title(r, lang, buf, sizeof buf));
    g_string_append_printf(out, "%s\n", report_str(lang, RS_SUBTITLE));
    if (r->campaign_id)
        g_string_append_printf(out, "%s%s%s(%s)\n", report_str(lang, RS_CAMPAIGN),
                               r->campaign_reference ? r->campaign_reference : "",
                               r->campaign_reference && r->campaign_reference[0] ? " " : "",
                               r->campaign_id);
    g_string_append_printf(out, "%s\n", report_fmt_period(r, lang, buf, sizeof buf));
    g_string_append_printf(out, "%s:", report_str(lang, RS_UNITS));
    for (size_t i = 0; i < r->n_units; i++)
        g_string_append_printf(out, "%s %s", i ? ";" : "", r->units[i].commune_name);
    g_string_append_c(out, '\n');
    source_lines(r, lang, out);
    g_string_append_printf(out, "%s: %s\n\n", report_str(lang, RS_BY),
                           report_fmt_by_heading(r, lang));

    /* Table: header, rows, total, outside rows. */
    size_t n_lines = r->n_rows + 1 + REPORT_N_OUTSIDE;
    struct line *ls = g_new0(struct line, n_lines);
    for (size_t i = 0; i < r->n_rows; i++) {
        snprintf(ls[i].c[0], 48, "%zu", i + 1);
        char lb[512];
        ls[i].label = cut(report_row_label(r, &r->rows[i], lang, lb, sizeof lb), LABEL_MAX);
        cells_of(&r->rows[i].f, lang, &ls[i]);
    }
    ls[r->n_rows].label = g_strdup(report_str(lang, RS_TOTAL));
    cells_of(&r->totals, lang, &ls[r->n_rows]);
    for (int o = 0; o < REPORT_N_OUTSIDE; o++) {
        struct line *l = &ls[r->n_rows + 1 + (size_t)o];
        l->label = g_strdup(report_outside_label((enum report_outside)o, lang));
        cells_of(&r->outside[o].f, lang, l);
    }
    const char *heads[N_COLS] = {
        report_str(lang, RS_COL_NO),
        report_fmt_by_heading(r, lang),
        report_str(lang, RS_COL_PLANNED),
        report_str(lang, RS_COL_AIRED),
        report_str(lang, RS_COL_COMPLETED),
        report_str(lang, RS_COL_INTERRUPTED),
        report_str(lang, RS_COL_FAILED),
        report_str(lang, RS_COL_MISSED),
        report_str(lang, RS_COL_DROPPED),
        report_str(lang, RS_COL_AIRTIME),
        report_str(lang, RS_COL_COMPLETION),
        report_str(lang, RS_COL_NOTICE_TIMES),
        report_str(lang, RS_COL_NOTICE_SECONDS),
    };
    size_t w[N_COLS];
    for (int c = 0; c < N_COLS; c++)
        w[c] = width_of(heads[c]);
    for (size_t i = 0; i < n_lines; i++) {
        for (int c = 0; c < N_COLS; c++) {
            size_t cw = width_of(c == 1 ? ls[i].label : ls[i].c[c]);
            if (cw > w[c])
                w[c] = cw;
        }
    }
    for (int c = 0; c < N_COLS; c++) {
        pad(out, heads[c], w[c], c > 1);
        g_string_append(out, c + 1 < N_COLS ? "  " : "\n");
    }
    for (size_t i = 0; i < n_lines; i++) {
        if (i == r->n_rows || i == r->n_rows + 1) {
            if (i == r->n_rows + 1)
                g_string_append_printf(out, "%s:\n", report_str(lang, RS_OUTSIDE));
        }
        for (int c = 0; c < N_COLS; c++) {
            pad(out, c == 1 ? ls[i].label : ls[i].c[c], w[c], c != 1);
            g_string_append(out, c + 1 < N_COLS ? "  " : "\n");
        }
    }
    if (r->n_rows == 0)
        g_string_append_printf(out, "%s\n", report_str(lang, RS_NO_ROWS));
    g_string_append_printf(out, "\n%s: %s\n", report_str(lang, RS_NOTES),
                           report_str(lang, RS_NOTE_FIGURES));
    for (size_t i = 0; i < n_lines; i++)
        g_free(ls[i].label);
    g_free(ls);
    size_t n = fwrite(out->str, 1, out->len, f);
    bool ok = n == out->len;
    g_string_free(out, TRUE);
    return ok ? 0 : -EIO;
}
