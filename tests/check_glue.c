/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the Claws plugin's GTK-free glue: config, ingest, notices, actions,
 * feeds. */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/date.h"
#include "core/store.h"
#include "ical/server.h"
#include "plugin/glue.h"
#include "tests/check_common.h"

/* ---- config ------------------------------------------------------------ */

struct config_case {
	const char *text;
	const char *database; /* expected, "~" = $HOME */
	int first_offset;     /* cadence.offsets[0] */
	int repeat_every;
	unsigned weekend;
};

static const struct config_case config_cases[] = {
    /* the watcher's sample, with comments and an [account] section */
    {"; crickets\n[crickets]\ndatabase = /tmp/x/c.db   ; the store\n"
     "cadence = 2,5,9 ; days\nrepeat_every = 14\nweekend = fri,sat\n"
     "[account work]\nhost = imap.example.com\nuser = robin\n"
     "cadence = 99\n",
	"/tmp/x/c.db", 2, 14, (1u << 5) | (1u << 6)},
    /* "~/" expands; keys of other sections are not ours */
    {"[serve]\ndatabase = /nope\n[crickets]\ndatabase = ~/s.db\n"
     "templates_dir = /t\n",
	"~/s.db", 1, 30, (1u << 6) | (1u << 0)},
    /* '#' comments, a BOM, no weekend */
    {"\xef\xbb\xbf# hi\n[crickets]\nweekend = none\n", NULL, 1, 30, 0},
};

