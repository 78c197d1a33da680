/* Records: the canonical fields, their text forms and the chain hash.
 *
 * One table (ledger_fields) drives everything: the CSV header and columns, the SQLite
 * columns, the canonical text, the parser. The order of the table is the canonical
 * order documented in docs/ledger.md and must never change within format v1.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "civil.h"
#include "ledger_internal.h"

static const char *const kind_names[] = {"airing", "notice", "event", "checkpoint"};
static const char *const phase_names[] = {"", "start", "final"};
static const char *const trust_names[] = {"synced",   "holdover", "rtc",
                                          "operator", "unsynced", "virtual"};
static const char *const source_names[] = {"", "plan", "play-now", "test"};
static const char *const airing_kind_names[] = {"", "chime", "announcement", "relay"};
static const char *const class_names[] = {"", "normal", "priority", "emergency"};
static const char *const outcome_names[] = {"",       "completed", "interrupted",
                                            "failed", "missed",    "dropped"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define F_TEXT(n, m)                                                                               \
    {                                                                                              \
        n, LEDGER_FT_TEXT, offsetof(struct ledger_record, m), NULL, 0, false                       \
    }
#define F_INT(n, m)                                                                                \
    {                                                                                              \
        n, LEDGER_FT_INT, offsetof(struct ledger_record, m), NULL, 0, false                        \
    }
#define F_DATE(n, m)                                                                               \
    {                                                                                              \
        n, LEDGER_FT_DATE, offsetof(struct ledger_record, m), NULL, 0, false                       \
    }
#define F_HEX(n, m)                                                                                \
    {                                                                                              \
        n, LEDGER_FT_HEX, offsetof(struct ledger_record, m), NULL, 0, false                        \
    }
#define F_ENUM(n, m, t, req)                                                                       \
    {                                                                                              \
        n, LEDGER_FT_ENUM, offsetof(struct ledger_record, m), t, N_OF(t), req                      \
    }

const struct ledger_field_def ledger_fields[LF_COUNT] = {
    [LF_KIND] = F_ENUM("kind", kind, kind_names, true),
    [LF_PHASE] = F_ENUM("phase", phase, phase_names, false),
    [LF_WRITTEN] = {"written", LEDGER_FT_INT, offsetof(struct ledger_record, written_usec), NULL, 0,
                    true},
    [LF_DEVICE] = {"device", LEDGER_FT_TEXT, offsetof(struct ledger_record, device_id), NULL, 0,
                   true},
    [LF_KEY_ID] = {"key_id", LEDGER_FT_KEYID, offsetof(struct ledger_record, key_id), NULL, 0,
                   true},
    [LF_UNIT_CODES] = F_TEXT("unit_codes", unit_codes),
    [LF_PROVINCE_CODE] = F_TEXT("province_code", province_code),
    [LF_PROVINCE_NAME] = F_TEXT("province_name", province_name),
    [LF_DISTRICT_CODE] = F_TEXT("district_code", district_code),
    [LF_DISTRICT_NAME] = F_TEXT("district_name", district_name),
    [LF_COMMUNE_CODE] = F_TEXT("commune_code", commune_code),
    [LF_COMMUNE_NAME] = F_TEXT("commune_name", commune_name),
    [LF_CLOCK_TRUST] = F_ENUM("clock_trust", trust, trust_names, true),
    [LF_SOURCE] = F_ENUM("source", source, source_names, false),
    [LF_AIRING_KIND] = F_ENUM("airing_kind", airing_kind, airing_kind_names, false),
    [LF_PLAYLIST] = F_TEXT("playlist", playlist_id),
    [LF_REFERENCE] = F_TEXT("reference", reference),
    [LF_CAMPAIGN_FROM] = F_DATE("campaign_from", campaign_from_day),
    [LF_CAMPAIGN_UNTIL] = F_DATE("campaign_until", campaign_until_day),
    [LF_ITEM] = F_TEXT("item", item_id),
    [LF_TITLE] = F_TEXT("title", title),
    [LF_CATEGORY] = F_TEXT("category", category),
    [LF_CLASS] = F_ENUM("class", cls, class_names, false),
    [LF_MEDIA_SHA256] = F_HEX("media_sha256", media_sha256),
    [LF_SESSION] = F_TEXT("session", session_id),
    [LF_SESSION_DATE] = F_DATE("session_date", session_day),
    [LF_AIRING_KEY] = F_TEXT("airing_key", airing_key),
    [LF_PLANNED_START] = F_INT("planned_start", planned_start_usec),
    [LF_ACTUAL_START] = F_INT("actual_start", actual_start_usec),
    [LF_ACTUAL_END] = F_INT("actual_end", actual_end_usec),
    [LF_PLAYED_MS] = F_INT("played_ms", played_ms),
    [LF_OUTCOME] = F_ENUM("outcome", outcome, outcome_names, false),
    [LF_REASON] = F_TEXT("reason", reason),
    [LF_GAIN_CDB] = F_INT("gain_cdb", gain_cdb),
    [LF_SHOWN_FIRST] = F_INT("shown_first", shown_first_usec),
    [LF_SHOWN_LAST] = F_INT("shown_last", shown_last_usec),
    [LF_SHOWN_TIMES] = F_INT("shown_times", shown_times),
    [LF_SHOWN_SECONDS] = F_INT("shown_seconds", shown_seconds),
    [LF_EVENT_TYPE] = F_TEXT("event_type", event_type),
    [LF_EVENT_DETAIL] = F_TEXT("event_detail", event_detail),
    [LF_CALLER_UID] = F_INT("caller_uid", caller_uid),
    [LF_CHECKPOINT_SEQ] = F_INT("checkpoint_seq", checkpoint_seq),
    [LF_CHECKPOINT_HEAD] = F_HEX("checkpoint_head", checkpoint_head),
    [LF_SIGNATURE] = {"signature", LEDGER_FT_SIG, offsetof(struct ledger_record, signature), NULL,
                      0, false},
};

/* Typed access to a field through its offset. */
#define FIELD_PTR(r, def, type) ((type *)((char *)(r) + (def)->offset))
#define FIELD_CPTR(r, def, type) ((type const *)((const char *)(r) + (def)->offset))

