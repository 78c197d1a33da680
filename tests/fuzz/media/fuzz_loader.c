/* libFuzzer target for the config and playlist loaders (and the rules builder and
 * plan validation behind them): every input is parsed as a device config and as a
 * playlist, from memory, as `loa import` does; a playlist that loads is built into
 * rules, validated and planned for a few days.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "config.h"
#include "playlist.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sessions playlists are checked against (no chime: no file to find). */
static const char base_config[] =
    "device = { id = \"fuzz\"; province = { code = \"01\"; name = \"P\"; };\n"
    "  commune = { code = \"09552\"; name = \"C\"; }; unit_codes = \"2020\";\n"
    "  timezone = \"Asia/Ho_Chi_Minh\"; };\n"
    "sessions = (\n"
    "  { id = \"sang\"; start = \"06:00\"; end = \"06:30\"; days = \"mon-sat\"; },\n"
    "  { id = \"chieu\"; start = \"17:00\"; end = \"17:30\"; } );\n"
    "quiet_hours = \"21:00-05:00\";\n"
    "skip_dates = [ \"2021-02-11\" ];\n";

static void plan_a_little(const struct loa_rules *r)
{
    struct plan *p = NULL;
    int32_t first, last;
    if (plan_new(&r->rules, &p) < 0)
        return;
    if (plan_span(p, &first, &last) == 0) {
        size_t cap = plan_max_airings_per_day(p);
        struct plan_airing *buf = calloc(cap ? cap : 1, sizeof *buf);
        for (int32_t d = first; buf && d <= last && d < first + 3; d++) {
            size_t n = 0;
            (void)plan_day(p, d, buf, cap, &n);
        }
        free(buf);
    }
    plan_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct loa_diag_list diags = {0};
    struct loa_config *c = NULL, *base = NULL;
    struct loa_playlist *p = NULL;

    /* As a config. */
    if (loa_config_parse("/nonexistent/fuzz/loa.cfg", (const char *)data, size, &c, &diags) == 0)
        c = loa_config_free(c);
    loa_diag_list_clear(&diags);

    /* As a playlist, against a fixed config. */
    if (loa_config_parse("/nonexistent/fuzz/base.cfg", base_config, sizeof base_config - 1, &base,
                         &diags) < 0)
        abort(); /* the fixed config must load */
    if (loa_playlist_parse("/nonexistent/fuzz/playlist.cfg", (const char *)data, size, base,
                           LOA_PLAYLIST_NO_MEDIA_CHECK, &p, &diags) == 0) {
        struct loa_rules *r = NULL;
        /* Durations from the input's own bytes, whole milliseconds like the probe's. */
        for (size_t i = 0; i < p->n_items; i++)
            if (p->items[i].kind == PLAN_KIND_ANNOUNCEMENT)
                p->items[i].duration_usec = (int64_t)(1 + (i * 7919 + size) % 600000) * 1000;
        const struct loa_playlist *pl[] = {p};
        if (loa_rules_build(base, pl, 1, 0, &r, &diags) == 0) {
            if (loa_rules_validate(r, &diags) == 0)
                plan_a_little(r);
            loa_rules_free(r);
        }
        loa_playlist_free(p);
    }
    loa_config_free(base);
    loa_diag_list_clear(&diags);
    return 0;
}
