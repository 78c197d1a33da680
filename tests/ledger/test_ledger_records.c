/* The canonical form: field list, texts, parsing, the chain hash, base64. */
#include <sodium.h>

#include "ledger_fixture.h"
#include "ledger_internal.h"

static void test_field_table(void)
{
    g_assert_cmpuint(ledger_field_count(), ==, 44);
    /* The CSV header is the field list, then seq,prev_hash,hash. */
    GString *want = g_string_new(NULL);
    for (size_t i = 0; i < ledger_field_count(); i++)
        g_string_append_printf(want, "%s,", ledger_field_name(i));
    g_string_append(want, "seq,prev_hash,hash");
    g_assert_cmpstr(ledger_csv_header(), ==, want->str);
    g_string_free(want, TRUE);
    g_assert_null(ledger_field_name(44));
}

static void test_roundtrip(void)
{
    struct ledger_record r;
    lfx_airing(&r, LEDGER_PHASE_FINAL, civil_from_ymd(2020, 11, 2), "sang", "tmdt-01",
               "2020-11-02/sang/tmdt-01/1", LFX_T0, 95000);
    r.device_id = "vanquan-01";
    r.key_id = "885F9B8C60A39B50";
    r.commune_name = "Phường Văn Quán";
    char **f = NULL;
    g_assert_cmpint(ledger_record_to_fields(&r, &f), ==, 0);
    g_assert_cmpstr(f[0], ==, "airing");
    g_assert_cmpstr(f[1], ==, "final");
    g_assert_cmpstr(f[17], ==, "2020-11-01"); /* campaign_from */
    g_assert_cmpstr(f[25], ==, "2020-11-02"); /* session_date */
    g_assert_cmpstr(f[30], ==, "95000"); /* played_ms */
    g_assert_cmpstr(f[31], ==, "completed");
    g_assert_cmpstr(f[32], ==, ""); /* reason */
    g_assert_cmpstr(f[33], ==, "-320"); /* gain_cdb */
    g_assert_cmpstr(f[34], ==, ""); /* shown_first */
    struct ledger_record *back = NULL;
    struct loa_diag d = {0};
    g_assert_cmpint(ledger_record_from_fields((const char *const *)f, &back, &d), ==, 0);
    char **f2 = NULL;
    g_assert_cmpint(ledger_record_to_fields(back, &f2), ==, 0);
    for (size_t i = 0; i < ledger_field_count(); i++)
        g_assert_cmpstr(f[i], ==, f2[i]);
    free(f2);

    /* Non-canonical texts are refused, each naming its field. */
    static const struct {
        size_t field;
        const char *text;
    } bad[] = {
        {2, "0123"},
        {2, "+5"},
        {2, "-0"},
        {2, ""},
        {2, "1e3"},
        {2, "99999999999999999999"},
        {0, "Airing"},
        {1, "begin"},
        {25, "2021-02-30"},
        {25, "2021-2-3"},
        {23, "9F2C"},
        {4, "885f9b8c60a39b50"},
        {20, "\xc3\x28"},
        {20, "\xe0\x80\x80"},
        {20, "\xed\xa0\x80"},
        {43, "AAAA"},
        {12, "ntp"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *saved = f[bad[i].field];
        f[bad[i].field] = (char *)bad[i].text;
        struct ledger_record *x = NULL;
        memset(&d, 0, sizeof d);
        g_assert_cmpint(ledger_record_from_fields((const char *const *)f, &x, &d), ==, -EBADMSG);
        g_assert_nonnull(strstr(d.msg, ledger_field_name(bad[i].field)));
        f[bad[i].field] = (char *)saved;
    }
    free(f);
    ledger_record_free(back);
}

/* The hash, computed independently from the documented form. */
static void test_chain_hash(void)
{
    const char *fields[44];
    for (int i = 0; i < 44; i++)
        fields[i] = "";
    fields[0] = "event";
    fields[2] = "1604275200000000";
    fields[3] = "vanquan-01";
    fields[4] = "885F9B8C60A39B50";
    fields[12] = "synced";
    fields[38] = "boot";
    fields[39] = "{\"note\":\"Khởi động\"}";
    uint8_t prev[32], h[32], want[32];
    for (int i = 0; i < 32; i++)
        prev[i] = (uint8_t)i;
    ledger_chain_hash(prev, 7, fields, h);

    GByteArray *msg = g_byte_array_new();
    g_byte_array_append(msg, prev, 32);
    g_byte_array_append(msg, (const guint8 *)"1:7,", 4);
    for (int i = 0; i < 44; i++) {
        char *ns = g_strdup_printf("%zu:%s,", strlen(fields[i]), fields[i]);
        g_byte_array_append(msg, (const guint8 *)ns, (guint)strlen(ns));
        g_free(ns);
    }
    crypto_hash_sha256(want, msg->data, msg->len);
    g_byte_array_free(msg, TRUE);
    g_assert_cmpmem(h, 32, want, 32);

    char hex[65];
    uint8_t back[32];
    g_assert_cmpint(ledger_parse_hex(ledger_hex(h, hex), back), ==, 0);
    g_assert_cmpmem(h, 32, back, 32);
    g_assert_cmpint(ledger_parse_hex("ABCDEF", back), ==, -EINVAL);
}

static void test_base64(void)
{
    uint8_t out[16];
    g_assert_cmpint(ledger_b64_decode_canonical("aGk=", 4, out, sizeof out), ==, 2);
    /* "aGl=" decodes to the same bytes with stray low bits: not canonical. */
    g_assert_cmpint(ledger_b64_decode_canonical("aGl=", 4, out, sizeof out), ==, -EBADMSG);
    g_assert_cmpint(ledger_b64_decode_canonical("aGk", 3, out, sizeof out), ==, -EBADMSG);
    g_assert_cmpint(ledger_b64_decode_canonical("aG k", 4, out, sizeof out), ==, -EBADMSG);
    g_assert_cmpint(ledger_b64_decode_canonical("aGk=\n", 5, out, sizeof out), ==, -EBADMSG);
}

static void test_reasons(void)
{
    g_assert_true(ledger_reason_valid(LEDGER_OUTCOME_COMPLETED, ""));
    g_assert_false(ledger_reason_valid(LEDGER_OUTCOME_COMPLETED, "crash"));
    g_assert_true(ledger_reason_valid(LEDGER_OUTCOME_INTERRUPTED, "crash"));
    g_assert_true(ledger_reason_valid(LEDGER_OUTCOME_FAILED, "stream-unreachable"));
    g_assert_true(ledger_reason_valid(LEDGER_OUTCOME_MISSED, "clock-unsynced"));
    g_assert_true(ledger_reason_valid(LEDGER_OUTCOME_DROPPED, "session-full"));
    g_assert_false(ledger_reason_valid(LEDGER_OUTCOME_MISSED, "session-full"));
    g_assert_false(ledger_reason_valid(LEDGER_OUTCOME_NONE, ""));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/ledger/records/field-table", test_field_table);
    g_test_add_func("/ledger/records/roundtrip", test_roundtrip);
    g_test_add_func("/ledger/records/chain-hash", test_chain_hash);
    g_test_add_func("/ledger/records/base64", test_base64);
    g_test_add_func("/ledger/records/reasons", test_reasons);
    return g_test_run();
}
