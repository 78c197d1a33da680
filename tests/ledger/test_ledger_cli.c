/* The commands: `loa status --key`, `loa status`, `loa export`, `loa verify`, run as
 * the program with a device config, against a ledger filled through the ledger API
 * (while the test keeps it open, as the daemon would). */
#include <sys/stat.h>
#include <sys/wait.h>

#include "ledger_fixture.h"

struct cli {
    struct lfx f;
    char *cfg;
    char *keys_file;
};

static int loa(const struct cli *c, char **out, char **err, ...)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)g_getenv("LOA_BIN"));
    va_list ap;
    va_start(ap, err);
    for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (gpointer)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    char *o = NULL, *e = NULL;
    int status = -1;
    GError *gerr = NULL;
    /* No cache pollution of $HOME: the cache goes to the test's folder. */
    char **env = g_get_environ();
    char *cache = g_build_filename(c->f.dir, "xdg-cache", NULL);
    env = g_environ_setenv(env, "XDG_CACHE_HOME", cache, TRUE);
    env = g_environ_unsetenv(env, "LOA_CONFIG");
    env = g_environ_unsetenv(env, "LOA_CONTROL_SOCKET");
    g_assert_true(g_spawn_sync(c->f.dir, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &o,
                               &e, &status, &gerr));
    g_assert_no_error(gerr);
    g_strfreev(env);
    g_free(cache);
    g_ptr_array_free(argv, TRUE);
    if (out)
        *out = o;
    else
        g_free(o);
    if (err)
        *err = e;
    else
        g_free(e);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void cli_setup(struct cli *c)
{
    memset(c, 0, sizeof(*c));
    lfx_setup(&c->f);
    c->cfg = g_build_filename(c->f.dir, "loa.cfg", NULL);
    char *text = g_strdup_printf(
        "device = {\n"
        "  id = \"vanquan-01\";\n"
        "  province = { code = \"01\"; name = \"Thành phố Hà Nội\"; };\n"
        "  district = { code = \"268\"; name = \"Quận Hà Đông\"; };\n"
        "  commune  = { code = \"09552\"; name = \"Phường Văn Quán\"; };\n"
        "  unit_codes = \"2020\";\n"
        "  timezone = \"Asia/Ho_Chi_Minh\";\n"
        "};\n"
        "sessions = (\n"
        "  { id = \"sang\"; name = \"Buổi sáng\"; start = \"06:00\"; end = \"06:30\"; },\n"
        "  { id = \"chieu\"; name = \"Buổi chiều\"; start = \"17:00\"; end = \"17:30\"; }\n"
        ");\n"
        "storage = { data_dir = \"%s\"; };\n",
        c->f.dir);
    g_assert_true(g_file_set_contents(c->cfg, text, -1, NULL));
    g_free(text);
    char b64[64];
    text = g_strdup_printf("vanquan-01 %s from=2020-01-01\n",
                           ledger_key_public_b64(c->f.key, b64, sizeof b64));
    c->keys_file = g_build_filename(c->f.dir, "keys.txt", NULL);
    g_assert_true(g_file_set_contents(c->keys_file, text, -1, NULL));
    g_free(text);
}

static void cli_teardown(struct cli *c)
{
    g_free(c->cfg);
    g_free(c->keys_file);
    lfx_teardown(&c->f);
}

