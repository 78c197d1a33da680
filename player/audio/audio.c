/* The player: airings, their deadlines, timers on a real or virtual clock, and the event
 * queue that delivers callbacks from the context. Drivers do the sound (audio_gst.c) or
 * its absence (audio_null.c).
 *
 * Every airing ends through audio_airing_end(), which tears the driver state down first
 * (releasing the device), then queues finished() — so a callback never runs inside an API
 * call and a driver never sees a half-freed airing.
 */
#include <errno.h>
#include <fcntl.h>
#include <gst/gst.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio_private.h"

#define USEC_PER_SEC INT64_C(1000000)
/* Deadline for a started airing whose duration nobody knows yet (learnt at pre-roll). */
#define UNKNOWN_DURATION_DEADLINE_USEC (6 * 3600 * USEC_PER_SEC)
/* The deadline fires this much before start + duration + grace. */
#define DEADLINE_MARGIN_USEC (50 * 1000)

struct audio_event {
    bool finished;
    uint64_t cookie;
    int64_t start_usec;
    struct audio_result r;
};

struct hash_job {
    struct audio_airing *a; /* NULL once the airing is gone */
    int fd; /* a dup: the airing may close its own */
    GCancellable *cancel;
    char got[65];
    int err;
};

/* ---- clock and timers ---------------------------------------------------------- */

int64_t audio_player_now(const struct audio_player *p)
{
    return p->cfg.now_usec ? p->cfg.now_usec(p->cfg.now_userdata) : g_get_real_time();
}

static gboolean timer_source_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
    (void)s;
    return cb(data);
}

static gboolean timer_fire(gpointer data)
{
    struct audio_timer *t = data;
    GSource *s = t->src;
    t->src = NULL;
    t->armed = false;
    g_source_unref(s); /* GLib keeps its own reference while dispatching */
    t->fn(t->a); /* may free t's airing: t is not touched afterwards */
    return G_SOURCE_REMOVE;
}

void audio_timer_arm(struct audio_timer *t, struct audio_airing *a, int64_t at_usec,
                     void (*fn)(struct audio_airing *a))
{
    audio_timer_cancel(t);
    struct audio_player *p = a->p;
    t->p = p;
    t->a = a;
    t->fn = fn;
    t->at_usec = at_usec;
    t->armed = true;
    if (p->virtual_time) {
        g_ptr_array_add(p->vtimers, t);
        return;
    }
    /* Calendar instants are UTC; GLib waits on the monotonic clock. The conversion is
     * made now: a clock step in between is the daemon's business (it re-plans). */
    int64_t delay = at_usec - g_get_real_time();
    GSource *s = g_source_new(&p->timer_funcs, sizeof(GSource));
    g_source_set_ready_time(s, g_get_monotonic_time() + (delay > 0 ? delay : 0));
    g_source_set_callback(s, timer_fire, t, NULL);
    g_source_attach(s, p->ctx);
    t->src = s;
}

void audio_timer_cancel(struct audio_timer *t)
{
    if (!t->armed)
        return;
    t->armed = false;
    if (t->src) {
        g_source_destroy(t->src);
        g_source_unref(t->src);
        t->src = NULL;
    } else if (t->p) {
        g_ptr_array_remove_fast(t->p->vtimers, t);
    }
}

/* ---- events -------------------------------------------------------------------- */

static void player_destroy(struct audio_player *p);

/* Deliver queued events. Returns false when a callback freed the player. */
static bool deliver_events(struct audio_player *p)
{
    struct audio_event *ev;
    p->in_dispatch = true;
    while (!p->free_requested && (ev = g_queue_pop_head(&p->events))) {
        if (ev->finished) {
            if (p->cb.finished)
                p->cb.finished(p->cb.userdata, &ev->r);
        } else if (p->cb.started) {
            p->cb.started(p->cb.userdata, ev->cookie, ev->start_usec);
        }
        g_free(ev);
    }
    p->in_dispatch = false;
    if (p->free_requested) {
        player_destroy(p);
        return false;
    }
    return true;
}

static gboolean events_idle(gpointer data)
{
    struct audio_player *p = data;
    g_source_unref(p->event_src);
    p->event_src = NULL;
    deliver_events(p);
    return G_SOURCE_REMOVE;
}

