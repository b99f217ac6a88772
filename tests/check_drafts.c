/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the follow-up drafts on a real dovecot: open, recover, clean up. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cadence.h"
#include "core/classify.h"
#include "core/date.h"
#include "core/engine.h"
#include "core/message.h"
#include "core/store.h"
#include "core/ooo.h"
#include "tests/check_common.h"
#include "tests/harness/dovecot.h"
#include "conf/conf.h"
#include "watcher/drafts.h"
#include "watcher/imap.h"
#include "watcher/sync.h"

#ifndef CRK_TEST_BINARY
#error "CRK_TEST_BINARY must name the built crickets program"
#endif

#define PROPOSAL_ID                                                            \
	"AM0PR07MB4530D1E2F3A4B5C6D7E8F9A0B1C2D3E4@AM0PR07MB4530.eurprd07."    \
	"prod.outlook.com"
#define FOLLOWUP_ID                                                            \
	"AM0PR07MB45309F8E7D6C5B4A39281706F5E4D3C2@AM0PR07MB4530.eurprd07."    \
	"prod.outlook.com"

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

/* One test's world: its own IMAP user, store, engine and config. */
struct world {
	char *dir;
	char *user;
	struct crk_account_config acc;
	struct crk_config config; /* only templates_dir and draft_hour */
	struct crk_rules rules;
	struct crk_cadence cadence;
	struct crk_store *store;
	struct crk_engine *engine;
	struct crk_imap *imap; /* "the rep's mail client" */
	time_t now;
};

static void
world_open(struct world *w, const char *tag)
{
	char *error = NULL, *db, *path;
	enum crk_status st;

	memset(w, 0, sizeof(*w));
	crk_test_set_tz("Europe/Berlin");
	w->dir = crk_test_tmpdir();
	w->user = crk_xasprintf("dr-%s-%d", tag, (int)getpid());
	crk_dovecot_account(dc, w->user, CRK_TLS_IMAPS, "localhost", &w->acc);
	free(w->acc.name);
	w->acc.name = crk_xstrdup("work");
	w->acc.drafts = true;
	crk_strv_add(&w->acc.identities, "robin.smith@example.com");
	crk_strv_add(&w->acc.internal_domains, "example.com");
	crk_rules_init_default(&w->rules);
	crk_strv_add(&w->rules.identities, "robin.smith@example.com");
	crk_strv_add(&w->rules.internal_domains, "example.com");
	crk_cadence_default(&w->cadence);
	/* the rep's own template for touch 1 and 2 */
	w->config.templates_dir = crk_xasprintf("%s/templates", w->dir);
	ck_assert_int_eq(mkdir(w->config.templates_dir, 0700), 0);
	path = crk_xasprintf("%s/touch-1.txt", w->config.templates_dir);
	crk_test_write_file(path,
	    "Angle: test\n\nHello {first_name}, touch {touch} about "
	    "{subject}.\n\n{rep_name}\n");
	free(path);
	path = crk_xasprintf("%s/touch-2.txt", w->config.templates_dir);
	crk_test_write_file(
	    path, "Angle: test\n\nHello again {first_name}, touch {touch}.\n");
	free(path);
	w->config.draft_hour = 8;
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
	free(w->config.templates_dir);
	crk_test_rmtree(w->dir);
	free(w->dir);
	free(w->user);
}

static void
at(struct world *w, const char *when)
{
	ck_assert_int_eq(crk_time_parse(when, &w->now, NULL), CRK_OK);
}

static void
put_text(struct world *w, const char *folder, const char *data,
    const struct crk_strv *flags)
{
	char *error = NULL;
	enum crk_status st;

	st = crk_imap_append(
	    w->imap, folder, flags, data, strlen(data), NULL, &error);
	ck_assert_msg(st == CRK_OK, "append to %s: %s", folder, error);
}

static void
put(struct world *w, const char *folder, const char *file)
{
	char *data = crk_test_mail(file);

	put_text(w, folder, data, NULL);
	free(data);
}

static void
sync_ok(struct world *w)
{
	struct crk_sync_options opts = {.now = w->now, .timeout_secs = 10};
	struct crk_sync_stats stats = {0};
	char *error = NULL;
	enum crk_status st;

	st = crk_sync_account(
	    &w->acc, w->engine, w->store, &w->rules, &opts, &stats, &error);
	ck_assert_msg(st == CRK_OK, "sync: %s", error);
}

