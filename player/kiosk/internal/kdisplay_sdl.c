/* The SDL2 display: a window (fullscreen through KMSDRM on the board) fed with the
 * renderer's frames through the window surface, no GPU renderer of our own: a frame
 * changes at most a few times a minute, so a software blit is all it needs and keeps
 * the process small. */
#include <SDL2/SDL.h>
#include <SDL2/SDL_syswm.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LOA_KIOSK_HAVE_DRM
#include <xf86drm.h>
#include <xf86drmMode.h>
#endif

#include "kdisplay.h"

struct sdl_display {
    SDL_Window *win;
    char name[64];
    int w, h;
};

static int sdl_open(const struct kiosk_display_config *cfg, void **ret_priv, struct loa_diag *note,
                    struct loa_diag *err)
{
    /* The caller's main loop owns the signals (SIGTERM must close proof periods). */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", SDL_GetError());
        /* No X, no Wayland, no DRM device: draw into SDL's dummy window so the kiosk
         * still runs (and snapshots, proof of display and the loop are exercised). */
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
        if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0)
            return loa_diag_set(err, -ENODEV, LOA_SEV_ERROR, NULL, 0, "no display: %s (%s)", why,
                                SDL_GetError());
        loa_diag_set(note, 0, LOA_SEV_WARNING, NULL, 0,
                     "no display (%s); using SDL's dummy video driver", why);
    }
    struct sdl_display *s = calloc(1, sizeof *s);
    if (!s) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return -ENOMEM;
    }
    /* A dummy or offscreen "screen" has no size of its own: keep the configured one. */
    const char *vd = SDL_GetCurrentVideoDriver();
    bool headless = vd && (strcmp(vd, "dummy") == 0 || strcmp(vd, "offscreen") == 0);
    Uint32 flags = SDL_WINDOW_SHOWN;
    if (cfg->fullscreen && !headless)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    s->win = SDL_CreateWindow(cfg->title ? cfg->title : "Loa", SDL_WINDOWPOS_CENTERED,
                              SDL_WINDOWPOS_CENTERED, cfg->width, cfg->height, flags);
    if (!s->win) {
        int rc = loa_diag_set(err, -ENODEV, LOA_SEV_ERROR, NULL, 0, "cannot open a window: %s",
                              SDL_GetError());
        free(s);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return rc;
    }
    if (flags & SDL_WINDOW_FULLSCREEN_DESKTOP)
        SDL_ShowCursor(SDL_DISABLE);
    SDL_GetWindowSize(s->win, &s->w, &s->h);
    snprintf(s->name, sizeof s->name, "sdl:%s", SDL_GetCurrentVideoDriver());
    *ret_priv = s;
    return 0;
}

