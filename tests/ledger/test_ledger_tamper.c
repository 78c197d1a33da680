/* Tamper detection (issue 3 "Must show"):
 * - random bit flips in every covered byte: airtime.csv, manifest.json, the signature
 *   and trusted-comment lines of each .minisig, the record payloads of a database copy
 *   (found with SQLite's dbstat): each makes verification fail;
 * - flips anywhere else in the database: fail, or leave every verified record
 *   byte-identical;
 * - a deleted, swapped or inserted record, a truncated tail (against --after), an older
 *   copy (against a later checkpoint), dropped guard triggers with an edited row, a
 *   whole rewritten tail: all caught.
 * Verification runs in-process through the library `loa verify` uses, and through the
 * `loa verify` program itself for a share of the flips (every one when
 * LOA_TEST_ALL_CLI=1), which must exit 1.
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ledger_fixture.h"
#include "ledger_internal.h"

#define FLIPS_CSV 160
#define FLIPS_MANIFEST 96
#define FLIPS_SIG 96 /* over both .minisig files */
#define FLIPS_DB 176
#define FLIPS_ELSEWHERE 160
/* LOA_TEST_FLIP_FACTOR=N multiplies every flip count (a longer hunt for rare misses). */
static int flip_factor(void)
{
    const char *f = g_getenv("LOA_TEST_FLIP_FACTOR");
    int n = f ? atoi(f) : 1;
    return n > 0 ? n : 1;
}

/* One flip in this many also runs the `loa verify` program. */
#define CLI_EVERY 4

struct world {
    struct lfx f;
    char *pristine_db; /* a checkpointed single-file copy of the ledger */
    char *pristine_exp; /* an export folder */
    char *older_db; /* the ledger as it was when exported */
    char *work; /* scratch copies live here */
    char *keys_file; /* --keys for the CLI */
    struct ledger_keyring *kr;
    GPtrArray *good_rows; /* the pristine DB's verified records, as CSV rows */
    GRand *rng;
    int n_cli;
};

static char *read_file(const char *path, size_t *len)
{
    char *data = NULL;
    gsize n = 0;
    g_assert_true(g_file_get_contents(path, &data, &n, NULL));
    if (len)
        *len = n;
    return data;
}

static void write_file(const char *path, const char *data, size_t len)
{
    /* No fsync: hundreds of scratch copies, none of which must survive a power cut. */
    g_assert_true(
        g_file_set_contents_full(path, data, (gssize)len, G_FILE_SET_CONTENTS_NONE, 0644, NULL));
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *d = read_file(from, &n);
    write_file(to, d, n);
    g_free(d);
}

static void copy_export(const char *from, const char *to)
{
    static const char *const names[] = {"airtime.csv", "manifest.json", "airtime.csv.minisig",
                                        "manifest.json.minisig"};
    g_mkdir_with_parents(to, 0755);
    for (int i = 0; i < 4; i++) {
        char *a = g_build_filename(from, names[i], NULL), *b = g_build_filename(to, names[i], NULL);
        copy_file(a, b);
        g_free(a);
        g_free(b);
    }
}

static void flip_bit(const char *path, size_t off, int bit)
{
    int fd = open(path, O_RDWR);
    g_assert_cmpint(fd, >=, 0);
    unsigned char c;
    g_assert_cmpint(pread(fd, &c, 1, (off_t)off), ==, 1);
    c ^= (unsigned char)(1u << bit);
    g_assert_cmpint(pwrite(fd, &c, 1, (off_t)off), ==, 1);
    close(fd);
}

/* Collect the verified records as CSV rows (their canonical bytes). */
static int collect_rows(const struct ledger_record *r, void *userdata)
{
    GPtrArray *rows = userdata;
    struct ledger_buf b = {0};
    g_assert_cmpint(ledger_csv_row(&b, r), ==, 0);
    g_ptr_array_add(rows, g_strdup(b.data));
    ledger_buf_free(&b);
    return 0;
}

static int verify_lib(struct world *w, const char *src, GPtrArray *rows,
                      struct ledger_verify_result *res)
{
    struct ledger_verify_options o = {
        .keys = w->kr, .record_cb = rows ? collect_rows : NULL, .userdata = rows};
    return ledger_verify_source(src, &o, res);
}

