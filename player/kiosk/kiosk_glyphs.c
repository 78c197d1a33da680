/* Glyph coverage (see kiosk_glyphs.h). */
#include "kiosk_glyphs.h"

#include <SDL2/SDL_ttf.h>
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal/ktext.h"

struct kiosk_glyph_checker {
    TTF_Font *font;
};

int kiosk_glyph_checker_new(const char *font_path, struct kiosk_glyph_checker **ret)
{
    if (!font_path || access(font_path, R_OK) != 0)
        return -ENOENT;
    if (TTF_Init() < 0)
        return -EIO;
    struct kiosk_glyph_checker *c = calloc(1, sizeof *c);
    if (!c) {
        TTF_Quit();
        return -ENOMEM;
    }
    c->font = TTF_OpenFont(font_path, 16);
    if (!c->font) {
        free(c);
        TTF_Quit();
        return -ENOENT;
    }
    *ret = c;
    return 0;
}

struct kiosk_glyph_checker *kiosk_glyph_checker_free(struct kiosk_glyph_checker *c)
{
    if (!c)
        return NULL;
    TTF_CloseFont(c->font);
    free(c);
    TTF_Quit();
    return NULL;
}

int kiosk_glyph_checker_missing(struct kiosk_glyph_checker *c, const char *utf8,
                                uint32_t *ret_missing, size_t cap, size_t *ret_n)
{
    size_t n = 0;
    if (!utf8) {
        *ret_n = 0;
        return 0;
    }
    char *nfc = ktext_nfc(utf8);
    if (!nfc)
        return -ENOMEM;
    GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (const char *p = nfc; *p; p = g_utf8_next_char(p)) {
        gunichar cp = g_utf8_get_char(p);
        if (g_unichar_isspace(cp) || g_unichar_iscntrl(cp))
            continue;
        if (TTF_GlyphIsProvided32(c->font, cp))
            continue;
        if (g_hash_table_contains(seen, GUINT_TO_POINTER(cp)))
            continue;
        g_hash_table_add(seen, GUINT_TO_POINTER(cp));
        if (n < cap && ret_missing)
            ret_missing[n] = cp;
        n++;
    }
    g_hash_table_destroy(seen);
    free(nfc);
    *ret_n = n;
    return 0;
}

int kiosk_font_missing_glyphs(const char *font_path, const char *utf8, uint32_t *ret_missing,
                              size_t cap, size_t *ret_n)
{
    struct kiosk_glyph_checker *c;
    int rc = kiosk_glyph_checker_new(font_path, &c);
    if (rc < 0)
        return rc;
    rc = kiosk_glyph_checker_missing(c, utf8, ret_missing, cap, ret_n);
    kiosk_glyph_checker_free(c);
    return rc;
}

char *kiosk_glyph_describe(uint32_t cp, char *buf, size_t size)
{
    char ch[8] = {0};
    g_unichar_to_utf8(cp, ch);
    snprintf(buf, size, "'%s' (U+%04X)", ch, (unsigned)cp);
    return buf;
}
