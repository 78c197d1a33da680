/* Verification common to every source: the chain walk, --after, the result cache,
 * several sources checked against each other.
 *
 * Not merely "a valid signature exists" (systemd CVE-2023-31439): every record is
 * re-hashed, sequence numbers must be contiguous, every checkpoint's signature must
 * verify against a listed key, and a known head (--after) must be reached.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ledger_export.h"
#include "ledger_verify_internal.h"

#define CACHE_MAGIC "loa-verify-cache v1"
/* Hashing a source for the cache key reads it in blocks of this size. */
#define HASH_BLOCK (1 << 20)

int32_t ledger_utc_day(int64_t usec)
{
    int64_t sec = usec / 1000000;
    if (usec < 0 && usec % 1000000)
        sec--;
    int64_t day = sec / 86400;
    if (sec < 0 && sec % 86400)
        day--;
    return (int32_t)day;
}

int ledger_verify_fail(struct ledger_verify_result *res, int64_t seq, const char *fmt, ...)
{
    if (res->message[0])
        return -EBADMSG; /* the first failure is the one reported */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
    res->bad_seq = seq;
    return -EBADMSG;
}

static bool all_zero(const uint8_t *h)
{
    for (size_t i = 0; i < LEDGER_HASH_SIZE; i++)
        if (h[i])
            return false;
    return true;
}

static int check_checkpoint(struct ledger_chain *c, const struct ledger_record *r)
{
    char hex[2 * LEDGER_HASH_SIZE + 1], why[256], msg[512];
    uint8_t keynum[LEDGER_KEYNUM_SIZE], sig[LEDGER_SIG_SIZE + 4];
    if (r->checkpoint_seq != r->seq - 1 ||
        strcmp(r->checkpoint_head, ledger_hex(r->prev_hash, hex)))
        return ledger_verify_fail(c->res, r->seq, "checkpoint does not cover the record before it");
    /* key_id is 16 hex digits (checked by the parser): back to the key number. */
    uint64_t v = strtoull(r->key_id, NULL, 16);
    for (int i = 0; i < LEDGER_KEYNUM_SIZE; i++)
        keynum[i] = (uint8_t)(v >> (8 * i));
    const struct ledger_keyring_entry *k = ledger_keyring_find(
        c->o->keys, r->device_id, keynum, ledger_utc_day(r->written_usec), why, sizeof why);
    if (!k)
        return ledger_verify_fail(c->res, r->seq, "checkpoint signed by an unknown key: %s", why);
    int n = ledger_checkpoint_message(r->device_id, r->key_id, r->checkpoint_seq, r->prev_hash, msg,
                                      sizeof msg);
    if (n < 0 ||
        ledger_b64_decode_canonical(r->signature, strlen(r->signature), sig, sizeof sig) !=
            LEDGER_SIG_SIZE ||
        !ledger_sig_verify(k->pk, msg, (size_t)n, sig))
        return ledger_verify_fail(c->res, r->seq, "checkpoint signature does not verify");
    c->res->trusted_last_seq = r->checkpoint_seq;
    c->res->n_checkpoints++;
    snprintf(c->res->key_id, sizeof c->res->key_id, "%s", r->key_id);
    return 0;
}

