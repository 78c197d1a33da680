/* The printed report (report.h, docs/report.md "PDF"): A4, cairo + pango, Noto Sans
 * embedded, in the layout of an administrative document (Decree 30/2020/NĐ-CP,
 * Appendix I): the issuing body top left with its number line, the Quốc hiệu and Tiêu
 * ngữ top right with the place and date, the title and period centred, the table
 * (header repeated on every page), a chart of airtime across the period, and the
 * sign-off blocks "Người lập biểu" and "Thủ trưởng đơn vị". Pages are numbered "Trang
 * i/n".
 *
 * The document is laid out twice on the same cairo context: once without drawing, to
 * count the pages (and measure with exactly the metrics the PDF will use), then for
 * real.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cairo-pdf.h>
#include <glib.h>
#include <pango/pangocairo.h>

#include "civil.h"
#include "report_format.h"
#include "report_pdf_chart.h"
#include "report_strings.h"

#define MM (72.0 / 25.4)
#define A4_W (210.0 * MM)
#define A4_H (297.0 * MM)
#define FONT "Noto Sans"
#define N_COLS 13

struct pdf {
    cairo_t *cr;
    PangoLayout *lay;
    bool draw;
    enum report_lang lang;
    const struct report *r;
    double left, right, top, bottom; /* content box */
    double y;
    int page, pages;
    /* the table's geometry */
    double cell_size, head_size;
    double col_x[N_COLS + 1];
};

/* ---- Text ------------------------------------------------------------------------------ */

static void set_text(struct pdf *p, const char *style, double size, double width,
                     PangoAlignment align, const char *s)
{
    char desc[96];
    snprintf(desc, sizeof desc, FONT " %s %.1f", style, size);
    PangoFontDescription *fd = pango_font_description_from_string(desc);
    pango_layout_set_font_description(p->lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(p->lay, width > 0 ? (int)(width * PANGO_SCALE) : -1);
    pango_layout_set_wrap(p->lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(p->lay, align);
    pango_layout_set_text(p->lay, s, -1);
}

/* Lay out s in a box of width w at (x, y); draws when drawing. Returns the height. */
static double text(struct pdf *p, double x, double y, double w, const char *style, double size,
                   PangoAlignment align, const char *s)
{
    set_text(p, style, size, w, align, s);
    int lw, lh;
    pango_layout_get_size(p->lay, &lw, &lh);
    if (p->draw) {
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, p->lay);
    }
    return (double)lh / PANGO_SCALE;
}

/* Natural width of s on one line. */
static double text_width(struct pdf *p, const char *style, double size, const char *s)
{
    set_text(p, style, size, -1, PANGO_ALIGN_LEFT, s);
    PangoRectangle ink, logical;
    pango_layout_get_extents(p->lay, &ink, &logical);
    return (double)logical.width / PANGO_SCALE;
}

/* Widest word of s (header cells wrap between words, never inside one). */
static double widest_word(struct pdf *p, const char *style, double size, const char *s)
{
    double best = 0;
    char **words = g_strsplit(s, " ", -1);
    for (char **w = words; *w; w++) {
        double t = text_width(p, style, size, *w);
        if (t > best)
            best = t;
    }
    g_strfreev(words);
    return best;
}

static void hline(struct pdf *p, double x0, double x1, double y, double width)
{
    if (!p->draw)
        return;
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, x0, y);
    cairo_line_to(p->cr, x1, y);
    cairo_stroke(p->cr);
}

/* ---- Pages ------------------------------------------------------------------------------ */

static void footer(struct pdf *p)
{
    char buf[64];
    snprintf(buf, sizeof buf, report_str(p->lang, RS_PAGE), p->page, p->pages ? p->pages : 1);
    text(p, p->left, A4_H - 12 * MM, p->right - p->left, "", 8, PANGO_ALIGN_CENTER, buf);
}

static void new_page(struct pdf *p)
{
    footer(p);
    if (p->draw)
        cairo_show_page(p->cr);
    p->page++;
    p->y = p->top;
}

/* Start a new page unless h more points fit on this one. */
static bool ensure(struct pdf *p, double h)
{
    if (p->y + h <= p->bottom)
        return false;
    new_page(p);
    return true;
}

/* ---- The heading block --------------------------------------------------------------------- */

