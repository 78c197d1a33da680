/* Proof of display in a virtual run (SPEC.md "Virtual clock", "The kiosk").
 *
 * A virtual run has no kiosk process, so nothing would send PROOF records. The daemon
 * writes the records the kiosk would have produced instead: the rotation is a pure
 * function of the local time and the library (kiosk_proof_periods(), which the kiosk
 * tests show equals what the live kiosk records), the overrides are the airings that
 * cover the body (a kiosk text or the emergency class), and the page counts come from a
 * renderer laid out like the kiosk's (loa.cfg kiosk size, rotation and font), reached
 * through fw_globals.kiosk_layout: only the kiosk part links the renderer, and `loa run`
 * hands virtual runs to that helper (firmware/CMakeLists.txt "Executables").
 *
 * The stretch from the last flush is computed per local day (the schedule page's page
 * count is the day's) at each local hour the clock has passed when the day's batch is
 * committed, and exactly at the instants the kiosk would stop: a kill, an outage, a
 * clock step, the end of the run. Records are marked like every record of the run.
 */
#include <errno.h>
#include <inttypes.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fw_daemon.h"
#include "fw_kiosk.h"
#include "kiosk_plan.h"
#include "kiosk_proof.h"
#include "kiosk_render.h"

struct fw_virt_proof {
    bool open; /* a stretch is running from from_lt */
    int64_t from_lt;
    struct kiosk_override *ov; /* overrides that end after from_lt */
    size_t n_ov, cap_ov;
    bool ov_open;
    int64_t ov_open_from; /* the override on now, open-ended */
    const struct fw_kiosk_layout *layout; /* the globals', when renderer is set */
    struct kiosk_renderer *renderer; /* NULL: not started yet */
    bool renderer_failed;
    const struct fw_gen *gen; /* plan and library below describe it */
    struct plan *plan;
    struct fw_kiosk_library lib;
    bool lib_ok;
    unsigned *pages;
    /* Schedule pages by schedule (kind, times, title of every line): laying text out is
     * what costs, and a campaign's days repeat a few schedules. */
    GHashTable *sched_pages;
};

/* Beyond this many distinct schedules the cache starts over. */
#define SCHED_CACHE_MAX 512

static bool kiosk_enabled(const struct fw_daemon *d)
{
    const struct fw_gen *g = fw_daemon_newest_gen(d);
    return d->opt.virtual_clock && g && g->config->kiosk.enabled;
}

int fw_virt_proof_new(struct fw_daemon *d, struct fw_virt_proof **ret)
{
    struct fw_virt_proof *p = g_new0(struct fw_virt_proof, 1);
    (void)d;
    p->sched_pages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    *ret = p;
    return 0;
}

static void forget_gen(struct fw_virt_proof *p)
{
    p->plan = plan_free(p->plan);
    if (p->lib_ok)
        fw_kiosk_library_clear(&p->lib);
    p->lib_ok = false;
    g_free(p->pages);
    p->pages = NULL;
    p->gen = NULL;
    if (p->sched_pages)
        g_hash_table_remove_all(p->sched_pages);
}

struct fw_virt_proof *fw_virt_proof_free(struct fw_virt_proof *p)
{
    if (!p)
        return NULL;
    forget_gen(p);
    g_hash_table_unref(p->sched_pages);
    if (p->renderer)
        p->layout->renderer_free(p->renderer);
    g_free(p->ov);
    g_free(p);
    return NULL;
}

void fw_virt_proof_forget_gen(struct fw_daemon *d, const struct fw_gen *g)
{
    if (d->vproof && d->vproof->gen == g)
        forget_gen(d->vproof);
}

