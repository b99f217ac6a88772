/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only Claws plugin: answers the password hook, clicks Crickets menu
 * items. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* See plugin/crickets.c: Claws' headers and our stricter warnings. */
#define HAVE_ALLOCA_H 1
#define HAVE_NETDB_H 1
#define HAVE_WCHAR_H 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wundef"
#include <claws-features.h>

#include "account.h"
#include "compose.h"
#include "folder.h"
#include "folderview.h"
#include "mainwindow.h"
#include "procmsg.h"
#include "summaryview.h"
#include "common/hooks.h"
#include "common/plugin.h"
#include "common/tags.h"
#include "common/version.h"
#pragma GCC diagnostic pop

/* The Claws integration test loads this next to crickets.so so that Claws
 * logs into the test dovecot without a password dialog or a stored
 * (encrypted) password.  Never installed. */
static gulong hook_id;
static guint trigger_source;
static guint error_source;

/* Test only: when $CRK_TEST_CLAWS_TRIGGER names a file holding
 * "MESSAGE-ID ACTION" (ACTION as in the Crickets menu: Won, Lost,
 * NotYet ...), selects that mail in its Sent folder and activates the
 * menu item, as a click would; then renames the file to FILE.done. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
/* Test only: "- DumpCompose" writes what the newest compose window would
 * send (In-Reply-To, References, To, Subject, a blank line, the body)
 * into FILE.compose and closes the window, so the test can check what
 * "Follow up now" opened. */
static void
trigger_dump_compose(const char *file)
{
	const GList *list = compose_get_compose_list();
	Compose *compose;
	GtkTextBuffer *buffer;
	GtkTextIter start, end;
	GString *out;
	gchar *body;
	gchar *path;
	GSList *cur;

	if (list == NULL)
		return;
	compose = g_list_last((GList *)list)->data;
	out = g_string_new(NULL);
	g_string_append_printf(out, "In-Reply-To: <%s>\nReferences: %s\n",
	    compose->inreplyto != NULL ? compose->inreplyto : "",
	    compose->references != NULL ? compose->references : "");
	for (cur = compose->header_list; cur != NULL; cur = cur->next) {
		ComposeHeaderEntry *h = cur->data;
		const gchar *v = gtk_entry_get_text(GTK_ENTRY(h->entry));
		GtkWidget *name = gtk_bin_get_child(GTK_BIN(h->combo));

		if (v != NULL && *v != '\0')
			g_string_append_printf(out, "%s %s\n",
			    GTK_IS_ENTRY(name)
				? gtk_entry_get_text(GTK_ENTRY(name))
				: "?:",
			    v);
	}
	g_string_append_printf(out, "Subject: %s\n\n",
	    gtk_entry_get_text(GTK_ENTRY(compose->subject_entry)));
	buffer = gtk_text_view_get_buffer(GTK_TEXT_VIEW(compose->text));
	gtk_text_buffer_get_bounds(buffer, &start, &end);
	body = gtk_text_buffer_get_text(buffer, &start, &end, FALSE);
	g_string_append(out, body);
	path = g_strdup_printf("%s.compose", file);
	if (!g_file_set_contents(path, out->str, (gssize)out->len, NULL))
		g_warning("crickets-testpw: cannot write %s", path);
	compose_close(compose);
	g_free(path);
	g_free(body);
	g_string_free(out, TRUE);
}

/* The answer the next input dialog gets ("Snooze", "Log a call"): those
 * run a nested main loop inside the click, so a source of its own fills
 * the entry and presses Enter, as a rep would. */
static gchar *dialog_answer;
static guint dialog_source;

/* The first widget under w (w too, depth first) that match accepts. */
static GtkWidget *
find_widget(GtkWidget *w, gboolean (*match)(GtkWidget *, const void *),
    const void *data)
{
	GList *children, *cur;
	GtkWidget *found = NULL;

	if (match(w, data))
		return w;
	if (!GTK_IS_CONTAINER(w))
		return NULL;
	children = gtk_container_get_children(GTK_CONTAINER(w));
	for (cur = children; cur != NULL && found == NULL; cur = cur->next)
		found = find_widget(cur->data, match, data);
	g_list_free(children);
	return found;
}

/* data: a GType, by address */
static gboolean
is_type(GtkWidget *w, const void *data)
{
	return G_TYPE_CHECK_INSTANCE_TYPE(w, *(const GType *)data);
}

/* data: the label, "OK" also matches the mnemonic "_OK" */
static gboolean
is_button(GtkWidget *w, const void *data)
{
	const gchar *l;

	if (!GTK_IS_BUTTON(w) ||
	    (l = gtk_button_get_label(GTK_BUTTON(w))) == NULL)
		return FALSE;
	return strcmp(l, data) == 0 ||
	    (l[0] == '_' && strcmp(l + 1, data) == 0);
}

