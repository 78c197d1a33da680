/* Replays the export verifier's fuzz corpus as an ordinary test, checks that a valid
 * export assembled the harness's way verifies (so the corpus reaches the deep paths),
 * and runs a few thousand deterministic mutations of it (a poor man's fuzzer that runs
 * under ASan in every CI build). `--write-seed FILE` regenerates corpus/valid-export. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>

#include <sodium.h>

#include "civil.h"
#include "fuzz_verify.h"
#include "ledger.h"
#include "ledger_export.h"
#include "ledger_verify.h"

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* A small but complete export signed with the fixed key. */
static GByteArray *make_valid_input(void)
{
    struct ledger_key k;
    fuzz_ledger_key(&k);
    char *dir = g_dir_make_tmp("loa-fuzz-XXXXXX", NULL);
    g_assert_nonnull(dir);
    char *db = g_build_filename(dir, "ledger.db", NULL);
    char *out = g_build_filename(dir, "export", NULL);
    struct ledger_identity id = {.device_id = FUZZ_DEVICE,
                                 .unit_codes = "2020",
                                 .province_code = "01",
                                 .province_name = "Thành phố Hà Nội",
                                 .commune_code = "09552",
                                 .commune_name = "Phường Văn Quán"};
    struct ledger_open_options o = {.identity = &id, .key = &k};
    struct ledger *l = NULL;
    g_assert_cmpint(ledger_open(db, &o, &l, NULL, NULL), ==, 0);
    int64_t t = INT64_C(1604275200000000);
    for (int i = 0; i < 3; i++) {
        char key[64];
        snprintf(key, sizeof key, "2020-11-02/sang/tmdt-0%d/1", i);
        struct ledger_record r;
        ledger_record_init(&r, LEDGER_AIRING);
        r.phase = LEDGER_PHASE_FINAL;
        r.written_usec = t + i;
        r.source = LEDGER_SOURCE_PLAN;
        r.airing_kind = LEDGER_AIRING_KIND_ANNOUNCEMENT;
        r.item_id = "tmdt-01";
        r.title = "Cảnh giác \"hàng giả\", hàng nhái";
        r.session_id = "sang";
        r.session_day = civil_from_ymd(2020, 11, 2);
        r.airing_key = key;
        r.played_ms = 95000;
        r.outcome = i == 2 ? LEDGER_OUTCOME_MISSED : LEDGER_OUTCOME_COMPLETED;
        r.reason = i == 2 ? "downtime" : "";
        g_assert_cmpint(ledger_append(l, &r, NULL, NULL), ==, 0);
    }
    g_assert_cmpint(
        ledger_append_checkpoint(l, t + 10, LEDGER_TRUST_SYNCED, NULL, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint(ledger_export(l, &k, INT64_MAX, out, t + 20, LEDGER_TRUST_SYNCED, NULL, NULL),
                    ==, 0);
    ledger_close(l);
    static const char *const names[] = {"airtime.csv", "manifest.json", "airtime.csv.minisig",
                                        "manifest.json.minisig"};
    GByteArray *in = g_byte_array_new();
    for (int i = 0; i < 4; i++) {
        char *p = g_build_filename(out, names[i], NULL);
        char *data = NULL;
        gsize n = 0;
        g_assert_true(g_file_get_contents(p, &data, &n, NULL));
        if (i)
            g_byte_array_append(in, (const guint8 *)FUZZ_SPLIT, (guint)strlen(FUZZ_SPLIT));
        g_byte_array_append(in, (const guint8 *)data, (guint)n);
        g_free(data);
        g_free(p);
    }
    nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
    g_free(db);
    g_free(out);
    g_free(dir);
    return in;
}

static void test_valid_seed(void)
{
    GByteArray *in = make_valid_input();
    /* The harness's split gives back a verifying export. */
    struct ledger_key k;
    fuzz_ledger_key(&k);
    struct ledger_keyring *kr = NULL;
    g_assert_cmpint(ledger_keyring_new(&kr), ==, 0);
    g_assert_cmpint(
        ledger_keyring_add(kr, FUZZ_DEVICE, k.keynum, k.pk, LEDGER_NO_DAY, LEDGER_NO_DAY), ==, 0);
    struct ledger_verify_options o = {.keys = kr};
    struct ledger_verify_result res;
    const char *text = (const char *)in->data;
    const char *s1 = g_strstr_len(text, in->len, FUZZ_SPLIT);
    g_assert_nonnull(s1);
    size_t sl = strlen(FUZZ_SPLIT);
    const char *s2 = g_strstr_len(s1 + sl, in->len - (gsize)(s1 + sl - text), FUZZ_SPLIT);
    const char *s3 = g_strstr_len(s2 + sl, in->len - (gsize)(s2 + sl - text), FUZZ_SPLIT);
    const char *end = text + in->len;
    int e = ledger_verify_export_mem((const uint8_t *)text, (size_t)(s1 - text),
                                     (const uint8_t *)s1 + sl, (size_t)(s2 - s1 - (ptrdiff_t)sl),
                                     (const uint8_t *)s2 + sl, (size_t)(s3 - s2 - (ptrdiff_t)sl),
                                     (const uint8_t *)s3 + sl, (size_t)(end - s3 - (ptrdiff_t)sl),
                                     &o, &res);
    if (e != 0)
        g_error("valid seed: %s", res.message);
    g_assert_cmpint(res.n_records, ==, 4);
    ledger_keyring_free(kr);
    g_assert_cmpint(LLVMFuzzerTestOneInput(in->data, in->len), ==, 0);
    g_byte_array_free(in, TRUE);
}

static void test_corpus(void)
{
    const char *src = g_getenv("LOA_SOURCE_DIR");
    char *dir =
        g_build_filename(src ? src : LOA_SOURCE_DIR, "tests", "fuzz", "ledger", "corpus", NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    int n = 0;
    for (const char *name = g_dir_read_name(d); name; name = g_dir_read_name(d)) {
        char *p = g_build_filename(dir, name, NULL);
        char *data = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(p, &data, &len, NULL));
        g_assert_cmpint(LLVMFuzzerTestOneInput((const uint8_t *)data, len), ==, 0);
        g_free(data);
        g_free(p);
        n++;
    }
    g_dir_close(d);
    g_test_message("replayed %d corpus files", n);
    g_assert_cmpint(n, >=, 5);
    g_free(dir);
}

/* Deterministic mutations: bit flips, byte sets, truncations, splices. */
static void test_mutations(void)
{
    GByteArray *in = make_valid_input();
    GRand *rng = g_rand_new_with_seed(20201105);
    guint8 *buf = g_malloc(in->len + 64);
    for (int i = 0; i < 3000; i++) {
        gsize n = in->len;
        memcpy(buf, in->data, n);
        int kind = g_rand_int_range(rng, 0, 4);
        int times = g_rand_int_range(rng, 1, 4);
        for (int t = 0; t < times && n > 0; t++) {
            gsize at = (gsize)g_rand_int_range(rng, 0, (gint32)n);
            if (kind == 0)
                buf[at] ^= (guint8)(1u << g_rand_int_range(rng, 0, 8));
            else if (kind == 1)
                buf[at] = "\",\n\r\"0-9aZ=\\\x00\xff"[g_rand_int_range(rng, 0, 14)];
            else if (kind == 2)
                n = at;
            else if (at + 8 < n)
                memmove(buf + at, buf + at + 8, n - at - 8), n -= 8;
        }
        g_assert_cmpint(LLVMFuzzerTestOneInput(buf, n), ==, 0);
    }
    g_free(buf);
    g_rand_free(rng);
    g_byte_array_free(in, TRUE);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seed") == 0) {
        GByteArray *in = make_valid_input();
        gboolean ok = g_file_set_contents(argv[2], (const char *)in->data, in->len, NULL);
        g_byte_array_free(in, TRUE);
        return ok ? 0 : 1;
    }
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/ledger/fuzz/valid-seed", test_valid_seed);
    g_test_add_func("/ledger/fuzz/corpus", test_corpus);
    g_test_add_func("/ledger/fuzz/mutations", test_mutations);
    return g_test_run();
}
