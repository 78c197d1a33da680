/* The library through its API: load, reload (content-addressed: nothing re-copied),
 * replace, unload, readers holding a generation, refusals leaving every byte as it
 * was, damage detection, and what `loa plan` needs (library_load_playlists). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "library.h"
#include "library_test_util.h"
#include "playlist.h"
#include "text.h"

struct fixture {
    char *dir, *data;
    struct loa_config *cfg;
    struct loa_diag_list diags;
};

static void fx_setup(struct fixture *f, gconstpointer data)
{
    (void)data;
    memset(f, 0, sizeof *f);
    f->dir = lt_scratch();
    f->data = g_build_filename(f->dir, "data", NULL);
    char *cfg = g_build_filename(f->dir, "loa.cfg", NULL);
    g_assert_cmpint(loa_config_load(cfg, &f->cfg, &f->diags), ==, 0);
    g_free(cfg);
    /* media: two tones, a noise, a picture (any bytes: images are copied, not decoded) */
    const char *names[] = {"a.wav", "b.wav", "c.wav"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *p = g_build_filename(f->dir, "media", names[i], NULL);
        char *parent = g_path_get_dirname(p);
        g_mkdir_with_parents(parent, 0755);
        g_assert_true(lt_wav(p, i == 2 ? LT_NOISE : LT_TONE, 1.0 + (double)i, 16000, 1, 0.2,
                             300 + 100 * (double)i, (uint32_t)i));
        g_free(parent);
        g_free(p);
    }
    char *img = g_build_filename(f->dir, "img", "hotline.png", NULL);
    lt_write(img, "\x89PNG not really, but the library does not decode images\n");
    g_free(img);
}

static void fx_teardown(struct fixture *f, gconstpointer data)
{
    (void)data;
    loa_config_free(f->cfg);
    loa_diag_list_clear(&f->diags);
    lt_rmrf(f->dir);
    g_free(f->dir);
    g_free(f->data);
}

static void print_diags(const struct loa_diag_list *l)
{
    char buf[2048];
    for (size_t i = 0; i < l->n; i++)
        if (g_test_verbose() || l->items[i].severity == LOA_SEV_ERROR)
            g_printerr("%s\n", loa_diag_format(&l->items[i], buf, sizeof buf));
}

/* A playlist file in the scratch dir: items name media/<file>; "-" for a relay. */
static char *write_playlist(struct fixture *f, const char *name, const char *id,
                            const char *const *items, const char *const *files, size_t n,
                            bool notice_image)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(
        s,
        "# a test playlist\nplaylist = { id = \"%s\"; title = \"Chiến dịch %s\";\n"
        "  from = \"2024-01-01\"; until = \"2024-12-31\"; };\n"
        "announcements = (\n",
        id, id);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(files[i], "-") == 0)
            g_string_append_printf(s,
                                   "  { id = \"%s\"; relay = \"http://radio.example/x\"; "
                                   "title = \"Tiếp sóng\"; at = \"06:10\"; minutes = 5; "
                                   "sessions = [ \"sang\" ]; }",
                                   items[i]);
        else
            g_string_append_printf(
                s, "  { id = \"%s\"; file = \"media/%s\"; title = \"Bản tin %s\"; }", items[i],
                files[i], items[i]);
        g_string_append(s, i + 1 < n ? ",\n" : "\n");
    }
    g_string_append_printf(s,
                           ");\nnotices = (\n"
                           "  { id = \"%s-n1\"; title = \"Thông báo\"; text = \"Nội dung\"; %s },\n"
                           "  { id = \"%s-n2\"; title = \"Không ảnh\"; }\n);\n",
                           id, notice_image ? "image = \"img/hotline.png\";" : "", id);
    char *path = g_build_filename(f->dir, name, NULL);
    lt_write(path, s->str);
    g_string_free(s, TRUE);
    return path;
}

/* Load playlist files as one change; returns library_change()'s result. */
static int change(struct fixture *f, char *const *paths, size_t n, const char *const *remove,
                  size_t n_remove, struct library_change **ret)
{
    struct library_source *src = g_new0(struct library_source, n ? n : 1);
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        char *text = NULL;
        size_t len = 0;
        struct loa_diag d;
        g_assert_cmpint(loa_text_read_file(paths[i], LOA_LOADER_MAX_FILE_SIZE, &text, &len, &d), ==,
                        0);
        src[i].text = text;
        src[i].len = len;
        r = loa_playlist_parse(paths[i], text, len, f->cfg, 0, &src[i].playlist, &f->diags);
    }
    if (r == 0) {
        struct library_change_options o = {.now_usec = INT64_C(1700000000) * G_USEC_PER_SEC};
        r = library_change(f->data, f->cfg, src, n, remove, n_remove, &o, ret, &f->diags);
    }
    print_diags(&f->diags);
    for (size_t i = 0; i < n; i++) {
        g_free((char *)src[i].text);
        loa_playlist_free(src[i].playlist);
    }
    g_free(src);
    return r;
}

