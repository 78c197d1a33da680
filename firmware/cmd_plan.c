/* `loa plan [--from DATE] [--to DATE] [--format text|csv|json] [PLAYLIST...]`
 * (SPEC.md "The plan").
 *
 * Deterministic: the output depends on the config, the playlists and the media only.
 * Dates and times are the device's local civil time as the plan computes them; no host
 * time zone, locale or clock is consulted. csv and json are documented machine formats:
 * fields date,session,start,end,kind,item,title,class,duration_ms,status.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "fw.h"
#include "fw_rules.h"
#include "plan.h"

enum plan_format { FMT_TEXT, FMT_CSV, FMT_JSON };

static void print_help(void)
{
    fputs("Usage: loa plan [--from DATE] [--to DATE] [--format text|csv|json] [PLAYLIST...]\n"
          "\n"
          "Print the broadcast plan: every airing of every day, in time order, with the\n"
          "airings dropped because their session was full. Uses the installed library\n"
          "unless PLAYLIST files are given (their media are probed for durations).\n"
          "\n"
          "Options:\n"
          "  --from DATE      first date, YYYY-MM-DD (default: the campaigns' first day)\n"
          "  --to DATE        last date, YYYY-MM-DD (default: the campaigns' last day)\n"
          "  --format FORMAT  text (default), csv or json\n"
          "  --help           this help\n"
          "\n"
          "csv: header date,session,start,end,kind,item,title,class,duration_ms,status;\n"
          "UTF-8 without BOM, LF line ends, RFC 4180 quoting; start/end HH:MM:SS local,\n"
          "empty when dropped; kind chime|announcement|relay; status planned|dropped.\n"
          "json: an array of objects with the same fields (duration_ms a number).\n",
          stdout);
}

static const char *kind_name(enum plan_kind k)
{
    switch (k) {
    case PLAN_KIND_CHIME:
        return "chime";
    case PLAN_KIND_RELAY:
        return "relay";
    default:
        return "announcement";
    }
}

static const char *class_name(enum plan_class c)
{
    switch (c) {
    case PLAN_CLASS_PRIORITY:
        return "priority";
    case PLAN_CLASS_EMERGENCY:
        return "emergency";
    default:
        return "normal";
    }
}

/* RFC 4180: quote a field containing a comma, a quote, CR or LF; double the quotes. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* The fields of one row, shared by csv and json. */
struct row {
    char date[16];
    const char *session;
    char start[16], end[16];
    const char *kind, *item, *title, *cls;
    long long duration_ms;
    const char *status;
};

static void make_row(const struct plan_rules *rules, const struct plan_airing *a, struct row *r)
{
    civil_format_date(a->day, r->date, sizeof r->date);
    r->session = rules->sessions[a->session].id;
    if (a->status == PLAN_STATUS_PLANNED) {
        civil_format_time(a->start_usec, r->start, sizeof r->start);
        civil_format_time(a->end_usec, r->end, sizeof r->end);
    } else {
        r->start[0] = r->end[0] = '\0';
    }
    r->kind = kind_name(a->kind);
    if (a->item == PLAN_ITEM_CHIME) {
        r->item = "chime";
        r->title = "";
        r->cls = "";
    } else {
        r->item = rules->items[a->item].id;
        r->title = rules->items[a->item].title;
        r->cls = class_name(a->cls);
    }
    /* Durations are whole milliseconds already; round in case a source is not. */
    r->duration_ms = (long long)((a->duration_usec + 500) / 1000);
    r->status = a->status == PLAN_STATUS_PLANNED ? "planned" : "dropped";
}

static void write_csv_row(FILE *f, const struct row *r)
{
    fprintf(f, "%s,", r->date);
    csv_field(f, r->session);
    fprintf(f, ",%s,%s,%s,", r->start, r->end, r->kind);
    csv_field(f, r->item);
    fputc(',', f);
    csv_field(f, r->title);
    fprintf(f, ",%s,%lld,%s\n", r->cls, r->duration_ms, r->status);
}

