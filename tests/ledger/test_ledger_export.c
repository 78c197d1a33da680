/* Exports and their verification: files, continuity between exports, --after, keys,
 * several sources, the cache, and Debian's own minisign. */
#include <fcntl.h>
#include <sys/stat.h>

#include <sodium.h>
#include <sys/wait.h>

#include "ledger_fixture.h"

static char *read_all(const char *dir, const char *name, size_t *len)
{
    char *path = g_build_filename(dir, name, NULL);
    char *data = NULL;
    gsize n = 0;
    g_assert_true(g_file_get_contents(path, &data, &n, NULL));
    g_free(path);
    if (len)
        *len = n;
    return data;
}

static void write_all(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    g_free(path);
}

static void do_export(struct lfx *f, const char *out, int64_t to_usec,
                      struct ledger_export_result *res)
{
    struct loa_diag d = {0};
    int e = ledger_export(f->l, f->key, to_usec, out, LFX_T0 + 400LL * 86400000000,
                          LEDGER_TRUST_SYNCED, res, &d);
    if (e < 0)
        g_printerr("export: %s\n", d.msg);
    g_assert_cmpint(e, ==, 0);
}

static int count_cb(const struct ledger_record *r, void *userdata)
{
    int64_t *n = userdata;
    (void)r;
    (*n)++;
    return 0;
}

