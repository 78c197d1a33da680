/* `loa import DIR`: a USB folder, read as hostile input (see usb_import.h).
 *
 * Two phases. The first writes nothing anywhere: it lists the top of the folder, reads
 * and parses each playlist from memory, checks every path it names as written, and
 * opens and fstats every file those paths reach — so almost every refusal happens
 * before the library is even locked. The second, under the library's writer lock,
 * copies the media into a private staging directory (re-opening and re-checking each
 * file: the stick may have changed in between), then hands the playlists, now pointing
 * at the private copies, to library_change() as one change.
 */
#include "usb_import.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <libconfig.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "library_private.h"
#include "load_common.h"
#include "text.h"

/* Free space kept on top of the staged copies. */
#define IMPORT_SPACE_MARGIN (64 * 1024 * 1024)
/* Below this size st_blocks says little (inline data, tail packing). */
#define SPARSE_MIN_SIZE (64 * 1024)

void usb_import_default_limits(struct usb_import_limits *ret)
{
    *ret = (struct usb_import_limits){
        .max_media_bytes = LIBRARY_MAX_MEDIA_SIZE,
        .max_playlist_bytes = LOA_LOADER_MAX_FILE_SIZE,
        .max_total_bytes = UINT64_C(4) * 1024 * 1024 * 1024,
        .max_entries = 10000,
        .max_playlists = 100,
        .max_files = 10000,
        .max_path_bytes = 1024,
        .max_path_depth = 16,
    };
}

/* One media file the playlists name (a relative path beneath the folder). */
struct wanted {
    char *rel; /* as written (validated) */
    char *staged; /* absolute path of the private copy (phase 2) */
    uint64_t size;
    dev_t dev;
    ino_t ino;
};

struct import {
    const char *dir; /* as given */
    char *dir_abs; /* absolute, for paths in messages and the parser */
    int dirfd;
    const struct usb_import_limits *lim;
    struct loa_diag_list *diags;
    GHashTable *wanted; /* rel -> struct wanted* */
    uint64_t total;
};

/* A name for messages: the folder's path joined with rel, invalid bytes as \xNN. */
static char *display(const struct import *im, const char *rel)
{
    char *joined = g_build_filename(im->dir_abs, rel, NULL);
    char *esc = lib_escape(joined);
    g_free(joined);
    return esc;
}

