/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IMAP account sync into the engine: incremental, CONDSTORE, UIDVALIDITY. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "core/message.h"
#include "core/normalize.h"
#include "watcher/sync.h"

/* Parts of a bounce or auto-reply are read up to this size. */
#define SYNC_DSN_MAX (64 * 1024)
#define SYNC_TEXT_MAX (16 * 1024)

enum crk_status
crk_sync_connect(const struct crk_account_config *account, int timeout_secs,
    struct crk_imap **imap_r, char **error_r)
{
	struct crk_imap *imap = NULL;
	char *password = NULL;
	enum crk_status st;
	bool plain;

	*imap_r = NULL;
	/* TLS is verified inside connect, before the password is even read. */
	if ((st = crk_imap_connect(account, timeout_secs, &imap, error_r)) !=
	    CRK_OK)
		goto out;
	if ((st = crk_config_password(account, &password, error_r)) != CRK_OK)
		goto out;
	plain = account->auth != NULL &&
	    crk_strcasecmp(account->auth, "plain") == 0;
	st = crk_imap_login(imap, account->user != NULL ? account->user : "",
	    password, plain, error_r);
	if (st != CRK_OK)
		goto out;
	*imap_r = imap;
	imap = NULL;
out:
	crk_config_password_free(&password);
	crk_imap_free(&imap);
	if (st != CRK_OK)
		crk_error_prefix(error_r, "account %s",
		    account->name != NULL ? account->name : "?");
	return st;
}

/* ---- which folders ------------------------------------------------------ */

static bool
plan_add(struct crk_strv *folders, const char *name)
{
	return crk_strv_add_unique(folders, name);
}

enum crk_status
crk_sync_plan(struct crk_imap *imap, const struct crk_account_config *account,
    struct crk_strv *folders_r, char **sent_r, char **drafts_r, char **error_r)
{
	struct crk_imap_folder_list list = {0};
	const struct crk_imap_folder *f, *sent = NULL, *drafts = NULL;
	enum crk_status st;
	size_t i;

	if (sent_r != NULL)
		*sent_r = NULL;
	if (drafts_r != NULL)
		*drafts_r = NULL;
	if ((st = crk_imap_list_folders(imap, &list, error_r)) != CRK_OK)
		return st;
	if (account->sent_folder != NULL) {
		sent = crk_imap_folder_find(&list, account->sent_folder);
		if (sent == NULL) {
			crk_error_set(error_r,
			    "sent_folder = %s: no such "
			    "folder",
			    account->sent_folder);
			st = CRK_E_NOTFOUND;
			goto out;
		}
	} else {
		sent = crk_imap_folder_find_role(&list, CRK_FOLDER_SENT);
	}
	if (account->drafts_folder != NULL)
		drafts = crk_imap_folder_find(&list, account->drafts_folder);
	else
		drafts = crk_imap_folder_find_role(&list, CRK_FOLDER_DRAFTS);
	if (sent_r != NULL && sent != NULL)
		*sent_r = crk_xstrdup(sent->name);
	if (drafts_r != NULL && drafts != NULL)
		*drafts_r = crk_xstrdup(drafts->name);

	if (account->folders.count > 0) {
		for (i = 0; i < account->folders.count; i++) {
			f = crk_imap_folder_find(
			    &list, account->folders.items[i]);
			if (f == NULL ||
			    (f->flags & CRK_FOLDER_NOSELECT) != 0) {
				crk_error_set(error_r,
				    "folders = ...: %s: no "
				    "such folder",
				    account->folders.items[i]);
				st = CRK_E_NOTFOUND;
				goto out;
			}
			plan_add(folders_r, f->name);
		}
		goto out;
	}
	/* The rep's own mail first, so proposals exist when their replies
	 * come (the engine copes with any order, but the log reads better). */
	if (sent != NULL)
		plan_add(folders_r, sent->name);
	f = crk_imap_folder_find(&list, "INBOX");
	if (f != NULL)
		plan_add(folders_r, f->name);
	for (i = 0; i < list.count; i++) {
		f = &list.items[i];
		if ((f->flags &
			(CRK_FOLDER_NOSELECT | CRK_FOLDER_TRASH |
			    CRK_FOLDER_JUNK | CRK_FOLDER_DRAFTS |
			    CRK_FOLDER_FLAGGED)) != 0 ||
		    f == drafts)
			continue;
		plan_add(folders_r, f->name);
	}
out:
	crk_imap_folder_list_clear(&list);
	if (st != CRK_OK) {
		crk_strv_clear(folders_r);
		if (sent_r != NULL)
			crk_free_str(sent_r);
		if (drafts_r != NULL)
			crk_free_str(drafts_r);
	}
	return st;
}

