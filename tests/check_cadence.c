/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for core/cadence.c: offsets, repeat, cap, weekends, due days. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cadence.h"
#include "tests/check_common.h"

#define SUN (1u << 0)
#define MON (1u << 1)
#define TUE (1u << 2)
#define WED (1u << 3)
#define THU (1u << 4)
#define FRI (1u << 5)
#define SAT (1u << 6)

static crk_day
day(const char *s)
{
	crk_day d = CRK_DAY_NONE;

	ck_assert_msg(crk_day_parse(s, &d, NULL) == CRK_OK, "bad day %s", s);
	return d;
}

START_TEST(test_default_cadence_is_1_3_7_14_28_58_then_monthly)
{
	static const int want[] = {1, 3, 7, 14, 28, 58};
	struct crk_cadence c;
	unsigned i;

	memset(&c, 0xff, sizeof(c));
	crk_cadence_default(&c);
	ck_assert_uint_eq(c.n_offsets, CRK_N_ELEMENTS(want));
	for (i = 0; i < CRK_N_ELEMENTS(want); i++)
		ck_assert_int_eq(c.offsets[i], want[i]);
	ck_assert_int_eq(c.repeat_every, 30);
	ck_assert_uint_eq(c.cap, 0);
	ck_assert_uint_eq(c.weekend, SAT | SUN);
}
END_TEST

/* Offsets of follow-up n under a few cadences. */
static const struct {
	int repeat_every;
	unsigned cap;
	unsigned number;
	int offset;
} offset_cases[] = {
    {30, 0, 0, -1},
    {30, 0, 1, 1},
    {30, 0, 2, 3},
    {30, 0, 3, 7},
    {30, 0, 4, 14},
    {30, 0, 5, 28},
    {30, 0, 6, 58},
    {30, 0, 7, 88},
    {30, 0, 8, 118},
    {30, 0, 12, 238},
    {30, 0, 100, 2878},
    /* no repeat: the list ends the round */
    {0, 0, 6, 58},
    {0, 0, 7, -1},
    /* other repeats */
    {7, 0, 7, 65},
    {7, 0, 9, 79},
    /* a cap stops the round, inside and past the list */
    {30, 3, 3, 7},
    {30, 3, 4, -1},
    {30, 8, 8, 118},
    {30, 8, 9, -1},
    /* absurd numbers do not overflow */
    {30, 0, 4000000000u, -1},
};

START_TEST(test_offset_of_each_follow_up)
{
	struct crk_cadence c;

	crk_cadence_default(&c);
	c.repeat_every = offset_cases[_i].repeat_every;
	c.cap = offset_cases[_i].cap;
	ck_assert_int_eq(crk_cadence_offset(&c, offset_cases[_i].number),
	    offset_cases[_i].offset);
}
END_TEST

START_TEST(test_repeat_without_offsets_counts_from_the_round_start)
{
	struct crk_cadence c;

	crk_cadence_default(&c);
	c.n_offsets = 0;
	c.repeat_every = 10;
	ck_assert_int_eq(crk_cadence_offset(&c, 1), 10);
	ck_assert_int_eq(crk_cadence_offset(&c, 3), 30);
	c.repeat_every = 0;
	ck_assert_int_eq(crk_cadence_offset(&c, 1), -1);
}
END_TEST

/* Due days of one round: start, weekend, cap/repeat, the touch number and
 * the expected due day (NULL: no such follow-up). */
