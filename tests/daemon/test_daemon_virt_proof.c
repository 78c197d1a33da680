/* Proof of display in a virtual run: no kiosk process runs, yet the ledger gets the
 * `notice` records the kiosk would have made — exactly kiosk_proof_periods() over the
 * run's period, with the airings carrying a kiosk text as overrides — marked virtual;
 * and `loa report` counts them (notices shown > 0).
 */
#include <glib.h>
#include <string.h>

#include "daemon_util.h"
#include "kiosk_proof.h"
#include "kiosk_render.h"

#define HOUR_USEC (INT64_C(3600) * 1000000)
/* Asia/Ho_Chi_Minh, the test device's zone: UTC+7 without DST. */
#define ZONE_USEC (7 * HOUR_USEC)

struct rec {
    char id[64];
    int64_t first, last, times, seconds; /* UTC µs, UTC µs, count, s */
};

static void collect(void *userdata, const struct kiosk_proof_record *p)
{
    struct rec r = {0};
    g_strlcpy(r.id, p->notice_id, sizeof r.id);
    r.first = p->first_shown_lt_usec - ZONE_USEC;
    r.last = p->last_shown_lt_usec - ZONE_USEC;
    r.times = p->times_shown;
    r.seconds = (p->shown_usec + 500000) / 1000000;
    g_array_append_val((GArray *)userdata, r);
}

