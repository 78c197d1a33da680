/* Rendering on SDL's dummy video driver, with real SDL2_ttf and SDL2_image: structural
 * assertions on every layout (regions, colours, text boxes inside the screen, sizes never
 * below the minimum), NFC = NFD byte for byte, long notices paged, emergency covering the
 * screen, screen off, images letterboxed or refused, determinism. */
#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk_render.h"
#include "kiosk_test_util.h"

#define TITLE "Đường dây nóng 389"
#define TEXT                                                                                                   \
    "Phát hiện hàng giả, hàng lậu, gian lận thương mại trên mạng, xin báo ngay cho Đội " \
    "Quản lý thị trường hoặc Công an phường. Mọi thông tin được giữ bí mật."

struct size {
    int w, h, rot;
};

static const struct size sizes[] = {
    {800, 480, 0},   {1280, 720, 0},   {1920, 1080, 0},
    {1080, 1920, 0}, {1920, 1080, 90}, {800, 480, 270},
};

static struct kiosk_schedule_line sched[] = {
    {KIOSK_LINE_SESSION, 6 * HOUR, 6 * HOUR + 30 * MINUTE, "Buổi sáng"},
    {KIOSK_LINE_ITEM, 6 * HOUR + 6 * SEC, 6 * HOUR + 35 * SEC,
     "Quy định pháp luật về thương mại điện tử"},
    {KIOSK_LINE_ITEM, 6 * HOUR + 38 * SEC, 6 * HOUR + 55 * SEC, "Mua hàng trực tuyến an toàn"},
    {KIOSK_LINE_SESSION, 17 * HOUR, 17 * HOUR + 30 * MINUTE, "Buổi chiều"},
    {KIOSK_LINE_ITEM, 17 * HOUR + 10 * MINUTE, 17 * HOUR + 11 * MINUTE,
     "Cảnh giác hàng giả khi mua hàng trên mạng"},
};

static struct kiosk_notice notices[2];

static struct kiosk_content content(void)
{
    notices[0] = test_notice("duong-day-nong", TITLE, TEXT, 15);
    notices[1] = test_notice("mua-hang", "Mua hàng trực tuyến an toàn",
                             "Chọn sàn thương mại điện tử uy tín. Không chuyển tiền trước.", 15);
    return (struct kiosk_content){
        .identity = {.commune = "Phường Văn Quán"},
        .notices = notices,
        .n_notices = 2,
        .rotate_seconds = 12,
        .screen_off = {true, 22 * HOUR, 5 * HOUR + 30 * MINUTE},
        .schedule_day = test_day(),
        .schedule = sched,
        .n_schedule = G_N_ELEMENTS(sched),
        .next = {true, "Buổi chiều", test_day(), 17 * HOUR},
    };
}

static struct kiosk_renderer *new_renderer(int w, int h, int rot)
{
    struct kiosk_render_config cfg = {w, h, rot, TEST_FONT, NULL};
    struct kiosk_renderer *r = NULL;
    struct loa_diag_list warn = {0};
    g_assert_cmpint(kiosk_renderer_new(&cfg, &r, &warn), ==, 0);
    g_assert_cmpuint(warn.n, ==, 0);
    loa_diag_list_clear(&warn);
    return r;
}

/* The physical pixel showing logical (x, y). */
static uint32_t logical_px(struct kiosk_renderer *r, int rot, int x, int y)
{
    int w, h, pitch, lw, lh;
    const uint32_t *px = kiosk_renderer_pixels(r, &w, &h, &pitch);
    kiosk_renderer_logical_size(r, &lw, &lh);
    int X = x, Y = y;
    if (rot == 90) {
        X = lh - 1 - y;
        Y = x;
    } else if (rot == 180) {
        X = lw - 1 - x;
        Y = lh - 1 - y;
    } else if (rot == 270) {
        X = y;
        Y = lw - 1 - x;
    }
    g_assert_cmpint(X, >=, 0);
    g_assert_cmpint(X, <, w);
    g_assert_cmpint(Y, >=, 0);
    g_assert_cmpint(Y, <, h);
    return px[(size_t)Y * (size_t)(pitch / 4) + (size_t)X] & 0xFFFFFFu;
}

