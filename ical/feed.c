/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Renders the feeds as iCalendar text and publishes them atomically. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/date.h"
#include "core/template.h"
#include "ical/feed.h"

/* RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets, CRLF excluded. */
#define FEED_FOLD_OCTETS 75
/* Smaller caps for the pieces a SUMMARY is built from. */
#define FEED_NAME_MAX 100
#define FEED_COMPANY_MAX 60
#define FEED_SUBJECT_MAX 300
#define FEED_ATTACHMENTS_MAX 20
#define FEED_PROSPECTS_MAX 10
#define FEED_PRODID "-//crickets//crickets " PACKAGE_VERSION "//EN"

struct buf {
	char *s;
	size_t len;
	size_t alloc;
};

/* Room for extra more bytes and the NUL. */
static void
buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 > b->alloc) {
		size_t alloc = b->alloc == 0 ? 256 : b->alloc;

		while (b->len + extra + 1 > alloc)
			alloc *= 2;
		b->s = crk_xrealloc(b->s, alloc);
		b->alloc = alloc;
	}
}

static void
buf_add(struct buf *b, const char *s, size_t len)
{
	buf_reserve(b, len);
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) CRK_PRINTF(2, 3);

static void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	int n;

	/* Straight into a stack buffer: an allocation per line was a tenth
	 * of a large feed's render.  Longer lines take the long way. */
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n >= 0 && (size_t)n < sizeof(small)) {
		buf_add(b, small, (size_t)n);
	} else {
		char *s = crk_xvasprintf(fmt, ap);

		buf_puts(b, s);
		free(s);
	}
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Hands the text out (never NULL) and empties the buffer. */
static char *
buf_steal(struct buf *b)
{
	char *s = b->s != NULL ? b->s : crk_xstrdup("");

	b->s = NULL;
	b->len = b->alloc = 0;
	return s;
}

/* ---- text from mail ------------------------------------------------------ */

/* Valid UTF-8 without control characters, at most max_chars code points
 * ("…" marks a cut), trimmed.  NULL in: "".  Owned. */
static char *
feed_clean(const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t avail = strlen((const char *)p), chars = 0, n;
	struct buf b = {0};
	uint32_t cp;
	char *out;

	while (avail > 0) {
		if (chars == max_chars) {
			buf_puts(&b, "\xe2\x80\xa6");
			break;
		}
		n = crk_utf8_len((const char *)p, avail, &cp);
		if (n == 0) {
			buf_puts(&b, "\xef\xbf\xbd"); /* U+FFFD */
			n = 1;
		} else if (cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029) {
			buf_add(&b, " ", 1);
		} else {
			buf_add(&b, (const char *)p, n);
		}
		chars++;
		p += n;
		avail -= n;
	}
	out = crk_str_trim(buf_steal(&b));
	return out;
}

/* Cuts an already valid UTF-8 string to max_chars code points in place. */
static void
utf8_cap(char *s, size_t max_chars)
{
	size_t chars = 0, i = 0;

	while (s[i] != '\0') {
		if (chars == max_chars) {
			s[i] = '\0';
			break;
		}
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
}

/* Appends one content line, folded at 75 octets.  A fold never falls
 * inside a UTF-8 sequence or between a backslash and the character it
 * escapes: libical and some clients mishandle both.  Each folded piece is
 * copied at once. */
static void
feed_line(struct buf *b, const char *line)
{
	const unsigned char *p = (const unsigned char *)line;
	const unsigned char *start = p;
	size_t left = strlen(line), col = 0, tok;
	uint32_t cp;

	while (left > 0) {
		if (*p == '\\' && left > 1)
			tok = 2;
		else if (*p < 0x80)
			tok = 1;
		else if ((tok = crk_utf8_len((const char *)p, left, &cp)) == 0)
			tok = 1; /* cannot happen: text is cleaned */
		if (col + tok > FEED_FOLD_OCTETS) {
			buf_add(b, (const char *)start, (size_t)(p - start));
			buf_add(b, "\r\n ", 3);
			start = p;
			col = 1;
		}
		col += tok;
		p += tok;
		left -= tok;
	}
	buf_add(b, (const char *)start, (size_t)(p - start));
	buf_add(b, "\r\n", 2);
}

/* NAME:escaped-text: escapes backslash, semicolon, comma and newline (RFC
 * 5545 3.3.11) and folds as feed_line, in one pass straight into b (two
 * passes through a line buffer were a fifth of a large feed's render). */
static void
feed_text_prop(struct buf *b, const char *name, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t nlen = strlen(name), left = strlen(text), col, in, out;
	const char *src;
	char pair[2], *o;
	uint32_t cp;

	/* each byte gives at most two, a fold three per 72 */
	buf_reserve(b, nlen + 1 + 3 * left + 8);
	o = b->s + b->len;
	memcpy(o, name, nlen);
	o += nlen;
	*o++ = ':';
	col = nlen + 1;
	while (left > 0) {
		if (*p < 0x80 && *p != '\\' && *p != ';' && *p != ',' &&
		    *p != '\n' && *p != '\r') {
			/* the common case, without a call */
			if (col + 1 > FEED_FOLD_OCTETS) {
				memcpy(o, "\r\n ", 3);
				o += 3;
				col = 1;
			}
			*o++ = (char)*p++;
			col++;
			left--;
			continue;
		}
		src = (const char *)p;
		in = out = 1;
		if (*p == '\r') {
			p++;
			left--;
			continue;
		}
		if (*p == '\\' || *p == ';' || *p == ',' || *p == '\n') {
			pair[0] = '\\';
			pair[1] = *p == '\n' ? 'n' : (char)*p;
			src = pair;
			out = 2;
		} else if (*p >= 0x80) {
			in = crk_utf8_len((const char *)p, left, &cp);
			if (in == 0)
				in = 1; /* cannot happen: text is cleaned */
			out = in;
		}
		if (col + out > FEED_FOLD_OCTETS) {
			memcpy(o, "\r\n ", 3);
			o += 3;
			col = 1;
		}
		memcpy(o, src, out);
		o += out;
		col += out;
		p += in;
		left -= in;
	}
	memcpy(o, "\r\n", 3); /* with the NUL */
	b->len = (size_t)(o + 2 - b->s);
}

static void feed_linef(struct buf *b, const char *fmt, ...) CRK_PRINTF(2, 3);

static void
feed_linef(struct buf *b, const char *fmt, ...)
{
	char small[256], *s = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(small)) {
		va_start(ap, fmt);
		s = crk_xvasprintf(fmt, ap);
		va_end(ap);
	}
	feed_line(b, s);
	if (s != small)
		free(s);
}