static struct crk_drafts_stats
drafts_ok(struct world *w, bool dry_run)
{
	struct crk_drafts_stats stats;
	char *error = NULL;
	enum crk_status st;

	st = crk_drafts_sync_account(
	    w->store, &w->config, &w->acc, w->now, dry_run, &stats, &error);
	ck_assert_msg(st == CRK_OK, "drafts: %s", error);
	return stats;
}

/* The messages in Drafts, as the rep's client sees them. */
static void
server_drafts(struct world *w, struct crk_imap_msg_list *list)
{
	struct crk_imap_mailbox mb;
	char *error = NULL;

	ck_assert_msg(
	    crk_imap_examine(w->imap, "Drafts", &mb, &error) == CRK_OK,
	    "examine: %s", error);
	memset(list, 0, sizeof(*list));
	if (mb.exists == 0)
		return;
	ck_assert_msg(
	    crk_imap_fetch_range(w->imap, 1, 0, 0, list, &error) == CRK_OK,
	    "fetch: %s", error);
}

static size_t
server_draft_count(struct world *w)
{
	struct crk_imap_msg_list list;
	size_t n;

	server_drafts(w, &list);
	n = list.count;
	crk_imap_msg_list_clear(&list);
	return n;
}

/* The whole message with this UID in Drafts, parsed. */
static struct crk_message *
server_message(struct world *w, uint32_t uid, char **raw_r)
{
	struct crk_imap_mailbox mb;
	struct crk_message *msg = NULL;
	char *data = NULL, *error = NULL;
	size_t len;

	ck_assert_int_eq(
	    crk_imap_examine(w->imap, "Drafts", &mb, &error), CRK_OK);
	ck_assert_msg(crk_imap_fetch_section(w->imap, uid, "", 256 * 1024,
			  &data, &len, &error) == CRK_OK,
	    "fetch body: %s", error);
	ck_assert_int_eq(crk_message_parse_full(data, len, &msg, NULL), CRK_OK);
	if (raw_r != NULL)
		*raw_r = data;
	else
		free(data);
	return msg;
}

static void
store_drafts(struct world *w, struct crk_draft_list *list)
{
	char *error = NULL;

	ck_assert_msg(
	    crk_store_drafts(w->store, "work", list, &error) == CRK_OK, "%s",
	    error);
}

/* The state of the one recorded draft (-1 when none, fails on more). */
static int
store_draft_state(struct world *w, char **message_id_r, uint32_t *uid_r)
{
	struct crk_draft_list list;
	int state = -1;

	store_drafts(w, &list);
	ck_assert_uint_le(list.count, 1);
	if (list.count == 1) {
		state = (int)list.items[0].state;
		if (message_id_r != NULL)
			*message_id_r = crk_xstrdup(list.items[0].message_id);
		if (uid_r != NULL)
			*uid_r = list.items[0].uid;
	}
	crk_draft_list_clear(&list);
	return state;
}

static int64_t
open_followup_id(struct world *w)
{
	struct crk_followup_list list;
	int64_t id;

	ck_assert_int_eq(
	    crk_store_followups(w->store, 0, true, &list, NULL), CRK_OK);
	ck_assert_uint_eq(list.count, 1);
	id = list.items[0].id;
	crk_followup_list_clear(&list);
	return id;
}

/* ---- opening drafts ----------------------------------------------------- */

