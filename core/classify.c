/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rules that judge a mail: is it a proposal, and what kind of message is it. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "core/normalize.h"

/* Weights a config may give a word.  Negative weights let a rep push a
 * word down ("invoice:-10" keeps "offer on your invoice" untracked). */
#define WEIGHT_MIN (-1000)
#define WEIGHT_MAX 1000

/* Longest attachment name quoted in a reason, in bytes. */
#define REASON_NAME_MAX 120

/* The built-in proposal words.  Multi-word entries match any run of
 * separators between their parts ("price list", "Price_List", "PriceList").
 * "cotizacion" is there because file names often drop the accent. */
/* clang-format off */
static const char *const default_words[] = {
	/* English */
	"proposal", "quote", "quotation", "offer", "estimate", "pricing",
	"price list", "sow", "statement of work", "contract", "agreement",
	"tender", "bid", "rfp response",
	/* German */
	"angebot", "kostenvoranschlag", "vertrag", "preisangebot",
	/* French */
	"devis", "proposition", "offre", "contrat",
	/* Spanish */
	"presupuesto", "propuesta", "oferta", "cotizaci\xc3\xb3n",
	"cotizacion", "contrato",
	/* Dutch */
	"offerte", "voorstel",
	/* Italian */
	"preventivo", "offerta", "proposta",
	/* Norwegian, Danish, Swedish */
	"tilbud", "offert", "anbud",
};
/* clang-format on */

/* ---- matching words in text --------------------------------------------
 *
 * Text is UTF-8.  A word boundary is where a separator meets anything, a
 * letter meets a digit, or camel case turns ("acmeProposal",
 * "ACMEProposal").  Separators are ASCII characters other than letters
 * and digits, and the non-ASCII punctuation and spaces below; any other
 * non-ASCII character is a letter.  Letters compare case-insensitively
 * for ASCII only: "ANGEBOT" matches "angebot", while "COTIZACIÓN" does
 * not match "cotización" (its "Ó" compares byte for byte). */

enum char_class {
	CLASS_SEP,
	CLASS_LOWER,
	CLASS_UPPER,
	CLASS_DIGIT,
	CLASS_OTHER, /* a non-ASCII letter */
};

static unsigned int
utf8_decode(const unsigned char *p, size_t avail)
{
	unsigned int cp;
	size_t n, i;

	if (p[0] < 0x80)
		return p[0];
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1fu;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0fu;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07u;
		n = 3;
	} else {
		return 0xfffd;
	}
	if (n >= avail)
		return 0xfffd;
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0xfffd;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	return cp;
}

/* Length of the character that starts at pos (1 for a bad byte). */
static size_t
utf8_len(const char *text, size_t len, size_t pos)
{
	size_t n = 1;

	if ((unsigned char)text[pos] < 0xc0)
		return 1;
	while (pos + n < len && n < 4 &&
	    ((unsigned char)text[pos + n] & 0xc0) == 0x80)
		n++;
	return n;
}

static enum char_class
codepoint_class(unsigned int cp)
{
	if (cp >= 'a' && cp <= 'z')
		return CLASS_LOWER;
	if (cp >= 'A' && cp <= 'Z')
		return CLASS_UPPER;
	if (cp >= '0' && cp <= '9')
		return CLASS_DIGIT;
	if (cp < 0x80)
		return CLASS_SEP;
	/* Latin-1 punctuation and NBSP, the multiplication and division
	 * signs, General and Supplemental Punctuation (dashes, curly
	 * quotes), CJK punctuation, fullwidth ASCII punctuation, and the
	 * replacement character that stands for bad bytes. */
	if ((cp >= 0x80 && cp <= 0xbf) || cp == 0xd7 || cp == 0xf7 ||
	    (cp >= 0x2000 && cp <= 0x206f) || (cp >= 0x2e00 && cp <= 0x2e7f) ||
	    (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff01 && cp <= 0xff0f) ||
	    (cp >= 0xff1a && cp <= 0xff20) || cp == 0xfffd)
		return CLASS_SEP;
	return CLASS_OTHER;
}

