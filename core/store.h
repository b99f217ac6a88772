/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sqlite3 store: messages seen, proposals, follow-ups, touches, sync state.
 */
#ifndef CRK_STORE_H
#define CRK_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/common.h"
#include "core/date.h"
#include "core/message.h"

struct crk_store;

/* The schema version this build writes.  A store with a newer version is
 * refused (CRK_E_DB) rather than damaged. */
#define CRK_STORE_SCHEMA_VERSION 8

/* Opens (creating if needed) the store at path, in WAL mode with a busy
 * timeout so the watcher and the Claws plugin can share it, and migrates
 * the schema.  The directory must exist.  Returns CRK_E_DB (cannot open,
 * not a crickets store, newer schema), CRK_E_BUSY (locked past the
 * timeout).  The caller owns *store_r. */
enum crk_status
crk_store_open(const char *path, struct crk_store **store_r, char **error_r);
void crk_store_free(struct crk_store **store);

/* The schema version of the open store. */
int crk_store_schema_version(struct crk_store *store);
/* Sets how long a call waits for a lock held by another process (ms). */
void crk_store_set_busy_timeout(struct crk_store *store, int ms);

/* Transactions: begin an IMMEDIATE transaction (takes the write lock now,
 * so a batch never fails half-way on a lock), commit or roll back.
 * Calls nest: only the outermost begin/commit touch the database; a
 * rollback at any depth rolls the whole batch back. */
enum crk_status crk_store_begin(struct crk_store *store, char **error_r);
enum crk_status crk_store_commit(struct crk_store *store, char **error_r);
void crk_store_rollback(struct crk_store *store);

/* ---- proposals ------------------------------------------------------- */

enum crk_state {
	CRK_STATE_WAITING,
	CRK_STATE_REPLIED,
	CRK_STATE_BOUNCED,
	CRK_STATE_SNOOZED,
	CRK_STATE_WON,
	CRK_STATE_LOST,
	CRK_STATE_DROPPED,
};
const char *crk_state_name(enum crk_state state); /* "waiting" ... */
bool crk_state_parse(const char *name, enum crk_state *state_r);
bool crk_state_is_closed(enum crk_state state); /* won, lost, dropped */

struct crk_proposal {
	int64_t id;
	char *short_id;   /* owned; stable, typed by the rep ("k3x9qa") */
	char *account;    /* owned */
	char *message_id; /* owned */
	char *subject;    /* owned */
	char *from_addr;  /* owned; the identity that sent it */
	char *from_name;  /* owned; may be NULL */
	struct crk_addr_list prospects;
	struct crk_strv attachments;
	char *reason; /* owned; why it is tracked */
	time_t sent_at;
	enum crk_state state;
	unsigned round;        /* 1-based */
	time_t round_start;    /* the message or moment the round started */
	unsigned touches;      /* touches made after the proposal, all rounds */
	time_t last_touch;     /* 0 when none */
	time_t last_reply;     /* 0 when none */
	char *last_reply_from; /* owned; may be NULL */
	time_t
	    last_message_at;   /* the thread's latest message, ours or theirs */
	char *last_message_id; /* owned; where a follow-up should reply */
	crk_day snooze_until;  /* CRK_DAY_NONE unless snoozed */
	time_t closed_at;      /* 0 unless won/lost/dropped */
	/* the open follow-up, when there is one */
	int64_t next_followup_id; /* 0 when none */
	unsigned next_number;
	crk_day next_due; /* CRK_DAY_NONE when none */
};

struct crk_proposal_list {
	struct crk_proposal *items; /* owned */
	size_t count;
};

void crk_proposal_clear(struct crk_proposal *p);
void crk_proposal_free(struct crk_proposal **p);
void crk_proposal_list_clear(struct crk_proposal_list *list);

enum crk_proposal_filter {
	CRK_PROPOSALS_ALL,
	CRK_PROPOSALS_ACTIVE, /* not won, lost or dropped */
};

