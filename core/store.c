/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sqlite3 store: schema, migrations, transactions and the read queries. */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/normalize.h"
#include "core/store-private.h"

#define STORE_BUSY_TIMEOUT_MS 10000
#define STORE_STMT_CACHE 96

struct store_stmt {
	const char *sql; /* the literal's address is the key */
	sqlite3_stmt *stmt;
};

struct crk_store {
	sqlite3 *db;
	int depth;        /* nesting of crk_store_begin */
	bool rolled_back; /* an inner rollback doomed the batch */
	struct store_stmt stmts[STORE_STMT_CACHE];
	size_t n_stmts;
};

/* Each entry migrates from version i to i + 1.  Never edit a shipped
 * entry: add a new one and bump CRK_STORE_SCHEMA_VERSION. */
static const char *const store_migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  message_id TEXT NOT NULL,"
    "  date INTEGER NOT NULL," /* when it happened, clamped to now */
    "  from_addr TEXT,"
    "  from_name TEXT,"
    "  subject TEXT,"
    "  subject_norm TEXT NOT NULL DEFAULT '',"
    "  kind INTEGER NOT NULL,"
    "  attachments TEXT,"                 /* names joined by '\n' */
    "  keywords TEXT,"                    /* joined by ' ' */
    "  track INTEGER NOT NULL DEFAULT 0," /* 1 by hand, -1 never */
    "  return_day INTEGER,"               /* out-of-office: back on */
    "  dsn_message_id TEXT,"
    "  dsn_action TEXT,"
    "  seen_at INTEGER NOT NULL,"
    "  UNIQUE (account, message_id));"
    "CREATE TABLE message_refs ("
    "  message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
    "  ref TEXT NOT NULL,"
    "  PRIMARY KEY (message, ref)) WITHOUT ROWID;"
    "CREATE INDEX message_refs_ref ON message_refs(ref);"
    /* role: 0 from, 1 to, 2 cc, 3 failed recipient of a bounce */
    "CREATE TABLE message_addrs ("
    "  message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
    "  role INTEGER NOT NULL,"
    "  addr TEXT NOT NULL,"
    "  name TEXT,"
    "  PRIMARY KEY (message, role, addr)) WITHOUT ROWID;"
    "CREATE INDEX message_addrs_addr ON message_addrs(addr, role);"
    "CREATE TABLE locations ("
    "  account TEXT NOT NULL,"
    "  folder TEXT NOT NULL,"
    "  uidvalidity INTEGER NOT NULL,"
    "  uid INTEGER NOT NULL,"
    "  message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (account, folder, uidvalidity, uid)) WITHOUT ROWID;"
    "CREATE INDEX locations_message ON locations(message);"
    "CREATE TABLE folders ("
    "  account TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  uidvalidity INTEGER NOT NULL,"
    "  last_uid INTEGER NOT NULL,"
    "  highestmodseq INTEGER NOT NULL,"
    "  PRIMARY KEY (account, name)) WITHOUT ROWID;"
    "CREATE TABLE proposals ("
    "  id INTEGER PRIMARY KEY,"
    "  short_id TEXT NOT NULL UNIQUE,"
    "  account TEXT NOT NULL,"
    "  message INTEGER NOT NULL UNIQUE REFERENCES messages(id),"
    "  reason TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    /* the rest is the result of the last replay (engine.c) */
    "  state INTEGER NOT NULL DEFAULT 0,"
    "  round INTEGER NOT NULL DEFAULT 1,"
    "  round_start INTEGER NOT NULL DEFAULT 0,"
    "  touches INTEGER NOT NULL DEFAULT 0,"
    "  last_touch INTEGER NOT NULL DEFAULT 0,"
    "  last_reply INTEGER NOT NULL DEFAULT 0,"
    "  last_reply_from TEXT,"
    "  last_message INTEGER,"
    "  snooze_until INTEGER,"
    "  closed_at INTEGER NOT NULL DEFAULT 0,"
    "  first_reply_at INTEGER NOT NULL DEFAULT 0,"
    "  touches_before_reply INTEGER,"
    "  round1_touches INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE prospects ("
    "  proposal INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,"
    "  addr TEXT NOT NULL,"
    "  name TEXT,"
    "  UNIQUE (proposal, addr));"
    "CREATE INDEX prospects_addr ON prospects(addr);"
    "CREATE TABLE thread ("
    "  proposal INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,"
    "  message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL,"
    "  PRIMARY KEY (proposal, message)) WITHOUT ROWID;"
    "CREATE INDEX thread_message ON thread(message);"
    "CREATE TABLE actions ("
    "  id INTEGER PRIMARY KEY,"
    "  proposal INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  channel TEXT,"
    "  note TEXT,"
    "  day_arg INTEGER,"
    "  source TEXT NOT NULL);"
    "CREATE INDEX actions_proposal ON actions(proposal, at);"
    "CREATE TABLE followups ("
    "  id INTEGER PRIMARY KEY,"
    "  proposal INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,"
    "  round INTEGER NOT NULL,"
    "  number INTEGER NOT NULL,"
    "  due INTEGER NOT NULL,"
    "  state INTEGER NOT NULL,"
    "  closed_at INTEGER NOT NULL DEFAULT 0,"
    "  channel TEXT,"
    "  uid TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL,"
    "  changed_at INTEGER NOT NULL,"
    "  sequence INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (proposal, round, number));"
    "CREATE INDEX followups_open ON followups(state, due);"
    "CREATE TABLE item_revisions ("
    "  uid TEXT PRIMARY KEY,"
    "  hash TEXT NOT NULL,"
    "  sequence INTEGER NOT NULL,"
    "  changed_at INTEGER NOT NULL) WITHOUT ROWID;",
    /* 1 -> 2: follow-up drafts */
    /* A draft outlives its follow-up row (untracked proposal): crickets
     * must still find and remove what it put on the server. */
    "CREATE TABLE drafts ("
    "  id INTEGER PRIMARY KEY,"
    "  followup INTEGER UNIQUE REFERENCES followups(id) "
    "    ON DELETE SET NULL,"
    "  account TEXT NOT NULL,"
    "  folder TEXT NOT NULL,"
    "  uidvalidity INTEGER NOT NULL DEFAULT 0,"
    "  uid INTEGER NOT NULL DEFAULT 0,"
    "  message_id TEXT NOT NULL UNIQUE,"
    "  state INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL);",
    /* 2 -> 3: keywords the rep's commands set on the server, queued
     * until a connection applies them */
    "CREATE TABLE keyword_queue ("
    "  id INTEGER PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  message_id TEXT NOT NULL,"
    "  keyword TEXT NOT NULL,"
    "  \"add\" INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX keyword_queue_account ON keyword_queue(account, id);",
    /* 3 -> 4: the lookups linking a message to proposals, which ran as
     * full scans per message (quadratic on a large mailbox; bench/):
     * bounces by the Message-ID they return, fallbacks by subject */
    "CREATE INDEX messages_dsn ON messages(dsn_message_id);"
    "CREATE INDEX messages_subject ON messages(account, subject_norm);",
    /* 4 -> 5: when each proposal was replayed, and the next moment its
     * replay could change (a snooze ending, something dated later), so a
     * refresh replays only those; 1 replays every proposal once */
    "ALTER TABLE proposals ADD COLUMN replayed_at INTEGER NOT NULL "
    "  DEFAULT 0;"
    "ALTER TABLE proposals ADD COLUMN wake_at INTEGER NOT NULL DEFAULT 1;"
    "CREATE INDEX proposals_wake ON proposals(wake_at);"
    "CREATE INDEX proposals_replayed ON proposals(replayed_at);",
    /* 5 -> 6: each proposal's rendered part of each feed, kept until the
     * proposal changes (feed_dirty, set by every replay), the time alone
     * changes it (feed_until) or the day or the renderer does (feed_meta
     * key): a publish renders only what changed (bench/) */
    "ALTER TABLE proposals ADD COLUMN feed_dirty INTEGER NOT NULL "
    "  DEFAULT 1;"
    "ALTER TABLE proposals ADD COLUMN feed_until INTEGER NOT NULL "
    "  DEFAULT 0;"
    "CREATE INDEX proposals_feed_dirty ON proposals(feed_dirty);"
    "CREATE INDEX proposals_feed_until ON proposals(feed_until);"
    "CREATE TABLE feed_parts ("
    "  feed INTEGER NOT NULL," /* 0 events, 1 tasks */
    "  sort_date INTEGER NOT NULL,"
    "  proposal INTEGER NOT NULL REFERENCES proposals(id) "
    "    ON DELETE CASCADE,"
    "  text TEXT NOT NULL,"
    "  PRIMARY KEY (feed, sort_date, proposal)) WITHOUT ROWID;"
    "CREATE INDEX feed_parts_proposal ON feed_parts(proposal);"
    "CREATE TABLE feed_meta ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  key TEXT NOT NULL,"
    "  rendered_at INTEGER NOT NULL);",
    /* 6 -> 7: what the feed files looked like after the last publish
     * (their directory, mode, inode, size, mtime): when no part changed
     * and the files are still those, a publish writes nothing and reads
     * no part (every sync publishes; bench/) */
    "ALTER TABLE feed_meta ADD COLUMN files TEXT NOT NULL DEFAULT '';"
    /* a part leaving by any way (a proposal untracked or merged takes its
     * parts with it, ON DELETE CASCADE) means the files are stale; parts
     * set are the publisher's own, it knows */
    "CREATE TRIGGER feed_parts_gone AFTER DELETE ON feed_parts "
    "BEGIN UPDATE feed_meta SET files = '' WHERE files <> ''; END;",
    /* 7 -> 8: the cadence the open follow-ups were planned with: when
     * the rep changes it (config file, Claws preferences) the open
     * proposals are planned again, not only those that get new mail */
    "CREATE TABLE engine_meta ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  cadence TEXT NOT NULL);",
};

