/* The kiosk's side of the control socket (`loa kiosk`, SPEC.md "Kiosk isolation"): connect
 * to the daemon, send `kiosk-subscribe`, receive kiosk messages (kiosk_feed.h) and send
 * proof-of-display records back as KIOSK_MSG_PROOF.
 *
 * Runs on the GLib main loop of the caller's thread. When no daemon listens or the
 * connection drops it retries every second and subscribes again. Proof records made
 * while disconnected wait in memory (up to FW_KIOSK_CLIENT_MAX_QUEUED, the oldest
 * dropped beyond) and are sent once connected: the daemon stays the ledger's only writer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kiosk_feed.h"

#define FW_KIOSK_CLIENT_MAX_QUEUED 4096
/* How often a missing daemon is looked for. */
#define FW_KIOSK_CLIENT_RETRY_MS 1000

struct fw_kiosk_client_ops {
    /* Subscribed (the daemon's first messages follow). May be NULL. */
    void (*connected)(void *userdata);
    /* A decoded daemon message (borrowed for the call). */
    void (*message)(void *userdata, const struct kiosk_msg *m);
    /* The connection dropped (a retry is scheduled). May be NULL. */
    void (*disconnected)(void *userdata);
};

struct fw_kiosk_client;

/**
 * Start talking to the daemon at socket_path (copied): a first attempt now, then every
 * FW_KIOSK_CLIENT_RETRY_MS until one succeeds. Returns 0 and *ret, or -ENAMETOOLONG.
 */
int fw_kiosk_client_new(const char *socket_path, const struct fw_kiosk_client_ops *ops,
                        void *userdata, struct fw_kiosk_client **ret);

/**
 * Send what is still queued (blocking, at most about a second), then close. Accepts
 * NULL; returns NULL.
 */
struct fw_kiosk_client *fw_kiosk_client_free(struct fw_kiosk_client *c);

/** Queue a proof-of-display record for the daemon and send it when connected. */
void fw_kiosk_client_proof(struct fw_kiosk_client *c, const struct kiosk_proof_record *rec);

/** Subscribed right now? */
bool fw_kiosk_client_connected(const struct fw_kiosk_client *c);
