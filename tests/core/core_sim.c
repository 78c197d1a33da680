/* A simulated device around fw_core (see core_sim.h). */
#include "core_sim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"

/* ---- Rules, config, times ----------------------------------------------------- */

const struct plan_rules *sim_test_rules(struct sim_rules_store *st)
{
    memset(st, 0, sizeof(*st));
    st->sessions[0] =
        (struct plan_session){"sang", "Buổi sáng", 6 * SIM_HOUR, 6 * SIM_HOUR + 30 * SIM_MIN, 0x3F};
    st->sessions[1] = (struct plan_session){"chieu", "Buổi chiều", 17 * SIM_HOUR,
                                            17 * SIM_HOUR + 30 * SIM_MIN, 0x3F};
    st->sessions[2] =
        (struct plan_session){"toi", "Buổi tối", 19 * SIM_HOUR, 19 * SIM_HOUR + 20 * SIM_MIN, 0x7F};
    int32_t from = civil_from_ymd(2021, 1, 1), until = civil_from_ymd(2021, 12, 31);
    st->campaigns[0] = (struct plan_campaign){"tmdt-2021", "Chống hàng giả trên mạng",
                                              "KH 03/KH-BCĐ389", from, until};
    st->at_b[0] = 17 * SIM_HOUR + 10 * SIM_MIN;
    st->at_vov[0] = 6 * SIM_HOUR + 10 * SIM_MIN;
    st->items[0] = (struct plan_item){.id = "tmdt-01",
                                      .title = "Quy định TMĐT",
                                      .category = "pl",
                                      .kind = PLAN_KIND_ANNOUNCEMENT,
                                      .cls = PLAN_CLASS_NORMAL,
                                      .sessions = 0x3,
                                      .days = 0x15,
                                      .from_day = from,
                                      .until_day = until,
                                      .plays_per_day = 2,
                                      .duration_usec = 200 * SIM_SEC};
    st->items[1] = (struct plan_item){.id = "tmdt-02",
                                      .title = "Cảnh giác hàng giả",
                                      .category = "cb",
                                      .kind = PLAN_KIND_ANNOUNCEMENT,
                                      .cls = PLAN_CLASS_NORMAL,
                                      .sessions = 0x2,
                                      .days = CIVIL_ALL_DAYS,
                                      .from_day = from,
                                      .until_day = until,
                                      .at_usec = st->at_b,
                                      .n_at = 1,
                                      .duration_usec = 120 * SIM_SEC};
    st->items[2] = (struct plan_item){.id = "tmdt-03",
                                      .title = "Thông báo",
                                      .category = "tb",
                                      .kind = PLAN_KIND_ANNOUNCEMENT,
                                      .cls = PLAN_CLASS_PRIORITY,
                                      .sessions = 0x7,
                                      .days = CIVIL_ALL_DAYS,
                                      .from_day = from,
                                      .until_day = until,
                                      .duration_usec = 240 * SIM_SEC};
    st->items[3] = (struct plan_item){.id = "tmdt-04",
                                      .title = "Mùa xuân",
                                      .category = "pl",
                                      .kind = PLAN_KIND_ANNOUNCEMENT,
                                      .cls = PLAN_CLASS_NORMAL,
                                      .sessions = 0x7,
                                      .days = CIVIL_ALL_DAYS,
                                      .from_day = civil_from_ymd(2021, 3, 1),
                                      .until_day = civil_from_ymd(2021, 6, 30),
                                      .duration_usec = 300 * SIM_SEC};
    st->items[4] = (struct plan_item){.id = "vov",
                                      .title = "Tiếp sóng VOV1",
                                      .category = "vov",
                                      .kind = PLAN_KIND_RELAY,
                                      .cls = PLAN_CLASS_NORMAL,
                                      .sessions = 0x1,
                                      .days = CIVIL_ALL_DAYS,
                                      .from_day = from,
                                      .until_day = until,
                                      .at_usec = st->at_vov,
                                      .n_at = 1,
                                      .duration_usec = 15 * SIM_MIN};
    st->items[5] = (struct plan_item){.id = "tmdt-06",
                                      .title = "Buổi tối",
                                      .category = "pl",
                                      .kind = PLAN_KIND_ANNOUNCEMENT,
                                      .cls = PLAN_CLASS_NORMAL,
                                      .sessions = 0x4,
                                      .days = CIVIL_ALL_DAYS,
                                      .from_day = from,
                                      .until_day = until,
                                      .plays_per_day = 3,
                                      .duration_usec = 360 * SIM_SEC};
    st->skip[0] = civil_from_ymd(2021, 2, 11);
    st->skip[1] = civil_from_ymd(2021, 2, 12);
    st->rules = (struct plan_rules){
        .sessions = st->sessions,
        .n_sessions = 3,
        .campaigns = st->campaigns,
        .n_campaigns = 1,
        .items = st->items,
        .n_items = 6,
        .skip_days = st->skip,
        .n_skip_days = 2,
        .gap_usec = 3 * SIM_SEC,
        .has_chime = true,
        .chime_duration_usec = 8 * SIM_SEC,
    };
    return &st->rules;
}