static int run_cli(struct world *w, const char *src, const char *after, char **err_text)
{
    const char *bin = g_getenv("LOA_BIN");
    g_assert_nonnull(bin);
    const char *argv[10];
    int n = 0;
    argv[n++] = bin;
    argv[n++] = "verify";
    argv[n++] = "--no-cache";
    argv[n++] = "--keys";
    argv[n++] = w->keys_file;
    if (after) {
        argv[n++] = "--after";
        argv[n++] = after;
    }
    argv[n++] = src;
    argv[n] = NULL;
    int status = -1;
    char *out = NULL, *err = NULL;
    GError *e = NULL;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, &e));
    g_assert_no_error(e);
    g_free(out);
    if (err_text)
        *err_text = err;
    else
        g_free(err);
    w->n_cli++;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool cli_now(int i)
{
    if (flip_factor() > 1)
        return false; /* a long hunt: the library alone */
    return i % CLI_EVERY == 0 || g_getenv("LOA_TEST_ALL_CLI");
}

static void expect_fail(struct world *w, const char *src, int i, const char *what, size_t off)
{
    struct ledger_verify_result res;
    int e = verify_lib(w, src, NULL, &res);
    if (e != -EBADMSG)
        g_error("%s: a flip at byte %zu went unnoticed (verify returned %d)", what, off, e);
    if (cli_now(i)) {
        char *err = NULL;
        int x = run_cli(w, src, NULL, &err);
        if (x != 1)
            g_error("%s: loa verify exited %d after a flip at byte %zu: %s", what, x, off, err);
        g_assert_nonnull(strstr(err, "error"));
        g_free(err);
    }
}

static void world_setup(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->rng = g_rand_new_with_seed((guint32)g_test_rand_int());
    lfx_setup(&w->f);
    lfx_fill(w->f.l, civil_from_ymd(2020, 11, 2), 3, 3);
    ledger_close(w->f.l);
    w->older_db = g_build_filename(w->f.dir, "older.db", NULL);
    copy_file(w->f.db, w->older_db);
    lfx_open(&w->f);
    w->pristine_exp = g_build_filename(w->f.dir, "export", NULL);
    struct ledger_export_result er;
    g_assert_cmpint(ledger_export(w->f.l, w->f.key, INT64_MAX, w->pristine_exp, LFX_T0,
                                  LEDGER_TRUST_SYNCED, &er, NULL),
                    ==, 0);
    lfx_fill(w->f.l, civil_from_ymd(2020, 11, 5), 1, 3); /* ends with a checkpoint */
    ledger_close(w->f.l); /* the last close folds the WAL into the file */
    w->f.l = NULL;
    w->pristine_db = g_build_filename(w->f.dir, "pristine.db", NULL);
    copy_file(w->f.db, w->pristine_db);
    w->work = g_build_filename(w->f.dir, "work", NULL);
    g_mkdir_with_parents(w->work, 0755);
    w->kr = lfx_keyring(w->f.key);
    char b64[64];
    char *keys = g_strdup_printf("# the committee's list\nvanquan-01 %s\n",
                                 ledger_key_public_b64(w->f.key, b64, sizeof b64));
    w->keys_file = g_build_filename(w->f.dir, "keys.txt", NULL);
    write_file(w->keys_file, keys, strlen(keys));
    g_free(keys);
    w->good_rows = g_ptr_array_new_with_free_func(g_free);
    struct ledger_verify_result res;
    g_assert_cmpint(verify_lib(w, w->pristine_db, w->good_rows, &res), ==, 0);
    g_assert_cmpint(res.trusted_last_seq, ==, res.last_seq - 1);
    g_assert_cmpint(verify_lib(w, w->pristine_exp, NULL, &res), ==, 0);
    g_assert_cmpint(run_cli(w, w->pristine_db, NULL, NULL), ==, 0);
    g_assert_cmpint(run_cli(w, w->pristine_exp, NULL, NULL), ==, 0);
}

static void world_teardown(struct world *w)
{
    g_test_message("ran `loa verify` %d times", w->n_cli);
    ledger_keyring_free(w->kr);
    g_ptr_array_free(w->good_rows, TRUE);
    g_free(w->pristine_db);
    g_free(w->pristine_exp);
    g_free(w->older_db);
    g_free(w->work);
    g_free(w->keys_file);
    g_rand_free(w->rng);
    lfx_open(&w->f);
    lfx_teardown(&w->f);
}

