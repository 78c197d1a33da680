/* Option parsing shared by the commands that take no option but --help (`loa check`,
 * `loa load`, `loa unload`, `loa import`). The printing helpers of fw_util.c are declared
 * in fw.h, with the command-line frame they belong to.
 */
#pragma once

#include <stdbool.h>

/**
 * Parse argv (starting at the command's name) with getopt_long for --help alone.
 * command names the command for the usage hint ("load "). Returns true when the command
 * is done and must return *ret_exit: LOA_EXIT_OK after print_help() for --help,
 * LOA_EXIT_USAGE after a hint for any other option. Returns false to go on with the
 * operands from argv[optind] (GNU getopt has moved them there, after any options).
 */
bool fw_options_help_only(int argc, char **argv, const char *command, void (*print_help)(void),
                          int *ret_exit);
