/* Event scripts on the virtual clock (SPEC.md "Virtual clock", "Clock trust",
 * "After a crash or downtime", "Pre-emption"), through the whole daemon:
 * steps of +59 min, +3 h, +1 day, −3 h and −1 year mid-session; an outage from 02:00 to
 * 09:30 and a short one mid-session (catch-up); an emergency and a priority play-now
 * over a queue; a pause over a session; booting 3 days behind, untrusted, then a sync.
 * Every plan key ends in exactly one final record, nothing airs twice, completed
 * airings air inside their session, and the others are missed with the reason SPEC.md
 * names.
 */
#include <glib.h>
#include <string.h>

#include "civil.h"
#include "daemon_util.h"

static struct dt_device *device(void)
{
    struct dt_options o = {.campaign_from = "2021-01-01", .campaign_until = "2021-12-31"};
    return dt_device_new(&o);
}

static void run_virtual(struct dt_device *d, const char *from, const char *until,
                        const char *events)
{
    char *path = dt_write(d, "events.txt", events);
    char *err = NULL;
    int rc = dt_loa(d, NULL, &err, "run", "--clock", "virtual", "--from", from, "--until", until,
                    "--events", path, "--quiet", NULL);
    if (rc != 0)
        g_printerr("%s", err);
    g_assert_cmpint(rc, ==, 0);
    g_free(err);
    g_free(path);
}

static const char *const reasons_ok[] = {"completed:",
                                         "interrupted:emergency",
                                         "interrupted:shutdown",
                                         "interrupted:crash",
                                         "missed:downtime",
                                         "missed:clock-unsynced",
                                         "missed:clock-step",
                                         "missed:session-over",
                                         "missed:quiet-hours",
                                         "missed:paused",
                                         "missed:pre-empted",
                                         "dropped:session-full",
                                         NULL};

/* Session end (local) of a key's session on its date, as UTC µs. */
static int64_t session_end(const char *date, const char *session)
{
    char buf[40];
    g_snprintf(buf, sizeof buf, "%s %s", date,
               strcmp(session, "sang") == 0 ? "06:30:00" : "17:20:00");
    return dt_utc(buf);
}

/* Invariants over every plan key of [from, to]. */
static void check_all(const struct dt_device *d, GHashTable *keys, const char *from, const char *to)
{
    GArray *rows = dt_plan(d, from, to);
    for (guint i = 0; i < rows->len; i++) {
        const struct dt_plan_row *r = &g_array_index(rows, struct dt_plan_row, i);
        const struct dt_key *k = g_hash_table_lookup(keys, r->key);
        if (!k)
            g_error("%s: no record", r->key);
        g_assert_cmpint(k->finals, ==, 1);
        g_assert_cmpint(k->starts, <=, 1);
        char oc[64];
        g_snprintf(oc, sizeof oc, "%s:%s", k->outcome, k->reason);
        bool ok = false;
        for (size_t j = 0; reasons_ok[j]; j++)
            ok = ok || strcmp(reasons_ok[j], oc) == 0;
        if (!ok)
            g_error("%s: %s", r->key, oc);
        if (strcmp(r->status, "dropped") == 0)
            g_assert_cmpstr(oc, ==, "dropped:session-full");
        if (strcmp(k->outcome, "completed") == 0) {
            /* Never before its planned instant, never started after its session (its end
             * reading may lie beyond it when a forward step came while it played). */
            g_assert_cmpint(k->actual_start, >=, k->planned);
            if (k->actual_start >= session_end(r->date, r->session))
                g_error("%s started after its session", r->key);
        }
    }
    g_array_unref(rows);
}

static const char *outcome(GHashTable *keys, const char *key, char *buf, size_t size)
{
    const struct dt_key *k = g_hash_table_lookup(keys, key);
    g_snprintf(buf, size, "%s %s", k ? k->outcome : "none", k ? k->reason : "");
    return buf;
}

#define EXPECT(keys, key, want)                                                                    \
    do {                                                                                           \
        char b_[96], w_[160], g_[160];                                                             \
        g_snprintf(w_, sizeof w_, "%s: %s", key, want);                                            \
        g_snprintf(g_, sizeof g_, "%s: %s", key, outcome(keys, key, b_, sizeof b_));               \
        g_assert_cmpstr(g_, ==, w_);                                                               \
    } while (0)

