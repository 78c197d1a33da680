/* Daemon <-> kiosk messages: round trips, refusal of malformed bytes, applying them. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "kiosk.h"
#include "kiosk_feed.h"
#include "kiosk_test_util.h"

static struct kiosk_msg *roundtrip(const struct kiosk_msg *m)
{
    void *buf = NULL;
    size_t len = 0;
    struct kiosk_msg *out = NULL;
    g_assert_cmpint(kiosk_msg_encode(m, &buf, &len), ==, 0);
    g_assert_cmpuint(len, >, 0);
    g_assert_cmpint(kiosk_msg_decode(buf, len, &out), ==, 0);
    /* One message, one encoding. */
    void *again = NULL;
    size_t len2 = 0;
    g_assert_cmpint(kiosk_msg_encode(out, &again, &len2), ==, 0);
    g_assert_cmpmem(buf, len, again, len2);
    free(buf);
    free(again);
    return out;
}

static void test_content(void)
{
    struct kiosk_notice n[2] = {test_notice("a", "Đường dây nóng", "Gọi 1800", 15),
                                test_notice("b", "Ảnh", NULL, 0)};
    n[1].image_path = "/var/lib/loa/img/b.png";
    n[1].has_hours = true;
    n[1].hours_start_usec = 22 * HOUR;
    n[1].hours_end_usec = 2 * HOUR;
    n[1].days = 0x1F;
    struct kiosk_msg m = {.kind = KIOSK_MSG_CONTENT,
                          .identity = {"Phường Văn Quán", NULL, "Thành phố Hà Nội"},
                          .rotate_seconds = 12,
                          .screen_off = {true, 22 * HOUR, 5 * HOUR},
                          .notices = n,
                          .n_notices = 2};
    struct kiosk_msg *o = roundtrip(&m);
    g_assert_cmpint(o->kind, ==, KIOSK_MSG_CONTENT);
    g_assert_cmpstr(o->identity.commune, ==, "Phường Văn Quán");
    g_assert_null(o->identity.district);
    g_assert_cmpint(o->rotate_seconds, ==, 12);
    g_assert_true(o->screen_off.enabled);
    g_assert_cmpint(o->screen_off.end_usec, ==, 5 * HOUR);
    g_assert_cmpuint(o->n_notices, ==, 2);
    g_assert_cmpstr(o->notices[0].text, ==, "Gọi 1800");
    g_assert_null(o->notices[1].text);
    g_assert_cmpstr(o->notices[1].image_path, ==, "/var/lib/loa/img/b.png");
    g_assert_cmpint(o->notices[1].from_day, ==, INT32_MIN);
    g_assert_cmpint(o->notices[1].until_day, ==, INT32_MAX);
    g_assert_cmpuint(o->notices[1].days, ==, 0x1F);
    g_assert_true(o->notices[1].has_hours);
    g_assert_cmpint(o->notices[1].hours_start_usec, ==, 22 * HOUR);
    kiosk_msg_free(o);
}

static void test_schedule_airing_proof(void)
{
    struct kiosk_schedule_line l[2] = {
        {KIOSK_LINE_SESSION, 6 * HOUR, 6 * HOUR + 30 * MINUTE, "Buổi sáng"},
        {KIOSK_LINE_ITEM, 6 * HOUR + 6 * SEC, 6 * HOUR + 35 * SEC, "Quy định"}};
    struct kiosk_msg m = {.kind = KIOSK_MSG_SCHEDULE,
                          .schedule_day = test_day(),
                          .schedule = l,
                          .n_schedule = 2,
                          .next = {true, "Buổi chiều", test_day(), 17 * HOUR}};
    struct kiosk_msg *o = roundtrip(&m);
    g_assert_cmpint(o->schedule_day, ==, test_day());
    g_assert_cmpuint(o->n_schedule, ==, 2);
    g_assert_cmpint(o->schedule[0].kind, ==, KIOSK_LINE_SESSION);
    g_assert_cmpint(o->schedule[1].kind, ==, KIOSK_LINE_ITEM);
    g_assert_cmpstr(o->schedule[1].title, ==, "Quy định");
    g_assert_cmpint(o->schedule[1].end_usec, ==, 6 * HOUR + 35 * SEC);
    g_assert_true(o->next.present);
    g_assert_cmpstr(o->next.name, ==, "Buổi chiều");
    kiosk_msg_free(o);

    struct kiosk_msg a = {.kind = KIOSK_MSG_AIRING,
                          .airing = {true, "Khẩn", "Sơ tán", true, test_at(23, 0, 0)}};
    o = roundtrip(&a);
    g_assert_true(o->airing.active);
    g_assert_true(o->airing.emergency);
    g_assert_cmpstr(o->airing.text, ==, "Sơ tán");
    g_assert_cmpint(o->airing.start_lt_usec, ==, test_at(23, 0, 0));
    kiosk_msg_free(o);

    struct kiosk_msg p = {.kind = KIOSK_MSG_PROOF,
                          .proof = {"a", "Tiêu đề", test_at(10, 0, 12), test_at(10, 59, 48), 150,
                                    1800 * SEC, KIOSK_PROOF_HOUR}};
    o = roundtrip(&p);
    g_assert_cmpstr(o->proof.notice_id, ==, "a");
    g_assert_cmpuint(o->proof.times_shown, ==, 150);
    g_assert_cmpint(o->proof.shown_usec, ==, 1800 * SEC);
    g_assert_cmpint(o->proof.closed_by, ==, KIOSK_PROOF_HOUR);
    kiosk_msg_free(o);

    struct kiosk_msg s = {.kind = KIOSK_MSG_SHUTDOWN};
    o = roundtrip(&s);
    g_assert_cmpint(o->kind, ==, KIOSK_MSG_SHUTDOWN);
    kiosk_msg_free(o);
}

