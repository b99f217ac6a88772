/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `crickets feed` writes the calendar feeds, `crickets serve` serves them. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ical/feed.h"
#include "ical/server.h"
#include "watcher/cli.h"

#define FEED_DEFAULT_LISTEN "127.0.0.1:8765"
#define FEED_DEFAULT_INTERVAL 300

static volatile sig_atomic_t feed_stop;
static volatile sig_atomic_t feed_rerender;

static void
feed_on_signal(int sig)
{
	if (sig == SIGHUP)
		feed_rerender = 1;
	else
		feed_stop = 1;
}

static int
feed_fail(const char *what, enum crk_status status, char **error)
{
	crk_cli_error(
	    "%s: %s", what, *error != NULL ? *error : crk_status_str(status));
	crk_free_str(error);
	return crk_cli_exit_code(status);
}

int
crk_cmd_feed(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct crk_strv paths = {0};
	enum crk_status status;
	const char *out = NULL;
	char *error = NULL;
	size_t i;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h':
			printf(
			    "usage: crickets feed [--out DIR]\n\n"
			    "Writes %s (events, for every calendar app) and %s "
			    "(tasks)\ninto DIR (default: feed_dir from the "
			    "config), atomically, and prints\nthe paths.\n",
			    CRK_FEED_EVENTS_FILE, CRK_FEED_TASKS_FILE);
			return EX_OK;
		default: return crk_cli_option_error(c, argv);
		}
	}
	if (optind < argc)
		return crk_cli_usage_error(
		    argv[0], "unexpected argument '%s'", argv[optind]);
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		return rc;
	if (out == NULL)
		out = cli->config->feed_dir;
	status = crk_feed_publish_store(
	    cli->store, out, cli->config->feed_mode, cli->now, &paths, &error);
	if (status != CRK_OK)
		return feed_fail("cannot write the feeds", status, &error);
	for (i = 0; i < paths.count; i++)
		printf("%s\n", paths.items[i]);
	crk_strv_clear(&paths);
	return EX_OK;
}

/* The store's files change when anything is written (the -wal file in WAL
 * mode); a cheap way to notice a sync by the watcher or the plugin. */
static void
feed_store_stamp(const char *database, struct timespec *stamp_r)
{
	static const char *const suffixes[] = {"", "-wal"};
	struct stat st;
	char *path;
	size_t i;

	memset(stamp_r, 0, sizeof(*stamp_r));
	for (i = 0; i < CRK_N_ELEMENTS(suffixes); i++) {
		path = crk_xasprintf("%s%s", database, suffixes[i]);
		if (stat(path, &st) == 0 &&
		    (st.st_mtim.tv_sec > stamp_r->tv_sec ||
			(st.st_mtim.tv_sec == stamp_r->tv_sec &&
			    st.st_mtim.tv_nsec > stamp_r->tv_nsec)))
			*stamp_r = st.st_mtim;
		free(path);
	}
}

void
crk_cli_print_feed_urls(const char *listen, unsigned port, const char *token)
{
	char *host = NULL, *hostport;
	const char *shown;

	if (crk_server_parse_listen(listen, &host, &(unsigned){0}, NULL) !=
	    CRK_OK)
		host = crk_xstrdup("127.0.0.1");
	shown = strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1"
	    : strcmp(host, "::") == 0        ? "::1"
					     : host;
	hostport = strchr(shown, ':') != NULL
	    ? crk_xasprintf("[%s]:%u", shown, port)
	    : crk_xasprintf("%s:%u", shown, port);
	printf("Serving the crickets feeds (Ctrl-C stops):\n"
	       "  events: http://%1$s/%2$s/%3$s\n"
	       "          webcal://%1$s/%2$s/%3$s\n"
	       "  tasks:  http://%1$s/%2$s/%4$s\n"
	       "          webcal://%1$s/%2$s/%4$s\n"
	       "\n"
	       "Subscribe once, with the events URL unless the app shows "
	       "tasks:\n"
	       "  Apple Calendar: File > New Calendar Subscription, paste the "
	       "webcal:// URL\n"
	       "  Thunderbird: New Calendar > On the Network, paste the URL "
	       "(tasks too)\n"
	       "  Evolution, KOrganizer: new On The Web calendar, the tasks "
	       "URL works there\n"
	       "  Outlook: Add calendar > Subscribe from web\n"
	       "  Google Calendar, Android (ICSx5), phones: they fetch from "
	       "the internet;\n"
	       "    publish the feed over HTTPS behind nginx or Apache "
	       "(README, contrib/)\n"
	       "The token in the URL is the only key: keep it private.\n",
	    hostport, token, CRK_FEED_EVENTS_FILE, CRK_FEED_TASKS_FILE);
	fflush(stdout);
	free(hostport);
	free(host);
}

