/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Crash safety against the real dovecot (issue 9): `crickets sync`, with
 * drafts on, is killed with SIGKILL at random moments of a long initial
 * sync, then run normally.  The final store (proposals, states, rounds,
 * touches, follow-ups and their due dates) must equal that of an
 * uninterrupted run on the same mailbox, and the Drafts folder must hold
 * exactly as many drafts: one per open follow-up, none twice. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/store.h"
#include "tests/check_common.h"
#include "tests/harness/dovecot.h"
#include "watcher/imap.h"

#ifndef CRK_TEST_BINARY
#error "CRK_TEST_BINARY must name the built crickets program"
#endif

#define N_PROPOSALS 300
#define NOW "2026-11-20"

static struct crk_dovecot *dc;

struct rep {
	char *dir;
	char *user;
	char *config;
	char *db;
	struct crk_imap *imap;
};

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

static void
append(struct rep *r, const char *folder, char *data)
{
	char *error = NULL;

	ck_assert_msg(crk_imap_append(r->imap, folder, NULL, data, strlen(data),
			  NULL, &error) == CRK_OK,
	    "append: %s", error);
	free(data);
}

/* The same mailbox for every rep: proposals over three weeks, replies,
 * out-of-office answers, bounces and newsletters. */
static void
fill(struct rep *r)
{
	int i;

	for (i = 0; i < N_PROPOSALS; i++) {
		int day = 1 + i % 18, hour = 8 + i % 9;

		append(r, "Sent",
		    crk_xasprintf(
			"From: Robin Smith <robin.smith@example.com>\r\n"
			"To: Client %d <buyer%d@client%d.example>\r\n"
			"Subject: Proposal %d: rollout\r\n"
			"Date: %d Nov 2026 %02d:00:00 +0100\r\n"
			"Message-ID: <p%d@mail.example.com>\r\n\r\n"
			"Our proposal %d.\r\n",
			i, i, i, i, day, hour, i, i));
		if (i % 3 == 0)
			append(r, "INBOX",
			    crk_xasprintf(
				"From: Client %d <buyer%d@client%d."
				"example>\r\n"
				"To: robin.smith@example.com\r\n"
				"Subject: Re: Proposal %d: rollout\r\n"
				"Date: %d Nov 2026 %02d:30:00 +0100\r\n"
				"Message-ID: <r%d@client%d.example>\r\n"
				"In-Reply-To: <p%d@mail.example.com>\r\n"
				"\r\nThanks, we will look.\r\n",
				i, i, i, i, day + 1, hour, i, i, i));
		else if (i % 5 == 1)
			append(r, "INBOX",
			    crk_xasprintf(
				"From: Client %d <buyer%d@client%d.example>\r\n"
				"To: robin.smith@example.com\r\n"
				"Subject: Automatic reply: Proposal %d\r\n"
				"Auto-Submitted: auto-replied\r\n"
				"Date: %d Nov 2026 %02d:01:00 +0100\r\n"
				"Message-ID: <o%d@client%d.example>\r\n"
				"In-Reply-To: <p%d@mail.example.com>\r\n\r\n"
				"I am out of the office until 30 November.\r\n",
				i, i, i, i, day, hour, i, i, i));
		else if (i % 7 == 2)
			append(r, "INBOX",
			    crk_xasprintf(
				"From: MAILER-DAEMON@mail.example.com\r\n"
				"To: robin.smith@example.com\r\n"
				"Subject: Undelivered Mail Returned to "
				"Sender\r\n"
				"Date: %d Nov 2026 %02d:02:00 +0100\r\n"
				"Message-ID: <b%d@mail.example.com>\r\n"
				"MIME-Version: 1.0\r\n"
				"Content-Type: multipart/report; "
				"report-type=delivery-status; "
				"boundary=\"b\"\r\n"
				"\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
				"Undeliverable.\r\n--b\r\n"
				"Content-Type: message/delivery-status\r\n\r\n"
				"Final-Recipient: rfc822; buyer%d@client%d."
				"example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
				"\r\n--b\r\nContent-Type: text/rfc822-headers"
				"\r\n\r\nMessage-ID: <p%d@mail.example.com>\r\n"
				"\r\n--b--\r\n",
				day, hour, i, i, i, i));
		if (i % 4 == 3)
			append(r, "INBOX",
			    crk_xasprintf("From: News <news@vendor.example>\r\n"
					  "To: robin.smith@example.com\r\n"
					  "Subject: News %d\r\n"
					  "List-Id: <news.vendor.example>\r\n"
					  "Date: %d Nov 2026 07:00:00 +0100\r\n"
					  "Message-ID: <n%d@vendor.example>\r\n"
					  "\r\nNews.\r\n",
				i, day, i));
	}
}

