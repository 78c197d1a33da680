/* Reading the library: open the current generation, check its index, parse its
 * playlists, point their items at the library's media. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "library_private.h"

void lib_media_gain(const struct lib_media_rec *m, const struct loa_config *config,
                    struct media_loudness *ret_loudness, struct media_gain *ret_gain)
{
    struct media_loudness l = {
        .integrated_lufs = m->lufs,
        .true_peak_dbtp = m->tp,
        .duration_usec = m->duration_usec,
        .channels = m->channels,
        .rate = m->rate,
    };
    struct media_gain g = {0};
    if (m->kind == LIBRARY_MEDIA_AUDIO && config)
        media_loudness_gain(&l, config->audio.loudness_target, config->audio.true_peak_max, &g);
    if (m->kind != LIBRARY_MEDIA_AUDIO)
        memset(&l, 0, sizeof l);
    *ret_loudness = l;
    *ret_gain = g;
}

static char *ref_key(const char *playlist_id, bool notice, const char *id)
{
    return g_strdup_printf("%s\x1f%c\x1f%s", playlist_id, notice ? 'n' : 'i', id);
}

/* Parse one stored playlist and attach its media. */
static int load_playlist(struct library *lib, int gen_fd, const struct lib_playlist_rec *rec,
                         GHashTable *refs, const struct loa_config *config,
                         struct library_playlist *lp, struct loa_diag_list *diags)
{
    char *name = g_strconcat(LIB_PLAYLISTS "/", rec->id, ".cfg", NULL);
    char *path = g_build_filename(lib->dir, name, NULL);
    char *text = NULL;
    size_t len = 0;
    int r = lib_read_at(gen_fd, name, LOA_LOADER_MAX_FILE_SIZE, &text, &len);
    if (r < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, path, 0, "library: cannot read: %s", strerror(-r));
        r = r == -ENOENT || r == -EBADMSG || r == -EFBIG ? -EBADMSG : r;
        goto out;
    }
    char hex[MEDIA_SHA256_HEX_SIZE];
    if ((r = media_sha256_buf(text, len, hex)) < 0)
        goto out;
    if (strcmp(hex, rec->text_sha256) != 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, path, 0,
                          "library: the stored playlist does not match its recorded SHA-256");
        r = -EBADMSG;
        goto out;
    }
    struct loa_playlist *p = NULL;
    r = loa_playlist_parse(path, text, len, config, LOA_PLAYLIST_NO_MEDIA_CHECK, &p, diags);
    if (r < 0) {
        r = r == -ENOMEM ? r : -EINVAL;
        goto out;
    }
    lp->playlist = p;
    if (strcmp(p->id, rec->id) != 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, path, p->line,
                          "library: the stored playlist's id is '%s', the index says '%s'", p->id,
                          rec->id);
        r = -EBADMSG;
        goto out;
    }
    lp->item_media = calloc(p->n_items ? p->n_items : 1, sizeof *lp->item_media);
    lp->notice_media = calloc(p->n_notices ? p->n_notices : 1, sizeof *lp->notice_media);
    if (!lp->item_media || !lp->notice_media) {
        r = -ENOMEM;
        goto out;
    }
    size_t used = 0;
    for (size_t i = 0; i < p->n_items; i++) {
        struct loa_playlist_item *it = &p->items[i];
        if (it->kind != PLAN_KIND_ANNOUNCEMENT)
            continue;
        char *key = ref_key(p->id, false, it->id);
        const char *sha = g_hash_table_lookup(refs, key);
        g_free(key);
        const struct library_media *m = sha ? library_find_media(lib, sha) : NULL;
        if (!m || m->kind != LIBRARY_MEDIA_AUDIO) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, path, it->file_line,
                              "library: no audio recorded for item '%s'", it->id);
            r = -EBADMSG;
            goto out;
        }
        free(it->file);
        if (!(it->file = strdup(m->path))) {
            r = -ENOMEM;
            goto out;
        }
        it->duration_usec = m->duration_usec;
        lp->item_media[i] = m;
        used++;
    }
    for (size_t i = 0; i < p->n_notices; i++) {
        struct loa_playlist_notice *n = &p->notices[i];
        if (!n->image[0])
            continue;
        char *key = ref_key(p->id, true, n->id);
        const char *sha = g_hash_table_lookup(refs, key);
        g_free(key);
        const struct library_media *m = sha ? library_find_media(lib, sha) : NULL;
        if (!m) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, path, n->line,
                              "library: no image recorded for notice '%s'", n->id);
            r = -EBADMSG;
            goto out;
        }
        free(n->image);
        if (!(n->image = strdup(m->path))) {
            r = -ENOMEM;
            goto out;
        }
        lp->notice_media[i] = m;
        used++;
    }
    /* The index may not name media for items the text does not have. */
    size_t listed = GPOINTER_TO_SIZE(g_hash_table_lookup(refs, rec->id));
    if (listed != used) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, path, 0,
                          "library: the index lists %zu media for this playlist, its text %zu",
                          listed, used);
        r = -EBADMSG;
        goto out;
    }
    r = 0;
