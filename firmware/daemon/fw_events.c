/* The --events script of a virtual run (SPEC.md "Virtual clock"): one line each,
 *
 *   YYYY-MM-DD HH:MM:SS step ±DURATION     the wall clock is set (settimeofday)
 *   YYYY-MM-DD HH:MM:SS unsync             the clock loses trust (as a fresh boot without
 *                                          RTC: not synchronised since boot)
 *   YYYY-MM-DD HH:MM:SS sync               a synchronisation (trust again)
 *   YYYY-MM-DD HH:MM:SS down UNTIL         the device loses power until UNTIL
 *                                          ("YYYY-MM-DD HH:MM[:SS]", or "HH:MM[:SS]": the
 *                                          next such time), then boots again
 *   YYYY-MM-DD HH:MM:SS play-now ITEM CLASS  CLASS priority | emergency
 *   YYYY-MM-DD HH:MM:SS kill               the process dies as SIGKILL would
 * and, beyond SPEC.md (what `loa pause`, `loa resume` and SIGHUP do on a device):
 *   YYYY-MM-DD HH:MM:SS pause UNTIL [SESSION]
 *   YYYY-MM-DD HH:MM:SS resume
 *   YYYY-MM-DD HH:MM:SS reload
 * Times are local (loa.cfg's time zone) readings of the virtual clock. Events apply in
 * file order, each when the clock reads its time or later: after a backward step the
 * next line's time is read on the new clock. Blank lines and `#` comments are skipped.
 *
 * `kill` commits what the day's batch holds first: in a virtual run the world "happens"
 * when its records are committed, so the instant of the kill lies after every record
 * the run has made (a real SIGKILL between two commits of a batched day would otherwise
 * re-air what was lost with the batch).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_daemon.h"
#include "text.h"

#define USEC_PER_SEC INT64_C(1000000)

struct fw_events *fw_events_free(struct fw_events *e)
{
    if (!e)
        return NULL;
    free(e->path);
    free(e->ev);
    free(e);
    return NULL;
}

int fw_events_parse_duration(const char *s, int64_t *ret_usec)
{
    int sign = 1;
    int64_t total = 0;
    bool any = false;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    while (*s) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        if (!isdigit((unsigned char)*s))
            return -EINVAL;
        char *end;
        errno = 0;
        long long n = strtoll(s, &end, 10);
        if (errno || n < 0 || n > 1000000)
            return -EINVAL;
        s = end;
        while (isspace((unsigned char)*s))
            s++;
        const char *u = s;
        while (isalpha((unsigned char)*s))
            s++;
        size_t len = (size_t)(s - u);
        int64_t unit;
#define IS(w) (len == strlen(w) && strncmp(u, w, len) == 0)
        if (IS("s") || IS("sec") || IS("second") || IS("seconds"))
            unit = USEC_PER_SEC;
        else if (IS("m") || IS("min") || IS("minute") || IS("minutes"))
            unit = 60 * USEC_PER_SEC;
        else if (IS("h") || IS("hour") || IS("hours"))
            unit = 3600 * USEC_PER_SEC;
        else if (IS("d") || IS("day") || IS("days"))
            unit = 86400 * USEC_PER_SEC;
        else if (IS("w") || IS("week") || IS("weeks"))
            unit = 7 * 86400 * USEC_PER_SEC;
        else if (IS("y") || IS("year") || IS("years"))
            unit = 365 * 86400 * USEC_PER_SEC;
        else
            return -EINVAL;
#undef IS
        total += (int64_t)n * unit;
        any = true;
    }
    if (!any)
        return -EINVAL;
    *ret_usec = sign * total;
    return 0;
}

/* "YYYY-MM-DD HH:MM[:SS]" at the start of s; *ret_rest after it. */
static int parse_when(const char *s, const struct fw_tz *tz, int64_t *ret, const char **ret_rest)
{
    char buf[32];
    size_t n = 0;
    /* date, one space, time */
    const char *p = s;
    while (*p && !isspace((unsigned char)*p) && n < sizeof buf - 2)
        buf[n++] = *p++;
    if (!isspace((unsigned char)*p))
        return -EINVAL;
    buf[n++] = ' ';
    while (isspace((unsigned char)*p))
        p++;
    while (*p && !isspace((unsigned char)*p) && n < sizeof buf - 1)
        buf[n++] = *p++;
    buf[n] = '\0';
    int32_t day;
    int64_t tod;
    if (civil_parse_datetime(buf, &day, &tod) < 0)
        return -EINVAL;
    *ret = tz->to_utc(tz->userdata, day, tod);
    *ret_rest = p;
    return 0;
}

