/* Disk full (PRAGMA max_page_count): appends do not fail the daemon, records are held
 * in memory in order, and written exactly once when space returns. */
#include "ledger_fixture.h"

#include <sqlite3.h>

static int64_t page_count(const char *db_path)
{
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    sqlite3_stmt *st = NULL;
    g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

struct tally {
    GHashTable *seen; /* "key/phase" -> count */
    int64_t n;
};

static int tally_cb(const struct ledger_record *r, void *userdata)
{
    struct tally *t = userdata;
    if (r->kind == LEDGER_AIRING) {
        char *k = g_strdup_printf("%s/%s", r->airing_key, ledger_phase_name(r->phase));
        gpointer v = g_hash_table_lookup(t->seen, k);
        g_hash_table_insert(t->seen, k, GINT_TO_POINTER(GPOINTER_TO_INT(v) + 1));
    }
    t->n++;
    return 0;
}

static void test_disk_full(void)
{
    struct lfx f;
    lfx_setup(&f);
    int32_t day = civil_from_ymd(2021, 1, 4);
    lfx_fill(f.l, day, 1, 3);
    int64_t head0 = 0;
    uint8_t h0[32];
    g_assert_cmpint(ledger_head(f.l, &head0, h0), ==, 0);

    /* No room beyond the pages in use now. */
    g_assert_cmpint(ledger_set_page_limit(f.l, page_count(f.db)), ==, 0);
    int held = 0, written = 0;
    char keys[200][64];
    for (int i = 0; i < 200; i++) {
        snprintf(keys[i], sizeof keys[i], "2021-01-05/sang/tmdt-%03d/1", i);
        struct ledger_record r;
        for (int ph = 0; ph < 2; ph++) {
            lfx_airing(&r, ph ? LEDGER_PHASE_FINAL : LEDGER_PHASE_START, day + 1, "sang", "tmdt-01",
                       keys[i], LFX_T0 + i * 100000000LL, 95000);
            int e = ledger_append(f.l, &r, NULL, NULL);
            g_assert_cmpint(e, >=, 0); /* never an error: held or written */
            if (e == LEDGER_HELD)
                held++;
            else
                written++;
        }
    }
    g_test_message("disk full: %d written before it filled, %d held", written, held);
    g_assert_cmpint(held, >, 300);
    g_assert_cmpuint(ledger_pending(f.l), ==, (size_t)held);
    /* Held records count for the airing-key rules: nothing airs twice meanwhile. */
    struct ledger_record r;
    lfx_airing(&r, LEDGER_PHASE_START, day + 1, "sang", "tmdt-01", keys[199], LFX_T0, 95000);
    g_assert_cmpint(ledger_append(f.l, &r, NULL, NULL), ==, -EEXIST);
    unsigned flags = 0;
    g_assert_cmpint(ledger_lookup_key(f.l, keys[199], &flags), ==, 0);
    g_assert_cmpuint(flags, ==, LEDGER_KEY_HAS_START | LEDGER_KEY_HAS_FINAL);
    /* A checkpoint while full is held too, and signed when written. */
    g_assert_cmpint(
        ledger_append_checkpoint(f.l, LFX_T0 + 1, LEDGER_TRUST_SYNCED, NULL, NULL, NULL, NULL), ==,
        LEDGER_HELD);
    g_assert_cmpint(ledger_flush(f.l), ==, -ENOSPC); /* the distinct error */
    g_assert_cmpint(ledger_flush(f.l), ==, -ENOSPC);
    g_assert_cmpuint(ledger_pending(f.l), ==, (size_t)held + 1);
    int64_t head1 = 0;
    uint8_t h1[32];
    g_assert_cmpint(ledger_head(f.l, &head1, h1), ==, 0);
    g_assert_cmpint(head1, ==, head0 + written);

    /* Space returns: everything is written, once, in order. */
    g_assert_cmpint(ledger_set_page_limit(f.l, 0), ==, 0);
    g_assert_cmpint(ledger_flush(f.l), ==, 0);
    g_assert_cmpuint(ledger_pending(f.l), ==, 0);
    g_assert_cmpint(ledger_flush(f.l), ==, 0);
    int64_t head2 = 0;
    uint8_t h2[32];
    g_assert_cmpint(ledger_head(f.l, &head2, h2), ==, 0);
    g_assert_cmpint(head2, ==, head0 + 400 + 1);
    struct tally t = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), 0};
    g_assert_cmpint(ledger_foreach(f.l, 0, 0, tally_cb, &t), ==, 0);
    for (int i = 0; i < 200; i++) {
        for (int ph = 0; ph < 2; ph++) {
            char *k = g_strdup_printf("%s/%s", keys[i], ph ? "final" : "start");
            g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(t.seen, k)), ==, 1);
            g_free(k);
        }
    }
    g_hash_table_unref(t.seen);
    /* In order: the start of each key before its final, keys in append order. */
    struct ledger_record *a = NULL, *b = NULL;
    g_assert_cmpint(ledger_get_airing(f.l, keys[150], LEDGER_PHASE_FINAL, &a), ==, 0);
    g_assert_cmpint(ledger_get_airing(f.l, keys[151], LEDGER_PHASE_START, &b), ==, 0);
    g_assert_cmpint(b->seq, ==, a->seq + 1);
    ledger_record_free(a);
    ledger_record_free(b);
    struct ledger_keyring *kr = lfx_keyring(f.key);
    struct ledger_verify_result res;
    g_assert_cmpint(lfx_verify(f.db, kr, &res), ==, 0);
    g_assert_cmpint(res.trusted_last_seq, ==, head2 - 1); /* the held checkpoint, signed */
    ledger_keyring_free(kr);

    /* Closing while still full reports what could not be written. */
    g_assert_cmpint(ledger_set_page_limit(f.l, page_count(f.db)), ==, 0);
    int e;
    int extra = 0;
    do {
        char k[64];
        snprintf(k, sizeof k, "2021-01-06/sang/x-%d/1", extra++);
        lfx_airing(&r, LEDGER_PHASE_START, day + 2, "sang", "x", k, LFX_T0, 95000);
        e = ledger_append(f.l, &r, NULL, NULL);
    } while (e == 0 && extra < 10000);
    g_assert_cmpint(e, ==, LEDGER_HELD);
    g_assert_cmpint((int)ledger_close(f.l), ==, 1);
    f.l = NULL;
    lfx_open(&f);
    lfx_teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ledger/diskfull/held-and-written-once", test_disk_full);
    return g_test_run();
}
