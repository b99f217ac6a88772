/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for core/ooo.c: return dates read from out-of-office replies. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "core/ooo.h"
#include "tests/check_common.h"

/* The host passes the parser straight to the engine. */
static crk_return_date_fn *const ooo_as_engine_parser = crk_ooo_return_date;

static time_t
received_at(const char *day)
{
	time_t t;

	ck_assert_int_eq(crk_time_parse(day, &t, NULL), CRK_OK);
	return t;
}

/* Received on Wednesday 2026-11-18 unless said otherwise; "want" is the
 * last day of absence, NULL when the text must be judged unclear. */
static const struct {
	const char *received;
	const char *text;
	const char *want;
} ooo_cases[] = {
    /* phrasings met by the IMAP sync tests, received 11 Nov 2026 */
    {"2026-11-11T07:02",
	"I am out of the office until 20 November 2026 with limited "
	"access",
	"2026-11-20"},
    {"2026-11-11T07:02", "Ich bin bis einschließlich 20.11.2026 nicht im Büro.",
	"2026-11-20"},
    {"2026-11-11T07:02", "Ich bin ab dem 23.11. wieder im Büro.", "2026-11-22"},
    {"2026-11-11T07:02", "I'm back on Monday, November 23rd.", "2026-11-22"},
    {"2026-11-11T07:02", "Je suis absente jusqu'au 27 novembre inclus.",
	"2026-11-27"},
    {"2026-11-11T07:02",
	"Estaré fuera de la oficina hasta el 30 de noviembre de 2026.",
	"2026-11-30"},
    {"2026-11-11T07:02", "Sono fuori ufficio fino al 4 dicembre.",
	"2026-12-04"},
    {"2026-11-11T07:02", "Ik ben afwezig tot en met 1 december.", "2026-12-01"},
    {"2026-11-11T07:02", "Out from 2026-11-12 to 2026-11-25, back after that.",
	"2026-11-25"},
    {"2026-11-11T07:02", "On leave until 1/5/2027.", "2027-05-01"},
    {"2026-11-11T07:02", "Away until 11/24/2026.", "2026-11-24"},
    {"2026-11-11T07:02",
	"Call me at 10.30 tomorrow or write to max@acme.example.", NULL},
    {"2026-11-11T07:02", "I am away and will answer when I am back.", NULL},
    {"2026-11-11T07:02", "Back in January.", NULL},
    {"2026-11-11T07:02", "Out until 5 January.", "2027-01-05"},
    {NULL, "I am out of the office until Monday, 30 November.", "2026-11-30"},
    {NULL, "I am away until 30 November 2026 with limited access.",
	"2026-11-30"},
    {NULL, "Out of office until Nov 30. For urgent matters call Bob.",
	"2026-11-30"},
    {NULL, "OUT OF OFFICE UNTIL 30 NOV", "2026-11-30"},
    {NULL, "I am travelling until November 30th, 2026.", "2026-11-30"},
    {NULL, "I will be back on 30/11/2026.", "2026-11-29"},
    {NULL, "Back on 11/30, thanks for your patience.", "2026-11-29"},
    {NULL, "Back on 1/12 and happy to help then.", "2026-11-30"},
    {NULL, "Dates here are US style (e.g. 11/30). I am out until 12/1.",
	"2026-12-01"},
    {NULL, "I'm returning 2026-11-30.", "2026-11-29"},
    {NULL, "Ich bin bis zum 30.11.2026 nicht im B\xc3\xbcro.", "2026-11-30"},
    {NULL, "Ich bin bis einschlie\xc3\x9flich 30.11. im Urlaub.", "2026-11-30"},
    {NULL, "Ab dem 1. Dezember wieder erreichbar.", "2026-11-30"},
    {NULL, "Ab dem 1. Dezember bin ich wieder f\xc3\xbcr Sie da.",
	"2026-11-30"},
    {NULL, "Ich bin vom 20.11. bis 30.11. nicht erreichbar.", "2026-11-30"},
    {NULL,
	"Zur\xc3\xbc"
	"ck am 30.11., bis dahin keine Mails.",
	"2026-11-29"},
    {NULL,
	"ZUR\xc3\x9c"
	"CK AM MONTAG, DEN 30. NOVEMBER",
	"2026-11-29"},
    {NULL,
	"Ich bin am 30.11. zur\xc3\xbc"
	"ck.",
	"2026-11-29"},
    {NULL, "Ich bin ab Montag, 30.11. wieder im B\xc3\xbcro.", "2026-11-29"},
    {NULL,
	"Ich bin bis zum 30.11. nicht im B\xc3\xbcro und ab dem 1.12. "
	"wieder erreichbar.",
	"2026-11-30"},
    {NULL, "I am out of the office from 20 November to 30 November.",
	"2026-11-30"},
    {NULL, "Out of office 20.11.2026 \xe2\x80\x93 30.11.2026", "2026-11-30"},
    {NULL, "Ich bin bis 3. M\xc3\xa4rz 2027 in Elternzeit.", "2027-03-03"},
    {"2026-12-20", "I am on holiday until 5 January.", "2027-01-05"},
    {"2026-12-20", "Back on 2 January, happy new year!", "2027-01-01"},
    {NULL, "I'm back on Monday.", "2026-11-22"},
    {NULL, "I am out until Friday.", "2026-11-20"},
    {"2026-11-20", "I am out until Friday.", "2026-11-27"},
    {NULL,
	"I am out until Friday 27 November and back in the office on "
	"Monday 30 November.",
	"2026-11-29"},
    {NULL, "I am out until December 1st. I'm back on December 2nd.",
	"2026-12-01"},
    {NULL,
	"I am out of the office until 30 November.\n\n"
	"> On 1 Nov you wrote:\n> I am away until 5 December\n",
	"2026-11-30"},
    {NULL,
	"Back on 1 December.\n-----Original Message-----\n"
	"From: rep@example.com\nSent: until 3 December\n",
	"2026-11-30"},
    {NULL,
	"Back Tuesday 1 December\n\nOn Mon, 16 Nov 2026, Rep "
	"wrote:\nCould we talk until 4 December?",
	"2026-11-30"},
    {NULL,
	"<p>I am out of the office&nbsp;until <b>30&nbsp;November</b>."
	"</p>",
	"2026-11-30"},
    {NULL,
	"<div>Back on Dec 1st</div><blockquote>until 10 Dec"
	"</blockquote>",
	"2026-11-30"},
    {NULL, "Ich bin bis zum 30.11. nicht im B&uuml;ro.", "2026-11-30"},
    {NULL,
	"Je suis absente jusqu\xe2\x80\x99"
	"au 30 novembre inclus.",
	"2026-11-30"},
    {NULL,
	"Je serai de retour le mardi 1er d\xc3\xa9"
	"cembre.",
	"2026-11-30"},
    {NULL, "Estoy fuera de la oficina hasta el 30 de noviembre.", "2026-11-30"},
    {NULL, "Estar\xc3\xa9 de vuelta el 1 de diciembre.", "2026-11-30"},
    {NULL, "Sono fuori ufficio fino al 30 novembre.", "2026-11-30"},
    {NULL, "Ik ben afwezig tot en met 30 november, terug op 1 december.",
	"2026-11-30"},
    {NULL,
	"Je suis absent jusqu'au 30 novembre.\n\nLe 16 nov. 2026, "
	"Rep a \xc3\xa9"
	"crit :\nEt le 10 d\xc3\xa9"
	"cembre ?",
	"2026-11-30"},
    {NULL, "Out of office 20-30 November, no access to mail.", "2026-11-30"},
    {NULL, "Je suis absent du 20 au 30 novembre.", "2026-11-30"},
    {NULL, "Ich bin vom 20. bis 30. November im Urlaub.", "2026-11-30"},
    /* unclear: nothing to act on */
    {NULL, "I am out until 25 November. Back on 10 December.", NULL},
    {NULL, "I was away until 2026-11-10 and am catching up.", NULL},
    {NULL, "I am on sabbatical until 30.11.2028.", NULL},
    {NULL,
	"Thank you for your message. I will answer as soon as "
	"possible.",
	NULL},
    {NULL, "Ab dem 20.11. bin ich im Urlaub.", NULL},
    {NULL, "Please note our new address from 1 December.", NULL},
    {NULL, "Our support is available 24/7.", NULL},
    {NULL, "I am out until 31.11.", NULL},
    {NULL, "", NULL},
};