/* Pixels of a logical box that differ from colour rgb. */
static size_t count_other(struct kiosk_renderer *r, int rot, struct kiosk_box b, uint32_t rgb)
{
    size_t n = 0;
    for (int y = b.y; y < b.y + b.h; y += 2)
        for (int x = b.x; x < b.x + b.w; x += 2)
            n += logical_px(r, rot, x, y) != rgb;
    return n;
}

static bool inside(struct kiosk_box in, struct kiosk_box out)
{
    return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w &&
           in.y + in.h <= out.y + out.h;
}

/* Draw c at t and check the regions: the structure every normal screen shares. */
static void check_screen(struct kiosk_renderer *r, int rot, const struct kiosk_content *c,
                         int64_t t, enum kiosk_screen want, uint32_t footer_rgb)
{
    struct kiosk_view v;
    struct kiosk_layout l;
    g_assert_cmpint(kiosk_renderer_compose(r, c, t, &v), ==, 0);
    g_assert_cmpint(v.screen, ==, want);
    g_assert_true(v.display_on);
    g_assert_cmpint(v.next_change_lt_usec, >, t);
    g_assert_cmpint(kiosk_renderer_draw(r, c, &v), ==, 0);
    kiosk_renderer_last_layout(r, &l);

    /* Regions stack and fill the screen. */
    g_assert_cmpint(l.header.y, ==, 0);
    g_assert_cmpint(l.body.y, ==, l.header.h);
    g_assert_cmpint(l.footer.y, ==, l.body.y + l.body.h);
    g_assert_cmpint(l.footer.y + l.footer.h, ==, l.logical_h);
    g_assert_cmpint(l.body.h, >, l.logical_h / 2);

    /* Colours at the corners, where no text goes. */
    g_assert_cmphex(logical_px(r, rot, 1, 1), ==, KIOSK_RGB_HEADER);
    g_assert_cmphex(logical_px(r, rot, l.logical_w - 2, l.header.h - 2), ==, KIOSK_RGB_HEADER);
    g_assert_cmphex(logical_px(r, rot, 1, l.body.y + 1), ==, KIOSK_RGB_BODY);
    g_assert_cmphex(logical_px(r, rot, l.logical_w - 2, l.footer.y - 2), ==, KIOSK_RGB_BODY);
    g_assert_cmphex(logical_px(r, rot, 1, l.logical_h - 2), ==, footer_rgb);

    /* Every text box inside the screen and inside one region; each region has text. */
    size_t in_header = 0, in_body = 0, in_footer = 0;
    struct kiosk_box screen = {0, 0, l.logical_w, l.logical_h};
    g_assert_cmpuint(l.n_text, >, 3);
    for (size_t i = 0; i < l.n_text; i++) {
        g_assert_true(inside(l.text[i], screen));
        g_assert_cmpint(l.text[i].w, >, 0);
        g_assert_cmpint(l.text_px[i], >=, kiosk_renderer_min_text_px(r));
        if (inside(l.text[i], l.header))
            in_header++;
        else if (inside(l.text[i], l.body))
            in_body++;
        else if (inside(l.text[i], l.footer))
            in_footer++;
        else
            g_assert_not_reached();
    }
    g_assert_cmpuint(in_header, >=, 2);
    g_assert_cmpuint(in_body, >=, 1);
    g_assert_cmpuint(in_footer, >=, 1);
    g_assert_cmpint(l.smallest_px, >=, kiosk_renderer_min_text_px(r));
    g_assert_cmpint(l.body_text_px, >=, kiosk_renderer_min_text_px(r));

    /* Ink: text was really drawn in each region. */
    g_assert_cmpuint(count_other(r, rot, l.header, KIOSK_RGB_HEADER), >, 50);
    g_assert_cmpuint(count_other(r, rot, l.body, KIOSK_RGB_BODY), >, 500);
    g_assert_cmpuint(count_other(r, rot, l.footer, footer_rgb), >, 50);
}

