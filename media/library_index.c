/* The generation index: one UTF-8 text file, one record a line, tab-separated fields,
 * closed by a checksum line (docs/library.md "The index").
 *
 * Why text: an official or a technician can read it with `cat`, and a 30-line script
 * can check a library against it. Why a closing checksum: the index is written once,
 * fsynced and never modified; a truncated or altered file is refused as a whole.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "library_private.h"

char *lib_escape(const char *s)
{
    GString *out = g_string_new(NULL);
    const char *p = s;
    while (*p) {
        const char *end;
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            /* Not UTF-8 (a file name from somewhere): keep it readable and lossless
             * enough to recognise. */
            g_string_append_printf(out, "\\x%02X", (unsigned char)*p++);
            continue;
        }
        end = g_utf8_next_char(p);
        switch (*p) {
        case '\t':
            g_string_append(out, "\\t");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        default:
            g_string_append_len(out, p, end - p);
        }
        p = end;
    }
    return g_string_free(out, FALSE);
}

/* Undo lib_escape's \\ \t \n \r (\xNN stays as text: it only ever names a source). */
static char *unescape(const char *s)
{
    GString *out = g_string_new(NULL);
    for (const char *c = s; *c; c++) {
        if (*c == '\\' && c[1]) {
            c++;
            switch (*c) {
            case 't':
                g_string_append_c(out, '\t');
                break;
            case 'n':
                g_string_append_c(out, '\n');
                break;
            case 'r':
                g_string_append_c(out, '\r');
                break;
            case 'x': /* an invalid byte, kept as the text "\xNN" */
                g_string_append(out, "\\x");
                break;
            default:
                g_string_append_c(out, *c);
            }
        } else {
            g_string_append_c(out, *c);
        }
    }
    return g_string_free(out, FALSE);
}

static void fmt_double(GString *s, double v)
{
    if (!isfinite(v)) {
        g_string_append(s, "-inf");
        return;
    }
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.4f", v));
}

static const char *kind_name(enum library_media_kind k)
{
    return k == LIBRARY_MEDIA_IMAGE ? "image" : "audio";
}

int lib_index_format(const struct lib_index *ix, char **ret_text, size_t *ret_len)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, LIB_INDEX_MAGIC "\t%d\n", LIB_INDEX_VERSION);
    g_string_append_printf(s, "generation\t%" PRIu64 "\n", ix->generation);
    for (size_t i = 0; i < ix->n_playlists; i++) {
        const struct lib_playlist_rec *p = &ix->playlists[i];
        char *src = lib_escape(p->source);
        g_string_append_printf(s, "playlist\t%s\t%s\t%" PRId64 "\t%s\n", p->id, p->text_sha256,
                               p->installed_usec, src);
        g_free(src);
    }
    for (size_t i = 0; i < ix->n_media; i++) {
        const struct lib_media_rec *m = &ix->media[i];
        g_string_append_printf(s, "media\t%s\t%s\t%" PRIu64 "\t%s\t%" PRId64 "\t", m->sha256,
                               m->name, m->size, kind_name(m->kind), m->duration_usec);
        fmt_double(s, m->lufs);
        g_string_append_c(s, '\t');
        fmt_double(s, m->tp);
        g_string_append_printf(s, "\t%u\t%u\n", m->channels, m->rate);
    }
    for (size_t i = 0; i < ix->n_refs; i++) {
        const struct lib_ref_rec *r = &ix->refs[i];
        g_string_append_printf(s, "ref\t%s\t%s\t%s\t%s\n", r->playlist_id,
                               r->notice ? "notice" : "item", r->id, r->sha256);
    }
    char hex[MEDIA_SHA256_HEX_SIZE];
    if (media_sha256_buf(s->str, s->len, hex) < 0) {
        g_string_free(s, TRUE);
        return -EIO;
    }
    g_string_append_printf(s, "end\t%s\n", hex);
    *ret_len = s->len;
    *ret_text = g_string_free(s, FALSE);
    return 0;
}

static bool parse_u64(const char *s, uint64_t *ret)
{
    if (!*s || !g_ascii_isdigit(*s))
        return false;
    char *end;
    errno = 0;
    guint64 v = g_ascii_strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *ret = v;
    return true;
}

static bool parse_i64(const char *s, int64_t *ret)
{
    if (!*s)
        return false;
    char *end;
    errno = 0;
    gint64 v = g_ascii_strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *ret = v;
    return true;
}

