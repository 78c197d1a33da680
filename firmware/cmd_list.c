/* `loa list [--format text|json] [--verify]`: the installed library — playlists, items,
 * notices, validity windows, durations, loudness and gains (docs/library.md "loa list").
 *
 * text is for people (dates dd/mm/yyyy, decimal commas, the device's time zone); json
 * is the stable machine format: dates YYYY-MM-DD, times UTC ISO 8601, numbers with a
 * decimal point, loudness null when a file is silent.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "fw.h"
#include "fw_library.h"
#include "library.h"
#include "loudness.h"

static void print_help(void)
{
    fputs("Usage: loa list [--format text|json] [--verify]\n"
          "\n"
          "List the installed media library: each playlist with its campaign window, its\n"
          "announcements (sessions, days, window, duration, loudness, true peak, gain) and\n"
          "its notices (window, days, hours).\n"
          "\n"
          "Options:\n"
          "  --format FORMAT  text (default) or json\n"
          "  --verify         also re-hash every file against the library's records\n"
          "                   (exit 1 when anything differs)\n"
          "  --help           this help\n"
          "\n"
          "json: {\"generation\", \"directory\", \"playlists\": [{\"id\", \"title\",\n"
          "\"reference\", \"from\", \"until\", \"source\", \"installed\", \"sha256\", \"items\": "
          "[...],\n"
          "\"notices\": [...]}]} as documented in docs/library.md.\n",
          stdout);
}

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* "mon-fri", "mon,wed,fri", "mon-wed,sat": runs of three or more days as ranges. */
static char *days_text(uint8_t mask, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < 7;) {
        if (!(mask & (1u << i))) {
            i++;
            continue;
        }
        int j = i;
        while (j + 1 < 7 && (mask & (1u << (j + 1))))
            j++;
        const char *sep = used ? "," : "";
        if (j - i >= 2)
            used += (size_t)snprintf(buf + used, size - used, "%s%s-%s", sep, day_names[i],
                                     day_names[j]);
        else
            for (int k = i; k <= j; k++, sep = ",")
                used += (size_t)snprintf(buf + used, size - used, "%s%s", sep, day_names[k]);
        i = j + 1;
    }
    return buf;
}

static const char *class_name(enum plan_class c)
{
    return c == PLAN_CLASS_EMERGENCY  ? "emergency"
           : c == PLAN_CLASS_PRIORITY ? "priority"
                                      : "normal";
}

static void json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else if (*p == '\t')
            fputs("\\t", stdout);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void json_num(double v)
{
    if (!isfinite(v)) {
        fputs("null", stdout);
        return;
    }
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    fputs(g_ascii_formatd(buf, sizeof buf, "%.2f", v), stdout);
}

static void json_date(int32_t day)
{
    char b[16];
    json_str(civil_format_date(day, b, sizeof b));
}

static char *utc_iso(int64_t usec, char *buf, size_t size)
{
    GDateTime *t = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
    char *s = t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : NULL;
    snprintf(buf, size, "%s", s ? s : "");
    g_free(s);
    if (t)
        g_date_time_unref(t);
    return buf;
}

static char *local_time(const struct loa_config *c, int64_t usec, char *buf, size_t size)
{
    GTimeZone *tz = g_time_zone_new_identifier(c->device.timezone);
    GDateTime *u = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
    GDateTime *t = u && tz ? g_date_time_to_timezone(u, tz) : NULL;
    char *s = t ? g_date_time_format(t, "%d/%m/%Y %H:%M") : NULL;
    snprintf(buf, size, "%s", s ? s : "?");
    g_free(s);
    if (t)
        g_date_time_unref(t);
    if (u)
        g_date_time_unref(u);
    if (tz)
        g_time_zone_unref(tz);
    return buf;
}

/* "1:23,4" for people. */
static char *duration_text(int64_t usec, char *buf, size_t size)
{
    int64_t tenths = (usec + 50000) / 100000;
    snprintf(buf, size, "%" PRId64 ":%02" PRId64 ",%" PRId64, tenths / 600, (tenths / 10) % 60,
             tenths % 10);
    return buf;
}

