/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The crickets engine: links mails into proposal threads and replays each
 * proposal's timeline. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "core/normalize.h"
#include "core/store-private.h"

/*
 * How it works.  Every message is stored once (by account and Message-ID)
 * with its references and addresses.  Linking puts a message into the
 * thread of a proposal with a role (touch, reply, autoreply, bounce, ...).
 * The state of a proposal is never updated in place: it is the fold of its
 * timeline (thread messages and the rep's actions, in time order) as of
 * `now`, recomputed whenever the timeline changes.  So the order in which
 * mail arrives (a reply synced before its proposal, an offline gap) does
 * not matter, and a re-sync from scratch gives the same result.
 */

struct crk_engine {
	struct crk_store *store; /* borrowed */
	struct crk_rules rules;
	struct crk_cadence cadence;
	crk_return_date_fn *return_date;
	int64_t *dirty; /* proposals to replay at commit */
	size_t n_dirty;
	size_t alloc_dirty;
	/* the store's follow-ups follow this engine's cadence: checked in
	 * the first batch committed (engine_cadence_check) */
	bool cadence_checked;
};

/* What linking needs to know of a stored message. */
struct link_msg {
	int64_t pk;
	enum crk_kind kind;
	char *account;
	char *message_id;
	char *from_addr;
	time_t date;
	char *dsn_action;
};

static void
link_msg_clear(struct link_msg *m)
{
	free(m->account);
	free(m->message_id);
	free(m->from_addr);
	free(m->dsn_action);
	memset(m, 0, sizeof(*m));
}

struct crk_engine *
crk_engine_new(struct crk_store *store, const struct crk_rules *rules,
    const struct crk_cadence *cadence)
{
	struct crk_engine *engine = crk_xcalloc(1, sizeof(*engine));

	engine->store = store;
	crk_rules_copy(&engine->rules, rules);
	engine->cadence = *cadence;
	return engine;
}

void
crk_engine_free(struct crk_engine **enginep)
{
	struct crk_engine *engine = *enginep;

	if (engine == NULL)
		return;
	*enginep = NULL;
	crk_rules_clear(&engine->rules);
	free(engine->dirty);
	free(engine);
}

void
crk_engine_set_return_date_parser(
    struct crk_engine *engine, crk_return_date_fn *fn)
{
	engine->return_date = fn;
}

static void
engine_mark_dirty(struct crk_engine *engine, int64_t proposal)
{
	/* Duplicates are dropped at commit (engine_dirty_unique): a search
	 * here made a refresh of every proposal quadratic. */
	if (engine->n_dirty > 0 &&
	    engine->dirty[engine->n_dirty - 1] == proposal)
		return;
	if (engine->n_dirty == engine->alloc_dirty) {
		engine->alloc_dirty =
		    engine->alloc_dirty == 0 ? 16 : engine->alloc_dirty * 2;
		engine->dirty = crk_xreallocarray(
		    engine->dirty, engine->alloc_dirty, sizeof(*engine->dirty));
	}
	engine->dirty[engine->n_dirty++] = proposal;
}

static int
engine_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

const int64_t *
crk_engine_batch_proposals(const struct crk_engine *engine, size_t *n_r)
{
	*n_r = engine->n_dirty;
	return engine->dirty;
}

/* Sorts the dirty proposals and drops the duplicates. */
static void
engine_dirty_unique(struct crk_engine *engine)
{
	size_t i, n = 0;

	if (engine->n_dirty < 2)
		return;
	qsort(engine->dirty, engine->n_dirty, sizeof(*engine->dirty),
	    engine_id_cmp);
	for (i = 0; i < engine->n_dirty; i++)
		if (n == 0 || engine->dirty[n - 1] != engine->dirty[i])
			engine->dirty[n++] = engine->dirty[i];
	engine->n_dirty = n;
}

/* ---- small helpers ------------------------------------------------------ */

static uint64_t
engine_fnv1a(uint64_t h, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff; /* field separator */
	h *= 0x100000001b3ULL;
	return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL

/* A stable id for a message without Message-ID: the same mail seen in two
 * folders or synced twice gets the same one. */
static char *
engine_synthetic_id(const struct crk_message *msg)
{
	uint64_t h = FNV_OFFSET;
	char buf[32];
	size_t i;

	h = engine_fnv1a(h, msg->from.addr);
	h = engine_fnv1a(h, msg->subject);
	snprintf(buf, sizeof(buf), "%lld", (long long)msg->date);
	h = engine_fnv1a(h, buf);
	for (i = 0; i < msg->to.count; i++)
		h = engine_fnv1a(h, msg->to.items[i].addr);
	return crk_xasprintf(
	    "crickets.%016llx@synthetic.invalid", (unsigned long long)h);
}

/* When a mail happened: its Date, unless absent or in the future (a
 * sender's wrong clock), then its arrival, then now. */
static time_t
engine_message_time(const struct crk_message *msg, time_t now)
{
	if (msg->date > 0 && msg->date <= now)
		return msg->date;
	if (msg->internal_date > 0 && msg->internal_date <= now)
		return msg->internal_date;
	return now;
}

static bool
engine_dsn_is_final(const char *action)
{
	/* RFC 3464 section 2.3.3: only "failed" means it will never arrive;
	 * delayed, delivered, relayed and expanded are informational.  A
	 * report without a parsed action (prose bounces) counts as failed. */
	return action == NULL || *action == '\0' ||
	    crk_strcasecmp(action, "failed") == 0;
}

/* ---- storing messages ---------------------------------------------------- */

static enum crk_status
engine_insert_addrs(struct crk_engine *engine, int64_t pk, int role,
    const struct crk_addr_list *list, char **error_r)
{
	sqlite3_stmt *stmt;
	size_t i;

	for (i = 0; i < list->count; i++) {
		if (list->items[i].addr == NULL)
			continue;
		stmt = crk_store_stmt(engine->store,
		    "INSERT OR IGNORE INTO "
		    "message_addrs (message, role, addr, name) "
		    "VALUES (?, ?, ?, ?)");
		sqlite3_bind_int64(stmt, 1, pk);
		sqlite3_bind_int(stmt, 2, role);
		crk_store_bind_text(stmt, 3, list->items[i].addr);
		crk_store_bind_text(stmt, 4, list->items[i].name);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			return crk_store_error(
			    engine->store, error_r, "storing addresses");
	}
	return CRK_OK;
}

static enum crk_status
engine_insert_ref(
    struct crk_engine *engine, int64_t pk, const char *ref, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(engine->store,
	    "INSERT OR IGNORE "
	    "INTO message_refs (message, ref) VALUES (?, ?)");

	sqlite3_bind_int64(stmt, 1, pk);
	crk_store_bind_text(stmt, 2, ref);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(
		    engine->store, error_r, "storing references");
	return CRK_OK;
}

static enum crk_status
engine_store_message(struct crk_engine *engine, const char *account,
    const struct crk_message *msg, const char *mid, enum crk_kind kind,
    time_t now, int64_t *pk_r, bool *is_new_r, char **error_r)
{
	sqlite3_stmt *stmt;
	struct crk_addr_list from = {0}, failed = {0};
	enum crk_status status = CRK_OK;
	char *subject_norm = NULL, *attachments = NULL, *keywords = NULL;
	int track = 0;
	crk_day return_day = CRK_DAY_NONE;
	size_t i;
	int rc;

	*is_new_r = false;
	keywords = crk_strv_join(&msg->keywords, " ");
	stmt = crk_store_stmt(engine->store,
	    "SELECT id FROM messages "
	    "WHERE account = ? AND message_id = ?");
	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, mid);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*pk_r = sqlite3_column_int64(stmt, 0);
		sqlite3_reset(stmt);
		/* Seen again: only the flags can have changed. */
		stmt = crk_store_stmt(engine->store,
		    "UPDATE messages SET "
		    "keywords = ? WHERE id = ?");
		crk_store_bind_text(stmt, 1, keywords);
		sqlite3_bind_int64(stmt, 2, *pk_r);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			status = crk_store_error(
			    engine->store, error_r, "updating message");
		goto out;
	}
	if (rc != SQLITE_DONE) {
		status = crk_store_error(
		    engine->store, error_r, "looking up message");
		goto out;
	}
	sqlite3_reset(stmt);

	if (crk_strv_contains_ci(&msg->keywords, CRK_KEYWORD_IGNORE))
		track = -1;
	else if (crk_strv_contains_ci(&msg->keywords, CRK_KEYWORD_TRACK))
		track = 1;
	if (kind == CRK_KIND_AUTOREPLY && msg->body_text != NULL &&
	    engine->return_date != NULL) {
		if (!engine->return_date(msg->body_text,
			engine_message_time(msg, now), &return_day))
			return_day = CRK_DAY_NONE;
	}
	subject_norm = crk_subject_normalize(msg->subject);
	attachments = crk_strv_join(&msg->attachments, "\n");

	stmt = crk_store_stmt(engine->store,
	    "INSERT INTO messages (account, "
	    "message_id, date, from_addr, from_name, subject, subject_norm, "
	    "kind, attachments, keywords, track, return_day, dsn_message_id, "
	    "dsn_action, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?)");
	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, mid);
	sqlite3_bind_int64(
	    stmt, 3, (sqlite3_int64)engine_message_time(msg, now));
	crk_store_bind_text(stmt, 4, msg->from.addr);
	crk_store_bind_text(stmt, 5, msg->from.name);
	crk_store_bind_text(stmt, 6, msg->subject);
	crk_store_bind_text(stmt, 7, subject_norm);
	sqlite3_bind_int(stmt, 8, (int)kind);
	crk_store_bind_text(stmt, 9, *attachments != '\0' ? attachments : NULL);
	crk_store_bind_text(stmt, 10, keywords);
	sqlite3_bind_int(stmt, 11, track);
	if (return_day != CRK_DAY_NONE)
		sqlite3_bind_int(stmt, 12, return_day);
	crk_store_bind_text(stmt, 13, msg->dsn_message_id);
	crk_store_bind_text(stmt, 14, msg->dsn_action);
	sqlite3_bind_int64(stmt, 15, (sqlite3_int64)now);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		status =
		    crk_store_error(engine->store, error_r, "storing message");
		goto out;
	}
	*pk_r = sqlite3_last_insert_rowid(crk_store_db(engine->store));
	*is_new_r = true;

	if (msg->in_reply_to != NULL) {
		status =
		    engine_insert_ref(engine, *pk_r, msg->in_reply_to, error_r);
		if (status != CRK_OK)
			goto out;
	}
	for (i = 0; i < msg->references.count; i++) {
		status = engine_insert_ref(
		    engine, *pk_r, msg->references.items[i], error_r);
		if (status != CRK_OK)
			goto out;
	}
	if (msg->from.addr != NULL)
		crk_addr_list_add(&from, msg->from.addr, msg->from.name);
	for (i = 0; i < msg->failed_recipients.count; i++) {
		char *a = crk_addr_normalize(msg->failed_recipients.items[i]);

		if (a != NULL)
			crk_addr_list_add(&failed, a, NULL);
		free(a);
	}
	if ((status = engine_insert_addrs(engine, *pk_r, 0, &from, error_r)) !=
		CRK_OK ||
	    (status = engine_insert_addrs(
		 engine, *pk_r, 1, &msg->to, error_r)) != CRK_OK ||
	    (status = engine_insert_addrs(
		 engine, *pk_r, 2, &msg->cc, error_r)) != CRK_OK ||
	    (status = engine_insert_addrs(
		 engine, *pk_r, 3, &failed, error_r)) != CRK_OK)
		goto out;
