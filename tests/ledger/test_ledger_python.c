/* docs/ledger-check.py, the committee's 30-line re-check (Python stdlib only), agrees
 * with the ledger on a database and on an export's CSV, and refuses a changed byte. */
#include <sys/wait.h>

#include "ledger_fixture.h"

static int run_check(const char *script, const char *path, char **out)
{
    const char *argv[] = {"python3", script, path, NULL};
    int status = -1;
    GError *err = NULL;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out,
                               NULL, &status, &err));
    g_assert_no_error(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_python(void)
{
    const char *src = g_getenv("LOA_SOURCE_DIR");
    char *script = g_build_filename(src ? src : LOA_SOURCE_DIR, "docs", "ledger-check.py", NULL);
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 2, 3);
    /* Text that needs care: quotes, commas, a newline, Vietnamese. */
    struct ledger_record r;
    ledger_record_init(&r, LEDGER_EVENT);
    r.written_usec = LFX_T0;
    r.event_type = "library-change";
    r.event_detail =
        "{\"playlist\":\"tmdt-2020\",\"note\":\"Thêm bản tin \\\"mới\\\",\nhai dòng\"}";
    g_assert_cmpint(ledger_append(f.l, &r, NULL, NULL), ==, 0);
    char *exp = g_build_filename(f.dir, "export", NULL);
    struct ledger_export_result er;
    g_assert_cmpint(
        ledger_export(f.l, f.key, INT64_MAX, exp, LFX_T0, LEDGER_TRUST_SYNCED, &er, NULL), ==, 0);
    ledger_close(f.l);
    f.l = NULL;

    char hex[65];
    char *out = NULL;
    g_assert_cmpint(run_check(script, f.db, &out), ==, 0);
    char *want = g_strdup_printf("seq 1-%lld, head ", (long long)er.last_seq + 1);
    g_assert_nonnull(strstr(out, want));
    g_free(want);
    g_free(out);
    char *csv = g_build_filename(exp, "airtime.csv", NULL);
    g_assert_cmpint(run_check(script, csv, &out), ==, 0);
    want = g_strdup_printf("seq 1-%lld, head %s", (long long)er.last_seq, ledger_hex(er.head, hex));
    g_assert_nonnull(strstr(out, want));
    g_free(want);
    g_free(out);

    /* One changed byte in the CSV: the script fails too. */
    char *data = NULL;
    gsize n = 0;
    g_assert_true(g_file_get_contents(csv, &data, &n, NULL));
    char *p = strstr(data, "95000");
    g_assert_nonnull(p);
    p[0] = '8';
    g_assert_true(g_file_set_contents(csv, data, (gssize)n, NULL));
    g_free(data);
    g_assert_cmpint(run_check(script, csv, NULL), ==, 1);
    g_free(csv);
    g_free(exp);
    g_free(script);
    lfx_open(&f);
    lfx_teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    char *py = g_find_program_in_path("python3");
    if (!py) {
        g_printerr("python3 is not installed: the independent re-check cannot run\n");
        return 77;
    }
    g_free(py);
    g_test_add_func("/ledger/python/independent-recheck", test_python);
    return g_test_run();
}
