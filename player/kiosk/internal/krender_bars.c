/* The header (commune, weekday, date, clock) and the footer (see krender.h). */
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

/* ---- draw ------------------------------------------------------------------------ */

void kr_draw_header(struct kiosk_renderer *r, const struct kiosk_content *c, int64_t t)
{
    int32_t day = kiosk_lt_day(t);
    char date[16], hhmm[8], when[96];
    civil_format_date_vn(day, date, sizeof date);
    civil_format_hhmm(kiosk_lt_tod(t), hhmm, sizeof hhmm);
    snprintf(when, sizeof when, "%s, %s", civil_weekday_name_vi(civil_weekday(day)), date);
    char *commune = ktext_nfc(kr_commune_of(c));
    if (!commune)
        return;

    uint64_t key = kr_hash_str(kr_hash_str(kr_hash_str(0, commune), when), hhmm);
    key = kr_hash_i64(key, r->header_h);
    if (key == r->header_key) {
        free(commune);
        return;
    }
    r->header_key = key;
    r->rec_header.n = 0;
    kr_fill(r->frame, r->header, KIOSK_RGB_HEADER);

    const int px = r->header_px, m = r->margin;
    const int hs = kr_skip_of(r, r->bold, px);
    const int th = kr_height_of(r, r->bold, px);
    const int avail = r->lw - 2 * m;
    const int gap = kr_width_of(r, r->reg, px, "  ", 2);
    const int w_when = kr_width_of(r, r->reg, px, when, strlen(when));
    const int w_time = kr_width_of(r, r->bold, px, hhmm, strlen(hhmm));
    const bool two = r->header_h > hs + m;
    size_t keep;
    bool cut;

    if (!two) {
        int y = (r->header_h - th) / 2;
        int right = w_when + gap + w_time;
        kr_set_px(r, r->bold, px);
        if (r->bold)
            ktext_ellipsize(r->bold, commune, strlen(commune), avail - right - 2 * m, &keep, &cut);
        else
            keep = 0, cut = false;
        kr_draw_text(r, r->bold, px, commune, keep, cut, m, y, RGB_WHITE, &r->rec_header);
        int x = r->lw - m - right;
        kr_draw_text(r, r->reg, px, when, strlen(when), false, x, y, RGB_HEADER_SOFT,
                     &r->rec_header);
        kr_draw_text(r, r->bold, px, hhmm, strlen(hhmm), false, x + w_when + gap, y, RGB_WHITE,
                     &r->rec_header);
    } else {
        int y0 = m / 2 + (hs - th) / 2;
        kr_set_px(r, r->bold, px);
        if (r->bold)
            ktext_ellipsize(r->bold, commune, strlen(commune), avail, &keep, &cut);
        else
            keep = 0, cut = false;
        kr_draw_text(r, r->bold, px, commune, keep, cut, m, y0, RGB_WHITE, &r->rec_header);
        int y1 = y0 + hs;
        /* The date line: shorten the weekday part first if even that is too wide. */
        kr_set_px(r, r->reg, px);
        if (r->reg)
            ktext_ellipsize(r->reg, when, strlen(when), avail - gap - w_time, &keep, &cut);
        else
            keep = 0, cut = false;
        int w =
            kr_draw_text(r, r->reg, px, when, keep, cut, m, y1, RGB_HEADER_SOFT, &r->rec_header);
        kr_draw_text(r, r->bold, px, hhmm, strlen(hhmm), false, r->lw - m - w_time, y1, RGB_WHITE,
                     &r->rec_header);
        (void)w;
    }
    free(commune);
}