out:
	crk_addr_list_clear(&from);
	crk_addr_list_clear(&failed);
	free(subject_norm);
	free(attachments);
	free(keywords);
	return status;
}

static enum crk_status
engine_store_location(struct crk_engine *engine, const char *account,
    int64_t pk, const struct crk_location *loc, char **error_r)
{
	sqlite3_stmt *stmt;

	if (loc == NULL || loc->folder == NULL)
		return CRK_OK;
	stmt = crk_store_stmt(engine->store,
	    "INSERT OR REPLACE INTO "
	    "locations (account, folder, uidvalidity, uid, message) "
	    "VALUES (?, ?, ?, ?, ?)");
	crk_store_bind_text(stmt, 1, account);
	crk_store_bind_text(stmt, 2, loc->folder);
	sqlite3_bind_int64(stmt, 3, loc->uidvalidity);
	sqlite3_bind_int64(stmt, 4, loc->uid);
	sqlite3_bind_int64(stmt, 5, pk);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(
		    engine->store, error_r, "storing location");
	return CRK_OK;
}

static enum crk_status
engine_load_link_msg(
    struct crk_engine *engine, int64_t pk, struct link_msg *m, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(engine->store,
	    "SELECT kind, "
	    "account, message_id, from_addr, date, dsn_action "
	    "FROM messages WHERE id = ?");

	memset(m, 0, sizeof(*m));
	sqlite3_bind_int64(stmt, 1, pk);
	if (sqlite3_step(stmt) != SQLITE_ROW)
		return crk_store_error(
		    engine->store, error_r, "loading message");
	m->pk = pk;
	m->kind = (enum crk_kind)sqlite3_column_int(stmt, 0);
	m->account = crk_store_column_dup(stmt, 1);
	m->message_id = crk_store_column_dup(stmt, 2);
	m->from_addr = crk_store_column_dup(stmt, 3);
	m->date = (time_t)sqlite3_column_int64(stmt, 4);
	m->dsn_action = crk_store_column_dup(stmt, 5);
	sqlite3_reset(stmt);
	return CRK_OK;
}

/* Collects the integer column 0 of every row of a prepared statement. */
static enum crk_status
engine_collect_ids(struct crk_engine *engine, sqlite3_stmt *stmt,
    int64_t **ids_r, size_t *n_r, char **error_r)
{
	size_t alloc = 0;
	int rc;

	*ids_r = NULL;
	*n_r = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*n_r == alloc) {
			alloc = alloc == 0 ? 8 : alloc * 2;
			*ids_r =
			    crk_xreallocarray(*ids_r, alloc, sizeof(**ids_r));
		}
		(*ids_r)[(*n_r)++] = sqlite3_column_int64(stmt, 0);
	}
	if (rc != SQLITE_DONE) {
		free(*ids_r);
		*ids_r = NULL;
		*n_r = 0;
		return crk_store_error(engine->store, error_r, "query");
	}
	sqlite3_reset(stmt);
	return CRK_OK;
}

/* ---- linking ------------------------------------------------------------ */

static enum crk_status engine_attach(struct crk_engine *engine,
    int64_t proposal, int64_t pk, bool via_refs, char **error_r);

/* The role a message of this kind plays in a proposal's thread, or NULL
 * when it does not belong there.  Colleagues only join through
 * references: a colleague mailing the prospect on another matter is not
 * part of the deal's thread. */
static const char *
engine_role(const struct link_msg *m, bool via_refs)
{
	switch (m->kind) {
	case CRK_KIND_OWN: return CRK_ROLE_TOUCH;
	case CRK_KIND_INBOUND: return CRK_ROLE_REPLY;
	case CRK_KIND_AUTOREPLY: return CRK_ROLE_AUTOREPLY;
	case CRK_KIND_BOUNCE:
		return engine_dsn_is_final(m->dsn_action) ? CRK_ROLE_BOUNCE
							  : CRK_ROLE_DSN_INFO;
	case CRK_KIND_INTERNAL: return via_refs ? CRK_ROLE_COLLEAGUE : NULL;
	case CRK_KIND_LIST: return NULL;
	}
	return NULL;
}

/* If pk is the message of another proposal (it was judged a proposal
 * before the message it answers was synced), that proposal is folded into
 * this one: its actions move over and its thread is re-linked here. */
static enum crk_status
engine_absorb(
    struct crk_engine *engine, int64_t proposal, int64_t pk, char **error_r)
{
	sqlite3_stmt *stmt;
	int64_t other = 0, *members = NULL;
	size_t n_members = 0, i;
	enum crk_status status;

	stmt = crk_store_stmt(engine->store,
	    "SELECT id FROM proposals "
	    "WHERE message = ? AND id != ?");
	sqlite3_bind_int64(stmt, 1, pk);
	sqlite3_bind_int64(stmt, 2, proposal);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		other = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (other == 0)
		return CRK_OK;
	crk_debug("proposal %lld is a touch of proposal %lld: merging",
	    (long long)other, (long long)proposal);
	stmt = crk_store_stmt(engine->store,
	    "SELECT message FROM thread "
	    "WHERE proposal = ? AND role != 'proposal'");
	sqlite3_bind_int64(stmt, 1, other);
	status =
	    engine_collect_ids(engine, stmt, &members, &n_members, error_r);
	if (status != CRK_OK)
		goto out;
	stmt = crk_store_stmt(engine->store,
	    "UPDATE actions SET proposal = ? "
	    "WHERE proposal = ?");
	sqlite3_bind_int64(stmt, 1, proposal);
	sqlite3_bind_int64(stmt, 2, other);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		status = crk_store_error(engine->store, error_r, "merging");
		goto out;
	}
	stmt = crk_store_stmt(engine->store,
	    "DELETE FROM proposals "
	    "WHERE id = ?");
	sqlite3_bind_int64(stmt, 1, other);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		status = crk_store_error(engine->store, error_r, "merging");
		goto out;
	}
	for (i = 0; i < engine->n_dirty; i++) {
		if (engine->dirty[i] == other)
			engine->dirty[i] = proposal;
	}
	for (i = 0; i < n_members; i++) {
		status =
		    engine_attach(engine, proposal, members[i], true, error_r);
		if (status != CRK_OK)
			goto out;
	}
out:
	free(members);
	return status;
}

/* Puts message pk into the thread of proposal, then everything that
 * answers it.  An explicit work list instead of recursion: a thread of a
 * thousand messages must not exhaust the stack. */