/* All proposals (or the active ones), oldest first.  Caller owns the
 * list contents (crk_proposal_list_clear). */
enum crk_status
crk_store_proposals(struct crk_store *store, enum crk_proposal_filter filter,
    struct crk_proposal_list *list_r, char **error_r);

/* Finds one proposal by short ID, a unique prefix of it (at least 3
 * characters), its numeric id, or its Message-ID (with or without angle
 * brackets).  CRK_E_NOTFOUND, CRK_E_AMBIGUOUS.  Caller owns *p_r. */
/* The proposal with this numeric id, exactly.  CRK_E_NOTFOUND.  Caller
 * owns *p_r. */
enum crk_status crk_store_proposal_get(struct crk_store *store, int64_t id,
    struct crk_proposal **p_r, char **error_r);
enum crk_status crk_store_proposal_find(struct crk_store *store,
    const char *key, struct crk_proposal **p_r, char **error_r);

/* ---- follow-ups ------------------------------------------------------ */

enum crk_followup_state {
	CRK_FOLLOWUP_OPEN,
	CRK_FOLLOWUP_DONE,
	CRK_FOLLOWUP_SKIPPED, /* closed without a touch (reply, close, ...) */
};
const char *crk_followup_state_name(enum crk_followup_state state);

struct crk_followup {
	int64_t id;
	int64_t proposal_id;
	unsigned round;
	unsigned number; /* 1-based within the round */
	crk_day due;
	enum crk_followup_state state;
	time_t closed_at; /* done or skipped at; 0 while open */
	char *channel;    /* owned; "mail", "phone", ... when done */
	char *uid;        /* owned; stable calendar UID base */
	time_t created_at;
	time_t changed_at; /* last change of due/state (LAST-MODIFIED) */
	unsigned sequence; /* bumped on every such change */
};

struct crk_followup_list {
	struct crk_followup *items; /* owned */
	size_t count;
};
void crk_followup_list_clear(struct crk_followup_list *list);

/* The follow-ups of one proposal (proposal_id > 0) or of all proposals
 * (0), in (proposal, round, number) order.  open_only limits to OPEN. */
enum crk_status
crk_store_followups(struct crk_store *store, int64_t proposal_id,
    bool open_only, struct crk_followup_list *list_r, char **error_r);

/* ---- history --------------------------------------------------------- */

/* One thing that happened to a proposal: a mail in its thread or an action
 * of the rep.  type is one of: "touch", "reply", "autoreply", "bounce",
 * "won", "lost", "drop", "notyet", "snooze", "reopen". */
struct crk_event {
	int64_t id;
	time_t at;
	char *type;       /* owned */
	char *channel;    /* owned; touches: mail, phone, meeting, other */
	char *note;       /* owned; may be NULL */
	char *message_id; /* owned; NULL for actions */
	char *from_addr;  /* owned; NULL for actions */
	crk_day day_arg;  /* snooze until / out-of-office return */
	char *source;     /* owned; "mail", "cli", "keyword", "plugin" */
};
struct crk_event_list {
	struct crk_event *items; /* owned */
	size_t count;
};
void crk_event_list_clear(struct crk_event_list *list);
enum crk_status crk_store_events(struct crk_store *store, int64_t proposal_id,
    struct crk_event_list *list_r, char **error_r);

/* ---- calendar item revisions ------------------------------------------ */

/* SEQUENCE / LAST-MODIFIED bookkeeping for one calendar item (by UID):
 * when content_hash differs from the stored one (or the UID is new), the
 * sequence goes up by one (0 for a new item) and changed_at becomes now;
 * otherwise both stay as stored, so identical content renders byte for
 * byte the same.  Outputs the values to use. */
enum crk_status crk_store_item_revision(struct crk_store *store,
    const char *uid, const char *content_hash, time_t now, unsigned *sequence_r,
    time_t *changed_at_r, char **error_r);

