/* The daemon feeds the kiosk(s) over the control socket (SPEC.md "Kiosk isolation";
 * messages in player/kiosk/kiosk_feed.h).
 *
 * Every `kiosk-subscribe` connection gets, at once, CONTENT (identity, rotation,
 * screen_off and the installed library's notices), SCHEDULE ("Lịch phát hôm nay" of the
 * plan in effect and the next session) and AIRING (what is on air now). Afterwards:
 * CONTENT + SCHEDULE after each reload, SCHEDULE at local midnight, when the next
 * session starts and when a pending reload takes effect, AIRING whenever the player
 * really starts or ends an airing (plan, play-now, emergency), BANNER for a `banner`
 * request (and to a kiosk subscribing while it is due), SHUTDOWN on a clean stop.
 * PROOF messages coming back become ledger `notice` records (local → UTC).
 *
 * The schedule is computed on plans of its own over the generation's rules, so the
 * core's plan cursor is never moved backwards by the kiosk.
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fw_daemon.h"
#include "fw_kiosk.h"
#include "kiosk_feed.h"
#include "kiosk_plan.h"

/* How far ahead the footer looks for the next session (as `loa kiosk` does). */
#define NEXT_SESSION_HORIZON_DAYS 31
/* The schedule timer checks at least this often, so a clock step is noticed. */
#define SCHEDULE_CHECK_MAX_MS 60000
/* How long a clean stop waits for the kiosks' last proof records. */
#define SHUTDOWN_DRAIN_MS 3000

struct fw_kiosk_feed {
    struct fw_daemon *d;
    const struct fw_gen *gen; /* the generation today/ahead walk */
    struct plan *today, *ahead;
    bool sent;
    int64_t resend_at_lt; /* the schedule is sent again at this local instant */
    guint timer;
    char *banner; /* the last `banner` request's text, NULL when none */
    int64_t banner_until_lt;
};

/* The generation the core airs today: a reload waits for the next session start. */
static const struct fw_gen *gen_in_effect(const struct fw_daemon *d, int64_t *ret_reload_at)
{
    struct fw_core_status st;
    *ret_reload_at = INT64_MAX;
    if (!d->core)
        return fw_daemon_newest_gen(d);
    fw_core_status(d->core, &st);
    if (st.reload_pending && d->n_gens >= 2) {
        *ret_reload_at = st.reload_at_utc_usec;
        return d->gens[d->n_gens - 2];
    }
    return fw_daemon_newest_gen(d);
}

static void send_msg(const struct kiosk_msg *m, void (*send)(void *ud, const void *buf, size_t len),
                     void *ud)
{
    void *buf = NULL;
    size_t len = 0;
    if (kiosk_msg_encode(m, &buf, &len) < 0)
        return;
    send(ud, buf, len);
    free(buf);
}

static void broadcast_fn(void *ud, const void *buf, size_t len)
{
    struct fw_daemon *d = ud;
    fw_control_kiosk_broadcast(d->control, buf, len);
}

static bool have_subscribers(const struct fw_daemon *d)
{
    return d->control && fw_control_kiosk_count(d->control) > 0;
}

static void send_content(struct fw_daemon *d, void (*send)(void *ud, const void *buf, size_t len),
                         void *ud)
{
    const struct fw_gen *g = fw_daemon_newest_gen(d);
    struct fw_kiosk_library lib;
    if (!g || fw_kiosk_library_init(&lib, g->config, g->rules) < 0)
        return;
    struct kiosk_msg m = {
        .kind = KIOSK_MSG_CONTENT,
        .identity = lib.identity,
        .rotate_seconds = lib.rotate_seconds,
        .screen_off = lib.screen_off,
        .notices = lib.notices,
        .n_notices = lib.n_notices,
    };
    send_msg(&m, send, ud);
    fw_kiosk_library_clear(&lib);
}

static int use_gen(struct fw_kiosk_feed *f, const struct fw_gen *g)
{
    if (f->gen == g && f->today && f->ahead)
        return 0;
    f->today = plan_free(f->today);
    f->ahead = plan_free(f->ahead);
    f->gen = NULL;
    int r = plan_new(&g->rules->rules, &f->today);
    if (r >= 0)
        r = plan_new(&g->rules->rules, &f->ahead);
    if (r < 0) {
        f->today = plan_free(f->today);
        return r;
    }
    f->gen = g;
    return 0;
}

