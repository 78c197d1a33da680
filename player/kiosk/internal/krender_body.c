/* The body of a notice, an airing announcement and an emergency (see krender.h). */
#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <SDL2/SDL_ttf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kimage.h"
#include "krender.h"

static void notice_geometry(const struct kiosk_renderer *r, bool image, bool has_words,
                            struct notice_geom *g)
{
    struct kiosk_box in = kr_body_inner(r);
    memset(g, 0, sizeof *g);
    g->text = in;
    if (!image)
        return;
    g->has_image = true;
    if (!has_words) {
        g->image = in;
        g->text.w = 0;
        return;
    }
    if (in.w * 10 >= in.h * 13) { /* landscape: image on the right, 40 % */
        int iw = in.w * 2 / 5;
        g->image = (struct kiosk_box){in.x + in.w - iw, in.y, iw, in.h};
        g->text.w = in.w - iw - r->margin;
    } else { /* portrait: image on top, 38 % */
        int ih = in.h * 38 / 100;
        g->image = (struct kiosk_box){in.x, in.y, in.w, ih};
        g->text.y = in.y + ih + r->margin;
        g->text.h = in.h - ih - r->margin;
    }
}

static struct ktext_fit_spec notice_spec(const struct kiosk_renderer *r, struct kiosk_box box,
                                         const char *title, const char *text)
{
    int s = r->short_side;
    return (struct ktext_fit_spec){
        .title = title,
        .text = text,
        .box_w = box.w,
        .box_h = box.h,
        .min_px = r->min_px,
        .max_px = s / 11 > r->min_px ? s / 11 : r->min_px,
        .max_title_px = s / 9 > r->min_px ? s / 9 : r->min_px,
        .max_title_lines = r->lh > r->lw ? 4 : 3,
    };
}

/* ---- notices: pages and image usability, cached per content -------------------- */

uint64_t kr_notice_key(const struct kiosk_notice *n)
{
    uint64_t h = kr_hash_str(0, n->title);
    h = kr_hash_str(h, n->text);
    h = kr_hash_str(h, n->image_path);
    return h ? h : 1;
}

static struct page_entry *notice_entry(struct kiosk_renderer *r, const struct kiosk_notice *n)
{
    uint64_t key = kr_notice_key(n);
    for (size_t i = 0; i < r->n_pages; i++)
        if (r->pages[i].key == key)
            return &r->pages[i];

    struct page_entry e = {.key = key, .pages = 1};
    if (n->image_path && *n->image_path) {
        struct loa_diag d = {0};
        if (kimage_probe(n->image_path, &d) == 0)
            e.image_ok = true;
        else
            kr_warn_once(r, &d, n->image_path);
    }
    char *title = ktext_nfc(n->title);
    char *text = ktext_nfc(n->text);
    bool words = (title && *title) || (text && *text);
    struct notice_geom g;
    notice_geometry(r, e.image_ok, words, &g);
    if (words) {
        struct ktext_fit_spec spec = notice_spec(r, g.text, title, text);
        const struct ktext_block *b;
        if (kr_fit_cached(r, &spec, 0, &b) == 0)
            e.pages = b->n_pages;
    }
    free(title);
    free(text);

    /* A library is tens of notices; a runaway set of edits should not grow forever. */
    if (r->n_pages >= 1024)
        r->n_pages = 0;
    if (r->n_pages == r->cap_pages) {
        size_t cap = r->cap_pages ? r->cap_pages * 2 : 32;
        struct page_entry *np = realloc(r->pages, cap * sizeof *np);
        if (!np)
            return NULL;
        r->pages = np;
        r->cap_pages = cap;
    }
    r->pages[r->n_pages] = e;
    return &r->pages[r->n_pages++];
}

unsigned kiosk_renderer_notice_pages(struct kiosk_renderer *r, const struct kiosk_notice *n)
{
    struct page_entry *e = notice_entry(r, n);
    return e ? e->pages : 1;
}

/* ---- airing and emergency bodies ------------------------------------------------ */

#define AIRING_LABEL "ĐANG PHÁT TRÊN LOA"
#define EMERGENCY_LABEL "THÔNG BÁO KHẨN CẤP"

static int airing_label_px(const struct kiosk_renderer *r)
{
    return r->min_px;
}

