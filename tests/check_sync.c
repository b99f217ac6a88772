/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the IMAP sync into the engine against a real dovecot. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cadence.h"
#include "core/classify.h"
#include "core/date.h"
#include "core/engine.h"
#include "core/store.h"
#include "core/ooo.h"
#include "tests/check_common.h"
#include "tests/harness/dovecot.h"
#include "watcher/imap.h"
#include "watcher/sync.h"

static struct crk_dovecot *dc;

static void
suite_setup(void)
{
	dc = crk_dovecot_start();
}

static void
suite_teardown(void)
{
	crk_dovecot_stop(&dc);
}

/* One test's world: its own IMAP user, store and engine. */
struct world {
	char *dir;
	char *user;
	struct crk_account_config acc;
	struct crk_rules rules;
	struct crk_cadence cadence;
	struct crk_store *store;
	struct crk_engine *engine;
	struct crk_imap *imap; /* "another client" for APPEND and STORE */
	time_t now;
};

static void
world_open(struct world *w, const char *tag)
{
	char *error = NULL, *db;
	enum crk_status st;

	memset(w, 0, sizeof(*w));
	crk_test_set_tz("Europe/Berlin");
	w->dir = crk_test_tmpdir();
	w->user = crk_xasprintf("%s-%d", tag, (int)getpid());
	crk_dovecot_account(dc, w->user, CRK_TLS_IMAPS, "localhost", &w->acc);
	crk_strv_add(&w->acc.identities, "robin.smith@example.com");
	crk_strv_add(&w->acc.internal_domains, "example.com");
	crk_rules_init_default(&w->rules);
	crk_strv_add(&w->rules.identities, "robin.smith@example.com");
	crk_strv_add(&w->rules.internal_domains, "example.com");
	crk_cadence_default(&w->cadence);
	db = crk_xasprintf("%s/crickets.db", w->dir);
	st = crk_store_open(db, &w->store, &error);
	ck_assert_msg(st == CRK_OK, "store: %s", error);
	free(db);
	w->engine = crk_engine_new(w->store, &w->rules, &w->cadence);
	ck_assert_int_eq(crk_time_parse("2026-11-17", &w->now, NULL), CRK_OK);
	st = crk_sync_connect(&w->acc, 10, &w->imap, &error);
	ck_assert_msg(st == CRK_OK, "connect: %s", error);
}

static void
world_close(struct world *w)
{
	crk_imap_free(&w->imap);
	crk_engine_free(&w->engine);
	crk_store_free(&w->store);
	crk_rules_clear(&w->rules);
	crk_dovecot_account_clear(&w->acc);
	crk_test_rmtree(w->dir);
	free(w->dir);
	free(w->user);
}

static void
put(struct world *w, const char *folder, const char *file)
{
	char *data = crk_test_mail(file), *error = NULL;
	enum crk_status st;

	st = crk_imap_append(
	    w->imap, folder, NULL, data, strlen(data), NULL, &error);
	ck_assert_msg(st == CRK_OK, "append %s to %s: %s", file, folder, error);
	free(data);
}

static struct crk_sync_stats
sync_ok(struct world *w)
{
	struct crk_sync_options opts = {.now = w->now, .timeout_secs = 10};
	struct crk_sync_stats stats = {0};
	char *error = NULL;
	enum crk_status st;

	st = crk_sync_account(
	    &w->acc, w->engine, w->store, &w->rules, &opts, &stats, &error);
	ck_assert_msg(st == CRK_OK, "sync: %s", error);
	return stats;
}

static void
proposals(struct world *w, struct crk_proposal_list *list)
{
	char *error = NULL;

	ck_assert_msg(crk_store_proposals(
			  w->store, CRK_PROPOSALS_ALL, list, &error) == CRK_OK,
	    "%s", error);
}

/* The one proposal with this subject prefix; fails when missing. */
static const struct crk_proposal *
find(const struct crk_proposal_list *list, const char *subject)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		if (list->items[i].subject != NULL &&
		    strncmp(list->items[i].subject, subject, strlen(subject)) ==
			0)
			return &list->items[i];
	ck_abort_msg("no proposal '%s'", subject);
	return NULL;
}

/* ---- what counts as what (DESIGN.md), mail as real clients write it ---- */

struct placed {
	const char *folder;
	const char *file;
};

