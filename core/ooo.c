/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Out-of-office return dates: the last day of absence in an auto-reply. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/ooo.h"

#define OOO_SCAN_MAX (16 * 1024)
/* How far before a date a keyword still applies to it, and after it a
 * trailing "wieder"/"again". */
#define OOO_LEAD_WINDOW 60
#define OOO_TRAIL_WINDOW 40
/* Gap between two dates that makes them one range ("20.11. - 30.11."). */
#define OOO_RANGE_GAP 16
#define OOO_MAX_MENTIONS 64

struct ooo_buf {
	char *s; /* owned, NUL-terminated */
	size_t len;
	size_t alloc;
};

enum ooo_kind {
	OOO_NONE,
	OOO_UNTIL, /* the date is the last day of absence */
	OOO_BACK,  /* the date is the first day back */
	OOO_START, /* the date starts the absence */
};

struct ooo_mention {
	size_t start, end;
	int y, m, d; /* y == 0: no year given */
	int weekday; /* >= 0: a weekday alone, no date */
	bool slash;  /* a/b[/y]: day/month or month/day, decided later */
	enum ooo_kind kind;
	crk_day day;
};

static void
ooo_addc(struct ooo_buf *b, char c)
{
	if (b->len + 2 > b->alloc) {
		b->alloc = b->alloc == 0 ? 256 : b->alloc * 2;
		b->s = crk_xrealloc(b->s, b->alloc);
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void
ooo_adds(struct ooo_buf *b, const char *s)
{
	while (*s != '\0')
		ooo_addc(b, *s++);
}

static bool
ooo_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
ooo_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (unsigned char)c >= 0x80;
}

static bool
ooo_is_word(char c)
{
	return ooo_is_alpha(c) || ooo_is_digit(c);
}

/* clang-format off */
static const struct {
	const char *name;
	const char *text;
} ooo_entities[] = {
    {"nbsp", " "}, {"#160", " "}, {"#xa0", " "}, {"amp", "&"},
    {"quot", "\""}, {"lt", "<"}, {"gt", ">"}, {"auml", "\xc3\xa4"},
    {"ouml", "\xc3\xb6"}, {"uuml", "\xc3\xbc"}, {"szlig", "\xc3\x9f"},
    {"Auml", "\xc3\xa4"}, {"Ouml", "\xc3\xb6"}, {"Uuml", "\xc3\xbc"},
    {"ndash", "-"}, {"mdash", "-"}, {"#8211", "-"}, {"#8212", "-"},
};
/* clang-format on */

/* Tags become spaces (line breaks for block tags), entities their text;
 * a <blockquote> ends the text: what follows is quoted history. */
static void
ooo_strip_html(const char *text, size_t len, struct ooo_buf *out)
{
	size_t i = 0, j, k, n;

	while (i < len) {
		char c = text[i];

		if (c == '<' && i + 1 < len &&
		    (ooo_is_alpha(text[i + 1]) || text[i + 1] == '/' ||
			text[i + 1] == '!')) {
			for (j = i + 1;
			     j < len && j < i + 2000 && text[j] != '>'; j++)
				;
			if (j < len && text[j] == '>') {
				k = i + 1 + (text[i + 1] == '/' ? 1 : 0);
				if (crk_strncasecmp(
					text + i + 1, "blockquote", 10) == 0)
					return;
				if (crk_strncasecmp(text + k, "br", 2) == 0 ||
				    crk_strncasecmp(text + k, "p", 1) == 0 ||
				    crk_strncasecmp(text + k, "div", 3) == 0 ||
				    crk_strncasecmp(text + k, "tr", 2) == 0 ||
				    crk_strncasecmp(text + k, "li", 2) == 0)
					ooo_addc(out, '\n');
				else
					ooo_addc(out, ' ');
				i = j + 1;
				continue;
			}
		}
		if (c == '&') {
			for (j = i + 1; j < len && j < i + 8 && text[j] != ';';
			     j++)
				;
			if (j < len && text[j] == ';') {
				const char *rep = " ";

				for (n = 0; n < CRK_N_ELEMENTS(ooo_entities);
				     n++) {
					if (strlen(ooo_entities[n].name) ==
						j - i - 1 &&
					    strncmp(text + i + 1,
						ooo_entities[n].name,
						j - i - 1) == 0) {
						rep = ooo_entities[n].text;
						break;
					}
				}
				ooo_adds(out, rep);
				i = j + 1;
				continue;
			}
		}
		ooo_addc(out, c != '\0' ? c : ' ');
		i++;
	}
}

/* True when a line (left-trimmed, lowercased ASCII) starts quoted history
 * or a forwarded/replied-to header block. */
static bool
ooo_line_ends_text(const char *line)
{
	/* clang-format off */
	static const char *const starts[] = {
	    ">", "-----original message", "----- original message",
	    "-----urspr", "----- urspr", "__________", "from:", "von:",
	    "sent:", "gesendet:", "-----message d'origine", "de :", "de:",
	    "envoy\xc3\xa9 :", "-----mensaje original", "enviado el:",
	    "-----messaggio originale", "da:", "inviato:",
	    "-----oorspronkelijk bericht", "van:", "verzonden:",
	};
	static const char *const ends[] = {
	    "wrote:", "a \xc3\xa9" "crit :", "a \xc3\xa9" "crit:",
	    "escribi\xc3\xb3:", "ha scritto:", "schreef:",
	};
	/* clang-format on */
	size_t i, len = strlen(line);

	for (i = 0; i < CRK_N_ELEMENTS(starts); i++)
		if (strncmp(line, starts[i], strlen(starts[i])) == 0)
			return true;
	/* "On <date>, <name> wrote:" and its translations */
	for (i = 0; i < CRK_N_ELEMENTS(ends); i++)
		if (len >= strlen(ends[i]) &&
		    strcmp(line + len - strlen(ends[i]), ends[i]) == 0)
			return true;
	if (strncmp(line, "am ", 3) == 0 && strstr(line, "schrieb") != NULL)
		return true;
	return false;
}

/* Lowercases ASCII and German umlauts, maps no-break spaces and dashes,
 * joins lines with one space and collapses space runs, up to quoted
 * history. */
static void
ooo_normalize(const char *plain, struct ooo_buf *out)
{
	struct ooo_buf line = {NULL, 0, 0};
	const char *p = plain, *eol;
	size_t i;

	while (*p != '\0') {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		line.len = 0;
		if (line.s != NULL)
			line.s[0] = '\0';
		while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		for (; p < eol; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == 0xc2 && p + 1 < eol &&
			    (unsigned char)p[1] == 0xa0) {
				ooo_addc(&line, ' ');
				p++;
			} else if (c == 0xe2 && p + 2 < eol &&
			    (unsigned char)p[1] == 0x80 &&
			    ((unsigned char)p[2] == 0x93 ||
				(unsigned char)p[2] == 0x94)) {
				ooo_addc(&line, '-');
				p += 2;
			} else if (c == 0xe2 && p + 2 < eol &&
			    (unsigned char)p[1] == 0x80 &&
			    ((unsigned char)p[2] == 0x98 ||
				(unsigned char)p[2] == 0x99)) {
				ooo_addc(&line, '\''); /* jusqu’au */
				p += 2;
			} else if (c == 0xc3 && p + 1 < eol &&
			    ((unsigned char)p[1] == 0x84 ||
				(unsigned char)p[1] == 0x96 ||
				(unsigned char)p[1] == 0x9c)) {
				ooo_addc(&line, (char)c);
				ooo_addc(
				    &line, (char)((unsigned char)p[1] + 0x20));
				p++;
			} else if (c < 0x20 || c == 0x7f) {
				ooo_addc(&line, ' ');
			} else if (c >= 'A' && c <= 'Z') {
				ooo_addc(&line, (char)(c + ('a' - 'A')));
			} else {
				ooo_addc(&line, (char)c);
			}
		}
		if (line.s != NULL && ooo_line_ends_text(line.s))
			break;
		if (out->len > 0)
			ooo_addc(out, ' ');
		for (i = 0; i < line.len; i++) {
			if (line.s[i] == ' ' && out->len > 0 &&
			    out->s[out->len - 1] == ' ')
				continue;
			ooo_addc(out, line.s[i]);
		}
		p = *eol == '\n' ? eol + 1 : eol;
	}
	free(line.s);
	if (out->s == NULL)
		ooo_addc(out, ' ');
}

