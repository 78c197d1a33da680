/* Kiosk display drivers: where finished frames go (DESIGN.md "player": drivers in an
 * ops table, a null driver shipped in the product).
 *
 *   sdl   an SDL2 window (fullscreen on the board through KMSDRM, no X needed; a window
 *         under X11/Wayland on a desktop; SDL's dummy driver when there is no display).
 *         Screen off = DRM DPMS off on KMSDRM; elsewhere the window just shows black.
 *   null  accepts frames and does nothing (tests, benchmarks, a kiosk without screen).
 *
 * SDL must be driven from the thread that opened the display.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

struct kiosk_display_config {
    const char *driver; /* "sdl", "null", or "auto" (sdl, else null); NULL = "auto" */
    int width, height; /* wanted size; fullscreen takes the screen's own */
    bool fullscreen;
    const char *title; /* window title */
};

struct kiosk_display;

/**
 * Open a display. For "sdl" with no usable video device, SDL's dummy video driver is
 * used instead and *note (may be NULL) says so; "auto" falls back to "null" if even that
 * fails. Returns 0 and *ret, or a negative errno with a message in *err (may be NULL).
 */
int kiosk_display_open(const struct kiosk_display_config *cfg, struct kiosk_display **ret,
                       struct loa_diag *note, struct loa_diag *err);

/** Close; accepts NULL; returns NULL. */
struct kiosk_display *kiosk_display_close(struct kiosk_display *d);

/** "null", or "sdl:<video driver>" ("sdl:kmsdrm", "sdl:x11", "sdl:dummy"). */
const char *kiosk_display_name(const struct kiosk_display *d);

/** The size frames should have (the window's, which fullscreen may change). */
void kiosk_display_size(const struct kiosk_display *d, int *ret_w, int *ret_h);

/**
 * The display's own framebuffer, when frames can be drawn straight into it (32-bit xRGB;
 * the SDL window surface): writes its pixels, size and pitch. Presenting those very
 * pixels then costs no copy. Valid until kiosk_display_pump() reports a repaint.
 * Returns 0 or -EOPNOTSUPP.
 */
int kiosk_display_framebuffer(struct kiosk_display *d, uint32_t **ret_pixels, int *ret_w,
                              int *ret_h, int *ret_pitch);

/** Show an XRGB8888 frame (scaled, letterboxed when its size differs; no copy when it is
 *  the display's framebuffer). Returns 0 or a negative errno. */
int kiosk_display_present(struct kiosk_display *d, const uint32_t *pixels, int w, int h, int pitch);

/** Power the panel on or off (DPMS where the driver can). Returns 0, or -EOPNOTSUPP when
 *  the driver can only blank (the caller has already drawn black). */
int kiosk_display_set_power(struct kiosk_display *d, bool on);

enum {
    KIOSK_PUMP_NOTHING = 0,
    KIOSK_PUMP_REPAINT = 1, /* the window was exposed or resized: present again */
    KIOSK_PUMP_QUIT = 2, /* the window was closed or Escape pressed */
};

/** Handle pending window-system events without blocking. Returns a KIOSK_PUMP_* value. */
int kiosk_display_pump(struct kiosk_display *d);

/** Frames presented so far. */
uint64_t kiosk_display_frames(const struct kiosk_display *d);
