/* The ledger file: open (checks, quarantine), append (chain, durability, disk full),
 * queries. The only code in Loa that writes SQLite.
 *
 * Why a record is held in memory instead of failing: the daemon must keep airing when
 * the disk fills (SPEC.md), and a caller that retried a failed append could write an
 * event twice. So an accepted record is queued; the queue is written in order, in one
 * transaction, by the next append or ledger_flush(); a failed transaction leaves the
 * queue as it was (SQLite rolls the whole transaction back), so each record is written
 * exactly once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ledger.h"
#include "ledger_key.h"
#include "ledger_report_sql.h"
#include "ledger_sql.h"

/* Most records held in memory while the disk is full (about 1 KiB each). */
#define MAX_PENDING 65536

struct pending {
    struct ledger_record *r; /* owned copy */
    bool sign; /* a checkpoint: sign the head at write time */
    char head_hex[2 * LEDGER_HASH_SIZE + 1];
    char sig_b64[96];
};

struct ledger {
    sqlite3 *db;
    char *path;
    bool readonly;
    int lock_fd;
    const struct ledger_key *key;
    struct {
        char device_id[64], unit_codes[32];
        char province_code[32], province_name[256];
        char district_code[32], district_name[256];
        char commune_code[32], commune_name[256];
    } id;
    struct pending *pending;
    size_t n_pending, cap_pending;
    bool batch_open;
    bool opened; /* ledger_open() succeeded */
    bool owns_marker; /* opened first (exclusively): responsible for the marker */
    bool full; /* the last write failed for want of space */
    /* seq given to each record of the last successful write, by queue position */
    int64_t last_written_first_seq;
    sqlite3_stmt *st_insert, *st_head, *st_key;
};

/* ---- Schema -------------------------------------------------------------------------- */

/* WITHOUT ROWID: the rows live in a b-tree keyed by seq, and every byte of a stored row
 * means something the verifier reads. (In a rowid table, an INTEGER PRIMARY KEY is
 * stored as a NULL placeholder in the row that SQLite never reads: a changed byte
 * there would go unnoticed by anyone.)
 *
 * The report queries' covering indexes are theirs (ledger_report.c, appended below);
 * the ledger's own serve the airing-key rule and the last export's lookup. See
 * docs/ledger.md "Schema". */
static int create_schema(sqlite3 *db)
{
    struct ledger_buf b = {0};
    ledger_buf_puts(&b, "BEGIN IMMEDIATE;\nCREATE TABLE records (\n"
                        "  seq INTEGER PRIMARY KEY,\n");
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field_def *d = &ledger_fields[i];
        ledger_buf_printf(&b, "  %s %s%s,\n", d->name,
                          d->type == LEDGER_FT_INT ? "INTEGER" : "TEXT",
                          d->required ? " NOT NULL" : "");
    }
    ledger_buf_puts(&b, "  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),\n"
                        "  hash BLOB NOT NULL CHECK (length(hash) = 32)\n"
                        ") STRICT, WITHOUT ROWID;\n"
                        "CREATE UNIQUE INDEX records_airing_key ON records(airing_key, phase)\n"
                        "  WHERE kind = 'airing';\n"
                        "CREATE INDEX records_checkpoints ON records(event_type, seq)\n"
                        "  WHERE kind = 'checkpoint';\n"
                        "CREATE TRIGGER records_no_update BEFORE UPDATE ON records\n"
                        "  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;\n"
                        "CREATE TRIGGER records_no_delete BEFORE DELETE ON records\n"
                        "  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;\n");
    ledger_buf_puts(&b, ledger_report_index_sql); /* the report's own (ledger_report.c) */
    ledger_buf_printf(&b, "PRAGMA user_version = %d;\nCOMMIT;\n", LEDGER_SCHEMA_VERSION);
    if (b.failed) {
        ledger_buf_free(&b);
        return -ENOMEM;
    }
    int rc = sqlite3_exec(db, b.data, NULL, NULL, NULL);
    ledger_buf_free(&b);
    if (rc != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return ledger_sql_errno(rc);
    }
    return 0;
}

static int pragma_int(sqlite3 *db, const char *sql, int64_t *ret)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *ret = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_CORRUPT;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : ledger_sql_errno(rc);
}

/* Run quick_check or integrity_check; a damaged file (any answer but "ok", or SQLite
 * saying the file is corrupt or not a database) fills damage and returns -EBADMSG. */
static int run_check(sqlite3 *db, bool full, char *damage, size_t size)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, full ? "PRAGMA integrity_check(1)" : "PRAGMA quick_check(1)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int e = 0;
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (!t || strcmp(t, "ok") != 0) {
            snprintf(damage, size, "%s: %s", full ? "integrity_check" : "quick_check",
                     t ? t : "(null)");
            e = -EBADMSG;
        }
    } else {
        e = ledger_sql_errno(rc);
        snprintf(damage, size, "%s", sqlite3_errmsg(db));
        if (e == -EBADMSG || e == -EIO)
            e = -EBADMSG;
    }
    sqlite3_finalize(st);
    return e;
}

/* ---- Opening ----------------------------------------------------------------------------- */

