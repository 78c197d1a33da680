#!/bin/sh
# test_system_deb_install: the .deb installs into a clean Debian 12 root made here with
#   mmdebstrap --variant=apt --include=/path/loa_<version>_<arch>.deb bookworm ROOT
# (so apt resolves every Depends from the Debian mirror), with every file in place, the
# loa user and groups created, /var/lib/loa owned by loa, the units enabled; then inside
# the root (chroot): `loa --help`, `loa check` on the shipped config (as root and as loa),
# `loa check` of a playlist with a WAV (the GStreamer plugins came with the Depends), a
# kiosk snapshot (SDL, the Noto font), `systemd-analyze verify` on the installed units,
# and a purge that keeps /var/lib/loa.
#
# Slow (a few minutes) and needs the network to the Debian mirror: it runs only with
# LOA_TEST_DEB=1, else exits 77 saying so. LOA_DEB=FILE tests that package instead of
# making one with cpack; LOA_DEB_MIRROR overrides the mirror (default: this machine's
# Debian apt sources, else http://deb.debian.org/debian).
set -u
. "$(dirname "$0")/lib.sh"
[ "${LOA_TEST_DEB:-0}" = 1 ] ||
    skip "slow and needs the Debian mirror: run with LOA_TEST_DEB=1 (tests/system/deb_install.sh)"
need_root "mmdebstrap's root mode and chroot"
need mmdebstrap dpkg-deb chroot cpack

# --- The package --------------------------------------------------------------------
if [ -n "${LOA_DEB:-}" ]; then
    DEB=$LOA_DEB
else
    : "${LOA_BUILD_DIR:?LOA_BUILD_DIR not set}"
    cpack -G DEB --config "$LOA_BUILD_DIR/CPackConfig.cmake" -B "$T_TMP/out" >"$T_TMP/cpack.log" 2>&1 ||
        {
            tail -20 "$T_TMP/cpack.log"
            fail "cpack -G DEB"
            finish
            exit 1
        }
    DEB=$(ls "$T_TMP"/out/loa_*.deb)
fi
echo "    package: $DEB"
DEB=$(readlink -f "$DEB")

# --- The clean root -----------------------------------------------------------------
MIRROR=${LOA_DEB_MIRROR:-}
if [ -z "$MIRROR" ]; then
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
        [ -f "$f" ] && grep -q '^[^#]*debian.org/debian\b\|^[^#]*/debian$' "$f" 2>/dev/null &&
            grep -q 'bookworm' "$f" && MIRROR=$f && break
    done
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}
echo "    mirror: $MIRROR"
ROOT="$T_TMP/root"
start=$(date +%s)
# apt (outside) hands dpkg (inside the root) the .deb's path verbatim: mmdebstrap's own
# hook copies the package to the same path inside the root, and removes it afterwards.
HOOK=/usr/share/mmdebstrap/hooks/file-mirror-automount
[ -d "$HOOK" ] || skip "mmdebstrap's $HOOK hook is missing"
mmdebstrap --variant=apt --hook-dir="$HOOK" --include="$DEB" bookworm "$ROOT" "$MIRROR" \
    </dev/null >"$T_TMP/mmdebstrap.log" 2>&1
rc=$?
echo "    mmdebstrap: exit $rc in $(($(date +%s) - start)) s"
check "mmdebstrap --variant=apt --include=loa_*.deb bookworm succeeds" [ $rc -eq 0 ]
if [ $rc -ne 0 ]; then
    tail -40 "$T_TMP/mmdebstrap.log" | sed 's/^/    /'
    finish
    exit 1
fi
# chroot needs /proc for some tools; mounted privately, gone with the namespace.
in_root() { unshare -m sh -c "mount -t proc proc '$ROOT/proc' && chroot '$ROOT' \"\$@\"" sh "$@"; }

check "dpkg says loa is installed" sh -c \
    "chroot '$ROOT' dpkg-query -W -f='\${Status}' loa | grep -qx 'install ok installed'"
echo "    installed: $(chroot "$ROOT" dpkg-query -W -f='${Package} ${Version} ${Architecture}' loa)"

# Every file of the package is in place, with the package's mode.
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $1, substr($6, 2) }' >"$T_TMP/files"
missing=0
while read -r mode path; do
    if [ ! -e "$ROOT$path" ]; then
        echo "    missing: $path"
        missing=$((missing + 1))
    elif [ "$(stat -c %A "$ROOT$path")" != "$mode" ]; then
        echo "    mode of $path: $(stat -c %A "$ROOT$path"), package says $mode"
        missing=$((missing + 1))
    fi
