/* `loa demo [--day] [--live]` (SPEC.md "The demo"): the README's first command.
 *
 * Everything happens in a fresh temporary directory: a data dir (library, ledger, key),
 * a config rewritten from the bundled example (examples/loa.cfg: the ward, its
 * loudness and relay settings) and, for the live demo, a playlist rewritten from the
 * bundled campaign (examples/playlists/tmdt-2020.cfg: its Vietnamese announcements made
 * by the build with espeak-ng, its notices) so that one short session starts now.
 *
 *   loa demo        a session starting a minute from now, airing a few announcements after
 *                   the chime through the real daemon (null output unless --live, sim
 *                   board), the kiosk in a window when there is a display (else snapshots
 *                   in the temp dir), then the session's airtime report
 *   loa demo --day  a whole day of the campaign on the virtual clock, in seconds, then
 *                   that day's report
 *
 * The demo never airs in quiet hours: inside them (or when a session would cross
 * midnight) it says so and simulates a whole day instead, like --day.
 * The example is found in $LOA_EXAMPLES_DIR, next to the binary (<bindir>/../examples,
 * the build tree) or under <prefix>/share/loa/examples.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "civil.h"
#include "config.h"
#include "daemon/fw_daemon.h"
#include "fw.h"
#include "playlist.h"
#include "probe.h"

#define USEC INT64_C(1000000)

struct demo {
    bool day, live;
    int items; /* announcements in the live session */
    int start_in; /* seconds until the session starts */
    const char *timezone; /* override of the example's zone */
    const char *display; /* kiosk: auto | sdl | null */
    char exe[4096];
    char examples[4096];
    char *tmp;
    char *config; /* tmp/loa.cfg */
    char *data_dir; /* tmp/data */
    char *playlist; /* the playlist loaded */
    bool chosen[64]; /* live demo: the announcements it airs (the shortest ones) */
};

static void print_help(void)
{
    fputs("Usage: loa demo [--day] [--live] [--items N] [--start-in SECONDS] [--timezone ZONE]\n"
          "\n"
          "Try Loa with the bundled example (Phường Văn Quán, the 2020 campaign against\n"
          "counterfeit goods in e-commerce), in a fresh temporary directory:\n"
          "  loa demo        a broadcast session starting a minute from now airs a few\n"
          "                  announcements after the chime, the kiosk shows in a window (or\n"
          "                  snapshots are written when there is no display), then the\n"
          "                  session's airtime report is printed\n"
          "  loa demo --day  a whole day of the campaign on the virtual clock, in seconds,\n"
          "                  then that day's report\n"
          "\n"
          "Options:\n"
          "  --live           play through the speakers (default: the null output, silent)\n"
          "  --items N        announcements in the session (1-8, default 4)\n"
          "  --start-in S     seconds until the session starts (default 60)\n"
          "  --timezone ZONE  the device's time zone (default the example's, Asia/Ho_Chi_Minh);\n"
          "                   the demo never airs in its quiet hours (21:00-06:00)\n"
          "  --kiosk-display D  auto (default: a window if there is a display), sdl, null\n"
          "The example is looked for in $LOA_EXAMPLES_DIR, <bindir>/../examples and\n"
          "<prefix>/share/loa/examples.\n",
          stdout);
}

static bool is_example_dir(const char *dir)
{
    char *a = g_build_filename(dir, "loa.cfg", NULL);
    char *b = g_build_filename(dir, "playlists", "tmdt-2020.cfg", NULL);
    char *c = g_build_filename(dir, "media", "chime.ogg", NULL);
    bool ok = g_file_test(a, G_FILE_TEST_IS_REGULAR) && g_file_test(b, G_FILE_TEST_IS_REGULAR) &&
              g_file_test(c, G_FILE_TEST_IS_REGULAR);
    g_free(a);
    g_free(b);
    g_free(c);
    return ok;
}