static struct kiosk_box airing_text_box(struct kiosk_renderer *r)
{
    struct kiosk_box in = kr_body_inner(r);
    int lh = kr_skip_of(r, r->bold, airing_label_px(r)) + r->margin / 2;
    in.y += lh;
    in.h -= lh;
    return in;
}

static int emergency_label_px(const struct kiosk_renderer *r)
{
    int px = r->short_side * 7 / 100;
    return px > r->min_px ? px : r->min_px;
}

static struct kiosk_box emergency_text_box(struct kiosk_renderer *r)
{
    int m = r->margin * 2;
    int top = m + kr_skip_of(r, r->bold, emergency_label_px(r)) + r->margin;
    return (struct kiosk_box){m, top, r->lw - 2 * m, r->lh - top - m};
}

static struct ktext_fit_spec emergency_spec(const struct kiosk_renderer *r, struct kiosk_box box,
                                            const char *title, const char *text)
{
    int s = r->short_side;
    int max_px = s / 9 > r->min_px ? s / 9 : r->min_px;
    return (struct ktext_fit_spec){
        .title = title,
        .text = text,
        .box_w = box.w,
        .box_h = box.h,
        .min_px = r->min_px,
        .max_px = max_px,
        .max_title_px = s / 6 > r->min_px ? s / 6 : r->min_px,
        .max_title_lines = 4,
    };
}

/* Fit the airing's title and text for its screen kind. */
int kr_airing_fit(struct kiosk_renderer *r, const struct kiosk_content *c, bool emergency,
                  const struct ktext_block **ret)
{
    char *title = ktext_nfc(c->airing.title ? c->airing.title : "");
    char *text = ktext_nfc(c->airing.text);
    struct ktext_fit_spec spec;
    int rc;
    if (!title) {
        free(text);
        return -ENOMEM;
    }
    if (emergency) {
        spec = emergency_spec(r, emergency_text_box(r), title, text);
    } else {
        spec = notice_spec(r, airing_text_box(r), title, text);
    }
    rc = kr_fit_cached(r, &spec, emergency ? 2 : 1, ret);
    free(title);
    free(text);
    return rc;
}

/* Title lines, a rule, then the page's text lines of block b, in box. */
static void draw_block(struct kiosk_renderer *r, const struct ktext_block *b, const char *title,
                       const char *text, unsigned page, struct kiosk_box box, bool centre,
                       uint32_t title_rgb, uint32_t text_rgb, uint32_t rule_rgb,
                       struct region_rec *rec)
{
    int y = box.y;
    for (size_t i = 0; i < b->title.n; i++) {
        const struct ktext_line *l = &b->title.v[i];
        bool last_cut = b->title_cut && i + 1 == b->title.n;
        int x = centre ? box.x + (box.w - l->width) / 2 : box.x;
        kr_draw_text(r, r->bold, b->title_px, title + l->off, l->len, last_cut, x, y, title_rgb,
                     rec);
        y += b->title_skip;
    }
    if (b->title.n > 0 && b->text.n > 0 && rule_rgb != UINT32_MAX) {
        int th = r->short_side / 300 > 2 ? r->short_side / 300 : 2;
        int rw = centre ? box.w / 3 : box.w / 4;
        kr_fill(r->frame,
                (struct kiosk_box){centre ? box.x + (box.w - rw) / 2 : box.x, y + (b->gap - th) / 2,
                                   rw, th},
                rule_rgb);
    }
    y += b->gap;
    if (!b->page_start || b->text.n == 0)
        return;
    if (page >= b->n_pages)
        page = b->n_pages - 1;
    size_t from = b->page_start[page];
    size_t to = page + 1 < b->n_pages ? b->page_start[page + 1] : b->text.n;
    if (to > from + b->lines_per_page)
        to = from + b->lines_per_page;
    rec->body_px = b->text_px;
    for (size_t i = from; i < to; i++) {
        const struct ktext_line *l = &b->text.v[i];
        int x = centre ? box.x + (box.w - l->width) / 2 : box.x;
        kr_draw_text(r, r->reg, b->text_px, text + l->off, l->len, false, x, y, text_rgb, rec);
        y += b->text_skip;
    }
}

