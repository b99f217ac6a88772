/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Follow-up drafts on the server: open, recover, clean up (issue 5). */
#ifndef CRK_DRAFTS_H
#define CRK_DRAFTS_H

#include <stdbool.h>
#include <time.h>

#include "core/common.h"
#include "core/store.h"
#include "watcher/config.h"
#include "watcher/imap.h"

/* What one pass over an account did (or, in a dry run, would do). */
struct crk_drafts_stats {
	unsigned created;   /* drafts appended */
	unsigned recovered; /* PENDING drafts found on the server */
	unsigned forgotten; /* PENDING drafts that never got there */
	unsigned removed;   /* untouched drafts of closed follow-ups */
	unsigned kept;      /* drafts the rep edited, sent or moved */
	bool no_folder;     /* the account has no Drafts folder */
};

/* The Drafts folder of the account on this connection: drafts_folder
 * from the config (it must exist), else the folder with SPECIAL-USE
 * \Drafts, else one with a common name (Drafts, Entwürfe, Brouillons ...).
 * Never creates a folder.  CRK_E_NOTFOUND when there is none.  The caller
 * owns *folder_r (the server's spelling). */
enum crk_status crk_drafts_folder(struct crk_imap *imap,
    const struct crk_account_config *account, char **folder_r, char **error_r);

/* One drafts pass over an account (nothing when account->drafts is off):
 * 1. finds the Drafts folder; without one, warns once per account and
 *    process and returns CRK_OK (stats->no_folder set);
 * 2. recovers PENDING drafts (a crash between the store and the APPEND):
 *    found on the server by Message-ID -> APPENDED with its UID, else the
 *    record is forgotten so step 4 writes the draft again;
 * 3. for each APPENDED draft whose follow-up is no longer open: when the
 *    message with that UID (same UIDVALIDITY) still carries our
 *    Message-ID, nobody touched it: it is expunged (REMOVED); otherwise
 *    the rep edited, sent or moved it and it is KEPT for good;
 * 4. opens a draft for every open follow-up due before today, or today
 *    from config->draft_hour (local time) on: the template for its touch
 *    number (config->templates_dir, then CRK_DATADIR "/templates", then
 *    built-in), From the identity that sent the proposal, To the
 *    prospects, In-Reply-To the thread's last message, References the
 *    proposal and that message.  The draft is recorded PENDING in its own
 *    committed transaction before the APPEND (\Draft \Seen), then
 *    APPENDED with its UID (UIDPLUS, else found by Message-ID), so there
 *    is exactly one draft per follow-up, also across crashes.
 * Logs one line per draft (Message-IDs only).  With dry_run nothing on
 * the server or in the store changes; the log says what would be done.
 * Statuses of the IMAP and store calls; a single draft that cannot be
 * composed is a warning.  stats may be NULL. */
enum crk_status crk_drafts_run(struct crk_imap *imap, struct crk_store *store,
    const struct crk_config *config, const struct crk_account_config *account,
    time_t now, bool dry_run, struct crk_drafts_stats *stats, char **error_r);

/* crk_drafts_run on a connection of its own (crk_sync_connect), for
 * `crickets sync`, whose sync pass closes its connection.  Also the
 * statuses of crk_sync_connect. */
enum crk_status crk_drafts_sync_account(struct crk_store *store,
    const struct crk_config *config, const struct crk_account_config *account,
    time_t now, bool dry_run, struct crk_drafts_stats *stats, char **error_r);

#endif
