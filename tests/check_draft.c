/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for watcher/draft.c: the composed draft, parsed back with core's
 * parser. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/message.h"
#include "core/draft.h"
#include "tests/check_common.h"

/* One draft input with its owned parts. */
struct fixture {
	struct crk_addr from;
	struct crk_addr_list to;
	struct crk_strv refs;
	struct crk_draft_input in;
};

static void
fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->from.addr = crk_xstrdup("rep@example.com");
	f->from.name = crk_xstrdup("Rita Rep");
	crk_addr_list_add(&f->to, "jane.doe@acme.com", "Jane Doe");
	crk_strv_add(&f->refs, "root@example.com");
	crk_strv_add(&f->refs, "mid@acme.com");
	f->in.from = &f->from;
	f->in.to = &f->to;
	f->in.subject = "Proposal Q3 rollout";
	f->in.in_reply_to = "last@acme.com";
	f->in.references = &f->refs;
	f->in.body = "Hi Jane,\n\nJust checking in.\n\nRita\n";
	f->in.now = 1795338000; /* 2026-11-22T09:00:00Z */
	f->in.domain = "example.com";
	f->in.followup_uid = "f-42";
}

static void
fixture_clear(struct fixture *f)
{
	free(f->from.addr);
	free(f->from.name);
	crk_addr_list_clear(&f->to);
	crk_strv_clear(&f->refs);
}

static char *
compose_ok(const struct fixture *f, char **id_r)
{
	char *text = NULL, *id = NULL, *error = NULL;

	ck_assert_msg(crk_draft_compose(&f->in, &text, &id, &error) == CRK_OK,
	    "compose: %s", error != NULL ? error : "?");
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(id);
	if (id_r != NULL)
		*id_r = id;
	else
		free(id);
	return text;
}

static struct crk_message *
parse_draft(const char *text)
{
	struct crk_message *msg = NULL;

	ck_assert_int_eq(
	    crk_message_parse_full(text, strlen(text), &msg, NULL), CRK_OK);
	return msg;
}

/* The header block (up to the empty line), owned. */
static char *
header_block(const char *text)
{
	const char *end = strstr(text, "\r\n\r\n");

	ck_assert_ptr_nonnull(end);
	return crk_xstrndup(text, (size_t)(end - text) + 2);
}

/* Every line ends in CRLF, none is longer than max octets. */
static void
assert_lines(const char *text, size_t max)
{
	const char *p = text, *eol;

	while (*p != '\0') {
		eol = strstr(p, "\r\n");
		ck_assert_msg(eol != NULL, "text does not end with CRLF");
		ck_assert_msg(memchr(p, '\n', (size_t)(eol - p)) == NULL &&
			memchr(p, '\r', (size_t)(eol - p)) == NULL,
		    "bare CR or LF in \"%.*s\"", (int)(eol - p), p);
		ck_assert_msg((size_t)(eol - p) <= max,
		    "line of %zu octets: \"%.40s...\"", (size_t)(eol - p), p);
		p = eol + 2;
	}
}

