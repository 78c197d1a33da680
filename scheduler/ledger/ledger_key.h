/* The device key: Ed25519 (libsodium), kept in minisign's own file formats.
 *
 * DATA_DIR/keys/device.key  the secret key, mode 0600, minisign's unencrypted secret
 *                           key format (so `minisign -S -s device.key` could use it)
 * DATA_DIR/keys/device.pub  the public key, mode 0644, minisign's public key format:
 *                           "untrusted comment: minisign public key <KEYID>\n" and the
 *                           base64 of "Ed" || key number (8 bytes) || public key (32)
 * The key id shown everywhere is minisign's: the key number read as a little-endian
 * 64-bit integer, 16 uppercase hex digits.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define LEDGER_KEYNUM_SIZE 8
#define LEDGER_PK_SIZE 32
#define LEDGER_SK_SIZE 64
#define LEDGER_SIG_SIZE 64
/* base64 of "Ed" || keynum || pk: 42 bytes -> 56 characters */
#define LEDGER_PUBKEY_B64_LEN 56

struct ledger_key {
    uint8_t keynum[LEDGER_KEYNUM_SIZE];
    uint8_t pk[LEDGER_PK_SIZE];
    char key_id[17]; /* "%016" PRIX64 of le64(keynum) */
    bool has_secret;
    uint8_t sk[LEDGER_SK_SIZE]; /* valid when has_secret; wiped by ledger_key_free() */
};

/**
 * Load the device key from keys_dir (DATA_DIR/keys), creating the directory (0755) and
 * a new key pair when there is none: the secret file is written 0600 and linked into
 * place atomically (a concurrent creator's key wins; both then load the same key);
 * device.pub (0644) is rewritten from the secret key when missing.
 * Returns 0 and *ret_key (free with ledger_key_free()); *ret_created (may be NULL) says
 * whether this call made the key. Errors: -EACCES/-EPERM/-EROFS (cannot create or
 * read), -EBADMSG (a key file is malformed or the two files disagree), -EIO.
 */
int ledger_key_load_or_create(const char *keys_dir, struct ledger_key **ret_key, bool *ret_created,
                              struct loa_diag *reterr);

/**
 * Load only the public key from a minisign public key file (two lines). Returns 0 and
 * *ret_key (has_secret false), -ENOENT, -EBADMSG (malformed, non-canonical base64,
 * unexpected comment), -EIO.
 */
int ledger_key_load_public(const char *pub_path, struct ledger_key **ret_key,
                           struct loa_diag *reterr);

/** Wipe and free; accepts NULL; returns NULL. */
struct ledger_key *ledger_key_free(struct ledger_key *k);

/** The two-line public key file text ("untrusted comment: ...\n<base64>\n") into buf
 *  (>= 128 bytes). Returns buf. */
char *ledger_key_public_file(const struct ledger_key *k, char *buf, size_t size);

/** Just the base64 line (56 characters) into buf (>= 57 bytes), as used in --keys files. */
char *ledger_key_public_b64(const struct ledger_key *k, char *buf, size_t size);

/**
 * Parse the base64 public key line: canonical base64 of exactly 42 bytes starting with
 * "Ed". Returns 0 and fills keynum and pk, or -EBADMSG.
 */
int ledger_key_parse_public_b64(const char *b64, uint8_t ret_keynum[LEDGER_KEYNUM_SIZE],
                                uint8_t ret_pk[LEDGER_PK_SIZE]);

/** Format a key number as the key id (17 bytes buffer). */
char *ledger_key_id_format(const uint8_t keynum[LEDGER_KEYNUM_SIZE], char buf[17]);

/** Ed25519-sign msg into sig. -EPERM when the key has no secret part. */
int ledger_key_sign(const struct ledger_key *k, const void *msg, size_t len,
                    uint8_t ret_sig[LEDGER_SIG_SIZE]);

/** Verify an Ed25519 signature with a bare public key: true when valid. */
bool ledger_sig_verify(const uint8_t pk[LEDGER_PK_SIZE], const void *msg, size_t len,
                       const uint8_t sig[LEDGER_SIG_SIZE]);

/**
 * Canonical base64 (RFC 4648 with padding): decode s (exactly len characters, no
 * whitespace) into out (cap bytes); refuses any text that would not be re-encoded to
 * exactly s. Returns the decoded length or -EBADMSG.
 */
int ledger_b64_decode_canonical(const char *s, size_t len, uint8_t *out, size_t cap);
/** Base64-encode with padding into buf; returns buf (buf >= 4*ceil(len/3)+1). */
char *ledger_b64_encode(const uint8_t *in, size_t len, char *buf, size_t size);
