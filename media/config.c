/* The device configuration loader (loa.cfg), SPEC.md "Device configuration".
 *
 * Defaults where SPEC.md names none (documented here so `loa check` and the README agree):
 * audio: output "auto", volume 1.0, loudness_target -16, true_peak_max -1, gap_seconds 3,
 * no chime; board: driver "none", amp_chip "gpiochip0", amp_line "GPIO17", active high,
 * warm-up 2000 ms, hold 30 s; kiosk: disabled, 1280x720, rotation 0, fullscreen,
 * 12 s per notice, Noto Sans; storage: /var/lib/loa; time: require_trust, 15 minutes of
 * catch-up, 168 hours of holdover. `device` and `sessions` are required.
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "load_common.h"
#include "playlist.h"
#include "text.h"

#define DEFAULT_FONT "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"

static int copy_path(struct loa_ld *ld, const struct loa_config *c, const char *rel, int line,
                     const char *what, char *buf, size_t size)
{
    char *abs = loa_text_resolve_path(c->dir, rel);
    if (!abs)
        return -ENOMEM;
    if (strlen(abs) >= size) {
        free(abs);
        return loa_ld_error(ld, line, "'%s' is too long", what);
    }
    snprintf(buf, size, "%s", abs);
    free(abs);
    return 0;
}

static int load_unit(struct loa_ld *ld, const config_setting_t *device, const char *name,
                     bool required, struct loa_unit *u)
{
    static const char *const keys[] = {"code", "name", NULL};
    config_setting_t *g = NULL;
    const char *code = NULL;
    int line = 0;
    int r = loa_ld_group(ld, device, name, required, &g);
    if (r < 0 || !g)
        return r;
    char where[64];
    snprintf(where, sizeof where, "'device.%s'", name);
    r = loa_ld_check_keys(ld, g, where, keys);
    int r2 = loa_ld_string(ld, g, "code", true, &code, &line);
    if (r2 == 0) {
        size_t n = strlen(code);
        bool digits = n >= 1 && n < sizeof u->code;
        for (size_t i = 0; i < n && digits; i++)
            digits = g_ascii_isdigit(code[i]);
        if (!digits)
            r2 = loa_ld_error(ld, line,
                              "'code' must be the official unit code (digits), not \"%s\"", code);
        else
            snprintf(u->code, sizeof u->code, "%s", code);
    }
    int r3 = loa_ld_text_buf(ld, g, "name", true, u->name, sizeof u->name);
    u->present = true;
    return r < 0 ? r : r2 < 0 ? r2 : r3;
}

static int load_device(struct loa_ld *ld, const config_setting_t *root, struct loa_config *c)
{
    static const char *const keys[] = {"id",         "province", "district", "commune",
                                       "unit_codes", "timezone", NULL};
    config_setting_t *g = NULL;
    const char *v = NULL;
    int line = 0, err = 0, r;

    r = loa_ld_group(ld, root, "device", true, &g);
    if (r < 0)
        return r;
    if ((r = loa_ld_check_keys(ld, g, "'device'", keys)) < 0)
        err = r;
    if ((r = loa_ld_id(ld, g, "id", c->device.id, sizeof c->device.id, NULL)) < 0)
        err = r;
    if ((r = load_unit(ld, g, "province", true, &c->device.province)) < 0)
        err = r;
    if ((r = load_unit(ld, g, "district", false, &c->device.district)) < 0)
        err = r;
    if ((r = load_unit(ld, g, "commune", true, &c->device.commune)) < 0)
        err = r;

    r = loa_ld_string(ld, g, "unit_codes", true, &v, &line);
    if (r == 0) {
        if (strlen(v) != 4 || !g_ascii_isdigit(v[0]) || !g_ascii_isdigit(v[1]) ||
            !g_ascii_isdigit(v[2]) || !g_ascii_isdigit(v[3]))
            r = loa_ld_error(ld, line,
                             "'unit_codes' must be the year of the unit code list, e.g. \"2020\", "
                             "not \"%s\"",
                             v);
        else
            snprintf(c->device.unit_codes, sizeof c->device.unit_codes, "%s", v);
    }
    if (r < 0)
        err = r;

    v = NULL;
    r = loa_ld_string(ld, g, "timezone", true, &v, &line);
    if (r == 0) {
        /* Only names of the tz database: GLib would otherwise accept "UTC+7"-style
         * offsets, which ignore daylight-saving rules. */
        bool plain =
            *v && strlen(v) < sizeof c->device.timezone && v[0] != '/' && strstr(v, "..") == NULL;
        for (const char *p = v; *p && plain; p++)
            plain = g_ascii_isalnum(*p) || *p == '/' || *p == '_' || *p == '-' || *p == '+';
        GTimeZone *tz = plain ? g_time_zone_new_identifier(v) : NULL;
        if (!tz)
            r = loa_ld_error(ld, line,
                             "'timezone' must be a time zone name such as \"Asia/Ho_Chi_Minh\", "
                             "not \"%s\"",
                             v);
        else {
            g_time_zone_unref(tz);
            snprintf(c->device.timezone, sizeof c->device.timezone, "%s", v);
        }
    }
    if (r < 0)
        err = r;
    return err;
}

