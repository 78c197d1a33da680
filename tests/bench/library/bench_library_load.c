/* Benchmark: `loa load` of a playlist of 200 media files (10 s mono 22.05 kHz WAV each,
 * 2000 s of audio): the first load (copy, SHA-256, GstDiscoverer, EBU R128, install),
 * a reload of the same playlist (content-addressed: nothing copied or analysed again),
 * and the first load with one analysis thread, through library_change(); then the
 * first load through the `loa` binary. Not pass/fail. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "library.h"
#include "library_test_util.h"
#include "text.h"

#define N 200

static double load_api(const char *data, struct loa_config *cfg, const char *pl, unsigned threads,
                       struct library_change **ret)
{
    struct loa_diag_list diags = {0};
    struct library_source src = {0};
    struct loa_diag d;
    char *text = NULL;
    if (loa_text_read_file(pl, LOA_LOADER_MAX_FILE_SIZE, &text, &src.len, &d) < 0)
        return -1;
    src.text = text;
    int64_t t0 = g_get_monotonic_time();
    if (loa_playlist_parse(pl, src.text, src.len, cfg, 0, &src.playlist, &diags) < 0)
        return -1;
    struct library_change_options o = {.threads = threads};
    int r = library_change(data, cfg, &src, 1, NULL, 0, &o, ret, &diags);
    double s = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (r < 0) {
        char buf[2048];
        for (size_t i = 0; i < diags.n; i++)
            if (diags.items[i].severity == LOA_SEV_ERROR)
                fprintf(stderr, "%s\n", loa_diag_format(&diags.items[i], buf, sizeof buf));
        s = -1;
    }
    loa_playlist_free(src.playlist);
    free(text);
    loa_diag_list_clear(&diags);
    return s;
}

int main(void)
{
    char *dir = lt_scratch();
    char *data = g_build_filename(dir, "data", NULL);
    GString *s = g_string_new("playlist = { id = \"bench\"; title = \"Hai trăm bản tin\";\n"
                              "  from = \"2024-01-01\"; until = \"2024-12-31\"; };\n"
                              "announcements = (\n");
    for (int i = 0; i < N; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "media/%03d.wav", i);
        char *p = g_build_filename(dir, rel, NULL);
        char *parent = g_path_get_dirname(p);
        g_mkdir_with_parents(parent, 0755);
        if (!lt_wav(p, LT_NOISE, 10, 22050, 1, 0.1 + 0.004 * i, 0, (uint32_t)i))
            return 1;
        g_free(parent);
        g_free(p);
        g_string_append_printf(s,
                               "  { id = \"tin-%03d\"; file = \"%s\"; title = \"Tin %d\"; "
                               "from = \"2024-01-01\"; until = \"2024-01-01\"; }%s\n",
                               i, rel, i, i + 1 < N ? "," : "");
    }
    g_string_append(s, ");\n");
    char *pl = g_build_filename(dir, "bench.cfg", NULL);
    lt_write(pl, s->str);
    g_string_free(s, TRUE);
    char *cfg_path = g_build_filename(dir, "loa.cfg", NULL);
    struct loa_diag_list diags = {0};
    struct loa_config *cfg = NULL;
    if (loa_config_load(cfg_path, &cfg, &diags) < 0)
        return 1;

    printf("loa load of %d files (10 s mono 22.05 kHz WAV each, %d s of audio, %.0f MB), "
           "%u processors:\n",
           N, 10 * N, N * 10 * 22050 * 2 / 1e6, g_get_num_processors());
    struct library_change *ch = NULL;
    double first = load_api(data, cfg, pl, 0, &ch);
    printf("  first load (copy, hash, probe, loudness; default threads): %6.2f s, %5.1f ms/file, "
           "%zu new\n",
           first, first * 1000 / N, ch ? ch->media_new : 0);
    ch = library_change_free(ch);
    double again = load_api(data, cfg, pl, 0, &ch);
    printf("  reload, unchanged (hash, link):                             %6.2f s, %5.1f ms/file, "
           "%zu reused\n",
           again, again * 1000 / N, ch ? ch->media_reused : 0);
    ch = library_change_free(ch);
    lt_rmrf(data);
    double one = load_api(data, cfg, pl, 1, &ch);
    printf("  first load, one analysis thread:                            %6.2f s, %5.1f ms/file\n",
           one, one * 1000 / N);
    ch = library_change_free(ch);
    lt_rmrf(data);
    int64_t t0 = g_get_monotonic_time();
    int x = lt_loa(dir, NULL, NULL, "load", pl, NULL);
    double cli = (double)(g_get_monotonic_time() - t0) / 1e6;
    printf("  `loa load` (the binary, ledger event included):             %6.2f s (exit %d)\n", cli,
           x);
    loa_config_free(cfg);
    loa_diag_list_clear(&diags);
    lt_rmrf(dir);
    g_free(cfg_path);
    g_free(pl);
    g_free(data);
    g_free(dir);
    return 0;
}