static void heading(struct pdf *p)
{
    const struct report *r = p->r;
    enum report_lang lang = p->lang;
    char parent[512], issuer[512], place[256], buf[1024];
    report_issuing_body(r, lang, parent, sizeof parent, issuer, sizeof issuer, place, sizeof place);
    double w = p->right - p->left;
    double w1 = w * 0.40, w2 = w - w1;
    double x1 = p->left, x2 = p->left + w1;

    /* Left: the issuing body, a short rule under it, the number line. */
    double yl = p->top;
    if (parent[0])
        yl += text(p, x1, yl, w1, "", 11, PANGO_ALIGN_CENTER, parent);
    if (issuer[0]) {
        yl += text(p, x1, yl, w1, "Bold", 11, PANGO_ALIGN_CENTER, issuer);
        double iw = text_width(p, "Bold", 11, issuer);
        double rule = (iw < w1 ? iw : w1) * 0.4;
        hline(p, x1 + (w1 - rule) / 2, x1 + (w1 + rule) / 2, yl + 2, 0.6);
        yl += 6;
    }
    yl += text(p, x1, yl, w1, "", 11, PANGO_ALIGN_CENTER, report_str(lang, RS_DOC_NUMBER));

    /* Right: Quốc hiệu, Tiêu ngữ with a rule as long as itself, place and date. */
    double yr = p->top;
    /* The Quốc hiệu stays on one line: the largest size up to 12 pt that fits. */
    double ns = 12;
    while (ns > 8 && text_width(p, "Bold", ns, report_str(lang, RS_NATION)) > w2 - 2)
        ns -= 0.5;
    yr += text(p, x2, yr, w2, "Bold", ns, PANGO_ALIGN_CENTER, report_str(lang, RS_NATION));
    yr += text(p, x2, yr, w2, "Bold", ns + 1, PANGO_ALIGN_CENTER, report_str(lang, RS_MOTTO));
    double mw = text_width(p, "Bold", ns + 1, report_str(lang, RS_MOTTO));
    hline(p, x2 + (w2 - mw) / 2, x2 + (w2 + mw) / 2, yr + 2, 0.6);
    yr += 10;
    yr += text(p, x2, yr, w2, "Italic", 11.5, PANGO_ALIGN_CENTER,
               report_fmt_place_date(place, r->issued_day, lang, buf, sizeof buf));

    p->y = (yl > yr ? yl : yr) + 22;
    p->y += text(p, p->left, p->y, w, "Bold", 14, PANGO_ALIGN_CENTER,
                 report_fmt_title(r, lang, buf, sizeof buf));
    p->y +=
        text(p, p->left, p->y, w, "Bold", 12, PANGO_ALIGN_CENTER, report_str(lang, RS_SUBTITLE));
    if (r->campaign_id) {
        char *c =
            g_strdup_printf("%s%s (%s)", report_str(lang, RS_CAMPAIGN),
                            r->campaign_reference ? r->campaign_reference : "", r->campaign_id);
        p->y += text(p, p->left, p->y, w, "", 11, PANGO_ALIGN_CENTER, c);
        g_free(c);
    }
    p->y += text(p, p->left, p->y, w, "Italic", 11, PANGO_ALIGN_CENTER,
                 report_fmt_period(r, lang, buf, sizeof buf));
    p->y += 12;

    /* Who and from what. */
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%s: ", report_str(lang, RS_UNITS));
    for (size_t i = 0; i < r->n_units; i++)
        g_string_append_printf(s, "%s%s", i ? "; " : "", r->units[i].commune_name);
    p->y += text(p, p->left, p->y, w, "", 10, PANGO_ALIGN_LEFT, s->str);
    g_string_truncate(s, 0);
    size_t n_ok = 0;
    for (size_t i = 0; i < r->n_sources; i++)
        n_ok += r->sources[i].status == REPORT_SOURCE_OK;
    g_string_append_printf(s, "%s: %zu (%s: %zu)", report_str(lang, RS_SOURCES), r->n_sources,
                           report_str(lang, RS_SOURCE_OK), n_ok);
    p->y += text(p, p->left, p->y, w, "", 10, PANGO_ALIGN_LEFT, s->str);
    /* Every source when few; otherwise the ones that were not plainly counted. */
    for (size_t i = 0; i < r->n_sources; i++) {
        const struct report_source *src = &r->sources[i];
        if (r->n_sources > 6 && src->status == REPORT_SOURCE_OK)
            continue;
        enum report_str st =
            src->status == REPORT_SOURCE_SKIPPED
                ? RS_SOURCE_SKIPPED
                : (src->status == REPORT_SOURCE_PARTIAL ? RS_SOURCE_PARTIAL : RS_SOURCE_OK);
        g_string_truncate(s, 0);
        g_string_append_printf(s, "%zu. %s%s%s — %s", i + 1, src->path,
                               src->device_id[0] ? " — " : "", src->device_id,
                               report_str(lang, st));
        if (src->status != REPORT_SOURCE_OK && src->message[0])
            g_string_append_printf(s, ": %s", src->message);
        p->y += text(p, p->left + 10, p->y, w - 10, src->status == REPORT_SOURCE_OK ? "" : "Bold",
                     8.5, PANGO_ALIGN_LEFT, s->str);
    }
    g_string_truncate(s, 0);
    g_string_append_printf(s, "%s: %s", report_str(lang, RS_BY), report_fmt_by_heading(r, lang));
    p->y += text(p, p->left, p->y, w, "", 10, PANGO_ALIGN_LEFT, s->str);
    g_string_free(s, TRUE);
    p->y += 8;
}