/* The first instant at or after t that shows screen `want` (notice index or -1). */
static int64_t find_slot(struct kiosk_renderer *r, const struct kiosk_content *c, int64_t t,
                         int notice)
{
    for (int i = 0; i < 100; i++) {
        struct kiosk_view v;
        g_assert_cmpint(kiosk_renderer_compose(r, c, t, &v), ==, 0);
        if (v.slot.notice == notice)
            return t;
        t = v.slot.end_lt_usec;
    }
    g_assert_not_reached();
    return 0;
}

static void test_layouts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        const struct size *s = &sizes[i];
        struct kiosk_renderer *r = new_renderer(s->w, s->h, s->rot);
        struct kiosk_content c = content();
        int pw, ph, pitch;
        kiosk_renderer_pixels(r, &pw, &ph, &pitch);
        g_assert_cmpint(pw, ==, s->w);
        g_assert_cmpint(ph, ==, s->h);
        g_assert_cmpint(kiosk_renderer_min_text_px(r), ==, ((s->w < s->h ? s->w : s->h) + 19) / 20);

        int64_t t = find_slot(r, &c, test_at(10, 0, 0), 0);
        check_screen(r, s->rot, &c, t, KIOSK_SCREEN_NOTICE, KIOSK_RGB_FOOTER);
        t = find_slot(r, &c, test_at(10, 0, 0), KIOSK_SLOT_SCHEDULE);
        check_screen(r, s->rot, &c, t, KIOSK_SCREEN_SCHEDULE, KIOSK_RGB_FOOTER);

        /* An announcement with text airs: its text fills the body, the footer is red. */
        c.airing = (struct kiosk_airing){true, "Cảnh giác hàng giả",
                                         "Người dân cảnh giác khi mua hàng trên mạng.", false,
                                         test_at(10, 0, 0)};
        check_screen(r, s->rot, &c, test_at(10, 0, 5), KIOSK_SCREEN_AIRING, KIOSK_RGB_AIRING);
        /* Without text the rotation goes on under a red "ĐANG PHÁT" footer. */
        c.airing.text = NULL;
        t = find_slot(r, &c, test_at(10, 0, 0), 1);
        check_screen(r, s->rot, &c, t, KIOSK_SCREEN_NOTICE, KIOSK_RGB_AIRING);
        kiosk_renderer_free(r);
    }
}

static char *long_text(size_t chars)
{
    const char *sentence = "Người dân cần cảnh giác khi mua hàng trên các sàn thương mại điện "
                           "tử, kiểm tra kỹ nguồn gốc, xuất xứ hàng hóa. ";
    GString *s = g_string_new(NULL);
    while (g_utf8_strlen(s->str, -1) < (glong)chars)
        g_string_append(s, sentence);
    /* Exactly `chars` characters. */
    g_string_truncate(s, (gsize)(g_utf8_offset_to_pointer(s->str, (glong)chars) - s->str));
    return g_string_free(s, FALSE);
}

/* A 2,000-character notice: several pages, every page's lines inside the body, text at
 * the minimum size and never below it, every line drawn exactly once. */
static void test_long_notice(void)
{
    char *text = long_text(2000);
    g_assert_cmpint(g_utf8_strlen(text, -1), ==, 2000);
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        const struct size *s = &sizes[i];
        struct kiosk_renderer *r = new_renderer(s->w, s->h, s->rot);
        struct kiosk_notice n[1] = {
            test_notice("dai", "Cảnh giác khi mua hàng trên mạng", text, 15)};
        struct kiosk_content c = content();
        c.notices = n;
        c.n_notices = 1;
        unsigned pages = kiosk_renderer_notice_pages(r, &n[0]);
        g_assert_cmpuint(pages, >=, 2);
        g_assert_cmpuint(pages, <=, 12);

        int64_t t = find_slot(r, &c, test_at(10, 0, 0), 0);
        size_t lines = 0;
        for (unsigned p = 0; p < pages; p++) {
            struct kiosk_view v;
            struct kiosk_layout l;
            g_assert_cmpint(kiosk_renderer_compose(r, &c, t, &v), ==, 0);
            g_assert_cmpint(v.screen, ==, KIOSK_SCREEN_NOTICE);
            g_assert_cmpuint(v.page, ==, p);
            g_assert_cmpuint(v.n_pages, ==, pages);
            g_assert_cmpint(v.slot.end_lt_usec - v.slot.start_lt_usec, ==, 15 * SEC);
            g_assert_cmpint(kiosk_renderer_draw(r, &c, &v), ==, 0);
            kiosk_renderer_last_layout(r, &l);
            g_assert_cmpint(l.body_text_px, ==, kiosk_renderer_min_text_px(r));
            g_assert_cmpint(l.smallest_px, >=, kiosk_renderer_min_text_px(r));
            size_t body_lines = 0;
            for (size_t k = 0; k < l.n_text; k++) {
                if (l.text[k].y >= l.body.y && l.text[k].y < l.footer.y) {
                    g_assert_true(inside(l.text[k], l.body));
                    if (l.text_px[k] == l.body_text_px)
                        body_lines++;
                }
            }
            g_assert_cmpuint(body_lines, >=, 1);
            lines += body_lines;
            t = v.slot.end_lt_usec;
        }
        /* The pages hold about 2,000 characters' worth of lines, none twice. */
        g_assert_cmpuint(lines, >=, 2000 / 120);
        kiosk_renderer_free(r);
    }
    g_free(text);
}

