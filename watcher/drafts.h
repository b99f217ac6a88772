/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Follow-up drafts on the server: open, recover, clean up (issue 5). */
#ifndef CRK_DRAFTS_H
#define CRK_DRAFTS_H

#include <stdbool.h>
#include <time.h>

#include "core/common.h"
#include "core/drafts.h"
#include "core/store.h"
#include "conf/conf.h"
#include "watcher/imap.h"

/* The Drafts folder of the account on this connection: drafts_folder
 * from the config (it must exist), else the folder with SPECIAL-USE
 * \Drafts, else one with a common name (Drafts, Entwürfe, Brouillons ...).
 * Never creates a folder.  CRK_E_NOTFOUND when there is none.  The caller
 * owns *folder_r (the server's spelling). */
enum crk_status crk_drafts_folder(struct crk_imap *imap,
    const struct crk_account_config *account, char **folder_r, char **error_r);

/* One drafts pass over an account (nothing when account->drafts is off):
 * finds the Drafts folder (without one, warns once per account and
 * process and returns CRK_OK with stats->no_folder set), SELECTs it
 * (EXAMINE in a dry run) and runs crk_drafts_pass (core/drafts.h) on it:
 * the folder's name as the store's folder, its UIDVALIDITY, the config's
 * templates and draft_hour.  Drafts are APPENDed \Draft \Seen, with
 * their UID from UIDPLUS or else found by Message-ID.  Statuses of the
 * IMAP and store calls.  stats may be NULL. */
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
