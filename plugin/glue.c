/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plugin's GTK-free glue: config, store, engine and feeds for Claws. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/engine.h"
#include "core/normalize.h"
#include "core/ooo.h"
#include "conf/conf.h"
#include "ical/feed.h"
#include "ical/server.h"
#include "plugin/glue.h"

struct crk_glue {
	struct crk_store *store;   /* owned */
	struct crk_engine *engine; /* owned */
	struct crk_rules rules;    /* owned */
	char *feed_dir;            /* owned */
	unsigned feed_mode;
};

/* How long a store call waits for `crickets watch` to finish its batch. */
#define GLUE_BUSY_TIMEOUT_MS 5000

char *
crk_glue_config_default_path(void)
{
	const char *env = getenv("CRICKETS_CONFIG");

	if (env != NULL && *env != '\0')
		return crk_xstrdup(env);
	return crk_config_default_path();
}

static char *
glue_strdup(const char *s)
{
	return s != NULL ? crk_xstrdup(s) : NULL;
}

/* The plugin's view of the config the watcher reads (conf/): one reader,
 * so the two never read the same file two ways. */
static void
glue_config_from(struct crk_glue_config *g, const struct crk_config *c)
{
	size_t i;

	g->path = glue_strdup(c->path);
	g->database = glue_strdup(c->database);
	g->feed_dir = glue_strdup(c->feed_dir);
	g->templates_dir = glue_strdup(c->templates_dir);
	g->timezone = glue_strdup(c->timezone);
	g->feed_mode = c->feed_mode;
	g->cadence = c->cadence;
	/* words and threshold; the identities are the Claws accounts' */
	crk_rules_init_default(&g->rules);
	if (c->proposal_words != NULL)
		(void)crk_rules_set_words(&g->rules, c->proposal_words, NULL);
	g->rules.threshold = c->rules.threshold;
	g->proposal_words = glue_strdup(c->proposal_words);
	g->serve = c->claws.serve;
	g->serve_port = c->claws.port;
	g->serve_token = glue_strdup(c->claws.token);
	g->drafts = c->claws.drafts;
	g->draft_hour = c->draft_hour;
	g->accounts = crk_xcalloc(
	    c->n_accounts > 0 ? c->n_accounts : 1, sizeof(*g->accounts));
	g->n_accounts = c->n_accounts;
	for (i = 0; i < c->n_accounts; i++) {
		g->accounts[i].name = glue_strdup(c->accounts[i].name);
		g->accounts[i].host = glue_strdup(c->accounts[i].host);
		g->accounts[i].user = glue_strdup(c->accounts[i].user);
		crk_strv_copy(
		    &g->accounts[i].identities, &c->accounts[i].identities);
	}
}

enum crk_status
crk_glue_config_load(
    const char *path, struct crk_glue_config **config_r, char **error_r)
{
	struct crk_config *config = NULL;
	enum crk_status status;
	char *file;
	struct stat st;

	*config_r = NULL;
	file =
	    path != NULL ? crk_xstrdup(path) : crk_glue_config_default_path();
	/* no file: the defaults (the plugin runs without one) */
	if (stat(file, &st) != 0 && errno == ENOENT) {
		config = crk_config_new();
		status = CRK_OK;
	} else {
		status = crk_config_load(file, false, &config, error_r);
	}
	if (status == CRK_OK) {
		*config_r = crk_xcalloc(1, sizeof(**config_r));
		glue_config_from(*config_r, config);
	}
	crk_config_free(&config);
	free(file);
	return status;
}

void
crk_glue_config_free(struct crk_glue_config **config)
{
	struct crk_glue_config *c;
	size_t i;

	if (config == NULL || *config == NULL)
		return;
	c = *config;
	free(c->path);
	free(c->database);
	free(c->feed_dir);
	free(c->templates_dir);
	free(c->timezone);
	free(c->proposal_words);
	free(c->serve_token);
	for (i = 0; i < c->n_accounts; i++) {
		free(c->accounts[i].name);
		free(c->accounts[i].host);
		free(c->accounts[i].user);
		crk_strv_clear(&c->accounts[i].identities);
	}
	free(c->accounts);
	crk_rules_clear(&c->rules);
	free(c);
	*config = NULL;
}

