/* Internal: the renderer's state and the helpers its parts share (kiosk_render.h is the
 * public face). Split by concern: kiosk_render.c (life cycle, compose, draw, output),
 * krender_util.c (text drawing, fitting cache, hashes), krender_body.c (notices, airing
 * and emergency screens), krender_schedule.c ("Lịch phát hôm nay"), krender_bars.c
 * (header and footer).
 */
#pragma once

#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>
#include <stdbool.h>
#include <stdint.h>

#include "kiosk_render.h"
#include "ktext.h"

#define USEC_PER_MINUTE (INT64_C(60) * CIVIL_USEC_PER_SEC)

/* Colours beyond the public ones. */
#define RGB_WHITE 0xFFFFFFu
#define RGB_HEADER_SOFT 0xE3F2FDu
#define RGB_TITLE 0x0D47A1u
#define RGB_TEXT 0x1B1B1Bu
#define RGB_MUTED 0x9E9E9Eu
#define RGB_TIME 0x546E7Au
#define RGB_NOW_BG 0xFFEBEEu
#define RGB_EMERGENCY_LABEL 0xFFEB3Bu
#define RGB_FOOTER_SOFT 0xB0BEC5u

/* Fitted text blocks kept (the notice on screen, its page count, the airing). */
#define FIT_CACHE 4

/* Text boxes drawn in one region, for kiosk_renderer_last_layout(). */
struct region_rec {
    size_t n;
    struct kiosk_box box[KIOSK_LAYOUT_MAX_TEXT];
    int px[KIOSK_LAYOUT_MAX_TEXT];
    int body_px;
};

/* A notice's page count and image usability at this renderer's size. */
struct page_entry {
    uint64_t key;
    unsigned pages;
    bool image_ok;
};

struct fit_entry {
    uint64_t key; /* 0 = empty */
    struct ktext_block block;
};

struct kiosk_renderer {
    int w, h, rotation;
    int lw, lh; /* logical */
    int short_side, min_px, margin;
    int header_px, footer_px;

    TTF_Font *reg, *bold;
    int reg_px, bold_px; /* current sizes, so TTF_SetFontSize (a cache flush) runs rarely */

    SDL_Surface *frame; /* logical */
    SDL_Surface *phys; /* physical, when rotated */
    bool external; /* the physical frame is the caller's buffer (set_target) */

    struct page_entry *pages;
    size_t n_pages, cap_pages;
    unsigned *rot_pages;
    size_t cap_rot_pages;
    uint64_t sched_key;
    unsigned sched_pages;
    uint64_t sched_px_key; /* the schedule whose text size was found */
    int sched_px;

    struct fit_entry fits[FIT_CACHE];
    unsigned fit_next;

    /* the scaled image of the notice on screen */
    char *img_path;
    int img_w, img_h;
    SDL_Surface *img;

    char **warned;
    size_t n_warned;
    struct loa_diag_list warnings;

    /* partial redraw */
    uint64_t header_key, body_key, footer_key;
    int header_h, footer_h;
    struct kiosk_box header, body, footer, image;
    struct region_rec rec_header, rec_body, rec_footer;
};

/* Where a notice's text and image go in the body. */
struct notice_geom {
    struct kiosk_box text, image;
    bool has_image;
};

/* ---- krender_util.c ---- */

/** FNV-1a over n bytes, continuing from h (0 starts afresh). */
uint64_t kr_hash_bytes(uint64_t h, const void *p, size_t n);
/** kr_hash_bytes over a string and its NUL; NULL hashes unlike any string. */
uint64_t kr_hash_str(uint64_t h, const char *s);
/** kr_hash_bytes over an integer. */
uint64_t kr_hash_i64(uint64_t h, int64_t v);
/** Size font f (regular or bold of r) to px, only when it is not already. */
void kr_set_px(struct kiosk_renderer *r, TTF_Font *f, int px);
/** Line advance, glyph box height and text width of f at px (estimates without a font). */
int kr_skip_of(struct kiosk_renderer *r, TTF_Font *f, int px);
int kr_height_of(struct kiosk_renderer *r, TTF_Font *f, int px);
int kr_width_of(struct kiosk_renderer *r, TTF_Font *f, int px, const char *s, size_t len);
/** Fill a logical box of surface s with an XRGB colour. */
void kr_fill(SDL_Surface *s, struct kiosk_box b, uint32_t rgb);
/** Draw s[0..len) (NFC), plus "…" when asked, at (x, y) of the logical frame in colour
 *  rgb, recording its box in rec. Returns the width drawn. */
int kr_draw_text(struct kiosk_renderer *r, TTF_Font *f, int px, const char *s, size_t len,
                 bool ellipsis, int x, int y, uint32_t rgb, struct region_rec *rec);
/** Add d to the renderer's warnings, once per path. */
void kr_warn_once(struct kiosk_renderer *r, const struct loa_diag *d, const char *path);
/** ktext_fit() through a small cache keyed on the spec (and salt). The block stays valid
 *  until FIT_CACHE other fits. Returns 0 or -ENOMEM. */
int kr_fit_cached(struct kiosk_renderer *r, const struct ktext_fit_spec *spec, uint64_t salt,
                  const struct ktext_block **ret);
/** The body inside its margins. */
struct kiosk_box kr_body_inner(const struct kiosk_renderer *r);
/** The commune's name, or "Loa" when the config gives none. */
const char *kr_commune_of(const struct kiosk_content *c);

/* ---- krender_body.c ---- */

/** What a notice's body depends on (title, text, image path). Never 0. */
uint64_t kr_notice_key(const struct kiosk_notice *n);
/** Fit the airing's title and text to its screen (emergency or body). */
int kr_airing_fit(struct kiosk_renderer *r, const struct kiosk_content *c, bool emergency,
                  const struct ktext_block **ret);
/** Draw page `page` of a notice, of the airing's text, or the emergency screen. Return 0 or
 *  -ENOMEM. */
int kr_draw_notice(struct kiosk_renderer *r, const struct kiosk_notice *n, unsigned page);
int kr_draw_airing(struct kiosk_renderer *r, const struct kiosk_content *c, unsigned page);
int kr_draw_emergency(struct kiosk_renderer *r, const struct kiosk_content *c, unsigned page);

/* ---- krender_schedule.c ---- */

/** What the schedule page's layout depends on. Never 0. */
uint64_t kr_schedule_key(const struct kiosk_content *c);
/** Draw page `page` of "Lịch phát hôm nay" as it looks at t (past rows muted, the row on
 *  air highlighted). Returns 0 or -ENOMEM. */
int kr_draw_schedule(struct kiosk_renderer *r, const struct kiosk_content *c, unsigned page,
                     int64_t t);

/* ---- krender_bars.c ---- */

/** Redraw the header for t and the footer for view v, each only if it changed. */
void kr_draw_header(struct kiosk_renderer *r, const struct kiosk_content *c, int64_t t);
void kr_draw_footer(struct kiosk_renderer *r, const struct kiosk_content *c,
                    const struct kiosk_view *v);