/* data: the text */
static gboolean
is_label(GtkWidget *w, const void *data)
{
	return GTK_IS_LABEL(w) &&
	    strcmp(gtk_label_get_text(GTK_LABEL(w)), data) == 0;
}

static GtkWidget *
find_entry(GtkWidget *w)
{
	GType type = GTK_TYPE_ENTRY;

	return find_widget(w, is_type, &type);
}

/* The toplevel window with this title, or NULL. */
static GtkWidget *
find_window(const char *title)
{
	GList *list = gtk_window_list_toplevels();
	GList *cur;
	GtkWidget *found = NULL;

	for (cur = list; cur != NULL && found == NULL; cur = cur->next) {
		const gchar *t = gtk_window_get_title(GTK_WINDOW(cur->data));

		if (t != NULL && strcmp(t, title) == 0 &&
		    gtk_widget_get_visible(cur->data))
			found = cur->data;
	}
	g_list_free(list);
	return found;
}

static gboolean
dialog_poll(gpointer data)
{
	static const char *const titles[] = {"Snooze", "Log a call"};
	GtkWidget *win = NULL;
	GtkWidget *entry;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(titles) && win == NULL; i++)
		win = find_window(titles[i]);
	if (win == NULL || (entry = find_entry(win)) == NULL)
		return G_SOURCE_CONTINUE;
	gtk_entry_set_text(GTK_ENTRY(entry), dialog_answer);
	g_signal_emit_by_name(entry, "activate");
	g_free(dialog_answer);
	dialog_answer = NULL;
	dialog_source = 0;
	return G_SOURCE_REMOVE;
}

/* The texts of the labels in w, one per line. */
static void
collect_labels(GtkWidget *w, GString *out)
{
	GList *children, *cur;

	if (GTK_IS_LABEL(w)) {
		g_string_append_printf(
		    out, "%s\n", gtk_label_get_text(GTK_LABEL(w)));
		return;
	}
	if (!GTK_IS_CONTAINER(w))
		return;
	children = gtk_container_get_children(GTK_CONTAINER(w));
	for (cur = children; cur != NULL; cur = cur->next)
		collect_labels(cur->data, out);
	g_list_free(children);
}

/* An error dialog blocks every later click: its text goes to
 * FILE.errors, so a test can check what Claws complained about, then it
 * is closed. */
static gboolean
error_poll(gpointer data)
{
	const char *file = getenv("CRK_TEST_CLAWS_TRIGGER");
	GtkWidget *win = find_window("Error");
	GString *out;
	gchar *path;

	if (win == NULL || file == NULL)
		return G_SOURCE_CONTINUE;
	out = g_string_new(NULL);
	collect_labels(win, out);
	path = g_strdup_printf("%s.errors", file);
	if (!g_file_set_contents(path, out->str, (gssize)out->len, NULL))
		g_warning("crickets-testpw: cannot write %s", path);
	g_free(path);
	g_string_free(out, TRUE);
	/* as the rep closes it; the test reads what it said */
	gtk_window_close(GTK_WINDOW(win));
	return G_SOURCE_CONTINUE;
}

/* Test only: "- DumpSilent" writes the rows of Tools > Silent proposals
 * (prospect, subject, days, touch, due, state; tab separated) into
 * FILE.silent; "- ActivateSilent N" double-clicks row N (from 0). */
static void
trigger_silent(const char *file, const char *what, const char *arg)
{
	GtkWidget *win = find_window("Silent proposals");
	GtkTreeView *view;
	GtkTreeModel *model;
	GtkTreeIter iter;
	GString *out;
	gchar *path;
	gboolean ok;

	if (win == NULL)
		return;
	view = g_object_get_data(G_OBJECT(win), "view");
	model = gtk_tree_view_get_model(view);
	if (strcmp(what, "ActivateSilent") == 0) {
		GtkTreePath *tp =
		    gtk_tree_path_new_from_string(arg != NULL ? arg : "0");
		MainWindow *mainwin = mainwindow_get_mainwindow();
		GList *cur;

		/* away from Sent first, so the selection is the row's doing */
		for (cur = folder_get_list(); cur != NULL; cur = cur->next) {
			Folder *folder = cur->data;

			if (folder->inbox != NULL) {
				folderview_select(
				    mainwin->folderview, folder->inbox);
				break;
			}
		}

		gtk_tree_view_row_activated(
		    view, tp, gtk_tree_view_get_column(view, 0));
		gtk_tree_path_free(tp);
		return;
	}
	out = g_string_new(NULL);
	for (ok = gtk_tree_model_get_iter_first(model, &iter); ok;
	     ok = gtk_tree_model_iter_next(model, &iter)) {
		gchar *prospect, *subject, *due, *state;
		gint days, touch;

		gtk_tree_model_get(model, &iter, 0, &prospect, 1, &subject, 2,
		    &days, 3, &touch, 4, &due, 5, &state, -1);
		g_string_append_printf(out, "%s\t%s\t%d\t%d\t%s\t%s\n",
		    prospect, subject, days, touch, due, state);
		g_free(prospect);
		g_free(subject);
		g_free(due);
		g_free(state);
	}
	path = g_strdup_printf("%s.silent", file);
	if (!g_file_set_contents(path, out->str, (gssize)out->len, NULL))
		g_warning("crickets-testpw: cannot write %s", path);
	g_free(path);
	g_string_free(out, TRUE);
}