static void test_malformed(void)
{
    struct kiosk_msg *o = NULL;
    void *buf;
    size_t len;
    struct kiosk_msg bad = {.kind = 99};
    g_assert_cmpint(kiosk_msg_encode(&bad, &buf, &len), ==, -EINVAL);
    g_assert_cmpint(kiosk_msg_decode("", 0, &o), ==, -EBADMSG);
    g_assert_cmpint(kiosk_msg_decode("garbage!", 8, &o), ==, -EBADMSG);

    struct kiosk_msg a = {.kind = KIOSK_MSG_AIRING, .airing = {true, "T", "x", false, 5}};
    g_assert_cmpint(kiosk_msg_encode(&a, &buf, &len), ==, 0);
    /* Every truncation and every single-byte corruption is refused or decodes to a
     * well-formed message; none crashes. */
    for (size_t cut = 1; cut < len; cut++) {
        if (kiosk_msg_decode(buf, cut, &o) == 0)
            o = kiosk_msg_free(o);
    }
    unsigned char *c = g_memdup2(buf, len);
    for (size_t i = 0; i < len; i++) {
        c[i] ^= 0x5A;
        if (kiosk_msg_decode(c, len, &o) == 0)
            o = kiosk_msg_free(o);
        c[i] ^= 0x5A;
    }
    /* A valid variant of the wrong payload type for its kind. */
    unsigned char *k = g_memdup2(buf, len);
    free(buf);
    struct kiosk_msg s = {.kind = KIOSK_MSG_SHUTDOWN};
    g_assert_cmpint(kiosk_msg_encode(&s, &buf, &len), ==, 0);
    ((unsigned char *)buf)[0] = KIOSK_MSG_AIRING; /* kind says airing, payload is "()" */
    g_assert_cmpint(kiosk_msg_decode(buf, len, &o), ==, -EBADMSG);
    free(buf);
    g_free(c);
    g_free(k);
}

