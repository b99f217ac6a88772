/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Config tests: defaults, keys, line-numbered errors, passwords, token. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/check_common.h"
#include "conf/conf.h"

static char *tmp;

static void
setup(void)
{
	tmp = crk_test_tmpdir();
	setenv("HOME", tmp, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");
}

static void
teardown(void)
{
	crk_test_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

static char *
tmp_path(const char *name)
{
	return crk_xasprintf("%s/%s", tmp, name);
}

/* Writes text to $tmp/config and loads it. */
static enum crk_status
load_text(const char *text, struct crk_config **config_r, char **error_r)
{
	char *path = tmp_path("config");
	enum crk_status st;

	crk_test_write_file(path, text);
	st = crk_config_load(path, false, config_r, error_r);
	free(path);
	return st;
}

static struct crk_config *
load_ok(const char *text)
{
	struct crk_config *config = NULL;
	char *error = NULL;
	enum crk_status st = load_text(text, &config, &error);

	ck_assert_msg(
	    st == CRK_OK, "load failed: %s", error != NULL ? error : "?");
	ck_assert_ptr_nonnull(config);
	free(error);
	return config;
}

#define ACCOUNT                                                                \
	"[account work]\nhost = imap.example.com\n"                            \
	"user = rep@example.com\n"

START_TEST(test_missing_default_config_gives_defaults)
{
	struct crk_config *config = NULL;
	char *error = NULL, *want;

	ck_assert_int_eq(crk_config_load(NULL, true, &config, &error), CRK_OK);
	ck_assert_ptr_null(config->path);
	want = crk_xasprintf("%s/.local/share/crickets/crickets.db", tmp);
	ck_assert_str_eq(config->database, want);
	free(want);
	want = crk_xasprintf("%s/.local/share/crickets/feed", tmp);
	ck_assert_str_eq(config->feed_dir, want);
	free(want);
	want = crk_xasprintf("%s/.config/crickets/templates", tmp);
	ck_assert_str_eq(config->templates_dir, want);
	free(want);
	ck_assert_ptr_null(config->timezone);
	ck_assert_uint_eq(config->feed_mode, 0600);
	ck_assert_uint_eq(config->draft_hour, 8);
	ck_assert_uint_eq(config->n_accounts, 0);
	ck_assert(!config->serve_enabled);
	ck_assert_uint_eq(config->cadence.n_offsets, 6);
	ck_assert_int_eq(config->cadence.offsets[5], 58);
	ck_assert_int_eq(config->cadence.repeat_every, 30);
	ck_assert_int_eq(config->rules.threshold, CRK_THRESHOLD_DEFAULT);
	ck_assert_uint_gt(config->rules.n_words, 0);
	ck_assert(!config->claws.serve);
	ck_assert_uint_eq(config->claws.port, CRK_CLAWS_PORT);
	ck_assert_ptr_null(config->claws.token);
	ck_assert(config->claws.drafts);
	crk_config_free(&config);
	ck_assert_ptr_null(config);
}
END_TEST

START_TEST(test_xdg_directories_are_respected)
{
	struct crk_config *config = NULL;
	char *path, *want;

	setenv("XDG_DATA_HOME", "/srv/data", 1);
	setenv("XDG_CONFIG_HOME", "/srv/conf", 1);
	path = crk_config_default_path();
	ck_assert_str_eq(path, "/srv/conf/crickets/config");
	free(path);
	ck_assert_int_eq(crk_config_load(NULL, true, &config, NULL), CRK_OK);
	ck_assert_str_eq(config->database, "/srv/data/crickets/crickets.db");
	ck_assert_str_eq(config->templates_dir, "/srv/conf/crickets/templates");
	crk_config_free(&config);

	/* A relative XDG value is invalid per the spec and ignored. */
	setenv("XDG_DATA_HOME", "relative", 1);
	ck_assert_int_eq(crk_config_load(NULL, true, &config, NULL), CRK_OK);
	want = crk_xasprintf("%s/.local/share/crickets/crickets.db", tmp);
	ck_assert_str_eq(config->database, want);
	free(want);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_missing_config_names_the_path_and_shows_an_example)
{
	struct crk_config *config = NULL;
	char *error = NULL, *path;

	ck_assert_int_eq(
	    crk_config_load(NULL, false, &config, &error), CRK_E_NOTFOUND);
	ck_assert_ptr_null(config);
	path = crk_xasprintf("%s/.config/crickets/config", tmp);
	ck_assert_ptr_nonnull(strstr(error, path));
	ck_assert_ptr_nonnull(strstr(error, "[account work]"));
	ck_assert_ptr_nonnull(strstr(error, "host = "));
	free(path);
	free(error);
}
END_TEST

START_TEST(test_missing_explicit_path_is_an_error_even_when_allowed)
{
	struct crk_config *config = NULL;
	char *error = NULL, *path = tmp_path("nope.ini");

	ck_assert_int_eq(
	    crk_config_load(path, true, &config, &error), CRK_E_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(error, path));
	free(path);
	free(error);
}
END_TEST

START_TEST(test_every_key_is_read)
{
	struct crk_config *config =
	    load_ok("; a comment\n"
		    "# another\n"
		    "[crickets]\n"
		    "database = /var/db/c.db\n"
		    "feed_dir = /var/feed ; inline comment\n"
		    "templates_dir = /var/tpl\n"
		    "timezone = Europe/Berlin\n"
		    "cadence = 2, 5, 9\n"
		    "repeat_every = 21\n"
		    "weekend = fri,sat\n"
		    "cap = 7\n"
		    "proposal_words = widget:20, gizmo\n"
		    "proposal_threshold = 15\n"
		    "feed_mode = 0644\n"
		    "draft_hour = 17\n"
		    "\n"
		    "[account work]\n"
		    "host = imap.example.com\n"
		    "port = 1993\n"
		    "tls = starttls\n"
		    "ca_file = /etc/ca.pem\n"
		    "user = rep@example.com\n"
		    "password_command = pass show mail/work\n"
		    "auth = PLAIN\n"
		    "identities = Rep@Example.com, r.smith@example.com\n"
		    "internal_domains = Example.com, @corp.example.org\n"
		    "folders = INBOX, Sent Items, Archive\n"
		    "sent_folder = Sent Items\n"
		    "drafts_folder = Entw\xC3\xBCrfe\n"
		    "drafts = no\n"
		    "\n"
		    "[serve]\n"
		    "listen = 127.0.0.1:8765\n"
		    "token = abcdef0123456789\n"
		    "\n"
		    "[claws]\n"
		    "serve = yes\n"
		    "port = 0\n"
		    "token = 0123456789abcdef-_\n"
		    "drafts = no\n");
	struct crk_account_config *a;

	ck_assert_str_eq(config->database, "/var/db/c.db");
	ck_assert_str_eq(config->feed_dir, "/var/feed");
	ck_assert_str_eq(config->templates_dir, "/var/tpl");
	ck_assert_str_eq(config->timezone, "Europe/Berlin");
	ck_assert_uint_eq(config->cadence.n_offsets, 3);
	ck_assert_int_eq(config->cadence.offsets[2], 9);
	ck_assert_int_eq(config->cadence.repeat_every, 21);
	ck_assert_uint_eq(config->cadence.weekend, (1u << 5) | (1u << 6));
	ck_assert_uint_eq(config->cadence.cap, 7);
	ck_assert_int_eq(config->rules.threshold, 15);
	ck_assert_uint_eq(config->rules.n_words, 2);
	ck_assert_uint_eq(config->feed_mode, 0644);
	ck_assert_uint_eq(config->draft_hour, 17);
	ck_assert_uint_eq(config->n_accounts, 1);
	a = &config->accounts[0];
	ck_assert_str_eq(a->name, "work");
	ck_assert_str_eq(a->host, "imap.example.com");
	ck_assert_uint_eq(a->port, 1993);
	ck_assert_int_eq(a->tls, CRK_TLS_STARTTLS);
	ck_assert_str_eq(a->ca_file, "/etc/ca.pem");
	ck_assert_str_eq(a->user, "rep@example.com");
	ck_assert_str_eq(a->password_command, "pass show mail/work");
	ck_assert_ptr_null(a->password_file);
	ck_assert_str_eq(a->auth, "plain");
	ck_assert_uint_eq(a->identities.count, 2);
	ck_assert_str_eq(a->identities.items[0], "rep@example.com");
	ck_assert_str_eq(a->identities.items[1], "r.smith@example.com");
	ck_assert_uint_eq(a->internal_domains.count, 2);
	ck_assert_str_eq(a->internal_domains.items[0], "example.com");
	ck_assert_str_eq(a->internal_domains.items[1], "corp.example.org");
	ck_assert_uint_eq(a->folders.count, 3);
	ck_assert_str_eq(a->folders.items[1], "Sent Items");
	ck_assert_str_eq(a->sent_folder, "Sent Items");
	ck_assert_str_eq(a->drafts_folder, "Entw\xC3\xBCrfe");
	ck_assert(!a->drafts);
	ck_assert(config->serve_enabled);
	ck_assert_str_eq(config->serve_listen, "127.0.0.1:8765");
	ck_assert_str_eq(config->serve_token, "abcdef0123456789");
	ck_assert_str_eq(config->proposal_words, "widget:20, gizmo");
	ck_assert(config->claws.serve);
	ck_assert_uint_eq(config->claws.port, 0);
	ck_assert_str_eq(config->claws.token, "0123456789abcdef-_");
	ck_assert(!config->claws.drafts);
	ck_assert_ptr_nonnull(config->path);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_tilde_expands_to_home)
{
	struct crk_config *config =
	    load_ok("[crickets]\n"
		    "database = ~/db/crickets.db\n"
		    "feed_dir = ~\n" ACCOUNT "password_file = ~/.secret\n"
		    "ca_file = ~other/ca.pem\n");
	char *want;

	want = crk_xasprintf("%s/db/crickets.db", tmp);
	ck_assert_str_eq(config->database, want);
	free(want);
	ck_assert_str_eq(config->feed_dir, tmp);
	want = crk_xasprintf("%s/.secret", tmp);
	ck_assert_str_eq(config->accounts[0].password_file, want);
	free(want);
	/* ~user is not expanded */
	ck_assert_str_eq(config->accounts[0].ca_file, "~other/ca.pem");
	crk_config_free(&config);
}
END_TEST

static const struct {
	const char *text;
	int line;
	const char *message;
} bad_values[] = {
    {ACCOUNT "port = 0\n", 4,
	"port must be a whole number from 1 to "
	"65535"},
    {ACCOUNT "port = 70000\n", 4, "not '70000'"},
    {ACCOUNT "port = 99x\n", 4, "port"},
    {ACCOUNT "tls = ssl\n", 4, "tls must be imaps, starttls or none"},
    {ACCOUNT "drafts = maybe\n", 4, "drafts must be yes or no"},
    {ACCOUNT "auth = cram-md5\n", 4, "auth must be login or plain"},
    {ACCOUNT "identities = rep@example.com, nobody\n", 4,
	"'nobody' is not an e-mail address"},
    {ACCOUNT "internal_domains = localhost\n", 4, "not a domain"},
    {ACCOUNT "host =\n", 4, "host must not be empty"},
    {"[account a]\nuser = u\n", 1, "account 'a' has no host"},
    {"[crickets]\n\ndraft_hour = 24\n", 3, "draft_hour"},
    {"[crickets]\nfeed_mode = 0999\n", 2, "feed_mode must be an octal"},
    {"[crickets]\nfeed_mode = 0400\n", 2, "owner read and write"},
    {"[crickets]\ncadence = 3,1\n", 2, "cadence: "},
    {"[crickets]\nweekend = someday\n", 2, "weekend: "},
    {"[crickets]\nrepeat_every = -1\n", 2, "repeat_every"},
    {"[crickets]\nproposal_threshold = 0\n", 2, "proposal_threshold"},
    {"[crickets]\ntimezone = Mars/Olympus_Mons\n", 2,
	"unknown time zone 'Mars/Olympus_Mons'"},
    {"[crickets]\ntimezone = ../../etc/passwd\n", 2, "unknown time zone"},
    {"[crickets]\ndatabase =\n", 2, "database must not be empty"},
    {"database = /x\n", 1, "outside any section"},
    {"[serve]\nlisten = 127.0.0.1:http\n", 2, "listen must be"},
    {"[serve]\nlisten = 127.0.0.1:0\n", 2, "listen must be"},
    {"[serve]\ntoken = a/b\n", 2, "token may only contain"},
    {"[claws]\nserve = maybe\n", 2, "serve must be yes or no"},
    {"[claws]\nport = 65536\n", 2, "port must be"},
    {"[claws]\ntoken = abc\n", 2, "token must be 16 to 128"},
    {"[claws]\ntoken = 0123456789abcdef/x\n", 2, "token must be"},
    {"[crickets]\n\nthis line is garbage\n", 3, "syntax error"},
    {"[crickets\ncap = 1\n", 1, "syntax error"},
    {"[account]\nhost = x\n", 1, "needs a name"},
    {ACCOUNT "\n" ACCOUNT, 5, "account 'work' is defined twice"},
    {"[account a]\nhost = h\n", 1, "account 'a' has no user"},
    {ACCOUNT "password_file = /x\npassword_command = y\n", 1, "not both"},
    {"[crickets]\ncap = 1\ncap = x\ndraft_hour = 99\n", 3, "cap"},
};

START_TEST(test_bad_values_are_refused_with_file_and_line)
{
	struct crk_config *config = NULL;
	char *error = NULL, *prefix;

	ck_assert_int_eq(
	    load_text(bad_values[_i].text, &config, &error), CRK_E_INVAL);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(error);
	prefix = crk_xasprintf("%s/config:%d: ", tmp, bad_values[_i].line);
	ck_assert_msg(strncmp(error, prefix, strlen(prefix)) == 0,
	    "case %d: '%s' does not start with '%s'", _i, error, prefix);
	ck_assert_msg(strstr(error, bad_values[_i].message) != NULL,
	    "case %d: '%s' lacks '%s'", _i, error, bad_values[_i].message);
	free(prefix);
	free(error);
}
END_TEST

static const struct {
	const char *value;
	bool want;
} booleans[] = {
    {"yes", true},
    {"no", false},
    {"true", true},
    {"FALSE", false},
    {"on", true},
    {"off", false},
    {"1", true},
    {"0", false},
};

START_TEST(test_booleans_accept_the_usual_spellings)
{
	char *text = crk_xasprintf(ACCOUNT "drafts = %s\n", booleans[_i].value);
	struct crk_config *config = load_ok(text);

	ck_assert_int_eq(config->accounts[0].drafts, booleans[_i].want);
	crk_config_free(&config);
	free(text);
}
END_TEST

START_TEST(test_unknown_key_is_a_warning_with_its_line)
{
	struct crk_config *config;
	char *log;

	crk_test_log_capture_start();
	config = load_ok(
	    "[crickets]\ncap = 2\n\ncolour = blue\n" ACCOUNT "hots = x\n");
	log = crk_test_log_capture_end();
	ck_assert_uint_eq(config->cadence.cap, 2);
	ck_assert_msg(strstr(log,
			  "config:4: unknown key 'colour' in "
			  "[crickets]") != NULL,
	    "log: %s", log);
	ck_assert_msg(strstr(log,
			  "config:8: unknown key 'hots' in "
			  "[account work]") != NULL,
	    "log: %s", log);
	free(log);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_unknown_section_is_a_warning_and_its_keys_are_ignored)
{
	struct crk_config *config;
	char *log;

	crk_test_log_capture_start();
	config = load_ok("[crickets]\n[smtp]\nhost = x\n[crickets]\n"
			 "draft_hour = 9\n");
	log = crk_test_log_capture_end();
	ck_assert_msg(strstr(log, "config:2: unknown section [smtp]") != NULL,
	    "log: %s", log);
	ck_assert_ptr_null(strstr(log, "'host'"));
	ck_assert_uint_eq(config->draft_hour, 9);
	free(log);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_tls_none_is_refused_for_a_remote_host)
{
	struct crk_config *config = NULL;
	char *error = NULL;

	ck_assert_int_eq(load_text("[account work]\nhost = imap.example.com\n"
				   "user = rep@example.com\ntls = none\n",
			     &config, &error),
	    CRK_E_INVAL);
	ck_assert_ptr_nonnull(strstr(error, "config:4: "));
	ck_assert_ptr_nonnull(strstr(error, "tls = none"));
	ck_assert_ptr_nonnull(strstr(error, "imap.example.com"));
	ck_assert_ptr_nonnull(strstr(error, "loopback"));
	free(error);
}
END_TEST

static const char *const loopback_hosts[] = {
    "127.0.0.1",
    "127.4.5.6",
    "::1",
    "[::1]",
    "localhost",
    "LocalHost",
};

START_TEST(test_tls_none_is_accepted_for_loopback_hosts)
{
	char *text = crk_xasprintf("[account t]\nhost = %s\nuser = u\n"
				   "tls = none\n",
	    loopback_hosts[_i]);
	struct crk_config *config = load_ok(text);

	ck_assert_int_eq(config->accounts[0].tls, CRK_TLS_NONE);
	ck_assert_uint_eq(config->accounts[0].port, 143);
	crk_config_free(&config);
	free(text);
}
END_TEST

START_TEST(test_default_port_follows_tls)
{
	struct crk_config *config =
	    load_ok(ACCOUNT "\n[account b]\n"
			    "host = h\nuser = u\ntls = starttls\n");

	ck_assert_uint_eq(config->accounts[0].port, 993);
	ck_assert_int_eq(config->accounts[0].tls, CRK_TLS_IMAPS);
	ck_assert_uint_eq(config->accounts[1].port, 143);
	ck_assert_str_eq(config->accounts[0].auth, "login");
	ck_assert(config->accounts[0].drafts);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_identities_and_domains_of_all_accounts_go_into_the_rules)
{
	struct crk_config *config = load_ok(
	    "[account a]\nhost = h\nuser = login-name\n"
	    "identities = A@One.example\ninternal_domains = ONE.example\n"
	    "[account b]\nhost = h\nuser = Rep@Two.Example\n"
	    "internal_domains = two.example, one.example\n");
	struct crk_rules *r = &config->rules;

	ck_assert_uint_eq(r->identities.count, 2);
	ck_assert(crk_strv_contains(&r->identities, "a@one.example"));
	/* no identities: the user name, when it is an address */
	ck_assert(crk_strv_contains(&r->identities, "rep@two.example"));
	ck_assert_uint_eq(r->internal_domains.count, 2);
	ck_assert(crk_strv_contains(&r->internal_domains, "one.example"));
	ck_assert(crk_strv_contains(&r->internal_domains, "two.example"));
	ck_assert(crk_rules_is_own(r, "rep@two.example"));
	crk_config_free(&config);
}
END_TEST

START_TEST(test_section_names_and_keys_ignore_case)
{
	struct crk_config *config =
	    load_ok("[Crickets]\nDraft_Hour = 6\n"
		    "[ACCOUNT Work]\nHost = h\nUSER = u\n"
		    "[Serve]\n");

	ck_assert_uint_eq(config->draft_hour, 6);
	ck_assert_uint_eq(config->n_accounts, 1);
	ck_assert_str_eq(config->accounts[0].name, "Work");
	ck_assert_str_eq(config->accounts[0].host, "h");
	ck_assert(config->serve_enabled);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_empty_serve_section_enables_serving)
{
	struct crk_config *config = load_ok("[crickets]\n[serve]\n");

	ck_assert(config->serve_enabled);
	ck_assert_ptr_null(config->serve_token);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_overlong_line_is_refused_with_its_line)
{
	char *text = crk_xmalloc(6000), *error = NULL;
	struct crk_config *config = NULL;

	strcpy(text, "[crickets]\nproposal_words = ");
	memset(text + strlen(text), 'a', 5000);
	strcpy(text + 28 + 5000, "\n");
	ck_assert_int_eq(load_text(text, &config, &error), CRK_E_INVAL);
	ck_assert_ptr_nonnull(strstr(error, "config:2: line too long"));
	free(error);
	free(text);
}
END_TEST

START_TEST(test_long_proposal_word_list_fits)
{
	struct crk_config *config;
	struct crk_strv words = {0};
	char *list, *text;
	int i;

	for (i = 0; i < 60; i++)
		crk_strv_add_owned(&words, crk_xasprintf("word%02d", i));
	list = crk_strv_join(&words, ", ");
	text = crk_xasprintf("[crickets]\nproposal_words = %s\n", list);
	config = load_ok(text);
	ck_assert_uint_eq(config->rules.n_words, 60);
	crk_config_free(&config);
	crk_strv_clear(&words);
	free(list);
	free(text);
}
END_TEST

/* ---- passwords --------------------------------------------------------- */

static struct crk_account_config *
account_with(struct crk_config **config_r, const char *key, const char *value)
{
	char *text = crk_xasprintf(ACCOUNT "%s = %s\n", key, value);

	*config_r = load_ok(text);
	free(text);
	return &(*config_r)->accounts[0];
}

START_TEST(test_password_file_readable_by_others_is_refused)
{
	struct crk_config *config;
	char *file = tmp_path("pw"), *password = NULL, *error = NULL;
	struct crk_account_config *a;

	crk_test_write_file(file, "s3cret\n");
	ck_assert_int_eq(chmod(file, 0644), 0);
	a = account_with(&config, "password_file", file);
	ck_assert_int_eq(
	    crk_config_password(a, &password, &error), CRK_E_INVAL);
	ck_assert_ptr_null(password);
	ck_assert_ptr_nonnull(strstr(error, "chmod 600"));
	ck_assert_ptr_nonnull(strstr(error, file));
	ck_assert_ptr_null(strstr(error, "s3cret"));
	free(error);
	free(file);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_password_file_with_mode_0600_gives_its_first_line)
{
	struct crk_config *config;
	char *file = tmp_path("pw"), *password = NULL, *error = NULL;
	struct crk_account_config *a;

	crk_test_write_file(file, "s3cret pass\r\nsecond line\n");
	ck_assert_int_eq(chmod(file, 0600), 0);
	a = account_with(&config, "password_file", file);
	ck_assert_int_eq(crk_config_password(a, &password, &error), CRK_OK);
	ck_assert_str_eq(password, "s3cret pass");
	crk_config_password_free(&password);
	ck_assert_ptr_null(password);
	free(file);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_password_command_gives_its_first_line)
{
	struct crk_config *config;
	char *password = NULL, *error = NULL;
	struct crk_account_config *a;

	a = account_with(&config, "password_command",
	    "printf 'pa ss;word\\r\\nline two\\n'");
	ck_assert_int_eq(crk_config_password(a, &password, &error), CRK_OK);
	ck_assert_str_eq(password, "pa ss;word");
	crk_config_password_free(&password);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_password_command_reads_large_output_without_blocking)
{
	struct crk_config *config;
	char *password = NULL, *error = NULL;
	struct crk_account_config *a;

	/* 200 KiB after the first line: more than a pipe holds and more than
	 * we keep; the command must still finish. */
	a = account_with(&config, "password_command",
	    "echo first; head -c 204800 /dev/zero | tr '\\\\0' x");
	ck_assert_int_eq(crk_config_password(a, &password, &error), CRK_E_AUTH);
	ck_assert_ptr_nonnull(strstr(error, "more than"));
	free(error);
	crk_config_free(&config);
}
END_TEST

static const struct {
	const char *command;
	const char *message;
} failing_commands[] = {
    {"echo secret; exit 3", "exit status 3"},
    {"true", "no password"},
    {"printf '\\n'", "no password"},
    {"kill -9 $$", "signal 9"},
};

START_TEST(test_failing_password_command_is_an_error)
{
	struct crk_config *config;
	char *password = NULL, *error = NULL;
	struct crk_account_config *a;

	a = account_with(
	    &config, "password_command", failing_commands[_i].command);
	ck_assert_int_ne(crk_config_password(a, &password, &error), CRK_OK);
	ck_assert_ptr_null(password);
	ck_assert_msg(strstr(error, failing_commands[_i].message) != NULL,
	    "'%s' lacks '%s'", error, failing_commands[_i].message);
	ck_assert_ptr_nonnull(strstr(error, "'work'"));
	ck_assert_ptr_null(strstr(error, "secret"));
	free(error);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_account_without_password_source_is_refused)
{
	struct crk_config *config = load_ok(ACCOUNT);
	char *password = NULL, *error = NULL;

	ck_assert_int_eq(
	    crk_config_password(&config->accounts[0], &password, &error),
	    CRK_E_INVAL);
	ck_assert_ptr_nonnull(strstr(error, "password_command"));
	free(error);
	crk_config_free(&config);
}
END_TEST

/* ---- the feed token ---------------------------------------------------- */

static bool
is_token(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return false;
	}
	return i == 32;
}

START_TEST(test_token_is_added_to_serve_and_the_rest_is_kept)
{
	static const char before[] = "; my config\r\n"
				     "[crickets]\n"
				     "cap = 3   ; odd   spacing kept\n"
				     "\n"
				     "[serve]\n"
				     "listen = 127.0.0.1:9000\n"
				     "\n"
				     "; the account\n" ACCOUNT;
	struct crk_config *config = load_ok(before);
	char *path = tmp_path("config"), *after, *want;
	struct stat st;

	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_ptr_null(config->serve_token);
	ck_assert_int_eq(crk_config_ensure_token(config, NULL), CRK_OK);
	ck_assert(is_token(config->serve_token));
	after = crk_test_read_file(path, NULL);
	want = crk_xasprintf("; my config\r\n"
			     "[crickets]\n"
			     "cap = 3   ; odd   spacing kept\n"
			     "\n"
			     "[serve]\n"
			     "listen = 127.0.0.1:9000\n"
			     "token = %s\n"
			     "\n"
			     "; the account\n" ACCOUNT,
	    config->serve_token);
	ck_assert_str_eq(after, want);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	free(after);
	free(want);
	free(path);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_token_is_stable_on_the_second_call)
{
	struct crk_config *config = load_ok("[serve]\nlisten = 127.0.0.1:1");
	char *path = tmp_path("config"), *first, *second, *token, *line;

	ck_assert_int_eq(crk_config_ensure_token(config, NULL), CRK_OK);
	token = crk_xstrdup(config->serve_token);
	first = crk_test_read_file(path, NULL);
	crk_config_free(&config);

	config = load_ok(first);
	ck_assert_str_eq(config->serve_token, token);
	ck_assert_int_eq(crk_config_ensure_token(config, NULL), CRK_OK);
	ck_assert_str_eq(config->serve_token, token);
	second = crk_test_read_file(path, NULL);
	ck_assert_str_eq(first, second);
	line =
	    crk_xasprintf("[serve]\nlisten = 127.0.0.1:1\ntoken = %s\n", token);
	ck_assert_str_eq(first, line);
	free(line);
	free(first);
	free(second);
	free(token);
	free(path);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_token_adds_a_serve_section_when_there_is_none)
{
	struct crk_config *config = load_ok("[crickets]\ncap = 2");
	char *path = tmp_path("config"), *after, *want;

	ck_assert_int_eq(crk_config_ensure_token(config, NULL), CRK_OK);
	after = crk_test_read_file(path, NULL);
	want = crk_xasprintf("[crickets]\ncap = 2\n\n[serve]\ntoken = %s\n",
	    config->serve_token);
	ck_assert_str_eq(after, want);
	ck_assert(config->serve_enabled);
	free(after);
	free(want);
	free(path);
	crk_config_free(&config);
}
END_TEST

START_TEST(test_token_creates_the_default_config_when_missing)
{
	struct crk_config *config = NULL, *again = NULL;

	ck_assert_int_eq(crk_config_load(NULL, true, &config, NULL), CRK_OK);
	ck_assert_int_eq(crk_config_ensure_token(config, NULL), CRK_OK);
	ck_assert_ptr_nonnull(config->path);
	ck_assert_int_eq(crk_config_load(NULL, false, &again, NULL), CRK_OK);
	ck_assert_str_eq(again->serve_token, config->serve_token);
	crk_config_free(&config);
	crk_config_free(&again);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_default_config_gives_defaults);
	tcase_add_test(tc, test_xdg_directories_are_respected);
	tcase_add_test(
	    tc, test_missing_config_names_the_path_and_shows_an_example);
	tcase_add_test(
	    tc, test_missing_explicit_path_is_an_error_even_when_allowed);
	tcase_add_test(tc, test_every_key_is_read);
	tcase_add_test(tc, test_tilde_expands_to_home);
	CRK_TABLE_TEST(
	    tc, test_bad_values_are_refused_with_file_and_line, bad_values);
	CRK_TABLE_TEST(tc, test_booleans_accept_the_usual_spellings, booleans);
	tcase_add_test(tc, test_unknown_key_is_a_warning_with_its_line);
	tcase_add_test(
	    tc, test_unknown_section_is_a_warning_and_its_keys_are_ignored);
	tcase_add_test(tc, test_tls_none_is_refused_for_a_remote_host);
	CRK_TABLE_TEST(
	    tc, test_tls_none_is_accepted_for_loopback_hosts, loopback_hosts);
	tcase_add_test(tc, test_default_port_follows_tls);
	tcase_add_test(
	    tc, test_identities_and_domains_of_all_accounts_go_into_the_rules);
	tcase_add_test(tc, test_empty_serve_section_enables_serving);
	tcase_add_test(tc, test_section_names_and_keys_ignore_case);
	tcase_add_test(tc, test_overlong_line_is_refused_with_its_line);
	tcase_add_test(tc, test_long_proposal_word_list_fits);
	suite_add_tcase(s, tc);

	tc = tcase_create("password");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_password_file_readable_by_others_is_refused);
	tcase_add_test(
	    tc, test_password_file_with_mode_0600_gives_its_first_line);
	tcase_add_test(tc, test_password_command_gives_its_first_line);
	tcase_add_test(
	    tc, test_password_command_reads_large_output_without_blocking);
	CRK_TABLE_TEST(
	    tc, test_failing_password_command_is_an_error, failing_commands);
	tcase_add_test(tc, test_account_without_password_source_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("token");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_token_is_added_to_serve_and_the_rest_is_kept);
	tcase_add_test(tc, test_token_is_stable_on_the_second_call);
	tcase_add_test(tc, test_token_adds_a_serve_section_when_there_is_none);
	tcase_add_test(tc, test_token_creates_the_default_config_when_missing);
	suite_add_tcase(s, tc);
	return s;
}