static int refuse(struct import *im, const char *rel, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(struct import *im, const char *rel, int line, const char *fmt, ...)
{
    char *file = rel ? display(im, rel) : lib_escape(im->dir_abs);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    loa_diag_list_add(im->diags, LOA_SEV_ERROR, file, line, "refused: %s", msg);
    g_free(file);
    return -EINVAL;
}

static long sys_openat2(int dirfd, const char *path, uint64_t flags)
{
    struct open_how how = {
        .flags = flags,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static const char *type_name(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO (named pipe)";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "a device node";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISLNK(m))
        return "a symbolic link";
    return "not a regular file";
}

/* Why openat2 refused: words for the official. */
static int refuse_open(struct import *im, const char *rel, int err)
{
    switch (err) {
    case ELOOP:
        return refuse(im, rel, 0,
                      "a symbolic link (or a path through one); links are not "
                      "followed on USB sticks");
    case EXDEV:
        return refuse(im, rel, 0, "leads outside the folder");
    case ENOENT:
        return refuse(im, rel, 0, "not found");
    case ENOTDIR:
        return refuse(im, rel, 0, "a part of the path is not a folder");
    case ENAMETOOLONG:
        return refuse(im, rel, 0, "name too long");
    case EACCES:
    case EPERM:
        return refuse(im, rel, 0, "permission denied");
    default:
        break;
    }
    char *file = display(im, rel);
    loa_diag_list_add(im->diags, LOA_SEV_ERROR, file, 0, "cannot be opened: %s", strerror(err));
    g_free(file);
    return -err;
}

/* Open rel beneath the folder: O_PATH first (learn the type without opening a device or
 * FIFO for reading), then for reading, and check both are the same regular file, of at
 * most max bytes, not sparse. Returns an fd or a negative errno (refusals: -EINVAL). */
static int safe_open(struct import *im, const char *rel, uint64_t max, struct stat *ret_st)
{
    long pfd = sys_openat2(im->dirfd, rel, O_PATH | O_CLOEXEC);
    if (pfd < 0) {
        int e = errno;
        if (e == ENOSYS || e == E2BIG)
            return -ENOSYS;
        return refuse_open(im, rel, e);
    }
    struct stat st;
    int r = fstat((int)pfd, &st) < 0 ? -errno : 0;
    close((int)pfd);
    if (r < 0)
        return r;
    if (!S_ISREG(st.st_mode))
        return refuse(im, rel, 0, "%s, not a regular file", type_name(st.st_mode));

    long fd = sys_openat2(im->dirfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return refuse_open(im, rel, errno);
    struct stat st2;
    if (fstat((int)fd, &st2) < 0) {
        r = -errno;
        close((int)fd);
        return r;
    }
    if (!S_ISREG(st2.st_mode) || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
        close((int)fd);
        return refuse(im, rel, 0, "changed while it was being read");
    }
    if ((uint64_t)st2.st_size > max) {
        close((int)fd);
        return refuse(im, rel, 0, "too large (%" PRIu64 " bytes; at most %" PRIu64 ")",
                      (uint64_t)st2.st_size, max);
    }
    /* A sparse file claims more than it holds: no real recording is one, and copying it
     * would fill the SD card with zeros. */
    if (st2.st_size >= SPARSE_MIN_SIZE &&
        (uint64_t)st2.st_blocks * 512 < (uint64_t)st2.st_size / 2) {
        close((int)fd);
        return refuse(im, rel, 0,
                      "a sparse file (%" PRIu64 " bytes, %" PRIu64
                      " stored); copy the real file onto the stick",
                      (uint64_t)st2.st_size, (uint64_t)st2.st_blocks * 512);
    }
    *ret_st = st2;
    return (int)fd;
}

/* A name (one path component) people can read and the library can keep. */
static int check_name(struct import *im, const char *shown_rel, const char *name)
{
    const char *end;
    if (!g_utf8_validate(name, -1, &end))
        return refuse(im, shown_rel, 0,
                      "the name is not valid UTF-8; rename it on a computer before importing");
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return refuse(im, shown_rel, 0, "the name holds control characters");
    char *nfc = loa_text_nfc(name);
    if (!nfc)
        return -ENOMEM;
    bool same = strcmp(nfc, name) == 0;
    g_free(nfc);
    if (!same)
        return refuse(im, shown_rel, 0,
                      "the name is in decomposed Unicode (NFD), as some Macs write it; "
                      "rename it (or copy it again from a Windows or Linux computer)");
    return 0;
}

/* A media path as written in a playlist: relative, beneath the folder, plain names. */
static int check_rel_path(struct import *im, const char *pl_rel, int line, const char *path)
{
    if (!*path)
        return refuse(im, pl_rel, line, "an empty media path");
    if (path[0] == '/')
        return refuse(im, pl_rel, line,
                      "'%s' is an absolute path; on a USB stick, name media relative to the "
                      "folder (e.g. \"media/ban-tin.mp3\")",
                      path);
    if (strchr(path, '\\'))
        return refuse(im, pl_rel, line, "'%s' holds a backslash; separate folders with '/'", path);
    if (strlen(path) > im->lim->max_path_bytes)
        return refuse(im, pl_rel, line, "a media path longer than %zu bytes",
                      im->lim->max_path_bytes);
    char **parts = g_strsplit(path, "/", -1);
    int r = 0;
    size_t depth = 0;
    for (char **p = parts; *p && r == 0; p++) {
        if (!**p || strcmp(*p, ".") == 0)
            continue;
        if (strcmp(*p, "..") == 0)
            r = refuse(im, pl_rel, line,
                       "'%s' goes up with '..'; media must be inside the "
                       "folder",
                       path);
        else if (++depth > im->lim->max_path_depth)
            r = refuse(im, pl_rel, line, "'%s' is more than %zu folders deep", path,
                       im->lim->max_path_depth);
        else
            r = check_name(im, path, *p);
    }
    g_strfreev(parts);
    if (r == 0 && depth == 0)
        r = refuse(im, pl_rel, line, "'%s' names the folder itself, not a file", path);
    return r;
}

/* Note a media path; phase 1 opens it once to check it. */
static int want(struct import *im, const char *pl_rel, int line, const char *raw)
{
    int r = check_rel_path(im, pl_rel, line, raw);
    if (r < 0)
        return r;
    /* "./a//b" and "a/b" are one file. */
    char *canon = g_canonicalize_filename(raw, "/");
    const char *rel = canon + 1;
    if (g_hash_table_contains(im->wanted, rel)) {
        g_free(canon);
        return 0;
    }
    if (g_hash_table_size(im->wanted) >= im->lim->max_files) {
        g_free(canon);
        return refuse(im, pl_rel, line, "the playlists name more than %zu media files",
                      im->lim->max_files);
    }
    struct stat st;
    int fd = safe_open(im, rel, im->lim->max_media_bytes, &st);
    if (fd < 0) {
        g_free(canon);
        return fd;
    }
    close(fd);
    struct wanted *w = g_new0(struct wanted, 1);
    w->rel = g_strdup(rel);
    w->size = (uint64_t)st.st_size;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    im->total += w->size;
    g_hash_table_insert(im->wanted, w->rel, w);
    g_free(canon);
    if (im->total > im->lim->max_total_bytes)
        return refuse(im, NULL, 0, "the media of the folder exceed %" PRIu64 " MiB in all",
                      im->lim->max_total_bytes >> 20);
    return 0;
}

static void wanted_free(gpointer p)
{
    struct wanted *w = p;
    g_free(w->rel);
    g_free(w->staged);
    g_free(w);
}

/* The paths as the official wrote them: libconfig's raw strings, which the playlist
 * loader has already resolved (and so folded "..") by the time we see its structs. */
struct raw_paths {
    GHashTable *items; /* item id -> raw `file` (owned copies) */
    GHashTable *notices; /* notice id -> raw `image` */
};

static void raw_collect(const config_setting_t *list, const char *key, GHashTable *into)
{
    if (!list)
        return;
    int n = config_setting_length(list);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        const config_setting_t *id = g ? config_setting_get_member(g, "id") : NULL;
        const config_setting_t *f = g ? config_setting_get_member(g, key) : NULL;
        const char *ids = id ? config_setting_get_string(id) : NULL;
        const char *fs = f ? config_setting_get_string(f) : NULL;
        if (ids && fs)
            g_hash_table_insert(into, g_strdup(ids), g_strdup(fs));
    }
}

static int raw_paths_read(const char *file, const char *data, size_t len,
                          struct loa_diag_list *diags, struct raw_paths *ret)
{
    struct loa_ld ld;
    int r = loa_ld_begin(&ld, file, data, len, diags);
    if (r == 0) {
        ret->items = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        ret->notices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        raw_collect(config_lookup(&ld.cfg, "announcements"), "file", ret->items);
        raw_collect(config_lookup(&ld.cfg, "notices"), "image", ret->notices);
    }
    loa_ld_done(&ld);
    return r;
}

static void raw_paths_clear(struct raw_paths *rp)
{
    if (rp->items)
        g_hash_table_unref(rp->items);
    if (rp->notices)
        g_hash_table_unref(rp->notices);
    memset(rp, 0, sizeof *rp);
}

/* One playlist of the folder, read and parsed in memory. */
struct found {
    char *name; /* top-level file name */
    char *text;
    size_t len;
    struct loa_playlist *playlist;
    struct raw_paths raw;
};

static bool is_cfg(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && g_ascii_strcasecmp(name + n - 4, ".cfg") == 0;
}

/* Read a top-level playlist through the folder fd and parse it from memory. */
static int read_playlist(struct import *im, const struct loa_config *config, struct found *f)
{
    struct stat st;
    int fd = safe_open(im, f->name, im->lim->max_playlist_bytes, &st);
    if (fd < 0)
        return fd;
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap + 1);
    int r = buf ? 0 : -ENOMEM;
    while (r == 0) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap)
            r = refuse(im, f->name, 0, "grew while it was being read");
    }
    close(fd);
    if (r < 0) {
        free(buf);
        return r;
    }
    buf[len] = '\0';
    f->text = buf;
    f->len = len;

    char *path = g_build_filename(im->dir_abs, f->name, NULL);
    r = loa_playlist_parse(path, buf, len, config, LOA_PLAYLIST_NO_MEDIA_CHECK, &f->playlist,
                           im->diags);
    if (r == 0)
        r = raw_paths_read(path, buf, len, im->diags, &f->raw);
    g_free(path);
    if (r < 0)
        return r == -ENOMEM ? r : -EINVAL;

    /* Every media path as written, then every file it reaches. */
    const struct loa_playlist *p = f->playlist;
    for (size_t i = 0; i < p->n_items; i++) {
        const struct loa_playlist_item *it = &p->items[i];
        if (it->kind != PLAN_KIND_ANNOUNCEMENT)
            continue;
        const char *raw = g_hash_table_lookup(f->raw.items, it->id);
        int e = raw ? want(im, f->name, it->file_line, raw)
                    : refuse(im, f->name, it->file_line, "item '%s': 'file' is not a plain string",
                             it->id);
        if (e == -ENOSYS || e == -ENOMEM)
            return e;
        if (e < 0)
            r = e;
    }
    for (size_t i = 0; i < p->n_notices; i++) {
        const struct loa_playlist_notice *n = &p->notices[i];
        if (!n->image[0])
            continue;
        const char *raw = g_hash_table_lookup(f->raw.notices, n->id);
        int e =
            raw ? want(im, f->name, n->line, raw)
                : refuse(im, f->name, n->line, "notice '%s': 'image' is not a plain string", n->id);
        if (e == -ENOSYS || e == -ENOMEM)
            return e;
        if (e < 0)
            r = e;
    }
    return r;
}

