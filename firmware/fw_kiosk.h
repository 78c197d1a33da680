/* Firmware glue between the loaded library (config, playlists, rules) and the kiosk's
 * own structs (player/kiosk/kiosk_types.h), shared by `loa kiosk`, `loa check` (font
 * coverage, notice pages) and the daemon that feeds the kiosk process.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "kiosk_types.h"
#include "playlist.h"
#include "rules.h"

/** The library as the kiosk sees it. Strings are borrowed from the config, the
 *  playlists and the rules, which must outlive it. */
struct fw_kiosk_library {
    struct kiosk_identity identity;
    struct kiosk_screen_off screen_off;
    int rotate_seconds;
    struct kiosk_notice *notices; /* installed order: playlists by id, notices in file order */
    size_t n_notices;
    const char **item_texts; /* [i]: kiosk text of rules->rules.items[i], NULL when none */
};

/**
 * Map config + rules (playlists in installed order) to the kiosk's structs.
 * rules may be NULL (no library: no notices). Returns 0 or -ENOMEM.
 */
int fw_kiosk_library_init(struct fw_kiosk_library *lib, const struct loa_config *config,
                          const struct loa_rules *rules);

/** Free what fw_kiosk_library_init allocated; the struct may be reused. */
void fw_kiosk_library_clear(struct fw_kiosk_library *lib);

/** Map one playlist notice to the kiosk's struct; strings are borrowed from n. */
void fw_kiosk_notice_map(const struct loa_playlist_notice *n, struct kiosk_notice *ret);

struct kiosk_content;
struct kiosk_render_config;
struct kiosk_renderer;

/**
 * The kiosk renderer's page counts, for the SDL-free firmware code that needs them (a
 * virtual run's proof of display). Only the executables with the kiosk part link the
 * renderer (firmware/CMakeLists.txt "Executables"); they pass fw_kiosk_layout_sdl in
 * fw_globals.kiosk_layout, the others NULL. The functions are kiosk_render.h's.
 */
struct fw_kiosk_layout {
    int (*renderer_new)(const struct kiosk_render_config *cfg, struct kiosk_renderer **ret,
                        struct loa_diag_list *warnings);
    struct kiosk_renderer *(*renderer_free)(struct kiosk_renderer *r);
    unsigned (*notice_pages)(struct kiosk_renderer *r, const struct kiosk_notice *n);
    unsigned (*schedule_pages)(struct kiosk_renderer *r, const struct kiosk_content *c);
};

/** The renderer's layout (fw_kiosk_layout.c, the kiosk part only). */
extern const struct fw_kiosk_layout fw_kiosk_layout_sdl;

/* Beyond this many pages `loa check` warns about a notice (SPEC.md "The kiosk"). */
#define FW_KIOSK_MAX_PAGES 4

/**
 * `loa check`'s kiosk checks, appended to diags as warnings at the playlist lines:
 *  - the configured kiosk font lacks a character of a notice's title or text, or of an
 *    announcement's title or text (each missing character named once per field);
 *  - a notice takes more than FW_KIOSK_MAX_PAGES pages at the configured kiosk size.
 * A font that cannot be opened is one warning. Returns 0 or -ENOMEM.
 */
int fw_kiosk_check(const struct loa_config *config, const struct loa_playlist *const *playlists,
                   size_t n, struct loa_diag_list *diags);