static void test_apply(void)
{
    struct kiosk_config cfg = {.render = {800, 480, 0, TEST_FONT, NULL},
                               .display = {.driver = "null"}};
    struct kiosk *k = NULL;
    g_assert_cmpint(kiosk_new(&cfg, &k, NULL), ==, 0);
    struct kiosk_notice n[1] = {test_notice("a", "A", "Văn bản", 15)};
    struct kiosk_msg m = {.kind = KIOSK_MSG_CONTENT,
                          .identity = {"Xã Thử", NULL, NULL},
                          .rotate_seconds = 10,
                          .notices = n,
                          .n_notices = 1};
    void *buf;
    size_t len;
    struct kiosk_msg *o;
    g_assert_cmpint(kiosk_msg_encode(&m, &buf, &len), ==, 0);
    g_assert_cmpint(kiosk_msg_decode(buf, len, &o), ==, 0);
    free(buf);
    g_assert_cmpint(kiosk_apply_msg(k, o), ==, 0);
    kiosk_msg_free(o); /* the kiosk keeps its own copies */
    const struct kiosk_content *c = kiosk_content(k);
    g_assert_cmpstr(c->identity.commune, ==, "Xã Thử");
    g_assert_cmpuint(c->n_notices, ==, 1);
    g_assert_cmpstr(c->notices[0].text, ==, "Văn bản");
    g_assert_cmpint(c->rotate_seconds, ==, 10);

    struct kiosk_msg a = {.kind = KIOSK_MSG_AIRING,
                          .airing = {true, "Tin", "Nội dung", false, test_at(10, 0, 0)}};
    g_assert_cmpint(kiosk_apply_msg(k, &a), ==, 0);
    int64_t next;
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 1), &next), ==, 0);
    g_assert_cmpint(kiosk_last_view(k)->screen, ==, KIOSK_SCREEN_AIRING);
    a.airing.active = false;
    g_assert_cmpint(kiosk_apply_msg(k, &a), ==, 0);
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 2), &next), ==, 0);
    g_assert_cmpint(kiosk_last_view(k)->screen, !=, KIOSK_SCREEN_AIRING);
    struct kiosk_msg s = {.kind = KIOSK_MSG_SHUTDOWN};
    g_assert_cmpint(kiosk_apply_msg(k, &s), ==, -EINVAL);
    kiosk_shutdown(k, test_at(10, 0, 3));
    kiosk_free(k);
}

/* The footer's background at its top-left corner (a margin: never text). */
static uint32_t footer_bg(struct kiosk *k)
{
    struct kiosk_layout lay;
    kiosk_renderer_last_layout(kiosk_get_renderer(k), &lay);
    g_assert_cmpint(lay.footer.w, >, 0);
    int w, h, pitch;
    const uint32_t *px = kiosk_renderer_pixels(kiosk_get_renderer(k), &w, &h, &pitch);
    return px[(size_t)(lay.footer.y + 1) * ((size_t)pitch / 4) + (size_t)lay.footer.x + 1] &
           0xFFFFFFu;
}