/* Class of the character that starts at pos. */
static enum char_class
class_at(const char *text, size_t len, size_t pos)
{
	if (pos >= len)
		return CLASS_SEP;
	return codepoint_class(
	    utf8_decode((const unsigned char *)text + pos, len - pos));
}

/* Class of the character that ends just before pos. */
static enum char_class
class_before(const char *text, size_t len, size_t pos)
{
	size_t start = pos;

	if (pos == 0)
		return CLASS_SEP;
	do {
		start--;
	} while (start > 0 && pos - start < 4 &&
	    ((unsigned char)text[start] & 0xc0) == 0x80);
	return class_at(text, len, start);
}

/* Is there a word boundary between the characters before and at pos? */
static bool
word_boundary(const char *text, size_t len, size_t pos)
{
	enum char_class a = class_before(text, len, pos);
	enum char_class b = class_at(text, len, pos);

	if (a == CLASS_SEP || b == CLASS_SEP)
		return true;
	if ((a == CLASS_DIGIT) != (b == CLASS_DIGIT))
		return true;
	if (a == CLASS_LOWER && b == CLASS_UPPER)
		return true;
	/* "ACMEProposal": the last capital of a run starts the next word. */
	if (a == CLASS_UPPER && b == CLASS_UPPER &&
	    class_at(text, len, pos + 1) == CLASS_LOWER)
		return true;
	return false;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Matches pattern (lowercase; a space stands for a word boundary with any
 * run of separators) at pos.  Returns the end of the match or 0. */
static size_t
pattern_match_at(const char *text, size_t len, size_t pos, const char *pattern)
{
	const char *p;

	for (p = pattern; *p != '\0'; p++) {
		if (*p == ' ') {
			size_t start = pos;

			while (
			    pos < len && class_at(text, len, pos) == CLASS_SEP)
				pos += utf8_len(text, len, pos);
			/* "PriceList": camel case counts as a gap too */
			if (pos == start && !word_boundary(text, len, pos))
				return 0;
			continue;
		}
		if (pos >= len ||
		    ascii_lower((unsigned char)text[pos]) != (unsigned char)*p)
			return 0;
		pos++;
	}
	return pos;
}

/* Finds pattern as a whole word in text; with `plural`, also "patterns"
 * and "patternes". */
static bool
text_has_word(const char *text, const char *pattern, bool plural)
{
	size_t len = strlen(text), pos, end;
	static const char *const suffixes[] = {"", "s", "es"};
	size_t i;

	for (pos = 0; pos < len; pos++) {
		if (((unsigned char)text[pos] & 0xc0) == 0x80)
			continue;
		if (!word_boundary(text, len, pos))
			continue;
		end = pattern_match_at(text, len, pos, pattern);
		if (end == 0)
			continue;
		for (i = 0; i < (plural ? CRK_N_ELEMENTS(suffixes) : 1); i++) {
			const char *suffix = suffixes[i];
			size_t slen = strlen(suffix);

			if (end + slen <= len &&
			    crk_strncasecmp(text + end, suffix, slen) == 0 &&
			    word_boundary(text, len, end + slen))
				return true;
		}
	}
	return false;
}

/* ---- rules ------------------------------------------------------------- */

static void
words_free(struct crk_word *words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(words[i].word);
	free(words);
}

/* Sets a word's weight, adding the word when it is new. */
static void
words_set(struct crk_word **words, size_t *n, const char *word, int weight)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*words)[i].word, word) == 0) {
			(*words)[i].weight = weight;
			return;
		}
	}
	*words = crk_xreallocarray(*words, *n + 1, sizeof(**words));
	(*words)[*n].word = crk_xstrdup(word);
	(*words)[*n].weight = weight;
	(*n)++;
}

static void
words_remove(struct crk_word *words, size_t *n, const char *word)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp(words[i].word, word) == 0) {
			free(words[i].word);
			memmove(&words[i], &words[i + 1],
			    (*n - i - 1) * sizeof(*words));
			(*n)--;
			return;
		}
	}
}

