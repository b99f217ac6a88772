/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A hand-made mailbox state for the feed tests, optionally hostile. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/message.h"
#include "tests/interop/feed_sample.h"

time_t
crk_sample_time(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static crk_day
sample_day(int y, int mo, int d)
{
	return (crk_day)(crk_sample_time(y, mo, d, 12, 0) / 86400);
}

static void
sample_add_prospect(struct crk_proposal *p, const char *addr, const char *name)
{
	struct crk_addr_list *l = &p->prospects;

	l->items = crk_xreallocarray(l->items, l->count + 1, sizeof(*l->items));
	l->items[l->count].addr = crk_xstrdup(addr);
	l->items[l->count].name = crk_xstrdup(name);
	l->count++;
	l->alloc = l->count;
}

static struct crk_proposal *
sample_proposal(struct crk_feed_sample *s, const char *short_id,
    const char *subject, enum crk_state state, time_t sent_at)
{
	struct crk_proposal *p = &s->proposals[s->n_proposals];

	p->id = (int64_t)++s->n_proposals;
	p->short_id = crk_xstrdup(short_id);
	p->account = crk_xstrdup("work");
	p->message_id =
	    crk_xasprintf("%s.proposal+1@mail.example.com", short_id);
	p->last_message_id = crk_xstrdup(p->message_id);
	p->subject = crk_xstrdup(subject);
	p->from_addr = crk_xstrdup("rep@example.com");
	p->from_name = crk_xstrdup("Rita Rep");
	p->reason = crk_xstrdup("subject contains 'proposal'");
	p->sent_at = sent_at;
	p->state = state;
	p->round = 1;
	p->round_start = sent_at;
	p->last_message_at = sent_at;
	p->snooze_until = CRK_DAY_NONE;
	p->next_due = CRK_DAY_NONE;
	return p;
}

static struct crk_followup *
sample_followup(struct crk_feed_sample *s, const struct crk_proposal *p,
    unsigned number, crk_day due, enum crk_followup_state state,
    time_t closed_at)
{
	struct crk_followup *f = &s->followups[s->n_followups];

	f->id = (int64_t)++s->n_followups;
	f->proposal_id = p->id;
	f->round = p->round;
	f->number = number;
	f->due = due;
	f->state = state;
	f->closed_at = closed_at;
	f->channel = state == CRK_FOLLOWUP_DONE ? crk_xstrdup("mail") : NULL;
	f->uid = crk_xasprintf(
	    "crickets-%s-r%u-n%u@example.com", p->short_id, p->round, number);
	f->created_at = p->sent_at;
	f->changed_at = p->sent_at;
	return f;
}

void
crk_feed_sample_fill(struct crk_feed_sample *s)
{
	struct crk_proposal *p;

	memset(s, 0, sizeof(*s));
	s->now = crk_sample_time(2026, 11, 22, 12, 0);

	/* waiting, overdue #3 (rolls forward to today), #1 done long ago
	 * (dropped), #2 done 12 days ago (kept as completed) */
	p = sample_proposal(s, "k3x9qa", "Proposal Q3 rollout",
	    CRK_STATE_WAITING, crk_sample_time(2026, 11, 2, 10, 15));
	sample_add_prospect(p, "jane@acme.com", "Jane Doe (ACME)");
	sample_add_prospect(p, "cfo@acme.com", NULL);
	crk_strv_add(&p->attachments, "ACME-proposal.pdf");
	crk_strv_add(&p->attachments, "pricing, v2.xlsx");
	p->touches = 2;
	sample_followup(s, p, 1, sample_day(2026, 11, 3), CRK_FOLLOWUP_DONE,
	    crk_sample_time(2026, 11, 3, 9, 0));
	sample_followup(s, p, 2, sample_day(2026, 11, 5), CRK_FOLLOWUP_DONE,
	    crk_sample_time(2026, 11, 10, 16, 30));
	sample_followup(s, p, 3, sample_day(2026, 11, 9), CRK_FOLLOWUP_OPEN, 0);

	/* waiting, #1 due in two days */
	p = sample_proposal(s, "b7mm2p", "Quote: support plan 2027",
	    CRK_STATE_WAITING, crk_sample_time(2026, 11, 21, 17, 40));
	sample_add_prospect(p, "bob@globex.io", NULL);
	sample_followup(
	    s, p, 1, sample_day(2026, 11, 24), CRK_FOLLOWUP_OPEN, 0);

	/* snoozed until 1 Dec; its open #7 (monthly angle) waits */
	p = sample_proposal(s, "sn00ze", "Angebot Wartungsvertrag",
	    CRK_STATE_SNOOZED, crk_sample_time(2026, 6, 1, 9, 0));
	sample_add_prospect(p, "m.mueller@gmail.com", "Märta Müller");
	p->snooze_until = sample_day(2026, 12, 1);
	sample_followup(
	    s, p, 7, sample_day(2026, 11, 23), CRK_FOLLOWUP_OPEN, 0);

	/* replied: decide */
	p = sample_proposal(s, "r2d2xx", "Q1 rollout", CRK_STATE_REPLIED,
	    crk_sample_time(2026, 11, 10, 8, 0));
	sample_add_prospect(p, "carol@initech.example", "Carol Smith");
	p->last_reply = crk_sample_time(2026, 11, 20, 14, 5);
	p->last_reply_from = crk_xstrdup("carol@initech.example");
	free(p->last_message_id);
	p->last_message_id = crk_xstrdup("r2.reply/x@initech.example");
	p->last_message_at = p->last_reply;

	/* bounced */
	p = sample_proposal(s, "zz9plu", "Offer: 3 seats", CRK_STATE_BOUNCED,
	    crk_sample_time(2026, 11, 19, 11, 0));
	sample_add_prospect(p, "dave@hooli.example", "Dave");
	p->last_message_at = crk_sample_time(2026, 11, 19, 11, 2);

	/* won: one follow-up done 7 days ago (kept), one in October
	 * (dropped) */
	p = sample_proposal(s, "won111", "Pricing for the pilot", CRK_STATE_WON,
	    crk_sample_time(2026, 9, 1, 10, 0));
	sample_add_prospect(p, "erin@umbrella.example", "Erin");
	p->closed_at = crk_sample_time(2026, 11, 16, 10, 0);
	sample_followup(s, p, 1, sample_day(2026, 9, 2), CRK_FOLLOWUP_DONE,
	    crk_sample_time(2026, 10, 1, 10, 0));
	sample_followup(s, p, 2, sample_day(2026, 11, 15), CRK_FOLLOWUP_DONE,
	    crk_sample_time(2026, 11, 15, 10, 0));

	/* dropped with an open follow-up left over: nothing shows */
	p = sample_proposal(s, "dr0pme", "SOW draft", CRK_STATE_DROPPED,
	    crk_sample_time(2026, 10, 1, 10, 0));
	sample_add_prospect(p, "frank@example.net", "Frank");
	sample_followup(
	    s, p, 4, sample_day(2026, 11, 20), CRK_FOLLOWUP_OPEN, 0);

	s->expect_events =
	    5; /* k3x9qa#3, b7mm2p#1, sn00ze#7, decide, bounced */
	s->expect_completed = 2; /* k3x9qa#2, won111#2 */
	s->expect_tasks = 5 + 2;
}

/* Hostile pieces: the nasty things mail can carry into a feed. */
static const char *const hostile_parts[] = {
    "\r\nBEGIN:VEVENT\r\n",
    "END:VCALENDAR",
    "\n",
    "\r",
    "\t",
    ";",
    ",",
    "\\",
    "\\n",
    "\\;",
    ":",
    "\"",
    "'",
    "<",
    ">",
    "&",
    "\xf0\x9f\x98\x80",
    "\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa",
    "\xe2\x80\xa8",
    "\xff",
    "\xc3",
    "\xe2\x82",
    "\xed\xa0\x80",
    "\xc0\xaf",
    "\x01\x02\x1b",
    "\x7f",
    "\xc2\x85",
    "Ärger",
    "東京",
    "=?utf-8?q?x?=",
    "DTSTART:19700101",
    " ",
    "a",
    "Proposal",
    "%2e%2e/",
    "mid:",
    "\xe2\x80\x8b",
    /* RFC 2047 words that decode to CR/LF, NUL, ESC, bad UTF-8 */
    "=?utf-8?q?Angebot=0D=0ABEGIN:VEVENT?=",
    "=?utf-8?b?DQpFTkQ6VkNBTEVOREFSDQpCRUdJTjpWRVZFTlQNCg==?=",
    "=?iso-8859-1?q?=E4=00=1B?=",
    "=?utf-8?q?=FF=FE=C3?=",
};

static char *
hostile_text(unsigned *seed, bool allow_long)
{
	struct crk_strv parts = {0};
	unsigned n = (unsigned)(rand_r(seed) % 12), i;
	char *s;

	for (i = 0; i < n; i++)
		crk_strv_add(&parts,
		    hostile_parts[(unsigned)rand_r(seed) %
			CRK_N_ELEMENTS(hostile_parts)]);
	if (allow_long && rand_r(seed) % 4 == 0) {
		char *line = crk_xmalloc(10001);
		size_t j;

		for (j = 0; j < 10000; j++)
			line[j] = "ab\\;,\xc3\xa9 "[(unsigned)rand_r(seed) % 8];
		line[10000] = '\0';
		crk_strv_add_owned(&parts, line);
	}
	s = crk_strv_join(&parts, "");
	crk_strv_clear(&parts);
	/* half the time as a mail parser hands it over: RFC 2047 decoded */
	if (rand_r(seed) % 2 == 0) {
		char *decoded = crk_mime_decode_header(s);

		free(s);
		s = decoded;
	}
	return s;
}

void
crk_feed_sample_make_hostile(struct crk_feed_sample *s, unsigned seed)
{
	size_t i, j;

	for (i = 0; i < s->n_proposals; i++) {
		struct crk_proposal *p = &s->proposals[i];
		char *local;

		free(p->subject);
		p->subject = hostile_text(&seed, true);
		for (j = 0; j < p->prospects.count; j++) {
			local = hostile_text(&seed, false);
			free(p->prospects.items[j].name);
			p->prospects.items[j].name = hostile_text(&seed, true);
			free(p->prospects.items[j].addr);
			p->prospects.items[j].addr =
			    crk_xasprintf("%s@%s.example", local, local);
			free(local);
		}
		for (j = 0; j < p->attachments.count; j++) {
			free(p->attachments.items[j]);
			p->attachments.items[j] = hostile_text(&seed, true);
		}
		crk_strv_add_owned(&p->attachments, hostile_text(&seed, true));
		free(p->last_reply_from);
		p->last_reply_from = hostile_text(&seed, true);
		local = hostile_text(&seed, false);
		free(p->message_id);
		p->message_id = crk_xasprintf("%s%u@x", local, (unsigned)i);
		free(local);
	}
}

void
crk_feed_sample_clear(struct crk_feed_sample *s)
{
	size_t i, j;

	for (i = 0; i < s->n_proposals; i++) {
		struct crk_proposal *p = &s->proposals[i];

		free(p->short_id);
		free(p->account);
		free(p->message_id);
		free(p->subject);
		free(p->from_addr);
		free(p->from_name);
		free(p->reason);
		free(p->last_reply_from);
		free(p->last_message_id);
		for (j = 0; j < p->prospects.count; j++) {
			free(p->prospects.items[j].addr);
			free(p->prospects.items[j].name);
		}
		free(p->prospects.items);
		crk_strv_clear(&p->attachments);
	}
	for (i = 0; i < s->n_followups; i++) {
		free(s->followups[i].channel);
		free(s->followups[i].uid);
	}
	memset(s, 0, sizeof(*s));
}

void
crk_feed_sample_input(
    const struct crk_feed_sample *s, struct crk_feed_input *in)
{
	memset(in, 0, sizeof(*in));
	in->proposals = s->proposals;
	in->n_proposals = s->n_proposals;
	in->followups = s->followups;
	in->n_followups = s->n_followups;
	in->now = s->now;
}

enum crk_status
crk_feed_revs_lookup(void *context, const char *uid, const char *hash,
    time_t now, unsigned *sequence_r, time_t *changed_at_r, char **error_r)
{
	struct crk_feed_revs *revs = context;
	size_t i;

	for (i = 0; i < revs->count; i++) {
		if (strcmp(revs->items[i].uid, uid) != 0)
			continue;
		if (strcmp(revs->items[i].hash, hash) != 0) {
			revs->items[i].sequence++;
			revs->items[i].changed = now;
			memcpy(revs->items[i].hash, hash, 65);
		}
		break;
	}
	if (i == revs->count) {
		if (revs->count == CRK_N_ELEMENTS(revs->items)) {
			crk_error_set(error_r, "too many items");
			return CRK_E_INVAL;
		}
		revs->items[i].uid = crk_xstrdup(uid);
		memcpy(revs->items[i].hash, hash, 65);
		revs->items[i].sequence = 0;
		revs->items[i].changed = now;
		revs->count++;
	}
	*sequence_r = revs->items[i].sequence;
	*changed_at_r = revs->items[i].changed;
	return CRK_OK;
}

void
crk_feed_revs_clear(struct crk_feed_revs *revs)
{
	size_t i;

	for (i = 0; i < revs->count; i++)
		free(revs->items[i].uid);
	revs->count = 0;
}