/* ---- the messages of a batch ----------------------------------------------
 */

/* The engine's message from what the FETCH gave: the header block, flags
 * (keywords only), attachment names, INTERNALDATE. */
static struct crk_message *
sync_message_head(const struct crk_imap_msg *fetched)
{
	struct crk_message *msg = NULL;
	size_t i;

	if (fetched->header == NULL ||
	    crk_message_parse(
		fetched->header, fetched->header_len, &msg, NULL) != CRK_OK)
		msg = crk_message_new(); /* the engine makes up an id */
	for (i = 0; i < fetched->flags.count; i++)
		if (fetched->flags.items[i][0] != '\\')
			crk_strv_add_unique(
			    &msg->keywords, fetched->flags.items[i]);
	for (i = 0; i < fetched->attachments.count; i++)
		crk_strv_add_unique(
		    &msg->attachments, fetched->attachments.items[i]);
	msg->internal_date = fetched->internal_date;
	if (msg->content_type == NULL && fetched->content_type != NULL)
		msg->content_type = crk_xstrdup(fetched->content_type);
	return msg;
}

/* A part to fetch, and which message and what for. */
enum sync_need { SYNC_NEED_DSN, SYNC_NEED_PROSE, SYNC_NEED_OOO };

struct sync_parts {
	struct crk_imap_part *parts;
	size_t *owner; /* index of the message */
	enum sync_need *need;
	size_t count, alloc;
};

static void
sync_parts_add(struct sync_parts *p, uint32_t uid, const char *section,
    size_t max_bytes, size_t owner, enum sync_need need)
{
	if (p->count == p->alloc) {
		p->alloc = p->alloc == 0 ? 16 : p->alloc * 2;
		p->parts =
		    crk_xreallocarray(p->parts, p->alloc, sizeof(*p->parts));
		p->owner =
		    crk_xreallocarray(p->owner, p->alloc, sizeof(*p->owner));
		p->need =
		    crk_xreallocarray(p->need, p->alloc, sizeof(*p->need));
	}
	p->parts[p->count] = (struct crk_imap_part){
	    .uid = uid, .section = section, .max_bytes = max_bytes};
	p->owner[p->count] = owner;
	p->need[p->count] = need;
	p->count++;
}

static void
sync_parts_reset(struct sync_parts *p)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		free(p->parts[i].data);
	p->count = 0;
}

static void
sync_parts_free(struct sync_parts *p)
{
	sync_parts_reset(p);
	free(p->parts);
	free(p->owner);
	free(p->need);
}

/* Fetches the wanted parts and feeds each to its message. */
static enum crk_status
sync_parts_apply(struct crk_imap *imap, const struct crk_imap_msg_list *list,
    struct crk_message **msgs, struct sync_parts *p, char **error_r)
{
	enum crk_status st;
	size_t i;

	if (p->count == 0)
		return CRK_OK;
	st = crk_imap_fetch_parts(imap, p->parts, p->count, error_r);
	if (st == CRK_E_NET)
		return st;
	if (st != CRK_OK) {
		/* A NO for some part: the messages are judged on their
		 * headers, as when a part is missing. */
		crk_debug("parts not fetched: %s",
		    error_r != NULL && *error_r != NULL ? *error_r : "");
		if (error_r != NULL)
			crk_free_str(error_r);
	}
	for (i = 0; i < p->count; i++) {
		const struct crk_imap_msg *f = &list->items[p->owner[i]];
		struct crk_message *msg = msgs[p->owner[i]];
		const char *data = p->parts[i].data;
		size_t len = p->parts[i].len;
		bool html;
		char *text;

		if (data == NULL)
			continue;
		switch (p->need[i]) {
		case SYNC_NEED_DSN:
			crk_message_parse_dsn(msg, data, len);
			break;
		case SYNC_NEED_PROSE:
			text = crk_message_decode_text(data, len,
			    f->text_encoding, f->text_charset, false);
			crk_message_parse_prose_bounce(msg, text, strlen(text));
			free(text);
			break;
		case SYNC_NEED_OOO:
			html = f->text_section == NULL;
			free(msg->body_text);
			msg->body_text = crk_message_decode_text(data, len,
			    html ? f->html_encoding : f->text_encoding,
			    html ? f->html_charset : f->text_charset, html);
			break;
		}
	}
	sync_parts_reset(p);
	return CRK_OK;
}

