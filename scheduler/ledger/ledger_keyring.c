/* Known device keys for verification: a --keys file, or the device's own key. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civil.h"
#include "ledger_verify_internal.h"

/* A keys file larger than this is not a list of keys. */
#define KEYS_FILE_MAX (4 * 1024 * 1024)

int ledger_keyring_new(struct ledger_keyring **ret)
{
    struct ledger_keyring *kr = calloc(1, sizeof(*kr));
    if (!kr)
        return -ENOMEM;
    *ret = kr;
    return 0;
}

struct ledger_keyring *ledger_keyring_free(struct ledger_keyring *kr)
{
    if (kr) {
        free(kr->e);
        free(kr);
    }
    return NULL;
}

size_t ledger_keyring_size(const struct ledger_keyring *kr)
{
    return kr ? kr->n : 0;
}

int ledger_keyring_add(struct ledger_keyring *kr, const char *device_id,
                       const uint8_t keynum[LEDGER_KEYNUM_SIZE], const uint8_t pk[LEDGER_PK_SIZE],
                       int32_t from_day, int32_t until_day)
{
    if (!ledger_is_slug(device_id) || strlen(device_id) >= 64)
        return -EINVAL;
    if (from_day != LEDGER_NO_DAY && until_day != LEDGER_NO_DAY && until_day < from_day)
        return -EINVAL;
    if (kr->n == kr->cap) {
        size_t cap = kr->cap ? 2 * kr->cap : 8;
        struct ledger_keyring_entry *e = realloc(kr->e, cap * sizeof(*e));
        if (!e)
            return -ENOMEM;
        kr->e = e;
        kr->cap = cap;
    }
    struct ledger_keyring_entry *e = &kr->e[kr->n++];
    memset(e, 0, sizeof(*e));
    strcpy(e->device_id, device_id);
    memcpy(e->keynum, keynum, LEDGER_KEYNUM_SIZE);
    memcpy(e->pk, pk, LEDGER_PK_SIZE);
    e->from_day = from_day;
    e->until_day = until_day;
    return 0;
}

const struct ledger_keyring_entry *ledger_keyring_find(const struct ledger_keyring *kr,
                                                       const char *device_id,
                                                       const uint8_t keynum[LEDGER_KEYNUM_SIZE],
                                                       int32_t day, char *why, size_t why_size)
{
    bool device_known = false, key_known = false;
    char id[17];
    for (size_t i = 0; kr && i < kr->n; i++) {
        const struct ledger_keyring_entry *e = &kr->e[i];
        if (strcmp(e->device_id, device_id) != 0)
            continue;
        device_known = true;
        if (memcmp(e->keynum, keynum, LEDGER_KEYNUM_SIZE) != 0)
            continue;
        key_known = true;
        if (day != LEDGER_NO_DAY && ((e->from_day != LEDGER_NO_DAY && day < e->from_day) ||
                                     (e->until_day != LEDGER_NO_DAY && day > e->until_day)))
            continue;
        return e;
    }
    ledger_key_id_format(keynum, id);
    if (!device_known)
        snprintf(why, why_size, "device '%s' is not among the known keys", device_id);
    else if (!key_known)
        snprintf(why, why_size, "key %s is not listed for device '%s'", id, device_id);
    else
        snprintf(why, why_size, "key %s of device '%s' is not valid on that date", id, device_id);
    return NULL;
}

static int parse_date_opt(const char *tok, const char *prefix, int32_t *ret)
{
    size_t n = strlen(prefix);
    if (strncmp(tok, prefix, n) != 0)
        return -ENOENT;
    return civil_parse_date(tok + n, ret) < 0 ? -EINVAL : 0;
}

int ledger_keyring_parse(struct ledger_keyring *kr, const char *name, const char *text, size_t len,
                         struct loa_diag *reterr)
{
    if (!ledger_utf8_valid(text, len))
        return loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, name, 0, "not UTF-8 text");
    char *copy = malloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    int e = 0, lineno = 0;
    char *save = NULL;
    for (char *line = copy; line && e == 0; line = save) {
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        char *tok[5];
        int nt = 0;
        char *sp = NULL;
        for (char *t = strtok_r(p, " \t", &sp); t; t = strtok_r(NULL, " \t", &sp)) {
            if (nt == 4) {
                nt = 5;
                break;
            }
            tok[nt++] = t;
        }
        uint8_t keynum[LEDGER_KEYNUM_SIZE], pk[LEDGER_PK_SIZE];
        int32_t from = LEDGER_NO_DAY, until = LEDGER_NO_DAY;
        if (nt < 2 || nt > 4) {
            e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, name, lineno,
                             "expected \"<device-id> <base64 public key> [from=DATE] "
                             "[until=DATE]\"");
            break;
        }
        if (!ledger_is_slug(tok[0]) || strlen(tok[0]) >= 64) {
            e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, name, lineno,
                             "'%s' is not a device id ([a-z0-9-])", tok[0]);
            break;
        }
        if (ledger_key_parse_public_b64(tok[1], keynum, pk) < 0) {
            e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, name, lineno,
                             "not a minisign public key (the base64 line of device.pub)");
            break;
        }
        for (int i = 2; i < nt && e == 0; i++) {
            int a = parse_date_opt(tok[i], "from=", &from);
            if (a == -ENOENT)
                a = parse_date_opt(tok[i], "until=", &until);
            if (a < 0)
                e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, name, lineno,
                                 "'%s': expected from=YYYY-MM-DD or until=YYYY-MM-DD", tok[i]);
        }
        if (e == 0 && ledger_keyring_add(kr, tok[0], keynum, pk, from, until) < 0)
            e = loa_diag_set(reterr, -EBADMSG, LOA_SEV_ERROR, name, lineno,
                             "invalid key entry (until before from?)");
    }
    free(copy);
    return e;
}

int ledger_keyring_load(struct ledger_keyring *kr, const char *path, struct loa_diag *reterr)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return -ENAMETOOLONG;
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (n == 0)
            strcpy(dir, "/");
    } else {
        strcpy(dir, ".");
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return loa_diag_set(reterr, -errno, LOA_SEV_ERROR, path, 0, "cannot open: %s",
                            strerror(errno));
    uint8_t *data = NULL;
    size_t len = 0;
    int e = ledger_read_file_at(dfd, base, KEYS_FILE_MAX, &data, &len);
    close(dfd);
    if (e < 0)
        return loa_diag_set(reterr, e, LOA_SEV_ERROR, path, 0, "cannot read: %s", strerror(-e));
    e = ledger_keyring_parse(kr, path, (const char *)data, len, reterr);
    free(data);
    return e;
}
