/* Relays of HTTP streams from a tiny server this test runs on 127.0.0.1 (GSocket, one
 * thread per connection, a WAV stream paced at real time):
 *  - a live stream plays for its seconds (real-time fakesink output), on time;
 *  - an unreachable URL (a closed port) fails stream-unreachable after bounded retries with
 *    back-off, inside the airing's window; so does an HTTP 404;
 *  - a stream that stops sending fails stall; one that drops once is reconnected and
 *    completes; a stream of digital silence fails silence. */
#include <gio/gio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audio_test_util.h"

#define RATE 16000

enum mode { M_STREAM, M_STALL_AFTER, M_CLOSE_FIRST_AFTER, M_404, M_SILENCE };

struct server {
    GSocket *listener;
    int port;
    enum mode mode;
    int64_t after_usec;
    gint connections;
    gint stop;
    GThread *thread;
};

struct conn {
    struct server *s;
    GSocket *sock;
    int index;
};

static bool send_all(GSocket *sock, const void *buf, gsize n)
{
    const char *p = buf;
    while (n > 0) {
        gssize w = g_socket_send(sock, p, n, NULL, NULL);
        if (w <= 0)
            return false;
        p += w;
        n -= (gsize)w;
    }
    return true;
}

static gpointer conn_thread(gpointer data)
{
    struct conn *c = data;
    struct server *s = c->s;
    char req[2048];
    gssize n = g_socket_receive(c->sock, req, sizeof req - 1, NULL, NULL); /* the request */
    (void)n;
    if (s->mode == M_404) {
        const char *r = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        send_all(c->sock, r, strlen(r));
        goto out;
    }
    const char *hdr = "HTTP/1.0 200 OK\r\nContent-Type: audio/x-wav\r\n\r\n";
    unsigned char wav[44];
    uint32_t data_size = 0x7ffff000u;
    memcpy(wav, "RIFF", 4);
    uint32_t v = data_size + 36;
    memcpy(wav + 4, &v, 4);
    memcpy(wav + 8, "WAVEfmt ", 8);
    v = 16;
    memcpy(wav + 16, &v, 4);
    uint16_t fmt = 1, ch = 1, bits = 16, align = 2;
    memcpy(wav + 20, &fmt, 2);
    memcpy(wav + 22, &ch, 2);
    v = RATE;
    memcpy(wav + 24, &v, 4);
    v = RATE * 2;
    memcpy(wav + 28, &v, 4);
    memcpy(wav + 32, &align, 2);
    memcpy(wav + 34, &bits, 2);
    memcpy(wav + 36, "data", 4);
    memcpy(wav + 40, &data_size, 4);
    if (!send_all(c->sock, hdr, strlen(hdr)) || !send_all(c->sock, wav, sizeof wav))
        goto out;
    /* 20 ms chunks, a 0.3 s burst then real time (as Icecast does). */
    int16_t chunk[RATE / 50];
    int64_t t0 = g_get_monotonic_time();
    uint64_t frame = 0;
    for (;;) {
        if (g_atomic_int_get(&s->stop))
            break;
        int64_t sent_usec = (int64_t)(frame * G_USEC_PER_SEC / RATE);
        bool limited =
            s->mode == M_STALL_AFTER || (s->mode == M_CLOSE_FIRST_AFTER && c->index == 1);
        if (limited && sent_usec >= s->after_usec) {
            if (s->mode == M_CLOSE_FIRST_AFTER)
                break; /* close: the client sees the stream end */
            g_usleep(20000); /* stall: hold the connection, send nothing */
            continue;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(chunk); i++, frame++)
            chunk[i] = s->mode == M_SILENCE
                           ? 0
                           : (int16_t)(12000 * sin(2 * G_PI * 440.0 * (double)frame / RATE));
        if (!send_all(c->sock, chunk, sizeof chunk))
            break;
        int64_t due = t0 + sent_usec - 300000;
        int64_t now = g_get_monotonic_time();
        if (due > now)
            g_usleep((gulong)(due - now));
    }
out:
    g_socket_close(c->sock, NULL);
    g_object_unref(c->sock);
    g_free(c);
    return NULL;
}

static gpointer accept_thread(gpointer data)
{
    struct server *s = data;
    GPtrArray *threads = g_ptr_array_new();
    while (!g_atomic_int_get(&s->stop)) {
        GError *err = NULL;
        if (!g_socket_condition_timed_wait(s->listener, G_IO_IN, 50000, NULL, &err)) {
            g_clear_error(&err);
            continue;
        }
        GSocket *sock = g_socket_accept(s->listener, NULL, &err);
        if (!sock) {
            g_clear_error(&err);
            continue;
        }
        g_socket_set_blocking(sock, TRUE);
        struct conn *c = g_new0(struct conn, 1);
        c->s = s;
        c->sock = sock;
        c->index = g_atomic_int_add(&s->connections, 1) + 1;
        g_ptr_array_add(threads, g_thread_new("conn", conn_thread, c));
    }
    for (guint i = 0; i < threads->len; i++)
        g_thread_join(g_ptr_array_index(threads, i));
    g_ptr_array_free(threads, TRUE);
    return NULL;
}

