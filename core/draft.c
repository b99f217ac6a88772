/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Follow-up drafts: the RFC 5322 text of a threaded reply, ready to APPEND. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/normalize.h"
#include "core/draft.h"

/* RFC 5322 2.1.1: lines SHOULD stay within 78 characters. */
#define DRAFT_FOLD 78
/* RFC 2047 2: an encoded word is at most 75 characters.  "=?UTF-8?B?"
 * and "?=" take 12, leaving 60 base64 characters for 45 octets. */
#define DRAFT_EW_OCTETS 45
/* RFC 3676: flowed lines of at most 76 characters (before QP). */
#define DRAFT_FLOW 76
/* RFC 2045 6.7: encoded lines of at most 76 characters. */
#define DRAFT_QP 76
#define DRAFT_NAME_MAX 256
#define DRAFT_ID_MAX 250
#define DRAFT_ADDR_MAX 254
/* Words longer than this are encoded so they can be folded. */
#define DRAFT_WORD_MAX 70

struct draft_buf {
	char *s; /* owned, NUL-terminated */
	size_t len;
	size_t alloc;
};

/* A header being written, with the column for folding. */
struct draft_header {
	struct draft_buf *b;
	size_t col;
	bool first;
};

static void
draft_addn(struct draft_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->alloc) {
		while (b->len + n + 1 > b->alloc)
			b->alloc = b->alloc == 0 ? 1024 : b->alloc * 2;
		b->s = crk_xrealloc(b->s, b->alloc);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
draft_adds(struct draft_buf *b, const char *s)
{
	draft_addn(b, s, strlen(s));
}

static void
draft_header_start(
    struct draft_header *h, struct draft_buf *b, const char *name)
{
	h->b = b;
	draft_adds(b, name);
	draft_adds(b, ":");
	h->col = strlen(name) + 1;
	h->first = true;
}

/* Adds one unbreakable token after a space, folding before it when the
 * line would pass 78 columns. */
static void
draft_header_token(struct draft_header *h, const char *tok, size_t n)
{
	if (!h->first && h->col + 1 + n > DRAFT_FOLD) {
		draft_adds(h->b, "\r\n ");
		h->col = 1;
	} else {
		draft_adds(h->b, " ");
		h->col++;
	}
	draft_addn(h->b, tok, n);
	h->col += n;
	h->first = false;
}

static void
draft_header_end(struct draft_header *h)
{
	draft_adds(h->b, "\r\n");
}

/* Header text from mail or config: valid UTF-8, every control character
 * (CR and LF above all) a space, space runs collapsed, trimmed, cut to
 * `max` octets between characters. */
static char *
draft_clean_phrase(const char *s, size_t max)
{
	struct draft_buf b = {NULL, 0, 0};
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		n = crk_utf8_len(
		    (const char *)p, strnlen((const char *)p, 4), NULL);
		if (n == 0) {
			if (b.len + 3 > max)
				break;
			draft_adds(&b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
			if (b.len > 0 && b.s[b.len - 1] != ' ')
				draft_adds(&b, " ");
			p++;
			continue;
		}
		if (*p == ' ' && (b.len == 0 || b.s[b.len - 1] == ' ')) {
			p++;
			continue;
		}
		if (b.len + n > max)
			break;
		draft_addn(&b, (const char *)p, n);
		p += n;
	}
	while (b.len > 0 && b.s[b.len - 1] == ' ')
		b.s[--b.len] = '\0';
	return b.s != NULL ? b.s : crk_xstrdup("");
}

static void
draft_base64(struct draft_buf *b, const unsigned char *s, size_t n)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4];
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[0] = digits[(v >> 18) & 63];
		out[1] = digits[(v >> 12) & 63];
		out[2] = i + 1 < n ? digits[(v >> 6) & 63] : '=';
		out[3] = i + 2 < n ? digits[v & 63] : '=';
		draft_addn(b, out, 4);
	}
}

/* RFC 2047 B-encoded words for text, each a token of at most 75
 * characters holding whole UTF-8 characters (RFC 2047 5: an encoded word
 * must not split a character). */
static void
draft_header_encoded(struct draft_header *h, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	struct draft_buf word = {NULL, 0, 0};
	size_t n, chunk;

	while (*p != '\0') {
		chunk = 0;
		while (p[chunk] != '\0') {
			n = crk_utf8_len((const char *)p + chunk,
			    strnlen((const char *)p + chunk, 4), NULL);
			if (n == 0)
				n = 1; /* cleaned before; cannot happen */
			if (chunk + n > DRAFT_EW_OCTETS)
				break;
			chunk += n;
		}
		word.len = 0;
		draft_adds(&word, "=?UTF-8?B?");
		draft_base64(&word, p, chunk);
		draft_adds(&word, "?=");
		draft_header_token(h, word.s, word.len);
		p += chunk;
	}
	free(word.s);
}