static int find_examples(struct demo *d)
{
    const char *env = getenv("LOA_EXAMPLES_DIR");
    if (env && *env) {
        if (!is_example_dir(env)) {
            fw_error("LOA_EXAMPLES_DIR=%s holds no loa.cfg, playlists/tmdt-2020.cfg and "
                     "media/chime.ogg",
                     env);
            return -ENOENT;
        }
        snprintf(d->examples, sizeof d->examples, "%s", env);
        return 0;
    }
    char *bindir = g_path_get_dirname(d->exe);
    const char *cands[] = {"../examples", "../share/loa/examples", "examples", NULL};
    for (size_t i = 0; cands[i]; i++) {
        char *p = g_build_filename(bindir, cands[i], NULL);
        char *real = realpath(p, NULL);
        g_free(p);
        if (real && is_example_dir(real)) {
            snprintf(d->examples, sizeof d->examples, "%s", real);
            free(real);
            g_free(bindir);
            return 0;
        }
        free(real);
    }
    g_free(bindir);
    fw_error("the bundled example was not found (looked in $LOA_EXAMPLES_DIR, <bindir>/../examples "
             "and <prefix>/share/loa/examples); build it with 'cmake --build build' (needs "
             "espeak-ng, sox and lame: scripts/setup-debian.sh)");
    return -ENOENT;
}

/* A libconfig string literal. */
static void put_str(GString *s, const char *v)
{
    g_string_append_c(s, '"');
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(s, '\\');
        if (*p == '\n')
            g_string_append(s, "\\n");
        else
            g_string_append_c(s, *p);
    }
    g_string_append_c(s, '"');
}

static char *hhmmss(int64_t tod)
{
    char b[16];
    return g_strdup(civil_format_time(tod, b, sizeof b));
}

static void unit(GString *s, const char *key, const struct loa_unit *u)
{
    if (!u->present)
        return;
    g_string_append_printf(s, "  %s = { code = ", key);
    put_str(s, u->code);
    g_string_append(s, "; name = ");
    put_str(s, u->name);
    g_string_append(s, "; };\n");
}

/* The demo's loa.cfg: the example's ward and settings, one session (live demo) or the
 * example's sessions (--day), sim board, the temp data dir. */
