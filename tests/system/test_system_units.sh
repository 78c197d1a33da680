#!/bin/sh
# test_system_units: the systemd units of packaging/systemd pass `systemd-analyze verify`
# without a single warning, keep their sandbox within an exposure budget
# (`systemd-analyze security --offline=yes`), hold the contract SPEC.md asks of them, and
# name only commands and options the built `loa` accepts.
set -u
. "$(dirname "$0")/lib.sh"
need systemd-analyze sed awk

# The units name /usr/bin/loa and /usr/lib/loa/loa-usb-import; verify checks that the
# commands exist, so point them at the built binary and the helper in the source tree.
stage() {
    sed -e "s|/usr/bin/loa|$LOA_BIN|g" -e "s|/usr/lib/loa/loa-usb-import|$PKG/loa-usb-import|g" \
        "$1" >"$2"
}
mkdir -p "$T_TMP/units"
stage "$PKG/systemd/loa.service" "$T_TMP/units/loa.service"
stage "$PKG/systemd/loa-kiosk.service" "$T_TMP/units/loa-kiosk.service"
# A template is verified through an instance, as udev starts it.
stage "$PKG/systemd/loa-usb@.service" "$T_TMP/units/loa-usb@sdz1.service"

# verify UNIT: exit 0 and nothing printed (verify prints warnings and still exits 0).
verify_clean() {
    out=$(systemd-analyze verify "$1" 2>&1)
    rc=$?
    [ $rc -eq 0 ] && [ -z "$out" ] && return 0
    printf '%s\n' "$out" | sed 's/^/    /'
    return 1
}
for u in loa.service loa-kiosk.service loa-usb@sdz1.service; do
    check "systemd-analyze verify $u: no error, no warning" verify_clean "$T_TMP/units/$u"
done

# The check can fail: a unit with a typo in a key and a bad value is caught.
printf '[Service]\nExecStart=%s run\nProtectSystem=stric\nWatchdogSecs=5\n' "$LOA_BIN" \
    >"$T_TMP/units/broken.service"
caught() { ! verify_clean "$1" >/dev/null; }
check "a broken unit is caught by the same check" caught "$T_TMP/units/broken.service"

# Exposure budgets (lower is better; 10 = no sandbox). Current figures are printed for
# the report; the budgets leave a little room so a systemd update's re-weighting does not
# fail the build, but any real loosening does.
exposure() {
    systemd-analyze security --offline=yes "$1" 2>/dev/null |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
budget() {
    x=$(exposure "$T_TMP/units/$1")
    echo "    exposure $1: ${x:-?} (budget $2)"
    [ -n "$x" ] && awk -v x="$x" -v b="$2" 'BEGIN { exit !(x <= b) }'
}
check "loa.service exposure within 2.3" budget loa.service 2.3
check "loa-kiosk.service exposure within 0.8" budget loa-kiosk.service 0.8
check "loa-usb@.service exposure within 1.9" budget loa-usb@sdz1.service 1.9

# The contract of SPEC.md "The device daemon" / "The board and the system".
has() { grep -qx "$2" "$PKG/systemd/$1"; }
for line in "Type=notify" "ExecStart=/usr/bin/loa run --no-kiosk" \
    "ExecStopPost=/usr/bin/loa board off" "Restart=on-failure" "StartLimitAction=reboot" \
    "CacheDirectory=loa" "Environment=GST_REGISTRY=%C/loa/gst-registry.bin" \
    "StateDirectory=loa" "RuntimeDirectory=loa" "User=loa" "Group=loa" \
    "ProtectSystem=strict" "NoNewPrivileges=yes" "PrivateTmp=yes" "DevicePolicy=closed" \
    "DeviceAllow=char-alsa rw" "DeviceAllow=char-gpiochip rw" \
    "SystemCallFilter=@system-service" "CapabilityBoundingSet=" "MemoryDenyWriteExecute=yes"; do
    check "loa.service has $line" has loa.service "$line"
done
check "loa.service has a WatchdogSec" grep -q '^WatchdogSec=[1-9]' "$PKG/systemd/loa.service"
for line in "ExecStart=/usr/bin/loa kiosk" "Restart=always" "RestartSec=1s" "User=loa" \
    "Environment=SDL_VIDEODRIVER=kmsdrm" "Conflicts=getty@tty1.service"; do
    check "loa-kiosk.service has $line" has loa-kiosk.service "$line"
done
check "loa-usb@.service mounts privately" has loa-usb@.service "PrivateMounts=yes"
check "loa-usb@.service binds to its device" has loa-usb@.service "BindsTo=dev-%i.device"

# Every command line the units run is one the built loa accepts (--help after the
# options proves the options parse).
accepts() { "$LOA_BIN" "$@" --help >/dev/null 2>&1; }
check "loa accepts 'run --no-kiosk'" accepts run --no-kiosk
check "loa accepts 'board off'" accepts board off
check "loa accepts 'kiosk'" accepts kiosk
check "loa accepts 'import'" accepts import
check "the USB helper is valid sh" sh -n "$PKG/loa-usb-import"
for s in postinst prerm postrm; do
    check "debian/$s is valid sh" sh -n "$PKG/debian/$s"
done

finish
