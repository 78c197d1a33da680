/* Internal to media/: the library's on-disk index and file-system helpers, shared by
 * library_open.c (readers), library_change.c (writers) and usb_import.c.
 * Not part of the module's public API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "hash.h"
#include "library.h"

#define LIB_DIR "library" /* under DATA_DIR */
#define LIB_CURRENT "current" /* symlink to the live generation */
#define LIB_CURRENT_TMP ".current.tmp"
#define LIB_LOCK ".lock"
#define LIB_INDEX "index" /* in a generation */
#define LIB_MEDIA "media" /* in a generation */
#define LIB_PLAYLISTS "playlists" /* in a generation: <id>.cfg */
#define LIB_GEN_PREFIX "gen-"
#define LIB_STAGING_PREFIX ".staging-"
#define LIB_TRASH_PREFIX ".trash-"
#define LIB_INDEX_MAGIC "loa-library"
#define LIB_INDEX_VERSION 1
/* Largest index accepted (a library of thousands of items is a few hundred KiB). */
#define LIB_INDEX_MAX_SIZE (64 * 1024 * 1024)

struct lib_playlist_rec {
    char *id;
    char text_sha256[MEDIA_SHA256_HEX_SIZE];
    int64_t installed_usec;
    char *source;
};

struct lib_media_rec {
    char sha256[MEDIA_SHA256_HEX_SIZE];
    char *name; /* file name in media/ */
    uint64_t size;
    enum library_media_kind kind;
    int64_t duration_usec;
    double lufs, tp; /* -INFINITY allowed */
    unsigned channels, rate;
};

/* Which media an item (announcement) or notice (image) uses. */
struct lib_ref_rec {
    char *playlist_id;
    bool notice;
    char *id;
    char sha256[MEDIA_SHA256_HEX_SIZE];
};

struct lib_index {
    uint64_t generation;
    struct lib_playlist_rec *playlists; /* sorted by id */
    size_t n_playlists;
    struct lib_media_rec *media; /* sorted by sha256 */
    size_t n_media;
    struct lib_ref_rec *refs; /* playlist order, then file order */
    size_t n_refs;
};

/** Parse an index file's text; checks the magic, the version and the closing checksum.
 *  Errors go to diags naming `file`; returns 0 or -EBADMSG / -ENOMEM. */
int lib_index_parse(const char *file, const char *data, size_t len, struct lib_index *ret,
                    struct loa_diag_list *diags);
/** Format an index (sorting nothing: records must already be in order). *ret (free()). */
int lib_index_format(const struct lib_index *ix, char **ret_text, size_t *ret_len);
/** Free the records; the struct is left empty. */
void lib_index_clear(struct lib_index *ix);
/** Index lookups; NULL when absent. */
const struct lib_media_rec *lib_index_media(const struct lib_index *ix, const char *sha256);
const struct lib_playlist_rec *lib_index_playlist(const struct lib_index *ix, const char *id);

/** "gen-%08" PRIu64 names: parse one (false when not such a name). */
bool lib_parse_gen_name(const char *name, uint64_t *ret_generation);

/** Read a regular file at dirfd/name (no symlinks) into a NUL-terminated buffer. */
int lib_read_at(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len);
/** Create dirfd/name (O_EXCL, mode 0644), write data, fsync, close. */
int lib_write_at(int dirfd, const char *name, const void *data, size_t len);
/** fsync a directory fd (or dirfd/name when name is not NULL). */
int lib_fsync_dir(int dirfd, const char *name);
/** Remove dirfd/name recursively (a file or a directory; symlinks are not followed). */
int lib_rm_rf_at(int dirfd, const char *name);

/**
 * The reader protocol: open the generation `current` names, take a shared flock on it
 * and make sure it is still the directory of that name (a writer may have retired it
 * in between: then retry). Returns 0 with *ret_fd (-1 and *ret_generation 0 when
 * nothing is installed), or a negative errno (-EBADMSG: `current` is not a generation).
 */
int lib_open_current(int libfd, uint64_t *ret_generation, int *ret_fd);

/**
 * Remove what no one needs under the library directory: generations other than
 * keep_generation that no reader holds, dead staging and trash directories. Called
 * with the writer lock held. Failures are ignored (the next change tries again).
 */
void lib_gc(int libfd, uint64_t keep_generation);

/** Open (creating with parents when create) DATA_DIR/library as an O_DIRECTORY fd. */
int lib_open_dir(const char *data_dir, bool create, int *ret_fd);

/** Escape a string for one TSV field (\\ \t \n \r, bytes of invalid UTF-8 as \xNN). */
char *lib_escape(const char *s);

/**
 * library_open() with more for writers: with parse false the stored playlists are not
 * parsed (lib->playlists[i].playlist stays NULL; for removals, which must work even
 * when a playlist no longer fits the config). ret_index (may be NULL) receives the
 * generation's index records. Returns as library_open().
 */
int lib_open(const char *data_dir, const struct loa_config *config, bool parse,
             struct library **ret_lib, struct lib_index *ret_index, struct loa_diag_list *diags);

/** The gain of a measured media file for config (zeros when config is NULL). */
void lib_media_gain(const struct lib_media_rec *m, const struct loa_config *config,
                    struct media_loudness *ret_loudness, struct media_gain *ret_gain);
