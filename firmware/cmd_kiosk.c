/* `loa kiosk [--snapshot FILE.png [--at T] [--size WxH]] [PLAYLIST...]` (SPEC.md "The
 * kiosk").
 *
 * The kiosk process. With --snapshot it draws exactly what the screen shows at T into a
 * PNG, headless (no video device is touched). Without, it runs the screen: an SDL window
 * (fullscreen through KMSDRM on the board; SDL's dummy driver when there is no display)
 * redrawn only when the picture changes.
 *
 * The live screen is fed by the daemon over the control socket (kiosk_feed.h,
 * fw_kiosk_client.h): it subscribes, shows what the daemon sends (content, today's
 * schedule, what really airs) and sends its proof-of-display records back for the
 * ledger (they are also printed on stdout, for people). Until the daemon's first
 * CONTENT arrives — no daemon running, or --at / PLAYLIST files given, which never
 * connect — it feeds itself from the library (the PLAYLIST files, else the installed
 * ones) and the plan, so the screen is never blank. When the connection drops it keeps
 * what it has (nothing airs any more), retries every second and subscribes again; on a
 * new day without a daemon it goes back to feeding itself. SHUTDOWN from the daemon
 * ends it cleanly (loa-kiosk.service restarts it; it then waits for the daemon).
 *
 * LOA_KIOSK_TRACE=FILE (tests) appends one line per daemon message applied and per
 * change of what the screen shows.
 */
#include <errno.h>
#include <getopt.h>
#include <glib-unix.h>
#include <glib.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "fw.h"
#include "daemon/fw_control.h"
#include "daemon/fw_kiosk_client.h"
#include "fw_kiosk.h"
#include "fw_rules.h"
#include "kiosk.h"
#include "kiosk_plan.h"
#include "kiosk_render.h"
#include "plan.h"

/* How far ahead the footer looks for the next session. */
#define NEXT_SESSION_HORIZON_DAYS 31
/* The longest the live loop sleeps, so a wall-clock step is noticed within a minute. */
#define MAX_SLEEP_MS 60000

struct opts {
    const char *snapshot;
    bool has_at;
    int64_t at_lt;
    bool has_size;
    int width, height;
    int rotation; /* -1: the config's */
    const char *display;
    bool windowed;
    int run_seconds; /* live: stop after this many seconds (0: until a signal) */
    bool standalone; /* --at or PLAYLIST files: never talk to a daemon */
};

/* Content from the library and the plan (the daemon's messages replace this later). */
struct feed {
    struct fw_rules_input in;
    struct fw_kiosk_library lib;
    struct plan *plan; /* NULL without rules; walks today */
    struct plan *ahead; /* the same plan walking the days ahead for the next session, so
                           neither cursor ever goes back (going back replays the plan) */
    bool have_day;
    int32_t day;
    struct kiosk_schedule_line *lines;
    size_t n_lines;
    struct kiosk_airing airing;
    struct kiosk_next_session next;
    int64_t next_change; /* when airing/next may change by themselves */
    bool have_state;
    int64_t state_from, state_until; /* airing and next hold on [from, until) */
};

static void print_help(void)
{
    fputs("Usage: loa kiosk [--snapshot FILE.png] [--at T] [--size WxH] [--rotation DEG]\n"
          "                 [--display auto|sdl|null] [--windowed] [--for SECONDS]\n"
          "                 [PLAYLIST...]\n"
          "\n"
          "Show the kiosk: the commune's header and clock, the notices valid now in\n"
          "rotation with the built-in \"Lịch phát hôm nay\", what the loudspeakers air\n"
          "(its text in the body) and the next session. Uses the installed library unless\n"
          "PLAYLIST files are given.\n"
          "\n"
          "Options:\n"
          "  --snapshot FILE  draw what the screen shows at T into FILE (PNG) and exit;\n"
          "                   headless, no display needed\n"
          "  --at T           the moment, \"YYYY-MM-DD HH:MM[:SS]\" local (default: now);\n"
          "                   without --snapshot the live screen starts at T and runs on\n"
          "  --size WxH       screen size in pixels (default: kiosk.size)\n"
          "  --rotation DEG   0, 90, 180 or 270 (default: kiosk.rotation)\n"
          "  --display DRV    auto (default: SDL, else none), sdl or null\n"
          "  --windowed       a window rather than fullscreen\n"
          "  --for SECONDS    stop the live screen after SECONDS\n"
          "  --help           this help\n"
          "\n"
          "The live screen shows what the running daemon sends over the control socket\n"
          "($LOA_CONTROL_SOCKET, else DATA_DIR/control.sock) and hands it its proof of\n"
          "display; without a daemon (or with --at or PLAYLIST files) it feeds itself\n"
          "from the library and the plan and looks for the daemon every second. It also\n"
          "prints one proof-of-display line per notice and period on stdout.\n"
          "SDL_VIDEODRIVER=dummy runs it without a screen.\n",
          stdout);
}

