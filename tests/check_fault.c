/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Faults a real server will not produce on demand (issue 9), played by a
 * scripted server (tests/harness/fakeimap.c): BYE in the middle of a
 * FETCH, NO on EXAMINE, a truncated literal, garbage lines, a slow
 * trickle, a server that hangs in a FETCH or in IDLE.  Each must end in a
 * clear error, within the timeout, and lose nothing: once the server
 * behaves, the next pass gives exactly what a clean pass gives. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine.h"
#include "core/store.h"
#include "tests/check_common.h"
#include "tests/harness/fakeimap.h"
#include "watcher/imap.h"
#include "watcher/sync.h"

static const char proposal[] =
    "From: Robin Smith <robin.smith@example.com>\n"
    "To: Jane Doe <jane.doe@acme-corp.com>\n"
    "Subject: Proposal: ACME rollout 2027\n"
    "Date: Mon, 02 Nov 2026 09:15:00 +0100\n"
    "Message-ID: <20261102091500.4711@mail.example.com>\n"
    "\n"
    "Hi Jane, our proposal for the rollout.\n";
static const char quote[] = "From: Robin Smith <robin.smith@example.com>\n"
			    "To: Bob <bob@globex.example>\n"
			    "Subject: Quote for Globex\n"
			    "Date: Mon, 02 Nov 2026 10:00:00 +0100\n"
			    "Message-ID: <quote-1@mail.example.com>\n"
			    "\n"
			    "The quote.\n";
static const char reply[] =
    "From: Jane Doe <jane.doe@acme-corp.com>\n"
    "To: Robin Smith <robin.smith@example.com>\n"
    "Subject: Re: Proposal: ACME rollout 2027\n"
    "Date: Wed, 04 Nov 2026 10:00:00 +0100\n"
    "Message-ID: <reply-1@acme-corp.com>\n"
    "In-Reply-To: <20261102091500.4711@mail.example.com>\n"
    "\n"
    "Thanks, let's talk.\n";
static const char newsletter[] = "From: News <news@vendor.example>\n"
				 "To: robin.smith@example.com\n"
				 "Subject: Our November news\n"
				 "Date: Tue, 03 Nov 2026 08:00:00 +0100\n"
				 "Message-ID: <news-1@vendor.example>\n"
				 "List-Id: <news.vendor.example>\n"
				 "\n"
				 "News.\n";

static struct crk_fakeimap *fake;
static char *tmpdir;
static struct crk_store *store;
static struct crk_engine *engine;
static struct crk_rules rules;
static struct crk_account_config account;

static void
setup(void)
{
	static const char *const inbox[] = {newsletter, reply, NULL};
	static const char *const sent[] = {proposal, quote, NULL};
	struct crk_cadence cadence;

	crk_test_set_tz("Europe/Berlin");
	fake = crk_fakeimap_start(inbox, sent);
	tmpdir = crk_test_tmpdir();
	store = crk_test_store_in(tmpdir);
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "robin.smith@example.com");
	crk_strv_add(&rules.internal_domains, "example.com");
	crk_cadence_default(&cadence);
	engine = crk_engine_new(store, &rules, &cadence);
	memset(&account, 0, sizeof(account));
	account.name = crk_xstrdup("work");
	account.host = crk_xstrdup("127.0.0.1");
	account.port = crk_fakeimap_port(fake);
	account.tls = CRK_TLS_NONE;
	account.user = crk_xstrdup("robin");
	account.password_command = crk_xstrdup("echo secret");
	account.drafts = false;
}

static void
teardown(void)
{
	crk_fakeimap_free(&fake);
	crk_engine_free(&engine);
	crk_store_free(&store);
	crk_rules_clear(&rules);
	free(account.name);
	free(account.host);
	free(account.user);
	free(account.password_command);
	crk_test_rmtree(tmpdir);
	free(tmpdir);
}

