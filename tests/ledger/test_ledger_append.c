/* Appending: the rules, the chain, checkpoints, crash closing, batches, the guards,
 * unclean stops and quarantine of a damaged file. */
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ledger_fixture.h"

static void test_rules(void)
{
    struct lfx f;
    lfx_setup(&f);
    int32_t day = civil_from_ymd(2020, 11, 2);
    char key[128];
    struct ledger_record r;
    int64_t seq = 0;
    struct loa_diag d = {0};

    lfx_key(key, sizeof key, day, "sang", "tmdt-01", 1);
    lfx_airing(&r, LEDGER_PHASE_START, day, "sang", "tmdt-01", key, LFX_T0, 95000);
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, 0);
    g_assert_cmpint(seq, ==, 1);
    /* A second start for the same key: refused, nothing airs twice. */
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EEXIST);
    unsigned flags = 0;
    g_assert_cmpint(ledger_lookup_key(f.l, key, &flags), ==, 0);
    g_assert_cmpuint(flags, ==, LEDGER_KEY_HAS_START);

    lfx_airing(&r, LEDGER_PHASE_FINAL, day, "sang", "tmdt-01", key, LFX_T0, 95000);
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, 0);
    g_assert_cmpint(seq, ==, 2);
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EEXIST);
    lfx_airing(&r, LEDGER_PHASE_START, day, "sang", "tmdt-01", key, LFX_T0, 95000);
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EEXIST); /* start after final */
    g_assert_cmpint(ledger_lookup_key(f.l, key, &flags), ==, 0);
    g_assert_cmpuint(flags, ==, LEDGER_KEY_HAS_START | LEDGER_KEY_HAS_FINAL);

    /* A final alone (a missed airing never starts). */
    lfx_key(key, sizeof key, day, "sang", "tmdt-02", 1);
    lfx_airing(&r, LEDGER_PHASE_FINAL, day, "sang", "tmdt-02", key, LFX_T0, 0);
    r.outcome = LEDGER_OUTCOME_MISSED;
    r.reason = "downtime";
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, 0);
    g_assert_cmpint(seq, ==, 3);

    /* Invalid records, each refused with a reason. */
    r.reason = "crash";
    lfx_key(key, sizeof key, day, "sang", "tmdt-03", 1);
    r.airing_key = key;
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EINVAL);
    g_assert_nonnull(strstr(d.msg, "not a reason"));
    r.reason = "downtime";
    r.title = "\xff\xfe";
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EINVAL);
    r.title = "ok";
    r.written_usec = LEDGER_NONE;
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EINVAL);
    ledger_record_init(&r, LEDGER_NOTICE);
    r.written_usec = LFX_T0;
    r.item_id = "duong-day-nong";
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EINVAL);
    ledger_record_init(&r, LEDGER_EVENT);
    r.written_usec = LFX_T0;
    r.event_type = "Boot!";
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EINVAL);
    r.event_type = "boot";
    r.event_detail = "{\"version\":\"0.1.0\"}";
    r.caller_uid = 1000;
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, 0);
    g_assert_cmpint(seq, ==, 4);
    ledger_record_init(&r, LEDGER_CHECKPOINT);
    r.written_usec = LFX_T0;
    g_assert_cmpint(ledger_append(f.l, &r, &seq, &d), ==, -EINVAL);

    /* A signed checkpoint covers the record before it. */
    g_assert_cmpint(
        ledger_append_checkpoint(f.l, LFX_T0 + 1, LEDGER_TRUST_SYNCED, NULL, NULL, &seq, &d), ==,
        0);
    g_assert_cmpint(seq, ==, 5);
    struct ledger_record *cp = NULL, *ev = NULL;
    g_assert_cmpint(ledger_get(f.l, 5, &cp), ==, 0);
    g_assert_cmpint(ledger_get(f.l, 4, &ev), ==, 0);
    g_assert_cmpint(cp->checkpoint_seq, ==, 4);
    char hex[65];
    g_assert_cmpstr(cp->checkpoint_head, ==, ledger_hex(ev->hash, hex));
    g_assert_cmpmem(cp->prev_hash, 32, ev->hash, 32);
    char msg[512];
    int n = ledger_checkpoint_message("vanquan-01", f.key->key_id, 4, ev->hash, msg, sizeof msg);
    uint8_t sig[70];
    g_assert_cmpint(
        ledger_b64_decode_canonical(cp->signature, strlen(cp->signature), sig, sizeof sig), ==, 64);
    g_assert_true(ledger_sig_verify(f.key->pk, msg, (size_t)n, sig));
    g_assert_cmpstr(cp->device_id, ==, "vanquan-01");
    g_assert_cmpstr(cp->commune_name, ==, "Phường Văn Quán");
    g_assert_cmpstr(cp->key_id, ==, f.key->key_id);
    ledger_record_free(cp);
    ledger_record_free(ev);

    int64_t head = 0;
    uint8_t hh[32];
    g_assert_cmpint(ledger_head(f.l, &head, hh), ==, 0);
    g_assert_cmpint(head, ==, 5);
    bool real = false;
    g_assert_cmpint(ledger_has_real_records(f.l, &real), ==, 0);
    g_assert_true(real);
    int64_t last = 0;
    g_assert_cmpint(ledger_last_seq_written_by(f.l, 1, LFX_T0 + 2000, &last), ==, 0);
    g_assert_cmpint(last, ==, 5); /* the event and checkpoint were written at LFX_T0 and +1 */
    struct ledger_record *got = NULL;
    g_assert_cmpint(ledger_get_airing(f.l, "2020-11-02/sang/tmdt-01/1", LEDGER_PHASE_FINAL, &got),
                    ==, 0);
    g_assert_cmpint(got->seq, ==, 2);
    g_assert_cmpint(got->played_ms, ==, 95000);
    g_assert_cmpstr(got->title, ==, "Cảnh giác hàng giả, \"hàng nhái\", trên mạng");
    ledger_record_free(got);
    g_assert_cmpint(ledger_get_airing(f.l, "nope", LEDGER_PHASE_START, &got), ==, -ENOENT);
    lfx_teardown(&f);
}