void ledger_record_init(struct ledger_record *r, enum ledger_kind kind)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field_def *d = &ledger_fields[i];
        if (d->type == LEDGER_FT_INT)
            *FIELD_PTR(r, d, int64_t) = LEDGER_NONE;
        else if (d->type == LEDGER_FT_DATE)
            *FIELD_PTR(r, d, int32_t) = LEDGER_NO_DAY;
    }
}

static bool is_string_type(enum ledger_ftype t)
{
    return t == LEDGER_FT_TEXT || t == LEDGER_FT_HEX || t == LEDGER_FT_KEYID || t == LEDGER_FT_SIG;
}

struct ledger_record *ledger_record_dup(const struct ledger_record *r)
{
    size_t total = sizeof(*r);
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field_def *d = &ledger_fields[i];
        if (is_string_type(d->type)) {
            const char *s = *FIELD_CPTR(r, d, const char *);
            total += (s ? strlen(s) : 0) + 1;
        }
    }
    struct ledger_record *c = malloc(total);
    if (!c)
        return NULL;
    *c = *r;
    char *p = (char *)(c + 1);
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field_def *d = &ledger_fields[i];
        if (is_string_type(d->type)) {
            const char *s = *FIELD_CPTR(r, d, const char *);
            size_t n = s ? strlen(s) : 0;
            if (n)
                memcpy(p, s, n);
            p[n] = '\0';
            *FIELD_PTR(c, d, const char *) = p;
            p += n + 1;
        }
    }
    return c;
}

struct ledger_record *ledger_record_free(struct ledger_record *r)
{
    free(r);
    return NULL;
}

static const char *enum_name(const char *const *names, size_t n, unsigned v)
{
    return v < n ? names[v] : NULL;
}

