/* The GStreamer driver, behind the alsa, fakesink and file outputs.
 *
 * One pipeline per airing attempt:
 *   filesrc location=/proc/self/fd/N | souphttpsrc location=URL
 *     ! decodebin ! audioconvert ! audioresample ! level ! volume ! audioconvert
 *     ! alsasink device=D | fakesink sync=true | wavenc ! filesink location=PATH
 * The file is read through the descriptor the player hashed (same inode, whatever happens
 * to the path meanwhile). `level` sits before `volume` so silence is judged on the source,
 * not on the configured volume.
 *
 * On time: the pipeline pre-rolls to PAUSED at prepare. To start, it is given the system
 * clock and a base time of its own (start_time NONE, the network-synchronisation recipe),
 * so a sink that syncs renders running time 0 exactly on the planned instant; PLAYING can
 * thus be set as early as we like. The actual start is measured where it can be: fakesink's
 * "handoff" fires after the clock wait, at render; alsasink writes ahead into its ring
 * buffer, so its start is the instant its clock schedules; the file output does not sync
 * and starts when set PLAYING.
 *
 * Streaming threads only touch `struct gst_shared` under its mutex and post application
 * messages; everything else happens on the player's context through the bus watch.
 */
#include <errno.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audio_private.h"

#define USEC_PER_SEC INT64_C(1000000)
#define STALL_CHECK_USEC (250 * 1000)
#define DEVICE_RETRY_FIRST_USEC (250 * 1000)
#define RELAY_RETRY_FIRST_USEC (500 * 1000)

struct gst_player {
    GstClock *clock;
    bool sync; /* the sink waits on the clock (alsa, fakesink) */
};

struct gst_shared {
    int64_t last_buffer_mono; /* when the last buffer went to the sink */
    GstClockTime rendered; /* audio handed to the sink this attempt */
    bool eos;
    bool handoff_seen;
    int64_t eos_real; /* UTC µs when the pipeline posted EOS (after the sink rendered all) */
};

struct gst_airing {
    struct audio_airing *a;
    GstElement *pipeline, *src, *level, *conv_in, *sink_head, *sink;
    GSource *bus_src;
    GstBus *bus; /* for the sync EOS handler */
    gulong sync_eos_id;

    bool prerolled, playing, linked, saw_missing_plugin;
    bool saw_refused; /* a decoder exists but refused this file's parameters */
    char missing_what[160];
    GstClockTime base_time;
    int64_t target_usec; /* UTC instant this attempt's first sample is due */
    int64_t play_mono_usec; /* when this attempt's first sample was rendered, 0 before */
    bool in_silence;
    GstClockTime silence_from;

    int64_t device_delay_usec; /* busy/absent back-off, 0 when not waiting */
    int relay_failures;
    int64_t played_before_usec; /* earlier relay attempts */
    bool ever_data;

    struct audio_timer preroll_t, retry_t, started_t, stall_t, connect_t, end_t;

    GMutex lock;
    struct gst_shared s;
};

static void build(struct gst_airing *g);
static void rebuild(struct audio_airing *a);

static struct gst_player *gp_of(const struct audio_airing *a)
{
    return a->p->drv_state;
}

static int64_t mono_now(void)
{
    return g_get_monotonic_time();
}

/* ---- streaming-thread side ---------------------------------------------------- */

static GstPadProbeReturn on_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    struct gst_airing *g = data;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
        GstClockTime dur = GST_BUFFER_DURATION(buf);
        if (!GST_CLOCK_TIME_IS_VALID(dur)) {
            GstCaps *caps = gst_pad_get_current_caps(pad);
            GstAudioInfo ai;
            dur = 0;
            if (caps && gst_audio_info_from_caps(&ai, caps) && ai.bpf > 0 && ai.rate > 0)
                dur = gst_util_uint64_scale(gst_buffer_get_size(buf) / ai.bpf, GST_SECOND, ai.rate);
            if (caps)
                gst_caps_unref(caps);
        }
        g_mutex_lock(&g->lock);
        g->s.rendered += dur;
        g->s.last_buffer_mono = mono_now();
        g_mutex_unlock(&g->lock);
    } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
            g_mutex_lock(&g->lock);
            g->s.eos = true;
            bool empty = g->s.rendered == 0;
            g_mutex_unlock(&g->lock);
            if (empty) {
                /* An end with no audio before it: say so, and keep the EOS from sinks that
                 * cannot take it without data (wavenc would push a header unannounced). */
                GstElement *el = gst_pad_get_parent_element(pad);
                gst_element_post_message(
                    el, gst_message_new_application(GST_OBJECT(el),
                                                    gst_structure_new_empty("loa-no-audio")));
                gst_object_unref(el);
                return GST_PAD_PROBE_DROP;
            }
        }
    }
    return GST_PAD_PROBE_OK;
}

