/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP feed server (libmicrohttpd): two files, conditional GET. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ical/feed.h"
#include "ical/server.h"

#define SERVER_MIN_TOKEN 16
#define SERVER_MAX_FILE (64u * 1024 * 1024)
#define SERVER_CONTENT_TYPE "text/calendar; charset=utf-8"
#define SERVER_CACHE_CONTROL "private, no-cache"

/* One feed file as last read from disk. */
struct server_file {
	const char *name; /* CRK_FEED_*_FILE */
	char *data;       /* owned; NULL until read */
	size_t len;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char etag[67];          /* "\"<sha256 hex>\"" */
	char last_modified[40]; /* IMF-fixdate */
	time_t mtime_s;
};

struct crk_server {
	struct MHD_Daemon *daemon;
	char *token; /* owned */
	char *dir;   /* owned */
	unsigned port;
	pthread_mutex_t lock; /* guards files */
	struct server_file files[2];
};

enum crk_status
crk_server_parse_listen(
    const char *listen, char **host_r, unsigned *port_r, char **error_r)
{
	const char *colon, *host, *host_end;
	char *end;
	unsigned long port;

	*host_r = NULL;
	if (listen[0] == '[') {
		host = listen + 1;
		host_end = strchr(host, ']');
		if (host_end == NULL || host_end[1] != ':')
			goto bad;
		colon = host_end + 1;
	} else {
		host = listen;
		colon = strrchr(listen, ':');
		if (colon == NULL ||
		    memchr(listen, ':', (size_t)(colon - listen)) != NULL)
			goto bad;
		host_end = colon;
	}
	if (host_end == host || colon[1] == '\0')
		goto bad;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		goto bad;
	*host_r = crk_xstrndup(host, (size_t)(host_end - host));
	*port_r = (unsigned)port;
	return CRK_OK;
bad:
	crk_error_set(error_r,
	    "bad listen address '%s' (expected "
	    "HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8765)",
	    listen);
	return CRK_E_INVAL;
}

/* Compares the whole configured token with the candidate without an
 * early exit, so timing tells nothing about how much matched. */
static bool
server_token_equal(const char *token, const char *cand, size_t cand_len)
{
	size_t len = strlen(token), i;
	unsigned char diff = (unsigned char)(len != cand_len);

	for (i = 0; i < len; i++) {
		unsigned char c = i < cand_len ? (unsigned char)cand[i] : 0;

		diff |= (unsigned char)(c ^ (unsigned char)token[i]);
	}
	return diff == 0;
}

/* The feed a path names, or NULL: exactly "/<token>/<file name>". */
static struct server_file *
server_route(struct crk_server *srv, const char *url)
{
	const char *slash;
	size_t i;

	if (url[0] != '/')
		return NULL;
	slash = strchr(url + 1, '/');
	if (slash == NULL)
		return NULL;
	if (!server_token_equal(
		srv->token, url + 1, (size_t)(slash - (url + 1))))
		return NULL;
	for (i = 0; i < CRK_N_ELEMENTS(srv->files); i++)
		if (strcmp(slash + 1, srv->files[i].name) == 0)
			return &srv->files[i];
	return NULL;
}

static void
server_http_date(time_t t, char *buf, size_t size)
{
	static const char *const days[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* RFC 9110 5.6.7: IMF-fixdate; the obsolete forms are not worth it (a
 * client that sends them gets a 200, which is always correct). */
static bool
server_parse_http_date(const char *s, time_t *t_r)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return false;
	*t_r = timegm(&tm);
	return *t_r != (time_t)-1;
}

/* Re-reads the file when it changed on disk.  Returns false when it is
 * missing or unreadable (then the old copy is dropped too). */
static bool
server_refresh(struct crk_server *srv, struct server_file *f)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	struct stat st;
	char *path, *data = NULL;
	size_t done = 0, i;
	ssize_t n;
	int fd;

	path = crk_xasprintf("%s/%s", srv->dir, f->name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 ||
	    (unsigned long long)st.st_size > SERVER_MAX_FILE) {
		if (fd >= 0)
			close(fd);
		crk_free_str(&f->data);
		return false;
	}
	if (f->data != NULL && st.st_dev == f->dev && st.st_ino == f->ino &&
	    st.st_size == f->size && st.st_mtim.tv_sec == f->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == f->mtime.tv_nsec) {
		close(fd);
		return true;
	}
	data = crk_xmalloc((size_t)st.st_size + 1);
	while (done < (size_t)st.st_size) {
		n = read(fd, data + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	if (done == 0) {
		free(data);
		crk_free_str(&f->data);
		return false;
	}
	free(f->data);
	f->data = data;
	f->len = done;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	f->mtime_s = st.st_mtim.tv_sec;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, done, md) != 0)
		memset(md, 0, sizeof(md));
	f->etag[0] = '"';
	for (i = 0; i < sizeof(md); i++) {
		f->etag[1 + 2 * i] = hex[md[i] >> 4];
		f->etag[2 + 2 * i] = hex[md[i] & 15];
	}
	f->etag[65] = '"';
	f->etag[66] = '\0';
	server_http_date(
	    f->mtime_s, f->last_modified, sizeof(f->last_modified));
	return true;
}

/* If-None-Match: "*" or a list of entity tags; weak comparison
 * (RFC 9110 13.1.2), so W/"x" matches "x". */
