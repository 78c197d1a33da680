/* EBU R128 loudness of a media file, and the gain that brings it to the target.
 *
 * The file is decoded by a GStreamer pipeline (filesrc ! decodebin ! audioconvert !
 * appsink, 32-bit float, native rate and channels) and measured with libebur128:
 * integrated loudness (ITU-R BS.1770 gating) and true peak (4x oversampled). A mono
 * file is measured as it airs, on both channels of the output (EBUR128_DUAL_MONO):
 * its loudness is 3 LU above a one-channel measurement. GStreamer stays behind this
 * header.
 */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "playlist.h"

/* Gains above this are applied but warned about: a recording that needs them is
 * probably mostly noise or very badly levelled. */
#define MEDIA_LOUDNESS_LARGE_GAIN_DB 20.0

struct media_loudness {
    double integrated_lufs; /* -INFINITY when everything is below the gate (silence) */
    double true_peak_dbtp; /* max over channels; -INFINITY for digital silence */
    int64_t duration_usec; /* length of the decoded audio */
    unsigned channels;
    unsigned rate; /* Hz, native */
};

struct media_gain {
    double gain_db; /* to apply; 0 for silence */
    double achieved_lufs; /* integrated loudness after the gain (-INFINITY if silent) */
    double shortfall_lu; /* target - achieved when capped, else 0 */
    bool capped; /* the true-peak cap limited the gain */
    bool silent; /* nothing to measure: gain 0 */
};

/**
 * Decode path and measure it. timeout_usec bounds the whole analysis (0 = none).
 * On success fills *ret. Errors (reterr, may be NULL, names the file): -ENOENT /
 * -EACCES (cannot open), -EINVAL (not a regular file), -EBADMSG (not decodable or no
 * audio), -ENOPKG (a GStreamer plugin is missing), -ETIMEDOUT, -EIO (GStreamer cannot
 * start), -ENOMEM.
 */
int media_loudness_analyse(const char *path, int64_t timeout_usec, struct media_loudness *ret,
                           struct loa_diag *reterr);

/**
 * A generous bound for analysing media of this length (0 when unknown): a minute plus
 * half its length (2x real time, far slower than the analysis runs), or ten minutes.
 */
int64_t media_loudness_timeout(int64_t duration_usec);

/**
 * The gain for a measured file: target_lufs - integrated loudness, lowered when the
 * true peak would otherwise exceed true_peak_max_dbtp (SPEC.md "Media library"); the
 * shortfall is what the cap costs against the target. Never fails.
 */
void media_loudness_gain(const struct media_loudness *m, double target_lufs,
                         double true_peak_max_dbtp, struct media_gain *ret);

/**
 * For `loa check`: measure every announcement's media of the playlists (each distinct
 * file once) and append, per item, a note with its loudness, true peak and gain, and a
 * warning (at the item's `file` line) when the true-peak cap leaves it short of
 * config->audio.loudness_target, when it is silent, or when the gain is above
 * MEDIA_LOUDNESS_LARGE_GAIN_DB. A file that cannot be analysed is an error.
 * Returns 0 when no error was appended, -EINVAL when one was, -EIO when GStreamer
 * cannot start, -ENOMEM.
 */
int media_loudness_check(const struct loa_config *config, struct loa_playlist *const *playlists,
                         size_t n, struct loa_diag_list *diags);

/**
 * Append what media_loudness_check() says about one measured item to diags: a note
 * (loudness, true peak, gain), and warnings for a capped gain (with the shortfall),
 * silence, or a large gain. file/line name the playlist line of the item's `file`.
 */
void media_loudness_report(const struct loa_config *config, const char *file, int line,
                           const char *item_id, const char *media, const struct media_loudness *m,
                           struct loa_diag_list *diags);

/**
 * Format a measurement for people: "-23,1" (decimal comma, one decimal) or "—" for
 * -INFINITY, into buf. Returns buf.
 */
char *media_loudness_format(double value, char *buf, size_t size);
