/* EBU R128 measurement: GStreamer decodes, libebur128 measures.
 *
 * Why appsink callbacks rather than a pull loop: the measurement runs in the streaming
 * thread as buffers arrive, with no queue and no extra copy, while the calling thread
 * only waits on the bus for the end, an error, or its deadline. Each call builds its
 * own pipeline, so analyses of different files may run in parallel threads.
 *
 * Why a queue before the appsink: it puts the measurement (true peak is 4x oversampled,
 * the costly part) on a thread of its own, so decoding and measuring overlap on a
 * multi-core board.
 *
 * Why no audioresample: BS.1770 filters are defined per sample rate and libebur128
 * implements them for any rate; resampling would only cost time (and, for true peak,
 * change the very peaks being measured).
 */
#include "loudness.h"

#include <ebur128.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <glib.h>

#include "probe.h"

struct analysis {
    GstElement *convert; /* decodebin's audio pad links here */
    ebur128_state *st; /* created on the first buffer, from its caps */
    unsigned channels, rate;
    uint64_t frames;
    bool failed; /* libebur128 refused the format or ran out of memory */
};

static void on_pad_added(GstElement *decodebin, GstPad *pad, gpointer user_data)
{
    struct analysis *a = user_data;
    (void)decodebin;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const GstStructure *s = caps ? gst_caps_get_structure(caps, 0) : NULL;
    bool audio = s && g_str_has_prefix(gst_structure_get_name(s), "audio/");
    if (caps)
        gst_caps_unref(caps);
    if (!audio)
        return; /* a video or picture stream: left unlinked */
    GstPad *sink = gst_element_get_static_pad(a->convert, "sink");
    if (!gst_pad_is_linked(sink))
        gst_pad_link(pad, sink);
    gst_object_unref(sink);
}

/* Map GStreamer channel positions to BS.1770 weights (libebur128's channel kinds). */
static void set_channel_map(ebur128_state *st, const GstAudioInfo *info)
{
    unsigned n = (unsigned)GST_AUDIO_INFO_CHANNELS(info);
    if (n == 1) {
        /* Aired on both channels of the output, so measured that way. */
        ebur128_set_channel(st, 0, EBUR128_DUAL_MONO);
        return;
    }
    if (GST_AUDIO_INFO_IS_UNPOSITIONED(info))
        return; /* libebur128's default order: L, R, C, LFE, Ls, Rs */
    for (unsigned i = 0; i < n; i++) {
        int kind;
        switch (GST_AUDIO_INFO_POSITION(info, i)) {
        case GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT:
            kind = EBUR128_LEFT;
            break;
        case GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT:
            kind = EBUR128_RIGHT;
            break;
        case GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER:
        case GST_AUDIO_CHANNEL_POSITION_MONO:
            kind = EBUR128_CENTER;
            break;
        case GST_AUDIO_CHANNEL_POSITION_LFE1:
        case GST_AUDIO_CHANNEL_POSITION_LFE2:
            kind = EBUR128_UNUSED;
            break;
        case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
        case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
            kind = EBUR128_LEFT_SURROUND;
            break;
        case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
        case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
            kind = EBUR128_RIGHT_SURROUND;
            break;
        default:
            /* BS.1770 weighs every other full-range channel like a front one. */
            kind = EBUR128_CENTER;
            break;
        }
        ebur128_set_channel(st, i, kind);
    }
}

