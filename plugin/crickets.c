/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Claws Mail plugin: hooks Claws' mail flow into the crickets engine. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

/* Claws' installed headers test these config.h macros of its own build
 * (all present on the systems Claws 4 runs on) and carry old-style
 * declarations: quiet our stricter warnings for them only. */
#define HAVE_ALLOCA_H 1
#define HAVE_NETDB_H 1
#define HAVE_WCHAR_H 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wundef"
/* Claws' own headers need its feature macros first. */
#include <claws-features.h>

#include "account.h"
#include "common/hooks.h"
#include "common/log.h"
#include "common/plugin.h"
#include "common/tags.h"
#include "common/utils.h"
#include "common/version.h"
#include "folder.h"
#include "prefs_account.h"
#include "procmsg.h"
#include "statusbar.h"
#include "alertpanel.h"
#include "compose.h"
#include "gtk/inputdialog.h"
#include "gtk/menu.h"
#include "mainwindow.h"
#include "folderview.h"
#include "prefs_gtk.h"
#include "gtk/prefswindow.h"
#include "summaryview.h"
#pragma GCC diagnostic pop

#include "core/common.h"
#include "core/date.h"
#include "core/drafts.h"
#include "core/normalize.h"
#include "core/template.h"
#include "ical/server.h"
#include "plugin/glue.h"

#define CRK_PLUGIN_NAME "crickets"

/* Delay before a folder that changed is rescanned, so a burst of updates
 * (a whole send queue, a mail check) gives one rescan. */
#define RESCAN_DELAY_MS 700
/* Delay before the feeds are written after the last change. */
#define PUBLISH_DELAY_MS 1500
/* How many of a folder's newest messages a rescan looks at, and how old
 * they may be: the rescan catches what Claws just sent or fetched; older
 * history is `crickets import`'s or the watcher's job (and reading it
 * here could fetch hundreds of bodies from IMAP on the GUI thread). */
#define RESCAN_WINDOW 300
#define RESCAN_MAX_AGE (14 * 86400)
/* How often the tags of the selected messages are looked at, and at most
 * how many of them (see plugin_tags_poll). */
#define TAGS_POLL_MS 1500
#define TAGS_POLL_MAX 500
/* How often the feeds are brought up to the clock without any mail. */
#define TICK_S 600

struct plugin_state {
	struct crk_glue_config *config; /* owned */
	struct crk_glue *glue;          /* owned */
	gulong hook_filtering;
	gulong hook_postfiltering;
	gulong hook_item_update;
	GQueue pending;       /* MsgInfo refs waiting to be ingested */
	GHashTable *seen;     /* msgid -> 1: queued or ingested this run */
	GSList *rescan_items; /* FolderItems waiting for a rescan */
	guint rescan_source;
	guint ingest_source;
	guint publish_source;
	guint merge_id; /* our menu items in Claws' UI manager */
	GtkWidget *silent_window;
	GtkListStore *silent_store;
	struct crk_server *server; /* owned; the feeds over HTTP, [claws] */
	/* owned; renders and writes the feeds in a thread of its own */
	struct crk_glue_publisher *publisher;
	GThread *main_thread; /* Claws' GUI thread */
	/* Tags set by hand (Claws has no hook for them): the messages
	 * selected at the last look, and what crickets-* tags each message
	 * had when last read (msgid -> sorted tags, "" for none). */
	GSList *tag_watch; /* MsgInfo refs */
	GHashTable *tag_seen;
	guint tag_source;
	/* the feeds follow the clock (overdue items roll to today, snoozes
	 * end) even when no mail comes */
	guint tick_source;
	/* set by the publisher's thread after a publish: the follow-ups
	 * are up to date, time for a drafts pass (in the GUI thread, as
	 * Claws' folder calls must be) */
	gint drafts_due;
};

static struct plugin_state plugin;

