/* minisign signature files, prehashed ("ED") form:
 *
 *   untrusted comment: <text>\n
 *   base64("ED" || key number (8) || Ed25519(BLAKE2b-512(file)))\n
 *   trusted comment: <text>\n
 *   base64(Ed25519(signature (64) || trusted comment text))\n
 *
 * Not libsodium's multi-part Ed25519ph (crypto_sign_init/update/final), which minisign
 * rejects: the message signed is the 64-byte BLAKE2b digest itself. */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "ledger_internal.h"

#define TRUSTED_PREFIX "trusted comment: "

static void prehash(const uint8_t *data, size_t len, uint8_t out[64])
{
    crypto_generichash(out, 64, data, len, NULL, 0);
}

int ledger_minisig_make(const struct ledger_key *k, const uint8_t *data, size_t len,
                        const char *untrusted_comment, const char *trusted_comment,
                        struct ledger_buf *out)
{
    uint8_t digest[64], sig[LEDGER_SIG_SIZE], global[LEDGER_SIG_SIZE];
    uint8_t line2[2 + LEDGER_KEYNUM_SIZE + LEDGER_SIG_SIZE];
    char b64[160];
    if (!k->has_secret)
        return -EPERM;
    if (sodium_init() < 0)
        return -EIO;
    prehash(data, len, digest);
    ledger_key_sign(k, digest, sizeof digest, sig);

    size_t tlen = strlen(trusted_comment);
    struct ledger_buf gm = {0};
    ledger_buf_append(&gm, sig, sizeof sig);
    ledger_buf_append(&gm, trusted_comment, tlen);
    if (gm.failed) {
        ledger_buf_free(&gm);
        return -ENOMEM;
    }
    ledger_key_sign(k, gm.data, gm.len, global);
    ledger_buf_free(&gm);

    memcpy(line2, "ED", 2);
    memcpy(line2 + 2, k->keynum, LEDGER_KEYNUM_SIZE);
    memcpy(line2 + 2 + LEDGER_KEYNUM_SIZE, sig, sizeof sig);
    ledger_buf_puts(out, untrusted_comment);
    ledger_buf_puts(out, "\n");
    ledger_buf_puts(out, ledger_b64_encode(line2, sizeof line2, b64, sizeof b64));
    ledger_buf_puts(out, "\n" TRUSTED_PREFIX);
    ledger_buf_puts(out, trusted_comment);
    ledger_buf_puts(out, "\n");
    ledger_buf_puts(out, ledger_b64_encode(global, sizeof global, b64, sizeof b64));
    ledger_buf_puts(out, "\n");
    return out->failed ? -ENOMEM : 0;
}

/* Next LF-terminated line of text; NULL when there is none. */
static const char *next_line(const char **pos, const char *end, size_t *ret_len)
{
    const char *p = *pos;
    if (p >= end)
        return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
        return NULL;
    *ret_len = (size_t)(nl - p);
    *pos = nl + 1;
    return p;
}

int ledger_minisig_parse(const uint8_t *text, size_t len, const char *expected_untrusted,
                         struct ledger_minisig *ret, struct loa_diag *reterr)
{
    const char *pos = (const char *)text, *end = pos + len;
    const char *l[4];
    size_t n[4];
    uint8_t raw[2 + LEDGER_KEYNUM_SIZE + LEDGER_SIG_SIZE + 4];

    for (int i = 0; i < 4; i++) {
        l[i] = next_line(&pos, end, &n[i]);
        if (!l[i])
            return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                                "signature file: expected 4 lines ending in LF");
    }
    if (pos != end)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                            "signature file: unexpected text after the 4th line");
    if (n[0] != strlen(expected_untrusted) || memcmp(l[0], expected_untrusted, n[0]) != 0)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                            "signature file: unexpected untrusted comment");
    if (ledger_b64_decode_canonical(l[1], n[1], raw, sizeof raw) !=
            2 + LEDGER_KEYNUM_SIZE + LEDGER_SIG_SIZE ||
        memcmp(raw, "ED", 2) != 0)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                            "signature file: the signature line is not canonical base64 of a "
                            "prehashed (ED) signature");
    memcpy(ret->keynum, raw + 2, LEDGER_KEYNUM_SIZE);
    memcpy(ret->sig, raw + 2 + LEDGER_KEYNUM_SIZE, LEDGER_SIG_SIZE);

    size_t plen = strlen(TRUSTED_PREFIX);
    if (n[2] < plen || memcmp(l[2], TRUSTED_PREFIX, plen) != 0 ||
        n[2] - plen >= sizeof ret->trusted_comment)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                            "signature file: bad trusted comment line");
    for (size_t i = plen; i < n[2]; i++)
        if ((unsigned char)l[2][i] < 0x20 || (unsigned char)l[2][i] > 0x7E)
            return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                                "signature file: trusted comment is not printable ASCII");
    memcpy(ret->trusted_comment, l[2] + plen, n[2] - plen);
    ret->trusted_comment[n[2] - plen] = '\0';

    if (ledger_b64_decode_canonical(l[3], n[3], raw, sizeof raw) != LEDGER_SIG_SIZE)
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                            "signature file: the global signature is not canonical base64");
    memcpy(ret->global_sig, raw, LEDGER_SIG_SIZE);
    return 0;
}

bool ledger_minisig_check(const struct ledger_minisig *m, const uint8_t pk[LEDGER_PK_SIZE],
                          const uint8_t *data, size_t len)
{
    uint8_t digest[64];
    if (sodium_init() < 0)
        return false;
    prehash(data, len, digest);
    if (!ledger_sig_verify(pk, digest, sizeof digest, m->sig))
        return false;
    size_t tlen = strlen(m->trusted_comment);
    uint8_t gm[LEDGER_SIG_SIZE + sizeof m->trusted_comment];
    memcpy(gm, m->sig, LEDGER_SIG_SIZE);
    memcpy(gm + LEDGER_SIG_SIZE, m->trusted_comment, tlen);
    return ledger_sig_verify(pk, gm, LEDGER_SIG_SIZE + tlen, m->global_sig);
}
