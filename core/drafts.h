/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The follow-up drafts pass (issue 5), for any host that has a Drafts
 * folder: the watcher's on the IMAP server, Claws' own in the plugin. */
#ifndef CRK_DRAFTS_PASS_H
#define CRK_DRAFTS_PASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/common.h"
#include "core/store.h"

/* What one pass over an account did (or, in a dry run, would do). */
struct crk_drafts_stats {
	unsigned created;   /* drafts appended */
	unsigned recovered; /* PENDING drafts found in the folder */
	unsigned forgotten; /* PENDING drafts that never got there */
	unsigned removed;   /* untouched drafts of closed follow-ups */
	unsigned kept;      /* drafts the rep edited, sent or moved */
	bool no_folder;     /* the account has no Drafts folder */
};

/* What the pass needs of a Drafts folder.  UIDs are the host's message
 * numbers in that folder: IMAP UIDs for the watcher, Claws' message
 * numbers for the plugin.  Each returns CRK_OK or a status with a
 * message; a failure ends the pass. */
struct crk_drafts_box_ops {
	/* *uid_r: the message with exactly this Message-ID (no brackets),
	 * the newest when several; 0 when none. */
	enum crk_status (*find)(
	    void *ctx, const char *message_id, uint32_t *uid_r, char **error_r);
	/* *same_r: the message at uid still carries message_id, so it is
	 * the draft as crickets wrote it (false when it is gone). */
	enum crk_status (*has_id)(void *ctx, uint32_t uid,
	    const char *message_id, bool *same_r, char **error_r);
	/* Deletes the message at uid for good. */
	enum crk_status (*remove)(void *ctx, uint32_t uid, char **error_r);
	/* Stores text (RFC 5322, CRLF) as a draft (\Draft \Seen); *uid_r
	 * its UID, 0 when the host cannot tell (the pass then uses find). */
	enum crk_status (*append)(void *ctx, const char *text, size_t len,
	    uint32_t *uid_r, char **error_r);
};

struct crk_drafts_box {
	const struct crk_drafts_box_ops *ops;
	void *ctx;
	const char *account;  /* the store's account name */
	const char *folder;   /* what the store records as the draft's folder */
	uint32_t uidvalidity; /* 0 when the host has none */
};

struct crk_drafts_params {
	const char *templates_dir; /* the rep's; NULL: none */
	const char *shipped_dir;   /* the installed templates; NULL: none */
	unsigned draft_hour;       /* local hour drafts open on the due day */
	bool dry_run;              /* change nothing, log what would be done */
};

/* One drafts pass over an account's Drafts folder:
 * 1. recovers PENDING drafts of this folder (a crash between the store
 *    and the append): found by Message-ID -> APPENDED with its UID, else
 *    the record is forgotten so step 3 writes the draft again;
 * 2. for each APPENDED draft of this folder whose follow-up is no longer
 *    open: when the message with that UID (same UIDVALIDITY) still
 *    carries our Message-ID, nobody touched it: it is removed (REMOVED);
 *    otherwise the rep edited, sent or moved it and it is KEPT for good;
 * 3. opens a draft for every open follow-up due before today, or today
 *    from draft_hour (local time) on: the template for its touch number
 *    (templates_dir, then shipped_dir, then built-in), From the identity
 *    that sent the proposal, To the prospects, In-Reply-To the thread's
 *    last message, References the proposal and that message.  The draft
 *    is recorded PENDING in its own committed transaction before the
 *    append, then APPENDED with its UID, so there is exactly one draft
 *    per follow-up, also across crashes.
 * Drafts the store records in another folder belong to another writer
 * (the watcher on the server, the plugin in Claws, both on one store)
 * and are left alone; the store's one draft per follow-up keeps the two
 * from writing a follow-up's draft twice.
 * Logs one line per draft (Message-IDs only).  A single draft that cannot
 * be composed is a warning.  stats may be NULL.  Statuses of the box and
 * the store. */
enum crk_status crk_drafts_pass(struct crk_store *store,
    const struct crk_drafts_box *box, const struct crk_drafts_params *params,
    time_t now, struct crk_drafts_stats *stats, char **error_r);

#endif
