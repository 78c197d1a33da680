/* The config and playlist loaders and the rules builder, through the library API:
 * every malformed file under tests/media/bad/ is rejected with the right file, line and
 * message; NFC, @include, invalid UTF-8, oversize; a valid pair loads with the values
 * written; installed order and cross-playlist ids in the rules builder.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "config.h"
#include "media_test_util.h"
#include "playlist.h"
#include "probe.h"
#include "rules.h"
#include "text.h"

struct bad_case {
    const char *file; /* under tests/media/bad/ */
    int line; /* expected line of the first error */
    const char *msg; /* expected substring of its message */
};

/* Configs are loaded alone; playlists against data/loa.cfg, then (if they load) probed,
 * built into rules and validated — some errors only show there. */
static const struct bad_case bad_cases[] = {
    {"config-unknown-key.cfg", 14, "unknown key 'volum' in 'audio' (did you mean 'volume'?)"},
    {"config-unknown-top.cfg", 13, "unknown key 'skip_date'"},
    {"config-volume-range.cfg", 14, "'volume' must be from 0 to 1, not 1.5"},
    {"config-volume-type.cfg", 14, "'volume' must be a number, not a string"},
    {"config-include.cfg", 15, "@include is not allowed"},
    {"config-syntax.cfg", 5, "syntax error"},
    {"config-bad-time.cfg", 10, "'start' must be a time HH:MM"},
    {"config-session-reversed.cfg", 10, "session 'chieu' must end after it starts"},
    {"config-session-overlap.cfg", 10, "session 'chieu' overlaps session 'sang'"},
    {"config-quiet-overlap.cfg", 9, "session 'sang' overlaps quiet_hours (line 12)"},
    {"config-dup-session.cfg", 10, "duplicate session id 'sang' (first on line 9)"},
    {"config-bad-device-id.cfg", 2, "'id' must be 1 to 63 characters of a-z, 0-9 and '-'"},
    {"config-bad-days.cfg", 9, "'days' must be a day list"},
    {"config-bad-skip-date.cfg", 13, "'skip_dates' must hold dates YYYY-MM-DD, not \"2021-02-30\""},
    {"config-bad-timezone.cfg", 6, "'timezone' must be a time zone name"},
    {"config-no-device.cfg", 0, "'device' is missing"},
    {"config-int-overflow.cfg", 16, "number '4294969296' is out of range"},
    {"config-board-driver.cfg", 15, "'driver' must be \"gpio\", \"sim\" or \"none\""},
    {"config-kiosk-size.cfg", 16, "'size' must be WIDTHxHEIGHT"},
    {"config-rotation.cfg", 17, "'rotation' must be 0, 90, 180 or 270"},
    {"config-chime-missing.cfg", 14, "chime file not found"},
    {"config-bool-type.cfg", 15, "'amp_active_low' must be true or false"},
    {"config-no-sessions.cfg", 8, "'sessions' is empty"},
    {"config-output.cfg", 14, "'output' must be \"auto\", \"null\""},
    {"config-unknown-unit-key.cfg", 4, "unknown key 'ma' in 'device.commune'"},
    {"config-gap-negative.cfg", 14, "'gap_seconds' must be from 0 to 600, not -1"},

    {"playlist-unknown-key.cfg", 11,
     "unknown key 'titel' in an announcement (did you mean 'title'?)"},
    {"playlist-dup-id.cfg", 11, "duplicate id 'tmdt-01' (first on line 8)"},
    {"playlist-unknown-session.cfg", 9, "unknown session 'toi' (the config has: sang, chieu)"},
    {"playlist-at-outside.cfg", 12, "'at' 12:00 is outside the item's sessions"},
    {"playlist-at-ppd.cfg", 13, "'plays_per_day' cannot be used with 'at'"},
    {"playlist-at-overlap.cfg", 12,
     "item 'tmdt-02' at 06:10:30 overlaps item 'vov-thoisu' at 06:10"},
    {"playlist-at-chime.cfg", 12, "item 'tmdt-02' at 17:00 overlaps the chime of session 'chieu'"},
    {"playlist-at-after-end.cfg", 12,
     "item 'tmdt-02' at 17:29 ends after session 'chieu' ends (17:30), by 5 s"},
    {"playlist-window-outside.cfg", 10,
     "the item's window reaches outside the campaign (2020-11-01 to 2021-10-31)"},
    {"playlist-missing-media.cfg", 11, "media file not found:"},
    {"playlist-relay-no-at.cfg", 13, "relay 'vov-thoisu' needs 'at' (its start time)"},
    {"playlist-relay-url.cfg", 13, "'relay' must be an http:// or https:// URL"},
    {"playlist-relay-no-length.cfg", 13, "relay 'vov-thoisu' needs 'minutes' or 'seconds'"},
    {"playlist-no-file.cfg", 11, "announcement 'tmdt-02' needs 'file'"},
    {"playlist-bad-class.cfg", 9,
     "'class' must be \"normal\", \"priority\" or \"emergency\", not \"urgent\""},
    {"playlist-campaign-reversed.cfg", 6, "the campaign ends ('until') before it starts ('from')"},
    {"playlist-bad-date.cfg", 10, "'from' must be a date YYYY-MM-DD, not \"01/11/2020\""},
    {"playlist-include.cfg", 16, "@include is not allowed"},
    {"playlist-ppd-range.cfg", 10, "'plays_per_day' must be from 1 to 100, not 0"},
    {"playlist-no-header.cfg", 0, "'playlist' is missing"},
    {"playlist-empty-title.cfg", 13, "'title' must not be empty"},
    {"playlist-notice-hours.cfg", 19, "'hours' must be a daily window HH:MM-HH:MM"},
    {"playlist-minutes-on-file.cfg", 13, "'minutes' is for relays"},
    {"playlist-at-twice.cfg", 12, "'at' lists 17:10 twice"},
    {"playlist-control-char.cfg", 11, "'title' contains a control character (0x07)"},
    {"playlist-at-type.cfg", 12, "'at' must be a string or an array of strings"},
    {"playlist-relay-overlap.cfg", 14,
     "item 'vov-thoisu' at 06:20 ends after session 'sang' ends (06:30), by 300 s"},
    {"playlist-syntax.cfg", 9, "syntax error"},
    {"playlist-notice-window.cfg", 18, "the notice's window reaches outside the campaign"},
    {"playlist-bad-days.cfg", 10, "'days' must be a day list"},
    {"playlist-big-number.cfg", 18, "number '99999999999' is out of range"},
    {"playlist-category.cfg", 9, "'category' must be a tag of a-z, 0-9 and '-'"},
};