static void test_export_and_verify(void)
{
    struct lfx f;
    lfx_setup(&f);
    int64_t n = lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 3, 4);
    char *out1 = g_build_filename(f.dir, "export-1", NULL);
    struct ledger_export_result er;
    do_export(&f, out1, INT64_MAX, &er);
    g_assert_cmpint(er.first_seq, ==, 1);
    g_assert_cmpint(er.last_seq, ==, n);
    g_assert_false(er.has_prev);
    g_assert_cmpint(er.checkpoint_seq, ==, n + 1);

    /* The files as SPEC.md says: CSV with BOM and LF, the header, one row a record. */
    size_t len = 0;
    char *csv = read_all(out1, "airtime.csv", &len);
    g_assert_true(g_str_has_prefix(csv, "\xEF\xBB\xBF"
                                        "kind,phase,written,device,key_id,"));
    g_assert_null(strchr(csv, '\r'));
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += csv[i] == '\n';
    g_assert_cmpint(lines, ==, n + 1);
    g_assert_nonnull(strstr(csv, "\"Cảnh giác hàng giả, \"\"hàng nhái\"\", trên mạng\""));
    g_free(csv);
    char *man = read_all(out1, "manifest.json", NULL);
    g_assert_nonnull(strstr(man, "\"device\": \"vanquan-01\""));
    g_assert_nonnull(strstr(man, "\"first_seq\": 1,"));
    g_assert_nonnull(strstr(man, "\"prev\": null"));
    g_assert_nonnull(strstr(man, "\"name\": \"Phường Văn Quán\""));
    g_assert_nonnull(strstr(man, "\"first_session_date\": \"2020-11-02\""));
    g_assert_nonnull(strstr(man, "\"last_session_date\": \"2020-11-04\""));
    g_free(man);
    char *sig = read_all(out1, "airtime.csv.minisig", NULL);
    char *tc = g_strdup_printf("trusted comment: loa-export v1 device=vanquan-01 key=%s seq=1-%lld "
                               "head=",
                               f.key->key_id, (long long)n);
    g_assert_nonnull(strstr(sig, tc));
    g_assert_true(g_str_has_prefix(sig, "untrusted comment: loa-export v1 signature\nRU"));
    g_assert_true(g_str_has_suffix(strstr(sig, "head="), " prev=none\n") ||
                  strstr(sig, " prev=none\n"));
    g_free(tc);
    g_free(sig);

    struct ledger_keyring *kr = lfx_keyring(f.key);
    struct ledger_verify_result res;
    int64_t seen = 0;
    struct ledger_verify_options o = {.keys = kr, .record_cb = count_cb, .userdata = &seen};
    g_assert_cmpint(ledger_verify_source(out1, &o, &res), ==, 0);
    g_assert_cmpint(res.type, ==, LEDGER_SOURCE_EXPORT);
    g_assert_cmpint(res.first_seq, ==, 1);
    g_assert_cmpint(res.last_seq, ==, n);
    g_assert_cmpint(res.trusted_last_seq, ==, n);
    g_assert_cmpint(res.n_checkpoints, ==, 3);
    g_assert_cmpint(seen, ==, n);
    g_assert_cmpstr(res.device_id, ==, "vanquan-01");
    g_assert_cmpmem(res.head, 32, er.head, 32);

    /* The database: trusted up to its last checkpoint (the export's, over seq n). */
    g_assert_cmpint(lfx_verify(f.db, kr, &res), ==, 0);
    g_assert_cmpint(res.type, ==, LEDGER_SOURCE_DATABASE);
    g_assert_cmpint(res.last_seq, ==, n + 1);
    g_assert_cmpint(res.trusted_last_seq, ==, n);

    /* A second export continues where the first ended. */
    lfx_fill(f.l, civil_from_ymd(2020, 11, 5), 1, 4);
    char *out2 = g_build_filename(f.dir, "export-2", NULL);
    struct ledger_export_result er2;
    do_export(&f, out2, INT64_MAX, &er2);
    g_assert_cmpint(er2.first_seq, ==, n + 1);
    g_assert_true(er2.has_prev);
    g_assert_cmpmem(er2.prev, 32, er.head, 32);
    g_assert_cmpint(lfx_verify(out2, kr, &res), ==, 0);

    /* --after: the second export continues the first's head; the first does not reach
     * a head recorded later (a truncated tail). */
    o = (struct ledger_verify_options){.keys = kr, .has_after = true, .after_seq = er.last_seq};
    memcpy(o.after_hash, er.head, 32);
    g_assert_cmpint(ledger_verify_source(out2, &o, &res), ==, 0);
    g_assert_cmpint(ledger_verify_source(out1, &o, &res), ==, 0);
    g_assert_cmpint(ledger_verify_source(f.db, &o, &res), ==, 0);
    o.after_seq = er2.last_seq;
    memcpy(o.after_hash, er2.head, 32);
    g_assert_cmpint(ledger_verify_source(out1, &o, &res), ==, -EBADMSG);
    g_assert_nonnull(strstr(res.message, "truncated"));
    g_assert_cmpint(res.bad_seq, ==, er.last_seq + 1);
    /* The wrong hash for a seq that is there: an altered or older copy. */
    o.after_seq = er.last_seq;
    memcpy(o.after_hash, er2.head, 32);
    g_assert_cmpint(ledger_verify_source(f.db, &o, &res), ==, -EBADMSG);
    g_assert_cmpint(res.bad_seq, ==, er.last_seq);

    /* --to before everything: nothing to export. */
    struct loa_diag d = {0};
    g_assert_cmpint(ledger_export(f.l, f.key, 0, out2, LFX_T0, LEDGER_TRUST_SYNCED, &er2, &d), ==,
                    -ENODATA);
    ledger_keyring_free(kr);
    g_free(out1);
    g_free(out2);
    lfx_teardown(&f);
}

static void test_export_to(void)
{
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 4, 2);
    /* Up to the end of 2020-11-03 (UTC here; the CLI converts local dates). */
    int64_t to = (int64_t)civil_from_ymd(2020, 11, 4) * 86400000000 - 1;
    int64_t last = 0;
    g_assert_cmpint(ledger_last_seq_written_by(f.l, 0, to, &last), ==, 0);
    char *out = g_build_filename(f.dir, "export-to", NULL);
    struct ledger_export_result er;
    do_export(&f, out, to, &er);
    g_assert_cmpint(er.last_seq, ==, last);
    struct ledger_record *r = NULL, *next = NULL;
    g_assert_cmpint(ledger_get(f.l, last, &r), ==, 0);
    g_assert_cmpint(ledger_get(f.l, last + 1, &next), ==, 0);
    g_assert_cmpint(r->written_usec, <=, to);
    g_assert_cmpint(next->written_usec, >, to);
    ledger_record_free(r);
    ledger_record_free(next);
    g_free(out);
    lfx_teardown(&f);
}

