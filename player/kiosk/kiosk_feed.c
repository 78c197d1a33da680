/* Daemon <-> kiosk messages as serialised GVariants (see kiosk_feed.h). */
#include "kiosk_feed.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define T_CONTENT "((sss)i(bxx)a(ssssiiiybxx))"
#define T_SCHEDULE "(ia(uxxs)(bsix))"
#define T_AIRING "(bssbx)"
#define T_SHUTDOWN "()"
#define T_PROOF "(ssxxuxu)"
#define T_BANNER "(sx)"

struct feed_priv {
    GVariant *v;
    struct kiosk_notice *notices;
    struct kiosk_schedule_line *lines;
};

static const char *type_of(enum kiosk_msg_kind k)
{
    switch (k) {
    case KIOSK_MSG_CONTENT:
        return T_CONTENT;
    case KIOSK_MSG_SCHEDULE:
        return T_SCHEDULE;
    case KIOSK_MSG_AIRING:
        return T_AIRING;
    case KIOSK_MSG_SHUTDOWN:
        return T_SHUTDOWN;
    case KIOSK_MSG_PROOF:
        return T_PROOF;
    case KIOSK_MSG_BANNER:
        return T_BANNER;
    }
    return NULL;
}

static const char *s_(const char *s)
{
    return s ? s : "";
}

static GVariant *payload(const struct kiosk_msg *m)
{
    GVariantBuilder b;
    switch (m->kind) {
    case KIOSK_MSG_CONTENT:
        g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssssiiiybxx)"));
        for (size_t i = 0; i < m->n_notices; i++) {
            const struct kiosk_notice *n = &m->notices[i];
            g_variant_builder_add(&b, "(ssssiiiybxx)", s_(n->id), s_(n->title), s_(n->text),
                                  s_(n->image_path), (gint32)n->seconds, (gint32)n->from_day,
                                  (gint32)n->until_day, (guchar)n->days, (gboolean)n->has_hours,
                                  (gint64)n->hours_start_usec, (gint64)n->hours_end_usec);
        }
        return g_variant_new("((sss)i(bxx)a(ssssiiiybxx))", s_(m->identity.commune),
                             s_(m->identity.district), s_(m->identity.province),
                             (gint32)m->rotate_seconds, (gboolean)m->screen_off.enabled,
                             (gint64)m->screen_off.start_usec, (gint64)m->screen_off.end_usec, &b);
    case KIOSK_MSG_SCHEDULE:
        g_variant_builder_init(&b, G_VARIANT_TYPE("a(uxxs)"));
        for (size_t i = 0; i < m->n_schedule; i++) {
            const struct kiosk_schedule_line *l = &m->schedule[i];
            g_variant_builder_add(&b, "(uxxs)", (guint32)l->kind, (gint64)l->start_usec,
                                  (gint64)l->end_usec, s_(l->title));
        }
        return g_variant_new("(ia(uxxs)(bsix))", (gint32)m->schedule_day, &b,
                             (gboolean)m->next.present, s_(m->next.name), (gint32)m->next.day,
                             (gint64)m->next.start_usec);
    case KIOSK_MSG_AIRING:
        return g_variant_new("(bssbx)", (gboolean)m->airing.active, s_(m->airing.title),
                             s_(m->airing.text), (gboolean)m->airing.emergency,
                             (gint64)m->airing.start_lt_usec);
    case KIOSK_MSG_SHUTDOWN:
        return g_variant_new("()");
    case KIOSK_MSG_PROOF:
        return g_variant_new("(ssxxuxu)", s_(m->proof.notice_id), s_(m->proof.title),
                             (gint64)m->proof.first_shown_lt_usec,
                             (gint64)m->proof.last_shown_lt_usec, (guint32)m->proof.times_shown,
                             (gint64)m->proof.shown_usec, (guint32)m->proof.closed_by);
    case KIOSK_MSG_BANNER:
        return g_variant_new("(sx)", s_(m->banner.text), (gint64)m->banner.until_lt_usec);
    }
    return NULL;
}

int kiosk_msg_encode(const struct kiosk_msg *m, void **ret_buf, size_t *ret_len)
{
    if (!type_of(m->kind))
        return -EINVAL;
    GVariant *v = g_variant_ref_sink(g_variant_new("(uv)", (guint32)m->kind, payload(m)));
    GVariant *norm = g_variant_get_normal_form(v);
    g_variant_unref(v);
    if (G_BYTE_ORDER != G_LITTLE_ENDIAN) {
        GVariant *le = g_variant_byteswap(norm);
        g_variant_unref(norm);
        norm = le;
    }
    size_t n = g_variant_get_size(norm);
    void *buf = malloc(n ? n : 1);
    if (!buf) {
        g_variant_unref(norm);
        return -ENOMEM;
    }
    g_variant_store(norm, buf);
    g_variant_unref(norm);
    *ret_buf = buf;
    *ret_len = n;
    return 0;
}

