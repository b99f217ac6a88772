/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The follow-up drafts pass (issue 5): recover, clean up, open. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/draft.h"
#include "core/drafts.h"
#include "core/template.h"

/* A PENDING draft another writer (the watcher or the plugin, another
 * folder) left this long ago is forgotten: that writer would have found
 * it long since, so it is gone (or its folder is no longer used) and the
 * follow-up needs a new one. */
#define DRAFTS_ORPHAN_AFTER (24 * 3600)

static const struct crk_proposal *
drafts_proposal(const struct crk_proposal_list *list, int64_t id)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		if (list->items[i].id == id)
			return &list->items[i];
	return NULL;
}

/* The draft text of a follow-up: the touch's template rendered for the
 * proposal, composed as a reply to the thread's last message. */
static enum crk_status
drafts_compose(const struct crk_drafts_params *params,
    const struct crk_proposal *p, const struct crk_followup *f, time_t now,
    char **text_r, char **message_id_r, char **error_r)
{
	struct crk_template *tpl = NULL;
	struct crk_template_values values = {0};
	struct crk_draft_input in = {0};
	struct crk_strv refs = {0};
	struct crk_addr from = {0};
	char *first = NULL, *company = NULL, *body = NULL;
	const char *last;
	time_t silent_since;
	enum crk_status st;

	st = crk_template_load(params->templates_dir, params->shipped_dir,
	    f->number, &tpl, error_r);
	if (st != CRK_OK)
		goto out;
	crk_template_prospect_values(&p->prospects, &first, &company);
	silent_since = p->last_message_at != 0 ? p->last_message_at
	    : p->round_start != 0              ? p->round_start
					       : p->sent_at;
	values.first_name = first;
	values.company = company;
	values.subject = p->subject;
	values.sent_day =
	    p->sent_at != 0 ? crk_day_of_time(p->sent_at) : CRK_DAY_NONE;
	values.days_silent =
	    (int)(crk_day_of_time(now) - crk_day_of_time(silent_since));
	if (values.days_silent < 0)
		values.days_silent = 0;
	values.touch = f->number;
	values.rep_name = p->from_name;
	body = crk_template_render(tpl, &values);

	/* The thread continues from its last message; References carry
	 * the proposal (the root) before it, which is what clients need to
	 * thread (store.h keeps no References of the last message). */
	last = p->last_message_id != NULL ? p->last_message_id : p->message_id;
	if (p->message_id != NULL && last != NULL &&
	    strcmp(p->message_id, last) != 0)
		crk_strv_add(&refs, p->message_id);
	from.addr = p->from_addr;
	from.name = p->from_name;
	in.from = &from;
	in.to = &p->prospects;
	in.subject = p->subject != NULL ? p->subject : "";
	in.in_reply_to = last;
	in.references = &refs;
	in.body = body;
	in.now = now;
	in.followup_uid = f->uid;
	st = crk_draft_compose(&in, text_r, message_id_r, error_r);
out:
	crk_template_free(&tpl);
	crk_strv_clear(&refs);
	free(first);
	free(company);
	free(body);
	return st;
}

static enum crk_status
drafts_log_set(struct crk_store *store, const struct crk_drafts_params *params,
    const char *message_id, enum crk_draft_state state, uint32_t uidvalidity,
    uint32_t uid, char **error_r)
{
	if (params->dry_run)
		return CRK_OK;
	return crk_store_draft_set(
	    store, message_id, state, uidvalidity, uid, error_r);
}

/* Step 1: a PENDING draft, left by a crash between the store and the
 * append (or between the append and the next write). */
static enum crk_status
drafts_recover(struct crk_store *store, const struct crk_drafts_box *box,
    const struct crk_drafts_params *params, struct crk_draft *d,
    struct crk_drafts_stats *stats, char **error_r)
{
	const char *dry = params->dry_run ? "dry run: " : "";
	enum crk_status st;
	uint32_t uid;