static void test_keys(void)
{
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 1, 2);
    char *out = g_build_filename(f.dir, "export", NULL);
    struct ledger_export_result er;
    do_export(&f, out, INT64_MAX, &er);
    struct ledger_verify_result res;

    /* An unlisted device, an unlisted key, a key outside its dates: all refused. */
    char b64[64];
    ledger_key_public_b64(f.key, b64, sizeof b64);
    uint8_t other_pk[32], other_sk[64], other_num[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    crypto_sign_keypair(other_pk, other_sk);
    char other[64];
    struct ledger_key ok = {0};
    memcpy(ok.keynum, other_num, 8);
    memcpy(ok.pk, other_pk, 32);
    ledger_key_public_b64(&ok, other, sizeof other);
    static const struct {
        const char *fmt;
        const char *want;
    } cases[] = {
        {"hadong-02 %s\n", "not among the known keys"},
        {"vanquan-01 OTHER\n", "is not listed for device"},
        {"# comment\n\nvanquan-01 %s from=2021-01-01\n", "not valid on that date"},
        {"vanquan-01 %s until=2020-10-31\n", "not valid on that date"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = strstr(cases[i].fmt, "OTHER") ? g_strdup_printf("vanquan-01 %s\n", other)
                                                   : g_strdup_printf(cases[i].fmt, b64);
        struct ledger_keyring *kr = NULL;
        g_assert_cmpint(ledger_keyring_new(&kr), ==, 0);
        struct loa_diag d = {0};
        g_assert_cmpint(ledger_keyring_parse(kr, "keys.txt", text, strlen(text), &d), ==, 0);
        g_assert_cmpint(lfx_verify(out, kr, &res), ==, -EBADMSG);
        g_assert_nonnull(strstr(res.message, cases[i].want));
        g_assert_cmpint(lfx_verify(f.db, kr, &res), ==, -EBADMSG); /* its checkpoints */
        ledger_keyring_free(kr);
        g_free(text);
    }
    /* Valid dates and a second key for the same device: accepted. */
    char *text = g_strdup_printf("vanquan-01 %s until=2019-12-31\nvanquan-01 %s from=2020-11-01 "
                                 "until=2023-10-31\n",
                                 other, b64);
    struct ledger_keyring *kr = NULL;
    g_assert_cmpint(ledger_keyring_new(&kr), ==, 0);
    g_assert_cmpint(ledger_keyring_parse(kr, "keys.txt", text, strlen(text), NULL), ==, 0);
    g_assert_cmpint(lfx_verify(out, kr, &res), ==, 0);
    g_assert_cmpint(lfx_verify(f.db, kr, &res), ==, 0);
    ledger_keyring_free(kr);
    g_free(text);
    /* Malformed key lines name the line. */
    static const char *const bad[] = {"vanquan-01\n", "Van Quan RWQ=\n", "vanquan-01 %s x=1\n",
                                      "vanquan-01 %s from=2020-13-01\n",
                                      "vanquan-01 %s from=2021-01-01 until=2020-01-01\n"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *t = g_strdup_printf(bad[i], b64);
        g_assert_cmpint(ledger_keyring_new(&kr), ==, 0);
        struct loa_diag d = {0};
        g_assert_cmpint(ledger_keyring_parse(kr, "keys.txt", t, strlen(t), &d), ==, -EBADMSG);
        g_assert_cmpint(d.line, ==, 1);
        ledger_keyring_free(kr);
        g_free(t);
    }
    g_free(out);
    lfx_teardown(&f);
}

static void copy_file(const char *from, const char *to)
{
    char *data = NULL;
    gsize n = 0;
    g_assert_true(g_file_get_contents(from, &data, &n, NULL));
    g_assert_true(g_file_set_contents(to, data, (gssize)n, NULL));
    g_free(data);
}

static void test_sources_and_cache(void)
{
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 2, 2);
    /* An older copy of the database, taken now (consistent: closed and reopened). */
    ledger_close(f.l);
    f.l = NULL;
    char *older = g_build_filename(f.dir, "older.db", NULL);
    copy_file(f.db, older);
    lfx_open(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 4), 2, 2);
    char *out = g_build_filename(f.dir, "export", NULL);
    struct ledger_export_result er;
    do_export(&f, out, INT64_MAX, &er);
    ledger_close(f.l);
    f.l = NULL;

    struct ledger_keyring *kr = lfx_keyring(f.key);
    struct ledger_verify_options o = {.keys = kr};
    struct ledger_verify_result res[3];
    size_t bad = 0;
    /* Alone, the older copy verifies: it was true when taken. */
    g_assert_cmpint(ledger_verify_source(older, &o, &res[0]), ==, 0);
    /* Against the export's later signed records, it is an older copy. */
    const char *p1[] = {f.db, out};
    g_assert_cmpint(ledger_verify_sources(p1, 2, &o, res, &bad), ==, 0);
    const char *p2[] = {out, older, f.db};
    g_assert_cmpint(ledger_verify_sources(p2, 3, &o, res, &bad), ==, -EBADMSG);
    g_assert_cmpuint(bad, ==, 1);
    g_assert_nonnull(strstr(res[1].message, "older copy"));

    /* The cache: a second run is served from it; a changed source is not. */
    char *cache = g_build_filename(f.dir, "cache", NULL);
    o.cache_dir = cache;
    g_assert_cmpint(ledger_verify_source(out, &o, &res[0]), ==, 0);
    g_assert_false(res[0].cached);
    g_assert_cmpint(ledger_verify_source(out, &o, &res[0]), ==, 0);
    g_assert_true(res[0].cached);
    g_assert_cmpint(res[0].last_seq, ==, er.last_seq);
    g_assert_cmpmem(res[0].head, 32, er.head, 32);
    g_assert_cmpint(ledger_verify_source(f.db, &o, &res[0]), ==, 0);
    g_assert_cmpint(ledger_verify_source(f.db, &o, &res[1]), ==, 0);
    g_assert_true(res[1].cached);
    g_assert_cmpint(res[1].trusted_last_seq, ==, res[0].trusted_last_seq);
    size_t len = 0;
    char *csv = read_all(out, "airtime.csv", &len);
    csv[len - 3] ^= 1;
    write_all(out, "airtime.csv", csv, len);
    g_free(csv);
    g_assert_cmpint(ledger_verify_source(out, &o, &res[0]), ==, -EBADMSG);
    g_assert_false(res[0].cached);
    /* Other --after, other keys: other cache entries. */
    o.has_after = true;
    o.after_seq = 1;
    g_assert_cmpint(ledger_verify_source(f.db, &o, &res[0]), ==, -EBADMSG);
    g_free(cache);
    ledger_keyring_free(kr);
    g_free(older);
    g_free(out);
    lfx_open(&f);
    lfx_teardown(&f);
}