/* The renderer and the generation's notices with their page counts. */
static int prepare(struct fw_daemon *d, struct fw_virt_proof *p)
{
    const struct fw_gen *g = fw_daemon_newest_gen(d);
    if (!g)
        return -ENOENT;
    const struct loa_config *cfg = g->config;
    if (!p->renderer) {
        if (p->renderer_failed)
            return -EIO;
        const struct fw_kiosk_layout *layout = d->g->kiosk_layout;
        struct kiosk_render_config rcfg = {
            .width = cfg->kiosk.width,
            .height = cfg->kiosk.height,
            .rotation = cfg->kiosk.rotation,
            .font_path = cfg->kiosk.font[0] ? cfg->kiosk.font : NULL,
        };
        struct loa_diag_list warn = {0};
        int r = layout ? layout->renderer_new(&rcfg, &p->renderer, &warn) : -ENOTSUP;
        loa_diag_list_clear(&warn);
        if (r < 0) {
            p->renderer_failed = true;
            fw_daemon_error(d, "kiosk proof of display: cannot lay out the kiosk (%s)",
                            strerror(-r));
            return r;
        }
        p->layout = layout;
    }
    if (p->gen == g)
        return 0;
    forget_gen(p);
    int r = fw_kiosk_library_init(&p->lib, cfg, g->rules);
    if (r < 0)
        return r;
    p->lib_ok = true;
    if ((r = plan_new(&g->rules->rules, &p->plan)) < 0)
        return r;
    p->pages = g_new0(unsigned, p->lib.n_notices + 1);
    for (size_t i = 0; i < p->lib.n_notices; i++)
        p->pages[i] = p->layout->notice_pages(p->renderer, &p->lib.notices[i]);
    p->gen = g;
    return 0;
}

static void sink_record(void *userdata, const struct kiosk_proof_record *rec)
{
    fw_kiosk_feed_write_notice(userdata, rec);
}

/* The records of [from, to) within one local day. */
static int periods_of_day(struct fw_daemon *d, struct fw_virt_proof *p, int64_t from, int64_t to)
{
    const struct plan_rules *rules = &p->gen->rules->rules;
    int32_t day = kiosk_lt_day(from);
    struct kiosk_schedule_line *lines = NULL;
    size_t n = 0;
    int r = kiosk_plan_schedule(p->plan, rules, day, &lines, &n);
    if (r < 0) {
        /* The plan only walks forwards: a day before its cursor needs a fresh one. */
        p->plan = plan_free(p->plan);
        if ((r = plan_new(rules, &p->plan)) < 0 ||
            (r = kiosk_plan_schedule(p->plan, rules, day, &lines, &n)) < 0)
            return r;
    }
    struct kiosk_content c = {
        .identity = p->lib.identity,
        .notices = p->lib.notices,
        .n_notices = p->lib.n_notices,
        .rotate_seconds = p->lib.rotate_seconds,
        .screen_off = p->lib.screen_off,
        .schedule_day = day,
        .schedule = lines,
        .n_schedule = n,
    };
    GString *key = g_string_new(NULL);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(key, "%d %" PRId64 " %" PRId64 " %s\n", (int)lines[i].kind,
                               lines[i].start_usec, lines[i].end_usec,
                               lines[i].title ? lines[i].title : "");
    gpointer cached;
    unsigned sched_pages;
    if (g_hash_table_lookup_extended(p->sched_pages, key->str, NULL, &cached)) {
        sched_pages = GPOINTER_TO_UINT(cached);
        g_string_free(key, TRUE);
    } else {
        sched_pages = p->layout->schedule_pages(p->renderer, &c);
        if (g_hash_table_size(p->sched_pages) >= SCHED_CACHE_MAX)
            g_hash_table_remove_all(p->sched_pages);
        g_hash_table_insert(p->sched_pages, g_string_free(key, FALSE),
                            GUINT_TO_POINTER(sched_pages));
    }
    struct kiosk_rotation rot = {
        .notices = p->lib.notices,
        .n_notices = p->lib.n_notices,
        .notice_pages = p->pages,
        .schedule_pages = sched_pages,
        .rotate_seconds = p->lib.rotate_seconds,
    };
    struct kiosk_proof_sink sink = {sink_record, d};
    r = kiosk_proof_periods(&rot, &p->lib.screen_off, p->ov, p->n_ov, from, to, &sink);
    free(lines);
    return r;
}

