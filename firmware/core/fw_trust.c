/* fw_trust: clock trust state machine (see fw_trust.h). */
#include "fw_trust.h"

#include <string.h>

void fw_trust_init(struct fw_trust_state *t, int64_t max_holdover_usec, bool rtc_valid,
                   int64_t now_utc_usec)
{
    memset(t, 0, sizeof(*t));
    t->max_holdover_usec = max_holdover_usec;
    if (rtc_valid) {
        t->anchor = FW_ANCHOR_RTC;
        t->anchor_utc_usec = now_utc_usec;
    }
}

void fw_trust_observe(struct fw_trust_state *t, bool synced, int64_t last_sync_utc_usec,
                      int64_t now_utc_usec)
{
    t->synced_now = synced;
    if (!synced)
        return;
    /* A witness from the future (a marker touched before a backward step) counts as
     * now; an older one counts from when it says. */
    int64_t when = last_sync_utc_usec > now_utc_usec ? now_utc_usec : last_sync_utc_usec;
    if (t->anchor != FW_ANCHOR_NONE && t->anchor != FW_ANCHOR_SYNC && when < t->anchor_utc_usec)
        when = t->anchor_utc_usec;
    t->anchor = FW_ANCHOR_SYNC;
    t->anchor_utc_usec = when;
}

void fw_trust_confirm(struct fw_trust_state *t, int64_t now_utc_usec)
{
    t->anchor = FW_ANCHOR_OPERATOR;
    t->anchor_utc_usec = now_utc_usec;
}

void fw_trust_step(struct fw_trust_state *t, int64_t old_utc_usec, int64_t new_utc_usec)
{
    if (new_utc_usec < old_utc_usec) {
        /* The sync that caused the step (if any) is observed afterwards and anchors
         * again; a witness still saying "synced" from before the step does not count. */
        t->anchor = FW_ANCHOR_NONE;
        t->synced_now = false;
        return;
    }
    if (t->anchor != FW_ANCHOR_NONE)
        t->anchor_utc_usec += new_utc_usec - old_utc_usec;
}

int64_t fw_trust_expires_at(const struct fw_trust_state *t)
{
    if (t->anchor == FW_ANCHOR_NONE)
        return INT64_MAX;
    if (t->anchor == FW_ANCHOR_SYNC && t->synced_now)
        return INT64_MAX; /* renewed at every observation while synced */
    if (t->anchor_utc_usec > INT64_MAX - t->max_holdover_usec)
        return INT64_MAX;
    return t->anchor_utc_usec + t->max_holdover_usec;
}

enum fw_trust fw_trust_get(const struct fw_trust_state *t, int64_t now_utc_usec)
{
    if (t->anchor == FW_ANCHOR_NONE)
        return FW_TRUST_UNSYNCED;
    if (t->anchor == FW_ANCHOR_SYNC && t->synced_now)
        return FW_TRUST_SYNCED;
    if (now_utc_usec >= fw_trust_expires_at(t))
        return FW_TRUST_UNSYNCED;
    switch (t->anchor) {
    case FW_ANCHOR_SYNC:
        return FW_TRUST_HOLDOVER;
    case FW_ANCHOR_RTC:
        return FW_TRUST_RTC;
    case FW_ANCHOR_OPERATOR:
        return FW_TRUST_OPERATOR;
    case FW_ANCHOR_NONE:
        break;
    }
    return FW_TRUST_UNSYNCED;
}
