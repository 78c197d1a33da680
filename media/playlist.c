/* The playlist loader, SPEC.md "Playlist".
 *
 * Decisions where SPEC.md is silent: `announcements` and `notices` are optional (a
 * playlist may carry only notices); `sessions` and `at` also accept a single string;
 * `plays_per_day` is 1..100; a relay's `minutes` is 1..720 and `seconds` 1..43200, one
 * of them exactly; notice `seconds` is 1..600 (default 15); titles are at most 512
 * bytes, texts 16 KiB, after NFC. A notice window must lie inside the campaign, like an
 * item's. An `at` must fall inside one of the item's sessions (checked here when a
 * config is given, and again by plan_validate()).
 */
#include "playlist.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "load_common.h"
#include "text.h"

#define MAX_TITLE 512
#define MAX_TEXT (16 * 1024)

/* Set every NULL string of an item or notice to "" so consumers never see NULL. */
static int fill_empty(char **fields[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!*fields[i] && !(*fields[i] = strdup("")))
            return -ENOMEM;
    return 0;
}

static int resolve(struct loa_ld *ld, const struct loa_playlist *p, const char *rel, int line,
                   const char *what, char **ret)
{
    if (!*rel)
        return loa_ld_error(ld, line, "'%s' must not be empty", what);
    char *abs = loa_text_resolve_path(p->dir, rel);
    if (!abs)
        return -ENOMEM;
    *ret = abs;
    return 0;
}

static int load_window(struct loa_ld *ld, const struct loa_playlist *p, const config_setting_t *g,
                       const char *what, int32_t *from, int32_t *until, bool *has_from,
                       bool *has_until, int *ret_line)
{
    int lf = 0, lu = 0, r, err = 0;
    *from = p->from_day;
    *until = p->until_day;
    if ((r = loa_ld_date(ld, g, "from", false, from, &lf)) < 0)
        err = r;
    if ((r = loa_ld_date(ld, g, "until", false, until, &lu)) < 0)
        err = r;
    if (has_from)
        *has_from = lf > 0;
    if (has_until)
        *has_until = lu > 0;
    int line = lf ? lf : lu ? lu : loa_ld_line(g);
    if (ret_line)
        *ret_line = line;
    if (err < 0)
        return err;
    if (*from > *until)
        return loa_ld_error(ld, lu ? lu : line, "%s window ends before it starts", what);
    if (*from < p->from_day || *until > p->until_day) {
        char a[16], b[16];
        return loa_ld_error(ld, (*from < p->from_day && lf) ? lf : (lu ? lu : line),
                            "%s window reaches outside the campaign (%s to %s)", what,
                            civil_format_date(p->from_day, a, sizeof a),
                            civil_format_date(p->until_day, b, sizeof b));
    }
    return 0;
}

static int load_header(struct loa_ld *ld, const config_setting_t *root, struct loa_playlist *p)
{
    static const char *const keys[] = {"id", "title", "reference", "from", "until", NULL};
    config_setting_t *g = NULL;
    char id[64];
    int err = 0, r, lf = 0, lu = 0;

    r = loa_ld_group(ld, root, "playlist", true, &g);
    if (r < 0)
        return r;
    p->line = loa_ld_line(g);
    if ((r = loa_ld_check_keys(ld, g, "'playlist'", keys)) < 0)
        err = r;
    if ((r = loa_ld_id(ld, g, "id", id, sizeof id, NULL)) < 0)
        err = r;
    else if (!(p->id = strdup(id)))
        return -ENOMEM;
    if ((r = loa_ld_text(ld, g, "title", true, false, MAX_TITLE, &p->title)) < 0)
        err = r;
    if ((r = loa_ld_text(ld, g, "reference", false, false, MAX_TITLE, &p->reference)) < 0)
        err = r;
    if ((r = loa_ld_date(ld, g, "from", true, &p->from_day, &lf)) < 0)
        err = r;
    if ((r = loa_ld_date(ld, g, "until", true, &p->until_day, &lu)) < 0)
        err = r;
    p->window_line = lf ? lf : p->line;
    if (err == 0 && p->from_day > p->until_day)
        err = loa_ld_error(ld, lu, "the campaign ends ('until') before it starts ('from')");
    return err;
}

