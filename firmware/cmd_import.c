/* `loa import DIR`: every playlist of a USB folder into the library, all or nothing,
 * reading the folder as hostile input (media/usb_import.h; docs/library.md). */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdio.h>

#include "fw.h"
#include "fw_library.h"
#include "fw_util.h"
#include "library.h"
#include "usb_import.h"

static void print_help(void)
{
    fputs("Usage: loa import DIR\n"
          "\n"
          "Load every playlist (*.cfg at the top of DIR) of a USB folder into the media\n"
          "library as one change, all or nothing. Media paths in the playlists are relative\n"
          "to DIR and must stay beneath it. Refused, with a message naming the entry:\n"
          "absolute paths, '..', symbolic links, devices, FIFOs, oversize or sparse files,\n"
          "more than 10000 entries, file names that are not valid UTF-8 or not composed\n"
          "(NFC), '@include'. Hidden entries (.name) are ignored. Installed playlists that\n"
          "are not in the folder stay installed. A running daemon is told: the result\n"
          "shows in the kiosks' footer for a minute, and it reloads at the next session.\n"
          "\n"
          "Options:\n"
          "  --help   this help\n",
          stdout);
}

int fw_cmd_import(const struct fw_globals *g, int argc, char **argv)
{
    int x;
    if (fw_options_help_only(argc, argv, "import ", print_help, &x))
        return x;
    if (optind + 1 != argc)
        return fw_usage_error("import ", "give exactly one folder to import");

    struct fw_library_ctx ctx;
    x = fw_library_begin(g, &ctx);
    if (x != LOA_EXIT_OK)
        return x;
    struct loa_diag_list diags = {0};
    struct library_change *change = NULL;
    int r = usb_import(argv[optind], ctx.data_dir, ctx.config, NULL, fw_library_now_usec(), &change,
                       &diags);
    /* Before conclude prints and clears diags: a refusal's banner names its first error. */
    char *banner = fw_library_import_banner(r, change, &diags);
    x = fw_library_conclude(&ctx, r, change, &diags, "library-import");
    if (r < 0)
        fprintf(stderr, "%s: import %s; the library is unchanged\n", argv[optind],
                r == -EINVAL ? "refused" : "failed");
    /* The result on the kiosks' footer, and the new library from the next session. */
    fw_library_notify_daemon(g, banner, r >= 0);
    g_free(banner);
    library_change_free(change);
    fw_library_end(&ctx);
    return x;
}