static void
rep_open(struct rep *r, const char *tag)
{
	struct crk_account_config acc;
	char *text, *error = NULL;

	memset(r, 0, sizeof(*r));
	r->dir = crk_test_tmpdir();
	r->user = crk_xasprintf("crash-%s-%d", tag, (int)getpid());
	r->config = crk_xasprintf("%s/config", r->dir);
	r->db = crk_xasprintf("%s/crickets.db", r->dir);
	crk_dovecot_account(dc, r->user, CRK_TLS_NONE, "127.0.0.1", &acc);
	text = crk_xasprintf("[crickets]\n"
			     "database = %s\n"
			     "feed_dir = %s/feed\n"
			     "timezone = Europe/Berlin\n"
			     "\n"
			     "[account work]\n"
			     "host = 127.0.0.1\n"
			     "port = %u\n"
			     "tls = none\n"
			     "user = %s\n"
			     "password_file = %s\n"
			     "identities = robin.smith@example.com\n"
			     "internal_domains = example.com\n"
			     "drafts = yes\n",
	    r->db, r->dir, dc->imap_port, r->user, acc.password_file);
	crk_test_write_file(r->config, text);
	free(text);
	ck_assert_int_eq(crk_imap_connect(&acc, 10, &r->imap, &error), CRK_OK);
	ck_assert_int_eq(crk_imap_login(r->imap, r->user, CRK_DOVECOT_PASSWORD,
			     false, &error),
	    CRK_OK);
	crk_dovecot_account_clear(&acc);
	fill(r);
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
}

static pid_t
spawn_sync(struct rep *r)
{
	char *log = crk_xasprintf("%s/sync.log", r->dir);
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(CRK_TEST_BINARY, "crickets", "-c", r->config, "--now",
		    NOW, "sync", (char *)NULL);
		_exit(127);
	}
	free(log);
	return pid;
}

