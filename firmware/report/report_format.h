/* How report figures read for people (report_format.c): shared by the writers.
 * Internal to firmware/report/. Every function writes a NUL-terminated string into buf
 * and returns buf. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/** An integer with thousands separators: "1.234.567" (vi), "1,234,567" (en). */
char *report_fmt_count(int64_t v, enum report_lang lang, char *buf, size_t size);

/** Completion in tenths of a percent (completed * 1000 / planned, rounded half up), or
 *  -1 when planned is 0. */
int64_t report_completion_tenths(const struct report_figures *f);

/** Completion with one decimal: "92,5" (vi), "92.5" (en), "—" when planned is 0. */
char *report_fmt_completion(const struct report_figures *f, enum report_lang lang, char *buf,
                            size_t size);

/** A duration as "H:MM:SS" (hours unbounded), rounded to the nearest second. */
char *report_fmt_duration(int64_t ms, char *buf, size_t size);

/** The report's title ("BÁO CÁO ĐỊNH KỲ 6 THÁNG", …). */
char *report_fmt_title(const struct report *r, enum report_lang lang, char *buf, size_t size);

/** The period line: "Kỳ báo cáo: 6 tháng lần thứ 1, từ ngày 01/11/2020 đến ngày
 *  30/04/2021 (số liệu chốt ngày 14/06)". */
char *report_fmt_period(const struct report *r, enum report_lang lang, char *buf, size_t size);

/** The issuing body for the document header (Decree 30/2020 layout): *parent (may
 *  come back "") above *issuer, both upper case ("UBND QUẬN HÀ ĐÔNG", "UBND PHƯỜNG VĂN
 *  QUÁN"); place is the short place name for the date line ("Văn Quán"). For a merged
 *  report the issuer is the smallest unit containing every commune. */
void report_issuing_body(const struct report *r, enum report_lang lang, char *parent,
                         size_t parent_size, char *issuer, size_t issuer_size, char *place,
                         size_t place_size);

/** "Văn Quán, ngày 05 tháng 11 năm 2020" (Decree 30/2020: a leading zero for days
 *  below 10 and for months 1 and 2); English "Văn Quán, 5 November 2020". */
char *report_fmt_place_date(const char *place, int32_t day, enum report_lang lang, char *buf,
                            size_t size);

/** The label of a chart bucket ("03/2021", "01/03", …). */
char *report_fmt_bucket(const struct report *r, size_t i, char *buf, size_t size);

/** The heading of the table's first column for r->by. */
const char *report_fmt_by_heading(const struct report *r, enum report_lang lang);

/** The label shown for a row: the stored label (title, commune name), the words for an
 *  empty category or session, or the date, week or month in lang. Returns the stored
 *  label or buf. */
const char *report_row_label(const struct report *r, const struct report_row *row,
                             enum report_lang lang, char *buf, size_t size);

/** The label of an outside-the-totals row. */
const char *report_outside_label(enum report_outside o, enum report_lang lang);
