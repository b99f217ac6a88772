/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The config file: INI parsing (inih), defaults, passwords, feed token. */
/* Angle brackets: the autoconf header. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/normalize.h"
#include "conf/conf.h"

#define CONFIG_ZONEINFO "/usr/share/zoneinfo"
/* Longest line we accept; inih's own default (200) is too short for a
 * password_command or a list of proposal words. */
#define CONFIG_MAX_LINE 4096
/* A password (or the output of password_command) longer than this is not a
 * password. */
#define CONFIG_SECRET_MAX 65536

extern char **environ;

enum config_section {
	SECTION_NONE, /* before the first [section] */
	SECTION_CRICKETS,
	SECTION_ACCOUNT,
	SECTION_SERVE,
	SECTION_CLAWS,
	SECTION_UNKNOWN, /* warned about once, keys ignored */
};

/* Where each account's keys were, for errors found after parsing. */
struct config_account_lines {
	int section;
	int tls;
};

struct config_parse {
	struct crk_config *config;
	const char *path; /* for messages */
	FILE *file;
	int line;    /* line the reader handed to inih last */
	char *error; /* owned; the first error, "FILE:LINE: ..." */
	int error_line;
	enum config_section section;
	struct crk_account_config *account; /* of the current section */
	struct config_account_lines *lines; /* owned; one per account */
	bool *port_set;                     /* owned; one per account */
};

static const char config_example[] = "[account work]\n"
				     "host = imap.example.com\n"
				     "user = rep@example.com\n"
				     "password_command = pass show mail/work\n"
				     "identities = rep@example.com\n"
				     "internal_domains = example.com\n";

static const char *
config_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home != NULL && *home != '\0')
		return home;
	pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_dir != NULL)
		return pw->pw_dir;
	return "/";
}

/* $XDG_..._HOME when set to an absolute path (as the XDG spec asks), else
 * ~/fallback.  Owned. */
static char *
config_xdg_dir(const char *env, const char *fallback)
{
	const char *dir = getenv(env);

	if (dir != NULL && dir[0] == '/')
		return crk_xstrdup(dir);
	return crk_xasprintf("%s/%s", config_home(), fallback);
}

char *
crk_config_default_path(void)
{
	char *dir = config_xdg_dir("XDG_CONFIG_HOME", ".config");
	char *path = crk_xasprintf("%s/crickets/config", dir);

	free(dir);
	return path;
}

char *
crk_config_expand_path(const char *path)
{
	const char *home;

	if (path == NULL)
		return NULL;
	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return crk_xstrdup(path);
	home = config_home();
	/* "~/x" with HOME=/ must give "/x", not "//x". */
	if (strcmp(home, "/") == 0 && path[1] == '/')
		home = "";
	return crk_xasprintf("%s%s", home, path + 1);
}

static void
config_defaults(struct crk_config *config)
{
	char *data = config_xdg_dir("XDG_DATA_HOME", ".local/share");
	char *conf = config_xdg_dir("XDG_CONFIG_HOME", ".config");

	config->database = crk_xasprintf("%s/crickets/crickets.db", data);
	config->feed_dir = crk_xasprintf("%s/crickets/feed", data);
	config->templates_dir = crk_xasprintf("%s/crickets/templates", conf);
	config->feed_mode = 0600;
	config->draft_hour = 8;
	config->claws.port = CRK_CLAWS_PORT;
	config->claws.drafts = true; /* as the watcher's accounts */
	crk_cadence_default(&config->cadence);
	crk_rules_init_default(&config->rules);
	free(data);
	free(conf);
}

struct crk_config *
crk_config_new(void)
{
	struct crk_config *config = crk_xcalloc(1, sizeof(*config));

	config_defaults(config);
	return config;
}

static void
account_config_clear(struct crk_account_config *account)
{
	free(account->name);
	free(account->host);
	free(account->ca_file);
	free(account->user);
	free(account->password_command);
	free(account->password_file);
	free(account->auth);
	crk_strv_clear(&account->identities);
	crk_strv_clear(&account->internal_domains);
	crk_strv_clear(&account->folders);
	free(account->sent_folder);
	free(account->drafts_folder);
	memset(account, 0, sizeof(*account));
}

void
crk_config_free(struct crk_config **config)
{
	struct crk_config *c = *config;
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->database);
	free(c->feed_dir);
	free(c->templates_dir);
	free(c->timezone);
	crk_rules_clear(&c->rules);
	for (i = 0; i < c->n_accounts; i++)
		account_config_clear(&c->accounts[i]);
	free(c->accounts);
	free(c->serve_listen);
	free(c->serve_token);
	free(c->proposal_words);
	free(c->claws.token);
	free(c);
	*config = NULL;
}

/* ---- parsing helpers ------------------------------------------------- */

static void
config_fail(struct config_parse *p, const char *fmt, ...) CRK_PRINTF(2, 3);

static void
config_fail(struct config_parse *p, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (p->error != NULL)
		return;
	va_start(ap, fmt);
	msg = crk_xvasprintf(fmt, ap);
	va_end(ap);
	p->error = crk_xasprintf("%s:%d: %s", p->path, p->line, msg);
	p->error_line = p->line;
	free(msg);
}

static bool
config_parse_uint(const char *value, unsigned long min, unsigned long max,
    int base, unsigned long *n_r)
{
	char *end;
	unsigned long n;

	if (*value == '\0' || *value == '-' || *value == '+')
		return false;
	errno = 0;
	n = strtoul(value, &end, base);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return false;
	*n_r = n;
	return true;
}

