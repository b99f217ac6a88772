/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for core/date.c: civil days, local days across DST, parse, format. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "tests/check_common.h"

/* An instant given as UTC fields, computed without the code under test's
 * local-time paths. */
static time_t
utc(int year, int month, int day, int hour, int minute, int second)
{
	return (time_t)((int64_t)crk_day_from_ymd(year, month, day) * 86400 +
	    hour * 3600 + minute * 60 + second);
}

static bool
is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

START_TEST(test_civil_days_round_trip_every_day_1900_to_2200)
{
	static const int month_days[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	crk_day expect = -25567; /* 1900-01-01, counted by hand */
	int y, m, d, n, ry, rm, rd;

	for (y = 1900; y <= 2200; y++) {
		for (m = 1; m <= 12; m++) {
			n = month_days[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
			for (d = 1; d <= n; d++) {
				ck_assert_int_eq(
				    crk_day_from_ymd(y, m, d), expect);
				crk_day_to_ymd(expect, &ry, &rm, &rd);
				ck_assert_msg(ry == y && rm == m && rd == d,
				    "day %d: got %d-%d-%d, want %d-%d-%d",
				    (int)expect, ry, rm, rd, y, m, d);
				expect++;
			}
		}
	}
	/* 2201-01-01 follows the last day without a gap. */
	ck_assert_int_eq(crk_day_from_ymd(2201, 1, 1), expect);
}
END_TEST

static const struct {
	int y, m, d;
	crk_day day;
	int weekday;
} known_days[] = {
    {1970, 1, 1, 0, 4},
    {1969, 12, 31, -1, 3},
    {1969, 12, 28, -4, 0},
    {1900, 1, 1, -25567, 1},
    {2000, 1, 1, 10957, 6},
    {2000, 3, 1, 11017, 3},
    {2026, 3, 29, 20541, 0},
    {2026, 11, 22, 20779, 0},
    {2026, 11, 27, 20784, 5},
    {1, 1, 1, -719162, 1},
    {9999, 12, 31, 2932896, 5},
    {1600, 2, 29, -135081, 2},
};

START_TEST(test_known_dates_have_known_day_numbers_and_weekdays)
{
	int y, m, d;

	ck_assert_int_eq(crk_day_from_ymd(known_days[_i].y, known_days[_i].m,
			     known_days[_i].d),
	    known_days[_i].day);
	crk_day_to_ymd(known_days[_i].day, &y, &m, &d);
	ck_assert_int_eq(y, known_days[_i].y);
	ck_assert_int_eq(m, known_days[_i].m);
	ck_assert_int_eq(d, known_days[_i].d);
	ck_assert_int_eq(
	    crk_day_weekday(known_days[_i].day), known_days[_i].weekday);
}
END_TEST

START_TEST(test_weekdays_cycle_through_negative_and_positive_days)
{
	crk_day d;

	/* 1969-12-28 was a Sunday; from there every day adds one. */
	for (d = -4 - 7 * 5000; d < 7 * 5000; d++)
		ck_assert_int_eq(crk_day_weekday(d), ((d + 4) % 7 + 7) % 7);
}
END_TEST

static const struct {
	int year;
	bool leap;
} leap_years[] = {
    {1600, true},
    {1900, false},
    {2000, true},
    {2023, false},
    {2024, true},
    {2100, false},
    {2200, false},
    {2400, true},
};

START_TEST(test_leap_years_have_february_29)
{
	char s[16];
	crk_day d;
	enum crk_status st;

	ck_assert_int_eq(crk_day_from_ymd(leap_years[_i].year, 3, 1) -
		crk_day_from_ymd(leap_years[_i].year, 2, 28),
	    leap_years[_i].leap ? 2 : 1);
	snprintf(s, sizeof(s), "%04d-02-29", leap_years[_i].year);
	st = crk_day_parse(s, &d, NULL);
	ck_assert_int_eq(st, leap_years[_i].leap ? CRK_OK : CRK_E_INVAL);
}
END_TEST

START_TEST(test_months_and_days_out_of_range_carry_over)
{
	ck_assert_int_eq(
	    crk_day_from_ymd(2026, 13, 1), crk_day_from_ymd(2027, 1, 1));
	ck_assert_int_eq(
	    crk_day_from_ymd(2026, 0, 1), crk_day_from_ymd(2025, 12, 1));
	ck_assert_int_eq(
	    crk_day_from_ymd(2026, 1, 32), crk_day_from_ymd(2026, 2, 1));
	ck_assert_int_eq(
	    crk_day_from_ymd(2024, 2, 30), crk_day_from_ymd(2024, 3, 1));
	ck_assert_int_eq(
	    crk_day_from_ymd(2026, 3, 0), crk_day_from_ymd(2026, 2, 28));
}
END_TEST

static const struct {
	const char *s;
	int y, m, d;
} day_parse_ok[] = {
    {"2026-11-22", 2026, 11, 22},
    {"2024-02-29", 2024, 2, 29},
    {"2000-02-29", 2000, 2, 29},
    {"1970-01-01", 1970, 1, 1},
    {"0001-01-01", 1, 1, 1},
    {"9999-12-31", 9999, 12, 31},
    {"2026-12-31", 2026, 12, 31},
};

START_TEST(test_day_parse_accepts_real_dates)
{
	char *error = NULL;
	char buf[16];
	crk_day d = 0;

	ck_assert_int_eq(crk_day_parse(day_parse_ok[_i].s, &d, &error), CRK_OK);
	ck_assert_ptr_null(error);
	ck_assert_int_eq(d,
	    crk_day_from_ymd(
		day_parse_ok[_i].y, day_parse_ok[_i].m, day_parse_ok[_i].d));
	ck_assert_str_eq(crk_day_format(d, buf), day_parse_ok[_i].s);
}
END_TEST

static const char *const day_parse_bad[] = {
    "",
    "2026",
    "2026-11",
    "2026-11-2",
    "2026-1-22",
    "26-11-22",
    "2026-11-22 ",
    " 2026-11-22",
    "2026-11-22x",
    "2026-11-22T10:00",
    "2026/11/22",
    "2026-13-01",
    "2026-00-10",
    "2026-11-00",
    "2026-11-31",
    "2023-02-29",
    "1900-02-29",
    "2100-02-29",
    "0000-01-01",
    "2026-O1-01",
    "+026-11-22",
    "2026-11-2\n",
};

START_TEST(test_day_parse_rejects_junk_and_impossible_dates)
{
	char *error = NULL;
	crk_day d = 0;

	ck_assert_int_eq(
	    crk_day_parse(day_parse_bad[_i], &d, &error), CRK_E_INVAL);
	ck_assert_int_eq(d, CRK_DAY_NONE);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, "date") != NULL, "unclear: %s", error);
	free(error);
}
END_TEST

