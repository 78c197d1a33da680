/* systemd notification wrappers. */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "board_notify.h"

int board_notify_ready(void)
{
    return sd_notify(0, "READY=1");
}

int board_notify_status(const char *status)
{
    char buf[512];
    snprintf(buf, sizeof buf, "STATUS=%s", status ? status : "");
    /* One line: a newline would start a new assignment in the notify protocol. */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return sd_notify(0, buf);
}

int board_notify_watchdog(void)
{
    return sd_notify(0, "WATCHDOG=1");
}

int board_notify_stopping(void)
{
    return sd_notify(0, "STOPPING=1");
}

int board_watchdog_interval(uint64_t *ret_interval_usec)
{
    uint64_t usec = 0;
    int r = sd_watchdog_enabled(0, &usec);
    if (r > 0)
        *ret_interval_usec = usec;
    return r;
}