/* Header lines are "Name: ..." of known names or continuations. */
static void
assert_only_our_headers(const char *text)
{
	/* clang-format off */
	static const char *const names[] = {"Date:", "From:", "To:",
	    "Subject:", "Message-ID:", "In-Reply-To:", "References:",
	    "MIME-Version:", "Content-Type:", "Content-Transfer-Encoding:",
	    "X-Crickets-Followup:"};
	/* clang-format on */
	char *head = header_block(text), *line, *save = NULL;
	size_t i;
	bool known;

	for (line = strtok_r(head, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (line[0] == ' ' || line[0] == '\t')
			continue;
		known = false;
		for (i = 0; i < CRK_N_ELEMENTS(names); i++)
			if (strncmp(line, names[i], strlen(names[i])) == 0)
				known = true;
		ck_assert_msg(known, "unexpected header line \"%s\"", line);
	}
	free(head);
}

/* Encoded words are at most 75 characters (RFC 2047 2). */
static void
assert_encoded_words_short(const char *text)
{
	const char *p = text, *end;

	while ((p = strstr(p, "=?")) != NULL) {
		end = strstr(p + 2, "?=");
		ck_assert_ptr_nonnull(end);
		/* skip the "?B?" inside */
		end = strstr(p + 2, "?B?") != NULL
		    ? strstr(strstr(p + 2, "?B?") + 3, "?=")
		    : end;
		ck_assert_msg(end - p + 2 <= 75, "encoded word of %d chars",
		    (int)(end - p + 2));
		p = end + 2;
	}
}

/* RFC 3676 unflowing: join soft lines, undo space-stuffing. */
static char *
unflow(const char *body)
{
	char *out = crk_xmalloc(strlen(body) + 2), *copy, *line, *next;
	size_t len = 0, n;

	copy = crk_xstrdup(body);
	for (line = copy; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (next == NULL && n == 0)
			break;
		if (line[0] == ' ') {
			line++;
			n--;
		}
		memcpy(out + len, line, n);
		len += n;
		if (n == 0 || line[n - 1] != ' ' || strcmp(line, "-- ") == 0)
			out[len++] = '\n';
	}
	out[len] = '\0';
	free(copy);
	return out;
}

START_TEST(test_draft_has_every_header_and_threads_to_the_last_message)
{
	struct fixture f;
	struct crk_message *msg;
	char *text, *id;

	crk_test_set_tz("Europe/Berlin");
	fixture_init(&f);
	text = compose_ok(&f, &id);
	msg = parse_draft(text);
	ck_assert_str_eq(msg->subject, "Re: Proposal Q3 rollout");
	ck_assert_str_eq(msg->from.addr, "rep@example.com");
	ck_assert_str_eq(msg->from.name, "Rita Rep");
	ck_assert_int_eq(msg->to.count, 1);
	ck_assert_str_eq(msg->to.items[0].addr, "jane.doe@acme.com");
	ck_assert_str_eq(msg->to.items[0].name, "Jane Doe");
	ck_assert_str_eq(msg->message_id, id);
	ck_assert(strncmp(id, "crickets.", 9) == 0);
	ck_assert_int_eq(strlen(id), strlen("crickets.@example.com") + 32);
	ck_assert_str_eq(id + 9 + 32, "@example.com");
	ck_assert_str_eq(msg->in_reply_to, "last@acme.com");
	ck_assert_int_eq(msg->references.count, 3);
	ck_assert_str_eq(msg->references.items[0], "root@example.com");
	ck_assert_str_eq(msg->references.items[1], "mid@acme.com");
	ck_assert_str_eq(msg->references.items[2], "last@acme.com");
	ck_assert_int_eq(msg->date, f.in.now);
	ck_assert_str_eq(msg->content_type, "text/plain");
	ck_assert_ptr_nonnull(strstr(text, "\r\nMIME-Version: 1.0\r\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\r\nContent-Type: text/plain; "
	    "charset=utf-8; format=flowed\r\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\r\nX-Crickets-Followup: f-42\r\n"));
	ck_assert(strncmp(text, "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\n",
		      39) == 0);
	ck_assert_str_eq(msg->body_text,
	    "Hi Jane,\n\nJust checking in.\n\n"
	    "Rita\n");
	assert_lines(text, 78);
	assert_only_our_headers(text);
	crk_message_free(&msg);
	free(text);
	free(id);
	fixture_clear(&f);
}
END_TEST

START_TEST(test_every_draft_gets_a_fresh_message_id)
{
	struct fixture f;
	char *a, *b, *ida, *idb;

	fixture_init(&f);
	f.in.domain = NULL; /* from the sender's address */
	a = compose_ok(&f, &ida);
	b = compose_ok(&f, &idb);
	ck_assert_str_ne(ida, idb);
	ck_assert_str_eq(ida + 9 + 32, "@example.com");
	free(a);
	free(b);
	free(ida);
	free(idb);
	fixture_clear(&f);
}
END_TEST

static const struct {
	const char *tz;
	time_t now;
	const char *want;
} date_cases[] = {
    {"Europe/Berlin", 1795338000, "Date: Sun, 22 Nov 2026 10:00:00 +0100"},
    {"Europe/Berlin", 1783072800, "Date: Fri, 3 Jul 2026 12:00:00 +0200"},
    {"America/New_York", 1795338000, "Date: Sun, 22 Nov 2026 04:00:00 -0500"},
    {"Asia/Kolkata", 1795338000, "Date: Sun, 22 Nov 2026 14:30:00 +0530"},
    {"UTC", 1795338000, "Date: Sun, 22 Nov 2026 09:00:00 +0000"},
};

START_TEST(test_date_header_uses_the_local_offset)
{
	struct fixture f;
	char *text;

	crk_test_set_tz(date_cases[_i].tz);
	fixture_init(&f);
	f.in.now = date_cases[_i].now;
	text = compose_ok(&f, NULL);
	ck_assert_msg(strncmp(text, date_cases[_i].want,
			  strlen(date_cases[_i].want)) == 0 &&
		text[strlen(date_cases[_i].want)] == '\r',
	    "got \"%.45s\"", text);
	free(text);
	fixture_clear(&f);
}
END_TEST

static const struct {
	const char *subject;
	const char *want;
} subject_cases[] = {
    {"Proposal", "Re: Proposal"},
    {"Re: Proposal", "Re: Proposal"},
    {"RE: Re: Proposal", "Re: Proposal"},
    {"AW: Angebot", "Re: Angebot"},
    {"Fwd: Offer", "Re: Fwd: Offer"},
    {"Angebot f\xc3\xbcr M\xc3\xbcnchen",
	"Re: Angebot f\xc3\xbcr "
	"M\xc3\xbcnchen"},
    {"\xe6\x8f\x90\xe6\xa1\x88\xe6\x9b\xb8 Q3",
	"Re: \xe6\x8f\x90\xe6\xa1"
	"\x88\xe6\x9b\xb8 Q3"},
    {"Offer \xf0\x9f\x9a\x80 launch", "Re: Offer \xf0\x9f\x9a\x80 launch"},
    {"Looks like =?UTF-8?B?QQ==?= but is not",
	"Re: Looks like "
	"=?UTF-8?B?QQ==?= but is not"},
    {"Offer\r\nBcc: evil@example.net", "Re: Offer Bcc: evil@example.net"},
    {"\nX-Evil: 1", "Re: X-Evil: 1"},
    {"Quote\r\n\r\nbody text", "Re: Quote body text"},
};

START_TEST(test_subject_round_trips_with_one_re_prefix)
{
	struct fixture f;
	struct crk_message *msg;
	char *text;

	fixture_init(&f);
	f.in.subject = subject_cases[_i].subject;
	text = compose_ok(&f, NULL);
	msg = parse_draft(text);
	ck_assert_str_eq(msg->subject, subject_cases[_i].want);
	assert_lines(text, 78);
	assert_only_our_headers(text);
	assert_encoded_words_short(text);
	crk_message_free(&msg);
	free(text);
	fixture_clear(&f);
}
END_TEST

static const struct {
	const char *name;
	const char *want; /* NULL: as given */
} name_cases[] = {
    {"J\xc3\xbcrgen M\xc3\xbcller", NULL},
    {"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e", NULL},
    {"Doe, Jane", NULL},
    {"Jane \"JD\" Doe", NULL},
    {"Dr. Jane Doe (ACME)", NULL},
    {"Back\\slash", NULL},
    {"Zo\xc3\xab \"the boss\" O'Brien, CEO", NULL},
    {"Jane\r\nBcc: evil@example.net", "Jane Bcc: evil@example.net"},
    {"Jane\r\n\r\nInjected body", "Jane Injected body"},
    {"A very long display name that goes on and on well past the "
     "fold column of seventy-eight characters",
	NULL},
    {"\xc3\x89\xc3\xa9\xc3\xa8\xc3\xaa\xc3\xab\xc3\xa0\xc3\xa2\xc3\xa4\xc3"
     "\xb4\xc3\xb6\xc3\xbb\xc3\xbc\xc3\xa7\xc3\x89\xc3\xa9\xc3\xa8\xc3\xaa"
     "\xc3\xab\xc3\xa0\xc3\xa2\xc3\xa4\xc3\xb4\xc3\xb6\xc3\xbb\xc3\xbc\xc3"
     "\xa7\xc3\x89\xc3\xa9\xc3\xa8\xc3\xaa",
	NULL},
};

START_TEST(test_display_names_round_trip_through_the_parser)
{
	struct fixture f;
	struct crk_message *msg;
	char *text;
	const char *want = name_cases[_i].want != NULL ? name_cases[_i].want
						       : name_cases[_i].name;

	fixture_init(&f);
	free(f.from.name);
	f.from.name = crk_xstrdup(name_cases[_i].name);
	crk_addr_list_add(&f.to, "bob@acme.com", name_cases[_i].name);
	text = compose_ok(&f, NULL);
	msg = parse_draft(text);
	ck_assert_str_eq(msg->from.name, want);
	ck_assert_str_eq(msg->from.addr, "rep@example.com");
	ck_assert_int_eq(msg->to.count, 2);
	ck_assert_str_eq(msg->to.items[0].name, "Jane Doe");
	ck_assert_str_eq(msg->to.items[1].name, want);
	ck_assert_str_eq(msg->to.items[1].addr, "bob@acme.com");
	assert_lines(text, 78);
	assert_only_our_headers(text);
	assert_encoded_words_short(text);
	crk_message_free(&msg);
	free(text);
	fixture_clear(&f);
}
END_TEST

START_TEST(test_references_keep_the_root_and_the_newest_ids)
{
	struct fixture f;
	struct crk_message *msg;
	char *text, id[64];
	int i;

	fixture_init(&f);
	crk_strv_clear(&f.refs);
	for (i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "m%d@acme.com", i);
		crk_strv_add(&f.refs, id);
	}
	f.in.in_reply_to = "m29@acme.com"; /* already last: not doubled */
	text = compose_ok(&f, NULL);
	msg = parse_draft(text);
	ck_assert_int_eq(msg->references.count, CRK_DRAFT_REFERENCES_MAX);
	ck_assert_str_eq(msg->references.items[0], "m0@acme.com");
	ck_assert_str_eq(msg->references.items[1], "m11@acme.com");
	ck_assert_str_eq(msg->references.items[19], "m29@acme.com");
	ck_assert_str_eq(msg->in_reply_to, "m29@acme.com");
	assert_lines(text, 78);
	crk_message_free(&msg);
	free(text);
	fixture_clear(&f);
}
END_TEST