static enum crk_status
engine_attach(struct crk_engine *engine, int64_t proposal, int64_t pk,
    bool via_refs, char **error_r)
{
	struct link_msg m = {0};
	int64_t *work = NULL, *children = NULL;
	size_t n_work = 0, alloc_work = 0, n_children = 0, i;
	enum crk_status status = CRK_OK;
	sqlite3_stmt *stmt;
	const char *role;
	bool first = true;

	work = crk_xmalloc(sizeof(*work));
	work[n_work++] = pk;
	alloc_work = 1;
	while (n_work > 0) {
		int64_t cur = work[--n_work];

		link_msg_clear(&m);
		if ((status = engine_load_link_msg(engine, cur, &m, error_r)) !=
		    CRK_OK)
			goto out;
		role = engine_role(&m, first ? via_refs : true);
		first = false;
		if (role == NULL)
			continue;
		stmt = crk_store_stmt(engine->store,
		    "INSERT OR IGNORE INTO "
		    "thread (proposal, message, role) VALUES (?, ?, ?)");
		sqlite3_bind_int64(stmt, 1, proposal);
		sqlite3_bind_int64(stmt, 2, cur);
		crk_store_bind_text(stmt, 3, role);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			status = crk_store_error(
			    engine->store, error_r, "linking message");
			goto out;
		}
		if (sqlite3_changes(crk_store_db(engine->store)) == 0)
			continue; /* already there */
		engine_mark_dirty(engine, proposal);
		if (strcmp(role, CRK_ROLE_TOUCH) == 0 &&
		    (status = engine_absorb(engine, proposal, cur, error_r)) !=
			CRK_OK)
			goto out;
		if (strcmp(role, CRK_ROLE_TOUCH) != 0 &&
		    strcmp(role, CRK_ROLE_REPLY) != 0 &&
		    strcmp(role, CRK_ROLE_COLLEAGUE) != 0)
			continue;
		/* Whatever answers this message, or reports it bounced,
		 * belongs to the thread too. */
		/* By message_refs_ref and messages_dsn.  An OR of both, or
		 * an index on account, let SQLite scan the account's
		 * messages instead (CROSS JOIN and the unary + keep it off
		 * that plan): quadratic on a large mailbox. */
		stmt = crk_store_stmt(engine->store,
		    "SELECT m.id FROM message_refs r CROSS JOIN messages m "
		    "ON m.id = r.message WHERE r.ref = ?2 AND +m.account = ?1 "
		    "AND m.id NOT IN (SELECT message FROM thread WHERE "
		    "proposal = ?3) UNION SELECT m.id FROM messages m WHERE "
		    "m.dsn_message_id = ?2 AND +m.account = ?1 AND m.id NOT IN "
		    "(SELECT message FROM thread WHERE proposal = ?3)");
		crk_store_bind_text(stmt, 1, m.account);
		crk_store_bind_text(stmt, 2, m.message_id);
		sqlite3_bind_int64(stmt, 3, proposal);
		status = engine_collect_ids(
		    engine, stmt, &children, &n_children, error_r);
		if (status != CRK_OK)
			goto out;
		for (i = 0; i < n_children; i++) {
			if (n_work == alloc_work) {
				alloc_work *= 2;
				work = crk_xreallocarray(
				    work, alloc_work, sizeof(*work));
			}
			work[n_work++] = children[i];
		}
		free(children);
		children = NULL;
	}
out:
	link_msg_clear(&m);
	free(work);
	free(children);
	return status;
}

/* Links the messages stored before this proposal existed: answers by
 * reference, and the fallbacks for clients that break threading. */
static enum crk_status
engine_backfill(struct crk_engine *engine, int64_t proposal, char **error_r)
{
	/* One query for all fallbacks; see DESIGN.md "What counts as what".
	 * ?1 proposal.  Kinds: 0 own, 1 bounce, 2 autoreply, 5 inbound. */
	/* Three lookups, each by an index (one OR over them made SQLite
	 * scan every message once per new proposal: quadratic on a large
	 * mailbox): same subject, a prospect's address, the returned
	 * Message-ID of a bounce. */
	static const char sql[] =
	    "WITH p AS (SELECT pr.id, pr.account, pm.date, pm.subject_norm, "
	    "  pm.message_id FROM proposals pr JOIN messages pm "
	    "  ON pm.id = pr.message WHERE pr.id = ?1), "
	    "c(id, date) AS ("
	    /* a genuine reply from a prospect with the same subject, or the
	     * rep writing to a prospect with the same subject */
	    " SELECT m.id, m.date FROM p JOIN messages m ON "
	    "  m.account = p.account AND m.subject_norm = p.subject_norm "
	    "  WHERE m.kind IN (0, 5) AND EXISTS (SELECT 1 FROM "
	    "  message_addrs a JOIN prospects x ON x.addr = a.addr AND "
	    "  x.proposal = ?1 WHERE a.message = m.id AND ((m.kind = 5 AND "
	    "  a.role = 0) OR (m.kind = 0 AND a.role IN (1, 2))))"
	    /* a prospect's out-of-office, a bounce of a prospect's address */
	    " UNION SELECT m.id, m.date FROM p, prospects x JOIN "
	    "  message_addrs a ON a.addr = x.addr JOIN messages m ON "
	    "  m.id = a.message WHERE x.proposal = ?1 AND "
	    "  m.account = p.account AND ((m.kind = 2 AND a.role = 0) OR "
	    "  (m.kind = 1 AND a.role = 3))"
	    /* a bounce of the proposal itself */
	    " UNION SELECT m.id, m.date FROM p JOIN messages m ON "
	    "  m.dsn_message_id = p.message_id AND m.account = p.account "
	    "  WHERE m.kind = 1) "
	    "SELECT c.id FROM c, p WHERE c.date >= p.date AND c.id NOT IN "
	    "(SELECT message FROM thread WHERE proposal = ?1) ORDER BY c.date";
	static const char sql_refs[] =
	    "SELECT r.message FROM proposals pr JOIN messages pm ON pm.id = "
	    "pr.message JOIN message_refs r ON r.ref = pm.message_id "
	    "JOIN messages m ON m.id = r.message AND m.account = pr.account "
	    "WHERE pr.id = ?1 UNION SELECT m.id FROM proposals pr JOIN "
	    "messages pm ON pm.id = pr.message JOIN messages m ON "
	    "m.dsn_message_id = pm.message_id AND m.account = pr.account "
	    "WHERE pr.id = ?1";
	int64_t *ids = NULL;
	size_t n = 0, i;
	enum crk_status status;
	sqlite3_stmt *stmt;

	stmt = crk_store_stmt(engine->store, sql_refs);
	sqlite3_bind_int64(stmt, 1, proposal);
	if ((status = engine_collect_ids(engine, stmt, &ids, &n, error_r)) !=
	    CRK_OK)
		return status;
	for (i = 0; i < n && status == CRK_OK; i++)
		status = engine_attach(engine, proposal, ids[i], true, error_r);
	free(ids);
	if (status != CRK_OK)
		return status;

	stmt = crk_store_stmt(engine->store, sql);
	sqlite3_bind_int64(stmt, 1, proposal);
	if ((status = engine_collect_ids(engine, stmt, &ids, &n, error_r)) !=
	    CRK_OK)
		return status;
	for (i = 0; i < n && status == CRK_OK; i++)
		status =
		    engine_attach(engine, proposal, ids[i], false, error_r);
	free(ids);
	return status;
}

/* A short ID a rep can type: base32 of a hash of the Message-ID, so it is
 * the same after a re-sync from scratch; longer only on a collision. */
static enum crk_status
engine_short_id(struct crk_engine *engine, const char *account, const char *mid,
    char **id_r, char **error_r)
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	uint64_t h = engine_fnv1a(engine_fnv1a(FNV_OFFSET, account), mid);
	char buf[16];
	size_t len, i;
	sqlite3_stmt *stmt;
	int rc;

	*id_r = NULL;
	for (len = 6; len <= 12; len++) {
		uint64_t x = h;

		for (i = 0; i < len; i++) {
			buf[i] = alphabet[x & 31];
			x >>= 5;
		}
		buf[len] = '\0';
		/* never all digits: a numeric key means the row id */
		if (strspn(buf, "0123456789") == len)
			buf[0] = 'x';
		stmt = crk_store_stmt(engine->store,
		    "SELECT 1 FROM proposals "
		    "WHERE short_id = ?");
		crk_store_bind_text(stmt, 1, buf);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc == SQLITE_DONE) {
			*id_r = crk_xstrdup(buf);
			return CRK_OK;
		}
		if (rc != SQLITE_ROW)
			return crk_store_error(
			    engine->store, error_r, "choosing an ID");
	}
	crk_error_set(error_r, "no free short ID for %s", mid);
	return CRK_E_DB;
}

static enum crk_status
engine_create_proposal(struct crk_engine *engine, const char *account,
    int64_t pk, const struct crk_message *msg, const char *mid,
    const char *reason, time_t now, int64_t *proposal_r, char **error_r)
{
	struct crk_addr_list prospects = {0};
	enum crk_status status;
	sqlite3_stmt *stmt;
	char *short_id = NULL;
	int64_t id;
	size_t i;

	if ((status = engine_short_id(
		 engine, account, mid, &short_id, error_r)) != CRK_OK)
		goto out;
	stmt = crk_store_stmt(engine->store,
	    "INSERT INTO proposals "
	    "(short_id, account, message, reason, created_at, round_start) "
	    "SELECT ?, ?, ?, ?, ?, date FROM messages WHERE id = ?3");
	crk_store_bind_text(stmt, 1, short_id);
	crk_store_bind_text(stmt, 2, account);
	sqlite3_bind_int64(stmt, 3, pk);
	crk_store_bind_text(stmt, 4, reason);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)now);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		status = crk_store_error(
		    engine->store, error_r, "creating proposal");
		goto out;
	}
	id = sqlite3_last_insert_rowid(crk_store_db(engine->store));
	crk_classify_prospects(&engine->rules, msg, &prospects);
	for (i = 0; i < prospects.count; i++) {
		stmt = crk_store_stmt(engine->store,
		    "INSERT OR IGNORE INTO "
		    "prospects (proposal, addr, name) VALUES (?, ?, ?)");
		sqlite3_bind_int64(stmt, 1, id);
		crk_store_bind_text(stmt, 2, prospects.items[i].addr);
		crk_store_bind_text(stmt, 3, prospects.items[i].name);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			status = crk_store_error(
			    engine->store, error_r, "storing prospects");
			goto out;
		}
	}
	stmt = crk_store_stmt(engine->store,
	    "INSERT INTO thread (proposal, "
	    "message, role) VALUES (?, ?, 'proposal')");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, pk);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		status = crk_store_error(
		    engine->store, error_r, "creating proposal");
		goto out;
	}
	engine_mark_dirty(engine, id);
	crk_debug("new proposal %s: <%s> (%s)", short_id, mid, reason);
	if ((status = engine_backfill(engine, id, error_r)) != CRK_OK)
		goto out;
	if (proposal_r != NULL)
		*proposal_r = id;