static size_t count_gens(struct fixture *f)
{
    char *lib = g_build_filename(f->data, "library", NULL);
    GDir *d = g_dir_open(lib, 0, NULL);
    size_t n = 0;
    const char *name;
    while (d && (name = g_dir_read_name(d)))
        n += g_str_has_prefix(name, "gen-") || g_str_has_prefix(name, ".staging") ||
             g_str_has_prefix(name, ".trash");
    if (d)
        g_dir_close(d);
    g_free(lib);
    return n;
}

static void test_empty(struct fixture *f, gconstpointer data)
{
    (void)data;
    struct library *lib = NULL;
    uint64_t gen = 99;
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    g_assert_cmpuint(lib->generation, ==, 0);
    g_assert_cmpuint(lib->n_playlists, ==, 0);
    g_assert_cmpint(library_verify(lib, &f->diags), ==, 0);
    library_close(lib);
    g_assert_cmpint(library_current_generation(f->data, &gen), ==, 0);
    g_assert_cmpuint(gen, ==, 0);
    /* Reading created nothing. */
    g_assert_false(g_file_test(f->data, G_FILE_TEST_EXISTS));
    struct loa_playlist **v = NULL;
    size_t n = 9;
    g_assert_cmpint(library_load_playlists(f->data, f->cfg, &v, &n, &f->diags), ==, 0);
    g_assert_cmpuint(n, ==, 0);
    g_free(v);
}