/* One sync pass; returns its status, the error and the log. */
static enum crk_status
pass(int timeout_secs, char **error_r, char **log_r, double *secs_r)
{
	struct crk_sync_options opts;
	struct crk_sync_stats stats;
	struct timespec a, b;
	enum crk_status st;

	memset(&opts, 0, sizeof(opts));
	memset(&stats, 0, sizeof(stats));
	opts.now = 1794300000; /* 2026-11-10 */
	opts.timeout_secs = timeout_secs;
	*error_r = NULL;
	crk_test_log_capture_start();
	clock_gettime(CLOCK_MONOTONIC, &a);
	st = crk_sync_account(
	    &account, engine, store, &rules, &opts, &stats, error_r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	*log_r = crk_test_log_capture_end();
	if (secs_r != NULL)
		*secs_r = (double)(b.tv_sec - a.tv_sec) +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	return st;
}

/* What a clean pass gives: the ACME proposal replied, the Globex quote
 * waiting, nothing else. */
static void
assert_complete(void)
{
	struct crk_proposal_list list = {0};
	char *error = NULL;
	int acme = -1, globex = -1;
	size_t i;

	ck_assert_msg(crk_store_proposals(
			  store, CRK_PROPOSALS_ALL, &list, &error) == CRK_OK,
	    "%s", error);
	ck_assert_uint_eq(list.count, 2);
	for (i = 0; i < list.count; i++) {
		if (strncmp(list.items[i].subject, "Proposal: ACME", 14) == 0)
			acme = (int)list.items[i].state;
		if (strncmp(list.items[i].subject, "Quote for Globex", 16) == 0)
			globex = (int)list.items[i].state;
	}
	ck_assert_int_eq(acme, CRK_STATE_REPLIED);
	ck_assert_int_eq(globex, CRK_STATE_WAITING);
	crk_proposal_list_clear(&list);
}

static void
recover(void)
{
	struct crk_fake_options none = {0};
	char *error, *log;

	crk_fakeimap_set(fake, &none);
	ck_assert_msg(pass(5, &error, &log, NULL) == CRK_OK,
	    "the pass after the fault failed: %s\n%s", error, log);
	free(error);
	free(log);
	assert_complete();
}

START_TEST(test_a_clean_pass_without_condstore)
{
	char *error, *log;

	ck_assert_msg(
	    pass(5, &error, &log, NULL) == CRK_OK, "%s\n%s", error, log);
	free(error);
	free(log);
	assert_complete();
	/* and again: nothing changes, nothing doubles */
	recover();
}
END_TEST

static const struct {
	const char *name;
	struct crk_fake_options opt;
	/* the error or the log must say this (case-insensitive) */
	const char *says;
} faults[] = {
    {"BYE halfway through FETCH in INBOX",
	{CRK_FAKE_BYE, "UID FETCH", "INBOX", 0}, "INBOX"},
    {"BYE halfway through FETCH in Sent",
	{CRK_FAKE_BYE, "UID FETCH", "Sent", 0}, "Sent"},
    {"NO on EXAMINE Sent", {CRK_FAKE_NO, "EXAMINE", "Sent", 0},
	"fault injected"},
    {"a truncated literal", {CRK_FAKE_TRUNCATE, "UID FETCH", "Sent", 0},
	"Sent"},
    {"garbage before the FETCH answer",
	{CRK_FAKE_GARBAGE, "UID FETCH", "INBOX", 0}, "INBOX"},
    {"garbage before the LIST answer", {CRK_FAKE_GARBAGE, "LIST", NULL, 0},
	"LIST"},
    {"NO on LOGIN", {CRK_FAKE_NO, "LOGIN", NULL, 0}, "refused"},
};

/* The fault ends the pass (or the folder) with an error that names what
 * failed; the next, clean pass gives everything. */
START_TEST(test_a_fault_is_reported_and_the_next_pass_loses_nothing)
{
	char *error, *log, *both;
	enum crk_status st;
	double secs;

	crk_fakeimap_set(fake, &faults[_i].opt);
	st = pass(5, &error, &log, &secs);
	both = crk_xasprintf("%s\n%s", error != NULL ? error : "", log);
	ck_assert_msg(st != CRK_OK, "%s: the pass succeeded", faults[_i].name);
	ck_assert_msg(crk_strcasestr(both, faults[_i].says) != NULL,
	    "%s: the error does not say '%s': %s", faults[_i].name,
	    faults[_i].says, both);
	ck_assert_msg(secs < 5, "%s: took %.1f s", faults[_i].name, secs);
	free(both);
	free(error);
	free(log);
	recover();
}
END_TEST

/* A server that sends one byte at a time is slow, not broken: the pass
 * completes (the timeout is per read, not per pass). */
START_TEST(test_a_slow_trickle_still_completes)
{
	struct crk_fake_options slow = {CRK_FAKE_NONE, NULL, NULL, 300};
	char *error, *log;

	crk_fakeimap_set(fake, &slow);
	ck_assert_msg(pass(2, &error, &log, NULL) == CRK_OK,
	    "a trickling server failed the pass: %s\n%s", error, log);
	free(error);
	free(log);
	assert_complete();
}
END_TEST

/* A server that stops answering in the middle of a FETCH: the pass ends
 * after the read timeout with a network error, not never. */
START_TEST(test_a_server_hanging_in_fetch_times_out)
{
	struct crk_fake_options hang = {CRK_FAKE_HANG, "UID FETCH", "Sent", 0};
	char *error, *log;
	double secs;

	crk_fakeimap_set(fake, &hang);
	ck_assert_int_eq(pass(2, &error, &log, &secs), CRK_E_NET);
	ck_assert_msg(secs >= 1.5 && secs < 8, "gave up after %.1f s", secs);
	ck_assert_msg(error != NULL, "no error message");
	free(error);
	free(log);
	recover();
}
END_TEST

/* A server that never confirms IDLE (or never answers DONE): the wait is
 * bounded all the same. */
START_TEST(test_a_server_hanging_in_idle_is_given_up)
{
	struct crk_fake_options hang = {CRK_FAKE_HANG, "IDLE", NULL, 0};
	struct crk_imap *imap = NULL;
	struct crk_imap_mailbox mailbox;
	struct timespec a, b;
	char *error = NULL;
	bool news = true;
	enum crk_status st;
	double secs;

	crk_fakeimap_set(fake, &hang);
	ck_assert_msg(crk_sync_connect(&account, 2, &imap, &error) == CRK_OK,
	    "%s", error);
	/* IDLE needs an open folder: refused, not a crash, without one */
	ck_assert_int_eq(
	    crk_imap_idle(imap, 2, -1, &news, &error), CRK_E_INVAL);
	ck_assert_ptr_nonnull(strstr(error, "open folder"));
	crk_free_str(&error);
	ck_assert_msg(
	    crk_imap_examine(imap, "INBOX", &mailbox, &error) == CRK_OK, "%s",
	    error);
	clock_gettime(CLOCK_MONOTONIC, &a);
	st = crk_imap_idle(imap, 2, -1, &news, &error);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_msg(
	    secs < 10, "IDLE against a hung server took %.1f s", secs);
	ck_assert_msg(st != CRK_OK || !news, "a hung server counted as news");
	crk_imap_free(&imap);
	free(error);
	recover();
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("fake server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_clean_pass_without_condstore);
	CRK_TABLE_TEST(tc,
	    test_a_fault_is_reported_and_the_next_pass_loses_nothing, faults);
	tcase_add_test(tc, test_a_slow_trickle_still_completes);
	tcase_add_test(tc, test_a_server_hanging_in_fetch_times_out);
	tcase_add_test(tc, test_a_server_hanging_in_idle_is_given_up);
	suite_add_tcase(s, tc);
	return s;
}
