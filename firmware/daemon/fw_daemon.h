/* The device daemon (`loa run`, SPEC.md "The device daemon"): the acting loop around
 * the pure decide step fw_core (firmware/core/fw_core.h).
 *
 * One concern per file, all sharing struct fw_daemon declared here:
 *   fw_daemon.c      state, startup, the tick/act loop, player callbacks, reload, shutdown
 *   fw_gen.c         one generation of config + library + rules + plan (what a reload swaps)
 *   fw_clock.c       the real clock (CLOCK_REALTIME timerfd, TFD_TIMER_CANCEL_ON_SET, step
 *                    detection) and the virtual clock (jumps to the next wake-up)
 *   fw_events.c      the --events script of a virtual run
 *   fw_records.c     airings and outcomes → ledger records (the snapshot SPEC.md lists)
 *   fw_control.c     the control socket (status, play-now, pause, resume, reload, clock
 *                    confirm), SO_PEERCRED
 *   fw_control_client.c  the client side used by `loa status`, `loa play-now`, …
 *   fw_kiosk_link.c  the supervised kiosk child process
 *   fw_kiosk_feed.c  what the kiosk(s) subscribed on the control socket are sent, and
 *                    their proof-of-display records → ledger
 *   fw_virt_proof.c  virtual runs: the proof-of-display records the kiosk would make
 *   fw_notify.c      sd_notify READY / WATCHDOG / STATUS
 *
 * Ordering rule everywhere: a record is committed to the ledger before fw_core, the
 * kiosk or a control client is told about what it records.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fw.h"
#include "../core/fw_core.h"
#include "../core/fw_trust.h"
#include "ledger.h"
#include "library.h"
#include "plan.h"
#include "rules.h"

struct audio_player;
struct relay;
struct ledger_key;
struct fw_events;
struct fw_control;
struct fw_kiosk_link;
struct fw_kiosk_feed;
struct fw_virt_proof;

/* ---- Options (cmd_run.c, cmd_demo.c) ------------------------------------------------ */

struct fw_run_options {
    bool virtual_clock; /* --clock virtual */
    int64_t from_utc_usec; /* virtual: --from */
    int64_t until_utc_usec; /* virtual: --until; real: stop at this instant (INT64_MAX: never) */
    const char *from_text; /* virtual: --from as given (local time), parsed at start */
    const char *until_text; /* --until as given (local time), parsed at start */
    const char *events_path; /* virtual: --events FILE, or NULL */
    const char *output; /* audio output override (demo), or NULL for audio.output */
    bool kiosk; /* spawn and supervise the kiosk child (kiosk.enabled too) */
    const char *kiosk_display; /* "auto", "null", "sdl" for the kiosk child */
    bool kiosk_windowed;
    bool quiet; /* fewer progress lines on stderr */
    bool no_control; /* no control socket (virtual runs) */
};

/* ---- One generation of the broadcast rules ------------------------------------------ */

/** Config + installed library + rules + plan, as one unit: a reload builds a new one and
 *  the core releases the old one when nothing refers to it any more. */
struct fw_gen {
    struct loa_config *config;
    struct library *lib; /* holds the generation's shared lock */
    struct loa_playlist **playlists; /* borrowed from lib (lib->playlists[i].playlist) */
    size_t n_playlists;
    struct loa_rules *rules;
    struct plan *plan;
    const struct library_media **item_media; /* [i] for rules items; NULL for relays */
    char chime_sha256[65];
    int64_t chime_duration_usec;
    uint64_t lib_generation;
    bool released; /* the core let go of it (RELEASE_PLAN) */
};

/**
 * Build a generation: open the library under data_dir against config (taken over: freed
 * with the generation, also on failure), probe the chime, build and validate the rules,
 * make the plan. Errors are appended to diags. Returns 0 and *ret, or a negative errno
 * (-EINVAL: the library does not load or validate against this config).
 */
int fw_gen_new(const char *data_dir, struct loa_config *config, struct fw_gen **ret,
               struct loa_diag_list *diags);
