/* Test helpers for reports: devices (a data dir, a key, a ledger) of several communes,
 * filled through the ledger API with plausible airings; exports; keys files; and the
 * independent sums a report must equal, computed straight from the records. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "ledger.h"
#include "ledger_key.h"
#include "ledger_verify.h"

struct rfx_dev {
    char dir[1024], keys[1100], db[1100];
    char device_id[64], commune_code[16], commune_name[128];
    char district_code[16], district_name[128];
    struct ledger_identity id;
    struct ledger_key *key;
    struct ledger *l;
    uint64_t rng;
    int64_t playnow_n;
    int64_t last_written_usec; /* of the latest record appended */
};

/** Make device number i (0-based) of a made-up district under base (a directory that
 *  exists): its data dir, key and ledger. Devices 0-2 are real Hà Đông wards. */
void rfx_dev_create(struct rfx_dev *d, const char *base, int i);
/** Close the ledger and free the key (the files stay). */
void rfx_dev_close(struct rfx_dev *d);

/** Append `days` days from first_day: two sessions a day (Monday to Saturday) with a
 *  chime and four items (three of campaign "tmdt-2020", a relay of another playlist),
 *  every outcome now and then, play-now and speaker tests now and then, two notice
 *  periods a day, a signed checkpoint a day. items_per_session scales the volume
 *  (default 4 when 0). Uses batch transactions when batch. Returns records appended. */
int64_t rfx_fill(struct rfx_dev *d, int32_t first_day, int days, int items_per_session, bool batch);

/** Export everything not yet exported, written up to to_usec, into out (ledger_export()). */
void rfx_export(struct rfx_dev *d, const char *out, int64_t to_usec);

/** Write a --keys file listing the devices' public keys. */
void rfx_keys_file(struct rfx_dev *const *devs, size_t n, const char *path);
/** A keyring of the same. */
struct ledger_keyring *rfx_keyring(struct rfx_dev *const *devs, size_t n);

/* ---- Independent sums ------------------------------------------------------------------- */

/** Figures of one expected row. */
struct rfx_fig {
    int64_t completed, interrupted, failed, missed, dropped, airtime_ms, n_times, n_seconds;
};

/** What the report should say, computed from the records. by is a --by name. */
struct rfx_expect {
    GHashTable *rows; /* char *key -> struct rfx_fig * */
    struct rfx_fig total;
    struct rfx_fig outside[3]; /* chime, play-now, test */
    int64_t records; /* distinct (device, seq) seen */
};

/**
 * Read every record of the sources (through ledger_verify_source()'s record callback),
 * count each (device, seq) once, and sum the final airings and notices whose session
 * date is in from..to (of campaign when not NULL: its airings and those of no
 * playlist) by the --by key `by`. Keys: as the report's (item id, category, session
 * id, YYYY-MM-DD, week's Monday, YYYY-MM, "edition:code").
 */
void rfx_expect_compute(const char *const *sources, size_t n, const struct ledger_keyring *kr,
                        int32_t from, int32_t to, const char *campaign, const char *by,
                        struct rfx_expect *ret);
void rfx_expect_free(struct rfx_expect *e);

/** Remove a directory tree. */
void rfx_rmrf(const char *dir);
/** A new temporary directory (g_free it). */
char *rfx_tmpdir(const char *what);