/* Every key of date/session planned at or after local time t: want. */
static size_t expect_from(const struct dt_device *d, GHashTable *keys, const char *date,
                          const char *session, const char *t, const char *want)
{
    GArray *rows = dt_plan(d, date, date);
    char at[40];
    g_snprintf(at, sizeof at, "%s %s", date, t);
    int64_t from = dt_utc(at);
    size_t n = 0;
    for (guint i = 0; i < rows->len; i++) {
        const struct dt_plan_row *r = &g_array_index(rows, struct dt_plan_row, i);
        const struct dt_key *k = g_hash_table_lookup(keys, r->key);
        if (strcmp(r->session, session) != 0 || strcmp(r->status, "planned") != 0 || !k ||
            k->planned < from)
            continue;
        EXPECT(keys, r->key, want);
        n++;
    }
    g_array_unref(rows);
    return n;
}

static size_t count(GHashTable *keys, const char *date, const char *what)
{
    GHashTableIter it;
    gpointer k, v;
    size_t n = 0;
    g_hash_table_iter_init(&it, keys);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct dt_key *x = v;
        char oc[64];
        g_snprintf(oc, sizeof oc, "%s %s", x->outcome, x->reason);
        if ((!date || strcmp(x->session_date, date) == 0 || strncmp(k, "play-now", 8) == 0) &&
            strcmp(oc, what) == 0)
            n++;
    }
    return n;
}

static void test_world(void)
{
    struct dt_device *d = device();
    run_virtual(d, "2021-01-04 00:00", "2021-01-11 00:00",
                "# steps mid-session\n"
                "2021-01-04 06:01:00 step +59min\n"
                "2021-01-04 16:00:00 step +3h\n"
                "2021-01-05 06:01:00 step +1d\n"
                "2021-01-06 17:05:00 step -3h\n"
                "# an outage overnight, and a short one mid-session (catch-up)\n"
                "2021-01-07 02:00:00 down 09:30\n"
                "2021-01-08 06:02:00 down 06:08\n"
                "# pre-emption over a queue\n"
                "2021-01-08 17:01:00 play-now a emergency\n"
                "2021-01-08 17:01:30 play-now c priority\n"
                "# a pause over a session\n"
                "2021-01-09 05:00:00 pause 07:00 sang\n");
    GHashTable *keys = dt_ledger_keys(d);
    check_all(d, keys, "2021-01-04", "2021-01-10");

    /* +59 min at 06:01: the rest of the morning session is skipped; what played on. */
    EXPECT(keys, "2021-01-04/sang/chime/1", "completed ");
    EXPECT(keys, "2021-01-04/sang/d/1", "completed ");
    g_assert_cmpuint(expect_from(d, keys, "2021-01-04", "sang", "06:01:00", "missed clock-step"), >,
                     0);
    /* +3 h at 16:00: the whole afternoon session is skipped. */
    g_assert_cmpuint(expect_from(d, keys, "2021-01-04", "chieu", "00:00:00", "missed clock-step"),
                     >, 0);
    /* +1 day at 06:01: the rest of the 5th, and the 6th's morning up to 06:01. */
    g_assert_cmpuint(expect_from(d, keys, "2021-01-05", "chieu", "00:00:00", "missed clock-step"),
                     >, 0);
    EXPECT(keys, "2021-01-06/sang/chime/1", "missed clock-step");
    EXPECT(keys, "2021-01-06/sang/d/1", "missed clock-step");
    EXPECT(keys, "2021-01-06/sang/f/1", "completed ");
    /* −3 h at 17:05 on the 6th: nothing re-airs (check_all: one record per key). */
    EXPECT(keys, "2021-01-06/chieu/chime/1", "completed ");
    /* The outage 02:00-09:30 on the 7th: its morning session is downtime. */
    g_assert_cmpuint(expect_from(d, keys, "2021-01-07", "sang", "00:00:00", "missed downtime"), >,
                     0);
    EXPECT(keys, "2021-01-07/chieu/chime/1", "completed ");
    /* 06:02-06:08 on the 8th: the airing cut is interrupted (crash), the rest catch up. */
    g_assert_cmpuint(count(keys, "2021-01-08", "interrupted crash"), ==, 1);
    g_assert_cmpuint(count(keys, "2021-01-08", "missed downtime"), ==, 0);
    /* The emergency cuts one airing; both play-now air (the priority one after a chime). */
    g_assert_cmpuint(count(keys, "2021-01-08", "interrupted emergency"), ==, 1);
    size_t pn = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, keys);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct dt_key *x = v;
        if (strcmp(x->source, "play-now") == 0) {
            g_assert_cmpstr(x->outcome, ==, "completed");
            pn++;
        }
    }
    g_assert_cmpuint(pn, ==, 3); /* emergency, priority's chime, priority */
    /* The pause covers the 9th's morning session. */
    g_assert_cmpuint(expect_from(d, keys, "2021-01-09", "sang", "00:00:00", "missed paused"), >, 0);
    EXPECT(keys, "2021-01-09/chieu/chime/1", "completed ");
    /* Days without events air as planned. */
    g_assert_cmpuint(expect_from(d, keys, "2021-01-10", "chieu", "00:00:00", "completed "), >, 0);
    g_hash_table_unref(keys);

    char *out = NULL, *err = NULL;
    int rc = dt_loa(d, &out, &err, "verify", NULL);
    if (rc != 0)
        g_printerr("%s%s", out, err);
    g_assert_cmpint(rc, ==, 0);
    g_free(out);
    g_free(err);
    dt_device_free(d);
}

