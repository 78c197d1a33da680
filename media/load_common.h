/* Internal to media/: the libconfig layer shared by the config and playlist loaders.
 *
 * A struct loa_ld wraps one parse of one file: the pre-parse checks (size cap, UTF-8,
 * `@include` and oversize integers refused before libconfig sees them), the libconfig
 * tree, and typed, range-checked getters that append FILE:LINE errors to a diag list
 * and return a negative errno. Not part of the module's public API.
 */
#pragma once

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct loa_ld {
    const char *file; /* name used in messages */
    struct loa_diag_list *diags;
    config_t cfg;
    bool cfg_inited;
};

/**
 * Pre-check data (size cap, UTF-8, directives, oversize integers) and parse it with
 * libconfig. Returns 0 with ld ready, or a negative errno with an error in diags.
 * Call loa_ld_done() in both cases.
 */
int loa_ld_begin(struct loa_ld *ld, const char *file, const char *data, size_t len,
                 struct loa_diag_list *diags);

/** Release the libconfig tree. */
void loa_ld_done(struct loa_ld *ld);

/**
 * Refuse libconfig directives and integers libconfig 1.5 would silently truncate.
 * Returns 0, or -EINVAL filling reterr (may be NULL) with the line. data NUL-terminated.
 */
int loa_ld_prescan(const char *file, const char *data, struct loa_diag *reterr);

/** Source line of a setting (the full unsigned value, not the macro's short). */
int loa_ld_line(const config_setting_t *s);

/** Append an error at line and return -EINVAL. */
int loa_ld_error(struct loa_ld *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Append a warning at line. */
void loa_ld_warn(struct loa_ld *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Error for every member of group whose name is not in known (NULL-terminated). */
int loa_ld_check_keys(struct loa_ld *ld, const config_setting_t *group, const char *where,
                      const char *const *known);

/** Member `name` of group, or NULL. */
config_setting_t *loa_ld_member(const config_setting_t *group, const char *name);

/** Require group->name to be a group (NULL out when absent and !required). */
int loa_ld_group(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                 config_setting_t **ret);

/** A string member (raw, not NFC). *ret untouched when absent and !required. */
int loa_ld_string(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                  const char **ret, int *ret_line);

/** A string member NFC-normalised into a new string (free()); max_bytes after NFC;
 *  control characters refused except \n and \t when multiline. Empty refused when
 *  required. *ret untouched when absent and !required. */
int loa_ld_text(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                bool multiline, size_t max_bytes, char **ret);

/** Copy a text member into a fixed buffer (NFC). */
int loa_ld_text_buf(struct loa_ld *ld, const config_setting_t *group, const char *name,
                    bool required, char *buf, size_t size);

/** An id member ([a-z0-9-], 1..63). */
int loa_ld_id(struct loa_ld *ld, const config_setting_t *group, const char *name, char *buf,
              size_t size, int *ret_line);

/** An integer member in [min,max]. */
int loa_ld_int(struct loa_ld *ld, const config_setting_t *group, const char *name, int64_t min,
               int64_t max, int64_t *ret);

/** A number (int or float) member in [min,max], finite. */
int loa_ld_number(struct loa_ld *ld, const config_setting_t *group, const char *name, double min,
                  double max, double *ret);

/** A boolean member. */
int loa_ld_bool(struct loa_ld *ld, const config_setting_t *group, const char *name, bool *ret);

/** A "YYYY-MM-DD" member. */
int loa_ld_date(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                int32_t *ret_day, int *ret_line);

/** A "HH:MM[:SS]" member. */
int loa_ld_time(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                int64_t *ret_usec);

/** A "HH:MM-HH:MM" daily window member (may wrap midnight). */
int loa_ld_window(struct loa_ld *ld, const config_setting_t *group, const char *name,
                  int64_t *ret_start_usec, int64_t *ret_end_usec, bool *ret_present);

/** A day list member ("mon-fri,sun"); CIVIL_ALL_DAYS when absent. */
int loa_ld_days(struct loa_ld *ld, const config_setting_t *group, const char *name,
                uint8_t *ret_mask);

/** Strings of an array or list setting (or a single string when allow_scalar); the
 *  pointers borrow libconfig's storage. *ret is malloc()ed (free() it). */
int loa_ld_string_list(struct loa_ld *ld, const config_setting_t *s, bool allow_scalar,
                       const char ***ret, size_t *ret_n);

/** Does a regular file exist at path (following symlinks)? */
bool loa_ld_is_regular_file(const char *path);

/** Directory of an absolute or relative path, made absolute (free()). */
char *loa_ld_abs_dir(const char *path, char **ret_abs_path);