/* Static asserts do not exist in C99; keep the two in step by hand. */
#if CRK_STORE_SCHEMA_VERSION != 8
#error "store_migrations and CRK_STORE_SCHEMA_VERSION disagree"
#endif

sqlite3 *
crk_store_db(struct crk_store *store)
{
	return store->db;
}

enum crk_status
crk_store_error(struct crk_store *store, char **error_r, const char *what)
{
	int code = sqlite3_errcode(store->db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
		crk_error_set(error_r,
		    "%s: the store is locked by another "
		    "process (crickets or Claws Mail)",
		    what);
		return CRK_E_BUSY;
	}
	crk_error_set(error_r, "%s: %s", what, sqlite3_errmsg(store->db));
	return CRK_E_DB;
}

sqlite3_stmt *
crk_store_stmt(struct crk_store *store, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;

	for (i = 0; i < store->n_stmts; i++) {
		if (store->stmts[i].sql == sql) {
			stmt = store->stmts[i].stmt;
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return stmt;
		}
	}
	if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		&stmt, NULL) != SQLITE_OK) {
		crk_err("store: cannot prepare \"%s\": %s", sql,
		    sqlite3_errmsg(store->db));
		abort();
	}
	/* A full cache is a programmer error (too many distinct literals):
	 * finalize the oldest rather than fail. */
	if (store->n_stmts == STORE_STMT_CACHE) {
		sqlite3_finalize(store->stmts[0].stmt);
		memmove(&store->stmts[0], &store->stmts[1],
		    sizeof(store->stmts[0]) * (STORE_STMT_CACHE - 1));
		store->n_stmts--;
	}
	store->stmts[store->n_stmts].sql = sql;
	store->stmts[store->n_stmts].stmt = stmt;
	store->n_stmts++;
	return stmt;
}

void
crk_store_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, idx);
	else
		sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT);
}

char *
crk_store_column_dup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s == NULL ? NULL : crk_xstrdup((const char *)s);
}

static enum crk_status
store_exec(struct crk_store *store, const char *sql, char **error_r)
{
	char *msg = NULL;

	if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		enum crk_status st = crk_store_error(store, error_r, "store");

		if (msg != NULL)
			crk_error_set(error_r, "store: %s", msg);
		sqlite3_free(msg);
		return st;
	}
	return CRK_OK;
}

int
crk_store_schema_version(struct crk_store *store)
{
	sqlite3_stmt *stmt = crk_store_stmt(store, "PRAGMA user_version");
	int v = -1;

	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return v;
}

static enum crk_status
store_migrate(struct crk_store *store, char **error_r)
{
	enum crk_status status;
	int version;
	char *sql;

	/* Read the version inside the write transaction so two processes
	 * opening a new store at once cannot both migrate. */
	if ((status = crk_store_begin(store, error_r)) != CRK_OK)
		return status;
	version = crk_store_schema_version(store);
	if (version < 0) {
		status =
		    crk_store_error(store, error_r, "reading schema version");
		goto out;
	}
	if (version > CRK_STORE_SCHEMA_VERSION) {
		crk_error_set(error_r,
		    "the store has schema version %d, newer "
		    "than this crickets (%d); upgrade crickets",
		    version, CRK_STORE_SCHEMA_VERSION);
		status = CRK_E_DB;
		goto out;
	}
	for (; version < CRK_STORE_SCHEMA_VERSION; version++) {
		status = store_exec(store, store_migrations[version], error_r);
		if (status != CRK_OK) {
			crk_error_prefix(
			    error_r, "migrating to version %d", version + 1);
			goto out;
		}
		sql = crk_xasprintf("PRAGMA user_version = %d", version + 1);
		status = store_exec(store, sql, error_r);
		free(sql);
		if (status != CRK_OK)
			goto out;
	}
	status = crk_store_commit(store, error_r);
	return status;
out:
	crk_store_rollback(store);
	return status;
}