/* Selects the row titled name in a tree model (any depth). */
static gboolean
select_title(
    GtkTreeModel *model, GtkTreePath *path, GtkTreeIter *iter, gpointer data)
{
	GtkTreeView *view = data;
	const char *name = g_object_get_data(G_OBJECT(view), "crk-want");
	gchar *title = NULL;
	gboolean hit;

	gtk_tree_model_get(model, iter, 0, &title, -1);
	hit = title != NULL && strcmp(title, name) == 0;
	if (hit) {
		gtk_tree_view_expand_to_path(view, path);
		gtk_tree_selection_select_path(
		    gtk_tree_view_get_selection(view), path);
	}
	g_free(title);
	return hit;
}

/* Test only: "- Prefs LABEL=VALUE" opens Configuration > Preferences,
 * goes to Plugins > Crickets, types VALUE into the entry of the row
 * LABEL and presses OK, as a rep would. */
static void
trigger_prefs(const char *arg, MainWindow *mainwin)
{
	GtkAction *action = gtk_action_group_get_action(
	    mainwin->action_group, "Configuration/Preferences");
	const char *eq = arg != NULL ? strchr(arg, '=') : NULL;
	GtkWidget *win, *view, *label, *grid, *entry, *ok;
	GType tree_view = GTK_TYPE_TREE_VIEW;
	gchar *name;
	gint top = 0;

	if (action == NULL || eq == NULL)
		return;
	gtk_action_activate(action);
	if ((win = find_window("Preferences")) == NULL ||
	    (view = find_widget(win, is_type, &tree_view)) == NULL) {
		g_warning("crickets-testpw: no preferences window");
		return;
	}
	g_object_set_data(G_OBJECT(view), "crk-want", (gpointer) "Crickets");
	gtk_tree_model_foreach(
	    gtk_tree_view_get_model(GTK_TREE_VIEW(view)), select_title, view);
	name = g_strndup(arg, (gsize)(eq - arg));
	label = find_widget(win, is_label, name);
	g_free(name);
	grid = label != NULL ? gtk_widget_get_parent(label) : NULL;
	if (grid == NULL || !GTK_IS_GRID(grid)) {
		g_warning("crickets-testpw: no such row on the page");
		return;
	}
	gtk_container_child_get(
	    GTK_CONTAINER(grid), label, "top-attach", &top, NULL);
	entry = gtk_grid_get_child_at(GTK_GRID(grid), 1, top);
	if (entry == NULL || !GTK_IS_ENTRY(entry))
		return;
	gtk_entry_set_text(GTK_ENTRY(entry), eq + 1);
	if ((ok = find_widget(win, is_button, "OK")) != NULL)
		gtk_button_clicked(GTK_BUTTON(ok));
}

/* Test only: "- DumpSelected" writes the Message-ID of the mail selected
 * in the message list into FILE.selected. */
static void
trigger_dump_selected(const char *file, MainWindow *mainwin)
{
	MsgInfo *msginfo = summary_get_selected_msg(mainwin->summaryview);
	gchar *path = g_strdup_printf("%s.selected", file);

	if (!g_file_set_contents(path,
		msginfo != NULL && msginfo->msgid != NULL ? msginfo->msgid : "",
		-1, NULL))
		g_warning("crickets-testpw: cannot write %s", path);
	g_free(path);
}