static bool windows_overlap_daily(int64_t s_start, int64_t s_end, int64_t w_start, int64_t w_end)
{
    /* Session [s_start,s_end) never wraps; window may. Split a wrapping window. */
    if (w_start < w_end)
        return s_start < w_end && w_start < s_end;
    return s_end > w_start || s_start < w_end;
}

static int load_sessions(struct loa_ld *ld, const config_setting_t *root, struct loa_config *c)
{
    static const char *const keys[] = {"id", "name", "start", "end", "days", NULL};
    const config_setting_t *l = loa_ld_member(root, "sessions");
    int err = 0, r;

    if (!l)
        return loa_ld_error(ld, 1, "'sessions' is missing (the daily broadcast windows)");
    if (config_setting_type(l) != CONFIG_TYPE_LIST && config_setting_type(l) != CONFIG_TYPE_ARRAY)
        return loa_ld_error(ld, loa_ld_line(l), "'sessions' must be a list ( { ... }, ... )");
    int n = config_setting_length(l);
    if (n == 0)
        return loa_ld_error(ld, loa_ld_line(l), "'sessions' is empty: declare at least one");
    if (n > PLAN_MAX_SESSIONS)
        return loa_ld_error(ld, loa_ld_line(l), "too many sessions (%d, at most %d)", n,
                            PLAN_MAX_SESSIONS);
    c->sessions = calloc((size_t)n, sizeof *c->sessions);
    if (!c->sessions)
        return -ENOMEM;
    c->n_sessions = (size_t)n;

    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        struct loa_config_session *s = &c->sessions[i];
        s->line = loa_ld_line(g);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            err = loa_ld_error(ld, s->line, "each session must be a group { id = ...; ... }");
            continue;
        }
        bool ok = true;
        if ((r = loa_ld_check_keys(ld, g, "a session", keys)) < 0)
            err = r, ok = false;
        if ((r = loa_ld_id(ld, g, "id", s->id, sizeof s->id, NULL)) < 0)
            err = r, ok = false;
        if ((r = loa_ld_text_buf(ld, g, "name", false, s->name, sizeof s->name)) < 0)
            err = r, ok = false;
        if (!s->name[0])
            snprintf(s->name, sizeof s->name, "%s", s->id);
        if ((r = loa_ld_time(ld, g, "start", true, &s->s.start_usec)) < 0)
            err = r, ok = false;
        if ((r = loa_ld_time(ld, g, "end", true, &s->s.end_usec)) < 0)
            err = r, ok = false;
        if ((r = loa_ld_days(ld, g, "days", &s->s.days)) < 0)
            err = r, ok = false;
        if (!ok)
            continue;
        if (s->s.end_usec <= s->s.start_usec) {
            err = loa_ld_error(ld, s->line,
                               "session '%s' must end after it starts, on the same day", s->id);
            continue;
        }
        for (int j = 0; j < i; j++) {
            const struct loa_config_session *o = &c->sessions[j];
            if (!o->id[0])
                continue;
            if (strcmp(o->id, s->id) == 0) {
                err = loa_ld_error(ld, s->line, "duplicate session id '%s' (first on line %d)",
                                   s->id, o->line);
            } else if ((o->s.days & s->s.days) && o->s.end_usec > o->s.start_usec &&
                       s->s.start_usec < o->s.end_usec && o->s.start_usec < s->s.end_usec) {
                err = loa_ld_error(ld, s->line,
                                   "session '%s' overlaps session '%s' (line %d) on a shared day",
                                   s->id, o->id, o->line);
            }
        }
    }
    for (size_t i = 0; i < c->n_sessions; i++) {
        c->sessions[i].s.id = c->sessions[i].id;
        c->sessions[i].s.name = c->sessions[i].name;
    }
    return err;
}