static bool
config_uint_key(struct config_parse *p, const char *name, const char *value,
    unsigned long min, unsigned long max, unsigned *out)
{
	unsigned long n;

	if (!config_parse_uint(value, min, max, 10, &n)) {
		config_fail(p,
		    "%s must be a whole number from %lu to %lu, "
		    "not '%s'",
		    name, min, max, value);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

static bool
config_bool(
    struct config_parse *p, const char *name, const char *value, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(yes); i++) {
		if (crk_strcasecmp(value, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (crk_strcasecmp(value, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	config_fail(p,
	    "%s must be yes or no (or true/false, on/off, 1/0), "
	    "not '%s'",
	    name, value);
	return false;
}

/* Replaces *dst with value (NULL for an empty value when empty_ok). */
static bool
config_string(struct config_parse *p, const char *name, const char *value,
    bool empty_ok, char **dst)
{
	if (*value == '\0' && !empty_ok) {
		config_fail(p, "%s must not be empty", name);
		return false;
	}
	free(*dst);
	*dst = *value == '\0' ? NULL : crk_xstrdup(value);
	return true;
}

/* config_string, with a leading "~/" expanded. */
static bool
config_path(struct config_parse *p, const char *name, const char *value,
    bool empty_ok, char **dst)
{
	char *expanded;

	if (!config_string(p, name, value, empty_ok, dst))
		return false;
	if (*dst != NULL) {
		expanded = crk_config_expand_path(*dst);
		free(*dst);
		*dst = expanded;
	}
	return true;
}

static bool
config_timezone_valid(const char *zone)
{
	struct stat st;
	char *file;
	bool ok;

	/* A zone name is a relative path below the zoneinfo directory; never
	 * let it climb out of it. */
	if (*zone == '\0' || zone[0] == '/' || strstr(zone, "..") != NULL)
		return false;
	file = crk_xasprintf("%s/%s", CONFIG_ZONEINFO, zone);
	ok = stat(file, &st) == 0 && S_ISREG(st.st_mode);
	free(file);
	return ok;
}

/* "127.0.0.1:8765", "[::1]:8765", "localhost:8765" or a bare port. */
static bool
config_listen_valid(const char *value)
{
	const char *colon = strrchr(value, ':');
	unsigned long port;

	if (colon == NULL)
		return config_parse_uint(value, 1, 65535, 10, &port);
	if (colon == value)
		return false;
	if (value[0] == '[' && colon[-1] != ']')
		return false;
	return config_parse_uint(colon + 1, 1, 65535, 10, &port);
}

static bool
config_token_valid(const char *value)
{
	const char *s;

	for (s = value; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
			(*s >= 'A' && *s <= 'Z') || *s == '-' || *s == '_'))
			return false;
	}
	return *value != '\0';
}

static bool
config_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char *bare;
	size_t len = strlen(host);
	bool loop = false;

	if (crk_strcasecmp(host, "localhost") == 0 ||
	    crk_strcasecmp(host, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	bare = host[0] == '[' && len > 2 && host[len - 1] == ']'
	    ? crk_xstrndup(host + 1, len - 2)
	    : crk_xstrdup(host);
	if (inet_pton(AF_INET6, bare, &a6) == 1)
		loop = IN6_IS_ADDR_LOOPBACK(&a6);
	free(bare);
	return loop;
}

/* ---- sections and keys ----------------------------------------------- */

static void
config_begin_section(struct config_parse *p, const char *name)
{
	struct crk_config *c = p->config;
	struct crk_account_config *account;
	size_t i;

	p->account = NULL;
	if (crk_strcasecmp(name, "crickets") == 0) {
		p->section = SECTION_CRICKETS;
		return;
	}
	if (crk_strcasecmp(name, "serve") == 0) {
		p->section = SECTION_SERVE;
		c->serve_enabled = true;
		return;
	}
	if (crk_strcasecmp(name, "claws") == 0) {
		/* the Claws plugin's own settings */
		p->section = SECTION_CLAWS;
		return;
	}
	if (crk_strncasecmp(name, "account", 7) != 0 ||
	    (name[7] != ' ' && name[7] != '\t' && name[7] != '\0')) {
		p->section = SECTION_UNKNOWN;
		crk_warn("%s:%d: unknown section [%s] (ignored)", p->path,
		    p->line, name);
		return;
	}
	p->section = SECTION_ACCOUNT;
	name += 7;
	name += strspn(name, " \t");
	if (*name == '\0') {
		p->section = SECTION_UNKNOWN;
		config_fail(p,
		    "an account section needs a name: "
		    "[account NAME]");
		return;
	}
	for (i = 0; i < c->n_accounts; i++) {
		if (strcmp(c->accounts[i].name, name) == 0) {
			p->section = SECTION_UNKNOWN;
			config_fail(p, "account '%s' is defined twice", name);
			return;
		}
	}
	c->accounts = crk_xreallocarray(
	    c->accounts, c->n_accounts + 1, sizeof(*c->accounts));
	p->lines =
	    crk_xreallocarray(p->lines, c->n_accounts + 1, sizeof(*p->lines));
	p->port_set = crk_xreallocarray(
	    p->port_set, c->n_accounts + 1, sizeof(*p->port_set));
	account = &c->accounts[c->n_accounts];
	memset(account, 0, sizeof(*account));
	account->name = crk_xstrdup(name);
	account->tls = CRK_TLS_IMAPS;
	account->auth = crk_xstrdup("login");
	account->drafts = true;
	p->lines[c->n_accounts].section = p->line;
	p->lines[c->n_accounts].tls = p->line;
	p->port_set[c->n_accounts] = false;
	p->account = account;
	c->n_accounts++;
}

static void
config_warn_key(struct config_parse *p, const char *section, const char *name)
{
	crk_warn("%s:%d: unknown key '%s' in [%s] (ignored)", p->path, p->line,
	    name, section);
}

static void
config_key_crickets(struct config_parse *p, const char *name, const char *value)
{
	struct crk_config *c = p->config;
	char *error = NULL;
	unsigned long n;
	unsigned u;

	if (strcmp(name, "database") == 0) {
		config_path(p, name, value, false, &c->database);
	} else if (strcmp(name, "feed_dir") == 0) {
		config_path(p, name, value, false, &c->feed_dir);
	} else if (strcmp(name, "templates_dir") == 0) {
		config_path(p, name, value, false, &c->templates_dir);
	} else if (strcmp(name, "timezone") == 0) {
		if (*value != '\0' && !config_timezone_valid(value)) {
			config_fail(p,
			    "unknown time zone '%s' (no such zone "
			    "in %s; use a name like Europe/Berlin)",
			    value, CONFIG_ZONEINFO);
			return;
		}
		config_string(p, name, value, true, &c->timezone);
	} else if (strcmp(name, "cadence") == 0) {
		if (crk_cadence_parse_offsets(&c->cadence, value, &error) !=
		    CRK_OK)
			config_fail(p, "cadence: %s", error);
	} else if (strcmp(name, "repeat_every") == 0) {
		if (config_uint_key(p, name, value, 0, 3650, &u))
			c->cadence.repeat_every = (int)u;
	} else if (strcmp(name, "weekend") == 0) {
		if (crk_cadence_parse_weekend(&c->cadence, value, &error) !=
		    CRK_OK)
			config_fail(p, "weekend: %s", error);
	} else if (strcmp(name, "cap") == 0) {
		config_uint_key(p, name, value, 0, 1000, &c->cadence.cap);
	} else if (strcmp(name, "proposal_words") == 0) {
		if (crk_rules_set_words(&c->rules, value, &error) != CRK_OK)
			config_fail(p, "proposal_words: %s", error);
		else
			config_string(p, name, value, true, &c->proposal_words);
	} else if (strcmp(name, "proposal_threshold") == 0) {
		if (config_uint_key(p, name, value, 1, 100000, &u))
			c->rules.threshold = (int)u;
	} else if (strcmp(name, "feed_mode") == 0) {
		/* The feeds carry prospects' names: the owner must be able
		 * to write them, and nothing beyond rwx bits makes sense. */
		if (!config_parse_uint(value, 0, 0777, 8, &n) ||
		    (n & 0600) != 0600) {
			config_fail(p,
			    "feed_mode must be an octal file mode "
			    "like 0600 or 0644 (owner read and write), not "
			    "'%s'",
			    value);
			return;
		}
		c->feed_mode = (unsigned)n;
	} else if (strcmp(name, "draft_hour") == 0) {
		config_uint_key(p, name, value, 0, 23, &c->draft_hour);
	} else {
		config_warn_key(p, "crickets", name);
	}
	free(error);
}

static void
config_key_account(struct config_parse *p, const char *name, const char *value)
{
	struct crk_account_config *a = p->account;
	size_t idx = (size_t)(a - p->config->accounts);
	struct crk_strv parts = {0};
	size_t i;

	if (strcmp(name, "host") == 0) {
		config_string(p, name, value, false, &a->host);
	} else if (strcmp(name, "port") == 0) {
		if (config_uint_key(p, name, value, 1, 65535, &a->port))
			p->port_set[idx] = true;
	} else if (strcmp(name, "tls") == 0) {
		if (crk_strcasecmp(value, "imaps") == 0)
			a->tls = CRK_TLS_IMAPS;
		else if (crk_strcasecmp(value, "starttls") == 0)
			a->tls = CRK_TLS_STARTTLS;
		else if (crk_strcasecmp(value, "none") == 0)
			a->tls = CRK_TLS_NONE;
		else {
			config_fail(p,
			    "tls must be imaps, starttls or none, "
			    "not '%s'",
			    value);
			return;
		}
		p->lines[idx].tls = p->line;
	} else if (strcmp(name, "ca_file") == 0) {
		config_path(p, name, value, true, &a->ca_file);
	} else if (strcmp(name, "user") == 0) {
		config_string(p, name, value, false, &a->user);
	} else if (strcmp(name, "password_command") == 0) {
		config_string(p, name, value, true, &a->password_command);
	} else if (strcmp(name, "password_file") == 0) {
		config_path(p, name, value, true, &a->password_file);
	} else if (strcmp(name, "auth") == 0) {
		if (crk_strcasecmp(value, "login") != 0 &&
		    crk_strcasecmp(value, "plain") != 0) {
			config_fail(
			    p, "auth must be login or plain, not '%s'", value);
			return;
		}
		free(a->auth);
		a->auth = crk_str_lower(crk_xstrdup(value));
	} else if (strcmp(name, "identities") == 0) {
		crk_strv_clear(&a->identities);
		crk_strv_split(&parts, value, ", \t");
		for (i = 0; i < parts.count; i++) {
			char *addr = crk_addr_normalize(parts.items[i]);

			if (addr == NULL) {
				config_fail(p,
				    "identities: '%s' is not an "
				    "e-mail address",
				    parts.items[i]);
				break;
			}
			crk_strv_add_unique(&a->identities, addr);
			free(addr);
		}
	} else if (strcmp(name, "internal_domains") == 0) {
		crk_strv_clear(&a->internal_domains);
		crk_strv_split(&parts, value, ", \t");
		for (i = 0; i < parts.count; i++) {
			char *d = parts.items[i];

			if (*d == '@')
				d++;
			if (*d == '\0' || strchr(d, '@') != NULL ||
			    strchr(d, '.') == NULL) {
				config_fail(p,
				    "internal_domains: '%s' is not "
				    "a domain",
				    parts.items[i]);
				break;
			}
			crk_strv_add_unique(
			    &a->internal_domains, crk_str_lower(d));
		}
	} else if (strcmp(name, "folders") == 0) {
		/* Folder names may contain spaces: split at commas only. */
		crk_strv_clear(&a->folders);
		crk_strv_split(&a->folders, value, ",");
	} else if (strcmp(name, "sent_folder") == 0) {
		config_string(p, name, value, true, &a->sent_folder);
	} else if (strcmp(name, "drafts_folder") == 0) {
		config_string(p, name, value, true, &a->drafts_folder);
	} else if (strcmp(name, "drafts") == 0) {
		config_bool(p, name, value, &a->drafts);
	} else {
		char *section = crk_xasprintf("account %s", a->name);

		config_warn_key(p, section, name);
		free(section);
	}
	crk_strv_clear(&parts);
}

static void
config_key_serve(struct config_parse *p, const char *name, const char *value)
{
	struct crk_config *c = p->config;

	if (strcmp(name, "listen") == 0) {
		if (!config_listen_valid(value)) {
			config_fail(p,
			    "listen must be ADDRESS:PORT (like "
			    "127.0.0.1:8765) with a port from 1 to 65535, "
			    "not '%s'",
			    value);
			return;
		}
		config_string(p, name, value, false, &c->serve_listen);
	} else if (strcmp(name, "token") == 0) {
		/* An empty token is a missing one: crk_config_ensure_token
		 * makes a new one. */
		if (*value != '\0' && !config_token_valid(value)) {
			config_fail(p,
			    "token may only contain letters, digits, "
			    "'-' and '_' (it is part of the feed URL); "
			    "leave it out and crickets makes one");
			return;
		}
		config_string(p, name, value, true, &c->serve_token);
	} else {
		config_warn_key(p, "serve", name);
	}
}

static void
config_key_claws(struct config_parse *p, const char *name, const char *value)
{
	struct crk_config *c = p->config;
	size_t n = strlen(value);

	if (strcmp(name, "serve") == 0) {
		config_bool(p, name, value, &c->claws.serve);
	} else if (strcmp(name, "drafts") == 0) {
		config_bool(p, name, value, &c->claws.drafts);
	} else if (strcmp(name, "port") == 0) {
		config_uint_key(p, name, value, 0, 65535, &c->claws.port);
	} else if (strcmp(name, "token") == 0) {
		/* A path segment of the feed URLs, long enough not to be
		 * guessed (ical/server.c wants 16 at least); empty: made on
		 * first use. */
		if (n > 0 &&
		    (n < 16 || n > 128 || !config_token_valid(value))) {
			config_fail(p,
			    "token must be 16 to 128 letters, digits, '-' "
			    "or '_' (it is part of the feed URL); leave it "
			    "out and crickets makes one");
			return;
		}
		config_string(p, name, value, true, &c->claws.token);
	} else {
		config_warn_key(p, "claws", name);
	}
}

static int
config_handler(
    void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	bool had_error = p->error != NULL;
	/* Keys are case-insensitive: "Host" is host. */
	char *key = crk_str_lower(crk_xstrdup(name));

	(void)section; /* the reader tracks sections, see config_reader */
	name = key;
	switch (p->section) {
	case SECTION_NONE:
		config_fail(p,
		    "'%s' is outside any section; put it under "
		    "[crickets], [account NAME] or [serve]",
		    name);
		break;
	case SECTION_CRICKETS: config_key_crickets(p, name, value); break;
	case SECTION_ACCOUNT:
		if (p->account != NULL)
			config_key_account(p, name, value);
		break;
	case SECTION_SERVE: config_key_serve(p, name, value); break;
	case SECTION_CLAWS: config_key_claws(p, name, value); break;
	case SECTION_UNKNOWN: break;
	}
	free(key);
	/* inih reports the line of the first handler failure; only fail the
	 * line that set our first error. */
	return !had_error && p->error != NULL ? 0 : 1;
}

/* inih's line reader.  Counting lines here gives every message its line
 * number, and seeing section headers here (inih only reports keys) lets an
 * empty [serve] or [account x] count. */
static char *
config_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	char *line = NULL, *s, *end;
	size_t alloc = 0;
	ssize_t len;

	len = getline(&line, &alloc, p->file);
	if (len < 0) {
		free(line);
		return NULL;
	}
	p->line++;
	if ((size_t)len + 2 > (size_t)num) {
		config_fail(
		    p, "line too long (at most %d characters)", num - 3);
		strcpy(str, "\n");
		free(line);
		return str;
	}
	memcpy(str, line, (size_t)len + 1);
	s = line;
	if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	s += strspn(s, " \t");
	if (*s == '[' && (end = strchr(s, ']')) != NULL) {
		*end = '\0';
		config_begin_section(p, s + 1);
	}
	free(line);
	return str;
}

/* Cross-key checks once the whole file is read. */
static void
config_finish(struct config_parse *p)
{
	struct crk_config *c = p->config;
	size_t i, j;

	for (i = 0; i < c->n_accounts && p->error == NULL; i++) {
		struct crk_account_config *a = &c->accounts[i];

		p->line = p->lines[i].section;
		if (a->host == NULL) {
			config_fail(p, "account '%s' has no host", a->name);
			break;
		}
		if (a->user == NULL) {
			config_fail(p, "account '%s' has no user", a->name);
			break;
		}
		if (a->password_command != NULL && a->password_file != NULL) {
			config_fail(p,
			    "account '%s': set password_command or "
			    "password_file, not both",
			    a->name);
			break;
		}
		if (a->tls == CRK_TLS_NONE && !config_is_loopback(a->host)) {
			p->line = p->lines[i].tls;
			config_fail(p,
			    "account '%s': tls = none would send "
			    "the password unencrypted to '%s'; it is only "
			    "allowed for a loopback host (localhost, "
			    "127.0.0.1, ::1); use imaps or starttls",
			    a->name, a->host);
			break;
		}
		if (!p->port_set[i])
			a->port = a->tls == CRK_TLS_IMAPS ? 993 : 143;
		if (a->identities.count == 0) {
			char *addr = crk_addr_normalize(a->user);

			if (addr != NULL)
				crk_strv_add_owned(&a->identities, addr);
		}
		for (j = 0; j < a->identities.count; j++)
			crk_strv_add_unique(
			    &c->rules.identities, a->identities.items[j]);
		for (j = 0; j < a->internal_domains.count; j++)
			crk_strv_add_unique(&c->rules.internal_domains,
			    a->internal_domains.items[j]);
	}
}

static enum crk_status
config_parse_file(
    struct crk_config *config, FILE *file, const char *path, char **error_r)
{
	struct config_parse p;
	enum crk_status status = CRK_OK;
	int ret;

	memset(&p, 0, sizeof(p));
	p.config = config;
	p.path = path;
	p.file = file;
	p.section = SECTION_NONE;
	/* Debian's inih has run-time knobs.  Continuation lines would turn
	 * an indented "port = 993" into part of the previous value. */
	ini_allow_multiline = false;
	ini_max_line = CONFIG_MAX_LINE;
	ret = ini_parse_stream(config_reader, &p, config_handler, &p);
	if (ret == -2) {
		crk_oom();
	} else if (ret > 0 && (p.error == NULL || ret < p.error_line)) {
		crk_error_set(error_r,
		    "%s:%d: syntax error: expected "
		    "'key = value', '[section]' or a comment",
		    path, ret);
		status = CRK_E_INVAL;
		goto out;
	}
	if (p.error == NULL)
		config_finish(&p);
	if (p.error != NULL) {
		crk_error_set(error_r, "%s", p.error);
		status = CRK_E_INVAL;
		goto out;
	}
	if (ferror(file)) {
		crk_error_set(
		    error_r, "cannot read %s: %s", path, strerror(errno));
		status = CRK_E_IO;
		goto out;
	}
out:
	free(p.error);
	free(p.lines);
	free(p.port_set);
	return status;
}

enum crk_status
crk_config_load(const char *path, bool allow_missing,
    struct crk_config **config_r, char **error_r)
{
	struct crk_config *config = NULL;
	char *default_path = NULL;
	FILE *file = NULL;
	struct stat st;
	enum crk_status status = CRK_OK;

	*config_r = NULL;
	config = crk_xcalloc(1, sizeof(*config));
	config_defaults(config);
	if (path == NULL)
		path = default_path = crk_config_default_path();
	else
		allow_missing = false;
	file = fopen(path, "re");
	if (file == NULL && errno == ENOENT) {
		if (allow_missing)
			goto done;
		crk_error_set(error_r,
		    "no config file at %s\n"
		    "Create it with at least one account, for example:\n\n%s",
		    path, config_example);
		status = CRK_E_NOTFOUND;
		goto out;
	}
	if (file == NULL) {
		crk_error_set(
		    error_r, "cannot open %s: %s", path, strerror(errno));
		status = CRK_E_IO;
		goto out;
	}
	if (fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) {
		crk_error_set(error_r, "%s is not a regular file", path);
		status = CRK_E_IO;
		goto out;
	}
	config->path = crk_xstrdup(path);
	status = config_parse_file(config, file, path, error_r);
	if (status != CRK_OK)
		goto out;
done:
	*config_r = config;
	config = NULL;
out:
	if (file != NULL)
		fclose(file);
	free(default_path);
	crk_config_free(&config);
	return status;
}

/* ---- passwords --------------------------------------------------------- */

void
crk_config_password_free(char **password)
{
	if (*password == NULL)
		return;
	explicit_bzero(*password, strlen(*password));
	free(*password);
	*password = NULL;
}

/* The first line of buf (len bytes) without its CR/LF, or NULL when it is
 * empty.  Owned. */
static char *
config_first_line(const char *buf, size_t len)
{
	size_t n = 0;
	char *line;

	while (n < len && buf[n] != '\n' && buf[n] != '\r' && buf[n] != '\0')
		n++;
	if (n == 0)
		return NULL;
	line = crk_xmalloc(n + 1);
	memcpy(line, buf, n);
	line[n] = '\0';
	return line;
}

/* Reads fd to EOF into a buffer of CONFIG_SECRET_MAX bytes; more is read
 * and thrown away, so a writer never blocks on a full pipe. */
static enum crk_status
config_read_secret(int fd, char *buf, size_t *len_r, bool *too_long_r)
{
	char sink[512];
	size_t len = 0;
	ssize_t n;

	*too_long_r = false;
	for (;;) {
		if (len < CONFIG_SECRET_MAX)
			n = read(fd, buf + len, CONFIG_SECRET_MAX - len);
		else
			n = read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return CRK_E_IO;
		if (n == 0)
			break;
		if (len < CONFIG_SECRET_MAX)
			len += (size_t)n;
		else
			*too_long_r = true;
	}
	explicit_bzero(sink, sizeof(sink));
	*len_r = len;
	return CRK_OK;
}

static enum crk_status
config_password_command(
    const struct crk_account_config *account, char **password_r, char **error_r)
{
	posix_spawn_file_actions_t actions;
	char *argv[4];
	char *buf = NULL;
	int fds[2] = {-1, -1};
	size_t len = 0;
	bool too_long = false, actions_init = false;
	pid_t pid = -1;
	int err, wstatus;
	enum crk_status status = CRK_OK;

	buf = crk_xmalloc(CONFIG_SECRET_MAX);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		crk_error_set(
		    error_r, "cannot create a pipe: %s", strerror(errno));
		status = CRK_E_IO;
		goto out;
	}
	/* stdin and stderr stay the caller's, so pass/gpg can ask for a
	 * passphrase; the password only ever travels through the pipe. */
	if (posix_spawn_file_actions_init(&actions) != 0)
		crk_oom();
	actions_init = true;
	if (posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO) !=
	    0)
		crk_oom();
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = account->password_command;
	argv[3] = NULL;
	err = posix_spawn(&pid, "/bin/sh", &actions, NULL, argv, environ);
	if (err != 0) {
		pid = -1;
		crk_error_set(error_r,
		    "account '%s': cannot run "
		    "password_command: %s",
		    account->name, strerror(err));
		status = CRK_E_IO;
		goto out;
	}
	close(fds[1]);
	fds[1] = -1;
	status = config_read_secret(fds[0], buf, &len, &too_long);
	close(fds[0]);
	fds[0] = -1;
	while (waitpid(pid, &wstatus, 0) < 0) {
		if (errno != EINTR) {
			crk_error_set(error_r,
			    "account '%s': waiting for "
			    "password_command: %s",
			    account->name, strerror(errno));
			status = CRK_E_IO;
			pid = -1;
			goto out;
		}
	}
	pid = -1;
	if (status != CRK_OK) {
		crk_error_set(error_r,
		    "account '%s': cannot read the output "
		    "of password_command",
		    account->name);
		goto out;
	}
	if (WIFSIGNALED(wstatus)) {
		crk_error_set(error_r,
		    "account '%s': password_command was "
		    "killed by signal %d",
		    account->name, WTERMSIG(wstatus));
		status = CRK_E_AUTH;
		goto out;
	}
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		crk_error_set(error_r,
		    "account '%s': password_command failed "
		    "(exit status %d)",
		    account->name,
		    WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
		status = CRK_E_AUTH;
		goto out;
	}
	if (too_long) {
		crk_error_set(error_r,
		    "account '%s': password_command printed "
		    "more than %d bytes",
		    account->name, CONFIG_SECRET_MAX);
		status = CRK_E_AUTH;
		goto out;
	}
	*password_r = config_first_line(buf, len);
	if (*password_r == NULL) {
		crk_error_set(error_r,
		    "account '%s': password_command printed "
		    "no password",
		    account->name);
		status = CRK_E_AUTH;
		goto out;
	}
out:
	if (actions_init)
		posix_spawn_file_actions_destroy(&actions);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	explicit_bzero(buf, CONFIG_SECRET_MAX);
	free(buf);
	return status;
}

static enum crk_status
config_password_file(
    const struct crk_account_config *account, char **password_r, char **error_r)
{
	const char *path = account->password_file;
	char *buf = NULL;
	struct stat st;
	size_t len = 0;
	bool too_long = false;
	int fd;
	enum crk_status status = CRK_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		crk_error_set(error_r,
		    "account '%s': cannot open password_file "
		    "%s: %s",
		    account->name, path, strerror(errno));
		return CRK_E_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		crk_error_set(error_r,
		    "account '%s': password_file %s is not "
		    "a regular file",
		    account->name, path);
		status = CRK_E_INVAL;
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		crk_error_set(error_r,
		    "account '%s': password_file %s can be "
		    "read or changed by other users (mode %04o); run: "
		    "chmod 600 %s",
		    account->name, path, (unsigned)(st.st_mode & 07777), path);
		status = CRK_E_INVAL;
		goto out;
	}
	buf = crk_xmalloc(CONFIG_SECRET_MAX);
	if (config_read_secret(fd, buf, &len, &too_long) != CRK_OK) {
		crk_error_set(error_r,
		    "account '%s': cannot read "
		    "password_file %s: %s",
		    account->name, path, strerror(errno));
		status = CRK_E_IO;
		goto out;
	}
	*password_r = too_long ? NULL : config_first_line(buf, len);
	if (*password_r == NULL) {
		crk_error_set(error_r,
		    "account '%s': password_file %s has no "
		    "password on its first line",
		    account->name, path);
		status = CRK_E_INVAL;
		goto out;
	}
out:
	if (buf != NULL) {
		explicit_bzero(buf, CONFIG_SECRET_MAX);
		free(buf);
	}
	close(fd);
	return status;
}

enum crk_status
crk_config_password(
    const struct crk_account_config *account, char **password_r, char **error_r)
{
	*password_r = NULL;
	if (account->password_command != NULL)
		return config_password_command(account, password_r, error_r);
	if (account->password_file != NULL)
		return config_password_file(account, password_r, error_r);
	crk_error_set(error_r,
	    "account '%s' has neither password_command "
	    "nor password_file",
	    account->name);
	return CRK_E_INVAL;
}

/* ---- the feed token ---------------------------------------------------- */

static bool
config_write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

/* Writes path atomically: temp file in the same directory, checked with
 * crk_config_load, fsync, rename, then fsync of the directory, so a crash
 * leaves the old or the new file. */
static enum crk_status
config_replace_file(
    const char *path, const char *data, size_t len, mode_t mode, char **error_r)
{
	char *tmp = NULL, *dir = NULL, *slash;
	struct crk_config *check = NULL;
	int fd = -1, dirfd;
	enum crk_status status = CRK_OK;

	tmp = crk_xasprintf("%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		crk_error_set(error_r, "cannot create a file next to %s: %s",
		    path, strerror(errno));
		status = CRK_E_IO;
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, mode) != 0 || !config_write_all(fd, data, len) ||
	    fsync(fd) != 0) {
		crk_error_set(
		    error_r, "cannot write %s: %s", tmp, strerror(errno));
		status = CRK_E_IO;
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		crk_error_set(
		    error_r, "cannot write %s: %s", tmp, strerror(errno));
		status = CRK_E_IO;
		goto out;
	}
	fd = -1;
	/* the file as the watcher and the plugin will read it: a bad value
	 * never replaces a good file */
	if ((status = crk_config_load(tmp, false, &check, error_r)) != CRK_OK)
		goto out;
	if (rename(tmp, path) != 0) {
		crk_error_set(
		    error_r, "cannot replace %s: %s", path, strerror(errno));
		status = CRK_E_IO;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	dir = crk_xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0) {
		(void)fsync(dirfd);
		close(dirfd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	crk_config_free(&check);
	free(dir);
	return status;
}

/* The name of a "[name]" line at buf (trimmed), or NULL.  Owned. */
static char *
config_line_section(const char *line, size_t len)
{
	const char *end = line + len, *rb;

	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	if (line == end || *line != '[')
		return NULL;
	rb = memchr(line, ']', (size_t)(end - line));
	if (rb == NULL)
		return NULL;
	return crk_str_trim(crk_xstrndup(line + 1, (size_t)(rb - line - 1)));
}

static bool
config_line_is_content(const char *line, size_t len)
{
	size_t i = 0;

	while (
	    i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	return i < len && line[i] != ';' && line[i] != '#';
}

/* The key of a "key = value" line (trimmed), or NULL.  Owned. */
static char *
config_line_key(const char *line, size_t len)
{
	const char *end = line + len, *eq;

	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	if (line == end || *line == ';' || *line == '#' || *line == '[' ||
	    (eq = memchr(line, '=', (size_t)(end - line))) == NULL)
		return NULL;
	return crk_str_trim(crk_xstrndup(line, (size_t)(eq - line)));
}

/* Writes the settings of section not written yet, and marks them done. */
static void
config_write_missing(FILE *out, const struct crk_config_setting *set, size_t n,
    const char *section, const char *eol, bool *done)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (done[i] || crk_strcasecmp(set[i].section, section) != 0)
			continue;
		if (set[i].value != NULL)
			fprintf(
			    out, "%s = %s%s", set[i].key, set[i].value, eol);
		done[i] = true;
	}
}

