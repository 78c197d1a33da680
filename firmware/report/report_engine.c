/* The report engine (report.h "The engine"): from source paths to a finished report.
 *
 *   1. verify every source (ledger_verify_sources(): chain, signatures, checkpoints,
 *      cross-checks; cached) — a failing one fails the report, or is left out and
 *      named with --skip-bad;
 *   2. open each as a report store: a database directly, an export through an
 *      in-memory store filled by a second, record-by-record verification;
 *   3. de-duplicate by (device, seq): each device's sources are laid along its seq
 *      line and every seq is counted from exactly one source; where two overlap, the
 *      chain hashes at the end of the overlap must be equal (then, the chain being
 *      verified, every overlapping record is byte for byte the same);
 *   4. resolve the campaign's window and the period;
 *   5. check that each device's records cover the period (from its first record, or
 *      from before the period, to after it, with no gap inside);
 *   6. aggregate: one SQLite scan per source (ledger_report_scan()), several sources
 *      at a time on worker threads, each worker folding cells into its own rows;
 *   7. merge the workers' rows, look up labels, build the chart.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "civil.h"
#include "ledger.h"
#include "ledger_report.h"
#include "report.h"

#define DEFAULT_TZ "Asia/Ho_Chi_Minh"

struct src {
    size_t index; /* into r->sources and o->sources */
    const char *path;
    struct ledger_verify_result vr;
    struct ledger_report_db *db;
    int64_t first, last; /* trusted records (first > last: none) */
    int64_t used_from, used_to; /* after de-duplication */
    bool whole; /* the used range is every airing and notice it holds */
    struct ledger_report_extent ext; /* of the used range */
};

/* One row being summed. */
struct acc_row {
    struct report_figures f;
    /* The latest record seen for this row: its labels name the row. */
    int32_t label_day;
    int64_t label_seq;
    size_t label_src;
    bool seen;
};

struct engine {
    const struct report_options *o;
    struct report *r;
    struct loa_diag_list *diags;
    struct src *srcs;
    size_t n_srcs;
    GTimeZone *tz;
    /* row geometry, fixed before the scan */
    enum report_chart_step row_step; /* for --by day, week, month */
    size_t n_dated; /* dated rows (0 for the other --by) */
    size_t n_chart;
    gint next_task;
};

struct worker {
    struct engine *eng;
    GHashTable *rows; /* char *key -> struct acc_row * (keyed --by) */
    struct acc_row *dated;
    int64_t *chart;
    struct report_figures outside[REPORT_N_OUTSIDE];
    size_t cur; /* source being scanned */
    /* The last commune's row: cells come in runs of one commune (a device rarely
     * changes commune), so most cells skip formatting a key and hashing it. */
    char last_unit[32], last_commune[32];
    struct acc_row *last_commune_row;
    int error;
    struct loa_diag diag;
};

/* ---- Dates ------------------------------------------------------------------------------ */

static int32_t monday_of(int32_t day)
{
    return day - civil_weekday(day);
}

static int month_index(int32_t day)
{
    int y, m, d;
    civil_to_ymd(day, &y, &m, &d);
    return y * 12 + (m - 1);
}

/* Which bucket of [from, ...] day falls in, at the given step. */
static size_t bucket_of(enum report_chart_step step, int32_t from, int32_t day)
{
    switch (step) {
    case REPORT_CHART_DAY:
        return (size_t)(day - from);
    case REPORT_CHART_WEEK:
        return (size_t)((monday_of(day) - monday_of(from)) / 7);
    case REPORT_CHART_MONTH:
    default:
        return (size_t)(month_index(day) - month_index(from));
    }
}

/* First and last day of bucket i, clipped to [from, to]. */
static void bucket_days(enum report_chart_step step, int32_t from, int32_t to, size_t i,
                        int32_t *ret_a, int32_t *ret_b)
{
    int32_t a, b;
    if (step == REPORT_CHART_DAY) {
        a = b = from + (int32_t)i;
    } else if (step == REPORT_CHART_WEEK) {
        a = monday_of(from) + 7 * (int32_t)i;
        b = a + 6;
    } else {
        int idx = month_index(from) + (int)i;
        int y = idx / 12, m = idx % 12 + 1;
        a = civil_from_ymd(y, m, 1);
        b = civil_from_ymd(y, m, civil_days_in_month(y, m));
    }
    *ret_a = a < from ? from : a;
    *ret_b = b > to ? to : b;
}

static int64_t local_midnight_usec(GTimeZone *tz, int32_t day)
{
    int y, m, d;
    civil_to_ymd(day, &y, &m, &d);
    GDateTime *dt = g_date_time_new(tz, y, m, d, 0, 0, 0);
    if (!dt)
        return (int64_t)day * CIVIL_USEC_PER_DAY;
    int64_t u = g_date_time_to_unix(dt) * CIVIL_USEC_PER_SEC;
    g_date_time_unref(dt);
    return u;
}