/* ---- dates --------------------------------------------------------------- */

/* "20261122" */
static char *
feed_date_value(crk_day day, char buf[16])
{
	int y, m, d;

	crk_day_to_ymd(day, &y, &m, &d);
	snprintf(buf, 16, "%04d%02d%02d", y % 10000, m, d);
	return buf;
}

/* "2 Nov 2026", locale-independent. */
static char *
feed_date_human(crk_day day, char buf[32])
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int y, m, d;

	crk_day_to_ymd(day, &y, &m, &d);
	snprintf(buf, 32, "%d %s %d", d, months[(m - 1) % 12], y);
	return buf;
}

/* "20261122T090000Z" */
static char *
feed_utc_value(time_t t, char buf[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(buf, 32, "%Y%m%dT%H%M%SZ", &tm);
	return buf;
}

/* ---- wording ------------------------------------------------------------- */

char *
crk_feed_uri_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = {0};
	const unsigned char *p;
	char esc[3];

	for (p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~@", *p) != NULL) {
			buf_add(&b, (const char *)p, 1);
		} else {
			esc[0] = '%';
			esc[1] = hex[*p >> 4];
			esc[2] = hex[*p & 15];
			buf_add(&b, esc, 3);
		}
	}
	return buf_steal(&b);
}

/* "Jane Doe (Acme)", "Jane Doe (ACME)" or "jane@acme.com (Acme)".  Owned,
 * clean. */
static char *
feed_person_label(const char *addr, const char *name)
{
	char *label, *company, *cc;

	label = feed_clean(
	    name != NULL && *name != '\0' ? name : addr, FEED_NAME_MAX);
	if (*label == '\0') {
		free(label);
		label = crk_xstrdup("(unnamed)");
	}
	/* a display name that names the company already, "Jane (ACME)",
	 * stays as it is */
	company = name != NULL && strchr(name, '(') != NULL &&
		strchr(name, ')') != NULL
	    ? NULL
	    : crk_template_company(name, addr);
	if (company != NULL) {
		cc = feed_clean(company, FEED_COMPANY_MAX);
		free(company);
		company = label;
		label = crk_xasprintf("%s (%s)", company, cc);
		free(cc);
		free(company);
	}
	return label;
}

/* The first prospect's label plus " +2" for more prospects.  Owned. */
static char *
feed_prospect_label(const struct crk_proposal *p)
{
	const struct crk_addr *a;
	char *name, *label;

	if (p->prospects.count == 0)
		return crk_xstrdup("(no recipient)");
	a = &p->prospects.items[0];
	name = feed_person_label(a->addr, a->name);
	if (p->prospects.count > 1) {
		label = crk_xasprintf("%s +%zu", name, p->prospects.count - 1);
		free(name);
		name = label;
	}
	return name;
}

/* Who replied: the prospect with that address (for the name), else the
 * address, else the first prospect.  Owned. */
static char *
feed_replier_label(const struct crk_proposal *p)
{
	const char *from = p->last_reply_from;
	size_t i;

	if (from == NULL || *from == '\0')
		return feed_prospect_label(p);
	for (i = 0; i < p->prospects.count; i++) {
		const struct crk_addr *a = &p->prospects.items[i];

		if (a->addr != NULL && crk_strcasecmp(a->addr, from) == 0)
			return feed_person_label(a->addr, a->name);
	}
	return feed_person_label(from, NULL);
}

/* The subject, clean and capped; "(no subject)" when empty.  Owned. */
static char *
feed_subject(const struct crk_proposal *p)
{
	char *s = feed_clean(p->subject, FEED_SUBJECT_MAX);

	if (*s == '\0') {
		free(s);
		s = crk_xstrdup("(no subject)");
	}
	return s;
}

