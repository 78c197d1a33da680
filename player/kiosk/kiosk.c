/* The live kiosk (see kiosk.h). */
#include "kiosk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define USEC_PER_HOUR (INT64_C(3600) * CIVIL_USEC_PER_SEC)

struct kiosk {
    struct kiosk_display *display;
    struct kiosk_renderer *renderer;
    struct kiosk_proof_tracker *proof;

    /* owned content; `content` points into it */
    char *commune, *district, *province;
    struct kiosk_notice *notices;
    size_t n_notices;
    struct kiosk_schedule_line *lines;
    size_t n_lines;
    int32_t schedule_day;
    struct kiosk_airing airing; /* title/text owned */
    struct kiosk_next_session next; /* name owned */
    struct kiosk_banner banner; /* text owned */
    int rotate_seconds;
    struct kiosk_screen_off screen_off;
    struct kiosk_content content;

    uint32_t *target; /* the display's framebuffer the renderer draws into, or NULL */
    bool dirty;
    bool have_view;
    struct kiosk_view view;
    bool display_on;
    bool *flags;
    size_t cap_flags;
    struct kiosk_stats stats;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* strdup that tells a NULL source from a failed copy. */
static bool dup_ok(const char *src, char **dst)
{
    *dst = dup_or_null(src);
    return !src || *dst;
}

static void rebuild(struct kiosk *k)
{
    k->content = (struct kiosk_content){
        .identity = {.commune = k->commune, .district = k->district, .province = k->province},
        .notices = k->notices,
        .n_notices = k->n_notices,
        .rotate_seconds = k->rotate_seconds,
        .screen_off = k->screen_off,
        .schedule_day = k->schedule_day,
        .schedule = k->lines,
        .n_schedule = k->n_lines,
        .airing = k->airing,
        .next = k->next,
        .banner = k->banner,
    };
    k->dirty = true;
}

/* Draw straight into the window's framebuffer when it has the frame's size: a 1920x1080
 * frame is 8 MB, and the window keeps its own anyway. */
static void retarget(struct kiosk *k)
{
    uint32_t *px;
    int w, h, pitch, fw, fh, fp;
    kiosk_renderer_pixels(k->renderer, &fw, &fh, &fp);
    if (kiosk_display_framebuffer(k->display, &px, &w, &h, &pitch) == 0 && w == fw && h == fh) {
        if (px != k->target && kiosk_renderer_set_target(k->renderer, px, pitch) == 0)
            k->target = px;
    } else if (k->target) {
        kiosk_renderer_set_target(k->renderer, NULL, 0);
        k->target = NULL;
    }
}

int kiosk_new(const struct kiosk_config *cfg, struct kiosk **ret, struct loa_diag_list *diags)
{
    struct kiosk *k = calloc(1, sizeof *k);
    struct loa_diag note = {0}, err = {0};
    int rc;
    if (!k)
        return -ENOMEM;
    k->rotate_seconds = KIOSK_DEFAULT_ROTATE_SECONDS;
    k->display_on = true;

    struct kiosk_display_config dc = cfg->display;
    dc.width = cfg->render.width;
    dc.height = cfg->render.height;
    rc = kiosk_display_open(&dc, &k->display, &note, &err);
    if (rc < 0) {
        if (diags)
            loa_diag_list_push(diags, &err);
        goto fail;
    }
    if (note.msg[0] && diags)
        loa_diag_list_push(diags, &note);

    /* A fullscreen window is the screen's size: draw at that, not at the configured one. */
    struct kiosk_render_config rc_cfg = cfg->render;
    int w, h;
    kiosk_display_size(k->display, &w, &h);
    if (w >= 100 && h >= 100) {
        if ((w != rc_cfg.width || h != rc_cfg.height) && diags)
            loa_diag_list_add(diags, LOA_SEV_NOTE, NULL, 0,
                              "the screen is %dx%d (configured %dx%d): drawing at %dx%d", w, h,
                              rc_cfg.width, rc_cfg.height, w, h);
        rc_cfg.width = w;
        rc_cfg.height = h;
    }
    rc = kiosk_renderer_new(&rc_cfg, &k->renderer, diags);
    if (rc < 0) {
        if (diags)
            loa_diag_list_add(diags, LOA_SEV_ERROR, NULL, 0, "cannot start the renderer (%s)",
                              strerror(-rc));
        goto fail;
    }
    retarget(k);
    rc = kiosk_proof_tracker_new(&cfg->proof, &k->proof);
    if (rc < 0)
        goto fail;
    rebuild(k);
    *ret = k;
    return 0;
fail:
    kiosk_free(k);
    return rc;
}

static void free_notices(struct kiosk_notice *n, size_t count)
{
    for (size_t i = 0; n && i < count; i++) {
        free((char *)n[i].id);
        free((char *)n[i].title);
        free((char *)n[i].text);
        free((char *)n[i].image_path);
    }
    free(n);
}

static void free_lines(struct kiosk_schedule_line *l, size_t count)
{
    for (size_t i = 0; l && i < count; i++)
        free((char *)l[i].title);
    free(l);
}

struct kiosk *kiosk_free(struct kiosk *k)
{
    if (!k)
        return NULL;
    kiosk_renderer_free(k->renderer);
    kiosk_display_close(k->display);
    kiosk_proof_tracker_free(k->proof);
    free(k->commune);
    free(k->district);
    free(k->province);
    free_notices(k->notices, k->n_notices);
    free_lines(k->lines, k->n_lines);
    free((char *)k->airing.title);
    free((char *)k->airing.text);
    free((char *)k->next.name);
    free((char *)k->banner.text);
    free(k->flags);
    free(k);
    return NULL;
}

int kiosk_set_identity(struct kiosk *k, const struct kiosk_identity *id)
{
    char *c, *d, *p;
    bool ok = dup_ok(id->commune, &c);
    ok = dup_ok(id->district, &d) && ok;
    ok = dup_ok(id->province, &p) && ok;
    if (!ok) {
        free(c);
        free(d);
        free(p);
        return -ENOMEM;
    }
    free(k->commune);
    free(k->district);
    free(k->province);
    k->commune = c;
    k->district = d;
    k->province = p;
    rebuild(k);
    return 0;
}

int kiosk_set_notices(struct kiosk *k, const struct kiosk_notice *notices, size_t n)
{
    struct kiosk_notice *copy = calloc(n ? n : 1, sizeof *copy);
    bool *flags = calloc(n ? n : 1, sizeof *flags);
    if (!copy || !flags) {
        free(copy);
        free(flags);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        copy[i] = notices[i];
        char *id, *title, *text, *img;
        bool ok = dup_ok(notices[i].id ? notices[i].id : "", &id);
        ok = dup_ok(notices[i].title, &title) && ok;
        ok = dup_ok(notices[i].text, &text) && ok;
        ok = dup_ok(notices[i].image_path, &img) && ok;
        copy[i].id = id;
        copy[i].title = title;
        copy[i].text = text;
        copy[i].image_path = img;
        if (!ok) {
            free_notices(copy, i + 1);
            free(flags);
            return -ENOMEM;
        }
    }
    free_notices(k->notices, k->n_notices);
    free(k->flags);
    k->notices = copy;
    k->n_notices = n;
    k->flags = flags;
    k->cap_flags = n;
    rebuild(k);
    return 0;
}

int kiosk_set_settings(struct kiosk *k, int rotate_seconds, const struct kiosk_screen_off *so)
{
    k->rotate_seconds = rotate_seconds > 0 ? rotate_seconds : KIOSK_DEFAULT_ROTATE_SECONDS;
    k->screen_off = so ? *so : (struct kiosk_screen_off){0};
    rebuild(k);
    return 0;
}

int kiosk_set_schedule(struct kiosk *k, int32_t day, const struct kiosk_schedule_line *lines,
                       size_t n)
{
    struct kiosk_schedule_line *copy = calloc(n ? n : 1, sizeof *copy);
    if (!copy)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        copy[i] = lines[i];
        char *t;
        if (!dup_ok(lines[i].title ? lines[i].title : "", &t)) {
            free_lines(copy, i);
            return -ENOMEM;
        }
        copy[i].title = t;
    }
    free_lines(k->lines, k->n_lines);
    k->lines = copy;
    k->n_lines = n;
    k->schedule_day = day;
    rebuild(k);
    return 0;
}

