/* The daemon <-> kiosk interface (DESIGN.md "Kiosk isolation": the kiosk is its own
 * process, fed by the daemon over the control socket; the daemon is the only writer of
 * the ledger).
 *
 * Daemon -> kiosk: KIOSK_MSG_CONTENT when the library or config changes (identity,
 * rotate_seconds, screen_off, notices), KIOSK_MSG_SCHEDULE at start, at midnight and at
 * reloads (today's "Lịch phát hôm nay" and the next session), KIOSK_MSG_AIRING when an
 * airing starts or ends (what actually airs, play-now and emergencies included),
 * KIOSK_MSG_BANNER for a short footer message until a time (`banner` control request:
 * the result of a USB import), KIOSK_MSG_SHUTDOWN to stop the kiosk cleanly.
 * Kiosk -> daemon: KIOSK_MSG_PROOF, one per proof-of-display record (kiosk_proof.h); the
 * daemon converts its local times to UTC and appends a ledger `notice` record.
 *
 * Wire form: kiosk_msg_encode() gives a self-contained byte string (a serialised GVariant
 * of type "(uv)", little-endian normal form); the transport frames it (e.g. a 4-byte
 * length before each message on the control socket). kiosk_msg_decode() checks type and
 * normal form, so a malformed message is refused, never half-applied.
 * All times are local timeline microseconds (kiosk_types.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kiosk_proof.h"
#include "kiosk_types.h"

struct kiosk;

enum kiosk_msg_kind {
    KIOSK_MSG_CONTENT = 1,
    KIOSK_MSG_SCHEDULE = 2,
    KIOSK_MSG_AIRING = 3,
    KIOSK_MSG_SHUTDOWN = 4,
    KIOSK_MSG_PROOF = 5,
    KIOSK_MSG_BANNER = 6,
};

/** One message. Which fields count depends on kind; pointers are borrowed (encode) or
 *  owned by the message (decode, freed by kiosk_msg_free). */
struct kiosk_msg {
    enum kiosk_msg_kind kind;
    /* CONTENT */
    struct kiosk_identity identity;
    int rotate_seconds;
    struct kiosk_screen_off screen_off;
    const struct kiosk_notice *notices;
    size_t n_notices;
    /* SCHEDULE */
    int32_t schedule_day;
    const struct kiosk_schedule_line *schedule;
    size_t n_schedule;
    struct kiosk_next_session next;
    /* AIRING */
    struct kiosk_airing airing;
    /* PROOF */
    struct kiosk_proof_record proof;
    /* BANNER: text NULL/"" clears; decode refuses text over KIOSK_BANNER_MAX bytes or
     * with a line break */
    struct kiosk_banner banner;

    void *priv_; /* decode: the storage behind the pointers */
};

/**
 * Serialise m. Returns 0 and *ret_buf (free()) / *ret_len, -EINVAL for an unknown kind,
 * -ENOMEM.
 */
int kiosk_msg_encode(const struct kiosk_msg *m, void **ret_buf, size_t *ret_len);

/**
 * Parse a message made by kiosk_msg_encode (the bytes are copied). Returns 0 and *ret
 * (free with kiosk_msg_free), -EBADMSG for bytes that are not a well-formed message of a
 * known kind, -ENOMEM.
 */
int kiosk_msg_decode(const void *buf, size_t len, struct kiosk_msg **ret);

/** Free a decoded message; accepts NULL; returns NULL. */
struct kiosk_msg *kiosk_msg_free(struct kiosk_msg *m);

/**
 * Apply a daemon message to the live kiosk (CONTENT, SCHEDULE, AIRING, BANNER; SHUTDOWN and
 * PROOF are the caller's business and return -EINVAL). The caller then runs
 * kiosk_update(). Returns 0 or a negative errno.
 */
int kiosk_apply_msg(struct kiosk *k, const struct kiosk_msg *m);
