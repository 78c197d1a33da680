/* `loa report` (SPEC.md "Reports"): airtime reports for the committees, from the
 * device's own ledger or merged from many ledgers and export folders.
 *
 * The work is in firmware/report/: report_build() verifies and aggregates, one writer
 * per format renders. This file parses the command line, finds the keys, the cache
 * and the default source, and writes the output atomically (a temporary file renamed
 * into place, so a failed run never leaves half a report behind).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "civil.h"
#include "config.h"
#include "fw.h"
#include "fw_data_dir.h"
#include "fw_keyring.h"
#include "ledger.h"
#include "ledger_key.h"
#include "ledger_report.h"
#include "ledger_verify.h"
#include "report/report.h"

static void print_help(void)
{
    fputs("Usage: loa report [--from DATE --to DATE | --campaign ID --period 6m[:N]|1y|2y|3y|all]\n"
          "                  [--cutoff DD/MM] [--by item|category|session|day|week|month|commune]\n"
          "                  [--format text|csv|xlsx|pdf|json] [--lang vi|en] [--keys FILE]\n"
          "                  [--skip-bad] [--partial] [--no-cache] [-o FILE] [SOURCE...]\n"
          "\n"
          "Airtime report for a period: planned, aired, completed, interrupted, failed,\n"
          "missed and dropped airings, airtime, completion and notices shown. SOURCE is a\n"
          "ledger database or an export folder (default: this device's ledger); several\n"
          "sources merge into one report (báo cáo tổng hợp), each record counted once.\n"
          "Every source is verified first.\n"
          "\n"
          "Period (records are selected by session date):\n"
          "  --from DATE --to DATE   any dates, YYYY-MM-DD, inclusive\n"
          "  --campaign ID           a playlist id: its window comes from the records, and\n"
          "                          only its airings (and those of no playlist) count\n"
          "  --period 6m[:N]         the N-th half-year from the campaign's start (default:\n"
          "                          the latest that has ended)\n"
          "  --period 1y|2y|3y       cumulative from the start; 'all': the whole campaign\n"
          "  --cutoff DD/MM          end periods on an official cut-off day instead (the\n"
          "                          last day counted), e.g. 14/06\n"
          "\n"
          "Options:\n"
          "  --by KEY         rows per item (default), category, session, day, week, month\n"
          "                   or commune (chimes, play-now and tests get rows of their own,\n"
          "                   outside the totals)\n"
          "  --format F       text (default), csv, xlsx, pdf, json; xlsx and pdf need -o\n"
          "  --lang vi|en     headings in Vietnamese (default) or English\n"
          "  --keys FILE      known device keys: <device-id> <base64 public key> [from=DATE]\n"
          "                   [until=DATE] (default: this device's own key only)\n"
          "  --skip-bad       leave out a source that fails verification, naming it in the\n"
          "                   report, instead of failing\n"
          "  --partial        accept sources that do not cover the whole period\n"
          "  --no-cache       verify everything again (no verification cache)\n"
          "  -o FILE          write to FILE instead of standard output\n"
          "  --help           this help\n"
          "\n"
          "Exit codes: 0 done, 1 a source failed verification or does not cover the period,\n"
          "or the campaign or period is unknown, 2 usage error, 3 runtime failure.\n",
          stdout);
}

/* Without --keys: the device's own public key, for the device id of its config. */
/* Today in tz; SOURCE_DATE_EPOCH (reproducible output) overrides the clock. */
static int32_t today_in(const char *tz_name)
{
    GTimeZone *tz = g_time_zone_new_identifier(tz_name);
    if (!tz)
        tz = g_time_zone_new_offset(7 * 3600);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    GDateTime *now = NULL;
    if (sde && *sde) {
        char *end;
        long long t = strtoll(sde, &end, 10);
        if (!*end && t >= 0) {
            GDateTime *u = g_date_time_new_from_unix_utc(t);
            if (u) {
                now = g_date_time_to_timezone(u, tz);
                g_date_time_unref(u);
            }
        }
    }
    if (!now)
        now = g_date_time_new_now(tz);
    int32_t day = civil_from_ymd(g_date_time_get_year(now), g_date_time_get_month(now),
                                 g_date_time_get_day_of_month(now));
    g_date_time_unref(now);
    g_time_zone_unref(tz);
    return day;
}

