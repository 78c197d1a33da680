/* Helpers shared by the library tests. */
#include "library_test_util.h"

#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char config_text[] =
    "device = {\n"
    "  id = \"test-lib-01\";\n"
    "  province = { code = \"01\"; name = \"Thành phố Hà Nội\"; };\n"
    "  commune  = { code = \"09552\"; name = \"Phường Văn Quán\"; };\n"
    "  unit_codes = \"2020\";\n"
    "  timezone = \"Asia/Ho_Chi_Minh\";\n"
    "};\n"
    "sessions = (\n"
    "  { id = \"sang\";  name = \"Buổi sáng\";  start = \"06:00\"; end = \"06:30\"; },\n"
    "  { id = \"chieu\"; name = \"Buổi chiều\"; start = \"17:00\"; end = \"17:30\"; }\n"
    ");\n"
    "audio = { output = \"null\"; loudness_target = -16.0; true_peak_max = -1.0;\n"
    "          gap_seconds = 3; };\n"
    "board = { driver = \"sim\"; };\n"
    "storage = { data_dir = \"data\"; };\n";

char *lt_scratch(void)
{
    char *dir = g_dir_make_tmp("loa-library-XXXXXX", NULL);
    g_assert_nonnull(dir);
    char *cfg = g_build_filename(dir, "loa.cfg", NULL);
    lt_write(cfg, config_text);
    g_free(cfg);
    return dir;
}

void lt_write(const char *path, const char *text)
{
    char *parent = g_path_get_dirname(path);
    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_free(parent);
    GError *err = NULL;
    if (!g_file_set_contents(path, text, -1, &err))
        g_error("%s: %s", path, err->message);
}

static void put_le(FILE *f, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        fputc((int)((v >> (8 * i)) & 0xff), f);
}

bool lt_wav(const char *path, enum lt_signal sig, double seconds, int rate, int channels,
            double amp, double freq, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    uint32_t frames = (uint32_t)(seconds * rate);
    uint32_t data = frames * (uint32_t)channels * 2;
    fwrite("RIFF", 1, 4, f);
    put_le(f, 36 + data, 4);
    fwrite("WAVEfmt ", 1, 8, f);
    put_le(f, 16, 4);
    put_le(f, 1, 2);
    put_le(f, (uint32_t)channels, 2);
    put_le(f, (uint32_t)rate, 4);
    put_le(f, (uint32_t)(rate * channels * 2), 4);
    put_le(f, (uint32_t)(channels * 2), 2);
    put_le(f, 16, 2);
    fwrite("data", 1, 4, f);
    put_le(f, data, 4);
    GRand *rnd = g_rand_new_with_seed(seed);
    for (uint32_t i = 0; i < frames; i++) {
        for (int c = 0; c < channels; c++) {
            double v;
            switch (sig) {
            case LT_TONE:
                v = amp * sin(2 * G_PI * freq * i / rate);
                break;
            case LT_PEAKY:
                /* A click every 2 s (one full-scale sample pair), very quiet noise
                 * between: loudness far below the peak. */
                v = (i % (uint32_t)(2 * rate) == 100)   ? 0.99
                    : (i % (uint32_t)(2 * rate) == 101) ? -0.99
                                                        : amp * 0.02 * (g_rand_double(rnd) * 2 - 1);
                break;
            case LT_NOISE:
            default:
                v = amp * (g_rand_double(rnd) * 2 - 1);
                break;
            }
            int s = (int)lrint(v * 32767);
            s = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
            put_le(f, (uint32_t)(uint16_t)(int16_t)s, 2);
        }
    }
    g_rand_free(rnd);
    return fclose(f) == 0;
}

