#!/bin/sh
# test_system_udev: the udev rule 90-loa-usb.rules, run by the real udev rules engine
# (`udevadm test`) on a loop device holding a file system, asks systemd for
# loa-usb@<kernel name>.service — and does not for a device off the USB bus, a removal,
# or a device without a file system. A loop device is not on USB, so a test-only rule
# (59-…) pretends it is; everything after it is the packaged rules and udev's own.
# The rules see the packaged rules through a private bind mount of /etc/udev/rules.d.
set -u
. "$(dirname "$0")/lib.sh"
need_root "losetup and a private mount namespace"
need udevadm losetup unshare mkfs.ext4 mkswap
[ -f /usr/lib/udev/rules.d/60-persistent-storage.rules ] ||
    [ -f /lib/udev/rules.d/60-persistent-storage.rules ] ||
    skip "udev's 60-persistent-storage.rules is missing (package udev)"
[ -d /etc/udev/rules.d ] || skip "/etc/udev/rules.d is missing (package udev)"

truncate -s 8M "$T_TMP/stick.img"
mkfs.ext4 -q -F -L LOASTICK "$T_TMP/stick.img" || skip "mkfs.ext4 failed"
LOOP=$(losetup -f --show "$T_TMP/stick.img" 2>/dev/null) || skip "no loop device available here"
CLEANUP='losetup -d "$LOOP" 2>/dev/null'
K=${LOOP#/dev/}
[ -d "/sys/class/block/$K" ] || skip "/sys/class/block/$K is missing (no sysfs here)"
# udev learns the file system with blkid once the loop device has its backing file.
udevadm settle >/dev/null 2>&1 || true

# rules_for SHIM(yes|no) ACTION: run udevadm test with the packaged rules (+ the shim).
rules_for() {
    rm -rf "$T_TMP/rules"
    mkdir -p "$T_TMP/rules"
    cp "$PKG"/udev/*.rules "$T_TMP/rules/"
    if [ "$1" = yes ]; then
        printf 'KERNEL=="%s", ENV{ID_BUS}="usb"\n' "$K" >"$T_TMP/rules/59-loa-test-usb-shim.rules"
    fi
    unshare -m sh -c "mount --bind '$T_TMP/rules' /etc/udev/rules.d &&
        udevadm test --action='$2' '/sys/class/block/$K'" >"$T_TMP/udev.out" 2>&1
}
wants_import() { grep -qx "SYSTEMD_WANTS=.*loa-usb@$K.service.*" "$T_TMP/udev.out"; }
no_import() { ! grep -q "loa-usb@" "$T_TMP/udev.out"; }

rules_for yes add
check "udevadm test ran the packaged rules" grep -q "90-loa-usb.rules" "$T_TMP/udev.out"
check "blkid saw the stick's ext4 file system" grep -qx "ID_FS_TYPE=ext4" "$T_TMP/udev.out"
check "a USB file system wants loa-usb@$K.service" wants_import
check "... tagged for systemd" grep -qx "TAGS=.*:systemd:.*" "$T_TMP/udev.out"
if ! wants_import; then sed 's/^/    /' "$T_TMP/udev.out" | tail -40; fi

rules_for no add
check "a file system off the USB bus does not" no_import

rules_for yes remove
check "removing the stick does not start an import" no_import

mkswap -q "$T_TMP/stick.img" >/dev/null 2>&1 || mkswap "$T_TMP/stick.img" >/dev/null
# The loop device caches nothing: blkid re-reads it.
rules_for yes add
check "blkid now sees swap" grep -qx "ID_FS_TYPE=swap" "$T_TMP/udev.out"
check "a USB device without a file system (swap) does not" no_import

finish
