/* Helpers shared by the media tests: a scratch directory with generated media. */
#pragma once

#include <stdbool.h>

/**
 * Make a fresh temporary directory holding loa.cfg (tests/media/data/loa.cfg),
 * playlist.cfg (tests/media/data/playlist.cfg), chime.wav (2 s), media/short.wav (3 s)
 * and media/long.wav (65 s), generated with sox. Returns the directory (g_free()), or
 * NULL when sox is missing or fails (the caller skips with 77).
 */
char *media_test_scratch(void);

/** Generate a sine WAV of `seconds` at path with sox. */
bool media_test_tone(const char *path, double seconds);

/** Remove a scratch directory recursively. */
void media_test_rmrf(const char *dir);

/** Path of a file under the source tree's tests/media (g_free()). */
char *media_test_src(const char *rel);

/** Copy a file; aborts the test on failure. */
void media_test_copy(const char *from, const char *to);
