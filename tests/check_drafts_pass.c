/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The drafts pass of core/drafts.c over a Drafts folder kept in memory:
 * the logic both hosts share.  The IMAP side is tested against dovecot
 * (check_drafts, check_crash), the Claws side in Claws (check_plugin). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/drafts.h"
#include "core/engine.h"
#include "core/message.h"
#include "tests/check_common.h"

static char *tmpdir;
static struct crk_store *store;
static struct crk_engine *engine;

/* ---- a Drafts folder in memory ---------------------------------------- */

#define BOX_MAX 16

struct mem_box {
	struct {
		uint32_t uid;
		char *message_id; /* NULL: gone */
		char *text;
	} msgs[BOX_MAX];
	size_t count;
	uint32_t next_uid;
	bool append_hides_uid; /* as an IMAP server without UIDPLUS */
	unsigned appends, removes;
};

static struct mem_box mbox;

static enum crk_status
mem_find(void *ctx, const char *message_id, uint32_t *uid_r, char **error_r)
{
	struct mem_box *b = ctx;
	size_t i;

	*uid_r = 0;
	for (i = 0; i < b->count; i++)
		if (b->msgs[i].message_id != NULL &&
		    strcmp(b->msgs[i].message_id, message_id) == 0)
			*uid_r = b->msgs[i].uid;
	return CRK_OK;
}

static enum crk_status
mem_has_id(void *ctx, uint32_t uid, const char *message_id, bool *same_r,
    char **error_r)
{
	struct mem_box *b = ctx;
	size_t i;

	*same_r = false;
	for (i = 0; i < b->count; i++)
		if (b->msgs[i].uid == uid && b->msgs[i].message_id != NULL)
			*same_r =
			    strcmp(b->msgs[i].message_id, message_id) == 0;
	return CRK_OK;
}

static enum crk_status
mem_remove(void *ctx, uint32_t uid, char **error_r)
{
	struct mem_box *b = ctx;
	size_t i;

	for (i = 0; i < b->count; i++) {
		if (b->msgs[i].uid == uid && b->msgs[i].message_id != NULL) {
			free(b->msgs[i].message_id);
			b->msgs[i].message_id = NULL;
			b->removes++;
			return CRK_OK;
		}
	}
	crk_error_set(error_r, "no message %u", (unsigned)uid);
	return CRK_E_NOTFOUND;
}

/* Stores a message with this Message-ID; its UID. */
static uint32_t
mem_put(struct mem_box *b, const char *message_id, const char *text)
{
	ck_assert_uint_lt(b->count, BOX_MAX);
	b->msgs[b->count].uid = ++b->next_uid;
	b->msgs[b->count].message_id = crk_xstrdup(message_id);
	b->msgs[b->count].text = crk_xstrdup(text);
	return b->msgs[b->count++].uid;
}

static enum crk_status
mem_append(
    void *ctx, const char *text, size_t len, uint32_t *uid_r, char **error_r)
{
	struct mem_box *b = ctx;
	struct crk_message *msg = NULL;
	uint32_t uid;

	ck_assert_int_eq(crk_message_parse(text, len, &msg, NULL), CRK_OK);
	ck_assert_ptr_nonnull(msg->message_id);
	uid = mem_put(b, msg->message_id, text);
	crk_message_free(&msg);
	b->appends++;
	*uid_r = b->append_hides_uid ? 0 : uid;
	return CRK_OK;
}

static const struct crk_drafts_box_ops mem_ops = {
    .find = mem_find,
    .has_id = mem_has_id,
    .remove = mem_remove,
    .append = mem_append,
};

static size_t
mem_present(const struct mem_box *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->count; i++)
		n += b->msgs[i].message_id != NULL;
	return n;
}

static void
mem_clear(struct mem_box *b)
{
	size_t i;

	for (i = 0; i < b->count; i++) {
		free(b->msgs[i].message_id);
		free(b->msgs[i].text);
	}
	memset(b, 0, sizeof(*b));
}

/* ---- the world ---------------------------------------------------------- */

static time_t
T(const char *s)
{
	time_t t;

	ck_assert_int_eq(crk_time_parse(s, &t, NULL), CRK_OK);
	return t;
}