static int set_identity(struct ledger *l, const struct ledger_identity *id)
{
    struct {
        const char *src;
        char *dst;
        size_t size;
    } f[] = {
        {id->device_id, l->id.device_id, sizeof l->id.device_id},
        {id->unit_codes, l->id.unit_codes, sizeof l->id.unit_codes},
        {id->province_code, l->id.province_code, sizeof l->id.province_code},
        {id->province_name, l->id.province_name, sizeof l->id.province_name},
        {id->district_code, l->id.district_code, sizeof l->id.district_code},
        {id->district_name, l->id.district_name, sizeof l->id.district_name},
        {id->commune_code, l->id.commune_code, sizeof l->id.commune_code},
        {id->commune_name, l->id.commune_name, sizeof l->id.commune_name},
    };
    if (!ledger_is_slug(id->device_id))
        return -EINVAL;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const char *s = f[i].src ? f[i].src : "";
        size_t n = strlen(s);
        if (n >= f[i].size || !ledger_utf8_valid(s, n))
            return -EINVAL;
    }
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        strcpy(f[i].dst, f[i].src ? f[i].src : "");
    return 0;
}

static int open_db(const char *path, bool readonly, sqlite3 **ret)
{
    sqlite3 *db = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        int e = ledger_sql_errno(rc);
        sqlite3_close(db);
        return e;
    }
    ledger_sql_harden(db);
    sqlite3_busy_timeout(db, 10000);
    *ret = db;
    return 0;
}

static int setup_connection(sqlite3 *db, bool readonly)
{
    if (readonly)
        return 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    bool wal = mode && strcmp(mode, "wal") == 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return ledger_sql_errno(rc);
    if (!wal)
        return -EIO;
    /* FULL: WAL with NORMAL may lose the last commits on power loss (sqlite.org
     * pragma.html#pragma_synchronous); a record must survive once acknowledged. */
    rc = sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    return ledger_sql_errno(rc);
}

/* Best effort: the head of a damaged ledger, checked against its own hash. */
static void read_old_head(sqlite3 *db, int64_t *ret_seq, bool *ret_has_hash,
                          uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    char sql[1024];
    sqlite3_stmt *st = NULL;
    *ret_seq = 0;
    *ret_has_hash = false;
    snprintf(sql, sizeof sql, "SELECT %s FROM records ORDER BY seq DESC LIMIT 1",
             ledger_sql_columns());
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        struct ledger_row_buf *rb = malloc(sizeof(*rb));
        struct ledger_record r;
        uint8_t h[LEDGER_HASH_SIZE];
        if (rb && ledger_sql_read_row(st, rb, &r, NULL) == 0 && ledger_record_hash(&r, h) == 0 &&
            memcmp(h, r.hash, LEDGER_HASH_SIZE) == 0) {
            *ret_seq = r.seq;
            *ret_has_hash = true;
            memcpy(ret_hash, r.hash, LEDGER_HASH_SIZE);
        }
        free(rb);
    }
    sqlite3_finalize(st);
    if (*ret_has_hash)
        return;
    int64_t max = 0;
    if (pragma_int(db, "SELECT max(seq) FROM records", &max) == 0 && max > 0)
        *ret_seq = max;
}

static int rename_if_exists(const char *from, const char *to)
{
    if (rename(from, to) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

static void fsync_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        strcpy(dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Move path, path-wal and path-shm aside as path.quarantined.<n>[-wal|-shm]. */
static int quarantine(const char *path, char *ret_path, size_t size)
{
    char q[4200], from[4200], to[4300];
    for (int n = 1; n < 10000; n++) {
        snprintf(q, sizeof q, "%s.quarantined.%d", path, n);
        struct stat st;
        if (lstat(q, &st) == 0)
            continue;
        if (errno != ENOENT)
            return -errno;
        int e = rename_if_exists(path, q);
        static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
        for (size_t i = 0; e == 0 && i < 3; i++) {
            snprintf(from, sizeof from, "%s%s", path, suffixes[i]);
            snprintf(to, sizeof to, "%s%s", q, suffixes[i]);
            e = rename_if_exists(from, to);
        }
        if (e < 0)
            return e;
        fsync_dir_of(path);
        snprintf(ret_path, size, "%s", q);
        return 0;
    }
    return -EEXIST;
}

static int prepare_statements(struct ledger *l)
{
    char sql[2048];
    struct ledger_buf b = {0};
    ledger_sql_insert_text(&b);
    if (b.failed) {
        ledger_buf_free(&b);
        return -ENOMEM;
    }
    int rc = l->readonly ? SQLITE_OK
                         : sqlite3_prepare_v3(l->db, b.data, -1, SQLITE_PREPARE_PERSISTENT,
                                              &l->st_insert, NULL);
    ledger_buf_free(&b);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(l->db, "SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1",
                                -1, SQLITE_PREPARE_PERSISTENT, &l->st_head, NULL);
    snprintf(sql, sizeof sql,
             "SELECT phase FROM records WHERE kind = 'airing' AND airing_key = ?1");
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &l->st_key, NULL);
    return ledger_sql_errno(rc);
}

static int check_device(struct ledger *l, struct loa_diag *reterr)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(l->db, "SELECT device FROM records ORDER BY seq DESC LIMIT 1", -1,
                                &st, NULL);
    int e = 0;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *dev = (const char *)sqlite3_column_text(st, 0);
        if (!dev || strcmp(dev, l->id.device_id) != 0)
            e = loa_diag_set(reterr, -EXDEV, LOA_SEV_ERROR, l->path, 0,
                             "this ledger belongs to device '%s', not '%s'", dev ? dev : "?",
                             l->id.device_id);
    } else if (rc != SQLITE_DONE) {
        e = ledger_sql_errno(rc);
    }
    sqlite3_finalize(st);
    return e;
}