/* clang-format off */
static const struct {
	const char *name;
	int month;
} ooo_months[] = {
    {"january", 1}, {"jan", 1}, {"januar", 1}, {"j\xc3\xa4nner", 1},
    {"jaenner", 1}, {"february", 2}, {"feb", 2}, {"februar", 2},
    {"march", 3}, {"mar", 3}, {"m\xc3\xa4rz", 3}, {"maerz", 3},
    {"m\xc3\xa4r", 3}, {"april", 4}, {"apr", 4}, {"may", 5}, {"mai", 5},
    {"june", 6}, {"jun", 6}, {"juni", 6}, {"july", 7}, {"jul", 7},
    {"juli", 7}, {"august", 8}, {"aug", 8}, {"september", 9},
    {"sep", 9}, {"sept", 9}, {"october", 10}, {"oct", 10},
    {"oktober", 10}, {"okt", 10}, {"november", 11}, {"nov", 11},
    {"december", 12}, {"dec", 12}, {"dezember", 12}, {"dez", 12},
    /* French, Spanish, Italian, Dutch */
    {"janvier", 1}, {"f\xc3\xa9vrier", 2}, {"fevrier", 2}, {"mars", 3},
    {"avril", 4}, {"juin", 6}, {"juillet", 7}, {"ao\xc3\xbbt", 8},
    {"aout", 8}, {"septembre", 9}, {"octobre", 10}, {"novembre", 11},
    {"d\xc3\xa9" "cembre", 12}, {"decembre", 12}, {"enero", 1},
    {"febrero", 2}, {"marzo", 3}, {"abril", 4}, {"mayo", 5}, {"junio", 6},
    {"julio", 7}, {"agosto", 8}, {"septiembre", 9}, {"setiembre", 9},
    {"octubre", 10}, {"noviembre", 11}, {"diciembre", 12},
    {"gennaio", 1}, {"febbraio", 2}, {"aprile", 4}, {"maggio", 5},
    {"giugno", 6}, {"luglio", 7}, {"settembre", 9}, {"ottobre", 10},
    {"dicembre", 12}, {"januari", 1}, {"februari", 2}, {"maart", 3},
    {"mei", 5}, {"augustus", 8},
};
/* clang-format on */