enum crk_status
crk_glue_open(const struct crk_glue_config *config,
    const struct crk_strv *identities, struct crk_glue **glue_r, char **error_r)
{
	struct crk_glue *glue = NULL;
	enum crk_status status;
	size_t i;

	*glue_r = NULL;
	glue = crk_xcalloc(1, sizeof(*glue));
	if ((status = crk_mkdir_parent(config->database, error_r)) != CRK_OK)
		goto out;
	status = crk_store_open(config->database, &glue->store, error_r);
	if (status != CRK_OK)
		goto out;
	crk_store_set_busy_timeout(glue->store, GLUE_BUSY_TIMEOUT_MS);
	crk_rules_copy(&glue->rules, &config->rules);
	for (i = 0; identities != NULL && i < identities->count; i++) {
		char *addr = crk_addr_normalize(identities->items[i]);

		if (addr != NULL && *addr != '\0')
			crk_strv_add_unique(&glue->rules.identities, addr);
		free(addr);
	}
	glue->engine =
	    crk_engine_new(glue->store, &glue->rules, &config->cadence);
	crk_engine_set_return_date_parser(glue->engine, crk_ooo_return_date);
	glue->feed_dir = crk_xstrdup(config->feed_dir);
	glue->feed_mode = config->feed_mode;
	*glue_r = glue;
	glue = NULL;
out:
	crk_glue_free(&glue);
	return status;
}

void
crk_glue_free(struct crk_glue **glue)
{
	struct crk_glue *g;

	if (glue == NULL || *glue == NULL)
		return;
	g = *glue;
	crk_engine_free(&g->engine);
	crk_store_free(&g->store);
	crk_rules_clear(&g->rules);
	free(g->feed_dir);
	free(g);
	*glue = NULL;
}

const char *
crk_glue_account_name(const struct crk_glue_config *config,
    const char *claws_name, const char *address, const char *imap_host,
    const char *imap_user)
{
	char *addr = address != NULL ? crk_addr_normalize(address) : NULL;
	const char *found = NULL;
	size_t i;

	for (i = 0; i < config->n_accounts && found == NULL; i++)
		if (claws_name != NULL &&
		    strcmp(config->accounts[i].name, claws_name) == 0)
			found = config->accounts[i].name;
	/* the same mailbox: user names are case-sensitive, hosts are not */
	for (i = 0; i < config->n_accounts && found == NULL; i++) {
		const struct crk_glue_account *a = &config->accounts[i];

		if (a->host != NULL && a->user != NULL && imap_host != NULL &&
		    imap_user != NULL &&
		    crk_strcasecmp(a->host, imap_host) == 0 &&
		    strcmp(a->user, imap_user) == 0)
			found = a->name;
	}
	for (i = 0; i < config->n_accounts && found == NULL && addr != NULL;
	     i++) {
		const struct crk_glue_account *a = &config->accounts[i];
		size_t j;

		for (j = 0; j < a->identities.count && found == NULL; j++)
			if (strcmp(a->identities.items[j], addr) == 0)
				found = a->name;
	}
	free(addr);
	return found != NULL ? found : claws_name;
}

enum crk_status
crk_glue_config_ensure_token(struct crk_glue_config *config, char **error_r)
{
	char *path;
	enum crk_status status;

	if (config->serve_token != NULL)
		return CRK_OK;
	path = config->path != NULL ? crk_xstrdup(config->path)
				    : crk_glue_config_default_path();
	status =
	    crk_config_new_token(path, "claws", &config->serve_token, error_r);
	free(path);
	return status;
}

enum crk_status
crk_glue_serve_start(struct crk_glue_config *config,
    struct crk_server **server_r, char **url_r, char **error_r)
{
	struct crk_server_options opt = {0};
	char *listen = NULL;
	enum crk_status status;

