/* From the command line's files to validated plan rules (shared by check and plan). */
#include "fw_rules.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "library.h"
#include "probe.h"

int fw_rules_load_config(const struct fw_globals *g, struct fw_rules_input *in,
                         struct loa_diag_list *diags)
{
    int r = loa_config_load(g->config_path, &in->config, diags);
    return r < 0 ? LOA_EXIT_INPUT : LOA_EXIT_OK;
}

/* One probe per distinct path (an item's media may be named twice), several at a time:
 * GstDiscoverer spends most of an MP3's probe parsing frames, so on a 4-core board
 * probing in parallel divides `loa check` time. Results are used in item order, so the
 * output does not depend on which probe finishes first. */
struct probe_job {
    const char *path;
    int r;
    int64_t duration_usec;
    struct loa_diag diag;
};

static void probe_one(gpointer data, gpointer user_data)
{
    struct probe_job *j = data;
    (void)user_data;
    j->r = media_probe_duration(j->path, FW_PROBE_TIMEOUT_USEC, &j->duration_usec, &j->diag);
    if (j->r >= 0 && j->duration_usec <= 0)
        j->r = loa_diag_set(&j->diag, -EBADMSG, LOA_SEV_ERROR, j->path, 0, "has no duration");
}

/* Probe every path of `paths` (distinct); returns the jobs (g_free()) or NULL. */
static struct probe_job *probe_all(GPtrArray *paths)
{
    struct probe_job *jobs = g_new0(struct probe_job, paths->len ? paths->len : 1);
    unsigned threads = g_get_num_processors();
    if (threads > 4)
        threads = 4;
    GThreadPool *pool = paths->len > 1 && threads > 1
                            ? g_thread_pool_new(probe_one, NULL, (int)threads, TRUE, NULL)
                            : NULL;
    for (guint i = 0; i < paths->len; i++) {
        jobs[i].path = paths->pdata[i];
        if (pool)
            g_thread_pool_push(pool, &jobs[i], NULL);
        else
            probe_one(&jobs[i], NULL);
    }
    if (pool)
        g_thread_pool_free(pool, FALSE, TRUE); /* waits for every job */
    return jobs;
}

static int finish(struct fw_rules_input *in, struct loa_diag_list *diags);

int fw_rules_load_files(struct fw_rules_input *in, char *const *paths, size_t n,
                        struct loa_diag_list *diags)
{
    bool failed = false;

    in->playlists = calloc(n ? n : 1, sizeof *in->playlists);
    if (!in->playlists)
        return LOA_EXIT_RUNTIME;
    for (size_t i = 0; i < n; i++) {
        struct loa_playlist *p = NULL;
        if (loa_playlist_load(paths[i], in->config, &p, diags) < 0) {
            failed = true;
            continue;
        }
        in->playlists[in->n_playlists++] = p;
    }
    if (failed)
        return LOA_EXIT_INPUT;
    return finish(in, diags);
}

/* With in->playlists loaded: probe what has no duration yet (the chime, announcements
 * from files; the library's already carry theirs), build the rules and validate them. */
