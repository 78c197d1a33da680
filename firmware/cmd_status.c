/* `loa status [--format json]` · `loa status --key` (SPEC.md "Command line").
 *
 * --key prints the device's public key file (two lines, minisign format), creating the
 * key on first use, daemon running or not. Without --key the status comes from the
 * running daemon over its control socket; with no daemon listening it exits 3.
 * (The daemon's status protocol belongs to the daemon; until then a listening socket
 * is reported as such.)
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/fw_control.h"
#include "fw.h"
#include "fw_data_dir.h"
#include "ledger_key.h"

static void print_help(void)
{
    fputs("Usage: loa status [--format text|json]\n"
          "       loa status --key\n"
          "\n"
          "Show what the running daemon is doing: now playing, next airing, clock trust,\n"
          "amplifier, kiosk, library, last errors. Exits 3 when no daemon is running.\n"
          "\n"
          "Options:\n"
          "  --key            print the device's public key file (minisign format, two\n"
          "                   lines), creating the device key when there is none yet\n"
          "  --format FORMAT  text (default) or json\n"
          "  --help           this help\n",
          stdout);
}

static int print_key(const struct fw_globals *g)
{
    char dir[4096], keys[4200];
    int x = fw_data_dir(g, NULL, dir, sizeof dir);
    if (x != LOA_EXIT_OK)
        return x;
    x = fw_data_dir_ensure(dir);
    if (x != LOA_EXIT_OK)
        return x;
    fw_keys_dir(dir, keys, sizeof keys);
    struct ledger_key *k = NULL;
    struct loa_diag d = {0};
    int e = ledger_key_load_or_create(keys, &k, NULL, &d);
    if (e < 0) {
        fw_print_diag(&d);
        return e == -EBADMSG ? LOA_EXIT_INPUT : LOA_EXIT_RUNTIME;
    }
    char text[256];
    fputs(ledger_key_public_file(k, text, sizeof text), stdout);
    ledger_key_free(k);
    return fflush(stdout) == 0 ? LOA_EXIT_OK : LOA_EXIT_RUNTIME;
}

int fw_cmd_status(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", no_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool key = false, json = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key = true;
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
                return fw_usage_error("status ", "unknown format '%s'", optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("status ", "bad option");
        }
    }
    if (optind < argc)
        return fw_usage_error("status ", "unexpected argument '%s'", argv[optind]);
    if (key)
        return print_key(g);

    char path[4200];
    int x = fw_control_client_path(g, path, sizeof path);
    if (x != LOA_EXIT_OK)
        return x;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        fw_error("control socket path too long: %s", path);
        return LOA_EXIT_RUNTIME;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (fd >= 0)
            close(fd);
        fw_error("no daemon running (nothing listens on %s)", path);
        return LOA_EXIT_RUNTIME;
    }
    close(fd);
    /* The daemon's protocol: firmware/daemon/fw_control.h. */
    return fw_control_run(g, json ? "status json" : "status", -1);
}