/* What was sent, to whom, with which attachments. */
static void
feed_describe_sent(struct buf *d, const struct crk_proposal *p)
{
	char day[32], *subject, *s;
	size_t i;

	subject = feed_clean(p->subject, 1000);
	buf_printf(d, "Sent on %s: \"%s\"\n",
	    feed_date_human(crk_day_of_time(p->sent_at), day), subject);
	free(subject);
	if (p->prospects.count > 0) {
		buf_puts(d, "To: ");
		for (i = 0; i < p->prospects.count && i < FEED_PROSPECTS_MAX;
		     i++) {
			const struct crk_addr *a = &p->prospects.items[i];

			if (i > 0)
				buf_puts(d, ", ");
			if (a->name != NULL && *a->name != '\0') {
				s = feed_clean(a->name, FEED_NAME_MAX);
				buf_printf(d, "%s ", s);
				free(s);
			}
			s = feed_clean(a->addr, 320);
			buf_printf(d, "<%s>", s);
			free(s);
		}
		if (p->prospects.count > FEED_PROSPECTS_MAX)
			buf_printf(d, " and %zu more",
			    p->prospects.count - FEED_PROSPECTS_MAX);
		buf_puts(d, "\n");
	}
	if (p->attachments.count > 0) {
		buf_puts(d, "Attachments: ");
		for (i = 0;
		     i < p->attachments.count && i < FEED_ATTACHMENTS_MAX;
		     i++) {
			s = feed_clean(p->attachments.items[i], 200);
			buf_printf(d, "%s%s", i > 0 ? ", " : "", s);
			free(s);
		}
		if (p->attachments.count > FEED_ATTACHMENTS_MAX)
			buf_printf(d, " and %zu more",
			    p->attachments.count - FEED_ATTACHMENTS_MAX);
		buf_puts(d, "\n");
	}
}

/* The mid: and message: links to the proposal, and to the thread's latest
 * message when that is another one (where a follow-up should reply). */
static void
feed_describe_links(struct buf *d, const struct crk_proposal *p,
    const char *mid_url, const char *msg_url)
{
	char *latest;

	buf_printf(
	    d, "\nOpen the mail: %s\nIn Apple Mail: %s", mid_url, msg_url);
	if (p->last_message_id == NULL || *p->last_message_id == '\0' ||
	    (p->message_id != NULL &&
		strcmp(p->last_message_id, p->message_id) == 0))
		return;
	latest = crk_feed_uri_encode(p->last_message_id);
	buf_printf(d, "\nLatest in the thread: mid:%s", latest);
	free(latest);
}

/* ---- items --------------------------------------------------------------- */

enum feed_kind {
	FEED_FOLLOWUP,
	FEED_DECIDE,
	FEED_BOUNCED,
};

struct feed_item {
	enum feed_kind kind;
	const struct crk_proposal *p;
	const struct crk_followup *f; /* FEED_FOLLOWUP only */
	char *uid_base;               /* owned */
	crk_day event_day;            /* CRK_DAY_NONE: no event */
	crk_day due;                  /* the task's DUE */
	bool completed;
	time_t completed_at;
	int priority;
};

/* SUMMARY and DESCRIPTION text for an item on `day` (the event's date or
 * the task's due date).  Both owned, clean, capped, unescaped. */
static void
feed_item_text(const struct feed_item *it, crk_day day, const char *mid_url,
    const char *msg_url, char **summary_r, char **description_r)
{
	const struct crk_proposal *p = it->p;
	struct buf s = {0}, d = {0};
	char *label, *subject, *sid, *who, *angle, daybuf[32];
	crk_day since;
	long silent;

	label = feed_prospect_label(p);
	subject = feed_subject(p);
	sid = feed_clean(p->short_id, 64);
	switch (it->kind) {
	case FEED_FOLLOWUP:
		buf_printf(&s, "Follow up #%u: %s - %s", it->f->number, label,
		    subject);
		since = crk_day_of_time(
		    p->round_start != 0 ? p->round_start : p->sent_at);
		silent = (long)day - (long)since;
		if (silent < 0)
			silent = 0;
		if (it->completed) {
			char *ch = feed_clean(
			    it->f->channel != NULL ? it->f->channel : "mail",
			    32);

			buf_printf(&d, "Done on %s (%s).\n",
			    feed_date_human(
				crk_day_of_time(it->completed_at), daybuf),
			    ch);
			free(ch);
		} else {
			buf_printf(&d, "No reply for %ld day%s (since %s).\n",
			    silent, silent == 1 ? "" : "s",
			    feed_date_human(since, daybuf));
		}
		feed_describe_sent(&d, p);
		angle = crk_template_builtin_angle(it->f->number);
		buf_printf(&d, "\nTouch #%u, suggested angle: %s\n",
		    it->f->number, angle);
		free(angle);
		if (!it->completed)
			buf_printf(&d,
			    "\nReply to the thread (crickets notices "
			    "your mail), or call.\nLog a call or meeting: "
			    "crickets touch %s --channel phone|meeting|other "
			    "--note TEXT\nGot a clear answer: crickets won %s "
			    "or crickets lost %s\n",
			    sid, sid, sid);
		break;
	case FEED_DECIDE:
		who = feed_replier_label(p);
		buf_printf(&s,
		    "%s replied to '%s': a clear yes, a no, or not "
		    "yet?",
		    who, subject);
		buf_printf(&d, "%s replied on %s.\n", who,
		    feed_date_human(crk_day_of_time(p->last_reply), daybuf));
		free(who);
		feed_describe_sent(&d, p);
		buf_printf(&d,
		    "\nRecord the answer: crickets won %s, crickets "
		    "lost %s, or crickets notyet %s (follow-ups start "
		    "again).\n",
		    sid, sid, sid);
		break;
	case FEED_BOUNCED:
		buf_printf(
		    &s, "Bounced: %s - %s - fix the address", label, subject);
		buf_puts(&d, "The proposal could not be delivered.\n");
		feed_describe_sent(&d, p);
		buf_printf(&d,
		    "\nFix the address and send it again, or give "
		    "up on it: crickets drop %s\n",
		    sid);
		break;
	}
	feed_describe_links(&d, p, mid_url, msg_url);
	utf8_cap(s.s, CRK_FEED_SUMMARY_MAX);
	utf8_cap(d.s, CRK_FEED_DESCRIPTION_MAX);
	free(label);
	free(subject);
	free(sid);
	*summary_r = buf_steal(&s);
	*description_r = buf_steal(&d);
}