static char *local_date(GTimeZone *tz, int64_t usec, char *buf, size_t size)
{
    GDateTime *u = g_date_time_new_from_unix_utc(usec / CIVIL_USEC_PER_SEC);
    GDateTime *l = u ? g_date_time_to_timezone(u, tz) : NULL;
    if (l)
        snprintf(buf, size, "%02d/%02d/%04d", g_date_time_get_day_of_month(l),
                 g_date_time_get_month(l), g_date_time_get_year(l));
    else
        snprintf(buf, size, "?");
    if (l)
        g_date_time_unref(l);
    if (u)
        g_date_time_unref(u);
    return buf;
}

/* ---- Messages ---------------------------------------------------------------------------- */

static int fail(struct engine *eng, int err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct engine *eng, int err, const char *path, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (loa_diag_list_add(eng->diags, LOA_SEV_ERROR, path ? path : "", 0, "%s", msg) < 0)
        return -ENOMEM;
    return err;
}

static void verify_message(const struct ledger_verify_result *vr, char *buf, size_t size)
{
    if (vr->bad_seq > 0)
        snprintf(buf, size, "verification failed at record %lld: %s", (long long)vr->bad_seq,
                 vr->message);
    else
        snprintf(buf, size, "verification failed: %s", vr->message);
}

/* ---- 1, 2: verify and open ------------------------------------------------------------------ */

static int verify_all(struct engine *eng)
{
    const struct report_options *o = eng->o;
    size_t n = o->n_sources;
    size_t *active = calloc(n ? n : 1, sizeof(*active));
    const char **paths = calloc(n ? n : 1, sizeof(*paths));
    struct ledger_verify_result *res = calloc(n ? n : 1, sizeof(*res));
    int e = 0;
    if (!active || !paths || !res) {
        e = -ENOMEM;
        goto out;
    }
    size_t n_active = n;
    for (size_t i = 0; i < n; i++)
        active[i] = i;
    struct ledger_verify_options vo = {.keys = o->keys, .cache_dir = o->cache_dir};
    for (;;) {
        for (size_t k = 0; k < n_active; k++)
            paths[k] = o->sources[active[k]];
        size_t bad = SIZE_MAX;
        e = n_active ? ledger_verify_sources(paths, n_active, &vo, res, &bad) : 0;
        if (e == 0)
            break;
        if (e == -ENOMEM)
            goto out;
        if (bad >= n_active) {
            e = fail(eng, -EIO, NULL, "cannot verify the sources: %s", strerror(-e));
            goto out;
        }
        struct report_source *rs = &eng->r->sources[active[bad]];
        char msg[1100];
        if (e == -ENOENT)
            snprintf(msg, sizeof msg, "no such ledger or export folder");
        else
            verify_message(&res[bad], msg, sizeof msg);
        if (!o->skip_bad) {
            int err = e == -ENOENT ? -ENOENT : (e == -EBADMSG ? -EBADMSG : -EIO);
            e = fail(eng, err, rs->path, "%s%s", msg,
                     err == -EBADMSG ? " (--skip-bad leaves it out of the report)" : "");
            goto out;
        }
        rs->status = REPORT_SOURCE_SKIPPED;
        snprintf(rs->message, sizeof rs->message, "%s", msg);
        memmove(&active[bad], &active[bad + 1], (n_active - bad - 1) * sizeof(*active));
        n_active--;
    }
    eng->srcs = calloc(n_active ? n_active : 1, sizeof(*eng->srcs));
    if (!eng->srcs) {
        e = -ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < n_active; k++) {
        struct src *s = &eng->srcs[k];
        s->index = active[k];
        s->path = o->sources[active[k]];
        s->vr = res[k];
        s->first = res[k].n_records ? res[k].first_seq : 1;
        s->last = res[k].n_records ? res[k].trusted_last_seq : 0;
        struct report_source *rs = &eng->r->sources[s->index];
        rs->type = res[k].type;
        snprintf(rs->device_id, sizeof rs->device_id, "%s", res[k].device_id);
        rs->first_seq = s->first;
        rs->last_seq = s->last;
        rs->cached = res[k].cached;
        /* The last checkpoint signs the record before it, so one record past the
         * signed range is the checkpoint itself: only more than that is news. */
        if (res[k].type == LEDGER_SOURCE_DATABASE && res[k].n_records &&
            res[k].trusted_last_seq + 1 < res[k].last_seq)
            snprintf(rs->message, sizeof rs->message,
                     "records %lld-%lld are not covered by a signed checkpoint yet and are "
                     "not counted",
                     (long long)(res[k].trusted_last_seq + 1), (long long)res[k].last_seq);
    }
    eng->n_srcs = n_active;
    e = 0;
out:
    free(active);
    free(paths);
    free(res);
    return e;
}

struct add_ctx {
    struct ledger_report_db *db;
    int error;
};

static int add_record(const struct ledger_record *rec, void *userdata)
{
    struct add_ctx *a = userdata;
    a->error = ledger_report_add(a->db, rec);
    return a->error < 0 ? 1 : 0;
}