static char *scratch; /* generated media + data/loa.cfg + data/playlist.cfg */

static char *scratch_path(const char *name)
{
    return g_build_filename(scratch, name, NULL);
}

static struct loa_config *load_scratch_config(void)
{
    struct loa_diag_list diags = {0};
    struct loa_config *c = NULL;
    char *path = scratch_path("loa.cfg");
    int r = loa_config_load(path, &c, &diags);
    for (size_t i = 0; i < diags.n; i++) {
        char buf[2048];
        g_printerr("%s\n", loa_diag_format(&diags.items[i], buf, sizeof buf));
    }
    g_assert_cmpint(r, ==, 0);
    g_assert_cmpuint(diags.n, ==, 0);
    loa_diag_list_clear(&diags);
    g_free(path);
    return c;
}

/* Probe every announcement, as `loa check` does. */
static int probe_all(struct loa_playlist *p)
{
    for (size_t i = 0; i < p->n_items; i++) {
        if (p->items[i].kind != PLAN_KIND_ANNOUNCEMENT)
            continue;
        int r = media_probe_duration(p->items[i].file, 10 * CIVIL_USEC_PER_SEC,
                                     &p->items[i].duration_usec, NULL);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Load one bad file the way `loa check` would; the diagnostics it produces. */
static void load_bad(const struct bad_case *bc, const struct loa_config *config,
                     struct loa_diag_list *diags)
{
    char *rel = g_build_filename("bad", bc->file, NULL);
    char *src = media_test_src(rel);
    char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(src, &data, &len, NULL));
    /* Parsed as if it sat in the scratch directory, next to the generated media. */
    char *path = scratch_path(bc->file);
    if (g_str_has_prefix(bc->file, "config-")) {
        struct loa_config *c = NULL;
        int r = loa_config_parse(path, data, len, &c, diags);
        g_assert_cmpint(r, <, 0);
        g_assert_null(c);
    } else {
        struct loa_playlist *p = NULL;
        int r = loa_playlist_parse(path, data, len, config, 0, &p, diags);
        if (r == 0) {
            struct loa_rules *rules = NULL;
            g_assert_cmpint(probe_all(p), ==, 0);
            const struct loa_playlist *pl[] = {p};
            r = loa_rules_build(config, pl, 1, 2 * CIVIL_USEC_PER_SEC, &rules, diags);
            g_assert_cmpint(r, ==, 0);
            r = loa_rules_validate(rules, diags);
            loa_rules_free(rules);
            loa_playlist_free(p);
        }
        g_assert_cmpint(r, <, 0);
    }
    g_free(path);
    g_free(data);
    g_free(src);
    g_free(rel);
}

static void test_bad_files(void)
{
    struct loa_config *config = load_scratch_config();
    bool print = g_getenv("LOA_TEST_PRINT") != NULL;

    g_assert_cmpuint(G_N_ELEMENTS(bad_cases), >=, 30);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        const struct bad_case *bc = &bad_cases[i];
        struct loa_diag_list diags = {0};
        load_bad(bc, config, &diags);
        g_assert_cmpuint(diags.n_errors, >, 0);
        const struct loa_diag *first = NULL;
        for (size_t k = 0; k < diags.n && !first; k++)
            if (diags.items[k].severity == LOA_SEV_ERROR)
                first = &diags.items[k];
        char buf[2048];
        if (print) {
            /* To write the table: the first error of every file. */
            g_printerr("%s\n", loa_diag_format(first, buf, sizeof buf));
            loa_diag_list_clear(&diags);
            continue;
        }
        char *base = g_path_get_basename(first->file);
        g_test_message("%s: %s", bc->file, loa_diag_format(first, buf, sizeof buf));
        g_assert_cmpstr(base, ==, bc->file);
        g_assert_cmpint(first->line, ==, bc->line);
        if (!strstr(first->msg, bc->msg))
            g_assert_cmpstr(first->msg, ==, bc->msg);
        g_free(base);
        loa_diag_list_clear(&diags);
    }
    /* Every file in bad/ is in the table. */
    char *dir = media_test_src("bad");
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    const char *name;
    size_t n_files = 0;
    while ((name = g_dir_read_name(d))) {
        bool found = false;
        for (size_t i = 0; i < G_N_ELEMENTS(bad_cases) && !found; i++)
            found = strcmp(bad_cases[i].file, name) == 0;
        if (!found)
            g_printerr("not in the table: %s\n", name);
        g_assert_true(found);
        n_files++;
    }
    g_assert_cmpuint(n_files, ==, G_N_ELEMENTS(bad_cases));
    g_dir_close(d);
    g_free(dir);
    loa_config_free(config);
}

