/* Verifying an export folder's four files, held in memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger_export.h"
#include "ledger_verify_internal.h"

#define N_COLUMNS (LF_COUNT + 3)

/* A strict RFC 4180 reader over LF-terminated rows: quotes only where needed. */
struct csv_reader {
    const char *p, *end;
    char *cell; /* unescaped cells, NUL-separated */
    size_t cell_cap;
};

static int cell_put(struct csv_reader *r, size_t *pos, char ch)
{
    if (*pos + 1 > r->cell_cap) {
        size_t cap = r->cell_cap ? 2 * r->cell_cap : 4096;
        char *c = realloc(r->cell, cap);
        if (!c)
            return -ENOMEM;
        r->cell = c;
        r->cell_cap = cap;
    }
    r->cell[(*pos)++] = ch;
    return 0;
}

/* Read one row into texts/lens (pointing into r->cell). Returns 1 for a row, 0 at the
 * end of the input, -EBADMSG for malformed text, -ENOMEM. */
static int csv_next_row(struct csv_reader *r, const char **texts, size_t *lens, const char **why)
{
    size_t starts[N_COLUMNS];
    size_t pos = 0;
    if (r->p == r->end)
        return 0;
    for (int col = 0; col < N_COLUMNS; col++) {
        bool quoted = false;
        starts[col] = pos;
        if (r->p < r->end && *r->p == '"') {
            quoted = true;
            r->p++;
            for (;;) {
                if (r->p >= r->end) {
                    *why = "unterminated quoted field";
                    return -EBADMSG;
                }
                if (*r->p == '"') {
                    if (r->p + 1 < r->end && r->p[1] == '"') {
                        r->p++; /* an escaped quote: keep one */
                    } else {
                        r->p++;
                        break;
                    }
                }
                if (cell_put(r, &pos, *r->p++) < 0)
                    return -ENOMEM;
            }
        } else {
            while (r->p < r->end && *r->p != ',' && *r->p != '\n') {
                if (*r->p == '"' || *r->p == '\r') {
                    *why = "a quote or CR in an unquoted field";
                    return -EBADMSG;
                }
                if (cell_put(r, &pos, *r->p++) < 0)
                    return -ENOMEM;
            }
        }
        lens[col] = pos - starts[col];
        if (quoted != ledger_csv_needs_quotes(r->cell ? r->cell + starts[col] : "", lens[col])) {
            *why = "a field quoted where it need not be";
            return -EBADMSG;
        }
        if (cell_put(r, &pos, '\0') < 0)
            return -ENOMEM;
        if (r->p >= r->end) {
            *why = "the last row does not end with LF";
            return -EBADMSG;
        }
        char sep = *r->p++;
        if (col < N_COLUMNS - 1 && sep != ',') {
            *why = "too few fields in a row";
            return -EBADMSG;
        }
        if (col == N_COLUMNS - 1 && sep != '\n') {
            *why = "too many fields in a row";
            return -EBADMSG;
        }
    }
    /* Pointers only now: the buffer may have moved while growing. */
    for (int col = 0; col < N_COLUMNS; col++)
        texts[col] = r->cell + starts[col];
    return 1;
}

/* "loa-export v1 device=<id> key=<KEYID> seq=<a>-<b> head=<hex> prev=<hex|none>" */
struct trusted {
    char device_id[64];
    char key_id[17];
    int64_t first, last;
    uint8_t head[LEDGER_HASH_SIZE];
    bool has_prev;
    uint8_t prev[LEDGER_HASH_SIZE];
};

static int parse_trusted(const char *tc, struct trusted *t)
{
    static const char pre[] = "loa-export v1 device=";
    memset(t, 0, sizeof(*t));
    if (strncmp(tc, pre, sizeof pre - 1) != 0)
        return -EBADMSG;
    const char *p = tc + sizeof pre - 1;
    const char *sp = strchr(p, ' ');
    if (!sp || (size_t)(sp - p) >= sizeof t->device_id)
        return -EBADMSG;
    memcpy(t->device_id, p, (size_t)(sp - p));
    if (!ledger_is_slug(t->device_id) || strncmp(sp, " key=", 5) != 0)
        return -EBADMSG;
    p = sp + 5;
    if (strlen(p) < 17 || p[16] != ' ')
        return -EBADMSG;
    memcpy(t->key_id, p, 16);
    p += 17;
    if (ledger_export_detail_parse(p, &t->first, &t->last, t->head) < 0)
        return -EBADMSG;
    const char *prev = strstr(p, " prev=");
    if (!prev)
        return -EBADMSG;
    prev += 6;
    if (strcmp(prev, "none") != 0) {
        if (ledger_parse_hex(prev, t->prev) < 0)
            return -EBADMSG;
        t->has_prev = true;
    }
    /* Canonical: exactly what the exporter writes for these values. */
    char again[512];
    ledger_export_trusted_comment(t->device_id, t->key_id, t->first, t->last, t->head, t->has_prev,
                                  t->prev, again, sizeof again);
    return strcmp(again, tc) == 0 && t->first >= 1 && t->last >= t->first ? 0 : -EBADMSG;
}