static void on_handoff(GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer data)
{
    (void)buf;
    (void)pad;
    struct gst_airing *g = data;
    int64_t now = g_get_real_time(); /* read first: this is the measurement */
    g_mutex_lock(&g->lock);
    bool first = !g->s.handoff_seen;
    g->s.handoff_seen = true;
    g_mutex_unlock(&g->lock);
    if (first)
        gst_element_post_message(
            sink, gst_message_new_application(
                      GST_OBJECT(sink),
                      gst_structure_new("loa-handoff", "real", G_TYPE_INT64, now, NULL)));
}

static void on_sync_eos(GstBus *bus, GstMessage *msg, gpointer data)
{
    (void)bus;
    (void)msg;
    struct gst_airing *g = data;
    int64_t now = g_get_real_time();
    g_mutex_lock(&g->lock);
    g->s.eos_real = now;
    g_mutex_unlock(&g->lock);
}

static void on_pad_added(GstElement *dec, GstPad *pad, gpointer data)
{
    struct gst_airing *g = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    bool audio =
        caps && gst_caps_get_size(caps) > 0 &&
        g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "audio/");
    if (caps)
        gst_caps_unref(caps);
    if (!audio)
        return;
    GstPad *sinkpad = gst_element_get_static_pad(g->conv_in, "sink");
    if (!gst_pad_is_linked(sinkpad) && gst_pad_link(pad, sinkpad) == GST_PAD_LINK_OK) {
        g_mutex_lock(&g->lock);
        g->linked = true;
        g_mutex_unlock(&g->lock);
    }
    gst_object_unref(sinkpad);
    (void)dec;
}

static void on_no_more_pads(GstElement *dec, gpointer data)
{
    struct gst_airing *g = data;
    g_mutex_lock(&g->lock);
    bool linked = g->linked;
    g_mutex_unlock(&g->lock);
    if (!linked)
        gst_element_post_message(
            dec,
            gst_message_new_application(GST_OBJECT(dec), gst_structure_new_empty("loa-no-audio")));
}

/* ---- pipeline life ------------------------------------------------------------- */

static void teardown_pipeline(struct gst_airing *g)
{
    audio_timer_cancel(&g->preroll_t);
    audio_timer_cancel(&g->started_t);
    audio_timer_cancel(&g->stall_t);
    if (g->bus_src) {
        g_source_destroy(g->bus_src);
        g_source_unref(g->bus_src);
        g->bus_src = NULL;
    }
    if (g->bus) {
        g_signal_handler_disconnect(g->bus, g->sync_eos_id);
        gst_bus_disable_sync_message_emission(g->bus);
        gst_object_unref(g->bus);
        g->bus = NULL;
    }
    if (g->pipeline) {
        /* Synchronous: streaming threads are joined and the device is closed on return. */
        gst_element_set_state(g->pipeline, GST_STATE_NULL);
        gst_object_unref(g->pipeline);
    }
    g->pipeline = g->src = g->level = g->conv_in = g->sink_head = g->sink = NULL;
    g->prerolled = g->playing = g->saw_missing_plugin = g->saw_refused = false;
    g->linked = false;
    g->play_mono_usec = 0;
    g->in_silence = false;
    g->missing_what[0] = '\0';
    g->s = (struct gst_shared){0};
}

/* Audio rendered by the current attempt. */
static int64_t attempt_played(struct gst_airing *g)
{
    if (!g->playing || !g->play_mono_usec)
        return 0;
    g_mutex_lock(&g->lock);
    GstClockTime rendered = g->s.rendered;
    g_mutex_unlock(&g->lock);
    if (gp_of(g->a)->sync) {
        /* What went to the sink may still be waiting for its time: count the clock. */
        GstClockTime now = gst_clock_get_time(gp_of(g->a)->clock);
        GstClockTime el = now > g->base_time ? now - g->base_time : 0;
        if (el < rendered)
            rendered = el;
    }
    return (int64_t)(rendered / GST_USECOND);
}

static void fail(struct gst_airing *g, enum audio_reason r, const char *detail)
{
    audio_airing_end(g->a, AUDIO_OUTCOME_FAILED, r, "%s", detail);
}

static void stall_check(struct audio_airing *a);

static void arm_stall(struct gst_airing *g)
{
    audio_timer_arm(&g->stall_t, g->a, audio_player_now(g->a->p) + STALL_CHECK_USEC, stall_check);
}

/* The first sample of this attempt is being rendered now (or at `real`). */
static void attempt_rendering(struct gst_airing *g, int64_t real)
{
    g->play_mono_usec = mono_now();
    g->ever_data = true;
    audio_airing_started(g->a, real); /* once per airing; relay retries do not re-start */
    arm_stall(g);
}