static int parse_size(const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X'))
        return -EINVAL;
    const char *s2 = end + 1;
    long b = strtol(s2, &end, 10);
    if (end == s2 || *end || a < 100 || b < 100 || a > 8192 || b > 8192)
        return -EINVAL;
    *w = (int)a;
    *h = (int)b;
    return 0;
}

/* ---- the feed ------------------------------------------------------------------- */

static void feed_clear(struct feed *f)
{
    plan_free(f->plan);
    plan_free(f->ahead);
    free(f->lines);
    fw_kiosk_library_clear(&f->lib);
    fw_rules_input_clear(&f->in);
    memset(f, 0, sizeof *f);
}

/* Load config and library. Returns an exit code. */
static int feed_load(struct feed *f, const struct fw_globals *g, char *const *paths, size_t n,
                     struct loa_diag_list *diags)
{
    int code = fw_rules_load_config(g, &f->in, diags);
    if (code != LOA_EXIT_OK)
        return code;
    if (n > 0) {
        code = fw_rules_load_files(&f->in, paths, n, diags);
    } else {
        /* No library is no reason to leave the screen dark: show the header, the clock
         * and an empty schedule, and say why. */
        struct loa_diag_list quiet = {0};
        code = fw_load_installed_rules(g, &f->in, &quiet);
        if (code != LOA_EXIT_OK) {
            for (size_t i = 0; i < quiet.n; i++)
                quiet.items[i].severity = LOA_SEV_WARNING;
            for (size_t i = 0; i < quiet.n; i++)
                loa_diag_list_push(diags, &quiet.items[i]);
            /* Keep the config (its warnings were said once); drop what the library left. */
            f->in.rules = loa_rules_free(f->in.rules);
            for (size_t i = 0; i < f->in.n_playlists; i++)
                loa_playlist_free(f->in.playlists[i]);
            free(f->in.playlists);
            f->in.playlists = NULL;
            f->in.n_playlists = 0;
            code = fw_rules_load_files(&f->in, NULL, 0, diags);
        }
        loa_diag_list_clear(&quiet);
    }
    if (code != LOA_EXIT_OK)
        return code;
    if (fw_kiosk_library_init(&f->lib, f->in.config, f->in.rules) < 0)
        return LOA_EXIT_RUNTIME;
    if (f->in.rules && (plan_new(&f->in.rules->rules, &f->plan) < 0 ||
                        plan_new(&f->in.rules->rules, &f->ahead) < 0))
        return LOA_EXIT_RUNTIME;
    return LOA_EXIT_OK;
}

/* Bring schedule, airing and next session to t. They only change at the plan's own
 * instants, so between them nothing is recomputed. Returns 0 or a negative errno. */
static int feed_at(struct feed *f, int64_t t)
{
    int32_t day = kiosk_lt_day(t);
    if (f->have_state && f->state_from <= t && t < f->state_until)
        return 0;
    f->airing = (struct kiosk_airing){0};
    f->next = (struct kiosk_next_session){0};
    f->next_change = kiosk_lt(day + 1, 0);
    f->have_state = false;
    if (!f->plan) {
        f->day = day;
        f->have_day = true;
        return 0;
    }
    const struct plan_rules *rules = &f->in.rules->rules;
    if (!f->have_day || f->day != day) {
        free(f->lines);
        f->lines = NULL;
        f->n_lines = 0;
        int rc = kiosk_plan_schedule(f->plan, rules, day, &f->lines, &f->n_lines);
        if (rc < 0)
            return rc;
        f->day = day;
        f->have_day = true;
    }
    int rc = kiosk_plan_airing(f->plan, rules, f->lib.item_texts, t, &f->airing, &f->next_change);
    if (rc >= 0)
        rc = kiosk_plan_next_session(f->ahead, rules, t, NEXT_SESSION_HORIZON_DAYS, &f->next);
    if (rc < 0)
        return rc;
    /* The next session changes when it starts (or at midnight, when none is found). */
    int64_t until = f->next_change;
    if (f->next.present && kiosk_lt(f->next.day, f->next.start_usec) < until)
        until = kiosk_lt(f->next.day, f->next.start_usec);
    f->have_state = true;
    f->state_from = t;
    f->state_until = until;
    return 0;
}