static void test_nfc_nfd(void)
{
    const char *title = "Quyền của người tiêu dùng";
    const char *text = "Được đổi, trả hàng theo thỏa thuận. Được phản ánh, khiếu nại khi quyền "
                       "lợi bị xâm phạm. Tiếng Việt: ắ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ "
                       "ở ỡ ợ ứ ừ ử ữ ự.";
    char *title_nfd = g_utf8_normalize(title, -1, G_NORMALIZE_NFD);
    char *text_nfd = g_utf8_normalize(text, -1, G_NORMALIZE_NFD);
    g_assert_cmpstr(title_nfd, !=, title); /* the test means something */
    g_assert_cmpuint(strlen(text_nfd), >, strlen(text));
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        const struct size *s = &sizes[i];
        const uint32_t *px[2];
        struct kiosk_renderer *r[2];
        int w, h, pitch;
        for (int k = 0; k < 2; k++) {
            struct kiosk_notice n[1] = {
                test_notice("q", k ? title_nfd : title, k ? text_nfd : text, 15)};
            struct kiosk_content c = content();
            c.notices = n;
            c.n_notices = 1;
            c.identity.commune =
                k ? "Phu\xCC\x9Bo\xCC\x9B\xCC\x80ng Va\xCC\x86n Qua\xCC\x81n" : "Phường Văn Quán";
            r[k] = new_renderer(s->w, s->h, s->rot);
            struct kiosk_view v;
            int64_t t = find_slot(r[k], &c, test_at(10, 0, 0), 0);
            g_assert_cmpint(kiosk_renderer_compose(r[k], &c, t, &v), ==, 0);
            g_assert_cmpint(kiosk_renderer_draw(r[k], &c, &v), ==, 0);
            px[k] = kiosk_renderer_pixels(r[k], &w, &h, &pitch);
        }
        g_assert_cmpint(memcmp(px[0], px[1], (size_t)pitch * (size_t)h), ==, 0);
        kiosk_renderer_free(r[0]);
        kiosk_renderer_free(r[1]);
    }
    g_free(title_nfd);
    g_free(text_nfd);
}