START_TEST(test_due_followup_gets_one_threaded_draft)
{
	struct world w;
	struct crk_imap_msg_list list;
	struct crk_drafts_stats stats;
	struct crk_message *msg;
	char *mid = NULL, *raw = NULL, *error = NULL;
	uint32_t uid = 0, *uids = NULL;
	size_t n = 0, i;
	bool has_draft = false;

	world_open(&w, "one");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.created, 1);

	server_drafts(&w, &list);
	ck_assert_uint_eq(list.count, 1);
	for (i = 0; i < list.items[0].flags.count; i++)
		if (strcmp(list.items[0].flags.items[i], "\\Draft") == 0)
			has_draft = true;
	ck_assert_msg(has_draft, "the draft lacks \\Draft");
	ck_assert_int_eq(store_draft_state(&w, &mid, &uid), CRK_DRAFT_APPENDED);
	ck_assert_uint_eq(uid, list.items[0].uid);

	msg = server_message(&w, uid, &raw);
	ck_assert_str_eq(msg->message_id, mid);
	ck_assert_str_eq(msg->from.addr, "robin.smith@example.com");
	ck_assert_str_eq(msg->from.name, "Robin Smith");
	ck_assert_uint_eq(msg->to.count, 1);
	ck_assert_str_eq(msg->to.items[0].addr, "jane.doe@acme.example");
	ck_assert_str_eq(msg->subject, "Re: Proposal: ACME Q3 rollout");
	ck_assert_str_eq(msg->in_reply_to, PROPOSAL_ID);
	ck_assert(crk_strv_contains(&msg->references, PROPOSAL_ID));
	ck_assert_ptr_nonnull(msg->body_text);
	ck_assert_msg(strstr(msg->body_text,
			  "Hello Jane, touch 1 about "
			  "Proposal: ACME Q3 rollout.") != NULL,
	    "body: %s", msg->body_text);
	ck_assert_ptr_nonnull(strstr(msg->body_text, "Robin Smith"));
	ck_assert_ptr_nonnull(strstr(raw, "X-Crickets-Followup: "));
	/* the server finds it by that header too */
	ck_assert_int_eq(crk_imap_search_header(w.imap, "X-Crickets-Followup",
			     "", &uids, &n, &error),
	    CRK_OK);
	ck_assert_uint_eq(n, 1);
	free(uids);
	crk_message_free(&msg);
	crk_imap_msg_list_clear(&list);

	/* a second run, and a second sync and run, add none */
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.created, 0);
	sync_ok(&w);
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.created, 0);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	ck_assert_int_eq(store_draft_state(&w, NULL, NULL), CRK_DRAFT_APPENDED);
	free(mid);
	free(raw);
	world_close(&w);
}
END_TEST

START_TEST(test_draft_replies_to_the_last_message_of_the_thread)
{
	struct world w;
	struct crk_message *msg;
	uint32_t uid = 0;

	world_open(&w, "last");
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "Sent", "outlook-followup.eml");
	sync_ok(&w);
	ck_assert_uint_eq(drafts_ok(&w, false).created, 1);
	ck_assert_int_eq(store_draft_state(&w, NULL, &uid), CRK_DRAFT_APPENDED);
	msg = server_message(&w, uid, NULL);
	ck_assert_str_eq(msg->in_reply_to, FOLLOWUP_ID);
	ck_assert(crk_strv_contains(&msg->references, PROPOSAL_ID));
	ck_assert(crk_strv_contains(&msg->references, FOLLOWUP_ID));
	ck_assert_str_eq(msg->subject, "Re: Proposal: ACME Q3 rollout");
	/* the rep's touch was #1, so this is touch 2's template */
	ck_assert_msg(
	    strstr(msg->body_text, "Hello again Jane, touch 2.") != NULL,
	    "body: %s", msg->body_text);
	crk_message_free(&msg);
	world_close(&w);
}
END_TEST

static void
put_kw(struct world *w, const char *folder, const char *file, const char *kw)
{
	struct crk_strv flags = {0};
	char *data = crk_test_mail(file);

	crk_strv_add(&flags, kw);
	put_text(w, folder, data, &flags);
	crk_strv_clear(&flags);
	free(data);
}

/* The "done when": as of a day, exactly one threaded draft per
 * due follow-up, replying to the last message of each thread. */