static void relay_retry(struct gst_airing *g, enum audio_reason r, const char *detail);

static void stall_check(struct audio_airing *a)
{
    struct gst_airing *g = a->drv;
    g_mutex_lock(&g->lock);
    int64_t last = g->s.last_buffer_mono;
    bool eos = g->s.eos;
    g_mutex_unlock(&g->lock);
    int64_t since = last > g->play_mono_usec ? last : g->play_mono_usec;
    if (!eos && mono_now() - since > a->p->cfg.stall_usec) {
        char d[160];
        snprintf(d, sizeof d, "no audio data for %.1f s",
                 (double)(mono_now() - since) / USEC_PER_SEC);
        if (a->item.kind == AUDIO_ITEM_RELAY)
            relay_retry(g, AUDIO_REASON_STALL, d);
        else
            fail(g, AUDIO_REASON_STALL, d);
        return;
    }
    arm_stall(g);
}

static void started_due(struct audio_airing *a)
{
    struct gst_airing *g = a->drv;
    attempt_rendering(g, g->target_usec);
}

static void go_playing(struct gst_airing *g);

static void file_due(struct audio_airing *a)
{
    go_playing(a->drv);
}

static void go_playing(struct gst_airing *g)
{
    struct audio_airing *a = g->a;
    struct gst_player *gp = gp_of(a);
    int64_t now_real = g_get_real_time();
    if (!gp->sync && a->planned_usec > now_real) {
        /* The file output does not wait on a clock: wait here for the instant. */
        audio_timer_arm(&g->started_t, a, a->planned_usec, file_due);
        return;
    }
    int64_t target = a->planned_usec > now_real ? a->planned_usec : now_real;
    g->playing = true;
    g->target_usec = target;
    if (gp->sync) {
        GstClockTime cnow = gst_clock_get_time(gp->clock);
        g->base_time = cnow + (GstClockTime)(target - now_real) * GST_USECOND;
        gst_element_set_start_time(g->pipeline, GST_CLOCK_TIME_NONE);
        gst_element_set_base_time(g->pipeline, g->base_time);
    }
    GstStateChangeReturn sr = gst_element_set_state(g->pipeline, GST_STATE_PLAYING);
    if (sr == GST_STATE_CHANGE_FAILURE)
        return; /* the error message follows on the bus */
    if (a->p->kind == AUDIO_OUTPUT_FILE) {
        attempt_rendering(g, now_real);
    } else if (a->p->kind == AUDIO_OUTPUT_ALSA) {
        /* alsasink fills its ring buffer ahead: the sound starts when the clock says. */
        audio_timer_arm(&g->started_t, a, target, started_due);
    }
    /* fakesink: the handoff message tells. */
}

static void on_prerolled(struct gst_airing *g)
{
    struct audio_airing *a = g->a;
    g->prerolled = true;
    audio_timer_cancel(&g->preroll_t);
    g->device_delay_usec = 0;
    a->pending_reason = AUDIO_REASON_NONE;
    a->pending_detail[0] = '\0';
    if (a->item.kind == AUDIO_ITEM_FILE && a->duration_usec <= 0) {
        gint64 dur = 0;
        if (gst_element_query_duration(g->pipeline, GST_FORMAT_TIME, &dur) && dur > 0)
            audio_airing_learn_duration(a,
                                        (dur / GST_MSECOND + (dur % GST_MSECOND >= 500000)) * 1000);
    }
    if (a->start_requested)
        go_playing(g);
}

/* A relay attempt failed: reconnect with back-off inside the window, or give up. */
static void relay_retry(struct gst_airing *g, enum audio_reason r, const char *detail)
{
    struct audio_airing *a = g->a;
    struct audio_player *p = a->p;
    g->played_before_usec += attempt_played(g);
    teardown_pipeline(g);
    g->relay_failures++;
    int64_t delay = RELAY_RETRY_FIRST_USEC << MIN(g->relay_failures - 1, 8);
    int64_t now = audio_player_now(p);
    int64_t window_end = a->window_start_usec + a->duration_usec;
    if (g->relay_failures > p->cfg.relay_retries || now + delay + 500000 >= window_end) {
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, r, "%s (%d attempt%s)", detail, g->relay_failures,
                         g->relay_failures == 1 ? "" : "s");
        return;
    }
    a->pending_reason = r;
    g_strlcpy(a->pending_detail, detail, sizeof a->pending_detail);
    audio_timer_arm(&g->retry_t, a, now + delay, rebuild);
}