/* ---- The table ------------------------------------------------------------------------------ */

struct cells {
    char c[N_COLS][48];
};

static void cells_of(const struct report_figures *f, enum report_lang lang, struct cells *c)
{
    report_fmt_count(report_planned(f), lang, c->c[2], 48);
    report_fmt_count(report_aired(f), lang, c->c[3], 48);
    report_fmt_count(f->completed, lang, c->c[4], 48);
    report_fmt_count(f->interrupted, lang, c->c[5], 48);
    report_fmt_count(f->failed, lang, c->c[6], 48);
    report_fmt_count(f->missed, lang, c->c[7], 48);
    report_fmt_count(f->dropped, lang, c->c[8], 48);
    report_fmt_duration(f->airtime_ms, c->c[9], 48);
    report_fmt_completion(f, lang, c->c[10], 48);
    report_fmt_count(f->notice_times, lang, c->c[11], 48);
    report_fmt_count(f->notice_seconds, lang, c->c[12], 48);
}

static const char *head_text(struct pdf *p, int c)
{
    static const enum report_str ids[N_COLS] = {
        RS_COL_NO,
        RS_COUNT,
        RS_COL_PLANNED,
        RS_COL_AIRED,
        RS_COL_COMPLETED,
        RS_COL_INTERRUPTED,
        RS_COL_FAILED,
        RS_COL_MISSED,
        RS_COL_DROPPED,
        RS_COL_AIRTIME,
        RS_COL_COMPLETION,
        RS_COL_NOTICE_TIMES,
        RS_COL_NOTICE_SECONDS,
    };
    return ids[c] == RS_COUNT ? report_fmt_by_heading(p->r, p->lang) : report_str(p->lang, ids[c]);
}

#define PAD 2.5

/* Column widths: each figure column as wide as its widest value or heading word, the
 * label column the rest; smaller type until it fits. */
static void table_geometry(struct pdf *p, const struct cells *all, size_t n)
{
    double w = p->right - p->left;
    static const double sizes[] = {8, 7.5, 7, 6.5, 6, 5.5};
    for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++) {
        p->cell_size = sizes[k];
        p->head_size = sizes[k] - 0.5;
        double cw[N_COLS] = {0}, sum = 0;
        for (int c = 0; c < N_COLS; c++) {
            if (c == 1)
                continue;
            cw[c] = widest_word(p, "Bold", p->head_size, head_text(p, c));
            for (size_t i = 0; i < n; i++) {
                double t = text_width(p, "Bold", p->cell_size, all[i].c[c]);
                if (t > cw[c])
                    cw[c] = t;
            }
            cw[c] += 2 * PAD;
            sum += cw[c];
        }
        cw[1] = w - sum;
        if (cw[1] >= 90 || k + 1 == G_N_ELEMENTS(sizes)) {
            p->col_x[0] = p->left;
            for (int c = 0; c < N_COLS; c++)
                p->col_x[c + 1] = p->col_x[c] + cw[c];
            return;
        }
    }
}

static void grid(struct pdf *p, double y0, double y1)
{
    if (!p->draw)
        return;
    cairo_set_line_width(p->cr, 0.5);
    for (int c = 0; c <= N_COLS; c++) {
        cairo_move_to(p->cr, p->col_x[c], y0);
        cairo_line_to(p->cr, p->col_x[c], y1);
    }
    cairo_move_to(p->cr, p->col_x[0], y1);
    cairo_line_to(p->cr, p->col_x[N_COLS], y1);
    cairo_stroke(p->cr);
}

