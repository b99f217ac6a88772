/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Feeds from the store, with item revisions kept in the store. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ical/feed.h"

static enum crk_status
feed_store_revision(void *context, const char *uid, const char *content_hash,
    time_t now, unsigned *sequence_r, time_t *changed_at_r, char **error_r)
{
	return crk_store_item_revision(
	    context, uid, content_hash, now, sequence_r, changed_at_r, error_r);
}

/* Reads what the feeds show, in the transaction the caller began. */
static enum crk_status
feed_store_input(struct crk_store *store, time_t now,
    struct crk_proposal_list *proposals, struct crk_followup_list *followups,
    struct crk_feed_input *input, char **error_r)
{
	enum crk_status status;

	status =
	    crk_store_proposals(store, CRK_PROPOSALS_ALL, proposals, error_r);
	if (status != CRK_OK)
		return status;
	status = crk_store_followups(store, 0, false, followups, error_r);
	if (status != CRK_OK)
		return status;
	memset(input, 0, sizeof(*input));
	input->proposals = proposals->items;
	input->n_proposals = proposals->count;
	input->followups = followups->items;
	input->n_followups = followups->count;
	input->now = now;
	input->revision = feed_store_revision;
	input->revision_context = store;
	return CRK_OK;
}

enum crk_status
crk_feed_render_store(struct crk_store *store, time_t now, char **events_r,
    char **tasks_r, char **error_r)
{
	struct crk_proposal_list proposals = {0};
	struct crk_followup_list followups = {0};
	struct crk_feed_input input;
	enum crk_status status;

	if (events_r != NULL)
		*events_r = NULL;
	if (tasks_r != NULL)
		*tasks_r = NULL;
	/* one transaction: a consistent snapshot, and the revision updates
	 * land together or not at all */
	if ((status = crk_store_begin(store, error_r)) != CRK_OK)
		return status;
	status = feed_store_input(
	    store, now, &proposals, &followups, &input, error_r);
	if (status == CRK_OK)
		status = crk_feed_render(&input, events_r, tasks_r, error_r);
	if (status == CRK_OK)
		status = crk_store_commit(store, error_r);
	if (status != CRK_OK) {
		crk_store_rollback(store);
		if (events_r != NULL)
			crk_free_str(events_r);
		if (tasks_r != NULL)
			crk_free_str(tasks_r);
	}
	crk_proposal_list_clear(&proposals);
	crk_followup_list_clear(&followups);
	return status;
}

enum crk_status
crk_feed_publish_store(struct crk_store *store, const char *dir, unsigned mode,
    time_t now, struct crk_strv *paths_r, char **error_r)
{
	struct crk_proposal_list proposals = {0};
	struct crk_followup_list followups = {0};
	struct crk_feed_input input;
	enum crk_status status;

	/* One snapshot for both feeds; each is written as soon as it is
	 * rendered (crk_feed_publish).  Should the commit of the revisions
	 * fail after the files were written, the next render computes the
	 * same SEQUENCE again from the unchanged store. */
	if ((status = crk_store_begin(store, error_r)) != CRK_OK)
		return status;
	status = feed_store_input(
	    store, now, &proposals, &followups, &input, error_r);
	if (status == CRK_OK)
		status = crk_feed_publish(&input, dir, mode, paths_r, error_r);
	if (status == CRK_OK)
		status = crk_store_commit(store, error_r);
	if (status != CRK_OK)
		crk_store_rollback(store);
	crk_proposal_list_clear(&proposals);
	crk_followup_list_clear(&followups);
	return status;
}
