/* Test helpers: build plan rules in a few lines, with dates and times as text. */
#pragma once

#include <glib.h>
#include <string.h>

#include "civil.h"
#include "plan.h"

#define FX_MAX_SESSIONS 8
#define FX_MAX_CAMPAIGNS 4
#define FX_MAX_ITEMS 256
#define FX_MAX_AT 8
#define FX_MAX_SKIP 64

struct fixture {
    struct plan_session sessions[FX_MAX_SESSIONS];
    size_t n_sessions;
    struct plan_campaign campaigns[FX_MAX_CAMPAIGNS];
    size_t n_campaigns;
    struct plan_item items[FX_MAX_ITEMS];
    size_t n_items;
    int64_t at[FX_MAX_ITEMS][FX_MAX_AT];
    int32_t skip[FX_MAX_SKIP];
    size_t n_skip;
    struct plan_rules rules;
};

static inline int32_t fx_day(const char *s)
{
    int32_t d = 0;
    g_assert_cmpint(civil_parse_date(s, &d), ==, 0);
    return d;
}

static inline int64_t fx_time(const char *s)
{
    int64_t t = 0;
    g_assert_cmpint(civil_parse_time(s, &t), ==, 0);
    return t;
}

static inline uint8_t fx_days(const char *s)
{
    uint8_t m = 0;
    g_assert_cmpint(civil_parse_days(s, &m), ==, 0);
    return m;
}

static inline int64_t fx_sec(int64_t s)
{
    return s * CIVIL_USEC_PER_SEC;
}

static inline void fx_init(struct fixture *fx, int64_t gap_sec)
{
    memset(fx, 0, sizeof(*fx));
    fx->rules.gap_usec = fx_sec(gap_sec);
}

static inline void fx_chime(struct fixture *fx, int64_t chime_sec)
{
    fx->rules.has_chime = true;
    fx->rules.chime_duration_usec = fx_sec(chime_sec);
}

/* Add a session; returns its index. */
static inline uint32_t fx_session(struct fixture *fx, const char *id, const char *start,
                                  const char *end, const char *days)
{
    g_assert_cmpuint(fx->n_sessions, <, FX_MAX_SESSIONS);
    struct plan_session *s = &fx->sessions[fx->n_sessions];
    s->id = id;
    s->name = id;
    s->start_usec = fx_time(start);
    s->end_usec = fx_time(end);
    s->days = fx_days(days);
    return (uint32_t)fx->n_sessions++;
}

static inline uint32_t fx_campaign(struct fixture *fx, const char *id, const char *from,
                                   const char *until)
{
    g_assert_cmpuint(fx->n_campaigns, <, FX_MAX_CAMPAIGNS);
    struct plan_campaign *c = &fx->campaigns[fx->n_campaigns];
    c->id = id;
    c->title = id;
    c->reference = "";
    c->from_day = fx_day(from);
    c->until_day = fx_day(until);
    return (uint32_t)fx->n_campaigns++;
}

/* Add a queued announcement with the defaults of SPEC.md: every session, every day, the
 * campaign's window, normal class, once in each session. */
static inline struct plan_item *fx_item(struct fixture *fx, const char *id, uint32_t campaign,
                                        int64_t duration_sec)
{
    g_assert_cmpuint(fx->n_items, <, FX_MAX_ITEMS);
    g_assert_cmpuint(campaign, <, fx->n_campaigns);
    struct plan_item *it = &fx->items[fx->n_items++];
    memset(it, 0, sizeof(*it));
    it->id = id;
    it->title = id;
    it->category = "";
    it->campaign = campaign;
    it->kind = PLAN_KIND_ANNOUNCEMENT;
    it->cls = PLAN_CLASS_NORMAL;
    it->sessions = UINT32_MAX;
    it->days = CIVIL_ALL_DAYS;
    it->from_day = fx->campaigns[campaign].from_day;
    it->until_day = fx->campaigns[campaign].until_day;
    it->duration_usec = fx_sec(duration_sec);
    return it;
}

static inline size_t fx_index(const struct fixture *fx, const struct plan_item *it)
{
    return (size_t)(it - fx->items);
}

/* Give an item a fixed start time (call in ascending order); returns the item. */
static inline struct plan_item *fx_at(struct fixture *fx, struct plan_item *it, const char *at)
{
    size_t i = fx_index(fx, it);
    g_assert_cmpuint(it->n_at, <, FX_MAX_AT);
    fx->at[i][it->n_at++] = fx_time(at);
    it->at_usec = fx->at[i];
    return it;
}

static inline void fx_skip(struct fixture *fx, const char *day)
{
    g_assert_cmpuint(fx->n_skip, <, FX_MAX_SKIP);
    fx->skip[fx->n_skip++] = fx_day(day);
}

static inline const struct plan_rules *fx_rules(struct fixture *fx)
{
    fx->rules.sessions = fx->sessions;
    fx->rules.n_sessions = fx->n_sessions;
    fx->rules.campaigns = fx->campaigns;
    fx->rules.n_campaigns = fx->n_campaigns;
    fx->rules.items = fx->items;
    fx->rules.n_items = fx->n_items;
    fx->rules.skip_days = fx->skip;
    fx->rules.n_skip_days = fx->n_skip;
    return &fx->rules;
}

static inline struct plan *fx_plan(struct fixture *fx)
{
    struct plan *p = NULL;
    g_assert_cmpint(plan_new(fx_rules(fx), &p), ==, 0);
    g_assert_nonnull(p);
    return p;
}

/* The day's airings into a buffer the caller frees with g_free(). */
static inline struct plan_airing *fx_get_day(struct plan *p, int32_t day, size_t *ret_n)
{
    size_t cap = plan_max_airings_per_day(p);
    struct plan_airing *buf = g_new0(struct plan_airing, cap ? cap : 1);
    g_assert_cmpint(plan_day(p, day, buf, cap, ret_n), ==, 0);
    g_assert_cmpuint(*ret_n, <=, cap);
    return buf;
}