enum crk_status
crk_sync_messages(struct crk_imap *imap, const struct crk_rules *rules,
    const struct crk_imap_msg_list *list, struct crk_message **msgs,
    char **error_r)
{
	struct sync_parts p = {0};
	enum crk_status st;
	size_t i, k;

	for (i = 0; i < list->count; i++)
		msgs[i] = sync_message_head(&list->items[i]);

	/* A delivery report: its machine-readable parts name the failed
	 * recipient and the returned message (RFC 3464).  Bounces that are
	 * not RFC 3464 reports (qmail, old Exchange) say it in prose in the
	 * first text part. */
	for (i = 0; i < list->count; i++) {
		const struct crk_imap_msg *f = &list->items[i];

		for (k = 0; k < f->report_sections.count; k++)
			sync_parts_add(&p, f->uid, f->report_sections.items[k],
			    SYNC_DSN_MAX, i, SYNC_NEED_DSN);
		if (f->report_sections.count == 0 && f->text_section != NULL &&
		    crk_classify_may_be_prose_bounce(msgs[i]))
			sync_parts_add(&p, f->uid, f->text_section,
			    SYNC_DSN_MAX, i, SYNC_NEED_PROSE);
	}
	if ((st = sync_parts_apply(imap, list, msgs, &p, error_r)) != CRK_OK)
		goto out;

	/* A possible out-of-office (judged with the report read): its text
	 * may name the return date.  Exchange sends some as HTML only. */
	for (i = 0; i < list->count; i++) {
		const struct crk_imap_msg *f = &list->items[i];

		if ((f->text_section != NULL || f->html_section != NULL) &&
		    crk_classify_kind(rules, msgs[i]) == CRK_KIND_AUTOREPLY)
			sync_parts_add(&p, f->uid,
			    f->text_section != NULL ? f->text_section
						    : f->html_section,
			    SYNC_TEXT_MAX, i, SYNC_NEED_OOO);
	}
	st = sync_parts_apply(imap, list, msgs, &p, error_r);
out:
	sync_parts_free(&p);
	if (st != CRK_OK)
		for (i = 0; i < list->count; i++)
			crk_message_free(&msgs[i]);
	return st;
}

/* ---- one folder ---------------------------------------------------------- */

static void
sync_progress(const struct crk_sync_options *opts, const char *folder,
    size_t done, size_t total, bool end)
{
	char *display;

	if (!opts->progress)
		return;
	display = crk_imap_mutf7_decode(folder);
	fprintf(
	    stderr, "\r%s: %zu/%zu%s", display, done, total, end ? "\n" : "");
	fflush(stderr);
	free(display);
}

static enum crk_status
sync_batch(struct crk_imap *imap, struct crk_engine *engine,
    struct crk_store *store, const struct crk_rules *rules, const char *account,
    const char *folder, const struct crk_imap_msg_list *list,
    uint32_t uidvalidity, const struct crk_folder_state *state,
    const struct crk_sync_options *opts, struct crk_sync_stats *stats,
    char **error_r)
{
	struct crk_message *msg = NULL;
	struct crk_location loc;
	enum crk_status st;
	size_t i;

	/* The messages are complete before the batch starts, so no store
	 * lock is held while the network is slow. */
	struct crk_message **msgs = crk_xcalloc(list->count + 1, sizeof(*msgs));

	if ((st = crk_sync_messages(imap, rules, list, msgs, error_r)) !=
	    CRK_OK)
		goto out;
	if (opts->dry_run) {
		for (i = 0; i < list->count; i++) {
			char *reason = NULL;
			enum crk_verdict v;

			msg = msgs[i];
			if (crk_classify_kind(rules, msg) != CRK_KIND_OWN)
				continue;
			v = crk_classify_proposal(rules, msg, &reason);
			if (v == CRK_VERDICT_YES || v == CRK_VERDICT_FORCED) {
				crk_info("would track: %s <%s> (%s)",
				    msg->subject != NULL ? msg->subject : "",
				    msg->message_id != NULL ? msg->message_id
							    : "?",
				    reason != NULL ? reason : "");
				stats->proposals++;
			}
			free(reason);
		}
		st = CRK_OK;
		goto out;
	}
	if ((st = crk_engine_begin(engine, error_r)) != CRK_OK)
		goto out;
	loc.folder = folder;
	loc.uidvalidity = uidvalidity;
	for (i = 0; i < list->count; i++) {
		loc.uid = list->items[i].uid;
		st = crk_engine_ingest(
		    engine, account, msgs[i], &loc, opts->now, error_r);
		if (st != CRK_OK) {
			/* One bad mail must not stop the account. */
			crk_warn("account %s: %s UID %u: %s", account, folder,
			    list->items[i].uid,
			    error_r != NULL && *error_r != NULL
				? *error_r
				: crk_status_str(st));
			if (st == CRK_E_DB || st == CRK_E_BUSY)
				goto rollback;
			if (error_r != NULL)
				crk_free_str(error_r);
		}
	}
	st = crk_store_folder_set(store, account, folder, state, error_r);
	if (st != CRK_OK)
		goto rollback;
	st = crk_engine_commit(engine, opts->now, error_r);
	goto out;
rollback:
	crk_engine_rollback(engine);
out:
	for (i = 0; i < list->count; i++)
		crk_message_free(&msgs[i]);
	free(msgs);
	return st;
}

