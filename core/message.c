/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The message model: header, RFC 2047, delivery reports, MIME parts. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Only the RFC 5322 / MIME parts of libetpan (no IMAP: DESIGN.md). */
#include <libetpan/charconv.h>
#include <libetpan/clist.h>
#include <libetpan/mailimf.h>
#include <libetpan/mailmime.h>
#include <libetpan/mailmime_content.h>
#include <libetpan/mailmime_types_helper.h>
#include <libetpan/mmapstring.h>

#include "core/message.h"
#include "core/classify.h"
#include "core/normalize.h"

/* Caps on what we keep of hostile input.  A header block longer than
 * HEADER_MAX is cut there; a field value longer than FIELD_MAX is cut.
 * Stored strings are capped below the limits of RFC 5322 section 2.1.1
 * times four (room for UTF-8 of the 998 characters of a line). */
#define HEADER_MAX (1024 * 1024)
#define FIELD_MAX (256 * 1024)
#define SUBJECT_MAX (998 * 4)
#define VALUE_MAX 998
#define NAME_MAX_BYTES 1024
#define ID_MAX 998
/* References: the first id (the thread's root) and the last REFS_MAX - 1
 * (the closest ancestors) are kept; the middle of a longer chain goes. */
#define REFS_MAX 200
#define ADDRS_MAX 1000
#define ATTACH_MAX 100
#define DSN_MAX (1024 * 1024)
#define BODY_MAX (64 * 1024)
#define MIME_DEPTH_MAX 20
#define COMMENT_DEPTH_MAX 64

/* ---- small string helpers --------------------------------------------- */

struct buf {
	char *data;
	size_t len;
	size_t alloc;
};

static void
buf_append(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->alloc) {
		while (b->len + n + 1 > b->alloc)
			b->alloc = b->alloc == 0 ? 128 : b->alloc * 2;
		b->data = crk_xrealloc(b->data, b->alloc);
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_append_c(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

/* Returns the buffer's string (never NULL) and resets the buffer. */
static char *
buf_steal(struct buf *b)
{
	char *s = b->data != NULL ? b->data : crk_xstrdup("");

	b->data = NULL;
	b->len = b->alloc = 0;
	return s;
}

static bool
msg_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool
msg_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static void
utf8_truncate(char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = '\0';
}

/* A NUL-terminated copy of n bytes that may contain NULs themselves. */
static char *
msg_memdup(const char *s, size_t n)
{
	char *d = crk_xmalloc(n + 1);

	if (n > 0)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* libetpan parses nested comments (RFC 5322 section 3.2.2) recursively,
 * so a few hundred KB of "((((" overflow the stack.  Parentheses nested
 * deeper than COMMENT_DEPTH_MAX become spaces before libetpan sees the
 * text.  One logical line (a header field with its folds) is one unit;
 * legitimate mail never nests comments that deep. */
static void
comments_defuse(char *s, size_t len)
{
	size_t i;
	int depth = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			if (i + 1 < len && s[i + 1] != ' ' && s[i + 1] != '\t')
				depth = 0;
		} else if (s[i] == '(') {
			if (depth >= COMMENT_DEPTH_MAX)
				s[i] = ' ';
			else
				depth++;
		} else if (s[i] == ')' && depth > 0) {
			depth--;
		}
	}
}

/* ---- UTF-8 ------------------------------------------------------------ */

#define REPLACEMENT "\xef\xbf\xbd"

/* keep_newlines: body text keeps its lines ("\r\n" and "\n" become
 * "\n"); header text turns every control character into a space. */
static char *
utf8_sanitize(const char *s, size_t len, bool keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = {0};
	size_t i = 0, n;

	buf_append(&b, "", 0);
	while (s != NULL && i < len) {
		unsigned char c = p[i];

		if (c < 0x80) {
			if (keep_newlines && c == '\r' && i + 1 < len &&
			    p[i + 1] == '\n') {
				i++;
				continue;
			}
			if (keep_newlines && c == '\n')
				buf_append_c(&b, '\n');
			else if ((c < 0x20 && c != '\t') || c == 0x7f)
				buf_append_c(&b, ' ');
			else
				buf_append_c(&b, (char)c);
			i++;
			continue;
		}
		n = crk_utf8_len((const char *)p + i, len - i, NULL);
		if (n == 0) {
			buf_append(&b, REPLACEMENT, 3);
			i++;
		} else if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			/* C1 control characters */
			buf_append_c(&b, ' ');
			i += n;
		} else {
			buf_append(&b, s + i, n);
			i += n;
		}
	}
	return buf_steal(&b);
}

static bool
utf8_is_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = crk_utf8_len((const char *)p + i, len - i, NULL)) == 0)
			return false;
		i += n;
	}
	return true;
}

char *
crk_utf8_sanitize(const char *s, size_t len)
{
	return utf8_sanitize(s, len, false);
}

/* ---- RFC 2047 ----------------------------------------------------------- */

static bool
charset_is_utf8(const char *cs)
{
	return crk_strcasecmp(cs, "utf-8") == 0 ||
	    crk_strcasecmp(cs, "utf8") == 0 ||
	    crk_strcasecmp(cs, "us-ascii") == 0 ||
	    crk_strcasecmp(cs, "ascii") == 0;
}

/* Converts bytes in charset cs to UTF-8 with libetpan's charconv (iconv).
 * Unknown charsets and failed conversions keep the bytes as they are; the
 * caller sanitises the result. */
static char *
charset_to_utf8(const char *cs, const char *s, size_t len, size_t *len_r)
{
	char *conv = NULL, *out;
	size_t conv_len = 0;

	if (cs != NULL && *cs != '\0' && !charset_is_utf8(cs) &&
	    charconv_buffer("utf-8", cs, s, len, &conv, &conv_len) ==
		MAIL_CHARCONV_NO_ERROR) {
		out = msg_memdup(conv, conv_len);
		charconv_buffer_free(conv);
		*len_r = conv_len;
		return out;
	}
	out = msg_memdup(s, len);
	*len_r = len;
	return out;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The "Q" encoding of RFC 2047 section 4.2: '_' is a space, =XX a byte. */
static void
rfc2047_q_decode(const char *s, size_t len, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '_') {
			buf_append_c(out, ' ');
		} else if (s[i] == '=' && i + 2 < len &&
		    hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
			buf_append_c(out,
			    (char)(hex_value(s[i + 1]) * 16 +
				hex_value(s[i + 2])));
			i += 2;
		} else {
			buf_append_c(out, s[i]);
		}
	}
}

/* The "B" encoding through libetpan's base64 decoder; broken base64
 * decodes as far as it goes. */
static void
rfc2047_b_decode(const char *s, size_t len, struct buf *out)
{
	char *dec = NULL;
	size_t idx = 0, dec_len = 0;

	if (mailmime_part_parse(s, len, &idx, MAILMIME_MECHANISM_BASE64, &dec,
		&dec_len) == MAILIMF_NO_ERROR) {
		buf_append(out, dec, dec_len);
		mmap_string_unref(dec);
	}
}

/* When s[0..] is an encoded word "=?charset?enc?text?=", decodes it into
 * out (UTF-8, not yet sanitised) and returns its length, else 0. */
