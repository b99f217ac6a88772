/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The crickets engine: turns mails and the rep's actions into proposals, states
 * and follow-ups. */
#ifndef CRK_ENGINE_H
#define CRK_ENGINE_H

#include <stdint.h>
#include <time.h>

#include "core/cadence.h"
#include "core/classify.h"
#include "core/common.h"
#include "core/message.h"
#include "core/store.h"

struct crk_engine;

/* Where a message was seen; NULL when the host has no such notion. */
struct crk_location {
	const char *folder;
	uint32_t uidvalidity;
	uint32_t uid;
};

/* The engine borrows store and copies rules and cadence.  Caller owns
 * *engine_r. */
struct crk_engine *crk_engine_new(struct crk_store *store,
    const struct crk_rules *rules, const struct crk_cadence *cadence);
void crk_engine_free(struct crk_engine **engine);

/* A batch: begin, ingest any number of messages, commit.  Commit
 * recomputes every proposal the batch touched (state, round, follow-ups)
 * and commits the store transaction, so a batch is all or nothing.  The
 * first commit of an engine also recomputes every open proposal when the
 * store's follow-ups were planned with another cadence (the rep changed
 * it), and remembers this one. */
enum crk_status crk_engine_begin(struct crk_engine *engine, char **error_r);
enum crk_status
crk_engine_commit(struct crk_engine *engine, time_t now, char **error_r);
void crk_engine_rollback(struct crk_engine *engine);
/* The proposals the batch in progress replays at commit so far (in no
 * order, maybe repeated): what a host compares before and after the
 * commit to tell the rep what changed, without reading every proposal.
 * Borrowed until the next call on the engine. */
const int64_t *
crk_engine_batch_proposals(const struct crk_engine *engine, size_t *n_r);

/* Records one message of an account and links it: a message the rep sent
 * is a touch when it is in a proposal's thread (or goes to a prospect with
 * the same normalised subject), else maybe a new proposal; bounces,
 * auto-replies and genuine replies that belong to a proposal become its
 * events.  Idempotent: the same message seen twice, in two folders or
 * after a UIDVALIDITY change is one message (keywords are updated).
 * Messages may come in any order (a reply before its proposal).  A
 * message without Message-ID gets a stable synthetic one.  Must be inside
 * a batch.  now is the time of ingestion (for dates in the future). */
enum crk_status crk_engine_ingest(struct crk_engine *engine,
    const char *account, const struct crk_message *msg,
    const struct crk_location *loc, time_t now, char **error_r);

/* Brings every proposal up to now: replays those whose result the time
 * since their last replay changes (a snooze that ended, a message or
 * action dated between), and all of them when the clock went back.  Its
 * own batch; cheap when nothing is due. */
enum crk_status
crk_engine_refresh(struct crk_engine *engine, time_t now, char **error_r);

/* ---- the rep's actions (each its own batch unless inside one) --------- */

/* won / lost / dropped.  CRK_E_STATE when already closed that way. */
enum crk_status crk_engine_close(struct crk_engine *engine, int64_t proposal_id,
    enum crk_state outcome, const char *source, time_t now, char **error_r);
/* "Not yet": replied (or bounced) -> waiting with a new round from now. */
enum crk_status crk_engine_notyet(struct crk_engine *engine,
    int64_t proposal_id, const char *source, time_t now, char **error_r);
/* Snooze until a day in the future; the proposal wakes up waiting that
 * day and the open follow-up is not due before it. */
enum crk_status
crk_engine_snooze(struct crk_engine *engine, int64_t proposal_id, crk_day until,
    const char *source, time_t now, char **error_r);
/* Re-opens a closed proposal as waiting with a new round from now. */
enum crk_status crk_engine_reopen(struct crk_engine *engine,
    int64_t proposal_id, const char *source, time_t now, char **error_r);
/* A touch made elsewhere: channel "phone", "meeting", "mail" or "other",
 * note optional.  Marks the open follow-up done. */
enum crk_status crk_engine_touch(struct crk_engine *engine, int64_t proposal_id,
    const char *channel, const char *note, const char *source, time_t now,
    char **error_r);
/* Tracks a stored message the rep sent as a proposal, whatever the
 * heuristic says.  *proposal_id_r gets its id.  CRK_E_NOTFOUND when the
 * message is not stored, CRK_E_STATE when it is not the rep's. */
enum crk_status crk_engine_track(struct crk_engine *engine, const char *account,
    const char *message_id, const char *source, time_t now,
    int64_t *proposal_id_r, char **error_r);
/* Stops tracking: the proposal and its follow-ups are deleted and the
 * message is never tracked again by the heuristic. */
enum crk_status crk_engine_untrack(
    struct crk_engine *engine, int64_t proposal_id, char **error_r);

/* The event of an out-of-office reply may carry the day the person is
 * back; the engine moves the open follow-up to the next working day after
 * it.  Exposed so the host can pass a date it found in the body:
 * crk_engine_ingest calls the return-date parser itself when body_text is
 * set. */
typedef bool
crk_return_date_fn(const char *text, time_t received, crk_day *day_r);
void crk_engine_set_return_date_parser(
    struct crk_engine *engine, crk_return_date_fn *fn);

#endif
