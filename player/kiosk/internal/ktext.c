/* Text measuring, wrapping, fitting and paging (see ktext.h). */
#include "ktext.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define ELLIPSIS "\xE2\x80\xA6" /* U+2026 */

char *ktext_nfc(const char *s)
{
    if (!s)
        return NULL;
    gchar *valid = g_utf8_make_valid(s, -1);
    gchar *nfc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFC);
    g_free(valid);
    if (!nfc)
        return NULL;
    /* Tabs become spaces; other control characters (CR included) would show as boxes. */
    char *w = nfc;
    for (const char *r = nfc; *r; r++) {
        unsigned char ch = (unsigned char)*r;
        if (ch == '\t')
            *w++ = ' ';
        else if (ch >= 0x20 || ch == '\n')
            *w++ = (char)ch;
    }
    *w = '\0';
    /* g_malloc is malloc since GLib 2.46, so callers free() it like any other string. */
    return nfc;
}

int ktext_width(TTF_Font *f, const char *s, size_t len)
{
    char stackbuf[512];
    char *buf = stackbuf;
    int w = 0;

    if (len == 0 || !f)
        return 0;
    if (len >= sizeof stackbuf) {
        buf = malloc(len + 1);
        if (!buf)
            return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (TTF_SizeUTF8(f, buf, &w, NULL) < 0)
        w = 0;
    if (buf != stackbuf)
        free(buf);
    return w;
}

void ktext_lines_clear(struct ktext_lines *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int push_line(struct ktext_lines *l, size_t off, size_t len, int width)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct ktext_line *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct ktext_line){.off = off, .len = len, .width = width};
    return 0;
}