void
crk_rules_init_default(struct crk_rules *rules)
{
	size_t i;

	memset(rules, 0, sizeof(*rules));
	for (i = 0; i < CRK_N_ELEMENTS(default_words); i++)
		words_set(&rules->words, &rules->n_words, default_words[i],
		    CRK_WORD_WEIGHT_DEFAULT);
	rules->threshold = CRK_THRESHOLD_DEFAULT;
}

/* Turns one item of a word spec ("Price  List") into the stored form:
 * ASCII lowercased, inner whitespace, '-' and '_' folded into one space
 * (they all match any separator run).  Returns NULL when nothing that can
 * form a word is left. */
static char *
rules_word_canon(const char *item)
{
	char *out = crk_xmalloc(strlen(item) + 1);
	char *o = out;
	bool gap = false, letters = false;
	const unsigned char *p;

	for (p = (const unsigned char *)item; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '-' || *p == '_') {
			gap = o != out;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f)
			goto fail;
		if (gap)
			*o++ = ' ';
		gap = false;
		*o++ = (char)ascii_lower(*p);
		if (codepoint_class(*p) != CLASS_SEP || *p >= 0x80)
			letters = true;
	}
	*o = '\0';
	if (!letters)
		goto fail;
	return out;
fail:
	free(out);
	return NULL;
}

static bool
rules_parse_weight(const char *s, int *weight_r)
{
	char *end;
	long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || *end != '\0' || v < WEIGHT_MIN || v > WEIGHT_MAX)
		return false;
	*weight_r = (int)v;
	return true;
}

enum crk_status
crk_rules_set_words(struct crk_rules *rules, const char *spec, char **error_r)
{
	struct crk_strv items = {0};
	struct crk_word *words = NULL;
	size_t n = 0, i;
	bool add = false;
	char *word = NULL;
	enum crk_status status = CRK_OK;

	crk_strv_split(&items, spec != NULL ? spec : "", ",;\n");
	if (items.count == 0) {
		crk_error_set(error_r, "empty proposal word list");
		status = CRK_E_INVAL;
		goto out;
	}
	/* "+" or "-" on any item (or a lone leading "+") means: start from
	 * the built-in words and change them. */
	for (i = 0; i < items.count; i++) {
		if (items.items[i][0] == '+' || items.items[i][0] == '-')
			add = true;
	}
	if (add) {
		for (i = 0; i < CRK_N_ELEMENTS(default_words); i++)
			words_set(&words, &n, default_words[i],
			    CRK_WORD_WEIGHT_DEFAULT);
	}
	for (i = 0; i < items.count; i++) {
		const char *item = items.items[i];
		bool remove = false;
		int weight = CRK_WORD_WEIGHT_DEFAULT;
		char *text, *colon;

		if (*item == '+') {
			item++;
		} else if (*item == '-') {
			remove = true;
			item++;
		}
		text = crk_xstrdup(item);
		colon = strrchr(text, ':');
		if (colon != NULL) {
			*colon = '\0';
			if (remove) {
				crk_error_set(error_r,
				    "proposal word '%s': "
				    "a removed word takes no weight",
				    items.items[i]);
				free(text);
				status = CRK_E_INVAL;
				goto out;
			}
			if (!rules_parse_weight(colon + 1, &weight)) {
				crk_error_set(error_r,
				    "proposal word '%s': "
				    "weight must be a whole number from %d to "
				    "%d",
				    items.items[i], WEIGHT_MIN, WEIGHT_MAX);
				free(text);
				status = CRK_E_INVAL;
				goto out;
			}
		}
		word = rules_word_canon(text);
		free(text);
		if (word == NULL) {
			/* A lone "+" only says "keep the defaults". */
			if (strcmp(items.items[i], "+") == 0)
				continue;
			crk_error_set(error_r,
			    "proposal word list '%s': "
			    "empty word in '%s'",
			    spec, items.items[i]);
			status = CRK_E_INVAL;
			goto out;
		}
		if (remove)
			words_remove(words, &n, word);
		else
			words_set(&words, &n, word, weight);
		crk_free_str(&word);
	}
	words_free(rules->words, rules->n_words);
	rules->words = words;
	rules->n_words = n;
	words = NULL;
	n = 0;
out:
	words_free(words, n);
	free(word);
	crk_strv_clear(&items);
	return status;
}