/* Make or adapt the meter for this buffer's format. */
static bool ensure_meter(struct analysis *a, GstCaps *caps)
{
    GstAudioInfo info;
    if (!caps || !gst_audio_info_from_caps(&info, caps))
        return false;
    unsigned ch = (unsigned)GST_AUDIO_INFO_CHANNELS(&info);
    unsigned rate = (unsigned)GST_AUDIO_INFO_RATE(&info);
    if (ch == 0 || rate == 0)
        return false;
    if (a->st && ch == a->channels && rate == a->rate)
        return true;
    if (!a->st) {
        a->st = ebur128_init(ch, rate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
        if (!a->st)
            return false;
    } else if (ebur128_change_parameters(a->st, ch, rate) != EBUR128_SUCCESS) {
        /* A chained stream changing format: the gating history is kept. */
        return false;
    }
    set_channel_map(a->st, &info);
    a->channels = ch;
    a->rate = rate;
    return true;
}

static GstFlowReturn on_new_sample(GstAppSink *sink, gpointer user_data)
{
    struct analysis *a = user_data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_EOS;
    GstFlowReturn ret = GST_FLOW_OK;
    GstBuffer *buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (!ensure_meter(a, gst_sample_get_caps(sample))) {
        a->failed = true;
        ret = GST_FLOW_ERROR;
    } else if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
        size_t frames = map.size / (sizeof(float) * a->channels);
        if (frames > 0 &&
            ebur128_add_frames_float(a->st, (const float *)map.data, frames) != EBUR128_SUCCESS) {
            a->failed = true;
            ret = GST_FLOW_ERROR;
        }
        a->frames += frames;
        gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
    return ret;
}

/* Turn a GStreamer error into an errno and a message for the official. */
static int error_from_message(GstMessage *msg, const char *path, struct loa_diag *reterr)
{
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_error(msg, &err, &dbg);
    int r = -EBADMSG;
    const char *what = "cannot be decoded";
    if (err && (g_error_matches(err, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN) ||
                g_error_matches(err, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND))) {
        r = -ENOPKG;
        what = "needs a GStreamer plugin that is not installed";
    } else if (err && g_error_matches(err, GST_STREAM_ERROR, GST_STREAM_ERROR_TYPE_NOT_FOUND)) {
        what = "is not an audio file Loa can decode";
    } else if (err && g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND)) {
        r = -ENOENT;
        what = "cannot be opened";
    }
    loa_diag_set(reterr, r, LOA_SEV_ERROR, path, 0, "%s (%s)", what,
                 err && err->message ? err->message : "unknown error");
    g_clear_error(&err);
    g_free(dbg);
    return r;
}

static double to_db(double linear)
{
    return linear > 0 ? 20.0 * log10(linear) : -INFINITY;
}

