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

/* What every kept part depends on besides its proposal and the time (a
 * part's until covers the time: an event's day ending, a completed
 * follow-up ageing out): the zone the days are counted in and the
 * renderer.  On a new day only the parts whose items move are stale, not
 * every part (a rep's follow-ups are mostly in the future). */
static char *
feed_store_key(void)
{
	const char *tz = getenv("TZ");

	return crk_xasprintf("%s %s", tz != NULL ? tz : "-", PACKAGE_VERSION);
}

/* Renders the stale parts (all of them when full) and keeps them. */
static enum crk_status
feed_store_render_stale(struct crk_store *store, time_t now, bool full,
    size_t *rendered_r, char **error_r)
{
	struct crk_proposal_list proposals = {0};
	struct crk_followup_list followups = {0}, one = {0};
	struct crk_feed_input input;
	enum crk_status status;
	size_t i, first = 0;

	status = full
	    ? crk_store_proposals(store, CRK_PROPOSALS_ALL, &proposals, error_r)
	    : crk_store_feed_stale(store, now, &proposals, error_r);
	/* all follow-ups at once for many proposals (in proposal order),
	 * each proposal's own for a few */
	if (status == CRK_OK && proposals.count > 64)
		status =
		    crk_store_followups(store, 0, false, &followups, error_r);
	for (i = 0; i < proposals.count && status == CRK_OK; i++) {
		const struct crk_proposal *p = &proposals.items[i];
		char *events = NULL, *tasks = NULL;
		time_t until = 0;
		size_t n = 0;

		memset(&input, 0, sizeof(input));
		input.proposals = p;
		input.n_proposals = 1;
		if (proposals.count > 64) {
			/* crk_store_followups orders by proposal */
			for (first = 0; first < followups.count &&
			     followups.items[first].proposal_id < p->id;
			     first++)
				;
			while (first + n < followups.count &&
			    followups.items[first + n].proposal_id == p->id)
				n++;
			input.followups = followups.items + first;
		} else {
			crk_followup_list_clear(&one);
			status = crk_store_followups(
			    store, p->id, false, &one, error_r);
			if (status != CRK_OK)
				break;
			input.followups = one.items;
			n = one.count;
		}
		input.n_followups = n;
		input.now = now;
		input.revision = feed_store_revision;
		input.revision_context = store;
		status = crk_feed_render_part(
		    &input, 0, &events, &tasks, &until, error_r);
		if (status == CRK_OK)
			status = crk_store_feed_part_set(
			    store, p, events, tasks, until, error_r);
		free(events);
		free(tasks);
	}
	*rendered_r = proposals.count;
	crk_followup_list_clear(&one);
	crk_followup_list_clear(&followups);
	crk_proposal_list_clear(&proposals);
	return status;
}

/* What the published files are now: their directory and mode, and the
 * identity of each (crk_file_identity): a file replaced, edited, removed
 * or chmodded since gives another text. */
static char *
feed_store_files(const char *dir, unsigned mode)
{
	static const char *const names[2] = {
	    CRK_FEED_EVENTS_FILE, CRK_FEED_TASKS_FILE};
	char *files = crk_xasprintf("%s %o", dir, mode & 07777), *path, *id;
	char *more;
	int f;

	for (f = 0; f < 2; f++) {
		path = crk_xasprintf("%s/%s", dir, names[f]);
		id = crk_file_identity(path, false);
		more = crk_xasprintf("%s %s", files, id);
		free(id);
		free(path);
		free(files);
		files = more;
	}
	return files;
}

static enum crk_status
feed_store_put(void *context, const char *text, size_t len, char **error_r)
{
	return crk_feed_writer_add(context, text, len, error_r);
}

/* One feed: the head, the kept parts in order, the tail. */
static enum crk_status
feed_store_write(struct crk_store *store, const char *dir, const char *name,
    bool tasks, unsigned mode, char **error_r)
{
	struct crk_feed_writer *w;
	enum crk_status status;
	char *head = crk_feed_head(tasks);

	status = crk_feed_writer_open(dir, name, mode, &w, error_r);
	if (status == CRK_OK) {
		status = crk_feed_writer_add(w, head, strlen(head), error_r);
		if (status == CRK_OK)
			status = crk_store_feed_parts_each(
			    store, tasks, feed_store_put, w, error_r);
		if (status == CRK_OK)
			status = crk_feed_writer_add(
			    w, CRK_FEED_TAIL, strlen(CRK_FEED_TAIL), error_r);
		if (status == CRK_OK)
			status = crk_feed_writer_finish(&w, NULL, error_r);
		else
			crk_feed_writer_abort(&w);
	}
	free(head);
	return status;
}

enum crk_status
crk_feed_publish_store(struct crk_store *store, const char *dir, unsigned mode,
    time_t now, struct crk_strv *paths_r, char **error_r)
{
	static const char *const names[2] = {
	    CRK_FEED_EVENTS_FILE, CRK_FEED_TASKS_FILE};
	enum crk_status status;
	char *key = NULL, *old_key = NULL, *old_files = NULL, *files = NULL;
	time_t rendered_at = 0;
	size_t rendered = 0;
	bool full;
	int f;

	/* One transaction: the parts, the revisions and the files agree.
	 * Only the stale parts are rendered; each feed is the kept parts
	 * in order, so a change costs its proposal plus the copy, not a
	 * render of every proposal (which a push waited for).  When no part
	 * changed and the files are the ones last written, nothing is read
	 * or written: every sync and every tick of the plugin publishes. */
	if ((status = crk_store_begin(store, error_r)) != CRK_OK)
		return status;
	key = feed_store_key();
	status = crk_store_feed_key(
	    store, &old_key, &rendered_at, &old_files, error_r);
	if (status != CRK_OK)
		goto out;
	/* another zone, a new renderer, a clock set back */
	full =
	    old_key == NULL || strcmp(old_key, key) != 0 || now < rendered_at;
	status = feed_store_render_stale(store, now, full, &rendered, error_r);
	if (status == CRK_OK)
		status = crk_feed_make_dir(dir, error_r);
	if (status == CRK_OK) {
		files = feed_store_files(dir, mode);
		if (full || rendered > 0 || old_files == NULL ||
		    strcmp(files, old_files) != 0) {
			for (f = 0; f < 2 && status == CRK_OK; f++)
				status = feed_store_write(store, dir, names[f],
				    f == 1, mode, error_r);
			free(files);
			files = feed_store_files(dir, mode);
		}
	}
	if (status == CRK_OK)
		status =
		    crk_store_feed_key_set(store, key, now, files, error_r);
	if (status == CRK_OK && paths_r != NULL)
		for (f = 0; f < 2; f++)
			crk_strv_add_owned(
			    paths_r, crk_xasprintf("%s/%s", dir, names[f]));
	if (status == CRK_OK)
		status = crk_store_commit(store, error_r);
out:
	if (status != CRK_OK)
		crk_store_rollback(store);
	free(key);
	free(old_key);
	free(old_files);
	free(files);
	return status;
}
