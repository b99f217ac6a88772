/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calendar days and local time: civil-day math, DST-safe local instants. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"

#define DATE_SECS_PER_DAY 86400
/* Every UTC offset in the tz database (LMT included) is within 16 hours,
 * so the offsets 17 hours either side of a local time are the ones in
 * force before and after any transition near it. */
#define DATE_OFFSET_SPAN (17 * 3600)
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define DATE_EPOCH_SHIFT 719468
#define DATE_DAYS_PER_ERA 146097 /* 400 years */

/* Division that rounds toward minus infinity, for days before 1970. */
static int64_t
date_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static bool
date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
date_month_days(int year, int month)
{
	static const int days[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && date_is_leap(year))
		return 29;
	return days[month - 1];
}

/* The year is counted from March, so February (and its leap day) is the
 * last month of a "computational" year and the month lengths from March on
 * follow the 153-days-per-5-months pattern.  400 Gregorian years are
 * exactly 146097 days, which lets any year fold into one era. */
crk_day
crk_day_from_ymd(int year, int month, int day)
{
	int64_t y = year, m = month, era, year_of_era, day_of_year;
	int64_t day_of_era, days;

	/* Months outside 1..12 carry into the year, days outside the month
	 * simply count on (the formula is linear in the day). */
	y += date_floor_div(m - 1, 12);
	m = m - 12 * date_floor_div(m - 1, 12);
	if (m <= 2) {
		y--;
		m += 12;
	}
	/* m is now 3..14, March = 3 */
	era = date_floor_div(y, 400);
	year_of_era = y - era * 400;
	day_of_year = (153 * (m - 3) + 2) / 5 + day - 1;
	day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 +
	    day_of_year;
	days = era * DATE_DAYS_PER_ERA + day_of_era - DATE_EPOCH_SHIFT;
	return (crk_day)days;
}

void
crk_day_to_ymd(crk_day d, int *year_r, int *month_r, int *day_r)
{
	int64_t z = (int64_t)d + DATE_EPOCH_SHIFT;
	int64_t era, day_of_era, year_of_era, day_of_year, mp, year, leap_days;
	int month;

	era = date_floor_div(z, DATE_DAYS_PER_ERA);
	day_of_era = z - era * DATE_DAYS_PER_ERA;
	/* Years in the era: take out the leap days (every 4th year, not
	 * every 100th, but the 400th) before dividing by 365. */
	leap_days = day_of_era / 1460 - day_of_era / 36524 +
	    day_of_era / (DATE_DAYS_PER_ERA - 1);
	year_of_era = (day_of_era - leap_days) / 365;
	day_of_year = day_of_era -
	    (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	mp = (5 * day_of_year + 2) / 153; /* 0 = March ... 11 = February */
	month = (int)(mp < 10 ? mp + 3 : mp - 9);
	year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
	if (year_r != NULL)
		*year_r = (int)year;
	if (month_r != NULL)
		*month_r = month;
	if (day_r != NULL)
		*day_r = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
}

int
crk_day_weekday(crk_day d)
{
	/* 1970-01-01 was a Thursday. */
	return (int)((int64_t)d + 4 - 7 * date_floor_div((int64_t)d + 4, 7));
}

/* Local wall-clock time of instant t as seconds since 1970-01-01 00:00 of
 * the local calendar (that is, t + UTC offset). */
static bool
date_local_seconds(time_t t, int64_t *local_r)
{
	struct tm tm;
	crk_day day;

	if (localtime_r(&t, &tm) == NULL)
		return false;
	day = crk_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*local_r = (int64_t)day * DATE_SECS_PER_DAY + tm.tm_hour * 3600 +
	    tm.tm_min * 60 + tm.tm_sec;
	return true;
}

static int64_t
date_offset_at(time_t t)
{
	int64_t local;

	if (!date_local_seconds(t, &local))
		return 0;
	return local - (int64_t)t;
}

/* The instant that shows local wall-clock time `local`.  Within a DST
 * overlap the earlier instant wins; within a gap the time is read with the
 * offset in force before the gap, so it lands as far after the gap's end
 * as it was after its start (02:30 in a 02:00-03:00 gap is 03:30; RFC 5545
 * section 3.3.5 reads nonexistent times the same way).  When `gap_start`
 * is set, a time in a gap gives the first instant after the gap instead. */
static time_t
date_local_to_time(int64_t local, bool gap_start)
{
	int64_t before = date_offset_at((time_t)(local - DATE_OFFSET_SPAN));
	int64_t after = date_offset_at((time_t)(local + DATE_OFFSET_SPAN));
	int64_t t_before = local - before, t_after = local - after, lo, hi;
	int64_t shown;
	bool ok_before, ok_after;

	ok_before =
	    date_local_seconds((time_t)t_before, &shown) && shown == local;
	ok_after =
	    date_local_seconds((time_t)t_after, &shown) && shown == local;
	if (ok_before && ok_after)
		return (time_t)(t_before < t_after ? t_before : t_after);
	if (ok_before)
		return (time_t)t_before;
	if (ok_after)
		return (time_t)t_after;
	if (!gap_start || t_after >= t_before)
		return (time_t)t_before;
	/* In a gap (the clock jumped forward, so t_after < t_before): find
	 * the first instant whose wall clock reaches `local`. */
	lo = t_after;
	hi = t_before;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (date_local_seconds((time_t)mid, &shown) && shown >= local)
			hi = mid;
		else
			lo = mid;
	}
	return (time_t)hi;
}

