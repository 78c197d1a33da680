/* The Excel report (report.h, docs/report.md "XLSX"), with libxlsxwriter.
 *
 * Sheet 1 ("Báo cáo"): the heading block, the period as real date cells, the sources,
 * then the table — dates are date cells shown dd/mm/yyyy, counts are numbers, airtime
 * is both a duration cell ([h]:mm:ss, so Excel can add it up) and exact milliseconds,
 * completion a fraction shown as a percentage — and a column chart of airtime across
 * the period. Sheet 2 ("Biểu đồ"): the chart's data, one row per bar.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <xlsxwriter.h>

#include "civil.h"
#include "report_format.h"
#include "report_strings.h"

enum {
    C_NO = 0,
    C_FROM,
    C_TO,
    C_KEY,
    C_LABEL,
    C_PLANNED,
    C_AIRED,
    C_COMPLETED,
    C_INTERRUPTED,
    C_FAILED,
    C_MISSED,
    C_DROPPED,
    C_AIRTIME,
    C_AIRTIME_MS,
    C_COMPLETION,
    C_NOTICE_TIMES,
    C_NOTICE_SECONDS,
    N_COLS
};

struct fmts {
    lxw_format *bold, *title, *italic, *date, *head, *cell, *num, *dur, *pct, *date_cell,
        *total_num, *total_text, *total_dur, *total_pct, *total_date, *hours;
};

static lxw_datetime dt_of(int32_t day)
{
    lxw_datetime dt = {0};
    civil_to_ymd(day, &dt.year, &dt.month, &dt.day);
    return dt;
}

static void write_date(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int32_t day, lxw_format *f)
{
    lxw_datetime dt = dt_of(day);
    worksheet_write_datetime(ws, row, col, &dt, f);
}

static void table_row(lxw_worksheet *ws, const struct fmts *F, lxw_row_t row, int no,
                      const struct report_row *rw, const char *label,
                      const struct report_figures *f, bool total)
{
    lxw_format *num = total ? F->total_num : F->num;
    lxw_format *text = total ? F->total_text : F->cell;
    if (no > 0)
        worksheet_write_number(ws, row, C_NO, no, num);
    else
        worksheet_write_blank(ws, row, C_NO, text);
    write_date(ws, row, C_FROM, rw->from_day, total ? F->total_date : F->date_cell);
    write_date(ws, row, C_TO, rw->to_day, total ? F->total_date : F->date_cell);
    worksheet_write_string(ws, row, C_KEY, rw->key, text);
    worksheet_write_string(ws, row, C_LABEL, label, text);
    worksheet_write_number(ws, row, C_PLANNED, (double)report_planned(f), num);
    worksheet_write_number(ws, row, C_AIRED, (double)report_aired(f), num);
    worksheet_write_number(ws, row, C_COMPLETED, (double)f->completed, num);
    worksheet_write_number(ws, row, C_INTERRUPTED, (double)f->interrupted, num);
    worksheet_write_number(ws, row, C_FAILED, (double)f->failed, num);
    worksheet_write_number(ws, row, C_MISSED, (double)f->missed, num);
    worksheet_write_number(ws, row, C_DROPPED, (double)f->dropped, num);
    worksheet_write_number(ws, row, C_AIRTIME, (double)f->airtime_ms / 86400000.0,
                           total ? F->total_dur : F->dur);
    worksheet_write_number(ws, row, C_AIRTIME_MS, (double)f->airtime_ms, num);
    int64_t planned = report_planned(f);
    if (planned > 0)
        worksheet_write_number(ws, row, C_COMPLETION, (double)f->completed / (double)planned,
                               total ? F->total_pct : F->pct);
    else
        worksheet_write_string(ws, row, C_COMPLETION, "—", text);
    worksheet_write_number(ws, row, C_NOTICE_TIMES, (double)f->notice_times, num);
    worksheet_write_number(ws, row, C_NOTICE_SECONDS, (double)f->notice_seconds, num);
}

static lxw_format *fmt(lxw_workbook *wb, bool bold, bool border, const char *num)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_font_name(f, "Arial");
    if (bold)
        format_set_bold(f);
    if (border)
        format_set_border(f, LXW_BORDER_THIN);
    if (num)
        format_set_num_format(f, num);
    return f;
}

static void make_formats(lxw_workbook *wb, struct fmts *F)
{
    F->bold = fmt(wb, true, false, NULL);
    F->title = fmt(wb, true, false, NULL);
    format_set_font_size(F->title, 14);
    F->italic = fmt(wb, false, false, NULL);
    format_set_italic(F->italic);
    F->date = fmt(wb, false, false, "dd/mm/yyyy");
    format_set_align(F->date, LXW_ALIGN_LEFT);
    F->head = fmt(wb, true, true, NULL);
    format_set_text_wrap(F->head);
    format_set_align(F->head, LXW_ALIGN_CENTER);
    format_set_align(F->head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(F->head, 0xDDE6F0);
    F->cell = fmt(wb, false, true, NULL);
    F->num = fmt(wb, false, true, "#,##0");
    F->dur = fmt(wb, false, true, "[h]:mm:ss");
    F->pct = fmt(wb, false, true, "0.0%");
    F->date_cell = fmt(wb, false, true, "dd/mm/yyyy");
    F->total_num = fmt(wb, true, true, "#,##0");
    F->total_text = fmt(wb, true, true, NULL);
    F->total_dur = fmt(wb, true, true, "[h]:mm:ss");
    F->total_pct = fmt(wb, true, true, "0.0%");
    F->total_date = fmt(wb, true, true, "dd/mm/yyyy");
    F->hours = fmt(wb, false, true, "0.00");
}

/* Sheet names in formulas: quoted, since Vietnamese names are not plain words. */
static void chart_sheet(const struct report *r, enum report_lang lang, lxw_workbook *wb,
                        const struct fmts *F, const char *name)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    worksheet_set_column(ws, 0, 0, 14, NULL);
    worksheet_set_column(ws, 1, 1, 18, NULL);
    worksheet_write_string(ws, 0, 0, report_str(lang, RS_COL_FROM), F->head);
    char h[128];
    snprintf(h, sizeof h, "%s (%s)", report_str(lang, RS_COL_AIRTIME), report_str(lang, RS_HOURS));
    worksheet_write_string(ws, 0, 1, h, F->head);
    for (size_t i = 0; i < r->n_chart; i++) {
        write_date(ws, (lxw_row_t)(i + 1), 0, r->chart[i].day, F->date_cell);
        worksheet_write_number(ws, (lxw_row_t)(i + 1), 1,
                               (double)r->chart[i].airtime_ms / 3600000.0, F->hours);
    }
}

