/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Claws Mail plugin in a real Claws Mail under Xvfb, against dovecot. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/store.h"
#include "core/template.h"
#include "tests/check_common.h"
#include "tests/harness/dovecot.h"
#include "watcher/imap.h"
#include "watcher/sync.h"

#ifndef CRK_TEST_WATCHER
#error "CRK_TEST_WATCHER must name the crickets binary"
#endif
#ifndef CRK_TEST_PLUGIN_DIR
#error "CRK_TEST_PLUGIN_DIR must name the directory of crickets.so"
#endif

/* The whole world of the test, set up once in the parent (so teardown
 * runs even when a test fails) and shared with the forked test. */
static struct crk_dovecot *dc;
static char *dir;      /* owned; everything of this run lives here */
static pid_t smtp_pid; /* the SMTP sink */
static unsigned smtp_port;
static bool claws_started;
static unsigned feed_port; /* the plugin's feed server ([claws] serve) */
#define FEED_TOKEN "0123456789abcdefclawstest"

#define IMAP_USER "claws"
#define PROPOSAL_ID "claws-proposal-1@example.com"

static char *
harness(const char *name)
{
	return crk_xasprintf("%s/tests/harness/%s", crk_test_srcdir(), name);
}

/* Runs the Claws harness script; returns its exit status. */
static int
claws_sh(const char *args)
{
	char *script = harness("claws.sh");
	char *cmd = crk_xasprintf("sh '%s' %s", script, args);
	int rc = system(cmd);

	free(cmd);
	free(script);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

static bool
tool_present(const char *name)
{
	char *cmd = crk_xasprintf("command -v %s >/dev/null 2>&1", name);
	int rc = system(cmd);

	free(cmd);
	return rc == 0;
}

/* Waits up to secs for path to exist; true when it does. */
static bool
wait_file(const char *path, int secs)
{
	struct stat st;
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (stat(path, &st) == 0 && st.st_size > 0)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static void
start_smtp_sink(void)
{
	char *script = harness("claws_smtp.py");
	char *smtp_dir = crk_xasprintf("%s/smtp", dir);
	char *port_file = crk_xasprintf("%s/port", smtp_dir);
	char *port;

	ck_assert_int_eq(mkdir(smtp_dir, 0700), 0);
	smtp_pid = fork();
	ck_assert_int_ge(smtp_pid, 0);
	if (smtp_pid == 0) {
		execlp("python3", "python3", script, smtp_dir, "150",
		    (char *)NULL);
		_exit(127);
	}
	ck_assert_msg(wait_file(port_file, 10), "the SMTP sink did not start");
	port = crk_test_read_file(port_file, NULL);
	smtp_port = (unsigned)atoi(port);
	ck_assert_uint_gt(smtp_port, 0);
	free(port);
	free(port_file);
	free(smtp_dir);
	free(script);
}

/* A proposal in Claws' queue, as Compose > Send later leaves it: the
 * queue headers (sender, server, recipients, account, where the sent copy
 * goes) and then the message. */
static const char queued_proposal_fmt[] =
    "S:robin.smith@example.com\n"
    "SSV:127.0.0.1\n"
    "R:<jane.doe@acme-corp.test>\n"
    "MAID:1\n"
    "SCF:#mh/Mailbox/sent\n"
    "X-Claws-End-Special-Headers: 1\n"
    "Date: %s\n"
    "From: Robin Smith <robin.smith@example.com>\n"
    "To: Jane Doe <jane.doe@acme-corp.test>\n"
    "Subject: Proposal: Q3 rollout\n"
    "Message-ID: <" PROPOSAL_ID ">\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hi Jane,\n\nhere is our proposal for the Q3 rollout.\n\nRobin\n";

static const char reply_fmt[] = "Date: %s\n"
				"From: Jane Doe <jane.doe@acme-corp.test>\n"
				"To: Robin Smith <robin.smith@example.com>\n"
				"Subject: Re: Proposal: Q3 rollout\n"
				"Message-ID: <jane-reply-1@acme-corp.test>\n"
				"In-Reply-To: <" PROPOSAL_ID ">\n"
				"References: <" PROPOSAL_ID ">\n"
				"MIME-Version: 1.0\n"
				"Content-Type: text/plain; charset=utf-8\n"
				"\n"
				"Robin, thanks - let us talk on Thursday.\n";

/* An RFC 5322 date `ago` seconds before now: the plugin looks at recent
 * mail only, so the test mail is always recent. */
static char *
mail_date(time_t ago)
{
	char buf[64];
	time_t t = time(NULL) - ago;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%d %b %Y %H:%M:%S +0000", &tm);
	return crk_xstrdup(buf);
}

/* The rep's own follow-up texts, one per touch, so "Follow up now" shows
 * which it rendered. */
static void
write_templates(void)
{
	char *tdir = crk_xasprintf("%s/templates", dir);
	unsigned touch;

	ck_assert_int_eq(mkdir(tdir, 0700), 0);
	for (touch = 0; touch <= 6; touch++) {
		char *path =
		    crk_xasprintf("%s/%s", tdir, crk_template_file_name(touch));

		crk_test_write_file(
		    path, "Hi {first_name}, touch {touch} on \"{subject}\".\n");
		free(path);
	}
	free(tdir);
}

static void
world_setup(void)
{
	char *path;
	char *text;
	char *args;
	char *plugins;
	char *date;
	struct crk_account_config acc;
	int rc;

	dir = crk_test_tmpdir();
	feed_port = crk_test_free_port();
	dc = crk_dovecot_start();
	start_smtp_sink();

	/* The crickets config the plugin reads, shared with the watcher:
	 * its [account office] is the Claws account "work" on the same
	 * dovecot: another name, the same IMAP user and host, so the
	 * plugin files that account's mail under "office". */
	crk_dovecot_account(dc, IMAP_USER, CRK_TLS_NONE, "127.0.0.1", &acc);
	path = crk_xasprintf("%s/crickets.conf", dir);
	text = crk_xasprintf("[crickets]\n"
			     "database = %s/store/crickets.db\n"
			     "feed_dir = %s/feed\n"
			     "templates_dir = %s/templates\n"
			     "weekend = none\n"
			     "draft_hour = 0\n"
			     "\n"
			     "[account office]\n"
			     "host = 127.0.0.1\n"
			     "port = %u\n"
			     "tls = none\n"
			     "user = %s\n"
			     "password_file = %s\n"
			     "identities = robin.smith@example.com\n"
			     "folders = INBOX\n"
			     "drafts = no\n"
			     "\n"
			     "[claws]\n"
			     "serve = yes\n"
			     "port = %u\n"
			     "token = " FEED_TOKEN "\n",
	    dir, dir, dir, acc.port, IMAP_USER, acc.password_file, feed_port);
	crk_dovecot_account_clear(&acc);
	crk_test_write_file(path, text);
	setenv("CRICKETS_CONFIG", path, 1);
	write_templates();
	setenv("CRK_TEST_CLAWS_PASSWORD", CRK_DOVECOT_PASSWORD, 1);
	free(text);
	free(path);
	/* Where the test-only plugin takes menu clicks from. */
	path = crk_xasprintf("%s/trigger", dir);
	setenv("CRK_TEST_CLAWS_TRIGGER", path, 1);
	free(path);

	path = crk_xasprintf("%s/Mail", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	path = crk_xasprintf("%s/Mail/queue", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	path = crk_xasprintf("%s/Mail/queue/1", dir);
	date = mail_date(2 * 86400);
	text = crk_xasprintf(queued_proposal_fmt, date);
	crk_test_write_file(path, text);
	free(text);
	free(date);
	free(path);

	plugins = crk_xasprintf("'%s/crickets-testpw.so' '%s/crickets.so'",
	    CRK_TEST_PLUGIN_DIR, CRK_TEST_PLUGIN_DIR);
	args = crk_xasprintf("start '%s' %u %u %s %s", dir, dc->imap_port,
	    smtp_port, IMAP_USER, plugins);
	rc = claws_sh(args);
	free(args);
	free(plugins);
	ck_assert_msg(rc == 0, "claws.sh start failed (%d)", rc);
	claws_started = true;
}

static void
world_teardown(void)
{
	char *args;

	if (claws_started) {
		args = crk_xasprintf("stop '%s'", dir);
		claws_sh(args);
		free(args);
		claws_started = false;
	}
	if (smtp_pid > 0) {
		kill(smtp_pid, SIGTERM);
		waitpid(smtp_pid, NULL, 0);
		smtp_pid = 0;
	}
	crk_dovecot_stop(&dc);
	if (dir != NULL && getenv("CRK_KEEP_TEST_DIR") == NULL)
		crk_test_rmtree(dir);
	free(dir);
	dir = NULL;
}

/* The proposal as the store has it now, or NULL. */
static struct crk_proposal *
find_proposal(void)
{
	struct crk_store *store = NULL;
	struct crk_proposal *p = NULL;
	char *db = crk_xasprintf("%s/store/crickets.db", dir);
	struct stat st;

	if (stat(db, &st) == 0 && crk_store_open(db, &store, NULL) == CRK_OK) {
		if (crk_store_proposal_find(store, PROPOSAL_ID, &p, NULL) !=
		    CRK_OK)
			p = NULL;
	}
	crk_store_free(&store);
	free(db);
	return p;
}

/* Polls the store until the proposal is in `state` (up to secs). */
static struct crk_proposal *
wait_proposal(enum crk_state state, int secs)
{
	struct crk_proposal *p = NULL;
	int i;

	for (i = 0; i < secs * 4; i++) {
		crk_proposal_free(&p);
		p = find_proposal();
		if (p != NULL && p->state == state)
			return p;
		usleep(250 * 1000);
	}
	return p;
}

/* The file in Claws' Drafts folder (MH) that contains needle, waited for
 * up to secs (present), or until there is none (!present); owned path of
 * the file found, NULL when none. */
static char *
wait_draft(const char *needle, bool present, int secs)
{
	char *draft_dir = crk_xasprintf("%s/Mail/draft", dir);
	char *found = NULL;
	int i;

	for (i = 0; i < secs * 4; i++) {
		DIR *d = opendir(draft_dir);
		struct dirent *e;

		free(found);
		found = NULL;
		while (d != NULL && found == NULL && (e = readdir(d)) != NULL) {
			char *path, *text;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			path = crk_xasprintf("%s/%s", draft_dir, e->d_name);
			text = crk_test_read_file(path, NULL);
			if (text != NULL && strstr(text, needle) != NULL)
				found = path;
			else
				free(path);
			free(text);
		}
		if (d != NULL)
			closedir(d);
		if ((found != NULL) == present)
			break;
		usleep(250 * 1000);
	}
	free(draft_dir);
	return found;
}

/* Polls a feed file until it contains needle. */
static char *
wait_feed(const char *name, const char *needle, int secs)
{
	char *path = crk_xasprintf("%s/feed/%s", dir, name);
	char *text = NULL;
	int i;

	for (i = 0; i < secs * 4; i++) {
		free(text);
		text = crk_test_read_file(path, NULL);
		if (text != NULL && strstr(text, needle) != NULL)
			break;
		usleep(250 * 1000);
	}
	free(path);
	return text;
}

/* The plugin's feed server's answer to a GET of the calendar feed (the
 * whole HTTP response), or NULL when nothing listens. */
static char *
http_feed(void)
{
	static const char request[] = "GET /" FEED_TOKEN "/followups.ics "
				      "HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	struct sockaddr_in sa;
	char *reply = NULL;
	size_t len = 0;
	char buf[4096];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)feed_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request))
		goto out;
	reply = crk_xcalloc(1, 1);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		reply = crk_xrealloc(reply, len + (size_t)n + 1);
		memcpy(reply + len, buf, (size_t)n);
		len += (size_t)n;
		reply[len] = '\0';
	}
out:
	close(fd);
	return reply;
}

