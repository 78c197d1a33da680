/* Civil (calendar) dates and times of day, independent of any time zone.
 *
 * A date is a day number: days since 1970-01-01 in the proleptic Gregorian calendar.
 * A time of day is microseconds since local midnight. The plan works entirely in
 * these; converting to UTC instants is the caller's business (firmware knows the
 * device's time zone). Pure C, no allocation, no clock reads.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CIVIL_USEC_PER_SEC INT64_C(1000000)
#define CIVIL_USEC_PER_DAY (INT64_C(86400) * CIVIL_USEC_PER_SEC)

/* Weekday masks: bit 0 is Monday … bit 6 is Sunday (weeks start on Monday). */
#define CIVIL_ALL_DAYS 0x7Fu

/** Day number of year y, month m (1-12), day d (1-31). No validation. */
int32_t civil_from_ymd(int y, int m, int d);

/** Split a day number into year, month (1-12) and day (1-31). All outputs required. */
void civil_to_ymd(int32_t day, int *ret_y, int *ret_m, int *ret_d);

/** Weekday of a day number: 0 = Monday … 6 = Sunday. */
int civil_weekday(int32_t day);

/** Days in month m of year y. */
int civil_days_in_month(int y, int m);

/**
 * Parse a strict "YYYY-MM-DD" date (year 1900-9999, real calendar day).
 * Returns 0 and writes *ret_day, or -EINVAL.
 */
int civil_parse_date(const char *s, int32_t *ret_day);

/**
 * Parse "HH:MM" or "HH:MM:SS" (00:00 to 23:59:59). Returns 0 and writes *ret_usec
 * (microseconds since midnight), or -EINVAL.
 */
int civil_parse_time(const char *s, int64_t *ret_usec);

/**
 * Parse "HH:MM-HH:MM" (a daily window; the end may be before the start, meaning it
 * wraps past midnight, e.g. "21:00-06:00"). Equal start and end is -EINVAL.
 */
int civil_parse_window(const char *s, int64_t *ret_start_usec, int64_t *ret_end_usec);

/**
 * Parse a day list: comma-separated "mon".."sun" and ranges "mon-fri"; "sat-mon"
 * wraps. Returns 0 and writes a non-empty weekday mask, or -EINVAL.
 */
int civil_parse_days(const char *s, uint8_t *ret_mask);

/**
 * Parse "YYYY-MM-DD HH:MM[:SS]" (or "YYYY-MM-DDTHH:MM[:SS]"). Returns 0 and writes the
 * day and the time of day, or -EINVAL.
 */
int civil_parse_datetime(const char *s, int32_t *ret_day, int64_t *ret_usec);

/** Does a daily window [start,end) (wrapping when end < start) contain time of day t? */
bool civil_window_contains(int64_t start_usec, int64_t end_usec, int64_t t_usec);

/** Format "YYYY-MM-DD" into buf (at least 11 bytes). Returns buf. */
char *civil_format_date(int32_t day, char *buf, size_t size);

/** Format "dd/mm/yyyy" (how people in Vietnam read dates) into buf (>= 11 bytes). */
char *civil_format_date_vn(int32_t day, char *buf, size_t size);

/** Format a time of day as "HH:MM:SS", truncated to the second (buf >= 9 bytes). */
char *civil_format_time(int64_t usec, char *buf, size_t size);

/** Format a time of day as "HH:MM", truncated to the minute (buf >= 6 bytes). */
char *civil_format_hhmm(int64_t usec, char *buf, size_t size);

/** Vietnamese weekday name ("Thứ Hai" … "Chủ Nhật"), UTF-8 NFC. */
const char *civil_weekday_name_vi(int weekday);

/** English weekday name ("Monday" … "Sunday"). */
const char *civil_weekday_name_en(int weekday);