/* The file's text with the settings applied: a key's first line in its
 * section is replaced in place, later ones are dropped, a new key goes
 * after the last key of its section (before the blank lines and comments
 * that lead into the next one), a missing section is appended.  Every
 * other byte stays, CRLF line ends and a BOM included.  Owned. */
static char *
config_set_keys(const char *text, size_t len,
    const struct crk_config_setting *set, size_t n, size_t *len_r)
{
	bool *done = crk_xcalloc(n + 1, sizeof(*done));
	char *section = NULL, *out_text = NULL;
	const char *eol = "\n";
	size_t pos = 0, pending = 0, i, j, out_len = 0;
	bool ends_with_eol = true;
	FILE *out = open_memstream(&out_text, &out_len);

	if (out == NULL)
		crk_oom();
	/* pending: where the run of blank and comment lines after the
	 * section's last key starts; they are written after its new keys */
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl != NULL ? (size_t)(nl - line) : len - pos;
		size_t next = pos + line_len + (nl != NULL ? 1 : 0);
		size_t skip = pos == 0 && line_len >= 3 &&
			memcmp(line, "\xEF\xBB\xBF", 3) == 0
		    ? 3
		    : 0;
		bool crlf = line_len > 0 && line[line_len - 1] == '\r';
		char *name = config_line_section(line + skip, line_len - skip);
		char *key = NULL;
		bool drop = false;

		if (name != NULL) {
			if (section != NULL)
				config_write_missing(
				    out, set, n, section, eol, done);
			fwrite(text + pending, 1, pos - pending, out);
			free(section);
			section = name;
			eol = crlf ? "\r\n" : "\n";
			fwrite(line, 1, next - pos, out);
			ends_with_eol = nl != NULL;
			pending = next;
		} else if (section == NULL ||
		    !config_line_is_content(line, line_len)) {
			/* before any section, or blank or comment: later */
			if (section == NULL) {
				fwrite(line, 1, next - pos, out);
				pending = next;
			}
		} else {
			fwrite(text + pending, 1, pos - pending, out);
			key = config_line_key(line, line_len);
			for (i = 0; key != NULL && i < n; i++) {
				if (strcmp(key, set[i].key) != 0 ||
				    crk_strcasecmp(section, set[i].section) !=
					0)
					continue;
				if (!done[i] && set[i].value != NULL)
					fprintf(out, "%s = %s%s", set[i].key,
					    set[i].value, crlf ? "\r\n" : "\n");
				done[i] = true;
				drop = true;
				break;
			}
			free(key);
			if (!drop)
				fwrite(line, 1, next - pos, out);
			ends_with_eol = drop || nl != NULL;
			pending = next;
		}
		pos = next;
	}
	if (section != NULL) {
		/* a key to add after a last line that has no line end */
		for (i = 0; i < n && !ends_with_eol; i++)
			if (!done[i] && set[i].value != NULL &&
			    crk_strcasecmp(set[i].section, section) == 0) {
				fputs(eol, out);
				ends_with_eol = true;
			}
		config_write_missing(out, set, n, section, eol, done);
	}
	fwrite(text + pending, 1, len - pending, out);
	/* the sections the file lacks, in the order of the settings */
	for (i = 0; i < n; i++) {
		bool any = false;

		if (done[i])
			continue;
		for (j = i; j < n && !any; j++)
			any = !done[j] && set[j].value != NULL &&
			    crk_strcasecmp(set[j].section, set[i].section) == 0;
		if (any) {
			long at = ftell(out);

			fflush(out);
			fprintf(out, "%s%s[%s]\n",
			    at > 0 && out_text[at - 1] != '\n' ? "\n" : "",
			    at > 0 ? "\n" : "", set[i].section);
		}
		config_write_missing(out, set, n, set[i].section, "\n", done);
	}
	if (fclose(out) != 0)
		crk_oom();
	free(section);
	free(done);
	*len_r = out_len;
	return out_text;
}