static int finish(struct fw_rules_input *in, struct loa_diag_list *diags)
{
    int exit_code = LOA_EXIT_OK;
    bool failed = false;

    bool need_gst = in->config->audio.chime[0] != '\0';
    for (size_t k = 0; k < in->n_playlists && !need_gst; k++)
        for (size_t i = 0; i < in->playlists[k]->n_items && !need_gst; i++)
            need_gst = in->playlists[k]->items[i].kind == PLAN_KIND_ANNOUNCEMENT &&
                       in->playlists[k]->items[i].duration_usec <= 0;
    if (need_gst && media_gst_init() < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, NULL, 0, "GStreamer cannot start");
        exit_code = LOA_EXIT_RUNTIME;
        goto out;
    }

    /* Distinct paths in first-use order: the chime, then items in playlist order. */
    GHashTable *index = g_hash_table_new(g_str_hash, g_str_equal); /* path -> job + 1 */
    GPtrArray *media = g_ptr_array_new();
    if (in->config->audio.chime[0]) {
        g_ptr_array_add(media, in->config->audio.chime);
        g_hash_table_insert(index, in->config->audio.chime, GUINT_TO_POINTER(media->len));
    }
    for (size_t k = 0; k < in->n_playlists; k++)
        for (size_t i = 0; i < in->playlists[k]->n_items; i++) {
            struct loa_playlist_item *it = &in->playlists[k]->items[i];
            if (it->kind == PLAN_KIND_ANNOUNCEMENT && it->duration_usec <= 0 &&
                !g_hash_table_contains(index, it->file)) {
                g_ptr_array_add(media, it->file);
                g_hash_table_insert(index, it->file, GUINT_TO_POINTER(media->len));
            }
        }
    struct probe_job *jobs = probe_all(media);
    in->n_probed = media->len;

    if (in->config->audio.chime[0]) {
        const struct probe_job *j = &jobs[0];
        if (j->r < 0) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, in->config->path, 0, "chime %s: %s",
                              in->config->audio.chime, j->diag.msg);
            failed = true;
        } else {
            in->chime_duration_usec = j->duration_usec;
        }
    }
    for (size_t k = 0; k < in->n_playlists; k++) {
        struct loa_playlist *p = in->playlists[k];
        for (size_t i = 0; i < p->n_items; i++) {
            struct loa_playlist_item *it = &p->items[i];
            if (it->kind != PLAN_KIND_ANNOUNCEMENT || it->duration_usec > 0)
                continue;
            const struct probe_job *j =
                &jobs[GPOINTER_TO_UINT(g_hash_table_lookup(index, it->file)) - 1];
            if (j->r < 0) {
                /* The playlist line that names the file, and the probe's own words. */
                loa_diag_list_add(diags, LOA_SEV_ERROR, p->path, it->file_line,
                                  "media of item '%s' (%s): %s", it->id, it->file, j->diag.msg);
                failed = true;
            } else {
                it->duration_usec = j->duration_usec;
            }
        }
    }
    g_free(jobs);
    g_ptr_array_unref(media);
    g_hash_table_unref(index);
    if (failed) {
        exit_code = LOA_EXIT_INPUT;
        goto out;
    }

    if (loa_rules_build(in->config, (const struct loa_playlist *const *)in->playlists,
                        in->n_playlists, in->chime_duration_usec, &in->rules, diags) < 0) {
        exit_code = LOA_EXIT_INPUT;
        goto out;
    }
    if (loa_rules_validate(in->rules, diags) < 0)
        exit_code = LOA_EXIT_INPUT;
out:
    return exit_code;
}

int fw_load_installed_rules(const struct fw_globals *g, struct fw_rules_input *in,
                            struct loa_diag_list *diags)
{
    const char *data_dir = g->data_dir ? g->data_dir : in->config->storage.data_dir;
    struct loa_playlist **pl = NULL;
    size_t n = 0;
    int r = library_load_playlists(data_dir, in->config, &pl, &n, diags);
    if (r == -EINVAL || r == -EBADMSG)
        return LOA_EXIT_INPUT; /* a stored playlist no longer loads, or damage: diags say */
    if (r < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0, "cannot open the library: %s",
                          strerror(-r));
        return LOA_EXIT_RUNTIME;
    }
    if (n == 0) {
        free(pl);
        loa_diag_list_add(diags, LOA_SEV_ERROR, NULL, 0,
                          "no playlists given and no library installed in %s (give PLAYLIST "
                          "files, or install one with 'loa load')",
                          data_dir);
        return LOA_EXIT_INPUT;
    }
    in->playlists = pl;
    in->n_playlists = n;
    return finish(in, diags);
}

void fw_rules_input_clear(struct fw_rules_input *in)
{
    loa_rules_free(in->rules);
    for (size_t i = 0; i < in->n_playlists; i++)
        loa_playlist_free(in->playlists[i]);
    free(in->playlists);
    loa_config_free(in->config);
    memset(in, 0, sizeof *in);
}