static GSocket *listen_local(int *ret_port)
{
    GError *err = NULL;
    GSocket *s =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
    g_assert_no_error(err);
    GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress *addr = g_inet_socket_address_new(lo, 0);
    g_assert_true(g_socket_bind(s, addr, TRUE, &err));
    g_assert_no_error(err);
    g_assert_true(g_socket_listen(s, &err));
    GSocketAddress *bound = g_socket_get_local_address(s, &err);
    *ret_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_object_unref(bound);
    g_object_unref(addr);
    g_object_unref(lo);
    return s;
}

static struct server *server_start(enum mode mode, int64_t after_usec)
{
    struct server *s = g_new0(struct server, 1);
    s->mode = mode;
    s->after_usec = after_usec;
    s->listener = listen_local(&s->port);
    g_socket_set_blocking(s->listener, FALSE);
    s->thread = g_thread_new("accept", accept_thread, s);
    return s;
}

static void server_stop(struct server *s)
{
    g_atomic_int_set(&s->stop, 1);
    g_thread_join(s->thread);
    g_socket_close(s->listener, NULL);
    g_object_unref(s->listener);
    g_free(s);
}

struct run {
    struct audio_result r;
    int64_t planned;
    int64_t started;
    int64_t waited_usec;
};

/* Relay url for duration_usec from planned = now + 300 ms on output. */
static struct run relay(const char *url, int64_t duration_usec, const char *output,
                        const struct audio_config *tweak)
{
    struct run x = {0};
    GMainContext *ctx = g_main_context_new();
    struct at_rec *rec = g_new0(struct at_rec, 1);
    struct audio_callbacks cb = at_callbacks(rec);
    struct audio_config cfg = tweak ? *tweak : at_config(output);
    cfg.output = output;
    cfg.volume = 1.0;
    struct audio_player *p = NULL;
    g_assert_cmpint(audio_player_new(&cfg, &cb, ctx, &p, NULL), ==, 0);
    struct audio_item it = {
        .cookie = 1, .kind = AUDIO_ITEM_RELAY, .location = url, .duration_usec = duration_usec};
    int64_t t0 = g_get_monotonic_time();
    x.planned = g_get_real_time() + 300000;
    g_assert_cmpint(audio_player_prepare(p, &it), ==, 0);
    g_assert_cmpint(audio_player_start_at(p, 1, x.planned), ==, 0);
    const struct audio_result *r =
        at_wait_finished(ctx, rec, 1, 300000 + duration_usec + 6 * G_USEC_PER_SEC);
    g_assert_nonnull(r);
    x.waited_usec = g_get_monotonic_time() - t0;
    x.r = *r;
    x.started = at_started(rec, 1);
    g_test_message("%s: %s (%s) after %.3f s, played %.3f s, start %+.1f ms: %s", url,
                   audio_outcome_to_string(r->outcome), audio_reason_to_string(r->reason),
                   x.waited_usec / 1e6, r->played_usec / 1e6,
                   r->started ? (r->start_usec - x.planned) / 1000.0 : 0.0, r->detail);
    audio_player_free(p);
    g_free(rec);
    g_main_context_unref(ctx);
    return x;
}

static char *url_of(int port, const char *path)
{
    return g_strdup_printf("http://127.0.0.1:%d/%s", port, path);
}

