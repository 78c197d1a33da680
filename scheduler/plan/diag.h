/* Diagnostics for the people who wrote the input: FILE:LINE: severity: message.
 *
 * Loaders fill a struct loa_diag (reterr_* parameters) instead of logging, and the
 * firmware prints it. A loa_diag_list collects warnings and errors from one check.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

enum loa_severity { LOA_SEV_ERROR = 0, LOA_SEV_WARNING = 1, LOA_SEV_NOTE = 2 };

struct loa_diag {
    enum loa_severity severity;
    char file[512]; /* may be empty when no file is involved */
    int line; /* 0 when unknown */
    char msg[1024];
};

/** Fill d (if not NULL) with a formatted message. Returns -err (a negative errno)
 *  so callers can write `return loa_diag_set(d, -EINVAL, ...)`. */
int loa_diag_set(struct loa_diag *d, int err, enum loa_severity sev, const char *file, int line,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int loa_diag_setv(struct loa_diag *d, int err, enum loa_severity sev, const char *file, int line,
                  const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/** Format d as "FILE:LINE: error: message" (parts omitted when unknown) into buf. */
char *loa_diag_format(const struct loa_diag *d, char *buf, size_t size);

/* A growable list of diagnostics (the only allocating part of this header). */
struct loa_diag_list {
    struct loa_diag *items;
    size_t n, cap;
    size_t n_errors, n_warnings;
};

/** Append a diagnostic; returns 0 or -ENOMEM. */
int loa_diag_list_add(struct loa_diag_list *l, enum loa_severity sev, const char *file, int line,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/** Append a copy of d. */
int loa_diag_list_push(struct loa_diag_list *l, const struct loa_diag *d);
/** Free the items; the list may be reused afterwards. */
void loa_diag_list_clear(struct loa_diag_list *l);
