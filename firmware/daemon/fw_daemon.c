/* The device daemon's state, startup, act loop and shutdown (SPEC.md "The device daemon").
 *
 * Decide and do are split (DESIGN.md): fw_core decides everything (relay, pre-roll,
 * starts, stops, catch-up, missed reasons); this file only does what it says, in order,
 * and reports back what happened. The ordering rule: a ledger record is committed before
 * fw_core (or the kiosk, or a control client) hears of what it records, so a kill at any
 * point loses at most the airing in progress, which the next start closes as
 * `interrupted (crash)`.
 *
 *   startup:  config → device key → ledger (close interrupted airings) → library + rules +
 *             plan (fw_gen) → relay → player → core (floor: 00:00 of the last airing
 *             record's day) → control socket → kiosk → READY=1
 *   loop:     tick the core → execute actions → arm one timer (real) or jump (virtual)
 *   stop:     fw_core_shutdown → the current airing is interrupted (shutdown), relay off
 *             → kiosks sent SHUTDOWN (their last proof records) → shutdown event +
 *             checkpoint → kiosk child reaped, ledger closed
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio.h"
#include "board_clock.h"
#include "board_notify.h"
#include "fw_board.h"
#include "fw_daemon.h"
#include "fw_data_dir.h"
#include "hash.h"
#include "kiosk_types.h"
#include "ledger_key.h"
#include "probe.h"
#include "relay.h"
#include "text.h"

#define USEC_PER_SEC INT64_C(1000000)
/* How often the sync witnesses (adjtimex, timesyncd's marker) are read. */
#define SYNC_CHECK_USEC (60 * USEC_PER_SEC)
/* How long a clean stop may wait for the player to report the interrupted airing. */
#define STOP_GRACE_MS 7000
/* Records older than this many airings are not searched for the floor. */
#define FLOOR_SEARCH_MAX 200000

/* ---- Small helpers ------------------------------------------------------------------ */

int64_t fw_daemon_now(const struct fw_daemon *d)
{
    return d->opt.virtual_clock ? d->virt_now : g_get_real_time();
}

static int64_t virt_clock(void *userdata)
{
    const struct fw_daemon *d = userdata;
    return d->virt_now - d->virt_offset;
}

void fw_daemon_error(struct fw_daemon *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->last_error, sizeof d->last_error, fmt, ap);
    va_end(ap);
    d->last_error_usec = fw_daemon_now(d);
    fprintf(stderr, "loa run: %s\n", d->last_error);
}

