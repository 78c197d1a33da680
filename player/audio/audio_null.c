/* The null output: no sound, but honest timing (MPD's null_output_plugin, mpv's ao_null).
 *
 * Shipped, not a test double: `auto` falls back to it on a board without a sound card, and
 * the virtual-clock daemon uses it so each item takes its real duration in virtual time.
 * An item starts at max(planned, now) and completes exactly its duration later, on the
 * player's clock. The file is still opened and hash-checked by the player (missing-file,
 * hash-mismatch); a file whose duration the caller does not know is probed with
 * GstDiscoverer, so undecodable and missing-plugin are reported here too.
 */
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <stdio.h>

#include "audio_private.h"

struct null_airing {
    struct audio_timer start_t, end_t;
    int64_t start_usec;
    bool running;
};

/* Duration of the airing's open file via GstDiscoverer; ends the airing on failure. */
static bool discover_duration(struct audio_airing *a)
{
    struct loa_diag d;
    if (audio_init(&d) < 0) {
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_MISSING_PLUGIN, "%s", d.msg);
        return false;
    }
    GError *err = NULL;
    GstDiscoverer *disc = gst_discoverer_new(10 * GST_SECOND, &err);
    if (!disc) {
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_MISSING_PLUGIN, "GstDiscoverer: %s",
                         err ? err->message : "unavailable");
        g_clear_error(&err);
        return false;
    }
    char uri[64];
    snprintf(uri, sizeof uri, "file:///proc/self/fd/%d", a->fd);
    GstDiscovererInfo *info = gst_discoverer_discover_uri(disc, uri, &err);
    GstDiscovererResult res = info ? gst_discoverer_info_get_result(info) : GST_DISCOVERER_ERROR;
    GstClockTime dur = info ? gst_discoverer_info_get_duration(info) : GST_CLOCK_TIME_NONE;
    GList *audio = info ? gst_discoverer_info_get_audio_streams(info) : NULL;
    bool ok = false;
    if (res == GST_DISCOVERER_MISSING_PLUGINS)
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_MISSING_PLUGIN,
                         "%s: a GStreamer plugin to decode it is not installed", a->location);
    else if (res == GST_DISCOVERER_TIMEOUT)
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_TIMEOUT, "%s: probing took too long",
                         a->location);
    else if (res != GST_DISCOVERER_OK || !audio || !GST_CLOCK_TIME_IS_VALID(dur) || dur == 0)
        audio_airing_end(a, AUDIO_OUTCOME_FAILED, AUDIO_REASON_UNDECODABLE, "%s: %s", a->location,
                         err      ? err->message
                         : !audio ? "no audio stream"
                                  : "no duration");
    else {
        /* Rounded to the millisecond, as the library records durations. */
        audio_airing_learn_duration(a, (int64_t)((dur + 500000) / 1000000) * 1000);
        ok = true;
    }
    gst_discoverer_stream_info_list_free(audio);
    if (info)
        gst_discoverer_info_unref(info);
    g_clear_error(&err);
    g_object_unref(disc);
    return ok;
}

static void null_end(struct audio_airing *a)
{
    struct null_airing *n = a->drv;
    a->end_usec_hint = n->start_usec + a->duration_usec;
    audio_airing_end(a, AUDIO_OUTCOME_COMPLETED, AUDIO_REASON_NONE, "null output");
}

static void null_begin(struct audio_airing *a)
{
    struct null_airing *n = a->drv;
    n->running = true;
    /* No latency on a null device: the first "sample" is exactly on the instant. */
    audio_airing_started(a, n->start_usec);
    audio_timer_arm(&n->end_t, a, n->start_usec + a->duration_usec, null_end);
}

static void null_start(struct audio_airing *a)
{
    struct null_airing *n = a->drv;
    if (!n || n->running || n->start_t.armed)
        return;
    int64_t now = audio_player_now(a->p);
    n->start_usec = a->window_start_usec > now ? a->window_start_usec : now;
    audio_timer_arm(&n->start_t, a, n->start_usec, null_begin);
}

static void null_prepare(struct audio_airing *a)
{
    a->drv = g_new0(struct null_airing, 1);
    if (a->item.kind == AUDIO_ITEM_FILE && a->duration_usec <= 0 && !discover_duration(a))
        return; /* ended */
    if (a->start_requested)
        null_start(a);
}

static int64_t null_played(struct audio_airing *a)
{
    struct null_airing *n = a->drv;
    if (!n || !n->running)
        return 0;
    int64_t t = audio_player_now(a->p) - n->start_usec;
    return t < 0 ? 0 : t > a->duration_usec ? a->duration_usec : t;
}

static void null_teardown(struct audio_airing *a)
{
    struct null_airing *n = a->drv;
    if (!n)
        return;
    audio_timer_cancel(&n->start_t);
    audio_timer_cancel(&n->end_t);
    g_free(n);
    a->drv = NULL;
}

const struct audio_driver audio_driver_null = {
    .name = "null",
    .prepare = null_prepare,
    .start = null_start,
    .played_usec = null_played,
    .teardown = null_teardown,
};
