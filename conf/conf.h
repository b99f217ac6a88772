/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The crickets config file (INI via inih): paths, cadence, accounts, feed
 * server. */
#ifndef CRK_CONF_H
#define CRK_CONF_H

#include <stdbool.h>

#include "core/cadence.h"
#include "core/classify.h"
#include "core/common.h"

enum crk_tls_mode {
	CRK_TLS_IMAPS,
	CRK_TLS_STARTTLS,
	CRK_TLS_NONE, /* refused unless the host is loopback */
};

struct crk_account_config {
	char *name;    /* owned; from "[account NAME]" */
	char *host;    /* owned */
	unsigned port; /* default 993 (imaps) or 143 */
	enum crk_tls_mode tls;
	char *ca_file; /* owned; NULL: system trust store only */
	char *user;    /* owned */
	char
	    *password_command; /* owned; run by /bin/sh, first line of stdout */
	char *password_file;   /* owned; must not be group/other readable */
	char *auth;            /* owned; "login" (default) or "plain" */
	struct crk_strv identities;       /* normalised addresses */
	struct crk_strv internal_domains; /* lowercased */
	struct crk_strv folders;          /* empty: all but Trash/Junk/Drafts */
	char *sent_folder;   /* owned; NULL: found by SPECIAL-USE/names */
	char *drafts_folder; /* owned; NULL: found by SPECIAL-USE/names */
	bool drafts;         /* write follow-up drafts (default yes) */
};

struct crk_config {
	char *path;          /* owned; the file read, NULL when none */
	char *database;      /* owned; expanded */
	char *feed_dir;      /* owned; expanded */
	char *templates_dir; /* owned; expanded; rep's own templates */
	char *timezone;      /* owned; NULL: the system's */
	unsigned feed_mode;  /* file mode of written feeds, default 0600 */
	unsigned draft_hour; /* local hour drafts are opened on the due day */
	struct crk_cadence cadence;
	struct crk_rules rules; /* words from [crickets]; identities and
				   internal domains of all accounts */
	struct crk_account_config *accounts; /* owned */
	size_t n_accounts;
	bool serve_enabled;   /* [serve] present */
	char *serve_listen;   /* owned; "127.0.0.1:8765" */
	char *serve_token;    /* owned; generated and saved when missing */
	char *proposal_words; /* owned; the raw value, NULL when unset */
	/* [claws]: the Claws plugin's own settings (the watcher only checks
	 * them).  A section of its own so a watcher's [serve] on the same
	 * machine never fights the plugin over the port. */
	struct {
		bool serve; /* serve the feeds on 127.0.0.1:port, default no */
		unsigned port; /* default CRK_CLAWS_PORT; 0: any free port */
		char *token;   /* owned; NULL until generated */
		bool drafts;   /* follow-up drafts in Claws, default yes */
	} claws;
};

/* The Claws plugin's default feed server port (the watcher's is 8765). */
#define CRK_CLAWS_PORT 8766

/* The default config path: $XDG_CONFIG_HOME/crickets/config, or
 * ~/.config/crickets/config.  Owned. */
char *crk_config_default_path(void);

/* Expands a leading "~/" (or "~") to $HOME.  Owned. */
char *crk_config_expand_path(const char *path);

/* The defaults, as for an empty file (path NULL).  Caller owns it. */
struct crk_config *crk_config_new(void);

/* Reads the config at path (NULL: the default path).  A missing file at
 * the default path gives the defaults (no accounts) when allow_missing;
 * otherwise CRK_E_NOTFOUND with a message that says where it looked and
 * shows a minimal example.  Syntax errors and bad values are CRK_E_INVAL
 * with "FILE:LINE: ..." in the message.  Unknown keys are warned about
 * through crk_log, not refused.  Caller owns *config_r. */
enum crk_status crk_config_load(const char *path, bool allow_missing,
    struct crk_config **config_r, char **error_r);
void crk_config_free(struct crk_config **config);

/* Gets an account's password from password_command or password_file.
 * Never logs it.  A password_file readable by group or others is refused
 * (CRK_E_INVAL), as is an account with neither.  Caller frees with
 * crk_config_password_free (which wipes it). */
enum crk_status crk_config_password(const struct crk_account_config *account,
    char **password_r, char **error_r);
void crk_config_password_free(char **password);

/* One key of the config file to set: value NULL removes the key (back
 * to the default). */
struct crk_config_setting {
	const char *section;
	const char *key;
	const char *value;
};

/* Sets keys of the config file at path (made 0600, with its directories,
 * when missing), keeping every other line, comment and section byte for
 * byte: a key's line in its section is replaced in place (the first one;
 * later duplicates are dropped), a new key goes after the last key of its
 * section, a missing section is appended.  The file a symbolic link
 * points to is replaced, keeping its mode.  All n settings land together
 * or none does: the new text is checked with crk_config_load before it
 * replaces the file (atomically, by rename), so a bad value never reaches
 * it: CRK_E_INVAL with the reader's message.  CRK_E_IO on file errors. */
enum crk_status crk_config_save(const char *path,
    const struct crk_config_setting *settings, size_t n, char **error_r);

/* Makes a random 128-bit feed token (hex) and saves it as "token" in
 * section of the config file at path (crk_config_save).  Caller owns
 * *token_r. */
enum crk_status crk_config_new_token(
    const char *path, const char *section, char **token_r, char **error_r);

/* Makes sure serve_token is set: generates a random 128-bit token (hex)
 * and adds it to the config file's [serve] section when missing. */
enum crk_status
crk_config_ensure_token(struct crk_config *config, char **error_r);

#endif