/* Full names may stand alone ("back on Monday"); short ones only in
 * front of a date ("Mo., 30.11."). */
/* clang-format off */
static const struct {
	const char *name;
	int weekday;
	bool full;
} ooo_weekdays[] = {
    {"sunday", 0, true}, {"monday", 1, true}, {"tuesday", 2, true},
    {"wednesday", 3, true}, {"thursday", 4, true}, {"friday", 5, true},
    {"saturday", 6, true}, {"sonntag", 0, true}, {"montag", 1, true},
    {"dienstag", 2, true}, {"mittwoch", 3, true},
    {"donnerstag", 4, true}, {"freitag", 5, true}, {"samstag", 6, true},
    {"sonnabend", 6, true}, {"sun", 0, false}, {"mon", 1, false},
    {"tue", 2, false}, {"tues", 2, false}, {"wed", 3, false},
    {"thu", 4, false}, {"thur", 4, false}, {"thurs", 4, false},
    {"fri", 5, false}, {"sat", 6, false}, {"so", 0, false},
    {"mo", 1, false}, {"di", 2, false}, {"mi", 3, false},
    {"do", 4, false}, {"fr", 5, false}, {"sa", 6, false},
    {"dimanche", 0, true}, {"lundi", 1, true}, {"mardi", 2, true},
    {"mercredi", 3, true}, {"jeudi", 4, true}, {"vendredi", 5, true},
    {"samedi", 6, true}, {"domingo", 0, true}, {"lunes", 1, true},
    {"martes", 2, true}, {"mi\xc3\xa9rcoles", 3, true},
    {"miercoles", 3, true}, {"jueves", 4, true}, {"viernes", 5, true},
    {"s\xc3\xa1" "bado", 6, true}, {"sabado", 6, true},
    {"luned\xc3\xac", 1, true}, {"marted\xc3\xac", 2, true},
    {"mercoled\xc3\xac", 3, true}, {"gioved\xc3\xac", 4, true},
    {"venerd\xc3\xac", 5, true}, {"zondag", 0, true},
    {"maandag", 1, true}, {"dinsdag", 2, true}, {"woensdag", 3, true},
    {"donderdag", 4, true}, {"vrijdag", 5, true}, {"zaterdag", 6, true},
};
/* clang-format on */

static size_t
ooo_word_len(const char *s)
{
	size_t n = 0;

	while (ooo_is_alpha(s[n]))
		n++;
	return n;
}

