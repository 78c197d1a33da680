/* Glyph coverage: does the kiosk font draw every character a notice uses?
 *
 * For `loa check` (SPEC.md: "font covers the notice text"): it warns, naming the
 * characters, when the configured font lacks one. Text is NFC-normalised first (as the
 * renderer does), so a decomposed "ệ" is checked as the one precomposed letter the screen
 * will draw. Whitespace and control characters are not checked.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct kiosk_glyph_checker;

/**
 * Open font_path for checking. Returns 0 and *ret, -ENOENT when the font cannot be
 * opened, -EIO when SDL2_ttf cannot start, -ENOMEM.
 */
int kiosk_glyph_checker_new(const char *font_path, struct kiosk_glyph_checker **ret);

/** Free; accepts NULL; returns NULL. */
struct kiosk_glyph_checker *kiosk_glyph_checker_free(struct kiosk_glyph_checker *c);

/**
 * The distinct code points of utf8 (NFC; invalid UTF-8 is repaired first) the font lacks,
 * in order of first appearance: up to cap of them into ret_missing (may be NULL when cap
 * is 0), and how many there are in all into *ret_n. Returns 0 or -ENOMEM.
 */
int kiosk_glyph_checker_missing(struct kiosk_glyph_checker *c, const char *utf8,
                                uint32_t *ret_missing, size_t cap, size_t *ret_n);

/** One-shot: kiosk_glyph_checker_new + _missing + _free. Same returns. */
int kiosk_font_missing_glyphs(const char *font_path, const char *utf8, uint32_t *ret_missing,
                              size_t cap, size_t *ret_n);

/** Format code point cp as "'x' (U+0078)" into buf (>= 24 bytes). Returns buf. */
char *kiosk_glyph_describe(uint32_t cp, char *buf, size_t size);