static void test_good_pair(void)
{
    struct loa_config *c = load_scratch_config();
    struct loa_diag_list diags = {0};
    struct loa_playlist *p = NULL;
    char *path = scratch_path("playlist.cfg");

    g_assert_cmpstr(c->device.id, ==, "test-01");
    g_assert_cmpstr(c->device.commune.name, ==, "Phường Văn Quán");
    g_assert_false(c->device.district.present);
    g_assert_cmpuint(c->n_sessions, ==, 2);
    g_assert_cmpstr(c->sessions[1].s.id, ==, "chieu");
    g_assert_cmpint(c->sessions[1].s.start_usec, ==, 17 * 3600 * CIVIL_USEC_PER_SEC);
    g_assert_cmpuint(c->sessions[0].s.days, ==, 0x3F);
    g_assert_cmpuint(c->n_skip_days, ==, 2);
    g_assert_cmpint(c->skip_days[0], ==, civil_from_ymd(2021, 2, 11));
    g_assert_cmpint(c->audio.gap_usec, ==, 3 * CIVIL_USEC_PER_SEC);
    g_assert_true(g_str_has_suffix(c->audio.chime, "/chime.wav"));
    g_assert_true(g_path_is_absolute(c->audio.chime));
    g_assert_cmpint(c->board.driver, ==, LOA_BOARD_SIM);
    g_assert_true(c->has_quiet_hours);

    g_assert_cmpint(loa_playlist_load(path, c, &p, &diags), ==, 0);
    g_assert_cmpuint(diags.n, ==, 0);
    g_assert_cmpstr(p->id, ==, "tmdt-2020");
    g_assert_cmpint(p->from_day, ==, civil_from_ymd(2020, 11, 1));
    g_assert_cmpuint(p->n_items, ==, 3);
    g_assert_cmpuint(p->n_notices, ==, 1);
    const struct loa_playlist_item *a = &p->items[0];
    g_assert_cmpstr(a->id, ==, "tmdt-01");
    g_assert_true(g_path_is_absolute(a->file));
    g_assert_true(g_str_has_suffix(a->file, "/media/short.wav"));
    g_assert_cmpuint(a->sessions, ==, 3);
    g_assert_cmpuint(a->days, ==, (1u << 0) | (1u << 2) | (1u << 4));
    g_assert_cmpuint(a->plays_per_day, ==, 2);
    g_assert_cmpint(a->until_day, ==, civil_from_ymd(2021, 4, 30));
    g_assert_cmpstr(a->text, ==, "");
    g_assert_cmpstr(a->category, ==, "phap-luat");
    g_assert_cmpint(a->line, ==, 9);
    const struct loa_playlist_item *b = &p->items[1];
    g_assert_cmpuint(b->n_at, ==, 1);
    g_assert_cmpint(b->at_usec[0], ==, (17 * 60 + 10) * 60 * CIVIL_USEC_PER_SEC);
    g_assert_cmpint(b->from_day, ==, p->from_day);
    g_assert_cmpuint(b->sessions, ==, 3);
    const struct loa_playlist_item *v = &p->items[2];
    g_assert_cmpint(v->kind, ==, PLAN_KIND_RELAY);
    g_assert_cmpstr(v->relay, ==, "http://radio.example/vov1");
    g_assert_cmpstr(v->file, ==, "");
    g_assert_cmpint(v->duration_usec, ==, 15 * 60 * CIVIL_USEC_PER_SEC);
    g_assert_cmpuint(v->sessions, ==, 1);
    g_assert_true(p->notices[0].has_hours);
    g_assert_cmpint(p->notices[0].seconds, ==, 15);
    g_assert_cmpstr(p->notices[0].image, ==, "");
    g_assert_true(loa_playlist_find_item(p, "vov-thoisu") == v);

    /* The whole pair validates and plans. */
    g_assert_cmpint(probe_all(p), ==, 0);
    g_assert_cmpint(p->items[1].duration_usec, ==, 65 * CIVIL_USEC_PER_SEC);
    struct loa_rules *rules = NULL;
    const struct loa_playlist *pl[] = {p};
    g_assert_cmpint(loa_rules_build(c, pl, 1, 2 * CIVIL_USEC_PER_SEC, &rules, &diags), ==, 0);
    g_assert_cmpint(loa_rules_validate(rules, &diags), ==, 0);
    g_assert_cmpuint(diags.n, ==, 0);
    g_assert_cmpuint(rules->rules.n_items, ==, 3);
    g_assert_true(rules->rules.has_chime);
    g_assert_cmpint(rules->rules.gap_usec, ==, 3 * CIVIL_USEC_PER_SEC);
    loa_rules_free(rules);

    loa_playlist_free(p);
    loa_config_free(c);
    loa_diag_list_clear(&diags);
    g_free(path);
}