START_TEST(test_a_sales_mailbox_gets_one_draft_per_due_followup)
{
	struct world w;
	struct crk_proposal_list props;
	struct crk_followup_list open;
	struct crk_imap_msg_list list;
	struct crk_strv seen = {0};
	struct crk_message *msg;
	size_t due = 0, i, j;
	crk_day today;

	world_open(&w, "mailbox");
	crk_engine_set_return_date_parser(w.engine, crk_ooo_return_date);
	put(&w, "Sent", "outlook-proposal.eml");
	put(&w, "Sent", "thunderbird-quote.eml");
	put(&w, "Sent", "hostile-proposal.eml");
	put(&w, "Sent", "outlook-followup.eml");
	put_kw(&w, "Sent", "apple-checkin.eml", "crickets-track");
	put_kw(&w, "Sent", "outlook-internal-offer.eml", "$Forwarded");
	put(&w, "INBOX", "exchange-ooo.eml");
	put(&w, "INBOX", "mailing-list.eml");
	put(&w, "INBOX", "colleague-reply.eml");
	sync_ok(&w);

	today = crk_day_of_time(w.now);
	ck_assert_int_eq(
	    crk_store_proposals(w.store, CRK_PROPOSALS_ALL, &props, NULL),
	    CRK_OK);
	ck_assert_int_eq(
	    crk_store_followups(w.store, 0, true, &open, NULL), CRK_OK);
	for (i = 0; i < open.count; i++)
		for (j = 0; j < props.count; j++)
			if (props.items[j].id == open.items[i].proposal_id &&
			    props.items[j].state == CRK_STATE_WAITING &&
			    open.items[i].due <= today)
				due++;
	ck_assert_uint_ge(due, 3);

	ck_assert_uint_eq(drafts_ok(&w, false).created, due);
	server_drafts(&w, &list);
	ck_assert_uint_eq(list.count, due);
	for (i = 0; i < list.count; i++) {
		const struct crk_proposal *p = NULL;

		msg = server_message(&w, list.items[i].uid, NULL);
		ck_assert_ptr_nonnull(msg->in_reply_to);
		for (j = 0; j < props.count; j++)
			if (props.items[j].last_message_id != NULL &&
			    strcmp(props.items[j].last_message_id,
				msg->in_reply_to) == 0)
				p = &props.items[j];
		ck_assert_msg(p != NULL, "draft replies to <%s>, no thread end",
		    msg->in_reply_to);
		/* one draft per thread */
		ck_assert(crk_strv_add_unique(&seen, msg->in_reply_to));
		ck_assert(crk_strv_contains(&msg->references, p->message_id));
		ck_assert_str_eq(msg->from.addr, p->from_addr);
		ck_assert(crk_addr_list_contains(
		    &msg->to, p->prospects.items[0].addr));
		crk_message_free(&msg);
	}
	crk_imap_msg_list_clear(&list);
	/* a second sync adds none */
	sync_ok(&w);
	ck_assert_uint_eq(drafts_ok(&w, false).created, 0);
	ck_assert_uint_eq(server_draft_count(&w), due);
	crk_strv_clear(&seen);
	crk_followup_list_clear(&open);
	crk_proposal_list_clear(&props);
	world_close(&w);
}
END_TEST

/* Follow-up #1 of the proposal sent on Tue 10 Nov is due Wed 11 Nov;
 * on the due day itself drafts wait for draft_hour. */
static const struct {
	const char *now;
	unsigned draft_hour;
	unsigned created;
} due_table[] = {
    {"2026-11-10T18:00", 8, 0},
    {"2026-11-11T07:59", 8, 0},
    {"2026-11-11T08:00", 8, 1},
    {"2026-11-11T00:30", 0, 1},
    {"2026-11-11T22:00", 23, 0},
    {"2026-11-12T07:00", 8, 1},
};

START_TEST(test_draft_waits_for_due_day_and_draft_hour)
{
	struct world w;

	world_open(&w, "due");
	at(&w, due_table[_i].now);
	w.config.draft_hour = due_table[_i].draft_hour;
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	ck_assert_uint_eq(drafts_ok(&w, false).created, due_table[_i].created);
	ck_assert_uint_eq(server_draft_count(&w), due_table[_i].created);
	world_close(&w);
}
END_TEST

/* ---- closing follow-ups ------------------------------------------------- */

START_TEST(test_reply_removes_the_untouched_draft)
{
	struct world w;
	struct crk_drafts_stats stats;

	world_open(&w, "reply");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	ck_assert_uint_eq(drafts_ok(&w, false).created, 1);
	/* something of the rep's own stays in Drafts */
	put_text(&w, "Drafts",
	    "From: robin.smith@example.com\nSubject: notes\n"
	    "Message-ID: <notes@example.com>\n\nsomething else\n",
	    NULL);
	ck_assert_uint_eq(server_draft_count(&w), 2);

	put(&w, "INBOX", "gmail-reply.eml");
	sync_ok(&w);
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.removed, 1);
	ck_assert_uint_eq(stats.kept, 0);
	ck_assert_uint_eq(stats.created, 0);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	ck_assert_int_eq(store_draft_state(&w, NULL, NULL), CRK_DRAFT_REMOVED);
	/* and the next run does nothing more */
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.removed + stats.kept + stats.created, 0);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	world_close(&w);
}
END_TEST

/* Every way a follow-up closes removes its untouched draft; a snooze
 * keeps the follow-up, and its draft, open. */
enum closing {
	CLOSE_WON,
	CLOSE_LOST,
	CLOSE_DROP,
	CLOSE_PHONE,
	CLOSE_UNTRACK,
	CLOSE_SNOOZE,
};

static const struct {
	const char *name;
	enum closing how;
	unsigned removed;
} closing_table[] = {
    {"won", CLOSE_WON, 1},
    {"lost", CLOSE_LOST, 1},
    {"dropped", CLOSE_DROP, 1},
    {"a phone call recorded as a touch", CLOSE_PHONE, 1},
    {"untracked", CLOSE_UNTRACK, 1},
    {"snoozed (still open)", CLOSE_SNOOZE, 0},
};