static void test_emergency(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        const struct size *s = &sizes[i];
        struct kiosk_renderer *r = new_renderer(s->w, s->h, s->rot);
        struct kiosk_content c = content();
        c.airing = (struct kiosk_airing){true, "Cảnh báo lũ quét khu vực ven sông",
                                         "Đề nghị người dân di chuyển ngay đến nơi an toàn.", true,
                                         test_at(23, 0, 0)};
        /* 23:00 is in screen_off hours: an emergency turns the screen on anyway. */
        struct kiosk_view v;
        struct kiosk_layout l;
        g_assert_cmpint(kiosk_renderer_compose(r, &c, test_at(23, 0, 10), &v), ==, 0);
        g_assert_cmpint(v.screen, ==, KIOSK_SCREEN_EMERGENCY);
        g_assert_true(v.display_on);
        g_assert_cmpint(kiosk_renderer_draw(r, &c, &v), ==, 0);
        kiosk_renderer_last_layout(r, &l);
        g_assert_cmpint(l.header.w, ==, 0);
        g_assert_cmpint(l.footer.w, ==, 0);
        struct kiosk_box screen = {0, 0, l.logical_w, l.logical_h};
        g_assert_cmpuint(l.n_text, >=, 3);
        for (size_t k = 0; k < l.n_text; k++) {
            g_assert_true(inside(l.text[k], screen));
            g_assert_cmpint(l.text_px[k], >=, kiosk_renderer_min_text_px(r));
        }
        /* Red from edge to edge: no header, body or footer colour anywhere, the corners
         * and edges red, most of the screen red. */
        int w, h, pitch;
        const uint32_t *px = kiosk_renderer_pixels(r, &w, &h, &pitch);
        size_t red = 0, total = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                uint32_t p = px[(size_t)y * (size_t)(pitch / 4) + (size_t)x] & 0xFFFFFFu;
                g_assert_cmphex(p, !=, KIOSK_RGB_HEADER);
                g_assert_cmphex(p, !=, KIOSK_RGB_BODY);
                g_assert_cmphex(p, !=, KIOSK_RGB_FOOTER);
                red += p == KIOSK_RGB_EMERGENCY;
                total++;
            }
        g_assert_cmpuint(red * 100, >, total * 70);
        for (int k = 0; k < 4; k++) {
            int x = (k & 1) ? w - 1 : 0, y = (k & 2) ? h - 1 : 0;
            g_assert_cmphex(px[(size_t)y * (size_t)(pitch / 4) + (size_t)x] & 0xFFFFFFu, ==,
                            KIOSK_RGB_EMERGENCY);
        }
        kiosk_renderer_free(r);
    }
}

static void test_screen_off(void)
{
    struct kiosk_renderer *r = new_renderer(1280, 720, 0);
    struct kiosk_content c = content();
    struct kiosk_view v;
    g_assert_cmpint(kiosk_renderer_compose(r, &c, test_at(23, 0, 0), &v), ==, 0);
    g_assert_cmpint(v.screen, ==, KIOSK_SCREEN_OFF);
    g_assert_false(v.display_on);
    /* Nothing changes until the screen comes back on at 05:30. */
    g_assert_cmpint(v.next_change_lt_usec, ==, test_at(5, 30, 0) + 24 * HOUR);
    g_assert_cmpint(kiosk_renderer_draw(r, &c, &v), ==, 0);
    int w, h, pitch;
    const uint32_t *px = kiosk_renderer_pixels(r, &w, &h, &pitch);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            g_assert_cmphex(px[(size_t)y * (size_t)(pitch / 4) + (size_t)x] & 0xFFFFFFu, ==, 0);
    /* A non-emergency airing does not wake the screen. */
    c.airing = (struct kiosk_airing){true, "Tin", "Văn bản", false, test_at(22, 59, 0)};
    g_assert_cmpint(kiosk_renderer_compose(r, &c, test_at(23, 0, 0), &v), ==, 0);
    g_assert_cmpint(v.screen, ==, KIOSK_SCREEN_OFF);
    kiosk_renderer_free(r);
}

/* Same content and instant: the same pixels and the same PNG bytes, whether drawn fresh
 * or after a sequence of partial redraws. */