static int append_continuation(struct ledger *l, const struct ledger_open_options *o,
                               const char *qpath, const char *damage, int64_t old_seq,
                               bool has_hash, const uint8_t old_hash[LEDGER_HASH_SIZE],
                               int64_t *ret_seq);

int ledger_open(const char *path, const struct ledger_open_options *opts,
                struct ledger **ret_ledger, struct ledger_open_report *ret_report,
                struct loa_diag *reterr)
{
    struct ledger_open_report rep;
    memset(&rep, 0, sizeof rep);
    if (!path || !opts)
        return -EINVAL;
    bool readonly = opts->flags & LEDGER_OPEN_READONLY;
    if (!readonly && (!opts->identity || !opts->key))
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, path, 0,
                            "opening a ledger for writing needs the device identity and key");
    if (sodium_init() < 0)
        return -EIO;

    struct ledger *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->lock_fd = -1;
    l->readonly = readonly;
    l->key = opts->key;
    l->path = strdup(path);
    int e = 0;
    if (!l->path) {
        e = -ENOMEM;
        goto fail;
    }
    if (!readonly) {
        e = set_identity(l, opts->identity);
        if (e < 0) {
            loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0, "invalid device identity");
            goto fail;
        }
    }

    char lockpath[4200], marker[4200];
    snprintf(lockpath, sizeof lockpath, "%s.lock", path);
    snprintf(marker, sizeof marker, "%s.open", path);
    bool exclusive = false;
    struct stat st;
    if (readonly) {
        if (stat(path, &st) < 0) {
            e = loa_diag_set(reterr, -errno, LOA_SEV_ERROR, path, 0, "cannot open the ledger: %s",
                             strerror(errno));
            goto fail;
        }
    } else {
        /* Who else has it open? Each opener holds a shared lock; the first (exclusive)
         * one decides whether the last session ended uncleanly: its marker is still
         * there though nobody holds the lock. */
        l->lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (l->lock_fd < 0) {
            e = loa_diag_set(reterr, -errno, LOA_SEV_ERROR, lockpath, 0, "cannot open: %s",
                             strerror(errno));
            goto fail;
        }
        if (flock(l->lock_fd, LOCK_EX | LOCK_NB) == 0) {
            exclusive = true;
            rep.unclean = access(marker, F_OK) == 0;
        } else if (flock(l->lock_fd, LOCK_SH) < 0) {
            e = -errno;
            goto fail;
        }
        rep.created = stat(path, &st) < 0 || st.st_size == 0;
    }

    e = open_db(path, readonly, &l->db);
    if (e < 0) {
        loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0, "cannot open the ledger: %s", strerror(-e));
        goto fail;
    }
    e = setup_connection(l->db, readonly);
    if (e == 0)
        e = run_check(l->db, rep.unclean, rep.damage, sizeof rep.damage);
    else
        snprintf(rep.damage, sizeof rep.damage, "%s", sqlite3_errmsg(l->db));

    int64_t version = 0;
    if (e == 0)
        e = pragma_int(l->db, "PRAGMA user_version", &version);
    if (e == 0 && version > LEDGER_SCHEMA_VERSION) {
        e = loa_diag_set(reterr, -EPROTONOSUPPORT, LOA_SEV_ERROR, path, 0,
                         "ledger schema version %lld is newer than this loa (%d)",
                         (long long)version, LEDGER_SCHEMA_VERSION);
        goto fail;
    }
    if (e == 0 && version == 0) {
        int64_t n_objects = 0;
        e = pragma_int(l->db, "SELECT count(*) FROM sqlite_master", &n_objects);
        if (e == 0 && n_objects > 0) {
            e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0,
                             "not a loa ledger (a database with other tables)");
            goto fail;
        }
        if (e == 0 && readonly) {
            e = loa_diag_set(reterr, -ENOENT, LOA_SEV_ERROR, path, 0, "empty ledger file");
            goto fail;
        }
        if (e == 0)
            e = create_schema(l->db);
    }

    if (e == -EBADMSG ||
        (e < 0 && rep.damage[0] && e != -EBUSY && e != -EACCES && e != -ENOMEM && e != -EROFS)) {
        /* Damaged. Quarantine only when nobody else has the file open. */
        if (readonly || !exclusive) {
            e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, path, 0, "damaged ledger: %s",
                             rep.damage[0] ? rep.damage : "unreadable");
            goto fail;
        }
        int64_t old_seq = 0;
        bool has_hash = false;
        uint8_t old_hash[LEDGER_HASH_SIZE] = {0};
        read_old_head(l->db, &old_seq, &has_hash, old_hash);
        sqlite3_close(l->db);
        l->db = NULL;
        e = quarantine(path, rep.quarantine_path, sizeof rep.quarantine_path);
        if (e < 0) {
            loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0,
                         "cannot quarantine the damaged ledger: %s", strerror(-e));
            goto fail;
        }
        rep.quarantined = true;
        e = open_db(path, false, &l->db);
        if (e == 0)
            e = setup_connection(l->db, false);
        if (e == 0)
            e = create_schema(l->db);
        if (e == 0)
            e = prepare_statements(l);
        if (e == 0)
            e = append_continuation(l, opts, rep.quarantine_path, rep.damage, old_seq, has_hash,
                                    old_hash, &rep.continued_seq);
        if (e < 0) {
            loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0,
                         "cannot start a new ledger after quarantine: %s", strerror(-e));
            goto fail;
        }
    } else if (e < 0) {
        loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0, "cannot open the ledger: %s%s%s",
                     strerror(-e), rep.damage[0] ? ": " : "", rep.damage);
        goto fail;
    } else {
        e = prepare_statements(l);
        if (e < 0) {
            loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0, "not a loa ledger: %s",
                         sqlite3_errmsg(l->db));
            goto fail;
        }
    }

    if (!readonly) {
        e = check_device(l, reterr);
        if (e < 0)
            goto fail;
        if (exclusive) {
            int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (fd >= 0) {
                fsync(fd);
                close(fd);
                fsync_dir_of(marker);
            }
            flock(l->lock_fd, LOCK_SH); /* downgrade: others may open too */
            l->owns_marker = true;
        }
    }
    if (ret_report)
        *ret_report = rep;
    l->opened = true;
    *ret_ledger = l;
    return 0;