static void send_schedule(struct fw_daemon *d, void (*send)(void *ud, const void *buf, size_t len),
                          void *ud)
{
    struct fw_kiosk_feed *f = d->kfeed;
    int64_t reload_at;
    const struct fw_gen *g = gen_in_effect(d, &reload_at);
    if (!f || !g || use_gen(f, g) < 0)
        return;
    int64_t now = fw_daemon_local_lt(d, fw_daemon_now(d));
    int32_t day = kiosk_lt_day(now);
    struct kiosk_schedule_line *lines = NULL;
    size_t n = 0;
    struct kiosk_next_session next = {0};
    const struct plan_rules *rules = &g->rules->rules;
    if (kiosk_plan_schedule(f->today, rules, day, &lines, &n) < 0 ||
        kiosk_plan_next_session(f->ahead, rules, now, NEXT_SESSION_HORIZON_DAYS, &next) < 0) {
        free(lines);
        return;
    }
    struct kiosk_msg m = {
        .kind = KIOSK_MSG_SCHEDULE,
        .schedule_day = day,
        .schedule = lines,
        .n_schedule = n,
        .next = next,
    };
    send_msg(&m, send, ud);
    free(lines);
    /* Sent again at midnight, when the next session starts (the footer moves on) and
     * when a pending reload takes effect. */
    int64_t at = kiosk_lt(day + 1, 0);
    if (next.present && kiosk_lt(next.day, next.start_usec) < at)
        at = kiosk_lt(next.day, next.start_usec);
    if (reload_at != INT64_MAX && fw_daemon_local_lt(d, reload_at) < at)
        at = fw_daemon_local_lt(d, reload_at);
    f->resend_at_lt = at;
    f->sent = true;
}

static void send_airing_now(struct fw_daemon *d,
                            void (*send)(void *ud, const void *buf, size_t len), void *ud)
{
    struct kiosk_msg m = {.kind = KIOSK_MSG_AIRING};
    struct fw_airing_info info;
    for (size_t i = 0; d->playing && i < FW_LIVE_SLOTS; i++) {
        const struct fw_live *l = &d->live[i];
        if (!l->used || !l->started || !fw_airing_same_key(&l->airing, &d->current))
            continue;
        if (fw_airing_info_get(d, &l->airing, &info) < 0)
            break;
        m.airing.active = true;
        m.airing.title = l->airing.kind == PLAN_KIND_CHIME ? KIOSK_CHIME_TITLE
                         : info.title                      ? info.title
                                                           : info.item_id;
        m.airing.text = info.text;
        m.airing.emergency = l->airing.cls == PLAN_CLASS_EMERGENCY;
        m.airing.start_lt_usec = fw_daemon_local_lt(d, l->start_wall);
        break;
    }
    send_msg(&m, send, ud);
}

static gboolean on_timer(gpointer data)
{
    struct fw_kiosk_feed *f = data;
    struct fw_daemon *d = f->d;
    int64_t now = fw_daemon_local_lt(d, fw_daemon_now(d));
    if (have_subscribers(d) && (!f->sent || now >= f->resend_at_lt))
        send_schedule(d, broadcast_fn, d);
    int64_t ms = SCHEDULE_CHECK_MAX_MS;
    if (f->sent && f->resend_at_lt > now && (f->resend_at_lt - now) / 1000 + 1 < ms)
        ms = (f->resend_at_lt - now) / 1000 + 1; /* just after the boundary */
    f->timer = g_timeout_add((guint)ms, on_timer, f);
    return G_SOURCE_REMOVE;
}

int fw_kiosk_feed_new(struct fw_daemon *d, struct fw_kiosk_feed **ret)
{
    struct fw_kiosk_feed *f = g_new0(struct fw_kiosk_feed, 1);
    f->d = d;
    f->timer = g_timeout_add(SCHEDULE_CHECK_MAX_MS, on_timer, f);
    *ret = f;
    return 0;
}

struct fw_kiosk_feed *fw_kiosk_feed_free(struct fw_kiosk_feed *f)
{
    if (!f)
        return NULL;
    if (f->timer)
        g_source_remove(f->timer);
    plan_free(f->today);
    plan_free(f->ahead);
    g_free(f->banner);
    g_free(f);
    return NULL;
}

void fw_kiosk_feed_forget_gen(struct fw_daemon *d, const struct fw_gen *g)
{
    struct fw_kiosk_feed *f = d->kfeed;
    if (!f || f->gen != g)
        return;
    f->today = plan_free(f->today);
    f->ahead = plan_free(f->ahead);
    f->gen = NULL;
}

void fw_kiosk_feed_content(struct fw_daemon *d)
{
    if (!have_subscribers(d))
        return;
    send_content(d, broadcast_fn, d);
    send_schedule(d, broadcast_fn, d);
    /* The resend instant may have moved closer (a reload pending from the next session). */
    if (d->kfeed) {
        if (d->kfeed->timer)
            g_source_remove(d->kfeed->timer);
        d->kfeed->timer = 0;
        on_timer(d->kfeed);
    }
}

void fw_kiosk_feed_airing(struct fw_daemon *d, const struct fw_airing_info *info,
                          const struct fw_airing *a, int64_t start_utc)
{
    fw_virt_proof_airing(d, info, a, start_utc);
    if (!have_subscribers(d))
        return;
    struct kiosk_msg m = {.kind = KIOSK_MSG_AIRING};
    if (info && a) {
        m.airing.active = true;
        m.airing.title = a->kind == PLAN_KIND_CHIME ? KIOSK_CHIME_TITLE
                         : info->title              ? info->title
                                                    : info->item_id;
        m.airing.text = info->text;
        m.airing.emergency = a->cls == PLAN_CLASS_EMERGENCY;
        m.airing.start_lt_usec = fw_daemon_local_lt(d, start_utc);
    }
    send_msg(&m, broadcast_fn, d);
}