/* Write the report to out (or stdout when NULL), atomically. */
static int write_output(const struct report *r, enum report_format fmt, enum report_lang lang,
                        const char *out)
{
    if (!out) {
        int e;
        if (fmt == REPORT_FORMAT_CSV)
            e = report_write_csv(r, lang, stdout);
        else if (fmt == REPORT_FORMAT_JSON)
            e = report_write_json(r, lang, stdout);
        else
            e = report_write_text(r, lang, stdout);
        if (e == 0 && fflush(stdout) != 0)
            e = -EIO;
        if (e < 0)
            fw_error("cannot write the report: %s", strerror(-e));
        return e < 0 ? LOA_EXIT_RUNTIME : LOA_EXIT_OK;
    }
    char *tmp = g_strdup_printf("%s.tmp.XXXXXX", out);
    int fd = g_mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "%s: error: cannot create: %s\n", out, g_strerror(errno));
        g_free(tmp);
        return LOA_EXIT_RUNTIME;
    }
    int e = 0;
    struct loa_diag d = {0};
    if (fmt == REPORT_FORMAT_XLSX || fmt == REPORT_FORMAT_PDF) {
        close(fd);
        e = fmt == REPORT_FORMAT_XLSX ? report_write_xlsx(r, lang, tmp, &d)
                                      : report_write_pdf(r, lang, tmp, &d);
    } else {
        FILE *f = fdopen(fd, "w");
        if (!f) {
            close(fd);
            e = -errno;
        } else {
            if (fmt == REPORT_FORMAT_CSV)
                e = report_write_csv(r, lang, f);
            else if (fmt == REPORT_FORMAT_JSON)
                e = report_write_json(r, lang, f);
            else
                e = report_write_text(r, lang, f);
            if (fflush(f) != 0 || fsync(fileno(f)) != 0)
                e = e ? e : -EIO;
            if (fclose(f) != 0)
                e = e ? e : -EIO;
        }
    }
    if (e == 0 && chmod(tmp, 0644) < 0)
        e = -errno;
    if (e == 0 && rename(tmp, out) < 0)
        e = -errno;
    if (e < 0) {
        if (d.msg[0])
            fprintf(stderr, "%s: error: %s\n", out, d.msg);
        else
            fprintf(stderr, "%s: error: cannot write the report: %s\n", out, strerror(-e));
        g_unlink(tmp);
    }
    g_free(tmp);
    return e < 0 ? LOA_EXIT_RUNTIME : LOA_EXIT_OK;
}