fail:
    if (ret_report)
        *ret_report = rep;
    ledger_close(l);
    return e;
}

/* ---- Writing --------------------------------------------------------------------------- */

static void free_pending_range(struct ledger *l, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        ledger_record_free(l->pending[i].r);
}

static void drop_pending(struct ledger *l, size_t i)
{
    ledger_record_free(l->pending[i].r);
    memmove(&l->pending[i], &l->pending[i + 1], (l->n_pending - i - 1) * sizeof(*l->pending));
    l->n_pending--;
}

static int read_head(struct ledger *l, int64_t *ret_seq, uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    sqlite3_stmt *st = l->st_head;
    int rc = sqlite3_step(st);
    int e = 0;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 1) != LEDGER_HASH_SIZE) {
            e = -EBADMSG;
        } else {
            *ret_seq = sqlite3_column_int64(st, 0);
            memcpy(ret_hash, sqlite3_column_blob(st, 1), LEDGER_HASH_SIZE);
        }
    } else if (rc == SQLITE_DONE) {
        *ret_seq = 0;
        memset(ret_hash, 0, LEDGER_HASH_SIZE);
    } else {
        e = ledger_sql_errno(rc);
    }
    sqlite3_reset(st);
    return e;
}

static int insert_record(struct ledger *l, const struct ledger_record *r)
{
    return ledger_sql_insert_row(l->st_insert, r);
}

/* Write the whole queue in one transaction. On failure nothing was written and the
 * queue is intact, except that a record refused by a constraint (another process wrote
 * the same airing key meanwhile) is dropped: *ret_dropped says which queue position. */
static int write_queue(struct ledger *l, size_t *ret_dropped)
{
    *ret_dropped = SIZE_MAX;
    if (l->n_pending == 0)
        return 0;
    int rc = sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return ledger_sql_errno(rc);
    int64_t seq;
    uint8_t hash[LEDGER_HASH_SIZE];
    int e = read_head(l, &seq, hash);
    int64_t first = seq + 1;
    for (size_t i = 0; e == 0 && i < l->n_pending; i++) {
        struct pending *p = &l->pending[i];
        struct ledger_record *r = p->r;
        r->seq = seq + 1;
        memcpy(r->prev_hash, hash, LEDGER_HASH_SIZE);
        if (p->sign) {
            char msg[512];
            uint8_t sig[LEDGER_SIG_SIZE];
            r->checkpoint_seq = seq;
            r->checkpoint_head = ledger_hex(hash, p->head_hex);
            e = ledger_checkpoint_message(r->device_id, r->key_id, seq, hash, msg, sizeof msg);
            if (e >= 0)
                e = ledger_key_sign(l->key, msg, (size_t)e, sig);
            if (e < 0)
                break;
            r->signature = ledger_b64_encode(sig, sizeof sig, p->sig_b64, sizeof p->sig_b64);
        }
        e = ledger_record_hash(r, r->hash);
        if (e == 0)
            e = insert_record(l, r);
        if (e == -EEXIST)
            *ret_dropped = i;
        seq = r->seq;
        memcpy(hash, r->hash, LEDGER_HASH_SIZE);
    }
    if (e == 0) {
        rc = sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
        e = ledger_sql_errno(rc);
    }
    if (e < 0) {
        if (!sqlite3_get_autocommit(l->db))
            sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
        return e;
    }
    l->last_written_first_seq = first;
    return 0;
}

/* Write the queue; returns 0, or the failure (records stay queued). */
static int flush_queue(struct ledger *l)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        size_t dropped;
        int e = write_queue(l, &dropped);
        l->full = e == -ENOSPC;
        if (e == 0) {
            free_pending_range(l, 0, l->n_pending);
            l->n_pending = 0;
            return 0;
        }
        if (e != -EEXIST || dropped == SIZE_MAX)
            return e;
        drop_pending(l, dropped);
    }
    return -EIO;
}