static const struct {
	const char *start;
	const char *weekend;
	int repeat_every;
	unsigned number;
	const char *due;
} due_cases[] = {
    /* From a Monday: only +118 (a Sunday) moves. */
    {"2026-11-23", "sat,sun", 30, 1, "2026-11-24"},
    {"2026-11-23", "sat,sun", 30, 2, "2026-11-26"},
    {"2026-11-23", "sat,sun", 30, 3, "2026-11-30"},
    {"2026-11-23", "sat,sun", 30, 4, "2026-12-07"},
    {"2026-11-23", "sat,sun", 30, 5, "2026-12-21"},
    {"2026-11-23", "sat,sun", 30, 6, "2027-01-20"},
    {"2026-11-23", "sat,sun", 30, 7, "2027-02-19"},
    {"2026-11-23", "sat,sun", 30, 8, "2027-03-22"},
    {"2026-11-23", "sat,sun", 30, 9, "2027-04-20"},
    /* From a Friday: Saturday and Sunday move to Monday. */
    {"2026-11-27", "sat,sun", 30, 1, "2026-11-30"},
    {"2026-11-27", "sat,sun", 30, 2, "2026-11-30"},
    {"2026-11-27", "sat,sun", 30, 3, "2026-12-04"},
    {"2026-11-27", "sat,sun", 30, 5, "2026-12-25"},
    {"2026-11-27", "sat,sun", 30, 6, "2027-01-25"},
    {"2026-11-27", "sat,sun", 30, 9, "2027-04-26"},
    /* A Friday-Saturday weekend, from a Thursday: Friday moves to
     * Sunday, Sunday stays. */
    {"2026-11-26", "fri,sat", 30, 1, "2026-11-29"},
    {"2026-11-26", "fri,sat", 30, 2, "2026-11-29"},
    {"2026-11-26", "fri,sat", 30, 3, "2026-12-03"},
    {"2026-11-26", "fri,sat", 30, 6, "2027-01-24"},
    {"2026-11-26", "fri,sat", 30, 9, "2027-04-25"},
    /* No weekend: the raw day. */
    {"2026-11-27", "none", 30, 1, "2026-11-28"},
    {"2026-11-27", "none", 30, 6, "2027-01-24"},
    /* A round that starts on a Saturday. */
    {"2026-11-28", "sat,sun", 30, 1, "2026-11-30"},
    {"2026-11-28", "sat,sun", 30, 2, "2026-12-01"},
    {"2026-11-28", "sat,sun", 30, 3, "2026-12-07"},
    {"2026-11-28", "sat,sun", 30, 6, "2027-01-25"},
    /* Without repeat the round ends after the list. */
    {"2026-11-23", "sat,sun", 0, 6, "2027-01-20"},
    {"2026-11-23", "sat,sun", 0, 7, NULL},
    /* Across a year end and a leap day. */
    {"2027-12-31", "sat,sun", 30, 6, "2028-02-28"},
    {"2028-01-31", "sat,sun", 30, 6, "2028-03-29"},
};

START_TEST(test_due_days_of_a_round_skip_the_weekend)
{
	struct crk_cadence c;
	crk_day due = 0;
	char buf[16];
	bool found;

	crk_cadence_default(&c);
	ck_assert_int_eq(
	    crk_cadence_parse_weekend(&c, due_cases[_i].weekend, NULL), CRK_OK);
	c.repeat_every = due_cases[_i].repeat_every;
	found = crk_cadence_due(&c, day(due_cases[_i].start),
	    due_cases[_i].number, CRK_DAY_NONE, CRK_DAY_NONE, &due);
	if (due_cases[_i].due == NULL) {
		ck_assert(!found);
		ck_assert_int_eq(due, CRK_DAY_NONE);
		return;
	}
	ck_assert(found);
	ck_assert_str_eq(crk_day_format(due, buf), due_cases[_i].due);
	ck_assert(!crk_cadence_is_weekend(&c, due));
}
END_TEST

/* The late-touch rule and snoozes: round from Monday 2026-11-23. */
static const struct {
	unsigned number;
	const char *last_touch; /* NULL: none */
	const char *not_before; /* NULL: none */
	const char *due;
} bound_cases[] = {
    /* touch before the offset day: the offset wins */
    {2, "2026-11-24", NULL, "2026-11-26"},
    /* touch on the offset day: the next day */
    {2, "2026-11-26", NULL, "2026-11-27"},
    /* touch after the offset day: one day after the touch */
    {2, "2026-11-30", NULL, "2026-12-01"},
    /* touch on Friday: the day after is Saturday, so Monday */
    {2, "2026-11-27", NULL, "2026-11-30"},
    /* a late touch pushes far follow-ups too */
    {6, "2027-02-01", NULL, "2027-02-02"},
    /* snooze later than everything wins */
    {2, NULL, "2026-12-10", "2026-12-10"},
    {2, "2026-11-30", "2026-12-10", "2026-12-10"},
    /* snooze that ends on a Saturday: Monday */
    {2, NULL, "2026-12-12", "2026-12-14"},
    /* snooze earlier than the offset does nothing */
    {3, NULL, "2026-11-25", "2026-11-30"},
    /* snooze earlier than the touch rule does nothing */
    {2, "2026-12-02", "2026-12-01", "2026-12-03"},
};

START_TEST(test_due_day_respects_last_touch_and_not_before)
{
	const char *touch = bound_cases[_i].last_touch;
	const char *nb = bound_cases[_i].not_before;
	struct crk_cadence c;
	crk_day due = 0;
	char buf[16];

	crk_cadence_default(&c);
	ck_assert(crk_cadence_due(&c, day("2026-11-23"), bound_cases[_i].number,
	    touch != NULL ? day(touch) : CRK_DAY_NONE,
	    nb != NULL ? day(nb) : CRK_DAY_NONE, &due));
	ck_assert_str_eq(crk_day_format(due, buf), bound_cases[_i].due);
}
END_TEST