static char *next_word(char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
    if (!**p)
        return NULL;
    char *w = *p;
    while (**p && !isspace((unsigned char)**p))
        (*p)++;
    if (**p)
        *(*p)++ = '\0';
    return w;
}

/* UNTIL: a full date-time, or a time of day: its next occurrence after `after`. */
static int parse_until(char **p, const struct fw_tz *tz, int64_t after, int64_t *ret)
{
    while (isspace((unsigned char)**p))
        (*p)++;
    const char *rest;
    if (parse_when(*p, tz, ret, &rest) == 0) {
        *p += rest - *p;
        return 0;
    }
    char *w = next_word(p);
    int64_t tod;
    if (!w || civil_parse_time(w, &tod) < 0)
        return -EINVAL;
    int32_t day;
    int64_t now_tod;
    tz->to_local(tz->userdata, after, &day, &now_tod);
    int64_t t = tz->to_utc(tz->userdata, day, tod);
    if (t <= after)
        t = tz->to_utc(tz->userdata, day + 1, tod);
    *ret = t;
    return 0;
}

int fw_events_load(const char *path, const struct fw_tz *tz, struct fw_events **ret,
                   struct loa_diag_list *diags)
{
    char *text = NULL;
    size_t len = 0;
    struct loa_diag e = {0};
    int r = loa_text_read_file(path, 1024 * 1024, &text, &len, &e);
    if (r < 0) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, path, 0, "%s", e.msg[0] ? e.msg : strerror(-r));
        return r;
    }
    struct fw_events *ev = calloc(1, sizeof *ev);
    size_t cap = 0;
    bool bad = false;
    if (!ev) {
        free(text);
        return -ENOMEM;
    }
    ev->path = strdup(path);
    char *save = NULL;
    int line = 0;
    /* strtok_r would merge empty lines; walk by hand to keep line numbers. */
    char *p = text;
    (void)save;
    while (p && p < text + len) {
        line++;
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        if (nl)
            *nl = '\0';
        char *cur = p;
        p = nl ? nl + 1 : NULL;
        char *hash = strchr(cur, '#');
        if (hash)
            *hash = '\0';
        while (isspace((unsigned char)*cur))
            cur++;
        if (!*cur)
            continue;
        struct fw_event x = {.line = line};
        const char *rest;
        if (parse_when(cur, tz, &x.at_usec, &rest) < 0) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, path, line,
                              "expected \"YYYY-MM-DD HH:MM:SS\" at the start of the line");
            bad = true;
            continue;
        }
        char *q = cur + (rest - cur);
        char *verb = next_word(&q);
        if (!verb) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, path, line,
                              "missing event (step, unsync, sync, down, play-now, kill, pause, "
                              "resume, reload)");
            bad = true;
            continue;
        }
        if (strcmp(verb, "step") == 0) {
            x.kind = FW_EVENT_STEP;
            while (isspace((unsigned char)*q))
                q++;
            if (fw_events_parse_duration(q, &x.delta_usec) < 0 || x.delta_usec == 0) {
                loa_diag_list_add(diags, LOA_SEV_ERROR, path, line,
                                  "step needs a duration such as +59min, -3h, +1d, -1y");
                bad = true;
                continue;
            }
            q += strlen(q);
        } else if (strcmp(verb, "unsync") == 0) {
            x.kind = FW_EVENT_UNSYNC;
        } else if (strcmp(verb, "sync") == 0) {
            x.kind = FW_EVENT_SYNC;
        } else if (strcmp(verb, "kill") == 0) {
            x.kind = FW_EVENT_KILL;
        } else if (strcmp(verb, "resume") == 0) {
            x.kind = FW_EVENT_RESUME;
        } else if (strcmp(verb, "reload") == 0) {
            x.kind = FW_EVENT_RELOAD;
        } else if (strcmp(verb, "down") == 0 || strcmp(verb, "pause") == 0) {
            x.kind = verb[0] == 'd' ? FW_EVENT_DOWN : FW_EVENT_PAUSE;
            if (parse_until(&q, tz, x.at_usec, &x.until_usec) < 0 || x.until_usec <= x.at_usec) {
                loa_diag_list_add(diags, LOA_SEV_ERROR, path, line,
                                  "%s needs UNTIL (\"YYYY-MM-DD HH:MM[:SS]\" or \"HH:MM[:SS]\") "
                                  "after the event's time",
                                  verb);
                bad = true;
                continue;
            }
            if (x.kind == FW_EVENT_PAUSE) {
                char *s = next_word(&q);
                if (s) {
                    if (!loa_text_is_id(s) || strlen(s) >= sizeof x.session) {
                        loa_diag_list_add(diags, LOA_SEV_ERROR, path, line,
                                          "'%s' is not a session id", s);
                        bad = true;
                        continue;
                    }
                    snprintf(x.session, sizeof x.session, "%s", s);
                }
            }
        } else if (strcmp(verb, "play-now") == 0) {
            x.kind = FW_EVENT_PLAY_NOW;
            char *item = next_word(&q), *cls = next_word(&q);
            if (!item || !loa_text_is_id(item) || strlen(item) >= sizeof x.item) {
                loa_diag_list_add(diags, LOA_SEV_ERROR, path, line,
                                  "play-now needs an item id and a class");
                bad = true;
                continue;
            }
            snprintf(x.item, sizeof x.item, "%s", item);
            if (!cls || strcmp(cls, "priority") == 0)
                x.cls = PLAN_CLASS_PRIORITY;
            else if (strcmp(cls, "emergency") == 0)
                x.cls = PLAN_CLASS_EMERGENCY;
            else {
                loa_diag_list_add(diags, LOA_SEV_ERROR, path, line,
                                  "play-now class must be priority or emergency, not '%s'", cls);
                bad = true;
                continue;
            }
        } else {
            loa_diag_list_add(diags, LOA_SEV_ERROR, path, line,
                              "unknown event '%s' (step, unsync, sync, down, play-now, kill, "
                              "pause, resume, reload)",
                              verb);
            bad = true;
            continue;
        }
        if (next_word(&q)) {
            loa_diag_list_add(diags, LOA_SEV_ERROR, path, line, "unexpected text after '%s'", verb);
            bad = true;
            continue;
        }
        if (ev->n == cap) {
            cap = cap ? 2 * cap : 16;
            struct fw_event *nv = realloc(ev->ev, cap * sizeof *nv);
            if (!nv) {
                free(text);
                fw_events_free(ev);
                return -ENOMEM;
            }
            ev->ev = nv;
        }
        ev->ev[ev->n++] = x;
    }
    free(text);
    if (bad) {
        fw_events_free(ev);
        return -EINVAL;
    }
    *ret = ev;
    return 0;
}

