/* The plan, as the kiosk shows it (see kiosk_plan.h). */
#include "kiosk_plan.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

/* The airings of a day into a fresh buffer. */
static int day_airings(struct plan *p, int32_t day, struct plan_airing **ret, size_t *ret_n)
{
    size_t cap = plan_max_airings_per_day(p);
    struct plan_airing *buf = calloc(cap ? cap : 1, sizeof *buf);
    if (!buf)
        return -ENOMEM;
    int rc = plan_day(p, day, buf, cap, ret_n);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *ret = buf;
    return 0;
}

int kiosk_plan_schedule(struct plan *p, const struct plan_rules *rules, int32_t day,
                        struct kiosk_schedule_line **ret_lines, size_t *ret_n)
{
    struct plan_airing *a = NULL;
    size_t n = 0;
    int rc = day_airings(p, day, &a, &n);
    if (rc < 0)
        return rc;
    /* At most one heading per airing plus the airing itself. */
    struct kiosk_schedule_line *lines = calloc(2 * n + 1, sizeof *lines);
    if (!lines) {
        free(a);
        return -ENOMEM;
    }
    size_t k = 0;
    uint32_t last_session = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (a[i].status != PLAN_STATUS_PLANNED || a[i].item == PLAN_ITEM_CHIME)
            continue;
        if (a[i].session != last_session && a[i].session < rules->n_sessions) {
            const struct plan_session *s = &rules->sessions[a[i].session];
            lines[k++] = (struct kiosk_schedule_line){
                .kind = KIOSK_LINE_SESSION,
                .start_usec = s->start_usec,
                .end_usec = s->end_usec,
                .title = s->name && *s->name ? s->name : s->id,
            };
            last_session = a[i].session;
        }
        lines[k++] = (struct kiosk_schedule_line){
            .kind = KIOSK_LINE_ITEM,
            .start_usec = a[i].start_usec,
            .end_usec = a[i].end_usec,
            .title = rules->items[a[i].item].title,
        };
    }
    free(a);
    if (k == 0) {
        free(lines);
        lines = NULL;
    }
    *ret_lines = lines;
    *ret_n = k;
    return 0;
}

int kiosk_plan_airing(struct plan *p, const struct plan_rules *rules, const char *const *item_texts,
                      int64_t t_lt_usec, struct kiosk_airing *ret, int64_t *ret_next_change)
{
    const int32_t day = kiosk_lt_day(t_lt_usec);
    const int64_t tod = kiosk_lt_tod(t_lt_usec);
    struct plan_airing *a = NULL;
    size_t n = 0;
    int rc = day_airings(p, day, &a, &n);
    if (rc < 0)
        return rc;

    struct kiosk_airing out = {0};
    int64_t next = CIVIL_USEC_PER_DAY;
    for (size_t i = 0; i < n; i++) {
        if (a[i].status != PLAN_STATUS_PLANNED)
            continue;
        if (a[i].start_usec > tod && a[i].start_usec < next)
            next = a[i].start_usec;
        if (a[i].end_usec > tod && a[i].end_usec < next)
            next = a[i].end_usec;
        if (a[i].start_usec <= tod && tod < a[i].end_usec && !out.active) {
            out.active = true;
            out.start_lt_usec = kiosk_lt(day, a[i].start_usec);
            if (a[i].item == PLAN_ITEM_CHIME) {
                out.title = KIOSK_CHIME_TITLE;
            } else {
                out.title = rules->items[a[i].item].title;
                out.text = item_texts ? item_texts[a[i].item] : NULL;
                out.emergency = a[i].cls == PLAN_CLASS_EMERGENCY;
            }
        }
    }
    free(a);
    *ret = out;
    if (ret_next_change)
        *ret_next_change = kiosk_lt(day, next);
    return 0;
}

int kiosk_plan_next_session(struct plan *p, const struct plan_rules *rules, int64_t t_lt_usec,
                            int horizon_days, struct kiosk_next_session *ret)
{
    const int32_t day0 = kiosk_lt_day(t_lt_usec);
    const int64_t tod = kiosk_lt_tod(t_lt_usec);
    struct kiosk_next_session out = {0};

    for (int32_t d = day0; d <= day0 + horizon_days && !out.present; d++) {
        struct plan_airing *a = NULL;
        size_t n = 0;
        int rc = day_airings(p, d, &a, &n);
        if (rc < 0)
            return rc;
        /* Airings come in time order, sessions by start. */
        for (size_t i = 0; i < n; i++) {
            if (a[i].status != PLAN_STATUS_PLANNED || a[i].session >= rules->n_sessions)
                continue;
            const struct plan_session *s = &rules->sessions[a[i].session];
            if (d == day0 && s->start_usec <= tod)
                continue;
            out.present = true;
            out.name = s->name && *s->name ? s->name : s->id;
            out.day = d;
            out.start_usec = s->start_usec;
            break;
        }
        free(a);
    }
    *ret = out;
    return 0;
}