/* Byte ranges [a, b) of a file. */
struct range {
    size_t a, b;
};

static size_t pick(struct world *w, const struct range *r, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += r[i].b - r[i].a;
    size_t k = (size_t)g_rand_int_range(w->rng, 0, (gint32)total);
    for (size_t i = 0; i < n; i++) {
        if (k < r[i].b - r[i].a)
            return r[i].a + k;
        k -= r[i].b - r[i].a;
    }
    g_assert_not_reached();
}

static void flip_export_file(struct world *w, const char *name, const struct range *r, size_t nr,
                             int flips)
{
    char *dir = g_build_filename(w->work, "exp", NULL);
    char *path = g_build_filename(dir, name, NULL);
    for (int i = 0; i < flips; i++) {
        copy_export(w->pristine_exp, dir);
        size_t off = pick(w, r, nr);
        flip_bit(path, off, g_rand_int_range(w->rng, 0, 8));
        expect_fail(w, dir, i, name, off);
    }
    g_free(path);
    g_free(dir);
}

static void test_flip_export(struct world *w)
{
    char *csv = g_build_filename(w->pristine_exp, "airtime.csv", NULL);
    char *man = g_build_filename(w->pristine_exp, "manifest.json", NULL);
    size_t len;
    g_free(read_file(csv, &len));
    struct range all = {0, len};
    flip_export_file(w, "airtime.csv", &all, 1, FLIPS_CSV * flip_factor());
    g_free(read_file(man, &len));
    all.b = len;
    flip_export_file(w, "manifest.json", &all, 1, FLIPS_MANIFEST * flip_factor());
    /* The signature (line 2), trusted comment (3) and global signature (4) lines of
     * each .minisig, with their line ends. */
    static const char *const sigs[] = {"airtime.csv.minisig", "manifest.json.minisig"};
    for (int s = 0; s < 2; s++) {
        char *p = g_build_filename(w->pristine_exp, sigs[s], NULL);
        char *text = read_file(p, &len);
        const char *l2 = strchr(text, '\n') + 1;
        struct range r = {(size_t)(l2 - text), len};
        flip_export_file(w, sigs[s], &r, 1, FLIPS_SIG / 2 * flip_factor());
        /* The untrusted comment is not covered, but loa refuses any but its own. */
        struct range u = {0, (size_t)(l2 - text) - 1};
        flip_export_file(w, sigs[s], &u, 1, 4);
        g_free(text);
        g_free(p);
    }
    g_free(csv);
    g_free(man);
}

/* The byte ranges of the records table's row payloads, from dbstat and the b-tree pages
 * themselves (SQLite file format: the table is WITHOUT ROWID, so its rows are the
 * payloads of index b-tree leaf cells; cell pointer array; varints; a payload beyond
 * the local limit spills to overflow pages, which are payload too). */
static size_t varint_len(const unsigned char *p)
{
    size_t i = 0;
    while (i < 8 && (p[i] & 0x80))
        i++;
    return i + 1;
}

static uint64_t varint(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 9; i++) {
        if (i == 8)
            return (v << 8) | p[i];
        v = (v << 7) | (p[i] & 0x7F);
        if (!(p[i] & 0x80))
            return v;
    }
    return v;
}

