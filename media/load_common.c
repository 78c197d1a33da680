/* The libconfig layer shared by the config and playlist loaders. */
#include "load_common.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "civil.h"
#include "playlist.h"
#include "text.h"

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '*' || c == '-' || c == '+' || c == '.';
}

/* A number token (sign, digits, hex prefix, fraction, exponent, L suffix) starting at
 * s: is it an integer libconfig 1.5 would truncate? It reads decimals with atoi-like
 * code into an int, so anything above 9 significant digits (8 for hex) is refused. */
static bool number_too_large(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
        while (i < n && s[i] == '0')
            i++;
        size_t digits = 0;
        while (i < n && g_ascii_isxdigit(s[i]))
            i++, digits++;
        return digits > 8;
    }
    for (size_t j = i; j < n; j++)
        if (s[j] == '.' || s[j] == 'e' || s[j] == 'E')
            return false; /* a float: libconfig uses strtod, and we check isfinite */
    while (i < n && s[i] == '0')
        i++;
    size_t digits = 0;
    while (i < n && g_ascii_isdigit(s[i]))
        i++, digits++;
    return digits > 9;
}

/* Where may a string literal stand? After '=' or ':', after '[' or '(', after another
 * string (concatenation), and after ',' inside an array or list. libconfig 1.5 leaks the
 * string's buffer when its parser meets a string anywhere else (a syntax error with a
 * string lookahead), so those errors are reported here, before it parses. */
static bool string_allowed(char prev, char open)
{
    return prev == '=' || prev == ':' || prev == '[' || prev == '(' || prev == 's' ||
           (prev == ',' && (open == '[' || open == '('));
}

int loa_ld_prescan(const char *file, const char *data, struct loa_diag *reterr)
{
    enum { NORMAL, STRING, LINE_COMMENT, BLOCK_COMMENT } st = NORMAL;
    enum { MAX_DEPTH = 64 };
    char open[MAX_DEPTH]; /* the brackets open around here: { [ ( */
    int depth = 0;
    char prev = 0; /* last token: 's' string, 'n' name/number, or the punctuation itself */
    int line = 1, string_line = 0;
    bool bol = true;

    for (const char *p = data; *p; p++) {
        if (bol) {
            /* Whatever the lexer state, a line starting with @include is refused: no
             * need to reason about which state libconfig's scanner would be in. */
            const char *q = p;
            while (*q == ' ' || *q == '\t' || *q == '\r')
                q++;
            if (strncmp(q, "@include", 8) == 0)
                return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, file, line,
                                    "@include is not allowed (write everything in this file)");
            bol = false;
        }
        char c = *p;
        if (c == '\n') {
            line++;
            bol = true;
            if (st == LINE_COMMENT)
                st = NORMAL;
            continue;
        }
        switch (st) {
        case NORMAL:
            if (c == '"') {
                if (!string_allowed(prev, depth ? open[depth - 1] : 0))
                    return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, file, line,
                                        "syntax error: unexpected string (is a key or '=' "
                                        "missing, or a ';' too many?)");
                st = STRING;
                string_line = line;
            } else if (c == '#' || (c == '/' && p[1] == '/'))
                st = LINE_COMMENT;
            else if (c == '/' && p[1] == '*') {
                st = BLOCK_COMMENT;
                p++;
            } else if (c == '@')
                return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, file, line,
                                    "directives such as @include are not allowed");
            else if (c == '{' || c == '[' || c == '(') {
                if (depth == MAX_DEPTH)
                    return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, file, line,
                                        "nested too deeply");
                open[depth++] = c;
                prev = c;
            } else if (c == '}' || c == ']' || c == ')') {
                if (depth > 0)
                    depth--;
                prev = c;
            } else if (c == '=' || c == ':' || c == ';' || c == ',')
                prev = c;
            else if (is_name_char(c) && (p == data || !is_name_char(p[-1]))) {
                size_t n = 0;
                while (is_name_char(p[n]))
                    n++;
                bool numeric = g_ascii_isdigit(c) ||
                               ((c == '-' || c == '+' || c == '.') && g_ascii_isdigit(p[1]));
                if (numeric && number_too_large(p, n))
                    return loa_diag_set(reterr, -ERANGE, LOA_SEV_ERROR, file, line,
                                        "number '%.*s' is out of range", (int)(n > 40 ? 40 : n), p);
                p += n - 1;
                prev = 'n';
            } else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v')
                prev = '?'; /* libconfig will say what is wrong */
            break;
        case STRING:
            if (c == '\\' && p[1] && p[1] != '\n')
                p++;
            else if (c == '"') {
                st = NORMAL;
                prev = 's';
            }
            break;
        case LINE_COMMENT:
            break;
        case BLOCK_COMMENT:
            if (c == '*' && p[1] == '/') {
                st = NORMAL;
                p++;
            }
            break;
        }
    }
    if (st == STRING)
        return loa_diag_set(reterr, -EINVAL, LOA_SEV_ERROR, file, string_line,
                            "syntax error: this string is never closed (a '\"' is missing)");
    return 0;
}

