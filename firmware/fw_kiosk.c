/* The library as the kiosk sees it (see fw_kiosk.h); `loa check`'s kiosk checks are in
 * fw_kiosk_check.c, with the renderer. */
#include "fw_kiosk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

void fw_kiosk_notice_map(const struct loa_playlist_notice *n, struct kiosk_notice *ret)
{
    *ret = (struct kiosk_notice){
        .id = n->id,
        .title = n->title,
        .text = nonempty(n->text),
        .image_path = nonempty(n->image),
        .seconds = n->seconds,
        .from_day = n->from_day,
        .until_day = n->until_day,
        .days = n->days,
        .has_hours = n->has_hours,
        .hours_start_usec = n->hours_start_usec,
        .hours_end_usec = n->hours_end_usec,
    };
}

int fw_kiosk_library_init(struct fw_kiosk_library *lib, const struct loa_config *config,
                          const struct loa_rules *rules)
{
    memset(lib, 0, sizeof *lib);
    lib->identity = (struct kiosk_identity){
        .commune = config->device.commune.name,
        .district = config->device.district.present ? config->device.district.name : NULL,
        .province = config->device.province.name,
    };
    lib->screen_off = (struct kiosk_screen_off){
        .enabled = config->kiosk.has_screen_off,
        .start_usec = config->kiosk.screen_off_start_usec,
        .end_usec = config->kiosk.screen_off_end_usec,
    };
    lib->rotate_seconds = config->kiosk.rotate_seconds;
    if (!rules)
        return 0;

    size_t n = 0;
    for (size_t i = 0; i < rules->n_playlists; i++)
        n += rules->playlists[i]->n_notices;
    lib->notices = calloc(n ? n : 1, sizeof *lib->notices);
    lib->item_texts =
        calloc(rules->rules.n_items ? rules->rules.n_items : 1, sizeof *lib->item_texts);
    if (!lib->notices || !lib->item_texts) {
        fw_kiosk_library_clear(lib);
        return -ENOMEM;
    }
    for (size_t i = 0; i < rules->n_playlists; i++)
        for (size_t j = 0; j < rules->playlists[i]->n_notices; j++)
            fw_kiosk_notice_map(&rules->playlists[i]->notices[j], &lib->notices[lib->n_notices++]);
    for (size_t i = 0; i < rules->rules.n_items; i++)
        lib->item_texts[i] = rules->origins[i].item ? nonempty(rules->origins[i].item->text) : NULL;
    return 0;
}

void fw_kiosk_library_clear(struct fw_kiosk_library *lib)
{
    free(lib->notices);
    free(lib->item_texts);
    memset(lib, 0, sizeof *lib);
}
