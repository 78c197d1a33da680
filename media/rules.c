/* From a config and playlists to struct plan_rules, and plan_validate() problems back
 * to the lines officials wrote. */
#include "rules.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"

static int cmp_playlist(const void *a, const void *b)
{
    const struct loa_playlist *x = *(const struct loa_playlist *const *)a;
    const struct loa_playlist *y = *(const struct loa_playlist *const *)b;
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    /* Equal ids are an error reported below; keep the order stable by path. */
    return strcmp(x->path, y->path);
}

/* Ids of items and notices across every playlist given: the library holds them
 * together, so an id names one thing only. */
static int check_ids_across(const struct loa_rules *r, struct loa_diag_list *diags)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int err = 0;
    for (size_t k = 0; k < r->n_playlists; k++) {
        const struct loa_playlist *p = r->playlists[k];
        for (size_t i = 0; i < p->n_items + p->n_notices; i++) {
            const char *id = i < p->n_items ? p->items[i].id : p->notices[i - p->n_items].id;
            int line = i < p->n_items ? p->items[i].line : p->notices[i - p->n_items].line;
            const struct loa_playlist *other = g_hash_table_lookup(seen, id);
            if (other && other != p) {
                loa_diag_list_add(diags, LOA_SEV_ERROR, p->path, line,
                                  "id '%s' is also used in playlist '%s' (%s)", id, other->id,
                                  other->path);
                err = -EINVAL;
            } else if (!other) {
                g_hash_table_insert(seen, (gpointer)id, (gpointer)p);
            }
        }
    }
    g_hash_table_unref(seen);
    return err;
}

int loa_rules_build(const struct loa_config *config, const struct loa_playlist *const *playlists,
                    size_t n, int64_t chime_duration_usec, struct loa_rules **ret_rules,
                    struct loa_diag_list *diags)
{
    struct loa_rules *r = calloc(1, sizeof *r);
    size_t n_items = 0;
    int err = 0;

