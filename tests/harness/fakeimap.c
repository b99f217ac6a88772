/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A scripted IMAP server on loopback; see fakeimap.h. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/common.h"
#include "tests/harness/fakeimap.h"

#define CAPS "IMAP4rev1 LITERAL+ IDLE UIDPLUS SPECIAL-USE AUTH=PLAIN"

struct crk_fakeimap {
	int listen_fd;
	unsigned port;
	pthread_t thread;
	pthread_mutex_t lock;
	bool stop;
	unsigned connections;
	struct crk_fake_options opt;
	struct crk_strv folders[2]; /* INBOX, Sent */
};

struct conn {
	struct crk_fakeimap *f;
	int fd;
	int folder; /* -1 none, 0 INBOX, 1 Sent, 2 Drafts */
	bool closed;
};

static const char *const folder_names[] = {"INBOX", "Sent", "Drafts"};

static void
conn_send(struct conn *c, const char *p, size_t n, unsigned trickle_us)
{
	ssize_t w;

	while (n > 0 && !c->closed) {
		w = send(c->fd, p, trickle_us > 0 ? 1 : n, MSG_NOSIGNAL);
		if (w <= 0) {
			c->closed = true;
			return;
		}
		p += w;
		n -= (size_t)w;
		if (trickle_us > 0)
			usleep(trickle_us);
	}
}

/* One line from the client (CRLF stripped); NULL when it is gone or the
 * server stops. */
static char *
conn_line(struct conn *c)
{
	char buf[8192];
	size_t n = 0;
	struct pollfd pfd = {c->fd, POLLIN, 0};

	while (n < sizeof(buf) - 1) {
		int r = poll(&pfd, 1, 100);

		if (r < 0 || c->f->stop)
			return NULL;
		if (r == 0)
			continue;
		if (recv(c->fd, buf + n, 1, 0) != 1)
			return NULL;
		if (buf[n] == '\n')
			break;
		n++;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return crk_xstrdup(buf);
}

/* The header block of a raw message (up to the empty line), CRLF. */
static char *
msg_part(const char *raw, bool header)
{
	struct crk_strv lines = {0};
	const char *p = raw, *eol;
	bool in_body = false;
	char *s;

	while (*p != '\0') {
		eol = strchr(p, '\n');
		size_t n = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (!in_body && n == 0) {
			in_body = true;
			if (header) {
				crk_strv_add(&lines, "");
				break;
			}
		} else if (in_body != header) {
			crk_strv_add_owned(&lines, crk_xstrndup(p, n));
		}
		p = eol != NULL ? eol + 1 : p + strlen(p);
	}
	crk_strv_add(&lines, "");
	s = crk_strv_join(&lines, "\r\n");
	crk_strv_clear(&lines);
	return s;
}

static bool
uid_in_set(unsigned uid, const char *set)
{
	const char *p = set;

	while (*p != '\0') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b;

		if (*end == ':') {
			if (end[1] == '*') {
				b = ~0ul;
				end += 2;
			} else {
				b = strtoul(end + 1, &end, 10);
			}
		} else {
			b = a;
		}
		if (uid >= a && uid <= b)
			return true;
		if (*end != ',')
			break;
		p = end + 1;
	}
	return false;
}

/* The answer to "UID FETCH set items", without the tagged OK. */
static void
answer_fetch(struct conn *c, const char *args, struct crk_strv *out)
{
	const struct crk_strv *msgs =
	    c->folder >= 0 && c->folder < 2 ? &c->f->folders[c->folder] : NULL;
	char set[256];
	const char *sec;
	size_t i;

	if (sscanf(args, "%255s", set) != 1 || msgs == NULL)
		return;
	sec = strstr(args, "BODY.PEEK[");
	for (i = 0; i < msgs->count; i++) {
		unsigned uid = (unsigned)i + 1;
		char *header = msg_part(msgs->items[i], true);
		char *body = msg_part(msgs->items[i], false);

		if (!uid_in_set(uid, set)) {
			free(header);
			free(body);
			continue;
		}
		if (sec != NULL && isdigit((unsigned char)sec[10])) {
			/* a part: BODY.PEEK[1]<0.N> */
			crk_strv_add_owned(out,
			    crk_xasprintf("* %u FETCH (UID %u BODY[%c]<0> "
					  "{%zu}\r\n%s)\r\n",
				uid, uid, sec[10], strlen(body), body));
		} else {
			crk_strv_add_owned(out,
			    crk_xasprintf(
				"* %u FETCH (UID %u FLAGS (\\Seen) "
				"INTERNALDATE "
				"\"02-Nov-2026 09:15:00 +0100\" BODYSTRUCTURE "
				"(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") "
				"NIL "
				"NIL \"7BIT\" %zu 3 NIL NIL NIL NIL) "
				"BODY[HEADER.FIELDS (MESSAGE-ID)] {%zu}\r\n"
				"%s)\r\n",
				uid, uid, strlen(body), strlen(header),
				header));
		}
		free(header);
		free(body);
	}
}

