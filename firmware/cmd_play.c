/* `loa play FILE... [--output OUT]`: air files now, to test the loudspeakers
 * (SPEC.md "Command line").
 *
 * The same player, gain and relay as the daemon: the amplifier relay switches on, waits its
 * warm-up, the files air one after the other, and the relay switches off at the end — and on
 * SIGINT/SIGTERM/SIGHUP (g_unix_signal_add: the handler runs on the main loop, where
 * stopping the pipeline and switching the relay are safe). A config that does not exist
 * is not an error here: defaults are used and a note says so, so a fresh board can test its
 * speakers before it is configured.
 */
#include <errno.h>
#include <getopt.h>
#include <glib-unix.h>
#include <glib.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "config.h"
#include "fw.h"
#include "fw_board.h"
#include "fw_data_dir.h"
#include "relay.h"

struct play {
    GMainLoop *loop;
    struct audio_player *player;
    struct relay *relay;
    char **files;
    int n_files;
    int next; /* index of the next file to air */
    uint64_t current; /* cookie (index + 1) of the airing in progress, 0 if none */
    double gain_db;
    int exit_code;
    bool stopping;
    int verbose;
};

static void print_help(void)
{
    fputs("Usage: loa play FILE... [--output OUT] [--gain DB] [--board DRIVER] "
          "[--warmup-ms MS]\n"
          "\n"
          "Air audio files now, one after the other, through the same player, gain and\n"
          "amplifier relay as the daemon: to test the loudspeakers. The relay switches on,\n"
          "waits its warm-up (board.amp_warmup_ms), the files play, and the relay switches\n"
          "off at the end, on Ctrl-C and on SIGTERM. Without a config file the defaults are\n"
          "used (output auto, volume 1.0, no relay) and a note says so.\n"
          "\n"
          "Options:\n"
          "  --output OUT     auto | alsa:DEVICE | null | file:PATH.wav (default: the\n"
          "                   config's audio.output); \"%n\" in PATH numbers the files\n"
          "  --gain DB        gain for these files in dB, -60..20 (default 0: loose files\n"
          "                   carry no library gain)\n"
          "  --board DRIVER   gpio | sim | none (default: the config's board.driver); sim\n"
          "                   records in DATA_DIR/board-sim.log\n"
          "  --warmup-ms MS   amplifier warm-up before the first file (default: the\n"
          "                   config's board.amp_warmup_ms, 0 without a config)\n"
          "  --help           this help\n"
          "\n"
          "Prints one line per file: its outcome, or the reason it failed. Exit 0 when\n"
          "every file completed, 1 when a file is missing or does not decode, 3 on a\n"
          "device failure or an interruption.\n",
          stdout);
}

static int exit_code_of(const struct audio_result *r)
{
    if (r->outcome == AUDIO_OUTCOME_COMPLETED)
        return LOA_EXIT_OK;
    switch (r->reason) {
    case AUDIO_REASON_MISSING_FILE:
    case AUDIO_REASON_HASH_MISMATCH:
    case AUDIO_REASON_UNDECODABLE:
        return LOA_EXIT_INPUT;
    default:
        return LOA_EXIT_RUNTIME;
    }
}

static void worsen(struct play *pl, int code)
{
    /* 3 (runtime) outranks 1 (input) outranks 0. */
    if (code == LOA_EXIT_RUNTIME || (code == LOA_EXIT_INPUT && pl->exit_code == LOA_EXIT_OK))
        pl->exit_code = code;
}

static void finish(struct play *pl)
{
    struct loa_diag d = {0};
    if (pl->relay && relay_set(pl->relay, false, &d) < 0) {
        fw_print_diag(&d);
        worsen(pl, LOA_EXIT_RUNTIME);
    }
    g_main_loop_quit(pl->loop);
}

static void air_next(struct play *pl)
{
    while (!pl->stopping && pl->next < pl->n_files) {
        int i = pl->next++;
        struct audio_item it = {
            .cookie = (uint64_t)i + 1,
            .kind = AUDIO_ITEM_FILE,
            .location = pl->files[i],
            .gain_db = pl->gain_db,
        };
        int r = audio_player_prepare(pl->player, &it);
        if (r == 0)
            r = audio_player_start_at(pl->player, it.cookie, g_get_real_time());
        if (r == 0) {
            pl->current = it.cookie;
            return;
        }
        fprintf(stderr, "%s: error: cannot air it: %s\n", pl->files[i], g_strerror(-r));
        worsen(pl, LOA_EXIT_INPUT);
    }
    finish(pl);
}

static void on_started(void *userdata, uint64_t cookie, int64_t start_usec)
{
    struct play *pl = userdata;
    if (pl->verbose) {
        GDateTime *t = g_date_time_new_from_unix_local(start_usec / G_USEC_PER_SEC);
        char *s = g_date_time_format(t, "%H:%M:%S");
        fprintf(stderr, "%s: started at %s.%06d\n", pl->files[cookie - 1], s,
                (int)(start_usec % G_USEC_PER_SEC));
        g_free(s);
        g_date_time_unref(t);
    }
}

static void on_finished(void *userdata, const struct audio_result *r)
{
    struct play *pl = userdata;
    const char *file = pl->files[r->cookie - 1];
    if (r->outcome == AUDIO_OUTCOME_COMPLETED)
        printf("%s: completed, %.3f s\n", file, (double)r->played_usec / 1e6);
    else
        printf("%s: %s (%s), %.3f s%s%s\n", file, audio_outcome_to_string(r->outcome),
               audio_reason_to_string(r->reason), (double)r->played_usec / 1e6,
               r->detail[0] && r->outcome == AUDIO_OUTCOME_FAILED ? ": " : "",
               r->outcome == AUDIO_OUTCOME_FAILED ? r->detail : "");
    fflush(stdout);
    worsen(pl, exit_code_of(r));
    if (r->cookie == pl->current)
        pl->current = 0;
    if (pl->stopping)
        finish(pl);
    else
        air_next(pl);
}

