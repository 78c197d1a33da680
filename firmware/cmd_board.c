/* `loa board off`: drive the amplifier line inactive (SPEC.md "The board and the system").
 *
 * systemd runs it after any exit of the daemon (ExecStopPost=): a Raspberry Pi keeps a
 * released output's level, so a crashed daemon could otherwise leave the amplifier on.
 * Opening the line through the relay driver already requests it inactive; relay_free()
 * switches it off again before releasing it.
 */
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fw.h"
#include "fw_board.h"
#include "fw_data_dir.h"
#include "relay.h"

static void print_help(void)
{
    fputs("Usage: loa board off [--board DRIVER]\n"
          "\n"
          "Drive the amplifier line inactive (amplifier off), as configured in the\n"
          "config's board section: gpio (chip board.amp_chip, line board.amp_line,\n"
          "board.amp_active_low), sim (records \"off\" in DATA_DIR/board-sim.log) or none.\n"
          "systemd runs it after the daemon stops, whatever the reason.\n"
          "\n"
          "Options:\n"
          "  --board DRIVER   gpio | sim | none, instead of the config's board.driver\n"
          "  --help           this help\n",
          stdout);
}

static int board_off(const struct fw_globals *g, const char *board)
{
    struct loa_config *c = NULL;
    struct relay_config rc;
    if (g_file_test(g->config_path, G_FILE_TEST_EXISTS)) {
        int x = fw_config_load(g, &c);
        if (x != LOA_EXIT_OK) {
            /* The amplifier must go off even when an edit broke the config elsewhere:
             * fall back to its board and storage sections alone. */
            struct loa_diag_list diags = {0};
            if (loa_config_load_board(g->config_path, &c, &diags) < 0) {
                fw_print_diags(&diags);
                loa_diag_list_clear(&diags);
                return x;
            }
            loa_diag_list_clear(&diags);
            fprintf(stderr,
                    "loa: warning: %s does not load; switching the amplifier off "
                    "with its board section alone\n",
                    g->config_path);
        }
    } else if (!board) {
        fprintf(stderr, "loa: note: no config at %s: no amplifier line to switch\n",
                g->config_path);
        return LOA_EXIT_OK;
    }
    fw_relay_config_from_loa(c, &rc);
    if (board && relay_driver_from_string(board, &rc.driver) < 0) {
        loa_config_free(c);
        return fw_usage_error("board", "--board must be gpio, sim or none, not '%s'", board);
    }
    char sim[4200];
    int x = fw_relay_sim_prepare(g, c, &rc, sim, sizeof sim);
    struct relay *r = NULL;
    struct loa_diag d = {0};
    if (x == LOA_EXIT_OK && relay_new(&rc, &r, &d) < 0) {
        fw_print_diag(&d);
        x = LOA_EXIT_RUNTIME;
    }
    if (r && relay_set(r, false, &d) < 0) {
        fw_print_diag(&d);
        x = LOA_EXIT_RUNTIME;
    }
    if (r && g->verbose)
        fprintf(stderr, "loa: amplifier off (%s)\n", relay_name(r));
    relay_free(r);
    loa_config_free(c);
    return x;
}

int fw_cmd_board(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"board", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *board = NULL;
    int c;
    /* 0, not 1: glibc then re-reads the ordering, so options may follow operands here
     * even though the global options were parsed in "+" (stop-at-operand) mode. */
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            board = optarg;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("board", "bad option");
        }
    }
    if (optind >= argc)
        return fw_usage_error("board", "which action? (off)");
    if (strcmp(argv[optind], "off") != 0)
        return fw_usage_error("board", "unknown action '%s' (off)", argv[optind]);
    if (optind + 1 < argc)
        return fw_usage_error("board", "unexpected '%s'", argv[optind + 1]);
    return board_off(g, board);
}