/** Free; accepts NULL; returns NULL. */
struct fw_gen *fw_gen_free(struct fw_gen *g);

struct fw_daemon;

/** The newest generation (the last reload's; it airs from the next session start), or
 *  NULL before the first. */
struct fw_gen *fw_daemon_newest_gen(const struct fw_daemon *d);

/** A UTC instant on the kiosk's local timeline (kiosk_types.h), in the device's zone. */
int64_t fw_daemon_local_lt(const struct fw_daemon *d, int64_t utc_usec);
/** A fresh plan over the same rules (the plan's cursor only goes forwards cheaply). */
int fw_gen_replan(struct fw_gen *g);

/* ---- Play-now slots ------------------------------------------------------------------ */

#define FW_PLAY_NOW_SLOTS 16

struct fw_play_now_slot {
    bool used;
    uint64_t request_id;
    enum plan_class cls;
    char key[64]; /* "play-now/<request id>" */
    char item_id[64]; /* library item id, or "file" */
    char title[256];
    char category[64];
    char playlist_id[64], reference[256];
    int32_t campaign_from, campaign_until;
    char sha256[65];
    char location[4200]; /* media path, or /proc/self/fd/N for a passed descriptor */
    int fd; /* a passed descriptor, or -1 */
    double gain_db;
    int64_t duration_usec;
    int64_t caller_uid;
    bool chime_done, main_done;
};

/* ---- The airings handed to the player --------------------------------------------- */

#define FW_LIVE_SLOTS 8

struct fw_live {
    bool used;
    uint64_t cookie;
    struct fw_airing airing;
    bool start_requested;
    bool discard; /* a PREPARE replaced before it started: swallow its callbacks */
    bool started; /* the player reported its first sample (start record written) */
    bool stop_timeout; /* stopped by the core's timeout: record failed (timeout) */
    bool failed_early; /* failed while pre-rolling (no player airing behind it any more):
                          recorded when the core asks to start it */
    int early_reason; /* enum audio_reason of that failure */
    int64_t start_wall; /* its actual start on the wall clock (as the start record says) */
};

/* ---- The daemon --------------------------------------------------------------------- */

struct fw_daemon {
    const struct fw_globals *g;
    struct fw_run_options opt;
    char data_dir[4096];
    char config_path[4096];
    char exe[4096]; /* this program, for the kiosk child and `loa report` */
    char *good_config; /* text of the last config that loaded (a broken edit keeps it) */
    size_t good_config_len;

    GMainLoop *loop;
    int exit_code;

    /* time */
    GTimeZone *gtz;
    struct fw_tz tz;
    int64_t virt_now; /* virtual clock reading (the wall clock, steps included) */
    int64_t virt_offset; /* virt_now − the player's clock: the player plays on virtual
                            monotonic time, so a step does not lengthen an airing */
    int tfd; /* real: CLOCK_REALTIME timerfd, -1 in virtual runs */
    guint tfd_watch;
    int64_t last_real, last_mono; /* real: last reading pair, for step detection */
    int64_t armed_at; /* real: the instant the timerfd is armed for */
    struct fw_trust_state trust;
    bool virt_synced; /* virtual: the scripted sync witness */
    enum fw_trust last_trust_logged;
    int64_t next_sync_check; /* real: when to read the sync witnesses again */
    int64_t boot_real; /* real: CLOCK_REALTIME at boot */

    /* the parts */
    struct ledger_key *key;
    struct ledger *ledger;
    bool batching; /* virtual: a day per transaction */
    int32_t batch_day;
    struct relay *relay;
    struct audio_player *player;
    struct fw_core *core;
    struct fw_gen *gens[8]; /* gens[0..n_gens): live generations; the last is current */
    size_t n_gens;
    struct fw_gen *pending_gen; /* handed to fw_core_reload, not yet in effect */
    struct fw_live live[FW_LIVE_SLOTS];
    uint64_t next_cookie;
    struct fw_play_now_slot pn[FW_PLAY_NOW_SLOTS];
    uint64_t last_request_id;

