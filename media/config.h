/* The device configuration (loa.cfg, libconfig), SPEC.md "Device configuration".
 *
 * Loaded from memory after the file is read (size-capped, UTF-8 checked, `@include`
 * refused before libconfig sees it). Every key known, typed and range-checked; every
 * message names the file and line. Relative paths (chime, font) are resolved against
 * the config file's directory and stored absolute.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "plan.h"

struct loa_unit {
    char code[16];
    char name[256];
    bool present; /* district is optional (districts ended 2025-07-01) */
};

struct loa_config_session {
    struct plan_session s; /* id/name point into this struct's own strings */
    char id[64];
    char name[256];
    int line;
};

enum loa_board_driver { LOA_BOARD_GPIO = 0, LOA_BOARD_SIM = 1, LOA_BOARD_NONE = 2 };

struct loa_config {
    char path[4096]; /* absolute path of the file loaded */
    char dir[4096]; /* its directory, for relative paths */

    struct {
        char id[64]; /* [a-z0-9-] */
        struct loa_unit province, district, commune;
        char unit_codes[16];
        char timezone[64];
    } device;

    struct loa_config_session *sessions; /* config order */
    size_t n_sessions;

    bool has_quiet_hours;
    int64_t quiet_start_usec, quiet_end_usec; /* may wrap midnight */

    int32_t *skip_days; /* sorted, unique */
    size_t n_skip_days;

    struct {
        char output[4096]; /* auto | alsa:DEVICE | null | file:PATH.wav */
        double volume; /* 0..1 */
        double loudness_target; /* LUFS */
        double true_peak_max; /* dBTP */
        int64_t gap_usec;
        char chime[4096]; /* absolute path, empty when none */
    } audio;

    struct {
        enum loa_board_driver driver;
        char amp_chip[64];
        char amp_line[64];
        bool amp_active_low;
        int64_t amp_warmup_usec;
        int64_t amp_hold_usec;
    } board;

    struct {
        bool enabled;
        int width, height;
        int rotation; /* 0, 90, 180, 270 */
        bool fullscreen;
        int rotate_seconds;
        char font[4096]; /* absolute path */
        bool has_screen_off;
        int64_t screen_off_start_usec, screen_off_end_usec;
    } kiosk;

    struct {
        char data_dir[4096];
    } storage;

    struct {
        bool require_trust;
        int catch_up_minutes;
        int max_holdover_hours;
    } time;
};

/**
 * Load and validate a device config. On success returns 0 and *ret_config (free with
 * loa_config_free). On failure returns a negative errno and appends at least one
 * error to diags; warnings may be appended in either case. diags must not be NULL.
 */
int loa_config_load(const char *path, struct loa_config **ret_config, struct loa_diag_list *diags);

/**
 * Like loa_config_load() but from a buffer the caller has read. `path` names the file in
 * messages and relative paths resolve against its directory (made absolute against the
 * working directory). data need not be NUL-terminated; at most 1 MiB is accepted.
 */
int loa_config_parse(const char *path, const char *data, size_t len, struct loa_config **ret_config,
                     struct loa_diag_list *diags);

/**
 * Salvage what switching the amplifier off needs from a config that may be broken
 * elsewhere: only the `board` and `storage` sections are read and checked (a libconfig
 * syntax error still fails). Every other field of *ret_config is zero. For `loa board
 * off`, which systemd runs after any exit: an edit that broke the sessions must not
 * leave the amplifier on. Returns as loa_config_load().
 */
int loa_config_load_board(const char *path, struct loa_config **ret_config,
                          struct loa_diag_list *diags);

/** Index of the session with this id in c->sessions, or -ENOENT. */
int loa_config_find_session(const struct loa_config *c, const char *id);

/** Free a config; accepts NULL; returns NULL. */
struct loa_config *loa_config_free(struct loa_config *c);
