/* `loa import DIR`: every playlist of a USB folder into the library, all or nothing,
 * reading the folder as hostile input (SPEC.md "Media library and USB import").
 *
 * The folder's layout (docs/library.md "USB folders"): the playlists are the `*.cfg`
 * files at its top (any case: TMDT.CFG too); each names its media by paths relative to
 * the folder, beneath it. Hidden entries (names starting with '.') are ignored, so the
 * litter other systems leave on sticks (.Trashes, ._name.cfg) does not matter.
 *
 * Everything is opened through a directory descriptor with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV), first as O_PATH to
 * learn its type without opening it for reading, then O_RDONLY | O_NONBLOCK | O_NOCTTY |
 * O_CLOEXEC and fstat (the same inode, a regular file). Refused, each with a message
 * naming the entry: absolute paths, `..`, backslashes, symlinks anywhere on a path
 * (pointing in, out, or in a loop), devices, FIFOs, sockets, directories where a file
 * is named, files over the size caps, sparse files, more entries than the cap, names
 * that are not valid UTF-8 or not NFC (composed) or hold control characters, a
 * playlist that fails to load (`@include` included). Playlists are read into memory
 * and parsed from there, media copied into a private staging directory and analysed
 * there: nothing on the stick is parsed or decoded in place. When openat2 is missing
 * (Linux < 5.6) the import is refused rather than done unsafely.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "library.h"

struct usb_import_limits {
    uint64_t max_media_bytes; /* one media or image file */
    uint64_t max_playlist_bytes; /* one playlist file */
    uint64_t max_total_bytes; /* all media of the folder together */
    size_t max_entries; /* entries at the top of the folder */
    size_t max_playlists; /* *.cfg files */
    size_t max_files; /* distinct media files named by the playlists */
    size_t max_path_bytes; /* a path as written in a playlist */
    size_t max_path_depth; /* its components */
};

/** The caps `loa import` uses: 200 MiB per media, 1 MiB per playlist, 4 GiB in all,
 *  10,000 entries, 100 playlists, 10,000 media, 1024-byte paths of at most 16 parts. */
void usb_import_default_limits(struct usb_import_limits *ret);

/**
 * Import every playlist of dir into the library under data_dir (see above), as one
 * library_change(): playlists of the folder replace installed ones with the same id;
 * installed playlists absent from the folder stay. limits may be NULL (the defaults).
 * Nothing under data_dir changes on any error.
 * Returns 0 and *ret_change (may be NULL; library_change_free()).
 * Errors: -EINVAL refused (diags name each offending entry and why), -ENOSYS openat2
 * is not available, -EBADMSG the installed library is damaged, other negative errno
 * on I/O failure.
 */
int usb_import(const char *dir, const char *data_dir, const struct loa_config *config,
               const struct usb_import_limits *limits, int64_t now_usec,
               struct library_change **ret_change, struct loa_diag_list *diags);
