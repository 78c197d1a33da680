/* The daemon's control socket (protocol: fw_control.h).
 *
 * Listening socket and connections are watched from the main loop; a connection is
 * read without blocking (recvmsg, descriptors collected from SCM_RIGHTS) until one
 * framed request is complete, answered with a blocking write under a 1 s send timeout,
 * and closed — except a `kiosk-subscribe` connection, which stays open as a kiosk feed.
 * The caller's uid comes from SO_PEERCRED at accept.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <grp.h>
#include <poll.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fw_control.h"
#include "fw_daemon.h"
#include "kiosk_feed.h"

#define MAX_CONNECTIONS 32

struct conn {
    struct fw_control *ctl;
    int fd;
    guint watch;
    int64_t uid;
    GByteArray *in;
    int passed_fd; /* a descriptor received with the request, or -1 */
    bool kiosk;
};

struct fw_control {
    struct fw_daemon *d;
    char path[4200];
    int fd;
    guint watch;
    struct conn *conns[MAX_CONNECTIONS];
};

void fw_control_socket_path(const char *data_dir, char *buf, size_t size)
{
    const char *env = getenv("LOA_CONTROL_SOCKET");
    if (env && *env)
        snprintf(buf, size, "%s", env);
    else
        snprintf(buf, size, "%s/control.sock", data_dir);
}

static void conn_close(struct conn *c)
{
    struct fw_control *ctl = c->ctl;
    for (size_t i = 0; i < MAX_CONNECTIONS; i++)
        if (ctl->conns[i] == c)
            ctl->conns[i] = NULL;
    if (c->watch)
        g_source_remove(c->watch);
    if (c->fd >= 0)
        close(c->fd);
    if (c->passed_fd >= 0)
        close(c->passed_fd);
    g_byte_array_unref(c->in);
    g_free(c);
}

static void reply(struct conn *c, int code, const char *body)
{
    GString *s = g_string_new(NULL);
    if (code == LOA_EXIT_OK)
        g_string_append(s, "ok\n");
    else
        g_string_append_printf(s, "error %d\n", code);
    g_string_append(s, body ? body : "");
    fw_control_send(c->fd, s->str, s->len, -1);
    g_string_free(s, TRUE);
}

static int exit_for(int r)
{
    switch (r) {
    case -ENOENT:
    case -EPERM:
    case -EINVAL:
    case -EBADMSG:
    case -EEXIST:
        return LOA_EXIT_INPUT;
    default:
        return LOA_EXIT_RUNTIME;
    }
}

static void kiosk_send(void *ud, const void *buf, size_t len)
{
    struct conn *c = ud;
    fw_control_send(c->fd, buf, len, -1);
}

/* `banner SECONDS TEXT`: the text keeps its spaces, so it is not split into words. */
static void handle_banner(struct conn *c, const char *args)
{
    char *end;
    errno = 0;
    long sec = strtol(args, &end, 10);
    if (errno || end == args || *end != ' ' || !end[1]) {
        reply(c, LOA_EXIT_USAGE, "banner SECONDS TEXT\n");
        return;
    }
    char *text = g_strdup(end + 1);
    g_strchomp(text);
    struct loa_diag e = {0};
    int secs = sec < 1 || sec > FW_BANNER_MAX_SECONDS ? 0 : (int)sec; /* 0: refused below */
    int r = fw_kiosk_feed_banner(c->ctl->d, secs, text, c->uid, &e);
    g_free(text);
    char msg[1200];
    snprintf(msg, sizeof msg, "%s\n", r < 0 ? e.msg : "banner sent");
    reply(c, r < 0 ? exit_for(r) : LOA_EXIT_OK, msg);
}