static bool at_in_sessions(const struct loa_config *c, uint32_t mask, int64_t at)
{
    for (size_t i = 0; i < c->n_sessions; i++)
        if ((mask & (1u << i)) && at >= c->sessions[i].s.start_usec &&
            at < c->sessions[i].s.end_usec)
            return true;
    return false;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int load_sessions_of(struct loa_ld *ld, const config_setting_t *g,
                            const struct loa_config *config, struct loa_playlist_item *it)
{
    const config_setting_t *s = loa_ld_member(g, "sessions");
    const char **v = NULL;
    size_t n = 0;
    int r, err = 0;

    it->sessions =
        config
            ? (uint32_t)((config->n_sessions >= 32) ? UINT32_MAX : ((1u << config->n_sessions) - 1))
            : 0;
    if (!s)
        return 0;
    if ((r = loa_ld_string_list(ld, s, true, &v, &n)) < 0)
        return r;
    if (n == 0) {
        free(v);
        return loa_ld_error(ld, loa_ld_line(s),
                            "'sessions' is empty (leave it out to air in every session)");
    }
    it->session_ids = calloc(n, sizeof *it->session_ids);
    if (!it->session_ids) {
        free(v);
        return -ENOMEM;
    }
    it->sessions = 0;
    for (size_t i = 0; i < n; i++) {
        if (!loa_text_is_id(v[i])) {
            err = loa_ld_error(ld, loa_ld_line(s), "'sessions' holds \"%s\", which is not an id",
                               v[i]);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < it->n_session_ids && !dup; j++)
            dup = strcmp(it->session_ids[j], v[i]) == 0;
        if (dup) {
            err = loa_ld_error(ld, loa_ld_line(s), "'sessions' names '%s' twice", v[i]);
            continue;
        }
        if (!(it->session_ids[it->n_session_ids++] = strdup(v[i]))) {
            free(v);
            return -ENOMEM;
        }
        if (config) {
            int k = loa_config_find_session(config, v[i]);
            if (k < 0) {
                GString *known = g_string_new(NULL);
                for (size_t j = 0; j < config->n_sessions; j++)
                    g_string_append_printf(known, "%s%s", j ? ", " : "", config->sessions[j].id);
                err = loa_ld_error(ld, loa_ld_line(s), "unknown session '%s' (the config has: %s)",
                                   v[i], known->str);
                g_string_free(known, TRUE);
            } else
                it->sessions |= 1u << k;
        }
    }
    free(v);
    return err;
}

static int load_at(struct loa_ld *ld, const config_setting_t *g, struct loa_playlist_item *it)
{
    const config_setting_t *s = loa_ld_member(g, "at");
    const char **v = NULL;
    size_t n = 0;
    int r, err = 0;

    if (!s)
        return 0;
    it->at_line = loa_ld_line(s);
    if ((r = loa_ld_string_list(ld, s, true, &v, &n)) < 0)
        return r;
    if (n == 0) {
        free(v);
        return loa_ld_error(ld, it->at_line, "'at' is empty");
    }
    it->at_usec = calloc(n, sizeof *it->at_usec);
    if (!it->at_usec) {
        free(v);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t t;
        if (civil_parse_time(v[i], &t) < 0) {
            err = loa_ld_error(ld, it->at_line, "'at' must hold times HH:MM, not \"%s\"", v[i]);
            continue;
        }
        it->at_usec[it->n_at++] = t;
    }
    free(v);
    qsort(it->at_usec, it->n_at, sizeof *it->at_usec, cmp_i64);
    for (size_t i = 1; i < it->n_at; i++)
        if (it->at_usec[i] == it->at_usec[i - 1]) {
            char b[16];
            err = loa_ld_error(ld, it->at_line, "'at' lists %s twice",
                               civil_format_hhmm(it->at_usec[i], b, sizeof b));
        }
    return err;
}

static bool valid_url(const char *u)
{
    const char *rest;
    if (strncmp(u, "http://", 7) == 0)
        rest = u + 7;
    else if (strncmp(u, "https://", 8) == 0)
        rest = u + 8;
    else
        return false;
    if (!*rest || *rest == '/' || strlen(u) > 2048)
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= 0x20 || *p == 0x7F)
            return false;
    return true;
}

