/* Clock steps and clock trust (SPEC.md "Clock trust"), mid-session on Monday 2021-03-01
 * ("sang": chime 06:00:00, tmdt-03 06:00:11, tmdt-04 06:04:14-06:09:14, vov 06:10:00,
 * tmdt-01 06:25:03). Each step happens at 06:05, while tmdt-04 plays. Whatever the
 * step: no key airs twice, the airing playing completes (the player runs on the
 * monotonic clock), and every planned airing ends in exactly one final record with the
 * reason SPEC.md names. */
#include <glib.h>

#include "core_sim.h"

#define D "2021-03-01/sang/"

static struct sim *start(struct sim_rules_store *st)
{
    const struct plan_rules *rules = sim_test_rules(st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-02-28 18:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-01 06:05"));
    g_assert_true(s->playing);
    return s;
}

static void check_complete(const struct sim *s, const char *from, const char *to)
{
    struct sim_tally t;
    sim_tally(s, s->rules, sim_day(from), sim_day(to), &t);
    g_assert_cmpstr(t.first_problem, ==, "");
    g_assert_cmpuint(t.dropped, ==, t.plan_dropped);
    g_assert_cmpstr(s->violation, ==, NULL);
}

/* Forward steps skip airings: missed (clock-step); the rest of the day airs. */
static void forward(int64_t delta)
{
    struct sim_rules_store st;
    struct sim *s = start(&st);
    sim_step(s, delta);
    sim_run_until(s, sim_utc("2021-03-03 00:00"));
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    SIM_EXPECT(s, D "vov/1", "missed clock-step");
    SIM_EXPECT(s, D "tmdt-01/1", "missed clock-step");
    SIM_EXPECT(s, "2021-03-01/chieu/chime/1", "completed");
    SIM_EXPECT(s, "2021-03-02/sang/vov/1", "completed");
    check_complete(s, "2021-02-28", "2021-03-02");
    g_assert_cmpuint(sim_count(s, FW_OUTCOME_MISSED, -1), ==, 2);
    sim_free(s);
}

static void test_forward_59min(void)
{
    forward(59 * SIM_MIN);
}

static void test_forward_3h(void)
{
    forward(3 * SIM_HOUR);
}

/* +1 day: the rest of Monday and Tuesday's session up to 06:05 are skipped; dropped
 * airings stay dropped (a plan fact); Tuesday's relay at 06:10 airs on time. */
static void test_forward_1day(void)
{
    struct sim_rules_store st;
    struct sim *s = start(&st);
    sim_step(s, SIM_DAY);
    sim_run_until(s, sim_utc("2021-03-03 00:00"));
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    SIM_EXPECT(s, D "vov/1", "missed clock-step");
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-02/1", "missed clock-step");
    SIM_EXPECT(s, "2021-03-01/toi/tmdt-06/1", "missed clock-step");
    SIM_EXPECT(s, "2021-03-01/toi/tmdt-06/2", "dropped session-full");
    SIM_EXPECT(s, "2021-03-02/sang/chime/1", "missed clock-step");
    SIM_EXPECT(s, "2021-03-02/sang/tmdt-04/1", "missed clock-step");
    SIM_EXPECT(s, "2021-03-02/sang/vov/1", "completed");
    g_assert_cmpint(sim_get(s, "2021-03-02/sang/vov/1")->lateness, ==, 0);
    check_complete(s, "2021-02-28", "2021-03-02");
    sim_free(s);
}

/* -3 h, trust kept (e.g. an operator's correction): the decided keys stay decided; the
 * rest of the session airs when the clock reaches it again, each exactly once. */
static void test_backward_3h_trusted(void)
{
    struct sim_rules_store st;
    struct sim *s = start(&st);
    sim_step(s, -3 * SIM_HOUR);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, D "chime/1", "completed");
    SIM_EXPECT(s, D "tmdt-03/1", "completed");
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    SIM_EXPECT(s, D "vov/1", "completed");
    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    g_assert_cmpint(sim_get(s, D "vov/1")->lateness, ==, 0);
    check_complete(s, "2021-02-28", "2021-03-01");
    sim_free(s);
}

/* -3 h with require_trust: a backward step ends trust, so what falls due is missed
 * (clock-unsynced) until a sync steps the clock back +3 h (keys in the skipped range
 * are clock-step; none are left there: all were decided). */