/* Handle one complete request. Returns true when the connection stays open. */
static bool handle(struct conn *c, char *req)
{
    struct fw_daemon *d = c->ctl->d;
    if (strncmp(req, "banner ", 7) == 0) {
        handle_banner(c, req + 7);
        return false;
    }
    char *words[8] = {0};
    size_t n = 0;
    char *save = NULL;
    for (char *w = strtok_r(req, " \n", &save); w && n < G_N_ELEMENTS(words);
         w = strtok_r(NULL, " \n", &save))
        words[n++] = w;
    if (n == 0) {
        reply(c, LOA_EXIT_USAGE, "empty request\n");
        return false;
    }
    struct loa_diag e = {0};
    const char *cmd = words[0];
    if (strcmp(cmd, "status") == 0) {
        char *s = fw_daemon_status(d, n > 1 && strcmp(words[1], "json") == 0);
        reply(c, LOA_EXIT_OK, s);
        g_free(s);
    } else if (strcmp(cmd, "play-now") == 0 && n >= 3) {
        enum plan_class cls = PLAN_CLASS_PRIORITY;
        const char *cname = strcmp(words[1], "item") == 0 ? words[3] : words[2];
        if (cname && strcmp(cname, "emergency") == 0)
            cls = PLAN_CLASS_EMERGENCY;
        else if (cname && strcmp(cname, "priority") != 0) {
            reply(c, LOA_EXIT_USAGE, "class must be priority or emergency\n");
            return false;
        }
        uint64_t id = 0;
        int r;
        if (strcmp(words[1], "item") == 0) {
            r = fw_daemon_play_now(d, words[2], -1, NULL, cls, c->uid, &id, &e);
        } else if (strcmp(words[1], "file") == 0 && c->passed_fd >= 0) {
            int fd = c->passed_fd;
            c->passed_fd = -1;
            r = fw_daemon_play_now(d, NULL, fd, n > 3 ? words[3] : "file", cls, c->uid, &id, &e);
        } else {
            reply(c, LOA_EXIT_USAGE, "play-now item ITEM CLASS | play-now file CLASS NAME\n");
            return false;
        }
        char msg[1200];
        if (r < 0) {
            snprintf(msg, sizeof msg, "%s\n", e.msg);
            reply(c, exit_for(r), msg);
        } else {
            snprintf(msg, sizeof msg, "play-now/%" PRIu64 "\n", id);
            reply(c, LOA_EXIT_OK, msg);
        }
    } else if (strcmp(cmd, "pause") == 0 && n >= 3) {
        char *end1, *end2;
        long long from = strtoll(words[1], &end1, 10), until = strtoll(words[2], &end2, 10);
        if (*end1 || *end2) {
            reply(c, LOA_EXIT_USAGE, "pause FROM_USEC UNTIL_USEC [SESSION]\n");
            return false;
        }
        int r = fw_daemon_pause(d, from, until, n > 3 ? words[3] : NULL, c->uid, &e);
        char msg[1200];
        snprintf(msg, sizeof msg, "%s\n", r < 0 ? e.msg : "paused");
        reply(c, r < 0 ? exit_for(r) : LOA_EXIT_OK, msg);
    } else if (strcmp(cmd, "resume") == 0) {
        fw_daemon_resume(d, c->uid);
        reply(c, LOA_EXIT_OK, "resumed\n");
    } else if (strcmp(cmd, "reload") == 0) {
        fw_daemon_reload(d, c->uid, "control socket");
        reply(c, LOA_EXIT_OK, "reload at the next session start\n");
    } else if (strcmp(cmd, "clock-confirm") == 0) {
        fw_daemon_clock_confirm(d, c->uid);
        reply(c, LOA_EXIT_OK, "clock confirmed\n");
    } else if (strncmp(cmd, "test-", 5) == 0 && getenv("LOA_TEST_HOOKS") &&
               strcmp(getenv("LOA_TEST_HOOKS"), "1") == 0) {
        /* Test hooks (tests/daemon only; refused unless LOA_TEST_HOOKS=1): a main loop
         * that stalls, a disk that fills up and frees again. */
        if (strcmp(cmd, "test-stall") == 0 && n > 1) {
            reply(c, LOA_EXIT_OK, "stalling\n");
            shutdown(c->fd, SHUT_RDWR); /* the caller has its answer before the stall */
            g_usleep((gulong)strtoul(words[1], NULL, 10) * 1000);
        } else if (strcmp(cmd, "test-disk-full") == 0) {
            ledger_set_page_limit(d->ledger, 1);
            reply(c, LOA_EXIT_OK, "disk full\n");
        } else if (strcmp(cmd, "test-disk-ok") == 0) {
            ledger_set_page_limit(d->ledger, 0);
            int r = ledger_flush(d->ledger);
            reply(c, r == 0 ? LOA_EXIT_OK : LOA_EXIT_RUNTIME, "flushed\n");
        } else {
            reply(c, LOA_EXIT_USAGE, "unknown test hook\n");
        }
    } else if (strcmp(cmd, "kiosk-subscribe") == 0) {
        c->kiosk = true;
        fw_kiosk_feed_greet(d, kiosk_send, c);
        return true;
    } else {
        reply(c, LOA_EXIT_USAGE, "unknown request\n");
    }
    return false;
}