START_TEST(test_no_thread_ids_means_no_threading_headers)
{
	struct fixture f;
	char *text;

	fixture_init(&f);
	f.in.in_reply_to = NULL;
	f.in.references = NULL;
	f.in.followup_uid = NULL;
	text = compose_ok(&f, NULL);
	ck_assert_ptr_null(strstr(text, "In-Reply-To:"));
	ck_assert_ptr_null(strstr(text, "References:"));
	ck_assert_ptr_null(strstr(text, "X-Crickets-Followup:"));
	free(text);
	fixture_clear(&f);
}
END_TEST

START_TEST(test_hostile_ids_are_left_out_of_threading_headers)
{
	struct fixture f;
	struct crk_message *msg;
	char *text, *longid;

	fixture_init(&f);
	longid = crk_xmalloc(2001);
	memset(longid, 'a', 2000);
	longid[2000] = '\0';
	crk_strv_add(&f.refs, "evil@x>\r\nBcc: a@b.c");
	crk_strv_add(&f.refs, longid);
	crk_strv_add(&f.refs, "with space@x");
	f.in.in_reply_to = "bad\r\nX-Evil: 1";
	text = compose_ok(&f, NULL);
	msg = parse_draft(text);
	ck_assert_ptr_null(strstr(text, "In-Reply-To:"));
	ck_assert_int_eq(msg->references.count, 2);
	ck_assert_str_eq(msg->references.items[1], "mid@acme.com");
	assert_lines(text, 78);
	assert_only_our_headers(text);
	crk_message_free(&msg);
	free(text);
	free(longid);
	fixture_clear(&f);
}
END_TEST

