/* `loa check`'s kiosk checks (see fw_kiosk.h): font coverage and notice pages. In the
 * kiosk part (firmware/CMakeLists.txt "Executables") because they need the renderer. */
#include "fw_kiosk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kiosk_glyphs.h"
#include "kiosk_render.h"

/* One warning per field naming every character the font lacks. */
static int check_text(struct kiosk_glyph_checker *gc, const char *font, const char *file, int line,
                      const char *what, const char *id, const char *text,
                      struct loa_diag_list *diags)
{
    uint32_t missing[8];
    size_t n = 0;
    if (!text || !*text)
        return 0;
    int r = kiosk_glyph_checker_missing(gc, text, missing, 8, &n);
    if (r < 0 || n == 0)
        return r;
    char list[256] = "", one[32];
    for (size_t i = 0; i < n && i < 8; i++) {
        if (i)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, kiosk_glyph_describe(missing[i], one, sizeof one),
                sizeof list - strlen(list) - 1);
    }
    if (n > 8)
        strncat(list, ", …", sizeof list - strlen(list) - 1);
    return loa_diag_list_add(diags, LOA_SEV_WARNING, file, line,
                             "the kiosk font %s has no glyph for %s %s: %s", font, what, id,
                             list) < 0
               ? -ENOMEM
               : 0;
}

int fw_kiosk_check(const struct loa_config *config, const struct loa_playlist *const *playlists,
                   size_t n, struct loa_diag_list *diags)
{
    const char *font = config->kiosk.font[0] ? config->kiosk.font : KIOSK_DEFAULT_FONT;
    struct kiosk_glyph_checker *gc = NULL;
    struct kiosk_renderer *r = NULL;
    int rc = kiosk_glyph_checker_new(font, &gc);
    if (rc == -ENOENT) {
        return loa_diag_list_add(diags, LOA_SEV_WARNING, config->path, 0,
                                 "cannot open the kiosk font %s: the kiosk will use %s", font,
                                 KIOSK_DEFAULT_FONT) < 0
                   ? -ENOMEM
                   : 0;
    }
    if (rc < 0)
        return rc == -ENOMEM ? rc : 0;

    /* Pages at the configured size, as the screen will show them. */
    struct kiosk_render_config rcfg = {
        .width = config->kiosk.width > 0 ? config->kiosk.width : 1280,
        .height = config->kiosk.height > 0 ? config->kiosk.height : 720,
        .rotation = config->kiosk.rotation,
        .font_path = font,
    };
    if (kiosk_renderer_new(&rcfg, &r, NULL) < 0)
        r = NULL;

    for (size_t p = 0; p < n && rc >= 0; p++) {
        const struct loa_playlist *pl = playlists[p];
        for (size_t i = 0; i < pl->n_notices && rc >= 0; i++) {
            const struct loa_playlist_notice *no = &pl->notices[i];
            rc = check_text(gc, font, pl->path, no->line, "the title of notice", no->id, no->title,
                            diags);
            if (rc >= 0)
                rc = check_text(gc, font, pl->path, no->line, "the text of notice", no->id,
                                no->text, diags);
            if (rc >= 0 && r) {
                struct kiosk_notice kn;
                fw_kiosk_notice_map(no, &kn);
                unsigned pages = kiosk_renderer_notice_pages(r, &kn);
                if (pages > FW_KIOSK_MAX_PAGES &&
                    loa_diag_list_add(diags, LOA_SEV_WARNING, pl->path, no->line,
                                      "notice %s takes %u pages on a %dx%d kiosk (more than %d): "
                                      "residents may not wait for the end",
                                      no->id, pages, rcfg.width, rcfg.height,
                                      FW_KIOSK_MAX_PAGES) < 0)
                    rc = -ENOMEM;
            }
        }
        for (size_t i = 0; i < pl->n_items && rc >= 0; i++) {
            const struct loa_playlist_item *it = &pl->items[i];
            rc = check_text(gc, font, pl->path, it->line, "the title of item", it->id, it->title,
                            diags);
            if (rc >= 0)
                rc = check_text(gc, font, pl->path, it->line, "the text of item", it->id, it->text,
                                diags);
        }
    }
    kiosk_renderer_free(r);
    kiosk_glyph_checker_free(gc);
    return rc;
}