/* The device would not open: retry with back-off; the deadline makes it final. */
static void device_retry(struct gst_airing *g, enum audio_reason r, const char *detail)
{
    struct audio_airing *a = g->a;
    teardown_pipeline(g);
    a->pending_reason = r;
    g_strlcpy(a->pending_detail, detail, sizeof a->pending_detail);
    int64_t max = a->p->cfg.device_retry_max_usec;
    g->device_delay_usec =
        g->device_delay_usec ? g->device_delay_usec * 2 : DEVICE_RETRY_FIRST_USEC;
    if (g->device_delay_usec > max)
        g->device_delay_usec = max;
    audio_timer_arm(&g->retry_t, a, audio_player_now(a->p) + g->device_delay_usec, rebuild);
}

static void rebuild(struct audio_airing *a)
{
    build(a->drv);
}

static void preroll_timeout(struct audio_airing *a)
{
    struct gst_airing *g = a->drv;
    char d[300];
    if (a->item.kind == AUDIO_ITEM_RELAY) {
        snprintf(d, sizeof d, "%s: no audio from the stream within %.1f s", a->location,
                 (double)(a->p->cfg.stall_usec + 3 * USEC_PER_SEC) / USEC_PER_SEC);
        relay_retry(g, g->ever_data ? AUDIO_REASON_STALL : AUDIO_REASON_STREAM_UNREACHABLE, d);
        return;
    }
    /* A local file pre-rolls in milliseconds; a decoder that sits on it this long is stuck
     * on damaged data (GStreamer 1.22's oggdemux does so on some truncated files). */
    snprintf(d, sizeof d, "%s: no audio within %.1f s of opening it (decoder stuck)", a->location,
             (double)a->p->cfg.preroll_timeout_usec / USEC_PER_SEC);
    fail(g, AUDIO_REASON_UNDECODABLE, d);
}

static bool is_sink_side(struct gst_airing *g, GstObject *o)
{
    return o == GST_OBJECT(g->sink) || o == GST_OBJECT(g->sink_head);
}

static enum audio_reason classify(struct gst_airing *g, GstMessage *msg, const GError *err)
{
    GstObject *src = GST_MESSAGE_SRC(msg);
    if (g->saw_refused && !g->saw_missing_plugin)
        return AUDIO_REASON_UNDECODABLE;
    if (g->saw_missing_plugin ||
        (err->domain == GST_CORE_ERROR && err->code == GST_CORE_ERROR_MISSING_PLUGIN) ||
        (err->domain == GST_STREAM_ERROR && err->code == GST_STREAM_ERROR_CODEC_NOT_FOUND))
        return AUDIO_REASON_MISSING_PLUGIN;
    if (err->domain == GST_RESOURCE_ERROR) {
        if (is_sink_side(g, src))
            return err->code == GST_RESOURCE_ERROR_BUSY ? AUDIO_REASON_DEVICE_BUSY
                                                        : AUDIO_REASON_DEVICE_ABSENT;
        if (g->a->item.kind == AUDIO_ITEM_RELAY)
            return AUDIO_REASON_STREAM_UNREACHABLE;
        if (src == GST_OBJECT(g->src))
            return AUDIO_REASON_MISSING_FILE;
    }
    return AUDIO_REASON_UNDECODABLE;
}

static void handle_error(struct gst_airing *g, GstMessage *msg)
{
    struct audio_airing *a = g->a;
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_error(msg, &err, &dbg);
    enum audio_reason r = classify(g, msg, err);
    char detail[256];
    if (r == AUDIO_REASON_UNDECODABLE && g->saw_refused && !g->saw_missing_plugin)
        snprintf(detail, sizeof detail, "%s: no installed decoder accepts its parameters",
                 a->location);
    else if (r == AUDIO_REASON_MISSING_PLUGIN && g->missing_what[0])
        snprintf(detail, sizeof detail, "%s: no GStreamer plugin for %s", a->location,
                 g->missing_what);
    else if (r == AUDIO_REASON_DEVICE_BUSY || r == AUDIO_REASON_DEVICE_ABSENT)
        snprintf(detail, sizeof detail, "%s: %s", a->p->output, err->message);
    else
        snprintf(detail, sizeof detail, "%s: %s", a->location, err->message);
    g_clear_error(&err);
    g_free(dbg);
    if (a->item.kind == AUDIO_ITEM_RELAY && r != AUDIO_REASON_MISSING_PLUGIN)
        relay_retry(g, r, detail);
    else if ((r == AUDIO_REASON_DEVICE_BUSY || r == AUDIO_REASON_DEVICE_ABSENT) && !a->started)
        device_retry(g, r, detail);
    else
        fail(g, r, detail);
}