	*server_r = NULL;
	if (url_r != NULL)
		*url_r = NULL;
	if ((status = crk_glue_config_ensure_token(config, error_r)) != CRK_OK)
		return status;
	/* Loopback only: the rep's own calendar app subscribes; publishing
	 * further is a web server's job (see the README). */
	listen = crk_xasprintf("127.0.0.1:%u", config->serve_port);
	opt.listen = listen;
	opt.token = config->serve_token;
	opt.dir = config->feed_dir;
	status = crk_server_start(&opt, server_r, error_r);
	if (status == CRK_OK && url_r != NULL)
		*url_r = crk_xasprintf("http://127.0.0.1:%u/%s/followups.ics",
		    crk_server_port(*server_r), config->serve_token);
	free(listen);
	return status;
}

struct crk_store *
crk_glue_store(struct crk_glue *glue)
{
	return glue->store;
}

/* Message-ID without angle brackets and surrounding space.  Owned. */
static char *
glue_bare_id(const char *id)
{
	char *s = crk_str_trim(crk_xstrdup(id));
	size_t len = strlen(s);

	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		memmove(s, s + 1, len - 2);
		s[len - 2] = '\0';
	}
	return s;
}

bool
crk_glue_has_message(
    struct crk_glue *glue, const char *account, const char *message_id)
{
	char *id;
	bool found;

	if (message_id == NULL)
		return false;
	id = glue_bare_id(message_id);
	found = crk_store_has_message(glue->store, account, id);
	free(id);
	return found;
}

/* The states of all proposals, by id, to spot what a batch changed. */
/* The states of the proposals a batch touches, taken before its commit,
 * so the notice compares those few, not every proposal in the store. */
struct glue_snapshot {
	int64_t *ids;
	enum crk_state *states; /* CRK_STATE_NONE-like -1: not there yet */
	size_t count;
};

static int
glue_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static struct crk_proposal *
glue_proposal_by_id(struct crk_glue *glue, int64_t id)
{
	struct crk_proposal *p = NULL;

	if (crk_store_proposal_get(glue->store, id, &p, NULL) != CRK_OK)
		return NULL;
	return p;
}

static void
glue_snapshot_take(struct crk_glue *glue, struct glue_snapshot *snap)
{
	const int64_t *ids;
	size_t i, n;

	memset(snap, 0, sizeof(*snap));
	ids = crk_engine_batch_proposals(glue->engine, &n);
	if (n == 0)
		return;
	snap->ids = crk_xreallocarray(NULL, n, sizeof(*snap->ids));
	memcpy(snap->ids, ids, n * sizeof(*ids));
	qsort(snap->ids, n, sizeof(*snap->ids), glue_id_cmp);
	for (i = 0; i < n; i++)
		if (snap->count == 0 ||
		    snap->ids[snap->count - 1] != snap->ids[i])
			snap->ids[snap->count++] = snap->ids[i];
	snap->states = crk_xcalloc(snap->count, sizeof(*snap->states));
	for (i = 0; i < snap->count; i++) {
		struct crk_proposal *p =
		    glue_proposal_by_id(glue, snap->ids[i]);

		snap->states[i] = p != NULL ? p->state : (enum crk_state) - 1;
		crk_proposal_free(&p);
	}
}

static void
glue_snapshot_clear(struct glue_snapshot *snap)
{
	free(snap->ids);
	free(snap->states);
	memset(snap, 0, sizeof(*snap));
}

/* A one-line notice when the batch moved a proposal to replied or
 * bounced, else NULL.  Owned. */