void sim_test_config(struct fw_core_config *ret)
{
    fw_core_config_default(ret);
    ret->has_quiet_hours = true;
    ret->quiet_start_usec = 21 * SIM_HOUR;
    ret->quiet_end_usec = 6 * SIM_HOUR;
}

int64_t sim_utc(const char *local)
{
    int32_t day;
    int64_t tod;
    int r = civil_parse_datetime(local, &day, &tod);
    g_assert_cmpint(r, ==, 0);
    return (int64_t)day * SIM_DAY + tod - SIM_TZ_OFFSET_USEC;
}

int32_t sim_day(const char *date)
{
    int32_t day;
    int r = civil_parse_date(date, &day);
    g_assert_cmpint(r, ==, 0);
    return day;
}

/* ---- Keys and the fake ledger ------------------------------------------------- */

void sim_plan_key(const struct plan_rules *rules, const struct plan_airing *a, char *buf,
                  size_t size)
{
    char date[16];
    civil_format_date(a->day, date, sizeof(date));
    const char *item = a->item == PLAN_ITEM_CHIME ? "chime" : rules->items[a->item].id;
    snprintf(buf, size, "%s/%s/%s/%u", date, rules->sessions[a->session].id, item, a->ordinal);
}

static void key_of(const struct fw_airing *a, char *buf, size_t size)
{
    if (a->source == FW_SOURCE_PLAN)
        sim_plan_key(a->rules, &a->plan, buf, size);
    else if (a->kind == PLAN_KIND_CHIME)
        snprintf(buf, size, "pn-%llu/chime", (unsigned long long)a->request_id);
    else
        snprintf(buf, size, "pn-%llu", (unsigned long long)a->request_id);
}

