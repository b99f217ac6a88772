/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hostile clients against the feed server (issue 9): malformed HTTP, long
 * URLs and headers, path tricks, a file next to the feeds that must never
 * be reached, many idle and slow connections, thousands of random
 * requests.  Whatever comes, nothing but the two token paths is served and
 * a good client is still answered. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ical/feed.h"
#include "ical/server.h"
#include "tests/check_common.h"

#define TOKEN "0123456789abcdefABCDEF"
#define FEED_BODY "BEGIN:VCALENDAR\r\nX-FEED:ok\r\nEND:VCALENDAR\r\n"
#define SECRET "do-not-serve-this-secret"
#define MAX_CONN 24u
#define TIMEOUT_S 2u

static char *dir;
static struct crk_server *server;

static void
setup(void)
{
	struct crk_server_options opt = {.listen = "127.0.0.1:0",
	    .token = TOKEN,
	    .max_connections = MAX_CONN,
	    .timeout_s = TIMEOUT_S};
	char *path, *error = NULL;

	dir = crk_test_tmpdir();
	path = crk_xasprintf("%s/%s", dir, CRK_FEED_EVENTS_FILE);
	crk_test_write_file(path, FEED_BODY);
	free(path);
	path = crk_xasprintf("%s/%s", dir, CRK_FEED_TASKS_FILE);
	crk_test_write_file(path, FEED_BODY);
	free(path);
	/* what a path trick would like to reach */
	path = crk_xasprintf("%s/secret.txt", dir);
	crk_test_write_file(path, SECRET);
	free(path);
	path = crk_xasprintf("%s/crickets.db", dir);
	crk_test_write_file(path, SECRET);
	free(path);
	opt.dir = dir;
	ck_assert_msg(
	    crk_server_start(&opt, &server, &error) == CRK_OK, "%s", error);
}

static void
teardown(void)
{
	crk_server_free(&server);
	crk_test_rmtree(dir);
	free(dir);
}

static int
connect_server(void)
{
	struct sockaddr_in sin;
	struct timeval tv = {.tv_sec = 10};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)crk_server_port(server));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    "connect: %s", strerror(errno));
	return fd;
}

/* Sends raw bytes and reads whatever comes back until the server closes
 * (or 10 s pass).  Owned, NUL-terminated. */