static int cmp_found(const void *a, const void *b)
{
    return strcmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

/* Phase 1a: the top of the folder. */
static int list_top(struct import *im, GArray *found)
{
    int fd = dup(im->dirfd);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -errno;
    }
    int r = 0;
    size_t n = 0;
    struct dirent *de;
    while ((errno = 0, de = readdir(d))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (++n > im->lim->max_entries) {
            r = refuse(im, NULL, 0, "more than %zu entries at the top of the folder",
                       im->lim->max_entries);
            break;
        }
        if (name[0] == '.')
            continue; /* hidden: never read */
        int e = check_name(im, name, name);
        if (e < 0) {
            r = e;
            continue;
        }
        if (!is_cfg(name))
            continue;
        struct found f = {.name = g_strdup(name)};
        g_array_append_val(found, f);
    }
    if (errno != 0 && r == 0)
        r = -errno;
    closedir(d);
    if (r < 0)
        return r;
    if (found->len == 0)
        return refuse(im, NULL, 0, "no playlist (*.cfg file) at the top of the folder");
    if (found->len > im->lim->max_playlists)
        return refuse(im, NULL, 0, "more than %zu playlists in the folder", im->lim->max_playlists);
    g_array_sort(found, cmp_found); /* messages and ids in a stable order */
    return 0;
}