START_TEST(test_many_recipients_and_long_subjects_fold_within_limits)
{
	struct fixture f;
	struct crk_message *msg;
	char addr[64], *subject, *word;
	char *text;
	size_t i;

	fixture_init(&f);
	for (i = 0; i < 40; i++) {
		snprintf(addr, sizeof(addr), "person%zu@acme.com", i);
		crk_addr_list_add(&f.to, addr, i % 2 ? "Some Person" : NULL);
	}
	subject = crk_xmalloc(6001);
	for (i = 0; i < 6000; i++)
		subject[i] = i % 7 == 6 ? ' ' : 'a' + (char)(i % 7);
	subject[6000] = '\0';
	f.in.subject = subject;
	text = compose_ok(&f, NULL);
	msg = parse_draft(text);
	ck_assert_int_eq(msg->to.count, 41);
	ck_assert_str_eq(msg->to.items[40].addr, "person39@acme.com");
	ck_assert(strncmp(msg->subject, "Re: abcdef abcdef", 17) == 0);
	assert_lines(text, 78);
	assert_only_our_headers(text);
	crk_message_free(&msg);
	free(text);

	/* one word too long to fold is encoded, and still round-trips */
	word = crk_xmalloc(2001);
	memset(word, 'x', 2000);
	word[2000] = '\0';
	f.in.subject = word;
	text = compose_ok(&f, NULL);
	msg = parse_draft(text);
	ck_assert(strncmp(msg->subject, "Re: xxxx", 8) == 0);
	ck_assert_int_eq(strlen(msg->subject), 2004);
	assert_lines(text, 78);
	assert_encoded_words_short(text);
	crk_message_free(&msg);
	free(text);
	free(word);
	free(subject);
	fixture_clear(&f);
}
END_TEST

