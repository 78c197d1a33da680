/* `loa unload PLAYLIST-ID...`: remove installed playlists, atomically (a new generation
 * of the library without them), recorded in the ledger. */
#include <getopt.h>
#include <stdio.h>

#include "fw.h"
#include "fw_library.h"
#include "fw_util.h"
#include "library.h"

static void print_help(void)
{
    fputs("Usage: loa unload PLAYLIST-ID...\n"
          "\n"
          "Remove installed playlists from the media library (see 'loa list' for the ids).\n"
          "The change is atomic and recorded in the ledger; a running daemon takes it at\n"
          "the next session start.\n"
          "\n"
          "Options:\n"
          "  --help   this help\n",
          stdout);
}

int fw_cmd_unload(const struct fw_globals *g, int argc, char **argv)
{
    int x;
    if (fw_options_help_only(argc, argv, "unload ", print_help, &x))
        return x;
    if (optind >= argc)
        return fw_usage_error("unload ", "give the id(s) of the playlist(s) to unload");

    struct fw_library_ctx ctx;
    x = fw_library_begin(g, &ctx);
    if (x != LOA_EXIT_OK)
        return x;
    struct loa_diag_list diags = {0};
    struct library_change *change = NULL;
    struct library_change_options o = {.now_usec = fw_library_now_usec()};
    int r = library_change(ctx.data_dir, ctx.config, NULL, 0, (const char *const *)argv + optind,
                           (size_t)(argc - optind), &o, &change, &diags);
    x = fw_library_conclude(&ctx, r, change, &diags, "library-unload");
    if (r >= 0)
        fw_library_notify_daemon(g, NULL, true); /* takes effect at the next session start */
    library_change_free(change);
    fw_library_end(&ctx);
    return x;
}