static void test_lifecycle(struct fixture *f, gconstpointer data)
{
    (void)data;
    const char *ia[] = {"a-1", "a-2", "a-relay"};
    const char *fa[] = {"a.wav", "b.wav", "-"};
    char *pa = write_playlist(f, "a.cfg", "camp-a", ia, fa, 3, true);
    struct library_change *ch = NULL;

    /* 1. First load: three media in (two audio, one image). */
    g_assert_cmpint(change(f, &pa, 1, NULL, 0, &ch), ==, 0);
    g_assert_cmpuint(ch->old_generation, ==, 0);
    g_assert_cmpuint(ch->new_generation, ==, 1);
    g_assert_cmpuint(ch->media_new, ==, 3);
    g_assert_cmpuint(ch->n_loaded, ==, 1);
    g_assert_cmpstr(ch->loaded[0], ==, "camp-a");
    g_assert_false(ch->replaced[0]);
    g_assert_nonnull(strstr(ch->detail, "\"id\":\"camp-a\""));
    g_assert_nonnull(strstr(ch->detail, "\"generation\":1"));
    ch = library_change_free(ch);

    struct library *lib = NULL;
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    g_assert_cmpuint(lib->generation, ==, 1);
    g_assert_cmpuint(lib->n_playlists, ==, 1);
    g_assert_cmpuint(lib->n_media, ==, 3);
    const struct library_playlist *lp = library_find_playlist(lib, "camp-a");
    g_assert_nonnull(lp);
    g_assert_cmpstr(lp->source, ==, pa);
    g_assert_cmpint(lp->installed_usec, ==, INT64_C(1700000000) * G_USEC_PER_SEC);
    const struct loa_playlist *p = lp->playlist;
    g_assert_cmpuint(p->n_items, ==, 3);
    g_assert_true(g_str_has_prefix(p->items[0].file, lib->dir));
    g_assert_cmpint(p->items[0].duration_usec, ==, 1000000);
    g_assert_cmpint(p->items[1].duration_usec, ==, 2000000);
    g_assert_cmpint(p->items[2].duration_usec, ==, 5 * 60 * G_USEC_PER_SEC);
    g_assert_null(lp->item_media[2]);
    g_assert_cmpuint(lp->item_media[0]->kind, ==, LIBRARY_MEDIA_AUDIO);
    g_assert_nonnull(lp->notice_media[0]);
    g_assert_cmpuint(lp->notice_media[0]->kind, ==, LIBRARY_MEDIA_IMAGE);
    g_assert_true(g_str_has_prefix(p->notices[0].image, lib->dir));
    g_assert_null(lp->notice_media[1]);
    g_assert_cmpstr(p->notices[1].image, ==, "");
    /* The gain follows the config: -16 LUFS target. */
    const struct library_media *ma = lp->item_media[0];
    g_assert_cmpfloat_with_epsilon(ma->loudness.integrated_lufs + ma->gain.gain_db, -16.0, 0.01);
    g_assert_true(library_find_media(lib, ma->sha256) == ma);
    /* The source text is stored as is. */
    char *stored = g_build_filename(lib->dir, "playlists", "camp-a.cfg", NULL);
    char *t1 = NULL, *t2 = NULL;
    g_assert_true(g_file_get_contents(stored, &t1, NULL, NULL));
    g_assert_true(g_file_get_contents(pa, &t2, NULL, NULL));
    g_assert_cmpstr(t1, ==, t2);
    g_free(t1);
    g_free(t2);
    g_free(stored);
    g_assert_cmpint(library_verify(lib, &f->diags), ==, 0);

    /* 2. Reload while a reader holds generation 1: nothing copied, gen 1 kept. */
    g_assert_cmpint(change(f, &pa, 1, NULL, 0, &ch), ==, 0);
    g_assert_cmpuint(ch->new_generation, ==, 2);
    g_assert_cmpuint(ch->media_new, ==, 0);
    g_assert_cmpuint(ch->media_reused, ==, 3);
    g_assert_true(ch->replaced[0]);
    ch = library_change_free(ch);
    g_assert_true(g_file_test(lib->dir, G_FILE_TEST_IS_DIR));
    g_assert_true(g_file_test(lp->item_media[0]->path, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpint(library_verify(lib, &f->diags), ==, 0);
    struct stat s1, s2;
    char *old_media = g_strdup(lp->item_media[0]->path);
    library_close(lib);

    /* 3. A second playlist sharing a file, with a new one. */
    const char *ib[] = {"b-1", "b-2"};
    const char *fb[] = {"b.wav", "c.wav"};
    char *pb = write_playlist(f, "b.cfg", "camp-b", ib, fb, 2, false);
    g_assert_cmpint(change(f, &pb, 1, NULL, 0, &ch), ==, 0);
    g_assert_cmpuint(ch->new_generation, ==, 3);
    g_assert_cmpuint(ch->media_new, ==, 1);
    ch = library_change_free(ch);
    /* gen 1 (no longer held) and gen 2 are gone: one generation on disk. */
    g_assert_cmpuint(count_gens(f), ==, 1);
    g_assert_false(g_file_test(old_media, G_FILE_TEST_EXISTS));
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    g_assert_cmpuint(lib->n_playlists, ==, 2);
    g_assert_cmpuint(lib->n_media, ==, 4);
    /* Unchanged media are the same inode (linked, never copied again). */
    const struct library_playlist *la = library_find_playlist(lib, "camp-a");
    const struct library_playlist *lb = library_find_playlist(lib, "camp-b");
    g_assert_true(la->item_media[1] == lb->item_media[0]);
    g_assert_cmpint(stat(la->item_media[1]->path, &s1), ==, 0);
    g_assert_cmpint(s1.st_nlink, ==, 1);
    library_close(lib);

    /* 4. What `loa plan` gets: independent playlists with durations. */
    struct loa_playlist **v = NULL;
    size_t n = 0;
    g_assert_cmpint(library_load_playlists(f->data, f->cfg, &v, &n, &f->diags), ==, 0);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpstr(v[0]->id, ==, "camp-a");
    g_assert_cmpint(v[1]->items[1].duration_usec, ==, 3000000);
    /* library_playlist_apply: a playlist loaded from the file gets the library's data. */
    struct loa_playlist *fresh = NULL;
    g_assert_cmpint(loa_playlist_load(pb, f->cfg, &fresh, &f->diags), ==, 0);
    g_assert_cmpint(fresh->items[0].duration_usec, ==, 0);
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    g_assert_cmpint(library_playlist_apply(lib, fresh), ==, 0);
    g_assert_cmpint(fresh->items[0].duration_usec, ==, 2000000);
    g_assert_true(g_str_has_prefix(fresh->items[0].file, lib->dir));
    library_close(lib);
    loa_playlist_free(fresh);
    for (size_t i = 0; i < n; i++)
        loa_playlist_free(v[i]);
    g_free(v);

    /* 5. Unload: camp-a's own media go, the shared one stays. */
    const char *rm[] = {"camp-a"};
    g_assert_cmpint(change(f, NULL, 0, rm, 1, &ch), ==, 0);
    g_assert_cmpuint(ch->n_removed, ==, 1);
    g_assert_nonnull(strstr(ch->detail, "\"removed\":[\"camp-a\"]"));
    ch = library_change_free(ch);
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    g_assert_cmpuint(lib->generation, ==, 4);
    g_assert_cmpuint(lib->n_playlists, ==, 1);
    g_assert_cmpuint(lib->n_media, ==, 2);
    g_assert_cmpint(library_verify(lib, &f->diags), ==, 0);
    g_assert_cmpint(stat(lib->playlists[0].item_media[0]->path, &s2), ==, 0);
    g_assert_true(s1.st_ino == s2.st_ino);
    library_close(lib);

    g_free(old_media);
    g_free(pa);
    g_free(pb);
}

/* Each refusal: -EINVAL, a message, and the data dir byte for byte as it was. */
static void test_refusals(struct fixture *f, gconstpointer data)
{
    (void)data;
    const char *ia[] = {"a-1", "a-2"};
    const char *fa[] = {"a.wav", "b.wav"};
    char *pa = write_playlist(f, "a.cfg", "camp-a", ia, fa, 2, true);
    g_assert_cmpint(change(f, &pa, 1, NULL, 0, NULL), ==, 0);
    char *before = lt_tree_hash(f->data);

    /* an item id already used by another installed playlist */
    const char *ic[] = {"a-1"};
    const char *fc[] = {"c.wav"};
    char *pc = write_playlist(f, "c.cfg", "camp-c", ic, fc, 1, false);
    loa_diag_list_clear(&f->diags);
    g_assert_cmpint(change(f, &pc, 1, NULL, 0, NULL), ==, -EINVAL);
    g_assert_cmpuint(f->diags.n_errors, >, 0);

    /* media that do not decode */
    char *junk = g_build_filename(f->dir, "media", "junk.mp3", NULL);
    lt_write(junk, "not audio, only words, nothing GStreamer can play\n");
    const char *id[] = {"d-1"};
    const char *fd[] = {"junk.mp3"};
    char *pd = write_playlist(f, "d.cfg", "camp-d", id, fd, 1, false);
    loa_diag_list_clear(&f->diags);
    g_assert_cmpint(change(f, &pd, 1, NULL, 0, NULL), ==, -EINVAL);
    gboolean named = FALSE;
    for (size_t i = 0; i < f->diags.n; i++)
        named |= strstr(f->diags.items[i].msg, "junk.mp3") != NULL &&
                 strcmp(f->diags.items[i].file, pd) == 0;
    g_assert_true(named);

    /* the same id twice in one change */
    char *pe = write_playlist(f, "e.cfg", "camp-e", (const char *[]){"e-1"},
                              (const char *[]){"c.wav"}, 1, false);
    char *pe2 = write_playlist(f, "e2.cfg", "camp-e", (const char *[]){"e-2"},
                               (const char *[]){"c.wav"}, 1, false);
    char *both[] = {pe, pe2};
    g_assert_cmpint(change(f, both, 2, NULL, 0, NULL), ==, -EINVAL);

    /* unloading what is not installed */
    const char *rm[] = {"nope"};
    g_assert_cmpint(change(f, NULL, 0, rm, 1, NULL), ==, -EINVAL);

    /* a media file that is a FIFO (never opened for reading by the loader's check) */
    char *fifo = g_build_filename(f->dir, "media", "fifo.wav", NULL);
    g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
    char *pf = write_playlist(f, "f.cfg", "camp-f", (const char *[]){"f-1"},
                              (const char *[]){"fifo.wav"}, 1, false);
    struct library_source src = {0};
    struct loa_diag d;
    g_assert_cmpint(
        loa_text_read_file(pf, LOA_LOADER_MAX_FILE_SIZE, (char **)&src.text, &src.len, &d), ==, 0);
    g_assert_cmpint(loa_playlist_parse(pf, src.text, src.len, f->cfg, LOA_PLAYLIST_NO_MEDIA_CHECK,
                                       &src.playlist, &f->diags),
                    ==, 0);
    g_assert_cmpint(library_change(f->data, f->cfg, &src, 1, NULL, 0, NULL, NULL, &f->diags), ==,
                    -EINVAL);
    g_free((char *)src.text);
    loa_playlist_free(src.playlist);

    char *after = lt_tree_hash(f->data);
    g_assert_cmpstr(before, ==, after);
    g_free(after);
    g_free(before);
    g_free(fifo);
    g_free(junk);
    g_free(pa);
    g_free(pc);
    g_free(pd);
    g_free(pe);
    g_free(pe2);
    g_free(pf);
}

static void flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    g_assert_cmpint(fd, >=, 0);
    unsigned char c;
    g_assert_cmpint(pread(fd, &c, 1, at), ==, 1);
    c ^= 0x20;
    g_assert_cmpint(pwrite(fd, &c, 1, at), ==, 1);
    close(fd);
}

static void test_damage(struct fixture *f, gconstpointer data)
{
    (void)data;
    const char *ia[] = {"a-1", "a-2"};
    const char *fa[] = {"a.wav", "b.wav"};
    char *pa = write_playlist(f, "a.cfg", "camp-a", ia, fa, 2, true);
    g_assert_cmpint(change(f, &pa, 1, NULL, 0, NULL), ==, 0);
    struct library *lib = NULL;
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    char *dir = g_strdup(lib->dir);
    char *media = g_strdup(lib->media[0].path);
    library_close(lib);

    /* A media file altered in place: verify names it. */
    flip_byte(media, 100);
    loa_diag_list_clear(&f->diags);
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    g_assert_cmpint(library_verify(lib, &f->diags), ==, -EBADMSG);
    g_assert_cmpstr(f->diags.items[0].file, ==, media);
    library_close(lib);
    flip_byte(media, 100);

    /* A stray file in the generation. */
    char *stray = g_build_filename(dir, "media", "stray.mp3", NULL);
    lt_write(stray, "x");
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    g_assert_cmpint(library_verify(lib, &f->diags), ==, -EBADMSG);
    library_close(lib);
    g_unlink(stray);

    /* The index altered: refused as a whole, and changes refuse to build on it. */
    char *index = g_build_filename(dir, "index", NULL);
    flip_byte(index, 30);
    loa_diag_list_clear(&f->diags);
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, -EBADMSG);
    g_assert_nonnull(strstr(f->diags.items[0].msg, "library index"));
    const char *rm[] = {"camp-a"};
    g_assert_cmpint(change(f, NULL, 0, rm, 1, NULL), ==, -EBADMSG);
    flip_byte(index, 30);
    /* A stored playlist altered. */
    char *stored = g_build_filename(dir, "playlists", "camp-a.cfg", NULL);
    flip_byte(stored, 5);
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, -EBADMSG);
    flip_byte(stored, 5);
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, 0);
    g_assert_cmpint(library_verify(lib, &f->diags), ==, 0);
    library_close(lib);
    /* `current` naming something else. */
    char *cur = g_build_filename(f->data, "library", "current", NULL);
    g_unlink(cur);
    g_assert_cmpint(symlink("../../etc", cur), ==, 0);
    g_assert_cmpint(library_open(f->data, f->cfg, &lib, &f->diags), ==, -EBADMSG);

    g_free(cur);
    g_free(stored);
    g_free(index);
    g_free(stray);
    g_free(media);
    g_free(dir);
    g_free(pa);
}

