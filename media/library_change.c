/* Changing the library: load, replace and unload playlists as one atomic step.
 *
 * The order of work (docs/library.md "A change, step by step"):
 *  1. take the writer lock; open the current generation (its index, and its playlists
 *     parsed when something is added, for the whole-library check);
 *  2. hash every source media file; media already in the library are hard-linked into
 *     the staging directory, new ones copied (re-hashed while copying: a file changed
 *     in between is refused) — so reloading a playlist rewrites nothing on the SD card
 *     but what changed;
 *  3. analyse the new audio (GstDiscoverer duration, EBU R128), in parallel threads;
 *  4. check the resulting library as a whole (loa_rules_build + loa_rules_validate);
 *  5. write the playlists' texts and the index, fsync files and directories, rename the
 *     staging directory to gen-N, swap `current` with rename(2), fsync;
 *  6. retire generations no reader holds.
 * Before step 5's swap nothing the readers see has changed; after it, everything has.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "library_private.h"
#include "probe.h"
#include "rules.h"

/* Free space kept on top of what a change needs (the ledger lives there too). */
#define SPACE_MARGIN (32 * 1024 * 1024)
/* How long GstDiscoverer may take on one file. */
#define PROBE_TIMEOUT_USEC (30 * G_USEC_PER_SEC)

/* One distinct media file of the new generation. */
struct entry {
    char sha256[MEDIA_SHA256_HEX_SIZE];
    char *name; /* <sha256>[.ext] */
    bool audio; /* some item airs it (else only notices show it) */
    bool placed; /* present in the staging media/ directory */
    bool analyse; /* needs duration and loudness (new audio) */
    struct lib_media_rec rec; /* the index record (name borrowed from above) */
    /* the first reference, for messages */
    const char *src; /* source path (owned by the playlist) */
    const char *pl_path; /* playlist file */
    const char *ref_id;
    int line;
    /* analysis result */
    int err;
    struct loa_diag diag;
};

/* One source path (several items may name the same file). */
struct source_file {
    char sha256[MEDIA_SHA256_HEX_SIZE];
    uint64_t size;
};

struct change {
    const char *data_dir;
    const struct loa_config *config;
    const struct library_change_options *opts;
    struct loa_diag_list *diags;
    int libfd;
    int stage_fd;
    char *stage_path;
    struct library *cur;
    struct lib_index curix;
    GHashTable *entries; /* sha256 -> struct entry* (owned) */
    GHashTable *sources; /* path -> struct source_file* (owned) */
    GPtrArray *to_analyse;
    gint next; /* analysis work index (atomic) */
    struct lib_index newix;
    char index_sha256[MEDIA_SHA256_HEX_SIZE]; /* of the new generation's index */
    size_t media_new, media_reused;
};

static void entry_free(gpointer p)
{
    struct entry *e = p;
    g_free(e->name);
    g_free(e);
}

/* The media file name's extension: lowercase [a-z0-9]{1,8} from the source's name, so a
 * person looking at the library sees what each file is. "" when there is none. */
static void media_ext(const char *path, char ext[10])
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    ext[0] = '\0';
    if (!dot || dot == base || strlen(dot + 1) < 1 || strlen(dot + 1) > 8)
        return;
    size_t n = 0;
    for (const char *c = dot + 1; *c; c++) {
        char ch = g_ascii_tolower(*c);
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) {
            ext[0] = '\0';
            return;
        }
        ext[n++] = ch;
    }
    ext[n] = '\0';
}

