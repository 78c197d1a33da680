/* The relay drivers: sim records exactly the transitions asked, none switches nothing,
 * gpio names what it could not find, custom ops plug in (the recording fake). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake_relay.h"
#include "relay.h"

/* 2024-05-01T06:00:00Z, then +1.5 s per reading. */
struct fake_now {
    int64_t t;
};

static int64_t fake_now_usec(void *userdata)
{
    struct fake_now *n = userdata;
    int64_t t = n->t;
    n->t += 1500000;
    return t;
}

static char *tmp_dir(void)
{
    GError *err = NULL;
    char *d = g_dir_make_tmp("loa-board-XXXXXX", &err);
    g_assert_no_error(err);
    return d;
}

static void rm_rf(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, n, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
}

static char *read_all(const char *path)
{
    char *s = NULL;
    GError *err = NULL;
    g_file_get_contents(path, &s, NULL, &err);
    g_assert_no_error(err);
    return s;
}

static void test_sim_records_transitions(void)
{
    char *dir = tmp_dir();
    char path[4096];
    g_assert_cmpint(relay_sim_path(dir, path, sizeof path), ==, 0);
    g_assert_true(g_str_has_suffix(path, "/board-sim.log"));
    struct fake_now now = {.t = INT64_C(1714543200000000)};
    struct relay_config cfg = {.driver = RELAY_DRIVER_SIM,
                               .sim_path = path,
                               .now_usec = fake_now_usec,
                               .now_userdata = &now};
    struct relay *r = NULL;
    struct loa_diag d = {0};
    g_assert_cmpint(relay_new(&cfg, &r, &d), ==, 0);
    g_assert_cmpstr(relay_name(r), ==, "sim");
    g_assert_false(relay_is_on(r));
    /* No record at open: the line was already off. */
    GStatBuf st;
    g_assert_true(g_stat(path, &st) != 0 || st.st_size == 0);
    g_assert_cmpint(relay_set(r, true, &d), ==, 0);
    g_assert_true(relay_is_on(r));
    g_assert_cmpint(relay_set(r, true, &d), ==, 0); /* not a transition */
    g_assert_cmpint(relay_set(r, false, &d), ==, 0);
    g_assert_cmpint(relay_set(r, false, &d), ==, 0);
    g_assert_cmpint(relay_set(r, true, &d), ==, 0);
    bool on = false;
    g_assert_cmpint(relay_sim_read_state(path, &on), ==, 0);
    g_assert_true(on);
    r = relay_free(r); /* switches off */
    g_assert_null(r);
    char *s = read_all(path);
    g_assert_cmpstr(s, ==,
                    "2024-05-01T06:00:00.000000Z on\n"
                    "2024-05-01T06:00:01.500000Z off\n"
                    "2024-05-01T06:00:03.000000Z on\n"
                    "2024-05-01T06:00:04.500000Z off\n");
    g_free(s);
    g_assert_cmpint(relay_sim_read_state(path, &on), ==, 0);
    g_assert_false(on);
    rm_rf(dir);
    g_free(dir);
}