static enum crk_status
sync_save_state(struct crk_engine *engine, struct crk_store *store,
    const char *account, const char *folder,
    const struct crk_folder_state *state, const struct crk_sync_options *opts,
    char **error_r)
{
	enum crk_status st;

	if (opts->dry_run)
		return CRK_OK;
	if ((st = crk_engine_begin(engine, error_r)) != CRK_OK)
		return st;
	st = crk_store_folder_set(store, account, folder, state, error_r);
	if (st != CRK_OK) {
		crk_engine_rollback(engine);
		return st;
	}
	return crk_engine_commit(engine, opts->now, error_r);
}

enum crk_status
crk_sync_folder(struct crk_imap *imap, struct crk_engine *engine,
    struct crk_store *store, const struct crk_rules *rules, const char *account,
    const char *folder, const struct crk_sync_options *opts,
    struct crk_sync_stats *stats, char **error_r)
{
	struct crk_folder_state state = {0}, next;
	struct crk_imap_mailbox mb;
	struct crk_imap_msg_list list = {0};
	uint32_t *uids = NULL, max_uid;
	size_t n = 0, i, chunk;
	enum crk_status st;

	if ((st = crk_store_folder_get(
		 store, account, folder, &state, error_r)) != CRK_OK)
		goto out;
	if ((st = crk_imap_examine(imap, folder, &mb, error_r)) != CRK_OK)
		goto out;
	if (state.uidvalidity != 0 && state.uidvalidity != mb.uidvalidity) {
		/* RFC 3501 section 2.3.1.1: the old UIDs mean nothing now. */
		crk_info("account %s: %s has a new UIDVALIDITY (%u, was %u): "
			 "reading it again",
		    account, folder, mb.uidvalidity, state.uidvalidity);
		if (!opts->dry_run &&
		    (st = crk_store_folder_reset(
			 store, account, folder, error_r)) != CRK_OK)
			goto out;
		memset(&state, 0, sizeof(state));
		stats->resets++;
	}
	next = state;
	next.uidvalidity = mb.uidvalidity;
	next.highestmodseq = mb.highestmodseq;

	/* Keywords set in other clients: CONDSTORE names what changed
	 * (RFC 7162 section 3.1.4). */
	if (state.uidvalidity != 0 && state.highestmodseq > 0 &&
	    mb.highestmodseq > state.highestmodseq && state.last_uid > 0) {
		st = crk_imap_fetch_range(imap, 1, state.last_uid,
		    state.highestmodseq, &list, error_r);
		if (st != CRK_OK)
			goto out;
		if (list.count > 0) {
			crk_debug("account %s: %s: %zu changed", account,
			    folder, list.count);
			st = sync_batch(imap, engine, store, rules, account,
			    folder, &list, mb.uidvalidity, &next, opts, stats,
			    error_r);
			stats->fetched += (unsigned)list.count;
			stats->changed += (unsigned)list.count;
		}
		crk_imap_msg_list_clear(&list);
		if (st != CRK_OK)
			goto out;
	}

	/* Without CONDSTORE nothing says which flags changed; the keywords
	 * that drive crickets are few, so the server finds them. */
	if (state.uidvalidity != 0 && mb.highestmodseq == 0 &&
	    state.last_uid > 0) {
		static const char *const control[] = {CRK_KEYWORD_TRACK,
		    CRK_KEYWORD_IGNORE, CRK_KEYWORD_WON, CRK_KEYWORD_LOST,
		    CRK_KEYWORD_DROP};

		st = crk_imap_search_keywords(imap, control,
		    CRK_N_ELEMENTS(control), state.last_uid, &uids, &n,
		    error_r);
		if (st == CRK_OK && n > 0)
			st = crk_imap_fetch(imap, uids, n, 0, &list, error_r);
		if (st == CRK_OK && list.count > 0) {
			st = sync_batch(imap, engine, store, rules, account,
			    folder, &list, mb.uidvalidity, &next, opts, stats,
			    error_r);
			stats->fetched += (unsigned)list.count;
			stats->changed += (unsigned)list.count;
		}
		crk_imap_msg_list_clear(&list);
		free(uids);
		uids = NULL;
		n = 0;
		if (st != CRK_OK)
			goto out;
	}