/* −1 year mid-session: nothing airs twice, and the run carries on a year later. */
static void test_year_back(void)
{
    struct dt_device *d = device();
    run_virtual(d, "2021-01-04 00:00", "2021-01-06 00:00",
                "2021-01-04 06:01:00 step -1y\n"
                "2020-01-05 12:00:00 step +1y\n");
    GHashTable *keys = dt_ledger_keys(d);
    check_all(d, keys, "2021-01-04", "2021-01-05");
    EXPECT(keys, "2021-01-04/sang/chime/1", "completed ");
    EXPECT(keys, "2021-01-05/sang/chime/1", "completed ");
    g_hash_table_unref(keys);
    dt_device_free(d);
}

/* Boot 3 days behind with an untrusted clock, then a sync steps it forward: what the
 * stale clock skipped is downtime; from the sync on, airings air. */
static void test_boot_behind(void)
{
    struct dt_device *d = device();
    run_virtual(d, "2021-01-04 05:00", "2021-01-08 00:00",
                "2021-01-04 05:00:00 unsync\n"
                "2021-01-04 05:50:00 step +3d\n"
                "2021-01-04 05:50:00 sync\n");
    /* 2021-01-04 05:50 + 3 d = 2021-01-07 05:50: the 4th-6th were never aired (the
     * device was really on the 7th all along: before its start, downtime); the sessions
     * the stale clock passed through while untrusted (the 4th's morning) too. */
    GHashTable *keys = dt_ledger_keys(d);
    check_all(d, keys, "2021-01-07", "2021-01-07");
    EXPECT(keys, "2021-01-07/sang/chime/1", "completed ");
    EXPECT(keys, "2021-01-07/chieu/chime/1", "completed ");
    g_assert_cmpuint(count(keys, "2021-01-05", "missed downtime"), >, 0);
    g_assert_cmpuint(count(keys, "2021-01-05", "completed "), ==, 0);
    g_assert_cmpuint(count(keys, "2021-01-06", "completed "), ==, 0);
    g_hash_table_unref(keys);
    dt_device_free(d);
}

/* Bad scripts are refused with FILE:LINE. */
static void test_bad_script(void)
{
    struct dt_options o = {
        .campaign_from = "2021-01-01", .campaign_until = "2021-12-31", .short_items = true};
    struct dt_device *d = dt_device_new(&o);
    char *path = dt_write(d, "bad.txt",
                          "2021-01-04 06:00:00 sync\n2021-01-04 25:00 kill\n"
                          "2021-01-04 06:00:00 step sideways\n");
    char *err = NULL;
    int rc = dt_loa(d, NULL, &err, "run", "--clock", "virtual", "--from", "2021-01-04 00:00",
                    "--until", "2021-01-05 00:00", "--events", path, NULL);
    g_assert_cmpint(rc, ==, 1);
    g_assert_nonnull(strstr(err, "bad.txt:2: error"));
    g_assert_nonnull(strstr(err, "bad.txt:3: error"));
    g_free(err);
    g_free(path);
    dt_device_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/events/world", test_world);
    g_test_add_func("/daemon/events/year-back", test_year_back);
    g_test_add_func("/daemon/events/boot-behind", test_boot_behind);
    g_test_add_func("/daemon/events/bad-script", test_bad_script);
    return g_test_run();
}
