/* Display driver dispatch (see kiosk_display.h). */
#include "kiosk_display.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal/kdisplay.h"

struct kiosk_display {
    const struct kdisplay_ops *ops;
    void *priv;
    uint64_t frames;
};

int kiosk_display_open(const struct kiosk_display_config *cfg, struct kiosk_display **ret,
                       struct loa_diag *note, struct loa_diag *err)
{
    const char *drv = cfg->driver ? cfg->driver : "auto";
    const struct kdisplay_ops *ops;
    bool fallback = false;
    int rc;

    if (strcmp(drv, "null") == 0)
        ops = &kdisplay_null_ops;
    else if (strcmp(drv, "sdl") == 0)
        ops = &kdisplay_sdl_ops;
    else if (strcmp(drv, "auto") == 0) {
        ops = &kdisplay_sdl_ops;
        fallback = true;
    } else
        return loa_diag_set(err, -EINVAL, LOA_SEV_ERROR, NULL, 0, "unknown display driver '%s'",
                            drv);

    struct kiosk_display *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    rc = ops->open(cfg, &d->priv, note, err);
    if (rc < 0 && fallback) {
        /* The screen is a convenience; the kiosk still computes and proves what it
         * would show, so a missing display never stops it. */
        if (note && err)
            loa_diag_set(note, 0, LOA_SEV_WARNING, NULL, 0, "%s; no display, frames are dropped",
                         err->msg);
        ops = &kdisplay_null_ops;
        rc = ops->open(cfg, &d->priv, NULL, err);
    }
    if (rc < 0) {
        free(d);
        return rc;
    }
    d->ops = ops;
    *ret = d;
    return 0;
}

struct kiosk_display *kiosk_display_close(struct kiosk_display *d)
{
    if (!d)
        return NULL;
    if (d->ops)
        d->ops->close(d->priv);
    free(d);
    return NULL;
}

const char *kiosk_display_name(const struct kiosk_display *d)
{
    return d->ops->describe(d->priv);
}

void kiosk_display_size(const struct kiosk_display *d, int *ret_w, int *ret_h)
{
    d->ops->size(d->priv, ret_w, ret_h);
}

int kiosk_display_present(struct kiosk_display *d, const uint32_t *pixels, int w, int h, int pitch)
{
    int rc = d->ops->present(d->priv, pixels, w, h, pitch);
    if (rc >= 0)
        d->frames++;
    return rc;
}

int kiosk_display_framebuffer(struct kiosk_display *d, uint32_t **ret_pixels, int *ret_w,
                              int *ret_h, int *ret_pitch)
{
    if (!d->ops->framebuffer)
        return -EOPNOTSUPP;
    return d->ops->framebuffer(d->priv, ret_pixels, ret_w, ret_h, ret_pitch);
}

int kiosk_display_set_power(struct kiosk_display *d, bool on)
{
    return d->ops->set_power(d->priv, on);
}

int kiosk_display_pump(struct kiosk_display *d)
{
    return d->ops->pump(d->priv);
}

uint64_t kiosk_display_frames(const struct kiosk_display *d)
{
    return d->frames;
}