out:
    free(text);
    g_free(name);
    g_free(path);
    return r;
}

static int cmp_media(const void *a, const void *b)
{
    return strcmp(((const struct library_media *)a)->sha256,
                  ((const struct library_media *)b)->sha256);
}

int lib_open(const char *data_dir, const struct loa_config *config, bool parse,
             struct library **ret_lib, struct lib_index *ret_index, struct loa_diag_list *diags)
{
    struct library *lib = calloc(1, sizeof *lib);
    struct lib_index ix = {0};
    GHashTable *refs = NULL;
    char *text = NULL;
    int libfd = -1, r;
    if (!lib)
        return -ENOMEM;
    lib->dir_fd = -1;
    lib->data_dir = g_canonicalize_filename(data_dir, NULL);
    lib->dir = g_strdup("");

    r = lib_open_dir(data_dir, false, &libfd);
    if (r == -ENOENT) {
        r = 0;
        goto done;
    }
    if (r < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0, "library: cannot open: %s",
                          strerror(-r));
        goto out;
    }
    r = lib_open_current(libfd, &lib->generation, &lib->dir_fd);
    if (r < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0, "library: %s",
                          r == -EBADMSG ? "'current' does not name a generation" : strerror(-r));
        goto out;
    }
    if (lib->generation == 0)
        goto done;
    g_free(lib->dir);
    char gen_name[32];
    snprintf(gen_name, sizeof gen_name, LIB_GEN_PREFIX "%08" PRIu64, lib->generation);
    lib->dir = g_build_filename(lib->data_dir, LIB_DIR, gen_name, NULL);

    char *index_path = g_build_filename(lib->dir, LIB_INDEX, NULL);
    size_t len = 0;
    r = lib_read_at(lib->dir_fd, LIB_INDEX, LIB_INDEX_MAX_SIZE, &text, &len);
    if (r < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, index_path, 0, "library: cannot read: %s",
                          strerror(-r));
        if (r == -ENOENT || r == -EFBIG)
            r = -EBADMSG;
    } else {
        r = lib_index_parse(index_path, text, len, &ix, diags);
        if (r == 0 && ix.generation != lib->generation) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, index_path, 0,
                              "library: index of generation %" PRIu64 " found in %s", ix.generation,
                              gen_name);
            r = -EBADMSG;
        }
    }
    g_free(index_path);
    if (r < 0)
        goto out;

    lib->media = calloc(ix.n_media ? ix.n_media : 1, sizeof *lib->media);
    lib->playlists = calloc(ix.n_playlists ? ix.n_playlists : 1, sizeof *lib->playlists);
    if (!lib->media || !lib->playlists) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < ix.n_media; i++) {
        const struct lib_media_rec *m = &ix.media[i];
        struct library_media *lm = &lib->media[lib->n_media++];
        memcpy(lm->sha256, m->sha256, sizeof lm->sha256);
        lm->path = g_build_filename(lib->dir, LIB_MEDIA, m->name, NULL);
        lm->size = m->size;
        lm->kind = m->kind;
        lm->duration_usec = m->kind == LIBRARY_MEDIA_AUDIO ? m->duration_usec : 0;
        lib_media_gain(m, config, &lm->loudness, &lm->gain);
    }
    if (lib->n_media > 1)
        qsort(lib->media, lib->n_media, sizeof *lib->media, cmp_media); /* already sorted */

    refs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < ix.n_refs; i++) {
        const struct lib_ref_rec *x = &ix.refs[i];
        char *key = ref_key(x->playlist_id, x->notice, x->id);
        if (g_hash_table_contains(refs, key)) {
            g_free(key);
            loa_diag_list_add(diags, LOA_SEV_ERROR, lib->dir, 0,
                              "library index: '%s' of '%s' listed twice", x->id, x->playlist_id);
            r = -EBADMSG;
            goto out;
        }
        g_hash_table_insert(refs, key, (gpointer)x->sha256);
        /* Count each playlist's references under its bare id (ids have no \x1f). */
        size_t c = GPOINTER_TO_SIZE(g_hash_table_lookup(refs, x->playlist_id));
        g_hash_table_insert(refs, g_strdup(x->playlist_id), GSIZE_TO_POINTER(c + 1));
    }
    for (size_t i = 0; i < ix.n_playlists; i++) {
        const struct lib_playlist_rec *rec = &ix.playlists[i];
        struct library_playlist *lp = &lib->playlists[lib->n_playlists++];
        lp->source = g_strdup(rec->source);
        lp->installed_usec = rec->installed_usec;
        memcpy(lp->text_sha256, rec->text_sha256, sizeof lp->text_sha256);
        if (!parse)
            continue;
        int e = load_playlist(lib, lib->dir_fd, rec, refs, config, lp, diags);
        if (e < 0 && (r == 0 || e == -EBADMSG || e == -ENOMEM))
            r = e; /* keep going: report every playlist that no longer loads */
    }
    if (r < 0)
        goto out;