int ledger_chain_step(struct ledger_chain *c, const struct ledger_record *r)
{
    struct ledger_verify_result *res = c->res;
    uint8_t h[LEDGER_HASH_SIZE];

    if (!c->started) {
        if (c->is_db) {
            /* A ledger starts at seq 1 from the zero hash, or continues a quarantined one
             * with a ledger-continued event: anything else has lost its beginning. */
            bool continued =
                r->kind == LEDGER_EVENT && strcmp(r->event_type, "ledger-continued") == 0;
            if (!((r->seq == 1 && all_zero(r->prev_hash)) || continued))
                return ledger_verify_fail(res, r->seq,
                                          "the ledger does not start at seq 1 (records before "
                                          "it are missing)");
        }
        c->started = true;
        res->first_seq = r->seq;
        res->has_prev = !all_zero(r->prev_hash);
        memcpy(res->prev, r->prev_hash, LEDGER_HASH_SIZE);
        snprintf(res->device_id, sizeof res->device_id, "%s", r->device_id);
        c->first_written_usec = c->last_written_usec = r->written_usec;
        c->first_session_day = c->last_session_day = LEDGER_NO_DAY;
        if (c->o->has_after && r->seq == c->o->after_seq + 1 &&
            memcmp(r->prev_hash, c->o->after_hash, LEDGER_HASH_SIZE) != 0)
            return ledger_verify_fail(res, r->seq,
                                      "does not continue the known head %lld (--after)",
                                      (long long)c->o->after_seq);
    } else {
        if (r->seq != c->expect_seq)
            return ledger_verify_fail(res, c->expect_seq,
                                      "record missing: expected seq %lld, found %lld",
                                      (long long)c->expect_seq, (long long)r->seq);
        if (memcmp(r->prev_hash, c->expect_prev, LEDGER_HASH_SIZE) != 0)
            return ledger_verify_fail(res, r->seq, "prev_hash does not match the hash of seq %lld",
                                      (long long)(r->seq - 1));
    }
    if (ledger_record_hash(r, h) < 0 || memcmp(h, r->hash, LEDGER_HASH_SIZE) != 0)
        return ledger_verify_fail(res, r->seq, "the record does not match its hash");
    if (strcmp(r->device_id, res->device_id) != 0)
        return ledger_verify_fail(res, r->seq, "device id '%s' differs from '%s'", r->device_id,
                                  res->device_id);
    if (r->kind == LEDGER_CHECKPOINT) {
        int e = check_checkpoint(c, r);
        if (e < 0)
            return e;
    }
    if (c->o->has_after && r->seq == c->o->after_seq &&
        memcmp(r->hash, c->o->after_hash, LEDGER_HASH_SIZE) != 0)
        return ledger_verify_fail(res, r->seq,
                                  "differs from the known head (--after): an older or altered "
                                  "copy");
    for (size_t i = 0; i < c->n_probes; i++) {
        if (c->probes[i].seq == r->seq) {
            c->probes[i].found = true;
            memcpy(c->probes[i].hash, r->hash, LEDGER_HASH_SIZE);
        }
    }
    if (r->written_usec < c->first_written_usec)
        c->first_written_usec = r->written_usec;
    if (r->written_usec > c->last_written_usec)
        c->last_written_usec = r->written_usec;
    if (r->session_day != LEDGER_NO_DAY) {
        if (c->first_session_day == LEDGER_NO_DAY || r->session_day < c->first_session_day)
            c->first_session_day = r->session_day;
        if (c->last_session_day == LEDGER_NO_DAY || r->session_day > c->last_session_day)
            c->last_session_day = r->session_day;
    }
    res->last_seq = r->seq;
    res->n_records++;
    memcpy(res->head, r->hash, LEDGER_HASH_SIZE);
    c->expect_seq = r->seq + 1;
    memcpy(c->expect_prev, r->hash, LEDGER_HASH_SIZE);
    if (c->keep_last) {
        ledger_record_free(c->last);
        c->last = ledger_record_dup(r);
        if (!c->last)
            return -ENOMEM;
    }
    if (c->o->record_cb) {
        int e = c->o->record_cb(r, c->o->userdata);
        if (e != 0)
            return e < 0 ? e : -ECANCELED;
    }
    return 0;
}

int ledger_chain_finish(struct ledger_chain *c)
{
    const struct ledger_verify_options *o = c->o;
    struct ledger_verify_result *res = c->res;
    if (!o->has_after)
        return 0;
    if (res->n_records == 0 || res->last_seq < o->after_seq)
        return ledger_verify_fail(res, res->last_seq + 1,
                                  "truncated: ends at seq %lld, before the known head %lld "
                                  "(--after)",
                                  (long long)res->last_seq, (long long)o->after_seq);
    if (res->first_seq > o->after_seq + 1)
        return ledger_verify_fail(res, res->first_seq,
                                  "starts at seq %lld, after the known head %lld (--after): "
                                  "continuity cannot be checked",
                                  (long long)res->first_seq, (long long)o->after_seq);
    return 0;
}

int ledger_parse_after(const char *s, int64_t *ret_seq, uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    const char *colon = s ? strchr(s, ':') : NULL;
    int64_t seq;
    uint8_t h[LEDGER_HASH_SIZE];
    if (!colon || ledger_parse_int(s, (size_t)(colon - s), &seq) < 0 || seq < 1 ||
        ledger_parse_hex(colon + 1, h) < 0)
        return -EINVAL;
    *ret_seq = seq;
    memcpy(ret_hash, h, LEDGER_HASH_SIZE);
    return 0;
}

/* ---- Sources ----------------------------------------------------------------------------- */