done <"$T_TMP/files"
check "every file of the package is in place ($(wc -l <"$T_TMP/files") files)" [ $missing -eq 0 ]
check "/etc/loa/loa.cfg is a conffile" sh -c \
    "chroot '$ROOT' dpkg-query -W -f='\${Conffiles}' loa | grep -q '/etc/loa/loa.cfg'"

# Users and groups.
check "user loa exists" sh -c "chroot '$ROOT' getent passwd loa >/dev/null"
check "loa's home is /var/lib/loa, no login shell" sh -c \
    "chroot '$ROOT' getent passwd loa | grep -q ':/var/lib/loa:/usr/sbin/nologin\$'"
for g in loa gpio input render audio video; do
    check "group $g exists" sh -c "chroot '$ROOT' getent group '$g' >/dev/null"
done
groups=$(chroot "$ROOT" id -nG loa)
echo "    loa's groups: $groups"
for g in loa audio gpio; do
    check "loa is in group $g" sh -c "echo ' $groups ' | grep -q ' $g '"
done
# Numeric ids: this machine's user names are not the root's.
LOA_IDS="$(chroot "$ROOT" id -u loa):$(chroot "$ROOT" id -g loa)"
check "/var/lib/loa is loa:loa 0750" [ "$(stat -c '%u:%g %a' "$ROOT/var/lib/loa")" = "$LOA_IDS 750" ]
check "/var/cache/loa is loa:loa 0750" [ "$(stat -c '%u:%g %a' "$ROOT/var/cache/loa")" = "$LOA_IDS 750" ]

# The units are enabled (deb-systemd-helper), not started (no systemd running here).
for u in loa.service loa-kiosk.service; do
    check "$u enabled" [ -L "$ROOT/etc/systemd/system/multi-user.target.wants/$u" ]