/* Phase 2: copy one media file into staging/files/<rel>, re-checked. */
static int stage_one(struct import *im, int stage_fd, const char *stage_path, struct wanted *w)
{
    struct stat st;
    int in = safe_open(im, w->rel, im->lim->max_media_bytes, &st);
    if (in < 0)
        return in;
    if (st.st_dev != w->dev || st.st_ino != w->ino || (uint64_t)st.st_size != w->size) {
        close(in);
        return refuse(im, w->rel, 0, "changed while the folder was being imported");
    }
    /* Mirror the folders, so the copy keeps its name (and messages can name the
     * original). Names were checked in phase 1. */
    char *rel = g_strconcat("files/", w->rel, NULL);
    int r = 0;
    for (char *slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdirat(stage_fd, rel, 0700) < 0 && errno != EEXIST)
            r = -errno;
        *slash = '/';
        if (r < 0)
            break;
    }
    int out = -1;
    if (r == 0) {
        out = openat(stage_fd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (out < 0)
            r = -errno;
    }
    char hex[MEDIA_SHA256_HEX_SIZE];
    uint64_t size = 0;
    if (r == 0)
        r = media_copy_hash_fd(in, out, w->size, hex, &size);
    if (r == -EFBIG || (r == 0 && size != w->size))
        r = refuse(im, w->rel, 0, "changed while the folder was being imported");
    if (r == 0 && fsync(out) < 0)
        r = -errno;
    if (out >= 0 && close(out) < 0 && r == 0)
        r = -errno;
    close(in);
    if (r < 0 && r != -EINVAL) {
        char *file = display(im, w->rel);
        loa_diag_list_add(im->diags, LOA_SEV_ERROR, file, 0, "cannot copy: %s", strerror(-r));
        g_free(file);
    }
    if (r == 0)
        w->staged = g_build_filename(stage_path, rel, NULL);
    g_free(rel);
    return r;
}

