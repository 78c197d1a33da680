/* After a crash or downtime (SPEC.md): outages before, across and inside a session,
 * the catch-up window, the late chime, fixed airings keeping their time, session-over,
 * interrupted (crash), a clean shutdown, and 50 kills at random moments.
 *
 * The session used (Monday 2021-03-01, "sang" 06:00-06:30, gap 3 s):
 *   chime    06:00:00  8 s (fixed)
 *   tmdt-03  06:00:11  240 s
 *   tmdt-04  06:04:14  300 s
 *   vov      06:10:00  900 s (fixed relay)
 *   tmdt-01  06:25:03  200 s
 */
#include <glib.h>

#include "core_sim.h"

#define D "2021-03-01/sang/"

static struct sim *boot_before(struct sim_rules_store *st, const char *local)
{
    const struct plan_rules *rules = sim_test_rules(st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc(local));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    return s;
}

/* Kill at `down`, boot again at `up` (floor from the ledger, as the firmware does). */
static void outage(struct sim *s, const char *down_at, const char *up_at)
{
    sim_run_until(s, sim_utc(down_at));
    sim_kill(s);
    sim_advance_down(s, sim_utc(up_at));
    sim_boot(s, sim_resume_floor(s), FW_TRUST_SYNCED);
}

static void check_complete(const struct sim *s, const char *from, const char *to)
{
    struct sim_tally t;
    sim_tally(s, s->rules, sim_day(from), sim_day(to), &t);
    g_assert_cmpstr(t.first_problem, ==, "");
    g_assert_cmpuint(t.dropped, ==, t.plan_dropped);
    g_assert_cmpstr(s->violation, ==, NULL);
}

/* 02:00 to 09:30: the whole morning session passed while down. */
static void test_night_outage(void)
{
    struct sim_rules_store st;
    struct sim *s = boot_before(&st, "2021-02-28 18:00");
    outage(s, "2021-03-01 02:00", "2021-03-01 09:30");
    sim_run_until(s, sim_utc("2021-03-02 00:00"));

    SIM_EXPECT(s, D "chime/1", "missed downtime");
    SIM_EXPECT(s, D "tmdt-03/1", "missed downtime");
    SIM_EXPECT(s, D "tmdt-04/1", "missed downtime");
    SIM_EXPECT(s, D "vov/1", "missed downtime");
    SIM_EXPECT(s, D "tmdt-01/1", "missed downtime");
    SIM_EXPECT(s, "2021-03-01/chieu/chime/1", "completed");
    SIM_EXPECT(s, "2021-03-01/toi/tmdt-06/2", "dropped session-full");
    SIM_EXPECT(s, "2021-02-28/toi/chime/1", "completed");
    check_complete(s, "2021-02-28", "2021-03-01");
    g_assert_cmpuint(sim_count(s, FW_OUTCOME_MISSED, -1), ==, 5);
    sim_free(s);
}

/* Down 05:50-06:16: the chime is 16 min late but airs first because tmdt-04 is still
 * inside its window; tmdt-03 is beyond it; vov, late and fixed, no longer fits; tmdt-01
 * keeps its time. */
static void test_outage_across_session_start(void)
{
    struct sim_rules_store st;
    struct sim *s = boot_before(&st, "2021-02-28 18:00");
    outage(s, "2021-03-01 05:50", "2021-03-01 06:16");
    sim_run_until(s, sim_utc("2021-03-02 00:00"));

    SIM_EXPECT(s, D "chime/1", "completed");
    SIM_EXPECT(s, D "tmdt-03/1", "missed downtime");
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    SIM_EXPECT(s, D "vov/1", "missed session-over");
    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    /* 2 s of amplifier warm-up after boot; then chime end + gap. */
    g_assert_cmpint(sim_get(s, D "chime/1")->actual_start, ==, sim_utc("2021-03-01 06:16:02"));
    g_assert_cmpint(sim_get(s, D "tmdt-04/1")->actual_start, ==, sim_utc("2021-03-01 06:16:13"));
    g_assert_cmpint(sim_get(s, D "tmdt-04/1")->lateness, ==,
                    sim_utc("2021-03-01 06:16:13") - sim_utc("2021-03-01 06:04:14"));
    g_assert_cmpint(sim_get(s, D "tmdt-01/1")->lateness, ==, 0);
    check_complete(s, "2021-02-28", "2021-03-01");
    sim_free(s);
}