enum crk_status
crk_store_open(const char *path, struct crk_store **store_r, char **error_r)
{
	struct crk_store *store = NULL;
	enum crk_status status;

	*store_r = NULL;
	store = crk_xcalloc(1, sizeof(*store));
	if (sqlite3_open_v2(path, &store->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		crk_error_set(error_r, "cannot open store %s: %s", path,
		    store->db != NULL ? sqlite3_errmsg(store->db)
				      : "out of memory");
		status = CRK_E_DB;
		goto out;
	}
	sqlite3_extended_result_codes(store->db, 0);
	sqlite3_busy_timeout(store->db, STORE_BUSY_TIMEOUT_MS);
	/* WAL lets the watcher and the Claws plugin read while the other
	 * writes; NORMAL sync is durable at every checkpoint and never
	 * corrupts in WAL mode (https://sqlite.org/wal.html).  Temp data in
	 * memory: with foreign keys on, every insert into a table that
	 * references another opens a statement journal, and SQLite spills
	 * one past 64 KiB into a file in /var/tmp that then takes every
	 * later statement of the transaction (SQLITE_STMTJRNL_SPILL,
	 * pager.c): 465 of the 785 MB a 40k sync wrote.  Each journal is
	 * freed when its statement ends, so memory does not grow (bench/:
	 * same peak RSS, 4% faster). */
	status = store_exec(store,
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = MEMORY;",
	    error_r);
	if (status != CRK_OK) {
		crk_error_prefix(error_r, "cannot use store %s", path);
		/* "file is not a database" surfaces here */
		goto out;
	}
	if ((status = store_migrate(store, error_r)) != CRK_OK) {
		crk_error_prefix(error_r, "store %s", path);
		goto out;
	}
	*store_r = store;
	store = NULL;
out:
	crk_store_free(&store);
	return status;
}

void
crk_store_free(struct crk_store **storep)
{
	struct crk_store *store = *storep;
	size_t i;

	if (store == NULL)
		return;
	*storep = NULL;
	for (i = 0; i < store->n_stmts; i++)
		sqlite3_finalize(store->stmts[i].stmt);
	if (store->depth > 0)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close_v2(store->db);
	free(store);
}

void
crk_store_set_busy_timeout(struct crk_store *store, int ms)
{
	sqlite3_busy_timeout(store->db, ms);
}

enum crk_status
crk_store_begin(struct crk_store *store, char **error_r)
{
	enum crk_status status;

	if (store->depth++ > 0)
		return CRK_OK;
	store->rolled_back = false;
	status = store_exec(store, "BEGIN IMMEDIATE", error_r);
	if (status != CRK_OK)
		store->depth = 0;
	return status;
}

enum crk_status
crk_store_commit(struct crk_store *store, char **error_r)
{
	enum crk_status status;

	assert(store->depth > 0);
	if (--store->depth > 0)
		return CRK_OK;
	if (store->rolled_back) {
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		crk_error_set(error_r, "the batch was rolled back");
		return CRK_E_DB;
	}
	status = store_exec(store, "COMMIT", error_r);
	if (status != CRK_OK)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	return status;
}

void
crk_store_rollback(struct crk_store *store)
{
	if (store->depth == 0)
		return;
	if (--store->depth > 0) {
		store->rolled_back = true;
		return;
	}
	sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- states ------------------------------------------------------------ */

static const char *const state_names[] = {
    [CRK_STATE_WAITING] = "waiting",
    [CRK_STATE_REPLIED] = "replied",
    [CRK_STATE_BOUNCED] = "bounced",
    [CRK_STATE_SNOOZED] = "snoozed",
    [CRK_STATE_WON] = "won",
    [CRK_STATE_LOST] = "lost",
    [CRK_STATE_DROPPED] = "dropped",
};

const char *
crk_state_name(enum crk_state state)
{
	if ((size_t)state >= CRK_N_ELEMENTS(state_names))
		return "unknown";
	return state_names[state];
}

bool
crk_state_parse(const char *name, enum crk_state *state_r)
{
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(state_names); i++) {
		if (crk_strcasecmp(name, state_names[i]) == 0) {
			*state_r = (enum crk_state)i;
			return true;
		}
	}
	return false;
}

bool
crk_state_is_closed(enum crk_state state)
{
	return state == CRK_STATE_WON || state == CRK_STATE_LOST ||
	    state == CRK_STATE_DROPPED;
}

const char *
crk_followup_state_name(enum crk_followup_state state)
{
	switch (state) {
	case CRK_FOLLOWUP_OPEN: return "open";
	case CRK_FOLLOWUP_DONE: return "done";
	case CRK_FOLLOWUP_SKIPPED: return "skipped";
	}
	return "unknown";
}

/* ---- proposals ------------------------------------------------------- */

void
crk_proposal_clear(struct crk_proposal *p)
{
	free(p->short_id);
	free(p->account);
	free(p->message_id);
	free(p->subject);
	free(p->from_addr);
	free(p->from_name);
	crk_addr_list_clear(&p->prospects);
	crk_strv_clear(&p->attachments);
	free(p->reason);
	free(p->last_reply_from);
	free(p->last_message_id);
	memset(p, 0, sizeof(*p));
}

void
crk_proposal_free(struct crk_proposal **pp)
{
	if (*pp == NULL)
		return;
	crk_proposal_clear(*pp);
	free(*pp);
	*pp = NULL;
}

void
crk_proposal_list_clear(struct crk_proposal_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		crk_proposal_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* "+f.state": by the proposal's own follow-ups (the UNIQUE index), not by
 * followups_open, which made SQLite walk every open follow-up for every
 * proposal (quadratic in a feed render). */
#define PROPOSAL_COLUMNS                                                       \
	"p.id, p.short_id, p.account, m.message_id, m.subject, "               \
	"m.from_addr, m.from_name, m.attachments, p.reason, m.date, "          \
	"p.state, p.round, p.round_start, p.touches, p.last_touch, "           \
	"p.last_reply, p.last_reply_from, lm.date, lm.message_id, "            \
	"p.snooze_until, p.closed_at, f.id, f.number, f.due "                  \
	"FROM proposals p JOIN messages m ON m.id = p.message "                \
	"LEFT JOIN messages lm ON lm.id = p.last_message "                     \
	"LEFT JOIN followups f ON f.proposal = p.id AND +f.state = 0 "

static enum crk_status
store_load_prospects(
    struct crk_store *store, struct crk_proposal *p, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT addr, name FROM prospects WHERE proposal = ? "
	    "ORDER BY rowid");
	int rc;

	sqlite3_bind_int64(stmt, 1, p->id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		crk_addr_list_add(&p->prospects,
		    (const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1));
	}
	if (rc != SQLITE_DONE)
		return crk_store_error(store, error_r, "reading prospects");
	return CRK_OK;
}

/* Above this many proposals their prospects are read in one query: a
 * query per proposal was a sixth of a 10k feed's render. */
#define STORE_PROSPECTS_BULK 32

static int
store_proposal_ptr_cmp(const void *a, const void *b)
{
	const struct crk_proposal *x = *(const struct crk_proposal *const *)a;
	const struct crk_proposal *y = *(const struct crk_proposal *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static enum crk_status
store_load_all_prospects(
    struct crk_store *store, struct crk_proposal_list *list, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT proposal, addr, name FROM prospects "
	    "ORDER BY proposal, rowid");
	struct crk_proposal **by_id;
	size_t i = 0, k;
	int rc;

	by_id = crk_xcalloc(list->count, sizeof(*by_id));
	for (k = 0; k < list->count; k++)
		by_id[k] = &list->items[k];
	qsort(by_id, list->count, sizeof(*by_id), store_proposal_ptr_cmp);
	/* both in proposal order: one merge */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);

		while (i < list->count && by_id[i]->id < id)
			i++;
		if (i == list->count)
			break;
		if (by_id[i]->id != id)
			continue;
		crk_addr_list_add(&by_id[i]->prospects,
		    (const char *)sqlite3_column_text(stmt, 1),
		    (const char *)sqlite3_column_text(stmt, 2));
	}
	free(by_id);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return crk_store_error(store, error_r, "reading prospects");
	sqlite3_reset(stmt);
	return CRK_OK;
}

