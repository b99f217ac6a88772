/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the classifier: proposals, reasons, prospects, kinds. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "core/message.h"
#include "tests/check_common.h"

/* The rep of every test: two identities, one internal domain. */
static struct crk_rules rules;

static void
setup_rules(void)
{
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "rep@example.com");
	crk_strv_add(&rules.identities, "r.smith@example.com");
	crk_strv_add(&rules.internal_domains, "example.com");
}

static void
teardown_rules(void)
{
	crk_rules_clear(&rules);
}

/* A message described in one line of a table.  Address and name lists
 * are comma separated. */
struct spec {
	const char *from;
	const char *to;
	const char *cc;
	const char *subject;
	const char *attachments;
	const char *keywords;
	const char *auto_submitted;
	const char *precedence;
	bool x_autoreply;
	bool x_autorespond;
	const char *list_id;
	bool list_unsubscribe;
	const char *content_type;
	const char *report_type;
	const char *return_path;
	const char *failed_recipients;
};

static void
add_addrs(struct crk_addr_list *list, const char *addrs)
{
	struct crk_strv v = {0};
	size_t i;

	crk_strv_split(&v, addrs, ",");
	for (i = 0; i < v.count; i++)
		crk_addr_list_add(list, v.items[i], NULL);
	crk_strv_clear(&v);
}

static struct crk_message *
build(const struct spec *s)
{
	struct crk_message *msg = crk_message_new();

	msg->from.addr = crk_xstrdup(s->from);
	add_addrs(&msg->to, s->to);
	add_addrs(&msg->cc, s->cc);
	msg->subject = crk_xstrdup(s->subject);
	/* Attachment names may hold commas of their own: split at '|'. */
	crk_strv_split(&msg->attachments, s->attachments, "|");
	crk_strv_split(&msg->keywords, s->keywords, ", ");
	msg->auto_submitted = crk_xstrdup(s->auto_submitted);
	msg->precedence = crk_xstrdup(s->precedence);
	msg->x_autoreply = s->x_autoreply;
	msg->x_autorespond = s->x_autorespond;
	msg->list_id = crk_xstrdup(s->list_id);
	msg->list_unsubscribe = s->list_unsubscribe;
	msg->content_type = crk_xstrdup(s->content_type);
	msg->report_type = crk_xstrdup(s->report_type);
	msg->return_path = crk_xstrdup(s->return_path);
	crk_strv_split(&msg->failed_recipients, s->failed_recipients, ",");
	return msg;
}

/* ---- proposal words ---------------------------------------------------- */

/* The rep writes to one prospect; only subject and attachments vary. */
static const struct word_case {
	const char *subject;
	const char *attachments;
	enum crk_verdict verdict;
	const char *reason;
} word_cases[] = {
    {"Documents", "ACME-proposal.pdf", CRK_VERDICT_YES,
	"attachment 'ACME-proposal.pdf'"},
    {"Documents", "Q3_Quote_v2.pdf", CRK_VERDICT_YES,
	"attachment 'Q3_Quote_v2.pdf'"},
    {"Your quote", NULL, CRK_VERDICT_YES, "subject contains 'quote'"},
    {"QUOTES for the rollout", NULL, CRK_VERDICT_YES,
	"subject contains 'quote'"},
    {"Q3 rollout", "ACME-proposal.pdf", CRK_VERDICT_YES,
	"attachment 'ACME-proposal.pdf'"},
    {"Proposal Q3", "ACME-proposal.pdf", CRK_VERDICT_YES,
	"attachment 'ACME-proposal.pdf'; subject contains 'proposal'"},
    {"Bid for the tender", NULL, CRK_VERDICT_YES,
	"subject contains 'tender', 'bid'"},
    /* "offering" is a product line, not an offer: whole words only */
    {"Our new offering", NULL, CRK_VERDICT_NO, "no proposal word"},
    {"Special offers", NULL, CRK_VERDICT_YES, "subject contains 'offer'"},
    {"Forbidden fruit", NULL, CRK_VERDICT_NO, "no proposal word"},
    {"Estimates, as promised", NULL, CRK_VERDICT_YES,
	"subject contains 'estimate'"},
    {"SOW attached", NULL, CRK_VERDICT_YES, "subject contains 'sow'"},
    {"the sow for phase 2", NULL, CRK_VERDICT_YES, "subject contains 'sow'"},
    {"Sowing season", NULL, CRK_VERDICT_NO, "no proposal word"},
    {"Statement  of Work", NULL, CRK_VERDICT_YES,
	"subject contains 'statement of work'"},
    {"Files", "Price-List_2025.xlsx", CRK_VERDICT_YES,
	"attachment 'Price-List_2025.xlsx'"},
    {"Files", "AcmePriceList.xlsx", CRK_VERDICT_YES,
	"attachment 'AcmePriceList.xlsx'"},
    {"Files", "ACMEProposal.pdf", CRK_VERDICT_YES,
	"attachment 'ACMEProposal.pdf'"},
    {"Files", "Proposal2025.pdf", CRK_VERDICT_YES,
	"attachment 'Proposal2025.pdf'"},
    {"Our RFP response", NULL, CRK_VERDICT_YES,
	"subject contains 'rfp response'"},
    {"Your RFP", NULL, CRK_VERDICT_NO, "no proposal word"},
    {"Signed", "Agreement_signed.pdf|photo.jpg", CRK_VERDICT_YES,
	"attachment 'Agreement_signed.pdf'"},
    {"Lunch on Friday?", "menu.pdf", CRK_VERDICT_NO, "no proposal word"},
    {"Ihr Angebot", NULL, CRK_VERDICT_YES, "subject contains 'angebot'"},
    {"Angebotsanfrage", NULL, CRK_VERDICT_NO, "no proposal word"},
    {"Unterlagen", "Kostenvoranschlag.pdf", CRK_VERDICT_YES,
	"attachment 'Kostenvoranschlag.pdf'"},
    /* an en dash (U+2013) separates words */
    {"ANGEBOT\342\200\223ACME", NULL, CRK_VERDICT_YES,
	"subject contains 'angebot'"},
    {"Devis pour ACME", NULL, CRK_VERDICT_YES, "subject contains 'devis'"},
    {"Documents", "Cotizaci\xc3\xb3n ACME.pdf", CRK_VERDICT_YES,
	"attachment 'Cotizaci\xc3\xb3n ACME.pdf'"},
    {"Propuesta", NULL, CRK_VERDICT_YES, "subject contains 'propuesta'"},
    {"Offerte website", NULL, CRK_VERDICT_YES, "subject contains 'offerte'"},
    {"Preventivo", NULL, CRK_VERDICT_YES, "subject contains 'preventivo'"},
    {"Tilbud p\xc3\xa5 nettside", NULL, CRK_VERDICT_YES,
	"subject contains 'tilbud'"},
    {"Anbud", NULL, CRK_VERDICT_YES, "subject contains 'anbud'"},
    /* a non-ASCII letter is part of the word */
    {"Offre\xc3\xa9", NULL, CRK_VERDICT_NO, "no proposal word"},
    {NULL, NULL, CRK_VERDICT_NO, "no proposal word"},
};

