/* Report test helpers (report_fixture.h). */
#include "report_fixture.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "civil.h"
#include "ledger_export.h"

#define HOUR INT64_C(3600000000)
#define DAY (24 * HOUR)
#define TZ_OFFSET (7 * HOUR) /* Asia/Ho_Chi_Minh */

static const struct {
    const char *device, *code, *name;
} wards[] = {
    {"vanquan-01", "09552", "Phường Văn Quán"},
    {"molao-01", "09553", "Phường Mộ Lao"},
    {"yennghia-01", "09562", "Phường Yên Nghĩa"},
};

struct item {
    const char *id, *title, *category, *playlist;
    enum ledger_airing_kind kind;
    int64_t dur_ms;
};

static const struct item items[] = {
    {"tmdt-01", "Quy định về thương mại điện tử", "phap-luat", "tmdt-2020",
     LEDGER_AIRING_KIND_ANNOUNCEMENT, 95000},
    {"tmdt-02", "Cảnh giác hàng giả, \"hàng nhái\", trên mạng", "canh-bao", "tmdt-2020",
     LEDGER_AIRING_KIND_ANNOUNCEMENT, 120000},
    {"tmdt-03", "Tố giác buôn lậu, gian lận thương mại", "phap-luat", "tmdt-2020",
     LEDGER_AIRING_KIND_ANNOUNCEMENT, 80000},
    {"vov-thoisu", "Tiếp sóng VOV1", "thoi-su", "tiep-song", LEDGER_AIRING_KIND_RELAY, 900000},
};

static uint64_t next_rand(struct rfx_dev *d)
{
    /* xorshift64*: deterministic per device */
    uint64_t x = d->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    d->rng = x;
    return x * UINT64_C(2685821657736338717);
}

void rfx_rmrf(const char *dir);

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void rfx_rmrf(const char *dir)
{
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

char *rfx_tmpdir(const char *what)
{
    char *t = g_strdup_printf("%s/loa-%s-XXXXXX", g_get_tmp_dir(), what);
    g_assert_nonnull(g_mkdtemp(t));
    return t;
}

void rfx_dev_create(struct rfx_dev *d, const char *base, int i)
{
    memset(d, 0, sizeof(*d));
    if (i < 3) {
        snprintf(d->device_id, sizeof d->device_id, "%s", wards[i].device);
        snprintf(d->commune_code, sizeof d->commune_code, "%s", wards[i].code);
        snprintf(d->commune_name, sizeof d->commune_name, "%s", wards[i].name);
    } else {
        snprintf(d->device_id, sizeof d->device_id, "thunghiem-%02d", i);
        snprintf(d->commune_code, sizeof d->commune_code, "%05d", 10000 + i);
        snprintf(d->commune_name, sizeof d->commune_name, "Xã Thử Nghiệm %02d", i);
    }
    snprintf(d->district_code, sizeof d->district_code, "268");
    snprintf(d->district_name, sizeof d->district_name, "Quận Hà Đông");
    d->id = (struct ledger_identity){
        .device_id = d->device_id,
        .unit_codes = "2020",
        .province_code = "01",
        .province_name = "Thành phố Hà Nội",
        .district_code = d->district_code,
        .district_name = d->district_name,
        .commune_code = d->commune_code,
        .commune_name = d->commune_name,
    };
    snprintf(d->dir, sizeof d->dir, "%s/%s", base, d->device_id);
    g_assert_cmpint(g_mkdir_with_parents(d->dir, 0755), ==, 0);
    snprintf(d->keys, sizeof d->keys, "%s/keys", d->dir);
    snprintf(d->db, sizeof d->db, "%s/ledger.db", d->dir);
    struct loa_diag diag = {0};
    g_assert_cmpint(ledger_key_load_or_create(d->keys, &d->key, NULL, &diag), ==, 0);
    struct ledger_open_options o = {.identity = &d->id,
                                    .key = d->key,
                                    .now_usec = INT64_C(1604275200000000),
                                    .trust = LEDGER_TRUST_SYNCED};
    int e = ledger_open(d->db, &o, &d->l, NULL, &diag);
    if (e < 0)
        g_printerr("ledger_open: %s\n", diag.msg);
    g_assert_cmpint(e, ==, 0);
    d->rng = UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)(i + 1) * UINT64_C(0x100000001B3);
}

void rfx_dev_close(struct rfx_dev *d)
{
    if (d->l)
        g_assert_cmpint((int)ledger_close(d->l), ==, 0);
    d->l = NULL;
    d->key = ledger_key_free(d->key);
}