static void test_sim_level_survives_process(void)
{
    char *dir = tmp_dir();
    char path[4096];
    relay_sim_path(dir, path, sizeof path);
    /* A previous process died with the line on (as SIGKILL would leave it). */
    g_assert_true(g_file_set_contents(path, "2024-05-01T06:00:00.000000Z on\n", -1, NULL));
    bool on = false;
    g_assert_cmpint(relay_sim_read_state(path, &on), ==, 0);
    g_assert_true(on);
    struct fake_now now = {.t = INT64_C(1714543260000000)};
    struct relay_config cfg = {.driver = RELAY_DRIVER_SIM,
                               .sim_path = path,
                               .now_usec = fake_now_usec,
                               .now_userdata = &now};
    struct relay *r = NULL;
    g_assert_cmpint(relay_new(&cfg, &r, NULL), ==, 0);
    /* Opening drives the line to its default, off, and records it. */
    g_assert_cmpint(relay_sim_read_state(path, &on), ==, 0);
    g_assert_false(on);
    relay_free(r);
    char *s = read_all(path);
    g_assert_cmpstr(s, ==,
                    "2024-05-01T06:00:00.000000Z on\n"
                    "2024-05-01T06:01:00.000000Z off\n");
    g_free(s);

    /* A damaged last line counts as "maybe on": recorded off. */
    g_assert_true(g_file_set_contents(path, "garbage\n", -1, NULL));
    g_assert_cmpint(relay_sim_read_state(path, &on), ==, -EBADMSG);
    g_assert_cmpint(relay_new(&cfg, &r, NULL), ==, 0);
    relay_free(r);
    g_assert_cmpint(relay_sim_read_state(path, &on), ==, 0);
    g_assert_false(on);

    /* Missing and empty files are off. */
    g_unlink(path);
    g_assert_cmpint(relay_sim_read_state(path, &on), ==, 0);
    g_assert_false(on);
    g_assert_true(g_file_set_contents(path, "", 0, NULL));
    on = true;
    g_assert_cmpint(relay_sim_read_state(path, &on), ==, 0);
    g_assert_false(on);
    rm_rf(dir);
    g_free(dir);
}

static void test_sim_unwritable(void)
{
    struct relay_config cfg = {.driver = RELAY_DRIVER_SIM,
                               .sim_path = "/nonexistent-loa-dir/board-sim.log"};
    struct relay *r = NULL;
    struct loa_diag d = {0};
    int ret = relay_new(&cfg, &r, &d);
    g_assert_cmpint(ret, ==, -ENOENT);
    g_assert_null(r);
    g_assert_cmpstr(d.file, ==, "/nonexistent-loa-dir/board-sim.log");
    g_assert_nonnull(strstr(d.msg, "cannot open state file"));
}