static int
plugin_strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Log lines from another thread (the publisher's), carried to the GUI
 * thread: Claws' log window is GTK and only the GUI thread may touch it. */
struct plugin_log_line {
	enum crk_log_level level;
	char *msg;
};

static GMutex plugin_log_lock;
static GQueue plugin_log_lines; /* struct plugin_log_line *, under the lock */
static guint plugin_log_source; /* the idle that logs them, under the lock */

static void
plugin_log(enum crk_log_level level, const char *msg, void *context);

/* Logs the lines queued by other threads; in the GUI thread. */
static gboolean
plugin_log_flush(gpointer data)
{
	struct plugin_log_line *line;
	GQueue lines = G_QUEUE_INIT;

	g_mutex_lock(&plugin_log_lock);
	lines = plugin_log_lines;
	g_queue_init(&plugin_log_lines);
	plugin_log_source = 0;
	g_mutex_unlock(&plugin_log_lock);
	while ((line = g_queue_pop_head(&lines)) != NULL) {
		plugin_log(line->level, line->msg, NULL);
		g_free(line->msg);
		g_free(line);
	}
	return G_SOURCE_REMOVE;
}

/* Called when no other thread logs any more (the publisher stopped): what
 * is still queued is logged now, and the idle goes with the plugin. */
static void
plugin_log_drain(void)
{
	g_mutex_lock(&plugin_log_lock);
	if (plugin_log_source != 0)
		g_source_remove(plugin_log_source);
	plugin_log_source = 0;
	g_mutex_unlock(&plugin_log_lock);
	plugin_log_flush(NULL);
}

static void
plugin_log(enum crk_log_level level, const char *msg, void *context)
{
	if (plugin.main_thread != NULL &&
	    g_thread_self() != plugin.main_thread) {
		struct plugin_log_line *line =
		    g_new0(struct plugin_log_line, 1);

		line->level = level;
		line->msg = g_strdup(msg);
		g_mutex_lock(&plugin_log_lock);
		g_queue_push_tail(&plugin_log_lines, line);
		if (plugin_log_source == 0)
			plugin_log_source = g_idle_add(plugin_log_flush, NULL);
		g_mutex_unlock(&plugin_log_lock);
		return;
	}
	switch (level) {
	case CRK_LOG_DEBUG: debug_print("crickets: %s\n", msg); break;
	case CRK_LOG_INFO:
		log_message(LOG_PROTOCOL, "crickets: %s\n", msg);
		break;
	case CRK_LOG_WARN:
		log_warning(LOG_PROTOCOL, "crickets: %s\n", msg);
		break;
	case CRK_LOG_ERROR:
		log_error(LOG_PROTOCOL, "crickets: %s\n", msg);
		break;
	}
}

/* The first account among the addresses of a header value, or NULL. */
static PrefsAccount *
plugin_account_in(const gchar *header)
{
	PrefsAccount *ac = NULL;
	GSList *list;
	GSList *cur;

	if (header == NULL)
		return NULL;
	list = address_list_append(NULL, header);
	for (cur = list; cur != NULL && ac == NULL; cur = cur->next)
		ac = account_find_from_address(cur->data, FALSE);
	g_slist_free_full(list, g_free);
	return ac;
}

/* The Claws account a message belongs to: the folder's own account
 * (IMAP), else the account that sent it, else the one it was sent to
 * (local folders of POP accounts), else the default. */
static PrefsAccount *
plugin_account_of(MsgInfo *msginfo)
{
	PrefsAccount *ac;

	if (msginfo->folder != NULL && msginfo->folder->folder != NULL &&
	    msginfo->folder->folder->account != NULL)
		return msginfo->folder->folder->account;
	if ((ac = plugin_account_in(msginfo->from)) != NULL)
		return ac;
	if ((ac = plugin_account_in(msginfo->to)) != NULL)
		return ac;
	if ((ac = plugin_account_in(msginfo->cc)) != NULL)
		return ac;
	return account_get_default();
}

/* The store's name for a Claws account: the watcher's [account NAME]
 * for the same mailbox when there is one, so both share proposals. */
static const char *
plugin_account_name(PrefsAccount *ac)
{
	const char *name;

	if (ac == NULL || ac->account_name == NULL)
		return "claws";
	if (plugin.config == NULL)
		return ac->account_name;
	name = crk_glue_account_name(plugin.config, ac->account_name,
	    ac->address, ac->recv_server, ac->userid);
	return name != NULL ? name : ac->account_name;
}

static void plugin_schedule_publish(void);

/* Reads one message from Claws and hands it to the engine. */
static void
plugin_ingest_msginfo(MsgInfo *msginfo, time_t now)
{
	struct crk_strv tags = {0};
	gchar *file = NULL;
	gchar *raw = NULL;
	gsize len = 0;
	gchar *folder_id = NULL;
	char *notice = NULL;
	char *error = NULL;
	GSList *cur;
	enum crk_status status;

	file = procmsg_get_message_file(msginfo);
	if (file == NULL || !g_file_get_contents(file, &raw, &len, NULL)) {
		debug_print("crickets: cannot read message %d of %s\n",
		    msginfo->msgnum, msginfo->msgid ? msginfo->msgid : "?");
		goto out;
	}
	for (cur = msginfo->tags; cur != NULL; cur = cur->next) {
		const gchar *tag = tags_get_tag(GPOINTER_TO_INT(cur->data));

		if (tag != NULL)
			crk_strv_add(&tags, tag);
	}
	if (msginfo->folder != NULL)
		folder_id = folder_item_get_identifier(msginfo->folder);
	status = crk_glue_ingest(plugin.glue,
	    plugin_account_name(plugin_account_of(msginfo)), raw, len, &tags,
	    folder_id, (uint32_t)msginfo->msgnum, now, &notice, &error);
	if (status != CRK_OK) {
		log_warning(LOG_PROTOCOL, "crickets: message %s: %s\n",
		    msginfo->msgid ? msginfo->msgid : "?",
		    error != NULL ? error : crk_status_str(status));
		goto out;
	}
	if (notice != NULL) {
		log_message(LOG_PROTOCOL, "%s\n", notice);
		statusbar_print_all("%s", notice);
	}
	plugin_schedule_publish();
out:
	free(notice);
	free(error);
	crk_strv_clear(&tags);
	g_free(folder_id);
	g_free(raw);
	g_free(file);
}

/* Ingests a few queued messages per main-loop turn: each is one short
 * store transaction, so the GUI stays responsive. */
static gboolean
plugin_ingest_idle(gpointer data)
{
	time_t now = time(NULL);
	int n;

	for (n = 0; n < 5 && !g_queue_is_empty(&plugin.pending); n++) {
		MsgInfo *msginfo = g_queue_pop_head(&plugin.pending);

		plugin_ingest_msginfo(msginfo, now);
		procmsg_msginfo_free(&msginfo);
	}
	if (!g_queue_is_empty(&plugin.pending))
		return G_SOURCE_CONTINUE;
	plugin.ingest_source = 0;
	return G_SOURCE_REMOVE;
}

/* Queues a message once per Message-ID (the same mail reaches us through
 * several hooks and rescans). */
static void
plugin_enqueue(MsgInfo *msginfo)
{
	const char *account;

	if (plugin.glue == NULL || msginfo == NULL || msginfo->msgid == NULL)
		return;
	if (g_hash_table_contains(plugin.seen, msginfo->msgid))
		return;
	account = plugin_account_name(plugin_account_of(msginfo));
	g_hash_table_add(plugin.seen, g_strdup(msginfo->msgid));
	if (crk_glue_has_message(plugin.glue, account, msginfo->msgid))
		return;
	g_queue_push_tail(&plugin.pending, procmsg_msginfo_new_ref(msginfo));
	if (plugin.ingest_source == 0)
		plugin.ingest_source = g_idle_add(plugin_ingest_idle, NULL);
}

/* Queues a message that was read before (its tags changed). */
static void
plugin_enqueue_again(MsgInfo *msginfo)
{
	if (plugin.glue == NULL || msginfo == NULL || msginfo->msgid == NULL)
		return;
	g_hash_table_add(plugin.seen, g_strdup(msginfo->msgid));
	g_queue_push_tail(&plugin.pending, procmsg_msginfo_new_ref(msginfo));
	if (plugin.ingest_source == 0)
		plugin.ingest_source = g_idle_add(plugin_ingest_idle, NULL);
}

/* The publisher's report, in the publisher's thread: logged from the GUI
 * thread. */
static void
plugin_published(enum crk_status status, const char *error, void *context)
{
	if (status != CRK_OK) {
		crk_warn("cannot publish the feeds: %s",
		    error != NULL ? error : crk_status_str(status));
		return;
	}
	crk_debug("feeds published");
	g_atomic_int_set(&plugin.drafts_due, 1);
}

/* Rendering a big store's feeds takes a while: the publisher does it in
 * its own thread, so the GUI never waits for it. */
static gboolean
plugin_publish_timeout(gpointer data)
{
	plugin.publish_source = 0;
	crk_glue_publisher_request(plugin.publisher, time(NULL));
	return G_SOURCE_REMOVE;
}

static gboolean
plugin_tick(gpointer data)
{
	plugin_schedule_publish();
	return G_SOURCE_CONTINUE;
}

/* (Re)starts the publisher with the current config and identities. */
static void
plugin_publisher_start(const struct crk_strv *identities)
{
	char *error = NULL;

	crk_glue_publisher_stop(&plugin.publisher);
	plugin_log_drain();
	if (crk_glue_publisher_start(plugin.config, identities,
		plugin_published, NULL, &plugin.publisher, &error) != CRK_OK)
		log_error(LOG_PROTOCOL, "crickets: feeds off: %s\n",
		    error != NULL ? error : "cannot start the publisher");
	free(error);
}

static void
plugin_schedule_publish(void)
{
	if (plugin.publish_source != 0)
		g_source_remove(plugin.publish_source);
	plugin.publish_source =
	    g_timeout_add(PUBLISH_DELAY_MS, plugin_publish_timeout, NULL);
}

static gint
plugin_msgnum_desc(gconstpointer a, gconstpointer b)
{
	const MsgInfo *ma = a;
	const MsgInfo *mb = b;

	return mb->msgnum > ma->msgnum ? 1 : mb->msgnum < ma->msgnum ? -1 : 0;
}

static void
plugin_rescan_item(FolderItem *item)
{
	GSList *list;
	GSList *cur;
	time_t oldest = time(NULL) - RESCAN_MAX_AGE;
	int n = 0;

	list = folder_item_get_msg_list(item);
	list = g_slist_sort(list, plugin_msgnum_desc);
	for (cur = list; cur != NULL && n < RESCAN_WINDOW; cur = cur->next) {
		MsgInfo *msginfo = cur->data;

		n++;
		if (msginfo->date_t != 0 && msginfo->date_t < oldest)
			continue;
		plugin_enqueue(msginfo);
	}
	procmsg_msg_list_free(list);
}

static gboolean
plugin_rescan_timeout(gpointer data)
{
	GSList *items = plugin.rescan_items;
	GSList *cur;

	plugin.rescan_items = NULL;
	plugin.rescan_source = 0;
	for (cur = items; cur != NULL; cur = cur->next)
		plugin_rescan_item(cur->data);
	g_slist_free(items);
	return G_SOURCE_REMOVE;
}

/* Sent and received mail that skipped the filtering hooks (sent copies
 * are added to the Sent folder directly) shows up as a folder update. */
static gboolean
plugin_item_update_hook(gpointer source, gpointer data)
{
	FolderItemUpdateData *update = source;
	FolderItem *item;

	if (update == NULL || update->item == NULL)
		return FALSE;
	item = update->item;
	if (item->stype != F_OUTBOX && item->stype != F_INBOX)
		return FALSE;
	if (!(update->update_flags &
		(F_ITEM_UPDATE_CONTENT | F_ITEM_UPDATE_MSGCNT |
		    F_ITEM_UPDATE_ADDMSG)))
		return FALSE;
	if (update->msg != NULL) {
		plugin_enqueue(update->msg);
		return FALSE;
	}
	if (g_slist_find(plugin.rescan_items, item) == NULL)
		plugin.rescan_items =
		    g_slist_prepend(plugin.rescan_items, item);
	if (plugin.rescan_source == 0)
		plugin.rescan_source =
		    g_timeout_add(RESCAN_DELAY_MS, plugin_rescan_timeout, NULL);
	return FALSE;
}

static gboolean
plugin_filtering_hook(gpointer source, gpointer data)
{
	MailFilteringData *fd = source;

	if (fd != NULL && fd->msginfo != NULL)
		plugin_enqueue(fd->msginfo);
	/* Never claim the message: Claws' own filtering goes on. */
	return FALSE;
}

static gboolean
plugin_postfiltering_hook(gpointer source, gpointer data)
{
	plugin_enqueue(source);
	return FALSE;
}

/* ---- follow-up drafts in Claws' Drafts folders ------------------------ */

/* The Drafts folder of a Claws account, as the drafts pass sees it
 * (core/drafts.h): Claws' message numbers are the UIDs. */
struct plugin_draft_box {
	FolderItem *item;
};

static enum crk_status
draft_box_find(
    void *ctx, const char *message_id, uint32_t *uid_r, char **error_r)
{
	struct plugin_draft_box *box = ctx;
	MsgInfo *msginfo;

	msginfo = folder_item_get_msginfo_by_msgid(box->item, message_id);
	*uid_r = msginfo != NULL && msginfo->msgnum > 0
	    ? (uint32_t)msginfo->msgnum
	    : 0;
	procmsg_msginfo_free(&msginfo);
	return CRK_OK;
}

static enum crk_status
draft_box_has_id(void *ctx, uint32_t uid, const char *message_id, bool *same_r,
    char **error_r)
{
	struct plugin_draft_box *box = ctx;
	MsgInfo *msginfo = folder_item_get_msginfo(box->item, (gint)uid);

	*same_r = msginfo != NULL && msginfo->msgid != NULL &&
	    strcmp(msginfo->msgid, message_id) == 0;
	procmsg_msginfo_free(&msginfo);
	return CRK_OK;
}

static enum crk_status
draft_box_remove(void *ctx, uint32_t uid, char **error_r)
{
	struct plugin_draft_box *box = ctx;

	if (folder_item_remove_msg(box->item, (gint)uid) < 0) {
		crk_error_set(error_r, "cannot remove message %u from %s",
		    (unsigned)uid,
		    box->item->path ? box->item->path : "Drafts");
		return CRK_E_IO;
	}
	return CRK_OK;
}

/* Claws keeps messages with LF line ends (its IMAP code sends CRLF). */
static enum crk_status
draft_box_append(
    void *ctx, const char *text, size_t len, uint32_t *uid_r, char **error_r)
{
	struct plugin_draft_box *box = ctx;
	MsgFlags flags = {0, MSG_DRAFT}; /* seen, as the watcher's \Seen */
	GString *lf = g_string_sized_new(len);
	gchar *tmp = get_tmp_file();
	GError *gerror = NULL;
	enum crk_status status = CRK_OK;
	gint num;
	size_t i;

	*uid_r = 0;
	for (i = 0; i < len; i++)
		if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
			g_string_append_c(lf, text[i]);
	if (!g_file_set_contents(tmp, lf->str, (gssize)lf->len, &gerror)) {
		crk_error_set(
		    error_r, "cannot write %s: %s", tmp, gerror->message);
		g_error_free(gerror);
		status = CRK_E_IO;
		goto out;
	}
	num = folder_item_add_msg(box->item, tmp, &flags, TRUE);
	if (num < 0) {
		crk_error_set(error_r, "Claws could not add the draft to %s",
		    box->item->path ? box->item->path : "Drafts");
		unlink(tmp);
		status = CRK_E_IO;
		goto out;
	}
	*uid_r = (uint32_t)num;
out:
	g_string_free(lf, TRUE);
	g_free(tmp);
	return status;
}

static const struct crk_drafts_box_ops plugin_draft_ops = {
    .find = draft_box_find,
    .has_id = draft_box_has_id,
    .remove = draft_box_remove,
    .append = draft_box_append,
};

/* One drafts pass per store account: the Drafts folder of the first
 * Claws account filed under that name. */
static void
plugin_drafts_run(void)
{
	GHashTable *done;
	GList *cur;
	time_t now = time(NULL);

	if (plugin.glue == NULL || !plugin.config->drafts)
		return;
	done = g_hash_table_new(g_str_hash, g_str_equal);
	for (cur = account_get_list(); cur != NULL; cur = cur->next) {
		PrefsAccount *ac = cur->data;
		struct plugin_draft_box box;
		struct crk_drafts_box b = {0};
		struct crk_drafts_params params = {0};
		struct crk_drafts_stats stats;
		const char *name = plugin_account_name(ac);
		gchar *folder_id;
		char *error = NULL;
		enum crk_status status;

		if (name == NULL || g_hash_table_contains(done, name))
			continue;
		box.item = account_get_special_folder(ac, F_DRAFT);
		if (box.item == NULL)
			continue;
		g_hash_table_add(done, (gpointer)name);
		folder_id = folder_item_get_identifier(box.item);
		b.ops = &plugin_draft_ops;
		b.ctx = &box;
		b.account = name;
		b.folder = folder_id;
		b.uidvalidity = 0;
		params.templates_dir = plugin.config->templates_dir;
		params.shipped_dir = CRK_DATADIR "/templates";
		params.draft_hour = plugin.config->draft_hour;
		status = crk_drafts_pass(crk_glue_store(plugin.glue), &b,
		    &params, now, &stats, &error);
		if (status != CRK_OK)
			log_warning(LOG_PROTOCOL, "crickets: drafts: %s\n",
			    error != NULL ? error : crk_status_str(status));
		else if (stats.created > 0)
			statusbar_print_all(
			    "crickets: %u follow-up draft%s in %s",
			    stats.created, stats.created == 1 ? "" : "s",
			    folder_id);
		free(error);
		g_free(folder_id);
	}
	g_hash_table_destroy(done);
}

/* ---- the rep's actions: message-list menu, Silent proposals window ---- */

/* Claws builds its menus with GtkUIManager/GtkAction, deprecated in GTK 3
 * but the only way into them; quiet that warning for this part only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static void plugin_silent_refresh(void);

/* The crickets-* tags of a message, sorted and joined by spaces; "" for
 * none.  Owned. */
static gchar *
plugin_crickets_tags(MsgInfo *msginfo)
{
	GPtrArray *tags = g_ptr_array_new();
	GSList *cur;
	gchar *joined;

	for (cur = msginfo->tags; cur != NULL; cur = cur->next) {
		const gchar *tag = tags_get_tag(GPOINTER_TO_INT(cur->data));

		if (tag != NULL && g_str_has_prefix(tag, "crickets-"))
			g_ptr_array_add(tags, (gpointer)tag);
	}
	g_ptr_array_sort(tags, (GCompareFunc)plugin_strcmp_ptr);
	g_ptr_array_add(tags, NULL);
	joined = g_strjoinv(" ", (gchar **)tags->pdata);
	g_ptr_array_free(tags, TRUE);
	return joined;
}

/* Remembers the crickets-* tags a message has now; true when they differ
 * from the last look (or the first look finds some). */
static gboolean
plugin_tags_changed(MsgInfo *msginfo)
{
	gchar *now;
	const gchar *before;

	if (msginfo->msgid == NULL || plugin.tag_seen == NULL)
		return FALSE;
	now = plugin_crickets_tags(msginfo);
	before = g_hash_table_lookup(plugin.tag_seen, msginfo->msgid);
	if (strcmp(before != NULL ? before : "", now) == 0) {
		g_free(now);
		return FALSE;
	}
	g_hash_table_replace(plugin.tag_seen, g_strdup(msginfo->msgid), now);
	return TRUE;
}

static void
plugin_tag_set(MsgInfo *msginfo, const char *tag, gboolean set)
{
	gint id = tags_get_id_for_str(tag);

	if (id == -1 && set) {
		id = tags_add_tag(tag);
		tags_write_tags();
	}
	if (id != -1)
		procmsg_msginfo_update_tags(msginfo, set, id);
}

/* Mirrors the rep's action as Claws tags, so it syncs as IMAP keywords
 * and `crickets watch` (or any client) sees it too: a closing state
 * replaces the other closing tags (a client never sees two), and Stop
 * tracking takes crickets-track away (else the next look at the tags
 * would track the mail again). */
static void
plugin_mirror_tag(MsgInfo *msginfo, const char *action)
{
	static const char *const closers[][2] = {
	    {"won", CRK_KEYWORD_WON},
	    {"lost", CRK_KEYWORD_LOST},
	    {"drop", CRK_KEYWORD_DROP},
	};
	const char *tag = NULL;
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(closers); i++)
		if (strcmp(action, closers[i][0]) == 0)
			tag = closers[i][1];
	if (tag != NULL) {
		for (i = 0; i < CRK_N_ELEMENTS(closers); i++)
			if (strcmp(closers[i][1], tag) != 0)
				plugin_tag_set(msginfo, closers[i][1], FALSE);
		plugin_tag_set(msginfo, tag, TRUE);
	} else if (strcmp(action, "track") == 0)
		plugin_tag_set(msginfo, CRK_KEYWORD_TRACK, TRUE);
	else if (strcmp(action, "untrack") == 0)
		plugin_tag_set(msginfo, CRK_KEYWORD_TRACK, FALSE);
	else
		return;
	/* what we set is no news for the tag watch */
	plugin_tags_changed(msginfo);
}