	st = box->ops->find(box->ctx, d->message_id, &uid, error_r);
	if (st != CRK_OK)
		return st;
	if (uid != 0) {
		st = drafts_log_set(store, params, d->message_id,
		    CRK_DRAFT_APPENDED, box->uidvalidity, uid, error_r);
		if (st != CRK_OK)
			return st;
		crk_info("account %s: %sdraft <%s> found in %s (UID %u) after "
			 "an interrupted run",
		    box->account, dry, d->message_id, box->folder,
		    (unsigned)uid);
		d->state = CRK_DRAFT_APPENDED;
		d->uidvalidity = box->uidvalidity;
		d->uid = uid;
		stats->recovered++;
		return CRK_OK;
	}
	if (!params->dry_run) {
		st = crk_store_draft_forget(store, d->message_id, error_r);
		if (st != CRK_OK)
			return st;
	}
	crk_info("account %s: %sdraft <%s> never reached %s; %s", box->account,
	    dry, d->message_id, box->folder,
	    params->dry_run ? "would write it again" : "writing it again");
	stats->forgotten++;
	return CRK_OK;
}

/* Step 2: the draft of a follow-up that closed. */
static enum crk_status
drafts_cleanup(struct crk_store *store, const struct crk_drafts_box *box,
    const struct crk_drafts_params *params, const struct crk_draft *d,
    struct crk_drafts_stats *stats, char **error_r)
{
	const char *dry = params->dry_run ? "dry run: " : "";
	enum crk_status st;
	bool same = false;

	/* Another UIDVALIDITY: the UID proves nothing, and what cannot be
	 * proven untouched is never deleted. */
	if (d->uid != 0 && d->uidvalidity == box->uidvalidity) {
		st = box->ops->has_id(
		    box->ctx, d->uid, d->message_id, &same, error_r);
		if (st != CRK_OK)
			return st;
	}
	if (same) {
		if (!params->dry_run) {
			st = box->ops->remove(box->ctx, d->uid, error_r);
			if (st != CRK_OK)
				return st;
		}
		st = drafts_log_set(store, params, d->message_id,
		    CRK_DRAFT_REMOVED, 0, 0, error_r);
		if (st != CRK_OK)
			return st;
		crk_info("account %s: %sdraft <%s> (UID %u) %s: its "
			 "follow-up is closed and the draft was untouched",
		    box->account, dry, d->message_id, (unsigned)d->uid,
		    params->dry_run ? "would be removed" : "removed");
		stats->removed++;
		return CRK_OK;
	}
	st = drafts_log_set(
	    store, params, d->message_id, CRK_DRAFT_KEPT, 0, 0, error_r);
	if (st != CRK_OK)
		return st;
	crk_info("account %s: %sdraft <%s> %s: the rep edited, sent or "
		 "moved it",
	    box->account, dry, d->message_id,
	    params->dry_run ? "would be kept" : "kept");
	stats->kept++;
	return CRK_OK;
}

/* Step 3: one draft for one due follow-up. */
static enum crk_status
drafts_create(struct crk_store *store, const struct crk_drafts_box *box,
    const struct crk_drafts_params *params, const struct crk_proposal *p,
    const struct crk_followup *f, time_t now, struct crk_drafts_stats *stats,
    char **error_r)
{
	char *text = NULL, *mid = NULL, *error = NULL;
	enum crk_status st;
	uint32_t uid = 0;

	st = drafts_compose(params, p, f, now, &text, &mid, &error);
	if (st != CRK_OK) {
		/* one odd proposal (no usable address) must not stop the
		 * others */
		crk_warn("account %s: no draft for follow-up #%u of <%s>: %s",
		    box->account, f->number, p->message_id,
		    error != NULL ? error : crk_status_str(st));
		st = CRK_OK;
		goto out;
	}
	if (params->dry_run) {
		crk_info("account %s: dry run: would open a draft in %s for "
			 "follow-up #%u of <%s>",
		    box->account, box->folder, f->number, p->message_id);
		stats->created++;
		goto out;
	}

	/* PENDING is committed before the append: whatever happens next,
	 * the next run finds the trace and looks for the draft instead of
	 * writing a second one. */
	if ((st = crk_store_begin(store, error_r)) != CRK_OK)
		goto out;
	st = crk_store_draft_begin(
	    store, f->id, box->account, box->folder, mid, now, &error);
	if (st != CRK_OK) {
		crk_store_rollback(store);
		if (st == CRK_E_STATE)
			st = CRK_OK; /* another process opened it meanwhile */
		else
			crk_error_set(error_r, "%s", error);
		goto out;
	}
	if ((st = crk_store_commit(store, error_r)) != CRK_OK)
		goto out;

	st = box->ops->append(box->ctx, text, strlen(text), &uid, error_r);
	if (st != CRK_OK)
		goto out;
	if (uid == 0) {
		/* the host could not tell: find it by its Message-ID */
		st = box->ops->find(box->ctx, mid, &uid, error_r);
		if (st != CRK_OK)
			goto out;
	}
	/* uid 0 (not found again) keeps it PENDING for the next run */
	if (uid != 0) {
		st = crk_store_draft_set(store, mid, CRK_DRAFT_APPENDED,
		    box->uidvalidity, uid, error_r);
		if (st != CRK_OK)
			goto out;
	}
	crk_info("account %s: draft <%s> opened in %s (UID %u) for "
		 "follow-up #%u of <%s>",
	    box->account, mid, box->folder, (unsigned)uid, f->number,
	    p->message_id);
	stats->created++;
out:
	free(text);
	free(mid);
	free(error);
	return st;
}