static int open_stores(struct engine *eng)
{
    for (size_t k = 0; k < eng->n_srcs; k++) {
        struct src *s = &eng->srcs[k];
        struct loa_diag d = {0};
        int e;
        if (s->vr.type == LEDGER_SOURCE_DATABASE) {
            e = ledger_report_open(s->path, &s->db, &d);
            if (e < 0)
                return fail(eng, e == -ENOMEM ? -ENOMEM : -EIO, s->path, "%s", d.msg);
            continue;
        }
        e = ledger_report_open_memory(&s->db);
        if (e < 0)
            return fail(eng, e, s->path, "cannot make a report store: %s", strerror(-e));
        struct add_ctx a = {.db = s->db};
        struct ledger_verify_options vo = {.keys = eng->o->keys,
                                           .record_cb = add_record,
                                           .userdata = &a,
                                           .no_cache_when_cb = true};
        struct ledger_verify_result vr;
        e = ledger_verify_source(s->path, &vo, &vr);
        if (a.error < 0)
            return fail(eng, a.error == -ENOMEM ? -ENOMEM : -EIO, s->path,
                        "cannot read the export: %s", strerror(-a.error));
        if (e < 0) {
            /* It verified a moment ago: it changed under us. */
            char msg[1100];
            verify_message(&vr, msg, sizeof msg);
            return fail(eng, -EBADMSG, s->path, "%s", msg);
        }
    }
    return 0;
}

/* ---- 3: de-duplicate --------------------------------------------------------------------- */

static int cmp_src(const void *a, const void *b)
{
    const struct src *x = *(const struct src *const *)a, *y = *(const struct src *const *)b;
    int c = strcmp(x->vr.device_id, y->vr.device_id);
    if (c)
        return c;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->last != y->last)
        return x->last > y->last ? -1 : 1;
    /* databases first: they are read in place, exports are copied */
    if (x->vr.type != y->vr.type)
        return x->vr.type == LEDGER_SOURCE_DATABASE ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* The source (among order[0..n)) whose used range holds seq. */
static struct src *owner_of(struct src **order, size_t n, const char *device, int64_t seq)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(order[i]->vr.device_id, device) == 0 && order[i]->used_from <= seq &&
            seq <= order[i]->used_to)
            return order[i];
    return NULL;
}

static int dedup(struct engine *eng, struct src **order)
{
    for (size_t k = 0; k < eng->n_srcs; k++)
        order[k] = &eng->srcs[k];
    qsort(order, eng->n_srcs, sizeof(*order), cmp_src);
    int64_t covered = 0;
    for (size_t k = 0; k < eng->n_srcs; k++) {
        struct src *s = order[k];
        if (k == 0 || strcmp(s->vr.device_id, order[k - 1]->vr.device_id) != 0)
            covered = 0;
        s->used_from = 1;
        s->used_to = 0;
        if (s->first > s->last)
            continue;
        if (s->first <= covered) {
            int64_t at = s->last < covered ? s->last : covered;
            struct src *own = owner_of(order, k, s->vr.device_id, at);
            uint8_t h1[LEDGER_HASH_SIZE], h2[LEDGER_HASH_SIZE];
            if (own &&
                (ledger_report_hash(s->db, at, h1) < 0 || ledger_report_hash(own->db, at, h2) < 0 ||
                 memcmp(h1, h2, LEDGER_HASH_SIZE) != 0))
                return fail(eng, -EBADMSG, s->path,
                            "record %lld of device %s differs from %s: two different histories",
                            (long long)at, s->vr.device_id, own->path);
        }
        s->used_from = s->first > covered ? s->first : covered + 1;
        s->used_to = s->last;
        if (s->used_to > covered)
            covered = s->used_to;
    }
    for (size_t k = 0; k < eng->n_srcs; k++) {
        struct src *s = &eng->srcs[k];
        struct report_source *rs = &eng->r->sources[s->index];
        rs->used_from = s->used_from;
        rs->used_to = s->used_to;
        if (s->used_from <= s->used_to) {
            int e = ledger_report_extent(s->db, s->used_from, s->used_to, &s->ext);
            if (e < 0)
                return fail(eng, e, s->path, "cannot read the ledger: %s", strerror(-e));
            /* A database's unsigned tail is usually just its last checkpoint, which is
             * neither an airing nor a notice: then the scan may skip the seq test. */
            bool tail_ok = s->used_to >= s->vr.last_seq;
            if (!tail_ok && s->used_to + 1 == s->vr.last_seq) {
                struct ledger_record *rec = NULL;
                tail_ok = ledger_report_get(s->db, s->vr.last_seq, &rec) == 0 &&
                          rec->kind == LEDGER_CHECKPOINT;
                ledger_record_free(rec);
            }
            s->whole = s->used_from <= s->vr.first_seq && tail_ok;
        }
    }
    return 0;
}

/* ---- 4: campaign and period --------------------------------------------------------------- */

