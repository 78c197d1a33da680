/* From loaded files to the plan's plain structs: a device config + a set of playlists
 * (+ each announcement's media duration) become one struct plan_rules.
 *
 * Installed order (SPEC.md "The plan", step 3): playlists sorted by playlist.id
 * (byte order), items in file order. The builder owns every array it makes; the
 * strings inside them are borrowed from the config and the playlists, which must
 * outlive the rules.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "plan.h"
#include "playlist.h"

/** Where a plan item came from. */
struct loa_rules_origin {
    const struct loa_playlist *playlist;
    const struct loa_playlist_item *item;
};

struct loa_rules {
    struct plan_rules rules; /* points into the arrays below; hand &rules to plan_new() */

    struct plan_session *sessions; /* config order */
    struct plan_campaign *campaigns; /* one per playlist, sorted by playlist.id */
    struct plan_item *items; /* installed order */
    int32_t *skip_days;

    const struct loa_config *config;
    const struct loa_playlist **playlists; /* sorted by playlist.id; [i] is campaigns[i] */
    size_t n_playlists;
    struct loa_rules_origin *origins; /* [i] is where items[i] came from */
};

/**
 * Build the plan rules. `playlists` (n of them, any order; n may be 0) must have been
 * loaded against `config` (their items' session masks use its session order). Every
 * announcement must have its duration_usec set (> 0), and chime_duration_usec must be
 * > 0 when config->audio.chime is set.
 * Errors (appended to diags, file:line of the offending playlist): two playlists with
 * the same id, an item or notice id used in two playlists, an announcement without a
 * duration, more than PLAN_MAX_SESSIONS sessions.
 * Does not run plan_validate(); see loa_rules_validate().
 * Returns 0 and *ret_rules (free with loa_rules_free()), or a negative errno
 * (-EINVAL with diags, -ENOMEM).
 */
int loa_rules_build(const struct loa_config *config, const struct loa_playlist *const *playlists,
                    size_t n, int64_t chime_duration_usec, struct loa_rules **ret_rules,
                    struct loa_diag_list *diags);

/**
 * Run plan_validate() over the rules and append each problem to diags as an error at
 * the file and line it comes from (the playlist's item, `at` or window line; the
 * config's session line).
 * Returns 0 when no problem was found, -EINVAL when errors were appended, -ENOMEM.
 */
int loa_rules_validate(const struct loa_rules *r, struct loa_diag_list *diags);

/** Free rules; accepts NULL; returns NULL. Does not free the config or playlists. */
struct loa_rules *loa_rules_free(struct loa_rules *r);
