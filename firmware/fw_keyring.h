/* The keys `loa verify` and `loa report` trust: a --keys file, or the device's own key. */
#pragma once

#include "ledger_verify.h"

/**
 * Add the keys listed in `path` (lines `<device-id> <base64 public key> [from=DATE]
 * [until=DATE]`) to kr, printing what is wrong. Returns an exit code: LOA_EXIT_OK;
 * LOA_EXIT_INPUT for a malformed, missing or empty file; LOA_EXIT_RUNTIME otherwise.
 */
int fw_keyring_from_file(struct ledger_keyring *kr, const char *path);

/**
 * Add this device's own public key (DATA_DIR/keys/device.pub) for device_id, printing what
 * is wrong (a device without a key yet: `loa status --key` creates it). Returns an exit
 * code: LOA_EXIT_OK; LOA_EXIT_INPUT for a malformed key file; LOA_EXIT_RUNTIME otherwise.
 */
int fw_keyring_own(struct ledger_keyring *kr, const char *device_id, const char *data_dir);