START_TEST(test_config_reads_the_crickets_section_like_the_watcher)
{
	const struct config_case *c = &config_cases[_i];
	struct crk_glue_config *config = NULL;
	char *tmp = crk_test_tmpdir();
	char *path = crk_xasprintf("%s/config", tmp);
	char *error = NULL;
	char *want;

	setenv("HOME", tmp, 1);
	crk_test_write_file(path, c->text);
	ck_assert_int_eq(crk_glue_config_load(path, &config, &error), CRK_OK);
	if (c->database == NULL)
		want =
		    crk_xasprintf("%s/.local/share/crickets/crickets.db", tmp);
	else if (c->database[0] == '~')
		want = crk_xasprintf("%s%s", tmp, c->database + 1);
	else
		want = crk_xstrdup(c->database);
	unsetenv("XDG_DATA_HOME");
	ck_assert_str_eq(config->database, want);
	ck_assert_str_eq(config->path, path);
	ck_assert_int_eq(config->cadence.offsets[0], c->first_offset);
	ck_assert_int_eq(config->cadence.repeat_every, c->repeat_every);
	ck_assert_uint_eq(config->cadence.weekend, c->weekend);
	if (strstr(c->text, "templates_dir") != NULL)
		ck_assert_str_eq(config->templates_dir, "/t");
	free(want);
	crk_glue_config_free(&config);
	free(path);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

static const char *const bad_configs[] = {
    "[crickets]\ncadence = 3,1\n",
    "[crickets]\nweekend = caturday\n",
    "[crickets]\nrepeat_every = -3\n",
    "[crickets]\nproposal_words = quote:lots\n",
    "[crickets\n",
    "[crickets]\njust words\n",
    "[claws]\nserve = maybe\n",
    "[claws]\nport = 70000\n",
    "[claws]\ntoken = short\n",
    "[claws]\ntoken = has/a/slash/in/it/x\n",
    "[claws]\ndrafts = sometimes\n",
    "[crickets]\ndraft_hour = 24\n",
};

START_TEST(test_bad_config_values_name_file_and_line)
{
	struct crk_glue_config *config = NULL;
	char *tmp = crk_test_tmpdir();
	char *path = crk_xasprintf("%s/config", tmp);
	char *error = NULL;
	char *where;

	crk_test_write_file(path, bad_configs[_i]);
	ck_assert_int_eq(
	    crk_glue_config_load(path, &config, &error), CRK_E_INVAL);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(error);
	where = crk_xasprintf("%s:", path);
	ck_assert_msg(strncmp(error, where, strlen(where)) == 0,
	    "error without file name: %s", error);
	free(where);
	free(error);
	free(path);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_missing_config_gives_the_watchers_defaults)
{
	struct crk_glue_config *config = NULL;
	char *tmp = crk_test_tmpdir();
	char *path = crk_xasprintf("%s/none", tmp);
	char *want;

	setenv("XDG_DATA_HOME", tmp, 1);
	ck_assert_int_eq(crk_glue_config_load(path, &config, NULL), CRK_OK);
	ck_assert_ptr_null(config->path);
	want = crk_xasprintf("%s/crickets/feed", tmp);
	ck_assert_str_eq(config->feed_dir, want);
	ck_assert_int_eq(config->cadence.offsets[5], 58);
	free(want);
	crk_glue_config_free(&config);
	unsetenv("XDG_DATA_HOME");
	free(path);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(test_crickets_config_env_names_the_config_file)
{
	char *path;

	setenv("CRICKETS_CONFIG", "/etc/elsewhere/crickets.ini", 1);
	path = crk_glue_config_default_path();
	ck_assert_str_eq(path, "/etc/elsewhere/crickets.ini");
	free(path);
	unsetenv("CRICKETS_CONFIG");
	setenv("XDG_CONFIG_HOME", "/x/conf", 1);
	path = crk_glue_config_default_path();
	ck_assert_str_eq(path, "/x/conf/crickets/config");
	free(path);
	unsetenv("XDG_CONFIG_HOME");
}
END_TEST

/* The plugin reads the file with the watcher's reader (conf/): what one
 * refuses the other refuses with the same message, and what one reads the
 * other reads the same way (section and key names in any case, the time
 * zone checked). */
static const struct {
	const char *text;
	const char *error; /* a part of the message, NULL: loads */
	const char *database;
} same_cases[] = {
    {"[Crickets]\nDatabase = /x/c.db\n", NULL, "/x/c.db"},
    {"[crickets]\ntimezone = Mars/Olympus\n", "unknown time zone", NULL},
    {"[crickets]\ncap = 5000\n", "cap must be", NULL},
    {"[claws]\nport = 70000\n", "port must be", NULL},
    {"[claws]\ntoken = short\n", "token must be", NULL},
    {"[account work]\nhost = imap.example.com\n", "has no user", NULL},
    {"[crickets]\ndatabase\n", "syntax error", NULL},
};

START_TEST(test_plugin_and_watcher_read_the_config_file_the_same_way)
{
	struct crk_glue_config *glue = NULL;
	struct crk_config *watcher = NULL;
	char *tmp = crk_test_tmpdir();
	char *path = crk_xasprintf("%s/config", tmp);
	char *glue_error = NULL, *watcher_error = NULL;
	enum crk_status gs, ws;

	crk_test_write_file(path, same_cases[_i].text);
	gs = crk_glue_config_load(path, &glue, &glue_error);
	ws = crk_config_load(path, false, &watcher, &watcher_error);
	ck_assert_int_eq(gs, ws);
	if (same_cases[_i].error != NULL) {
		ck_assert_int_eq(gs, CRK_E_INVAL);
		ck_assert_str_eq(glue_error, watcher_error);
		ck_assert_msg(strstr(glue_error, same_cases[_i].error) != NULL,
		    "%s", glue_error);
	} else {
		ck_assert_int_eq(gs, CRK_OK);
		ck_assert_str_eq(glue->database, same_cases[_i].database);
		ck_assert_str_eq(watcher->database, same_cases[_i].database);
	}
	crk_glue_config_free(&glue);
	crk_config_free(&watcher);
	free(glue_error);
	free(watcher_error);
	free(path);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

struct save_case {
	const char *before; /* NULL: no file */
	const char *after;
};

static const struct save_case save_cases[] = {
    /* replaced in place, comments and other sections kept, removed */
    {"; mine\n[crickets]\ncadence = 1,3 ; old\nweekend = sat,sun\n"
     "[account work]\nhost = h\nuser = u\ncadence = 7\n",
	"; mine\n[crickets]\ncadence = 2,4,8\n"
	"[account work]\nhost = h\nuser = u\ncadence = 7\n"
	"\n[claws]\ndrafts = no\n"},
    /* a new key after the last key of its section */
    {"[crickets]\ndatabase = /x.db\n\n[serve]\nlisten = 1\n",
	"[crickets]\ndatabase = /x.db\ncadence = 2,4,8\n\n"
	"[serve]\nlisten = 1\n\n[claws]\ndrafts = no\n"},
    /* both sections there, in the other order; a key the same name in
     * another section is not touched */
    {"[claws]\ndrafts = yes\nport = 9000\n[crickets]\nweekend = sat\n"
     "drafts = odd\n",
	"[claws]\ndrafts = no\nport = 9000\n[crickets]\ndrafts = odd\n"
	"cadence = 2,4,8\n"},
    /* no section, no file */
    {"[serve]\nlisten = 1\n",
	"[serve]\nlisten = 1\n\n[crickets]\ncadence = 2,4,8\n"
	"\n[claws]\ndrafts = no\n"},
    {NULL, "[crickets]\ncadence = 2,4,8\n\n[claws]\ndrafts = no\n"},
};

START_TEST(test_preferences_are_saved_into_the_shared_config_file)
{
	const struct save_case *c = &save_cases[_i];
	static const struct crk_config_setting set[] = {
	    {"crickets", "cadence", "2,4,8"},
	    {"crickets", "weekend", NULL},
	    {"claws", "drafts", "no"},
	};
	char *tmp = crk_test_tmpdir();
	char *path = crk_xasprintf("%s/config", tmp);
	char *error = NULL;
	char *text;
	struct stat st;

	if (c->before != NULL)
		crk_test_write_file(path, c->before);
	ck_assert_msg(
	    crk_config_save(path, set, CRK_N_ELEMENTS(set), &error) == CRK_OK,
	    "save: %s", error);
	text = crk_test_read_file(path, NULL);
	ck_assert_str_eq(text, c->after);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	free(text);
	free(path);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

/* A bad value refuses the whole save: not even the good settings of the
 * same save reach the file (the preferences page saves two sections). */
static const struct crk_config_setting bad_saves[][2] = {
    {{"crickets", "cadence", "9,3"}, {"claws", "port", "9000"}},
    {{"crickets", "cadence", "2,4"}, {"claws", "port", "99999"}},
};

START_TEST(test_a_bad_preference_never_reaches_the_file)
{
	const char *before = "[crickets]\ncadence = 1,3\n";
	char *tmp = crk_test_tmpdir();
	char *path = crk_xasprintf("%s/config", tmp);
	char *error = NULL;
	char *text;

	crk_test_write_file(path, before);
	ck_assert_int_eq(
	    crk_config_save(path, bad_saves[_i], 2, &error), CRK_E_INVAL);
	ck_assert_ptr_nonnull(error);
	text = crk_test_read_file(path, NULL);
	ck_assert_str_eq(text, before);
	free(text);
	free(error);
	free(path);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

/* ---- ingest, notices, actions, feeds ---------------------------------- */

static const char proposal[] =
    "Date: Mon, 16 Nov 2026 10:00:00 +0100\n"
    "From: Robin Smith <Robin.Smith@Example.com>\n"
    "To: Jane Doe <jane.doe@acme-corp.test>\n"
    "Subject: Q3 rollout\n"
    "Message-ID: <p1@example.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\nContent-Type: text/plain\n\nHi Jane\n"
    "--b\nContent-Type: application/pdf; name=\"ACME-proposal.pdf\"\n"
    "Content-Disposition: attachment; filename=\"ACME-proposal.pdf\"\n"
    "Content-Transfer-Encoding: base64\n\nJVBERi0=\n--b--\n";

static const char plain_mail[] = "Date: Mon, 16 Nov 2026 11:00:00 +0100\n"
				 "From: Robin Smith <robin.smith@example.com>\n"
				 "To: Jane Doe <jane.doe@acme-corp.test>\n"
				 "Subject: lunch\n"
				 "Message-ID: <p2@example.com>\n"
				 "\n"
				 "Lunch?\n";

static const char answer[] = "Date: Wed, 18 Nov 2026 09:00:00 +0100\n"
			     "From: Jane Doe <jane.doe@acme-corp.test>\n"
			     "To: robin.smith@example.com\n"
			     "Subject: Re: Q3 rollout\n"
			     "Message-ID: <a1@acme-corp.test>\n"
			     "In-Reply-To: <p1@example.com>\n"
			     "\n"
			     "Let us talk.\n";

static const char bounce[] =
    "Date: Mon, 16 Nov 2026 11:05:00 +0100\n"
    "From: Mail Delivery System <MAILER-DAEMON@example.com>\n"
    "To: robin.smith@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Message-ID: <b1@example.com>\n"
    "X-Failed-Recipients: jane.doe@acme-corp.test\n"
    "In-Reply-To: <p1@example.com>\n"
    "References: <p1@example.com>\n"
    "\n"
    "Your message could not be delivered.\n";

struct world {
	char *dir;
	struct crk_glue_config *config;
	struct crk_glue *glue;
	time_t now;
};

static void
world_open(struct world *w)
{
	struct crk_strv ids = {0};
	char *path;
	char *text;
	char *error = NULL;

	memset(w, 0, sizeof(*w));
	crk_test_set_tz("Europe/Berlin");
	w->dir = crk_test_tmpdir();
	path = crk_xasprintf("%s/config", w->dir);
	/* the store lives in a directory that does not exist yet */
	text = crk_xasprintf("[crickets]\ndatabase = %s/data/c.db\n"
			     "feed_dir = %s/feed\n",
	    w->dir, w->dir);
	crk_test_write_file(path, text);
	ck_assert_int_eq(
	    crk_glue_config_load(path, &w->config, &error), CRK_OK);
	crk_strv_add(&ids, "Robin.Smith@EXAMPLE.com");
	ck_assert_msg(
	    crk_glue_open(w->config, &ids, &w->glue, &error) == CRK_OK,
	    "open: %s", error);
	ck_assert_int_eq(
	    crk_time_parse("2026-11-16T12:00", &w->now, NULL), CRK_OK);
	crk_strv_clear(&ids);
	free(text);
	free(path);
}

static void
world_close(struct world *w)
{
	crk_glue_free(&w->glue);
	crk_glue_config_free(&w->config);
	crk_test_rmtree(w->dir);
	free(w->dir);
}

static char *
ingest(struct world *w, const char *raw, const char *tag)
{
	struct crk_strv tags = {0};
	char *notice = NULL;
	char *error = NULL;
	enum crk_status st;

	if (tag != NULL)
		crk_strv_add(&tags, tag);
	st = crk_glue_ingest(w->glue, "work", raw, strlen(raw), &tags,
	    "#mh/Mailbox/sent", 1, w->now, &notice, &error);
	ck_assert_msg(st == CRK_OK, "ingest: %s", error);
	crk_strv_clear(&tags);
	return notice;
}

static struct crk_proposal *
proposal_of(struct world *w, const char *id)
{
	struct crk_proposal *p = NULL;

	if (crk_store_proposal_find(crk_glue_store(w->glue), id, &p, NULL) !=
	    CRK_OK)
		return NULL;
	return p;
}

START_TEST(test_sent_proposal_is_tracked_with_claws_identities)
{
	struct world w;
	struct crk_proposal *p;
	char *notice;

	world_open(&w);
	notice = ingest(&w, proposal, NULL);
	ck_assert_ptr_null(notice);
	ck_assert(crk_glue_has_message(w.glue, "work", "<p1@example.com>"));
	ck_assert(!crk_glue_has_message(w.glue, "other", "p1@example.com"));
	p = proposal_of(&w, "p1@example.com");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->state, CRK_STATE_WAITING);
	ck_assert_ptr_nonnull(strstr(p->reason, "ACME-proposal.pdf"));
	crk_proposal_free(&p);
	world_close(&w);
}
END_TEST

START_TEST(test_claws_tag_crickets_track_tracks_any_sent_mail)
{
	struct world w;
	struct crk_proposal *p;

	world_open(&w);
	free(ingest(&w, plain_mail, NULL));
	ck_assert_ptr_null(proposal_of(&w, "p2@example.com"));
	w.now += 60;
	free(ingest(&w, plain_mail, "crickets-track"));
	p = proposal_of(&w, "p2@example.com");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p->reason, "keyword"));
	crk_proposal_free(&p);
	world_close(&w);
}
END_TEST

struct notice_case {
	const char *mail;
	const char *notice_part; /* NULL: no notice */
	enum crk_state state;
};

static const struct notice_case notice_cases[] = {
    {answer, "jane.doe@acme-corp.test replied to 'Q3 rollout'",
	CRK_STATE_REPLIED},
    {bounce, "'Q3 rollout' bounced", CRK_STATE_BOUNCED},
    {plain_mail, NULL, CRK_STATE_WAITING},
};

START_TEST(test_reply_and_bounce_give_a_status_bar_notice)
{
	const struct notice_case *c = &notice_cases[_i];
	struct world w;
	struct crk_proposal *p;
	char *notice;

	world_open(&w);
	free(ingest(&w, proposal, NULL));
	w.now += 2 * 86400;
	notice = ingest(&w, c->mail, NULL);
	if (c->notice_part == NULL)
		ck_assert_ptr_null(notice);
	else
		ck_assert_msg(
		    notice != NULL && strstr(notice, c->notice_part) != NULL,
		    "notice: %s", notice ? notice : "(none)");
	p = proposal_of(&w, "p1@example.com");
	ck_assert_int_eq(p != NULL ? (int)p->state : -1, (int)c->state);
	/* the same mail again changes nothing and says nothing */
	free(notice);
	notice = ingest(&w, c->mail, NULL);
	ck_assert_ptr_null(notice);
	crk_proposal_free(&p);
	world_close(&w);
}
END_TEST

struct action_case {
	const char *action;
	enum crk_state state;
};

static const struct action_case action_cases[] = {
    {"won", CRK_STATE_WON},
    {"lost", CRK_STATE_LOST},
    {"drop", CRK_STATE_DROPPED},
    {"snooze", CRK_STATE_SNOOZED},
    {"call", CRK_STATE_WAITING},
};

START_TEST(test_menu_actions_change_the_proposal)
{
	const struct action_case *c = &action_cases[_i];
	struct world w;
	struct crk_proposal *p;
	char *error = NULL;
	crk_day until;

	world_open(&w);
	free(ingest(&w, proposal, NULL));
	ck_assert_int_eq(crk_day_parse("2026-12-01", &until, NULL), CRK_OK);
	ck_assert_msg(
	    crk_glue_action(w.glue, "work", "<p1@example.com>", c->action,
		until, "called Jane", w.now + 60, &error) == CRK_OK,
	    "%s: %s", c->action, error);
	p = proposal_of(&w, "p1@example.com");
	ck_assert_int_eq(p != NULL ? (int)p->state : -1, (int)c->state);
	if (p != NULL && strcmp(c->action, "call") == 0)
		ck_assert_uint_eq(p->touches, 1);
	crk_proposal_free(&p);
	world_close(&w);
}
END_TEST

START_TEST(test_track_and_untrack_from_the_menu)
{
	struct world w;
	struct crk_proposal *p;
	char *error = NULL;

	world_open(&w);
	free(ingest(&w, plain_mail, NULL));
	ck_assert_int_eq(crk_glue_action(w.glue, "work", "nope@example.com",
			     "won", CRK_DAY_NONE, NULL, w.now, &error),
	    CRK_E_NOTFOUND);
	free(error);
	error = NULL;
	ck_assert_int_eq(crk_glue_action(w.glue, "work", "p2@example.com",
			     "track", CRK_DAY_NONE, NULL, w.now, &error),
	    CRK_OK);
	p = proposal_of(&w, "p2@example.com");
	ck_assert_ptr_nonnull(p);
	crk_proposal_free(&p);
	ck_assert_int_eq(crk_glue_action(w.glue, "work", "p2@example.com",
			     "untrack", CRK_DAY_NONE, NULL, w.now, &error),
	    CRK_OK);
	ck_assert_ptr_null(proposal_of(&w, "p2@example.com"));
	ck_assert_int_eq(crk_glue_action(w.glue, "work", "p2@example.com",
			     "dance", CRK_DAY_NONE, NULL, w.now, &error),
	    CRK_E_NOTFOUND);
	free(error);
	world_close(&w);
}
END_TEST

START_TEST(test_publish_writes_both_feeds_into_feed_dir)
{
	struct world w;
	char *path;
	char *text;
	char *error = NULL;

	world_open(&w);
	free(ingest(&w, proposal, NULL));
	ck_assert_msg(crk_glue_publish(w.glue, w.now, &error) == CRK_OK,
	    "publish: %s", error);
	path = crk_xasprintf("%s/feed/followups.ics", w.dir);
	text = crk_test_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "Follow up #1: Jane Doe"));
	free(text);
	free(path);
	path = crk_xasprintf("%s/feed/followups-tasks.ics", w.dir);
	text = crk_test_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "BEGIN:VTODO"));
	free(text);
	free(path);
	world_close(&w);
}
END_TEST