static int cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int load_skip_dates(struct loa_ld *ld, const config_setting_t *root, struct loa_config *c)
{
    const config_setting_t *s = loa_ld_member(root, "skip_dates");
    const char **v = NULL;
    size_t n = 0;
    int r, err = 0;
    if (!s)
        return 0;
    r = loa_ld_string_list(ld, s, false, &v, &n);
    if (r < 0)
        return r;
    c->skip_days = calloc(n ? n : 1, sizeof *c->skip_days);
    if (!c->skip_days) {
        free(v);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t d;
        int line = loa_ld_line(config_setting_get_elem(s, (unsigned)i));
        if (civil_parse_date(v[i], &d) < 0) {
            err =
                loa_ld_error(ld, line, "'skip_dates' must hold dates YYYY-MM-DD, not \"%s\"", v[i]);
            continue;
        }
        c->skip_days[c->n_skip_days++] = d;
    }
    free(v);
    qsort(c->skip_days, c->n_skip_days, sizeof *c->skip_days, cmp_day);
    size_t w = 0;
    for (size_t i = 0; i < c->n_skip_days; i++) {
        if (w > 0 && c->skip_days[w - 1] == c->skip_days[i]) {
            char buf[16];
            loa_ld_warn(ld, loa_ld_line(s), "'skip_dates' lists %s twice",
                        civil_format_date(c->skip_days[i], buf, sizeof buf));
            continue;
        }
        c->skip_days[w++] = c->skip_days[i];
    }
    c->n_skip_days = w;
    return err;
}

