/* Renderer helpers: hashes, font sizes, drawing text, the fitting cache (see krender.h). */
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

/* ---- small helpers --------------------------------------------------------- */

uint64_t kr_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    if (h == 0)
        h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t kr_hash_str(uint64_t h, const char *s)
{
    /* NULL and "" differ from each other and from any text. */
    if (!s)
        return kr_hash_bytes(h, "\x01", 1);
    return kr_hash_bytes(h, s, strlen(s) + 1);
}

uint64_t kr_hash_i64(uint64_t h, int64_t v)
{
    return kr_hash_bytes(h, &v, sizeof v);
}

void kr_set_px(struct kiosk_renderer *r, TTF_Font *f, int px)
{
    int *cur = f == r->bold ? &r->bold_px : &r->reg_px;
    if (*cur != px) {
        TTF_SetFontSize(f, px);
        *cur = px;
    }
}

int kr_skip_of(struct kiosk_renderer *r, TTF_Font *f, int px)
{
    if (!f)
        return px + px / 4;
    kr_set_px(r, f, px);
    return TTF_FontLineSkip(f);
}

int kr_height_of(struct kiosk_renderer *r, TTF_Font *f, int px)
{
    if (!f)
        return px + px / 5;
    kr_set_px(r, f, px);
    return TTF_FontHeight(f);
}

int kr_width_of(struct kiosk_renderer *r, TTF_Font *f, int px, const char *s, size_t len)
{
    if (!f)
        return 0;
    kr_set_px(r, f, px);
    return ktext_width(f, s, len);
}

void kr_fill(SDL_Surface *s, struct kiosk_box b, uint32_t rgb)
{
    SDL_Rect rc = {b.x, b.y, b.w, b.h};
    SDL_FillRect(s, &rc, rgb);
}

static void rec_add(struct region_rec *rec, struct kiosk_box b, int px)
{
    if (rec->n < KIOSK_LAYOUT_MAX_TEXT) {
        rec->box[rec->n] = b;
        rec->px[rec->n] = px;
        rec->n++;
    }
}

/* Draw s[0..len) (NFC) at (x, y) in colour rgb, appending "…" when asked. Returns the
 * width drawn. */
int kr_draw_text(struct kiosk_renderer *r, TTF_Font *f, int px, const char *s, size_t len,
                 bool ellipsis, int x, int y, uint32_t rgb, struct region_rec *rec)
{
    if (!f || (len == 0 && !ellipsis))
        return 0;
    char stackbuf[512];
    char *buf = stackbuf;
    size_t need = len + 4;
    if (need > sizeof stackbuf) {
        buf = malloc(need);
        if (!buf)
            return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (ellipsis)
        strcat(buf, "\xE2\x80\xA6");
    kr_set_px(r, f, px);
    SDL_Color col = {(Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, 255};
    SDL_Surface *ts = TTF_RenderUTF8_Blended(f, buf, col);
    int w = 0;
    if (ts) {
        SDL_Rect dst = {x, y, ts->w, ts->h};
        SDL_BlitSurface(ts, NULL, r->frame, &dst);
        w = ts->w;
        rec_add(rec, (struct kiosk_box){x, y, ts->w, ts->h}, px);
        SDL_FreeSurface(ts);
    }
    if (buf != stackbuf)
        free(buf);
    return w;
}

void kr_warn_once(struct kiosk_renderer *r, const struct loa_diag *d, const char *path)
{
    for (size_t i = 0; i < r->n_warned; i++)
        if (strcmp(r->warned[i], path) == 0)
            return;
    char **nw = realloc(r->warned, (r->n_warned + 1) * sizeof *nw);
    if (!nw)
        return;
    r->warned = nw;
    r->warned[r->n_warned] = strdup(path);
    if (!r->warned[r->n_warned])
        return;
    r->n_warned++;
    loa_diag_list_push(&r->warnings, d);
}

const char *kr_commune_of(const struct kiosk_content *c)
{
    return c->identity.commune && *c->identity.commune ? c->identity.commune : "Loa";
}

/* The body's inner box (inside the margins). */
struct kiosk_box kr_body_inner(const struct kiosk_renderer *r)
{
    return (struct kiosk_box){r->margin, r->body.y + r->margin, r->lw - 2 * r->margin,
                              r->body.h - 2 * r->margin};
}

/* ---- fitting with a small cache ------------------------------------------------ */

int kr_fit_cached(struct kiosk_renderer *r, const struct ktext_fit_spec *spec, uint64_t salt,
                  const struct ktext_block **ret)
{
    uint64_t key = kr_hash_str(kr_hash_str(salt, spec->title), spec->text);
    int dims[6] = {spec->box_w,  spec->box_h,        spec->min_px,
                   spec->max_px, spec->max_title_px, spec->max_title_lines};
    key = kr_hash_bytes(key, dims, sizeof dims);
    if (key == 0)
        key = 1;
    for (unsigned i = 0; i < FIT_CACHE; i++)
        if (r->fits[i].key == key) {
            *ret = &r->fits[i].block;
            return 0;
        }
    struct fit_entry *e = &r->fits[r->fit_next];
    r->fit_next = (r->fit_next + 1) % FIT_CACHE;
    ktext_block_clear(&e->block);
    e->key = 0;
    if (!r->reg) {
        /* Without a font nothing is measured: one page. */
        e->block.n_pages = 1;
    } else {
        int rc = ktext_fit(r->reg, r->bold, spec, &e->block);
        /* ktext_fit resized the fonts behind our back. */
        r->reg_px = r->bold_px = -1;
        if (rc < 0)
            return rc;
    }
    e->key = key;
    *ret = &e->block;
    return 0;
}