static void
setup(void)
{
	struct crk_rules rules;
	struct crk_cadence cadence;

	crk_test_set_tz("Europe/Berlin");
	tmpdir = crk_test_tmpdir();
	store = crk_test_store_in(tmpdir);
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "rep@seller.example");
	crk_strv_add(&rules.internal_domains, "seller.example");
	crk_cadence_default(&cadence);
	cadence.weekend = 0;
	engine = crk_engine_new(store, &rules, &cadence);
	crk_rules_clear(&rules);
	memset(&mbox, 0, sizeof(mbox));
}

static void
teardown(void)
{
	mem_clear(&mbox);
	crk_engine_free(&engine);
	crk_store_free(&store);
	crk_test_rmtree(tmpdir);
	free(tmpdir);
}

static void
ingest(const char *raw, const char *now)
{
	struct crk_message *m = crk_test_parse(raw);
	char *error = NULL;

	ck_assert_int_eq(crk_engine_begin(engine, &error), CRK_OK);
	ck_assert_msg(crk_engine_ingest(
			  engine, "work", m, NULL, T(now), &error) == CRK_OK,
	    "%s", error);
	ck_assert_msg(
	    crk_engine_commit(engine, T(now), &error) == CRK_OK, "%s", error);
	crk_message_free(&m);
}

/* Sent Monday 2 November; follow-up #1 is due on the 3rd. */
static const char proposal[] = "Date: Mon, 02 Nov 2026 09:00:00 +0100\n"
			       "From: Robin Rep <rep@seller.example>\n"
			       "To: Jane Doe <jane@acme.example>\n"
			       "Subject: Q3 rollout proposal\n"
			       "Message-ID: <p1@seller.example>\n"
			       "\n"
			       "Attached.\n";

static const char answer[] = "Date: Thu, 05 Nov 2026 09:00:00 +0100\n"
			     "From: Jane Doe <jane@acme.example>\n"
			     "To: rep@seller.example\n"
			     "Subject: Re: Q3 rollout proposal\n"
			     "Message-ID: <a1@acme.example>\n"
			     "In-Reply-To: <p1@seller.example>\n"
			     "\n"
			     "Let us talk.\n";

static struct crk_drafts_stats
pass_in(const char *folder, const char *now, bool dry_run)
{
	struct crk_drafts_box box = {&mem_ops, &mbox, "work", folder, 7};
	struct crk_drafts_params params = {NULL, NULL, 8, dry_run};
	struct crk_drafts_stats stats;
	char *error = NULL;

	ck_assert_msg(crk_drafts_pass(store, &box, &params, T(now), &stats,
			  &error) == CRK_OK,
	    "pass: %s", error);
	return stats;
}

static struct crk_drafts_stats
pass(const char *now)
{
	return pass_in("Drafts", now, false);
}

/* The store's one draft record of the account. */
static struct crk_draft_list
drafts(void)
{
	struct crk_draft_list list = {0};

	ck_assert_int_eq(crk_store_drafts(store, "work", &list, NULL), CRK_OK);
	return list;
}

/* ---- tests ----------------------------------------------------------------
 */

START_TEST(test_one_draft_per_due_followup_across_passes)
{
	struct crk_drafts_stats st;
	struct crk_draft_list list;

	ingest(proposal, "2026-11-02T09:30");
	/* before the due day nothing; on it only from draft_hour */
	st = pass("2026-11-02T20:00");
	ck_assert_uint_eq(st.created, 0);
	st = pass("2026-11-03T07:30");
	ck_assert_uint_eq(st.created, 0);
	st = pass("2026-11-03T08:30");
	ck_assert_uint_eq(st.created, 1);
	ck_assert_uint_eq(mem_present(&mbox), 1);
	ck_assert_ptr_nonnull(
	    strstr(mbox.msgs[0].text, "In-Reply-To: <p1@seller.example>"));
	ck_assert_ptr_nonnull(strstr(mbox.msgs[0].text, "jane@acme.example"));
	ck_assert_ptr_nonnull(
	    strstr(mbox.msgs[0].text, "Subject: Re: Q3 rollout proposal"));
	/* again, and again the next day: still one */
	st = pass("2026-11-03T12:00");
	ck_assert_uint_eq(st.created, 0);
	st = pass("2026-11-04T12:00");
	ck_assert_uint_eq(st.created, 0);
	ck_assert_uint_eq(mbox.appends, 1);
	list = drafts();
	ck_assert_uint_eq(list.count, 1);
	ck_assert_int_eq(list.items[0].state, CRK_DRAFT_APPENDED);
	ck_assert_uint_eq(list.items[0].uid, mbox.msgs[0].uid);
	ck_assert_uint_eq(list.items[0].uidvalidity, 7);
	ck_assert_str_eq(list.items[0].folder, "Drafts");
	crk_draft_list_clear(&list);
}
END_TEST