static bool all_zero(const uint8_t *h)
{
    for (size_t i = 0; i < LEDGER_HASH_SIZE; i++)
        if (h[i])
            return false;
    return true;
}

/* Walk the CSV's rows through the chain. */
static int walk_csv(const uint8_t *csv, size_t csv_len, const struct trusted *t,
                    struct ledger_chain *c)
{
    static const char bom[] = "\xEF\xBB\xBF";
    const char *hdr = ledger_csv_header();
    size_t hlen = strlen(hdr);
    struct ledger_verify_result *res = c->res;
    if (csv_len < 3 + hlen + 1 || memcmp(csv, bom, 3) != 0 || memcmp(csv + 3, hdr, hlen) != 0 ||
        csv[3 + hlen] != '\n')
        return ledger_verify_fail(res, 0, "airtime.csv: missing BOM or unexpected header");
    struct csv_reader rd = {.p = (const char *)csv + 3 + hlen + 1,
                            .end = (const char *)csv + csv_len};
    const char *texts[N_COLUMNS];
    size_t lens[N_COLUMNS];
    int e = 0;
    int64_t row_seq = t->first;
    for (;;) {
        const char *why = NULL;
        int n = csv_next_row(&rd, texts, lens, &why);
        if (n == 0)
            break;
        if (n < 0) {
            e = n == -ENOMEM ? n
                             : ledger_verify_fail(res, row_seq, "airtime.csv: %s (near seq %lld)",
                                                  why, (long long)row_seq);
            break;
        }
        struct ledger_record r;
        struct loa_diag d;
        memset(&d, 0, sizeof d);
        e = ledger_record_parse_fields(texts, lens, &r, &d);
        if (e == 0 && ledger_parse_int(texts[LF_COUNT], lens[LF_COUNT], &r.seq) < 0)
            e = loa_diag_set(&d, -EBADMSG, LOA_SEV_ERROR, NULL, 0, "seq: not a canonical number");
        if (e == 0 && (ledger_parse_hex(texts[LF_COUNT + 1], r.prev_hash) < 0 ||
                       ledger_parse_hex(texts[LF_COUNT + 2], r.hash) < 0))
            e = loa_diag_set(&d, -EBADMSG, LOA_SEV_ERROR, NULL, 0, "prev_hash or hash: not hex");
        if (e < 0) {
            e = ledger_verify_fail(res, row_seq, "airtime.csv: record %lld: %s", (long long)row_seq,
                                   d.msg);
            break;
        }
        if (!c->started) {
            if (r.seq != t->first) {
                e = ledger_verify_fail(res, r.seq,
                                       "the first record is seq %lld, the signature says %lld",
                                       (long long)r.seq, (long long)t->first);
                break;
            }
            bool zero = all_zero(r.prev_hash);
            bool continued =
                r.kind == LEDGER_EVENT && strcmp(r.event_type, "ledger-continued") == 0;
            if (t->has_prev ? memcmp(r.prev_hash, t->prev, LEDGER_HASH_SIZE) != 0
                            : (!zero || (r.seq != 1 && !continued))) {
                e = ledger_verify_fail(res, r.seq,
                                       "the first record does not continue the previous "
                                       "export's head the signature names");
                break;
            }
        }
        e = ledger_chain_step(c, &r);
        if (e < 0)
            break;
        row_seq = r.seq + 1;
    }
    free(rd.cell);
    if (e < 0)
        return e;
    if (res->n_records == 0)
        return ledger_verify_fail(res, t->first, "airtime.csv has no records");
    if (res->last_seq != t->last || memcmp(res->head, t->head, LEDGER_HASH_SIZE) != 0)
        return ledger_verify_fail(res, res->last_seq + 1,
                                  "airtime.csv ends at seq %lld; the signature says %lld with "
                                  "another head",
                                  (long long)res->last_seq, (long long)t->last);
    return 0;
}