static int load_audio(struct loa_ld *ld, const config_setting_t *root, struct loa_config *c)
{
    static const char *const keys[] = {
        "output", "volume", "loudness_target", "true_peak_max", "gap_seconds", "chime", NULL};
    config_setting_t *g = NULL;
    const char *v = NULL;
    int line = 0, err = 0, r;
    double gap = 3.0;

    snprintf(c->audio.output, sizeof c->audio.output, "auto");
    c->audio.volume = 1.0;
    c->audio.loudness_target = -16.0;
    c->audio.true_peak_max = -1.0;
    c->audio.gap_usec = 3 * CIVIL_USEC_PER_SEC;

    r = loa_ld_group(ld, root, "audio", false, &g);
    if (r < 0 || !g)
        return r;
    if ((r = loa_ld_check_keys(ld, g, "'audio'", keys)) < 0)
        err = r;
    r = loa_ld_string(ld, g, "output", false, &v, &line);
    if (r < 0)
        err = r;
    else if (v) {
        if (strcmp(v, "auto") == 0 || strcmp(v, "null") == 0)
            snprintf(c->audio.output, sizeof c->audio.output, "%s", v);
        else if (strncmp(v, "alsa:", 5) == 0 && v[5] && strlen(v) < 128)
            snprintf(c->audio.output, sizeof c->audio.output, "%s", v);
        else if (strncmp(v, "file:", 5) == 0 && strlen(v) > 9 && g_str_has_suffix(v, ".wav")) {
            char path[4000];
            r = copy_path(ld, c, v + 5, line, "output", path, sizeof path);
            if (r < 0)
                err = r;
            else
                snprintf(c->audio.output, sizeof c->audio.output, "file:%s", path);
        } else
            err = loa_ld_error(ld, line,
                               "'output' must be \"auto\", \"null\", \"alsa:DEVICE\" or "
                               "\"file:PATH.wav\", not \"%s\"",
                               v);
    }
    if ((r = loa_ld_number(ld, g, "volume", 0.0, 1.0, &c->audio.volume)) < 0)
        err = r;
    if ((r = loa_ld_number(ld, g, "loudness_target", -70.0, -5.0, &c->audio.loudness_target)) < 0)
        err = r;
    if ((r = loa_ld_number(ld, g, "true_peak_max", -20.0, 0.0, &c->audio.true_peak_max)) < 0)
        err = r;
    if ((r = loa_ld_number(ld, g, "gap_seconds", 0.0, 600.0, &gap)) < 0)
        err = r;
    /* Whole milliseconds, like media durations, so the plan's arithmetic is exact. */
    c->audio.gap_usec = (int64_t)(gap * 1000.0 + 0.5) * 1000;

    v = NULL;
    r = loa_ld_string(ld, g, "chime", false, &v, &line);
    if (r < 0)
        err = r;
    else if (v && *v) {
        r = copy_path(ld, c, v, line, "chime", c->audio.chime, sizeof c->audio.chime);
        if (r < 0)
            err = r;
        else if (!loa_ld_is_regular_file(c->audio.chime))
            err = loa_ld_error(ld, line, "chime file not found: %s", c->audio.chime);
    }
    return err;
}

static int load_board(struct loa_ld *ld, const config_setting_t *root, struct loa_config *c)
{
    static const char *const keys[] = {"driver",        "amp_chip",   "amp_line", "amp_active_low",
                                       "amp_warmup_ms", "amp_hold_s", NULL};
    config_setting_t *g = NULL;
    const char *v = NULL;
    int line = 0, err = 0, r;
    int64_t warm = 2000, hold = 30;

    c->board.driver = LOA_BOARD_NONE;
    snprintf(c->board.amp_chip, sizeof c->board.amp_chip, "gpiochip0");
    snprintf(c->board.amp_line, sizeof c->board.amp_line, "GPIO17");
    c->board.amp_warmup_usec = warm * 1000;
    c->board.amp_hold_usec = hold * CIVIL_USEC_PER_SEC;

    r = loa_ld_group(ld, root, "board", false, &g);
    if (r < 0 || !g)
        return r;
    if ((r = loa_ld_check_keys(ld, g, "'board'", keys)) < 0)
        err = r;
    r = loa_ld_string(ld, g, "driver", false, &v, &line);
    if (r < 0)
        err = r;
    else if (v) {
        if (strcmp(v, "gpio") == 0)
            c->board.driver = LOA_BOARD_GPIO;
        else if (strcmp(v, "sim") == 0)
            c->board.driver = LOA_BOARD_SIM;
        else if (strcmp(v, "none") == 0)
            c->board.driver = LOA_BOARD_NONE;
        else
            err = loa_ld_error(ld, line,
                               "'driver' must be \"gpio\", \"sim\" or \"none\", not \"%s\"", v);
    }
    const char *names[2] = {"amp_chip", "amp_line"};
    char *bufs[2] = {c->board.amp_chip, c->board.amp_line};
    for (int i = 0; i < 2; i++) {
        v = NULL;
        r = loa_ld_string(ld, g, names[i], false, &v, &line);
        if (r < 0) {
            err = r;
            continue;
        }
        if (!v)
            continue;
        bool ok = *v && strlen(v) < 64;
        for (const char *p = v; *p && ok; p++)
            ok = g_ascii_isalnum(*p) || *p == '_' || *p == '-' || *p == '.' || *p == '/';
        if (!ok)
            err = loa_ld_error(ld, line, "'%s' must be a GPIO chip or line name, not \"%s\"",
                               names[i], v);
        else
            snprintf(bufs[i], 64, "%s", v);
    }
    if ((r = loa_ld_bool(ld, g, "amp_active_low", &c->board.amp_active_low)) < 0)
        err = r;
    if ((r = loa_ld_int(ld, g, "amp_warmup_ms", 0, 60000, &warm)) < 0)
        err = r;
    if ((r = loa_ld_int(ld, g, "amp_hold_s", 0, 3600, &hold)) < 0)
        err = r;
    c->board.amp_warmup_usec = warm * 1000;
    c->board.amp_hold_usec = hold * CIVIL_USEC_PER_SEC;
    return err;
}