/* A kiosk feed sends PROOF messages back. */
static void handle_kiosk_msg(struct conn *c, const void *buf, size_t len)
{
    struct kiosk_msg *m = NULL;
    if (kiosk_msg_decode(buf, len, &m) < 0)
        return;
    if (m->kind == KIOSK_MSG_PROOF)
        fw_kiosk_feed_proof(c->ctl->d, m);
    kiosk_msg_free(m);
}

static gboolean on_conn(gint fd, GIOCondition cond, gpointer data)
{
    struct conn *c = data;
    char buf[65536];
    union {
        char b[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } cm;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof cm.b};
    (void)cond;
    ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfd; i++) {
            int f;
            memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof f);
            if (c->passed_fd < 0)
                c->passed_fd = f;
            else
                close(f);
        }
    }
    if (n <= 0) {
        c->watch = 0;
        conn_close(c);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_append(c->in, (const guint8 *)buf, (guint)n);
    while (c->in->len >= 4) {
        const guint8 *h = c->in->data;
        size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 | (size_t)h[3] << 24;
        if (len > FW_CONTROL_MAX_MSG) {
            c->watch = 0;
            conn_close(c);
            return G_SOURCE_REMOVE;
        }
        if (c->in->len < 4 + len)
            break;
        if (c->kiosk) {
            handle_kiosk_msg(c, c->in->data + 4, len);
            g_byte_array_remove_range(c->in, 0, (guint)(4 + len));
            continue;
        }
        char *req = g_strndup((const char *)c->in->data + 4, len);
        g_byte_array_remove_range(c->in, 0, (guint)(4 + len));
        bool keep = g_utf8_validate(req, -1, NULL) ? handle(c, req) : false;
        g_free(req);
        if (!keep) {
            c->watch = 0;
            conn_close(c);
            return G_SOURCE_REMOVE;
        }
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
    struct fw_control *ctl = data;
    (void)cond;
    int s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (s < 0)
        return G_SOURCE_CONTINUE;
    size_t slot = MAX_CONNECTIONS;
    for (size_t i = 0; i < MAX_CONNECTIONS; i++)
        if (!ctl->conns[i]) {
            slot = i;
            break;
        }
    if (slot == MAX_CONNECTIONS) {
        close(s);
        return G_SOURCE_CONTINUE;
    }
    /* Replies are small and written at once; a client that does not read gets 1 s. */
    int fl = fcntl(s, F_GETFL);
    fcntl(s, F_SETFL, fl & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = 1};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct conn *c = g_new0(struct conn, 1);
    c->ctl = ctl;
    c->fd = s;
    c->passed_fd = -1;
    c->in = g_byte_array_new();
    struct ucred cr;
    socklen_t len = sizeof cr;
    c->uid = getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 ? (int64_t)cr.uid : -1;
    c->watch = g_unix_fd_add(s, G_IO_IN | G_IO_HUP | G_IO_ERR, on_conn, c);
    ctl->conns[slot] = c;
    return G_SOURCE_CONTINUE;
}

int fw_control_new(struct fw_daemon *d, struct fw_control **ret)
{
    struct fw_control *ctl = g_new0(struct fw_control, 1);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    ctl->d = d;
    ctl->fd = -1;
    fw_control_socket_path(d->data_dir, ctl->path, sizeof ctl->path);
    if (strlen(ctl->path) >= sizeof sa.sun_path) {
        g_free(ctl);
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, ctl->path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) {
        g_free(ctl);
        return -errno;
    }
    /* A socket file left by a daemon that died: remove it, unless someone answers. */
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        if (connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            close(s);
            g_free(ctl);
            return -EADDRINUSE;
        }
        close(probe);
    }
    unlink(ctl->path);
    mode_t old = umask(0117); /* the socket file is created 0660 */
    int r = bind(s, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (r < 0 || listen(s, 16) < 0) {
        r = -errno;
        close(s);
        g_free(ctl);
        return r;
    }
    chmod(ctl->path, 0660);
    struct group *grp = getgrnam("loa");
    if (grp && chown(ctl->path, (uid_t)-1, grp->gr_gid) < 0) {
        /* Not fatal: the service user may not be in the group (tests, the demo). */
    }
    ctl->fd = s;
    ctl->watch = g_unix_fd_add(s, G_IO_IN, on_accept, ctl);
    *ret = ctl;
    return 0;
}

struct fw_control *fw_control_free(struct fw_control *ctl)
{
    if (!ctl)
        return NULL;
    for (size_t i = 0; i < MAX_CONNECTIONS; i++)
        if (ctl->conns[i])
            conn_close(ctl->conns[i]);
    if (ctl->watch)
        g_source_remove(ctl->watch);
    if (ctl->fd >= 0) {
        close(ctl->fd);
        unlink(ctl->path);
    }
    g_free(ctl);
    return NULL;
}

void fw_control_kiosk_broadcast(struct fw_control *ctl, const void *buf, size_t len)
{
    if (!ctl)
        return;
    for (size_t i = 0; i < MAX_CONNECTIONS; i++) {
        struct conn *c = ctl->conns[i];
        if (c && c->kiosk && fw_control_send(c->fd, buf, len, -1) < 0)
            conn_close(c); /* a kiosk that does not read is dropped; it reconnects */
    }
}

void fw_control_kiosk_drain(struct fw_control *ctl, int timeout_ms)
{
    int64_t end = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
    while (ctl && fw_control_kiosk_count(ctl) > 0) {
        struct pollfd pfd[MAX_CONNECTIONS];
        struct conn *who[MAX_CONNECTIONS];
        nfds_t n = 0;
        for (size_t i = 0; i < MAX_CONNECTIONS; i++) {
            struct conn *c = ctl->conns[i];
            if (c && c->kiosk) {
                /* Read here from now on, not from the (stopped) main loop. */
                if (c->watch)
                    g_source_remove(c->watch);
                c->watch = 0;
                pfd[n] = (struct pollfd){.fd = c->fd, .events = POLLIN};
                who[n++] = c;
            }
        }
        int64_t left = (end - g_get_monotonic_time()) / 1000;
        if (left <= 0 || poll(pfd, n, (int)left) <= 0)
            return;
        for (nfds_t i = 0; i < n; i++)
            if (pfd[i].revents)
                on_conn(who[i]->fd, G_IO_IN, who[i]); /* may close (and free) it */
    }
}

size_t fw_control_kiosk_count(const struct fw_control *ctl)
{
    size_t n = 0;
    if (!ctl)
        return 0;
    for (size_t i = 0; i < MAX_CONNECTIONS; i++)
        if (ctl->conns[i] && ctl->conns[i]->kiosk)
            n++;
    return n;
}