static bool empty(const char *s)
{
    return !s || !*s;
}

static int validate(const struct ledger_record *r, struct loa_diag *reterr)
{
#define BAD(...) return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0, __VA_ARGS__)
    if (r->written_usec == LEDGER_NONE || r->written_usec < 0)
        BAD("a record needs its time (written_usec)");
    if (!ledger_trust_name(r->trust))
        BAD("invalid clock trust");
    bool notice_fields = r->shown_first_usec != LEDGER_NONE || r->shown_last_usec != LEDGER_NONE ||
                         r->shown_times != LEDGER_NONE || r->shown_seconds != LEDGER_NONE;
    bool checkpoint_fields =
        r->checkpoint_seq != LEDGER_NONE || !empty(r->checkpoint_head) || !empty(r->signature);
    bool outcome_fields = r->outcome != LEDGER_OUTCOME_NONE || !empty(r->reason);
    if (checkpoint_fields)
        BAD("checkpoint fields are filled by ledger_append_checkpoint() only");
    switch (r->kind) {
    case LEDGER_AIRING:
        if (r->phase != LEDGER_PHASE_START && r->phase != LEDGER_PHASE_FINAL)
            BAD("an airing record is a start or a final record");
        if (empty(r->airing_key) || empty(r->item_id))
            BAD("an airing record needs its airing key and item");
        if (r->source == LEDGER_SOURCE_NONE || !ledger_source_name(r->source))
            BAD("an airing record needs its source (plan, play-now, test)");
        if (r->airing_kind == LEDGER_AIRING_KIND_NONE || !ledger_airing_kind_name(r->airing_kind))
            BAD("an airing record needs its kind (chime, announcement, relay)");
        if (r->phase == LEDGER_PHASE_START && outcome_fields)
            BAD("a start record has no outcome");
        if (r->phase == LEDGER_PHASE_FINAL && !ledger_reason_valid(r->outcome, r->reason))
            BAD("airing %s: '%s' is not a reason for outcome '%s'", r->airing_key,
                r->reason ? r->reason : "",
                ledger_outcome_name(r->outcome) ? ledger_outcome_name(r->outcome) : "?");
        if (notice_fields || !empty(r->event_type))
            BAD("an airing record has no notice or event fields");
        break;
    case LEDGER_NOTICE:
        if (empty(r->item_id) || r->shown_first_usec == LEDGER_NONE ||
            r->shown_last_usec == LEDGER_NONE || r->shown_times == LEDGER_NONE ||
            r->shown_seconds == LEDGER_NONE)
            BAD("a notice record needs the notice id, first and last shown, times and seconds");
        if (r->phase != LEDGER_PHASE_NONE || outcome_fields || !empty(r->event_type) ||
            !empty(r->airing_key))
            BAD("a notice record has no airing or event fields");
        break;
    case LEDGER_EVENT:
        if (!ledger_is_slug(r->event_type))
            BAD("an event needs a type ([a-z0-9-]+)");
        if (r->phase != LEDGER_PHASE_NONE || outcome_fields || notice_fields)
            BAD("an event record has no airing outcome or notice fields");
        break;
    case LEDGER_CHECKPOINT:
        BAD("use ledger_append_checkpoint() for checkpoints");
    default:
        BAD("unknown record kind");
    }
    if (r->source != LEDGER_SOURCE_NONE && !ledger_source_name(r->source))
        BAD("invalid source");
    if (!ledger_class_name(r->cls) || !ledger_airing_kind_name(r->airing_kind) ||
        !ledger_outcome_name(r->outcome) || !ledger_phase_name(r->phase))
        BAD("invalid enumeration value");
    char scratch[LEDGER_SHORT_FIELD];
    for (size_t i = 0; i < LF_COUNT; i++) {
        size_t len;
        if (i == LF_DEVICE || i == LF_KEY_ID)
            continue; /* filled by the ledger */
        if (!ledger_field_text(r, i, scratch, &len, reterr))
            return -EINVAL;
    }
    return 0;
#undef BAD
}

static unsigned pending_key_flags(const struct ledger *l, const char *key)
{
    unsigned f = 0;
    for (size_t i = 0; i < l->n_pending; i++) {
        const struct ledger_record *q = l->pending[i].r;
        if (q->kind == LEDGER_AIRING && strcmp(q->airing_key, key) == 0)
            f |= q->phase == LEDGER_PHASE_START ? LEDGER_KEY_HAS_START : LEDGER_KEY_HAS_FINAL;
    }
    return f;
}