static void append(struct rfx_dev *d, const struct ledger_record *r, int64_t *n)
{
    struct loa_diag diag = {0};
    int e = ledger_append(d->l, r, NULL, &diag);
    if (r->written_usec > d->last_written_usec)
        d->last_written_usec = r->written_usec;
    if (e < 0)
        g_printerr("ledger_append: %s\n", diag.msg);
    g_assert_cmpint(e, >=, 0);
    (*n)++;
}

/* One airing: a start record when it began, then its final record. */
static void airing(struct rfx_dev *d, int32_t day, const char *session, const struct item *it,
                   enum ledger_source source, enum ledger_class cls, const char *key, int64_t start,
                   int64_t *n)
{
    struct ledger_record r;
    ledger_record_init(&r, LEDGER_AIRING);
    r.trust = LEDGER_TRUST_SYNCED;
    r.source = source;
    r.airing_kind = it->kind;
    r.item_id = it->id;
    r.title = it->title;
    r.category = it->category;
    r.playlist_id = it->playlist;
    if (it->playlist && strcmp(it->playlist, "tmdt-2020") == 0) {
        r.reference = "KH 03/KH-BCĐ389 ngày 05/11/2020";
        r.campaign_from_day = civil_from_ymd(2020, 11, 1);
        r.campaign_until_day = civil_from_ymd(2023, 10, 31);
    } else if (it->playlist) {
        r.reference = "";
        r.campaign_from_day = civil_from_ymd(2020, 1, 1);
        r.campaign_until_day = civil_from_ymd(2025, 12, 31);
    }
    r.cls = it->kind == LEDGER_AIRING_KIND_CHIME ? LEDGER_CLASS_NONE : cls;
    r.media_sha256 = "9f2c1e5a7b3d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60";
    r.session_id = session;
    r.session_day = day;
    r.airing_key = key;
    r.planned_start_usec = start;
    r.gain_cdb = -250;

    uint64_t roll = next_rand(d) % 100;
    enum ledger_outcome o = roll < 84   ? LEDGER_OUTCOME_COMPLETED
                            : roll < 88 ? LEDGER_OUTCOME_INTERRUPTED
                            : roll < 91 ? LEDGER_OUTCOME_FAILED
                            : roll < 96 ? LEDGER_OUTCOME_MISSED
                                        : LEDGER_OUTCOME_DROPPED;
    if (source != LEDGER_SOURCE_PLAN)
        o = roll < 90 ? LEDGER_OUTCOME_COMPLETED : LEDGER_OUTCOME_INTERRUPTED;
    bool began = o == LEDGER_OUTCOME_COMPLETED || o == LEDGER_OUTCOME_INTERRUPTED ||
                 o == LEDGER_OUTCOME_FAILED;
    if (began) {
        r.phase = LEDGER_PHASE_START;
        r.actual_start_usec = start + 1200;
        r.written_usec = start + 2000;
        append(d, &r, n);
    }
    r.phase = LEDGER_PHASE_FINAL;
    r.outcome = o;
    switch (o) {
    case LEDGER_OUTCOME_COMPLETED:
        r.reason = "";
        r.played_ms = it->dur_ms;
        break;
    case LEDGER_OUTCOME_INTERRUPTED:
        r.reason = "emergency";
        r.played_ms = it->dur_ms * (int64_t)(next_rand(d) % 100) / 100;
        break;
    case LEDGER_OUTCOME_FAILED:
        r.reason = "silence";
        r.played_ms = (int64_t)(next_rand(d) % 5000);
        break;
    case LEDGER_OUTCOME_MISSED:
        r.reason = "downtime";
        break;
    default:
        r.reason = "session-full";
        break;
    }
    if (began) {
        r.actual_end_usec = r.actual_start_usec + r.played_ms * 1000;
        r.written_usec = r.actual_end_usec + 500;
    } else {
        r.written_usec = start + 1000;
    }
    append(d, &r, n);
}