static bool
server_etag_matches(const char *header, const char *etag)
{
	const char *p = header;
	size_t len = strlen(etag);

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, len) == 0 &&
		    (p[len] == '\0' || p[len] == ',' || p[len] == ' ' ||
			p[len] == '\t'))
			return true;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return false;
}

static enum MHD_Result
server_text(struct MHD_Connection *conn, unsigned code, const char *text,
    const char *header, const char *value)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(
	    strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (header != NULL)
		MHD_add_response_header(resp, header, value);
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Leaves the path as sent: the two real paths need no percent-encoding,
 * so any "%" (an encoded "/", "..", NUL) simply fails to match and gets a
 * 404, instead of being decoded into something that might. */
static size_t
server_no_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	return strlen(s);
}

static enum MHD_Result
server_handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct crk_server *srv = cls;
	struct server_file *f;
	struct MHD_Response *resp;
	const char *inm, *ims;
	enum MHD_Result ret;
	bool not_modified = false;
	time_t since;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return server_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n", MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	/* a GET with a body: drain it, then answer */
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	f = server_route(srv, url);
	if (f == NULL)
		return server_text(
		    conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL, NULL);

	pthread_mutex_lock(&srv->lock);
	if (!server_refresh(srv, f)) {
		pthread_mutex_unlock(&srv->lock);
		return server_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the feed is not published yet; try again shortly\n",
		    MHD_HTTP_HEADER_RETRY_AFTER, "60");
	}
	inm = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	ims = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	/* RFC 9110 13.1.3: If-Modified-Since only without If-None-Match */
	if (inm != NULL)
		not_modified = server_etag_matches(inm, f->etag);
	else if (ims != NULL && server_parse_http_date(ims, &since))
		not_modified = f->mtime_s <= since;
	if (not_modified)
		resp = MHD_create_response_from_buffer(
		    0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(
		    f->len, f->data, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL) {
		pthread_mutex_unlock(&srv->lock);
		return MHD_NO;
	}
	if (!not_modified)
		MHD_add_response_header(
		    resp, MHD_HTTP_HEADER_CONTENT_TYPE, SERVER_CONTENT_TYPE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, f->etag);
	MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_LAST_MODIFIED, f->last_modified);
	pthread_mutex_unlock(&srv->lock);
	MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_CACHE_CONTROL, SERVER_CACHE_CONTROL);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(
	    conn, not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum crk_status
crk_server_start(const struct crk_server_options *opt,
    struct crk_server **server_r, char **error_r)
{
	struct crk_server *srv = NULL;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *info;
	enum crk_status status;
	unsigned port = 0, flags;
	char *host = NULL;

	*server_r = NULL;
	if (opt->token == NULL || strlen(opt->token) < SERVER_MIN_TOKEN ||
	    strchr(opt->token, '/') != NULL) {
		crk_error_set(error_r,
		    "the feed token must have at least %d "
		    "characters and no '/'",
		    SERVER_MIN_TOKEN);
		status = CRK_E_INVAL;
		goto out;
	}
	status = crk_server_parse_listen(
	    opt->listen != NULL ? opt->listen : "127.0.0.1:8765", &host, &port,
	    error_r);
	if (status != CRK_OK)
		goto out;
	memset(&ss, 0, sizeof(ss));
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		crk_error_set(error_r,
		    "listen address '%s': the host must be "
		    "a numeric IPv4 or IPv6 address",
		    opt->listen);
		status = CRK_E_INVAL;
		goto out;
	}
	srv = crk_xcalloc(1, sizeof(*srv));
	pthread_mutex_init(&srv->lock, NULL);
	srv->token = crk_xstrdup(opt->token);
	srv->dir = crk_xstrdup(opt->dir);
	srv->files[0].name = CRK_FEED_EVENTS_FILE;
	srv->files[1].name = CRK_FEED_TASKS_FILE;
	srv->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL,
	    server_handle, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT,
	    opt->max_connections != 0 ? opt->max_connections : 32u,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    opt->timeout_s != 0 ? opt->timeout_s : 30u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
	    MHD_OPTION_UNESCAPE_CALLBACK, server_no_unescape, NULL,
	    MHD_OPTION_END);
	if (srv->daemon == NULL) {
		int err = errno;

		crk_error_set(error_r, "cannot listen on %s: %s%s", opt->listen,
		    err != 0 ? strerror(err) : "failed",
		    err == EADDRINUSE ? " (another crickets serve or watch? "
					"choose another port with [serve] "
					"listen or --listen)"
				      : "");
		status = CRK_E_NET;
		goto out;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info != NULL && info->port != 0 ? info->port : port;
	*server_r = srv;
	srv = NULL;
	status = CRK_OK;
out:
	crk_server_free(&srv);
	free(host);
	return status;
}

unsigned
crk_server_port(const struct crk_server *server)
{
	return server->port;
}

void
crk_server_free(struct crk_server **serverp)
{
	struct crk_server *srv = *serverp;
	size_t i;

	if (srv == NULL)
		return;
	if (srv->daemon != NULL)
		MHD_stop_daemon(srv->daemon);
	for (i = 0; i < CRK_N_ELEMENTS(srv->files); i++)
		free(srv->files[i].data);
	pthread_mutex_destroy(&srv->lock);
	free(srv->token);
	free(srv->dir);
	free(srv);
	*serverp = NULL;
}