static int
ooo_month_at(const char *s, size_t *len_r)
{
	size_t n = ooo_word_len(s), i;

	for (i = 0; i < CRK_N_ELEMENTS(ooo_months); i++) {
		if (strlen(ooo_months[i].name) == n &&
		    strncmp(s, ooo_months[i].name, n) == 0) {
			if (s[n] == '.')
				n++;
			*len_r = n;
			return ooo_months[i].month;
		}
	}
	return 0;
}

static int
ooo_weekday_at(const char *s, size_t *len_r, bool *full_r)
{
	size_t n = ooo_word_len(s), i;

	for (i = 0; i < CRK_N_ELEMENTS(ooo_weekdays); i++) {
		if (strlen(ooo_weekdays[i].name) == n &&
		    strncmp(s, ooo_weekdays[i].name, n) == 0) {
			*full_r = ooo_weekdays[i].full;
			if (s[n] == '.')
				n++;
			*len_r = n;
			return ooo_weekdays[i].weekday;
		}
	}
	return -1;
}

/* Reads 1 to max digits; returns how many (0: none). */
static size_t
ooo_number(const char *s, size_t max, int *value_r)
{
	size_t n = 0;
	int v = 0;

	while (n < max && ooo_is_digit(s[n])) {
		v = v * 10 + (s[n] - '0');
		n++;
	}
	*value_r = v;
	return n;
}

/* A year after a day or month: ", 2026" or " 2026", not a time. */
static size_t
ooo_year_after(const char *s, int *year_r)
{
	size_t p = 0, n;
	int y;

	if (s[p] == ',')
		p++;
	if (s[p] == ' ')
		p++;
	n = ooo_number(s + p, 5, &y);
	if (n != 4 || y < 1900 || y > 2199 || s[p + n] == ':')
		return 0;
	*year_r = y;
	return p + n;
}

static size_t
ooo_ordinal(const char *s)
{
	if ((strncmp(s, "st", 2) == 0 || strncmp(s, "nd", 2) == 0 ||
		strncmp(s, "rd", 2) == 0 || strncmp(s, "th", 2) == 0 ||
		strncmp(s, "er", 2) == 0) &&
	    !ooo_is_alpha(s[2]))
		return 2; /* 1st, 2nd, 3rd, 30th; French 1er */
	return 0;
}

/* Parses a date at s; returns its length, 0 when there is none. */
static size_t
ooo_date_at(const char *s, struct ooo_mention *m)
{
	size_t n, p, k;
	int a, b, y;

	m->y = 0;
	m->slash = false;
	m->weekday = -1;
	if (ooo_is_digit(s[0])) {
		n = ooo_number(s, 5, &a);
		if (n == 4 && s[4] == '-' && ooo_number(s + 5, 3, &b) == 2 &&
		    s[7] == '-' && ooo_number(s + 8, 3, &y) == 2) {
			m->y = a;
			m->m = b;
			m->d = y;
			return 10;
		}
		if (n > 2)
			return 0;
		p = n;
		if ((s[p] == '.' || s[p] == '/') && ooo_is_digit(s[p + 1])) {
			char sep = s[p];

			k = ooo_number(s + p + 1, 3, &b);
			if (k > 2)
				return 0;
			p += 1 + k;
			if (s[p] == sep) {
				k = ooo_number(s + p + 1, 5, &y);
				if (k == 4 || k == 2) {
					m->y = k == 2 ? 2000 + y : y;
					p += 1 + k;
				} else if (k != 0) {
					return 0;
				} else if (sep == '.') {
					p++; /* "30.11." */
				} else {
					return 0;
				}
			}
			if (ooo_is_digit(s[p]) || s[p] == sep)
				return 0;
			m->d = a;
			m->m = b;
			m->slash = sep == '/';
			return p;
		}
		/* "30 November", "30. November", "30th of Nov" */
		if (s[p] == '.')
			p++;
		else
			p += ooo_ordinal(s + p);
		if (s[p] == ' ')
			p++;
		if (strncmp(s + p, "of ", 3) == 0 ||
		    strncmp(s + p, "de ", 3) == 0)
			p += 3; /* "30th of November", "30 de noviembre" */
		if ((b = ooo_month_at(s + p, &k)) == 0)
			return 0;
		p += k;
		m->d = a;
		m->m = b;
		p += ooo_year_after(s + p, &m->y);
		return p;
	}
	/* "November 30", "Nov. 30th, 2026" */
	if ((b = ooo_month_at(s, &k)) == 0)
		return 0;
	p = k;
	if (s[p] == ' ')
		p++;
	n = ooo_number(s + p, 3, &a);
	if (n == 0 || n > 2)
		return 0;
	p += n;
	p += ooo_ordinal(s + p);
	if (ooo_is_alpha(s[p]))
		return 0;
	m->d = a;
	m->m = b;
	p += ooo_year_after(s + p, &m->y);
	return p;
}