int ledger_lookup_key(struct ledger *l, const char *airing_key, unsigned *ret_flags)
{
    unsigned f = pending_key_flags(l, airing_key);
    sqlite3_stmt *st = l->st_key;
    sqlite3_bind_text(st, 1, airing_key, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *ph = (const char *)sqlite3_column_text(st, 0);
        if (ph && strcmp(ph, "start") == 0)
            f |= LEDGER_KEY_HAS_START;
        else if (ph && strcmp(ph, "final") == 0)
            f |= LEDGER_KEY_HAS_FINAL;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return ledger_sql_errno(rc);
    *ret_flags = f;
    return 0;
}

static int fill_identity(const struct ledger *l, struct ledger_record *r)
{
    r->device_id = l->id.device_id;
    r->key_id = l->key->key_id;
    r->unit_codes = l->id.unit_codes;
    r->province_code = l->id.province_code;
    r->province_name = l->id.province_name;
    r->district_code = l->id.district_code;
    r->district_name = l->id.district_name;
    r->commune_code = l->id.commune_code;
    r->commune_name = l->id.commune_name;
    return 0;
}

/* Queue a copy of r (identity filled) and write the queue unless a batch is open. */
static int enqueue_and_write(struct ledger *l, const struct ledger_record *r, bool sign,
                             int64_t *ret_seq)
{
    if (l->n_pending >= MAX_PENDING)
        return -ENOSPC; /* the disk has been full too long: refuse rather than eat memory */
    if (l->n_pending == l->cap_pending) {
        size_t cap = l->cap_pending ? 2 * l->cap_pending : 16;
        struct pending *p = realloc(l->pending, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        l->pending = p;
        l->cap_pending = cap;
    }
    struct ledger_record tmp = *r;
    fill_identity(l, &tmp);
    tmp.seq = 0;
    struct ledger_record *c = ledger_record_dup(&tmp);
    if (!c)
        return -ENOMEM;
    struct pending *p = &l->pending[l->n_pending];
    memset(p, 0, sizeof(*p));
    p->r = c;
    p->sign = sign;
    size_t pos = l->n_pending++;
    if (l->batch_open)
        return LEDGER_HELD;
    /* While the disk is full, retrying the whole queue on every append would cost
     * O(n^2): try again every 64 records (ledger_flush() always tries). */
    if (l->full && l->n_pending % 64 != 0)
        return LEDGER_HELD;
    int e = flush_queue(l);
    if (e == 0) {
        if (ret_seq)
            *ret_seq = l->last_written_first_seq + (int64_t)pos;
        return 0;
    }
    if (e == -EEXIST) /* our own record lost to a concurrent writer of the same key */
        return -EEXIST;
    /* Disk full, busy, I/O: keep everything queued; the caller is told it is held. */
    return LEDGER_HELD;
}

int ledger_append(struct ledger *l, const struct ledger_record *r, int64_t *ret_seq,
                  struct loa_diag *reterr)
{
    if (l->readonly)
        return -EROFS;
    int e = validate(r, reterr);
    if (e < 0)
        return e;
    if (r->kind == LEDGER_AIRING) {
        unsigned f = 0;
        e = ledger_lookup_key(l, r->airing_key, &f);
        if (e < 0)
            return loa_diag_set(reterr, e, LOA_SEV_ERROR, l->path, 0, "cannot read the ledger");
        if (r->phase == LEDGER_PHASE_START && f)
            return loa_diag_set(reterr, -EEXIST, LOA_SEV_ERROR, NULL, 0,
                                "airing %s already has a %s record: not starting it again",
                                r->airing_key, (f & LEDGER_KEY_HAS_FINAL) ? "final" : "start");
        if (r->phase == LEDGER_PHASE_FINAL && (f & LEDGER_KEY_HAS_FINAL))
            return loa_diag_set(reterr, -EEXIST, LOA_SEV_ERROR, NULL, 0,
                                "airing %s already has a final record", r->airing_key);
    }
    return enqueue_and_write(l, r, false, ret_seq);
}

int ledger_append_checkpoint(struct ledger *l, int64_t written_usec, enum ledger_trust trust,
                             const char *event_type, const char *event_detail, int64_t *ret_seq,
                             struct loa_diag *reterr)
{
    if (l->readonly)
        return -EROFS;
    if (!l->key || !l->key->has_secret)
        return loa_diag_set(reterr, -EPERM, LOA_SEV_ERROR, NULL, 0,
                            "signing a checkpoint needs the device's secret key");
    struct ledger_record r;
    ledger_record_init(&r, LEDGER_CHECKPOINT);
    r.written_usec = written_usec;
    r.trust = trust;
    r.event_type = event_type;
    r.event_detail = event_detail;
    if (written_usec < 0 || !ledger_trust_name(trust) ||
        (!empty(event_type) && !ledger_is_slug(event_type)) ||
        (event_detail && !ledger_utf8_valid(event_detail, strlen(event_detail))))
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0, "invalid checkpoint");
    return enqueue_and_write(l, &r, true, ret_seq);
}

static int append_continuation(struct ledger *l, const struct ledger_open_options *o,
                               const char *qpath, const char *damage, int64_t old_seq,
                               bool has_hash, const uint8_t old_hash[LEDGER_HASH_SIZE],
                               int64_t *ret_seq)
{
    char hex[2 * LEDGER_HASH_SIZE + 1], seqtxt[24];
    const char *base = strrchr(qpath, '/');
    base = base ? base + 1 : qpath;
    struct ledger_buf detail = {0};
    ledger_format_int(old_seq, seqtxt);
    ledger_buf_printf(&detail,
                      "{\"quarantined\":\"%s\",\"head_seq\":%s,\"head\":%s%s%s,"
                      "\"damage\":\"",
                      base, old_seq > 0 ? seqtxt : "null", has_hash ? "\"" : "",
                      has_hash ? ledger_hex(old_hash, hex) : "null", has_hash ? "\"" : "");
    for (const char *p = damage; *p; p++) {
        if (*p == '"' || *p == '\\')
            ledger_buf_append(&detail, "\\", 1);
        if ((unsigned char)*p >= 0x20)
            ledger_buf_append(&detail, p, 1);
    }
    ledger_buf_puts(&detail, "\"}");
    if (detail.failed) {
        ledger_buf_free(&detail);
        return -ENOMEM;
    }

    struct ledger_record r;
    ledger_record_init(&r, LEDGER_EVENT);
    r.written_usec = o->now_usec > 0 ? o->now_usec : 0;
    r.trust = o->trust;
    r.event_type = "ledger-continued";
    r.event_detail = ledger_utf8_valid(detail.data, detail.len) ? detail.data : "{}";
    fill_identity(l, &r);
    /* The chain carries on from the old head when it could be read and checked; when
     * only its seq could be read, the numbering carries on and the chain restarts from
     * zero (the verifier accepts that only at a ledger-continued event). */
    r.seq = old_seq + 1;
    if (has_hash)
        memcpy(r.prev_hash, old_hash, LEDGER_HASH_SIZE);
    int e = ledger_record_hash(&r, r.hash);
    if (e == 0) {
        int rc = sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        e = ledger_sql_errno(rc);
        if (e == 0)
            e = insert_record(l, &r);
        if (e == 0)
            e = ledger_sql_errno(sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL));
        if (e < 0 && !sqlite3_get_autocommit(l->db))
            sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    }
    ledger_buf_free(&detail);
    if (e == 0)
        *ret_seq = r.seq;
    return e;
}