out:
	crk_addr_list_clear(&prospects);
	free(short_id);
	return status;
}

/* Proposals whose thread holds a message that pk references (or, for a
 * bounce, the message it returns). */
static enum crk_status
engine_find_by_refs(struct crk_engine *engine, int64_t pk, int64_t **ids_r,
    size_t *n_r, char **error_r)
{
	/* Two lookups by (account, message_id), one per kind of pointer: an
	 * OR of both made SQLite walk every message of the account for each
	 * new message, which made the initial sync quadratic. */
	sqlite3_stmt *stmt = crk_store_stmt(engine->store,
	    "SELECT t.proposal FROM message_refs r "
	    "CROSS JOIN messages me ON me.id = r.message "
	    "CROSS JOIN messages x ON x.account = me.account AND "
	    "  x.message_id = r.ref "
	    "CROSS JOIN thread t ON t.message = x.id AND t.role IN "
	    "('proposal', "
	    "  'touch', 'reply', 'colleague') "
	    "WHERE r.message = ?1 "
	    "UNION SELECT t.proposal FROM messages me "
	    "CROSS JOIN messages x ON x.account = me.account AND "
	    "  x.message_id = me.dsn_message_id "
	    "CROSS JOIN thread t ON t.message = x.id AND t.role IN "
	    "('proposal', "
	    "  'touch', 'reply', 'colleague') "
	    "WHERE me.id = ?1");

	sqlite3_bind_int64(stmt, 1, pk);
	return engine_collect_ids(engine, stmt, ids_r, n_r, error_r);
}

/* The fallbacks of DESIGN.md for a message that references no thread. */
static enum crk_status
engine_find_by_fallback(struct crk_engine *engine, const struct link_msg *m,
    int64_t **ids_r, size_t *n_r, char **error_r)
{
	/* From the message's own addresses to the proposals of those
	 * prospects (prospects_addr): the cost is the prospects' proposals,
	 * not the mailbox.  CROSS JOIN keeps SQLite to that order; left to
	 * itself (no ANALYZE statistics) it scanned every proposal for every
	 * new message.  Roles: 0 from, 1 to, 2 cc, 3 failed recipient. */
	static const char sql[] =
	    "SELECT DISTINCT pr.id FROM messages me "
	    "CROSS JOIN message_addrs a CROSS JOIN prospects x "
	    "CROSS JOIN proposals pr CROSS JOIN messages pm "
	    "WHERE me.id = ?1 AND a.message = me.id AND x.addr = a.addr "
	    "AND pr.id = x.proposal AND pm.id = pr.message "
	    "AND pr.account = me.account AND pm.date <= me.date "
	    "AND pr.message != me.id AND ("
	    /* the rep writing to a prospect, a prospect writing back, with
	     * the same subject */
	    " (((me.kind = 0 AND a.role IN (1, 2)) OR (me.kind = 5 AND "
	    "  a.role = 0)) AND pm.subject_norm = me.subject_norm AND "
	    "  pm.subject_norm != '')"
	    /* a prospect's out-of-office, a bounce of a prospect's address,
	     * while the proposal is open */
	    " OR (((me.kind = 2 AND a.role = 0) OR (me.kind = 1 AND "
	    "  a.role = 3)) AND pr.state NOT IN (4, 5, 6))) "
	    "ORDER BY pr.id";
	sqlite3_stmt *stmt;

	if (m->kind != CRK_KIND_OWN && m->kind != CRK_KIND_INBOUND &&
	    m->kind != CRK_KIND_AUTOREPLY && m->kind != CRK_KIND_BOUNCE) {
		*ids_r = NULL;
		*n_r = 0;
		return CRK_OK;
	}
	stmt = crk_store_stmt(engine->store, sql);
	sqlite3_bind_int64(stmt, 1, m->pk);
	return engine_collect_ids(engine, stmt, ids_r, n_r, error_r);
}

static enum crk_status
engine_link_new(struct crk_engine *engine, const char *account, int64_t pk,
    const struct crk_message *msg, const char *mid, time_t now, char **error_r)
{
	struct link_msg m = {0};
	int64_t *ids = NULL;
	size_t n = 0, i;
	enum crk_status status;
	enum crk_verdict verdict;
	char *reason = NULL;
	bool via_refs = true;

	if ((status = engine_load_link_msg(engine, pk, &m, error_r)) != CRK_OK)
		goto out;
	if (m.kind == CRK_KIND_LIST)
		goto out;
	if ((status = engine_find_by_refs(engine, pk, &ids, &n, error_r)) !=
	    CRK_OK)
		goto out;
	if (n == 0) {
		via_refs = false;
		if ((status = engine_find_by_fallback(
			 engine, &m, &ids, &n, error_r)) != CRK_OK)
			goto out;
	}
	for (i = 0; i < n; i++) {
		status = engine_attach(engine, ids[i], pk, via_refs, error_r);
		if (status != CRK_OK)
			goto out;
	}
	if (n > 0 || m.kind != CRK_KIND_OWN)
		goto out;

	/* The rep's own message in no thread: a new proposal? */
	verdict = crk_classify_proposal(&engine->rules, msg, &reason);
	if (verdict == CRK_VERDICT_YES || verdict == CRK_VERDICT_FORCED) {
		status = engine_create_proposal(engine, account, pk, msg, mid,
		    reason != NULL ? reason : "proposal", now, NULL, error_r);
	} else {
		crk_debug("<%s> is not a proposal: %s", mid,
		    reason != NULL ? reason : "no reason");
	}
out:
	link_msg_clear(&m);
	free(ids);
	free(reason);
	return status;
}

/* ---- keywords -------------------------------------------------------- */

static enum crk_status
engine_add_action(struct crk_engine *engine, int64_t proposal, time_t at,
    const char *type, const char *channel, const char *note, crk_day day_arg,
    const char *source, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(engine->store,
	    "INSERT INTO "
	    "actions (proposal, at, type, channel, note, day_arg, source) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)");

	sqlite3_bind_int64(stmt, 1, proposal);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)at);
	crk_store_bind_text(stmt, 3, type);
	crk_store_bind_text(stmt, 4, channel);
	crk_store_bind_text(stmt, 5, note);
	if (day_arg != CRK_DAY_NONE)
		sqlite3_bind_int(stmt, 6, day_arg);
	crk_store_bind_text(stmt, 7, source != NULL ? source : "cli");
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(
		    engine->store, error_r, "recording action");
	engine_mark_dirty(engine, proposal);
	return CRK_OK;
}

static enum crk_status
engine_untrack(struct crk_engine *engine, int64_t proposal, char **error_r);

/* crickets-won/lost/drop on any message of a thread close its proposal;
 * crickets-ignore on a proposal stops tracking it.  Each keyword acts
 * once: removing it later changes nothing (the rep's commands can). */
static enum crk_status
engine_apply_keywords(struct crk_engine *engine, int64_t pk,
    const struct crk_message *msg, time_t now, char **error_r)
{
	static const struct {
		const char *keyword;
		const char *action;
	} closers[] = {
	    {CRK_KEYWORD_WON, "won"},
	    {CRK_KEYWORD_LOST, "lost"},
	    {CRK_KEYWORD_DROP, "drop"},
	};
	int64_t *ids = NULL;
	size_t n = 0, i, k;
	enum crk_status status = CRK_OK;
	sqlite3_stmt *stmt;

	if (msg->keywords.count == 0)
		return CRK_OK;
	if (crk_strv_contains_ci(&msg->keywords, CRK_KEYWORD_IGNORE)) {
		stmt = crk_store_stmt(engine->store,
		    "UPDATE messages SET "
		    "track = -1 WHERE id = ?");
		sqlite3_bind_int64(stmt, 1, pk);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			return crk_store_error(
			    engine->store, error_r, "updating message");
		stmt = crk_store_stmt(engine->store,
		    "SELECT id FROM proposals "
		    "WHERE message = ?");
		sqlite3_bind_int64(stmt, 1, pk);
		if ((status = engine_collect_ids(
			 engine, stmt, &ids, &n, error_r)) != CRK_OK)
			return status;
		for (i = 0; i < n && status == CRK_OK; i++)
			status = engine_untrack(engine, ids[i], error_r);
		free(ids);
		return status;
	}
	stmt = crk_store_stmt(engine->store,
	    "SELECT proposal FROM thread "
	    "WHERE message = ? AND role IN ('proposal', 'touch', 'reply')");
	sqlite3_bind_int64(stmt, 1, pk);
	if ((status = engine_collect_ids(engine, stmt, &ids, &n, error_r)) !=
	    CRK_OK)
		return status;
	for (k = 0; k < CRK_N_ELEMENTS(closers); k++) {
		if (!crk_strv_contains_ci(&msg->keywords, closers[k].keyword))
			continue;
		for (i = 0; i < n; i++) {
			bool seen;

			/* A close recorded by any source already: the keyword
			 * is its mirror (the CLI and the plugin set it on the
			 * server), not a new decision.  Taking it again would
			 * undo a later reopen. */
			stmt = crk_store_stmt(engine->store,
			    "SELECT 1 FROM actions WHERE proposal = ? AND "
			    "type = ?");
			sqlite3_bind_int64(stmt, 1, ids[i]);
			crk_store_bind_text(stmt, 2, closers[k].action);
			seen = sqlite3_step(stmt) == SQLITE_ROW;
			sqlite3_reset(stmt);
			if (seen)
				continue;
			status = engine_add_action(engine, ids[i], now,
			    closers[k].action, NULL, NULL, CRK_DAY_NONE,
			    "keyword", error_r);
			if (status != CRK_OK)
				goto out;
		}
	}
out:
	free(ids);
	return status;
}

