/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the message model (core/message.c). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/message.h"
#include "tests/check_common.h"

/* Parses raw (LF line ends) after turning LF into CRLF. */
static struct crk_message *
parse_crlf(const char *raw)
{
	struct crk_message *msg;
	size_t i, n = 0, len = strlen(raw);
	char *crlf = malloc(2 * len + 1);

	ck_assert_ptr_nonnull(crlf);
	for (i = 0; i < len; i++) {
		if (raw[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = raw[i];
	}
	crlf[n] = '\0';
	msg = crk_test_parse(crlf);
	free(crlf);
	return msg;
}

static struct crk_message *
parse_full(const char *raw)
{
	struct crk_message *msg = NULL;
	char *error = NULL;

	ck_assert_int_eq(
	    crk_message_parse_full(raw, strlen(raw), &msg, &error), CRK_OK);
	ck_assert_ptr_nonnull(msg);
	free(error);
	return msg;
}

#define REPL "\xef\xbf\xbd" /* U+FFFD */

static bool
utf8_valid(const char *s)
{
	char *again = crk_utf8_sanitize(s, strlen(s));
	bool same = strcmp(again, s) == 0;

	free(again);
	return same;
}

/* ---- the header block --------------------------------------------------- */

static const char basic_header[] =
    "Return-Path: <Rep@Example.com>\n"
    "Message-ID: <abc.123@mail.example.com>\n"
    "In-Reply-To: <root@acme.com>\n"
    "References: <root@acme.com> <mid@example.com>\n"
    "From: Rep Smith <Rep@Example.com>\n"
    "To: \"Doe, Jane\" <Jane.Doe@ACME.com>, bob@acme.com\n"
    "Cc: Carol <carol@acme.com>\n"
    "Date: Sun, 22 Nov 2026 10:00:00 +0100\n"
    "Subject: Proposal Q3 rollout\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hello Jane,\n";

static void
check_basic(struct crk_message *m)
{
	ck_assert_str_eq(m->message_id, "abc.123@mail.example.com");
	ck_assert_str_eq(m->in_reply_to, "root@acme.com");
	ck_assert_uint_eq(m->references.count, 2);
	ck_assert_str_eq(m->references.items[0], "root@acme.com");
	ck_assert_str_eq(m->references.items[1], "mid@example.com");
	ck_assert_str_eq(m->from.addr, "rep@example.com");
	ck_assert_str_eq(m->from.name, "Rep Smith");
	ck_assert_uint_eq(m->to.count, 2);
	ck_assert_str_eq(m->to.items[0].addr, "jane.doe@acme.com");
	ck_assert_str_eq(m->to.items[0].name, "Doe, Jane");
	ck_assert_str_eq(m->to.items[1].addr, "bob@acme.com");
	ck_assert_ptr_null(m->to.items[1].name);
	ck_assert_uint_eq(m->cc.count, 1);
	ck_assert_str_eq(m->cc.items[0].addr, "carol@acme.com");
	ck_assert_int_eq((long)m->date, 1795338000L);
	ck_assert_str_eq(m->subject, "Proposal Q3 rollout");
	ck_assert_str_eq(m->content_type, "text/plain");
	ck_assert_str_eq(m->return_path, "rep@example.com");
	ck_assert_ptr_null(m->report_type);
	ck_assert_ptr_null(m->body_text);
}

START_TEST(test_header_fields_are_parsed_with_lf)
{
	struct crk_message *m = crk_test_parse(basic_header);

	check_basic(m);
	crk_message_free(&m);
	ck_assert_ptr_null(m);
}
END_TEST

START_TEST(test_header_fields_are_parsed_with_crlf)
{
	struct crk_message *m = parse_crlf(basic_header);

	check_basic(m);
	crk_message_free(&m);
}
END_TEST

START_TEST(test_folded_headers_are_unfolded)
{
	static const char raw[] = "From: rep@example.com\n"
				  "Subject: Proposal for the\n"
				  "  Q3\n"
				  "\trollout\n"
				  "References: <a@x.com>\n"
				  " <b@x.com>\n"
				  "\t<c@x.com>\n"
				  "To: Jane Doe\n"
				  " <jane@acme.com>,\n"
				  "  bob@acme.com\n"
				  "\n";
	struct crk_message *m = crk_test_parse(raw);
	struct crk_message *c = parse_crlf(raw);

	ck_assert_str_eq(m->subject, "Proposal for the  Q3 rollout");
	ck_assert_str_eq(c->subject, m->subject);
	ck_assert_uint_eq(m->references.count, 3);
	ck_assert_str_eq(m->references.items[2], "c@x.com");
	ck_assert_uint_eq(c->references.count, 3);
	ck_assert_uint_eq(m->to.count, 2);
	ck_assert_str_eq(m->to.items[0].name, "Jane Doe");
	ck_assert_str_eq(c->to.items[1].addr, "bob@acme.com");
	crk_message_free(&m);
	crk_message_free(&c);
}
END_TEST

START_TEST(test_duplicate_headers_first_wins)
{
	struct crk_message *m = crk_test_parse("Subject: first\n"
					       "Message-ID: <one@x.com>\n"
					       "From: a@x.com\n"
					       "Subject: second\n"
					       " folded second\n"
					       "Message-ID: <two@x.com>\n"
					       "From: b@x.com\n"
					       "\n");

	ck_assert_str_eq(m->subject, "first");
	ck_assert_str_eq(m->message_id, "one@x.com");
	ck_assert_str_eq(m->from.addr, "a@x.com");
	crk_message_free(&m);
}
END_TEST

START_TEST(test_missing_headers_leave_fields_empty)
{
	struct crk_message *m = crk_test_parse("X-Mailer: nothing\n\nbody\n");

	ck_assert_ptr_null(m->message_id);
	ck_assert_ptr_null(m->in_reply_to);
	ck_assert_uint_eq(m->references.count, 0);
	ck_assert_ptr_null(m->from.addr);
	ck_assert_ptr_null(m->from.name);
	ck_assert_uint_eq(m->to.count, 0);
	ck_assert_int_eq((long)m->date, 0);
	ck_assert_ptr_null(m->subject);
	ck_assert_ptr_null(m->content_type);
	ck_assert_ptr_null(m->return_path);
	ck_assert(!m->x_autoreply && !m->list_unsubscribe);
	crk_message_free(&m);
}
END_TEST

START_TEST(test_mbox_from_line_and_bom_are_skipped)
{
	struct crk_message *m =
	    crk_test_parse("From jane@acme.com Sat Jan  3 01:05:34 1996\n"
			   "From: jane@acme.com\n\n");
	struct crk_message *n = crk_test_parse("\xef\xbb\xbf"
					       "From: jane@acme.com\n\n");

	ck_assert_str_eq(m->from.addr, "jane@acme.com");
	ck_assert_str_eq(n->from.addr, "jane@acme.com");
	crk_message_free(&m);
	crk_message_free(&n);

	m = parse_full("\xef\xbb\xbf"
		       "From jane@acme.com Sat Jan  3 01:05:34 1996\n"
		       "Content-Type: multipart/mixed; boundary=b\n"
		       "From: jane@acme.com\n\n"
		       "--b\nContent-Type: text/plain\n\nhi\n--b--\n");
	ck_assert_str_eq(m->from.addr, "jane@acme.com");
	ck_assert_str_eq(m->content_type, "multipart/mixed");
	ck_assert_str_eq(m->body_text, "hi");
	crk_message_free(&m);
}
END_TEST

START_TEST(test_header_parsing_stops_at_the_empty_line)
{
	struct crk_message *m =
	    crk_test_parse("From: a@x.com\n\nSubject: in the body\n");

	ck_assert_ptr_null(m->subject);
	crk_message_free(&m);
}
END_TEST

static const char *const no_header_inputs[] = {
    "",
    "\n\nSubject: body only\n",
    "<<<",
    "just some text without a colon\nand more\n",
    " : \n",
};

START_TEST(test_input_without_header_is_a_parse_error)
{
	struct crk_message *m = (struct crk_message *)1;
	char *error = NULL;
	const char *raw = no_header_inputs[_i];

	ck_assert_int_eq(
	    crk_message_parse(raw, strlen(raw), &m, &error), CRK_E_PARSE);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(error);
	free(error);
}
END_TEST

/* ---- message ids ------------------------------------------------------- */

static const struct {
	const char *field; /* whole header line */
	const char *message_id;
	const char *in_reply_to;
} id_cases[] = {
    {"Message-ID: <a@b.com>", "a@b.com", NULL},
    {"Message-ID: a@b.com", "a@b.com", NULL},
    {"Message-Id:   <a@b.com>  (added by mx)", "a@b.com", NULL},
    {"Message-ID: <<a@b.com>>", "a@b.com", NULL},
    {"Message-ID: <a@b.com", "a@b.com", NULL},
    {"Message-ID: < a@b.com >", "a@b.com", NULL},
    {"Message-ID: <>", NULL, NULL},
    {"Message-ID: no id here", NULL, NULL},
    {"In-Reply-To: <x@y.com> <z@w.com>", NULL, "x@y.com"},
    {"In-Reply-To: x@y.com", NULL, "x@y.com"},
    {"In-Reply-To: Your message of Mon, 3 Jan <x@y.com>", NULL, "x@y.com"},
    {"In-Reply-To: <junk <x@y.com>", NULL, "x@y.com"},
};

START_TEST(test_message_ids_with_and_without_brackets)
{
	char *raw = crk_xasprintf("From: a@x.com\n%s\n\n", id_cases[_i].field);
	struct crk_message *m = crk_test_parse(raw);

	if (id_cases[_i].message_id == NULL)
		ck_assert_ptr_null(m->message_id);
	else
		ck_assert_str_eq(m->message_id, id_cases[_i].message_id);
	if (id_cases[_i].in_reply_to == NULL)
		ck_assert_ptr_null(m->in_reply_to);
	else
		ck_assert_str_eq(m->in_reply_to, id_cases[_i].in_reply_to);
	crk_message_free(&m);
	free(raw);
}
END_TEST

START_TEST(test_references_skip_junk_between_ids)
{
	struct crk_message *m = crk_test_parse(
	    "References: <a@x.com> junk (comment) <b@x.com>,<c@x.com>\n"
	    "\n");
	struct crk_message *n =
	    crk_test_parse("References: a@x.com b@x.com\n\n");

	ck_assert_uint_eq(m->references.count, 3);
	ck_assert_str_eq(m->references.items[0], "a@x.com");
	ck_assert_str_eq(m->references.items[1], "b@x.com");
	ck_assert_str_eq(m->references.items[2], "c@x.com");
	ck_assert_uint_eq(n->references.count, 2);
	ck_assert_str_eq(n->references.items[1], "b@x.com");
	crk_message_free(&m);
	crk_message_free(&n);
}
END_TEST

START_TEST(test_long_references_keep_first_and_last)
{
	char *raw = crk_xstrdup("From: a@x.com\nReferences:");
	struct crk_message *m;
	char *tmp;
	int i;

	for (i = 0; i < 500; i++) {
		tmp = crk_xasprintf("%s\n <id%d@x.com>", raw, i);
		free(raw);
		raw = tmp;
	}
	tmp = crk_xasprintf("%s\n\n", raw);
	free(raw);
	raw = tmp;
	m = crk_test_parse(raw);
	ck_assert_uint_eq(m->references.count, 200);
	ck_assert_str_eq(m->references.items[0], "id0@x.com");
	ck_assert_str_eq(m->references.items[1], "id301@x.com");
	ck_assert_str_eq(m->references.items[199], "id499@x.com");
	crk_message_free(&m);
	free(raw);
}
END_TEST

/* ---- addresses ---------------------------------------------------------- */

START_TEST(test_group_addresses)
{
	struct crk_message *m = crk_test_parse(
	    "From: a@x.com\n"
	    "To: undisclosed-recipients:;\n"
	    "Cc: Team: Ann <ann@acme.com>, ben@acme.com;, zed@acme.com\n"
	    "\n");

	ck_assert_uint_eq(m->to.count, 0);
	ck_assert_uint_eq(m->cc.count, 3);
	ck_assert_str_eq(m->cc.items[0].addr, "ann@acme.com");
	ck_assert_str_eq(m->cc.items[0].name, "Ann");
	ck_assert_str_eq(m->cc.items[1].addr, "ben@acme.com");
	ck_assert_str_eq(m->cc.items[2].addr, "zed@acme.com");
	crk_message_free(&m);
}
END_TEST

START_TEST(test_encoded_word_display_names)
{
	struct crk_message *m = crk_test_parse(
	    "From: =?utf-8?Q?J=C3=BCrgen_M=C3=BCller?= <JM@Example.DE>\n"
	    "To: =?iso-8859-1?B?UmVu6Q==?= <rene@acme.fr>\n"
	    "\n");

	ck_assert_str_eq(m->from.addr, "jm@example.de");
	ck_assert_str_eq(m->from.name, "J\xc3\xbcrgen M\xc3\xbcller");
	ck_assert_str_eq(m->to.items[0].name, "Ren\xc3\xa9");
	ck_assert(crk_addr_list_contains(&m->to, "<RENE@acme.fr>"));
	ck_assert(!crk_addr_list_contains(&m->to, "jm@example.de"));
	crk_message_free(&m);
}
END_TEST

START_TEST(test_broken_entry_does_not_lose_other_addresses)
{
	struct crk_message *m =
	    crk_test_parse("To: Jane <jane@acme.com>, broken<<<, bob@acme.com,,"
			   " Unclosed <carl@acme.com\n"
			   "\n");

	ck_assert(crk_addr_list_contains(&m->to, "jane@acme.com"));
	ck_assert(crk_addr_list_contains(&m->to, "bob@acme.com"));
	ck_assert(crk_addr_list_contains(&m->to, "carl@acme.com"));
	crk_message_free(&m);
}
END_TEST

START_TEST(test_empty_from_gives_usable_message)
{
	struct crk_message *m =
	    crk_test_parse("From:\nSubject: hi\nTo: <<<\n\n");

	ck_assert_ptr_null(m->from.addr);
	ck_assert_str_eq(m->subject, "hi");
	ck_assert_uint_eq(m->to.count, 0);
	crk_message_free(&m);
}
END_TEST

START_TEST(test_addr_list_helpers_copy_and_clear)
{
	struct crk_addr_list a = {0}, b = {0};

	crk_addr_list_add(&a, "Jane <JANE@acme.com>", "Jane");
	crk_addr_list_add(&a, "bob@acme.com", NULL);
	crk_addr_list_copy(&b, &a);
	crk_addr_list_clear(&a);
	ck_assert_uint_eq(a.count, 0);
	ck_assert_ptr_null(a.items);
	ck_assert_uint_eq(b.count, 2);
	ck_assert_str_eq(b.items[0].addr, "jane@acme.com");
	ck_assert_str_eq(b.items[0].name, "Jane");
	ck_assert(crk_addr_list_contains(&b, "BOB@acme.com"));
	ck_assert(!crk_addr_list_contains(&b, "carol@acme.com"));
	ck_assert(!crk_addr_list_contains(&b, NULL));
	crk_addr_list_clear(&b);
	crk_addr_list_clear(NULL);
}
END_TEST

/* ---- dates -------------------------------------------------------------- */

static const struct {
	const char *date;
	long want;
} date_cases[] = {
    {"Sun, 22 Nov 2026 10:00:00 +0100", 1795338000L},
    {"22 Nov 2026 10:00 -0500", 1795359600L},
    {"Sun, 22 Nov 2026 10:00:00 GMT", 1795341600L},
    {"Sun, 22 Nov 2026 10:00:00", 1795341600L},
    {"Sun, 22 Nov 26 10:00:00 +0000", 1795341600L},
    {"Fri, 31 Dec 99 23:59:59 -0000", 946684799L},
    {"Sun, 22 Nov 2026 10:00:00 CEST", 1795334400L},
    {"Sun, 22 Nov 2026 10:00:00 +0100 (CET)", 1795338000L},
    {"Mon,  1 Jun 2026 12:30:00 +0200", 1780309800L},
    {"2026-11-22 10:00:00", 1795341600L},
    {"2026-11-22T10:00:00+01:00", 1795338000L},
    {"Sun Nov 22 10:00:00 2026", 1795341600L},
    {"garbage", 0},
    {"", 0},
    {"Sun, 31 Feb 2026 10:00:00 +0000", 0},
    {"Sun, 22 Nov 2026 25:61:00 +0000", 0},
    {"Sun, 22 Nov 2026 10:00:00 +9999", 0},
};

START_TEST(test_dates_rfc5322_and_broken_forms)
{
	char *raw =
	    crk_xasprintf("From: a@x.com\nDate: %s\n\n", date_cases[_i].date);
	struct crk_message *m = crk_test_parse(raw);

	ck_assert_int_eq((long)m->date, date_cases[_i].want);
	crk_message_free(&m);
	free(raw);
}
END_TEST

/* ---- RFC 2047 and UTF-8 -------------------------------------------------- */

static const struct {
	const char *in;
	const char *want;
} decode_cases[] = {
    {"plain text", "plain text"},
    {"=?utf-8?Q?Caf=C3=A9_au_lait?=", "Caf\xc3\xa9 au lait"},
    {"=?UTF-8?q?Caf=c3=a9?=", "Caf\xc3\xa9"},
    {"=?utf-8?B?QW5nZWJvdA==?=", "Angebot"},
    {"=?utf-8?b?QW5nZWJvdA?=", "Angebot"},
    {"=?iso-8859-1?Q?M=FCller?=", "M\xc3\xbcller"},
    {"=?ISO-8859-1?B?TfxsbGVy?=", "M\xc3\xbcller"},
    {"=?windows-1252?Q?=80_100?=", "\xe2\x82\xac 100"},
    {"=?utf-8?Q?Caf=C3=A9?= =?utf-8?Q?_au?=\r\n =?utf-8?Q?_lait?=",
	"Caf\xc3\xa9 au lait"},
    {"=?utf-8?B?w4Q=?= and =?utf-8?B?w5Y=?=", "\xc3\x84 and \xc3\x96"},
    {"Re: =?utf-8?Q?Angebot?= f\xc3\xbcr", "Re: Angebot f\xc3\xbcr"},
    {"=?x-unknown?Q?abc_def?= tail", "abc def tail"},
    {"=?x-unknown?B?w4Q=?=", "\xc3\x84"},
    {"=?utf-8?B?!!!?=", ""},
    {"=?utf-8?Q?bad=FF=FEend?=", "bad" REPL REPL "end"},
    {"raw \xff\xfe bytes", "raw " REPL REPL " bytes"},
    {"=?utf-8?q?broken", "=?utf-8?q?broken"},
    {"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
    {"=?utf-8*de?Q?Hallo?=", "Hallo"},
    {"line\r\nbreak\x01here", "line  break here"},
    {"=?utf-8?Q?a=0D=0Ab?=", "a  b"},
    {"", ""},
};

START_TEST(test_mime_decode_header_table)
{
	char *got = crk_mime_decode_header(decode_cases[_i].in);

	ck_assert_str_eq(got, decode_cases[_i].want);
	ck_assert(utf8_valid(got));
	free(got);
}
END_TEST

START_TEST(test_mime_decode_header_of_null_is_empty)
{
	char *got = crk_mime_decode_header(NULL);

	ck_assert_str_eq(got, "");
	free(got);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	const char *want;
} sanitize_cases[] = {
    {"ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	"ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
    {"\xc0\x80", 2, REPL REPL},                   /* overlong NUL */
    {"\xed\xa0\x80", 3, REPL REPL REPL},          /* surrogate */
    {"\xf4\x90\x80\x80", 4, REPL REPL REPL REPL}, /* > U+10FFFF */
    {"\xe2\x82", 2, REPL REPL},                   /* truncated */
    {"a\tb\nc\rd\x7f", 8, "a\tb c d "},           /* C0 controls and DEL */
    {"a\0b", 3, "a b"},                           /* a NUL inside */
    {"\xc2\x85x", 3, " x"},                       /* C1 control */
};

START_TEST(test_utf8_sanitize_table)
{
	char *got =
	    crk_utf8_sanitize(sanitize_cases[_i].in, sanitize_cases[_i].len);

	ck_assert_str_eq(got, sanitize_cases[_i].want);
	free(got);
}
END_TEST

START_TEST(test_overlong_subject_is_capped_on_a_character)
{
	char *raw, *subject = malloc(6001);
	struct crk_message *m;
	int i;

	ck_assert_ptr_nonnull(subject);
	for (i = 0; i < 3000; i++)
		memcpy(subject + 2 * i, "\xc3\xa9", 2);
	subject[6000] = '\0';
	raw = crk_xasprintf("Subject: %s\n\n", subject);
	m = crk_test_parse(raw);
	ck_assert_uint_le(strlen(m->subject), 998 * 4);
	ck_assert_uint_ge(strlen(m->subject), 998 * 4 - 1);
	ck_assert(utf8_valid(m->subject));
	crk_message_free(&m);
	free(raw);
	free(subject);
}
END_TEST

START_TEST(test_subject_is_decoded_and_control_free)
{
	struct crk_message *m =
	    crk_test_parse("Subject: =?utf-8?Q?Angebot_f=C3=BCr?=\n"
			   "\t=?utf-8?Q?_M=C3=BCller?=\x01 GmbH\t\n\n");

	ck_assert_str_eq(m->subject, "Angebot f\xc3\xbcr M\xc3\xbcller  GmbH");
	crk_message_free(&m);
}
END_TEST

/* ---- signals ------------------------------------------------------------ */

START_TEST(test_auto_reply_and_list_signals)
{
	struct crk_message *m =
	    crk_test_parse("From: jane@acme.com\n"
			   "Auto-Submitted:  Auto-Replied (vacation)\n"
			   "Precedence: Bulk\n"
			   "X-Autoreply: yes\n"
			   "X-Autorespond: whatever\n"
			   "X-Auto-Response-Suppress: All\n"
			   "List-Id: Sales Team <Sales.ACME.com>\n"
			   "List-Unsubscribe: <mailto:leave@acme.com>\n"
			   "\n");
	struct crk_message *n = crk_test_parse(
	    "From: jane@acme.com\nX-Autoreply: No\nAuto-Submitted: no\n\n");

	ck_assert_str_eq(m->auto_submitted, "auto-replied (vacation)");
	ck_assert_str_eq(m->precedence, "bulk");
	ck_assert(m->x_autoreply);
	ck_assert(m->x_autorespond);
	ck_assert(m->auto_response_suppress);
	ck_assert_str_eq(m->list_id, "sales team <sales.acme.com>");
	ck_assert(m->list_unsubscribe);
	ck_assert(!n->x_autoreply);
	ck_assert_str_eq(n->auto_submitted, "no");
	ck_assert(!n->x_autorespond && !n->list_unsubscribe);
	crk_message_free(&m);
	crk_message_free(&n);
}
END_TEST

START_TEST(test_bounce_signals)
{
	struct crk_message *m = crk_test_parse(
	    "From: MAILER-DAEMON@mx.acme.com (Mail Delivery System)\n"
	    "Return-Path: <>\n"
	    "Content-Type: multipart/report; report-type=\"Delivery-Status\";\n"
	    "\tboundary=\"XyZ\"\n"
	    "X-Failed-Recipients: Jane@ACME.com, bob@acme.com,,junk\n"
	    "\n");
	struct crk_message *n = crk_test_parse(
	    "Return-Path: <Bounce@Lists.X.com>\nContent-Type: garbage\n\n");

	ck_assert_str_eq(m->from.addr, "mailer-daemon@mx.acme.com");
	ck_assert_str_eq(m->return_path, "");
	ck_assert_str_eq(m->content_type, "multipart/report");
	ck_assert_str_eq(m->report_type, "delivery-status");
	ck_assert_uint_eq(m->failed_recipients.count, 2);
	ck_assert_str_eq(m->failed_recipients.items[0], "jane@acme.com");
	ck_assert_str_eq(m->failed_recipients.items[1], "bob@acme.com");
	ck_assert_str_eq(n->return_path, "bounce@lists.x.com");
	ck_assert_ptr_null(n->report_type);
	crk_message_free(&m);
	crk_message_free(&n);
}
END_TEST

/* ---- garbage ------------------------------------------------------------ */

START_TEST(test_garbage_headers_give_usable_message)
{
	static const char *const lines[] = {
	    "From: (unterminated comment <a@x.com>",
	    "From: \"unterminated quote <a@x.com>",
	    "To: <<<",
	    "To: >>>,,,;;;:::",
	    "Date: ((((",
	    "Subject: =?=?=?",
	    "Content-Type: ;;;;=====",
	    "Content-Type: multipart/report; report-type=",
	    "Message-ID: <<<<>>>>",
	    "References: <<<",
	    "Return-Path: <<<",
	    "Precedence:",
	    "\x01\x02\x03: \xff\xfe",
	    "From jane@acme.com Sat Jan  3 01:05:34 1996",
	};
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(lines); i++) {
		char *raw =
		    crk_xasprintf("X-First: 1\n%s\nSubject: ok\n\n", lines[i]);
		struct crk_message *m = crk_test_parse(raw);

		ck_assert_msg(m->subject != NULL, "line %zu", i);
		crk_message_free(&m);
		free(raw);
	}
}
END_TEST

START_TEST(test_nul_bytes_and_huge_lines_do_not_break_parsing)
{
	static const char head[] = "From: a@x.com\nSubject: a\0b\n"
				   "X-Long: ";
	size_t hlen = sizeof(head) - 1, big = 100 * 1024, len;
	char *raw = malloc(hlen + big + 64);
	struct crk_message *m = NULL;

	ck_assert_ptr_nonnull(raw);
	memcpy(raw, head, hlen);
	memset(raw + hlen, 'x', big);
	len = hlen + big;
	memcpy(raw + len, "\nTo: b@x.com\nSubject: second\n\n", 30);
	len += 30;
	ck_assert_int_eq(crk_message_parse(raw, len, &m, NULL), CRK_OK);
	ck_assert_str_eq(m->subject, "a b");
	ck_assert_str_eq(m->to.items[0].addr, "b@x.com");
	crk_message_free(&m);

	/* a 100 KB subject and 100 KB of To */
	memcpy(raw, "Subject: ", 9);
	memset(raw + 9, 'y', big);
	memcpy(raw + 9 + big, "\nTo: ", 5);
	ck_assert_int_eq(crk_message_parse(raw, 9 + big + 5, &m, NULL), CRK_OK);
	ck_assert_uint_le(strlen(m->subject), 998 * 4);
	crk_message_free(&m);
	free(raw);
}
END_TEST

START_TEST(test_deeply_nested_comments_do_not_overflow_the_stack)
{
	static const char *const fields[] = {"To: ", "From: ", "Date: ",
	    "Content-Type: text/plain; a=", "Message-ID: "};
	size_t big = 1000 * 1000, i, len;
	char *raw = malloc(big + 200);
	struct crk_message *m = NULL;

	ck_assert_ptr_nonnull(raw);
	for (i = 0; i < CRK_N_ELEMENTS(fields); i++) {
		len = (size_t)sprintf(raw, "Subject: ok\n%s", fields[i]);
		memset(raw + len, '(', big);
		len += big;
		len += (size_t)sprintf(raw + len, " a@x.com\n\nbody\n");
		ck_assert_int_eq(crk_message_parse(raw, len, &m, NULL), CRK_OK);
		ck_assert_str_eq(m->subject, "ok");
		crk_message_free(&m);
		ck_assert_int_eq(
		    crk_message_parse_full(raw, len, &m, NULL), CRK_OK);
		crk_message_free(&m);
	}
	free(raw);
}
END_TEST

static uint32_t
fuzz_rand(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

START_TEST(test_mutated_headers_never_crash)
{
	static const char base[] =
	    "From: \"Jane Doe\" <jane@acme.com>\n"
	    "To: =?utf-8?Q?J=C3=BCrgen?= <j@x.de>, Team: a@b.com;\n"
	    "Cc: bob@acme.com (Bob)\n"
	    "Subject: =?utf-8?B?QW5nZWJvdA==?= Re: [EXT] offer\n"
	    "Date: Sun, 22 Nov 2026 10:00:00 +0100\n"
	    "Message-ID: <abc@x.com>\n"
	    "In-Reply-To: <def@x.com>\n"
	    "References: <a@x.com>\n <b@x.com>\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"b\"\n"
	    "Return-Path: <>\n"
	    "X-Failed-Recipients: a@b.com\n"
	    "\n"
	    "--b\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@b.com\nAction: failed\n\n--b--\n";
	static const char specials[] = "<>\"()\\:;,@=?\r\n\t \0\xff[]";
	size_t len = sizeof(base) - 1, first_nl = strchr(base, '\n') - base;
	uint32_t state = 42;
	char buf[sizeof(base)];
	int round, k;

	for (round = 0; round < 3000; round++) {
		struct crk_message *m = NULL;
		int edits = 1 + (int)(fuzz_rand(&state) % 12);

		memcpy(buf, base, len);
		for (k = 0; k < edits; k++) {
			size_t pos = first_nl + 1 +
			    fuzz_rand(&state) % (len - first_nl - 1);
			uint32_t r = fuzz_rand(&state);

			buf[pos] = (r & 1) != 0
			    ? specials[(r >> 1) % (sizeof(specials) - 1)]
			    : (char)(r >> 3);
		}
		ck_assert_int_eq(crk_message_parse(buf, len, &m, NULL), CRK_OK);
		ck_assert_ptr_nonnull(m);
		if (m->subject != NULL)
			ck_assert(utf8_valid(m->subject));
		crk_message_free(&m);
		ck_assert_int_eq(
		    crk_message_parse_full(buf, len, &m, NULL), CRK_OK);
		ck_assert_ptr_nonnull(m);
		crk_message_free(&m);
		/* random prefixes of the mutant too */
		k = (int)(fuzz_rand(&state) % len);
		if (crk_message_parse_full(buf, (size_t)k, &m, NULL) == CRK_OK)
			ck_assert_ptr_nonnull(m);
		else
			ck_assert_ptr_null(m);
		crk_message_free(&m);
	}
}
END_TEST

START_TEST(test_random_bytes_never_crash)
{
	uint32_t state = 7;
	char buf[512];
	int round;
	size_t i;

	for (round = 0; round < 2000; round++) {
		struct crk_message *m = NULL;
		enum crk_status st;

		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (char)(fuzz_rand(&state) >> 4);
		st = crk_message_parse(buf, sizeof(buf), &m, NULL);
		ck_assert(st == CRK_OK ? m != NULL : m == NULL);
		crk_message_free(&m);
		crk_message_parse_dsn(NULL, buf, sizeof(buf));
		m = crk_message_new();
		crk_message_parse_dsn(m, buf, sizeof(buf));
		crk_message_free(&m);
	}
}
END_TEST

/* ---- delivery reports --------------------------------------------------- */

static const char postfix_status[] =
    "Reporting-MTA: dns; mx.example.com\n"
    "X-Postfix-Queue-ID: 4ABC123\n"
    "Arrival-Date: Sun, 22 Nov 2026 10:00:00 +0100 (CET)\n"
    "\n"
    "Final-Recipient: rfc822; Jane.Doe@acme.com\n"
    "Original-Recipient: rfc822;jane.doe@acme.com\n"
    "Action: Failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.acme.com\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <Jane.Doe@acme.com>: user unknown\n"
    "\n"
    "Final-Recipient: rfc822; bob@acme.com\n"
    "Action: delayed\n"
    "Status: 4.4.1\n"
    "\n"
    "Final-Recipient: rfc822; carl@acme.com\n"
    "Original-Recipient: rfc822; sales@acme.com\n"
    "Status: 5.2.2\n";

static const char returned_headers[] =
    "Return-Path: <rep@example.com>\n"
    "From: Rep <rep@example.com>\n"
    "To: jane.doe@acme.com\n"
    "Subject: Proposal Q3\n"
    "Message-ID: <proposal-1@mail.example.com>\n"
    "\n";

START_TEST(test_dsn_postfix_recipient_groups)
{
	struct crk_message *m = crk_message_new();

	crk_message_parse_dsn(m, postfix_status, strlen(postfix_status));
	ck_assert_uint_eq(m->failed_recipients.count, 3);
	ck_assert_str_eq(m->failed_recipients.items[0], "jane.doe@acme.com");
	ck_assert_str_eq(m->failed_recipients.items[1], "carl@acme.com");
	ck_assert_str_eq(m->failed_recipients.items[2], "sales@acme.com");
	ck_assert_str_eq(m->dsn_action, "failed");
	ck_assert_ptr_null(m->dsn_message_id);
	crk_message_parse_dsn(m, returned_headers, strlen(returned_headers));
	ck_assert_str_eq(m->dsn_message_id, "proposal-1@mail.example.com");
	ck_assert_uint_eq(m->failed_recipients.count, 3);
	crk_message_free(&m);
}
END_TEST

START_TEST(test_dsn_with_thousands_of_recipients_is_capped)
{
	struct crk_message *m = crk_message_new();
	size_t cap = 5000 * 80, len = 0;
	char *part = malloc(cap);
	int i;

	ck_assert_ptr_nonnull(part);
	for (i = 0; i < 5000; i++)
		len += (size_t)snprintf(part + len, cap - len,
		    "Final-Recipient: rfc822; u%d@acme.com\n"
		    "Action: FAILED%s\n\n",
		    i, i == 0 ? "\xff" : "");
	crk_message_parse_dsn(m, part, len);
	ck_assert_uint_eq(m->failed_recipients.count, 1000);
	/* u0's Action is not "failed" once its bad byte is replaced */
	ck_assert_str_eq(m->failed_recipients.items[0], "u1@acme.com");
	ck_assert_str_eq(m->failed_recipients.items[999], "u1000@acme.com");
	ck_assert_str_eq(m->dsn_action, "failed" REPL);
	crk_message_free(&m);
	free(part);
}
END_TEST

START_TEST(test_dsn_delayed_only_is_not_a_failure)
{
	static const char part[] = "Reporting-MTA: dns; mx.example.com\r\n\r\n"
				   "Final-Recipient: rfc822; bob@acme.com\r\n"
				   "Action: delayed\r\n"
				   "Status: 4.4.1\r\n";
	struct crk_message *m = crk_message_new();

	crk_message_parse_dsn(m, part, strlen(part));
	ck_assert_uint_eq(m->failed_recipients.count, 0);
	ck_assert_str_eq(m->dsn_action, "delayed");
	crk_message_free(&m);
}
END_TEST

static const struct {
	const char *name;
	const char *text;
	const char *recipient;
	const char *message_id; /* NULL: none */
} prose_cases[] = {
    {"qmail",
	"Hi. This is the qmail-send program at mail.acme.com.\n"
	"I'm afraid I wasn't able to deliver your message to the "
	"following addresses.\n"
	"This is a permanent error; I've given up. Sorry it didn't work "
	"out.\n\n"
	"<jane@acme.com>:\n"
	"Sorry, no mailbox here by that name. (#5.1.1)\n\n"
	"--- Below this line is a copy of the message.\n\n"
	"Return-Path: <rep@example.com>\n"
	"Message-ID: <q1@example.com>\n"
	"Subject: Quote\n",
	"jane@acme.com", "q1@example.com"},
    {"exchange",
	"Delivery has failed to these recipients or groups:\n\n"
	"Jane Doe (jane@acme.com)<mailto:jane@acme.com>\n"
	"The e-mail address you entered couldn't be found.\n\n"
	"Diagnostic information for administrators:\n"
	"Generating server: EXCH01.acme.com\n"
	"Original-Message-ID: <ex1@example.com>\n",
	"jane@acme.com", "ex1@example.com"},
    {"exchange online",
	"Your message to jane@acme.com couldn't be delivered.\n"
	"jane wasn't found at acme.com.\n",
	"jane@acme.com", NULL},
    {"gmail",
	"** Address not found **\n\n"
	"Your message wasn't delivered to jane@acme.com because the "
	"address couldn't be found, or is unable to receive mail.\n",
	"jane@acme.com", NULL},
    {"exim",
	"This message was created automatically by mail delivery "
	"software.\n\n"
	"A message that you sent could not be delivered to one or more "
	"of its\nrecipients. This is a permanent error. The following "
	"address(es) failed:\n\n"
	"  jane@acme.com\n"
	"    SMTP error from remote mail server after RCPT TO:\n",
	"jane@acme.com", NULL},
    {"postfix prose",
	"This is the mail system at host mx.example.com.\n\n"
	"I'm sorry to have to inform you that your message could not\n"
	"be delivered to one or more recipients.\n\n"
	"<jane@acme.com>: host mx.acme.com[1.2.3.4] said: 550 5.1.1 "
	"unknown user\n",
	"jane@acme.com", NULL},
};

START_TEST(test_dsn_prose_bounces)
{
	struct crk_message *m = crk_message_new();

	crk_message_parse_dsn(
	    m, prose_cases[_i].text, strlen(prose_cases[_i].text));
	ck_assert_msg(m->failed_recipients.count == 1, "%s: %zu",
	    prose_cases[_i].name, m->failed_recipients.count);
	ck_assert_str_eq(
	    m->failed_recipients.items[0], prose_cases[_i].recipient);
	ck_assert_str_eq(m->dsn_action, "failed");
	if (prose_cases[_i].message_id == NULL)
		ck_assert_ptr_null(m->dsn_message_id);
	else
		ck_assert_str_eq(m->dsn_message_id, prose_cases[_i].message_id);
	crk_message_free(&m);
}
END_TEST

START_TEST(test_dsn_unusable_input_adds_nothing)
{
	static const char text[] = "Thanks for your mail, I am out of the "
				   "office until Monday.\nRegards, Jane\n";
	struct crk_message *m = crk_message_new();

	crk_message_parse_dsn(m, text, strlen(text));
	crk_message_parse_dsn(m, "", 0);
	crk_message_parse_dsn(m, NULL, 10);
	ck_assert_uint_eq(m->failed_recipients.count, 0);
	ck_assert_ptr_null(m->dsn_action);
	ck_assert_ptr_null(m->dsn_message_id);
	crk_message_free(&m);
}
END_TEST

/* ---- whole messages ------------------------------------------------------ */

START_TEST(test_full_outlook_mixed_with_pdf)
{
	struct crk_message *m = parse_full(
	    "From: Rep Smith <rep@example.com>\n"
	    "To: jane@acme.com\n"
	    "Subject: Proposal\n"
	    "Message-ID: <o1@example.com>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"_004_OUTLOOK_\"\n"
	    "\n"
	    "--_004_OUTLOOK_\n"
	    "Content-Type: text/plain; charset=\"windows-1252\"\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "Hi Jane,=0D=0Athe price is 100 =80 per seat.=\n"
	    " Best\n"
	    "\n"
	    "--_004_OUTLOOK_\n"
	    "Content-Type: application/pdf; name=\"ACME-proposal.pdf\"\n"
	    "Content-Description: ACME-proposal.pdf\n"
	    "Content-Disposition: attachment; filename=\"ACME-proposal.pdf\";"
	    " size=5\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "JVBERi0=\n"
	    "\n"
	    "--_004_OUTLOOK_--\n");

	ck_assert_str_eq(m->subject, "Proposal");
	ck_assert_str_eq(m->content_type, "multipart/mixed");
	ck_assert_uint_eq(m->attachments.count, 1);
	ck_assert_str_eq(m->attachments.items[0], "ACME-proposal.pdf");
	ck_assert_ptr_nonnull(m->body_text);
	ck_assert_str_eq(m->body_text,
	    "Hi Jane,\nthe price is 100 \xe2\x82\xac per seat. Best\n");
	crk_message_free(&m);
}
END_TEST

START_TEST(test_full_gmail_alternative_reply)
{
	struct crk_message *m = parse_full(
	    "From: Jane Doe <jane@acme.com>\n"
	    "To: rep@example.com\n"
	    "Subject: Re: Proposal\n"
	    "In-Reply-To: <o1@example.com>\n"
	    "References: <o1@example.com>\n"
	    "Content-Type: multipart/alternative; boundary=\"000000abc\"\n"
	    "\n"
	    "--000000abc\n"
	    "Content-Type: text/plain; charset=\"UTF-8\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "U291bmRzIGdvb2QsIGxldCdzIHRhbGsgb24gTW9uZGF5LiDinJMK\n"
	    "\n"
	    "--000000abc\n"
	    "Content-Type: text/html; charset=\"UTF-8\"\n"
	    "\n"
	    "<div>Sounds good</div>\n"
	    "--000000abc--\n");

	ck_assert_str_eq(m->in_reply_to, "o1@example.com");
	ck_assert_uint_eq(m->attachments.count, 0);
	ck_assert_str_eq(
	    m->body_text, "Sounds good, let's talk on Monday. \xe2\x9c\x93\n");
	crk_message_free(&m);
}
END_TEST

START_TEST(test_full_postfix_dsn)
{
	char *raw = crk_xasprintf(
	    "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\n"
	    "To: rep@example.com\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Auto-Submitted: auto-replied\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"4ABC123.1700000000/mx.example.com\"\n"
	    "\n"
	    "This is a MIME-encapsulated message.\n"
	    "\n"
	    "--4ABC123.1700000000/mx.example.com\n"
	    "Content-Description: Notification\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "This is the mail system at host mx.example.com.\n"
	    "\n"
	    "<jane.doe@acme.com>: host mx.acme.com said: 550 unknown\n"
	    "\n"
	    "--4ABC123.1700000000/mx.example.com\n"
	    "Content-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "%s\n"
	    "--4ABC123.1700000000/mx.example.com\n"
	    "Content-Description: Undelivered Message Headers\n"
	    "Content-Type: text/rfc822-headers\n"
	    "\n"
	    "%s"
	    "--4ABC123.1700000000/mx.example.com--\n",
	    postfix_status, returned_headers);
	struct crk_message *m = parse_full(raw);

	ck_assert_str_eq(m->report_type, "delivery-status");
	ck_assert_uint_eq(m->failed_recipients.count, 3);
	ck_assert_str_eq(m->failed_recipients.items[0], "jane.doe@acme.com");
	ck_assert_str_eq(m->dsn_action, "failed");
	ck_assert_str_eq(m->dsn_message_id, "proposal-1@mail.example.com");
	ck_assert_ptr_nonnull(m->body_text);
	ck_assert_ptr_nonnull(strstr(m->body_text, "This is the mail system"));
	ck_assert_uint_eq(m->attachments.count, 0);
	crk_message_free(&m);
	free(raw);
}
END_TEST

START_TEST(test_full_exchange_ndr_with_returned_message)
{
	struct crk_message *m = parse_full(
	    "From: postmaster@acme.onmicrosoft.com\n"
	    "To: rep@example.com\n"
	    "Subject: Undeliverable: Proposal\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"NDR_b\"\n"
	    "\n"
	    "--NDR_b\n"
	    "Content-Type: text/plain; charset=\"us-ascii\"\n"
	    "\n"
	    "Your message to jane@acme.com couldn't be delivered.\n"
	    "\n"
	    "--NDR_b\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "Reporting-MTA: dns;AM0PR01MB.eurprd01.prod.outlook.com\n"
	    "\n"
	    "Final-recipient: RFC822; jane@acme.com\n"
	    "Action: failed\n"
	    "Status: 5.1.10\n"
	    "\n"
	    "--NDR_b\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "From: Rep <rep@example.com>\n"
	    "To: jane@acme.com\n"
	    "Subject: Proposal\n"
	    "Message-ID: <AM0PR01@example.com>\n"
	    "Content-Type: multipart/mixed; boundary=\"inner\"\n"
	    "\n"
	    "--inner\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "Hi\n"
	    "--inner\n"
	    "Content-Type: application/pdf; name=\"quote.pdf\"\n"
	    "Content-Disposition: attachment; filename=\"quote.pdf\"\n"
	    "\n"
	    "xx\n"
	    "--inner--\n"
	    "\n"
	    "--NDR_b--\n");

	ck_assert_uint_eq(m->failed_recipients.count, 1);
	ck_assert_str_eq(m->failed_recipients.items[0], "jane@acme.com");
	ck_assert_str_eq(m->dsn_action, "failed");
	ck_assert_str_eq(m->dsn_message_id, "AM0PR01@example.com");
	/* the returned proposal's PDF is not the bounce's attachment */
	ck_assert_uint_eq(m->attachments.count, 0);
	crk_message_free(&m);
}
END_TEST

START_TEST(test_full_qmail_bounce_without_report_part)
{
	struct crk_message *m =
	    parse_full("From: MAILER-DAEMON@mail.acme.com\n"
		       "To: rep@example.com\n"
		       "Subject: failure notice\n"
		       "\n"
		       "Hi. This is the qmail-send program at mail.acme.com.\n"
		       "I'm afraid I wasn't able to deliver your message.\n\n"
		       "<jane@acme.com>:\n"
		       "Sorry, no mailbox here by that name.\n\n"
		       "--- Below this line is a copy of the message.\n\n"
		       "Message-ID: <q9@example.com>\n");

	ck_assert_uint_eq(m->failed_recipients.count, 1);
	ck_assert_str_eq(m->failed_recipients.items[0], "jane@acme.com");
	ck_assert_str_eq(m->dsn_message_id, "q9@example.com");
	crk_message_free(&m);
}
END_TEST

START_TEST(test_full_nested_forward_and_encoded_filenames)
{
	struct crk_message *m = parse_full(
	    "From: rep@example.com\n"
	    "To: boss@example.com\n"
	    "Subject: Fwd: Offer\n"
	    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
	    "\n"
	    "--outer\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "See below, Gr\xfc\xdf"
	    "e\n"
	    "--outer\n"
	    "Content-Type: image/png\n"
	    "Content-Disposition: inline; filename=\"logo.png\"\n"
	    "\n"
	    "png\n"
	    "--outer\n"
	    "Content-Type: application/pdf\n"
	    "Content-Disposition: attachment;\n"
	    " filename*0*=utf-8''Angebot%20f%C3%BCr;\n"
	    " filename*1=\" ACME.pdf\"\n"
	    "\n"
	    "pdf\n"
	    "--outer\n"
	    "Content-Type: application/vnd.ms-excel;\n"
	    " name=\"=?utf-8?B?UHJlaXNsaXN0ZS54bHM=?=\"\n"
	    "\n"
	    "xls\n"
	    "--outer\n"
	    "Content-Type: message/rfc822\n"
	    "Content-Disposition: attachment; filename=\"Offer.eml\"\n"
	    "\n"
	    "From: jane@acme.com\n"
	    "Subject: Offer\n"
	    "Content-Type: multipart/mixed; boundary=\"inner\"\n"
	    "\n"
	    "--inner\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "inner text\n"
	    "--inner\n"
	    "Content-Type: application/pdf\n"
	    "Content-Disposition: attachment;"
	    " filename*=iso-8859-1'de'Kosten%FCbersicht.pdf\n"
	    "\n"
	    "pdf\n"
	    "--inner--\n"
	    "\n"
	    "--outer--\n");

	ck_assert_str_eq(m->body_text,
	    "See below, Gr\xc3\xbc\xc3\x9f"
	    "e");
	ck_assert_uint_eq(m->attachments.count, 5);
	ck_assert_str_eq(m->attachments.items[0], "logo.png");
	ck_assert_str_eq(
	    m->attachments.items[1], "Angebot f\xc3\xbcr ACME.pdf");
	ck_assert_str_eq(m->attachments.items[2], "Preisliste.xls");
	ck_assert_str_eq(m->attachments.items[3], "Offer.eml");
	ck_assert_str_eq(m->attachments.items[4],
	    "Kosten\xc3\xbc"
	    "bersicht.pdf");
	crk_message_free(&m);
}
END_TEST

START_TEST(test_full_html_only_auto_reply_gives_text)
{
	struct crk_message *m = parse_full(
	    "From: Jane Doe <jane@acme.com>\n"
	    "Subject: Automatic reply: Proposal\n"
	    "Auto-Submitted: auto-replied\n"
	    "Content-Type: multipart/alternative; boundary=\"a\"\n"
	    "\n"
	    "--a\n"
	    "Content-Type: text/html; charset=\"iso-8859-1\"\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "<html><head><style>p {color:red}</style><!-- x<p> --></head>=\n"
	    "<body><p>I am out of the office until\n"
	    "  "
	    "30.11.2026.</"
	    "p><div>Gr=FC=DFe&nbsp;&amp;&#32;thanks&#x2014;Jane<br>"
	    "<script>var a = \"<p>\";</script>&bogus; 1 &lt; 2</div></body>=\n"
	    "</html>\n"
	    "--a--\n");

	ck_assert_ptr_nonnull(m->body_text);
	ck_assert_str_eq(m->body_text,
	    "I am out of the office until 30.11.2026.\n"
	    "Gr\xc3\xbc\xc3\x9f"
	    "e & thanks\xe2\x80\x94Jane\n"
	    "&bogus; 1 < 2\n");
	crk_message_free(&m);
}
END_TEST

START_TEST(test_full_body_unknown_charset_and_cap)
{
	size_t big = 100 * 1024;
	char *body = malloc(big + 1), *raw;
	struct crk_message *m;

	ck_assert_ptr_nonnull(body);
	memset(body, 'z', big);
	body[big] = '\0';
	raw = crk_xasprintf(
	    "From: a@x.com\n"
	    "Content-Type: text/plain; charset=x-no-such-charset\n\n"
	    "caf\xc3\xa9 %s\n",
	    body);
	m = parse_full(raw);
	ck_assert_ptr_nonnull(m->body_text);
	ck_assert_uint_eq(strlen(m->body_text), 64 * 1024);
	ck_assert(strncmp(m->body_text, "caf\xc3\xa9 zzz", 9) == 0);
	crk_message_free(&m);
	free(raw);
	free(body);
}
END_TEST

static const struct {
	const char *raw;
	const char *body;
} plain_cases[] = {
    /* no MIME header at all */
    {"From: a@x.com\n\nhello\r\nworld\n", "hello\nworld\n"},
    /* 8-bit without a charset: Windows-1252 */
    {"From: a@x.com\n\nGr\xfc\xdf"
     "e \x80\n",
	"Gr\xc3\xbc\xc3\x9f"
	"e \xe2\x82\xac\n"},
    /* valid UTF-8 without a charset stays */
    {"From: a@x.com\n\nGr\xc3\xbc\xc3\x9f"
     "e\n",
	"Gr\xc3\xbc\xc3\x9f"
	"e\n"},
    /* a declared charset wins; bad UTF-8 becomes U+FFFD */
    {"From: a@x.com\nContent-Type: text/plain; charset=utf-8\n\n"
     "a\xff\n",
	"a" REPL "\n"},
    /* base64 UTF-8 */
    {"From: a@x.com\nContent-Type: text/plain; charset=utf-8\n"
     "Content-Transfer-Encoding: base64\n\nw6k=\n",
	"\xc3\xa9"},
};

START_TEST(test_full_single_part_bodies)
{
	struct crk_message *m = parse_full(plain_cases[_i].raw);

	ck_assert_ptr_nonnull(m->body_text);
	ck_assert_str_eq(m->body_text, plain_cases[_i].body);
	crk_message_free(&m);
}
END_TEST

START_TEST(test_full_rejects_input_without_header)
{
	struct crk_message *m = (struct crk_message *)1;

	ck_assert_int_eq(
	    crk_message_parse_full("\n\nbody", 6, &m, NULL), CRK_E_PARSE);
	ck_assert_ptr_null(m);
}
END_TEST

static const struct {
	const char *data;
	const char *encoding;
	const char *charset;
	const char *expect;
} texts[] = {
    {"bis 20.11. nicht im B=FCro=\r\n da", "quoted-printable", "iso-8859-1",
	"bis 20.11. nicht im Büro da"},
    {"SGFsbG8gSsO8cmdlbg==", "base64", "utf-8", "Hallo Jürgen"},
    {"plain text", "7bit", NULL, "plain text"},
    {"line one\r\nline two\r\n", "7bit", NULL, "line one\nline two\n"},
    {"caf\xe9", "8bit", "windows-1252", "café"},
};

START_TEST(test_fetched_text_parts_are_decoded_to_utf8)
{
	char *s =
	    crk_message_decode_text(texts[_i].data, strlen(texts[_i].data),
		texts[_i].encoding, texts[_i].charset, false);

	ck_assert_str_eq(s, texts[_i].expect);
	free(s);
}
END_TEST

START_TEST(test_fetched_html_part_becomes_text)
{
	static const char html[] =
	    "<html><body><p>Je suis absente "
	    "jusqu&#39;au <b>27&nbsp;novembre</b>.</p></body></html>";
	char *s =
	    crk_message_decode_text(html, strlen(html), "7bit", "utf-8", true);

	ck_assert_ptr_nonnull(strstr(s, "jusqu'au 27 novembre"));
	ck_assert_ptr_null(strchr(s, '<'));
	free(s);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("message");
	TCase *tc;

	tc = tcase_create("header");
	tcase_add_test(tc, test_header_fields_are_parsed_with_lf);
	tcase_add_test(tc, test_header_fields_are_parsed_with_crlf);
	tcase_add_test(tc, test_folded_headers_are_unfolded);
	tcase_add_test(tc, test_duplicate_headers_first_wins);
	tcase_add_test(tc, test_missing_headers_leave_fields_empty);
	tcase_add_test(tc, test_mbox_from_line_and_bom_are_skipped);
	tcase_add_test(tc, test_header_parsing_stops_at_the_empty_line);
	CRK_TABLE_TEST(
	    tc, test_input_without_header_is_a_parse_error, no_header_inputs);
	CRK_TABLE_TEST(
	    tc, test_message_ids_with_and_without_brackets, id_cases);
	tcase_add_test(tc, test_references_skip_junk_between_ids);
	tcase_add_test(tc, test_long_references_keep_first_and_last);
	tcase_add_test(tc, test_group_addresses);
	tcase_add_test(tc, test_encoded_word_display_names);
	tcase_add_test(tc, test_broken_entry_does_not_lose_other_addresses);
	tcase_add_test(tc, test_empty_from_gives_usable_message);
	tcase_add_test(tc, test_addr_list_helpers_copy_and_clear);
	CRK_TABLE_TEST(tc, test_dates_rfc5322_and_broken_forms, date_cases);
	tcase_add_test(tc, test_auto_reply_and_list_signals);
	tcase_add_test(tc, test_bounce_signals);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	CRK_TABLE_TEST(tc, test_mime_decode_header_table, decode_cases);
	tcase_add_test(tc, test_mime_decode_header_of_null_is_empty);
	CRK_TABLE_TEST(tc, test_utf8_sanitize_table, sanitize_cases);
	tcase_add_test(tc, test_overlong_subject_is_capped_on_a_character);
	tcase_add_test(tc, test_subject_is_decoded_and_control_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("garbage");
	tcase_add_test(tc, test_garbage_headers_give_usable_message);
	tcase_add_test(tc, test_nul_bytes_and_huge_lines_do_not_break_parsing);
	tcase_add_test(
	    tc, test_deeply_nested_comments_do_not_overflow_the_stack);
	tcase_add_test(tc, test_mutated_headers_never_crash);
	tcase_add_test(tc, test_random_bytes_never_crash);
	suite_add_tcase(s, tc);

	tc = tcase_create("dsn");
	tcase_add_test(tc, test_dsn_postfix_recipient_groups);
	tcase_add_test(tc, test_dsn_with_thousands_of_recipients_is_capped);
	tcase_add_test(tc, test_dsn_delayed_only_is_not_a_failure);
	CRK_TABLE_TEST(tc, test_dsn_prose_bounces, prose_cases);
	tcase_add_test(tc, test_dsn_unusable_input_adds_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("mime");
	tcase_add_test(tc, test_full_outlook_mixed_with_pdf);
	tcase_add_test(tc, test_full_gmail_alternative_reply);
	tcase_add_test(tc, test_full_postfix_dsn);
	tcase_add_test(tc, test_full_exchange_ndr_with_returned_message);
	tcase_add_test(tc, test_full_qmail_bounce_without_report_part);
	tcase_add_test(tc, test_full_nested_forward_and_encoded_filenames);
	tcase_add_test(tc, test_full_html_only_auto_reply_gives_text);
	tcase_add_test(tc, test_full_body_unknown_charset_and_cap);
	CRK_TABLE_TEST(tc, test_full_single_part_bodies, plain_cases);
	tcase_add_test(tc, test_full_rejects_input_without_header);
	CRK_TABLE_TEST(tc, test_fetched_text_parts_are_decoded_to_utf8, texts);
	tcase_add_test(tc, test_fetched_html_part_becomes_text);
	suite_add_tcase(s, tc);
	return s;
}
