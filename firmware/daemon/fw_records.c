/* Airings → ledger records (SPEC.md "The airtime ledger"): each record snapshots who
 * the device is (filled by the ledger), the playlist, reference and campaign window, the
 * item, title, category, class, media SHA-256, session and date, the airing key, planned
 * and actual times (UTC), milliseconds played, outcome and reason, the gain applied and
 * the clock trust — so a later library change cannot alter history.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fw_daemon.h"
#include "ledger.h"

void fw_plan_key(const struct plan_rules *rules, const struct plan_airing *a, char *buf,
                 size_t size)
{
    char date[16];
    civil_format_date(a->day, date, sizeof date);
    const char *item = a->item == PLAN_ITEM_CHIME ? "chime" : rules->items[a->item].id;
    snprintf(buf, size, "%s/%s/%s/%u", date, rules->sessions[a->session].id, item, a->ordinal);
}

static enum ledger_airing_kind kind_of(enum plan_kind k)
{
    switch (k) {
    case PLAN_KIND_CHIME:
        return LEDGER_AIRING_KIND_CHIME;
    case PLAN_KIND_RELAY:
        return LEDGER_AIRING_KIND_RELAY;
    default:
        return LEDGER_AIRING_KIND_ANNOUNCEMENT;
    }
}

static enum ledger_class class_of(enum plan_class c)
{
    switch (c) {
    case PLAN_CLASS_EMERGENCY:
        return LEDGER_CLASS_EMERGENCY;
    case PLAN_CLASS_PRIORITY:
        return LEDGER_CLASS_PRIORITY;
    default:
        return LEDGER_CLASS_NORMAL;
    }
}

static struct fw_gen *gen_of(struct fw_daemon *d, const struct plan_rules *rules)
{
    for (size_t i = 0; i < d->n_gens; i++)
        if (&d->gens[i]->rules->rules == rules)
            return d->gens[i];
    if (d->pending_gen && &d->pending_gen->rules->rules == rules)
        return d->pending_gen;
    return NULL;
}

int fw_airing_info_get(struct fw_daemon *d, const struct fw_airing *a, struct fw_airing_info *ret)
{
    struct fw_airing_info in = {0};
    in.campaign_from = LEDGER_NO_DAY;
    in.campaign_until = LEDGER_NO_DAY;
    in.session_day = LEDGER_NO_DAY;
    in.caller_uid = LEDGER_NONE;
    in.kind = kind_of(a->kind);

    if (a->source == FW_SOURCE_PLAN) {
        struct fw_gen *g = gen_of(d, a->rules);
        if (!g)
            return -ENOENT;
        const struct plan_rules *rules = a->rules;
        in.source = LEDGER_SOURCE_PLAN;
        fw_plan_key(rules, &a->plan, in.key, sizeof in.key);
        in.session_id = rules->sessions[a->plan.session].id;
        in.session_day = a->plan.day;
        if (a->plan.item == PLAN_ITEM_CHIME) {
            /* SPEC.md's plan rows give the chime no title and no class. */
            in.item_id = "chime";
            in.cls = LEDGER_CLASS_NONE;
            in.media_sha256 = g->chime_sha256;
            in.location = g->config->audio.chime;
        } else {
            const struct plan_item *it = &rules->items[a->plan.item];
            const struct plan_campaign *c = &rules->campaigns[it->campaign];
            const struct loa_rules_origin *o = &g->rules->origins[a->plan.item];
            in.item_id = it->id;
            in.title = it->title;
            in.category = it->category;
            in.cls = class_of(it->cls);
            in.playlist_id = c->id;
            in.reference = c->reference;
            in.campaign_from = c->from_day;
            in.campaign_until = c->until_day;
            in.text = o->item->text[0] ? o->item->text : NULL;
            if (it->kind == PLAN_KIND_RELAY) {
                in.relay = true;
                in.location = o->item->relay;
            } else {
                const struct library_media *m = g->item_media[a->plan.item];
                in.location = m ? m->path : o->item->file;
                in.media_sha256 = m ? m->sha256 : NULL;
                in.gain_db = m ? m->gain.gain_db : 0.0;
            }
        }
        *ret = in;
        return 0;
    }

    if (a->cookie >= FW_PLAY_NOW_SLOTS || !d->pn[a->cookie].used)
        return -ENOENT;
    const struct fw_play_now_slot *s = &d->pn[a->cookie];
    in.source = LEDGER_SOURCE_PLAY_NOW;
    in.caller_uid = s->caller_uid;
    if (a->kind == PLAN_KIND_CHIME) {
        struct fw_gen *g = d->n_gens ? d->gens[d->n_gens - 1] : NULL;
        snprintf(in.key, sizeof in.key, "%s/chime", s->key);
        in.item_id = "chime";
        in.cls = LEDGER_CLASS_NONE;
        in.media_sha256 = g ? g->chime_sha256 : NULL;
        in.location = g ? g->config->audio.chime : NULL;
    } else {
        snprintf(in.key, sizeof in.key, "%s", s->key);
        in.item_id = s->item_id;
        in.title = s->title;
        in.category = s->category;
        in.cls = class_of(s->cls);
        in.playlist_id = s->playlist_id[0] ? s->playlist_id : NULL;
        in.reference = s->reference[0] ? s->reference : NULL;
        in.campaign_from = s->playlist_id[0] ? s->campaign_from : LEDGER_NO_DAY;
        in.campaign_until = s->playlist_id[0] ? s->campaign_until : LEDGER_NO_DAY;
        in.media_sha256 = s->sha256[0] ? s->sha256 : NULL;
        in.location = s->location;
        in.gain_db = s->gain_db;
    }
    *ret = in;
    return 0;
}