static int run(const char *cwd, const char *const *argv, char **out)
{
    int status = -1;
    GError *err = NULL;
    gboolean ok = g_spawn_sync(cwd, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out,
                               out ? NULL : NULL, &status, &err);
    g_assert_no_error(err);
    g_assert_true(ok);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The committee's check, with Debian's stock tool and the device's public key file. */
static void test_minisign(void)
{
    char *minisign = g_find_program_in_path("minisign");
    if (!minisign) {
        g_test_skip("minisign is not installed (apt-get install minisign)");
        return;
    }
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 2, 3);
    char *out = g_build_filename(f.dir, "export", NULL);
    struct ledger_export_result er;
    do_export(&f, out, INT64_MAX, &er);
    char *pub = g_build_filename(f.keys, "device.pub", NULL);
    const char *v_csv[] = {minisign, "-H", "-Vm", "airtime.csv", "-p", pub, NULL};
    const char *v_man[] = {minisign, "-H", "-Vm", "manifest.json", "-p", pub, NULL};
    char *stdout_text = NULL;
    g_assert_cmpint(run(out, v_csv, &stdout_text), ==, 0);
    g_assert_nonnull(strstr(stdout_text, "loa-export v1 device=vanquan-01"));
    g_free(stdout_text);
    g_assert_cmpint(run(out, v_man, NULL), ==, 0);
    /* One byte of the CSV changed: minisign refuses it. */
    size_t len = 0;
    char *csv = read_all(out, "airtime.csv", &len);
    csv[len / 2] = csv[len / 2] == '7' ? '8' : '7';
    write_all(out, "airtime.csv", csv, len);
    g_free(csv);
    g_assert_cmpint(run(out, v_csv, NULL), !=, 0);
    /* The device's secret key file is minisign's own format: minisign signs with it,
     * and loa verifies what the stock tool signed (the same primitives both ways). */
    char *sk = g_build_filename(f.keys, "device.key", NULL);
    const char *s_csv[] = {minisign,        "-S", "-H",           "-s", sk, "-m",
                           "manifest.json", "-x", "test.minisig", NULL};
    g_assert_cmpint(run(out, s_csv, NULL), ==, 0);
    const char *v2[] = {minisign, "-H", "-Vm", "manifest.json", "-x", "test.minisig",
                        "-p",     pub,  NULL};
    g_assert_cmpint(run(out, v2, NULL), ==, 0);
    g_free(sk);
    g_free(pub);
    g_free(out);
    g_free(minisign);
    lfx_teardown(&f);
}

