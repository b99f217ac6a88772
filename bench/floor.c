/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The protocol floor of the benchmark: a bare IMAP client on a plain
 * socket that logs in and, for each folder given, EXAMINEs it and UID
 * FETCHes exactly the items `crickets sync` asks for (flags, internal
 * date, BODYSTRUCTURE and the header fields of watcher/imap.c), reading
 * every byte and parsing nothing but literal sizes and the tagged end.
 * Usage: floor PORT USER PASSWORD FOLDER...   Prints the bytes read. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fd;
static char buf[1 << 16];
static size_t have, pos;
static unsigned long long total;

static int
fill(void)
{
	ssize_t n;

	if (pos < have)
		return 1;
	n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	have = (size_t)n;
	pos = 0;
	total += (unsigned long long)n;
	return 1;
}

/* Reads one line (without CRLF) into line; skips literal bodies. */
static int
read_line(char *line, size_t size)
{
	size_t n = 0;

	for (;;) {
		if (!fill())
			return 0;
		char c = buf[pos++];

		if (c == '\n')
			break;
		if (n + 1 < size)
			line[n++] = c;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	/* a literal {N}: read (and drop) its N bytes, then the rest */
	if (n > 2 && line[n - 1] == '}') {
		char *open = strrchr(line, '{');
		unsigned long len =
		    open != NULL ? strtoul(open + 1, NULL, 10) : 0;

		while (len > 0) {
			size_t take;

			if (!fill())
				return 0;
			take = have - pos < len ? have - pos : len;
			pos += take;
			len -= take;
		}
		return read_line(line, size);
	}
	return 1;
}

static int
command(const char *tag, const char *fmt, const char *arg)
{
	char out[4096], line[4096];
	int n = snprintf(out, sizeof(out), "%s ", tag);

	n += snprintf(out + n, sizeof(out) - (size_t)n, fmt, arg);
	n += snprintf(out + n, sizeof(out) - (size_t)n, "\r\n");
	if (write(fd, out, (size_t)n) != n)
		return 0;
	while (read_line(line, sizeof(line))) {
		if (strncmp(line, tag, strlen(tag)) == 0 &&
		    line[strlen(tag)] == ' ')
			return strncmp(line + strlen(tag) + 1, "OK", 2) == 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char fetch[] =
	    "UID FETCH 1:* (UID FLAGS INTERNALDATE BODYSTRUCTURE "
	    "BODY.PEEK[HEADER.FIELDS (Message-ID In-Reply-To References From "
	    "To Cc Date Subject Auto-Submitted Precedence X-Autoreply "
	    "X-Autorespond X-Auto-Response-Suppress List-Id List-Unsubscribe "
	    "Content-Type Return-Path X-Failed-Recipients)])";
	struct sockaddr_in sa;
	char line[4096], login[512], tag[16];
	int i;

	if (argc < 5) {
		fprintf(stderr, "usage: floor PORT USER PASSWORD FOLDER...\n");
		return 64;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    !read_line(line, sizeof(line))) {
		perror("floor: connect");
		return 69;
	}
	snprintf(login, sizeof(login), "LOGIN \"%s\" \"%s\"", argv[2], argv[3]);
	if (!command("a0", "%s", login)) {
		fprintf(stderr, "floor: login refused\n");
		return 77;
	}
	for (i = 4; i < argc; i++) {
		snprintf(tag, sizeof(tag), "e%d", i);
		if (!command(tag, "EXAMINE \"%s\"", argv[i])) {
			fprintf(stderr, "floor: EXAMINE %s failed\n", argv[i]);
			return 65;
		}
		snprintf(tag, sizeof(tag), "f%d", i);
		if (!command(tag, "%s", fetch)) {
			fprintf(stderr, "floor: FETCH in %s failed\n", argv[i]);
			return 65;
		}
	}
	command("z", "%s", "LOGOUT");
	printf("%llu\n", total);
	return 0;
}