enum crk_status
crk_config_save(const char *path, const struct crk_config_setting *set,
    size_t n, char **error_r)
{
	char real[PATH_MAX], *text = NULL, *new_text = NULL, *target = NULL;
	struct stat st;
	size_t len = 0, new_len = 0;
	mode_t mode = 0600;
	enum crk_status status;

	/* Replace the file a symlink points to, not the symlink.  Into a
	 * buffer: with NULL, realpath failed with EINVAL in Claws under ASan
	 * (the interceptor reached the old realpath@GLIBC_2.2.5, which
	 * wants one). */
	if (realpath(path, real) != NULL) {
		target = crk_xstrdup(real);
		text = crk_read_file(target, 0, &st, &len, error_r);
		if (text == NULL) {
			crk_error_prefix(error_r, "cannot read %s", target);
			status = CRK_E_IO;
			goto out;
		}
		mode = st.st_mode & 07777;
	} else if (errno == ENOENT) {
		target = crk_xstrdup(path);
		if ((status = crk_mkdir_parent(target, error_r)) != CRK_OK)
			goto out;
		text = crk_xstrdup("");
	} else {
		crk_error_set(
		    error_r, "cannot open %s: %s", path, strerror(errno));
		status = CRK_E_IO;
		goto out;
	}
	new_text = config_set_keys(text, len, set, n, &new_len);
	status = config_replace_file(target, new_text, new_len, mode, error_r);
out:
	free(target);
	free(text);
	free(new_text);
	return status;
}