struct chain_state {
    int64_t seq;
    uint8_t prev[32];
};

static int check_chain(const struct ledger_record *r, void *userdata)
{
    struct chain_state *s = userdata;
    char **fields = NULL;
    uint8_t h[32];
    g_assert_cmpint(r->seq, ==, s->seq + 1);
    g_assert_cmpmem(r->prev_hash, 32, s->prev, 32);
    g_assert_cmpint(ledger_record_to_fields(r, &fields), ==, 0);
    ledger_chain_hash(r->prev_hash, r->seq, (const char *const *)fields, h);
    free(fields);
    g_assert_cmpmem(h, 32, r->hash, 32);
    s->seq = r->seq;
    memcpy(s->prev, r->hash, 32);
    return 0;
}

static void test_chain_and_batch(void)
{
    struct lfx f;
    lfx_setup(&f);
    g_assert_cmpint(ledger_batch_begin(f.l), ==, 0);
    g_assert_cmpint(ledger_batch_begin(f.l), ==, -EBUSY);
    int32_t day = civil_from_ymd(2021, 3, 1);
    char key[128];
    struct ledger_record r;
    lfx_key(key, sizeof key, day, "sang", "chime", 1);
    lfx_airing(&r, LEDGER_PHASE_START, day, "sang", "chime", key, LFX_T0, 4000);
    r.trust = LEDGER_TRUST_VIRTUAL;
    g_assert_cmpint(ledger_append(f.l, &r, NULL, NULL), ==, LEDGER_HELD);
    g_assert_cmpint(ledger_append(f.l, &r, NULL, NULL), ==, -EEXIST); /* held ones count */
    g_assert_cmpuint(ledger_pending(f.l), ==, 1);
    g_assert_cmpint(ledger_batch_end(f.l), ==, 0);
    g_assert_cmpuint(ledger_pending(f.l), ==, 0);
    int64_t n = lfx_fill(f.l, day + 1, 3, 6);
    struct chain_state s = {0};
    g_assert_cmpint(ledger_foreach(f.l, 0, 0, check_chain, &s), ==, 0);
    g_assert_cmpint(s.seq, ==, n + 1);

    /* Reopen: the chain goes on from the stored head. */
    g_assert_cmpint((int)ledger_close(f.l), ==, 0);
    lfx_open(&f);
    ledger_record_init(&r, LEDGER_EVENT);
    r.written_usec = LFX_T0;
    r.event_type = "shutdown";
    int64_t seq = 0;
    g_assert_cmpint(ledger_append(f.l, &r, &seq, NULL), ==, 0);
    g_assert_cmpint(seq, ==, n + 2);
    g_assert_cmpint(ledger_foreach(f.l, seq, seq, check_chain, &s), ==, 0);
    lfx_teardown(&f);
}