static void list_text(const struct library *lib, const struct loa_config *cfg)
{
    if (lib->generation == 0) {
        printf("The library is empty: nothing is installed (load a playlist with 'loa load').\n");
        return;
    }
    printf("Library generation %" PRIu64 " (%s): %zu playlist%s, %zu media file%s\n",
           lib->generation, lib->dir, lib->n_playlists, lib->n_playlists == 1 ? "" : "s",
           lib->n_media, lib->n_media == 1 ? "" : "s");
    for (size_t k = 0; k < lib->n_playlists; k++) {
        const struct library_playlist *lp = &lib->playlists[k];
        const struct loa_playlist *p = lp->playlist;
        char a[16], b[16], t[64];
        printf("\n%s — %s\n", p->id, p->title);
        if (p->reference[0])
            printf("  reference: %s\n", p->reference);
        printf("  campaign: %s – %s\n", civil_format_date_vn(p->from_day, a, sizeof a),
               civil_format_date_vn(p->until_day, b, sizeof b));
        printf("  loaded %s from %s\n", local_time(cfg, lp->installed_usec, t, sizeof t),
               lp->source);
        printf("  announcements (%zu):\n", p->n_items);
        for (size_t i = 0; i < p->n_items; i++) {
            const struct loa_playlist_item *it = &p->items[i];
            const struct library_media *m = lp->item_media[i];
            char d[32], dn[40];
            printf("    %s  %s\n", it->id, it->title);
            if (it->kind == PLAN_KIND_RELAY) {
                printf("      relay %s, %s, %s\n", it->relay,
                       duration_text(it->length_usec, d, sizeof d), class_name(it->cls));
            } else {
                char l[32], tp[32], gn[32];
                media_loudness_format(m->loudness.integrated_lufs, l, sizeof l);
                media_loudness_format(m->loudness.true_peak_dbtp, tp, sizeof tp);
                media_loudness_format(m->gain.gain_db, gn, sizeof gn);
                printf("      %s, %s, loudness %s LUFS, true peak %s dBTP, gain %s%s dB",
                       duration_text(m->duration_usec, d, sizeof d), class_name(it->cls), l, tp,
                       m->gain.gain_db >= 0 ? "+" : "", gn);
                if (m->gain.silent)
                    printf(" (silent)");
                else if (m->gain.capped && m->gain.shortfall_lu >= 0.05) {
                    char sf[32];
                    printf(" (limited by the true peak: %s LU below the target)",
                           media_loudness_format(m->gain.shortfall_lu, sf, sizeof sf));
                }
                printf("\n");
            }
            printf("      sessions: ");
            if (it->n_session_ids == 0)
                printf("all");
            for (size_t s = 0; s < it->n_session_ids; s++)
                printf("%s%s", s ? ", " : "", it->session_ids[s]);
            printf("; days: %s; %s – %s", days_text(it->days, dn, sizeof dn),
                   civil_format_date_vn(it->from_day, a, sizeof a),
                   civil_format_date_vn(it->until_day, b, sizeof b));
            if (it->n_at) {
                printf("; at ");
                for (size_t s = 0; s < it->n_at; s++) {
                    char hh[16];
                    printf("%s%s", s ? ", " : "", civil_format_hhmm(it->at_usec[s], hh, sizeof hh));
                }
            } else if (it->plays_per_day) {
                printf("; %u a day", it->plays_per_day);
            }
            if (it->category[0])
                printf("; category %s", it->category);
            printf("\n");
        }
        printf("  notices (%zu):\n", p->n_notices);
        for (size_t i = 0; i < p->n_notices; i++) {
            const struct loa_playlist_notice *n = &p->notices[i];
            char dn[40];
            printf("    %s  %s\n      %s – %s; days: %s", n->id, n->title,
                   civil_format_date_vn(n->from_day, a, sizeof a),
                   civil_format_date_vn(n->until_day, b, sizeof b),
                   days_text(n->days, dn, sizeof dn));
            if (n->has_hours) {
                char h1[16], h2[16];
                printf("; hours %s-%s", civil_format_hhmm(n->hours_start_usec, h1, sizeof h1),
                       civil_format_hhmm(n->hours_end_usec, h2, sizeof h2));
            }
            printf("; %d s a page%s\n", n->seconds, n->image[0] ? "; with an image" : "");
        }
    }
}