START_TEST(test_return_dates_are_read_from_common_phrasings)
{
	const char *rcv = ooo_cases[_i].received;
	crk_day day = 42;
	char buf[16];
	bool ok;

	crk_test_set_tz("Europe/Berlin");
	ok = ooo_as_engine_parser(ooo_cases[_i].text,
	    received_at(rcv != NULL ? rcv : "2026-11-18"), &day);
	if (ooo_cases[_i].want == NULL) {
		ck_assert_msg(!ok, "\"%s\": want unclear, got %s",
		    ooo_cases[_i].text, ok ? crk_day_format(day, buf) : "");
		ck_assert_int_eq(day, 42);
		return;
	}
	ck_assert_msg(ok, "\"%s\": no date found", ooo_cases[_i].text);
	ck_assert_str_eq(crk_day_format(day, buf), ooo_cases[_i].want);
}
END_TEST

/* Real auto-replies from the fixtures, through the MIME parser (quoted-
 * printable, Latin-1) as the sync would see them. */
static const struct {
	const char *file;
	const char *want;
} fixture_cases[] = {
    {"german-ooo.eml", "2026-11-20"},
    {"exchange-ooo.eml", "2026-11-20"},
};

START_TEST(test_fixture_auto_replies_give_their_return_date)
{
	struct crk_message *msg = NULL;
	char *path, *raw, buf[16];
	size_t len;
	crk_day day;

	crk_test_set_tz("Europe/Berlin");
	path = crk_xasprintf(
	    "%s/tests/data/mail/%s", crk_test_srcdir(), fixture_cases[_i].file);
	raw = crk_test_read_file(path, &len);
	ck_assert_msg(raw != NULL, "cannot read %s", path);
	ck_assert_int_eq(crk_message_parse_full(raw, len, &msg, NULL), CRK_OK);
	ck_assert_ptr_nonnull(msg->body_text);
	ck_assert(crk_ooo_return_date(msg->body_text, msg->date, &day));
	ck_assert_str_eq(crk_day_format(day, buf), fixture_cases[_i].want);
	crk_message_free(&msg);
	free(raw);
	free(path);
}
END_TEST