/* ---- replay ------------------------------------------------------------- */

enum tl_type {
	TL_TOUCH,
	TL_REPLY,
	TL_AUTOREPLY,
	TL_BOUNCE,
	TL_WON,
	TL_LOST,
	TL_DROP,
	TL_NOTYET,
	TL_SNOOZE,
	TL_REOPEN,
	TL_IGNORE, /* colleague, informational DSN, unknown action */
};

struct tl_item {
	time_t at;
	int64_t order; /* ties: messages by id, then actions by id */
	enum tl_type type;
	int64_t msg;   /* message pk, 0 for actions */
	char *from;    /* owned */
	char *channel; /* owned */
	crk_day day_arg;
};

struct fu_out {
	unsigned round;
	unsigned number;
	crk_day due;
	enum crk_followup_state state;
	time_t closed_at;
	const char *channel; /* borrowed from the timeline */
};

struct replay {
	const struct crk_cadence *cadence;
	enum crk_state state;
	unsigned round;
	time_t round_start;
	unsigned number;        /* the open follow-up of this round */
	crk_day last_touch_day; /* in this round; NONE at its start */
	crk_day not_before;
	crk_day snooze_until;
	unsigned touches;
	unsigned round1_touches;
	time_t last_touch;
	time_t last_reply;
	const char *last_reply_from;
	int64_t last_message;
	time_t closed_at;
	time_t first_reply_at;
	int touches_before_reply; /* -1 until the first reply */
	struct fu_out *fus;
	size_t n_fus;
	size_t alloc_fus;
};

static int
tl_cmp(const void *a, const void *b)
{
	const struct tl_item *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static enum tl_type
tl_type_of(const char *s)
{
	static const struct {
		const char *name;
		enum tl_type type;
	} names[] = {
	    {CRK_ROLE_TOUCH, TL_TOUCH},
	    {CRK_ROLE_REPLY, TL_REPLY},
	    {CRK_ROLE_AUTOREPLY, TL_AUTOREPLY},
	    {CRK_ROLE_BOUNCE, TL_BOUNCE},
	    {"won", TL_WON},
	    {"lost", TL_LOST},
	    {"drop", TL_DROP},
	    {"notyet", TL_NOTYET},
	    {"snooze", TL_SNOOZE},
	    {"reopen", TL_REOPEN},
	};
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(names); i++) {
		/* a manual touch is an action named "touch" too */
		if (strcmp(s, names[i].name) == 0)
			return names[i].type;
	}
	return TL_IGNORE;
}

static bool
replay_open_due(const struct replay *r, crk_day *due_r)
{
	return crk_cadence_due(r->cadence, crk_day_of_time(r->round_start),
	    r->number, r->last_touch_day, r->not_before, due_r);
}

static void
replay_push(struct replay *r, crk_day due, enum crk_followup_state state,
    time_t closed_at, const char *channel)
{
	struct fu_out *f;

	if (r->n_fus == r->alloc_fus) {
		r->alloc_fus = r->alloc_fus == 0 ? 8 : r->alloc_fus * 2;
		r->fus =
		    crk_xreallocarray(r->fus, r->alloc_fus, sizeof(*r->fus));
	}
	f = &r->fus[r->n_fus++];
	f->round = r->round;
	f->number = r->number;
	f->due = due;
	f->state = state;
	f->closed_at = closed_at;
	f->channel = channel;
}

/* Closes the open follow-up of the round (if the cadence has one). */
static void
replay_close_open(struct replay *r, enum crk_followup_state state, time_t at,
    const char *channel)
{
	crk_day due;

	if (replay_open_due(r, &due))
		replay_push(r, due, state, at, channel);
}

static void
replay_new_round(struct replay *r, time_t at)
{
	r->round++;
	r->round_start = at;
	r->number = 1;
	r->last_touch_day = CRK_DAY_NONE;
	r->not_before = CRK_DAY_NONE;
	r->snooze_until = CRK_DAY_NONE;
	r->state = CRK_STATE_WAITING;
}

static bool
replay_active(const struct replay *r)
{
	return r->state == CRK_STATE_WAITING || r->state == CRK_STATE_SNOOZED;
}

static void
replay_wake(struct replay *r, time_t at)
{
	if (r->state == CRK_STATE_SNOOZED &&
	    at >= crk_day_start(r->snooze_until)) {
		r->state = CRK_STATE_WAITING;
		r->snooze_until = CRK_DAY_NONE;
	}
}

static void
replay_step(struct replay *r, const struct tl_item *e)
{
	crk_day d;

	replay_wake(r, e->at);
	switch (e->type) {
	case TL_TOUCH:
		if (crk_state_is_closed(r->state))
			break;
		if (e->msg != 0)
			r->last_message = e->msg;
		r->touches++;
		r->last_touch = e->at;
		if (r->state == CRK_STATE_REPLIED ||
		    r->state == CRK_STATE_BOUNCED) {
			/* The rep wrote again after an answer: a new round
			 * of silence starts from this message. */
			replay_new_round(r, e->at);
			break;
		}
		replay_close_open(r, CRK_FOLLOWUP_DONE, e->at,
		    e->channel != NULL ? e->channel : "mail");
		if (r->round == 1)
			r->round1_touches++;
		r->number++;
		r->last_touch_day = crk_day_of_time(e->at);
		r->not_before = CRK_DAY_NONE;
		r->snooze_until = CRK_DAY_NONE;
		r->state = CRK_STATE_WAITING;
		break;
	case TL_REPLY:
		r->last_reply = e->at;
		r->last_reply_from = e->from;
		if (e->msg != 0)
			r->last_message = e->msg;
		if (r->touches_before_reply < 0) {
			r->first_reply_at = e->at;
			r->touches_before_reply = (int)r->touches;
		}
		if (crk_state_is_closed(r->state))
			break;
		if (replay_active(r))
			replay_close_open(r, CRK_FOLLOWUP_SKIPPED, e->at, NULL);
		r->state = CRK_STATE_REPLIED;
		r->snooze_until = CRK_DAY_NONE;
		break;
	case TL_AUTOREPLY:
		/* Never a state change; a named return date holds the open
		 * follow-up until the next working day after it. */
		if (!replay_active(r) || e->day_arg == CRK_DAY_NONE)
			break;
		d = crk_cadence_working_day(r->cadence, e->day_arg + 1);
		if (r->not_before == CRK_DAY_NONE || d > r->not_before)
			r->not_before = d;
		break;
	case TL_BOUNCE:
		if (!replay_active(r))
			break;
		replay_close_open(r, CRK_FOLLOWUP_SKIPPED, e->at, NULL);
		r->state = CRK_STATE_BOUNCED;
		r->snooze_until = CRK_DAY_NONE;
		break;
	case TL_WON:
	case TL_LOST:
	case TL_DROP:
		if (replay_active(r))
			replay_close_open(r, CRK_FOLLOWUP_SKIPPED, e->at, NULL);
		r->state = e->type == TL_WON ? CRK_STATE_WON
		    : e->type == TL_LOST     ? CRK_STATE_LOST
					     : CRK_STATE_DROPPED;
		r->closed_at = e->at;
		r->snooze_until = CRK_DAY_NONE;
		break;
	case TL_NOTYET:
		if (r->state == CRK_STATE_REPLIED ||
		    r->state == CRK_STATE_BOUNCED)
			replay_new_round(r, e->at);
		break;
	case TL_SNOOZE:
		if (crk_state_is_closed(r->state) || e->day_arg == CRK_DAY_NONE)
			break;
		if (r->state == CRK_STATE_REPLIED ||
		    r->state == CRK_STATE_BOUNCED)
			replay_new_round(r, e->at);
		r->state = CRK_STATE_SNOOZED;
		r->snooze_until = e->day_arg;
		r->not_before = e->day_arg;
		break;
	case TL_REOPEN:
		if (!crk_state_is_closed(r->state))
			break;
		replay_new_round(r, e->at);
		r->closed_at = 0;
		break;
	case TL_IGNORE: break;
	}
}

