/* The spellings SPEC.md uses for outcomes and reasons, and the output grammar. */
#include <errno.h>
#include <string.h>

#include "audio_private.h"

static const char *const reasons[AUDIO_REASON_COUNT_] = {
    [AUDIO_REASON_NONE] = "",
    [AUDIO_REASON_EMERGENCY] = "emergency",
    [AUDIO_REASON_SHUTDOWN] = "shutdown",
    [AUDIO_REASON_CRASH] = "crash",
    [AUDIO_REASON_MISSING_FILE] = "missing-file",
    [AUDIO_REASON_HASH_MISMATCH] = "hash-mismatch",
    [AUDIO_REASON_UNDECODABLE] = "undecodable",
    [AUDIO_REASON_MISSING_PLUGIN] = "missing-plugin",
    [AUDIO_REASON_DEVICE_BUSY] = "device-busy",
    [AUDIO_REASON_DEVICE_ABSENT] = "device-absent",
    [AUDIO_REASON_STREAM_UNREACHABLE] = "stream-unreachable",
    [AUDIO_REASON_STALL] = "stall",
    [AUDIO_REASON_SILENCE] = "silence",
    [AUDIO_REASON_TIMEOUT] = "timeout",
};

const char *audio_outcome_to_string(enum audio_outcome o)
{
    switch (o) {
    case AUDIO_OUTCOME_COMPLETED:
        return "completed";
    case AUDIO_OUTCOME_INTERRUPTED:
        return "interrupted";
    case AUDIO_OUTCOME_FAILED:
        return "failed";
    }
    return "?";
}

const char *audio_reason_to_string(enum audio_reason r)
{
    if ((unsigned)r >= AUDIO_REASON_COUNT_)
        return "?";
    return reasons[r];
}

int audio_reason_from_string(const char *s, enum audio_reason *ret_reason)
{
    if (!s)
        return -EINVAL;
    for (unsigned i = 0; i < AUDIO_REASON_COUNT_; i++) {
        if (strcmp(s, reasons[i]) == 0) {
            *ret_reason = (enum audio_reason)i;
            return 0;
        }
    }
    return -EINVAL;
}

int audio_output_parse(const char *s, enum audio_output_kind *ret_kind, const char **ret_arg)
{
    if (!s || strcmp(s, "auto") == 0) {
        *ret_kind = AUDIO_OUTPUT_AUTO;
        *ret_arg = NULL;
    } else if (strcmp(s, "null") == 0) {
        *ret_kind = AUDIO_OUTPUT_NULL;
        *ret_arg = NULL;
    } else if (strcmp(s, "fakesink") == 0) {
        *ret_kind = AUDIO_OUTPUT_FAKESINK;
        *ret_arg = NULL;
    } else if (strncmp(s, "alsa:", 5) == 0 && s[5]) {
        *ret_kind = AUDIO_OUTPUT_ALSA;
        *ret_arg = s + 5;
    } else if (strncmp(s, "file:", 5) == 0 && s[5]) {
        *ret_kind = AUDIO_OUTPUT_FILE;
        *ret_arg = s + 5;
    } else {
        return -EINVAL;
    }
    return 0;
}