int64_t rfx_fill(struct rfx_dev *d, int32_t first_day, int days, int items_per_session, bool batch)
{
    static const struct {
        const char *id;
        int64_t local_start;
    } sessions[] = {{"sang", 6 * HOUR}, {"chieu", 17 * HOUR}};
    static const struct item chime = {"chime", "", "", NULL, LEDGER_AIRING_KIND_CHIME, 4000};
    static const struct item test = {"loa-play", "", "", NULL, LEDGER_AIRING_KIND_ANNOUNCEMENT,
                                     5000};
    if (items_per_session <= 0)
        items_per_session = 4;
    int64_t n = 0;
    char key[160], d10[16];
    for (int dd = 0; dd < days; dd++) {
        int32_t day = first_day + dd;
        int64_t midnight = (int64_t)day * DAY - TZ_OFFSET; /* local 00:00 in UTC */
        civil_format_date(day, d10, sizeof d10);
        if (batch && dd % 32 == 0)
            g_assert_cmpint(ledger_batch_begin(d->l), ==, 0);
        if (civil_weekday(day) != 6) { /* sessions Monday to Saturday */
            for (size_t s = 0; s < G_N_ELEMENTS(sessions); s++) {
                int64_t t = midnight + sessions[s].local_start;
                snprintf(key, sizeof key, "%s/%s/chime/1", d10, sessions[s].id);
                airing(d, day, sessions[s].id, &chime, LEDGER_SOURCE_PLAN, LEDGER_CLASS_NONE, key,
                       t, &n);
                t += 7 * 1000000;
                for (int i = 0; i < items_per_session; i++) {
                    const struct item *it = &items[i % 4];
                    snprintf(key, sizeof key, "%s/%s/%s/%d", d10, sessions[s].id, it->id,
                             i / 4 + 1);
                    airing(d, day, sessions[s].id, it, LEDGER_SOURCE_PLAN, LEDGER_CLASS_NORMAL, key,
                           t, &n);
                    t += (it->dur_ms + 3000) * 1000;
                }
            }
        }
        if (next_rand(d) % 10 == 0) {
            snprintf(key, sizeof key, "pn-%s-%lld", d->device_id, (long long)++d->playnow_n);
            airing(d, day, "", &items[1], LEDGER_SOURCE_PLAY_NOW, LEDGER_CLASS_EMERGENCY, key,
                   midnight + 14 * HOUR, &n);
        }
        if (next_rand(d) % 15 == 0) {
            snprintf(key, sizeof key, "test-%s-%s", d->device_id, d10);
            airing(d, day, "", &test, LEDGER_SOURCE_TEST, LEDGER_CLASS_NONE, key,
                   midnight + 9 * HOUR, &n);
        }
        for (int k = 0; k < 2; k++) {
            struct ledger_record r;
            ledger_record_init(&r, LEDGER_NOTICE);
            r.trust = LEDGER_TRUST_SYNCED;
            r.item_id = k ? "lich-tiem" : "duong-day-nong";
            r.title = k ? "Lịch tiêm chủng tháng này" : "Đường dây nóng 389";
            r.playlist_id = k ? NULL : "tmdt-2020";
            r.session_day = day;
            r.shown_first_usec = midnight + (k ? 13 : 6) * HOUR;
            r.shown_last_usec = r.shown_first_usec + 6 * HOUR;
            r.shown_times = 100 + (int64_t)(next_rand(d) % 100);
            r.shown_seconds = r.shown_times * 12;
            r.written_usec = r.shown_last_usec + 1000;
            append(d, &r, &n);
        }
        struct loa_diag diag = {0};
        int e = ledger_append_checkpoint(d->l, midnight + DAY + 5 * 60 * 1000000LL,
                                         LEDGER_TRUST_SYNCED, NULL, NULL, NULL, &diag);
        if (e < 0)
            g_printerr("checkpoint: %s\n", diag.msg);
        g_assert_cmpint(e, >=, 0);
        d->last_written_usec = midnight + DAY + 5 * 60 * 1000000LL;
        n++;
        if (batch && (dd % 32 == 31 || dd + 1 == days))
            g_assert_cmpint(ledger_batch_end(d->l), ==, 0);
    }
    return n;
}

void rfx_export(struct rfx_dev *d, const char *out, int64_t to_usec)
{
    struct loa_diag diag = {0};
    struct ledger_export_result res;
    /* exported a minute after the last record, as a device would */
    int64_t now = (to_usec < d->last_written_usec ? to_usec : d->last_written_usec) + 60000000;
    int e = ledger_export(d->l, d->key, to_usec, out, now, LEDGER_TRUST_SYNCED, &res, &diag);
    if (e < 0)
        g_printerr("export: %s\n", diag.msg);
    g_assert_cmpint(e, ==, 0);
}