START_TEST(test_day_parse_error_names_the_input)
{
	char *error = NULL;
	crk_day d;

	ck_assert_int_eq(crk_day_parse("2026-02-30", &d, &error), CRK_E_INVAL);
	ck_assert_ptr_nonnull(strstr(error, "2026-02-30"));
	free(error);
	error = NULL;
	ck_assert_int_eq(crk_day_parse(NULL, &d, &error), CRK_E_INVAL);
	ck_assert_ptr_nonnull(error);
	free(error);
}
END_TEST

/* The local day of instants on both sides of midnight and of each clock
 * change. */
static const struct {
	const char *tz;
	int uy, um, ud, uh, umin, us; /* the instant, UTC */
	int y, m, d;                  /* its local day */
} day_of_time_cases[] = {
    /* Berlin spring forward 2026-03-29 02:00 CET -> 03:00 CEST */
    {"Europe/Berlin", 2026, 3, 28, 22, 59, 59, 2026, 3, 28},
    {"Europe/Berlin", 2026, 3, 28, 23, 0, 0, 2026, 3, 29},
    {"Europe/Berlin", 2026, 3, 29, 0, 59, 59, 2026, 3, 29},
    {"Europe/Berlin", 2026, 3, 29, 1, 0, 0, 2026, 3, 29},
    {"Europe/Berlin", 2026, 3, 29, 21, 59, 59, 2026, 3, 29},
    {"Europe/Berlin", 2026, 3, 29, 22, 0, 0, 2026, 3, 30},
    /* Berlin fall back 2026-10-25 03:00 CEST -> 02:00 CET */
    {"Europe/Berlin", 2026, 10, 24, 21, 59, 59, 2026, 10, 24},
    {"Europe/Berlin", 2026, 10, 24, 22, 0, 0, 2026, 10, 25},
    {"Europe/Berlin", 2026, 10, 25, 22, 59, 59, 2026, 10, 25},
    {"Europe/Berlin", 2026, 10, 25, 23, 0, 0, 2026, 10, 26},
    /* New York spring forward 2026-03-08 02:00 EST -> 03:00 EDT */
    {"America/New_York", 2026, 3, 8, 4, 59, 59, 2026, 3, 7},
    {"America/New_York", 2026, 3, 8, 5, 0, 0, 2026, 3, 8},
    {"America/New_York", 2026, 3, 9, 3, 59, 59, 2026, 3, 8},
    {"America/New_York", 2026, 3, 9, 4, 0, 0, 2026, 3, 9},
    /* New York fall back 2026-11-01 02:00 EDT -> 01:00 EST */
    {"America/New_York", 2026, 11, 1, 3, 59, 59, 2026, 10, 31},
    {"America/New_York", 2026, 11, 1, 4, 0, 0, 2026, 11, 1},
    {"America/New_York", 2026, 11, 2, 4, 59, 59, 2026, 11, 1},
    {"America/New_York", 2026, 11, 2, 5, 0, 0, 2026, 11, 2},
    /* Far from UTC on both sides */
    {"Pacific/Kiritimati", 2026, 11, 21, 10, 0, 0, 2026, 11, 22},
    {"Pacific/Pago_Pago", 2026, 11, 22, 10, 59, 59, 2026, 11, 21},
    {"UTC", 1969, 12, 31, 23, 59, 59, 1969, 12, 31},
};