static void test_key_files(void)
{
    struct lfx f;
    lfx_setup(&f);
    struct stat st;
    char *sk = g_build_filename(f.keys, "device.key", NULL);
    char *pub = g_build_filename(f.keys, "device.pub", NULL);
    g_assert_cmpint(stat(sk, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_assert_cmpint(stat(pub, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0644);
    char *text = read_all(f.keys, "device.pub", NULL);
    char want[256];
    g_assert_cmpstr(text, ==, ledger_key_public_file(f.key, want, sizeof want));
    g_assert_true(g_str_has_prefix(text, "untrusted comment: minisign public key "));
    g_free(text);
    /* Loading again gives the same key; a lost device.pub is rewritten. */
    struct ledger_key *k2 = NULL;
    bool created = true;
    g_assert_cmpint(unlink(pub), ==, 0);
    g_assert_cmpint(ledger_key_load_or_create(f.keys, &k2, &created, NULL), ==, 0);
    g_assert_false(created);
    g_assert_cmpmem(k2->pk, 32, f.key->pk, 32);
    g_assert_cmpint(access(pub, F_OK), ==, 0);
    ledger_key_free(k2);
    struct ledger_key *pk = NULL;
    g_assert_cmpint(ledger_key_load_public(pub, &pk, NULL), ==, 0);
    g_assert_cmpstr(pk->key_id, ==, f.key->key_id);
    g_assert_false(pk->has_secret);
    ledger_key_free(pk);
    /* A public key file for another key: refused rather than trusted. */
    write_all(f.keys, "device.pub",
              "untrusted comment: minisign public key 0000000000000000\n"
              "RWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
              113);
    struct loa_diag d = {0};
    g_assert_cmpint(ledger_key_load_or_create(f.keys, &k2, NULL, &d), ==, -EBADMSG);
    g_free(sk);
    g_free(pub);
    lfx_teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/ledger/export/export-and-verify", test_export_and_verify);
    g_test_add_func("/ledger/export/to", test_export_to);
    g_test_add_func("/ledger/export/keys", test_keys);
    g_test_add_func("/ledger/export/sources-and-cache", test_sources_and_cache);
    g_test_add_func("/ledger/export/minisign", test_minisign);
    g_test_add_func("/ledger/export/key-files", test_key_files);
    return g_test_run();
}