static void test_close_interrupted(void)
{
    struct lfx f;
    lfx_setup(&f);
    int32_t day = civil_from_ymd(2020, 11, 3);
    char k1[128], k2[128];
    struct ledger_record r;
    lfx_key(k1, sizeof k1, day, "sang", "tmdt-01", 1);
    lfx_key(k2, sizeof k2, day, "sang", "tmdt-02", 1);
    lfx_airing(&r, LEDGER_PHASE_START, day, "sang", "tmdt-01", k1, LFX_T0, 95000);
    g_assert_cmpint(ledger_append(f.l, &r, NULL, NULL), ==, 0);
    lfx_airing(&r, LEDGER_PHASE_FINAL, day, "sang", "tmdt-01", k1, LFX_T0, 95000);
    g_assert_cmpint(ledger_append(f.l, &r, NULL, NULL), ==, 0);
    lfx_airing(&r, LEDGER_PHASE_START, day, "sang", "tmdt-02", k2, LFX_T0 + 100000000, 95000);
    r.gain_cdb = -123;
    g_assert_cmpint(ledger_append(f.l, &r, NULL, NULL), ==, 0);
    g_assert_cmpint(ledger_close_interrupted(f.l, LFX_T0 + 3600000000LL, LEDGER_TRUST_RTC), ==, 1);
    g_assert_cmpint(ledger_close_interrupted(f.l, LFX_T0 + 3600000000LL, LEDGER_TRUST_RTC), ==, 0);
    struct ledger_record *fin = NULL;
    g_assert_cmpint(ledger_get_airing(f.l, k2, LEDGER_PHASE_FINAL, &fin), ==, 0);
    g_assert_cmpint(fin->outcome, ==, LEDGER_OUTCOME_INTERRUPTED);
    g_assert_cmpstr(fin->reason, ==, "crash");
    g_assert_cmpint(fin->gain_cdb, ==, -123); /* the snapshot is the start's */
    g_assert_cmpint(fin->trust, ==, LEDGER_TRUST_RTC);
    g_assert_cmpint(fin->actual_end_usec, ==, LEDGER_NONE);
    g_assert_cmpint(fin->written_usec, ==, LFX_T0 + 3600000000LL);
    ledger_record_free(fin);
    lfx_teardown(&f);
}

static void test_guards(void)
{
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 1, 2);
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(f.db, &db), ==, SQLITE_OK);
    char *err = NULL;
    g_assert_cmpint(
        sqlite3_exec(db, "UPDATE records SET title = 'x' WHERE seq = 2", NULL, NULL, &err), !=,
        SQLITE_OK);
    g_assert_nonnull(strstr(err, "append-only"));
    sqlite3_free(err);
    g_assert_cmpint(sqlite3_exec(db, "DELETE FROM records WHERE seq = 2", NULL, NULL, NULL), !=,
                    SQLITE_OK);
    /* The file is in WAL mode, schema version 1. */
    sqlite3_stmt *st = NULL;
    g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, "wal");
    sqlite3_finalize(st);
    g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    g_assert_cmpint(sqlite3_column_int(st, 0), ==, LEDGER_SCHEMA_VERSION);
    sqlite3_finalize(st);
    /* Lookups by airing key use their index, not a scan. */
    g_assert_cmpint(sqlite3_prepare_v2(db,
                                       "EXPLAIN QUERY PLAN SELECT phase FROM records WHERE kind "
                                       "= 'airing' AND airing_key = 'x'",
                                       -1, &st, NULL),
                    ==, SQLITE_OK);
    bool indexed = false;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (strstr((const char *)sqlite3_column_text(st, 3), "records_airing_key"))
            indexed = true;
    sqlite3_finalize(st);
    g_assert_true(indexed);
    sqlite3_close(db);
    lfx_teardown(&f);
}