static void
store_read_proposal(sqlite3_stmt *stmt, struct crk_proposal *p)
{
	const char *att;

	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(stmt, 0);
	p->short_id = crk_store_column_dup(stmt, 1);
	p->account = crk_store_column_dup(stmt, 2);
	p->message_id = crk_store_column_dup(stmt, 3);
	p->subject = crk_store_column_dup(stmt, 4);
	p->from_addr = crk_store_column_dup(stmt, 5);
	p->from_name = crk_store_column_dup(stmt, 6);
	att = (const char *)sqlite3_column_text(stmt, 7);
	if (att != NULL)
		crk_strv_split(&p->attachments, att, "\n");
	p->reason = crk_store_column_dup(stmt, 8);
	p->sent_at = (time_t)sqlite3_column_int64(stmt, 9);
	p->state = (enum crk_state)sqlite3_column_int(stmt, 10);
	p->round = (unsigned)sqlite3_column_int(stmt, 11);
	p->round_start = (time_t)sqlite3_column_int64(stmt, 12);
	p->touches = (unsigned)sqlite3_column_int(stmt, 13);
	p->last_touch = (time_t)sqlite3_column_int64(stmt, 14);
	p->last_reply = (time_t)sqlite3_column_int64(stmt, 15);
	p->last_reply_from = crk_store_column_dup(stmt, 16);
	p->last_message_at = (time_t)sqlite3_column_int64(stmt, 17);
	p->last_message_id = crk_store_column_dup(stmt, 18);
	p->snooze_until = sqlite3_column_type(stmt, 19) == SQLITE_NULL
	    ? CRK_DAY_NONE
	    : (crk_day)sqlite3_column_int(stmt, 19);
	p->closed_at = (time_t)sqlite3_column_int64(stmt, 20);
	if (sqlite3_column_type(stmt, 21) == SQLITE_NULL) {
		p->next_due = CRK_DAY_NONE;
	} else {
		p->next_followup_id = sqlite3_column_int64(stmt, 21);
		p->next_number = (unsigned)sqlite3_column_int(stmt, 22);
		p->next_due = (crk_day)sqlite3_column_int(stmt, 23);
	}
}

static enum crk_status
store_collect_proposals(struct crk_store *store, sqlite3_stmt *stmt,
    struct crk_proposal_list *list, char **error_r)
{
	size_t alloc = 0, i;
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (list->count == alloc) {
			alloc = alloc == 0 ? 16 : alloc * 2;
			list->items = crk_xreallocarray(
			    list->items, alloc, sizeof(*list->items));
		}
		store_read_proposal(stmt, &list->items[list->count++]);
	}
	if (rc != SQLITE_DONE)
		return crk_store_error(store, error_r, "reading proposals");
	sqlite3_reset(stmt);
	if (list->count > STORE_PROSPECTS_BULK)
		return store_load_all_prospects(store, list, error_r);
	for (i = 0; i < list->count; i++) {
		enum crk_status st =
		    store_load_prospects(store, &list->items[i], error_r);

		if (st != CRK_OK)
			return st;
	}
	return CRK_OK;
}

enum crk_status
crk_store_proposals(struct crk_store *store, enum crk_proposal_filter filter,
    struct crk_proposal_list *list_r, char **error_r)
{
	static const char sql_all[] =
	    "SELECT " PROPOSAL_COLUMNS "ORDER BY m.date, p.id";
	static const char sql_active[] =
	    "SELECT " PROPOSAL_COLUMNS
	    "WHERE p.state NOT IN (4, 5, 6) ORDER BY m.date, p.id";
	sqlite3_stmt *stmt;
	enum crk_status status;

	memset(list_r, 0, sizeof(*list_r));
	stmt = crk_store_stmt(
	    store, filter == CRK_PROPOSALS_ACTIVE ? sql_active : sql_all);
	status = store_collect_proposals(store, stmt, list_r, error_r);
	if (status != CRK_OK)
		crk_proposal_list_clear(list_r);
	return status;
}

enum crk_status
crk_store_proposal_get(struct crk_store *store, int64_t id,
    struct crk_proposal **p_r, char **error_r)
{
	sqlite3_stmt *stmt =
	    crk_store_stmt(store, "SELECT " PROPOSAL_COLUMNS "WHERE p.id = ?");
	struct crk_proposal_list list = {0};
	enum crk_status status;