/* Claws 4.1 calls no hook when the rep sets a tag by hand (summary_set_tag
 * -> procmsg_msginfo_update_tags -> folder_item_commit_tags only marks
 * the cache dirty), so the plugin looks: tags are set on the selected
 * messages, so every TAGS_POLL_MS it compares the crickets-* tags of
 * the messages selected now and at the last look (the rep may have
 * moved on since) with what it saw before, and reads a message again
 * when they changed.  The engine then acts on the keywords as it does
 * for the watcher: crickets-track tracks, crickets-won/lost/drop close,
 * crickets-ignore stops tracking. */
static gboolean
plugin_tags_poll(gpointer data)
{
	MainWindow *mainwin = mainwindow_get_mainwindow();
	SummaryView *sv;
	GSList *selected, *watch, *cur;
	guint n = 0;

	if (plugin.glue == NULL || mainwin == NULL ||
	    (sv = mainwin->summaryview) == NULL || summary_is_locked(sv))
		return G_SOURCE_CONTINUE;
	if (g_atomic_int_compare_and_exchange(&plugin.drafts_due, 1, 0))
		plugin_drafts_run();
	for (cur = plugin.tag_watch; cur != NULL; cur = cur->next)
		if (plugin_tags_changed(cur->data))
			plugin_enqueue_again(cur->data);
	selected = summary_get_selected_msg_list(sv);
	watch = NULL;
	for (cur = selected; cur != NULL && n < TAGS_POLL_MAX;
	     cur = cur->next, n++) {
		MsgInfo *msginfo = cur->data;

		if (plugin_tags_changed(msginfo))
			plugin_enqueue_again(msginfo);
		watch =
		    g_slist_prepend(watch, procmsg_msginfo_new_ref(msginfo));
	}
	g_slist_free(selected);
	procmsg_msg_list_free(plugin.tag_watch);
	plugin.tag_watch = watch;
	return G_SOURCE_CONTINUE;
}