START_TEST(test_closed_followup_loses_its_untouched_draft)
{
	struct world w;
	struct crk_drafts_stats stats;
	struct crk_proposal_list list;
	char *error = NULL;
	enum crk_status st = CRK_OK;
	int64_t id;

	world_open(&w, "close");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	ck_assert_uint_eq(drafts_ok(&w, false).created, 1);
	ck_assert_int_eq(
	    crk_store_proposals(w.store, CRK_PROPOSALS_ALL, &list, &error),
	    CRK_OK);
	ck_assert_uint_eq(list.count, 1);
	id = list.items[0].id;
	crk_proposal_list_clear(&list);
	switch (closing_table[_i].how) {
	case CLOSE_WON:
	case CLOSE_LOST:
	case CLOSE_DROP:
		st = crk_engine_close(w.engine, id,
		    closing_table[_i].how == CLOSE_WON ? CRK_STATE_WON
			: closing_table[_i].how == CLOSE_LOST
			? CRK_STATE_LOST
			: CRK_STATE_DROPPED,
		    "cli", w.now, &error);
		break;
	case CLOSE_PHONE:
		st = crk_engine_touch(
		    w.engine, id, "phone", NULL, "cli", w.now, &error);
		break;
	case CLOSE_UNTRACK:
		st = crk_engine_untrack(w.engine, id, &error);
		break;
	case CLOSE_SNOOZE:
		st = crk_engine_snooze(w.engine, id, crk_day_of_time(w.now) + 5,
		    "cli", w.now, &error);
		break;
	}
	ck_assert_msg(st == CRK_OK, "%s: %s", closing_table[_i].name, error);
	stats = drafts_ok(&w, false);
	ck_assert_msg(stats.removed == closing_table[_i].removed,
	    "%s: removed %u", closing_table[_i].name, stats.removed);
	ck_assert_uint_eq(stats.kept, 0);
	ck_assert_uint_eq(stats.created, 0);
	ck_assert_uint_eq(
	    server_draft_count(&w), 1 - closing_table[_i].removed);
	world_close(&w);
}
END_TEST

START_TEST(test_edited_draft_is_kept)
{
	struct world w;
	struct crk_drafts_stats stats;
	struct crk_imap_mailbox mb;
	struct crk_imap_msg_list list;
	struct crk_strv flags = {0};
	char *error = NULL;
	uint32_t uid = 0;

	world_open(&w, "edit");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	ck_assert_uint_eq(drafts_ok(&w, false).created, 1);
	ck_assert_int_eq(store_draft_state(&w, NULL, &uid), CRK_DRAFT_APPENDED);

	/* the rep's client saves an edit: a new message replaces ours */
	crk_strv_add(&flags, "\\Draft");
	put_text(&w, "Drafts",
	    "From: Robin Smith <robin.smith@example.com>\n"
	    "To: jane.doe@acme.example\n"
	    "Subject: Re: Proposal: ACME Q3 rollout\n"
	    "Message-ID: <edited-by-robin@example.com>\n"
	    "In-Reply-To: <" PROPOSAL_ID ">\n\nHi Jane, my own words.\n",
	    &flags);
	crk_strv_clear(&flags);
	ck_assert_int_eq(
	    crk_imap_select(w.imap, "Drafts", &mb, &error), CRK_OK);
	ck_assert_int_eq(crk_imap_expunge_uid(w.imap, uid, &error), CRK_OK);

	put(&w, "INBOX", "gmail-reply.eml");
	sync_ok(&w);
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.kept, 1);
	ck_assert_uint_eq(stats.removed, 0);
	ck_assert_int_eq(store_draft_state(&w, NULL, NULL), CRK_DRAFT_KEPT);
	server_drafts(&w, &list);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_ptr_nonnull(strstr(list.items[0].header, "edited-by-robin"));
	crk_imap_msg_list_clear(&list);
	/* never touched again */
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.kept + stats.removed, 0);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	world_close(&w);
}
END_TEST