/* Report [from_lt, to) and move from_lt to `to`; overrides ending by then are dropped. */
static void flush_to(struct fw_daemon *d, struct fw_virt_proof *p, int64_t to)
{
    if (!p->open)
        return;
    if (to <= p->from_lt) {
        if (to < p->from_lt) /* the clock went back: start over from there */
            p->from_lt = to;
        return;
    }
    if (p->ov_open) { /* the override on now counts up to `to` */
        if (p->n_ov == p->cap_ov) {
            p->cap_ov = p->cap_ov ? 2 * p->cap_ov : 8;
            p->ov = g_renew(struct kiosk_override, p->ov, p->cap_ov);
        }
        p->ov[p->n_ov++] = (struct kiosk_override){p->ov_open_from, to};
    }
    if (prepare(d, p) == 0 && p->lib.n_notices > 0) {
        for (int64_t t = p->from_lt; t < to;) {
            int64_t end = kiosk_lt(kiosk_lt_day(t) + 1, 0);
            if (end > to)
                end = to;
            int r = periods_of_day(d, p, t, end);
            if (r < 0) {
                fw_daemon_error(d, "kiosk proof of display: %s", strerror(-r));
                break;
            }
            t = end;
        }
    }
    if (p->ov_open)
        p->n_ov--;
    size_t k = 0;
    for (size_t i = 0; i < p->n_ov; i++)
        if (p->ov[i].until_lt_usec > to)
            p->ov[k++] = p->ov[i];
    p->n_ov = k;
    p->from_lt = to;
}

void fw_virt_proof_start(struct fw_daemon *d)
{
    struct fw_virt_proof *p = d->vproof;
    if (!p || !kiosk_enabled(d))
        return;
    p->open = true;
    p->from_lt = fw_daemon_local_lt(d, fw_daemon_now(d));
    p->n_ov = 0;
    p->ov_open = false;
}

void fw_virt_proof_flush(struct fw_daemon *d, bool stop)
{
    struct fw_virt_proof *p = d->vproof;
    if (!p || !p->open)
        return;
    int64_t now = fw_daemon_local_lt(d, fw_daemon_now(d));
    if (stop) {
        flush_to(d, p, now);
        p->open = false;
        p->ov_open = false;
        p->n_ov = 0;
        return;
    }
    /* Up to the last whole hour: every period closes there anyway, so the records are
     * the same as a kiosk running on would make. */
    int64_t hour = (int64_t)3600 * CIVIL_USEC_PER_SEC;
    int64_t to = kiosk_lt(kiosk_lt_day(now), kiosk_lt_tod(now) / hour * hour);
    flush_to(d, p, to);
}

void fw_virt_proof_step(struct fw_daemon *d, int64_t old_utc)
{
    struct fw_virt_proof *p = d->vproof;
    if (!p || !p->open)
        return;
    bool ov_open = p->ov_open;
    flush_to(d, p, fw_daemon_local_lt(d, old_utc));
    fw_virt_proof_start(d);
    /* An airing on through the step still covers the body, from the new reading. */
    if (ov_open) {
        p->ov_open = true;
        p->ov_open_from = p->from_lt;
    }
}

void fw_virt_proof_airing(struct fw_daemon *d, const struct fw_airing_info *info,
                          const struct fw_airing *a, int64_t start_utc)
{
    struct fw_virt_proof *p = d->vproof;
    if (!p || !p->open)
        return;
    /* As the kiosk draws it: an emergency fills the screen, a text takes the body. */
    bool covers = info && a && (a->cls == PLAN_CLASS_EMERGENCY || (info->text && *info->text));
    if (p->ov_open) {
        int64_t until = fw_daemon_local_lt(d, fw_daemon_now(d));
        if (until > p->ov_open_from) {
            if (p->n_ov == p->cap_ov) {
                p->cap_ov = p->cap_ov ? 2 * p->cap_ov : 8;
                p->ov = g_renew(struct kiosk_override, p->ov, p->cap_ov);
            }
            p->ov[p->n_ov++] = (struct kiosk_override){p->ov_open_from, until};
        }
        p->ov_open = false;
    }
    if (covers) {
        p->ov_open = true;
        p->ov_open_from = fw_daemon_local_lt(d, start_utc);
    }
}