static void
tl_clear(struct tl_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(items[i].from);
		free(items[i].channel);
	}
	free(items);
}

static enum crk_status
engine_load_timeline(struct crk_engine *engine, int64_t proposal, time_t now,
    struct tl_item **items_r, size_t *n_r, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(engine->store,
	    "SELECT m.date, m.id, t.role, m.from_addr, NULL, m.return_day, "
	    "  m.id FROM thread t JOIN messages m ON m.id = t.message "
	    "WHERE t.proposal = ?1 AND t.role != 'proposal' AND m.date <= ?2 "
	    "UNION ALL "
	    "SELECT a.at, 0, a.type, NULL, a.channel, a.day_arg, "
	    "  a.id + 4611686018427387904 "
	    "FROM actions a WHERE a.proposal = ?1 AND a.at <= ?2");
	struct tl_item *items = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	sqlite3_bind_int64(stmt, 1, proposal);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct tl_item *e;

		if (n == alloc) {
			alloc = alloc == 0 ? 16 : alloc * 2;
			items = crk_xreallocarray(items, alloc, sizeof(*items));
		}
		e = &items[n++];
		e->at = (time_t)sqlite3_column_int64(stmt, 0);
		e->msg = sqlite3_column_int64(stmt, 1);
		e->type =
		    tl_type_of((const char *)sqlite3_column_text(stmt, 2));
		e->from = crk_store_column_dup(stmt, 3);
		e->channel = crk_store_column_dup(stmt, 4);
		e->day_arg = sqlite3_column_type(stmt, 5) == SQLITE_NULL
		    ? CRK_DAY_NONE
		    : (crk_day)sqlite3_column_int(stmt, 5);
		e->order = sqlite3_column_int64(stmt, 6);
	}
	if (rc != SQLITE_DONE) {
		tl_clear(items, n);
		return crk_store_error(
		    engine->store, error_r, "loading timeline");
	}
	sqlite3_reset(stmt);
	if (n > 1)
		qsort(items, n, sizeof(*items), tl_cmp);
	*items_r = items;
	*n_r = n;
	return CRK_OK;
}

/* Makes the followups rows of a proposal equal to the replay's list,
 * keeping row ids and UIDs, bumping SEQUENCE only for rows that changed. */
static enum crk_status
engine_save_followups(struct crk_engine *engine, int64_t proposal,
    const char *short_id, const struct replay *r, time_t now, char **error_r)
{
	sqlite3_stmt *stmt;
	size_t i;
	char *uid;

	for (i = 0; i < r->n_fus; i++) {
		const struct fu_out *f = &r->fus[i];

		uid = crk_xasprintf("%s-%u-%u", short_id, f->round, f->number);
		stmt = crk_store_stmt(engine->store,
		    "INSERT INTO followups "
		    "(proposal, round, number, due, state, closed_at, channel, "
		    "uid, created_at, changed_at, sequence) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, 0) "
		    "ON CONFLICT (proposal, round, number) DO UPDATE SET "
		    "due = ?4, state = ?5, closed_at = ?6, channel = ?7, "
		    "changed_at = ?9, sequence = sequence + 1 "
		    "WHERE due != ?4 OR state != ?5 OR closed_at != ?6 OR "
		    "channel IS NOT ?7");
		sqlite3_bind_int64(stmt, 1, proposal);
		sqlite3_bind_int(stmt, 2, (int)f->round);
		sqlite3_bind_int(stmt, 3, (int)f->number);
		sqlite3_bind_int(stmt, 4, f->due);
		sqlite3_bind_int(stmt, 5, (int)f->state);
		sqlite3_bind_int64(stmt, 6, (sqlite3_int64)f->closed_at);
		crk_store_bind_text(stmt, 7, f->channel);
		crk_store_bind_text(stmt, 8, uid);
		sqlite3_bind_int64(stmt, 9, (sqlite3_int64)now);
		free(uid);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			return crk_store_error(
			    engine->store, error_r, "saving follow-up");
	}
	/* Rows the replay no longer produces (a message was untracked, an
	 * action undone by a later one) go. */
	stmt = crk_store_stmt(engine->store,
	    "SELECT id, round, number FROM "
	    "followups WHERE proposal = ?");
	sqlite3_bind_int64(stmt, 1, proposal);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		unsigned round = (unsigned)sqlite3_column_int(stmt, 1);
		unsigned number = (unsigned)sqlite3_column_int(stmt, 2);
		bool keep = false;

		for (i = 0; i < r->n_fus && !keep; i++)
			keep = r->fus[i].round == round &&
			    r->fus[i].number == number;
		if (!keep) {
			sqlite3_stmt *del = crk_store_stmt(engine->store,
			    "DELETE FROM followups WHERE id = ?");

			sqlite3_bind_int64(
			    del, 1, sqlite3_column_int64(stmt, 0));
			if (sqlite3_step(del) != SQLITE_DONE)
				return crk_store_error(engine->store, error_r,
				    "removing follow-up");
		}
	}
	sqlite3_reset(stmt);
	return CRK_OK;
}

/* The first moment after now at which replaying could give another
 * result, 0 for none: a snooze that ends, or a message or action dated
 * after now (the timeline stops at now).  Nothing else in a replay
 * depends on the time, so crk_engine_refresh replays only the proposals
 * whose moment has come. */
static enum crk_status
engine_wake_at(struct crk_engine *engine, int64_t proposal,
    const struct replay *r, time_t now, time_t *wake_r, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(engine->store,
	    "SELECT min(x) FROM ("
	    "SELECT min(m.date) AS x FROM thread t JOIN messages m ON "
	    "m.id = t.message WHERE t.proposal = ?1 AND t.role != 'proposal' "
	    "AND m.date > ?2 UNION ALL SELECT min(a.at) FROM actions a "
	    "WHERE a.proposal = ?1 AND a.at > ?2)");
	time_t wake = 0;
	int rc;

	if (r->state == CRK_STATE_SNOOZED && r->snooze_until != CRK_DAY_NONE)
		wake = crk_day_start(r->snooze_until);
	sqlite3_bind_int64(stmt, 1, proposal);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		time_t at = (time_t)sqlite3_column_int64(stmt, 0);

		if (wake == 0 || at < wake)
			wake = at;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return crk_store_error(
		    engine->store, error_r, "loading proposal");
	*wake_r = wake;
	return CRK_OK;
}

static enum crk_status
engine_replay(
    struct crk_engine *engine, int64_t proposal, time_t now, char **error_r)
{
	struct replay r;
	struct tl_item *items = NULL;
	size_t n = 0, i;
	enum crk_status status;
	sqlite3_stmt *stmt;
	char *short_id = NULL;
	int64_t proposal_msg;
	crk_day due;
	time_t wake = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	stmt = crk_store_stmt(engine->store,
	    "SELECT p.short_id, m.date, "
	    "m.id FROM proposals p JOIN messages m ON m.id = p.message "
	    "WHERE p.id = ?");
	sqlite3_bind_int64(stmt, 1, proposal);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		if (rc == SQLITE_DONE)
			return CRK_OK; /* deleted (merged, untracked) */
		return crk_store_error(
		    engine->store, error_r, "loading proposal");
	}
	short_id = crk_store_column_dup(stmt, 0);
	r.round_start = (time_t)sqlite3_column_int64(stmt, 1);
	proposal_msg = sqlite3_column_int64(stmt, 2);
	sqlite3_reset(stmt);

	r.cadence = &engine->cadence;
	r.state = CRK_STATE_WAITING;
	r.round = 1;
	r.number = 1;
	r.last_touch_day = CRK_DAY_NONE;
	r.not_before = CRK_DAY_NONE;
	r.snooze_until = CRK_DAY_NONE;
	r.touches_before_reply = -1;
	r.last_message = proposal_msg;

	if ((status = engine_load_timeline(
		 engine, proposal, now, &items, &n, error_r)) != CRK_OK)
		goto out;
	for (i = 0; i < n; i++)
		replay_step(&r, &items[i]);
	replay_wake(&r, now);
	if (replay_active(&r) && replay_open_due(&r, &due))
		replay_push(&r, due, CRK_FOLLOWUP_OPEN, 0, NULL);

	if ((status = engine_wake_at(
		 engine, proposal, &r, now, &wake, error_r)) != CRK_OK)
		goto out;
	if ((status = engine_save_followups(
		 engine, proposal, short_id, &r, now, error_r)) != CRK_OK)
		goto out;
	stmt = crk_store_stmt(engine->store,
	    "UPDATE proposals SET state = ?, "
	    "round = ?, round_start = ?, touches = ?, last_touch = ?, "
	    "last_reply = ?, last_reply_from = ?, last_message = ?, "
	    "snooze_until = ?, closed_at = ?, first_reply_at = ?, "
	    "touches_before_reply = ?, round1_touches = ?, replayed_at = ?, "
	    "wake_at = ?, feed_dirty = 1 WHERE id = ?");
	sqlite3_bind_int(stmt, 1, (int)r.state);
	sqlite3_bind_int(stmt, 2, (int)r.round);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)r.round_start);
	sqlite3_bind_int(stmt, 4, (int)r.touches);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)r.last_touch);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)r.last_reply);
	crk_store_bind_text(stmt, 7, r.last_reply_from);
	sqlite3_bind_int64(stmt, 8, r.last_message);
	if (r.snooze_until != CRK_DAY_NONE)
		sqlite3_bind_int(stmt, 9, r.snooze_until);
	sqlite3_bind_int64(stmt, 10, (sqlite3_int64)r.closed_at);
	sqlite3_bind_int64(stmt, 11, (sqlite3_int64)r.first_reply_at);
	if (r.touches_before_reply >= 0)
		sqlite3_bind_int(stmt, 12, r.touches_before_reply);
	sqlite3_bind_int(stmt, 13, (int)r.round1_touches);
	sqlite3_bind_int64(stmt, 14, (sqlite3_int64)now);
	sqlite3_bind_int64(stmt, 15, (sqlite3_int64)wake);
	sqlite3_bind_int64(stmt, 16, proposal);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		status =
		    crk_store_error(engine->store, error_r, "saving proposal");
