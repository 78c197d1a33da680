/* The device key: creation, loading, minisign key file formats, signing. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ledger_internal.h"
#include "ledger_key.h"

#define SECRET_NAME "device.key"
#define PUBLIC_NAME "device.pub"
#define PUB_COMMENT "untrusted comment: minisign public key "
#define SECRET_COMMENT "untrusted comment: loa device secret key (unencrypted minisign format)"

/* minisign's secret key layout with no KDF (`minisign -G -W`). */
#define SK_SIG_ALG 0
#define SK_KDF_ALG 2
#define SK_CHK_ALG 4
#define SK_SALT 6
#define SK_OPS 38
#define SK_MEM 46
#define SK_KEYNUM 54
#define SK_SK 62
#define SK_CHK 126
#define SK_SIZE 158

static int ensure_sodium(void)
{
    return sodium_init() < 0 ? -EIO : 0;
}

char *ledger_key_id_format(const uint8_t keynum[LEDGER_KEYNUM_SIZE], char buf[17])
{
    uint64_t v = 0;
    for (int i = LEDGER_KEYNUM_SIZE - 1; i >= 0; i--)
        v = v << 8 | keynum[i];
    snprintf(buf, 17, "%016" PRIX64, v);
    return buf;
}

char *ledger_key_public_b64(const struct ledger_key *k, char *buf, size_t size)
{
    uint8_t raw[2 + LEDGER_KEYNUM_SIZE + LEDGER_PK_SIZE];
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, k->keynum, LEDGER_KEYNUM_SIZE);
    memcpy(raw + 2 + LEDGER_KEYNUM_SIZE, k->pk, LEDGER_PK_SIZE);
    return ledger_b64_encode(raw, sizeof raw, buf, size);
}

char *ledger_key_public_file(const struct ledger_key *k, char *buf, size_t size)
{
    char b64[LEDGER_PUBKEY_B64_LEN + 1];
    snprintf(buf, size, PUB_COMMENT "%s\n%s\n", k->key_id,
             ledger_key_public_b64(k, b64, sizeof b64));
    return buf;
}

int ledger_key_parse_public_b64(const char *b64, uint8_t ret_keynum[LEDGER_KEYNUM_SIZE],
                                uint8_t ret_pk[LEDGER_PK_SIZE])
{
    uint8_t raw[64];
    int n = ledger_b64_decode_canonical(b64, strlen(b64), raw, sizeof raw);
    if (n != 2 + LEDGER_KEYNUM_SIZE + LEDGER_PK_SIZE || memcmp(raw, "Ed", 2) != 0)
        return -EBADMSG;
    memcpy(ret_keynum, raw + 2, LEDGER_KEYNUM_SIZE);
    memcpy(ret_pk, raw + 2 + LEDGER_KEYNUM_SIZE, LEDGER_PK_SIZE);
    return 0;
}

/* Split text into exactly two LF-terminated lines. */
static int two_lines(char *text, size_t len, char **ret_l1, char **ret_l2)
{
    if (len == 0 || text[len - 1] != '\n' || strlen(text) != len)
        return -EBADMSG;
    char *nl = strchr(text, '\n');
    if (!nl || nl + 1 >= text + len)
        return -EBADMSG;
    *nl = '\0';
    char *l2 = nl + 1;
    char *nl2 = strchr(l2, '\n');
    if (nl2 != text + len - 1)
        return -EBADMSG;
    *nl2 = '\0';
    *ret_l1 = text;
    *ret_l2 = l2;
    return 0;
}

static int parse_public_text(char *text, size_t len, struct ledger_key *k)
{
    char *l1, *l2;
    if (two_lines(text, len, &l1, &l2) < 0)
        return -EBADMSG;
    if (ledger_key_parse_public_b64(l2, k->keynum, k->pk) < 0)
        return -EBADMSG;
    ledger_key_id_format(k->keynum, k->key_id);
    /* The comment must be the one minisign writes for this very key. */
    char want[128];
    snprintf(want, sizeof want, PUB_COMMENT "%s", k->key_id);
    if (strcmp(l1, want) != 0)
        return -EBADMSG;
    return 0;
}

static int read_small(int dirfd, const char *name, char **ret, size_t *ret_len)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int e = ledger_read_file_at(dirfd, name, 4096, &data, &len);
    if (e < 0)
        return e;
    *ret = (char *)data;
    *ret_len = len;
    return 0;
}

