/* The null display: frames go nowhere (MPD's null output, mpv's ao_null). */
#include <errno.h>
#include <stdlib.h>

#include "kdisplay.h"

struct null_display {
    int w, h;
    bool on;
};

static int null_open(const struct kiosk_display_config *cfg, void **ret_priv, struct loa_diag *note,
                     struct loa_diag *err)
{
    (void)note;
    (void)err;
    struct null_display *n = calloc(1, sizeof *n);
    if (!n)
        return -ENOMEM;
    n->w = cfg->width;
    n->h = cfg->height;
    n->on = true;
    *ret_priv = n;
    return 0;
}

static void null_close(void *priv)
{
    free(priv);
}

static const char *null_describe(void *priv)
{
    (void)priv;
    return "null";
}

static void null_size(void *priv, int *ret_w, int *ret_h)
{
    struct null_display *n = priv;
    *ret_w = n->w;
    *ret_h = n->h;
}

static int null_present(void *priv, const uint32_t *pixels, int w, int h, int pitch)
{
    (void)priv;
    (void)pixels;
    (void)w;
    (void)h;
    (void)pitch;
    return 0;
}

static int null_set_power(void *priv, bool on)
{
    struct null_display *n = priv;
    n->on = on;
    return 0;
}

static int null_pump(void *priv)
{
    (void)priv;
    return KIOSK_PUMP_NOTHING;
}

const struct kdisplay_ops kdisplay_null_ops = {
    .name = "null",
    .open = null_open,
    .close = null_close,
    .describe = null_describe,
    .size = null_size,
    .present = null_present,
    .set_power = null_set_power,
    .pump = null_pump,
};
