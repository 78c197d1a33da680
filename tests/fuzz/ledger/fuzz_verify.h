/* The export verifier's fuzz harness: one input holds the four files of an export,
 * separated by FUZZ_SPLIT lines; verified against a fixed device key. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "ledger_key.h"

#define FUZZ_SPLIT "\n--8<-- loa fuzz --8<--\n"
#define FUZZ_DEVICE "fuzz-01"

/** The fixed key (deterministic seed) the corpus is signed with. */
void fuzz_ledger_key(struct ledger_key *k);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