/* Load playlist text written by the test (in the scratch directory). */
static int parse_text(const struct loa_config *c, const char *name, const char *text,
                      struct loa_playlist **ret, struct loa_diag_list *diags)
{
    char *path = scratch_path(name);
    int r = loa_playlist_parse(path, text, strlen(text), c, 0, ret, diags);
    g_free(path);
    return r;
}

static void test_nfc(void)
{
    struct loa_config *c = load_scratch_config();
    struct loa_diag_list diags = {0};
    struct loa_playlist *p = NULL;
    /* "Việt Nam" with ệ decomposed: e + U+0302 (circumflex) + U+0323 (dot below). */
    const char *nfd = "Vie\xCC\x82\xCC\xA3t Nam";
    const char *nfc = "Vi\xE1\xBB\x87t Nam";
    char *text = g_strdup_printf("playlist = { id = \"p\"; title = \"%s\"; from = \"2020-11-01\";"
                                 " until = \"2020-11-30\"; };\n"
                                 "notices = ( { id = \"n\"; title = \"%s\"; text = \"%s\"; } );\n",
                                 nfd, nfd, nfd);
    g_assert_cmpint(parse_text(c, "nfd.cfg", text, &p, &diags), ==, 0);
    g_assert_cmpstr(p->title, ==, nfc);
    g_assert_cmpstr(p->notices[0].title, ==, nfc);
    g_assert_cmpstr(p->notices[0].text, ==, nfc);
    g_assert_cmpuint(p->n_items, ==, 0);
    loa_playlist_free(p);
    g_free(text);
    loa_diag_list_clear(&diags);
    loa_config_free(c);
}