static void handle_eos(struct gst_airing *g)
{
    struct audio_airing *a = g->a;
    if (a->item.kind == AUDIO_ITEM_RELAY) {
        relay_retry(g, AUDIO_REASON_STALL, "the stream ended");
        return;
    }
    if (!a->started && g->playing && g->started_t.armed && a->p->kind == AUDIO_OUTPUT_ALSA) {
        /* A very short item whose end overtook our started timer: it did start on time. */
        audio_timer_cancel(&g->started_t);
        attempt_rendering(g, g->target_usec);
    }
    if (!a->started) {
        /* The end before any sample was rendered: nothing in it decodes to audio. */
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_UNDECODABLE, "%s: no audio in it",
                         a->location);
        return;
    }
    int64_t played = attempt_played(g);
    g_mutex_lock(&g->lock);
    a->end_usec_hint = g->s.eos_real;
    g_mutex_unlock(&g->lock);
    int64_t want = a->duration_usec;
    int64_t tol = want / 33 > 300000 ? want / 33 : 300000; /* max(3 %, 300 ms) */
    if (want > 0 && played < want - tol)
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_UNDECODABLE,
                         "%s: ended after %.3f s of %.3f s (truncated or damaged)", a->location,
                         (double)played / USEC_PER_SEC, (double)want / USEC_PER_SEC);
    else
        audio_airing_end(a, AUDIO_OUTCOME_COMPLETED, AUDIO_REASON_NONE, "%s", "");
}

static void handle_level(struct gst_airing *g, const GstStructure *s)
{
    struct audio_airing *a = g->a;
    if (a->p->cfg.silence_usec < 0)
        return;
    const GValue *v = gst_structure_get_value(s, "rms");
    GstClockTime end = 0, dur = 0;
    if (!v || !gst_structure_get_clock_time(s, "endtime", &end) ||
        !gst_structure_get_clock_time(s, "duration", &dur))
        return;
    bool quiet = true;
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS /* level still posts a GValueArray */
        GValueArray *rms = g_value_get_boxed(v);
    for (guint i = 0; rms && i < rms->n_values; i++)
        if (!(g_value_get_double(g_value_array_get_nth(rms, i)) < a->p->cfg.silence_dbfs))
            quiet = false;
    G_GNUC_END_IGNORE_DEPRECATIONS
    if (!quiet) {
        g->in_silence = false;
        return;
    }
    if (!g->in_silence) {
        g->in_silence = true;
        g->silence_from = end > dur ? end - dur : 0;
    }
    if ((int64_t)((end - g->silence_from) / GST_USECOND) >= a->p->cfg.silence_usec) {
        char d[160];
        snprintf(d, sizeof d, "RMS under %.0f dBFS for %.1f s", a->p->cfg.silence_dbfs,
                 (double)(end - g->silence_from) / GST_SECOND);
        if (a->item.kind == AUDIO_ITEM_RELAY) /* a dead relay is not retried: it answers */
            audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_SILENCE, "%s", d);
        else
            fail(g, AUDIO_REASON_SILENCE, d);
    }
}

/* decodebin also says "missing plugin" when the decoder is installed but refuses this
 * file's parameters (a damaged FLAC header, say). Only a format nobody here can decode at
 * all is missing-plugin; the rest is undecodable. */
static bool really_missing(GstMessage *msg)
{
    const GstStructure *s = gst_message_get_structure(msg);
    GstCaps *detail = NULL;
    if (!gst_structure_get(s, "detail", GST_TYPE_CAPS, &detail, NULL) || !detail)
        return true; /* an element or URI handler by name: nothing to compare */
    bool missing = true;
    if (gst_caps_get_size(detail) > 0) {
        GstCaps *bare =
            gst_caps_new_empty_simple(gst_structure_get_name(gst_caps_get_structure(detail, 0)));
        /* Decoders and demuxers only: a parser (flacparse) accepts the type too, but
         * cannot turn it into audio. */
        GList *all = gst_element_factory_list_get_elements(
            GST_ELEMENT_FACTORY_TYPE_DECODER | GST_ELEMENT_FACTORY_TYPE_DEMUXER, GST_RANK_MARGINAL);
        GList *able = gst_element_factory_list_filter(all, bare, GST_PAD_SINK, FALSE);
        missing = able == NULL;
        gst_plugin_feature_list_free(able);
        gst_plugin_feature_list_free(all);
        gst_caps_unref(bare);
    }
    gst_caps_unref(detail);
    return missing;
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    (void)bus;
    struct gst_airing *g = data;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR:
        handle_error(g, msg); /* may end the airing: return at once */
        return G_SOURCE_CONTINUE;
    case GST_MESSAGE_EOS:
        handle_eos(g);
        return G_SOURCE_CONTINUE;
    case GST_MESSAGE_ASYNC_DONE:
        if (GST_MESSAGE_SRC(msg) == GST_OBJECT(g->pipeline) && !g->prerolled)
            on_prerolled(g);
        return G_SOURCE_CONTINUE;
    case GST_MESSAGE_ELEMENT:
        if (gst_is_missing_plugin_message(msg)) {
            if (!really_missing(msg)) {
                g->saw_refused = true;
            } else {
                g->saw_missing_plugin = true;
                gchar *desc = gst_missing_plugin_message_get_description(msg);
                g_strlcpy(g->missing_what, desc ? desc : "this format", sizeof g->missing_what);
                g_free(desc);
            }
        } else if (GST_MESSAGE_SRC(msg) == GST_OBJECT(g->level)) {
            handle_level(g, gst_message_get_structure(msg));
        }
        return G_SOURCE_CONTINUE;
    case GST_MESSAGE_APPLICATION: {
        const GstStructure *s = gst_message_get_structure(msg);
        if (gst_structure_has_name(s, "loa-handoff")) {
            gint64 real = 0;
            gst_structure_get_int64(s, "real", &real);
            attempt_rendering(g, real);
        } else if (gst_structure_has_name(s, "loa-no-audio")) {
            char d[300];
            snprintf(d, sizeof d, "%s: no audio stream", g->a->location);
            if (g->a->item.kind == AUDIO_ITEM_RELAY)
                relay_retry(g, AUDIO_REASON_UNDECODABLE, d);
            else
                fail(g, AUDIO_REASON_UNDECODABLE, d);
        }
        return G_SOURCE_CONTINUE;
    }
    default:
        return G_SOURCE_CONTINUE;
    }
}