static void feed_content(const struct feed *f, struct kiosk_content *c)
{
    *c = (struct kiosk_content){
        .identity = f->lib.identity,
        .notices = f->lib.notices,
        .n_notices = f->lib.n_notices,
        .rotate_seconds = f->lib.rotate_seconds,
        .screen_off = f->lib.screen_off,
        .schedule_day = f->day,
        .schedule = f->lines,
        .n_schedule = f->n_lines,
        .airing = f->airing,
        .next = f->next,
    };
}

static void format_lt(int64_t t, char *buf, size_t n)
{
    char d[16], tm[16];
    snprintf(buf, n, "%s %s", civil_format_date(kiosk_lt_day(t), d, sizeof d),
             civil_format_time(kiosk_lt_tod(t), tm, sizeof tm));
}

/* ---- the device's local time ------------------------------------------------------- */

static int64_t wall_lt(GTimeZone *tz)
{
    GDateTime *now = g_date_time_new_now(tz);
    int y, m, d;
    g_date_time_get_ymd(now, &y, &m, &d);
    int64_t tod = ((int64_t)g_date_time_get_hour(now) * 3600 +
                   (int64_t)g_date_time_get_minute(now) * 60 + g_date_time_get_second(now)) *
                      CIVIL_USEC_PER_SEC +
                  g_date_time_get_microsecond(now);
    g_date_time_unref(now);
    return kiosk_lt(civil_from_ymd(y, m, d), tod);
}

static GTimeZone *device_tz(const struct loa_config *c)
{
    GTimeZone *tz = c->device.timezone[0] ? g_time_zone_new_identifier(c->device.timezone) : NULL;
    if (!tz) {
        fw_error("unknown time zone '%s'; using the host's", c->device.timezone);
        tz = g_time_zone_new_local();
    }
    return tz;
}

/* ---- snapshot -------------------------------------------------------------------- */

static int run_snapshot(struct feed *f, const struct opts *o, int64_t t)
{
    const struct loa_config *cfg = f->in.config;
    struct loa_diag_list warn = {0};
    struct kiosk_renderer *r = NULL;
    struct kiosk_content c;
    struct kiosk_view v;
    struct loa_diag err = {0};
    int code = LOA_EXIT_OK;
    char when[48];

    int rc = feed_at(f, t);
    if (rc < 0) {
        fw_error("cannot compute the plan: %s", strerror(-rc));
        return LOA_EXIT_RUNTIME;
    }
    feed_content(f, &c);
    struct kiosk_render_config rcfg = {
        .width = o->has_size ? o->width : cfg->kiosk.width,
        .height = o->has_size ? o->height : cfg->kiosk.height,
        .rotation = o->rotation >= 0 ? o->rotation : cfg->kiosk.rotation,
        .font_path = cfg->kiosk.font[0] ? cfg->kiosk.font : NULL,
    };
    rc = kiosk_renderer_new(&rcfg, &r, &warn);
    fw_print_diags(&warn);
    if (rc < 0) {
        fw_error("cannot start the kiosk renderer: %s", strerror(-rc));
        code = LOA_EXIT_RUNTIME;
        goto out;
    }
    rc = kiosk_renderer_compose(r, &c, t, &v);
    if (rc >= 0)
        rc = kiosk_renderer_draw(r, &c, &v);
    fw_print_diags(kiosk_renderer_warnings(r));
    if (rc < 0) {
        fw_error("cannot draw the kiosk: %s", strerror(-rc));
        code = LOA_EXIT_RUNTIME;
        goto out;
    }
    if (kiosk_renderer_save_png(r, o->snapshot, &err) < 0) {
        fw_print_diag(&err);
        code = LOA_EXIT_RUNTIME;
        goto out;
    }
    format_lt(t, when, sizeof when);
    printf("%s %s", when, kiosk_screen_name(v.screen));
    if (v.screen == KIOSK_SCREEN_NOTICE)
        printf(" %s", c.notices[v.slot.notice].id);
    else if (v.screen == KIOSK_SCREEN_AIRING || v.screen == KIOSK_SCREEN_EMERGENCY)
        printf(" \"%s\"", c.airing.title ? c.airing.title : "");
    printf(" page %u/%u %dx%d rotation %d -> %s\n", v.page + 1, v.n_pages, rcfg.width, rcfg.height,
           rcfg.rotation, o->snapshot);
out:
    kiosk_renderer_free(r);
    loa_diag_list_clear(&warn);
    return code;
}