START_TEST(test_proposal_words_match_whole_words_in_subject_and_names)
{
	const struct word_case *c = &word_cases[_i];
	struct spec s = {.from = "rep@example.com",
	    .to = "jane@acme.com",
	    .subject = c->subject,
	    .attachments = c->attachments};
	struct crk_message *msg = build(&s);
	char *reason = NULL;
	enum crk_verdict v;

	v = crk_classify_proposal(&rules, msg, &reason);
	ck_assert_msg(v == c->verdict, "'%s' / '%s': verdict %d, want %d (%s)",
	    c->subject, c->attachments, v, c->verdict, reason);
	ck_assert_str_eq(reason, c->reason);
	free(reason);
	crk_message_free(&msg);
}
END_TEST

/* Hostile names and subjects: bad UTF-8, control characters, huge. */
START_TEST(test_hostile_names_give_clean_reasons)
{
	struct spec s = {.from = "rep@example.com",
	    .to = "jane@acme.com",
	    .subject = "\xff\xfe quote\xe2\x80",
	    .attachments = "evil\r\nX-Header: proposal.pdf"};
	struct crk_message *msg = build(&s);
	char *reason = NULL, *long_name, *p;
	size_t i;

	ck_assert_int_eq(
	    crk_classify_proposal(&rules, msg, &reason), CRK_VERDICT_YES);
	ck_assert_str_eq(reason,
	    "attachment 'evil  X-Header: proposal.pdf'; "
	    "subject contains 'quote'");
	free(reason);
	crk_message_free(&msg);

	/* "x", 200 two-byte characters, then the word: the reason quotes
	 * the name cut between characters (119 bytes, not 120) */
	long_name = crk_xmalloc(1 + 200 * 2 + sizeof(" offer.pdf"));
	p = long_name;
	*p++ = 'x';
	for (i = 0; i < 200; i++) {
		*p++ = '\xc3';
		*p++ = '\xa9';
	}
	strcpy(p, " offer.pdf");
	s.subject = "Files";
	s.attachments = long_name;
	msg = build(&s);
	ck_assert_int_eq(
	    crk_classify_proposal(&rules, msg, &reason), CRK_VERDICT_YES);
	ck_assert_uint_eq(strlen(reason), strlen("attachment '...'") + 119);
	ck_assert_str_eq(reason + strlen(reason) - 4, "...'");
	ck_assert_int_eq(
	    strncmp(reason + strlen("attachment '"), long_name, 119), 0);
	free(reason);
	free(long_name);
	crk_message_free(&msg);
}
END_TEST

/* ---- proposal verdicts beyond words ------------------------------------ */

