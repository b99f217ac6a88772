/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plugin's GTK-free glue: config, store, engine and feeds for Claws. */
#ifndef CRK_GLUE_H
#define CRK_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/cadence.h"
#include "core/classify.h"
#include "core/common.h"
#include "core/store.h"
#include "conf/conf.h"

/* What the plugin takes from the crickets config file: the [crickets]
 * section the watcher reads too, so both share one store and one feed
 * directory.  Accounts and identities come from Claws, not from here. */
struct crk_glue_config {
	char *path;          /* owned; the file read, NULL when none */
	char *database;      /* owned; expanded */
	char *feed_dir;      /* owned; expanded */
	char *templates_dir; /* owned; expanded; the rep's follow-up texts */
	char *timezone;      /* owned; NULL: the system's */
	unsigned feed_mode;
	struct crk_cadence cadence;
	struct crk_rules rules; /* words and threshold; no identities */
	char *proposal_words;   /* owned; the raw value, NULL when unset */
	/* The [claws] section, the plugin's own (the watcher only checks it):
	 * serve the feeds over HTTP on 127.0.0.1:serve_port under
	 * serve_token.  A section of its own so a watcher's [serve] running
	 * on the same machine never fights the plugin over the port. */
	bool serve;          /* serve = yes|no, default no */
	unsigned serve_port; /* port = N, default 8766; 0: any free port */
	char *serve_token;   /* owned; token = ..., NULL until generated */
	/* drafts = yes|no (default yes): open a follow-up draft in the
	 * Drafts folder of the Claws account that sent the proposal, as the
	 * watcher does on the server; from draft_hour ([crickets], local
	 * time, default 8) on the due day. */
	bool drafts;
	unsigned draft_hour;
	/* The watcher's [account NAME] sections, only as far as naming
	 * goes: a Claws account that is the same mailbox files its mail
	 * under NAME, so both share one set of proposals. */
	struct crk_glue_account *accounts; /* owned */
	size_t n_accounts;
};

struct crk_glue_account {
	char *name;                 /* owned */
	char *host;                 /* owned; NULL when unset */
	char *user;                 /* owned; NULL when unset */
	struct crk_strv identities; /* normalised addresses */
};

/* The config path: $CRICKETS_CONFIG when set, else
 * $XDG_CONFIG_HOME/crickets/config or ~/.config/crickets/config.  Owned. */
char *crk_glue_config_default_path(void);

/* Reads the config file at path (NULL: the default path) with the
 * watcher's reader (conf/conf.h, crk_config_load): the [crickets] keys,
 * the plugin's [claws] section (serve, port, token, drafts) and the
 * [account NAME] sections as far as naming goes.  A file the watcher
 * refuses is refused here with the same message (CRK_E_INVAL with
 * "FILE:LINE: ..."); CRK_E_IO when it cannot be read.  A missing file
 * gives the defaults (the watcher's: the store and the feeds under
 * $XDG_DATA_HOME/crickets).  Caller owns *config_r. */
enum crk_status crk_glue_config_load(
    const char *path, struct crk_glue_config **config_r, char **error_r);
void crk_glue_config_free(struct crk_glue_config **config);

/* The account name the store files a Claws account's mail under: the
 * watcher's [account NAME] that is the same mailbox (the same name,
 * else the same IMAP user on the same host, else the Claws address among
 * its identities; first match in file order), else the Claws account's
 * own name.  Any argument but config may be NULL.  Borrowed. */
const char *crk_glue_account_name(const struct crk_glue_config *config,
    const char *claws_name, const char *address, const char *imap_host,
    const char *imap_user);

/* Makes sure config->serve_token is set: generates 128 random bits (hex)
 * and saves them as [claws] token in config->path (or the default path)
 * when missing.  CRK_E_IO. */
enum crk_status
crk_glue_config_ensure_token(struct crk_glue_config *config, char **error_r);

struct crk_server;

