/* The relay front end: driver selection, the level last commanded, switch-off on free. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay_private.h"

struct relay {
    const struct relay_ops *ops;
    void *state;
    bool on;
};

static const struct relay_driver_impl *const drivers[] = {
    [RELAY_DRIVER_GPIO] = &relay_driver_gpio,
    [RELAY_DRIVER_SIM] = &relay_driver_sim,
    [RELAY_DRIVER_NONE] = &relay_driver_none,
};

int relay_new(const struct relay_config *cfg, struct relay **ret_relay, struct loa_diag *reterr)
{
    if (!cfg || !ret_relay || (unsigned)cfg->driver >= sizeof drivers / sizeof drivers[0])
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0, "relay: unknown driver");
    const struct relay_driver_impl *d = drivers[cfg->driver];
    void *state = NULL;
    bool initial_on = false;
    int r = d->open(cfg, &state, &initial_on, reterr);
    if (r < 0)
        return r;
    struct relay *rl = calloc(1, sizeof *rl);
    if (!rl) {
        if (d->ops.free)
            d->ops.free(state);
        return loa_diag_set(reterr, -ENOMEM, LOA_SEV_ERROR, NULL, 0, "relay: out of memory");
    }
    rl->ops = &d->ops;
    rl->state = state;
    rl->on = initial_on;
    *ret_relay = rl;
    return 0;
}

int relay_new_custom(const struct relay_ops *ops, void *state, bool initial_on,
                     struct relay **ret_relay)
{
    if (!ops || !ops->set || !ret_relay)
        return -EINVAL;
    struct relay *rl = calloc(1, sizeof *rl);
    if (!rl)
        return -ENOMEM;
    rl->ops = ops;
    rl->state = state;
    rl->on = initial_on;
    *ret_relay = rl;
    return 0;
}

int relay_set(struct relay *r, bool on, struct loa_diag *reterr)
{
    if (!r)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0, "relay: no relay");
    int ret = r->ops->set(r->state, on, reterr);
    if (ret < 0)
        return ret;
    r->on = on;
    return ret;
}

bool relay_is_on(const struct relay *r)
{
    return r && r->on;
}

const char *relay_name(const struct relay *r)
{
    return r && r->ops->name ? r->ops->name : "?";
}

struct relay *relay_free(struct relay *r)
{
    if (!r)
        return NULL;
    /* Off first: a released Raspberry Pi output keeps its level (SPEC.md). Errors cannot be
     * reported from a destructor; `loa board off` after exit is the safety net. */
    (void)r->ops->set(r->state, false, NULL);
    if (r->ops->free)
        r->ops->free(r->state);
    free(r);
    return NULL;
}

int relay_driver_from_string(const char *s, enum relay_driver *ret_driver)
{
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++) {
        if (s && strcmp(s, drivers[i]->ops.name) == 0) {
            *ret_driver = (enum relay_driver)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *relay_driver_to_string(enum relay_driver d)
{
    if ((unsigned)d >= sizeof drivers / sizeof drivers[0])
        return "?";
    return drivers[d]->ops.name;
}

int relay_sim_path(const char *data_dir, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/board-sim.log", data_dir && *data_dir ? data_dir : ".");
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ---- none ----------------------------------------------------------------------- */

static int none_open(const struct relay_config *cfg, void **ret_state, bool *ret_initial_on,
                     struct loa_diag *reterr)
{
    (void)cfg;
    (void)reterr;
    *ret_state = NULL;
    *ret_initial_on = false;
    return 0;
}

static int none_set(void *state, bool on, struct loa_diag *reterr)
{
    (void)state;
    (void)on;
    (void)reterr;
    return 0;
}

const struct relay_driver_impl relay_driver_none = {
    .ops = {.name = "none", .set = none_set, .free = NULL},
    .open = none_open,
};