    /* loop state */
    bool in_tick, need_tick;
    int64_t core_next;
    bool stopping; /* shutdown requested */
    bool stopped; /* core shut down and player idle */
    bool reload_requested;
    uint64_t lib_generation_seen;
    int64_t next_lib_check;
    int32_t checkpoint_day; /* local day of the last daily checkpoint */
    int64_t started_real_usec; /* when this run started (status) */

    /* status */
    char last_error[512];
    int64_t last_error_usec;
    bool disk_alarm;
    size_t n_airings_started, n_finals;
    struct fw_airing current;
    bool playing;

    struct fw_events *events;
    struct fw_control *control;
    struct fw_kiosk_link *kiosk;
    struct fw_kiosk_feed *kfeed; /* real clock with a control socket only */
    struct fw_virt_proof *vproof; /* virtual clock: the kiosk's proof records */
    guint sig_term, sig_int, sig_hup, watchdog_id, housekeeping_id;
    uint64_t watchdog_interval;
    int64_t watchdog_last_ping;
    int64_t player_answered_mono;
};

/** Run the daemon until it stops. Returns an exit code (prints why on failure). */
int fw_daemon_run(const struct fw_globals *g, const struct fw_run_options *opt);

/* fw_daemon.c, for the other daemon files */
int64_t fw_daemon_now(const struct fw_daemon *d);
/** Clock trust for the core and for records (virtual runs record `virtual`). */
enum fw_trust fw_daemon_core_trust(struct fw_daemon *d);
enum ledger_trust fw_daemon_record_trust(struct fw_daemon *d);
/** Tick the core now (or soon, when called from inside a tick). */
void fw_daemon_tick(struct fw_daemon *d);
/** Append an event record (type [a-z0-9-]+, detail free text, uid or LEDGER_NONE). Logs
 *  failures. Returns the ledger's result. */