static void test_banner(void)
{
    /* Round trip, and an empty text (the clearing message) decodes as none. */
    struct kiosk_msg m = {.kind = KIOSK_MSG_BANNER,
                          .banner = {"USB: đã nạp 2 danh sách phát (a, b)", test_at(10, 1, 0)}};
    struct kiosk_msg *o = roundtrip(&m);
    g_assert_cmpint(o->kind, ==, KIOSK_MSG_BANNER);
    g_assert_cmpstr(o->banner.text, ==, "USB: đã nạp 2 danh sách phát (a, b)");
    g_assert_cmpint(o->banner.until_lt_usec, ==, test_at(10, 1, 0));
    kiosk_msg_free(o);
    struct kiosk_msg clear = {.kind = KIOSK_MSG_BANNER};
    o = roundtrip(&clear);
    g_assert_null(o->banner.text);
    kiosk_msg_free(o);

    /* Malformed: a line break, an overlong text, a banner kind over another payload. */
    void *buf;
    size_t len;
    struct kiosk_msg bad = {.kind = KIOSK_MSG_BANNER, .banner = {"hai\ndòng", 1}};
    g_assert_cmpint(kiosk_msg_encode(&bad, &buf, &len), ==, 0);
    g_assert_cmpint(kiosk_msg_decode(buf, len, &o), ==, -EBADMSG);
    free(buf);
    char *longtext = g_strnfill(KIOSK_BANNER_MAX + 1, 'x');
    bad.banner.text = longtext;
    g_assert_cmpint(kiosk_msg_encode(&bad, &buf, &len), ==, 0);
    g_assert_cmpint(kiosk_msg_decode(buf, len, &o), ==, -EBADMSG);
    free(buf);
    g_free(longtext);
    struct kiosk_msg a = {.kind = KIOSK_MSG_AIRING, .airing = {true, "T", "x", false, 5}};
    g_assert_cmpint(kiosk_msg_encode(&a, &buf, &len), ==, 0);
    ((unsigned char *)buf)[0] = KIOSK_MSG_BANNER; /* kind says banner, payload is an airing */
    g_assert_cmpint(kiosk_msg_decode(buf, len, &o), ==, -EBADMSG);
    free(buf);

    /* Applied to a live kiosk: in the footer until its time, over an airing, not over an
     * emergency; the kiosk wakes at its end. */
    struct kiosk_config cfg = {.render = {800, 480, 0, TEST_FONT, NULL},
                               .display = {.driver = "null"}};
    struct kiosk *k = NULL;
    g_assert_cmpint(kiosk_new(&cfg, &k, NULL), ==, 0);
    int64_t next;
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 0), &next), ==, 0);
    g_assert_false(kiosk_last_view(k)->banner);
    g_assert_cmphex(footer_bg(k), ==, KIOSK_RGB_FOOTER);

    struct kiosk_msg b = {.kind = KIOSK_MSG_BANNER,
                          .banner = {"USB: từ chối", test_at(10, 0, 30) + 500000}};
    g_assert_cmpint(kiosk_msg_encode(&b, &buf, &len), ==, 0);
    g_assert_cmpint(kiosk_msg_decode(buf, len, &o), ==, 0);
    free(buf);
    g_assert_cmpint(kiosk_apply_msg(k, o), ==, 0);
    kiosk_msg_free(o);
    g_assert_cmpstr(kiosk_content(k)->banner.text, ==, "USB: từ chối");
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 1), &next), ==, 0);
    g_assert_true(kiosk_last_view(k)->banner);
    g_assert_cmphex(footer_bg(k), ==, KIOSK_RGB_BANNER);
    g_assert_cmpint(next, <=, test_at(10, 0, 30) + 500000);
    /* Just before its end, after the rotation's wake-ups: the kiosk's next is the end. */
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 30), &next), ==, 0);
    g_assert_true(kiosk_last_view(k)->banner);
    g_assert_cmpint(next, ==, test_at(10, 0, 30) + 500000);

    struct kiosk_msg air = {.kind = KIOSK_MSG_AIRING,
                            .airing = {true, "Tin", NULL, false, test_at(10, 0, 2)}};
    g_assert_cmpint(kiosk_apply_msg(k, &air), ==, 0);
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 2), &next), ==, 0);
    g_assert_true(kiosk_last_view(k)->banner);
    g_assert_cmphex(footer_bg(k), ==, KIOSK_RGB_BANNER);
    air.airing.emergency = true;
    g_assert_cmpint(kiosk_apply_msg(k, &air), ==, 0);
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 3), &next), ==, 0);
    g_assert_cmpint(kiosk_last_view(k)->screen, ==, KIOSK_SCREEN_EMERGENCY);
    g_assert_false(kiosk_last_view(k)->banner);
    air.airing.emergency = false;
    g_assert_cmpint(kiosk_apply_msg(k, &air), ==, 0);
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 4), &next), ==, 0);
    g_assert_true(kiosk_last_view(k)->banner);
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 30) + 1000, &next), ==, 0);
    g_assert_cmpint(next, ==, test_at(10, 0, 30) + 500000);

    /* At its end the airing's footer is back. */
    struct kiosk_stats st0, st1;
    kiosk_get_stats(k, &st0);
    g_assert_cmpint(kiosk_update(k, next, &next), ==, 0);
    kiosk_get_stats(k, &st1);
    g_assert_false(kiosk_last_view(k)->banner);
    g_assert_cmpuint(st1.redraws, ==, st0.redraws + 1);
    g_assert_cmphex(footer_bg(k), ==, KIOSK_RGB_AIRING);
    air.airing.active = false;
    g_assert_cmpint(kiosk_apply_msg(k, &air), ==, 0);
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 40), &next), ==, 0);
    g_assert_cmphex(footer_bg(k), ==, KIOSK_RGB_FOOTER);

    /* A new banner replaces the old one; an empty one clears it. */
    b.banner.until_lt_usec = test_at(10, 5, 0);
    g_assert_cmpint(kiosk_apply_msg(k, &b), ==, 0);
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 41), &next), ==, 0);
    g_assert_true(kiosk_last_view(k)->banner);
    g_assert_cmpint(kiosk_apply_msg(k, &clear), ==, 0);
    g_assert_cmpint(kiosk_update(k, test_at(10, 0, 42), &next), ==, 0);
    g_assert_false(kiosk_last_view(k)->banner);
    g_assert_cmphex(footer_bg(k), ==, KIOSK_RGB_FOOTER);
    kiosk_shutdown(k, test_at(10, 0, 43));
    kiosk_free(k);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_require_fonts();
    g_test_add_func("/kiosk/feed/content", test_content);
    g_test_add_func("/kiosk/feed/schedule-airing-proof", test_schedule_airing_proof);
    g_test_add_func("/kiosk/feed/malformed", test_malformed);
    g_test_add_func("/kiosk/feed/apply", test_apply);
    g_test_add_func("/kiosk/feed/banner", test_banner);
    return g_test_run();
}