	*p_r = NULL;
	sqlite3_bind_int64(stmt, 1, id);
	status = store_collect_proposals(store, stmt, &list, error_r);
	if (status != CRK_OK)
		return status;
	if (list.count == 0) {
		crk_error_set(error_r, "no proposal %lld", (long long)id);
		return CRK_E_NOTFOUND;
	}
	*p_r = crk_xmalloc(sizeof(**p_r));
	**p_r = list.items[0];
	list.count = 0;
	crk_proposal_list_clear(&list);
	return CRK_OK;
}

enum crk_status
crk_store_proposal_find(struct crk_store *store, const char *key,
    struct crk_proposal **p_r, char **error_r)
{
	static const char sql_exact[] =
	    "SELECT " PROPOSAL_COLUMNS
	    "WHERE p.short_id = ?1 OR p.id = ?2 OR m.message_id = ?3";
	static const char sql_prefix[] =
	    "SELECT " PROPOSAL_COLUMNS
	    "WHERE substr(p.short_id, 1, length(?1)) = ?1 LIMIT 2";
	struct crk_proposal_list list = {0};
	sqlite3_stmt *stmt;
	enum crk_status status;
	char *k = NULL, *lower = NULL, *mid;
	char *end;
	long long num;

	*p_r = NULL;
	k = crk_str_trim(crk_xstrdup(key));
	if (*k == '\0') {
		crk_error_set(error_r, "no proposal ID given");
		status = CRK_E_INVAL;
		goto out;
	}
	mid = k;
	if (*mid == '<') {
		mid++;
		mid[strcspn(mid, ">")] = '\0';
	}
	num = strtoll(k, &end, 10);
	stmt = crk_store_stmt(store, sql_exact);
	/* short IDs are lowercase; Message-IDs compare as they are */
	lower = crk_str_lower(crk_xstrdup(k));
	crk_store_bind_text(stmt, 1, lower);
	sqlite3_bind_int64(stmt, 2, *end == '\0' ? num : -1);
	crk_store_bind_text(stmt, 3, mid);
	status = store_collect_proposals(store, stmt, &list, error_r);
	if (status != CRK_OK)
		goto out;
	if (list.count == 0 && strlen(k) >= 3) {
		stmt = crk_store_stmt(store, sql_prefix);
		crk_store_bind_text(stmt, 1, lower);
		status = store_collect_proposals(store, stmt, &list, error_r);
		if (status != CRK_OK)
			goto out;
	}
	if (list.count == 0) {
		crk_error_set(error_r, "no proposal '%s'", key);
		status = CRK_E_NOTFOUND;
		goto out;
	}
	if (list.count > 1) {
		crk_error_set(error_r,
		    "'%s' names more than one proposal; "
		    "type more of its ID",
		    key);
		status = CRK_E_AMBIGUOUS;
		goto out;
	}
	*p_r = crk_xmalloc(sizeof(**p_r));
	**p_r = list.items[0];
	list.count = 0;
out:
	crk_proposal_list_clear(&list);
	free(lower);
	free(k);
	return status;
}

/* ---- follow-ups ------------------------------------------------------ */

void
crk_followup_list_clear(struct crk_followup_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].channel);
		free(list->items[i].uid);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static enum crk_status
store_collect_followups(struct crk_store *store, sqlite3_stmt *stmt,
    struct crk_followup_list *list_r, char **error_r)
{
	size_t alloc = 0;
	int rc;

	memset(list_r, 0, sizeof(*list_r));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct crk_followup *f;

		if (list_r->count == alloc) {
			alloc = alloc == 0 ? 16 : alloc * 2;
			list_r->items = crk_xreallocarray(
			    list_r->items, alloc, sizeof(*list_r->items));
		}
		f = &list_r->items[list_r->count++];
		f->id = sqlite3_column_int64(stmt, 0);
		f->proposal_id = sqlite3_column_int64(stmt, 1);
		f->round = (unsigned)sqlite3_column_int(stmt, 2);
		f->number = (unsigned)sqlite3_column_int(stmt, 3);
		f->due = (crk_day)sqlite3_column_int(stmt, 4);
		f->state = (enum crk_followup_state)sqlite3_column_int(stmt, 5);
		f->closed_at = (time_t)sqlite3_column_int64(stmt, 6);
		f->channel = crk_store_column_dup(stmt, 7);
		f->uid = crk_store_column_dup(stmt, 8);
		f->created_at = (time_t)sqlite3_column_int64(stmt, 9);
		f->changed_at = (time_t)sqlite3_column_int64(stmt, 10);
		f->sequence = (unsigned)sqlite3_column_int(stmt, 11);
	}
	if (rc != SQLITE_DONE) {
		crk_followup_list_clear(list_r);
		return crk_store_error(store, error_r, "reading follow-ups");
	}
	sqlite3_reset(stmt);
	return CRK_OK;
}

enum crk_status
crk_store_followups(struct crk_store *store, int64_t proposal_id,
    bool open_only, struct crk_followup_list *list_r, char **error_r)
{
	/* Two statements: "?1 = 0 OR proposal = ?1" cannot use the index,
	 * so one proposal's follow-ups would cost a walk of them all. */
	sqlite3_stmt *stmt = proposal_id != 0
	    ? crk_store_stmt(store,
		  "SELECT id, proposal, round, number, due, state, closed_at, "
		  "channel, uid, created_at, changed_at, sequence FROM "
		  "followups WHERE proposal = ?1 AND (?2 = 0 OR state = 0) "
		  "ORDER BY proposal, round, number")
	    : crk_store_stmt(store,
		  "SELECT id, proposal, round, number, due, state, closed_at, "
		  "channel, uid, created_at, changed_at, sequence FROM "
		  "followups WHERE (?2 = 0 OR state = 0) "
		  "ORDER BY proposal, round, number");

	if (proposal_id != 0)
		sqlite3_bind_int64(stmt, 1, proposal_id);
	sqlite3_bind_int(stmt, 2, open_only ? 1 : 0);
	return store_collect_followups(store, stmt, list_r, error_r);
}

/* ---- history --------------------------------------------------------- */

void
crk_event_list_clear(struct crk_event_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].type);
		free(list->items[i].channel);
		free(list->items[i].note);
		free(list->items[i].message_id);
		free(list->items[i].from_addr);
		free(list->items[i].source);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