int ledger_key_load_public(const char *pub_path, struct ledger_key **ret_key,
                           struct loa_diag *reterr)
{
    char dir[4096];
    const char *slash = strrchr(pub_path, '/');
    const char *name = pub_path;
    if (slash) {
        size_t n = (size_t)(slash - pub_path);
        if (n >= sizeof dir)
            return -ENAMETOOLONG;
        memcpy(dir, pub_path, n);
        dir[n] = '\0';
        if (n == 0)
            strcpy(dir, "/");
        name = slash + 1;
    } else {
        strcpy(dir, ".");
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return loa_diag_set(reterr, -errno, LOA_SEV_ERROR, pub_path, 0, "cannot open: %s",
                            strerror(errno));
    char *text = NULL;
    size_t len = 0;
    int e = read_small(dfd, name, &text, &len);
    close(dfd);
    if (e < 0)
        return loa_diag_set(reterr, e, LOA_SEV_ERROR, pub_path, 0, "cannot read: %s", strerror(-e));
    struct ledger_key *k = calloc(1, sizeof(*k));
    if (!k) {
        free(text);
        return -ENOMEM;
    }
    e = parse_public_text(text, len, k);
    free(text);
    if (e < 0) {
        free(k);
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, pub_path, 0,
                            "not a minisign public key file");
    }
    *ret_key = k;
    return 0;
}

static void secret_checksum(const uint8_t *raw, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, raw + SK_SIG_ALG, 2);
    crypto_generichash_update(&st, raw + SK_KEYNUM, LEDGER_KEYNUM_SIZE);
    crypto_generichash_update(&st, raw + SK_SK, LEDGER_SK_SIZE);
    crypto_generichash_final(&st, out, 32);
}

static int parse_secret_text(char *text, size_t len, struct ledger_key *k)
{
    char *l1, *l2;
    uint8_t raw[SK_SIZE + 8];
    uint8_t chk[32];
    int e = -EBADMSG;
    if (two_lines(text, len, &l1, &l2) < 0 || strncmp(l1, "untrusted comment: ", 19) != 0)
        goto out;
    if (ledger_b64_decode_canonical(l2, strlen(l2), raw, sizeof raw) != SK_SIZE)
        goto out;
    if (memcmp(raw + SK_SIG_ALG, "Ed", 2) != 0 || memcmp(raw + SK_KDF_ALG, "\0\0", 2) != 0 ||
        memcmp(raw + SK_CHK_ALG, "B2", 2) != 0)
        goto out;
    secret_checksum(raw, chk);
    if (sodium_memcmp(chk, raw + SK_CHK, 32) != 0)
        goto out;
    memcpy(k->keynum, raw + SK_KEYNUM, LEDGER_KEYNUM_SIZE);
    memcpy(k->sk, raw + SK_SK, LEDGER_SK_SIZE);
    crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
    ledger_key_id_format(k->keynum, k->key_id);
    k->has_secret = true;
    e = 0;
out:
    sodium_memzero(raw, sizeof raw);
    return e;
}

static int make_secret_text(const struct ledger_key *k, char **ret)
{
    uint8_t raw[SK_SIZE];
    memset(raw, 0, sizeof raw);
    memcpy(raw + SK_SIG_ALG, "Ed", 2);
    memcpy(raw + SK_CHK_ALG, "B2", 2);
    memcpy(raw + SK_KEYNUM, k->keynum, LEDGER_KEYNUM_SIZE);
    memcpy(raw + SK_SK, k->sk, LEDGER_SK_SIZE);
    secret_checksum(raw, raw + SK_CHK);
    size_t b64len = sodium_base64_ENCODED_LEN(SK_SIZE, sodium_base64_VARIANT_ORIGINAL);
    size_t total = strlen(SECRET_COMMENT) + 1 + b64len + 2;
    char *text = malloc(total);
    if (!text) {
        sodium_memzero(raw, sizeof raw);
        return -ENOMEM;
    }
    int n = snprintf(text, total, "%s\n", SECRET_COMMENT);
    ledger_b64_encode(raw, SK_SIZE, text + n, total - (size_t)n);
    strcat(text, "\n");
    sodium_memzero(raw, sizeof raw);
    *ret = text;
    return 0;
}

/* Write the secret key file so that it appears complete or not at all, and never
 * replaces a key someone else created meanwhile (link() fails with EEXIST). */
static int create_secret(int dfd, const struct ledger_key *k)
{
    char *text = NULL;
    int e = make_secret_text(k, &text);
    if (e < 0)
        return e;
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".device.key.%ld", (long)getpid());
    unlinkat(dfd, tmp, 0);
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        e = -errno;
        goto out;
    }
    size_t len = strlen(text);
    if (fchmod(fd, 0600) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
        e = errno ? -errno : -EIO;
    close(fd);
    if (e == 0 && linkat(dfd, tmp, dfd, SECRET_NAME, 0) < 0)
        e = -errno;
    unlinkat(dfd, tmp, 0);
    fsync(dfd);
out:
    sodium_memzero(text, strlen(text));
    free(text);
    return e;
}

