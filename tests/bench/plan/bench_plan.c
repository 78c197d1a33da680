/* Benchmark: plan a three-year campaign (2020-11-01 .. 2023-10-31) of 200 announcements
 * over 3 sessions a day, walking every day with plan_day(). Goal: under 50 ms.
 *
 * Two loads: "ward" (items with their own days and half-year windows, a few fixed items
 * and a relay: what a ward really runs) and "worst" (all 200 eligible in every session
 * every day, so each session chooses 200 times and drops most). Prints the best and the
 * median of several runs; not pass/fail (machines are noisy). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "civil.h"
#include "plan.h"

#define N_ITEMS 200
#define RUNS 7

static int64_t mono_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A small deterministic generator, so every run plans the same rules. */
static uint32_t lcg(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static struct plan_session sessions[3];
static struct plan_campaign campaign;
static struct plan_item items[N_ITEMS];
static int64_t at_times[N_ITEMS];

static void build(bool worst, struct plan_rules *r)
{
    static const uint8_t day_masks[] = {0x7F, 0x1F, 0x15, 0x2A, 0x61, 0x7F, 0x3F};
    int64_t sec = 1000000;
    sessions[0] =
        (struct plan_session){"sang", "Buổi sáng", 6 * 3600 * sec, (6 * 3600 + 2700) * sec, 0x7F};
    sessions[1] =
        (struct plan_session){"trua", "Buổi trưa", 11 * 3600 * sec, (11 * 3600 + 1800) * sec, 0x1F};
    sessions[2] = (struct plan_session){"chieu", "Buổi chiều", 17 * 3600 * sec,
                                        (17 * 3600 + 2700) * sec, 0x7F};
    campaign = (struct plan_campaign){"tmdt-2020", "Chống hàng giả", "KH 03/KH-BCĐ389",
                                      civil_from_ymd(2020, 11, 1), civil_from_ymd(2023, 10, 31)};
    uint32_t st = 389;
    for (int i = 0; i < N_ITEMS; i++) {
        struct plan_item *it = &items[i];
        *it = (struct plan_item){.id = "x",
                                 .title = "x",
                                 .category = "",
                                 .campaign = 0,
                                 .kind = PLAN_KIND_ANNOUNCEMENT,
                                 .cls = PLAN_CLASS_NORMAL,
                                 .sessions = 7,
                                 .days = CIVIL_ALL_DAYS,
                                 .from_day = campaign.from_day,
                                 .until_day = campaign.until_day,
                                 .duration_usec = (45 + lcg(&st) % 136) * sec};
        if (worst)
            continue;
        if (i % 25 == 0)
            it->cls = PLAN_CLASS_PRIORITY;
        it->days = day_masks[lcg(&st) % sizeof(day_masks)];
        it->sessions = 1 + lcg(&st) % 7;
        it->plays_per_day = lcg(&st) % 3;
        /* Each item runs for about half a year, starting anywhere in the campaign. */
        int32_t from = campaign.from_day + (int32_t)(lcg(&st) % 900);
        it->from_day = from;
        it->until_day = from + 182 > campaign.until_day ? campaign.until_day : from + 182;
        if (i % 50 == 7) { /* a few fixed airings, one of them a relay */
            it->sessions = 4; /* chieu */
            at_times[i] = (17 * 3600 + 1800 + (i / 50) * 120) * sec;
            it->at_usec = &at_times[i];
            it->n_at = 1;
            it->plays_per_day = 0;
            it->duration_usec = 100 * sec;
            if (i == 7) {
                it->kind = PLAN_KIND_RELAY;
                it->days = 0x40;
                it->duration_usec = 60 * sec; /* at 17:30, before the 17:32 one */
            }
        }
    }
    *r = (struct plan_rules){.sessions = sessions,
                             .n_sessions = 3,
                             .campaigns = &campaign,
                             .n_campaigns = 1,
                             .items = items,
                             .n_items = N_ITEMS,
                             .gap_usec = 3 * sec,
                             .has_chime = true,
                             .chime_duration_usec = 6 * sec};
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int run(const char *name, bool worst)
{
    struct plan_rules r;
    build(worst, &r);
    struct plan_problem pr[4];
    size_t n_problems = plan_validate(&r, pr, 4);
    int64_t times[RUNS];
    long planned = 0, dropped = 0;
    for (int k = 0; k < RUNS; k++) {
        int64_t t0 = mono_usec();
        struct plan *p;
        if (plan_new(&r, &p) < 0) {
            fprintf(stderr, "plan_new failed\n");
            return 1;
        }
        size_t cap = plan_max_airings_per_day(p);
        struct plan_airing *buf = malloc(cap * sizeof(*buf));
        if (!buf)
            return 1;
        planned = dropped = 0;
        for (int32_t d = campaign.from_day; d <= campaign.until_day; d++) {
            size_t n;
            if (plan_day(p, d, buf, cap, &n) < 0) {
                fprintf(stderr, "plan_day failed\n");
                return 1;
            }
            for (size_t j = 0; j < n; j++) {
                if (buf[j].status == PLAN_STATUS_PLANNED)
                    planned++;
                else
                    dropped++;
            }
        }
        free(buf);
        plan_free(p);
        times[k] = mono_usec() - t0;
    }
    qsort(times, RUNS, sizeof(times[0]), cmp_i64);
    double best_ms = times[0] / 1000.0, median_ms = times[RUNS / 2] / 1000.0;
    double per_s = (double)(planned + dropped) / (times[0] / 1e6);
    printf("bench_plan %-5s: %d items, 3 sessions, %d days: best %.2f ms, median %.2f ms "
           "(goal < 50 ms); %ld planned + %ld dropped airings; %.2f M airings/s; "
           "validate: %zu problems\n",
           name, N_ITEMS, (int)(campaign.until_day - campaign.from_day + 1), best_ms, median_ms,
           planned, dropped, per_s / 1e6, n_problems);
    return 0;
}

/* Going back costs a replay from the campaign start: time one such query. */
static int run_replay(void)
{
    struct plan_rules r;
    build(false, &r);
    struct plan *p;
    if (plan_new(&r, &p) < 0)
        return 1;
    size_t cap = plan_max_airings_per_day(p), n;
    struct plan_airing *buf = malloc(cap * sizeof(*buf));
    if (!buf)
        return 1;
    plan_day(p, campaign.until_day, buf, cap, &n);
    int64_t t0 = mono_usec();
    plan_day(p, campaign.until_day - 1, buf, cap, &n); /* before the cursor: full replay */
    int64_t t1 = mono_usec();
    plan_day(p, campaign.until_day - 1, buf, cap, &n); /* same day again: one day */
    int64_t t2 = mono_usec();
    printf("bench_plan replay: last day but one after the last: %.2f ms; asked again: %.3f ms\n",
           (t1 - t0) / 1000.0, (t2 - t1) / 1000.0);
    free(buf);
    plan_free(p);
    return 0;
}

int main(void)
{
    if (run("ward", false) || run("worst", true) || run_replay())
        return 1;
    return 0;
}
