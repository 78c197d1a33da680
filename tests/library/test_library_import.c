/* `loa import DIR` against hostile USB folders: each is refused with a message naming
 * the entry, and the data directory (library, ledger, keys) is byte for byte what it
 * was. Then a good folder, all or nothing, and a kernel without openat2 (seccomp). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "library.h"
#include "library_test_util.h"
#include "usb_import.h"

/* NFD of "tiếng" (e + circumflex + acute as combining marks). */
#define NFD_NAME "tie\xcc\x82\xcc\x81ng.wav"

struct ctx {
    char *dir, *data, *usb;
    char *baseline_hash;
};

static void add_wav(const char *usb, const char *rel)
{
    char *p = g_build_filename(usb, rel, NULL);
    char *parent = g_path_get_dirname(p);
    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_assert_true(lt_wav(p, LT_TONE, 1, 16000, 1, 0.2, 440, 3));
    g_free(parent);
    g_free(p);
}

/* A valid playlist at usb/name naming `file` (as written). */
static void add_playlist(const char *usb, const char *name, const char *id, const char *file)
{
    char *text = g_strdup_printf("playlist = { id = \"%s\"; title = \"Từ USB\";\n"
                                 "  from = \"2024-01-01\"; until = \"2024-12-31\"; };\n"
                                 "announcements = (\n"
                                 "  { id = \"%s-1\"; file = \"%s\"; title = \"Bản tin\"; }\n);\n",
                                 id, id, file);
    char *p = g_build_filename(usb, name, NULL);
    lt_write(p, text);
    g_free(p);
    g_free(text);
}

/* A fresh USB folder with one good playlist and its media. */
static char *fresh_usb(struct ctx *c, const char *name)
{
    char *usb = g_build_filename(c->dir, name, NULL);
    g_assert_cmpint(g_mkdir_with_parents(usb, 0755), ==, 0);
    add_wav(usb, "media/ok.wav");
    add_playlist(usb, "good.cfg", "usb-good", "media/ok.wav");
    return usb;
}

/* Import usb: expect exit code `code`, `expect` in stderr, and no change at all. */
static void expect_refused(struct ctx *c, const char *usb, int code, const char *expect)
{
    char *err = NULL;
    int x = lt_loa(c->dir, NULL, &err, "import", usb, NULL);
    if (x != code || !strstr(err, expect))
        g_printerr("import %s: exit %d, stderr:\n%s(expected '%s')\n", usb, x, err, expect);
    g_assert_cmpint(x, ==, code);
    g_assert_nonnull(strstr(err, expect));
    g_assert_nonnull(strstr(err, "the library is unchanged"));
    g_assert_null(strstr(err, ".staging-")); /* messages name the stick, not our copies */
    char *now = lt_tree_hash(c->data);
    g_assert_cmpstr(now, ==, c->baseline_hash);
    g_free(now);
    g_free(err);
}

static void setup(struct ctx *c)
{
    memset(c, 0, sizeof *c);
    c->dir = lt_scratch();
    c->data = g_build_filename(c->dir, "data", NULL);
    /* An installed library to keep intact. */
    char *base = fresh_usb(c, "base");
    add_playlist(base, "good.cfg", "installed", "media/ok.wav");
    char *pl = g_build_filename(base, "good.cfg", NULL);
    g_assert_cmpint(lt_loa(c->dir, NULL, NULL, "load", pl, NULL), ==, 0);
    c->baseline_hash = lt_tree_hash(c->data);
    g_free(pl);
    g_free(base);
}

static void teardown(struct ctx *c)
{
    lt_rmrf(c->dir);
    g_free(c->dir);
    g_free(c->data);
    g_free(c->baseline_hash);
}

