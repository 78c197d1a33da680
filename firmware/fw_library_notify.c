/* Telling a running daemon about a library change (fw_library.h): `reload`, and for a
 * USB import a footer banner on the kiosks (SPEC.md "Media library and USB import"). */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "daemon/fw_control.h"
#include "fw_library.h"

/* Characters of a refusal's message the footer gets: one line on a small screen. */
#define BANNER_ERROR_CHARS 120
/* Bytes of playlist ids listed in a success banner. */
#define BANNER_IDS_BYTES 240
/* How long the daemon may take to answer: it is busy at most a moment. */
#define NOTIFY_TIMEOUT_MS 2000

char *fw_library_import_banner(int r, const struct library_change *change,
                               const struct loa_diag_list *diags)
{
    GString *s = g_string_new("USB: ");
    if (r >= 0 && change) {
        g_string_append_printf(s, "đã nạp %zu danh sách phát", change->n_loaded);
        /* Ids up to about half the daemon's limit (KIOSK_BANNER_MAX): many go as "…". */
        for (size_t i = 0; i < change->n_loaded; i++) {
            if (s->len > BANNER_IDS_BYTES) {
                g_string_append(s, ", …");
                break;
            }
            g_string_append_printf(s, "%s%s", i ? ", " : " (", change->loaded[i]);
        }
        if (change->n_loaded)
            g_string_append_c(s, ')');
    } else if (r >= 0) {
        g_string_append(s, "đã nạp");
    } else {
        const struct loa_diag *first = NULL;
        for (size_t i = 0; diags && i < diags->n && !first; i++)
            if (diags->items[i].severity == LOA_SEV_ERROR)
                first = &diags->items[i];
        g_string_append(s, r == -EINVAL ? "từ chối" : "lỗi");
        if (first) {
            char *msg = first->file[0] ? g_strdup_printf("%s: %s",
                                                         strrchr(first->file, '/')
                                                             ? strrchr(first->file, '/') + 1
                                                             : first->file,
                                                         first->msg)
                                       : g_strdup(first->msg);
            /* One valid line: the daemon refuses anything else. */
            char *valid = g_utf8_make_valid(msg, -1);
            g_strdelimit(valid, "\r\n\t", ' ');
            g_string_append(s, " — ");
            if (g_utf8_strlen(valid, -1) > BANNER_ERROR_CHARS) {
                const char *cut = g_utf8_offset_to_pointer(valid, BANNER_ERROR_CHARS - 1);
                g_string_append_len(s, valid, cut - valid);
                g_string_append(s, "…");
            } else {
                g_string_append(s, valid);
            }
            g_free(valid);
            g_free(msg);
        }
    }
    return g_string_free(s, FALSE);
}

void fw_library_notify_daemon(const struct fw_globals *g, const char *banner, bool reload)
{
    int code;
    char *text = NULL;
    if (banner) {
        char *req = g_strdup_printf("banner %d %s", FW_LIBRARY_BANNER_SECONDS, banner);
        int r = fw_control_call(g, req, -1, NOTIFY_TIMEOUT_MS, &code, &text);
        g_free(req);
        g_free(text);
        text = NULL;
        if (r < 0)
            return; /* no daemon: nothing to tell */
    }
    if (reload) {
        if (fw_control_call(g, "reload", -1, NOTIFY_TIMEOUT_MS, &code, &text) >= 0 && code == 0)
            printf("asked the running daemon to reload (at the next session start)\n");
        g_free(text);
    }
}