static int resolve_period(struct engine *eng)
{
    const struct report_options *o = eng->o;
    struct report *r = eng->r;
    int32_t cf = LEDGER_NO_DAY, cu = LEDGER_NO_DAY;
    if (o->spec.kind != REPORT_PERIOD_RANGE || o->campaign_id) {
        if (!o->campaign_id)
            return fail(eng, -EINVAL, NULL, "--period needs --campaign");
        int32_t best_day = INT32_MIN;
        for (size_t k = 0; k < eng->n_srcs; k++) {
            struct src *s = &eng->srcs[k];
            if (s->used_from > s->used_to)
                continue;
            int32_t f, u;
            int64_t seq;
            int e = ledger_report_campaign(s->db, o->campaign_id, s->used_from, s->used_to, &f, &u,
                                           &seq);
            if (e == -ENOENT)
                continue;
            if (e < 0)
                return fail(eng, e, s->path, "cannot read the ledger: %s", strerror(-e));
            struct ledger_record *rec = NULL;
            e = ledger_report_get(s->db, seq, &rec);
            if (e < 0)
                return fail(eng, e == -ENOMEM ? e : -EIO, s->path, "cannot read record %lld",
                            (long long)seq);
            if (rec->session_day > best_day) {
                best_day = rec->session_day;
                cf = f;
                cu = u;
                free(r->campaign_reference);
                r->campaign_reference = strdup(rec->reference ? rec->reference : "");
            }
            ledger_record_free(rec);
            if (!r->campaign_reference)
                return -ENOMEM;
        }
        if (best_day == INT32_MIN)
            return fail(eng, -ENOENT, NULL, "no airing of campaign '%s' in the sources",
                        o->campaign_id);
        r->campaign_id = strdup(o->campaign_id);
        if (!r->campaign_id)
            return -ENOMEM;
    }
    r->campaign_from = cf;
    r->campaign_until = cu;
    struct loa_diag d = {0};
    int e = report_period_resolve(&o->spec, cf, cu, o->today, &r->period, &d);
    if (e < 0)
        return fail(eng, e, NULL, "%s", d.msg);
    return 0;
}

/* ---- 5: coverage ------------------------------------------------------------------------- */

/* A device's records cover the period when they run from its beginning (seq 1) or from
 * a record written on or before the period's first day, to a record written on or after
 * its last day (or an airing of that day), with no missing seq whose time could fall in
 * the period. Days are local (the engine's time zone). Only signed records count: an
 * export made with `loa export --to` the period's last day covers it; a database covers
 * up to its last checkpoint. */

static int check_coverage(struct engine *eng, struct src **order)
{
    const struct report_options *o = eng->o;
    struct report *r = eng->r;
    int err = 0;
    /* Local midnights: the period's first and last days begin, and it ends. */
    int64_t start = local_midnight_usec(eng->tz, r->period.from_day);
    int64_t first_day_end = local_midnight_usec(eng->tz, r->period.from_day + 1);
    int64_t last_day = local_midnight_usec(eng->tz, r->period.to_day);
    int64_t end = local_midnight_usec(eng->tz, r->period.to_day + 1);
    char pf[16], pt[16];
    civil_format_date_vn(r->period.from_day, pf, sizeof pf);
    civil_format_date_vn(r->period.to_day, pt, sizeof pt);
    for (size_t k = 0; k < eng->n_srcs;) {
        /* Sources [k, j) are one device's, in seq order. */
        size_t j = k + 1;
        while (j < eng->n_srcs && strcmp(order[j]->vr.device_id, order[k]->vr.device_id) == 0)
            j++;
        char why[512] = "";
        const struct src *first = NULL, *last = NULL, *prev = NULL;
        for (size_t i = k; i < j; i++) {
            const struct src *s = order[i];
            if (s->used_from > s->used_to)
                continue;
            if (!first)
                first = s;
            if (prev && s->ext.first_seq > prev->ext.last_seq + 1 &&
                !(s->ext.first_written_usec <= start || prev->ext.last_written_usec >= end) &&
                !why[0])
                snprintf(why, sizeof why, "records %lld-%lld of device %s are missing",
                         (long long)(prev->ext.last_seq + 1), (long long)(s->ext.first_seq - 1),
                         s->vr.device_id);
            prev = last = s;
        }
        if (first && !why[0] && first->ext.first_seq != 1 &&
            first->ext.first_written_usec >= first_day_end) {
            char a[16];
            snprintf(why, sizeof why, "its records begin on %s, after the period starts",
                     local_date(eng->tz, first->ext.first_written_usec, a, sizeof a));
        }
        if (last && !why[0] && last->ext.last_written_usec < last_day &&
            !(last->ext.max_session_day != LEDGER_NO_DAY &&
              last->ext.max_session_day >= r->period.to_day)) {
            char a[16];
            snprintf(why, sizeof why, "its signed records end on %s, before the period ends",
                     local_date(eng->tz, last->ext.last_written_usec, a, sizeof a));
        }
        if (why[0]) {
            for (size_t i = k; i < j; i++) {
                struct report_source *rs = &r->sources[order[i]->index];
                rs->status = REPORT_SOURCE_PARTIAL;
                snprintf(rs->message, sizeof rs->message, "does not cover the period %s-%s: %s", pf,
                         pt, why);
            }
        }
        k = j;
    }
    /* Named in the order they were given. */
    for (size_t i = 0; i < r->n_sources && !o->partial; i++) {
        const struct report_source *rs = &r->sources[i];
        if (rs->status == REPORT_SOURCE_PARTIAL)
            err = fail(eng, -ERANGE, rs->path, "%s (--partial reports it anyway)", rs->message);
    }
    return err;
}

