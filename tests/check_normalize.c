/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for address and subject normalisation (core/normalize.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/normalize.h"
#include "tests/check_common.h"

static const struct {
	const char *in;
	const char *want;
} subject_cases[] = {
    {"Proposal Q3 rollout", "proposal q3 rollout"},
    {"Re: Proposal", "proposal"},
    {"RE: Proposal", "proposal"},
    {"re : Proposal", "proposal"},
    {"Aw: Angebot", "angebot"},
    {"AW: Angebot", "angebot"},
    {"SV: Offert", "offert"},
    {"VS: Tarjous", "tarjous"},
    {"Fwd: Quote", "quote"},
    {"FWD: Quote", "quote"},
    {"Fw: Quote", "quote"},
    {"WG: Angebot", "angebot"},
    {"TR: Devis", "devis"},
    {"RV: Presupuesto", "presupuesto"},
    {"Antw: Offerte", "offerte"},
    {"Odp: Oferta", "oferta"},
    {"Re[2]: Quote", "quote"},
    {"Re^2: Quote", "quote"},
    {"Re (3): Quote", "quote"},
    {"Re: Re: AW: Quote", "quote"},
    {"Re:Re:Fwd:Quote", "quote"},
    {"[EXT] Re: [sales] Quote", "quote"},
    {"Re: [EXT] Fwd: Quote", "quote"},
    {"Quote for ACME (fwd)", "quote for acme"},
    {"Fwd: Quote (FWD) (fwd)", "quote"},
    {"Re\xef\xbc\x9a Quote", "quote"},
    {"\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9a Quote", "quote"},
    {"  Re:\tQuote \t for   ACME  ", "quote for acme"},
    {"Quote\r\n for ACME", "quote for acme"},
    {"EXT: Re: Quote", "quote"},
    {"External: RE: Quote", "quote"},
    {"Extension: 12 seats", "extension: 12 seats"},
    {"Result of the pilot", "result of the pilot"},
    {"Review: contract", "review: contract"},
    {"Trade-in offer", "trade-in offer"},
    {"Tr: Trade-in offer", "trade-in offer"},
    {"Re: Review: contract", "review: contract"},
    {"Reply needed", "reply needed"},
    {"Angebot f\xc3\xbcr M\xc3\xbcLLER", "angebot f\xc3\xbcr m\xc3\xbcller"},
    {"[sales]", "[sales]"},
    {"Re:", ""},
    {"", ""},
    {"R&D: budget", "r&d: budget"},
    {"Re: Quote: final", "quote: final"},
    {"Re[x]: Quote", "re[x]: quote"},
};

START_TEST(test_subject_normalize_strips_prefixes_tags_and_case)
{
	char *got = crk_subject_normalize(subject_cases[_i].in);

	ck_assert_str_eq(got, subject_cases[_i].want);
	free(got);
}
END_TEST

START_TEST(test_subject_normalize_of_null_is_empty)
{
	char *got = crk_subject_normalize(NULL);

	ck_assert_str_eq(got, "");
	free(got);
}
END_TEST

START_TEST(test_subject_normalize_reply_matches_original)
{
	char *a = crk_subject_normalize("Proposal: ACME  rollout");
	char *b = crk_subject_normalize("AW: [EXT] RE: proposal: acme rollout");

	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

static const struct {
	const char *in;
	const char *want;
} reply_cases[] = {
    {"Proposal", "Re: Proposal"},
    {"Re: Proposal", "Re: Proposal"},
    {"RE: Proposal", "Re: Proposal"},
    {"AW: Angebot", "Re: Angebot"},
    {"Re: AW: Re[2]: Angebot", "Re: Angebot"},
    {"Fwd: Offer", "Re: Fwd: Offer"},
    {"Review of the Offer", "Re: Review of the Offer"},
    {"  Quote \r\n for ACME ", "Re: Quote for ACME"},
    {"", "Re: "},
    {"Re:", "Re: "},
};

START_TEST(test_subject_reply_adds_one_prefix)
{
	char *got = crk_subject_reply(reply_cases[_i].in);

	ck_assert_str_eq(got, reply_cases[_i].want);
	free(got);
}
END_TEST

START_TEST(test_subject_reply_of_null_is_bare_prefix)
{
	char *got = crk_subject_reply(NULL);

	ck_assert_str_eq(got, "Re: ");
	free(got);
}
END_TEST

static const struct {
	const char *in;
	const char *want; /* NULL: rejected */
} addr_cases[] = {
    {"jane@acme.com", "jane@acme.com"},
    {"<Jane.Doe@ACME.com>", "jane.doe@acme.com"},
    {"Jane Doe <Jane.Doe@ACME.com>", "jane.doe@acme.com"},
    {"mailto:x@y.org", "x@y.org"},
    {"MAILTO:X@Y.ORG?subject=hi", "x@y.org"},
    {"<mailto:x@y.org>", "x@y.org"},
    {"  jane @ acme.com  ", "jane@acme.com"},
    {"jane+tag@sub.acme.co.uk", "jane+tag@sub.acme.co.uk"},
    {"root@localhost", "root@localhost"},
    {"jane@acme.com.", "jane@acme.com"},
    {"j\xc3\xbcrgen@m\xc3\xbcller.de", "j\xc3\xbcrgen@m\xc3\xbcller.de"},
    {"", NULL},
    {"jane", NULL},
    {"@acme.com", NULL},
    {"jane@", NULL},
    {"jane@acme", NULL},
    {"jane@@acme.com", NULL},
    {"a@b@acme.com", NULL},
    {"jane@acme..com", NULL},
    {"jane@.acme.com", NULL},
    {"jane@acme.com>garbage<", NULL},
    {"<>", NULL},
    {"undisclosed-recipients:;", NULL},
    {"jane,bob@acme.com", NULL},
    {"jane@ac(me).com", "jane@ac.com"}, /* CFWS, RFC 5322 3.2.2 */
    {"MAILER-DAEMON@mx.acme.com (Mail Delivery System)",
	"mailer-daemon@mx.acme.com"},
    {"(nested (comment)) jane@acme.com", "jane@acme.com"},
    {"jane@acme.com (unclosed", NULL},
    {"jane@acme.com)", NULL},
    {"jane.@acme.com", NULL},
};

START_TEST(test_addr_normalize_table)
{
	char *got = crk_addr_normalize(addr_cases[_i].in);

	if (addr_cases[_i].want == NULL)
		ck_assert_msg(
		    got == NULL, "'%s' gave '%s'", addr_cases[_i].in, got);
	else
		ck_assert_str_eq(got, addr_cases[_i].want);
	free(got);
}
END_TEST

START_TEST(test_addr_normalize_rejects_null_and_overlong)
{
	char buf[2048];

	ck_assert_ptr_null(crk_addr_normalize(NULL));
	memset(buf, 'a', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	buf[1000] = '@';
	buf[1010] = '.';
	ck_assert_ptr_null(crk_addr_normalize(buf));
}
END_TEST

START_TEST(test_addr_domain_returns_part_after_at)
{
	ck_assert_str_eq(crk_addr_domain("jane@acme.com"), "acme.com");
	ck_assert_ptr_null(crk_addr_domain("jane"));
	ck_assert_ptr_null(crk_addr_domain(NULL));
}
END_TEST

static const struct {
	const char *domain;
	bool want;
} domain_cases[] = {
    {"example.com", true},
    {"EXAMPLE.com", true},
    {"sales.example.com", true},
    {"a.b.example.com", true},
    {"corp.internal", true},
    {"badexample.com", false},
    {"example.com.evil.org", false},
    {"example.org", false},
    {"com", false},
    {"", false},
};

START_TEST(test_domain_matches_domain_and_subdomains)
{
	struct crk_strv domains = {0};

	crk_strv_add(&domains, "example.com");
	crk_strv_add(&domains, "@corp.internal");
	ck_assert_int_eq(crk_domain_matches(domain_cases[_i].domain, &domains),
	    domain_cases[_i].want);
	crk_strv_clear(&domains);
}
END_TEST

START_TEST(test_domain_matches_nothing_for_null_or_empty_list)
{
	struct crk_strv domains = {0};

	ck_assert(!crk_domain_matches("example.com", &domains));
	ck_assert(!crk_domain_matches(NULL, &domains));
	ck_assert(!crk_domain_matches("example.com", NULL));
}
END_TEST

static const struct {
	const char *addr;
	bool noreply;
	bool daemon;
} sender_cases[] = {
    {"noreply@acme.com", true, false},
    {"no-reply@acme.com", true, false},
    {"No_Reply@acme.com", true, false},
    {"donotreply@acme.com", true, false},
    {"do-not-reply@acme.com", true, false},
    {"calendar-noreply@google.com", true, false},
    {"noreply+abc@github.com", true, false},
    {"MAILER-DAEMON@mx.acme.com", true, true},
    {"mailer-daemon@googlemail.com", true, true},
    {"postmaster@acme.com", true, true},
    {"bounces+1234@sendgrid.net", true, false},
    {"bounce@acme.com", true, false},
    {"notifications@github.com", true, false},
    {"Mail Delivery System <MAILER-DAEMON@acme.com>", true, true},
    {"Mail Delivery Subsystem", false, true},
    {"sales-bounces+jane=acme.com@lists.example.org", true, false},
    {"msprvs1=19abc=bounces-4242@srs.example.com", true, false},
    {"jane@acme.com", false, false},
    {"nora@acme.com", false, false},
    {"bouncer.bob@acme.com", false, false},
    {"postman@acme.com", false, false},
    {"daemonica@acme.com", false, false},
    {"", false, false},
};

START_TEST(test_noreply_and_mailer_daemon_senders)
{
	const char *addr = sender_cases[_i].addr;

	ck_assert_msg(crk_addr_is_noreply(addr) == sender_cases[_i].noreply,
	    "noreply(%s)", addr);
	ck_assert_msg(
	    crk_addr_is_mailer_daemon(addr) == sender_cases[_i].daemon,
	    "mailer_daemon(%s)", addr);
}
END_TEST

START_TEST(test_sender_checks_accept_null)
{
	ck_assert(!crk_addr_is_noreply(NULL));
	ck_assert(!crk_addr_is_mailer_daemon(NULL));
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("normalize");
	TCase *tc;

	tc = tcase_create("subject");
	CRK_TABLE_TEST(tc, test_subject_normalize_strips_prefixes_tags_and_case,
	    subject_cases);
	tcase_add_test(tc, test_subject_normalize_of_null_is_empty);
	tcase_add_test(tc, test_subject_normalize_reply_matches_original);
	CRK_TABLE_TEST(tc, test_subject_reply_adds_one_prefix, reply_cases);
	tcase_add_test(tc, test_subject_reply_of_null_is_bare_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("address");
	CRK_TABLE_TEST(tc, test_addr_normalize_table, addr_cases);
	tcase_add_test(tc, test_addr_normalize_rejects_null_and_overlong);
	tcase_add_test(tc, test_addr_domain_returns_part_after_at);
	CRK_TABLE_TEST(
	    tc, test_domain_matches_domain_and_subdomains, domain_cases);
	tcase_add_test(tc, test_domain_matches_nothing_for_null_or_empty_list);
	CRK_TABLE_TEST(
	    tc, test_noreply_and_mailer_daemon_senders, sender_cases);
	tcase_add_test(tc, test_sender_checks_accept_null);
	suite_add_tcase(s, tc);
	return s;
}
