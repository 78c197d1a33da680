/* `loa load PLAYLIST...`: check, then install atomically into the media library
 * (SPEC.md "Media library and USB import"; docs/library.md).
 *
 * Several playlists on one command line are installed as one change. Errors exit 1
 * (the playlist or its media are refused) or 3 (the device failed); nothing changes on
 * any error. Each item's loudness, true peak and gain are printed as notes, and a
 * warning gives the shortfall where the true-peak limit keeps an item below the target.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "fw_library.h"
#include "fw_util.h"
#include "library.h"
#include "playlist.h"
#include "text.h"

static void print_help(void)
{
    fputs("Usage: loa load PLAYLIST...\n"
          "\n"
          "Check the playlist(s) and install them into the media library: media are copied\n"
          "in, hashed (SHA-256), measured (duration, EBU R128 loudness and true peak) and\n"
          "given a gain towards audio.loudness_target, limited by audio.true_peak_max.\n"
          "A playlist with the id of an installed one replaces it. The change is atomic:\n"
          "the previous library stays in use until the new one is complete, and a running\n"
          "daemon takes the new one at the next session start. Nothing changes on error.\n"
          "\n"
          "Options:\n"
          "  --help   this help\n",
          stdout);
}

int fw_cmd_load(const struct fw_globals *g, int argc, char **argv)
{
    int x;
    if (fw_options_help_only(argc, argv, "load ", print_help, &x))
        return x;
    if (optind >= argc)
        return fw_usage_error("load ", "give the playlist file(s) to load");

    struct fw_library_ctx ctx;
    x = fw_library_begin(g, &ctx);
    if (x != LOA_EXIT_OK)
        return x;
    size_t n = (size_t)(argc - optind);
    struct library_source *src = calloc(n, sizeof *src);
    struct loa_diag_list diags = {0};
    struct library_change *change = NULL;
    bool bad = false;
    if (!src) {
        x = LOA_EXIT_RUNTIME;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *path = argv[optind + (int)i];
        struct loa_diag d;
        char *text = NULL;
        size_t len = 0;
        /* Parse exactly the bytes that will be stored. */
        if (loa_text_read_file(path, LOA_LOADER_MAX_FILE_SIZE, &text, &len, &d) < 0) {
            loa_diag_list_push(&diags, &d);
            bad = true;
            continue;
        }
        src[i].source = NULL; /* the playlist's absolute path */
        src[i].text = text;
        src[i].len = len;
        if (loa_playlist_parse(path, text, len, ctx.config, 0, &src[i].playlist, &diags) < 0)
            bad = true;
    }
    if (bad) {
        x = LOA_EXIT_INPUT;
        goto out;
    }
    struct library_change_options o = {.now_usec = fw_library_now_usec()};
    int r = library_change(ctx.data_dir, ctx.config, src, n, NULL, 0, &o, &change, &diags);
    x = fw_library_conclude(&ctx, r, change, &diags, "library-load");
    if (r >= 0)
        fw_library_notify_daemon(g, NULL, true); /* airs from the next session start */
out:
    fw_print_diags(&diags);
    loa_diag_list_clear(&diags);
    if (src)
        for (size_t i = 0; i < n; i++) {
            free((char *)src[i].text);
            loa_playlist_free(src[i].playlist);
        }
    free(src);
    library_change_free(change);
    fw_library_end(&ctx);
    return x;
}