static void
feed_sha256_hex(const char *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, md) != 0)
		memset(md, 0, sizeof(md));
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* Appends BEGIN ... END of one component: the UID, the revision lines and
 * the body, whose hash decides the revision. */
static enum crk_status
feed_component(const struct crk_feed_input *in, struct buf *out,
    const char *type, const char *uid, const struct crk_proposal *p,
    const char *body, char **error_r)
{
	enum crk_status status = CRK_OK;
	unsigned sequence = 0;
	time_t changed = p->round_start != 0 ? p->round_start : p->sent_at;
	char hash[65], stamp[32];

	feed_sha256_hex(body, strlen(body), hash);
	if (in->revision != NULL) {
		status = in->revision(in->revision_context, uid, hash, in->now,
		    &sequence, &changed, error_r);
		if (status != CRK_OK)
			return status;
	}
	feed_linef(out, "BEGIN:%s", type);
	feed_text_prop(out, "UID", uid);
	feed_linef(out, "DTSTAMP:%s", feed_utc_value(changed, stamp));
	feed_linef(out, "SEQUENCE:%u", sequence);
	feed_linef(out, "LAST-MODIFIED:%s", stamp);
	buf_puts(out, body);
	feed_linef(out, "END:%s", type);
	return CRK_OK;
}

static enum crk_status
feed_render_item(const struct crk_feed_input *in, const struct feed_item *it,
    struct buf *events, struct buf *tasks, char **error_r)
{
	enum crk_status status = CRK_OK;
	struct buf body = {0};
	char *summary = NULL, *description = NULL, *uid = NULL;
	char *mid, *mid_url, *msg_url, date[16];
	crk_day text_day = CRK_DAY_NONE;

	mid = crk_feed_uri_encode(it->p->message_id);
	mid_url = crk_xasprintf("mid:%s", mid);
	msg_url = crk_xasprintf("message:%%3C%s%%3E", mid);
	free(mid);

	if (events != NULL && it->event_day != CRK_DAY_NONE) {
		feed_item_text(it, it->event_day, mid_url, msg_url, &summary,
		    &description);
		text_day = it->event_day;
		feed_linef(&body, "DTSTART;VALUE=DATE:%s",
		    feed_date_value(it->event_day, date));
		feed_linef(&body, "DTEND;VALUE=DATE:%s",
		    feed_date_value(it->event_day + 1, date));
		feed_text_prop(&body, "SUMMARY", summary);
		feed_text_prop(&body, "DESCRIPTION", description);
		feed_linef(&body, "URL:%s", mid_url);
		feed_line(&body, "TRANSP:TRANSPARENT");
		feed_line(&body, "CLASS:PRIVATE");
		uid = crk_xasprintf("%s-event", it->uid_base);
		status = feed_component(
		    in, events, "VEVENT", uid, it->p, body.s, error_r);
		if (status != CRK_OK)
			goto out;
		crk_free_str(&uid);
		body.len = 0;
	}
	if (tasks != NULL) {
		char stamp[32];

		/* the text depends on the day only: an item due today or
		 * later reads the same in both feeds */
		if (text_day != it->due) {
			crk_free_str(&summary);
			crk_free_str(&description);
			feed_item_text(it, it->due, mid_url, msg_url, &summary,
			    &description);
		}
		feed_linef(
		    &body, "DUE;VALUE=DATE:%s", feed_date_value(it->due, date));
		feed_text_prop(&body, "SUMMARY", summary);
		feed_text_prop(&body, "DESCRIPTION", description);
		feed_linef(&body, "URL:%s", mid_url);
		feed_line(&body, "CLASS:PRIVATE");
		feed_linef(&body, "PRIORITY:%d", it->priority);
		if (it->completed) {
			feed_line(&body, "STATUS:COMPLETED");
			feed_line(&body, "PERCENT-COMPLETE:100");
			feed_linef(&body, "COMPLETED:%s",
			    feed_utc_value(it->completed_at, stamp));
		} else {
			feed_line(&body, "STATUS:NEEDS-ACTION");
		}
		uid = crk_xasprintf("%s-task", it->uid_base);
		status = feed_component(
		    in, tasks, "VTODO", uid, it->p, body.s, error_r);
	}
out:
	free(body.s);
	free(summary);
	free(description);
	free(uid);
	free(mid_url);
	free(msg_url);
	return status;
}