void fw_events_skip_before(struct fw_events *e, int64_t t)
{
    while (e->next < e->n && e->ev[e->next].at_usec < t)
        e->next++;
}

int64_t fw_events_next_at(const struct fw_events *e)
{
    return e->next < e->n ? e->ev[e->next].at_usec : INT64_MAX;
}

int fw_events_apply_due(struct fw_daemon *d)
{
    struct fw_events *e = d->events;
    if (e->next >= e->n || e->ev[e->next].at_usec > d->virt_now)
        return 0;
    const struct fw_event *x = &e->ev[e->next++];
    struct loa_diag err = {0};
    int r;
    switch (x->kind) {
    case FW_EVENT_STEP: {
        int64_t old = d->virt_now;
        d->virt_now += x->delta_usec;
        d->virt_offset += x->delta_usec; /* the player's (monotonic) clock does not step */
        fw_daemon_clock_step(d, old, d->virt_now);
        break;
    }
    case FW_EVENT_UNSYNC:
        d->virt_synced = false;
        fw_trust_init(&d->trust, d->trust.max_holdover_usec, false, d->virt_now);
        break;
    case FW_EVENT_SYNC:
        d->virt_synced = true;
        fw_trust_observe(&d->trust, true, d->virt_now, d->virt_now);
        break;
    case FW_EVENT_DOWN:
        r = fw_daemon_down(d, x->until_usec);
        if (r < 0) {
            fw_daemon_error(d, "%s:%d: down: %s", e->path, x->line, strerror(-r));
            return r;
        }
        fw_events_skip_before(e, d->virt_now);
        break;
    case FW_EVENT_PLAY_NOW:
        r = fw_daemon_play_now(d, x->item, -1, NULL, x->cls, (int64_t)getuid(), NULL, &err);
        if (r < 0)
            fprintf(stderr, "%s:%d: play-now %s refused: %s\n", e->path, x->line, x->item, err.msg);
        break;
    case FW_EVENT_KILL:
        fw_virt_proof_flush(d, true); /* the kiosk's periods end with the daemon */
        fw_daemon_commit(d);
        fflush(NULL);
        kill(getpid(), SIGKILL);
        _exit(137); /* not reached */
    case FW_EVENT_PAUSE:
        r = fw_daemon_pause(d, x->at_usec, x->until_usec, x->session[0] ? x->session : NULL,
                            (int64_t)getuid(), &err);
        if (r < 0)
            fprintf(stderr, "%s:%d: pause refused: %s\n", e->path, x->line, err.msg);
        break;
    case FW_EVENT_RESUME:
        fw_daemon_resume(d, (int64_t)getuid());
        break;
    case FW_EVENT_RELOAD:
        fw_daemon_reload(d, (int64_t)getuid(), "events script");
        break;
    }
    return 1;
}
