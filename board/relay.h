/* The amplifier relay: one output line that switches the loudspeaker amplifier.
 *
 * Drivers sit behind an ops table (MPD's output plugins, mpv's ao drivers):
 *   gpio  libgpiod 1.6 (v1 API): chip and line by name, optional active-low;
 *   sim   records every transition with a UTC timestamp, to a state file (appended, so the
 *         line's level survives the process like a real GPIO does) or to stdout;
 *   none  accepts everything, switches nothing.
 * Sequencing (warm-up, hold) is not here: the daemon's core decides, this only switches.
 * SPEC.md "The board and the system": an undriven line must mean "amplifier off", and a
 * Raspberry Pi keeps a released output's level, hence relay_free() switches off first.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum relay_driver { RELAY_DRIVER_GPIO = 0, RELAY_DRIVER_SIM = 1, RELAY_DRIVER_NONE = 2 };

struct relay_config {
    enum relay_driver driver;
    const char *chip; /* gpio: chip name, label, /dev path or number (gpiod_chip_open_lookup) */
    const char *line; /* gpio: line name (gpiod_chip_find_line), or a decimal offset */
    bool active_low; /* gpio: "on" drives the line low */
    const char *consumer; /* gpio: consumer label shown by gpioinfo; NULL = "loa" */
    const char *sim_path; /* sim: state file (created, appended); NULL = print to stdout */
    /* Timestamps for the sim driver's records: NULL = the real clock (CLOCK_REALTIME).
     * A virtual clock passes its own so records carry virtual time. */
    int64_t (*now_usec)(void *userdata);
    void *now_userdata;
};

/* A driver, for relay_new_custom() (tests' recording relay). */
struct relay_ops {
    const char *name;
    /** Drive the line; state is the pointer given to relay_new_custom(). Returns >= 0 or a
     *  negative errno with reterr filled. */
    int (*set)(void *state, bool on, struct loa_diag *reterr);
    /** Release the driver's resources (the line is already off). May be NULL. */
    void (*free)(void *state);
};

struct relay;

/**
 * Open the relay described by cfg (borrowed; strings are copied). The gpio driver requests
 * the line as an output driven inactive (amplifier off); the sim driver reads its state
 * file's last record and, if it says "on", records "off" (requesting a line drives it to
 * its default). Returns 0 and *ret_relay, or a negative errno with reterr (may be NULL)
 * naming what failed: -ENOENT chip or line not found, -EBUSY line held by another
 * consumer, -EACCES no permission, -EINVAL bad config.
 */
int relay_new(const struct relay_config *cfg, struct relay **ret_relay, struct loa_diag *reterr);

/**
 * Wrap a caller-supplied driver (ops and state are borrowed until relay_free(), which calls
 * ops->free(state)). initial_on is the level the line has now. Returns 0 or -EINVAL/-ENOMEM.
 */
int relay_new_custom(const struct relay_ops *ops, void *state, bool initial_on,
                     struct relay **ret_relay);

/**
 * Switch the amplifier on or off. The sim driver records only real changes; gpio writes the
 * value every time (cheap, and it re-asserts a line someone else poked).
 * Returns >= 0, or a negative errno with reterr (may be NULL) filled.
 */
int relay_set(struct relay *r, bool on, struct loa_diag *reterr);

/** The level last commanded (true = amplifier on). */
bool relay_is_on(const struct relay *r);

/** The driver's name: "gpio", "sim", "none" or the custom ops' name. */
const char *relay_name(const struct relay *r);

/** Switch off (best effort), release the line, free. Accepts NULL; returns NULL. */
struct relay *relay_free(struct relay *r);

/** "gpio" | "sim" | "none" → enum; returns 0 or -EINVAL. */
int relay_driver_from_string(const char *s, enum relay_driver *ret_driver);
/** The enum's name, or "?" for an unknown value. */
const char *relay_driver_to_string(enum relay_driver d);

/**
 * The sim driver's state file for a data dir, "DATA_DIR/board-sim.log", written into buf.
 * Every command that drives the sim board (the daemon, `loa play`, `loa board off`) uses
 * this so they agree on one simulated line. Returns 0 or -ENAMETOOLONG.
 */
int relay_sim_path(const char *data_dir, char *buf, size_t size);

/**
 * Read the level recorded last in a sim state file: *ret_on true when its last record is
 * "on". A missing or empty file means off. Returns 0 or a negative errno (-EBADMSG when
 * the last line is not a record).
 */
int relay_sim_read_state(const char *path, bool *ret_on);
