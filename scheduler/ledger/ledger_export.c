/* `loa export`: a contiguous range of records as a signed CSV and manifest. */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ledger_export.h"
#include "ledger_internal.h"

struct walk {
    struct ledger_buf csv;
    int64_t expect_seq; /* 0 until the first record */
    uint8_t expect_prev[LEDGER_HASH_SIZE];
    bool have_link; /* expect_prev is known (the record before the range was read) */
    struct ledger_manifest_info m;
    struct ledger_record *last;
    char device_id[64];
    int64_t bad_seq;
    const char *why;
};

static int walk_record(const struct ledger_record *r, void *userdata)
{
    struct walk *w = userdata;
    uint8_t h[LEDGER_HASH_SIZE];
    /* Never sign what does not chain: the export attests the chain. */
    if ((w->expect_seq && r->seq != w->expect_seq) ||
        (w->have_link && memcmp(r->prev_hash, w->expect_prev, LEDGER_HASH_SIZE) != 0)) {
        w->why = "the chain is broken (a record is missing or does not link)";
        goto bad;
    }
    if (ledger_record_hash(r, h) < 0 || memcmp(h, r->hash, LEDGER_HASH_SIZE) != 0) {
        w->why = "a record does not match its hash";
        goto bad;
    }
    if (w->m.n_records == 0) {
        snprintf(w->device_id, sizeof w->device_id, "%s", r->device_id);
        w->m.first_seq = r->seq;
        memcpy(w->m.prev, r->prev_hash, LEDGER_HASH_SIZE);
        w->m.first_written_usec = w->m.last_written_usec = r->written_usec;
        w->m.first_session_day = w->m.last_session_day = LEDGER_NO_DAY;
    } else if (strcmp(w->device_id, r->device_id) != 0) {
        w->why = "records of two device ids in one ledger";
        goto bad;
    }
    if (r->written_usec < w->m.first_written_usec)
        w->m.first_written_usec = r->written_usec;
    if (r->written_usec > w->m.last_written_usec)
        w->m.last_written_usec = r->written_usec;
    if (r->session_day != LEDGER_NO_DAY) {
        if (w->m.first_session_day == LEDGER_NO_DAY || r->session_day < w->m.first_session_day)
            w->m.first_session_day = r->session_day;
        if (w->m.last_session_day == LEDGER_NO_DAY || r->session_day > w->m.last_session_day)
            w->m.last_session_day = r->session_day;
    }
    w->m.n_records++;
    w->m.last_seq = r->seq;
    memcpy(w->m.head, r->hash, LEDGER_HASH_SIZE);
    w->expect_seq = r->seq + 1;
    memcpy(w->expect_prev, r->hash, LEDGER_HASH_SIZE);
    w->have_link = true;
    int e = ledger_csv_row(&w->csv, r);
    if (e < 0)
        return e;
    ledger_record_free(w->last);
    w->last = ledger_record_dup(r);
    return w->last ? 0 : -ENOMEM;
bad:
    w->bad_seq = r->seq;
    return -EBADMSG;
}

static bool all_zero(const uint8_t *h)
{
    for (size_t i = 0; i < LEDGER_HASH_SIZE; i++)
        if (h[i])
            return false;
    return true;
}

int ledger_export(struct ledger *l, const struct ledger_key *key, int64_t to_usec,
                  const char *out_dir, int64_t now_usec, enum ledger_trust trust,
                  struct ledger_export_result *ret, struct loa_diag *reterr)
{
    struct walk w;
    struct ledger_record *cp = NULL;
    struct ledger_buf manifest = {0}, sig_csv = {0}, sig_man = {0};
    int dfd = -1;
    int e;
    memset(&w, 0, sizeof w);

    if (!key || !key->has_secret)
        return loa_diag_set(reterr, -EPERM, LOA_SEV_ERROR, NULL, 0,
                            "exporting needs the device's secret key");
    if (sodium_init() < 0)
        return -EIO;

