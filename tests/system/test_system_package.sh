#!/bin/sh
# test_system_package: `cpack -G DEB` makes loa_<version>_<arch>.deb whose control file
# has the Depends SPEC.md asks for (the GStreamer plugins, the font, the shared
# libraries through dpkg-shlibdeps), /etc/loa/loa.cfg as a conffile, executable
# maintainer scripts, and every file in its place; the shipped config passes `loa check`.
set -u
. "$(dirname "$0")/lib.sh"
need cpack dpkg-deb dpkg-shlibdeps dpkg-architecture readelf
: "${LOA_BUILD_DIR:?LOA_BUILD_DIR not set}"
[ -f "$LOA_BUILD_DIR/CPackConfig.cmake" ] || skip "no CPackConfig.cmake in $LOA_BUILD_DIR"

VERSION=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$LOA_BUILD_DIR/CPackConfig.cmake")
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
cpack -G DEB --config "$LOA_BUILD_DIR/CPackConfig.cmake" -B "$T_TMP/out" >"$T_TMP/cpack.log" 2>&1
rc=$?
DEB="$T_TMP/out/loa_${VERSION}_${ARCH}.deb"
check "cpack -G DEB succeeds" [ $rc -eq 0 ]
check "the package is named loa_${VERSION}_${ARCH}.deb" [ -f "$DEB" ]
if [ ! -f "$DEB" ]; then
    sed 's/^/    /' "$T_TMP/cpack.log" | tail -30
    finish
    exit 1
fi

dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//; s/ *(.*//' >"$T_TMP/depends"
depends() { grep -qx "$1" "$T_TMP/depends"; }
for p in gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-alsa fonts-noto-core \
    tzdata adduser mount systemd udev libc6 libsdl2-2.0-0 libsdl2-ttf-2.0-0 libsdl2-image-2.0-0 \
    libsqlite3-0 libconfig9 libgpiod2 libsodium23 libebur128-1 libxlsxwriter4 libcairo2 \
    libpango-1.0-0 libgstreamer1.0-0 libglib2.0-0 libsystemd0; do
    check "Depends: $p" depends "$p"
done
echo "    Depends: $(dpkg-deb -f "$DEB" Depends)"
check "Package: loa" [ "$(dpkg-deb -f "$DEB" Package)" = loa ]
check "Version: $VERSION" [ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]
check "Architecture: $ARCH" [ "$(dpkg-deb -f "$DEB" Architecture)" = "$ARCH" ]

mkdir -p "$T_TMP/control" "$T_TMP/root"
dpkg-deb -e "$DEB" "$T_TMP/control"
dpkg-deb -x "$DEB" "$T_TMP/root"
check "conffiles lists /etc/loa/loa.cfg" grep -qx /etc/loa/loa.cfg "$T_TMP/control/conffiles"
for s in postinst prerm postrm; do
    check "$s is there and executable" [ -x "$T_TMP/control/$s" ]
done
check "postinst creates the loa user" grep -q 'adduser --system.*loa' "$T_TMP/control/postinst"
check "postinst creates the gpio group" grep -q 'for g in gpio' "$T_TMP/control/postinst"

dpkg-deb -c "$DEB" | awk '{ print $1, $2, $6 }' >"$T_TMP/contents"
has_file() { grep -q " \./$2\$" "$T_TMP/contents" && grep " \./$2\$" "$T_TMP/contents" | grep -q "^$1 root/root "; }
check "usr/bin/loa, root-owned, executable" has_file -rwxr-xr-x usr/bin/loa
check "usr/lib/loa/loa-usb-import, executable" has_file -rwxr-xr-x usr/lib/loa/loa-usb-import
# The helpers `loa` hands the kiosk and report commands to (firmware/CMakeLists.txt).
for f in usr/libexec/loa/loa-kiosk usr/libexec/loa/loa-report; do
    check "$f, executable" has_file -rwxr-xr-x "$f"
done
for f in usr/lib/systemd/system/loa.service usr/lib/systemd/system/loa-kiosk.service \
    usr/lib/systemd/system/loa-usb@.service usr/lib/udev/rules.d/60-loa-gpio.rules \
    usr/lib/udev/rules.d/90-loa-usb.rules usr/lib/sysusers.d/loa.conf \
    usr/lib/tmpfiles.d/loa.conf etc/loa/loa.cfg usr/share/doc/loa/install-raspberry-pi.md \
    usr/share/doc/loa/examples/watchdog.conf; do
    check "$f" has_file -rw-r--r-- "$f"
done
stripped() { readelf -S "$1" >"$T_TMP/sections" 2>&1 && ! grep -q '\.symtab' "$T_TMP/sections"; }
for f in usr/bin/loa usr/libexec/loa/loa-kiosk usr/libexec/loa/loa-report; do
    check "the packaged $f is stripped" stripped "$T_TMP/root/$f"
done
# The daemon's own binary maps neither SDL nor the report writers' libraries.
check "usr/bin/loa links no SDL, xlsxwriter, pango or cairo" \
    sh -c "! readelf -d '$T_TMP/root/usr/bin/loa' | grep NEEDED | grep -Eq 'SDL|xlsxwriter|pango|cairo'"
# The installed tree's `loa` finds its helper in ../libexec/loa.
check "the packaged loa runs 'check' through its helper" \
    "$T_TMP/root/usr/bin/loa" --config "$T_TMP/root/etc/loa/loa.cfg" --data-dir "$T_TMP/data2" check

# The shipped config, as installed, passes `loa check` (no playlist, no media): the board
# is gpio and the output auto, neither of which `check` opens.
check "loa check passes on the shipped /etc/loa/loa.cfg" \
    "$LOA_BIN" --config "$T_TMP/root/etc/loa/loa.cfg" --data-dir "$T_TMP/data" check
check "the shipped config: driver gpio" grep -q '^  driver = "gpio";' "$T_TMP/root/etc/loa/loa.cfg"
check "the shipped config: output auto" grep -q '^  output = "auto";' "$T_TMP/root/etc/loa/loa.cfg"
check "the shipped config: data in /var/lib/loa" grep -q 'data_dir = "/var/lib/loa"' "$T_TMP/root/etc/loa/loa.cfg"

finish
