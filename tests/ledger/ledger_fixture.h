/* Test helpers for the ledger: a temporary data dir with a device key and a ledger,
 * plausible airings (a commune's sessions and items) appended through the ledger API. */
#pragma once

#include <errno.h>
#include <ftw.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civil.h"
#include "ledger.h"
#include "ledger_export.h"
#include "ledger_key.h"
#include "ledger_verify.h"

struct lfx {
    char dir[1024];
    char keys[1100];
    char db[1100];
    struct ledger_key *key;
    struct ledger *l;
};

static const struct ledger_identity lfx_id = {
    .device_id = "vanquan-01",
    .unit_codes = "2020",
    .province_code = "01",
    .province_name = "Thành phố Hà Nội",
    .district_code = "268",
    .district_name = "Quận Hà Đông",
    .commune_code = "09552",
    .commune_name = "Phường Văn Quán",
};

/* 2020-11-02 00:00 UTC, the campaign's first Monday. */
#define LFX_T0 INT64_C(1604275200000000)

static inline int lfx_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void lfx_rmrf(const char *dir)
{
    nftw(dir, lfx_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void lfx_open(struct lfx *f)
{
    struct ledger_open_options o = {
        .identity = &lfx_id, .key = f->key, .now_usec = LFX_T0, .trust = LEDGER_TRUST_SYNCED};
    struct loa_diag d = {0};
    int e = ledger_open(f->db, &o, &f->l, NULL, &d);
    if (e < 0)
        g_printerr("ledger_open: %s\n", d.msg);
    g_assert_cmpint(e, ==, 0);
}

static inline void lfx_setup(struct lfx *f)
{
    memset(f, 0, sizeof(*f));
    const char *tmp = g_get_tmp_dir();
    snprintf(f->dir, sizeof f->dir, "%s/loa-ledger-test-XXXXXX", tmp);
    g_assert_nonnull(mkdtemp(f->dir));
    snprintf(f->keys, sizeof f->keys, "%s/keys", f->dir);
    snprintf(f->db, sizeof f->db, "%s/ledger.db", f->dir);
    struct loa_diag d = {0};
    g_assert_cmpint(ledger_key_load_or_create(f->keys, &f->key, NULL, &d), ==, 0);
    lfx_open(f);
}

static inline void lfx_teardown(struct lfx *f)
{
    if (f->l)
        g_assert_cmpint((int)ledger_close(f->l), ==, 0);
    f->l = NULL;
    f->key = ledger_key_free(f->key);
    if (!g_getenv("LOA_TEST_KEEP"))
        lfx_rmrf(f->dir);
}

/* The airing key as the daemon writes it: date/session/item/n. */
static inline char *lfx_key(char *buf, size_t size, int32_t day, const char *session,
                            const char *item, int n)
{
    char d[16];
    snprintf(buf, size, "%s/%s/%s/%d", civil_format_date(day, d, sizeof d), session, item, n);
    return buf;
}

/* A plausible airing record; key must outlive the record. */
static inline void lfx_airing(struct ledger_record *r, enum ledger_phase phase, int32_t day,
                              const char *session, const char *item, const char *key,
                              int64_t start_usec, int64_t dur_ms)
{
    ledger_record_init(r, LEDGER_AIRING);
    r->phase = phase;
    r->trust = LEDGER_TRUST_SYNCED;
    r->source = LEDGER_SOURCE_PLAN;
    bool chime = strcmp(item, "chime") == 0;
    r->airing_kind = chime ? LEDGER_AIRING_KIND_CHIME : LEDGER_AIRING_KIND_ANNOUNCEMENT;
    if (!chime) {
        r->playlist_id = "tmdt-2020";
        r->reference = "KH 03/KH-BCĐ389 ngày 05/11/2020";
        r->campaign_from_day = civil_from_ymd(2020, 11, 1);
        r->campaign_until_day = civil_from_ymd(2023, 10, 31);
        r->title = "Cảnh giác hàng giả, \"hàng nhái\", trên mạng";
        r->category = "phap-luat";
        r->cls = LEDGER_CLASS_NORMAL;
        r->gain_cdb = -320;
    }
    r->item_id = item;
    r->media_sha256 = "9f2c1e5a7b3d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60";
    r->session_id = session;
    r->session_day = day;
    r->airing_key = key;
    r->planned_start_usec = start_usec;
    r->actual_start_usec = start_usec + 1500;
    if (phase == LEDGER_PHASE_START) {
        r->written_usec = start_usec + 2000;
    } else {
        r->written_usec = start_usec + dur_ms * 1000 + 3000;
        r->actual_end_usec = start_usec + dur_ms * 1000 + 1500;
        r->played_ms = dur_ms;
        r->outcome = LEDGER_OUTCOME_COMPLETED;
        r->reason = "";
    }
}

/* Append days of airings: 3 sessions x (chime + items) a day, start and final each,
 * a notice period per day and a daily checkpoint. Returns the number of records. */
static inline int64_t lfx_fill(struct ledger *l, int32_t first_day, int days, int items)
{
    static const char *const sessions[] = {"sang", "trua", "chieu"};
    static const int64_t session_start_utc_h[] = {-1, 4, 10}; /* 06:00, 11:00, 17:00 +07 */
    char key[128], item[32];
    int64_t n = 0;
    for (int dd = 0; dd < days; dd++) {
        int32_t day = first_day + dd;
        for (int s = 0; s < 3; s++) {
            int64_t t = (int64_t)day * 86400000000 + session_start_utc_h[s] * 3600000000;
            for (int i = 0; i <= items; i++) {
                if (i == 0)
                    snprintf(item, sizeof item, "chime");
                else
                    snprintf(item, sizeof item, "tmdt-%02d", i);
                lfx_key(key, sizeof key, day, sessions[s], item, 1);
                struct ledger_record r;
                int64_t dur = i == 0 ? 4000 : 95000;
                lfx_airing(&r, LEDGER_PHASE_START, day, sessions[s], item, key, t, dur);
                int e = ledger_append(l, &r, NULL, NULL);
                g_assert_cmpint(e, >=, 0);
                lfx_airing(&r, LEDGER_PHASE_FINAL, day, sessions[s], item, key, t, dur);
                if (i == items && dd % 7 == 3) { /* now and then a missed one */
                    r.outcome = LEDGER_OUTCOME_MISSED;
                    r.reason = "session-over";
                    r.played_ms = 0;
                }
                e = ledger_append(l, &r, NULL, NULL);
                g_assert_cmpint(e, >=, 0);
                n += 2;
                t += (dur + 3000) * 1000;
            }
        }
        struct ledger_record nr;
        ledger_record_init(&nr, LEDGER_NOTICE);
        nr.trust = LEDGER_TRUST_SYNCED;
        nr.item_id = "duong-day-nong";
        nr.title = "Đường dây nóng 389";
        nr.session_day = day;
        nr.shown_first_usec = (int64_t)day * 86400000000 - 5400000000LL;
        nr.shown_last_usec = nr.shown_first_usec + 3600000000LL;
        nr.shown_times = 240;
        nr.shown_seconds = 3600;
        nr.written_usec = nr.shown_last_usec + 1000;
        g_assert_cmpint(ledger_append(l, &nr, NULL, NULL), >=, 0);
        n++;
        int64_t cp_time = (int64_t)(day + 1) * 86400000000 - 7 * 3600000000LL;
        g_assert_cmpint(
            ledger_append_checkpoint(l, cp_time, LEDGER_TRUST_SYNCED, NULL, NULL, NULL, NULL), >=,
            0);
        n++;
    }
    return n;
}

/* A keyring holding only f's key for lfx_id's device. */
static inline struct ledger_keyring *lfx_keyring(const struct ledger_key *k)
{
    struct ledger_keyring *kr = NULL;
    g_assert_cmpint(ledger_keyring_new(&kr), ==, 0);
    g_assert_cmpint(
        ledger_keyring_add(kr, lfx_id.device_id, k->keynum, k->pk, LEDGER_NO_DAY, LEDGER_NO_DAY),
        ==, 0);
    return kr;
}

static inline int lfx_verify(const char *path, const struct ledger_keyring *kr,
                             struct ledger_verify_result *res)
{
    struct ledger_verify_options o = {.keys = kr};
    return ledger_verify_source(path, &o, res);
}