static char *demo_config(const struct demo *d, const struct loa_config *c, const char *tz,
                         int64_t start, int64_t end)
{
    GString *s = g_string_new("# Written by `loa demo` from the bundled example.\n");
    g_string_append(s, "device = {\n  id = ");
    put_str(s, c->device.id);
    g_string_append(s, ";\n");
    unit(s, "province", &c->device.province);
    unit(s, "district", &c->device.district);
    unit(s, "commune", &c->device.commune);
    g_string_append(s, "  unit_codes = ");
    put_str(s, c->device.unit_codes);
    g_string_append(s, ";\n  timezone = ");
    put_str(s, tz);
    g_string_append(s, ";\n};\nsessions = (\n");
    if (d->day) {
        for (size_t i = 0; i < c->n_sessions; i++) {
            const struct plan_session *ps = &c->sessions[i].s;
            char *a = hhmmss(ps->start_usec), *b = hhmmss(ps->end_usec);
            g_string_append(s, "  { id = ");
            put_str(s, ps->id);
            g_string_append(s, "; name = ");
            put_str(s, ps->name);
            g_string_append_printf(s, "; start = \"%s\"; end = \"%s\"; days = \"", a, b);
            static const char *const wd[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
            bool first = true;
            for (int k = 0; k < 7; k++)
                if (ps->days & (1u << k)) {
                    g_string_append_printf(s, "%s%s", first ? "" : ",", wd[k]);
                    first = false;
                }
            g_string_append_printf(s, "\"; }%s\n", i + 1 < c->n_sessions ? "," : "");
            g_free(a);
            g_free(b);
        }
    } else {
        char *a = hhmmss(start), *b = hhmmss(end);
        g_string_append_printf(s,
                               "  { id = \"demo\"; name = \"Buổi phát thử\"; start = \"%s\"; "
                               "end = \"%s\"; }\n",
                               a, b);
        g_free(a);
        g_free(b);
    }
    g_string_append(s, ");\n");
    if (c->has_quiet_hours) {
        char *a = hhmmss(c->quiet_start_usec), *b = hhmmss(c->quiet_end_usec);
        a[5] = b[5] = '\0'; /* HH:MM */
        g_string_append_printf(s, "quiet_hours = \"%s-%s\";\n", a, b);
        g_free(a);
        g_free(b);
    }
    g_string_append_printf(s,
                           "audio = { output = \"%s\"; volume = %.2f; loudness_target = %.1f; "
                           "true_peak_max = %.1f; gap_seconds = %d; chime = ",
                           d->live ? "auto" : "null", c->audio.volume, c->audio.loudness_target,
                           c->audio.true_peak_max, (int)(c->audio.gap_usec / USEC));
    put_str(s, c->audio.chime);
    /* A short hold so the demo ends soon after its last announcement. */
    g_string_append_printf(s,
                           "; };\nboard = { driver = \"sim\"; amp_warmup_ms = %d; amp_hold_s = "
                           "%d; };\n",
                           (int)(c->board.amp_warmup_usec / 1000), d->day ? 30 : 2);
    g_string_append_printf(s,
                           "kiosk = { enabled = true; size = \"%dx%d\"; rotation = 0; "
                           "fullscreen = false; rotate_seconds = %d; font = ",
                           c->kiosk.width, c->kiosk.height, c->kiosk.rotate_seconds);
    put_str(s, c->kiosk.font);
    g_string_append(s, "; };\nstorage = { data_dir = ");
    put_str(s, d->data_dir);
    /* This machine's clock may never have been synchronised: the demo trusts it (a
     * device would miss every airing as clock-unsynced, which is no demo). */
    g_string_append_printf(s,
                           "; };\ntime = { require_trust = %s; catch_up_minutes = %d; "
                           "max_holdover_hours = %d; };\n",
                           d->day ? "true" : "false", c->time.catch_up_minutes,
                           c->time.max_holdover_hours);
    return g_string_free(s, FALSE);
}

/* The live demo's playlist: the campaign's first `items` announcements, once each in the
 * demo session, valid today; its notices. */
static char *demo_playlist(const struct demo *d, const struct loa_playlist *p, int32_t today)
{
    char date[16];
    civil_format_date(today, date, sizeof date);
    GString *s = g_string_new("# Written by `loa demo` from the bundled campaign.\n");
    g_string_append(s, "playlist = { id = ");
    put_str(s, p->id);
    g_string_append(s, "; title = ");
    put_str(s, p->title);
    g_string_append(s, "; reference = ");
    put_str(s, p->reference);
    g_string_append_printf(s, "; from = \"%s\"; until = \"%s\"; };\nannouncements = (\n", date,
                           date);
    int n = 0;
    for (size_t i = 0; i < p->n_items && i < G_N_ELEMENTS(d->chosen); i++) {
        const struct loa_playlist_item *it = &p->items[i];
        if (!d->chosen[i])
            continue;
        g_string_append_printf(s, "%s  { id = ", n ? ",\n" : "");
        put_str(s, it->id);
        g_string_append(s, "; file = ");
        put_str(s, it->file);
        g_string_append(s, "; title = ");
        put_str(s, it->title);
        if (it->category[0]) {
            g_string_append(s, "; category = ");
            put_str(s, it->category);
        }
        if (it->text[0]) {
            g_string_append(s, "; text = ");
            put_str(s, it->text);
        }
        g_string_append(s, "; }");
        n++;
    }
    g_string_append(s, "\n);\n");
    if (p->n_notices) {
        g_string_append(s, "notices = (\n");
        for (size_t i = 0; i < p->n_notices; i++) {
            const struct loa_playlist_notice *no = &p->notices[i];
            g_string_append_printf(s, "%s  { id = ", i ? ",\n" : "");
            put_str(s, no->id);
            g_string_append(s, "; title = ");
            put_str(s, no->title);
            if (no->text[0]) {
                g_string_append(s, "; text = ");
                put_str(s, no->text);
            }
            if (no->image[0]) {
                g_string_append(s, "; image = ");
                put_str(s, no->image);
            }
            g_string_append_printf(s, "; seconds = %d; }", no->seconds);
        }
        g_string_append(s, "\n);\n");
    }
    return g_string_free(s, FALSE);
}

/* Run this program with args; stdout passes through unless quiet. Returns exit status. */
static int run_self(const struct demo *d, bool quiet, const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)d->exe);
    g_ptr_array_add(argv, "--config");
    g_ptr_array_add(argv, d->config);
    g_ptr_array_add(argv, "--data-dir");
    g_ptr_array_add(argv, d->data_dir);
    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, (char *)args[i]);
    g_ptr_array_add(argv, NULL);
    int status = 0;
    char *err = NULL;
    fflush(stdout);
    gboolean ok =
        g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                     G_SPAWN_CHILD_INHERITS_STDIN | (quiet ? G_SPAWN_STDOUT_TO_DEV_NULL : 0), NULL,
                     NULL, NULL, quiet ? &err : NULL, &status, NULL);
    g_ptr_array_unref(argv);
    int code = ok && WIFEXITED(status) ? WEXITSTATUS(status) : LOA_EXIT_RUNTIME;
    if (code != 0 && err)
        fputs(err, stderr);
    g_free(err);
    return code;
}