static size_t
rfc2047_word(const char *s, size_t len, struct buf *out)
{
	const char *cs, *enc, *text, *end, *q, *lim = s + len;
	char charset[64];
	struct buf raw = {0};
	char *conv;
	size_t cs_len, conv_len;

	if (len < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	cs = s + 2;
	q = memchr(cs, '?', (size_t)(lim - cs));
	if (q == NULL || q == cs || q + 3 >= lim || q[2] != '?')
		return 0;
	enc = q + 1;
	text = q + 3;
	end = text;
	/* RFC 2047 caps a word at 75 characters; allow far more, but stop
	 * so that a long run of "=?" cannot make decoding quadratic. */
	while (end + 1 < lim && !(end[0] == '?' && end[1] == '=')) {
		if (msg_is_space(*end) || end - text > 4096)
			return 0;
		end++;
	}
	if (end + 1 >= lim)
		return 0;
	/* charset*language (RFC 2231 section 5) */
	cs_len = (size_t)(q - cs);
	if ((q = memchr(cs, '*', cs_len)) != NULL)
		cs_len = (size_t)(q - cs);
	if (cs_len == 0 || cs_len >= sizeof(charset))
		return 0;
	memcpy(charset, cs, cs_len);
	charset[cs_len] = '\0';
	if (*enc == 'Q' || *enc == 'q')
		rfc2047_q_decode(text, (size_t)(end - text), &raw);
	else if (*enc == 'B' || *enc == 'b')
		rfc2047_b_decode(text, (size_t)(end - text), &raw);
	else
		return 0;
	conv = charset_to_utf8(
	    charset, raw.data != NULL ? raw.data : "", raw.len, &conv_len);
	buf_append(out, conv, conv_len);
	free(conv);
	free(raw.data);
	return (size_t)(end + 2 - s);
}

/* libetpan's mailmime_encoded_phrase_parse turns invalid UTF-8 into '?'
 * and decodes unknown charsets as if they were Latin-1; the contract here
 * wants U+FFFD and the raw bytes, so the words are decoded here, with
 * libetpan's base64 decoder and charconv doing the byte work. */
char *
crk_mime_decode_header(const char *value)
{
	struct buf out = {0};
	size_t len, i = 0, n;
	size_t ws_mark = SIZE_MAX; /* out.len where blanks after a word start */
	bool after_word = false;
	char *res;

	if (value == NULL)
		return crk_xstrdup("");
	len = strlen(value);
	while (i < len) {
		if (value[i] == '=' && value[i + 1] == '?') {
			size_t save = out.len;

			/* Whitespace between two encoded words is dropped
			 * (RFC 2047 section 6.2). */
			if (after_word && ws_mark != SIZE_MAX)
				out.len = ws_mark;
			n = rfc2047_word(value + i, len - i, &out);
			if (n > 0) {
				i += n;
				after_word = true;
				ws_mark = SIZE_MAX;
				continue;
			}
			/* not a word: the blanks are still in the buffer */
			out.len = save;
		}
		if (!msg_is_space(value[i])) {
			after_word = false;
			ws_mark = SIZE_MAX;
		} else if (after_word && ws_mark == SIZE_MAX) {
			ws_mark = out.len;
		}
		buf_append_c(&out, value[i]);
		i++;
	}
	res = utf8_sanitize(out.data, out.len, false);
	free(out.data);
	return res;
}

/* ---- addresses -------------------------------------------------------- */

void
crk_addr_list_add(
    struct crk_addr_list *list, const char *addr, const char *name)
{
	struct crk_addr *a;

	if (list->count == list->alloc) {
		list->alloc = list->alloc == 0 ? 4 : list->alloc * 2;
		list->items = crk_xreallocarray(
		    list->items, list->alloc, sizeof(*list->items));
	}
	a = &list->items[list->count++];
	a->addr = crk_addr_normalize(addr);
	a->name = name != NULL && *name != '\0' ? crk_xstrdup(name) : NULL;
}

bool
crk_addr_list_contains(const struct crk_addr_list *list, const char *addr)
{
	char *norm;
	size_t i;
	bool found = false;

	if (list == NULL || addr == NULL)
		return false;
	norm = crk_addr_normalize(addr);
	for (i = 0; i < list->count && !found; i++) {
		const char *have = list->items[i].addr;

		if (have == NULL)
			continue;
		found = norm != NULL ? strcmp(have, norm) == 0
				     : crk_strcasecmp(have, addr) == 0;
	}
	free(norm);
	return found;
}

void
crk_addr_list_clear(struct crk_addr_list *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->count; i++) {
		free(list->items[i].addr);
		free(list->items[i].name);
	}
	free(list->items);
	list->items = NULL;
	list->count = list->alloc = 0;
}

void
crk_addr_list_copy(struct crk_addr_list *dst, const struct crk_addr_list *src)
{
	size_t i;

	crk_addr_list_clear(dst);
	if (src == NULL || src->count == 0)
		return;
	dst->items = crk_xcalloc(src->count, sizeof(*dst->items));
	dst->alloc = dst->count = src->count;
	for (i = 0; i < src->count; i++) {
		dst->items[i].addr = crk_xstrdup(src->items[i].addr);
		dst->items[i].name = crk_xstrdup(src->items[i].name);
	}
}

/* A display name as libetpan returns it (quotes gone, encoded words not
 * yet decoded) -> trimmed UTF-8 or NULL. */
static char *
addr_name_decode(const char *raw)
{
	char *name;

	if (raw == NULL)
		return NULL;
	name = crk_mime_decode_header(raw);
	crk_str_trim(name);
	utf8_truncate(name, NAME_MAX_BYTES);
	if (*name == '\0')
		crk_free_str(&name);
	return name;
}

static void
addr_list_add_mailbox(struct crk_addr_list *list, struct mailimf_mailbox *mb)
{
	char *addr, *name;

	if (list->count >= ADDRS_MAX)
		return;
	addr = crk_addr_normalize(mb->mb_addr_spec);
	name = addr_name_decode(mb->mb_display_name);
	if (addr != NULL || name != NULL)
		crk_addr_list_add(list, addr, name);
	free(addr);
	free(name);
}

static void
addr_list_add_parsed(
    struct crk_addr_list *list, struct mailimf_address_list *al)
{
	clistiter *it, *jt;

	for (it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		struct mailimf_address *a = clist_content(it);
		struct mailimf_group *g;

		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			addr_list_add_mailbox(list, a->ad_data.ad_mailbox);
			continue;
		}
		/* "undisclosed-recipients:;" is a group without members. */
		g = a->ad_data.ad_group;
		if (g == NULL || g->grp_mb_list == NULL)
			continue;
		for (jt = clist_begin(g->grp_mb_list->mb_list); jt != NULL;
		     jt = clist_next(jt))
			addr_list_add_mailbox(list, clist_content(jt));
	}
}

/* Parses an address list with libetpan.  Where libetpan gives up, the
 * text up to the next comma is taken as one address (if it is one) and
 * parsing resumes after it, so one broken entry does not lose the rest. */
static void
addr_list_parse(const char *value, struct crk_addr_list *list, bool first_only)
{
	size_t len = strlen(value), idx = 0, start;

	while (idx < len && list->count < ADDRS_MAX) {
		struct mailimf_address_list *al = NULL;
		int r;

		while (idx < len &&
		    (msg_is_space(value[idx]) || value[idx] == ','))
			idx++;
		if (idx >= len)
			break;
		start = idx;
		r = mailimf_address_list_parse(value, len, &idx, &al);
		if (r == MAILIMF_NO_ERROR) {
			addr_list_add_parsed(list, al);
			mailimf_address_list_free(al);
		}
		if (r != MAILIMF_NO_ERROR || idx <= start) {
			const char *comma =
			    memchr(value + start, ',', len - start);
			size_t end =
			    comma != NULL ? (size_t)(comma - value) : len;
			char *chunk = crk_xstrndup(value + start, end - start);
			char *addr = crk_addr_normalize(chunk);

			if (addr != NULL)
				crk_addr_list_add(list, addr, NULL);
			free(addr);
			free(chunk);
			idx = end + 1;
		}
		if (first_only && list->count > 0)
			break;
	}
}

/* ---- message ids ------------------------------------------------------ */

static void
ids_add(struct crk_strv *out, const char *s, size_t n)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
			continue;
		buf_append_c(&b, (char)c);
	}
	if (b.len > 0 && b.len <= ID_MAX) {
		char *id = buf_steal(&b);

		crk_strv_add_owned(out, utf8_sanitize(id, strlen(id), false));
		free(id);
	}
	free(b.data);
}

/* Message ids of an In-Reply-To, References or Message-ID value: every
 * "<...>" when there are any (junk and comments between them are
 * skipped), else every word with an '@' in it (ids without brackets). */