/* The untagged part of the answer to one command. */
static void
answer(struct conn *c, const char *cmd, const char *args, struct crk_strv *out)
{
	size_t i;

	if (strcmp(cmd, "CAPABILITY") == 0) {
		crk_strv_add(out, "* CAPABILITY " CAPS "\r\n");
	} else if (strcmp(cmd, "LIST") == 0 || strcmp(cmd, "LSUB") == 0) {
		crk_strv_add_owned(
		    out, crk_xasprintf("* %s () \"/\" INBOX\r\n", cmd));
		crk_strv_add_owned(
		    out, crk_xasprintf("* %s (\\Sent) \"/\" Sent\r\n", cmd));
		crk_strv_add_owned(out,
		    crk_xasprintf("* %s (\\Drafts) \"/\" Drafts\r\n", cmd));
	} else if (strcmp(cmd, "EXAMINE") == 0 || strcmp(cmd, "SELECT") == 0) {
		size_t n;

		c->folder = -1;
		for (i = 0; i < CRK_N_ELEMENTS(folder_names); i++) {
			if (strstr(args, folder_names[i]) != NULL)
				c->folder = (int)i;
		}
		n = c->folder >= 0 && c->folder < 2
		    ? c->f->folders[c->folder].count
		    : 0;
		crk_strv_add_owned(out,
		    crk_xasprintf("* FLAGS (\\Answered \\Flagged \\Deleted "
				  "\\Seen \\Draft)\r\n* %zu EXISTS\r\n"
				  "* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n"
				  "* OK [UIDNEXT %zu] ok\r\n",
			n, n + 1));
	} else if (strcmp(cmd, "UID SEARCH") == 0) {
		size_t n = c->folder >= 0 && c->folder < 2
		    ? c->f->folders[c->folder].count
		    : 0;

		crk_strv_add(out, "* SEARCH");
		for (i = 0; strstr(args, "KEYWORD") == NULL && i < n; i++)
			crk_strv_add_owned(out, crk_xasprintf(" %zu", i + 1));
		crk_strv_add(out, "\r\n");
	} else if (strcmp(cmd, "UID FETCH") == 0) {
		answer_fetch(c, args, out);
	} else if (strcmp(cmd, "LOGOUT") == 0) {
		crk_strv_add(out, "* BYE logging out\r\n");
	}
}

static bool
fault_here(struct conn *c, const struct crk_fake_options *o, const char *cmd)
{
	if (o->fault == CRK_FAKE_NONE || o->fault_command == NULL ||
	    strcmp(o->fault_command, cmd) != 0)
		return false;
	if (o->fault_folder == NULL)
		return true;
	return c->folder >= 0 &&
	    strcmp(folder_names[c->folder], o->fault_folder) == 0;
}

