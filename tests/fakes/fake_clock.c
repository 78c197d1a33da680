/* A fake clock for tests (see fake_clock.h). A small unsorted array of wake-ups is
 * enough: tests keep a handful armed at a time. */
#include "fake_clock.h"

#include <stdlib.h>

struct wakeup {
    uint64_t id;
    enum fake_clock_base base;
    int64_t at;
    void (*cb)(void *userdata, uint64_t id);
    void *userdata;
};

struct fake_clock {
    int64_t realtime;
    int64_t mono;
    struct wakeup *w;
    size_t n, cap;
    uint64_t next_id;
};

struct fake_clock *fake_clock_new(int64_t realtime_usec)
{
    struct fake_clock *fc = calloc(1, sizeof(*fc));
    if (!fc)
        return NULL;
    fc->realtime = realtime_usec;
    fc->next_id = 1;
    return fc;
}

struct fake_clock *fake_clock_free(struct fake_clock *fc)
{
    if (!fc)
        return NULL;
    free(fc->w);
    free(fc);
    return NULL;
}

int64_t fake_clock_now(const struct fake_clock *fc)
{
    return fc->realtime;
}

int64_t fake_clock_mono(const struct fake_clock *fc)
{
    return fc->mono;
}

void fake_clock_advance(struct fake_clock *fc, int64_t delta_usec)
{
    if (delta_usec <= 0)
        return;
    fc->realtime += delta_usec;
    fc->mono += delta_usec;
}

void fake_clock_set_time(struct fake_clock *fc, int64_t realtime_usec)
{
    fake_clock_advance(fc, realtime_usec - fc->realtime);
}

int64_t fake_clock_step(struct fake_clock *fc, int64_t delta_usec)
{
    int64_t old = fc->realtime;
    fc->realtime += delta_usec;
    return old;
}

uint64_t fake_clock_add_wakeup(struct fake_clock *fc, enum fake_clock_base base, int64_t at_usec,
                               void (*cb)(void *userdata, uint64_t id), void *userdata)
{
    if (fc->n == fc->cap) {
        size_t cap = fc->cap ? fc->cap * 2 : 8;
        struct wakeup *w = realloc(fc->w, cap * sizeof(*w));
        if (!w)
            return 0;
        fc->w = w;
        fc->cap = cap;
    }
    uint64_t id = fc->next_id++;
    fc->w[fc->n++] = (struct wakeup){id, base, at_usec, cb, userdata};
    return id;
}

bool fake_clock_cancel(struct fake_clock *fc, uint64_t id)
{
    for (size_t i = 0; i < fc->n; i++)
        if (fc->w[i].id == id) {
            fc->w[i] = fc->w[--fc->n];
            return true;
        }
    return false;
}

size_t fake_clock_pending(const struct fake_clock *fc)
{
    return fc->n;
}

static int64_t as_realtime(const struct fake_clock *fc, const struct wakeup *w)
{
    return w->base == FAKE_CLOCK_REALTIME ? w->at : w->at - fc->mono + fc->realtime;
}

/* Index of the next wake-up (earliest instant, then lowest id), or -1. */
static long next_index(const struct fake_clock *fc)
{
    long best = -1;
    int64_t best_at = 0;
    for (size_t i = 0; i < fc->n; i++) {
        int64_t at = as_realtime(fc, &fc->w[i]);
        if (best < 0 || at < best_at || (at == best_at && fc->w[i].id < fc->w[best].id)) {
            best = (long)i;
            best_at = at;
        }
    }
    return best;
}

bool fake_clock_peek(const struct fake_clock *fc, int64_t *ret_realtime_usec, uint64_t *ret_id)
{
    long i = next_index(fc);
    if (i < 0)
        return false;
    if (ret_realtime_usec)
        *ret_realtime_usec = as_realtime(fc, &fc->w[i]);
    if (ret_id)
        *ret_id = fc->w[i].id;
    return true;
}

bool fake_clock_crank(struct fake_clock *fc)
{
    long i = next_index(fc);
    if (i < 0)
        return false;
    struct wakeup w = fc->w[i];
    fc->w[i] = fc->w[--fc->n];
    int64_t at = as_realtime(fc, &w);
    if (at > fc->realtime)
        fake_clock_advance(fc, at - fc->realtime);
    if (w.cb)
        w.cb(w.userdata, w.id);
    return true;
}

size_t fake_clock_crank_until(struct fake_clock *fc, int64_t limit_realtime_usec)
{
    size_t fired = 0;
    int64_t at;
    while (fake_clock_peek(fc, &at, NULL) && at <= limit_realtime_usec) {
        fake_clock_crank(fc);
        fired++;
    }
    if (limit_realtime_usec > fc->realtime)
        fake_clock_advance(fc, limit_realtime_usec - fc->realtime);
    return fired;
}
