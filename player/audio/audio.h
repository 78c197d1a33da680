/* Audio playout: one airing at a time on the loudspeakers, on its planned instant.
 *
 * A player owns an output and airs items (files or HTTP/Icecast relays). The caller
 * prepares an item ahead (the file is opened, its SHA-256 checked, the pipeline pre-rolled
 * to PAUSED), then asks it to start at a planned UTC instant: the pipeline goes PLAYING with
 * its base time set so the first sample is rendered on that instant (sinks that sync).
 * Everything the player learns later is reported through callbacks invoked from the
 * GMainContext given at creation — never from inside an API call (mpv's "calls go down,
 * events come up"), so a callback may call back into the player, even free it.
 *
 * Outputs (SPEC.md `audio.output`):
 *   auto          alsasink on ALSA's default device if it opens, else null (with a note why)
 *   alsa:DEVICE   alsasink device=DEVICE
 *   null          no sound: each item "plays" for its duration on the real clock, or on a
 *                 caller-supplied clock (virtual time, see audio_player_dispatch)
 *   file:PATH.wav renders exactly what would air into a WAV (wavenc ! filesink, no sync);
 *                 "%n" in PATH is replaced by the airing's ordinal (1, 2, ...), otherwise
 *                 each airing overwrites PATH
 *   fakesink      decode and render in real time into a fakesink with sync (tests, benches)
 *
 * Failure ladder (SPEC.md "Outcomes and reasons"): every airing ends in exactly one
 * finished() callback, and a started airing ends no later than max(planned, start call) +
 * duration + grace (5 s): missing-file, hash-mismatch, undecodable (also a file that ends
 * well before its known duration), missing-plugin, device-busy / device-absent (pre-roll
 * retried with back-off until the deadline), stream-unreachable and stall (relays retried
 * a bounded number of times inside their window), silence (`level`: RMS under a threshold
 * for N s of stream), timeout (the deadline itself).
 *
 * Threading: every function must be called from the thread that runs the context.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

enum audio_outcome {
    AUDIO_OUTCOME_COMPLETED = 0,
    AUDIO_OUTCOME_INTERRUPTED = 1,
    AUDIO_OUTCOME_FAILED = 2,
};

enum audio_reason {
    AUDIO_REASON_NONE = 0,
    /* interrupted */
    AUDIO_REASON_EMERGENCY,
    AUDIO_REASON_SHUTDOWN,
    AUDIO_REASON_CRASH,
    /* failed */
    AUDIO_REASON_MISSING_FILE,
    AUDIO_REASON_HASH_MISMATCH,
    AUDIO_REASON_UNDECODABLE,
    AUDIO_REASON_MISSING_PLUGIN,
    AUDIO_REASON_DEVICE_BUSY,
    AUDIO_REASON_DEVICE_ABSENT,
    AUDIO_REASON_STREAM_UNREACHABLE,
    AUDIO_REASON_STALL,
    AUDIO_REASON_SILENCE,
    AUDIO_REASON_TIMEOUT,
    AUDIO_REASON_COUNT_
};

/** "completed" | "interrupted" | "failed". */
const char *audio_outcome_to_string(enum audio_outcome o);
/** SPEC.md's spelling ("missing-file", "stream-unreachable", ...); "" for NONE. */
const char *audio_reason_to_string(enum audio_reason r);
/** The inverse of audio_reason_to_string; returns 0 or -EINVAL. */
int audio_reason_from_string(const char *s, enum audio_reason *ret_reason);

enum audio_item_kind { AUDIO_ITEM_FILE = 0, AUDIO_ITEM_RELAY = 1 };

/** What to air. Borrowed by audio_player_prepare(), which copies what it keeps. */
struct audio_item {
    uint64_t cookie; /* the caller's id, echoed in callbacks; unique among live airings */
    enum audio_item_kind kind;
    const char *location; /* FILE: a path; RELAY: an http:// or https:// URL */
    const char *sha256; /* FILE: expected digest (hex, any case), or NULL not to check */
    double gain_db; /* per-item gain from the library (loose files: 0) */
    int64_t duration_usec; /* FILE: media duration, or 0 to learn it from the file;
                            * RELAY: how long to relay (required, > 0) */
};

/** How an airing ended, passed to finished(). */
struct audio_result {
    uint64_t cookie;
    enum audio_outcome outcome;
    enum audio_reason reason; /* NONE when completed */
    bool started; /* a first sample was rendered */
    int64_t start_usec; /* actual start (first sample rendered), UTC µs; 0 if !started */
    int64_t end_usec; /* when it ended, UTC µs */
    int64_t played_usec; /* audio rendered; ms played = played_usec / 1000 */
    char detail[256]; /* a human explanation (e.g. GStreamer's message), may be "" */
};

