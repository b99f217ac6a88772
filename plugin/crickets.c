/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Claws Mail plugin: hooks Claws' mail flow into the crickets engine. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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
#pragma GCC diagnostic pop

#include "core/common.h"
#include "plugin/glue.h"

#define CRK_PLUGIN_NAME "crickets"

/* Delay before a folder that changed is rescanned, so a burst of updates
 * (a whole send queue, a mail check) gives one rescan. */
#define RESCAN_DELAY_MS 700
/* Delay before the feeds are written after the last change. */
#define PUBLISH_DELAY_MS 1500
/* How many of a folder's newest messages a rescan looks at. */
#define RESCAN_WINDOW 300

struct plugin_state {
	struct crk_glue_config *config; /* owned */
	struct crk_glue *glue;		/* owned */
	gulong hook_filtering;
	gulong hook_postfiltering;
	gulong hook_item_update;
	GQueue pending;	      /* MsgInfo refs waiting to be ingested */
	GHashTable *seen;     /* msgid -> 1: queued or ingested this run */
	GSList *rescan_items; /* FolderItems waiting for a rescan */
	guint rescan_source;
	guint ingest_source;
	guint publish_source;
};

static struct plugin_state plugin;

static void
plugin_log(enum crk_log_level level, const char *msg, void *context)
{
	switch (level) {
	case CRK_LOG_DEBUG:
		debug_print("crickets: %s\n", msg);
		break;
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

/* The Claws account a message belongs to: the folder's own account
 * (IMAP), else the account whose address sent it, else the default. */
static PrefsAccount *
plugin_account_of(MsgInfo *msginfo)
{
	PrefsAccount *ac = NULL;

	if (msginfo->folder != NULL && msginfo->folder->folder != NULL &&
	    msginfo->folder->folder->account != NULL)
		return msginfo->folder->folder->account;
	if (msginfo->from != NULL) {
		gchar *addr = g_strdup(msginfo->from);

		extract_address(addr);
		ac = account_find_from_address(addr, FALSE);
		g_free(addr);
	}
	return ac != NULL ? ac : account_get_default();
}

static const char *
plugin_account_name(PrefsAccount *ac)
{
	if (ac == NULL || ac->account_name == NULL)
		return "claws";
	return ac->account_name;
}

static void
plugin_schedule_publish(void);

/* Reads one message from Claws and hands it to the engine. */
static void
plugin_ingest_msginfo(MsgInfo *msginfo, time_t now)
{
	struct crk_strv tags = { 0 };
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

static gboolean
plugin_publish_timeout(gpointer data)
{
	char *error = NULL;
	enum crk_status status;

	plugin.publish_source = 0;
	if (plugin.glue == NULL)
		return G_SOURCE_REMOVE;
	status = crk_glue_publish(plugin.glue, time(NULL), &error);
	if (status != CRK_OK)
		log_warning(LOG_PROTOCOL, "crickets: cannot publish the feeds: "
					  "%s\n",
		    error != NULL ? error : crk_status_str(status));
	else
		debug_print("crickets: feeds published into %s\n",
		    plugin.config->feed_dir);
	free(error);
	return G_SOURCE_REMOVE;
}

static void
plugin_schedule_publish(void)
{
	if (plugin.publish_source != 0)
		g_source_remove(plugin.publish_source);
	plugin.publish_source = g_timeout_add(PUBLISH_DELAY_MS,
	    plugin_publish_timeout, NULL);
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
	int n = 0;

	list = folder_item_get_msg_list(item);
	list = g_slist_sort(list, plugin_msgnum_desc);
	for (cur = list; cur != NULL && n < RESCAN_WINDOW; cur = cur->next) {
		plugin_enqueue(cur->data);
		n++;
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
		plugin.rescan_items = g_slist_prepend(plugin.rescan_items,
		    item);
	if (plugin.rescan_source == 0)
		plugin.rescan_source = g_timeout_add(RESCAN_DELAY_MS,
		    plugin_rescan_timeout, NULL);
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

static void
plugin_unregister(void)
{
	if (plugin.hook_filtering != 0)
		hooks_unregister_hook(MAIL_FILTERING_HOOKLIST,
		    plugin.hook_filtering);
	if (plugin.hook_postfiltering != 0)
		hooks_unregister_hook(MAIL_POSTFILTERING_HOOKLIST,
		    plugin.hook_postfiltering);
	if (plugin.hook_item_update != 0)
		hooks_unregister_hook(FOLDER_ITEM_UPDATE_HOOKLIST,
		    plugin.hook_item_update);
	plugin.hook_filtering = 0;
	plugin.hook_postfiltering = 0;
	plugin.hook_item_update = 0;
}

gint
plugin_init(gchar **error)
{
	struct crk_strv identities = { 0 };
	char *crk_error = NULL;
	enum crk_status status;

	if (!check_plugin_version(MAKE_NUMERIC_VERSION(4, 1, 0, 0),
		VERSION_NUMERIC, CRK_PLUGIN_NAME, error))
		return -1;
	memset(&plugin, 0, sizeof(plugin));
	g_queue_init(&plugin.pending);
	plugin.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	crk_log_set_handler(plugin_log, NULL);
	status = crk_glue_config_load(NULL, &plugin.config, &crk_error);
	if (status != CRK_OK)
		goto fail;
	if (plugin.config->timezone != NULL)
		g_setenv("TZ", plugin.config->timezone, TRUE);
	plugin_identities(&identities);
	status = crk_glue_open(plugin.config, &identities, &plugin.glue,
	    &crk_error);
	crk_strv_clear(&identities);
	if (status != CRK_OK)
		goto fail;
	plugin.hook_filtering = hooks_register_hook(MAIL_FILTERING_HOOKLIST,
	    plugin_filtering_hook, NULL);
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
	/* The feeds reflect today even before the first mail arrives. */
	plugin_schedule_publish();
	return 0;
fail:
	*error = g_strdup_printf("crickets: %s",
	    crk_error != NULL ? crk_error : "cannot start");
	free(crk_error);
	plugin_done();
	return -1;
}

gboolean
plugin_done(void)
{
	MsgInfo *msginfo;

	plugin_unregister();
	if (plugin.rescan_source != 0)
		g_source_remove(plugin.rescan_source);
	if (plugin.ingest_source != 0)
		g_source_remove(plugin.ingest_source);
	if (plugin.publish_source != 0) {
		/* Unsaved changes still reach the feeds. */
		g_source_remove(plugin.publish_source);
		plugin_publish_timeout(NULL);
	}
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
		{ PLUGIN_UTILITY, "Crickets" },
		{ PLUGIN_NOTHING, NULL },
	};

	return features;
}