static pthread_t main_thread;

/* What the publisher's done callback saw, read back by the test. */
struct published {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned calls;
	enum crk_status status;
	bool other_thread;
};

static void
published(enum crk_status status, const char *error, void *context)
{
	struct published *seen = context;

	(void)error;
	pthread_mutex_lock(&seen->lock);
	seen->calls++;
	seen->status = status;
	seen->other_thread = !pthread_equal(pthread_self(), main_thread);
	pthread_cond_signal(&seen->cond);
	pthread_mutex_unlock(&seen->lock);
}

static void
wait_published(struct published *seen, unsigned calls)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&seen->lock);
	while (seen->calls < calls)
		if (pthread_cond_timedwait(&seen->cond, &seen->lock, &until) !=
		    0)
			break;
	pthread_mutex_unlock(&seen->lock);
	ck_assert_uint_ge(seen->calls, calls);
}

START_TEST(test_publisher_writes_the_feeds_from_its_own_thread)
{
	struct world w;
	struct crk_glue_publisher *pub = NULL;
	struct published seen = {.calls = 0};
	struct crk_strv ids = {0};
	char *path, *text, *error = NULL;

	pthread_mutex_init(&seen.lock, NULL);
	pthread_cond_init(&seen.cond, NULL);
	main_thread = pthread_self();
	world_open(&w);
	crk_strv_add(&ids, "robin.smith@example.com");
	ck_assert_msg(crk_glue_publisher_start(w.config, &ids, published, &seen,
			  &pub, &error) == CRK_OK,
	    "start: %s", error);
	path = crk_xasprintf("%s/feed/followups.ics", w.dir);

	/* a proposal stored through the GUI's connection reaches the feed
	 * the publisher writes through its own */
	free(ingest(&w, proposal, NULL));
	crk_glue_publisher_request(pub, w.now);
	wait_published(&seen, 1);
	ck_assert_int_eq(seen.status, CRK_OK);
	ck_assert(seen.other_thread);
	text = crk_test_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "Follow up #1: Jane Doe"));
	free(text);

	/* a request left when it stops is still published: the reply
	 * turns the follow-up into a decide item */
	free(ingest(&w, answer, NULL));
	w.now += 2 * 86400;
	crk_glue_publisher_request(pub, w.now);
	crk_glue_publisher_stop(&pub);
	ck_assert_ptr_null(pub);
	text = crk_test_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "Follow up #1: Jane Doe"));
	ck_assert_ptr_nonnull(strstr(text, "replied"));
	free(text);

	crk_glue_publisher_stop(&pub); /* NULL-safe */
	free(path);
	crk_strv_clear(&ids);
	world_close(&w);
	pthread_cond_destroy(&seen.cond);
	pthread_mutex_destroy(&seen.lock);
}
END_TEST

