/* The kiosk as a supervised child process (SPEC.md "Kiosk isolation": a GPU driver crash,
 * a missing font or no display never stops a broadcast).
 *
 * The daemon starts `loa kiosk` with the same config and data dir (and the control
 * socket's path in LOA_CONTROL_SOCKET), watches it with a child watch and starts it
 * again one second after it dies (SPEC.md: the screen is blank for at most 5 s). The
 * kiosk subscribes over the control socket like a standalone one (loa-kiosk.service):
 * what it shows and its proof-of-display records go over that connection
 * (fw_kiosk_feed.c); its stdout (proof lines for people) is not needed here.
 */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fw_daemon.h"
#include "kiosk_feed.h"

#define RESTART_MS 1000

struct fw_kiosk_link {
    struct fw_daemon *d;
    GPid pid;
    guint child_watch, restart_id;
    unsigned restarts;
    bool stopping;
};

static int spawn(struct fw_kiosk_link *k);

static gboolean restart_cb(gpointer data)
{
    struct fw_kiosk_link *k = data;
    k->restart_id = 0;
    if (!k->stopping && spawn(k) < 0)
        k->restart_id = g_timeout_add(RESTART_MS, restart_cb, k);
    return G_SOURCE_REMOVE;
}

static void on_exit_cb(GPid pid, gint status, gpointer data)
{
    struct fw_kiosk_link *k = data;
    g_spawn_close_pid(pid);
    k->child_watch = 0;
    k->pid = 0;
    if (k->stopping)
        return;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    fw_daemon_event(k->d, "kiosk-exit", LEDGER_NONE, "{\"status\":%d,\"signal\":%d}",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1, sig);
    fw_daemon_error(k->d, "kiosk: the kiosk process ended (%s %d); restarting it",
                    sig ? "signal" : "exit", sig ? sig : WEXITSTATUS(status));
    k->restart_id = g_timeout_add(RESTART_MS, restart_cb, k);
}

static int spawn(struct fw_kiosk_link *k)
{
    struct fw_daemon *d = k->d;
    const char *argv[16];
    size_t n = 0;
    argv[n++] = d->exe;
    argv[n++] = "--config";
    argv[n++] = d->config_path;
    argv[n++] = "--data-dir";
    argv[n++] = d->data_dir;
    argv[n++] = "kiosk";
    argv[n++] = "--display";
    argv[n++] = d->opt.kiosk_display ? d->opt.kiosk_display : "auto";
    if (d->opt.kiosk_windowed)
        argv[n++] = "--windowed";
    argv[n] = NULL;
    char sock[4200];
    fw_control_socket_path(d->data_dir, sock, sizeof sock);
    char **env = g_environ_setenv(g_get_environ(), "LOA_CONTROL_SOCKET", sock, TRUE);
    GError *e = NULL;
    gboolean ok = g_spawn_async(NULL, (char **)argv, env,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                &k->pid, &e);
    g_strfreev(env);
    if (!ok) {
        fw_daemon_error(d, "kiosk: cannot start it: %s", e ? e->message : "?");
        g_clear_error(&e);
        return -EIO;
    }
    k->child_watch = g_child_watch_add(k->pid, on_exit_cb, k);
    k->restarts++;
    return 0;
}

int fw_kiosk_link_new(struct fw_daemon *d, struct fw_kiosk_link **ret)
{
    struct fw_kiosk_link *k = g_new0(struct fw_kiosk_link, 1);
    k->d = d;
    int r = spawn(k);
    if (r < 0) {
        g_free(k);
        return r;
    }
    *ret = k;
    return 0;
}

struct fw_kiosk_link *fw_kiosk_link_free(struct fw_kiosk_link *k)
{
    if (!k)
        return NULL;
    k->stopping = true;
    if (k->restart_id)
        g_source_remove(k->restart_id);
    if (k->pid > 0) {
        /* After KIOSK_MSG_SHUTDOWN (fw_kiosk_feed_shutdown) it is exiting already;
         * otherwise SIGTERM, then SIGKILL. */
        for (int i = 0; i < 200; i++) {
            int status;
            if (i == 25)
                kill(k->pid, SIGTERM);
            if (waitpid(k->pid, &status, WNOHANG) == k->pid) {
                k->pid = 0;
                break;
            }
            g_usleep(20000);
        }
        if (k->pid > 0) {
            kill(k->pid, SIGKILL);
            waitpid(k->pid, NULL, 0);
        }
    }
    if (k->child_watch)
        g_source_remove(k->child_watch);
    g_free(k);
    return NULL;
}

int fw_kiosk_link_pid(const struct fw_kiosk_link *k)
{
    return k ? (int)k->pid : 0;
}
