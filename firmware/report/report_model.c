/* The report model's small helpers: names, figures, freeing (report.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char *const by_names[] = {"item", "category", "session", "day",
                                       "week", "month",    "commune"};
static const char *const format_names[] = {"text", "csv", "xlsx", "pdf", "json"};

static int lookup(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -EINVAL;
}

int report_parse_by(const char *s, enum report_by *ret)
{
    int i = lookup(s, by_names, sizeof by_names / sizeof by_names[0]);
    if (i < 0)
        return i;
    *ret = (enum report_by)i;
    return 0;
}

int report_parse_format(const char *s, enum report_format *ret)
{
    int i = lookup(s, format_names, sizeof format_names / sizeof format_names[0]);
    if (i < 0)
        return i;
    *ret = (enum report_format)i;
    return 0;
}

int report_parse_lang(const char *s, enum report_lang *ret)
{
    if (strcmp(s, "vi") == 0)
        *ret = REPORT_LANG_VI;
    else if (strcmp(s, "en") == 0)
        *ret = REPORT_LANG_EN;
    else
        return -EINVAL;
    return 0;
}

const char *report_by_name(enum report_by by)
{
    return (unsigned)by < sizeof by_names / sizeof by_names[0] ? by_names[by] : "";
}

const char *report_outside_key(enum report_outside o)
{
    switch (o) {
    case REPORT_OUTSIDE_CHIME:
        return "chime";
    case REPORT_OUTSIDE_PLAY_NOW:
        return "play-now";
    case REPORT_OUTSIDE_TEST:
    default:
        return "test";
    }
}

int64_t report_planned(const struct report_figures *f)
{
    return f->completed + f->interrupted + f->failed + f->missed;
}

int64_t report_aired(const struct report_figures *f)
{
    return f->completed + f->interrupted;
}

void report_figures_add(struct report_figures *a, const struct report_figures *b)
{
    a->completed += b->completed;
    a->interrupted += b->interrupted;
    a->failed += b->failed;
    a->missed += b->missed;
    a->dropped += b->dropped;
    a->airtime_ms += b->airtime_ms;
    a->notice_times += b->notice_times;
    a->notice_seconds += b->notice_seconds;
}

struct report *report_free(struct report *r)
{
    if (!r)
        return NULL;
    free(r->campaign_id);
    free(r->campaign_reference);
    for (size_t i = 0; i < r->n_sources; i++)
        free(r->sources[i].path);
    free(r->sources);
    free(r->units);
    for (size_t i = 0; i < r->n_rows; i++) {
        free(r->rows[i].key);
        free(r->rows[i].label);
    }
    free(r->rows);
    for (size_t i = 0; i < REPORT_N_OUTSIDE; i++) {
        free(r->outside[i].key);
        free(r->outside[i].label);
    }
    free(r->chart);
    free(r);
    return NULL;
}
