/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Follow-up drafts on the server: open, recover, clean up (issue 5). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/message.h"
#include "core/template.h"
#include "watcher/draft.h"
#include "watcher/drafts.h"
#include "watcher/sync.h"

#ifndef CRK_DATADIR
#define CRK_DATADIR "/usr/share/crickets"
#endif

/* Accounts already warned about a missing Drafts folder, so a watcher
 * polling every minute says it once.  The only state kept between
 * calls; it only silences a repeated log line. */
static struct crk_strv drafts_warned;

enum crk_status
crk_drafts_folder(struct crk_imap *imap,
    const struct crk_account_config *account, char **folder_r, char **error_r)
{
	struct crk_imap_folder_list list = {0};
	const struct crk_imap_folder *f;
	enum crk_status st;

	*folder_r = NULL;
	if ((st = crk_imap_list_folders(imap, &list, error_r)) != CRK_OK)
		goto out;
	if (account->drafts_folder != NULL) {
		f = crk_imap_folder_find(&list, account->drafts_folder);
		if (f == NULL || (f->flags & CRK_FOLDER_NOSELECT) != 0) {
			crk_error_set(error_r,
			    "drafts_folder %s does not exist on the server",
			    account->drafts_folder);
			st = CRK_E_NOTFOUND;
			goto out;
		}
	} else {
		f = crk_imap_folder_find_role(&list, CRK_FOLDER_DRAFTS);
		if (f == NULL) {
			crk_error_set(error_r,
			    "no Drafts folder (set "
			    "drafts_folder = ...)");
			st = CRK_E_NOTFOUND;
			goto out;
		}
	}
	*folder_r = crk_xstrdup(f->name);
out:
	crk_imap_folder_list_clear(&list);
	return st;
}

/* Whether the message with this UID in the open folder carries this
 * Message-ID.  IMAP messages never change, so the same UID with our
 * Message-ID is the draft exactly as crickets wrote it. */
static enum crk_status
drafts_uid_has_id(struct crk_imap *imap, uint32_t uid, const char *message_id,
    bool *has_r, char **error_r)
{
	struct crk_imap_msg_list list = {0};
	struct crk_message *msg = NULL;
	enum crk_status st;

	*has_r = false;
	if ((st = crk_imap_fetch(imap, &uid, 1, 0, &list, error_r)) != CRK_OK)
		goto out;
	if (list.count == 0 || list.items[0].uid != uid ||
	    list.items[0].header == NULL)
		goto out;
	if (crk_message_parse(list.items[0].header, list.items[0].header_len,
		&msg, NULL) != CRK_OK)
		goto out;
	*has_r =
	    msg->message_id != NULL && strcmp(msg->message_id, message_id) == 0;
out:
	crk_message_free(&msg);
	crk_imap_msg_list_clear(&list);
	return st;
}

/* The UID of the message with exactly this Message-ID in the open folder
 * (the newest when several), 0 when none.  SEARCH HEADER matches
 * substrings (RFC 3501 6.4.4), so each hit is checked. */
