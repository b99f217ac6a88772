/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crickets demo: the sample mailbox, a real run on dovecot, no leftovers. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "tests/check_common.h"
#include "watcher/demo.h"

#ifndef CRK_TEST_BINARY
#error "CRK_TEST_BINARY must name the built crickets program"
#endif

#define assert_contains(hay, needle)                                           \
	ck_assert_msg(strstr((hay), (needle)) != NULL,                         \
	    "'%s' not found in:\n%s", (needle), (hay))

/* One run of `crickets demo --dir` shared by the tests that read it. */
static char *shared_tmp, *shared_dir, *shared_out, *shared_err;
static int shared_status = -1;
static pid_t shared_dovecot;

struct run {
	pid_t pid;
	char *out_path, *err_path;
};

/* Starts the program with args (NULL-terminated), stdin /dev/null,
 * stdout and stderr into files; extra environment as "NAME=VALUE". */
static void
spawn(struct run *r, const char *dir, const char *env, char **args)
{
	r->out_path = crk_xasprintf("%s/.stdout", dir);
	r->err_path = crk_xasprintf("%s/.stderr", dir);
	fflush(NULL);
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(r->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(r->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 ||
		    dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		if (env != NULL)
			putenv((char *)env);
		execv(CRK_TEST_BINARY, args);
		_exit(127);
	}
}

static int
finish(struct run *r, char **out_r, char **err_r)
{
	int wstatus;

	ck_assert_int_eq(waitpid(r->pid, &wstatus, 0), r->pid);
	*out_r = crk_test_read_file(r->out_path, NULL);
	*err_r = crk_test_read_file(r->err_path, NULL);
	ck_assert_ptr_nonnull(*out_r);
	ck_assert_ptr_nonnull(*err_r);
	crk_free_str(&r->out_path);
	crk_free_str(&r->err_path);
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
				  : 128 + WTERMSIG(wstatus);
}

static int
run_demo(
    const char *dir, const char *env, char **args, char **out_r, char **err_r)
{
	struct run r;

	spawn(&r, dir, env, args);
	return finish(&r, out_r, err_r);
}

/* Whether any process's command line mentions `needle`. */
static bool
process_mentions(const char *needle)
{
	struct dirent *e;
	bool found = false;
	DIR *proc;

	proc = opendir("/proc");
	ck_assert_ptr_nonnull(proc);
	while (!found && (e = readdir(proc)) != NULL) {
		char path[300], buf[4096];
		ssize_t n, i;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[n] = '\0';
		found = strstr(buf, needle) != NULL;
	}
	closedir(proc);
	return found;
}

/* No live process of the group `pgid` is left (dovecot's master leads
 * its group; login, auth and imap processes stay in it).  Zombies do not
 * count: a container's init may be slow to reap orphans. */
static bool
group_gone(pid_t pgid)
{
	struct dirent *e;
	bool gone = true;
	DIR *proc;

	proc = opendir("/proc");
	ck_assert_ptr_nonnull(proc);
	while (gone && (e = readdir(proc)) != NULL) {
		char path[300], buf[1024], state;
		const char *close_paren;
		long pgrp;
		ssize_t n;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* pid (comm) state ppid pgrp ... */
		close_paren = strrchr(buf, ')');
		if (close_paren != NULL &&
		    sscanf(close_paren + 1, " %c %*d %ld", &state, &pgrp) ==
			2 &&
		    pgrp == (long)pgid && state != 'Z')
			gone = false;
	}
	closedir(proc);
	return gone;
}

static bool
dovecot_installed(void)
{
	return access("/usr/sbin/dovecot", X_OK) == 0 ||
	    access("/usr/local/sbin/dovecot", X_OK) == 0;
}

static void
shared_setup(void)
{
	char *args[] = {
	    (char *)"crickets", (char *)"demo", (char *)"--dir", NULL, NULL};
	char *pidfile, *text;

	shared_tmp = crk_test_tmpdir();
	/* as root dovecot's own user must pass through it */
	chmod(shared_tmp, 0711);
	shared_dir = crk_xasprintf("%s/sandbox", shared_tmp);
	args[3] = shared_dir;
	shared_status =
	    run_demo(shared_tmp, NULL, args, &shared_out, &shared_err);
	/* the demo notes dovecot's pid there; it keeps --dir */
	pidfile = crk_xasprintf("%s/dovecot.pid", shared_dir);
	text = crk_test_read_file(pidfile, NULL);
	shared_dovecot = text != NULL ? (pid_t)atoi(text) : 0;
	free(text);
	free(pidfile);
}

static void
shared_teardown(void)
{
	crk_test_rmtree(shared_tmp);
	crk_free_str(&shared_tmp);
	crk_free_str(&shared_dir);
	crk_free_str(&shared_out);
	crk_free_str(&shared_err);
}

START_TEST(test_demo_exits_zero_and_names_the_feeds)
{
	char *path;

	ck_assert_msg(shared_status == 0, "exit %d; stderr:\n%s", shared_status,
	    shared_err);
	path = crk_xasprintf("%s/feed/followups.ics", shared_dir);
	assert_contains(shared_out, path);
	free(path);
	path = crk_xasprintf("%s/feed/followups-tasks.ics", shared_dir);
	assert_contains(shared_out, path);
	free(path);
	assert_contains(shared_out, "crickets demo --serve");
}
END_TEST

/* What the table must show for the sample mailbox. */
static const struct {
	const char *prospect, *state, *next;
} rows[] = {
    {"Tom Baker", "replied", "decide"},        /* unthreaded reply */
    {"Klaus Müller", "replied", "decide"},     /* threaded, German */
    {"Lena Park", "bounced", "fix address"},   /* Postfix DSN */
    {"Sam Carter", "won", "-"},                /* keyword crickets-won */
    {"Julie Martin", "lost", "-"},             /* keyword crickets-lost */
    {"Peter Quill", "waiting", "2026-11-23"},  /* back on Sunday 22 */
    {"Anna Schmidt", "waiting", "2026-11-25"}, /* bis einschl. 24.11. */
    {"Olivia Chen", "waiting", "2026-11-16"},  /* crickets-track */
    {"Carol White", "waiting", "2026-11-16"},  /* colleague's answer */
    {"Eva Rossi", "waiting", "2026-11-10"},    /* round 2 */
};

START_TEST(test_demo_table_shows_each_proposal_with_state_and_next_date)
{
	const char *line, *end;
	char *row;

	ck_assert_msg(shared_status == 0, "stderr:\n%s", shared_err);
	line = strstr(shared_out, rows[_i].prospect);
	ck_assert_msg(
	    line != NULL, "%s missing:\n%s", rows[_i].prospect, shared_out);
	while (line > shared_out && line[-1] != '\n')
		line--;
	end = strchr(line, '\n');
	row = crk_xstrndup(
	    line, end != NULL ? (size_t)(end - line) : strlen(line));
	ck_assert_msg(strstr(row, rows[_i].state) != NULL &&
		strstr(row, rows[_i].next) != NULL,
	    "want %s and %s in: %s", rows[_i].state, rows[_i].next, row);
	free(row);
}
END_TEST

/* Mail that must never become a proposal. */
static const char *const untracked[] = {
    "Internal offer",
    "Lunch on Thursday",
    "pricing pages",
    "Office closed",
};

START_TEST(test_demo_table_leaves_out_what_is_no_proposal)
{
	ck_assert_msg(shared_status == 0, "stderr:\n%s", shared_err);
	ck_assert_msg(strstr(shared_out, untracked[_i]) == NULL,
	    "'%s' listed:\n%s", untracked[_i], shared_out);
}
END_TEST

START_TEST(test_demo_opens_drafts_through_the_sync)
{
	ck_assert_msg(shared_status == 0, "stderr:\n%s", shared_err);
	assert_contains(shared_err, "opened in Drafts");
	assert_contains(shared_err, "<p1.acme@demo.example>");
}
END_TEST

/* python3-icalendar must read both feeds with the right components. */
static const struct {
	const char *file, *component;
} feeds[] = {
    {"followups.ics", "VEVENT"},
    {"followups-tasks.ics", "VTODO"},
};

/* The system python has Debian's python3-icalendar; a python3 earlier
 * in PATH (pyenv, a virtualenv) may lack it.  NULL: none has it. */
static const char *
python_with_icalendar(void)
{
	static const char *const cands[] = {"python3", "/usr/bin/python3"};
	char *cmd;
	size_t i;
	int rc;

	for (i = 0; i < CRK_N_ELEMENTS(cands); i++) {
		cmd = crk_xasprintf(
		    "%s -c 'import icalendar' >/dev/null 2>&1", cands[i]);
		rc = system(cmd);
		free(cmd);
		if (rc == 0)
			return cands[i];
	}
	return NULL;
}

START_TEST(test_demo_feeds_parse_with_python_icalendar)
{
	const char *py = python_with_icalendar();
	char *cmd;
	int rc;

	ck_assert_msg(shared_status == 0, "stderr:\n%s", shared_err);
	if (py == NULL) {
		ck_assert_msg(getenv("CRK_NO_SKIP") == NULL ||
			strcmp(getenv("CRK_NO_SKIP"), "1") != 0,
		    "python3-icalendar is missing");
		fprintf(stderr, "# python3-icalendar missing: not parsed\n");
		return;
	}
	cmd = crk_xasprintf(
	    "%s -c 'import sys, icalendar\n"
	    "cal = icalendar.Calendar.from_ical(open(sys.argv[1], \"rb\")"
	    ".read())\n"
	    "items = cal.walk(sys.argv[2])\n"
	    "other = [c for c in cal.subcomponents if c.name != sys.argv[2]]\n"
	    "assert len(items) >= 8, len(items)\n"
	    "assert not other, other\n"
	    "assert any(\"Pricing\" in str(c.get(\"SUMMARY\")) for c in "
	    "items)\n' '%s/feed/%s' %s",
	    py, shared_dir, feeds[_i].file, feeds[_i].component);
	rc = system(cmd);
	free(cmd);
	ck_assert_msg(rc == 0, "%s does not parse", feeds[_i].file);
}
END_TEST

START_TEST(test_demo_leaves_no_dovecot_behind)
{
	ck_assert_msg(shared_status == 0, "stderr:\n%s", shared_err);
	ck_assert_msg(shared_dovecot > 0, "no dovecot.pid in %s", shared_dir);
	ck_assert_msg(group_gone(shared_dovecot),
	    "dovecot's process group %d is still there", (int)shared_dovecot);
	ck_assert(!process_mentions(shared_dir));
}
END_TEST

START_TEST(test_demo_removes_its_temp_dir_and_processes)
{
	char *args[] = {(char *)"crickets", (char *)"demo", NULL};
	char *tmp = crk_test_tmpdir(), *env, *out, *err, *base;
	struct dirent *e;
	int rc, n = 0;
	DIR *d;

	base = crk_xasprintf("%s/t", tmp);
	ck_assert_int_eq(chmod(tmp, 0711), 0);
	ck_assert_int_eq(mkdir(base, 0711), 0);
	env = crk_xasprintf("TMPDIR=%s", base);
	rc = run_demo(tmp, env, args, &out, &err);
	ck_assert_msg(rc == 0, "exit %d; stderr:\n%s", rc, err);
	assert_contains(out, "bounced");
	d = opendir(base);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	ck_assert_msg(n == 0, "%d entries left in %s", n, base);
	ck_assert(!process_mentions(base));
	free(out);
	free(err);
	free(env);
	free(base);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_demo_keep_keeps_the_temp_dir_but_stops_dovecot)
{
	char *args[] = {
	    (char *)"crickets", (char *)"demo", (char *)"--keep", NULL};
	char *tmp = crk_test_tmpdir(), *env, *out, *err, *base, *path, *pidtext;
	struct dirent *e;
	char *kept = NULL;
	int rc;
	DIR *d;

	base = crk_xasprintf("%s/t", tmp);
	ck_assert_int_eq(chmod(tmp, 0711), 0);
	ck_assert_int_eq(mkdir(base, 0711), 0);
	env = crk_xasprintf("TMPDIR=%s", base);
	rc = run_demo(tmp, env, args, &out, &err);
	ck_assert_msg(rc == 0, "exit %d; stderr:\n%s", rc, err);
	d = opendir(base);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "crickets-demo-", 14) == 0)
			kept = crk_xasprintf("%s/%s", base, e->d_name);
	closedir(d);
	ck_assert_msg(kept != NULL, "nothing kept in %s", base);
	path = crk_xasprintf("%s/feed/followups.ics", kept);
	ck_assert_int_eq(access(path, R_OK), 0);
	free(path);
	path = crk_xasprintf("%s/dovecot.pid", kept);
	pidtext = crk_test_read_file(path, NULL);
	ck_assert_ptr_nonnull(pidtext);
	ck_assert(group_gone((pid_t)atoi(pidtext)));
	assert_contains(out, kept);
	free(pidtext);
	free(path);
	free(kept);
	free(out);
	free(err);
	free(env);
	free(base);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

