/* SHA-256 through libsodium's streaming API, over file descriptors. */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Big enough that syscalls do not dominate, small enough for a stack-free heap
 * buffer on a Raspberry Pi. */
#define HASH_CHUNK (256 * 1024)

static int hash_init(crypto_hash_sha256_state *st)
{
    /* sodium_init() is idempotent and thread-safe; it picks the fastest
     * implementation for this CPU. */
    if (sodium_init() < 0)
        return -EIO;
    crypto_hash_sha256_init(st);
    return 0;
}

static void hash_final(crypto_hash_sha256_state *st, char ret_hex[MEDIA_SHA256_HEX_SIZE])
{
    unsigned char out[MEDIA_SHA256_SIZE];
    crypto_hash_sha256_final(st, out);
    sodium_bin2hex(ret_hex, MEDIA_SHA256_HEX_SIZE, out, sizeof out);
}

int media_sha256_buf(const void *data, size_t len, char ret_hex[MEDIA_SHA256_HEX_SIZE])
{
    crypto_hash_sha256_state st;
    int r = hash_init(&st);
    if (r < 0)
        return r;
    crypto_hash_sha256_update(&st, data, len);
    hash_final(&st, ret_hex);
    return 0;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (w == 0)
            return -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The common loop: read in_fd, hash, optionally write to out_fd (-1 for none). */
static int hash_stream(int in_fd, int out_fd, uint64_t max_bytes,
                       char ret_hex[MEDIA_SHA256_HEX_SIZE], uint64_t *ret_size)
{
    crypto_hash_sha256_state st;
    uint64_t total = 0;
    int r = hash_init(&st);
    if (r < 0)
        return r;
    unsigned char *buf = malloc(HASH_CHUNK);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        ssize_t n = read(in_fd, buf, HASH_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            goto out;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (max_bytes && total > max_bytes) {
            r = -EFBIG;
            goto out;
        }
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
        if (out_fd >= 0 && (r = write_all(out_fd, buf, (size_t)n)) < 0)
            goto out;
    }
    hash_final(&st, ret_hex);
    if (ret_size)
        *ret_size = total;
    r = 0;
out:
    free(buf);
    return r;
}

int media_sha256_fd(int fd, uint64_t max_bytes, char ret_hex[MEDIA_SHA256_HEX_SIZE],
                    uint64_t *ret_size)
{
    return hash_stream(fd, -1, max_bytes, ret_hex, ret_size);
}

int media_copy_hash_fd(int in_fd, int out_fd, uint64_t max_bytes,
                       char ret_hex[MEDIA_SHA256_HEX_SIZE], uint64_t *ret_size)
{
    return hash_stream(in_fd, out_fd, max_bytes, ret_hex, ret_size);
}

int media_sha256_file(const char *path, char ret_hex[MEDIA_SHA256_HEX_SIZE], uint64_t *ret_size)
{
    /* O_NONBLOCK: a FIFO put in a file's place must not hang us before fstat. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    int r;
    if (fstat(fd, &st) < 0)
        r = -errno;
    else if (!S_ISREG(st.st_mode))
        r = -EINVAL;
    else
        r = media_sha256_fd(fd, 0, ret_hex, ret_size);
    close(fd);
    return r;
}

bool media_sha256_is_hex(const char *s)
{
    size_t i;
    for (i = 0; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == 64;
}
