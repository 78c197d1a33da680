/* The kiosk's rotation as a pure function of time (see kiosk_rotation.h). */
#include "kiosk_rotation.h"

static int default_seconds(const struct kiosk_rotation *r)
{
    return r->rotate_seconds > 0 ? r->rotate_seconds : KIOSK_DEFAULT_ROTATE_SECONDS;
}

int kiosk_rotation_notice_seconds(const struct kiosk_rotation *r, size_t i)
{
    int s = r->notices[i].seconds;
    return s > 0 ? s : default_seconds(r);
}

static unsigned notice_pages(const struct kiosk_rotation *r, size_t i)
{
    unsigned p = r->notice_pages ? r->notice_pages[i] : 1;
    return p ? p : 1;
}

/* Valid on date `day` as far as the date window and weekday go (hours aside). */
static bool valid_on_day(const struct kiosk_notice *n, int32_t day)
{
    if (day < n->from_day || day > n->until_day)
        return false;
    uint8_t mask = n->days ? n->days : CIVIL_ALL_DAYS;
    return (mask >> civil_weekday(day)) & 1u;
}

bool kiosk_notice_valid_at(const struct kiosk_notice *n, int64_t t_lt_usec)
{
    if (!valid_on_day(n, kiosk_lt_day(t_lt_usec)))
        return false;
    if (!n->has_hours)
        return true;
    return civil_window_contains(n->hours_start_usec, n->hours_end_usec, kiosk_lt_tod(t_lt_usec));
}

/* A boundary at time of day 0 coincides with the midnight restart; every other
 * boundary of a notice valid on the day toggles that notice, so the valid set
 * changes there (start != end is guaranteed by civil_parse_window). */
int64_t kiosk_rotation_epoch(const struct kiosk_rotation *r, int64_t t_lt_usec)
{
    int32_t day = kiosk_lt_day(t_lt_usec);
    int64_t tod = kiosk_lt_tod(t_lt_usec);
    int64_t best = 0;

    for (size_t i = 0; i < r->n_notices; i++) {
        const struct kiosk_notice *n = &r->notices[i];
        if (!n->has_hours || !valid_on_day(n, day))
            continue;
        if (n->hours_start_usec <= tod && n->hours_start_usec > best)
            best = n->hours_start_usec;
        if (n->hours_end_usec <= tod && n->hours_end_usec > best)
            best = n->hours_end_usec;
    }
    return kiosk_lt(day, best);
}

int64_t kiosk_rotation_next_restart(const struct kiosk_rotation *r, int64_t t_lt_usec)
{
    int32_t day = kiosk_lt_day(t_lt_usec);
    int64_t tod = kiosk_lt_tod(t_lt_usec);
    int64_t best = CIVIL_USEC_PER_DAY; /* next midnight */

    for (size_t i = 0; i < r->n_notices; i++) {
        const struct kiosk_notice *n = &r->notices[i];
        if (!n->has_hours || !valid_on_day(n, day))
            continue;
        if (n->hours_start_usec > tod && n->hours_start_usec < best)
            best = n->hours_start_usec;
        if (n->hours_end_usec > tod && n->hours_end_usec < best)
            best = n->hours_end_usec;
    }
    return kiosk_lt(day, best);
}

void kiosk_rotation_at(const struct kiosk_rotation *r, int64_t t_lt_usec, struct kiosk_slot *ret)
{
    const int64_t epoch = kiosk_rotation_epoch(r, t_lt_usec);
    const int64_t restart = kiosk_rotation_next_restart(r, t_lt_usec);
    const int64_t sched_usec = (int64_t)default_seconds(r) * CIVIL_USEC_PER_SEC;
    const unsigned sched_pages = r->schedule_pages ? r->schedule_pages : 1;

    /* The valid set is constant on [epoch, restart), so evaluating it at t is the
     * same as at the epoch. */
    int64_t cycle = sched_usec * sched_pages;
    for (size_t i = 0; i < r->n_notices; i++)
        if (kiosk_notice_valid_at(&r->notices[i], t_lt_usec))
            cycle += (int64_t)kiosk_rotation_notice_seconds(r, i) * CIVIL_USEC_PER_SEC *
                     notice_pages(r, i);

    const int64_t since = t_lt_usec - epoch;
    const int64_t cycle_start = t_lt_usec - since % cycle;
    int64_t off = since % cycle;

    struct kiosk_slot s = {.epoch_lt_usec = epoch};
    if (off < sched_usec * sched_pages) {
        s.notice = KIOSK_SLOT_SCHEDULE;
        s.n_pages = sched_pages;
        s.page = (unsigned)(off / sched_usec);
        s.start_lt_usec = cycle_start + (int64_t)s.page * sched_usec;
        s.end_lt_usec = s.start_lt_usec + sched_usec;
    } else {
        int64_t base = sched_usec * sched_pages;
        for (size_t i = 0; i < r->n_notices; i++) {
            if (!kiosk_notice_valid_at(&r->notices[i], t_lt_usec))
                continue;
            int64_t per = (int64_t)kiosk_rotation_notice_seconds(r, i) * CIVIL_USEC_PER_SEC;
            unsigned pages = notice_pages(r, i);
            if (off < base + per * pages) {
                s.notice = (int)i;
                s.n_pages = pages;
                s.page = (unsigned)((off - base) / per);
                s.start_lt_usec = cycle_start + base + (int64_t)s.page * per;
                s.end_lt_usec = s.start_lt_usec + per;
                break;
            }
            base += per * pages;
        }
    }
    if (s.end_lt_usec > restart)
        s.end_lt_usec = restart;
    *ret = s;
}

bool kiosk_screen_off_at(const struct kiosk_screen_off *so, int64_t t_lt_usec)
{
    return so && so->enabled &&
           civil_window_contains(so->start_usec, so->end_usec, kiosk_lt_tod(t_lt_usec));
}
