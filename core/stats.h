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
};

/* Computes the statistics as of now.  Caller provides *stats_r. */
enum crk_status crk_stats_compute(struct crk_store *store, time_t now,
    struct crk_stats *stats_r, char **error_r);

#endif
