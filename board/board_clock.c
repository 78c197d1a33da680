/* Clock-sync status readers. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>

#include "board_clock.h"

bool board_clock_adjtimex_synced(int state, int status)
{
    return state != TIME_ERROR && !(status & STA_UNSYNC);
}

int board_clock_kernel_synced(bool *ret_synced)
{
    struct timex tx = {.modes = 0};
    int state = adjtimex(&tx);
    if (state < 0)
        return -errno;
    *ret_synced = board_clock_adjtimex_synced(state, tx.status);
    return 0;
}

int board_clock_boot_realtime_usec(int64_t *ret_usec)
{
    struct timespec rt, bt;
    if (clock_gettime(CLOCK_REALTIME, &rt) < 0 || clock_gettime(CLOCK_BOOTTIME, &bt) < 0)
        return -errno;
    *ret_usec = ((int64_t)rt.tv_sec - bt.tv_sec) * 1000000 + (rt.tv_nsec - bt.tv_nsec) / 1000;
    return 0;
}

int board_clock_timesyncd_synced(const char *marker, int64_t boot_realtime_usec, bool *ret_synced,
                                 int64_t *ret_mtime_usec)
{
    struct stat st;
    if (stat(marker ? marker : BOARD_TIMESYNC_MARKER, &st) < 0) {
        if (errno != ENOENT)
            return -errno;
        *ret_synced = false;
        if (ret_mtime_usec)
            *ret_mtime_usec = 0;
        return 0;
    }
    if (boot_realtime_usec < 0) {
        int r = board_clock_boot_realtime_usec(&boot_realtime_usec);
        if (r < 0)
            return r;
    }
    int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
    *ret_synced = mtime > boot_realtime_usec;
    if (ret_mtime_usec)
        *ret_mtime_usec = mtime;
    return 0;
}