static void expect_error(const char *name, const char *text, size_t len, int line,
                         const char *substr)
{
    struct loa_diag_list diags = {0};
    struct loa_playlist *p = NULL;
    char *path = scratch_path(name);
    int r = loa_playlist_parse(path, text, len, NULL, LOA_PLAYLIST_NO_MEDIA_CHECK, &p, &diags);
    g_assert_cmpint(r, <, 0);
    g_assert_null(p);
    g_assert_cmpuint(diags.n_errors, >=, 1);
    g_assert_cmpstr(diags.items[0].file, ==, path);
    g_assert_cmpint(diags.items[0].line, ==, line);
    if (!strstr(diags.items[0].msg, substr))
        g_assert_cmpstr(diags.items[0].msg, ==, substr);
    g_free(path);
    loa_diag_list_clear(&diags);
}

static void test_include_refused(void)
{
    const char *t1 = "playlist = { id = \"p\"; title = \"t\"; from = \"2020-11-01\";\n"
                     "  until = \"2020-11-30\"; };\n"
                     "\t @include \"/etc/passwd\"\n";
    expect_error("inc1.cfg", t1, strlen(t1), 3, "@include is not allowed");
    /* Inside a block comment libconfig would skip it; we refuse anyway. */
    const char *t2 = "/*\n@include \"x\"\n*/\n";
    expect_error("inc2.cfg", t2, strlen(t2), 2, "@include is not allowed");
    /* Any directive outside strings. */
    const char *t3 = "a = 1; @include \"x\"\n";
    expect_error("inc3.cfg", t3, strlen(t3), 1, "not allowed");
    /* In a string it is just text. */
    struct loa_diag_list diags = {0};
    struct loa_playlist *p = NULL;
    const char *t4 = "playlist = { id = \"p\"; title = \"mail @include\"; from = \"2020-11-01\";"
                     " until = \"2020-11-30\"; };\n";
    g_assert_cmpint(parse_text(NULL, "inc4.cfg", t4, &p, &diags), ==, 0);
    g_assert_cmpstr(p->title, ==, "mail @include");
    loa_playlist_free(p);
    loa_diag_list_clear(&diags);

    /* And through the file loaders. */
    char *path = scratch_path("inc5.cfg");
    g_assert_true(g_file_set_contents(path, "# x\n@include \"/etc/passwd\"\n", -1, NULL));
    struct loa_config *c = NULL;
    g_assert_cmpint(loa_config_load(path, &c, &diags), <, 0);
    g_assert_cmpint(diags.items[0].line, ==, 2);
    g_assert_nonnull(strstr(diags.items[0].msg, "@include"));
    loa_diag_list_clear(&diags);
    g_free(path);
}