static int
sync_once(struct rep *r)
{
	int status;
	pid_t pid = spawn_sync(r);

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What must survive a crash, in a stable order and without ids or
 * timestamps that may differ between runs. */
static char *
dump(struct rep *r)
{
	struct crk_store *store = NULL;
	struct crk_proposal_list list = {0};
	struct crk_followup_list fus = {0};
	struct crk_strv lines = {0};
	char *error = NULL, *s;
	size_t i, j;

	ck_assert_msg(
	    crk_store_open(r->db, &store, &error) == CRK_OK, "%s", error);
	ck_assert_int_eq(
	    crk_store_proposals(store, CRK_PROPOSALS_ALL, &list, &error),
	    CRK_OK);
	for (i = 0; i < list.count; i++) {
		const struct crk_proposal *p = &list.items[i];

		crk_strv_add_owned(&lines,
		    crk_xasprintf("%s state=%s round=%u touches=%u next=%u "
				  "due=%d snooze=%d",
			p->message_id, crk_state_name(p->state), p->round,
			p->touches, p->next_number, (int)p->next_due,
			(int)p->snooze_until));
		ck_assert_int_eq(
		    crk_store_followups(store, p->id, false, &fus, &error),
		    CRK_OK);
		for (j = 0; j < fus.count; j++)
			crk_strv_add_owned(&lines,
			    crk_xasprintf("%s  r%u n%u due=%d %s",
				p->message_id, fus.items[j].round,
				fus.items[j].number, (int)fus.items[j].due,
				crk_followup_state_name(fus.items[j].state)));
		crk_followup_list_clear(&fus);
	}
	crk_proposal_list_clear(&list);
	crk_store_free(&store);
	qsort(lines.items, lines.count, sizeof(*lines.items), line_cmp);
	s = crk_strv_join(&lines, "\n");
	crk_strv_clear(&lines);
	return s;
}

static unsigned
drafts(struct rep *r)
{
	struct crk_imap_mailbox mb;
	char *error = NULL;

	ck_assert_msg(
	    crk_imap_examine(r->imap, "Drafts", &mb, &error) == CRK_OK, "%s",
	    error);
	return mb.exists;
}

/* Every draft the store says is in the Drafts folder is there exactly
 * once (a crash between APPEND and the store write must not append a
 * second copy), none is left half-done, and each belongs to the open
 * follow-up: the folder holds one draft per open follow-up and nothing
 * else.  Returns how many open follow-ups have their draft. */
static unsigned
check_drafts(struct rep *r)
{
	struct crk_store *store = NULL;
	struct crk_draft_list list = {0};
	struct crk_imap_mailbox mb;
	char *error = NULL;
	unsigned open = 0;
	size_t i;

	ck_assert_msg(
	    crk_store_open(r->db, &store, &error) == CRK_OK, "%s", error);
	ck_assert_msg(crk_store_drafts(store, "work", &list, &error) == CRK_OK,
	    "%s", error);
	ck_assert_msg(crk_imap_select(r->imap, "Drafts", &mb, &error) == CRK_OK,
	    "%s", error);
	for (i = 0; i < list.count; i++) {
		const struct crk_draft *d = &list.items[i];
		uint32_t *uids = NULL;
		size_t n = 0;

		ck_assert_msg(d->state != CRK_DRAFT_PENDING,
		    "draft %s is still pending after a clean sync",
		    d->message_id);
		if (d->state != CRK_DRAFT_APPENDED)
			continue;
		ck_assert_msg(d->followup_open,
		    "draft %s is kept for a closed follow-up", d->message_id);
		ck_assert_msg(crk_imap_search_header(r->imap, "Message-ID",
				  d->message_id, &uids, &n, &error) == CRK_OK,
		    "%s", error);
		ck_assert_msg(n == 1, "draft %s is %zu times in Drafts",
		    d->message_id, n);
		free(uids);
		open++;
	}
	ck_assert_msg(open == mb.exists,
	    "Drafts holds %u messages for %u open follow-ups", mb.exists, open);
	crk_draft_list_clear(&list);
	crk_store_free(&store);
	return open;
}

START_TEST(test_sigkill_during_sync_then_a_normal_sync_gives_the_same_store)
{
	struct rep ref, crash;
	char *want, *got;
	unsigned seed = 20261122u + (unsigned)_i, kills = 0, n_drafts;
	struct timespec a, b;
	long sync_ms, limit_ms;
	int k, rc;

	rep_open(&ref, "ref");
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = sync_once(&ref);
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* kills are timed against what a whole sync takes */
	sync_ms =
	    (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ck_assert_msg(rc == 0, "the reference sync exited %d", rc);
	want = dump(&ref);
	n_drafts = drafts(&ref);
	ck_assert_msg(n_drafts > 10, "only %u drafts: not a test", n_drafts);

	rep_open(&crash, "kill");
	srand(seed);
	limit_ms = sync_ms;
	/* up to 12 tries for 6 kills: a sync that had ended before its kill
	 * came is a whole sync, and harmless */
	for (k = 0; k < 12 && kills < 6; k++) {
		int status;
		pid_t pid = spawn_sync(&crash);

		/* even kills early (the fetch), odd ones anywhere: a later
		 * sync has less to fetch and reaches the drafts sooner */
		int span = (int)(k % 2 ? limit_ms : limit_ms / 3) + 1;
		int ms = 10 + rand() % span;

		usleep((useconds_t)ms * 1000);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status))
			kills++;
		else if (limit_ms > 40)
			limit_ms /= 2; /* less was left to do: kill sooner */
		/* logged, so a failure can be replayed from its seed */
		fprintf(stderr, "# seed %u: kill %d after %d of %ld ms: %s\n",
		    seed, k + 1, ms, sync_ms,
		    WIFSIGNALED(status) ? "killed" : "had ended");
	}
	/* the kills landed inside syncs, not after them */
	ck_assert_msg(kills >= 3,
	    "seed %u: only %u of %d syncs were killed (a sync takes %ld ms)",
	    seed, kills, k, sync_ms);
	rc = sync_once(&crash);
	ck_assert_msg(rc == 0, "the sync after the kills exited %d", rc);
	got = dump(&crash);
	ck_assert_msg(strcmp(want, got) == 0,
	    "seed %u, %u kills: the store differs.\nwant:\n%s\n\ngot:\n%s",
	    seed, kills, want, got);
	ck_assert_uint_eq(check_drafts(&ref), n_drafts);
	ck_assert_uint_eq(check_drafts(&crash), n_drafts);
	ck_assert_msg(drafts(&crash) == n_drafts,
	    "seed %u: %u drafts after the kills, %u without", seed,
	    drafts(&crash), n_drafts);
	free(want);
	free(got);
	rep_close(&crash);
	rep_close(&ref);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("dovecot");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc,
	    test_sigkill_during_sync_then_a_normal_sync_gives_the_same_store, 0,
	    2);
	suite_add_tcase(s, tc);
	return s;
}
