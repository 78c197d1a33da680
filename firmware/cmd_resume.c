/* `loa resume`: end every pause (airings already recorded paused stay so). */
#include <getopt.h>
#include <stdio.h>

#include "daemon/fw_control.h"
#include "fw.h"

int fw_cmd_resume(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs("Usage: loa resume\n\nEnd every pause set with 'loa pause'.\n", stdout);
            return LOA_EXIT_OK;
        }
        return fw_usage_error("resume ", "bad option");
    }
    if (optind < argc)
        return fw_usage_error("resume ", "unexpected argument '%s'", argv[optind]);
    return fw_control_run(g, "resume", -1);
}