static void
ids_parse(const char *value, struct crk_strv *out)
{
	const char *p = value, *lt, *gt, *end;

	if (strchr(value, '<') != NULL && strchr(value, '>') != NULL) {
		while ((lt = strchr(p, '<')) != NULL) {
			const char *q;

			gt = strchr(lt + 1, '>');
			end = gt != NULL ? gt : lt + strcspn(lt, " \t,");
			/* "<junk <a@b>" and "<<a@b>": the last '<' opens */
			for (q = lt; q < end; q++) {
				if (*q == '<')
					lt = q;
			}
			lt++;
			if (end > lt)
				ids_add(out, lt, (size_t)(end - lt));
			if (gt == NULL)
				break;
			p = gt + 1;
		}
		return;
	}
	while (*p != '\0') {
		size_t n;

		p += strspn(p, " \t\r\n,;");
		n = strcspn(p, " \t\r\n,;");
		if (n == 0)
			break;
		if (memchr(p, '@', n) != NULL && *p != '(')
			ids_add(out, p, n);
		p += n;
	}
}

static char *
id_first(const char *value)
{
	struct crk_strv ids = {0};
	char *id = NULL;

	ids_parse(value, &ids);
	if (ids.count > 0) {
		id = ids.items[0];
		ids.items[0] = crk_xstrdup("");
	}
	crk_strv_clear(&ids);
	return id;
}

static void
references_parse(const char *value, struct crk_strv *refs)
{
	struct crk_strv all = {0};
	size_t i;

	ids_parse(value, &all);
	for (i = 0; i < all.count; i++) {
		if (all.count > REFS_MAX && i > 0 &&
		    i < all.count - REFS_MAX + 1)
			continue;
		crk_strv_add(refs, all.items[i]);
	}
	crk_strv_clear(&all);
}

/* ---- dates ------------------------------------------------------------ */