static GArray *payload_ranges(const char *db_path, size_t *ret_file_len)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(struct range));
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    sqlite3_stmt *st = NULL;
    g_assert_cmpint(sqlite3_prepare_v2(db,
                                       "SELECT pageno, pgoffset, pgsize, pagetype FROM dbstat "
                                       "WHERE name = 'records' AND pagetype IN ('leaf', "
                                       "'overflow')",
                                       -1, &st, NULL),
                    ==, SQLITE_OK);
    size_t len;
    unsigned char *file = (unsigned char *)read_file(db_path, &len);
    *ret_file_len = len;
    int pages = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t pageno = sqlite3_column_int64(st, 0);
        size_t off = (size_t)sqlite3_column_int64(st, 1);
        size_t usable = (size_t)sqlite3_column_int64(st, 2);
        unsigned char *pg = file + off;
        if (strcmp((const char *)sqlite3_column_text(st, 3), "overflow") == 0) {
            struct range r = {off + 4, off + usable}; /* after the next-page pointer */
            g_array_append_val(out, r);
            continue;
        }
        size_t hdr = pageno == 1 ? 100 : 0;
        g_assert_cmpint(pg[hdr], ==, 0x0A); /* a leaf index b-tree page: WITHOUT ROWID rows */
        int ncell = pg[hdr + 3] << 8 | pg[hdr + 4];
        size_t max_local = (usable - 12) * 64 / 255 - 23, min_local = (usable - 12) * 32 / 255 - 23;
        for (int c = 0; c < ncell; c++) {
            size_t cell = (size_t)(pg[hdr + 8 + 2 * c] << 8 | pg[hdr + 9 + 2 * c]);
            const unsigned char *p = pg + cell;
            size_t plen = (size_t)varint(p), skip = varint_len(p);
            size_t local = plen;
            if (plen > max_local) {
                local = min_local + (plen - min_local) % (usable - 4);
                if (local > max_local)
                    local = min_local;
            }
            struct range r = {off + cell + skip, off + cell + skip + local};
            g_array_append_val(out, r);
        }
        pages++;
    }
    g_assert_cmpint(pages, >, 3);
    sqlite3_finalize(st);
    sqlite3_close(db);
    g_free(file);
    return out;
}

static void test_flip_db(struct world *w)
{
    size_t len = 0;
    GArray *ranges = payload_ranges(w->pristine_db, &len);
    char *path = g_build_filename(w->work, "copy.db", NULL);
    for (int i = 0; i < FLIPS_DB * flip_factor(); i++) {
        copy_file(w->pristine_db, path);
        size_t off = pick(w, (struct range *)ranges->data, ranges->len);
        flip_bit(path, off, g_rand_int_range(w->rng, 0, 8));
        expect_fail(w, path, i, "record payload", off);
    }

    /* Elsewhere: fail, or every verified record exactly as before. */
    int failed = 0, identical = 0;
    for (int i = 0; i < FLIPS_ELSEWHERE * flip_factor(); i++) {
        copy_file(w->pristine_db, path);
        size_t off;
        bool inside;
        do {
            off = (size_t)g_rand_int_range(w->rng, 0, (gint32)len);
            inside = false;
            for (guint k = 0; k < ranges->len; k++) {
                struct range *r = &g_array_index(ranges, struct range, k);
                inside |= off >= r->a && off < r->b;
            }
        } while (inside);
        flip_bit(path, off, g_rand_int_range(w->rng, 0, 8));
        GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
        struct ledger_verify_result res;
        int e = verify_lib(w, path, rows, &res);
        if (e == 0) {
            g_assert_cmpuint(rows->len, ==, w->good_rows->len);
            for (guint k = 0; k < rows->len; k++)
                g_assert_cmpstr(g_ptr_array_index(rows, k), ==, g_ptr_array_index(w->good_rows, k));
            identical++;
        } else {
            g_assert_cmpint(e, ==, -EBADMSG);
            failed++;
        }
        if (cli_now(i))
            g_assert_cmpint(run_cli(w, path, NULL, NULL), ==, e == 0 ? 0 : 1);
        g_ptr_array_free(rows, TRUE);
    }
    g_test_message("flips elsewhere in the database: %d refused, %d harmless", failed, identical);
    g_free(path);
    g_array_free(ranges, TRUE);
}

/* Edit a copy of the database with SQL, as an attacker with the file would. */
static char *attacked(struct world *w, const char *name, const char *sql)
{
    char *path = g_build_filename(w->work, name, NULL);
    copy_file(w->pristine_db, path);
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        g_error("attack %s: %s", name, err);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(db);
    return path;
}

#define DROP "DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete;"
#define RESTORE                                                                                    \
    "CREATE TRIGGER records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, "         \
    "'the ledger is append-only'); END; CREATE TRIGGER records_no_delete BEFORE DELETE ON "        \
    "records BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"