/* Down 05:59-06:03: everything within the window; the chime first, then the queue at
 * previous end + gap; tmdt-04 would overlap the fixed relay, so it waits after it and
 * then no longer fits its session. */
static void test_short_outage_catch_up(void)
{
    struct sim_rules_store st;
    struct sim *s = boot_before(&st, "2021-02-28 18:00");
    outage(s, "2021-03-01 05:59", "2021-03-01 06:03");
    sim_run_until(s, sim_utc("2021-03-02 00:00"));

    SIM_EXPECT(s, D "chime/1", "completed");
    SIM_EXPECT(s, D "tmdt-03/1", "completed");
    SIM_EXPECT(s, D "tmdt-04/1", "missed session-over");
    SIM_EXPECT(s, D "vov/1", "completed");
    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    g_assert_cmpint(sim_get(s, D "chime/1")->actual_start, ==, sim_utc("2021-03-01 06:03:02"));
    g_assert_cmpint(sim_get(s, D "tmdt-03/1")->actual_start, ==, sim_utc("2021-03-01 06:03:13"));
    g_assert_cmpint(sim_get(s, D "vov/1")->lateness, ==, 0);
    g_assert_cmpint(sim_get(s, D "tmdt-01/1")->lateness, ==, 0);
    check_complete(s, "2021-02-28", "2021-03-01");
    sim_free(s);
}

/* Killed while tmdt-03 plays (06:02), back at 06:08: the cut airing is closed
 * interrupted (crash) and never re-aired; nothing else is lost. */
static void test_mid_session_crash(void)
{
    struct sim_rules_store st;
    struct sim *s = boot_before(&st, "2021-02-28 18:00");
    outage(s, "2021-03-01 06:02", "2021-03-01 06:08");
    sim_run_until(s, sim_utc("2021-03-02 00:00"));

    SIM_EXPECT(s, D "chime/1", "completed");
    SIM_EXPECT(s, D "tmdt-03/1", "interrupted crash");
    g_assert_cmpint(sim_get(s, D "tmdt-03/1")->n_starts, ==, 1);
    SIM_EXPECT(s, D "tmdt-04/1", "missed session-over");
    SIM_EXPECT(s, D "vov/1", "completed");
    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    check_complete(s, "2021-02-28", "2021-03-01");
    sim_free(s);
}

/* A restart within seconds (a watchdog restart) keeps everything on schedule but the
 * airing cut. */
static void test_quick_restart(void)
{
    struct sim_rules_store st;
    struct sim *s = boot_before(&st, "2021-02-28 18:00");
    outage(s, "2021-03-01 06:04:20", "2021-03-01 06:04:25");
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, D "tmdt-04/1", "interrupted crash");
    SIM_EXPECT(s, D "vov/1", "completed");
    g_assert_cmpint(sim_get(s, D "vov/1")->lateness, ==, 0);
    check_complete(s, "2021-02-28", "2021-03-01");
    sim_free(s);
}

/* SIGTERM during tmdt-04: interrupted (shutdown), relay off; the next start catches up
 * what it can. */
static void test_shutdown(void)
{
    struct sim_rules_store st;
    struct sim *s = boot_before(&st, "2021-02-28 18:00");
    sim_run_until(s, sim_utc("2021-03-01 06:05"));
    g_assert_true(s->playing);
    sim_shutdown(s);
    SIM_EXPECT(s, D "tmdt-04/1", "interrupted shutdown");
    g_assert_false(s->relay_on);
    sim_advance_down(s, sim_utc("2021-03-01 06:30"));
    sim_boot(s, sim_resume_floor(s), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, D "vov/1", "missed downtime");
    SIM_EXPECT(s, D "tmdt-01/1", "missed session-over");
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-02/1", "completed");
    check_complete(s, "2021-02-28", "2021-03-01");
    sim_free(s);
}

/* Down for three weeks: every airing of the gap is missed (downtime), the day it comes
 * back airs normally. */
