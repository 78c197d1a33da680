/* The media library: the installed playlists and their media, under DATA_DIR/library.
 *
 * SPEC.md "Media library and USB import"; the layout and file formats are documented in
 * docs/library.md. In short: each state of the library is an immutable generation
 * directory (gen-NNNNNNNN/: an index, the playlists' source texts, the media named by
 * their SHA-256), and the symlink `current` names the live one. A change builds the next
 * generation in a private staging directory (unchanged media are hard-linked, not
 * copied), fsyncs it, renames it into place and swaps `current` with rename(2): a crash
 * at any point leaves either the old or the new library. Old generations are removed
 * once no reader holds them (readers keep a shared flock on the generation they opened,
 * so a running daemon's media stay put until it reopens the library).
 *
 * Writers serialise on DATA_DIR/library/.lock. Readers never write anything.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "hash.h"
#include "loudness.h"
#include "playlist.h"

/* Largest media file (audio or image) the library takes, in bytes. */
#define LIBRARY_MAX_MEDIA_SIZE (200 * 1024 * 1024)

enum library_media_kind { LIBRARY_MEDIA_AUDIO = 0, LIBRARY_MEDIA_IMAGE = 1 };

/** One media file of the installed library (content-addressed). */
struct library_media {
    char sha256[MEDIA_SHA256_HEX_SIZE];
    char *path; /* absolute path inside the generation directory */
    uint64_t size; /* bytes */
    enum library_media_kind kind;
    int64_t duration_usec; /* audio: GstDiscoverer's, rounded to the ms; else 0 */
    struct media_loudness loudness; /* audio: as measured at load; else zeros */
    struct media_gain gain; /* audio: for the config given to library_open() (0 without) */
};

/** One installed playlist. */
struct library_playlist {
    struct loa_playlist *playlist; /* parsed from the stored source text; every
                                      announcement's file is its library media path and
                                      its duration_usec is set; notice images likewise */
    char text_sha256[MEDIA_SHA256_HEX_SIZE]; /* of the stored source text */
    char *source; /* where it was loaded from (a path, as given) */
    int64_t installed_usec; /* UTC, when it was loaded */
    const struct library_media **item_media; /* [i] for items[i]; NULL for relays */
    const struct library_media **notice_media; /* [i] for notices[i]; NULL without image */
};

/** An opened generation of the library. */
struct library {
    char *data_dir;
    char *dir; /* absolute path of the generation directory ("" when empty) */
    uint64_t generation; /* 0: nothing installed yet */
    struct library_playlist *playlists; /* sorted by playlist id */
    size_t n_playlists;
    struct library_media *media; /* sorted by sha256 */
    size_t n_media;
    int dir_fd; /* the generation directory, shared flock held; -1 when empty */
};

/**
 * Open the current generation of the library under data_dir: read and check its index,
 * parse each stored playlist against config (loa_playlist_parse; config may be NULL:
 * session masks then stay 0 and gains 0), and point items at the library's media.
 * Holds a shared lock on the generation until library_close(), so its files stay.
 * When nothing was ever installed, returns an empty library (generation 0).
 * Returns 0 and *ret_lib; -EBADMSG when the library is damaged (diags say where),
 * -EINVAL when a stored playlist no longer loads against this config (diags give the
 * loader's messages), -EIO and other negative errno on I/O failure, -ENOMEM.
 */
int library_open(const char *data_dir, const struct loa_config *config, struct library **ret_lib,
                 struct loa_diag_list *diags);

/** Release the lock and free; accepts NULL; returns NULL. */
struct library *library_close(struct library *lib);

/**
 * The current generation number without opening anything else (cheap; for a daemon to
 * notice a change). 0 when nothing is installed. Returns 0 or a negative errno.
 */
int library_current_generation(const char *data_dir, uint64_t *ret_generation);

/** The installed playlist with this id, or NULL. */
const struct library_playlist *library_find_playlist(const struct library *lib, const char *id);

/** The media with this SHA-256 (64 lowercase hex digits), or NULL. */
const struct library_media *library_find_media(const struct library *lib, const char *sha256);

/**
 * Re-hash every media file and stored playlist of the opened generation and compare
 * with the index; also refuses files in the generation the index does not list.
 * Returns 0 when everything matches, -EBADMSG with an error per mismatch in diags,
 * or a negative errno on I/O failure.
 */
int library_verify(const struct library *lib, struct loa_diag_list *diags);

/**
 * For a playlist p loaded elsewhere whose id is installed: set each announcement's
 * duration_usec and file from the library, matching items by id (for `loa plan` and
 * `loa check` over the installed library). Returns 0; -ENOENT when the playlist or one
 * of its announcements is not in the library; -ENOMEM.
 */
