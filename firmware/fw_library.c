/* The library commands' shared frame: config, data dir, exit codes, ledger events. */
#include "fw_library.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "fw_data_dir.h"
#include "ledger.h"
#include "ledger_key.h"

int fw_library_begin(const struct fw_globals *g, struct fw_library_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    int x = fw_config_load(g, &ctx->config);
    if (x != LOA_EXIT_OK)
        return x;
    x = fw_data_dir(g, ctx->config, ctx->data_dir, sizeof ctx->data_dir);
    if (x != LOA_EXIT_OK) {
        fw_library_end(ctx);
        return x;
    }
    return LOA_EXIT_OK;
}

void fw_library_end(struct fw_library_ctx *ctx)
{
    ctx->config = loa_config_free(ctx->config);
}

int fw_library_exit_code(int r)
{
    if (r >= 0)
        return LOA_EXIT_OK;
    return r == -EINVAL ? LOA_EXIT_INPUT : LOA_EXIT_RUNTIME;
}

int64_t fw_library_now_usec(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

/* What the kernel says about the clock (the daemon knows more: RTC, operator). */
static enum ledger_trust clock_trust(void)
{
    struct timex tx = {0};
    int state = adjtimex(&tx);
    return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC) ? LEDGER_TRUST_SYNCED
                                                                          : LEDGER_TRUST_UNSYNCED;
}

int fw_library_record(const struct fw_library_ctx *ctx, const char *event_type,
                      const struct library_change *change)
{
    char keys[4200], path[4200];
    struct ledger_key *key = NULL;
    struct ledger *l = NULL;
    struct loa_diag d = {0};
    int x = LOA_EXIT_RUNTIME;
    int64_t now = fw_library_now_usec();
    enum ledger_trust trust = clock_trust();

    /* The library has changed by now: say so plainly if the record cannot follow. */
    fw_keys_dir(ctx->data_dir, keys, sizeof keys);
    int e = ledger_key_load_or_create(keys, &key, NULL, &d);
    if (e < 0) {
        fw_print_diag(&d);
        goto out;
    }
    struct ledger_identity id;
    fw_ledger_identity(ctx->config, &id);
    struct ledger_open_options o = {.identity = &id, .key = key, .now_usec = now, .trust = trust};
    struct ledger_open_report rep;
    fw_ledger_path(ctx->data_dir, path, sizeof path);
    e = ledger_open(path, &o, &l, &rep, &d);
    if (e < 0) {
        fw_print_diag(&d);
        goto out;
    }
    struct ledger_record r;
    ledger_record_init(&r, LEDGER_EVENT);
    r.written_usec = now;
    r.trust = trust;
    r.event_type = event_type;
    r.event_detail = change->detail;
    r.caller_uid = (int64_t)getuid();
    e = ledger_append(l, &r, NULL, &d);
    if (e < 0) {
        fw_print_diag(&d);
        goto out;
    }
    x = LOA_EXIT_OK;
out:
    if (l && ledger_close(l) > 0)
        x = LOA_EXIT_RUNTIME; /* held for a full disk and still not written */
    ledger_key_free(key);
    if (x != LOA_EXIT_OK)
        fw_error("the library changed (generation %llu) but its ledger event (%s) could not "
                 "be recorded",
                 (unsigned long long)change->new_generation, event_type);
    return x;
}

int fw_library_conclude(const struct fw_library_ctx *ctx, int r,
                        const struct library_change *change, struct loa_diag_list *diags,
                        const char *event_type)
{
    fw_print_diags(diags);
    loa_diag_list_clear(diags);
    if (r < 0)
        return fw_library_exit_code(r);
    fw_library_print_change(change);
    return fw_library_record(ctx, event_type, change);
}

void fw_library_print_change(const struct library_change *c)
{
    for (size_t i = 0; i < c->n_loaded; i++)
        printf("loaded %s%s\n", c->loaded[i],
               c->replaced[i] ? " (replacing the installed one)" : "");
    for (size_t i = 0; i < c->n_removed; i++)
        printf("unloaded %s\n", c->removed[i]);
    printf("library generation %llu (was %llu): %zu new media file%s, %zu unchanged\n",
           (unsigned long long)c->new_generation, (unsigned long long)c->old_generation,
           c->media_new, c->media_new == 1 ? "" : "s", c->media_reused);
}