static int
date_days_in_month(int year, int month)
{
	static const int days[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* zone as +hhmm in decimal (libetpan's dt_zone: +0130 is 130). */
static time_t
date_make(int year, int month, int day, int hour, int min, int sec, int zone)
{
	struct tm tm;
	time_t t;
	int off;

	/* Two-digit years (RFC 5322 section 4.3). */
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > date_days_in_month(year, month) || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60 || zone < -2359 ||
	    zone > 2359 || (zone < 0 ? -zone : zone) % 100 > 59)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec == 60 ? 59 : sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	off = (zone / 100) * 3600 + (zone % 100) * 60;
	return t - off;
}

static int
date_month(const char *s)
{
	static const char *const months[] = {"jan", "feb", "mar", "apr", "may",
	    "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
	int i;

	for (i = 0; i < 12; i++) {
		if (crk_strncasecmp(s, months[i], 3) == 0)
			return i + 1;
	}
	return 0;
}

/* Zones after a broken date: "+0100", "+01:00", "GMT", "UTC", "Z",
 * "CET"/"CEST" and the US zones; anything else is UTC. */
static int
date_zone(const char *s)
{
	static const struct {
		const char *name;
		int zone;
	} names[] = {
	    {"cest", 200},
	    {"cet", 100},
	    {"bst", 100},
	    {"eest", 300},
	    {"eet", 200},
	    {"edt", -400},
	    {"est", -500},
	    {"cdt", -500},
	    {"cst", -600},
	    {"mdt", -600},
	    {"mst", -700},
	    {"pdt", -700},
	    {"pst", -800},
	};
	int h, m;
	size_t i;

	while (msg_is_space(*s))
		s++;
	if ((*s == '+' || *s == '-') && sscanf(s + 1, "%2d:%2d", &h, &m) == 2)
		return (*s == '-' ? -1 : 1) * (h * 100 + m);
	if ((*s == '+' || *s == '-') && sscanf(s + 1, "%4d", &h) == 1)
		return (*s == '-' ? -1 : 1) * h;
	for (i = 0; i < CRK_N_ELEMENTS(names); i++) {
		if (crk_strncasecmp(s, names[i].name, strlen(names[i].name)) ==
		    0)
			return names[i].zone;
	}
	return 0;
}

/* Dates libetpan rejects: ISO 8601 ("2026-11-22 10:00:00+01:00",
 * "2026-11-22T10:00Z") and asctime ("Sun Nov 22 10:00:00 2026"). */
static time_t
date_parse_broken(const char *s)
{
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
	char mon[4] = "";

	while (msg_is_space(*s))
		s++;
	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi,
		&n) == 5) {
		s += n;
		if (sscanf(s, ":%2d%n", &sec, &n) == 1)
			s += n;
		return date_make(y, mo, d, h, mi, sec, date_zone(s));
	}
	if (sscanf(s, "%*3s %3s %d %d:%d:%d %d", mon, &d, &h, &mi, &sec, &y) ==
		6 &&
	    date_month(mon) > 0)
		return date_make(y, date_month(mon), d, h, mi, sec, 0);
	return 0;
}

static time_t
date_parse(const char *value)
{
	struct mailimf_date_time *dt = NULL;
	size_t idx = 0;
	time_t t = 0;
	int zone;

	if (mailimf_date_time_parse(value, strlen(value), &idx, &dt) ==
	    MAILIMF_NO_ERROR) {
		zone = dt->dt_zone;
		/* libetpan stops before zone names it does not know
		 * ("CEST") and says +0000. */
		if (zone == 0 && idx <= strlen(value)) {
			const char *p = value + idx;

			while (msg_is_space(*p))
				p++;
			if ((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z'))
				zone = date_zone(p);
		}
		t = date_make(dt->dt_year, dt->dt_month, dt->dt_day,
		    dt->dt_hour, dt->dt_min, dt->dt_sec, zone);
		mailimf_date_time_free(dt);
		if (t != 0)
			return t;
	}
	return date_parse_broken(value);
}

/* ---- header block ----------------------------------------------------- */

enum msg_field {
	F_MESSAGE_ID,
	F_IN_REPLY_TO,
	F_REFERENCES,
	F_FROM,
	F_TO,
	F_CC,
	F_DATE,
	F_SUBJECT,
	F_AUTO_SUBMITTED,
	F_PRECEDENCE,
	F_X_AUTOREPLY,
	F_X_AUTORESPOND,
	F_X_AUTO_RESPONSE_SUPPRESS,
	F_LIST_ID,
	F_LIST_UNSUBSCRIBE,
	F_CONTENT_TYPE,
	F_RETURN_PATH,
	F_X_FAILED_RECIPIENTS,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
    [F_MESSAGE_ID] = "message-id",
    [F_IN_REPLY_TO] = "in-reply-to",
    [F_REFERENCES] = "references",
    [F_FROM] = "from",
    [F_TO] = "to",
    [F_CC] = "cc",
    [F_DATE] = "date",
    [F_SUBJECT] = "subject",
    [F_AUTO_SUBMITTED] = "auto-submitted",
    [F_PRECEDENCE] = "precedence",
    [F_X_AUTOREPLY] = "x-autoreply",
    [F_X_AUTORESPOND] = "x-autorespond",
    [F_X_AUTO_RESPONSE_SUPPRESS] = "x-auto-response-suppress",
    [F_LIST_ID] = "list-id",
    [F_LIST_UNSUBSCRIBE] = "list-unsubscribe",
    [F_CONTENT_TYPE] = "content-type",
    [F_RETURN_PATH] = "return-path",
    [F_X_FAILED_RECIPIENTS] = "x-failed-recipients",
};

/* Splits a header block into fields and keeps the unfolded value of the
 * first occurrence of each field we use (RFC 5322 section 2.2.3; LF or
 * CRLF line ends; NULs become spaces).  Lines that are neither a field
 * nor a continuation are skipped.  Returns how many fields were seen. */
static size_t
header_split(const char *raw, size_t len, char *values[F_COUNT])
{
	struct buf cur = {0};
	int cur_field = -1; /* field being collected, -1 for none */
	size_t pos = 0, seen = 0;

	if (len > HEADER_MAX)
		len = HEADER_MAX;
	/* a UTF-8 byte order mark from Windows tools that saved the .eml */
	if (len >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *line = raw + pos, *nl, *colon;
		size_t line_len, next, name_len, i;

		nl = memchr(line, '\n', len - pos);
		line_len = nl != NULL ? (size_t)(nl - line) : len - pos;
		next = pos + line_len + (nl != NULL ? 1 : 0);
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		pos = next;
		if (line_len == 0)
			break;
		if (msg_is_wsp(line[0])) {
			if (cur_field < 0)
				continue;
			for (i = 0; i < line_len && cur.len < FIELD_MAX; i++)
				buf_append_c(&cur,
				    line[i] == '\0' || line[i] == '\r'
					? ' '
					: line[i]);
			continue;
		}
		if (cur_field >= 0)
			values[cur_field] = buf_steal(&cur);
		cur_field = -1;
		colon = memchr(line, ':', line_len);
		if (colon == NULL || colon == line)
			continue;
		name_len = (size_t)(colon - line);
		/* obsolete "Subject :" (RFC 5322 section 4.5) */
		while (name_len > 0 && msg_is_wsp(line[name_len - 1]))
			name_len--;
		for (i = 0; i < name_len; i++) {
			unsigned char c = (unsigned char)line[i];

			if (c <= 32 || c >= 127)
				break;
		}
		if (i < name_len || name_len == 0)
			continue;
		seen++;
		for (i = 0; i < F_COUNT; i++) {
			if (strlen(field_names[i]) == name_len &&
			    crk_strncasecmp(line, field_names[i], name_len) ==
				0)
				break;
		}
		if (i == F_COUNT || values[i] != NULL)
			continue;
		cur_field = (int)i;
		buf_append(&cur, "", 0);
		for (i = (size_t)(colon - line) + 1;
		     i < line_len && cur.len < FIELD_MAX; i++)
			buf_append_c(&cur,
			    line[i] == '\0' || line[i] == '\r' ? ' ' : line[i]);
	}
	if (cur_field >= 0)
		values[cur_field] = buf_steal(&cur);
	free(cur.data);
	return seen;
}

/* A signal value: sanitised, trimmed, lowercased, capped. */
static char *
value_clean(const char *value)
{
	char *s = crk_utf8_sanitize(value, strlen(value));

	crk_str_trim(s);
	utf8_truncate(s, VALUE_MAX);
	return crk_str_lower(s);
}

static bool
value_is_no(const char *value)
{
	char *s = value_clean(value);
	bool no = strcmp(s, "no") == 0 || strcmp(s, "false") == 0;

	free(s);
	return no;
}

static char *
content_type_string(struct mailmime_content *ct)
{
	const char *type = "application";
	struct mailmime_type *t = ct->ct_type;

	if (t != NULL && t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    t->tp_data.tp_discrete_type != NULL) {
		static const char *const discrete[] = {
		    [MAILMIME_DISCRETE_TYPE_TEXT] = "text",
		    [MAILMIME_DISCRETE_TYPE_IMAGE] = "image",
		    [MAILMIME_DISCRETE_TYPE_AUDIO] = "audio",
		    [MAILMIME_DISCRETE_TYPE_VIDEO] = "video",
		    [MAILMIME_DISCRETE_TYPE_APPLICATION] = "application",
		};
		struct mailmime_discrete_type *d = t->tp_data.tp_discrete_type;

		if (d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION)
			type = d->dt_extension;
		else if (d->dt_type > 0 &&
		    (size_t)d->dt_type < CRK_N_ELEMENTS(discrete))
			type = discrete[d->dt_type];
	} else if (t != NULL && t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    t->tp_data.tp_composite_type != NULL) {
		struct mailmime_composite_type *c =
		    t->tp_data.tp_composite_type;

		if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE)
			type = "message";
		else if (c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART)
			type = "multipart";
		else
			type = c->ct_token;
	}
	return crk_str_lower(
	    crk_xasprintf("%s/%s", type != NULL ? type : "application",
		ct->ct_subtype != NULL ? ct->ct_subtype : "octet-stream"));
}

static const char *
content_param(struct mailmime_content *ct, const char *name)
{
	clistiter *it;

	if (ct->ct_parameters == NULL)
		return NULL;
	for (it = clist_begin(ct->ct_parameters); it != NULL;
	     it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);

		if (p->pa_name != NULL && crk_strcasecmp(p->pa_name, name) == 0)
			return p->pa_value;
	}
	return NULL;
}

static void
content_type_parse(struct crk_message *msg, const char *value)
{
	struct mailmime_content *ct = NULL;
	size_t idx = 0;
	const char *rt;

	if (mailmime_content_parse(value, strlen(value), &idx, &ct) !=
		MAILIMF_NO_ERROR ||
	    ct == NULL)
		return;
	msg->content_type = content_type_string(ct);
	utf8_truncate(msg->content_type, VALUE_MAX);
	rt = content_param(ct, "report-type");
	if (rt != NULL)
		msg->report_type = value_clean(rt);
	mailmime_content_free(ct);
}

static void
return_path_parse(struct crk_message *msg, const char *value)
{
	char *v = value_clean(value);

	if (strcmp(v, "<>") == 0 || *v == '\0' || strncmp(v, "<>", 2) == 0)
		msg->return_path = crk_xstrdup("");
	else
		msg->return_path = crk_addr_normalize(v);
	free(v);
}

/* Adds to a list of addresses, at most ADDRS_MAX of them (the check for
 * duplicates is linear, and hostile reports can name thousands). */
static void
addrs_add_unique(struct crk_strv *v, const char *addr)
{
	if (v->count < ADDRS_MAX)
		crk_strv_add_unique(v, addr);
}

static void
failed_recipients_parse(struct crk_message *msg, const char *value)
{
	struct crk_strv parts = {0};
	size_t i;

	crk_strv_split(&parts, value, ",;");
	for (i = 0; i < parts.count && i < ADDRS_MAX; i++) {
		char *addr = crk_addr_normalize(parts.items[i]);

		if (addr != NULL)
			addrs_add_unique(&msg->failed_recipients, addr);
		free(addr);
	}
	crk_strv_clear(&parts);
}

static void
header_apply(struct crk_message *msg, char *values[F_COUNT])
{
	struct crk_addr_list from = {0};
	const char *v;

	if ((v = values[F_MESSAGE_ID]) != NULL)
		msg->message_id = id_first(v);
	if ((v = values[F_IN_REPLY_TO]) != NULL)
		msg->in_reply_to = id_first(v);
	if ((v = values[F_REFERENCES]) != NULL)
		references_parse(v, &msg->references);
	if ((v = values[F_FROM]) != NULL) {
		addr_list_parse(v, &from, true);
		if (from.count > 0) {
			msg->from = from.items[0];
			from.items[0].addr = NULL;
			from.items[0].name = NULL;
		}
		crk_addr_list_clear(&from);
	}
	if ((v = values[F_TO]) != NULL)
		addr_list_parse(v, &msg->to, false);
	if ((v = values[F_CC]) != NULL)
		addr_list_parse(v, &msg->cc, false);
	if ((v = values[F_DATE]) != NULL)
		msg->date = date_parse(v);
	if ((v = values[F_SUBJECT]) != NULL) {
		char *s = crk_mime_decode_header(v), *p;

		for (p = s; *p != '\0'; p++) {
			if (*p == '\t')
				*p = ' ';
		}
		crk_str_trim(s);
		utf8_truncate(s, SUBJECT_MAX);
		msg->subject = s;
	}
	if ((v = values[F_AUTO_SUBMITTED]) != NULL)
		msg->auto_submitted = value_clean(v);
	if ((v = values[F_PRECEDENCE]) != NULL)
		msg->precedence = value_clean(v);
	if ((v = values[F_X_AUTOREPLY]) != NULL)
		msg->x_autoreply = !value_is_no(v);
	if (values[F_X_AUTORESPOND] != NULL)
		msg->x_autorespond = true;
	if (values[F_X_AUTO_RESPONSE_SUPPRESS] != NULL)
		msg->auto_response_suppress = true;
	if ((v = values[F_LIST_ID]) != NULL)
		msg->list_id = value_clean(v);
	if (values[F_LIST_UNSUBSCRIBE] != NULL)
		msg->list_unsubscribe = true;
	if ((v = values[F_CONTENT_TYPE]) != NULL)
		content_type_parse(msg, v);
	if ((v = values[F_RETURN_PATH]) != NULL)
		return_path_parse(msg, v);
	if ((v = values[F_X_FAILED_RECIPIENTS]) != NULL)
		failed_recipients_parse(msg, v);
}

struct crk_message *
crk_message_new(void)
{
	return crk_xcalloc(1, sizeof(struct crk_message));
}

void
crk_message_free(struct crk_message **msgp)
{
	struct crk_message *msg;

	if (msgp == NULL || *msgp == NULL)
		return;
	msg = *msgp;
	free(msg->message_id);
	free(msg->in_reply_to);
	crk_strv_clear(&msg->references);
	free(msg->from.addr);
	free(msg->from.name);
	crk_addr_list_clear(&msg->to);
	crk_addr_list_clear(&msg->cc);
	free(msg->subject);
	free(msg->auto_submitted);
	free(msg->precedence);
	free(msg->list_id);
	free(msg->content_type);
	free(msg->report_type);
	free(msg->return_path);
	crk_strv_clear(&msg->failed_recipients);
	free(msg->dsn_message_id);
	free(msg->dsn_action);
	crk_strv_clear(&msg->attachments);
	crk_strv_clear(&msg->keywords);
	free(msg->body_text);
	free(msg);
	*msgp = NULL;
}

enum crk_status
crk_message_parse(
    const char *raw, size_t len, struct crk_message **msg_r, char **error_r)
{
	char *values[F_COUNT] = {NULL};
	struct crk_message *msg = NULL;
	enum crk_status status = CRK_OK;
	size_t i;

	*msg_r = NULL;
	if (raw == NULL || header_split(raw, len, values) == 0) {
		crk_error_set(error_r, "no header fields in message");
		status = CRK_E_PARSE;
		goto out;
	}
	for (i = 0; i < F_COUNT; i++) {
		if (values[i] != NULL && i != F_SUBJECT)
			comments_defuse(values[i], strlen(values[i]));
	}
	msg = crk_message_new();
	header_apply(msg, values);
	*msg_r = msg;
	msg = NULL;
out:
	for (i = 0; i < F_COUNT; i++)
		free(values[i]);
	crk_message_free(&msg);
	return status;
}

/* ---- delivery reports ------------------------------------------------- */

/* Characters of an address found in prose (RFC 5322 atext plus '.'). */
static bool
dsn_addr_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr(".-_+=!#$%&'*/?^`{|}~", c) != NULL) ||
	    (unsigned char)c >= 0x80;
}

