/* The kiosk renderer behind struct fw_kiosk_layout (see fw_kiosk.h): linked only into the
 * executables with the kiosk part, so that the daemon's own binary loads no SDL. */
#include "fw_kiosk.h"

#include "kiosk_render.h"

const struct fw_kiosk_layout fw_kiosk_layout_sdl = {
    .renderer_new = kiosk_renderer_new,
    .renderer_free = kiosk_renderer_free,
    .notice_pages = kiosk_renderer_notice_pages,
    .schedule_pages = kiosk_renderer_schedule_pages,
};
