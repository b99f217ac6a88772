/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rep's closing commands as keywords on the server, queued (issue 5). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "watcher/keywords.h"
#include "watcher/sync.h"

static const char *const keywords_close[] = {
    CRK_KEYWORD_WON,
    CRK_KEYWORD_LOST,
    CRK_KEYWORD_DROP,
};

enum crk_status
crk_keywords_queue(struct crk_store *store, const char *account,
    const char *message_id, const char *keyword, time_t now, char **error_r)
{
	enum crk_status st;
	size_t i;

	if ((st = crk_store_begin(store, error_r)) != CRK_OK)
		return st;
	/* removals first: a client never sees two closing keywords */
	for (i = 0; i < CRK_N_ELEMENTS(keywords_close); i++) {
		if (keyword != NULL && strcmp(keyword, keywords_close[i]) == 0)
			continue;
		st = crk_store_keyword_queue(store, account, message_id,
		    keywords_close[i], false, now, error_r);
		if (st != CRK_OK)
			goto out;
	}
	if (keyword != NULL)
		st = crk_store_keyword_queue(
		    store, account, message_id, keyword, true, now, error_r);
out:
	if (st != CRK_OK) {
		crk_store_rollback(store);
		return st;
	}
	return crk_store_commit(store, error_r);
}

enum crk_status
crk_keywords_queue_untrack(struct crk_store *store, const char *account,
    const char *message_id, time_t now, char **error_r)
{
	enum crk_status st;

	if ((st = crk_store_begin(store, error_r)) != CRK_OK)
		return st;
	st = crk_store_keyword_queue(
	    store, account, message_id, CRK_KEYWORD_TRACK, false, now, error_r);
	if (st != CRK_OK) {
		crk_store_rollback(store);
		return st;
	}
	return crk_store_commit(store, error_r);
}

/* A status that says the connection itself is lost. */
static bool
keywords_fatal(struct crk_imap *imap, enum crk_status st)
{
	return st == CRK_E_NET || st == CRK_E_TLS || st == CRK_E_AUTH ||
	    st == CRK_E_DB || crk_imap_is_broken(imap);
}

/* Applies one change at every place its message was seen.  Only a lost
 * connection (or database) fails; a place that cannot take it is
 * skipped with a log line. */
static enum crk_status
keywords_apply(struct crk_imap *imap, struct crk_store *store,
    const char *account, const struct crk_keyword_change *k, char **error_r)
{
	struct crk_message_location_list locs = {0};
	struct crk_strv flags = {0};
	enum crk_status st;
	size_t i;

	st = crk_store_message_locations(
	    store, account, k->message_id, &locs, error_r);
	if (st != CRK_OK)
		goto out;
	crk_strv_add(&flags, k->keyword);
	for (i = 0; i < locs.count; i++) {
		const struct crk_message_location *l = &locs.items[i];
		struct crk_imap_mailbox mb;
		char *error = NULL;

		st = crk_imap_select(imap, l->folder, &mb, &error);
		if (st == CRK_OK && mb.uidvalidity != l->uidvalidity) {
			crk_debug("account %s: %s changed UIDVALIDITY; "
				  "<%s> skipped there",
			    account, l->folder, k->message_id);
			continue;
		}
		if (st == CRK_OK && k->add && !mb.keywords_ok) {
			crk_warn("account %s: the server does not keep new "
				 "keywords in %s; %s not set on <%s>",
			    account, l->folder, k->keyword, k->message_id);
			continue;
		}
		if (st == CRK_OK)
			st = crk_imap_store_flags(
			    imap, l->uid, &flags, k->add, &error);
		if (st != CRK_OK && keywords_fatal(imap, st)) {
			if (error_r != NULL)
				*error_r = error;
			else
				free(error);
			goto out;
		}
		if (st != CRK_OK) {
			crk_warn("account %s: %s", account,
			    error != NULL ? error : crk_status_str(st));
			free(error);
			continue;
		}
		crk_info("account %s: %s%s on <%s> in %s", account,
		    k->add ? "+" : "-", k->keyword, k->message_id, l->folder);
	}
	st = CRK_OK;
out:
	crk_strv_clear(&flags);
	crk_message_location_list_clear(&locs);
	return st;
}

enum crk_status
crk_keywords_flush(struct crk_imap *imap, struct crk_store *store,
    const char *account, unsigned *applied_r, char **error_r)
{
	struct crk_keyword_change_list list = {0};
	enum crk_status st;
	unsigned applied = 0;
	size_t i;

	if (applied_r != NULL)
		*applied_r = 0;
	st = crk_store_keyword_pending(store, account, &list, error_r);
	if (st != CRK_OK)
		return st;
	for (i = 0; i < list.count; i++) {
		st = keywords_apply(
		    imap, store, account, &list.items[i], error_r);
		if (st != CRK_OK)
			goto out;
		st = crk_store_keyword_done(store, list.items[i].id, error_r);
		if (st != CRK_OK)
			goto out;
		applied++;
	}
out:
	if (applied_r != NULL)
		*applied_r = applied;
	crk_keyword_change_list_clear(&list);
	return st;
}

enum crk_status
crk_keywords_sync_account(struct crk_store *store,
    const struct crk_account_config *account, int timeout_secs,
    unsigned *applied_r, char **error_r)
{
	struct crk_keyword_change_list list = {0};
	struct crk_imap *imap = NULL;
	enum crk_status st;
	bool empty;

	if (applied_r != NULL)
		*applied_r = 0;
	st = crk_store_keyword_pending(store, account->name, &list, error_r);
	if (st != CRK_OK)
		return st;
	empty = list.count == 0;
	crk_keyword_change_list_clear(&list);
	if (empty)
		return CRK_OK;
	st = crk_sync_connect(account, timeout_secs, &imap, error_r);
	if (st != CRK_OK)
		return st;
	st = crk_keywords_flush(imap, store, account->name, applied_r, error_r);
	crk_imap_free(&imap);
	return st;
}