/* The first address-looking word in [p, end): normalised or NULL. */
static char *
dsn_find_addr(const char *p, const char *end)
{
	const char *at, *s, *e;
	char *word, *addr;

	while ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		s = at;
		while (s > p && dsn_addr_char(s[-1]))
			s--;
		e = at + 1;
		while (e < end && dsn_addr_char(*e))
			e++;
		while (e > at + 1 && (e[-1] == '.' || e[-1] == '\''))
			e--;
		word = crk_xstrndup(s, (size_t)(e - s));
		addr = crk_addr_normalize(word);
		free(word);
		if (addr != NULL)
			return addr;
		p = at + 1;
	}
	return NULL;
}

struct dsn_group {
	char *final;
	char *original;
	char *action;
	char *status;
};

static void
dsn_group_flush(struct crk_message *msg, struct dsn_group *g)
{
	const char *addr = g->final != NULL ? g->final : g->original;
	const char *action = g->action;

	if (action == NULL && g->status != NULL)
		action = g->status[0] == '5' ? "failed"
		    : g->status[0] == '4'    ? "delayed"
		    : g->status[0] == '2'    ? "delivered"
					     : NULL;
	if (addr != NULL) {
		if (msg->dsn_action == NULL && action != NULL)
			msg->dsn_action = crk_xstrdup(action);
		/* Both: the original is what the rep typed (an alias),
		 * the final one what the server tried. */
		if (action == NULL || strcmp(action, "failed") == 0) {
			if (g->final != NULL)
				addrs_add_unique(
				    &msg->failed_recipients, g->final);
			if (g->original != NULL)
				addrs_add_unique(
				    &msg->failed_recipients, g->original);
		}
	}
	crk_free_str(&g->final);
	crk_free_str(&g->original);
	crk_free_str(&g->action);
	crk_free_str(&g->status);
}

/* "rfc822; jane@acme.com" -> the address after the type. */
static char *
dsn_recipient(const char *value)
{
	const char *semi = strchr(value, ';');

	return crk_addr_normalize(semi != NULL ? semi + 1 : value);
}

/* When line starts with "name:" (case-insensitive), returns the trimmed
 * value after the colon as an owned string. */
static char *
dsn_field(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	char *v;

	if (len <= n || line[n] != ':' || crk_strncasecmp(line, name, n) != 0)
		return NULL;
	v = crk_xstrndup(line + n + 1, len - n - 1);
	return crk_str_trim(v);
}

/* Does the line start a header field ("Name:" with no space before the
 * colon)?  Continuation lines of such a field are joined to it. */
static bool
dsn_is_field_line(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 64; i++) {
		if (line[i] == ':')
			return i > 0;
		if (line[i] == ' ' || line[i] == '\t' ||
		    (unsigned char)line[i] < 0x21 ||
		    (unsigned char)line[i] > 0x7e)
			return false;
	}
	return false;
}

/* Sentences of the prose bounces of Exchange, Gmail, Exim and Postfix
 * after which the failed addresses follow on the next lines. */
static const char *const dsn_list_markers[] = {
    "delivery has failed to these recipients or groups",
    "the following addresses had permanent fatal errors",   /* Sendmail */
    "wasn't able to deliver your message to the following", /* qmail */
    "unable to deliver your message to the following",      /* Yahoo */
    "for the following list of recipients",                 /* OpenSMTPD */
    "was undeliverable to the following",                   /* GroupWise */
    "was not delivered to:",                                /* Domino */
    "your message to the following recipients cannot be delivered",
    "error occurred while trying to deliver the mail to the following",
    "fehler bei der zustellung an folgende",
    "la remise \xc3\xa0 ces destinataires ou groupes a \xc3\xa9"
    "chou\xc3\xa9",
    "delivery to the following recipient failed",
    "delivery to the following recipients failed",
    "the following address(es) failed",
    "could not be delivered to the following recipients",
    "following recipient(s) could not be reached",
    "this is the qmail-send program",
};

/* ... and the ones with the address in the same sentence. */
static const char *const dsn_inline_markers[] = {
    "your message to ",
    "wasn't delivered to ",
    "was not delivered to ",
    "couldn't be delivered to ",
    "could not be delivered to ",
};

