/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the pipeline statistics over a small pipeline built through the
 * engine. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine.h"
#include "core/stats.h"
#include "tests/check_common.h"

static char *tmpdir;
static struct crk_store *store;
static struct crk_engine *engine;

static void
setup(void)
{
	struct crk_rules rules;
	struct crk_cadence cadence;

	crk_test_set_tz("UTC");
	tmpdir = crk_test_tmpdir();
	store = crk_test_store_in(tmpdir);
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "rep@seller.example");
	crk_cadence_default(&cadence);
	engine = crk_engine_new(store, &rules, &cadence);
	crk_rules_clear(&rules);
}

static void
teardown(void)
{
	crk_engine_free(&engine);
	crk_store_free(&store);
	crk_test_rmtree(tmpdir);
	free(tmpdir);
}

#define DAY 86400
static const time_t t0 = 1793606400; /* 2026-11-02 08:00 UTC, a Monday */

static void
add(const char *mid, const char *from, const char *to, const char *parent,
    const char *subject, const char *attachment, time_t date)
{
	struct crk_message *m = crk_message_new();

	m->message_id = crk_xstrdup(mid);
	m->from.addr = crk_xstrdup(from);
	crk_addr_list_add(&m->to, to, NULL);
	m->subject = crk_xstrdup(subject);
	m->date = date;
	if (parent != NULL) {
		m->in_reply_to = crk_xstrdup(parent);
		crk_strv_add(&m->references, parent);
	}
	if (attachment != NULL)
		crk_strv_add(&m->attachments, attachment);
	ck_assert_int_eq(crk_engine_begin(engine, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_engine_ingest(engine, "work", m, NULL, t0 + 60 * DAY, NULL),
	    CRK_OK);
	ck_assert_int_eq(
	    crk_engine_commit(engine, t0 + 60 * DAY, NULL), CRK_OK);
	crk_message_free(&m);
}

START_TEST(test_reply_rate_per_touch_and_days_to_reply)
{
	struct crk_stats st;
	struct crk_proposal *p = NULL;

	/* A: replied two days after the proposal, no follow-up */
	add("a@s", "rep@seller.example", "a@acme.example", NULL, "Offer A",
	    "offer.pdf", t0);
	add("a1@acme", "a@acme.example", "rep@seller.example", "a@s",
	    "Re: Offer A", NULL, t0 + 2 * DAY);
	/* B: one follow-up, then a reply four days after the proposal */
	add("b@s", "rep@seller.example", "b@beta.example", NULL, "Quote B",
	    NULL, t0);
	add("b1@s", "rep@seller.example", "b@beta.example", "b@s",
	    "Re: Quote B", NULL, t0 + 1 * DAY);
	add("b2@beta", "b@beta.example", "rep@seller.example", "b1@s",
	    "Re: Quote B", NULL, t0 + 4 * DAY);
	/* C: two follow-ups, silent */
	add("c@s", "rep@seller.example", "c@gamma.example", NULL, "Proposal C",
	    NULL, t0);
	add("c1@s", "rep@seller.example", "c@gamma.example", "c@s",
	    "Re: Proposal C", NULL, t0 + 1 * DAY);
	add("c2@s", "rep@seller.example", "c@gamma.example", "c1@s",
	    "Re: Proposal C", NULL, t0 + 3 * DAY);
	/* D: silent, won by hand */
	add("d@s", "rep@seller.example", "d@delta.example", NULL, "Contract D",
	    NULL, t0);
	ck_assert_int_eq(
	    crk_store_proposal_find(store, "d@s", &p, NULL), CRK_OK);
	ck_assert_int_eq(crk_engine_close(engine, p->id, CRK_STATE_WON, "cli",
			     t0 + 5 * DAY, NULL),
	    CRK_OK);
	crk_proposal_free(&p);

	ck_assert_int_eq(
	    crk_stats_compute(store, t0 + 10 * DAY, &st, NULL), CRK_OK);
	ck_assert_uint_eq(st.proposals, 4);
	ck_assert_uint_eq(st.by_state[CRK_STATE_REPLIED], 2);
	ck_assert_uint_eq(st.by_state[CRK_STATE_WAITING], 1);
	ck_assert_uint_eq(st.by_state[CRK_STATE_WON], 1);
	ck_assert_uint_eq(st.reached[0], 4);
	ck_assert_uint_eq(st.reached[1], 2); /* B and C */
	ck_assert_uint_eq(st.reached[2], 1); /* C */
	ck_assert_uint_eq(st.reached[3], 0);
	ck_assert_uint_eq(st.replied_after[0], 1);
	ck_assert_uint_eq(st.replied_after[1], 1);
	ck_assert_uint_eq(st.replies, 2);
	ck_assert(
	    st.days_to_reply_median > 2.99 && st.days_to_reply_median < 3.01);
	ck_assert(st.days_to_reply_mean > 2.99 && st.days_to_reply_mean < 3.01);
	/* C's follow-up #3 (day 7, Mon 9 Nov) is open: overdue on day 10 */
	ck_assert_uint_eq(st.overdue, 1);
	ck_assert_uint_eq(st.due_today, 0);
	/* C is the one silent proposal, left overdue after two follow-ups */
	ck_assert_uint_eq(st.silent, 1);
	ck_assert_uint_eq(st.stopped_before_fifth, 1);
}
END_TEST

/* One proposal per case: `touches` follow-ups on the cadence days, maybe
 * a reply on day 2 (before the follow-ups), maybe closed on day 40 or
 * the day before `now_day`, whichever is sooner. */
static const struct {
	const char *what;
	unsigned touches;
	bool reply;
	int close; /* an enum crk_state, -1: left open */
	unsigned now_day;
	unsigned silent;
	unsigned stopped;
} silent_table[] = {
    {"young, first follow-up not due yet", 0, false, -1, 0, 1, 0},
    {"first follow-up left overdue", 0, false, -1, 2, 1, 1},
    {"dropped after two follow-ups", 2, false, CRK_STATE_DROPPED, 10, 1, 1},
    {"five follow-ups, sixth overdue", 5, false, -1, 60, 1, 0},
    {"five follow-ups, then dropped", 5, false, CRK_STATE_DROPPED, 60, 1, 0},
    {"lost: a decision, not silence", 1, false, CRK_STATE_LOST, 10, 0, 0},
    {"replied, then dropped", 0, true, CRK_STATE_DROPPED, 10, 0, 0},
};

START_TEST(test_stopped_before_fifth_counts_silent_proposals_given_up)
{
	static const unsigned cadence_days[] = {1, 3, 7, 14, 28};
	struct crk_stats st;
	struct crk_proposal *p = NULL;
	char mid[32], parent[32];
	unsigned i;

	add("p@s", "rep@seller.example", "x@acme.example", NULL, "Offer X",
	    "offer.pdf", t0);
	if (silent_table[_i].reply)
		add("r@acme", "x@acme.example", "rep@seller.example", "p@s",
		    "Re: Offer X", NULL, t0 + 2 * DAY);
	snprintf(parent, sizeof(parent), "p@s");
	for (i = 0; i < silent_table[_i].touches; i++) {
		snprintf(mid, sizeof(mid), "t%u@s", i);
		add(mid, "rep@seller.example", "x@acme.example", parent,
		    "Re: Offer X", NULL, t0 + cadence_days[i] * DAY);
		snprintf(parent, sizeof(parent), "%s", mid);
	}
	if (silent_table[_i].close >= 0) {
		ck_assert_int_eq(
		    crk_store_proposal_find(store, "p@s", &p, NULL), CRK_OK);
		ck_assert_int_eq(
		    crk_engine_close(engine, p->id,
			(enum crk_state)silent_table[_i].close, "cli",
			t0 + (silent_table[_i].now_day - 1) * DAY, NULL),
		    CRK_OK);
		crk_proposal_free(&p);
	}
	ck_assert_int_eq(crk_stats_compute(store,
			     t0 + silent_table[_i].now_day * DAY, &st, NULL),
	    CRK_OK);
	ck_assert_msg(st.silent == silent_table[_i].silent &&
		st.stopped_before_fifth == silent_table[_i].stopped,
	    "%s: silent %u, stopped %u", silent_table[_i].what, st.silent,
	    st.stopped_before_fifth);
}
END_TEST

START_TEST(test_empty_store_has_no_reply_times)
{
	struct crk_stats st;

	ck_assert_int_eq(crk_stats_compute(store, t0, &st, NULL), CRK_OK);
	ck_assert_uint_eq(st.proposals, 0);
	ck_assert(st.days_to_reply_median < 0);
	ck_assert(st.days_to_reply_mean < 0);
	ck_assert_uint_eq(st.silent, 0);
	ck_assert_uint_eq(st.stopped_before_fifth, 0);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reply_rate_per_touch_and_days_to_reply);
	tcase_add_test(tc, test_empty_store_has_no_reply_times);
	CRK_TABLE_TEST(tc,
	    test_stopped_before_fifth_counts_silent_proposals_given_up,
	    silent_table);
	suite_add_tcase(s, tc);
	return s;
}