static int load_kiosk(struct loa_ld *ld, const config_setting_t *root, struct loa_config *c)
{
    static const char *const keys[] = {"enabled",        "size", "rotation",   "fullscreen",
                                       "rotate_seconds", "font", "screen_off", NULL};
    config_setting_t *g = NULL;
    const char *v = NULL;
    int line = 0, err = 0, r;
    int64_t rot = 0, secs = 12;

    c->kiosk.width = 1280;
    c->kiosk.height = 720;
    c->kiosk.fullscreen = true;
    c->kiosk.rotate_seconds = 12;
    snprintf(c->kiosk.font, sizeof c->kiosk.font, "%s", DEFAULT_FONT);

    r = loa_ld_group(ld, root, "kiosk", false, &g);
    if (r < 0 || !g)
        return r;
    if ((r = loa_ld_check_keys(ld, g, "'kiosk'", keys)) < 0)
        err = r;
    if ((r = loa_ld_bool(ld, g, "enabled", &c->kiosk.enabled)) < 0)
        err = r;
    if ((r = loa_ld_bool(ld, g, "fullscreen", &c->kiosk.fullscreen)) < 0)
        err = r;
    r = loa_ld_string(ld, g, "size", false, &v, &line);
    if (r < 0)
        err = r;
    else if (v) {
        int w = 0, h = 0, used = 0;
        /* SPEC.md: any resolution from 800x480 to 1920x1080 (rotation turns it). */
        if (sscanf(v, "%4dx%4d%n", &w, &h, &used) != 2 || (size_t)used != strlen(v) || w < 800 ||
            w > 1920 || h < 480 || h > 1080)
            err = loa_ld_error(
                ld, line, "'size' must be WIDTHxHEIGHT from 800x480 to 1920x1080, not \"%s\"", v);
        else
            c->kiosk.width = w, c->kiosk.height = h;
    }
    if ((r = loa_ld_int(ld, g, "rotation", 0, 270, &rot)) < 0)
        err = r;
    else if (rot % 90 != 0)
        err = loa_ld_error(ld, loa_ld_line(loa_ld_member(g, "rotation")),
                           "'rotation' must be 0, 90, 180 or 270, not %lld", (long long)rot);
    c->kiosk.rotation = (int)rot;
    if ((r = loa_ld_int(ld, g, "rotate_seconds", 1, 3600, &secs)) < 0)
        err = r;
    c->kiosk.rotate_seconds = (int)secs;
    v = NULL;
    r = loa_ld_string(ld, g, "font", false, &v, &line);
    if (r < 0)
        err = r;
    else if (v) {
        if (!*v)
            err = loa_ld_error(ld, line, "'font' must name a font file");
        else if ((r = copy_path(ld, c, v, line, "font", c->kiosk.font, sizeof c->kiosk.font)) < 0)
            err = r;
        else if (!loa_ld_is_regular_file(c->kiosk.font))
            /* A missing font never stops a broadcast: the kiosk falls back. */
            loa_ld_warn(ld, line, "font file not found: %s", c->kiosk.font);
    }
    if ((r = loa_ld_window(ld, g, "screen_off", &c->kiosk.screen_off_start_usec,
                           &c->kiosk.screen_off_end_usec, &c->kiosk.has_screen_off)) < 0)
        err = r;
    return err;
}