static void expect_caught(struct world *w, const char *path, const char *after, int64_t seq,
                          const char *why)
{
    struct ledger_verify_options o = {.keys = w->kr};
    if (after)
        g_assert_cmpint(ledger_parse_after(after, &o.after_seq, o.after_hash), ==, 0);
    o.has_after = after != NULL;
    struct ledger_verify_result res;
    g_assert_cmpint(ledger_verify_source(path, &o, &res), ==, -EBADMSG);
    if (seq >= 0)
        g_assert_cmpint(res.bad_seq, ==, seq);
    if (why && !strstr(res.message, why))
        g_error("expected '%s', got '%s'", why, res.message);
    char *err = NULL;
    g_assert_cmpint(run_cli(w, path, after, &err), ==, 1);
    if (seq > 0) {
        char *want = g_strdup_printf("seq %lld:", (long long)seq);
        g_assert_nonnull(strstr(err, want));
        g_free(want);
    }
    g_free(err);
}

static void test_structural(struct world *w)
{
    char *p;
    p = attacked(w, "deleted.db", DROP "DELETE FROM records WHERE seq = 20;" RESTORE);
    expect_caught(w, p, NULL, 20, "record missing");
    g_free(p);
    p = attacked(w, "swapped.db",
                 DROP "UPDATE records SET seq = -1 WHERE seq = 30;"
                      "UPDATE records SET seq = 30 WHERE seq = 31;"
                      "UPDATE records SET seq = 31 WHERE seq = -1;" RESTORE);
    expect_caught(w, p, NULL, 30, NULL);
    g_free(p);
    /* An inserted record: history renumbered to make room for a forged airing. */
    p = attacked(w, "inserted2.db",
                 DROP "UPDATE records SET seq = seq + 1000 WHERE seq >= 40;"
                      "UPDATE records SET seq = seq - 999 WHERE seq >= 1040;"
                      "INSERT INTO records(seq, kind, phase, written, device, key_id, clock_trust,"
                      " source, airing_kind, item, airing_key, outcome, prev_hash, hash)"
                      " SELECT 40, kind, 'final', written, device, key_id, clock_trust, source,"
                      " airing_kind, item, 'forged/1', 'completed', hash, hash FROM records"
                      " WHERE seq = 39;" RESTORE);
    expect_caught(w, p, NULL, 40, "does not match its hash");
    g_free(p);
    /* Dropped triggers and an edited title. */
    p = attacked(w, "edited.db", DROP "UPDATE records SET title = 'Tin giả' WHERE seq = 12;");
    expect_caught(w, p, NULL, 0, "guard trigger");
    g_free(p);
    p = attacked(w, "edited2.db",
                 DROP "UPDATE records SET played_ms = 999999 WHERE seq = 12;" RESTORE);
    expect_caught(w, p, NULL, 12, "does not match its hash");
    g_free(p);
}

static void free_record(gpointer p)
{
    ledger_record_free(p);
}

/* A record edited and every later hash recomputed: the chain holds, the next checkpoint's
 * signature does not. Done with the library's own hash function. */