/* Runs an action on one Message-ID; false with an alert on failure. */
static gboolean
plugin_act(const char *account, const char *msgid, const char *action,
    crk_day day, const char *note)
{
	char *error = NULL;
	enum crk_status status;

	status = crk_glue_action(
	    plugin.glue, account, msgid, action, day, note, time(NULL), &error);
	if (status != CRK_OK) {
		alertpanel_error("Crickets: %s",
		    error != NULL ? error : crk_status_str(status));
		free(error);
		return FALSE;
	}
	return TRUE;
}

/* Runs an action on every selected message of the message list. */
static void
plugin_act_on_selection(const char *action, crk_day day, const char *note)
{
	MainWindow *mainwin = mainwindow_get_mainwindow();
	GSList *list;
	GSList *cur;
	int done = 0;

	if (plugin.glue == NULL || mainwin == NULL)
		return;
	list = summary_get_selected_msg_list(mainwin->summaryview);
	for (cur = list; cur != NULL; cur = cur->next) {
		MsgInfo *msginfo = cur->data;
		const char *account;

		if (msginfo == NULL || msginfo->msgid == NULL)
			continue;
		account = plugin_account_name(plugin_account_of(msginfo));
		/* A message the hooks have not reached yet (an old one)
		 * is read now, so it can be tracked. */
		if (!crk_glue_has_message(plugin.glue, account, msginfo->msgid))
			plugin_ingest_msginfo(msginfo, time(NULL));
		if (!plugin_act(account, msginfo->msgid, action, day, note))
			break;
		plugin_mirror_tag(msginfo, action);
		done++;
	}
	g_slist_free(list);
	if (done > 0) {
		statusbar_print_all("crickets: %s: %d message%s", action, done,
		    done == 1 ? "" : "s");
		plugin_schedule_publish();
		plugin_silent_refresh();
	}
}

static void
menu_track(GtkAction *a, gpointer data)
{
	plugin_act_on_selection("track", CRK_DAY_NONE, NULL);
}

static void
menu_untrack(GtkAction *a, gpointer data)
{
	plugin_act_on_selection("untrack", CRK_DAY_NONE, NULL);
}

static void
menu_won(GtkAction *a, gpointer data)
{
	plugin_act_on_selection("won", CRK_DAY_NONE, NULL);
}

static void
menu_lost(GtkAction *a, gpointer data)
{
	plugin_act_on_selection("lost", CRK_DAY_NONE, NULL);
}

static void
menu_notyet(GtkAction *a, gpointer data)
{
	plugin_act_on_selection("notyet", CRK_DAY_NONE, NULL);
}

static void
menu_snooze(GtkAction *a, gpointer data)
{
	char buf[16];
	gchar *answer;
	crk_day day;

	crk_day_format(crk_day_of_time(time(NULL)) + 7, buf);
	answer = input_dialog("Snooze", "Snooze until (YYYY-MM-DD):", buf);
	if (answer == NULL)
		return;
	if (crk_day_parse(g_strstrip(answer), &day, NULL) != CRK_OK)
		alertpanel_error(
		    "Crickets: '%s' is not a date (YYYY-MM-DD)", answer);
	else
		plugin_act_on_selection("snooze", day, NULL);
	g_free(answer);
}

static void
menu_call(GtkAction *a, gpointer data)
{
	gchar *note =
	    input_dialog("Log a call", "What was said (optional):", "");

	if (note == NULL)
		return;
	plugin_act_on_selection(
	    "call", CRK_DAY_NONE, *g_strstrip(note) != '\0' ? note : NULL);
	g_free(note);
}

/* Ids in References beyond this keep the root and the newest (RFC 5322
 * 3.6.4 allows trimming; core/draft.h trims the same way). */
#define FOLLOWUP_REFERENCES_MAX 20

/* The References of a follow-up to the proposal: the proposal (the
 * thread's root) first, then the chain the thread's last message carried
 * (kept in the store), ending with that message.  Owned, the header
 * value as Claws writes it ("<a>\n\t<b>"). */
