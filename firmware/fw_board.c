/* The amplifier relay's settings from the device config (fw_board.h). */
#include "fw_board.h"

#include "config.h"
#include "fw_data_dir.h"
#include "relay.h"

void fw_relay_config_from_loa(const struct loa_config *config, struct relay_config *ret)
{
    *ret = (struct relay_config){.driver = RELAY_DRIVER_NONE};
    if (!config)
        return;
    ret->driver = config->board.driver == LOA_BOARD_GPIO  ? RELAY_DRIVER_GPIO
                  : config->board.driver == LOA_BOARD_SIM ? RELAY_DRIVER_SIM
                                                          : RELAY_DRIVER_NONE;
    ret->chip = config->board.amp_chip;
    ret->line = config->board.amp_line;
    ret->active_low = config->board.amp_active_low;
}

int fw_relay_sim_prepare(const struct fw_globals *g, const struct loa_config *config,
                         struct relay_config *rc, char *buf, size_t size)
{
    const char *data_dir = g->data_dir && *g->data_dir ? g->data_dir
                           : config                    ? config->storage.data_dir
                                                       : NULL;
    if (rc->driver != RELAY_DRIVER_SIM || !data_dir)
        return LOA_EXIT_OK;
    int x = fw_data_dir_ensure(data_dir);
    if (x != LOA_EXIT_OK)
        return x;
    if (relay_sim_path(data_dir, buf, size) < 0) {
        fw_error("data directory path too long");
        return LOA_EXIT_RUNTIME;
    }
    rc->sim_path = buf;
    return LOA_EXIT_OK;
}