/* ---- 6: aggregate ------------------------------------------------------------------------ */

static struct acc_row *keyed_row(struct worker *w, const char *key)
{
    struct acc_row *a = g_hash_table_lookup(w->rows, key);
    if (!a) {
        a = g_new0(struct acc_row, 1);
        g_hash_table_insert(w->rows, g_strdup(key), a);
    }
    return a;
}

static struct acc_row *row_for(struct worker *w, const struct ledger_report_cell *c)
{
    struct engine *eng = w->eng;
    char key[128];
    switch (eng->r->by) {
    case REPORT_BY_DAY:
    case REPORT_BY_WEEK:
    case REPORT_BY_MONTH: {
        size_t i = bucket_of(eng->row_step, eng->r->period.from_day, c->session_day);
        return i < eng->n_dated ? &w->dated[i] : NULL;
    }
    case REPORT_BY_COMMUNE:
        if (w->last_commune_row && strcmp(c->commune_code, w->last_commune) == 0 &&
            strcmp(c->unit_codes, w->last_unit) == 0)
            return w->last_commune_row;
        snprintf(key, sizeof key, "%s:%s", c->unit_codes, c->commune_code);
        w->last_commune_row = keyed_row(w, key);
        snprintf(w->last_unit, sizeof w->last_unit, "%s", c->unit_codes);
        snprintf(w->last_commune, sizeof w->last_commune, "%s", c->commune_code);
        return w->last_commune_row;
    case REPORT_BY_CATEGORY:
        return keyed_row(w, c->kind == LEDGER_AIRING ? c->category : "");
    case REPORT_BY_SESSION:
        return keyed_row(w, c->kind == LEDGER_AIRING ? c->session : "");
    case REPORT_BY_ITEM:
    default:
        return keyed_row(w, c->item);
    }
}

static int on_cell(const struct ledger_report_cell *c, void *userdata)
{
    struct worker *w = userdata;
    struct engine *eng = w->eng;
    struct report_figures f = {0};
    if (c->kind == LEDGER_AIRING) {
        switch (c->outcome) {
        case LEDGER_OUTCOME_COMPLETED:
            f.completed = c->n_records;
            f.airtime_ms = c->played_ms;
            break;
        case LEDGER_OUTCOME_INTERRUPTED:
            f.interrupted = c->n_records;
            f.airtime_ms = c->played_ms;
            break;
        case LEDGER_OUTCOME_FAILED:
            f.failed = c->n_records;
            f.airtime_ms = c->played_ms;
            break;
        case LEDGER_OUTCOME_MISSED:
            f.missed = c->n_records;
            break;
        case LEDGER_OUTCOME_DROPPED:
            f.dropped = c->n_records;
            break;
        case LEDGER_OUTCOME_NONE:
        default:
            return 0;
        }
        int out = -1;
        if (c->source == LEDGER_SOURCE_TEST)
            out = REPORT_OUTSIDE_TEST;
        else if (c->source == LEDGER_SOURCE_PLAY_NOW)
            out = REPORT_OUTSIDE_PLAY_NOW;
        else if (c->airing_kind == LEDGER_AIRING_KIND_CHIME)
            out = REPORT_OUTSIDE_CHIME;
        if (out >= 0) {
            report_figures_add(&w->outside[out], &f);
            return 0;
        }
        size_t b = bucket_of(eng->r->chart_step, eng->r->period.from_day, c->session_day);
        if (b < eng->n_chart)
            w->chart[b] += f.airtime_ms;
    } else {
        f.notice_times = c->shown_times;
        f.notice_seconds = c->shown_seconds;
    }
    struct acc_row *a = row_for(w, c);
    if (!a)
        return 0;
    report_figures_add(&a->f, &f);
    if (!a->seen || c->session_day > a->label_day ||
        (c->session_day == a->label_day && c->last_seq > a->label_seq)) {
        a->seen = true;
        a->label_day = c->session_day;
        a->label_seq = c->last_seq;
        a->label_src = w->cur;
    }
    return 0;
}

