/* The kiosk's connection to the daemon (see fw_kiosk_client.h; framing in fw_control.h). */
#include "fw_kiosk_client.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fw_control.h"

struct fw_kiosk_client {
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct fw_kiosk_client_ops ops;
    void *userdata;
    int fd; /* -1 when not connected */
    guint watch, retry, tell;
    GByteArray *in;
    GQueue queued; /* GBytes: encoded PROOF messages not sent yet */
};

static void schedule_retry(struct fw_kiosk_client *c);

static gboolean on_tell(gpointer data)
{
    struct fw_kiosk_client *c = data;
    c->tell = 0;
    if (c->fd < 0 && c->ops.disconnected)
        c->ops.disconnected(c->userdata);
    return G_SOURCE_REMOVE;
}

/* tell: the owner hears of it from the main loop, never from inside its own call (a
 * proof record is sent from within kiosk_update()). */
static void drop(struct fw_kiosk_client *c, bool tell)
{
    if (c->watch)
        g_source_remove(c->watch);
    c->watch = 0;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    g_byte_array_set_size(c->in, 0);
    if (tell && !c->tell)
        c->tell = g_idle_add(on_tell, c);
}

/* Send the queue in order; a record leaves it only once written. Returns false when
 * the connection failed (dropped). */
static bool flush(struct fw_kiosk_client *c)
{
    while (c->fd >= 0 && !g_queue_is_empty(&c->queued)) {
        GBytes *b = g_queue_peek_head(&c->queued);
        gsize len;
        const void *data = g_bytes_get_data(b, &len);
        if (fw_control_send(c->fd, data, len, -1) < 0)
            return false;
        g_bytes_unref(g_queue_pop_head(&c->queued));
    }
    return true;
}

static gboolean on_input(gint fd, GIOCondition cond, gpointer data)
{
    struct fw_kiosk_client *c = data;
    char buf[65536];
    (void)cond;
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        c->watch = 0;
        drop(c, true);
        schedule_retry(c);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_append(c->in, (const guint8 *)buf, (guint)n);
    while (c->in->len >= 4) {
        const guint8 *h = c->in->data;
        size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 | (size_t)h[3] << 24;
        if (len > FW_CONTROL_MAX_MSG) {
            c->watch = 0;
            drop(c, true);
            schedule_retry(c);
            return G_SOURCE_REMOVE;
        }
        if (c->in->len < 4 + len)
            break;
        struct kiosk_msg *m = NULL;
        int r = kiosk_msg_decode(c->in->data + 4, len, &m);
        g_byte_array_remove_range(c->in, 0, (guint)(4 + len));
        if (r < 0)
            continue; /* a message this kiosk does not understand: ignored, never half-applied */
        c->ops.message(c->userdata, m);
        kiosk_msg_free(m);
        if (c->fd < 0)
            return G_SOURCE_REMOVE; /* the callback ended the connection (freed watch) */
    }
    return G_SOURCE_CONTINUE;
}

/* One attempt. Returns true when subscribed. */
static bool try_connect(struct fw_kiosk_client *c)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, c->path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return false;
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(s);
        return false;
    }
    /* Writes block at most a second: a daemon that stops reading is a dropped link. */
    struct timeval tv = {.tv_sec = 1};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    static const char req[] = "kiosk-subscribe";
    if (fw_control_send(s, req, sizeof req - 1, -1) < 0) {
        close(s);
        return false;
    }
    c->fd = s;
    c->watch = g_unix_fd_add(s, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, c);
    if (c->ops.connected)
        c->ops.connected(c->userdata);
    if (!flush(c)) {
        drop(c, true);
        return false;
    }
    return true;
}

static gboolean on_retry(gpointer data)
{
    struct fw_kiosk_client *c = data;
    if (try_connect(c)) {
        c->retry = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void schedule_retry(struct fw_kiosk_client *c)
{
    if (!c->retry)
        c->retry = g_timeout_add(FW_KIOSK_CLIENT_RETRY_MS, on_retry, c);
}

int fw_kiosk_client_new(const char *socket_path, const struct fw_kiosk_client_ops *ops,
                        void *userdata, struct fw_kiosk_client **ret)
{
    if (strlen(socket_path) >= sizeof((struct fw_kiosk_client *)0)->path)
        return -ENAMETOOLONG;
    struct fw_kiosk_client *c = g_new0(struct fw_kiosk_client, 1);
    strcpy(c->path, socket_path);
    c->ops = *ops;
    c->userdata = userdata;
    c->fd = -1;
    c->in = g_byte_array_new();
    g_queue_init(&c->queued);
    if (!try_connect(c))
        schedule_retry(c);
    *ret = c;
    return 0;
}

struct fw_kiosk_client *fw_kiosk_client_free(struct fw_kiosk_client *c)
{
    if (!c)
        return NULL;
    flush(c);
    if (c->retry)
        g_source_remove(c->retry);
    if (c->tell)
        g_source_remove(c->tell);
    drop(c, false);
    g_queue_clear_full(&c->queued, (GDestroyNotify)g_bytes_unref);
    g_byte_array_unref(c->in);
    g_free(c);
    return NULL;
}

void fw_kiosk_client_proof(struct fw_kiosk_client *c, const struct kiosk_proof_record *rec)
{
    struct kiosk_msg m = {.kind = KIOSK_MSG_PROOF, .proof = *rec};
    void *buf = NULL;
    size_t len = 0;
    if (kiosk_msg_encode(&m, &buf, &len) < 0)
        return;
    g_queue_push_tail(&c->queued, g_bytes_new_take(buf, len));
    while (g_queue_get_length(&c->queued) > FW_KIOSK_CLIENT_MAX_QUEUED)
        g_bytes_unref(g_queue_pop_head(&c->queued));
    if (c->fd >= 0 && !flush(c)) {
        drop(c, true);
        schedule_retry(c);
    }
}

bool fw_kiosk_client_connected(const struct fw_kiosk_client *c)
{
    return c && c->fd >= 0;
}
