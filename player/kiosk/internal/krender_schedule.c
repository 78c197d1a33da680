/* The built-in "Lịch phát hôm nay" page (see krender.h). */
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

/* ---- the schedule page -------------------------------------------------------- */

#define SCHEDULE_TITLE "Lịch phát hôm nay"
#define SCHEDULE_EMPTY "Hôm nay không có buổi phát."

struct sched_row {
    bool session;
    char time[32];
    struct ktext_lines lines; /* of the NFC title */
    char *title;
    int y_off, h; /* within the page */
};

struct sched_layout {
    int px, title_px, skip, time_w;
    struct sched_row *rows;
    size_t n_rows;
    size_t *page_start; /* first row of each page */
    unsigned n_pages;
};

static void sched_clear(struct sched_layout *s)
{
    for (size_t i = 0; i < s->n_rows; i++) {
        ktext_lines_clear(&s->rows[i].lines);
        free(s->rows[i].title);
    }
    free(s->rows);
    free(s->page_start);
    memset(s, 0, sizeof *s);
}

static void fmt_hhmm(int64_t usec, char *buf, size_t n)
{
    civil_format_hhmm(usec, buf, n);
}

/* Wrap every row at size px; returns the total height. */
static int sched_wrap(struct kiosk_renderer *r, struct sched_layout *s, int px, int width)
{
    s->px = px;
    s->skip = kr_skip_of(r, r->reg, px);
    s->time_w = kr_width_of(r, r->reg, px, "00:00", 5) + r->margin;
    int y = 0;
    for (size_t i = 0; i < s->n_rows; i++) {
        struct sched_row *row = &s->rows[i];
        ktext_lines_clear(&row->lines);
        TTF_Font *f = row->session ? r->bold : r->reg;
        int w = row->session ? width : width - s->time_w;
        kr_set_px(r, f, px);
        if (f && row->title)
            ktext_wrap(f, row->title, w > 1 ? w : 1, &row->lines);
        int lines = row->lines.n ? (int)row->lines.n : 1;
        int extra = (row->session && i > 0) ? s->skip / 3 : 0;
        row->h = lines * s->skip + extra;
        y += row->h;
    }
    return y;
}

static int sched_layout(struct kiosk_renderer *r, const struct kiosk_content *c,
                        struct sched_layout *s)
{
    struct kiosk_box in = kr_body_inner(r);
    memset(s, 0, sizeof *s);
    size_t n = c->n_schedule ? c->n_schedule : 1;
    s->rows = calloc(n, sizeof *s->rows);
    if (!s->rows)
        return -ENOMEM;
    if (c->n_schedule == 0) {
        s->rows[0].session = false;
        s->rows[0].title = ktext_nfc(SCHEDULE_EMPTY);
        s->n_rows = 1;
    }
    for (size_t i = 0; i < c->n_schedule; i++) {
        const struct kiosk_schedule_line *l = &c->schedule[i];
        struct sched_row *row = &s->rows[s->n_rows++];
        char a[8], b[8];
        fmt_hhmm(l->start_usec, a, sizeof a);
        fmt_hhmm(l->end_usec, b, sizeof b);
        row->session = l->kind == KIOSK_LINE_SESSION;
        if (row->session) {
            char *t = ktext_nfc(l->title ? l->title : "");
            size_t need = (t ? strlen(t) : 0) + 32;
            row->title = malloc(need);
            if (row->title)
                snprintf(row->title, need, "%s  %s – %s", t ? t : "", a, b);
            free(t);
        } else {
            snprintf(row->time, sizeof row->time, "%s", a);
            row->title = ktext_nfc(l->title ? l->title : "");
        }
        if (!row->title)
            return -ENOMEM;
    }

    int sp = r->short_side;
    s->title_px = sp / 13 > r->min_px ? sp / 13 : r->min_px;
    int title_h = kr_skip_of(r, r->bold, s->title_px) + r->margin / 2;
    int avail = in.h - title_h;
    int max_px = sp / 15 > r->min_px ? sp / 15 : r->min_px;

    /* Largest size with every row on one page, else the minimum and pages of rows; the
     * search is done once per schedule (the size is kept with its key). */
    uint64_t key = kr_schedule_key(c);
    int px = r->min_px;
    if (key == r->sched_px_key) {
        px = r->sched_px;
    } else {
        for (int p = max_px; p >= r->min_px; p -= (p > r->min_px + 4 ? 2 : 1)) {
            if (sched_wrap(r, s, p, in.w) <= avail) {
                px = p;
                break;
            }
        }
        r->sched_px_key = key;
        r->sched_px = px;
    }
    sched_wrap(r, s, px, in.w);