/* A date, optionally after a weekday, or a full weekday alone. */
static size_t
ooo_mention_at(const char *s, struct ooo_mention *m)
{
	size_t n, p;
	bool full;
	int wd;

	if ((n = ooo_date_at(s, m)) > 0)
		return n;
	if ((wd = ooo_weekday_at(s, &n, &full)) < 0)
		return 0;
	p = n;
	if (s[p] == ',')
		p++;
	if (s[p] == ' ')
		p++;
	if (strncmp(s + p, "the ", 4) == 0 || strncmp(s + p, "den ", 4) == 0 ||
	    strncmp(s + p, "dem ", 4) == 0 || strncmp(s + p, "der ", 4) == 0)
		p += 4;
	if (ooo_is_word(s[p]) && (n = ooo_date_at(s + p, m)) > 0)
		return p + n;
	if (!full)
		return 0;
	m->weekday = wd;
	return ooo_word_len(s);
}

/* clang-format off */
static const struct {
	const char *word;
	enum ooo_kind kind;
} ooo_keywords[] = {
    {"until", OOO_UNTIL}, {"till", OOO_UNTIL}, {"til", OOO_UNTIL},
    {"through", OOO_UNTIL}, {"thru", OOO_UNTIL}, {"bis", OOO_UNTIL},
    {"einschlie\xc3\x9flich", OOO_UNTIL}, {"einschliesslich", OOO_UNTIL},
    {"einschl", OOO_UNTIL}, {"inkl", OOO_UNTIL}, {"inklusive", OOO_UNTIL},
    {"including", OOO_UNTIL}, {"after", OOO_UNTIL}, {"nach", OOO_UNTIL},
    {"back", OOO_BACK}, {"return", OOO_BACK}, {"returning", OOO_BACK},
    {"returns", OOO_BACK}, {"zur\xc3\xbc" "ck", OOO_BACK},
    {"zurueck", OOO_BACK}, {"wieder", OOO_BACK}, {"again", OOO_BACK},
    {"r\xc3\xbc" "ckkehr", OOO_BACK}, {"rueckkehr", OOO_BACK},
    {"from", OOO_START}, {"vom", OOO_START}, {"ab", OOO_START},
    {"since", OOO_START}, {"seit", OOO_START}, {"starting", OOO_START},
    {"beginning", OOO_START},
    /* French */
    {"jusqu", OOO_UNTIL}, {"inclus", OOO_UNTIL}, {"retour", OOO_BACK},
    {"reviendrai", OOO_BACK}, {"du", OOO_START}, {"partir", OOO_START},
    /* Spanish */
    {"hasta", OOO_UNTIL}, {"regreso", OOO_BACK}, {"vuelta", OOO_BACK},
    {"volver\xc3\xa9", OOO_BACK}, {"desde", OOO_START},
    /* Italian */
    {"fino", OOO_UNTIL}, {"rientro", OOO_BACK}, {"ritorno", OOO_BACK},
    {"dal", OOO_START},
    /* Dutch */
    {"tot", OOO_UNTIL}, {"terug", OOO_BACK}, {"vanaf", OOO_START},
};
/* clang-format on */

/* The keyword that ends last in s[from, to), with its kind; *back_r tells
 * whether any back-word occurs there. */
static enum ooo_kind
ooo_last_keyword(const char *s, size_t from, size_t to, bool *back_r)
{
	enum ooo_kind kind = OOO_NONE;
	size_t i, n, k;

	*back_r = false;
	for (i = from; i < to; i++) {
		if (!ooo_is_alpha(s[i]) || (i > 0 && ooo_is_alpha(s[i - 1])))
			continue;
		n = ooo_word_len(s + i);
		if (i + n > to)
			break;
		for (k = 0; k < CRK_N_ELEMENTS(ooo_keywords); k++) {
			if (strlen(ooo_keywords[k].word) == n &&
			    strncmp(s + i, ooo_keywords[k].word, n) == 0) {
				kind = ooo_keywords[k].kind;
				if (kind == OOO_BACK)
					*back_r = true;
				break;
			}
		}
		i += n;
	}
	return kind;
}