/* ---- kept feed parts -------------------------------------------------- */

/* A publisher keeps each proposal's rendered part of each feed (the
 * renderer is ical/; the store keeps text).  A part is stale when its
 * proposal was replayed since, when its until time passed, or when the
 * key (what every part depends on: the zone, the renderer) is not the
 * one the parts were rendered under. */

/* The key, the time and the files (an opaque text the publisher makes
 * of the files it wrote, "" when unknown) of the last publish; NULL, 0
 * and NULL before any. */
enum crk_status crk_store_feed_key(struct crk_store *store, char **key_r,
    time_t *rendered_at_r, char **files_r, char **error_r);
/* Records the key, the time and the files of a publish. */
enum crk_status crk_store_feed_key_set(struct crk_store *store, const char *key,
    time_t now, const char *files, char **error_r);
/* The proposals whose parts are stale as of now, in feed order. */
enum crk_status crk_store_feed_stale(struct crk_store *store, time_t now,
    struct crk_proposal_list *list_r, char **error_r);
/* Keeps the parts of p (NULL or "": none in that feed), fresh until
 * `until` (0: no time limit), in place of the ones it had. */
enum crk_status
crk_store_feed_part_set(struct crk_store *store, const struct crk_proposal *p,
    const char *events, const char *tasks, time_t until, char **error_r);
/* Calls fn with each kept part of one feed in feed order (proposal date,
 * id); stops at the first status other than CRK_OK and returns it. */
typedef enum crk_status
crk_store_part_fn(void *context, const char *text, size_t len, char **error_r);
enum crk_status crk_store_feed_parts_each(struct crk_store *store, bool tasks,
    crk_store_part_fn *fn, void *context, char **error_r);

/* ---- messages and folders (for the watcher and the plugin) ------------ */

/* True when a message with this Message-ID is stored for the account. */
bool crk_store_has_message(
    struct crk_store *store, const char *account, const char *message_id);

/* The References a reply to a stored message carries (no brackets): the
 * ids the message referenced, then the message itself.  The store keeps
 * no header order, so ids of messages it knows are ordered by their date
 * and the others come first (older, as far as anyone can tell).
 * CRK_E_NOTFOUND when the message is not stored; refs_r is cleared
 * first. */
enum crk_status
crk_store_thread_refs(struct crk_store *store, const char *account,
    const char *message_id, struct crk_strv *refs_r, char **error_r);

struct crk_folder_state {
	uint32_t uidvalidity;
	uint32_t last_uid;      /* highest UID seen */
	uint64_t highestmodseq; /* 0 when the server lacks CONDSTORE */
};
/* Sync state of a folder; zeroed (CRK_OK) when never synced. */
enum crk_status
crk_store_folder_get(struct crk_store *store, const char *account,
    const char *folder, struct crk_folder_state *state_r, char **error_r);
enum crk_status
crk_store_folder_set(struct crk_store *store, const char *account,
    const char *folder, const struct crk_folder_state *state, char **error_r);
/* Forgets where messages were seen in this folder (UIDVALIDITY changed).
 * The messages themselves stay: they are keyed by Message-ID. */
enum crk_status crk_store_folder_reset(struct crk_store *store,
    const char *account, const char *folder, char **error_r);

/* ---- follow-up drafts -------------------------------------------------- */

/* The life of the one draft a follow-up opens.  PENDING is written before
 * the APPEND, so a crash between APPEND and the next write leaves a trace:
 * the next run looks the draft up by its Message-ID instead of appending
 * a second one. */
enum crk_draft_state {
	CRK_DRAFT_PENDING,  /* about to be appended; UID unknown */
	CRK_DRAFT_APPENDED, /* in the Drafts folder as crickets wrote it */
	CRK_DRAFT_REMOVED,  /* crickets deleted it (follow-up closed) */
	CRK_DRAFT_KEPT,     /* the rep edited or sent it: never touched */
};

