/* The kiosk renderer (see kiosk_render.h): life cycle, compose what shows, draw it into
 * a software surface, rotate it into the physical frame. The parts live in internal/
 * (krender.h). */
#include "kiosk_render.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <SDL2/SDL_ttf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal/krender.h"

/* ---- construction ------------------------------------------------------------ */

static void regions(struct kiosk_renderer *r);

static TTF_Font *open_font(const char *path, int px)
{
    if (!path || access(path, R_OK) != 0)
        return NULL;
    return TTF_OpenFont(path, px);
}

/* "…/NotoSans-Regular.ttf" -> "…/NotoSans-Bold.ttf"; NULL when the name has no
 * "Regular" to swap. */
static char *bold_sibling(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *reg = strstr(slash ? slash : path, "Regular");
    if (!reg)
        return NULL;
    size_t pre = (size_t)(reg - path);
    char *out = malloc(strlen(path) + 2);
    if (!out)
        return NULL;
    memcpy(out, path, pre);
    strcpy(out + pre, "Bold");
    strcat(out, reg + strlen("Regular"));
    return out;
}

int kiosk_renderer_new(const struct kiosk_render_config *cfg, struct kiosk_renderer **ret,
                       struct loa_diag_list *warnings)
{
    if (cfg->width < 100 || cfg->height < 100 || cfg->width > 8192 || cfg->height > 8192)
        return -EINVAL;
    if (cfg->rotation != 0 && cfg->rotation != 90 && cfg->rotation != 180 && cfg->rotation != 270)
        return -EINVAL;
    if (TTF_Init() < 0)
        return -EIO;

    struct kiosk_renderer *r = calloc(1, sizeof *r);
    if (!r) {
        TTF_Quit();
        return -ENOMEM;
    }
    r->w = cfg->width;
    r->h = cfg->height;
    r->rotation = cfg->rotation;
    bool sideways = cfg->rotation == 90 || cfg->rotation == 270;
    r->lw = sideways ? cfg->height : cfg->width;
    r->lh = sideways ? cfg->width : cfg->height;
    r->short_side = r->lw < r->lh ? r->lw : r->lh;
    r->min_px = (r->short_side + 19) / 20;
    r->margin = r->short_side / 30;
    r->header_px = r->short_side * 11 / 200 > r->min_px ? r->short_side * 11 / 200 : r->min_px;
    r->footer_px = r->min_px;

    const char *font = cfg->font_path ? cfg->font_path : KIOSK_DEFAULT_FONT;
    r->reg = open_font(font, r->min_px);
    if (!r->reg && cfg->font_path) {
        if (warnings)
            loa_diag_list_add(warnings, LOA_SEV_WARNING, cfg->font_path, 0,
                              "cannot open the kiosk font; using %s", KIOSK_DEFAULT_FONT);
        font = KIOSK_DEFAULT_FONT;
        r->reg = open_font(font, r->min_px);
    }
    if (!r->reg) {
        if (warnings)
            loa_diag_list_add(warnings, LOA_SEV_WARNING, font, 0,
                              "cannot open any font: the kiosk shows no text");
    } else {
        char *sib = cfg->bold_font_path ? NULL : bold_sibling(font);
        r->bold = open_font(cfg->bold_font_path ? cfg->bold_font_path : sib, r->min_px);
        free(sib);
        if (!r->bold) {
            /* No bold face: the regular one, emboldened by FreeType. */
            r->bold = TTF_OpenFont(font, r->min_px);
            if (r->bold)
                TTF_SetFontStyle(r->bold, TTF_STYLE_BOLD);
        }
        if (!r->bold) {
            kiosk_renderer_free(r);
            return -ENOMEM;
        }
        r->reg_px = r->bold_px = r->min_px;
    }