static void test_sim_stdout(void)
{
    char *dir = tmp_dir();
    char *out = g_build_filename(dir, "stdout.txt", NULL);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    g_assert_cmpint(fd, >=, 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    struct fake_now now = {.t = 0};
    struct relay_config cfg = {
        .driver = RELAY_DRIVER_SIM, .now_usec = fake_now_usec, .now_userdata = &now};
    struct relay *r = NULL;
    int ret = relay_new(&cfg, &r, NULL);
    if (ret == 0) {
        relay_set(r, true, NULL);
        relay_set(r, false, NULL);
        relay_free(r);
    }
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    g_assert_cmpint(ret, ==, 0);
    char *s = read_all(out);
    g_assert_cmpstr(s, ==, "1970-01-01T00:00:00.000000Z on\n1970-01-01T00:00:01.500000Z off\n");
    g_free(s);
    g_free(out);
    rm_rf(dir);
    g_free(dir);
}

static void test_none(void)
{
    struct relay_config cfg = {.driver = RELAY_DRIVER_NONE};
    struct relay *r = NULL;
    g_assert_cmpint(relay_new(&cfg, &r, NULL), ==, 0);
    g_assert_cmpstr(relay_name(r), ==, "none");
    g_assert_cmpint(relay_set(r, true, NULL), ==, 0);
    g_assert_true(relay_is_on(r));
    g_assert_cmpint(relay_set(r, false, NULL), ==, 0);
    g_assert_false(relay_is_on(r));
    g_assert_null(relay_free(r));
    g_assert_null(relay_free(NULL));
}

static void test_gpio_lookup_failures(void)
{
    struct relay *r = NULL;
    struct loa_diag d = {0};
    struct relay_config cfg = {
        .driver = RELAY_DRIVER_GPIO, .chip = "loa-no-such-chip", .line = "GPIO17"};
    int ret = relay_new(&cfg, &r, &d);
    g_assert_cmpint(ret, <, 0);
    g_assert_null(r);
    g_assert_nonnull(strstr(d.msg, "gpio: cannot open chip 'loa-no-such-chip'"));
    if (ret == -ENOENT)
        g_assert_nonnull(strstr(d.msg, "no such chip"));

    cfg.chip = "";
    g_assert_cmpint(relay_new(&cfg, &r, &d), ==, -EINVAL);
    g_assert_nonnull(strstr(d.msg, "board.amp_chip"));
    cfg.chip = "gpiochip0";
    cfg.line = NULL;
    g_assert_cmpint(relay_new(&cfg, &r, &d), ==, -EINVAL);
    g_assert_nonnull(strstr(d.msg, "board.amp_line"));

    /* A real chip path that is not a GPIO chip is refused too. */
    cfg.chip = "/dev/null";
    cfg.line = "GPIO17";
    ret = relay_new(&cfg, &r, &d);
    g_assert_cmpint(ret, <, 0);
    g_assert_nonnull(strstr(d.msg, "cannot open chip '/dev/null'"));
    g_assert_null(r);
}

static void test_custom_fake(void)
{
    struct fake_now now = {.t = 1000};
    struct fake_relay *f = fake_relay_new(fake_now_usec, &now);
    static const struct relay_ops ops = {.name = "fake", .set = fake_relay_set, .free = NULL};
    struct relay *r = NULL;
    g_assert_cmpint(relay_new_custom(&ops, f, false, &r), ==, 0);
    g_assert_cmpstr(relay_name(r), ==, "fake");
    g_assert_cmpint(relay_set(r, true, NULL), ==, 0);
    fake_relay_fail_next(f);
    struct loa_diag d = {0};
    g_assert_cmpint(relay_set(r, false, &d), ==, -EIO);
    g_assert_true(relay_is_on(r)); /* the failed command did not change the known level */
    g_assert_nonnull(strstr(d.msg, "injected"));
    relay_free(r);
    g_assert_cmpuint(fake_relay_count(f), ==, 2);
    g_assert_true(fake_relay_event(f, 0).on);
    g_assert_cmpint(fake_relay_event(f, 0).at_usec, ==, 1000);
    g_assert_false(fake_relay_event(f, 1).on);
    g_assert_cmpint(fake_relay_event(f, 1).at_usec, ==, 1501000);
    g_assert_false(fake_relay_is_on(f));
    fake_relay_free(f);
    g_assert_cmpint(relay_new_custom(NULL, NULL, false, &r), ==, -EINVAL);
}

static void test_driver_names(void)
{
    enum relay_driver d;
    g_assert_cmpint(relay_driver_from_string("gpio", &d), ==, 0);
    g_assert_cmpint(d, ==, RELAY_DRIVER_GPIO);
    g_assert_cmpint(relay_driver_from_string("sim", &d), ==, 0);
    g_assert_cmpint(d, ==, RELAY_DRIVER_SIM);
    g_assert_cmpint(relay_driver_from_string("none", &d), ==, 0);
    g_assert_cmpint(d, ==, RELAY_DRIVER_NONE);
    g_assert_cmpint(relay_driver_from_string("GPIO", &d), ==, -EINVAL);
    g_assert_cmpint(relay_driver_from_string(NULL, &d), ==, -EINVAL);
    g_assert_cmpstr(relay_driver_to_string(RELAY_DRIVER_SIM), ==, "sim");
    g_assert_cmpstr(relay_driver_to_string((enum relay_driver)42), ==, "?");
    struct relay *r = NULL;
    struct relay_config cfg = {.driver = (enum relay_driver)42};
    g_assert_cmpint(relay_new(&cfg, &r, NULL), ==, -EINVAL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/board/relay/sim-records-transitions", test_sim_records_transitions);
    g_test_add_func("/board/relay/sim-level-survives-process", test_sim_level_survives_process);
    g_test_add_func("/board/relay/sim-unwritable", test_sim_unwritable);
    g_test_add_func("/board/relay/sim-stdout", test_sim_stdout);
    g_test_add_func("/board/relay/none", test_none);
    g_test_add_func("/board/relay/gpio-lookup-failures", test_gpio_lookup_failures);
    g_test_add_func("/board/relay/custom-fake", test_custom_fake);
    g_test_add_func("/board/relay/driver-names", test_driver_names);
    return g_test_run();
}
