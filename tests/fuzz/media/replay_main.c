/* Replays the fuzz seed corpus (tests/fuzz/media/corpus and tests/media/bad) through
 * LLVMFuzzerTestOneInput as an ordinary test, built with any compiler; under the ASan
 * build it catches what the fuzzer would. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replay_dir(const char *dir, size_t *count)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);
        char *data = NULL;
        gsize len = 0;
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            g_assert_true(g_file_get_contents(path, &data, &len, NULL));
            g_assert_cmpint(LLVMFuzzerTestOneInput((const uint8_t *)data, len), ==, 0);
            (*count)++;
        }
        g_free(data);
        g_free(path);
    }
    g_dir_close(d);
}

static void test_replay(void)
{
    const char *src = g_getenv("LOA_SOURCE_DIR");
    if (!src || !*src)
        src = LOA_SOURCE_DIR;
    char *corpus = g_build_filename(src, "tests", "fuzz", "media", "corpus", NULL);
    char *bad = g_build_filename(src, "tests", "media", "bad", NULL);
    size_t n = 0;
    replay_dir(corpus, &n);
    size_t seeds = n;
    replay_dir(bad, &n);
    g_test_message("replayed %zu seeds and %zu bad files", seeds, n - seeds);
    g_assert_cmpuint(seeds, >=, 3);
    g_assert_cmpuint(n - seeds, >=, 30);
    g_free(corpus);
    g_free(bad);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/fuzz/replay", test_replay);
    return g_test_run();
}