static gboolean
trigger_poll(gpointer data)
{
	const char *file = getenv("CRK_TEST_CLAWS_TRIGGER");
	MainWindow *mainwin = mainwindow_get_mainwindow();
	gchar *text = NULL;
	gchar **parts = NULL;
	gchar *done;
	gchar *name;
	GtkAction *action;
	GList *cur;
	gboolean tag;

	if (file == NULL || mainwin == NULL ||
	    !g_file_get_contents(file, &text, NULL, NULL))
		return G_SOURCE_CONTINUE;
	/* MESSAGE-ID ACTION [ANSWER]: the answer goes to the action's
	 * dialog */
	parts = g_strsplit(g_strstrip(text), " ", 3);
	if (parts[0] == NULL || parts[1] == NULL)
		goto out;
	if (strcmp(parts[1], "DumpCompose") == 0) {
		trigger_dump_compose(file);
		goto out;
	}
	if (strcmp(parts[1], "DumpSilent") == 0 ||
	    strcmp(parts[1], "ActivateSilent") == 0) {
		trigger_silent(file, parts[1], parts[2]);
		goto out;
	}
	if (strcmp(parts[1], "Prefs") == 0) {
		trigger_prefs(parts[2], mainwin);
		goto out;
	}
	if (strcmp(parts[1], "DumpSelected") == 0) {
		trigger_dump_selected(file, mainwin);
		goto out;
	}
	if (strcmp(parts[1], "Silent") == 0) {
		action = gtk_action_group_get_action(
		    mainwin->action_group, "Tools/CricketsSilent");
		if (action != NULL)
			gtk_action_activate(action);
		goto out;
	}
	tag = strcmp(parts[1], "Tag") == 0;
	if (parts[2] != NULL && dialog_source == 0 && !tag) {
		dialog_answer = g_strdup(parts[2]);
		dialog_source = g_timeout_add(100, dialog_poll, NULL);
	}
	for (cur = folder_get_list(); cur != NULL; cur = cur->next) {
		Folder *folder = cur->data;
		MsgInfo *msginfo;

		if (folder->outbox == NULL)
			continue;
		msginfo =
		    folder_item_get_msginfo_by_msgid(folder->outbox, parts[0]);
		if (msginfo == NULL) {
			/* a mail the test just put into the folder */
			folder_item_scan(folder->outbox);
			msginfo = folder_item_get_msginfo_by_msgid(
			    folder->outbox, parts[0]);
		}
		if (msginfo == NULL)
			continue;
		folderview_select(mainwin->folderview, folder->outbox);
		summary_select_by_msgnum(
		    mainwin->summaryview, msginfo->msgnum, FALSE);
		procmsg_msginfo_free(&msginfo);
		break;
	}
	if (tag) {
		/* "MESSAGE-ID Tag NAME": the tag set by hand, as Claws'
		 * Tags menu does it on the selected mail */
		gint id = tags_get_id_for_str(parts[2]);

		if (id == -1) {
			id = tags_add_tag(parts[2]);
			tags_write_tags();
		}
		summary_set_tag(mainwin->summaryview, id, NULL);
		goto out;
	}
	name = g_strdup_printf("Message/Crickets/%s", parts[1]);
	action = gtk_action_group_get_action(mainwin->action_group, name);
	g_free(name);
	if (action != NULL)
		gtk_action_activate(action);
out:
	done = g_strdup_printf("%s.done", file);
	rename(file, done);
	g_free(done);
	g_strfreev(parts);
	g_free(text);
	return G_SOURCE_CONTINUE;
}
#pragma GCC diagnostic pop

static gboolean
testpw_hook(gpointer source, gpointer data)
{
	PasswordRequest *req = source;
	const char *pw = getenv("CRK_TEST_CLAWS_PASSWORD");

	if (req == NULL || pw == NULL)
		return FALSE;
	req->password = g_strdup(pw);
	return TRUE;
}

gint
plugin_init(gchar **error)
{
	if (!check_plugin_version(MAKE_NUMERIC_VERSION(4, 1, 0, 0),
		VERSION_NUMERIC, "crickets-testpw", error))
		return -1;
	hook_id = hooks_register_hook(PASSWORD_GET_HOOKLIST, testpw_hook, NULL);
	if (hook_id == HOOK_NONE) {
		*error = g_strdup("cannot register the password hook");
		return -1;
	}
	if (getenv("CRK_TEST_CLAWS_TRIGGER") != NULL) {
		trigger_source = g_timeout_add(250, trigger_poll, NULL);
		error_source = g_timeout_add(500, error_poll, NULL);
	}
	return 0;
}

gboolean
plugin_done(void)
{
	if (hook_id != HOOK_NONE)
		hooks_unregister_hook(PASSWORD_GET_HOOKLIST, hook_id);
	hook_id = HOOK_NONE;
	if (trigger_source != 0)
		g_source_remove(trigger_source);
	trigger_source = 0;
	if (error_source != 0)
		g_source_remove(error_source);
	error_source = 0;
	if (dialog_source != 0)
		g_source_remove(dialog_source);
	dialog_source = 0;
	g_free(dialog_answer);
	dialog_answer = NULL;
	return TRUE;
}

const gchar *
plugin_name(void)
{
	return "crickets test passwords";
}

const gchar *
plugin_desc(void)
{
	return "Test only: answers password requests from "
	       "$CRK_TEST_CLAWS_PASSWORD.";
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
	    {PLUGIN_UTILITY, "crickets test passwords"},
	    {PLUGIN_NOTHING, NULL},
	};

	return features;
}
