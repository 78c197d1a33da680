/* fw_trust: clock trust as SPEC.md defines it (synced since boot, RTC, operator,
 * holdover, backward steps), with time as an argument. */
#include <glib.h>

#include "fw_trust.h"

#define SEC INT64_C(1000000)
#define HOUR (3600 * SEC)
#define T0 (INT64_C(1614556800) * SEC) /* 2021-03-01 00:00 UTC */

static void test_boot_untrusted_then_sync(void)
{
    struct fw_trust_state t;
    fw_trust_init(&t, 168 * HOUR, false, T0);
    g_assert_cmpint(fw_trust_get(&t, T0), ==, FW_TRUST_UNSYNCED);
    g_assert_cmpint(fw_trust_expires_at(&t), ==, INT64_MAX);
    fw_trust_observe(&t, false, T0, T0 + SEC);
    g_assert_cmpint(fw_trust_get(&t, T0 + SEC), ==, FW_TRUST_UNSYNCED);
    fw_trust_observe(&t, true, T0 + 2 * SEC, T0 + 2 * SEC);
    g_assert_cmpint(fw_trust_get(&t, T0 + 2 * SEC), ==, FW_TRUST_SYNCED);
    g_assert_cmpstr(fw_trust_name(fw_trust_get(&t, T0 + 2 * SEC)), ==, "synced");
}

/* Losing the network alone does not end trust: holdover for max_holdover. */
static void test_holdover(void)
{
    struct fw_trust_state t;
    fw_trust_init(&t, 168 * HOUR, false, T0);
    fw_trust_observe(&t, true, T0, T0);
    fw_trust_observe(&t, false, T0, T0 + HOUR);
    g_assert_cmpint(fw_trust_get(&t, T0 + HOUR), ==, FW_TRUST_HOLDOVER);
    g_assert_cmpint(fw_trust_expires_at(&t), ==, T0 + 168 * HOUR);
    g_assert_cmpint(fw_trust_get(&t, T0 + 168 * HOUR - 1), ==, FW_TRUST_HOLDOVER);
    g_assert_cmpint(fw_trust_get(&t, T0 + 168 * HOUR), ==, FW_TRUST_UNSYNCED);
    /* timesyncd's marker names the last sync: holdover counts from it */
    fw_trust_observe(&t, true, T0 + 200 * HOUR, T0 + 201 * HOUR);
    fw_trust_observe(&t, false, 0, T0 + 202 * HOUR);
    g_assert_cmpint(fw_trust_expires_at(&t), ==, T0 + 368 * HOUR);
}

/* A forward step keeps trust and holdover counts real time; a backward step ends it
 * until the next sync. */
static void test_steps(void)
{
    struct fw_trust_state t;
    fw_trust_init(&t, 168 * HOUR, false, T0);
    fw_trust_observe(&t, true, T0, T0);
    fw_trust_observe(&t, false, T0, T0 + HOUR);
    fw_trust_step(&t, T0 + HOUR, T0 + 4 * HOUR);
    g_assert_cmpint(fw_trust_get(&t, T0 + 4 * HOUR), ==, FW_TRUST_HOLDOVER);
    g_assert_cmpint(fw_trust_expires_at(&t), ==, T0 + 3 * HOUR + 168 * HOUR);
    fw_trust_step(&t, T0 + 4 * HOUR, T0 + HOUR);
    g_assert_cmpint(fw_trust_get(&t, T0 + HOUR), ==, FW_TRUST_UNSYNCED);
    fw_trust_observe(&t, true, T0 + 2 * HOUR, T0 + 2 * HOUR);
    g_assert_cmpint(fw_trust_get(&t, T0 + 2 * HOUR), ==, FW_TRUST_SYNCED);
}

/* RTC at boot and the operator's word are anchors like a sync, with the same holdover
 * and the same end at a backward step. */
static void test_rtc_operator(void)
{
    struct fw_trust_state t;
    fw_trust_init(&t, 24 * HOUR, true, T0);
    g_assert_cmpint(fw_trust_get(&t, T0), ==, FW_TRUST_RTC);
    g_assert_cmpint(fw_trust_get(&t, T0 + 24 * HOUR), ==, FW_TRUST_UNSYNCED);
    fw_trust_confirm(&t, T0 + 25 * HOUR);
    g_assert_cmpint(fw_trust_get(&t, T0 + 25 * HOUR), ==, FW_TRUST_OPERATOR);
    g_assert_true(fw_trust_is_trusted(fw_trust_get(&t, T0 + 25 * HOUR)));
    /* a stale marker does not shorten the operator's anchor */
    fw_trust_observe(&t, true, T0, T0 + 26 * HOUR);
    fw_trust_observe(&t, false, T0, T0 + 27 * HOUR);
    g_assert_cmpint(fw_trust_get(&t, T0 + 27 * HOUR), ==, FW_TRUST_HOLDOVER);
    g_assert_cmpint(fw_trust_expires_at(&t), ==, T0 + 49 * HOUR);
    fw_trust_step(&t, T0 + 27 * HOUR, T0 + 26 * HOUR);
    g_assert_cmpint(fw_trust_get(&t, T0 + 26 * HOUR), ==, FW_TRUST_UNSYNCED);
    g_assert_false(fw_trust_is_trusted(FW_TRUST_UNSYNCED));
    g_assert_true(fw_trust_is_trusted(FW_TRUST_VIRTUAL));
}

static void test_names(void)
{
    g_assert_cmpstr(fw_trust_name(FW_TRUST_HOLDOVER), ==, "holdover");
    g_assert_cmpstr(fw_trust_name(FW_TRUST_VIRTUAL), ==, "virtual");
    g_assert_cmpstr(fw_outcome_name(FW_OUTCOME_DROPPED), ==, "dropped");
    g_assert_cmpstr(fw_reason_name(FW_REASON_CLOCK_UNSYNCED), ==, "clock-unsynced");
    g_assert_cmpstr(fw_reason_name(FW_REASON_SESSION_FULL), ==, "session-full");
    g_assert_cmpstr(fw_reason_name(FW_REASON_NONE), ==, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/trust/boot-then-sync", test_boot_untrusted_then_sync);
    g_test_add_func("/core/trust/holdover", test_holdover);
    g_test_add_func("/core/trust/steps", test_steps);
    g_test_add_func("/core/trust/rtc-operator", test_rtc_operator);
    g_test_add_func("/core/trust/names", test_names);
    return g_test_run();
}
