/* Clock-sync readers: the adjtimex decision, the kernel call, boot time, and the
 * systemd-timesyncd marker against boot (a temp file with a chosen mtime). */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>

#include "board_clock.h"

static void test_adjtimex_decision(void)
{
    g_assert_true(board_clock_adjtimex_synced(TIME_OK, 0));
    g_assert_true(board_clock_adjtimex_synced(TIME_INS, STA_PLL));
    g_assert_false(board_clock_adjtimex_synced(TIME_OK, STA_UNSYNC));
    g_assert_false(board_clock_adjtimex_synced(TIME_OK, STA_PLL | STA_UNSYNC));
    g_assert_false(board_clock_adjtimex_synced(TIME_ERROR, 0));
}

static void test_kernel_reads(void)
{
    bool synced = false;
    /* Whatever this machine's state, the read itself must work without privilege. */
    g_assert_cmpint(board_clock_kernel_synced(&synced), ==, 0);
    struct timex tx = {.modes = 0};
    int state = adjtimex(&tx);
    g_assert_cmpint(state, >=, 0);
    g_assert_true(synced == board_clock_adjtimex_synced(state, tx.status));
    g_test_message("kernel says %s", synced ? "synced" : "unsynced");
}

static void test_boot_time(void)
{
    int64_t boot = 0;
    g_assert_cmpint(board_clock_boot_realtime_usec(&boot), ==, 0);
    g_assert_cmpint(boot, >, 0);
    g_assert_cmpint(boot, <=, g_get_real_time());
    /* /proc/stat's btime is the same thing, in whole seconds. */
    char *stat = NULL;
    if (g_file_get_contents("/proc/stat", &stat, NULL, NULL)) {
        const char *b = strstr(stat, "\nbtime ");
        if (b) {
            long long btime = atoll(b + 7);
            g_assert_cmpint(llabs(btime - boot / 1000000), <=, 2);
        }
        g_free(stat);
    }
}

static void set_mtime(const char *path, int64_t usec)
{
    struct timespec ts[2] = {
        {.tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000},
        {.tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000},
    };
    g_assert_cmpint(utimensat(AT_FDCWD, path, ts, 0), ==, 0);
}

static void test_timesyncd_marker(void)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp("loa-clock-XXXXXX", &err);
    g_assert_no_error(err);
    char *marker = g_build_filename(dir, "synchronized", NULL);
    const int64_t boot = INT64_C(1714543200000000);
    bool synced = true;
    int64_t mtime = -1;

    g_assert_cmpint(board_clock_timesyncd_synced(marker, boot, &synced, &mtime), ==, 0);
    g_assert_false(synced); /* missing */
    g_assert_cmpint(mtime, ==, 0);

    g_assert_true(g_file_set_contents(marker, "", 0, NULL));
    set_mtime(marker, boot - 10000000); /* a sync before this boot does not count */
    g_assert_cmpint(board_clock_timesyncd_synced(marker, boot, &synced, &mtime), ==, 0);
    g_assert_false(synced);
    g_assert_cmpint(mtime, ==, boot - 10000000);

    set_mtime(marker, boot + 2500000);
    g_assert_cmpint(board_clock_timesyncd_synced(marker, boot, &synced, NULL), ==, 0);
    g_assert_true(synced);

    /* With boot from the kernel: a marker touched now is newer than this boot. */
    set_mtime(marker, g_get_real_time());
    g_assert_cmpint(board_clock_timesyncd_synced(marker, -1, &synced, NULL), ==, 0);
    g_assert_true(synced);

    /* The default path is read without error whatever this machine has. */
    g_assert_cmpint(board_clock_timesyncd_synced(NULL, -1, &synced, NULL), ==, 0);

    g_unlink(marker);
    g_rmdir(dir);
    g_free(marker);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/board/clock/adjtimex-decision", test_adjtimex_decision);
    g_test_add_func("/board/clock/kernel-reads", test_kernel_reads);
    g_test_add_func("/board/clock/boot-time", test_boot_time);
    g_test_add_func("/board/clock/timesyncd-marker", test_timesyncd_marker);
    return g_test_run();
}