static gchar *
plugin_followup_references(const struct crk_proposal *p)
{
	struct crk_strv chain = {0};
	struct crk_strv refs = {0};
	const char *last =
	    p->last_message_id != NULL ? p->last_message_id : p->message_id;
	GString *out = g_string_new(NULL);
	size_t i;
	size_t skip;

	crk_strv_add(&chain, p->message_id);
	if (crk_store_thread_refs(crk_glue_store(plugin.glue), p->account, last,
		&refs, NULL) == CRK_OK) {
		for (i = 0; i < refs.count; i++)
			crk_strv_add_unique(&chain, refs.items[i]);
	} else {
		/* not stored under this account: root and last still thread */
		crk_strv_add_unique(&chain, last);
	}
	skip = chain.count > FOLLOWUP_REFERENCES_MAX
	    ? chain.count - FOLLOWUP_REFERENCES_MAX
	    : 0;
	for (i = 0; i < chain.count; i++) {
		if (i > 0 && i <= skip)
			continue;
		g_string_append_printf(
		    out, "%s<%s>", out->len > 0 ? "\n\t" : "", chain.items[i]);
	}
	crk_strv_clear(&refs);
	crk_strv_clear(&chain);
	return g_string_free(out, FALSE);
}

/* "Follow up now": a reply in the proposal's thread, with the template
 * of the next touch as its text. */
static void
menu_followup(GtkAction *a, gpointer data)
{
	MainWindow *mainwin = mainwindow_get_mainwindow();
	MsgInfo *msginfo;
	struct crk_proposal *p = NULL;
	struct crk_template *tpl = NULL;
	struct crk_template_values values;
	char *first = NULL, *company = NULL, *body = NULL,
	     *reply_subject = NULL;
	gchar *mailto = NULL, *e_to, *e_subject, *e_body;
	Compose *compose;
	const char *to;
	time_t now = time(NULL);
	unsigned touch;

	if (plugin.glue == NULL || mainwin == NULL)
		return;
	msginfo = summary_get_selected_msg(mainwin->summaryview);
	if (msginfo == NULL || msginfo->msgid == NULL)
		return;
	if (crk_store_proposal_find(crk_glue_store(plugin.glue), msginfo->msgid,
		&p, NULL) != CRK_OK ||
	    p == NULL || p->prospects.count == 0) {
		alertpanel_error("Crickets: this message is not a tracked "
				 "proposal");
		crk_proposal_free(&p);
		return;
	}
	touch = p->next_number > 0 ? p->next_number : 1;
	crk_template_load(plugin.config->templates_dir,
	    CRK_DATADIR "/templates", touch, &tpl, NULL);
	to = p->prospects.items[0].addr;
	first = crk_template_first_name(p->prospects.items[0].name, to);
	company = crk_template_company(p->prospects.items[0].name, to);
	memset(&values, 0, sizeof(values));
	values.first_name = first;
	values.company = company;
	values.subject = p->subject;
	values.sent_day = crk_day_of_time(p->sent_at);
	values.days_silent = (int)((now - p->round_start) / 86400);
	values.touch = touch;
	values.rep_name = p->from_name;
	body = crk_template_render(tpl, &values);
	reply_subject = crk_subject_reply(p->subject != NULL ? p->subject : "");
	e_to = g_uri_escape_string(to, "@", FALSE);
	e_subject = g_uri_escape_string(reply_subject, NULL, FALSE);
	e_body = g_uri_escape_string(body, NULL, FALSE);
	mailto =
	    g_strdup_printf("%s?subject=%s&body=%s", e_to, e_subject, e_body);
	compose = compose_new(plugin_account_of(msginfo), mailto, NULL);
	if (compose != NULL) {
		/* Set on the compose itself, as Claws' own Reply does: a
		 * mailto: in-reply-to becomes an editable header row, and
		 * mailto: knows no References.  The whole chain threads
		 * the follow-up in every client. */
		g_free(compose->inreplyto);
		compose->inreplyto =
		    g_strdup(p->last_message_id != NULL ? p->last_message_id
							: p->message_id);
		g_free(compose->references);
		compose->references = plugin_followup_references(p);
	}
	g_free(mailto);
	g_free(e_to);
	g_free(e_subject);
	g_free(e_body);
	free(reply_subject);
	free(body);
	free(first);
	free(company);
	crk_template_free(&tpl);
	crk_proposal_free(&p);
}

enum {
	SILENT_PROSPECT,
	SILENT_SUBJECT,
	SILENT_DAYS,
	SILENT_TOUCH,
	SILENT_DUE,
	SILENT_STATE,
	SILENT_MSGID,
	SILENT_ACCOUNT,
	SILENT_N_COLUMNS
};

static void
plugin_silent_refresh(void)
{
	struct crk_proposal_list list = {0};
	time_t now = time(NULL);
	size_t i;

	if (plugin.silent_store == NULL || plugin.glue == NULL)
		return;
	gtk_list_store_clear(plugin.silent_store);
	if (crk_store_proposals(crk_glue_store(plugin.glue),
		CRK_PROPOSALS_ACTIVE, &list, NULL) != CRK_OK)
		return;
	for (i = 0; i < list.count; i++) {
		const struct crk_proposal *p = &list.items[i];
		const struct crk_addr *who =
		    p->prospects.count > 0 ? &p->prospects.items[0] : NULL;
		char due[16] = "";
		GtkTreeIter iter;

		if (p->next_due != CRK_DAY_NONE)
			crk_day_format(p->next_due, due);
		gtk_list_store_append(plugin.silent_store, &iter);
		gtk_list_store_set(plugin.silent_store, &iter, SILENT_PROSPECT,
		    who == NULL             ? ""
			: who->name != NULL ? who->name
					    : who->addr,
		    SILENT_SUBJECT, p->subject != NULL ? p->subject : "",
		    SILENT_DAYS, (gint)((now - p->round_start) / 86400),
		    SILENT_TOUCH, (gint)p->next_number, SILENT_DUE, due,
		    SILENT_STATE, crk_state_name(p->state), SILENT_MSGID,
		    p->message_id, SILENT_ACCOUNT, p->account, -1);
	}
	crk_proposal_list_clear(&list);
}

static void
silent_act(const char *action)
{
	GtkTreeSelection *sel;
	GtkTreeModel *model;
	GtkTreeIter iter;
	GtkWidget *view;
	gchar *msgid = NULL, *account = NULL;

	if (plugin.silent_window == NULL)
		return;
	view = g_object_get_data(G_OBJECT(plugin.silent_window), "view");
	sel = gtk_tree_view_get_selection(GTK_TREE_VIEW(view));
	if (!gtk_tree_selection_get_selected(sel, &model, &iter))
		return;
	gtk_tree_model_get(
	    model, &iter, SILENT_MSGID, &msgid, SILENT_ACCOUNT, &account, -1);
	if (plugin_act(account, msgid, action, CRK_DAY_NONE, NULL)) {
		plugin_schedule_publish();
		plugin_silent_refresh();
	}
	g_free(msgid);
	g_free(account);
}

static void
silent_won(GtkButton *b, gpointer data)
{
	silent_act("won");
}

static void
silent_lost(GtkButton *b, gpointer data)
{
	silent_act("lost");
}

static void
silent_notyet(GtkButton *b, gpointer data)
{
	silent_act("notyet");
}

static void
silent_untrack(GtkButton *b, gpointer data)
{
	silent_act("untrack");
}

/* Double-click: shows the proposal in Claws (it is in a Sent folder). */
static void
silent_row_activated(
    GtkTreeView *view, GtkTreePath *path, GtkTreeViewColumn *col, gpointer data)
{
	MainWindow *mainwin = mainwindow_get_mainwindow();
	GtkTreeModel *model = gtk_tree_view_get_model(view);
	GtkTreeIter iter;
	gchar *msgid = NULL;
	GList *cur;

	if (mainwin == NULL || !gtk_tree_model_get_iter(model, &iter, path))
		return;
	gtk_tree_model_get(model, &iter, SILENT_MSGID, &msgid, -1);
	for (cur = folder_get_list(); cur != NULL && msgid != NULL;
	     cur = cur->next) {
		Folder *folder = cur->data;
		MsgInfo *msginfo;

		if (folder->outbox == NULL)
			continue;
		msginfo =
		    folder_item_get_msginfo_by_msgid(folder->outbox, msgid);
		if (msginfo == NULL)
			continue;
		folderview_select(mainwin->folderview, folder->outbox);
		summary_select_by_msgnum(
		    mainwin->summaryview, msginfo->msgnum, TRUE);
		procmsg_msginfo_free(&msginfo);
		gtk_window_present(GTK_WINDOW(mainwin->window));
		break;
	}
	g_free(msgid);
}