static GstElement *add(GstElement *bin, const char *factory, char *missing, size_t size)
{
    GstElement *e = gst_element_factory_make(factory, NULL);
    if (!e) {
        if (!missing[0])
            g_strlcpy(missing, factory, size);
        return NULL;
    }
    gst_bin_add(GST_BIN(bin), e);
    return e;
}

static char *file_output_path(struct audio_airing *a)
{
    const char *tmpl = a->p->output_arg;
    if (!strstr(tmpl, "%n"))
        return g_strdup(tmpl);
    char n[16];
    snprintf(n, sizeof n, "%u", a->ordinal);
    gchar **parts = g_strsplit(tmpl, "%n", -1);
    char *path = g_strjoinv(n, parts);
    g_strfreev(parts);
    return path;
}

static void build(struct gst_airing *g)
{
    struct audio_airing *a = g->a;
    struct audio_player *p = a->p;
    struct gst_player *gp = p->drv_state;
    char missing[64] = "";
    bool relay = a->item.kind == AUDIO_ITEM_RELAY;

    teardown_pipeline(g);
    g->pipeline = gst_pipeline_new(NULL);
    GstElement *pl = g->pipeline;
    g->src = add(pl, relay ? "souphttpsrc" : "filesrc", missing, sizeof missing);
    GstElement *dec = add(pl, "decodebin", missing, sizeof missing);
    g->conv_in = add(pl, "audioconvert", missing, sizeof missing);
    GstElement *rs = add(pl, "audioresample", missing, sizeof missing);
    g->level = add(pl, "level", missing, sizeof missing);
    GstElement *vol = add(pl, "volume", missing, sizeof missing);
    GstElement *conv_out = add(pl, "audioconvert", missing, sizeof missing);
    switch (p->kind) {
    case AUDIO_OUTPUT_ALSA:
        g->sink_head = g->sink = add(pl, "alsasink", missing, sizeof missing);
        break;
    case AUDIO_OUTPUT_FAKESINK:
        g->sink_head = g->sink = add(pl, "fakesink", missing, sizeof missing);
        break;
    default:
        g->sink_head = add(pl, "wavenc", missing, sizeof missing);
        g->sink = add(pl, "filesink", missing, sizeof missing);
        break;
    }
    if (missing[0]) {
        char d[160];
        snprintf(d, sizeof d, "GStreamer element '%s' is not installed", missing);
        fail(g, AUDIO_REASON_MISSING_PLUGIN, d);
        return;
    }

    if (relay) {
        /* Our own stall check (exact, and counted as "stall") must beat souphttpsrc's I/O
         * timeout, which is there for a server that accepts and never answers. */
        unsigned tmo = (unsigned)((p->cfg.stall_usec + USEC_PER_SEC - 1) / USEC_PER_SEC) + 2;
        g_object_set(g->src, "location", a->location, "retries", 0, "timeout", tmo, "user-agent",
                     "loa", NULL);
    } else {
        char loc[64];
        snprintf(loc, sizeof loc, "/proc/self/fd/%d", a->fd);
        g_object_set(g->src, "location", loc, NULL);
    }
    g_object_set(g->level, "post-messages", TRUE, "interval", (guint64)(100 * GST_MSECOND), NULL);
    double lin = p->volume * pow(10.0, a->item.gain_db / 20.0);
    g_object_set(vol, "volume", lin > 10.0 ? 10.0 : lin, NULL);
    if (p->kind == AUDIO_OUTPUT_ALSA) {
        g_object_set(g->sink, "device", p->output_arg, NULL);
    } else if (p->kind == AUDIO_OUTPUT_FAKESINK) {
        g_object_set(g->sink, "sync", TRUE, "signal-handoffs", TRUE, NULL);
        g_signal_connect(g->sink, "handoff", G_CALLBACK(on_handoff), g);
    } else {
        char *path = file_output_path(a);
        g_object_set(g->sink, "location", path, NULL);
        g_free(path);
    }

    bool linked =
        gst_element_link(g->src, dec) &&
        gst_element_link_many(g->conv_in, rs, g->level, vol, conv_out, g->sink_head, NULL) &&
        (g->sink_head == g->sink || gst_element_link(g->sink_head, g->sink));
    if (!linked) {
        fail(g, AUDIO_REASON_UNDECODABLE, "cannot link the audio pipeline");
        return;
    }
    g_signal_connect(dec, "pad-added", G_CALLBACK(on_pad_added), g);
    g_signal_connect(dec, "no-more-pads", G_CALLBACK(on_no_more_pads), g);
    GstPad *probe_pad = gst_element_get_static_pad(conv_out, "src");
    gst_pad_add_probe(probe_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      on_probe, g, NULL);
    gst_object_unref(probe_pad);
    gst_pipeline_use_clock(GST_PIPELINE(pl), gp->clock);

    GstBus *bus = gst_pipeline_get_bus(GST_PIPELINE(pl));
    g->bus_src = gst_bus_create_watch(bus);
    g_source_set_callback(g->bus_src, G_SOURCE_FUNC(on_bus), g, NULL);
    g_source_attach(g->bus_src, p->ctx);
    /* The end is timed where it happens, not when the loop gets to the message. */
    gst_bus_enable_sync_message_emission(bus);
    g->sync_eos_id = g_signal_connect(bus, "sync-message::eos", G_CALLBACK(on_sync_eos), g);
    g->bus = bus; /* our reference */

    int64_t tmo = relay ? p->cfg.stall_usec + 3 * USEC_PER_SEC : p->cfg.preroll_timeout_usec;
    audio_timer_arm(&g->preroll_t, a, audio_player_now(p) + tmo, preroll_timeout);
    /* A failure here (file sink path, busy device) is posted on the bus and handled there. */
    gst_element_set_state(pl, GST_STATE_PAUSED);
}

