#!/bin/sh
# Set up, build and run the whole test suite. With --sanitize: an ASan+UBSan build.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-debian.sh
dir=build
opts=""
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  opts="-DLOA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
# shellcheck disable=SC2086
cmake -S . -B "$dir" $opts >/dev/null
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
