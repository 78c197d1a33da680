/* The airtime chart of the PDF report (report_pdf_chart.h). */
#include <math.h>
#include <stdio.h>

#include <pango/pangocairo.h>

#include "report_format.h"
#include "report_pdf_chart.h"
#include "report_strings.h"

#define FONT "Noto Sans"

/* Draw s with its anchor at (x, y): ax/ay 0 = left/top, 0.5 = centre, 1 = right/bottom. */
static double label(cairo_t *cr, PangoLayout *lay, const char *style, double size, double x,
                    double y, double ax, double ay, const char *s)
{
    char desc[96];
    snprintf(desc, sizeof desc, FONT " %s %.1f", style, size);
    PangoFontDescription *fd = pango_font_description_from_string(desc);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(lay, -1);
    pango_layout_set_text(lay, s, -1);
    PangoRectangle ink, log;
    pango_layout_get_extents(lay, &ink, &log);
    double w = (double)log.width / PANGO_SCALE, h = (double)log.height / PANGO_SCALE;
    cairo_move_to(cr, x - ax * w, y - ay * h);
    pango_cairo_show_layout(cr, lay);
    return w;
}

/* A step of 1, 2 or 5 times a power of ten giving at most 5 intervals up to max. */
static double nice_step(double max)
{
    if (max <= 0)
        return 1;
    double raw = max / 5;
    double p = pow(10, floor(log10(raw)));
    double f = raw / p;
    double m = f <= 1 ? 1 : (f <= 2 ? 2 : (f <= 5 ? 5 : 10));
    return m * p;
}

static void number(double v, enum report_lang lang, char *buf, size_t size)
{
    if (fabs(v - round(v)) < 1e-9)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.1f", v);
    if (lang == REPORT_LANG_VI)
        for (char *c = buf; *c; c++)
            if (*c == '.')
                *c = ',';
}

void report_pdf_chart(cairo_t *cr, const struct report *r, enum report_lang lang, double x,
                      double y, double w, double h)
{
    PangoLayout *lay = pango_cairo_create_layout(cr);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(pango_layout_get_context(lay), fo);
    cairo_font_options_destroy(fo);
    pango_layout_context_changed(lay);

    char buf[256];
    enum report_str step =
        r->chart_step == REPORT_CHART_DAY
            ? RS_CHART_DAY
            : (r->chart_step == REPORT_CHART_WEEK ? RS_CHART_WEEK : RS_CHART_MONTH);
    snprintf(buf, sizeof buf, report_str(lang, RS_CHART_TITLE), report_str(lang, step));
    cairo_set_source_rgb(cr, 0, 0, 0);
    label(cr, lay, "Bold", 10, x + w / 2, y, 0.5, 0, buf);

    double max = 0;
    for (size_t i = 0; i < r->n_chart; i++) {
        double v = (double)r->chart[i].airtime_ms / 3600000.0;
        if (v > max)
            max = v;
    }
    double st = nice_step(max);
    double top = st * ceil(max / st);
    if (top <= 0)
        top = st;
    double px = x + 34, pw = w - 40, py = y + 22, ph = h - 22 - 30;

    /* Grid and value axis. */
    cairo_set_line_width(cr, 0.4);
    for (double v = 0; v <= top + st / 2; v += st) {
        double gy = py + ph - v / top * ph;
        cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
        cairo_move_to(cr, px, gy);
        cairo_line_to(cr, px + pw, gy);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        number(v, lang, buf, sizeof buf);
        label(cr, lay, "", 7, px - 4, gy, 1, 0.5, buf);
    }
    label(cr, lay, "Italic", 7, px - 30, py - 14, 0, 0, report_str(lang, RS_HOURS));

    /* Bars. */
    size_t n = r->n_chart;
    double slot = n ? pw / (double)n : pw;
    double bw = slot * 0.7;
    for (size_t i = 0; i < n; i++) {
        double v = (double)r->chart[i].airtime_ms / 3600000.0;
        double bh = v / top * ph;
        double bx = px + slot * (double)i + (slot - bw) / 2;
        cairo_set_source_rgb(cr, 0.18, 0.36, 0.54);
        cairo_rectangle(cr, bx, py + ph - bh, bw, bh);
        cairo_fill(cr);
        if (n <= 16 && v > 0) {
            cairo_set_source_rgb(cr, 0, 0, 0);
            number(round(v * 10) / 10, lang, buf, sizeof buf);
            label(cr, lay, "", 6.5, bx + bw / 2, py + ph - bh - 1, 0.5, 1, buf);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.6);
    cairo_move_to(cr, px, py);
    cairo_line_to(cr, px, py + ph);
    cairo_line_to(cr, px + pw, py + ph);
    cairo_stroke(cr);

    /* Bucket labels, thinned so they never overlap. */
    double lw = r->chart_step == REPORT_CHART_MONTH ? 34 : 26;
    size_t every = (size_t)ceil(lw / (slot > 0 ? slot : 1));
    if (every < 1)
        every = 1;
    for (size_t i = 0; i < n; i += every) {
        report_fmt_bucket(r, i, buf, sizeof buf);
        label(cr, lay, "", 6.5, px + slot * ((double)i + 0.5), py + ph + 3, 0.5, 0, buf);
    }
    g_object_unref(lay);
}