static int load_item(struct loa_ld *ld, const config_setting_t *g, const struct loa_config *config,
                     unsigned flags, struct loa_playlist *p, struct loa_playlist_item *it)
{
    static const char *const keys[] = {
        "id",   "file", "relay", "title",         "text", "category", "class",   "sessions",
        "days", "from", "until", "plays_per_day", "at",   "minutes",  "seconds", NULL};
    const char *file = NULL, *relay = NULL, *cls = NULL, *cat = NULL;
    int err = 0, r, lfile = 0, lrelay = 0, lcls = 0, lcat = 0;
    char id[64];

    it->line = loa_ld_line(g);
    it->at_line = it->line;
    it->file_line = it->line;
    it->kind = PLAN_KIND_ANNOUNCEMENT;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return loa_ld_error(ld, it->line, "each announcement must be a group { id = ...; ... }");
    if ((r = loa_ld_check_keys(ld, g, "an announcement", keys)) < 0)
        err = r;
    if ((r = loa_ld_id(ld, g, "id", id, sizeof id, NULL)) < 0)
        err = r;
    else if (!(it->id = strdup(id)))
        return -ENOMEM;
    if ((r = loa_ld_text(ld, g, "title", true, false, MAX_TITLE, &it->title)) < 0)
        err = r;
    if ((r = loa_ld_text(ld, g, "text", false, true, MAX_TEXT, &it->text)) < 0)
        err = r;
    if ((r = loa_ld_string(ld, g, "category", false, &cat, &lcat)) < 0)
        err = r;
    else if (cat) {
        if (!loa_text_is_id(cat))
            err = loa_ld_error(ld, lcat,
                               "'category' must be a tag of a-z, 0-9 and '-' (e.g. \"phap-luat\"), "
                               "not \"%s\"",
                               cat);
        else if (!(it->category = strdup(cat)))
            return -ENOMEM;
    }
    if ((r = loa_ld_string(ld, g, "class", false, &cls, &lcls)) < 0)
        err = r;
    else if (cls) {
        if (strcmp(cls, "normal") == 0)
            it->cls = PLAN_CLASS_NORMAL;
        else if (strcmp(cls, "priority") == 0)
            it->cls = PLAN_CLASS_PRIORITY;
        else if (strcmp(cls, "emergency") == 0)
            it->cls = PLAN_CLASS_EMERGENCY;
        else
            err = loa_ld_error(ld, lcls,
                               "'class' must be \"normal\", \"priority\" or \"emergency\", not "
                               "\"%s\"",
                               cls);
    }
    if ((r = load_sessions_of(ld, g, config, it)) < 0)
        err = r;
    if ((r = loa_ld_days(ld, g, "days", &it->days)) < 0)
        err = r;
    if ((r = load_window(ld, p, g, "the item's", &it->from_day, &it->until_day, &it->has_from,
                         &it->has_until, &it->window_line)) < 0)
        err = r;
    int64_t ppd = 0;
    if ((r = loa_ld_int(ld, g, "plays_per_day", 1, 100, &ppd)) < 0)
        err = r;
    it->plays_per_day = (uint32_t)ppd;
    if ((r = load_at(ld, g, it)) < 0)
        err = r;
    if (it->n_at > 0 && loa_ld_member(g, "plays_per_day"))
        err = loa_ld_error(ld, loa_ld_line(loa_ld_member(g, "plays_per_day")),
                           "'plays_per_day' cannot be used with 'at' (one airing at each time)");

    /* What it airs: a file or a relay, exactly one. */
    if ((r = loa_ld_string(ld, g, "file", false, &file, &lfile)) < 0)
        err = r;
    if ((r = loa_ld_string(ld, g, "relay", false, &relay, &lrelay)) < 0)
        err = r;
    int64_t minutes = 0, seconds = 0;
    const config_setting_t *smin = loa_ld_member(g, "minutes");
    const config_setting_t *ssec = loa_ld_member(g, "seconds");
    if ((r = loa_ld_int(ld, g, "minutes", 1, 720, &minutes)) < 0)
        err = r;
    if ((r = loa_ld_int(ld, g, "seconds", 1, 43200, &seconds)) < 0)
        err = r;
    if (file && relay) {
        err = loa_ld_error(ld, lrelay, "an item has either 'file' or 'relay', not both");
    } else if (relay) {
        it->kind = PLAN_KIND_RELAY;
        it->file_line = lrelay;
        if (!valid_url(relay))
            err = loa_ld_error(ld, lrelay, "'relay' must be an http:// or https:// URL, not \"%s\"",
                               relay);
        else if (!(it->relay = strdup(relay)))
            return -ENOMEM;
        if (!loa_ld_member(g, "at"))
            err = loa_ld_error(ld, it->line, "relay '%s' needs 'at' (its start time)",
                               it->id ? it->id : "?");
        if (smin && ssec)
            err =
                loa_ld_error(ld, loa_ld_line(ssec), "a relay has 'minutes' or 'seconds', not both");
        else if (!smin && !ssec)
            err = loa_ld_error(ld, it->line, "relay '%s' needs 'minutes' or 'seconds' (its length)",
                               it->id ? it->id : "?");
        it->length_usec = (minutes * 60 + seconds) * CIVIL_USEC_PER_SEC;
        it->duration_usec = it->length_usec;
    } else if (file) {
        it->file_line = lfile;
        if (smin || ssec)
            err = loa_ld_error(ld, loa_ld_line(smin ? smin : ssec),
                               "'%s' is for relays; an announcement lasts as long as its file",
                               smin ? "minutes" : "seconds");
        if ((r = resolve(ld, p, file, lfile, "file", &it->file)) < 0)
            err = r;
        else if (!(flags & LOA_PLAYLIST_NO_MEDIA_CHECK) && !loa_ld_is_regular_file(it->file))
            err = loa_ld_error(ld, lfile, "media file not found: %s", it->file);
    } else {
        err = loa_ld_error(ld, it->line, "announcement '%s' needs 'file' (or 'relay')",
                           it->id ? it->id : "?");
    }

    if (err == 0 && config && it->n_at > 0) {
        for (size_t i = 0; i < it->n_at; i++)
            if (!at_in_sessions(config, it->sessions, it->at_usec[i])) {
                char b[16];
                err = loa_ld_error(ld, it->at_line, "'at' %s is outside the item's sessions",
                                   civil_format_hhmm(it->at_usec[i], b, sizeof b));
            }
    }
    char **fields[] = {&it->id, &it->file, &it->relay, &it->title, &it->text, &it->category};
    if ((r = fill_empty(fields, G_N_ELEMENTS(fields))) < 0)
        return r;
    return err;
}

