/* File I/O for exports and keys: untrusted reads through a directory descriptor,
 * atomic durable writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger_internal.h"

int ledger_read_file_at(int dirfd, const char *name, size_t cap, uint8_t **ret, size_t *ret_len)
{
    if (strchr(name, '/'))
        return -EINVAL;
    /* O_NOFOLLOW: a symlink planted in an export folder is refused, not followed.
     * O_NONBLOCK: a FIFO must not hang us before fstat() says what it is. */
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? -EINVAL : -errno;
    struct stat st;
    int e = 0;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) < 0) {
        e = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        e = -EINVAL;
        goto out;
    }
    if ((uint64_t)st.st_size > cap) {
        e = -EFBIG;
        goto out;
    }
    size_t size = (size_t)st.st_size;
    buf = malloc(size + 1);
    if (!buf) {
        e = -ENOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            e = -errno;
            goto out;
        }
        if (n == 0)
            break; /* shrank while reading: take what is there */
        got += (size_t)n;
    }
    buf[got] = '\0';
    *ret = buf;
    *ret_len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return e;
}

int ledger_write_file_at(int dirfd, const char *name, const void *data, size_t len, int mode)
{
    char tmp[256];
    if (snprintf(tmp, sizeof tmp, ".%s.tmp.%ld", name, (long)getpid()) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    int e = 0;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            e = -errno;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    if (e == 0 && fchmod(fd, (mode_t)mode) < 0)
        e = -errno;
    if (e == 0 && fsync(fd) < 0)
        e = -errno;
    if (close(fd) < 0 && e == 0)
        e = -errno;
    if (e == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
        e = -errno;
    if (e < 0)
        unlinkat(dirfd, tmp, 0);
    else
        fsync(dirfd);
    return e;
}
