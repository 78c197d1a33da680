/* Helpers shared by the kiosk tests (header-only: one executable per test file). */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "kiosk_types.h"

#define SEC (INT64_C(1000000))
#define MINUTE (60 * SEC)
#define HOUR (60 * MINUTE)

#define TEST_FONT "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
#define TEST_FONT_BOLD "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"

/* 2021-03-01 is a Monday. */
static inline int32_t test_day(void)
{
    return civil_from_ymd(2021, 3, 1);
}

static inline int64_t test_at(int h, int m, int s)
{
    return kiosk_lt(test_day(), ((int64_t)h * 3600 + m * 60 + s) * SEC);
}

static inline struct kiosk_notice test_notice(const char *id, const char *title, const char *text,
                                              int seconds)
{
    return (struct kiosk_notice){.id = id,
                                 .title = title,
                                 .text = text,
                                 .seconds = seconds,
                                 .from_day = INT32_MIN,
                                 .until_day = INT32_MAX};
}

/* Skip (exit 77) when the fonts the kiosk needs are not installed. */
static inline void test_require_fonts(void)
{
    if (!g_file_test(TEST_FONT, G_FILE_TEST_EXISTS) ||
        !g_file_test(TEST_FONT_BOLD, G_FILE_TEST_EXISTS)) {
        g_print("SKIP: fonts-noto-core is not installed (%s)\n", TEST_FONT);
        exit(77);
    }
}