struct crk_draft {
	int64_t followup_id; /* 0 when the follow-up no longer exists */
	int64_t proposal_id; /* 0 likewise */
	char *account;       /* owned */
	char *folder;        /* owned */
	uint32_t uidvalidity;
	uint32_t uid;     /* 0 while pending */
	char *message_id; /* owned; without brackets */
	enum crk_draft_state state;
	time_t created_at;
	bool followup_open; /* its follow-up is still the open one */
};

struct crk_draft_list {
	struct crk_draft *items; /* owned */
	size_t count;
};
void crk_draft_list_clear(struct crk_draft_list *list);

/* Records a draft about to be appended (PENDING).  CRK_E_STATE when the
 * follow-up already has a draft: exactly one per follow-up. */
enum crk_status crk_store_draft_begin(struct crk_store *store,
    int64_t followup_id, const char *account, const char *folder,
    const char *message_id, time_t now, char **error_r);
/* Moves the draft with this Message-ID on: APPENDED with its UID (0s
 * keep the stored values), or REMOVED / KEPT.  CRK_E_NOTFOUND when no
 * such draft was recorded. */
enum crk_status crk_store_draft_set(struct crk_store *store,
    const char *message_id, enum crk_draft_state state, uint32_t uidvalidity,
    uint32_t uid, char **error_r);
/* Forgets a draft record (a PENDING draft that never reached the
 * server), so its follow-up can get a new one. */
enum crk_status crk_store_draft_forget(
    struct crk_store *store, const char *message_id, char **error_r);
/* The drafts of an account, in any state, oldest first. */
enum crk_status crk_store_drafts(struct crk_store *store, const char *account,
    struct crk_draft_list *list_r, char **error_r);
/* Open follow-ups of the account's active proposals that are due on or
 * before `day` and have no draft yet. */
enum crk_status
crk_store_followups_needing_draft(struct crk_store *store, const char *account,
    crk_day day, struct crk_followup_list *list_r, char **error_r);

/* ---- keywords for the server (issue 5) ---------------------------------- */

/* A keyword change the rep's commands asked for on a proposal message,
 * waiting for a connection to the account's server. */
struct crk_keyword_change {
	int64_t id;
	char *message_id; /* owned; without brackets */
	char *keyword;    /* owned; "crickets-won" ... */
	bool add;         /* true: +FLAGS, false: -FLAGS */
	time_t created_at;
};

struct crk_keyword_change_list {
	struct crk_keyword_change *items; /* owned */
	size_t count;
};
void crk_keyword_change_list_clear(struct crk_keyword_change_list *list);

/* Queues a keyword change for the message of an account. */
enum crk_status crk_store_keyword_queue(struct crk_store *store,
    const char *account, const char *message_id, const char *keyword, bool add,
    time_t now, char **error_r);
/* The queued changes of an account, oldest first (apply in this order). */
enum crk_status
crk_store_keyword_pending(struct crk_store *store, const char *account,
    struct crk_keyword_change_list *list_r, char **error_r);
/* Removes a queued change (applied, or dropped for good). */
enum crk_status
crk_store_keyword_done(struct crk_store *store, int64_t id, char **error_r);

/* Where a message of the account was seen on the server. */
struct crk_message_location {
	char *folder; /* owned */
	uint32_t uidvalidity;
	uint32_t uid;
};

struct crk_message_location_list {
	struct crk_message_location *items; /* owned */
	size_t count;
};
void crk_message_location_list_clear(struct crk_message_location_list *list);

/* Every folder/UIDVALIDITY/UID the message with this Message-ID was seen
 * at in the account (empty when none). */
enum crk_status crk_store_message_locations(struct crk_store *store,
    const char *account, const char *message_id,
    struct crk_message_location_list *list_r, char **error_r);

#endif