static void violate(struct sim *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void violate(struct sim *s, const char *fmt, ...)
{
    s->n_violations++;
    if (s->violation)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char when[32];
    int32_t day;
    int64_t tod;
    int64_t local = fake_clock_now(s->clock) + s->tz_offset;
    day = (int32_t)(local / SIM_DAY);
    tod = local - (int64_t)day * SIM_DAY;
    char date[16], time[16];
    snprintf(when, sizeof(when), "%s %s", civil_format_date(day, date, sizeof(date)),
             civil_format_time(tod, time, sizeof(time)));
    s->violation = g_strdup_printf("%s: %s", when, msg);
    g_free(msg);
}

static struct sim_record *rec_get(struct sim *s, const struct fw_airing *a, bool create)
{
    char key[128];
    key_of(a, key, sizeof(key));
    struct sim_record *r = g_hash_table_lookup(s->records, key);
    if (r || !create)
        return r;
    r = g_new0(struct sim_record, 1);
    g_strlcpy(r->key, key, sizeof(r->key));
    r->source = a->source;
    r->kind = a->kind;
    r->day = a->source == FW_SOURCE_PLAN ? a->plan.day : 0;
    r->planned_start = a->planned_start_utc_usec;
    g_hash_table_insert(s->records, r->key, r);
    return r;
}

static void rec_final(struct sim *s, const struct fw_airing *a, enum fw_outcome o, int reason)
{
    struct sim_record *r = rec_get(s, a, true);
    if (r->n_finals > 0)
        violate(s, "second final record for %s (%s after %s)", r->key, fw_outcome_name(o),
                fw_outcome_name(r->outcome));
    r->n_finals++;
    r->outcome = o;
    r->reason = reason;
    r->end = fake_clock_now(s->clock);
    r->trust = s->trust;
    if ((size_t)reason < G_N_ELEMENTS(s->count[0]))
        s->count[o][reason]++;
}

static enum fw_record_state lookup(void *userdata, const struct plan_rules *rules,
                                   const struct plan_airing *a)
{
    struct sim *s = userdata;
    char key[128];
    sim_plan_key(rules, a, key, sizeof(key));
    const struct sim_record *r = g_hash_table_lookup(s->records, key);
    if (!r)
        return FW_RECORD_NONE;
    if (r->n_finals > 0)
        return FW_RECORD_FINAL;
    return r->n_starts > 0 ? FW_RECORD_STARTED : FW_RECORD_NONE;
}

/* ---- The fake player ---------------------------------------------------------- */

static void player_finish(struct sim *s, enum fw_outcome o, int reason)
{
    if (!s->playing)
        return;
    if (s->end_id)
        fake_clock_cancel(s->clock, s->end_id);
    s->end_id = 0;
    s->playing = false;
    rec_final(s, &s->playing_air, o, reason);
    if (s->core) {
        int r = fw_core_on_finished(s->core, &s->playing_air, fake_clock_now(s->clock));
        if (r < 0)
            violate(s, "on_finished refused: %d", r);
    }
    s->need_tick = true;
}

static void player_end_cb(void *userdata, uint64_t id)
{
    struct sim *s = userdata;
    (void)id;
    s->end_id = 0;
    player_finish(s, FW_OUTCOME_COMPLETED, FW_REASON_NONE);
    sim_tick(s);
}

static void do_start(struct sim *s, const struct fw_action *a)
{
    int64_t now = fake_clock_now(s->clock);
    struct sim_record *r = rec_get(s, &a->airing, true);
    if (r->n_starts > 0 || r->n_finals > 0)
        violate(s, "%s started again (starts %d, finals %d)", r->key, r->n_starts, r->n_finals);
    if (s->playing)
        violate(s, "%s started while another airing plays", r->key);
    if (!s->relay_on)
        violate(s, "%s started with the relay off", r->key);
    else if (fake_clock_mono(s->clock) - s->relay_on_mono < s->cfg.amp_warmup_usec)
        violate(s, "%s started %lld us after relay on", r->key,
                (long long)(fake_clock_mono(s->clock) - s->relay_on_mono));
    if (a->airing.source == FW_SOURCE_PLAN && now < a->airing.planned_start_utc_usec)
        violate(s, "%s started early", r->key);
    if (now < a->at_utc_usec)
        violate(s, "%s started before its intended instant", r->key);
    s->n_starts++;
    if (a->lateness_usec == 0 && now - a->at_utc_usec > s->max_start_jitter)
        s->max_start_jitter = now - a->at_utc_usec;

    if (a->airing.source == FW_SOURCE_PLAN && (int64_t)a->airing.plan.item == s->fail_item) {
        /* The player cannot open the file: a failed final record, no start. */
        s->playing = true;
        s->playing_air = a->airing;
        player_finish(s, FW_OUTCOME_FAILED, SIM_REASON_MISSING_FILE);
        return;
    }
    r->n_starts++;
    r->actual_start = now;
    r->lateness = now - a->airing.planned_start_utc_usec;
    s->playing = true;
    s->playing_air = a->airing;
    fw_core_on_started(s->core, &a->airing, now);
    if (a->airing.source == FW_SOURCE_PLAN && (int64_t)a->airing.plan.item == s->stall_item)
        return; /* a stalled pipeline: only a stop ends it */
    s->end_id = fake_clock_add_wakeup(s->clock, FAKE_CLOCK_MONOTONIC,
                                      fake_clock_mono(s->clock) + a->airing.duration_usec,
                                      player_end_cb, s);
}

static void execute(struct sim *s, const struct fw_action *a)
{
    s->n_actions++;
    switch (a->kind) {
    case FW_ACT_RELAY_ON:
        if (s->relay_on)
            violate(s, "relay on while on");
        s->relay_on = true;
        s->relay_on_mono = fake_clock_mono(s->clock);
        s->n_relay_on++;
        break;
    case FW_ACT_RELAY_OFF:
        if (!s->relay_on)
            violate(s, "relay off while off");
        if (s->playing)
            violate(s, "relay off while airing");
        s->relay_on = false;
        s->n_relay_off++;
        break;
    case FW_ACT_PREPARE: {
        const struct sim_record *r = rec_get(s, &a->airing, false);
        if (r && (r->n_starts || r->n_finals))
            violate(s, "prepare of recorded key %s", r->key);
        s->n_prepare++;
        break;
    }
    case FW_ACT_START:
        do_start(s, a);
        break;
    case FW_ACT_STOP_CURRENT:
        if (!s->playing || !fw_airing_same_key(&s->playing_air, &a->airing)) {
            violate(s, "stop of something not playing");
            break;
        }
        if (a->stop_reason == FW_STOP_TIMEOUT)
            player_finish(s, FW_OUTCOME_FAILED, FW_REASON_TIMEOUT);
        else
            player_finish(s, FW_OUTCOME_INTERRUPTED,
                          a->stop_reason == FW_STOP_EMERGENCY ? FW_REASON_EMERGENCY
                                                              : FW_REASON_SHUTDOWN);
        break;
    case FW_ACT_RECORD_FINAL: {
        if (s->playing && fw_airing_same_key(&s->playing_air, &a->airing))
            violate(s, "final record for the airing playing");
        if (a->outcome == FW_OUTCOME_DROPPED &&
            (a->airing.source != FW_SOURCE_PLAN || a->airing.plan.status != PLAN_STATUS_DROPPED))
            violate(s, "dropped record for an airing the plan did not drop");
        rec_final(s, &a->airing, a->outcome, (int)a->reason);
        break;
    }
    case FW_ACT_SCREEN_ON:
        s->n_screen_on++;
        break;
    case FW_ACT_RELEASE_PLAN:
        s->n_release++;
        if (a->plan != s->plan)
            plan_free(a->plan);
        break;
    }
}

/* ---- Driving the core --------------------------------------------------------- */

static void wake_cb(void *userdata, uint64_t id)
{
    struct sim *s = userdata;
    if (id == s->wake_id)
        s->wake_id = 0;
    sim_tick(s);
}

void sim_tick(struct sim *s)
{
    if (!s->core)
        return;
    if (s->in_tick) {
        s->need_tick = true;
        return;
    }
    s->in_tick = true;
    int64_t next = INT64_MAX;
    struct fw_actions acts;
    for (int spins = 0;; spins++) {
        if (spins > 100000) {
            violate(s, "tick does not settle");
            break;
        }
        s->need_tick = false;
        acts.n = 0;
        int64_t now = fake_clock_now(s->clock);
        int r = fw_core_tick(s->core, now, s->trust, &acts, &next);
        s->n_ticks++;
        if (r < 0)
            violate(s, "fw_core_tick: %d", r);
        if (next < now)
            violate(s, "next wake-up in the past");
        for (size_t i = 0; i < acts.n; i++)
            execute(s, &acts.items[i]);
        if (!s->need_tick && next > now)
            break;
    }
    s->in_tick = false;
    if (s->wake_id)
        fake_clock_cancel(s->clock, s->wake_id);
    s->wake_id = 0;
    if (next != INT64_MAX)
        s->wake_id = fake_clock_add_wakeup(s->clock, FAKE_CLOCK_REALTIME, next, wake_cb, s);
}

struct sim *sim_new(const struct plan_rules *rules, const struct fw_core_config *cfg,
                    int64_t start_utc)
{
    struct sim *s = g_new0(struct sim, 1);
    s->clock = fake_clock_new(start_utc);
    s->rules = rules;
    s->cfg = *cfg;
    s->tz_offset = SIM_TZ_OFFSET_USEC;
    s->tz = fw_tz_fixed(&s->tz_offset);
    s->records = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    s->fail_item = -1;
    s->stall_item = -1;
    int r = plan_new(rules, &s->plan);
    g_assert_cmpint(r, ==, 0);
    return s;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    s->core = fw_core_free(s->core);
    plan_free(s->plan);
    g_hash_table_destroy(s->records);
    fake_clock_free(s->clock);
    g_free(s->violation);
    g_free(s);
}

void sim_boot(struct sim *s, int64_t floor_utc, enum fw_trust trust)
{
    g_assert_null(s->core);
    /* A fresh process: a fresh plan, as the firmware builds one at start. */
    plan_free(s->plan);
    int r = plan_new(s->rules, &s->plan);
    g_assert_cmpint(r, ==, 0);
    struct fw_ledger_view lv = {lookup, s};
    r = fw_core_new(&s->cfg, &s->tz, &lv, s->rules, s->plan, floor_utc, &s->core);
    g_assert_cmpint(r, ==, 0);
    s->trust = trust;
    sim_tick(s);
}

int64_t sim_resume_floor(const struct sim *s)
{
    int64_t last = INT64_MIN;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, s->records);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const struct sim_record *r = v;
        if (r->n_starts && r->actual_start > last)
            last = r->actual_start;
        if (r->n_finals && r->end > last)
            last = r->end;
    }
    if (last == INT64_MIN)
        return fake_clock_now(s->clock);
    int64_t local = last + s->tz_offset;
    int64_t day = local / SIM_DAY;
    return day * SIM_DAY - s->tz_offset;
}

