/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Follow-up templates: loading per touch number, placeholders, rendering. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/template.h"

#define TEMPLATE_MAX_SIZE (64 * 1024)
#define TEMPLATE_NAME_MAX 32

/* The shipped defaults (contrib/templates/), kept here too so a draft
 * never fails for lack of files; a test keeps both in step.  Index
 * touch - 1; the last one is the monthly template. */
/* clang-format off */
static const char *const template_builtins[CRK_TEMPLATE_TOUCHES + 1] = {
    /* touch-1.txt */
    "Angle: Did the proposal arrive? Offer to answer questions.\n"
    "\n"
    "Hi {first_name},\n"
    "\n"
    "I wanted to make sure the proposal I sent on {sent_date} "
    "reached you and\n"
    "did not get lost in a busy inbox. If anything in it is "
    "unclear or raises\n"
    "questions, I am happy to walk you through it in a short "
    "call. Just reply\n"
    "here and I will make time.\n"
    "\n"
    "Best regards,\n"
    "{rep_name}\n",
    /* touch-2.txt */
    "Angle: Bring something new of value: an idea, a resource, a detail.\n"
    "\n"
    "Hi {first_name},\n"
    "\n"
    "Since I sent the proposal, one more thing came to mind that "
    "could be useful\n"
    "to you: [a tip, a resource or a detail that helps the "
    "decision]. It is not\n"
    "in the original document, so I wanted to pass it on. Let me know if I\n"
    "should fold it into the proposal.\n"
    "\n"
    "Best regards,\n"
    "{rep_name}\n",
    /* touch-3.txt */
    "Angle: Share a relevant case: how a similar customer got results.\n"
    "\n"
    "Hi {first_name},\n"
    "\n"
    "A customer in a situation much like yours recently made the "
    "same decision.\n"
    "[One or two sentences: what they faced and what changed for "
    "them.] If it\n"
    "helps, I can share the details or put you in touch with them.\n"
    "\n"
    "Best regards,\n"
    "{rep_name}\n",
    /* touch-4.txt */
    "Angle: A short check on timing.\n"
    "\n"
    "Hi {first_name},\n"
    "\n"
    "A quick question on timing: is the proposal something you "
    "are looking at\n"
    "now, or is it for later? If now is not the right time, just "
    "tell me when\n"
    "would be better and I will get back to you then.\n"
    "\n"
    "Best,\n"
    "{rep_name}\n",
    /* touch-5.txt */
    "Angle: Ask whether this is still a priority.\n"
    "\n"
    "Hi {first_name},\n"
    "\n"
    "It has been {days_silent} days since I sent the proposal, and I do not\n"
    "want to keep filling your inbox. Is this still a priority "
    "for you, or have\n"
    "things changed? Either answer helps me plan.\n"
    "\n"
    "Best,\n"
    "{rep_name}\n",
    /* touch-6.txt */
    "Angle: Break-up: a clear yes or no is fine.\n"
    "\n"
    "Hi {first_name},\n"
    "\n"
    "I have followed up a few times and have not heard back, so "
    "I will assume\n"
    "this is not the right moment. A clear yes or no is "
    "completely fine: a no\n"
    "helps me just as much as a yes. If it is a no, I will close "
    "this on my side\n"
    "and stop writing about it.\n"
    "\n"
    "Best regards,\n"
    "{rep_name}\n",
    /* monthly.txt */
    "Angle: A light check-in.\n"
    "\n"
    "Hi {first_name},\n"
    "\n"
    "It has been a while since we talked about the proposal, so "
    "here is a light\n"
    "check-in. Has anything changed on your side that makes it "
    "worth picking up\n"
    "again? If so, I am happy to update it to where you are now.\n"
    "\n"
    "All the best,\n"
    "{rep_name}\n",
};
/* clang-format on */

/* clang-format off */
static const char *const template_fields[] = {
    "first_name", "company", "subject", "sent_date", "days_silent", "touch",
    "rep_name",
};
/* clang-format on */

/* clang-format off */
static const char *const template_month_names[12] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
};
/* clang-format on */

struct template_buf {
	char *s; /* owned, NUL-terminated */
	size_t len;
	size_t alloc;
};