/* library_change() names the private copies; say which files of the stick they are. */
static void rename_in_diags(struct loa_diag_list *diags, size_t from, const char *staged_prefix,
                            const char *dir_abs)
{
    size_t pl = strlen(staged_prefix);
    for (size_t i = from; i < diags->n; i++) {
        struct loa_diag *d = &diags->items[i];
        char *fields[] = {d->file, d->msg};
        size_t sizes[] = {sizeof d->file, sizeof d->msg};
        for (size_t k = 0; k < 2; k++) {
            char *hit;
            while ((hit = strstr(fields[k], staged_prefix))) {
                GString *s = g_string_new_len(fields[k], hit - fields[k]);
                g_string_append(s, dir_abs);
                g_string_append_c(s, '/');
                g_string_append(s, hit + pl);
                snprintf(fields[k], sizes[k], "%s", s->str);
                g_string_free(s, TRUE);
            }
        }
    }
}

int usb_import(const char *dir, const char *data_dir, const struct loa_config *config,
               const struct usb_import_limits *limits, int64_t now_usec,
               struct library_change **ret_change, struct loa_diag_list *diags)
{
    struct usb_import_limits defaults;
    usb_import_default_limits(&defaults);
    struct import im = {
        .dir = dir,
        .dir_abs = g_canonicalize_filename(dir, NULL),
        .dirfd = -1,
        .lim = limits ? limits : &defaults,
        .diags = diags,
        .wanted = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, wanted_free),
    };
    GArray *found = g_array_new(FALSE, TRUE, sizeof(struct found));
    struct library_source *src = NULL;
    char *stage_path = NULL;
    int stage_fd = -1, lock = -1, r;

    im.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (im.dirfd < 0) {
        r = -errno;
        loa_diag_list_add(diags, LOA_SEV_ERROR, dir, 0, "cannot open the folder: %s", strerror(-r));
        if (r == -ENOENT || r == -ENOTDIR)
            r = -EINVAL;
        goto out;
    }
    /* Refuse up front, before reading anything, on a kernel without openat2. */
    long probe = sys_openat2(im.dirfd, ".", O_PATH | O_CLOEXEC);
    if (probe < 0 && (errno == ENOSYS || errno == E2BIG)) {
        r = -ENOSYS;
        goto out;
    }
    if (probe >= 0)
        close((int)probe);

    /* Phase 1: nothing is written. */
    if ((r = list_top(&im, found)) < 0)
        goto out;
    int bad = 0;
    for (guint i = 0; i < found->len; i++) {
        int e = read_playlist(&im, config, &g_array_index(found, struct found, i));
        if (e == -ENOSYS || e == -ENOMEM) {
            r = e;
            goto out;
        }
        if (e < 0)
            bad = e;
    }
    if (bad < 0) {
        r = bad == -EINVAL ? -EINVAL : bad;
        goto out;
    }

    /* Phase 2: under the writer lock, private copies, then one library change. */
    lock = library_lock(data_dir);
    if (lock < 0) {
        r = lock;
        loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0,
                          "library: cannot take the writer lock: %s", strerror(-r));
        goto out;
    }
    if ((r = library_staging_new(data_dir, &stage_path, &stage_fd)) < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, data_dir, 0,
                          "library: cannot create a staging directory: %s", strerror(-r));
        goto out;
    }
    struct statvfs vfs;
    if (fstatvfs(stage_fd, &vfs) == 0 &&
        (uint64_t)vfs.f_bavail * vfs.f_frsize < im.total + IMPORT_SPACE_MARGIN) {
        loa_diag_list_add(
            diags, LOA_SEV_ERROR, data_dir, 0,
            "not enough free space: the folder's media need %" PRIu64 " MiB, %" PRIu64 " MiB free",
            (im.total + IMPORT_SPACE_MARGIN) >> 20, ((uint64_t)vfs.f_bavail * vfs.f_frsize) >> 20);
        r = -ENOSPC;
        goto out;
    }
    if (mkdirat(stage_fd, "files", 0700) < 0) {
        r = -errno;
        goto out;
    }
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, im.wanted);
    while (g_hash_table_iter_next(&it, &k, &v))
        if ((r = stage_one(&im, stage_fd, stage_path, v)) < 0)
            goto out;

    /* Point the playlists at the private copies. */
    src = g_new0(struct library_source, found->len);
    for (guint i = 0; i < found->len; i++) {
        struct found *f = &g_array_index(found, struct found, i);
        struct loa_playlist *p = f->playlist;
        for (size_t j = 0; j < p->n_items + p->n_notices; j++) {
            bool item = j < p->n_items;
            const char *id = item ? p->items[j].id : p->notices[j - p->n_items].id;
            char **slot = item ? &p->items[j].file : &p->notices[j - p->n_items].image;
            if (item && p->items[j].kind != PLAN_KIND_ANNOUNCEMENT)
                continue;
            if (!item && !**slot)
                continue;
            const char *raw = g_hash_table_lookup(item ? f->raw.items : f->raw.notices, id);
            char *canon = g_canonicalize_filename(raw, "/");
            struct wanted *w = g_hash_table_lookup(im.wanted, canon + 1);
            g_free(canon);
            free(*slot);
            *slot = strdup(w->staged);
        }
        src[i].source = g_build_filename(im.dir_abs, f->name, NULL);
        src[i].text = f->text;
        src[i].len = f->len;
        src[i].playlist = p;
    }
    struct library_change_options opts = {
        .flags = LIBRARY_CHANGE_LINK_MEDIA,
        .now_usec = now_usec,
        .lock_held = true,
    };
    size_t before = diags->n;
    r = library_change(data_dir, config, src, found->len, NULL, 0, &opts, ret_change, diags);
    char *prefix = g_strconcat(stage_path, "/files/", NULL);
    rename_in_diags(diags, before, prefix, im.dir_abs);
    g_free(prefix);
out:
    if (r == -ENOSYS)
        loa_diag_list_add(diags, LOA_SEV_ERROR, dir, 0,
                          "refused: this kernel has no openat2() (Linux 5.6 or later is "
                          "needed); Loa will not read a USB stick without it");
    library_staging_remove(stage_path, stage_fd);
    library_unlock(lock);
    if (src)
        for (guint i = 0; i < found->len; i++)
            g_free((char *)src[i].source);
    g_free(src);
    for (guint i = 0; i < found->len; i++) {
        struct found *f = &g_array_index(found, struct found, i);
        g_free(f->name);
        free(f->text);
        loa_playlist_free(f->playlist);
        raw_paths_clear(&f->raw);
    }
    g_array_free(found, TRUE);
    g_hash_table_unref(im.wanted);
    if (im.dirfd >= 0)
        close(im.dirfd);
    g_free(im.dir_abs);
    return r;
}
