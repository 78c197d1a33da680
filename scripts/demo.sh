#!/bin/sh
# Set up, build, and run the README's main job: `loa demo` (a broadcast session that
# starts a minute from now with the bundled example, then its airtime report). Extra
# arguments go to `loa demo` (e.g. --day for a whole simulated day, --live for sound).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-debian.sh
cmake -S . -B build >/dev/null
# Only what the demo runs (the program, its two helpers, the example's media): the test
# suite is scripts/test.sh's business.
cmake --build build -j"$(nproc)" --target loa loa-kiosk loa-report loa_examples >/dev/null
exec build/firmware/loa demo "$@"
