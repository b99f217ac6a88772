/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Address and subject normalisation: same person, same thread. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/normalize.h"

/* Longest address we accept: RFC 5321 section 4.5.3.1.3 caps a path at
 * 256 octets; anything much longer is not an address. */
#define ADDR_MAX 320

static bool
normalize_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

static bool
normalize_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Characters that never appear in a usable (unquoted) address.  Bytes of
 * 0x80 and up pass: internationalised addresses (RFC 6531) are UTF-8. */
static bool
addr_char_ok(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return false;
	return strchr("<>(),;:\\\"[]", c) == NULL;
}

static bool
addr_domain_ok(const char *domain)
{
	const char *p;

	if (*domain == '\0' || *domain == '.' || *domain == '-')
		return false;
	if (strcmp(domain, "localhost") != 0 && strchr(domain, '.') == NULL)
		return false;
	for (p = domain; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.' && (p[1] == '.' || p[1] == '\0'))
			return false;
		if (!normalize_is_alnum(c) && c != '-' && c != '.' &&
		    c != '_' && c < 0x80)
			return false;
	}
	return true;
}

char *
crk_addr_normalize(const char *addr)
{
	const char *start, *end, *lt, *gt;
	char *out = NULL, *o, *at;
	size_t len;
	int depth = 0; /* inside a (comment) */

	if (addr == NULL)
		return NULL;
	start = addr;
	end = addr + strlen(addr);
	/* "Jane <jane@acme.com>" or "<jane@acme.com>": the part inside the
	 * last pair of angle brackets is the address. */
	lt = memrchr(start, '<', (size_t)(end - start));
	if (lt != NULL) {
		gt = memchr(lt, '>', (size_t)(end - lt));
		start = lt + 1;
		if (gt != NULL)
			end = gt;
	}
	while (start < end && normalize_is_space((unsigned char)*start))
		start++;
	if ((size_t)(end - start) >= 7 &&
	    crk_strncasecmp(start, "mailto:", 7) == 0) {
		const char *q;

		start += 7;
		/* mailto:x@y?subject=... (RFC 6068) */
		q = memchr(start, '?', (size_t)(end - start));
		if (q != NULL)
			end = q;
	}
	len = (size_t)(end - start);
	if (len == 0 || len > ADDR_MAX)
		return NULL;

	out = crk_xmalloc(len + 1);
	o = out;
	for (; start < end; start++) {
		unsigned char c = (unsigned char)*start;

		/* "jane@acme.com (Jane Doe)": comments are CFWS (RFC 5322
		 * section 3.2.2) */
		if (c == '(') {
			depth++;
			continue;
		}
		if (c == ')') {
			if (--depth < 0)
				goto fail;
			continue;
		}
		if (depth > 0 || normalize_is_space(c))
			continue;
		if (!addr_char_ok(c))
			goto fail;
		*o++ = (char)c;
	}
	*o = '\0';
	if (depth != 0)
		goto fail;
	crk_str_lower(out);

	at = strchr(out, '@');
	if (at == NULL || at == out || strchr(at + 1, '@') != NULL)
		goto fail;
	/* A fully qualified domain may end in a dot; drop it. */
	len = strlen(at + 1);
	if (len > 1 && at[len] == '.')
		at[len] = '\0';
	if (!addr_domain_ok(at + 1))
		goto fail;
	if (out[0] == '.' || at[-1] == '.')
		goto fail;
	return out;
fail:
	free(out);
	return NULL;
}

const char *
crk_addr_domain(const char *addr)
{
	const char *at;

	if (addr == NULL)
		return NULL;
	at = strrchr(addr, '@');
	return at == NULL ? NULL : at + 1;
}

bool
crk_domain_matches(const char *domain, const struct crk_strv *domains)
{
	size_t i, dlen, len;

	if (domain == NULL || *domain == '\0' || domains == NULL)
		return false;
	dlen = strlen(domain);
	for (i = 0; i < domains->count; i++) {
		const char *d = domains->items[i];

		/* Config lists may say "@example.com" or ".example.com". */
		while (*d == '@' || *d == '.' || *d == ' ')
			d++;
		len = strlen(d);
		while (len > 0 && (d[len - 1] == '.' || d[len - 1] == ' '))
			len--;
		if (len == 0 || len > dlen)
			continue;
		if (crk_strncasecmp(domain + dlen - len, d, len) != 0)
			continue;
		if (len == dlen || domain[dlen - len - 1] == '.')
			return true;
	}
	return false;
}

/* The local part of addr, lowercased, with '-', '_', '.' and spaces
 * removed ("Do-Not-Reply" -> "donotreply"); at most size-1 bytes. */
static void
addr_squashed_local(const char *addr, char *buf, size_t size)
{
	const char *p, *end;
	size_t n = 0;

	p = addr;
	if (memchr(p, '<', strlen(p)) != NULL)
		p = strrchr(p, '<') + 1;
	end = strrchr(p, '@');
	if (end == NULL)
		end = p + strlen(p);
	for (; p < end && n + 1 < size; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '-' || c == '_' || c == '.' || normalize_is_space(c) ||
		    c == '"')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
}