int report_write_xlsx(const struct report *r, enum report_lang lang, const char *path,
                      struct loa_diag *reterr)
{
    lxw_workbook_options wo = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &wo);
    if (!wb)
        return loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, path, 0, "cannot create the workbook");
    struct fmts F;
    make_formats(wb, &F);
    char title[256], buf[1024], parent[512], issuer[512], place[256];
    report_fmt_title(r, lang, title, sizeof title);
    lxw_doc_properties props = {
        .title = title, .author = "loa", .company = "", .comments = "loa report"};
    workbook_set_properties(wb, &props);

    const char *sheet = report_str(lang, RS_SHEET_REPORT);
    const char *chart_name = report_str(lang, RS_SHEET_CHART);
    lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_set_landscape(ws);
    worksheet_set_column(ws, C_NO, C_NO, 5, NULL);
    worksheet_set_column(ws, C_FROM, C_TO, 11, NULL);
    worksheet_set_column(ws, C_KEY, C_KEY, 14, NULL);
    worksheet_set_column(ws, C_LABEL, C_LABEL, 36, NULL);
    worksheet_set_column(ws, C_PLANNED, C_NOTICE_SECONDS, 11, NULL);

    lxw_row_t row = 0;
    report_issuing_body(r, lang, parent, sizeof parent, issuer, sizeof issuer, place, sizeof place);
    worksheet_write_string(ws, 0, C_NO, parent, NULL);
    worksheet_write_string(ws, 1, C_NO, issuer, F.bold);
    worksheet_write_string(ws, 0, C_AIRED, report_str(lang, RS_NATION), F.bold);
    worksheet_write_string(ws, 1, C_AIRED, report_str(lang, RS_MOTTO), F.bold);
    worksheet_write_string(ws, 2, C_AIRED,
                           report_fmt_place_date(place, r->issued_day, lang, buf, sizeof buf),
                           F.italic);
    row = 4;
    worksheet_write_string(ws, row++, C_NO, title, F.title);
    worksheet_write_string(ws, row++, C_NO, report_str(lang, RS_SUBTITLE), F.bold);
    if (r->campaign_id) {
        char *c =
            g_strdup_printf("%s%s (%s)", report_str(lang, RS_CAMPAIGN),
                            r->campaign_reference ? r->campaign_reference : "", r->campaign_id);
        worksheet_write_string(ws, row++, C_NO, c, NULL);
        g_free(c);
    }
    /* The period: real date cells, then the words. */
    worksheet_write_string(ws, row, C_NO, report_str(lang, RS_PERIOD), F.bold);
    write_date(ws, row, C_FROM, r->period.from_day, F.date);
    write_date(ws, row, C_TO, r->period.to_day, F.date);
    worksheet_write_string(ws, row++, C_KEY, report_fmt_period(r, lang, buf, sizeof buf), NULL);
    GString *units = g_string_new(NULL);
    for (size_t i = 0; i < r->n_units; i++)
        g_string_append_printf(units, "%s%s", i ? "; " : "", r->units[i].commune_name);
    worksheet_write_string(ws, row, C_NO, report_str(lang, RS_UNITS), F.bold);
    worksheet_write_string(ws, row++, C_KEY, units->str, NULL);
    g_string_free(units, TRUE);
    worksheet_write_string(ws, row++, C_NO, report_str(lang, RS_SOURCES), F.bold);
    for (size_t i = 0; i < r->n_sources; i++) {
        const struct report_source *s = &r->sources[i];
        enum report_str st =
            s->status == REPORT_SOURCE_SKIPPED
                ? RS_SOURCE_SKIPPED
                : (s->status == REPORT_SOURCE_PARTIAL ? RS_SOURCE_PARTIAL : RS_SOURCE_OK);
        worksheet_write_number(ws, row, C_NO, (double)(i + 1), NULL);
        worksheet_write_string(ws, row, C_FROM, s->device_id, NULL);
        char *l = g_strdup_printf("%s — %s%s%s", s->path, report_str(lang, st),
                                  s->message[0] ? ": " : "", s->message);
        worksheet_write_string(ws, row++, C_KEY, l, NULL);
        g_free(l);
    }
    worksheet_write_string(ws, row, C_NO, report_str(lang, RS_BY), F.bold);
    worksheet_write_string(ws, row++, C_KEY, report_fmt_by_heading(r, lang), NULL);
    row++;

    /* The table. */
    const char *heads[N_COLS] = {
        [C_NO] = report_str(lang, RS_COL_NO),
        [C_FROM] = report_str(lang, RS_COL_FROM),
        [C_TO] = report_str(lang, RS_COL_TO),
        [C_KEY] = report_str(lang, RS_COL_KEY),
        [C_LABEL] = report_fmt_by_heading(r, lang),
        [C_PLANNED] = report_str(lang, RS_COL_PLANNED),
        [C_AIRED] = report_str(lang, RS_COL_AIRED),
        [C_COMPLETED] = report_str(lang, RS_COL_COMPLETED),
        [C_INTERRUPTED] = report_str(lang, RS_COL_INTERRUPTED),
        [C_FAILED] = report_str(lang, RS_COL_FAILED),
        [C_MISSED] = report_str(lang, RS_COL_MISSED),
        [C_DROPPED] = report_str(lang, RS_COL_DROPPED),
        [C_AIRTIME] = report_str(lang, RS_COL_AIRTIME),
        [C_AIRTIME_MS] = report_str(lang, RS_COL_AIRTIME_MS),
        [C_COMPLETION] = report_str(lang, RS_COL_COMPLETION),
        [C_NOTICE_TIMES] = report_str(lang, RS_COL_NOTICE_TIMES),
        [C_NOTICE_SECONDS] = report_str(lang, RS_COL_NOTICE_SECONDS),
    };
    worksheet_set_row(ws, row, 32, NULL);
    for (int c = 0; c < N_COLS; c++)
        worksheet_write_string(ws, row, (lxw_col_t)c, heads[c], F.head);
    lxw_row_t head_row = row++;
    worksheet_freeze_panes(ws, head_row + 1, 0);
    for (size_t i = 0; i < r->n_rows; i++)
        table_row(ws, &F, row++, (int)(i + 1), &r->rows[i],
                  report_row_label(r, &r->rows[i], lang, buf, sizeof buf), &r->rows[i].f, false);
    struct report_row total = {
        .key = "total", .from_day = r->period.from_day, .to_day = r->period.to_day};
    table_row(ws, &F, row++, 0, &total, report_str(lang, RS_TOTAL), &r->totals, true);
    row++;
    worksheet_write_string(ws, row++, C_NO, report_str(lang, RS_OUTSIDE), F.bold);
    for (int o = 0; o < REPORT_N_OUTSIDE; o++)
        table_row(ws, &F, row++, 0, &r->outside[o],
                  report_outside_label((enum report_outside)o, lang), &r->outside[o].f, false);
    row++;
    char *notes =
        g_strdup_printf("%s: %s", report_str(lang, RS_NOTES), report_str(lang, RS_NOTE_FIGURES));
    worksheet_write_string(ws, row++, C_NO, notes, F.italic);
    g_free(notes);
    row++;

    /* The chart, from sheet 2. */
    chart_sheet(r, lang, wb, &F, chart_name);
    if (r->n_chart > 0) {
        lxw_chart *chart = workbook_add_chart(wb, LXW_CHART_COLUMN);
        lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
        chart_series_set_categories(s, chart_name, 1, 0, (lxw_row_t)r->n_chart, 0);
        chart_series_set_values(s, chart_name, 1, 1, (lxw_row_t)r->n_chart, 1);
        chart_series_set_name(s, report_str(lang, RS_COL_AIRTIME));
        const char *step = report_str(
            lang, r->chart_step == REPORT_CHART_DAY
                      ? RS_CHART_DAY
                      : (r->chart_step == REPORT_CHART_WEEK ? RS_CHART_WEEK : RS_CHART_MONTH));
        snprintf(buf, sizeof buf, report_str(lang, RS_CHART_TITLE), step);
        chart_title_set_name(chart, buf);
        chart_axis_set_name(chart->y_axis, report_str(lang, RS_HOURS));
        chart_axis_set_num_format(chart->x_axis,
                                  r->chart_step == REPORT_CHART_MONTH ? "mm/yyyy" : "dd/mm");
        chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
        lxw_chart_options co = {.x_scale = 2.2, .y_scale = 1.3};
        worksheet_insert_chart_opt(ws, row, C_NO, chart, &co);
    }
    lxw_error err = workbook_close(wb);
    if (err != LXW_NO_ERROR)
        return loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, path, 0, "cannot write the workbook: %s",
                            lxw_strerror(err));
    return 0;
}