static int64_t local_now(GTimeZone *tz, int32_t *ret_day)
{
    GDateTime *now = g_date_time_new_now(tz);
    int y, m, dd;
    g_date_time_get_ymd(now, &y, &m, &dd);
    *ret_day = civil_from_ymd(y, m, dd);
    int64_t tod = ((int64_t)g_date_time_get_hour(now) * 3600 + g_date_time_get_minute(now) * 60 +
                   g_date_time_get_second(now)) *
                  USEC;
    g_date_time_unref(now);
    return tod;
}

/* Snapshots of what the kiosk showed, when there was no display to show it in. */
static void snapshots(const struct demo *d, int32_t day, const int64_t *tods, size_t n)
{
    char date[16];
    civil_format_date(day, date, sizeof date);
    for (size_t i = 0; i < n; i++) {
        char *t = hhmmss(tods[i]);
        char *at = g_strdup_printf("%s %s", date, t);
        char name[32];
        snprintf(name, sizeof name, "kiosk-%c%c%c%c%c%c.png", t[0], t[1], t[3], t[4], t[6], t[7]);
        char *png = g_build_filename(d->tmp, name, NULL);
        const char *args[] = {"kiosk", "--snapshot", png, "--at", at, NULL};
        if (run_self(d, true, args) == 0)
            printf("  %s\n", png);
        g_free(png);
        g_free(at);
        g_free(t);
    }
}