    /* Where the previous export ended. */
    int64_t first = 0;
    e = ledger_last_checkpoint(l, "export", &cp);
    if (e == 0) {
        int64_t a, b;
        uint8_t head[LEDGER_HASH_SIZE];
        if (ledger_export_detail_parse(cp->event_detail, &a, &b, head) < 0) {
            e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, ledger_path(l), 0,
                             "export checkpoint %lld: unreadable range", (long long)cp->seq);
            goto out;
        }
        first = b + 1;
        w.expect_seq = first;
        memcpy(w.expect_prev, head, LEDGER_HASH_SIZE);
        w.have_link = true;
    } else if (e != -ENOENT) {
        loa_diag_set(reterr, e, LOA_SEV_ERROR, ledger_path(l), 0, "cannot read the ledger");
        goto out;
    }

    int64_t last = 0;
    e = ledger_last_seq_written_by(l, first, to_usec, &last);
    if (e < 0) {
        loa_diag_set(reterr, e, LOA_SEV_ERROR, ledger_path(l), 0, "cannot read the ledger");
        goto out;
    }
    if (last == 0 || last < first) {
        e = loa_diag_set(reterr, -ENODATA, LOA_SEV_ERROR, NULL, 0,
                         "nothing to export: no record after seq %lld written by then",
                         (long long)(first ? first - 1 : 0));
        goto out;
    }

    static const char bom[] = "\xEF\xBB\xBF";
    ledger_buf_append(&w.csv, bom, 3);
    ledger_buf_puts(&w.csv, ledger_csv_header());
    ledger_buf_puts(&w.csv, "\n");
    e = ledger_foreach(l, first, last, walk_record, &w);
    if (e == -EBADMSG && w.bad_seq) {
        e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, ledger_path(l), 0,
                         "seq %lld: %s; not exporting", (long long)w.bad_seq, w.why);
        goto out;
    }
    if (e == 0 && w.csv.failed)
        e = -ENOMEM;
    if (e == 0 && (w.m.n_records == 0 || w.m.last_seq != last))
        e = -EBADMSG;
    if (e < 0) {
        loa_diag_set(reterr, e, LOA_SEV_ERROR, ledger_path(l), 0, "cannot read the records: %s",
                     strerror(-e));
        goto out;
    }

    w.m.has_prev = !all_zero(w.m.prev);
    w.m.device_id = w.device_id;
    w.m.key_id = key->key_id;
    w.m.last = w.last;
    w.m.csv_bytes = w.csv.len;
    crypto_hash_sha256(w.m.csv_sha256, (const unsigned char *)w.csv.data, w.csv.len);
    ledger_manifest_build(&w.m, &manifest);

    char tc[512];
    ledger_export_trusted_comment(w.device_id, key->key_id, w.m.first_seq, w.m.last_seq, w.m.head,
                                  w.m.has_prev, w.m.prev, tc, sizeof tc);
    e = ledger_minisig_make(key, (const uint8_t *)w.csv.data, w.csv.len, LEDGER_EXPORT_UNTRUSTED,
                            tc, &sig_csv);
    if (e == 0)
        e = ledger_minisig_make(key, (const uint8_t *)manifest.data, manifest.len,
                                LEDGER_EXPORT_UNTRUSTED, tc, &sig_man);
    if (e == 0 && manifest.failed)
        e = -ENOMEM;
    if (e < 0) {
        loa_diag_set(reterr, e, LOA_SEV_ERROR, NULL, 0, "cannot sign the export: %s", strerror(-e));
        goto out;
    }

    if (mkdir(out_dir, 0755) < 0 && errno != EEXIST) {
        e = loa_diag_set(reterr, -errno, LOA_SEV_ERROR, out_dir, 0, "cannot create: %s",
                         strerror(errno));
        goto out;
    }
    dfd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        e = loa_diag_set(reterr, -errno, LOA_SEV_ERROR, out_dir, 0, "cannot open: %s",
                         strerror(errno));
        goto out;
    }
    struct {
        const char *name;
        const struct ledger_buf *b;
    } files[] = {
        {LEDGER_EXPORT_CSV, &w.csv},
        {LEDGER_EXPORT_MANIFEST, &manifest},
        {LEDGER_EXPORT_CSV LEDGER_EXPORT_SIG_SUFFIX, &sig_csv},
        {LEDGER_EXPORT_MANIFEST LEDGER_EXPORT_SIG_SUFFIX, &sig_man},
    };
    for (size_t i = 0; i < 4; i++) {
        e = ledger_write_file_at(dfd, files[i].name, files[i].b->data, files[i].b->len, 0644);
        if (e < 0) {
            loa_diag_set(reterr, e, LOA_SEV_ERROR, out_dir, 0, "cannot write %s: %s", files[i].name,
                         strerror(-e));
            goto out;
        }
    }

    /* Remember where this export ended, signed, in the ledger itself. */
    char detail[256];
    ledger_export_detail(w.m.first_seq, w.m.last_seq, w.m.head, w.m.has_prev, w.m.prev, detail,
                         sizeof detail);
    int64_t cp_seq = 0;
    e = ledger_append_checkpoint(l, now_usec, trust, "export", detail, &cp_seq, reterr);
    if (e < 0)
        goto out;
    if (ret) {
        memset(ret, 0, sizeof(*ret));
        ret->first_seq = w.m.first_seq;
        ret->last_seq = w.m.last_seq;
        memcpy(ret->head, w.m.head, LEDGER_HASH_SIZE);
        ret->has_prev = w.m.has_prev;
        memcpy(ret->prev, w.m.prev, LEDGER_HASH_SIZE);
        ret->checkpoint_held = e == LEDGER_HELD;
        ret->checkpoint_seq = e == LEDGER_HELD ? 0 : cp_seq;
    }
    e = 0;
out:
    if (dfd >= 0)
        close(dfd);
    ledger_record_free(cp);
    ledger_record_free(w.last);
    ledger_buf_free(&w.csv);
    ledger_buf_free(&manifest);
    ledger_buf_free(&sig_csv);
    ledger_buf_free(&sig_man);
    return e;
}
