/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the rep's closing commands as keywords on a real dovecot. */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/classify.h"
#include "core/store.h"
#include "tests/check_common.h"
#include "tests/harness/dovecot.h"
#include "conf/conf.h"
#include "watcher/imap.h"
#include "watcher/keywords.h"
#include "watcher/sync.h"

#ifndef CRK_TEST_BINARY
#error "CRK_TEST_BINARY must name the built crickets program"
#endif

#define PROPOSAL_ID                                                            \
	"AM0PR07MB4530D1E2F3A4B5C6D7E8F9A0B1C2D3E4@AM0PR07MB4530.eurprd07."    \
	"prod.outlook.com"

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

/* One test's world: its own IMAP user, a home with config and store. */
struct world {
	char *dir;
	char *user;
	char *home;
	char *config;
	struct crk_account_config acc;
	struct crk_imap *imap; /* "the rep's mail client" */
};

static void
world_open(struct world *w, const char *tag)
{
	char *error = NULL, *data;
	enum crk_status st;

	memset(w, 0, sizeof(*w));
	crk_test_set_tz("Europe/Berlin");
	w->dir = crk_test_tmpdir();
	w->user = crk_xasprintf("kw-%s-%d", tag, (int)getpid());
	crk_dovecot_account(dc, w->user, CRK_TLS_IMAPS, "localhost", &w->acc);
	w->home = crk_xasprintf("%s/home", w->dir);
	ck_assert_int_eq(mkdir(w->home, 0700), 0);
	setenv("HOME", w->home, 1);
	w->config = crk_xasprintf("%s/config", w->home);
	st = crk_sync_connect(&w->acc, 10, &w->imap, &error);
	ck_assert_msg(st == CRK_OK, "connect: %s", error);
	data = crk_test_mail("outlook-proposal.eml");
	st = crk_imap_append(
	    w->imap, "Sent", NULL, data, strlen(data), NULL, &error);
	ck_assert_msg(st == CRK_OK, "append: %s", error);
	free(data);
}

static void
world_close(struct world *w)
{
	crk_imap_free(&w->imap);
	crk_dovecot_account_clear(&w->acc);
	crk_test_rmtree(w->dir);
	free(w->config);
	free(w->home);
	free(w->dir);
	free(w->user);
}

/* The config for the account; port 0: the server's. */
static void
write_config(struct world *w, unsigned port)
{
	char *text = crk_xasprintf("[crickets]\n"
				   "database = %s/crickets.db\n"
				   "feed_dir = %s/feed\n"
				   "timezone = Europe/Berlin\n"
				   "\n"
				   "[account work]\n"
				   "host = localhost\n"
				   "port = %u\n"
				   "tls = imaps\n"
				   "ca_file = %s\n"
				   "user = %s\n"
				   "password_file = %s\n"
				   "identities = robin.smith@example.com\n"
				   "internal_domains = example.com\n"
				   "drafts = no\n",
	    w->home, w->home, port != 0 ? port : dc->imaps_port, dc->ca_file,
	    w->user, w->acc.password_file);

	crk_test_write_file(w->config, text);
	free(text);
}

/* Starts crickets -c config --now ... cmd [arg [arg2]]; its stdout and
 * stderr go to <dir>/out.  The child dies with the test. */
static pid_t
spawn(struct world *w, const char *cmd, const char *arg, const char *arg2)
{
	const char *argv[] = {"crickets", "-c", w->config, "--now",
	    "2026-11-17T10:00", cmd, arg, arg2, NULL};
	char *out = crk_xasprintf("%s/out", w->dir);
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(CRK_TEST_BINARY, (char *const *)argv);
		_exit(127);
	}
	free(out);
	return pid;
}

/* Runs crickets -c config --now ... cmd [arg]; returns the exit code and
 * its stdout and stderr in *out_r. */
