#!/bin/sh
# Install the Debian 12 packages Loa builds, runs and tests with (sudo when not root).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev
  libglib2.0-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-alsa gstreamer1.0-tools
  libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev
  libsqlite3-dev sqlite3 libconfig-dev libgpiod-dev gpiod libsystemd-dev libsodium-dev
  libebur128-dev libxlsxwriter-dev libcairo2-dev libpango1.0-dev
  fonts-noto-core espeak-ng sox libsox-fmt-all lame
  minisign poppler-utils python3-openpyxl
  systemd udev dpkg-dev e2fsprogs mmdebstrap systemd-container"
# Skip apt entirely when everything is already there (fast re-runs, no network needed).
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
