/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the IMAP session (watcher/imap.c over libetpan, and the
 * sync above it) fed arbitrary server responses.  A scripted server on
 * loopback greets, then answers each command the client sends with the
 * next chunk of the input (chunks end at a NUL byte; "$T" in a chunk
 * becomes the tag of the command it answers, so the fuzzer can complete
 * commands or not).  When the chunks run out the server hangs up.  The
 * client logs in, lists, examines and fetches as `crickets sync` does;
 * whatever the server says, it must fail cleanly, never crash. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/engine.h"
#include "core/store.h"
#include "tests/fuzz/fuzz.h"
#include "watcher/imap.h"
#include "watcher/sync.h"

#define GREETING                                                               \
	"* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE CONDSTORE UIDPLUS "  \
	"SPECIAL-USE AUTH=PLAIN] fuzz ready\r\n"

/* LeakSanitizer reads this from any program that defines it: only the
 * programs built from this file (fuzz_imap, replay_imap).  It ignores
 * leaks of memory that libetpan allocated, because libetpan 1.9.4 (and
 * its master as of 2026) leaks on malformed answers in several places,
 * each found here and read in its mailimap_parser.c / mailimap_types.c:
 * - the section spec (and its msgtext) of a FETCH "BODY[...]" item when
 *   the rest of the answer does not parse (regress/imap/logout-answered-
 *   with-broken-fetch.bin);
 * - strings its workarounds for broken servers parse with
 *   mailimap_atom_parse / mailimap_astring_parse (malloc) or strdup, but
 *   free with mmap_string_unref, which frees only strings of its own: a
 *   body-fld-id that is an atom ("$IL", body-fld-id-atom-leaks-in-
 *   libetpan.bin), a body-fld-param name that is an atom ("#charset\"",
 *   body-fld-param-astring-leaks-in-libetpan.bin), a NIL param value
 *   (strdup("") in a static function, so no name to suppress it by).
 * A few bytes per broken answer; the fuzzer kept finding new members of
 * the same family, so naming them one by one made the CI run flaky.  The
 * fast unwinder stops inside libetpan (no frame pointers), so the
 * allocating library is all the stack shows.  What crickets allocates is
 * still checked here, and our handling of what libetpan returns by every
 * other suite under ASan against a real dovecot. */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libetpan.so\n";
}

struct fuzz_server {
	int listen_fd;
	const uint8_t *data;
	size_t size;
	size_t answered; /* chunks sent in answer to a command */
	bool played;     /* every chunk was */
};

static char unplayed[96];

static const char *
script_unplayed(void)
{
	return unplayed[0] != '\0' ? unplayed : NULL;
}

static void
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

/* Reads one command line (up to CRLF); its tag into tag.  False when the
 * client is gone, or sends nothing for 50 ms: on loopback that means it
 * waits for more of an answer the script does not have, so hang up. */
static bool
read_command(int fd, char *tag, size_t tag_size)
{
	char line[2048];
	size_t n = 0;
	struct pollfd pfd = {fd, POLLIN, 0};

	while (n < sizeof(line) - 1) {
		if (poll(&pfd, 1, 50) <= 0 || recv(fd, line + n, 1, 0) != 1)
			return false;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	n = strcspn(line, " \r\n");
	if (n >= tag_size)
		n = tag_size - 1;
	memcpy(tag, line, n);
	tag[n] = '\0';
	return true;
}

static void *
serve(void *arg)
{
	struct fuzz_server *s = arg;
	const uint8_t *p = s->data, *end = s->data + s->size;
	char tag[64];
	struct pollfd pfd = {s->listen_fd, POLLIN, 0};
	int fd;

	/* the client may give up before it connects */
	if (poll(&pfd, 1, 3000) <= 0 ||
	    (fd = accept(s->listen_fd, NULL, NULL)) < 0)
		return NULL;
	send_all(fd, GREETING, strlen(GREETING));
	while (p < end && read_command(fd, tag, sizeof(tag))) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
		const uint8_t *stop = nul != NULL ? nul : end;
		const uint8_t *q = p, *t;
		char *out = NULL;
		size_t out_len = 0;
		FILE *m = open_memstream(&out, &out_len);

		/* the chunk, with $T replaced by the tag, in one send: in
		 * pieces, Nagle held each piece after the first until the
		 * client's delayed ACK, 40 ms an answer, and most of an input's
		 * time went into waiting for it */
		while (q < stop) {
			t = memmem(q, (size_t)(stop - q), "$T", 2);
			if (t == NULL)
				t = stop;
			if (m == NULL)
				abort();
			fwrite(q, 1, (size_t)(t - q), m);
			if (t < stop) {
				fputs(tag, m);
				t += 2;
			}
			q = t;
		}
		if (m == NULL || fclose(m) != 0)
			abort();
		send_all(fd, out, out_len);
		free(out);
		p = nul != NULL ? nul + 1 : end;
		s->answered++;
	}
	s->played = p >= end;
	shutdown(fd, SHUT_RDWR);
	close(fd);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct crk_store *store;
	static struct crk_engine *engine;
	static struct crk_rules rules;
	static int listen_fd = -1;
	static unsigned port;
	struct crk_account_config account;
	struct crk_sync_options opts;
	struct crk_sync_stats stats;
	struct fuzz_server server;
	struct crk_imap *imap = NULL;
	char *error = NULL;
	pthread_t thread;

	if (listen_fd < 0) {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);
		struct crk_cadence cadence;
		char *path;

		fuzz_quiet();
		fuzz_script_unplayed = script_unplayed;
		/* the server hangs up whenever it likes */
		signal(SIGPIPE, SIG_IGN);
		listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (listen_fd < 0 ||
		    bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    listen(listen_fd, 4) != 0 ||
		    getsockname(listen_fd, (struct sockaddr *)&sa, &len) != 0)
			abort();
		port = ntohs(sa.sin_port);
		path = crk_xasprintf(
		    "%s/crk-fuzz-imap.%ld.db", P_tmpdir, (long)getpid());
		unlink(path);
		if (crk_store_open(path, &store, NULL) != CRK_OK)
			abort();
		free(path);
		crk_rules_init_default(&rules);
		crk_strv_add(&rules.identities, "rep@example.com");
		crk_cadence_default(&cadence);
		engine = crk_engine_new(store, &rules, &cadence);
	}

	memset(&server, 0, sizeof(server));
	server.listen_fd = listen_fd;
	server.data = data;
	server.size = size;
	if (pthread_create(&thread, NULL, serve, &server) != 0)
		abort();

	memset(&account, 0, sizeof(account));
	account.name = (char *)"fuzz";
	account.host = (char *)"127.0.0.1";
	account.port = port;
	account.tls = CRK_TLS_NONE;
	account.user = (char *)"rep";
	memset(&opts, 0, sizeof(opts));
	opts.now = 1794300000;
	opts.timeout_secs = 2;
	memset(&stats, 0, sizeof(stats));
	if (crk_imap_connect(&account, 2, &imap, &error) == CRK_OK &&
	    crk_imap_login(imap, "rep", "secret", false, &error) == CRK_OK)
		(void)crk_sync_connected(imap, &account, engine, store, &rules,
		    &opts, &stats, &error);
	crk_imap_free(&imap);
	free(error);
	pthread_join(thread, NULL);
	if (server.played)
		unplayed[0] = '\0';
	else
		snprintf(unplayed, sizeof(unplayed),
		    "the client stopped asking after %zu answers",
		    server.answered);
	return 0;
}
