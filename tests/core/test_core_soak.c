/* The year-long soak (DESIGN.md): fw_core driven by the fake clock and a fake player
 * through all of 2021. Every planned airing of the plan ends in exactly one final
 * record: completed for planned ones, dropped for dropped ones, nothing else; relay and
 * lane invariants hold at every action (core_sim.c checks them as they happen); every
 * start is on its planned instant. */
#include <glib.h>

#include "core_sim.h"

static void check_on_time(const struct sim *s, size_t *ret_late)
{
    size_t late = 0;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, s->records);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const struct sim_record *r = v;
        if (r->n_starts && r->lateness != 0)
            late++;
    }
    *ret_late = late;
}

/* Relay runs the plan implies: a new run whenever the next start is more than hold +
 * warm-up after the previous end (otherwise the relay stays on across the gap). */
static size_t expected_relay_runs(const struct plan_rules *rules, const struct fw_core_config *cfg,
                                  int32_t from, int32_t to)
{
    struct plan *p = NULL;
    int r = plan_new(rules, &p);
    g_assert_cmpint(r, ==, 0);
    struct plan_airing buf[64];
    size_t runs = 0, n = 0;
    int64_t prev_end = INT64_MIN;
    for (int32_t d = from; d <= to; d++) {
        r = plan_day(p, d, buf, G_N_ELEMENTS(buf), &n);
        g_assert_cmpint(r, ==, 0);
        for (size_t i = 0; i < n; i++) {
            if (buf[i].status != PLAN_STATUS_PLANNED)
                continue;
            int64_t start = (int64_t)d * SIM_DAY + buf[i].start_usec;
            if (prev_end == INT64_MIN ||
                start - prev_end > cfg->amp_hold_usec + cfg->amp_warmup_usec)
                runs++;
            prev_end = start + buf[i].duration_usec;
        }
    }
    plan_free(p);
    return runs;
}

static void test_year(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);

    struct sim *s = sim_new(rules, &cfg, sim_utc("2020-12-31 20:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2022-01-01 01:00"));

    g_assert_cmpstr(s->violation, ==, NULL);
    struct sim_tally t;
    sim_tally(s, rules, sim_day("2021-01-01"), sim_day("2021-12-31"), &t);
    g_test_message("plan: %zu planned, %zu dropped; ledger: %zu completed, %zu dropped; "
                   "%zu ticks, %zu actions, relay on %zu times",
                   t.plan_planned, t.plan_dropped, t.completed, t.dropped, s->n_ticks, s->n_actions,
                   s->n_relay_on);
    g_test_message("missed %zu (downtime %zu, pre-empted %zu, session-over %zu, unsynced %zu), "
                   "failed %zu, interrupted %zu",
                   t.missed, sim_count(s, FW_OUTCOME_MISSED, FW_REASON_DOWNTIME),
                   sim_count(s, FW_OUTCOME_MISSED, FW_REASON_PREEMPTED),
                   sim_count(s, FW_OUTCOME_MISSED, FW_REASON_SESSION_OVER),
                   sim_count(s, FW_OUTCOME_MISSED, FW_REASON_CLOCK_UNSYNCED), t.failed,
                   t.interrupted);
    g_assert_cmpstr(t.first_problem, ==, "");
    g_assert_cmpuint(t.plan_planned, >, 3000);
    g_assert_cmpuint(t.plan_dropped, >, 300);
    g_assert_cmpuint(t.completed, ==, t.plan_planned);
    g_assert_cmpuint(t.dropped, ==, t.plan_dropped);
    g_assert_cmpuint(t.no_final + t.extra_records + t.wrong_dropped, ==, 0);
    g_assert_cmpuint(t.missed + t.failed + t.interrupted, ==, 0);
    g_assert_cmpuint(g_hash_table_size(s->records), ==, t.plan_planned + t.plan_dropped);

    size_t late;
    check_on_time(s, &late);
    g_assert_cmpuint(late, ==, 0);
    g_assert_cmpint(s->max_start_jitter, ==, 0);
    /* Relay: every run switched on is switched off again; the campaign's last session
     * ended long before the run did. */
    g_assert_false(s->relay_on);
    g_assert_cmpuint(s->n_relay_on, ==, s->n_relay_off);
    /* Exactly the runs the plan implies. */
    g_assert_cmpuint(
        s->n_relay_on, ==,
        expected_relay_runs(rules, &cfg, sim_day("2021-01-01"), sim_day("2021-12-31")));
    sim_free(s);
}

/* A short hold (2 s) with a 3 s gap: hold + warm-up still spans the gap, so the relay
 * stays on between consecutive airings and no start is late. */
static void test_year_short_hold(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    cfg.amp_hold_usec = 2 * SIM_SEC;
    struct sim *s = sim_new(rules, &cfg, sim_utc("2020-12-31 20:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2022-01-01 01:00"));
    g_assert_cmpstr(s->violation, ==, NULL);
    size_t late;
    check_on_time(s, &late);
    g_assert_cmpuint(late, ==, 0);
    g_assert_cmpuint(s->n_relay_on, ==, s->n_relay_off);
    g_assert_cmpuint(
        s->n_relay_on, ==,
        expected_relay_runs(rules, &cfg, sim_day("2021-01-01"), sim_day("2021-12-31")));
    sim_free(s);
}

/* Days before the floor are not the core's business: a device installed mid-morning
 * records nothing for earlier sessions, and everything after. */
static void test_floor(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);

    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-03-03 12:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-05 23:00"));
    g_assert_cmpstr(s->violation, ==, NULL);
    g_assert_null(sim_find(s, "2021-03-03", "sang", "chime", 1));
    g_assert_nonnull(sim_find(s, "2021-03-03", "chieu", "chime", 1));
    struct sim_tally t;
    sim_tally(s, rules, sim_day("2021-03-04"), sim_day("2021-03-05"), &t);
    g_assert_cmpstr(t.first_problem, ==, "");
    g_assert_cmpuint(t.completed, ==, t.plan_planned);
    sim_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/soak/year", test_year);
    g_test_add_func("/core/soak/year-short-hold", test_year_short_hold);
    g_test_add_func("/core/soak/floor", test_floor);
    return g_test_run();
}
