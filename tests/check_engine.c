/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the engine: linking, kinds, rounds, states, actions, keywords,
 * idempotence. */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine.h"
#include "core/store-private.h"
#include "core/normalize.h"
#include "tests/check_common.h"

/* The rep: rep@seller.example, colleagues at seller.example. */
static char *tmpdir;
static struct crk_store *store;
static struct crk_engine *engine;

/* UTC instant from "YYYY-MM-DD HH:MM" (test input only). */
static time_t
T(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ck_assert_int_eq(sscanf(s, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon,
			     &tm.tm_mday, &tm.tm_hour, &tm.tm_min),
	    5);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static crk_day
D(const char *s)
{
	crk_day d;

	ck_assert_int_eq(crk_day_parse(s, &d, NULL), CRK_OK);
	return d;
}

/* A new engine on the store, as a restarted front end makes it: the
 * rep's rules, the default cadence or these offsets ("2,5"). */
static void
new_engine(const char *offsets)
{
	struct crk_rules rules;
	struct crk_cadence cadence;

	crk_engine_free(&engine);
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "rep@seller.example");
	crk_strv_add(&rules.identities, "r.smith@seller.example");
	crk_strv_add(&rules.internal_domains, "seller.example");
	crk_cadence_default(&cadence);
	if (offsets != NULL)
		ck_assert_int_eq(
		    crk_cadence_parse_offsets(&cadence, offsets, NULL), CRK_OK);
	engine = crk_engine_new(store, &rules, &cadence);
	crk_rules_clear(&rules);
}

static void
setup(void)
{

	crk_test_set_tz("Europe/Berlin");
	tmpdir = crk_test_tmpdir();
	store = crk_test_store_in(tmpdir);
	new_engine(NULL);
}

static void
teardown(void)
{
	crk_engine_free(&engine);
	crk_store_free(&store);
	crk_test_rmtree(tmpdir);
	free(tmpdir);
}

/* A message built field by field, as the IMAP sync or the plugin does. */
static struct crk_message *
M(const char *mid, const char *from, const char *to, const char *subject,
    const char *date)
{
	struct crk_message *m = crk_message_new();

	m->message_id = crk_xstrdup(mid);
	m->from.addr = crk_xstrdup(from);
	if (to != NULL) {
		struct crk_strv v = {0};
		size_t i;

		crk_strv_split(&v, to, ",");
		for (i = 0; i < v.count; i++)
			crk_addr_list_add(&m->to, v.items[i], NULL);
		crk_strv_clear(&v);
	}
	m->subject = crk_xstrdup(subject);
	m->date = T(date);
	return m;
}

static struct crk_message *
reply_to(struct crk_message *m, const char *parent)
{
	m->in_reply_to = crk_xstrdup(parent);
	crk_strv_add(&m->references, parent);
	return m;
}

/* Ingests and frees m in its own batch. */
static void
ingest_at(struct crk_message *m, const char *folder, uint32_t uid, time_t now)
{
	struct crk_location loc = {folder, 1, uid};
	char *error = NULL;

	ck_assert_int_eq(crk_engine_begin(engine, &error), CRK_OK);
	ck_assert_msg(crk_engine_ingest(engine, "work", m,
			  folder != NULL ? &loc : NULL, now, &error) == CRK_OK,
	    "%s", error);
	ck_assert_msg(
	    crk_engine_commit(engine, now, &error) == CRK_OK, "%s", error);
	crk_message_free(&m);
}

static void
ingest(struct crk_message *m)
{
	ingest_at(m, NULL, 0, T("2026-12-31 12:00"));
}

static struct crk_message *
proposal_msg(void)
{
	struct crk_message *m = M("p1@seller.example", "rep@seller.example",
	    "jane@acme.example", "Q3 rollout", "2026-11-02 09:00");

	crk_strv_add(&m->attachments, "ACME-proposal.pdf");
	return m;
}

static void
refresh(const char *now)
{
	char *error = NULL;

	ck_assert_msg(
	    crk_engine_refresh(engine, T(now), &error) == CRK_OK, "%s", error);
}

static struct crk_proposal *
only_proposal(void)
{
	struct crk_proposal_list list;
	struct crk_proposal *p;

	ck_assert_int_eq(
	    crk_store_proposals(store, CRK_PROPOSALS_ALL, &list, NULL), CRK_OK);
	ck_assert_uint_eq(list.count, 1);
	p = crk_xmalloc(sizeof(*p));
	*p = list.items[0];
	list.count = 0;
	crk_proposal_list_clear(&list);
	return p;
}

static size_t
n_proposals(void)
{
	struct crk_proposal_list list;
	size_t n;

	ck_assert_int_eq(
	    crk_store_proposals(store, CRK_PROPOSALS_ALL, &list, NULL), CRK_OK);
	n = list.count;
	crk_proposal_list_clear(&list);
	return n;
}

static void
assert_state(enum crk_state state, unsigned round, const char *next_due)
{
	struct crk_proposal *p = only_proposal();
	char buf[16];

	ck_assert_str_eq(crk_state_name(p->state), crk_state_name(state));
	ck_assert_uint_eq(p->round, round);
	if (next_due == NULL)
		ck_assert_int_eq(p->next_due, CRK_DAY_NONE);
	else
		ck_assert_str_eq(crk_day_format(p->next_due, buf), next_due);
	crk_proposal_free(&p);
}

START_TEST(test_attachment_proposal_is_tracked_with_reason)
{
	struct crk_proposal *p;

	ingest(proposal_msg());
	p = only_proposal();
	ck_assert_str_eq(p->message_id, "p1@seller.example");
	ck_assert_uint_eq(p->prospects.count, 1);
	ck_assert_str_eq(p->prospects.items[0].addr, "jane@acme.example");
	ck_assert_ptr_nonnull(strstr(p->reason, "ACME-proposal.pdf"));
	ck_assert_uint_eq(strlen(p->short_id), 6);
	ck_assert_str_eq(crk_state_name(p->state), "waiting");
	crk_proposal_free(&p);
	/* sent Monday 2 Nov: follow-up #1 on day 1, Tuesday */
	refresh("2026-11-02 12:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-03");
}
END_TEST

START_TEST(test_internal_only_mail_is_no_proposal)
{
	struct crk_message *m = M("i1@seller.example", "rep@seller.example",
	    "boss@seller.example", "Quote for ACME", "2026-11-02 09:00");

	ingest(m);
	ck_assert_uint_eq(n_proposals(), 0);
}
END_TEST

