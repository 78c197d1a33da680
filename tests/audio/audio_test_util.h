/* Helpers for the audio tests: generated media, an independent WAV reader, a callback
 * recorder and a main-loop runner. Compiled into each test executable. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "audio.h"

/* Media formats the tests generate. */
enum at_format { AT_WAV, AT_FLAC, AT_OGG_VORBIS, AT_OPUS, AT_MP3 };

/** File extension of a format (".wav", ...). */
const char *at_ext(enum at_format f);

/**
 * Generate `seconds` of a sine (freq Hz, amplitude 0..1 of full scale; 0 = digital
 * silence) at `rate` Hz, `channels` channels, encoded as f, into path. WAV/FLAC/Ogg/Opus by
 * a GStreamer pipeline (audiotestsrc), MP3 by the `lame` tool (gapless header). Returns
 * false (with a g_test_message) when the encoder is not available here.
 */
bool at_make_media(const char *path, enum at_format f, double seconds, double freq,
                   double amplitude, int rate, int channels);

/** Write mono S16LE samples (-1..1, clipped) as a WAV file. */
void at_write_wav(const char *path, int rate, const double *samples, size_t n);

/** A WAV file read independently of GStreamer. */
struct at_wav {
    int rate, channels, bits;
    bool is_float;
    uint64_t frames;
    double *samples; /* interleaved, -1..1 */
};

/** Parse a RIFF/WAVE file (PCM 8/16/24/32 or IEEE float 32/64). Returns false if it is not
 *  one. Free with at_wav_free. */
bool at_wav_read(const char *path, struct at_wav *ret);
void at_wav_free(struct at_wav *w);
/** Duration in seconds. */
double at_wav_seconds(const struct at_wav *w);
/** RMS over all samples from frame `from` to `to` (exclusive), in dBFS (full-scale sine =
 *  -3.01 dBFS). */
double at_wav_rms_dbfs(const struct at_wav *w, uint64_t from, uint64_t to);

/** Records callbacks. */
#define AT_MAX_RESULTS 512
struct at_rec {
    unsigned n_started, n_finished;
    uint64_t started_cookie[AT_MAX_RESULTS];
    int64_t started_at[AT_MAX_RESULTS];
    int64_t started_seen_mono[AT_MAX_RESULTS];
    struct audio_result results[AT_MAX_RESULTS];
    int64_t finished_seen_mono[AT_MAX_RESULTS];
};

/** Callbacks that record into rec. */
struct audio_callbacks at_callbacks(struct at_rec *rec);

/** The result for cookie, or NULL. */
const struct audio_result *at_result(const struct at_rec *rec, uint64_t cookie);
/** The started time for cookie, or 0. */
int64_t at_started(const struct at_rec *rec, uint64_t cookie);

/** Iterate ctx until cookie's finished() arrives or timeout_usec passes (monotonic).
 *  Returns the result or NULL on timeout. */
const struct audio_result *at_wait_finished(GMainContext *ctx, struct at_rec *rec, uint64_t cookie,
                                            int64_t timeout_usec);

/** Iterate ctx for `usec`. */
void at_iterate_for(GMainContext *ctx, int64_t usec);

/** A fresh temporary directory (g_free; remove with at_rm_rf). */
char *at_tmpdir(void);
void at_rm_rf(const char *dir);

/** Lowercase hex SHA-256 of a file (GLib's, independent of the player's reader). */
char *at_sha256_file(const char *path);

/**
 * Keep GStreamer's own criticals and warnings about damaged input (a plugin asserting on a
 * corrupt header, say) from aborting the test: they are logged, not fatal. Everything else
 * stays fatal. GLib resets this for every test case: call it at the start of each.
 */
void at_tolerate_gst_warnings(void);

/** The default player config for tests: output, volume 1, short grace where useful. */
struct audio_config at_config(const char *output);