static void
silent_destroyed(GtkWidget *w, gpointer data)
{
	plugin.silent_window = NULL;
	plugin.silent_store = NULL;
}

static void
menu_silent(GtkAction *a, gpointer data)
{
	static const char *const titles[] = {
	    "Prospect", "Subject", "Days silent", "Touch", "Next due", "State"};
	static const struct {
		const char *label;
		GCallback cb;
	} buttons[] = {
	    {"Won", G_CALLBACK(silent_won)},
	    {"Lost", G_CALLBACK(silent_lost)},
	    {"Not yet", G_CALLBACK(silent_notyet)},
	    {"Stop tracking", G_CALLBACK(silent_untrack)},
	};
	GtkWidget *win, *vbox, *scroll, *view, *bbox;
	size_t i;

	if (plugin.silent_window != NULL) {
		plugin_silent_refresh();
		gtk_window_present(GTK_WINDOW(plugin.silent_window));
		return;
	}
	win = gtk_window_new(GTK_WINDOW_TOPLEVEL);
	gtk_window_set_title(GTK_WINDOW(win), "Silent proposals");
	gtk_window_set_default_size(GTK_WINDOW(win), 760, 360);
	plugin.silent_store = gtk_list_store_new(SILENT_N_COLUMNS,
	    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT, G_TYPE_STRING,
	    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
	view =
	    gtk_tree_view_new_with_model(GTK_TREE_MODEL(plugin.silent_store));
	g_object_unref(plugin.silent_store);
	for (i = 0; i < CRK_N_ELEMENTS(titles); i++) {
		GtkTreeViewColumn *col =
		    gtk_tree_view_column_new_with_attributes(titles[i],
			gtk_cell_renderer_text_new(), "text", (gint)i, NULL);

		gtk_tree_view_column_set_sort_column_id(col, (gint)i);
		gtk_tree_view_column_set_resizable(col, TRUE);
		gtk_tree_view_append_column(GTK_TREE_VIEW(view), col);
	}
	scroll = gtk_scrolled_window_new(NULL, NULL);
	gtk_container_add(GTK_CONTAINER(scroll), view);
	bbox = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	for (i = 0; i < CRK_N_ELEMENTS(buttons); i++) {
		GtkWidget *b = gtk_button_new_with_label(buttons[i].label);

		g_signal_connect(b, "clicked", buttons[i].cb, NULL);
		gtk_box_pack_start(GTK_BOX(bbox), b, FALSE, FALSE, 0);
	}
	vbox = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	gtk_box_pack_start(GTK_BOX(vbox), scroll, TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(vbox), bbox, FALSE, FALSE, 0);
	gtk_container_set_border_width(GTK_CONTAINER(vbox), 6);
	gtk_container_add(GTK_CONTAINER(win), vbox);
	g_object_set_data(G_OBJECT(win), "view", view);
	g_signal_connect(
	    view, "row-activated", G_CALLBACK(silent_row_activated), NULL);
	g_signal_connect(win, "destroy", G_CALLBACK(silent_destroyed), NULL);
	plugin.silent_window = win;
	plugin_silent_refresh();
	gtk_widget_show_all(win);
}

static GtkActionEntry menu_entries[] = {
    {"Message/Crickets", NULL, "Crickets", NULL, NULL, NULL},
    {"Message/Crickets/Track", NULL, "Track as proposal", NULL, NULL,
	G_CALLBACK(menu_track)},
    {"Message/Crickets/Untrack", NULL, "Stop tracking", NULL, NULL,
	G_CALLBACK(menu_untrack)},
    {"Message/Crickets/Won", NULL, "Mark won", NULL, NULL,
	G_CALLBACK(menu_won)},
    {"Message/Crickets/Lost", NULL, "Mark lost", NULL, NULL,
	G_CALLBACK(menu_lost)},
    {"Message/Crickets/NotYet", NULL, "Not yet", NULL, NULL,
	G_CALLBACK(menu_notyet)},
    {"Message/Crickets/Snooze", NULL, "Snooze…", NULL, NULL,
	G_CALLBACK(menu_snooze)},
    {"Message/Crickets/Call", NULL, "Log a call…", NULL, NULL,
	G_CALLBACK(menu_call)},
    {"Message/Crickets/FollowUp", NULL, "Follow up now", NULL, NULL,
	G_CALLBACK(menu_followup)},
    {"Tools/CricketsSilent", NULL, "Silent proposals", NULL, NULL,
	G_CALLBACK(menu_silent)},
};

static void
plugin_menus_add(void)
{
	MainWindow *mainwin = mainwindow_get_mainwindow();
	GtkUIManager *ui;
	size_t i;

	if (mainwin == NULL)
		return;
	ui = mainwin->ui_manager;
	gtk_action_group_add_actions(mainwin->action_group, menu_entries,
	    CRK_N_ELEMENTS(menu_entries), mainwin);
	plugin.merge_id = gtk_ui_manager_new_merge_id(ui);
	gtk_ui_manager_add_ui(ui, plugin.merge_id, "/Menus/SummaryViewPopup",
	    "Crickets", "Message/Crickets", GTK_UI_MANAGER_MENU, FALSE);
	for (i = 1; i + 1 < CRK_N_ELEMENTS(menu_entries); i++) {
		const char *name = strrchr(menu_entries[i].name, '/') + 1;

		gtk_ui_manager_add_ui(ui, plugin.merge_id,
		    "/Menus/SummaryViewPopup/Crickets", name,
		    menu_entries[i].name, GTK_UI_MANAGER_MENUITEM, FALSE);
	}
	gtk_ui_manager_add_ui(ui, plugin.merge_id, "/Menu/Tools",
	    "CricketsSilent", "Tools/CricketsSilent", GTK_UI_MANAGER_MENUITEM,
	    FALSE);
	/* Claws renames its menus now and then: say so when ours did not
	 * land (the Claws test checks the log for the good case). */
	gtk_ui_manager_ensure_update(ui);
	if (gtk_ui_manager_get_widget(
		ui, "/Menus/SummaryViewPopup/Crickets/FollowUp") != NULL &&
	    gtk_ui_manager_get_widget(ui, "/Menu/Tools/CricketsSilent") != NULL)
		log_message(LOG_PROTOCOL, "crickets: menus ready\n");
	else
		log_warning(LOG_PROTOCOL,
		    "crickets: could not add the "
		    "Crickets menus\n");
}

static void
plugin_menus_remove(void)
{
	MainWindow *mainwin = mainwindow_get_mainwindow();
	size_t i;

	if (plugin.silent_window != NULL)
		gtk_widget_destroy(plugin.silent_window);
	if (mainwin == NULL || plugin.merge_id == 0)
		return;
	gtk_ui_manager_remove_ui(mainwin->ui_manager, plugin.merge_id);
	plugin.merge_id = 0;
	for (i = 0; i < CRK_N_ELEMENTS(menu_entries); i++) {
		GtkAction *action = gtk_action_group_get_action(
		    mainwin->action_group, menu_entries[i].name);

		if (action != NULL)
			gtk_action_group_remove_action(
			    mainwin->action_group, action);
	}
}

#pragma GCC diagnostic pop

/* Serves the feeds when [claws] serve is on, stops when off: the server
 * runs in its own thread (ical/server.c), so the GUI never waits on a
 * calendar client.  Restarted on every config reload, which is cheap
 * and picks up a new port. */
static void
plugin_serve_apply(void)
{
	char *url = NULL;
	char *error = NULL;
	enum crk_status status;

	crk_server_free(&plugin.server);
	if (plugin.config == NULL || !plugin.config->serve)
		return;
	/* Written first, so a subscriber's first request finds them. */
	if (plugin.glue != NULL &&
	    crk_glue_publish(plugin.glue, time(NULL), &error) != CRK_OK) {
		log_warning(LOG_PROTOCOL, "crickets: feeds: %s\n", error);
		free(error);
		error = NULL;
	}
	status =
	    crk_glue_serve_start(plugin.config, &plugin.server, &url, &error);
	if (status != CRK_OK) {
		log_error(LOG_PROTOCOL,
		    "crickets: cannot serve the feeds: %s\n",
		    error != NULL ? error : crk_status_str(status));
		statusbar_print_all("Crickets: cannot serve the feeds: %s",
		    error != NULL ? error : crk_status_str(status));
		free(error);
		return;
	}
	log_message(LOG_PROTOCOL, "crickets: serving the feeds at %s\n", url);
	free(url);
}

static void
plugin_identities(struct crk_strv *identities)
{
	GList *cur;

	for (cur = account_get_list(); cur != NULL; cur = cur->next) {
		PrefsAccount *ac = cur->data;

		if (ac != NULL && ac->address != NULL && *ac->address != '\0')
			crk_strv_add_unique(identities, ac->address);
	}
}

/* ---- preferences page (Configuration > Preferences > Plugins) -------- */

struct crickets_prefs_page {
	PrefsPage page;
	GtkWidget *cadence;
	GtkWidget *repeat_every;
	GtkWidget *weekend;
	GtkWidget *words;
	GtkWidget *feed_dir;
	GtkWidget *serve;
	GtkWidget *port;
	GtkWidget *drafts;
};

static struct crickets_prefs_page prefs_page;
static gchar *prefs_path[3];

static const char *const weekday_names[] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static GtkWidget *
prefs_row(GtkGrid *grid, int row, const char *label, const char *value,
    const char *tooltip)
{
	GtkWidget *l = gtk_label_new(label);
	GtkWidget *e = gtk_entry_new();

	gtk_label_set_xalign(GTK_LABEL(l), 0.0);
	gtk_entry_set_text(GTK_ENTRY(e), value != NULL ? value : "");
	gtk_widget_set_hexpand(e, TRUE);
	gtk_widget_set_tooltip_text(e, tooltip);
	gtk_grid_attach(grid, l, 0, row, 1, 1);
	gtk_grid_attach(grid, e, 1, row, 1, 1);
	return e;
}

static void
prefs_create(PrefsPage *page, GtkWindow *window, gpointer data)
{
	struct crickets_prefs_page *pp = (struct crickets_prefs_page *)page;
	const struct crk_glue_config *c = plugin.config;
	GString *cadence = g_string_new(NULL);
	GString *weekend = g_string_new(NULL);
	GtkWidget *grid = gtk_grid_new();
	GtkWidget *note;
	gchar *repeat;
	gchar *port;
	unsigned i;

	for (i = 0; c != NULL && i < c->cadence.n_offsets; i++)
		g_string_append_printf(
		    cadence, "%s%d", i > 0 ? "," : "", c->cadence.offsets[i]);
	for (i = 0; c != NULL && i < 7; i++)
		if (c->cadence.weekend & (1u << i))
			g_string_append_printf(weekend, "%s%s",
			    weekend->len > 0 ? "," : "", weekday_names[i]);
	repeat =
	    g_strdup_printf("%d", c != NULL ? c->cadence.repeat_every : 30);
	gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
	gtk_grid_set_column_spacing(GTK_GRID(grid), 8);
	gtk_container_set_border_width(GTK_CONTAINER(grid), 8);
	pp->cadence = prefs_row(GTK_GRID(grid), 0, "Cadence (days)",
	    cadence->str, "Days after the unanswered message: 1,3,7,14,28,58");
	pp->repeat_every = prefs_row(GTK_GRID(grid), 1, "Then every (days)",
	    repeat, "After the list, one follow-up every N days (0: none)");
	pp->weekend = prefs_row(GTK_GRID(grid), 2, "Weekend days",
	    weekend->len > 0 ? weekend->str : "none",
	    "Follow-ups never fall on these days: sat,sun");
	pp->words = prefs_row(GTK_GRID(grid), 3, "Proposal words",
	    c != NULL ? c->proposal_words : NULL,
	    "Empty: the built-in words. \"+word\" adds, \"-word\" removes, "
	    "\"word:5\" weighs");
	pp->feed_dir = prefs_row(GTK_GRID(grid), 4, "Feed directory",
	    c != NULL ? c->feed_dir : NULL,
	    "Where followups.ics and followups-tasks.ics are written");
	pp->serve = gtk_check_button_new_with_label(
	    "Serve the feeds over HTTP (127.0.0.1 only)");
	gtk_toggle_button_set_active(
	    GTK_TOGGLE_BUTTON(pp->serve), c != NULL && c->serve);
	gtk_grid_attach(GTK_GRID(grid), pp->serve, 0, 5, 2, 1);
	port = g_strdup_printf("%u", c != NULL ? c->serve_port : 8766);
	pp->port = prefs_row(GTK_GRID(grid), 6, "Port", port,
	    "The feed server's port; the URL is in the log when it starts");
	pp->drafts = gtk_check_button_new_with_label(
	    "Open a follow-up draft in the Drafts folder when one is due");
	gtk_widget_set_tooltip_text(pp->drafts,
	    "In the Drafts folder of the account that sent the proposal: "
	    "To the prospects, in the thread, the text for that touch");
	gtk_toggle_button_set_active(
	    GTK_TOGGLE_BUTTON(pp->drafts), c == NULL || c->drafts);
	gtk_grid_attach(GTK_GRID(grid), pp->drafts, 0, 7, 2, 1);
	note = gtk_label_new("Saved in the crickets config file, shared with "
			     "`crickets watch`; serving is the plugin's own "
			     "[claws] section, so it never takes the "
			     "watcher's [serve] port.");
	gtk_label_set_line_wrap(GTK_LABEL(note), TRUE);
	gtk_label_set_xalign(GTK_LABEL(note), 0.0);
	gtk_grid_attach(GTK_GRID(grid), note, 0, 8, 2, 1);
	gtk_widget_show_all(grid);
	pp->page.widget = grid;
	g_string_free(cadence, TRUE);
	g_string_free(weekend, TRUE);
	g_free(repeat);
	g_free(port);
}

static void
prefs_destroy(PrefsPage *page)
{
}

static void
plugin_reload(void)
{
	struct crk_strv identities = {0};
	struct crk_glue_config *config = NULL;
	struct crk_glue *glue = NULL;
	char *error = NULL;

	if (crk_glue_config_load(NULL, &config, &error) != CRK_OK)
		goto fail;
	plugin_identities(&identities);
	if (crk_glue_open(config, &identities, &glue, &error) != CRK_OK)
		goto fail;
	crk_glue_free(&plugin.glue);
	crk_glue_config_free(&plugin.config);
	plugin.glue = glue;
	plugin.config = config;
	plugin_publisher_start(&identities);
	crk_strv_clear(&identities);
	plugin_serve_apply();
	plugin_schedule_publish();
	return;
fail:
	alertpanel_error("Crickets: %s",
	    error != NULL ? error
			  : "cannot "
			    "reload");
	crk_glue_config_free(&config);
	crk_strv_clear(&identities);
	free(error);
}

static void
prefs_save(PrefsPage *page)
{
	struct crickets_prefs_page *pp = (struct crickets_prefs_page *)page;
	struct crk_config_setting set[] = {
	    {"crickets", "cadence", NULL},
	    {"crickets", "repeat_every", NULL},
	    {"crickets", "weekend", NULL},
	    {"crickets", "proposal_words", NULL},
	    {"crickets", "feed_dir", NULL},
	    {"claws", "serve", NULL},
	    {"claws", "port", NULL},
	    {"claws", "drafts", NULL},
	};
	char *path;
	char *error = NULL;
	size_t i;

	set[0].value = gtk_entry_get_text(GTK_ENTRY(pp->cadence));
	set[1].value = gtk_entry_get_text(GTK_ENTRY(pp->repeat_every));
	set[2].value = gtk_entry_get_text(GTK_ENTRY(pp->weekend));
	set[3].value = gtk_entry_get_text(GTK_ENTRY(pp->words));
	set[4].value = gtk_entry_get_text(GTK_ENTRY(pp->feed_dir));
	set[5].value =
	    gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(pp->serve)) ? "yes"
								       : "no";
	set[6].value = gtk_entry_get_text(GTK_ENTRY(pp->port));
	set[7].value =
	    gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(pp->drafts)) ? "yes"
									: "no";
	for (i = 0; i < CRK_N_ELEMENTS(set); i++)
		if (*set[i].value == '\0')
			set[i].value = NULL; /* back to the default */
	path = plugin.config != NULL && plugin.config->path != NULL
	    ? crk_xstrdup(plugin.config->path)
	    : crk_glue_config_default_path();
	/* one replace: a bad port does not leave a new cadence behind */
	if (crk_config_save(path, set, CRK_N_ELEMENTS(set), &error) != CRK_OK)
		alertpanel_error("Crickets: %s", error);
	else
		plugin_reload();
	free(error);
	free(path);
}

