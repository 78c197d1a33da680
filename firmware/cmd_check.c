/* `loa check [PLAYLIST...]`: validate the config and playlists (SPEC.md "Command line").
 *
 * Errors exit 1; warnings (a session over capacity on some date, an item that never
 * airs) are printed and do not fail. With no playlist, the config alone is checked
 * (its chime probed, its sessions checked against the chime).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "fw.h"
#include "fw_kiosk.h"
#include "fw_rules.h"
#include "fw_util.h"
#include "loudness.h"
#include "plan.h"

static void print_help(void)
{
    fputs("Usage: loa check [PLAYLIST...]\n"
          "\n"
          "Validate the device configuration and, if given, playlists: syntax, keys, types,\n"
          "ranges, dates, referenced media (exists, decodes, duration), fixed times, and\n"
          "the whole plan (the first date a session is over capacity, items that never air).\n"
          "Errors are printed as FILE:LINE: error: message and exit 1; warnings do not fail.\n"
          "\n"
          "Options:\n"
          "  --help   this help\n",
          stdout);
}

struct check_totals {
    size_t planned, dropped;
    int32_t first_day, last_day;
    bool has_span;
};

/* Warn once per session, on the first date it drops an airing: which session, the date
 * both ways, how many airings and how many seconds they needed (durations plus gaps). */
static void warn_session_full(const struct fw_rules_input *in, const struct plan_airing *a,
                              size_t n, size_t first, struct loa_diag_list *diags)
{
    const struct plan_rules *rules = &in->rules->rules;
    const struct loa_config_session *s = &in->config->sessions[a[first].session];
    int64_t need = 0;
    size_t count = 0;
    char names[512] = "";
    size_t used = 0;
    for (size_t i = first; i < n && a[i].session == a[first].session; i++) {
        if (a[i].status != PLAN_STATUS_DROPPED)
            continue;
        need += a[i].duration_usec + rules->gap_usec;
        count++;
        const char *id = a[i].item == PLAN_ITEM_CHIME ? "chime" : rules->items[a[i].item].id;
        if (used < sizeof names - 80) {
            int w = snprintf(names + used, sizeof names - used, "%s%s", count > 1 ? ", " : "", id);
            used += w > 0 ? (size_t)w : 0;
        } else if (used < sizeof names - 4) {
            used += (size_t)snprintf(names + used, sizeof names - used, "…");
        }
    }
    char vn[16], iso[16];
    int64_t secs = (need + CIVIL_USEC_PER_SEC - 1) / CIVIL_USEC_PER_SEC;
    loa_diag_list_add(diags, LOA_SEV_WARNING, in->config->path, s->line,
                      "session '%s' is over capacity on %s %s (%s): %zu airing%s dropped (%s), "
                      "%lld s over; later dates may drop more",
                      s->id, civil_weekday_name_vi(civil_weekday(a[first].day)),
                      civil_format_date_vn(a[first].day, vn, sizeof vn),
                      civil_format_date(a[first].day, iso, sizeof iso), count,
                      count == 1 ? "" : "s", names, (long long)secs);
}

/* Walk every day of the campaigns' span once, in order (plan_day is O(1) per day that
 * way), counting each item's planned and dropped airings. */
static int walk_plan(const struct fw_rules_input *in, struct check_totals *t,
                     struct loa_diag_list *diags)
{
    const struct plan_rules *rules = &in->rules->rules;
    struct plan *p = NULL;
    struct plan_airing *buf = NULL;
    size_t *planned = NULL, *dropped = NULL;
    uint32_t warned = 0;
    int r;