static void sdl_close(void *priv)
{
    struct sdl_display *s = priv;
    if (!s)
        return;
    if (s->win)
        SDL_DestroyWindow(s->win);
    free(s);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

static const char *sdl_describe(void *priv)
{
    struct sdl_display *s = priv;
    return s->name;
}

static void sdl_size(void *priv, int *ret_w, int *ret_h)
{
    struct sdl_display *s = priv;
    *ret_w = s->w;
    *ret_h = s->h;
}

static int sdl_present(void *priv, const uint32_t *pixels, int w, int h, int pitch)
{
    struct sdl_display *s = priv;
    SDL_Surface *ws = SDL_GetWindowSurface(s->win);
    if (!ws)
        return -EIO;
    if (pixels == ws->pixels) {
        /* Drawn in place (sdl_framebuffer): nothing to copy. */
        return SDL_UpdateWindowSurface(s->win) < 0 ? -EIO : 0;
    }
    SDL_Surface *src = SDL_CreateRGBSurfaceWithFormatFrom((void *)pixels, w, h, 32, pitch,
                                                          SDL_PIXELFORMAT_XRGB8888);
    if (!src)
        return -ENOMEM;
    int rc;
    if (ws->w == w && ws->h == h) {
        rc = SDL_BlitSurface(src, NULL, ws, NULL);
    } else {
        /* Letterbox a frame of another size (a window the user resized). */
        SDL_FillRect(ws, NULL, SDL_MapRGB(ws->format, 0, 0, 0));
        int dw = ws->w, dh = (int)((int64_t)h * ws->w / w);
        if (dh > ws->h) {
            dh = ws->h;
            dw = (int)((int64_t)w * ws->h / h);
        }
        SDL_Rect dst = {(ws->w - dw) / 2, (ws->h - dh) / 2, dw, dh};
        rc = SDL_BlitScaled(src, NULL, ws, &dst);
    }
    SDL_FreeSurface(src);
    if (rc < 0 || SDL_UpdateWindowSurface(s->win) < 0)
        return -EIO;
    return 0;
}

static int sdl_framebuffer(void *priv, uint32_t **ret_pixels, int *ret_w, int *ret_h,
                           int *ret_pitch)
{
    struct sdl_display *s = priv;
    SDL_Surface *ws = SDL_GetWindowSurface(s->win);
    /* Both are 0x??RRGGBB in a 32-bit word; the window ignores the top byte. */
    if (!ws || (ws->format->format != SDL_PIXELFORMAT_XRGB8888 &&
                ws->format->format != SDL_PIXELFORMAT_ARGB8888))
        return -EOPNOTSUPP;
    *ret_pixels = ws->pixels;
    *ret_w = ws->w;
    *ret_h = ws->h;
    *ret_pitch = ws->pitch;
    return 0;
}

#ifdef LOA_KIOSK_HAVE_DRM
/* Legacy DPMS property on every connected connector, through SDL's own DRM fd (it holds
 * DRM master, which setting the property needs). */
static int drm_dpms(struct sdl_display *s, bool on)
{
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!SDL_GetWindowWMInfo(s->win, &info) || info.subsystem != SDL_SYSWM_KMSDRM)
        return -EOPNOTSUPP;
    int fd = info.info.kmsdrm.drm_fd;
    drmModeRes *res = drmModeGetResources(fd);
    if (!res)
        return -EIO;
    int rc = -ENODEV;
    for (int i = 0; i < res->count_connectors; i++) {
        drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);
        if (!c)
            continue;
        for (int p = 0; c->connection == DRM_MODE_CONNECTED && p < c->count_props; p++) {
            drmModePropertyRes *prop = drmModeGetProperty(fd, c->props[p]);
            if (prop && strcmp(prop->name, "DPMS") == 0 &&
                drmModeConnectorSetProperty(fd, c->connector_id, prop->prop_id,
                                            on ? DRM_MODE_DPMS_ON : DRM_MODE_DPMS_OFF) == 0)
                rc = 0;
            drmModeFreeProperty(prop);
        }
        drmModeFreeConnector(c);
    }
    drmModeFreeResources(res);
    return rc;
}
#endif

static int sdl_set_power(void *priv, bool on)
{
#ifdef LOA_KIOSK_HAVE_DRM
    return drm_dpms(priv, on);
#else
    (void)priv;
    (void)on;
    return -EOPNOTSUPP;
#endif
}

static int sdl_pump(void *priv)
{
    struct sdl_display *s = priv;
    SDL_Event ev;
    int out = KIOSK_PUMP_NOTHING;
    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
        case SDL_QUIT:
            out = KIOSK_PUMP_QUIT;
            break;
        case SDL_KEYDOWN:
            if (ev.key.keysym.sym == SDLK_ESCAPE)
                out = KIOSK_PUMP_QUIT;
            break;
        case SDL_WINDOWEVENT:
            if (ev.window.event == SDL_WINDOWEVENT_EXPOSED ||
                ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
                SDL_GetWindowSize(s->win, &s->w, &s->h);
                if (out == KIOSK_PUMP_NOTHING)
                    out = KIOSK_PUMP_REPAINT;
            }
            break;
        default:
            break;
        }
    }
    return out;
}

const struct kdisplay_ops kdisplay_sdl_ops = {
    .name = "sdl",
    .open = sdl_open,
    .close = sdl_close,
    .describe = sdl_describe,
    .size = sdl_size,
    .present = sdl_present,
    .framebuffer = sdl_framebuffer,
    .set_power = sdl_set_power,
    .pump = sdl_pump,
};