int ledger_batch_begin(struct ledger *l)
{
    if (l->batch_open)
        return -EBUSY;
    l->batch_open = true;
    return 0;
}

int ledger_batch_end(struct ledger *l)
{
    l->batch_open = false;
    int e = flush_queue(l);
    if (e == 0)
        return 0;
    return e == -ENOSPC || e == -EBUSY || e == -EIO ? LEDGER_HELD : e;
}

int ledger_flush(struct ledger *l)
{
    if (l->batch_open)
        return -EBUSY;
    return flush_queue(l);
}

size_t ledger_pending(const struct ledger *l)
{
    return l->n_pending;
}

int ledger_set_identity(struct ledger *l, const struct ledger_identity *id)
{
    if (strcmp(id->device_id ? id->device_id : "", l->id.device_id) != 0)
        return -EXDEV;
    return set_identity(l, id);
}

int ledger_set_page_limit(struct ledger *l, int64_t max_pages)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
             (long long)(max_pages > 0 ? max_pages : 1073741823));
    return ledger_sql_errno(sqlite3_exec(l->db, sql, NULL, NULL, NULL));
}

size_t ledger_close(struct ledger *l)
{
    if (!l)
        return 0;
    size_t lost = 0;
    if (l->db && !l->readonly && l->n_pending) {
        l->batch_open = false;
        flush_queue(l);
        lost = l->n_pending;
    }
    free_pending_range(l, 0, l->n_pending);
    free(l->pending);
    sqlite3_finalize(l->st_insert);
    sqlite3_finalize(l->st_head);
    sqlite3_finalize(l->st_key);
    bool closed = true;
    if (l->db)
        closed = sqlite3_close(l->db) == SQLITE_OK;
    if (l->lock_fd >= 0) {
        /* The marker goes when its owner closes cleanly and is the last one out. When
         * the owner leaves first it stays: the next opener runs integrity_check once
         * more than needed, which is better than missing a crash of the owner while
         * another process had the ledger open. */
        if (closed && l->opened && l->owns_marker && flock(l->lock_fd, LOCK_EX | LOCK_NB) == 0) {
            char marker[4200];
            snprintf(marker, sizeof marker, "%s.open", l->path);
            unlink(marker);
        }
        close(l->lock_fd);
    }
    free(l->path);
    free(l);
    return lost;
}

/* ---- Reading ----------------------------------------------------------------------------- */

int ledger_head(struct ledger *l, int64_t *ret_seq, uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    int64_t seq;
    uint8_t h[LEDGER_HASH_SIZE];
    int e = read_head(l, &seq, h);
    if (e < 0)
        return e;
    *ret_seq = seq;
    memcpy(ret_hash, h, LEDGER_HASH_SIZE);
    return 0;
}

