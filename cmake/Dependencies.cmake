# Every third-party library, found once, as pkg-config imported targets.
# Modules link only the ones they need (see each module's CMakeLists.txt).
find_package(PkgConfig REQUIRED)
pkg_check_modules(GLIB      REQUIRED IMPORTED_TARGET glib-2.0>=2.74 gio-2.0 gio-unix-2.0)
pkg_check_modules(GST       REQUIRED IMPORTED_TARGET gstreamer-1.0>=1.22 gstreamer-base-1.0
                                                     gstreamer-pbutils-1.0 gstreamer-audio-1.0
                                                     gstreamer-app-1.0)
pkg_check_modules(SDL       REQUIRED IMPORTED_TARGET sdl2 SDL2_ttf SDL2_image)
pkg_check_modules(SQLITE    REQUIRED IMPORTED_TARGET sqlite3>=3.40)
pkg_check_modules(LIBCONFIG REQUIRED IMPORTED_TARGET libconfig>=1.5)
pkg_check_modules(GPIOD     REQUIRED IMPORTED_TARGET libgpiod>=1.6)
pkg_check_modules(SYSTEMD   REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(SODIUM    REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(EBUR128   REQUIRED IMPORTED_TARGET libebur128)
pkg_check_modules(XLSX      REQUIRED IMPORTED_TARGET xlsxwriter)
pkg_check_modules(PANGO     REQUIRED IMPORTED_TARGET cairo pango pangocairo)
