/* `loa load`, `loa list`, `loa unload` as an official uses them: output, exit codes,
 * and the ledger events each change leaves. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ledger.h"
#include "library_test_util.h"

static char *make_playlist(const char *dir, const char *name, const char *id, const char *media)
{
    char *text = g_strdup_printf(
        "playlist = { id = \"%s\"; title = \"Chiến dịch thử\"; reference = \"KH 03\";\n"
        "  from = \"2024-01-01\"; until = \"2024-12-31\"; };\n"
        "announcements = (\n"
        "  { id = \"%s-01\"; file = \"%s\"; title = \"Bản tin một\"; days = \"mon,wed\";\n"
        "    sessions = [ \"sang\" ]; plays_per_day = 1; },\n"
        "  { id = \"%s-02\"; file = \"%s\"; title = \"Bản tin hai\"; at = \"17:10\"; }\n"
        ");\n"
        "notices = ( { id = \"%s-n\"; title = \"Đường dây nóng\"; hours = \"05:30-22:00\"; } );\n",
        id, id, media, id, media, id);
    char *path = g_build_filename(dir, name, NULL);
    lt_write(path, text);
    g_free(text);
    return path;
}

struct events {
    GPtrArray *types, *details;
};

static int collect(const struct ledger_record *r, void *userdata)
{
    struct events *e = userdata;
    if (r->kind == LEDGER_EVENT) {
        g_ptr_array_add(e->types, g_strdup(r->event_type));
        g_ptr_array_add(e->details, g_strdup(r->event_detail));
    }
    return 0;
}

static void read_events(const char *data, struct events *ev)
{
    char *path = g_build_filename(data, "ledger.db", NULL);
    struct ledger_open_options o = {.flags = LEDGER_OPEN_READONLY};
    struct ledger *l = NULL;
    struct loa_diag d;
    g_assert_cmpint(ledger_open(path, &o, &l, NULL, &d), ==, 0);
    ev->types = g_ptr_array_new_with_free_func(g_free);
    ev->details = g_ptr_array_new_with_free_func(g_free);
    g_assert_cmpint(ledger_foreach(l, 1, 0, collect, ev), ==, 0);
    ledger_close(l);
    g_free(path);
}

static void test_cli(void)
{
    char *dir = lt_scratch();
    char *data = g_build_filename(dir, "data", NULL);
    char *wav = g_build_filename(dir, "media", "tone.wav", NULL);
    char *wav_dir = g_path_get_dirname(wav);
    g_mkdir_with_parents(wav_dir, 0755);
    g_free(wav_dir);
    g_assert_true(lt_wav(wav, LT_TONE, 2, 22050, 1, 0.3, 523, 1));
    char *pl = make_playlist(dir, "thu.cfg", "thu", "media/tone.wav");
    char *out = NULL, *err = NULL;

    /* --help and usage errors */
    g_assert_cmpint(lt_loa(dir, &out, NULL, "load", "--help", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "Usage: loa load"));
    g_free(out);
    g_assert_cmpint(lt_loa(dir, NULL, NULL, "load", NULL), ==, 2);
    g_assert_cmpint(lt_loa(dir, NULL, NULL, "list", "--format", "xml", NULL), ==, 2);
    g_assert_cmpint(lt_loa(dir, NULL, NULL, "unload", NULL), ==, 2);
    g_assert_cmpint(lt_loa(dir, NULL, NULL, "import", NULL), ==, 2);

    /* an empty library lists as empty */
    g_assert_cmpint(lt_loa(dir, &out, NULL, "list", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "empty"));
    g_free(out);

    /* load */
    g_assert_cmpint(lt_loa(dir, &out, &err, "load", pl, NULL), ==, 0);
    g_assert_nonnull(strstr(out, "loaded thu"));
    g_assert_nonnull(strstr(out, "generation 1"));
    g_assert_nonnull(strstr(err, "note: item 'thu-01': loudness"));
    g_assert_nonnull(strstr(err, "thu.cfg:4:")); /* the item's file line */
    g_free(out);
    g_free(err);

    /* list, text and json */
    g_assert_cmpint(lt_loa(dir, &out, NULL, "list", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "thu — Chiến dịch thử"));
    g_assert_nonnull(strstr(out, "campaign: 01/01/2024 – 31/12/2024"));
    g_assert_nonnull(strstr(out, "thu-01  Bản tin một"));
    g_assert_nonnull(strstr(out, "0:02,0, normal, loudness"));
    g_assert_nonnull(strstr(out, "days: mon,wed"));
    g_assert_nonnull(strstr(out, "at 17:10"));
    g_assert_nonnull(strstr(out, "hours 05:30-22:00"));
    g_free(out);
    g_assert_cmpint(lt_loa(dir, &out, NULL, "list", "--format", "json", NULL), ==, 0);
    g_assert_true(g_str_has_prefix(out, "{\"generation\":1,"));
    g_assert_nonnull(strstr(out, "\"id\":\"thu-01\",\"kind\":\"announcement\""));
    g_assert_nonnull(strstr(out, "\"duration_ms\":2000,\"loudness_lufs\":"));
    g_assert_nonnull(strstr(out, "\"at\":[\"17:10:00\"]"));
    g_assert_nonnull(strstr(out, "\"hours\":\"05:30-22:00\""));
    g_free(out);
    g_assert_cmpint(lt_loa(dir, &out, NULL, "list", "--verify", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "verified"));
    g_free(out);

    /* refused: a broken playlist, missing media (exit 1, nothing changes) */
    char *before = lt_tree_hash(data);
    char *bad = g_build_filename(dir, "bad.cfg", NULL);
    lt_write(bad, "playlist = { id = \"bad\"; title = \"x\"; from = \"2024-01-01\"; until = ;\n");
    g_assert_cmpint(lt_loa(dir, NULL, &err, "load", bad, NULL), ==, 1);
    g_assert_nonnull(strstr(err, "bad.cfg:1: error:"));
    g_free(err);
    char *missing = make_playlist(dir, "missing.cfg", "missing", "media/nothing.wav");
    g_assert_cmpint(lt_loa(dir, NULL, &err, "load", missing, NULL), ==, 1);
    g_assert_nonnull(strstr(err, "missing.cfg:4: error:"));
    g_free(err);
    g_assert_cmpint(lt_loa(dir, NULL, &err, "unload", "nope", NULL), ==, 1);
    g_assert_nonnull(strstr(err, "no installed playlist 'nope'"));
    g_free(err);
    char *after = lt_tree_hash(data);
    g_assert_cmpstr(before, ==, after);
    g_free(before);
    g_free(after);

    /* reload, then unload */
    g_assert_cmpint(lt_loa(dir, &out, NULL, "load", pl, NULL), ==, 0);
    g_assert_nonnull(strstr(out, "replacing"));
    g_assert_nonnull(strstr(out, "0 new media files, 1 unchanged"));
    g_free(out);
    g_assert_cmpint(lt_loa(dir, &out, NULL, "unload", "thu", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "unloaded thu"));
    g_free(out);
    g_assert_cmpint(lt_loa(dir, &out, NULL, "list", "--format", "json", NULL), ==, 0);
    g_assert_nonnull(strstr(out, "\"playlists\":[]"));
    g_free(out);

    /* Every change is in the ledger, with its ids and hashes. */
    struct events ev;
    read_events(data, &ev);
    g_assert_cmpuint(ev.types->len, ==, 3);
    g_assert_cmpstr(ev.types->pdata[0], ==, "library-load");
    g_assert_cmpstr(ev.types->pdata[1], ==, "library-load");
    g_assert_cmpstr(ev.types->pdata[2], ==, "library-unload");
    g_assert_nonnull(strstr(ev.details->pdata[0], "\"id\":\"thu\""));
    g_assert_nonnull(strstr(ev.details->pdata[0], "\"media\":[\""));
    g_assert_nonnull(strstr(ev.details->pdata[2], "\"removed\":[\"thu\"]"));
    g_ptr_array_unref(ev.types);
    g_ptr_array_unref(ev.details);

    /* The device failing (a data dir that is a file) is exit 3. */
    char *cfg = g_build_filename(dir, "loa.cfg", NULL);
    char *argv[] = {(char *)lt_loa_bin(), "--config", cfg, "--data-dir", wav, "load", pl, NULL};
    int status = -1;
    g_assert_true(g_spawn_sync(NULL, argv, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 3);

    lt_rmrf(dir);
    g_free(cfg);
    g_free(bad);
    g_free(missing);
    g_free(pl);
    g_free(wav);
    g_free(data);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/library/cli/load-list-unload", test_cli);
    return g_test_run();
}
