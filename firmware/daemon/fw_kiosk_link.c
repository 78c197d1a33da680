/* The kiosk as a supervised child process (SPEC.md "Kiosk isolation": a GPU driver crash,
 * a missing font or no display never stops a broadcast).
 *
 * The daemon starts `loa kiosk` with the same config and data dir, watches it with a
 * child watch and starts it again one second after it dies (SPEC.md: the screen is
 * blank for at most 5 s). The daemon stays the only writer of the ledger: the kiosk's
 * proof-of-display records arrive either as KIOSK_MSG_PROOF over a `kiosk-subscribe`
 * control connection (kiosk_feed.h), or — from today's `loa kiosk`, which still feeds
 * itself from the library and the plan — as its "proof notice=…" lines on stdout; both
 * become ledger `notice` records (local times converted with the device's zone).
 * Kiosk subscribers of the control socket get CONTENT/SCHEDULE/AIRING messages.
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
    guint child_watch, out_watch, restart_id;
    int out_fd;
    GString *line;
    unsigned restarts;
    bool stopping;
};

static int spawn(struct fw_kiosk_link *k);

/* "YYYY-MM-DD HH:MM:SS" local → UTC µs. */
static bool parse_local(struct fw_daemon *d, const char *s, int64_t *ret)
{
    int32_t day;
    int64_t tod;
    if (civil_parse_datetime(s, &day, &tod) < 0)
        return false;
    *ret = d->tz.to_utc(d->tz.userdata, day, tod);
    return true;
}

/* The value of key="..." or key=... in a proof line (copied into buf). */
static bool field(const char *line, const char *key, char *buf, size_t size)
{
    char pat[32];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(line, pat);
    if (!p)
        return false;
    p += strlen(pat);
    size_t n;
    if (*p == '"') {
        p++;
        const char *e = strchr(p, '"');
        if (!e)
            return false;
        n = (size_t)(e - p);
    } else {
        n = strcspn(p, " \n");
    }
    if (n >= size)
        n = size - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

static void write_notice(struct fw_daemon *d, const char *id, const char *title, int64_t first,
                         int64_t last, int64_t times, int64_t seconds)
{
    struct ledger_record r;
    ledger_record_init(&r, LEDGER_NOTICE);
    r.written_usec = fw_daemon_now(d);
    r.trust = fw_daemon_record_trust(d);
    r.item_id = id;
    r.title = title;
    r.shown_first_usec = first;
    r.shown_last_usec = last;
    r.shown_times = times;
    r.shown_seconds = seconds;
    fw_record_append(d, &r);
}

static void proof_line(struct fw_kiosk_link *k, const char *line)
{
    char id[128], title[512], a[40], b[40], times[32], secs[32];
    if (strncmp(line, "proof", 5) != 0)
        return;
    if (!field(line, "notice", id, sizeof id) || !field(line, "first", a, sizeof a) ||
        !field(line, "last", b, sizeof b) || !field(line, "times", times, sizeof times) ||
        !field(line, "seconds", secs, sizeof secs))
        return;
    if (!field(line, "title", title, sizeof title) || !g_utf8_validate(title, -1, NULL))
        title[0] = '\0';
    int64_t first, last;
    if (!parse_local(k->d, a, &first) || !parse_local(k->d, b, &last))
        return;
    write_notice(k->d, id, title, first, last, g_ascii_strtoll(times, NULL, 10),
                 (int64_t)(g_ascii_strtod(secs, NULL) + 0.5));
}

static gboolean on_output(gint fd, GIOCondition cond, gpointer data)
{
    struct fw_kiosk_link *k = data;
    char buf[4096];
    (void)cond;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && errno == EINTR)
            return G_SOURCE_CONTINUE;
        close(k->out_fd);
        k->out_fd = -1;
        k->out_watch = 0;
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(k->line, buf, n);
    char *nl;
    while ((nl = memchr(k->line->str, '\n', k->line->len))) {
        *nl = '\0';
        proof_line(k, k->line->str);
        g_string_erase(k->line, 0, nl - k->line->str + 1);
    }
    if (k->line->len > 65536)
        g_string_truncate(k->line, 0);
    return G_SOURCE_CONTINUE;
}

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
    GError *e = NULL;
    int out = -1;
    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &k->pid, NULL, &out, NULL, &e)) {
        fw_daemon_error(d, "kiosk: cannot start it: %s", e ? e->message : "?");
        g_clear_error(&e);
        return -EIO;
    }
    if (k->out_watch)
        g_source_remove(k->out_watch);
    if (k->out_fd >= 0)
        close(k->out_fd);
    k->out_fd = out;
    g_string_truncate(k->line, 0);
    k->out_watch = g_unix_fd_add(out, G_IO_IN | G_IO_HUP, on_output, k);
    k->child_watch = g_child_watch_add(k->pid, on_exit_cb, k);
    k->restarts++;
    return 0;
}

