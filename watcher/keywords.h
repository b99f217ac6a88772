/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rep's closing commands as keywords on the server, queued (issue 5). */
#ifndef CRK_KEYWORDS_H
#define CRK_KEYWORDS_H

#include <stdbool.h>
#include <time.h>

#include "core/common.h"
#include "core/store.h"
#include "conf/conf.h"
#include "watcher/imap.h"

/* Seconds the closing commands wait for the server before they leave the
 * change queued for the next sync. */
#define CRK_KEYWORDS_TIMEOUT 5

/* Queues the keywords that mirror a close on the message: `keyword`
 * (CRK_KEYWORD_WON, _LOST or _DROP) is added and the other two removed;
 * NULL (reopen) removes all three.  Nothing touches the server yet. */
enum crk_status crk_keywords_queue(struct crk_store *store, const char *account,
    const char *message_id, const char *keyword, time_t now, char **error_r);

/* Queues the removal of crickets-track from the message, so that an
 * untracked proposal is not tracked again when a client changes a flag
 * on it (the keyword would come back with the change). */
enum crk_status crk_keywords_queue_untrack(struct crk_store *store,
    const char *account, const char *message_id, time_t now, char **error_r);

/* Applies the account's queued changes on this connection, oldest first:
 * for every place the message was seen (folder, UIDVALIDITY, UID) it
 * SELECTs the folder and stores +/-keyword; a folder that is gone or
 * whose UIDVALIDITY changed is skipped.  An entry is removed when all
 * its places are done (or it has none); an addition the server refuses
 * (PERMANENTFLAGS without \*) is logged and dropped.  A connection
 * error (CRK_E_NET, CRK_E_TLS, ...) stops and keeps the rest queued.
 * *applied_r (may be NULL) gets the number of entries removed. */
enum crk_status
crk_keywords_flush(struct crk_imap *imap, struct crk_store *store,
    const char *account, unsigned *applied_r, char **error_r);

/* crk_keywords_flush on a connection of its own (crk_sync_connect with
 * timeout_secs).  Does not connect when nothing is queued. */
enum crk_status crk_keywords_sync_account(struct crk_store *store,
    const struct crk_account_config *account, int timeout_secs,
    unsigned *applied_r, char **error_r);

#endif