static bool
draft_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* True when plain words cannot carry the text: non-ASCII, a word too long
 * to fold, or something a decoder would take for an encoded word. */
static bool
draft_needs_encoding(const char *s)
{
	size_t n;

	if (!draft_is_ascii(s) || strstr(s, "=?") != NULL)
		return true;
	while (*s != '\0') {
		n = strcspn(s, " ");
		if (n > DRAFT_WORD_MAX)
			return true;
		s += n;
		s += strspn(s, " ");
	}
	return false;
}

static void
draft_header_words(struct draft_header *h, const char *s)
{
	size_t n;

	while (*s != '\0') {
		n = strcspn(s, " ");
		if (n > 0)
			draft_header_token(h, s, n);
		s += n;
		s += strspn(s, " ");
	}
}

/* A display name: atoms, a quoted string (RFC 5322 3.2.4) when it has
 * specials, or encoded words (RFC 2047 5(3)) when it is not ASCII. */
static void
draft_header_name(struct draft_header *h, const char *raw)
{
	struct draft_buf q = {NULL, 0, 0};
	char *name;
	const char *p;

	name = draft_clean_phrase(raw, DRAFT_NAME_MAX);
	if (*name == '\0') {
		free(name);
		return;
	}
	if (draft_needs_encoding(name)) {
		draft_header_encoded(h, name);
	} else if (strpbrk(name, "()<>[]:;@\\,.\"") != NULL) {
		draft_adds(&q, "\"");
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				draft_adds(&q, "\\");
			draft_addn(&q, p, 1);
		}
		draft_adds(&q, "\"");
		/* folding inside a quoted string is FWS: spaces survive */
		draft_header_words(h, q.s);
	} else {
		draft_header_words(h, name);
	}
	free(q.s);
	free(name);
}

/* An address fit to stand between angle brackets in a header. */
static bool
draft_addr_ok(const char *addr)
{
	const unsigned char *p;

	if (addr == NULL || strchr(addr, '@') == NULL ||
	    strlen(addr) > DRAFT_ADDR_MAX || addr[0] == '@')
		return false;
	for (p = (const unsigned char *)addr; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || strchr("<>()[],;:\\\"", *p))
			return false;
	return true;
}

/* A message id we can write back: printable ASCII, no brackets, spaces
 * or specials that would end it early. */
static bool
draft_id_ok(const char *id)
{
	const unsigned char *p;

	if (id == NULL || *id == '\0' || strlen(id) > DRAFT_ID_MAX)
		return false;
	for (p = (const unsigned char *)id; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[],;:\\\"", *p))
			return false;
	return true;
}

static void
draft_header_mailbox(
    struct draft_header *h, const struct crk_addr *a, bool comma)
{
	bool named = a->name != NULL && *a->name != '\0';
	size_t before = h->b->len;
	char *tok;

	if (named)
		draft_header_name(h, a->name);
	named = h->b->len != before; /* a name of only spaces writes none */
	tok = crk_xasprintf("%s%s%s%s", named ? "<" : "", a->addr,
	    named ? ">" : "", comma ? "," : "");
	draft_header_token(h, tok, strlen(tok));
	free(tok);
}