out:
	tl_clear(items, n);
	free(r.fus);
	free(short_id);
	return status;
}

/* ---- batches -------------------------------------------------------- */

/* The cadence as text: what the planned follow-ups depend on besides
 * each proposal's own timeline and the time. */
static char *
engine_cadence_key(const struct crk_cadence *c)
{
	char *key = crk_xasprintf("every %d cap %u weekend %u at",
	    c->repeat_every, c->cap, c->weekend);
	unsigned i;

	for (i = 0; i < c->n_offsets; i++) {
		char *more = crk_xasprintf("%s %d", key, c->offsets[i]);

		free(key);
		key = more;
	}
	return key;
}

/* Marks every open proposal for a replay when the cadence is not the one
 * the store's follow-ups were planned with (the rep changed it, or the
 * store predates remembering it), and remembers this one.  Closed
 * proposals keep their history. */
static enum crk_status
engine_cadence_check(struct crk_engine *engine, char **error_r)
{
	char *key = engine_cadence_key(&engine->cadence);
	enum crk_status status = CRK_OK;
	sqlite3_stmt *stmt;
	int64_t *ids = NULL;
	size_t n = 0, i;
	bool same;
	int rc;

	stmt = crk_store_stmt(
	    engine->store, "SELECT cadence FROM engine_meta WHERE id = 1");
	rc = sqlite3_step(stmt);
	same = rc == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(stmt, 0), key) == 0;
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		status = crk_store_error(
		    engine->store, error_r, "reading the cadence");
		goto out;
	}
	if (same)
		goto out;
	stmt = crk_store_stmt(engine->store,
	    "SELECT id FROM proposals WHERE state IN (?, ?, ?, ?)");
	sqlite3_bind_int(stmt, 1, CRK_STATE_WAITING);
	sqlite3_bind_int(stmt, 2, CRK_STATE_REPLIED);
	sqlite3_bind_int(stmt, 3, CRK_STATE_BOUNCED);
	sqlite3_bind_int(stmt, 4, CRK_STATE_SNOOZED);
	if ((status = engine_collect_ids(engine, stmt, &ids, &n, error_r)) !=
	    CRK_OK)
		goto out;
	for (i = 0; i < n; i++)
		engine_mark_dirty(engine, ids[i]);
	free(ids);
	stmt = crk_store_stmt(engine->store,
	    "INSERT OR REPLACE INTO engine_meta (id, cadence) VALUES (1, ?)");
	crk_store_bind_text(stmt, 1, key);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		status = crk_store_error(
		    engine->store, error_r, "saving the cadence");
	sqlite3_reset(stmt);
out:
	free(key);
	return status;
}

enum crk_status
crk_engine_begin(struct crk_engine *engine, char **error_r)
{
	return crk_store_begin(engine->store, error_r);
}

enum crk_status
crk_engine_commit(struct crk_engine *engine, time_t now, char **error_r)
{
	enum crk_status status = CRK_OK;
	size_t i;

	/* A new cadence first: a store made by this engine learns it in
	 * its first batch, before there is anything to plan again. */
	if (!engine->cadence_checked &&
	    (status = engine_cadence_check(engine, error_r)) != CRK_OK) {
		crk_engine_rollback(engine);
		return status;
	}
	/* Replays run in the outermost commit only, once per proposal. */
	engine_dirty_unique(engine);
	for (i = 0; i < engine->n_dirty && status == CRK_OK; i++)
		status = engine_replay(engine, engine->dirty[i], now, error_r);
	if (status != CRK_OK) {
		crk_engine_rollback(engine);
		return status;
	}
	engine->n_dirty = 0;
	if ((status = crk_store_commit(engine->store, error_r)) == CRK_OK)
		engine->cadence_checked = true;
	return status;
}

void
crk_engine_rollback(struct crk_engine *engine)
{
	engine->n_dirty = 0;
	crk_store_rollback(engine->store);
}

enum crk_status
crk_engine_ingest(struct crk_engine *engine, const char *account,
    const struct crk_message *msg, const struct crk_location *loc, time_t now,
    char **error_r)
{
	enum crk_status status;
	enum crk_kind kind;
	char *mid = NULL;
	int64_t pk = 0;
	bool is_new = false;

	mid = msg->message_id != NULL && *msg->message_id != '\0'
	    ? crk_xstrdup(msg->message_id)
	    : engine_synthetic_id(msg);
	kind = crk_classify_kind(&engine->rules, msg);
	status = engine_store_message(
	    engine, account, msg, mid, kind, now, &pk, &is_new, error_r);
	if (status != CRK_OK)
		goto out;
	if ((status = engine_store_location(
		 engine, account, pk, loc, error_r)) != CRK_OK)
		goto out;
	if (is_new) {
		crk_debug("<%s>: %s", mid, crk_kind_name(kind));
		status = engine_link_new(
		    engine, account, pk, msg, mid, now, error_r);
		if (status != CRK_OK)
			goto out;
	}
	status = engine_apply_keywords(engine, pk, msg, now, error_r);
	if (status == CRK_OK && !is_new &&
	    crk_strv_contains_ci(&msg->keywords, CRK_KEYWORD_TRACK) &&
	    !crk_strv_contains_ci(&msg->keywords, CRK_KEYWORD_IGNORE) &&
	    kind == CRK_KIND_OWN) {
		/* crickets-track set later in another client */
		status = crk_engine_track(
		    engine, account, mid, "keyword", now, NULL, error_r);
		if (status == CRK_E_STATE)
			status = CRK_OK; /* part of a thread: stays a touch */
	}
out:
	if (status != CRK_OK)
		crk_error_prefix(error_r, "message <%s>", mid);
	free(mid);
	return status;
}

enum crk_status
crk_engine_refresh(struct crk_engine *engine, time_t now, char **error_r)
{
	sqlite3_stmt *stmt;
	int64_t *ids = NULL;
	size_t n = 0, i;
	enum crk_status status;

	if ((status = crk_engine_begin(engine, error_r)) != CRK_OK)
		return status;
	/* Only what the passing time changes (see engine_wake_at), and all
	 * that were replayed at a later time than now (a clock set back, or
	 * a --now in the past): replaying every open proposal was most of
	 * an incremental sync. */
	stmt = crk_store_stmt(engine->store,
	    "SELECT id FROM proposals WHERE wake_at BETWEEN 1 AND ?1 "
	    "UNION SELECT id FROM proposals WHERE replayed_at > ?1");
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)now);
	if ((status = engine_collect_ids(engine, stmt, &ids, &n, error_r)) !=
	    CRK_OK) {
		crk_engine_rollback(engine);
		return status;
	}
	for (i = 0; i < n; i++)
		engine_mark_dirty(engine, ids[i]);
	free(ids);
	return crk_engine_commit(engine, now, error_r);
}

/* ---- the rep's actions ------------------------------------------------ */

/* What an action of the rep records, and the states it may start from. */
struct engine_action {
	const char *type;    /* actions.type */
	unsigned allowed;    /* bit (1 << state) for each allowed state */
	const char *refusal; /* follows "it is <state>" in the error */
	const char *channel;
	const char *note;
	crk_day day_arg;
};

#define STATE_BIT(s) (1u << (s))
#define OPEN_STATES                                                            \
	(STATE_BIT(CRK_STATE_WAITING) | STATE_BIT(CRK_STATE_REPLIED) |         \
	    STATE_BIT(CRK_STATE_BOUNCED) | STATE_BIT(CRK_STATE_SNOOZED))
#define CLOSED_STATES                                                          \
	(STATE_BIT(CRK_STATE_WON) | STATE_BIT(CRK_STATE_LOST) |                \
	    STATE_BIT(CRK_STATE_DROPPED))

/* One batch: brings the proposal up to date as of now, checks the action
 * is allowed in its state, records it and replays. */
static enum crk_status
engine_act(struct crk_engine *engine, int64_t proposal,
    const struct engine_action *action, const char *source, time_t now,
    char **error_r)
{
	enum crk_state state = CRK_STATE_WAITING;
	enum crk_status status;
	sqlite3_stmt *stmt;
	int rc;

	if ((status = crk_engine_begin(engine, error_r)) != CRK_OK)
		return status;
	if ((status = engine_replay(engine, proposal, now, error_r)) != CRK_OK)
		goto fail;
	stmt = crk_store_stmt(engine->store,
	    "SELECT state FROM proposals "
	    "WHERE id = ?");
	sqlite3_bind_int64(stmt, 1, proposal);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		state = (enum crk_state)sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE) {
		crk_error_set(error_r, "no proposal %lld", (long long)proposal);
		status = CRK_E_NOTFOUND;
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		status =
		    crk_store_error(engine->store, error_r, "loading proposal");
		goto fail;
	}
	if ((action->allowed & STATE_BIT(state)) == 0) {
		crk_error_set(error_r, "it is %s%s%s",
		    crk_state_is_closed(state) ? "already " : "",
		    crk_state_name(state), action->refusal);
		status = CRK_E_STATE;
		goto fail;
	}
	status = engine_add_action(engine, proposal, now, action->type,
	    action->channel, action->note, action->day_arg, source, error_r);
	if (status != CRK_OK)
		goto fail;
	return crk_engine_commit(engine, now, error_r);