/* clang-format off */
static const char *const body_cases[] = {
    "Hi Jane,\n\nJust checking in.\n\nRita\n",
    "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen = 100% sicher.\n",
    "A long paragraph that a rep wrote in one line without any line breaks "
    "at all, which format=flowed wraps into several lines that a client "
    "joins again when it shows the message, so nothing is lost here.\n",
    "From the start of a line\n>not a quote\n leading space\n",
    "Trailing spaces on a hard line   \nnext\n",
    "Best,\n-- \nRita Rep\n",
    "http://example.com/a-very-long-link-without-any-spaces-that-goes-on-"
    "and-on-and-on-past-seventy-six-characters-and-more/index.html\n",
    "CRLF\r\nline ends\r\nbecome LF\r\n",
};
/* clang-format on */

START_TEST(test_body_round_trips_as_flowed_quoted_printable)
{
	struct fixture f;
	struct crk_message *msg;
	char *text, *got, *want, *p;

	fixture_init(&f);
	f.in.body = body_cases[_i];
	text = compose_ok(&f, NULL);
	assert_lines(text, 78);
	msg = parse_draft(text);
	ck_assert_ptr_nonnull(msg->body_text);
	got = unflow(msg->body_text);
	want = crk_xstrdup(body_cases[_i]);
	/* the expected text: LF ends, hard lines without trailing spaces */
	for (p = want; (p = strstr(p, "\r\n")) != NULL;)
		memmove(p, p + 1, strlen(p));
	if ((p = strstr(want, "   \n")) != NULL)
		memmove(p, p + 3, strlen(p + 3) + 1);
	ck_assert_str_eq(got, want);
	crk_message_free(&msg);
	free(got);
	free(want);
	free(text);
	fixture_clear(&f);
}
END_TEST

