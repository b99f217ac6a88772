/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calendar feeds: followups.ics (VEVENT), followups-tasks.ics (VTODO). */
#ifndef CRK_FEED_H
#define CRK_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/common.h"
#include "core/store.h"

/* File names of the two feeds inside the feed directory. */
#define CRK_FEED_EVENTS_FILE "followups.ics"
#define CRK_FEED_TASKS_FILE "followups-tasks.ics"

/* Completed follow-ups stay in the tasks feed this long, then drop out. */
#define CRK_FEED_DONE_KEEP_DAYS 14

/* Caps on text from mail, in characters (code points), before escaping. */
#define CRK_FEED_SUMMARY_MAX 1000
#define CRK_FEED_DESCRIPTION_MAX 8000

/* Gives the SEQUENCE and the instant of the last change (LAST-MODIFIED and
 * DTSTAMP) of one calendar item.  content_hash is the SHA-256 (hex) of
 * the item's rendered lines without SEQUENCE, LAST-MODIFIED and DTSTAMP,
 * so the answer changes only when what a client shows changes.
 * crk_store_item_revision has this shape (with the store as context). */
typedef enum crk_status
crk_feed_revision_fn(void *context, const char *uid, const char *content_hash,
    time_t now, unsigned *sequence_r, time_t *changed_at_r, char **error_r);

/* What the renderer reads.  Nothing in it is modified or kept.
 *
 * Items, in proposal order (then round, number):
 *  - each OPEN follow-up of a proposal that is waiting or snoozed: a
 *    VEVENT on max(due, today) (overdue ones roll forward to today, so its
 *    date changes daily; that is intended) and a VTODO with DUE = due;
 *  - each replied proposal: a "decide" item (yes, no or not yet?), event
 *    on today, task due on the day of the reply;
 *  - each bounced proposal: a "bounced" item (fix the address), event on
 *    today, task due on the day of the last message;
 *  - tasks feed only: follow-ups DONE within CRK_FEED_DONE_KEEP_DAYS
 *    before now, as COMPLETED with COMPLETED = closed_at.
 * "today" is the local day (TZ) that contains now.
 *
 * UIDs: a follow-up's UID base is crk_followup.uid (or "crickets-<short
 * id>-r<round>-n<number>" when empty); the event gets "<base>-event", the
 * task "<base>-task".  Decide and bounced items use "crickets-<short
 * id>-r<round>-decide" and "...-bounced" plus the same suffixes.  */
struct crk_feed_input {
	const struct crk_proposal *proposals;
	size_t n_proposals;
	/* follow-ups of those proposals (any state), matched by proposal_id */
	const struct crk_followup *followups;
	size_t n_followups;
	time_t now;
	/* NULL: every item has SEQUENCE 0 and changed_at = the proposal's
	 * round start (deterministic, for tests and previews). */
	crk_feed_revision_fn *revision;
	void *revision_context;
};

/* Renders both feeds into memory as UTF-8 text with CRLF line ends,
 * folded at 75 octets (never inside a UTF-8 sequence or a backslash
 * escape), all text from mail sanitised (invalid UTF-8 -> U+FFFD, control
 * characters -> space) and capped.  Calendar properties: VERSION, PRODID,
 * CALSCALE, NAME, X-WR-CALNAME, REFRESH-INTERVAL and X-PUBLISHED-TTL (1
 * hour); no METHOD.  Events are all-day (DTSTART;VALUE=DATE, DTEND the
 * next day, TRANSP:TRANSPARENT); every timed value is UTC ("Z").  The same
 * input and revisions give byte-identical output.  Either out-parameter
 * may be NULL.  Returns what the revision callback returns on failure
 * (then both outputs are NULL).  The caller owns the strings. */
enum crk_status crk_feed_render(const struct crk_feed_input *input,
    char **events_r, char **tasks_r, char **error_r);

/* The last line of a feed; crk_feed_render ends with it. */
#define CRK_FEED_TAIL "END:VCALENDAR\r\n"