fail:
	crk_engine_rollback(engine);
	return status;
}

enum crk_status
crk_engine_close(struct crk_engine *engine, int64_t proposal_id,
    enum crk_state outcome, const char *source, time_t now, char **error_r)
{
	struct engine_action a = {
	    .refusal = "",
	    .day_arg = CRK_DAY_NONE,
	};

	switch (outcome) {
	case CRK_STATE_WON: a.type = "won"; break;
	case CRK_STATE_LOST: a.type = "lost"; break;
	case CRK_STATE_DROPPED: a.type = "drop"; break;
	default:
		crk_error_set(error_r,
		    "a proposal closes as won, lost or "
		    "dropped, not %s",
		    crk_state_name(outcome));
		return CRK_E_INVAL;
	}
	/* changing one's mind (won, then lost) is allowed */
	a.allowed = (OPEN_STATES | CLOSED_STATES) & ~STATE_BIT(outcome);
	return engine_act(engine, proposal_id, &a, source, now, error_r);
}

enum crk_status
crk_engine_notyet(struct crk_engine *engine, int64_t proposal_id,
    const char *source, time_t now, char **error_r)
{
	static const struct engine_action a = {
	    .type = "notyet",
	    .allowed =
		STATE_BIT(CRK_STATE_REPLIED) | STATE_BIT(CRK_STATE_BOUNCED),
	    .refusal = "; 'not yet' answers a reply without a clear yes "
		       "or no",
	    .day_arg = CRK_DAY_NONE,
	};

	return engine_act(engine, proposal_id, &a, source, now, error_r);
}

enum crk_status
crk_engine_snooze(struct crk_engine *engine, int64_t proposal_id, crk_day until,
    const char *source, time_t now, char **error_r)
{
	struct engine_action a = {
	    .type = "snooze",
	    .allowed = OPEN_STATES,
	    .refusal = "; reopen it first",
	    .day_arg = until,
	};
	char buf[16];

	if (until <= crk_day_of_time(now)) {
		crk_error_set(error_r,
		    "snooze until %s: the date must be in "
		    "the future",
		    crk_day_format(until, buf));
		return CRK_E_INVAL;
	}
	return engine_act(engine, proposal_id, &a, source, now, error_r);
}

enum crk_status
crk_engine_reopen(struct crk_engine *engine, int64_t proposal_id,
    const char *source, time_t now, char **error_r)
{
	static const struct engine_action a = {
	    .type = "reopen",
	    .allowed = CLOSED_STATES,
	    .refusal = ", not closed",
	    .day_arg = CRK_DAY_NONE,
	};

	return engine_act(engine, proposal_id, &a, source, now, error_r);
}

enum crk_status
crk_engine_touch(struct crk_engine *engine, int64_t proposal_id,
    const char *channel, const char *note, const char *source, time_t now,
    char **error_r)
{
	static const char *const channels[] = {
	    "mail",
	    "phone",
	    "meeting",
	    "other",
	};
	struct engine_action a = {
	    .type = "touch",
	    .allowed = OPEN_STATES,
	    .refusal = "; reopen it first",
	    .note = note,
	    .day_arg = CRK_DAY_NONE,
	};
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(channels); i++) {
		if (channel != NULL && strcmp(channel, channels[i]) == 0)
			a.channel = channels[i];
	}
	if (a.channel == NULL) {
		crk_error_set(error_r,
		    "channel must be mail, phone, meeting "
		    "or other");
		return CRK_E_INVAL;
	}
	return engine_act(engine, proposal_id, &a, source, now, error_r);
}

/* Rebuilds what crk_classify_prospects needs of a stored message. */
static enum crk_status
engine_load_recipients(struct crk_engine *engine, int64_t pk,
    struct crk_message *msg, char **error_r)
{
	sqlite3_stmt *stmt = crk_store_stmt(engine->store,
	    "SELECT role, "
	    "addr, name FROM message_addrs WHERE message = ? AND role < 3 "
	    "ORDER BY role");
	int rc;

	sqlite3_bind_int64(stmt, 1, pk);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int role = sqlite3_column_int(stmt, 0);
		const char *addr = (const char *)sqlite3_column_text(stmt, 1);
		const char *name = (const char *)sqlite3_column_text(stmt, 2);

		if (role == 0) {
			free(msg->from.addr);
			msg->from.addr = crk_xstrdup(addr);
		} else {
			crk_addr_list_add(
			    role == 1 ? &msg->to : &msg->cc, addr, name);
		}
	}
	if (rc != SQLITE_DONE)
		return crk_store_error(
		    engine->store, error_r, "loading recipients");
	sqlite3_reset(stmt);
	return CRK_OK;
}

enum crk_status
crk_engine_track(struct crk_engine *engine, const char *account,
    const char *message_id, const char *source, time_t now,
    int64_t *proposal_id_r, char **error_r)
{
	struct crk_message *msg = NULL;
	enum crk_status status;
	sqlite3_stmt *stmt;
	int64_t pk = 0, existing = 0, in_thread = 0;
	enum crk_kind kind = CRK_KIND_INBOUND;
	char *reason = NULL, *acct = NULL;
	int rc;

	if ((status = crk_engine_begin(engine, error_r)) != CRK_OK)
		return status;
	stmt = crk_store_stmt(engine->store,
	    "SELECT m.id, m.kind, m.account, "
	    "(SELECT id FROM proposals WHERE message = m.id), "
	    "(SELECT proposal FROM thread WHERE message = m.id AND role = "
	    "'touch' LIMIT 1) FROM messages m WHERE m.message_id = ?1 AND "
	    "(?2 IS NULL OR m.account = ?2) LIMIT 1");
	crk_store_bind_text(stmt, 1, message_id);
	crk_store_bind_text(stmt, 2, account);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		pk = sqlite3_column_int64(stmt, 0);
		kind = (enum crk_kind)sqlite3_column_int(stmt, 1);
		acct = crk_store_column_dup(stmt, 2);
		existing = sqlite3_column_int64(stmt, 3);
		in_thread = sqlite3_column_int64(stmt, 4);
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE) {
		crk_error_set(error_r,
		    "no message <%s> has been seen yet; sync first",
		    message_id);
		status = CRK_E_NOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		status =
		    crk_store_error(engine->store, error_r, "finding message");
		goto out;
	}
	if (existing != 0) {
		if (proposal_id_r != NULL)
			*proposal_id_r = existing;
		goto out;
	}
	if (kind != CRK_KIND_OWN) {
		crk_error_set(error_r, "<%s> was not sent by you", message_id);
		status = CRK_E_STATE;
		goto out;
	}
	if (in_thread != 0) {
		crk_error_set(error_r,
		    "<%s> is a follow-up in the thread of another proposal",
		    message_id);
		status = CRK_E_STATE;
		goto out;
	}
	stmt = crk_store_stmt(
	    engine->store, "UPDATE messages SET track = 1 WHERE id = ?");
	sqlite3_bind_int64(stmt, 1, pk);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		status = crk_store_error(engine->store, error_r, "tracking");
		goto out;
	}
	msg = crk_message_new();
	if ((status = engine_load_recipients(engine, pk, msg, error_r)) !=
	    CRK_OK)
		goto out;
	reason = crk_xasprintf(
	    "tracked by hand (%s)", source != NULL ? source : "cli");
	status = engine_create_proposal(engine, acct, pk, msg, message_id,
	    reason, now, proposal_id_r, error_r);
out:
	crk_message_free(&msg);
	free(reason);
	free(acct);
	if (status != CRK_OK) {
		crk_engine_rollback(engine);
		return status;
	}
	return crk_engine_commit(engine, now, error_r);
}

static enum crk_status
engine_untrack(struct crk_engine *engine, int64_t proposal, char **error_r)
{
	sqlite3_stmt *stmt;

	stmt = crk_store_stmt(engine->store,
	    "UPDATE messages SET track = -1 "
	    "WHERE id = (SELECT message FROM proposals WHERE id = ?)");
	sqlite3_bind_int64(stmt, 1, proposal);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(engine->store, error_r, "untracking");
	stmt = crk_store_stmt(engine->store,
	    "DELETE FROM proposals "
	    "WHERE id = ?");
	sqlite3_bind_int64(stmt, 1, proposal);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return crk_store_error(engine->store, error_r, "untracking");
	return CRK_OK;
}

enum crk_status
crk_engine_untrack(
    struct crk_engine *engine, int64_t proposal_id, char **error_r)
{
	enum crk_status status;

	if ((status = crk_engine_begin(engine, error_r)) != CRK_OK)
		return status;
	if ((status = engine_untrack(engine, proposal_id, error_r)) != CRK_OK) {
		crk_engine_rollback(engine);
		return status;
	}
	return crk_store_commit(engine->store, error_r);
}