int ledger_verify_export_probes(const uint8_t *csv, size_t csv_len, const uint8_t *manifest,
                                size_t manifest_len, const uint8_t *csv_sig, size_t csv_sig_len,
                                const uint8_t *manifest_sig, size_t manifest_sig_len,
                                const struct ledger_verify_options *o,
                                struct ledger_verify_result *res, struct ledger_probe *probes,
                                size_t n_probes)
{
    struct ledger_minisig ms_csv, ms_man;
    struct loa_diag d;
    struct trusted t;
    char why[256], id[17];
    memset(&d, 0, sizeof d);

    if (ledger_minisig_parse(csv_sig, csv_sig_len, LEDGER_EXPORT_UNTRUSTED, &ms_csv, &d) < 0)
        return ledger_verify_fail(res, 0, "airtime.csv.minisig: %s", d.msg);
    if (ledger_minisig_parse(manifest_sig, manifest_sig_len, LEDGER_EXPORT_UNTRUSTED, &ms_man, &d) <
        0)
        return ledger_verify_fail(res, 0, "manifest.json.minisig: %s", d.msg);
    if (strcmp(ms_csv.trusted_comment, ms_man.trusted_comment) != 0 ||
        memcmp(ms_csv.keynum, ms_man.keynum, LEDGER_KEYNUM_SIZE) != 0)
        return ledger_verify_fail(res, 0, "the two signature files disagree");
    if (parse_trusted(ms_csv.trusted_comment, &t) < 0)
        return ledger_verify_fail(res, 0, "unexpected trusted comment: %s", ms_csv.trusted_comment);
    if (strcmp(ledger_key_id_format(ms_csv.keynum, id), t.key_id) != 0)
        return ledger_verify_fail(res, 0, "the trusted comment names key %s, the signature %s",
                                  t.key_id, id);
    snprintf(res->device_id, sizeof res->device_id, "%s", t.device_id);
    snprintf(res->key_id, sizeof res->key_id, "%s", t.key_id);
    const struct ledger_keyring_entry *k =
        ledger_keyring_find(o->keys, t.device_id, ms_csv.keynum, LEDGER_NO_DAY, why, sizeof why);
    if (!k)
        return ledger_verify_fail(res, 0, "%s", why);
    bool csv_ok = ledger_minisig_check(&ms_csv, k->pk, csv, csv_len);
    bool man_ok = ledger_minisig_check(&ms_man, k->pk, manifest, manifest_len);

    /* Walk the records even when a signature failed, to name the first bad record;
     * but then hand nothing to the caller's callback. */
    struct ledger_verify_options o2 = *o;
    if (!csv_ok || !man_ok)
        o2.record_cb = NULL;
    struct ledger_chain c = {
        .o = &o2, .res = res, .keep_last = true, .probes = probes, .n_probes = n_probes};
    res->device_id[0] = '\0';
    int e = walk_csv(csv, csv_len, &t, &c);
    snprintf(res->device_id, sizeof res->device_id, "%s", t.device_id);
    if (e == 0 && strcmp(c.last->device_id, t.device_id) != 0)
        e = ledger_verify_fail(res, c.last->seq, "records of device '%s', signature of '%s'",
                               c.last->device_id, t.device_id);
    if (e == -ENOMEM)
        goto out;
    if (!csv_ok) {
        e = ledger_verify_fail(res, res->bad_seq, "airtime.csv: the signature does not verify");
        goto out;
    }
    if (!man_ok) {
        e = ledger_verify_fail(res, 0, "manifest.json: the signature does not verify");
        goto out;
    }
    if (e < 0)
        goto out;

    /* The manifest must be exactly what these records make. */
    struct ledger_manifest_info m = {
        .device_id = t.device_id,
        .key_id = t.key_id,
        .last = c.last,
        .first_seq = res->first_seq,
        .last_seq = res->last_seq,
        .n_records = res->n_records,
        .has_prev = res->has_prev,
        .first_written_usec = c.first_written_usec,
        .last_written_usec = c.last_written_usec,
        .first_session_day = c.first_session_day,
        .last_session_day = c.last_session_day,
        .csv_bytes = csv_len,
    };
    memcpy(m.head, res->head, LEDGER_HASH_SIZE);
    memcpy(m.prev, res->prev, LEDGER_HASH_SIZE);
    crypto_hash_sha256(m.csv_sha256, csv, csv_len);
    struct ledger_buf want = {0};
    ledger_manifest_build(&m, &want);
    bool same =
        !want.failed && want.len == manifest_len && memcmp(want.data, manifest, manifest_len) == 0;
    ledger_buf_free(&want);
    if (!same) {
        e = ledger_verify_fail(res, 0, "manifest.json does not match airtime.csv");
        goto out;
    }
    /* The export key must be valid when the last record was written. */
    if (!ledger_keyring_find(o->keys, t.device_id, ms_csv.keynum,
                             ledger_utc_day(c.last_written_usec), why, sizeof why)) {
        e = ledger_verify_fail(res, 0, "%s", why);
        goto out;
    }
    res->trusted_last_seq = res->last_seq;
    snprintf(res->key_id, sizeof res->key_id, "%s", t.key_id);
    e = ledger_chain_finish(&c);
out:
    ledger_record_free(c.last);
    return e;
}