enum crk_status
crk_store_events(struct crk_store *store, int64_t proposal_id,
    struct crk_event_list *list_r, char **error_r)
{
	/* Mail in the thread and the rep's actions, as one timeline.  The
	 * proposal itself is not an event. */
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT 0, m.date, t.role, CASE t.role WHEN 'touch' THEN 'mail' "
	    "  END, m.subject, m.message_id, m.from_addr, m.return_day, "
	    "  'mail', m.id "
	    "FROM thread t JOIN messages m ON m.id = t.message "
	    "WHERE t.proposal = ?1 AND t.role != 'proposal' "
	    "UNION ALL "
	    "SELECT a.id, a.at, a.type, a.channel, a.note, NULL, NULL, "
	    "  a.day_arg, a.source, a.id "
	    "FROM actions a WHERE a.proposal = ?1 "
	    "ORDER BY 2, 10");
	size_t alloc = 0;
	int rc;

	memset(list_r, 0, sizeof(*list_r));
	sqlite3_bind_int64(stmt, 1, proposal_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct crk_event *e;

		if (list_r->count == alloc) {
			alloc = alloc == 0 ? 16 : alloc * 2;
			list_r->items = crk_xreallocarray(
			    list_r->items, alloc, sizeof(*list_r->items));
		}
		e = &list_r->items[list_r->count++];
		e->id = sqlite3_column_int64(stmt, 0);
		e->at = (time_t)sqlite3_column_int64(stmt, 1);
		e->type = crk_store_column_dup(stmt, 2);
		e->channel = crk_store_column_dup(stmt, 3);
		e->note = crk_store_column_dup(stmt, 4);
		e->message_id = crk_store_column_dup(stmt, 5);
		e->from_addr = crk_store_column_dup(stmt, 6);
		e->day_arg = sqlite3_column_type(stmt, 7) == SQLITE_NULL
		    ? CRK_DAY_NONE
		    : (crk_day)sqlite3_column_int(stmt, 7);
		e->source = crk_store_column_dup(stmt, 8);
	}
	if (rc != SQLITE_DONE) {
		crk_event_list_clear(list_r);
		return crk_store_error(store, error_r, "reading history");
	}
	sqlite3_reset(stmt);
	return CRK_OK;
}

/* ---- calendar item revisions -------------------------------------------- */

enum crk_status
crk_store_item_revision(struct crk_store *store, const char *uid,
    const char *content_hash, time_t now, unsigned *sequence_r,
    time_t *changed_at_r, char **error_r)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = crk_store_stmt(store,
	    "SELECT hash, sequence, changed_at "
	    "FROM item_revisions WHERE uid = ?");
	crk_store_bind_text(stmt, 1, uid);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(stmt, 0),
			content_hash) == 0) {
			*sequence_r = (unsigned)sqlite3_column_int(stmt, 1);
			*changed_at_r = (time_t)sqlite3_column_int64(stmt, 2);
			sqlite3_reset(stmt);
			return CRK_OK;
		}
		*sequence_r = (unsigned)sqlite3_column_int(stmt, 1) + 1;
	} else if (rc == SQLITE_DONE) {
		*sequence_r = 0;
	} else {
		return crk_store_error(store, error_r, "reading item revision");
	}
	sqlite3_reset(stmt);
	*changed_at_r = now;
	stmt = crk_store_stmt(store,
	    "INSERT OR REPLACE INTO item_revisions "
	    "(uid, hash, sequence, changed_at) VALUES (?, ?, ?, ?)");
	crk_store_bind_text(stmt, 1, uid);
	crk_store_bind_text(stmt, 2, content_hash);
	sqlite3_bind_int(stmt, 3, (int)*sequence_r);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)now);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "saving item revision");
	return CRK_OK;
}

/* ---- kept feed parts ------------------------------------------------- */

enum crk_status
crk_store_feed_key(struct crk_store *store, char **key_r, time_t *rendered_at_r,
    char **files_r, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT key, rendered_at, files FROM feed_meta WHERE id = 1");
	int rc;

	*key_r = NULL;
	*rendered_at_r = 0;
	*files_r = NULL;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*key_r = crk_store_column_dup(stmt, 0);
		*rendered_at_r = (time_t)sqlite3_column_int64(stmt, 1);
		*files_r = crk_store_column_dup(stmt, 2);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return crk_store_error(
		    store, error_r, "reading the feed state");
	return CRK_OK;
}

enum crk_status
crk_store_feed_key_set(struct crk_store *store, const char *key, time_t now,
    const char *files, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "INSERT OR REPLACE INTO feed_meta (id, key, rendered_at, files) "
	    "VALUES (1, ?, ?, ?)");

	crk_store_bind_text(stmt, 1, key);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	crk_store_bind_text(stmt, 3, files != NULL ? files : "");
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "saving the feed state");
	return CRK_OK;
}

enum crk_status
crk_store_feed_stale(struct crk_store *store, time_t now,
    struct crk_proposal_list *list_r, char **error_r)
{
	static const char sql[] =
	    "SELECT " PROPOSAL_COLUMNS
	    "WHERE p.id IN (SELECT id FROM proposals "
	    "WHERE feed_dirty = 1 UNION SELECT id FROM "
	    "proposals WHERE feed_until BETWEEN 1 AND ?1) "
	    "ORDER BY m.date, p.id";
	sqlite3_stmt *stmt = crk_store_stmt(store, sql);
	enum crk_status status;

	memset(list_r, 0, sizeof(*list_r));
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)now);
	status = store_collect_proposals(store, stmt, list_r, error_r);
	if (status != CRK_OK)
		crk_proposal_list_clear(list_r);
	return status;
}

enum crk_status
crk_store_feed_part_set(struct crk_store *store, const struct crk_proposal *p,
    const char *events, const char *tasks, time_t until, char **error_r)
{
	const char *texts[2] = {events, tasks};
	sqlite3_stmt *stmt;
	int feed;

	/* in place: a new renderer sets every part, and deleting them all
	 * first cost as much as writing them (bench/) */
	stmt = crk_store_stmt(store,
	    "DELETE FROM feed_parts WHERE proposal = ? AND sort_date <> ?");
	sqlite3_bind_int64(stmt, 1, p->id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)p->sent_at);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "saving a feed part");
	for (feed = 0; feed < 2; feed++) {
		bool none = texts[feed] == NULL || *texts[feed] == '\0';

		stmt = crk_store_stmt(store,
		    none ? "DELETE FROM feed_parts WHERE feed = ?1 "
			   "AND sort_date = ?2 AND proposal = ?3"
			 : "INSERT OR REPLACE INTO feed_parts "
			   "(feed, sort_date, proposal, text) "
			   "VALUES (?1, ?2, ?3, ?4)");
		sqlite3_bind_int(stmt, 1, feed);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)p->sent_at);
		sqlite3_bind_int64(stmt, 3, p->id);
		if (!none)
			crk_store_bind_text(stmt, 4, texts[feed]);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			return crk_store_error(
			    store, error_r, "saving a feed part");
	}
	stmt = crk_store_stmt(store,
	    "UPDATE proposals SET feed_dirty = 0, feed_until = ? WHERE id = ?");
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)until);
	sqlite3_bind_int64(stmt, 2, p->id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "saving a feed part");
	return CRK_OK;
}

