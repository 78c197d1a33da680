/* A playlist file (libconfig, written by commune officials), SPEC.md "Playlist".
 *
 * Loaded like the device config: the file is read with a size cap, checked to be
 * UTF-8, refused if it holds an `@include`, then parsed from memory. Every key is
 * known, typed and range-checked; every message names the file and line. Text is
 * stored NFC. Paths (file, image) are relative to the playlist and stored absolute.
 * Ids are [a-z0-9-]; item and notice ids are unique within the playlist (uniqueness
 * across playlists is the rules builder's and the library's business, rules.h).
 *
 * Every string field is a NUL-terminated UTF-8 string owned by the playlist and is
 * never NULL: an absent optional string is "".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "plan.h"

/* Largest playlist or config file the loaders accept (bytes). */
#define LOA_LOADER_MAX_FILE_SIZE (1024 * 1024)

/* Flags of loa_playlist_parse(). */
#define LOA_PLAYLIST_NO_MEDIA_CHECK 0x1u

/** One announcement or relay, in file order. */
struct loa_playlist_item {
    char *id; /* [a-z0-9-], unique within the playlist */
    enum plan_kind kind; /* PLAN_KIND_ANNOUNCEMENT (`file`) or PLAN_KIND_RELAY (`relay`) */
    char *file; /* announcement: absolute path of the media; relay: "" */
    char *relay; /* relay: the http(s) URL; announcement: "" */
    char *title; /* NFC */
    char *text; /* NFC, shown on the kiosk while it airs; "" when none */
    char *category; /* free tag for reports; "" when none */
    enum plan_class cls; /* `class`, default normal */

    char **session_ids; /* `sessions` as written (file order); NULL when not given */
    size_t n_session_ids; /* 0 when not given = every session */
    uint32_t sessions; /* allowed sessions as a mask over the config's sessions (bit i =
                          config->sessions[i]); every session when not given. 0 when the
                          playlist was loaded without a config and `sessions` was given. */
    uint8_t days; /* weekday mask, bit 0 Monday; CIVIL_ALL_DAYS by default */
    int32_t from_day, until_day; /* item window, inclusive; default the campaign window */
    bool has_from, has_until; /* whether `from` / `until` were written */
    uint32_t plays_per_day; /* 0 = not given (once in each allowed session) */
    int64_t *at_usec; /* `at` times of day, sorted ascending, unique; NULL when none */
    size_t n_at;
    int64_t length_usec; /* relay: `minutes`/`seconds` as usec; announcement: 0 */
    int64_t duration_usec; /* what the plan uses: for a relay the loader sets length_usec;
                              for an announcement 0 until the caller sets the media's
                              duration (probe or library), rounded to the millisecond */

    int line; /* line of the item's group */
    int file_line; /* line of `file` / `relay` (else `line`) */
    int at_line; /* line of `at` (else `line`) */
    int window_line; /* line of `from` or `until` (else `line`) */
};

/** One kiosk notice, in file order. */
struct loa_playlist_notice {
    char *id; /* [a-z0-9-], unique within the playlist (items and notices together) */
    char *title; /* NFC */
    char *text; /* NFC; "" when none */
    char *image; /* absolute path, "" when none (existence is checked by the loader) */
    int seconds; /* display time per page, default 15 */
    int32_t from_day, until_day; /* inclusive; default the campaign window */
    uint8_t days; /* weekday mask, CIVIL_ALL_DAYS by default */
    bool has_hours; /* `hours` given */
    int64_t hours_start_usec, hours_end_usec; /* daily window, may wrap midnight */
    int line;
};

struct loa_playlist {
    char *path; /* absolute path of the file loaded (or the name given to _parse) */
    char *dir; /* its directory, for relative paths */
    char *id; /* playlist.id, [a-z0-9-] */
    char *title; /* NFC */
    char *reference; /* NFC; "" when none */
    int32_t from_day, until_day; /* campaign window, inclusive */
    int line; /* line of the `playlist` group */
    int window_line; /* line of `from`/`until` in the playlist group */

    struct loa_playlist_item *items; /* `announcements`, file order */
    size_t n_items;
    struct loa_playlist_notice *notices; /* `notices`, file order */
    size_t n_notices;
};

/**
 * Load and validate a playlist file. `config` gives the session ids an item may name
 * (and their mask order); it may be NULL, in which case session ids are only checked
 * for syntax and item.sessions is 0 for items that name sessions.
 * Announcement media existence is checked (regular file, readable) but not decoded;
 * probing durations is the caller's (media_probe_duration()).
 * On success returns 0 and *ret_playlist (free with loa_playlist_free()). On failure
 * returns a negative errno and appends at least one error to diags; warnings may be
 * appended in either case. diags must not be NULL.
 */
int loa_playlist_load(const char *path, const struct loa_config *config,
                      struct loa_playlist **ret_playlist, struct loa_diag_list *diags);

/**
 * Like loa_playlist_load() but from a buffer already read by the caller (e.g. through a
 * directory fd during `loa import`). `path` names the file in messages and relative paths
 * are resolved against its directory (made absolute against the working directory).
 * data need not be NUL-terminated; len is capped at LOA_LOADER_MAX_FILE_SIZE.
 * flags: LOA_PLAYLIST_NO_MEDIA_CHECK skips the existence check of media and images
 * (for callers that open them themselves, safely, e.g. beneath a directory fd).
 */
int loa_playlist_parse(const char *path, const char *data, size_t len,
                       const struct loa_config *config, unsigned flags,
                       struct loa_playlist **ret_playlist, struct loa_diag_list *diags);

/** Free a playlist; accepts NULL and half-built playlists; returns NULL. */
struct loa_playlist *loa_playlist_free(struct loa_playlist *p);

/** Find an item by id, or NULL. */
const struct loa_playlist_item *loa_playlist_find_item(const struct loa_playlist *p,
                                                       const char *id);