static void queue_event(struct audio_player *p, struct audio_event *ev)
{
    g_queue_push_tail(&p->events, ev);
    if (!p->event_src) {
        p->event_src = g_idle_source_new();
        g_source_set_priority(p->event_src, G_PRIORITY_DEFAULT);
        g_source_set_callback(p->event_src, events_idle, p, NULL);
        g_source_attach(p->event_src, p->ctx);
    }
}

/* ---- airings ------------------------------------------------------------------- */

/* An airing that already ended but whose finished() is not delivered yet: requests for it
 * are accepted as no-ops, since its outcome is on the way. */
static bool finish_pending(const struct audio_player *p, uint64_t cookie)
{
    for (const GList *l = p->events.head; l; l = l->next) {
        const struct audio_event *ev = l->data;
        if (ev->finished && ev->cookie == cookie)
            return true;
    }
    return false;
}

static struct audio_airing *find_airing(const struct audio_player *p, uint64_t cookie)
{
    for (guint i = 0; i < p->airings->len; i++) {
        struct audio_airing *a = g_ptr_array_index(p->airings, i);
        if (a->item.cookie == cookie && a->st != AIRING_DONE)
            return a;
    }
    return NULL;
}

/* Release everything the airing holds and free it; no event. */
static void airing_destroy(struct audio_airing *a)
{
    struct audio_player *p = a->p;
    audio_timer_cancel(&a->deadline);
    if (a->hash_job) {
        struct hash_job *j = a->hash_job;
        j->a = NULL;
        g_cancellable_cancel(j->cancel);
        a->hash_job = NULL;
    }
    p->drv->teardown(a);
    if (a->fd >= 0)
        close(a->fd);
    g_ptr_array_remove(p->airings, a);
    g_free(a->location);
    g_free(a->sha256);
    g_free(a);
}

static void deadline_fired(struct audio_airing *a)
{
    if (a->pending_reason != AUDIO_REASON_NONE)
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, a->pending_reason, "%s", a->pending_detail);
    else
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_TIMEOUT,
                         "still airing %.1f s after its planned end",
                         (double)a->p->cfg.grace_usec / USEC_PER_SEC);
}

static void arm_deadline(struct audio_airing *a)
{
    int64_t d = a->duration_usec > 0 ? a->duration_usec : UNKNOWN_DURATION_DEADLINE_USEC;
    /* A little early, so the failure is recorded (and the next airing free to go) inside
     * the bound rather than a few milliseconds past it. */
    audio_timer_arm(&a->deadline, a,
                    a->window_start_usec + d + a->p->cfg.grace_usec - DEADLINE_MARGIN_USEC,
                    deadline_fired);
}

void audio_airing_started(struct audio_airing *a, int64_t start_usec)
{
    if (a->started || a->st == AIRING_DONE)
        return;
    a->started = true;
    a->start_usec = start_usec;
    struct audio_event *ev = g_new0(struct audio_event, 1);
    ev->cookie = a->item.cookie;
    ev->start_usec = start_usec;
    queue_event(a->p, ev);
}

void audio_airing_learn_duration(struct audio_airing *a, int64_t duration_usec)
{
    if (a->duration_usec > 0 || duration_usec <= 0)
        return;
    a->duration_usec = duration_usec;
    if (a->start_requested)
        arm_deadline(a);
}

void audio_airing_end(struct audio_airing *a, enum audio_outcome o, enum audio_reason r,
                      const char *fmt, ...)
{
    if (a->st == AIRING_DONE)
        return;
    struct audio_player *p = a->p;
    struct audio_event *ev = g_new0(struct audio_event, 1);
    ev->finished = true;
    ev->cookie = a->item.cookie;
    ev->r.cookie = a->item.cookie;
    ev->r.outcome = o;
    ev->r.reason = r;
    ev->r.started = a->started;
    ev->r.start_usec = a->started ? a->start_usec : 0;
    ev->r.played_usec = a->started ? p->drv->played_usec(a) : 0;
    if (ev->r.played_usec < 0)
        ev->r.played_usec = 0;
    ev->r.end_usec = a->end_usec_hint ? a->end_usec_hint : audio_player_now(p);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->r.detail, sizeof ev->r.detail, fmt, ap);
    va_end(ap);
    a->st = AIRING_DONE;
    airing_destroy(a);
    queue_event(p, ev);
    /* The output may be free now: an airing waiting for the device retries at once. */
    if (p->drv->kick) {
        for (guint i = 0; i < p->airings->len; i++)
            p->drv->kick(g_ptr_array_index(p->airings, i));
    }
}

