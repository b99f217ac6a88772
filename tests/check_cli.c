/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI tests: run the built crickets binary, check exit codes and output. */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check_common.h"
#include "watcher/cli.h"

#ifndef CRK_TEST_BINARY
#error "CRK_TEST_BINARY must name the built crickets program"
#endif

static char *tmp;

struct run {
	int status; /* exit code, or 128 + signal */
	char *out;
	char *err;
};

static void
setup(void)
{
	char *dir;

	tmp = crk_test_tmpdir();
	setenv("HOME", tmp, 1);
	dir = crk_xasprintf("%s/.config", tmp);
	setenv("XDG_CONFIG_HOME", dir, 1);
	free(dir);
	dir = crk_xasprintf("%s/.local/share", tmp);
	setenv("XDG_DATA_HOME", dir, 1);
	free(dir);
	setenv("CRICKETS_NOW", "2026-11-10T09:00", 1);
	setenv("TZ", "Europe/Berlin", 1);
	unsetenv("COLUMNS");
}

static void
teardown(void)
{
	crk_test_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

static void
run_clear(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* Runs the program with the arguments (NULL-terminated), stdin from
 * /dev/null, stdout and stderr captured in files. */
static int
run_argv(struct run *r, char **args)
{
	char *out_path = crk_xasprintf("%s/.stdout", tmp);
	char *err_path = crk_xasprintf("%s/.stderr", tmp);
	pid_t pid;
	int wstatus;

	memset(r, 0, sizeof(*r));
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 ||
		    dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execv(CRK_TEST_BINARY, args);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
	if (WIFEXITED(wstatus))
		r->status = WEXITSTATUS(wstatus);
	else
		r->status = 128 + WTERMSIG(wstatus);
	r->out = crk_test_read_file(out_path, NULL);
	r->err = crk_test_read_file(err_path, NULL);
	ck_assert_ptr_nonnull(r->out);
	ck_assert_ptr_nonnull(r->err);
	free(out_path);
	free(err_path);
	return r->status;
}

static int
run(struct run *r, ...)
{
	char *args[32];
	va_list ap;
	int n = 0;

	args[n++] = (char *)"crickets";
	va_start(ap, r);
	while ((args[n] = va_arg(ap, char *)) != NULL) {
		n++;
		ck_assert_int_lt(n, 31);
	}
	va_end(ap);
	return run_argv(r, args);
}

#define assert_contains(hay, needle)                                           \
	ck_assert_msg(strstr((hay), (needle)) != NULL,                         \
	    "'%s' not found in:\n%s", (needle), (hay))
#define assert_lacks(hay, needle)                                              \
	ck_assert_msg(strstr((hay), (needle)) == NULL,                         \
	    "'%s' unexpected in:\n%s", (needle), (hay))

/* Runs and expects exit status `want`, showing stderr when it differs. */
#define expect(r, want, ...)                                                   \
	do {                                                                   \
		int got_ = run((r), __VA_ARGS__, (char *)NULL);                \
		ck_assert_msg(got_ == (want), "exit %d, want %d; stderr:\n%s", \
		    got_, (want), (r)->err);                                   \
	} while (0)

static char *
tmp_file(const char *name, const char *text)
{
	char *path = crk_xasprintf("%s/%s", tmp, name);

	crk_test_write_file(path, text);
	return path;
}

static void
write_config(const char *text)
{
	char *dir = crk_xasprintf("%s/.config/crickets", tmp);
	char *parent = crk_xasprintf("%s/.config", tmp);
	char *path = crk_xasprintf("%s/config", dir);

	mkdir(parent, 0700);
	mkdir(dir, 0700);
	crk_test_write_file(path, text);
	free(path);
	free(dir);
	free(parent);
}

static const char rep_config[] = "[account work]\n"
				 "host = imap.example.com\n"
				 "user = rep@example.com\n"
				 "internal_domains = example.com\n";

/* A proposal with a PDF attachment to Jane; a quote to Bob that Bob
 * answered; a plain note to Carol that is no proposal. */
static const char mail_proposal[] =
    "Message-ID: <prop-1@example.com>\n"
    "Date: Mon, 02 Nov 2026 10:00:00 +0100\n"
    "From: Rep Smith <rep@example.com>\n"
    "To: Jane Doe <jane@acme.test>\n"
    "Subject: Proposal for the Q3 rollout\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\n"
    "\n"
    "--b1\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hi Jane, here is our proposal.\n"
    "\n"
    "--b1\n"
    "Content-Type: application/pdf; name=\"ACME-offer.pdf\"\n"
    "Content-Disposition: attachment; filename=\"ACME-offer.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQK\n"
    "--b1--\n";

static const char mail_quote[] =
    "Message-ID: <prop-2@example.com>\n"
    "Date: Tue, 03 Nov 2026 10:00:00 +0100\n"
    "From: Rep Smith <rep@example.com>\n"
    "To: Bob <bob@globex.test>\n"
    "Subject: =?UTF-8?Q?Quote_=22special=22_=5C_f=C3=BCr_Globex?=\n"
    "Content-Type: text/plain\n"
    "\n"
    "Here is the quote.\n";

static const char mail_reply[] = "Message-ID: <reply-1@globex.test>\n"
				 "Date: Wed, 04 Nov 2026 09:00:00 +0100\n"
				 "From: Bob <bob@globex.test>\n"
				 "To: rep@example.com\n"
				 "Subject: Re: Quote\n"
				 "In-Reply-To: <prop-2@example.com>\n"
				 "References: <prop-2@example.com>\n"
				 "Content-Type: text/plain\n"
				 "\n"
				 "Thanks, let me think about it.\n";

static const char mail_note[] = "Message-ID: <note-1@example.com>\n"
				"Date: Thu, 05 Nov 2026 10:00:00 +0100\n"
				"From: Rep Smith <rep@example.com>\n"
				"To: carol@initech.test\n"
				"Subject: Lunch next week?\n"
				"Content-Type: text/plain\n"
				"\n"
				"Are you free?\n";

/* Imports the four mails above (a directory of .eml files). */
static void
import_fixture(void)
{
	struct run r;
	char *dir = crk_xasprintf("%s/mail", tmp);
	char *path;

	write_config(rep_config);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	path = crk_xasprintf("%s/1.eml", dir);
	crk_test_write_file(path, mail_proposal);
	free(path);
	path = crk_xasprintf("%s/2.eml", dir);
	crk_test_write_file(path, mail_quote);
	free(path);
	path = crk_xasprintf("%s/3.eml", dir);
	crk_test_write_file(path, mail_reply);
	free(path);
	path = crk_xasprintf("%s/4.eml", dir);
	crk_test_write_file(path, mail_note);
	free(path);
	path = crk_xasprintf("%s/README", dir);
	crk_test_write_file(path, "not a mail, and not *.eml\n");
	free(path);
	expect(&r, EX_OK, "import", dir);
	assert_contains(r.out, "imported 4 messages");
	assert_contains(r.out, "2 new proposals");
	run_clear(&r);
	free(dir);
}

/* The short ID of the proposal with this Message-ID, from list --json
 * (one object per line, "id" first). */
static char *
short_id_of(const char *message_id)
{
	struct run r;
	char *needle, *hit, *line, *id;

	expect(&r, EX_OK, "list", "--all", "--json");
	needle = crk_xasprintf("\"message_id\": \"%s\"", message_id);
	hit = strstr(r.out, needle);
	ck_assert_msg(hit != NULL, "%s not listed:\n%s", message_id, r.out);
	line = hit;
	while (line > r.out && line[-1] != '\n')
		line--;
	ck_assert_int_eq(strncmp(line, "  {\"id\": \"", 10), 0);
	line += 10;
	id = crk_xstrndup(line, strcspn(line, "\""));
	free(needle);
	run_clear(&r);
	return id;
}

/* Runs python3 on the file with the script; true when it exits 0. */
static bool
python_check(const char *file, const char *script)
{
	char *cmd, *script_path = tmp_file(".check.py", script);
	int rc;

	cmd = crk_xasprintf("python3 '%s' '%s'", script_path, file);
	rc = system(cmd);
	free(cmd);
	free(script_path);
	return rc == 0;
}

/* ---- the command line itself ------------------------------------------ */

static const char *const help_forms[] = {"--help", "-h", "help"};

START_TEST(test_help_prints_usage_to_stdout)
{
	struct run r;

	expect(&r, EX_OK, help_forms[_i]);
	ck_assert_int_eq(strncmp(r.out, "Usage: crickets", 15), 0);
	assert_contains(r.out, "list [--all] [--json]");
	assert_contains(r.out, "snooze ID DATE");
	assert_contains(r.out, "--now DATE");
	ck_assert_str_eq(r.err, "");
	run_clear(&r);
}
END_TEST

START_TEST(test_version_prints_the_version)
{
	struct run r;

	expect(&r, EX_OK, "--version");
	ck_assert_str_eq(r.out, "crickets " CRK_VERSION "\n");
	run_clear(&r);
}
END_TEST

START_TEST(test_no_command_prints_usage_to_stderr)
{
	struct run r;

	expect(&r, EX_USAGE, "-v");
	ck_assert_str_eq(r.out, "");
	assert_contains(r.err, "Usage: crickets");
	run_clear(&r);
}
END_TEST

START_TEST(test_unknown_command_is_a_usage_error)
{
	struct run r;

	expect(&r, EX_USAGE, "frobnicate");
	assert_contains(r.err,
	    "unknown command 'frobnicate'; see crickets "
	    "--help");
	run_clear(&r);
	expect(&r, EX_USAGE, "--frob", "list");
	assert_contains(r.err, "unknown option '--frob'");
	run_clear(&r);
	expect(&r, EX_USAGE, "list", "--frob");
	assert_contains(r.err, "list: unknown option '--frob'");
	run_clear(&r);
}
END_TEST

static const char *const store_commands[] = {
    "list",
    "show",
    "won",
    "lost",
    "drop",
    "notyet",
    "reopen",
    "snooze",
    "touch",
    "track",
    "untrack",
    "stats",
    "import",
};

START_TEST(test_every_store_command_has_help)
{
	struct run r;
	char *want = crk_xasprintf("Usage: crickets %s", store_commands[_i]);

	expect(&r, EX_OK, store_commands[_i], "--help");
	ck_assert_int_eq(strncmp(r.out, want, strlen(want)), 0);
	run_clear(&r);
	/* `crickets help CMD` is the same text */
	expect(&r, EX_OK, "help", store_commands[_i]);
	ck_assert_int_eq(strncmp(r.out, want, strlen(want)), 0);
	run_clear(&r);
	free(want);
}
END_TEST

START_TEST(test_missing_arguments_are_usage_errors)
{
	struct run r;

	expect(&r, EX_USAGE, "show");
	assert_contains(r.err, "show: expected one proposal ID");
	run_clear(&r);
	expect(&r, EX_USAGE, "snooze", "abc");
	run_clear(&r);
	expect(&r, EX_USAGE, "import");
	run_clear(&r);
	expect(&r, EX_USAGE, "list", "extra");
	run_clear(&r);
}
END_TEST

static const char *const bad_nows[] = {
    "2026-13-45",
    "yesterday",
    "2026-11-10T25:00",
    "",
};

START_TEST(test_bad_now_is_refused)
{
	struct run r;

	if (*bad_nows[_i] != '\0') {
		expect(&r, EX_USAGE, "--now", bad_nows[_i], "list");
		assert_contains(r.err, "bad --now value");
		run_clear(&r);
		setenv("CRICKETS_NOW", bad_nows[_i], 1);
		expect(&r, EX_USAGE, "list");
		assert_contains(r.err, "bad CRICKETS_NOW value");
		run_clear(&r);
	} else {
		/* an empty CRICKETS_NOW means "now" */
		setenv("CRICKETS_NOW", "", 1);
		expect(&r, EX_OK, "list");
		run_clear(&r);
	}
}
END_TEST

START_TEST(test_missing_explicit_config_is_a_config_error)
{
	struct run r;
	char *path = crk_xasprintf("%s/nope.conf", tmp);

	expect(&r, EX_CONFIG, "-c", path, "list");
	assert_contains(r.err, path);
	assert_contains(r.err, "[account work]");
	run_clear(&r);
	free(path);
}
END_TEST

static const struct {
	const char *config;
	const char *message;
} bad_configs[] = {
    {"[account w]\nhost = h\nport = 99999\nuser = u\n",
	"config:3: port must be"},
    {"[crickets]\ntimezone = Atlantis/Capital\n",
	"config:2: unknown time zone 'Atlantis/Capital'"},
    {"[account w]\nhost = imap.example.com\nuser = u\ntls = none\n",
	"config:4: account 'w': tls = none"},
};

START_TEST(test_bad_config_is_a_config_error_with_its_line)
{
	struct run r;

	write_config(bad_configs[_i].config);
	expect(&r, EX_CONFIG, "list");
	assert_contains(r.err, bad_configs[_i].message);
	run_clear(&r);
}
END_TEST

START_TEST(test_unknown_config_key_is_a_warning_only)
{
	struct run r;

	write_config("[crickets]\nfavourite_colour = blue\n");
	expect(&r, EX_OK, "list");
	assert_contains(r.err, "crickets: warning: ");
	assert_contains(r.err, "config:2: unknown key 'favourite_colour'");
	run_clear(&r);
	/* -q keeps warnings */
	expect(&r, EX_OK, "-q", "list");
	assert_contains(r.err, "favourite_colour");
	run_clear(&r);
}
END_TEST

static const struct {
	enum crk_status status;
	int code;
} exit_codes[] = {
    {CRK_OK, EX_OK},
    {CRK_E_INVAL, EX_USAGE},
    {CRK_E_PARSE, EX_DATAERR},
    {CRK_E_NOTFOUND, EX_DATAERR},
    {CRK_E_AMBIGUOUS, EX_USAGE},
    {CRK_E_STATE, EX_DATAERR},
    {CRK_E_DB, EX_IOERR},
    {CRK_E_BUSY, EX_TEMPFAIL},
    {CRK_E_IO, EX_IOERR},
    {CRK_E_NET, EX_TEMPFAIL},
    {CRK_E_TLS, EX_PROTOCOL},
    {CRK_E_AUTH, EX_NOPERM},
    {CRK_E_PROTO, EX_PROTOCOL},
    {CRK_E_UNSUPPORTED, EX_UNAVAILABLE},
};

START_TEST(test_statuses_map_to_sysexits_codes)
{
	ck_assert_int_eq(
	    crk_cli_exit_code(exit_codes[_i].status), exit_codes[_i].code);
}
END_TEST

/* ---- the store commands ----------------------------------------------- */

START_TEST(test_list_on_an_empty_store)
{
	struct run r;
	char *db;
	struct stat st;

	expect(&r, EX_OK, "list");
	ck_assert_str_eq(r.out, "No open proposals.\n");
	run_clear(&r);
	expect(&r, EX_OK, "list", "--json");
	ck_assert_str_eq(r.out, "[]\n");
	run_clear(&r);
	/* no config: the default store, in a directory made private */
	db = crk_xasprintf("%s/.local/share/crickets/crickets.db", tmp);
	ck_assert_int_eq(stat(db, &st), 0);
	free(db);
	db = crk_xasprintf("%s/.local/share/crickets", tmp);
	ck_assert_int_eq(stat(db, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	free(db);
}
END_TEST

START_TEST(test_import_then_list_json_describes_the_proposals)
{
	struct run r;
	char *json;

	import_fixture();
	expect(&r, EX_OK, "list", "--json");
	json = tmp_file("list.json", r.out);
	ck_assert_msg(
	    python_check(json,
		"import json, re, sys\n"
		"d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
		"assert isinstance(d, list) and len(d) == 2, d\n"
		"by = {p['message_id']: p for p in d}\n"
		"p = by['prop-1@example.com']\n"
		"q = by['prop-2@example.com']\n"
		"for x in d:\n"
		"    for k in ('id', 'message_id', 'subject', 'prospects',\n"
		"              'sent_at', 'state', 'round', 'touches',\n"
		"              'next_due', 'reason', 'account', "
		"'next_number'):\n"
		"        assert k in x, (k, x)\n"
		"    assert re.fullmatch(r'[0-9a-z]+', x['id']), x\n"
		"    assert x['account'] == 'work', x\n"
		"assert p['subject'] == 'Proposal for the Q3 rollout', p\n"
		"assert p['prospects'] == ['jane@acme.test'], p\n"
		"assert p['sent_at'] == '2026-11-02T10:00:00+01:00', p\n"
		"assert p['state'] == 'waiting', p\n"
		"assert p['round'] == 1 and p['touches'] == 0, p\n"
		"assert re.fullmatch(r'\\d{4}-\\d\\d-\\d\\d', p['next_due']), "
		"p\n"
		"assert 'ACME-offer.pdf' in p['reason'], p\n"
		"assert q['subject'] == 'Quote \"special\" \\\\ f\\u00fcr "
		"Globex', q\n"
		"assert q['state'] == 'replied', q\n"
		"assert q['next_due'] is None, q\n"
		"assert d[0] is p, 'sorted by next due'\n"),
	    "list --json:\n%s", r.out);
	/* python3 -m json.tool accepts it too */
	{
		char *cmd = crk_xasprintf("python3 -m json.tool '%s' "
					  ">/dev/null",
		    json);

		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
	}
	free(json);
	run_clear(&r);
}
END_TEST

START_TEST(test_list_table_shows_the_active_proposals)
{
	struct run r;
	char *id = NULL;

	import_fixture();
	id = short_id_of("prop-1@example.com");
	expect(&r, EX_OK, "list");
	ck_assert_int_eq(strncmp(r.out, "ID", 2), 0);
	assert_contains(r.out, "NEXT");
	assert_contains(r.out, id);
	assert_contains(r.out, "Jane Doe");
	assert_contains(r.out, "Proposal for the Q3 rollout");
	assert_contains(r.out, "decide");
	/* follow-up #1 was due the day after the proposal: overdue now */
	assert_contains(r.out, "2026-11-03!");
	/* not a tty: nothing is cut */
	assert_contains(r.out, "Quote \"special\" \\ f\xC3\xBCr Globex");
	assert_lacks(r.out, "Lunch");
	run_clear(&r);
	free(id);
}
END_TEST

START_TEST(test_show_prints_everything_about_a_proposal)
{
	struct run r;
	char *id;

	import_fixture();
	id = short_id_of("prop-2@example.com");
	expect(&r, EX_OK, "show", id);
	assert_contains(r.out, id);
	assert_contains(r.out, "replied");
	assert_contains(r.out, "<prop-2@example.com>");
	assert_contains(r.out, "Bob <bob@globex.test>");
	assert_contains(r.out, "2026-11-03T10:00:00+01:00");
	assert_contains(r.out, "Follow-ups:");
	assert_contains(r.out, "History:");
	assert_contains(r.out, "reply");
	assert_contains(r.out, "<reply-1@globex.test>");
	run_clear(&r);
	/* a Message-ID works as the ID too */
	expect(&r, EX_OK, "show", "<prop-1@example.com>");
	assert_contains(r.out, "ACME-offer.pdf");
	assert_contains(r.out, "Jane Doe <jane@acme.test>");
	run_clear(&r);
	free(id);
}
END_TEST

START_TEST(test_unknown_id_is_a_data_error)
{
	struct run r;

	import_fixture();
	expect(&r, EX_DATAERR, "show", "zzzzzz");
	assert_contains(r.err, "no proposal 'zzzzzz'");
	run_clear(&r);
	expect(&r, EX_DATAERR, "won", "nope@example.com");
	run_clear(&r);
}
END_TEST

START_TEST(test_won_closes_the_proposal)
{
	struct run r;
	char *id, *line;

	import_fixture();
	id = short_id_of("prop-1@example.com");
	/* the account's server (imap.example.com) is unreachable: the
	 * keyword waits for the next sync, the proposal is won now */
	line = crk_xasprintf("%s: won (the keyword will be set on the server "
			     "at the next sync)\n",
	    id);
	expect(&r, EX_OK, "won", id);
	ck_assert_str_eq(r.out, line);
	run_clear(&r);
	expect(&r, EX_OK, "list");
	assert_lacks(r.out, id);
	run_clear(&r);
	expect(&r, EX_OK, "list", "--all");
	assert_contains(r.out, id);
	assert_contains(r.out, "won");
	run_clear(&r);
	/* twice is refused: it is already won */
	expect(&r, EX_DATAERR, "won", id);
	assert_contains(r.err, "already won");
	run_clear(&r);
	/* reopen brings it back */
	expect(&r, EX_OK, "reopen", id);
	assert_contains(r.out, "reopened");
	run_clear(&r);
	expect(&r, EX_OK, "list");
	assert_contains(r.out, id);
	run_clear(&r);
	free(line);
	free(id);
}
END_TEST

static const char *const closing[][2] = {
    {"lost", "lost"},
    {"drop", "dropped"},
};

START_TEST(test_lost_and_drop_close_the_proposal)
{
	struct run r;
	char *id, *json;

	import_fixture();
	id = short_id_of("prop-1@example.com");
	expect(&r, EX_OK, closing[_i][0], id);
	assert_contains(r.out, closing[_i][1]);
	run_clear(&r);
	expect(&r, EX_OK, "list", "--all", "--json");
	json = crk_xasprintf("\"state\": \"%s\"", closing[_i][1]);
	assert_contains(r.out, json);
	run_clear(&r);
	free(json);
	free(id);
}
END_TEST

START_TEST(test_snooze_needs_a_date_in_the_future)
{
	struct run r;
	char *id;

	import_fixture();
	id = short_id_of("prop-1@example.com");
	expect(&r, EX_USAGE, "snooze", id, "2026-11-01");
	assert_contains(r.err, "not in the future");
	run_clear(&r);
	/* today (2026-11-10 by CRICKETS_NOW) is not the future either */
	expect(&r, EX_USAGE, "snooze", id, "2026-11-10");
	run_clear(&r);
	expect(&r, EX_USAGE, "snooze", id, "next week");
	assert_contains(r.err, "bad date");
	run_clear(&r);
	expect(&r, EX_OK, "snooze", id, "2026-12-01");
	assert_contains(r.out, "snoozed until 2026-12-01");
	run_clear(&r);
	expect(&r, EX_OK, "list", "--json");
	assert_contains(r.out, "\"state\": \"snoozed\"");
	run_clear(&r);
	free(id);
}
END_TEST

START_TEST(test_touch_needs_a_channel)
{
	struct run r;
	char *id;

	import_fixture();
	id = short_id_of("prop-1@example.com");
	expect(&r, EX_USAGE, "touch", id);
	assert_contains(r.err, "--channel");
	run_clear(&r);
	expect(&r, EX_USAGE, "touch", id, "--channel", "carrier-pigeon");
	assert_contains(r.err, "unknown channel 'carrier-pigeon'");
	run_clear(&r);
	expect(&r, EX_USAGE, "touch", id, "--channel");
	assert_contains(r.err, "needs a value");
	run_clear(&r);
	expect(&r, EX_OK, "touch", id, "--channel", "phone", "--note",
	    "call back on Friday");
	assert_contains(r.out, "touch (phone) recorded");
	run_clear(&r);
	expect(&r, EX_OK, "show", id);
	assert_contains(r.out, "touch (phone)");
	assert_contains(r.out, "call back on Friday");
	run_clear(&r);
	expect(&r, EX_OK, "list", "--json");
	assert_contains(r.out, "\"touches\": 1");
	run_clear(&r);
	free(id);
}
END_TEST

START_TEST(test_notyet_starts_a_new_round_after_a_reply)
{
	struct run r;
	char *id, *json;

	import_fixture();
	id = short_id_of("prop-2@example.com");
	expect(&r, EX_OK, "notyet", id);
	assert_contains(r.out, "not yet");
	run_clear(&r);
	expect(&r, EX_OK, "list", "--json");
	json = tmp_file("list.json", r.out);
	ck_assert_msg(
	    python_check(json,
		"import json, sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"q = [p for p in d if p['message_id'] == "
		"'prop-2@example.com'][0]\n"
		"assert q['state'] == 'waiting' and q['round'] == 2, q\n"
		"assert q['next_due'] is not None and q['next_number'] == 1, "
		"q\n"),
	    "list --json:\n%s", r.out);
	run_clear(&r);
	/* a waiting proposal has nothing to say "not yet" to */
	expect(&r, EX_DATAERR, "notyet", id);
	run_clear(&r);
	free(json);
	free(id);
}
END_TEST

START_TEST(test_track_and_untrack_a_sent_message)
{
	struct run r;
	char *id;

	import_fixture();
	expect(&r, EX_DATAERR, "track", "<never-seen@example.com>");
	assert_contains(r.err, "never-seen@example.com");
	run_clear(&r);
	/* someone else's message cannot become a proposal */
	expect(&r, EX_DATAERR, "track", "reply-1@globex.test");
	run_clear(&r);
	expect(&r, EX_OK, "track", "<note-1@example.com>");
	assert_contains(r.out, "tracked");
	run_clear(&r);
	id = short_id_of("note-1@example.com");
	expect(&r, EX_OK, "list");
	assert_contains(r.out, "Lunch next week?");
	run_clear(&r);
	expect(&r, EX_OK, "untrack", id);
	assert_contains(r.out, "untracked");
	run_clear(&r);
	expect(&r, EX_OK, "list", "--all");
	assert_lacks(r.out, "Lunch next week?");
	run_clear(&r);
	free(id);
}
END_TEST

START_TEST(test_stats_reports_counts_and_reply_rates)
{
	struct run r;

	import_fixture();
	expect(&r, EX_OK, "stats");
	assert_contains(r.out, "Proposals: 2 (waiting 1, replied 1)");
	assert_contains(r.out, "after touch 0: 1 of 2 (50%)");
	assert_contains(r.out, "Days to first reply:");
	assert_contains(r.out, "Follow-ups overdue:");
	assert_contains(r.out, "Follow-ups due today:");
	/* beside the research: the waiting proposal's first follow-up
	 * (due 3 November) was never sent */
	assert_contains(r.out, "44% of reps stop");
	assert_contains(r.out,
	    "You stopped before the fifth touch on 1 of 1 silent proposals.");
	run_clear(&r);
}
END_TEST

/* The same figures as one JSON object, checked by Debian's own python
 * (a python3 on PATH may be another one). */
START_TEST(test_stats_json_is_one_object_with_the_figures)
{
	static const char check[] =
	    "import json, sys\n"
	    "d = json.load(open(sys.argv[1]))\n"
	    "assert d['proposals'] == 2, d\n"
	    "assert d['by_state'] == {'waiting': 1, 'replied': 1, "
	    "'bounced': 0, 'snoozed': 0, 'won': 0, 'lost': 0, 'dropped': 0}, "
	    "d\n"
	    "assert d['reply_rate_by_touch'][0] == {'touch': 0, 'reached': 2, "
	    "'replied': 1, 'rate': 0.5}, d\n"
	    "assert d['days_to_reply']['median'] >= 0, d\n"
	    "assert d['days_to_reply']['mean'] >= 0, d\n"
	    "assert d['overdue'] == 1 and d['due_today'] == 0, d\n"
	    "assert d['silent'] == 1 and d['stopped_before_fifth'] == 1, d\n";
	struct run r;
	char *json, *script, *cmd;
	int rc;

	import_fixture();
	expect(&r, EX_OK, "stats", "--json");
	json = crk_xasprintf("%s/stats.json", tmp);
	crk_test_write_file(json, r.out);
	script = crk_xasprintf("%s/check.py", tmp);
	crk_test_write_file(script, check);
	cmd = crk_xasprintf("/usr/bin/python3 -m json.tool %s >/dev/null && "
			    "/usr/bin/python3 %s %s",
	    json, script, json);
	rc = system(cmd);
	ck_assert_msg(rc == 0, "stats --json (%d): %s", rc, r.out);
	run_clear(&r);
	/* an empty store: no reply times yet */
	teardown();
	setup();
	write_config(rep_config);
	expect(&r, EX_OK, "stats", "--json");
	assert_contains(r.out, "\"days_to_reply\": null");
	assert_contains(r.out, "\"reply_rate_by_touch\": []");
	assert_contains(r.out, "\"proposals\": 0");
	run_clear(&r);
	free(cmd);
	free(script);
	free(json);
}
END_TEST

START_TEST(test_import_reads_a_maildir_and_single_files)
{
	struct run r;
	char *md, *path;

	write_config(rep_config);
	md = crk_xasprintf("%s/Maildir", tmp);
	mkdir(md, 0700);
	path = crk_xasprintf("%s/cur", md);
	mkdir(path, 0700);
	free(path);
	path = crk_xasprintf("%s/new", md);
	mkdir(path, 0700);
	free(path);
	path = crk_xasprintf("%s/cur/1700000000.1.host:2,S", md);
	crk_test_write_file(path, mail_quote);
	free(path);
	path = crk_xasprintf("%s/new/1700000001.2.host", md);
	crk_test_write_file(path, mail_reply);
	free(path);
	path = tmp_file("single.eml", mail_proposal);
	expect(&r, EX_OK, "import", "--account", "other", md, path);
	assert_contains(r.out, "imported 3 messages into account 'other'");
	assert_contains(r.out, "2 new proposals, 2 in all");
	run_clear(&r);
	/* importing again changes nothing */
	expect(&r, EX_OK, "import", "--account", "other", md, path);
	assert_contains(r.out, "0 new proposals, 2 in all");
	run_clear(&r);
	expect(&r, EX_OK, "list", "--json");
	assert_contains(r.out, "\"account\": \"other\"");
	run_clear(&r);
	free(path);
	path = crk_xasprintf("%s/missing.eml", tmp);
	expect(&r, EX_NOINPUT, "import", path);
	assert_contains(r.err, "missing.eml");
	run_clear(&r);
	free(path);
	/* files that are no mail are skipped with a warning; nothing
	 * imported at all is an error */
	path = tmp_file("junk.txt", "just some text\n");
	expect(&r, EX_DATAERR, "import", path);
	assert_contains(r.out, "imported 0 messages (1 skipped)");
	assert_contains(r.err, "warning: import: skipping ");
	assert_contains(r.err, "junk.txt");
	run_clear(&r);
	free(path);
	free(md);
}
END_TEST

START_TEST(test_config_timezone_is_the_reps_zone)
{
	struct run r;
	char *path;

	write_config(
	    "[crickets]\ntimezone = Pacific/Auckland\n"
	    "[account work]\nhost = h.example.com\nuser = rep@example.com\n");
	path = tmp_file("p.eml", mail_proposal);
	expect(&r, EX_OK, "import", path);
	run_clear(&r);
	/* 10:00 +01:00 is 22:00 in Auckland (NZDT, +13:00) */
	expect(&r, EX_OK, "list", "--json");
	assert_contains(r.out, "\"sent_at\": \"2026-11-02T22:00:00+13:00\"");
	run_clear(&r);
	free(path);
}
END_TEST

START_TEST(test_now_is_read_in_the_config_time_zone)
{
	struct run r;
	char *path;

	write_config("[crickets]\ntimezone = Pacific/Auckland\n"
		     "[account work]\nhost = h.example.com\n"
		     "user = rep@example.com\n");
	path = tmp_file("p.eml", mail_proposal);
	expect(&r, EX_OK, "import", path);
	run_clear(&r);
	/* --now is the rep's local time: read in Berlin (the fixture's TZ)
	 * it would be 20:00 in Auckland. */
	expect(&r, EX_OK, "--now", "2026-11-10T08:00", "touch",
	    "prop-1@example.com", "--channel", "phone");
	run_clear(&r);
	expect(&r, EX_OK, "show", "prop-1@example.com");
	assert_contains(r.out, "2026-11-10T08:00:00+13:00  touch (phone)");
	run_clear(&r);
	free(path);
}
END_TEST

START_TEST(test_now_moves_what_is_due)
{
	struct run r;
	char *id, *early, *late;

	import_fixture();
	id = short_id_of("prop-1@example.com");
	expect(&r, EX_OK, "--now", "2026-11-02T12:00", "show", id);
	early = crk_xstrdup(strstr(r.out, "Next:"));
	run_clear(&r);
	ck_assert_ptr_nonnull(early);
	expect(&r, EX_OK, "--now", "2027-03-01", "show", id);
	late = strstr(r.out, "Next:");
	ck_assert_ptr_nonnull(late);
	assert_contains(late, "(overdue)");
	assert_lacks(early, "(overdue)");
	run_clear(&r);
	free(early);
	free(id);
}
END_TEST

START_TEST(test_quiet_leaves_only_warnings_and_errors)
{
	struct run r;
	char *a = tmp_file("a.eml", mail_proposal);
	char *b = tmp_file("b.eml", mail_quote);

	write_config(rep_config);
	expect(&r, EX_OK, "-q", "import", a, b);
	assert_contains(r.out, "2 new proposals");
	ck_assert_str_eq(r.err, "");
	run_clear(&r);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_locked_store_is_a_temporary_failure)
{
	static const char holder[] =
	    "import sqlite3, sys\n"
	    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
	    "c.execute('BEGIN IMMEDIATE')\n"
	    "print('locked', flush=True)\n"
	    "sys.stdin.read()\n";
	struct run r;
	char *script = tmp_file("hold.py", holder);
	char *db = crk_xasprintf("%s/.local/share/crickets/crickets.db", tmp);
	int to_child[2], from_child[2], wstatus;
	char buf[16] = "";
	pid_t pid;

	expect(&r, EX_OK, "list");
	run_clear(&r);
	ck_assert_int_eq(pipe(to_child), 0);
	ck_assert_int_eq(pipe(from_child), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		close(to_child[1]);
		close(from_child[0]);
		execlp("python3", "python3", script, db, (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	/* wait for the whole line: the lock is held once it is there */
	while (strchr(buf, '\n') == NULL && strlen(buf) < sizeof(buf) - 1) {
		ssize_t n = read(from_child[0], buf + strlen(buf),
		    sizeof(buf) - 1 - strlen(buf));

		ck_assert_int_gt(n, 0);
	}
	ck_assert_str_eq(buf, "locked\n");
	/* The store waits for the lock a while, then gives up. */
	run(&r, "list", (char *)NULL);
	close(to_child[1]);
	close(from_child[0]);
	ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
	ck_assert_msg(
	    r.status == EX_TEMPFAIL, "exit %d; stderr:\n%s", r.status, r.err);
	assert_contains(r.err, "locked by another crickets process");
	assert_contains(r.err, db);
	assert_contains(r.err, "try again");
	run_clear(&r);
	free(script);
	free(db);
}
END_TEST

/* `classify` says what crickets makes of mail files, from the same
 * parser and rules as import, and never opens the store. */
START_TEST(test_classify_explains_bounces_auto_replies_and_proposals)
{
	struct run r;
	char *bounce = crk_xasprintf(
	    "%s/tests/data/corpus/bounce/qmail.eml", crk_test_srcdir());
	char *ooo = crk_xasprintf("%s/tests/data/corpus/autoreply/"
				  "outlook-ooo-en.eml",
	    crk_test_srcdir());
	char *delay =
	    crk_xasprintf("%s/tests/data/corpus/delay", crk_test_srcdir());
	char *proposal = crk_xasprintf(
	    "%s/tests/data/corpus/proposal.eml", crk_test_srcdir());
	char *db, *empty;

	write_config("[account work]\n"
		     "host = imap.example.com\n"
		     "user = robin\n"
		     "password_command = false\n"
		     "identities = robin.smith@example.com\n");
	expect(&r, 0, "classify", bounce, ooo, proposal);
	assert_contains(r.out, "qmail.eml: bounce\n");
	assert_contains(r.out, "failed recipients: jane.doe@acme-corp.com");
	assert_contains(
	    r.out, "returned message: <20261102091500.4711@mail.example.com>");
	assert_contains(r.out, "outlook-ooo-en.eml: auto-reply\n");
	assert_contains(r.out, "back on: 2026-11-16");
	assert_contains(r.out, "proposal.eml: own\n");
	assert_contains(r.out, "proposal: yes");
	run_clear(&r);

	/* a directory: its *.eml files; JSON for scripts */
	expect(&r, 0, "classify", "--json", delay);
	ck_assert_msg(r.out[0] == '[', "not a JSON array: %s", r.out);
	assert_contains(r.out, "\"kind\": \"delivery-notice\"");
	assert_contains(r.out, "\"dsn_action\": \"delayed\"");
	assert_lacks(r.out, "\"kind\": \"bounce\"");
	run_clear(&r);

	/* a missing file stops before anything is told; a file that is no
	 * mail is a data error, and the others are still told */
	expect(&r, EX_NOINPUT, "classify", "/nonexistent.eml", bounce);
	assert_contains(r.err, "/nonexistent.eml");
	run_clear(&r);
	empty = tmp_file("empty.eml", "");
	expect(&r, EX_DATAERR, "classify", empty, bounce);
	assert_contains(r.err, "empty.eml");
	assert_contains(r.out, "qmail.eml: bounce\n");
	run_clear(&r);
	free(empty);
	expect(&r, EX_USAGE, "classify");
	run_clear(&r);

	db = crk_xasprintf("%s/.local/share/crickets/crickets.db", tmp);
	ck_assert_msg(access(db, F_OK) != 0, "classify created a store");
	free(db);
	free(bounce);
	free(ooo);
	free(delay);
	free(proposal);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc;

	tc = tcase_create("options");
	tcase_add_checked_fixture(tc, setup, teardown);
	CRK_TABLE_TEST(tc, test_help_prints_usage_to_stdout, help_forms);
	tcase_add_test(tc, test_version_prints_the_version);
	tcase_add_test(tc, test_no_command_prints_usage_to_stderr);
	tcase_add_test(tc, test_unknown_command_is_a_usage_error);
	CRK_TABLE_TEST(tc, test_every_store_command_has_help, store_commands);
	tcase_add_test(tc, test_missing_arguments_are_usage_errors);
	CRK_TABLE_TEST(tc, test_bad_now_is_refused, bad_nows);
	tcase_add_test(tc, test_missing_explicit_config_is_a_config_error);
	CRK_TABLE_TEST(
	    tc, test_bad_config_is_a_config_error_with_its_line, bad_configs);
	tcase_add_test(tc, test_unknown_config_key_is_a_warning_only);
	CRK_TABLE_TEST(tc, test_statuses_map_to_sysexits_codes, exit_codes);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	/* the locked-store test waits out the store's busy timeout */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_list_on_an_empty_store);
	tcase_add_test(tc, test_import_then_list_json_describes_the_proposals);
	tcase_add_test(tc, test_list_table_shows_the_active_proposals);
	tcase_add_test(tc, test_show_prints_everything_about_a_proposal);
	tcase_add_test(tc, test_unknown_id_is_a_data_error);
	tcase_add_test(tc, test_won_closes_the_proposal);
	CRK_TABLE_TEST(tc, test_lost_and_drop_close_the_proposal, closing);
	tcase_add_test(tc, test_snooze_needs_a_date_in_the_future);
	tcase_add_test(tc, test_touch_needs_a_channel);
	tcase_add_test(tc, test_notyet_starts_a_new_round_after_a_reply);
	tcase_add_test(tc, test_track_and_untrack_a_sent_message);
	tcase_add_test(tc, test_stats_reports_counts_and_reply_rates);
	tcase_add_test(tc, test_stats_json_is_one_object_with_the_figures);
	tcase_add_test(tc, test_import_reads_a_maildir_and_single_files);
	tcase_add_test(
	    tc, test_classify_explains_bounces_auto_replies_and_proposals);
	tcase_add_test(tc, test_config_timezone_is_the_reps_zone);
	tcase_add_test(tc, test_now_moves_what_is_due);
	tcase_add_test(tc, test_now_is_read_in_the_config_time_zone);
	tcase_add_test(tc, test_quiet_leaves_only_warnings_and_errors);
	tcase_add_test(tc, test_locked_store_is_a_temporary_failure);
	suite_add_tcase(s, tc);
	return s;
}
