/* libFuzzer target for the export verifier (ledger_verify_export_mem): the CSV parser,
 * the minisign signature parser, the trusted comment, the manifest rebuild and the
 * chain walk all see attacker-controlled bytes here. Build with -DLOA_FUZZ=ON (clang);
 * the corpus replays as the ordinary test test_ledger_fuzz_replay. */
#include <string.h>

#include <sodium.h>

#include "fuzz_verify.h"
#include "ledger_verify.h"

void fuzz_ledger_key(struct ledger_key *k)
{
    uint8_t seed[32];
    memset(k, 0, sizeof(*k));
    memset(seed, 0x4C, sizeof seed);
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    memcpy(k->keynum, "LOAFUZZ!", LEDGER_KEYNUM_SIZE);
    ledger_key_id_format(k->keynum, k->key_id);
    k->has_secret = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ledger_keyring *kr;
    if (!kr) {
        struct ledger_key k;
        if (sodium_init() < 0 || ledger_keyring_new(&kr) < 0)
            return 0;
        fuzz_ledger_key(&k);
        ledger_keyring_add(kr, FUZZ_DEVICE, k.keynum, k.pk, LEDGER_NO_DAY, LEDGER_NO_DAY);
    }
    /* Four parts: airtime.csv, manifest.json and their .minisig files. */
    const uint8_t *part[4] = {data, NULL, NULL, NULL};
    size_t len[4] = {size, 0, 0, 0};
    size_t sl = strlen(FUZZ_SPLIT);
    for (int i = 1; i < 4; i++) {
        const uint8_t *p = part[i - 1];
        const uint8_t *end = p + len[i - 1];
        const uint8_t *hit = NULL;
        for (const uint8_t *q = p; q + sl <= end; q++) {
            if (memcmp(q, FUZZ_SPLIT, sl) == 0) {
                hit = q;
                break;
            }
        }
        if (!hit) {
            part[i] = end;
            len[i] = 0;
            continue;
        }
        len[i - 1] = (size_t)(hit - p);
        part[i] = hit + sl;
        len[i] = (size_t)(end - part[i]);
    }
    struct ledger_verify_options o = {.keys = kr};
    struct ledger_verify_result res;
    ledger_verify_export_mem(part[0], len[0], part[1], len[1], part[2], len[2], part[3], len[3], &o,
                             &res);
    return 0;
}