static void test_deterministic(void)
{
    char *dir = g_dir_make_tmp("kiosk-XXXXXX", NULL);
    g_assert_nonnull(dir);
    struct kiosk_content c = content();
    struct kiosk_renderer *walker = new_renderer(1280, 720, 90);
    for (int64_t t = test_at(9, 59, 0); t < test_at(10, 3, 0); t += 7 * SEC) {
        struct kiosk_view v;
        g_assert_cmpint(kiosk_renderer_compose(walker, &c, t, &v), ==, 0);
        g_assert_cmpint(kiosk_renderer_draw(walker, &c, &v), ==, 0);
        if ((t / SEC) % 3 != 0)
            continue;
        struct kiosk_renderer *fresh = new_renderer(1280, 720, 90);
        g_assert_cmpint(kiosk_renderer_compose(fresh, &c, t, &v), ==, 0);
        g_assert_cmpint(kiosk_renderer_draw(fresh, &c, &v), ==, 0);
        int w, h, pitch;
        const uint32_t *a = kiosk_renderer_pixels(walker, &w, &h, &pitch);
        const uint32_t *b = kiosk_renderer_pixels(fresh, &w, &h, &pitch);
        g_assert_cmpint(memcmp(a, b, (size_t)pitch * (size_t)h), ==, 0);
        kiosk_renderer_free(fresh);
    }
    char *p1 = g_build_filename(dir, "a.png", NULL), *p2 = g_build_filename(dir, "b.png", NULL);
    struct loa_diag err;
    g_assert_cmpint(kiosk_renderer_save_png(walker, p1, &err), ==, 0);
    g_assert_cmpint(kiosk_renderer_save_png(walker, p2, &err), ==, 0);
    char *d1, *d2;
    gsize n1, n2;
    g_assert_true(g_file_get_contents(p1, &d1, &n1, NULL));
    g_assert_true(g_file_get_contents(p2, &d2, &n2, NULL));
    g_assert_cmpmem(d1, n1, d2, n2);
    /* The PNG decodes back to the frame's size. */
    SDL_Surface *back = IMG_Load(p1);
    g_assert_nonnull(back);
    g_assert_cmpint(back->w, ==, 1280);
    g_assert_cmpint(back->h, ==, 720);
    SDL_FreeSurface(back);
    g_assert_cmpint(kiosk_renderer_save_png(walker, "/nonexistent-dir/x.png", &err), <, 0);
    g_free(d1);
    g_free(d2);
    g_remove(p1);
    g_remove(p2);
    g_rmdir(dir);
    g_free(p1);
    g_free(p2);
    g_free(dir);
    kiosk_renderer_free(walker);
}

/* A 400x200 PNG: left half green, right half blue. */
static char *make_png(const char *dir)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 400, 200, 32, SDL_PIXELFORMAT_XRGB8888);
    SDL_Rect left = {0, 0, 200, 200}, right = {200, 0, 200, 200};
    SDL_FillRect(s, &left, 0x00A000);
    SDL_FillRect(s, &right, 0x0000C0);
    char *path = g_build_filename(dir, "poster.png", NULL);
    g_assert_cmpint(IMG_SavePNG(s, path), ==, 0);
    SDL_FreeSurface(s);
    return path;
}

/* A PNG header that claims 20000 x 20000 pixels. */
static char *make_huge_png(const char *dir)
{
    static const unsigned char hdr[] = {0x89, 'P',  'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0,
                                        13,   'I',  'H', 'D', 'R',  0,    0,    0x4e, 0x20, 0, 0,
                                        0x4e, 0x20, 8,   6,   0,    0,    0,    0,    0,    0, 0};
    char *path = g_build_filename(dir, "huge.png", NULL);
    g_assert_true(g_file_set_contents(path, (const char *)hdr, sizeof hdr, NULL));
    return path;
}

static bool has_warning(struct kiosk_renderer *r, const char *needle)
{
    struct loa_diag_list *w = kiosk_renderer_warnings(r);
    for (size_t i = 0; i < w->n; i++)
        if (strstr(w->items[i].msg, needle))
            return true;
    return false;
}