static int load_notice(struct loa_ld *ld, const config_setting_t *g, unsigned flags,
                       struct loa_playlist *p, struct loa_playlist_notice *n)
{
    static const char *const keys[] = {"id",   "title", "text", "image", "seconds",
                                       "from", "until", "days", "hours", NULL};
    const char *image = NULL;
    int err = 0, r, limg = 0;
    char id[64];
    int64_t secs = 15;

    n->line = loa_ld_line(g);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return loa_ld_error(ld, n->line, "each notice must be a group { id = ...; ... }");
    if ((r = loa_ld_check_keys(ld, g, "a notice", keys)) < 0)
        err = r;
    if ((r = loa_ld_id(ld, g, "id", id, sizeof id, NULL)) < 0)
        err = r;
    else if (!(n->id = strdup(id)))
        return -ENOMEM;
    if ((r = loa_ld_text(ld, g, "title", true, false, MAX_TITLE, &n->title)) < 0)
        err = r;
    if ((r = loa_ld_text(ld, g, "text", false, true, MAX_TEXT, &n->text)) < 0)
        err = r;
    if ((r = loa_ld_int(ld, g, "seconds", 1, 600, &secs)) < 0)
        err = r;
    n->seconds = (int)secs;
    if ((r = load_window(ld, p, g, "the notice's", &n->from_day, &n->until_day, NULL, NULL, NULL)) <
        0)
        err = r;
    if ((r = loa_ld_days(ld, g, "days", &n->days)) < 0)
        err = r;
    if ((r = loa_ld_window(ld, g, "hours", &n->hours_start_usec, &n->hours_end_usec,
                           &n->has_hours)) < 0)
        err = r;
    if ((r = loa_ld_string(ld, g, "image", false, &image, &limg)) < 0)
        err = r;
    else if (image) {
        if ((r = resolve(ld, p, image, limg, "image", &n->image)) < 0)
            err = r;
        else if (!(flags & LOA_PLAYLIST_NO_MEDIA_CHECK) && !loa_ld_is_regular_file(n->image))
            err = loa_ld_error(ld, limg, "image file not found: %s", n->image);
    }
    char **fields[] = {&n->id, &n->title, &n->text, &n->image};
    if ((r = fill_empty(fields, G_N_ELEMENTS(fields))) < 0)
        return r;
    return err;
}

