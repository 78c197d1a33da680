/* `loa check`'s kiosk checks (firmware/fw_kiosk.h): characters the kiosk font lacks and
 * notices of more than 4 pages are warnings at the playlist line; the mapping of a loaded
 * library to the kiosk's structs. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "fw_kiosk.h"
#include "kiosk_test_util.h"

static char *tmpdir;

static const char *find(const struct loa_diag_list *l, const char *needle)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->items[i].msg, needle))
            return l->items[i].msg;
    return NULL;
}

static void test_check(void)
{
    GString *big = g_string_new(NULL);
    while (big->len < 6000)
        g_string_append(big, "Người dân cần cảnh giác khi mua hàng trên mạng, kiểm tra kỹ nguồn "
                             "gốc, xuất xứ hàng hóa. ");
    char *pl = g_strdup_printf(
        "playlist = { id = \"thu\"; title = \"Thử\"; from = \"2021-01-01\"; until = "
        "\"2021-12-31\"; };\n"
        "notices = (\n"
        "  { id = \"dien-thoai\"; title = \"Gọi ☎ 1800 河内\"; text = \"Bình thường\"; },\n"
        "  { id = \"dai\"; title = \"Rất dài\"; text = \"%s\"; },\n"
        "  { id = \"ngan\"; title = \"Ngắn\"; text = \"Đủ chữ tiếng Việt: ắằẳẵặ.\"; }\n"
        ");\n",
        big->str);
    char *plpath = g_build_filename(tmpdir, "thu.cfg", NULL);
    char *cfgpath = g_build_filename(tmpdir, "loa.cfg", NULL);
    g_assert_true(g_file_set_contents(plpath, pl, -1, NULL));
    g_assert_true(g_file_set_contents(
        cfgpath,
        "device = { id = \"thu-01\"; province = { code = \"01\"; name = \"Hà Nội\"; };\n"
        "  commune = { code = \"09552\"; name = \"Phường Văn Quán\"; }; unit_codes = \"2020\";\n"
        "  timezone = \"Asia/Ho_Chi_Minh\"; };\n"
        "sessions = ( { id = \"sang\"; name = \"Buổi sáng\"; start = \"06:00\"; end = "
        "\"06:30\"; } );\n"
        "kiosk = { size = \"800x480\"; font = \"" TEST_FONT "\"; };\n",
        -1, NULL));

    struct loa_diag_list diags = {0};
    struct loa_config *cfg = NULL;
    struct loa_playlist *p = NULL;
    g_assert_cmpint(loa_config_load(cfgpath, &cfg, &diags), ==, 0);
    g_assert_cmpint(loa_playlist_load(plpath, cfg, &p, &diags), ==, 0);
    loa_diag_list_clear(&diags);

    const struct loa_playlist *pls[1] = {p};
    g_assert_cmpint(fw_kiosk_check(cfg, pls, 1, &diags), ==, 0);
    const char *m = find(&diags, "no glyph");
    g_assert_nonnull(m);
    g_assert_nonnull(strstr(m, "dien-thoai"));
    g_assert_nonnull(strstr(m, "U+260E"));
    g_assert_nonnull(strstr(m, "U+6CB3"));
    m = find(&diags, "pages");
    g_assert_nonnull(m);
    g_assert_nonnull(strstr(m, "dai"));
    g_assert_nonnull(strstr(m, "800x480"));
    /* Nothing about the notice the font covers and that fits. */
    for (size_t i = 0; i < diags.n; i++) {
        g_assert_null(strstr(diags.items[i].msg, "ngan"));
        g_assert_cmpint(diags.items[i].severity, ==, LOA_SEV_WARNING);
        g_assert_cmpstr(diags.items[i].file, ==, p->path);
        g_assert_cmpint(diags.items[i].line, >, 0);
    }
    g_assert_cmpuint(diags.n, ==, 2);
    loa_diag_list_clear(&diags);

    /* The library as the kiosk sees it. */
    struct fw_kiosk_library lib;
    g_assert_cmpint(fw_kiosk_library_init(&lib, cfg, NULL), ==, 0);
    g_assert_cmpstr(lib.identity.commune, ==, "Phường Văn Quán");
    g_assert_cmpuint(lib.n_notices, ==, 0);
    fw_kiosk_library_clear(&lib);

    loa_playlist_free(p);
    loa_config_free(cfg);
    g_remove(plpath);
    g_remove(cfgpath);
    g_free(plpath);
    g_free(cfgpath);
    g_free(pl);
    g_string_free(big, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_require_fonts();
    tmpdir = g_dir_make_tmp("kiosk-check-XXXXXX", NULL);
    g_test_add_func("/kiosk/check/glyphs-and-pages", test_check);
    int rc = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return rc;
}