/* Export files are bounded: a commune-year is a few tens of MB of CSV. */
#define EXPORT_CSV_MAX ((size_t)4 << 30)
#define EXPORT_SMALL_MAX ((size_t)1 << 20)

struct export_files {
    uint8_t *data[4];
    size_t len[4];
};

static const char *const export_names[4] = {
    LEDGER_EXPORT_CSV,
    LEDGER_EXPORT_MANIFEST,
    LEDGER_EXPORT_CSV LEDGER_EXPORT_SIG_SUFFIX,
    LEDGER_EXPORT_MANIFEST LEDGER_EXPORT_SIG_SUFFIX,
};

static void export_files_free(struct export_files *f)
{
    for (int i = 0; i < 4; i++)
        free(f->data[i]);
    memset(f, 0, sizeof(*f));
}

static int read_export(int dfd, struct export_files *f, struct ledger_verify_result *res)
{
    for (int i = 0; i < 4; i++) {
        int e =
            ledger_read_file_at(dfd, export_names[i], i == 0 ? EXPORT_CSV_MAX : EXPORT_SMALL_MAX,
                                &f->data[i], &f->len[i]);
        if (e == -ENOENT || e == -EINVAL || e == -EFBIG)
            return ledger_verify_fail(res, 0, "%s: %s", export_names[i],
                                      e == -ENOENT  ? "missing"
                                      : e == -EFBIG ? "too large"
                                                    : "not a regular file");
        if (e < 0) {
            snprintf(res->message, sizeof res->message, "%s: %s", export_names[i], strerror(-e));
            return e;
        }
    }
    return 0;
}

/* BLAKE2b over a file (by path), appended to a running state. Missing is fine when
 * optional (a -wal that is not there). */
static int hash_file(crypto_generichash_state *st, const char *path, bool optional)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (optional && errno == ENOENT) {
            crypto_generichash_update(st, (const unsigned char *)"-", 1);
            return 0;
        }
        return -errno;
    }
    uint8_t *buf = malloc(HASH_BLOCK);
    int e = buf ? 0 : -ENOMEM;
    uint64_t total = 0;
    while (e == 0) {
        ssize_t n = read(fd, buf, HASH_BLOCK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            e = -errno;
        } else if (n == 0) {
            break;
        } else {
            crypto_generichash_update(st, buf, (size_t)n);
            total += (uint64_t)n;
        }
    }
    uint8_t lenle[8];
    for (int i = 0; i < 8; i++)
        lenle[i] = (uint8_t)(total >> (8 * i));
    crypto_generichash_update(st, lenle, sizeof lenle);
    free(buf);
    close(fd);
    return e;
}

static void hash_options(crypto_generichash_state *st, const struct ledger_verify_options *o)
{
    const struct ledger_keyring *kr = o->keys;
    for (size_t i = 0; kr && i < kr->n; i++)
        crypto_generichash_update(st, (const unsigned char *)&kr->e[i], sizeof kr->e[i]);
    crypto_generichash_update(st, (const unsigned char *)"|after|", 7);
    if (o->has_after) {
        char seq[24];
        size_t n = ledger_format_int(o->after_seq, seq);
        crypto_generichash_update(st, (const unsigned char *)seq, n);
        crypto_generichash_update(st, o->after_hash, LEDGER_HASH_SIZE);
    }
}

static void cache_name(const uint8_t key[32], char *buf)
{
    ledger_hex(key, buf);
}

static bool cache_lookup(const char *dir, const uint8_t key[32], struct ledger_verify_result *res)
{
    char name[2 * LEDGER_HASH_SIZE + 1];
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return false;
    cache_name(key, name);
    uint8_t *data = NULL;
    size_t len = 0;
    int e = ledger_read_file_at(dfd, name, 4096, &data, &len);
    close(dfd);
    if (e < 0)
        return false;
    struct ledger_verify_result r;
    memset(&r, 0, sizeof r);
    char head[80], prev[80];
    int type;
    long long first, last, n, trusted, ncp;
    bool ok =
        sscanf((char *)data, CACHE_MAGIC " %d %63s %16s %lld %lld %lld %lld %lld %70s %70s", &type,
               r.device_id, r.key_id, &first, &last, &n, &trusted, &ncp, head, prev) == 10;
    free(data);
    if (!ok || (type != 0 && type != 1) || ledger_parse_hex(head, r.head) < 0)
        return false;
    if (strcmp(r.key_id, "-") == 0)
        r.key_id[0] = '\0';
    if (strcmp(r.device_id, "-") == 0)
        r.device_id[0] = '\0';
    r.has_prev = strcmp(prev, "none") != 0;
    if (r.has_prev && ledger_parse_hex(prev, r.prev) < 0)
        return false;
    r.type = (enum ledger_source_type)type;
    r.first_seq = first;
    r.last_seq = last;
    r.n_records = n;
    r.trusted_last_seq = trusted;
    r.n_checkpoints = ncp;
    r.cached = true;
    *res = r;
    return true;
}

