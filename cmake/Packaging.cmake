# The system around the `loa` binary (SPEC.md "The board and the system"): install rules
# for the systemd units, udev rules, sysusers/tmpfiles snippets, the USB import helper,
# the shipped /etc/loa/loa.cfg and the docs; and CPack's Debian package:
#
#   cmake --build BUILD && (cd BUILD && cpack -G DEB)   →  BUILD/loa_<version>_<arch>.deb
#
# The package always installs under /usr (CPACK_PACKAGING_INSTALL_PREFIX) with the config
# in /etc/loa: the units name /usr/bin/loa, and the binary's default config is
# /etc/loa/loa.cfg. A plain `cmake --install` with another prefix installs the same
# files under that prefix, for inspection (the units then still name /usr/bin/loa).

set(LOA_PKG_DIR ${PROJECT_SOURCE_DIR}/packaging)

# --- Install rules --------------------------------------------------------------------
# Paths relative to the prefix: /usr/lib/... on the target (Debian 12 is merged-/usr, and
# systemd and udev read /usr/lib as well as /lib).
install(FILES
    ${LOA_PKG_DIR}/systemd/loa.service
    ${LOA_PKG_DIR}/systemd/loa-kiosk.service
    ${LOA_PKG_DIR}/systemd/loa-usb@.service
  DESTINATION lib/systemd/system)
install(FILES
    ${LOA_PKG_DIR}/udev/60-loa-gpio.rules
    ${LOA_PKG_DIR}/udev/90-loa-usb.rules
  DESTINATION lib/udev/rules.d)
install(FILES ${LOA_PKG_DIR}/sysusers/loa.conf DESTINATION lib/sysusers.d)
install(FILES ${LOA_PKG_DIR}/tmpfiles/loa.conf DESTINATION lib/tmpfiles.d)
install(PROGRAMS ${LOA_PKG_DIR}/loa-usb-import DESTINATION lib/loa)
# The config is a conffile (packaging/debian/conffiles): dpkg keeps the official's edits.
install(FILES ${LOA_PKG_DIR}/loa.cfg DESTINATION /etc/loa)

set(LOA_PKG_DOCDIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/loa)
file(GLOB LOA_PKG_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${LOA_PKG_DOCS} DESTINATION ${LOA_PKG_DOCDIR}
  OPTIONAL)
# The committees' 30-line ledger re-check script (docs/ledger.md).
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/ledger-check.py)
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/docs/ledger-check.py DESTINATION ${LOA_PKG_DOCDIR})
endif()
install(FILES ${LOA_PKG_DIR}/examples/watchdog.conf
  DESTINATION ${LOA_PKG_DOCDIR}/examples)

# --- CPack: the Debian package --------------------------------------------------------
set(CPACK_PACKAGE_NAME loa)
set(CPACK_PACKAGE_VENDOR "Loa")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "commune loudspeaker broadcaster with an airtime ledger")
set(CPACK_PACKAGE_DESCRIPTION
  "Loa airs prerecorded public announcements over a commune's loudspeakers at scheduled\n\
times, shows rotating notices on a kiosk screen and keeps a signed, append-only airtime\n\
ledger for the committees' reports. It runs as a systemd service on a Raspberry Pi\n\
class board, switches the amplifier through a GPIO relay and loads playlists from USB\n\
sticks.")
set(CPACK_PACKAGE_CONTACT "Loa developers <loa@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # loa_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries (SDL2, SQLite, libconfig, libgpiod, libsodium, libebur128,
# libxlsxwriter, cairo, pango, GStreamer, GLib, libsystemd) come from dpkg-shlibdeps;
# these are what the binary loads or runs without linking to it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# tzdata: the config's device.timezone is checked and used through the zoneinfo files.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-alsa, fonts-noto-core, tzdata, adduser, mount, systemd, udev")
# ca-certificates: relays of https:// streams.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gpiod, minisign")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${LOA_PKG_DIR}/debian/conffiles
  ${LOA_PKG_DIR}/debian/postinst
  ${LOA_PKG_DIR}/debian/prerm
  ${LOA_PKG_DIR}/debian/postrm)
# Maintainer scripts 0755, conffiles 0644, whatever the checkout's modes are.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