void
crk_message_parse_dsn(struct crk_message *msg, const char *part, size_t len)
{
	struct dsn_group g = {NULL, NULL, NULL, NULL};
	struct crk_strv prose = {0};
	char *text, *line, *next, *v;
	bool machine = false, had_failed, in_list = false;
	int list_lines = 0;
	size_t i;

	if (msg == NULL || part == NULL)
		return;
	if (len > DSN_MAX)
		len = DSN_MAX;
	had_failed = msg->failed_recipients.count > 0;
	text = msg_memdup(part, len);
	for (i = 0; i < len; i++) {
		if (text[i] == '\0')
			text[i] = ' ';
	}
	for (line = text; line != NULL; line = next) {
		size_t ll;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		ll = strlen(line);
		if (ll > 0 && line[ll - 1] == '\r')
			line[--ll] = '\0';
		/* A folded field ("Final-Recipient:\n rfc822; x@y"): join its
		 * continuation lines.  Only for "Name:" lines, so the indented
		 * address lists of prose bounces stay lines of their own. */
		while (next != NULL && (*next == ' ' || *next == '\t') &&
		    dsn_is_field_line(line, ll)) {
			char *end = strchr(next, '\n');

			next[-1] = ' ';
			if (next - 2 >= line && next[-2] == '\r')
				next[-2] = ' ';
			if (end != NULL)
				*end++ = '\0';
			next = end;
			ll = strlen(line);
			if (ll > 0 && line[ll - 1] == '\r')
				line[--ll] = '\0';
		}
		if (ll == 0) {
			dsn_group_flush(msg, &g);
			if (in_list && prose.count > 0)
				in_list = false;
			continue;
		}
		if ((v = dsn_field(line, ll, "final-recipient")) != NULL) {
			machine = true;
			free(g.final);
			g.final = dsn_recipient(v);
			free(v);
		} else if ((v = dsn_field(line, ll, "original-recipient")) !=
		    NULL) {
			machine = true;
			free(g.original);
			g.original = dsn_recipient(v);
			free(v);
		} else if ((v = dsn_field(line, ll, "action")) != NULL) {
			free(g.action);
			g.action =
			    crk_str_lower(crk_utf8_sanitize(v, strlen(v)));
			utf8_truncate(g.action, 64);
			free(v);
		} else if ((v = dsn_field(line, ll, "status")) != NULL) {
			free(g.status);
			g.status = v;
		} else if ((v = dsn_field(line, ll, "message-id")) != NULL ||
		    (v = dsn_field(line, ll, "original-message-id")) != NULL ||
		    (v = dsn_field(line, ll, "x-original-message-id")) !=
			NULL) {
			if (msg->dsn_message_id == NULL)
				msg->dsn_message_id = id_first(v);
			free(v);
		}

		/* Prose: "<addr>:" lines (qmail, Postfix), marker sentences
		 * followed by address lines (Exchange, Gmail, Exim), and
		 * sentences naming the address. */
		if (line[0] == '<' && strstr(line, ">:") != NULL) {
			char *gt = strstr(line, ">:"), *addr;

			v = crk_xstrndup(line + 1, (size_t)(gt - line - 1));
			addr = crk_addr_normalize(v);
			if (addr != NULL)
				addrs_add_unique(&prose, addr);
			free(addr);
			free(v);
			continue;
		}
		for (i = 0; i < CRK_N_ELEMENTS(dsn_list_markers); i++) {
			if (crk_strcasestr(line, dsn_list_markers[i]) != NULL) {
				in_list = true;
				list_lines = 0;
				break;
			}
		}
		if (i < CRK_N_ELEMENTS(dsn_list_markers))
			continue;
		for (i = 0; i < CRK_N_ELEMENTS(dsn_inline_markers); i++) {
			const char *m =
			    crk_strcasestr(line, dsn_inline_markers[i]);

			if (m != NULL) {
				m += strlen(dsn_inline_markers[i]);
				v = dsn_find_addr(m, m + strcspn(m, " \t"));
				if (v != NULL)
					addrs_add_unique(&prose, v);
				free(v);
				break;
			}
		}
		if (in_list && ++list_lines <= 20) {
			v = dsn_find_addr(line, line + ll);
			if (v != NULL)
				addrs_add_unique(&prose, v);
			else if (prose.count > 0)
				in_list = false;
			free(v);
		}
	}
	dsn_group_flush(msg, &g);
	if (!machine && !had_failed && prose.count > 0) {
		for (i = 0; i < prose.count; i++)
			addrs_add_unique(
			    &msg->failed_recipients, prose.items[i]);
		if (msg->dsn_action == NULL)
			msg->dsn_action = crk_xstrdup("failed");
	}
	crk_strv_clear(&prose);
	free(text);
}

/* Sentences of delay warnings: the message is still queued and will be
 * retried (Postfix, Sendmail, Exim, Exchange, Gmail, Domino ...).  Such a
 * notice names the address too, but nothing failed yet. */
static const char *const prose_delay_markers[] = {
    "this is a warning message only",
    "this is a warning only",
    "has not yet been delivered",
    "not yet been delivered",
    "delivery attempts will continue",
    "will be retried",
    "will continue to be attempted",
    "still undelivered",
    "message is delayed",
    "delivery is delayed",
    "delivery incomplete",
    "temporary problem delivering",
    "will keep trying",
};

void
crk_message_parse_prose_bounce(
    struct crk_message *msg, const char *text, size_t len)
{
	char *head;
	size_t i;

	if (msg == NULL || text == NULL)
		return;
	crk_message_parse_dsn(msg, text, len);
	/* Only the start of the text: a returned message below may quote
	 * anything. */
	head = msg_memdup(text, len < 4096 ? len : 4096);
	for (i = 0; i < CRK_N_ELEMENTS(prose_delay_markers); i++) {
		if (crk_strcasestr(head, prose_delay_markers[i]) != NULL)
			break;
	}
	if (i < CRK_N_ELEMENTS(prose_delay_markers) &&
	    (msg->dsn_action == NULL ||
		strcmp(msg->dsn_action, "failed") == 0)) {
		crk_strv_clear(&msg->failed_recipients);
		free(msg->dsn_action);
		msg->dsn_action = crk_xstrdup("delayed");
	}
	free(head);
}

/* ---- whole messages --------------------------------------------------- */

struct full_ctx {
	struct crk_message *msg;
	bool daemon;           /* may say it is a bounce in prose */
	struct mailmime *html; /* first inline text/html part, borrowed */
};

/* Decodes a part's transfer encoding; returns an owned copy. */
static char *
part_decode(struct mailmime *mime, size_t *len_r)
{
	struct mailmime_data *d = mime->mm_data.mm_single;
	char *dec = NULL, *out;
	size_t idx = 0, dec_len = 0;

	*len_r = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
	    d->dt_data.dt_text.dt_data == NULL)
		return NULL;
	if (d->dt_encoded &&
	    mailmime_part_parse(d->dt_data.dt_text.dt_data,
		d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, &dec,
		&dec_len) == MAILIMF_NO_ERROR) {
		out = msg_memdup(dec, dec_len);
		mmap_string_unref(dec);
		*len_r = dec_len;
		return out;
	}
	*len_r = d->dt_data.dt_text.dt_length;
	return msg_memdup(d->dt_data.dt_text.dt_data, *len_r);
}

/* The value of the parameter called name (case-insensitive) or NULL. */
static const char *
param_find(const struct crk_mime_param *params, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (params[i].name != NULL && params[i].value != NULL &&
		    crk_strcasecmp(params[i].name, name) == 0)
			return params[i].value;
	}
	return NULL;
}

/* charset'language'%XX... (RFC 2231 section 4) */
static void
rfc2231_ext(
    const char *val, bool first, char *charset, size_t size, struct buf *raw)
{
	const char *q1, *q2;

	if (first && (q1 = strchr(val, '\'')) != NULL &&
	    (q2 = strchr(q1 + 1, '\'')) != NULL) {
		size_t cl = (size_t)(q1 - val);

		if (cl < size) {
			memcpy(charset, val, cl);
			charset[cl] = '\0';
		}
		val = q2 + 1;
	}
	for (; *val != '\0'; val++) {
		if (*val == '%' && hex_value(val[1]) >= 0 &&
		    hex_value(val[2]) >= 0) {
			buf_append_c(raw,
			    (char)(hex_value(val[1]) * 16 + hex_value(val[2])));
			val += 2;
		} else {
			buf_append_c(raw, *val);
		}
	}
}

char *
crk_mime_param_value(
    const struct crk_mime_param *params, size_t n, const char *base)
{
	struct buf raw = {0};
	char charset[64] = "", name[96];
	const char *val;
	bool any = false;
	int part;
	char *conv, *res;
	size_t conv_len;

	snprintf(name, sizeof(name), "%s*", base);
	if ((val = param_find(params, n, name)) != NULL) {
		rfc2231_ext(val, true, charset, sizeof(charset), &raw);
		any = true;
	}
	for (part = 0; !any || part > 0; part++) {
		bool ext = false;

		if (part >= 64)
			break;
		snprintf(name, sizeof(name), "%s*%d", base, part);
		if ((val = param_find(params, n, name)) == NULL) {
			snprintf(name, sizeof(name), "%s*%d*", base, part);
			val = param_find(params, n, name);
			ext = true;
		}
		if (val == NULL)
			break;
		if (ext)
			rfc2231_ext(
			    val, part == 0, charset, sizeof(charset), &raw);
		else
			buf_append(&raw, val, strlen(val));
		any = true;
	}
	if (!any) {
		val = param_find(params, n, base);
		return val != NULL ? crk_mime_decode_header(val) : NULL;
	}
	conv = charset_to_utf8(
	    charset, raw.data != NULL ? raw.data : "", raw.len, &conv_len);
	res = crk_utf8_sanitize(conv, conv_len);
	free(conv);
	free(raw.data);
	return res;
}

