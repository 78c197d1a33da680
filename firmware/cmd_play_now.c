/* `loa play-now ITEM|FILE [--class priority|emergency]` (SPEC.md "Pre-emption"). An
 * argument naming an existing file is handed to the daemon as an open descriptor (so
 * the daemon needs no access to the caller's directories); anything else is an item id
 * of the installed library.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/fw_control.h"
#include "fw.h"

static void print_help(void)
{
    fputs("Usage: loa play-now ITEM|FILE [--class priority|emergency]\n"
          "\n"
          "Air an announcement now. priority (default): after the current airing, after a\n"
          "chime; refused in quiet hours. emergency: at once, at any hour, cutting what\n"
          "airs (recorded interrupted (emergency)) and turning the screen on.\n"
          "ITEM is an item id of the installed library; a FILE is passed to the daemon as\n"
          "an open descriptor. Prints the airing key.\n",
          stdout);
}

int fw_cmd_play_now(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"class", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cls = "priority";
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (strcmp(optarg, "priority") != 0 && strcmp(optarg, "emergency") != 0)
                return fw_usage_error("play-now ", "--class must be priority or emergency");
            cls = optarg;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("play-now ", "bad option");
        }
    }
    if (optind + 1 != argc)
        return fw_usage_error("play-now ", "give one ITEM or FILE");
    const char *what = argv[optind];
    char req[512];
    struct stat st;
    if (strchr(what, '/') || stat(what, &st) == 0) {
        int fd = open(what, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
            fprintf(stderr, "%s: error: %s\n", what, strerror(errno));
            return LOA_EXIT_INPUT;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            fprintf(stderr, "%s: error: not a regular file\n", what);
            close(fd);
            return LOA_EXIT_INPUT;
        }
        const char *base = strrchr(what, '/');
        base = base ? base + 1 : what;
        char name[256];
        snprintf(name, sizeof name, "%s", base);
        for (char *p = name; *p; p++)
            if (*p == ' ' || *p == '\n')
                *p = '_';
        snprintf(req, sizeof req, "play-now file %s %s", cls, name);
        int code = fw_control_run(g, req, fd);
        close(fd);
        return code;
    }
    snprintf(req, sizeof req, "play-now item %s %s", what, cls);
    return fw_control_run(g, req, -1);
}
