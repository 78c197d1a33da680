/* SHA-256 of an open library file, read with pread so playback's view is unaffected. */
#include <errno.h>
#include <unistd.h>

#include "audio_private.h"

int audio_sha256_fd(int fd, GCancellable *cancel, char ret_hex[65])
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    guchar buf[65536];
    off_t off = 0;
    int r = 0;
    for (;;) {
        if (g_cancellable_is_cancelled(cancel)) {
            r = -ECANCELED;
            goto out;
        }
        ssize_t n = pread(fd, buf, sizeof buf, off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            goto out;
        }
        if (n == 0)
            break;
        g_checksum_update(sum, buf, (gssize)n);
        off += n;
    }
    g_strlcpy(ret_hex, g_checksum_get_string(sum), 65);
out:
    g_checksum_free(sum);
    return r;
}