done
for u in loa.service loa-kiosk.service loa-usb@.service; do
    unit=$u
    [ "$u" = loa-usb@.service ] && unit=loa-usb@sdz1.service
    out=$(in_root systemd-analyze verify "/usr/lib/systemd/system/$u" 2>&1)
    [ "$u" = loa-usb@.service ] &&
        out=$(in_root sh -c "cp /usr/lib/systemd/system/loa-usb@.service /tmp/$unit &&
            systemd-analyze verify /tmp/$unit" 2>&1)
    check "systemd-analyze verify $u inside the root: clean" [ -z "$out" ]
    [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
done

# The program.
quiet() { "$@" >/dev/null; }
check "loa --help runs inside the root" quiet in_root loa --help
check "loa check passes on the shipped config (root)" in_root loa check
check "loa check passes on the shipped config (as loa)" in_root setpriv --reuid=loa --regid=loa --init-groups loa check
check "loa board off --board none runs as loa" in_root setpriv --reuid=loa --regid=loa --init-groups loa board off --board none

# GStreamer decodes media with the plugins the Depends brought.
mkdir -p "$ROOT/root/stick/media"
make_tone "$ROOT/root/stick/media/ban-tin.wav" 2
cat >"$ROOT/root/stick/usb-test.cfg" <<'PL'
playlist = { id = "usb-test"; title = "Thử"; from = "2024-01-01"; until = "2030-12-31"; };
announcements = ( { id = "t-1"; file = "media/ban-tin.wav"; title = "Bản tin"; } );
PL
check "loa check decodes a WAV playlist inside the root" in_root loa check /root/stick/usb-test.cfg
check "the kiosk draws a snapshot with the Noto font inside the root" \
    in_root loa kiosk --snapshot /tmp/kiosk.png --at "2024-06-03 06:10" --size 800x480
check "... and the PNG is there" [ -s "$ROOT/tmp/kiosk.png" ]

# --- Booted: the sandboxed units under the root's own systemd ------------------------
# systemd-nspawn boots the root; a probe unit inside plays systemd's users: the daemon
# reaches READY under its full sandbox, an emergency airing switches the (sim) amplifier
# on, SIGKILL → ExecStopPost= switches it off and Restart= brings the daemon back, a clean
# stop succeeds. The board is the sim driver here (no GPIO chip in a container).
if command -v systemd-nspawn >/dev/null 2>&1; then
    cp "$ROOT/etc/loa/loa.cfg" "$T_TMP/loa.cfg.shipped"
    sed -i -e 's/driver = "gpio"/driver = "sim"/' -e 's/output = "auto"/output = "null"/' \
        -e 's/amp_warmup_ms = 2000/amp_warmup_ms = 100/' \
        -e 's/require_trust = true/require_trust = false/' "$ROOT/etc/loa/loa.cfg"
    make_tone "$ROOT/root/tone.wav" 20
    cat >"$ROOT/root/probe.sh" <<'PROBE'
#!/bin/sh
exec >/root/probe.out 2>&1
for i in $(seq 60); do systemctl is-active -q loa.service && break; sleep 1; done
echo "active=$(systemctl is-active loa.service)"
echo "status=$(systemctl show -p StatusText --value loa.service)"
echo "watchdog=$(systemctl show -p WatchdogUSec --value loa.service)"
loa play-now /root/tone.wav --class emergency >/dev/null
for i in $(seq 50); do tail -n 1 /var/lib/loa/board-sim.log | grep -q ' on$' && break; sleep 0.2; done
echo "before-kill=$(tail -n 1 /var/lib/loa/board-sim.log | cut -d' ' -f2)"
echo "registry=$(test -s /var/cache/loa/gst-registry.bin && echo yes)"
systemctl kill -s KILL loa.service
sleep 1
echo "after-kill=$(tail -n 1 /var/lib/loa/board-sim.log | cut -d' ' -f2)"
for i in $(seq 60); do [ "$(systemctl show -p NRestarts --value loa.service)" = 1 ] &&
    systemctl is-active -q loa.service && break; sleep 1; done
echo "restarts=$(systemctl show -p NRestarts --value loa.service)"
echo "active-again=$(systemctl is-active loa.service)"
systemctl stop loa.service
echo "stop-result=$(systemctl show -p Result --value loa.service)"
echo "kiosk=$(systemctl show -p ActiveState --value loa-kiosk.service)"
journalctl -u loa.service -u loa-kiosk.service --no-pager -b | tail -n 30
echo PROBE-DONE
systemctl poweroff
PROBE
    chmod 755 "$ROOT/root/probe.sh"
    printf '[Unit]\nAfter=loa.service\n[Service]\nType=oneshot\nExecStart=/root/probe.sh\n' \
        >"$ROOT/etc/systemd/system/loa-probe.service"
    ln -s /etc/systemd/system/loa-probe.service \
        "$ROOT/etc/systemd/system/multi-user.target.wants/loa-probe.service"
    timeout 300 systemd-nspawn -q --register=no --keep-unit -D "$ROOT" -b --console=passive \
        </dev/null >"$T_TMP/nspawn.log" 2>&1
    if grep -q PROBE-DONE "$ROOT/root/probe.out" 2>/dev/null; then
        probe() { grep -qx "$1" "$ROOT/root/probe.out"; }
        check "booted: loa.service active under its sandbox" probe "active=active"
        check "booted: STATUS= reached systemd" probe "status=idle.*"
        check "booted: WatchdogSec=30s armed" probe "watchdog=30s"
        check "booted: GStreamer's registry went to the cache directory" probe "registry=yes"
        check "booted: an emergency airing switched the amplifier on" probe "before-kill=on"
        check "booted: SIGKILL → ExecStopPost= switched it off" probe "after-kill=off"
        check "booted: Restart= brought the daemon back" probe "restarts=1"
        check "booted: ... and it is active again" probe "active-again=active"
        check "booted: a clean stop succeeds" probe "stop-result=success"
        sed -n '/^Dec\|^[A-Z][a-z][a-z] [0-9]/p' "$ROOT/root/probe.out" | tail -n 14 | sed 's/^/    /'
    else
        echo "    (booting the root with systemd-nspawn did not work here: skipped)"
        tail -n 5 "$T_TMP/nspawn.log" | sed 's/^/    /'
    fi
    cp "$T_TMP/loa.cfg.shipped" "$ROOT/etc/loa/loa.cfg"
    rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/loa-probe.service"
else
    echo "    (systemd-nspawn not installed: the booted stage is skipped)"
fi

# Purge: configuration and units go, the ledger's directory stays.
touch "$ROOT/var/lib/loa/ledger.db"
in_root dpkg --purge loa >"$T_TMP/purge.log" 2>&1
check "dpkg --purge loa succeeds" [ $? -eq 0 ]
check "purge removed /etc/loa" [ ! -e "$ROOT/etc/loa" ]
check "purge removed /usr/bin/loa" [ ! -e "$ROOT/usr/bin/loa" ]
check "purge removed the units' enablement" [ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/loa.service" ]
check "purge kept /var/lib/loa (the airtime ledger)" [ -e "$ROOT/var/lib/loa/ledger.db" ]
check "purge said so" grep -q "is kept" "$T_TMP/purge.log"

finish