static int demo_main(struct demo *d, const struct fw_globals *g0)
{
    struct loa_diag_list diags = {0};
    struct loa_config *ex = NULL;
    struct loa_playlist *pl = NULL;
    GTimeZone *tz = NULL;
    char *cfg_text = NULL, *pl_text = NULL;
    int code = LOA_EXIT_RUNTIME;

    if (find_examples(d) < 0)
        return LOA_EXIT_RUNTIME;
    char *ex_cfg = g_build_filename(d->examples, "loa.cfg", NULL);
    char *ex_pl = g_build_filename(d->examples, "playlists", "tmdt-2020.cfg", NULL);
    if (loa_config_load(ex_cfg, &ex, &diags) < 0 || loa_playlist_load(ex_pl, ex, &pl, &diags) < 0) {
        fw_print_diags(&diags);
        code = LOA_EXIT_INPUT;
        goto out;
    }
    const char *zone = d->timezone ? d->timezone : ex->device.timezone;
    tz = g_time_zone_new_identifier(zone);
    if (!tz) {
        fw_error("unknown time zone '%s'", zone);
        code = LOA_EXIT_USAGE;
        goto out;
    }

    d->tmp = g_dir_make_tmp("loa-demo-XXXXXX", NULL);
    if (!d->tmp) {
        fw_error("cannot make a temporary directory");
        goto out;
    }
    d->config = g_build_filename(d->tmp, "loa.cfg", NULL);
    d->data_dir = g_build_filename(d->tmp, "data", NULL);

    int32_t today;
    int64_t now_tod = local_now(tz, &today);
    int64_t start = 0, end = 0;
    if (!d->day) {
        /* The shortest announcements (a short demo), aired in playlist order; the session
         * sized from the media: the chime, then each announcement and its gap. */
        int64_t chime = 0, total = 0, dur[G_N_ELEMENTS(d->chosen)];
        media_gst_init();
        media_probe_duration(ex->audio.chime, 10 * USEC, &chime, NULL);
        size_t n_items =
            pl->n_items < G_N_ELEMENTS(d->chosen) ? pl->n_items : G_N_ELEMENTS(d->chosen);
        for (size_t i = 0; i < n_items; i++) {
            dur[i] = INT64_MAX;
            if (pl->items[i].kind == PLAN_KIND_ANNOUNCEMENT &&
                media_probe_duration(pl->items[i].file, 10 * USEC, &dur[i], NULL) < 0) {
                fw_error("%s does not decode: rebuild the example", pl->items[i].file);
                goto out;
            }
        }
        for (int k = 0; k < d->items; k++) {
            size_t best = n_items;
            for (size_t i = 0; i < n_items; i++)
                if (!d->chosen[i] && dur[i] != INT64_MAX && (best == n_items || dur[i] < dur[best]))
                    best = i;
            if (best == n_items)
                break;
            d->chosen[best] = true;
            total += dur[best] + ex->audio.gap_usec;
        }
        start = (now_tod / USEC + d->start_in) * USEC;
        end = start + chime + ex->audio.gap_usec + total + 2 * USEC;
        end = (end + USEC - 1) / USEC * USEC;
        if (end >= CIVIL_USEC_PER_DAY) {
            /* The README's first command must always show something: the simulated day. */
            fprintf(stderr, "loa demo: a session starting now would run past midnight, so the "
                            "demo simulates a whole day instead (as 'loa demo --day').\n");
            d->day = true;
        } else if (ex->has_quiet_hours &&
                   (civil_window_contains(ex->quiet_start_usec, ex->quiet_end_usec, start) ||
                    civil_window_contains(ex->quiet_start_usec, ex->quiet_end_usec, end - 1))) {
            char *a = hhmmss(ex->quiet_start_usec), *b = hhmmss(ex->quiet_end_usec),
                 *t = hhmmss(now_tod);
            a[5] = b[5] = '\0';
            fprintf(stderr,
                    "loa demo: it is %s in %s: quiet hours (%s-%s), when only emergencies air, "
                    "so the demo does not broadcast now: it simulates a whole day instead (as "
                    "'loa demo --day').\n"
                    "To hear a session now, try the demo in another time zone: "
                    "'loa demo --timezone Europe/Paris'.\n",
                    t, zone, a, b);
            g_free(a);
            g_free(b);
            g_free(t);
            d->day = true;
        }
    }

    cfg_text = demo_config(d, ex, zone, start, end);
    if (!g_file_set_contents(d->config, cfg_text, -1, NULL)) {
        fw_error("cannot write %s", d->config);
        goto out;
    }
    if (d->day) {
        d->playlist = g_strdup(ex_pl);
    } else {
        pl_text = demo_playlist(d, pl, today);
        d->playlist = g_build_filename(d->tmp, "demo-playlist.cfg", NULL);
        if (!g_file_set_contents(d->playlist, pl_text, -1, NULL)) {
            fw_error("cannot write %s", d->playlist);
            goto out;
        }
    }

    printf("Loa demo — %s, %s\n", ex->device.commune.name, ex->device.province.name);
    printf("  temporary directory: %s\n", d->tmp);
    printf("  loading the campaign playlist (%s) into the temporary library…\n", pl->id);
    const char *load[] = {"load", d->playlist, NULL};
    if ((code = run_self(d, true, load)) != 0)
        goto out;

    struct fw_globals g = {.program = d->exe,
                           .config_path = d->config,
                           .data_dir = d->data_dir,
                           .kiosk_layout = g0->kiosk_layout};
    struct fw_run_options o = {.until_utc_usec = INT64_MAX, .quiet = true};
    int32_t day = today;
    if (d->day) {
        /* The campaign's first Monday: all three sessions run. */
        day = pl->from_day;
        while (civil_weekday(day) != 0)
            day++;
        char date[16], from[32], until[32];
        civil_format_date(day, date, sizeof date);
        snprintf(from, sizeof from, "%s 00:00", date);
        civil_format_date(day + 1, until, sizeof until);
        strcat(until, " 00:00");
        printf("  simulating %s (%s) on the virtual clock: null audio, sim board…\n", date,
               civil_weekday_name_vi(civil_weekday(day)));
        o.virtual_clock = true;
        o.from_text = from;
        o.until_text = until;
        o.no_control = true;
        int64_t t0 = g_get_monotonic_time();
        code = fw_daemon_run(&g, &o);
        printf("  simulated a day in %.1f s\n", (double)(g_get_monotonic_time() - t0) / 1e6);
        if (code != 0)
            goto out;
        static const int64_t at[] = {6 * 3600 * USEC + 10 * USEC, 11 * 3600 * USEC + 20 * USEC,
                                     17 * 3600 * USEC + 610 * USEC};
        printf("  kiosk snapshots of that day:\n");
        snapshots(d, day, at, G_N_ELEMENTS(at));
    } else {
        char *a = hhmmss(start), *b = hhmmss(end);
        printf("  a session from %s to %s (%s): the chime, then %d announcement%s\n", a, b, zone,
               d->items, d->items == 1 ? "" : "s");
        g_free(a);
        g_free(b);
        if (!d->live)
            printf("  audio: the null output (silent); 'loa demo --live' plays through the "
                   "speakers\n");
        bool display = (getenv("DISPLAY") && *getenv("DISPLAY")) ||
                       (getenv("WAYLAND_DISPLAY") && *getenv("WAYLAND_DISPLAY"));
        if (strcmp(d->display, "auto") != 0)
            display = strcmp(d->display, "null") != 0;
        /* The supervised kiosk runs either way: in a window, or on the null display so
         * that its proof-of-display records reach the ledger (the report's notices). */
        o.kiosk = true;
        o.kiosk_display = display ? "sdl" : "null";
        o.kiosk_windowed = display;
        if (display)
            printf("  the kiosk opens in a window\n");
        printf("  waiting for the session (Ctrl+C stops the demo)…\n");
        fflush(stdout);
        /* Run until the relay's hold after the session's end. */
        o.until_utc_usec = g_get_real_time() + (end - now_tod) + 2 * USEC;
        char sock[4200];
        snprintf(sock, sizeof sock, "%s/control.sock", d->tmp);
        setenv("LOA_CONTROL_SOCKET", sock, 1);
        code = fw_daemon_run(&g, &o);
        if (code != 0)
            goto out;
        if (!display) {
            printf("  no display: kiosk snapshots of the session:\n");
            int64_t at[] = {start + USEC, start + (end - start) / 2, end + 2 * USEC};
            snapshots(d, today, at, G_N_ELEMENTS(at));
        }
    }

    char date[16];
    civil_format_date(day, date, sizeof date);
    printf("\nBáo cáo thời lượng phát sóng / airtime report (%s):\n\n", date);
    fflush(stdout);
    const char *report[] = {"report", "--from", date, "--to", date, NULL};
    code = run_self(d, false, report);
    printf("\nThe ledger, the device key and the library stay in %s\n"
           "(try: loa --config %s --data-dir %s verify)\n",
           d->tmp, d->config, d->data_dir);
out:
    fw_print_diags(&diags);
    loa_diag_list_clear(&diags);
    g_free(cfg_text);
    g_free(pl_text);
    g_free(ex_cfg);
    g_free(ex_pl);
    loa_playlist_free(pl);
    loa_config_free(ex);
    if (tz)
        g_time_zone_unref(tz);
    return code;
}