static void test_syntax(void)
{
    /* Found before libconfig parses (it would leak the string on these). */
    const char t1[] = "playlist = {\n  id = \"p\";\n  title = \"never closed;\n};\n";
    expect_error("unclosed.cfg", t1, sizeof t1 - 1, 3, "this string is never closed");
    const char t2[] = "a = 1;\n\"b\" = 2;\n";
    expect_error("strkey.cfg", t2, sizeof t2 - 1, 2, "unexpected string");
    const char t3[] = "a = { b = 1, \"c\" };\n";
    expect_error("strgroup.cfg", t3, sizeof t3 - 1, 1, "unexpected string");
    const char t4[] = "a = 1;\nb = { c = [ 1, 2 ;\n";
    expect_error("libconfig.cfg", t4, sizeof t4 - 1, 2, "syntax error");
    GString *deep = g_string_new("a = ");
    for (int i = 0; i < 100; i++)
        g_string_append(deep, "( ");
    expect_error("deep.cfg", deep->str, deep->len, 1, "nested too deeply");
    g_string_free(deep, TRUE);
}

static void test_invalid_utf8(void)
{
    const char t[] = "playlist = {\n  id = \"p\";\n  title = \"Vi\xE1\xBBt\";\n};\n";
    expect_error("utf8.cfg", t, sizeof t - 1, 3, "invalid UTF-8 (byte 0xE1 at column 14)");
    /* A lone continuation byte, and a NUL. */
    const char t2[] = "\n\n\x80";
    expect_error("utf8b.cfg", t2, sizeof t2 - 1, 3, "invalid UTF-8");
    const char t3[] = "a = 1;\nb = 2;\0\n";
    expect_error("nul.cfg", t3, sizeof t3 - 1, 2, "NUL byte");
    /* Overlong encoding of '/', and an escape libconfig decodes into a bad byte. */
    const char t4[] = "x = \"\xC0\xAF\";\n";
    expect_error("overlong.cfg", t4, sizeof t4 - 1, 1, "invalid UTF-8");
    const char t5[] = "playlist = { id = \"p\"; title = \"a\\xff\"; from = \"2020-11-01\";"
                      " until = \"2020-11-30\"; };\n";
    expect_error("escape.cfg", t5, sizeof t5 - 1, 1, "not valid UTF-8");
    /* A BOM (Windows editors) is accepted. */
    struct loa_diag_list diags = {0};
    struct loa_playlist *p = NULL;
    const char *t6 = "\xEF\xBB\xBFplaylist = { id = \"p\"; title = \"t\"; from = \"2020-11-01\";"
                     " until = \"2020-11-30\"; };\n";
    g_assert_cmpint(parse_text(NULL, "bom.cfg", t6, &p, &diags), ==, 0);
    loa_playlist_free(p);
    loa_diag_list_clear(&diags);
}

