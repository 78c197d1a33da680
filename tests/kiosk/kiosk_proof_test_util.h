/* A proof-of-display sink for the kiosk tests: it collects every record into a GArray of
 * struct proof_rec (header-only: one executable per test file). */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "kiosk_proof.h"

/* A record, with the notice id copied (the sink's strings are only borrowed). */
struct proof_rec {
    char *id;
    int64_t first, last, shown;
    uint32_t times;
    enum kiosk_proof_close why;
};

/* The sink's callback: userdata is the GArray of proof_records_new(). */
static inline void proof_collect(void *userdata, const struct kiosk_proof_record *r)
{
    GArray *a = userdata;
    struct proof_rec x = {g_strdup(r->notice_id), r->first_shown_lt_usec, r->last_shown_lt_usec,
                          r->shown_usec,          r->times_shown,         r->closed_by};
    g_array_append_val(a, x);
}

static inline void proof_rec_clear(void *p)
{
    g_free(((struct proof_rec *)p)->id);
}

/* An empty GArray of struct proof_rec that frees the ids with it (g_array_unref()). */
static inline GArray *proof_records_new(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(struct proof_rec));
    g_array_set_clear_func(a, proof_rec_clear);
    return a;
}

#define PROOF_REC(a, i) (&g_array_index((a), struct proof_rec, (i)))