static void cache_store(const char *dir, const uint8_t key[32],
                        const struct ledger_verify_result *r)
{
    char name[2 * LEDGER_HASH_SIZE + 1], head[2 * LEDGER_HASH_SIZE + 1],
        prev[2 * LEDGER_HASH_SIZE + 1];
    char text[1024];
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    int n =
        snprintf(text, sizeof text, CACHE_MAGIC " %d %s %s %lld %lld %lld %lld %lld %s %s\n",
                 (int)r->type, r->device_id[0] ? r->device_id : "-", r->key_id[0] ? r->key_id : "-",
                 (long long)r->first_seq, (long long)r->last_seq, (long long)r->n_records,
                 (long long)r->trusted_last_seq, (long long)r->n_checkpoints,
                 ledger_hex(r->head, head), r->has_prev ? ledger_hex(r->prev, prev) : "none");
    cache_name(key, name);
    if (n > 0 && (size_t)n < sizeof text)
        ledger_write_file_at(dfd, name, text, (size_t)n, 0600);
    close(dfd);
}

static int verify_one(const char *path, const struct ledger_verify_options *o,
                      struct ledger_verify_result *res, struct ledger_probe *probes,
                      size_t n_probes)
{
    struct stat st;
    memset(res, 0, sizeof(*res));
    if (!o || !o->keys)
        return -EINVAL;
    if (sodium_init() < 0)
        return -EIO;
    if (stat(path, &st) < 0) {
        int e = -errno;
        snprintf(res->message, sizeof res->message, "%s", strerror(errno));
        return e;
    }
    bool is_dir = S_ISDIR(st.st_mode);
    res->type = is_dir ? LEDGER_SOURCE_EXPORT : LEDGER_SOURCE_DATABASE;
    if (!is_dir && !S_ISREG(st.st_mode))
        return ledger_verify_fail(res, 0, "neither a ledger database nor an export folder");

    /* The cache: only plain verifications (no probes, no per-record callback). */
    bool use_cache = o->cache_dir && !probes && !(o->record_cb && o->no_cache_when_cb);
    uint8_t key[32];
    struct export_files f;
    memset(&f, 0, sizeof f);
    int dfd = -1, e = 0;
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, NULL, 0, sizeof key);
    crypto_generichash_update(&hs, (const unsigned char *)CACHE_MAGIC, strlen(CACHE_MAGIC));
    if (is_dir) {
        dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
            e = -errno;
            snprintf(res->message, sizeof res->message, "%s", strerror(errno));
            return e;
        }
        e = read_export(dfd, &f, res);
        close(dfd);
        if (e < 0)
            goto out;
        for (int i = 0; i < 4; i++) {
            uint8_t lenle[8];
            for (int k = 0; k < 8; k++)
                lenle[k] = (uint8_t)((uint64_t)f.len[i] >> (8 * k));
            crypto_generichash_update(&hs, lenle, 8);
            crypto_generichash_update(&hs, f.data[i], f.len[i]);
        }
    } else if (use_cache) {
        char wal[4200];
        snprintf(wal, sizeof wal, "%s-wal", path);
        crypto_generichash_update(&hs, (const unsigned char *)"db", 2);
        if (hash_file(&hs, path, false) < 0 || hash_file(&hs, wal, true) < 0)
            use_cache = false;
    }
    hash_options(&hs, o);
    crypto_generichash_final(&hs, key, sizeof key);
    if (use_cache && cache_lookup(o->cache_dir, key, res) && res->type == (is_dir ? 1 : 0)) {
        e = 0;
        goto out;
    }
    memset(res, 0, sizeof(*res));
    res->type = is_dir ? LEDGER_SOURCE_EXPORT : LEDGER_SOURCE_DATABASE;
    if (is_dir)
        e = ledger_verify_export_probes(f.data[0], f.len[0], f.data[1], f.len[1], f.data[2],
                                        f.len[2], f.data[3], f.len[3], o, res, probes, n_probes);
    else
        e = ledger_verify_db(path, o, res, probes, n_probes);
    if (e == 0 && use_cache)
        cache_store(o->cache_dir, key, res);
