/* Benchmark: a simulated 3-year campaign (01/11/2020 - 31/10/2023, plan 03/KH-BCĐ389's
 * span) through fw_core alone, on the fake clock.
 *
 * 1. bare: fw_core and a minimal driver (each START "plays" for its duration, the
 *    timer jumps to the next wake-up), no ledger: the decide step's own cost;
 * 2. sim: the test harness (fake clock, fake player, in-memory ledger, every invariant
 *    checked at every action), then the ledger compared with the plan.
 * Figures only; not a pass/fail test (exit 1 only if the result is wrong).
 */
#include <glib.h>
#include <stdio.h>
#include <time.h>

#include "civil.h"
#include "core_sim.h"

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static const struct plan_rules *campaign_rules(struct sim_rules_store *st)
{
    const struct plan_rules *r = sim_test_rules(st);
    int32_t from = civil_from_ymd(2020, 11, 1), until = civil_from_ymd(2023, 10, 31);
    st->campaigns[0].from_day = from;
    st->campaigns[0].until_day = until;
    for (size_t i = 0; i < 6; i++) {
        if (i == 3)
            continue; /* tmdt-04 keeps its spring 2021 window */
        st->items[i].from_day = from;
        st->items[i].until_day = until;
    }
    return r;
}

struct bare {
    size_t ticks, actions, starts, finals;
};

static int run_bare(const struct plan_rules *rules, const struct fw_core_config *cfg, int64_t from,
                    int64_t until, struct bare *ret)
{
    int64_t off = SIM_TZ_OFFSET_USEC;
    struct fw_tz tz = fw_tz_fixed(&off);
    struct plan *p = NULL;
    struct fw_core *c = NULL;
    if (plan_new(rules, &p) < 0 || fw_core_new(cfg, &tz, NULL, rules, p, from, &c) < 0)
        return -1;
    struct fw_actions acts;
    int64_t now = from, end = INT64_MAX, next = from;
    bool playing = false;
    struct fw_airing cur;
    while (now < until) {
        acts.n = 0;
        if (fw_core_tick(c, now, FW_TRUST_VIRTUAL, &acts, &next) < 0)
            return -1;
        ret->ticks++;
        ret->actions += acts.n;
        bool again = false;
        for (size_t i = 0; i < acts.n; i++) {
            const struct fw_action *a = &acts.items[i];
            if (a->kind == FW_ACT_START) {
                cur = a->airing;
                playing = true;
                end = now + cur.duration_usec;
                fw_core_on_started(c, &cur, now);
                ret->starts++;
            } else if (a->kind == FW_ACT_STOP_CURRENT && playing) {
                fw_core_on_finished(c, &cur, now);
                playing = false;
                end = INT64_MAX;
                again = true;
            } else if (a->kind == FW_ACT_RECORD_FINAL) {
                ret->finals++;
            }
        }
        if (again || next == now)
            continue;
        if (playing && end <= next) {
            now = end;
            fw_core_on_finished(c, &cur, now);
            playing = false;
            end = INT64_MAX;
            ret->finals++;
        } else {
            now = next;
        }
    }
    fw_core_free(c);
    plan_free(p);
    return 0;
}

int main(void)
{
    struct sim_rules_store st;
    const struct plan_rules *rules = campaign_rules(&st);
    struct fw_core_config cfg;
    sim_test_config(&cfg);
    int64_t from = sim_utc("2020-10-31 12:00"), until = sim_utc("2023-11-01 01:00");
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct plan *p = NULL;
    plan_new(rules, &p);
    struct plan_airing buf[64];
    size_t n_plan = 0, n;
    for (int32_t d = sim_day("2020-11-01"); d <= sim_day("2023-10-31"); d++) {
        plan_day(p, d, buf, 64, &n);
        n_plan += n;
    }
    plan_free(p);
    double t_plan = seconds_since(&t0);

    struct bare b = {0};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (run_bare(rules, &cfg, from, until, &b) < 0) {
        fprintf(stderr, "bare run failed\n");
        return 1;
    }
    double t_bare = seconds_since(&t0);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sim *s = sim_new(rules, &cfg, from);
    sim_boot(s, from, FW_TRUST_VIRTUAL);
    sim_run_until(s, until);
    double t_sim = seconds_since(&t0);
    struct sim_tally t;
    sim_tally(s, rules, sim_day("2020-11-01"), sim_day("2023-10-31"), &t);
    bool ok = !s->violation && !t.first_problem[0] && t.completed == t.plan_planned &&
              t.dropped == t.plan_dropped;

    printf("fw_core 3-year campaign (2020-11-01..2023-10-31, %zu airings: %zu planned, "
           "%zu dropped)\n",
           n_plan, t.plan_planned, t.plan_dropped);
    printf("  plan alone:            %8.2f ms  (plan_day for 1095 days)\n", t_plan * 1e3);
    printf("  fw_core, bare driver:  %8.2f ms  %zu ticks (%.0f ns/tick), %zu actions, "
           "%zu starts, %zu finals\n",
           t_bare * 1e3, b.ticks, t_bare * 1e9 / (double)b.ticks, b.actions, b.starts, b.finals);
    printf("  fw_core + harness:     %8.2f ms  %zu ticks, %zu actions, relay on %zu times, "
           "invariants checked at each action\n",
           t_sim * 1e3, s->n_ticks, s->n_actions, s->n_relay_on);
    printf("  ledger vs plan:        %s (completed %zu/%zu, dropped %zu/%zu)%s%s\n",
           ok ? "exact" : "MISMATCH", t.completed, t.plan_planned, t.dropped, t.plan_dropped,
           s->violation ? " violation: " : "", s->violation ? s->violation : "");
    printf("  goal (issue 8, whole daemon): < 60 s\n");
    sim_free(s);
    return ok ? 0 : 1;
}