static const struct verdict_case {
	struct spec msg;
	enum crk_verdict verdict;
	const char *reason;
} verdict_cases[] = {
    {{.from = "jane@acme.com", .to = "rep@example.com", .subject = "Proposal"},
	CRK_VERDICT_NO, "not sent by you"},
    {{.from = NULL, .to = "jane@acme.com", .subject = "Proposal"},
	CRK_VERDICT_NO, "not sent by you"},
    {{.from = "Rep@Example.COM", .to = "jane@acme.com", .subject = "Proposal"},
	CRK_VERDICT_YES, "subject contains 'proposal'"},
    {{.from = "rep@example.com",
	 .to = "bob@example.com",
	 .cc = "ann@sales.example.com",
	 .subject = "Proposal"},
	CRK_VERDICT_NO, "internal recipients only"},
    {{.from = "rep@example.com",
	 .to = "bob@example.com",
	 .cc = "jane@acme.com",
	 .subject = "Proposal"},
	CRK_VERDICT_YES, "subject contains 'proposal'"},
    {{.from = "rep@example.com",
	 .to = "noreply@acme.com",
	 .subject = "Proposal"},
	CRK_VERDICT_NO, "sent to a no-reply address"},
    {{.from = "rep@example.com",
	 .to = "bob@example.com,"
	       "do-not-reply@tenders.gov",
	 .subject = "Tender"},
	CRK_VERDICT_NO, "sent to a no-reply address"},
    {{.from = "rep@example.com",
	 .to = "noreply@acme.com,jane@acme.com",
	 .subject = "Proposal"},
	CRK_VERDICT_YES, "subject contains 'proposal'"},
    {{.from = "rep@example.com",
	 .to = "r.smith@example.com",
	 .subject = "Proposal draft"},
	CRK_VERDICT_NO, "sent to yourself"},
    {{.from = "rep@example.com",
	 .to = "rep@example.com",
	 .cc = "jane@acme.com",
	 .subject = "Proposal"},
	CRK_VERDICT_YES, "subject contains 'proposal'"},
    {{.from = "rep@example.com",
	 .to = "sales-list@lists.acme.org",
	 .subject = "Proposal",
	 .list_id = "<sales.lists.acme.org>"},
	CRK_VERDICT_NO, "sent to a mailing list"},
    {{.from = "rep@example.com",
	 .to = "jane@acme.com",
	 .subject = "Our offer",
	 .precedence = "bulk"},
	CRK_VERDICT_NO, "sent as bulk mail"},
    {{.from = "rep@example.com", .subject = "Proposal"}, CRK_VERDICT_NO,
	"no external recipient"},
    {{.from = "rep@example.com",
	 .to = "bob@example.com",
	 .subject = "Hi",
	 .keywords = "crickets-track"},
	CRK_VERDICT_FORCED, "keyword crickets-track"},
    {{.from = "rep@example.com",
	 .to = "jane@acme.com",
	 .subject = "Hi",
	 .keywords = "$Forwarded, Crickets-Track"},
	CRK_VERDICT_FORCED, "keyword crickets-track"},
    {{.from = "rep@example.com",
	 .to = "jane@acme.com",
	 .subject = "Proposal",
	 .keywords = "crickets-ignore"},
	CRK_VERDICT_IGNORED, "keyword crickets-ignore"},
    {{.from = "rep@example.com",
	 .to = "jane@acme.com",
	 .subject = "Proposal",
	 .keywords = "crickets-track, crickets-ignore"},
	CRK_VERDICT_IGNORED, "keyword crickets-ignore"},
};

START_TEST(test_proposal_verdict_follows_recipients_lists_and_keywords)
{
	const struct verdict_case *c = &verdict_cases[_i];
	struct crk_message *msg = build(&c->msg);
	char *reason = NULL;
	enum crk_verdict v;

	v = crk_classify_proposal(&rules, msg, &reason);
	ck_assert_msg(v == c->verdict, "case %d: verdict %d, want %d (%s)", _i,
	    v, c->verdict, reason);
	ck_assert_str_eq(reason, c->reason);
	free(reason);
	/* reason_r is optional */
	ck_assert_int_eq(crk_classify_proposal(&rules, msg, NULL), c->verdict);
	crk_message_free(&msg);
}
END_TEST

/* ---- configured words -------------------------------------------------- */

static const struct words_case {
	const char *spec;
	const char *subject;
	enum crk_verdict verdict;
	const char *reason;
} words_cases[] = {
    /* a list replaces the defaults */
    {"widget, gadget", "Widgets for ACME", CRK_VERDICT_YES,
	"subject contains 'widget'"},
    {"widget, gadget", "Proposal", CRK_VERDICT_NO, "no proposal word"},
    /* "+word" adds to them */
    {"+widget", "Widget", CRK_VERDICT_YES, "subject contains 'widget'"},
    {"+widget", "Proposal", CRK_VERDICT_YES, "subject contains 'proposal'"},
    {"+ widget, gadget", "Gadget and offer", CRK_VERDICT_YES,
	"subject contains 'offer', 'gadget'"},
    /* "-word" takes a built-in word out */
    {"-offer", "Special offer", CRK_VERDICT_NO, "no proposal word"},
    {"-offer", "Quote", CRK_VERDICT_YES, "subject contains 'quote'"},
    /* weights and the threshold */
    {"quote:5, pricing:5", "Quote", CRK_VERDICT_NO,
	"score 5 below threshold 10: subject contains 'quote'"},
    {"quote:5, pricing:5", "Quote and pricing", CRK_VERDICT_YES,
	"subject contains 'quote', 'pricing'"},
    {"+quote:3", "Quote", CRK_VERDICT_NO,
	"score 3 below threshold 10: subject contains 'quote'"},
    {"+invoice:-10", "Offer on your invoice", CRK_VERDICT_NO,
	"score 0 below threshold 10: subject contains 'offer', 'invoice'"},
    {"proposal:25", "Proposal", CRK_VERDICT_YES, "subject contains 'proposal'"},
    /* words are canonical: case, and any separator in a phrase */
    {"Master  Services_Agreement", "master-services agreement", CRK_VERDICT_YES,
	"subject contains 'master services agreement'"},
};

START_TEST(test_configured_words_and_weights_change_the_verdict)
{
	const struct words_case *c = &words_cases[_i];
	struct spec s = {.from = "rep@example.com",
	    .to = "jane@acme.com",
	    .subject = c->subject};
	struct crk_message *msg = build(&s);
	char *reason = NULL, *error = NULL;
	enum crk_verdict v;

	ck_assert_int_eq(crk_rules_set_words(&rules, c->spec, &error), CRK_OK);
	ck_assert_ptr_null(error);
	v = crk_classify_proposal(&rules, msg, &reason);
	ck_assert_msg(v == c->verdict, "'%s' on '%s': verdict %d (%s)", c->spec,
	    c->subject, v, reason);
	ck_assert_str_eq(reason, c->reason);
	free(reason);
	crk_message_free(&msg);
}
END_TEST

