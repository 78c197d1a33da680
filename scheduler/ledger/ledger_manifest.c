/* manifest.json and the export's trusted comment. The manifest is a deterministic
 * function of the exported records (and the CSV's bytes), so the verifier rebuilds it
 * and compares byte for byte instead of parsing JSON from an untrusted file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "ledger_export.h"
#include "ledger_internal.h"

static void json_string(struct ledger_buf *b, const char *s)
{
    ledger_buf_append(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        switch (c) {
        case '"':
            ledger_buf_puts(b, "\\\"");
            break;
        case '\\':
            ledger_buf_puts(b, "\\\\");
            break;
        case '\n':
            ledger_buf_puts(b, "\\n");
            break;
        case '\r':
            ledger_buf_puts(b, "\\r");
            break;
        case '\t':
            ledger_buf_puts(b, "\\t");
            break;
        default:
            if (c < 0x20)
                ledger_buf_printf(b, "\\u%04x", c);
            else
                ledger_buf_append(b, p, 1);
        }
    }
    ledger_buf_append(b, "\"", 1);
}

static void json_unit(struct ledger_buf *b, const char *code, const char *name)
{
    if (!code || !*code) {
        ledger_buf_puts(b, "null");
        return;
    }
    ledger_buf_puts(b, "{\"code\": ");
    json_string(b, code);
    ledger_buf_puts(b, ", \"name\": ");
    json_string(b, name ? name : "");
    ledger_buf_puts(b, "}");
}

static void json_date(struct ledger_buf *b, int32_t day)
{
    char d[16];
    if (day == LEDGER_NO_DAY)
        ledger_buf_puts(b, "null");
    else
        ledger_buf_printf(b, "\"%s\"", civil_format_date(day, d, sizeof d));
}

void ledger_manifest_build(const struct ledger_manifest_info *m, struct ledger_buf *out)
{
    char hex[2 * LEDGER_HASH_SIZE + 1], t[40], n[24];
    const struct ledger_record *r = m->last;

    ledger_buf_puts(out, "{\n  \"format\": \"loa-export v1\",\n  \"device\": ");
    json_string(out, m->device_id);
    ledger_buf_puts(out, ",\n  \"key_id\": ");
    json_string(out, m->key_id);
    ledger_buf_puts(out, ",\n  \"commune\": {\n    \"unit_codes\": ");
    json_string(out, r->unit_codes ? r->unit_codes : "");
    ledger_buf_puts(out, ",\n    \"province\": ");
    json_unit(out, r->province_code, r->province_name);
    ledger_buf_puts(out, ",\n    \"district\": ");
    json_unit(out, r->district_code, r->district_name);
    ledger_buf_puts(out, ",\n    \"commune\": ");
    json_unit(out, r->commune_code, r->commune_name);
    ledger_format_int(m->first_seq, n);
    ledger_buf_printf(out, "\n  },\n  \"first_seq\": %s,\n", n);
    ledger_format_int(m->last_seq, n);
    ledger_buf_printf(out, "  \"last_seq\": %s,\n", n);
    ledger_format_int(m->n_records, n);
    ledger_buf_printf(out, "  \"records\": %s,\n", n);
    ledger_buf_printf(out, "  \"head\": \"%s\",\n", ledger_hex(m->head, hex));
    if (m->has_prev)
        ledger_buf_printf(out, "  \"prev\": \"%s\",\n", ledger_hex(m->prev, hex));
    else
        ledger_buf_puts(out, "  \"prev\": null,\n");
    ledger_buf_printf(out, "  \"period\": {\n    \"first_written\": \"%s\",\n",
                      ledger_format_utc(m->first_written_usec, t, sizeof t));
    ledger_buf_printf(out, "    \"last_written\": \"%s\",\n",
                      ledger_format_utc(m->last_written_usec, t, sizeof t));
    ledger_buf_puts(out, "    \"first_session_date\": ");
    json_date(out, m->first_session_day);
    ledger_buf_puts(out, ",\n    \"last_session_date\": ");
    json_date(out, m->last_session_day);
    ledger_buf_puts(out, "\n  },\n  \"files\": {\n    \"" LEDGER_EXPORT_CSV "\": {\"bytes\": ");
    ledger_format_int((int64_t)m->csv_bytes, n);
    ledger_buf_printf(out, "%s, \"sha256\": \"%s\"}\n  }\n}\n", n, ledger_hex(m->csv_sha256, hex));
}

void ledger_export_detail(int64_t first_seq, int64_t last_seq, const uint8_t head[LEDGER_HASH_SIZE],
                          bool has_prev, const uint8_t prev[LEDGER_HASH_SIZE], char *buf,
                          size_t size)
{
    char a[24], b[24], h[2 * LEDGER_HASH_SIZE + 1], p[2 * LEDGER_HASH_SIZE + 1];
    ledger_format_int(first_seq, a);
    ledger_format_int(last_seq, b);
    snprintf(buf, size, "seq=%s-%s head=%s prev=%s", a, b, ledger_hex(head, h),
             has_prev ? ledger_hex(prev, p) : "none");
}

void ledger_export_trusted_comment(const char *device_id, const char *key_id, int64_t first_seq,
                                   int64_t last_seq, const uint8_t head[LEDGER_HASH_SIZE],
                                   bool has_prev, const uint8_t prev[LEDGER_HASH_SIZE], char *buf,
                                   size_t size)
{
    char detail[256];
    ledger_export_detail(first_seq, last_seq, head, has_prev, prev, detail, sizeof detail);
    snprintf(buf, size, "loa-export v1 device=%s key=%s %s", device_id, key_id, detail);
}

int ledger_export_detail_parse(const char *s, int64_t *ret_first, int64_t *ret_last,
                               uint8_t ret_head[LEDGER_HASH_SIZE])
{
    /* "seq=<a>-<b> head=<hex> prev=<hex|none>" */
    if (strncmp(s, "seq=", 4) != 0)
        return -EBADMSG;
    const char *p = s + 4;
    const char *dash = strchr(p, '-');
    const char *sp = dash ? strchr(dash, ' ') : NULL;
    if (!dash || !sp)
        return -EBADMSG;
    int64_t a, b;
    if (ledger_parse_int(p, (size_t)(dash - p), &a) < 0 ||
        ledger_parse_int(dash + 1, (size_t)(sp - dash - 1), &b) < 0)
        return -EBADMSG;
    if (strncmp(sp, " head=", 6) != 0)
        return -EBADMSG;
    char hex[2 * LEDGER_HASH_SIZE + 1];
    const char *h = sp + 6;
    if (strlen(h) < 2 * LEDGER_HASH_SIZE)
        return -EBADMSG;
    memcpy(hex, h, 2 * LEDGER_HASH_SIZE);
    hex[2 * LEDGER_HASH_SIZE] = '\0';
    if (ledger_parse_hex(hex, ret_head) < 0 || strncmp(h + 64, " prev=", 6) != 0)
        return -EBADMSG;
    *ret_first = a;
    *ret_last = b;
    return 0;
}
