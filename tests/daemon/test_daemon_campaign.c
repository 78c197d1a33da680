/* A simulated campaign through the whole daemon on the virtual clock (`loa run --clock
 * virtual`): the ledger's final records equal `loa plan` for the period exactly
 * (planned ↔ completed, dropped ↔ dropped (session-full), by date, session, item and
 * ordinal), the run resumes across two processes, and `loa verify` accepts the chain.
 * (The 3-year campaign is tests/bench/daemon/bench_daemon_campaign.)
 */
#include <glib.h>
#include <string.h>

#include "daemon_util.h"

static void test_months(void)
{
    struct dt_options o = {.campaign_from = "2021-01-01", .campaign_until = "2021-12-31"};
    struct dt_device *d = dt_device_new(&o);
    char *err = NULL;
    /* Two runs: the second resumes where the first stopped. */
    int rc = dt_loa(d, NULL, &err, "run", "--clock", "virtual", "--from", "2021-01-01 00:00",
                    "--until", "2021-02-20 12:00", "--quiet", NULL);
    if (rc != 0)
        g_printerr("%s", err);
    g_assert_cmpint(rc, ==, 0);
    g_clear_pointer(&err, g_free);
    rc = dt_loa(d, NULL, &err, "run", "--clock", "virtual", "--from", "2021-02-20 12:00", "--until",
                "2021-04-16 00:00", "--quiet", NULL);
    if (rc != 0)
        g_printerr("%s", err);
    g_assert_cmpint(rc, ==, 0);
    g_clear_pointer(&err, g_free);

    size_t n = dt_assert_ledger_equals_plan(d, "2021-01-01", "2021-04-15");
    g_assert_cmpuint(n, >, 1000);

    /* Every record chained (and the checkpoints signed). */
    char *out = NULL;
    rc = dt_loa(d, &out, &err, "verify", NULL);
    if (rc != 0)
        g_printerr("%s%s", out, err);
    g_assert_cmpint(rc, ==, 0);
    g_free(out);
    g_free(err);

    /* Every record of a virtual run says so. */
    GPtrArray *recs = dt_ledger_records(d);
    size_t airings = 0;
    for (guint i = 0; i < recs->len; i++) {
        const struct ledger_record *r = recs->pdata[i];
        if (r->kind == LEDGER_AIRING) {
            g_assert_cmpint(r->trust, ==, LEDGER_TRUST_VIRTUAL);
            airings++;
        }
    }
    g_assert_cmpuint(airings, >, 1000);
    g_ptr_array_unref(recs);
    dt_device_free(d);
}

/* A virtual run refuses a ledger holding a real device's records. */
static void test_refuses_real_ledger(void)
{
    struct dt_options o = {
        .campaign_from = "2021-01-01", .campaign_until = "2021-12-31", .short_items = true};
    struct dt_device *d = dt_device_new(&o);
    /* A real daemon ran here for a moment. */
    char *err = NULL;
    GTimeZone *tz = g_time_zone_new_identifier("Asia/Ho_Chi_Minh");
    GDateTime *now = g_date_time_new_now(tz);
    g_time_zone_unref(tz);
    GDateTime *soon = g_date_time_add_seconds(now, 1);
    char *until = g_date_time_format(soon, "%Y-%m-%d %H:%M:%S");
    int rc = dt_loa(d, NULL, &err, "run", "--no-kiosk", "--until", until, "--quiet", NULL);
    g_assert_cmpint(rc, ==, 0);
    g_clear_pointer(&err, g_free);
    rc = dt_loa(d, NULL, &err, "run", "--clock", "virtual", "--from", "2021-01-01 00:00", "--until",
                "2021-01-02 00:00", NULL);
    g_assert_cmpint(rc, ==, 1);
    g_assert_nonnull(strstr(err, "real device"));
    g_free(err);
    g_free(until);
    g_date_time_unref(soon);
    g_date_time_unref(now);
    dt_device_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/campaign/months", test_months);
    g_test_add_func("/daemon/campaign/refuses-real-ledger", test_refuses_real_ledger);
    return g_test_run();
}