static void test_device_mismatch(void)
{
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 1, 1);
    ledger_close(f.l);
    struct ledger_identity other = lfx_id;
    other.device_id = "hadong-02";
    struct ledger_open_options o = {.identity = &other, .key = f.key};
    struct loa_diag d = {0};
    g_assert_cmpint(ledger_open(f.db, &o, &f.l, NULL, &d), ==, -EXDEV);
    g_assert_nonnull(strstr(d.msg, "vanquan-01"));
    f.l = NULL;
    lfx_open(&f);
    g_assert_cmpint(ledger_set_identity(f.l, &other), ==, -EXDEV);
    struct ledger_identity renamed = lfx_id;
    renamed.commune_name = "Phường Hà Đông"; /* 2025: communes merged */
    renamed.unit_codes = "2025";
    g_assert_cmpint(ledger_set_identity(f.l, &renamed), ==, 0);
    lfx_teardown(&f);
}

static void test_unclean_marker(void)
{
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 1, 1);
    ledger_close(f.l);
    f.l = NULL;
    char marker[1200];
    snprintf(marker, sizeof marker, "%s.open", f.db);
    g_assert_cmpint(access(marker, F_OK), !=, 0); /* a clean close removes it */

    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        struct ledger *l = NULL;
        struct ledger_open_options o = {.identity = &lfx_id, .key = f.key};
        if (ledger_open(f.db, &o, &l, NULL, NULL) < 0)
            _exit(1);
        _exit(0); /* no close: an unclean stop */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    g_assert_cmpint(access(marker, F_OK), ==, 0);

    struct ledger_open_options o = {.identity = &lfx_id, .key = f.key};
    struct ledger_open_report rep;
    g_assert_cmpint(ledger_open(f.db, &o, &f.l, &rep, NULL), ==, 0);
    g_assert_true(rep.unclean);
    g_assert_false(rep.quarantined);
    /* A second opener while the first is open does not think it unclean. */
    struct ledger *l2 = NULL;
    g_assert_cmpint(ledger_open(f.db, &o, &l2, &rep, NULL), ==, 0);
    g_assert_false(rep.unclean);
    ledger_close(l2);
    g_assert_cmpint(access(marker, F_OK), ==, 0); /* f.l still has it open */
    lfx_teardown(&f);
    g_assert_cmpint(access(marker, F_OK), !=, 0);
}