static int get_list(struct loa_ld *ld, const config_setting_t *root, const char *name,
                    const config_setting_t **ret, int *ret_n)
{
    const config_setting_t *l = loa_ld_member(root, name);
    *ret = l;
    *ret_n = 0;
    if (!l)
        return 0;
    if (config_setting_type(l) != CONFIG_TYPE_LIST)
        return loa_ld_error(ld, loa_ld_line(l), "'%s' must be a list ( { ... }, { ... } )", name);
    *ret_n = config_setting_length(l);
    return 0;
}

/* Ids are unique within the playlist across items and notices: reports and the kiosk
 * name things by id alone. */
static int check_unique_ids(struct loa_ld *ld, struct loa_playlist *p)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int err = 0;
    for (size_t i = 0; i < p->n_items + p->n_notices; i++) {
        const char *id = i < p->n_items ? p->items[i].id : p->notices[i - p->n_items].id;
        int line = i < p->n_items ? p->items[i].line : p->notices[i - p->n_items].line;
        if (!id || !*id)
            continue;
        gpointer prev = g_hash_table_lookup(seen, id);
        if (prev)
            err = loa_ld_error(ld, line, "duplicate id '%s' (first on line %d)", id,
                               GPOINTER_TO_INT(prev));
        else
            g_hash_table_insert(seen, (gpointer)id, GINT_TO_POINTER(line));
    }
    g_hash_table_unref(seen);
    return err;
}

static int load_root(struct loa_ld *ld, const struct loa_config *config, unsigned flags,
                     struct loa_playlist *p)
{
    static const char *const keys[] = {"playlist", "announcements", "notices", NULL};
    const config_setting_t *root = config_root_setting(&ld->cfg);
    const config_setting_t *items, *notices;
    int n_items, n_notices, err = 0, r;

