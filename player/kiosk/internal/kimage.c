/* Notice images: capped loading and letterbox scaling (see kimage.h). */
#include "kimage.h"

#include <SDL2/SDL_image.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Image dimensions from a PNG or JPEG header, so a huge image is refused before it is
 * decoded (decoding it is what would cost the memory). 0 when unknown. */
static void sniff_size(const unsigned char *b, size_t n, uint32_t *w, uint32_t *h)
{
    *w = *h = 0;
    if (n >= 24 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0) {
        *w = be32(b + 16);
        *h = be32(b + 20);
        return;
    }
    if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
        size_t i = 2;
        while (i + 9 < n) {
            if (b[i] != 0xFF) {
                i++;
                continue;
            }
            unsigned m = b[i + 1];
            if (m == 0xFF) {
                i++;
                continue;
            }
            if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
                i += 2;
                continue;
            }
            size_t len = (size_t)b[i + 2] << 8 | b[i + 3];
            if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
                *h = (uint32_t)b[i + 5] << 8 | b[i + 6];
                *w = (uint32_t)b[i + 7] << 8 | b[i + 8];
                return;
            }
            if (m == 0xDA || len < 2)
                return;
            i += 2 + len;
        }
    }
}

static bool too_big(uint32_t w, uint32_t h)
{
    return w > KIMAGE_MAX_SIDE || h > KIMAGE_MAX_SIDE || (uint64_t)w * h > KIMAGE_MAX_PIXELS;
}

/* Read a regular file of at most the byte cap. */
static int read_capped(const char *path, unsigned char **ret, size_t *ret_n, struct loa_diag *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return loa_diag_set(err, -errno, LOA_SEV_WARNING, path, 0, "cannot open image: %s",
                            strerror(errno));
    struct stat st;
    unsigned char *buf = NULL;
    int rc;
    if (fstat(fd, &st) < 0) {
        rc = loa_diag_set(err, -errno, LOA_SEV_WARNING, path, 0, "cannot stat image: %s",
                          strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = loa_diag_set(err, -EINVAL, LOA_SEV_WARNING, path, 0, "image is not a regular file");
        goto out;
    }
    if (st.st_size > KIMAGE_MAX_FILE_BYTES) {
        rc = loa_diag_set(err, -EFBIG, LOA_SEV_WARNING, path, 0,
                          "image too large (%lld bytes, at most %d)", (long long)st.st_size,
                          KIMAGE_MAX_FILE_BYTES);
        goto out;
    }
    size_t n = (size_t)st.st_size, got = 0;
    buf = malloc(n ? n : 1);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = loa_diag_set(err, r < 0 ? -errno : -EIO, LOA_SEV_WARNING, path, 0,
                              "cannot read image");
            goto out;
        }
        got += (size_t)r;
    }
    *ret = buf;
    *ret_n = n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

static int decode(const char *path, SDL_Surface **ret, struct loa_diag *err)
{
    unsigned char *buf = NULL;
    size_t n = 0;
    uint32_t w, h;
    int rc = read_capped(path, &buf, &n, err);
    if (rc < 0)
        return rc;
    sniff_size(buf, n, &w, &h);
    if (too_big(w, h)) {
        free(buf);
        return loa_diag_set(err, -EFBIG, LOA_SEV_WARNING, path, 0,
                            "image too large (%ux%u pixels, at most %dx%d and %d megapixels)", w, h,
                            KIMAGE_MAX_SIDE, KIMAGE_MAX_SIDE, KIMAGE_MAX_PIXELS / 1000000);
    }
    SDL_RWops *rw = SDL_RWFromConstMem(buf, (int)n);
    SDL_Surface *img = rw ? IMG_Load_RW(rw, 1) : NULL;
    free(buf);
    if (!img)
        return loa_diag_set(err, -EINVAL, LOA_SEV_WARNING, path, 0, "unreadable image: %s",
                            IMG_GetError());
    if (too_big((uint32_t)img->w, (uint32_t)img->h)) {
        rc = loa_diag_set(err, -EFBIG, LOA_SEV_WARNING, path, 0, "image too large (%dx%d pixels)",
                          img->w, img->h);
        SDL_FreeSurface(img);
        return rc;
    }
    SDL_Surface *argb = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(img);
    if (!argb)
        return -ENOMEM;
    *ret = argb;
    return 0;
}

int kimage_probe(const char *path, struct loa_diag *err)
{
    SDL_Surface *s = NULL;
    int rc = decode(path, &s, err);
    SDL_FreeSurface(s);
    return rc;
}

/* Bilinear resize of an ARGB8888 surface; halving steps first so a large photo
 * shrinks without aliasing. Consumes src. */
static SDL_Surface *resize(SDL_Surface *src, int w, int h)
{
    while (src->w >= 2 * w && src->h >= 2 * h && src->w >= 2 && src->h >= 2) {
        SDL_Surface *half =
            SDL_CreateRGBSurfaceWithFormat(0, src->w / 2, src->h / 2, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!half || SDL_SoftStretchLinear(src, NULL, half, NULL) < 0) {
            SDL_FreeSurface(half);
            break;
        }
        SDL_FreeSurface(src);
        src = half;
    }
    if (src->w == w && src->h == h)
        return src;
    SDL_Surface *dst = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!dst || SDL_SoftStretchLinear(src, NULL, dst, NULL) < 0) {
        SDL_FreeSurface(dst);
        SDL_FreeSurface(src);
        return NULL;
    }
    SDL_FreeSurface(src);
    return dst;
}

int kimage_load_fit(const char *path, int box_w, int box_h, SDL_Surface **ret, struct loa_diag *err)
{
    SDL_Surface *img = NULL;
    if (box_w < 1 || box_h < 1)
        return -EINVAL;
    int rc = decode(path, &img, err);
    if (rc < 0)
        return rc;
    /* Letterbox: the largest size with the image's aspect inside the box. */
    int64_t w = box_w, h = (int64_t)img->h * box_w / img->w;
    if (h > box_h) {
        h = box_h;
        w = (int64_t)img->w * box_h / img->h;
    }
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    SDL_Surface *out = resize(img, (int)w, (int)h);
    if (!out)
        return -ENOMEM;
    *ret = out;
    return 0;
}