static void table_head(struct pdf *p)
{
    double h = 0;
    bool draw = p->draw;
    p->draw = false;
    for (int c = 0; c < N_COLS; c++) {
        double t = text(p, 0, 0, p->col_x[c + 1] - p->col_x[c] - 2 * PAD, "Bold", p->head_size,
                        PANGO_ALIGN_CENTER, head_text(p, c));
        if (t > h)
            h = t;
    }
    p->draw = draw;
    h += 2 * PAD;
    if (p->draw) {
        cairo_set_source_rgb(p->cr, 0.87, 0.90, 0.94);
        cairo_rectangle(p->cr, p->col_x[0], p->y, p->col_x[N_COLS] - p->col_x[0], h);
        cairo_fill(p->cr);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
    }
    for (int c = 0; c < N_COLS; c++) {
        double cw = p->col_x[c + 1] - p->col_x[c] - 2 * PAD;
        bool dr = p->draw;
        p->draw = false;
        double t = text(p, 0, 0, cw, "Bold", p->head_size, PANGO_ALIGN_CENTER, head_text(p, c));
        p->draw = dr;
        text(p, p->col_x[c] + PAD, p->y + (h - t) / 2, cw, "Bold", p->head_size, PANGO_ALIGN_CENTER,
             head_text(p, c));
    }
    hline(p, p->col_x[0], p->col_x[N_COLS], p->y, 0.5);
    grid(p, p->y, p->y + h);
    p->y += h;
}

/* One table line; label wraps, figures are right-aligned. */
static void table_line(struct pdf *p, const struct cells *c, const char *label, const char *style)
{
    double lw = p->col_x[2] - p->col_x[1] - 2 * PAD;
    bool draw = p->draw;
    p->draw = false;
    double h = text(p, 0, 0, lw, style, p->cell_size, PANGO_ALIGN_LEFT, label) + 2 * PAD;
    p->draw = draw;
    if (ensure(p, h)) {
        table_head(p);
    }
    double y = p->y + PAD;
    text(p, p->col_x[0] + PAD, y, p->col_x[1] - p->col_x[0] - 2 * PAD, style, p->cell_size,
         PANGO_ALIGN_RIGHT, c->c[0]);
    text(p, p->col_x[1] + PAD, y, lw, style, p->cell_size, PANGO_ALIGN_LEFT, label);
    for (int k = 2; k < N_COLS; k++)
        text(p, p->col_x[k] + PAD, y, p->col_x[k + 1] - p->col_x[k] - 2 * PAD, style, p->cell_size,
             PANGO_ALIGN_RIGHT, c->c[k]);
    grid(p, p->y, p->y + h);
    p->y += h;
}

/* A line spanning the table (the "outside the totals" heading). */
static void table_span(struct pdf *p, const char *s)
{
    double w = p->col_x[N_COLS] - p->col_x[0] - 2 * PAD;
    bool draw = p->draw;
    p->draw = false;
    double h = text(p, 0, 0, w, "Bold Italic", p->cell_size, PANGO_ALIGN_LEFT, s) + 2 * PAD;
    p->draw = draw;
    if (ensure(p, h))
        table_head(p);
    text(p, p->col_x[0] + PAD, p->y + PAD, w, "Bold Italic", p->cell_size, PANGO_ALIGN_LEFT, s);
    if (p->draw) {
        cairo_set_line_width(p->cr, 0.5);
        cairo_rectangle(p->cr, p->col_x[0], p->y, p->col_x[N_COLS] - p->col_x[0], h);
        cairo_stroke(p->cr);
    }
    p->y += h;
}