START_TEST(test_word_spec_weights_count_each_word_once)
{
	struct spec s = {.from = "rep@example.com",
	    .to = "jane@acme.com",
	    .subject = "Quote",
	    .attachments = "quote.pdf|Quote-2.pdf"};
	struct crk_message *msg = build(&s);
	char *reason = NULL;

	ck_assert_int_eq(crk_rules_set_words(&rules, "quote:6", NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_classify_proposal(&rules, msg, &reason), CRK_VERDICT_NO);
	ck_assert_str_eq(reason,
	    "score 6 below threshold 10: attachment "
	    "'quote.pdf'; attachment 'Quote-2.pdf'; subject contains 'quote'");
	free(reason);
	rules.threshold = 6;
	ck_assert_int_eq(
	    crk_classify_proposal(&rules, msg, NULL), CRK_VERDICT_YES);
	crk_message_free(&msg);
}
END_TEST

START_TEST(test_word_spec_with_plus_keeps_every_default_word)
{
	struct crk_rules defaults;
	size_t i;

	crk_rules_init_default(&defaults);
	ck_assert_int_eq(
	    crk_rules_set_words(&rules, "+widget:4", NULL), CRK_OK);
	ck_assert_uint_eq(rules.n_words, defaults.n_words + 1);
	for (i = 0; i < defaults.n_words; i++) {
		ck_assert_str_eq(rules.words[i].word, defaults.words[i].word);
		ck_assert_int_eq(
		    rules.words[i].weight, CRK_WORD_WEIGHT_DEFAULT);
	}
	ck_assert_str_eq(rules.words[i].word, "widget");
	ck_assert_int_eq(rules.words[i].weight, 4);
	crk_rules_clear(&defaults);
}
END_TEST

static const char *const bad_specs[] = {
    "",
    "  , ;",
    "quote:abc",
    "quote:",
    ":5",
    "quote:5x",
    "quote:99999",
    "proposal, :3",
    "-offer:5",
    "-",
    "quote\x01",
    "+, ---",
};

START_TEST(test_bad_word_spec_is_refused_and_keeps_the_old_words)
{
	char *error = NULL;
	size_t n = rules.n_words;

	ck_assert_int_eq(
	    crk_rules_set_words(&rules, bad_specs[_i], &error), CRK_E_INVAL);
	ck_assert_msg(error != NULL && *error != '\0', "no message for '%s'",
	    bad_specs[_i]);
	ck_assert_uint_eq(rules.n_words, n);
	ck_assert_str_eq(rules.words[0].word, "proposal");
	free(error);
}
END_TEST

START_TEST(test_default_rules_hold_every_language_at_default_weight)
{
	/* clang-format off */
	static const char *const expected[] = {
		"proposal", "quote", "quotation", "offer", "estimate",
		"pricing", "price list", "sow", "statement of work",
		"contract", "agreement", "tender", "bid", "rfp response",
		"angebot", "kostenvoranschlag", "vertrag", "preisangebot",
		"devis", "proposition", "offre", "contrat", "presupuesto",
		"propuesta", "oferta", "cotizaci\xc3\xb3n", "contrato",
		"offerte", "voorstel", "preventivo", "offerta", "proposta",
		"tilbud", "offert", "anbud",
	};
	/* clang-format on */
	size_t i, j;

	ck_assert_int_eq(rules.threshold, CRK_THRESHOLD_DEFAULT);
	for (i = 0; i < CRK_N_ELEMENTS(expected); i++) {
		bool found = false;

		for (j = 0; j < rules.n_words && !found; j++) {
			if (strcmp(rules.words[j].word, expected[i]) == 0) {
				found = true;
				ck_assert_int_eq(rules.words[j].weight,
				    CRK_WORD_WEIGHT_DEFAULT);
			}
		}
		ck_assert_msg(found, "default word '%s' missing", expected[i]);
	}
}
END_TEST

START_TEST(test_rules_copy_is_deep_and_clear_empties)
{
	struct crk_rules copy = {0};

	rules.threshold = 17;
	crk_rules_copy(&copy, &rules);
	ck_assert_int_eq(copy.threshold, 17);
	ck_assert_uint_eq(copy.n_words, rules.n_words);
	ck_assert_ptr_ne(copy.words, rules.words);
	ck_assert_ptr_ne(copy.words[0].word, rules.words[0].word);
	ck_assert_str_eq(copy.words[0].word, rules.words[0].word);
	ck_assert(crk_rules_is_own(&copy, "r.smith@example.com"));
	ck_assert(crk_rules_is_internal(&copy, "bob@example.com"));

	/* changing the original leaves the copy alone */
	ck_assert_int_eq(crk_rules_set_words(&rules, "widget", NULL), CRK_OK);
	crk_strv_clear(&rules.identities);
	ck_assert(crk_rules_is_own(&copy, "rep@example.com"));
	ck_assert_str_eq(copy.words[0].word, "proposal");

	/* copying over filled rules replaces them */
	crk_rules_copy(&copy, &rules);
	ck_assert_uint_eq(copy.n_words, 1);
	ck_assert(!crk_rules_is_own(&copy, "rep@example.com"));

	crk_rules_clear(&copy);
	ck_assert_uint_eq(copy.n_words, 0);
	ck_assert_ptr_null(copy.words);
	ck_assert_uint_eq(copy.identities.count, 0);
	ck_assert_uint_eq(copy.internal_domains.count, 0);
	crk_rules_clear(&copy); /* twice is fine */
}
END_TEST

/* ---- own and internal addresses ----------------------------------------- */

static const struct addr_case {
	const char *addr;
	bool own;
	bool internal;
} addr_cases[] = {
    {"rep@example.com", true, true},
    {"REP@Example.Com", true, true},
    {"Rep Smith <r.smith@example.com>", true, true},
    {"bob@example.com", false, true},
    {"ann@sales.example.com", false, true},
    {"eve@notexample.com", false, false},
    {"eve@example.com.evil.net", false, false},
    {"jane@acme.com", false, false},
    {"not an address", false, false},
    {NULL, false, false},
};

START_TEST(test_own_and_internal_addresses_are_recognised)
{
	const struct addr_case *c = &addr_cases[_i];

	ck_assert_msg(
	    crk_rules_is_own(&rules, c->addr) == c->own, "own(%s)", c->addr);
	ck_assert_msg(crk_rules_is_internal(&rules, c->addr) == c->internal,
	    "internal(%s)", c->addr);
}
END_TEST

/* ---- prospects ---------------------------------------------------------- */

static const struct prospects_case {
	struct spec msg;
	const char *expected; /* comma separated, in order */
} prospects_cases[] = {
    {{.to = "jane@acme.com", .cc = "bob@example.com"}, "jane@acme.com"},
    {{.to = "jane@acme.com, Jane@ACME.com", .cc = "jane@acme.com"},
	"jane@acme.com"},
    {{.to = "rep@example.com, noreply@acme.com, ann@sales.example.com",
	 .cc = "tom@acme.com"},
	"tom@acme.com"},
    {{.to = "jane@acme.com, tom@acme.com", .cc = "lee@beta.io"},
	"jane@acme.com,tom@acme.com,lee@beta.io"},
    {{.to = "bob@example.com"}, ""},
    {{.to = NULL}, ""},
};

START_TEST(test_prospects_are_external_people_without_duplicates)
{
	const struct prospects_case *c = &prospects_cases[_i];
	struct crk_message *msg = build(&c->msg);
	struct crk_addr_list got = {0};
	struct crk_strv want = {0};
	size_t i;

	crk_strv_split(&want, c->expected, ",");
	crk_classify_prospects(&rules, msg, &got);
	ck_assert_uint_eq(got.count, want.count);
	for (i = 0; i < want.count; i++)
		ck_assert_str_eq(got.items[i].addr, want.items[i]);
	crk_addr_list_clear(&got);
	crk_strv_clear(&want);
	crk_message_free(&msg);
}
END_TEST

START_TEST(test_prospects_add_to_an_existing_list_without_duplicates)
{
	struct spec s = {.to = "jane@acme.com, tom@acme.com"};
	struct crk_message *msg = build(&s);
	struct crk_addr_list got = {0};

	crk_addr_list_add(&got, "jane@acme.com", "Jane");
	crk_classify_prospects(&rules, msg, &got);
	ck_assert_uint_eq(got.count, 2);
	ck_assert_str_eq(got.items[0].addr, "jane@acme.com");
	ck_assert_str_eq(got.items[1].addr, "tom@acme.com");
	crk_addr_list_clear(&got);
	crk_message_free(&msg);
}
END_TEST

/* ---- kinds ------------------------------------------------------------- */

static const struct kind_case {
	const char *what;
	struct spec msg;
	enum crk_kind kind;
} kind_cases[] = {
    {"own message", {.from = "rep@example.com", .subject = "Hi"}, CRK_KIND_OWN},
    {"own message with Auto-Submitted is still own",
	{.from = "r.smith@example.com",
	    .subject = "Automatic reply: Hi",
	    .auto_submitted = "auto-replied"},
	CRK_KIND_OWN},
    {"RFC 3464 delivery status notification",
	{.from = "MAILER-DAEMON@mx.acme.com",
	    .subject = "Undelivered Mail Returned to Sender",
	    .content_type = "multipart/report",
	    .report_type = "delivery-status",
	    .auto_submitted = "auto-replied"},
	CRK_KIND_BOUNCE},
    {"DSN from any sender",
	{.from = "jane@acme.com",
	    .subject = "Hello",
	    .content_type = "multipart/report",
	    .report_type = "delivery-status"},
	CRK_KIND_BOUNCE},
    {"delay notice is a DSN too",
	{.from = "mailer-daemon@googlemail.com",
	    .subject = "Delivery Status Notification (Delay)",
	    .content_type = "multipart/report",
	    .report_type = "delivery-status"},
	CRK_KIND_BOUNCE},
    {"qmail bounce from a mailer daemon",
	{.from = "MAILER-DAEMON@mail.acme.com",
	    .subject = "failure notice",
	    .content_type = "text/plain"},
	CRK_KIND_BOUNCE},
    {"Exchange NDR from postmaster",
	{.from = "postmaster@acme.onmicrosoft.com",
	    .subject = "Unzustellbar: Angebot Q3"},
	CRK_KIND_BOUNCE},
    {"bounce subject with the null return path",
	{.from = "system@mx.acme.com",
	    .subject = "Returned mail: see "
		       "transcript for details",
	    .return_path = ""},
	CRK_KIND_BOUNCE},
    {"Exim X-Failed-Recipients",
	{.from = "sys@mx.acme.com",
	    .subject = "Problem",
	    .failed_recipients = "jane@acme.com"},
	CRK_KIND_BOUNCE},
    {"a person's 'Undeliverable' subject is no bounce",
	{.from = "jane@acme.com", .subject = "Undeliverable: proposal"},
	CRK_KIND_INBOUND},
    {"read receipt (RFC 8098) is an automatic answer",
	{.from = "jane@acme.com",
	    .subject = "Read: Proposal",
	    .content_type = "multipart/report",
	    .report_type = "disposition-notification"},
	CRK_KIND_AUTOREPLY},
    {"auto-reply from a mailer daemon address",
	{.from = "mailer-daemon@acme.com",
	    .subject = "Automatic reply: Hi",
	    .auto_submitted = "auto-replied"},
	CRK_KIND_AUTOREPLY},
    {"RFC 3834 auto-replied (Gmail vacation)",
	{.from = "jane@acme.com",
	    .subject = "Re: Proposal",
	    .auto_submitted = "auto-replied"},
	CRK_KIND_AUTOREPLY},
    {"Zimbra vacation with comment",
	{.from = "jane@acme.com",
	    .subject = "Re: Proposal",
	    .auto_submitted = "auto-replied (zimbra; vacation)"},
	CRK_KIND_AUTOREPLY},
    {"Exchange/Outlook OOO",
	{.from = "jane@acme.com",
	    .subject = "Automatic reply: Proposal",
	    .auto_submitted = "auto-generated"},
	CRK_KIND_AUTOREPLY},
    {"old Exchange OOO: subject only",
	{.from = "jane@acme.com", .subject = "Out of Office: Proposal"},
	CRK_KIND_AUTOREPLY},
    {"Lotus/Domino OOO",
	{.from = "jane@acme.com", .subject = "Jane Doe is out of the office."},
	CRK_KIND_AUTOREPLY},
    {"Auto-Submitted: no is a person",
	{.from = "jane@acme.com",
	    .subject = "Re: Proposal",
	    .auto_submitted = "no"},
	CRK_KIND_INBOUND},
    {"X-Autoreply",
	{.from = "jane@acme.com",
	    .subject = "Re: Proposal",
	    .x_autoreply = true},
	CRK_KIND_AUTOREPLY},
    {"X-Autorespond",
	{.from = "jane@acme.com",
	    .subject = "Re: Proposal",
	    .x_autorespond = true},
	CRK_KIND_AUTOREPLY},
    {"Precedence auto_reply",
	{.from = "jane@acme.com",
	    .subject = "Re: Proposal",
	    .precedence = "auto_reply"},
	CRK_KIND_AUTOREPLY},
    {"Precedence bulk from vacation(1)",
	{.from = "jane@acme.com",
	    .subject = "Re: Proposal",
	    .precedence = "bulk"},
	CRK_KIND_AUTOREPLY},
    {"Precedence junk",
	{.from = "jane@acme.com",
	    .subject = "Re: Proposal",
	    .precedence = "junk"},
	CRK_KIND_AUTOREPLY},
    {"German OOO subject",
	{.from = "jane@acme.de", .subject = "Abwesenheitsnotiz: Angebot"},
	CRK_KIND_AUTOREPLY},
    {"newsletter with List-Id and Precedence bulk",
	{.from = "news@acme.com",
	    .subject = "Our spring offers",
	    .precedence = "bulk",
	    .list_id = "<news.acme.com>",
	    .list_unsubscribe = true},
	CRK_KIND_LIST},
    {"mailing list post",
	{.from = "jane@acme.com",
	    .subject = "Re: [dev] patch",
	    .precedence = "list",
	    .list_id = "<dev.lists.acme.org>"},
	CRK_KIND_LIST},
    {"List-Unsubscribe alone",
	{.from = "jane@acme.com",
	    .subject = "Webinar",
	    .list_unsubscribe = true},
	CRK_KIND_LIST},
    {"Precedence list without List-Id",
	{.from = "jane@acme.com", .subject = "Digest", .precedence = "list"},
	CRK_KIND_LIST},
    {"no-reply sender",
	{.from = "no-reply@crm.acme.com", .subject = "Your ticket"},
	CRK_KIND_LIST},
    {"colleague", {.from = "bob@example.com", .subject = "Re: Proposal"},
	CRK_KIND_INTERNAL},
    {"colleague in a subdomain",
	{.from = "ann@sales.example.com", .subject = "Lunch"},
	CRK_KIND_INTERNAL},
    {"colleague's out-of-office is an auto-reply",
	{.from = "bob@example.com",
	    .subject = "Out of office",
	    .auto_submitted = "auto-replied"},
	CRK_KIND_AUTOREPLY},
    {"prospect", {.from = "jane@acme.com", .subject = "Re: Proposal"},
	CRK_KIND_INBOUND},
    {"no From at all", {.subject = "Re: Proposal"}, CRK_KIND_INBOUND},
};

START_TEST(test_kind_follows_the_design_order)
{
	const struct kind_case *c = &kind_cases[_i];
	struct crk_message *msg = build(&c->msg);
	enum crk_kind kind = crk_classify_kind(&rules, msg);

	ck_assert_msg(kind == c->kind, "%s: got %s, want %s", c->what,
	    crk_kind_name(kind), crk_kind_name(c->kind));
	crk_message_free(&msg);
}
END_TEST

START_TEST(test_kind_names_are_distinct_words)
{
	static const struct {
		enum crk_kind kind;
		const char *name;
	} names[] = {
	    {CRK_KIND_OWN, "own"},
	    {CRK_KIND_BOUNCE, "bounce"},
	    {CRK_KIND_AUTOREPLY, "auto-reply"},
	    {CRK_KIND_LIST, "list"},
	    {CRK_KIND_INTERNAL, "internal"},
	    {CRK_KIND_INBOUND, "inbound"},
	};
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(names); i++)
		ck_assert_str_eq(crk_kind_name(names[i].kind), names[i].name);
	ck_assert_str_eq(crk_kind_name((enum crk_kind)99), "unknown");
}
END_TEST