START_TEST(test_draft_is_kept_when_drafts_uidvalidity_changed)
{
	struct world w;
	struct crk_drafts_stats stats;
	struct crk_message *msg;
	struct crk_imap_mailbox mb;
	struct crk_strv flags = {0};
	char *raw = NULL, *error = NULL;
	uint32_t uid = 0;

	world_open(&w, "uidval");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	ck_assert_uint_eq(drafts_ok(&w, false).created, 1);
	ck_assert_int_eq(store_draft_state(&w, NULL, &uid), CRK_DRAFT_APPENDED);
	msg = server_message(&w, uid, &raw);
	crk_message_free(&msg);
	/* the folder is made anew: same text, UIDs that prove nothing */
	ck_assert_int_eq(
	    crk_imap_examine(w.imap, "INBOX", &mb, &error), CRK_OK);
	ck_assert_msg(crk_imap_delete(w.imap, "Drafts", &error) == CRK_OK,
	    "delete: %s", error);
	ck_assert_msg(crk_imap_create(w.imap, "Drafts", &error) == CRK_OK,
	    "create: %s", error);
	crk_strv_add(&flags, "\\Draft");
	put_text(&w, "Drafts", raw, &flags);
	crk_strv_clear(&flags);

	put(&w, "INBOX", "gmail-reply.eml");
	sync_ok(&w);
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.kept, 1);
	ck_assert_uint_eq(stats.removed, 0);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	ck_assert_int_eq(store_draft_state(&w, NULL, NULL), CRK_DRAFT_KEPT);
	free(raw);
	world_close(&w);
}
END_TEST

/* ---- crashes ------------------------------------------------------------ */

/* A crash after the PENDING record: with the APPEND done (then the draft
 * is found again) or before it (then it is written anew). */
static const struct {
	const char *name;
	bool appended;
} crash_table[] = {
    {"crash between APPEND and the APPENDED record", true},
    {"crash between the PENDING record and the APPEND", false},
};

START_TEST(test_pending_draft_is_recovered_without_duplicate)
{
	struct world w;
	struct crk_drafts_stats stats;
	struct crk_imap_msg_list list;
	struct crk_strv flags = {0};
	char *error = NULL, *text, *mid = NULL;
	uint32_t uid = 0;

	world_open(&w, crash_table[_i].appended ? "crash-a" : "crash-b");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	ck_assert_int_eq(
	    crk_store_draft_begin(w.store, open_followup_id(&w), "work",
		"Drafts", "crashed.1@example.com", w.now, &error),
	    CRK_OK);
	if (crash_table[_i].appended) {
		text = crk_xasprintf(
		    "From: robin.smith@example.com\n"
		    "To: jane.doe@acme.example\n"
		    "Subject: Re: Proposal: ACME Q3 rollout\n"
		    "Message-ID: <crashed.1@example.com>\n\nHi Jane\n");
		crk_strv_add(&flags, "\\Draft");
		put_text(&w, "Drafts", text, &flags);
		crk_strv_clear(&flags);
		free(text);
	}

	stats = drafts_ok(&w, false);
	ck_assert_msg(stats.recovered == (crash_table[_i].appended ? 1u : 0u),
	    "%s: recovered %u", crash_table[_i].name, stats.recovered);
	ck_assert_uint_eq(stats.forgotten, crash_table[_i].appended ? 0 : 1);
	ck_assert_uint_eq(stats.created, crash_table[_i].appended ? 0 : 1);
	server_drafts(&w, &list);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_int_eq(store_draft_state(&w, &mid, &uid), CRK_DRAFT_APPENDED);
	ck_assert_uint_eq(uid, list.items[0].uid);
	if (crash_table[_i].appended)
		ck_assert_str_eq(mid, "crashed.1@example.com");
	else
		ck_assert_str_ne(mid, "crashed.1@example.com");
	crk_imap_msg_list_clear(&list);
	free(mid);

	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.created + stats.recovered + stats.forgotten, 0);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	world_close(&w);
}
END_TEST

/* ---- switched off, dry run, no folder ------------------------------------ */

START_TEST(test_drafts_no_writes_nothing)
{
	struct world w;
	struct crk_drafts_stats stats;

	world_open(&w, "off");
	w.acc.drafts = false;
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	stats = drafts_ok(&w, false);
	ck_assert_uint_eq(stats.created, 0);
	ck_assert_uint_eq(server_draft_count(&w), 0);
	ck_assert_int_eq(store_draft_state(&w, NULL, NULL), -1);
	world_close(&w);
}
END_TEST