/* ,"name":"value" — every member of a row but the first. */
static void json_member(FILE *f, const char *name, const char *value)
{
    fprintf(f, ",\"%s\":", name);
    json_string(f, value);
}

static void write_json_row(FILE *f, const struct row *r, bool first)
{
    fputs(first ? "\n  {" : ",\n  {", f);
    fputs("\"date\":", f);
    json_string(f, r->date);
    json_member(f, "session", r->session);
    json_member(f, "start", r->start);
    json_member(f, "end", r->end);
    json_member(f, "kind", r->kind);
    json_member(f, "item", r->item);
    json_member(f, "title", r->title);
    json_member(f, "class", r->cls);
    fprintf(f, ",\"duration_ms\":%lld", r->duration_ms);
    json_member(f, "status", r->status);
    fputc('}', f);
}

static bool is_skip_day(const struct plan_rules *rules, int32_t day)
{
    for (size_t i = 0; i < rules->n_skip_days; i++)
        if (rules->skip_days[i] == day)
            return true;
    return false;
}

static void format_duration(int64_t usec, char *buf, size_t size)
{
    long long s = (long long)((usec + 500000) / 1000000);
    snprintf(buf, size, "%lld:%02lld", s / 60, s % 60);
}

/* Human output: Vietnamese labels, dates dd/mm/yyyy with weekday names, grouped by day
 * and session. Days with nothing to air are left out except skipped dates. */
static void write_text_day(FILE *f, const struct fw_rules_input *in, int32_t day,
                           const struct plan_airing *a, size_t n)
{
    const struct plan_rules *rules = &in->rules->rules;
    char vn[16], t1[16], t2[16], dur[32];

    if (n == 0 && !is_skip_day(rules, day))
        return;
    fprintf(f, "%s %s\n", civil_weekday_name_vi(civil_weekday(day)),
            civil_format_date_vn(day, vn, sizeof vn));
    if (n == 0) {
        fputs("  Không phát (ngày nghỉ)\n\n", f);
        return;
    }
    uint32_t cur = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (a[i].session != cur) {
            cur = a[i].session;
            const struct plan_session *s = &rules->sessions[cur];
            fprintf(f, "  %s (%s) %s–%s\n", s->name, s->id,
                    civil_format_hhmm(s->start_usec, t1, sizeof t1),
                    civil_format_hhmm(s->end_usec, t2, sizeof t2));
        }
        format_duration(a[i].duration_usec, dur, sizeof dur);
        if (a[i].status == PLAN_STATUS_PLANNED)
            fprintf(f, "    %s–%s  ", civil_format_time(a[i].start_usec, t1, sizeof t1),
                    civil_format_time(a[i].end_usec, t2, sizeof t2));
        else
            fputs("    BỎ (hết giờ)       ", f);
        if (a[i].item == PLAN_ITEM_CHIME) {
            fprintf(f, "Chuông hiệu (%s)\n", dur);
            continue;
        }
        const struct plan_item *it = &rules->items[a[i].item];
        fprintf(f, "%s%s — %s (%s)", a[i].kind == PLAN_KIND_RELAY ? "Tiếp sóng: " : "", it->id,
                it->title, dur);
        if (a[i].cls == PLAN_CLASS_PRIORITY)
            fputs(" [ưu tiên]", f);
        else if (a[i].cls == PLAN_CLASS_EMERGENCY)
            fputs(" [khẩn cấp]", f);
        fputc('\n', f);
    }
    fputc('\n', f);
}

static int parse_date_opt(const char *s, int32_t *ret, const char *name)
{
    if (civil_parse_date(s, ret) < 0) {
        fw_usage_error("plan ", "%s must be a date YYYY-MM-DD, not '%s'", name, s);
        return -EINVAL;
    }
    return 0;
}