START_TEST(test_threaded_reply_marks_replied_and_pauses_cadence)
{
	struct crk_followup_list fl;

	ingest(proposal_msg());
	ingest(reply_to(
	    M("r1@acme.example", "jane@acme.example", "rep@seller.example",
		"Re: Q3 rollout", "2026-11-04 10:00"),
	    "p1@seller.example"));
	refresh("2026-11-05 12:00");
	assert_state(CRK_STATE_REPLIED, 1, NULL);
	/* follow-up #1 (due 3 Nov) was open when the reply came: skipped */
	ck_assert_int_eq(
	    crk_store_followups(store, 0, false, &fl, NULL), CRK_OK);
	ck_assert_uint_eq(fl.count, 1);
	ck_assert_int_eq(fl.items[0].state, CRK_FOLLOWUP_SKIPPED);
	crk_followup_list_clear(&fl);
}
END_TEST

/* A follow-up written in the thread must carry the whole chain, root
 * first, so every client threads it (the plugin's "Follow up now"). */
START_TEST(test_thread_refs_give_the_chain_a_reply_carries)
{
	struct crk_message *m;
	struct crk_strv refs = {0};

	ingest(proposal_msg());
	ingest(reply_to(
	    M("r1@acme.example", "jane@acme.example", "rep@seller.example",
		"Re: Q3 rollout", "2026-11-04 10:00"),
	    "p1@seller.example"));
	/* the rep's answer references, out of order, an id never seen */
	m = M("f1@seller.example", "rep@seller.example", "jane@acme.example",
	    "Re: Q3 rollout", "2026-11-05 10:00");
	crk_strv_add(&m->references, "r1@acme.example");
	crk_strv_add(&m->references, "p1@seller.example");
	crk_strv_add(&m->references, "lost@elsewhere.example");
	m->in_reply_to = crk_xstrdup("r1@acme.example");
	ingest(m);
	ck_assert_int_eq(crk_store_thread_refs(
			     store, "work", "f1@seller.example", &refs, NULL),
	    CRK_OK);
	ck_assert_uint_eq(refs.count, 4);
	ck_assert_str_eq(refs.items[0], "lost@elsewhere.example");
	ck_assert_str_eq(refs.items[1], "p1@seller.example");
	ck_assert_str_eq(refs.items[2], "r1@acme.example");
	ck_assert_str_eq(refs.items[3], "f1@seller.example");
	/* the root alone: just itself */
	ck_assert_int_eq(crk_store_thread_refs(
			     store, "work", "p1@seller.example", &refs, NULL),
	    CRK_OK);
	ck_assert_uint_eq(refs.count, 1);
	ck_assert_str_eq(refs.items[0], "p1@seller.example");
	/* another account's or an unknown message */
	ck_assert_int_eq(crk_store_thread_refs(
			     store, "home", "f1@seller.example", &refs, NULL),
	    CRK_E_NOTFOUND);
	ck_assert_uint_eq(refs.count, 0);
	crk_strv_clear(&refs);
}
END_TEST

START_TEST(test_reply_synced_before_its_proposal_still_links)
{
	ingest(reply_to(
	    M("r1@acme.example", "jane@acme.example", "rep@seller.example",
		"Re: Q3 rollout", "2026-11-04 10:00"),
	    "p1@seller.example"));
	ck_assert_uint_eq(n_proposals(), 0);
	ingest(proposal_msg());
	assert_state(CRK_STATE_REPLIED, 1, NULL);
}
END_TEST

START_TEST(test_unthreaded_reply_from_prospect_with_same_subject_links)
{
	ingest(proposal_msg());
	/* a client that drops In-Reply-To, with a German prefix */
	ingest(M("r1@acme.example", "Jane@ACME.example", "rep@seller.example",
	    "AW: [EXT] Q3  rollout", "2026-11-04 10:00"));
	assert_state(CRK_STATE_REPLIED, 1, NULL);
}
END_TEST

START_TEST(test_same_subject_from_stranger_is_not_a_reply)
{
	ingest(proposal_msg());
	ingest(M("x1@other.example", "bob@other.example", "rep@seller.example",
	    "Re: Q3 rollout", "2026-11-04 10:00"));
	refresh("2026-11-02 12:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-03");
}
END_TEST

START_TEST(test_reply_before_the_proposal_by_subject_is_ignored)
{
	/* same subject from the prospect, but sent before the proposal */
	ingest(M("x1@acme.example", "jane@acme.example", "rep@seller.example",
	    "Q3 rollout", "2026-10-30 10:00"));
	ingest(proposal_msg());
	refresh("2026-11-02 12:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-03");
}
END_TEST

static bool
fixed_return_date(const char *text, time_t received, crk_day *day_r)
{
	(void)received;
	if (strstr(text, "until 20 November") == NULL)
		return false;
	*day_r = crk_day_from_ymd(2026, 11, 20);
	return true;
}

START_TEST(test_out_of_office_never_changes_state_but_moves_due_date)
{
	struct crk_message *ooo = reply_to(
	    M("o1@acme.example", "jane@acme.example", "rep@seller.example",
		"Automatic reply: Q3 rollout", "2026-11-02 09:01"),
	    "p1@seller.example");

	crk_engine_set_return_date_parser(engine, fixed_return_date);
	ooo->auto_submitted = crk_xstrdup("auto-replied");
	ooo->body_text = crk_xstrdup("I am out of the office until "
				     "20 November.");
	ingest(proposal_msg());
	ingest(ooo);
	refresh("2026-11-02 12:00");
	/* back Friday 20th: the next working day after it, Monday 23rd */
	assert_state(CRK_STATE_WAITING, 1, "2026-11-23");
}
END_TEST

START_TEST(test_out_of_office_without_threading_from_prospect_links)
{
	struct crk_message *ooo = M("o1@acme.example", "jane@acme.example",
	    "rep@seller.example", "Abwesenheitsnotiz", "2026-11-02 09:01");
	struct crk_event_list ev;
	struct crk_proposal *p;

	ooo->auto_submitted = crk_xstrdup("auto-replied");
	ingest(proposal_msg());
	ingest(ooo);
	p = only_proposal();
	ck_assert_int_eq(crk_store_events(store, p->id, &ev, NULL), CRK_OK);
	ck_assert_uint_eq(ev.count, 1);
	ck_assert_str_eq(ev.items[0].type, "autoreply");
	crk_event_list_clear(&ev);
	crk_proposal_free(&p);
	refresh("2026-11-02 12:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-03");
}
END_TEST