/* Overwrite the first bytes of a page of the named b-tree with garbage. */
static void damage_btree(const char *db_path, const char *name)
{
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(db_path, &db), ==, SQLITE_OK);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_stmt *st = NULL;
    g_assert_cmpint(sqlite3_prepare_v2(db,
                                       "SELECT pageno, pgoffset FROM dbstat WHERE name = ?1 "
                                       "ORDER BY pageno DESC LIMIT 1",
                                       -1, &st, NULL),
                    ==, SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    int64_t off = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    int fd = open(db_path, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    static const char junk[16] = "\x0d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
    g_assert_cmpint(pwrite(fd, junk, sizeof junk, off), ==, (ssize_t)sizeof junk);
    close(fd);
}

static void test_quarantine_head_readable(void)
{
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 2, 3);
    int64_t head = 0;
    uint8_t hh[32];
    g_assert_cmpint(ledger_head(f.l, &head, hh), ==, 0);
    ledger_close(f.l);
    f.l = NULL;
    damage_btree(f.db, "records_airing_key"); /* an index: the table still reads */

    struct ledger_open_options o = {
        .identity = &lfx_id, .key = f.key, .now_usec = LFX_T0 + 1, .trust = LEDGER_TRUST_SYNCED};
    struct ledger_open_report rep;
    struct loa_diag d = {0};
    g_assert_cmpint(ledger_open(f.db, &o, &f.l, &rep, &d), ==, 0);
    g_assert_true(rep.quarantined);
    g_assert_cmpint(rep.continued_seq, ==, head + 1);
    g_assert_true(g_str_has_suffix(rep.quarantine_path, "ledger.db.quarantined.1"));
    g_assert_cmpint(access(rep.quarantine_path, F_OK), ==, 0); /* kept, never deleted */
    struct ledger_record *c = NULL;
    g_assert_cmpint(ledger_get(f.l, head + 1, &c), ==, 0);
    g_assert_cmpstr(c->event_type, ==, "ledger-continued");
    g_assert_cmpmem(c->prev_hash, 32, hh, 32);
    g_assert_nonnull(strstr(c->event_detail, "ledger.db.quarantined.1"));
    ledger_record_free(c);
    /* The new ledger carries on and verifies. */
    lfx_fill(f.l, civil_from_ymd(2020, 11, 4), 1, 2);
    ledger_close(f.l);
    f.l = NULL;
    struct ledger_keyring *kr = lfx_keyring(f.key);
    struct ledger_verify_result res;
    g_assert_cmpint(lfx_verify(f.db, kr, &res), ==, 0);
    g_assert_cmpint(res.first_seq, ==, head + 1);
    g_assert_true(res.has_prev);
    g_assert_cmpmem(res.prev, 32, hh, 32);
    /* The quarantined copy is still there, and SQLite still calls it damaged. */
    g_assert_cmpint(lfx_verify(rep.quarantine_path, kr, &res), ==, -EBADMSG);
    ledger_keyring_free(kr);
    lfx_open(&f);
    lfx_teardown(&f);
}

static void test_quarantine_unreadable(void)
{
    struct lfx f;
    lfx_setup(&f);
    lfx_fill(f.l, civil_from_ymd(2020, 11, 2), 1, 2);
    ledger_close(f.l);
    f.l = NULL;
    /* Not a database any more: the header is gone. */
    int fd = open(f.db, O_WRONLY);
    g_assert_cmpint(pwrite(fd, "garbage garbage garbage garbage!", 32, 0), ==, 32);
    close(fd);
    char wal[1200];
    snprintf(wal, sizeof wal, "%s-wal", f.db);
    unlink(wal);
    struct ledger_open_options o = {
        .identity = &lfx_id, .key = f.key, .now_usec = LFX_T0, .trust = LEDGER_TRUST_SYNCED};
    struct ledger_open_report rep;
    g_assert_cmpint(ledger_open(f.db, &o, &f.l, &rep, NULL), ==, 0);
    g_assert_true(rep.quarantined);
    g_assert_cmpint(rep.continued_seq, ==, 1); /* head unknown: a new chain */
    struct ledger_record *c = NULL;
    g_assert_cmpint(ledger_get(f.l, 1, &c), ==, 0);
    g_assert_nonnull(strstr(c->event_detail, "\"head\":null"));
    ledger_record_free(c);
    /* A read-only opener never quarantines. */
    ledger_close(f.l);
    f.l = NULL;
    g_assert_cmpint(rename(rep.quarantine_path, f.db), ==, 0);
    struct ledger *ro = NULL;
    struct ledger_open_options oro = {.flags = LEDGER_OPEN_READONLY};
    g_assert_cmpint(ledger_open(f.db, &oro, &ro, NULL, NULL), ==, -EBADMSG);
    char q2[1200];
    snprintf(q2, sizeof q2, "%s.quarantined.2", f.db);
    g_assert_cmpint(access(q2, F_OK), !=, 0);
    lfx_teardown(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ledger/append/rules", test_rules);
    g_test_add_func("/ledger/append/chain-and-batch", test_chain_and_batch);
    g_test_add_func("/ledger/append/close-interrupted", test_close_interrupted);
    g_test_add_func("/ledger/append/guards", test_guards);
    g_test_add_func("/ledger/append/device-mismatch", test_device_mismatch);
    g_test_add_func("/ledger/append/unclean-marker", test_unclean_marker);
    g_test_add_func("/ledger/append/quarantine-head-readable", test_quarantine_head_readable);
    g_test_add_func("/ledger/append/quarantine-unreadable", test_quarantine_unreadable);
    return g_test_run();
}