int loa_ld_begin(struct loa_ld *ld, const char *file, const char *data, size_t len,
                 struct loa_diag_list *diags)
{
    struct loa_diag d;
    char *copy = NULL;
    int r;

    memset(ld, 0, sizeof *ld);
    ld->file = file;
    ld->diags = diags;

    if (len > LOA_LOADER_MAX_FILE_SIZE) {
        loa_diag_list_add(diags, LOA_SEV_ERROR, file, 0,
                          "file too large (%zu bytes, the limit is %d)", len,
                          LOA_LOADER_MAX_FILE_SIZE);
        return -EFBIG;
    }
    r = loa_text_check_utf8(file, data, len, &d);
    if (r < 0) {
        loa_diag_list_push(diags, &d);
        return r;
    }
    copy = malloc(len + 2);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, data, len);
    /* libconfig 1.5 reports a syntax error for a last-line comment without a newline,
     * which editors happily save: end the text with one. */
    copy[len] = '\n';
    copy[len + 1] = '\0';
    /* Editors on Windows save a BOM; blank it out so columns and lines stay put. */
    if (len >= 3 && memcmp(copy, "\xEF\xBB\xBF", 3) == 0)
        memset(copy, ' ', 3);

    r = loa_ld_prescan(file, copy, &d);
    if (r < 0) {
        loa_diag_list_push(diags, &d);
        goto out;
    }

    config_init(&ld->cfg);
    ld->cfg_inited = true;
    if (!config_read_string(&ld->cfg, copy)) {
        const char *t = config_error_text(&ld->cfg);
        loa_diag_list_add(diags, LOA_SEV_ERROR, file, config_error_line(&ld->cfg), "%s",
                          t ? t : "syntax error");
        r = -EINVAL;
        goto out;
    }
    r = 0;
out:
    free(copy);
    return r;
}

void loa_ld_done(struct loa_ld *ld)
{
    if (ld->cfg_inited)
        config_destroy(&ld->cfg);
    ld->cfg_inited = false;
}

int loa_ld_line(const config_setting_t *s)
{
    return s ? (int)s->line : 0;
}

int loa_ld_error(struct loa_ld *ld, int line, const char *fmt, ...)
{
    struct loa_diag d;
    va_list ap;
    va_start(ap, fmt);
    loa_diag_setv(&d, 0, LOA_SEV_ERROR, ld->file, line, fmt, ap);
    va_end(ap);
    if (loa_diag_list_push(ld->diags, &d) < 0)
        return -ENOMEM;
    return -EINVAL;
}

void loa_ld_warn(struct loa_ld *ld, int line, const char *fmt, ...)
{
    struct loa_diag d;
    va_list ap;
    va_start(ap, fmt);
    loa_diag_setv(&d, 0, LOA_SEV_WARNING, ld->file, line, fmt, ap);
    va_end(ap);
    (void)loa_diag_list_push(ld->diags, &d);
}