bool lt_encode(const char *wav, const char *out)
{
    bool mp3 = g_str_has_suffix(out, ".mp3");
    char *src = g_strconcat("location=", wav, NULL);
    char *dst = g_strconcat("location=", out, NULL);
    const char *argv[] = {"gst-launch-1.0",
                          "-q",
                          "filesrc",
                          src,
                          "!",
                          "wavparse",
                          "!",
                          "audioconvert",
                          "!",
                          mp3 ? "lamemp3enc" : "vorbisenc",
                          "!",
                          mp3 ? "id3v2mux" : "oggmux",
                          "!",
                          "filesink",
                          dst,
                          NULL};
    int status = -1;
    bool ok =
        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL) &&
        g_spawn_check_wait_status(status, NULL);
    g_free(src);
    g_free(dst);
    return ok;
}

const char *lt_loa_bin(void)
{
    const char *bin = g_getenv("LOA_BIN");
    return bin && *bin ? bin : LOA_BUILD_DIR "/firmware/loa";
}

int lt_loa(const char *dir, char **ret_out, char **ret_err, ...)
{
    GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(v, g_strdup(lt_loa_bin()));
    g_ptr_array_add(v, g_strdup("--config"));
    g_ptr_array_add(v, g_build_filename(dir, "loa.cfg", NULL));
    g_ptr_array_add(v, g_strdup("--data-dir"));
    g_ptr_array_add(v, g_build_filename(dir, "data", NULL));
    va_list ap;
    va_start(ap, ret_err);
    for (const char *a; (a = va_arg(ap, const char *));)
        g_ptr_array_add(v, g_strdup(a));
    va_end(ap);
    g_ptr_array_add(v, NULL);
    char *out = NULL, *err = NULL;
    int status = -1;
    GError *e = NULL;
    if (!g_spawn_sync(dir, (char **)v->pdata, NULL, 0, NULL, NULL, &out, &err, &status, &e))
        g_error("cannot run loa: %s", e->message);
    g_ptr_array_unref(v);
    if (g_test_verbose())
        g_printerr("%s%s", out, err);
    if (ret_out)
        *ret_out = out;
    else
        g_free(out);
    if (ret_err)
        *ret_err = err;
    else
        g_free(err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hash_tree(GChecksum *ck, const char *root, const char *rel)
{
    char *path = rel[0] ? g_build_filename(root, rel, NULL) : g_strdup(root);
    struct stat st;
    if (lstat(path, &st) < 0) {
        g_free(path);
        return;
    }
    char head[64];
    snprintf(head, sizeof head, "|%o|", (unsigned)st.st_mode);
    g_checksum_update(ck, (const guchar *)rel, (gssize)strlen(rel) + 1);
    g_checksum_update(ck, (const guchar *)head, (gssize)strlen(head));
    if (S_ISREG(st.st_mode)) {
        char *data = NULL;
        gsize len = 0;
        if (g_file_get_contents(path, &data, &len, NULL))
            g_checksum_update(ck, (const guchar *)data, (gssize)len);
        g_free(data);
    } else if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(path, target, sizeof target);
        if (n > 0)
            g_checksum_update(ck, (const guchar *)target, n);
    } else if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        struct dirent *de;
        while (d && (de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                g_ptr_array_add(names, g_strdup(de->d_name));
        if (d)
            closedir(d);
        g_ptr_array_sort(names, cmp_str);
        for (guint i = 0; i < names->len; i++) {
            char *sub =
                rel[0] ? g_build_filename(rel, names->pdata[i], NULL) : g_strdup(names->pdata[i]);
            hash_tree(ck, root, sub);
            g_free(sub);
        }
        g_ptr_array_unref(names);
    }
    g_free(path);
}

char *lt_tree_hash(const char *dir)
{
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    if (!g_file_test(dir, G_FILE_TEST_EXISTS))
        g_checksum_update(ck, (const guchar *)"absent", 6);
    else
        hash_tree(ck, dir, "");
    char *hex = g_strdup(g_checksum_get_string(ck));
    g_checksum_free(ck);
    return hex;
}

void lt_rmrf(const char *path)
{
    if (!path)
        return;
    const char *argv[] = {"rm", "-rf", "--", path, NULL};
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                 NULL);
}