static void
feed_calendar_begin(struct buf *b, bool tasks)
{
	const char *name =
	    tasks ? "Follow-up tasks (crickets)" : "Follow-ups (crickets)";

	feed_line(b, "BEGIN:VCALENDAR");
	feed_line(b, "VERSION:2.0");
	feed_line(b, "PRODID:" FEED_PRODID);
	feed_line(b, "CALSCALE:GREGORIAN");
	feed_text_prop(b, "NAME", name);
	feed_text_prop(b, "X-WR-CALNAME", name);
	feed_text_prop(b, "X-WR-CALDESC",
	    "Follow-ups on proposals without "
	    "a reply, from crickets");
	feed_line(b, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
	feed_line(b, "X-PUBLISHED-TTL:PT1H");
}

static char *
feed_uid_base(const struct crk_proposal *p, const char *what)
{
	char *sid = feed_clean(p->short_id, 64), *uid;

	uid = crk_xasprintf(
	    "crickets-%s-r%u-%s", *sid != '\0' ? sid : "x", p->round, what);
	free(sid);
	return uid;
}

/* By proposal, then as given (the array order): the items of one
 * proposal keep their order. */
static int
feed_followup_cmp(const void *a, const void *b)
{
	const struct crk_followup *x = *(const struct crk_followup *const *)a;
	const struct crk_followup *y = *(const struct crk_followup *const *)b;

	if (x->proposal_id != y->proposal_id)
		return x->proposal_id < y->proposal_id ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* An event shown on `day` moves when that day is over (an overdue item
 * rolls forward to the new today, and its "no reply for N days" counts
 * on): *until, the first moment the items change with the time alone (0
 * for none), is that moment at the latest. */
static void
feed_until_day_passes(crk_day day, time_t *until)
{
	time_t next = crk_day_start(day + 1);

	if (*until == 0 || next < *until)
		*until = next;
}

/* The items of proposal p, whose follow-ups are fus[0..n) in order,
 * appended to ev and ts (either may be NULL); *until_r (may be NULL) gets
 * the first moment after now at which they change with the time alone (a
 * completed follow-up entering or leaving the tasks feed, the day of an
 * event ending), 0 for none. */
static enum crk_status
feed_render_one(const struct crk_feed_input *in, const struct crk_proposal *p,
    const struct crk_followup *const *fus, size_t n, crk_day today,
    struct buf *ev, struct buf *ts, time_t *until_r, char **error_r)
{
	const time_t keep = (time_t)CRK_FEED_DONE_KEEP_DAYS * 86400;
	enum crk_status status = CRK_OK;
	struct feed_item it = {.p = p};
	time_t until = 0;
	size_t j;

	if (p->state == CRK_STATE_REPLIED || p->state == CRK_STATE_BOUNCED) {
		bool decide = p->state == CRK_STATE_REPLIED;
		time_t at = decide ? p->last_reply : p->last_message_at;

		it.kind = decide ? FEED_DECIDE : FEED_BOUNCED;
		it.uid_base = feed_uid_base(p, decide ? "decide" : "bounced");
		it.due = crk_day_of_time(at != 0 ? at : p->sent_at);
		it.event_day = it.due > today ? it.due : today;
		it.priority = 1;
		feed_until_day_passes(it.event_day, &until);
		status = feed_render_item(in, &it, ev, ts, error_r);
		free(it.uid_base);
	}
	for (j = 0; j < n && status == CRK_OK; j++) {
		const struct crk_followup *f = fus[j];
		struct feed_item fi = {
		    .kind = FEED_FOLLOWUP, .p = p, .f = f, .priority = 5};
		bool active = p->state == CRK_STATE_WAITING ||
		    p->state == CRK_STATE_SNOOZED;

		if (f->state == CRK_FOLLOWUP_DONE) {
			/* shown from closed_at until keep after it */
			time_t next = f->closed_at > in->now ? f->closed_at
			    : in->now - f->closed_at <= keep
			    ? f->closed_at + keep + 1
			    : 0;

			if (next != 0 && (until == 0 || next < until))
				until = next;
		}
		if (f->state == CRK_FOLLOWUP_OPEN && active) {
			crk_day d = f->due;

			if (p->state == CRK_STATE_SNOOZED &&
			    p->snooze_until != CRK_DAY_NONE &&
			    p->snooze_until > d)
				d = p->snooze_until;
			fi.due = d;
			fi.event_day = d > today ? d : today;
			feed_until_day_passes(fi.event_day, &until);
		} else if (f->state == CRK_FOLLOWUP_DONE &&
		    f->closed_at <= in->now && in->now - f->closed_at <= keep) {
			fi.due = f->due;
			fi.event_day = CRK_DAY_NONE;
			fi.completed = true;
			fi.completed_at = f->closed_at;
		} else {
			continue;
		}
		if (f->uid != NULL && *f->uid != '\0') {
			fi.uid_base = feed_clean(f->uid, 200);
		} else {
			/* the follow-up's own round, not the proposal's
			 * current one */
			char *raw = crk_xasprintf("crickets-%s-r%u-n%u",
			    p->short_id != NULL ? p->short_id : "x", f->round,
			    f->number);

			fi.uid_base = feed_clean(raw, 200);
			free(raw);
		}
		status = feed_render_item(in, &fi, ev, ts, error_r);
		free(fi.uid_base);
	}
	if (until_r != NULL)
		*until_r = until;
	return status;
}

/* The follow-ups of the input sorted by proposal (then as given), for
 * feed_followups_of.  Owned. */
static const struct crk_followup **
feed_followups_sorted(const struct crk_feed_input *in)
{
	const struct crk_followup **order;
	size_t j;

	order = crk_xcalloc(in->n_followups + 1, sizeof(*order));
	for (j = 0; j < in->n_followups; j++)
		order[j] = &in->followups[j];
	qsort(order, in->n_followups, sizeof(*order), feed_followup_cmp);
	return order;
}

/* Where the follow-ups of proposal id start in order, and how many: by
 * binary search (a walk of them all per proposal made a large feed
 * quadratic). */
static size_t
feed_followups_of(const struct crk_followup *const *order, size_t n, int64_t id,
    size_t *count_r)
{
	size_t lo = 0, hi = n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (order[mid]->proposal_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n && order[end]->proposal_id == id; end++)
		;
	*count_r = end - lo;
	return lo;
}

enum crk_status
crk_feed_render(const struct crk_feed_input *in, char **events_r,
    char **tasks_r, char **error_r)
{
	enum crk_status status = CRK_OK;
	struct buf events = {0}, tasks = {0};
	struct buf *ev = events_r != NULL ? &events : NULL;
	struct buf *ts = tasks_r != NULL ? &tasks : NULL;
	crk_day today = crk_day_of_time(in->now);
	const struct crk_followup **order;
	size_t i, first, n;

	if (events_r != NULL)
		*events_r = NULL;
	if (tasks_r != NULL)
		*tasks_r = NULL;
	if (ev != NULL)
		feed_calendar_begin(ev, false);
	if (ts != NULL)
		feed_calendar_begin(ts, true);
	order = feed_followups_sorted(in);
	for (i = 0; i < in->n_proposals && status == CRK_OK; i++) {
		const struct crk_proposal *p = &in->proposals[i];

		first = feed_followups_of(order, in->n_followups, p->id, &n);
		status = feed_render_one(
		    in, p, order + first, n, today, ev, ts, NULL, error_r);
	}
	free(order);
	if (status != CRK_OK) {
		free(events.s);
		free(tasks.s);
		return status;
	}
	if (ev != NULL) {
		buf_puts(ev, CRK_FEED_TAIL);
		*events_r = buf_steal(ev);
	}
	if (ts != NULL) {
		buf_puts(ts, CRK_FEED_TAIL);
		*tasks_r = buf_steal(ts);
	}
	return CRK_OK;
}

enum crk_status
crk_feed_render_part(const struct crk_feed_input *in, size_t index,
    char **events_r, char **tasks_r, time_t *until_r, char **error_r)
{
	struct buf events = {0}, tasks = {0};
	const struct crk_followup **order;
	enum crk_status status;
	size_t first, n;

	*events_r = NULL;
	*tasks_r = NULL;
	order = feed_followups_sorted(in);
	first = feed_followups_of(
	    order, in->n_followups, in->proposals[index].id, &n);
	status = feed_render_one(in, &in->proposals[index], order + first, n,
	    crk_day_of_time(in->now), &events, &tasks, until_r, error_r);
	free(order);
	if (status != CRK_OK) {
		free(events.s);
		free(tasks.s);
		return status;
	}
	*events_r = buf_steal(&events);
	*tasks_r = buf_steal(&tasks);
	return CRK_OK;
}

char *
crk_feed_head(bool tasks)
{
	struct buf b = {0};

	feed_calendar_begin(&b, tasks);
	return buf_steal(&b);
}

/* ---- publishing ---------------------------------------------------------- */

/* A feed file written piece by piece.  While the pieces equal the old
 * file nothing is written; at the first difference the temp file gets
 * the old file's equal prefix and every piece from then on.  So neither
 * the text nor a copy of the old file is ever held whole (a large feed
 * was most of a sync's peak), and an unchanged feed keeps its mtime. */
struct crk_feed_writer {
	char *dir, *name, *path, *tmp;
	unsigned mode;
	int old_fd;          /* the file being replaced, while equal so far */
	int fd;              /* the temp file, once the text differs */
	uint64_t done;       /* bytes of the new text so far */
	char out[64 * 1024]; /* what is not yet written to fd */
	size_t out_len;
	char in[64 * 1024]; /* read ahead from old_fd */
	size_t in_pos, in_len;
};

static ssize_t
feed_read_some(int fd, char *buf, size_t size)
{
	ssize_t n;

	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	return n;
}

static enum crk_status
feed_write_all(
    struct crk_feed_writer *w, const char *data, size_t len, char **error_r)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(w->fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			crk_error_set(error_r, "cannot write %s: %s", w->path,
			    n < 0 ? strerror(errno) : "no space left");
			return CRK_E_IO;
		}
		off += (size_t)n;
	}
	return CRK_OK;
}

