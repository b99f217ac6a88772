/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ical/feed: rendering, libical round trips, hostile text, publishing. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libical/ical.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/classify.h"
#include "core/engine.h"
#include "ical/feed.h"
#include "tests/check_common.h"
#include "tests/interop/feed_sample.h"

/* ---- helpers ------------------------------------------------------------- */

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static const char *
srcdir(void)
{
	const char *d = getenv("CRK_TOP_SRCDIR");

	return d != NULL && *d != '\0' ? d : ".";
}

static char *
tmpdir_new(void)
{
	const char *base = getenv("TMPDIR");
	char *path = crk_xasprintf("%s/crk-feed-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");

	ck_assert_msg(mkdtemp(path) != NULL, "mkdtemp: %s", strerror(errno));
	return path;
}

static void
tmpdir_remove(char *path)
{
	char *cmd = crk_xasprintf("rm -rf '%s'", path);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(path);
}

static char *
read_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long len;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	data = crk_xmalloc((size_t)len + 1);
	ck_assert_int_eq(fread(data, 1, (size_t)len, fp), (size_t)len);
	data[len] = '\0';
	fclose(fp);
	return data;
}

static void
write_file(const char *path, const char *data)
{
	FILE *fp = fopen(path, "wb");

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	fputs(data, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
render(
    struct crk_feed_sample *s, struct crk_feed_revs *revs, char **ev, char **ts)
{
	struct crk_feed_input in;
	char *error = NULL;

	crk_feed_sample_input(s, &in);
	if (revs != NULL) {
		in.revision = crk_feed_revs_lookup;
		in.revision_context = revs;
	}
	ck_assert_msg(
	    crk_feed_render(&in, ev, ts, &error) == CRK_OK, "%s", error);
	ck_assert_ptr_null(error);
}

static bool
valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;

	while (i < len) {
		if (s[i] < 0x80)
			n = 1;
		else if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4;
		else
			return false;
		if (i + n > len)
			return false;
		for (k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

/* Every physical line: CRLF-terminated, at most 75 octets, valid UTF-8 on
 * its own (no split sequence), no control characters, not ending in half
 * of a backslash escape unless the next line continues it... which it
 * never may. */
static void
assert_wire_format(const char *text)
{
	const char *p = text, *eol;
	size_t len, bs;

	ck_assert_msg(strncmp(text, "BEGIN:VCALENDAR\r\n", 17) == 0,
	    "starts with %.20s", text);
	while (*p != '\0') {
		eol = strstr(p, "\r\n");
		ck_assert_msg(eol != NULL, "line without CRLF: %.40s", p);
		len = (size_t)(eol - p);
		ck_assert_msg(len <= 75, "line of %zu octets: %.80s", len, p);
		ck_assert_msg(valid_utf8((const unsigned char *)p, len),
		    "line not valid UTF-8 on its own: %.80s", p);
		for (bs = 0; bs < len; bs++)
			ck_assert_msg(
			    (unsigned char)p[bs] >= 0x20 && p[bs] != 0x7f,
			    "control character in %.80s", p);
		for (bs = 0; bs < len && p[len - 1 - bs] == '\\'; bs++)
			;
		ck_assert_msg(bs % 2 == 0, "fold splits an escape: %.80s", p);
		p = eol + 2;
	}
}

static icalcomponent *
parse_ok(const char *text)
{
	icalcomponent *cal = icalparser_parse_string(text);

	ck_assert_ptr_nonnull(cal);
	ck_assert_int_eq(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
	ck_assert_int_eq(icalcomponent_count_errors(cal), 0);
	return cal;
}

static icalcomponent *
find_uid(icalcomponent *cal, const char *uid)
{
	icalcomponent *c;

	for (c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL;
	     c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT))
		if (strcmp(icalcomponent_get_uid(c), uid) == 0)
			return c;
	return NULL;
}

/* The property names of a component, sorted and joined by spaces. */
static char *
prop_names(icalcomponent *c)
{
	struct crk_strv names = {0};
	icalproperty *prop;
	char *s;
	size_t i, j;

	for (prop = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
	     prop != NULL;
	     prop = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY))
		crk_strv_add(&names, icalproperty_get_property_name(prop));
	for (i = 1; i < names.count; i++)
		for (j = i;
		     j > 0 && strcmp(names.items[j - 1], names.items[j]) > 0;
		     j--) {
			char *t = names.items[j];

			names.items[j] = names.items[j - 1];
			names.items[j - 1] = t;
		}
	s = crk_strv_join(&names, " ");
	crk_strv_clear(&names);
	return s;
}

#define EVENT_PROPS                                                            \
	"CLASS DESCRIPTION DTEND DTSTAMP DTSTART LAST-MODIFIED "               \
	"SEQUENCE SUMMARY TRANSP UID URL"
#define TODO_PROPS                                                             \
	"CLASS DESCRIPTION DTSTAMP DUE LAST-MODIFIED PRIORITY "                \
	"SEQUENCE STATUS SUMMARY UID URL"
#define DONE_PROPS                                                             \
	"CLASS COMPLETED DESCRIPTION DTSTAMP DUE LAST-MODIFIED "               \
	"PERCENT-COMPLETE PRIORITY SEQUENCE STATUS SUMMARY UID URL"

/* Exactly the expected components, each with exactly the expected
 * properties and nothing nested. */
static void
assert_structure(icalcomponent *cal, icalcomponent_kind kind, size_t expect,
    size_t expect_done)
{
	icalcomponent *c;
	size_t n = 0, done = 0;
	char *names;

	ck_assert_int_eq(
	    icalcomponent_count_components(cal, ICAL_ANY_COMPONENT),
	    (int)expect);
	ck_assert_int_eq(
	    icalcomponent_count_components(cal, kind), (int)expect);
	for (c = icalcomponent_get_first_component(cal, kind); c != NULL;
	     c = icalcomponent_get_next_component(cal, kind)) {
		n++;
		ck_assert_int_eq(
		    icalcomponent_count_components(c, ICAL_ANY_COMPONENT), 0);
		names = prop_names(c);
		if (kind == ICAL_VEVENT_COMPONENT) {
			ck_assert_str_eq(names, EVENT_PROPS);
		} else if (icalcomponent_get_status(c) ==
		    ICAL_STATUS_COMPLETED) {
			ck_assert_str_eq(names, DONE_PROPS);
			done++;
		} else {
			ck_assert_str_eq(names, TODO_PROPS);
		}
		free(names);
	}
	ck_assert_uint_eq(n, expect);
	ck_assert_uint_eq(done, expect_done);
}

/* ---- every item kind through libical ------------------------------------- */

static const struct {
	bool task;
	const char *uid;
	const char *summary;
	int y, m, d; /* DTSTART or DUE */
	icalproperty_status status;
	const char *description_has;
} kinds[] = {
    {false, "crickets-k3x9qa-r1-n3@example.com-event",
	"Follow up #3: Jane Doe (ACME) +1 - Proposal Q3 rollout", 2026, 11, 22,
	ICAL_STATUS_NONE, "mid:k3x9qa.proposal%2B1@mail.example.com"},
    {false, "crickets-b7mm2p-r1-n1@example.com-event",
	"Follow up #1: bob@globex.io (Globex) - Quote: support plan 2027", 2026,
	11, 24, ICAL_STATUS_NONE,
	"message:%3Cb7mm2p.proposal%2B1@mail.example.com%3E"},
    {false, "crickets-sn00ze-r1-n7@example.com-event",
	"Follow up #7: Märta Müller - Angebot Wartungsvertrag", 2026, 12, 1,
	ICAL_STATUS_NONE, "A light check-in"},
    {false, "crickets-r2d2xx-r1-decide-event",
	"Carol Smith (Initech) replied to 'Q1 rollout': a clear yes, a no, "
	"or not yet?",
	2026, 11, 22, ICAL_STATUS_NONE,
	"crickets won r2d2xx, crickets lost r2d2xx, or crickets notyet "
	"r2d2xx (follow-ups start again).\n\nOpen the mail: "
	"mid:r2d2xx.proposal%2B1@mail.example.com\nIn Apple Mail: "
	"message:%3Cr2d2xx.proposal%2B1@mail.example.com%3E\nLatest in the "
	"thread: mid:r2.reply%2Fx@initech.example"},
    {false, "crickets-zz9plu-r1-bounced-event",
	"Bounced: Dave (Hooli) - Offer: 3 seats - fix the address", 2026, 11,
	22, ICAL_STATUS_NONE, "crickets drop zz9plu"},
    {true, "crickets-k3x9qa-r1-n3@example.com-task",
	"Follow up #3: Jane Doe (ACME) +1 - Proposal Q3 rollout", 2026, 11, 9,
	ICAL_STATUS_NEEDSACTION, "No reply for 7 days (since 2 Nov 2026)"},
    {true, "crickets-k3x9qa-r1-n2@example.com-task",
	"Follow up #2: Jane Doe (ACME) +1 - Proposal Q3 rollout", 2026, 11, 5,
	ICAL_STATUS_COMPLETED, "Done on 10 Nov 2026 (mail)"},
    {true, "crickets-r2d2xx-r1-decide-task",
	"Carol Smith (Initech) replied to 'Q1 rollout': a clear yes, a no, "
	"or not yet?",
	2026, 11, 20, ICAL_STATUS_NEEDSACTION, "replied on 20 Nov 2026"},
    {true, "crickets-zz9plu-r1-bounced-task",
	"Bounced: Dave (Hooli) - Offer: 3 seats - fix the address", 2026, 11,
	19, ICAL_STATUS_NEEDSACTION, "Attachments: "},
    {true, "crickets-won111-r1-n2@example.com-task",
	"Follow up #2: Erin (Umbrella) - Pricing for the pilot", 2026, 11, 15,
	ICAL_STATUS_COMPLETED, "Pricing for the pilot"},
};

START_TEST(test_every_item_kind_round_trips_through_libical)
{
	struct crk_feed_sample s;
	struct crk_feed_revs revs = {0};
	icalcomponent *cal, *c, *again;
	struct icaltimetype t;
	char *ev, *ts, *text;
	const char *desc;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	if (_i == 8) /* the bounced item shows its attachment list too */
		crk_strv_add(&s.proposals[4].attachments, "offer.pdf");
	render(&s, &revs, &ev, &ts);
	cal = parse_ok(kinds[_i].task ? ts : ev);
	c = find_uid(cal, kinds[_i].uid);
	ck_assert_msg(c != NULL, "no %s", kinds[_i].uid);
	ck_assert_str_eq(icalcomponent_get_summary(c), kinds[_i].summary);
	t = kinds[_i].task ? icalcomponent_get_due(c)
			   : icalcomponent_get_dtstart(c);
	ck_assert(t.is_date);
	ck_assert_int_eq(t.year, kinds[_i].y);
	ck_assert_int_eq(t.month, kinds[_i].m);
	ck_assert_int_eq(t.day, kinds[_i].d);
	if (!kinds[_i].task) {
		struct icaltimetype end = icalcomponent_get_dtend(c);

		ck_assert(end.is_date);
		ck_assert_int_eq(
		    icaltime_compare(
			end, icaltime_add(t, icaldurationtype_from_int(86400))),
		    0);
	} else {
		ck_assert_int_eq(icalcomponent_get_status(c), kinds[_i].status);
	}
	if (kinds[_i].status == ICAL_STATUS_COMPLETED) {
		icalproperty *done = icalcomponent_get_first_property(
		    c, ICAL_COMPLETED_PROPERTY);
		struct icaltimetype ct = icalproperty_get_completed(done);

		ck_assert(icaltime_is_utc(ct));
	}
	desc = icalcomponent_get_description(c);
	ck_assert_msg(strstr(desc, kinds[_i].description_has) != NULL,
	    "'%s' not in %s", kinds[_i].description_has, desc);
	ck_assert(icaltime_is_utc(icalcomponent_get_dtstamp(c)));

	/* libical writes it back and reads it again to the same values */
	text = icalcomponent_as_ical_string_r(cal);
	again = parse_ok(text);
	c = find_uid(again, kinds[_i].uid);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(icalcomponent_get_summary(c), kinds[_i].summary);
	ck_assert_str_eq(icalcomponent_get_description(c), desc);
	free(text);
	icalcomponent_free(again);
	icalcomponent_free(cal);
	free(ev);
	free(ts);
	crk_feed_revs_clear(&revs);
	crk_feed_sample_clear(&s);
}
END_TEST

START_TEST(test_feeds_hold_one_item_per_open_followup_and_calendar_properties)
{
	struct crk_feed_sample s;
	icalcomponent *cal;
	char *ev, *ts;
	const char *text;
	int f;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	render(&s, NULL, &ev, &ts);
	for (f = 0; f < 2; f++) {
		text = f == 0 ? ev : ts;
		assert_wire_format(text);
		cal = parse_ok(text);
		assert_structure(cal,
		    f == 0 ? ICAL_VEVENT_COMPONENT : ICAL_VTODO_COMPONENT,
		    f == 0 ? s.expect_events : s.expect_tasks,
		    f == 0 ? 0 : s.expect_completed);
		ck_assert_ptr_null(icalcomponent_get_first_property(
		    cal, ICAL_METHOD_PROPERTY));
		icalcomponent_free(cal);
		ck_assert_ptr_nonnull(strstr(text, "\r\nVERSION:2.0\r\n"));
		ck_assert_ptr_nonnull(
		    strstr(text, "\r\nCALSCALE:GREGORIAN\r\n"));
		ck_assert_ptr_nonnull(strstr(text, "\r\nPRODID:-//crickets//"));
		ck_assert_ptr_nonnull(strstr(text, "\r\nNAME:Follow-"));
		ck_assert_ptr_nonnull(strstr(text, "\r\nX-WR-CALNAME:Follow-"));
		ck_assert_ptr_nonnull(strstr(
		    text, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"));
		ck_assert_ptr_nonnull(
		    strstr(text, "\r\nX-PUBLISHED-TTL:PT1H\r\n"));
		ck_assert_ptr_null(strstr(text, "METHOD"));
		/* closed and dropped proposals leave nothing open behind */
		ck_assert_ptr_null(strstr(text, "dr0pme"));
		ck_assert_ptr_null(strstr(text, "won111-r1-n1"));
	}
	/* the event and task UIDs of one follow-up differ */
	ck_assert_ptr_null(strstr(ev, "-task\r\n"));
	ck_assert_ptr_null(strstr(ts, "-event\r\n"));
	free(ev);
	free(ts);
	crk_feed_sample_clear(&s);
}
END_TEST

/* ---- golden files -------------------------------------------------------- */

/* PRODID carries the version: the only volatile line. */
static char *
normalise(const char *text)
{
	const char *p = strstr(text, "\r\nPRODID:"), *eol;

	ck_assert_ptr_nonnull(p);
	eol = strstr(p + 2, "\r\n");
	return crk_xasprintf("%.*s\r\nPRODID:-//crickets//crickets "
			     "VERSION//EN%s",
	    (int)(p - text), text, eol);
}

START_TEST(test_feeds_match_the_golden_files)
{
	static const char *const names[] = {
	    "followups.ics", "followups-tasks.ics"};
	struct crk_feed_sample s;
	struct crk_feed_revs revs = {0};
	char *ev, *ts, *got, *path, *want;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	render(&s, &revs, &ev, &ts);
	got = normalise(_i == 0 ? ev : ts);
	path = crk_xasprintf("%s/tests/data/feeds/%s", srcdir(), names[_i]);
	if (getenv("CRK_UPDATE_GOLDEN") != NULL)
		write_file(path, got);
	want = read_file(path);
	ck_assert_msg(want != NULL,
	    "missing %s (CRK_UPDATE_GOLDEN=1 writes "
	    "it)",
	    path);
	if (strcmp(got, want) != 0) {
		/* name the first differing line (whole feeds are too long
		 * for Check's messages) */
		size_t k = 0, line = 1, start = 0;

		while (got[k] != '\0' && got[k] == want[k]) {
			if (got[k] == '\n') {
				line++;
				start = k + 1;
			}
			k++;
		}
		ck_abort_msg("%s differs at line %zu: got '%.*s', want '%.*s' "
			     "(CRK_UPDATE_GOLDEN=1 rewrites it)",
		    path, line, (int)strcspn(got + start, "\r\n"), got + start,
		    (int)strcspn(want + start, "\r\n"), want + start);
	}
	free(want);
	free(path);
	free(got);
	free(ev);
	free(ts);
	crk_feed_revs_clear(&revs);
	crk_feed_sample_clear(&s);
}
END_TEST

/* ---- hostile text -------------------------------------------------------- */

START_TEST(test_hostile_text_never_breaks_a_feed)
{
	struct crk_feed_sample s;
	icalcomponent *cal, *c;
	char *ev, *ts;
	int f;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	crk_feed_sample_make_hostile(&s, 1000u + (unsigned)_i);
	render(&s, NULL, &ev, &ts);
	for (f = 0; f < 2; f++) {
		const char *text = f == 0 ? ev : ts;

		assert_wire_format(text);
		cal = parse_ok(text);
		assert_structure(cal,
		    f == 0 ? ICAL_VEVENT_COMPONENT : ICAL_VTODO_COMPONENT,
		    f == 0 ? s.expect_events : s.expect_tasks,
		    f == 0 ? 0 : s.expect_completed);
		for (c = icalcomponent_get_first_component(
			 cal, ICAL_ANY_COMPONENT);
		     c != NULL; c = icalcomponent_get_next_component(
				    cal, ICAL_ANY_COMPONENT)) {
			const char *sum = icalcomponent_get_summary(c);
			const char *desc = icalcomponent_get_description(c);
			size_t k;

			ck_assert_ptr_nonnull(sum);
			ck_assert_ptr_nonnull(desc);
			for (k = 0; sum[k] != '\0'; k++)
				ck_assert((unsigned char)sum[k] >= 0x20);
			ck_assert(valid_utf8(
			    (const unsigned char *)desc, strlen(desc)));
			ck_assert_uint_le(strlen(sum), 4 * 1000 + 3);
			ck_assert_uint_le(strlen(desc), 4 * 8000 + 3);
		}
		icalcomponent_free(cal);
	}
	free(ev);
	free(ts);
	crk_feed_sample_clear(&s);
}
END_TEST

/* A subject that puts a backslash escape or a multi-byte character on
 * every possible fold position. */
START_TEST(test_lines_fold_without_splitting_escapes_or_utf8)
{
	static const char *const fillers[] = {
	    ";", "\\", ",", "é", "€", "\xf0\x9f\x98\x80"};
	struct crk_feed_sample s;
	struct crk_strv parts = {0};
	icalcomponent *cal, *c;
	char *ev, *subject, *want;
	int k;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	for (k = 0; k < _i % 80; k++)
		crk_strv_add(&parts, "x");
	for (k = 0; k < 60; k++)
		crk_strv_add(&parts,
		    fillers[(_i / 80 + k) % (int)CRK_N_ELEMENTS(fillers)]);
	subject = crk_strv_join(&parts, "");
	crk_strv_clear(&parts);
	free(s.proposals[1].subject);
	s.proposals[1].subject = crk_xstrdup(subject);
	render(&s, NULL, &ev, NULL);
	assert_wire_format(ev);
	cal = parse_ok(ev);
	c = find_uid(cal, "crickets-b7mm2p-r1-n1@example.com-event");
	ck_assert_ptr_nonnull(c);
	want =
	    crk_xasprintf("Follow up #1: bob@globex.io (Globex) - %s", subject);
	ck_assert_str_eq(icalcomponent_get_summary(c), want);
	free(want);
	free(subject);
	icalcomponent_free(cal);
	free(ev);
	crk_feed_sample_clear(&s);
}
END_TEST

START_TEST(test_absurd_lengths_are_capped)
{
	struct crk_feed_sample s;
	icalcomponent *cal, *c;
	char *ev, *big;
	size_t k, chars;
	const char *p;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	big = crk_xmalloc(100001);
	memset(big, 'A', 100000);
	big[100000] = '\0';
	free(s.proposals[1].subject);
	s.proposals[1].subject = crk_xstrdup(big);
	for (k = 0; k < 50; k++)
		crk_strv_add(&s.proposals[1].attachments, big);
	render(&s, NULL, &ev, NULL);
	assert_wire_format(ev);
	cal = parse_ok(ev);
	c = find_uid(cal, "crickets-b7mm2p-r1-n1@example.com-event");
	for (chars = 0, p = icalcomponent_get_summary(c); *p != '\0'; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	ck_assert_uint_le(chars, CRK_FEED_SUMMARY_MAX);
	ck_assert_uint_gt(chars, 100);
	for (chars = 0, p = icalcomponent_get_description(c); *p != '\0'; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	ck_assert_uint_le(chars, CRK_FEED_DESCRIPTION_MAX);
	ck_assert_uint_le(strlen(ev), 200000);
	icalcomponent_free(cal);
	free(big);
	free(ev);
	crk_feed_sample_clear(&s);
}
END_TEST

/* ---- revisions ----------------------------------------------------------- */

START_TEST(test_identical_state_renders_byte_identical)
{
	struct crk_feed_sample s;
	struct crk_feed_revs revs = {0};
	char *ev1, *ts1, *ev2, *ts2;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	render(&s, &revs, &ev1, &ts1);
	s.now += 3600; /* an hour later, nothing changed */
	render(&s, &revs, &ev2, &ts2);
	ck_assert_str_eq(ev1, ev2);
	ck_assert_str_eq(ts1, ts2);
	free(ev1);
	free(ts1);
	free(ev2);
	free(ts2);
	crk_feed_revs_clear(&revs);
	crk_feed_sample_clear(&s);
}
END_TEST

static unsigned
sequence_of(const char *text, const char *uid, char **stamp_r)
{
	icalcomponent *cal = parse_ok(text), *c = find_uid(cal, uid);
	unsigned seq;

	ck_assert_msg(c != NULL, "no %s", uid);
	seq = (unsigned)icalcomponent_get_sequence(c);
	if (stamp_r != NULL)
		*stamp_r = crk_xstrdup(
		    icaltime_as_ical_string(icalcomponent_get_dtstamp(c)));
	icalcomponent_free(cal);
	return seq;
}

START_TEST(test_sequence_goes_up_only_for_changed_items)
{
	struct crk_feed_sample s;
	struct crk_feed_revs revs = {0};
	char *ev, *ts, *stamp;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	render(&s, &revs, &ev, &ts);
	free(ev);
	free(ts);
	/* a day later: the overdue event rolls to the 23rd (changed), the
	 * future one is untouched */
	s.now += 86400;
	render(&s, &revs, &ev, &ts);
	ck_assert_uint_eq(
	    sequence_of(ev, "crickets-k3x9qa-r1-n3@example.com-event", &stamp),
	    1);
	ck_assert_str_eq(stamp, "20261123T110000Z");
	free(stamp);
	ck_assert_uint_eq(
	    sequence_of(ev, "crickets-b7mm2p-r1-n1@example.com-event", &stamp),
	    0);
	ck_assert_str_eq(stamp, "20261122T110000Z");
	free(stamp);
	/* the task keeps its real due date: unchanged */
	ck_assert_uint_eq(
	    sequence_of(ts, "crickets-k3x9qa-r1-n3@example.com-task", NULL), 0);
	free(ev);
	free(ts);
	/* the subject changes: both of its items go up once */
	free(s.proposals[1].subject);
	s.proposals[1].subject = crk_xstrdup("Quote: support plan 2028");
	render(&s, &revs, &ev, &ts);
	ck_assert_uint_eq(
	    sequence_of(ev, "crickets-b7mm2p-r1-n1@example.com-event", NULL),
	    1);
	ck_assert_uint_eq(
	    sequence_of(ts, "crickets-b7mm2p-r1-n1@example.com-task", NULL), 1);
	ck_assert_uint_eq(
	    sequence_of(ts, "crickets-zz9plu-r1-bounced-task", NULL), 0);
	free(ev);
	free(ts);
	crk_feed_revs_clear(&revs);
	crk_feed_sample_clear(&s);
}
END_TEST

static enum crk_status
failing_revision(void *context, const char *uid, const char *hash, time_t now,
    unsigned *sequence_r, time_t *changed_at_r, char **error_r)
{
	crk_error_set(error_r, "database is locked");
	return CRK_E_BUSY;
}

START_TEST(test_render_reports_a_failing_revision_store)
{
	struct crk_feed_sample s;
	struct crk_feed_input in;
	char *ev = (char *)"x", *ts = (char *)"x", *error = NULL;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	crk_feed_sample_input(&s, &in);
	in.revision = failing_revision;
	ck_assert_int_eq(crk_feed_render(&in, &ev, &ts, &error), CRK_E_BUSY);
	ck_assert_ptr_null(ev);
	ck_assert_ptr_null(ts);
	ck_assert_str_eq(error, "database is locked");
	free(error);
	crk_feed_sample_clear(&s);
}
END_TEST

/* ---- completed follow-ups ------------------------------------------------ */

static const struct {
	int days_ago;
	bool shown;
} done_ages[] = {
    {0, true},
    {13, true},
    {14, true},
    {15, false},
    {400, false},
};

START_TEST(test_completed_followups_stay_14_days_then_drop)
{
	struct crk_feed_sample s;
	char *ev, *ts;
	bool shown;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	/* k3x9qa #2 */
	s.followups[1].closed_at =
	    s.now - (time_t)done_ages[_i].days_ago * 86400;
	render(&s, NULL, &ev, &ts);
	shown = strstr(ts, "crickets-k3x9qa-r1-n2@example.com-task") != NULL;
	ck_assert_int_eq(shown, done_ages[_i].shown);
	ck_assert_ptr_null(strstr(ev, "n2@example.com"));
	free(ev);
	free(ts);
	crk_feed_sample_clear(&s);
}
END_TEST

static const struct {
	const char *from;
	const char *summary_start;
} repliers[] = {
    {"DAN@initech.example", "Dan Boss (Initech) replied to 'Q1 rollout'"},
    {"carol@initech.example", "Carol Smith (Initech) replied"},
    {"x@other.example", "x@other.example (Other) replied"},
    {NULL, "Carol Smith (Initech) +1 replied"},
};

START_TEST(test_decide_item_names_who_replied)
{
	struct crk_feed_sample s;
	icalcomponent *cal, *c;
	char *ev;
	const char *sum;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	s.proposals[3].prospects.items = crk_xreallocarray(
	    s.proposals[3].prospects.items, 2, sizeof(struct crk_addr));
	s.proposals[3].prospects.items[1].addr =
	    crk_xstrdup("dan@initech.example");
	s.proposals[3].prospects.items[1].name = crk_xstrdup("Dan Boss");
	s.proposals[3].prospects.count = 2;
	free(s.proposals[3].last_reply_from);
	s.proposals[3].last_reply_from = crk_xstrdup(repliers[_i].from);
	render(&s, NULL, &ev, NULL);
	cal = parse_ok(ev);
	c = find_uid(cal, "crickets-r2d2xx-r1-decide-event");
	ck_assert_ptr_nonnull(c);
	sum = icalcomponent_get_summary(c);
	ck_assert_msg(strncmp(sum, repliers[_i].summary_start,
			  strlen(repliers[_i].summary_start)) == 0,
	    "%s", sum);
	icalcomponent_free(cal);
	free(ev);
	crk_feed_sample_clear(&s);
}
END_TEST

/* ---- wording helpers ----------------------------------------------------- */

static const struct {
	const char *in, *out;
} uris[] = {
    {"abc.def@host.example", "abc.def@host.example"},
    {"a+b/c=d@x", "a%2Bb%2Fc%3Dd@x"},
    {"<x>@y", "%3Cx%3E@y"},
    {"a b%c", "a%20b%25c"},
    {"é@x", "%C3%A9@x"},
    {"", ""},
};

START_TEST(test_message_ids_are_percent_encoded)
{
	char *s = crk_feed_uri_encode(uris[_i].in);

	ck_assert_str_eq(s, uris[_i].out);
	free(s);
}
END_TEST

/* ---- publishing ---------------------------------------------------------- */

static const unsigned modes[] = {0600, 0644, 0640};

START_TEST(test_publish_writes_both_files_with_the_configured_mode)
{
	struct crk_feed_sample s;
	struct crk_feed_input in;
	struct crk_strv paths = {0};
	char *dir = tmpdir_new(), *sub, *error = NULL, *data, *ev;
	struct stat st;
	size_t k;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	crk_feed_sample_input(&s, &in);
	sub = crk_xasprintf("%s/a/feed", dir); /* created on the way */
	ck_assert_int_eq(
	    crk_feed_publish(&in, sub, modes[_i], &paths, &error), CRK_OK);
	ck_assert_uint_eq(paths.count, 2);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(stat(paths.items[k], &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, modes[_i]);
	}
	ck_assert_ptr_nonnull(strstr(paths.items[0], "/followups.ics"));
	ck_assert_ptr_nonnull(strstr(paths.items[1], "/followups-tasks.ics"));
	render(&s, NULL, &ev, NULL);
	data = read_file(paths.items[0]);
	ck_assert_str_eq(data, ev);
	ck_assert_uint_eq(count_entries(sub), 2); /* no temp files left */
	free(data);
	free(ev);
	crk_strv_clear(&paths);
	free(sub);
	tmpdir_remove(dir);
	crk_feed_sample_clear(&s);
}
END_TEST

START_TEST(test_publishing_the_same_feed_again_leaves_the_file_alone)
{
	struct crk_feed_sample s;
	struct crk_feed_input in;
	char *dir = tmpdir_new(), *path;
	struct stat st1, st2;

	set_tz("Europe/Berlin");
	crk_feed_sample_fill(&s);
	crk_feed_sample_input(&s, &in);
	path = crk_xasprintf("%s/followups.ics", dir);
	ck_assert_int_eq(crk_feed_publish(&in, dir, 0600, NULL, NULL), CRK_OK);
	ck_assert_int_eq(stat(path, &st1), 0);
	ck_assert_int_eq(crk_feed_publish(&in, dir, 0600, NULL, NULL), CRK_OK);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_uint_eq(st1.st_ino, st2.st_ino);
	/* a change replaces the file (a new inode from the rename) */
	in.now += 86400;
	ck_assert_int_eq(crk_feed_publish(&in, dir, 0600, NULL, NULL), CRK_OK);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_uint_ne(st1.st_ino, st2.st_ino);
	free(path);
	tmpdir_remove(dir);
	crk_feed_sample_clear(&s);
}
END_TEST

/* The old file a feed written piece by piece replaces, against a new
 * text of WRITER_LEN bytes: nothing, the same, longer, shorter, or
 * different at the start, in the middle (past the 64 KiB buffers) or in
 * the last byte.  The file must end up exactly the new text, replaced
 * only when it differed, with no temp file left. */
#define WRITER_LEN (200 * 1024 + 17)
enum writer_old {
	OLD_NONE,
	OLD_SAME,
	OLD_LONGER,
	OLD_SHORTER,
	OLD_DIFFERS_FIRST,
	OLD_DIFFERS_MIDDLE,
	OLD_DIFFERS_LAST,
};

static const enum writer_old writer_olds[] = {OLD_NONE, OLD_SAME, OLD_LONGER,
    OLD_SHORTER, OLD_DIFFERS_FIRST, OLD_DIFFERS_MIDDLE, OLD_DIFFERS_LAST};

START_TEST(test_feed_written_in_pieces_replaces_any_old_file)
{
	char *dir = tmpdir_new(), *path, *text, *old, *data, *error = NULL;
	struct crk_feed_writer *w = NULL;
	struct stat st1, st2;
	size_t i, len, piece;
	bool written = false;
	unsigned seed = 7;

	text = crk_xmalloc(WRITER_LEN + 1);
	for (i = 0; i < WRITER_LEN; i++)
		text[i] = (char)('a' + (i * 7 + i / 75) % 26);
	text[WRITER_LEN] = '\0';
	old = crk_xstrdup(text);
	path = crk_xasprintf("%s/followups.ics", dir);
	switch (writer_olds[_i]) {
	case OLD_NONE: break;
	case OLD_SAME: write_file(path, old); break;
	case OLD_LONGER:
		data = crk_xasprintf("%sBEGIN:VEVENT\r\n", old);
		write_file(path, data);
		free(data);
		break;
	case OLD_SHORTER:
		old[WRITER_LEN - 1000] = '\0';
		write_file(path, old);
		break;
	case OLD_DIFFERS_FIRST:
		old[0] = 'Z';
		write_file(path, old);
		break;
	case OLD_DIFFERS_MIDDLE:
		old[150 * 1024 + 3] = 'Z';
		write_file(path, old);
		break;
	case OLD_DIFFERS_LAST:
		old[WRITER_LEN - 1] = 'Z';
		write_file(path, old);
		break;
	}
	if (writer_olds[_i] != OLD_NONE)
		ck_assert_int_eq(stat(path, &st1), 0);
	ck_assert_int_eq(
	    crk_feed_writer_open(dir, "followups.ics", 0640, &w, &error),
	    CRK_OK);
	/* pieces of 1 byte to 9 KiB, as the parts of a feed come */
	for (i = 0; i < WRITER_LEN; i += len) {
		seed = seed * 1103515245u + 12345u;
		piece = (seed >> 8) % 9000 + 1;
		len = WRITER_LEN - i < piece ? WRITER_LEN - i : piece;
		ck_assert_msg(
		    crk_feed_writer_add(w, text + i, len, &error) == CRK_OK,
		    "%s", error);
	}
	ck_assert_msg(crk_feed_writer_finish(&w, &written, &error) == CRK_OK,
	    "%s", error);
	ck_assert_ptr_null(w);
	data = read_file(path);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(strlen(data), WRITER_LEN);
	ck_assert_msg(memcmp(data, text, WRITER_LEN) == 0, "content differs");
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_uint_eq(st2.st_mode & 07777, 0640);
	if (writer_olds[_i] == OLD_SAME) {
		ck_assert(!written);
		ck_assert_uint_eq(st1.st_ino, st2.st_ino);
	} else {
		ck_assert(written);
		if (writer_olds[_i] != OLD_NONE)
			ck_assert_uint_ne(st1.st_ino, st2.st_ino);
	}
	ck_assert_uint_eq(count_entries(dir), 1); /* no temp left */
	free(data);
	free(old);
	free(text);
	free(path);
	tmpdir_remove(dir);
}
END_TEST

/* Aborted half-way, the old file stays as it was and no temp is left. */
START_TEST(test_aborted_feed_writer_leaves_the_old_file)
{
	char *dir = tmpdir_new(), *path, *data;
	struct crk_feed_writer *w = NULL;

	path = crk_xasprintf("%s/followups.ics", dir);
	write_file(path, "BEGIN:VCALENDAR\r\nold\r\nEND:VCALENDAR\r\n");
	ck_assert_int_eq(
	    crk_feed_writer_open(dir, "followups.ics", 0600, &w, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_feed_writer_add(w, "BEGIN:VCALENDAR\r\nnew", 20, NULL), CRK_OK);
	crk_feed_writer_abort(&w);
	ck_assert_ptr_null(w);
	data = read_file(path);
	ck_assert_str_eq(data, "BEGIN:VCALENDAR\r\nold\r\nEND:VCALENDAR\r\n");
	ck_assert_uint_eq(count_entries(dir), 1);
	free(data);
	free(path);
	tmpdir_remove(dir);
}
END_TEST

enum publish_fault {
	FAULT_DISK_FULL,     /* RLIMIT_FSIZE: write fails half-way */
	FAULT_TARGET_IS_DIR, /* rename fails after a complete temp file */
	FAULT_DIR_IS_FILE,   /* no temp file can be created */
};

static const enum publish_fault faults[] = {
    FAULT_DISK_FULL, FAULT_TARGET_IS_DIR, FAULT_DIR_IS_FILE};

START_TEST(test_publish_failure_keeps_the_old_file)
{
	static const char old[] = "BEGIN:VCALENDAR\r\nold\r\nEND:VCALENDAR\r\n";
	char *dir = tmpdir_new(), *target, *data, *error = NULL, *big, *pub;
	struct rlimit rl;
	size_t entries;

	target = crk_xasprintf("%s/followups.ics", dir);
	pub = crk_xstrdup(dir);
	write_file(target, old);
	big = crk_xmalloc(1 << 20);
	memset(big, 'x', 1 << 20);
	big[(1 << 20) - 1] = '\0';
	switch (faults[_i]) {
	case FAULT_DISK_FULL:
		/* as root a read-only directory does not stop us; a file
		 * size limit makes write() fail like a full disk */
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = rl.rlim_max = 4096;
		ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
		break;
	case FAULT_TARGET_IS_DIR:
		free(target);
		target = crk_xasprintf("%s/followups-tasks.ics", dir);
		ck_assert_int_eq(mkdir(target, 0700), 0);
		free(target);
		target = crk_xasprintf("%s/followups.ics", dir);
		break;
	case FAULT_DIR_IS_FILE:
		free(pub);
		pub = crk_xstrdup(target);
		break;
	}
	entries = count_entries(dir);
	ck_assert_int_eq(
	    crk_feed_write_file(pub,
		faults[_i] == FAULT_TARGET_IS_DIR ? "followups-tasks.ics"
						  : "followups.ics",
		big, strlen(big), 0600, &error),
	    CRK_E_IO);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(
	    strstr(error, dir) != NULL, "error names the path: %s", error);
	if (faults[_i] != FAULT_TARGET_IS_DIR) {
		data = read_file(target);
		ck_assert_str_eq(data, old);
		free(data);
	}
	ck_assert_uint_eq(count_entries(dir), entries); /* no temp left */
	free(error);
	free(big);
	free(pub);
	free(target);
	tmpdir_remove(dir);
}
END_TEST

/* ---- from the store ------------------------------------------------------ */

static struct crk_message *
msg_new(const char *mid, const char *from, const char *to, const char *subject,
    time_t date, const char *parent)
{
	struct crk_message *m = crk_message_new();

	m->message_id = crk_xstrdup(mid);
	m->from.addr = crk_xstrdup(from);
	crk_addr_list_add(&m->to, to, NULL);
	m->subject = crk_xstrdup(subject);
	m->date = date;
	m->internal_date = date;
	if (parent != NULL) {
		m->in_reply_to = crk_xstrdup(parent);
		crk_strv_add(&m->references, parent);
	}
	return m;
}

static void
store_ingest(struct crk_engine *engine, struct crk_message *m, time_t now)
{
	char *error = NULL;

	ck_assert_int_eq(crk_engine_begin(engine, &error), CRK_OK);
	ck_assert_msg(
	    crk_engine_ingest(engine, "work", m, NULL, now, &error) == CRK_OK,
	    "%s", error);
	ck_assert_msg(
	    crk_engine_commit(engine, now, &error) == CRK_OK, "%s", error);
	crk_message_free(&m);
}

static void
store_render(struct crk_store *store, struct crk_engine *engine, time_t now,
    char **ev, char **ts)
{
	char *error = NULL;

	ck_assert_msg(
	    crk_engine_refresh(engine, now, &error) == CRK_OK, "%s", error);
	ck_assert_msg(
	    crk_feed_render_store(store, now, ev, ts, &error) == CRK_OK, "%s",
	    error);
}

START_TEST(test_store_feeds_show_open_followups_and_keep_revisions)
{
	struct crk_store *store = NULL;
	struct crk_engine *engine = NULL;
	struct crk_rules rules;
	struct crk_cadence cadence;
	struct crk_message *m;
	icalcomponent *cal, *c;
	char *dir = tmpdir_new(), *db, *error = NULL, *ev1, *ts1, *ev2, *ts2;
	time_t now;
	int follow = 0, decide = 0;

	set_tz("Europe/Berlin");
	db = crk_xasprintf("%s/crickets.db", dir);
	ck_assert_msg(
	    crk_store_open(db, &store, &error) == CRK_OK, "%s", error);
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "rep@seller.example");
	crk_strv_add(&rules.internal_domains, "seller.example");
	crk_cadence_default(&cadence);
	engine = crk_engine_new(store, &rules, &cadence);
	crk_rules_clear(&rules);

	m = msg_new("p1@seller.example", "rep@seller.example",
	    "jane@acme.example", "Proposal Q3 rollout",
	    crk_sample_time(2026, 11, 2, 9, 0), NULL);
	crk_strv_add(&m->attachments, "ACME-proposal.pdf");
	store_ingest(engine, m, crk_sample_time(2026, 11, 2, 9, 5));
	m = msg_new("p2@seller.example", "rep@seller.example",
	    "carol@initech.example", "Quote Q1 rollout",
	    crk_sample_time(2026, 11, 10, 9, 0), NULL);
	store_ingest(engine, m, crk_sample_time(2026, 11, 10, 9, 5));
	m = msg_new("r2@initech.example", "carol@initech.example",
	    "rep@seller.example", "Re: Quote Q1 rollout",
	    crk_sample_time(2026, 11, 20, 14, 0), "p2@seller.example");
	store_ingest(engine, m, crk_sample_time(2026, 11, 20, 14, 5));

	now = crk_sample_time(2026, 11, 22, 12, 0);
	store_render(store, engine, now, &ev1, &ts1);
	assert_wire_format(ev1);
	assert_wire_format(ts1);
	cal = parse_ok(ev1);
	for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	     c != NULL;
	     c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		const char *sum = icalcomponent_get_summary(c);
		struct icaltimetype t = icalcomponent_get_dtstart(c);

		ck_assert(t.is_date);
		ck_assert_int_eq(t.day, 22); /* overdue rolls to today */
		if (strncmp(sum,
			"Follow up #1: jane@acme.example (Acme) - "
			"Proposal Q3 rollout",
			60) == 0)
			follow++;
		else if (strstr(sum, "replied to 'Quote Q1 rollout'") != NULL)
			decide++;
		else
			ck_abort_msg("unexpected item %s", sum);
	}
	ck_assert_int_eq(follow, 1);
	ck_assert_int_eq(decide, 1);
	icalcomponent_free(cal);

	/* an hour later nothing changed: byte for byte the same */
	store_render(store, engine, now + 3600, &ev2, &ts2);
	ck_assert_str_eq(ev1, ev2);
	ck_assert_str_eq(ts1, ts2);
	free(ev2);
	free(ts2);

	/* the revisions live in the store: a reopened store agrees */
	crk_engine_free(&engine);
	crk_store_free(&store);
	ck_assert_int_eq(crk_store_open(db, &store, &error), CRK_OK);
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "rep@seller.example");
	engine = crk_engine_new(store, &rules, &cadence);
	crk_rules_clear(&rules);
	store_render(store, engine, now + 7200, &ev2, &ts2);
	ck_assert_str_eq(ev1, ev2);
	free(ev2);
	free(ts2);

	/* a day later the overdue event moves and only it goes up */
	store_render(store, engine, now + 86400, &ev2, &ts2);
	cal = parse_ok(ev2);
	for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	     c != NULL;
	     c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (strncmp(icalcomponent_get_summary(c), "Follow up", 9) == 0)
			ck_assert_int_eq(icalcomponent_get_sequence(c), 1);
	icalcomponent_free(cal);
	ck_assert_str_eq(ts1, ts2); /* tasks keep their due dates */
	free(ev2);
	free(ts2);

	free(ev1);
	free(ts1);
	crk_engine_free(&engine);
	crk_store_free(&store);
	free(db);
	tmpdir_remove(dir);
}
END_TEST

/* Publishes and checks the files against a full render of the same
 * moment, byte for byte; returns how many proposals were stale before. */
static size_t
publish_matches_full_render(struct crk_store *store, struct crk_engine *engine,
    const char *dir, time_t now)
{
	struct crk_proposal_list stale = {0};
	char *error = NULL, *ev, *ts, *path, *file;
	size_t n;

	ck_assert_msg(
	    crk_engine_refresh(engine, now, &error) == CRK_OK, "%s", error);
	ck_assert_int_eq(
	    crk_store_feed_stale(store, now, &stale, NULL), CRK_OK);
	n = stale.count;
	crk_proposal_list_clear(&stale);
	ck_assert_msg(crk_feed_publish_store(
			  store, dir, 0600, now, NULL, &error) == CRK_OK,
	    "%s", error);
	ck_assert_msg(
	    crk_feed_render_store(store, now, &ev, &ts, &error) == CRK_OK, "%s",
	    error);
	path = crk_xasprintf("%s/%s", dir, CRK_FEED_EVENTS_FILE);
	file = read_file(path);
	ck_assert_str_eq(file, ev);
	free(file);
	free(path);
	path = crk_xasprintf("%s/%s", dir, CRK_FEED_TASKS_FILE);
	file = read_file(path);
	ck_assert_str_eq(file, ts);
	free(file);
	free(path);
	free(ev);
	free(ts);
	ck_assert_int_eq(
	    crk_store_feed_stale(store, now, &stale, NULL), CRK_OK);
	ck_assert_uint_eq(stale.count, 0);
	crk_proposal_list_clear(&stale);
	return n;
}

/* The store keeps each proposal's part of the feeds and a publish renders
 * only the stale ones; what it writes must stay what a full render writes
 * through replies, actions, completed follow-ups ageing out, a new day
 * and a clock set back. */
START_TEST(test_kept_parts_publish_what_a_full_render_writes)
{
	struct crk_store *store = NULL;
	struct crk_engine *engine = NULL;
	struct crk_rules rules;
	struct crk_cadence cadence;
	struct crk_proposal *p = NULL;
	struct crk_message *m;
	char *dir = tmpdir_new(), *db, *out, *error = NULL, *ev_path, *ts_path;
	char *file;
	time_t t0 = crk_sample_time(2026, 11, 23, 9, 0);
	struct stat st1, st2;
	int i;

	set_tz("Europe/Berlin");
	db = crk_xasprintf("%s/crickets.db", dir);
	out = crk_xasprintf("%s/feed", dir);
	ck_assert_msg(
	    crk_store_open(db, &store, &error) == CRK_OK, "%s", error);
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "rep@seller.example");
	crk_strv_add(&rules.internal_domains, "seller.example");
	crk_cadence_default(&cadence);
	engine = crk_engine_new(store, &rules, &cadence);
	crk_rules_clear(&rules);
	for (i = 0; i < 6; i++) {
		char mid[64], to[64], subject[64];

		snprintf(mid, sizeof(mid), "p%d@seller.example", i);
		snprintf(to, sizeof(to), "buyer%d@client%d.example", i, i);
		snprintf(subject, sizeof(subject), "Proposal %d, rollout", i);
		m = msg_new(mid, "rep@seller.example", to, subject,
		    t0 + i * 3600, NULL);
		crk_strv_add(&m->attachments, "proposal.pdf");
		store_ingest(engine, m, t0 + i * 3600 + 60);
	}
	/* first publish: every part rendered */
	ck_assert_uint_eq(
	    publish_matches_full_render(store, engine, out, t0 + 86400), 6);
	/* later the same day, nothing new: none, and the files stay */
	ev_path = crk_xasprintf("%s/%s", out, CRK_FEED_EVENTS_FILE);
	ts_path = crk_xasprintf("%s/%s", out, CRK_FEED_TASKS_FILE);
	ck_assert_int_eq(stat(ev_path, &st1), 0);
	ck_assert_uint_eq(
	    publish_matches_full_render(store, engine, out, t0 + 86400 + 3600),
	    0);
	ck_assert_int_eq(stat(ev_path, &st2), 0);
	ck_assert_uint_eq(st1.st_ino, st2.st_ino);
	/* nothing new, but a file edited, removed or chmodded by hand since:
	 * the publish puts the feed back; even an edit in place that kept
	 * the size and set the mtime back */
	{
		struct timespec times[2];
		int fd = open(ev_path, O_WRONLY);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pwrite(fd, "X", 1, 0), 1);
		times[0] = st2.st_atim;
		times[1] = st2.st_mtim;
		ck_assert_int_eq(futimens(fd, times), 0);
		ck_assert_int_eq(close(fd), 0);
	}
	ck_assert_uint_eq(
	    publish_matches_full_render(store, engine, out, t0 + 86400 + 3650),
	    0);
	write_file(ev_path, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
	ck_assert_uint_eq(
	    publish_matches_full_render(store, engine, out, t0 + 86400 + 3700),
	    0);
	ck_assert_int_eq(unlink(ts_path), 0);
	ck_assert_uint_eq(
	    publish_matches_full_render(store, engine, out, t0 + 86400 + 3800),
	    0);
	ck_assert_int_eq(chmod(ev_path, 0644), 0);
	publish_matches_full_render(store, engine, out, t0 + 86400 + 3900);
	ck_assert_int_eq(stat(ev_path, &st2), 0);
	ck_assert_uint_eq(st2.st_mode & 07777, 0600);
	/* a reply to one: that one */
	m = msg_new("r3@client3.example", "buyer3@client3.example",
	    "rep@seller.example", "Re: Proposal 3, rollout", t0 + 86400 + 5000,
	    "p3@seller.example");
	store_ingest(engine, m, t0 + 86400 + 5100);
	ck_assert_uint_eq(
	    publish_matches_full_render(store, engine, out, t0 + 86400 + 5200),
	    1);
	/* a call logged on one, another won: those two */
	ck_assert_int_eq(
	    crk_store_proposal_find(store, "p1@seller.example", &p, NULL),
	    CRK_OK);
	ck_assert_int_eq(crk_engine_touch(engine, p->id, "phone", "talked",
			     "cli", t0 + 86400 + 6000, &error),
	    CRK_OK);
	crk_proposal_free(&p);
	ck_assert_int_eq(
	    crk_store_proposal_find(store, "p4@seller.example", &p, NULL),
	    CRK_OK);
	ck_assert_int_eq(crk_engine_close(engine, p->id, CRK_STATE_WON, "cli",
			     t0 + 86400 + 6000, &error),
	    CRK_OK);
	crk_proposal_free(&p);
	ck_assert_uint_eq(
	    publish_matches_full_render(store, engine, out, t0 + 86400 + 6100),
	    2);
	/* the next days: the parts whose events move (overdue ones roll
	 * forward to the new today) are stale; the completed follow-up of
	 * p1 leaves the tasks feed after 14 days */
	for (i = 2; i <= 14; i++) {
		size_t n = publish_matches_full_render(
		    store, engine, out, t0 + i * 86400 + 7000);

		/* the day after: the three overdue, p3's decision; not p1
		 * (its next follow-up is days ahead), not p4 (won) */
		if (i == 2)
			ck_assert_uint_eq(n, 4);
	}
	/* within one day, the moment p1's completed follow-up ages out:
	 * p1 alone is stale then (its part's until time) */
	publish_matches_full_render(store, engine, out, t0 + 15 * 86400 + 5000);
	ck_assert_uint_eq(publish_matches_full_render(
			      store, engine, out, t0 + 15 * 86400 + 6500),
	    1);
	/* untracked: its part goes (the proposal is deleted, and its kept
	 * parts with it), though nothing is stale */
	ck_assert_int_eq(
	    crk_store_proposal_find(store, "p5@seller.example", &p, NULL),
	    CRK_OK);
	ck_assert_int_eq(crk_engine_untrack(engine, p->id, &error), CRK_OK);
	crk_proposal_free(&p);
	ck_assert_uint_eq(publish_matches_full_render(
			      store, engine, out, t0 + 15 * 86400 + 6600),
	    0);
	file = read_file(ev_path);
	ck_assert_ptr_null(strstr(file, "Proposal 5"));
	free(file);
	/* the clock set back a week */
	publish_matches_full_render(store, engine, out, t0 + 10 * 86400);
	free(ev_path);
	free(ts_path);
	crk_engine_free(&engine);
	crk_store_free(&store);
	free(db);
	free(out);
	tmpdir_remove(dir);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("feed");
	TCase *tc;

	tc = tcase_create("render");
	CRK_TABLE_TEST(
	    tc, test_every_item_kind_round_trips_through_libical, kinds);
	tcase_add_test(tc,
	    test_feeds_hold_one_item_per_open_followup_and_calendar_properties);
	tcase_add_loop_test(tc, test_feeds_match_the_golden_files, 0, 2);
	tcase_add_loop_test(
	    tc, test_lines_fold_without_splitting_escapes_or_utf8, 0, 80 * 6);
	tcase_add_test(tc, test_absurd_lengths_are_capped);
	CRK_TABLE_TEST(
	    tc, test_completed_followups_stay_14_days_then_drop, done_ages);
	CRK_TABLE_TEST(tc, test_decide_item_names_who_replied, repliers);
	CRK_TABLE_TEST(tc, test_message_ids_are_percent_encoded, uris);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_loop_test(tc, test_hostile_text_never_breaks_a_feed, 0, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("revisions");
	tcase_add_test(tc, test_identical_state_renders_byte_identical);
	tcase_add_test(tc, test_sequence_goes_up_only_for_changed_items);
	tcase_add_test(tc, test_render_reports_a_failing_revision_store);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_test(
	    tc, test_store_feeds_show_open_followups_and_keep_revisions);
	tcase_add_test(tc, test_kept_parts_publish_what_a_full_render_writes);
	suite_add_tcase(s, tc);

	tc = tcase_create("publish");
	CRK_TABLE_TEST(
	    tc, test_publish_writes_both_files_with_the_configured_mode, modes);
	CRK_TABLE_TEST(
	    tc, test_feed_written_in_pieces_replaces_any_old_file, writer_olds);
	tcase_add_test(tc, test_aborted_feed_writer_leaves_the_old_file);
	tcase_add_test(
	    tc, test_publishing_the_same_feed_again_leaves_the_file_alone);
	CRK_TABLE_TEST(tc, test_publish_failure_keeps_the_old_file, faults);
	suite_add_tcase(s, tc);
	return s;
}