/* ---- the watcher's account names ---------------------------------------- */

struct account_case {
	const char *claws_name, *address, *host, *user;
	const char *want;
};

static const struct account_case account_cases[] = {
    /* the same name wins, even over another section's mailbox */
    {"office", "nobody@example.org", "imap.example.com", "robin", "office"},
    /* the same IMAP user on the same host (host case-insensitive) */
    {"Work (Claws)", NULL, "IMAP.Example.COM", "robin", "work"},
    /* a user name is case-sensitive */
    {"Work (Claws)", NULL, "imap.example.com", "Robin", "Work (Claws)"},
    /* the Claws address among the identities */
    {"Mine", "Robin.Smith@Example.COM", "pop.other.test", "x", "work"},
    {"Mine", "r@home.test", NULL, NULL, "home"},
    /* nothing in common: the Claws name */
    {"Mine", "x@y.test", "other.test", "robin", "Mine"},
};

START_TEST(test_claws_accounts_take_the_watchers_account_names)
{
	const struct account_case *c = &account_cases[_i];
	struct crk_glue_config *config = NULL;
	char *tmp = crk_test_tmpdir();
	char *path = crk_xasprintf("%s/config", tmp);
	char *error = NULL;

	crk_test_write_file(path,
	    "[crickets]\nweekend = none\n"
	    "[account work]\nhost = imap.example.com\nuser = robin\n"
	    "identities = robin.smith@example.com, robin@example.com\n"
	    "[account home]\nhost = imap.home.test\nuser = r\n"
	    "identities = r@home.test\n"
	    "[account office]\nhost = imap.acme.test\nuser = robin\n");
	ck_assert_msg(crk_glue_config_load(path, &config, &error) == CRK_OK,
	    "load: %s", error);
	ck_assert_uint_eq(config->n_accounts, 3);
	ck_assert_str_eq(crk_glue_account_name(config, c->claws_name,
			     c->address, c->host, c->user),
	    c->want);
	crk_glue_config_free(&config);
	free(path);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

/* ---- serving the feeds ([claws] serve) -------------------------------- */

START_TEST(test_claws_section_sets_serve_port_and_token)
{
	struct crk_glue_config *config = NULL;
	char *tmp = crk_test_tmpdir();
	char *path = crk_xasprintf("%s/config", tmp);
	char *error = NULL;

	/* the watcher's [serve] is not the plugin's: its keys are ignored */
	crk_test_write_file(path,
	    "[serve]\nlisten = 127.0.0.1:1\ntoken = watcherwatcher0000\n"
	    "[claws]\nserve = yes\nport = 9123\n"
	    "token = abcdefABCDEF0123_-\ndrafts = no\n"
	    "[crickets]\ndraft_hour = 6\n");
	ck_assert_msg(crk_glue_config_load(path, &config, &error) == CRK_OK,
	    "load: %s", error);
	ck_assert(config->serve);
	ck_assert_uint_eq(config->serve_port, 9123);
	ck_assert_str_eq(config->serve_token, "abcdefABCDEF0123_-");
	ck_assert(!config->drafts);
	ck_assert_uint_eq(config->draft_hour, 6);
	crk_glue_config_free(&config);
	/* defaults: off, 8766 (next to the watcher's 8765), no token;
	 * drafts on from 8 o'clock, as the watcher's */
	crk_test_write_file(path, "[crickets]\nweekend = none\n");
	ck_assert_int_eq(crk_glue_config_load(path, &config, &error), CRK_OK);
	ck_assert(!config->serve);
	ck_assert_uint_eq(config->serve_port, 8766);
	ck_assert_ptr_null(config->serve_token);
	ck_assert(config->drafts);
	ck_assert_uint_eq(config->draft_hour, 8);
	crk_glue_config_free(&config);
	free(path);
	crk_test_rmtree(tmp);
	free(tmp);
}
END_TEST

/* A GET on 127.0.0.1:port; the whole response, owned. */
static char *
http_get(unsigned port, const char *path)
{
	struct sockaddr_in sa;
	char *request =
	    crk_xasprintf("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	char *reply = crk_xcalloc(1, 1);
	size_t len = 0;
	char buf[4096];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(
	    write(fd, request, strlen(request)), (ssize_t)strlen(request));
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		reply = crk_xrealloc(reply, len + (size_t)n + 1);
		memcpy(reply + len, buf, (size_t)n);
		len += (size_t)n;
		reply[len] = '\0';
	}
	close(fd);
	free(request);
	return reply;
}

START_TEST(test_serve_generates_a_token_and_serves_the_published_feed)
{
	struct world w;
	struct crk_glue_config *again = NULL;
	struct crk_server *server = NULL;
	char *url = NULL;
	char *error = NULL;
	char *path;
	char *reply;
	unsigned port;

	world_open(&w);
	free(ingest(&w, proposal, NULL));
	ck_assert_int_eq(crk_glue_publish(w.glue, w.now, &error), CRK_OK);
	w.config->serve = true;
	w.config->serve_port = 0; /* any free port */
	ck_assert_msg(
	    crk_glue_serve_start(w.config, &server, &url, &error) == CRK_OK,
	    "serve: %s", error);
	/* the token was made and saved, so the URL survives a restart */
	ck_assert_ptr_nonnull(w.config->serve_token);
	ck_assert_uint_eq(strlen(w.config->serve_token), 32);
	ck_assert_int_eq(
	    crk_glue_config_load(w.config->path, &again, &error), CRK_OK);
	ck_assert_str_eq(again->serve_token, w.config->serve_token);
	ck_assert_ptr_nonnull(strstr(url, w.config->serve_token));
	port = crk_server_port(server);
	ck_assert_uint_gt(port, 0);

	path = crk_xasprintf("/%s/followups.ics", w.config->serve_token);
	reply = http_get(port, path);
	ck_assert_msg(strncmp(reply, "HTTP/1.0 200", 12) == 0 ||
		strncmp(reply, "HTTP/1.1 200", 12) == 0,
	    "reply: %s", reply);
	ck_assert_ptr_nonnull(strstr(reply, "Follow up #1: Jane Doe"));
	free(reply);
	/* a wrong token gets nothing */
	reply =
	    http_get(port, "/0123456789abcdef0123456789abcdef/followups.ics");
	ck_assert_ptr_nonnull(strstr(reply, " 404 "));
	free(reply);

	/* stopped: the port is free again (as on unload / serve off) */
	crk_server_free(&server);
	{
		struct sockaddr_in sa;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_ne(
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
	}
	free(path);
	free(url);
	crk_glue_config_free(&again);
	world_close(&w);
}
END_TEST

START_TEST(test_a_file_without_header_is_a_parse_error)
{
	struct world w;
	char *error = NULL;

	world_open(&w);
	ck_assert_int_eq(crk_glue_ingest(w.glue, "work", "", 0, NULL, NULL, 0,
			     w.now, NULL, &error),
	    CRK_E_PARSE);
	free(error);
	world_close(&w);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("glue");
	TCase *tc;

	tc = tcase_create("config");
	CRK_TABLE_TEST(tc,
	    test_config_reads_the_crickets_section_like_the_watcher,
	    config_cases);
	CRK_TABLE_TEST(
	    tc, test_bad_config_values_name_file_and_line, bad_configs);
	CRK_TABLE_TEST(tc,
	    test_plugin_and_watcher_read_the_config_file_the_same_way,
	    same_cases);
	tcase_add_test(tc, test_missing_config_gives_the_watchers_defaults);
	tcase_add_test(tc, test_crickets_config_env_names_the_config_file);
	CRK_TABLE_TEST(tc,
	    test_preferences_are_saved_into_the_shared_config_file, save_cases);
	CRK_TABLE_TEST(
	    tc, test_a_bad_preference_never_reaches_the_file, bad_saves);
	tcase_add_test(tc, test_claws_section_sets_serve_port_and_token);
	CRK_TABLE_TEST(tc, test_claws_accounts_take_the_watchers_account_names,
	    account_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("engine");
	tcase_add_test(tc, test_sent_proposal_is_tracked_with_claws_identities);
	tcase_add_test(tc, test_claws_tag_crickets_track_tracks_any_sent_mail);
	CRK_TABLE_TEST(
	    tc, test_reply_and_bounce_give_a_status_bar_notice, notice_cases);
	CRK_TABLE_TEST(tc, test_menu_actions_change_the_proposal, action_cases);
	tcase_add_test(tc, test_track_and_untrack_from_the_menu);
	tcase_add_test(tc, test_publish_writes_both_feeds_into_feed_dir);
	tcase_add_test(tc, test_publisher_writes_the_feeds_from_its_own_thread);
	tcase_add_test(tc, test_a_file_without_header_is_a_parse_error);
	tcase_add_test(
	    tc, test_serve_generates_a_token_and_serves_the_published_feed);
	suite_add_tcase(s, tc);
	return s;
}