void fw_kiosk_feed_greet(struct fw_daemon *d, void (*send)(void *ud, const void *buf, size_t len),
                         void *ud)
{
    send_content(d, send, ud);
    send_schedule(d, send, ud);
    send_airing_now(d, send, ud);
    struct fw_kiosk_feed *f = d->kfeed;
    if (f && f->banner && fw_daemon_local_lt(d, fw_daemon_now(d)) < f->banner_until_lt) {
        struct kiosk_msg m = {.kind = KIOSK_MSG_BANNER, .banner = {f->banner, f->banner_until_lt}};
        send_msg(&m, send, ud);
    }
}

/* text as the inside of a JSON string. */
static char *json_escape(const char *text)
{
    GString *s = g_string_new(NULL);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(s, "\\%c", *p);
        else if (*p < 0x20)
            g_string_append_printf(s, "\\u%04x", *p);
        else
            g_string_append_c(s, (char)*p);
    }
    return g_string_free(s, FALSE);
}

int fw_kiosk_feed_banner(struct fw_daemon *d, int seconds, const char *text, int64_t uid,
                         struct loa_diag *reterr)
{
    if (seconds < 1 || seconds > FW_BANNER_MAX_SECONDS)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                            "banner: seconds must be 1..%d", FW_BANNER_MAX_SECONDS);
    if (!text || !*text || strlen(text) > KIOSK_BANNER_MAX || strpbrk(text, "\r\n") ||
        !g_utf8_validate(text, -1, NULL))
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                            "banner: the text must be one line of 1..%d bytes of UTF-8",
                            KIOSK_BANNER_MAX);
    char *esc = json_escape(text);
    fw_daemon_event(d, "banner", uid, "{\"seconds\":%d,\"text\":\"%s\"}", seconds, esc);
    g_free(esc);
    int64_t until = fw_daemon_local_lt(d, fw_daemon_now(d)) + (int64_t)seconds * CIVIL_USEC_PER_SEC;
    if (d->kfeed) {
        g_free(d->kfeed->banner);
        d->kfeed->banner = g_strdup(text);
        d->kfeed->banner_until_lt = until;
    }
    if (have_subscribers(d)) {
        struct kiosk_msg m = {.kind = KIOSK_MSG_BANNER, .banner = {text, until}};
        send_msg(&m, broadcast_fn, d);
    }
    return 0;
}

void fw_kiosk_feed_write_notice(struct fw_daemon *d, const struct kiosk_proof_record *p)
{
    /* Local timeline → UTC. */
    int32_t d1 = kiosk_lt_day(p->first_shown_lt_usec), d2 = kiosk_lt_day(p->last_shown_lt_usec);
    struct ledger_record r;
    ledger_record_init(&r, LEDGER_NOTICE);
    r.written_usec = fw_daemon_now(d);
    r.trust = fw_daemon_record_trust(d);
    r.item_id = p->notice_id;
    r.title = p->title;
    r.shown_first_usec = d->tz.to_utc(d->tz.userdata, d1, kiosk_lt_tod(p->first_shown_lt_usec));
    r.shown_last_usec = d->tz.to_utc(d->tz.userdata, d2, kiosk_lt_tod(p->last_shown_lt_usec));
    r.shown_times = p->times_shown;
    /* The report counts notices by the date shown and by playlist, as airings by their
     * session date. */
    r.session_day = d1;
    const struct fw_gen *g = fw_daemon_newest_gen(d);
    for (size_t i = 0; g && g->rules && i < g->rules->n_playlists && !r.playlist_id; i++) {
        const struct loa_playlist *pl = g->rules->playlists[i];
        for (size_t j = 0; j < pl->n_notices; j++)
            if (strcmp(pl->notices[j].id, p->notice_id) == 0) {
                r.playlist_id = pl->id;
                break;
            }
    }
    r.shown_seconds = (p->shown_usec + 500000) / 1000000;
    fw_record_append(d, &r);
}

void fw_kiosk_feed_proof(struct fw_daemon *d, const struct kiosk_msg *m)
{
    const struct kiosk_proof_record *p = &m->proof;
    if (!p->notice_id || !*p->notice_id || !g_utf8_validate(p->notice_id, -1, NULL) ||
        (p->title && !g_utf8_validate(p->title, -1, NULL)))
        return;
    fw_kiosk_feed_write_notice(d, p);
}

void fw_kiosk_feed_shutdown(struct fw_daemon *d)
{
    if (!have_subscribers(d))
        return;
    struct kiosk_msg m = {.kind = KIOSK_MSG_SHUTDOWN};
    send_msg(&m, broadcast_fn, d);
    /* Each kiosk closes its proof periods, sends them and hangs up. */
    fw_control_kiosk_drain(d->control, SHUTDOWN_DRAIN_MS);
}
