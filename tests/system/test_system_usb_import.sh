#!/bin/sh
# test_system_usb_import: packaging/loa-usb-import, what loa-usb@.service runs.
#   1. a folder stand-in (anywhere): the stick's loa/ folder is imported, a bad stick is
#      refused with the library unchanged;
#   2. a real block device (root, a loop device with an ext4 file system, in a private
#      mount namespace as the unit has): mounted ro,nosuid,nodev,noexec,nosymfollow while
#      `loa import` runs as an unprivileged user, unmounted after; a device that is
#      mounted already or listed in fstab is left alone.
set -u
. "$(dirname "$0")/lib.sh"
need sed awk
command -v sox >/dev/null 2>&1 || need gst-launch-1.0
HELPER="$PKG/loa-usb-import"
CFG="$T_TMP/loa.cfg"
DATA="$T_TMP/data"
write_config "$CFG" "$DATA"
loa() { "$LOA_BIN" --config "$CFG" "$@"; }
installed() { loa list 2>/dev/null | grep -q "^$1 "; }
not() { ! "$@"; }

# --- 1. Folder stand-in ----------------------------------------------------------------
S="$T_TMP/stick-folder"
write_stick "$S/loa" usb-a
# Beside the loa/ folder, a top-level playlist that would be refused: the helper must
# import loa/ only.
ln -s /etc/passwd "$S/media-link"
printf 'playlist = { id = "top"; };\n' >"$S/top.cfg"
LOA_USB_USER="" "$HELPER" "$S" --config "$CFG" >"$T_TMP/out1" 2>&1
rc=$?
check "folder stick: exit 0" [ $rc -eq 0 ]
check "folder stick: says OK" grep -q "OK: the playlists of stick-folder are in the library" "$T_TMP/out1"
check "folder stick: usb-a is installed" installed usb-a
[ $rc -eq 0 ] || sed 's/^/    /' "$T_TMP/out1"
gen_before=$(ls "$DATA/library" | grep -c '^gen-')

B="$T_TMP/bad-folder"
write_stick "$B" usb-bad
ln -s /etc/passwd "$B/media/evil.wav"
sed -i 's|media/ban-tin.wav|media/evil.wav|' "$B/usb-bad.cfg"
LOA_USB_USER="" "$HELPER" "$B" --config "$CFG" >"$T_TMP/out2" 2>&1
rc=$?
check "bad stick (a symlink): exit 1" [ $rc -eq 1 ]
check "bad stick: says REFUSED" grep -q "REFUSED" "$T_TMP/out2"
check "bad stick: names the entry" grep -q "evil.wav" "$T_TMP/out2"
check "bad stick: usb-bad not installed" not installed usb-bad
check "bad stick: usb-a still installed" installed usb-a
check "bad stick: no new library generation" [ "$(ls "$DATA/library" | grep -c '^gen-')" -eq "$gen_before" ]

"$HELPER" "$T_TMP/nothing-here" >"$T_TMP/out3" 2>&1
check "neither a device nor a folder: usage error (2)" [ $? -eq 2 ]

# --- 2. A block device --------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
    echo "    (block-device part skipped: needs root)"
    finish
    exit $?
fi
for c in losetup unshare mkfs.ext4 findmnt setpriv blkid; do
    command -v "$c" >/dev/null 2>&1 || {
        echo "    (block-device part skipped: '$c' is missing)"
        finish
        exit $?
    }
done
IMG_DIR="$T_TMP/stick-image"
write_stick "$IMG_DIR/LOA" usb-b
truncate -s 16M "$T_TMP/stick.img"
if ! mkfs.ext4 -q -F -L LOASTICK -d "$IMG_DIR" "$T_TMP/stick.img" ||
    ! LOOP=$(losetup -f --show "$T_TMP/stick.img" 2>/dev/null); then
    echo "    (block-device part skipped: no loop device here)"
    finish
    exit $?
fi
CLEANUP='losetup -d "$LOOP" 2>/dev/null'

# `loa import` runs as nobody: it must reach the binary, the config and the data dir.
chmod 755 "$T_TMP"
chown -R nobody "$DATA"
chmod 644 "$CFG"
# A stand-in for /usr/bin/loa that records how the stick is mounted and who runs it.
cat >"$T_TMP/loa-spy" <<SPY
#!/bin/sh
for last in "\$@"; do :; done
{ id -un; findmnt -n -o FSTYPE,OPTIONS --target "\$last"; } >"$T_TMP/spy.out" 2>&1
exec "$LOA_BIN" "\$@"
SPY
chmod 755 "$T_TMP/loa-spy"
: >"$T_TMP/spy.out"
chmod 666 "$T_TMP/spy.out"
MNT="$T_TMP/run"
mkdir -p "$MNT"

unshare -m sh -c "
    LOA_BIN='$T_TMP/loa-spy' LOA_USB_USER=nobody LOA_USB_MOUNT_DIR='$MNT' \
        GST_REGISTRY='$T_TMP/gst-registry.bin' '$HELPER' '$LOOP' --config '$CFG'
    echo \"rc=\$?\"
    findmnt -n '$MNT/stick' >/dev/null && echo still-mounted || echo unmounted
" >"$T_TMP/out4" 2>&1
check "block device: exit 0" grep -qx "rc=0" "$T_TMP/out4"
check "block device: usb-b is installed" installed usb-b
check "block device: loa import ran as nobody" grep -qx "nobody" "$T_TMP/spy.out"
opts=$(sed -n 2p "$T_TMP/spy.out")
echo "    mounted during the import as: $opts"
for o in ro nosuid nodev noexec nosymfollow; do
    check "block device: mounted $o" sh -c "printf '%s\n' '$opts' | tr ', ' '\n\n' | grep -qx '$o'"
done
check "block device: unmounted afterwards" grep -qx "unmounted" "$T_TMP/out4"
newest=$(ls -d "$DATA"/library/gen-* | sort | tail -n 1)
check "block device: the new library generation belongs to nobody, not root" \
    [ "$(stat -c %U "$newest")" = nobody ]
grep -qx "rc=0" "$T_TMP/out4" || sed 's/^/    /' "$T_TMP/out4"

# A device that is mounted already (a system disk) is not touched.
unshare -m sh -c "
    mkdir -p '$T_TMP/sys' && mount -o ro '$LOOP' '$T_TMP/sys' &&
    LOA_USB_USER= LOA_USB_MOUNT_DIR='$MNT' '$HELPER' '$LOOP' --config '$CFG'
    echo \"rc=\$?\"
" >"$T_TMP/out5" 2>&1
check "mounted device: ignored, exit 0" grep -qx "rc=0" "$T_TMP/out5"
check "mounted device: says why" grep -q "is mounted already" "$T_TMP/out5"

# A device /etc/fstab names (by LABEL=) is a data disk, not a stick.
printf '# data partition\nLABEL=LOASTICK /srv/data ext4 defaults 0 2\n' >"$T_TMP/fstab"
unshare -m sh -c "
    LOA_USB_FSTAB='$T_TMP/fstab' LOA_USB_USER= LOA_USB_MOUNT_DIR='$MNT' \
        '$HELPER' '$LOOP' --config '$CFG'
    echo \"rc=\$?\"
" >"$T_TMP/out6" 2>&1
check "fstab device: ignored, exit 0" grep -qx "rc=0" "$T_TMP/out6"
check "fstab device: says why" grep -q "is listed in" "$T_TMP/out6"

finish