static void test_hostile(void)
{
    struct ctx c;
    setup(&c);
    char *usb, *p;

    /* absolute paths and `..` */
    usb = fresh_usb(&c, "abs");
    add_playlist(usb, "evil.cfg", "evil", "/etc/hostname");
    expect_refused(&c, usb, 1, "is an absolute path");
    g_free(usb);
    usb = fresh_usb(&c, "dotdot");
    add_wav(c.dir, "outside.wav");
    add_playlist(usb, "evil.cfg", "evil", "../outside.wav");
    expect_refused(&c, usb, 1, "goes up with '..'");
    g_free(usb);
    usb = fresh_usb(&c, "dotdot-inner");
    add_playlist(usb, "evil.cfg", "evil", "media/../media/ok.wav");
    expect_refused(&c, usb, 1, "goes up with '..'");
    g_free(usb);
    usb = fresh_usb(&c, "backslash");
    add_playlist(usb, "evil.cfg", "evil", "media\\\\ok.wav");
    expect_refused(&c, usb, 1, "backslash");
    g_free(usb);

    /* symlinks: out, in, a loop, a linked folder, a linked playlist */
    usb = fresh_usb(&c, "link-out");
    p = g_build_filename(usb, "media", "out.wav", NULL);
    g_assert_cmpint(symlink("/etc/hostname", p), ==, 0);
    g_free(p);
    add_playlist(usb, "evil.cfg", "evil", "media/out.wav");
    expect_refused(&c, usb, 1, "symbolic link");
    g_free(usb);
    usb = fresh_usb(&c, "link-in");
    p = g_build_filename(usb, "media", "alias.wav", NULL);
    g_assert_cmpint(symlink("ok.wav", p), ==, 0);
    g_free(p);
    add_playlist(usb, "evil.cfg", "evil", "media/alias.wav");
    expect_refused(&c, usb, 1, "symbolic link");
    g_free(usb);
    usb = fresh_usb(&c, "link-loop");
    p = g_build_filename(usb, "media", "loop.wav", NULL);
    g_assert_cmpint(symlink("loop.wav", p), ==, 0);
    g_free(p);
    add_playlist(usb, "evil.cfg", "evil", "media/loop.wav");
    expect_refused(&c, usb, 1, "symbolic link");
    g_free(usb);
    usb = fresh_usb(&c, "link-dir");
    p = g_build_filename(usb, "sounds", NULL);
    g_assert_cmpint(symlink("/usr/share", p), ==, 0);
    g_free(p);
    add_playlist(usb, "evil.cfg", "evil", "sounds/x.wav");
    expect_refused(&c, usb, 1, "symbolic link");
    g_free(usb);
    usb = fresh_usb(&c, "link-cfg");
    p = g_build_filename(usb, "again.cfg", NULL);
    g_assert_cmpint(symlink("good.cfg", p), ==, 0);
    g_free(p);
    expect_refused(&c, usb, 1, "again.cfg: error: refused: a symbolic link");
    g_free(usb);

    /* a FIFO (never blocks), a device node where we may make one, a socket-less dir */
    usb = fresh_usb(&c, "fifo");
    p = g_build_filename(usb, "media", "pipe.wav", NULL);
    g_assert_cmpint(mkfifo(p, 0644), ==, 0);
    g_free(p);
    add_playlist(usb, "evil.cfg", "evil", "media/pipe.wav");
    expect_refused(&c, usb, 1, "a FIFO");
    g_free(usb);
    usb = fresh_usb(&c, "fifo-cfg");
    p = g_build_filename(usb, "pipe.cfg", NULL);
    g_assert_cmpint(mkfifo(p, 0644), ==, 0);
    g_free(p);
    expect_refused(&c, usb, 1, "pipe.cfg: error: refused: a FIFO");
    g_free(usb);
    usb = fresh_usb(&c, "device");
    p = g_build_filename(usb, "media", "zero.wav", NULL);
    if (mknod(p, S_IFCHR | 0644, makedev(1, 5)) == 0) {
        add_playlist(usb, "evil.cfg", "evil", "media/zero.wav");
        expect_refused(&c, usb, 1, "a device node");
    } else {
        g_test_message("mknod not permitted (%s): device node case skipped", g_strerror(errno));
    }
    g_free(p);
    g_free(usb);
    usb = fresh_usb(&c, "dir-cfg");
    p = g_build_filename(usb, "folder.cfg", NULL);
    g_assert_cmpint(g_mkdir(p, 0755), ==, 0);
    g_free(p);
    expect_refused(&c, usb, 1, "a directory");
    g_free(usb);

    /* oversize playlist, oversize (allocated) media, sparse media */
    usb = fresh_usb(&c, "big-cfg");
    p = g_build_filename(usb, "big.cfg", NULL);
    GString *big = g_string_new("playlist = { id = \"big\"; title = \"x\"; from = \"2024-01-01\"; "
                                "until = \"2024-12-31\"; };\n");
    while (big->len <= 1024 * 1024)
        g_string_append(big, "# padding padding padding padding padding padding padding\n");
    lt_write(p, big->str);
    g_string_free(big, TRUE);
    g_free(p);
    expect_refused(&c, usb, 1, "too large");
    g_free(usb);
    usb = fresh_usb(&c, "big-media");
    p = g_build_filename(usb, "media", "huge.wav", NULL);
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    g_assert_cmpint(fd, >=, 0);
    int fa = posix_fallocate(fd, 0, (off_t)201 * 1024 * 1024);
    close(fd);
    if (fa == 0) {
        add_playlist(usb, "evil.cfg", "evil", "media/huge.wav");
        expect_refused(&c, usb, 1, "too large");
    } else {
        g_test_message("fallocate: %s: oversize media covered by the API case", g_strerror(fa));
    }
    g_unlink(p);
    g_free(p);
    g_free(usb);
    usb = fresh_usb(&c, "sparse");
    p = g_build_filename(usb, "media", "sparse.wav", NULL);
    fd = open(p, O_WRONLY | O_CREAT, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 100 * 1024 * 1024), ==, 0);
    g_assert_cmpint(pwrite(fd, "RIFF", 4, 0), ==, 4);
    close(fd);
    g_free(p);
    add_playlist(usb, "evil.cfg", "evil", "media/sparse.wav");
    expect_refused(&c, usb, 1, "a sparse file");
    g_free(usb);

    /* thousands of entries */
    usb = fresh_usb(&c, "crowd");
    for (int i = 0; i < 10001; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s/f%05d.txt", usb, i);
        fd = open(name, O_WRONLY | O_CREAT, 0644);
        g_assert_cmpint(fd, >=, 0);
        close(fd);
    }
    expect_refused(&c, usb, 1, "more than 10000 entries");
    g_free(usb);

    /* names: invalid UTF-8, NFD, control characters; an NFD media path */
    usb = fresh_usb(&c, "bad-utf8");
    add_wav(usb, "b\xff\xfe.wav");
    expect_refused(&c, usb, 1, "not valid UTF-8");
    g_free(usb);
    usb = fresh_usb(&c, "nfd-top");
    add_wav(usb, NFD_NAME);
    expect_refused(&c, usb, 1, "decomposed Unicode (NFD)");
    g_free(usb);
    usb = fresh_usb(&c, "nfd-path");
    add_wav(usb, "media/" NFD_NAME);
    add_playlist(usb, "evil.cfg", "evil", "media/" NFD_NAME);
    expect_refused(&c, usb, 1, "decomposed Unicode (NFD)");
    g_free(usb);
    usb = fresh_usb(&c, "ctrl");
    add_wav(usb, "line\nbreak.wav");
    expect_refused(&c, usb, 1, "control characters");
    g_free(usb);

    /* @include, and a playlist that does not load */
    usb = fresh_usb(&c, "include");
    p = g_build_filename(usb, "inc.cfg", NULL);
    lt_write(p, "@include \"/etc/loa/loa.cfg\"\nplaylist = { id = \"inc\"; };\n");
    g_free(p);
    expect_refused(&c, usb, 1, "@include");
    g_free(usb);

    /* all or nothing: a good playlist beside one whose media do not decode */
    usb = fresh_usb(&c, "undecodable");
    p = g_build_filename(usb, "media", "words.mp3", NULL);
    lt_write(p, "only words, no sound in here at all, none whatsoever\n");
    g_free(p);
    add_playlist(usb, "evil.cfg", "evil", "media/words.mp3");
    expect_refused(&c, usb, 1, "words.mp3");
    g_free(usb);
    /* ...and two playlists with one id */
    usb = fresh_usb(&c, "same-id");
    add_playlist(usb, "twin.cfg", "usb-good", "media/ok.wav");
    expect_refused(&c, usb, 1, "error:");
    g_free(usb);
    /* no playlist at all */
    usb = g_build_filename(c.dir, "empty", NULL);
    add_wav(usb, "media/ok.wav");
    expect_refused(&c, usb, 1, "no playlist (*.cfg file)");
    g_free(usb);

    teardown(&c);
}