/* RFC 5322 3.3 date-time with the local offset, English names. */
static void
draft_date(time_t now, char *buf, size_t size)
{
	/* clang-format off */
	static const char *const days[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	/* clang-format on */
	/* clang-format off */
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	/* clang-format on */
	struct tm tm;
	long off;

	localtime_r(&now, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, size, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
}

static enum crk_status
draft_random_hex(char *hex, char **error_r)
{
	unsigned char raw[16];
	size_t got = 0, i;
	ssize_t n;

	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			crk_error_set(
			    error_r, "getrandom: %s", strerror(errno));
			return CRK_E_IO;
		}
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return CRK_OK;
}

static bool
draft_domain_ok(const char *d)
{
	if (d == NULL || *d == '\0' || strlen(d) > 200)
		return false;
	for (; *d != '\0'; d++)
		if (!((*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z') ||
			(*d >= '0' && *d <= '9') || *d == '.' || *d == '-'))
			return false;
	return true;
}

/* The body as UTF-8 lines with LF ends and no other control characters
 * but TAB. */
static char *
draft_clean_body(const char *s)
{
	struct draft_buf b = {NULL, 0, 0};
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p == '\r') {
			draft_adds(&b, "\n");
			p += p[1] == '\n' ? 2 : 1;
			continue;
		}
		n = crk_utf8_len(
		    (const char *)p, strnlen((const char *)p, 4), NULL);
		if (n == 0) {
			draft_adds(&b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		if (n == 1 && *p < 0x20 && *p != '\n' && *p != '\t') {
			p++;
			continue;
		}
		draft_addn(&b, (const char *)p, n);
		p += n;
	}
	return b.s != NULL ? b.s : crk_xstrdup("");
}

/* One line of flowed text quoted-printable encoded (RFC 2045 6.7), with
 * soft breaks so no encoded line passes 76 characters. */
static void
draft_qp_line(struct draft_buf *b, const char *line, size_t len)
{
	size_t i, col = 0;
	char esc[4];

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		bool last = i + 1 == len;
		size_t w;

		if ((c == ' ' || c == '\t') && last)
			w = 3;
		else if (c == '=' || c < 0x20 || c >= 0x7f)
			w = c == '\t' ? 1 : 3;
		else
			w = 1;
		/* keep room for the "=" of a soft break, unless this is the
		 * last character and it fits */
		if (col + w > DRAFT_QP - 1 && !(last && col + w <= DRAFT_QP)) {
			draft_adds(b, "=\r\n");
			col = 0;
		}
		if (w == 3) {
			snprintf(esc, sizeof(esc), "=%02X", c);
			draft_adds(b, esc);
		} else {
			draft_addn(b, (const char *)&c, 1);
		}
		col += w;
	}
	draft_adds(b, "\r\n");
}

/* One flowed line (RFC 3676 4.2): space-stuffed when it starts with a
 * space, ">" or "From ", a trailing space when it continues. */
static void
draft_flowed_piece(struct draft_buf *b, const char *s, size_t n, bool soft)
{
	struct draft_buf line = {NULL, 0, 0};

	if (n > 0 &&
	    (s[0] == ' ' || s[0] == '>' ||
		(n >= 5 && strncmp(s, "From ", 5) == 0)))
		draft_adds(&line, " ");
	draft_addn(&line, s, n);
	if (soft)
		draft_adds(&line, " ");
	draft_qp_line(b, line.s != NULL ? line.s : "", line.len);
	free(line.s);
}

/* One line of the body: wrapped into flowed pieces of at most 76
 * characters at spaces; a word longer than that stays whole (QP soft
 * breaks carry it). */
static void
draft_body_line(struct draft_buf *b, const char *p, size_t len)
{
	const char *brk, *q;

	/* the signature separator keeps its space (RFC 3676 4.3); other
	 * trailing spaces would turn a hard line into a soft one */
	if (len == 3 && strncmp(p, "-- ", 3) == 0) {
		draft_qp_line(b, p, len);
		return;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	while (len > DRAFT_FLOW) {
		brk = NULL;
		for (q = p + DRAFT_FLOW - 2; q > p; q--) {
			if (*q == ' ') {
				brk = q;
				break;
			}
		}
		if (brk == NULL)
			break;
		draft_flowed_piece(b, p, (size_t)(brk - p), true);
		len -= (size_t)(brk + 1 - p);
		p = brk + 1;
	}
	draft_flowed_piece(b, p, len, false);
}

static void
draft_body(struct draft_buf *b, const char *body)
{
	char *clean = draft_clean_body(body);
	const char *p = clean, *eol;
	size_t len;

	/* no trailing blank lines; one line end at the end */
	len = strlen(clean);
	while (len > 0 && clean[len - 1] == '\n')
		clean[--len] = '\0';
	for (;;) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		draft_body_line(b, p, (size_t)(eol - p));
		if (*eol == '\0')
			break;
		p = eol + 1;
	}
	free(clean);
}

enum crk_status
crk_draft_compose(const struct crk_draft_input *in, char **text_r,
    char **message_id_r, char **error_r)
{
	struct draft_buf b = {NULL, 0, 0};
	struct draft_header h;
	struct crk_strv refs = {NULL, 0, 0};
	enum crk_status status = CRK_OK;
	char date[64], hex[33], *subject = NULL, *id = NULL, *tok;
	const char *domain, *rest;
	size_t i, first;

	*text_r = NULL;
	*message_id_r = NULL;
	if (in->from == NULL || !draft_addr_ok(in->from->addr)) {
		crk_error_set(error_r,
		    "draft: the sender has no usable "
		    "address");
		status = CRK_E_INVAL;
		goto out;
	}
	if (in->to == NULL || in->to->count == 0) {
		crk_error_set(error_r, "draft: no recipients");
		status = CRK_E_INVAL;
		goto out;
	}
	for (i = 0; i < in->to->count; i++) {
		if (!draft_addr_ok(in->to->items[i].addr)) {
			crk_error_set(error_r,
			    "draft: recipient %zu has no "
			    "usable address",
			    i + 1);
			status = CRK_E_INVAL;
			goto out;
		}
	}
	if (in->followup_uid != NULL && !draft_id_ok(in->followup_uid)) {
		crk_error_set(error_r, "draft: bad follow-up uid");
		status = CRK_E_INVAL;
		goto out;
	}
	if ((status = draft_random_hex(hex, error_r)) != CRK_OK)
		goto out;
	domain = in->domain;
	if (!draft_domain_ok(domain))
		domain = crk_addr_domain(in->from->addr);
	if (!draft_domain_ok(domain))
		domain = "localhost";
	id = crk_xasprintf("crickets.%s@%s", hex, domain);

	draft_date(in->now, date, sizeof(date));
	draft_adds(&b, "Date: ");
	draft_adds(&b, date);
	draft_adds(&b, "\r\n");

	draft_header_start(&h, &b, "From");
	draft_header_mailbox(&h, in->from, false);
	draft_header_end(&h);

	draft_header_start(&h, &b, "To");
	for (i = 0; i < in->to->count; i++)
		draft_header_mailbox(
		    &h, &in->to->items[i], i + 1 < in->to->count);
	draft_header_end(&h);

	tok = crk_subject_reply(in->subject);
	subject = draft_clean_phrase(tok, 4096);
	free(tok);
	draft_header_start(&h, &b, "Subject");
	rest = subject;
	if (strncmp(rest, "Re:", 3) == 0) {
		draft_header_token(&h, "Re:", 3);
		rest += 3;
		while (*rest == ' ')
			rest++;
	}
	if (draft_needs_encoding(rest))
		draft_header_encoded(&h, rest);
	else
		draft_header_words(&h, rest);
	draft_header_end(&h);

	draft_header_start(&h, &b, "Message-ID");
	tok = crk_xasprintf("<%s>", id);
	draft_header_token(&h, tok, strlen(tok));
	free(tok);
	draft_header_end(&h);

	if (in->references != NULL)
		for (i = 0; i < in->references->count; i++)
			if (draft_id_ok(in->references->items[i]))
				crk_strv_add(&refs, in->references->items[i]);
	if (draft_id_ok(in->in_reply_to)) {
		draft_header_start(&h, &b, "In-Reply-To");
		tok = crk_xasprintf("<%s>", in->in_reply_to);
		draft_header_token(&h, tok, strlen(tok));
		free(tok);
		draft_header_end(&h);
		if (refs.count == 0 ||
		    strcmp(refs.items[refs.count - 1], in->in_reply_to) != 0)
			crk_strv_add(&refs, in->in_reply_to);
	}
	if (refs.count > 0) {
		draft_header_start(&h, &b, "References");
		/* RFC 5322 3.6.4: keep the root, then the newest */
		first = refs.count > CRK_DRAFT_REFERENCES_MAX
		    ? refs.count - (CRK_DRAFT_REFERENCES_MAX - 1)
		    : 1;
		for (i = 0; i < refs.count; i++) {
			if (i != 0 && i < first)
				continue;
			tok = crk_xasprintf("<%s>", refs.items[i]);
			draft_header_token(&h, tok, strlen(tok));
			free(tok);
		}
		draft_header_end(&h);
	}

	draft_adds(&b,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8; "
	    "format=flowed\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n");
	if (in->followup_uid != NULL) {
		draft_header_start(&h, &b, "X-Crickets-Followup");
		draft_header_token(
		    &h, in->followup_uid, strlen(in->followup_uid));
		draft_header_end(&h);
	}
	draft_adds(&b, "\r\n");
	draft_body(&b, in->body != NULL ? in->body : "");

	*text_r = b.s;
	b.s = NULL;
	*message_id_r = id;
	id = NULL;
out:
	free(b.s);
	free(id);
	free(subject);
	crk_strv_clear(&refs);
	return status;
}
