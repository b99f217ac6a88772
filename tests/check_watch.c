/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of crickets sync, doctor and watch against a real dovecot. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/store-private.h"
#include "core/store.h"
#include "tests/check_common.h"
#include "tests/harness/dovecot.h"
#include "watcher/imap.h"

#ifndef CRK_TEST_BINARY
#error "CRK_TEST_BINARY must name the built crickets program"
#endif

static struct crk_dovecot *dc;

static void
suite_setup(void)
{
	dc = crk_dovecot_start();
}

static void
suite_teardown(void)
{
	crk_dovecot_stop(&dc);
}

struct rep {
	char *dir;
	char *user;
	char *config;          /* path */
	char *db;              /* path */
	char *pw_marker;       /* exists once password_command ran */
	struct crk_imap *imap; /* another client */
};

/* Writes the rep's config: one account on the test dovecot. */
static void
rep_config(struct rep *r, const char *tls, const char *host, bool with_ca)
{
	char *text, *script = crk_xasprintf("%s/password.sh", r->dir);
	unsigned port;

	port = strcmp(tls, "imaps") == 0 ? dc->imaps_port : dc->imap_port;
	text = crk_xasprintf("[crickets]\n"
			     "database = %s\n"
			     "feed_dir = %s/feed\n"
			     "timezone = Europe/Berlin\n"
			     "\n"
			     "[account work]\n"
			     "host = %s\n"
			     "port = %u\n"
			     "tls = %s\n"
			     "%s%s%s"
			     "user = %s\n"
			     "password_command = %s\n"
			     "identities = robin.smith@example.com\n"
			     "internal_domains = example.com\n"
			     "drafts = no\n",
	    r->db, r->dir, host, port, tls, with_ca ? "ca_file = " : "",
	    with_ca ? dc->ca_file : "", with_ca ? "\n" : "", r->user, script);
	crk_test_write_file(r->config, text);
	free(text);
	free(script);
}

/* A rep with a config: one account on the test dovecot, the password
 * from a password_command that leaves a marker when it runs. */
static void
rep_open(struct rep *r, const char *tag, const char *tls, const char *host,
    bool with_ca, bool client)
{
	struct crk_account_config acc;
	char *script, *text, *error = NULL;

	memset(r, 0, sizeof(*r));
	r->dir = crk_test_tmpdir();
	r->user = crk_xasprintf("%s-%d", tag, (int)getpid());
	r->config = crk_xasprintf("%s/config", r->dir);
	r->db = crk_xasprintf("%s/crickets.db", r->dir);
	r->pw_marker = crk_xasprintf("%s/password-was-read", r->dir);
	script = crk_xasprintf("%s/password.sh", r->dir);
	text = crk_xasprintf("#!/bin/sh\ntouch '%s'\necho '%s'\n", r->pw_marker,
	    CRK_DOVECOT_PASSWORD);
	crk_test_write_file(script, text);
	chmod(script, 0700);
	free(text);
	rep_config(r, tls, host, with_ca);
	free(script);

	if (!client)
		return;
	crk_dovecot_account(dc, r->user, CRK_TLS_NONE, "127.0.0.1", &acc);
	ck_assert_int_eq(crk_imap_connect(&acc, 10, &r->imap, &error), CRK_OK);
	ck_assert_int_eq(crk_imap_login(r->imap, r->user, CRK_DOVECOT_PASSWORD,
			     false, &error),
	    CRK_OK);
	crk_dovecot_account_clear(&acc);
}

static void
rep_close(struct rep *r)
{
	crk_imap_free(&r->imap);
	crk_test_rmtree(r->dir);
	free(r->dir);
	free(r->user);
	free(r->config);
	free(r->db);
	free(r->pw_marker);
}

static void
put(struct rep *r, const char *folder, const char *file)
{
	char *data = crk_test_mail(file), *error = NULL;

	ck_assert_msg(crk_imap_append(r->imap, folder, NULL, data, strlen(data),
			  NULL, &error) == CRK_OK,
	    "append: %s", error);
	free(data);
}

/* Starts crickets with args; stdout and stderr go to files in the rep's
 * directory.  The child dies with the test (PR_SET_PDEATHSIG). */
static pid_t
spawn(struct rep *r, const char *const *args)
{
	const char *argv[16];
	char *out = crk_xasprintf("%s/stdout", r->dir);
	char *err = crk_xasprintf("%s/stderr", r->dir);
	size_t n = 0, i;
	pid_t pid;

	argv[n++] = "crickets";
	argv[n++] = "-c";
	argv[n++] = r->config;
	argv[n++] = "--now";
	argv[n++] = "2026-11-17";
	for (i = 0; args[i] != NULL && n < CRK_N_ELEMENTS(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fo, 1);
		dup2(fe, 2);
		execv(CRK_TEST_BINARY, (char *const *)argv);
		_exit(127);
	}
	free(out);
	free(err);
	return pid;
}

