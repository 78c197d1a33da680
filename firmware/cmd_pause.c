/* `loa pause --from T --until T [--session ID]` (SPEC.md): airings planned in the pause
 * are recorded `missed` (`paused`). T is "YYYY-MM-DD[ HH:MM[:SS]]" in the device's time
 * zone (loa.cfg); a date alone means its 00:00 for --from and the end of that day for
 * --until.
 */
#include <getopt.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "config.h"
#include "daemon/fw_control.h"
#include "fw.h"
#include "fw_data_dir.h"

static void print_help(void)
{
    fputs("Usage: loa pause --from T --until T [--session ID]\n"
          "\n"
          "Suspend broadcasts (national mourning, Tết): planned airings whose start lies in\n"
          "[--from, --until) are recorded missed (paused). T is \"YYYY-MM-DD HH:MM\" or a\n"
          "date (from its 00:00; --until a date means to the end of that day). 'loa resume'\n"
          "ends every pause.\n",
          stdout);
}

static int to_utc(GTimeZone *tz, const char *s, bool end, int64_t *ret)
{
    int32_t day;
    int64_t tod = 0;
    if (civil_parse_datetime(s, &day, &tod) < 0) {
        if (civil_parse_date(s, &day) < 0)
            return -1;
        if (end)
            day++;
    }
    int y, m, dd;
    civil_to_ymd(day, &y, &m, &dd);
    GDateTime *dt = g_date_time_new(tz, y, m, dd, (int)(tod / 3600000000),
                                    (int)(tod / 60000000 % 60), (double)(tod % 60000000) / 1e6);
    if (!dt)
        return -1;
    *ret = g_date_time_to_unix(dt) * 1000000 + g_date_time_get_microsecond(dt);
    g_date_time_unref(dt);
    return 0;
}

int fw_cmd_pause(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},
        {"until", required_argument, NULL, 'u'},
        {"session", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *until = NULL, *session = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 'u':
            until = optarg;
            break;
        case 's':
            session = optarg;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("pause ", "bad option");
        }
    }
    if (optind < argc || !from || !until)
        return fw_usage_error("pause ", "give --from and --until");
    struct loa_config *cfg = NULL;
    int x = fw_config_load(g, &cfg);
    if (x != LOA_EXIT_OK)
        return x;
    GTimeZone *tz = g_time_zone_new_identifier(cfg->device.timezone);
    loa_config_free(cfg);
    if (!tz) {
        fw_error("unknown time zone in the config");
        return LOA_EXIT_INPUT;
    }
    int64_t a, b;
    int bad = to_utc(tz, from, false, &a) < 0 || to_utc(tz, until, true, &b) < 0;
    g_time_zone_unref(tz);
    if (bad)
        return fw_usage_error("pause ", "times are \"YYYY-MM-DD HH:MM\" or YYYY-MM-DD");
    if (b <= a)
        return fw_usage_error("pause ", "--until must come after --from");
    if (session && (strchr(session, ' ') || strlen(session) > 63))
        return fw_usage_error("pause ", "bad session id");
    char req[256];
    snprintf(req, sizeof req, "pause %" PRId64 " %" PRId64 "%s%s", a, b, session ? " " : "",
             session ? session : "");
    return fw_control_run(g, req, -1);
}