static void
append_reply(void)
{
	struct crk_account_config acc;
	struct crk_imap *imap = NULL;
	char *error = NULL;
	enum crk_status st;
	char *date = mail_date(3600);
	char *reply = crk_xasprintf(reply_fmt, date);

	crk_dovecot_account(dc, IMAP_USER, CRK_TLS_NONE, "127.0.0.1", &acc);
	st = crk_sync_connect(&acc, 10, &imap, &error);
	ck_assert_msg(st == CRK_OK, "connect: %s", error);
	st = crk_imap_append(
	    imap, "INBOX", NULL, reply, strlen(reply), NULL, &error);
	ck_assert_msg(st == CRK_OK, "append: %s", error);
	free(reply);
	free(date);
	crk_imap_free(&imap);
	crk_dovecot_account_clear(&acc);
}

START_TEST(test_proposal_sent_and_answered_in_claws_shows_as_replied)
{
	struct crk_proposal *p;
	char *draft;
	char *sent;
	char *feed;
	char *args;
	char *uid;
	char *log;
	char *text;

	/* Claws sent the queued proposal through the sink ... */
	sent = crk_xasprintf("%s/smtp/1.eml", dir);
	ck_assert_msg(wait_file(sent, 30), "Claws sent nothing to the sink");
	free(sent);
	/* ... and the plugin saw its sent copy: tracked, waiting. */
	p = wait_proposal(CRK_STATE_WAITING, 30);
	ck_assert_msg(p != NULL, "the plugin did not track the proposal");
	ck_assert_int_eq(p->state, CRK_STATE_WAITING);
	/* the watcher's name for the same mailbox (IMAP user and host),
	 * not the Claws account's "work": both share one proposal */
	ck_assert_str_eq(p->account, "office");
	ck_assert_str_eq(p->from_addr, "robin.smith@example.com");
	ck_assert_uint_eq(p->prospects.count, 1);
	ck_assert_str_eq(p->prospects.items[0].addr, "jane.doe@acme-corp.test");
	ck_assert_ptr_nonnull(strstr(p->reason, "proposal"));
	feed = wait_feed("followups.ics", "Follow up #1: Jane Doe", 30);
	ck_assert_msg(feed != NULL && strstr(feed, "Follow up #1: Jane Doe"),
	    "no follow-up in the feed: %s", feed ? feed : "(none)");
	free(feed);
	crk_proposal_free(&p);

	/* Follow-up #1 was due yesterday: a draft in Claws' Drafts folder,
	 * in the thread, to Jane, with the rep's template for touch 1 */
	draft = wait_draft("In-Reply-To: <" PROPOSAL_ID ">", true, 30);
	ck_assert_msg(draft != NULL, "no follow-up draft in Claws' Drafts");
	text = crk_test_read_file(draft, NULL);
	ck_assert_ptr_nonnull(
	    strstr(text, "To: Jane Doe <jane.doe@acme-corp.test>"));
	ck_assert_ptr_nonnull(
	    strstr(text, "Subject: Re: Proposal: Q3 rollout"));
	ck_assert_ptr_nonnull(strstr(text, "X-Crickets-Followup: "));
	free(text);
	free(draft);

	/* The menus landed in Claws' message list and Tools menu. */
	log = crk_xasprintf("%s/claws/claws.log", dir);
	text = crk_test_read_file(log, NULL);
	ck_assert_msg(text != NULL && strstr(text, "crickets: menus ready"),
	    "no menus in Claws: %s", text != NULL ? text : "(no log)");
	free(text);
	free(log);

	/* Jane answers; Claws fetches it from dovecot. */
	append_reply();
	args = crk_xasprintf("cmd '%s' --receive-all", dir);
	ck_assert_int_eq(claws_sh(args), 0);
	free(args);
	p = wait_proposal(CRK_STATE_REPLIED, 40);
	ck_assert_msg(p != NULL && p->state == CRK_STATE_REPLIED,
	    "the reply did not reach the store (state %s)",
	    p != NULL ? crk_state_name(p->state) : "none");
	ck_assert_str_eq(p->last_reply_from, "jane.doe@acme-corp.test");

	/* The feeds say so: a "decide" item, no open follow-up. */
	uid = crk_xasprintf("crickets-%s-r1-decide-event", p->short_id);
	feed = wait_feed("followups.ics", uid, 30);
	ck_assert_msg(feed != NULL && strstr(feed, uid) != NULL,
	    "no decide item %s in the feed: %s", uid, feed ? feed : "(none)");
	ck_assert_ptr_null(strstr(feed, "Follow up #1: Jane Doe"));
	free(feed);
	/* ... and the untouched draft of the closed follow-up is gone */
	draft = wait_draft("In-Reply-To: <" PROPOSAL_ID ">", false, 30);
	ck_assert_msg(draft == NULL, "the draft %s is still there", draft);
	/* ... and the plugin serves that feed over HTTP ([claws] serve). */
	feed = http_feed();
	ck_assert_msg(
	    feed != NULL, "the plugin serves no feed on port %u", feed_port);
	ck_assert_msg(strstr(feed, " 200 ") != NULL && strstr(feed, uid),
	    "the served feed lacks %s: %s", uid, feed);
	free(feed);
	free(uid);
	crk_proposal_free(&p);
}
END_TEST