static char *
exchange(const char *req, size_t len)
{
	char buf[4096], *out = crk_xmalloc(1);
	size_t total = 0;
	ssize_t n;
	int fd = connect_server();

	while (len > 0) {
		n = send(fd, req, len, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the server may hang up on a huge request */
		req += n;
		len -= (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		out = crk_xrealloc(out, total + (size_t)n + 1);
		memcpy(out + total, buf, (size_t)n);
		total += (size_t)n;
	}
	close(fd);
	out[total] = '\0';
	return out;
}

static int
status_of(const char *reply)
{
	int status = 0;

	if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1)
		return 0; /* closed without an answer */
	return status;
}

static void
assert_good_client_served(void)
{
	char *req = crk_xasprintf("GET /%s/%s HTTP/1.1\r\nHost: x\r\n"
				  "Connection: close\r\n\r\n",
	    TOKEN, CRK_FEED_EVENTS_FILE);
	char *reply = exchange(req, strlen(req));

	ck_assert_msg(status_of(reply) == 200 && strstr(reply, "X-FEED:ok"),
	    "a good client is not served: %.200s", reply);
	free(reply);
	free(req);
}

/* Each of these must be refused (4xx/5xx or a hang-up), never serve a
 * feed, and never show what lies next to the feeds. */
static const char *const hostile[] = {
    /* path tricks around the two real paths */
    "GET /" TOKEN "/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/%2e%2e/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/crickets.db HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "//followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET //" TOKEN "/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/followups.ics/ HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/followups.ics%00.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "%2Ffollowups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/FOLLOWUPS.ICS HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/followups.ics;x HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "\\followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/./followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /x/../" TOKEN "/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /0123456789abcdefABCDEG/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /0123456789abcdefABCDE/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /0123456789abcdefABCDEFF/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /0123456789ABCDEFABCDEF/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /%30123456789abcdefABCDEF/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN " HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/ HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /secret.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET http://x/" TOKEN "/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /" TOKEN "/followups.ics HTTP/1.1\r\nHost: x\r\n"
    "Content-Length: 5\r\n\r\nhello",
    "PUT /" TOKEN "/followups.ics HTTP/1.1\r\nHost: x\r\n"
    "Content-Length: 3\r\n\r\nabc",
    "DELETE /" TOKEN "/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    "TRACE /" TOKEN "/followups.ics HTTP/1.1\r\nHost: x\r\n\r\n",
    /* malformed HTTP */
    "GARBAGE\r\n\r\n",
    "GET\r\n\r\n",
    "GET /" TOKEN "/followups.ics\r\n\r\n",
    "GET /" TOKEN "/followups.ics HTTP/9.9\r\nHost: x\r\n\r\n",
    "GET /" TOKEN "/followups.ics FOO/1.1\r\nHost: x\r\n\r\n",
    "\r\n\r\n\r\n\r\n",
    "GET /" TOKEN "/secret.txt HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
    "GET /" TOKEN "/secret.txt HTTP/1.1\nHost: x\n\n",
    "GET /" TOKEN "/secret.txt HTTP/1.1\r\nHost: x\r\n"
    "Transfer-Encoding: chunked\r\n\r\nZZ\r\n",
    "GET /" TOKEN "/secret.txt HTTP/1.1\r\nHost: x\r\n"
    "Content-Length: -1\r\n\r\n",
    "GET /" TOKEN "/secret.txt HTTP/1.1\r\nHost: x\r\n"
    "Content-Length: 99999999999999999999\r\n\r\n",
};

START_TEST(test_hostile_requests_are_refused_and_nothing_else_is_served)
{
	const char *req = hostile[_i];
	char *reply = exchange(req, strlen(req));
	int status = status_of(reply);

	ck_assert_msg(status == 0 || status >= 400,
	    "request %d answered %d:\n%s\n-> %.300s", _i, status, req, reply);
	ck_assert_msg(strstr(reply, SECRET) == NULL,
	    "request %d reached the secret file", _i);
	ck_assert_msg(strstr(reply, "X-FEED") == NULL,
	    "request %d got a feed:\n%s", _i, req);
	free(reply);
	assert_good_client_served();
}
END_TEST

/* A URL of 100 KB and a header of 1 MB: refused (the connection memory
 * is bounded), and the server keeps serving. */
START_TEST(test_huge_urls_and_headers_are_refused)
{
	size_t n = 100 * 1024;
	char *path = crk_xmalloc(n + 1), *req, *reply;

	memset(path, 'a', n);
	path[0] = '/';
	path[n] = '\0';
	req = crk_xasprintf("GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	reply = exchange(req, strlen(req));
	ck_assert_msg(status_of(reply) == 0 || status_of(reply) >= 400,
	    "a 100 KB URL got %d", status_of(reply));
	free(reply);
	free(req);
	free(path);

	n = 1024 * 1024;
	path = crk_xmalloc(n + 1);
	memset(path, 'b', n);
	path[n] = '\0';
	req =
	    crk_xasprintf("GET /%s/%s HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n",
		TOKEN, CRK_FEED_EVENTS_FILE, path);
	reply = exchange(req, strlen(req));
	ck_assert_msg(status_of(reply) == 0 || status_of(reply) >= 400,
	    "a 1 MB header got %d", status_of(reply));
	ck_assert(strstr(reply, "X-FEED") == NULL);
	free(reply);
	free(req);
	free(path);
	assert_good_client_served();
}
END_TEST

/* Far more idle connections than the server allows, plus a slow client
 * that sends a header a byte at a time: the server holds at most its
 * limit, drops idle ones after its timeout, and then serves again. */
START_TEST(test_idle_and_slow_connections_are_bounded)
{
	enum { N = 200 };
	int fds[N], i, open_after = 0, slow;
	struct timespec start, now;
	char *reply;

	for (i = 0; i < N; i++)
		fds[i] = connect_server();
	slow = connect_server();
	ck_assert_int_eq(send(slow, "GET /", 5, MSG_NOSIGNAL), 5);

	/* every connection over the limit, and every idle one after the
	 * timeout, is closed by the server: reads see EOF or a reset */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < N; i++) {
		struct pollfd pfd = {fds[i], POLLIN, 0};
		char c;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (poll(&pfd, 1,
			(int)(TIMEOUT_S * 3000 -
			    (now.tv_sec - start.tv_sec) * 1000)) <= 0 ||
		    recv(fds[i], &c, 1, MSG_DONTWAIT) > 0)
			open_after++;
		close(fds[i]);
	}
	ck_assert_msg(open_after == 0,
	    "%d of %d idle connections still open after %u s", open_after, N,
	    TIMEOUT_S * 3);
	/* the slow client was cut off too */
	{
		struct pollfd pfd = {slow, POLLIN, 0};

		ck_assert_msg(poll(&pfd, 1, (int)TIMEOUT_S * 3000) == 1,
		    "a slow client kept its connection");
		close(slow);
	}
	reply = NULL;
	assert_good_client_served();
	free(reply);
}
END_TEST

/* Thousands of random and mutated requests (seeded, so a failure can be
 * replayed); the server must survive them and still serve. */
START_TEST(test_random_requests_find_nothing)
{
	static const char *const pieces[] = {"GET ", "HEAD ", "POST ", "/",
	    TOKEN, "/followups.ics", "/followups-tasks.ics", "..", "%2e", "%",
	    "%00", "?", "#", " HTTP/1.1", " HTTP/1.0", "\r\n", "\n", "Host: x",
	    "If-None-Match: ", "If-Modified-Since: ", "\"", "*",
	    "Range: bytes=0-1", "Content-Length: 4", ":", " ", "\t", "\xff",
	    "\xc3\x28", "secret.txt"};
	unsigned seed = 20261122u;
	char req[2048], *reply;
	int i, j, n, served = 0;

	srand(seed);
	for (i = 0; i < 2000; i++) {
		size_t len = 0;

		n = 1 + rand() % 16;
		for (j = 0; j < n; j++) {
			const char *p = pieces[rand() % CRK_N_ELEMENTS(pieces)];
			size_t k = strlen(p);

			if (len + k >= sizeof(req) - 8)
				break;
			memcpy(req + len, p, k);
			len += k;
			if (rand() % 8 == 0)
				req[len++] = (char)(rand() % 256);
		}
		memcpy(req + len, "\r\n\r\n", 4);
		len += 4;
		reply = exchange(req, len);
		ck_assert_msg(strstr(reply, SECRET) == NULL,
		    "random request %d (seed %u) reached the secret file", i,
		    seed);
		if (strstr(reply, "X-FEED") != NULL) {
			/* only a real token path may serve a feed */
			ck_assert_msg(memmem(req, len, TOKEN "/followups",
					  strlen(TOKEN "/followups")) != NULL,
			    "random request %d (seed %u) got a feed", i, seed);
			served++;
		}
		free(reply);
	}
	assert_good_client_served();
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("feed server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	CRK_TABLE_TEST(tc,
	    test_hostile_requests_are_refused_and_nothing_else_is_served,
	    hostile);
	tcase_add_test(tc, test_huge_urls_and_headers_are_refused);
	tcase_add_test(tc, test_idle_and_slow_connections_are_bounded);
	tcase_add_test(tc, test_random_requests_find_nothing);
	suite_add_tcase(s, tc);
	return s;
}
