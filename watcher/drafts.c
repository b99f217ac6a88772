/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Follow-up drafts on the server: open, recover, clean up (issue 5). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/message.h"
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

/* ---- the Drafts folder on the server, as core/drafts.h sees it -------- */

struct drafts_imap_box {
	struct crk_imap *imap;
	const char *folder; /* selected */
};

static enum crk_status
drafts_box_find(
    void *ctx, const char *message_id, uint32_t *uid_r, char **error_r)
{
	struct drafts_imap_box *box = ctx;

	return drafts_find(box->imap, message_id, uid_r, error_r);
}

static enum crk_status
drafts_box_has_id(void *ctx, uint32_t uid, const char *message_id, bool *same_r,
    char **error_r)
{
	struct drafts_imap_box *box = ctx;

	return drafts_uid_has_id(box->imap, uid, message_id, same_r, error_r);
}

static enum crk_status
drafts_box_remove(void *ctx, uint32_t uid, char **error_r)
{
	struct drafts_imap_box *box = ctx;

	return crk_imap_expunge_uid(box->imap, uid, error_r);
}

static enum crk_status
drafts_box_append(
    void *ctx, const char *text, size_t len, uint32_t *uid_r, char **error_r)
{
	struct drafts_imap_box *box = ctx;
	struct crk_imap_mailbox mb;
	struct crk_strv flags = {0};
	struct crk_message *msg = NULL;
	enum crk_status st;

	*uid_r = 0;
	crk_strv_add(&flags, "\\Draft");
	crk_strv_add(&flags, "\\Seen");
	st = crk_imap_append(
	    box->imap, box->folder, &flags, text, len, uid_r, error_r);
	crk_strv_clear(&flags);
	if (st != CRK_OK || *uid_r != 0)
		return st;
	/* no UIDPLUS: the open folder shows the new message only after a
	 * new SELECT; then find it by its Message-ID */
	if ((st = crk_imap_select(box->imap, box->folder, &mb, error_r)) !=
	    CRK_OK)
		return st;
	if (crk_message_parse(text, len, &msg, NULL) == CRK_OK &&
	    msg->message_id != NULL)
		st = drafts_find(box->imap, msg->message_id, uid_r, error_r);
	crk_message_free(&msg);
	return st;
}

static const struct crk_drafts_box_ops drafts_imap_ops = {
    .find = drafts_box_find,
    .has_id = drafts_box_has_id,
    .remove = drafts_box_remove,
    .append = drafts_box_append,
};

enum crk_status
crk_drafts_run(struct crk_imap *imap, struct crk_store *store,
    const struct crk_config *config, const struct crk_account_config *account,
    time_t now, bool dry_run, struct crk_drafts_stats *stats, char **error_r)
{
	struct crk_drafts_stats dummy;
	struct drafts_imap_box ctx;
	struct crk_drafts_box box = {0};
	struct crk_drafts_params params = {0};
	struct crk_imap_mailbox mb;
	char *folder = NULL, *error = NULL;
	enum crk_status st = CRK_OK;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	if (!account->drafts)
		goto out;

	/* the folder; never created behind the rep's back */
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

	ctx.imap = imap;
	ctx.folder = folder;
	box.ops = &drafts_imap_ops;
	box.ctx = &ctx;
	box.account = account->name;
	box.folder = folder;
	box.uidvalidity = mb.uidvalidity;
	params.templates_dir = config->templates_dir;
	params.shipped_dir = CRK_DATADIR "/templates";
	params.draft_hour = config->draft_hour;
	params.dry_run = dry_run;
	st = crk_drafts_pass(store, &box, &params, now, stats, error_r);
out:
	if (st != CRK_OK)
		crk_error_prefix(error_r, "account %s: drafts", account->name);
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