START_TEST(test_dry_run_writes_nothing)
{
	struct world w;
	struct crk_drafts_stats stats;
	char *log;

	world_open(&w, "dry");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	crk_test_log_capture_start();
	stats = drafts_ok(&w, true);
	log = crk_test_log_capture_end();
	ck_assert_uint_eq(stats.created, 1);
	ck_assert_msg(
	    strstr(log, "would open a draft") != NULL, "log: %s", log);
	free(log);
	ck_assert_uint_eq(server_draft_count(&w), 0);
	ck_assert_int_eq(store_draft_state(&w, NULL, NULL), -1);

	/* nor does it remove anything */
	ck_assert_uint_eq(drafts_ok(&w, false).created, 1);
	put(&w, "INBOX", "gmail-reply.eml");
	sync_ok(&w);
	crk_test_log_capture_start();
	stats = drafts_ok(&w, true);
	log = crk_test_log_capture_end();
	ck_assert_uint_eq(stats.removed, 1);
	ck_assert_msg(strstr(log, "would be removed") != NULL, "log: %s", log);
	free(log);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	ck_assert_int_eq(store_draft_state(&w, NULL, NULL), CRK_DRAFT_APPENDED);
	world_close(&w);
}
END_TEST

START_TEST(test_missing_drafts_folder_warns_once_and_creates_none)
{
	struct world w;
	struct crk_drafts_stats stats;
	struct crk_imap_folder_list folders;
	char *log, *error = NULL;

	world_open(&w, "nofolder");
	w.acc.drafts_folder = crk_xstrdup("Brouillons");
	put(&w, "Sent", "outlook-proposal.eml");
	sync_ok(&w);
	crk_test_log_capture_start();
	stats = drafts_ok(&w, false);
	ck_assert(stats.no_folder);
	ck_assert_uint_eq(stats.created, 0);
	stats = drafts_ok(&w, false);
	log = crk_test_log_capture_end();
	ck_assert(stats.no_folder);
	ck_assert_msg(strstr(log, "Brouillons") != NULL &&
		strstr(log, "no follow-up drafts") != NULL,
	    "log: %s", log);
	ck_assert_msg(strstr(strstr(log, "no follow-up drafts") + 1,
			  "no follow-up drafts") == NULL,
	    "warned twice: %s", log);
	free(log);
	ck_assert_uint_eq(server_draft_count(&w), 0);
	/* and no folder was created */
	ck_assert_int_eq(
	    crk_imap_list_folders(w.imap, &folders, &error), CRK_OK);
	ck_assert_ptr_null(crk_imap_folder_find(&folders, "Brouillons"));
	crk_imap_folder_list_clear(&folders);
	world_close(&w);
}
END_TEST

/* ---- the program -------------------------------------------------------- */

/* Starts crickets -c config -v --now ... cmd [arg]; stdout and stderr go
 * to <dir>/stderr.  The child dies with the test (PR_SET_PDEATHSIG). */
static pid_t
spawn_crickets(struct world *w, const char *config, const char *cmd,
    const char *arg, const char *arg2)
{
	const char *argv[] = {"crickets", "-c", config, "-v", "--now",
	    "2026-11-17T10:00", cmd, arg, arg2, NULL};
	char *out = crk_xasprintf("%s/stderr", w->dir);
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(CRK_TEST_BINARY, (char *const *)argv);
		_exit(127);
	}
	free(out);
	return pid;
}