int kiosk_set_airing(struct kiosk *k, const struct kiosk_airing *a)
{
    struct kiosk_airing na = {0};
    if (a && a->active) {
        char *title, *text;
        bool ok = dup_ok(a->title ? a->title : "", &title);
        ok = dup_ok(a->text, &text) && ok;
        if (!ok) {
            free(title);
            free(text);
            return -ENOMEM;
        }
        na = *a;
        na.title = title;
        na.text = text;
    }
    free((char *)k->airing.title);
    free((char *)k->airing.text);
    k->airing = na;
    rebuild(k);
    return 0;
}

int kiosk_set_next_session(struct kiosk *k, const struct kiosk_next_session *next)
{
    struct kiosk_next_session nn = {0};
    if (next && next->present) {
        char *name;
        if (!dup_ok(next->name ? next->name : "", &name))
            return -ENOMEM;
        nn = *next;
        nn.name = name;
    }
    free((char *)k->next.name);
    k->next = nn;
    rebuild(k);
    return 0;
}

int kiosk_set_banner(struct kiosk *k, const struct kiosk_banner *b)
{
    struct kiosk_banner nb = {0};
    if (b && b->text && *b->text) {
        char *text = strdup(b->text);
        if (!text)
            return -ENOMEM;
        nb.text = text;
        nb.until_lt_usec = b->until_lt_usec;
    }
    free((char *)k->banner.text);
    k->banner = nb;
    rebuild(k);
    return 0;
}