static enum crk_status
feed_writer_flush(struct crk_feed_writer *w, char **error_r)
{
	enum crk_status status = feed_write_all(w, w->out, w->out_len, error_r);

	w->out_len = 0;
	return status;
}

static enum crk_status
feed_writer_put(
    struct crk_feed_writer *w, const char *data, size_t len, char **error_r)
{
	enum crk_status status;
	size_t take;

	while (len > 0) {
		if (w->out_len == sizeof(w->out) &&
		    (status = feed_writer_flush(w, error_r)) != CRK_OK)
			return status;
		take = sizeof(w->out) - w->out_len;
		take = take < len ? take : len;
		memcpy(w->out + w->out_len, data, take);
		w->out_len += take;
		data += take;
		len -= take;
	}
	return CRK_OK;
}

/* The text differs from the old file after `w->done` bytes: start the temp
 * file with those bytes, taken from the old file. */
static enum crk_status
feed_writer_diverge(struct crk_feed_writer *w, char **error_r)
{
	enum crk_status status;
	uint64_t left = w->done;
	ssize_t n;

	w->tmp = crk_xasprintf("%s/.%s.XXXXXX", w->dir, w->name);
	w->fd = mkstemp(w->tmp);
	if (w->fd < 0) {
		crk_error_set(error_r, "cannot create a temp file in %s: %s",
		    w->dir, strerror(errno));
		crk_free_str(&w->tmp);
		return CRK_E_IO;
	}
	if (fchmod(w->fd, w->mode & 07777) != 0) {
		crk_error_set(error_r, "chmod %s: %s", w->tmp, strerror(errno));
		return CRK_E_IO;
	}
	if (left > 0 && lseek(w->old_fd, 0, SEEK_SET) != 0) {
		crk_error_set(
		    error_r, "cannot read %s: %s", w->path, strerror(errno));
		return CRK_E_IO;
	}
	while (left > 0) {
		n = feed_read_some(w->old_fd, w->in,
		    left < sizeof(w->in) ? (size_t)left : sizeof(w->in));
		if (n <= 0) {
			crk_error_set(error_r, "cannot read %s: %s", w->path,
			    n < 0 ? strerror(errno) : "it shrank");
			return CRK_E_IO;
		}
		if ((status = feed_write_all(w, w->in, (size_t)n, error_r)) !=
		    CRK_OK)
			return status;
		left -= (uint64_t)n;
	}
	close(w->old_fd);
	w->old_fd = -1;
	return CRK_OK;
}