START_TEST(test_cap_ends_the_round)
{
	struct crk_cadence c;
	crk_day due = 0;
	char buf[16];

	crk_cadence_default(&c);
	c.cap = 4;
	ck_assert(crk_cadence_due(
	    &c, day("2026-11-23"), 4, CRK_DAY_NONE, CRK_DAY_NONE, &due));
	ck_assert_str_eq(crk_day_format(due, buf), "2026-12-07");
	ck_assert(!crk_cadence_due(
	    &c, day("2026-11-23"), 5, CRK_DAY_NONE, CRK_DAY_NONE, &due));
	ck_assert_int_eq(due, CRK_DAY_NONE);
	ck_assert(!crk_cadence_due(
	    &c, day("2026-11-23"), 0, CRK_DAY_NONE, CRK_DAY_NONE, &due));
	ck_assert(!crk_cadence_due(
	    &c, CRK_DAY_NONE, 1, CRK_DAY_NONE, CRK_DAY_NONE, &due));
}
END_TEST

/* A round that starts on the evening before a clock change: due days are
 * whole calendar days later, whatever the length of the days between. */
static const struct {
	const char *tz;
	int uy, um, ud, uh; /* the unanswered message, UTC */
	const char *start;  /* its local day */
	unsigned number;
	const char *due;
	int hours; /* from the start of the round's day to the due day's */
} dst_cases[] = {
    {"Europe/Berlin", 2026, 3, 27, 22, "2026-03-27", 2, "2026-03-30", 71},
    {"Europe/Berlin", 2026, 3, 27, 22, "2026-03-27", 1, "2026-03-30", 71},
    {"Europe/Berlin", 2026, 10, 23, 21, "2026-10-23", 2, "2026-10-26", 73},
    {"America/New_York", 2026, 3, 7, 4, "2026-03-06", 2, "2026-03-09", 71},
    {"America/New_York", 2026, 10, 31, 3, "2026-10-30", 2, "2026-11-02", 73},
    {"America/Sao_Paulo", 2018, 11, 3, 2, "2018-11-02", 2, "2018-11-05", 71},
};

START_TEST(test_due_days_keep_calendar_distance_across_dst)
{
	struct crk_cadence c;
	crk_day start, due = 0;
	char buf[16];
	time_t sent;

	crk_test_set_tz(dst_cases[_i].tz);
	crk_cadence_default(&c);
	sent = (time_t)((int64_t)crk_day_from_ymd(dst_cases[_i].uy,
			    dst_cases[_i].um, dst_cases[_i].ud) *
		86400 +
	    dst_cases[_i].uh * 3600);
	start = crk_day_of_time(sent);
	ck_assert_str_eq(crk_day_format(start, buf), dst_cases[_i].start);
	ck_assert(crk_cadence_due(
	    &c, start, dst_cases[_i].number, CRK_DAY_NONE, CRK_DAY_NONE, &due));
	ck_assert_str_eq(crk_day_format(due, buf), dst_cases[_i].due);
	ck_assert_int_eq(crk_day_weekday(due), 1);
	ck_assert_int_eq((int64_t)(crk_day_start(due) - crk_day_start(start)),
	    (int64_t)dst_cases[_i].hours * 3600);
}
END_TEST

static const struct {
	const char *weekend;
	const char *d;
	bool is_weekend;
	const char *working;
} working_cases[] = {
    {"sat,sun", "2026-11-27", false, "2026-11-27"},
    {"sat,sun", "2026-11-28", true, "2026-11-30"},
    {"sat,sun", "2026-11-29", true, "2026-11-30"},
    {"sat,sun", "2026-11-30", false, "2026-11-30"},
    {"fri,sat", "2026-11-27", true, "2026-11-29"},
    {"fri,sat", "2026-11-29", false, "2026-11-29"},
    {"sun", "2026-11-29", true, "2026-11-30"},
    {"none", "2026-11-29", false, "2026-11-29"},
    /* six days off: the one working day of the week */
    {"sun,mon,tue,wed,thu,fri", "2026-11-23", true, "2026-11-28"},
    {"mon,tue,wed,thu,fri,sat", "2026-11-23", true, "2026-11-29"},
    /* before 1970 */
    {"sat,sun", "1969-12-27", true, "1969-12-29"},
};

