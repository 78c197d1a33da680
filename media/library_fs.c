/* The library's file-system mechanics: the reader protocol, the writer lock, staging
 * directories, garbage collection, and careful small-file I/O.
 *
 * Locks are flock(2) locks: they vanish with the process, so a SIGKILLed writer or
 * reader never leaves the library locked. Why flock on directories and not a lock file
 * per generation: the directory is what must stay, and holding an fd on it with a
 * shared lock is exactly "I am using this"; nothing is written to mark it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "library_private.h"

bool lib_parse_gen_name(const char *name, uint64_t *ret_generation)
{
    size_t pl = strlen(LIB_GEN_PREFIX);
    if (strncmp(name, LIB_GEN_PREFIX, pl) != 0)
        return false;
    const char *d = name + pl;
    size_t n = strlen(d);
    if (n < 8 || n > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] < '0' || d[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(d[i] - '0');
    }
    if (v == 0)
        return false;
    /* Only the canonical spelling: one generation, one name. */
    char canon[32];
    snprintf(canon, sizeof canon, "%08" PRIu64, v);
    if (strcmp(canon, d) != 0)
        return false;
    *ret_generation = v;
    return true;
}

int lib_read_at(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    int r = 0;
    char *buf = NULL;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        r = -EBADMSG;
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        r = -EFBIG;
        goto out;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    buf = malloc(cap + 1);
    if (!buf) {
        r = -ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap) { /* grew since fstat: refuse rather than chase it */
            r = -EFBIG;
            goto out;
        }
    }
    buf[len] = '\0';
    *ret_data = buf;
    *ret_len = len;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return r;
}

int lib_write_at(int dirfd, const char *name, const void *data, size_t len)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    const char *p = data;
    int r = 0;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        p += w;
        len -= (size_t)w;
    }
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    return r;
}

int lib_fsync_dir(int dirfd, const char *name)
{
    int fd = dirfd;
    if (name) {
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            return -errno;
    }
    int r = fsync(fd) < 0 ? -errno : 0;
    if (name)
        close(fd);
    return r;
}

int lib_rm_rf_at(int dfd, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = -errno;
        close(fd);
        return e;
    }
    int r = 0;
    struct dirent *de;
    while ((errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int e = lib_rm_rf_at(dirfd(d), de->d_name);
        if (e < 0 && r == 0)
            r = e;
    }
    closedir(d);
    if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
        r = -errno;
    return r;
}