struct audio_callbacks {
    /** The first sample of an airing was rendered at start_usec (UTC µs). May be NULL. */
    void (*started)(void *userdata, uint64_t cookie, int64_t start_usec);
    /** The airing is over (after started(), if it started). r is valid during the call. */
    void (*finished)(void *userdata, const struct audio_result *r);
    void *userdata;
};

/** Player settings. Zero tunables take the defaults in brackets. */
struct audio_config {
    const char *output; /* see above; NULL = "auto" */
    double volume; /* linear, 0..1, multiplies every item's gain (config audio.volume) */
    /* The clock of the null output: UTC µs. NULL = the real clock. With a clock given only
     * the null output is allowed, and nothing happens until audio_player_dispatch(). */
    int64_t (*now_usec)(void *userdata);
    void *now_userdata;
    int64_t grace_usec; /* [5 s] deadline = start + duration + grace */
    int64_t stall_usec; /* [3 s] no data for this long is a stall */
    double silence_dbfs; /* [-60] RMS under this (all channels) is silence */
    int64_t silence_usec; /* [5 s] of silence fails the airing; < 0 disables */
    int relay_retries; /* [3] reconnections after the first attempt; < 0: none */
    int64_t relay_preconnect_usec; /* [2 s] a relay connects this long before its start */
    int64_t preroll_timeout_usec; /* [3 s] a file whose pre-roll takes longer fails
                                   * (undecodable: a decoder stuck on damaged data) */
    int64_t device_retry_max_usec; /* [2 s] cap of the busy/absent device back-off */
};

struct audio_player;

/**
 * Initialise GStreamer for this process (idempotent). audio_player_new() calls it.
 * Returns 0 or -EIO with reterr (may be NULL) filled.
 */
int audio_init(struct loa_diag *reterr);

/**
 * Create a player on output cfg->output, reporting through cb on ctx (NULL = the global
 * default context). cfg and cb are copied. For "auto", probes ALSA's default device and
 * falls back to null, saying why in audio_player_output_note().
 * Returns 0 and *ret_player, or -EINVAL (bad output string or volume) / -EIO (GStreamer
 * cannot start) / -ENOPKG (an element an explicit output needs is not installed), with
 * reterr (may be NULL) filled.
 */
int audio_player_new(const struct audio_config *cfg, const struct audio_callbacks *cb,
                     GMainContext *ctx, struct audio_player **ret_player, struct loa_diag *reterr);

/** Stop and release every airing without invoking callbacks; accepts NULL; returns NULL.
 *  Safe to call from inside a callback. */
struct audio_player *audio_player_free(struct audio_player *p);

/** The output in use after "auto" resolved: "alsa:default", "null", "file:PATH", ... */
const char *audio_player_output(const struct audio_player *p);
/** Why "auto" fell back to null, or NULL. */
const char *audio_player_output_note(const struct audio_player *p);

/**
 * Start preparing item: open the file, check its SHA-256 (in a worker thread), pre-roll.
 * Failures found now or later are reported by finished() (outcome failed), never by the
 * return value, which only says whether the request was accepted: 0, or -EINVAL (bad item:
 * no location, a relay without duration or with a non-http URL), -EEXIST (cookie in use).
 * Relays connect relay_preconnect_usec before their start, not here.
 */
int audio_player_prepare(struct audio_player *p, const struct audio_item *item);

/**
 * Air the prepared item `cookie` so its first sample is rendered at planned_usec (UTC µs).
 * May be called any time before that instant (the player waits) or after it (it starts as
 * soon as pre-rolled: late). Arms the deadline at max(planned, now) + duration + grace.
 * Returns 0 (also for an airing that already failed and whose finished() is pending), or
 * -ENOENT (no such airing), -EALREADY (already asked to start), -EBUSY (another airing was
 * started and has not finished: stop it first).
 */
int audio_player_start_at(struct audio_player *p, uint64_t cookie, int64_t planned_usec);

/**
 * End airing `cookie` now: outcome interrupted with reason (EMERGENCY, SHUTDOWN or CRASH),
 * also for an airing that was only prepared (then started = false). The output is
 * released before this returns; finished() follows from the context.
 * Returns 0 (also when its finished() is already pending), -ENOENT (no such airing) or
 * -EINVAL (not an interrupted reason).
 */
int audio_player_stop(struct audio_player *p, uint64_t cookie, enum audio_reason reason);

/** Number of live airings (prepared, starting or playing). */
unsigned audio_player_live(const struct audio_player *p);

/**
 * Virtual time (cfg->now_usec given): the next instant, on that clock, at which the player
 * has something to do, or INT64_MAX. The daemon advances its clock to min(own, this).
 */
int64_t audio_player_next_wakeup_usec(const struct audio_player *p);

/**
 * Virtual time: run everything due at cfg->now_usec() and deliver pending callbacks now,
 * synchronously (the one exception to "callbacks come from the context"). With the real
 * clock it just delivers pending callbacks. Do not call from inside a callback.
 */
void audio_player_dispatch(struct audio_player *p);