static char *
glue_notice(struct crk_glue *glue, const struct glue_snapshot *before)
{
	char *notice = NULL;
	size_t i;

	for (i = 0; i < before->count && notice == NULL; i++) {
		struct crk_proposal *p =
		    glue_proposal_by_id(glue, before->ids[i]);

		if (p == NULL || p->state == before->states[i]) {
			crk_proposal_free(&p);
			continue;
		}
		if (p->state == CRK_STATE_REPLIED)
			notice = crk_xasprintf("crickets: %s replied to '%s'",
			    p->last_reply_from != NULL ? p->last_reply_from
						       : "the prospect",
			    p->subject != NULL ? p->subject : "");
		else if (p->state == CRK_STATE_BOUNCED)
			notice = crk_xasprintf("crickets: '%s' bounced; "
					       "check the address",
			    p->subject != NULL ? p->subject : "");
		crk_proposal_free(&p);
	}
	return notice;
}

enum crk_status
crk_glue_ingest(struct crk_glue *glue, const char *account, const char *raw,
    size_t len, const struct crk_strv *tags, const char *folder, uint32_t uid,
    time_t now, char **notice_r, char **error_r)
{
	struct crk_message *msg = NULL;
	struct crk_location loc = {folder, 0, uid};
	struct glue_snapshot before = {0};
	enum crk_status status;
	size_t i;

	if (notice_r != NULL)
		*notice_r = NULL;
	status = crk_message_parse_full(raw, len, &msg, error_r);
	if (status != CRK_OK)
		goto out;
	for (i = 0; tags != NULL && i < tags->count; i++)
		crk_strv_add_unique(&msg->keywords, tags->items[i]);
	if (msg->internal_date == 0)
		msg->internal_date = now;
	if ((status = crk_engine_begin(glue->engine, error_r)) != CRK_OK)
		goto out;
	status = crk_engine_ingest(glue->engine, account, msg,
	    folder != NULL ? &loc : NULL, now, error_r);
	if (status != CRK_OK) {
		crk_engine_rollback(glue->engine);
		goto out;
	}
	/* inside the batch: the states before its replay */
	if (notice_r != NULL)
		glue_snapshot_take(glue, &before);
	if ((status = crk_engine_commit(glue->engine, now, error_r)) != CRK_OK)
		goto out;
	if (notice_r != NULL)
		*notice_r = glue_notice(glue, &before);
out:
	glue_snapshot_clear(&before);
	crk_message_free(&msg);
	return status;
}

enum crk_status
crk_glue_publish(struct crk_glue *glue, time_t now, char **error_r)
{
	enum crk_status status;

	status = crk_engine_refresh(glue->engine, now, error_r);
	if (status != CRK_OK)
		return status;
	return crk_feed_publish_store(
	    glue->store, glue->feed_dir, glue->feed_mode, now, NULL, error_r);
}

struct crk_glue_publisher {
	struct crk_glue *glue; /* owned; the thread's own connection */
	crk_glue_published_fn *done;
	void *context;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	time_t requested; /* the newest request not yet taken, 0: none */
	bool stop;
};

static void *
glue_publisher_main(void *arg)
{
	struct crk_glue_publisher *pub = arg;
	enum crk_status status;
	char *error;
	time_t now;
	bool last;

	pthread_mutex_lock(&pub->lock);
	for (;;) {
		while (pub->requested == 0 && !pub->stop)
			pthread_cond_wait(&pub->wake, &pub->lock);
		if (pub->requested == 0)
			break; /* stop with nothing waiting */
		now = pub->requested;
		pub->requested = 0;
		last = pub->stop;
		pthread_mutex_unlock(&pub->lock);

		error = NULL;
		status = crk_glue_publish(pub->glue, now, &error);
		if (pub->done != NULL && !last)
			pub->done(status, error, pub->context);
		else if (status != CRK_OK)
			crk_warn("cannot publish the feeds: %s",
			    error != NULL ? error : crk_status_str(status));
		free(error);

		pthread_mutex_lock(&pub->lock);
	}
	pthread_mutex_unlock(&pub->lock);
	return NULL;
}