static void
template_addn(struct template_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->alloc) {
		while (b->len + n + 1 > b->alloc)
			b->alloc = b->alloc == 0 ? 256 : b->alloc * 2;
		b->s = crk_xrealloc(b->s, b->alloc);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
template_adds(struct template_buf *b, const char *s)
{
	template_addn(b, s, strlen(s));
}

static char *
template_finish(struct template_buf *b)
{
	if (b->s == NULL)
		return crk_xstrdup("");
	return b->s;
}

static unsigned
template_index(unsigned touch)
{
	return touch >= 1 && touch <= CRK_TEMPLATE_TOUCHES
	    ? touch - 1
	    : CRK_TEMPLATE_TOUCHES;
}

const char *
crk_template_file_name(unsigned touch)
{
	/* clang-format off */
	static const char *const names[CRK_TEMPLATE_TOUCHES + 1] = {
	    "touch-1.txt", "touch-2.txt", "touch-3.txt", "touch-4.txt",
	    "touch-5.txt", "touch-6.txt", "monthly.txt",
	};
	/* clang-format on */

	return names[template_index(touch)];
}

const char *
crk_template_builtin(unsigned touch)
{
	return template_builtins[template_index(touch)];
}

/* LF line ends, valid UTF-8 (U+FFFD for bad bytes), no NULs. */
static char *
template_clean_text(const char *text)
{
	struct template_buf b = {NULL, 0, 0};
	const unsigned char *p = (const unsigned char *)text;
	size_t n;

	while (*p != '\0') {
		if (*p == '\r') {
			if (p[1] != '\n')
				template_adds(&b, "\n");
			p++;
			continue;
		}
		if ((n = crk_utf8_len((const char *)p,
			 strnlen((const char *)p, 4), NULL)) == 0) {
			template_adds(&b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		template_addn(&b, (const char *)p, n);
		p += n;
	}
	return template_finish(&b);
}

char *
crk_template_builtin_angle(unsigned touch)
{
	const char *t = crk_template_builtin(touch), *eol;

	t += strlen("Angle:");
	while (*t == ' ')
		t++;
	eol = strchr(t, '\n');
	return crk_xstrndup(t, eol != NULL ? (size_t)(eol - t) : strlen(t));
}

void
crk_template_parse(const char *text, unsigned touch, const char *source,
    struct crk_template **tpl_r)
{
	struct crk_template *tpl;
	char *clean, *body, *eol, *end;

	tpl = crk_xcalloc(1, sizeof(*tpl));
	clean = template_clean_text(text != NULL ? text : "");
	body = clean;
	if (crk_str_has_prefix_ci(clean, "Angle:")) {
		eol = strchr(clean, '\n');
		if (eol != NULL)
			*eol = '\0';
		tpl->angle = crk_str_trim(crk_xstrdup(clean + 6));
		if (*tpl->angle == '\0')
			crk_free_str(&tpl->angle);
		body = eol != NULL ? eol + 1 : clean + strlen(clean);
		/* the blank line (or lines) between angle and body */
		while (*body == '\n' ||
		    (*body == ' ' &&
			strspn(body, " \t") == strcspn(body, "\n")))
			body += *body == '\n' ? 1 : strcspn(body, "\n");
	}
	/* One line end at the end, no trailing blank lines. */
	end = body + strlen(body);
	while (end > body &&
	    (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	tpl->body = crk_xasprintf(
	    "%.*s%s", (int)(end - body), body, end > body ? "\n" : "");
	if (tpl->angle == NULL)
		tpl->angle = crk_template_builtin_angle(touch);
	tpl->source = crk_xstrdup(source != NULL ? source : "built-in");
	free(clean);
	*tpl_r = tpl;
}

/* Reads a template file: CRK_OK, CRK_E_NOTFOUND when there is none, or
 * CRK_E_IO (unreadable or too big). */
static enum crk_status
template_read(const char *path, char **text_r, char **error_r)
{
	enum crk_status status = CRK_OK;
	FILE *fp = NULL;
	char *text = NULL;
	size_t n;

	*text_r = NULL;
	fp = fopen(path, "rb");
	if (fp == NULL) {
		status = errno == ENOENT || errno == ENOTDIR ? CRK_E_NOTFOUND
							     : CRK_E_IO;
		crk_error_set(
		    error_r, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	text = crk_xmalloc(TEMPLATE_MAX_SIZE + 1);
	n = fread(text, 1, TEMPLATE_MAX_SIZE + 1, fp);
	if (ferror(fp)) {
		crk_error_set(error_r, "cannot read %s", path);
		status = CRK_E_IO;
		goto out;
	}
	if (n > TEMPLATE_MAX_SIZE) {
		crk_error_set(error_r, "%s is larger than %d bytes", path,
		    TEMPLATE_MAX_SIZE);
		status = CRK_E_IO;
		goto out;
	}
	text[n] = '\0';
	*text_r = text;
	text = NULL;
out:
	if (fp != NULL)
		fclose(fp);
	free(text);
	return status;
}

enum crk_status
crk_template_load(const char *rep_dir, const char *shipped_dir, unsigned touch,
    struct crk_template **tpl_r, char **error_r)
{
	const char *dirs[2] = {rep_dir, shipped_dir};
	enum crk_status st;
	char *path, *text, *err;
	size_t i;

	(void)error_r;
	*tpl_r = NULL;
	for (i = 0; i < CRK_N_ELEMENTS(dirs); i++) {
		if (dirs[i] == NULL || *dirs[i] == '\0')
			continue;
		path = crk_xasprintf(
		    "%s/%s", dirs[i], crk_template_file_name(touch));
		err = NULL;
		st = template_read(path, &text, &err);
		if (st == CRK_OK) {
			crk_template_parse(text, touch, path, tpl_r);
			free(text);
			free(path);
			return CRK_OK;
		}
		if (st != CRK_E_NOTFOUND)
			crk_warn("template skipped: %s", err);
		free(err);
		free(path);
	}
	crk_template_parse(
	    crk_template_builtin(touch), touch, "built-in", tpl_r);
	return CRK_OK;
}

/* The placeholder at s ("{name}"): its name length, 0 if s is none. */
static size_t
template_placeholder(const char *s)
{
	size_t n = 1;

	if (s[0] != '{')
		return 0;
	while (n <= TEMPLATE_NAME_MAX &&
	    ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		(s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
		n++;
	if (n == 1 || s[n] != '}')
		return 0;
	return n - 1;
}

static int
template_field(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(template_fields); i++)
		if (strlen(template_fields[i]) == n &&
		    strncmp(template_fields[i], name, n) == 0)
			return (int)i;
	return -1;
}

enum crk_status
crk_template_validate(const struct crk_template *tpl, char **error_r)
{
	struct template_buf msg = {NULL, 0, 0};
	const char *p;
	unsigned line = 1;
	size_t n;
	char *part;

	for (p = tpl->body; *p != '\0'; p++) {
		if (*p == '\n')
			line++;
		if ((n = template_placeholder(p)) == 0)
			continue;
		if (template_field(p + 1, n) < 0) {
			part = crk_xasprintf("%sunknown placeholder {%.*s} on "
					     "line %u",
			    msg.len > 0 ? "; " : "", (int)n, p + 1, line);
			template_adds(&msg, part);
			free(part);
		}
		p += n + 1;
	}
	if (msg.len == 0)
		return CRK_OK;
	crk_error_set(error_r, "%s: %s", tpl->source, msg.s);
	free(msg.s);
	return CRK_E_INVAL;
}

char *
crk_template_format_day(crk_day day, char *buf)
{
	int y, m, d;

	crk_day_to_ymd(day, &y, &m, &d);
	snprintf(buf, 24, "%d %s", d, template_month_names[m - 1]);
	return buf;
}

char *
crk_template_render(
    const struct crk_template *tpl, const struct crk_template_values *v)
{
	struct template_buf out = {NULL, 0, 0};
	const char *p = tpl->body, *value;
	char num[24];
	size_t n, i;

	while (*p != '\0') {
		n = template_placeholder(p);
		if (n == 0) {
			template_addn(&out, p, 1);
			p++;
			continue;
		}
		value = NULL;
		switch (template_field(p + 1, n)) {
		case 0: value = v->first_name; break;
		case 1: value = v->company; break;
		case 2: value = v->subject; break;
		case 3:
			if (v->sent_day != CRK_DAY_NONE)
				value =
				    crk_template_format_day(v->sent_day, num);
			break;
		case 4:
			if (v->days_silent >= 0) {
				snprintf(
				    num, sizeof(num), "%d", v->days_silent);
				value = num;
			}
			break;
		case 5:
			if (v->touch > 0) {
				snprintf(num, sizeof(num), "%u", v->touch);
				value = num;
			}
			break;
		case 6: value = v->rep_name; break;
		default:
			/* unknown: kept as written, validate reports it */
			template_addn(&out, p, n + 2);
			p += n + 2;
			continue;
		}
		if (value == NULL || *value == '\0') {
			if (out.len > 0 && out.s[out.len - 1] == ' ')
				out.s[--out.len] = '\0';
			/* a line of just the placeholder goes away */
			if ((out.len == 0 || out.s[out.len - 1] == '\n') &&
			    p[n + 2] == '\n')
				p++;
		} else {
			for (i = 0; value[i] != '\0'; i++) {
				unsigned char c = (unsigned char)value[i];

				template_addn(&out,
				    c < 0x20 || c == 0x7f ? " " : value + i, 1);
			}
		}
		p += n + 2;
	}
	return template_finish(&out);
}

void
crk_template_free(struct crk_template **tpl)
{
	if (*tpl == NULL)
		return;
	free((*tpl)->angle);
	free((*tpl)->body);
	free((*tpl)->source);
	free(*tpl);
	*tpl = NULL;
}

static bool
template_word_in(const char *w, size_t n, const char *const *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(list[i]) == n && crk_strncasecmp(w, list[i], n) == 0)
			return true;
	return false;
}

/* Mailboxes of a role, not a person. */
/* clang-format off */
static const char *const template_roles[] = {
    "info", "sales", "contact", "kontakt", "office", "admin", "hello",
    "hallo", "team", "support", "service", "mail", "email", "billing",
    "accounts", "accounting", "hr", "jobs", "careers", "marketing",
    "enquiries", "inquiries", "procurement", "purchasing", "einkauf",
    "vertrieb", "buero", "buchhaltung", "post", "webmaster", "help",
    "noreply", "orders", "finance", "legal", "press", "presse", "invoice",
    "invoices", "rechnung", "anfrage", "welcome", "general", "reception",
};
/* clang-format on */

/* clang-format off */
static const char *const template_titles[] = {
    "dr", "prof", "mr", "mrs", "ms", "miss", "herr", "frau", "dipl", "ing",
    "mag", "sir", "madam", "mx",
};
/* clang-format on */

/* "jane" or "JANE" -> "Jane"; other capitalisation is kept. */
static char *
template_capitalize(const char *w, size_t n)
{
	char *s = crk_xstrndup(w, n);
	bool all_upper = true, all_lower = true;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			all_upper = false;
		if (s[i] >= 'A' && s[i] <= 'Z')
			all_lower = false;
	}
	if (all_upper || all_lower) {
		crk_str_lower(s);
		if (s[0] >= 'a' && s[0] <= 'z')
			s[0] = (char)(s[0] - 'a' + 'A');
	}
	return s;
}

static char *
template_name_from_display(const char *display)
{
	char *s = crk_xstrdup(display), *p, *q, *result = NULL;
	size_t n;

	/* drop "(ACME)" and quotes */
	for (p = s; (p = strchr(p, '(')) != NULL;) {
		q = strchr(p, ')');
		if (q == NULL) {
			*p = '\0';
			break;
		}
		memmove(p, q + 1, strlen(q + 1) + 1);
	}
	for (p = q = s; *p != '\0'; p++)
		if (*p != '"' && *p != '\'')
			*q++ = *p;
	*q = '\0';
	if (strchr(s, '@') != NULL)
		goto out;
	p = strchr(s, ',');
	p = p != NULL ? p + 1 : s; /* "Doe, Jane" */
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t,");
		if (n == 0)
			goto out;
		q = p + n;
		if (template_word_in(p, p[n - 1] == '.' ? n - 1 : n,
			template_titles, CRK_N_ELEMENTS(template_titles))) {
			p = q;
			continue;
		}
		break;
	}
	while (n > 0 && (p[n - 1] == '.' || p[n - 1] == ';' || p[n - 1] == ':'))
		n--;
	if (n < 2 ||
	    template_word_in(
		p, n, template_roles, CRK_N_ELEMENTS(template_roles)))
		goto out;
	result = template_capitalize(p, n);
out:
	free(s);
	return result;
}

static char *
template_name_from_addr(const char *addr)
{
	size_t local, n, i;

	local = strcspn(addr, "@+");
	n = strcspn(addr, "._-");
	if (n >= local || n < 2) /* needs first.last; no initials */
		return NULL;
	for (i = 0; i < n; i++)
		if (!((addr[i] >= 'a' && addr[i] <= 'z') ||
			(addr[i] >= 'A' && addr[i] <= 'Z')))
			return NULL;
	if (template_word_in(
		addr, n, template_roles, CRK_N_ELEMENTS(template_roles)))
		return NULL;
	return template_capitalize(addr, n);
}

char *
crk_template_first_name(const char *display_name, const char *addr)
{
	char *name = NULL;

	if (display_name != NULL && *display_name != '\0')
		name = template_name_from_display(display_name);
	if (name == NULL && addr != NULL && strchr(addr, '@') != NULL &&
	    (display_name == NULL || *display_name == '\0' ||
		strchr(display_name, '@') != NULL))
		name = template_name_from_addr(addr);
	return name;
}

/* Registrable labels of public mail providers: no company there. */
/* clang-format off */
static const char *const template_providers[] = {
    "gmail", "googlemail", "outlook", "hotmail", "live", "msn", "yahoo",
    "ymail", "aol", "gmx", "web", "icloud", "me", "mac", "proton",
    "protonmail", "pm", "t-online", "freenet", "posteo", "mailbox", "zoho",
    "yandex", "mail", "orange", "free", "laposte", "libero", "arcor",
    "fastmail", "hey", "tutanota", "tuta", "bluewin", "hushmail",
    "comcast", "verizon", "att", "btinternet", "sky", "qq", "163", "126",
    "online", "email", "seznam", "wp", "o2", "onet", "virgilio", "telenet",
};
/* clang-format on */

/* Second-level public suffixes: the label before them is the name. */
/* clang-format off */
static const char *const template_second_levels[] = {
    "co", "com", "org", "net", "ac", "gov", "or", "gv", "ltd", "plc",
};
/* clang-format on */

char *
crk_template_company(const char *display_name, const char *addr)
{
	const char *open, *close, *domain, *labels[16], *p;
	size_t count = 0, n, len, i;
	char *company;

	if (display_name != NULL &&
	    (close = strrchr(display_name, ')')) != NULL) {
		for (open = close; open > display_name && *open != '('; open--)
			;
		if (*open == '(') {
			company = crk_str_trim(
			    crk_xstrndup(open + 1, (size_t)(close - open - 1)));
			if (*company != '\0' && strlen(company) <= 64 &&
			    strchr(company, '@') == NULL)
				return company;
			free(company);
		}
	}
	if (addr == NULL || (domain = strrchr(addr, '@')) == NULL)
		return NULL;
	domain++;
	for (p = domain; *p != '\0' && count < CRK_N_ELEMENTS(labels);) {
		labels[count++] = p;
		p += strcspn(p, ".");
		if (*p == '.')
			p++;
	}
	if (count < 2)
		return NULL;
	i = count - 2;
	n = strcspn(labels[count - 2], ".");
	if (count >= 3 && strlen(labels[count - 1]) == 2 &&
	    template_word_in(labels[count - 2], n, template_second_levels,
		CRK_N_ELEMENTS(template_second_levels)))
		i = count - 3; /* acme.co.uk */
	len = strcspn(labels[i], ".");
	if (len == 0 ||
	    template_word_in(labels[i], len, template_providers,
		CRK_N_ELEMENTS(template_providers)))
		return NULL;
	company = crk_xstrndup(labels[i], len);
	crk_str_lower(company);
	if (company[0] >= 'a' && company[0] <= 'z')
		company[0] = (char)(company[0] - 'a' + 'A');
	return company;
}

void
crk_template_prospect_values(const struct crk_addr_list *prospects,
    char **first_name_r, char **company_r)
{
	char *a = NULL, *b = NULL;
	size_t i;

	*first_name_r = NULL;
	*company_r = NULL;
	if (prospects == NULL)
		return;
	for (i = 0; i < prospects->count && *company_r == NULL; i++)
		*company_r = crk_template_company(
		    prospects->items[i].name, prospects->items[i].addr);
	if (prospects->count == 1) {
		*first_name_r = crk_template_first_name(
		    prospects->items[0].name, prospects->items[0].addr);
	} else if (prospects->count == 2) {
		a = crk_template_first_name(
		    prospects->items[0].name, prospects->items[0].addr);
		b = crk_template_first_name(
		    prospects->items[1].name, prospects->items[1].addr);
		if (a != NULL && b != NULL)
			*first_name_r = crk_xasprintf("%s and %s", a, b);
	}
	free(a);
	free(b);
}
