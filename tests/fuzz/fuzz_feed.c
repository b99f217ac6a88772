/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: feed rendering of arbitrary text fields.  Subjects, names,
 * addresses, attachment names and reasons come from mail anyone can send;
 * whatever they hold, the feeds must stay valid iCalendar: CRLF line ends,
 * lines folded at 75 octets, valid UTF-8, no line break inside a value. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/date.h"
#include "core/store.h"
#include "ical/feed.h"
#include "tests/fuzz/fuzz.h"

struct fuzz_reader {
	const uint8_t *p;
	size_t left;
};

static unsigned
fuzz_byte(struct fuzz_reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

/* The next NUL-terminated field (NULL for an empty one, as a header
 * crickets did not find). */
static char *
fuzz_text(struct fuzz_reader *r)
{
	const uint8_t *end = memchr(r->p, '\0', r->left);
	size_t n = end != NULL ? (size_t)(end - r->p) : r->left;
	char *s = n > 0 ? crk_xstrndup((const char *)r->p, n) : NULL;

	r->p += n;
	r->left -= n;
	if (r->left > 0) {
		r->p++;
		r->left--;
	}
	return s;
}

static void
fuzz_check_feed(const char *text)
{
	const char *line = text, *end;
	size_t n;

	FUZZ_CHECK(strncmp(text, "BEGIN:VCALENDAR\r\n", 17) == 0,
	    "the feed does not start with BEGIN:VCALENDAR");
	while (*line != '\0') {
		end = strstr(line, "\r\n");
		FUZZ_CHECK(end != NULL, "a line without CRLF");
		n = (size_t)(end - line);
		FUZZ_CHECK(n <= 75, "a line longer than 75 octets");
		FUZZ_CHECK(memchr(line, '\n', n) == NULL &&
			memchr(line, '\r', n) == NULL,
		    "a bare CR or LF inside a line");
		line = end + 2;
	}
	/* valid UTF-8 as a whole: folding never splits a sequence */
	for (line = text; *line != '\0';) {
		n = crk_utf8_len(line, strlen(line), NULL);
		FUZZ_CHECK(n > 0, "invalid UTF-8 in the feed");
		line += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = {data, size};
	struct crk_proposal p;
	struct crk_followup f[2];
	struct crk_feed_input in;
	char *events = NULL, *tasks = NULL;
	time_t now = 1794300000; /* 2026-11-10 */
	unsigned i, n;

	fuzz_quiet();
	memset(&p, 0, sizeof(p));
	memset(f, 0, sizeof(f));
	p.id = 1;
	p.state = (enum crk_state)(fuzz_byte(&r) % 7);
	p.round = 1 + fuzz_byte(&r) % 4;
	p.touches = fuzz_byte(&r) % 12;
	p.sent_at = now - (time_t)fuzz_byte(&r) * 86400;
	p.round_start = p.sent_at;
	p.last_reply = fuzz_byte(&r) & 1 ? now - 3600 : 0;
	p.last_message_at = now - 7200;
	p.closed_at = crk_state_is_closed(p.state) ? now - 60 : 0;
	p.snooze_until = p.state == CRK_STATE_SNOOZED
	    ? crk_day_of_time(now) + 1 + fuzz_byte(&r) % 60
	    : CRK_DAY_NONE;
	n = fuzz_byte(&r) % 3;
	p.short_id = fuzz_text(&r);
	if (p.short_id == NULL)
		p.short_id = crk_xstrdup("k3x9qa");
	p.account = fuzz_text(&r);
	p.message_id = fuzz_text(&r);
	p.subject = fuzz_text(&r);
	p.from_addr = fuzz_text(&r);
	p.from_name = fuzz_text(&r);
	p.reason = fuzz_text(&r);
	p.last_reply_from = fuzz_text(&r);
	p.last_message_id = fuzz_text(&r);
	for (i = 0; i < 3; i++) {
		char *addr = fuzz_text(&r), *name = fuzz_text(&r);

		if (addr != NULL || name != NULL)
			crk_addr_list_add(&p.prospects, addr, name);
		free(addr);
		free(name);
	}
	for (i = 0; i < 2; i++) {
		char *att = fuzz_text(&r);

		if (att != NULL)
			crk_strv_add_owned(&p.attachments, att);
	}
	for (i = 0; i < n; i++) {
		f[i].id = i + 1;
		f[i].proposal_id = 1;
		f[i].round = p.round;
		f[i].number = i + 1;
		f[i].due = crk_day_of_time(now) - 3 + (int)(fuzz_byte(&r) % 9);
		f[i].state = i + 1 < n ? CRK_FOLLOWUP_DONE : CRK_FOLLOWUP_OPEN;
		f[i].closed_at =
		    f[i].state == CRK_FOLLOWUP_DONE ? now - 86400 : 0;
		f[i].channel = fuzz_text(&r);
		f[i].uid = fuzz_text(&r);
		f[i].created_at = p.sent_at;
		f[i].changed_at = p.sent_at;
	}
	if (n > 0 && f[n - 1].state == CRK_FOLLOWUP_OPEN) {
		p.next_followup_id = f[n - 1].id;
		p.next_number = f[n - 1].number;
		p.next_due = f[n - 1].due;
	} else {
		p.next_due = CRK_DAY_NONE;
	}

	memset(&in, 0, sizeof(in));
	in.proposals = &p;
	in.n_proposals = 1;
	in.followups = f;
	in.n_followups = n;
	in.now = now;
	if (crk_feed_render(&in, &events, &tasks, NULL) == CRK_OK) {
		fuzz_check_feed(events);
		fuzz_check_feed(tasks);
	}
	free(events);
	free(tasks);
	for (i = 0; i < n; i++) {
		free(f[i].channel);
		free(f[i].uid);
	}
	crk_proposal_clear(&p);
	return 0;
}
