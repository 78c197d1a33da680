/* Pre-emption, quiet hours, pause, reload and player failures (SPEC.md "The device
 * daemon"), on Monday 2021-03-01, session "sang" (06:00-06:30, gap 3 s):
 *   chime    06:00:00  8 s (fixed)
 *   tmdt-03  06:00:11  240 s
 *   tmdt-04  06:04:14  300 s
 *   vov      06:10:00  900 s (fixed relay)
 *   tmdt-01  06:25:03  200 s
 */
#include <errno.h>
#include <glib.h>

#include "core_sim.h"

#define D "2021-03-01/sang/"

static struct sim *start_at(struct sim_rules_store *st, const char *until)
{
    const struct plan_rules *rules = sim_test_rules(st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-02-28 18:00"));
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc(until));
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

/* A 3-minute emergency at 06:05 cuts tmdt-04 and airs at once; the session goes on. */
static void test_emergency_short(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 06:05");
    g_assert_cmpint(sim_play_now(s, 1, PLAN_CLASS_EMERGENCY, 3 * SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, D "tmdt-04/1", "interrupted emergency");
    SIM_EXPECT(s, "pn-1", "completed");
    g_assert_cmpint(sim_get(s, "pn-1")->actual_start, ==, sim_utc("2021-03-01 06:05"));
    g_assert_null(sim_get(s, "pn-1/chime"));
    g_assert_cmpuint(s->n_screen_on, ==, 1);
    SIM_EXPECT(s, D "vov/1", "completed");
    g_assert_cmpint(sim_get(s, D "vov/1")->lateness, ==, 0);
    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    check_complete(s, "2021-03-01", "2021-03-01");
    sim_free(s);
}

/* A 21-minute emergency at 06:05: vov can no longer fit its session once 06:15 passes
 * (session-over); tmdt-01, due under it, is caught up when it ends and still fits. */
static void test_emergency_long(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 06:05");
    g_assert_cmpint(sim_play_now(s, 1, PLAN_CLASS_EMERGENCY, 21 * SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, D "tmdt-04/1", "interrupted emergency");
    SIM_EXPECT(s, "pn-1", "completed");
    SIM_EXPECT(s, D "vov/1", "missed session-over");
    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    g_assert_cmpint(sim_get(s, D "tmdt-01/1")->actual_start, ==, sim_utc("2021-03-01 06:26:03"));
    check_complete(s, "2021-03-01", "2021-03-01");
    sim_free(s);
}

/* A 16-minute emergency over the afternoon chime (chieu: chime 17:00, tmdt-03
 * 17:00:11, tmdt-04 17:04:14, tmdt-02 at 17:10, tmdt-01 17:12:03): tmdt-03's window
 * passes under it (pre-empted); the others are caught up in plan order when it ends,
 * tmdt-02 (fixed, already late) taking its turn after tmdt-04. */
static void test_emergency_preempts(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 17:00:05");
    g_assert_cmpint(sim_play_now(s, 1, PLAN_CLASS_EMERGENCY, 16 * SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, "2021-03-01/chieu/chime/1", "interrupted emergency");
    SIM_EXPECT(s, "pn-1", "completed");
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-03/1", "missed pre-empted");
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-04/1", "completed");
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-02/1", "completed");
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-01/1", "completed");
    g_assert_cmpint(sim_get(s, "2021-03-01/chieu/tmdt-04/1")->actual_start, ==,
                    sim_utc("2021-03-01 17:16:08"));
    g_assert_cmpint(sim_get(s, "2021-03-01/chieu/tmdt-02/1")->actual_start, ==,
                    sim_utc("2021-03-01 17:21:11"));
    g_assert_cmpint(sim_get(s, "2021-03-01/chieu/tmdt-01/1")->actual_start, ==,
                    sim_utc("2021-03-01 17:23:14"));
    check_complete(s, "2021-03-01", "2021-03-01");
    sim_free(s);
}

/* An emergency over a queue of priority play-nows: it cuts tmdt-03 and goes first;
 * the priority block follows after a chime (one chime for the block); the plan
 * resumes and tmdt-04, due under the block, is caught up before the relay. */
static void test_emergency_over_queue(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 06:01");
    g_assert_cmpint(sim_play_now(s, 1, PLAN_CLASS_PRIORITY, 60 * SIM_SEC), ==, 0);
    g_assert_cmpint(sim_play_now(s, 2, PLAN_CLASS_PRIORITY, 60 * SIM_SEC), ==, 0);
    g_assert_cmpint(sim_play_now(s, 2, PLAN_CLASS_PRIORITY, 60 * SIM_SEC), ==, -EEXIST);
    sim_run_until(s, sim_utc("2021-03-01 06:02"));
    g_assert_cmpint(sim_play_now(s, 3, PLAN_CLASS_EMERGENCY, 30 * SIM_SEC), ==, 0);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));

    SIM_EXPECT(s, D "tmdt-03/1", "interrupted emergency");
    SIM_EXPECT(s, "pn-3", "completed");
    SIM_EXPECT(s, "pn-1/chime", "completed");
    SIM_EXPECT(s, "pn-1", "completed");
    SIM_EXPECT(s, "pn-2", "completed");
    g_assert_null(sim_get(s, "pn-2/chime"));
    g_assert_cmpint(sim_get(s, "pn-3")->actual_start, ==, sim_utc("2021-03-01 06:02:00"));
    g_assert_cmpint(sim_get(s, "pn-1/chime")->actual_start, ==, sim_utc("2021-03-01 06:02:33"));
    g_assert_cmpint(sim_get(s, "pn-1")->actual_start, ==, sim_utc("2021-03-01 06:02:44"));
    g_assert_cmpint(sim_get(s, "pn-2")->actual_start, ==, sim_utc("2021-03-01 06:03:47"));
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    g_assert_cmpint(sim_get(s, D "tmdt-04/1")->actual_start, ==, sim_utc("2021-03-01 06:04:50"));
    SIM_EXPECT(s, D "vov/1", "completed");
    g_assert_cmpint(sim_get(s, D "vov/1")->lateness, ==, 0);
    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    check_complete(s, "2021-03-01", "2021-03-01");
    sim_free(s);
}

/* Priority airs after the current airing, after a chime; the queue waits (tmdt-04 then
 * yields to the fixed relay and no longer fits). Outside a session it switches the
 * amplifier on by itself. */
static void test_priority(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 06:01");
    g_assert_cmpint(sim_play_now(s, 1, PLAN_CLASS_PRIORITY, 2 * SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-01 12:00"));
    g_assert_cmpint(sim_play_now(s, 2, PLAN_CLASS_PRIORITY, SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-02 00:00"));

    SIM_EXPECT(s, D "tmdt-03/1", "completed");
    SIM_EXPECT(s, "pn-1/chime", "completed");
    SIM_EXPECT(s, "pn-1", "completed");
    g_assert_cmpint(sim_get(s, "pn-1/chime")->actual_start, ==, sim_utc("2021-03-01 06:04:14"));
    g_assert_cmpint(sim_get(s, "pn-1")->actual_start, ==, sim_utc("2021-03-01 06:04:25"));
    SIM_EXPECT(s, D "tmdt-04/1", "missed session-over");
    SIM_EXPECT(s, D "vov/1", "completed");
    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    SIM_EXPECT(s, "pn-2/chime", "completed");
    SIM_EXPECT(s, "pn-2", "completed");
    g_assert_cmpint(sim_get(s, "pn-2/chime")->actual_start, ==, sim_utc("2021-03-01 12:00:02"));
    g_assert_cmpuint(s->n_screen_on, ==, 0);
    check_complete(s, "2021-03-01", "2021-03-01");
    sim_free(s);
}

/* An emergency cutting a priority's chime: the chime is interrupted, the emergency airs,
 * then the priority airs without a second chime (its chime key has a record). */
static void test_emergency_cuts_chime(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 12:00");
    g_assert_cmpint(sim_play_now(s, 1, PLAN_CLASS_PRIORITY, SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-01 12:00:05"));
    g_assert_cmpint(sim_play_now(s, 2, PLAN_CLASS_EMERGENCY, SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-01 13:00"));
    SIM_EXPECT(s, "pn-1/chime", "interrupted emergency");
    SIM_EXPECT(s, "pn-2", "completed");
    SIM_EXPECT(s, "pn-1", "completed");
    g_assert_cmpint(sim_get(s, "pn-2")->actual_start, ==, sim_utc("2021-03-01 12:00:05"));
    g_assert_cmpint(sim_get(s, "pn-1")->actual_start, ==, sim_utc("2021-03-01 12:01:08"));
    g_assert_cmpstr(s->violation, ==, NULL);
    sim_free(s);
}

/* An emergency never cuts another emergency: it follows it at once. */
static void test_emergency_after_emergency(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 12:00");
    g_assert_cmpint(sim_play_now(s, 1, PLAN_CLASS_EMERGENCY, 2 * SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-01 12:01"));
    g_assert_cmpint(sim_play_now(s, 2, PLAN_CLASS_EMERGENCY, SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-01 13:00"));
    SIM_EXPECT(s, "pn-1", "completed");
    SIM_EXPECT(s, "pn-2", "completed");
    g_assert_cmpint(sim_get(s, "pn-1")->actual_start, ==, sim_utc("2021-03-01 12:00:02"));
    g_assert_cmpint(sim_get(s, "pn-2")->actual_start, ==, sim_utc("2021-03-01 12:02:02"));
    g_assert_cmpuint(s->n_screen_on, ==, 2);
    g_assert_cmpstr(s->violation, ==, NULL);
    sim_free(s);
}

/* Quiet hours: priority refused, emergency airs (amplifier warm-up first); a priority
 * accepted before quiet hours that could not start before them is missed. */
static void test_quiet_hours(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 22:00");
    g_assert_cmpint(sim_play_now(s, 1, PLAN_CLASS_PRIORITY, SIM_MIN), ==, -EPERM);
    g_assert_cmpint(sim_play_now(s, 2, PLAN_CLASS_EMERGENCY, SIM_MIN), ==, 0);
    g_assert_cmpint(sim_play_now(s, 3, PLAN_CLASS_NORMAL, SIM_MIN), ==, -EINVAL);
    sim_run_until(s, sim_utc("2021-03-01 23:00"));
    g_assert_null(sim_get(s, "pn-1"));
    SIM_EXPECT(s, "pn-2", "completed");
    g_assert_cmpint(sim_get(s, "pn-2")->actual_start, ==, sim_utc("2021-03-01 22:00:02"));
    g_assert_cmpuint(s->n_screen_on, ==, 1);
    g_assert_false(s->relay_on);

    sim_run_until(s, sim_utc("2021-03-02 20:58"));
    g_assert_cmpint(sim_play_now(s, 4, PLAN_CLASS_EMERGENCY, 3 * SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-02 20:59"));
    g_assert_cmpint(sim_play_now(s, 5, PLAN_CLASS_PRIORITY, SIM_MIN), ==, 0);
    sim_run_until(s, sim_utc("2021-03-03 00:00"));
    SIM_EXPECT(s, "pn-4", "completed");
    SIM_EXPECT(s, "pn-5", "missed quiet-hours");
    g_assert_null(sim_get(s, "pn-5/chime"));
    g_assert_cmpstr(s->violation, ==, NULL);
    sim_free(s);
}

/* A pause over a session: its airings are missed (paused) and the amplifier stays off;
 * a pause of one session over several days, lifted by resume halfway. */
static void test_pause(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 12:00");
    size_t relay_before = s->n_relay_on;
    g_assert_cmpint(sim_pause(s, sim_utc("2021-03-01 16:00"), sim_utc("2021-03-01 18:00"), NULL),
                    ==, 0);
    g_assert_cmpint(sim_pause(s, sim_utc("2021-03-02 00:00"), sim_utc("2021-03-04 00:00"), "toi"),
                    ==, 0);
    g_assert_cmpint(sim_pause(s, 5, 5, NULL), ==, -EINVAL);
    sim_run_until(s, sim_utc("2021-03-01 18:30"));
    g_assert_cmpuint(s->n_relay_on, ==, relay_before);
    SIM_EXPECT(s, "2021-03-01/chieu/chime/1", "missed paused");
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-02/1", "missed paused");
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-04/1", "missed paused");
    sim_run_until(s, sim_utc("2021-03-03 12:00"));
    SIM_EXPECT(s, "2021-03-01/toi/chime/1", "completed");
    SIM_EXPECT(s, "2021-03-02/sang/chime/1", "completed");
    SIM_EXPECT(s, "2021-03-02/chieu/chime/1", "completed");
    SIM_EXPECT(s, "2021-03-02/toi/chime/1", "missed paused");
    SIM_EXPECT(s, "2021-03-02/toi/tmdt-06/1", "missed paused");
    SIM_EXPECT(s, "2021-03-02/toi/tmdt-06/2", "dropped session-full");
    fw_core_resume(s->core);
    sim_tick(s);
    sim_run_until(s, sim_utc("2021-03-04 00:00"));
    SIM_EXPECT(s, "2021-03-03/toi/chime/1", "completed");
    check_complete(s, "2021-03-01", "2021-03-03");

    /* A pause that begins during an airing does not cut it. */
    sim_run_until(s, sim_utc("2021-03-04 06:05"));
    g_assert_true(s->playing);
    g_assert_cmpint(sim_pause(s, sim_utc("2021-03-04 06:05"), sim_utc("2021-03-04 07:00"), "sang"),
                    ==, 0);
    sim_run_until(s, sim_utc("2021-03-05 00:00"));
    SIM_EXPECT(s, "2021-03-04/sang/tmdt-04/1", "completed");
    SIM_EXPECT(s, "2021-03-04/sang/vov/1", "missed paused");
    SIM_EXPECT(s, "2021-03-04/chieu/chime/1", "completed");
    g_assert_cmpstr(s->violation, ==, NULL);
    sim_free(s);
}

/* Reload at 06:05 takes effect at the next session start: the morning session finishes
 * on the old plan, the afternoon airs the new one; the old plan is released. */
static void test_reload(void)
{
    struct sim_rules_store st, st2;
    struct sim *s = start_at(&st, "2021-03-01 06:05");
    const struct plan_rules *r2 = sim_test_rules(&st2);
    st2.items[0].id = "tmdt-07"; /* tmdt-01 replaced */
    g_assert_cmpint(sim_reload(s, r2), ==, 0);
    struct fw_core_status stat;
    fw_core_status(s->core, &stat);
    g_assert_true(stat.reload_pending);
    g_assert_cmpint(stat.reload_at_utc_usec, ==, sim_utc("2021-03-01 06:30"));
    sim_run_until(s, sim_utc("2021-03-01 12:00"));
    fw_core_status(s->core, &stat);
    g_assert_false(stat.reload_pending);
    g_assert_cmpuint(s->n_release, ==, 1);
    sim_run_until(s, sim_utc("2021-03-03 00:00"));

    SIM_EXPECT(s, D "tmdt-01/1", "completed");
    g_assert_null(sim_get(s, D "tmdt-07/1"));
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-07/1", "completed");
    g_assert_null(sim_get(s, "2021-03-01/chieu/tmdt-01/1"));
    check_complete(s, "2021-03-02", "2021-03-02");
    sim_free(s);
}

/* A reload between sessions takes effect at once; a second reload before the first
 * took effect replaces it (the first is released unused). */
static void test_reload_between_sessions(void)
{
    struct sim_rules_store st, st2, st3;
    struct sim *s = start_at(&st, "2021-03-01 12:00");
    const struct plan_rules *r2 = sim_test_rules(&st2);
    st2.items[0].id = "tmdt-07";
    const struct plan_rules *r3 = sim_test_rules(&st3);
    st3.items[0].id = "tmdt-08";
    g_assert_cmpint(sim_reload(s, r2), ==, 0);
    g_assert_cmpuint(s->n_release, ==, 1);
    sim_run_until(s, sim_utc("2021-03-01 17:05"));
    g_assert_cmpint(sim_reload(s, r3), ==, 0); /* in chieu: from 17:30 */
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    g_assert_cmpuint(s->n_release, ==, 2);
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-07/1", "completed");
    SIM_EXPECT(s, "2021-03-01/toi/chime/1", "completed");
    sim_run_until(s, sim_utc("2021-03-03 00:00"));
    SIM_EXPECT(s, "2021-03-02/sang/tmdt-08/1", "none"); /* tmdt-01 airs mon/wed/fri only */
    SIM_EXPECT(s, "2021-03-02/sang/tmdt-03/1", "completed");
    check_complete(s, "2021-03-02", "2021-03-02");
    sim_free(s);
}

/* The player cannot open tmdt-03: failed, and the next airing plays on time. A stalled
 * pipeline is stopped at duration + 5 s (failed, timeout). */
static void test_failures(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = sim_test_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    struct sim *s = sim_new(rules, &cfg, sim_utc("2021-02-28 18:00"));
    s->fail_item = 2;
    sim_boot(s, fake_clock_now(s->clock), FW_TRUST_SYNCED);
    sim_run_until(s, sim_utc("2021-03-01 12:00"));
    SIM_EXPECT(s, D "tmdt-03/1", "failed missing-file");
    SIM_EXPECT(s, D "tmdt-04/1", "completed");
    g_assert_cmpint(sim_get(s, D "tmdt-04/1")->lateness, ==, 0);
    s->fail_item = -1;
    s->stall_item = 2;
    sim_run_until(s, sim_utc("2021-03-02 00:00"));
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-03/1", "failed timeout");
    g_assert_cmpint(sim_get(s, "2021-03-01/chieu/tmdt-03/1")->end, ==,
                    sim_utc("2021-03-01 17:04:16"));
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-04/1", "completed");
    g_assert_cmpint(sim_get(s, "2021-03-01/chieu/tmdt-04/1")->actual_start, ==,
                    sim_utc("2021-03-01 17:04:19"));
    SIM_EXPECT(s, "2021-03-01/chieu/tmdt-02/1", "completed");
    check_complete(s, "2021-03-01", "2021-03-01");
    sim_free(s);
}

/* Status: what plays, what is next, the relay. */
static void test_status(void)
{
    struct sim_rules_store st;
    struct sim *s = start_at(&st, "2021-03-01 06:05");
    struct fw_core_status stat;
    fw_core_status(s->core, &stat);
    g_assert_true(stat.playing);
    g_assert_cmpuint(stat.current.plan.item, ==, 3); /* tmdt-04 */
    g_assert_true(stat.has_next);
    g_assert_cmpuint(stat.next.plan.item, ==, 4); /* vov */
    g_assert_cmpint(stat.next_start_utc_usec, ==, sim_utc("2021-03-01 06:10"));
    g_assert_true(stat.relay_on);
    fw_core_shutdown(s->core);
    g_assert_cmpint(sim_play_now(s, 9, PLAN_CLASS_EMERGENCY, SIM_MIN), ==, -ESHUTDOWN);
    sim_shutdown(s);
    sim_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/preempt/emergency-short", test_emergency_short);
    g_test_add_func("/core/preempt/emergency-long", test_emergency_long);
    g_test_add_func("/core/preempt/emergency-preempts", test_emergency_preempts);
    g_test_add_func("/core/preempt/emergency-over-queue", test_emergency_over_queue);
    g_test_add_func("/core/preempt/priority", test_priority);
    g_test_add_func("/core/preempt/emergency-cuts-chime", test_emergency_cuts_chime);
    g_test_add_func("/core/preempt/emergency-after-emergency", test_emergency_after_emergency);
    g_test_add_func("/core/preempt/quiet-hours", test_quiet_hours);
    g_test_add_func("/core/preempt/pause", test_pause);
    g_test_add_func("/core/preempt/reload", test_reload);
    g_test_add_func("/core/preempt/reload-between-sessions", test_reload_between_sessions);
    g_test_add_func("/core/preempt/failures", test_failures);
    g_test_add_func("/core/preempt/status", test_status);
    return g_test_run();
}
