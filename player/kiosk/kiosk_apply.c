/* Daemon messages applied to the live kiosk (kiosk_feed.h). Apart from the wire form in
 * kiosk_feed.c because this side needs the kiosk itself (its renderer, SDL), which the
 * daemon, encoding and decoding the same messages, must not link. */
#include "kiosk_feed.h"

#include <errno.h>

#include "kiosk.h"

int kiosk_apply_msg(struct kiosk *k, const struct kiosk_msg *m)
{
    int rc;
    switch (m->kind) {
    case KIOSK_MSG_CONTENT:
        rc = kiosk_set_identity(k, &m->identity);
        if (rc >= 0)
            rc = kiosk_set_settings(k, m->rotate_seconds, &m->screen_off);
        if (rc >= 0)
            rc = kiosk_set_notices(k, m->notices, m->n_notices);
        return rc;
    case KIOSK_MSG_SCHEDULE:
        rc = kiosk_set_schedule(k, m->schedule_day, m->schedule, m->n_schedule);
        if (rc >= 0)
            rc = kiosk_set_next_session(k, &m->next);
        return rc;
    case KIOSK_MSG_AIRING:
        return kiosk_set_airing(k, &m->airing);
    case KIOSK_MSG_BANNER:
        return kiosk_set_banner(k, &m->banner);
    default:
        return -EINVAL;
    }
}