/* Caps below the defaults, through the API: an oversize media file. */
static void test_limits(void)
{
    struct ctx c;
    setup(&c);
    char *usb = fresh_usb(&c, "limits");
    struct loa_diag_list diags = {0};
    struct loa_config *cfg = NULL;
    char *cfg_path = g_build_filename(c.dir, "loa.cfg", NULL);
    g_assert_cmpint(loa_config_load(cfg_path, &cfg, &diags), ==, 0);
    struct usb_import_limits lim;
    usb_import_default_limits(&lim);
    lim.max_media_bytes = 1000;
    g_assert_cmpint(usb_import(usb, c.data, cfg, &lim, 0, NULL, &diags), ==, -EINVAL);
    g_assert_nonnull(strstr(diags.items[0].msg, "too large"));
    g_assert_true(g_str_has_suffix(diags.items[0].file, "media/ok.wav"));
    loa_diag_list_clear(&diags);
    usb_import_default_limits(&lim);
    lim.max_total_bytes = 1000;
    g_assert_cmpint(usb_import(usb, c.data, cfg, &lim, 0, NULL, &diags), ==, -EINVAL);
    char *now = lt_tree_hash(c.data);
    g_assert_cmpstr(now, ==, c.baseline_hash);
    g_free(now);
    loa_diag_list_clear(&diags);
    loa_config_free(cfg);
    g_free(cfg_path);
    g_free(usb);
    teardown(&c);
}

