/* The `loa` program: shared declarations of the command-line frame.
 *
 * Each command lives in its own file firmware/cmd_<name>.c and is listed once in
 * firmware/commands.def. A command receives argv starting at its own name, parses its
 * options with getopt_long (optind is reset for it), and returns an exit code.
 */
#pragma once

#include <stdio.h>

#include "diag.h"

/* Exit codes (SPEC.md "Command line"). */
enum {
    LOA_EXIT_OK = 0, /* success */
    LOA_EXIT_INPUT = 1, /* the input is wrong: validation, verification failed, refused */
    LOA_EXIT_USAGE = 2, /* usage error */
    LOA_EXIT_RUNTIME = 3, /* device, I/O, no daemon running */
};

#define LOA_DEFAULT_CONFIG "/etc/loa/loa.cfg"

struct fw_kiosk_layout;

/** What precedes the command on the command line. */
struct fw_globals {
    const char *program; /* argv[0] */
    const char *config_path; /* --config, else $LOA_CONFIG, else LOA_DEFAULT_CONFIG */
    const char *data_dir; /* --data-dir, or NULL to use storage.data_dir */
    int verbose;
    char **argv; /* the whole command line, NULL-terminated, for fw_exec_helper */
    /* The kiosk renderer's page counts (fw_kiosk.h) when this executable links the kiosk
     * part, else NULL. */
    const struct fw_kiosk_layout *kiosk_layout;
};

typedef int fw_command_fn(const struct fw_globals *g, int argc, char **argv);

struct fw_command {
    const char *name;
    const char *summary;
    fw_command_fn *run;
};

#define LOA_COMMAND(name, summary) fw_command_fn fw_cmd_##name;
#include "commands.def"
#undef LOA_COMMAND

/** Print "FILE:LINE: error: msg" for d to stderr. */
void fw_print_diag(const struct loa_diag *d);
/** Print every diagnostic of l to stderr, errors and warnings alike. */
void fw_print_diags(const struct loa_diag_list *l);
/** Print "loa: error: ..." to stderr (no file involved). */
void fw_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Print a usage error hint ("Try 'loa CMD --help'.") and return LOA_EXIT_USAGE. */
int fw_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The helper executables that host the optional parts (firmware/CMakeLists.txt
 * "Executables"): `loa` hands them the commands it does not link. */
#define FW_HELPER_KIOSK "loa-kiosk" /* kiosk, check, demo, run --clock virtual: SDL */
#define FW_HELPER_REPORT "loa-report" /* report: xlsxwriter, pango/cairo */

/**
 * Run the same command line (g->argv) in the helper executable named helper: exec it
 * from the running binary's directory, else from <that directory>/../LIBEXECDIR/loa,
 * else from the configured install's libexec dir. Returns only on failure: prints why
 * and returns LOA_EXIT_RUNTIME.
 */
int fw_exec_helper(const struct fw_globals *g, const char *helper);