static bool parse_double(const char *s, double *ret)
{
    if (strcmp(s, "-inf") == 0) {
        *ret = -INFINITY;
        return true;
    }
    if (!*s)
        return false;
    char *end;
    double v = g_ascii_strtod(s, &end);
    if (*end || !isfinite(v))
        return false;
    *ret = v;
    return true;
}

static bool valid_media_name(const char *name, const char *sha)
{
    /* <sha256> or <sha256>.<ext>, ext 1..8 of [a-z0-9] */
    if (strncmp(name, sha, 64) != 0)
        return false;
    const char *e = name + 64;
    if (!*e)
        return true;
    if (*e++ != '.')
        return false;
    size_t n = 0;
    for (; *e; e++, n++)
        if (!((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9')))
            return false;
    return n >= 1 && n <= 8;
}

int lib_index_parse(const char *file, const char *data, size_t len, struct lib_index *ret,
                    struct loa_diag_list *diags)
{
    struct lib_index ix = {0};
    int r = 0, line = 0;
    char **lines = NULL;
#define BAD(...)                                                                                   \
    do {                                                                                           \
        loa_diag_list_add(diags, LOA_SEV_ERROR, file, line, "library index: " __VA_ARGS__);        \
        r = -EBADMSG;                                                                              \
        goto out;                                                                                  \
    } while (0)

    if (memchr(data, '\0', len) || !g_utf8_validate(data, (gssize)len, NULL))
        BAD("not UTF-8 text");
    /* The checksum line closes the file and covers every byte before it. */
    if (len < 2 || data[len - 1] != '\n')
        BAD("truncated (no final line)");
    const char *last = len >= 2 ? g_strrstr_len(data, (gssize)len - 1, "\n") : NULL;
    size_t body_len = last ? (size_t)(last - data) + 1 : 0;
    const char *tail = data + body_len;
    char hex[MEDIA_SHA256_HEX_SIZE];
    if (strncmp(tail, "end\t", 4) != 0 || len - body_len != 4 + 64 + 1)
        BAD("truncated (no closing checksum)");
    if (media_sha256_buf(data, body_len, hex) < 0) {
        r = -EIO;
        goto out;
    }
    if (memcmp(tail + 4, hex, 64) != 0)
        BAD("checksum mismatch: the file was altered or damaged");

    char *body = g_strndup(data, body_len);
    lines = g_strsplit(body, "\n", -1);
    g_free(body);
    GArray *pl = g_array_new(FALSE, TRUE, sizeof(struct lib_playlist_rec));
    GArray *md = g_array_new(FALSE, TRUE, sizeof(struct lib_media_rec));
    GArray *rf = g_array_new(FALSE, TRUE, sizeof(struct lib_ref_rec));
    bool have_gen = false;
    for (line = 1; lines[line - 1] && lines[line]; line++) {
        /* (the split's last element is the "" after the final newline) */
        char **f = g_strsplit(lines[line - 1], "\t", -1);
        guint nf = g_strv_length(f);
        bool ok = true;
        if (nf == 0) {
            ok = false;
        } else if (line == 1) {
            char v[16];
            snprintf(v, sizeof v, "%d", LIB_INDEX_VERSION);
            ok = nf == 2 && strcmp(f[0], LIB_INDEX_MAGIC) == 0 && strcmp(f[1], v) == 0;
        } else if (strcmp(f[0], "generation") == 0 && nf == 2 && !have_gen) {
            ok = parse_u64(f[1], &ix.generation) && ix.generation > 0;
            have_gen = true;
        } else if (strcmp(f[0], "playlist") == 0 && nf == 5) {
            struct lib_playlist_rec p = {0};
            ok = strlen(f[2]) == 64 && media_sha256_is_hex(f[2]) &&
                 parse_i64(f[3], &p.installed_usec) && f[1][0];
            if (ok) {
                p.id = g_strdup(f[1]);
                memcpy(p.text_sha256, f[2], MEDIA_SHA256_HEX_SIZE);
                p.source = unescape(f[4]);
                ok = pl->len == 0 ||
                     strcmp(g_array_index(pl, struct lib_playlist_rec, pl->len - 1).id, p.id) < 0;
                g_array_append_val(pl, p);
            }
        } else if (strcmp(f[0], "media") == 0 && nf == 10) {
            struct lib_media_rec m = {0};
            uint64_t ch = 0, rate = 0;
            ok = media_sha256_is_hex(f[1]) && valid_media_name(f[2], f[1]) &&
                 parse_u64(f[3], &m.size) &&
                 (strcmp(f[4], "audio") == 0 || strcmp(f[4], "image") == 0) &&
                 parse_i64(f[5], &m.duration_usec) && parse_double(f[6], &m.lufs) &&
                 parse_double(f[7], &m.tp) && parse_u64(f[8], &ch) && parse_u64(f[9], &rate) &&
                 ch < 256 && rate < 10000000;
            if (ok) {
                memcpy(m.sha256, f[1], MEDIA_SHA256_HEX_SIZE);
                m.name = g_strdup(f[2]);
                m.kind = strcmp(f[4], "image") == 0 ? LIBRARY_MEDIA_IMAGE : LIBRARY_MEDIA_AUDIO;
                m.channels = (unsigned)ch;
                m.rate = (unsigned)rate;
                ok = md->len == 0 ||
                     strcmp(g_array_index(md, struct lib_media_rec, md->len - 1).sha256, m.sha256) <
                         0;
                g_array_append_val(md, m);
            }
        } else if (strcmp(f[0], "ref") == 0 && nf == 5) {
            struct lib_ref_rec x = {0};
            ok = (strcmp(f[2], "item") == 0 || strcmp(f[2], "notice") == 0) &&
                 media_sha256_is_hex(f[4]) && f[1][0] && f[3][0];
            if (ok) {
                x.playlist_id = g_strdup(f[1]);
                x.notice = strcmp(f[2], "notice") == 0;
                x.id = g_strdup(f[3]);
                memcpy(x.sha256, f[4], MEDIA_SHA256_HEX_SIZE);
                g_array_append_val(rf, x);
            }
        } else {
            ok = false;
        }
        g_strfreev(f);
        ix.n_playlists = pl->len;
        ix.n_media = md->len;
        ix.n_refs = rf->len;
        ix.playlists = (struct lib_playlist_rec *)(void *)pl->data;
        ix.media = (struct lib_media_rec *)(void *)md->data;
        ix.refs = (struct lib_ref_rec *)(void *)rf->data;
        if (!ok) {
            ix.playlists = (void *)g_array_free(pl, FALSE);
            ix.media = (void *)g_array_free(md, FALSE);
            ix.refs = (void *)g_array_free(rf, FALSE);
            BAD("malformed record");
        }
    }
    ix.playlists = (void *)g_array_free(pl, FALSE);
    ix.media = (void *)g_array_free(md, FALSE);
    ix.refs = (void *)g_array_free(rf, FALSE);
    line = 0;
    if (!have_gen)
        BAD("no generation");
    /* Every reference names a listed playlist and a listed media file. */
    for (size_t i = 0; i < ix.n_refs; i++) {
        if (!lib_index_playlist(&ix, ix.refs[i].playlist_id) ||
            !lib_index_media(&ix, ix.refs[i].sha256))
            BAD("reference to an unknown playlist or media (%s/%s)", ix.refs[i].playlist_id,
                ix.refs[i].id);
    }
    *ret = ix;
    memset(&ix, 0, sizeof ix);
out:
#undef BAD
    g_strfreev(lines);
    lib_index_clear(&ix);
    return r;
}

void lib_index_clear(struct lib_index *ix)
{
    for (size_t i = 0; i < ix->n_playlists; i++) {
        g_free(ix->playlists[i].id);
        g_free(ix->playlists[i].source);
    }
    for (size_t i = 0; i < ix->n_media; i++)
        g_free(ix->media[i].name);
    for (size_t i = 0; i < ix->n_refs; i++) {
        g_free(ix->refs[i].playlist_id);
        g_free(ix->refs[i].id);
    }
    g_free(ix->playlists);
    g_free(ix->media);
    g_free(ix->refs);
    memset(ix, 0, sizeof *ix);
}

static int cmp_media_key(const void *key, const void *elem)
{
    return strcmp(key, ((const struct lib_media_rec *)elem)->sha256);
}

static int cmp_playlist_key(const void *key, const void *elem)
{
    return strcmp(key, ((const struct lib_playlist_rec *)elem)->id);
}

const struct lib_media_rec *lib_index_media(const struct lib_index *ix, const char *sha256)
{
    if (!ix->n_media)
        return NULL;
    return bsearch(sha256, ix->media, ix->n_media, sizeof *ix->media, cmp_media_key);
}

const struct lib_playlist_rec *lib_index_playlist(const struct lib_index *ix, const char *id)
{
    if (!ix->n_playlists)
        return NULL;
    return bsearch(id, ix->playlists, ix->n_playlists, sizeof *ix->playlists, cmp_playlist_key);
}