int lib_open_dir(const char *data_dir, bool create, int *ret_fd)
{
    char *path = g_build_filename(data_dir, LIB_DIR, NULL);
    if (create && g_mkdir_with_parents(path, 0755) < 0) {
        int e = -errno;
        g_free(path);
        return e;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = -errno;
    g_free(path);
    if (fd < 0)
        return e;
    *ret_fd = fd;
    return 0;
}

/* Read `current` (a relative symlink "gen-NNNNNNNN"). 0 with the generation, -ENOENT
 * when absent, -EBADMSG when it names anything else. */
static int read_current(int libfd, uint64_t *ret_generation)
{
    char target[64];
    ssize_t n = readlinkat(libfd, LIB_CURRENT, target, sizeof target - 1);
    if (n < 0)
        return errno == ENOENT ? -ENOENT : errno == EINVAL ? -EBADMSG : -errno;
    target[n] = '\0';
    if (!lib_parse_gen_name(target, ret_generation))
        return -EBADMSG;
    return 0;
}

int lib_open_current(int libfd, uint64_t *ret_generation, int *ret_fd)
{
    /* Each retry means a writer retired the generation we were about to use, which
     * needs a new change to complete in between: a handful of rounds is plenty. */
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t gen;
        int r = read_current(libfd, &gen);
        if (r == -ENOENT) {
            *ret_generation = 0;
            *ret_fd = -1;
            return 0;
        }
        if (r < 0)
            return r;
        char name[32];
        snprintf(name, sizeof name, LIB_GEN_PREFIX "%08" PRIu64, gen);
        int fd = openat(libfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            return -errno;
        }
        while (flock(fd, LOCK_SH) < 0) {
            if (errno != EINTR) {
                int e = -errno;
                close(fd);
                return e;
            }
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && fstatat(libfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
            a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            *ret_generation = gen;
            *ret_fd = fd;
            return 0;
        }
        close(fd); /* retired under us: look again */
    }
    return -EAGAIN;
}

int library_current_generation(const char *data_dir, uint64_t *ret_generation)
{
    int libfd;
    int r = lib_open_dir(data_dir, false, &libfd);
    if (r == -ENOENT) {
        *ret_generation = 0;
        return 0;
    }
    if (r < 0)
        return r;
    uint64_t gen = 0;
    r = read_current(libfd, &gen);
    close(libfd);
    if (r == -ENOENT) {
        gen = 0;
        r = 0;
    }
    if (r == 0)
        *ret_generation = gen;
    return r;
}

void lib_gc(int libfd, uint64_t keep_generation)
{
    int fd = dup(libfd);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    struct dirent *de;
    rewinddir(d);
    while ((de = readdir(d)))
        g_ptr_array_add(names, g_strdup(de->d_name));
    closedir(d);

    for (guint i = 0; i < names->len; i++) {
        const char *name = names->pdata[i];
        uint64_t gen;
        bool is_gen = lib_parse_gen_name(name, &gen);
        if (strcmp(name, LIB_CURRENT_TMP) == 0) {
            unlinkat(libfd, name, 0);
            continue;
        }
        if (!(is_gen && gen != keep_generation) &&
            strncmp(name, LIB_STAGING_PREFIX, strlen(LIB_STAGING_PREFIX)) != 0 &&
            strncmp(name, LIB_TRASH_PREFIX, strlen(LIB_TRASH_PREFIX)) != 0)
            continue;
        int dfd = openat(libfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
            continue;
        if (flock(dfd, LOCK_EX | LOCK_NB) < 0) {
            close(dfd); /* a reader (or a live writer's staging) holds it */
            continue;
        }
        const char *victim = name;
        char *trash = NULL;
        if (is_gen) {
            /* Retire it under a name no reader looks up before removing files, so a
             * reader never finds a half-deleted generation under its real name. */
            trash = g_strconcat(LIB_TRASH_PREFIX, name, NULL);
            lib_rm_rf_at(libfd, trash);
            if (renameat(libfd, name, libfd, trash) == 0)
                victim = trash;
        }
        lib_rm_rf_at(libfd, victim);
        g_free(trash);
        close(dfd);
    }
    g_ptr_array_unref(names);
}

int library_lock(const char *data_dir)
{
    int libfd;
    int r = lib_open_dir(data_dir, true, &libfd);
    if (r < 0)
        return r;
    int fd = openat(libfd, LIB_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    r = fd < 0 ? -errno : 0;
    close(libfd);
    if (r < 0)
        return r;
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            r = -errno;
            close(fd);
            return r;
        }
    }
    return fd;
}

int library_unlock(int lock_fd)
{
    if (lock_fd >= 0)
        close(lock_fd); /* closing the last fd of the open file drops the flock */
    return -1;
}

int library_staging_new(const char *data_dir, char **ret_path, int *ret_fd)
{
    char *path = g_strconcat(data_dir, "/" LIB_DIR "/" LIB_STAGING_PREFIX "XXXXXX", NULL);
    if (!mkdtemp(path)) {
        int e = -errno;
        g_free(path);
        return e;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = -errno;
        if (fd >= 0)
            close(fd);
        rmdir(path);
        g_free(path);
        return e;
    }
    *ret_path = path;
    *ret_fd = fd;
    return 0;
}

void library_staging_remove(char *path, int fd)
{
    if (path) {
        char *dir = g_path_get_dirname(path);
        char *base = g_path_get_basename(path);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            lib_rm_rf_at(dfd, base);
            close(dfd);
        }
        g_free(dir);
        g_free(base);
    }
    if (fd >= 0)
        close(fd);
    g_free(path);
}