static void down(struct sim *s)
{
    if (s->wake_id)
        fake_clock_cancel(s->clock, s->wake_id);
    s->wake_id = 0;
    s->core = fw_core_free(s->core);
}

void sim_kill(struct sim *s)
{
    down(s);
    if (s->end_id)
        fake_clock_cancel(s->clock, s->end_id);
    s->end_id = 0;
    s->playing = false; /* the start record stays without a final */
    s->relay_on = false;
}

void sim_shutdown(struct sim *s)
{
    fw_core_shutdown(s->core);
    sim_tick(s);
    if (s->playing)
        violate(s, "still playing after shutdown");
    if (s->relay_on)
        violate(s, "relay on after shutdown");
    down(s);
}

void sim_run_until(struct sim *s, int64_t t)
{
    fake_clock_crank_until(s->clock, t);
}

void sim_advance_down(struct sim *s, int64_t t)
{
    g_assert_null(s->core);
    fake_clock_set_time(s->clock, t);
}

void sim_step(struct sim *s, int64_t delta)
{
    int64_t old = fake_clock_step(s->clock, delta);
    if (s->core)
        fw_core_clock_step(s->core, old, old + delta);
    sim_tick(s);
}

void sim_set_trust(struct sim *s, enum fw_trust trust)
{
    s->trust = trust;
    sim_tick(s);
}

