/* Small text helpers: strict UTF-8, canonical integers, hex, base64, a byte buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "civil.h"
#include "ledger_internal.h"

bool ledger_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= len) /* continuation bytes i+1 .. i+n must exist */
            return false;
        for (size_t k = 1; k <= n; k++) {
            unsigned cc = s[i + k];
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        /* overlongs, surrogates, beyond U+10FFFF */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

int ledger_parse_int(const char *s, size_t len, int64_t *ret)
{
    size_t i = 0;
    bool neg = false;
    if (len == 0 || len > 20)
        return -EINVAL;
    if (s[0] == '-') {
        neg = true;
        i = 1;
        if (len == 1)
            return -EINVAL;
    }
    if (s[i] == '0' && (len - i > 1 || neg)) /* no leading zeros, no "-0" */
        return -EINVAL;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -EINVAL;
        v = v * 10 + d;
    }
    /* INT64_MIN is LEDGER_NONE: never a value. */
    if ((!neg && v > (uint64_t)INT64_MAX) || (neg && v > (uint64_t)INT64_MAX))
        return -EINVAL;
    *ret = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

size_t ledger_format_int(int64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t k = 0;
    if (v < 0)
        buf[k++] = '-';
    while (n)
        buf[k++] = tmp[--n];
    buf[k] = '\0';
    return k;
}

char *ledger_format_utc(int64_t usec, char *buf, size_t size)
{
    int64_t sec = usec / 1000000, frac = usec % 1000000;
    if (frac < 0) {
        frac += 1000000;
        sec -= 1;
    }
    int64_t day = sec / 86400, tod = sec % 86400;
    if (tod < 0) {
        tod += 86400;
        day -= 1;
    }
    int y, m, d;
    civil_to_ymd((int32_t)day, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d, (int)(tod / 3600),
             (int)(tod / 60 % 60), (int)(tod % 60), (int)frac);
    return buf;
}

bool ledger_is_slug(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

char *ledger_hex(const uint8_t hash[LEDGER_HASH_SIZE], char *buf)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < LEDGER_HASH_SIZE; i++) {
        buf[2 * i] = digits[hash[i] >> 4];
        buf[2 * i + 1] = digits[hash[i] & 15];
    }
    buf[2 * LEDGER_HASH_SIZE] = '\0';
    return buf;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int ledger_parse_hex(const char *s, uint8_t ret_hash[LEDGER_HASH_SIZE])
{
    uint8_t h[LEDGER_HASH_SIZE];
    if (!s || strlen(s) != 2 * LEDGER_HASH_SIZE)
        return -EINVAL;
    for (size_t i = 0; i < LEDGER_HASH_SIZE; i++) {
        int a = hexval(s[2 * i]), b = hexval(s[2 * i + 1]);
        if (a < 0 || b < 0)
            return -EINVAL;
        h[i] = (uint8_t)(a << 4 | b);
    }
    memcpy(ret_hash, h, LEDGER_HASH_SIZE);
    return 0;
}

int ledger_b64_decode_canonical(const char *s, size_t len, uint8_t *out, size_t cap)
{
    size_t n = 0;
    const char *end = NULL;
    if (len == 0 || len % 4 != 0)
        return -EBADMSG;
    if (sodium_base642bin(out, cap, s, len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != s + len)
        return -EBADMSG;
    /* Re-encode: the only text accepted is the one the encoder would write (no stray
     * bits in the last character, exact padding). */
    size_t need = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *re = malloc(need);
    if (!re)
        return -ENOMEM;
    sodium_bin2base64(re, need, out, n, sodium_base64_VARIANT_ORIGINAL);
    bool same = strlen(re) == len && memcmp(re, s, len) == 0;
    free(re);
    return same ? (int)n : -EBADMSG;
}

char *ledger_b64_encode(const uint8_t *in, size_t len, char *buf, size_t size)
{
    return sodium_bin2base64(buf, size, in, len, sodium_base64_VARIANT_ORIGINAL);
}

void ledger_buf_append(struct ledger_buf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ledger_buf_puts(struct ledger_buf *b, const char *s)
{
    ledger_buf_append(b, s, strlen(s));
}

void ledger_buf_printf(struct ledger_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        ledger_buf_append(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ledger_buf_append(b, big, (size_t)n);
    free(big);
}

void ledger_buf_free(struct ledger_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}