START_TEST(test_bounce_naming_the_proposal_marks_bounced)
{
	struct crk_message *dsn = M("b1@mx.acme.example",
	    "mailer-daemon@mx.seller.example", "rep@seller.example",
	    "Undelivered Mail Returned to Sender", "2026-11-02 09:02");

	dsn->content_type = crk_xstrdup("multipart/report");
	dsn->report_type = crk_xstrdup("delivery-status");
	dsn->dsn_message_id = crk_xstrdup("p1@seller.example");
	dsn->dsn_action = crk_xstrdup("failed");
	ingest(proposal_msg());
	ingest(dsn);
	assert_state(CRK_STATE_BOUNCED, 1, NULL);
}
END_TEST

START_TEST(test_bounce_naming_only_the_recipient_marks_bounced)
{
	struct crk_message *dsn = M("b1@mx.acme.example",
	    "MAILER-DAEMON@mx.seller.example", "rep@seller.example",
	    "Mail delivery failed", "2026-11-02 09:02");

	crk_strv_add(&dsn->failed_recipients, "Jane@acme.example");
	/* the bounce is synced first (INBOX before Sent) */
	ingest(dsn);
	ingest(proposal_msg());
	assert_state(CRK_STATE_BOUNCED, 1, NULL);
}
END_TEST

START_TEST(test_delayed_dsn_does_not_bounce)
{
	struct crk_message *dsn = M("b1@mx.acme.example",
	    "mailer-daemon@mx.seller.example", "rep@seller.example",
	    "Delivery Status Notification (Delay)", "2026-11-02 13:00");

	dsn->content_type = crk_xstrdup("multipart/report");
	dsn->report_type = crk_xstrdup("delivery-status");
	dsn->dsn_message_id = crk_xstrdup("p1@seller.example");
	dsn->dsn_action = crk_xstrdup("delayed");
	ingest(proposal_msg());
	ingest(dsn);
	refresh("2026-11-02 14:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-03");
}
END_TEST

START_TEST(test_touch_from_sent_closes_followup_and_schedules_next)
{
	struct crk_followup_list fl;

	ingest(proposal_msg());
	ingest(reply_to(
	    M("t1@seller.example", "rep@seller.example", "jane@acme.example",
		"Re: Q3 rollout", "2026-11-03 15:00"),
	    "p1@seller.example"));
	refresh("2026-11-03 16:00");
	/* #2 at day 3 = Thu 5 Nov */
	assert_state(CRK_STATE_WAITING, 1, "2026-11-05");
	ck_assert_int_eq(
	    crk_store_followups(store, 0, false, &fl, NULL), CRK_OK);
	ck_assert_uint_eq(fl.count, 2);
	ck_assert_int_eq(fl.items[0].state, CRK_FOLLOWUP_DONE);
	ck_assert_str_eq(fl.items[0].channel, "mail");
	ck_assert_uint_eq(fl.items[1].number, 2);
	ck_assert_int_eq(fl.items[1].state, CRK_FOLLOWUP_OPEN);
	crk_followup_list_clear(&fl);
	ck_assert_uint_eq(n_proposals(), 1);
}
END_TEST

START_TEST(test_late_touch_pushes_next_followup_past_its_offset)
{
	ingest(proposal_msg());
	/* #1 done late, on Fri 6 Nov: #2 (day 3 = 5 Nov) cannot be before
	 * the day after the touch, Sat 7 -> Monday 9 Nov */
	ingest(reply_to(
	    M("t1@seller.example", "rep@seller.example", "jane@acme.example",
		"Re: Q3 rollout", "2026-11-06 15:00"),
	    "p1@seller.example"));
	refresh("2026-11-06 16:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-09");
}
END_TEST

START_TEST(test_writing_again_after_a_reply_starts_a_new_round)
{
	ingest(proposal_msg());
	ingest(reply_to(
	    M("r1@acme.example", "jane@acme.example", "rep@seller.example",
		"Re: Q3 rollout", "2026-11-04 10:00"),
	    "p1@seller.example"));
	ingest(reply_to(
	    M("t1@seller.example", "rep@seller.example", "jane@acme.example",
		"Re: Q3 rollout", "2026-11-04 11:00"),
	    "r1@acme.example"));
	refresh("2026-11-04 12:00");
	/* round 2 from Wed 4 Nov: #1 on Thu 5 Nov */
	assert_state(CRK_STATE_WAITING, 2, "2026-11-05");
}
END_TEST

START_TEST(test_sent_reply_with_proposal_word_is_a_touch_not_a_proposal)
{
	struct crk_message *t = reply_to(
	    M("t1@seller.example", "rep@seller.example", "jane@acme.example",
		"Re: Q3 rollout - revised quote", "2026-11-05 15:00"),
	    "p1@seller.example");

	crk_strv_add(&t->attachments, "ACME-quote-v2.pdf");
	ingest(proposal_msg());
	ingest(t);
	ck_assert_uint_eq(n_proposals(), 1);
}
END_TEST

START_TEST(test_touch_synced_before_its_proposal_is_merged_into_it)
{
	struct crk_message *t = reply_to(
	    M("t1@seller.example", "rep@seller.example", "jane@acme.example",
		"Re: Q3 rollout - revised quote", "2026-11-03 15:00"),
	    "p1@seller.example");

	crk_strv_add(&t->attachments, "ACME-quote-v2.pdf");
	ingest(t); /* judged a proposal of its own at first */
	ck_assert_uint_eq(n_proposals(), 1);
	ingest(proposal_msg());
	ck_assert_uint_eq(n_proposals(), 1);
	refresh("2026-11-03 16:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-05");
}
END_TEST

START_TEST(test_same_message_in_two_folders_and_twice_is_one)
{
	struct crk_proposal *p;

	ingest_at(proposal_msg(), "Sent", 7, T("2026-11-02 12:00"));
	ingest_at(proposal_msg(), "Archive", 3, T("2026-11-02 12:00"));
	ingest_at(proposal_msg(), "Sent", 7, T("2026-11-02 12:00"));
	/* after a UIDVALIDITY change the folder is synced again */
	ck_assert_int_eq(
	    crk_store_folder_reset(store, "work", "Sent", NULL), CRK_OK);
	ingest_at(proposal_msg(), "Sent", 1, T("2026-11-02 12:00"));
	p = only_proposal();
	ck_assert_uint_eq(p->touches, 0);
	crk_proposal_free(&p);
	ck_assert(crk_store_has_message(store, "work", "p1@seller.example"));
}
END_TEST