/* The file name of a part: Content-Disposition filename, else
 * Content-Type name; path components dropped.  Owned or NULL. */
static char *
part_filename(struct mailmime *mime, bool *attachment_r)
{
	struct crk_mime_param params[64];
	size_t n = 0;
	clistiter *it, *jt;
	char *name = NULL, *slash;

	*attachment_r = false;
	if (mime->mm_mime_fields != NULL) {
		for (it = clist_begin(mime->mm_mime_fields->fld_list);
		     it != NULL; it = clist_next(it)) {
			struct mailmime_field *f = clist_content(it);
			struct mailmime_disposition *dsp;

			if (f->fld_type != MAILMIME_FIELD_DISPOSITION)
				continue;
			dsp = f->fld_data.fld_disposition;
			if (dsp->dsp_type != NULL &&
			    dsp->dsp_type->dsp_type ==
				MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
				*attachment_r = true;
			for (jt = clist_begin(dsp->dsp_parms);
			     jt != NULL && n < CRK_N_ELEMENTS(params);
			     jt = clist_next(jt)) {
				struct mailmime_disposition_parm *p =
				    clist_content(jt);

				if (p->pa_type ==
				    MAILMIME_DISPOSITION_PARM_FILENAME) {
					params[n].name = "filename";
					params[n++].value =
					    p->pa_data.pa_filename;
				} else if (p->pa_type ==
				    MAILMIME_DISPOSITION_PARM_PARAMETER) {
					params[n].name =
					    p->pa_data.pa_parameter->pa_name;
					params[n++].value =
					    p->pa_data.pa_parameter->pa_value;
				}
			}
			break;
		}
	}
	name = crk_mime_param_value(params, n, "filename");
	if ((name == NULL || *name == '\0') && mime->mm_content_type != NULL &&
	    mime->mm_content_type->ct_parameters != NULL) {
		free(name);
		n = 0;
		for (it = clist_begin(mime->mm_content_type->ct_parameters);
		     it != NULL && n < CRK_N_ELEMENTS(params);
		     it = clist_next(it)) {
			struct mailmime_parameter *p = clist_content(it);

			params[n].name = p->pa_name;
			params[n++].value = p->pa_value;
		}
		name = crk_mime_param_value(params, n, "name");
	}
	if (name == NULL)
		return NULL;
	slash = strrchr(name, '/');
	if (slash == NULL)
		slash = strrchr(name, '\\');
	if (slash != NULL)
		memmove(name, slash + 1, strlen(slash + 1) + 1);
	crk_str_trim(name);
	utf8_truncate(name, NAME_MAX_BYTES);
	if (*name == '\0')
		crk_free_str(&name);
	return name;
}

/* Appends code point cp as UTF-8 (U+FFFD for what is not a character). */
static void
utf8_put(struct buf *b, unsigned long cp)
{
	char u[4];

	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		buf_append(b, REPLACEMENT, 3);
	} else if (cp < 0x80) {
		buf_append_c(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, u, 4);
	}
}

/* Position of the case-insensitive needle in s[0..len), or len. */
static size_t
mem_find_ci(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++) {
		if (crk_strncasecmp(s + i, needle, n) == 0)
			return i;
	}
	return len;
}

/* An HTML entity at s ("&amp;", "&#233;", "&#xE9;"): appends it and
 * returns its length, or 0 when it is none we know. */
static size_t
html_entity(const char *s, size_t len, struct buf *out)
{
	static const struct {
		const char *name;
		const char *text;
	} names[] = {
	    {"&nbsp;", " "},
	    {"&amp;", "&"},
	    {"&lt;", "<"},
	    {"&gt;", ">"},
	    {"&quot;", "\""},
	    {"&apos;", "'"},
	};
	unsigned long cp = 0;
	size_t i, n;
	bool hex;

	for (i = 0; i < CRK_N_ELEMENTS(names); i++) {
		n = strlen(names[i].name);
		if (n <= len && crk_strncasecmp(s, names[i].name, n) == 0) {
			buf_append(out, names[i].text, strlen(names[i].text));
			return n;
		}
	}
	if (len < 4 || s[1] != '#')
		return 0;
	hex = s[2] == 'x' || s[2] == 'X';
	for (i = hex ? 3 : 2; i < len && i < 10; i++) {
		int d = hex ? hex_value(s[i])
			    : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);

		if (d < 0)
			break;
		cp = cp * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (i >= len || s[i] != ';' || i == (hex ? 3u : 2u))
		return 0;
	utf8_put(out, cp);
	return i + 1;
}

/* Text of an HTML part, for mail without a text/plain part (Outlook
 * auto-replies): tags dropped, style and script skipped, block tags as
 * line breaks, entities decoded, blanks collapsed.  Not an HTML parser;
 * enough to read a return date. */
static char *
html_to_text(const char *s, size_t len)
{
	static const char *const blocks[] = {"br", "p", "div", "tr", "li", "h1",
	    "h2", "h3", "h4", "h5", "h6", "table", "blockquote"};
	struct buf b = {0};
	size_t i = 0, j, n, k;

	buf_append(&b, "", 0);
	while (i < len) {
		char c = s[i];

		if (c == '<' && len - i >= 4 &&
		    strncmp(s + i, "<!--", 4) == 0) {
			j = mem_find_ci(s + i, len - i, "-->");
			i += j + 3 < len - i ? j + 3 : len - i;
			continue;
		}
		if (c == '<') {
			const char *gt = memchr(s + i, '>', len - i);
			size_t end = gt != NULL ? (size_t)(gt - s) + 1 : len;
			bool closing = i + 1 < len && s[i + 1] == '/';

			j = i + 1 + (closing ? 1 : 0);
			for (n = 0; j + n < end &&
			     ((s[j + n] >= 'a' && s[j + n] <= 'z') ||
				 (s[j + n] >= 'A' && s[j + n] <= 'Z') ||
				 (s[j + n] >= '0' && s[j + n] <= '9'));
			     n++)
				;
			if (!closing &&
			    ((n == 5 &&
				 crk_strncasecmp(s + j, "style", 5) == 0) ||
				(n == 6 &&
				    crk_strncasecmp(s + j, "script", 6) ==
					0))) {
				char close[10];

				snprintf(close, sizeof(close), "</%.*s", (int)n,
				    s + j);
				k = mem_find_ci(s + end, len - end, close);
				end += k;
				gt = memchr(s + end, '>', len - end);
				end = gt != NULL ? (size_t)(gt - s) + 1 : len;
			}
			for (k = 0; k < CRK_N_ELEMENTS(blocks); k++) {
				if (strlen(blocks[k]) == n &&
				    crk_strncasecmp(s + j, blocks[k], n) == 0) {
					while (b.len > 0 &&
					    b.data[b.len - 1] == ' ')
						b.len--;
					if (b.len > 0 &&
					    b.data[b.len - 1] != '\n')
						buf_append_c(&b, '\n');
					break;
				}
			}
			i = end;
			continue;
		}
		if (c == '&' && (n = html_entity(s + i, len - i, &b)) > 0) {
			i += n;
			continue;
		}
		i++;
		if (c == '\r' || c == '\n' || c == '\t' || c == '\f' ||
		    c == '\0')
			c = ' ';
		if (c == ' ' &&
		    (b.len == 0 || b.data[b.len - 1] == ' ' ||
			b.data[b.len - 1] == '\n'))
			continue;
		buf_append_c(&b, c);
	}
	if (b.data != NULL)
		b.data[b.len] = '\0';
	return buf_steal(&b);
}

/* Decoded bytes of a text part to the body text: charset to UTF-8, HTML
 * to text, capped, sanitised with line breaks kept.  Owned. */