START_TEST(test_day_of_time_follows_local_midnight_and_dst)
{
	crk_test_set_tz(day_of_time_cases[_i].tz);
	ck_assert_int_eq(
	    crk_day_of_time(
		utc(day_of_time_cases[_i].uy, day_of_time_cases[_i].um,
		    day_of_time_cases[_i].ud, day_of_time_cases[_i].uh,
		    day_of_time_cases[_i].umin, day_of_time_cases[_i].us)),
	    crk_day_from_ymd(day_of_time_cases[_i].y, day_of_time_cases[_i].m,
		day_of_time_cases[_i].d));
}
END_TEST

/* The first instant of a local day, and how long that day lasts. */
static const struct {
	const char *tz;
	int y, m, d;        /* the local day */
	int uy, um, ud, uh; /* its first instant, UTC, whole hours */
	int hours;          /* its length */
} day_start_cases[] = {
    {"Europe/Berlin", 2026, 3, 28, 2026, 3, 27, 23, 24},
    {"Europe/Berlin", 2026, 3, 29, 2026, 3, 28, 23, 23},
    {"Europe/Berlin", 2026, 3, 30, 2026, 3, 29, 22, 24},
    {"Europe/Berlin", 2026, 10, 25, 2026, 10, 24, 22, 25},
    {"Europe/Berlin", 2026, 10, 26, 2026, 10, 25, 23, 24},
    {"America/New_York", 2026, 3, 8, 2026, 3, 8, 5, 23},
    {"America/New_York", 2026, 3, 9, 2026, 3, 9, 4, 24},
    {"America/New_York", 2026, 11, 1, 2026, 11, 1, 4, 25},
    {"America/New_York", 2026, 11, 2, 2026, 11, 2, 5, 24},
    /* Midnight skipped: the day starts at 01:00 local. */
    {"America/Sao_Paulo", 2018, 11, 4, 2018, 11, 4, 3, 23},
    {"Asia/Beirut", 2026, 3, 29, 2026, 3, 28, 22, 23},
    {"America/Havana", 2024, 3, 10, 2024, 3, 10, 5, 23},
    /* Midnight repeated (Havana falls back 01:00 -> 00:00): the first
     * of the two midnights starts the day. */
    {"America/Havana", 2024, 11, 3, 2024, 11, 3, 4, 25},
    /* Beirut falls back 00:00 -> 23:00: the day before is 25 hours. */
    {"Asia/Beirut", 2026, 10, 24, 2026, 10, 23, 21, 25},
    {"Asia/Beirut", 2026, 10, 25, 2026, 10, 24, 22, 24},
    {"UTC", 2026, 11, 22, 2026, 11, 22, 0, 24},
};