/* ---- subjects ---------------------------------------------------------- */

static const struct subject_case {
	const char *subject;
	bool yes;
} ooo_cases[] = {
    {"Automatic reply: Proposal Q3", true},
    {"Automatische Antwort: Angebot", true},
    {"Auto-Reply: Proposal", true},
    {"AutoReply: Proposal", true},
    {"Autoreply", true},
    {"Out of Office: Proposal", true},
    {"OUT OF THE OFFICE", true},
    {"OOO: back on Monday", true},
    {"Away from the office until 3 June", true},
    {"Vacation reply", true},
    {"I am out of the office until 12/05", true},
    {"[EXTERNAL] Automatic reply: Proposal", true},
    {"(EXT) Out of Office", true},
    {"Re: Out of Office", true},
    {"Abwesenheitsnotiz: Angebot Q3", true},
    {"Abwesend bis 3. Juni", true},
    {"Automatische Abwesenheitsnachricht", true},
    {"Au\303\237er Haus: Angebot", true},
    {"Ausser Haus", true},
    {"R\xc3\xa9ponse automatique : Devis", true},
    {"Absence du bureau", true},
    {"Absent du bureau jusqu'au 5", true},
    {"Message d'absence", true},
    {"Message d\342\200\231absence", true},
    {"Respuesta autom\xc3\xa1tica: Presupuesto", true},
    {"Fuera de la oficina", true},
    {"Ausente: Propuesta", true},
    {"Risposta automatica: Preventivo", true},
    {"Fuori sede", true},
    {"Automatisch antwoord: Offerte", true},
    {"Afwezig", true},
    {"Autosvar: Tilbud", true},
    {"Automatisk svar: Offert", true},
    {"Frav\xc3\xa6rende", true},
    {"Fr\xc3\xa5nvaro", true},
    {"Resposta autom\xc3\xa1tica: Proposta", true},
    {"Aus\xc3\xaancia", true},
    {"Automatyczna odpowied\xc5\xba: Oferta", true},
    {"Jane Doe is out of the office.", true},
    {"Re: Proposal", false},
    {"Our office move", false},
    {"OOOPS wrong file", false},
    {"Automatically generated report", false},
    {"Re: Proposal (I will be out of office next week)", false},
    {"", false},
    {NULL, false},
};