static void test_plays_for_its_seconds(void)
{
    struct server *s = server_start(M_STREAM, 0);
    char *url = url_of(s->port, "live.wav");
    struct run x = relay(url, 2 * G_USEC_PER_SEC, "fakesink", NULL);
    g_assert_cmpint(x.r.outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_true(x.r.started);
    g_assert_cmpint(x.r.start_usec, ==, x.started);
    g_assert_cmpint(x.r.start_usec, >=, x.planned);
    g_assert_cmpint(x.r.start_usec - x.planned, <=, 150000);
    g_assert_cmpint(llabs(x.r.played_usec - 2 * G_USEC_PER_SEC), <=, 250000);
    g_assert_cmpint(llabs(x.r.end_usec - (x.planned + 2 * G_USEC_PER_SEC)), <=, 250000);
    g_assert_cmpint(g_atomic_int_get(&s->connections), ==, 1);
    g_free(url);
    server_stop(s);
}

static void test_unreachable(void)
{
    /* A port that was just free: connection refused. */
    int port;
    GSocket *tmp = listen_local(&port);
    g_socket_close(tmp, NULL);
    g_object_unref(tmp);
    char *url = url_of(port, "gone");
    struct run x = relay(url, 10 * G_USEC_PER_SEC, "fakesink", NULL);
    g_assert_cmpint(x.r.outcome, ==, AUDIO_OUTCOME_FAILED);
    g_assert_cmpstr(audio_reason_to_string(x.r.reason), ==, "stream-unreachable");
    g_assert_false(x.r.started);
    /* Four attempts (3 retries) with back-off 0.5 + 1 + 2 s, well inside the window. */
    g_assert_nonnull(strstr(x.r.detail, "(4 attempts)"));
    g_assert_cmpint(x.waited_usec, >=, 3500000);
    g_assert_cmpint(x.r.end_usec - x.planned, <=, 10 * G_USEC_PER_SEC);
    g_free(url);

    /* A short window cuts the retries short: nothing is tried past its end. */
    url = url_of(port, "gone-short");
    x = relay(url, 2 * G_USEC_PER_SEC, "fakesink", NULL);
    g_assert_cmpstr(audio_reason_to_string(x.r.reason), ==, "stream-unreachable");
    g_assert_cmpint(x.r.end_usec - x.planned, <=, 2 * G_USEC_PER_SEC);
    g_assert_null(strstr(x.r.detail, "(4 attempts)"));
    g_free(url);
}

static void test_not_found(void)
{
    struct server *s = server_start(M_404, 0);
    char *url = url_of(s->port, "missing");
    struct audio_config cfg = at_config(NULL);
    cfg.relay_retries = 1;
    struct run x = relay(url, 5 * G_USEC_PER_SEC, "fakesink", &cfg);
    g_assert_cmpint(x.r.outcome, ==, AUDIO_OUTCOME_FAILED);
    g_assert_cmpstr(audio_reason_to_string(x.r.reason), ==, "stream-unreachable");
    g_assert_cmpint(g_atomic_int_get(&s->connections), ==, 2);
    g_free(url);
    server_stop(s);
}

static void test_stall(void)
{
    struct server *s = server_start(M_STALL_AFTER, 700000);
    char *url = url_of(s->port, "stalls.wav");
    struct audio_config cfg = at_config(NULL);
    cfg.stall_usec = G_USEC_PER_SEC;
    cfg.relay_retries = 1;
    struct run x = relay(url, 20 * G_USEC_PER_SEC, "fakesink", &cfg);
    g_assert_cmpint(x.r.outcome, ==, AUDIO_OUTCOME_FAILED);
    g_assert_cmpstr(audio_reason_to_string(x.r.reason), ==, "stall");
    g_assert_true(x.r.started);
    g_assert_cmpint(g_atomic_int_get(&s->connections), ==, 2); /* one reconnection */
    g_assert_cmpint(x.r.played_usec, >=, 1000000); /* two stretches of ~0.7 s + burst */
    g_assert_cmpint(x.r.end_usec - x.planned, <, 20 * G_USEC_PER_SEC);
    g_free(url);
    server_stop(s);
}

static void test_reconnects(void)
{
    struct server *s = server_start(M_CLOSE_FIRST_AFTER, 800000);
    char *url = url_of(s->port, "drops-once.wav");
    struct run x = relay(url, 4 * G_USEC_PER_SEC, "fakesink", NULL);
    g_assert_cmpint(x.r.outcome, ==, AUDIO_OUTCOME_COMPLETED);
    g_assert_cmpint(g_atomic_int_get(&s->connections), ==, 2);
    g_assert_cmpint(x.r.played_usec, >=, 2500000);
    g_assert_cmpint(x.r.played_usec, <=, 4100000);
    g_assert_cmpint(llabs(x.r.end_usec - (x.planned + 4 * G_USEC_PER_SEC)), <=, 250000);
    g_free(url);
    server_stop(s);
}

static void test_silent_stream(void)
{
    struct server *s = server_start(M_SILENCE, 0);
    char *url = url_of(s->port, "dead-air.wav");
    struct audio_config cfg = at_config(NULL);
    cfg.silence_usec = 1500000;
    struct run x = relay(url, 10 * G_USEC_PER_SEC, "fakesink", &cfg);
    g_assert_cmpint(x.r.outcome, ==, AUDIO_OUTCOME_FAILED);
    g_assert_cmpstr(audio_reason_to_string(x.r.reason), ==, "silence");
    g_assert_cmpint(x.waited_usec, <, 5 * G_USEC_PER_SEC);
    g_free(url);
    server_stop(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gst_init(&argc, &argv);
    GstElementFactory *f = gst_element_factory_find("souphttpsrc");
    if (!f) {
        printf("SKIP: souphttpsrc (gstreamer1.0-plugins-good) is not installed\n");
        return 77;
    }
    gst_object_unref(f);
    g_test_add_func("/audio/relay/plays-for-its-seconds", test_plays_for_its_seconds);
    g_test_add_func("/audio/relay/unreachable", test_unreachable);
    g_test_add_func("/audio/relay/not-found", test_not_found);
    g_test_add_func("/audio/relay/stall", test_stall);
    g_test_add_func("/audio/relay/reconnects", test_reconnects);
    g_test_add_func("/audio/relay/silent-stream", test_silent_stream);
    return g_test_run();
}