int fw_cmd_report(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"campaign", required_argument, NULL, 'c'},
        {"period", required_argument, NULL, 'p'},
        {"cutoff", required_argument, NULL, 'C'},
        {"by", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"lang", required_argument, NULL, 'l'},
        {"keys", required_argument, NULL, 'k'},
        {"skip-bad", no_argument, NULL, 's'},
        {"partial", no_argument, NULL, 'P'},
        {"no-cache", no_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct report_options ro = {.by = REPORT_BY_ITEM};
    enum report_format fmt = REPORT_FORMAT_TEXT;
    enum report_lang lang = REPORT_LANG_VI;
    const char *keys = NULL, *out = NULL, *period = NULL, *from = NULL, *to = NULL;
    bool no_cache = false;
    int c;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            from = optarg;
            break;
        case 'T':
            to = optarg;
            break;
        case 'c':
            ro.campaign_id = optarg;
            break;
        case 'p':
            period = optarg;
            break;
        case 'C':
            if (report_parse_cutoff(optarg, &ro.spec.cutoff_day, &ro.spec.cutoff_month) < 0)
                return fw_usage_error("report ", "--cutoff: expected DD/MM, e.g. 14/06");
            ro.spec.has_cutoff = true;
            break;
        case 'b':
            if (report_parse_by(optarg, &ro.by) < 0)
                return fw_usage_error("report ", "--by: expected item, category, session, day, "
                                                 "week, month or commune");
            break;
        case 'f':
            if (report_parse_format(optarg, &fmt) < 0)
                return fw_usage_error("report ", "--format: expected text, csv, xlsx, pdf or json");
            break;
        case 'l':
            if (report_parse_lang(optarg, &lang) < 0)
                return fw_usage_error("report ", "--lang: expected vi or en");
            break;
        case 'k':
            keys = optarg;
            break;
        case 's':
            ro.skip_bad = true;
            break;
        case 'P':
            ro.partial = true;
            break;
        case 'n':
            no_cache = true;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("report ", "bad option");
        }
    }
    if ((from != NULL) != (to != NULL))
        return fw_usage_error("report ", "--from and --to go together");
    if (from && period)
        return fw_usage_error("report ", "give either --from/--to or --period, not both");
    if (period && !ro.campaign_id)
        return fw_usage_error("report ", "--period needs --campaign ID");
    if (!from && !ro.campaign_id)
        return fw_usage_error("report ", "give a period: --from DATE --to DATE, or --campaign "
                                         "ID --period 6m[:N]|1y|2y|3y|all");
    if (from) {
        if (civil_parse_date(from, &ro.spec.from_day) < 0 ||
            civil_parse_date(to, &ro.spec.to_day) < 0)
            return fw_usage_error("report ", "--from/--to: expected YYYY-MM-DD");
        if (ro.spec.from_day > ro.spec.to_day)
            return fw_usage_error("report ", "--from is after --to");
        if (ro.spec.has_cutoff)
            return fw_usage_error("report ", "--cutoff applies to --period, not --from/--to");
        ro.spec.kind = REPORT_PERIOD_RANGE;
    } else if (report_parse_period(period ? period : "all", &ro.spec) < 0) {
        return fw_usage_error("report ", "--period: expected 6m, 6m:N, 1y, 2y, 3y or all");
    }
    if ((fmt == REPORT_FORMAT_XLSX || fmt == REPORT_FORMAT_PDF) && !out)
        return fw_usage_error("report ", "--format %s needs -o FILE",
                              fmt == REPORT_FORMAT_XLSX ? "xlsx" : "pdf");

    ledger_report_tune_process(); /* before anything touches SQLite */
    struct ledger_keyring *kr = NULL;
    struct loa_config *config = NULL;
    struct report *r = NULL;
    char *cache = NULL;
    char dir[4096] = "", own[4200], tz[64] = "Asia/Ho_Chi_Minh";
    const char **paths = NULL;
    struct loa_diag_list diags = {0};
    int x = LOA_EXIT_OK;
    size_t n = (size_t)(argc - optind);
    if (ledger_keyring_new(&kr) < 0)
        return LOA_EXIT_RUNTIME;
    /* The config is needed for the own key and the default source; otherwise it only
     * lends its time zone, quietly. */
    if (!keys || n == 0) {
        x = fw_config_load(g, &config);
        if (x != LOA_EXIT_OK) {
            fw_error("without --keys and SOURCE the device's own ledger and key are used, and "
                     "its config does not load");
            goto out;
        }
        x = fw_data_dir(g, config, dir, sizeof dir);
        if (x != LOA_EXIT_OK)
            goto out;
    } else if (access(g->config_path, R_OK) == 0) {
        struct loa_diag_list quiet = {0};
        if (loa_config_load(g->config_path, &config, &quiet) < 0)
            config = loa_config_free(config);
        loa_diag_list_clear(&quiet);
    }
    if (config && config->device.timezone[0])
        snprintf(tz, sizeof tz, "%s", config->device.timezone);
    if (keys) {
        x = fw_keyring_from_file(kr, keys);
        if (x != LOA_EXIT_OK)
            goto out;
    } else {
        x = fw_keyring_own(kr, config->device.id, dir);
        if (x != LOA_EXIT_OK)
            goto out;
    }
    paths = calloc(n ? n : 1, sizeof *paths);
    if (!paths) {
        x = LOA_EXIT_RUNTIME;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        paths[i] = argv[optind + (int)i];
    if (n == 0) {
        fw_ledger_path(dir, own, sizeof own);
        paths[0] = own;
        n = 1;
    }
    if (!no_cache)
        cache = fw_verify_cache_dir();
    ro.sources = paths;
    ro.n_sources = n;
    ro.keys = kr;
    ro.cache_dir = cache;
    ro.timezone = tz;
    ro.today = today_in(tz);
    int e = report_build(&ro, &r, &diags);
    fw_print_diags(&diags);
    if (e < 0) {
        x = e == -EIO || e == -ENOMEM ? LOA_EXIT_RUNTIME : LOA_EXIT_INPUT;
        goto out;
    }
    for (size_t i = 0; i < r->n_sources; i++) {
        const struct report_source *s = &r->sources[i];
        if (s->status == REPORT_SOURCE_SKIPPED)
            fprintf(stderr, "%s: warning: left out of the report (--skip-bad): %s\n", s->path,
                    s->message);
        else if (s->status == REPORT_SOURCE_PARTIAL)
            fprintf(stderr, "%s: warning: %s\n", s->path, s->message);
    }
    x = write_output(r, fmt, lang, out);
out:
    report_free(r);
    loa_diag_list_clear(&diags);
    free(cache);
    free(paths);
    loa_config_free(config);
    ledger_keyring_free(kr);
    return x;
}