    s->page_start = calloc(s->n_rows + 1, sizeof *s->page_start);
    if (!s->page_start)
        return -ENOMEM;
    s->n_pages = 1;
    int y = 0;
    for (size_t i = 0; i < s->n_rows; i++) {
        struct sched_row *row = &s->rows[i];
        int h = row->h;
        if (y > 0 && y + h > avail) {
            s->page_start[s->n_pages++] = i;
            y = 0;
        }
        /* A session heading at the top of a page needs no space above it. */
        int extra = (row->session && i > 0) ? s->skip / 3 : 0;
        row->y_off = (y == 0 ? 0 : extra);
        row->h = h - extra + row->y_off;
        y += row->h;
    }
    return 0;
}

uint64_t kr_schedule_key(const struct kiosk_content *c)
{
    uint64_t h = kr_hash_i64(0, (int64_t)c->n_schedule);
    for (size_t i = 0; i < c->n_schedule; i++) {
        h = kr_hash_i64(h, c->schedule[i].kind);
        h = kr_hash_i64(h, c->schedule[i].start_usec);
        h = kr_hash_i64(h, c->schedule[i].end_usec);
        h = kr_hash_str(h, c->schedule[i].title);
    }
    return h ? h : 1;
}

unsigned kiosk_renderer_schedule_pages(struct kiosk_renderer *r, const struct kiosk_content *c)
{
    uint64_t key = kr_schedule_key(c);
    if (key == r->sched_key)
        return r->sched_pages;
    struct sched_layout s;
    unsigned pages = 1;
    if (sched_layout(r, c, &s) == 0)
        pages = s.n_pages;
    sched_clear(&s);
    r->sched_key = key;
    r->sched_pages = pages;
    return pages;
}

int kr_draw_schedule(struct kiosk_renderer *r, const struct kiosk_content *c, unsigned page,
                     int64_t t)
{
    struct sched_layout s;
    int rc = sched_layout(r, c, &s);
    if (rc < 0) {
        sched_clear(&s);
        return rc;
    }
    struct kiosk_box in = kr_body_inner(r);
    char *title = ktext_nfc(SCHEDULE_TITLE);
    kr_draw_text(r, r->bold, s.title_px, title, title ? strlen(title) : 0, false, in.x, in.y,
                 RGB_TITLE, &r->rec_body);
    free(title);
    int y = in.y + kr_skip_of(r, r->bold, s.title_px) + r->margin / 2;
    if (page >= s.n_pages)
        page = s.n_pages - 1;
    size_t from = s.page_start[page];
    size_t to = page + 1 < s.n_pages ? s.page_start[page + 1] : s.n_rows;
    bool today = c->schedule_day == kiosk_lt_day(t);
    int64_t tod = kiosk_lt_tod(t);
    r->rec_body.body_px = s.px;
    for (size_t i = from; i < to; i++) {
        struct sched_row *row = &s.rows[i];
        const struct kiosk_schedule_line *l = c->n_schedule ? &c->schedule[i] : NULL;
        y += row->y_off;
        bool now = l && !row->session && today && l->start_usec <= tod && tod < l->end_usec;
        bool past = l && today && l->end_usec <= tod;
        uint32_t rgb = row->session ? RGB_TITLE : RGB_TEXT;
        if (past)
            rgb = RGB_MUTED;
        if (now) {
            rgb = KIOSK_RGB_AIRING;
            int lines = row->lines.n ? (int)row->lines.n : 1;
            kr_fill(r->frame,
                    (struct kiosk_box){in.x - r->margin / 2, y, in.w + r->margin, lines * s.skip},
                    RGB_NOW_BG);
        }
        int x = in.x;
        if (!row->session) {
            kr_draw_text(r, r->reg, s.px, row->time, strlen(row->time), false, x, y,
                         past ? RGB_MUTED : (now ? KIOSK_RGB_AIRING : RGB_TIME), &r->rec_body);
            x += s.time_w;
        }
        TTF_Font *f = (row->session || now) ? r->bold : r->reg;
        for (size_t k = 0; k < row->lines.n; k++) {
            const struct ktext_line *ln = &row->lines.v[k];
            kr_draw_text(r, f, s.px, row->title + ln->off, ln->len, false, x, y, rgb, &r->rec_body);
            y += s.skip;
        }
        if (row->lines.n == 0)
            y += s.skip;
    }
    sched_clear(&s);
    return 0;
}
