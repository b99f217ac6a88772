/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-only Claws plugin: answers Claws' password hook from the environment. */
#include "config.h"

#include <stdlib.h>

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
#include "common/hooks.h"
#include "common/plugin.h"
#include "common/version.h"
#pragma GCC diagnostic pop

/* The Claws integration test loads this next to crickets.so so that Claws
 * logs into the test dovecot without a password dialog or a stored
 * (encrypted) password.  Never installed. */
static gulong hook_id;

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
	return 0;
}

gboolean
plugin_done(void)
{
	if (hook_id != HOOK_NONE)
		hooks_unregister_hook(PASSWORD_GET_HOOKLIST, hook_id);
	hook_id = HOOK_NONE;
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
