/* Internal: the display drivers' ops table (kiosk_display.h is the public face). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kiosk_display.h"

struct kdisplay_ops {
    const char *name;
    /* Returns 0 and the driver's state in *ret_priv, or a negative errno (with *err). */
    int (*open)(const struct kiosk_display_config *cfg, void **ret_priv, struct loa_diag *note,
                struct loa_diag *err);
    void (*close)(void *priv);
    const char *(*describe)(void *priv);
    void (*size)(void *priv, int *ret_w, int *ret_h);
    int (*present)(void *priv, const uint32_t *pixels, int w, int h, int pitch);
    /* NULL when frames cannot be drawn in place. */
    int (*framebuffer)(void *priv, uint32_t **ret_pixels, int *ret_w, int *ret_h, int *ret_pitch);
    int (*set_power)(void *priv, bool on);
    int (*pump)(void *priv);
};

extern const struct kdisplay_ops kdisplay_null_ops;
extern const struct kdisplay_ops kdisplay_sdl_ops;