START_TEST(test_day_start_is_the_first_instant_of_the_local_day)
{
	crk_day d;
	time_t start;

	crk_test_set_tz(day_start_cases[_i].tz);
	d = crk_day_from_ymd(day_start_cases[_i].y, day_start_cases[_i].m,
	    day_start_cases[_i].d);
	start = crk_day_start(d);
	ck_assert_int_eq((int64_t)start,
	    (int64_t)utc(day_start_cases[_i].uy, day_start_cases[_i].um,
		day_start_cases[_i].ud, day_start_cases[_i].uh, 0, 0));
	ck_assert_int_eq(crk_day_of_time(start), d);
	ck_assert_int_eq(crk_day_of_time(start - 1), d - 1);
	ck_assert_int_eq((int64_t)(crk_day_start(d + 1) - start),
	    (int64_t)day_start_cases[_i].hours * 3600);
}
END_TEST

/* Samoa skipped 2011-12-30 when it moved across the date line: that day
 * has no instant, so it starts (and ends) where 2011-12-31 starts. */
START_TEST(test_a_skipped_day_starts_where_the_next_day_starts)
{
	crk_day d = crk_day_from_ymd(2011, 12, 30);

	crk_test_set_tz("Pacific/Apia");
	ck_assert_int_eq(
	    (int64_t)crk_day_start(d), (int64_t)utc(2011, 12, 30, 10, 0, 0));
	ck_assert_int_eq((int64_t)crk_day_start(d + 1),
	    (int64_t)utc(2011, 12, 30, 10, 0, 0));
	ck_assert_int_eq((int64_t)crk_day_start(d - 1),
	    (int64_t)utc(2011, 12, 29, 10, 0, 0));
	ck_assert_int_eq(crk_day_of_time(crk_day_start(d)), d + 1);
	ck_assert_int_eq(crk_day_of_time(crk_day_start(d) - 1), d - 1);
}
END_TEST

START_TEST(test_day_start_and_day_of_time_agree_for_a_year_of_days)
{
	static const char *const zones[] = {"Europe/Berlin", "America/New_York",
	    "America/Sao_Paulo", "Asia/Beirut", "Australia/Lord_Howe",
	    "America/Havana"};
	crk_day d, first = crk_day_from_ymd(2018, 1, 1);
	size_t z;

	for (z = 0; z < CRK_N_ELEMENTS(zones); z++) {
		crk_test_set_tz(zones[z]);
		for (d = first; d < first + 3 * 366; d++) {
			time_t t = crk_day_start(d);

			ck_assert_msg(crk_day_of_time(t) == d &&
				crk_day_of_time(t - 1) == d - 1,
			    "%s: day %d starts at %lld", zones[z], (int)d,
			    (long long)t);
		}
	}
}
END_TEST

static const struct {
	const char *tz;
	const char *s;
	int uy, um, ud, uh, umin, us; /* expected instant, UTC */
} time_parse_ok[] = {
    /* A date alone is 12:00 local. */
    {"Europe/Berlin", "2026-03-29", 2026, 3, 29, 10, 0, 0},
    {"Europe/Berlin", "2026-01-15", 2026, 1, 15, 11, 0, 0},
    {"America/New_York", "2026-01-15", 2026, 1, 15, 17, 0, 0},
    {"Europe/Berlin", "2026-03-29T01:59", 2026, 3, 29, 0, 59, 0},
    {"Europe/Berlin", "2026-03-29T03:00", 2026, 3, 29, 1, 0, 0},
    {"Europe/Berlin", "2026-03-29 03:00:07", 2026, 3, 29, 1, 0, 7},
    /* In the spring gap: read with the offset before, so 02:30 CET is
     * 03:30 CEST. */
    {"Europe/Berlin", "2026-03-29T02:00", 2026, 3, 29, 1, 0, 0},
    {"Europe/Berlin", "2026-03-29T02:30", 2026, 3, 29, 1, 30, 0},
    {"America/New_York", "2026-03-08T02:30", 2026, 3, 8, 7, 30, 0},
    /* In the autumn overlap: the first of the two. */
    {"Europe/Berlin", "2026-10-25T02:30", 2026, 10, 25, 0, 30, 0},
    {"America/New_York", "2026-11-01T01:30", 2026, 11, 1, 5, 30, 0},
    {"Europe/Berlin", "2026-10-25T03:00", 2026, 10, 25, 2, 0, 0},
    /* UTC, whatever the zone. */
    {"Europe/Berlin", "2026-11-22T10:00:00Z", 2026, 11, 22, 10, 0, 0},
    {"America/New_York", "2026-11-22 10:00Z", 2026, 11, 22, 10, 0, 0},
    {"Asia/Kolkata", "2026-11-22Z", 2026, 11, 22, 12, 0, 0},
    {"Asia/Kolkata", "2026-11-22T00:00", 2026, 11, 21, 18, 30, 0},
    {"UTC", "1969-12-31T23:59:59", 1969, 12, 31, 23, 59, 59},
    {"UTC", "2026-11-22T23:59:59", 2026, 11, 22, 23, 59, 59},
};