const char *ledger_kind_name(enum ledger_kind k)
{
    return enum_name(kind_names, N_OF(kind_names), (unsigned)k);
}
const char *ledger_phase_name(enum ledger_phase p)
{
    return enum_name(phase_names, N_OF(phase_names), (unsigned)p);
}
const char *ledger_trust_name(enum ledger_trust t)
{
    return enum_name(trust_names, N_OF(trust_names), (unsigned)t);
}
const char *ledger_source_name(enum ledger_source s)
{
    return enum_name(source_names, N_OF(source_names), (unsigned)s);
}
const char *ledger_airing_kind_name(enum ledger_airing_kind k)
{
    return enum_name(airing_kind_names, N_OF(airing_kind_names), (unsigned)k);
}
const char *ledger_class_name(enum ledger_class c)
{
    return enum_name(class_names, N_OF(class_names), (unsigned)c);
}
const char *ledger_outcome_name(enum ledger_outcome o)
{
    return enum_name(outcome_names, N_OF(outcome_names), (unsigned)o);
}

bool ledger_reason_valid(enum ledger_outcome o, const char *reason)
{
    static const char *const interrupted[] = {"emergency", "shutdown", "crash", NULL};
    static const char *const failed[] = {"missing-file",
                                         "hash-mismatch",
                                         "undecodable",
                                         "missing-plugin",
                                         "device-busy",
                                         "device-absent",
                                         "stream-unreachable",
                                         "stall",
                                         "silence",
                                         "timeout",
                                         NULL};
    static const char *const missed[] = {"downtime",     "clock-unsynced", "clock-step",
                                         "session-over", "quiet-hours",    "paused",
                                         "skip-date",    "pre-empted",     NULL};
    static const char *const dropped[] = {"session-full", NULL};
    const char *const *list = NULL;
    if (!reason)
        reason = "";
    switch (o) {
    case LEDGER_OUTCOME_COMPLETED:
        return reason[0] == '\0';
    case LEDGER_OUTCOME_INTERRUPTED:
        list = interrupted;
        break;
    case LEDGER_OUTCOME_FAILED:
        list = failed;
        break;
    case LEDGER_OUTCOME_MISSED:
        list = missed;
        break;
    case LEDGER_OUTCOME_DROPPED:
        list = dropped;
        break;
    default:
        return false;
    }
    for (; *list; list++)
        if (strcmp(*list, reason) == 0)
            return true;
    return false;
}

size_t ledger_field_count(void)
{
    return LF_COUNT;
}

const char *ledger_field_name(size_t i)
{
    return i < LF_COUNT ? ledger_fields[i].name : NULL;
}