static int refuse(struct change *c, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(struct change *c, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    struct loa_diag d;
    va_start(ap, fmt);
    loa_diag_setv(&d, -EINVAL, LOA_SEV_ERROR, file, line, fmt, ap);
    va_end(ap);
    loa_diag_list_push(c->diags, &d);
    return -EINVAL;
}

static int open_source(const char *path, int *ret_fd, struct stat *ret_st)
{
    /* O_NONBLOCK: a FIFO in a media file's place must not hang the load. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    if (fstat(fd, ret_st) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    *ret_fd = fd;
    return 0;
}

/* Step 2a: hash one source file (once per path). */
static int hash_source(struct change *c, const char *path, const char *pl_path, int line,
                       const char *what, struct source_file **ret)
{
    struct source_file *sf = g_hash_table_lookup(c->sources, path);
    if (sf) {
        *ret = sf;
        return 0;
    }
    int fd;
    struct stat st;
    int r = open_source(path, &fd, &st);
    if (r < 0)
        return refuse(c, pl_path, line, "%s %s: cannot be opened: %s", what, path, strerror(-r));
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return refuse(c, pl_path, line, "%s %s: not a regular file", what, path);
    }
    if (st.st_size > LIBRARY_MAX_MEDIA_SIZE) {
        close(fd);
        return refuse(c, pl_path, line, "%s %s: larger than %d MiB", what, path,
                      LIBRARY_MAX_MEDIA_SIZE / (1024 * 1024));
    }
    sf = g_new0(struct source_file, 1);
    r = media_sha256_fd(fd, LIBRARY_MAX_MEDIA_SIZE, sf->sha256, &sf->size);
    close(fd);
    if (r < 0) {
        g_free(sf);
        if (r == -EFBIG)
            return refuse(c, pl_path, line, "%s %s: larger than %d MiB", what, path,
                          LIBRARY_MAX_MEDIA_SIZE / (1024 * 1024));
        loa_diag_list_add(c->diags, LOA_SEV_ERROR, pl_path, line, "%s %s: cannot be read: %s", what,
                          path, strerror(-r));
        return r;
    }
    g_hash_table_insert(c->sources, g_strdup(path), sf);
    *ret = sf;
    return 0;
}

/* Step 2b: note that the new generation needs this media. */
static int want_media(struct change *c, const char *path, bool audio, const char *pl_path, int line,
                      const char *ref_id, char ret_sha[MEDIA_SHA256_HEX_SIZE])
{
    struct source_file *sf = NULL;
    int r = hash_source(c, path, pl_path, line, audio ? "media" : "image", &sf);
    if (r < 0)
        return r;
    struct entry *e = g_hash_table_lookup(c->entries, sf->sha256);
    if (!e) {
        e = g_new0(struct entry, 1);
        memcpy(e->sha256, sf->sha256, sizeof e->sha256);
        const struct lib_media_rec *old = lib_index_media(&c->curix, sf->sha256);
        if (old) {
            e->name = g_strdup(old->name);
            e->rec = *old;
        } else {
            char ext[10];
            media_ext(path, ext);
            e->name = g_strconcat(sf->sha256, ext[0] ? "." : "", ext, NULL);
            e->rec.size = sf->size;
            e->rec.kind = LIBRARY_MEDIA_IMAGE;
            e->rec.lufs = e->rec.tp = -INFINITY;
        }
        memcpy(e->rec.sha256, sf->sha256, sizeof e->rec.sha256);
        e->src = path;
        e->pl_path = pl_path;
        e->line = line;
        e->ref_id = ref_id;
        g_hash_table_insert(c->entries, e->sha256, e);
    }
    if (audio && !e->audio) {
        e->audio = true;
        /* Audio needs measurements: new files, or a file so far only shown as an image. */
        if (e->rec.kind != LIBRARY_MEDIA_AUDIO) {
            e->analyse = true;
            e->rec.kind = LIBRARY_MEDIA_AUDIO;
            e->src = path;
            e->pl_path = pl_path;
            e->line = line;
            e->ref_id = ref_id;
        }
    }
    memcpy(ret_sha, sf->sha256, MEDIA_SHA256_HEX_SIZE);
    return 0;
}

/* Step 2c: put an entry's file into staging/media: a link to the current generation's
 * copy, a link to a private source (import), or a verified copy. */
static int place_media(struct change *c, struct entry *e, int cur_fd)
{
    char dst[512];
    snprintf(dst, sizeof dst, LIB_MEDIA "/%s", e->name);
    if (lib_index_media(&c->curix, e->sha256)) {
        char src[512];
        snprintf(src, sizeof src, LIB_MEDIA "/%s", e->name);
        if (linkat(cur_fd, src, c->stage_fd, dst, 0) < 0) {
            int r = -errno;
            loa_diag_list_add(c->diags, LOA_SEV_ERROR, c->cur->dir, 0,
                              "library: cannot link %s: %s", src, strerror(errno));
            return r == -ENOENT ? -EBADMSG : r;
        }
        c->media_reused++;
        e->placed = true;
        return 0;
    }
    if ((c->opts->flags & LIBRARY_CHANGE_LINK_MEDIA) &&
        linkat(AT_FDCWD, e->src, c->stage_fd, dst, 0) == 0) {
        c->media_new++;
        e->placed = true;
        return 0;
    }
    int in, r;
    struct stat st;
    if ((r = open_source(e->src, &in, &st)) < 0)
        return refuse(c, e->pl_path, e->line, "%s: cannot be opened: %s", e->src, strerror(-r));
    char tmp[128];
    snprintf(tmp, sizeof tmp, LIB_MEDIA "/.in-%s", e->sha256);
    int out = openat(c->stage_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (out < 0) {
        r = -errno;
        close(in);
        loa_diag_list_add(c->diags, LOA_SEV_ERROR, c->stage_path, 0,
                          "library: cannot create %s: %s", tmp, strerror(-r));
        return r;
    }
    char hex[MEDIA_SHA256_HEX_SIZE];
    uint64_t size = 0;
    r = S_ISREG(st.st_mode) ? media_copy_hash_fd(in, out, LIBRARY_MAX_MEDIA_SIZE, hex, &size)
                            : -EINVAL;
    if (r == 0 && fsync(out) < 0)
        r = -errno;
    close(in);
    if (close(out) < 0 && r == 0)
        r = -errno;
    if (r == 0 && (strcmp(hex, e->sha256) != 0 || size != e->rec.size))
        r = refuse(c, e->pl_path, e->line,
                   "%s changed while it was being loaded; load again when it is complete", e->src);
    else if (r == -EFBIG || r == -EINVAL)
        r = refuse(c, e->pl_path, e->line, "%s: not a regular file of at most %d MiB", e->src,
                   LIBRARY_MAX_MEDIA_SIZE / (1024 * 1024));
    else if (r < 0)
        loa_diag_list_add(c->diags, LOA_SEV_ERROR, e->pl_path, e->line,
                          "%s: cannot copy into the library: %s", e->src, strerror(-r));
    if (r == 0 && renameat(c->stage_fd, tmp, c->stage_fd, dst) < 0)
        r = -errno;
    if (r < 0) {
        unlinkat(c->stage_fd, tmp, 0);
        return r;
    }
    c->media_new++;
    e->placed = true;
    return 0;
}

/* Step 3: analysis workers. */
static gpointer analyse_worker(gpointer user_data)
{
    struct change *c = user_data;
    for (;;) {
        guint i = (guint)g_atomic_int_add(&c->next, 1);
        if (i >= c->to_analyse->len)
            break;
        struct entry *e = c->to_analyse->pdata[i];
        char *path = g_build_filename(c->stage_path, LIB_MEDIA, e->name, NULL);
        int64_t dur = 0;
        struct media_loudness m = {0};
        e->err = media_probe_duration(path, PROBE_TIMEOUT_USEC, &dur, &e->diag);
        if (e->err == 0 && dur <= 0)
            e->err = loa_diag_set(&e->diag, -EBADMSG, LOA_SEV_ERROR, path, 0, "has no duration");
        if (e->err == 0)
            e->err = media_loudness_analyse(path, media_loudness_timeout(dur), &m, &e->diag);
        if (e->err < 0) {
            /* GStreamer names the private copy; the official knows the original. */
            char *hit = strstr(e->diag.msg, path);
            if (hit) {
                GString *m2 = g_string_new_len(e->diag.msg, hit - e->diag.msg);
                g_string_append(m2, e->src);
                g_string_append(m2, hit + strlen(path));
                snprintf(e->diag.msg, sizeof e->diag.msg, "%s", m2->str);
                g_string_free(m2, TRUE);
            }
        }
        if (e->err == 0) {
            e->rec.duration_usec = dur;
            e->rec.lufs = m.integrated_lufs;
            e->rec.tp = m.true_peak_dbtp;
            e->rec.channels = m.channels;
            e->rec.rate = m.rate;
        }
        g_free(path);
    }
    return NULL;
}

static int analyse_all(struct change *c)
{
    if (c->to_analyse->len == 0)
        return 0;
    if (media_gst_init() < 0) {
        loa_diag_list_add(c->diags, LOA_SEV_ERROR, NULL, 0, "GStreamer cannot start");
        return -EIO;
    }
    unsigned n = c->opts->threads;
    if (n == 0) {
        n = g_get_num_processors();
        n = n > 4 ? 4 : n;
    }
    if (n > c->to_analyse->len)
        n = c->to_analyse->len;
    GThread **t = g_new0(GThread *, n);
    for (unsigned i = 1; i < n; i++)
        t[i] = g_thread_new("loa-analyse", analyse_worker, c);
    analyse_worker(c);
    for (unsigned i = 1; i < n; i++)
        g_thread_join(t[i]);
    g_free(t);

    int r = 0;
    for (guint i = 0; i < c->to_analyse->len; i++) {
        struct entry *e = c->to_analyse->pdata[i];
        if (e->err == 0)
            continue;
        /* The message names the private copy; say which file the official gave. */
        loa_diag_list_add(c->diags, LOA_SEV_ERROR, e->pl_path, e->line,
                          "media of item '%s' (%s): %s", e->ref_id, e->src, e->diag.msg);
        if (e->err == -EIO || e->err == -ENOMEM)
            r = e->err;
        else if (r == 0)
            r = -EINVAL;
    }
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_media_rec(const void *a, const void *b)
{
    return strcmp(((const struct lib_media_rec *)a)->sha256,
                  ((const struct lib_media_rec *)b)->sha256);
}

static int cmp_playlist_rec(const void *a, const void *b)
{
    return strcmp(((const struct lib_playlist_rec *)a)->id,
                  ((const struct lib_playlist_rec *)b)->id);
}

static bool in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static const struct library_source *find_add(const struct library_source *add, size_t n,
                                             const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(add[i].playlist->id, id) == 0)
            return &add[i];
    return NULL;
}

static void json_str(GString *s, const char *v)
{
    g_string_append_c(s, '"');
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(s, "\\%c", *p);
        else if (*p < 0x20)
            g_string_append_printf(s, "\\u%04x", *p);
        else
            g_string_append_c(s, (char)*p);
    }
    g_string_append_c(s, '"');
}

/* The ledger event's detail: what changed, with the hashes needed to prove it. The
 * index's own hash binds the whole resulting library. The ledger takes at most
 * LEDGER_MAX_TEXT (64 KiB) of detail: past DETAIL_MAX the media of each loaded playlist
 * are summarised as a count and the SHA-256 of their newline-joined hashes. */
#define DETAIL_MAX 60000
static char *change_detail(const struct change *c, const struct library_change *rep, bool full)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s,
                           "{\"generation\":%" PRIu64 ",\"previous\":%" PRIu64
                           ",\"index_sha256\":\"%s\",\"loaded\":[",
                           rep->new_generation, rep->old_generation, c->index_sha256);
    for (size_t i = 0; i < rep->n_loaded; i++) {
        const struct lib_playlist_rec *pr = lib_index_playlist(&c->newix, rep->loaded[i]);
        g_string_append(s, i ? ",{\"id\":" : "{\"id\":");
        json_str(s, rep->loaded[i]);
        g_string_append(s, ",\"sha256\":");
        json_str(s, pr ? pr->text_sha256 : "");
        g_string_append_printf(s,
                               ",\"replaced\":%s,\"source\":", rep->replaced[i] ? "true" : "false");
        char *esc = lib_escape(pr ? pr->source : "");
        json_str(s, esc);
        g_free(esc);
        GString *list = g_string_new(NULL);
        size_t count = 0;
        for (size_t k = 0; k < c->newix.n_refs; k++) {
            const struct lib_ref_rec *x = &c->newix.refs[k];
            if (strcmp(x->playlist_id, rep->loaded[i]) != 0)
                continue;
            if (full) {
                g_string_append(list, count ? "," : "");
                json_str(list, x->sha256);
            } else {
                g_string_append(list, x->sha256);
                g_string_append_c(list, '\n');
            }
            count++;
        }
        if (full) {
            g_string_append_printf(s, ",\"media\":[%s]}", list->str);
        } else {
            char hex[MEDIA_SHA256_HEX_SIZE] = "";
            media_sha256_buf(list->str, list->len, hex);
            g_string_append_printf(s, ",\"media_count\":%zu,\"media_list_sha256\":\"%s\"}", count,
                                   hex);
        }
        g_string_free(list, TRUE);
    }
    g_string_append(s, "],\"removed\":[");
    for (size_t i = 0; i < rep->n_removed; i++) {
        g_string_append(s, i ? "," : "");
        json_str(s, rep->removed[i]);
    }
    g_string_append(s, "]}");
    if (full && s->len > DETAIL_MAX) {
        g_string_free(s, TRUE);
        return change_detail(c, rep, false);
    }
    return g_string_free(s, FALSE);
}

