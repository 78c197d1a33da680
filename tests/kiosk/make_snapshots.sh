#!/bin/sh
# Redraw the kiosk snapshots in docs/ (docs/kiosk.md shows them) with `loa kiosk
# --snapshot` on the bundled examples, plus a one-item emergency playlist made here.
#   tests/kiosk/make_snapshots.sh [BUILD_DIR] [OUT_DIR]
# Deterministic: the same build draws the same bytes (before the optional pngquant).
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}
OUT=${2:-$SRC/docs}
LOA=$BUILD/firmware/loa
EX=$BUILD/examples
[ -x "$LOA" ] && [ -f "$EX/loa.cfg" ] || { echo "build loa and loa_examples first" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cat > "$TMP/khan-cap.cfg" <<CFG
playlist = { id = "khan-cap"; title = "Phòng chống thiên tai";
             reference = "Thông báo khẩn"; from = "2021-03-01"; until = "2021-03-01"; };
announcements = (
  { id = "lu-quet"; file = "$EX/media/tmdt-05.mp3"; class = "emergency";
    title = "Cảnh báo lũ quét, sạt lở đất khu vực ven sông Nhuệ";
    text = "Đề nghị người dân khu vực ven sông di chuyển ngay đến nơi an toàn theo hướng dẫn của Ủy ban nhân dân phường.";
    sessions = [ "chieu" ]; at = "17:20"; }
);
CFG

snap() { # name size rotation time [extra playlist]
    "$LOA" --config "$EX/loa.cfg" kiosk --snapshot "$OUT/kiosk-$1.png" --size "$2" \
        --rotation "$3" --at "2021-03-01 $4" "$EX/playlists/tmdt-2020.cfg" \
        "$EX/playlists/tiep-song.cfg" ${5:-}
}
snap 1280x720-notice 1280x720 0 10:00:30
snap 1280x720-schedule 1280x720 0 06:05:00
snap 800x480-notice 800x480 0 10:00:45
snap 1920x1080-airing 1920x1080 0 17:10:05
snap 1080x1920-notice 1080x1920 0 10:00:30
snap 1920x1080-rotation90 1920x1080 90 10:00:45
snap 1280x720-emergency 1280x720 0 17:20:05 "$TMP/khan-cap.cfg"
# Optional: 256-colour palettes make the committed files about a third of the size (the
# kiosk's own output stays truecolour).
if command -v pngquant >/dev/null; then
    pngquant --force --skip-if-larger --speed 1 --strip --ext .png 256 "$OUT"/kiosk-*.png || :
fi
ls -l "$OUT"/kiosk-*.png