START_TEST(test_weekend_days_move_to_the_next_working_day)
{
	struct crk_cadence c;
	char buf[16];

	crk_cadence_default(&c);
	ck_assert_int_eq(
	    crk_cadence_parse_weekend(&c, working_cases[_i].weekend, NULL),
	    CRK_OK);
	ck_assert_int_eq(crk_cadence_is_weekend(&c, day(working_cases[_i].d)),
	    working_cases[_i].is_weekend);
	ck_assert_str_eq(
	    crk_day_format(
		crk_cadence_working_day(&c, day(working_cases[_i].d)), buf),
	    working_cases[_i].working);
}
END_TEST

START_TEST(test_a_hand_made_all_week_weekend_does_not_hang)
{
	struct crk_cadence c;
	crk_day due = 0;

	crk_cadence_default(&c);
	c.weekend = 0x7f;
	ck_assert_int_eq(
	    crk_cadence_working_day(&c, day("2026-11-23")), day("2026-11-23"));
	ck_assert(crk_cadence_due(
	    &c, day("2026-11-23"), 1, CRK_DAY_NONE, CRK_DAY_NONE, &due));
	ck_assert_int_eq(due, day("2026-11-24"));
}
END_TEST

static const struct {
	const char *spec;
	unsigned n;
	int offsets[6];
} offsets_ok[] = {
    {"1,3,7,14,28,58", 6, {1, 3, 7, 14, 28, 58}},
    {" 1 , 3,7 ,14,\t28, 58 ", 6, {1, 3, 7, 14, 28, 58}},
    {"5", 1, {5}},
    {"2,4,8,16,32", 5, {2, 4, 8, 16, 32}},
    {"01,02", 2, {1, 2}},
    {"1,36525", 2, {1, 36525}},
};

START_TEST(test_offsets_parse_accepts_rising_day_lists)
{
	struct crk_cadence c;
	char *error = NULL;
	unsigned i;

	crk_cadence_default(&c);
	c.repeat_every = 11;
	c.cap = 9;
	ck_assert_int_eq(
	    crk_cadence_parse_offsets(&c, offsets_ok[_i].spec, &error), CRK_OK);
	ck_assert_ptr_null(error);
	ck_assert_uint_eq(c.n_offsets, offsets_ok[_i].n);
	for (i = 0; i < offsets_ok[_i].n; i++)
		ck_assert_int_eq(c.offsets[i], offsets_ok[_i].offsets[i]);
	/* only the list changes */
	ck_assert_int_eq(c.repeat_every, 11);
	ck_assert_uint_eq(c.cap, 9);
	ck_assert_uint_eq(c.weekend, SAT | SUN);
}
END_TEST

static const struct {
	const char *spec;
	const char *names; /* the error message must contain this */
} offsets_bad[] = {
    {"", "empty"},
    {"   ", "empty"},
    {"0", "'0'"},
    {"1,0", "'0'"},
    {"1,-3", "'-3'"},
    {"-", "'-'"},
    {"1,3,3", "item 3 ('3')"},
    {"1,7,3", "item 3 ('3')"},
    {"1,x", "'x'"},
    {"1,3 7", "'3 7'"},
    {"1.5", "'1.5'"},
    {"1,,3", "item 2 is empty"},
    {"1,3,", "item 3 is empty"},
    {",1", "item 1 is empty"},
    {"1;3", "'1;3'"},
    {"99999999999999999999", "too large"},
    {"1,36526", "'36526'"},
    {"+3", "'+3'"},
};

START_TEST(test_offsets_parse_refuses_bad_lists_and_names_the_item)
{
	struct crk_cadence c, before;
	char *error = NULL;

	crk_cadence_default(&c);
	before = c;
	ck_assert_int_eq(
	    crk_cadence_parse_offsets(&c, offsets_bad[_i].spec, &error),
	    CRK_E_INVAL);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, offsets_bad[_i].names) != NULL,
	    "'%s' gave \"%s\"", offsets_bad[_i].spec, error);
	ck_assert_mem_eq(&c, &before, sizeof(c));
	free(error);
}
END_TEST

START_TEST(test_offsets_parse_refuses_more_than_the_maximum)
{
	struct crk_cadence c;
	char spec[512] = "";
	char *error = NULL;
	size_t len = 0;
	int i;

	crk_cadence_default(&c);
	for (i = 1; i <= CRK_CADENCE_MAX; i++)
		len += (size_t)snprintf(spec + len, sizeof(spec) - len, "%s%d",
		    i > 1 ? "," : "", i * 2);
	ck_assert_int_eq(crk_cadence_parse_offsets(&c, spec, &error), CRK_OK);
	ck_assert_uint_eq(c.n_offsets, CRK_CADENCE_MAX);
	ck_assert_int_eq(c.offsets[CRK_CADENCE_MAX - 1], 2 * CRK_CADENCE_MAX);
	snprintf(
	    spec + len, sizeof(spec) - len, ",%d", 2 * CRK_CADENCE_MAX + 1);
	ck_assert_int_eq(
	    crk_cadence_parse_offsets(&c, spec, &error), CRK_E_INVAL);
	ck_assert_ptr_nonnull(strstr(error, "too many"));
	ck_assert_ptr_nonnull(strstr(error, "65"));
	ck_assert_uint_eq(c.n_offsets, CRK_CADENCE_MAX);
	free(error);
}
END_TEST