/* Prefix of a squashed local part followed by nothing, a digit or a
 * sub-address marker: "bounces", "bounces+123", "bounce2". */
static bool
local_has_word_prefix(const char *local, const char *word)
{
	size_t n = strlen(word);
	char c;

	if (strncmp(local, word, n) != 0)
		return false;
	c = local[n];
	return c == '\0' || c == '+' || c == '=' || (c >= '0' && c <= '9');
}

/* True when one of the parts of the local part of addr, split at "-_.+="
 * and without trailing digits, is word: "list-bounces+x=y.com@",
 * "msprvs1=xyz=bounces-42@". */
static bool
local_has_token(const char *addr, const char *word)
{
	const char *p = addr, *end, *lt;
	size_t wlen = strlen(word);

	if ((lt = strrchr(p, '<')) != NULL)
		p = lt + 1;
	end = strrchr(p, '@');
	if (end == NULL)
		return false;
	while (p < end) {
		size_t n = strcspn(p, "-_.+=@");

		if ((size_t)(end - p) < n)
			n = (size_t)(end - p);
		while (n > wlen && p[n - 1] >= '0' && p[n - 1] <= '9')
			n--;
		if (n == wlen && crk_strncasecmp(p, word, n) == 0)
			return true;
		p += strcspn(p, "-_.+=@");
		if (p < end)
			p++;
	}
	return false;
}

bool
crk_addr_is_noreply(const char *addr)
{
	static const char *const anywhere[] = {
	    "noreply",
	    "donotreply",
	    "donotrespond",
	    "noresponse",
	    "mailerdaemon",
	    "dontreply",
	};
	static const char *const words[] = {
	    "bounce",
	    "bounces",
	    "postmaster",
	    "notification",
	    "notifications",
	    "notify",
	    "autoreply",
	    "autoresponder",
	    "nobody",
	    "daemon",
	    "alerts",
	    "alert",
	    "unsubscribe",
	};
	char local[128];
	size_t i;

	if (addr == NULL)
		return false;
	addr_squashed_local(addr, local, sizeof(local));
	if (local[0] == '\0')
		return false;
	for (i = 0; i < CRK_N_ELEMENTS(anywhere); i++) {
		if (strstr(local, anywhere[i]) != NULL)
			return true;
	}
	for (i = 0; i < CRK_N_ELEMENTS(words); i++) {
		if (local_has_word_prefix(local, words[i]))
			return true;
	}
	return local_has_token(addr, "bounce") ||
	    local_has_token(addr, "bounces");
}

bool
crk_addr_is_mailer_daemon(const char *addr)
{
	static const char *const words[] = {
	    "mailerdaemon", "postmaster", "maildeliverysystem",
	    "maildeliverysubsystem", "maildelivery",
	    "mdaemon", /* MDaemon's own address */
	};
	char local[128];
	size_t i;

	if (addr == NULL)
		return false;
	addr_squashed_local(addr, local, sizeof(local));
	for (i = 0; i < CRK_N_ELEMENTS(words); i++) {
		if (local_has_word_prefix(local, words[i]))
			return true;
	}
	return false;
}

/* Reply and forward prefixes that mail clients put before a subject, in
 * the languages crickets meets.  `reply` marks the ones that mean "reply"
 * (crk_subject_reply folds those into one "Re: "). */
static const struct subject_prefix {
	const char *word;
	bool reply;
} subject_prefixes[] = {
    {"re", true},                        /* English, most clients */
    {"aw", true},                        /* German Antwort */
    {"antw", true},                      /* Dutch/German Antwoord, Antwort */
    {"antwort", true},                   /* German, spelled out */
    {"sv", true},                        /* Scandinavian svar */
    {"svar", true},                      /* Danish, spelled out */
    {"vs", true},                        /* Finnish vastaus, Norwegian */
    {"odp", true},                       /* Polish odpowiedź */
    {"res", true},                       /* Portuguese resposta */
    {"r", true},                         /* Italian Outlook */
    {"rif", true},                       /* Italian riferimento */
    {"ynt", true},                       /* Turkish yanıt */
    {"ats", true},                       /* Lithuanian atsakymas */
    {"v\xc3\xa1", true},                 /* Hungarian valasz */
    {"\xe5\x9b\x9e\xe5\xa4\x8d", true},  /* Chinese 回复 */
    {"\xe5\x9b\x9e\xe8\xa6\x86", true},  /* Chinese 回覆 */
    {"\xe7\xad\x94\xe5\xa4\x8d", true},  /* Chinese 答复 */
    {"fwd", false},                      /* English, most clients */
    {"fw", false},                       /* Outlook */
    {"wg", false},                       /* German weitergeleitet */
    {"tr", false},                       /* French transféré */
    {"rv", false},                       /* Spanish reenviado */
    {"enc", false},                      /* Portuguese encaminhado */
    {"pd", false},                       /* Polish przekazane dalej */
    {"i", false},                        /* Italian inoltrato */
    {"doorst", false},                   /* Dutch doorsturen */
    {"ext", false},                      /* gateways: "EXT: Re: ..." */
    {"external", false},                 /* gateways, spelled out */
    {"vl", false},                       /* Finnish välitetty */
    {"\xe8\xbd\xac\xe5\x8f\x91", false}, /* Chinese 转发 */
    {"\xe8\xbd\x89\xe5\xaf\x84", false}, /* Chinese 轉寄 */
};