static void table(struct pdf *p)
{
    const struct report *r = p->r;
    size_t n = r->n_rows + 1 + REPORT_N_OUTSIDE;
    struct cells *all = g_new0(struct cells, n);
    char **labels = g_new0(char *, n + 1);
    char buf[512];
    for (size_t i = 0; i < r->n_rows; i++) {
        snprintf(all[i].c[0], 48, "%zu", i + 1);
        cells_of(&r->rows[i].f, p->lang, &all[i]);
        labels[i] = g_strdup(report_row_label(r, &r->rows[i], p->lang, buf, sizeof buf));
    }
    cells_of(&r->totals, p->lang, &all[r->n_rows]);
    labels[r->n_rows] = g_strdup(report_str(p->lang, RS_TOTAL));
    for (int o = 0; o < REPORT_N_OUTSIDE; o++) {
        size_t i = r->n_rows + 1 + (size_t)o;
        cells_of(&r->outside[o].f, p->lang, &all[i]);
        labels[i] = g_strdup(report_outside_label((enum report_outside)o, p->lang));
    }
    table_geometry(p, all, n);
    ensure(p, 60);
    table_head(p);
    for (size_t i = 0; i < r->n_rows; i++)
        table_line(p, &all[i], labels[i], "");
    if (r->n_rows == 0)
        table_span(p, report_str(p->lang, RS_NO_ROWS));
    table_line(p, &all[r->n_rows], labels[r->n_rows], "Bold");
    table_span(p, report_str(p->lang, RS_OUTSIDE));
    for (int o = 0; o < REPORT_N_OUTSIDE; o++)
        table_line(p, &all[r->n_rows + 1 + (size_t)o], labels[r->n_rows + 1 + (size_t)o], "Italic");
    g_strfreev(labels);
    g_free(all);
    p->y += 4;
    char *notes = g_strdup_printf("%s: %s", report_str(p->lang, RS_NOTES),
                                  report_str(p->lang, RS_NOTE_FIGURES));
    double w = p->right - p->left;
    bool draw = p->draw;
    p->draw = false;
    double h = text(p, 0, 0, w, "Italic", 7.5, PANGO_ALIGN_LEFT, notes);
    p->draw = draw;
    ensure(p, h);
    p->y += text(p, p->left, p->y, w, "Italic", 7.5, PANGO_ALIGN_LEFT, notes) + 10;
    g_free(notes);
}

/* ---- Chart and sign-off ------------------------------------------------------------------- */

static void chart(struct pdf *p)
{
    double h = REPORT_PDF_CHART_HEIGHT;
    ensure(p, h + 10);
    if (p->draw)
        report_pdf_chart(p->cr, p->r, p->lang, p->left, p->y, p->right - p->left, h);
    p->y += h + 14;
}

static void sign_off(struct pdf *p)
{
    double w = (p->right - p->left) / 2;
    ensure(p, 110);
    double y = p->y;
    text(p, p->left, y, w, "Bold", 12, PANGO_ALIGN_CENTER, report_str(p->lang, RS_PREPARER));
    double h =
        text(p, p->left + w, y, w, "Bold", 12, PANGO_ALIGN_CENTER, report_str(p->lang, RS_HEAD));
    text(p, p->left, y + h, w, "Italic", 10, PANGO_ALIGN_CENTER,
         report_str(p->lang, RS_PREPARER_NOTE));
    text(p, p->left + w, y + h, w, "Italic", 10, PANGO_ALIGN_CENTER,
         report_str(p->lang, RS_HEAD_NOTE));
    p->y += 110;
}

static void document(struct pdf *p)
{
    p->page = 1;
    p->y = p->top;
    heading(p);
    table(p);
    chart(p);
    sign_off(p);
    footer(p);
    if (p->draw)
        cairo_show_page(p->cr);
}

int report_write_pdf(const struct report *r, enum report_lang lang, const char *path,
                     struct loa_diag *reterr)
{
    cairo_surface_t *s = cairo_pdf_surface_create(path, A4_W, A4_H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, path, 0, "cannot create the PDF");
    }
    char title[256];
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
                                   report_fmt_title(r, lang, title, sizeof title));
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "loa report");
    cairo_t *cr = cairo_create(s);
    struct pdf p = {
        .cr = cr,
        .lay = pango_cairo_create_layout(cr),
        .lang = lang,
        .r = r,
        /* Decree 30/2020 margins: left 30-35 mm, right 15-20, top and bottom 20-25;
         * the left is narrowed a little to give the table room. */
        .left = 25 * MM,
        .right = A4_W - 15 * MM,
        .top = 18 * MM,
        .bottom = A4_H - 20 * MM,
    };
    /* Unhinted metrics: what is measured is what the PDF shows at any zoom. */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pango_layout_get_context(p.lay), fo);
    cairo_font_options_destroy(fo);
    pango_layout_context_changed(p.lay);
    cairo_set_source_rgb(cr, 0, 0, 0);

    p.draw = false;
    document(&p);
    p.pages = p.page;
    p.draw = true;
    document(&p);

    g_object_unref(p.lay);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_status_t st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS)
        return loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, path, 0, "cannot write the PDF: %s",
                            cairo_status_to_string(st));
    return 0;
}