/* Levenshtein distance, capped, for "did you mean" on unknown keys. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t prev[41], cur[41];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

int loa_ld_check_keys(struct loa_ld *ld, const config_setting_t *group, const char *where,
                      const char *const *known)
{
    int r = 0;
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        bool ok = false;
        const char *best = NULL;
        size_t best_d = 3;
        if (!name)
            continue;
        for (size_t k = 0; known[k]; k++) {
            if (strcmp(name, known[k]) == 0) {
                ok = true;
                break;
            }
            size_t dist = edit_distance(name, known[k]);
            if (dist < best_d) {
                best_d = dist;
                best = known[k];
            }
        }
        if (ok)
            continue;
        if (best)
            r = loa_ld_error(ld, loa_ld_line(s), "unknown key '%s' in %s (did you mean '%s'?)",
                             name, where, best);
        else
            r = loa_ld_error(ld, loa_ld_line(s), "unknown key '%s' in %s", name, where);
    }
    return r;
}

config_setting_t *loa_ld_member(const config_setting_t *group, const char *name)
{
    if (!group || config_setting_type(group) != CONFIG_TYPE_GROUP)
        return NULL;
    return config_setting_get_member(group, name);
}

static const char *type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_GROUP:
        return "a group { ... }";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return "an integer";
    case CONFIG_TYPE_FLOAT:
        return "a number";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "true or false";
    case CONFIG_TYPE_ARRAY:
        return "an array [ ... ]";
    case CONFIG_TYPE_LIST:
        return "a list ( ... )";
    default:
        return "nothing";
    }
}

static int missing(struct loa_ld *ld, const config_setting_t *group, const char *name)
{
    const char *g = config_setting_name(group);
    if (g)
        return loa_ld_error(ld, loa_ld_line(group), "'%s' is missing in '%s'", name, g);
    return loa_ld_error(ld, loa_ld_line(group), "'%s' is missing", name);
}

static int wrong_type(struct loa_ld *ld, const config_setting_t *s, const char *want)
{
    return loa_ld_error(ld, loa_ld_line(s), "'%s' must be %s, not %s", config_setting_name(s), want,
                        type_name(config_setting_type(s)));
}

int loa_ld_group(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                 config_setting_t **ret)
{
    config_setting_t *s = loa_ld_member(group, name);
    if (!s) {
        if (required)
            return missing(ld, group, name);
        *ret = NULL;
        return 0;
    }
    if (config_setting_type(s) != CONFIG_TYPE_GROUP)
        return wrong_type(ld, s, "a group { ... }");
    *ret = s;
    return 0;
}

int loa_ld_string(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                  const char **ret, int *ret_line)
{
    const config_setting_t *s = loa_ld_member(group, name);
    if (!s)
        return required ? missing(ld, group, name) : 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return wrong_type(ld, s, "a string \"...\"");
    *ret = config_setting_get_string(s);
    if (ret_line)
        *ret_line = loa_ld_line(s);
    return 0;
}

int loa_ld_text(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                bool multiline, size_t max_bytes, char **ret)
{
    const char *v = NULL;
    int line = 0;
    int r = loa_ld_string(ld, group, name, required, &v, &line);
    if (r < 0 || !v)
        return r;
    if (required && !*v)
        return loa_ld_error(ld, line, "'%s' must not be empty", name);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) || *p == 0x7F)
            return loa_ld_error(ld, line, "'%s' contains a control character (0x%02X)", name, *p);
    /* libconfig decodes \xNN escapes after our UTF-8 check: validate again. */
    if (!g_utf8_validate(v, -1, NULL))
        return loa_ld_error(ld, line, "'%s' is not valid UTF-8", name);
    char *nfc = loa_text_nfc(v);
    if (!nfc)
        return -ENOMEM;
    if (strlen(nfc) > max_bytes) {
        free(nfc);
        return loa_ld_error(ld, line, "'%s' is too long (at most %zu bytes)", name, max_bytes);
    }
    *ret = nfc;
    return 0;
}

int loa_ld_text_buf(struct loa_ld *ld, const config_setting_t *group, const char *name,
                    bool required, char *buf, size_t size)
{
    char *t = NULL;
    int r = loa_ld_text(ld, group, name, required, false, size - 1, &t);
    if (r < 0 || !t)
        return r;
    snprintf(buf, size, "%s", t);
    free(t);
    return 0;
}

int loa_ld_id(struct loa_ld *ld, const config_setting_t *group, const char *name, char *buf,
              size_t size, int *ret_line)
{
    const char *v = NULL;
    int line = 0;
    int r = loa_ld_string(ld, group, name, true, &v, &line);
    if (r < 0)
        return r;
    if (!loa_text_is_id(v) || strlen(v) >= size)
        return loa_ld_error(
            ld, line, "'%s' must be 1 to 63 characters of a-z, 0-9 and '-', not \"%s\"", name, v);
    snprintf(buf, size, "%s", v);
    if (ret_line)
        *ret_line = line;
    return 0;
}

int loa_ld_int(struct loa_ld *ld, const config_setting_t *group, const char *name, int64_t min,
               int64_t max, int64_t *ret)
{
    const config_setting_t *s = loa_ld_member(group, name);
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return wrong_type(ld, s, "an integer");
    int64_t v = config_setting_get_int64(s);
    if (v < min || v > max)
        return loa_ld_error(ld, loa_ld_line(s), "'%s' must be from %lld to %lld, not %lld", name,
                            (long long)min, (long long)max, (long long)v);
    *ret = v;
    return 0;
}

int loa_ld_number(struct loa_ld *ld, const config_setting_t *group, const char *name, double min,
                  double max, double *ret)
{
    const config_setting_t *s = loa_ld_member(group, name);
    if (!s)
        return 0;
    int t = config_setting_type(s);
    double v;
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        v = (double)config_setting_get_int64(s);
    else if (t == CONFIG_TYPE_FLOAT)
        v = config_setting_get_float(s);
    else
        return wrong_type(ld, s, "a number");
    if (!isfinite(v) || v < min || v > max)
        return loa_ld_error(ld, loa_ld_line(s), "'%s' must be from %g to %g, not %g", name, min,
                            max, v);
    *ret = v;
    return 0;
}

