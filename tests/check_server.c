/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ical/server over a raw socket on port 0, and crickets feed/serve. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <libical/ical.h>

#include "ical/feed.h"
#include "ical/server.h"
#include "tests/check_common.h"
#include "tests/interop/feed_sample.h"

#define TOKEN "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

static char *dir;
static struct crk_server *server;
static char *events; /* the published events feed */

struct reply {
	int status;
	char *head; /* header block, lines joined by "\n" */
	char *body;
	size_t body_len;
};

static void
reply_clear(struct reply *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* The value of a header (case-insensitive name), owned, or NULL. */
static char *
reply_header(const struct reply *r, const char *name)
{
	const char *p = r->head;
	size_t n = strlen(name);

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');

		if (crk_strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			return crk_xstrndup(v,
			    (size_t)((eol != NULL ? eol : v + strlen(v)) - v));
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return NULL;
}

/* Sends one raw request (extra: header lines with CRLF) and reads the
 * whole answer; the server closes the connection. */
static void
http_port(unsigned port, int family, const char *method, const char *path,
    const char *extra, struct reply *r)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct timeval tv = {.tv_sec = 10};
	char *req, buf[4096], *sep, *line_end;
	struct crk_strv raw = {0};
	size_t total = 0;
	ssize_t n;
	int fd;

	memset(r, 0, sizeof(*r));
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = in6addr_loopback;
	}
	fd = socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_msg(
	    connect(fd, (struct sockaddr *)&ss,
		family == AF_INET ? sizeof(*sin) : sizeof(*sin6)) == 0,
	    "connect: %s", strerror(errno));
	req = crk_xasprintf("%s %s HTTP/1.1\r\nHost: localhost\r\n"
			    "Connection: close\r\n%s\r\n",
	    method, path, extra != NULL ? extra : "");
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	free(req);
	r->body = crk_xmalloc(1);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		r->body = crk_xrealloc(r->body, total + (size_t)n + 1);
		memcpy(r->body + total, buf, (size_t)n);
		total += (size_t)n;
	}
	ck_assert_int_eq(n, 0);
	close(fd);
	r->body[total] = '\0';
	sep = strstr(r->body, "\r\n\r\n");
	ck_assert_msg(sep != NULL, "no header end in %s", r->body);
	ck_assert_int_eq(sscanf(r->body, "HTTP/1.1 %d", &r->status), 1);
	line_end = strstr(r->body, "\r\n");
	/* header lines after the status line, CRLF -> LF */
	{
		char *h = crk_xstrndup(
			 line_end + 2, (size_t)(sep - (line_end + 2))),
		     *p;

		for (p = h; (p = strstr(p, "\r\n")) != NULL;)
			memmove(p, p + 1, strlen(p + 1) + 1);
		r->head = h;
	}
	r->body_len = total - (size_t)(sep + 4 - r->body);
	memmove(r->body, sep + 4, r->body_len + 1);
	crk_strv_clear(&raw);
}

static void
http(int family, const char *method, const char *path, const char *extra,
    struct reply *r)
{
	http_port(crk_server_port(server), family, method, path, extra, r);
}

static void
publish(time_t shift)
{
	struct crk_feed_sample s;
	struct crk_feed_input in;
	char *error = NULL;

	crk_feed_sample_fill(&s);
	crk_feed_sample_input(&s, &in);
	in.now += shift;
	free(events);
	ck_assert_int_eq(crk_feed_render(&in, &events, NULL, &error), CRK_OK);
	ck_assert_int_eq(
	    crk_feed_publish(&in, dir, 0600, NULL, &error), CRK_OK);
	crk_feed_sample_clear(&s);
}

static void
start(const char *listen)
{
	struct crk_server_options opt = {
	    .listen = listen, .token = TOKEN, .dir = dir};
	char *error = NULL;

	ck_assert_msg(
	    crk_server_start(&opt, &server, &error) == CRK_OK, "%s", error);
	ck_assert_uint_ne(crk_server_port(server), 0);
}

static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	dir = crk_xasprintf("%s/crk-server-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	publish(0);
	start("127.0.0.1:0");
}