/* ---- the driver ---------------------------------------------------------------- */

static void connect_due(struct audio_airing *a)
{
    build(a->drv);
}

static void relay_window_over(struct audio_airing *a)
{
    struct gst_airing *g = a->drv;
    /* Completed only if the stream is on air at the end of its window; caught between
     * reconnections, the last failure is the outcome. */
    if (a->started && g->playing && g->play_mono_usec) {
        a->pending_reason = AUDIO_REASON_NONE;
        audio_airing_end(a, AUDIO_OUTCOME_COMPLETED, AUDIO_REASON_NONE, "%s", "");
        return;
    }
    fail(g,
         a->pending_reason != AUDIO_REASON_NONE ? a->pending_reason
                                                : AUDIO_REASON_STREAM_UNREACHABLE,
         a->pending_detail[0] ? a->pending_detail : "no audio from the stream");
}

static void gst_start(struct audio_airing *a)
{
    struct gst_airing *g = a->drv;
    if (!g)
        return;
    if (a->item.kind == AUDIO_ITEM_FILE) {
        if (g->prerolled && !g->playing)
            go_playing(g);
        return;
    }
    audio_timer_arm(&g->end_t, a, a->window_start_usec + a->duration_usec, relay_window_over);
    int64_t at = a->planned_usec - a->p->cfg.relay_preconnect_usec;
    if (at <= audio_player_now(a->p))
        build(g);
    else
        audio_timer_arm(&g->connect_t, a, at, connect_due);
}

static void gst_prepare(struct audio_airing *a)
{
    struct gst_airing *g = g_new0(struct gst_airing, 1);
    g->a = a;
    g_mutex_init(&g->lock);
    a->drv = g;
    if (a->item.kind == AUDIO_ITEM_FILE)
        build(g); /* go_playing follows pre-roll when start was asked */
    else if (a->start_requested)
        gst_start(a);
}

static int64_t gst_played(struct audio_airing *a)
{
    struct gst_airing *g = a->drv;
    return g ? g->played_before_usec + attempt_played(g) : 0;
}

