/* Internal: notice images through SDL2_image, with size caps, scaled to fit a box. */
#pragma once

#include <SDL2/SDL.h>

#include "diag.h"

/* Caps: a notice image is a poster or a photo, not a print master. Past these the
 * image is refused with a message (and the notice shows without it). */
#define KIMAGE_MAX_FILE_BYTES (16 * 1024 * 1024)
#define KIMAGE_MAX_SIDE 8192
#define KIMAGE_MAX_PIXELS (40 * 1000 * 1000)

/**
 * Load the image at path, refusing non-regular files, files over the byte cap and
 * images over the pixel caps (read from the PNG or JPEG header before decoding where
 * possible), and scale it (bilinear, aspect kept) to fit box_w x box_h.
 * Returns 0 and *ret (an ARGB8888 surface no larger than the box; SDL_FreeSurface it),
 * or a negative errno with a message in *err (which may be NULL).
 */
int kimage_load_fit(const char *path, int box_w, int box_h, SDL_Surface **ret,
                    struct loa_diag *err);

/** Check that path would load (same checks, decodes once). Returns 0 or a negative
 *  errno with a message in *err. */
int kimage_probe(const char *path, struct loa_diag *err);
