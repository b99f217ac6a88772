/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calendar days and local time: the date math behind the cadence, DST-safe. */
#ifndef CRK_DATE_H
#define CRK_DATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/common.h"

/* A civil calendar day: days since 1970-01-01 (proleptic Gregorian).
 * Day arithmetic is plain integer arithmetic, so adding 7 days never
 * lands on 23:00 after a DST change. */
typedef int32_t crk_day;
#define CRK_DAY_NONE INT32_MIN

/* "The rep's time zone" is the process's local zone (TZ).  The CLI sets TZ
 * from the config's `timezone` once at start; Claws runs in the user's
 * zone; tests set TZ.  Nothing below calls time(). */

crk_day crk_day_from_ymd(int year, int month, int day);
void crk_day_to_ymd(crk_day d, int *year_r, int *month_r, int *day_r);
/* 0 = Sunday ... 6 = Saturday. */
int crk_day_weekday(crk_day d);
/* The local calendar day that contains instant t. */
crk_day crk_day_of_time(time_t t);
/* The instant of local midnight starting day d (first existing instant of
 * that day if midnight is skipped by a DST change). */
time_t crk_day_start(crk_day d);
/* Parses exactly "YYYY-MM-DD" (a real date).  CRK_E_INVAL otherwise. */
enum crk_status crk_day_parse(const char *s, crk_day *day_r, char **error_r);
/* Writes "YYYY-MM-DD" into buf (at least 11 bytes); returns buf. */
char *crk_day_format(crk_day d, char *buf);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" as local
 * time, or any of these followed by "Z" as UTC.  A date alone means 12:00
 * local time that day, so "as of that day" sees the morning's mail and is
 * the same day in every zone within 12 hours of this one. */
enum crk_status crk_time_parse(const char *s, time_t *t_r, char **error_r);
/* ISO 8601 with the local UTC offset, "2026-11-22T10:00:00+01:00";
 * buf at least 32 bytes; returns buf. */
char *crk_time_format(time_t t, char *buf);
/* ISO 8601 in UTC, "2026-11-22T09:00:00Z"; buf at least 32 bytes. */
char *crk_time_format_utc(time_t t, char *buf);

#endif