done:
    *ret_lib = lib;
    lib = NULL;
    if (ret_index) {
        *ret_index = ix;
        memset(&ix, 0, sizeof ix);
    }
    r = 0;
out:
    if (refs)
        g_hash_table_unref(refs);
    free(text);
    lib_index_clear(&ix);
    if (libfd >= 0)
        close(libfd);
    library_close(lib);
    return r;
}

int library_open(const char *data_dir, const struct loa_config *config, struct library **ret_lib,
                 struct loa_diag_list *diags)
{
    return lib_open(data_dir, config, true, ret_lib, NULL, diags);
}

struct library *library_close(struct library *lib)
{
    if (!lib)
        return NULL;
    for (size_t i = 0; i < lib->n_playlists; i++) {
        struct library_playlist *lp = &lib->playlists[i];
        loa_playlist_free(lp->playlist);
        free(lp->item_media);
        free(lp->notice_media);
        g_free(lp->source);
    }
    for (size_t i = 0; i < lib->n_media; i++)
        g_free(lib->media[i].path);
    free(lib->playlists);
    free(lib->media);
    g_free(lib->dir);
    g_free(lib->data_dir);
    if (lib->dir_fd >= 0)
        close(lib->dir_fd); /* drops the shared lock */
    free(lib);
    return NULL;
}

const struct library_playlist *library_find_playlist(const struct library *lib, const char *id)
{
    for (size_t i = 0; i < lib->n_playlists; i++)
        if (lib->playlists[i].playlist && strcmp(lib->playlists[i].playlist->id, id) == 0)
            return &lib->playlists[i];
    return NULL;
}

static int cmp_media_key(const void *key, const void *elem)
{
    return strcmp(key, ((const struct library_media *)elem)->sha256);
}

const struct library_media *library_find_media(const struct library *lib, const char *sha256)
{
    if (!lib->n_media)
        return NULL;
    return bsearch(sha256, lib->media, lib->n_media, sizeof *lib->media, cmp_media_key);
}

/* Every entry of gen/sub must be in the allowed set. */
static int check_no_extra(const struct library *lib, const char *sub, GHashTable *allowed,
                          struct loa_diag_list *diags)
{
    int fd = openat(lib->dir_fd, sub ? sub : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, lib->dir, 0, "library: cannot open %s: %s",
                          sub ? sub : ".", strerror(errno));
        return errno == ENOENT ? -EBADMSG : -errno;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -errno;
    }
    int r = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (!g_hash_table_contains(allowed, de->d_name)) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, lib->dir, 0, "library: unexpected file %s%s%s",
                              sub ? sub : "", sub ? "/" : "", de->d_name);
            r = -EBADMSG;
        }
    }
    closedir(d);
    return r;
}