/* How many bytes of the word s[0..len) fit max_w (at least one character). */
static size_t fitting_prefix(TTF_Font *f, const char *s, size_t len, int max_w)
{
    size_t best = (size_t)(g_utf8_next_char(s) - s);
    size_t lo = 1, hi = (size_t)g_utf8_strlen(s, (gssize)len);
    /* Largest character count whose prefix fits. */
    while (lo <= hi) {
        size_t mid = (lo + hi) / 2;
        size_t bytes = (size_t)(g_utf8_offset_to_pointer(s, (glong)mid) - s);
        if (ktext_width(f, s, bytes) <= max_w) {
            best = bytes;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best > len ? len : best;
}

static int wrap_paragraph(TTF_Font *f, const char *s, size_t a, size_t b, int max_w,
                          struct ktext_lines *out)
{
    bool have = false;
    size_t line_start = 0, line_end = 0;
    int line_w = 0;
    size_t pos = a;
    bool any = false;

    while (pos < b) {
        while (pos < b && s[pos] == ' ')
            pos++;
        if (pos >= b)
            break;
        size_t ws = pos, we = pos;
        while (we < b && s[we] != ' ')
            we++;
        any = true;
        size_t from = have ? line_start : ws;
        int w = ktext_width(f, s + from, we - from);
        if (w <= max_w) {
            if (!have)
                line_start = ws;
            have = true;
            line_end = we;
            line_w = w;
            pos = we;
            continue;
        }
        if (have) {
            if (push_line(out, line_start, line_end - line_start, line_w) < 0)
                return -ENOMEM;
            have = false;
            continue; /* the word starts the next line */
        }
        /* A single word wider than the line: break it between characters. */
        size_t keep = fitting_prefix(f, s + ws, we - ws, max_w);
        if (push_line(out, ws, keep, ktext_width(f, s + ws, keep)) < 0)
            return -ENOMEM;
        pos = ws + keep;
    }
    if (have)
        return push_line(out, line_start, line_end - line_start, line_w);
    if (!any)
        return push_line(out, a, 0, 0); /* an empty paragraph: a blank line */
    return 0;
}

int ktext_wrap(TTF_Font *f, const char *s, int max_w, struct ktext_lines *out)
{
    size_t n = strlen(s), i = 0;
    if (n == 0)
        return 0;
    for (;;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n;
        int rc = wrap_paragraph(f, s, i, end, max_w, out);
        if (rc < 0)
            return rc;
        if (!nl)
            break;
        i = end + 1;
    }
    /* Trailing blank lines only waste a page. */
    while (out->n > 0 && out->v[out->n - 1].len == 0)
        out->n--;
    return 0;
}

void ktext_ellipsize(TTF_Font *f, const char *s, size_t len, int max_w, size_t *ret_len,
                     bool *ret_cut)
{
    if (ktext_width(f, s, len) <= max_w) {
        *ret_len = len;
        *ret_cut = false;
        return;
    }
    int ell = ktext_width(f, ELLIPSIS, strlen(ELLIPSIS));
    size_t lo = 0, hi = (size_t)g_utf8_strlen(s, (gssize)len), best = 0;
    while (lo <= hi) {
        size_t mid = (lo + hi) / 2;
        size_t bytes = (size_t)(g_utf8_offset_to_pointer(s, (glong)mid) - s);
        if (bytes <= len && ktext_width(f, s, bytes) + ell <= max_w) {
            best = bytes;
            lo = mid + 1;
        } else {
            if (mid == 0)
                break;
            hi = mid - 1;
        }
    }
    while (best > 0 && s[best - 1] == ' ')
        best--;
    *ret_len = best;
    *ret_cut = true;
}

void ktext_block_clear(struct ktext_block *b)
{
    ktext_lines_clear(&b->title);
    ktext_lines_clear(&b->text);
    free(b->page_start);
    memset(b, 0, sizeof *b);
}

static int title_px_for(const struct ktext_fit_spec *spec, int px)
{
    int t = (px * 5 + 2) / 4;
    if (t > spec->max_title_px)
        t = spec->max_title_px;
    return t < spec->min_px ? spec->min_px : t;
}

/* Wrap title and text at the given sizes into b (cleared first). */
static int layout_at(TTF_Font *regular, TTF_Font *bold, const struct ktext_fit_spec *spec, int px,
                     int title_px, struct ktext_block *b)
{
    ktext_block_clear(b);
    b->text_px = px;
    b->title_px = title_px;
    if (spec->title && *spec->title) {
        TTF_SetFontSize(bold, title_px);
        b->title_skip = TTF_FontLineSkip(bold);
        if (ktext_wrap(bold, spec->title, spec->box_w, &b->title) < 0)
            return -ENOMEM;
    }
    TTF_SetFontSize(regular, px);
    b->text_skip = TTF_FontLineSkip(regular);
    if (spec->text && *spec->text && ktext_wrap(regular, spec->text, spec->box_w, &b->text) < 0)
        return -ENOMEM;
    b->gap = (b->title.n > 0 && b->text.n > 0) ? px / 2 : 0;
    return 0;
}

static int title_height(const struct ktext_block *b)
{
    return (int)b->title.n * b->title_skip;
}

static bool fits_one_page(const struct ktext_fit_spec *spec, const struct ktext_block *b)
{
    if ((int)b->title.n > spec->max_title_lines)
        return false;
    return title_height(b) + b->gap + (int)b->text.n * b->text_skip <= spec->box_h;
}

/* Keep the first `keep` title lines, the last one ending in "…" (title_cut). */
static void cut_title(TTF_Font *bold, const struct ktext_fit_spec *spec, struct ktext_block *b,
                      size_t keep)
{
    if (b->title.n <= keep || keep == 0)
        return;
    struct ktext_line *last = &b->title.v[keep - 1];
    size_t rest = strlen(spec->title) - last->off;
    size_t len;
    bool cut;
    ktext_ellipsize(bold, spec->title + last->off, rest, spec->box_w, &len, &cut);
    last->len = len;
    last->width = ktext_width(bold, spec->title + last->off, len) +
                  ktext_width(bold, ELLIPSIS, strlen(ELLIPSIS));
    b->title.n = keep;
    b->title_cut = true;
}

static int paginate(struct ktext_block *b, const struct ktext_fit_spec *spec)
{
    int avail = spec->box_h - title_height(b) - b->gap;
    size_t lpp = b->text_skip > 0 && avail > 0 ? (size_t)(avail / b->text_skip) : 1;
    if (lpp == 0)
        lpp = 1;
    b->lines_per_page = lpp;

    size_t max_pages = b->text.n / lpp + 2;
    b->page_start = calloc(max_pages, sizeof *b->page_start);
    if (!b->page_start)
        return -ENOMEM;
    b->n_pages = 0;
    size_t i = 0;
    do {
        /* A page never starts with a blank line. */
        while (i < b->text.n && b->text.v[i].len == 0)
            i++;
        b->page_start[b->n_pages++] = i;
        i += lpp;
    } while (i < b->text.n && b->n_pages < max_pages);
    return 0;
}

int ktext_fit(TTF_Font *regular, TTF_Font *bold, const struct ktext_fit_spec *spec,
              struct ktext_block *ret)
{
    struct ktext_block b = {0};
    int lo = spec->min_px, hi = spec->max_px < spec->min_px ? spec->min_px : spec->max_px;
    int best = -1;
    int rc;

    /* Largest size that fits on one page; taller text at larger sizes, so bisect. */
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        rc = layout_at(regular, bold, spec, mid, title_px_for(spec, mid), &b);
        if (rc < 0)
            goto fail;
        if (fits_one_page(spec, &b)) {
            best = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    if (best >= 0) {
        rc = layout_at(regular, bold, spec, best, title_px_for(spec, best), &b);
        if (rc < 0)
            goto fail;
        b.lines_per_page = b.text.n;
        b.page_start = calloc(1, sizeof *b.page_start);
        if (!b.page_start) {
            rc = -ENOMEM;
            goto fail;
        }
        b.n_pages = 1;
        *ret = b;
        return 0;
    }

    /* Paged at the minimum size. A long title shrinks to the minimum, then is cut so a
     * page keeps room for text. */
    rc = layout_at(regular, bold, spec, spec->min_px, title_px_for(spec, spec->min_px), &b);
    if (rc < 0)
        goto fail;
    if ((int)b.title.n > spec->max_title_lines) {
        rc = layout_at(regular, bold, spec, spec->min_px, spec->min_px, &b);
        if (rc < 0)
            goto fail;
    }
    TTF_SetFontSize(bold, b.title_px);
    if ((int)b.title.n > spec->max_title_lines)
        cut_title(bold, spec, &b, (size_t)spec->max_title_lines);
    /* At least one text line must fit below the title. */
    while (b.title.n > 1 && b.text.n > 0 && title_height(&b) + b.gap + b.text_skip > spec->box_h)
        cut_title(bold, spec, &b, b.title.n - 1);
    rc = paginate(&b, spec);
    if (rc < 0)
        goto fail;
    *ret = b;
    return 0;
fail:
    ktext_block_clear(&b);
    return rc;
}