static const struct {
	const char *name;
	struct placed mail[4];
	const char *subject;
	enum crk_state state;
	unsigned round;
	unsigned touches;
} rules_table[] = {
    {"gmail reply in thread",
	{{"Sent", "outlook-proposal.eml"}, {"INBOX", "gmail-reply.eml"}},
	"Proposal: ACME", CRK_STATE_REPLIED, 1, 0},
    {"reply before its proposal is synced (INBOX first)",
	{{"INBOX", "gmail-reply.eml"}, {"Archive", "outlook-proposal.eml"}},
	"Proposal: ACME", CRK_STATE_REPLIED, 1, 0},
    {"Exchange out-of-office is not a reply",
	{{"Sent", "outlook-proposal.eml"}, {"INBOX", "exchange-ooo.eml"}},
	"Proposal: ACME", CRK_STATE_WAITING, 1, 0},
    {"German out-of-office by subject only is not a reply",
	{{"Sent", "outlook-proposal.eml"}, {"INBOX", "german-ooo.eml"}},
	"Proposal: ACME", CRK_STATE_WAITING, 1, 0},
    {"Outlook reply that broke threading (AW:, no references)",
	{{"Sent", "outlook-proposal.eml"},
	    {"INBOX", "outlook-unthreaded-reply.eml"}},
	"Proposal: ACME", CRK_STATE_REPLIED, 1, 0},
    {"a colleague answering in the thread is not the prospect",
	{{"Sent", "outlook-proposal.eml"}, {"INBOX", "colleague-reply.eml"}},
	"Proposal: ACME", CRK_STATE_WAITING, 1, 0},
    {"a newsletter with the same subject is ignored",
	{{"Sent", "outlook-proposal.eml"}, {"INBOX", "mailing-list.eml"}},
	"Proposal: ACME", CRK_STATE_WAITING, 1, 0},
    {"the rep's own follow-up in the thread is a touch",
	{{"Sent", "outlook-proposal.eml"}, {"Sent", "outlook-followup.eml"}},
	"Proposal: ACME", CRK_STATE_WAITING, 1, 1},
    {"writing again after a reply starts a new round",
	{{"Sent", "outlook-proposal.eml"}, {"INBOX", "gmail-reply.eml"},
	    {"Sent", "outlook-followup.eml"}},
	"Proposal: ACME", CRK_STATE_WAITING, 2, 1},
    {"a Postfix delivery report marks the proposal bounced",
	{{"Sent", "thunderbird-quote.eml"}, {"INBOX", "postfix-dsn.eml"}},
	"Quote for Globex", CRK_STATE_BOUNCED, 1, 0},
    {"a Gmail vacation reply in the thread is not a reply",
	{{"Sent", "outlook-proposal.eml"}, {"INBOX", "gmail-vacation.eml"}},
	"Proposal: ACME", CRK_STATE_WAITING, 1, 0},
    {"an HTML-only French out-of-office is not a reply",
	{{"Sent", "outlook-proposal.eml"}, {"INBOX", "french-ooo-html.eml"}},
	"Proposal: ACME", CRK_STATE_WAITING, 1, 0},
    {"an Office 365 non-delivery report marks the proposal bounced",
	{{"Sent", "thunderbird-quote.eml"}, {"INBOX", "o365-ndr.eml"}},
	"Quote for Globex", CRK_STATE_BOUNCED, 1, 0},
    {"a qmail bounce in prose marks the proposal bounced",
	{{"Sent", "thunderbird-quote.eml"}, {"INBOX", "qmail-bounce.eml"}},
	"Quote for Globex", CRK_STATE_BOUNCED, 1, 0},
    {"a hostile subject still threads and replies",
	{{"Sent", "hostile-proposal.eml"}, {"INBOX", "hostile-reply.eml"}},
	"Proposal: web", CRK_STATE_REPLIED, 1, 0},
    {"a reply filed away in another folder is found",
	{{"Sent", "outlook-proposal.eml"},
	    {"Customers/ACME", "gmail-reply.eml"}},
	"Proposal: ACME", CRK_STATE_REPLIED, 1, 0},
};

