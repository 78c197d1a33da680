/* `loa clock confirm` (SPEC.md "Clock trust"): an operator vouches that the clock is
 * right; the daemon records the trust `operator` and the caller's uid. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "daemon/fw_control.h"
#include "fw.h"

int fw_cmd_clock(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs("Usage: loa clock confirm\n\n"
                  "Vouch that the device's clock is right (after checking it against a\n"
                  "trusted time): the daemon trusts it ('operator') until a backward step or\n"
                  "time.max_holdover_hours without a sync. Logged with the caller.\n",
                  stdout);
            return LOA_EXIT_OK;
        }
        return fw_usage_error("clock ", "bad option");
    }
    if (optind + 1 != argc || strcmp(argv[optind], "confirm") != 0)
        return fw_usage_error("clock ", "the only subcommand is 'confirm'");
    return fw_control_run(g, "clock-confirm", -1);
}