static int load_storage(struct loa_ld *ld, const config_setting_t *root, struct loa_config *c)
{
    static const char *const keys[] = {"data_dir", NULL};
    config_setting_t *g = NULL;
    const char *v = NULL;
    int line = 0, err = 0, r;

    snprintf(c->storage.data_dir, sizeof c->storage.data_dir, "/var/lib/loa");
    r = loa_ld_group(ld, root, "storage", false, &g);
    if (r < 0 || !g)
        return r;
    if ((r = loa_ld_check_keys(ld, g, "'storage'", keys)) < 0)
        err = r;
    r = loa_ld_string(ld, g, "data_dir", false, &v, &line);
    if (r < 0)
        err = r;
    else if (v) {
        if (!*v)
            err = loa_ld_error(ld, line, "'data_dir' must not be empty");
        else if ((r = copy_path(ld, c, v, line, "data_dir", c->storage.data_dir,
                                sizeof c->storage.data_dir)) < 0)
            err = r;
    }
    return err;
}

static int load_time(struct loa_ld *ld, const config_setting_t *root, struct loa_config *c)
{
    static const char *const keys[] = {"require_trust", "catch_up_minutes", "max_holdover_hours",
                                       NULL};
    config_setting_t *g = NULL;
    int err = 0, r;
    int64_t cu = 15, mh = 168;

    c->time.require_trust = true;
    c->time.catch_up_minutes = 15;
    c->time.max_holdover_hours = 168;
    r = loa_ld_group(ld, root, "time", false, &g);
    if (r < 0 || !g)
        return r;
    if ((r = loa_ld_check_keys(ld, g, "'time'", keys)) < 0)
        err = r;
    if ((r = loa_ld_bool(ld, g, "require_trust", &c->time.require_trust)) < 0)
        err = r;
    if ((r = loa_ld_int(ld, g, "catch_up_minutes", 0, 240, &cu)) < 0)
        err = r;
    if ((r = loa_ld_int(ld, g, "max_holdover_hours", 1, 8760, &mh)) < 0)
        err = r;
    c->time.catch_up_minutes = (int)cu;
    c->time.max_holdover_hours = (int)mh;
    return err;
}

static int load_root(struct loa_ld *ld, struct loa_config *c)
{
    static const char *const keys[] = {"device", "sessions", "quiet_hours", "skip_dates", "audio",
                                       "board",  "kiosk",    "storage",     "time",       NULL};
    const config_setting_t *root = config_root_setting(&ld->cfg);
    int err = 0, r;

    if ((r = loa_ld_check_keys(ld, root, "the configuration", keys)) < 0)
        err = r;
    if ((r = load_device(ld, root, c)) < 0)
        err = r;
    if ((r = load_sessions(ld, root, c)) < 0)
        err = r;
    int line = loa_ld_line(loa_ld_member(root, "quiet_hours"));
    if ((r = loa_ld_window(ld, root, "quiet_hours", &c->quiet_start_usec, &c->quiet_end_usec,
                           &c->has_quiet_hours)) < 0)
        err = r;
    else if (c->has_quiet_hours) {
        for (size_t i = 0; i < c->n_sessions; i++) {
            const struct loa_config_session *s = &c->sessions[i];
            if (!s->id[0] || s->s.end_usec <= s->s.start_usec)
                continue;
            if (windows_overlap_daily(s->s.start_usec, s->s.end_usec, c->quiet_start_usec,
                                      c->quiet_end_usec))
                err = loa_ld_error(ld, s->line,
                                   "session '%s' overlaps quiet_hours (line %d): nothing but "
                                   "emergencies may air then",
                                   s->id, line);
        }
    }
    if ((r = load_skip_dates(ld, root, c)) < 0)
        err = r;
    if ((r = load_audio(ld, root, c)) < 0)
        err = r;
    if ((r = load_board(ld, root, c)) < 0)
        err = r;
    if ((r = load_kiosk(ld, root, c)) < 0)
        err = r;
    if ((r = load_storage(ld, root, c)) < 0)
        err = r;
    if ((r = load_time(ld, root, c)) < 0)
        err = r;
    return err;
}