static bool is_hex_lower(const char *s, size_t len, size_t want)
{
    if (len != want)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool is_hex_upper(const char *s, size_t len, size_t want)
{
    if (len != want)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

static bool sig_text_valid(const char *s, size_t len)
{
    uint8_t sig[LEDGER_SIG_SIZE + 4];
    return ledger_b64_decode_canonical(s, len, sig, sizeof sig) == LEDGER_SIG_SIZE;
}

const char *ledger_field_text(const struct ledger_record *r, size_t i, char *scratch,
                              size_t *ret_len, struct loa_diag *reterr)
{
    const struct ledger_field_def *d = &ledger_fields[i];
    const char *s = NULL;
    size_t len = 0;

    switch (d->type) {
    case LEDGER_FT_INT: {
        int64_t v = *FIELD_CPTR(r, d, int64_t);
        if (v == LEDGER_NONE) {
            s = "";
            len = 0;
        } else {
            len = ledger_format_int(v, scratch);
            s = scratch;
        }
        break;
    }
    case LEDGER_FT_DATE: {
        int32_t v = *FIELD_CPTR(r, d, int32_t);
        if (v == LEDGER_NO_DAY) {
            s = "";
        } else {
            int y, m, dd;
            civil_to_ymd(v, &y, &m, &dd);
            if (y < 1900 || y > 9999)
                goto bad;
            s = civil_format_date(v, scratch, LEDGER_SHORT_FIELD);
            len = strlen(s);
        }
        break;
    }
    case LEDGER_FT_ENUM: {
        int v = *FIELD_CPTR(r, d, int);
        s = (v >= 0 && (size_t)v < d->n_enum) ? d->enum_names[v] : NULL;
        if (!s)
            goto bad;
        len = strlen(s);
        break;
    }
    case LEDGER_FT_TEXT:
    case LEDGER_FT_HEX:
    case LEDGER_FT_KEYID:
    case LEDGER_FT_SIG:
        s = *FIELD_CPTR(r, d, const char *);
        if (!s)
            s = "";
        len = strlen(s);
        if (len == 0)
            break;
        if (d->type == LEDGER_FT_TEXT && (len > LEDGER_MAX_TEXT || !ledger_utf8_valid(s, len)))
            goto bad;
        if (d->type == LEDGER_FT_HEX && !is_hex_lower(s, len, 2 * LEDGER_HASH_SIZE))
            goto bad;
        if (d->type == LEDGER_FT_KEYID && !is_hex_upper(s, len, 16))
            goto bad;
        if (d->type == LEDGER_FT_SIG && !sig_text_valid(s, len))
            goto bad;
        break;
    }
    if (d->required && len == 0)
        goto bad;
    *ret_len = len;
    return s;
bad:
    loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, NULL, 0, "field %s: value not representable",
                 d->name);
    return NULL;
}

int ledger_record_to_fields(const struct ledger_record *r, char ***ret_fields)
{
    char scratch[LF_COUNT][LEDGER_SHORT_FIELD];
    const char *texts[LF_COUNT];
    size_t lens[LF_COUNT];
    size_t total = LF_COUNT * sizeof(char *);

    for (size_t i = 0; i < LF_COUNT; i++) {
        texts[i] = ledger_field_text(r, i, scratch[i], &lens[i], NULL);
        if (!texts[i])
            return -EINVAL;
        total += lens[i] + 1;
    }
    char **out = malloc(total);
    if (!out)
        return -ENOMEM;
    char *p = (char *)(out + LF_COUNT);
    for (size_t i = 0; i < LF_COUNT; i++) {
        memcpy(p, texts[i], lens[i]);
        p[lens[i]] = '\0';
        out[i] = p;
        p += lens[i] + 1;
    }
    *ret_fields = out;
    return 0;
}

static int parse_date(const char *s, size_t len, int32_t *ret)
{
    char buf[16];
    if (len != 10)
        return -EINVAL;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return civil_parse_date(buf, ret);
}

int ledger_record_parse_fields(const char *const *fields, const size_t *lens,
                               struct ledger_record *r, struct loa_diag *reterr)
{
    ledger_record_init(r, LEDGER_AIRING);
    for (size_t i = 0; i < LF_COUNT; i++) {
        const struct ledger_field_def *d = &ledger_fields[i];
        const char *s = fields[i];
        size_t len = lens ? lens[i] : strlen(s);

        if (len == 0 && d->required)
            goto bad;
        switch (d->type) {
        case LEDGER_FT_INT:
            if (len == 0)
                break; /* already LEDGER_NONE */
            if (ledger_parse_int(s, len, FIELD_PTR(r, d, int64_t)) < 0)
                goto bad;
            break;
        case LEDGER_FT_DATE:
            if (len == 0)
                break;
            if (parse_date(s, len, FIELD_PTR(r, d, int32_t)) < 0)
                goto bad;
            break;
        case LEDGER_FT_ENUM: {
            size_t k;
            for (k = 0; k < d->n_enum; k++)
                if (strlen(d->enum_names[k]) == len && memcmp(d->enum_names[k], s, len) == 0)
                    break;
            if (k == d->n_enum)
                goto bad;
            *FIELD_PTR(r, d, int) = (int)k;
            break;
        }
        case LEDGER_FT_TEXT:
            if (len > LEDGER_MAX_TEXT || !ledger_utf8_valid(s, len))
                goto bad;
            *FIELD_PTR(r, d, const char *) = s;
            break;
        case LEDGER_FT_HEX:
            if (len && !is_hex_lower(s, len, 2 * LEDGER_HASH_SIZE))
                goto bad;
            *FIELD_PTR(r, d, const char *) = s;
            break;
        case LEDGER_FT_KEYID:
            if (len && !is_hex_upper(s, len, 16))
                goto bad;
            *FIELD_PTR(r, d, const char *) = s;
            break;
        case LEDGER_FT_SIG:
            if (len && !sig_text_valid(s, len))
                goto bad;
            *FIELD_PTR(r, d, const char *) = s;
            break;
        }
        /* Texts must be C strings of exactly len bytes: an embedded NUL would make two
         * different byte strings read the same. */
        if (is_string_type(d->type) && strlen(s) != len)
            goto bad;
        continue;
    bad:
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, NULL, 0,
                            "field %s: not a canonical value", d->name);
    }
    return 0;
}