START_TEST(test_message_without_message_id_gets_a_stable_id)
{
	struct crk_message *a = proposal_msg(), *b = proposal_msg();

	crk_free_str(&a->message_id);
	crk_free_str(&b->message_id);
	ingest(a);
	ingest(b);
	ck_assert_uint_eq(n_proposals(), 1);
}
END_TEST

START_TEST(test_colleague_in_thread_changes_nothing)
{
	ingest(proposal_msg());
	ingest(reply_to(
	    M("c1@seller.example", "boss@seller.example", "jane@acme.example",
		"Re: Q3 rollout", "2026-11-02 11:00"),
	    "p1@seller.example"));
	refresh("2026-11-02 12:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-03");
}
END_TEST

START_TEST(test_mailing_list_traffic_is_ignored)
{
	struct crk_message *l =
	    reply_to(M("l1@lists.example", "jane@acme.example",
			 "sales-list@lists.example", "Re: Q3 rollout",
			 "2026-11-02 11:00"),
		"p1@seller.example");

	l->list_id = crk_xstrdup("<sales.lists.example>");
	ingest(proposal_msg());
	ingest(l);
	refresh("2026-11-02 12:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-03");
}
END_TEST

START_TEST(test_overdue_followup_stays_open_and_numbered)
{
	ingest(proposal_msg());
	refresh("2026-12-20 12:00");
	/* nothing happened for weeks: #1 is still the open one */
	assert_state(CRK_STATE_WAITING, 1, "2026-11-03");
}
END_TEST

START_TEST(test_keyword_won_on_the_reply_closes_the_proposal)
{
	struct crk_message *r = reply_to(
	    M("r1@acme.example", "jane@acme.example", "rep@seller.example",
		"Re: Q3 rollout", "2026-11-04 10:00"),
	    "p1@seller.example");
	struct crk_message *again;

	ingest(proposal_msg());
	ingest(r);
	/* the rep tags the reply in another client; the next sync sees it */
	again = reply_to(
	    M("r1@acme.example", "jane@acme.example", "rep@seller.example",
		"Re: Q3 rollout", "2026-11-04 10:00"),
	    "p1@seller.example");
	crk_strv_add(&again->keywords, "$Seen");
	crk_strv_add(&again->keywords, "crickets-won");
	ingest(again);
	assert_state(CRK_STATE_WON, 1, NULL);
}
END_TEST

START_TEST(test_keyword_ignore_and_track_override_the_heuristic)
{
	struct crk_message *p = proposal_msg();
	struct crk_message *q = M("p2@seller.example", "rep@seller.example",
	    "tom@beta.example", "Lunch next week?", "2026-11-03 09:00");

	crk_strv_add(&p->keywords, "crickets-ignore");
	crk_strv_add(&q->keywords, "crickets-track");
	ingest(p);
	ingest(q);
	{
		struct crk_proposal *only = only_proposal();

		ck_assert_str_eq(only->message_id, "p2@seller.example");
		ck_assert_ptr_nonnull(strstr(only->reason, "crickets-track"));
		crk_proposal_free(&only);
	}
}
END_TEST

START_TEST(test_ignore_keyword_set_later_untracks)
{
	struct crk_message *again = proposal_msg();

	ingest(proposal_msg());
	ck_assert_uint_eq(n_proposals(), 1);
	crk_strv_add(&again->keywords, "crickets-ignore");
	ingest(again);
	ck_assert_uint_eq(n_proposals(), 0);
}
END_TEST

/* Actions: each row is a sequence of actions from a waiting proposal. */
static const struct {
	const char *what;
	bool reply_first;
	const char *action;
	enum crk_status status;
	enum crk_state state;
	unsigned round;
} action_table[] = {
    {"won", false, "won", CRK_OK, CRK_STATE_WON, 1},
    {"lost", false, "lost", CRK_OK, CRK_STATE_LOST, 1},
    {"drop", false, "drop", CRK_OK, CRK_STATE_DROPPED, 1},
    {"notyet-waiting", false, "notyet", CRK_E_STATE, CRK_STATE_WAITING, 1},
    {"notyet-replied", true, "notyet", CRK_OK, CRK_STATE_WAITING, 2},
    {"won-replied", true, "won", CRK_OK, CRK_STATE_WON, 1},
    {"reopen-open", false, "reopen", CRK_E_STATE, CRK_STATE_WAITING, 1},
    {"touch", false, "touch", CRK_OK, CRK_STATE_WAITING, 1},
    {"snooze", false, "snooze", CRK_OK, CRK_STATE_SNOOZED, 1},
    {"snooze-replied", true, "snooze", CRK_OK, CRK_STATE_SNOOZED, 2},
};

START_TEST(test_actions_follow_the_state_machine)
{
	time_t now = T("2026-11-05 12:00");
	struct crk_proposal *p;
	enum crk_status st;
	char *error = NULL;
	const char *a = action_table[_i].action;

	ingest(proposal_msg());
	if (action_table[_i].reply_first)
		ingest(reply_to(M("r1@acme.example", "jane@acme.example",
				    "rep@seller.example", "Re: Q3 rollout",
				    "2026-11-04 10:00"),
		    "p1@seller.example"));
	p = only_proposal();
	if (strcmp(a, "won") == 0)
		st = crk_engine_close(
		    engine, p->id, CRK_STATE_WON, "cli", now, &error);
	else if (strcmp(a, "lost") == 0)
		st = crk_engine_close(
		    engine, p->id, CRK_STATE_LOST, "cli", now, &error);
	else if (strcmp(a, "drop") == 0)
		st = crk_engine_close(
		    engine, p->id, CRK_STATE_DROPPED, "cli", now, &error);
	else if (strcmp(a, "notyet") == 0)
		st = crk_engine_notyet(engine, p->id, "cli", now, &error);
	else if (strcmp(a, "reopen") == 0)
		st = crk_engine_reopen(engine, p->id, "cli", now, &error);
	else if (strcmp(a, "touch") == 0)
		st = crk_engine_touch(
		    engine, p->id, "phone", "called her", "cli", now, &error);
	else
		st = crk_engine_snooze(
		    engine, p->id, D("2026-11-20"), "cli", now, &error);
	ck_assert_msg(st == action_table[_i].status, "%s: %s (%s)",
	    action_table[_i].what, crk_status_str(st), error);
	if (st != CRK_OK)
		ck_assert_ptr_nonnull(error);
	free(error);
	crk_proposal_free(&p);
	p = only_proposal();
	ck_assert_str_eq(
	    crk_state_name(p->state), crk_state_name(action_table[_i].state));
	ck_assert_uint_eq(p->round, action_table[_i].round);
	crk_proposal_free(&p);
}
END_TEST