START_TEST(test_null_text_has_no_return_date)
{
	crk_day day = 7;

	ck_assert(!crk_ooo_return_date(NULL, 0, &day));
	ck_assert_int_eq(day, 7);
}
END_TEST

START_TEST(test_only_the_first_16k_of_a_long_text_are_read)
{
	size_t pad = 20000, n;
	char *text, buf[16];
	crk_day day;

	crk_test_set_tz("Europe/Berlin");
	text = crk_xmalloc(pad + 64);
	memset(text, 'x', pad);
	for (n = 80; n < pad; n += 80)
		text[n] = ' ';
	strcpy(text + pad, " until 30 November");
	ck_assert(!crk_ooo_return_date(text, received_at("2026-11-18"), &day));
	memcpy(text, "until 30 November ", 18);
	ck_assert(crk_ooo_return_date(text, received_at("2026-11-18"), &day));
	ck_assert_str_eq(crk_day_format(day, buf), "2026-11-30");
	free(text);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("ooo");
	TCase *tc = tcase_create("ooo");

	CRK_TABLE_TEST(
	    tc, test_return_dates_are_read_from_common_phrasings, ooo_cases);
	CRK_TABLE_TEST(tc, test_fixture_auto_replies_give_their_return_date,
	    fixture_cases);
	tcase_add_test(tc, test_null_text_has_no_return_date);
	tcase_add_test(tc, test_only_the_first_16k_of_a_long_text_are_read);
	suite_add_tcase(s, tc);
	return s;
}