static void
plugin_prefs_register(void)
{
	static gchar plugins_label[] = "Plugins";
	static gchar crickets_label[] = "Crickets";

	prefs_path[0] = plugins_label;
	prefs_path[1] = crickets_label;
	prefs_path[2] = NULL;
	memset(&prefs_page, 0, sizeof(prefs_page));
	prefs_page.page.path = prefs_path;
	prefs_page.page.create_widget = prefs_create;
	prefs_page.page.destroy_widget = prefs_destroy;
	prefs_page.page.save_page = prefs_save;
	prefs_page.page.weight = 40.0;
	prefs_gtk_register_page((PrefsPage *)&prefs_page);
}

static void
plugin_unregister(void)
{
	if (plugin.hook_filtering != 0)
		hooks_unregister_hook(
		    MAIL_FILTERING_HOOKLIST, plugin.hook_filtering);
	if (plugin.hook_postfiltering != 0)
		hooks_unregister_hook(
		    MAIL_POSTFILTERING_HOOKLIST, plugin.hook_postfiltering);
	if (plugin.hook_item_update != 0)
		hooks_unregister_hook(
		    FOLDER_ITEM_UPDATE_HOOKLIST, plugin.hook_item_update);
	plugin.hook_filtering = 0;
	plugin.hook_postfiltering = 0;
	plugin.hook_item_update = 0;
}