void rfx_keys_file(struct rfx_dev *const *devs, size_t n, const char *path)
{
    GString *s = g_string_new("# device keys\n");
    for (size_t i = 0; i < n; i++) {
        char b64[128];
        g_string_append_printf(s, "%s %s\n", devs[i]->device_id,
                               ledger_key_public_b64(devs[i]->key, b64, sizeof b64));
    }
    g_assert_true(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
    g_string_free(s, TRUE);
}

struct ledger_keyring *rfx_keyring(struct rfx_dev *const *devs, size_t n)
{
    struct ledger_keyring *kr = NULL;
    g_assert_cmpint(ledger_keyring_new(&kr), ==, 0);
    for (size_t i = 0; i < n; i++)
        g_assert_cmpint(ledger_keyring_add(kr, devs[i]->device_id, devs[i]->key->keynum,
                                           devs[i]->key->pk, LEDGER_NO_DAY, LEDGER_NO_DAY),
                        ==, 0);
    return kr;
}

/* ---- Independent sums ------------------------------------------------------------------- */

struct collect {
    GPtrArray *records; /* struct ledger_record * (dups) */
};

static int collect_cb(const struct ledger_record *r, void *userdata)
{
    struct collect *c = userdata;
    g_ptr_array_add(c->records, ledger_record_dup(r));
    return 0;
}

static void add_fig(struct rfx_fig *f, const struct ledger_record *r)
{
    if (r->kind == LEDGER_NOTICE) {
        f->n_times += r->shown_times;
        f->n_seconds += r->shown_seconds;
        return;
    }
    int64_t played = r->played_ms == LEDGER_NONE ? 0 : r->played_ms;
    switch (r->outcome) {
    case LEDGER_OUTCOME_COMPLETED:
        f->completed++;
        f->airtime_ms += played;
        break;
    case LEDGER_OUTCOME_INTERRUPTED:
        f->interrupted++;
        f->airtime_ms += played;
        break;
    case LEDGER_OUTCOME_FAILED:
        f->failed++;
        f->airtime_ms += played;
        break;
    case LEDGER_OUTCOME_MISSED:
        f->missed++;
        break;
    case LEDGER_OUTCOME_DROPPED:
        f->dropped++;
        break;
    default:
        break;
    }
}

static void key_of(const struct ledger_record *r, const char *by, char *key, size_t size)
{
    int y, m, d;
    civil_to_ymd(r->session_day, &y, &m, &d);
    bool airing = r->kind == LEDGER_AIRING;
    if (strcmp(by, "item") == 0)
        snprintf(key, size, "%s", r->item_id);
    else if (strcmp(by, "category") == 0)
        snprintf(key, size, "%s", airing ? r->category : "");
    else if (strcmp(by, "session") == 0)
        snprintf(key, size, "%s", airing ? r->session_id : "");
    else if (strcmp(by, "day") == 0)
        snprintf(key, size, "%04d-%02d-%02d", y, m, d);
    else if (strcmp(by, "week") == 0)
        civil_format_date(r->session_day - civil_weekday(r->session_day), key, size);
    else if (strcmp(by, "month") == 0)
        snprintf(key, size, "%04d-%02d", y, m);
    else
        snprintf(key, size, "%s:%s", r->unit_codes, r->commune_code);
}

void rfx_expect_compute(const char *const *sources, size_t n, const struct ledger_keyring *kr,
                        int32_t from, int32_t to, const char *campaign, const char *by,
                        struct rfx_expect *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < n; i++) {
        struct collect c = {.records = g_ptr_array_new_with_free_func(g_free)};
        struct ledger_verify_options o = {
            .keys = kr, .record_cb = collect_cb, .userdata = &c, .no_cache_when_cb = true};
        struct ledger_verify_result res;
        g_assert_cmpint(ledger_verify_source(sources[i], &o, &res), ==, 0);
        for (guint k = 0; k < c.records->len; k++) {
            const struct ledger_record *r = g_ptr_array_index(c.records, k);
            if (r->seq > res.trusted_last_seq)
                continue; /* not signed yet */
            char *id = g_strdup_printf("%s:%lld", r->device_id, (long long)r->seq);
            if (g_hash_table_contains(seen, id)) {
                g_free(id);
                continue;
            }
            g_hash_table_add(seen, id);
            ret->records++;
            bool final = r->kind == LEDGER_AIRING && r->phase == LEDGER_PHASE_FINAL;
            if (!final && r->kind != LEDGER_NOTICE)
                continue;
            if (r->session_day == LEDGER_NO_DAY || r->session_day < from || r->session_day > to)
                continue;
            if (campaign && r->playlist_id[0] && strcmp(r->playlist_id, campaign) != 0)
                continue;
            if (final) {
                int out = r->source == LEDGER_SOURCE_TEST              ? 2
                          : r->source == LEDGER_SOURCE_PLAY_NOW        ? 1
                          : r->airing_kind == LEDGER_AIRING_KIND_CHIME ? 0
                                                                       : -1;
                if (out >= 0) {
                    add_fig(&ret->outside[out], r);
                    continue;
                }
            }
            char key[160];
            key_of(r, by, key, sizeof key);
            struct rfx_fig *f = g_hash_table_lookup(ret->rows, key);
            if (!f) {
                f = g_new0(struct rfx_fig, 1);
                g_hash_table_insert(ret->rows, g_strdup(key), f);
            }
            add_fig(f, r);
            add_fig(&ret->total, r);
        }
        g_ptr_array_free(c.records, TRUE);
    }
    g_hash_table_destroy(seen);
}

void rfx_expect_free(struct rfx_expect *e)
{
    if (e->rows)
        g_hash_table_destroy(e->rows);
    e->rows = NULL;
}