void fw_record_airing(struct ledger_record *r, const struct fw_airing_info *info,
                      const struct fw_airing *a, enum ledger_phase phase, int64_t written_usec,
                      enum ledger_trust trust)
{
    ledger_record_init(r, LEDGER_AIRING);
    r->phase = phase;
    r->written_usec = written_usec;
    r->trust = trust;
    r->source = info->source;
    r->airing_kind = info->kind;
    r->playlist_id = info->playlist_id;
    r->reference = info->reference;
    r->campaign_from_day = info->campaign_from;
    r->campaign_until_day = info->campaign_until;
    r->item_id = info->item_id;
    r->title = info->title;
    r->category = info->category;
    r->cls = info->cls;
    r->media_sha256 = info->media_sha256 && info->media_sha256[0] ? info->media_sha256 : NULL;
    r->session_id = info->session_id;
    r->session_day = info->session_day;
    r->airing_key = info->key;
    r->planned_start_usec = a->planned_start_utc_usec;
    r->gain_cdb = info->relay || (info->kind == LEDGER_AIRING_KIND_CHIME && !info->media_sha256)
                      ? LEDGER_NONE
                      : (int64_t)llround(info->gain_db * 100.0);
    r->caller_uid = info->caller_uid;
}

enum ledger_outcome fw_record_outcome(enum fw_outcome o)
{
    switch (o) {
    case FW_OUTCOME_COMPLETED:
        return LEDGER_OUTCOME_COMPLETED;
    case FW_OUTCOME_INTERRUPTED:
        return LEDGER_OUTCOME_INTERRUPTED;
    case FW_OUTCOME_FAILED:
        return LEDGER_OUTCOME_FAILED;
    case FW_OUTCOME_MISSED:
        return LEDGER_OUTCOME_MISSED;
    case FW_OUTCOME_DROPPED:
        return LEDGER_OUTCOME_DROPPED;
    }
    return LEDGER_OUTCOME_NONE;
}

int fw_record_append(struct fw_daemon *d, const struct ledger_record *r)
{
    struct loa_diag e = {0};
    int x = ledger_append(d->ledger, r, NULL, &e);
    if (x < 0) {
        fw_daemon_error(d, "ledger: %s", e.msg[0] ? e.msg : strerror(-x));
        return x;
    }
    if (x == LEDGER_HELD && !d->batching && !d->disk_alarm) {
        d->disk_alarm = true;
        fw_daemon_error(d, "ledger: the disk is full; records are held in memory until space "
                           "returns");
    }
    return x;
}