/* The latest day whose follow-ups get drafts now: today once the local
 * hour reaches draft_hour, else yesterday. */
static crk_day
drafts_day(const struct crk_drafts_params *params, time_t now)
{
	struct tm tm;
	crk_day today = crk_day_of_time(now);

	if (localtime_r(&now, &tm) != NULL &&
	    (unsigned)tm.tm_hour < params->draft_hour)
		return today - 1;
	return today;
}

/* A draft of another writer's folder: left alone, but a PENDING one
 * that writer never came back to is forgotten (DRAFTS_ORPHAN_AFTER). */
static enum crk_status
drafts_foreign(struct crk_store *store, const struct crk_drafts_box *box,
    const struct crk_drafts_params *params, const struct crk_draft *d,
    time_t now, struct crk_drafts_stats *stats, char **error_r)
{
	enum crk_status st;

	if (d->state != CRK_DRAFT_PENDING ||
	    now - d->created_at < DRAFTS_ORPHAN_AFTER)
		return CRK_OK;
	if (!params->dry_run) {
		st = crk_store_draft_forget(store, d->message_id, error_r);
		if (st != CRK_OK)
			return st;
	}
	crk_info("account %s: %sdraft <%s> of %s never got there; %s",
	    box->account, params->dry_run ? "dry run: " : "", d->message_id,
	    d->folder != NULL ? d->folder : "another folder",
	    params->dry_run ? "would write it again" : "writing it again");
	stats->forgotten++;
	return CRK_OK;
}

enum crk_status
crk_drafts_pass(struct crk_store *store, const struct crk_drafts_box *box,
    const struct crk_drafts_params *params, time_t now,
    struct crk_drafts_stats *stats, char **error_r)
{
	struct crk_drafts_stats dummy;
	struct crk_draft_list drafts = {0};
	struct crk_followup_list due = {0};
	struct crk_proposal_list props = {0};
	enum crk_status st;
	size_t i;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));

	/* 1. and 2. what earlier runs left */
	if ((st = crk_store_drafts(store, box->account, &drafts, error_r)) !=
	    CRK_OK)
		goto out;
	for (i = 0; i < drafts.count; i++) {
		struct crk_draft *d = &drafts.items[i];

		if (d->folder == NULL || strcmp(d->folder, box->folder) != 0) {
			st = drafts_foreign(
			    store, box, params, d, now, stats, error_r);
			if (st != CRK_OK)
				goto out;
			continue;
		}
		if (d->state == CRK_DRAFT_PENDING) {
			st = drafts_recover(
			    store, box, params, d, stats, error_r);
			if (st != CRK_OK)
				goto out;
		}
		if (d->state == CRK_DRAFT_APPENDED && !d->followup_open) {
			st = drafts_cleanup(
			    store, box, params, d, stats, error_r);
			if (st != CRK_OK)
				goto out;
		}
	}

	/* 3. the due follow-ups without a draft */
	st = crk_store_followups_needing_draft(
	    store, box->account, drafts_day(params, now), &due, error_r);
	if (st != CRK_OK || due.count == 0)
		goto out;
	st = crk_store_proposals(store, CRK_PROPOSALS_ACTIVE, &props, error_r);
	if (st != CRK_OK)
		goto out;
	for (i = 0; i < due.count; i++) {
		const struct crk_proposal *p =
		    drafts_proposal(&props, due.items[i].proposal_id);

		if (p == NULL)
			continue;
		st = drafts_create(
		    store, box, params, p, &due.items[i], now, stats, error_r);
		if (st != CRK_OK)
			goto out;
	}
out:
	crk_proposal_list_clear(&props);
	crk_followup_list_clear(&due);
	crk_draft_list_clear(&drafts);
	return st;
}
