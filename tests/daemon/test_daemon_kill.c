/* `kill` at 50 random moments of a virtual campaign (SPEC.md "Virtual clock": `kill` ends
 * the process as SIGKILL would; a new run with the same data dir resumes), resuming each
 * time: nothing acknowledged is lost (every record committed before a kill is still
 * there, unchanged, and the chain verifies), nothing airs twice, and the airing cut by
 * each kill is closed `interrupted (crash)`.
 */
#include <glib.h>
#include <string.h>

#include "civil.h"
#include "daemon_util.h"

#define N_KILLS 50

static int cmp64(gconstpointer a, gconstpointer b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void fmt(int64_t utc, char *buf, size_t size)
{
    int64_t local = utc + INT64_C(7) * 3600 * 1000000;
    int32_t day = (int32_t)(local / CIVIL_USEC_PER_DAY);
    char d[16], t[16];
    g_snprintf(buf, size, "%s %s", civil_format_date(day, d, sizeof d),
               civil_format_time(local % CIVIL_USEC_PER_DAY, t, sizeof t));
}

static void head(const struct dt_device *d, int64_t *seq, uint8_t hash[LEDGER_HASH_SIZE])
{
    GPtrArray *recs = dt_ledger_records(d);
    const struct ledger_record *r = recs->pdata[recs->len - 1];
    *seq = r->seq;
    memcpy(hash, r->hash, LEDGER_HASH_SIZE);
    g_ptr_array_unref(recs);
}

static void test_kills(void)
{
    struct dt_options o = {.campaign_from = "2021-01-01", .campaign_until = "2021-12-31"};
    struct dt_device *d = dt_device_new(&o);
    const char *from = "2021-01-04 00:00:00", *until = "2021-01-25 00:00:00";
    int64_t t[N_KILLS];
    /* Mostly while something airs (the first minutes of a session), some anywhere. */
    for (int i = 0; i < N_KILLS; i++) {
        int day = g_test_rand_int_range(0, 21);
        int64_t base = dt_utc(from) + (int64_t)day * CIVIL_USEC_PER_DAY;
        int64_t s;
        switch (g_test_rand_int_range(0, 4)) {
        case 0:
            s = 6 * 3600 + g_test_rand_int_range(0, 180);
            break;
        case 1:
        case 2:
            s = 17 * 3600 + g_test_rand_int_range(0, 960);
            break;
        default:
            s = g_test_rand_int_range(0, 86400);
        }
        t[i] = base + s * INT64_C(1000000) + g_test_rand_int_range(0, 1000000);
    }
    qsort(t, N_KILLS, sizeof t[0], (int (*)(const void *, const void *))cmp64);

    int64_t seqs[N_KILLS];
    uint8_t hashes[N_KILLS][LEDGER_HASH_SIZE];
    char start[40];
    g_strlcpy(start, from, sizeof start);
    for (int i = 0; i <= N_KILLS; i++) {
        char at[40], script[128];
        char *path = NULL;
        if (i < N_KILLS) {
            fmt(t[i], at, sizeof at);
            g_snprintf(script, sizeof script, "%s kill\n", at);
            path = dt_write(d, "events.txt", script);
        }
        const char *args[] = {"run",    "--clock", "virtual",
                              "--from", start,     "--until",
                              until,    "--quiet", path ? "--events" : NULL,
                              path,     NULL};
        char *err = NULL;
        int rc = dt_loa_argv(d, NULL, &err, args);
        if (rc != (i < N_KILLS ? 128 + 9 : 0))
            g_error("run %d (from %s): exit %d\n%s", i, start, rc, err);
        g_free(err);
        g_free(path);
        if (i < N_KILLS) {
            head(d, &seqs[i], hashes[i]);
            g_strlcpy(start, at, sizeof start); /* the device restarts at once */
        }
    }

    /* Nothing acknowledged lost: every head seen after a kill is still in the chain. */
    GPtrArray *recs = dt_ledger_records(d);
    for (int i = 0; i < N_KILLS; i++) {
        g_assert_cmpint(seqs[i], <=, (int64_t)recs->len);
        const struct ledger_record *r = recs->pdata[seqs[i] - 1];
        g_assert_cmpint(r->seq, ==, seqs[i]);
        g_assert_cmpmem(r->hash, LEDGER_HASH_SIZE, hashes[i], LEDGER_HASH_SIZE);
    }
    g_ptr_array_unref(recs);

    /* Nothing aired twice; every plan key has its one final record. */
    GHashTable *keys = dt_ledger_keys(d);
    GArray *rows = dt_plan(d, "2021-01-04", "2021-01-24");
    size_t crash = 0, completed = 0;
    for (guint i = 0; i < rows->len; i++) {
        const struct dt_plan_row *r = &g_array_index(rows, struct dt_plan_row, i);
        const struct dt_key *k = g_hash_table_lookup(keys, r->key);
        if (!k)
            g_error("%s: no record", r->key);
        g_assert_cmpint(k->finals, ==, 1);
        g_assert_cmpint(k->starts, <=, 1);
        if (strcmp(k->outcome, "interrupted") == 0) {
            g_assert_cmpstr(k->reason, ==, "crash");
            g_assert_cmpint(k->starts, ==, 1);
            crash++;
        } else if (strcmp(k->outcome, "completed") == 0) {
            completed++;
        } else if (strcmp(k->outcome, "dropped") == 0) {
            g_assert_cmpstr(r->status, ==, "dropped");
        } else {
            /* A kill takes no time: only catch-up limits could miss anything. */
            g_assert_cmpstr(k->outcome, ==, "missed");
        }
    }
    g_test_message("%zu interrupted (crash), %zu completed", crash, completed);
    /* Each kill during an airing cut exactly that one. */
    g_assert_cmpuint(crash, >=, 10);
    g_assert_cmpuint(crash, <=, N_KILLS);
    g_array_unref(rows);
    g_hash_table_unref(keys);

    char *out = NULL, *err = NULL;
    int rc = dt_loa(d, &out, &err, "verify", NULL);
    if (rc != 0)
        g_printerr("%s%s", out, err);
    g_assert_cmpint(rc, ==, 0);
    g_free(out);
    g_free(err);
    dt_device_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/kill/50-random", test_kills);
    return g_test_run();
}
