/* Handing a command over to a helper executable (see fw.h, firmware/CMakeLists.txt
 * "Executables"): `loa` itself links neither the kiosk renderer (SDL) nor the report
 * writers (xlsxwriter, pango/cairo), so that the daemon stays small in memory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fw.h"

/* Set by firmware/CMakeLists.txt: the install's libexec dir for loa, as given
 * (relative to the prefix, normally) and absolute. */
#ifndef LOA_LIBEXEC_REL
#define LOA_LIBEXEC_REL "libexec/loa"
#endif
#ifndef LOA_LIBEXEC_DIR
#define LOA_LIBEXEC_DIR "/usr/libexec/loa"
#endif

/* The candidates in order: next to this binary (the build tree, or a copy of the
 * helpers beside it), the prefix's libexec dir seen from bin/ (an installed tree under
 * any prefix, the Debian package's /usr among them), the configured install's. */
static int candidate(size_t i, const char *exe_dir, const char *helper, char *buf, size_t size)
{
    int n;
    switch (i) {
    case 0:
        if (!exe_dir)
            return -ENOENT;
        n = snprintf(buf, size, "%s/%s", exe_dir, helper);
        break;
    case 1:
        if (!exe_dir || LOA_LIBEXEC_REL[0] == '/')
            return -ENOENT;
        n = snprintf(buf, size, "%s/../%s/%s", exe_dir, LOA_LIBEXEC_REL, helper);
        break;
    case 2:
        n = snprintf(buf, size, "%s/%s", LOA_LIBEXEC_DIR, helper);
        break;
    default:
        return -ERANGE;
    }
    return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int fw_exec_helper(const struct fw_globals *g, const char *helper)
{
    char exe[PATH_MAX], path[PATH_MAX + 64];
    const char *exe_dir = NULL;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            exe_dir = exe;
        }
    }
    /* Whatever this process buffered must not be written twice or lost. */
    fflush(NULL);
    int r = 0;
    for (size_t i = 0; r != -ERANGE; i++) {
        r = candidate(i, exe_dir, helper, path, sizeof path);
        if (r < 0 || access(path, X_OK) != 0)
            continue;
        execv(path, g->argv);
        fw_error("cannot run %s: %s", path, strerror(errno));
        return LOA_EXIT_RUNTIME;
    }
    fw_error("this command needs the helper program %s, which is not installed (looked in "
             "%s and %s)",
             helper, exe_dir ? exe_dir : "the program's directory", LOA_LIBEXEC_DIR);
    return LOA_EXIT_RUNTIME;
}
