/* Shared by `loa check` and `loa plan`: from files on the command line (or the
 * installed library) to validated plan rules, with media durations probed.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "fw.h"
#include "playlist.h"
#include "rules.h"

/* How long one media file may take to probe. */
#define FW_PROBE_TIMEOUT_USEC (10 * INT64_C(1000000))

struct fw_rules_input {
    struct loa_config *config;
    struct loa_playlist **playlists;
    size_t n_playlists;
    struct loa_rules *rules; /* NULL until built */
    int64_t chime_duration_usec;
    size_t n_probed; /* distinct media files probed */
};

/**
 * Load the device config named by g (--config / $LOA_CONFIG / default).
 * Returns an exit code: LOA_EXIT_OK, or LOA_EXIT_INPUT with errors in diags.
 */
int fw_rules_load_config(const struct fw_globals *g, struct fw_rules_input *in,
                         struct loa_diag_list *diags);

/**
 * With the config loaded: load each playlist, probe every referenced media file (and the
 * chime) with GstDiscoverer, build the rules and run plan_validate(). paths may be empty
 * (n == 0): the rules then hold the config's sessions only.
 * Returns an exit code: LOA_EXIT_OK; LOA_EXIT_INPUT with errors in diags;
 * LOA_EXIT_RUNTIME when GStreamer cannot start.
 */
int fw_rules_load_files(struct fw_rules_input *in, char *const *paths, size_t n,
                        struct loa_diag_list *diags);

/**
 * With the config loaded: the installed library's rules (for `loa plan` without files):
 * its playlists (durations from the library; data dir from --data-dir, else
 * storage.data_dir), the chime probed, rules built and validated. An empty or absent
 * library is "no playlists given and no library installed" (LOA_EXIT_INPUT).
 * Returns an exit code: LOA_EXIT_OK; LOA_EXIT_INPUT (damaged library, a stored playlist
 * that no longer loads against this config, validation errors); LOA_EXIT_RUNTIME (I/O).
 */
int fw_load_installed_rules(const struct fw_globals *g, struct fw_rules_input *in,
                            struct loa_diag_list *diags);

/** Free everything in; the struct may be reused. */
void fw_rules_input_clear(struct fw_rules_input *in);