int sim_play_now(struct sim *s, uint64_t id, enum plan_class cls, int64_t duration)
{
    struct fw_play_now req = {.request_id = id, .cls = cls, .duration_usec = duration};
    int r = fw_core_play_now(s->core, fake_clock_now(s->clock), &req);
    if (r == 0)
        sim_tick(s);
    return r;
}

int sim_pause(struct sim *s, int64_t from, int64_t until, const char *session_id)
{
    int r = fw_core_pause(s->core, from, until, session_id);
    if (r == 0)
        sim_tick(s);
    return r;
}

int sim_reload(struct sim *s, const struct plan_rules *rules)
{
    struct plan *p = NULL;
    int r = plan_new(rules, &p);
    if (r < 0)
        return r;
    r = fw_core_reload(s->core, fake_clock_now(s->clock), rules, p, NULL);
    if (r < 0) {
        plan_free(p);
        return r;
    }
    /* The sim keeps the newest plan as "its" plan; older ones are freed on release. */
    s->plan = p;
    s->rules = rules;
    sim_tick(s);
    return 0;
}

/* ---- Queries ------------------------------------------------------------------ */

const struct sim_record *sim_get(const struct sim *s, const char *key)
{
    return g_hash_table_lookup(s->records, key);
}

const struct sim_record *sim_find(const struct sim *s, const char *date, const char *session,
                                  const char *item, unsigned n)
{
    char key[128];
    snprintf(key, sizeof(key), "%s/%s/%s/%u", date, session, item, n);
    return sim_get(s, key);
}

