/* airtime.csv rows: RFC 4180 with LF line ends, a field quoted only when it has to be
 * (so the bytes are a function of the record: the verifier insists on it). */
#include <errno.h>
#include <string.h>

#include "ledger_export.h"
#include "ledger_internal.h"

bool ledger_csv_needs_quotes(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return true;
    return false;
}

void ledger_csv_field(struct ledger_buf *b, const char *s, size_t len)
{
    if (!ledger_csv_needs_quotes(s, len)) {
        ledger_buf_append(b, s, len);
        return;
    }
    ledger_buf_append(b, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            ledger_buf_append(b, s + start, i + 1 - start);
            ledger_buf_append(b, "\"", 1);
            start = i + 1;
        }
    }
    ledger_buf_append(b, s + start, len - start);
    ledger_buf_append(b, "\"", 1);
}

int ledger_csv_row(struct ledger_buf *b, const struct ledger_record *r)
{
    char scratch[LEDGER_SHORT_FIELD];
    char hex[2 * LEDGER_HASH_SIZE + 1];
    for (size_t i = 0; i < LF_COUNT; i++) {
        size_t len;
        const char *t = ledger_field_text(r, i, scratch, &len, NULL);
        if (!t)
            return -EINVAL;
        ledger_csv_field(b, t, len);
        ledger_buf_append(b, ",", 1);
    }
    size_t n = ledger_format_int(r->seq, scratch);
    ledger_buf_append(b, scratch, n);
    ledger_buf_append(b, ",", 1);
    ledger_buf_puts(b, ledger_hex(r->prev_hash, hex));
    ledger_buf_append(b, ",", 1);
    ledger_buf_puts(b, ledger_hex(r->hash, hex));
    ledger_buf_append(b, "\n", 1);
    return b->failed ? -ENOMEM : 0;
}

const char *ledger_csv_header(void)
{
    /* Built from the field table at compile time would need a macro list; the table
     * is the source of truth, so this is checked against it by the tests. */
    return "kind,phase,written,device,key_id,unit_codes,province_code,province_name,"
           "district_code,district_name,commune_code,commune_name,clock_trust,source,"
           "airing_kind,playlist,reference,campaign_from,campaign_until,item,title,category,"
           "class,media_sha256,session,session_date,airing_key,planned_start,actual_start,"
           "actual_end,played_ms,outcome,reason,gain_cdb,shown_first,shown_last,shown_times,"
           "shown_seconds,event_type,event_detail,caller_uid,checkpoint_seq,checkpoint_head,"
           "signature,seq,prev_hash,hash";
}