/* Starts the feed server of the [claws] section: 127.0.0.1:serve_port,
 * the config's token (generated when missing, see above) and feed
 * directory, in a thread of its own (ical/server.c, as `crickets
 * serve`).  *url_r (owned, may be NULL) receives the calendar feed's URL.
 * CRK_E_NET when the port is taken, CRK_E_IO.  Stop with
 * crk_server_free. */
enum crk_status crk_glue_serve_start(struct crk_glue_config *config,
    struct crk_server **server_r, char **url_r, char **error_r);

struct crk_glue;

/* Opens the store (creating its directory, WAL and a busy timeout, shared
 * with `crickets watch`) and an engine with the config's rules plus the
 * given identities (the addresses of the Claws accounts; normalised
 * here).  CRK_E_DB, CRK_E_BUSY, CRK_E_IO.  Caller owns *glue_r. */
enum crk_status crk_glue_open(const struct crk_glue_config *config,
    const struct crk_strv *identities, struct crk_glue **glue_r,
    char **error_r);
void crk_glue_free(struct crk_glue **glue);

/* Borrowed store of an open glue. */
struct crk_store *crk_glue_store(struct crk_glue *glue);

/* True when a message with this Message-ID (brackets optional) is stored
 * for the account. */
bool crk_glue_has_message(
    struct crk_glue *glue, const char *account, const char *message_id);

/* Parses a whole message file (crk_message_parse_full), adds the Claws
 * tags as keywords and ingests it in its own short batch.  folder may be
 * NULL.  When notice_r is not NULL it receives a one-line notice (owned)
 * when the message changed a proposal to replied or bounced ("Jane Doe
 * replied to 'Proposal Q3'"), else NULL.  CRK_E_PARSE for a file without
 * a header, store errors as crk_engine_ingest. */
enum crk_status
crk_glue_ingest(struct crk_glue *glue, const char *account, const char *raw,
    size_t len, const struct crk_strv *tags, const char *folder, uint32_t uid,
    time_t now, char **notice_r, char **error_r);

/* Recomputes every active proposal as of now and publishes both feeds
 * into the config's feed directory.  CRK_E_IO, CRK_E_DB, CRK_E_BUSY. */
enum crk_status
crk_glue_publish(struct crk_glue *glue, time_t now, char **error_r);

/* A feed publisher off the caller's thread: a thread of its own with its
 * own store connection and engine (crk_glue_open of the same config and
 * identities), so the minutes a big store may take never stop the GUI.
 * Requests coalesce: any number made while a publish runs give one more
 * publish afterwards, as of the time of the last request.  done (may be
 * NULL) is called in the publisher's thread after each publish with its
 * status and error message (borrowed; NULL when none); the caller
 * marshals it to its own thread. */
struct crk_glue_publisher;
typedef void
crk_glue_published_fn(enum crk_status status, const char *error, void *context);

/* Opens the store for the thread and starts it.  The statuses of
 * crk_glue_open; CRK_E_IO when the thread cannot start. */
enum crk_status crk_glue_publisher_start(const struct crk_glue_config *config,
    const struct crk_strv *identities, crk_glue_published_fn *done,
    void *context, struct crk_glue_publisher **publisher_r, char **error_r);
/* Asks for a publish as of now.  Never blocks on a publish in progress. */
void
crk_glue_publisher_request(struct crk_glue_publisher *publisher, time_t now);
/* Runs a request still waiting (so a last change reaches the feeds),
 * stops the thread and closes its store.  done is not called for that
 * last publish; its error is logged.  NULL-safe. */
void crk_glue_publisher_stop(struct crk_glue_publisher **publisher);

/* The rep's actions on the proposal of a message (by Message-ID; brackets
 * optional), each its own batch.  action is one of "track", "untrack",
 * "won", "lost", "drop", "notyet", "call", "snooze" (day_arg: until).
 * CRK_E_NOTFOUND when no proposal has that message (track: when the
 * message is not stored), CRK_E_INVAL for an unknown action, else what the
 * engine returns. */
enum crk_status crk_glue_action(struct crk_glue *glue, const char *account,
    const char *message_id, const char *action, crk_day day_arg,
    const char *note, time_t now, char **error_r);

#endif