START_TEST(test_time_parse_reads_local_utc_and_gap_times)
{
	char *error = NULL;
	time_t t = 0;

	crk_test_set_tz(time_parse_ok[_i].tz);
	ck_assert_int_eq(
	    crk_time_parse(time_parse_ok[_i].s, &t, &error), CRK_OK);
	ck_assert_ptr_null(error);
	ck_assert_int_eq((int64_t)t,
	    (int64_t)utc(time_parse_ok[_i].uy, time_parse_ok[_i].um,
		time_parse_ok[_i].ud, time_parse_ok[_i].uh,
		time_parse_ok[_i].umin, time_parse_ok[_i].us));
}
END_TEST

static const char *const time_parse_bad[] = {
    "",
    "2026",
    "2026-11-22T",
    "2026-11-22T10",
    "2026-11-22T1:00",
    "2026-11-22T10:0",
    "2026-11-22T24:00",
    "2026-11-22T12:60",
    "2026-11-22T12:00:60",
    "2026-11-22T12:00:5",
    "2026-11-22T12:00:00Zx",
    "2026-11-22ZZ",
    "2026-11-22x",
    " 2026-11-22",
    "2026-11-22T12:00 ",
    "2026-11-22TT12:00",
    "2026-11-22t12:00",
    "2026-11-22T12:00+01:00",
    "2026-11-22T12:00:00.5",
    "2026-02-30T12:00",
    "2026-11-22\t12:00",
    "2026-11-22  12:00",
};

START_TEST(test_time_parse_rejects_junk)
{
	char *error = NULL;
	time_t t = 0;

	crk_test_set_tz("Europe/Berlin");
	ck_assert_int_eq(
	    crk_time_parse(time_parse_bad[_i], &t, &error), CRK_E_INVAL);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, "invalid") != NULL, "unclear: %s", error);
	ck_assert_int_eq((int64_t)t, -1);
	free(error);
}
END_TEST

static const struct {
	const char *tz;
	int uy, um, ud, uh, umin, us;
	const char *local;
	const char *utc;
} format_cases[] = {
    {"Europe/Berlin", 2026, 3, 29, 1, 0, 0, "2026-03-29T03:00:00+02:00",
	"2026-03-29T01:00:00Z"},
    {"Europe/Berlin", 2026, 3, 29, 0, 59, 59, "2026-03-29T01:59:59+01:00",
	"2026-03-29T00:59:59Z"},
    {"Europe/Berlin", 2026, 10, 25, 0, 30, 0, "2026-10-25T02:30:00+02:00",
	"2026-10-25T00:30:00Z"},
    {"Europe/Berlin", 2026, 10, 25, 1, 30, 0, "2026-10-25T02:30:00+01:00",
	"2026-10-25T01:30:00Z"},
    {"America/New_York", 2026, 11, 22, 15, 0, 0, "2026-11-22T10:00:00-05:00",
	"2026-11-22T15:00:00Z"},
    {"Asia/Kolkata", 2026, 11, 22, 4, 30, 0, "2026-11-22T10:00:00+05:30",
	"2026-11-22T04:30:00Z"},
    {"America/St_Johns", 2026, 1, 15, 12, 0, 0, "2026-01-15T08:30:00-03:30",
	"2026-01-15T12:00:00Z"},
    {"UTC", 1969, 12, 31, 23, 59, 59, "1969-12-31T23:59:59+00:00",
	"1969-12-31T23:59:59Z"},
};