static void test_virtual_notices(void)
{
    struct dt_options o = {
        .campaign_from = "2021-03-01", .campaign_until = "2021-03-31", .kiosk_enabled = "true"};
    struct dt_device *d = dt_device_new(&o);
    char *err = NULL;
    int rc = dt_loa(d, NULL, &err, "run", "--clock", "virtual", "--from", "2021-03-01 00:00",
                    "--until", "2021-03-03 00:00", "--quiet", NULL);
    if (rc != 0)
        g_printerr("%s", err);
    g_assert_cmpint(rc, ==, 0);
    g_clear_pointer(&err, g_free);

    /* The ledger's notice records; the overrides are the airings of item f (a text). */
    GArray *got = g_array_new(FALSE, TRUE, sizeof(struct rec));
    GArray *ov = g_array_new(FALSE, TRUE, sizeof(struct kiosk_override));
    GPtrArray *recs = dt_ledger_records(d);
    for (guint i = 0; i < recs->len; i++) {
        const struct ledger_record *r = recs->pdata[i];
        if (r->kind == LEDGER_NOTICE) {
            g_assert_cmpint(r->trust, ==, LEDGER_TRUST_VIRTUAL);
            g_assert_cmpstr(r->playlist_id, ==, "t");
            struct rec x = {0};
            g_strlcpy(x.id, r->item_id, sizeof x.id);
            x.first = r->shown_first_usec;
            x.last = r->shown_last_usec;
            x.times = r->shown_times;
            x.seconds = r->shown_seconds;
            g_array_append_val(got, x);
        } else if (r->kind == LEDGER_AIRING && r->phase == LEDGER_PHASE_FINAL && r->item_id &&
                   strcmp(r->item_id, "f") == 0) {
            struct kiosk_override v = {r->actual_start_usec + ZONE_USEC,
                                       r->actual_end_usec + ZONE_USEC};
            g_array_append_val(ov, v);
        }
    }
    g_ptr_array_unref(recs);
    g_assert_cmpuint(ov->len, >=, 2); /* f airs every morning session */

    /* What the pure function says the kiosk shows (dt_device's one notice, 800x480). */
    struct kiosk_notice n1 = {.id = "n1",
                              .title = "Thông báo",
                              .text = "Nội dung",
                              .seconds = 15, /* the playlist's default per page */
                              .from_day = INT32_MIN,
                              .until_day = INT32_MAX};
    struct kiosk_render_config rcfg = {.width = 800,
                                       .height = 480,
                                       .font_path =
                                           "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"};
    struct kiosk_renderer *rr = NULL;
    struct loa_diag_list warn = {0};
    g_assert_cmpint(kiosk_renderer_new(&rcfg, &rr, &warn), ==, 0);
    loa_diag_list_clear(&warn);
    unsigned pages = kiosk_renderer_notice_pages(rr, &n1);
    struct kiosk_screen_off so = {0};
    GArray *want = g_array_new(FALSE, TRUE, sizeof(struct rec));
    struct kiosk_proof_sink sink = {collect, want};
    static const char *const days[] = {"2021-03-01", "2021-03-02", "2021-03-03"};
    for (int k = 0; k < 2; k++) {
        /* The day's "Lịch phát hôm nay" as the kiosk lays it out (its page count moves
         * the rotation): per session a heading, then its planned airings but chimes. */
        GArray *rows = dt_plan(d, days[k], days[k]);
        struct kiosk_schedule_line lines[64];
        size_t n = 0;
        const char *session = "";
        for (guint i = 0; i < rows->len && n + 2 < G_N_ELEMENTS(lines); i++) {
            const struct dt_plan_row *pr = &g_array_index(rows, struct dt_plan_row, i);
            if (strcmp(pr->status, "planned") != 0 || strcmp(pr->kind, "chime") == 0)
                continue;
            if (strcmp(pr->session, session) != 0) {
                session = pr->session;
                lines[n++] = (struct kiosk_schedule_line){
                    KIOSK_LINE_SESSION, 0, 0,
                    strcmp(session, "sang") == 0 ? "Buổi sáng" : "Buổi chiều"};
            }
            static const char *const titles[] = {"Tin A", "Tin B", "Tin C",
                                                 "Tin D", "Tin E", "Tin F"};
            int it = pr->item[0] - 'a';
            g_assert_true(it >= 0 && it < 6);
            lines[n++] = (struct kiosk_schedule_line){KIOSK_LINE_ITEM, 0, 0, titles[it]};
        }
        struct kiosk_content c = {
            .identity = {"Phường Văn Quán", NULL, "Thành phố Hà Nội"},
            .notices = &n1,
            .n_notices = 1,
            .rotate_seconds = 12,
            .schedule = lines,
            .n_schedule = n,
        };
        g_assert_cmpint(civil_parse_date(days[k], &c.schedule_day), ==, 0);
        struct kiosk_rotation rot = {
            .notices = &n1,
            .n_notices = 1,
            .notice_pages = &pages,
            .schedule_pages = kiosk_renderer_schedule_pages(rr, &c),
            .rotate_seconds = 12,
        };
        char from[32], to[32];
        g_snprintf(from, sizeof from, "%s 00:00:00", days[k]);
        g_snprintf(to, sizeof to, "%s 00:00:00", days[k + 1]);
        g_assert_cmpint(kiosk_proof_periods(&rot, &so, (struct kiosk_override *)(void *)ov->data,
                                            ov->len, dt_utc(from) + ZONE_USEC,
                                            dt_utc(to) + ZONE_USEC, &sink),
                        ==, 0);
        g_array_unref(rows);
    }
    kiosk_renderer_free(rr);

    g_assert_cmpuint(want->len, ==, 48); /* one per hour: the notice is always valid */
    g_assert_cmpuint(got->len, ==, want->len);
    for (guint i = 0; i < got->len; i++) {
        const struct rec *x = &g_array_index(got, struct rec, i);
        const struct rec *y = &g_array_index(want, struct rec, i);
        if (x->first != y->first || x->last != y->last || x->times != y->times)
            g_printerr("record %u: ledger %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
                       " %" G_GINT64_FORMAT "x, kiosk %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
                       " %" G_GINT64_FORMAT "x\n",
                       i, x->first, x->last, x->times, y->first, y->last, y->times);
        g_assert_cmpstr(x->id, ==, y->id);
        g_assert_cmpint(x->first, ==, y->first);
        g_assert_cmpint(x->last, ==, y->last);
        g_assert_cmpint(x->times, ==, y->times);
        g_assert_cmpint(x->seconds, ==, y->seconds);
    }

    /* The report counts them. */
    char *out = NULL;
    rc = dt_loa(d, &out, &err, "report", "--from", "2021-03-01", "--to", "2021-03-02", "--format",
                "json", NULL);
    if (rc != 0)
        g_printerr("%s", err);
    g_assert_cmpint(rc, ==, 0);
    const char *tot = strstr(out, "\"totals\":");
    g_assert_nonnull(tot);
    const char *ns = strstr(tot, "\"notices_shown\":{\"times\":");
    g_assert_nonnull(ns);
    g_assert_cmpint(g_ascii_strtoll(ns + strlen("\"notices_shown\":{\"times\":"), NULL, 10), >, 0);
    g_free(out);
    g_free(err);
    g_array_unref(got);
    g_array_unref(want);
    g_array_unref(ov);
    dt_device_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/virt-proof/notices", test_virtual_notices);
    return g_test_run();
}