int media_loudness_analyse(const char *path, int64_t timeout_usec, struct media_loudness *ret,
                           struct loa_diag *reterr)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return loa_diag_set(reterr, -errno, LOA_SEV_ERROR, path, 0, "cannot be opened: %s",
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, path, 0, "is not a regular file");
    if (media_gst_init() < 0)
        return loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, path, 0, "GStreamer cannot start");

    struct analysis a = {0};
    int r = 0;
    GstElement *pipe = gst_pipeline_new(NULL);
    GstElement *src = gst_element_factory_make("filesrc", NULL);
    GstElement *dec = gst_element_factory_make("decodebin", NULL);
    GstElement *conv = gst_element_factory_make("audioconvert", NULL);
    GstElement *queue = gst_element_factory_make("queue", NULL);
    GstElement *sink = gst_element_factory_make("appsink", NULL);
    if (!pipe || !src || !dec || !conv || !queue || !sink) {
        r = loa_diag_set(reterr, -ENOPKG, LOA_SEV_ERROR, path, 0,
                         "GStreamer elements missing (filesrc, decodebin, audioconvert, "
                         "appsink: plugins base and core)");
        GstElement *made[] = {pipe, src, dec, conv, queue, sink};
        for (size_t i = 0; i < G_N_ELEMENTS(made); i++)
            if (made[i])
                gst_object_unref(gst_object_ref_sink(made[i]));
        return r;
    }
    a.convert = conv;
    g_object_set(src, "location", path, NULL);
    GstCaps *caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, GST_AUDIO_NE(F32),
                                        "layout", G_TYPE_STRING, "interleaved", NULL);
    g_object_set(sink, "caps", caps, "sync", FALSE, NULL);
    gst_caps_unref(caps);
    GstAppSinkCallbacks cb = {.new_sample = on_new_sample};
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, &a, NULL);
    gst_bin_add_many(GST_BIN(pipe), src, dec, conv, queue, sink, NULL);
    if (!gst_element_link(src, dec) || !gst_element_link_many(conv, queue, sink, NULL)) {
        r = loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, path, 0, "cannot build the pipeline");
        goto out;
    }
    g_signal_connect(dec, "pad-added", G_CALLBACK(on_pad_added), &a);

    if (gst_element_set_state(pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        /* The error itself is on the bus: fall through to read it. */
    }
    GstBus *bus = gst_element_get_bus(pipe);
    int64_t deadline = timeout_usec > 0 ? g_get_monotonic_time() + timeout_usec : 0;
    for (;;) {
        GstClockTime wait = GST_CLOCK_TIME_NONE;
        if (deadline) {
            int64_t left = deadline - g_get_monotonic_time();
            if (left <= 0) {
                r = loa_diag_set(reterr, -ETIMEDOUT, LOA_SEV_ERROR, path, 0,
                                 "loudness analysis took longer than %lld s",
                                 (long long)(timeout_usec / G_USEC_PER_SEC));
                break;
            }
            wait = (GstClockTime)left * GST_USECOND;
        }
        GstMessage *msg =
            gst_bus_timed_pop_filtered(bus, wait, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
        if (!msg)
            continue; /* the deadline check above ends the wait */
        if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
            r = a.failed ? loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                                        "audio format cannot be measured")
                         : error_from_message(msg, path, reterr);
        gst_message_unref(msg);
        break;
    }
    gst_object_unref(bus);
    gst_element_set_state(pipe, GST_STATE_NULL);

    if (r == 0 && (!a.st || a.frames == 0))
        r = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0, "has no audio");
    if (r == 0) {
        double lufs = -INFINITY, peak = 0;
        if (ebur128_loudness_global(a.st, &lufs) != EBUR128_SUCCESS)
            lufs = -INFINITY;
        for (unsigned c = 0; c < a.channels; c++) {
            double p = 0;
            if (ebur128_true_peak(a.st, c, &p) == EBUR128_SUCCESS && p > peak)
                peak = p;
        }
        ret->integrated_lufs = isfinite(lufs) ? lufs : -INFINITY;
        ret->true_peak_dbtp = to_db(peak);
        ret->duration_usec = (int64_t)(a.frames * (uint64_t)G_USEC_PER_SEC / a.rate);
        ret->channels = a.channels;
        ret->rate = a.rate;
    }
out:
    if (a.st)
        ebur128_destroy(&a.st);
    gst_object_unref(pipe);
    return r;
}

void media_loudness_gain(const struct media_loudness *m, double target_lufs,
                         double true_peak_max_dbtp, struct media_gain *ret)
{
    struct media_gain g = {0};
    if (!isfinite(m->integrated_lufs)) {
        g.silent = true;
        g.achieved_lufs = -INFINITY;
        *ret = g;
        return;
    }
    g.gain_db = target_lufs - m->integrated_lufs;
    if (isfinite(m->true_peak_dbtp) && m->true_peak_dbtp + g.gain_db > true_peak_max_dbtp) {
        g.gain_db = true_peak_max_dbtp - m->true_peak_dbtp;
        g.capped = true;
    }
    g.achieved_lufs = m->integrated_lufs + g.gain_db;
    g.shortfall_lu = g.capped ? target_lufs - g.achieved_lufs : 0;
    *ret = g;
}

char *media_loudness_format(double value, char *buf, size_t size)
{
    if (!isfinite(value)) {
        snprintf(buf, size, "—");
        return buf;
    }
    /* Decimal comma for people (SPEC.md "Command line"), whatever the locale. */
    snprintf(buf, size, "%s%d,%d", value < 0 && lround(value * 10) != 0 ? "-" : "",
             (int)(labs(lround(value * 10)) / 10), (int)(labs(lround(value * 10)) % 10));
    return buf;
}