/* ---- live -------------------------------------------------------------------------- */

struct live {
    GMainLoop *loop;
    struct kiosk *k;
    struct feed *feed;
    GTimeZone *tz;
    const struct opts *o;
    int64_t mono_start;
    guint tick_id;
    int exit_code;
    /* what the kiosk was last given, so unchanged content does not force a redraw */
    bool sent_schedule;
    int32_t sent_day;
    struct kiosk_airing sent_airing;
    struct kiosk_next_session sent_next;
    /* the daemon's feed */
    struct fw_kiosk_client *client; /* NULL: standalone */
    bool fed; /* the daemon's CONTENT arrived: no self-feed */
    int32_t fed_day; /* the day of the daemon's last SCHEDULE */
    FILE *trace; /* LOA_KIOSK_TRACE */
    bool traced;
    struct kiosk_view traced_view;
};

static int64_t live_now(const struct live *l)
{
    if (l->o->has_at)
        return l->o->at_lt + (g_get_monotonic_time() - l->mono_start);
    return wall_lt(l->tz);
}

static void print_proof(void *userdata, const struct kiosk_proof_record *rec)
{
    struct live *l = userdata;
    if (l->client)
        fw_kiosk_client_proof(l->client, rec);
    char a[48], b[48];
    format_lt(rec->first_shown_lt_usec, a, sizeof a);
    format_lt(rec->last_shown_lt_usec, b, sizeof b);
    printf(
        "proof notice=%s first=\"%s\" last=\"%s\" times=%u seconds=%.1f closed=%s title=\"%s\"\n",
        rec->notice_id, a, b, rec->times_shown, (double)rec->shown_usec / 1e6,
        kiosk_proof_close_name(rec->closed_by), rec->title);
    fflush(stdout);
}

static bool same_airing(const struct kiosk_airing *a, const struct kiosk_airing *b)
{
    return a->active == b->active && a->emergency == b->emergency &&
           a->start_lt_usec == b->start_lt_usec && a->title == b->title && a->text == b->text;
}

/* Hand the kiosk what changed (strings point into the library, so pointer equality is
 * content equality). */
static int live_feed(struct live *l, int64_t now)
{
    struct feed *f = l->feed;
    int rc = feed_at(f, now);
    if (rc < 0)
        return rc;
    if (!l->sent_schedule || l->sent_day != f->day) {
        rc = kiosk_set_schedule(l->k, f->day, f->lines, f->n_lines);
        l->sent_schedule = true;
        l->sent_day = f->day;
    }
    if (rc >= 0 && !same_airing(&f->airing, &l->sent_airing)) {
        rc = kiosk_set_airing(l->k, &f->airing);
        l->sent_airing = f->airing;
    }
    if (rc >= 0 && (f->next.present != l->sent_next.present || f->next.day != l->sent_next.day ||
                    f->next.start_usec != l->sent_next.start_usec)) {
        rc = kiosk_set_next_session(l->k, &f->next);
        l->sent_next = f->next;
    }
    return rc;
}

