/* Internal: text measuring, wrapping, fitting and paging with SDL2_ttf.
 *
 * Everything works on NFC UTF-8 (ktext_nfc) so precomposed Vietnamese letters shape as
 * one glyph whatever form the official typed. Fonts are resized with TTF_SetFontSize;
 * sizes are pixels (SDL_ttf's points at 72 dpi).
 */
#pragma once

#include <SDL2/SDL_ttf.h>
#include <stdbool.h>
#include <stddef.h>

/** A NFC copy of s (invalid UTF-8 repaired), never NULL for non-NULL s; free() it.
 *  Returns NULL for NULL s or on allocation failure. */
char *ktext_nfc(const char *s);

/** Width in pixels of s[0..len) at the font's current size. */
int ktext_width(TTF_Font *f, const char *s, size_t len);

/** One wrapped line: a byte range of the source string. */
struct ktext_line {
    size_t off, len;
    int width;
};

struct ktext_lines {
    struct ktext_line *v;
    size_t n, cap;
};

void ktext_lines_clear(struct ktext_lines *l);

/**
 * Wrap s into lines no wider than max_w at the font's current size: paragraphs at
 * '\n', words at spaces, a word wider than a line broken between characters.
 * Appends to out. Returns 0 or -ENOMEM.
 */
int ktext_wrap(TTF_Font *f, const char *s, int max_w, struct ktext_lines *out);

/**
 * The longest prefix of s[0..len) that, followed by "…" when cut, fits max_w.
 * Writes the byte length to keep into *ret_len and whether it was cut.
 */
void ktext_ellipsize(TTF_Font *f, const char *s, size_t len, int max_w, size_t *ret_len,
                     bool *ret_cut);

/** A title + text block fitted to a box (see ktext_fit). */
struct ktext_block {
    int title_px, text_px;
    int title_skip, text_skip; /* line advance at those sizes */
    int gap; /* between title and text */
    struct ktext_lines title, text;
    bool title_cut; /* the title was shortened with "…" to max_title_lines */
    size_t lines_per_page; /* text lines on a page */
    size_t *page_start; /* first text line of each page */
    unsigned n_pages; /* >= 1 */
};

void ktext_block_clear(struct ktext_block *b);

struct ktext_fit_spec {
    const char *title; /* NFC; may be NULL */
    const char *text; /* NFC; may be NULL */
    int box_w, box_h;
    int min_px, max_px; /* text size range */
    int max_title_px; /* cap on the title's size */
    int max_title_lines; /* beyond this the title shrinks, then is cut */
};

/**
 * Find the largest text size in [min_px, max_px] at which title and text fit the box on
 * one page (title 1.25x the text, capped); if none, lay out at min_px and split the text
 * into pages of whole lines. Never below min_px. Returns 0 or -ENOMEM.
 */
int ktext_fit(TTF_Font *regular, TTF_Font *bold, const struct ktext_fit_spec *spec,
              struct ktext_block *ret);
