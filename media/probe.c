/* Media probing through GstDiscoverer.
 *
 * Why a worker thread per probe: GstDiscoverer cannot be interrupted safely. Its own
 * timeout is at least one second, and in GStreamer 1.22 gst_discoverer_stop() on a
 * discovery in progress sets the pipeline's state while holding the discoverer's lock,
 * which uridecodebin's pad-removed callback then takes again: a self-deadlock. So the
 * discovery runs synchronously in a detached worker, with GstDiscoverer's own timeout
 * as a backstop that always lets it finish and clean up; the caller waits on a
 * condition variable for at most timeout_usec and, when that passes first, returns
 * -ETIMEDOUT and leaves the worker to finish alone (it owns what it touches). The
 * caller's bound is exact, any thread may probe, and no GMainContext is involved.
 *
 * Why files are checked with stat() first: a FIFO or a device handed to filesrc would
 * block inside the state change, beyond the discoverer's own timeout; only regular
 * files reach GStreamer.
 */
#include "probe.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

int media_gst_init(void)
{
    /* gst_init_check() is itself idempotent and serialised by GStreamer's own lock,
     * so no flag of ours is needed (and none may be a mutable global). */
    GError *err = NULL;
    if (gst_is_initialized())
        return 0;
    if (!gst_init_check(NULL, NULL, &err)) {
        g_clear_error(&err);
        return -EIO;
    }
    return 0;
}

/* One discovery, shared between the caller and its worker thread. The worker writes
 * the result fields, then sets done under the lock; whoever drops the last reference
 * frees the job. */
struct probe_job {
    gint refs; /* atomic */
    GMutex lock;
    GCond cond;
    gboolean done;

    char *uri;
    GstClockTime backstop; /* GstDiscoverer's own timeout */

    /* Written by the worker before done. */
    int setup_error; /* negative errno when no discovery ran */
    GstDiscovererResult result; /* valid when have_result */
    gboolean have_result;
    gboolean has_audio;
    GstClockTime duration;
    char *error; /* the discoverer's message, or NULL */
    char *missing; /* the first missing plugin, or NULL */
};

static void probe_job_unref(struct probe_job *job)
{
    if (!g_atomic_int_dec_and_test(&job->refs))
        return;
    g_mutex_clear(&job->lock);
    g_cond_clear(&job->cond);
    g_free(job->uri);
    g_free(job->error);
    g_free(job->missing);
    g_free(job);
}

/* The human name of the first missing plugin ("MPEG-1 Layer 3 (MP3) decoder"), from
 * installer details shaped "gstreamer|1.0|app|DESCRIPTION|detail". Returns a new
 * string or NULL. */
static char *missing_plugin_name(GstDiscovererInfo *info)
{
    const gchar **details = gst_discoverer_info_get_missing_elements_installer_details(info);
    if (!details || !details[0])
        return NULL;
    gchar **parts = g_strsplit(details[0], "|", 5);
    char *name = NULL;
    if (g_strv_length(parts) >= 5 && parts[3][0])
        name = g_strdup_printf("%s (%s)", parts[3], parts[4]);
    else
        name = g_strdup(details[0]);
    g_strfreev(parts);
    return name;
}

static gpointer probe_worker(gpointer data)
{
    struct probe_job *job = data;
    GError *err = NULL;
    GstDiscovererInfo *info = NULL;
    int setup_error = 0;
    GstDiscovererResult result = GST_DISCOVERER_ERROR;
    gboolean have_result = FALSE, has_audio = FALSE;
    GstClockTime duration = GST_CLOCK_TIME_NONE;
    char *error = NULL, *missing = NULL;

    GstDiscoverer *dc = gst_discoverer_new(job->backstop, &err);
    if (!dc) {
        setup_error = -EIO;
        error = g_strdup(err ? err->message : "cannot create a GstDiscoverer");
        goto out;
    }
    g_clear_error(&err);
    info = gst_discoverer_discover_uri(dc, job->uri, &err);
    if (err && err->message)
        error = g_strdup(err->message);
    if (info) {
        have_result = TRUE;
        result = gst_discoverer_info_get_result(info);
        if (result == GST_DISCOVERER_MISSING_PLUGINS)
            missing = missing_plugin_name(info);
        GList *audio = gst_discoverer_info_get_audio_streams(info);
        has_audio = audio != NULL;
        gst_discoverer_stream_info_list_free(audio);
        duration = gst_discoverer_info_get_duration(info);
        gst_discoverer_info_unref(info);
    }
    g_object_unref(dc);

out:
    g_clear_error(&err);
    g_mutex_lock(&job->lock);
    job->setup_error = setup_error;
    job->result = result;
    job->have_result = have_result;
    job->has_audio = has_audio;
    job->duration = duration;
    job->error = error;
    job->missing = missing;
    job->done = TRUE;
    g_cond_signal(&job->cond);
    g_mutex_unlock(&job->lock);
    probe_job_unref(job);
    return NULL;
}