	if (mb.uidnext != 0 && state.uidvalidity != 0 &&
	    mb.uidnext <= state.last_uid + 1) {
		n = 0; /* nothing new: skip the SEARCH */
	} else if ((st = crk_imap_search_uids(
			imap, state.last_uid, &uids, &n, error_r)) != CRK_OK) {
		goto out;
	}
	for (i = 0; i < n; i += chunk) {
		if (opts->cancelled != NULL && opts->cancelled()) {
			n = i; /* the rest next time: last_uid is saved */
			break;
		}
		chunk = n - i < CRK_SYNC_BATCH ? n - i : CRK_SYNC_BATCH;
		sync_progress(opts, folder, i, n, false);
		st = crk_imap_fetch(imap, uids + i, chunk, 0, &list, error_r);
		if (st != CRK_OK)
			goto out;
		max_uid = uids[i + chunk - 1];
		next.last_uid =
		    max_uid > next.last_uid ? max_uid : next.last_uid;
		st = sync_batch(imap, engine, store, rules, account, folder,
		    &list, mb.uidvalidity, &next, opts, stats, error_r);
		stats->fetched += (unsigned)list.count;
		crk_imap_msg_list_clear(&list);
		if (st != CRK_OK)
			goto out;
	}
	if (n > 0)
		sync_progress(opts, folder, n, n, true);
	if (n == 0 && memcmp(&next, &state, sizeof(next)) != 0)
		st = sync_save_state(
		    engine, store, account, folder, &next, opts, error_r);
	if (st == CRK_OK) {
		stats->folders++;
		if (n > 0)
			crk_info("account %s: %s: %zu new", account, folder, n);
	}
out:
	free(uids);
	crk_imap_msg_list_clear(&list);
	if (st != CRK_OK)
		crk_error_prefix(error_r, "%s", folder);
	return st;
}

/* ---- an account --------------------------------------------------------- */

static bool
sync_is_fatal(enum crk_status st)
{
	return st == CRK_E_NET || st == CRK_E_TLS || st == CRK_E_AUTH ||
	    st == CRK_E_DB || st == CRK_E_BUSY || st == CRK_E_IO;
}

enum crk_status
crk_sync_connected(struct crk_imap *imap,
    const struct crk_account_config *account, struct crk_engine *engine,
    struct crk_store *store, const struct crk_rules *rules,
    const struct crk_sync_options *opts, struct crk_sync_stats *stats,
    char **error_r)
{
	struct crk_strv folders = {0};
	enum crk_status st, first = CRK_OK;
	char *error = NULL;
	size_t i;

	st = crk_sync_plan(imap, account, &folders, NULL, NULL, error_r);
	if (st != CRK_OK)
		return st;
	for (i = 0; i < folders.count; i++) {
		if (opts->cancelled != NULL && opts->cancelled())
			break;
		st = crk_sync_folder(imap, engine, store, rules, account->name,
		    folders.items[i], opts, stats, &error);
		if (st == CRK_OK)
			continue;
		if (first == CRK_OK) {
			first = st;
			if (error_r != NULL) {
				free(*error_r);
				*error_r = error;
				error = NULL;
			}
		}
		if (sync_is_fatal(st) || crk_imap_is_broken(imap))
			break;
		crk_warn("account %s: %s", account->name,
		    error != NULL ? error : crk_status_str(st));
		crk_free_str(&error);
	}
	free(error);
	crk_strv_clear(&folders);
	return first;
}

enum crk_status
crk_sync_account(const struct crk_account_config *account,
    struct crk_engine *engine, struct crk_store *store,
    const struct crk_rules *rules, const struct crk_sync_options *opts,
    struct crk_sync_stats *stats, char **error_r)
{
	struct crk_imap *imap = NULL;
	enum crk_status st;

	st = crk_sync_connect(account, opts->timeout_secs, &imap, error_r);
	if (st != CRK_OK)
		return st;
	st = crk_sync_connected(
	    imap, account, engine, store, rules, opts, stats, error_r);
	if (st != CRK_OK)
		crk_error_prefix(error_r, "account %s", account->name);
	crk_imap_free(&imap);
	return st;
}
