/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IMAP account sync into the engine: incremental, CONDSTORE, UIDVALIDITY. */
#ifndef CRK_SYNC_H
#define CRK_SYNC_H

#include <stdbool.h>
#include <time.h>

#include "core/classify.h"
#include "core/common.h"
#include "core/date.h"
#include "core/engine.h"
#include "core/store.h"
#include "conf/conf.h"
#include "watcher/imap.h"

/* UIDs per FETCH and per engine batch (one store transaction each).
 * Each commit writes the pages it changed to the WAL again (the indexes
 * on Message-IDs and addresses take random keys) and replays the
 * proposals it touched: 1000 syncs 40000 messages in 3.3 s where 500
 * took 3.5 s, at the same peak RSS (bench/; 2000: 3.1 s but 22.6 MB
 * instead of 16.6).  A batch holds the store's write lock for about
 * 0.1 s, never across the network. */
#define CRK_SYNC_BATCH 1000

struct crk_sync_options {
	time_t now;       /* the time of ingestion */
	bool dry_run;     /* fetch and judge, but change nothing */
	bool progress;    /* "folder: n/total" on stderr (a terminal) */
	int timeout_secs; /* per read/write; 0: CRK_IMAP_TIMEOUT_DEFAULT */
	/* asked between batches and folders; true ends the pass early
	 * (what is done is saved).  NULL: never */
	bool (*cancelled)(void);
};

struct crk_sync_stats {
	unsigned folders;   /* folders synced */
	unsigned fetched;   /* messages fetched (new or changed) */
	unsigned changed;   /* of those, known ones whose flags changed */
	unsigned resets;    /* folders resynced after a UIDVALIDITY change */
	unsigned proposals; /* dry run: sent messages that would be tracked */
};

/* Connects (verified TLS first), gets the password (crk_config_password,
 * never logged) and logs in.  Statuses of crk_imap_connect and
 * crk_imap_login, and of crk_config_password.  Caller owns *imap_r. */
enum crk_status crk_sync_connect(const struct crk_account_config *account,
    int timeout_secs, struct crk_imap **imap_r, char **error_r);

/* The folders a sync reads, in order (INBOX first, then Sent, then the
 * rest): the account's `folders` when set (each must exist), else every
 * selectable folder but Trash, Junk, Drafts and virtual \Flagged ones.
 * *sent_r / *drafts_r (owned, may be NULL; either pointer may be NULL)
 * name the Sent and Drafts folders (config, SPECIAL-USE, common names).
 * CRK_E_NOTFOUND when a configured folder does not exist. */
enum crk_status
crk_sync_plan(struct crk_imap *imap, const struct crk_account_config *account,
    struct crk_strv *folders_r, char **sent_r, char **drafts_r, char **error_r);

/* Syncs one folder of the account into the engine: a UIDVALIDITY change
 * forgets the folder's locations and reads it again (the engine dedupes
 * by Message-ID); with CONDSTORE, messages whose flags changed since the
 * last sync are read again (keywords set elsewhere); then the new UIDs,
 * CRK_SYNC_BATCH at a time, each batch one engine batch that also saves
 * the folder state.  Never sets \Seen. */
enum crk_status
crk_sync_folder(struct crk_imap *imap, struct crk_engine *engine,
    struct crk_store *store, const struct crk_rules *rules, const char *account,
    const char *folder, const struct crk_sync_options *opts,
    struct crk_sync_stats *stats, char **error_r);

/* One pass over an account: connect, plan, every folder.  A folder that
 * fails is logged and the others still sync; the first error is
 * returned.  Network and TLS errors end the pass. */
enum crk_status crk_sync_account(const struct crk_account_config *account,
    struct crk_engine *engine, struct crk_store *store,
    const struct crk_rules *rules, const struct crk_sync_options *opts,
    struct crk_sync_stats *stats, char **error_r);

/* Syncs the folders of an already open connection (the watcher keeps
 * its connection between passes). */
enum crk_status crk_sync_connected(struct crk_imap *imap,
    const struct crk_account_config *account, struct crk_engine *engine,
    struct crk_store *store, const struct crk_rules *rules,
    const struct crk_sync_options *opts, struct crk_sync_stats *stats,
    char **error_r);

/* Builds the engine's messages from fetched ones (msgs[i] from
 * list->items[i]): parses the header blocks, copies flags (keywords only),
 * attachment names and INTERNALDATE, and fetches what the headers cannot
 * tell: the delivery-status and returned-header parts of a bounce, the
 * first text part (16 KiB at most, decoded to UTF-8) of a possible
 * auto-reply.  The parts are fetched for the whole list at once, one
 * command per kind of part.  Caller owns msgs[]; on error they are freed
 * and NULL. */
enum crk_status crk_sync_messages(struct crk_imap *imap,
    const struct crk_rules *rules, const struct crk_imap_msg_list *list,
    struct crk_message **msgs, char **error_r);

#endif
