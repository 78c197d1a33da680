/* Airtime reports for the committees (SPEC.md "Reports"): the report model, the
 * engine that builds it from verified sources, and one writer per format.
 *
 *   report_period.c   periods: --from/--to, 6m[:N], Ny, all, --cutoff
 *   report_engine.c   sources: verify, de-duplicate, coverage, aggregate (threads)
 *   report_model.c    rows, labels, the chart series, the issuing body; freeing
 *   report_strings.c  headings in Vietnamese and English
 *   report_format.c   numbers, percentages, durations, dates as people read them
 *   report_text.c, report_csv.c, report_json.c, report_xlsx.c, report_pdf.c (+ _chart)
 *
 * The engine knows nothing of the formats and the writers nothing of SQLite: a writer
 * gets a finished struct report.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "ledger_verify.h"

enum report_by {
    REPORT_BY_ITEM = 0,
    REPORT_BY_CATEGORY,
    REPORT_BY_SESSION,
    REPORT_BY_DAY,
    REPORT_BY_WEEK,
    REPORT_BY_MONTH,
    REPORT_BY_COMMUNE,
};

enum report_format {
    REPORT_FORMAT_TEXT = 0,
    REPORT_FORMAT_CSV,
    REPORT_FORMAT_XLSX,
    REPORT_FORMAT_PDF,
    REPORT_FORMAT_JSON,
};

enum report_lang { REPORT_LANG_VI = 0, REPORT_LANG_EN = 1 };

/** Parse a --by, --format or --lang value: 0 and *ret, or -EINVAL. */
int report_parse_by(const char *s, enum report_by *ret);
int report_parse_format(const char *s, enum report_format *ret);
int report_parse_lang(const char *s, enum report_lang *ret);
/** The --by value's name ("item", …). */
const char *report_by_name(enum report_by by);

/* ---- Periods --------------------------------------------------------------------------- */

enum report_period_kind {
    REPORT_PERIOD_RANGE = 0, /* --from/--to */
    REPORT_PERIOD_HALF, /* 6m[:N] */
    REPORT_PERIOD_YEARS, /* 1y, 2y, 3y, … cumulative from the start */
    REPORT_PERIOD_ALL, /* the whole campaign */
};

/** What the command line asked for. */
struct report_period_spec {
    enum report_period_kind kind;
    int32_t from_day, to_day; /* RANGE */
    int n; /* HALF: N (0 = the latest completed); YEARS: years */
    bool has_cutoff; /* --cutoff DD/MM: the last day of a period */
    int cutoff_day, cutoff_month;
};

/** A resolved period. */
struct report_period {
    enum report_period_kind kind;
    int n; /* HALF: which half-year; YEARS: years */
    int32_t from_day, to_day;
    bool has_cutoff;
    int cutoff_day, cutoff_month;
    bool final; /* ends on the campaign's last day (a closing review) */
};

/** Parse a --period value ("6m", "6m:3", "1y", "2y", "3y", "all"; any "Ny" with N in
 *  1..99): 0, or -EINVAL. Fills kind and n of *spec. */
int report_parse_period(const char *s, struct report_period_spec *spec);

/** Parse --cutoff "DD/MM" (a real day of that month; 29/02 accepted): 0 or -EINVAL. */
int report_parse_cutoff(const char *s, int *ret_day, int *ret_month);

/**
 * Resolve spec against a campaign window (ignored for RANGE) and today's date (used
 * only by "6m" without N: the latest half-year that ended before today).
 *
 * Half-years: period k runs from the campaign's start plus 6(k-1) months to the day
 * before the start plus 6k months. With a cut-off, period ends move to cut-off dates:
 * the boundaries are DD/MM and the same day six months on (clamped to the month's
 * length); period 1 ends on the boundary nearest to its nominal end (the later one on
 * a tie, never before the start), and each next period ends on the next boundary.
 * In both cases a period whose nominal end reaches the campaign's end ends on the
 * campaign's last day, and that is the last one. "Ny" runs from the start to the end
 * of half-year 2N. Returns 0, or -EINVAL/-ERANGE/-ENODATA with a message in reterr
 * (a range backwards; N beyond the campaign; no half-year has ended yet).
 */
int report_period_resolve(const struct report_period_spec *spec, int32_t campaign_from,
                          int32_t campaign_until, int32_t today, struct report_period *ret,
                          struct loa_diag *reterr);

/* ---- The model ----------------------------------------------------------------------- */

/** The counted figures of one row; planned and aired are derived (report_planned()). */
struct report_figures {
    int64_t completed, interrupted, failed, missed, dropped;
    int64_t airtime_ms; /* played ms of completed, interrupted and failed airings */
    int64_t notice_times, notice_seconds;
};

/** planned = completed + interrupted + failed + missed. */
int64_t report_planned(const struct report_figures *f);
/** aired = completed + interrupted. */
int64_t report_aired(const struct report_figures *f);
/** Add b into a. */
void report_figures_add(struct report_figures *a, const struct report_figures *b);

struct report_row {
    char *key; /* stable: item id, category, session id, YYYY-MM-DD (day, week's
                  Monday), YYYY-MM, "<unit-code edition>:<commune code>" */
    char *label; /* for people: title, dd/mm/yyyy, commune name, … */
    int32_t from_day, to_day; /* the dates the row covers, inside the period */
    struct report_figures f;
};

