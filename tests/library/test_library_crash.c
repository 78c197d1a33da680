/* SIGKILL at random points during `loa load` of a 30-file playlist, 100 times: after
 * each kill the library is exactly the old one or exactly the new one — never a mix —
 * and every file verifies against the hashes its index records. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "library.h"
#include "library_test_util.h"

#define N_FILES 30
#define N_KILLS 100

struct version {
    char *path;
    char *text_sha;
    char *media_sha[N_FILES];
};

static void make_version(const char *dir, int v, struct version *ret)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s,
                           "playlist = { id = \"big\"; title = \"Phiên bản %d\";\n"
                           "  from = \"2024-01-01\"; until = \"2024-12-31\"; };\n"
                           "announcements = (\n",
                           v);
    for (int i = 0; i < N_FILES; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "media/v%d/%02d.wav", v, i);
        char *p = g_build_filename(dir, rel, NULL);
        char *parent = g_path_get_dirname(p);
        g_mkdir_with_parents(parent, 0755);
        g_assert_true(lt_wav(p, LT_TONE, 0.5, 8000, 1, 0.3, 200 + 40 * i + 7 * v, 1));
        gchar *data = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(p, &data, &len, NULL));
        ret->media_sha[i] = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)data, len);
        g_free(data);
        g_free(parent);
        g_free(p);
        /* Twenty items in one session, ten in the other: everything fits. */
        g_string_append_printf(s,
                               "  { id = \"item-%02d\"; file = \"%s\"; title = \"Tin %d\"; "
                               "sessions = [ \"%s\" ]; }%s\n",
                               i, rel, i, i % 3 ? "sang" : "chieu", i + 1 < N_FILES ? "," : "");
    }
    g_string_append(s, ");\n");
    char name[32];
    snprintf(name, sizeof name, "big-v%d.cfg", v);
    ret->path = g_build_filename(dir, name, NULL);
    lt_write(ret->path, s->str);
    ret->text_sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, s->str, (gssize)s->len);
    g_string_free(s, TRUE);
}

/* Which version is installed (0 or 1); fails the test on anything else. */
static int installed_version(const char *data, const struct loa_config *cfg,
                             const struct version *v)
{
    struct loa_diag_list diags = {0};
    struct library *lib = NULL;
    int r = library_open(data, cfg, &lib, &diags);
    if (r == 0)
        r = library_verify(lib, &diags);
    if (r != 0) {
        char buf[2048];
        for (size_t i = 0; i < diags.n; i++)
            g_printerr("%s\n", loa_diag_format(&diags.items[i], buf, sizeof buf));
    }
    g_assert_cmpint(r, ==, 0);
    g_assert_cmpuint(lib->n_playlists, ==, 1);
    const struct library_playlist *lp = &lib->playlists[0];
    int which = strcmp(lp->text_sha256, v[0].text_sha) == 0   ? 0
                : strcmp(lp->text_sha256, v[1].text_sha) == 0 ? 1
                                                              : -1;
    g_assert_cmpint(which, >=, 0);
    /* Every item's media is that version's file: no mix of the two. */
    g_assert_cmpuint(lp->playlist->n_items, ==, N_FILES);
    g_assert_cmpuint(lib->n_media, ==, N_FILES);
    for (int i = 0; i < N_FILES; i++)
        g_assert_cmpstr(lp->item_media[i]->sha256, ==, v[which].media_sha[i]);
    library_close(lib);
    loa_diag_list_clear(&diags);
    return which;
}

static GPid spawn_load(const char *dir, const char *playlist)
{
    char *cfg = g_build_filename(dir, "loa.cfg", NULL);
    char *data = g_build_filename(dir, "data", NULL);
    char *argv[] = {(char *)lt_loa_bin(), "--config", cfg, "--data-dir", data, "load",
                    (char *)playlist,     NULL};
    GPid pid = 0;
    GError *err = NULL;
    if (!g_spawn_async(NULL, argv, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                           G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &pid, &err))
        g_error("spawn: %s", err->message);
    g_free(cfg);
    g_free(data);
    return pid;
}

static void test_sigkill(void)
{
    char *dir = lt_scratch();
    char *data = g_build_filename(dir, "data", NULL);
    struct version v[2];
    make_version(dir, 0, &v[0]);
    make_version(dir, 1, &v[1]);
    struct loa_config *cfg = NULL;
    struct loa_diag_list diags = {0};
    char *cfg_path = g_build_filename(dir, "loa.cfg", NULL);
    g_assert_cmpint(loa_config_load(cfg_path, &cfg, &diags), ==, 0);

    /* An uninterrupted load, timed: kills land anywhere in [0, its duration]. */
    int64_t t0 = g_get_monotonic_time();
    g_assert_cmpint(lt_loa(dir, NULL, NULL, "load", v[0].path, NULL), ==, 0);
    int64_t full = g_get_monotonic_time() - t0;
    g_assert_cmpint(installed_version(data, cfg, v), ==, 0);

    GRand *rnd = g_rand_new_with_seed(20201101);
    int current = 0, kept_old = 0, got_new = 0, completed = 0;
    for (int k = 0; k < N_KILLS; k++) {
        int target = 1 - current;
        GPid pid = spawn_load(dir, v[target].path);
        g_usleep((gulong)g_rand_int_range(rnd, 0, (gint32)(full * 11 / 10)));
        kill(pid, SIGKILL);
        int status = 0;
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_spawn_close_pid(pid);
        bool finished = WIFEXITED(status);
        if (finished) {
            g_assert_cmpint(WEXITSTATUS(status), ==, 0);
            completed++;
        }
        int now = installed_version(data, cfg, v);
        if (finished)
            g_assert_cmpint(now, ==, target);
        if (now == current)
            kept_old++;
        else
            got_new++;
        current = now;
    }
    g_test_message("full load %.0f ms; %d kills: %d kept the old library, %d had the new one "
                   "(%d loads finished first)",
                   full / 1000.0, N_KILLS, kept_old, got_new, completed);
    if (g_test_verbose())
        g_printerr("full load %.0f ms; old %d, new %d, finished %d\n", full / 1000.0, kept_old,
                   got_new, completed);
    g_assert_cmpint(kept_old, >, 0);

    /* A change after all that cleans up what the killed ones left. */
    g_assert_cmpint(lt_loa(dir, NULL, NULL, "load", v[1 - current].path, NULL), ==, 0);
    g_assert_cmpint(installed_version(data, cfg, v), ==, 1 - current);
    char *lib = g_build_filename(data, "library", NULL);
    GDir *d = g_dir_open(lib, 0, NULL);
    const char *name;
    int entries = 0;
    while ((name = g_dir_read_name(d)))
        if (strcmp(name, ".lock") != 0 && strcmp(name, "current") != 0)
            entries++;
    g_dir_close(d);
    g_assert_cmpint(entries, ==, 1); /* just the current generation */

    g_free(lib);
    g_rand_free(rnd);
    for (int i = 0; i < 2; i++) {
        g_free(v[i].path);
        g_free(v[i].text_sha);
        for (int j = 0; j < N_FILES; j++)
            g_free(v[i].media_sha[j]);
    }
    loa_config_free(cfg);
    loa_diag_list_clear(&diags);
    lt_rmrf(dir);
    g_free(cfg_path);
    g_free(data);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/library/crash/sigkill-during-load", test_sigkill);
    return g_test_run();
}
