/* Glyph coverage for `loa check`: the configured font draws every character used. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "kiosk_glyphs.h"
#include "kiosk_test_util.h"

static void test_vietnamese_covered(void)
{
    uint32_t miss[8];
    size_t n = 99;
    const char *vi = "Đường dây nóng 389: phát hiện hàng giả, hàng lậu — “gọi ngay”! ắằẳẵặ ỹỷỵ";
    g_assert_cmpint(kiosk_font_missing_glyphs(TEST_FONT, vi, miss, 8, &n), ==, 0);
    g_assert_cmpuint(n, ==, 0);
    /* Decomposed input is checked as the precomposed letters the screen draws. */
    char *nfd = g_utf8_normalize(vi, -1, G_NORMALIZE_NFD);
    g_assert_cmpint(kiosk_font_missing_glyphs(TEST_FONT, nfd, miss, 8, &n), ==, 0);
    g_assert_cmpuint(n, ==, 0);
    g_free(nfd);
    g_assert_cmpint(kiosk_font_missing_glyphs(TEST_FONT, NULL, miss, 8, &n), ==, 0);
    g_assert_cmpuint(n, ==, 0);
}

static void test_missing_reported(void)
{
    uint32_t miss[2];
    size_t n = 0;
    /* CJK and an emoji are not in Noto Sans; each named once, in order of appearance. */
    const char *s = "Hà Nội 河内 河内 \xF0\x9F\x93\x9E ☎";
    g_assert_cmpint(kiosk_font_missing_glyphs(TEST_FONT, s, miss, 2, &n), ==, 0);
    g_assert_cmpuint(n, >=, 3);
    g_assert_cmphex(miss[0], ==, 0x6CB3);
    g_assert_cmphex(miss[1], ==, 0x5185);
    char buf[32];
    g_assert_cmpstr(kiosk_glyph_describe(0x6CB3, buf, sizeof buf), ==, "'河' (U+6CB3)");

    struct kiosk_glyph_checker *c = NULL;
    g_assert_cmpint(kiosk_glyph_checker_new(TEST_FONT, &c), ==, 0);
    g_assert_cmpint(kiosk_glyph_checker_missing(c, "abc", NULL, 0, &n), ==, 0);
    g_assert_cmpuint(n, ==, 0);
    g_assert_cmpint(kiosk_glyph_checker_missing(c, "\xF0\x9F\x93\x9E", NULL, 0, &n), ==, 0);
    g_assert_cmpuint(n, ==, 1);
    kiosk_glyph_checker_free(c);
}

static void test_no_font(void)
{
    size_t n;
    g_assert_cmpint(kiosk_font_missing_glyphs("/nonexistent.ttf", "x", NULL, 0, &n), ==, -ENOENT);
    /* A file that is not a font. */
    g_assert_cmpint(kiosk_font_missing_glyphs("/etc/hostname", "x", NULL, 0, &n), ==, -ENOENT);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_require_fonts();
    g_test_add_func("/kiosk/glyphs/vietnamese-covered", test_vietnamese_covered);
    g_test_add_func("/kiosk/glyphs/missing-reported", test_missing_reported);
    g_test_add_func("/kiosk/glyphs/no-font", test_no_font);
    return g_test_run();
}