START_TEST(test_phone_touch_counts_as_the_followup)
{
	struct crk_followup_list fl;
	struct crk_proposal *p;

	ingest(proposal_msg());
	p = only_proposal();
	ck_assert_int_eq(crk_engine_touch(engine, p->id, "phone", NULL, "cli",
			     T("2026-11-03 10:00"), NULL),
	    CRK_OK);
	ck_assert_int_eq(crk_engine_touch(engine, p->id, "fax", NULL, "cli",
			     T("2026-11-03 10:00"), NULL),
	    CRK_E_INVAL);
	ck_assert_int_eq(
	    crk_store_followups(store, p->id, false, &fl, NULL), CRK_OK);
	ck_assert_uint_eq(fl.count, 2);
	ck_assert_str_eq(fl.items[0].channel, "phone");
	crk_followup_list_clear(&fl);
	crk_proposal_free(&p);
}
END_TEST

START_TEST(test_snooze_wakes_up_on_its_day)
{
	struct crk_proposal *p;

	ingest(proposal_msg());
	p = only_proposal();
	ck_assert_int_eq(crk_engine_snooze(engine, p->id, D("2026-11-16"),
			     "cli", T("2026-11-02 12:00"), NULL),
	    CRK_OK);
	ck_assert_int_eq(crk_engine_snooze(engine, p->id, D("2026-11-01"),
			     "cli", T("2026-11-02 12:00"), NULL),
	    CRK_E_INVAL);
	crk_proposal_free(&p);
	refresh("2026-11-10 12:00");
	assert_state(CRK_STATE_SNOOZED, 1, "2026-11-16");
	refresh("2026-11-16 08:00");
	assert_state(CRK_STATE_WAITING, 1, "2026-11-16");
}
END_TEST

/* p1 (ACME) and p2 (Globex), both sent on Monday 2 Nov and ingested at
 * noon; returns p2's id. */
static int64_t
two_proposals(void)
{
	struct crk_message *m2 = M("p2@seller.example", "rep@seller.example",
	    "joe@globex.example", "Globex rollout", "2026-11-02 09:30");
	struct crk_proposal *p = NULL;
	int64_t id;

	crk_strv_add(&m2->attachments, "Globex-proposal.pdf");
	ingest_at(proposal_msg(), NULL, 0, T("2026-11-02 12:00"));
	ingest_at(m2, NULL, 0, T("2026-11-02 12:00"));
	ck_assert_int_eq(
	    crk_store_proposal_find(store, "p2@seller.example", &p, NULL),
	    CRK_OK);
	id = p->id;
	crk_proposal_free(&p);
	return id;
}