START_TEST(test_time_format_writes_local_offset_and_utc)
{
	char buf[32];
	time_t t;

	crk_test_set_tz(format_cases[_i].tz);
	t = utc(format_cases[_i].uy, format_cases[_i].um, format_cases[_i].ud,
	    format_cases[_i].uh, format_cases[_i].umin, format_cases[_i].us);
	ck_assert_str_eq(crk_time_format(t, buf), format_cases[_i].local);
	ck_assert_str_eq(crk_time_format_utc(t, buf), format_cases[_i].utc);
}
END_TEST

START_TEST(test_utc_format_round_trips_through_parse)
{
	char buf[32];
	time_t t, back;
	int64_t s;

	crk_test_set_tz("America/New_York");
	/* Every 7919 seconds (a prime, so every time of day comes up) from
	 * 1960 to 2040. */
	for (s = (int64_t)utc(1960, 1, 1, 0, 0, 0);
	     s < (int64_t)utc(2040, 1, 1, 0, 0, 0); s += 7919) {
		t = (time_t)s;
		ck_assert_int_eq(
		    crk_time_parse(crk_time_format_utc(t, buf), &back, NULL),
		    CRK_OK);
		ck_assert_int_eq((int64_t)back, s);
	}
}
END_TEST

static const char *const round_trip_zones[] = {
    "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Beirut"};

/* Local wall time read back gives the same instant, except in an overlap,
 * where the earlier of the two instants with the same wall time wins. */
START_TEST(test_local_format_round_trips_through_parse_across_dst)
{
	static const int days[][3] = {{2026, 3, 27}, {2026, 10, 23},
	    {2026, 4, 3}, {2026, 9, 25}, {2026, 11, 1}, {2026, 3, 8}};
	char buf[32], again[32];
	time_t t, back;
	size_t i;

	crk_test_set_tz(round_trip_zones[_i]);
	for (i = 0; i < CRK_N_ELEMENTS(days); i++) {
		time_t from = utc(days[i][0], days[i][1], days[i][2], 0, 0, 0);

		for (t = from; t < from + 4 * 86400; t += 600) {
			crk_time_format(t, buf);
			buf[19] = '\0'; /* drop the offset */
			ck_assert_int_eq(
			    crk_time_parse(buf, &back, NULL), CRK_OK);
			if (back == t)
				continue;
			ck_assert_msg(back < t, "%s -> %lld, not %lld", buf,
			    (long long)back, (long long)t);
			crk_time_format(back, again);
			again[19] = '\0';
			ck_assert_str_eq(again, buf);
		}
	}
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("date");
	TCase *tc;

	tc = tcase_create("civil");
	tcase_add_test(tc, test_civil_days_round_trip_every_day_1900_to_2200);
	CRK_TABLE_TEST(tc, test_known_dates_have_known_day_numbers_and_weekdays,
	    known_days);
	tcase_add_test(
	    tc, test_weekdays_cycle_through_negative_and_positive_days);
	CRK_TABLE_TEST(tc, test_leap_years_have_february_29, leap_years);
	tcase_add_test(tc, test_months_and_days_out_of_range_carry_over);
	suite_add_tcase(s, tc);

	tc = tcase_create("day_parse");
	CRK_TABLE_TEST(tc, test_day_parse_accepts_real_dates, day_parse_ok);
	CRK_TABLE_TEST(tc, test_day_parse_rejects_junk_and_impossible_dates,
	    day_parse_bad);
	tcase_add_test(tc, test_day_parse_error_names_the_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("local");
	CRK_TABLE_TEST(tc, test_day_of_time_follows_local_midnight_and_dst,
	    day_of_time_cases);
	CRK_TABLE_TEST(tc, test_day_start_is_the_first_instant_of_the_local_day,
	    day_start_cases);
	tcase_add_test(tc, test_a_skipped_day_starts_where_the_next_day_starts);
	tcase_add_test(
	    tc, test_day_start_and_day_of_time_agree_for_a_year_of_days);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	CRK_TABLE_TEST(
	    tc, test_time_parse_reads_local_utc_and_gap_times, time_parse_ok);
	CRK_TABLE_TEST(tc, test_time_parse_rejects_junk, time_parse_bad);
	CRK_TABLE_TEST(
	    tc, test_time_format_writes_local_offset_and_utc, format_cases);
	tcase_add_test(tc, test_utc_format_round_trips_through_parse);
	CRK_TABLE_TEST(tc,
	    test_local_format_round_trips_through_parse_across_dst,
	    round_trip_zones);
	suite_add_tcase(s, tc);
	return s;
}