static void
serve_conn(struct crk_fakeimap *f, int fd)
{
	struct conn c = {f, fd, -1, false};
	struct crk_fake_options o;
	char *line, tag[64], cmd[64], *args;

	pthread_mutex_lock(&f->lock);
	o = f->opt;
	pthread_mutex_unlock(&f->lock);
	conn_send(&c, "* OK [CAPABILITY " CAPS "] fake ready\r\n",
	    strlen("* OK [CAPABILITY " CAPS "] fake ready\r\n"), o.trickle_us);
	while (!c.closed && (line = conn_line(&c)) != NULL) {
		struct crk_strv out = {0};
		char *text, *ok;
		size_t i, n;

		tag[0] = cmd[0] = '\0';
		n = 0;
		sscanf(line, "%63s %63s%zn", tag, cmd, &n);
		for (i = 0; cmd[i] != '\0'; i++)
			cmd[i] = (char)toupper((unsigned char)cmd[i]);
		args = line + (n > 0 ? n : strlen(line));
		if (strcmp(cmd, "UID") == 0) {
			char sub[32] = "";
			int k = 0;

			sscanf(args, " %31s%n", sub, &k);
			for (i = 0; sub[i] != '\0'; i++)
				sub[i] = (char)toupper((unsigned char)sub[i]);
			snprintf(cmd, sizeof(cmd), "UID %s", sub);
			args += k;
		}
		if (fault_here(&c, &o, cmd) && o.fault == CRK_FAKE_HANG) {
			free(line);
			while ((line = conn_line(&c)) != NULL)
				free(line);
			break;
		}
		if (strcmp(cmd, "IDLE") == 0) {
			conn_send(&c, "+ idling\r\n", 10, o.trickle_us);
			free(line);
			line = conn_line(&c); /* DONE */
			if (line == NULL)
				break;
		}
		answer(&c, cmd, args, &out);
		text = crk_strv_join(&out, "");
		crk_strv_clear(&out);
		ok = fault_here(&c, &o, cmd) && o.fault == CRK_FAKE_NO
		    ? crk_xasprintf(
			  "%s NO [UNAVAILABLE] fault injected\r\n", tag)
		    : crk_xasprintf("%s OK done\r\n", tag);
		if (fault_here(&c, &o, cmd)) {
			switch (o.fault) {
			case CRK_FAKE_BYE:
				conn_send(
				    &c, text, strlen(text) / 2, o.trickle_us);
				conn_send(&c, "\r\n* BYE fault injected\r\n",
				    24, o.trickle_us);
				c.closed = true;
				break;
			case CRK_FAKE_TRUNCATE:
				conn_send(&c, text, strlen(text) * 3 / 5,
				    o.trickle_us);
				c.closed = true;
				break;
			case CRK_FAKE_GARBAGE:
				conn_send(&c, "%%% \x01\x02 not imap ((\r\n",
				    21, o.trickle_us);
				break;
			default: break;
			}
		}
		if (!c.closed) {
			conn_send(&c, text, strlen(text), o.trickle_us);
			conn_send(&c, ok, strlen(ok), o.trickle_us);
		}
		free(text);
		free(ok);
		if (strcmp(cmd, "LOGOUT") == 0)
			c.closed = true;
		free(line);
	}
	shutdown(fd, SHUT_RDWR);
	close(fd);
}

static void *
fake_main(void *arg)
{
	struct crk_fakeimap *f = arg;
	struct pollfd pfd = {f->listen_fd, POLLIN, 0};
	int fd;

	while (!f->stop) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		fd = accept(f->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&f->lock);
		f->connections++;
		pthread_mutex_unlock(&f->lock);
		serve_conn(f, fd);
	}
	return NULL;
}

struct crk_fakeimap *
crk_fakeimap_start(const char *const *inbox, const char *const *sent)
{
	struct crk_fakeimap *f = crk_xcalloc(1, sizeof(*f));
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; inbox != NULL && inbox[i] != NULL; i++)
		crk_strv_add(&f->folders[0], inbox[i]);
	for (i = 0; sent != NULL && sent[i] != NULL; i++)
		crk_strv_add(&f->folders[1], sent[i]);
	pthread_mutex_init(&f->lock, NULL);
	f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (f->listen_fd < 0 ||
	    bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(f->listen_fd, 8) != 0 ||
	    getsockname(f->listen_fd, (struct sockaddr *)&sa, &len) != 0)
		abort();
	f->port = ntohs(sa.sin_port);
	if (pthread_create(&f->thread, NULL, fake_main, f) != 0)
		abort();
	return f;
}

unsigned
crk_fakeimap_port(const struct crk_fakeimap *f)
{
	return f->port;
}

void
crk_fakeimap_set(struct crk_fakeimap *f, const struct crk_fake_options *o)
{
	pthread_mutex_lock(&f->lock);
	f->opt = *o;
	pthread_mutex_unlock(&f->lock);
}

unsigned
crk_fakeimap_connections(struct crk_fakeimap *f)
{
	unsigned n;

	pthread_mutex_lock(&f->lock);
	n = f->connections;
	pthread_mutex_unlock(&f->lock);
	return n;
}

void
crk_fakeimap_free(struct crk_fakeimap **fp)
{
	struct crk_fakeimap *f = *fp;

	if (f == NULL)
		return;
	f->stop = true;
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	crk_strv_clear(&f->folders[0]);
	crk_strv_clear(&f->folders[1]);
	pthread_mutex_destroy(&f->lock);
	free(f);
	*fp = NULL;
}
