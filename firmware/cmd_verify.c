/* `loa verify [--keys FILE] [--after SEQ:HEX] [SOURCE...]` (SPEC.md "Exports and
 * verification").
 *
 * A SOURCE is a ledger database or an export folder; the default is the device's own
 * ledger. Each is checked completely (chain, sequence continuity, every signature and
 * checkpoint, --after), then sources of one device are checked against each other.
 * Exit 0 when everything verifies, 1 naming the first bad record and its source, 3 when
 * a source cannot be read at all (permissions, I/O).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fw.h"
#include "fw_data_dir.h"
#include "fw_keyring.h"
#include "ledger.h"
#include "ledger_key.h"
#include "ledger_verify.h"

static void print_help(void)
{
    fputs("Usage: loa verify [--keys FILE] [--after SEQ:HEX] [--no-cache] [SOURCE...]\n"
          "\n"
          "Verify ledgers and exports: every record's hash and its link to the one\n"
          "before, contiguous sequence numbers, the export signatures and the signed\n"
          "checkpoints. A ledger database is trusted up to its last signed checkpoint.\n"
          "SOURCE is a ledger database file or an export folder (default: this device's\n"
          "ledger). Exits 1 naming the first bad record.\n"
          "\n"
          "Options:\n"
          "  --keys FILE      known device keys, one per line:\n"
          "                   <device-id> <base64 public key> [from=DATE] [until=DATE]\n"
          "                   (default: this device's own key only)\n"
          "  --after SEQ:HEX  a head recorded earlier: each source must reach it with this\n"
          "                   hash (catches a truncated tail or an older copy)\n"
          "  --no-cache       do not use or fill the verification cache\n"
          "  --help           this help\n",
          stdout);
}

/* Without --keys: the device's own public key, for the device id of its config. */
static int own_keyring(const struct fw_globals *g, struct ledger_keyring *kr, char *dir,
                       size_t dir_size)
{
    struct loa_config *config = NULL;
    int x = fw_config_load(g, &config);
    if (x != LOA_EXIT_OK) {
        fw_error("without --keys the device's own key is used, and its config does not load");
        return x;
    }
    x = fw_data_dir(g, config, dir, dir_size);
    if (x != LOA_EXIT_OK) {
        loa_config_free(config);
        return x;
    }
    x = fw_keyring_own(kr, config->device.id, dir);
    loa_config_free(config);
    return x;
}

static void print_result(const char *src, int e, const struct ledger_verify_result *r)
{
    char head[65];
    if (e == 0) {
        if (r->n_records == 0) {
            printf("%s: ok: empty ledger\n", src);
            return;
        }
        printf("%s: ok: device %s, seq %lld-%lld (%lld records), head %s%s\n", src, r->device_id,
               (long long)r->first_seq, (long long)r->last_seq, (long long)r->n_records,
               ledger_hex(r->head, head), r->cached ? " (cached)" : "");
        if (r->type == LEDGER_SOURCE_EXPORT)
            printf("%s: signed by key %s; head to record: %lld:%s\n", src, r->key_id,
                   (long long)r->last_seq, head);
        else if (r->trusted_last_seq == 0)
            printf("%s: warning: no signed checkpoint yet: nothing in it is signed\n", src);
        else if (r->trusted_last_seq < r->last_seq)
            printf("%s: signed up to seq %lld (checkpoint, key %s); the %lld record(s) after it "
                   "chain but are not signed yet\n",
                   src, (long long)r->trusted_last_seq, r->key_id,
                   (long long)(r->last_seq - r->trusted_last_seq));
        else
            printf("%s: signed up to seq %lld (checkpoint, key %s)\n", src,
                   (long long)r->trusted_last_seq, r->key_id);
        return;
    }
    if (r->bad_seq > 0)
        fprintf(stderr, "%s: error: seq %lld: %s\n", src, (long long)r->bad_seq, r->message);
    else
        fprintf(stderr, "%s: error: %s\n", src, r->message[0] ? r->message : strerror(-e));
}

int fw_cmd_verify(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"keys", required_argument, NULL, 'k'},
        {"after", required_argument, NULL, 'a'},
        {"no-cache", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *keys = NULL;
    bool no_cache = false;
    struct ledger_verify_options o = {0};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            keys = optarg;
            break;
        case 'a':
            if (ledger_parse_after(optarg, &o.after_seq, o.after_hash) < 0)
                return fw_usage_error("verify ", "--after: expected SEQ:HEX (64 hex digits)");
            o.has_after = true;
            break;
        case 'n':
            no_cache = true;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("verify ", "bad option");
        }
    }

    struct ledger_keyring *kr = NULL;
    struct ledger_verify_result *results = NULL;
    const char **paths = NULL;
    char *cache = NULL;
    char dir[4096] = "", own[4200];
    int x = LOA_EXIT_OK;
    if (ledger_keyring_new(&kr) < 0)
        return LOA_EXIT_RUNTIME;
    if (keys) {
        x = fw_keyring_from_file(kr, keys);
        if (x != LOA_EXIT_OK)
            goto out;
    } else {
        x = own_keyring(g, kr, dir, sizeof dir);
        if (x != LOA_EXIT_OK)
            goto out;
    }

    size_t n = (size_t)(argc - optind);
    paths = calloc(n ? n : 1, sizeof *paths);
    results = calloc(n ? n : 1, sizeof *results);
    if (!paths || !results) {
        x = LOA_EXIT_RUNTIME;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        paths[i] = argv[optind + (int)i];
    if (n == 0) {
        if (!dir[0]) {
            x = fw_data_dir(g, NULL, dir, sizeof dir);
            if (x != LOA_EXIT_OK)
                goto out;
        }
        fw_ledger_path(dir, own, sizeof own);
        paths[0] = own;
        n = 1;
    }
    if (!no_cache)
        cache = fw_verify_cache_dir();
    o.keys = kr;
    o.cache_dir = cache;
    size_t bad = SIZE_MAX;
    int e = ledger_verify_sources(paths, n, &o, results, &bad);
    for (size_t i = 0; i < n; i++) {
        /* Per-source status: a source is bad when it carries a message. */
        int ei = results[i].message[0] ? (i == bad ? e : -EBADMSG) : 0;
        print_result(paths[i], ei, &results[i]);
    }
    if (e == 0)
        x = LOA_EXIT_OK;
    else if (e == -EBADMSG || e == -ENOENT)
        x = LOA_EXIT_INPUT;
    else
        x = LOA_EXIT_RUNTIME;
out:
    free(cache);
    free(paths);
    free(results);
    ledger_keyring_free(kr);
    return x;
}