static int
run(struct world *w, const char *cmd, const char *arg, char **out_r)
{
	char *out = crk_xasprintf("%s/out", w->dir);
	int status;
	pid_t pid = spawn(w, cmd, arg, NULL);

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	*out_r = crk_test_read_file(out, NULL);
	free(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
run_ok(struct world *w, const char *cmd, const char *arg, char **out_r)
{
	char *out = NULL;
	int rc = run(w, cmd, arg, &out);

	ck_assert_msg(rc == 0, "crickets %s: %d: %s", cmd, rc, out);
	if (out_r != NULL)
		*out_r = out;
	else
		free(out);
}

/* The proposals in the store the program wrote: how many, and the first
 * one's short ID and state (when there is one). */
static size_t
proposals(struct world *w, char **short_id_r, enum crk_state *state_r)
{
	struct crk_proposal_list list;
	struct crk_store *store = NULL;
	char *db = crk_xasprintf("%s/crickets.db", w->home), *error = NULL;
	size_t n;

	ck_assert_msg(
	    crk_store_open(db, &store, &error) == CRK_OK, "%s", error);
	ck_assert_int_eq(
	    crk_store_proposals(store, CRK_PROPOSALS_ALL, &list, NULL), CRK_OK);
	n = list.count;
	if (n > 0 && state_r != NULL)
		*state_r = list.items[0].state;
	if (n > 0 && short_id_r != NULL)
		*short_id_r = crk_xstrdup(list.items[0].short_id);
	crk_proposal_list_clear(&list);
	crk_store_free(&store);
	free(db);
	return n;
}

/* The one proposal in the store the program wrote (short ID, state). */
static enum crk_state
proposal(struct world *w, char **short_id_r)
{
	enum crk_state state = CRK_STATE_WAITING;

	ck_assert_uint_eq(proposals(w, short_id_r, &state), 1);
	return state;
}

/* The keywords change requests still queued for the account. */
static size_t
queued(struct world *w)
{
	struct crk_keyword_change_list list;
	struct crk_store *store = NULL;
	char *db = crk_xasprintf("%s/crickets.db", w->home);
	size_t n;

	ck_assert_int_eq(crk_store_open(db, &store, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_keyword_pending(store, "work", &list, NULL), CRK_OK);
	n = list.count;
	crk_keyword_change_list_clear(&list);
	crk_store_free(&store);
	free(db);
	return n;
}

/* The flags and keywords of the proposal in Sent, as a client sees them. */
static bool
server_has(struct world *w, const char *keyword)
{
	struct crk_imap_msg_list list;
	struct crk_imap_mailbox mb;
	char *error = NULL;
	bool found;

	ck_assert_msg(crk_imap_examine(w->imap, "Sent", &mb, &error) == CRK_OK,
	    "examine: %s", error);
	ck_assert_msg(
	    crk_imap_fetch_range(w->imap, 1, 0, 0, &list, &error) == CRK_OK,
	    "fetch: %s", error);
	ck_assert_uint_eq(list.count, 1);
	found = crk_strv_contains_ci(&list.items[0].flags, keyword);
	crk_imap_msg_list_clear(&list);
	return found;
}

static const struct {
	const char *cmd;
	const char *keyword;
	enum crk_state state;
} close_table[] = {
    {"won", CRK_KEYWORD_WON, CRK_STATE_WON},
    {"lost", CRK_KEYWORD_LOST, CRK_STATE_LOST},
    {"drop", CRK_KEYWORD_DROP, CRK_STATE_DROPPED},
};

static const char *const all_keywords[] = {
    CRK_KEYWORD_WON,
    CRK_KEYWORD_LOST,
    CRK_KEYWORD_DROP,
};

START_TEST(test_closing_command_sets_its_keyword_and_reopen_removes_it)
{
	struct world w;
	char *id = NULL, *out = NULL;
	size_t k;

	world_open(&w, close_table[_i].cmd);
	write_config(&w, 0);
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_int_eq(proposal(&w, &id), CRK_STATE_WAITING);

	run_ok(&w, close_table[_i].cmd, id, &out);
	ck_assert_msg(strstr(out, "next sync") == NULL, "%s", out);
	free(out);
	for (k = 0; k < CRK_N_ELEMENTS(all_keywords); k++)
		ck_assert_msg(server_has(&w, all_keywords[k]) ==
			(strcmp(all_keywords[k], close_table[_i].keyword) == 0),
		    "%s after %s", all_keywords[k], close_table[_i].cmd);
	ck_assert_uint_eq(queued(&w), 0);
	/* the keyword seen back by the next sync is no new decision */
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_int_eq(proposal(&w, NULL), close_table[_i].state);

	run_ok(&w, "reopen", id, NULL);
	for (k = 0; k < CRK_N_ELEMENTS(all_keywords); k++)
		ck_assert(!server_has(&w, all_keywords[k]));
	ck_assert_uint_eq(queued(&w), 0);
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_int_eq(proposal(&w, NULL), CRK_STATE_WAITING);
	free(id);
	world_close(&w);
}
END_TEST

START_TEST(test_won_with_the_server_down_is_set_at_the_next_sync)
{
	struct world w;
	char *id = NULL, *out = NULL, *expect;

	world_open(&w, "down");
	write_config(&w, 0);
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_int_eq(proposal(&w, &id), CRK_STATE_WAITING);

	write_config(&w, crk_test_free_port());
	run_ok(&w, "won", id, &out);
	expect = crk_xasprintf("%s: won (the keyword will be set on the "
			       "server at the next sync)\n",
	    id);
	ck_assert_msg(strstr(out, expect) != NULL, "%s", out);
	free(expect);
	free(out);
	/* the local change is done; the server has not seen it */
	ck_assert_int_eq(proposal(&w, NULL), CRK_STATE_WON);
	ck_assert(!server_has(&w, CRK_KEYWORD_WON));
	ck_assert_uint_gt(queued(&w), 0);

	/* the server is back; a dry run changes nothing */
	write_config(&w, 0);
	run_ok(&w, "sync", "--dry-run", NULL);
	ck_assert(!server_has(&w, CRK_KEYWORD_WON));
	ck_assert_uint_gt(queued(&w), 0);
	/* the sync sets it, and the proposal stays won */
	run_ok(&w, "sync", NULL, NULL);
	ck_assert(server_has(&w, CRK_KEYWORD_WON));
	ck_assert_uint_eq(queued(&w), 0);
	ck_assert_int_eq(proposal(&w, NULL), CRK_STATE_WON);
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_int_eq(proposal(&w, NULL), CRK_STATE_WON);
	free(id);
	world_close(&w);
}
END_TEST

START_TEST(test_watch_applies_a_queued_keyword)
{
	struct world w;
	char *id = NULL, *out = NULL;
	int status, i;
	bool set = false;
	pid_t pid;

	world_open(&w, "watch");
	write_config(&w, 0);
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_int_eq(proposal(&w, &id), CRK_STATE_WAITING);
	write_config(&w, crk_test_free_port());
	run_ok(&w, "lost", id, &out);
	ck_assert_msg(strstr(out, "next sync") != NULL, "%s", out);
	free(out);
	ck_assert(!server_has(&w, CRK_KEYWORD_LOST));

	write_config(&w, 0);
	pid = spawn(&w, "watch", "--foreground", "--interval=1");
	for (i = 0; i < 200 && !set; i++) {
		usleep(100 * 1000);
		set = server_has(&w, CRK_KEYWORD_LOST);
	}
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(set, "the watcher did not set %s", CRK_KEYWORD_LOST);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(queued(&w), 0);
	ck_assert_int_eq(proposal(&w, NULL), CRK_STATE_LOST);
	free(id);
	world_close(&w);
}
END_TEST

START_TEST(test_queue_without_an_account_only_keeps_the_entries)
{
	struct world w;
	char *id = NULL, *out = NULL, *text;

	world_open(&w, "noacc");
	write_config(&w, 0);
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_int_eq(proposal(&w, &id), CRK_STATE_WAITING);
	/* the same store, a config without the account */
	text = crk_xasprintf("[crickets]\ndatabase = %s/crickets.db\n", w.home);
	crk_test_write_file(w.config, text);
	free(text);
	run_ok(&w, "won", id, &out);
	ck_assert_msg(strstr(out, "won") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "next sync") == NULL, "%s", out);
	free(out);
	/* removals of lost and drop, the addition of won */
	ck_assert_uint_eq(queued(&w), 3);
	ck_assert(!server_has(&w, CRK_KEYWORD_WON));
	free(id);
	world_close(&w);
}
END_TEST

/* A proposal tracked by the rep's crickets-track keyword, then untracked
 * on the command line: the keyword leaves the server, so a flag the rep
 * sets on the message later (which brings its keywords back to the
 * sync) does not track it again. */
START_TEST(test_untrack_removes_the_track_keyword_from_the_server)
{
	struct crk_strv flags = {0};
	struct crk_imap_mailbox mb;
	struct world w;
	char *id = NULL, *error = NULL;

	world_open(&w, "untrack");
	write_config(&w, 0);
	ck_assert_int_eq(crk_imap_select(w.imap, "Sent", &mb, NULL), CRK_OK);
	crk_strv_add(&flags, CRK_KEYWORD_TRACK);
	ck_assert_msg(
	    crk_imap_store_flags(w.imap, 1, &flags, true, &error) == CRK_OK,
	    "store: %s", error);
	crk_strv_clear(&flags);
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_int_eq(proposal(&w, &id), CRK_STATE_WAITING);

	run_ok(&w, "untrack", id, NULL);
	ck_assert_uint_eq(proposals(&w, NULL, NULL), 0);
	ck_assert(!server_has(&w, CRK_KEYWORD_TRACK));
	ck_assert_uint_eq(queued(&w), 0);
	/* the rep flags the message in a mail client */
	ck_assert_int_eq(crk_imap_select(w.imap, "Sent", &mb, NULL), CRK_OK);
	crk_strv_add(&flags, "\\Flagged");
	ck_assert_int_eq(
	    crk_imap_store_flags(w.imap, 1, &flags, true, NULL), CRK_OK);
	crk_strv_clear(&flags);
	run_ok(&w, "sync", NULL, NULL);
	ck_assert_uint_eq(proposals(&w, NULL, NULL), 0);
	free(id);
	world_close(&w);
}
END_TEST

/* The queue and the locations it is applied at, on the store alone. */
START_TEST(test_store_queues_keywords_in_order_and_knows_locations)
{
	struct crk_keyword_change_list list;
	struct crk_message_location_list locs;
	struct crk_store *store = NULL;
	char *dir = crk_test_tmpdir();
	char *db = crk_xasprintf("%s/crickets.db", dir);
	ck_assert_int_eq(crk_store_open(db, &store, NULL), CRK_OK);
	ck_assert_int_eq(crk_keywords_queue(
			     store, "work", "a@x", CRK_KEYWORD_LOST, 100, NULL),
	    CRK_OK);
	ck_assert_int_eq(
	    crk_keywords_queue(store, "work", "a@x", NULL, 200, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_keyword_pending(store, "other", &list, NULL), CRK_OK);
	ck_assert_uint_eq(list.count, 0);
	crk_keyword_change_list_clear(&list);
	ck_assert_int_eq(
	    crk_store_keyword_pending(store, "work", &list, NULL), CRK_OK);
	/* lost: -won -drop +lost; reopen: -won -lost -drop */
	ck_assert_uint_eq(list.count, 6);
	ck_assert_str_eq(list.items[2].keyword, CRK_KEYWORD_LOST);
	ck_assert(list.items[2].add);
	ck_assert(!list.items[0].add);
	ck_assert_str_ne(list.items[0].keyword, CRK_KEYWORD_LOST);
	ck_assert_str_eq(list.items[4].keyword, CRK_KEYWORD_LOST);
	ck_assert(!list.items[4].add);
	ck_assert_str_eq(list.items[0].message_id, "a@x");
	ck_assert_int_eq(
	    crk_store_keyword_done(store, list.items[0].id, NULL), CRK_OK);
	crk_keyword_change_list_clear(&list);
	ck_assert_int_eq(
	    crk_store_keyword_pending(store, "work", &list, NULL), CRK_OK);
	ck_assert_uint_eq(list.count, 5);
	crk_keyword_change_list_clear(&list);
	/* a message never seen has no locations */
	ck_assert_int_eq(
	    crk_store_message_locations(store, "work", "a@x", &locs, NULL),
	    CRK_OK);
	ck_assert_uint_eq(locs.count, 0);
	crk_message_location_list_clear(&locs);
	crk_store_free(&store);
	crk_test_rmtree(dir);
	free(db);
	free(dir);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("keywords");
	TCase *tc = tcase_create("dovecot");
	TCase *tc_store = tcase_create("store");

	tcase_add_test(
	    tc_store, test_store_queues_keywords_in_order_and_knows_locations);
	suite_add_tcase(s, tc_store);
	if (!crk_dovecot_available()) {
		if (getenv("CRK_NO_SKIP") != NULL &&
		    strcmp(getenv("CRK_NO_SKIP"), "1") == 0) {
			printf("Bail out! dovecot is not installed\n");
			exit(EXIT_FAILURE);
		}
		return s;
	}
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);
	CRK_TABLE_TEST(tc,
	    test_closing_command_sets_its_keyword_and_reopen_removes_it,
	    close_table);
	tcase_add_test(
	    tc, test_won_with_the_server_down_is_set_at_the_next_sync);
	tcase_add_test(tc, test_watch_applies_a_queued_keyword);
	tcase_add_test(
	    tc, test_untrack_removes_the_track_keyword_from_the_server);
	tcase_add_test(
	    tc, test_queue_without_an_account_only_keeps_the_entries);
	suite_add_tcase(s, tc);
	return s;
}