static gpointer worker_main(gpointer data)
{
    struct worker *w = data;
    struct engine *eng = w->eng;
    for (;;) {
        gint k = g_atomic_int_add(&eng->next_task, 1);
        if ((size_t)k >= eng->n_srcs)
            break;
        struct src *s = &eng->srcs[k];
        if (s->used_from > s->used_to)
            continue;
        struct ledger_report_query q = {
            .from_day = eng->r->period.from_day,
            .to_day = eng->r->period.to_day,
            .from_seq = s->whole ? 0 : s->used_from,
            .to_seq = s->whole ? INT64_MAX : s->used_to,
            .playlist = eng->r->campaign_id,
            .grain = eng->r->by == REPORT_BY_COMMUNE ? LEDGER_REPORT_GRAIN_COMMUNE
                     : (eng->r->by == REPORT_BY_DAY || eng->r->by == REPORT_BY_WEEK ||
                        eng->r->by == REPORT_BY_MONTH)
                         ? LEDGER_REPORT_GRAIN_DATE
                         : LEDGER_REPORT_GRAIN_ITEM,
        };
        w->cur = (size_t)k;
        int e = ledger_report_scan(s->db, &q, on_cell, w, &w->diag);
        if (e != 0) {
            w->error = e < 0 ? e : -EIO;
            if (!w->diag.msg[0])
                snprintf(w->diag.msg, sizeof w->diag.msg, "cannot read the ledger: %s",
                         strerror(-w->error));
            snprintf(w->diag.file, sizeof w->diag.file, "%s", s->path);
            break;
        }
    }
    return NULL;
}

static void merge_row(struct acc_row *into, const struct acc_row *from)
{
    report_figures_add(&into->f, &from->f);
    if (from->seen && (!into->seen || from->label_day > into->label_day ||
                       (from->label_day == into->label_day && from->label_seq > into->label_seq))) {
        into->seen = true;
        into->label_day = from->label_day;
        into->label_seq = from->label_seq;
        into->label_src = from->label_src;
    }
}

static void worker_clear(struct worker *w)
{
    if (w->rows)
        g_hash_table_destroy(w->rows);
    g_free(w->dated);
    g_free(w->chart);
}

static int aggregate(struct engine *eng, struct worker *total)
{
    unsigned n = eng->o->threads;
    if (n == 0)
        n = g_get_num_processors();
    if (n > 8)
        n = 8;
    if (n > eng->n_srcs)
        n = (unsigned)eng->n_srcs;
    if (n == 0)
        n = 1;
    struct worker *ws = g_new0(struct worker, n);
    GThread **th = g_new0(GThread *, n);
    for (unsigned i = 0; i < n; i++) {
        ws[i].eng = eng;
        ws[i].rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        ws[i].dated = g_new0(struct acc_row, eng->n_dated ? eng->n_dated : 1);
        ws[i].chart = g_new0(int64_t, eng->n_chart ? eng->n_chart : 1);
    }
    /* The calling thread is worker 0. */
    for (unsigned i = 1; i < n; i++)
        th[i] = g_thread_new("report", worker_main, &ws[i]);
    worker_main(&ws[0]);
    for (unsigned i = 1; i < n; i++)
        g_thread_join(th[i]);
    int e = 0;
    for (unsigned i = 0; i < n && !e; i++) {
        if (ws[i].error) {
            e = fail(eng, ws[i].error == -EBADMSG ? -EBADMSG : -EIO, ws[i].diag.file, "%s",
                     ws[i].diag.msg);
        }
    }
    if (!e) {
        *total = ws[0];
        ws[0].rows = NULL;
        ws[0].dated = NULL;
        ws[0].chart = NULL;
        for (unsigned i = 1; i < n; i++) {
            GHashTableIter it;
            gpointer k, v;
            g_hash_table_iter_init(&it, ws[i].rows);
            while (g_hash_table_iter_next(&it, &k, &v))
                merge_row(keyed_row(total, k), v);
            for (size_t b = 0; b < eng->n_dated; b++)
                merge_row(&total->dated[b], &ws[i].dated[b]);
            for (size_t b = 0; b < eng->n_chart; b++)
                total->chart[b] += ws[i].chart[b];
            for (int o = 0; o < REPORT_N_OUTSIDE; o++)
                report_figures_add(&total->outside[o], &ws[i].outside[o]);
        }
    }
    for (unsigned i = 0; i < n; i++)
        worker_clear(&ws[i]);
    g_free(ws);
    g_free(th);
    return e;
}

/* ---- 7: rows, labels, units, chart ----------------------------------------------------------- */

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Rows in key order; per item, the announcements first and the notices (rows with
 * no airing at all) after them. */