    r->frame = SDL_CreateRGBSurfaceWithFormat(0, r->lw, r->lh, 32, SDL_PIXELFORMAT_XRGB8888);
    if (r->frame && r->rotation != 0)
        r->phys = SDL_CreateRGBSurfaceWithFormat(0, r->w, r->h, 32, SDL_PIXELFORMAT_XRGB8888);
    if (!r->frame || (r->rotation != 0 && !r->phys)) {
        kiosk_renderer_free(r);
        return -ENOMEM;
    }
    SDL_FillRect(r->frame, NULL, KIOSK_RGB_OFF);
    if (r->phys)
        SDL_FillRect(r->phys, NULL, KIOSK_RGB_OFF);
    regions(r);
    *ret = r;
    return 0;
}

struct kiosk_renderer *kiosk_renderer_free(struct kiosk_renderer *r)
{
    if (!r)
        return NULL;
    for (unsigned i = 0; i < FIT_CACHE; i++)
        ktext_block_clear(&r->fits[i].block);
    if (r->reg)
        TTF_CloseFont(r->reg);
    if (r->bold)
        TTF_CloseFont(r->bold);
    SDL_FreeSurface(r->frame);
    SDL_FreeSurface(r->phys);
    SDL_FreeSurface(r->img);
    free(r->img_path);
    free(r->pages);
    free(r->rot_pages);
    for (size_t i = 0; i < r->n_warned; i++)
        free(r->warned[i]);
    free(r->warned);
    loa_diag_list_clear(&r->warnings);
    free(r);
    TTF_Quit();
    return NULL;
}

int kiosk_renderer_set_target(struct kiosk_renderer *r, uint32_t *pixels, int pitch)
{
    SDL_Surface *target = NULL;
    if (pixels) {
        if (pitch < r->w * 4)
            return -EINVAL;
        target = SDL_CreateRGBSurfaceWithFormatFrom(pixels, r->w, r->h, 32, pitch,
                                                    SDL_PIXELFORMAT_XRGB8888);
    } else {
        target = SDL_CreateRGBSurfaceWithFormat(0, r->w, r->h, 32, SDL_PIXELFORMAT_XRGB8888);
    }
    if (!target)
        return -ENOMEM;
    /* The physical frame is the logical one when not rotated, else the rotation's output. */
    SDL_Surface **slot = r->rotation == 0 ? &r->frame : &r->phys;
    SDL_FreeSurface(*slot);
    *slot = target;
    r->external = pixels != NULL;
    SDL_FillRect(target, NULL, KIOSK_RGB_OFF);
    kiosk_renderer_invalidate(r);
    return 0;
}

int kiosk_renderer_min_text_px(const struct kiosk_renderer *r)
{
    return r->min_px;
}

void kiosk_renderer_logical_size(const struct kiosk_renderer *r, int *ret_w, int *ret_h)
{
    *ret_w = r->lw;
    *ret_h = r->lh;
}

struct loa_diag_list *kiosk_renderer_warnings(struct kiosk_renderer *r)
{
    return &r->warnings;
}

const char *kiosk_screen_name(enum kiosk_screen s)
{
    switch (s) {
    case KIOSK_SCREEN_OFF:
        return "off";
    case KIOSK_SCREEN_NOTICE:
        return "notice";
    case KIOSK_SCREEN_SCHEDULE:
        return "schedule";
    case KIOSK_SCREEN_AIRING:
        return "airing";
    case KIOSK_SCREEN_EMERGENCY:
        return "emergency";
    }
    return "unknown";
}

/* ---- geometry ------------------------------------------------------------------ */

/* Header and footer heights depend only on the size, so a notice's pages do too: a
 * portrait screen is too narrow for the commune and the date on one line and gets two;
 * a landscape one keeps one line and shortens a very long commune name. */
