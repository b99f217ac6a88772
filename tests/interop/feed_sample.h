/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A hand-made mailbox state for the feed tests, optionally hostile. */
#ifndef CRK_FEED_SAMPLE_H
#define CRK_FEED_SAMPLE_H

#include <stddef.h>
#include <time.h>

#include "core/store.h"
#include "ical/feed.h"

#define CRK_SAMPLE_MAX 16

struct crk_feed_sample {
	struct crk_proposal proposals[CRK_SAMPLE_MAX];
	size_t n_proposals;
	struct crk_followup followups[CRK_SAMPLE_MAX];
	size_t n_followups;
	time_t now; /* 2026-11-22 12:00 local */
	/* what the feeds must hold */
	size_t expect_events;
	size_t expect_tasks;
	size_t expect_completed;
};

/* In-memory SEQUENCE bookkeeping with crk_store_item_revision's rules. */
struct crk_feed_revs {
	struct {
		char *uid;
		char hash[65];
		unsigned sequence;
		time_t changed;
	} items[4 * CRK_SAMPLE_MAX];
	size_t count;
};
crk_feed_revision_fn crk_feed_revs_lookup;
void crk_feed_revs_clear(struct crk_feed_revs *revs);

/* A local time (TZ) as an instant. */
time_t crk_sample_time(int y, int mo, int d, int h, int mi);

/* Fills the realistic sample (TZ should be set first): an overdue
 * follow-up, a future one, a snoozed one, a replied and a bounced
 * proposal, done follow-ups inside and outside the 14 days, closed
 * proposals. */
void crk_feed_sample_fill(struct crk_feed_sample *s);
/* Replaces every string from mail (subjects, names, addresses'
 * local parts, attachment names, reply senders) with random hostile text:
 * control characters, CR/LF, ;,\, emoji, invalid UTF-8, long lines. */
void crk_feed_sample_make_hostile(struct crk_feed_sample *s, unsigned seed);
void crk_feed_sample_clear(struct crk_feed_sample *s);
/* The input for crk_feed_render (revision callback unset). */
void crk_feed_sample_input(
    const struct crk_feed_sample *s, struct crk_feed_input *in);

#endif