START_TEST(test_what_counts_as_what_after_one_sync)
{
	struct world w;
	struct crk_proposal_list list = {0};
	const struct crk_proposal *p;
	char *error = NULL;
	size_t i;

	world_open(&w, "rules");
	for (i = 0; i < CRK_N_ELEMENTS(rules_table[_i].mail) &&
	     rules_table[_i].mail[i].file != NULL;
	     i++) {
		const char *folder = rules_table[_i].mail[i].folder;

		if (strcmp(folder, "INBOX") != 0 && strcmp(folder, "Sent") != 0)
			(void)crk_imap_create(w.imap, folder, &error);
		crk_free_str(&error);
		put(&w, folder, rules_table[_i].mail[i].file);
	}
	sync_ok(&w);
	proposals(&w, &list);
	ck_assert_msg(list.count == 1, "%s: %zu proposals",
	    rules_table[_i].name, list.count);
	p = find(&list, rules_table[_i].subject);
	ck_assert_msg(p->state == rules_table[_i].state, "%s: state %s",
	    rules_table[_i].name, crk_state_name(p->state));
	ck_assert_msg(p->round == rules_table[_i].round, "%s: round %u",
	    rules_table[_i].name, p->round);
	ck_assert_msg(p->touches == rules_table[_i].touches, "%s: touches %u",
	    rules_table[_i].name, p->touches);
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

START_TEST(test_attachment_names_from_bodystructure_reach_the_reason)
{
	struct world w;
	struct crk_proposal_list list = {0};
	const struct crk_proposal *p;

	world_open(&w, "reason");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	proposals(&w, &list);
	ck_assert_uint_eq(list.count, 1);
	p = find(&list, "Proposal: ACME");
	ck_assert_uint_eq(p->attachments.count, 1);
	ck_assert_str_eq(p->attachments.items[0], "ACME Angebot Müller.pdf");
	ck_assert_ptr_nonnull(strstr(p->reason, "ACME Angebot Müller.pdf"));
	ck_assert_uint_eq(p->prospects.count, 1);
	ck_assert_str_eq(p->prospects.items[0].addr, "jane.doe@acme.example");
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

static void
put_kw(
    struct world *w, const char *folder, const char *file, const char *keyword)
{
	struct crk_strv flags = {0};
	char *data = crk_test_mail(file), *error = NULL;

	crk_strv_add(&flags, keyword);
	ck_assert_msg(crk_imap_append(w->imap, folder, &flags, data,
			  strlen(data), NULL, &error) == CRK_OK,
	    "append %s: %s", file, error);
	crk_strv_clear(&flags);
	free(data);
}

/* A rep's mailbox as it is after a week: several deals, filed replies,
 * an out-of-office, a bounce, a colleague, a newsletter, keywords. */
START_TEST(test_a_whole_sales_mailbox_in_one_sync)
{
	struct world w;
	struct crk_proposal_list list = {0};
	const struct crk_proposal *p;
	char *error = NULL, buf[16];

	world_open(&w, "mailbox");
	crk_engine_set_return_date_parser(w.engine, crk_ooo_return_date);
	ck_assert_int_eq(
	    crk_imap_create(w.imap, "Customers/ACME", &error), CRK_OK);
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "Sent", "thunderbird-quote.eml");
	put(&w, "Sent", "hostile-proposal.eml");
	put(&w, "Sent", "outlook-followup.eml");
	put_kw(&w, "Sent", "apple-checkin.eml", "crickets-track");
	put_kw(&w, "Sent", "outlook-internal-offer.eml", "$Forwarded");
	put(&w, "INBOX", "exchange-ooo.eml");
	put(&w, "INBOX", "postfix-dsn.eml");
	put(&w, "INBOX", "hostile-reply.eml");
	put(&w, "INBOX", "mailing-list.eml");
	put(&w, "INBOX", "colleague-reply.eml");
	put(&w, "Customers/ACME", "outlook-unthreaded-reply.eml");
	sync_ok(&w);
	proposals(&w, &list);
	/* the internal offer to a colleague is no proposal */
	ck_assert_uint_eq(list.count, 4);

	p = find(&list, "Proposal: ACME");
	ck_assert_int_eq(p->state, CRK_STATE_REPLIED);
	ck_assert_uint_eq(p->round, 1);
	ck_assert_uint_eq(p->touches, 1);
	ck_assert_int_eq(p->next_due, CRK_DAY_NONE);

	p = find(&list, "Quote for Globex");
	ck_assert_int_eq(p->state, CRK_STATE_BOUNCED);

	p = find(&list, "Proposal: web");
	ck_assert_int_eq(p->state, CRK_STATE_REPLIED);

	p = find(&list, "Catching up");
	ck_assert_int_eq(p->state, CRK_STATE_WAITING);
	ck_assert_ptr_nonnull(strstr(p->reason, "crickets-track"));
	/* sent Thursday 12th: day 1 is Friday 13th, overdue as of the 17th */
	ck_assert_str_eq(crk_day_format(p->next_due, buf), "2026-11-13");
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

/* ---- incremental, UIDVALIDITY, keywords, \Seen ----------------------------
 */

START_TEST(test_incremental_sync_reads_only_new_messages)
{
	struct world w;
	struct crk_sync_stats stats;
	struct crk_proposal_list list = {0};

	world_open(&w, "incr");
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "Sent", "thunderbird-quote.eml");
	stats = sync_ok(&w);
	ck_assert_uint_eq(stats.fetched, 2);
	stats = sync_ok(&w);
	ck_assert_uint_eq(stats.fetched, 0);
	put(&w, "INBOX", "gmail-reply.eml");
	stats = sync_ok(&w);
	ck_assert_uint_eq(stats.fetched, 1);
	proposals(&w, &list);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_int_eq(
	    find(&list, "Proposal: ACME")->state, CRK_STATE_REPLIED);
	ck_assert_int_eq(
	    find(&list, "Quote for Globex")->state, CRK_STATE_WAITING);
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

START_TEST(test_uidvalidity_change_resyncs_without_duplicates)
{
	struct world w;
	struct crk_sync_stats stats;
	struct crk_proposal_list list = {0};
	struct crk_folder_state before, after;
	char *error = NULL;

	world_open(&w, "uidv");
	ck_assert_int_eq(crk_imap_create(w.imap, "Deals", &error), CRK_OK);
	put(&w, "Deals", "outlook-proposal.eml");
	sync_ok(&w);
	ck_assert_int_eq(
	    crk_store_folder_get(w.store, w.acc.name, "Deals", &before, &error),
	    CRK_OK);
	ck_assert_uint_ne(before.uidvalidity, 0);

	/* The folder is recreated (another client, a server migration):
	 * same mail, new UIDVALIDITY, and a reply on top. */
	ck_assert_int_eq(crk_imap_delete(w.imap, "Deals", &error), CRK_OK);
	sleep(1); /* dovecot derives UIDVALIDITY from the clock */
	ck_assert_int_eq(crk_imap_create(w.imap, "Deals", &error), CRK_OK);
	put(&w, "Deals", "outlook-proposal.eml");
	put(&w, "Deals", "gmail-reply.eml");
	stats = sync_ok(&w);
	ck_assert_uint_eq(stats.resets, 1);
	ck_assert_uint_eq(stats.fetched, 2);
	ck_assert_int_eq(
	    crk_store_folder_get(w.store, w.acc.name, "Deals", &after, &error),
	    CRK_OK);
	ck_assert_uint_ne(after.uidvalidity, before.uidvalidity);
	ck_assert_uint_eq(after.last_uid, 2);
	proposals(&w, &list);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_int_eq(list.items[0].state, CRK_STATE_REPLIED);
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

static const struct {
	const char *keyword;
	enum crk_state state;
} keywords[] = {
    {"crickets-won", CRK_STATE_WON},
    {"crickets-lost", CRK_STATE_LOST},
    {"crickets-drop", CRK_STATE_DROPPED},
};

START_TEST(test_keyword_set_by_another_client_closes_the_proposal)
{
	struct world w;
	struct crk_sync_stats stats;
	struct crk_proposal_list list = {0};
	struct crk_imap_mailbox mb;
	struct crk_strv kw = {0};
	char *error = NULL;

	world_open(&w, "kw");
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "Sent", "thunderbird-quote.eml");
	sync_ok(&w);

	ck_assert_int_eq(crk_imap_select(w.imap, "Sent", &mb, &error), CRK_OK);
	crk_strv_add(&kw, keywords[_i].keyword);
	ck_assert_int_eq(
	    crk_imap_store_flags(w.imap, 1, &kw, true, &error), CRK_OK);
	crk_strv_clear(&kw);

	stats = sync_ok(&w);
	ck_assert_uint_eq(stats.changed, 1); /* CONDSTORE: only that one */
	proposals(&w, &list);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_int_eq(
	    find(&list, "Proposal: ACME")->state, keywords[_i].state);
	ck_assert_int_eq(
	    find(&list, "Quote for Globex")->state, CRK_STATE_WAITING);
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

/* Office 365 has no CONDSTORE: the keywords are searched for. */
START_TEST(test_keyword_is_seen_without_condstore)
{
	struct world w;
	struct crk_sync_options opts = {0};
	struct crk_sync_stats stats = {0};
	struct crk_proposal_list list = {0};
	struct crk_imap_mailbox mb;
	struct crk_imap *imap = NULL;
	struct crk_strv kw = {0};
	char *error = NULL;
	int pass;

	world_open(&w, "nocs");
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "Sent", "thunderbird-quote.eml");
	opts.now = w.now;
	for (pass = 0; pass < 2; pass++) {
		ck_assert_int_eq(
		    crk_sync_connect(&w.acc, 10, &imap, &error), CRK_OK);
		crk_imap_disable_condstore(imap);
		memset(&stats, 0, sizeof(stats));
		ck_assert_msg(
		    crk_sync_connected(imap, &w.acc, w.engine, w.store,
			&w.rules, &opts, &stats, &error) == CRK_OK,
		    "%s", error);
		crk_imap_free(&imap);
		if (pass == 1)
			break;
		ck_assert_int_eq(
		    crk_imap_select(w.imap, "Sent", &mb, &error), CRK_OK);
		crk_strv_add(&kw, "crickets-lost");
		ck_assert_int_eq(
		    crk_imap_store_flags(w.imap, 2, &kw, true, &error), CRK_OK);
		crk_strv_clear(&kw);
	}
	ck_assert_uint_eq(stats.changed, 1);
	proposals(&w, &list);
	ck_assert_int_eq(
	    find(&list, "Quote for Globex")->state, CRK_STATE_LOST);
	ck_assert_int_eq(
	    find(&list, "Proposal: ACME")->state, CRK_STATE_WAITING);
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

START_TEST(test_sync_never_sets_seen)
{
	struct world w;
	struct crk_imap_mailbox mb;
	struct crk_imap_msg_list list = {0};
	char *error = NULL;
	size_t i;

	world_open(&w, "seen");
	put(&w, "Sent", "thunderbird-quote.eml");
	put(&w, "INBOX", "postfix-dsn.eml");  /* its parts are fetched */
	put(&w, "INBOX", "exchange-ooo.eml"); /* its text is fetched */
	put(&w, "INBOX", "gmail-reply.eml");
	sync_ok(&w);
	ck_assert_int_eq(
	    crk_imap_examine(w.imap, "INBOX", &mb, &error), CRK_OK);
	ck_assert_int_eq(
	    crk_imap_fetch_range(w.imap, 1, 0, 0, &list, &error), CRK_OK);
	ck_assert_uint_eq(list.count, 3);
	for (i = 0; i < list.count; i++)
		ck_assert_msg(
		    !crk_strv_contains(&list.items[i].flags, "\\Seen"),
		    "UID %u became \\Seen", list.items[i].uid);
	crk_imap_msg_list_clear(&list);
	world_close(&w);
}
END_TEST

START_TEST(test_configured_folders_restrict_the_sync)
{
	struct world w;
	struct crk_proposal_list list = {0};

	world_open(&w, "only");
	crk_strv_add(&w.acc.folders, "Sent");
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "INBOX", "gmail-reply.eml");
	sync_ok(&w);
	proposals(&w, &list);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_int_eq(list.items[0].state, CRK_STATE_WAITING);
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

START_TEST(test_dry_run_changes_nothing)
{
	struct world w;
	struct crk_sync_options opts = {0};
	struct crk_sync_stats stats = {0};
	struct crk_proposal_list list = {0};
	struct crk_folder_state fs;
	char *error = NULL;

	world_open(&w, "dry");
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "Sent", "thunderbird-quote.eml");
	opts.now = w.now;
	opts.dry_run = true;
	ck_assert_int_eq(crk_sync_account(&w.acc, w.engine, w.store, &w.rules,
			     &opts, &stats, &error),
	    CRK_OK);
	ck_assert_uint_eq(stats.proposals, 2);
	proposals(&w, &list);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_int_eq(
	    crk_store_folder_get(w.store, w.acc.name, "Sent", &fs, &error),
	    CRK_OK);
	ck_assert_uint_eq(fs.uidvalidity, 0);
	world_close(&w);
}
END_TEST

START_TEST(test_plan_skips_trash_junk_and_drafts)
{
	struct world w;
	struct crk_strv folders = {0};
	char *sent = NULL, *drafts = NULL, *error = NULL;

	world_open(&w, "plan");
	ck_assert_int_eq(
	    crk_imap_create(w.imap, "Customers/ACME", &error), CRK_OK);
	ck_assert_int_eq(
	    crk_sync_plan(w.imap, &w.acc, &folders, &sent, &drafts, &error),
	    CRK_OK);
	ck_assert_str_eq(sent, "Sent");
	ck_assert_str_eq(drafts, "Drafts");
	ck_assert_str_eq(folders.items[0], "Sent");
	ck_assert(crk_strv_contains(&folders, "INBOX"));
	ck_assert(crk_strv_contains(&folders, "Customers/ACME"));
	ck_assert(!crk_strv_contains(&folders, "Trash"));
	ck_assert(!crk_strv_contains(&folders, "Junk"));
	ck_assert(!crk_strv_contains(&folders, "Drafts"));
	crk_strv_clear(&folders);
	free(sent);
	free(drafts);

	crk_strv_add(&w.acc.folders, "No Such Folder");
	ck_assert_int_eq(
	    crk_sync_plan(w.imap, &w.acc, &folders, NULL, NULL, &error),
	    CRK_E_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(error, "No Such Folder"));
	free(error);
	world_close(&w);
}
END_TEST

static const struct {
	const char *file;
	const char *due;
} ooo_moves[] = {
    {"exchange-ooo.eml", "2026-11-23"},    /* until Fri 20 November */
    {"german-ooo.eml", "2026-11-23"},      /* bis einschl. 20.11.2026 */
    {"gmail-vacation.eml", "2026-11-23"},  /* back on Monday 23rd */
    {"french-ooo-html.eml", "2026-11-30"}, /* HTML: jusqu'au 27 nov. */
};

START_TEST(test_out_of_office_moves_the_follow_up_past_the_return)
{
	struct world w;
	struct crk_proposal_list list = {0};
	char buf[16];

	world_open(&w, "oooday");
	crk_engine_set_return_date_parser(w.engine, crk_ooo_return_date);
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "INBOX", ooo_moves[_i].file);
	ck_assert_int_eq(crk_time_parse("2026-11-12", &w.now, NULL), CRK_OK);
	sync_ok(&w);
	proposals(&w, &list);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_int_eq(list.items[0].state, CRK_STATE_WAITING);
	/* not the cadence's 11 November: the working day after the return */
	ck_assert_msg(strcmp(crk_day_format(list.items[0].next_due, buf),
			  ooo_moves[_i].due) == 0,
	    "%s: due %s", ooo_moves[_i].file, buf);
	crk_proposal_list_clear(&list);
	world_close(&w);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("sync");
	TCase *tc;

	if (!crk_dovecot_available()) {
		if (getenv("CRK_NO_SKIP") != NULL &&
		    strcmp(getenv("CRK_NO_SKIP"), "1") == 0) {
			printf("Bail out! dovecot is not installed\n");
			exit(EXIT_FAILURE);
		}
		printf("1..0 # SKIP dovecot is not installed\n");
		exit(EXIT_SUCCESS);
	}
	tc = tcase_create("offline");
	suite_add_tcase(s, tc);

	tc = tcase_create("dovecot");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 60);
	CRK_TABLE_TEST(
	    tc, test_what_counts_as_what_after_one_sync, rules_table);
	tcase_add_test(
	    tc, test_attachment_names_from_bodystructure_reach_the_reason);
	tcase_add_test(tc, test_a_whole_sales_mailbox_in_one_sync);
	tcase_add_test(tc, test_incremental_sync_reads_only_new_messages);
	tcase_add_test(tc, test_uidvalidity_change_resyncs_without_duplicates);
	CRK_TABLE_TEST(tc,
	    test_keyword_set_by_another_client_closes_the_proposal, keywords);
	tcase_add_test(tc, test_keyword_is_seen_without_condstore);
	tcase_add_test(tc, test_sync_never_sets_seen);
	tcase_add_test(tc, test_configured_folders_restrict_the_sync);
	tcase_add_test(tc, test_dry_run_changes_nothing);
	tcase_add_test(tc, test_plan_skips_trash_junk_and_drafts);
	CRK_TABLE_TEST(tc,
	    test_out_of_office_moves_the_follow_up_past_the_return, ooo_moves);
	suite_add_tcase(s, tc);
	return s;
}