START_TEST(test_out_of_office_subjects_in_many_languages)
{
	const struct subject_case *c = &ooo_cases[_i];

	ck_assert_msg(crk_classify_is_ooo_subject(c->subject) == c->yes,
	    "'%s' should %sbe out-of-office", c->subject, c->yes ? "" : "not ");
}
END_TEST

static const struct subject_case bounce_cases[] = {
    {"Undeliverable: Proposal Q3", true},
    {"Undelivered Mail Returned to Sender", true},
    {"Delivery Status Notification (Failure)", true},
    {"Delivery Status Notification (Delay)", true},
    {"Mail delivery failed: returning message to sender", true},
    {"Returned mail: see transcript for details", true},
    {"failure notice", true},
    {"DELIVERY FAILURE: User jane not listed", true},
    {"Mail System Error - Returned Mail", true},
    {"Unzustellbar: Angebot", true},
    {"Non remis : Devis", true},
    {"No se puede entregar: Presupuesto", true},
    {"Message not delivered", true},
    {"Delivery has failed to these recipients", true},
    {"[SPAM] Undeliverable: Proposal", true},
    {"Re: Proposal", false},
    {"Deliverables for phase 2", false},
    {"Returned goods", false},
    {NULL, false},
};

START_TEST(test_bounce_subjects_of_common_servers)
{
	const struct subject_case *c = &bounce_cases[_i];

	ck_assert_msg(crk_classify_is_bounce_subject(c->subject) == c->yes,
	    "'%s' should %sbe a bounce", c->subject, c->yes ? "" : "not ");
}
END_TEST