static void footer_text(const struct kiosk_content *c, const struct kiosk_view *v, char *buf,
                        size_t n, uint32_t *ret_bg)
{
    const int64_t t = v->t_lt_usec;
    *ret_bg = KIOSK_RGB_FOOTER;
    /* A banner is short-lived news (a USB import's result): it wins over the airing. */
    if (v->banner && c->banner.text) {
        snprintf(buf, n, "%s", c->banner.text);
        *ret_bg = KIOSK_RGB_BANNER;
        return;
    }
    if (c->airing.active) {
        snprintf(buf, n, "ĐANG PHÁT: %s", c->airing.title ? c->airing.title : "");
        *ret_bg = KIOSK_RGB_AIRING;
        return;
    }
    if (!c->next.present) {
        snprintf(buf, n, "Chưa có buổi phát sắp tới");
        return;
    }
    char hhmm[8], when[64], date[16];
    int32_t today = kiosk_lt_day(t);
    civil_format_hhmm(c->next.start_usec, hhmm, sizeof hhmm);
    if (c->next.day == today)
        snprintf(when, sizeof when, "hôm nay");
    else if (c->next.day == today + 1)
        snprintf(when, sizeof when, "ngày mai");
    else
        snprintf(when, sizeof when, "%s, %s", civil_weekday_name_vi(civil_weekday(c->next.day)),
                 civil_format_date_vn(c->next.day, date, sizeof date));
    snprintf(buf, n, "Buổi phát tiếp theo: %s, %s %s", c->next.name ? c->next.name : "", hhmm,
             when);
}

void kr_draw_footer(struct kiosk_renderer *r, const struct kiosk_content *c,
                    const struct kiosk_view *v)
{
    char raw[1024], pages[32] = "";
    uint32_t bg;
    footer_text(c, v, raw, sizeof raw, &bg);
    const bool airing = bg != KIOSK_RGB_FOOTER;
    if (v->n_pages > 1)
        snprintf(pages, sizeof pages, "Trang %u/%u", v->page + 1, v->n_pages);
    char *text = ktext_nfc(raw);
    if (!text)
        return;
    uint64_t key = kr_hash_str(kr_hash_str(kr_hash_i64(0, bg), text), pages);
    key = kr_hash_i64(key, r->footer.y);
    if (key == r->footer_key) {
        free(text);
        return;
    }
    r->footer_key = key;
    r->rec_footer.n = 0;
    kr_fill(r->frame, r->footer, bg);

    const int px = r->footer_px, m = r->margin;
    const int fs = kr_skip_of(r, r->bold, px);
    const int wp = kr_width_of(r, r->reg, px, pages, strlen(pages));
    const int full = r->lw - 2 * m;
    const int last_avail = full - (wp ? wp + 2 * m : 0);
    /* Two lines only where there is room for them and the text needs them. */
    const bool two =
        r->footer.h > fs + m && kr_width_of(r, r->bold, px, text, strlen(text)) > last_avail;
    const int lines = two ? 2 : 1;
    const int y0 =
        r->footer.y + (r->footer.h - lines * fs) / 2 + (fs - kr_height_of(r, r->bold, px)) / 2;
    size_t len = strlen(text), off = 0, keep = 0;
    bool cut = false;

    if (r->bold && two) {
        /* First line: as many words as fit; the rest goes on the second line. */
        struct ktext_lines wl = {0};
        kr_set_px(r, r->bold, px);
        if (ktext_wrap(r->bold, text, full, &wl) == 0 && wl.n > 1) {
            kr_draw_text(r, r->bold, px, text + wl.v[0].off, wl.v[0].len, false, m, y0, RGB_WHITE,
                         &r->rec_footer);
            off = wl.v[1].off;
        }
        ktext_lines_clear(&wl);
    }
    const int y = two && off > 0 ? y0 + fs : y0;
    kr_set_px(r, r->bold, px);
    if (r->bold)
        ktext_ellipsize(r->bold, text + off, len - off, off > 0 || !two ? last_avail : full, &keep,
                        &cut);
    kr_draw_text(r, r->bold, px, text + off, keep, cut, m, y, RGB_WHITE, &r->rec_footer);
    if (wp)
        kr_draw_text(r, r->reg, px, pages, strlen(pages), false, r->lw - m - wp, two ? y0 + fs : y0,
                     airing ? RGB_WHITE : RGB_FOOTER_SOFT, &r->rec_footer);
    free(text);
}
