/* The kiosk renderer: decides what the screen shows at a moment and draws it into a
 * software surface that knows no window (SPEC.md "The kiosk", DESIGN.md "player").
 *
 * Layout, at the logical size (width and height swapped for rotation 90/270; the
 * frame is then rotated clockwise into the physical one):
 *   header  commune name | weekday, dd/mm/yyyy, HH:MM (two lines when narrow)
 *   body    notice title + text auto-fitted and wrapped (never below 1/20 of the short
 *           side; longer text split into pages), optional image letterboxed beside or
 *           above it; the built-in "Lịch phát hôm nay"; an airing announcement's text
 *   footer  a banner while one is due (kiosk_banner), else "ĐANG PHÁT: <title>" while
 *           something airs, else the next session; the page number when a notice has
 *           several
 * An emergency airing fills the whole screen in red (even in screen_off hours); during
 * screen_off hours the frame is black and the view says the display should be off.
 * All text is NFC-normalised before shaping, so NFD input draws the same pixels.
 *
 * Pixels are XRGB8888 (0x00RRGGBB in a uint32_t). No SDL type appears here; the
 * renderer needs SDL2_ttf and SDL2_image but not SDL's video subsystem.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "kiosk_rotation.h"
#include "kiosk_types.h"

/* The default face when the configured one cannot be opened (fonts-noto-core). */
#define KIOSK_DEFAULT_FONT "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"

struct kiosk_render_config {
    int width, height; /* physical pixels; each side 100..8192 */
    int rotation; /* 0, 90, 180 or 270 degrees clockwise */
    const char *font_path; /* regular face; NULL: KIOSK_DEFAULT_FONT */
    const char *bold_font_path; /* NULL: the "-Bold" sibling of font_path, else synthetic */
};

enum kiosk_screen {
    KIOSK_SCREEN_OFF = 0, /* screen_off hours: black, display off */
    KIOSK_SCREEN_NOTICE = 1, /* a page of a notice */
    KIOSK_SCREEN_SCHEDULE = 2, /* a page of "Lịch phát hôm nay" */
    KIOSK_SCREEN_AIRING = 3, /* the text of the announcement on air */
    KIOSK_SCREEN_EMERGENCY = 4, /* full-screen emergency */
};

/** Name of a screen kind ("off", "notice", "schedule", "airing", "emergency"). */
const char *kiosk_screen_name(enum kiosk_screen s);

/** What shows at one moment (kiosk_renderer_compose). */
struct kiosk_view {
    enum kiosk_screen screen;
    int64_t t_lt_usec;
    bool display_on; /* false only for KIOSK_SCREEN_OFF: the driver powers the panel off */
    struct kiosk_slot slot; /* the rotation's slot at t (it runs on beneath airings) */
    unsigned page, n_pages; /* of what the body shows (notice, schedule or airing text) */
    bool banner; /* the footer shows content.banner (kiosk_banner_at, and a footer drawn) */
    int64_t next_change_lt_usec; /* the next instant the picture may change by itself:
                                    the clock's minute, the rotation, a page, screen_off,
                                    a banner's end */
};

/** Do two views draw the same picture (same screen, content page and clock minute)? */
bool kiosk_view_same_picture(const struct kiosk_view *a, const struct kiosk_view *b);

struct kiosk_renderer;

/**
 * Create a renderer. Opens the fonts (a missing configured font falls back to
 * KIOSK_DEFAULT_FONT, then to drawing without text, each with a warning in *warnings,
 * which may be NULL) and allocates the frame.
 * Returns 0 and *ret, -EINVAL for a size or rotation out of range, -ENOMEM, or -EIO when
 * SDL2_ttf cannot start.
 */
int kiosk_renderer_new(const struct kiosk_render_config *cfg, struct kiosk_renderer **ret,
                       struct loa_diag_list *warnings);

/** Free a renderer; accepts NULL; returns NULL. */
struct kiosk_renderer *kiosk_renderer_free(struct kiosk_renderer *r);

/** The smallest body text size in pixels (ceil of the short side / 20). */
int kiosk_renderer_min_text_px(const struct kiosk_renderer *r);