/* Waits up to 30 s for `needle` in the file; returns its text. */
static char *
wait_for_output(const char *path, const char *needle, pid_t pid)
{
	char *text = NULL;
	int i, status;

	for (i = 0; i < 300; i++) {
		free(text);
		text = crk_test_read_file(path, NULL);
		if (text != NULL && strstr(text, needle) != NULL)
			return text;
		ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
		usleep(100000);
	}
	ck_abort_msg("'%s' never appeared in %s:\n%s", needle, path,
	    text != NULL ? text : "");
	return NULL;
}

/* Ctrl-C and SIGTERM stop it cleanly; a SIGKILLed demo cannot clean
 * up, but its dovecot gets SIGTERM as the parent dies. */
static const struct {
	int sig, status;
} stop_signals[] = {
    {SIGINT, 0},
    {SIGTERM, 0},
    {SIGKILL, 128 + SIGKILL},
};

/* Waits up to 15 s for the process group to end. */
static bool
group_ends(pid_t pgid)
{
	int i;

	for (i = 0; i < 150; i++) {
		if (group_gone(pgid))
			return true;
		usleep(100000);
	}
	return false;
}

START_TEST(test_demo_serve_serves_the_feed_and_stops_clean_on_a_signal)
{
	char *args[] = {(char *)"crickets", (char *)"demo", (char *)"--dir",
	    NULL, (char *)"--serve", NULL};
	char *tmp = crk_test_tmpdir(), *dir, *text, *url, *end, *cmd, *out,
	     *err, *pidfile, *pidtext;
	struct run r;
	pid_t master;
	int rc;

	dir = crk_xasprintf("%s/sandbox", tmp);
	args[3] = dir;
	ck_assert_int_eq(chmod(tmp, 0711), 0);
	spawn(&r, tmp, NULL, args);
	text = wait_for_output(r.out_path, "http://", r.pid);
	url = crk_xstrdup(strstr(text, "http://"));
	end = strpbrk(url, " \n");
	if (end != NULL)
		*end = '\0';
	cmd =
	    crk_xasprintf("python3 -c 'import sys, urllib.request\n"
			  "body = urllib.request.urlopen(sys.argv[1]).read()\n"
			  "assert body.startswith(b\"BEGIN:VCALENDAR\")' '%s'",
		url);
	rc = system(cmd);
	pidfile = crk_xasprintf("%s/dovecot.pid", dir);
	pidtext = crk_test_read_file(pidfile, NULL);
	ck_assert_ptr_nonnull(pidtext);
	master = (pid_t)atoi(pidtext);
	ck_assert_int_eq(kill(r.pid, stop_signals[_i].sig), 0);
	ck_assert_int_eq(finish(&r, &out, &err), stop_signals[_i].status);
	ck_assert_msg(rc == 0, "%s did not serve the feed", url);
	ck_assert_msg(group_ends(master), "dovecot %d left", (int)master);
	ck_assert(!process_mentions(dir));
	free(pidtext);
	free(pidfile);
	free(cmd);
	free(url);
	free(text);
	free(out);
	free(err);
	free(dir);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_demo_interrupted_while_syncing_cleans_up)
{
	char *args[] = {(char *)"crickets", (char *)"demo", NULL};
	char *tmp = crk_test_tmpdir(), *env, *out, *err, *base, *text;
	struct dirent *e;
	struct run r;
	int rc, n = 0;
	DIR *d;

	base = crk_xasprintf("%s/t", tmp);
	ck_assert_int_eq(chmod(tmp, 0711), 0);
	ck_assert_int_eq(mkdir(base, 0711), 0);
	env = crk_xasprintf("TMPDIR=%s", base);
	spawn(&r, tmp, env, args);
	/* dovecot is starting: the sample mail and the sync are ahead */
	text = wait_for_output(r.err_path, "dovecot on", r.pid);
	ck_assert_int_eq(kill(r.pid, SIGTERM), 0);
	rc = finish(&r, &out, &err);
	/* a fast machine may have finished; it must not have crashed */
	ck_assert_msg(
	    rc == 128 + SIGTERM || rc == 0, "exit %d; stderr:\n%s", rc, err);
	d = opendir(base);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	ck_assert_msg(n == 0, "%d entries left in %s", n, base);
	ck_assert(!process_mentions(base));
	free(text);
	free(out);
	free(err);
	free(env);
	free(base);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_demo_without_dovecot_names_the_package)
{
	char *args[] = {(char *)"crickets", (char *)"demo", NULL};
	char *tmp = crk_test_tmpdir(), *out, *err;
	int rc;

	rc = run_demo(
	    tmp, "CRICKETS_DOVECOT=/nonexistent/dovecot", args, &out, &err);
	ck_assert_int_eq(rc, EX_UNAVAILABLE);
	assert_contains(err, "apt-get install dovecot-imapd");
	free(out);
	free(err);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

static const char *const bad_args[] = {"--bogus", "extra", "--dir"};

START_TEST(test_demo_refuses_bad_arguments)
{
	char *args[] = {
	    (char *)"crickets", (char *)"demo", (char *)bad_args[_i], NULL};
	char *tmp = crk_test_tmpdir(), *out, *err;

	ck_assert_int_eq(run_demo(tmp, NULL, args, &out, &err), EX_USAGE);
	assert_contains(err, "demo");
	free(out);
	free(err);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_sample_mailbox_has_20_to_30_messages_in_crlf)
{
	const struct crk_demo_mail *mails;
	size_t i, n;
	char *text;
	const char *p;

	mails = crk_demo_mails(&n);
	ck_assert_uint_ge(n, 20);
	ck_assert_uint_le(n, 30);
	for (i = 0; i < n; i++) {
		text = crk_demo_render(&mails[i], 0);
		ck_assert_msg(strncmp(text, "Date: ", 6) == 0, "%zu", i);
		for (p = text; (p = strchr(p, '\n')) != NULL; p++)
			ck_assert_msg(p > text && p[-1] == '\r',
			    "bare LF in message %zu", i + 1);
		ck_assert_msg(
		    strstr(text, "{EN") == NULL && strstr(text, "{DE") == NULL,
		    "placeholder left in message %zu", i + 1);
		free(text);
	}
}
END_TEST

/* The return dates of the out-of-office replies follow the demo day. */
static const struct {
	const char *needle;
} return_days[] = {
    {"until November 22, 2026"},
    {"einschließlich 24.11.2026"},
};

START_TEST(test_sample_return_dates_are_relative_to_the_demo_day)
{
	const struct crk_demo_mail *mails;
	struct tm tm = {0};
	size_t i, n;
	bool found = false;
	time_t today;
	char *text;

	crk_test_set_tz("Europe/Berlin");
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 18;
	tm.tm_isdst = -1;
	today = mktime(&tm);
	mails = crk_demo_mails(&n);
	for (i = 0; i < n && !found; i++) {
		text = crk_demo_render(&mails[i], today);
		found = strstr(text, return_days[_i].needle) != NULL;
		free(text);
	}
	ck_assert_msg(found, "'%s' in no message", return_days[_i].needle);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("demo");
	TCase *tc;

	tc = tcase_create("mailbox");
	tcase_add_test(tc, test_sample_mailbox_has_20_to_30_messages_in_crlf);
	CRK_TABLE_TEST(tc,
	    test_sample_return_dates_are_relative_to_the_demo_day, return_days);
	tcase_add_test(tc, test_demo_without_dovecot_names_the_package);
	CRK_TABLE_TEST(tc, test_demo_refuses_bad_arguments, bad_args);
	suite_add_tcase(s, tc);

	if (!dovecot_installed()) {
		if (getenv("CRK_NO_SKIP") != NULL &&
		    strcmp(getenv("CRK_NO_SKIP"), "1") == 0) {
			printf("Bail out! dovecot is not installed\n");
			exit(EXIT_FAILURE);
		}
		return s;
	}
	tc = tcase_create("run");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, shared_setup, shared_teardown);
	tcase_add_test(tc, test_demo_exits_zero_and_names_the_feeds);
	CRK_TABLE_TEST(tc,
	    test_demo_table_shows_each_proposal_with_state_and_next_date, rows);
	CRK_TABLE_TEST(
	    tc, test_demo_table_leaves_out_what_is_no_proposal, untracked);
	tcase_add_test(tc, test_demo_opens_drafts_through_the_sync);
	CRK_TABLE_TEST(tc, test_demo_feeds_parse_with_python_icalendar, feeds);
	tcase_add_test(tc, test_demo_leaves_no_dovecot_behind);
	tcase_add_test(tc, test_demo_removes_its_temp_dir_and_processes);
	tcase_add_test(tc, test_demo_keep_keeps_the_temp_dir_but_stops_dovecot);
	tcase_add_test(tc, test_demo_interrupted_while_syncing_cleans_up);
	CRK_TABLE_TEST(tc,
	    test_demo_serve_serves_the_feed_and_stops_clean_on_a_signal,
	    stop_signals);
	suite_add_tcase(s, tc);
	return s;
}