static void draw_image(struct kiosk_renderer *r, const char *path, struct kiosk_box box)
{
    if (!r->img || !r->img_path || strcmp(r->img_path, path) != 0 || r->img_w != box.w ||
        r->img_h != box.h) {
        SDL_FreeSurface(r->img);
        r->img = NULL;
        free(r->img_path);
        r->img_path = strdup(path);
        r->img_w = box.w;
        r->img_h = box.h;
        struct loa_diag d = {0};
        if (kimage_load_fit(path, box.w, box.h, &r->img, &d) < 0) {
            kr_warn_once(r, &d, path);
            r->img = NULL;
        }
    }
    if (!r->img)
        return;
    SDL_Rect dst = {box.x + (box.w - r->img->w) / 2, box.y + (box.h - r->img->h) / 2, r->img->w,
                    r->img->h};
    SDL_SetSurfaceBlendMode(r->img, SDL_BLENDMODE_BLEND);
    SDL_BlitSurface(r->img, NULL, r->frame, &dst);
    r->image = (struct kiosk_box){dst.x, dst.y, dst.w, dst.h};
}

int kr_draw_notice(struct kiosk_renderer *r, const struct kiosk_notice *n, unsigned page)
{
    struct page_entry *e = notice_entry(r, n);
    if (!e)
        return -ENOMEM;
    char *title = ktext_nfc(n->title);
    char *text = ktext_nfc(n->text);
    bool words = (title && *title) || (text && *text);
    struct notice_geom g;
    notice_geometry(r, e->image_ok, words, &g);
    if (g.has_image)
        draw_image(r, n->image_path, g.image);
    if (words) {
        struct ktext_fit_spec spec = notice_spec(r, g.text, title, text);
        const struct ktext_block *b;
        if (kr_fit_cached(r, &spec, 0, &b) == 0)
            draw_block(r, b, title ? title : "", text ? text : "", page, g.text, false, RGB_TITLE,
                       RGB_TEXT, RGB_TITLE, &r->rec_body);
    }
    free(title);
    free(text);
    return 0;
}

int kr_draw_airing(struct kiosk_renderer *r, const struct kiosk_content *c, unsigned page)
{
    const struct ktext_block *b;
    int rc = kr_airing_fit(r, c, false, &b);
    if (rc < 0)
        return rc;
    struct kiosk_box in = kr_body_inner(r);
    char *label = ktext_nfc(AIRING_LABEL);
    kr_draw_text(r, r->bold, airing_label_px(r), label, label ? strlen(label) : 0, false, in.x,
                 in.y, KIOSK_RGB_AIRING, &r->rec_body);
    free(label);
    char *title = ktext_nfc(c->airing.title ? c->airing.title : "");
    char *text = ktext_nfc(c->airing.text);
    draw_block(r, b, title ? title : "", text ? text : "", page, airing_text_box(r), false,
               KIOSK_RGB_AIRING, RGB_TEXT, KIOSK_RGB_AIRING, &r->rec_body);
    free(title);
    free(text);
    return 0;
}

int kr_draw_emergency(struct kiosk_renderer *r, const struct kiosk_content *c, unsigned page)
{
    const struct ktext_block *b;
    int rc = kr_airing_fit(r, c, true, &b);
    if (rc < 0)
        return rc;
    SDL_FillRect(r->frame, NULL, KIOSK_RGB_EMERGENCY);
    int lpx = emergency_label_px(r);
    char *label = ktext_nfc(EMERGENCY_LABEL);
    int lw = label ? kr_width_of(r, r->bold, lpx, label, strlen(label)) : 0;
    kr_draw_text(r, r->bold, lpx, label, label ? strlen(label) : 0, false, (r->lw - lw) / 2,
                 r->margin * 2, RGB_EMERGENCY_LABEL, &r->rec_body);
    free(label);
    char *title = ktext_nfc(c->airing.title ? c->airing.title : "");
    char *text = ktext_nfc(c->airing.text);
    struct kiosk_box box = emergency_text_box(r);
    /* Centre the block vertically when it is shorter than the box. */
    int used = (int)b->title.n * b->title_skip + b->gap;
    size_t lines = b->n_pages > 1 ? b->lines_per_page : b->text.n;
    used += (int)lines * b->text_skip;
    if (used < box.h) {
        box.y += (box.h - used) / 2;
        box.h = used;
    }
    draw_block(r, b, title ? title : "", text ? text : "", page, box, true, RGB_WHITE, RGB_WHITE,
               RGB_EMERGENCY_LABEL, &r->rec_body);
    free(title);
    free(text);
    return 0;
}