int ledger_record_from_fields(const char *const *fields, struct ledger_record **ret,
                              struct loa_diag *reterr)
{
    struct ledger_record r;
    int e = ledger_record_parse_fields(fields, NULL, &r, reterr);
    if (e < 0)
        return e;
    struct ledger_record *c = ledger_record_dup(&r);
    if (!c)
        return -ENOMEM;
    *ret = c;
    return 0;
}

static void ns_update(crypto_hash_sha256_state *st, const char *s, size_t len)
{
    char pre[24];
    size_t n = ledger_format_int((int64_t)len, pre);
    pre[n++] = ':';
    crypto_hash_sha256_update(st, (const unsigned char *)pre, n);
    crypto_hash_sha256_update(st, (const unsigned char *)s, len);
    crypto_hash_sha256_update(st, (const unsigned char *)",", 1);
}

void ledger_chain_hash_n(const uint8_t prev[LEDGER_HASH_SIZE], int64_t seq,
                         const char *const *fields, const size_t *lens,
                         uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    crypto_hash_sha256_state st;
    char seqbuf[24];
    size_t n = ledger_format_int(seq, seqbuf);

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prev, LEDGER_HASH_SIZE);
    ns_update(&st, seqbuf, n);
    for (size_t i = 0; i < LF_COUNT; i++)
        ns_update(&st, fields[i], lens ? lens[i] : strlen(fields[i]));
    crypto_hash_sha256_final(&st, ret_hash);
}

void ledger_chain_hash(const uint8_t prev_hash[LEDGER_HASH_SIZE], int64_t seq,
                       const char *const *fields, uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    ledger_chain_hash_n(prev_hash, seq, fields, NULL, ret_hash);
}

int ledger_record_hash(const struct ledger_record *r, uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    char scratch[LF_COUNT][LEDGER_SHORT_FIELD];
    const char *texts[LF_COUNT];
    size_t lens[LF_COUNT];
    for (size_t i = 0; i < LF_COUNT; i++) {
        texts[i] = ledger_field_text(r, i, scratch[i], &lens[i], NULL);
        if (!texts[i])
            return -EINVAL;
    }
    ledger_chain_hash_n(r->prev_hash, r->seq, texts, lens, ret_hash);
    return 0;
}

int ledger_checkpoint_message(const char *device_id, const char *key_id, int64_t seq,
                              const uint8_t head[LEDGER_HASH_SIZE], char *buf, size_t size)
{
    char hex[2 * LEDGER_HASH_SIZE + 1];
    char seqbuf[24];
    ledger_format_int(seq, seqbuf);
    struct ledger_buf b = {0};
    ledger_buf_printf(&b, "loa-checkpoint v1 device=%s key=%s seq=%s head=%s", device_id, key_id,
                      seqbuf, ledger_hex(head, hex));
    int ret;
    if (b.failed)
        ret = -ENOMEM;
    else if (b.len + 1 > size)
        ret = -ENOBUFS;
    else {
        memcpy(buf, b.data, b.len + 1);
        ret = (int)b.len;
    }
    ledger_buf_free(&b);
    return ret;
}