struct library_change *library_change_free(struct library_change *c)
{
    if (!c)
        return NULL;
    for (size_t i = 0; i < c->n_loaded; i++)
        g_free(c->loaded[i]);
    for (size_t i = 0; i < c->n_removed; i++)
        g_free(c->removed[i]);
    g_free(c->loaded);
    g_free(c->replaced);
    g_free(c->removed);
    g_free(c->detail);
    free(c);
    return NULL;
}

/* Steps 1-2 for the added playlists: hash and register every media file they use, and
 * the index records (refs) of the new generation. */
static int collect_added(struct change *c, const struct library_source *add, size_t n_add,
                         GArray *refs)
{
    int r = 0;
    for (size_t k = 0; k < n_add; k++) {
        const struct loa_playlist *p = add[k].playlist;
        for (size_t i = 0; i < p->n_items; i++) {
            const struct loa_playlist_item *it = &p->items[i];
            if (it->kind != PLAN_KIND_ANNOUNCEMENT)
                continue;
            struct lib_ref_rec x = {0};
            int e = want_media(c, it->file, true, p->path, it->file_line, it->id, x.sha256);
            if (e < 0) {
                if (e != -EINVAL)
                    return e;
                r = e; /* report every bad file, not only the first */
                continue;
            }
            x.playlist_id = g_strdup(p->id);
            x.id = g_strdup(it->id);
            g_array_append_val(refs, x);
        }
        for (size_t i = 0; i < p->n_notices; i++) {
            const struct loa_playlist_notice *n = &p->notices[i];
            if (!n->image[0])
                continue;
            struct lib_ref_rec x = {.notice = true};
            int e = want_media(c, n->image, false, p->path, n->line, n->id, x.sha256);
            if (e < 0) {
                if (e != -EINVAL)
                    return e;
                r = e;
                continue;
            }
            x.playlist_id = g_strdup(p->id);
            x.id = g_strdup(n->id);
            g_array_append_val(refs, x);
        }
    }
    return r;
}