struct kiosk_msg *kiosk_msg_free(struct kiosk_msg *m)
{
    if (!m)
        return NULL;
    struct feed_priv *p = m->priv_;
    if (p) {
        if (p->v)
            g_variant_unref(p->v);
        free(p->notices);
        free(p->lines);
        free(p);
    }
    free(m);
    return NULL;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static int decode_payload(struct kiosk_msg *m, struct feed_priv *p, GVariant *inner)
{
    switch (m->kind) {
    case KIOSK_MSG_CONTENT: {
        GVariant *ident = g_variant_get_child_value(inner, 0);
        g_variant_get(ident, "(&s&s&s)", &m->identity.commune, &m->identity.district,
                      &m->identity.province);
        g_variant_unref(ident);
        m->identity.district = nonempty(m->identity.district);
        m->identity.province = nonempty(m->identity.province);
        gint32 rot;
        gboolean en;
        gint64 s, e;
        g_variant_get_child(inner, 1, "i", &rot);
        g_variant_get_child(inner, 2, "(bxx)", &en, &s, &e);
        m->rotate_seconds = rot;
        m->screen_off = (struct kiosk_screen_off){en, s, e};
        GVariant *arr = g_variant_get_child_value(inner, 3);
        size_t n = g_variant_n_children(arr);
        p->notices = calloc(n ? n : 1, sizeof *p->notices);
        if (!p->notices) {
            g_variant_unref(arr);
            return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            struct kiosk_notice *k = &p->notices[i];
            const char *text, *img;
            gint32 sec, from, until;
            guchar days;
            gboolean hh;
            gint64 hs, he;
            g_variant_get_child(arr, i, "(&s&s&s&siiiybxx)", &k->id, &k->title, &text, &img, &sec,
                                &from, &until, &days, &hh, &hs, &he);
            k->text = nonempty(text);
            k->image_path = nonempty(img);
            k->seconds = sec;
            k->from_day = from;
            k->until_day = until;
            k->days = days;
            k->has_hours = hh;
            k->hours_start_usec = hs;
            k->hours_end_usec = he;
        }
        g_variant_unref(arr);
        m->notices = p->notices;
        m->n_notices = n;
        return 0;
    }
    case KIOSK_MSG_SCHEDULE: {
        gint32 day, nday;
        gboolean present;
        const char *name;
        gint64 start;
        g_variant_get_child(inner, 0, "i", &day);
        g_variant_get_child(inner, 2, "(b&six)", &present, &name, &nday, &start);
        m->schedule_day = day;
        m->next = (struct kiosk_next_session){present, name, nday, start};
        GVariant *arr = g_variant_get_child_value(inner, 1);
        size_t n = g_variant_n_children(arr);
        p->lines = calloc(n ? n : 1, sizeof *p->lines);
        if (!p->lines) {
            g_variant_unref(arr);
            return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            guint32 kind;
            gint64 a, b;
            const char *title;
            g_variant_get_child(arr, i, "(uxx&s)", &kind, &a, &b, &title);
            p->lines[i] = (struct kiosk_schedule_line){
                kind == KIOSK_LINE_SESSION ? KIOSK_LINE_SESSION : KIOSK_LINE_ITEM, a, b, title};
        }
        g_variant_unref(arr);
        m->schedule = p->lines;
        m->n_schedule = n;
        return 0;
    }
    case KIOSK_MSG_AIRING: {
        gboolean active, emergency;
        const char *title, *text;
        gint64 start;
        g_variant_get(inner, "(b&s&sbx)", &active, &title, &text, &emergency, &start);
        m->airing = (struct kiosk_airing){active, title, nonempty(text), emergency, start};
        return 0;
    }
    case KIOSK_MSG_SHUTDOWN:
        return 0;
    case KIOSK_MSG_PROOF: {
        const char *id, *title;
        gint64 first, last, shown;
        guint32 times, why;
        g_variant_get(inner, "(&s&sxxuxu)", &id, &title, &first, &last, &times, &shown, &why);
        if (why > KIOSK_PROOF_SHUTDOWN)
            return -EBADMSG;
        m->proof = (struct kiosk_proof_record){
            id, title, first, last, times, shown, (enum kiosk_proof_close)why};
        return 0;
    }
    case KIOSK_MSG_BANNER: {
        const char *text;
        gint64 until;
        g_variant_get(inner, "(&sx)", &text, &until);
        /* One short line for a footer: anything else is not a banner we made. */
        if (strlen(text) > KIOSK_BANNER_MAX || strpbrk(text, "\r\n"))
            return -EBADMSG;
        m->banner = (struct kiosk_banner){nonempty(text), until};
        return 0;
    }
    }
    return -EBADMSG;
}

int kiosk_msg_decode(const void *buf, size_t len, struct kiosk_msg **ret)
{
    if (!buf || len == 0)
        return -EBADMSG;
    void *copy = g_memdup2(buf, len);
    GVariant *v = g_variant_ref_sink(
        g_variant_new_from_data(G_VARIANT_TYPE("(uv)"), copy, len, FALSE, g_free, copy));
    if (G_BYTE_ORDER != G_LITTLE_ENDIAN) {
        GVariant *sw = g_variant_byteswap(v);
        g_variant_unref(v);
        v = sw;
    }
    /* Only the canonical form is accepted: the same message has one encoding. */
    if (!g_variant_is_normal_form(v)) {
        g_variant_unref(v);
        return -EBADMSG;
    }
    guint32 kind;
    GVariant *inner;
    g_variant_get(v, "(uv)", &kind, &inner);
    const char *t = type_of((enum kiosk_msg_kind)kind);
    if (!t || !g_variant_is_of_type(inner, G_VARIANT_TYPE(t))) {
        g_variant_unref(inner);
        g_variant_unref(v);
        return -EBADMSG;
    }
    struct kiosk_msg *m = calloc(1, sizeof *m);
    struct feed_priv *p = calloc(1, sizeof *p);
    if (!m || !p) {
        free(m);
        free(p);
        g_variant_unref(inner);
        g_variant_unref(v);
        return -ENOMEM;
    }
    m->kind = (enum kiosk_msg_kind)kind;
    m->priv_ = p;
    p->v = v; /* keeps `inner` and every borrowed string alive */
    int rc = decode_payload(m, p, inner);
    g_variant_unref(inner);
    if (rc < 0) {
        kiosk_msg_free(m);
        return rc;
    }
    *ret = m;
    return 0;
}
