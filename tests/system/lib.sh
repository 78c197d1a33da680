# Shared helpers of the tests/system shell tests (sourced, POSIX sh).
# CTest gives LOA_BIN, LOA_SOURCE_DIR and LOA_BUILD_DIR; exit 77 = skipped.

: "${LOA_SOURCE_DIR:?LOA_SOURCE_DIR not set (run through ctest)}"
: "${LOA_BIN:?LOA_BIN not set (run through ctest)}"
PKG="$LOA_SOURCE_DIR/packaging"
T_NAME=$(basename "$0" .sh)
T_FAILS=0
T_PASSES=0

skip() {
    echo "$T_NAME: SKIP: $*"
    exit 77
}
need() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed (scripts/setup-debian.sh installs it)"
    done
}
need_root() {
    [ "$(id -u)" -eq 0 ] || skip "needs root: $*"
}
ok() {
    T_PASSES=$((T_PASSES + 1))
    echo "ok - $*"
}
fail() {
    T_FAILS=$((T_FAILS + 1))
    echo "not ok - $*"
}
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
    d=$1
    shift
    if "$@"; then ok "$d"; else fail "$d"; fi
}
finish() {
    echo "$T_NAME: $T_PASSES passed, $T_FAILS failed"
    [ "$T_FAILS" -eq 0 ]
}
# A private temporary directory, removed at exit (plus any cleanup hook set in CLEANUP).
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/loa-$T_NAME.XXXXXX")
CLEANUP=":"
trap 'eval "$CLEANUP"; rm -rf "$T_TMP"' EXIT
trap 'exit 130' INT TERM

# make_tone FILE SECONDS: a 440 Hz mono WAV made here (test media are never committed).
make_tone() {
    if command -v sox >/dev/null 2>&1; then
        sox -n -r 44100 -c 1 -b 16 "$1" synth "$2" sine 440 gain -12 2>/dev/null
    else
        gst-launch-1.0 -q audiotestsrc num-buffers=$(($2 * 44100 / 1024)) samplesperbuffer=1024 \
            volume=0.25 ! audio/x-raw,rate=44100,channels=1 ! wavenc ! filesink location="$1"
    fi
}

# write_config FILE DATA_DIR: a device config for tests: sim board, null audio, no kiosk.
write_config() {
    cat >"$1" <<CFG
device = {
  id = "test-01";
  province = { code = "01"; name = "Thành phố Hà Nội"; };
  commune  = { code = "09552"; name = "Phường Văn Quán"; };
  unit_codes = "2020";
  timezone = "Asia/Ho_Chi_Minh";
};
sessions = ( { id = "sang"; name = "Buổi sáng"; start = "06:00"; end = "06:30"; days = "mon-sun"; } );
audio = { output = "null"; };
board = { driver = "sim"; amp_warmup_ms = 100; amp_hold_s = 1; };
kiosk = { enabled = false; };
storage = { data_dir = "$2"; };
time = { require_trust = false; };
CFG
}

# write_stick DIR ID: a USB folder with one playlist (ID.cfg) and its media.
write_stick() {
    mkdir -p "$1/media"
    make_tone "$1/media/ban-tin.wav" 2
    cat >"$1/$2.cfg" <<PL
playlist = { id = "$2"; title = "Từ USB"; from = "2024-01-01"; until = "2030-12-31"; };
announcements = (
  { id = "$2-1"; file = "media/ban-tin.wav"; title = "Bản tin"; sessions = [ "sang" ]; }
);
PL
}