int fw_kiosk_link_new(struct fw_daemon *d, struct fw_kiosk_link **ret)
{
    struct fw_kiosk_link *k = g_new0(struct fw_kiosk_link, 1);
    k->d = d;
    k->out_fd = -1;
    k->line = g_string_new(NULL);
    int r = spawn(k);
    if (r < 0) {
        g_string_free(k->line, TRUE);
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
        /* SIGTERM: the kiosk closes its proof periods (shutdown) and prints them. */
        kill(k->pid, SIGTERM);
        for (int i = 0; i < 150; i++) {
            int status;
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
    /* The last proof records (closed at shutdown). */
    if (k->out_fd >= 0) {
        char buf[4096];
        ssize_t n;
        while ((n = read(k->out_fd, buf, sizeof buf)) > 0)
            g_string_append_len(k->line, buf, n);
        char *save = NULL;
        for (char *l = strtok_r(k->line->str, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            proof_line(k, l);
        close(k->out_fd);
    }
    if (k->out_watch)
        g_source_remove(k->out_watch);
    g_string_free(k->line, TRUE);
    g_free(k);
    return NULL;
}

int fw_kiosk_link_pid(const struct fw_kiosk_link *k)
{
    return k ? (int)k->pid : 0;
}

/* ---- Kiosk feeds over the control socket ------------------------------------------- */

static int64_t to_lt(const struct fw_daemon *d, int64_t utc)
{
    int32_t day;
    int64_t tod;
    d->tz.to_local(d->tz.userdata, utc, &day, &tod);
    return kiosk_lt(day, tod);
}

static void broadcast(struct fw_daemon *d, const struct kiosk_msg *m)
{
    void *buf = NULL;
    size_t len = 0;
    if (!d->control || fw_control_kiosk_count(d->control) == 0)
        return;
    if (kiosk_msg_encode(m, &buf, &len) < 0)
        return;
    fw_control_kiosk_broadcast(d->control, buf, len);
    free(buf);
}

void fw_kiosk_link_content(struct fw_daemon *d)
{
    const struct fw_gen *g = d->n_gens ? d->gens[d->n_gens - 1] : NULL;
    if (!g)
        return;
    struct kiosk_msg m = {.kind = KIOSK_MSG_CONTENT};
    m.identity.commune = g->config->device.commune.name;
    m.identity.province = g->config->device.province.name;
    m.identity.district =
        g->config->device.district.present ? g->config->device.district.name : NULL;
    m.rotate_seconds = g->config->kiosk.rotate_seconds;
    m.screen_off.enabled = g->config->kiosk.has_screen_off;
    m.screen_off.start_usec = g->config->kiosk.screen_off_start_usec;
    m.screen_off.end_usec = g->config->kiosk.screen_off_end_usec;
    broadcast(d, &m);
}

void fw_kiosk_link_airing(struct fw_daemon *d, const struct fw_airing_info *info,
                          const struct fw_airing *a, int64_t start_utc)
{
    struct kiosk_msg m = {.kind = KIOSK_MSG_AIRING};
    if (info && a) {
        m.airing.active = true;
        m.airing.title = info->title ? info->title : info->item_id;
        m.airing.text = info->text;
        m.airing.emergency = a->cls == PLAN_CLASS_EMERGENCY;
        m.airing.start_lt_usec = to_lt(d, start_utc);
    }
    broadcast(d, &m);
}

void fw_kiosk_link_proof(struct fw_daemon *d, const struct kiosk_msg *m)
{
    const struct kiosk_proof_record *p = &m->proof;
    if (!p->notice_id || !*p->notice_id)
        return;
    /* Local timeline → UTC. */
    int32_t d1 = kiosk_lt_day(p->first_shown_lt_usec), d2 = kiosk_lt_day(p->last_shown_lt_usec);
    int64_t first = d->tz.to_utc(d->tz.userdata, d1, kiosk_lt_tod(p->first_shown_lt_usec));
    int64_t last = d->tz.to_utc(d->tz.userdata, d2, kiosk_lt_tod(p->last_shown_lt_usec));
    write_notice(d, p->notice_id, p->title, first, last, p->times_shown,
                 (p->shown_usec + 500000) / 1000000);
}

void fw_kiosk_link_greet(struct fw_daemon *d, void (*send)(void *ud, const void *buf, size_t len),
                         void *ud)
{
    const struct fw_gen *g = d->n_gens ? d->gens[d->n_gens - 1] : NULL;
    if (!g)
        return;
    struct kiosk_msg m = {.kind = KIOSK_MSG_CONTENT};
    m.identity.commune = g->config->device.commune.name;
    m.identity.province = g->config->device.province.name;
    m.rotate_seconds = g->config->kiosk.rotate_seconds;
    void *buf = NULL;
    size_t len = 0;
    if (kiosk_msg_encode(&m, &buf, &len) == 0) {
        send(ud, buf, len);
        free(buf);
    }
}