/** Logical size (after undoing the rotation). */
void kiosk_renderer_logical_size(const struct kiosk_renderer *r, int *ret_w, int *ret_h);

/** Pages notice n takes at this size (>= 1). Cached per notice content. */
unsigned kiosk_renderer_notice_pages(struct kiosk_renderer *r, const struct kiosk_notice *n);

/** Pages "Lịch phát hôm nay" takes for c's schedule (>= 1). */
unsigned kiosk_renderer_schedule_pages(struct kiosk_renderer *r, const struct kiosk_content *c);

/**
 * Decide what shows at t for content c (pure in c, t and this renderer's size and
 * fonts). Writes *ret. Returns 0 or -ENOMEM.
 */
int kiosk_renderer_compose(struct kiosk_renderer *r, const struct kiosk_content *c,
                           int64_t t_lt_usec, struct kiosk_view *ret);

/**
 * Draw view v of content c into the frame. Regions whose content did not change since
 * the previous draw (header minute, body page, footer) are not redrawn. Images that
 * cannot be used add a warning (once per path) to the renderer's warnings.
 * Returns 0 or -ENOMEM.
 */
int kiosk_renderer_draw(struct kiosk_renderer *r, const struct kiosk_content *c,
                        const struct kiosk_view *v);

/** Forget what was drawn, so the next draw repaints every region. */
void kiosk_renderer_invalidate(struct kiosk_renderer *r);

/**
 * Draw the physical frame straight into the caller's buffer (width x height pixels of
 * 32-bit xRGB, `pitch` bytes a row, e.g. a window's framebuffer) instead of one of the
 * renderer's own: one full-screen buffer less. The buffer must outlive the renderer or
 * the next call; NULL goes back to an own buffer. Everything is redrawn at the next draw.
 * Returns 0, -EINVAL for a pitch too small, -ENOMEM.
 */
int kiosk_renderer_set_target(struct kiosk_renderer *r, uint32_t *pixels, int pitch);

/** The physical frame: XRGB8888, *ret_pitch bytes per row. Valid until the next draw. */
const uint32_t *kiosk_renderer_pixels(const struct kiosk_renderer *r, int *ret_w, int *ret_h,
                                      int *ret_pitch);

/** Write the physical frame as PNG. Returns 0 or -EIO with a message in *err. */
int kiosk_renderer_save_png(const struct kiosk_renderer *r, const char *path, struct loa_diag *err);

/** Warnings gathered while drawing (unusable images); the caller may print and clear it. */
struct loa_diag_list *kiosk_renderer_warnings(struct kiosk_renderer *r);

/* ---- Introspection for tests ----------------------------------------------- */

struct kiosk_box {
    int x, y, w, h;
};

#define KIOSK_LAYOUT_MAX_TEXT 256

/** Where the last draw put things, in logical coordinates. */
struct kiosk_layout {
    int logical_w, logical_h;
    struct kiosk_box header, body, footer; /* w == 0 when absent (emergency, off) */
    struct kiosk_box image; /* w == 0 when no image was drawn */
    size_t n_text; /* text lines drawn (all regions) */
    struct kiosk_box text[KIOSK_LAYOUT_MAX_TEXT];
    int text_px[KIOSK_LAYOUT_MAX_TEXT];
    int body_text_px; /* size of the body's text lines (0: none) */
    int smallest_px; /* smallest size drawn in this frame */
};

/** Copy the layout of the last draw into *ret. */
void kiosk_renderer_last_layout(const struct kiosk_renderer *r, struct kiosk_layout *ret);

/* Colours (XRGB) tests and docs refer to. */
#define KIOSK_RGB_HEADER 0x0D47A1u
#define KIOSK_RGB_BODY 0xFAFAF7u
#define KIOSK_RGB_FOOTER 0x263238u
#define KIOSK_RGB_AIRING 0xC62828u
#define KIOSK_RGB_BANNER 0xE65100u
#define KIOSK_RGB_EMERGENCY 0xB71C1Cu
#define KIOSK_RGB_OFF 0x000000u