static const struct {
	const char *spec;
	unsigned mask;
} weekend_ok[] = {
    {"sat,sun", SAT | SUN},
    {"Sat, Sun", SAT | SUN},
    {"SAT,SUN", SAT | SUN},
    {"saturday,sunday", SAT | SUN},
    {"Saturday, Sunday", SAT | SUN},
    {"fri,sat", FRI | SAT},
    {"friday, saturday", FRI | SAT},
    {"sun", SUN},
    {"thu,fri", THU | FRI},
    {"sat,sun,sat", SAT | SUN},
    {"mon,tue,wed,thu,fri,sat", MON | TUE | WED | THU | FRI | SAT},
    {"none", 0},
    {"None", 0},
    {"", 0},
    {"  ", 0},
};

START_TEST(test_weekend_parse_accepts_day_names)
{
	struct crk_cadence c;
	char *error = NULL;

	crk_cadence_default(&c);
	c.weekend = MON;
	ck_assert_int_eq(
	    crk_cadence_parse_weekend(&c, weekend_ok[_i].spec, &error), CRK_OK);
	ck_assert_ptr_null(error);
	ck_assert_uint_eq(c.weekend, weekend_ok[_i].mask);
	ck_assert_uint_eq(c.n_offsets, 6);
}
END_TEST

static const struct {
	const char *spec;
	const char *names;
} weekend_bad[] = {
    {"sat,sun,mon,tue,wed,thu,fri", "seven"},
    {"saturday,sunday,monday,tuesday,wednesday,thursday,friday", "seven"},
    {"sa,su", "'sa'"},
    {"sat,saturn", "'saturn'"},
    {"samedi", "'samedi'"},
    {"none,sat", "'none'"},
    {"sat;sun", "'sat;sun'"},
    {"1,7", "'1'"},
};

START_TEST(test_weekend_parse_refuses_unknown_names_and_all_week)
{
	struct crk_cadence c;
	char *error = NULL;

	crk_cadence_default(&c);
	ck_assert_int_eq(
	    crk_cadence_parse_weekend(&c, weekend_bad[_i].spec, &error),
	    CRK_E_INVAL);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, weekend_bad[_i].names) != NULL,
	    "'%s' gave \"%s\"", weekend_bad[_i].spec, error);
	ck_assert_uint_eq(c.weekend, SAT | SUN);
	free(error);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("cadence");
	TCase *tc;

	tc = tcase_create("offsets");
	tcase_add_test(tc, test_default_cadence_is_1_3_7_14_28_58_then_monthly);
	CRK_TABLE_TEST(tc, test_offset_of_each_follow_up, offset_cases);
	tcase_add_test(
	    tc, test_repeat_without_offsets_counts_from_the_round_start);
	suite_add_tcase(s, tc);

	tc = tcase_create("due");
	CRK_TABLE_TEST(
	    tc, test_due_days_of_a_round_skip_the_weekend, due_cases);
	CRK_TABLE_TEST(
	    tc, test_due_day_respects_last_touch_and_not_before, bound_cases);
	tcase_add_test(tc, test_cap_ends_the_round);
	CRK_TABLE_TEST(
	    tc, test_due_days_keep_calendar_distance_across_dst, dst_cases);
	CRK_TABLE_TEST(
	    tc, test_weekend_days_move_to_the_next_working_day, working_cases);
	tcase_add_test(tc, test_a_hand_made_all_week_weekend_does_not_hang);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	CRK_TABLE_TEST(
	    tc, test_offsets_parse_accepts_rising_day_lists, offsets_ok);
	CRK_TABLE_TEST(tc,
	    test_offsets_parse_refuses_bad_lists_and_names_the_item,
	    offsets_bad);
	tcase_add_test(tc, test_offsets_parse_refuses_more_than_the_maximum);
	CRK_TABLE_TEST(tc, test_weekend_parse_accepts_day_names, weekend_ok);
	CRK_TABLE_TEST(tc,
	    test_weekend_parse_refuses_unknown_names_and_all_week, weekend_bad);
	suite_add_tcase(s, tc);
	return s;
}
