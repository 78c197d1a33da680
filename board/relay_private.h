/* The built-in relay drivers, shared between relay.c and the driver files. */
#pragma once

#include "relay.h"

/* A built-in driver: open from the config, then the public relay_ops. */
struct relay_driver_impl {
    struct relay_ops ops;
    /** Open; *ret_state and *ret_initial_on on success. */
    int (*open)(const struct relay_config *cfg, void **ret_state, bool *ret_initial_on,
                struct loa_diag *reterr);
};

extern const struct relay_driver_impl relay_driver_gpio;
extern const struct relay_driver_impl relay_driver_sim;
extern const struct relay_driver_impl relay_driver_none;