static void test_oversize(void)
{
    struct loa_diag_list diags = {0};
    struct loa_config *c = NULL;
    struct loa_playlist *p = NULL;
    char *path = scratch_path("big.cfg");
    size_t n = LOA_LOADER_MAX_FILE_SIZE + 1;
    char *data = g_malloc(n);
    memset(data, '#', n);
    g_assert_true(g_file_set_contents(path, data, (gssize)n, NULL));
    g_assert_cmpint(loa_config_load(path, &c, &diags), ==, -EFBIG);
    g_assert_nonnull(strstr(diags.items[0].msg, "file too large"));
    g_assert_cmpstr(diags.items[0].file, ==, path);
    g_assert_cmpint(loa_playlist_load(path, NULL, &p, &diags), ==, -EFBIG);
    g_assert_cmpint(loa_playlist_parse(path, data, n, NULL, 0, &p, &diags), ==, -EFBIG);
    g_assert_cmpuint(diags.n_errors, ==, 3);
    /* Exactly at the cap is fine (a file of comments is an empty config tree). */
    g_assert_true(g_file_set_contents(path, data, (gssize)n - 1, NULL));
    loa_diag_list_clear(&diags);
    g_assert_cmpint(loa_playlist_load(path, NULL, &p, &diags), <, 0);
    g_assert_null(strstr(diags.items[0].msg, "too large"));
    g_assert_nonnull(strstr(diags.items[0].msg, "'playlist' is missing"));
    loa_diag_list_clear(&diags);
    /* Not a regular file; missing. */
    g_assert_cmpint(loa_playlist_load(scratch, NULL, &p, &diags), <, 0);
    g_assert_nonnull(strstr(diags.items[0].msg, "not a regular file"));
    char *missing = scratch_path("nope.cfg");
    g_assert_cmpint(loa_config_load(missing, &c, &diags), ==, -ENOENT);
    g_assert_nonnull(strstr(diags.items[1].msg, "cannot open"));
    g_free(missing);
    loa_diag_list_clear(&diags);
    g_free(data);
    g_free(path);
}

static const char *pl_text(const char *id, const char *item_id, const char *extra)
{
    static char buf[1024]; /* test-only scratch */
    snprintf(
        buf, sizeof buf,
        "playlist = { id = \"%s\"; title = \"T %s\"; from = \"2020-11-01\";"
        " until = \"2020-12-31\"; };\n"
        "announcements = ( { id = \"%s\"; file = \"media/short.wav\"; title = \"x\"; %s } );\n",
        id, id, item_id, extra);
    return buf;
}

