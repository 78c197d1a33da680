/* Text from untrusted files: reading with a size cap, UTF-8 validation with the line
 * of the first bad byte, NFC normalisation, and the loaders' small string checks.
 *
 * Everything that comes out of here is valid UTF-8; GLib text functions are only
 * called after validation (DESIGN.md "Durability and trust").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/**
 * Read a whole regular file into a NUL-terminated buffer. Refuses non-regular files
 * (-EINVAL), files larger than max_size (-EFBIG, "file too large"), and reports open
 * and read failures (negative errno). The diagnostic (reterr, may be NULL) names the
 * file. On success *ret_data (free()) and *ret_len (excluding the NUL) are written.
 */
int loa_text_read_file(const char *path, size_t max_size, char **ret_data, size_t *ret_len,
                       struct loa_diag *reterr);

/**
 * Check that data[0..len) is UTF-8 without NUL bytes. On failure returns -EILSEQ and
 * fills reterr (may be NULL) with `file`, the 1-based line of the first bad byte and
 * its byte column.
 */
int loa_text_check_utf8(const char *file, const char *data, size_t len, struct loa_diag *reterr);

/**
 * NFC-normalise a valid UTF-8 string. Returns a new string (free()) or NULL on
 * allocation failure (or invalid input, which the caller has excluded).
 */
char *loa_text_nfc(const char *s);

/** Is s a valid id: 1..63 bytes of [a-z0-9-]? */
bool loa_text_is_id(const char *s);

/**
 * Resolve `rel` against directory `dir` (absolute) and make the result absolute,
 * lexically (no symlinks followed, "." and ".." folded). Returns a new string (free()),
 * or NULL on allocation failure.
 */
char *loa_text_resolve_path(const char *dir, const char *rel);