/* Only what switching the amplifier off needs (board, storage): see loa_config_load_board(). */
static int load_board_root(struct loa_ld *ld, struct loa_config *c)
{
    const config_setting_t *root = config_root_setting(&ld->cfg);
    int err = 0, r;
    if ((r = load_board(ld, root, c)) < 0)
        err = r;
    if ((r = load_storage(ld, root, c)) < 0)
        err = r;
    return err;
}

static int parse_with(const char *path, const char *data, size_t len,
                      int (*load)(struct loa_ld *, struct loa_config *),
                      struct loa_config **ret_config, struct loa_diag_list *diags)
{
    struct loa_ld ld;
    struct loa_config *c = calloc(1, sizeof *c);
    char *abs = NULL, *dir = NULL;
    int r;

    if (!c)
        return -ENOMEM;
    dir = loa_ld_abs_dir(path, &abs);
    if (strlen(abs) >= sizeof c->path) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, path, 0, "path too long");
        r = -ENAMETOOLONG;
        goto out_nold;
    }
    snprintf(c->path, sizeof c->path, "%s", abs);
    snprintf(c->dir, sizeof c->dir, "%s", dir);

    size_t errors_before = diags->n_errors;
    r = loa_ld_begin(&ld, path, data, len, diags);
    if (r >= 0) {
        r = load(&ld, c);
        if (r >= 0 && diags->n_errors > errors_before)
            r = -EINVAL;
    }
    loa_ld_done(&ld);
    if (r >= 0) {
        *ret_config = c;
        c = NULL;
    }
out_nold:
    g_free(abs);
    g_free(dir);
    loa_config_free(c);
    return r;
}

int loa_config_parse(const char *path, const char *data, size_t len, struct loa_config **ret_config,
                     struct loa_diag_list *diags)
{
    return parse_with(path, data, len, load_root, ret_config, diags);
}

static int load_with(const char *path, int (*load)(struct loa_ld *, struct loa_config *),
                     struct loa_config **ret_config, struct loa_diag_list *diags)
{
    struct loa_diag d;
    char *data = NULL;
    size_t len = 0;
    int r = loa_text_read_file(path, LOA_LOADER_MAX_FILE_SIZE, &data, &len, &d);
    if (r < 0) {
        loa_diag_list_push(diags, &d);
        return r;
    }
    r = parse_with(path, data, len, load, ret_config, diags);
    free(data);
    return r;
}

int loa_config_load(const char *path, struct loa_config **ret_config, struct loa_diag_list *diags)
{
    return load_with(path, load_root, ret_config, diags);
}

int loa_config_load_board(const char *path, struct loa_config **ret_config,
                          struct loa_diag_list *diags)
{
    return load_with(path, load_board_root, ret_config, diags);
}

struct loa_config *loa_config_free(struct loa_config *c)
{
    if (!c)
        return NULL;
    free(c->sessions);
    free(c->skip_days);
    free(c);
    return NULL;
}

int loa_config_find_session(const struct loa_config *c, const char *id)
{
    for (size_t i = 0; i < c->n_sessions; i++)
        if (strcmp(c->sessions[i].id, id) == 0)
            return (int)i;
    return -ENOENT;
}
