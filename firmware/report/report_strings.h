/* Headings and fixed words of reports, in Vietnamese (the default) and English.
 * Vietnamese strings are UTF-8 NFC. Internal to firmware/report/. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "report.h"

enum report_str {
    RS_NATION = 0, /* Quốc hiệu */
    RS_MOTTO, /* Tiêu ngữ */
    RS_UBND, /* "UBND" before a unit's name in the issuing body */
    RS_DOC_NUMBER, /* "Số:      /BC-UBND" */
    RS_TITLE_RANGE, /* report titles by period kind */
    RS_TITLE_HALF,
    RS_TITLE_YEARS, /* printf: years (%02d) */
    RS_TITLE_YEARS_FINAL,
    RS_TITLE_ALL,
    RS_SUBTITLE, /* what the report is about */
    RS_CAMPAIGN, /* "Thực hiện: " before the reference */
    RS_PERIOD, /* "Kỳ báo cáo" */
    RS_PERIOD_HALF, /* printf: n */
    RS_PERIOD_YEARS, /* printf: n */
    RS_PERIOD_ALL,
    RS_FROM_TO, /* printf: from, to (dd/mm/yyyy) */
    RS_CUTOFF, /* printf: dd/mm */
    RS_UNITS, /* "Đơn vị" */
    RS_SOURCES, /* "Nguồn số liệu" */
    RS_SOURCE_OK,
    RS_SOURCE_PARTIAL,
    RS_SOURCE_SKIPPED,
    RS_SOURCE_RECORDS, /* printf: from seq, to seq */
    RS_BY, /* "Tổng hợp theo" */
    RS_BY_ITEM, /* dimension names, in enum report_by order */
    RS_BY_CATEGORY,
    RS_BY_SESSION,
    RS_BY_DAY,
    RS_BY_WEEK,
    RS_BY_MONTH,
    RS_BY_COMMUNE,
    RS_COL_NO, /* table columns */
    RS_COL_KEY,
    RS_COL_FROM,
    RS_COL_TO,
    RS_COL_PLANNED,
    RS_COL_AIRED,
    RS_COL_COMPLETED,
    RS_COL_INTERRUPTED,
    RS_COL_FAILED,
    RS_COL_MISSED,
    RS_COL_DROPPED,
    RS_COL_AIRTIME,
    RS_COL_AIRTIME_MS,
    RS_COL_COMPLETION,
    RS_COL_NOTICE_TIMES,
    RS_COL_NOTICE_SECONDS,
    RS_COL_ROW_TYPE,
    RS_TOTAL, /* "Tổng cộng" */
    RS_OUTSIDE, /* heading of the rows outside the totals */
    RS_OUTSIDE_CHIME,
    RS_OUTSIDE_PLAY_NOW,
    RS_OUTSIDE_TEST,
    RS_NO_CATEGORY,
    RS_NO_SESSION,
    RS_NO_ROWS,
    RS_WEEK_LABEL, /* printf: from dd/mm, to dd/mm/yyyy */
    RS_MONTH_LABEL, /* printf: mm/yyyy */
    RS_CHART_TITLE, /* printf: step word */
    RS_CHART_DAY,
    RS_CHART_WEEK,
    RS_CHART_MONTH,
    RS_HOURS, /* axis unit */
    RS_PREPARER, /* "Người lập biểu" */
    RS_PREPARER_NOTE,
    RS_HEAD, /* "Thủ trưởng đơn vị" */
    RS_HEAD_NOTE,
    RS_PAGE, /* printf: page, pages */
    RS_SHEET_REPORT,
    RS_SHEET_CHART,
    RS_NOTES, /* heading of the notes under the table */
    RS_NOTE_FIGURES, /* the definitions of the figures */
    RS_COUNT
};

/** The string id in lang. Never NULL. */
const char *report_str(enum report_lang lang, enum report_str id);

/** The name of a row dimension (the first column's heading). */
const char *report_by_heading(enum report_lang lang, enum report_by by);
