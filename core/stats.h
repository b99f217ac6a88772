/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pipeline statistics: reply rate per touch, days to reply, outcomes. */
#ifndef CRK_STATS_H
#define CRK_STATS_H

#include <time.h>

#include "core/common.h"
#include "core/store.h"

#define CRK_STATS_TOUCHES 8 /* touch numbers 0..7, the last one is "7+" */

struct crk_stats {
	unsigned proposals;
	unsigned by_state[CRK_STATE_DROPPED + 1];
	/* reached[n]: proposals that got at least n follow-ups in their first
	 * round (reached[0] = all); replied_after[n]: of those, the ones whose
	 * first reply came after exactly n follow-ups. */
	unsigned reached[CRK_STATS_TOUCHES];
	unsigned replied_after[CRK_STATS_TOUCHES];
	unsigned replies;            /* proposals with at least one reply */
	double days_to_reply_median; /* first reply; -1 when none */
	double days_to_reply_mean;   /* -1 when none */
	unsigned overdue;            /* open follow-ups due before today */
	unsigned due_today;
	/* Beside the research (most deals need five or more touches; 44% of
	 * reps stop after one follow-up).  silent: proposals that never got
	 * a reply (first_reply_at = 0) and are waiting, snoozed or dropped
	 * (won and lost ones got a decision, bounced ones reached no one).
	 * stopped_before_fifth: of those, the ones whose first round got
	 * fewer than CRK_STATS_RESEARCH_TOUCHES follow-ups (round1_touches)
	 * and that the rep gave up on: dropped, or still waiting/snoozed
	 * with the open follow-up overdue (a young proposal whose next
	 * touch is not due yet has not been given up on). */
	unsigned silent;
	unsigned stopped_before_fifth;
};

/* The follow-ups most deals need, after the research. */
#define CRK_STATS_RESEARCH_TOUCHES 5

/* Computes the statistics as of now.  Caller provides *stats_r. */
enum crk_status crk_stats_compute(struct crk_store *store, time_t now,
    struct crk_stats *stats_r, char **error_r);

#endif