static void hand_to_driver(struct audio_airing *a)
{
    a->st = AIRING_PREPARING;
    a->p->drv->prepare(a); /* may end (and free) the airing */
}

static void hash_verdict(struct audio_airing *a, int err, const char *got)
{
    if (err < 0)
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_MISSING_FILE, "%s: cannot read: %s",
                         a->location, g_strerror(-err));
    else if (strcmp(got, a->sha256) != 0)
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_HASH_MISMATCH,
                         "%s: SHA-256 %.16s... differs from the library's %.16s...", a->location,
                         got, a->sha256);
    else
        hand_to_driver(a);
}

static void hash_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    (void)source;
    struct hash_job *j = data;
    j->err = audio_sha256_fd(j->fd, cancel, j->got);
    g_task_return_boolean(task, TRUE);
}

static void hash_done(GObject *source, GAsyncResult *res, gpointer data)
{
    (void)source;
    (void)res;
    struct hash_job *j = data;
    struct audio_airing *a = j->a;
    if (a) {
        a->hash_job = NULL;
        hash_verdict(a, j->err, j->got);
    }
    close(j->fd);
    g_object_unref(j->cancel);
    g_free(j);
}

static void start_hash(struct audio_airing *a)
{
    struct audio_player *p = a->p;
    if (p->virtual_time) {
        /* Virtual runs are deterministic and single-threaded: hash right here. */
        char got[65] = "";
        int err = audio_sha256_fd(a->fd, NULL, got);
        hash_verdict(a, err, got);
        return;
    }
    struct hash_job *j = g_new0(struct hash_job, 1);
    j->fd = fcntl(a->fd, F_DUPFD_CLOEXEC, 3);
    if (j->fd < 0) {
        int err = -errno;
        g_free(j);
        hash_verdict(a, err, "");
        return;
    }
    j->a = a;
    j->cancel = g_cancellable_new();
    a->hash_job = j;
    /* The task reports back on the player's context, not the caller's thread default. */
    g_main_context_push_thread_default(p->ctx);
    GTask *task = g_task_new(NULL, j->cancel, hash_done, j);
    g_main_context_pop_thread_default(p->ctx);
    g_task_set_task_data(task, j, NULL);
    g_task_run_in_thread(task, hash_thread);
    g_object_unref(task);
}

static bool valid_sha256(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (const char *c = s; *c; c++)
        if (!g_ascii_isxdigit(*c))
            return false;
    return true;
}

int audio_player_prepare(struct audio_player *p, const struct audio_item *item)
{
    if (!p || !item || !item->location || !item->location[0])
        return -EINVAL;
    if (item->kind == AUDIO_ITEM_RELAY) {
        if (item->duration_usec <= 0 || !(g_str_has_prefix(item->location, "http://") ||
                                          g_str_has_prefix(item->location, "https://")))
            return -EINVAL;
    } else if (item->kind != AUDIO_ITEM_FILE) {
        return -EINVAL;
    }
    if (item->sha256 && !valid_sha256(item->sha256))
        return -EINVAL;
    if (find_airing(p, item->cookie))
        return -EEXIST;

    struct audio_airing *a = g_new0(struct audio_airing, 1);
    a->p = p;
    a->item = *item;
    a->location = g_strdup(item->location);
    a->sha256 = item->sha256 ? g_ascii_strdown(item->sha256, -1) : NULL;
    a->item.location = a->location;
    a->item.sha256 = a->sha256;
    a->fd = -1;
    a->duration_usec = item->duration_usec > 0 ? item->duration_usec : 0;
    a->ordinal = ++p->next_ordinal;
    a->st = AIRING_CHECKING;
    g_ptr_array_add(p->airings, a);

    if (item->kind == AUDIO_ITEM_RELAY) {
        hand_to_driver(a);
        return 0;
    }
    /* O_NONBLOCK: a FIFO planted in the library must not hang the loop; regular files
     * ignore the flag. One open for hash and playback: they read the same inode. */
    a->fd = open(a->location, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (a->fd < 0) {
        int err = errno;
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_MISSING_FILE, "%s: %s",
                         item->location, g_strerror(err));
        return 0;
    }
    if (fstat(a->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_MISSING_FILE,
                         "%s: not a regular file", item->location);
        return 0;
    }
    if (a->sha256)
        start_hash(a);
    else
        hand_to_driver(a);
    return 0;
}