int fw_daemon_event(struct fw_daemon *d, const char *type, int64_t uid, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Remember an error for `loa status` and print it. */
void fw_daemon_error(struct fw_daemon *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Request a clean stop (SIGTERM). */
void fw_daemon_stop(struct fw_daemon *d);
/** Request a reload at the next session start; uid for the ledger event. */
void fw_daemon_reload(struct fw_daemon *d, int64_t uid, const char *why);
/** The CLOCK_REALTIME step seen (both clocks): tell trust and the core, log it. */
void fw_daemon_clock_step(struct fw_daemon *d, int64_t old_usec, int64_t new_usec);
/** Virtual: the daemon dies (no records, relay off) and comes back at until_usec. */
int fw_daemon_down(struct fw_daemon *d, int64_t until_usec);
/** Virtual: commit the day's batch (before kill, down, the end). */
void fw_daemon_commit(struct fw_daemon *d);

/**
 * Queue a play-now: an item id of the library (item != NULL) or a media file already
 * open (fd >= 0, taken over). Returns 0 and *ret_request_id, or a negative errno with a
 * message in reterr: -ENOENT unknown item, -EPERM priority in quiet hours, -EBADMSG the
 * file does not decode, -ENOSPC too many queued, -ESHUTDOWN stopping.
 */
int fw_daemon_play_now(struct fw_daemon *d, const char *item, int fd, const char *file_name,
                       enum plan_class cls, int64_t uid, uint64_t *ret_request_id,
                       struct loa_diag *reterr);
/** Pause [from, until) (session_id may be NULL); logs an event with uid. */
int fw_daemon_pause(struct fw_daemon *d, int64_t from, int64_t until, const char *session_id,
                    int64_t uid, struct loa_diag *reterr);
void fw_daemon_resume(struct fw_daemon *d, int64_t uid);
/** `loa clock confirm`. */
void fw_daemon_clock_confirm(struct fw_daemon *d, int64_t uid);
/** The status as JSON (`loa status --format json`) or text; g_free() the result. */
char *fw_daemon_status(struct fw_daemon *d, bool json);

/* ---- fw_clock.c --------------------------------------------------------------------- */

/** Real clock: create the timerfd and watch it. Returns 0 or a negative errno. */
int fw_clock_real_init(struct fw_daemon *d);
void fw_clock_real_free(struct fw_daemon *d);
/** Real clock: arm the timerfd for `at` (UTC µs; INT64_MAX = an hour from now, still
 *  armed so a step is noticed). */
void fw_clock_real_arm(struct fw_daemon *d, int64_t at);
/** Real clock: compare CLOCK_REALTIME with the monotonic clock since the last reading;
 *  a difference beyond the tolerance is a step (fw_daemon_clock_step). Updates the pair. */
void fw_clock_real_check_step(struct fw_daemon *d);
/** Virtual clock: run from virt_now to the end (opt.until_utc_usec). Returns an exit code. */
int fw_clock_virtual_run(struct fw_daemon *d);
/** Virtual: the player's clock (monotonic) ↔ the wall reading. */
int64_t fw_clock_player_to_wall(const struct fw_daemon *d, int64_t t);
int64_t fw_clock_wall_to_player(const struct fw_daemon *d, int64_t t);
/** UTC µs → local day / time of day via the device time zone. */
struct fw_tz fw_clock_tz(GTimeZone *tz);
/** Local day of a UTC instant. */
int32_t fw_clock_local_day(const struct fw_daemon *d, int64_t utc);

/* ---- fw_events.c -------------------------------------------------------------------- */

enum fw_event_kind {
    FW_EVENT_STEP = 0,
    FW_EVENT_UNSYNC,
    FW_EVENT_SYNC,
    FW_EVENT_DOWN,
    FW_EVENT_PLAY_NOW,
    FW_EVENT_KILL,
    FW_EVENT_PAUSE, /* extension: pause UNTIL [SESSION] (from the event's time) */
    FW_EVENT_RESUME, /* extension */
    FW_EVENT_RELOAD, /* extension */
};

struct fw_event {
    int line;
    int64_t at_usec; /* the clock reading (UTC µs) at which it happens */
    enum fw_event_kind kind;
    int64_t delta_usec; /* STEP */
    int64_t until_usec; /* DOWN, PAUSE */
    char item[64]; /* PLAY_NOW */
    enum plan_class cls; /* PLAY_NOW */
    char session[64]; /* PAUSE: optional */
};

struct fw_events {
    char *path;
    struct fw_event *ev;
    size_t n, next;
};

/**
 * Parse an events script (SPEC.md "Virtual clock", plus `pause UNTIL [SESSION]`,
 * `resume` and `reload`). Local times are converted with tz. Blank lines and `#`
 * comments are skipped. Errors are appended to diags as FILE:LINE. Returns 0 and *ret
 * (free with fw_events_free()), or -EINVAL / -ENOENT / -ENOMEM.
 */
int fw_events_load(const char *path, const struct fw_tz *tz, struct fw_events **ret,
                   struct loa_diag_list *diags);
struct fw_events *fw_events_free(struct fw_events *e);
/** Drop the events before t (a resumed run starts after them). */
void fw_events_skip_before(struct fw_events *e, int64_t t);
/** The next pending event's time, or INT64_MAX. */
int64_t fw_events_next_at(const struct fw_events *e);
/** Apply every event due at the current clock reading, in file order. Returns 1 when
 *  one was applied (the clock may have moved), 0 when none, or a negative errno. */
int fw_events_apply_due(struct fw_daemon *d);
/** Parse "±N unit [N unit …]" (units s, m|min, h, d, w, y = 365 d; also "1year",
 *  "3 h"). Returns 0 and *ret_usec, or -EINVAL. */
int fw_events_parse_duration(const char *s, int64_t *ret_usec);

/* ---- fw_records.c ------------------------------------------------------------------- */

/** What an airing record snapshots, resolved from the generation or play-now slot. */
struct fw_airing_info {
    char key[160];
    enum ledger_source source;
    enum ledger_airing_kind kind;
    enum ledger_class cls;
    const char *playlist_id, *reference;
    int32_t campaign_from, campaign_until;
    const char *item_id, *title, *category;
    const char *media_sha256;
    const char *session_id;
    int32_t session_day;
    double gain_db;
    const char *location; /* what the player opens: media path or relay URL */
    bool relay;
    const char *text; /* kiosk text, or NULL */
    int64_t caller_uid; /* play-now: who asked */
};

/** The airing key of a plan airing ("YYYY-MM-DD/session/item/n", item "chime"). */
void fw_plan_key(const struct plan_rules *rules, const struct plan_airing *a, char *buf,
                 size_t size);
/** Resolve what a record of `a` carries. Returns 0 or -ENOENT (no generation or slot). */
int fw_airing_info_get(struct fw_daemon *d, const struct fw_airing *a, struct fw_airing_info *ret);
/** Fill an airing record (start or final). outcome/reason only for final. */
void fw_record_airing(struct ledger_record *r, const struct fw_airing_info *info,
                      const struct fw_airing *a, enum ledger_phase phase, int64_t written_usec,
                      enum ledger_trust trust);
/** Map fw_core's outcome enum to the ledger's. */
enum ledger_outcome fw_record_outcome(enum fw_outcome o);
/** Append a ledger record, logging failures into the daemon's last error; batches in a
 *  virtual run. Returns the ledger's result. */
int fw_record_append(struct fw_daemon *d, const struct ledger_record *r);

/* ---- fw_control.c ------------------------------------------------------------------- */

/** The control socket's path: $LOA_CONTROL_SOCKET, else DATA_DIR/control.sock. */
void fw_control_socket_path(const char *data_dir, char *buf, size_t size);
/** Listen (mode 0660, group `loa` when it exists). Returns 0 and *ret or a negative errno. */
int fw_control_new(struct fw_daemon *d, struct fw_control **ret);
struct fw_control *fw_control_free(struct fw_control *c);
/** Send a kiosk message (already encoded) to every subscribed kiosk connection. */
void fw_control_kiosk_broadcast(struct fw_control *c, const void *buf, size_t len);
/** Number of kiosk subscribers connected. */
size_t fw_control_kiosk_count(const struct fw_control *c);
/** Read what the kiosk subscribers send (PROOF records) without the main loop, until
 *  every one has hung up or timeout_ms passed (a clean stop, after SHUTDOWN). */
void fw_control_kiosk_drain(struct fw_control *c, int timeout_ms);

/* ---- fw_kiosk_link.c ---------------------------------------------------------------- */

/** Spawn and supervise `loa kiosk` (LOA_CONTROL_SOCKET set to the daemon's socket; it
 *  subscribes there), restarting it a second after it dies. Returns 0 or -EIO. */
int fw_kiosk_link_new(struct fw_daemon *d, struct fw_kiosk_link **ret);
/** Reap the child (after fw_kiosk_feed_shutdown it exits by itself; else SIGTERM, then
 *  SIGKILL). Accepts NULL; returns NULL. */
struct fw_kiosk_link *fw_kiosk_link_free(struct fw_kiosk_link *k);
/** The child's pid (0 when none) for `loa status` and tests. */
int fw_kiosk_link_pid(const struct fw_kiosk_link *k);

/* ---- fw_kiosk_feed.c ---------------------------------------------------------------- */

/** The feed's state (its own plans for the schedule, the midnight / next-session timer)
 *  in d->kfeed. Returns 0. */
int fw_kiosk_feed_new(struct fw_daemon *d, struct fw_kiosk_feed **ret);
/** Free; accepts NULL; returns NULL. */
struct fw_kiosk_feed *fw_kiosk_feed_free(struct fw_kiosk_feed *f);
/** Generation g is about to be freed: drop the feed's plans over its rules. */
void fw_kiosk_feed_forget_gen(struct fw_daemon *d, const struct fw_gen *g);
/** Content changed (a reload): send CONTENT + SCHEDULE to every subscribed kiosk. */
void fw_kiosk_feed_content(struct fw_daemon *d);
/** An airing really started (a != NULL; start_utc its actual start) or nothing airs any
 *  more (a == NULL): send AIRING (emergency class → the kiosk's emergency screen). */
void fw_kiosk_feed_airing(struct fw_daemon *d, const struct fw_airing_info *info,
                          const struct fw_airing *a, int64_t start_utc);
/** A new subscriber: send it CONTENT, SCHEDULE and the current AIRING through send. */
void fw_kiosk_feed_greet(struct fw_daemon *d, void (*send)(void *ud, const void *buf, size_t len),
                         void *ud);
/** A decoded KIOSK_MSG_PROOF from a kiosk: append the ledger notice record (UTC). */
struct kiosk_msg;
void fw_kiosk_feed_proof(struct fw_daemon *d, const struct kiosk_msg *m);
/* Longest `banner` request in seconds (an hour: it is news, not a notice). */
#define FW_BANNER_MAX_SECONDS 3600
/**
 * `banner SECONDS TEXT` from the control socket (uid the caller's): record a ledger event
 * "banner" and send KIOSK_MSG_BANNER (now + seconds, local timeline) to every subscribed
 * kiosk; a kiosk subscribing while it is due gets it too. Returns 0, or -EINVAL (text
 * empty, over KIOSK_BANNER_MAX bytes, not one line of UTF-8; seconds outside
 * 1..FW_BANNER_MAX_SECONDS) with a message in *reterr.
 */
int fw_kiosk_feed_banner(struct fw_daemon *d, int seconds, const char *text, int64_t uid,
                         struct loa_diag *reterr);
/** Clean stop: send SHUTDOWN and wait (up to 3 s) for the kiosks' last proof records. */
void fw_kiosk_feed_shutdown(struct fw_daemon *d);
/** Append the ledger notice record of one proof-of-display period (local → UTC). */
struct kiosk_proof_record;
void fw_kiosk_feed_write_notice(struct fw_daemon *d, const struct kiosk_proof_record *p);

/* ---- fw_virt_proof.c ---------------------------------------------------------------- */

/** Virtual runs: the state that turns the passing virtual time into the kiosk's proof
 *  records (kiosk_proof_periods()). Returns 0 and *ret. */
int fw_virt_proof_new(struct fw_daemon *d, struct fw_virt_proof **ret);
/** Free; accepts NULL; returns NULL. */
struct fw_virt_proof *fw_virt_proof_free(struct fw_virt_proof *p);
/** Generation g is about to be freed: drop what was computed over it. */
void fw_virt_proof_forget_gen(struct fw_daemon *d, const struct fw_gen *g);
/** The kiosk (re)starts now (boot, back after an outage or a step); nothing when the
 *  config's kiosk is disabled. */
void fw_virt_proof_start(struct fw_daemon *d);
/** Write the records up to now: stop=false up to the last whole local hour (the kiosk
 *  runs on), stop=true exactly to now, the kiosk stopping (kill, outage, step, end). */
void fw_virt_proof_flush(struct fw_daemon *d, bool stop);
/** The clock stepped from old_utc to now: the stretch ends at the old reading and a new
 *  one starts at the new (the kiosk's periods never span a step). */
void fw_virt_proof_step(struct fw_daemon *d, int64_t old_utc);
/** An airing really started (a != NULL) or nothing airs any more (a == NULL): the
 *  overrides of the body, as fw_kiosk_feed_airing tells a live kiosk. */
void fw_virt_proof_airing(struct fw_daemon *d, const struct fw_airing_info *info,
                          const struct fw_airing *a, int64_t start_utc);

/* ---- fw_notify.c -------------------------------------------------------------------- */

/** READY=1 and the watchdog timer (half WATCHDOG_USEC). */
void fw_notify_ready(struct fw_daemon *d);
/** STATUS=… from the daemon's state. */
void fw_notify_status(struct fw_daemon *d);
void fw_notify_stop(struct fw_daemon *d);