    if (!r)
        return -ENOMEM;
    r->config = config;
    if (config->n_sessions > PLAN_MAX_SESSIONS) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, config->path, 0, "too many sessions (at most %d)",
                          PLAN_MAX_SESSIONS);
        err = -EINVAL;
        goto fail;
    }

    r->sessions = calloc(config->n_sessions ? config->n_sessions : 1, sizeof *r->sessions);
    r->skip_days = calloc(config->n_skip_days ? config->n_skip_days : 1, sizeof *r->skip_days);
    r->playlists = calloc(n ? n : 1, sizeof *r->playlists);
    r->campaigns = calloc(n ? n : 1, sizeof *r->campaigns);
    if (!r->sessions || !r->skip_days || !r->playlists || !r->campaigns)
        goto oom;
    for (size_t i = 0; i < config->n_sessions; i++)
        r->sessions[i] = config->sessions[i].s;
    if (config->n_skip_days)
        memcpy(r->skip_days, config->skip_days, config->n_skip_days * sizeof *r->skip_days);

    memcpy(r->playlists, playlists, n * sizeof *playlists);
    r->n_playlists = n;
    qsort(r->playlists, n, sizeof *r->playlists, cmp_playlist);
    for (size_t k = 0; k < n; k++) {
        const struct loa_playlist *p = r->playlists[k];
        if (k > 0 && strcmp(p->id, r->playlists[k - 1]->id) == 0) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, p->path, p->line,
                              "playlist id '%s' is also used by %s", p->id,
                              r->playlists[k - 1]->path);
            err = -EINVAL;
        }
        r->campaigns[k] = (struct plan_campaign){
            .id = p->id,
            .title = p->title,
            .reference = p->reference,
            .from_day = p->from_day,
            .until_day = p->until_day,
        };
        n_items += p->n_items;
    }
    if (check_ids_across(r, diags) < 0)
        err = -EINVAL;

    r->items = calloc(n_items ? n_items : 1, sizeof *r->items);
    r->origins = calloc(n_items ? n_items : 1, sizeof *r->origins);
    if (!r->items || !r->origins)
        goto oom;
    uint32_t all = config->n_sessions >= 32 ? UINT32_MAX : (1u << config->n_sessions) - 1;
    size_t j = 0;
    for (size_t k = 0; k < n; k++) {
        const struct loa_playlist *p = r->playlists[k];
        for (size_t i = 0; i < p->n_items; i++, j++) {
            const struct loa_playlist_item *it = &p->items[i];
            uint32_t mask = it->sessions;
            if (it->n_session_ids == 0)
                mask = all;
            if (it->n_session_ids > 0 && mask == 0) {
                loa_diag_list_add(diags, LOA_SEV_ERROR, p->path, it->line,
                                  "item '%s' names no session of this config", it->id);
                err = -EINVAL;
            }
            if (it->duration_usec <= 0) {
                loa_diag_list_add(diags, LOA_SEV_ERROR, p->path, it->file_line,
                                  "no duration known for item '%s' (%s)", it->id,
                                  it->kind == PLAN_KIND_RELAY ? it->relay : it->file);
                err = -EINVAL;
            }
            r->items[j] = (struct plan_item){
                .id = it->id,
                .title = it->title,
                .category = it->category,
                .campaign = (uint32_t)k,
                .kind = it->kind,
                .cls = it->cls,
                .sessions = mask & all,
                .days = it->days,
                .from_day = it->from_day,
                .until_day = it->until_day,
                .plays_per_day = it->plays_per_day,
                .at_usec = it->n_at ? it->at_usec : NULL,
                .n_at = it->n_at,
                .duration_usec = it->duration_usec,
            };
            r->origins[j] = (struct loa_rules_origin){.playlist = p, .item = it};
        }
    }

    bool has_chime = config->audio.chime[0] != '\0';
    if (has_chime && chime_duration_usec <= 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, config->path, 0,
                          "no duration known for the chime (%s)", config->audio.chime);
        err = -EINVAL;
    }
    if (err < 0)
        goto fail;

    r->rules = (struct plan_rules){
        .sessions = r->sessions,
        .n_sessions = config->n_sessions,
        .campaigns = r->campaigns,
        .n_campaigns = n,
        .items = r->items,
        .n_items = n_items,
        .skip_days = r->skip_days,
        .n_skip_days = config->n_skip_days,
        .gap_usec = config->audio.gap_usec,
        .has_chime = has_chime,
        .chime_duration_usec = has_chime ? chime_duration_usec : 0,
    };
    *ret_rules = r;
    return 0;

oom:
    err = -ENOMEM;
fail:
    loa_rules_free(r);
    return err;
}

static const char *hhmmss(int64_t usec, char *buf, size_t size)
{
    /* Minutes only when the seconds are zero: that is how officials write times. */
    if (usec % (60 * CIVIL_USEC_PER_SEC) == 0)
        return civil_format_hhmm(usec, buf, size);
    return civil_format_time(usec, buf, size);
}

/* Seconds with a decimal comma (how people in Vietnam write numbers), trailing zeros
 * dropped: "5", "2,5", "0,125". */
static void format_seconds(int64_t usec, char *buf, size_t size)
{
    long long ms = (long long)((usec + 500) / 1000);
    if (ms % 1000 == 0) {
        snprintf(buf, size, "%lld", ms / 1000);
        return;
    }
    char frac[8];
    snprintf(frac, sizeof frac, "%03lld", ms % 1000);
    for (int i = 2; i > 0 && frac[i] == '0'; i--)
        frac[i] = '\0';
    snprintf(buf, size, "%lld,%s", ms / 1000, frac);
}

static void add_problem(const struct loa_rules *r, const struct plan_problem *pb,
                        struct loa_diag_list *diags)
{
    const struct loa_config *c = r->config;
    char t1[16], t2[16];