    if ((r = loa_ld_check_keys(ld, root, "the playlist file", keys)) < 0)
        err = r;
    if ((r = load_header(ld, root, p)) < 0)
        return r; /* items need the campaign window */
    if ((r = get_list(ld, root, "announcements", &items, &n_items)) < 0)
        err = r;
    if ((r = get_list(ld, root, "notices", &notices, &n_notices)) < 0)
        err = r;
    if (n_items > 0 && !(p->items = calloc((size_t)n_items, sizeof *p->items)))
        return -ENOMEM;
    if (n_notices > 0 && !(p->notices = calloc((size_t)n_notices, sizeof *p->notices)))
        return -ENOMEM;
    for (int i = 0; i < n_items; i++) {
        p->n_items++;
        r = load_item(ld, config_setting_get_elem(items, (unsigned)i), config, flags, p,
                      &p->items[i]);
        if (r == -ENOMEM)
            return r;
        if (r < 0)
            err = r;
    }
    for (int i = 0; i < n_notices; i++) {
        p->n_notices++;
        r = load_notice(ld, config_setting_get_elem(notices, (unsigned)i), flags, p,
                        &p->notices[i]);
        if (r == -ENOMEM)
            return r;
        if (r < 0)
            err = r;
    }
    if ((r = check_unique_ids(ld, p)) < 0)
        err = r;
    return err;
}

int loa_playlist_parse(const char *path, const char *data, size_t len,
                       const struct loa_config *config, unsigned flags,
                       struct loa_playlist **ret_playlist, struct loa_diag_list *diags)
{
    struct loa_ld ld;
    struct loa_playlist *p = calloc(1, sizeof *p);
    int r;

    if (!p)
        return -ENOMEM;
    p->dir = loa_ld_abs_dir(path, &p->path);
    size_t errors_before = diags->n_errors;
    r = loa_ld_begin(&ld, path, data, len, diags);
    if (r >= 0) {
        r = load_root(&ld, config, flags, p);
        if (r >= 0 && diags->n_errors > errors_before)
            r = -EINVAL;
    }
    loa_ld_done(&ld);
    if (r >= 0) {
        char **fields[] = {&p->id, &p->title, &p->reference};
        r = fill_empty(fields, G_N_ELEMENTS(fields));
    }
    if (r >= 0) {
        *ret_playlist = p;
        p = NULL;
    }
    loa_playlist_free(p);
    return r;
}

int loa_playlist_load(const char *path, const struct loa_config *config,
                      struct loa_playlist **ret_playlist, struct loa_diag_list *diags)
{
    struct loa_diag d;
    char *data = NULL;
    size_t len = 0;
    int r = loa_text_read_file(path, LOA_LOADER_MAX_FILE_SIZE, &data, &len, &d);
    if (r < 0) {
        loa_diag_list_push(diags, &d);
        return r;
    }
    r = loa_playlist_parse(path, data, len, config, 0, ret_playlist, diags);
    free(data);
    return r;
}

static void item_clear(struct loa_playlist_item *it)
{
    free(it->id);
    free(it->file);
    free(it->relay);
    free(it->title);
    free(it->text);
    free(it->category);
    for (size_t i = 0; i < it->n_session_ids; i++)
        free(it->session_ids[i]);
    free(it->session_ids);
    free(it->at_usec);
}

static void notice_clear(struct loa_playlist_notice *n)
{
    free(n->id);
    free(n->title);
    free(n->text);
    free(n->image);
}

struct loa_playlist *loa_playlist_free(struct loa_playlist *p)
{
    if (!p)
        return NULL;
    for (size_t i = 0; i < p->n_items; i++)
        item_clear(&p->items[i]);
    for (size_t i = 0; i < p->n_notices; i++)
        notice_clear(&p->notices[i]);
    free(p->items);
    free(p->notices);
    free(p->path);
    free(p->dir);
    free(p->id);
    free(p->title);
    free(p->reference);
    free(p);
    return NULL;
}

const struct loa_playlist_item *loa_playlist_find_item(const struct loa_playlist *p, const char *id)
{
    for (size_t i = 0; i < p->n_items; i++)
        if (strcmp(p->items[i].id, id) == 0)
            return &p->items[i];
    return NULL;
}