enum crk_status
crk_store_feed_parts_each(struct crk_store *store, bool tasks,
    crk_store_part_fn *fn, void *context, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT text FROM feed_parts WHERE feed = ? "
	    "ORDER BY sort_date, proposal");
	enum crk_status status = CRK_OK;
	int rc;

	sqlite3_bind_int(stmt, 1, tasks ? 1 : 0);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);
		size_t len = (size_t)sqlite3_column_bytes(stmt, 0);

		if ((status = fn(context, text != NULL ? text : "", len,
			 error_r)) != CRK_OK)
			break;
	}
	if (status == CRK_OK && rc != SQLITE_DONE)
		status =
		    crk_store_error(store, error_r, "reading the feed parts");
	sqlite3_reset(stmt);
	return status;
}

/* ---- messages and folders -------------------------------------------- */

bool
crk_store_has_message(
    struct crk_store *store, const char *account, const char *message_id)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT 1 FROM messages "
	    "WHERE account = ? AND message_id = ?");
	bool found;

	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, message_id);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_reset(stmt);
	return found;
}

enum crk_status
crk_store_thread_refs(struct crk_store *store, const char *account,
    const char *message_id, struct crk_strv *refs_r, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT r.ref FROM message_refs r "
	    "JOIN messages m ON m.id = r.message "
	    "LEFT JOIN messages o ON o.account = m.account "
	    "  AND o.message_id = r.ref "
	    "WHERE m.account = ?1 AND m.message_id = ?2 "
	    "  AND r.ref <> m.message_id "
	    "ORDER BY o.date IS NOT NULL, o.date, r.ref");
	int rc;

	crk_strv_clear(refs_r);
	if (!crk_store_has_message(store, account, message_id)) {
		crk_error_set(error_r, "no message <%s> in account %s",
		    message_id, account);
		return CRK_E_NOTFOUND;
	}
	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, message_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		crk_strv_add_unique(
		    refs_r, (const char *)sqlite3_column_text(stmt, 0));
	if (rc != SQLITE_DONE) {
		crk_strv_clear(refs_r);
		return crk_store_error(store, error_r, "reading references");
	}
	sqlite3_reset(stmt);
	crk_strv_add(refs_r, message_id);
	return CRK_OK;
}

enum crk_status
crk_store_folder_get(struct crk_store *store, const char *account,
    const char *folder, struct crk_folder_state *state_r, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT uidvalidity, "
	    "last_uid, highestmodseq FROM folders WHERE account = ? AND "
	    "name = ?");
	int rc;

	memset(state_r, 0, sizeof(*state_r));
	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, folder);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		state_r->uidvalidity = (uint32_t)sqlite3_column_int64(stmt, 0);
		state_r->last_uid = (uint32_t)sqlite3_column_int64(stmt, 1);
		state_r->highestmodseq =
		    (uint64_t)sqlite3_column_int64(stmt, 2);
	} else if (rc != SQLITE_DONE) {
		return crk_store_error(store, error_r, "reading folder state");
	}
	sqlite3_reset(stmt);
	return CRK_OK;
}

enum crk_status
crk_store_folder_set(struct crk_store *store, const char *account,
    const char *folder, const struct crk_folder_state *state, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "INSERT OR REPLACE INTO "
	    "folders (account, name, uidvalidity, last_uid, highestmodseq) "
	    "VALUES (?, ?, ?, ?, ?)");

	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, folder);
	sqlite3_bind_int64(stmt, 3, state->uidvalidity);
	sqlite3_bind_int64(stmt, 4, state->last_uid);
	/* MODSEQ is 63-bit (RFC 7162 section 3.1.1): fits sqlite's int64 */
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)state->highestmodseq);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "saving folder state");
	return CRK_OK;
}

enum crk_status
crk_store_folder_reset(struct crk_store *store, const char *account,
    const char *folder, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "DELETE FROM locations "
	    "WHERE account = ? AND folder = ?");

	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, folder);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "resetting folder");
	stmt = crk_store_stmt(store,
	    "DELETE FROM folders WHERE account = ? "
	    "AND name = ?");
	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, folder);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "resetting folder");
	return CRK_OK;
}

/* ---- follow-up drafts -------------------------------------------------- */

void
crk_draft_list_clear(struct crk_draft_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].account);
		free(list->items[i].folder);
		free(list->items[i].message_id);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

enum crk_status
crk_store_draft_begin(struct crk_store *store, int64_t followup_id,
    const char *account, const char *folder, const char *message_id, time_t now,
    char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "INSERT INTO drafts "
	    "(followup, account, folder, message_id, state, created_at) "
	    "VALUES (?, ?, ?, ?, 0, ?)");
	int rc;

	sqlite3_bind_int64(stmt, 1, followup_id);
	crk_store_bind_text(stmt, 2, account);
	crk_store_bind_text(stmt, 3, folder);
	crk_store_bind_text(stmt, 4, message_id);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_CONSTRAINT) {
		sqlite3_reset(stmt);
		crk_error_set(error_r, "follow-up %lld already has a draft",
		    (long long)followup_id);
		return CRK_E_STATE;
	}
	if (rc != SQLITE_DONE)
		return crk_store_error(store, error_r, "recording draft");
	return CRK_OK;
}

enum crk_status
crk_store_draft_set(struct crk_store *store, const char *message_id,
    enum crk_draft_state state, uint32_t uidvalidity, uint32_t uid,
    char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "UPDATE drafts SET "
	    "state = ?1, uidvalidity = CASE WHEN ?2 != 0 THEN ?2 ELSE "
	    "uidvalidity END, uid = CASE WHEN ?3 != 0 THEN ?3 ELSE uid END "
	    "WHERE message_id = ?4");

	sqlite3_bind_int(stmt, 1, (int)state);
	sqlite3_bind_int64(stmt, 2, uidvalidity);
	sqlite3_bind_int64(stmt, 3, uid);
	crk_store_bind_text(stmt, 4, message_id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "updating draft");
	if (sqlite3_changes(crk_store_db(store)) == 0) {
		crk_error_set(
		    error_r, "no draft <%s> was recorded", message_id);
		return CRK_E_NOTFOUND;
	}
	return CRK_OK;
}

enum crk_status
crk_store_draft_forget(
    struct crk_store *store, const char *message_id, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "DELETE FROM drafts "
	    "WHERE message_id = ?");

	crk_store_bind_text(stmt, 1, message_id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "forgetting draft");
	return CRK_OK;
}

