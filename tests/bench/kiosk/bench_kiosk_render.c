/* Time to compose and draw one kiosk frame, per size and screen kind: a full redraw
 * (every region) and the minute tick (header only). Prints median and worst of N runs.
 *   bench_kiosk_render [RUNS]
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk_render.h"

#define SEC INT64_C(1000000)
#define HOUR (3600 * SEC)

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static const struct kiosk_schedule_line sched[] = {
    {KIOSK_LINE_SESSION, 6 * HOUR, 6 * HOUR + 1800 * SEC, "Buổi sáng"},
    {KIOSK_LINE_ITEM, 6 * HOUR + 6 * SEC, 6 * HOUR + 35 * SEC,
     "Quy định pháp luật về thương mại điện tử"},
    {KIOSK_LINE_ITEM, 6 * HOUR + 38 * SEC, 6 * HOUR + 55 * SEC, "Mua hàng trực tuyến an toàn"},
    {KIOSK_LINE_ITEM, 6 * HOUR + 900 * SEC, 6 * HOUR + 916 * SEC,
     "Tố giác hành vi buôn lậu, gian lận thương mại, hàng giả"},
    {KIOSK_LINE_SESSION, 17 * HOUR, 17 * HOUR + 1800 * SEC, "Buổi chiều"},
    {KIOSK_LINE_ITEM, 17 * HOUR + 6 * SEC, 17 * HOUR + 35 * SEC,
     "Quy định pháp luật về thương mại điện tử"},
    {KIOSK_LINE_ITEM, 17 * HOUR + 600 * SEC, 17 * HOUR + 617 * SEC,
     "Cảnh giác hàng giả khi mua hàng trên mạng"},
};

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 21;
    static const struct {
        int w, h, rot;
    } sizes[] = {{800, 480, 0}, {1280, 720, 0}, {1920, 1080, 0}, {1080, 1920, 0}, {1920, 1080, 90}};
    struct kiosk_notice n[1] = {
        {.id = "to-giac",
         .title = "Tố giác buôn lậu, gian lận thương mại, hàng giả",
         .text = "Phát hiện hành vi buôn lậu, gian lận thương mại và hàng giả trong "
                 "thương mại điện tử, xin báo cho Cục Quản lý thị trường Hà Nội, số "
                 "80 Quang Trung, quận Hà Đông. Email: banchidao389tp@gmail.com",
         .seconds = 15,
         .from_day = INT32_MIN,
         .until_day = INT32_MAX}};
    int32_t day = civil_from_ymd(2021, 3, 1);
    struct kiosk_content c = {
        .identity = {.commune = "Phường Văn Quán"},
        .notices = n,
        .n_notices = 1,
        .rotate_seconds = 12,
        .schedule_day = day,
        .schedule = sched,
        .n_schedule = sizeof sched / sizeof *sched,
        .next = {true, "Buổi chiều", day, 17 * HOUR},
    };
    int64_t *ms = calloc((size_t)runs, sizeof *ms);
    printf("kiosk frame times, %d runs each (median / worst, ms)\n", runs);
    printf("%-14s %-10s %17s %17s\n", "size", "screen", "full redraw", "minute tick");
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        struct kiosk_render_config cfg = {sizes[i].w, sizes[i].h, sizes[i].rot, NULL, NULL};
        struct kiosk_renderer *r;
        if (kiosk_renderer_new(&cfg, &r, NULL) < 0) {
            fprintf(stderr, "cannot create a renderer\n");
            return 1;
        }
        const char *kinds[] = {"notice", "schedule", "airing"};
        for (int k = 0; k < 3; k++) {
            struct kiosk_content cc = c;
            int64_t t = kiosk_lt(day, 10 * HOUR);
            if (k == 2)
                cc.airing = (struct kiosk_airing){true, "Cảnh giác hàng giả khi mua hàng trên mạng",
                                                  "Người dân hãy cảnh giác khi mua hàng trên mạng. "
                                                  "Không mua hàng giả, hàng không rõ nguồn gốc.",
                                                  false, t};
            struct kiosk_view v;
            /* Find an instant showing this kind. */
            for (int g = 0; g < 10; g++) {
                kiosk_renderer_compose(r, &cc, t, &v);
                if ((k == 0 && v.screen == KIOSK_SCREEN_NOTICE) ||
                    (k == 1 && v.screen == KIOSK_SCREEN_SCHEDULE) || k == 2)
                    break;
                t = v.slot.end_lt_usec;
            }
            double full[2], tick[2];
            struct kiosk_view v0 = v;
            for (int mode = 0; mode < 2; mode++) {
                for (int j = 0; j < runs; j++) {
                    int64_t a = g_get_monotonic_time();
                    if (mode == 0) {
                        /* Everything from scratch: compose, then every region drawn. */
                        kiosk_renderer_invalidate(r);
                        kiosk_renderer_compose(r, &cc, t, &v);
                        kiosk_renderer_draw(r, &cc, &v);
                    } else {
                        /* The same picture a minute later: only the clock changes. */
                        struct kiosk_view v2 = v0;
                        v2.t_lt_usec = t + (int64_t)(j + 1) * 60 * SEC;
                        kiosk_renderer_draw(r, &cc, &v2);
                    }
                    ms[j] = g_get_monotonic_time() - a;
                }
                qsort(ms, (size_t)runs, sizeof *ms, cmp_i64);
                double *dst = mode == 0 ? full : tick;
                dst[0] = (double)ms[runs / 2] / 1000.0;
                dst[1] = (double)ms[runs - 1] / 1000.0;
            }
            char size[32];
            snprintf(size, sizeof size, "%dx%d%s", sizes[i].w, sizes[i].h,
                     sizes[i].rot ? " r90" : "");
            printf("%-14s %-10s %8.2f / %6.2f %8.2f / %6.2f\n", size, kinds[k], full[0], full[1],
                   tick[0], tick[1]);
        }
        kiosk_renderer_free(r);
    }
    free(ms);
    return 0;
}