/* Outcome of one attempt, copied out of the job. */
struct probe_outcome {
    gboolean timed_out;
    int setup_error;
    gboolean have_result;
    GstDiscovererResult result;
    gboolean has_audio;
    GstClockTime duration;
    char *error; /* owned */
    char *missing; /* owned */
};

static void probe_outcome_clear(struct probe_outcome *o)
{
    g_free(o->error);
    g_free(o->missing);
    *o = (struct probe_outcome){0};
}

/* Discover uri in a worker, waiting at most timeout_usec for it. Fills *o. */
static void probe_once(const char *uri, int64_t timeout_usec, struct probe_outcome *o)
{
    *o = (struct probe_outcome){0};
    struct probe_job *job = g_new0(struct probe_job, 1);
    job->refs = 2; /* ours and the worker's */
    g_mutex_init(&job->lock);
    g_cond_init(&job->cond);
    job->uri = g_strdup(uri);
    /* The backstop bounds how long an abandoned worker may linger. */
    GstClockTime backstop = (GstClockTime)timeout_usec * GST_USECOND;
    job->backstop = CLAMP(backstop, GST_SECOND, 3600 * GST_SECOND);

    int64_t end_mono_usec = g_get_monotonic_time() + timeout_usec;
    GError *err = NULL;
    GThread *t = g_thread_try_new("loa-probe", probe_worker, job, &err);
    if (!t) {
        o->setup_error = -EAGAIN;
        o->error = g_strdup(err ? err->message : "cannot start a thread");
        g_clear_error(&err);
        job->refs = 1;
        probe_job_unref(job);
        return;
    }
    g_thread_unref(t); /* detached: it frees itself when done */

    g_mutex_lock(&job->lock);
    while (!job->done)
        if (!g_cond_wait_until(&job->cond, &job->lock, end_mono_usec))
            break;
    if (job->done) {
        o->setup_error = job->setup_error;
        o->have_result = job->have_result;
        o->result = job->result;
        o->has_audio = job->has_audio;
        o->duration = job->duration;
        o->error = g_steal_pointer(&job->error);
        o->missing = g_steal_pointer(&job->missing);
    } else {
        o->timed_out = TRUE;
    }
    g_mutex_unlock(&job->lock);
    probe_job_unref(job);
}

/* Turn a finished discovery into the result. */
static int probe_result(const char *path, const struct probe_outcome *o, int64_t *ret_duration_usec,
                        struct loa_diag *reterr)
{
    if (o->setup_error < 0)
        return loa_diag_set(reterr, o->setup_error, LOA_SEV_ERROR, path, 0,
                            "cannot probe media file '%s': %s", path, o->error ? o->error : "?");
    if (!o->have_result)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                            "cannot decode media file '%s': %s", path,
                            o->error ? o->error : "no result from the decoder");

    switch (o->result) {
    case GST_DISCOVERER_OK:
        break;
    case GST_DISCOVERER_TIMEOUT:
        /* The backstop fired before our own deadline (rounding): same outcome. */
        return loa_diag_set(reterr, -ETIMEDOUT, LOA_SEV_ERROR, path, 0,
                            "media file '%s' took too long to probe (damaged?)", path);
    case GST_DISCOVERER_MISSING_PLUGINS:
        return loa_diag_set(reterr, -ENOPKG, LOA_SEV_ERROR, path, 0,
                            "media file '%s' needs a GStreamer plugin that is not installed%s%s",
                            path, o->missing ? ": " : "", o->missing ? o->missing : "");
    case GST_DISCOVERER_URI_INVALID:
    case GST_DISCOVERER_ERROR:
    case GST_DISCOVERER_BUSY:
    default:
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                            "cannot decode media file '%s': %s", path,
                            o->error ? o->error : "not a media file GStreamer can read");
    }

    if (!o->has_audio)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                            "media file '%s' has no audio", path);
    if (!GST_CLOCK_TIME_IS_VALID(o->duration) || o->duration == 0)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                            "media file '%s' has no known duration", path);

    /* Round to the millisecond (SPEC.md "The plan": durations rounded to the ms). */
    uint64_t ms = (o->duration + GST_MSECOND / 2) / GST_MSECOND;
    if (ms == 0 || ms > (uint64_t)INT64_MAX / 1000)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                            "media file '%s' has an implausible duration", path);
    *ret_duration_usec = (int64_t)ms * 1000;
    return 0;
}

