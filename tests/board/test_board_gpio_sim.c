/* The gpio relay driver against the kernel's gpio-sim (configfs): a named line on a
 * simulated chip, driven on/off, active-high and active-low, read back from sysfs.
 * Needs root and the gpio-sim module with configfs mounted; otherwise exits 77 saying why
 * (the driver's lookup failures are covered in test_board_relay). */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"

#define SIM_ROOT "/sys/kernel/config/gpio-sim"
#define SIM_DEV SIM_ROOT "/loa-test"

static char chip_name[64], dev_name[64];

static bool write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fputs(s, f) >= 0;
    return fclose(f) == 0 && ok;
}

static bool read_word(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    if (ok)
        buf[strcspn(buf, "\n")] = '\0';
    return ok;
}

static void teardown_sim(void)
{
    write_file(SIM_DEV "/live", "0");
    g_rmdir(SIM_DEV "/bank0/line3");
    g_rmdir(SIM_DEV "/bank0");
    g_rmdir(SIM_DEV);
}

static bool setup_sim(void)
{
    teardown_sim();
    return g_mkdir(SIM_DEV, 0755) == 0 && g_mkdir(SIM_DEV "/bank0", 0755) == 0 &&
           write_file(SIM_DEV "/bank0/num_lines", "8") &&
           g_mkdir(SIM_DEV "/bank0/line3", 0755) == 0 &&
           write_file(SIM_DEV "/bank0/line3/name", "LOA_AMP") && write_file(SIM_DEV "/live", "1") &&
           read_word(SIM_DEV "/dev_name", dev_name, sizeof dev_name) &&
           read_word(SIM_DEV "/bank0/chip_name", chip_name, sizeof chip_name);
}

static int physical_level(void)
{
    char path[256], v[16];
    snprintf(path, sizeof path, "/sys/devices/platform/%s/%s/sim_gpio3/value", dev_name, chip_name);
    g_assert_true(read_word(path, v, sizeof v));
    return v[0] == '1';
}

static void check_driver(bool active_low, const char *line)
{
    struct relay_config cfg = {
        .driver = RELAY_DRIVER_GPIO, .chip = chip_name, .line = line, .active_low = active_low};
    struct relay *r = NULL;
    struct loa_diag d = {0};
    g_assert_cmpint(relay_new(&cfg, &r, &d), ==, 0);
    g_assert_cmpint(physical_level(), ==, active_low ? 1 : 0); /* off on open */
    g_assert_cmpint(relay_set(r, true, &d), ==, 0);
    g_assert_cmpint(physical_level(), ==, active_low ? 0 : 1);
    /* A second consumer cannot take the line while we hold it. */
    struct relay *r2 = NULL;
    g_assert_cmpint(relay_new(&cfg, &r2, &d), ==, -EBUSY);
    g_assert_nonnull(strstr(d.msg, "in use by another program"));
    relay_free(r); /* off, then released */
    g_assert_cmpint(physical_level(), ==, active_low ? 1 : 0);
}

static void test_active_high(void)
{
    check_driver(false, "LOA_AMP");
}

static void test_active_low(void)
{
    check_driver(true, "LOA_AMP");
}

static void test_by_offset_and_missing_line(void)
{
    check_driver(false, "3");
    struct relay_config cfg = {.driver = RELAY_DRIVER_GPIO, .chip = chip_name, .line = "NOPE"};
    struct relay *r = NULL;
    struct loa_diag d = {0};
    g_assert_cmpint(relay_new(&cfg, &r, &d), ==, -ENOENT);
    g_assert_nonnull(strstr(d.msg, "no line 'NOPE'"));
    cfg.line = "99";
    g_assert_cmpint(relay_new(&cfg, &r, &d), ==, -ENOENT);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (geteuid() != 0) {
        printf("SKIP: gpio-sim needs root to configure\n");
        return 77;
    }
    if (!g_file_test(SIM_ROOT, G_FILE_TEST_IS_DIR)) {
        printf("SKIP: %s absent (gpio-sim module not loaded or configfs not mounted)\n", SIM_ROOT);
        return 77;
    }
    if (!setup_sim()) {
        printf("SKIP: cannot create a gpio-sim chip: %s\n", g_strerror(errno));
        teardown_sim();
        return 77;
    }
    g_test_add_func("/board/gpio-sim/active-high", test_active_high);
    g_test_add_func("/board/gpio-sim/active-low", test_active_low);
    g_test_add_func("/board/gpio-sim/by-offset-and-missing-line", test_by_offset_and_missing_line);
    int ret = g_test_run();
    teardown_sim();
    return ret;
}