/* A crash between the store's PENDING record and the append's UID. */
START_TEST(test_pending_draft_is_found_or_written_again)
{
	struct crk_followup_list due = {0};
	struct crk_drafts_stats st;
	struct crk_draft_list list;
	char *error = NULL;
	uint32_t uid;

	ingest(proposal, "2026-11-02T09:30");
	ck_assert_int_eq(
	    crk_store_followups_needing_draft(store, "work",
		crk_day_of_time(T("2026-11-04T12:00")), &due, NULL),
	    CRK_OK);
	ck_assert_uint_eq(due.count, 1);
	ck_assert_int_eq(
	    crk_store_draft_begin(store, due.items[0].id, "work", "Drafts",
		"d1@seller.example", T("2026-11-04T11:00"), &error),
	    CRK_OK);

	/* it got there: recovered with its UID, nothing written */
	uid = mem_put(&mbox, "d1@seller.example", "Message-ID: <d1>\n\n");
	st = pass("2026-11-04T12:00");
	ck_assert_uint_eq(st.recovered, 1);
	ck_assert_uint_eq(st.created, 0);
	ck_assert_uint_eq(mbox.appends, 0);
	list = drafts();
	ck_assert_int_eq(list.items[0].state, CRK_DRAFT_APPENDED);
	ck_assert_uint_eq(list.items[0].uid, uid);
	crk_draft_list_clear(&list);

	/* it never got there: forgotten and written again, once */
	mem_clear(&mbox);
	ck_assert_int_eq(
	    crk_store_draft_forget(store, "d1@seller.example", NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_draft_begin(store, due.items[0].id, "work", "Drafts",
		"d2@seller.example", T("2026-11-04T11:00"), &error),
	    CRK_OK);
	st = pass("2026-11-04T12:00");
	ck_assert_uint_eq(st.forgotten, 1);
	ck_assert_uint_eq(st.created, 1);
	ck_assert_uint_eq(mem_present(&mbox), 1);
	list = drafts();
	ck_assert_uint_eq(list.count, 1);
	ck_assert_str_ne(list.items[0].message_id, "d2@seller.example");
	crk_draft_list_clear(&list);
	crk_followup_list_clear(&due);
}
END_TEST

START_TEST(test_closed_followup_removes_the_untouched_draft)
{
	struct crk_drafts_stats st;
	struct crk_draft_list list;

	ingest(proposal, "2026-11-02T09:30");
	st = pass("2026-11-04T12:00");
	ck_assert_uint_eq(st.created, 1);
	ingest(answer, "2026-11-05T09:30");
	st = pass("2026-11-05T10:00");
	ck_assert_uint_eq(st.removed, 1);
	ck_assert_uint_eq(mem_present(&mbox), 0);
	list = drafts();
	ck_assert_int_eq(list.items[0].state, CRK_DRAFT_REMOVED);
	crk_draft_list_clear(&list);
	/* and not again */
	st = pass("2026-11-05T11:00");
	ck_assert_uint_eq(st.removed + st.kept + st.created, 0);
	ck_assert_uint_eq(mbox.removes, 1);
}
END_TEST

START_TEST(test_edited_draft_is_kept)
{
	struct crk_drafts_stats st;
	struct crk_draft_list list;

	ingest(proposal, "2026-11-02T09:30");
	st = pass("2026-11-04T12:00");
	ck_assert_uint_eq(st.created, 1);
	/* the rep saved it again: same UID slot, another Message-ID */
	free(mbox.msgs[0].message_id);
	mbox.msgs[0].message_id = crk_xstrdup("edited@seller.example");
	ingest(answer, "2026-11-05T09:30");
	st = pass("2026-11-05T10:00");
	ck_assert_uint_eq(st.kept, 1);
	ck_assert_uint_eq(st.removed, 0);
	ck_assert_uint_eq(mbox.removes, 0);
	list = drafts();
	ck_assert_int_eq(list.items[0].state, CRK_DRAFT_KEPT);
	crk_draft_list_clear(&list);
}
END_TEST

/* The watcher on the server and the plugin in Claws share the store:
 * each pass keeps to the drafts of its own folder. */
START_TEST(test_drafts_of_another_folder_are_left_alone)
{
	struct crk_followup_list due = {0};
	struct crk_drafts_stats st;
	char *error = NULL;

	ingest(proposal, "2026-11-02T09:30");
	st = pass_in("#imap/Work/Drafts", "2026-11-04T12:00", false);
	ck_assert_uint_eq(st.created, 1);
	/* the other writer: no second draft for the same follow-up */
	st = pass("2026-11-04T12:30");
	ck_assert_uint_eq(st.created, 0);
	ingest(answer, "2026-11-05T09:30");
	/* nor does it touch the first writer's draft when it closes */
	st = pass("2026-11-05T10:00");
	ck_assert_uint_eq(st.removed + st.kept, 0);
	ck_assert_uint_eq(mbox.removes, 0);
	st = pass_in("#imap/Work/Drafts", "2026-11-05T10:00", false);
	ck_assert_uint_eq(st.removed, 1);

	/* a PENDING draft the other writer never finished: left for a
	 * day, then forgotten so the follow-up gets one */
	ingest("Date: Fri, 06 Nov 2026 09:00:00 +0100\n"
	       "From: rep@seller.example\nTo: bob@bolt.example\n"
	       "Subject: Quote for Bolt\nMessage-ID: <p2@seller.example>\n\n"
	       "Quote attached.\n",
	    "2026-11-06T09:30");
	ck_assert_int_eq(
	    crk_store_followups_needing_draft(store, "work",
		crk_day_of_time(T("2026-11-09T12:00")), &due, NULL),
	    CRK_OK);
	ck_assert_uint_eq(due.count, 1);
	ck_assert_int_eq(crk_store_draft_begin(store, due.items[0].id, "work",
			     "#imap/Work/Drafts", "orphan@seller.example",
			     T("2026-11-09T11:00"), &error),
	    CRK_OK);
	st = pass("2026-11-09T12:00");
	ck_assert_uint_eq(st.forgotten + st.created, 0);
	st = pass("2026-11-10T11:30");
	ck_assert_uint_eq(st.forgotten, 1);
	ck_assert_uint_eq(st.created, 1);
	crk_followup_list_clear(&due);
}
END_TEST

START_TEST(test_dry_run_changes_nothing)
{
	struct crk_drafts_stats st;
	struct crk_draft_list list;

	ingest(proposal, "2026-11-02T09:30");
	st = pass_in("Drafts", "2026-11-04T12:00", true);
	ck_assert_uint_eq(st.created, 1);
	ck_assert_uint_eq(mbox.appends, 0);
	list = drafts();
	ck_assert_uint_eq(list.count, 0);
	crk_draft_list_clear(&list);
}
END_TEST

START_TEST(test_append_without_uid_is_found_by_message_id)
{
	struct crk_drafts_stats st;
	struct crk_draft_list list;

	mbox.append_hides_uid = true;
	ingest(proposal, "2026-11-02T09:30");
	st = pass("2026-11-04T12:00");
	ck_assert_uint_eq(st.created, 1);
	list = drafts();
	ck_assert_int_eq(list.items[0].state, CRK_DRAFT_APPENDED);
	ck_assert_uint_eq(list.items[0].uid, mbox.msgs[0].uid);
	crk_draft_list_clear(&list);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("drafts_pass");
	TCase *tc = tcase_create("pass");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_one_draft_per_due_followup_across_passes);
	tcase_add_test(tc, test_pending_draft_is_found_or_written_again);
	tcase_add_test(tc, test_closed_followup_removes_the_untouched_draft);
	tcase_add_test(tc, test_edited_draft_is_kept);
	tcase_add_test(tc, test_drafts_of_another_folder_are_left_alone);
	tcase_add_test(tc, test_dry_run_changes_nothing);
	tcase_add_test(tc, test_append_without_uid_is_found_by_message_id);
	suite_add_tcase(s, tc);
	return s;
}