static int cmp_row_key(const void *a, const void *b)
{
    const struct report_row *x = a, *y = b;
    bool nx = report_planned(&x->f) + x->f.dropped == 0 && x->f.notice_times > 0;
    bool ny = report_planned(&y->f) + y->f.dropped == 0 && y->f.notice_times > 0;
    if (nx != ny)
        return nx ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* The label of a keyed row from its latest record. */
static char *row_label(struct engine *eng, const char *key, const struct acc_row *a)
{
    enum report_by by = eng->r->by;
    if (by != REPORT_BY_ITEM && by != REPORT_BY_COMMUNE)
        return strdup(key);
    if (!a->seen)
        return strdup(key);
    struct ledger_record *rec = NULL;
    if (ledger_report_get(eng->srcs[a->label_src].db, a->label_seq, &rec) < 0)
        return strdup(key);
    const char *l = by == REPORT_BY_ITEM ? rec->title : rec->commune_name;
    char *s = strdup(l && *l ? l : key);
    ledger_record_free(rec);
    return s;
}

/* Two communes of one name (there are many Tân Lập): add the district or province. */
static int disambiguate_communes(struct engine *eng)
{
    struct report *r = eng->r;
    for (size_t i = 0; i < r->n_rows; i++) {
        bool dup = false;
        for (size_t j = 0; j < r->n_rows && !dup; j++)
            dup = i != j && strcmp(r->rows[i].label, r->rows[j].label) == 0;
        if (!dup)
            continue;
        for (size_t u = 0; u < r->n_units; u++) {
            const struct report_unit *un = &r->units[u];
            char key[80];
            snprintf(key, sizeof key, "%s:%s", un->unit_codes, un->commune_code);
            if (strcmp(key, r->rows[i].key) != 0)
                continue;
            const char *parent = un->district_name[0] ? un->district_name : un->province_name;
            char *l = g_strdup_printf("%s, %s", r->rows[i].label, parent);
            char *c = strdup(l);
            g_free(l);
            if (!c)
                return -ENOMEM;
            free(r->rows[i].label);
            r->rows[i].label = c;
        }
    }
    return 0;
}

static int build_units(struct engine *eng)
{
    struct report *r = eng->r;
    r->units = calloc(eng->n_srcs ? eng->n_srcs : 1, sizeof(*r->units));
    if (!r->units)
        return -ENOMEM;
    for (size_t k = 0; k < eng->n_srcs; k++) {
        struct src *s = &eng->srcs[k];
        if (s->first > s->last)
            continue;
        struct ledger_record *rec = NULL;
        int e = ledger_report_get(s->db, s->last, &rec);
        if (e < 0)
            return fail(eng, e == -ENOMEM ? e : -EIO, s->path, "cannot read record %lld",
                        (long long)s->last);
        bool known = false;
        for (size_t u = 0; u < r->n_units && !known; u++)
            known = strcmp(r->units[u].unit_codes, rec->unit_codes) == 0 &&
                    strcmp(r->units[u].commune_code, rec->commune_code) == 0;
        if (!known) {
            struct report_unit *u = &r->units[r->n_units++];
            snprintf(u->unit_codes, sizeof u->unit_codes, "%s", rec->unit_codes);
            snprintf(u->province_code, sizeof u->province_code, "%s", rec->province_code);
            snprintf(u->province_name, sizeof u->province_name, "%s", rec->province_name);
            snprintf(u->district_code, sizeof u->district_code, "%s", rec->district_code);
            snprintf(u->district_name, sizeof u->district_name, "%s", rec->district_name);
            snprintf(u->commune_code, sizeof u->commune_code, "%s", rec->commune_code);
            snprintf(u->commune_name, sizeof u->commune_name, "%s", rec->commune_name);
        }
        ledger_record_free(rec);
    }
    return 0;
}

static int cmp_unit(const void *a, const void *b)
{
    const struct report_unit *x = a, *y = b;
    int c = strcmp(x->unit_codes, y->unit_codes);
    return c ? c : strcmp(x->commune_code, y->commune_code);
}

static int build_rows(struct engine *eng, struct worker *t)
{
    struct report *r = eng->r;
    const struct report_period *p = &r->period;
    if (eng->n_dated) {
        r->rows = calloc(eng->n_dated, sizeof(*r->rows));
        if (!r->rows)
            return -ENOMEM;
        for (size_t i = 0; i < eng->n_dated; i++) {
            struct report_row *row = &r->rows[r->n_rows++];
            bucket_days(eng->row_step, p->from_day, p->to_day, i, &row->from_day, &row->to_day);
            char key[16];
            if (r->by == REPORT_BY_MONTH) {
                int y, m, d;
                civil_to_ymd(row->from_day, &y, &m, &d);
                snprintf(key, sizeof key, "%04d-%02d", y, m);
            } else {
                civil_format_date(r->by == REPORT_BY_WEEK ? monday_of(row->from_day)
                                                          : row->from_day,
                                  key, sizeof key);
            }
            row->key = strdup(key);
            row->label = strdup("");
            row->f = t->dated[i].f;
            if (!row->key || !row->label)
                return -ENOMEM;
        }
    } else {
        guint n = 0;
        gpointer *keys = g_hash_table_get_keys_as_array(t->rows, &n);
        qsort(keys, n, sizeof(*keys), cmp_key);
        r->rows = calloc(n ? n : 1, sizeof(*r->rows));
        if (!r->rows) {
            g_free(keys);
            return -ENOMEM;
        }
        for (guint i = 0; i < n; i++) {
            const struct acc_row *a = g_hash_table_lookup(t->rows, keys[i]);
            struct report_row *row = &r->rows[r->n_rows++];
            row->key = strdup(keys[i]);
            row->label = row_label(eng, keys[i], a);
            row->from_day = p->from_day;
            row->to_day = p->to_day;
            row->f = a->f;
            if (!row->key || !row->label) {
                g_free(keys);
                return -ENOMEM;
            }
        }
        g_free(keys);
        qsort(r->rows, r->n_rows, sizeof(*r->rows), cmp_row_key);
    }
    for (size_t i = 0; i < r->n_rows; i++)
        report_figures_add(&r->totals, &r->rows[i].f);
    for (int o = 0; o < REPORT_N_OUTSIDE; o++) {
        struct report_row *row = &r->outside[o];
        row->key = strdup(report_outside_key((enum report_outside)o));
        row->label = strdup("");
        row->from_day = p->from_day;
        row->to_day = p->to_day;
        row->f = t->outside[o];
        if (!row->key || !row->label)
            return -ENOMEM;
    }
    r->chart = calloc(eng->n_chart ? eng->n_chart : 1, sizeof(*r->chart));
    if (!r->chart)
        return -ENOMEM;
    for (size_t i = 0; i < eng->n_chart; i++) {
        int32_t a, b;
        bucket_days(r->chart_step, p->from_day, p->to_day, i, &a, &b);
        r->chart[i].day = a;
        r->chart[i].airtime_ms = t->chart[i];
    }
    r->n_chart = eng->n_chart;
    return 0;
}

/* ---- The whole ------------------------------------------------------------------------------ */

static void set_geometry(struct engine *eng)
{
    struct report *r = eng->r;
    int32_t from = r->period.from_day, to = r->period.to_day;
    int32_t days = to - from + 1;
    /* The chart: about 6 to 40 bars whatever the period. */
    r->chart_step =
        days <= 45 ? REPORT_CHART_DAY : (days <= 200 ? REPORT_CHART_WEEK : REPORT_CHART_MONTH);
    eng->n_chart = bucket_of(r->chart_step, from, to) + 1;
    eng->n_dated = 0;
    if (r->by == REPORT_BY_DAY || r->by == REPORT_BY_WEEK || r->by == REPORT_BY_MONTH) {
        eng->row_step = r->by == REPORT_BY_DAY
                            ? REPORT_CHART_DAY
                            : (r->by == REPORT_BY_WEEK ? REPORT_CHART_WEEK : REPORT_CHART_MONTH);
        eng->n_dated = bucket_of(eng->row_step, from, to) + 1;
    }
}

int report_build(const struct report_options *o, struct report **ret, struct loa_diag_list *diags)
{
    if (!o || !ret || !diags || !o->keys || (o->n_sources && !o->sources))
        return -EINVAL;
    struct engine eng = {.o = o, .diags = diags};
    struct report *r = calloc(1, sizeof(*r));
    struct src **order = NULL;
    struct worker total = {0};
    int e = 0;
    if (!r)
        return -ENOMEM;
    eng.r = r;
    r->by = o->by;
    r->issued_day = o->today;
    r->campaign_from = r->campaign_until = LEDGER_NO_DAY;
    r->sources = calloc(o->n_sources ? o->n_sources : 1, sizeof(*r->sources));
    if (!r->sources) {
        e = -ENOMEM;
        goto out;
    }
    r->n_sources = o->n_sources;
    for (size_t i = 0; i < o->n_sources; i++) {
        r->sources[i].path = strdup(o->sources[i]);
        r->sources[i].used_from = 1;
        if (!r->sources[i].path) {
            e = -ENOMEM;
            goto out;
        }
    }
    eng.tz = g_time_zone_new_identifier(o->timezone ? o->timezone : DEFAULT_TZ);
    if (!eng.tz) /* no tzdata: Viet Nam has kept UTC+7 since 1975 */
        eng.tz = g_time_zone_new_offset(7 * 3600);

    int64_t t0 = g_get_monotonic_time();
    e = verify_all(&eng);
    int64_t t1 = g_get_monotonic_time();
    r->verify_usec = t1 - t0;
    if (e == 0)
        e = open_stores(&eng);
    if (e == 0) {
        order = calloc(eng.n_srcs ? eng.n_srcs : 1, sizeof(*order));
        e = order ? dedup(&eng, order) : -ENOMEM;
    }
    if (e == 0)
        e = resolve_period(&eng);
    if (e == 0)
        e = check_coverage(&eng, order);
    if (e == 0) {
        set_geometry(&eng);
        e = aggregate(&eng, &total);
    }
    if (e == 0)
        e = build_units(&eng);
    if (e == 0) {
        qsort(r->units, r->n_units, sizeof(*r->units), cmp_unit);
        e = build_rows(&eng, &total);
    }
    if (e == 0 && r->by == REPORT_BY_COMMUNE)
        e = disambiguate_communes(&eng);
    r->query_usec = g_get_monotonic_time() - t1;
out:
    worker_clear(&total);
    for (size_t k = 0; k < eng.n_srcs; k++)
        ledger_report_close(eng.srcs[k].db);
    free(eng.srcs);
    free(order);
    if (eng.tz)
        g_time_zone_unref(eng.tz);
    if (e < 0) {
        if (e == -ENOMEM)
            loa_diag_list_add(diags, LOA_SEV_ERROR, "", 0, "out of memory");
        report_free(r);
        return e;
    }
    *ret = r;
    return 0;
}