void
crk_rules_copy(struct crk_rules *dst, const struct crk_rules *src)
{
	size_t i;

	crk_rules_clear(dst);
	crk_strv_copy(&dst->identities, &src->identities);
	crk_strv_copy(&dst->internal_domains, &src->internal_domains);
	for (i = 0; i < src->n_words; i++)
		words_set(&dst->words, &dst->n_words, src->words[i].word,
		    src->words[i].weight);
	dst->threshold = src->threshold;
}

void
crk_rules_clear(struct crk_rules *rules)
{
	if (rules == NULL)
		return;
	crk_strv_clear(&rules->identities);
	crk_strv_clear(&rules->internal_domains);
	words_free(rules->words, rules->n_words);
	memset(rules, 0, sizeof(*rules));
}

bool
crk_rules_is_own(const struct crk_rules *rules, const char *addr)
{
	char *norm, *id;
	bool own = false;
	size_t i;

	if (addr == NULL)
		return false;
	norm = crk_addr_normalize(addr);
	if (norm == NULL)
		return false;
	for (i = 0; i < rules->identities.count && !own; i++) {
		/* The host should store identities normalised; do not count
		 * on it. */
		id = crk_addr_normalize(rules->identities.items[i]);
		own = id != NULL && strcmp(id, norm) == 0;
		free(id);
	}
	free(norm);
	return own;
}

bool
crk_rules_is_internal(const struct crk_rules *rules, const char *addr)
{
	char *norm;
	bool internal;

	if (addr == NULL)
		return false;
	if (crk_rules_is_own(rules, addr))
		return true;
	norm = crk_addr_normalize(addr);
	if (norm == NULL)
		return false;
	internal =
	    crk_domain_matches(crk_addr_domain(norm), &rules->internal_domains);
	free(norm);
	return internal;
}

/* ---- prospects --------------------------------------------------------- */

static void
prospects_add_from(const struct crk_rules *rules,
    const struct crk_addr_list *list, struct crk_addr_list *prospects)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		char *norm = crk_addr_normalize(list->items[i].addr);

		if (norm != NULL && !crk_rules_is_internal(rules, norm) &&
		    !crk_addr_is_noreply(norm) &&
		    !crk_addr_list_contains(prospects, norm))
			crk_addr_list_add(prospects, norm, list->items[i].name);
		free(norm);
	}
}

void
crk_classify_prospects(const struct crk_rules *rules,
    const struct crk_message *msg, struct crk_addr_list *prospects_r)
{
	prospects_add_from(rules, &msg->to, prospects_r);
	prospects_add_from(rules, &msg->cc, prospects_r);
}

/* ---- proposals --------------------------------------------------------- */

/* Who a message went to, by kind (To and Cc). */
struct recipients {
	size_t total;
	size_t own;
	size_t internal; /* colleagues, not counting own */
	size_t noreply;  /* external but no-reply */
	size_t external; /* external and a person */
};

static void
recipients_count(const struct crk_rules *rules,
    const struct crk_addr_list *list, struct recipients *r)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		char *norm = crk_addr_normalize(list->items[i].addr);

		if (norm == NULL)
			continue;
		r->total++;
		if (crk_rules_is_own(rules, norm))
			r->own++;
		else if (crk_rules_is_internal(rules, norm))
			r->internal++;
		else if (crk_addr_is_noreply(norm))
			r->noreply++;
		else
			r->external++;
		free(norm);
	}
}

static bool
keyword_present(const struct crk_message *msg, const char *keyword)
{
	return crk_strv_contains_ci(&msg->keywords, keyword);
}

/* The name as it goes into a reason: control characters (hostile mail)
 * become spaces, very long names are cut (between characters) and end in
 * "...". */