int
crk_cmd_serve(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"interval", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct crk_server_options opt = {0};
	struct crk_server *server = NULL;
	struct sigaction sa, old_int, old_term, old_hup;
	struct timespec stamp, seen, tick = {.tv_sec = 1};
	enum crk_status status;
	const char *listen = NULL;
	char *error = NULL, *end;
	time_t started, last, elapsed;
	long interval = FEED_DEFAULT_INTERVAL;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":l:i:h", options, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'i':
			errno = 0;
			interval = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || interval < 1)
				return crk_cli_usage_error(argv[0],
				    "bad interval (seconds) '%s'", optarg);
			break;
		case 'h':
			printf("usage: crickets serve [--listen HOST:PORT] "
			       "[--interval SECONDS]\n\n"
			       "Serves the calendar feeds over HTTP under the "
			       "secret token of [serve]\n(generated on first "
			       "use), on [serve] listen (default %s; port 0\n"
			       "picks a free one).  Writes the feeds into "
			       "feed_dir first, again when the\nstore changes, "
			       "every SECONDS (default %d) and on SIGHUP.  "
			       "SIGINT or\nSIGTERM stop it.\n",
			    FEED_DEFAULT_LISTEN, FEED_DEFAULT_INTERVAL);
			return EX_OK;
		default: return crk_cli_option_error(c, argv);
		}
	}
	if (optind < argc)
		return crk_cli_usage_error(
		    argv[0], "unexpected argument '%s'", argv[optind]);
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		return rc;
	status = crk_config_ensure_token(cli->config, &error);
	if (status != CRK_OK)
		return feed_fail(
		    "cannot set up the feed token", status, &error);
	if (listen == NULL)
		listen = cli->config->serve_listen != NULL
		    ? cli->config->serve_listen
		    : FEED_DEFAULT_LISTEN;

	/* the files exist before anyone can ask for them */
	feed_store_stamp(cli->config->database, &seen);
	status = crk_feed_publish_store(cli->store, cli->config->feed_dir,
	    cli->config->feed_mode, cli->now, NULL, &error);
	if (status != CRK_OK)
		return feed_fail("cannot write the feeds", status, &error);

	opt.listen = listen;
	opt.token = cli->config->serve_token;
	opt.dir = cli->config->feed_dir;
	status = crk_server_start(&opt, &server, &error);
	if (status != CRK_OK)
		return feed_fail("cannot serve the feeds", status, &error);
	crk_cli_print_feed_urls(
	    listen, crk_server_port(server), cli->config->serve_token);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = feed_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	/* --now moves on with the clock, so a demo at a fixed date still
	 * sees time pass */
	started = last = time(NULL);
	while (!feed_stop) {
		nanosleep(&tick, NULL);
		if (feed_stop)
			break;
		elapsed = time(NULL) - started;
		feed_store_stamp(cli->config->database, &stamp);
		if (!feed_rerender && time(NULL) - last < interval &&
		    stamp.tv_sec == seen.tv_sec &&
		    stamp.tv_nsec == seen.tv_nsec)
			continue;
		feed_rerender = 0;
		last = time(NULL);
		/* snoozes that ended and follow-ups that came due since */
		status =
		    crk_engine_refresh(cli->engine, cli->now + elapsed, &error);
		if (status != CRK_OK) {
			crk_warn("cannot refresh the proposals: %s",
			    error != NULL ? error : crk_status_str(status));
			crk_free_str(&error);
		}
		status = crk_feed_publish_store(cli->store,
		    cli->config->feed_dir, cli->config->feed_mode,
		    cli->now + elapsed, NULL, &error);
		if (status != CRK_OK) {
			/* the old files stay served; try again later */
			crk_warn("cannot update the feeds: %s",
			    error != NULL ? error : crk_status_str(status));
			crk_free_str(&error);
		}
		/* our own revision updates touch the store too */
		feed_store_stamp(cli->config->database, &seen);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	crk_server_free(&server);
	return EX_OK;
}
