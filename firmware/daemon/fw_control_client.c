/* The client side of the control socket (protocol in fw_control.h). */
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fw_control.h"
#include "fw_data_dir.h"

int fw_control_send(int sock, const void *buf, size_t len, int fd)
{
    if (len > FW_CONTROL_MAX_MSG)
        return -EMSGSIZE;
    uint8_t hdr[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 24)};
    struct iovec iov[2] = {{hdr, 4}, {(void *)buf, len}};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } cm;
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    if (fd >= 0) {
        memset(&cm, 0, sizeof cm);
        mh.msg_control = cm.buf;
        mh.msg_controllen = sizeof cm.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    size_t total = 4 + len, sent = 0;
    while (sent < total) {
        ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        sent += (size_t)n;
        /* Only the first sendmsg carries the descriptor; advance the iovecs. */
        mh.msg_control = NULL;
        mh.msg_controllen = 0;
        size_t skip = (size_t)n;
        for (size_t i = 0; i < mh.msg_iovlen; i++) {
            size_t take = skip < iov[i].iov_len ? skip : iov[i].iov_len;
            iov[i].iov_base = (char *)iov[i].iov_base + take;
            iov[i].iov_len -= take;
            skip -= take;
        }
    }
    return 0;
}

static int read_full(int sock, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(sock, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EPIPE;
        got += (size_t)n;
    }
    return 0;
}

int fw_control_recv(int sock, void **ret_buf, size_t *ret_len)
{
    uint8_t hdr[4];
    int r = read_full(sock, hdr, 4);
    if (r < 0)
        return r;
    size_t len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
    if (len > FW_CONTROL_MAX_MSG)
        return -EMSGSIZE;
    char *buf = g_malloc(len + 1);
    r = read_full(sock, buf, len);
    if (r < 0) {
        g_free(buf);
        return r;
    }
    buf[len] = '\0';
    *ret_buf = buf;
    *ret_len = len;
    return 0;
}

int fw_control_client_path(const struct fw_globals *g, char *buf, size_t size)
{
    const char *env = getenv("LOA_CONTROL_SOCKET");
    if (env && *env) {
        snprintf(buf, size, "%s", env);
        return LOA_EXIT_OK;
    }
    char dir[4096];
    int x = fw_data_dir(g, NULL, dir, sizeof dir);
    if (x != LOA_EXIT_OK)
        return x;
    snprintf(buf, size, "%s/control.sock", dir);
    return LOA_EXIT_OK;
}

int fw_control_call(const struct fw_globals *g, const char *request, int fd, int timeout_ms,
                    int *ret_exit, char **ret_text)
{
    char path[4200];
    if (fw_control_client_path(g, path, sizeof path) != LOA_EXIT_OK)
        return -EINVAL;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = -errno;
        close(s);
        return e;
    }
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int r = fw_control_send(s, request, strlen(request), fd);
    void *reply = NULL;
    size_t len = 0;
    if (r >= 0)
        r = fw_control_recv(s, &reply, &len);
    close(s);
    if (r < 0)
        return r == -EAGAIN ? -ETIMEDOUT : r;
    char *text = reply;
    int code = LOA_EXIT_RUNTIME;
    char *body = strchr(text, '\n');
    body = body ? body + 1 : text + len;
    if (strncmp(text, "ok\n", 3) == 0)
        code = LOA_EXIT_OK;
    else if (sscanf(text, "error %d", &code) != 1)
        code = LOA_EXIT_RUNTIME;
    *ret_exit = code;
    *ret_text = g_strdup(body);
    g_free(reply);
    return 0;
}

int fw_control_run(const struct fw_globals *g, const char *request, int fd)
{
    int code = LOA_EXIT_RUNTIME;
    char *text = NULL;
    int r = fw_control_call(g, request, fd, 30000, &code, &text);
    if (r == -ENOENT || r == -ECONNREFUSED) {
        fw_error("no daemon is running (nothing listens on the control socket)");
        return LOA_EXIT_RUNTIME;
    }
    if (r < 0) {
        fw_error("control socket: %s", strerror(-r));
        return LOA_EXIT_RUNTIME;
    }
    if (code == LOA_EXIT_OK) {
        fputs(text, stdout);
    } else {
        g_strchomp(text);
        fw_error("%s", text);
    }
    g_free(text);
    return code;
}
