/* `loa`: one program, many commands (SPEC.md "Command line"). */
#include <getopt.h>
#include <stdbool.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"

/* main.c is built once per executable (firmware/CMakeLists.txt "Executables"):
 * LOA_WITH_KIOSK / LOA_WITH_REPORT say which optional part this one links. A command of
 * a part it lacks is handed, with the whole command line, to the helper that has it, so
 * every executable knows every command and `loa --help` lists them all. */
#if LOA_WITH_KIOSK
#include "fw_kiosk.h"
#else
static int in_kiosk_helper(const struct fw_globals *g, int argc, char **argv)
{
    (void)argc, (void)argv;
    return fw_exec_helper(g, FW_HELPER_KIOSK);
}
#define fw_cmd_kiosk in_kiosk_helper
#define fw_cmd_check in_kiosk_helper
#define fw_cmd_demo in_kiosk_helper
#endif
#if !LOA_WITH_REPORT
static int in_report_helper(const struct fw_globals *g, int argc, char **argv)
{
    (void)argc, (void)argv;
    return fw_exec_helper(g, FW_HELPER_REPORT);
}
#define fw_cmd_report in_report_helper
#endif

static const struct fw_command commands[] = {
#define LOA_COMMAND(name, summary) {#name, summary, fw_cmd_##name},
#include "commands.def"
#undef LOA_COMMAND
    {NULL, NULL, NULL},
};

/* Command names are C identifiers in commands.def; on the command line '-' stands for
 * '_' (play_now is `loa play-now`). */
static bool same_command(const char *def, const char *arg)
{
    for (; *def && *arg; def++, arg++)
        if (*def != *arg && !(*def == '_' && *arg == '-'))
            return false;
    return *def == *arg;
}

static void print_help(FILE *f)
{
    fputs("Usage: loa [--config FILE] [--data-dir DIR] COMMAND [ARGS]\n"
          "\n"
          "Airs scheduled announcements over the commune loudspeakers, shows notices on\n"
          "the kiosk and keeps a tamper-evident airtime ledger.\n"
          "\n"
          "Options:\n"
          "  --config FILE    device configuration (default: $LOA_CONFIG or " LOA_DEFAULT_CONFIG
          ")\n"
          "  --data-dir DIR   override storage.data_dir\n"
          "  -v, --verbose    more detail on stderr\n"
          "  --help           this help\n"
          "  --version        print the version\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; commands[i].name; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s", commands[i].name);
        for (char *p = name; *p; p++)
            if (*p == '_')
                *p = '-';
        fprintf(f, "  %-12s %s\n", name, commands[i].summary);
    }
    fputs("\nEvery command has --help. Exit codes: 0 success, 1 wrong input, 2 usage error,\n"
          "3 runtime failure.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"data-dir", required_argument, NULL, 'd'},
        {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    struct fw_globals g = {.program = argv[0], .argv = argv};
    int c;

    setlocale(LC_ALL, "C.UTF-8");
    /* '+': stop at the first non-option, which is the command. */
    while ((c = getopt_long(argc, argv, "+v", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            g.config_path = optarg;
            break;
        case 'd':
            g.data_dir = optarg;
            break;
        case 'v':
            g.verbose++;
            break;
        case 'h':
            print_help(stdout);
            return LOA_EXIT_OK;
        case 'V':
            printf("loa %s\n", LOA_VERSION);
            return LOA_EXIT_OK;
        default:
            return fw_usage_error(NULL, "bad option");
        }
    }
#if LOA_WITH_KIOSK
    g.kiosk_layout = &fw_kiosk_layout_sdl;
#endif
    if (!g.config_path)
        g.config_path = getenv("LOA_CONFIG");
    if (!g.config_path || !*g.config_path)
        g.config_path = LOA_DEFAULT_CONFIG;

    if (optind >= argc) {
        print_help(stderr);
        return LOA_EXIT_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; commands[i].name; i++) {
        if (same_command(commands[i].name, name)) {
            char **sub_argv = argv + optind;
            int sub_argc = argc - optind;
            /* 0, not 1: glibc then re-initialises getopt completely (the '+' mode above
             * would otherwise stick), and each command parses its own argv afresh. */
            optind = 0;
            return commands[i].run(&g, sub_argc, sub_argv);
        }
    }
    return fw_usage_error(NULL, "unknown command '%s'", name);
}