static void test_long_outage(void)
{
    struct sim_rules_store st;
    struct sim *s = boot_before(&st, "2021-03-01 05:00");
    outage(s, "2021-03-01 12:00", "2021-03-22 12:00");
    sim_run_until(s, sim_utc("2021-03-23 23:00"));
    struct sim_tally t;
    sim_tally(s, s->rules, sim_day("2021-03-02"), sim_day("2021-03-21"), &t);
    g_assert_cmpstr(t.first_problem, ==, "");
    g_assert_cmpuint(t.missed, ==, t.plan_planned);
    g_assert_cmpuint(sim_count(s, FW_OUTCOME_MISSED, FW_REASON_DOWNTIME), >=, t.plan_planned);
    sim_tally(s, s->rules, sim_day("2021-03-23"), sim_day("2021-03-23"), &t);
    g_assert_cmpuint(t.completed, ==, t.plan_planned);
    check_complete(s, "2021-03-01", "2021-03-23");
    sim_free(s);
}

static gint cmp_time(gconstpointer a, gconstpointer b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* 50 kills at random moments of April, most inside sessions, each followed by 0-40 min
 * down: nothing airs twice, every cut airing is closed interrupted (crash), every plan
 * airing of the month ends in exactly one final record. */
static void test_random_kills(void)
{
    struct sim_rules_store st;
    struct sim *s = boot_before(&st, "2021-03-31 23:00");
    GRand *rng = g_rand_new_with_seed(20210401);
    int64_t kills[50];
    static const int64_t session_start[] = {6 * SIM_HOUR, 17 * SIM_HOUR, 19 * SIM_HOUR};
    for (int k = 0; k < 50; k++) {
        int64_t day = sim_utc("2021-04-01 00:00") + g_rand_int_range(rng, 0, 30) * SIM_DAY;
        if (g_rand_int_range(rng, 0, 5) == 0) /* anywhere in the day */
            kills[k] = day + (int64_t)g_rand_double_range(rng, 0, (double)SIM_DAY);
        else
            kills[k] = day + session_start[g_rand_int_range(rng, 0, 3)] +
                       (int64_t)g_rand_double_range(rng, -2.0 * SIM_MIN, 30.0 * SIM_MIN);
    }
    qsort(kills, 50, sizeof(kills[0]), cmp_time);
    int64_t end = sim_utc("2021-05-01 00:00");
    size_t cut = 0, done = 0;
    for (int k = 0; k < 50; k++) {
        if (kills[k] <= fake_clock_now(s->clock))
            continue; /* still down from the previous kill */
        sim_run_until(s, kills[k]);
        if (s->playing)
            cut++;
        sim_kill(s);
        done++;
        sim_advance_down(s, kills[k] + (int64_t)g_rand_double_range(rng, 0, 40.0 * SIM_MIN));
        sim_boot(s, sim_resume_floor(s), FW_TRUST_SYNCED);
    }
    sim_run_until(s, end + SIM_HOUR);
    g_rand_free(rng);

    g_assert_cmpstr(s->violation, ==, NULL);
    g_assert_cmpuint(done, >=, 40);
    g_assert_cmpuint(cut, >=, 10);
    g_assert_cmpuint(sim_count(s, FW_OUTCOME_INTERRUPTED, FW_REASON_CRASH), ==, cut);
    struct sim_tally tl;
    sim_tally(s, s->rules, sim_day("2021-04-01"), sim_day("2021-04-30"), &tl);
    g_assert_cmpstr(tl.first_problem, ==, "");
    g_assert_cmpuint(tl.completed + tl.interrupted + tl.missed, ==, tl.plan_planned);
    g_assert_cmpuint(tl.dropped, ==, tl.plan_dropped);
    g_test_message("%zu kills, %zu cut an airing; month: %zu completed, %zu interrupted, "
                   "%zu missed (downtime %zu, session-over %zu)",
                   done, cut, tl.completed, tl.interrupted, tl.missed,
                   sim_count(s, FW_OUTCOME_MISSED, FW_REASON_DOWNTIME),
                   sim_count(s, FW_OUTCOME_MISSED, FW_REASON_SESSION_OVER));
    sim_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/catchup/night-outage", test_night_outage);
    g_test_add_func("/core/catchup/outage-across-session-start", test_outage_across_session_start);
    g_test_add_func("/core/catchup/short-outage", test_short_outage_catch_up);
    g_test_add_func("/core/catchup/mid-session-crash", test_mid_session_crash);
    g_test_add_func("/core/catchup/quick-restart", test_quick_restart);
    g_test_add_func("/core/catchup/shutdown", test_shutdown);
    g_test_add_func("/core/catchup/long-outage", test_long_outage);
    g_test_add_func("/core/catchup/random-kills", test_random_kills);
    return g_test_run();
}