/* Attempts (see media_probe_duration()): below PROBE_RETRY_MIN_TIMEOUT_USEC one
 * attempt gets the whole budget; above it the first gets an eighth of the budget
 * (within PROBE_FIRST_MIN/MAX), each next one twice as much, the last the rest. */
#define PROBE_RETRY_MIN_TIMEOUT_USEC (2 * G_USEC_PER_SEC)
#define PROBE_FIRST_MIN_USEC (250 * 1000)
#define PROBE_FIRST_MAX_USEC (2 * G_USEC_PER_SEC)

int media_probe_duration(const char *path, int64_t timeout_usec, int64_t *ret_duration_usec,
                         struct loa_diag *reterr)
{
    struct stat st;
    GError *err = NULL;
    char *uri = NULL;
    struct probe_outcome o = {0};
    int64_t duration_usec = 0;
    int r;

    if (!path || !path[0] || !ret_duration_usec || timeout_usec <= 0)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, path, 0,
                            "invalid arguments to the media probe");

    if (stat(path, &st) < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return loa_diag_set(reterr, -ENOENT, LOA_SEV_ERROR, path, 0,
                                "media file '%s' does not exist", path);
        return loa_diag_set(reterr, -e, LOA_SEV_ERROR, path, 0, "cannot open media file '%s': %s",
                            path, strerror(e));
    }
    if (!S_ISREG(st.st_mode))
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                            "media file '%s' is not a regular file", path);
    if (st.st_size == 0)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0, "media file '%s' is empty",
                            path);

    r = media_gst_init();
    if (r < 0)
        return loa_diag_set(reterr, r, LOA_SEV_ERROR, path, 0,
                            "cannot start GStreamer to probe '%s'", path);

    uri = gst_filename_to_uri(path, &err);
    if (!uri) {
        r = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                         "media file '%s' has an unusable name: %s", path,
                         err ? err->message : "?");
        goto out;
    }

    /* Why several attempts: GStreamer 1.22's decodebin2 can swallow an error that a
     * demuxer posts from its own thread while it is being autoplugged (seen with
     * truncated Ogg files: a few percent of runs, more under load or ASan); that
     * discovery then never ends. Another attempt gets the right answer instead of a
     * timeout. Healthy files take milliseconds, so short first attempts cost nothing,
     * and the budgets double so that a file that is merely slow still gets most of
     * the time in its last attempt. */
    int64_t start_mono_usec = g_get_monotonic_time();
    int64_t budget_usec = timeout_usec;
    if (timeout_usec >= PROBE_RETRY_MIN_TIMEOUT_USEC)
        budget_usec = CLAMP(timeout_usec / 8, PROBE_FIRST_MIN_USEC, PROBE_FIRST_MAX_USEC);
    for (;;) {
        int64_t left_usec = timeout_usec - (g_get_monotonic_time() - start_mono_usec);
        if (left_usec <= 0 && o.timed_out)
            break;
        /* The last attempt takes all that is left rather than leave a useless sliver. */
        if (budget_usec * 2 > left_usec)
            budget_usec = left_usec;
        probe_outcome_clear(&o);
        probe_once(uri, budget_usec, &o);
        if (!o.timed_out || budget_usec >= left_usec)
            break;
        budget_usec *= 2;
    }

    if (o.timed_out)
        r = loa_diag_set(reterr, -ETIMEDOUT, LOA_SEV_ERROR, path, 0,
                         "media file '%s' could not be probed within %" G_GINT64_FORMAT
                         " ms (damaged?)",
                         path, (timeout_usec + 999) / 1000);
    else
        r = probe_result(path, &o, &duration_usec, reterr);
    if (r >= 0)
        *ret_duration_usec = duration_usec;
    probe_outcome_clear(&o);
out:
    g_free(uri);
    g_clear_error(&err);
    return r;
}