/* When the proposal of this Message-ID was last replayed. */
static time_t
replayed_at(const char *mid)
{
	sqlite3_stmt *stmt;
	time_t at = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(crk_store_db(store),
			     "SELECT p.replayed_at FROM proposals p JOIN "
			     "messages m ON m.id = p.message WHERE "
			     "m.message_id = ?",
			     -1, &stmt, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(stmt, 1, mid, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		at = (time_t)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return at;
}

static enum crk_state
state_of(const char *mid)
{
	struct crk_proposal *p = NULL;
	enum crk_state st;

	ck_assert_int_eq(crk_store_proposal_find(store, mid, &p, NULL), CRK_OK);
	st = p->state;
	crk_proposal_free(&p);
	return st;
}

/* A refresh replays what the passing time changes and nothing else: a
 * snooze that ends, a reply dated after the last replay, everything when
 * the clock went back.  Replaying all proposals was most of the cost of
 * every command on a large store. */
START_TEST(test_refresh_replays_only_what_time_changes)
{
	ck_assert_int_eq(
	    crk_engine_snooze(engine, two_proposals(), D("2026-11-16"), "cli",
		T("2026-11-02 12:00"), NULL),
	    CRK_OK);
	/* a reply to p1 dated the 20th, seen on the 20th */
	ingest_at(reply_to(M("r1@acme.example", "jane@acme.example",
			       "rep@seller.example", "Re: Q3 rollout",
			       "2026-11-20 10:00"),
		      "p1@seller.example"),
	    NULL, 0, T("2026-11-20 11:00"));
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-20 11:00"));

	/* back to the 10th: p1, replayed later than that, again as of then
	 * (the reply is not there yet); p2 was last replayed before */
	refresh("2026-11-10 12:00");
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-10 12:00"));
	ck_assert_int_eq(
	    replayed_at("p2@seller.example"), T("2026-11-02 12:00"));
	ck_assert_int_eq(state_of("p1@seller.example"), CRK_STATE_WAITING);
	ck_assert_int_eq(state_of("p2@seller.example"), CRK_STATE_SNOOZED);

	/* the 12th: nothing to do */
	refresh("2026-11-12 12:00");
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-10 12:00"));
	ck_assert_int_eq(
	    replayed_at("p2@seller.example"), T("2026-11-02 12:00"));

	/* the 16th: the snooze ends, p1 still waits for its reply */
	refresh("2026-11-16 08:00");
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-10 12:00"));
	ck_assert_int_eq(
	    replayed_at("p2@seller.example"), T("2026-11-16 08:00"));
	ck_assert_int_eq(state_of("p2@seller.example"), CRK_STATE_WAITING);

	/* the 21st: the reply of the 20th counts */
	refresh("2026-11-21 08:00");
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-21 08:00"));
	ck_assert_int_eq(
	    replayed_at("p2@seller.example"), T("2026-11-16 08:00"));
	ck_assert_int_eq(state_of("p1@seller.example"), CRK_STATE_REPLIED);
}
END_TEST

/* A cadence changed by the rep (config file, Claws preferences) plans
 * the open proposals again at the next refresh, not only those that get
 * new mail; a closed one keeps its history; an unchanged cadence replays
 * nothing. */
START_TEST(test_changed_cadence_plans_open_proposals_again)
{
	struct crk_proposal *p = NULL;
	char buf[16];

	ck_assert_int_eq(crk_engine_close(engine, two_proposals(),
			     CRK_STATE_WON, "cli", T("2026-11-02 12:00"), NULL),
	    CRK_OK);
	refresh("2026-11-02 12:30");
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-02 12:00"));

	/* the same cadence again: nothing replayed */
	new_engine(NULL);
	refresh("2026-11-02 13:00");
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-02 12:00"));

	/* day 2 and 5 instead of 1, 3, 7...: follow-up #1 moves to the 4th */
	new_engine("2,5");
	refresh("2026-11-02 14:00");
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-02 14:00"));
	ck_assert_int_eq(
	    crk_store_proposal_find(store, "p1@seller.example", &p, NULL),
	    CRK_OK);
	ck_assert_str_eq(crk_day_format(p->next_due, buf), "2026-11-04");
	crk_proposal_free(&p);
	/* the won one is not replayed */
	ck_assert_int_eq(
	    replayed_at("p2@seller.example"), T("2026-11-02 12:00"));
	/* and once remembered, the new cadence replays nothing more */
	refresh("2026-11-02 15:00");
	ck_assert_int_eq(
	    replayed_at("p1@seller.example"), T("2026-11-02 14:00"));
}
END_TEST

START_TEST(test_closing_twice_the_same_way_is_refused)
{
	struct crk_proposal *p;

	ingest(proposal_msg());
	p = only_proposal();
	ck_assert_int_eq(crk_engine_close(engine, p->id, CRK_STATE_WON, "cli",
			     T("2026-11-05 12:00"), NULL),
	    CRK_OK);
	ck_assert_int_eq(crk_engine_close(engine, p->id, CRK_STATE_WON, "cli",
			     T("2026-11-05 12:00"), NULL),
	    CRK_E_STATE);
	ck_assert_int_eq(crk_engine_touch(engine, p->id, "phone", NULL, "cli",
			     T("2026-11-05 12:00"), NULL),
	    CRK_E_STATE);
	ck_assert_int_eq(crk_engine_reopen(
			     engine, p->id, "cli", T("2026-11-06 12:00"), NULL),
	    CRK_OK);
	crk_proposal_free(&p);
	assert_state(CRK_STATE_WAITING, 2, "2026-11-09");
}
END_TEST

START_TEST(test_track_by_hand_and_untrack)
{
	int64_t id = 0;
	struct crk_message *m = M("n1@seller.example", "rep@seller.example",
	    "tom@beta.example", "Lunch next week?", "2026-11-03 09:00");

	ingest(m);
	ck_assert_uint_eq(n_proposals(), 0);
	ck_assert_int_eq(crk_engine_track(engine, "work", "n1@seller.example",
			     "cli", T("2026-11-03 10:00"), &id, NULL),
	    CRK_OK);
	ck_assert_int_ne(id, 0);
	ck_assert_uint_eq(n_proposals(), 1);
	ck_assert_int_eq(crk_engine_track(engine, "work", "nope@x", "cli",
			     T("2026-11-03 10:00"), &id, NULL),
	    CRK_E_NOTFOUND);
	ck_assert_int_eq(crk_engine_untrack(engine, id, NULL), CRK_OK);
	ck_assert_uint_eq(n_proposals(), 0);
	/* seen again: stays untracked */
	ingest(M("n1@seller.example", "rep@seller.example", "tom@beta.example",
	    "Lunch next week?", "2026-11-03 09:00"));
	ck_assert_uint_eq(n_proposals(), 0);
}
END_TEST

START_TEST(test_followup_uids_are_stable_and_sequence_moves_on_change)
{
	struct crk_followup_list a, b;
	struct crk_proposal *p;

	ingest(proposal_msg());
	refresh("2026-11-02 12:00");
	ck_assert_int_eq(crk_store_followups(store, 0, true, &a, NULL), CRK_OK);
	refresh("2026-11-04 12:00");
	ck_assert_int_eq(crk_store_followups(store, 0, true, &b, NULL), CRK_OK);
	ck_assert_uint_eq(a.count, 1);
	ck_assert_uint_eq(b.count, 1);
	ck_assert_str_eq(a.items[0].uid, b.items[0].uid);
	ck_assert_uint_eq(a.items[0].sequence, b.items[0].sequence);
	ck_assert_int_eq(a.items[0].changed_at, b.items[0].changed_at);
	crk_followup_list_clear(&b);
	p = only_proposal();
	ck_assert_int_eq(crk_engine_snooze(engine, p->id, D("2026-11-10"),
			     "cli", T("2026-11-04 12:00"), NULL),
	    CRK_OK);
	crk_proposal_free(&p);
	ck_assert_int_eq(crk_store_followups(store, 0, true, &b, NULL), CRK_OK);
	ck_assert_str_eq(a.items[0].uid, b.items[0].uid);
	ck_assert_uint_eq(b.items[0].sequence, a.items[0].sequence + 1);
	crk_followup_list_clear(&a);
	crk_followup_list_clear(&b);
}
END_TEST

START_TEST(test_rolled_back_batch_leaves_nothing)
{
	struct crk_message *m = proposal_msg();

	ck_assert_int_eq(crk_engine_begin(engine, NULL), CRK_OK);
	ck_assert_int_eq(crk_engine_ingest(engine, "work", m, NULL,
			     T("2026-11-02 12:00"), NULL),
	    CRK_OK);
	crk_engine_rollback(engine);
	crk_message_free(&m);
	ck_assert_uint_eq(n_proposals(), 0);
	ck_assert(!crk_store_has_message(store, "work", "p1@seller.example"));
}
END_TEST

START_TEST(test_future_date_is_clamped_to_arrival)
{
	struct crk_message *m = proposal_msg();
	struct crk_proposal *p;

	m->date = T("2030-01-01 00:00");
	m->internal_date = T("2026-11-02 09:00");
	ingest_at(m, NULL, 0, T("2026-11-02 12:00"));
	p = only_proposal();
	ck_assert_int_eq(p->sent_at, T("2026-11-02 09:00"));
	crk_proposal_free(&p);
}
END_TEST

START_TEST(test_long_reference_chain_links_every_reply)
{
	char mid[64], parent[64];
	int i;

	ingest(proposal_msg());
	strcpy(parent, "p1@seller.example");
	/* 200 alternating touches and replies, each answering the last */
	for (i = 0; i < 200; i++) {
		bool ours = i % 2 == 0;

		struct crk_message *m;

		snprintf(mid, sizeof(mid), "m%d@x.example", i);
		m = reply_to(
		    M(mid, ours ? "rep@seller.example" : "jane@acme.example",
			ours ? "jane@acme.example" : "rep@seller.example",
			"Re: Q3 rollout", "2026-11-03 00:00"),
		    parent);
		m->date += (time_t)i * 600;
		ingest(m);
		strcpy(parent, mid);
	}
	assert_state(CRK_STATE_REPLIED, 100, NULL);
}
END_TEST

START_TEST(test_find_by_short_id_prefix_number_and_message_id)
{
	struct crk_proposal *p = NULL, *q = NULL;
	char *error = NULL, prefix[8], *num;

	ingest(proposal_msg());
	p = only_proposal();
	ck_assert_int_eq(
	    crk_store_proposal_find(store, p->short_id, &q, NULL), CRK_OK);
	ck_assert_int_eq(q->id, p->id);
	crk_proposal_free(&q);
	memcpy(prefix, p->short_id, 3);
	prefix[3] = '\0';
	ck_assert_int_eq(
	    crk_store_proposal_find(store, prefix, &q, NULL), CRK_OK);
	crk_proposal_free(&q);
	ck_assert_int_eq(
	    crk_store_proposal_find(store, "<p1@seller.example>", &q, NULL),
	    CRK_OK);
	ck_assert_int_eq(q->id, p->id);
	crk_proposal_free(&q);
	num = crk_xasprintf("%lld", (long long)p->id);
	ck_assert_int_eq(crk_store_proposal_find(store, num, &q, NULL), CRK_OK);
	crk_proposal_free(&q);
	free(num);
	ck_assert_int_eq(crk_store_proposal_find(store, "zzzzzz", &q, &error),
	    CRK_E_NOTFOUND);
	ck_assert_ptr_null(q);
	ck_assert_ptr_nonnull(strstr(error, "zzzzzz"));
	free(error);
	crk_proposal_free(&p);
}
END_TEST

START_TEST(test_ambiguous_prefix_is_refused)
{
	struct crk_message *two = M("p2@seller.example", "rep@seller.example",
	    "tom@beta.example", "Quote for Beta", "2026-11-02 10:00");
	struct crk_proposal_list list;
	struct crk_proposal *q = NULL;
	sqlite3 *db;
	char *path;

	ingest(proposal_msg());
	ingest(two);
	ck_assert_int_eq(
	    crk_store_proposals(store, CRK_PROPOSALS_ALL, &list, NULL), CRK_OK);
	ck_assert_uint_eq(list.count, 2);
	crk_proposal_list_clear(&list);
	/* force two IDs that share a prefix, as a big store will have */
	path = crk_xasprintf("%s/crickets.db", tmpdir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
			     "UPDATE proposals SET short_id = "
			     "'abc' || id",
			     NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	free(path);
	ck_assert_int_eq(
	    crk_store_proposal_find(store, "abc", &q, NULL), CRK_E_AMBIGUOUS);
	ck_assert_ptr_null(q);
}
END_TEST

START_TEST(test_one_draft_per_due_followup_and_it_knows_when_closed)
{
	struct crk_followup_list need;
	struct crk_draft_list drafts;
	char *error = NULL;

	ingest(proposal_msg());
	refresh("2026-11-02 12:00");
	/* #1 is due on the 3rd: nothing to draft on the 2nd */
	ck_assert_int_eq(crk_store_followups_needing_draft(
			     store, "work", D("2026-11-02"), &need, NULL),
	    CRK_OK);
	ck_assert_uint_eq(need.count, 0);
	crk_followup_list_clear(&need);
	ck_assert_int_eq(crk_store_followups_needing_draft(
			     store, "work", D("2026-11-03"), &need, NULL),
	    CRK_OK);
	ck_assert_uint_eq(need.count, 1);
	ck_assert_int_eq(
	    crk_store_draft_begin(store, need.items[0].id, "work", "Drafts",
		"d1@seller.example", T("2026-11-03 08:00"), NULL),
	    CRK_OK);
	ck_assert_int_eq(
	    crk_store_draft_begin(store, need.items[0].id, "work", "Drafts",
		"d2@seller.example", T("2026-11-03 08:00"), &error),
	    CRK_E_STATE);
	free(error);
	crk_followup_list_clear(&need);
	ck_assert_int_eq(crk_store_followups_needing_draft(
			     store, "work", D("2026-11-03"), &need, NULL),
	    CRK_OK);
	ck_assert_uint_eq(need.count, 0);
	crk_followup_list_clear(&need);
	/* a PENDING draft that never reached the server can be forgotten,
	 * and the follow-up then needs one again */
	ck_assert_int_eq(
	    crk_store_draft_forget(store, "d1@seller.example", NULL), CRK_OK);
	ck_assert_int_eq(crk_store_followups_needing_draft(
			     store, "work", D("2026-11-03"), &need, NULL),
	    CRK_OK);
	ck_assert_uint_eq(need.count, 1);
	ck_assert_int_eq(
	    crk_store_draft_begin(store, need.items[0].id, "work", "Drafts",
		"d1@seller.example", T("2026-11-03 08:00"), NULL),
	    CRK_OK);
	crk_followup_list_clear(&need);
	ck_assert_int_eq(crk_store_draft_set(store, "d1@seller.example",
			     CRK_DRAFT_APPENDED, 9, 41, NULL),
	    CRK_OK);
	ck_assert_int_eq(
	    crk_store_draft_set(store, "nope@x", CRK_DRAFT_REMOVED, 0, 0, NULL),
	    CRK_E_NOTFOUND);
	ck_assert_int_eq(
	    crk_store_drafts(store, "work", &drafts, NULL), CRK_OK);
	ck_assert_uint_eq(drafts.count, 1);
	ck_assert_uint_eq(drafts.items[0].uid, 41);
	ck_assert_int_eq(drafts.items[0].state, CRK_DRAFT_APPENDED);
	ck_assert(drafts.items[0].followup_open);
	crk_draft_list_clear(&drafts);
	/* the prospect answers: the draft's follow-up is no longer open */
	ingest(reply_to(
	    M("r1@acme.example", "jane@acme.example", "rep@seller.example",
		"Re: Q3 rollout", "2026-11-03 10:00"),
	    "p1@seller.example"));
	ck_assert_int_eq(
	    crk_store_drafts(store, "work", &drafts, NULL), CRK_OK);
	ck_assert_uint_eq(drafts.count, 1);
	ck_assert(!drafts.items[0].followup_open);
	crk_draft_list_clear(&drafts);
}
END_TEST

START_TEST(test_draft_record_outlives_an_untracked_proposal)
{
	struct crk_followup_list need;
	struct crk_draft_list drafts;
	struct crk_proposal *p;

	ingest(proposal_msg());
	refresh("2026-11-03 12:00");
	ck_assert_int_eq(crk_store_followups_needing_draft(
			     store, "work", D("2026-11-03"), &need, NULL),
	    CRK_OK);
	ck_assert_uint_eq(need.count, 1);
	ck_assert_int_eq(
	    crk_store_draft_begin(store, need.items[0].id, "work", "Drafts",
		"d1@seller.example", T("2026-11-03 08:00"), NULL),
	    CRK_OK);
	crk_followup_list_clear(&need);
	p = only_proposal();
	ck_assert_int_eq(crk_engine_untrack(engine, p->id, NULL), CRK_OK);
	crk_proposal_free(&p);
	ck_assert_int_eq(
	    crk_store_drafts(store, "work", &drafts, NULL), CRK_OK);
	ck_assert_uint_eq(drafts.count, 1);
	ck_assert_int_eq(drafts.items[0].followup_id, 0);
	ck_assert(!drafts.items[0].followup_open);
	crk_draft_list_clear(&drafts);
}
END_TEST

START_TEST(test_keyword_mirroring_a_close_does_not_undo_a_reopen)
{
	struct crk_message *again;
	struct crk_proposal *p;

	ingest(proposal_msg());
	p = only_proposal();
	ck_assert_int_eq(crk_engine_close(engine, p->id, CRK_STATE_WON, "cli",
			     T("2026-11-05 12:00"), NULL),
	    CRK_OK);
	ck_assert_int_eq(crk_engine_reopen(
			     engine, p->id, "cli", T("2026-11-06 12:00"), NULL),
	    CRK_OK);
	crk_proposal_free(&p);
	/* the next sync sees the crickets-won keyword the CLI had set */
	again = proposal_msg();
	crk_strv_add(&again->keywords, "crickets-won");
	ingest_at(again, NULL, 0, T("2026-11-06 13:00"));
	refresh("2026-11-06 14:00");
	assert_state(CRK_STATE_WAITING, 2, "2026-11-09");
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_attachment_proposal_is_tracked_with_reason);
	tcase_add_test(tc, test_changed_cadence_plans_open_proposals_again);
	tcase_add_test(tc, test_internal_only_mail_is_no_proposal);
	tcase_add_test(
	    tc, test_threaded_reply_marks_replied_and_pauses_cadence);
	tcase_add_test(tc, test_reply_synced_before_its_proposal_still_links);
	tcase_add_test(tc, test_thread_refs_give_the_chain_a_reply_carries);
	tcase_add_test(
	    tc, test_unthreaded_reply_from_prospect_with_same_subject_links);
	tcase_add_test(tc, test_same_subject_from_stranger_is_not_a_reply);
	tcase_add_test(
	    tc, test_reply_before_the_proposal_by_subject_is_ignored);
	tcase_add_test(
	    tc, test_out_of_office_never_changes_state_but_moves_due_date);
	tcase_add_test(
	    tc, test_out_of_office_without_threading_from_prospect_links);
	tcase_add_test(tc, test_bounce_naming_the_proposal_marks_bounced);
	tcase_add_test(tc, test_bounce_naming_only_the_recipient_marks_bounced);
	tcase_add_test(tc, test_delayed_dsn_does_not_bounce);
	tcase_add_test(
	    tc, test_touch_from_sent_closes_followup_and_schedules_next);
	tcase_add_test(
	    tc, test_late_touch_pushes_next_followup_past_its_offset);
	tcase_add_test(tc, test_writing_again_after_a_reply_starts_a_new_round);
	tcase_add_test(
	    tc, test_sent_reply_with_proposal_word_is_a_touch_not_a_proposal);
	tcase_add_test(
	    tc, test_touch_synced_before_its_proposal_is_merged_into_it);
	tcase_add_test(tc, test_same_message_in_two_folders_and_twice_is_one);
	tcase_add_test(tc, test_message_without_message_id_gets_a_stable_id);
	tcase_add_test(tc, test_colleague_in_thread_changes_nothing);
	tcase_add_test(tc, test_mailing_list_traffic_is_ignored);
	tcase_add_test(tc, test_overdue_followup_stays_open_and_numbered);
	tcase_add_test(tc, test_keyword_won_on_the_reply_closes_the_proposal);
	tcase_add_test(
	    tc, test_keyword_ignore_and_track_override_the_heuristic);
	tcase_add_test(tc, test_ignore_keyword_set_later_untracks);
	CRK_TABLE_TEST(tc, test_actions_follow_the_state_machine, action_table);
	tcase_add_test(tc, test_phone_touch_counts_as_the_followup);
	tcase_add_test(tc, test_snooze_wakes_up_on_its_day);
	tcase_add_test(tc, test_refresh_replays_only_what_time_changes);
	tcase_add_test(tc, test_closing_twice_the_same_way_is_refused);
	tcase_add_test(tc, test_track_by_hand_and_untrack);
	tcase_add_test(
	    tc, test_followup_uids_are_stable_and_sequence_moves_on_change);
	tcase_add_test(tc, test_rolled_back_batch_leaves_nothing);
	tcase_add_test(tc, test_future_date_is_clamped_to_arrival);
	tcase_add_test(tc, test_long_reference_chain_links_every_reply);
	tcase_add_test(tc, test_find_by_short_id_prefix_number_and_message_id);
	tcase_add_test(tc, test_ambiguous_prefix_is_refused);
	tcase_add_test(
	    tc, test_one_draft_per_due_followup_and_it_knows_when_closed);
	tcase_add_test(tc, test_draft_record_outlives_an_untracked_proposal);
	tcase_add_test(
	    tc, test_keyword_mirroring_a_close_does_not_undo_a_reopen);
	suite_add_tcase(s, tc);
	return s;
}