int library_verify(const struct library *lib, struct loa_diag_list *diags)
{
    if (lib->generation == 0)
        return 0;
    int r = 0;
    GHashTable *media_names = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTable *pl_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTable *top = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_add(top, LIB_INDEX);
    g_hash_table_add(top, LIB_MEDIA);
    g_hash_table_add(top, LIB_PLAYLISTS);
    for (size_t i = 0; i < lib->n_media; i++) {
        const struct library_media *m = &lib->media[i];
        const char *base = strrchr(m->path, '/') + 1;
        g_hash_table_add(media_names, (gpointer)base);
        char rel[512];
        snprintf(rel, sizeof rel, LIB_MEDIA "/%s", base);
        int fd = openat(lib->dir_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        char hex[MEDIA_SHA256_HEX_SIZE];
        uint64_t size = 0;
        int e = fd < 0 ? -errno : media_sha256_fd(fd, 0, hex, &size);
        if (fd >= 0)
            close(fd);
        if (e < 0) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, m->path, 0, "library: cannot read: %s",
                              strerror(-e));
            r = e == -ENOENT ? -EBADMSG : (r ? r : e);
        } else if (strcmp(hex, m->sha256) != 0 || size != m->size) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, m->path, 0,
                              "library: content does not match its recorded SHA-256");
            r = -EBADMSG;
        }
    }
    for (size_t i = 0; i < lib->n_playlists; i++) {
        const struct library_playlist *lp = &lib->playlists[i];
        if (!lp->playlist)
            continue;
        char *name = g_strconcat(lp->playlist->id, ".cfg", NULL);
        char *rel = g_strconcat(LIB_PLAYLISTS "/", name, NULL);
        g_hash_table_add(pl_names, name);
        char *text = NULL;
        size_t len = 0;
        char hex[MEDIA_SHA256_HEX_SIZE];
        int e = lib_read_at(lib->dir_fd, rel, LOA_LOADER_MAX_FILE_SIZE, &text, &len);
        if (e == 0)
            e = media_sha256_buf(text, len, hex);
        if (e < 0 || strcmp(hex, lp->text_sha256) != 0) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, lib->dir, 0,
                              "library: %s does not match its recorded SHA-256", rel);
            r = -EBADMSG;
        }
        free(text);
        g_free(rel);
    }
    int e;
    if ((e = check_no_extra(lib, NULL, top, diags)) < 0)
        r = r ? r : e;
    if ((e = check_no_extra(lib, LIB_MEDIA, media_names, diags)) < 0)
        r = r ? r : e;
    if ((e = check_no_extra(lib, LIB_PLAYLISTS, pl_names, diags)) < 0)
        r = r ? r : e;
    g_hash_table_unref(media_names);
    g_hash_table_unref(pl_names);
    g_hash_table_unref(top);
    return r;
}

int library_playlist_apply(const struct library *lib, struct loa_playlist *p)
{
    const struct library_playlist *lp = library_find_playlist(lib, p->id);
    if (!lp)
        return -ENOENT;
    for (size_t i = 0; i < p->n_items; i++) {
        struct loa_playlist_item *it = &p->items[i];
        if (it->kind != PLAN_KIND_ANNOUNCEMENT)
            continue;
        const struct loa_playlist_item *src = loa_playlist_find_item(lp->playlist, it->id);
        if (!src || src->kind != PLAN_KIND_ANNOUNCEMENT)
            return -ENOENT;
        char *f = strdup(src->file);
        if (!f)
            return -ENOMEM;
        free(it->file);
        it->file = f;
        it->duration_usec = src->duration_usec;
    }
    return 0;
}

int library_load_playlists(const char *data_dir, const struct loa_config *config,
                           struct loa_playlist ***ret_playlists, size_t *ret_n,
                           struct loa_diag_list *diags)
{
    struct library *lib = NULL;
    int r = library_open(data_dir, config, &lib, diags);
    if (r < 0)
        return r;
    struct loa_playlist **v = calloc(lib->n_playlists ? lib->n_playlists : 1, sizeof *v);
    if (!v) {
        library_close(lib);
        return -ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < lib->n_playlists; i++) {
        v[n++] = lib->playlists[i].playlist; /* ownership moves to the caller */
        lib->playlists[i].playlist = NULL;
    }
    library_close(lib);
    *ret_playlists = v;
    *ret_n = n;
    return 0;
}