/* A change with more media references than the ledger's detail can list: summarised. */
static void test_big_detail(struct fixture *f, gconstpointer data)
{
    (void)data;
    enum { N_ITEMS = 1000 };
    GString *s = g_string_new("playlist = { id = \"many\"; title = \"Nhiều\";\n"
                              "  from = \"2024-01-01\"; until = \"2024-01-07\"; };\n"
                              "announcements = (\n");
    for (int i = 0; i < N_ITEMS; i++)
        g_string_append_printf(s,
                               "  { id = \"m-%04d\"; file = \"media/a.wav\"; title = \"T\"; }%s\n",
                               i, i + 1 < N_ITEMS ? "," : "");
    g_string_append(s, ");\n");
    char *path = g_build_filename(f->dir, "many.cfg", NULL);
    lt_write(path, s->str);
    g_string_free(s, TRUE);
    struct library_change *ch = NULL;
    g_assert_cmpint(change(f, &path, 1, NULL, 0, &ch), ==, 0);
    g_assert_cmpuint(strlen(ch->detail), <, 60000);
    g_assert_nonnull(strstr(ch->detail, "\"media_count\":1000,\"media_list_sha256\":\""));
    g_assert_nonnull(strstr(ch->detail, "\"index_sha256\":\""));
    library_change_free(ch);
    g_free(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, fx_setup, fn, fx_teardown)
    ADD("/library/store/empty", test_empty);
    ADD("/library/store/lifecycle", test_lifecycle);
    ADD("/library/store/refusals", test_refusals);
    ADD("/library/store/damage", test_damage);
    ADD("/library/store/big-detail", test_big_detail);
    return g_test_run();
}