static int query_records(struct ledger *l, const char *where, int64_t a, int64_t b,
                         const char *text, ledger_record_fn *fn, void *userdata)
{
    char sql[2048];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT %s FROM records WHERE %s", ledger_sql_columns(), where);
    int rc = sqlite3_prepare_v2(l->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return ledger_sql_errno(rc);
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    if (text)
        sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    struct ledger_row_buf *rb = malloc(sizeof(*rb));
    int e = rb ? 0 : -ENOMEM;
    while (e == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_record r;
        e = ledger_sql_read_row(st, rb, &r, NULL);
        if (e == 0)
            e = fn(&r, userdata);
    }
    if (e == 0 && rc != SQLITE_DONE)
        e = ledger_sql_errno(rc);
    free(rb);
    sqlite3_finalize(st);
    return e;
}

static int dup_cb(const struct ledger_record *r, void *userdata)
{
    struct ledger_record **out = userdata;
    *out = ledger_record_dup(r);
    return *out ? 1 : -ENOMEM;
}

static int query_one(struct ledger *l, const char *where, int64_t a, int64_t b, const char *text,
                     struct ledger_record **ret)
{
    struct ledger_record *r = NULL;
    int e = query_records(l, where, a, b, text, dup_cb, &r);
    if (e < 0)
        return e;
    if (e == 0)
        return -ENOENT;
    *ret = r;
    return 0;
}

int ledger_get(struct ledger *l, int64_t seq, struct ledger_record **ret)
{
    return query_one(l, "seq = ?1", seq, 0, NULL, ret);
}

int ledger_get_airing(struct ledger *l, const char *airing_key, enum ledger_phase phase,
                      struct ledger_record **ret)
{
    const char *where = phase == LEDGER_PHASE_START
                            ? "kind = 'airing' AND airing_key = ?3 AND phase = 'start'"
                            : "kind = 'airing' AND airing_key = ?3 AND phase = 'final'";
    return query_one(l, where, 0, 0, airing_key, ret);
}

int ledger_foreach(struct ledger *l, int64_t from_seq, int64_t to_seq, ledger_record_fn *fn,
                   void *userdata)
{
    if (to_seq <= 0)
        to_seq = INT64_MAX;
    return query_records(l, "seq BETWEEN ?1 AND ?2 ORDER BY seq", from_seq, to_seq, NULL, fn,
                         userdata);
}

int ledger_last_checkpoint(struct ledger *l, const char *event_type, struct ledger_record **ret)
{
    return query_one(l,
                     "kind = 'checkpoint' AND event_type = ?3 "
                     "ORDER BY seq DESC LIMIT 1",
                     0, 0, event_type, ret);
}

static int int_query(struct ledger *l, const char *sql, int64_t a, int64_t b, int64_t *ret)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(l->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, a);
        sqlite3_bind_int64(st, 2, b);
        rc = sqlite3_step(st);
    }
    int e = 0;
    if (rc == SQLITE_ROW)
        *ret = sqlite3_column_int64(st, 0); /* NULL reads as 0 */
    else if (rc == SQLITE_DONE)
        *ret = 0;
    else
        e = ledger_sql_errno(rc);
    sqlite3_finalize(st);
    return e;
}

int ledger_last_seq_written_by(struct ledger *l, int64_t from_seq, int64_t written_usec,
                               int64_t *ret_seq)
{
    return int_query(l, "SELECT max(seq) FROM records WHERE seq >= ?1 AND written <= ?2", from_seq,
                     written_usec, ret_seq);
}

int ledger_has_real_records(struct ledger *l, bool *ret)
{
    int64_t v = 0;
    int e = int_query(l,
                      "SELECT count(*) FROM (SELECT 1 FROM records "
                      "WHERE clock_trust <> 'virtual' LIMIT 1)",
                      0, 0, &v);
    if (e == 0)
        *ret = v > 0;
    return e;
}

struct open_starts {
    int64_t *seqs;
    size_t n, cap;
};

static int collect_seq(const struct ledger_record *r, void *userdata)
{
    struct open_starts *o = userdata;
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 8;
        int64_t *s = realloc(o->seqs, cap * sizeof(*s));
        if (!s)
            return -ENOMEM;
        o->seqs = s;
        o->cap = cap;
    }
    o->seqs[o->n++] = r->seq;
    return 0;
}

int ledger_close_interrupted(struct ledger *l, int64_t now_usec, enum ledger_trust trust)
{
    if (l->readonly)
        return -EROFS;
    struct open_starts o = {0};
    int e = query_records(l,
                          "kind = 'airing' AND phase = 'start' "
                          "AND NOT EXISTS (SELECT 1 FROM records f WHERE f.kind = 'airing' "
                          "AND f.airing_key = records.airing_key AND f.phase = 'final') "
                          "ORDER BY seq",
                          0, 0, NULL, collect_seq, &o);
    int closed = 0;
    for (size_t i = 0; e == 0 && i < o.n; i++) {
        struct ledger_record *s = NULL;
        e = ledger_get(l, o.seqs[i], &s);
        if (e < 0)
            break;
        unsigned f = pending_key_flags(l, s->airing_key);
        if (!(f & LEDGER_KEY_HAS_FINAL)) {
            struct ledger_record fin = *s;
            fin.phase = LEDGER_PHASE_FINAL;
            fin.written_usec = now_usec;
            fin.trust = trust;
            fin.outcome = LEDGER_OUTCOME_INTERRUPTED;
            fin.reason = "crash";
            fin.actual_end_usec = LEDGER_NONE;
            fin.played_ms = LEDGER_NONE;
            int a = ledger_append(l, &fin, NULL, NULL);
            if (a < 0)
                e = a;
            else
                closed++;
        }
        ledger_record_free(s);
    }
    free(o.seqs);
    return e < 0 ? e : closed;
}

const char *ledger_path(const struct ledger *l)
{
    return l->path;
}

int ledger_integrity_check(struct ledger *l, struct loa_diag *reterr)
{
    char damage[512] = "";
    int e = run_check(l->db, true, damage, sizeof damage);
    if (e == -EBADMSG)
        return loa_diag_set(reterr, e, LOA_SEV_ERROR, l->path, 0, "%s", damage);
    return e;
}
