/* Text from untrusted files: capped reads, UTF-8 validation, NFC, ids, paths. */
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int loa_text_read_file(const char *path, size_t max_size, char **ret_data, size_t *ret_len,
                       struct loa_diag *reterr)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int r;

    /* O_NONBLOCK so that a FIFO named by mistake cannot hang us before fstat refuses it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        r = -errno;
        return loa_diag_set(reterr, r, LOA_SEV_ERROR, path, 0, "cannot open: %s", strerror(-r));
    }
    if (fstat(fd, &st) < 0) {
        r = loa_diag_set(reterr, -errno, LOA_SEV_ERROR, path, 0, "cannot stat: %s",
                         strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        r = loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, path, 0, "not a regular file");
        goto out;
    }
    if ((uint64_t)st.st_size > max_size) {
        r = loa_diag_set(reterr, -EFBIG, LOA_SEV_ERROR, path, 0,
                         "file too large (%lld bytes, the limit is %zu)", (long long)st.st_size,
                         max_size);
        goto out;
    }
    buf = malloc(max_size + 2);
    if (!buf) {
        r = -ENOMEM;
        goto out;
    }
    /* Read up to one byte past the cap: the file may have grown since fstat. */
    for (;;) {
        ssize_t n = read(fd, buf + len, max_size + 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = loa_diag_set(reterr, -errno, LOA_SEV_ERROR, path, 0, "cannot read: %s",
                             strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max_size) {
            r = loa_diag_set(reterr, -EFBIG, LOA_SEV_ERROR, path, 0,
                             "file too large (more than %zu bytes)", max_size);
            goto out;
        }
    }
    buf[len] = '\0';
    *ret_data = buf;
    *ret_len = len;
    buf = NULL;
    r = 0;
out:
    free(buf);
    close(fd);
    return r;
}

int loa_text_check_utf8(const char *file, const char *data, size_t len, struct loa_diag *reterr)
{
    const char *end = NULL;
    if (g_utf8_validate_len(data, len, &end))
        return 0;
    int line = 1;
    const char *bol = data;
    for (const char *p = data; p < end; p++)
        if (*p == '\n') {
            line++;
            bol = p + 1;
        }
    unsigned char bad = (unsigned char)*end;
    if (bad == 0)
        return loa_diag_set(reterr, -EILSEQ, LOA_SEV_ERROR, file, line,
                            "NUL byte at column %d (the file must be UTF-8 text)",
                            (int)(end - bol) + 1);
    return loa_diag_set(reterr, -EILSEQ, LOA_SEV_ERROR, file, line,
                        "invalid UTF-8 (byte 0x%02X at column %d); save the file as UTF-8", bad,
                        (int)(end - bol) + 1);
}

char *loa_text_nfc(const char *s)
{
    /* g_malloc is malloc since GLib 2.46, so the result may be free()d. */
    return g_utf8_normalize(s, -1, G_NORMALIZE_NFC);
}

bool loa_text_is_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return n >= 1 && n <= 63;
}

char *loa_text_resolve_path(const char *dir, const char *rel)
{
    /* Lexical only: what the official wrote, folded; the file is opened later. */
    return g_canonicalize_filename(rel, dir);
}