static int write_plan(FILE *f, const struct fw_rules_input *in, enum plan_format fmt, bool has_from,
                      int32_t from, bool has_to, int32_t to)
{
    const struct plan_rules *rules = &in->rules->rules;
    struct plan *p = NULL;
    struct plan_airing *buf = NULL;
    int32_t first = 0, last = -1;
    bool first_row = true;
    int r = plan_new(rules, &p);
    if (r < 0)
        return r;
    if (plan_span(p, &first, &last) < 0) {
        /* No campaign: nothing can air; an explicit range still prints (empty). */
        first = 0;
        last = -1;
    }
    if (has_from)
        first = from;
    if (has_to)
        last = to;
    if (has_from && !has_to && last < first)
        last = first - 1;

    size_t cap = plan_max_airings_per_day(p);
    buf = calloc(cap ? cap : 1, sizeof *buf);
    if (!buf) {
        r = -ENOMEM;
        goto out;
    }
    if (fmt == FMT_CSV)
        fputs("date,session,start,end,kind,item,title,class,duration_ms,status\n", f);
    else if (fmt == FMT_JSON)
        fputc('[', f);
    else {
        char a[16], b[16];
        if (last >= first)
            fprintf(f, "Kế hoạch phát thanh %s – %s\n\n", civil_format_date_vn(first, a, sizeof a),
                    civil_format_date_vn(last, b, sizeof b));
        else
            fputs("Kế hoạch phát thanh: không có gì để phát\n", f);
    }
    for (int32_t day = first; day <= last; day++) {
        size_t n = 0;
        r = plan_day(p, day, buf, cap, &n);
        if (r < 0)
            goto out;
        if (fmt == FMT_TEXT) {
            write_text_day(f, in, day, buf, n);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            struct row row;
            make_row(rules, &buf[i], &row);
            if (fmt == FMT_CSV)
                write_csv_row(f, &row);
            else
                write_json_row(f, &row, first_row);
            first_row = false;
        }
    }
    if (fmt == FMT_JSON)
        fputs(first_row ? "]\n" : "\n]\n", f);
    r = 0;
out:
    free(buf);
    plan_free(p);
    return r;
}

int fw_cmd_plan(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct loa_diag_list diags = {0};
    struct fw_rules_input in = {0};
    enum plan_format fmt = FMT_TEXT;
    bool has_from = false, has_to = false;
    int32_t from = 0, to = 0;
    int c, code;

    /* 0, not 1: a full getopt reset, so options may follow the playlist files. */
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (parse_date_opt(optarg, &from, "--from") < 0)
                return LOA_EXIT_USAGE;
            has_from = true;
            break;
        case 't':
            if (parse_date_opt(optarg, &to, "--to") < 0)
                return LOA_EXIT_USAGE;
            has_to = true;
            break;
        case 'F':
            if (strcmp(optarg, "text") == 0)
                fmt = FMT_TEXT;
            else if (strcmp(optarg, "csv") == 0)
                fmt = FMT_CSV;
            else if (strcmp(optarg, "json") == 0)
                fmt = FMT_JSON;
            else
                return fw_usage_error("plan ", "--format must be text, csv or json, not '%s'",
                                      optarg);
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("plan ", "bad option");
        }
    }
    if (has_from && has_to && from > to)
        return fw_usage_error("plan ", "--from is after --to");

    code = fw_rules_load_config(g, &in, &diags);
    if (code == LOA_EXIT_OK) {
        if (optind < argc)
            code = fw_rules_load_files(&in, argv + optind, (size_t)(argc - optind), &diags);
        else
            code = fw_load_installed_rules(g, &in, &diags);
    }
    fw_print_diags(&diags);
    if (code == LOA_EXIT_OK) {
        int r = write_plan(stdout, &in, fmt, has_from, from, has_to, to);
        if (r < 0) {
            fw_error("cannot compute the plan: %s", strerror(-r));
            code = LOA_EXIT_RUNTIME;
        } else if (fflush(stdout) != 0 || ferror(stdout)) {
            fw_error("cannot write the plan: %s", strerror(errno));
            code = LOA_EXIT_RUNTIME;
        }
    }
    fw_rules_input_clear(&in);
    loa_diag_list_clear(&diags);
    return code;
}
