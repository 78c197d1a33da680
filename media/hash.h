/* SHA-256 of media and playlist files (libsodium's streaming crypto_hash_sha256).
 *
 * The library names media by their SHA-256 and records it; the daemon checks it again
 * before airing. Hashes are exchanged as 64 lowercase hex digits everywhere.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_SHA256_SIZE 32
/* 64 hex digits and the NUL. */
#define MEDIA_SHA256_HEX_SIZE 65

/**
 * Hash data[0..len) into ret_hex (64 lowercase hex digits, NUL-terminated).
 * Returns 0 (libsodium cannot fail here, but initialisation can: -EIO).
 */
int media_sha256_buf(const void *data, size_t len, char ret_hex[MEDIA_SHA256_HEX_SIZE]);

/**
 * Hash everything read from fd (from its current offset to end of file). Refuses
 * more than max_bytes (-EFBIG; 0 = no cap). On success writes ret_hex and, if not NULL,
 * *ret_size. Errors: -EFBIG, a read error's negative errno, -EIO. fd stays open.
 */
int media_sha256_fd(int fd, uint64_t max_bytes, char ret_hex[MEDIA_SHA256_HEX_SIZE],
                    uint64_t *ret_size);

/**
 * Hash the regular file at path (opened O_RDONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK;
 * anything but a regular file is refused with -EINVAL). Returns as media_sha256_fd().
 */
int media_sha256_file(const char *path, char ret_hex[MEDIA_SHA256_HEX_SIZE], uint64_t *ret_size);

/**
 * Copy in_fd (from its offset) to out_fd while hashing what was copied, writing
 * everything (short writes retried). Refuses more than max_bytes (-EFBIG; 0 = no cap)
 * — the copy stops there, so a file that grows while it is read cannot exhaust the
 * disk. Does not fsync. On success writes ret_hex and *ret_size (may be NULL).
 * Errors: -EFBIG, a read or write error's negative errno (-ENOSPC ...).
 */
int media_copy_hash_fd(int in_fd, int out_fd, uint64_t max_bytes,
                       char ret_hex[MEDIA_SHA256_HEX_SIZE], uint64_t *ret_size);

/** Is s exactly 64 lowercase hex digits? */
bool media_sha256_is_hex(const char *s);