/* The lines before the first component of the events feed (tasks false)
 * or the tasks feed: crk_feed_render's output is crk_feed_head, then the
 * parts of the proposals in order (crk_feed_render_part), then
 * CRK_FEED_TAIL.  Owned. */
char *crk_feed_head(bool tasks);

/* The part of input->proposals[index] in each feed, byte for byte as
 * crk_feed_render writes it ("" when it has no item there), for a
 * publisher that keeps the parts of unchanged proposals.  *until_r gets
 * the first moment after input->now at which the part changes with the
 * time alone (a completed follow-up entering or leaving the tasks feed,
 * the local day of one of its events ending), 0 for none.  The caller
 * owns both strings. */
enum crk_status
crk_feed_render_part(const struct crk_feed_input *input, size_t index,
    char **events_r, char **tasks_r, time_t *until_r, char **error_r);

/* Percent-encodes a Message-ID (without angle brackets) for a URI:
 * unreserved characters and "@" stay, everything else becomes %XX.
 * Owned. */
char *crk_feed_uri_encode(const char *s);

/* Writes data to dir/name atomically: a temp file in the same directory
 * (created with `mode`), write, fsync, rename over the target, fsync the
 * directory.  Subscribers see the old file or the new one, never a part.
 * When the target already holds exactly these bytes nothing is written
 * (its mtime, and so the HTTP Last-Modified, stays); only its mode is set.
 * On any error (disk full, file too large, read-only, the target is a
 * directory) the temp file is removed, the old file stays untouched and
 * CRK_E_IO comes back with the path and the reason. */
enum crk_status crk_feed_write_file(const char *dir, const char *name,
    const char *data, size_t len, unsigned mode, char **error_r);

/* The same, for a text given piece by piece (never whole in memory):
 * open, add the pieces in order, then finish (or abort, which leaves the
 * old file as it was).  Nothing is written while the pieces equal the
 * old file; *written_r (may be NULL) says whether the file was replaced.
 * After an error from add, abort; finish always frees the writer. */
struct crk_feed_writer;
enum crk_status crk_feed_writer_open(const char *dir, const char *name,
    unsigned mode, struct crk_feed_writer **w_r, char **error_r);
enum crk_status crk_feed_writer_add(
    struct crk_feed_writer *w, const char *data, size_t len, char **error_r);
enum crk_status crk_feed_writer_finish(
    struct crk_feed_writer **w_r, bool *written_r, char **error_r);
void crk_feed_writer_abort(struct crk_feed_writer **w_r);

/* mkdir -p dir, 0700 for what it creates.  CRK_E_IO with the path. */
enum crk_status crk_feed_make_dir(const char *dir, char **error_r);

/* Renders (crk_feed_render) and publishes both feeds into dir, one after
 * the other (never both texts in memory), creating dir (0700) when
 * missing.  paths_r, when not NULL, receives the two paths written (events
 * first; caller clears it).  CRK_E_IO as above. */
enum crk_status crk_feed_publish(const struct crk_feed_input *input,
    const char *dir, unsigned mode, struct crk_strv *paths_r, char **error_r);

/* Renders both feeds from the store as of now: all proposals and their
 * follow-ups, with SEQUENCE / LAST-MODIFIED from crk_store_item_revision
 * (so it writes to the store when an item changed; it runs in one
 * transaction).  CRK_E_DB, CRK_E_BUSY from the store. */
enum crk_status crk_feed_render_store(struct crk_store *store, time_t now,
    char **events_r, char **tasks_r, char **error_r);

/* Publishes the store as of now, byte for byte what crk_feed_publish of
 * all proposals would write, in one transaction: it renders only the
 * proposals whose parts are stale (see crk_store_feed_stale) and keeps
 * the parts in the store; when none was and the files are as it left
 * them, it writes nothing.  The watcher calls this after every sync;
 * `crickets feed`, `crickets serve` and the Claws plugin call it too. */
enum crk_status crk_feed_publish_store(struct crk_store *store, const char *dir,
    unsigned mode, time_t now, struct crk_strv *paths_r, char **error_r);

#endif