/* `crickets sync` on the same config, store and mailbox while Claws runs:
 * the reply it finds again is the same message, the proposal the same
 * one, no second follow-up. */
START_TEST(test_watcher_and_plugin_share_one_store_without_duplicates)
{
	struct crk_store *store = NULL;
	struct crk_proposal_list list = {0};
	struct crk_followup_list open = {0};
	char *db = crk_xasprintf("%s/store/crickets.db", dir);
	char *cmd;
	struct crk_proposal *p;
	int rc;

	p = wait_proposal(CRK_STATE_REPLIED, 40);
	ck_assert_msg(p != NULL && p->state == CRK_STATE_REPLIED,
	    "the first test did not leave a replied proposal");
	crk_proposal_free(&p);
	cmd = crk_xasprintf("timeout 30 '%s' -c '%s/crickets.conf' sync "
			    ">'%s/sync.log' 2>&1",
	    CRK_TEST_WATCHER, dir, dir);
	rc = system(cmd);
	free(cmd);
	ck_assert_msg(rc == 0, "crickets sync failed (%d), see sync.log", rc);
	ck_assert_int_eq(crk_store_open(db, &store, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_proposals(store, CRK_PROPOSALS_ALL, &list, NULL), CRK_OK);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_int_eq(list.items[0].state, CRK_STATE_REPLIED);
	ck_assert_str_eq(list.items[0].message_id, PROPOSAL_ID);
	ck_assert_int_eq(
	    crk_store_followups(store, 0, true, &open, NULL), CRK_OK);
	ck_assert_uint_eq(open.count, 0);
	crk_followup_list_clear(&open);
	crk_proposal_list_clear(&list);
	crk_store_free(&store);
	free(db);
}
END_TEST

/* Clicks Crickets > ACTION in Claws' message list on the proposal,
 * through the test-only plugin, and waits until Claws took the click;
 * answer (or NULL) is typed into the dialog the click opens. */
static void
click_on(const char *message_id, const char *action, const char *answer)
{
	char *trigger = crk_xasprintf("%s/trigger", dir);
	char *tmp = crk_xasprintf("%s/trigger.tmp", dir);
	char *done = crk_xasprintf("%s/trigger.done", dir);
	char *line = crk_xasprintf("%s %s%s%s\n", message_id, action,
	    answer != NULL ? " " : "", answer != NULL ? answer : "");

	unlink(done);
	crk_test_write_file(tmp, line);
	ck_assert_int_eq(rename(tmp, trigger), 0);
	ck_assert_msg(wait_file(done, 20), "Claws did not take the click");
	free(line);
	free(done);
	free(tmp);
	free(trigger);
}

static void
click_answer(const char *action, const char *answer)
{
	click_on(PROPOSAL_ID, action, answer);
}

static void
click(const char *action)
{
	click_answer(action, NULL);
}

/* The test-only plugin's output FILE.what of the last trigger, waited
 * for; owned. */
static char *
trigger_output(const char *what)
{
	char *path = crk_xasprintf("%s/trigger.%s", dir, what);
	char *text;

	ck_assert_msg(wait_file(path, 20), "no %s from Claws", path);
	text = crk_test_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	unlink(path);
	free(path);
	return text;
}

/* True once the store holds a phone touch with this note for the
 * proposal (the plugin writes it from Claws' main loop). */
static bool
wait_call(int64_t proposal_id, const char *note)
{
	char *db = crk_xasprintf("%s/store/crickets.db", dir);
	struct crk_event_list events = {0};
	struct crk_store *store = NULL;
	bool found = false;
	size_t i, j;

	for (i = 0; i < 80 && !found; i++) {
		ck_assert_int_eq(crk_store_open(db, &store, NULL), CRK_OK);
		ck_assert_int_eq(
		    crk_store_events(store, proposal_id, &events, NULL),
		    CRK_OK);
		for (j = 0; j < events.count; j++)
			found = found ||
			    (events.items[j].note != NULL &&
				strcmp(events.items[j].note, note) == 0 &&
				events.items[j].channel != NULL &&
				strcmp(events.items[j].channel, "phone") == 0);
		crk_event_list_clear(&events);
		crk_store_free(&store);
		if (!found)
			usleep(250 * 1000);
	}
	free(db);
	return found;
}

/* Tools > Silent proposals in Claws lists the proposal; a double-click
 * on its row selects the mail. */
START_TEST(test_silent_window_lists_and_selects_in_claws)
{
	struct crk_proposal *p = wait_proposal(CRK_STATE_REPLIED, 40);
	char *text;
	char *want;

	ck_assert_msg(p != NULL, "no proposal from the first test");
	click("Silent");
	click("DumpSilent");
	text = trigger_output("silent");
	want = crk_xasprintf("Jane Doe\tProposal: Q3 rollout\t");
	ck_assert_msg(strncmp(text, want, strlen(want)) == 0 &&
		strstr(text, "\treplied\n") != NULL,
	    "Silent proposals shows:\n%s", text);
	/* one row: the won/lost/closed ones are not silent */
	ck_assert_ptr_null(strchr(strchr(text, '\n') + 1, '\n'));
	free(text);
	free(want);
	/* the double-click leaves the Inbox for the proposal in Sent */
	click("ActivateSilent 0");
	click("DumpSelected");
	text = trigger_output("selected");
	ck_assert_str_eq(text, PROPOSAL_ID);
	free(text);
	crk_proposal_free(&p);
}
END_TEST

/* "Not yet", "Snooze…", "Log a call…" and "Mark won" from the message
 * list's Crickets menu,
 * clicked in Claws: a new round, then closed; the decide item leaves the
 * feed and the mail gets the crickets-won tag (an IMAP keyword). */
START_TEST(test_menu_clicks_in_claws_reach_the_store_and_the_feed)
{
	char *tags = crk_xasprintf("%s/claws/tagsrc", dir);
	char *path = crk_xasprintf("%s/feed/followups.ics", dir);
	struct crk_proposal *p;
	char *text = NULL;
	char *uid;
	char day[16];
	crk_day snooze_day;
	int i;

	p = wait_proposal(CRK_STATE_REPLIED, 40);
	ck_assert_msg(p != NULL, "no proposal from the first test");
	uid = crk_xasprintf("crickets-%s-r1-decide-event", p->short_id);
	crk_proposal_free(&p);

	click("NotYet");
	p = wait_proposal(CRK_STATE_WAITING, 20);
	ck_assert_msg(p != NULL && p->state == CRK_STATE_WAITING,
	    "not yet left it %s",
	    p != NULL ? crk_state_name(p->state) : "gone");
	ck_assert_uint_eq(p->round, 2);
	crk_proposal_free(&p);

	/* Snooze…: the date typed into Claws' dialog is the store's */
	snooze_day = crk_day_of_time(time(NULL)) + 9;
	crk_day_format(snooze_day, day);
	click_answer("Snooze", day);
	p = wait_proposal(CRK_STATE_SNOOZED, 20);
	ck_assert_msg(p != NULL && p->state == CRK_STATE_SNOOZED,
	    "snooze left it %s", p != NULL ? crk_state_name(p->state) : "gone");
	ck_assert_int_eq(p->snooze_until, snooze_day);

	/* Log a call…: the note typed into Claws' dialog, a phone touch */
	click_answer("Call", "Jane wants a discount");
	ck_assert_msg(wait_call(p->id, "Jane wants a discount"),
	    "the call typed into Claws is not in the store");
	crk_proposal_free(&p);

	click("Won");
	p = wait_proposal(CRK_STATE_WON, 20);
	ck_assert_msg(p != NULL && p->state == CRK_STATE_WON,
	    "the proposal is %s, not won",
	    p != NULL ? crk_state_name(p->state) : "gone");
	crk_proposal_free(&p);
	for (i = 0; i < 80; i++) {
		free(text);
		text = crk_test_read_file(path, NULL);
		if (text != NULL && strstr(text, uid) == NULL &&
		    strstr(text, "Follow up #") == NULL)
			break;
		usleep(250 * 1000);
	}
	ck_assert_msg(text != NULL && strstr(text, uid) == NULL &&
		strstr(text, "Follow up #") == NULL,
	    "the feed still shows the proposal: %s",
	    text != NULL ? text : "(none)");
	free(text);
	text = crk_test_read_file(tags, NULL);
	ck_assert_msg(text != NULL && strstr(text, "crickets-won") != NULL,
	    "no crickets-won tag in Claws");
	free(text);
	free(uid);
	free(path);
	free(tags);
}
END_TEST

/* A mail the rep sent that no heuristic calls a proposal, tagged
 * crickets-track by hand in Claws' message list (Claws calls no hook for
 * tags): the plugin notices and tracks it, as the watcher does for the
 * IMAP keyword. */
START_TEST(test_crickets_track_tag_set_by_hand_tracks_the_mail)
{
	static const char plain_id[] = "claws-plain-1@example.com";
	char *db = crk_xasprintf("%s/store/crickets.db", dir);
	char *path = NULL, *text, *date;
	struct crk_store *store = NULL;
	struct crk_proposal *p = NULL;
	bool stored = false;
	int i, n;

	/* into Claws' Sent folder (MH), as if sent an hour ago */
	for (n = 1; n < 1000; n++) {
		struct stat st;

		free(path);
		path = crk_xasprintf("%s/Mail/sent/%d", dir, n);
		if (stat(path, &st) != 0)
			break;
	}
	date = mail_date(3600);
	text = crk_xasprintf("Date: %s\n"
			     "From: Robin Smith <robin.smith@example.com>\n"
			     "To: Jane Doe <jane.doe@acme-corp.test>\n"
			     "Subject: Lunch next week\n"
			     "Message-ID: <%s>\n"
			     "\n"
			     "Lunch on Tuesday?\n",
	    date, plain_id);
	crk_test_write_file(path, text);
	free(text);
	free(date);
	free(path);

	/* Claws finds it (selecting it scans the folder) and the plugin
	 * reads it: stored, not a proposal */
	click_on(plain_id, "Select", NULL);
	ck_assert_int_eq(crk_store_open(db, &store, NULL), CRK_OK);
	for (i = 0; i < 80 && !stored; i++) {
		stored = crk_store_has_message(store, "office", plain_id);
		if (!stored)
			usleep(250 * 1000);
	}
	ck_assert_msg(stored, "the plugin did not read the sent mail");
	ck_assert_int_eq(
	    crk_store_proposal_find(store, plain_id, &p, NULL), CRK_E_NOTFOUND);

	/* the rep tags it by hand */
	click_on(plain_id, "Tag", "crickets-track");
	for (i = 0; i < 80; i++) {
		crk_proposal_free(&p);
		if (crk_store_proposal_find(store, plain_id, &p, NULL) ==
		    CRK_OK)
			break;
		usleep(250 * 1000);
	}
	ck_assert_msg(p != NULL, "the crickets-track tag did not track it");
	ck_assert_int_eq(p->state, CRK_STATE_WAITING);
	ck_assert_ptr_nonnull(strstr(p->reason, "keyword"));
	crk_proposal_free(&p);
	crk_store_free(&store);
	free(db);
}
END_TEST

/* "Follow up now" clicked in Claws opens a compose window in the thread:
 * In-Reply-To the last message (Jane's reply), References the whole
 * chain from the proposal, the prospect, "Re:" and the rep's template
 * for the next touch. */
START_TEST(test_follow_up_now_opens_a_reply_with_the_whole_thread)
{
	char *path = crk_xasprintf("%s/trigger.compose", dir);
	char *text;
	struct crk_proposal *p = find_proposal();
	char *want;

	ck_assert_msg(p != NULL, "no proposal from the first test");
	unlink(path);
	click("FollowUp");
	click("DumpCompose");
	ck_assert_msg(wait_file(path, 20), "no compose window was opened");
	text = crk_test_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(
	    strstr(text, "In-Reply-To: <jane-reply-1@acme-corp.test>\n"),
	    "not a reply to Jane's answer:\n%s", text);
	ck_assert_msg(strstr(text,
			  "References: <" PROPOSAL_ID ">\n\t"
			  "<jane-reply-1@acme-corp.test>\n"),
	    "References lack the thread:\n%s", text);
	ck_assert_msg(strstr(text, "To: jane.doe@acme-corp.test\n"),
	    "not to the prospect:\n%s", text);
	/* no second In-Reply-To as an editable header row */
	ck_assert_msg(
	    strstr(strstr(text, "In-Reply-To") + 1, "In-Reply-To") == NULL,
	    "In-Reply-To twice:\n%s", text);
	ck_assert_msg(strstr(text, "Subject: Re: Proposal: Q3 rollout\n"),
	    "subject:\n%s", text);
	want = crk_xasprintf("Hi Jane, touch %u on \"Proposal: Q3 rollout\".",
	    p->next_number > 0 ? p->next_number : 1);
	ck_assert_msg(
	    strstr(text, want), "no template text '%s':\n%s", want, text);
	free(want);
	free(text);
	free(path);
	crk_proposal_free(&p);
}
END_TEST

/* The store's next due day of the mail with this Message-ID, waited for
 * up to secs until it is want (CRK_DAY_NONE: any). */
static crk_day
wait_next_due(const char *message_id, crk_day want, int secs)
{
	char *db = crk_xasprintf("%s/store/crickets.db", dir);
	struct crk_store *store = NULL;
	struct crk_proposal *p = NULL;
	crk_day due = CRK_DAY_NONE;
	int i;

	for (i = 0; i < secs * 4; i++) {
		ck_assert_int_eq(crk_store_open(db, &store, NULL), CRK_OK);
		if (crk_store_proposal_find(store, message_id, &p, NULL) ==
		    CRK_OK)
			due = p->next_due;
		crk_proposal_free(&p);
		crk_store_free(&store);
		if (due != CRK_DAY_NONE &&
		    (want == CRK_DAY_NONE || due == want))
			break;
		usleep(250 * 1000);
	}
	free(db);
	return due;
}

/* Configuration > Preferences > Plugins > Crickets, typed into and saved
 * in Claws: a bad cadence is refused with a message and changes nothing;
 * a good one lands in the shared config file, keeps the rest of it, and
 * plans the open follow-ups again (the tagged mail of the test before:
 * sent today, follow-up #1 moves from day 1 to day 2). */
START_TEST(test_preferences_page_saves_the_shared_config_and_applies_it)
{
	static const char plain_id[] = "claws-plain-1@example.com";
	char *conf = crk_xasprintf("%s/crickets.conf", dir);
	char *errors = crk_xasprintf("%s/trigger.errors", dir);
	char *before, *after, *text;
	struct crk_proposal *p = NULL;
	struct crk_store *store = NULL;
	char *db = crk_xasprintf("%s/store/crickets.db", dir);
	crk_day sent;

	ck_assert_int_eq(crk_store_open(db, &store, NULL), CRK_OK);
	ck_assert_msg(
	    crk_store_proposal_find(store, plain_id, &p, NULL) == CRK_OK,
	    "no tracked mail from the test before");
	sent = crk_day_of_time(p->sent_at);
	crk_proposal_free(&p);
	crk_store_free(&store);
	ck_assert_int_eq(wait_next_due(plain_id, CRK_DAY_NONE, 20), sent + 1);

	before = crk_test_read_file(conf, NULL);
	ck_assert_ptr_nonnull(before);
	unlink(errors);
	click_on("-", "Prefs", "Cadence (days)=3,1");
	ck_assert_msg(wait_file(errors, 20), "a bad cadence was not refused");
	text = crk_test_read_file(errors, NULL);
	ck_assert_msg(text != NULL && strstr(text, "cadence") != NULL,
	    "the refusal does not name the cadence: %s",
	    text != NULL ? text : "");
	free(text);
	after = crk_test_read_file(conf, NULL);
	ck_assert_str_eq(after, before);
	free(after);

	unlink(errors);
	click_on("-", "Prefs", "Cadence (days)=2,5");
	ck_assert_int_eq(wait_next_due(plain_id, sent + 2, 20), sent + 2);
	after = crk_test_read_file(conf, NULL);
	ck_assert_ptr_nonnull(after);
	ck_assert_msg(strstr(after, "\ncadence = 2,5\n") != NULL &&
		strstr(after, "[account office]\n") != NULL &&
		strstr(after, "token = " FEED_TOKEN "\n") != NULL,
	    "the config file after saving:\n%s", after);
	ck_assert_msg(access(errors, F_OK) != 0, "Claws showed an error");
	free(after);
	free(before);
	free(db);
	free(errors);
	free(conf);
}
END_TEST

static bool
no_skip(void)
{
	const char *v = getenv("CRK_NO_SKIP");

	return v != NULL && strcmp(v, "1") == 0;
}

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc;
	const char *missing = NULL;

	if (!crk_dovecot_available())
		missing = "dovecot";
	else if (!tool_present("claws-mail"))
		missing = "claws-mail";
	else if (!tool_present("Xvfb"))
		missing = "Xvfb";
	else if (!tool_present("python3"))
		missing = "python3";
	if (missing != NULL) {
		if (no_skip()) {
			printf("Bail out! %s is not installed\n", missing);
			exit(EXIT_FAILURE);
		}
		printf("1..0 # SKIP %s is not installed\n", missing);
		exit(EXIT_SUCCESS);
	}
	tc = tcase_create("claws");
	tcase_add_unchecked_fixture(tc, world_setup, world_teardown);
	tcase_set_timeout(tc, 110);
	tcase_add_test(
	    tc, test_proposal_sent_and_answered_in_claws_shows_as_replied);
	tcase_add_test(
	    tc, test_watcher_and_plugin_share_one_store_without_duplicates);
	tcase_add_test(tc, test_silent_window_lists_and_selects_in_claws);
	tcase_add_test(
	    tc, test_menu_clicks_in_claws_reach_the_store_and_the_feed);
	tcase_add_test(
	    tc, test_follow_up_now_opens_a_reply_with_the_whole_thread);
	tcase_add_test(tc, test_crickets_track_tag_set_by_hand_tracks_the_mail);
	tcase_add_test(
	    tc, test_preferences_page_saves_the_shared_config_and_applies_it);
	suite_add_tcase(s, tc);
	return s;
}