/* ---- through real headers ---------------------------------------------- */

static const struct raw_kind_case {
	const char *what;
	const char *raw;
	enum crk_kind kind;
} raw_kind_cases[] = {
    {"Exchange out-of-office",
	"From: Jane Doe <jane@acme.com>\n"
	"To: Rep Smith <rep@example.com>\n"
	"Subject: Automatic reply: Proposal Q3\n"
	"Auto-Submitted: auto-generated\n"
	"X-Auto-Response-Suppress: All\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	"I am out of the office until Monday.\n",
	CRK_KIND_AUTOREPLY},
    {"Gmail vacation responder",
	"From: jane@acme.com\n"
	"To: rep@example.com\n"
	"Subject: Re: Proposal Q3\n"
	"Auto-Submitted: auto-replied\n"
	"\n"
	"On holiday.\n",
	CRK_KIND_AUTOREPLY},
    {"encoded French out-of-office subject",
	"From: =?iso-8859-1?Q?Andr=E9?= <andre@acme.fr>\n"
	"To: rep@example.com\n"
	"Subject: =?iso-8859-1?Q?R=E9ponse_automatique_:_Devis?=\n"
	"\n",
	CRK_KIND_AUTOREPLY},
    {"Postfix bounce",
	"From: MAILER-DAEMON@mx.acme.com (Mail Delivery System)\n"
	"To: rep@example.com\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"Auto-Submitted: auto-replied\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"B1\"\n"
	"\n",
	CRK_KIND_BOUNCE},
    {"read receipt",
	"From: jane@acme.com\n"
	"To: rep@example.com\n"
	"Subject: Read: Proposal Q3\n"
	"Content-Type: multipart/report;\n"
	" report-type=disposition-notification; boundary=\"R\"\n"
	"\n",
	CRK_KIND_AUTOREPLY},
    {"newsletter",
	"From: ACME News <news@acme.com>\n"
	"To: rep@example.com\n"
	"Subject: Spring offers\n"
	"Precedence: bulk\n"
	"List-Id: ACME news <news.acme.com>\n"
	"List-Unsubscribe: <mailto:unsub@acme.com>\n"
	"\n",
	CRK_KIND_LIST},
    {"genuine reply",
	"From: Jane Doe <Jane@ACME.com>\n"
	"To: rep@example.com\n"
	"Subject: Re: Proposal Q3\n"
	"In-Reply-To: <p1@example.com>\n"
	"\n"
	"Looks good, let's talk.\n",
	CRK_KIND_INBOUND},
    {"the rep's own mail",
	"From: Rep Smith <REP@example.com>\n"
	"To: jane@acme.com\n"
	"Subject: Proposal Q3\n"
	"\n",
	CRK_KIND_OWN},
    {"qmail bounce",
	"From: MAILER-DAEMON@mail.acme.com\n"
	"To: rep@example.com\n"
	"Subject: failure notice\n"
	"Content-Type: text/plain\n"
	"\n"
	"Hi. This is the qmail-send program at mail.acme.com.\n",
	CRK_KIND_BOUNCE},
    {"Zimbra vacation",
	"From: Jane Doe <jane@acme.com>\n"
	"To: rep@example.com\n"
	"Subject: Re: Proposal Q3\n"
	"Auto-Submitted: auto-replied (zimbra; vacation)\n"
	"Precedence: bulk\n"
	"\n",
	CRK_KIND_AUTOREPLY},
    {"colleague",
	"From: Bob <bob@Sales.Example.com>\n"
	"To: rep@example.com\n"
	"Subject: Re: Proposal Q3\n"
	"\n",
	CRK_KIND_INTERNAL},
};