    switch (pb->kind) {
    case PLAN_OK:
        break;
    case PLAN_SESSIONS_OVERLAP:
        loa_diag_list_add(diags, LOA_SEV_ERROR, c->path, c->sessions[pb->a].line,
                          "session '%s' overlaps session '%s'", c->sessions[pb->a].id,
                          c->sessions[pb->b].id);
        break;
    case PLAN_CHIME_LONGER_THAN_SESSION:
        loa_diag_list_add(diags, LOA_SEV_ERROR, c->path, c->sessions[pb->a].line,
                          "session '%s' is shorter than the chime", c->sessions[pb->a].id);
        break;
    case PLAN_ITEM_OUTSIDE_CAMPAIGN: {
        const struct loa_rules_origin *o = &r->origins[pb->a];
        loa_diag_list_add(diags, LOA_SEV_ERROR, o->playlist->path, o->item->window_line,
                          "the window of item '%s' reaches outside its campaign", o->item->id);
        break;
    }
    case PLAN_AT_OUTSIDE_SESSIONS: {
        const struct loa_rules_origin *o = &r->origins[pb->a];
        loa_diag_list_add(diags, LOA_SEV_ERROR, o->playlist->path, o->item->at_line,
                          "'at' %s of item '%s' is outside the item's sessions",
                          hhmmss(o->item->at_usec[pb->at], t1, sizeof t1), o->item->id);
        break;
    }
    case PLAN_AT_OVERLAPS_CHIME: {
        const struct loa_rules_origin *o = &r->origins[pb->a];
        loa_diag_list_add(diags, LOA_SEV_ERROR, o->playlist->path, o->item->at_line,
                          "item '%s' at %s overlaps the chime of session '%s' (%s)", o->item->id,
                          hhmmss(o->item->at_usec[pb->at], t1, sizeof t1), c->sessions[pb->b].id,
                          hhmmss(c->sessions[pb->b].s.start_usec, t2, sizeof t2));
        break;
    }
    case PLAN_AT_OVERLAPS_AT: {
        const struct loa_rules_origin *o = &r->origins[pb->a];
        const struct loa_rules_origin *ob = &r->origins[pb->b];
        loa_diag_list_add(diags, LOA_SEV_ERROR, o->playlist->path, o->item->at_line,
                          "item '%s' at %s overlaps item '%s' at %s (%s:%d)", o->item->id,
                          hhmmss(o->item->at_usec[pb->at], t1, sizeof t1), ob->item->id,
                          hhmmss(ob->item->at_usec[pb->at_b], t2, sizeof t2), ob->playlist->path,
                          ob->item->at_line);
        break;
    }
    case PLAN_AT_ENDS_AFTER_SESSION: {
        const struct loa_rules_origin *o = &r->origins[pb->a];
        char by[32];
        format_seconds(pb->excess_usec, by, sizeof by);
        loa_diag_list_add(diags, LOA_SEV_ERROR, o->playlist->path, o->item->at_line,
                          "item '%s' at %s ends after session '%s' ends (%s), by %s s", o->item->id,
                          hhmmss(o->item->at_usec[pb->at], t1, sizeof t1), c->sessions[pb->b].id,
                          hhmmss(c->sessions[pb->b].s.end_usec, t2, sizeof t2), by);
        break;
    }
    default:
        loa_diag_list_add(diags, LOA_SEV_ERROR, c->path, 0, "invalid rules (problem %d)",
                          (int)pb->kind);
        break;
    }
}

int loa_rules_validate(const struct loa_rules *r, struct loa_diag_list *diags)
{
    struct plan_problem pbs[64];
    size_t n = plan_validate(&r->rules, pbs, G_N_ELEMENTS(pbs));
    size_t shown = n < G_N_ELEMENTS(pbs) ? n : G_N_ELEMENTS(pbs);
    size_t before = diags->n;
    for (size_t i = 0; i < shown; i++)
        add_problem(r, &pbs[i], diags);
    if (n > shown)
        loa_diag_list_add(diags, LOA_SEV_ERROR, r->config->path, 0,
                          "%zu more problems in the plan not shown", n - shown);
    if (diags->n < before + shown)
        return -ENOMEM;
    return n ? -EINVAL : 0;
}

struct loa_rules *loa_rules_free(struct loa_rules *r)
{
    if (!r)
        return NULL;
    free(r->sessions);
    free(r->campaigns);
    free(r->items);
    free(r->skip_days);
    free(r->playlists);
    free(r->origins);
    free(r);
    return NULL;
}