enum crk_status
crk_store_drafts(struct crk_store *store, const char *account,
    struct crk_draft_list *list_r, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT "
	    "ifnull(d.followup, 0), ifnull(f.proposal, 0), d.account, "
	    "d.folder, d.uidvalidity, d.uid, d.message_id, d.state, "
	    "d.created_at, ifnull(f.state = 0 AND p.state IN (0, 3), 0) "
	    "FROM drafts d LEFT JOIN followups f ON f.id = d.followup "
	    "LEFT JOIN proposals p ON p.id = f.proposal WHERE d.account = ? "
	    "ORDER BY d.created_at, d.id");
	size_t alloc = 0;
	int rc;

	memset(list_r, 0, sizeof(*list_r));
	crk_store_bind_text(stmt, 1, account);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct crk_draft *d;

		if (list_r->count == alloc) {
			alloc = alloc == 0 ? 16 : alloc * 2;
			list_r->items = crk_xreallocarray(
			    list_r->items, alloc, sizeof(*list_r->items));
		}
		d = &list_r->items[list_r->count++];
		d->followup_id = sqlite3_column_int64(stmt, 0);
		d->proposal_id = sqlite3_column_int64(stmt, 1);
		d->account = crk_store_column_dup(stmt, 2);
		d->folder = crk_store_column_dup(stmt, 3);
		d->uidvalidity = (uint32_t)sqlite3_column_int64(stmt, 4);
		d->uid = (uint32_t)sqlite3_column_int64(stmt, 5);
		d->message_id = crk_store_column_dup(stmt, 6);
		d->state = (enum crk_draft_state)sqlite3_column_int(stmt, 7);
		d->created_at = (time_t)sqlite3_column_int64(stmt, 8);
		d->followup_open = sqlite3_column_int(stmt, 9) != 0;
	}
	if (rc != SQLITE_DONE) {
		crk_draft_list_clear(list_r);
		return crk_store_error(store, error_r, "reading drafts");
	}
	sqlite3_reset(stmt);
	return CRK_OK;
}

enum crk_status
crk_store_followups_needing_draft(struct crk_store *store, const char *account,
    crk_day day, struct crk_followup_list *list_r, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT f.id, f.proposal, "
	    "f.round, f.number, f.due, f.state, f.closed_at, f.channel, "
	    "f.uid, f.created_at, f.changed_at, f.sequence FROM followups f "
	    "JOIN proposals p ON p.id = f.proposal WHERE p.account = ? AND "
	    "p.state = 0 AND f.state = 0 AND f.due <= ? AND NOT EXISTS "
	    "(SELECT 1 FROM drafts d WHERE d.followup = f.id) "
	    "ORDER BY f.due, f.id");

	crk_store_bind_text(stmt, 1, account);
	sqlite3_bind_int(stmt, 2, day);
	return store_collect_followups(store, stmt, list_r, error_r);
}

/* ---- keywords for the server ------------------------------------------- */

void
crk_keyword_change_list_clear(struct crk_keyword_change_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].message_id);
		free(list->items[i].keyword);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

enum crk_status
crk_store_keyword_queue(struct crk_store *store, const char *account,
    const char *message_id, const char *keyword, bool add, time_t now,
    char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "INSERT INTO keyword_queue "
	    "(account, message_id, keyword, \"add\", created_at) "
	    "VALUES (?, ?, ?, ?, ?)");

	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, message_id);
	crk_store_bind_text(stmt, 3, keyword);
	sqlite3_bind_int(stmt, 4, add ? 1 : 0);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)now);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "queueing keyword");
	return CRK_OK;
}

enum crk_status
crk_store_keyword_pending(struct crk_store *store, const char *account,
    struct crk_keyword_change_list *list_r, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT id, message_id, keyword, \"add\", created_at "
	    "FROM keyword_queue WHERE account = ? ORDER BY id");
	size_t alloc = 0;
	int rc;

	memset(list_r, 0, sizeof(*list_r));
	crk_store_bind_text(stmt, 1, account);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct crk_keyword_change *k;

		if (list_r->count == alloc) {
			alloc = alloc == 0 ? 8 : alloc * 2;
			list_r->items = crk_xreallocarray(
			    list_r->items, alloc, sizeof(*list_r->items));
		}
		k = &list_r->items[list_r->count++];
		k->id = sqlite3_column_int64(stmt, 0);
		k->message_id = crk_store_column_dup(stmt, 1);
		k->keyword = crk_store_column_dup(stmt, 2);
		k->add = sqlite3_column_int(stmt, 3) != 0;
		k->created_at = (time_t)sqlite3_column_int64(stmt, 4);
	}
	if (rc != SQLITE_DONE) {
		crk_keyword_change_list_clear(list_r);
		return crk_store_error(store, error_r, "reading keyword queue");
	}
	sqlite3_reset(stmt);
	return CRK_OK;
}

enum crk_status
crk_store_keyword_done(struct crk_store *store, int64_t id, char **error_r)
{
	sqlite3_stmt *stmt =
	    crk_store_stmt(store, "DELETE FROM keyword_queue WHERE id = ?");

	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(store, error_r, "removing keyword");
	return CRK_OK;
}

void
crk_message_location_list_clear(struct crk_message_location_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->items[i].folder);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

enum crk_status
crk_store_message_locations(struct crk_store *store, const char *account,
    const char *message_id, struct crk_message_location_list *list_r,
    char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(store,
	    "SELECT l.folder, l.uidvalidity, l.uid FROM locations l "
	    "JOIN messages m ON m.id = l.message "
	    "WHERE m.account = ?1 AND m.message_id = ?2 AND l.account = ?1 "
	    "ORDER BY l.folder, l.uid");
	size_t alloc = 0;
	int rc;

	memset(list_r, 0, sizeof(*list_r));
	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, message_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct crk_message_location *l;

		if (list_r->count == alloc) {
			alloc = alloc == 0 ? 4 : alloc * 2;
			list_r->items = crk_xreallocarray(
			    list_r->items, alloc, sizeof(*list_r->items));
		}
		l = &list_r->items[list_r->count++];
		l->folder = crk_store_column_dup(stmt, 0);
		l->uidvalidity = (uint32_t)sqlite3_column_int64(stmt, 1);
		l->uid = (uint32_t)sqlite3_column_int64(stmt, 2);
	}
	if (rc != SQLITE_DONE) {
		crk_message_location_list_clear(list_r);
		return crk_store_error(store, error_r, "reading locations");
	}
	sqlite3_reset(stmt);
	return CRK_OK;
}