static int
run(struct rep *r, char **out_r, char **err_r, ...)
{
	const char *args[12];
	char *path;
	va_list ap;
	size_t n = 0;
	int status;
	pid_t pid;

	va_start(ap, err_r);
	while (n < CRK_N_ELEMENTS(args) - 1 &&
	    (args[n] = va_arg(ap, const char *)) != NULL)
		n++;
	args[n] = NULL;
	va_end(ap);
	pid = spawn(r, args);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	path = crk_xasprintf("%s/stdout", r->dir);
	*out_r = crk_test_read_file(path, NULL);
	free(path);
	path = crk_xasprintf("%s/stderr", r->dir);
	*err_r = crk_test_read_file(path, NULL);
	free(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The state of the proposal with this subject prefix, or -1. */
static int
state_of(struct rep *r, const char *subject)
{
	struct crk_store *store = NULL;
	struct crk_proposal_list list = {0};
	int state = -1;
	size_t i;

	if (crk_store_open(r->db, &store, NULL) != CRK_OK)
		return -1;
	if (crk_store_proposals(store, CRK_PROPOSALS_ALL, &list, NULL) ==
	    CRK_OK) {
		for (i = 0; i < list.count; i++)
			if (list.items[i].subject != NULL &&
			    strncmp(list.items[i].subject, subject,
				strlen(subject)) == 0)
				state = (int)list.items[i].state;
	}
	crk_proposal_list_clear(&list);
	crk_store_free(&store);
	return state;
}

static bool
wait_state(struct rep *r, const char *subject, enum crk_state state, int secs)
{
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (state_of(r, subject) == (int)state)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static char *
stderr_of(struct rep *r)
{
	char *path = crk_xasprintf("%s/stderr", r->dir);
	char *s = crk_test_read_file(path, NULL);

	free(path);
	return s != NULL ? s : crk_xstrdup("");
}

static int
stop(pid_t pid)
{
	int status, i;

	kill(pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
		usleep(100 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* ---- sync and doctor ---------------------------------------------------- */

START_TEST(test_sync_command_tracks_proposals_and_replies)
{
	struct rep r;
	char *out = NULL, *err = NULL, *path;
	int rc;

	rep_open(&r, "cmdsync", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	put(&r, "Sent", "thunderbird-quote.eml");
	put(&r, "INBOX", "gmail-reply.eml");
	rc = run(&r, &out, &err, "sync", NULL);
	ck_assert_msg(rc == 0, "sync exited %d: %s", rc, err);
	ck_assert_int_eq(state_of(&r, "Proposal: ACME"), CRK_STATE_REPLIED);
	ck_assert_int_eq(state_of(&r, "Quote for Globex"), CRK_STATE_WAITING);
	free(out);
	free(err);
	rc = run(&r, &out, &err, "list", "--json", NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(out, "\"state\": \"replied\""));
	/* the password never reaches the logs */
	ck_assert_ptr_null(strstr(err, CRK_DOVECOT_PASSWORD));
	free(out);
	free(err);
	/* the feeds were written after the sync */
	path = crk_xasprintf("%s/feed/followups.ics", r.dir);
	out = crk_test_read_file(path, NULL);
	ck_assert_msg(out != NULL, "no %s", path);
	ck_assert_ptr_nonnull(strstr(out, "BEGIN:VCALENDAR"));
	ck_assert_ptr_nonnull(strstr(out, "Globex"));
	free(out);
	free(path);
	rep_close(&r);
}
END_TEST

START_TEST(test_sync_dry_run_and_account_option)
{
	struct rep r;
	char *out = NULL, *err = NULL;
	int rc;

	rep_open(&r, "dryrun", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	rc = run(&r, &out, &err, "sync", "--dry-run", NULL);
	ck_assert_msg(rc == 0, "sync --dry-run exited %d: %s", rc, err);
	ck_assert_ptr_nonnull(strstr(err, "would track: Proposal: ACME"));
	ck_assert_int_eq(state_of(&r, "Proposal: ACME"), -1);
	free(out);
	free(err);

	rc = run(&r, &out, &err, "sync", "--account", "nosuch", NULL);
	ck_assert_int_eq(rc, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(err, "no account named nosuch"));
	free(out);
	free(err);

	rc = run(&r, &out, &err, "sync", "--account", "work", NULL);
	ck_assert_msg(rc == 0, "sync --account exited %d: %s", rc, err);
	ck_assert_int_eq(state_of(&r, "Proposal: ACME"), CRK_STATE_WAITING);
	free(out);
	free(err);
	rep_close(&r);
}
END_TEST

START_TEST(test_sync_reads_every_account_of_the_config)
{
	struct rep r;
	struct crk_account_config acc;
	struct crk_imap *other = NULL;
	char *out = NULL, *err = NULL, *text, *user2, *data, *error = NULL;
	int rc;

	rep_open(&r, "multi", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	/* a second mailbox of the same rep, on plain IMAP over loopback */
	user2 = crk_xasprintf("%s-b", r.user);
	crk_dovecot_account(dc, user2, CRK_TLS_NONE, "127.0.0.1", &acc);
	ck_assert_int_eq(crk_imap_connect(&acc, 10, &other, &error), CRK_OK);
	ck_assert_int_eq(
	    crk_imap_login(other, user2, CRK_DOVECOT_PASSWORD, false, &error),
	    CRK_OK);
	data = crk_test_mail("thunderbird-quote.eml");
	ck_assert_int_eq(crk_imap_append(other, "Sent", NULL, data,
			     strlen(data), NULL, &error),
	    CRK_OK);
	free(data);
	crk_imap_free(&other);
	text = crk_xasprintf("\n[account private]\n"
			     "host = 127.0.0.1\n"
			     "port = %u\n"
			     "tls = none\n"
			     "user = %s\n"
			     "password_file = %s\n"
			     "identities = robin.smith@example.com\n",
	    dc->imap_port, user2, acc.password_file);
	data = crk_test_read_file(r.config, NULL);
	data = crk_xrealloc(data, strlen(data) + strlen(text) + 1);
	strcat(data, text);
	crk_test_write_file(r.config, data);
	free(data);
	free(text);

	rc = run(&r, &out, &err, "sync", NULL);
	ck_assert_msg(rc == 0, "sync exited %d: %s", rc, err);
	ck_assert_int_eq(state_of(&r, "Proposal: ACME"), CRK_STATE_WAITING);
	ck_assert_int_eq(state_of(&r, "Quote for Globex"), CRK_STATE_WAITING);
	ck_assert_ptr_nonnull(strstr(err, "account work:"));
	ck_assert_ptr_nonnull(strstr(err, "account private:"));
	free(out);
	free(err);
	free(user2);
	crk_dovecot_account_clear(&acc);
	rep_close(&r);
}
END_TEST

START_TEST(test_sync_on_a_terminal_shows_progress_per_folder)
{
	struct rep r;
	char *cmd, *out;
	FILE *p;
	size_t len = 0;
	int rc;

	rep_open(&r, "tty", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	put(&r, "Sent", "thunderbird-quote.eml");
	put(&r, "INBOX", "gmail-reply.eml");
	/* script(1) gives crickets a terminal */
	cmd = crk_xasprintf("script -qec \"'%s' -c '%s' --now 2026-11-17 sync\""
			    " /dev/null 2>&1",
	    CRK_TEST_BINARY, r.config);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	out = crk_xmalloc(65536);
	len = fread(out, 1, 65535, p);
	out[len] = '\0';
	rc = pclose(p);
	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_msg(strstr(out, "Sent: 2/2") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "INBOX: 1/1") != NULL, "%s", out);
	free(out);
	free(cmd);
	rep_close(&r);
}
END_TEST

static const struct {
	const char *tls;
	const char *host;
	bool with_ca;
	const char *expect;
} refusals[] = {
    {"imaps", "localhost", false, "signed by an unknown authority"},
    {"imaps", "127.0.0.1", true, "certificate is for localhost, not 127.0.0.1"},
    {"starttls", "localhost", false, "signed by an unknown authority"},
    {"starttls", "127.0.0.1", true,
	"certificate is for localhost, not 127.0.0.1"},
    {"imaps", "127.0.0.2", true, "certificate for 127.0.0.2 expired on"},
};

START_TEST(test_sync_refuses_bad_certificates_before_any_password)
{
	struct rep r;
	char *out = NULL, *err = NULL, *log, *needle;
	int rc;

	rep_open(&r, "refuse", refusals[_i].tls, refusals[_i].host,
	    refusals[_i].with_ca, false);
	rc = run(&r, &out, &err, "sync", NULL);
	ck_assert_int_eq(rc, EX_PROTOCOL);
	ck_assert_msg(
	    strstr(err, refusals[_i].expect) != NULL, "stderr: %s", err);
	/* the password was not even read, let alone sent */
	ck_assert_msg(access(r.pw_marker, F_OK) != 0,
	    "password_command ran before TLS was verified");
	log = crk_dovecot_log(dc);
	needle = crk_xasprintf("user=<%s>, method=", r.user);
	ck_assert_ptr_null(strstr(log, needle));
	free(needle);
	free(log);
	free(out);
	free(err);
	rep_close(&r);
}
END_TEST

START_TEST(test_doctor_reports_tls_folders_and_capabilities)
{
	struct rep r;
	char *out = NULL, *err = NULL;
	int rc;

	rep_open(&r, "doctor", "imaps", "localhost", true, true);
	rc = run(&r, &out, &err, "doctor", NULL);
	ck_assert_msg(rc == 0, "doctor exited %d: %s %s", rc, out, err);
	ck_assert_ptr_nonnull(strstr(out,
	    "certificate for localhost "
	    "verified"));
	ck_assert_ptr_nonnull(strstr(out, "Sent folder: Sent"));
	ck_assert_ptr_nonnull(strstr(out, "Drafts folder: Drafts"));
	ck_assert_ptr_nonnull(strstr(out, "IDLE         yes"));
	ck_assert_ptr_nonnull(strstr(out, "CONDSTORE    yes"));
	ck_assert_ptr_null(strstr(out, "Trash,"));
	free(out);
	free(err);
	rep_close(&r);
}
END_TEST

START_TEST(test_doctor_says_why_tls_failed)
{
	struct rep r;
	char *out = NULL, *err = NULL;
	int rc;

	rep_open(&r, "doctorbad", "imaps", "localhost", false, false);
	rc = run(&r, &out, &err, "doctor", NULL);
	ck_assert_int_eq(rc, EX_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(out, "unknown authority"));
	ck_assert_ptr_nonnull(strstr(out, "set ca_file"));
	free(out);
	free(err);
	rep_close(&r);
}
END_TEST

/* ---- watch ------------------------------------------------------------------
 */

START_TEST(test_watch_sees_a_reply_within_seconds_and_stops_on_sigterm)
{
	struct rep r;
	const char *args[] = {
	    "watch", "--foreground", "--interval", "60", NULL};
	char *log;
	pid_t pid;

	rep_open(&r, "watch", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	pid = spawn(&r, args);
	ck_assert_msg(wait_state(&r, "Proposal: ACME", CRK_STATE_WAITING, 20),
	    "first sync did not happen: %s", log = stderr_of(&r));
	sleep(1); /* let it settle into IDLE */
	put(&r, "INBOX", "gmail-reply.eml");
	/* IDLE: well before the 60 s interval */
	ck_assert_msg(wait_state(&r, "Proposal: ACME", CRK_STATE_REPLIED, 10),
	    "reply not seen: %s", log = stderr_of(&r));
	ck_assert_int_eq(stop(pid), 0);
	log = stderr_of(&r);
	ck_assert_ptr_nonnull(strstr(log, "stopping"));
	free(log);
	rep_close(&r);
}
END_TEST

/* How many of the burst's messages the store has. */
static int
burst_seen(struct rep *r, int n)
{
	struct crk_store *store = NULL;
	int seen = 0, i;

	if (crk_store_open(r->db, &store, NULL) != CRK_OK)
		return -1;
	for (i = 0; i < n; i++) {
		char *mid = crk_xasprintf("burst%d@client.example", i);

		seen += crk_store_has_message(store, "work", mid);
		free(mid);
	}
	crk_store_free(&store);
	return seen;
}

/* Mail keeps coming while watch runs its passes: each message is sent as
 * soon as the one before is in the store, so most arrive while the pass
 * that stored the last one is still writing the feeds.  Every one must be
 * seen within seconds, none left for the next poll (600 s here).  Mail
 * that came during a pass started at once for earlier mail used to wait
 * for the poll (bench/: a third of 50 replies). */
START_TEST(test_watch_sees_every_message_of_a_burst)
{
	enum { N = 20 };
	struct rep r;
	const char *args[] = {
	    "watch", "--foreground", "--interval", "600", NULL};
	char *log;
	pid_t pid;
	int i, k;

	rep_open(&r, "burst", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	/* Folders read after INBOX make each pass long enough for mail to
	 * land in it after INBOX was read: the case that was lost. */
	for (i = 0; i < 40; i++) {
		char *name = crk_xasprintf("Projects/p%02d", i), *error = NULL;

		ck_assert_msg(crk_imap_create(r.imap, name, &error) == CRK_OK,
		    "create %s: %s", name, error);
		free(name);
	}
	pid = spawn(&r, args);
	ck_assert_msg(wait_state(&r, "Proposal: ACME", CRK_STATE_WAITING, 20),
	    "first sync did not happen: %s", log = stderr_of(&r));
	sleep(1); /* into IDLE */
	for (i = 0; i < N; i++) {
		char *msg = crk_xasprintf(
		    "From: Buyer %d <buyer%d@client.example>\r\n"
		    "To: rep@seller.example\r\nSubject: question %d\r\n"
		    "Date: Tue, 17 Nov 2026 10:00:00 +0100\r\n"
		    "Message-ID: <burst%d@client.example>\r\n\r\nHello.\r\n",
		    i, i, i, i);
		char *error = NULL;

		ck_assert_msg(crk_imap_append(r.imap, "INBOX", NULL, msg,
				  strlen(msg), NULL, &error) == CRK_OK,
		    "append: %s", error);
		free(msg);
		for (k = 0; k < 1000 && burst_seen(&r, i + 1) != i + 1; k++)
			usleep(5 * 1000);
		ck_assert_msg(burst_seen(&r, i + 1) == i + 1,
		    "message %d not seen in 5 s: %s", i, log = stderr_of(&r));
	}
	ck_assert_int_eq(stop(pid), 0);
	rep_close(&r);
}
END_TEST

START_TEST(test_watch_misses_nothing_across_a_dovecot_restart)
{
	struct rep r;
	const char *args[] = {
	    "watch", "--foreground", "--interval", "60", NULL};
	char *log, *path, *data;
	struct stat st;
	pid_t pid;

	rep_open(&r, "restart", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	put(&r, "INBOX", "exchange-ooo.eml"); /* makes INBOX's maildir */
	crk_imap_free(&r.imap);
	pid = spawn(&r, args);
	ck_assert_msg(wait_state(&r, "Proposal: ACME", CRK_STATE_WAITING, 20),
	    "first sync did not happen: %s", log = stderr_of(&r));
	sleep(1);

	/* The server goes away; a reply arrives meanwhile (delivered
	 * straight into the Maildir, as the MTA would). */
	crk_dovecot_halt(dc);
	path = crk_xasprintf("%s/mail/%s/new", dc->dir, r.user);
	ck_assert_int_eq(stat(path, &st), 0);
	free(path);
	path = crk_xasprintf(
	    "%s/mail/%s/new/1763000000.M1P1.test", dc->dir, r.user);
	data = crk_test_mail("gmail-reply.eml");
	crk_test_write_file(path, data);
	ck_assert_int_eq(chown(path, st.st_uid, st.st_gid), 0);
	free(data);
	free(path);
	sleep(2);
	crk_dovecot_restart(dc);

	ck_assert_msg(wait_state(&r, "Proposal: ACME", CRK_STATE_REPLIED, 30),
	    "reply missed after restart: %s", log = stderr_of(&r));
	ck_assert_int_eq(stop(pid), 0);
	log = stderr_of(&r);
	ck_assert_msg(strstr(log, "retrying in") != NULL, "%s", log);
	free(log);
	rep_close(&r);
}
END_TEST

static bool
wait_log(struct rep *r, const char *needle, int secs)
{
	char *log;
	bool found;
	int i;

	for (i = 0; i < secs * 10; i++) {
		log = stderr_of(r);
		found = strstr(log, needle) != NULL;
		free(log);
		if (found)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* After a final error (an unknown CA) the watcher waits for a new
 * config: told by SIGHUP, or seen by itself at its next pass when the
 * file is replaced (as the Claws preferences page or an editor does). */
static const bool reload_by_sighup[] = {true, false};

START_TEST(test_a_new_config_is_taken_up_after_a_final_error)
{
	struct rep r;
	bool sighup = reload_by_sighup[_i];
	/* by signal: a pass only every minute, so that only the signal can
	 * have done it */
	const char *args[] = {
	    "watch", "--foreground", "--interval", sighup ? "60" : "2", NULL};
	char *log;
	pid_t pid;

	rep_open(
	    &r, sighup ? "hup" : "reread", "imaps", "localhost", false, true);
	put(&r, "Sent", "outlook-proposal.eml");
	pid = spawn(&r, args);
	/* an unknown CA is final: no retries that hammer the server */
	ck_assert_msg(wait_log(&r, "not retrying until the config changes", 20),
	    "%s", log = stderr_of(&r));
	ck_assert_int_eq(state_of(&r, "Proposal: ACME"), -1);

	rep_config(&r, "imaps", "localhost", true);
	if (sighup)
		ck_assert_int_eq(kill(pid, SIGHUP), 0);
	ck_assert_msg(wait_state(&r, "Proposal: ACME", CRK_STATE_WAITING, 20),
	    "the new config was not taken up: %s", log = stderr_of(&r));
	ck_assert_int_eq(stop(pid), 0);
	log = stderr_of(&r);
	ck_assert_ptr_nonnull(strstr(log, "config reloaded"));
	if (!sighup)
		ck_assert_ptr_nonnull(strstr(log, "the config file changed"));
	free(log);
	rep_close(&r);
}
END_TEST

/* GET path from 127.0.0.1:port; returns the whole answer (owned). */
static char *
http_get(unsigned port, const char *path)
{
	struct sockaddr_in sin;
	char *req, buf[4096];
	struct crk_strv parts = {0};
	char *out;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	req = crk_xasprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			    "Connection: close\r\n\r\n",
	    path);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	free(req);
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		crk_strv_add(&parts, buf);
	}
	close(fd);
	out = crk_strv_join(&parts, "");
	crk_strv_clear(&parts);
	return out;
}

START_TEST(test_watch_serves_the_feeds_of_the_serve_section)
{
	struct rep r;
	const char *args[] = {
	    "watch", "--foreground", "--interval", "60", NULL};
	char *text, *cfg, *out, *answer, *path, *url, *end, *log;
	unsigned port = crk_test_free_port();
	pid_t pid;
	int i;

	rep_open(&r, "wserve", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	cfg = crk_test_read_file(r.config, NULL);
	text = crk_xasprintf("%s\n[serve]\nlisten = 127.0.0.1:%u\n", cfg, port);
	crk_test_write_file(r.config, text);
	free(text);
	free(cfg);
	pid = spawn(&r, args);
	ck_assert_msg(wait_state(&r, "Proposal: ACME", CRK_STATE_WAITING, 20),
	    "first sync did not happen: %s", log = stderr_of(&r));
	/* the URL with the generated token is printed on stdout */
	path = crk_xasprintf("%s/stdout", r.dir);
	url = NULL;
	for (i = 0; i < 50 && url == NULL; i++) {
		out = crk_test_read_file(path, NULL);
		if (out != NULL &&
		    (url = strstr(out, "http://127.0.0.1:")) != NULL) {
			url = crk_xstrdup(strchr(url + 7, '/'));
			if ((end = strchr(url, '\n')) != NULL)
				*end = '\0';
		}
		free(out);
		if (url == NULL)
			usleep(100 * 1000);
	}
	ck_assert_msg(url != NULL, "no URL printed");
	ck_assert_ptr_nonnull(strstr(url, "/followups.ics"));
	/* the feed has the proposal's follow-up; a wrong token gets 404 */
	for (i = 0; i < 50; i++) {
		answer = http_get(port, url);
		if (strstr(answer, "Follow up #1") != NULL)
			break;
		free(answer);
		answer = NULL;
		usleep(100 * 1000);
	}
	ck_assert_msg(answer != NULL,
	    "the served feed never showed the "
	    "follow-up");
	ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 200"));
	ck_assert_ptr_nonnull(strstr(answer, "text/calendar"));
	free(answer);
	answer = http_get(port,
	    "/0123456789abcdef0123456789abcdef/"
	    "followups.ics");
	ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 404"));
	free(answer);
	ck_assert_int_eq(stop(pid), 0);
	free(url);
	free(path);
	rep_close(&r);
}
END_TEST

/* The Claws plugin (or any other writer) holds the store's write lock
 * longer than the busy timeout: the watcher says the store is locked,
 * retries with back-off instead of giving up, and once the lock is gone
 * it catches up; the store stays sound. */
static void
watch_waits_out_a_locked_store(bool during_pass)
{
	static const char holder[] =
	    "import sqlite3, sys\n"
	    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
	    "c.execute('BEGIN IMMEDIATE')\n"
	    "print('locked', flush=True)\n"
	    "sys.stdin.read()\n";
	const char *args[] = {
	    "watch", "--foreground", "--interval", "60", NULL};
	struct rep r;
	char *out = NULL, *err = NULL, *script, *log = NULL;
	char buf[16] = "";
	int to_child[2], from_child[2], i, rc;
	struct crk_store *store = NULL;
	sqlite3_stmt *stmt;
	pid_t holder_pid, pid = -1;

	rep_open(&r, "locked", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	rc = run(&r, &out, &err, "sync", NULL);
	ck_assert_msg(rc == 0, "sync exited %d: %s", rc, err);
	free(out);
	free(err);
	if (during_pass) {
		/* the watcher is up, past its first pass and idling before
		 * the lock is taken: the reply meets the lock mid-pass */
		pid = spawn(&r, args);
		for (i = 0; i < 300; i++) {
			free(log);
			log = stderr_of(&r);
			if (strstr(log, "connected to") != NULL)
				break;
			usleep(100 * 1000);
		}
		ck_assert_msg(strstr(log, "connected to") != NULL,
		    "the watcher did not connect: %s", log);
		sleep(2);
	} else {
		put(&r, "INBOX", "gmail-reply.eml");
	}

	script = crk_xasprintf("%s/hold.py", r.dir);
	crk_test_write_file(script, holder);
	/* close-on-exec: the watcher started below must not keep the
	 * holder's stdin open */
	ck_assert_int_eq(pipe2(to_child, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(from_child, O_CLOEXEC), 0);
	holder_pid = fork();
	ck_assert_int_ge(holder_pid, 0);
	if (holder_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		close(to_child[1]);
		close(from_child[0]);
		execl(
		    "/usr/bin/python3", "python3", script, r.db, (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	while (strchr(buf, '\n') == NULL && strlen(buf) < sizeof(buf) - 1) {
		ssize_t n = read(from_child[0], buf + strlen(buf),
		    sizeof(buf) - 1 - strlen(buf));

		ck_assert_int_gt(n, 0);
	}
	ck_assert_str_eq(buf, "locked\n");

	if (during_pass)
		put(&r, "INBOX", "gmail-reply.eml");
	else
		pid = spawn(&r, args);
	/* the pass waits out the busy timeout, then backs off (a loaded
	 * machine may first spend a busy timeout or two elsewhere) */
	for (i = 0; i < 450; i++) {
		free(log);
		log = stderr_of(&r);
		if (strstr(log, "retrying in") != NULL)
			break;
		usleep(100 * 1000);
	}
	ck_assert_msg(
	    strstr(log, "locked") != NULL && strstr(log, "retrying in") != NULL,
	    "no word of the lock and a retry: %s", log);
	/* the other writer is done */
	close(to_child[1]);
	ck_assert_int_eq(waitpid(holder_pid, NULL, 0), holder_pid);
	close(from_child[0]);
	ck_assert_msg(wait_state(&r, "Proposal: ACME", CRK_STATE_REPLIED, 30),
	    "the watcher did not catch up: %s", log = stderr_of(&r));
	ck_assert_int_eq(stop(pid), 0);

	ck_assert_int_eq(crk_store_open(r.db, &store, NULL), CRK_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(crk_store_db(store),
			     "PRAGMA integrity_check", -1, &stmt, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0), "ok");
	sqlite3_finalize(stmt);
	crk_store_free(&store);
	free(log);
	free(script);
	rep_close(&r);
}

START_TEST(test_watch_waits_out_a_store_locked_by_another_writer)
{
	watch_waits_out_a_locked_store(false);
}
END_TEST

/* The same lock taken while the watcher runs: the pass that meets it is
 * a temporary error with back-off, and nothing the pass read is lost. */
START_TEST(test_watch_waits_out_a_store_locked_during_a_pass)
{
	watch_waits_out_a_locked_store(true);
}
END_TEST

/* ---- secrets --------------------------------------------------------- */

/* Does the file at path hold needle anywhere (binary-safe)? */
static bool
file_has(const char *path, const char *needle)
{
	size_t len = 0;
	char *data = crk_test_read_file(path, &len);
	bool found;

	if (data == NULL)
		return false;
	found = memmem(data, len, needle, strlen(needle)) != NULL;
	free(data);
	return found;
}

/* Every regular file below dir that holds needle, one per line. */
static void
tree_grep(const char *dir, const char *needle, const char *skip,
    struct crk_strv *hits, unsigned *files)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *path;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = crk_xasprintf("%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			tree_grep(path, needle, skip, hits, files);
		} else if (S_ISREG(st.st_mode) &&
		    (skip == NULL || strcmp(path, skip) != 0)) {
			(*files)++;
			if (file_has(path, needle))
				crk_strv_add(hits, path);
		}
		free(path);
	}
	closedir(d);
}

/* The password is read from its source for each login, sent, and wiped:
 * it never shows in any output (debug logging included), the store, the
 * feeds, the drafts on the server, the running watcher's argv or
 * environment, and the watcher runs with core dumps off. */
START_TEST(test_the_password_reaches_no_output_file_or_process_detail)
{
	const char *args[] = {
	    "-v", "watch", "--foreground", "--interval", "60", NULL};
	struct rep r;
	struct crk_strv hits = {0};
	char *out = NULL, *err = NULL, *cfg, *text, *path, *script, *all;
	char *maildir, *joined;
	unsigned port = crk_test_free_port(), files = 0;
	pid_t pid;
	int rc, i;

	rep_open(&r, "secrets", "imaps", "localhost", true, true);
	put(&r, "Sent", "outlook-proposal.eml");
	put(&r, "INBOX", "exchange-ooo.eml");
	cfg = crk_test_read_file(r.config, NULL);
	/* drafts on, and the feeds served */
	text = crk_xasprintf(
	    "%.*sdrafts = yes\n\n[serve]\nlisten = 127.0.0.1:%u\n",
	    (int)(strstr(cfg, "drafts = no\n") - cfg), cfg, port);
	crk_test_write_file(r.config, text);
	free(text);
	free(cfg);
	all = crk_xstrdup("");

#define COLLECT()                                                              \
	do {                                                                   \
		char *t_ = crk_xasprintf("%s%s%s", all, out, err);             \
		free(all);                                                     \
		all = t_;                                                      \
		free(out);                                                     \
		free(err);                                                     \
		out = err = NULL;                                              \
	} while (0)

	rc = run(&r, &out, &err, "-v", "sync", NULL);
	ck_assert_msg(rc == 0, "sync exited %d: %s", rc, err);
	COLLECT();
	rc = run(&r, &out, &err, "-v", "doctor", NULL);
	COLLECT();
	rc = run(&r, &out, &err, "-v", "list", "--json", NULL);
	COLLECT();
	rc = run(&r, &out, &err, "-v", "feed", NULL);
	ck_assert_int_eq(rc, 0);
	COLLECT();

	/* allow cores, so that only crickets itself can turn them off */
	{
		struct rlimit rl;

		ck_assert_int_eq(getrlimit(RLIMIT_CORE, &rl), 0);
		rl.rlim_cur = rl.rlim_max;
		ck_assert_int_eq(setrlimit(RLIMIT_CORE, &rl), 0);
	}
	pid = spawn(&r, args);
	/* the watcher is up (its first pass done) when it says so */
	for (i = 0; i < 100; i++) {
		text = stderr_of(&r);
		if (strstr(text, "connected to localhost") != NULL)
			break;
		free(text);
		text = NULL;
		usleep(100 * 1000);
	}
	ck_assert_msg(text != NULL, "the watcher did not connect");
	free(text);
	/* no core dump may hold the password */
	path = crk_xasprintf("/proc/%d/limits", (int)pid);
	text = crk_test_read_file(path, NULL);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	ck_assert_msg(strstr(text, "Max core file size        0"),
	    "core dumps are not off:\n%s", text);
	free(text);
	free(path);
	path = crk_xasprintf("/proc/%d/cmdline", (int)pid);
	ck_assert(!file_has(path, CRK_DOVECOT_PASSWORD));
	free(path);
	path = crk_xasprintf("/proc/%d/environ", (int)pid);
	ck_assert(!file_has(path, CRK_DOVECOT_PASSWORD));
	free(path);
	rc = stop(pid);
	ck_assert_msg(
	    rc == 0, "watch ended with %d: %s", rc, text = stderr_of(&r));
	path = crk_xasprintf("%s/stdout", r.dir);
	out = crk_test_read_file(path, NULL);
	free(path);
	err = stderr_of(&r);
	COLLECT();

	/* a refused login says so without the password it tried */
	script = crk_xasprintf("%s/password.sh", r.dir);
	text = crk_xasprintf("#!/bin/sh\necho '%sX'\n", CRK_DOVECOT_PASSWORD);
	crk_test_write_file(script, text);
	free(text);
	rc = run(&r, &out, &err, "-v", "sync", NULL);
	ck_assert_int_eq(rc, EX_NOPERM);
	COLLECT();

	ck_assert_msg(strstr(all, CRK_DOVECOT_PASSWORD) == NULL,
	    "the password is in the output:\n%s", all);
	/* the rep's files (the password script aside): store, WAL, feeds */
	tree_grep(r.dir, CRK_DOVECOT_PASSWORD, script, &hits, &files);
	ck_assert_uint_ge(files, 4);
	/* the mailbox on the server: the drafts crickets wrote */
	maildir = crk_xasprintf("%s/mail/%s", dc->dir, r.user);
	tree_grep(maildir, CRK_DOVECOT_PASSWORD, NULL, &hits, &files);
	joined = crk_strv_join(&hits, "\n");
	ck_assert_msg(hits.count == 0, "the password is in:\n%s", joined);
	free(joined);
	crk_strv_clear(&hits);
	free(maildir);
	free(script);
	free(all);
#undef COLLECT
	rep_close(&r);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc;

	if (!crk_dovecot_available()) {
		if (getenv("CRK_NO_SKIP") != NULL &&
		    strcmp(getenv("CRK_NO_SKIP"), "1") == 0) {
			printf("Bail out! dovecot is not installed\n");
			exit(EXIT_FAILURE);
		}
		printf("1..0 # SKIP dovecot is not installed\n");
		exit(EXIT_SUCCESS);
	}
	tc = tcase_create("dovecot");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_sync_command_tracks_proposals_and_replies);
	tcase_add_test(tc, test_sync_dry_run_and_account_option);
	tcase_add_test(tc, test_sync_reads_every_account_of_the_config);
	tcase_add_test(tc, test_sync_on_a_terminal_shows_progress_per_folder);
	CRK_TABLE_TEST(tc,
	    test_sync_refuses_bad_certificates_before_any_password, refusals);
	tcase_add_test(tc, test_doctor_reports_tls_folders_and_capabilities);
	tcase_add_test(tc, test_doctor_says_why_tls_failed);
	tcase_add_test(
	    tc, test_watch_sees_a_reply_within_seconds_and_stops_on_sigterm);
	tcase_add_test(tc, test_watch_sees_every_message_of_a_burst);
	tcase_add_test(tc, test_watch_serves_the_feeds_of_the_serve_section);
	tcase_add_test(
	    tc, test_watch_waits_out_a_store_locked_by_another_writer);
	tcase_add_test(tc, test_watch_waits_out_a_store_locked_during_a_pass);
	tcase_add_test(
	    tc, test_the_password_reaches_no_output_file_or_process_detail);
	tcase_add_test(tc, test_watch_misses_nothing_across_a_dovecot_restart);
	CRK_TABLE_TEST(tc, test_a_new_config_is_taken_up_after_a_final_error,
	    reload_by_sighup);
	suite_add_tcase(s, tc);
	return s;
}