    r = plan_new(rules, &p);
    if (r < 0)
        return r;
    r = plan_span(p, &t->first_day, &t->last_day);
    if (r < 0) {
        r = 0; /* nothing can air: no campaign */
        goto out;
    }
    t->has_span = true;
    size_t cap = plan_max_airings_per_day(p);
    buf = calloc(cap ? cap : 1, sizeof *buf);
    planned = calloc(rules->n_items + 1, sizeof *planned);
    dropped = calloc(rules->n_items + 1, sizeof *dropped);
    if (!buf || !planned || !dropped) {
        r = -ENOMEM;
        goto out;
    }
    for (int32_t day = t->first_day; day <= t->last_day; day++) {
        size_t n = 0;
        r = plan_day(p, day, buf, cap, &n);
        if (r < 0)
            goto out;
        for (size_t i = 0; i < n; i++) {
            const struct plan_airing *a = &buf[i];
            bool is_item = a->item != PLAN_ITEM_CHIME && a->item < rules->n_items;
            if (a->status == PLAN_STATUS_PLANNED) {
                t->planned++;
                if (is_item)
                    planned[a->item]++;
                continue;
            }
            t->dropped++;
            if (is_item)
                dropped[a->item]++;
            if (a->session < 32 && !(warned & (1u << a->session))) {
                warned |= 1u << a->session;
                /* From the session's first dropped airing: they follow its planned ones. */
                warn_session_full(in, buf, n, i, diags);
            }
        }
    }
    for (size_t i = 0; i < rules->n_items; i++) {
        if (planned[i] > 0)
            continue;
        const struct loa_rules_origin *o = &in->rules->origins[i];
        if (dropped[i] > 0)
            loa_diag_list_add(diags, LOA_SEV_WARNING, o->playlist->path, o->item->line,
                              "item '%s' never airs: all %zu of its airings are dropped "
                              "(session-full)",
                              o->item->id, dropped[i]);
        else
            loa_diag_list_add(diags, LOA_SEV_WARNING, o->playlist->path, o->item->line,
                              "item '%s' never airs (its sessions, days and window never meet "
                              "a session day)",
                              o->item->id);
    }
    r = 0;
out:
    free(buf);
    free(planned);
    free(dropped);
    plan_free(p);
    return r;
}

int fw_cmd_check(const struct fw_globals *g, int argc, char **argv)
{
    struct loa_diag_list diags = {0};
    struct fw_rules_input in = {0};
    struct check_totals totals = {0};
    int code;

    /* 0, not 1: a full getopt reset, so options may follow the playlist files. */
    optind = 0;
    if (fw_options_help_only(argc, argv, "check ", print_help, &code))
        return code;

    code = fw_rules_load_config(g, &in, &diags);
    if (code == LOA_EXIT_OK)
        code = fw_rules_load_files(&in, argv + optind, (size_t)(argc - optind), &diags);
    if (code == LOA_EXIT_OK && in.n_playlists > 0) {
        int r = walk_plan(&in, &totals, &diags);
        if (r < 0) {
            fw_error("cannot walk the plan: %s", strerror(-r));
            code = LOA_EXIT_RUNTIME;
        }
    }
    /* Checks of the kiosk (font coverage, notices too long to read) and of loudness
     * (EBU R128 target not reachable under true_peak_max): warnings at the playlist line. */
    if (code == LOA_EXIT_OK && in.n_playlists > 0) {
        if (fw_kiosk_check(in.config, (const struct loa_playlist *const *)in.playlists,
                           in.n_playlists, &diags) < 0) {
            fw_error("out of memory");
            code = LOA_EXIT_RUNTIME;
        }
    }
    if (code == LOA_EXIT_OK && in.n_playlists > 0) {
        int lr = media_loudness_check(in.config, in.playlists, in.n_playlists, &diags);
        if (lr == -EINVAL)
            code = LOA_EXIT_INPUT;
        else if (lr < 0)
            code = LOA_EXIT_RUNTIME;
    }
    for (size_t i = 0; i < diags.n; i++) {
        char line[2048];
        if (diags.items[i].severity == LOA_SEV_NOTE)
            printf("%s\n", loa_diag_format(&diags.items[i], line, sizeof line));
        else
            fw_print_diag(&diags.items[i]);
    }

    if (code == LOA_EXIT_OK) {
        size_t n_items = 0, n_notices = 0;
        for (size_t i = 0; i < in.n_playlists; i++) {
            n_items += in.playlists[i]->n_items;
            n_notices += in.playlists[i]->n_notices;
        }
        printf("OK: 1 config (%zu session%s), %zu playlist%s, %zu item%s, %zu notice%s, %zu "
               "media file%s probed",
               in.config->n_sessions, in.config->n_sessions == 1 ? "" : "s", in.n_playlists,
               in.n_playlists == 1 ? "" : "s", n_items, n_items == 1 ? "" : "s", n_notices,
               n_notices == 1 ? "" : "s", in.n_probed, in.n_probed == 1 ? "" : "s");
        if (totals.has_span) {
            char a[16], b[16];
            printf("; plan %s–%s: %zu airings planned, %zu dropped",
                   civil_format_date_vn(totals.first_day, a, sizeof a),
                   civil_format_date_vn(totals.last_day, b, sizeof b), totals.planned,
                   totals.dropped);
        }
        printf("; %zu warning%s\n", diags.n_warnings, diags.n_warnings == 1 ? "" : "s");
    } else if (code == LOA_EXIT_INPUT && diags.n_errors == 0) {
        fw_error("check failed");
    }
    fw_rules_input_clear(&in);
    loa_diag_list_clear(&diags);
    return code;
}