static void test_backward_3h_untrusted_then_sync(void)
{
    struct sim_rules_store st;
    struct sim *s = start(&st);
    sim_step(s, -3 * SIM_HOUR);
    sim_set_trust(s, FW_TRUST_UNSYNCED);
    sim_run_until(s, sim_utc("2021-03-01 06:30")); /* 09:30 real */
    sim_step(s, 3 * SIM_HOUR); /* the sync */
    sim_set_trust(s, FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    SIM_EXPECT(s, D "vov/1", "missed clock-unsynced");
    SIM_EXPECT(s, D "tmdt-01/1", "missed clock-unsynced");
    SIM_EXPECT(s, "2021-03-01/chieu/chime/1", "completed");
    check_complete(s, "2021-02-28", "2021-03-01");
    sim_free(s);
}

/* -1 year (before the campaign): nothing airs or is recorded in the past year; the
 * sync steps +1 year back: what the detour skipped is clock-step. */
static void test_backward_1year_then_sync(void)
{
    struct sim_rules_store st;
    struct sim *s = start(&st);
    size_t before = g_hash_table_size(s->records);
    sim_step(s, -365 * SIM_DAY);
    sim_set_trust(s, FW_TRUST_UNSYNCED);
    sim_run_until(s, sim_utc("2020-03-02 07:00")); /* a day in the past */
    /* only tmdt-04's final (it was playing) was written meanwhile */
    g_assert_cmpuint(g_hash_table_size(s->records), ==, before);
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    g_assert_false(s->relay_on);
    sim_step(s, 365 * SIM_DAY);
    sim_set_trust(s, FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-03 00:00"));
    SIM_EXPECT(s, D "vov/1", "missed clock-step");
    SIM_EXPECT(s, D "tmdt-01/1", "missed clock-step");
    SIM_EXPECT(s, "2021-03-02/sang/tmdt-04/1", "missed clock-step");
    SIM_EXPECT(s, "2021-03-02/chieu/chime/1", "completed");
    check_complete(s, "2021-02-28", "2021-03-02");
    sim_free(s);
}

/* -1 year with trust kept and no correction: still nothing re-airs, and when the
 * clock comes round again a year later, what was decided stays decided. */
static void test_backward_1year_kept(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-12-30 18:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-12-31 06:05"));
    size_t n = g_hash_table_size(s->records);
    sim_step(s, -365 * SIM_DAY);
    sim_run_until(s, sim_utc("2021-01-02 00:00"));
    /* A year behind: the airing playing completes (its key was already recorded);
     * nothing else is recorded: the days loaded are a year ahead, and the days the clock
     * now walks through are behind what was loaded (days only load forwards). */
    g_assert_cmpuint(g_hash_table_size(s->records), ==, n);
    g_assert_null(sim_find(s, "2021-01-01", "toi", "chime", 1));
    g_assert_false(s->relay_on);
    sim_run_until(s, sim_utc("2022-01-01 12:00"));
    g_assert_cmpstr(s->violation, ==, NULL);
    SIM_EXPECT(s, "2021-12-31/sang/vov/1", "completed");
    SIM_EXPECT(s, "2021-12-31/toi/chime/1", "completed");
    check_complete(s, "2021-12-31", "2021-12-31");
    sim_free(s);
}

/* Booting three days behind and untrusted (the board has no RTC), then a sync at
 * 06:02: the gap before the boot is downtime, the airings the sync skipped while the
 * daemon ran are clock-step, the rest of the session airs. */
static void test_boot_3_days_behind(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-02-26 18:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-02-27 22:00"));
    sim_kill(s);
    int64_t floor = sim_resume_floor(s);
    /* Real time 2021-03-01 05:00; the clock reads 2021-02-26 05:00. */
    sim_advance_down(s, sim_utc("2021-03-01 05:00"));
    fake_clock_step(s->clock, -3 * SIM_DAY);
    sim_boot(s, floor, FW_TRUST_UNSYNCED);
    sim_run_until(s, sim_utc("2021-02-26 06:02"));
    g_assert_false(s->relay_on);
    sim_step(s, 3 * SIM_DAY);
    sim_set_trust(s, FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));

    SIM_EXPECT(s, "2021-02-27/toi/chime/1", "completed");
    SIM_EXPECT(s, "2021-02-28/toi/chime/1", "missed downtime");
    SIM_EXPECT(s, "2021-02-28/toi/tmdt-06/1", "missed downtime");
    SIM_EXPECT(s, "2021-02-28/toi/tmdt-06/2", "missed downtime");
    SIM_EXPECT(s, "2021-02-28/toi/tmdt-06/3", "dropped session-full");
    SIM_EXPECT(s, D "chime/1", "missed clock-step");
    SIM_EXPECT(s, D "tmdt-03/1", "missed clock-step");
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    SIM_EXPECT(s, D "vov/1", "completed");
    SIM_EXPECT(s, "2021-03-01/chieu/chime/1", "completed");
    check_complete(s, "2021-02-27", "2021-03-01");
    sim_free(s);
}

/* require_trust: a session under an untrusted clock is missed (clock-unsynced), the
 * amplifier stays off; trust back, airings resume. Without require_trust they air. */
static void test_untrusted_session(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-03-01 05:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_UNSYNCED);
    sim_run_until(s, sim_utc("2021-03-01 12:00"));
    g_assert_cmpuint(s->n_relay_on, ==, 0);
    SIM_EXPECT(s, D "chime/1", "missed clock-unsynced");
    SIM_EXPECT(s, D "vov/1", "missed clock-unsynced");
    g_assert_cmpint(sim_get(s, D "vov/1")->trust, ==, FW_TRUST_UNSYNCED);
    sim_set_trust(s, FW_TRUST_HOLDOVER);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, "2021-03-01/chieu/chime/1", "completed");
    check_complete(s, "2021-03-01", "2021-03-01");
    sim_free(s);

    cfg.require_trust = false;
    s = sim_new(rules, &cfg, sim_utc("2021-03-01 05:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_UNSYNCED);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, D "vov/1", "completed");
    check_complete(s, "2021-03-01", "2021-03-01");
    sim_free(s);
}

/* Back from an outage with an untrusted clock: what passed while down is downtime,
 * what falls due now is clock-unsynced. */
static void test_untrusted_after_outage(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-02-28 18:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-01 05:50"));
    sim_kill(s);
    sim_advance_down(s, sim_utc("2021-03-01 06:16"));
    size_t relay_before = s->n_relay_on;
    sim_boot(s, sim_resume_floor(s), FW_TRUST_UNSYNCED);
    sim_run_until(s, sim_utc("2021-03-01 12:00"));
    SIM_EXPECT(s, D "tmdt-03/1", "missed downtime");
    SIM_EXPECT(s, D "tmdt-04/1", "missed clock-unsynced");
    SIM_EXPECT(s, D "tmdt-01/1", "missed clock-unsynced");
    g_assert_cmpuint(s->n_relay_on, ==, relay_before);
    sim_free(s);
}

/* Trust lost while an airing waits in the catch-up queue: it is missed then. */
static void test_trust_lost_while_waiting(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-02-28 18:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-01 05:59"));
    sim_kill(s);
    sim_advance_down(s, sim_utc("2021-03-01 06:03"));
    sim_boot(s, sim_resume_floor(s), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-01 06:03:05")); /* the late chime plays */
    sim_set_trust(s, FW_TRUST_UNSYNCED);
    sim_run_until(s, sim_utc("2021-03-01 06:04:30"));
    SIM_EXPECT(s, D "chime/1", "completed");
    SIM_EXPECT(s, D "tmdt-03/1", "missed clock-unsynced");
    SIM_EXPECT(s, D "tmdt-04/1", "missed clock-unsynced");
    sim_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/clock/forward-59min", test_forward_59min);
    g_test_add_func("/core/clock/forward-3h", test_forward_3h);
    g_test_add_func("/core/clock/forward-1day", test_forward_1day);
    g_test_add_func("/core/clock/backward-3h-trusted", test_backward_3h_trusted);
    g_test_add_func("/core/clock/backward-3h-untrusted-sync", test_backward_3h_untrusted_then_sync);
    g_test_add_func("/core/clock/backward-1year-sync", test_backward_1year_then_sync);
    g_test_add_func("/core/clock/backward-1year-kept", test_backward_1year_kept);
    g_test_add_func("/core/clock/boot-3-days-behind", test_boot_3_days_behind);
    g_test_add_func("/core/clock/untrusted-session", test_untrusted_session);
    g_test_add_func("/core/clock/untrusted-after-outage", test_untrusted_after_outage);
    g_test_add_func("/core/clock/trust-lost-while-waiting", test_trust_lost_while_waiting);
    return g_test_run();
}