crk_day
crk_day_of_time(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return (crk_day)date_floor_div((int64_t)t, DATE_SECS_PER_DAY);
	return crk_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

time_t
crk_day_start(crk_day d)
{
	int year, month, day;
	struct tm tm;
	time_t t, prev;

	/* mktime does the common case; it is only trusted when the result
	 * shows midnight of day d and the second before it is still the day
	 * before (not a repeated midnight, not a skipped one). */
	crk_day_to_ymd(d, &year, &month, &day);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t != (time_t)-1 && tm.tm_hour == 0 && tm.tm_min == 0 &&
	    tm.tm_sec == 0 && crk_day_of_time(t) == d) {
		prev = t - 1;
		if (crk_day_of_time(prev) < d)
			return t;
	}
	/* A day skipped whole (Samoa, 2011-12-30) has no instant; it then
	 * starts where the next day starts, so it lasts zero seconds. */
	return date_local_to_time((int64_t)d * DATE_SECS_PER_DAY, true);
}

/* Reads exactly n ASCII digits. */
static bool
date_digits(const char *s, int n, int *value_r)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value_r = v;
	return true;
}

/* Parses "YYYY-MM-DD" at the start of s; *end_r points after it. */
static enum crk_status
date_parse_ymd(
    const char *s, crk_day *day_r, const char **end_r, char **error_r)
{
	int year, month, day;

	if (!date_digits(s, 4, &year) || s[4] != '-' ||
	    !date_digits(s + 5, 2, &month) || s[7] != '-' ||
	    !date_digits(s + 8, 2, &day)) {
		crk_error_set(
		    error_r, "invalid date '%.40s': expected YYYY-MM-DD", s);
		return CRK_E_INVAL;
	}
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
	    day > date_month_days(year, month)) {
		crk_error_set(error_r, "invalid date '%.10s': no such day", s);
		return CRK_E_INVAL;
	}
	*day_r = crk_day_from_ymd(year, month, day);
	*end_r = s + 10;
	return CRK_OK;
}

enum crk_status
crk_day_parse(const char *s, crk_day *day_r, char **error_r)
{
	const char *end = NULL;
	enum crk_status status;
	crk_day d;

	*day_r = CRK_DAY_NONE;
	if (s == NULL) {
		crk_error_set(error_r, "missing date: expected YYYY-MM-DD");
		return CRK_E_INVAL;
	}
	status = date_parse_ymd(s, &d, &end, error_r);
	if (status != CRK_OK)
		return status;
	if (*end != '\0') {
		crk_error_set(error_r,
		    "invalid date '%.40s': unexpected text after YYYY-MM-DD",
		    s);
		return CRK_E_INVAL;
	}
	*day_r = d;
	return CRK_OK;
}

char *
crk_day_format(crk_day d, char *buf)
{
	int year, month, day;

	crk_day_to_ymd(d, &year, &month, &day);
	snprintf(buf, 11, "%04d-%02d-%02d", year, month, day);
	return buf;
}

enum crk_status
crk_time_parse(const char *s, time_t *t_r, char **error_r)
{
	int hour = 12, minute = 0, second = 0;
	const char *p = NULL;
	enum crk_status status;
	bool utc = false;
	int64_t local;
	crk_day d;

	*t_r = (time_t)-1;
	if (s == NULL) {
		crk_error_set(error_r,
		    "missing time: expected YYYY-MM-DD[THH:MM[:SS]][Z]");
		return CRK_E_INVAL;
	}
	status = date_parse_ymd(s, &d, &p, error_r);
	if (status != CRK_OK)
		return status;
	if (*p == 'T' || *p == ' ') {
		if (!date_digits(p + 1, 2, &hour) || p[3] != ':' ||
		    !date_digits(p + 4, 2, &minute))
			goto bad;
		p += 6;
		second = 0;
		if (*p == ':') {
			if (!date_digits(p + 1, 2, &second))
				goto bad;
			p += 3;
		}
		if (hour > 23 || minute > 59 || second > 59) {
			crk_error_set(error_r,
			    "invalid time '%.40s': no such time of day", s);
			return CRK_E_INVAL;
		}
	}
	if (*p == 'Z') {
		utc = true;
		p++;
	}
	if (*p != '\0')
		goto bad;
	local =
	    (int64_t)d * DATE_SECS_PER_DAY + hour * 3600 + minute * 60 + second;
	*t_r = utc ? (time_t)local : date_local_to_time(local, false);
	return CRK_OK;
bad:
	crk_error_set(error_r,
	    "invalid time '%.40s': expected YYYY-MM-DD[THH:MM[:SS]][Z]", s);
	return CRK_E_INVAL;
}

char *
crk_time_format(time_t t, char *buf)
{
	struct tm tm;
	long offset, abs_offset;
	size_t len;

	if (localtime_r(&t, &tm) == NULL)
		return crk_time_format_utc(t, buf);
	len = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	offset = tm.tm_gmtoff;
	abs_offset = offset < 0 ? -offset : offset;
	/* ISO 8601 offsets have no seconds; only pre-1900 LMT offsets have
	 * any, and those are cut to the minute. */
	snprintf(buf + len, 32 - len, "%c%02d:%02d", offset < 0 ? '-' : '+',
	    (int)(abs_offset / 3600 % 100), (int)(abs_offset / 60 % 60));
	return buf;
}

char *
crk_time_format_utc(time_t t, char *buf)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		buf[0] = '\0';
		return buf;
	}
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}