static void gst_teardown(struct audio_airing *a)
{
    struct gst_airing *g = a->drv;
    if (!g)
        return;
    teardown_pipeline(g);
    audio_timer_cancel(&g->retry_t);
    audio_timer_cancel(&g->connect_t);
    audio_timer_cancel(&g->end_t);
    g_mutex_clear(&g->lock);
    g_free(g);
    a->drv = NULL;
}

static void gst_kick(struct audio_airing *a)
{
    struct gst_airing *g = a->drv;
    if (g && g->device_delay_usec && g->retry_t.armed)
        audio_timer_arm(&g->retry_t, a, audio_player_now(a->p), rebuild);
}

static const char *package_of(const char *factory)
{
    if (strcmp(factory, "alsasink") == 0)
        return "gstreamer1.0-alsa";
    if (strcmp(factory, "level") == 0 || strcmp(factory, "wavenc") == 0 ||
        strcmp(factory, "souphttpsrc") == 0)
        return "gstreamer1.0-plugins-good";
    if (strcmp(factory, "filesrc") == 0 || strcmp(factory, "fakesink") == 0 ||
        strcmp(factory, "filesink") == 0)
        return "libgstreamer1.0-0";
    return "gstreamer1.0-plugins-base";
}

static int gst_init_driver(struct audio_player *p, struct loa_diag *reterr)
{
    const char *need[10] = {"filesrc",       "decodebin", "audioconvert",
                            "audioresample", "level",     "volume"};
    size_t n = 6;
    if (p->kind == AUDIO_OUTPUT_ALSA)
        need[n++] = "alsasink";
    else if (p->kind == AUDIO_OUTPUT_FAKESINK)
        need[n++] = "fakesink";
    else {
        need[n++] = "wavenc";
        need[n++] = "filesink";
    }
    for (size_t i = 0; i < n; i++) {
        GstElementFactory *f = gst_element_factory_find(need[i]);
        if (!f)
            return loa_diag_set(reterr, -ENOPKG, LOA_SEV_ERROR, NULL, 0,
                                "audio: GStreamer element '%s' is not installed (package %s)",
                                need[i], package_of(need[i]));
        gst_object_unref(f);
    }
    struct gst_player *gp = g_new0(struct gst_player, 1);
    gp->clock = gst_system_clock_obtain();
    gp->sync = p->kind == AUDIO_OUTPUT_ALSA || p->kind == AUDIO_OUTPUT_FAKESINK;
    p->drv_state = gp;
    return 0;
}

static void gst_done(struct audio_player *p)
{
    struct gst_player *gp = p->drv_state;
    if (!gp)
        return;
    gst_object_unref(gp->clock);
    g_free(gp);
    p->drv_state = NULL;
}

int audio_gst_probe_alsa(const char *device, char **ret_note)
{
    char *cards = NULL;
    if (!g_file_get_contents("/proc/asound/cards", &cards, NULL, NULL)) {
        *ret_note = g_strdup("no ALSA sound card (/proc/asound/cards is absent)");
        return -ENODEV;
    }
    bool none = strstr(cards, "no soundcards") != NULL;
    g_free(cards);
    if (none) {
        *ret_note = g_strdup("no ALSA sound card");
        return -ENODEV;
    }
    struct loa_diag d;
    if (audio_init(&d) < 0) {
        *ret_note = g_strdup(d.msg);
        return -EIO;
    }
    GstElement *pl = gst_pipeline_new(NULL);
    GstElement *sink = gst_element_factory_make("alsasink", NULL);
    if (!sink) {
        gst_object_unref(pl);
        *ret_note = g_strdup("alsasink is not installed (package gstreamer1.0-alsa)");
        return -ENOPKG;
    }
    g_object_set(sink, "device", device, NULL);
    gst_bin_add(GST_BIN(pl), sink);
    int r = 0;
    if (gst_element_set_state(pl, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
        GstBus *bus = gst_pipeline_get_bus(GST_PIPELINE(pl));
        GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
        GError *err = NULL;
        if (m)
            gst_message_parse_error(m, &err, NULL);
        *ret_note = g_strdup_printf("cannot open ALSA device '%s': %s", device,
                                    err ? err->message : "unknown error");
        g_clear_error(&err);
        if (m)
            gst_message_unref(m);
        gst_object_unref(bus);
        r = -ENODEV;
    }
    gst_element_set_state(pl, GST_STATE_NULL);
    gst_object_unref(pl);
    return r;
}

const struct audio_driver audio_driver_gst = {
    .name = "gst",
    .init = gst_init_driver,
    .done = gst_done,
    .prepare = gst_prepare,
    .start = gst_start,
    .played_usec = gst_played,
    .teardown = gst_teardown,
    .kick = gst_kick,
};