static void test_rules_order_and_ids(void)
{
    struct loa_config *c = load_scratch_config();
    struct loa_diag_list diags = {0};
    struct loa_playlist *a = NULL, *b = NULL, *d = NULL;
    g_assert_cmpint(parse_text(c, "zz.cfg", pl_text("zeta", "z-1", ""), &a, &diags), ==, 0);
    g_assert_cmpint(parse_text(c, "aa.cfg", pl_text("alpha", "a-1", ""), &b, &diags), ==, 0);
    a->items[0].duration_usec = b->items[0].duration_usec = 3 * CIVIL_USEC_PER_SEC;

    /* Installed order: playlists by id, whatever order they were given in. */
    struct loa_rules *r = NULL;
    const struct loa_playlist *pl[] = {a, b};
    g_assert_cmpint(loa_rules_build(c, pl, 2, 2 * CIVIL_USEC_PER_SEC, &r, &diags), ==, 0);
    g_assert_cmpstr(r->rules.campaigns[0].id, ==, "alpha");
    g_assert_cmpstr(r->rules.items[0].id, ==, "a-1");
    g_assert_cmpuint(r->rules.items[0].campaign, ==, 0);
    g_assert_cmpstr(r->rules.items[1].id, ==, "z-1");
    g_assert_cmpuint(r->rules.items[1].campaign, ==, 1);
    g_assert_true(r->origins[1].playlist == a);
    r = loa_rules_free(r);

    /* The same item id in two playlists; the same playlist id twice. */
    g_assert_cmpint(parse_text(c, "dup.cfg", pl_text("beta", "z-1", ""), &d, &diags), ==, 0);
    d->items[0].duration_usec = 3 * CIVIL_USEC_PER_SEC;
    const struct loa_playlist *pl2[] = {a, d};
    g_assert_cmpint(loa_rules_build(c, pl2, 2, 2 * CIVIL_USEC_PER_SEC, &r, &diags), ==, -EINVAL);
    g_assert_null(r);
    g_assert_cmpuint(diags.n_errors, ==, 1);
    g_assert_nonnull(strstr(diags.items[0].msg, "id 'z-1' is also used in playlist 'beta'"));
    g_assert_true(g_str_has_suffix(diags.items[0].file, "zz.cfg"));
    g_assert_cmpint(diags.items[0].line, ==, 2);
    loa_diag_list_clear(&diags);
    const struct loa_playlist *pl3[] = {a, a};
    g_assert_cmpint(loa_rules_build(c, pl3, 2, 2 * CIVIL_USEC_PER_SEC, &r, &diags), ==, -EINVAL);
    g_assert_nonnull(strstr(diags.items[0].msg, "playlist id 'zeta' is also used"));
    loa_diag_list_clear(&diags);

    /* An announcement without a duration; a chime without one. */
    b->items[0].duration_usec = 0;
    const struct loa_playlist *pl4[] = {b};
    g_assert_cmpint(loa_rules_build(c, pl4, 1, 0, &r, &diags), ==, -EINVAL);
    g_assert_cmpuint(diags.n_errors, ==, 2);
    g_assert_nonnull(strstr(diags.items[0].msg, "no duration known for item 'a-1'"));
    g_assert_nonnull(strstr(diags.items[1].msg, "no duration known for the chime"));
    loa_diag_list_clear(&diags);

    loa_playlist_free(a);
    loa_playlist_free(b);
    loa_playlist_free(d);
    loa_config_free(c);
}

static void test_text_helpers(void)
{
    g_assert_true(loa_text_is_id("tmdt-01"));
    g_assert_false(loa_text_is_id(""));
    g_assert_false(loa_text_is_id("Tmdt"));
    g_assert_false(loa_text_is_id("a_b"));
    char long_id[80];
    memset(long_id, 'a', 64);
    long_id[64] = '\0';
    g_assert_false(loa_text_is_id(long_id));
    long_id[63] = '\0';
    g_assert_true(loa_text_is_id(long_id));
    char *p = loa_text_resolve_path("/a/b", "../c/./d.ogg");
    g_assert_cmpstr(p, ==, "/a/c/d.ogg");
    free(p);
    p = loa_text_resolve_path("/a/b", "/x/y.ogg");
    g_assert_cmpstr(p, ==, "/x/y.ogg");
    free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    scratch = media_test_scratch();
    if (!scratch) {
        printf("SKIP: sox cannot generate test media\n");
        return 77;
    }
    if (media_gst_init() < 0) {
        printf("SKIP: GStreamer cannot start\n");
        media_test_rmrf(scratch);
        return 77;
    }
    g_test_add_func("/media/loader/bad-files", test_bad_files);
    g_test_add_func("/media/loader/good-pair", test_good_pair);
    g_test_add_func("/media/loader/nfc", test_nfc);
    g_test_add_func("/media/loader/include-refused", test_include_refused);
    g_test_add_func("/media/loader/syntax", test_syntax);
    g_test_add_func("/media/loader/invalid-utf8", test_invalid_utf8);
    g_test_add_func("/media/loader/oversize", test_oversize);
    g_test_add_func("/media/loader/rules-order-and-ids", test_rules_order_and_ids);
    g_test_add_func("/media/loader/text-helpers", test_text_helpers);
    int r = g_test_run();
    media_test_rmrf(scratch);
    g_free(scratch);
    return r;
}