int ledger_key_load_or_create(const char *keys_dir, struct ledger_key **ret_key, bool *ret_created,
                              struct loa_diag *reterr)
{
    int e = ensure_sodium();
    if (e < 0)
        return loa_diag_set(reterr, e, LOA_SEV_ERROR, NULL, 0, "libsodium failed to start");
    if (mkdir(keys_dir, 0755) < 0 && errno != EEXIST)
        return loa_diag_set(reterr, -errno, LOA_SEV_ERROR, keys_dir, 0,
                            "cannot create the key directory: %s", strerror(errno));
    int dfd = open(keys_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return loa_diag_set(reterr, -errno, LOA_SEV_ERROR, keys_dir, 0, "cannot open: %s",
                            strerror(errno));

    struct ledger_key *k = sodium_malloc(sizeof(*k));
    bool created = false;
    char *text = NULL;
    size_t len = 0;
    if (!k) {
        e = -ENOMEM;
        goto fail;
    }
    memset(k, 0, sizeof(*k));

    e = read_small(dfd, SECRET_NAME, &text, &len);
    if (e == -ENOENT) {
        struct ledger_key nk;
        memset(&nk, 0, sizeof nk);
        randombytes_buf(nk.keynum, sizeof nk.keynum);
        crypto_sign_keypair(nk.pk, nk.sk);
        e = create_secret(dfd, &nk);
        sodium_memzero(&nk, sizeof nk);
        if (e < 0 && e != -EEXIST) {
            loa_diag_set(reterr, e, LOA_SEV_ERROR, keys_dir, 0, "cannot create the device key: %s",
                         strerror(-e));
            goto fail;
        }
        created = e == 0;
        e = read_small(dfd, SECRET_NAME, &text, &len);
    }
    if (e < 0) {
        loa_diag_set(reterr, e, LOA_SEV_ERROR, keys_dir, 0, "cannot read %s: %s", SECRET_NAME,
                     strerror(-e));
        goto fail;
    }
    e = parse_secret_text(text, len, k);
    sodium_memzero(text, len);
    free(text);
    text = NULL;
    if (e < 0) {
        loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, keys_dir, 0,
                     "%s is not a valid device secret key", SECRET_NAME);
        goto fail;
    }

    /* The public key file: rewrite it when missing (a crash between the two files);
     * refuse when it names another key. */
    char pubtext[256];
    ledger_key_public_file(k, pubtext, sizeof pubtext);
    e = read_small(dfd, PUBLIC_NAME, &text, &len);
    if (e == -ENOENT) {
        e = ledger_write_file_at(dfd, PUBLIC_NAME, pubtext, strlen(pubtext), 0644);
        if (e < 0) {
            loa_diag_set(reterr, e, LOA_SEV_ERROR, keys_dir, 0, "cannot write %s: %s", PUBLIC_NAME,
                         strerror(-e));
            goto fail;
        }
    } else if (e < 0) {
        loa_diag_set(reterr, e, LOA_SEV_ERROR, keys_dir, 0, "cannot read %s: %s", PUBLIC_NAME,
                     strerror(-e));
        goto fail;
    } else {
        bool same = len == strlen(pubtext) && memcmp(text, pubtext, len) == 0;
        free(text);
        text = NULL;
        if (!same) {
            e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, keys_dir, 0, "%s does not match %s",
                             PUBLIC_NAME, SECRET_NAME);
            goto fail;
        }
    }
    close(dfd);
    if (ret_created)
        *ret_created = created;
    *ret_key = k;
    return 0;
fail:
    free(text);
    if (k)
        sodium_free(k);
    close(dfd);
    return e;
}

struct ledger_key *ledger_key_free(struct ledger_key *k)
{
    if (!k)
        return NULL;
    if (k->has_secret) {
        sodium_free(k); /* wipes */
    } else {
        free(k);
    }
    return NULL;
}

int ledger_key_sign(const struct ledger_key *k, const void *msg, size_t len,
                    uint8_t ret_sig[LEDGER_SIG_SIZE])
{
    if (!k || !k->has_secret)
        return -EPERM;
    crypto_sign_detached(ret_sig, NULL, msg, len, k->sk);
    return 0;
}

bool ledger_sig_verify(const uint8_t pk[LEDGER_PK_SIZE], const void *msg, size_t len,
                       const uint8_t sig[LEDGER_SIG_SIZE])
{
    if (ensure_sodium() < 0)
        return false;
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}