static void say(const struct fw_daemon *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const struct fw_daemon *d, const char *fmt, ...)
{
    if (d->opt.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("loa run: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void format_local(const struct fw_daemon *d, int64_t utc, char *buf, size_t size)
{
    int32_t day;
    int64_t tod;
    char date[16], t[16];
    d->tz.to_local(d->tz.userdata, utc, &day, &tod);
    snprintf(buf, size, "%s %s", civil_format_date(day, date, sizeof date),
             civil_format_time(tod, t, sizeof t));
}

/* ---- Clock trust -------------------------------------------------------------------- */

static enum ledger_trust ledger_trust_of(enum fw_trust t)
{
    switch (t) {
    case FW_TRUST_SYNCED:
        return LEDGER_TRUST_SYNCED;
    case FW_TRUST_HOLDOVER:
        return LEDGER_TRUST_HOLDOVER;
    case FW_TRUST_RTC:
        return LEDGER_TRUST_RTC;
    case FW_TRUST_OPERATOR:
        return LEDGER_TRUST_OPERATOR;
    case FW_TRUST_VIRTUAL:
        return LEDGER_TRUST_VIRTUAL;
    default:
        return LEDGER_TRUST_UNSYNCED;
    }
}

/* Read the sync witnesses (real clock) or the scripted one (virtual) into the trust
 * state machine. */
static void observe_sync(struct fw_daemon *d, int64_t now)
{
    if (d->opt.virtual_clock) {
        if (d->virt_synced)
            fw_trust_observe(&d->trust, true, now, now);
        return;
    }
    if (now < d->next_sync_check && now >= d->next_sync_check - 2 * SYNC_CHECK_USEC)
        return;
    d->next_sync_check = now + SYNC_CHECK_USEC;
    bool kernel = false, timesyncd = false;
    int64_t mtime = 0;
    if (board_clock_kernel_synced(&kernel) < 0)
        kernel = false;
    if (board_clock_timesyncd_synced(NULL, d->boot_real, &timesyncd, &mtime) < 0)
        timesyncd = false;
    if (timesyncd)
        fw_trust_observe(&d->trust, true, mtime, now);
    else
        fw_trust_observe(&d->trust, kernel, now, now);
}

enum fw_trust fw_daemon_core_trust(struct fw_daemon *d)
{
    int64_t now = fw_daemon_now(d);
    observe_sync(d, now);
    enum fw_trust t = fw_trust_get(&d->trust, now);
    if (d->opt.virtual_clock)
        t = fw_trust_is_trusted(t) ? FW_TRUST_VIRTUAL : FW_TRUST_UNSYNCED;
    if (t != d->last_trust_logged) {
        enum fw_trust old = d->last_trust_logged;
        d->last_trust_logged = t;
        fw_daemon_event(d, "clock-trust", LEDGER_NONE, "{\"from\":\"%s\",\"to\":\"%s\"}",
                        fw_trust_name(old), fw_trust_name(t));
    }
    return t;
}

enum ledger_trust fw_daemon_record_trust(struct fw_daemon *d)
{
    /* A virtual run's records always say `virtual`: the simulated world's trust only
     * steers the core (clock-unsynced), and `loa run --clock virtual` must recognise its
     * own ledger (ledger_has_real_records). */
    if (d->opt.virtual_clock)
        return LEDGER_TRUST_VIRTUAL;
    return ledger_trust_of(fw_trust_get(&d->trust, fw_daemon_now(d)));
}

/* ---- Ledger ----------------------------------------------------------------------- */

int fw_daemon_event(struct fw_daemon *d, const char *type, int64_t uid, const char *fmt, ...)
{
    if (!d->ledger)
        return -ENOTCONN;
    char detail[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    struct ledger_record r;
    ledger_record_init(&r, LEDGER_EVENT);
    r.written_usec = fw_daemon_now(d);
    r.trust = fw_daemon_record_trust(d);
    r.event_type = type;
    r.event_detail = detail;
    r.caller_uid = uid;
    return fw_record_append(d, &r);
}

static enum fw_record_state ledger_view(void *userdata, const struct plan_rules *rules,
                                        const struct plan_airing *a)
{
    struct fw_daemon *d = userdata;
    char key[160];
    unsigned flags = 0;
    fw_plan_key(rules, a, key, sizeof key);
    if (ledger_lookup_key(d->ledger, key, &flags) < 0)
        return FW_RECORD_NONE;
    if (flags & LEDGER_KEY_HAS_FINAL)
        return FW_RECORD_FINAL;
    return (flags & LEDGER_KEY_HAS_START) ? FW_RECORD_STARTED : FW_RECORD_NONE;
}

static void checkpoint(struct fw_daemon *d, const char *why)
{
    struct loa_diag e = {0};
    int r = ledger_append_checkpoint(d->ledger, fw_daemon_now(d), fw_daemon_record_trust(d), why,
                                     NULL, NULL, &e);
    if (r < 0)
        fw_daemon_error(d, "ledger checkpoint: %s", e.msg[0] ? e.msg : strerror(-r));
}

void fw_daemon_commit(struct fw_daemon *d)
{
    fw_virt_proof_flush(d, false);
    if (!d->batching)
        return;
    int r = ledger_batch_end(d->ledger);
    if (r < 0)
        fw_daemon_error(d, "ledger: committing the day failed: %s", strerror(-r));
    d->batching = false;
    int32_t day = fw_clock_local_day(d, fw_daemon_now(d));
    if (day != d->checkpoint_day) {
        d->checkpoint_day = day;
        checkpoint(d, "daily");
    }
    if (ledger_batch_begin(d->ledger) == 0) {
        d->batching = true;
        d->batch_day = day;
    }
}

/* 00:00 local of the day of the last airing record, or now for a ledger without any
 * (fw_core_new's recommended floor). */
static int64_t ledger_floor(struct fw_daemon *d, int64_t now)
{
    int64_t seq = 0;
    uint8_t head[LEDGER_HASH_SIZE];
    if (ledger_head(d->ledger, &seq, head) < 0)
        return now;
    for (int64_t s = seq, n = 0; s >= 1 && n < FLOOR_SEARCH_MAX; s--, n++) {
        struct ledger_record *r = NULL;
        if (ledger_get(d->ledger, s, &r) < 0)
            break;
        bool airing = r->kind == LEDGER_AIRING;
        int64_t t = r->written_usec;
        ledger_record_free(r);
        if (airing) {
            int32_t day = fw_clock_local_day(d, t);
            int64_t floor = d->tz.to_utc(d->tz.userdata, day, 0);
            return floor < now ? floor : now;
        }
    }
    return now;
}

/* A real device's history: airings, notices or a daemon's events made with a real clock.
 * (`loa load` into a fresh data dir writes a library event with the host's clock; that
 * is not a device's broadcast history, so a virtual run may use that library.) */
static int real_history(const struct ledger_record *r, void *userdata)
{
    (void)userdata;
    if (r->trust == LEDGER_TRUST_VIRTUAL)
        return 0;
    if (r->kind == LEDGER_AIRING || r->kind == LEDGER_NOTICE)
        return 1;
    if (r->kind == LEDGER_EVENT && r->event_type && strncmp(r->event_type, "library-", 8) != 0 &&
        strcmp(r->event_type, "key-created") != 0)
        return 1;
    return 0;
}

/* The time of the last record a virtual run made (a new run over the same data dir
 * resumes there; library events written by `loa load` carry the host's time). */
static int64_t ledger_last_time(struct fw_daemon *d)
{
    int64_t seq = 0;
    uint8_t head[LEDGER_HASH_SIZE];
    if (ledger_head(d->ledger, &seq, head) < 0)
        return INT64_MIN;
    for (int64_t s = seq, n = 0; s >= 1 && n < FLOOR_SEARCH_MAX; s--, n++) {
        struct ledger_record *r = NULL;
        if (ledger_get(d->ledger, s, &r) < 0)
            break;
        bool virt = r->trust == LEDGER_TRUST_VIRTUAL;
        int64_t t = r->written_usec;
        ledger_record_free(r);
        if (virt)
            return t;
    }
    return INT64_MIN;
}

/* ---- Generations -------------------------------------------------------------------- */

struct fw_gen *fw_daemon_newest_gen(const struct fw_daemon *d)
{
    return d->n_gens ? d->gens[d->n_gens - 1] : NULL;
}

int64_t fw_daemon_local_lt(const struct fw_daemon *d, int64_t utc_usec)
{
    int32_t day;
    int64_t tod;
    d->tz.to_local(d->tz.userdata, utc_usec, &day, &tod);
    return kiosk_lt(day, tod);
}

static void release_plan(struct fw_daemon *d, const struct fw_action *a)
{
    for (size_t i = 0; i < d->n_gens; i++) {
        struct fw_gen *g = d->gens[i];
        if (&g->rules->rules != a->rules)
            continue;
        if (g->plan != a->plan) {
            plan_free(a->plan); /* a plan over these rules the core no longer uses */
            return;
        }
        if (i == d->n_gens - 1)
            return; /* the current generation is never let go of */
        fw_kiosk_feed_forget_gen(d, g);
        fw_virt_proof_forget_gen(d, g);
        fw_gen_free(g);
        memmove(&d->gens[i], &d->gens[i + 1], (d->n_gens - i - 1) * sizeof d->gens[0]);
        d->n_gens--;
        return;
    }
}

static void core_config(const struct loa_config *c, struct fw_core_config *cc)
{
    fw_core_config_default(cc);
    cc->amp_warmup_usec = c->board.amp_warmup_usec;
    cc->amp_hold_usec = c->board.amp_hold_usec;
    cc->catch_up_usec = (int64_t)c->time.catch_up_minutes * 60 * USEC_PER_SEC;
    /* The player's own deadline (duration + 5 s) comes first; this is the backstop. */
    cc->timeout_usec = 10 * USEC_PER_SEC;
    cc->require_trust = c->time.require_trust;
    cc->has_quiet_hours = c->has_quiet_hours;
    cc->quiet_start_usec = c->quiet_start_usec;
    cc->quiet_end_usec = c->quiet_end_usec;
}

static int load_config(struct fw_daemon *d, struct loa_config **ret, bool at_start)
{
    struct loa_diag_list diags = {0};
    char *text = NULL;
    size_t len = 0;
    struct loa_diag e = {0};
    int r = loa_text_read_file(d->config_path, LOA_LOADER_MAX_FILE_SIZE, &text, &len, &e);
    if (r >= 0)
        r = loa_config_parse(d->config_path, text, len, ret, &diags);
    else
        loa_diag_list_add(&diags, LOA_SEV_ERROR, d->config_path, 0, "%s",
                          e.msg[0] ? e.msg : strerror(-r));
    if (r >= 0) {
        if (at_start)
            fw_print_diags(&diags);
        free(d->good_config);
        d->good_config = text;
        d->good_config_len = len;
        loa_diag_list_clear(&diags);
        return 0;
    }
    free(text);
    fw_print_diags(&diags);
    if (at_start || !d->good_config) {
        loa_diag_list_clear(&diags);
        return -EINVAL;
    }
    /* SPEC.md: a running daemon whose edited config no longer loads keeps the last
     * config that did, and says so. */
    const char *why = diags.n ? diags.items[0].msg : "invalid";
    fw_daemon_error(d, "%s no longer loads (%s); keeping the last config that did", d->config_path,
                    why);
    fw_daemon_event(d, "config-invalid", LEDGER_NONE, "{\"path\":\"%s\",\"kept\":\"last good\"}",
                    d->config_path);
    loa_diag_list_clear(&diags);
    struct loa_diag_list d2 = {0};
    r = loa_config_parse(d->config_path, d->good_config, d->good_config_len, ret, &d2);
    loa_diag_list_clear(&d2);
    return r < 0 ? -EINVAL : 1;
}

static void do_reload(struct fw_daemon *d)
{
    d->reload_requested = false;
    struct loa_config *config = NULL;
    if (load_config(d, &config, false) < 0)
        return;
    if (d->n_gens >= G_N_ELEMENTS(d->gens) - 1) {
        loa_config_free(config);
        fw_daemon_error(d, "reload: too many generations still in use; retrying later");
        d->reload_requested = true;
        return;
    }
    struct loa_diag_list diags = {0};
    struct fw_gen *g = NULL;
    int r = fw_gen_new(d->data_dir, config, &g, &diags);
    if (r < 0) {
        fw_print_diags(&diags);
        fw_daemon_error(d, "reload: the library does not load (%s); keeping the current one",
                        diags.n ? diags.items[0].msg : strerror(-r));
        fw_daemon_event(d, "reload-failed", LEDGER_NONE, "{\"error\":\"%s\"}",
                        diags.n ? "library" : strerror(-r));
        loa_diag_list_clear(&diags);
        return;
    }
    loa_diag_list_clear(&diags);
    r = fw_core_reload(d->core, fw_daemon_now(d), &g->rules->rules, g->plan, g);
    if (r < 0) {
        fw_gen_free(g);
        if (r == -EBUSY)
            d->reload_requested = true;
        fw_daemon_error(d, "reload: %s", strerror(-r));
        return;
    }
    d->gens[d->n_gens++] = g;
    d->lib_generation_seen = g->lib_generation;
    struct ledger_identity id;
    fw_ledger_identity(g->config, &id);
    ledger_set_identity(d->ledger, &id);
    struct fw_core_status st;
    fw_core_status(d->core, &st);
    char at[40];
    format_local(d, st.reload_at_utc_usec, at, sizeof at);
    fw_daemon_event(d, "reload", LEDGER_NONE,
                    "{\"library_generation\":%" PRIu64 ",\"playlists\":%zu,\"effective\":\"%s\"}",
                    g->lib_generation, g->n_playlists, at);
    say(d, "reloaded: library generation %" PRIu64 ", in effect from %s", g->lib_generation, at);
    fw_kiosk_feed_content(d);
}

void fw_daemon_reload(struct fw_daemon *d, int64_t uid, const char *why)
{
    fw_daemon_event(d, "reload-request", uid, "{\"why\":\"%s\"}", why);
    d->reload_requested = true;
    fw_daemon_tick(d);
}

/* ---- The player's airings --------------------------------------------------------- */

static struct fw_live *live_find(struct fw_daemon *d, const struct fw_airing *a)
{
    for (size_t i = 0; i < FW_LIVE_SLOTS; i++)
        if (d->live[i].used && !d->live[i].discard && fw_airing_same_key(&d->live[i].airing, a))
            return &d->live[i];
    return NULL;
}

static struct fw_live *live_by_cookie(struct fw_daemon *d, uint64_t cookie)
{
    for (size_t i = 0; i < FW_LIVE_SLOTS; i++)
        if (d->live[i].used && d->live[i].cookie == cookie)
            return &d->live[i];
    return NULL;
}

static void pn_release(struct fw_daemon *d, const struct fw_airing *a)
{
    if (a->source != FW_SOURCE_PLAY_NOW || a->kind == PLAN_KIND_CHIME ||
        a->cookie >= FW_PLAY_NOW_SLOTS)
        return;
    struct fw_play_now_slot *s = &d->pn[a->cookie];
    if (s->fd >= 0)
        close(s->fd);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

/* Prepare a in the player. Returns the slot, or NULL when the player refused it. */
static struct fw_live *live_prepare(struct fw_daemon *d, const struct fw_airing *a)
{
    struct fw_airing_info info;
    if (fw_airing_info_get(d, a, &info) < 0 || !info.location || !info.location[0])
        return NULL;
    struct fw_live *l = NULL;
    for (size_t i = 0; i < FW_LIVE_SLOTS && !l; i++)
        if (!d->live[i].used)
            l = &d->live[i];
    if (!l)
        return NULL;
    struct audio_item item = {
        .cookie = ++d->next_cookie,
        .kind = info.relay ? AUDIO_ITEM_RELAY : AUDIO_ITEM_FILE,
        .location = info.location,
        .sha256 = info.media_sha256,
        .gain_db = info.gain_db,
        .duration_usec = a->duration_usec,
    };
    if (audio_player_prepare(d->player, &item) < 0)
        return NULL;
    memset(l, 0, sizeof *l);
    l->used = true;
    l->cookie = item.cookie;
    l->airing = *a;
    return l;
}

/* Write a's final record (player result r, or a failure without one). */
static void record_final(struct fw_daemon *d, const struct fw_airing *a, enum ledger_outcome o,
                         const char *reason, const struct audio_result *r, int64_t start_wall)
{
    struct fw_airing_info info;
    if (fw_airing_info_get(d, a, &info) < 0) {
        fw_daemon_error(d, "final record: airing unknown to the daemon");
        return;
    }
    struct ledger_record rec;
    fw_record_airing(&rec, &info, a, LEDGER_PHASE_FINAL, fw_daemon_now(d),
                     fw_daemon_record_trust(d));
    rec.outcome = o;
    rec.reason = reason;
    if (r) {
        if (r->started)
            rec.actual_start_usec =
                start_wall ? start_wall : fw_clock_player_to_wall(d, r->start_usec);
        rec.actual_end_usec = fw_clock_player_to_wall(d, r->end_usec);
        rec.played_ms = r->played_usec / 1000;
    }
    int x = fw_record_append(d, &rec);
    if (x >= 0)
        d->n_finals++;
}

static void airing_over(struct fw_daemon *d, struct fw_live *l, const struct audio_result *r)
{
    struct fw_airing a = l->airing;
    enum ledger_outcome o = LEDGER_OUTCOME_COMPLETED;
    const char *reason = "";
    if (l->stop_timeout) {
        o = LEDGER_OUTCOME_FAILED;
        reason = "timeout";
    } else if (r->outcome == AUDIO_OUTCOME_INTERRUPTED) {
        o = LEDGER_OUTCOME_INTERRUPTED;
        reason = audio_reason_to_string(r->reason);
    } else if (r->outcome == AUDIO_OUTCOME_FAILED) {
        o = LEDGER_OUTCOME_FAILED;
        reason = audio_reason_to_string(r->reason);
    }
    if (o != LEDGER_OUTCOME_COMPLETED)
        say(d, "%s: %s %s%s%s", a.source == FW_SOURCE_PLAN ? "airing" : "play-now",
            ledger_outcome_name(o), reason, r->detail[0] ? ": " : "", r->detail);
    record_final(d, &a, o, reason, r, l->started ? l->start_wall : 0);
    memset(l, 0, sizeof *l);
    if (d->playing && fw_airing_same_key(&d->current, &a)) {
        d->playing = false;
        fw_kiosk_feed_airing(d, NULL, NULL, 0);
    }
    int x = fw_core_on_finished(d->core, &a, fw_daemon_now(d));
    if (x < 0)
        fw_daemon_error(d, "core: on_finished refused (%s)", strerror(-x));
    pn_release(d, &a);
}

static void on_player_started(void *userdata, uint64_t cookie, int64_t start_usec)
{
    struct fw_daemon *d = userdata;
    start_usec = fw_clock_player_to_wall(d, start_usec);
    struct fw_live *l = live_by_cookie(d, cookie);
    d->player_answered_mono = g_get_monotonic_time();
    if (!l || l->discard)
        return;
    struct fw_airing_info info;
    if (fw_airing_info_get(d, &l->airing, &info) < 0)
        return;
    struct ledger_record rec;
    fw_record_airing(&rec, &info, &l->airing, LEDGER_PHASE_START, fw_daemon_now(d),
                     fw_daemon_record_trust(d));
    rec.actual_start_usec = start_usec;
    fw_record_append(d, &rec);
    l->started = true;
    l->start_wall = start_usec;
    d->n_airings_started++;
    d->current = l->airing;
    d->playing = true;
    fw_core_on_started(d->core, &l->airing, start_usec);
    fw_kiosk_feed_airing(d, &info, &l->airing, start_usec);
    fw_daemon_tick(d);
}

static void on_player_finished(void *userdata, const struct audio_result *r)
{
    struct fw_daemon *d = userdata;
    struct fw_live *l = live_by_cookie(d, r->cookie);
    d->player_answered_mono = g_get_monotonic_time();
    if (!l)
        return;
    if (l->discard) {
        memset(l, 0, sizeof *l);
        return;
    }
    if (!l->start_requested) {
        /* Failed while pre-rolling: the core hears of it when it asks to start it. */
        l->failed_early = true;
        l->early_reason = (int)r->reason;
        l->cookie = 0;
        return;
    }
    airing_over(d, l, r);
    fw_daemon_tick(d);
}

static void act_prepare(struct fw_daemon *d, const struct fw_action *a)
{
    struct fw_live *l = live_find(d, &a->airing);
    if (l)
        return;
    /* A newer PREPARE replaces one that was not started. */
    for (size_t i = 0; i < FW_LIVE_SLOTS; i++) {
        struct fw_live *o = &d->live[i];
        if (o->used && !o->discard && !o->start_requested) {
            if (o->cookie) {
                o->discard = true;
                audio_player_stop(d->player, o->cookie, AUDIO_REASON_SHUTDOWN);
            } else {
                memset(o, 0, sizeof *o);
            }
        }
    }
    live_prepare(d, &a->airing);
}

static void act_start(struct fw_daemon *d, const struct fw_action *a)
{
    struct fw_live *l = live_find(d, &a->airing);
    if (l && l->failed_early) {
        /* It failed while pre-rolling: record that now. */
        struct audio_result r = {.outcome = AUDIO_OUTCOME_FAILED,
                                 .reason = (enum audio_reason)l->early_reason,
                                 .end_usec = fw_clock_wall_to_player(d, fw_daemon_now(d))};
        l->start_requested = true;
        airing_over(d, l, &r);
        d->need_tick = true;
        return;
    }
    if (!l)
        l = live_prepare(d, &a->airing);
    if (!l) {
        struct fw_airing_info info;
        bool known = fw_airing_info_get(d, &a->airing, &info) >= 0;
        struct fw_live tmp = {.used = true, .airing = a->airing, .start_requested = true};
        struct audio_result r = {.outcome = AUDIO_OUTCOME_FAILED,
                                 .reason = AUDIO_REASON_MISSING_FILE,
                                 .end_usec = fw_clock_wall_to_player(d, fw_daemon_now(d))};
        snprintf(r.detail, sizeof r.detail, "%s", known ? "the player refused it" : "unknown");
        airing_over(d, &tmp, &r);
        d->need_tick = true;
        return;
    }
    l->start_requested = true;
    int r = audio_player_start_at(d->player, l->cookie, fw_clock_wall_to_player(d, a->at_utc_usec));
    if (r < 0 && r != -EALREADY)
        fw_daemon_error(d, "player: start refused (%s)", strerror(-r));
}

static void act_stop(struct fw_daemon *d, const struct fw_action *a)
{
    struct fw_live *l = live_find(d, &a->airing);
    if (!l || !l->cookie)
        return;
    enum audio_reason reason = AUDIO_REASON_SHUTDOWN;
    if (a->stop_reason == FW_STOP_EMERGENCY)
        reason = AUDIO_REASON_EMERGENCY;
    else if (a->stop_reason == FW_STOP_TIMEOUT)
        l->stop_timeout = true;
    audio_player_stop(d->player, l->cookie, reason);
}

static void act_record_final(struct fw_daemon *d, const struct fw_action *a)
{
    struct fw_airing_info info;
    if (fw_airing_info_get(d, &a->airing, &info) < 0)
        return;
    unsigned flags = 0;
    if (a->reason == FW_REASON_CRASH && ledger_lookup_key(d->ledger, info.key, &flags) >= 0 &&
        (flags & LEDGER_KEY_HAS_FINAL))
        return; /* ledger_close_interrupted() closed it already */
    struct ledger_record rec;
    fw_record_airing(&rec, &info, &a->airing, LEDGER_PHASE_FINAL, fw_daemon_now(d),
                     fw_daemon_record_trust(d));
    rec.outcome = fw_record_outcome(a->outcome);
    rec.reason = fw_reason_name(a->reason);
    if (fw_record_append(d, &rec) >= 0)
        d->n_finals++;
    /* A prepared airing that will never start. */
    struct fw_live *l = live_find(d, &a->airing);
    if (l && !l->start_requested) {
        if (l->cookie) {
            l->discard = true;
            audio_player_stop(d->player, l->cookie, AUDIO_REASON_SHUTDOWN);
        } else {
            memset(l, 0, sizeof *l);
        }
    }
    pn_release(d, &a->airing);
}

static void execute(struct fw_daemon *d, const struct fw_action *a)
{
    struct loa_diag e = {0};
    switch (a->kind) {
    case FW_ACT_RELAY_ON:
    case FW_ACT_RELAY_OFF:
        if (relay_set(d->relay, a->kind == FW_ACT_RELAY_ON, &e) < 0)
            fw_daemon_error(d, "relay: %s", e.msg);
        break;
    case FW_ACT_PREPARE:
        act_prepare(d, a);
        break;
    case FW_ACT_START:
        act_start(d, a);
        break;
    case FW_ACT_STOP_CURRENT:
        act_stop(d, a);
        break;
    case FW_ACT_RECORD_FINAL:
        act_record_final(d, a);
        break;
    case FW_ACT_SCREEN_ON:
        /* The kiosk turns its screen on for the emergency airing it is told about. */
        break;
    case FW_ACT_RELEASE_PLAN:
        release_plan(d, a);
        break;
    }
}

/* ---- The tick ----------------------------------------------------------------------- */

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static size_t live_count(const struct fw_daemon *d)
{
    return d->player ? audio_player_live(d->player) : 0;
}

static void check_stopped(struct fw_daemon *d)
{
    if (!d->stopping || d->stopped)
        return;
    struct fw_core_status st;
    fw_core_status(d->core, &st);
    if (st.playing || live_count(d) > 0)
        return;
    d->stopped = true;
    if (d->loop)
        g_main_loop_quit(d->loop);
}

void fw_daemon_tick(struct fw_daemon *d)
{
    if (!d->core)
        return;
    if (d->in_tick) {
        d->need_tick = true;
        return;
    }
    d->in_tick = true;
    int64_t next = INT64_MAX;
    for (int spins = 0; spins < 10000; spins++) {
        d->need_tick = false;
        int64_t now = fw_daemon_now(d);
        if (d->reload_requested && !d->stopping)
            do_reload(d);
        if (!d->opt.virtual_clock) {
            fw_clock_real_check_step(d);
            int32_t day = fw_clock_local_day(d, now);
            if (day != d->checkpoint_day) {
                d->checkpoint_day = day;
                checkpoint(d, "daily");
            }
            if (now >= d->opt.until_utc_usec && !d->stopping) {
                d->stopping = true;
                fw_core_shutdown(d->core);
            }
        }
        struct fw_actions acts;
        acts.n = 0;
        enum fw_trust trust = fw_daemon_core_trust(d);
        int r = fw_core_tick(d->core, now, trust, &acts, &next);
        if (r < 0)
            fw_daemon_error(d, "core: %s", strerror(-r));
        for (size_t i = 0; i < acts.n; i++)
            execute(d, &acts.items[i]);
        if (!d->need_tick && next > now && r >= 0)
            break;
        if (r < 0)
            break;
    }
    d->in_tick = false;
    int64_t now = fw_daemon_now(d);
    next = min64(next, fw_trust_expires_at(&d->trust));
    d->core_next = next;
    if (!d->opt.virtual_clock && d->tfd >= 0) {
        int32_t day = fw_clock_local_day(d, now);
        next = min64(next, d->tz.to_utc(d->tz.userdata, day + 1, 0));
        next = min64(next, d->next_sync_check);
        next = min64(next, d->opt.until_utc_usec);
        fw_clock_real_arm(d, next);
    }
    check_stopped(d);
}

/* ---- Requests ----------------------------------------------------------------------- */

static gboolean stop_timeout_cb(gpointer data)
{
    struct fw_daemon *d = data;
    if (d->loop)
        g_main_loop_quit(d->loop);
    return G_SOURCE_REMOVE;
}

void fw_daemon_stop(struct fw_daemon *d)
{
    if (d->stopping && d->core)
        return;
    d->stopping = true;
    if (!d->core) {
        d->stopped = true;
        return;
    }
    fw_core_shutdown(d->core);
    if (!d->opt.virtual_clock)
        g_timeout_add(STOP_GRACE_MS, stop_timeout_cb, d);
    fw_daemon_tick(d);
}

void fw_daemon_clock_step(struct fw_daemon *d, int64_t old_usec, int64_t new_usec)
{
    char a[40], b[40];
    format_local(d, old_usec, a, sizeof a);
    format_local(d, new_usec, b, sizeof b);
    fw_trust_step(&d->trust, old_usec, new_usec);
    if (d->core)
        fw_core_clock_step(d->core, old_usec, new_usec);
    if (!d->opt.virtual_clock)
        d->next_sync_check = 0; /* a step is often a sync: look at once */
    else
        fw_virt_proof_step(d, old_usec);
    fw_daemon_event(d, "clock-step", LEDGER_NONE,
                    "{\"from\":\"%s\",\"to\":\"%s\",\"delta_ms\":%" PRId64 "}", a, b,
                    (new_usec - old_usec) / 1000);
    say(d, "clock stepped from %s to %s", a, b);
}

void fw_daemon_clock_confirm(struct fw_daemon *d, int64_t uid)
{
    fw_trust_confirm(&d->trust, fw_daemon_now(d));
    fw_daemon_event(d, "clock-confirm", uid, "{}");
    fw_daemon_tick(d);
}

int fw_daemon_pause(struct fw_daemon *d, int64_t from, int64_t until, const char *session_id,
                    int64_t uid, struct loa_diag *reterr)
{
    if (session_id && *session_id) {
        const struct fw_gen *g = fw_daemon_newest_gen(d);
        if (loa_config_find_session(g->config, session_id) < 0)
            return loa_diag_set(reterr, -ENOENT, LOA_SEV_ERROR, NULL, 0,
                                "no session '%s' in the config", session_id);
    }
    int r = fw_core_pause(d->core, from, until, session_id && *session_id ? session_id : NULL);
    if (r < 0)
        return loa_diag_set(reterr, r, LOA_SEV_ERROR, NULL, 0, "%s",
                            r == -ENOSPC ? "too many pauses (16)" : "invalid pause");
    char a[40], b[40];
    format_local(d, from, a, sizeof a);
    format_local(d, until, b, sizeof b);
    fw_daemon_event(d, "pause", uid, "{\"from\":\"%s\",\"until\":\"%s\",\"session\":\"%s\"}", a, b,
                    session_id ? session_id : "");
    fw_daemon_tick(d);
    return 0;
}

void fw_daemon_resume(struct fw_daemon *d, int64_t uid)
{
    fw_core_resume(d->core);
    fw_daemon_event(d, "resume", uid, "{}");
    fw_daemon_tick(d);
}

int fw_daemon_play_now(struct fw_daemon *d, const char *item, int fd, const char *file_name,
                       enum plan_class cls, int64_t uid, uint64_t *ret_request_id,
                       struct loa_diag *reterr)
{
    struct fw_play_now_slot *s = NULL;
    size_t idx = 0;
    int r;
    for (size_t i = 0; i < FW_PLAY_NOW_SLOTS && !s; i++)
        if (!d->pn[i].used) {
            s = &d->pn[i];
            idx = i;
        }
    if (!s) {
        if (fd >= 0)
            close(fd);
        return loa_diag_set(reterr, -ENOSPC, LOA_SEV_ERROR, NULL, 0, "too many play-now queued");
    }
    if (d->stopping) {
        if (fd >= 0)
            close(fd);
        return loa_diag_set(reterr, -ESHUTDOWN, LOA_SEV_ERROR, NULL, 0, "the daemon is stopping");
    }
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->cls = cls;
    s->caller_uid = uid;
    s->campaign_from = s->campaign_until = LEDGER_NO_DAY;
    const struct fw_gen *g = fw_daemon_newest_gen(d);
    if (item) {
        const struct plan_rules *rules = &g->rules->rules;
        size_t i;
        for (i = 0; i < rules->n_items; i++)
            if (strcmp(rules->items[i].id, item) == 0)
                break;
        if (i == rules->n_items)
            return loa_diag_set(reterr, -ENOENT, LOA_SEV_ERROR, NULL, 0,
                                "no item '%s' in the installed library", item);
        const struct plan_item *it = &rules->items[i];
        const struct plan_campaign *c = &rules->campaigns[it->campaign];
        const struct loa_playlist_item *src = g->rules->origins[i].item;
        if (it->kind == PLAN_KIND_RELAY)
            return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                                "'%s' is a relay; play-now takes announcements", item);
        const struct library_media *m = g->item_media[i];
        snprintf(s->item_id, sizeof s->item_id, "%s", it->id);
        snprintf(s->title, sizeof s->title, "%s", it->title);
        snprintf(s->category, sizeof s->category, "%s", it->category ? it->category : "");
        snprintf(s->playlist_id, sizeof s->playlist_id, "%s", c->id);
        snprintf(s->reference, sizeof s->reference, "%s", c->reference ? c->reference : "");
        s->campaign_from = c->from_day;
        s->campaign_until = c->until_day;
        snprintf(s->sha256, sizeof s->sha256, "%s", m ? m->sha256 : "");
        snprintf(s->location, sizeof s->location, "%s", m ? m->path : src->file);
        s->gain_db = m ? m->gain.gain_db : 0;
        s->duration_usec = it->duration_usec;
    } else {
        s->fd = fd;
        snprintf(s->item_id, sizeof s->item_id, "file");
        const char *base = file_name ? strrchr(file_name, '/') : NULL;
        base = base ? base + 1 : file_name && *file_name ? file_name : "file";
        if (g_utf8_validate(base, -1, NULL))
            snprintf(s->title, sizeof s->title, "%s", base);
        else
            snprintf(s->title, sizeof s->title, "file");
        snprintf(s->location, sizeof s->location, "/proc/%d/fd/%d", (int)getpid(), fd);
        struct loa_diag pe = {0};
        r = media_probe_duration(s->location, 10 * USEC_PER_SEC, &s->duration_usec, &pe);
        if (r >= 0 && s->duration_usec <= 0)
            r = -EBADMSG;
        if (r >= 0)
            r = media_sha256_fd(fd, LIBRARY_MAX_MEDIA_SIZE, s->sha256, NULL);
        if (r < 0) {
            close(fd);
            s->fd = -1;
            return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, file_name, 0, "%s",
                                pe.msg[0] ? pe.msg : "cannot be read or decoded");
        }
    }
    uint64_t id = (uint64_t)fw_daemon_now(d);
    if (id <= d->last_request_id)
        id = d->last_request_id + 1;
    d->last_request_id = id;
    s->request_id = id;
    snprintf(s->key, sizeof s->key, "play-now/%" PRIu64, id);
    s->used = true;
    struct fw_play_now req = {
        .request_id = id, .cls = cls, .duration_usec = s->duration_usec, .cookie = idx};
    r = fw_core_play_now(d->core, fw_daemon_now(d), &req);
    if (r < 0) {
        if (s->fd >= 0)
            close(s->fd);
        memset(s, 0, sizeof *s);
        s->fd = -1;
        const char *msg = r == -EPERM       ? "priority play-now is refused in quiet hours"
                          : r == -ENOSPC    ? "too many play-now queued"
                          : r == -ESHUTDOWN ? "the daemon is stopping"
                                            : "refused";
        return loa_diag_set(reterr, r, LOA_SEV_ERROR, NULL, 0, "%s", msg);
    }
    fw_daemon_event(d, "play-now", uid,
                    "{\"key\":\"%s\",\"item\":\"%s\",\"class\":\"%s\",\"duration_ms\":%" PRId64 "}",
                    s->key, s->item_id, cls == PLAN_CLASS_EMERGENCY ? "emergency" : "priority",
                    s->duration_usec / 1000);
    say(d, "play-now %s (%s, %s)", s->key, s->item_id,
        cls == PLAN_CLASS_EMERGENCY ? "emergency" : "priority");
    if (ret_request_id)
        *ret_request_id = id;
    fw_daemon_tick(d);
    return 0;
}

/* ---- Status ----------------------------------------------------------------------- */

static void json_str(GString *s, const char *v)
{
    g_string_append_c(s, '"');
    for (const char *p = v ? v : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            g_string_append_printf(s, "\\%c", c);
        else if (c < 0x20)
            g_string_append_printf(s, "\\u%04x", c);
        else
            g_string_append_c(s, (char)c);
    }
    g_string_append_c(s, '"');
}

char *fw_daemon_status(struct fw_daemon *d, bool json)
{
    struct fw_core_status st;
    fw_core_status(d->core, &st);
    const struct fw_gen *g = fw_daemon_newest_gen(d);
    int64_t now = fw_daemon_now(d);
    enum fw_trust trust = fw_trust_get(&d->trust, now);
    if (d->opt.virtual_clock)
        trust = fw_trust_is_trusted(trust) ? FW_TRUST_VIRTUAL : FW_TRUST_UNSYNCED;
    struct fw_airing_info cur = {0}, nxt = {0};
    bool has_cur = st.playing && fw_airing_info_get(d, &st.current, &cur) >= 0;
    bool has_nxt = st.has_next && fw_airing_info_get(d, &st.next, &nxt) >= 0;
    char tnow[40], tcur[40] = "", tnext[40] = "";
    format_local(d, now, tnow, sizeof tnow);
    if (has_cur)
        format_local(d, st.current_start_utc_usec, tcur, sizeof tcur);
    if (has_nxt)
        format_local(d, st.next_start_utc_usec, tnext, sizeof tnext);
    int kpid = fw_kiosk_link_pid(d->kiosk);
    size_t held = d->ledger ? ledger_pending(d->ledger) : 0;
    GString *s = g_string_new(NULL);
    if (json) {
        g_string_append(s, "{\"device\":");
        json_str(s, g->config->device.id);
        g_string_append(s, ",\"now\":");
        json_str(s, tnow);
        g_string_append_printf(s, ",\"clock\":\"%s\",\"trust\":\"%s\"",
                               d->opt.virtual_clock ? "virtual" : "real", fw_trust_name(trust));
        g_string_append(s, ",\"playing\":");
        if (has_cur) {
            g_string_append(s, "{\"key\":");
            json_str(s, cur.key);
            g_string_append(s, ",\"item\":");
            json_str(s, cur.item_id);
            g_string_append(s, ",\"title\":");
            json_str(s, cur.title);
            g_string_append(s, ",\"since\":");
            json_str(s, tcur);
            g_string_append(s, "}");
        } else {
            g_string_append(s, "null");
        }
        g_string_append(s, ",\"next\":");
        if (has_nxt) {
            g_string_append(s, "{\"key\":");
            json_str(s, nxt.key);
            g_string_append(s, ",\"item\":");
            json_str(s, nxt.item_id);
            g_string_append(s, ",\"title\":");
            json_str(s, nxt.title);
            g_string_append(s, ",\"at\":");
            json_str(s, tnext);
            g_string_append(s, "}");
        } else {
            g_string_append(s, "null");
        }
        g_string_append_printf(s, ",\"amplifier\":\"%s\",\"relay_driver\":\"%s\",\"output\":",
                               relay_is_on(d->relay) ? "on" : "off", relay_name(d->relay));
        json_str(s, audio_player_output(d->player));
        g_string_append_printf(s, ",\"kiosk\":{\"pid\":%d,\"subscribers\":%zu}", kpid,
                               d->control ? fw_control_kiosk_count(d->control) : 0);
        g_string_append_printf(s, ",\"library\":{\"generation\":%" PRIu64 ",\"playlists\":[",
                               g->lib_generation);
        for (size_t i = 0; i < g->n_playlists; i++) {
            if (i)
                g_string_append_c(s, ',');
            json_str(s, g->playlists[i]->id);
        }
        g_string_append_printf(s,
                               "]},\"play_now_queued\":%zu,\"pauses\":%zu,\"reload_pending\":%s,"
                               "\"airings_started\":%zu,\"records_held\":%zu,\"last_error\":",
                               st.play_now_queued, st.pauses, st.reload_pending ? "true" : "false",
                               d->n_airings_started, held);
        json_str(s, d->last_error);
        g_string_append(s, "}\n");
    } else {
        g_string_append_printf(s, "Thiết bị / device:   %s (%s)\n", g->config->device.id,
                               g->config->device.commune.name);
        g_string_append_printf(s, "Giờ / now:           %s (%s clock)\n", tnow,
                               d->opt.virtual_clock ? "virtual" : "real");
        g_string_append_printf(s, "Đồng hồ / trust:     %s\n", fw_trust_name(trust));
        if (has_cur)
            g_string_append_printf(s, "Đang phát / on air:  %s — %s (since %s)\n", cur.key,
                                   cur.title ? cur.title : cur.item_id, tcur);
        else
            g_string_append(s, "Đang phát / on air:  —\n");
        if (has_nxt)
            g_string_append_printf(s, "Tiếp theo / next:    %s — %s at %s\n", nxt.key,
                                   nxt.title ? nxt.title : nxt.item_id, tnext);
        else
            g_string_append(s, "Tiếp theo / next:    —\n");
        g_string_append_printf(s, "Amply / amplifier:   %s (%s relay), output %s\n",
                               relay_is_on(d->relay) ? "on" : "off", relay_name(d->relay),
                               audio_player_output(d->player));
        if (kpid > 0 || (d->control && fw_control_kiosk_count(d->control)))
            g_string_append_printf(s, "Màn hình / kiosk:    running (pid %d)\n", kpid);
        else
            g_string_append(s, "Màn hình / kiosk:    not running\n");
        g_string_append_printf(s, "Thư viện / library:  generation %" PRIu64 ", %zu playlist%s",
                               g->lib_generation, g->n_playlists, g->n_playlists == 1 ? "" : "s");
        for (size_t i = 0; i < g->n_playlists; i++)
            g_string_append_printf(s, "%s%s", i ? ", " : ": ", g->playlists[i]->id);
        g_string_append_c(s, '\n');
        if (st.play_now_queued || st.pauses || st.reload_pending)
            g_string_append_printf(s, "Hàng đợi / queue:    %zu play-now, %zu pause%s%s\n",
                                   st.play_now_queued, st.pauses, st.pauses == 1 ? "" : "s",
                                   st.reload_pending ? ", reload pending" : "");
        if (held)
            g_string_append_printf(s,
                                   "Cảnh báo / alarm:    %zu ledger records held in memory "
                                   "(disk full)\n",
                                   held);
        g_string_append_printf(s, "Lỗi gần nhất / last error: %s\n",
                               d->last_error[0] ? d->last_error : "—");
    }
    return g_string_free(s, FALSE);
}

/* ---- Startup and shutdown ----------------------------------------------------------- */

static int start_player(struct fw_daemon *d)
{
    const struct fw_gen *g = fw_daemon_newest_gen(d);
    struct audio_config ac = {
        .output = d->opt.virtual_clock ? "null"
                  : d->opt.output      ? d->opt.output
                                       : g->config->audio.output,
        .volume = g->config->audio.volume,
    };
    if (d->opt.virtual_clock) {
        ac.now_usec = virt_clock;
        ac.now_userdata = d;
    }
    struct audio_callbacks cb = {on_player_started, on_player_finished, d};
    struct loa_diag e = {0};
    int r = audio_player_new(&ac, &cb, NULL, &d->player, &e);
    if (r < 0) {
        fw_error("audio: %s", e.msg[0] ? e.msg : strerror(-r));
        return r;
    }
    if (audio_player_output_note(d->player))
        say(d, "audio: %s", audio_player_output_note(d->player));
    return 0;
}

/* Make the core over the current generation; the floor comes from the ledger. */
static int start_core(struct fw_daemon *d)
{
    struct fw_gen *g = fw_daemon_newest_gen(d);
    struct fw_core_config cc;
    core_config(g->config, &cc);
    int64_t now = fw_daemon_now(d);
    int64_t floor = ledger_floor(d, now);
    struct fw_ledger_view lv = {ledger_view, d};
    int r = fw_core_new(&cc, &d->tz, &lv, &g->rules->rules, g->plan, floor, &d->core);
    if (r < 0) {
        fw_error("core: %s", strerror(-r));
        return r;
    }
    return 0;
}

static void boot_event(struct fw_daemon *d, int closed)
{
    const struct fw_gen *g = fw_daemon_newest_gen(d);
    fw_daemon_event(d, "boot", LEDGER_NONE,
                    "{\"version\":\"%s\",\"clock\":\"%s\",\"output\":\"%s\",\"relay\":\"%s\","
                    "\"library_generation\":%" PRIu64 ",\"closed_interrupted\":%d}",
                    LOA_VERSION, d->opt.virtual_clock ? "virtual" : "real",
                    d->player ? audio_player_output(d->player) : "",
                    d->relay ? relay_name(d->relay) : "", g->lib_generation, closed);
}

int fw_daemon_down(struct fw_daemon *d, int64_t until_usec)
{
    /* Everything committed so far stays; nothing else is written (a power cut). The
     * kiosk goes dark with the rest. */
    fw_virt_proof_flush(d, true);
    fw_daemon_commit(d);
    d->player = audio_player_free(d->player);
    d->core = fw_core_free(d->core);
    memset(d->live, 0, sizeof d->live);
    for (size_t i = 0; i < FW_PLAY_NOW_SLOTS; i++) {
        if (d->pn[i].used && d->pn[i].fd >= 0)
            close(d->pn[i].fd);
        memset(&d->pn[i], 0, sizeof d->pn[i]);
        d->pn[i].fd = -1;
    }
    d->playing = false;
    struct loa_diag e = {0};
    relay_set(d->relay, false, &e); /* ExecStopPost=loa board off */
    while (d->n_gens > 1) {
        fw_virt_proof_forget_gen(d, d->gens[0]);
        fw_gen_free(d->gens[0]);
        memmove(&d->gens[0], &d->gens[1], (d->n_gens - 1) * sizeof d->gens[0]);
        d->n_gens--;
    }
    int r = fw_gen_replan(fw_daemon_newest_gen(d));
    if (r < 0)
        return r;
    if (until_usec > d->virt_now)
        d->virt_now = until_usec;
    /* The next boot. */
    if (d->batching) {
        ledger_batch_end(d->ledger);
        d->batching = false;
    }
    int closed = ledger_close_interrupted(d->ledger, d->virt_now, fw_daemon_record_trust(d));
    fw_trust_init(&d->trust,
                  (int64_t)fw_daemon_newest_gen(d)->config->time.max_holdover_hours * 3600 *
                      USEC_PER_SEC,
                  false, d->virt_now);
    if ((r = start_player(d)) < 0 || (r = start_core(d)) < 0)
        return r;
    if (ledger_batch_begin(d->ledger) == 0) {
        d->batching = true;
        d->batch_day = fw_clock_local_day(d, d->virt_now);
    }
    boot_event(d, closed < 0 ? 0 : closed);
    fw_virt_proof_start(d);
    say(d, "back up after an outage (%d interrupted airing%s closed)", closed < 0 ? 0 : closed,
        closed == 1 ? "" : "s");
    return 0;
}

static gboolean on_sigterm(gpointer data)
{
    fw_daemon_stop(data);
    return G_SOURCE_CONTINUE;
}

static gboolean on_sighup(gpointer data)
{
    fw_daemon_reload(data, (int64_t)getuid(), "SIGHUP");
    return G_SOURCE_CONTINUE;
}

/* Every 30 s: a library change (`loa load` in another process) means a reload; held
 * ledger records are retried (disk full). */
static gboolean housekeeping(gpointer data)
{
    struct fw_daemon *d = data;
    uint64_t gen = 0;
    if (library_current_generation(d->data_dir, &gen) >= 0 && gen != d->lib_generation_seen &&
        !d->reload_requested) {
        d->lib_generation_seen = gen;
        char why[64];
        snprintf(why, sizeof why, "library generation %" PRIu64, gen);
        fw_daemon_reload(d, LEDGER_NONE, why);
    }
    if (ledger_pending(d->ledger) > 0) {
        if (ledger_flush(d->ledger) == 0 && d->disk_alarm) {
            d->disk_alarm = false;
            fw_daemon_event(d, "disk-ok", LEDGER_NONE, "{}");
        }
    }
    fw_notify_status(d);
    return G_SOURCE_CONTINUE;
}

/* --from / --until: local times in the device's zone. */
static int parse_local(const struct fw_daemon *d, const char *what, const char *text, int64_t *ret)
{
    int32_t day;
    int64_t tod = 0;
    if (civil_parse_datetime(text, &day, &tod) < 0 && civil_parse_date(text, &day) < 0) {
        fw_usage_error("run ", "%s must be \"YYYY-MM-DD[ HH:MM[:SS]]\", not '%s'", what, text);
        return -EINVAL;
    }
    *ret = d->tz.to_utc(d->tz.userdata, day, tod);
    return 0;
}

static int parse_times(struct fw_daemon *d)
{
    if (d->opt.from_text && parse_local(d, "--from", d->opt.from_text, &d->opt.from_utc_usec) < 0)
        return -EINVAL;
    if (d->opt.until_text &&
        parse_local(d, "--until", d->opt.until_text, &d->opt.until_utc_usec) < 0)
        return -EINVAL;
    if (d->opt.virtual_clock && d->opt.until_utc_usec <= d->opt.from_utc_usec) {
        fw_usage_error("run ", "--until must come after --from");
        return -EINVAL;
    }
    return 0;
}

static void self_exe(char *buf, size_t size, const char *argv0)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n > 0) {
        buf[n] = '\0';
        return;
    }
    snprintf(buf, size, "%s", argv0 ? argv0 : "loa");
}

int fw_daemon_run(const struct fw_globals *g, const struct fw_run_options *opt)
{
    struct fw_daemon *d = calloc(1, sizeof *d);
    int code = LOA_EXIT_RUNTIME, r;
    struct loa_config *config = NULL;
    struct fw_gen *gen = NULL;
    if (!d)
        return LOA_EXIT_RUNTIME;
    d->g = g;
    d->opt = *opt;
    d->tfd = -1;
    d->checkpoint_day = INT32_MIN;
    d->virt_synced = true;
    for (size_t i = 0; i < FW_PLAY_NOW_SLOTS; i++)
        d->pn[i].fd = -1;
    self_exe(d->exe, sizeof d->exe, g->program);
    if (!realpath(g->config_path, d->config_path))
        snprintf(d->config_path, sizeof d->config_path, "%s", g->config_path);

    if (load_config(d, &config, true) < 0) {
        code = LOA_EXIT_INPUT;
        goto out;
    }
    if (fw_data_dir(g, config, d->data_dir, sizeof d->data_dir) != LOA_EXIT_OK ||
        fw_data_dir_ensure(d->data_dir) != LOA_EXIT_OK)
        goto out;
    d->gtz = g_time_zone_new_identifier(config->device.timezone);
    if (!d->gtz) {
        fprintf(stderr, "%s: error: unknown time zone '%s' in device.timezone\n", config->path,
                config->device.timezone);
        code = LOA_EXIT_INPUT;
        goto out;
    }
    d->tz = fw_clock_tz(d->gtz);
    if (parse_times(d) < 0) {
        code = LOA_EXIT_USAGE;
        goto out;
    }

    /* The device key and the ledger. */
    char path[4200];
    struct loa_diag e = {0};
    fw_keys_dir(d->data_dir, path, sizeof path);
    if ((r = ledger_key_load_or_create(path, &d->key, NULL, &e)) < 0) {
        fw_print_diag(&e);
        goto out;
    }
    struct ledger_identity id;
    fw_ledger_identity(config, &id);
    fw_ledger_path(d->data_dir, path, sizeof path);
    int64_t now0 = d->opt.virtual_clock ? d->opt.from_utc_usec : g_get_real_time();
    struct ledger_open_options lo = {
        .identity = &id,
        .key = d->key,
        .now_usec = now0,
        .trust = d->opt.virtual_clock ? LEDGER_TRUST_VIRTUAL : LEDGER_TRUST_UNSYNCED,
    };
    struct ledger_open_report rep = {0};
    if ((r = ledger_open(path, &lo, &d->ledger, &rep, &e)) < 0) {
        fw_print_diag(&e);
        code = r == -EXDEV ? LOA_EXIT_INPUT : LOA_EXIT_RUNTIME;
        goto out;
    }
    if (rep.quarantined)
        fprintf(stderr,
                "loa run: the ledger was damaged (%s); kept as %s, a new ledger "
                "continues the chain\n",
                rep.damage, rep.quarantine_path);
    if (d->opt.virtual_clock) {
        bool real = false;
        if (ledger_has_real_records(d->ledger, &real) < 0 ||
            (real && ledger_foreach(d->ledger, 1, 0, real_history, NULL) != 0)) {
            fprintf(stderr,
                    "%s: error: this ledger holds a real device's records; a virtual "
                    "run needs a data dir of its own (--data-dir)\n",
                    path);
            code = LOA_EXIT_INPUT;
            goto out;
        }
        /* A new run over the same data dir resumes at its last record's time. */
        int64_t last = ledger_last_time(d);
        d->virt_now = last > d->opt.from_utc_usec ? last : d->opt.from_utc_usec;
        if (d->virt_now > d->opt.from_utc_usec) {
            char t[40];
            format_local(d, d->virt_now, t, sizeof t);
            say(d, "resuming at the last record's time, %s", t);
        }
    }
    int64_t now = fw_daemon_now(d);
    if (!d->opt.virtual_clock)
        board_clock_boot_realtime_usec(&d->boot_real);
    fw_trust_init(&d->trust, (int64_t)config->time.max_holdover_hours * 3600 * USEC_PER_SEC, false,
                  now);
    d->last_trust_logged = FW_TRUST_UNSYNCED;
    int closed = ledger_close_interrupted(
        d->ledger, now, d->opt.virtual_clock ? LEDGER_TRUST_VIRTUAL : LEDGER_TRUST_UNSYNCED);
    if (closed > 0)
        say(d, "%d airing%s cut by a crash closed as interrupted (crash)", closed,
            closed == 1 ? "" : "s");

    /* The library, rules and plan. */
    struct loa_diag_list diags = {0};
    r = fw_gen_new(d->data_dir, config, &gen, &diags);
    config = NULL; /* the generation owns it */
    fw_print_diags(&diags);
    loa_diag_list_clear(&diags);
    if (r < 0) {
        fw_error("the installed library does not load (see above)");
        code = LOA_EXIT_INPUT;
        goto out;
    }
    d->gens[d->n_gens++] = gen;
    d->lib_generation_seen = gen->lib_generation;
    const struct loa_config *cfg = gen->config;

    /* The board. */
    char sim[4200];
    relay_sim_path(d->data_dir, sim, sizeof sim);
    struct relay_config rc;
    fw_relay_config_from_loa(cfg, &rc);
    /* The daemon's own overrides: the sim board's log in the data directory, and a
     * virtual run never drives a real line (its records carry virtual time). */
    rc.sim_path = sim;
    if (d->opt.virtual_clock) {
        rc.driver = RELAY_DRIVER_SIM;
        rc.now_usec = virt_clock;
        rc.now_userdata = d;
    }
    if ((r = relay_new(&rc, &d->relay, &e)) < 0) {
        fw_print_diag(&e);
        goto out;
    }
    if (start_player(d) < 0 || start_core(d) < 0)
        goto out;
    boot_event(d, closed < 0 ? 0 : closed);
    d->started_real_usec = g_get_real_time();

    if (d->opt.events_path) {
        r = fw_events_load(d->opt.events_path, &d->tz, &d->events, &diags);
        fw_print_diags(&diags);
        loa_diag_list_clear(&diags);
        if (r < 0) {
            code = LOA_EXIT_INPUT;
            goto out;
        }
        fw_events_skip_before(d->events, d->virt_now);
    }

    char tnow[40];
    format_local(d, now, tnow, sizeof tnow);
    say(d,
        "%s: %s clock at %s, library generation %" PRIu64 " (%zu playlist%s), audio %s, "
        "relay %s",
        cfg->device.id, d->opt.virtual_clock ? "virtual" : "real", tnow, gen->lib_generation,
        gen->n_playlists, gen->n_playlists == 1 ? "" : "s", audio_player_output(d->player),
        relay_name(d->relay));

    if (d->opt.virtual_clock) {
        if (ledger_batch_begin(d->ledger) == 0) {
            d->batching = true;
            d->batch_day = fw_clock_local_day(d, now);
        }
        d->checkpoint_day = fw_clock_local_day(d, now);
        fw_virt_proof_new(d, &d->vproof);
        fw_virt_proof_start(d);
        code = fw_clock_virtual_run(d);
        fw_virt_proof_flush(d, true);
        fw_daemon_commit(d);
        if (d->batching) {
            ledger_batch_end(d->ledger);
            d->batching = false;
        }
    } else {
        if ((r = fw_clock_real_init(d)) < 0) {
            fw_error("timerfd: %s", strerror(-r));
            goto out;
        }
        if (!d->opt.no_control && (r = fw_control_new(d, &d->control)) < 0) {
            fw_error("control socket: %s", strerror(-r));
            goto out;
        }
        if (d->control)
            fw_kiosk_feed_new(d, &d->kfeed);
        if (d->opt.kiosk && cfg->kiosk.enabled && fw_kiosk_link_new(d, &d->kiosk) < 0)
            fw_daemon_error(d, "kiosk: cannot start the kiosk process; broadcasting without it");
        d->loop = g_main_loop_new(NULL, FALSE);
        d->sig_term = g_unix_signal_add(SIGTERM, on_sigterm, d);
        d->sig_int = g_unix_signal_add(SIGINT, on_sigterm, d);
        d->sig_hup = g_unix_signal_add(SIGHUP, on_sighup, d);
        d->housekeeping_id = g_timeout_add_seconds(30, housekeeping, d);
        d->checkpoint_day = fw_clock_local_day(d, now);
        fw_daemon_tick(d);
        fw_notify_ready(d);
        if (!d->stopped)
            g_main_loop_run(d->loop);
        fw_notify_stop(d);
        code = d->exit_code;
        /* The kiosks' last proof records, before the shutdown event and checkpoint. */
        fw_kiosk_feed_shutdown(d);
    }

    /* Clean stop: the shutdown event and a checkpoint over everything written. */
    fw_daemon_event(d, "shutdown", LEDGER_NONE, "{\"airings_started\":%zu,\"finals\":%zu}",
                    d->n_airings_started, d->n_finals);
    checkpoint(d, "shutdown");
    say(d, "stopped: %zu airing%s started, %zu final record%s", d->n_airings_started,
        d->n_airings_started == 1 ? "" : "s", d->n_finals, d->n_finals == 1 ? "" : "s");
out:
    d->vproof = fw_virt_proof_free(d->vproof);
    d->kiosk = fw_kiosk_link_free(d->kiosk);
    d->kfeed = fw_kiosk_feed_free(d->kfeed);
    d->control = fw_control_free(d->control);
    if (d->sig_term)
        g_source_remove(d->sig_term);
    if (d->sig_int)
        g_source_remove(d->sig_int);
    if (d->sig_hup)
        g_source_remove(d->sig_hup);
    if (d->housekeeping_id)
        g_source_remove(d->housekeeping_id);
    if (d->watchdog_id)
        g_source_remove(d->watchdog_id);
    fw_clock_real_free(d);
    d->events = fw_events_free(d->events);
    d->player = audio_player_free(d->player);
    d->core = fw_core_free(d->core);
    d->relay = relay_free(d->relay);
    for (size_t i = 0; i < FW_PLAY_NOW_SLOTS; i++)
        if (d->pn[i].used && d->pn[i].fd >= 0)
            close(d->pn[i].fd);
    for (size_t i = 0; i < d->n_gens; i++)
        fw_gen_free(d->gens[i]);
    loa_config_free(config);
    if (d->ledger) {
        size_t lost = ledger_close(d->ledger);
        if (lost)
            fprintf(stderr,
                    "loa run: error: %zu ledger records could not be written (disk "
                    "full)\n",
                    lost);
    }
    ledger_key_free(d->key);
    if (d->loop)
        g_main_loop_unref(d->loop);
    if (d->gtz)
        g_time_zone_unref(d->gtz);
    free(d->good_config);
    free(d);
    return code;
}