/* True when the first keyword after a date says "again": "ab dem 1.
 * Dezember wieder erreichbar", "am 30.11. zurück". */
static bool
ooo_trailing_back(const char *s, size_t from, size_t to)
{
	/* clang-format off */
	static const char *const words[] = {
	    "wieder", "zur\xc3\xbc" "ck", "zurueck", "again",
	};
	/* clang-format on */
	size_t i, n, k;

	for (i = from; i < to; i++) {
		if (!ooo_is_alpha(s[i]) || (i > 0 && ooo_is_alpha(s[i - 1])))
			continue;
		n = ooo_word_len(s + i);
		for (k = 0; k < CRK_N_ELEMENTS(words); k++)
			if (strlen(words[k]) == n &&
			    strncmp(s + i, words[k], n) == 0)
				return true;
		for (k = 0; k < CRK_N_ELEMENTS(ooo_keywords); k++)
			if (strlen(ooo_keywords[k].word) == n &&
			    strncmp(s + i, ooo_keywords[k].word, n) == 0)
				return false;
		i += n;
	}
	return false;
}

/* "20.11. - 30.11.", "from 20 to 30 November", "vom 20. bis 30.11." */
static bool
ooo_is_range_gap(const char *s, size_t from, size_t to)
{
	/* clang-format off */
	static const char *const words[] = {
	    "-", "to", "bis", "until", "till", "through", "thru", "bis zum",
	    "au", "al", "a", "t/m", "tot", "tot en met", "hasta",
	    "bis einschlie\xc3\x9flich",
	};
	/* clang-format on */
	size_t i, n;

	while (from < to && (s[from] == ' ' || s[from] == ','))
		from++;
	while (to > from && s[to - 1] == ' ')
		to--;
	n = to - from;
	for (i = 0; i < CRK_N_ELEMENTS(words); i++)
		if (strlen(words[i]) == n &&
		    strncmp(s + from, words[i], n) == 0)
			return true;
	return false;
}

/* A bare day starting a range that the date after it ends: "20-30
 * November", "du 20 au 30 novembre", "20 to 30 Nov". */
static bool
ooo_day_range_before(const char *s, size_t from, size_t start)
{
	size_t j, e;

	for (j = start; j > from && start - j < OOO_RANGE_GAP;) {
		j--;
		if (!ooo_is_digit(s[j]) || (j > 0 && ooo_is_digit(s[j - 1])))
			continue;
		if (j > 0 &&
		    (ooo_is_alpha(s[j - 1]) || s[j - 1] == '.' ||
			s[j - 1] == '/' || s[j - 1] == ':'))
			continue;
		e = j + 1;
		if (ooo_is_digit(s[e]))
			e++;
		if (s[e] == '.')
			e++;
		if (e < start && !ooo_is_digit(s[e]) &&
		    ooo_is_range_gap(s, e, start))
			return true;
	}
	return false;
}

static crk_day
ooo_valid_day(int y, int m, int d)
{
	crk_day day;
	int ry, rm, rd;

	if (m < 1 || m > 12 || d < 1 || d > 31)
		return CRK_DAY_NONE;
	day = crk_day_from_ymd(y, m, d);
	crk_day_to_ymd(day, &ry, &rm, &rd);
	return ry == y && rm == m && rd == d ? day : CRK_DAY_NONE;
}

/* The day a mention names: next occurrence on or after the received day
 * when it has no year; a weekday alone is the next one after it. */
static crk_day
ooo_resolve(const struct ooo_mention *m, crk_day received, bool us)
{
	int ry, rm, rd, y, mon = m->m, d = m->d;
	crk_day day;

	if (m->weekday >= 0)
		return received + 1 +
		    (m->weekday - crk_day_weekday(received) + 6) % 7;
	if (m->slash && (m->d > 12 ? false : m->m > 12 || us)) {
		mon = m->d;
		d = m->m;
	}
	if (m->y != 0)
		return ooo_valid_day(m->y, mon, d);
	crk_day_to_ymd(received, &ry, &rm, &rd);
	for (y = ry; y <= ry + 4; y++) {
		day = ooo_valid_day(y, mon, d);
		if (day != CRK_DAY_NONE && day >= received)
			return day;
	}
	return CRK_DAY_NONE;
}

