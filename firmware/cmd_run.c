/* `loa run [--clock real|virtual] [--from T --until T] [--events FILE]` (SPEC.md "The
 * device daemon", "Virtual clock"). The daemon itself lives in firmware/daemon/.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon/fw_daemon.h"
#include "fw.h"

static void print_help(void)
{
    fputs("Usage: loa run [--no-kiosk] [--output OUT] [--until T]\n"
          "       loa run --clock virtual --from T --until T [--events FILE]\n"
          "\n"
          "The device daemon: airs the installed playlists on schedule through the player\n"
          "and the amplifier relay, keeps the airtime ledger, feeds the kiosk and answers\n"
          "the control socket (loa status, play-now, pause, resume, clock confirm).\n"
          "SIGHUP reloads (at the next session start); SIGTERM stops cleanly.\n"
          "\n"
          "Options:\n"
          "  --clock virtual  run over a simulated period as fast as possible: null audio,\n"
          "                   sim board, trust 'virtual'; needs --data-dir, refuses a ledger\n"
          "                   with real records, resumes at the last record's time\n"
          "  --from T         start of the simulated period (\"YYYY-MM-DD HH:MM[:SS]\", local)\n"
          "  --until T        end of the simulated period; with the real clock: stop then\n"
          "  --events FILE    script the simulated world, one line each:\n"
          "                   \"YYYY-MM-DD HH:MM:SS step ±DURATION | unsync | sync |\n"
          "                   down UNTIL | play-now ITEM CLASS | kill | pause UNTIL [SESSION]\n"
          "                   | resume | reload\"\n"
          "  --output OUT     audio output instead of audio.output (auto, alsa:DEV, null,\n"
          "                   file:PATH.wav, fakesink)\n"
          "  --no-kiosk       do not start the kiosk process\n"
          "  --kiosk-display D  auto (default), sdl or null for the kiosk process\n"
          "  --quiet          fewer progress lines\n"
          "  --help           this help\n",
          stdout);
}

int fw_cmd_run(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"clock", required_argument, NULL, 'c'},
        {"from", required_argument, NULL, 'f'},
        {"until", required_argument, NULL, 'u'},
        {"events", required_argument, NULL, 'e'},
        {"output", required_argument, NULL, 'o'},
        {"no-kiosk", no_argument, NULL, 'K'},
        {"kiosk-display", required_argument, NULL, 'D'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct fw_run_options o = {.until_utc_usec = INT64_MAX, .kiosk = true, .kiosk_display = "auto"};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (strcmp(optarg, "virtual") == 0)
                o.virtual_clock = true;
            else if (strcmp(optarg, "real") != 0)
                return fw_usage_error("run ", "--clock must be real or virtual");
            break;
        case 'f':
            o.from_text = optarg;
            break;
        case 'u':
            o.until_text = optarg;
            break;
        case 'e':
            o.events_path = optarg;
            break;
        case 'o':
            o.output = optarg;
            break;
        case 'K':
            o.kiosk = false;
            break;
        case 'D':
            o.kiosk_display = optarg;
            break;
        case 'q':
            o.quiet = true;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("run ", "bad option");
        }
    }
    if (optind < argc)
        return fw_usage_error("run ", "unexpected argument '%s'", argv[optind]);
    if (o.virtual_clock) {
        if (!o.from_text || !o.until_text)
            return fw_usage_error("run ", "--clock virtual needs --from and --until");
        if (!g->data_dir)
            return fw_usage_error("run ", "--clock virtual writes only under --data-dir: give "
                                          "one");
        o.kiosk = false;
        o.no_control = true;
        /* The proof of display needs the kiosk's page counts: the renderer, which only
         * the kiosk helper links (fw.h FW_HELPER_KIOSK). */
        if (!g->kiosk_layout)
            return fw_exec_helper(g, FW_HELPER_KIOSK);
    } else if (o.from_text || o.events_path) {
        return fw_usage_error("run ", "--from and --events need --clock virtual");
    }
    return fw_daemon_run(g, &o);
}