START_TEST(test_empty_body_still_makes_a_valid_message)
{
	struct fixture f;
	struct crk_message *msg;
	char *text;

	fixture_init(&f);
	f.in.body = "";
	text = compose_ok(&f, NULL);
	assert_lines(text, 78);
	msg = parse_draft(text);
	ck_assert_str_eq(msg->subject, "Re: Proposal Q3 rollout");
	crk_message_free(&msg);
	free(text);
	fixture_clear(&f);
}
END_TEST

static const struct {
	const char *from;
	const char *to;
	const char *uid;
} invalid_cases[] = {
    {NULL, "jane@acme.com", "f-1"},
    {"not-an-address", "jane@acme.com", "f-1"},
    {"rep@example.com", NULL, "f-1"},
    {"rep@example.com", "jane@acme.com>\r\nBcc: x@y.z", "f-1"},
    {"rep@example.com", "jane doe@acme.com", "f-1"},
    {"rep@example.com\r\nBcc: x@y.z", "jane@acme.com", "f-1"},
    {"rep@example.com", "jane@acme.com", "f 1\r\nBcc: x@y.z"},
};

START_TEST(test_unusable_addresses_and_uids_are_refused)
{
	struct crk_addr from = {NULL, NULL};
	struct crk_addr_list to = {NULL, 0, 0};
	struct crk_draft_input in;
	char *text = (char *)"x", *id = (char *)"x", *error = NULL;

	memset(&in, 0, sizeof(in));
	from.addr = (char *)invalid_cases[_i].from;
	if (invalid_cases[_i].to != NULL) {
		crk_addr_list_add(&to, "ok@acme.com", NULL);
		/* add keeps the raw text; bypass normalisation on purpose */
		free(to.items[0].addr);
		to.items[0].addr = crk_xstrdup(invalid_cases[_i].to);
	}
	in.from = &from;
	in.to = &to;
	in.subject = "Offer";
	in.body = "Hi";
	in.followup_uid = invalid_cases[_i].uid;
	ck_assert_int_eq(
	    crk_draft_compose(&in, &text, &id, &error), CRK_E_INVAL);
	ck_assert_ptr_null(text);
	ck_assert_ptr_null(id);
	ck_assert_ptr_nonnull(error);
	free(error);
	crk_addr_list_clear(&to);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("draft");
	TCase *tc = tcase_create("draft");

	tcase_add_test(
	    tc, test_draft_has_every_header_and_threads_to_the_last_message);
	tcase_add_test(tc, test_every_draft_gets_a_fresh_message_id);
	CRK_TABLE_TEST(tc, test_date_header_uses_the_local_offset, date_cases);
	CRK_TABLE_TEST(
	    tc, test_subject_round_trips_with_one_re_prefix, subject_cases);
	CRK_TABLE_TEST(
	    tc, test_display_names_round_trip_through_the_parser, name_cases);
	tcase_add_test(tc, test_references_keep_the_root_and_the_newest_ids);
	tcase_add_test(tc, test_no_thread_ids_means_no_threading_headers);
	tcase_add_test(tc, test_hostile_ids_are_left_out_of_threading_headers);
	tcase_add_test(
	    tc, test_many_recipients_and_long_subjects_fold_within_limits);
	CRK_TABLE_TEST(
	    tc, test_body_round_trips_as_flowed_quoted_printable, body_cases);
	tcase_add_test(tc, test_empty_body_still_makes_a_valid_message);
	CRK_TABLE_TEST(
	    tc, test_unusable_addresses_and_uids_are_refused, invalid_cases);
	suite_add_tcase(s, tc);
	return s;
}