const char *sim_describe(const struct sim *s, const char *key, char *buf, size_t size)
{
    const struct sim_record *r = sim_get(s, key);
    if (!r)
        g_strlcpy(buf, "none", size);
    else if (r->n_finals == 0)
        g_strlcpy(buf, "started", size);
    else if (r->reason == FW_REASON_NONE)
        g_strlcpy(buf, fw_outcome_name(r->outcome), size);
    else if (r->reason == SIM_REASON_MISSING_FILE)
        g_snprintf(buf, size, "%s missing-file", fw_outcome_name(r->outcome));
    else
        g_snprintf(buf, size, "%s %s", fw_outcome_name(r->outcome),
                   fw_reason_name((enum fw_reason)r->reason));
    return buf;
}

size_t sim_count(const struct sim *s, enum fw_outcome o, int reason)
{
    if (reason >= 0)
        return (size_t)reason < G_N_ELEMENTS(s->count[0]) ? s->count[o][reason] : 0;
    size_t n = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(s->count[0]); i++)
        n += s->count[o][i];
    return n;
}

static void problem(struct sim_tally *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void problem(struct sim_tally *t, const char *fmt, ...)
{
    if (t->first_problem[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    g_vsnprintf(t->first_problem, sizeof(t->first_problem), fmt, ap);
    va_end(ap);
}

void sim_tally(const struct sim *s, const struct plan_rules *rules, int32_t from, int32_t to,
               struct sim_tally *ret)
{
    memset(ret, 0, sizeof(*ret));
    struct plan *p = NULL;
    int r = plan_new(rules, &p);
    g_assert_cmpint(r, ==, 0);
    size_t cap = plan_max_airings_per_day(p);
    struct plan_airing *buf = g_new(struct plan_airing, cap ? cap : 1);
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (int32_t d = from; d <= to; d++) {
        size_t n = 0;
        r = plan_day(p, d, buf, cap, &n);
        g_assert_cmpint(r, ==, 0);
        for (size_t i = 0; i < n; i++) {
            char key[128];
            sim_plan_key(rules, &buf[i], key, sizeof(key));
            g_hash_table_add(seen, g_strdup(key));
            bool dropped = buf[i].status == PLAN_STATUS_DROPPED;
            if (dropped)
                ret->plan_dropped++;
            else
                ret->plan_planned++;
            const struct sim_record *rec = sim_get(s, key);
            if (!rec || rec->n_finals == 0) {
                ret->no_final++;
                problem(ret, "%s has no final record", key);
                continue;
            }
            if (rec->n_finals != 1)
                problem(ret, "%s has %d final records", key, rec->n_finals);
            switch (rec->outcome) {
            case FW_OUTCOME_COMPLETED:
                ret->completed++;
                break;
            case FW_OUTCOME_DROPPED:
                ret->dropped++;
                break;
            case FW_OUTCOME_INTERRUPTED:
                ret->interrupted++;
                break;
            case FW_OUTCOME_FAILED:
                ret->failed++;
                break;
            case FW_OUTCOME_MISSED:
                ret->missed++;
                break;
            }
            if (dropped != (rec->outcome == FW_OUTCOME_DROPPED)) {
                ret->wrong_dropped++;
                problem(ret, "%s: plan %s, recorded %s", key, dropped ? "dropped" : "planned",
                        fw_outcome_name(rec->outcome));
            }
        }
    }
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, s->records);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const struct sim_record *rec = v;
        if (rec->source != FW_SOURCE_PLAN || rec->day < from || rec->day > to)
            continue;
        if (!g_hash_table_contains(seen, rec->key)) {
            ret->extra_records++;
            problem(ret, "%s recorded but not in the plan", rec->key);
        }
    }
    g_hash_table_destroy(seen);
    g_free(buf);
    plan_free(p);
}