static gboolean on_warm(gpointer userdata)
{
    air_next(userdata);
    return G_SOURCE_REMOVE;
}

static gboolean on_signal(gpointer userdata)
{
    struct play *pl = userdata;
    if (pl->stopping) {
        finish(pl); /* a second signal: do not wait for the player */
        return G_SOURCE_CONTINUE;
    }
    pl->stopping = true;
    worsen(pl, LOA_EXIT_RUNTIME);
    if (pl->current && audio_player_stop(pl->player, pl->current, AUDIO_REASON_SHUTDOWN) == 0)
        return G_SOURCE_CONTINUE; /* finished() follows, then finish() */
    finish(pl);
    return G_SOURCE_CONTINUE;
}

/* The relay as configured (or --board), the sim one recording under the data dir. */
static int open_relay(const struct fw_globals *g, const struct loa_config *c, const char *board,
                      struct relay **ret)
{
    struct relay_config rc;
    fw_relay_config_from_loa(c, &rc);
    if (board && relay_driver_from_string(board, &rc.driver) < 0)
        return fw_usage_error("play", "--board must be gpio, sim or none, not '%s'", board);
    char sim[4200];
    int x = fw_relay_sim_prepare(g, c, &rc, sim, sizeof sim);
    if (x != LOA_EXIT_OK)
        return x;
    struct loa_diag d = {0};
    if (relay_new(&rc, ret, &d) < 0) {
        fw_print_diag(&d);
        return LOA_EXIT_RUNTIME;
    }
    return LOA_EXIT_OK;
}

int fw_cmd_play(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"gain", required_argument, NULL, 'g'},
        {"board", required_argument, NULL, 'b'},  {"warmup-ms", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *board = NULL;
    double gain_db = 0.0;
    long warmup_ms = -1;
    int c;
    /* 0, not 1: glibc then re-reads the ordering, so options may follow operands here
     * even though the global options were parsed in "+" (stop-at-operand) mode. */
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 'g':
            gain_db = strtod(optarg, &end);
            if (!*optarg || *end || !isfinite(gain_db) || gain_db < -60 || gain_db > 20)
                return fw_usage_error("play", "--gain wants dB between -60 and 20, not '%s'",
                                      optarg);
            break;
        case 'b':
            board = optarg;
            break;
        case 'w':
            errno = 0;
            warmup_ms = strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || warmup_ms < 0 || warmup_ms > 60000)
                return fw_usage_error("play", "--warmup-ms wants 0..60000, not '%s'", optarg);
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("play", "bad option");
        }
    }
    if (optind >= argc)
        return fw_usage_error("play", "no file to play");

    struct loa_config *config = NULL;
    if (g_file_test(g->config_path, G_FILE_TEST_EXISTS)) {
        int x = fw_config_load(g, &config);
        if (x != LOA_EXIT_OK)
            return x;
    } else {
        fprintf(stderr,
                "loa: note: no config at %s: using defaults (output auto, volume 1.0, "
                "no relay)\n",
                g->config_path);
    }

    struct play pl = {
        .files = argv + optind,
        .n_files = argc - optind,
        .gain_db = gain_db,
        .verbose = g->verbose,
    };
    struct audio_config ac = {
        .output = output   ? output
                  : config ? config->audio.output
                           : "auto",
        .volume = config ? config->audio.volume : 1.0,
    };
    struct audio_callbacks cb = {.started = on_started, .finished = on_finished, .userdata = &pl};
    struct loa_diag d = {0};
    int x;
    int r = audio_player_new(&ac, &cb, NULL, &pl.player, &d);
    if (r < 0) {
        fw_print_diag(&d);
        x = r == -EINVAL ? fw_usage_error("play", "see --output") : LOA_EXIT_RUNTIME;
        goto out;
    }
    if (audio_player_output_note(pl.player))
        fprintf(stderr, "loa: note: %s\n", audio_player_output_note(pl.player));
    x = open_relay(g, config, board, &pl.relay);
    if (x != LOA_EXIT_OK)
        goto out;
    if (g->verbose)
        fprintf(stderr, "loa: output %s, relay %s\n", audio_player_output(pl.player),
                relay_name(pl.relay));

    pl.loop = g_main_loop_new(NULL, FALSE);
    guint sigs[3] = {
        g_unix_signal_add(SIGINT, on_signal, &pl),
        g_unix_signal_add(SIGTERM, on_signal, &pl),
        g_unix_signal_add(SIGHUP, on_signal, &pl),
    };
    if (relay_set(pl.relay, true, &d) < 0) {
        fw_print_diag(&d);
        x = LOA_EXIT_RUNTIME;
    } else {
        int64_t warm = warmup_ms >= 0 ? warmup_ms
                       : config       ? config->board.amp_warmup_usec / 1000
                                      : 0;
        g_timeout_add((guint)warm, on_warm, &pl);
        g_main_loop_run(pl.loop);
        x = pl.exit_code;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
        g_source_remove(sigs[i]);
    g_main_loop_unref(pl.loop);
out:
    audio_player_free(pl.player);
    pl.relay = relay_free(pl.relay); /* off, whatever happened */
    loa_config_free(config);
    return x;
}