static enum crk_status
drafts_find(struct crk_imap *imap, const char *message_id, uint32_t *uid_r,
    char **error_r)
{
	uint32_t *uids = NULL;
	size_t count = 0, i;
	enum crk_status st;
	bool has;

	*uid_r = 0;
	st = crk_imap_search_header(
	    imap, "Message-ID", message_id, &uids, &count, error_r);
	if (st != CRK_OK)
		goto out;
	for (i = count; i > 0; i--) {
		st = drafts_uid_has_id(
		    imap, uids[i - 1], message_id, &has, error_r);
		if (st != CRK_OK)
			goto out;
		if (has) {
			*uid_r = uids[i - 1];
			break;
		}
	}
out:
	free(uids);
	return st;
}

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
drafts_compose(const struct crk_config *config, const struct crk_proposal *p,
    const struct crk_followup *f, time_t now, char **text_r,
    char **message_id_r, char **error_r)
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

	st = crk_template_load(config->templates_dir, CRK_DATADIR "/templates",
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

/* Step 2: PENDING drafts, left by a crash between the store and the
 * APPEND (or between the APPEND and the next write). */
static enum crk_status
drafts_recover(struct crk_imap *imap, struct crk_store *store,
    const struct crk_account_config *account, uint32_t uidvalidity,
    struct crk_draft *d, bool dry_run, struct crk_drafts_stats *stats,
    char **error_r)
{
	enum crk_status st;
	uint32_t uid;

	if ((st = drafts_find(imap, d->message_id, &uid, error_r)) != CRK_OK)
		return st;
	if (uid != 0) {
		if (!dry_run) {
			st = crk_store_draft_set(store, d->message_id,
			    CRK_DRAFT_APPENDED, uidvalidity, uid, error_r);
			if (st != CRK_OK)
				return st;
		}
		crk_info("account %s: %sdraft <%s> found on the server "
			 "(UID %u) after an interrupted run",
		    account->name, dry_run ? "dry run: " : "", d->message_id,
		    (unsigned)uid);
		d->state = CRK_DRAFT_APPENDED;
		d->uidvalidity = uidvalidity;
		d->uid = uid;
		stats->recovered++;
		return CRK_OK;
	}
	if (!dry_run) {
		st = crk_store_draft_forget(store, d->message_id, error_r);
		if (st != CRK_OK)
			return st;
	}
	crk_info("account %s: %sdraft <%s> never reached the server; %s",
	    account->name, dry_run ? "dry run: " : "", d->message_id,
	    dry_run ? "would write it again" : "writing it again");
	stats->forgotten++;
	return CRK_OK;
}

/* Step 3: the draft of a follow-up that closed. */
static enum crk_status
drafts_cleanup(struct crk_imap *imap, struct crk_store *store,
    const struct crk_account_config *account, const char *folder,
    uint32_t uidvalidity, const struct crk_draft *d, bool dry_run,
    struct crk_drafts_stats *stats, char **error_r)
{
	enum crk_status st;
	bool same = false;

	/* Another folder or UIDVALIDITY: the UID proves nothing, and what
	 * cannot be proven untouched is never deleted. */
	if (d->uid != 0 && d->uidvalidity == uidvalidity && d->folder != NULL &&
	    strcmp(d->folder, folder) == 0) {
		st = drafts_uid_has_id(
		    imap, d->uid, d->message_id, &same, error_r);
		if (st != CRK_OK)
			return st;
	}
	if (same) {
		if (!dry_run) {
			st = crk_imap_expunge_uid(imap, d->uid, error_r);
			if (st != CRK_OK)
				return st;
			st = crk_store_draft_set(store, d->message_id,
			    CRK_DRAFT_REMOVED, 0, 0, error_r);
			if (st != CRK_OK)
				return st;
		}
		crk_info("account %s: %sdraft <%s> (UID %u) %s: its "
			 "follow-up is closed and the draft was untouched",
		    account->name, dry_run ? "dry run: " : "", d->message_id,
		    (unsigned)d->uid, dry_run ? "would be removed" : "removed");
		stats->removed++;
		return CRK_OK;
	}
	if (!dry_run) {
		st = crk_store_draft_set(
		    store, d->message_id, CRK_DRAFT_KEPT, 0, 0, error_r);
		if (st != CRK_OK)
			return st;
	}
	crk_info("account %s: %sdraft <%s> %s: the rep edited, sent or "
		 "moved it",
	    account->name, dry_run ? "dry run: " : "", d->message_id,
	    dry_run ? "would be kept" : "kept");
	stats->kept++;
	return CRK_OK;
}

/* Step 4: one draft for one due follow-up. */
static enum crk_status
drafts_create(struct crk_imap *imap, struct crk_store *store,
    const struct crk_config *config, const struct crk_account_config *account,
    const char *folder, uint32_t uidvalidity, const struct crk_proposal *p,
    const struct crk_followup *f, time_t now, bool dry_run,
    struct crk_drafts_stats *stats, char **error_r)
{
	struct crk_imap_mailbox mb;
	struct crk_strv flags = {0};
	char *text = NULL, *mid = NULL, *error = NULL;
	enum crk_status st;
	uint32_t uid = 0;

	st = drafts_compose(config, p, f, now, &text, &mid, &error);
	if (st != CRK_OK) {
		/* one odd proposal (no usable address) must not stop the
		 * others */
		crk_warn("account %s: no draft for follow-up #%u of <%s>: %s",
		    account->name, f->number, p->message_id,
		    error != NULL ? error : crk_status_str(st));
		st = CRK_OK;
		goto out;
	}
	if (dry_run) {
		crk_info("account %s: dry run: would open a draft in %s for "
			 "follow-up #%u of <%s>",
		    account->name, folder, f->number, p->message_id);
		stats->created++;
		goto out;
	}

	/* PENDING is committed before the APPEND: whatever happens next,
	 * the next run finds the trace and looks for the draft instead of
	 * writing a second one. */
	if ((st = crk_store_begin(store, error_r)) != CRK_OK)
		goto out;
	st = crk_store_draft_begin(
	    store, f->id, account->name, folder, mid, now, &error);
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

	crk_strv_add(&flags, "\\Draft");
	crk_strv_add(&flags, "\\Seen");
	st = crk_imap_append(
	    imap, folder, &flags, text, strlen(text), &uid, error_r);
	if (st != CRK_OK)
		goto out;
	if (uid == 0) {
		/* no UIDPLUS: find it by its Message-ID */
		st = crk_imap_select(imap, folder, &mb, error_r);
		if (st == CRK_OK)
			st = drafts_find(imap, mid, &uid, error_r);
		if (st != CRK_OK)
			goto out;
		uidvalidity = mb.uidvalidity;
	}
	/* uid 0 (not found again) keeps it PENDING for the next run */
	if (uid != 0) {
		st = crk_store_draft_set(
		    store, mid, CRK_DRAFT_APPENDED, uidvalidity, uid, error_r);
		if (st != CRK_OK)
			goto out;
	}
	crk_info("account %s: draft <%s> opened in %s (UID %u) for "
		 "follow-up #%u of <%s>",
	    account->name, mid, folder, (unsigned)uid, f->number,
	    p->message_id);
	stats->created++;
out:
	crk_strv_clear(&flags);
	free(text);
	free(mid);
	free(error);
	return st;
}

/* The latest day whose follow-ups get drafts now: today once the local
 * hour reaches draft_hour, else yesterday. */
static crk_day
drafts_day(const struct crk_config *config, time_t now)
{
	struct tm tm;
	crk_day today = crk_day_of_time(now);

	if (localtime_r(&now, &tm) != NULL &&
	    (unsigned)tm.tm_hour < config->draft_hour)
		return today - 1;
	return today;
}

enum crk_status
crk_drafts_run(struct crk_imap *imap, struct crk_store *store,
    const struct crk_config *config, const struct crk_account_config *account,
    time_t now, bool dry_run, struct crk_drafts_stats *stats, char **error_r)
{
	struct crk_drafts_stats dummy;
	struct crk_draft_list drafts = {0};
	struct crk_followup_list due = {0};
	struct crk_proposal_list props = {0};
	struct crk_imap_mailbox mb;
	char *folder = NULL, *error = NULL;
	enum crk_status st = CRK_OK;
	size_t i;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	if (!account->drafts)
		goto out;

	/* 1. the folder; never created behind the rep's back */
	st = crk_drafts_folder(imap, account, &folder, &error);
	if (st == CRK_E_NOTFOUND) {
		stats->no_folder = true;
		if (crk_strv_add_unique(&drafts_warned, account->name))
			crk_warn("account %s: %s; no follow-up drafts",
			    account->name, error);
		st = CRK_OK;
		goto out;
	}
	if (st != CRK_OK) {
		crk_error_set(error_r, "%s", error);
		goto out;
	}
	st = dry_run ? crk_imap_examine(imap, folder, &mb, error_r)
		     : crk_imap_select(imap, folder, &mb, error_r);
	if (st != CRK_OK)
		goto out;

	/* 2. and 3. what earlier runs left */
	if ((st = crk_store_drafts(store, account->name, &drafts, error_r)) !=
	    CRK_OK)
		goto out;
	for (i = 0; i < drafts.count; i++) {
		struct crk_draft *d = &drafts.items[i];

		if (d->state == CRK_DRAFT_PENDING) {
			st = drafts_recover(imap, store, account,
			    mb.uidvalidity, d, dry_run, stats, error_r);
			if (st != CRK_OK)
				goto out;
		}
		if (d->state == CRK_DRAFT_APPENDED && !d->followup_open) {
			st = drafts_cleanup(imap, store, account, folder,
			    mb.uidvalidity, d, dry_run, stats, error_r);
			if (st != CRK_OK)
				goto out;
		}
	}

	/* 4. the due follow-ups without a draft */
	st = crk_store_followups_needing_draft(
	    store, account->name, drafts_day(config, now), &due, error_r);
	if (st != CRK_OK)
		goto out;
	if (due.count == 0)
		goto out;
	st = crk_store_proposals(store, CRK_PROPOSALS_ACTIVE, &props, error_r);
	if (st != CRK_OK)
		goto out;
	for (i = 0; i < due.count; i++) {
		const struct crk_proposal *p =
		    drafts_proposal(&props, due.items[i].proposal_id);

		if (p == NULL)
			continue;
		st = drafts_create(imap, store, config, account, folder,
		    mb.uidvalidity, p, &due.items[i], now, dry_run, stats,
		    error_r);
		if (st != CRK_OK)
			goto out;
	}
out:
	if (st != CRK_OK)
		crk_error_prefix(error_r, "account %s: drafts", account->name);
	crk_proposal_list_clear(&props);
	crk_followup_list_clear(&due);
	crk_draft_list_clear(&drafts);
	free(folder);
	free(error);
	return st;
}

enum crk_status
crk_drafts_sync_account(struct crk_store *store,
    const struct crk_config *config, const struct crk_account_config *account,
    time_t now, bool dry_run, struct crk_drafts_stats *stats, char **error_r)
{
	struct crk_imap *imap = NULL;
	enum crk_status st;

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (!account->drafts)
		return CRK_OK;
	st = crk_sync_connect(account, 0, &imap, error_r);
	if (st == CRK_OK)
		st = crk_drafts_run(
		    imap, store, config, account, now, dry_run, stats, error_r);
	crk_imap_free(&imap);
	return st;
}