int audio_player_start_at(struct audio_player *p, uint64_t cookie, int64_t planned_usec)
{
    if (!p)
        return -EINVAL;
    struct audio_airing *a = find_airing(p, cookie);
    if (!a)
        return finish_pending(p, cookie) ? 0 : -ENOENT;
    if (a->start_requested)
        return -EALREADY;
    for (guint i = 0; i < p->airings->len; i++) {
        struct audio_airing *b = g_ptr_array_index(p->airings, i);
        if (b != a && b->start_requested && b->st != AIRING_DONE)
            return -EBUSY;
    }
    int64_t now = audio_player_now(p);
    a->start_requested = true;
    a->planned_usec = planned_usec;
    a->window_start_usec = planned_usec > now ? planned_usec : now;
    arm_deadline(a);
    if (a->st == AIRING_PREPARING)
        p->drv->start(a); /* otherwise the driver starts when the hash check hands it over */
    return 0;
}

int audio_player_stop(struct audio_player *p, uint64_t cookie, enum audio_reason reason)
{
    if (!p || (reason != AUDIO_REASON_EMERGENCY && reason != AUDIO_REASON_SHUTDOWN &&
               reason != AUDIO_REASON_CRASH))
        return -EINVAL;
    struct audio_airing *a = find_airing(p, cookie);
    if (!a)
        return finish_pending(p, cookie) ? 0 : -ENOENT;
    audio_airing_end(a, AUDIO_OUTCOME_INTERRUPTED, reason, "stopped");
    return 0;
}

unsigned audio_player_live(const struct audio_player *p)
{
    return p ? p->airings->len : 0;
}

int64_t audio_player_next_wakeup_usec(const struct audio_player *p)
{
    int64_t next = INT64_MAX;
    if (!p)
        return next;
    if (p->events.length > 0)
        next = audio_player_now(p);
    for (guint i = 0; i < p->vtimers->len; i++) {
        const struct audio_timer *t = g_ptr_array_index(p->vtimers, i);
        if (t->at_usec < next)
            next = t->at_usec;
    }
    return next;
}

void audio_player_dispatch(struct audio_player *p)
{
    if (!p)
        return;
    if (p->virtual_time) {
        /* Fire due timers one at a time, earliest first: each may arm or cancel others. */
        for (;;) {
            int64_t now = audio_player_now(p);
            struct audio_timer *due = NULL;
            for (guint i = 0; i < p->vtimers->len; i++) {
                struct audio_timer *t = g_ptr_array_index(p->vtimers, i);
                if (t->at_usec <= now && (!due || t->at_usec < due->at_usec))
                    due = t;
            }
            if (!due)
                break;
            g_ptr_array_remove_fast(p->vtimers, due);
            due->armed = false;
            due->fn(due->a);
        }
    }
    deliver_events(p);
}

/* ---- the player ---------------------------------------------------------------- */

int audio_init(struct loa_diag *reterr)
{
    GError *err = NULL;
    if (!gst_init_check(NULL, NULL, &err)) {
        loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, NULL, 0, "audio: GStreamer cannot start: %s",
                     err ? err->message : "unknown error");
        g_clear_error(&err);
        return -EIO;
    }
    return 0;
}

static void player_destroy(struct audio_player *p)
{
    while (p->airings->len > 0) {
        struct audio_airing *a = g_ptr_array_index(p->airings, 0);
        a->st = AIRING_DONE;
        airing_destroy(a);
    }
    struct audio_event *ev;
    while ((ev = g_queue_pop_head(&p->events)))
        g_free(ev);
    if (p->event_src) {
        g_source_destroy(p->event_src);
        g_source_unref(p->event_src);
    }
    if (p->drv && p->drv->done)
        p->drv->done(p);
    g_ptr_array_free(p->airings, TRUE);
    g_ptr_array_free(p->vtimers, TRUE);
    g_main_context_unref(p->ctx);
    g_free(p->output);
    g_free(p->output_arg);
    g_free(p->note);
    g_free(p);
}