static void test_rewritten_tail(struct world *w)
{
    char *path = g_build_filename(w->work, "rewritten.db", NULL);
    copy_file(w->pristine_db, path);
    struct ledger *l = NULL;
    struct ledger_open_options ro = {.flags = LEDGER_OPEN_READONLY};
    g_assert_cmpint(ledger_open(path, &ro, &l, NULL, NULL), ==, 0);
    GPtrArray *recs = g_ptr_array_new_with_free_func(free_record);
    int64_t head = 0;
    uint8_t hh[32];
    g_assert_cmpint(ledger_head(l, &head, hh), ==, 0);
    for (int64_t s = 1; s <= head; s++) {
        struct ledger_record *r = NULL;
        g_assert_cmpint(ledger_get(l, s, &r), ==, 0);
        g_ptr_array_add(recs, r);
    }
    ledger_close(l);
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db, DROP, NULL, NULL, NULL), ==, SQLITE_OK);
    uint8_t prev[32];
    int64_t edited = 15;
    for (guint i = 0; i < recs->len; i++) {
        struct ledger_record *r = g_ptr_array_index(recs, i);
        if (r->seq < edited) {
            memcpy(prev, r->hash, 32);
            continue;
        }
        if (r->seq == edited)
            r->played_ms = 1;
        memcpy(r->prev_hash, prev, 32);
        if (r->kind == LEDGER_CHECKPOINT) {
            static char hex[65];
            r->checkpoint_head = ledger_hex(prev, hex); /* the forger cannot re-sign */
        }
        g_assert_cmpint(ledger_record_hash(r, r->hash), ==, 0);
        memcpy(prev, r->hash, 32);
        sqlite3_stmt *st = NULL;
        g_assert_cmpint(sqlite3_prepare_v2(db,
                                           "UPDATE records SET played_ms = ?1, prev_hash = ?2, "
                                           "hash = ?3, checkpoint_head = ?4 WHERE seq = ?5",
                                           -1, &st, NULL),
                        ==, SQLITE_OK);
        if (r->played_ms == LEDGER_NONE)
            sqlite3_bind_null(st, 1);
        else
            sqlite3_bind_int64(st, 1, r->played_ms);
        sqlite3_bind_blob(st, 2, r->prev_hash, 32, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, r->hash, 32, SQLITE_STATIC);
        if (r->kind == LEDGER_CHECKPOINT)
            sqlite3_bind_text(st, 4, r->checkpoint_head, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_int64(st, 5, r->seq);
        g_assert_cmpint(sqlite3_step(st), ==, SQLITE_DONE);
        sqlite3_finalize(st);
    }
    g_assert_cmpint(sqlite3_exec(db, RESTORE, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(db);
    /* The first checkpoint after the edit fails its signature. */
    int64_t first_cp = 0;
    for (guint i = 0; i < recs->len && !first_cp; i++) {
        struct ledger_record *r = g_ptr_array_index(recs, i);
        if (r->seq > edited && r->kind == LEDGER_CHECKPOINT)
            first_cp = r->seq;
    }
    expect_caught(w, path, NULL, first_cp, "checkpoint signature");
    g_ptr_array_free(recs, TRUE);
    g_free(path);
}

static void test_truncated_and_older(struct world *w)
{
    /* The committee recorded the head the ledger's last checkpoint signed. */
    struct ledger *l = NULL;
    struct ledger_open_options ro = {.flags = LEDGER_OPEN_READONLY};
    g_assert_cmpint(ledger_open(w->pristine_db, &ro, &l, NULL, NULL), ==, 0);
    int64_t head = 0;
    uint8_t hh[32];
    g_assert_cmpint(ledger_head(l, &head, hh), ==, 0);
    struct ledger_record *cp = NULL;
    g_assert_cmpint(ledger_get(l, head, &cp), ==, 0);
    ledger_close(l);
    g_assert_cmpint(cp->kind, ==, LEDGER_CHECKPOINT);
    char *after = g_strdup_printf("%lld:%s", (long long)cp->checkpoint_seq, cp->checkpoint_head);
    ledger_record_free(cp);
    /* The pristine ledger reaches it. */
    g_assert_cmpint(run_cli(w, w->pristine_db, after, NULL), ==, 0);
    /* A truncated tail: the last records gone (and the guards put back). */
    char *p = attacked(
        w, "truncated.db",
        DROP "DELETE FROM records WHERE seq > (SELECT max(seq) - 6 FROM records);" RESTORE);
    expect_caught(w, p, after, head - 5, "truncated");
    g_free(p);
    /* An older copy of the database substituted for the current one, and the export
     * taken back then: both end before the later checkpoint's head. */
    struct ledger_verify_result res;
    g_assert_cmpint(verify_lib(w, w->older_db, NULL, &res), ==, 0); /* fine on its own */
    expect_caught(w, w->older_db, after, res.last_seq + 1, "truncated");
    expect_caught(w, w->pristine_exp, after, -1, "truncated");
    g_free(after);
}

static void test_tamper(void)
{
    struct world w;
    world_setup(&w);
    test_flip_export(&w);
    test_flip_db(&w);
    test_structural(&w);
    test_rewritten_tail(&w);
    test_truncated_and_older(&w);
    g_test_message("%d covered-byte flips, %d elsewhere",
                   FLIPS_CSV + FLIPS_MANIFEST + FLIPS_SIG + FLIPS_DB, FLIPS_ELSEWHERE + 8);
    world_teardown(&w);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("LOA_BIN")) {
        g_printerr("LOA_BIN is not set (run through ctest)\n");
        return 77;
    }
    g_test_add_func("/ledger/tamper/all", test_tamper);
    return g_test_run();
}