START_TEST(test_kind_of_parsed_headers)
{
	const struct raw_kind_case *c = &raw_kind_cases[_i];
	struct crk_message *msg = crk_test_parse(c->raw);
	enum crk_kind kind = crk_classify_kind(&rules, msg);

	ck_assert_msg(kind == c->kind, "%s: got %s, want %s", c->what,
	    crk_kind_name(kind), crk_kind_name(c->kind));
	crk_message_free(&msg);
}
END_TEST

static const struct raw_proposal_case {
	const char *raw;
	enum crk_verdict verdict;
	const char *reason;
} raw_proposal_cases[] = {
    {"From: Rep Smith <rep@example.com>\n"
     "To: Jane Doe <jane@acme.com>\n"
     "Cc: bob@example.com\n"
     "Subject: Q3 rollout\n"
     "MIME-Version: 1.0\n"
     "Content-Type: multipart/mixed; boundary=\"XX\"\n"
     "\n"
     "--XX\n"
     "Content-Type: text/plain\n"
     "\n"
     "Hi Jane, please find attached.\n"
     "--XX\n"
     "Content-Type: application/pdf; name=\"ACME-proposal.pdf\"\n"
     "Content-Disposition: attachment; filename=\"ACME-proposal.pdf\"\n"
     "Content-Transfer-Encoding: base64\n"
     "\n"
     "JVBERi0xLjQK\n"
     "--XX--\n",
	CRK_VERDICT_YES, "attachment 'ACME-proposal.pdf'"},
    {"From: rep@example.com\n"
     "To: compras@acme.es\n"
     "Subject: =?UTF-8?Q?Cotizaci=C3=B3n_para_ACME?=\n"
     "\n"
     "Hola.\n",
	CRK_VERDICT_YES, "subject contains 'cotizaci\xc3\xb3n'"},
    {"From: rep@example.com\n"
     "To: bob@example.com, ann@sales.example.com\n"
     "Subject: Proposal Q3 (internal review)\n"
     "\n",
	CRK_VERDICT_NO, "internal recipients only"},
};

START_TEST(test_proposal_verdict_of_parsed_messages)
{
	const struct raw_proposal_case *c = &raw_proposal_cases[_i];
	struct crk_message *msg = NULL;
	char *reason = NULL, *error = NULL;

	ck_assert_int_eq(
	    crk_message_parse_full(c->raw, strlen(c->raw), &msg, &error),
	    CRK_OK);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(
	    crk_classify_proposal(&rules, msg, &reason), c->verdict);
	ck_assert_str_eq(reason, c->reason);
	free(reason);
	free(error);
	crk_message_free(&msg);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc;

	tc = tcase_create("proposal");
	tcase_add_checked_fixture(tc, setup_rules, teardown_rules);
	CRK_TABLE_TEST(tc,
	    test_proposal_words_match_whole_words_in_subject_and_names,
	    word_cases);
	CRK_TABLE_TEST(tc,
	    test_proposal_verdict_follows_recipients_lists_and_keywords,
	    verdict_cases);
	tcase_add_test(tc, test_hostile_names_give_clean_reasons);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup_rules, teardown_rules);
	CRK_TABLE_TEST(tc, test_configured_words_and_weights_change_the_verdict,
	    words_cases);
	tcase_add_test(tc, test_word_spec_weights_count_each_word_once);
	tcase_add_test(tc, test_word_spec_with_plus_keeps_every_default_word);
	CRK_TABLE_TEST(tc,
	    test_bad_word_spec_is_refused_and_keeps_the_old_words, bad_specs);
	tcase_add_test(
	    tc, test_default_rules_hold_every_language_at_default_weight);
	tcase_add_test(tc, test_rules_copy_is_deep_and_clear_empties);
	CRK_TABLE_TEST(
	    tc, test_own_and_internal_addresses_are_recognised, addr_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("prospects");
	tcase_add_checked_fixture(tc, setup_rules, teardown_rules);
	CRK_TABLE_TEST(tc,
	    test_prospects_are_external_people_without_duplicates,
	    prospects_cases);
	tcase_add_test(
	    tc, test_prospects_add_to_an_existing_list_without_duplicates);
	suite_add_tcase(s, tc);

	tc = tcase_create("kind");
	tcase_add_checked_fixture(tc, setup_rules, teardown_rules);
	CRK_TABLE_TEST(tc, test_kind_follows_the_design_order, kind_cases);
	tcase_add_test(tc, test_kind_names_are_distinct_words);
	CRK_TABLE_TEST(
	    tc, test_out_of_office_subjects_in_many_languages, ooo_cases);
	CRK_TABLE_TEST(
	    tc, test_bounce_subjects_of_common_servers, bounce_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("parsed");
	tcase_add_checked_fixture(tc, setup_rules, teardown_rules);
	CRK_TABLE_TEST(tc, test_kind_of_parsed_headers, raw_kind_cases);
	CRK_TABLE_TEST(
	    tc, test_proposal_verdict_of_parsed_messages, raw_proposal_cases);
	suite_add_tcase(s, tc);

	return s;
}