static char *
reason_name(const char *name)
{
	size_t len = strlen(name);
	char *out, *p;

	if (len > REASON_NAME_MAX) {
		len = REASON_NAME_MAX;
		while (len > 0 && ((unsigned char)name[len] & 0xc0) == 0x80)
			len--;
		p = crk_xstrndup(name, len);
		out = crk_xasprintf("%s...", p);
		free(p);
	} else {
		out = crk_xstrdup(name);
	}

	for (p = out; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	return out;
}

/* Scores subject and attachment names against the words.  Adds reason
 * parts to `parts`; returns the score of the distinct words matched and
 * sets *matched_r when any word matched. */
static int
proposal_score(const struct crk_rules *rules, const struct crk_message *msg,
    struct crk_strv *parts, bool *matched_r)
{
	bool *hit = crk_xcalloc(rules->n_words + 1, sizeof(*hit));
	struct crk_strv subject_words = {0};
	size_t i, j;
	int score = 0;

	*matched_r = false;
	for (i = 0; i < msg->attachments.count; i++) {
		const char *name = msg->attachments.items[i];
		bool any = false;

		for (j = 0; j < rules->n_words; j++) {
			if (text_has_word(name, rules->words[j].word, true)) {
				hit[j] = true;
				any = true;
			}
		}
		if (any) {
			char *clean = reason_name(name);

			crk_strv_add_owned(
			    parts, crk_xasprintf("attachment '%s'", clean));
			free(clean);
		}
	}
	for (j = 0; msg->subject != NULL && j < rules->n_words; j++) {
		if (text_has_word(msg->subject, rules->words[j].word, true)) {
			hit[j] = true;
			crk_strv_add_owned(&subject_words,
			    crk_xasprintf("'%s'", rules->words[j].word));
		}
	}
	if (subject_words.count > 0) {
		char *list = crk_strv_join(&subject_words, ", ");

		crk_strv_add_owned(
		    parts, crk_xasprintf("subject contains %s", list));
		free(list);
	}
	for (j = 0; j < rules->n_words; j++) {
		if (!hit[j])
			continue;
		*matched_r = true;
		/* Weights are capped at WEIGHT_MAX by set_words, but a host
		 * may fill the array itself: do not overflow. */
		if (rules->words[j].weight > 0 &&
		    score > INT_MAX - rules->words[j].weight)
			score = INT_MAX;
		else if (rules->words[j].weight < 0 &&
		    score < INT_MIN - rules->words[j].weight)
			score = INT_MIN;
		else
			score += rules->words[j].weight;
	}
	crk_strv_clear(&subject_words);
	free(hit);
	return score;
}

static bool
precedence_is(const struct crk_message *msg, const char *value)
{
	return msg->precedence != NULL &&
	    crk_strcasecmp(msg->precedence, value) == 0;
}

enum crk_verdict
crk_classify_proposal(const struct crk_rules *rules,
    const struct crk_message *msg, char **reason_r)
{
	struct recipients rcpt = {0};
	struct crk_strv parts = {0};
	enum crk_verdict verdict = CRK_VERDICT_NO;
	char *reason = NULL, *list = NULL;
	bool matched;
	int score;

	/* Explicit keywords win over everything; when a rep set both,
	 * "never" is the safer reading. */
	if (keyword_present(msg, CRK_KEYWORD_IGNORE)) {
		verdict = CRK_VERDICT_IGNORED;
		reason = crk_xstrdup("keyword " CRK_KEYWORD_IGNORE);
		goto out;
	}
	if (keyword_present(msg, CRK_KEYWORD_TRACK)) {
		verdict = CRK_VERDICT_FORCED;
		reason = crk_xstrdup("keyword " CRK_KEYWORD_TRACK);
		goto out;
	}
	if (!crk_rules_is_own(rules, msg->from.addr)) {
		reason = crk_xstrdup("not sent by you");
		goto out;
	}
	/* A copy of the rep's own post that came back through a list, or a
	 * mass mailing: never a proposal to one prospect. */
	if (msg->list_id != NULL || precedence_is(msg, "list")) {
		reason = crk_xstrdup("sent to a mailing list");
		goto out;
	}
	if (precedence_is(msg, "bulk") || precedence_is(msg, "junk")) {
		reason = crk_xstrdup("sent as bulk mail");
		goto out;
	}
	recipients_count(rules, &msg->to, &rcpt);
	recipients_count(rules, &msg->cc, &rcpt);
	if (rcpt.total == 0) {
		reason = crk_xstrdup("no external recipient");
		goto out;
	}
	if (rcpt.own == rcpt.total) {
		reason = crk_xstrdup("sent to yourself");
		goto out;
	}
	if (rcpt.noreply == 0 && rcpt.external == 0) {
		reason = crk_xstrdup("internal recipients only");
		goto out;
	}
	if (rcpt.external == 0) {
		reason = crk_xstrdup("sent to a no-reply address");
		goto out;
	}

	score = proposal_score(rules, msg, &parts, &matched);
	list = crk_strv_join(&parts, "; ");
	if (!matched) {
		reason = crk_xstrdup("no proposal word");
	} else if (score < rules->threshold) {
		reason = crk_xasprintf("score %d below threshold %d: %s", score,
		    rules->threshold, list);
	} else {
		verdict = CRK_VERDICT_YES;
		reason = list;
		list = NULL;
	}
out:
	free(list);
	crk_strv_clear(&parts);
	if (reason_r != NULL)
		*reason_r = reason;
	else
		free(reason);
	return verdict;
}

/* ---- kinds ------------------------------------------------------------- */

static bool
is_report(const struct crk_message *msg, const char *report_type)
{
	return msg->content_type != NULL &&
	    crk_strcasecmp(msg->content_type, "multipart/report") == 0 &&
	    msg->report_type != NULL &&
	    crk_strcasecmp(msg->report_type, report_type) == 0;
}

/* RFC 3834 section 5: any Auto-Submitted value but "no" marks automatic
 * mail; the value may carry parameters ("auto-replied; owner-email=..",
 * Zimbra's "auto-replied (zimbra; vacation)"). */
static bool
auto_submitted_set(const char *value)
{
	size_t n;

	if (value == NULL)
		return false;
	while (*value == ' ' || *value == '\t')
		value++;
	n = strcspn(value, " \t;(");
	if (n == 0)
		return false;
	return !(n == 2 && crk_strncasecmp(value, "no", 2) == 0);
}

static bool
kind_is_bounce(const struct crk_message *msg)
{
	/* RFC 3464: the standard delivery status notification. */
	if (is_report(msg, "delivery-status"))
		return true;
	/* Exim and others name the failed addresses in a header; a parsed
	 * DSN body says what happened to the original message. */
	if (msg->failed_recipients.count > 0 || msg->dsn_action != NULL)
		return true;
	/* A delivery system's mail whose text returned our message. */
	if (msg->dsn_message_id != NULL &&
	    crk_classify_may_be_prose_bounce(msg))
		return true;
	/* Non-standard bounces (qmail, old Exchange, Lotus): a delivery
	 * system's sender or the null return path, with a bounce subject.
	 * (Both marks without such a subject are Exim's delay warnings.) */
	if (!crk_classify_is_bounce_subject(msg->subject))
		return false;
	return crk_addr_is_mailer_daemon(msg->from.addr) ||
	    (msg->return_path != NULL && msg->return_path[0] == '\0');
}

bool
crk_classify_may_be_prose_bounce(const struct crk_message *msg)
{
	bool daemon = crk_addr_is_mailer_daemon(msg->from.addr);
	bool null_path =
	    msg->return_path != NULL && msg->return_path[0] == '\0';

	/* MAILER-DAEMON@ is no one's own address (postmaster@ may be). */
	if (msg->from.addr != NULL &&
	    crk_strncasecmp(msg->from.addr, "mailer-daemon@", 14) == 0)
		return true;
	/* A person may well write from postmaster@; a subject like
	 * "Re: Proposal" from there is a reply, so the subject must read
	 * like a bounce unless both delivery-system marks are present. */
	if (daemon && null_path)
		return true;
	return (daemon || null_path) &&
	    crk_classify_is_bounce_subject(msg->subject);
}

static bool
kind_is_autoreply(const struct crk_message *msg)
{
	/* Every other report is a machine's too: RFC 8098 read receipts,
	 * RFC 5965 abuse feedback (ARF), TLS reports (RFC 8460). */
	if (msg->content_type != NULL &&
	    crk_strcasecmp(msg->content_type, "multipart/report") == 0)
		return true;
	if (auto_submitted_set(msg->auto_submitted))
		return true;
	if (msg->x_autoreply || msg->x_autorespond)
		return true;
	if (precedence_is(msg, "auto_reply"))
		return true;
	/* DESIGN counts Precedence bulk/junk as auto-replies (vacation(1)
	 * sets "bulk"), but newsletters set it too: with list headers the
	 * message is list traffic. */
	if ((precedence_is(msg, "bulk") || precedence_is(msg, "junk")) &&
	    msg->list_id == NULL && !msg->list_unsubscribe)
		return true;
	return crk_classify_is_ooo_subject(msg->subject);
}

static bool
kind_is_list(const struct crk_message *msg)
{
	if (msg->list_id != NULL || msg->list_unsubscribe)
		return true;
	if (precedence_is(msg, "list") || precedence_is(msg, "bulk") ||
	    precedence_is(msg, "junk"))
		return true;
	return crk_addr_is_noreply(msg->from.addr);
}

enum crk_kind
crk_classify_kind(const struct crk_rules *rules, const struct crk_message *msg)
{
	if (crk_rules_is_own(rules, msg->from.addr))
		return CRK_KIND_OWN;
	if (kind_is_bounce(msg))
		return CRK_KIND_BOUNCE;
	if (kind_is_autoreply(msg))
		return CRK_KIND_AUTOREPLY;
	if (kind_is_list(msg))
		return CRK_KIND_LIST;
	if (crk_rules_is_internal(rules, msg->from.addr))
		return CRK_KIND_INTERNAL;
	return CRK_KIND_INBOUND;
}

const char *
crk_kind_name(enum crk_kind kind)
{
	switch (kind) {
	case CRK_KIND_OWN: return "own";
	case CRK_KIND_BOUNCE: return "bounce";
	case CRK_KIND_AUTOREPLY: return "auto-reply";
	case CRK_KIND_LIST: return "list";
	case CRK_KIND_INTERNAL: return "internal";
	case CRK_KIND_INBOUND: return "inbound";
	}
	return "unknown";
}

/* ---- subjects ---------------------------------------------------------- */

/* Out-of-office and automatic-reply subjects, as the common servers and
 * clients write them (Exchange/Outlook, Gmail, Zimbra, Lotus, Dovecot's
 * Sieve vacation).  Spaces match any separator run, so "Auto-Reply" and
 * "Auto Reply" are one entry; "message d absence" covers both
 * apostrophes. */
/* clang-format off */
static const char *const ooo_subjects[] = {
	/* English */
	"automatic reply", "auto reply", "autoreply", "auto response",
	"autoresponse", "out of office", "out of the office", "ooo",
	"away from the office", "away from office", "vacation reply",
	"vacation response", "i am out of the office",
	/* German */
	"abwesenheitsnotiz", "automatische antwort", "abwesend",
	"automatische abwesenheitsnachricht", "au\303\237er haus",
	"ausser haus",
	/* French */
	"r\xc3\xa9ponse automatique", "reponse automatique",
	"absence du bureau", "absent du bureau", "message d absence",
	/* Spanish */
	"respuesta autom\xc3\xa1tica", "respuesta automatica",
	"fuera de la oficina", "ausente",
	/* Italian */
	"risposta automatica", "fuori sede", "fuori ufficio",
	/* Dutch */
	"automatisch antwoord", "afwezig",
	/* Norwegian, Danish, Swedish */
	"autosvar", "automatisk svar", "frav\xc3\xa6rende", "fr\xc3\xa5nvaro",
	/* Portuguese */
	"resposta autom\xc3\xa1tica", "resposta automatica",
	"aus\xc3\xaancia",
	/* Polish */
	"automatyczna odpowied\xc5\xba",
	/* Outlook in other scripts: Russian (both cases: non-ASCII letters
	 * compare byte for byte), Japanese, Chinese, Korean, Greek */
	"\u0430\u0432\u0442\u043e\u043c\u0430\u0442\u0438\u0447\u0435\u0441\u043a\u0438\u0439 \u043e\u0442\u0432\u0435\u0442",
	"\u0410\u0432\u0442\u043e\u043c\u0430\u0442\u0438\u0447\u0435\u0441\u043a\u0438\u0439 \u043e\u0442\u0432\u0435\u0442",
	"\u0430\u0432\u0442\u043e\u043e\u0442\u0432\u0435\u0442", "\u0410\u0432\u0442\u043e\u043e\u0442\u0432\u0435\u0442",
	"\u81ea\u52d5\u5fdc\u7b54", "\u81ea\u52d5\u8fd4\u4fe1", "\u4e0d\u5728\u901a\u77e5",
	"\u81ea\u52a8\u56de\u590d", "\u81ea\u52d5\u56de\u8986",
	"\uc790\ub3d9 \uc751\ub2f5",
	"\u03b1\u03c5\u03c4\u03cc\u03bc\u03b1\u03c4\u03b7 \u03b1\u03c0\u03ac\u03bd\u03c4\u03b7\u03c3\u03b7",
	"\u0391\u03c5\u03c4\u03cc\u03bc\u03b1\u03c4\u03b7 \u03b1\u03c0\u03ac\u03bd\u03c4\u03b7\u03c3\u03b7",
	/* Turkish, Finnish, Czech, Hungarian */
	"otomatik yan\u0131t", "automaattinen vastaus",
	"automatick\u00e1 odpov\u011b\u010f", "automatikus v\u00e1lasz",
};
/* clang-format on */

/* Phrases that mean out-of-office wherever they stand ("Jane Doe is out
 * of the office" from Lotus Notes and HCL Domino). */
/* clang-format off */
static const char *const ooo_anywhere[] = {
	"is out of the office", "is out of office",
};
/* clang-format on */

/* Bounce subjects of the common MTAs and Exchange in several languages.
 * Delay notices are delivery reports too: the engine reads dsn_action. */
/* clang-format off */
static const char *const bounce_subjects[] = {
	"undeliverable", "undelivered mail", "delivery status notification",
	"mail delivery failed", "mail delivery failure", "returned mail",
	"failure notice", "delivery failure",
	"mail system error", "message not delivered", "delivery has failed",
	"delayed mail", "unzustellbar", "nicht zustellbar", "non remis",
	"permanent delivery failure", "message status undeliverable",
	"undeliverable mail", "nondeliverable mail",
	"mail could not be delivered", "message delivery failure",
	"no se puede entregar", "onbestelbaar", "non recapitabile",
	"n\xc3\xa3o \xc3\xa9 poss\xc3\xadvel entregar",
};
/* clang-format on */

/* Does the subject, past its tags and reply prefixes, start with one of
 * the phrases (as whole words)? */
static bool
subject_starts_with(const char *subject, const char *const *phrases, size_t n)
{
	char *norm;
	const char *p;
	bool found = false;
	size_t i, len, end;

	if (subject == NULL)
		return false;
	norm = crk_subject_normalize(subject);
	p = norm;
	/* Gateways mark outside mail: "(EXT)", "*EXTERNAL*", "EXT:". */
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '(' && strchr(p, ')') != NULL)
			p = strchr(p, ')') + 1;
		else if (*p == '*' && strchr(p + 1, '*') != NULL)
			p = strchr(p + 1, '*') + 1;
		else if (crk_str_has_prefix_ci(p, "ext:"))
			p += 4;
		else if (crk_str_has_prefix_ci(p, "external:"))
			p += 9;
		else
			break;
	}
	len = strlen(p);
	for (i = 0; i < n && !found; i++) {
		end = pattern_match_at(p, len, 0, phrases[i]);
		found = end != 0 && word_boundary(p, len, end);
	}
	free(norm);
	return found;
}

bool
crk_classify_is_ooo_subject(const char *subject)
{
	size_t i;

	if (subject == NULL)
		return false;
	if (subject_starts_with(
		subject, ooo_subjects, CRK_N_ELEMENTS(ooo_subjects)))
		return true;
	for (i = 0; i < CRK_N_ELEMENTS(ooo_anywhere); i++) {
		if (text_has_word(subject, ooo_anywhere[i], false))
			return true;
	}
	return false;
}

bool
crk_classify_is_bounce_subject(const char *subject)
{
	return subject_starts_with(
	    subject, bounce_subjects, CRK_N_ELEMENTS(bounce_subjects));
}