gint
plugin_init(gchar **error)
{
	struct crk_strv identities = {0};
	char *crk_error = NULL;
	enum crk_status status;

	if (!check_plugin_version(MAKE_NUMERIC_VERSION(4, 1, 0, 0),
		VERSION_NUMERIC, CRK_PLUGIN_NAME, error))
		return -1;
	memset(&plugin, 0, sizeof(plugin));
	plugin.main_thread = g_thread_self();
	g_queue_init(&plugin.pending);
	plugin.seen =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	plugin.tag_seen =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	crk_log_set_handler(plugin_log, NULL);
	status = crk_glue_config_load(NULL, &plugin.config, &crk_error);
	if (status != CRK_OK)
		goto fail;
	if (plugin.config->timezone != NULL)
		g_setenv("TZ", plugin.config->timezone, TRUE);
	plugin_identities(&identities);
	status =
	    crk_glue_open(plugin.config, &identities, &plugin.glue, &crk_error);
	if (status == CRK_OK)
		plugin_publisher_start(&identities);
	crk_strv_clear(&identities);
	if (status != CRK_OK)
		goto fail;
	plugin.hook_filtering = hooks_register_hook(
	    MAIL_FILTERING_HOOKLIST, plugin_filtering_hook, NULL);
	plugin.hook_postfiltering = hooks_register_hook(
	    MAIL_POSTFILTERING_HOOKLIST, plugin_postfiltering_hook, NULL);
	plugin.hook_item_update = hooks_register_hook(
	    FOLDER_ITEM_UPDATE_HOOKLIST, plugin_item_update_hook, NULL);
	if (plugin.hook_filtering == HOOK_NONE ||
	    plugin.hook_postfiltering == HOOK_NONE ||
	    plugin.hook_item_update == HOOK_NONE) {
		crk_error_set(&crk_error, "cannot register the mail hooks");
		goto fail;
	}
	log_message(LOG_PROTOCOL, "crickets: store %s, feeds into %s\n",
	    plugin.config->database, plugin.config->feed_dir);
	plugin_menus_add();
	plugin_prefs_register();
	plugin_serve_apply();
	plugin.tag_source = g_timeout_add(TAGS_POLL_MS, plugin_tags_poll, NULL);
	plugin.tick_source = g_timeout_add_seconds(TICK_S, plugin_tick, NULL);
	/* The feeds reflect today even before the first mail arrives. */
	plugin_schedule_publish();
	return 0;
fail:
	*error = g_strdup_printf(
	    "crickets: %s", crk_error != NULL ? crk_error : "cannot start");
	free(crk_error);
	plugin_done();
	return -1;
}

gboolean
plugin_done(void)
{
	MsgInfo *msginfo;

	plugin_unregister();
	plugin_menus_remove();
	if (prefs_page.page.save_page != NULL)
		prefs_gtk_unregister_page((PrefsPage *)&prefs_page);
	prefs_page.page.save_page = NULL;
	if (plugin.rescan_source != 0)
		g_source_remove(plugin.rescan_source);
	if (plugin.tag_source != 0)
		g_source_remove(plugin.tag_source);
	plugin.tag_source = 0;
	if (plugin.tick_source != 0)
		g_source_remove(plugin.tick_source);
	plugin.tick_source = 0;
	procmsg_msg_list_free(plugin.tag_watch);
	plugin.tag_watch = NULL;
	if (plugin.tag_seen != NULL)
		g_hash_table_destroy(plugin.tag_seen);
	plugin.tag_seen = NULL;
	if (plugin.ingest_source != 0)
		g_source_remove(plugin.ingest_source);
	if (plugin.publish_source != 0) {
		/* Unsaved changes still reach the feeds: the publisher runs
		 * a request still waiting before it stops. */
		g_source_remove(plugin.publish_source);
		plugin_publish_timeout(NULL);
	}
	crk_glue_publisher_stop(&plugin.publisher);
	plugin.rescan_source = 0;
	plugin.ingest_source = 0;
	plugin.publish_source = 0;
	g_slist_free(plugin.rescan_items);
	plugin.rescan_items = NULL;
	while ((msginfo = g_queue_pop_head(&plugin.pending)) != NULL)
		procmsg_msginfo_free(&msginfo);
	if (plugin.seen != NULL)
		g_hash_table_destroy(plugin.seen);
	plugin.seen = NULL;
	/* Stopped before the store goes: a request in flight only reads
	 * the feed files, but the port must be free for the next load. */
	crk_server_free(&plugin.server);
	crk_glue_free(&plugin.glue);
	crk_glue_config_free(&plugin.config);
	crk_log_set_handler(NULL, NULL);
	return TRUE;
}

const gchar *
plugin_name(void)
{
	return "Crickets";
}

const gchar *
plugin_desc(void)
{
	return "Finds the proposals you sent that got no reply, keeps a "
	       "follow-up cadence until a clear yes or no, and publishes "
	       "the follow-ups as calendar feeds. Shares its store and "
	       "feeds with the crickets watcher.";
}

const gchar *
plugin_type(void)
{
	return "GTK3";
}

const gchar *
plugin_licence(void)
{
	return "GPL3+";
}

const gchar *
plugin_version(void)
{
	return CRK_VERSION;
}

struct PluginFeature *
plugin_provides(void)
{
	static struct PluginFeature features[] = {
	    {PLUGIN_UTILITY, "Crickets"},
	    {PLUGIN_NOTHING, NULL},
	};

	return features;
}
