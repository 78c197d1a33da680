/* Helpers shared by the library tests: scratch directories with a device config,
 * generated media (written by the test itself, or encoded with GStreamer), running
 * `loa`, and hashing a whole directory tree. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A fresh temporary directory holding loa.cfg (data_dir = DIR/data, sessions "sang"
 *  06:00-06:30 and "chieu" 17:00-17:30, no chime, loudness target -16, true peak max
 *  -1). Returns the directory (g_free()). */
char *lt_scratch(void);

/** Kinds of generated signal. */
enum lt_signal {
    LT_NOISE = 0, /* white noise, steady */
    LT_TONE = 1, /* a sine at freq */
    LT_PEAKY = 2, /* quiet noise with rare full-scale clicks: low loudness, high peak */
};

/**
 * Write a 16-bit PCM WAV of `seconds` at `rate` Hz, `channels` channels: signal at
 * amplitude `amp` (0..1), freq for tones, seed for noise. Returns true on success.
 */
bool lt_wav(const char *path, enum lt_signal sig, double seconds, int rate, int channels,
            double amp, double freq, uint32_t seed);

/** Encode a WAV into MP3 or Ogg Vorbis (by out's extension) with gst-launch-1.0. */
bool lt_encode(const char *wav, const char *out);

/** Write text to path (aborting the test on failure), creating parent folders. */
void lt_write(const char *path, const char *text);

/**
 * Run LOA_BIN --config DIR/loa.cfg --data-dir DIR/data ARGS... (NULL-terminated) and
 * return its exit status (-1 when it did not exit normally). Output into *ret_out and
 * *ret_err when not NULL (g_free()).
 */
int lt_loa(const char *dir, char **ret_out, char **ret_err, ...) __attribute__((sentinel));

/** SHA-256 (hex, g_free()) over a directory tree: every entry's relative path, type,
 *  permission bits, and a file's content or a symlink's target, in sorted order. An
 *  absent directory hashes as "absent". */
char *lt_tree_hash(const char *dir);

/** rm -rf. */
void lt_rmrf(const char *path);

/** The `loa` binary (LOA_BIN, else the build tree's). */
const char *lt_loa_bin(void);