static int
run_crickets(struct world *w, const char *config, const char *arg)
{
	pid_t pid = spawn_crickets(w, config, "sync", arg, NULL);
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char *
crickets_stderr(struct world *w)
{
	char *path = crk_xasprintf("%s/stderr", w->dir);
	char *text = crk_test_read_file(path, NULL);

	free(path);
	return text;
}

static void
write_config(
    struct world *w, const char *home, const char *config, const char *drafts)
{
	char *text = crk_xasprintf("[crickets]\n"
				   "database = %s/crickets.db\n"
				   "feed_dir = %s/feed\n"
				   "templates_dir = %s\n"
				   "timezone = Europe/Berlin\n"
				   "\n"
				   "[account work]\n"
				   "host = localhost\n"
				   "port = %u\n"
				   "tls = imaps\n"
				   "ca_file = %s\n"
				   "user = %s\n"
				   "password_file = %s\n"
				   "identities = robin.smith@example.com\n"
				   "internal_domains = example.com\n"
				   "drafts = %s\n",
	    home, home, w->config.templates_dir, dc->imaps_port, dc->ca_file,
	    w->user, w->acc.password_file, drafts);

	crk_test_write_file(config, text);
	free(text);
}

START_TEST(test_crickets_sync_opens_the_draft_on_the_server)
{
	struct world w;
	char *config, *text, *home;
	int rc;

	world_open(&w, "cli");
	home = crk_xasprintf("%s/home", w.dir);
	ck_assert_int_eq(mkdir(home, 0700), 0);
	setenv("HOME", home, 1);
	config = crk_xasprintf("%s/config", home);
	put(&w, "Sent", "outlook-proposal.eml");

	/* tracked first with drafts off: nothing in Drafts */
	write_config(&w, home, config, "no");
	rc = run_crickets(&w, config, NULL);
	text = crickets_stderr(&w);
	ck_assert_msg(rc == 0, "sync: %d: %s", rc, text);
	free(text);
	ck_assert_uint_eq(server_draft_count(&w), 0);

	/* a dry run says what it would do and does nothing */
	write_config(&w, home, config, "yes");
	rc = run_crickets(&w, config, "--dry-run");
	text = crickets_stderr(&w);
	ck_assert_msg(rc == 0, "dry run: %d: %s", rc, text);
	ck_assert_msg(strstr(text, "would open a draft") != NULL, "%s", text);
	free(text);
	ck_assert_uint_eq(server_draft_count(&w), 0);

	rc = run_crickets(&w, config, NULL);
	text = crickets_stderr(&w);
	ck_assert_msg(rc == 0, "sync: %d: %s", rc, text);
	ck_assert_msg(strstr(text, "draft <crickets.") != NULL, "%s", text);
	/* Message-IDs in the log, never the body */
	ck_assert_ptr_null(strstr(text, "Hello Jane"));
	free(text);
	ck_assert_uint_eq(server_draft_count(&w), 1);

	rc = run_crickets(&w, config, NULL);
	text = crickets_stderr(&w);
	ck_assert_msg(rc == 0, "second sync: %d: %s", rc, text);
	free(text);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	free(config);
	free(home);
	world_close(&w);
}
END_TEST

START_TEST(test_crickets_watch_opens_the_draft_once)
{
	struct world w;
	char *config, *text, *home;
	int status, i;
	size_t n = 0;
	pid_t pid;

	world_open(&w, "watch");
	home = crk_xasprintf("%s/home", w.dir);
	ck_assert_int_eq(mkdir(home, 0700), 0);
	setenv("HOME", home, 1);
	config = crk_xasprintf("%s/config", home);
	write_config(&w, home, config, "yes");
	put(&w, "Sent", "outlook-proposal.eml");

	pid =
	    spawn_crickets(&w, config, "watch", "--foreground", "--interval=1");
	for (i = 0; i < 200 && n == 0; i++) {
		usleep(100 * 1000);
		n = server_draft_count(&w);
	}
	ck_assert_uint_eq(n, 1);
	/* a few more passes add nothing */
	sleep(3);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	text = crickets_stderr(&w);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "watch: %d: %s", status, text);
	ck_assert_msg(strstr(text, "draft <crickets.") != NULL, "%s", text);
	free(text);
	ck_assert_uint_eq(server_draft_count(&w), 1);
	free(config);
	free(home);
	world_close(&w);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("drafts");
	TCase *tc = tcase_create("dovecot");

	if (!crk_dovecot_available()) {
		if (getenv("CRK_NO_SKIP") != NULL &&
		    strcmp(getenv("CRK_NO_SKIP"), "1") == 0) {
			printf("Bail out! dovecot is not installed\n");
			exit(EXIT_FAILURE);
		}
		printf("1..0 # SKIP dovecot is not installed\n");
		exit(EXIT_SUCCESS);
	}
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_due_followup_gets_one_threaded_draft);
	tcase_add_test(
	    tc, test_draft_replies_to_the_last_message_of_the_thread);
	tcase_add_test(
	    tc, test_a_sales_mailbox_gets_one_draft_per_due_followup);
	CRK_TABLE_TEST(
	    tc, test_draft_waits_for_due_day_and_draft_hour, due_table);
	tcase_add_test(tc, test_reply_removes_the_untouched_draft);
	CRK_TABLE_TEST(
	    tc, test_closed_followup_loses_its_untouched_draft, closing_table);
	tcase_add_test(tc, test_edited_draft_is_kept);
	tcase_add_test(tc, test_draft_is_kept_when_drafts_uidvalidity_changed);
	CRK_TABLE_TEST(
	    tc, test_pending_draft_is_recovered_without_duplicate, crash_table);
	tcase_add_test(tc, test_drafts_no_writes_nothing);
	tcase_add_test(tc, test_dry_run_writes_nothing);
	tcase_add_test(
	    tc, test_missing_drafts_folder_warns_once_and_creates_none);
	tcase_add_test(tc, test_crickets_sync_opens_the_draft_on_the_server);
	tcase_add_test(tc, test_crickets_watch_opens_the_draft_once);
	suite_add_tcase(s, tc);
	return s;
}
