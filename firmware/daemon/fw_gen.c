/* One generation of what the daemon airs: config + installed library + rules + plan.
 *
 * The daemon builds one at start and one per reload; fw_core keeps referring to the old
 * one until its session is over (RELEASE_PLAN), so each generation owns everything its
 * rules' strings point into, and holds the library generation's shared lock so the
 * media it names stay on disk while it can still air them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fw_daemon.h"
#include "hash.h"
#include "probe.h"

int fw_gen_new(const char *data_dir, struct loa_config *config, struct fw_gen **ret,
               struct loa_diag_list *diags)
{
    struct fw_gen *g = calloc(1, sizeof *g);
    int r;
    if (!g) {
        loa_config_free(config);
        return -ENOMEM;
    }
    g->config = config;
    r = library_open(data_dir, config, &g->lib, diags);
    if (r < 0) {
        if (r != -EINVAL && r != -EBADMSG)
            loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0, "cannot open the library: %s",
                              strerror(-r));
        goto fail;
    }
    g->lib_generation = g->lib->generation;
    g->n_playlists = g->lib->n_playlists;
    g->playlists = calloc(g->n_playlists ? g->n_playlists : 1, sizeof *g->playlists);
    if (!g->playlists) {
        r = -ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < g->n_playlists; i++)
        g->playlists[i] = g->lib->playlists[i].playlist;

    if (config->audio.chime[0]) {
        struct loa_diag d = {0};
        uint64_t size;
        r = media_probe_duration(config->audio.chime, 10 * INT64_C(1000000),
                                 &g->chime_duration_usec, &d);
        if (r >= 0 && g->chime_duration_usec <= 0)
            r = -EBADMSG;
        if (r >= 0)
            r = media_sha256_file(config->audio.chime, g->chime_sha256, &size);
        if (r < 0) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, config->path, 0, "chime %s: %s",
                              config->audio.chime, d.msg[0] ? d.msg : strerror(-r));
            r = -EINVAL;
            goto fail;
        }
    }
    r = loa_rules_build(config, (const struct loa_playlist *const *)g->playlists, g->n_playlists,
                        g->chime_duration_usec, &g->rules, diags);
    if (r < 0)
        goto fail;
    r = loa_rules_validate(g->rules, diags);
    if (r < 0)
        goto fail;

    /* Each rules item back to its library media (rules keep installed order: playlists
     * by id as the library sorts them, items in file order). */
    size_t n_items = g->rules->rules.n_items;
    g->item_media = calloc(n_items ? n_items : 1, sizeof *g->item_media);
    if (!g->item_media) {
        r = -ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < n_items; i++) {
        const struct loa_rules_origin *o = &g->rules->origins[i];
        for (size_t k = 0; k < g->lib->n_playlists; k++) {
            const struct library_playlist *lp = &g->lib->playlists[k];
            if (lp->playlist != o->playlist)
                continue;
            size_t idx = (size_t)(o->item - lp->playlist->items);
            if (idx < lp->playlist->n_items)
                g->item_media[i] = lp->item_media[idx];
        }
    }
    r = plan_new(&g->rules->rules, &g->plan);
    if (r < 0)
        goto fail;
    *ret = g;
    return 0;
fail:
    fw_gen_free(g);
    return r < 0 ? r : -EINVAL;
}

int fw_gen_replan(struct fw_gen *g)
{
    struct plan *p = NULL;
    int r = plan_new(&g->rules->rules, &p);
    if (r < 0)
        return r;
    plan_free(g->plan);
    g->plan = p;
    return 0;
}

struct fw_gen *fw_gen_free(struct fw_gen *g)
{
    if (!g)
        return NULL;
    plan_free(g->plan);
    free(g->item_media);
    loa_rules_free(g->rules);
    free(g->playlists);
    library_close(g->lib);
    loa_config_free(g->config);
    free(g);
    return NULL;
}
