/* systemd notification: the messages reach $NOTIFY_SOCKET exactly; the watchdog interval
 * follows $WATCHDOG_USEC/$WATCHDOG_PID. A real socket stands in for systemd. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "board_notify.h"

static int sock = -1;
static char *dir, *path;

static void setup_socket(void)
{
    GError *err = NULL;
    dir = g_dir_make_tmp("loa-notify-XXXXXX", &err);
    g_assert_no_error(err);
    path = g_build_filename(dir, "notify", NULL);
    sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(sock, >=, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    g_assert_cmpuint(strlen(path), <, sizeof sa.sun_path);
    strcpy(sa.sun_path, path);
    g_assert_cmpint(bind(sock, (struct sockaddr *)&sa, sizeof sa), ==, 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    g_setenv("NOTIFY_SOCKET", path, TRUE);
}

static char *recv_msg(void)
{
    char buf[1024];
    ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
    g_assert_cmpint(n, >, 0);
    buf[n] = '\0';
    return g_strdup(buf);
}

static void expect(int sent, const char *want)
{
    g_assert_cmpint(sent, >, 0);
    char *got = recv_msg();
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static void test_messages(void)
{
    setup_socket();
    expect(board_notify_ready(), "READY=1");
    expect(board_notify_status("Đang phát: tmdt-01"), "STATUS=Đang phát: tmdt-01");
    expect(board_notify_status("two\nlines"), "STATUS=two lines");
    expect(board_notify_watchdog(), "WATCHDOG=1");
    expect(board_notify_stopping(), "STOPPING=1");
    close(sock);
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    g_unsetenv("NOTIFY_SOCKET");
    /* Outside systemd every call is a quiet no-op. */
    g_assert_cmpint(board_notify_ready(), ==, 0);
    g_assert_cmpint(board_notify_watchdog(), ==, 0);
}

static void test_watchdog_interval(void)
{
    uint64_t usec = 7;
    g_unsetenv("WATCHDOG_USEC");
    g_unsetenv("WATCHDOG_PID");
    g_assert_cmpint(board_watchdog_interval(&usec), ==, 0);
    g_assert_cmpuint(usec, ==, 7);

    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    g_setenv("WATCHDOG_USEC", "20000000", TRUE);
    g_setenv("WATCHDOG_PID", pid, TRUE);
    g_assert_cmpint(board_watchdog_interval(&usec), ==, 1);
    g_assert_cmpuint(usec, ==, 20000000);

    /* Meant for another process: not ours. */
    snprintf(pid, sizeof pid, "%d", (int)getpid() + 1);
    g_setenv("WATCHDOG_PID", pid, TRUE);
    usec = 7;
    g_assert_cmpint(board_watchdog_interval(&usec), ==, 0);
    g_assert_cmpuint(usec, ==, 7);

    g_unsetenv("WATCHDOG_PID");
    g_setenv("WATCHDOG_USEC", "soon", TRUE);
    g_assert_cmpint(board_watchdog_interval(&usec), <, 0);
    g_unsetenv("WATCHDOG_USEC");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/board/notify/messages", test_messages);
    g_test_add_func("/board/notify/watchdog-interval", test_watchdog_interval);
    return g_test_run();
}
