/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP feed server: the two published feeds under a secret token. */
#ifndef CRK_SERVER_H
#define CRK_SERVER_H

#include <stdbool.h>

#include "core/common.h"

struct crk_server;

struct crk_server_options {
	/* "127.0.0.1:8765", "[::1]:8765", "0.0.0.0:8765"; port 0 picks a
	 * free port (crk_server_port tells which).  NULL: 127.0.0.1:8765. */
	const char *listen;
	/* The secret path segment; at least 16 characters. */
	const char *token;
	/* The directory crk_feed_publish writes to. */
	const char *dir;
	unsigned max_connections; /* 0: 32 */
	unsigned timeout_s;       /* idle connection timeout; 0: 30 */
};

/* Starts serving in a thread of its own.  Exactly two paths exist:
 *   GET|HEAD /<token>/followups.ics and /<token>/followups-tasks.ics
 * (a query string is ignored, so clients may add cache-busters).  The
 * path is compared as sent, not percent-decoded: an encoded character
 * never matches.  The file
 * is read from dir and read again whenever its size, mtime or inode
 * change.  Responses: 200 with Content-Type "text/calendar; charset=utf-8",
 * a strong ETag (SHA-256 of the bytes), Last-Modified (the file's mtime),
 * Cache-Control "private, no-cache"; 304 when If-None-Match matches (or,
 * without If-None-Match, when If-Modified-Since is not older than the
 * file); 404 with a short text body for any other path, including a wrong
 * token, "..", encoded or doubled slashes; 405 (Allow: GET, HEAD) for
 * other methods; 503 with Retry-After when the feed is not published yet.
 * Never 410, never an empty 200.  The token is compared in constant time.
 * CRK_E_INVAL (bad listen address, short token), CRK_E_NET (cannot
 * bind).  The caller owns *server_r. */
enum crk_status crk_server_start(const struct crk_server_options *options,
    struct crk_server **server_r, char **error_r);

/* The port actually bound. */
unsigned crk_server_port(const struct crk_server *server);

/* Stops serving (waits for the thread) and frees.  NULL-safe. */
void crk_server_free(struct crk_server **server);

/* Splits "host:port" / "[v6]:port" into host (owned, no brackets) and
 * port.  CRK_E_INVAL for anything else. */
enum crk_status crk_server_parse_listen(
    const char *listen, char **host_r, unsigned *port_r, char **error_r);

#endif