enum crk_status
crk_glue_publisher_start(const struct crk_glue_config *config,
    const struct crk_strv *identities, crk_glue_published_fn *done,
    void *context, struct crk_glue_publisher **publisher_r, char **error_r)
{
	struct crk_glue_publisher *pub;
	enum crk_status status;
	int err;

	*publisher_r = NULL;
	pub = crk_xcalloc(1, sizeof(*pub));
	status = crk_glue_open(config, identities, &pub->glue, error_r);
	if (status != CRK_OK) {
		free(pub);
		return status;
	}
	pub->done = done;
	pub->context = context;
	pthread_mutex_init(&pub->lock, NULL);
	pthread_cond_init(&pub->wake, NULL);
	if ((err = pthread_create(
		 &pub->thread, NULL, glue_publisher_main, pub)) != 0) {
		crk_error_set(error_r, "cannot start the feed publisher: %s",
		    strerror(err));
		pthread_cond_destroy(&pub->wake);
		pthread_mutex_destroy(&pub->lock);
		crk_glue_free(&pub->glue);
		free(pub);
		return CRK_E_IO;
	}
	*publisher_r = pub;
	return CRK_OK;
}

void
crk_glue_publisher_request(struct crk_glue_publisher *pub, time_t now)
{
	if (pub == NULL)
		return;
	pthread_mutex_lock(&pub->lock);
	/* 0 means "none": a clock at the epoch still asks */
	pub->requested = now != 0 ? now : 1;
	pthread_cond_signal(&pub->wake);
	pthread_mutex_unlock(&pub->lock);
}

void
crk_glue_publisher_stop(struct crk_glue_publisher **publisher)
{
	struct crk_glue_publisher *pub;

	if (publisher == NULL || *publisher == NULL)
		return;
	pub = *publisher;
	pthread_mutex_lock(&pub->lock);
	pub->stop = true;
	pthread_cond_signal(&pub->wake);
	pthread_mutex_unlock(&pub->lock);
	pthread_join(pub->thread, NULL);
	pthread_cond_destroy(&pub->wake);
	pthread_mutex_destroy(&pub->lock);
	crk_glue_free(&pub->glue);
	free(pub);
	*publisher = NULL;
}

enum crk_status
crk_glue_action(struct crk_glue *glue, const char *account,
    const char *message_id, const char *action, crk_day day_arg,
    const char *note, time_t now, char **error_r)
{
	struct crk_proposal *p = NULL;
	enum crk_status status;
	char *id = NULL;
	int64_t new_id = 0;

	if (message_id == NULL || action == NULL) {
		crk_error_set(error_r, "no message");
		return CRK_E_INVAL;
	}
	id = glue_bare_id(message_id);
	if (strcmp(action, "track") == 0) {
		status = crk_engine_track(
		    glue->engine, account, id, "plugin", now, &new_id, error_r);
		goto out;
	}
	status = crk_store_proposal_find(glue->store, id, &p, error_r);
	if (status != CRK_OK)
		goto out;
	if (strcmp(action, "untrack") == 0)
		status = crk_engine_untrack(glue->engine, p->id, error_r);
	else if (strcmp(action, "won") == 0)
		status = crk_engine_close(
		    glue->engine, p->id, CRK_STATE_WON, "plugin", now, error_r);
	else if (strcmp(action, "lost") == 0)
		status = crk_engine_close(glue->engine, p->id, CRK_STATE_LOST,
		    "plugin", now, error_r);
	else if (strcmp(action, "drop") == 0)
		status = crk_engine_close(glue->engine, p->id,
		    CRK_STATE_DROPPED, "plugin", now, error_r);
	else if (strcmp(action, "notyet") == 0)
		status = crk_engine_notyet(
		    glue->engine, p->id, "plugin", now, error_r);
	else if (strcmp(action, "call") == 0)
		status = crk_engine_touch(
		    glue->engine, p->id, "phone", note, "plugin", now, error_r);
	else if (strcmp(action, "snooze") == 0)
		status = crk_engine_snooze(
		    glue->engine, p->id, day_arg, "plugin", now, error_r);
	else {
		crk_error_set(error_r, "unknown action '%s'", action);
		status = CRK_E_INVAL;
	}
out:
	crk_proposal_free(&p);
	free(id);
	return status;
}