enum crk_status
crk_feed_writer_open(const char *dir, const char *name, unsigned mode,
    struct crk_feed_writer **w_r, char **error_r)
{
	struct crk_feed_writer *w = crk_xcalloc(1, sizeof(*w));
	struct stat st;

	(void)error_r;
	w->dir = crk_xstrdup(dir);
	w->name = crk_xstrdup(name);
	w->path = crk_xasprintf("%s/%s", dir, name);
	w->mode = mode;
	w->fd = -1;
	w->old_fd = open(w->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (w->old_fd >= 0 &&
	    (fstat(w->old_fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(w->old_fd);
		w->old_fd = -1;
	}
	*w_r = w;
	return CRK_OK;
}

enum crk_status
crk_feed_writer_add(
    struct crk_feed_writer *w, const char *data, size_t len, char **error_r)
{
	enum crk_status status;
	size_t same, take;
	ssize_t n;

	if (w->old_fd < 0 && w->fd < 0 &&
	    (status = feed_writer_diverge(w, error_r)) != CRK_OK)
		return status;
	while (w->old_fd >= 0 && len > 0) {
		if (w->in_pos == w->in_len) {
			n = feed_read_some(w->old_fd, w->in, sizeof(w->in));
			if (n < 0) {
				crk_error_set(error_r, "cannot read %s: %s",
				    w->path, strerror(errno));
				return CRK_E_IO;
			}
			w->in_pos = 0;
			w->in_len = (size_t)n;
			if (n == 0) { /* the old file is shorter */
				if ((status = feed_writer_diverge(
					 w, error_r)) != CRK_OK)
					return status;
				break;
			}
		}
		take =
		    w->in_len - w->in_pos < len ? w->in_len - w->in_pos : len;
		for (same = 0;
		     same < take && w->in[w->in_pos + same] == data[same];
		     same++)
			;
		w->in_pos += same;
		w->done += same;
		data += same;
		len -= same;
		if (same < take &&
		    (status = feed_writer_diverge(w, error_r)) != CRK_OK)
			return status;
	}
	if (len == 0)
		return CRK_OK;
	w->done += len;
	return feed_writer_put(w, data, len, error_r);
}

void
crk_feed_writer_abort(struct crk_feed_writer **w_r)
{
	struct crk_feed_writer *w = *w_r;

	if (w == NULL)
		return;
	if (w->old_fd >= 0)
		close(w->old_fd);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp != NULL)
		unlink(w->tmp);
	free(w->tmp);
	free(w->path);
	free(w->name);
	free(w->dir);
	free(w);
	*w_r = NULL;
}

enum crk_status
crk_feed_writer_finish(
    struct crk_feed_writer **w_r, bool *written_r, char **error_r)
{
	struct crk_feed_writer *w = *w_r;
	enum crk_status status = CRK_E_IO;
	char extra;
	int dfd;

	if (written_r != NULL)
		*written_r = false;
	if (w->old_fd >= 0) {
		/* equal so far: the same file unless the old one is longer */
		if (w->in_pos == w->in_len &&
		    feed_read_some(w->old_fd, &extra, 1) == 0) {
			(void)fchmod(w->old_fd, w->mode & 07777);
			status = CRK_OK;
			goto out;
		}
		if ((status = feed_writer_diverge(w, error_r)) != CRK_OK)
			goto out;
		status = CRK_E_IO;
	} else if (w->fd < 0 &&
	    (status = feed_writer_diverge(w, error_r)) != CRK_OK) {
		goto out; /* an empty text where no file was */
	}
	if (feed_writer_flush(w, error_r) != CRK_OK)
		goto out;
	if (fsync(w->fd) != 0) {
		crk_error_set(error_r, "cannot write %s (fsync): %s", w->path,
		    strerror(errno));
		goto out;
	}
	dfd = close(w->fd);
	w->fd = -1;
	if (dfd != 0) {
		crk_error_set(error_r, "cannot write %s (close): %s", w->path,
		    strerror(errno));
		goto out;
	}
	if (rename(w->tmp, w->path) != 0) {
		crk_error_set(
		    error_r, "cannot replace %s: %s", w->path, strerror(errno));
		goto out;
	}
	crk_free_str(&w->tmp);
	/* the rename is durable only once the directory is synced */
	dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	if (written_r != NULL)
		*written_r = true;
	status = CRK_OK;
out:
	crk_feed_writer_abort(w_r);
	return status;
}

enum crk_status
crk_feed_write_file(const char *dir, const char *name, const char *data,
    size_t len, unsigned mode, char **error_r)
{
	struct crk_feed_writer *w;
	enum crk_status status;

	if ((status = crk_feed_writer_open(dir, name, mode, &w, error_r)) !=
	    CRK_OK)
		return status;
	if ((status = crk_feed_writer_add(w, data, len, error_r)) != CRK_OK) {
		crk_feed_writer_abort(&w);
		return status;
	}
	return crk_feed_writer_finish(&w, NULL, error_r);
}

/* mkdir -p with 0700 for what it creates. */
static enum crk_status
feed_mkdirs(const char *dir, char **error_r)
{
	char *copy = crk_xstrdup(dir), *p;
	enum crk_status status = CRK_OK;
	struct stat st;

	for (p = copy + 1; status == CRK_OK; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			crk_error_set(error_r, "cannot create %s: %s", copy,
			    strerror(errno));
			status = CRK_E_IO;
		}
		if (last)
			break;
		*p = '/';
	}
	if (status == CRK_OK && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		crk_error_set(error_r, "%s is not a directory", dir);
		status = CRK_E_IO;
	}
	free(copy);
	return status;
}

enum crk_status
crk_feed_make_dir(const char *dir, char **error_r)
{
	return feed_mkdirs(dir, error_r);
}

enum crk_status
crk_feed_publish(const struct crk_feed_input *input, const char *dir,
    unsigned mode, struct crk_strv *paths_r, char **error_r)
{
	enum crk_status status;
	char *text = NULL;

	/* One feed rendered and written at a time: both texts of a large
	 * store held together were most of the peak memory of a sync. */
	if ((status = feed_mkdirs(dir, error_r)) != CRK_OK)
		return status;
	if ((status = crk_feed_render(input, &text, NULL, error_r)) != CRK_OK)
		return status;
	status = crk_feed_write_file(
	    dir, CRK_FEED_EVENTS_FILE, text, strlen(text), mode, error_r);
	crk_free_str(&text);
	if (status != CRK_OK)
		return status;
	if ((status = crk_feed_render(input, NULL, &text, error_r)) != CRK_OK)
		return status;
	status = crk_feed_write_file(
	    dir, CRK_FEED_TASKS_FILE, text, strlen(text), mode, error_r);
	free(text);
	if (status != CRK_OK)
		return status;
	if (paths_r != NULL) {
		crk_strv_add_owned(
		    paths_r, crk_xasprintf("%s/%s", dir, CRK_FEED_EVENTS_FILE));
		crk_strv_add_owned(
		    paths_r, crk_xasprintf("%s/%s", dir, CRK_FEED_TASKS_FILE));
	}
	return CRK_OK;
}
