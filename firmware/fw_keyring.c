/* The keys `loa verify` and `loa report` trust. */
#include "fw_keyring.h"

#include <errno.h>
#include <stdio.h>

#include "fw.h"
#include "ledger.h"
#include "ledger_key.h"

int fw_keyring_from_file(struct ledger_keyring *kr, const char *path)
{
    struct loa_diag d = {0};
    int e = ledger_keyring_load(kr, path, &d);
    if (e < 0) {
        fw_print_diag(&d);
        return e == -EBADMSG || e == -ENOENT ? LOA_EXIT_INPUT : LOA_EXIT_RUNTIME;
    }
    if (ledger_keyring_size(kr) == 0) {
        fprintf(stderr, "%s: error: no keys listed\n", path);
        return LOA_EXIT_INPUT;
    }
    return LOA_EXIT_OK;
}

int fw_keyring_own(struct ledger_keyring *kr, const char *device_id, const char *data_dir)
{
    char pub[4300];
    snprintf(pub, sizeof pub, "%s/keys/device.pub", data_dir);
    struct ledger_key *k = NULL;
    struct loa_diag d = {0};
    int e = ledger_key_load_public(pub, &k, &d);
    if (e < 0) {
        fw_print_diag(&d);
        if (e == -ENOENT)
            fw_error("this device has no key yet ('loa status --key' creates it), or give --keys");
        return e == -EBADMSG ? LOA_EXIT_INPUT : LOA_EXIT_RUNTIME;
    }
    e = ledger_keyring_add(kr, device_id, k->keynum, k->pk, LEDGER_NO_DAY, LEDGER_NO_DAY);
    ledger_key_free(k);
    return e < 0 ? LOA_EXIT_RUNTIME : LOA_EXIT_OK;
}