const struct kiosk_content *kiosk_content(const struct kiosk *k)
{
    return &k->content;
}

static int present(struct kiosk *k)
{
    int w, h, pitch;
    const uint32_t *px = kiosk_renderer_pixels(k->renderer, &w, &h, &pitch);
    return kiosk_display_present(k->display, px, w, h, pitch);
}

int kiosk_update(struct kiosk *k, int64_t now_lt_usec, int64_t *ret_next)
{
    struct kiosk_view v;
    int rc = kiosk_renderer_compose(k->renderer, &k->content, now_lt_usec, &v);
    if (rc < 0)
        return rc;
    k->stats.updates++;

    if (k->dirty || !k->have_view || !kiosk_view_same_picture(&v, &k->view)) {
        /* Power on before showing a picture; off only after the black frame is up. */
        if (v.display_on && !k->display_on) {
            kiosk_display_set_power(k->display, true);
            k->display_on = true;
        }
        rc = kiosk_renderer_draw(k->renderer, &k->content, &v);
        if (rc < 0)
            return rc;
        present(k);
        k->stats.redraws++;
        if (!v.display_on && k->display_on) {
            kiosk_display_set_power(k->display, false);
            k->display_on = false;
        }
    }

    /* Proof of display: what is on screen from now on. */
    bool off = kiosk_screen_off_at(&k->content.screen_off, now_lt_usec);
    for (size_t i = 0; i < k->n_notices; i++)
        k->flags[i] = !off && kiosk_notice_valid_at(&k->notices[i], now_lt_usec);
    struct kiosk_proof_state st = {
        .notices = k->notices,
        .n_notices = k->n_notices,
        .in_rotation = k->flags,
        .shown = v.screen == KIOSK_SCREEN_NOTICE ? v.slot.notice : -1,
        .screen_on = !off,
    };
    rc = kiosk_proof_observe(k->proof, now_lt_usec, &st);

    k->view = v;
    k->have_view = true;
    k->dirty = false;
    if (ret_next) {
        int64_t next = v.next_change_lt_usec;
        /* Proof periods close on the hour; wake for it so records are not late. */
        int64_t hour = now_lt_usec -
                       (((now_lt_usec % USEC_PER_HOUR) + USEC_PER_HOUR) % USEC_PER_HOUR) +
                       USEC_PER_HOUR;
        if (hour < next)
            next = hour;
        /* The valid set can change while the screen shows something else. */
        struct kiosk_rotation rot = {.notices = k->notices, .n_notices = k->n_notices};
        int64_t restart = kiosk_rotation_next_restart(&rot, now_lt_usec);
        if (restart < next)
            next = restart;
        *ret_next = next;
    }
    return rc < 0 ? rc : 0;
}

int kiosk_pump(struct kiosk *k)
{
    int rc = kiosk_display_pump(k->display);
    if (rc == KIOSK_PUMP_REPAINT && k->have_view) {
        /* The window's framebuffer may be a new one: draw the whole picture again. */
        void *before = k->target;
        retarget(k);
        if (k->target != before)
            kiosk_renderer_draw(k->renderer, &k->content, &k->view);
        present(k);
    }
    return rc;
}

void kiosk_shutdown(struct kiosk *k, int64_t now_lt_usec)
{
    kiosk_proof_finish(k->proof, now_lt_usec);
}

const struct kiosk_view *kiosk_last_view(const struct kiosk *k)
{
    return &k->view;
}

struct kiosk_renderer *kiosk_get_renderer(struct kiosk *k)
{
    return k->renderer;
}

const char *kiosk_display_driver(const struct kiosk *k)
{
    return kiosk_display_name(k->display);
}

void kiosk_get_stats(const struct kiosk *k, struct kiosk_stats *ret)
{
    *ret = k->stats;
}