static void test_status(void)
{
    struct cli c;
    cli_setup(&c);
    char *out = NULL, *err = NULL;
    g_assert_cmpint(loa(&c, &out, NULL, "--config", c.cfg, "status", "--key", NULL), ==, 0);
    char want[256];
    g_assert_cmpstr(out, ==, ledger_key_public_file(c.f.key, want, sizeof want));
    g_free(out);
    /* Created on first use elsewhere: a fresh data dir gets its own key, 0600/0644. */
    char *other = g_build_filename(c.f.dir, "other", NULL);
    g_assert_cmpint(
        loa(&c, &out, NULL, "--config", c.cfg, "--data-dir", other, "status", "--key", NULL), ==,
        0);
    g_assert_true(g_str_has_prefix(out, "untrusted comment: minisign public key "));
    g_assert_cmpstr(out, !=, want);
    char *again = NULL;
    g_assert_cmpint(
        loa(&c, &again, NULL, "--config", c.cfg, "--data-dir", other, "status", "--key", NULL), ==,
        0);
    g_assert_cmpstr(out, ==, again);
    char *sk = g_build_filename(other, "keys", "device.key", NULL);
    struct stat st;
    g_assert_cmpint(stat(sk, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_free(sk);
    g_free(out);
    g_free(again);
    g_free(other);
    /* No daemon: exit 3. */
    g_assert_cmpint(loa(&c, NULL, &err, "--config", c.cfg, "status", NULL), ==, 3);
    g_assert_nonnull(strstr(err, "no daemon running"));
    g_free(err);
    g_assert_cmpint(loa(&c, NULL, NULL, "--config", c.cfg, "status", "--bogus", NULL), ==, 2);
    g_assert_cmpint(loa(&c, NULL, NULL, "status", "--help", NULL), ==, 0);
    cli_teardown(&c);
}

static void tamper(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL);
    char *data = NULL;
    gsize n = 0;
    g_assert_true(g_file_get_contents(p, &data, &n, NULL));
    data[n - 10] ^= 0x04;
    g_assert_true(g_file_set_contents(p, data, (gssize)n, NULL));
    g_free(data);
    g_free(p);
}

static void test_export_verify(void)
{
    struct cli c;
    cli_setup(&c);
    int64_t n = lfx_fill(c.f.l, civil_from_ymd(2020, 11, 2), 2, 3);
    char *out = NULL, *err = NULL;

    g_assert_cmpint(loa(&c, &out, &err, "--config", c.cfg, "export", "-o", "exp1", NULL), ==, 0);
    char *line = g_strdup_printf("exported seq 1-%lld (%lld records) of device vanquan-01",
                                 (long long)n, (long long)n);
    g_assert_nonnull(strstr(out, line));
    g_free(line);
    g_free(out);
    g_free(err);

    /* The daemon (this test) goes on appending after the export's checkpoint. */
    lfx_fill(c.f.l, civil_from_ymd(2020, 11, 4), 1, 3);
    g_assert_cmpint(loa(&c, &out, NULL, "--config", c.cfg, "verify", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "ledger.db: ok: device vanquan-01, seq 1-"));
    g_free(out);
    g_assert_cmpint(loa(&c, &out, NULL, "--config", c.cfg, "verify", "exp1", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "exp1: ok: device vanquan-01"));
    g_free(out);
    /* A committee without the device's config: --keys only. */
    g_assert_cmpint(loa(&c, &out, NULL, "--config", "/nonexistent.cfg", "verify", "--keys",
                        c.keys_file, "exp1", "ledger.db", NULL),
                    ==, 0);
    g_free(out);
    /* A second export continues; verified after the first's head. */
    g_assert_cmpint(loa(&c, &out, NULL, "--config", c.cfg, "export", "-o", "exp2", NULL), ==, 0);
    g_free(out);
    struct ledger_verify_result res;
    struct ledger_keyring *kr = lfx_keyring(c.f.key);
    char *exp1 = g_build_filename(c.f.dir, "exp1", NULL);
    g_assert_cmpint(lfx_verify(exp1, kr, &res), ==, 0);
    char hex[65];
    char *after = g_strdup_printf("%lld:%s", (long long)res.last_seq, ledger_hex(res.head, hex));
    g_assert_cmpint(
        loa(&c, NULL, NULL, "--config", c.cfg, "verify", "--after", after, "exp2", NULL), ==, 0);
    g_free(after);
    g_free(exp1);
    ledger_keyring_free(kr);

    /* One byte changed: exit 1 naming the record and the source. */
    tamper(c.f.dir, "exp1/airtime.csv");
    g_assert_cmpint(
        loa(&c, NULL, &err, "--config", c.cfg, "verify", "--keys", c.keys_file, "exp1", NULL), ==,
        1);
    g_assert_true(g_str_has_prefix(err, "exp1: error: seq "));
    g_free(err);

    /* Usage errors: exit 2. Wrong input: exit 1. */
    g_assert_cmpint(loa(&c, NULL, NULL, "--config", c.cfg, "export", NULL), ==, 2);
    g_assert_cmpint(
        loa(&c, NULL, NULL, "--config", c.cfg, "export", "--to", "2020-02-30", "-o", "x", NULL), ==,
        2);
    g_assert_cmpint(loa(&c, NULL, NULL, "--config", c.cfg, "verify", "--after", "12:abc", NULL), ==,
                    2);
    g_assert_cmpint(loa(&c, NULL, &err, "--config", c.cfg, "verify", "--keys", "missing.txt", NULL),
                    ==, 1);
    g_free(err);
    g_assert_cmpint(loa(&c, NULL, &err, "--config", c.cfg, "verify", "no-such-export", NULL), ==,
                    1);
    g_free(err);
    g_assert_cmpint(
        loa(&c, NULL, &err, "--config", c.cfg, "export", "--to", "2020-11-01", "-o", "exp3", NULL),
        ==, 1);
    g_assert_nonnull(strstr(err, "nothing to export"));
    g_free(err);
    g_assert_cmpint(loa(&c, NULL, NULL, "export", "--help", NULL), ==, 0);
    g_assert_cmpint(loa(&c, NULL, NULL, "verify", "--help", NULL), ==, 0);
    cli_teardown(&c);
}

/* --to DATE is a local date in the device's time zone (+07:00 here). */
static void test_export_to_local_date(void)
{
    struct cli c;
    cli_setup(&c);
    lfx_fill(c.f.l, civil_from_ymd(2020, 11, 2), 3, 2);
    /* The end of 2020-11-03 in Hà Nội: 2020-11-03 17:00:00 UTC. */
    int64_t end = ((int64_t)civil_from_ymd(2020, 11, 3) * 86400 + 17 * 3600) * 1000000 - 1;
    int64_t last = 0;
    g_assert_cmpint(ledger_last_seq_written_by(c.f.l, 0, end, &last), ==, 0);
    char *out = NULL;
    g_assert_cmpint(
        loa(&c, &out, NULL, "--config", c.cfg, "export", "--to", "2020-11-03", "-o", "exp", NULL),
        ==, 0);
    char *want = g_strdup_printf("exported seq 1-%lld ", (long long)last);
    g_assert_nonnull(strstr(out, want));
    g_free(want);
    g_free(out);
    cli_teardown(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("LOA_BIN")) {
        g_printerr("LOA_BIN is not set (run through ctest)\n");
        return 77;
    }
    g_test_add_func("/ledger/cli/status", test_status);
    g_test_add_func("/ledger/cli/export-verify", test_export_verify);
    g_test_add_func("/ledger/cli/export-to-local-date", test_export_to_local_date);
    return g_test_run();
}
