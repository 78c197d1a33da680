/* The sim relay driver: a simulated amplifier line that records its transitions.
 *
 * Each change is one line "YYYY-MM-DDTHH:MM:SS.uuuuuuZ on|off", written with a single
 * write(2) to an O_APPEND state file (or printed to stdout). The file is the line: its last
 * record is the level, across processes, as a real GPIO keeps its level after release.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "relay_private.h"

struct sim_state {
    int fd; /* -1: stdout */
    bool on;
    int64_t (*now_usec)(void *userdata);
    void *now_userdata;
    char path[4096];
};

static int64_t real_now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int sim_record(struct sim_state *s, bool on, struct loa_diag *reterr)
{
    int64_t t = s->now_usec ? s->now_usec(s->now_userdata) : real_now_usec();
    time_t secs = (time_t)(t >= 0 ? t / 1000000 : (t - 999999) / 1000000);
    long usec = (long)(t - (int64_t)secs * 1000000);
    struct tm tm;
    char line[96];
    gmtime_r(&secs, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ %s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     usec, on ? "on" : "off");
    if (s->fd < 0) {
        if (fputs(line, stdout) < 0 || fflush(stdout) != 0)
            return loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, NULL, 0,
                                "sim relay: cannot write to stdout");
        return 0;
    }
    ssize_t w = write(s->fd, line, (size_t)n);
    if (w != n) {
        int r = w < 0 ? -errno : -EIO;
        return loa_diag_set(reterr, r, LOA_SEV_ERROR, s->path, 0, "sim relay: cannot record: %s",
                            strerror(-r));
    }
    return 0;
}

int relay_sim_read_state(const char *path, bool *ret_on)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) {
            *ret_on = false;
            return 0;
        }
        return -errno;
    }
    struct stat st;
    char buf[4096];
    int r = 0;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        goto out;
    }
    /* Only the tail matters: the last record is the level. */
    off_t from = st.st_size > (off_t)sizeof buf - 1 ? st.st_size - (off_t)(sizeof buf - 1) : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    if (n < 0) {
        r = -errno;
        goto out;
    }
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    if (n == 0) {
        *ret_on = false;
        goto out;
    }
    const char *last = strrchr(buf, ' ');
    last = last ? last + 1 : buf;
    if (strcmp(last, "on") == 0)
        *ret_on = true;
    else if (strcmp(last, "off") == 0)
        *ret_on = false;
    else
        r = -EBADMSG;
out:
    close(fd);
    return r;
}

static void sim_free(void *state)
{
    struct sim_state *s = state;
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static int sim_open(const struct relay_config *cfg, void **ret_state, bool *ret_initial_on,
                    struct loa_diag *reterr)
{
    struct sim_state *s = calloc(1, sizeof *s);
    if (!s)
        return loa_diag_set(reterr, -ENOMEM, LOA_SEV_ERROR, NULL, 0, "sim relay: out of memory");
    s->fd = -1;
    s->now_usec = cfg->now_usec;
    s->now_userdata = cfg->now_userdata;
    int r;
    if (cfg->sim_path && *cfg->sim_path) {
        snprintf(s->path, sizeof s->path, "%s", cfg->sim_path);
        bool was_on = false;
        r = relay_sim_read_state(cfg->sim_path, &was_on);
        if (r < 0 && r != -EBADMSG) {
            loa_diag_set(reterr, r, LOA_SEV_ERROR, cfg->sim_path, 0,
                         "sim relay: cannot read state: %s", strerror(-r));
            goto fail;
        }
        s->fd = open(cfg->sim_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (s->fd < 0) {
            r = -errno;
            loa_diag_set(reterr, r, LOA_SEV_ERROR, cfg->sim_path, 0,
                         "sim relay: cannot open state file: %s", strerror(-r));
            goto fail;
        }
        /* Requesting a line drives it to its default (off), as the gpio driver does. A
         * damaged last record counts as "maybe on": record the off. */
        if (was_on || r == -EBADMSG) {
            r = sim_record(s, false, reterr);
            if (r < 0)
                goto fail;
        }
    }
    s->on = false;
    *ret_state = s;
    *ret_initial_on = false;
    return 0;
fail:
    sim_free(s);
    return r;
}

static int sim_set(void *state, bool on, struct loa_diag *reterr)
{
    struct sim_state *s = state;
    if (s->on == on)
        return 0; /* not a transition */
    int r = sim_record(s, on, reterr);
    if (r < 0)
        return r;
    s->on = on;
    return 0;
}

const struct relay_driver_impl relay_driver_sim = {
    .ops = {.name = "sim", .set = sim_set, .free = sim_free},
    .open = sim_open,
};
