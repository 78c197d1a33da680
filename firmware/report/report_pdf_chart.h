/* The PDF report's chart: airtime across the period, drawn with cairo (internal to
 * firmware/report/). */
#pragma once

#include <cairo.h>

#include "report.h"

/** Height the chart takes, in points. */
#define REPORT_PDF_CHART_HEIGHT 200.0

/**
 * Draw a column chart of r->chart (the regular airings' airtime per day, week or
 * month, in hours) with its title, a value axis with grid lines and the bucket labels,
 * into the box x, y, w, h of cr. Leaves cr's source black.
 */
void report_pdf_chart(cairo_t *cr, const struct report *r, enum report_lang lang, double x,
                      double y, double w, double h);