out:
    export_files_free(&f);
    return e;
}

int ledger_verify_source(const char *path, const struct ledger_verify_options *opts,
                         struct ledger_verify_result *ret)
{
    return verify_one(path, opts, ret, NULL, 0);
}

int ledger_verify_export_mem(const uint8_t *csv, size_t csv_len, const uint8_t *manifest,
                             size_t manifest_len, const uint8_t *csv_sig, size_t csv_sig_len,
                             const uint8_t *manifest_sig, size_t manifest_sig_len,
                             const struct ledger_verify_options *opts,
                             struct ledger_verify_result *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->type = LEDGER_SOURCE_EXPORT;
    if (!opts || !opts->keys)
        return -EINVAL;
    if (sodium_init() < 0)
        return -EIO;
    return ledger_verify_export_probes(csv, csv_len, manifest, manifest_len, csv_sig, csv_sig_len,
                                       manifest_sig, manifest_sig_len, opts, ret, NULL, 0);
}

/* ---- Several sources ------------------------------------------------------------------- */

int ledger_verify_sources(const char *const *paths, size_t n,
                          const struct ledger_verify_options *opts,
                          struct ledger_verify_result *results, size_t *ret_bad)
{
    int worst = 0;
    size_t bad = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        int e = verify_one(paths[i], opts, &results[i], NULL, 0);
        if (e < 0 && bad == SIZE_MAX) {
            bad = i;
            worst = e;
        }
    }
    /* Cross-checks between verified sources of one device: where two overlap, the hash
     * at the end of the overlap must agree (the chains then agree on everything
     * before); a database ending before what another source has signed is an older
     * copy or truncated. */
    for (size_t i = 0; i < n && worst == 0; i++) {
        for (size_t j = 0; j < n && worst == 0; j++) {
            struct ledger_verify_result *a = &results[i], *b = &results[j];
            if (i == j || strcmp(a->device_id, b->device_id) != 0 || a->n_records == 0 ||
                b->n_records == 0)
                continue;
            if (a->type == LEDGER_SOURCE_DATABASE && a->last_seq < b->trusted_last_seq) {
                worst = ledger_verify_fail(a, a->last_seq + 1,
                                           "ends at seq %lld but %s has signed records up to "
                                           "%lld: an older copy or truncated",
                                           (long long)a->last_seq, paths[j],
                                           (long long)b->trusted_last_seq);
                bad = i;
                break;
            }
            int64_t lo = a->first_seq > b->first_seq ? a->first_seq : b->first_seq;
            int64_t hi = a->last_seq < b->last_seq ? a->last_seq : b->last_seq;
            if (i > j || lo > hi)
                continue; /* each pair once; no overlap */
            /* Probe both at hi (one of them has it as its head already). */
            struct ledger_probe pa = {.seq = hi}, pb = {.seq = hi};
            struct ledger_verify_result tmp;
            int e = 0;
            if (a->last_seq == hi) {
                pa.found = true;
                memcpy(pa.hash, a->head, LEDGER_HASH_SIZE);
            } else {
                e = verify_one(paths[i], opts, &tmp, &pa, 1);
            }
            if (e == 0 && b->last_seq == hi) {
                pb.found = true;
                memcpy(pb.hash, b->head, LEDGER_HASH_SIZE);
            } else if (e == 0) {
                e = verify_one(paths[j], opts, &tmp, &pb, 1);
            }
            if (e < 0 || !pa.found || !pb.found) {
                worst =
                    ledger_verify_fail(a, hi, "could not re-read for comparison with %s", paths[j]);
                bad = i;
            } else if (memcmp(pa.hash, pb.hash, LEDGER_HASH_SIZE) != 0) {
                /* Name the database (the one more likely substituted) when there is one. */
                size_t who = a->type == LEDGER_SOURCE_DATABASE ? i : j;
                worst = ledger_verify_fail(&results[who], hi,
                                           "differs from %s at seq %lld: two different "
                                           "histories of one device",
                                           paths[who == i ? j : i], (long long)hi);
                bad = who;
            }
        }
    }
    if (ret_bad)
        *ret_bad = bad;
    return worst;
}