/* Step 4: the whole library as it will be must make a valid plan. */
static int check_whole(struct change *c, const struct library_source *add, size_t n_add,
                       const char *const *remove, size_t n_remove)
{
    GPtrArray *all = g_ptr_array_new();
    int r = 0;
    for (size_t i = 0; i < c->cur->n_playlists; i++) {
        const struct loa_playlist *p = c->cur->playlists[i].playlist;
        if (p && !in_list(remove, n_remove, p->id) && !find_add(add, n_add, p->id))
            g_ptr_array_add(all, (gpointer)p);
    }
    for (size_t i = 0; i < n_add; i++)
        g_ptr_array_add(all, add[i].playlist);

    int64_t chime = 0;
    if (c->config->audio.chime[0]) {
        struct loa_diag d;
        if (media_gst_init() < 0) {
            loa_diag_list_add(c->diags, LOA_SEV_ERROR, NULL, 0, "GStreamer cannot start");
            r = -EIO;
            goto out;
        }
        if (media_probe_duration(c->config->audio.chime, PROBE_TIMEOUT_USEC, &chime, &d) < 0) {
            loa_diag_list_add(c->diags, LOA_SEV_ERROR, c->config->path, 0, "chime %s: %s",
                              c->config->audio.chime, d.msg);
            r = -EINVAL;
            goto out;
        }
    }
    struct loa_rules *rules = NULL;
    if (loa_rules_build(c->config, (const struct loa_playlist *const *)all->pdata, all->len, chime,
                        &rules, c->diags) < 0) {
        r = -EINVAL;
        goto out;
    }
    if (loa_rules_validate(rules, c->diags) < 0)
        r = -EINVAL;
    loa_rules_free(rules);
out:
    g_ptr_array_unref(all);
    return r;
}

