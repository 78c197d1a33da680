/* The loudness part of `loa check` (and the same words for `loa load`): measure each
 * announcement's media once and say what gain it will air at. */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "loudness.h"
#include "probe.h"

int64_t media_loudness_timeout(int64_t duration_usec)
{
    if (duration_usec <= 0)
        return 600 * G_USEC_PER_SEC;
    return 60 * G_USEC_PER_SEC + duration_usec / 2;
}

void media_loudness_report(const struct loa_config *config, const char *file, int line,
                           const char *item_id, const char *media, const struct media_loudness *m,
                           struct loa_diag_list *diags)
{
    struct media_gain g;
    media_loudness_gain(m, config->audio.loudness_target, config->audio.true_peak_max, &g);
    if (g.silent) {
        loa_diag_list_add(diags, LOA_SEV_WARNING, file, line,
                          "item '%s': %s is silent (no loudness to measure); it will air "
                          "without gain",
                          item_id, media);
        return;
    }
    char l[32], tp[32], gain[32], sf[32], tgt[32], cap[32];
    media_loudness_format(m->integrated_lufs, l, sizeof l);
    media_loudness_format(m->true_peak_dbtp, tp, sizeof tp);
    media_loudness_format(g.gain_db, gain, sizeof gain);
    media_loudness_format(g.shortfall_lu, sf, sizeof sf);
    media_loudness_format(config->audio.loudness_target, tgt, sizeof tgt);
    media_loudness_format(config->audio.true_peak_max, cap, sizeof cap);
    const char *sign = g.gain_db >= 0 ? "+" : "";
    loa_diag_list_add(diags, LOA_SEV_NOTE, file, line,
                      "item '%s': loudness %s LUFS, true peak %s dBTP, gain %s%s dB", item_id, l,
                      tp, sign, gain);
    /* Below a twentieth of a LU the shortfall is rounding, not news. */
    if (g.capped && g.shortfall_lu >= 0.05)
        loa_diag_list_add(diags, LOA_SEV_WARNING, file, line,
                          "item '%s': the true-peak limit (%s dBTP) holds the gain at %s%s dB: "
                          "it airs %s LU below the loudness target (%s LUFS)",
                          item_id, cap, sign, gain, sf, tgt);
    if (g.gain_db > MEDIA_LOUDNESS_LARGE_GAIN_DB)
        loa_diag_list_add(diags, LOA_SEV_WARNING, file, line,
                          "item '%s': needs a large gain (%s%s dB); the recording is very "
                          "quiet, check it",
                          item_id, sign, gain);
}

int media_loudness_check(const struct loa_config *config, struct loa_playlist *const *playlists,
                         size_t n, struct loa_diag_list *diags)
{
    GHashTable *done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    bool failed = false;
    int r = 0;
    if (!done)
        return -ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const struct loa_playlist *p = playlists[k];
        for (size_t i = 0; i < p->n_items; i++) {
            const struct loa_playlist_item *it = &p->items[i];
            if (it->kind != PLAN_KIND_ANNOUNCEMENT)
                continue;
            struct media_loudness *m = g_hash_table_lookup(done, it->file);
            if (!m) {
                struct loa_diag d;
                struct media_loudness tmp = {0};
                int a = media_loudness_analyse(it->file, media_loudness_timeout(it->duration_usec),
                                               &tmp, &d);
                if (a == -EIO) {
                    r = a;
                    goto out;
                }
                if (a < 0) {
                    loa_diag_list_add(diags, LOA_SEV_ERROR, p->path, it->file_line,
                                      "media of item '%s' (%s): loudness: %s", it->id, it->file,
                                      d.msg);
                    failed = true;
                    /* Remember the failure: one message per file. */
                    tmp.integrated_lufs = NAN;
                }
                m = g_memdup2(&tmp, sizeof tmp);
                g_hash_table_insert(done, g_strdup(it->file), m);
                if (a < 0)
                    continue;
            }
            if (isnan(m->integrated_lufs))
                continue;
            media_loudness_report(config, p->path, it->file_line, it->id, it->file, m, diags);
        }
    }
    r = failed ? -EINVAL : 0;
out:
    g_hash_table_unref(done);
    return r;
}