static void trace(struct live *l, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void trace(struct live *l, const char *fmt, ...)
{
    if (!l->trace)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(l->trace, fmt, ap);
    va_end(ap);
    fputc('\n', l->trace);
    fflush(l->trace);
}

/* What the screen shows, each time it changes (LOA_KIOSK_TRACE). */
static void trace_view(struct live *l)
{
    const struct kiosk_view *v = kiosk_last_view(l->k);
    if (!l->trace || (l->traced && v->screen == l->traced_view.screen &&
                      v->slot.notice == l->traced_view.slot.notice &&
                      v->display_on == l->traced_view.display_on))
        return;
    l->traced = true;
    l->traced_view = *v;
    const struct kiosk_content *c = kiosk_content(l->k);
    if (v->screen == KIOSK_SCREEN_NOTICE && v->slot.notice >= 0 &&
        (size_t)v->slot.notice < c->n_notices)
        trace(l, "view %s %s display=%d", kiosk_screen_name(v->screen),
              c->notices[v->slot.notice].id, v->display_on);
    else if (v->screen == KIOSK_SCREEN_AIRING || v->screen == KIOSK_SCREEN_EMERGENCY)
        trace(l, "view %s \"%s\" display=%d", kiosk_screen_name(v->screen),
              c->airing.title ? c->airing.title : "", v->display_on);
    else
        trace(l, "view %s display=%d", kiosk_screen_name(v->screen), v->display_on);
}

static gboolean on_tick(gpointer p)
{
    struct live *l = p;
    int64_t now = live_now(l), next = INT64_MAX;
    l->tick_id = 0;
    int rc = 0;
    if (l->fed && !fw_kiosk_client_connected(l->client) && kiosk_lt_day(now) != l->fed_day) {
        /* A new day and still no daemon: today's schedule comes from the plan again. */
        l->fed = false;
        l->sent_schedule = false;
        l->sent_next.present = !l->feed->next.present;
    }
    if (!l->fed)
        rc = live_feed(l, now);
    if (rc >= 0)
        rc = kiosk_update(l->k, now, &next);
    if (rc >= 0)
        trace_view(l);
    if (rc < 0) {
        fw_error("kiosk: %s", strerror(-rc));
        l->exit_code = LOA_EXIT_RUNTIME;
        g_main_loop_quit(l->loop);
        return G_SOURCE_REMOVE;
    }
    fw_print_diags(kiosk_renderer_warnings(kiosk_get_renderer(l->k)));
    loa_diag_list_clear(kiosk_renderer_warnings(kiosk_get_renderer(l->k)));
    if (!l->fed && l->feed->next_change < next)
        next = l->feed->next_change;
    /* +1 ms lands just after the boundary rather than just before it. */
    int64_t ms = (next - now) / 1000 + 1;
    if (ms < 1)
        ms = 1;
    if (ms > MAX_SLEEP_MS)
        ms = MAX_SLEEP_MS;
    l->tick_id = g_timeout_add((guint)ms, on_tick, l);
    return G_SOURCE_REMOVE;
}

/* Tick again now (something changed). */
static void retick(struct live *l)
{
    if (l->tick_id)
        g_source_remove(l->tick_id);
    l->tick_id = 0;
    on_tick(l);
}

static void on_daemon_connected(void *userdata)
{
    struct live *l = userdata;
    trace(l, "subscribed");
}

static void on_daemon_message(void *userdata, const struct kiosk_msg *m)
{
    struct live *l = userdata;
    int rc = 0;
    switch (m->kind) {
    case KIOSK_MSG_CONTENT:
        trace(l, "content notices=%zu commune=\"%s\"", m->n_notices,
              m->identity.commune ? m->identity.commune : "");
        rc = kiosk_apply_msg(l->k, m);
        if (rc >= 0 && !l->fed) {
            /* From now on the daemon says what airs; the plan's airing is withdrawn. */
            l->fed = true;
            l->fed_day = l->feed->day;
            rc = kiosk_set_airing(l->k, NULL);
        }
        break;
    case KIOSK_MSG_SCHEDULE:
        trace(l, "schedule day=%d lines=%zu next=%s", (int)m->schedule_day, m->n_schedule,
              m->next.present && m->next.name ? m->next.name : "-");
        l->fed_day = m->schedule_day;
        rc = kiosk_apply_msg(l->k, m);
        break;
    case KIOSK_MSG_AIRING:
        trace(l, "airing active=%d emergency=%d title=\"%s\"", m->airing.active,
              m->airing.emergency, m->airing.title ? m->airing.title : "");
        rc = kiosk_apply_msg(l->k, m);
        break;
    case KIOSK_MSG_BANNER:
        trace(l, "banner seconds=%lld text=\"%s\"",
              (long long)((m->banner.until_lt_usec - live_now(l) + CIVIL_USEC_PER_SEC / 2) /
                          CIVIL_USEC_PER_SEC),
              m->banner.text ? m->banner.text : "");
        rc = kiosk_apply_msg(l->k, m);
        break;
    case KIOSK_MSG_SHUTDOWN:
        trace(l, "shutdown");
        g_main_loop_quit(l->loop);
        return;
    default:
        return;
    }
    if (rc < 0)
        fw_error("kiosk: %s", strerror(-rc));
    retick(l);
}

static void on_daemon_disconnected(void *userdata)
{
    struct live *l = userdata;
    trace(l, "disconnected");
    if (!l->fed)
        return;
    /* Nothing airs without the daemon; the rest stays on the screen. */
    int rc = kiosk_set_airing(l->k, NULL);
    if (rc < 0)
        fw_error("kiosk: %s", strerror(-rc));
    retick(l);
}

static gboolean on_pump(gpointer p)
{
    struct live *l = p;
    if (kiosk_pump(l->k) == KIOSK_PUMP_QUIT) {
        g_main_loop_quit(l->loop);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_quit(gpointer p)
{
    struct live *l = p;
    g_main_loop_quit(l->loop);
    return G_SOURCE_CONTINUE;
}

static int run_live(const struct fw_globals *g, struct feed *f, const struct opts *o)
{
    const struct loa_config *cfg = f->in.config;
    struct loa_diag_list diags = {0};
    struct live l = {.feed = f, .o = o, .mono_start = g_get_monotonic_time()};
    struct kiosk_config kc = {
        .render =
            {
                .width = o->has_size ? o->width : cfg->kiosk.width,
                .height = o->has_size ? o->height : cfg->kiosk.height,
                .rotation = o->rotation >= 0 ? o->rotation : cfg->kiosk.rotation,
                .font_path = cfg->kiosk.font[0] ? cfg->kiosk.font : NULL,
            },
        .display =
            {
                .driver = o->display,
                .fullscreen = cfg->kiosk.fullscreen && !o->windowed,
                .title = "Loa",
            },
        .proof = {.record = print_proof, .userdata = &l},
    };
    int rc = kiosk_new(&kc, &l.k, &diags);
    fw_print_diags(&diags);
    loa_diag_list_clear(&diags);
    if (rc < 0)
        return LOA_EXIT_RUNTIME;
    l.tz = device_tz(cfg);
    fprintf(stderr, "loa kiosk: %s, %d notice%s, display %s\n",
            cfg->device.commune.name[0] ? cfg->device.commune.name : cfg->device.id,
            (int)f->lib.n_notices, f->lib.n_notices == 1 ? "" : "s", kiosk_display_driver(l.k));

    rc = kiosk_set_identity(l.k, &f->lib.identity);
    if (rc >= 0)
        rc = kiosk_set_settings(l.k, f->lib.rotate_seconds, &f->lib.screen_off);
    if (rc >= 0)
        rc = kiosk_set_notices(l.k, f->lib.notices, f->lib.n_notices);
    if (rc < 0) {
        fw_error("kiosk: %s", strerror(-rc));
        l.exit_code = LOA_EXIT_RUNTIME;
        goto out;
    }

    l.loop = g_main_loop_new(NULL, FALSE);
    const char *trace_path = getenv("LOA_KIOSK_TRACE");
    if (trace_path && *trace_path && !(l.trace = fopen(trace_path, "ae")))
        fw_error("LOA_KIOSK_TRACE: cannot open %s: %s", trace_path, strerror(errno));
    if (!o->standalone) {
        char sock[4200];
        static const struct fw_kiosk_client_ops ops = {on_daemon_connected, on_daemon_message,
                                                       on_daemon_disconnected};
        if (fw_control_client_path(g, sock, sizeof sock) != LOA_EXIT_OK ||
            fw_kiosk_client_new(sock, &ops, &l, &l.client) < 0)
            fw_error("kiosk: no control socket path; showing the library without the daemon");
    }
    guint sig_int = g_unix_signal_add(SIGINT, on_quit, &l);
    guint sig_term = g_unix_signal_add(SIGTERM, on_quit, &l);
    guint pump = 0, stop = 0;
    /* Only a real window has events to pump; null and dummy displays sleep until the
     * next change. */
    const char *drv = kiosk_display_driver(l.k);
    if (strcmp(drv, "null") != 0 && strcmp(drv, "sdl:dummy") != 0)
        pump = g_timeout_add(250, on_pump, &l);
    if (o->run_seconds > 0)
        stop = g_timeout_add((guint)o->run_seconds * 1000u, on_quit, &l);
    on_tick(&l);
    if (l.exit_code == LOA_EXIT_OK)
        g_main_loop_run(l.loop);

    kiosk_shutdown(l.k, live_now(&l));
    l.client = fw_kiosk_client_free(l.client); /* the last proof records go out first */
    if (l.tick_id)
        g_source_remove(l.tick_id);
    if (pump)
        g_source_remove(pump);
    if (stop)
        g_source_remove(stop);
    g_source_remove(sig_int);
    g_source_remove(sig_term);
    struct kiosk_stats st;
    kiosk_get_stats(l.k, &st);
    fprintf(stderr, "loa kiosk: stopped after %llu updates, %llu frames\n",
            (unsigned long long)st.updates, (unsigned long long)st.redraws);
out:
    if (l.trace)
        fclose(l.trace);
    if (l.loop)
        g_main_loop_unref(l.loop);
    kiosk_free(l.k);
    if (l.tz)
        g_time_zone_unref(l.tz);
    return l.exit_code;
}

int fw_cmd_kiosk(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"snapshot", required_argument, NULL, 's'},
        {"at", required_argument, NULL, 'a'},
        {"size", required_argument, NULL, 'S'},
        {"rotation", required_argument, NULL, 'r'},
        {"display", required_argument, NULL, 'd'},
        {"windowed", no_argument, NULL, 'w'},
        {"for", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {.rotation = -1, .display = "auto"};
    struct loa_diag_list diags = {0};
    struct feed f = {0};
    int c, code;

    optind = 0; /* full reset: options may follow the playlist files */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            o.snapshot = optarg;
            break;
        case 'a': {
            int32_t day;
            int64_t tod;
            if (civil_parse_datetime(optarg, &day, &tod) < 0)
                return fw_usage_error("kiosk ", "--at must be \"YYYY-MM-DD HH:MM[:SS]\", not '%s'",
                                      optarg);
            o.has_at = true;
            o.at_lt = kiosk_lt(day, tod);
            break;
        }
        case 'S':
            if (parse_size(optarg, &o.width, &o.height) < 0)
                return fw_usage_error("kiosk ", "--size must be WxH (100-8192 each), not '%s'",
                                      optarg);
            o.has_size = true;
            break;
        case 'r': {
            char *end;
            long r = strtol(optarg, &end, 10);
            if (*end || (r != 0 && r != 90 && r != 180 && r != 270))
                return fw_usage_error("kiosk ", "--rotation must be 0, 90, 180 or 270");
            o.rotation = (int)r;
            break;
        }
        case 'd':
            if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "sdl") != 0 &&
                strcmp(optarg, "null") != 0)
                return fw_usage_error("kiosk ", "--display must be auto, sdl or null");
            o.display = optarg;
            break;
        case 'w':
            o.windowed = true;
            break;
        case 'f': {
            char *end;
            long s = strtol(optarg, &end, 10);
            if (*end || s < 1 || s > 86400 * 366)
                return fw_usage_error("kiosk ", "--for must be a number of seconds");
            o.run_seconds = (int)s;
            break;
        }
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("kiosk ", "bad option");
        }
    }

    code = feed_load(&f, g, argv + optind, (size_t)(argc - optind), &diags);
    fw_print_diags(&diags);
    loa_diag_list_clear(&diags);
    if (code != LOA_EXIT_OK)
        goto out;

    if (o.snapshot) {
        int64_t t = o.has_at ? o.at_lt : 0;
        if (!o.has_at) {
            GTimeZone *tz = device_tz(f.in.config);
            t = wall_lt(tz);
            g_time_zone_unref(tz);
        }
        code = run_snapshot(&f, &o, t);
    } else if (!f.in.config->kiosk.enabled) {
        fprintf(stderr, "loa kiosk: the kiosk is disabled in %s (kiosk.enabled = false)\n",
                f.in.config->path);
        code = LOA_EXIT_OK;
    } else {
        o.standalone = o.has_at || optind < argc;
        code = run_live(g, &f, &o);
    }
out:
    feed_clear(&f);
    return code;
}