static void test_images(void)
{
    char *dir = g_dir_make_tmp("kiosk-img-XXXXXX", NULL);
    char *poster = make_png(dir), *huge = make_huge_png(dir);
    char *missing = g_build_filename(dir, "missing.png", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        const struct size *s = &sizes[i];
        struct kiosk_renderer *r = new_renderer(s->w, s->h, s->rot);
        struct kiosk_notice n[1] = {test_notice("img", TITLE, TEXT, 15)};
        n[0].image_path = poster;
        struct kiosk_content c = content();
        c.notices = n;
        c.n_notices = 1;
        int64_t t = find_slot(r, &c, test_at(10, 0, 0), 0);
        struct kiosk_view v;
        struct kiosk_layout l;
        g_assert_cmpint(kiosk_renderer_compose(r, &c, t, &v), ==, 0);
        g_assert_cmpint(kiosk_renderer_draw(r, &c, &v), ==, 0);
        kiosk_renderer_last_layout(r, &l);
        g_assert_cmpint(l.image.w, >, 0);
        g_assert_true(inside(l.image, l.body));
        /* Letterboxed: the aspect (2:1) kept within a pixel. */
        g_assert_cmpint(abs(l.image.w - 2 * l.image.h), <=, 2);
        /* Text and image do not overlap. */
        for (size_t k = 0; k < l.n_text; k++) {
            const struct kiosk_box *b = &l.text[k];
            bool overlap = b->x < l.image.x + l.image.w && l.image.x < b->x + b->w &&
                           b->y < l.image.y + l.image.h && l.image.y < b->y + b->h;
            g_assert_false(overlap);
        }
        uint32_t green =
            logical_px(r, s->rot, l.image.x + l.image.w / 4, l.image.y + l.image.h / 2);
        uint32_t blue =
            logical_px(r, s->rot, l.image.x + 3 * l.image.w / 4, l.image.y + l.image.h / 2);
        g_assert_cmphex(green, ==, 0x00A000);
        g_assert_cmphex(blue, ==, 0x0000C0);
        g_assert_false(has_warning(r, "image"));

        /* Oversize and missing images: a warning each, the notice shows without them. */
        n[0].image_path = huge;
        g_assert_cmpint(kiosk_renderer_compose(r, &c, t, &v), ==, 0);
        g_assert_cmpint(kiosk_renderer_draw(r, &c, &v), ==, 0);
        kiosk_renderer_last_layout(r, &l);
        g_assert_cmpint(l.image.w, ==, 0);
        g_assert_cmpuint(l.n_text, >, 3);
        g_assert_true(has_warning(r, "too large"));
        n[0].image_path = missing;
        g_assert_cmpint(kiosk_renderer_compose(r, &c, t, &v), ==, 0);
        g_assert_cmpint(kiosk_renderer_draw(r, &c, &v), ==, 0);
        g_assert_true(has_warning(r, "cannot open image"));
        kiosk_renderer_free(r);
    }
    g_remove(poster);
    g_remove(huge);
    g_rmdir(dir);
    g_free(poster);
    g_free(huge);
    g_free(missing);
    g_free(dir);
}

static void test_missing_font(void)
{
    struct kiosk_render_config cfg = {1280, 720, 0, "/nonexistent/Font-Regular.ttf", NULL};
    struct kiosk_renderer *r = NULL;
    struct loa_diag_list warn = {0};
    g_assert_cmpint(kiosk_renderer_new(&cfg, &r, &warn), ==, 0);
    g_assert_cmpuint(warn.n, ==, 1);
    g_assert_nonnull(strstr(warn.items[0].msg, "cannot open the kiosk font"));
    g_assert_cmpstr(warn.items[0].file, ==, "/nonexistent/Font-Regular.ttf");
    struct kiosk_content c = content();
    struct kiosk_view v;
    struct kiosk_layout l;
    g_assert_cmpint(kiosk_renderer_compose(r, &c, test_at(10, 0, 0), &v), ==, 0);
    g_assert_cmpint(kiosk_renderer_draw(r, &c, &v), ==, 0);
    kiosk_renderer_last_layout(r, &l);
    g_assert_cmpuint(l.n_text, >, 3); /* the default font took over */
    loa_diag_list_clear(&warn);
    kiosk_renderer_free(r);

    struct kiosk_render_config bad = {50, 720, 0, NULL, NULL};
    g_assert_cmpint(kiosk_renderer_new(&bad, &r, NULL), ==, -EINVAL);
    struct kiosk_render_config badrot = {1280, 720, 45, NULL, NULL};
    g_assert_cmpint(kiosk_renderer_new(&badrot, &r, NULL), ==, -EINVAL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_require_fonts();
    g_test_add_func("/kiosk/render/layouts", test_layouts);
    g_test_add_func("/kiosk/render/long-notice", test_long_notice);
    g_test_add_func("/kiosk/render/nfc-nfd", test_nfc_nfd);
    g_test_add_func("/kiosk/render/emergency", test_emergency);
    g_test_add_func("/kiosk/render/screen-off", test_screen_off);
    g_test_add_func("/kiosk/render/deterministic", test_deterministic);
    g_test_add_func("/kiosk/render/images", test_images);
    g_test_add_func("/kiosk/render/missing-font", test_missing_font);
    return g_test_run();
}
