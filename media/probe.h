/* Media probing: what a file is, before anything airs it.
 *
 * GStreamer stays behind this header: no Gst types leak out.
 */
#pragma once

#include <stdint.h>

#include "diag.h"

/**
 * Initialise GStreamer once for the media module (idempotent, thread-safe).
 * Returns 0, or -EIO when GStreamer cannot start.
 */
int media_gst_init(void);

/**
 * Duration of an audio file through GstDiscoverer, rounded to the millisecond and
 * returned in microseconds. Fails with a diagnostic naming the file when it does not
 * exist (-ENOENT), cannot be decoded or has no audio (-EBADMSG), needs a plugin that is
 * not installed (-ENOPKG), or takes longer than timeout_usec (-ETIMEDOUT).
 * reterr may be NULL.
 */
int media_probe_duration(const char *path, int64_t timeout_usec, int64_t *ret_duration_usec,
                         struct loa_diag *reterr);