int fw_cmd_demo(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"day", no_argument, NULL, 'd'},
        {"live", no_argument, NULL, 'l'},
        {"items", required_argument, NULL, 'n'},
        {"start-in", required_argument, NULL, 's'},
        {"timezone", required_argument, NULL, 'z'},
        {"kiosk-display", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct demo d = {.items = 4, .start_in = 60, .display = "auto"};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        long v;
        switch (c) {
        case 'd':
            d.day = true;
            break;
        case 'l':
            d.live = true;
            break;
        case 'n':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 8)
                return fw_usage_error("demo ", "--items must be 1 to 8");
            d.items = (int)v;
            break;
        case 's':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 3600)
                return fw_usage_error("demo ", "--start-in must be 1 to 3600 seconds");
            d.start_in = (int)v;
            break;
        case 'z':
            d.timezone = optarg;
            break;
        case 'k':
            if (strcmp(optarg, "auto") && strcmp(optarg, "sdl") && strcmp(optarg, "null"))
                return fw_usage_error("demo ", "--kiosk-display must be auto, sdl or null");
            d.display = optarg;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("demo ", "bad option");
        }
    }
    if (optind < argc)
        return fw_usage_error("demo ", "unexpected argument '%s'", argv[optind]);
    ssize_t n = readlink("/proc/self/exe", d.exe, sizeof d.exe - 1);
    if (n <= 0)
        snprintf(d.exe, sizeof d.exe, "%s", g->program);
    else
        d.exe[n] = '\0';
    int code = demo_main(&d, g);
    g_free(d.tmp);
    g_free(d.config);
    g_free(d.data_dir);
    g_free(d.playlist);
    return code;
}