static void list_json(const struct library *lib)
{
    printf("{\"generation\":%" PRIu64 ",\"directory\":", lib->generation);
    json_str(lib->dir);
    printf(",\"playlists\":[");
    for (size_t k = 0; k < lib->n_playlists; k++) {
        const struct library_playlist *lp = &lib->playlists[k];
        const struct loa_playlist *p = lp->playlist;
        char t[64];
        printf("%s{\"id\":", k ? "," : "");
        json_str(p->id);
        printf(",\"title\":");
        json_str(p->title);
        printf(",\"reference\":");
        json_str(p->reference);
        printf(",\"from\":");
        json_date(p->from_day);
        printf(",\"until\":");
        json_date(p->until_day);
        printf(",\"source\":");
        json_str(lp->source);
        printf(",\"installed\":");
        json_str(utc_iso(lp->installed_usec, t, sizeof t));
        printf(",\"sha256\":");
        json_str(lp->text_sha256);
        printf(",\"items\":[");
        for (size_t i = 0; i < p->n_items; i++) {
            const struct loa_playlist_item *it = &p->items[i];
            const struct library_media *m = lp->item_media[i];
            char dn[40];
            printf("%s{\"id\":", i ? "," : "");
            json_str(it->id);
            printf(",\"kind\":\"%s\",\"title\":",
                   it->kind == PLAN_KIND_RELAY ? "relay" : "announcement");
            json_str(it->title);
            printf(",\"class\":\"%s\",\"category\":", class_name(it->cls));
            json_str(it->category);
            printf(",\"text\":");
            json_str(it->text);
            if (m) {
                printf(",\"file\":");
                json_str(m->path);
                printf(",\"sha256\":\"%s\",\"duration_ms\":%" PRId64 ",\"loudness_lufs\":",
                       m->sha256, m->duration_usec / 1000);
                json_num(m->loudness.integrated_lufs);
                printf(",\"true_peak_dbtp\":");
                json_num(m->loudness.true_peak_dbtp);
                printf(",\"gain_db\":");
                json_num(m->gain.gain_db);
                printf(",\"shortfall_lu\":");
                json_num(m->gain.shortfall_lu);
                printf(",\"capped\":%s", m->gain.capped ? "true" : "false");
            } else {
                printf(",\"relay\":");
                json_str(it->relay);
                printf(",\"duration_ms\":%" PRId64, it->length_usec / 1000);
            }
            printf(",\"sessions\":[");
            for (size_t s = 0; s < it->n_session_ids; s++) {
                printf("%s", s ? "," : "");
                json_str(it->session_ids[s]);
            }
            printf("],\"days\":");
            json_str(days_text(it->days, dn, sizeof dn));
            printf(",\"from\":");
            json_date(it->from_day);
            printf(",\"until\":");
            json_date(it->until_day);
            printf(",\"plays_per_day\":%u,\"at\":[", it->plays_per_day);
            for (size_t s = 0; s < it->n_at; s++) {
                char hh[16];
                printf("%s", s ? "," : "");
                json_str(civil_format_time(it->at_usec[s], hh, sizeof hh));
            }
            printf("]}");
        }
        printf("],\"notices\":[");
        for (size_t i = 0; i < p->n_notices; i++) {
            const struct loa_playlist_notice *n = &p->notices[i];
            const struct library_media *m = lp->notice_media[i];
            char dn[40];
            printf("%s{\"id\":", i ? "," : "");
            json_str(n->id);
            printf(",\"title\":");
            json_str(n->title);
            printf(",\"text\":");
            json_str(n->text);
            printf(",\"image\":");
            if (m) {
                json_str(m->path);
                printf(",\"image_sha256\":\"%s\"", m->sha256);
            } else {
                printf("null,\"image_sha256\":null");
            }
            printf(",\"seconds\":%d,\"from\":", n->seconds);
            json_date(n->from_day);
            printf(",\"until\":");
            json_date(n->until_day);
            printf(",\"days\":");
            json_str(days_text(n->days, dn, sizeof dn));
            printf(",\"hours\":");
            if (n->has_hours) {
                char h1[16], h2[16], w[40];
                snprintf(w, sizeof w, "%s-%s",
                         civil_format_hhmm(n->hours_start_usec, h1, sizeof h1),
                         civil_format_hhmm(n->hours_end_usec, h2, sizeof h2));
                json_str(w);
            } else {
                printf("null");
            }
            printf("}");
        }
        printf("]}");
    }
    printf("]}\n");
}

int fw_cmd_list(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"verify", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, verify = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0)
                return fw_usage_error("list ", "--format must be text or json, not '%s'", optarg);
            break;
        case 'v':
            verify = true;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("list ", "bad option");
        }
    }
    if (optind < argc)
        return fw_usage_error("list ", "unexpected argument '%s'", argv[optind]);

    struct fw_library_ctx ctx;
    int x = fw_library_begin(g, &ctx);
    if (x != LOA_EXIT_OK)
        return x;
    struct loa_diag_list diags = {0};
    struct library *lib = NULL;
    int r = library_open(ctx.data_dir, ctx.config, &lib, &diags);
    if (r == 0 && verify)
        r = library_verify(lib, &diags);
    fw_print_diags(&diags);
    loa_diag_list_clear(&diags);
    if (r < 0) {
        /* A damaged library or failed verification is a verification failure (1). */
        x = r == -EBADMSG || r == -EINVAL ? LOA_EXIT_INPUT : LOA_EXIT_RUNTIME;
        goto out;
    }
    if (json)
        list_json(lib);
    else
        list_text(lib, ctx.config);
    if (verify && !json)
        printf("\nverified: every file matches its recorded SHA-256\n");
    x = LOA_EXIT_OK;
out:
    library_close(lib);
    fw_library_end(&ctx);
    return x;
}