struct audio_player *audio_player_free(struct audio_player *p)
{
    if (!p)
        return NULL;
    if (p->in_dispatch) {
        /* Called from a callback: release the output now, the struct when the callback
         * returns to the dispatcher. */
        while (p->airings->len > 0) {
            struct audio_airing *a = g_ptr_array_index(p->airings, 0);
            a->st = AIRING_DONE;
            airing_destroy(a);
        }
        p->free_requested = true;
        return NULL;
    }
    player_destroy(p);
    return NULL;
}

const char *audio_player_output(const struct audio_player *p)
{
    return p ? p->output : NULL;
}

const char *audio_player_output_note(const struct audio_player *p)
{
    return p ? p->note : NULL;
}

static void set_default(int64_t *v, int64_t def)
{
    if (*v == 0)
        *v = def;
}

int audio_player_new(const struct audio_config *cfg, const struct audio_callbacks *cb,
                     GMainContext *ctx, struct audio_player **ret_player, struct loa_diag *reterr)
{
    enum audio_output_kind kind;
    const char *arg;
    if (!cfg || !ret_player)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0, "audio: no config");
    if (audio_output_parse(cfg->output, &kind, &arg) < 0)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                            "audio: unknown output '%s' (auto | alsa:DEVICE | null | "
                            "file:PATH.wav)",
                            cfg->output);
    if (!(cfg->volume >= 0.0 && cfg->volume <= 1.0))
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                            "audio: volume %g is outside 0..1", cfg->volume);
    if (cfg->now_usec && kind != AUDIO_OUTPUT_NULL)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                            "audio: a virtual clock needs the null output");
    int r;
    if (kind != AUDIO_OUTPUT_NULL) {
        r = audio_init(reterr);
        if (r < 0)
            return r;
    }

    struct audio_player *p = g_new0(struct audio_player, 1);
    p->cfg = *cfg;
    p->cfg.output = NULL; /* not kept: p->output holds the effective one */
    if (cb)
        p->cb = *cb;
    p->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    p->virtual_time = cfg->now_usec != NULL;
    p->volume = cfg->volume;
    p->airings = g_ptr_array_new();
    p->vtimers = g_ptr_array_new();
    g_queue_init(&p->events);
    p->timer_funcs.dispatch = timer_source_dispatch;
    set_default(&p->cfg.grace_usec, 5 * USEC_PER_SEC);
    set_default(&p->cfg.stall_usec, 3 * USEC_PER_SEC);
    set_default(&p->cfg.silence_usec, 5 * USEC_PER_SEC);
    set_default(&p->cfg.relay_preconnect_usec, 2 * USEC_PER_SEC);
    set_default(&p->cfg.preroll_timeout_usec, 3 * USEC_PER_SEC);
    set_default(&p->cfg.device_retry_max_usec, 2 * USEC_PER_SEC);
    if (p->cfg.silence_dbfs == 0.0)
        p->cfg.silence_dbfs = -60.0;
    if (p->cfg.relay_retries == 0)
        p->cfg.relay_retries = 3;
    else if (p->cfg.relay_retries < 0)
        p->cfg.relay_retries = 0;

    if (kind == AUDIO_OUTPUT_AUTO) {
        char *why = NULL;
        if (audio_gst_probe_alsa("default", &why) == 0) {
            kind = AUDIO_OUTPUT_ALSA;
            arg = "default";
        } else {
            kind = AUDIO_OUTPUT_NULL;
            p->note = g_strdup_printf("no sound (output auto fell back to null): %s", why);
        }
        g_free(why);
    }
    p->kind = kind;
    p->output_arg = g_strdup(arg);
    switch (kind) {
    case AUDIO_OUTPUT_ALSA:
        p->output = g_strdup_printf("alsa:%s", arg);
        break;
    case AUDIO_OUTPUT_FILE:
        p->output = g_strdup_printf("file:%s", arg);
        break;
    case AUDIO_OUTPUT_FAKESINK:
        p->output = g_strdup("fakesink");
        break;
    default:
        p->output = g_strdup("null");
        break;
    }
    p->drv = kind == AUDIO_OUTPUT_NULL ? &audio_driver_null : &audio_driver_gst;
    if (p->drv->init) {
        r = p->drv->init(p, reterr);
        if (r < 0) {
            p->drv = NULL;
            player_destroy(p);
            return r;
        }
    }
    *ret_player = p;
    return 0;
}
