/* The gpio relay driver: libgpiod 1.6, the v1 API Debian 12 ships.
 *
 * The chip is looked up by name, label, path or number (gpiod_chip_open_lookup), the line
 * by name within it (gpiod_chip_find_line) or by a decimal offset. The line is requested as
 * an output whose default value is inactive, so opening never switches the amplifier on;
 * the active-low flag makes libgpiod invert the physical level for us.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay_private.h"

struct gpio_state {
    struct gpiod_chip *chip;
    struct gpiod_line *line;
    char desc[160];
};

static bool parse_offset(const char *s, unsigned *ret)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || v > 65535)
        return false;
    *ret = (unsigned)v;
    return true;
}

static void gpio_free(void *state)
{
    struct gpio_state *g = state;
    if (!g)
        return;
    if (g->line)
        gpiod_line_release(g->line);
    if (g->chip)
        gpiod_chip_close(g->chip);
    free(g);
}

static int gpio_open(const struct relay_config *cfg, void **ret_state, bool *ret_initial_on,
                     struct loa_diag *reterr)
{
    if (!cfg->chip || !*cfg->chip)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                            "gpio: no chip configured (board.amp_chip)");
    if (!cfg->line || !*cfg->line)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0,
                            "gpio: no line configured (board.amp_line)");
    struct gpio_state *g = calloc(1, sizeof *g);
    if (!g)
        return loa_diag_set(reterr, -ENOMEM, LOA_SEV_ERROR, NULL, 0, "gpio: out of memory");
    int r;
    g->chip = gpiod_chip_open_lookup(cfg->chip);
    if (!g->chip) {
        r = errno ? -errno : -ENOENT;
        loa_diag_set(reterr, r, LOA_SEV_ERROR, NULL, 0, "gpio: cannot open chip '%s': %s",
                     cfg->chip,
                     r == -ENOENT ? "no such chip (by name, label, path or number)" : strerror(-r));
        goto fail;
    }
    unsigned offset;
    if (parse_offset(cfg->line, &offset))
        g->line = gpiod_chip_get_line(g->chip, offset);
    else
        g->line = gpiod_chip_find_line(g->chip, cfg->line);
    if (!g->line) {
        r = errno ? -errno : -ENOENT;
        if (r == -EINVAL)
            r = -ENOENT; /* an offset beyond the chip's lines: not found either */
        loa_diag_set(reterr, r, LOA_SEV_ERROR, NULL, 0, "gpio: no line '%s' on chip '%s'%s%s",
                     cfg->line, gpiod_chip_name(g->chip), r == -ENOENT ? "" : ": ",
                     r == -ENOENT ? "" : strerror(-r));
        goto fail;
    }
    int flags = cfg->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    if (gpiod_line_request_output_flags(g->line, cfg->consumer ? cfg->consumer : "loa", flags, 0) <
        0) {
        r = errno ? -errno : -EIO;
        loa_diag_set(reterr, r, LOA_SEV_ERROR, NULL, 0,
                     "gpio: cannot drive line '%s' of chip '%s': %s", cfg->line,
                     gpiod_chip_name(g->chip),
                     r == -EBUSY ? "it is in use by another program" : strerror(-r));
        g->line = NULL; /* not requested: nothing to release */
        goto fail;
    }
    snprintf(g->desc, sizeof g->desc, "%s/%s", gpiod_chip_name(g->chip), cfg->line);
    *ret_state = g;
    *ret_initial_on = false;
    return 0;
fail:
    gpio_free(g);
    return r;
}

static int gpio_set(void *state, bool on, struct loa_diag *reterr)
{
    struct gpio_state *g = state;
    if (gpiod_line_set_value(g->line, on ? 1 : 0) < 0) {
        int r = errno ? -errno : -EIO;
        return loa_diag_set(reterr, r, LOA_SEV_ERROR, NULL, 0, "gpio: cannot set %s %s: %s",
                            g->desc, on ? "on" : "off", strerror(-r));
    }
    return 0;
}

const struct relay_driver_impl relay_driver_gpio = {
    .ops = {.name = "gpio", .set = gpio_set, .free = gpio_free},
    .open = gpio_open,
};