/* U+FF1A FULLWIDTH COLON, as CJK clients write "回复：". */
#define FULLWIDTH_COLON "\xef\xbc\x9a"

/* When p starts with a reply/forward prefix ("Re:", "AW :", "Re[2]:",
 * "Re^2:", "Re(2):", "回复："), returns the position after its colon,
 * else NULL.  A word only counts when a colon follows it, so "Result",
 * "Review" and "Trade" stay. */
static const char *
subject_skip_prefix(const char *p, bool reply_only)
{
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(subject_prefixes); i++) {
		const struct subject_prefix *sp = &subject_prefixes[i];
		size_t n = strlen(sp->word);
		const char *q;

		if (reply_only && !sp->reply)
			continue;
		if (crk_strncasecmp(p, sp->word, n) != 0)
			continue;
		q = p + n;
		if (normalize_is_alnum((unsigned char)*q))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		/* Counters: Re[2]:, Re(2):, Re^2: */
		if (*q == '[' || *q == '(' || *q == '^') {
			char close = *q == '[' ? ']' : *q == '(' ? ')' : '\0';
			const char *d = q + 1;

			while (*d >= '0' && *d <= '9')
				d++;
			if (d == q + 1)
				continue;
			if (close != '\0') {
				if (*d != close)
					continue;
				d++;
			}
			q = d;
			while (*q == ' ' || *q == '\t')
				q++;
		}
		if (*q == ':')
			return q + 1;
		if (strncmp(q, FULLWIDTH_COLON, 3) == 0)
			return q + 3;
	}
	return NULL;
}

/* When p starts with a "[tag]" followed by more text, returns the
 * position after the ']', else NULL. */
static const char *
subject_skip_tag(const char *p)
{
	const char *q;

	if (*p != '[')
		return NULL;
	q = strchr(p, ']');
	if (q == NULL || q == p + 1)
		return NULL;
	q++;
	while (*q == ' ' || *q == '\t')
		q++;
	return *q == '\0' ? NULL : q;
}

/* Copies s with every run of whitespace, control characters and U+00A0
 * turned into one space, trimmed at both ends. */
static char *
subject_collapse(const char *s)
{
	char *out = crk_xmalloc(strlen(s) + 1);
	char *o = out;
	bool pending = false;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ' ||
		    (p[0] == 0xc2 && p[1] == 0xa0)) {
			if (p[0] == 0xc2)
				p++;
			pending = o != out;
			continue;
		}
		if (pending)
			*o++ = ' ';
		pending = false;
		*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

char *
crk_subject_normalize(const char *subject)
{
	char *s, *out;
	const char *p, *q;
	size_t len;
	bool progress;

	if (subject == NULL)
		return crk_xstrdup("");
	s = subject_collapse(subject);
	p = s;
	do {
		progress = false;
		while (*p == ' ')
			p++;
		if ((q = subject_skip_tag(p)) != NULL ||
		    (q = subject_skip_prefix(p, false)) != NULL) {
			p = q;
			progress = true;
		}
	} while (progress);

	out = crk_xstrdup(p);
	/* "(fwd)" markers at the end, as Pine and some lists add them. */
	for (;;) {
		crk_str_trim(out);
		len = strlen(out);
		if (len < 5 || crk_strcasecmp(out + len - 5, "(fwd)") != 0)
			break;
		out[len - 5] = '\0';
	}
	free(s);
	return crk_str_lower(out);
}

char *
crk_subject_reply(const char *subject)
{
	char *s, *out;
	const char *p, *q;

	/* Keep the subject as the sender wrote it (case, tags, forward
	 * markers), only fold the reply prefixes at its start into one
	 * "Re: ": "AW: Re: Angebot" gives "Re: Angebot", "Fwd: Offer"
	 * gives "Re: Fwd: Offer". */
	s = subject_collapse(subject != NULL ? subject : "");
	p = s;
	while ((q = subject_skip_prefix(p, true)) != NULL) {
		p = q;
		while (*p == ' ')
			p++;
	}
	out = crk_xasprintf("Re: %s", p);
	free(s);
	crk_str_trim(out);
	if (strcmp(out, "Re:") == 0) {
		free(out);
		out = crk_xstrdup("Re: ");
	}
	return out;
}