enum crk_status
crk_config_new_token(
    const char *path, const char *section, char **token_r, char **error_r)
{
	unsigned char raw[16];
	char token[sizeof(raw) * 2 + 1];
	const struct crk_config_setting set = {section, "token", token};
	size_t got = 0, i;
	ssize_t n;
	enum crk_status status;

	*token_r = NULL;
	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			crk_error_set(error_r, "cannot get random bytes: %s",
			    strerror(errno));
			return CRK_E_IO;
		}
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	/* saved first: the URL a rep subscribes to must survive a restart */
	status = crk_config_save(path, &set, 1, error_r);
	if (status == CRK_OK)
		*token_r = crk_xstrdup(token);
	return status;
}

enum crk_status
crk_config_ensure_token(struct crk_config *config, char **error_r)
{
	char *path, *token = NULL;
	enum crk_status status;

	if (config->serve_token != NULL && *config->serve_token != '\0')
		return CRK_OK;
	path = config->path != NULL ? crk_xstrdup(config->path)
				    : crk_config_default_path();
	status = crk_config_new_token(path, "serve", &token, error_r);
	if (status == CRK_OK) {
		free(config->serve_token);
		config->serve_token = token;
		config->serve_enabled = true;
		if (config->path == NULL)
			config->path = crk_xstrdup(path);
	}
	free(path);
	return status;
}