/* Rows outside the totals (SPEC.md: chimes, play-now and `loa play` tests). */
enum report_outside {
    REPORT_OUTSIDE_CHIME = 0,
    REPORT_OUTSIDE_PLAY_NOW,
    REPORT_OUTSIDE_TEST,
    REPORT_N_OUTSIDE,
};
/** "chime", "play-now", "test". */
const char *report_outside_key(enum report_outside o);

enum report_source_status {
    REPORT_SOURCE_OK = 0,
    REPORT_SOURCE_PARTIAL, /* does not cover the period; accepted with --partial */
    REPORT_SOURCE_SKIPPED, /* failed verification; left out with --skip-bad */
};

struct report_source {
    char *path;
    enum ledger_source_type type;
    enum report_source_status status;
    char device_id[64];
    int64_t first_seq, last_seq; /* verified (and, for a database, signed) records */
    int64_t used_from, used_to; /* the records this source contributes after removing
                                   those another source already gave (from > to: none) */
    bool cached; /* verification came from the cache */
    char message[1100]; /* why skipped or partial, else "" */
};

/** A commune in the report (from the latest record of each device). */
struct report_unit {
    char unit_codes[32];
    char province_code[32], province_name[256];
    char district_code[32], district_name[256];
    char commune_code[32], commune_name[256];
};

enum report_chart_step { REPORT_CHART_DAY = 0, REPORT_CHART_WEEK, REPORT_CHART_MONTH };

/** One bar of the airtime chart: the regular airings' airtime from day on. */
struct report_bucket {
    int32_t day; /* first day of the bucket (clipped to the period) */
    int64_t airtime_ms;
};

struct report {
    struct report_period period;
    enum report_by by;
    char *campaign_id; /* NULL unless --campaign */
    char *campaign_reference; /* the playlist's reference text, "" when none */
    int32_t campaign_from, campaign_until; /* LEDGER_NO_DAY unless --campaign */
    int32_t issued_day; /* the report's date */

    struct report_source *sources;
    size_t n_sources;
    struct report_unit *units; /* distinct communes, sorted by (edition, code) */
    size_t n_units;

    struct report_row *rows; /* dates in order; other keys sorted, rows of notices only
                                last */
    size_t n_rows;
    struct report_figures totals; /* the sum of rows */
    struct report_row outside[REPORT_N_OUTSIDE];

    /* How long the engine took (monotonic clock): verifying the sources (cached or
     * not), and the rest (opening, de-duplicating, aggregating, labels). */
    int64_t verify_usec, query_usec;

    enum report_chart_step chart_step;
    struct report_bucket *chart; /* every bucket of the period, empty ones too */
    size_t n_chart;
};

/** Free a report; accepts NULL; returns NULL. */
struct report *report_free(struct report *r);

/* ---- The engine ------------------------------------------------------------------------ */

struct report_options {
    const char *const *sources; /* paths: ledger databases or export folders (>= 1) */
    size_t n_sources;
    const struct ledger_keyring *keys; /* required */
    const char *cache_dir; /* verification cache, NULL for none */
    bool skip_bad, partial;
    enum report_by by;
    const char *campaign_id; /* required unless spec.kind is RANGE */
    struct report_period_spec spec;
    int32_t today; /* the report's date, and "now" for the default half-year */
    const char *timezone; /* IANA zone the devices keep local dates in (coverage);
                             NULL: Asia/Ho_Chi_Minh */
    unsigned threads; /* aggregation threads; 0: one per processor (at most 8) */
};

/**
 * Verify the sources, resolve the period, merge and aggregate. Returns 0 and *ret
 * (free with report_free()). Errors, each with at least one message in diags naming
 * the source involved (FILE:LINE form, line 0):
 *   -EBADMSG  a source failed verification, or two sources disagree on a record
 *             (unless skip_bad)
 *   -ERANGE   a source does not cover the period (unless partial)
 *   -ENOENT   a source does not exist; the campaign is named by no record
 *   -EINVAL/-ENODATA  the period cannot be resolved (report_period_resolve())
 *   -EIO, -ENOMEM     runtime failures
 */
int report_build(const struct report_options *o, struct report **ret, struct loa_diag_list *diags);

/* ---- Writers ------------------------------------------------------------------------------ */

/** Plain text for a terminal. Returns 0 or -EIO. */
int report_write_text(const struct report *r, enum report_lang lang, FILE *f);
/** CSV: UTF-8 with BOM, LF, RFC 4180, dates dd/mm/yyyy (docs/report.md). 0 or -EIO. */
int report_write_csv(const struct report *r, enum report_lang lang, FILE *f);
/** JSON: dates YYYY-MM-DD, the stable keys of SPEC.md (docs/report.md). 0 or -EIO. */
int report_write_json(const struct report *r, enum report_lang lang, FILE *f);
/** An Excel workbook at path (real date cells shown dd/mm/yyyy, a chart). 0 or -EIO. */
int report_write_xlsx(const struct report *r, enum report_lang lang, const char *path,
                      struct loa_diag *reterr);
/** An A4 PDF at path (fonts embedded, the Vietnamese administrative layout, the table,
 *  a chart of airtime across the period, sign-off blocks). 0 or -EIO. */
int report_write_pdf(const struct report *r, enum report_lang lang, const char *path,
                     struct loa_diag *reterr);
