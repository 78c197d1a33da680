/* The amplifier relay as a device config describes it: the one mapping from the config's
 * board section (media/config.h) to board/relay.h's struct relay_config, so that `loa play`,
 * `loa board off` and the daemon drive the same line the same way.
 */
#pragma once

#include <stddef.h>

#include "fw.h"

struct loa_config;
struct relay_config;

/**
 * Fill *ret from config's board section: board.driver (gpio | sim | none), amp_chip,
 * amp_line and amp_active_low. config NULL (no config file) gives the none driver. Every
 * other field is zeroed: no sim_path (the sim driver then prints to stdout), the real clock,
 * the default consumer label. The strings point into config, which must outlive relay_new().
 * Callers override the driver afterwards (--board, the daemon's virtual clock).
 */
void fw_relay_config_from_loa(const struct loa_config *config, struct relay_config *ret);

/**
 * For a command driving the sim relay: the data directory (--data-dir, else the config's
 * storage.data_dir, else none) is created when missing and rc->sim_path points at its
 * DATA_DIR/board-sim.log (relay_sim_path()), written into buf, which must outlive
 * relay_new(). Does nothing for the other drivers or without a data directory.
 * config may be NULL. Returns LOA_EXIT_OK, or an exit code after printing why.
 */
int fw_relay_sim_prepare(const struct fw_globals *g, const struct loa_config *config,
                         struct relay_config *rc, char *buf, size_t size);
