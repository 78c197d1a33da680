/* `loa export [--to DATE] -o DIR` (SPEC.md "Exports and verification").
 *
 * A contiguous range of the ledger, from the record after the previous export to the
 * last record written on or before the end of DATE (device time zone; default: now),
 * as DIR/airtime.csv and DIR/manifest.json, both signed (minisign, prehashed) with the
 * device key, then a signed "export" checkpoint in the ledger remembering the range.
 * Until the daemon can sign on request, export signs itself: it must be able to read
 * the device key (run it as the service user).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "civil.h"
#include "config.h"
#include "fw.h"
#include "fw_data_dir.h"
#include "ledger.h"
#include "ledger_export.h"
#include "ledger_key.h"

static void print_help(void)
{
    fputs("Usage: loa export [--to DATE] -o DIR\n"
          "\n"
          "Export the airtime ledger for a committee: every record after the previous\n"
          "export up to the last one written on or before DATE, into DIR/airtime.csv and\n"
          "DIR/manifest.json, each signed in minisign's format (.minisig). Check them with\n"
          "  minisign -H -Vm DIR/airtime.csv -p device.pub   (see loa status --key)\n"
          "or with loa verify DIR.\n"
          "\n"
          "Options:\n"
          "  --to DATE        last day, YYYY-MM-DD in the device's time zone (default: now)\n"
          "  -o, --output DIR the folder to write (created when missing)\n"
          "  --help           this help\n",
          stdout);
}

/* What the kernel says about the clock: synchronised since boot or not. The daemon
 * knows better (RTC, operator, holdover); export records what it can see. */
static enum ledger_trust clock_trust(void)
{
    struct timex tx = {0};
    int state = adjtimex(&tx);
    return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC) ? LEDGER_TRUST_SYNCED
                                                                          : LEDGER_TRUST_UNSYNCED;
}

int fw_cmd_export(const struct fw_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"to", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *to = NULL, *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            to = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            print_help();
            return LOA_EXIT_OK;
        default:
            return fw_usage_error("export ", "bad option");
        }
    }
    if (optind < argc)
        return fw_usage_error("export ", "unexpected argument '%s'", argv[optind]);
    if (!out)
        return fw_usage_error("export ", "the output folder is required (-o DIR)");
    int32_t to_day = 0;
    if (to && civil_parse_date(to, &to_day) < 0)
        return fw_usage_error("export ", "--to: '%s' is not a date (YYYY-MM-DD)", to);

    struct loa_config *config = NULL;
    struct ledger_key *key = NULL;
    struct ledger *l = NULL;
    struct loa_diag d = {0};
    char dir[4096], path[4200], keys[4200];
    int x = fw_config_load(g, &config);
    if (x != LOA_EXIT_OK)
        return x;
    x = fw_data_dir(g, config, dir, sizeof dir);
    if (x == LOA_EXIT_OK)
        x = fw_data_dir_ensure(dir);
    if (x != LOA_EXIT_OK)
        goto out;

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_usec = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    int64_t to_usec = now_usec;
    if (to && fw_end_of_local_day_usec(config, to_day, &to_usec) < 0) {
        fw_error("unknown time zone '%s'", config->device.timezone);
        x = LOA_EXIT_INPUT;
        goto out;
    }

    fw_keys_dir(dir, keys, sizeof keys);
    int e = ledger_key_load_or_create(keys, &key, NULL, &d);
    if (e < 0) {
        fw_print_diag(&d);
        x = e == -EBADMSG ? LOA_EXIT_INPUT : LOA_EXIT_RUNTIME;
        goto out;
    }
    struct ledger_identity id;
    fw_ledger_identity(config, &id);
    enum ledger_trust trust = clock_trust();
    struct ledger_open_options o = {
        .identity = &id, .key = key, .now_usec = now_usec, .trust = trust};
    struct ledger_open_report rep;
    fw_ledger_path(dir, path, sizeof path);
    e = ledger_open(path, &o, &l, &rep, &d);
    if (e < 0) {
        fw_print_diag(&d);
        x = e == -EBADMSG || e == -EXDEV || e == -EPROTONOSUPPORT ? LOA_EXIT_INPUT
                                                                  : LOA_EXIT_RUNTIME;
        goto out;
    }
    if (rep.quarantined)
        fprintf(stderr,
                "%s: warning: the ledger was damaged (%s); kept as %s, a new ledger "
                "continues from seq %lld\n",
                path, rep.damage, rep.quarantine_path, (long long)rep.continued_seq);

    struct ledger_export_result res;
    e = ledger_export(l, key, to_usec, out, now_usec, trust, &res, &d);
    if (e == -ENODATA) {
        fw_print_diag(&d);
        x = LOA_EXIT_INPUT;
        goto out;
    }
    if (e < 0) {
        fw_print_diag(&d);
        x = e == -EBADMSG ? LOA_EXIT_INPUT : LOA_EXIT_RUNTIME;
        goto out;
    }
    char head[65], prev[65];
    printf("exported seq %lld-%lld (%lld records) of device %s to %s\n"
           "head %s\nprev %s\nsigned with key %s; checkpoint %s%lld\n",
           (long long)res.first_seq, (long long)res.last_seq,
           (long long)(res.last_seq - res.first_seq + 1), config->device.id, out,
           ledger_hex(res.head, head), res.has_prev ? ledger_hex(res.prev, prev) : "none",
           key->key_id, res.checkpoint_held ? "held (disk full) " : "seq ",
           (long long)res.checkpoint_seq);
    x = LOA_EXIT_OK;
out:
    if (l && ledger_close(l) > 0) {
        fw_error("the export checkpoint could not be written (disk full?)");
        x = LOA_EXIT_RUNTIME;
    }
    ledger_key_free(key);
    loa_config_free(config);
    return x;
}
