/* Resolving the data directory and what lives in it. */
#include "fw_data_dir.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "civil.h"
#include "config.h"
#include "ledger.h"

int fw_config_load(const struct fw_globals *g, struct loa_config **ret_config)
{
    struct loa_diag_list diags = {0};
    struct loa_config *c = NULL;
    int e = loa_config_load(g->config_path, &c, &diags);
    fw_print_diags(&diags);
    loa_diag_list_clear(&diags);
    if (e < 0) {
        loa_config_free(c);
        return LOA_EXIT_INPUT;
    }
    *ret_config = c;
    return LOA_EXIT_OK;
}

int fw_data_dir(const struct fw_globals *g, const struct loa_config *config, char *buf, size_t size)
{
    const char *dir = g->data_dir;
    struct loa_config *own = NULL;
    if (!dir || !*dir) {
        if (!config) {
            int x = fw_config_load(g, &own);
            if (x != LOA_EXIT_OK) {
                fw_error("no data directory: the config does not load (or give --data-dir)");
                return x;
            }
            config = own;
        }
        dir = config->storage.data_dir;
    }
    int n = snprintf(buf, size, "%s", dir);
    loa_config_free(own);
    if (n < 0 || (size_t)n >= size || n == 0) {
        fw_error("data directory path empty or too long");
        return LOA_EXIT_RUNTIME;
    }
    return LOA_EXIT_OK;
}

int fw_data_dir_ensure(const char *data_dir)
{
    if (g_mkdir_with_parents(data_dir, 0755) < 0) {
        fprintf(stderr, "%s: error: cannot create the data directory: %s\n", data_dir,
                g_strerror(errno));
        return LOA_EXIT_RUNTIME;
    }
    return LOA_EXIT_OK;
}

void fw_ledger_path(const char *data_dir, char *buf, size_t size)
{
    snprintf(buf, size, "%s/ledger.db", data_dir);
}

void fw_keys_dir(const char *data_dir, char *buf, size_t size)
{
    snprintf(buf, size, "%s/keys", data_dir);
}

void fw_ledger_identity(const struct loa_config *c, struct ledger_identity *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->device_id = c->device.id;
    ret->unit_codes = c->device.unit_codes;
    ret->province_code = c->device.province.code;
    ret->province_name = c->device.province.name;
    if (c->device.district.present) {
        ret->district_code = c->device.district.code;
        ret->district_name = c->device.district.name;
    }
    ret->commune_code = c->device.commune.code;
    ret->commune_name = c->device.commune.name;
}

int fw_end_of_local_day_usec(const struct loa_config *config, int32_t day, int64_t *ret_usec)
{
    GTimeZone *tz = g_time_zone_new_identifier(config->device.timezone);
    if (!tz)
        return -EINVAL;
    int y, m, d;
    civil_to_ymd(day + 1, &y, &m, &d);
    GDateTime *next = g_date_time_new(tz, y, m, d, 0, 0, 0);
    g_time_zone_unref(tz);
    if (!next)
        return -EINVAL;
    *ret_usec = g_date_time_to_unix(next) * INT64_C(1000000) - 1;
    g_date_time_unref(next);
    return 0;
}

char *fw_verify_cache_dir(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char buf[4200];
    if (xdg && *xdg == '/')
        snprintf(buf, sizeof buf, "%s/loa", xdg);
    else if (home && *home == '/')
        snprintf(buf, sizeof buf, "%s/.cache/loa", home);
    else
        return NULL;
    if (g_mkdir_with_parents(buf, 0700) < 0) /* a cache is optional: no message */
        return NULL;
    strcat(buf, "/verify");
    return strdup(buf);
}