int loa_ld_bool(struct loa_ld *ld, const config_setting_t *group, const char *name, bool *ret)
{
    const config_setting_t *s = loa_ld_member(group, name);
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return wrong_type(ld, s, "true or false");
    *ret = config_setting_get_bool(s);
    return 0;
}

int loa_ld_date(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                int32_t *ret_day, int *ret_line)
{
    const char *v = NULL;
    int line = 0;
    int r = loa_ld_string(ld, group, name, required, &v, &line);
    if (r < 0 || !v)
        return r;
    int32_t day;
    if (civil_parse_date(v, &day) < 0)
        return loa_ld_error(ld, line, "'%s' must be a date YYYY-MM-DD, not \"%s\"", name, v);
    *ret_day = day;
    if (ret_line)
        *ret_line = line;
    return 0;
}

int loa_ld_time(struct loa_ld *ld, const config_setting_t *group, const char *name, bool required,
                int64_t *ret_usec)
{
    const char *v = NULL;
    int line = 0;
    int r = loa_ld_string(ld, group, name, required, &v, &line);
    if (r < 0 || !v)
        return r;
    int64_t t;
    if (civil_parse_time(v, &t) < 0)
        return loa_ld_error(ld, line, "'%s' must be a time HH:MM (00:00 to 23:59), not \"%s\"",
                            name, v);
    *ret_usec = t;
    return 0;
}

int loa_ld_window(struct loa_ld *ld, const config_setting_t *group, const char *name,
                  int64_t *ret_start_usec, int64_t *ret_end_usec, bool *ret_present)
{
    const char *v = NULL;
    int line = 0;
    int r = loa_ld_string(ld, group, name, false, &v, &line);
    if (r < 0)
        return r;
    if (!v) {
        *ret_present = false;
        return 0;
    }
    int64_t a, b;
    if (civil_parse_window(v, &a, &b) < 0)
        return loa_ld_error(ld, line,
                            "'%s' must be a daily window HH:MM-HH:MM (e.g. \"21:00-06:00\"), "
                            "not \"%s\"",
                            name, v);
    *ret_start_usec = a;
    *ret_end_usec = b;
    *ret_present = true;
    return 0;
}

int loa_ld_days(struct loa_ld *ld, const config_setting_t *group, const char *name,
                uint8_t *ret_mask)
{
    const char *v = NULL;
    int line = 0;
    int r = loa_ld_string(ld, group, name, false, &v, &line);
    if (r < 0)
        return r;
    if (!v) {
        *ret_mask = CIVIL_ALL_DAYS;
        return 0;
    }
    uint8_t m;
    if (civil_parse_days(v, &m) < 0)
        return loa_ld_error(ld, line,
                            "'%s' must be a day list such as \"mon-fri\" or \"mon,wed,sat-sun\", "
                            "not \"%s\"",
                            name, v);
    *ret_mask = m;
    return 0;
}

int loa_ld_string_list(struct loa_ld *ld, const config_setting_t *s, bool allow_scalar,
                       const char ***ret, size_t *ret_n)
{
    int t = config_setting_type(s);
    const char **v;
    if (t == CONFIG_TYPE_STRING && allow_scalar) {
        v = malloc(sizeof *v);
        if (!v)
            return -ENOMEM;
        v[0] = config_setting_get_string(s);
        *ret = v;
        *ret_n = 1;
        return 0;
    }
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return wrong_type(ld, s,
                          allow_scalar ? "a string or an array of strings [ ... ]"
                                       : "an array of strings [ ... ]");
    int n = config_setting_length(s);
    v = calloc(n > 0 ? (size_t)n : 1, sizeof *v);
    if (!v)
        return -ENOMEM;
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            free(v);
            return loa_ld_error(ld, loa_ld_line(e), "'%s' must hold strings only",
                                config_setting_name(s));
        }
        v[i] = config_setting_get_string(e);
    }
    *ret = v;
    *ret_n = (size_t)n;
    return 0;
}

bool loa_ld_is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *loa_ld_abs_dir(const char *path, char **ret_abs_path)
{
    char *cwd = g_get_current_dir();
    char *abs = g_canonicalize_filename(path, cwd);
    char *dir = g_path_get_dirname(abs);
    g_free(cwd);
    if (ret_abs_path)
        *ret_abs_path = abs;
    else
        g_free(abs);
    return dir;
}
