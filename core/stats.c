/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pipeline statistics: reply rate per touch, days to reply, outcomes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "core/store-private.h"

static int
stats_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum crk_status
crk_stats_compute(struct crk_store *store, time_t now,
    struct crk_stats *stats_r, char **error_r)
{
	sqlite3_stmt *stmt;
	double *days = NULL, sum = 0;
	size_t n_days = 0, alloc = 0;
	enum crk_status status = CRK_OK;
	crk_day today = crk_day_of_time(now);
	int rc;

	memset(stats_r, 0, sizeof(*stats_r));
	stats_r->days_to_reply_median = -1;
	stats_r->days_to_reply_mean = -1;
	stmt = crk_store_stmt(store,
	    "SELECT p.state, p.first_reply_at, "
	    "p.touches_before_reply, p.round1_touches, m.date FROM proposals p "
	    "JOIN messages m ON m.id = p.message");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int state = sqlite3_column_int(stmt, 0);
		time_t first_reply = (time_t)sqlite3_column_int64(stmt, 1);
		bool replied = first_reply > 0;
		unsigned t, k;

		stats_r->proposals++;
		if (state >= 0 && state <= CRK_STATE_DROPPED)
			stats_r->by_state[state]++;
		/* How many follow-ups the first round got before its answer
		 * (or so far, without one). */
		t = (unsigned)sqlite3_column_int(stmt, replied ? 2 : 3);
		if (t >= CRK_STATS_TOUCHES)
			t = CRK_STATS_TOUCHES - 1;
		for (k = 0; k <= t; k++)
			stats_r->reached[k]++;
		if (!replied)
			continue;
		stats_r->replied_after[t]++;
		stats_r->replies++;
		if (n_days == alloc) {
			alloc = alloc == 0 ? 64 : alloc * 2;
			days = crk_xreallocarray(days, alloc, sizeof(*days));
		}
		days[n_days] = (double)(first_reply -
				   (time_t)sqlite3_column_int64(stmt, 4)) /
		    86400.0;
		if (days[n_days] < 0)
			days[n_days] = 0;
		sum += days[n_days++];
	}
	if (rc != SQLITE_DONE) {
		status =
		    crk_store_error(store, error_r, "computing statistics");
		goto out;
	}
	sqlite3_reset(stmt);
	if (n_days > 0) {
		qsort(days, n_days, sizeof(*days), stats_cmp_double);
		stats_r->days_to_reply_mean = sum / (double)n_days;
		stats_r->days_to_reply_median = n_days % 2 == 1
		    ? days[n_days / 2]
		    : (days[n_days / 2 - 1] + days[n_days / 2]) / 2;
	}
	stmt = crk_store_stmt(store,
	    "SELECT sum(f.due < ?1), "
	    "sum(f.due = ?1) FROM followups f JOIN proposals p ON "
	    "p.id = f.proposal WHERE f.state = 0 AND p.state IN (0, 3)");
	sqlite3_bind_int(stmt, 1, today);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		status =
		    crk_store_error(store, error_r, "computing statistics");
		goto out;
	}
	stats_r->overdue = (unsigned)sqlite3_column_int(stmt, 0);
	stats_r->due_today = (unsigned)sqlite3_column_int(stmt, 1);
	sqlite3_reset(stmt);
	/* the definitions are in stats.h (silent, stopped_before_fifth) */
	stmt = crk_store_stmt(store,
	    "SELECT count(*), sum(p.round1_touches < ?2 AND (p.state = 6 OR "
	    "EXISTS (SELECT 1 FROM followups f WHERE f.proposal = p.id AND "
	    "f.state = 0 AND f.due < ?1))) FROM proposals p "
	    "WHERE p.first_reply_at = 0 AND p.state IN (0, 3, 6)");
	sqlite3_bind_int(stmt, 1, today);
	sqlite3_bind_int(stmt, 2, CRK_STATS_RESEARCH_TOUCHES);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		status =
		    crk_store_error(store, error_r, "computing statistics");
		goto out;
	}
	stats_r->silent = (unsigned)sqlite3_column_int(stmt, 0);
	stats_r->stopped_before_fifth = (unsigned)sqlite3_column_int(stmt, 1);
	sqlite3_reset(stmt);
out:
	free(days);
	return status;
}
