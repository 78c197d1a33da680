/* Diagnostics formatting and lists. */
#include "diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int loa_diag_setv(struct loa_diag *d, int err, enum loa_severity sev, const char *file, int line,
                  const char *fmt, va_list ap)
{
    if (d) {
        d->severity = sev;
        snprintf(d->file, sizeof d->file, "%s", file ? file : "");
        d->line = line;
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    }
    return err;
}

int loa_diag_set(struct loa_diag *d, int err, enum loa_severity sev, const char *file, int line,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    loa_diag_setv(d, err, sev, file, line, fmt, ap);
    va_end(ap);
    return err;
}

char *loa_diag_format(const struct loa_diag *d, char *buf, size_t size)
{
    static const char *const sev[] = {"error", "warning", "note"};
    const char *s = sev[d->severity <= LOA_SEV_NOTE ? d->severity : 0];
    if (d->file[0] && d->line > 0)
        snprintf(buf, size, "%s:%d: %s: %s", d->file, d->line, s, d->msg);
    else if (d->file[0])
        snprintf(buf, size, "%s: %s: %s", d->file, s, d->msg);
    else
        snprintf(buf, size, "%s: %s", s, d->msg);
    return buf;
}

int loa_diag_list_push(struct loa_diag_list *l, const struct loa_diag *d)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct loa_diag *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return -ENOMEM;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = *d;
    if (d->severity == LOA_SEV_ERROR)
        l->n_errors++;
    else if (d->severity == LOA_SEV_WARNING)
        l->n_warnings++;
    return 0;
}

int loa_diag_list_add(struct loa_diag_list *l, enum loa_severity sev, const char *file, int line,
                      const char *fmt, ...)
{
    struct loa_diag d;
    va_list ap;
    va_start(ap, fmt);
    loa_diag_setv(&d, 0, sev, file, line, fmt, ap);
    va_end(ap);
    return loa_diag_list_push(l, &d);
}

void loa_diag_list_clear(struct loa_diag_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}
