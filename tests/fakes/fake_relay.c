/* A recording relay for tests. */
#include "fake_relay.h"

#include <errno.h>
#include <stdlib.h>

struct fake_relay {
    int64_t (*now_usec)(void *userdata);
    void *userdata;
    struct fake_relay_event *ev;
    size_t n, cap;
    bool fail_next;
};

struct fake_relay *fake_relay_new(int64_t (*now_usec)(void *userdata), void *userdata)
{
    struct fake_relay *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->now_usec = now_usec;
    f->userdata = userdata;
    return f;
}

struct fake_relay *fake_relay_free(struct fake_relay *f)
{
    if (f) {
        free(f->ev);
        free(f);
    }
    return NULL;
}

int fake_relay_set(void *state, bool on, struct loa_diag *reterr)
{
    struct fake_relay *f = state;
    if (f->fail_next) {
        f->fail_next = false;
        return loa_diag_set(reterr, -EIO, LOA_SEV_ERROR, NULL, 0, "fake relay: injected failure");
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct fake_relay_event *ev = realloc(f->ev, cap * sizeof *ev);
        if (!ev)
            return loa_diag_set(reterr, -ENOMEM, LOA_SEV_ERROR, NULL, 0, "fake relay: no memory");
        f->ev = ev;
        f->cap = cap;
    }
    f->ev[f->n++] = (struct fake_relay_event){
        .at_usec = f->now_usec ? f->now_usec(f->userdata) : 0,
        .on = on,
    };
    return 0;
}

void fake_relay_fail_next(struct fake_relay *f)
{
    f->fail_next = true;
}

size_t fake_relay_count(const struct fake_relay *f)
{
    return f->n;
}

struct fake_relay_event fake_relay_event(const struct fake_relay *f, size_t i)
{
    return f->ev[i];
}

bool fake_relay_is_on(const struct fake_relay *f)
{
    return f->n > 0 && f->ev[f->n - 1].on;
}
