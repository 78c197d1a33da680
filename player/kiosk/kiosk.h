/* The live kiosk: content + renderer + display driver + proof of display.
 *
 * `loa kiosk` owns one. Whoever feeds it (the plan in firmware today, the daemon over
 * the control socket later, see kiosk_feed.h) sets content with kiosk_set_*() (each
 * makes its own copies) and calls kiosk_update() whenever content changed or the time
 * it returned has come. The kiosk redraws only when the picture changes (the clock's
 * minute, a rotation slot or page, an airing, screen_off) and reports proof-of-display
 * periods to the sink given at creation.
 *
 * Times are local timeline microseconds (kiosk_types.h). Single-threaded: call
 * everything from the thread that created it (SDL's rule).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "kiosk_display.h"
#include "kiosk_proof.h"
#include "kiosk_render.h"
#include "kiosk_types.h"

struct kiosk_config {
    struct kiosk_render_config render; /* size, rotation, fonts */
    struct kiosk_display_config display; /* driver, fullscreen, title; size from render */
    struct kiosk_proof_sink proof; /* may be all NULL: records are dropped */
};

struct kiosk;

/**
 * Create a kiosk: open the display (falling back as kiosk_display_open() says) and a
 * renderer at the display's size (a fullscreen window takes the screen's size).
 * Warnings (font fallback, no display) are appended to diags (may be NULL).
 * Returns 0 and *ret, or a negative errno with an error in diags.
 */
int kiosk_new(const struct kiosk_config *cfg, struct kiosk **ret, struct loa_diag_list *diags);

/** Free the kiosk (call kiosk_shutdown() first to close proof periods); accepts NULL;
 *  returns NULL. */
struct kiosk *kiosk_free(struct kiosk *k);

/* ---- content (copied; each returns 0 or -ENOMEM and leaves the old value on error) -- */

int kiosk_set_identity(struct kiosk *k, const struct kiosk_identity *id);
/** The library's notices, in rotation order. */
int kiosk_set_notices(struct kiosk *k, const struct kiosk_notice *notices, size_t n);
/** kiosk.rotate_seconds and kiosk.screen_off from loa.cfg. */
int kiosk_set_settings(struct kiosk *k, int rotate_seconds, const struct kiosk_screen_off *so);
/** "Lịch phát hôm nay" for local date day. */
int kiosk_set_schedule(struct kiosk *k, int32_t day, const struct kiosk_schedule_line *lines,
                       size_t n);
/** What airs now; NULL (or !active) when nothing does. */
int kiosk_set_airing(struct kiosk *k, const struct kiosk_airing *a);
/** The next session for the footer; NULL (or !present) when none is known. */
int kiosk_set_next_session(struct kiosk *k, const struct kiosk_next_session *next);
/** A footer banner shown until b->until_lt_usec (kiosk_update schedules the redraw at
 *  its end); a new one replaces the old; NULL or empty text removes it. */
int kiosk_set_banner(struct kiosk *k, const struct kiosk_banner *b);

/** The content as the kiosk holds it (borrowed; valid until the next kiosk_set_*()). */
const struct kiosk_content *kiosk_content(const struct kiosk *k);

/* ---- driving ---------------------------------------------------------------------- */

/**
 * Bring the screen to what shows at now: redraw and present when the picture changed,
 * power the display off or on at screen_off edges, feed proof of display.
 * Writes the next instant it needs to be called again (a picture change, the hour for
 * proof records) to *ret_next (may be NULL). Returns 0 or a negative errno.
 */
int kiosk_update(struct kiosk *k, int64_t now_lt_usec, int64_t *ret_next);

/** Handle window events. Returns KIOSK_PUMP_QUIT when the user closed the window;
 *  re-presents the frame when the window asks for it. */
int kiosk_pump(struct kiosk *k);

/** Close every open proof period at now (shutdown). Call once, before kiosk_free(). */
void kiosk_shutdown(struct kiosk *k, int64_t now_lt_usec);

/** The view of the last update (zeroed before the first). */
const struct kiosk_view *kiosk_last_view(const struct kiosk *k);

/** The renderer (for snapshots of the live frame, tests). */
struct kiosk_renderer *kiosk_get_renderer(struct kiosk *k);

/** The display driver in use ("null", "sdl:kmsdrm", ...). */
const char *kiosk_display_driver(const struct kiosk *k);

struct kiosk_stats {
    uint64_t updates; /* kiosk_update calls */
    uint64_t redraws; /* frames drawn and presented */
};

void kiosk_get_stats(const struct kiosk *k, struct kiosk_stats *ret);