static bool
ooo_only_weekend_between(crk_day lo, crk_day hi)
{
	crk_day d;
	int wd;

	for (d = lo + 1; d <= hi; d++) {
		wd = crk_day_weekday(d);
		if (wd != 0 && wd != 6)
			return false;
	}
	return true;
}

bool
crk_ooo_return_date(const char *text, time_t received, crk_day *day_r)
{
	struct ooo_buf plain = {NULL, 0, 0}, norm = {NULL, 0, 0};
	struct ooo_mention ms[OOO_MAX_MENTIONS];
	size_t count = 0, i, n, from, to;
	crk_day recv_day, lo = CRK_DAY_NONE, hi = CRK_DAY_NONE, cand;
	bool us = false, back, ok = false;
	const char *s;

	if (text == NULL)
		return false;
	n = strlen(text);
	ooo_strip_html(text, n < OOO_SCAN_MAX ? n : OOO_SCAN_MAX, &plain);
	ooo_normalize(plain.s != NULL ? plain.s : "", &norm);
	s = norm.s;
	recv_day = crk_day_of_time(received);

	for (i = 0; s[i] != '\0' && count < OOO_MAX_MENTIONS; i++) {
		if (i > 0 &&
		    (ooo_is_word(s[i - 1]) || s[i - 1] == '.' ||
			s[i - 1] == '/' || s[i - 1] == ':'))
			continue;
		if ((n = ooo_mention_at(s + i, &ms[count])) == 0)
			continue;
		if (ooo_is_word(s[i + n]) && ooo_is_word(s[i + n - 1]))
			continue; /* "30 novemberish", "2026-11-301" */
		ms[count].start = i;
		ms[count].end = i + n;
		if (ms[count].slash && ms[count].d <= 12 && ms[count].m > 12)
			us = true;
		count++;
		i += n - 1;
	}

	for (i = 0; i < count; i++) {
		struct ooo_mention *m = &ms[i];
		bool trail_back;

		from = i > 0 ? ms[i - 1].end : 0;
		if (m->start - from > OOO_LEAD_WINDOW)
			from = m->start - OOO_LEAD_WINDOW;
		to = i + 1 < count ? ms[i + 1].start : norm.len;
		if (to - m->end > OOO_TRAIL_WINDOW)
			to = m->end + OOO_TRAIL_WINDOW;
		trail_back = ooo_trailing_back(s, m->end, to);
		m->kind = ooo_last_keyword(s, from, m->start, &back);
		if (i > 0 && m->start - ms[i - 1].end <= OOO_RANGE_GAP &&
		    ooo_is_range_gap(s, ms[i - 1].end, m->start)) {
			m->kind = OOO_UNTIL;
			ms[i - 1].kind = OOO_START;
		} else if (ooo_day_range_before(s, from, m->start)) {
			m->kind = OOO_UNTIL;
		} else if (m->kind == OOO_START && back) {
			m->kind = OOO_BACK;
		} else if ((m->kind == OOO_START || m->kind == OOO_NONE) &&
		    trail_back) {
			m->kind = OOO_BACK;
		}
	}

	for (i = 0; i < count; i++) {
		if (ms[i].kind != OOO_UNTIL && ms[i].kind != OOO_BACK)
			continue;
		ms[i].day = ooo_resolve(&ms[i], recv_day, us);
		if (ms[i].day == CRK_DAY_NONE)
			continue; /* "31.11.": not a date after all */
		if (ms[i].day < recv_day || ms[i].day > recv_day + 366)
			goto out;
		cand = ms[i].kind == OOO_BACK ? ms[i].day - 1 : ms[i].day;
		if (lo == CRK_DAY_NONE || cand < lo)
			lo = cand;
		if (hi == CRK_DAY_NONE || cand > hi)
			hi = cand;
	}
	if (lo == CRK_DAY_NONE)
		goto out;
	if (lo != hi && (hi - lo > 3 || !ooo_only_weekend_between(lo, hi)))
		goto out;
	*day_r = hi;
	ok = true;
out:
	free(plain.s);
	free(norm.s);
	return ok;
}