static void regions(struct kiosk_renderer *r)
{
    bool one = r->lw >= r->lh;
    int hs = kr_skip_of(r, r->bold, r->header_px);
    r->header_h = (one ? hs : 2 * hs) + r->margin;
    /* The footer likewise: two lines in portrait, so the body never depends on what airs. */
    int fs = kr_skip_of(r, r->bold, r->footer_px);
    r->footer_h = (r->lh > r->lw ? 2 * fs : fs) + r->margin;
    r->header = (struct kiosk_box){0, 0, r->lw, r->header_h};
    r->footer = (struct kiosk_box){0, r->lh - r->footer_h, r->lw, r->footer_h};
    r->body = (struct kiosk_box){0, r->header_h, r->lw, r->lh - r->header_h - r->footer_h};
}

/* ---- compose ------------------------------------------------------------------ */

static int rotate_usec(const struct kiosk_content *c)
{
    return c->rotate_seconds > 0 ? c->rotate_seconds : KIOSK_DEFAULT_ROTATE_SECONDS;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int kiosk_renderer_compose(struct kiosk_renderer *r, const struct kiosk_content *c,
                           int64_t t_lt_usec, struct kiosk_view *ret)
{
    struct kiosk_view v = {.t_lt_usec = t_lt_usec, .display_on = true, .n_pages = 1};

    if (c->n_notices > r->cap_rot_pages) {
        unsigned *np = realloc(r->rot_pages, c->n_notices * sizeof *np);
        if (!np)
            return -ENOMEM;
        r->rot_pages = np;
        r->cap_rot_pages = c->n_notices;
    }
    for (size_t i = 0; i < c->n_notices; i++)
        r->rot_pages[i] = kiosk_renderer_notice_pages(r, &c->notices[i]);

    struct kiosk_rotation rot = {
        .notices = c->notices,
        .n_notices = c->n_notices,
        .notice_pages = r->rot_pages,
        .schedule_pages = kiosk_renderer_schedule_pages(r, c),
        .rotate_seconds = c->rotate_seconds,
    };
    kiosk_rotation_at(&rot, t_lt_usec, &v.slot);

    const int64_t per = (int64_t)rotate_usec(c) * CIVIL_USEC_PER_SEC;
    const bool off = kiosk_screen_off_at(&c->screen_off, t_lt_usec);
    const bool has_text = c->airing.text && *c->airing.text;
    int64_t next = (t_lt_usec / USEC_PER_MINUTE + 1) * USEC_PER_MINUTE;
    if (t_lt_usec < 0 && t_lt_usec % USEC_PER_MINUTE != 0)
        next -= USEC_PER_MINUTE;

    if (c->airing.active && (c->airing.emergency || (!off && has_text))) {
        const struct ktext_block *b;
        int rc = kr_airing_fit(r, c, c->airing.emergency, &b);
        if (rc < 0)
            return rc;
        v.screen = c->airing.emergency ? KIOSK_SCREEN_EMERGENCY : KIOSK_SCREEN_AIRING;
        v.n_pages = b->n_pages ? b->n_pages : 1;
        int64_t since = t_lt_usec - c->airing.start_lt_usec;
        if (since < 0)
            since = 0;
        v.page = (unsigned)((since / per) % v.n_pages);
        if (v.n_pages > 1)
            next = min64(next, c->airing.start_lt_usec + (since / per + 1) * per);
    } else if (off) {
        v.screen = KIOSK_SCREEN_OFF;
        v.display_on = false;
        next = INT64_MAX;
    } else {
        v.screen =
            v.slot.notice == KIOSK_SLOT_SCHEDULE ? KIOSK_SCREEN_SCHEDULE : KIOSK_SCREEN_NOTICE;
        v.page = v.slot.page;
        v.n_pages = v.slot.n_pages;
        next = min64(next, v.slot.end_lt_usec);
    }
    if (c->screen_off.enabled) {
        int32_t day = kiosk_lt_day(t_lt_usec);
        int64_t tod = kiosk_lt_tod(t_lt_usec);
        int64_t s = c->screen_off.start_usec, e = c->screen_off.end_usec;
        int64_t edge = kiosk_lt(day + 1, min64(s, e));
        if (s > tod)
            edge = min64(edge, kiosk_lt(day, s));
        if (e > tod)
            edge = min64(edge, kiosk_lt(day, e));
        next = min64(next, edge);
    }
    /* The banner is in the footer, which an emergency and screen_off do not draw. */
    if (kiosk_banner_at(&c->banner, t_lt_usec)) {
        v.banner = v.screen != KIOSK_SCREEN_OFF && v.screen != KIOSK_SCREEN_EMERGENCY;
        next = min64(next, c->banner.until_lt_usec);
    }
    v.next_change_lt_usec = next;
    *ret = v;
    return 0;
}

bool kiosk_view_same_picture(const struct kiosk_view *a, const struct kiosk_view *b)
{
    if (a->screen != b->screen)
        return false;
    if (a->screen == KIOSK_SCREEN_OFF)
        return true;
    if (a->page != b->page || a->n_pages != b->n_pages || a->banner != b->banner)
        return false;
    if (a->screen == KIOSK_SCREEN_NOTICE && a->slot.notice != b->slot.notice)
        return false;
    if (a->screen == KIOSK_SCREEN_EMERGENCY)
        return true;
    return a->t_lt_usec / USEC_PER_MINUTE == b->t_lt_usec / USEC_PER_MINUTE;
}

/* Copy the logical frame into the physical one, turned clockwise by the rotation. */
static void rotate_frame(struct kiosk_renderer *r)
{
    if (!r->phys)
        return;
    const uint32_t *src = r->frame->pixels;
    uint32_t *dst = r->phys->pixels;
    const size_t sp = (size_t)r->frame->pitch / 4, dp = (size_t)r->phys->pitch / 4;
    const int lw = r->lw, lh = r->lh;
    for (int y = 0; y < lh; y++) {
        const uint32_t *row = src + (size_t)y * sp;
        for (int x = 0; x < lw; x++) {
            int px, py;
            switch (r->rotation) {
            case 90:
                px = lh - 1 - y;
                py = x;
                break;
            case 180:
                px = lw - 1 - x;
                py = lh - 1 - y;
                break;
            default: /* 270 */
                px = y;
                py = lw - 1 - x;
                break;
            }
            dst[(size_t)py * dp + (size_t)px] = row[x];
        }
    }
}

void kiosk_renderer_invalidate(struct kiosk_renderer *r)
{
    r->header_key = r->body_key = r->footer_key = 0;
}

static uint64_t body_key_of(struct kiosk_renderer *r, const struct kiosk_content *c,
                            const struct kiosk_view *v)
{
    uint64_t h = kr_hash_i64(0, v->screen);
    h = kr_hash_i64(h, v->page);
    h = kr_hash_i64(h, r->body.y);
    h = kr_hash_i64(h, r->body.h);
    switch (v->screen) {
    case KIOSK_SCREEN_NOTICE: {
        const struct kiosk_notice *n = &c->notices[v->slot.notice];
        h = kr_hash_i64(h, (int64_t)kr_notice_key(n));
        break;
    }
    case KIOSK_SCREEN_SCHEDULE: {
        h = kr_hash_i64(h, (int64_t)kr_schedule_key(c));
        h = kr_hash_i64(h, c->schedule_day);
        /* Rows change colour as items pass and air. */
        int64_t tod = kiosk_lt_tod(v->t_lt_usec);
        bool today = c->schedule_day == kiosk_lt_day(v->t_lt_usec);
        for (size_t i = 0; i < c->n_schedule; i++) {
            const struct kiosk_schedule_line *l = &c->schedule[i];
            int state = !today ? 0 : l->end_usec <= tod ? 1 : l->start_usec <= tod ? 2 : 0;
            h = kr_hash_i64(h, state);
        }
        break;
    }
    default:
        h = kr_hash_str(kr_hash_str(h, c->airing.title), c->airing.text);
        break;
    }
    return h ? h : 1;
}

int kiosk_renderer_draw(struct kiosk_renderer *r, const struct kiosk_content *c,
                        const struct kiosk_view *v)
{
    int rc = 0;

    if (v->screen == KIOSK_SCREEN_OFF || v->screen == KIOSK_SCREEN_EMERGENCY) {
        kiosk_renderer_invalidate(r);
        r->rec_header.n = r->rec_footer.n = 0;
        r->rec_body = (struct region_rec){0};
        r->image = (struct kiosk_box){0};
        if (v->screen == KIOSK_SCREEN_OFF)
            SDL_FillRect(r->frame, NULL, KIOSK_RGB_OFF);
        else
            rc = kr_draw_emergency(r, c, v->page);
        rotate_frame(r);
        return rc;
    }

    kr_draw_header(r, c, v->t_lt_usec);
    kr_draw_footer(r, c, v);
    uint64_t key = body_key_of(r, c, v);
    if (key != r->body_key) {
        r->body_key = key;
        r->rec_body = (struct region_rec){0};
        r->image = (struct kiosk_box){0};
        kr_fill(r->frame, r->body, KIOSK_RGB_BODY);
        /* Nothing drawn for the body may leak into the header or footer. */
        SDL_Rect clip = {r->body.x, r->body.y, r->body.w, r->body.h};
        SDL_SetClipRect(r->frame, &clip);
        switch (v->screen) {
        case KIOSK_SCREEN_NOTICE:
            rc = kr_draw_notice(r, &c->notices[v->slot.notice], v->page);
            break;
        case KIOSK_SCREEN_SCHEDULE:
            rc = kr_draw_schedule(r, c, v->page, v->t_lt_usec);
            break;
        default:
            rc = kr_draw_airing(r, c, v->page);
            break;
        }
        SDL_SetClipRect(r->frame, NULL);
        if (rc < 0)
            r->body_key = 0;
    }
    rotate_frame(r);
    return rc;
}

const uint32_t *kiosk_renderer_pixels(const struct kiosk_renderer *r, int *ret_w, int *ret_h,
                                      int *ret_pitch)
{
    const SDL_Surface *s = r->phys ? r->phys : r->frame;
    *ret_w = s->w;
    *ret_h = s->h;
    *ret_pitch = s->pitch;
    return s->pixels;
}

int kiosk_renderer_save_png(const struct kiosk_renderer *r, const char *path, struct loa_diag *err)
{
    SDL_Surface *s = r->phys ? r->phys : r->frame;
    if (IMG_SavePNG(s, path) < 0)
        return loa_diag_set(err, -EIO, LOA_SEV_ERROR, path, 0, "cannot write PNG: %s",
                            IMG_GetError());
    return 0;
}

void kiosk_renderer_last_layout(const struct kiosk_renderer *r, struct kiosk_layout *ret)
{
    memset(ret, 0, sizeof *ret);
    ret->logical_w = r->lw;
    ret->logical_h = r->lh;
    bool regions_shown = r->rec_header.n > 0 || r->rec_footer.n > 0;
    if (regions_shown) {
        ret->header = r->header;
        ret->body = r->body;
        ret->footer = r->footer;
    }
    ret->image = r->image;
    const struct region_rec *recs[3] = {&r->rec_header, &r->rec_body, &r->rec_footer};
    ret->smallest_px = 0;
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < recs[k]->n && ret->n_text < KIOSK_LAYOUT_MAX_TEXT; i++) {
            ret->text[ret->n_text] = recs[k]->box[i];
            ret->text_px[ret->n_text] = recs[k]->px[i];
            if (ret->smallest_px == 0 || recs[k]->px[i] < ret->smallest_px)
                ret->smallest_px = recs[k]->px[i];
            ret->n_text++;
        }
    }
    ret->body_text_px = r->rec_body.body_px;
}