/* Step 5: make the staged generation durable, move it into place, swap `current`. */
static int commit(struct change *c, uint64_t *ret_generation)
{
    char *text = NULL;
    size_t len = 0;
    int r;
    uint64_t gen = c->curix.generation + 1;
    char name[32];
    struct stat st;
    for (;; gen++) {
        snprintf(name, sizeof name, LIB_GEN_PREFIX "%08" PRIu64, gen);
        if (fstatat(c->libfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
            break;
    }
    c->newix.generation = gen;
    if ((r = lib_index_format(&c->newix, &text, &len)) < 0)
        goto out;
    if ((r = media_sha256_buf(text, len, c->index_sha256)) < 0 ||
        (r = lib_write_at(c->stage_fd, LIB_INDEX, text, len)) < 0)
        goto out;
    if ((r = lib_fsync_dir(c->stage_fd, LIB_MEDIA)) < 0 ||
        (r = lib_fsync_dir(c->stage_fd, LIB_PLAYLISTS)) < 0 ||
        (r = lib_fsync_dir(c->stage_fd, NULL)) < 0)
        goto out;
    const char *stage_name = strrchr(c->stage_path, '/') + 1;
    if (renameat(c->libfd, stage_name, c->libfd, name) < 0) {
        r = -errno;
        goto out;
    }
    /* From here the staging directory is gen-N: never remove it on failure (it is an
     * orphan until `current` names it, and the next change's GC takes it). */
    g_free(c->stage_path);
    c->stage_path = NULL;
    if ((r = lib_fsync_dir(c->libfd, NULL)) < 0)
        goto out;
    unlinkat(c->libfd, LIB_CURRENT_TMP, 0);
    if (symlinkat(name, c->libfd, LIB_CURRENT_TMP) < 0 ||
        renameat(c->libfd, LIB_CURRENT_TMP, c->libfd, LIB_CURRENT) < 0) {
        r = -errno;
        goto out;
    }
    /* The swap is done; making it durable can still fail (then a power cut may bring
     * back the old library, which is also complete). */
    r = lib_fsync_dir(c->libfd, NULL);
    *ret_generation = gen;
out:
    free(text);
    return r;
}

int library_change(const char *data_dir, const struct loa_config *config,
                   const struct library_source *add, size_t n_add, const char *const *remove,
                   size_t n_remove, const struct library_change_options *opts,
                   struct library_change **ret_change, struct loa_diag_list *diags)
{
    struct library_change_options defaults = {0};
    struct change c = {
        .data_dir = data_dir,
        .config = config,
        .opts = opts ? opts : &defaults,
        .diags = diags,
        .libfd = -1,
        .stage_fd = -1,
    };
    struct library_change *rep = NULL;
    int lock = -1, r = 0, cur_fd = -1;
    GArray *refs = g_array_new(FALSE, TRUE, sizeof(struct lib_ref_rec));
    c.entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    c.sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    c.to_analyse = g_ptr_array_new();

    /* The request itself. */
    if (n_add > 0 && !config) {
        r = refuse(&c, NULL, 0, "loading playlists needs the device configuration");
        goto out;
    }
    for (size_t i = 0; i < n_add; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(add[i].playlist->id, add[j].playlist->id) == 0)
                r = refuse(&c, add[i].playlist->path, add[i].playlist->line,
                           "playlist id '%s' is also the id of %s", add[i].playlist->id,
                           add[j].playlist->path);
        if (in_list(remove, n_remove, add[i].playlist->id))
            r = refuse(&c, add[i].playlist->path, add[i].playlist->line,
                       "playlist '%s' cannot be loaded and unloaded at once", add[i].playlist->id);
    }
    if (r < 0)
        goto out;

    /* Step 1. */
    if (!c.opts->lock_held) {
        lock = library_lock(data_dir);
        if (lock < 0) {
            r = lock;
            loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0,
                              "library: cannot take the writer lock: %s", strerror(-r));
            goto out;
        }
    }
    if ((r = lib_open_dir(data_dir, true, &c.libfd)) < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0, "library: cannot open: %s",
                          strerror(-r));
        goto out;
    }
    r = lib_open(data_dir, config, n_add > 0, &c.cur, &c.curix, diags);
    if (r < 0) {
        if (r == -EINVAL)
            loa_diag_list_add(diags, LOA_SEV_ERROR, NULL, 0,
                              "an installed playlist no longer loads with this configuration; "
                              "unload it or fix the configuration");
        else if (r == -EBADMSG)
            loa_diag_list_add(diags, LOA_SEV_ERROR, NULL, 0,
                              "the installed library is damaged; nothing was changed");
        goto out;
    }
    cur_fd = c.cur->dir_fd;
    for (size_t i = 0; i < n_remove; i++)
        if (!lib_index_playlist(&c.curix, remove[i]))
            r = refuse(&c, NULL, 0, "no installed playlist '%s' (see 'loa list')", remove[i]);
    if (r < 0)
        goto out;

    /* Leftovers of changes that died (a SIGKILL, a power cut) go before we add ours. */
    lib_gc(c.libfd, c.curix.generation);
    if ((r = library_staging_new(data_dir, &c.stage_path, &c.stage_fd)) < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0,
                          "library: cannot create a staging directory: %s", strerror(-r));
        goto out;
    }
    if (mkdirat(c.stage_fd, LIB_MEDIA, 0755) < 0 || mkdirat(c.stage_fd, LIB_PLAYLISTS, 0755) < 0) {
        r = -errno;
        goto out;
    }

    /* Step 2: what the new generation holds. Kept playlists first, then the added. */
    GArray *pls = g_array_new(FALSE, TRUE, sizeof(struct lib_playlist_rec));
    for (size_t i = 0; i < c.curix.n_playlists; i++) {
        const struct lib_playlist_rec *p = &c.curix.playlists[i];
        if (in_list(remove, n_remove, p->id) || find_add(add, n_add, p->id))
            continue;
        struct lib_playlist_rec q = *p;
        q.id = g_strdup(p->id);
        q.source = g_strdup(p->source);
        g_array_append_val(pls, q);
        for (size_t k = 0; k < c.curix.n_refs; k++) {
            const struct lib_ref_rec *x = &c.curix.refs[k];
            if (strcmp(x->playlist_id, p->id) != 0)
                continue;
            struct lib_ref_rec y = *x;
            y.playlist_id = g_strdup(x->playlist_id);
            y.id = g_strdup(x->id);
            g_array_append_val(refs, y);
            if (!g_hash_table_contains(c.entries, x->sha256)) {
                const struct lib_media_rec *m = lib_index_media(&c.curix, x->sha256);
                struct entry *e = g_new0(struct entry, 1);
                memcpy(e->sha256, x->sha256, sizeof e->sha256);
                e->name = g_strdup(m->name);
                e->rec = *m;
                e->audio = m->kind == LIBRARY_MEDIA_AUDIO;
                g_hash_table_insert(c.entries, e->sha256, e);
            }
        }
    }
    for (size_t i = 0; i < n_add; i++) {
        struct lib_playlist_rec q = {
            .id = g_strdup(add[i].playlist->id),
            .installed_usec = c.opts->now_usec,
            .source = g_strdup(add[i].source ? add[i].source : add[i].playlist->path),
        };
        if ((r = media_sha256_buf(add[i].text, add[i].len, q.text_sha256)) < 0) {
            g_array_append_val(pls, q);
            break;
        }
        g_array_append_val(pls, q);
    }
    c.newix.n_playlists = pls->len;
    c.newix.playlists = (struct lib_playlist_rec *)(void *)g_array_free(pls, FALSE);
    if (c.newix.n_playlists > 1)
        qsort(c.newix.playlists, c.newix.n_playlists, sizeof *c.newix.playlists, cmp_playlist_rec);
    if (r < 0)
        goto out;
    if ((r = collect_added(&c, add, n_add, refs)) < 0)
        goto out;

    /* Space for the new files, before writing any. */
    uint64_t need = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c.entries);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct entry *e = v;
        if (!lib_index_media(&c.curix, e->sha256) && !(c.opts->flags & LIBRARY_CHANGE_LINK_MEDIA))
            need += e->rec.size;
    }
    struct statvfs vfs;
    if (need > 0 && fstatvfs(c.stage_fd, &vfs) == 0 &&
        (uint64_t)vfs.f_bavail * vfs.f_frsize < need + SPACE_MARGIN) {
        loa_diag_list_add(
            diags, LOA_SEV_ERROR, data_dir, 0,
            "not enough free space for the library: %" PRIu64 " MiB needed, %" PRIu64 " MiB free",
            (need + SPACE_MARGIN) >> 20, ((uint64_t)vfs.f_bavail * vfs.f_frsize) >> 20);
        r = -ENOSPC;
        goto out;
    }
    g_hash_table_iter_init(&it, c.entries);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct entry *e = v;
        if ((r = place_media(&c, e, cur_fd)) < 0)
            goto out;
        if (e->analyse)
            g_ptr_array_add(c.to_analyse, e);
    }

    /* Step 3. */
    if ((r = analyse_all(&c)) < 0)
        goto out;

    /* The media records of the new generation, and the added items' durations. */
    c.newix.n_media = g_hash_table_size(c.entries);
    c.newix.media = g_new0(struct lib_media_rec, c.newix.n_media ? c.newix.n_media : 1);
    size_t nm = 0;
    g_hash_table_iter_init(&it, c.entries);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct entry *e = v;
        c.newix.media[nm] = e->rec;
        c.newix.media[nm].name = g_strdup(e->name);
        nm++;
    }
    if (c.newix.n_media > 1)
        qsort(c.newix.media, c.newix.n_media, sizeof *c.newix.media, cmp_media_rec);
    c.newix.n_refs = refs->len;
    c.newix.refs = (struct lib_ref_rec *)(void *)g_array_free(refs, FALSE);
    refs = NULL;
    for (size_t i = 0; i < n_add; i++) {
        struct loa_playlist *p = add[i].playlist;
        for (size_t j = 0; j < p->n_items; j++) {
            struct loa_playlist_item *item = &p->items[j];
            if (item->kind != PLAN_KIND_ANNOUNCEMENT)
                continue;
            struct source_file *sf = g_hash_table_lookup(c.sources, item->file);
            const struct lib_media_rec *m = lib_index_media(&c.newix, sf->sha256);
            item->duration_usec = m->duration_usec;
        }
    }

    /* Step 4. */
    if (n_add > 0 && (r = check_whole(&c, add, n_add, remove, n_remove)) < 0)
        goto out;
    if (n_add > 0) {
        for (size_t i = 0; i < n_add; i++) {
            const struct loa_playlist *p = add[i].playlist;
            for (size_t j = 0; j < p->n_items; j++) {
                const struct loa_playlist_item *item = &p->items[j];
                if (item->kind != PLAN_KIND_ANNOUNCEMENT)
                    continue;
                struct source_file *sf = g_hash_table_lookup(c.sources, item->file);
                const struct lib_media_rec *m = lib_index_media(&c.newix, sf->sha256);
                struct media_loudness l;
                struct media_gain g;
                lib_media_gain(m, config, &l, &g);
                media_loudness_report(config, p->path, item->file_line, item->id, item->file, &l,
                                      diags);
            }
        }
    }

    /* Step 5: the playlists' texts (added: as given; kept: linked), then commit. */
    for (size_t i = 0; i < c.newix.n_playlists; i++) {
        const struct lib_playlist_rec *p = &c.newix.playlists[i];
        char *rel = g_strconcat(LIB_PLAYLISTS "/", p->id, ".cfg", NULL);
        const struct library_source *src = find_add(add, n_add, p->id);
        if (src)
            r = lib_write_at(c.stage_fd, rel, src->text, src->len);
        else if (linkat(cur_fd, rel, c.stage_fd, rel, 0) < 0)
            r = errno == ENOENT ? -EBADMSG : -errno;
        g_free(rel);
        if (r < 0) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, c.stage_path, 0,
                              "library: cannot store playlist '%s': %s", p->id, strerror(-r));
            goto out;
        }
    }
    rep = calloc(1, sizeof *rep);
    if (!rep) {
        r = -ENOMEM;
        goto out;
    }
    rep->old_generation = c.curix.generation;
    rep->loaded = g_new0(char *, n_add + 1);
    rep->replaced = g_new0(bool, n_add + 1);
    for (size_t i = 0; i < n_add; i++)
        rep->loaded[rep->n_loaded++] = g_strdup(add[i].playlist->id);
    if (rep->n_loaded > 1)
        qsort(rep->loaded, rep->n_loaded, sizeof *rep->loaded, cmp_str);
    for (size_t i = 0; i < rep->n_loaded; i++)
        rep->replaced[i] = lib_index_playlist(&c.curix, rep->loaded[i]) != NULL;
    rep->removed = g_new0(char *, n_remove + 1);
    for (size_t i = 0; i < n_remove; i++)
        rep->removed[rep->n_removed++] = g_strdup(remove[i]);
    if (rep->n_removed > 1)
        qsort(rep->removed, rep->n_removed, sizeof *rep->removed, cmp_str);
    rep->media_new = c.media_new;
    rep->media_reused = c.media_reused;

    if ((r = commit(&c, &rep->new_generation)) < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0,
                          "library: cannot install the new generation: %s", strerror(-r));
        goto out;
    }
    rep->detail = change_detail(&c, rep, true);

    /* Step 6: our staging (now gen-N) lock first, so GC sees only real readers. */
    close(c.stage_fd);
    c.stage_fd = -1;
    library_close(c.cur); /* drops our shared lock on the old generation */
    c.cur = NULL;
    lib_gc(c.libfd, rep->new_generation);
    if (ret_change) {
        *ret_change = rep;
        rep = NULL;
    }
    r = 0;
out:
    if (c.stage_path || c.stage_fd >= 0)
        library_staging_remove(c.stage_path, c.stage_fd);
    library_change_free(rep);
    library_close(c.cur);
    lib_index_clear(&c.curix);
    lib_index_clear(&c.newix);
    if (refs) {
        for (guint i = 0; i < refs->len; i++) {
            g_free(g_array_index(refs, struct lib_ref_rec, i).playlist_id);
            g_free(g_array_index(refs, struct lib_ref_rec, i).id);
        }
        g_array_free(refs, TRUE);
    }
    g_hash_table_unref(c.entries);
    g_hash_table_unref(c.sources);
    g_ptr_array_unref(c.to_analyse);
    if (c.libfd >= 0)
        close(c.libfd);
    library_unlock(lock);
    return r;
}