static void
teardown(void)
{
	char *cmd = crk_xasprintf("rm -rf '%s'", dir);

	crk_server_free(&server);
	ck_assert_ptr_null(server);
	if (system(cmd) != 0)
		ck_abort_msg("%s failed", cmd);
	free(cmd);
	crk_free_str(&dir);
	crk_free_str(&events);
}

/* tmpl with every "@" replaced by value.  Owned. */
static char *
subst(const char *tmpl, const char *value)
{
	struct crk_strv parts = {0};
	const char *p;
	char *s;

	for (p = tmpl; *p != '\0'; p++) {
		if (*p == '@')
			crk_strv_add(&parts, value);
		else
			crk_strv_add_owned(&parts, crk_xstrndup(p, 1));
	}
	s = crk_strv_join(&parts, "");
	crk_strv_clear(&parts);
	return s;
}

static const char *const feeds[] = {CRK_FEED_EVENTS_FILE, CRK_FEED_TASKS_FILE};

static void
assert_header(const struct reply *r, const char *name, const char *want)
{
	char *v = reply_header(r, name);

	ck_assert_msg(v != NULL, "no %s in %s", name, r->head);
	ck_assert_str_eq(v, want);
	free(v);
}

START_TEST(test_get_serves_the_feed_with_calendar_headers)
{
	struct reply r;
	char *path, *file, *etag, *lm, *len;
	size_t k;

	path = crk_xasprintf("/%s/%s", TOKEN, feeds[_i]);
	http(AF_INET, "GET", path, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	file = crk_xasprintf("%s/%s", dir, feeds[_i]);
	{
		FILE *fp = fopen(file, "rb");
		char *want = crk_xmalloc(r.body_len + 2);

		ck_assert_ptr_nonnull(fp);
		ck_assert_uint_eq(
		    fread(want, 1, r.body_len + 1, fp), r.body_len);
		ck_assert(memcmp(want, r.body, r.body_len) == 0);
		fclose(fp);
		free(want);
	}
	ck_assert_uint_gt(r.body_len, 100);
	if (_i == 0)
		ck_assert_str_eq(r.body, events);
	assert_header(&r, "Content-Type", "text/calendar; charset=utf-8");
	assert_header(&r, "Cache-Control", "private, no-cache");
	etag = reply_header(&r, "ETag");
	ck_assert_ptr_nonnull(etag);
	ck_assert_uint_eq(strlen(etag), 66); /* strong: no W/ */
	ck_assert_int_eq(etag[0], '"');
	for (k = 1; k < 65; k++)
		ck_assert_ptr_nonnull(strchr("0123456789abcdef", etag[k]));
	lm = reply_header(&r, "Last-Modified");
	ck_assert_ptr_nonnull(lm);
	ck_assert_ptr_nonnull(strstr(lm, " GMT"));
	len = reply_header(&r, "Content-Length");
	ck_assert_uint_eq(strtoul(len, NULL, 10), r.body_len);
	free(len);
	free(lm);
	free(etag);
	free(file);
	free(path);
	reply_clear(&r);
}
END_TEST

START_TEST(test_head_sends_the_headers_without_a_body)
{
	struct reply get, head;
	char *path, *e1, *e2, *len;

	path = crk_xasprintf("/%s/%s", TOKEN, feeds[_i]);
	http(AF_INET, "GET", path, NULL, &get);
	http(AF_INET, "HEAD", path, NULL, &head);
	ck_assert_int_eq(head.status, 200);
	ck_assert_uint_eq(head.body_len, 0);
	e1 = reply_header(&get, "ETag");
	e2 = reply_header(&head, "ETag");
	ck_assert_str_eq(e1, e2);
	len = reply_header(&head, "Content-Length");
	ck_assert_ptr_nonnull(len);
	ck_assert_uint_eq(strtoul(len, NULL, 10), get.body_len);
	assert_header(&head, "Content-Type", "text/calendar; charset=utf-8");
	free(len);
	free(e1);
	free(e2);
	free(path);
	reply_clear(&get);
	reply_clear(&head);
}
END_TEST

/* If-None-Match forms: @ is the current ETag. */
static const struct {
	const char *fmt;
	int status;
} inm_cases[] = {
    {"If-None-Match: @\r\n", 304},
    {"If-None-Match: W/@\r\n", 304},
    {"If-None-Match: \"abc\", @\r\n", 304},
    {"If-None-Match: *\r\n", 304},
    {"If-None-Match: \"abc\"\r\n", 200},
    {"If-None-Match: \"abc\"\r\nIf-Modified-Since: Fri, 01 Jan 2100 "
     "00:00:00 GMT\r\n",
	200},
    {"If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n", 304},
    {"If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT\r\n", 200},
    {"If-Modified-Since: yesterday\r\n", 200},
};

START_TEST(test_conditional_requests_get_304_when_unchanged)
{
	struct reply first, r;
	char *path, *etag, *extra, *e2;

	path = crk_xasprintf("/%s/%s", TOKEN, CRK_FEED_EVENTS_FILE);
	http(AF_INET, "GET", path, NULL, &first);
	etag = reply_header(&first, "ETag");
	extra = subst(inm_cases[_i].fmt, etag);
	http(AF_INET, "GET", path, extra, &r);
	ck_assert_int_eq(r.status, inm_cases[_i].status);
	if (r.status == 304) {
		ck_assert_uint_eq(r.body_len, 0);
		e2 = reply_header(&r, "ETag");
		ck_assert_str_eq(e2, etag);
		free(e2);
	} else {
		ck_assert_uint_eq(r.body_len, first.body_len);
	}
	free(extra);
	free(etag);
	free(path);
	reply_clear(&first);
	reply_clear(&r);
}
END_TEST

START_TEST(test_repeated_conditional_get_with_last_modified_is_304)
{
	struct reply first, r;
	char *path, *lm, *extra;

	path = crk_xasprintf("/%s/%s", TOKEN, CRK_FEED_TASKS_FILE);
	http(AF_INET, "GET", path, NULL, &first);
	lm = reply_header(&first, "Last-Modified");
	extra = crk_xasprintf("If-Modified-Since: %s\r\n", lm);
	http(AF_INET, "GET", path, extra, &r);
	ck_assert_int_eq(r.status, 304);
	free(extra);
	free(lm);
	free(path);
	reply_clear(&first);
	reply_clear(&r);
}
END_TEST

/* @ is the token. */
static const char *const bad_paths[] = {
    "/",
    "/followups.ics",
    "/@",
    "/@/",
    "/@/followups.ics/",
    "/@/FOLLOWUPS.ICS",
    "/@/other.ics",
    "/@/followups.ics.bak",
    "/@/../@/followups.ics",
    "/@/%2e%2e/@/followups.ics",
    "/@/%2E%2E%2Ffollowups.ics",
    "/@%2Ffollowups.ics",
    "/@//followups.ics",
    "//@/followups.ics",
    "/@/./followups.ics",
    "/@x/followups.ics",
    "/0f1e2d3c4b5a6978/followups.ics",
    "/0f1e2d3c4b5a69788796a5b4c3d2e1f1/followups.ics",
    "/@/followups.ics%00",
    "/@/followups.ics%20",
    "/..%2f..%2fetc%2fpasswd",
};

START_TEST(test_wrong_token_or_path_is_404_with_a_body)
{
	struct reply r;
	char *path;

	path = subst(bad_paths[_i], TOKEN);
	http(AF_INET, "GET", path, NULL, &r);
	ck_assert_msg(r.status == 404, "%s gave %d", path, r.status);
	ck_assert_uint_gt(r.body_len, 0);
	ck_assert_ptr_null(strstr(r.body, "BEGIN:VCALENDAR"));
	free(path);
	reply_clear(&r);
}
END_TEST

START_TEST(test_a_query_string_is_ignored)
{
	struct reply r;
	char *path;

	path = crk_xasprintf(
	    "/%s/%s?nocache=123&x=..", TOKEN, CRK_FEED_EVENTS_FILE);
	http(AF_INET, "GET", path, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, events);
	free(path);
	reply_clear(&r);
}
END_TEST

static const char *const methods[] = {
    "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};

START_TEST(test_other_methods_get_405)
{
	struct reply r;
	char *path;

	path = crk_xasprintf("/%s/%s", TOKEN, CRK_FEED_EVENTS_FILE);
	http(AF_INET, methods[_i], path, "Content-Length: 0\r\n", &r);
	ck_assert_int_eq(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD");
	ck_assert_uint_gt(r.body_len, 0);
	free(path);
	reply_clear(&r);
}
END_TEST

START_TEST(test_a_changed_feed_gets_a_new_etag)
{
	struct reply r1, r2, r3;
	char *path, *e1, *e2, *extra;

	path = crk_xasprintf("/%s/%s", TOKEN, CRK_FEED_EVENTS_FILE);
	http(AF_INET, "GET", path, NULL, &r1);
	e1 = reply_header(&r1, "ETag");
	publish(86400); /* a day later: the overdue event moved */
	extra = crk_xasprintf("If-None-Match: %s\r\n", e1);
	http(AF_INET, "GET", path, extra, &r2);
	ck_assert_int_eq(r2.status, 200);
	e2 = reply_header(&r2, "ETag");
	ck_assert_str_ne(e1, e2);
	ck_assert_str_eq(r2.body, events);
	ck_assert_str_ne(r1.body, r2.body);
	free(extra);
	/* and the new ETag is the one that gives 304 now */
	extra = crk_xasprintf("If-None-Match: %s\r\n", e2);
	http(AF_INET, "GET", path, extra, &r3);
	ck_assert_int_eq(r3.status, 304);
	free(extra);
	free(e1);
	free(e2);
	free(path);
	reply_clear(&r1);
	reply_clear(&r2);
	reply_clear(&r3);
}
END_TEST

START_TEST(test_a_missing_feed_is_503_with_retry_after)
{
	struct reply r;
	char *path, *file;

	file = crk_xasprintf("%s/%s", dir, CRK_FEED_TASKS_FILE);
	ck_assert_int_eq(unlink(file), 0);
	path = crk_xasprintf("/%s/%s", TOKEN, CRK_FEED_TASKS_FILE);
	http(AF_INET, "GET", path, NULL, &r);
	ck_assert_int_eq(r.status, 503);
	assert_header(&r, "Retry-After", "60");
	ck_assert_uint_gt(r.body_len, 0);
	free(path);
	free(file);
	reply_clear(&r);
}
END_TEST

START_TEST(test_ipv6_loopback_listener_serves_too)
{
	struct reply r;
	char *path;
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 sin6 = {
	    .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) != 0) {
		/* no IPv6 in this sandbox: nothing to test */
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	crk_server_free(&server);
	start("[::1]:0");
	path = crk_xasprintf("/%s/%s", TOKEN, CRK_FEED_EVENTS_FILE);
	http(AF_INET6, "GET", path, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, events);
	free(path);
	reply_clear(&r);
}
END_TEST

static const struct {
	const char *listen;
	const char *host; /* NULL: refused */
	unsigned port;
} listens[] = {
    {"127.0.0.1:8765", "127.0.0.1", 8765},
    {"[::1]:8765", "::1", 8765},
    {"0.0.0.0:0", "0.0.0.0", 0},
    {"127.0.0.1", NULL, 0},
    {"::1:8765", NULL, 0},
    {"[::1]8765", NULL, 0},
    {"127.0.0.1:65536", NULL, 0},
    {"127.0.0.1:-1", NULL, 0},
    {"127.0.0.1:80x", NULL, 0},
    {":8765", NULL, 0},
    {"", NULL, 0},
};

START_TEST(test_listen_addresses_parse_or_are_refused)
{
	char *host = NULL, *error = NULL;
	unsigned port = 99;
	enum crk_status st;

	st = crk_server_parse_listen(listens[_i].listen, &host, &port, &error);
	if (listens[_i].host == NULL) {
		ck_assert_int_eq(st, CRK_E_INVAL);
		ck_assert_ptr_null(host);
		ck_assert_ptr_nonnull(error);
	} else {
		ck_assert_int_eq(st, CRK_OK);
		ck_assert_str_eq(host, listens[_i].host);
		ck_assert_uint_eq(port, listens[_i].port);
	}
	free(host);
	free(error);
}
END_TEST

static const struct {
	const char *listen, *token;
	enum crk_status status;
} bad_starts[] = {
    {"127.0.0.1:0", "short", CRK_E_INVAL},
    {"127.0.0.1:0", "0123456789abcdef/x", CRK_E_INVAL},
    {"127.0.0.1:0", NULL, CRK_E_INVAL}, {"localhost:0", TOKEN, CRK_E_INVAL},
    {"127.0.0.1", TOKEN, CRK_E_INVAL},
    {"192.0.2.1:0", TOKEN, CRK_E_NET}, /* not our address */
};

START_TEST(test_bad_options_are_refused_with_a_message)
{
	struct crk_server_options opt = {.listen = bad_starts[_i].listen,
	    .token = bad_starts[_i].token,
	    .dir = "/nonexistent"};
	struct crk_server *srv = (struct crk_server *)&opt;
	char *error = NULL;

	ck_assert_int_eq(
	    crk_server_start(&opt, &srv, &error), bad_starts[_i].status);
	ck_assert_ptr_null(srv);
	ck_assert_ptr_nonnull(error);
	free(error);
}
END_TEST

/* ---- the crickets program ------------------------------------------------ */

#ifdef CRK_TEST_BINARY
static char *cli_dir;

/* Runs crickets with args; stdout into *out_r (owned) unless NULL; the
 * child dies with the test (PDEATHSIG).  Returns the pid when wait is
 * false (stdout then comes through *fd_r), else the exit status. */
static int
cli_spawn(const char *const *args, bool wait, char **out_r, int *fd_r)
{
	const char *argv[16];
	int pipefd[2], status;
	size_t n = 0, i;
	pid_t pid;

	argv[n++] = CRK_TEST_BINARY;
	argv[n++] = "-c";
	argv[n++] = NULL; /* below */
	argv[n++] = "--now";
	argv[n++] = "2026-11-22T12:00";
	for (i = 0; args[i] != NULL && n < CRK_N_ELEMENTS(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *conf = crk_xasprintf("%s/config", cli_dir);

		argv[2] = conf;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		setenv("HOME", cli_dir, 1);
		setenv("XDG_CONFIG_HOME", cli_dir, 1);
		setenv("XDG_DATA_HOME", cli_dir, 1);
		unsetenv("CRICKETS_NOW");
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(pipefd[1]);
	if (!wait) {
		*fd_r = pipefd[0];
		return pid;
	}
	{
		struct crk_strv parts = {0};
		char buf[4096];
		ssize_t got;

		while ((got = read(pipefd[0], buf, sizeof(buf))) > 0)
			crk_strv_add_owned(
			    &parts, crk_xstrndup(buf, (size_t)got));
		close(pipefd[0]);
		if (out_r != NULL)
			*out_r = crk_strv_join(&parts, "");
		crk_strv_clear(&parts);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
cli_setup(void)
{
	const char *base = getenv("TMPDIR");
	const char *src = getenv("CRK_TOP_SRCDIR");
	const char *import[] = {"import", "--account", "work", NULL, NULL};
	char *conf, *text, *mail;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	cli_dir = crk_xasprintf(
	    "%s/crk-cli-XXXXXX", base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert(mkdtemp(cli_dir) != NULL);
	conf = crk_xasprintf("%s/config", cli_dir);
	text = crk_xasprintf(
	    "[crickets]\ndatabase = %1$s/crickets.db\n"
	    "feed_dir = %1$s/feed\n\n[account work]\n"
	    "host = imap.example.com\nuser = robin.smith@example.com\n"
	    "identities = robin.smith@example.com\n"
	    "internal_domains = example.com\n",
	    cli_dir);
	{
		FILE *fp = fopen(conf, "w");

		ck_assert_ptr_nonnull(fp);
		fputs(text, fp);
		fclose(fp);
	}
	/* a realistic mailbox: Outlook, Gmail, Exchange, Postfix mails */
	mail = crk_xasprintf("%s/tests/data/mail", src != NULL ? src : ".");
	import[3] = mail;
	ck_assert_int_eq(cli_spawn(import, true, NULL, NULL), 0);
	free(mail);
	free(text);
	free(conf);
}

static void
cli_teardown(void)
{
	char *cmd = crk_xasprintf("rm -rf '%s'", cli_dir);

	if (system(cmd) != 0)
		ck_abort_msg("%s failed", cmd);
	free(cmd);
	crk_free_str(&cli_dir);
}

START_TEST(test_crickets_feed_writes_valid_feeds_and_prints_the_paths)
{
	const char *args[] = {"feed", NULL};
	char *out = NULL, *want, *data;
	icalcomponent *cal, *c;
	FILE *fp;
	long len;
	int n_events = 0;

	ck_assert_int_eq(cli_spawn(args, true, &out, NULL), 0);
	want = crk_xasprintf("%1$s/feed/followups.ics\n"
			     "%1$s/feed/followups-tasks.ics\n",
	    cli_dir);
	ck_assert_str_eq(out, want);
	free(want);
	want = crk_xasprintf("%s/feed/followups.ics", cli_dir);
	fp = fopen(want, "rb");
	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	data = crk_xmalloc((size_t)len + 1);
	ck_assert_int_eq(fread(data, 1, (size_t)len, fp), (size_t)len);
	data[len] = '\0';
	fclose(fp);
	cal = icalparser_parse_string(data);
	ck_assert_ptr_nonnull(cal);
	ck_assert_int_eq(icalcomponent_count_errors(cal), 0);
	for (c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL;
	     c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		ck_assert_int_eq(icalcomponent_isa(c), ICAL_VEVENT_COMPONENT);
		ck_assert(icalcomponent_get_dtstart(c).is_date);
		ck_assert_int_ge(icaltime_compare(icalcomponent_get_dtstart(c),
				     icaltime_from_string("20261122")),
		    0);
		n_events++;
	}
	/* the ACME proposal (replied or following up) and the bounced
	 * Globex quote */
	ck_assert_int_ge(n_events, 2);
	ck_assert_ptr_nonnull(strstr(data, "ACME Q3 rollout"));
	ck_assert_ptr_nonnull(strstr(data, "Bounced: "));
	icalcomponent_free(cal);
	free(data);
	free(want);
	free(out);
}
END_TEST

/* A full disk, or a feed directory that became read-only, while the
 * feeds are rewritten: the feed directory is a tmpfs (in a mount namespace
 * of its own, made by unshare) just big enough for the feeds already
 * there, or remounted read-only.  The command says what failed and where,
 * exits with an I/O error, and the feeds subscribers read stay as they
 * were, with no temp file left behind.  (A later --now, so the feeds
 * would change: crickets leaves an unchanged feed alone.) */
static const struct {
	const char *after_copy; /* shell run once the old feeds are in */
	const char *says;
} bad_disks[] = {
    {"true", "No space left on device"},
    {"mount -o remount,ro feed", "Read-only file system"},
};

START_TEST(test_a_bad_disk_keeps_the_old_feeds_and_says_why)
{
	const char *args[] = {"feed", NULL};
	char *cmd, *rc_text, *err, *same, *left, *path;
	int rc;

	ck_assert_int_eq(cli_spawn(args, true, NULL, NULL), 0);
	cmd = crk_xasprintf(
	    "cd '%1$s' && mkdir -p saved && cp feed/*.ics saved/ && "
	    "unshare %2$s sh -c '"
	    "mount -t tmpfs -o size=8k tmpfs feed && cp saved/*.ics feed/ && "
	    "%4$s && "
	    "{ HOME=. XDG_CONFIG_HOME=. XDG_DATA_HOME=. %3$s -c config "
	    "--now 2026-12-01T12:00 feed >/dev/null 2>err; echo $? >rc; } && "
	    "{ cmp -s feed/followups.ics saved/followups.ics && "
	    "cmp -s feed/followups-tasks.ics saved/followups-tasks.ics && "
	    "echo same >same; true; } && ls -A feed >left'",
	    cli_dir, getuid() == 0 ? "-m" : "-rm", CRK_TEST_BINARY,
	    bad_disks[_i].after_copy);
	rc = system(cmd);
	ck_assert_msg(rc == 0,
	    "cannot make a bad disk with unshare and tmpfs (%d): %s", rc, cmd);
	free(cmd);
#define READ(var, name)                                                        \
	do {                                                                   \
		path = crk_xasprintf("%s/%s", cli_dir, (name));                \
		var = crk_test_read_file(path, NULL);                          \
		free(path);                                                    \
		ck_assert_msg(var != NULL, "no %s", (name));                   \
	} while (0)
	READ(rc_text, "rc");
	READ(err, "err");
	ck_assert_msg(
	    atoi(rc_text) == EX_IOERR || atoi(rc_text) == EX_CANTCREAT,
	    "exit %s on a bad disk: %s", rc_text, err);
	ck_assert_msg(strstr(err, "cannot") != NULL &&
		strstr(err, "/feed") != NULL &&
		strstr(err, bad_disks[_i].says) != NULL,
	    "the error does not say what failed: %s", err);
	path = crk_xasprintf("%s/same", cli_dir);
	same = crk_test_read_file(path, NULL);
	free(path);
	ck_assert_msg(same != NULL, "the old feeds changed");
	READ(left, "left");
	ck_assert_str_eq(left, "followups-tasks.ics\nfollowups.ics\n");
#undef READ
	free(rc_text);
	free(err);
	free(same);
	free(left);
}
END_TEST

START_TEST(test_crickets_serve_prints_urls_serves_and_stops_on_sigterm)
{
	const char *args[] = {"serve", "--listen", "127.0.0.1:0", NULL};
	char buf[8192], *url, *end, *path, *file, *data;
	struct reply r;
	size_t got = 0;
	unsigned port;
	int fd, status, i;
	pid_t pid;

	buf[0] = '\0';
	pid = cli_spawn(args, false, NULL, &fd);
	/* read until the events URL line is complete */
	while ((url = strstr(buf, "events: http://127.0.0.1:")) == NULL ||
	    strchr(url, '\n') == NULL) {
		ssize_t n;

		ck_assert_uint_lt(got, sizeof(buf) - 1);
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
		buf[got] = '\0';
	}
	ck_assert_ptr_nonnull(strstr(buf, "webcal://127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(buf, "/followups-tasks.ics\n"));
	port = (unsigned)strtoul(
	    url + strlen("events: http://127.0.0.1:"), &end, 10);
	ck_assert_uint_ne(port, 0);
	path = crk_xstrndup(end, strcspn(end, "\n"));
	ck_assert_uint_eq(strlen(path), 1 + 32 + strlen("/followups.ics"));
	http_port(port, AF_INET, "GET", path, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	file = crk_xasprintf("%s/feed/followups.ics", cli_dir);
	{
		FILE *fp = fopen(file, "rb");

		ck_assert_ptr_nonnull(fp);
		data = crk_xmalloc(r.body_len + 2);
		ck_assert_uint_eq(
		    fread(data, 1, r.body_len + 1, fp), r.body_len);
		data[r.body_len] = '\0';
		fclose(fp);
	}
	ck_assert_str_eq(r.body, data);
	reply_clear(&r);
	/* the token was generated and saved in the config */
	{
		char *conf = crk_xasprintf("%s/config", cli_dir);
		char *token = crk_xstrndup(path + 1, 32);
		FILE *fp = fopen(conf, "r");
		char line[256];
		bool found = false;

		ck_assert_ptr_nonnull(fp);
		while (fgets(line, sizeof(line), fp) != NULL)
			if (strncmp(line, "token", 5) == 0 &&
			    strstr(line, token) != NULL)
				found = true;
		fclose(fp);
		free(token);
		free(conf);
		ck_assert(found);
	}
	/* a change in the store (here `crickets won` on the ACME proposal)
	 * reaches the served feed within seconds */
	{
		const char *won[] = {"won",
		    "AM0PR07MB4530D1E2F3A4B5C6D7E8F9A0B1C2D3E4@AM0PR07MB4530."
		    "eurprd07.prod.outlook.com",
		    NULL};
		bool gone = false;

		ck_assert_ptr_nonnull(strstr(data, "ACME Q3 rollout"));
		ck_assert_int_eq(cli_spawn(won, true, NULL, NULL), 0);
		for (i = 0; i < 100 && !gone; i++) {
			usleep(100 * 1000);
			http_port(port, AF_INET, "GET", path, NULL, &r);
			ck_assert_int_eq(r.status, 200);
			gone = strstr(r.body, "ACME Q3 rollout") == NULL;
			reply_clear(&r);
		}
		ck_assert_msg(gone, "the feed did not follow the store");
	}
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100 * 1000);
	}
	ck_assert_msg(i < 100, "crickets serve did not stop on SIGTERM");
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	close(fd);
	free(data);
	free(file);
	free(path);
}
END_TEST

static const struct {
	const char *args[4];
	int status;
} cli_errors[] = {
    {{"feed", "--out", "/dev/null/feed", NULL}, EX_IOERR},
    {{"feed", "extra", NULL}, EX_USAGE},
    {{"feed", "--bogus", NULL}, EX_USAGE},
    {{"serve", "--interval", "0", NULL}, EX_USAGE},
    {{"serve", "--listen", "localhost:1", NULL}, EX_USAGE},
};

START_TEST(test_crickets_feed_and_serve_refuse_bad_arguments)
{
	int status = cli_spawn(cli_errors[_i].args, true, NULL, NULL);

	ck_assert_int_ne(status, 0);
	if (cli_errors[_i].status != EX_IOERR)
		ck_assert_int_eq(status, cli_errors[_i].status);
}
END_TEST
#endif

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("server");
	TCase *tc;

	tc = tcase_create("http");
	tcase_add_checked_fixture(tc, setup, teardown);
	CRK_TABLE_TEST(
	    tc, test_get_serves_the_feed_with_calendar_headers, feeds);
	CRK_TABLE_TEST(tc, test_head_sends_the_headers_without_a_body, feeds);
	CRK_TABLE_TEST(
	    tc, test_conditional_requests_get_304_when_unchanged, inm_cases);
	tcase_add_test(
	    tc, test_repeated_conditional_get_with_last_modified_is_304);
	CRK_TABLE_TEST(
	    tc, test_wrong_token_or_path_is_404_with_a_body, bad_paths);
	tcase_add_test(tc, test_a_query_string_is_ignored);
	CRK_TABLE_TEST(tc, test_other_methods_get_405, methods);
	tcase_add_test(tc, test_a_changed_feed_gets_a_new_etag);
	tcase_add_test(tc, test_a_missing_feed_is_503_with_retry_after);
	tcase_add_test(tc, test_ipv6_loopback_listener_serves_too);
	suite_add_tcase(s, tc);

#ifdef CRK_TEST_BINARY
	tc = tcase_create("cli");
	tcase_add_checked_fixture(tc, cli_setup, cli_teardown);
	tcase_add_test(
	    tc, test_crickets_feed_writes_valid_feeds_and_prints_the_paths);
	tcase_add_test(
	    tc, test_crickets_serve_prints_urls_serves_and_stops_on_sigterm);
	CRK_TABLE_TEST(
	    tc, test_a_bad_disk_keeps_the_old_feeds_and_says_why, bad_disks);
	CRK_TABLE_TEST(
	    tc, test_crickets_feed_and_serve_refuse_bad_arguments, cli_errors);
	suite_add_tcase(s, tc);
#endif

	tc = tcase_create("options");
	CRK_TABLE_TEST(tc, test_listen_addresses_parse_or_are_refused, listens);
	CRK_TABLE_TEST(
	    tc, test_bad_options_are_refused_with_a_message, bad_starts);
	suite_add_tcase(s, tc);
	return s;
}