static void test_good_folder(void)
{
    struct ctx c;
    setup(&c);
    char *usb = fresh_usb(&c, "stick");
    add_wav(usb, "Âm thanh/bản tin 2.wav"); /* NFC Vietnamese names, a space */
    add_playlist(usb, "TMDT.CFG", "tmdt", "./Âm thanh//bản tin 2.wav");
    /* litter other systems leave: ignored */
    char *p = g_build_filename(usb, "._TMDT.CFG", NULL);
    lt_write(p, "\x00\x05\x16\x07 binary AppleDouble junk");
    g_free(p);
    p = g_build_filename(usb, ".Trashes", NULL);
    g_mkdir(p, 0700);
    g_free(p);
    p = g_build_filename(usb, "readme.txt", NULL);
    lt_write(p, "Danh sách phát cho xã\n");
    g_free(p);

    char *out = NULL, *err = NULL;
    int x = lt_loa(c.dir, &out, &err, "import", usb, NULL);
    if (x != 0)
        g_printerr("%s", err);
    g_assert_cmpint(x, ==, 0);
    g_assert_nonnull(strstr(out, "loaded tmdt"));
    g_assert_nonnull(strstr(out, "loaded usb-good"));
    g_free(out);
    g_free(err);
    g_assert_cmpint(lt_loa(c.dir, &out, NULL, "list", "--format", "json", "--verify", NULL), ==, 0);
    /* the installed playlist absent from the stick stays */
    g_assert_nonnull(strstr(out, "\"id\":\"installed\""));
    g_assert_nonnull(strstr(out, "\"id\":\"tmdt\""));
    g_assert_nonnull(strstr(out, "\"id\":\"usb-good\""));
    g_assert_nonnull(strstr(out, "TMDT.CFG\""));
    g_free(out);
    /* no private copy is left behind */
    char *lib = g_build_filename(c.data, "library", NULL);
    GDir *d = g_dir_open(lib, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d)))
        g_assert_false(g_str_has_prefix(name, ".staging"));
    g_dir_close(d);
    g_free(lib);
    /* importing the same stick again copies nothing new into the library */
    g_assert_cmpint(lt_loa(c.dir, &out, NULL, "import", usb, NULL), ==, 0);
    g_assert_nonnull(strstr(out, "0 new media files"));
    g_free(out);
    g_free(usb);
    teardown(&c);
}

/* A kernel without openat2 (Linux < 5.6), simulated with seccomp: refused, exit 3. */
static void test_no_openat2(void)
{
    struct ctx c;
    setup(&c);
    char *usb = fresh_usb(&c, "old-kernel");
    int errpipe[2];
    g_assert_cmpint(pipe(errpipe), ==, 0);
    char *cfg = g_build_filename(c.dir, "loa.cfg", NULL);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        struct sock_filter filter[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {.len = G_N_ELEMENTS(filter), .filter = filter};
        dup2(errpipe[1], 2);
        close(errpipe[0]);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
            _exit(77);
        char *data = g_build_filename(c.dir, "data", NULL);
        execl(lt_loa_bin(), "loa", "--config", cfg, "--data-dir", data, "import", usb,
              (char *)NULL);
        _exit(99);
    }
    close(errpipe[1]);
    GString *err = g_string_new(NULL);
    char buf[4096];
    ssize_t n;
    while ((n = read(errpipe[0], buf, sizeof buf)) > 0)
        g_string_append_len(err, buf, n);
    close(errpipe[0]);
    int status = 0;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        g_test_skip("seccomp not permitted here");
    } else {
        g_assert_cmpint(WEXITSTATUS(status), ==, 3);
        g_assert_nonnull(strstr(err->str, "no openat2()"));
        char *now = lt_tree_hash(c.data);
        g_assert_cmpstr(now, ==, c.baseline_hash);
        g_free(now);
    }
    g_string_free(err, TRUE);
    g_free(cfg);
    g_free(usb);
    teardown(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/library/import/hostile", test_hostile);
    g_test_add_func("/library/import/limits", test_limits);
    g_test_add_func("/library/import/good-folder", test_good_folder);
    g_test_add_func("/library/import/no-openat2", test_no_openat2);
    return g_test_run();
}
