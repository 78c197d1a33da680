/* Inside the player: the airing object, timers, the event queue and the driver ops table.
 * Drivers (audio_gst.c, audio_null.c) see this header; nobody else does. */
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include "audio.h"

enum audio_output_kind {
    AUDIO_OUTPUT_AUTO = 0,
    AUDIO_OUTPUT_ALSA,
    AUDIO_OUTPUT_NULL,
    AUDIO_OUTPUT_FILE,
    AUDIO_OUTPUT_FAKESINK,
};

/** Parse an output string; *ret_arg points into s (device or path), or NULL. */
int audio_output_parse(const char *s, enum audio_output_kind *ret_kind, const char **ret_arg);

struct audio_airing;

/* A one-shot timer on the player's clock (UTC µs). With the real clock it is a GSource on
 * the context; with a virtual clock it waits for audio_player_dispatch(). */
struct audio_timer {
    struct audio_player *p;
    struct audio_airing *a;
    void (*fn)(struct audio_airing *a);
    GSource *src;
    int64_t at_usec;
    bool armed;
};

/** Arm t to call fn(a) at at_usec (re-arming replaces the previous time). */
void audio_timer_arm(struct audio_timer *t, struct audio_airing *a, int64_t at_usec,
                     void (*fn)(struct audio_airing *a));
/** Disarm; harmless when not armed. */
void audio_timer_cancel(struct audio_timer *t);

enum audio_airing_state {
    AIRING_CHECKING = 0, /* file opened, hash being checked */
    AIRING_PREPARING, /* handed to the driver, pre-rolling */
    AIRING_DONE, /* finished; about to be freed */
};

struct audio_airing {
    struct audio_player *p;
    struct audio_item item; /* location/sha256 point at the copies below */
    char *location;
    char *sha256;
    int fd; /* FILE: the opened library file (hash and playback read the same inode) */
    enum audio_airing_state st;
    unsigned ordinal; /* 1-based, per player, for file:%n */

    bool start_requested;
    int64_t planned_usec;
    int64_t window_start_usec; /* max(planned, when start_at was called) */
    int64_t duration_usec; /* known duration (item's or learnt), 0 unknown */
    struct audio_timer deadline;

    bool started;
    int64_t start_usec;
    /* Set by a driver just before audio_airing_end() when it knows better than "now":
     * the null output ends exactly at start + duration, whenever the clock is read. */
    int64_t end_usec_hint;

    /* A retried failure (device busy/absent) becomes final at the deadline. */
    enum audio_reason pending_reason;
    char pending_detail[256];

    void *hash_job;
    void *drv; /* driver state */
};

struct audio_driver {
    const char *name;
    /** Player-wide set-up/tear-down (may be NULL). */
    int (*init)(struct audio_player *p, struct loa_diag *reterr);
    void (*done)(struct audio_player *p);
    /** The file is open and verified (or it is a relay): begin pre-rolling. Failures go
     *  through audio_airing_end(). If a->start_requested is already set (start_at came
     *  while the hash was being checked), proceed to start as well. */
    void (*prepare)(struct audio_airing *a);
    /** start_requested was just set (planned_usec, window_start_usec valid). */
    void (*start)(struct audio_airing *a);
    /** Audio rendered so far (called only for started airings, before teardown). */
    int64_t (*played_usec)(struct audio_airing *a);
    /** Release everything synchronously (the output is free when this returns). */
    void (*teardown)(struct audio_airing *a);
    /** Another airing ended: an airing waiting for the device may retry now (may be NULL). */
    void (*kick)(struct audio_airing *a);
};

extern const struct audio_driver audio_driver_gst;
extern const struct audio_driver audio_driver_null;

struct audio_player {
    struct audio_config cfg;
    struct audio_callbacks cb;
    GMainContext *ctx;
    const struct audio_driver *drv;
    enum audio_output_kind kind;
    char *output; /* effective output string */
    char *output_arg; /* ALSA device or file path */
    char *note; /* why auto fell back, or NULL */
    bool virtual_time;
    double volume;

    GPtrArray *airings; /* live, struct audio_airing * */
    unsigned next_ordinal;

    GQueue events; /* struct audio_event * */
    GSource *event_src; /* idle source draining events, when any */
    GPtrArray *vtimers; /* virtual time: armed struct audio_timer * */

    bool in_dispatch;
    bool free_requested;
    void *drv_state;
    GSourceFuncs timer_funcs; /* per player: no mutable globals */
};

/** Probe whether ALSA device `device` opens. Returns 0, or a negative errno and *ret_note
 *  (g_free) saying why not. */
int audio_gst_probe_alsa(const char *device, char **ret_note);

/** The player's clock, UTC µs. */
int64_t audio_player_now(const struct audio_player *p);

/** Driver → player: the first sample was rendered at start_usec. Once per airing. */
void audio_airing_started(struct audio_airing *a, int64_t start_usec);
/** Driver → player: the duration is now known (arms the deadline if start was asked). */
void audio_airing_learn_duration(struct audio_airing *a, int64_t duration_usec);
/** End the airing: tear it down, report it, free it. `a` is invalid afterwards. */
void audio_airing_end(struct audio_airing *a, enum audio_outcome o, enum audio_reason r,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* SHA-256 of an open file (pread, so the fd's offset is untouched): lowercase hex. */
int audio_sha256_fd(int fd, GCancellable *cancel, char ret_hex[65]);