int library_playlist_apply(const struct library *lib, struct loa_playlist *p);

/**
 * The installed playlists as independent copies the caller owns (loa_playlist_free()
 * each, then free() the array), with durations and library paths set: what
 * fw_load_installed_rules() hands to loa_rules_build(). Returns as library_open();
 * *ret_n may be 0 (nothing installed).
 */
int library_load_playlists(const char *data_dir, const struct loa_config *config,
                           struct loa_playlist ***ret_playlists, size_t *ret_n,
                           struct loa_diag_list *diags);

/* ---- Changing the library ----------------------------------------------------------- */

/** A playlist to install. */
struct library_source {
    const char *source; /* where it comes from, for `loa list` and the ledger */
    const char *text; /* the exact bytes the playlist was parsed from (stored as is) */
    size_t len;
    struct loa_playlist *playlist; /* parsed from text against the same config; its
                                      announcement files and notice images are read from
                                      their (absolute) paths. Each announcement's
                                      duration_usec is set by library_change() once
                                      its media are analysed. */
};

enum library_change_flags {
    /** The sources' media are private copies on the library's file system (made by
     *  `loa import`): hard-link them into the library instead of copying. */
    LIBRARY_CHANGE_LINK_MEDIA = 1u << 0,
};

struct library_change_options {
    unsigned flags; /* enum library_change_flags */
    int64_t now_usec; /* UTC, recorded as the playlists' installation time */
    unsigned threads; /* analysis threads; 0 = the number of processors (at most 4) */
    bool lock_held; /* the caller holds library_lock() (flock is per open file, so
                       library_change() must not take it a second time) */
};

/** What a change did. */
struct library_change {
    uint64_t old_generation, new_generation;
    char **loaded; /* ids installed by this change (new or replacing), sorted */
    bool *replaced; /* [i]: loaded[i] replaced an installed playlist of that id */
    size_t n_loaded;
    char **removed; /* ids unloaded, sorted */
    size_t n_removed;
    size_t media_new; /* media copied in and analysed */
    size_t media_reused; /* media already in the library (linked, not analysed again) */
    char *detail; /* a one-line description for the ledger event: JSON with the ids,
                     each loaded playlist's text sha256 and its media sha256s */
};

/**
 * Install the playlists of add (replacing installed ones with the same id) and remove
 * the installed playlists named in remove, as one atomic change. For each new media
 * file: copy in, SHA-256, duration (GstDiscoverer), EBU R128 loudness and true peak;
 * then the whole resulting library is checked (loa_rules_build + loa_rules_validate
 * against config: id clashes across playlists, fixed times, capacity) and installed.
 * Loudness warnings (the true-peak cap leaves an item short of the target, silence, a
 * large gain) and notes are appended to diags for the added items.
 * config is required when add is not empty (n_remove-only changes work at the index
 * level, so a playlist that no longer fits an edited config can still be unloaded).
 * Nothing changes on any error.
 * Returns 0 and *ret_change (may be NULL; free with library_change_free()).
 * Errors: -EINVAL when the input is refused (diags say why: invalid or clashing
 * playlists, undecodable or oversize media, a remove id not installed); -EBADMSG when
 * the installed library is damaged; other negative errno (-EIO, -ENOSPC, -EACCES,
 * -ENOPKG when a GStreamer plugin is missing) when the device failed.
 */
int library_change(const char *data_dir, const struct loa_config *config,
                   const struct library_source *add, size_t n_add, const char *const *remove,
                   size_t n_remove, const struct library_change_options *opts,
                   struct library_change **ret_change, struct loa_diag_list *diags);

/** Free a change report; accepts NULL; returns NULL. */
struct library_change *library_change_free(struct library_change *c);

/**
 * Hold the library's writer lock (DATA_DIR/library/.lock, created with the directories
 * when missing) until library_unlock(): for callers that stage files under
 * DATA_DIR/library before calling library_change() (`loa import`), which then gets
 * opts->lock_held. Blocks while another writer holds it.
 * Returns a lock fd (>= 0) or a negative errno.
 */
int library_lock(const char *data_dir);

/** Release a lock from library_lock(); returns -1. */
int library_unlock(int lock_fd);

/**
 * Make a private staging directory under DATA_DIR/library (removed by any later change
 * if the process dies; removed by library_staging_remove() otherwise). Call with the
 * writer lock held. Returns 0, *ret_path (free()) and *ret_fd (an O_DIRECTORY fd, whose
 * exclusive flock marks the directory as live), or a negative errno.
 */
int library_staging_new(const char *data_dir, char **ret_path, int *ret_fd);

/** Remove a staging directory and close its fd; accepts NULL / -1. */
void library_staging_remove(char *path, int fd);
