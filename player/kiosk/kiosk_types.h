/* What the kiosk shows, as plain structs: the kiosk's own input model.
 *
 * The renderer and the rotation know nothing of libconfig, playlists or the daemon:
 * firmware maps the media structs (or the daemon's messages) onto these. Every
 * pointer here is borrowed; whoever fills a struct keeps the strings alive while the
 * kiosk uses it (struct kiosk in kiosk.h makes its own copies).
 *
 * Time: the kiosk works on the *local timeline*, an int64_t count of microseconds
 * named *_lt_usec = day number * CIVIL_USEC_PER_DAY + time of day (civil.h), in the
 * device's time zone. Rotation, paging and proof of display are functions of it, so
 * what shows at a local date and time is the same on any host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "civil.h"

/** Local timeline instant of local date `day` at time of day `tod_usec`. */
static inline int64_t kiosk_lt(int32_t day, int64_t tod_usec)
{
    return (int64_t)day * CIVIL_USEC_PER_DAY + tod_usec;
}

/** Local date of a local timeline instant (floor division). */
static inline int32_t kiosk_lt_day(int64_t lt_usec)
{
    int64_t d = lt_usec / CIVIL_USEC_PER_DAY;
    if (lt_usec % CIVIL_USEC_PER_DAY < 0)
        d--;
    return (int32_t)d;
}

/** Time of day of a local timeline instant, in [0, CIVIL_USEC_PER_DAY). */
static inline int64_t kiosk_lt_tod(int64_t lt_usec)
{
    int64_t r = lt_usec % CIVIL_USEC_PER_DAY;
    return r < 0 ? r + CIVIL_USEC_PER_DAY : r;
}

/* Default seconds per page when the config gives none (SPEC.md's example value). */
#define KIOSK_DEFAULT_ROTATE_SECONDS 12

/** One notice from a playlist's `notices` list (SPEC.md "Playlist"). */
struct kiosk_notice {
    const char *id; /* unique across the library, non-empty */
    const char *title; /* UTF-8 (normalised to NFC before shaping) */
    const char *text; /* UTF-8, may be NULL or empty */
    const char *image_path; /* absolute path, NULL when none */
    int seconds; /* per page; <= 0 means kiosk_content.rotate_seconds */
    int32_t from_day; /* inclusive; INT32_MIN when open */
    int32_t until_day; /* inclusive; INT32_MAX when open */
    uint8_t days; /* weekday mask, bit 0 Monday; 0 means every day */
    bool has_hours;
    int64_t hours_start_usec; /* daily window [start, end), may wrap midnight */
    int64_t hours_end_usec;
};

/** Who the screen belongs to (loa.cfg `device`). */
struct kiosk_identity {
    const char *commune; /* "Phường Văn Quán" */
    const char *district; /* may be NULL */
    const char *province; /* may be NULL */
};

enum kiosk_line_kind {
    KIOSK_LINE_SESSION = 0, /* a session heading: name, start-end */
    KIOSK_LINE_ITEM = 1, /* an airing inside the session above */
};

/** One row of the built-in "Lịch phát hôm nay" page. */
struct kiosk_schedule_line {
    enum kiosk_line_kind kind;
    int64_t start_usec; /* time of day */
    int64_t end_usec; /* time of day */
    const char *title; /* session name or item title */
};

/** What the loudspeakers air right now (from the daemon, or the plan for snapshots). */
struct kiosk_airing {
    bool active;
    const char *title;
    const char *text; /* shown in the body while it airs; NULL or "" keeps the rotation */
    bool emergency; /* fills the whole screen, even in screen_off hours */
    int64_t start_lt_usec; /* its pages (rotate_seconds each) count from here */
};

/** The next session with something planned, for the footer when nothing airs. */
struct kiosk_next_session {
    bool present;
    const char *name; /* session name, "Buổi chiều" */
    int32_t day;
    int64_t start_usec; /* time of day */
};

/** Daily screen-off window (loa.cfg kiosk.screen_off). */
struct kiosk_screen_off {
    bool enabled;
    int64_t start_usec, end_usec; /* [start, end), may wrap midnight */
};

/* Longest banner text accepted (bytes of UTF-8); longer messages are refused. */
#define KIOSK_BANNER_MAX 512

/** A short message for the footer (e.g. the result of a USB import), shown instead of
 *  the next session or "ĐANG PHÁT" until its time passes (not over an emergency or
 *  screen_off). */
struct kiosk_banner {
    const char *text; /* UTF-8, one line; NULL or "" when none */
    int64_t until_lt_usec; /* shown while t < until */
};

/** Is banner b shown at local timeline instant t? */
static inline bool kiosk_banner_at(const struct kiosk_banner *b, int64_t t_lt_usec)
{
    return b->text && *b->text && t_lt_usec < b->until_lt_usec;
}

/** Everything the kiosk needs to decide and draw what shows. */
struct kiosk_content {
    struct kiosk_identity identity;
    const struct kiosk_notice *notices; /* library order: the rotation order */
    size_t n_notices;
    int rotate_seconds; /* the schedule page's seconds and the notices' default; <= 0: 12 */
    struct kiosk_screen_off screen_off;
    int32_t schedule_day; /* the date `schedule` describes */
    const struct kiosk_schedule_line *schedule;
    size_t n_schedule;
    struct kiosk_airing airing;
    struct kiosk_next_session next;
    struct kiosk_banner banner;
};