static char *
body_text_finish(const char *dec, size_t dec_len, const char *cs, bool html)
{
	char *conv, *out;
	size_t conv_len;

	if (dec_len > 4 * BODY_MAX)
		dec_len = 4 * BODY_MAX;
	/* 8-bit text without a charset (or mislabelled as ASCII) from old
	 * mailers is nearly always Windows-1252. */
	if ((cs == NULL || crk_strcasecmp(cs, "us-ascii") == 0) &&
	    !utf8_is_valid(dec, dec_len))
		cs = "windows-1252";
	conv = charset_to_utf8(cs, dec, dec_len, &conv_len);
	if (html) {
		char *text = html_to_text(conv, conv_len);

		free(conv);
		conv = text;
		conv_len = strlen(text);
	}
	if (conv_len > BODY_MAX)
		conv_len = BODY_MAX;
	out = utf8_sanitize(conv, conv_len, true);
	/* the cut may have split a sequence into U+FFFD; cut cleanly */
	utf8_truncate(out, BODY_MAX);
	free(conv);
	return out;
}

static void
full_body_text(struct crk_message *msg, struct mailmime *mime, bool html)
{
	struct mailmime_single_fields sf;
	char *dec;
	size_t dec_len;

	dec = part_decode(mime, &dec_len);
	if (dec == NULL)
		return;
	mailmime_single_fields_init(
	    &sf, mime->mm_mime_fields, mime->mm_content_type);
	msg->body_text =
	    body_text_finish(dec, dec_len, sf.fld_content_charset, html);
	free(dec);
}

/* The libetpan mechanism for a Content-Transfer-Encoding name. */
static int
mime_mechanism(const char *encoding)
{
	static const struct {
		const char *name;
		int mechanism;
	} names[] = {
	    {"base64", MAILMIME_MECHANISM_BASE64},
	    {"quoted-printable", MAILMIME_MECHANISM_QUOTED_PRINTABLE},
	    {"8bit", MAILMIME_MECHANISM_8BIT},
	    {"binary", MAILMIME_MECHANISM_BINARY},
	};
	size_t i;

	for (i = 0; encoding != NULL && i < CRK_N_ELEMENTS(names); i++) {
		if (crk_strcasecmp(encoding, names[i].name) == 0)
			return names[i].mechanism;
	}
	return MAILMIME_MECHANISM_7BIT;
}

char *
crk_message_decode_text(const char *data, size_t len, const char *encoding,
    const char *charset, bool html)
{
	char *dec = NULL, *out, *copy;
	size_t idx = 0, dec_len = 0;

	if (data == NULL)
		return crk_xstrdup("");
	/* libetpan 1.9.4's quoted-printable decoder reads one byte past the
	 * end when the text ends in "=" and one more character (its "error
	 * but ignore it" branch counts the byte after the last one; found by
	 * tests/fuzz/fuzz_message).  A NUL-terminated copy keeps that read
	 * inside our buffer, and the NUL it may copy is sanitised away. */
	copy = msg_memdup(data, len);
	if (mailmime_part_parse(copy, len, &idx, mime_mechanism(encoding), &dec,
		&dec_len) == MAILIMF_NO_ERROR &&
	    dec != NULL) {
		out = body_text_finish(dec, dec_len, charset, html);
		mmap_string_unref(dec);
	} else {
		out = body_text_finish(data, len, charset, html);
	}
	free(copy);
	return out;
}

static void
full_dsn_part(struct crk_message *msg, struct mailmime *mime)
{
	size_t len;
	char *dec = part_decode(mime, &len);

	if (dec != NULL)
		crk_message_parse_dsn(msg, dec, len);
	free(dec);
}

static void
full_walk(
    struct full_ctx *ctx, struct mailmime *mime, int depth, bool in_report)
{
	struct crk_message *msg = ctx->msg;
	char *type = NULL, *name = NULL;
	bool attachment = false;
	clistiter *it;

	if (mime == NULL || depth > MIME_DEPTH_MAX)
		return;
	if (mime->mm_content_type != NULL)
		type = content_type_string(mime->mm_content_type);
	else
		type = crk_xstrdup("text/plain");

	switch (mime->mm_type) {
	case MAILMIME_MULTIPLE:
		if (mime->mm_data.mm_multipart.mm_mp_list == NULL)
			break;
		for (it = clist_begin(mime->mm_data.mm_multipart.mm_mp_list);
		     it != NULL; it = clist_next(it))
			full_walk(ctx, clist_content(it), depth + 1,
			    strcmp(type, "multipart/report") == 0);
		break;
	case MAILMIME_MESSAGE:
		if (depth == 0) {
			full_walk(ctx, mime->mm_data.mm_message.mm_msg_mime,
			    depth + 1, false);
			break;
		}
		name = part_filename(mime, &attachment);
		if (name != NULL && msg->attachments.count < ATTACH_MAX)
			crk_strv_add(&msg->attachments, name);
		if (in_report || ctx->daemon) {
			/* the returned message: its Message-ID */
			if (mime->mm_body != NULL &&
			    mime->mm_body->dt_type == MAILMIME_DATA_TEXT)
				crk_message_parse_dsn(msg,
				    mime->mm_body->dt_data.dt_text.dt_data,
				    mime->mm_body->dt_data.dt_text.dt_length);
			else if (mime->mm_mime_start != NULL)
				crk_message_parse_dsn(
				    msg, mime->mm_mime_start, mime->mm_length);
			break;
		}
		/* A forwarded message: its attachments count too. */
		full_walk(ctx, mime->mm_data.mm_message.mm_msg_mime, depth + 1,
		    false);
		break;
	case MAILMIME_SINGLE:
		name = part_filename(mime, &attachment);
		if (name != NULL && msg->attachments.count < ATTACH_MAX)
			crk_strv_add(&msg->attachments, name);
		if (strcmp(type, "message/delivery-status") == 0 ||
		    strcmp(type, "message/global-delivery-status") == 0 ||
		    ((in_report || ctx->daemon) &&
			(strcmp(type, "text/rfc822-headers") == 0 ||
			    strcmp(type, "message/rfc822") == 0 ||
			    strcmp(type, "message/rfc822-headers") == 0))) {
			full_dsn_part(msg, mime);
			break;
		}
		if (strcmp(type, "text/plain") == 0 && name == NULL &&
		    !attachment && msg->body_text == NULL)
			full_body_text(msg, mime, false);
		if (strcmp(type, "text/html") == 0 && name == NULL &&
		    !attachment && ctx->html == NULL)
			ctx->html = mime;
		break;
	default: break;
	}
	free(name);
	free(type);
}

enum crk_status
crk_message_parse_full(
    const char *raw, size_t len, struct crk_message **msg_r, char **error_r)
{
	struct crk_message *msg = NULL;
	struct mailmime *mime = NULL;
	struct full_ctx ctx;
	enum crk_status status;
	char *copy = NULL;
	size_t idx = 0;

	*msg_r = NULL;
	status = crk_message_parse(raw, len, &msg, error_r);
	if (status != CRK_OK)
		goto out;
	ctx.msg = msg;
	ctx.html = NULL;
	ctx.daemon = crk_classify_may_be_prose_bounce(msg);
	if (len >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0) {
		raw += 3;
		len -= 3;
	}
	/* the mbox separator line of a message saved from an mbox */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const char *nl = memchr(raw, '\n', len);

		if (nl != NULL) {
			len -= (size_t)(nl + 1 - raw);
			raw = nl + 1;
		}
	}
	copy = msg_memdup(raw, len);
	comments_defuse(copy, len);
	if (mailmime_parse(copy, len, &idx, &mime) == MAILIMF_NO_ERROR) {
		full_walk(&ctx, mime, 0, false);
		if (msg->body_text == NULL && ctx.html != NULL)
			full_body_text(msg, ctx.html, true);
		mailmime_free(mime);
	} else {
		crk_warn("message %s: MIME structure unreadable",
		    msg->message_id != NULL ? msg->message_id : "(no id)");
	}
	/* qmail and other prose bounces have no report part; when there is
	 * one, its Action rules (the prose of a delay notice names the
	 * address too). */
	if (ctx.daemon && msg->failed_recipients.count == 0 &&
	    msg->dsn_action == NULL && msg->body_text != NULL)
		crk_message_parse_prose_bounce(
		    msg, msg->body_text, strlen(msg->body_text));
	*msg_r = msg;
	msg = NULL;
out:
	free(copy);
	crk_message_free(&msg);
	return status;
}
