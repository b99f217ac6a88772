/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The IMAP client (libetpan): connect, verified TLS, login, folders, fetch. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "core/message.h"
#include "watcher/imap.h"
#include "watcher/tls.h"

/* The socket under libetpan's stream: plain or GnuTLS.  libetpan's own
 * TLS does not verify certificates, so it is never used. */
struct imap_transport {
	int fd;
	struct crk_tls *tls; /* owned; NULL while plain */
};

struct crk_imap {
	mailimap *session;                /* owned */
	struct imap_transport *transport; /* borrowed from the stream */
	char *host;                       /* owned */
	char *verdict;                    /* owned */
	int timeout_secs;
	bool condstore_enabled;
	bool broken; /* the connection failed: no LOGOUT on the way out */
};

const char *const crk_imap_header_fields[] = {"Message-ID", "In-Reply-To",
    "References", "From", "To", "Cc", "Date", "Subject", "Auto-Submitted",
    "Precedence", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress",
    "List-Id", "List-Unsubscribe", "Content-Type", "Return-Path",
    "X-Failed-Recipients", NULL};

/* ---- transport: a mailstream_low driver over our socket --------------- */

/* The end of the stream is an error here, never a read of 0 bytes:
 * libetpan 1.9.4 reads a literal ("{416}" and then that many bytes) in a
 * loop that stops only on -1, so a server that hung up in the middle of
 * one made it call read again for ever, at full CPU, past every timeout
 * (found by fuzz_imap; regress/imap/eof-inside-a-literal-spins-libetpan
 * .bin).  Fixed upstream in 1.10 ("Handle EOF while reading IMAP
 * literals", 68de795); Debian 12 has 1.9.4.  IMAP has no clean end of
 * stream in the middle of an answer (BYE comes first), so nothing is
 * lost. */
static ssize_t
transport_read(mailstream_low *low, void *buf, size_t len)
{
	struct imap_transport *t = low->data;
	ssize_t r;

	if (t->tls != NULL) {
		r = crk_tls_read(t->tls, buf, len);
	} else {
		do {
			r = recv(t->fd, buf, len, 0);
		} while (r < 0 && errno == EINTR);
	}
	if (r == 0) {
		errno = ECONNRESET;
		return -1;
	}
	return r;
}

static ssize_t
transport_write(mailstream_low *low, const void *buf, size_t len)
{
	struct imap_transport *t = low->data;
	const char *p = buf;
	size_t done = 0;
	ssize_t r;

	if (t->tls != NULL)
		return crk_tls_write(t->tls, buf, len);
	while (done < len) {
		r = send(t->fd, p + done, len - done, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return (ssize_t)len;
}

static int
transport_close(mailstream_low *low)
{
	struct imap_transport *t = low->data;

	crk_tls_free(&t->tls);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return 0;
}

static int
transport_get_fd(mailstream_low *low)
{
	struct imap_transport *t = low->data;

	return t->fd;
}

static void
transport_free(mailstream_low *low)
{
	struct imap_transport *t = low->data;

	if (t != NULL) {
		crk_tls_free(&t->tls);
		if (t->fd >= 0)
			close(t->fd);
		free(t);
	}
	free(low);
}

static mailstream_low_driver transport_driver = {
    .mailstream_read = transport_read,
    .mailstream_write = transport_write,
    .mailstream_close = transport_close,
    .mailstream_get_fd = transport_get_fd,
    .mailstream_free = transport_free,
};

/* Connects with a bounded wait; every later read and write is bounded by
 * SO_RCVTIMEO / SO_SNDTIMEO. */
static enum crk_status
imap_tcp_connect(const char *host, unsigned port, int timeout_secs, int *fd_r,
    char **error_r)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portbuf[16];
	struct timeval tv;
	int fd = -1, r, err = 0, flags;
	socklen_t errlen;
	struct pollfd pfd;

	*fd_r = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	r = getaddrinfo(host, portbuf, &hints, &res);
	if (r != 0) {
		crk_error_set(
		    error_r, "cannot resolve %s: %s", host, gai_strerror(r));
		return CRK_E_NET;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		flags = fcntl(fd, F_GETFL);
		(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
		r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r < 0 && errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			do {
				r = poll(&pfd, 1, timeout_secs * 1000);
			} while (r < 0 && errno == EINTR);
			if (r == 0) {
				err = ETIMEDOUT;
				r = -1;
			} else if (r > 0) {
				errlen = sizeof(err);
				err = 0;
				(void)getsockopt(
				    fd, SOL_SOCKET, SO_ERROR, &err, &errlen);
				r = err == 0 ? 0 : -1;
			} else {
				err = errno;
			}
		} else if (r < 0) {
			err = errno;
		}
		if (r == 0) {
			(void)fcntl(fd, F_SETFL, flags);
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		crk_error_set(error_r, "cannot connect to %s port %u: %s", host,
		    port, strerror(err != 0 ? err : ECONNREFUSED));
		return CRK_E_NET;
	}
	tv.tv_sec = timeout_secs;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	*fd_r = fd;
	return CRK_OK;
}

/* ---- errors ------------------------------------------------------------- */

static bool
imap_saw_bye(struct crk_imap *imap)
{
	MMAPString *buf;

	if (imap->session == NULL)
		return false;
	buf = imap->session->imap_stream_buffer;
	return buf != NULL && buf->str != NULL &&
	    crk_strcasestr(buf->str, "* BYE") != NULL;
}

/* Maps a libetpan result to a status and a message naming the command
 * and, when the server said NO or BAD, its own words. */
static enum crk_status
imap_error(struct crk_imap *imap, int r, const char *what, char **error_r)
{
	const char *resp =
	    imap->session != NULL ? imap->session->imap_response : NULL;

	switch (r) {
	case MAILIMAP_NO_ERROR:
	case MAILIMAP_NO_ERROR_AUTHENTICATED:
	case MAILIMAP_NO_ERROR_NON_AUTHENTICATED: return CRK_OK;
	case MAILIMAP_ERROR_STREAM:
		imap->broken = true;
		crk_error_set(error_r,
		    "%s: connection to %s lost or timed "
		    "out",
		    what, imap->host);
		return CRK_E_NET;
	case MAILIMAP_ERROR_MEMORY: crk_oom();
	case MAILIMAP_ERROR_PARSE:
		/* libetpan cannot parse an untagged BYE where it expects a
		 * tagged answer: that is a server going away (restart,
		 * idle timeout), a temporary error (RFC 3501 section
		 * 7.1.5). */
		if (imap_saw_bye(imap)) {
			imap->broken = true;
			crk_error_set(error_r, "%s: %s closed the connection",
			    what, imap->host);
			return CRK_E_NET;
		}
		/* The rest of the answer is still unread: nothing said on
		 * this connection can be trusted any more. */
		imap->broken = true;
		crk_error_set(error_r, "%s: cannot parse the answer of %s",
		    what, imap->host);
		return CRK_E_PROTO;
	case MAILIMAP_ERROR_LOGIN:
		crk_error_set(error_r,
		    "%s refused by %s%s%s; check user and the password "
		    "(password_command or password_file; Gmail and Office 365 "
		    "want an app password)",
		    what, imap->host, resp != NULL ? ": " : "",
		    resp != NULL ? resp : "");
		return CRK_E_AUTH;
	default:
		crk_error_set(error_r, "%s failed at %s%s%s", what, imap->host,
		    resp != NULL ? ": " : "", resp != NULL ? resp : "");
		return CRK_E_PROTO;
	}
}

/* ---- connect, login, capabilities -------------------------------------- */

/* CAPABILITY.  libetpan keeps the server's list in the session, where
 * imap_caps() reads it.  Sent by hand rather than with
 * mailimap_capability(): libetpan 1.9.4 (and its master as of 2026)
 * keeps a list it could not parse ("* CAPABILITY" with nothing after it)
 * as a capability_data whose clist is NULL, and mailimap_capability()
 * then copies that list for its caller without looking, which crashed
 * crickets (fuzz_imap; regress/imap/capability-answered-without-a-list-
 * crashes-libetpan.bin); mailimap_has_extension() reads it the same
 * way, so crk_imap_has_capability() is used instead. */
static int
imap_refresh_caps(struct crk_imap *imap)
{
	static const char command[] = "CAPABILITY\r\n";
	mailimap *session = imap->session;
	struct mailimap_response *response = NULL;
	int r;

	if ((r = mailimap_send_current_tag(session)) != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(session->imap_stream, command,
		sizeof(command) - 1) != (ssize_t)(sizeof(command) - 1) ||
	    mailstream_flush(session->imap_stream) == -1 ||
	    mailimap_read_line(session) == NULL)
		return MAILIMAP_ERROR_STREAM;
	if ((r = mailimap_parse_response(session, &response)) !=
	    MAILIMAP_NO_ERROR)
		return r;
	r = response->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state
		    ->rsp_type == MAILIMAP_RESP_COND_STATE_OK
	    ? MAILIMAP_NO_ERROR
	    : MAILIMAP_ERROR_CAPABILITY;
	mailimap_response_free(response);
	return r;
}

enum crk_status
crk_imap_connect(const struct crk_account_config *account, int timeout_secs,
    struct crk_imap **imap_r, char **error_r)
{
	struct crk_imap *imap = NULL;
	struct imap_transport *t = NULL;
	mailstream_low *low = NULL;
	mailstream *stream = NULL;
	enum crk_status st;
	unsigned port;
	int fd = -1, r;

	*imap_r = NULL;
	if (account->host == NULL || *account->host == '\0') {
		crk_error_set(error_r, "account %s has no host",
		    account->name != NULL ? account->name : "?");
		return CRK_E_INVAL;
	}
	if (account->tls == CRK_TLS_NONE &&
	    !crk_tls_is_loopback(account->host)) {
		crk_error_set(error_r,
		    "tls = none is only allowed for a "
		    "server on this machine, not %s: use tls = imaps or "
		    "starttls",
		    account->host);
		return CRK_E_INVAL;
	}
	if (timeout_secs <= 0)
		timeout_secs = CRK_IMAP_TIMEOUT_DEFAULT;
	port = account->port != 0           ? account->port
	    : account->tls == CRK_TLS_IMAPS ? 993
					    : 143;

	imap = crk_xcalloc(1, sizeof(*imap));
	imap->host = crk_xstrdup(account->host);
	imap->timeout_secs = timeout_secs;
	if ((st = imap_tcp_connect(
		 account->host, port, timeout_secs, &fd, error_r)) != CRK_OK)
		goto out;
	t = crk_xcalloc(1, sizeof(*t));
	t->fd = fd;
	fd = -1;
	if (account->tls == CRK_TLS_IMAPS) {
		st = crk_tls_start(t->fd, account->host, account->ca_file,
		    timeout_secs * 1000, &t->tls, error_r);
		if (st != CRK_OK)
			goto out;
		imap->verdict = crk_xstrdup(crk_tls_verdict(t->tls));
	}
	low = mailstream_low_new(t, &transport_driver);
	if (low == NULL)
		crk_oom();
	imap->transport = t;
	t = NULL; /* the stream owns it now */
	stream = mailstream_new(low, 8192);
	if (stream == NULL)
		crk_oom();
	low = NULL;
	imap->session = mailimap_new(0, NULL);
	if (imap->session == NULL)
		crk_oom();
	r = mailimap_connect(imap->session, stream);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		if (imap->session->imap_stream == NULL)
			mailstream_close(stream);
		st = r == MAILIMAP_ERROR_STREAM ? CRK_E_NET : CRK_E_PROTO;
		crk_error_set(error_r, "%s port %u sent no IMAP greeting",
		    account->host, port);
		goto out;
	}
	stream = NULL;
	r = imap_refresh_caps(imap);
	if (account->tls == CRK_TLS_STARTTLS) {
		if (!crk_imap_has_capability(imap, "STARTTLS")) {
			crk_error_set(error_r,
			    "%s does not offer STARTTLS; "
			    "refusing to send the password in clear (use tls "
			    "= imaps if the server has it)",
			    account->host);
			st = CRK_E_TLS;
			goto out;
		}
		r = mailimap_starttls(imap->session);
		if ((st = imap_error(imap, r, "STARTTLS", error_r)) != CRK_OK) {
			if (st == CRK_E_PROTO)
				st = CRK_E_TLS;
			goto out;
		}
		/* Bytes the server sent after its OK but before the handshake
		 * are an injection attempt (CVE-2020-15953). */
		if (imap->session->imap_stream->read_buffer_len != 0) {
			crk_error_set(error_r,
			    "%s sent data after STARTTLS "
			    "before TLS started; refusing",
			    account->host);
			st = CRK_E_TLS;
			goto out;
		}
		st = crk_tls_start(imap->transport->fd, account->host,
		    account->ca_file, timeout_secs * 1000,
		    &imap->transport->tls, error_r);
		if (st != CRK_OK)
			goto out;
		imap->verdict =
		    crk_xstrdup(crk_tls_verdict(imap->transport->tls));
		/* RFC 3501 section 6.2.1: forget what was said in clear. */
		r = imap_refresh_caps(imap);
	}
	(void)r;
	if (imap->verdict == NULL)
		imap->verdict = crk_xstrdup("no TLS (server on this machine)");
	*imap_r = imap;
	imap = NULL;
	st = CRK_OK;
out:
	if (fd >= 0)
		close(fd);
	if (t != NULL) {
		crk_tls_free(&t->tls);
		close(t->fd);
		free(t);
	}
	if (low != NULL)
		mailstream_low_free(low);
	crk_imap_free(&imap);
	return st;
}

void
crk_imap_free(struct crk_imap **imapp)
{
	struct crk_imap *imap = *imapp;

	if (imap == NULL)
		return;
	*imapp = NULL;
	if (imap->session != NULL) {
		/* A dead connection would only make LOGOUT wait for the
		 * timeout. */
		if (!imap->broken && imap->session->imap_stream != NULL &&
		    imap->session->imap_state != MAILIMAP_STATE_DISCONNECTED &&
		    imap->session->imap_state !=
			MAILIMAP_STATE_NON_AUTHENTICATED)
			(void)mailimap_logout(imap->session);
		mailimap_free(imap->session);
	}
	free(imap->host);
	free(imap->verdict);
	free(imap);
}

/* AUTHENTICATE PLAIN with the initial response in the command (RFC 4959,
 * RFC 4616), without Cyrus SASL and its plugins.  The command carries the
 * secret, so the stream is marked private while it is sent. */
static int
imap_auth_plain_ir(
    struct crk_imap *imap, const char *user, const char *password)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t ul = strlen(user), pl = strlen(password), n = ul + pl + 2;
	unsigned char *raw = crk_xmalloc(n);
	char *cmd = crk_xmalloc(32 + (n + 2) / 3 * 4);
	size_t i, o;
	int r;

	raw[0] = '\0'; /* no authorization identity: the user's own */
	memcpy(raw + 1, user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, password, pl);
	o = (size_t)sprintf(cmd, "AUTHENTICATE PLAIN ");
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)raw[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= raw[i + 2];
		cmd[o++] = b64[(v >> 18) & 63];
		cmd[o++] = b64[(v >> 12) & 63];
		cmd[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		cmd[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	cmd[o] = '\0';
	mailstream_set_privacy(imap->session->imap_stream, 0);
	r = mailimap_custom_command(imap->session, cmd);
	mailstream_set_privacy(imap->session->imap_stream, 1);
	if (r == MAILIMAP_ERROR_CUSTOM_COMMAND)
		r = MAILIMAP_ERROR_LOGIN;
	if (r == MAILIMAP_NO_ERROR)
		imap->session->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	explicit_bzero(raw, n);
	explicit_bzero(cmd, o);
	free(raw);
	free(cmd);
	return r;
}

enum crk_status
crk_imap_login(struct crk_imap *imap, const char *user, const char *password,
    bool plain, char **error_r)
{
	enum crk_status st;
	int r;

	if (imap->session->imap_state == MAILIMAP_STATE_AUTHENTICATED)
		return CRK_OK; /* PREAUTH */
	if (plain && crk_imap_has_capability(imap, "SASL-IR")) {
		r = imap_auth_plain_ir(imap, user, password);
		st = imap_error(imap, r, "AUTHENTICATE PLAIN", error_r);
		if (st == CRK_E_PROTO && r != MAILIMAP_ERROR_PARSE)
			st = CRK_E_AUTH;
	} else if (plain) {
		r = mailimap_authenticate(imap->session, "PLAIN", imap->host,
		    NULL, NULL, user, user, password, NULL);
		st = imap_error(imap, r, "AUTHENTICATE PLAIN", error_r);
		if (st == CRK_E_PROTO && r != MAILIMAP_ERROR_PARSE)
			st = CRK_E_AUTH;
	} else {
		r = mailimap_login(imap->session, user, password);
		st = imap_error(imap, r, "LOGIN", error_r);
	}
	if (st != CRK_OK) {
		crk_error_prefix(error_r, "user %s", user);
		return st;
	}
	/* Servers announce more after login (RFC 3501 section 7.2.1). */
	r = imap_refresh_caps(imap);
	if (r == MAILIMAP_NO_ERROR &&
	    crk_imap_has_capability(imap, "CONDSTORE")) {
		/* ENABLE is not needed: SELECT (CONDSTORE) turns it on. */
		imap->condstore_enabled = true;
	}
	return CRK_OK;
}

static clist *
imap_caps(struct crk_imap *imap)
{
	if (imap->session->imap_connection_info == NULL ||
	    imap->session->imap_connection_info->imap_capability == NULL)
		return NULL;
	return imap->session->imap_connection_info->imap_capability->cap_list;
}

bool
crk_imap_has_capability(struct crk_imap *imap, const char *name)
{
	clist *caps = imap_caps(imap);
	clistiter *it;

	if (caps == NULL)
		return false;
	for (it = clist_begin(caps); it != NULL; it = clist_next(it)) {
		struct mailimap_capability *cap = clist_content(it);

		if (cap->cap_type == MAILIMAP_CAPABILITY_NAME &&
		    crk_strcasecmp(cap->cap_data.cap_name, name) == 0)
			return true;
		if (cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE &&
		    crk_str_has_prefix_ci(name, "AUTH=") &&
		    crk_strcasecmp(cap->cap_data.cap_auth_type, name + 5) == 0)
			return true;
	}
	return false;
}

char *
crk_imap_capabilities(struct crk_imap *imap)
{
	struct crk_strv v = {0};
	clist *caps = imap_caps(imap);
	clistiter *it;
	char *s;

	for (it = caps != NULL ? clist_begin(caps) : NULL; it != NULL;
	     it = clist_next(it)) {
		struct mailimap_capability *cap = clist_content(it);

		if (cap->cap_type == MAILIMAP_CAPABILITY_NAME)
			crk_strv_add(&v, cap->cap_data.cap_name);
		else
			crk_strv_add_owned(&v,
			    crk_xasprintf(
				"AUTH=%s", cap->cap_data.cap_auth_type));
	}
	s = crk_strv_join(&v, " ");
	crk_strv_clear(&v);
	return s;
}

const char *
crk_imap_tls_verdict(struct crk_imap *imap)
{
	return imap->verdict;
}

/* ---- modified UTF-7 (RFC 3501 section 5.1.3) ------------------------- */

static const char mutf7_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
mutf7_value(char c)
{
	const char *p = c != '\0' ? strchr(mutf7_alphabet, c) : NULL;

	return p != NULL ? (int)(p - mutf7_alphabet) : -1;
}

static void
utf8_put(char **buf, size_t *len, size_t *alloc, uint32_t cp)
{
	char tmp[4];
	size_t n, i;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*len + n + 1 > *alloc) {
		*alloc = (*len + n + 1) * 2;
		*buf = crk_xrealloc(*buf, *alloc);
	}
	for (i = 0; i < n; i++)
		(*buf)[(*len)++] = tmp[i];
	(*buf)[*len] = '\0';
}

char *
crk_imap_mutf7_decode(const char *name)
{
	char *out = NULL;
	size_t len = 0, alloc = 0;
	const char *p = name;
	uint32_t bits, nbits, hi;
	int v;

	if (name == NULL)
		return NULL;
	while (*p != '\0') {
		if (*p != '&') {
			utf8_put(&out, &len, &alloc, (unsigned char)*p++);
			continue;
		}
		p++;
		if (*p == '-') {
			utf8_put(&out, &len, &alloc, '&');
			p++;
			continue;
		}
		bits = nbits = hi = 0;
		while (*p != '-') {
			if ((v = mutf7_value(*p)) < 0)
				goto invalid;
			bits = (bits << 6) | (uint32_t)v;
			nbits += 6;
			p++;
			if (nbits >= 16) {
				uint32_t u = (bits >> (nbits - 16)) & 0xffff;

				nbits -= 16;
				if (u >= 0xd800 && u < 0xdc00) {
					hi = u;
					continue;
				}
				if (u >= 0xdc00 && u < 0xe000) {
					if (hi == 0)
						goto invalid;
					u = 0x10000 + ((hi - 0xd800) << 10) +
					    (u - 0xdc00);
					hi = 0;
				}
				utf8_put(&out, &len, &alloc, u);
			}
		}
		p++;
	}
	return out != NULL ? out : crk_xstrdup("");
invalid:
	free(out);
	return crk_xstrdup(name);
}

static uint32_t
utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t cp;
	int n, i;

	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		n = 3;
	} else {
		*pp = p + 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pp = p + i;
			return 0xfffd;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*pp = p + n + 1;
	return cp;
}

char *
crk_imap_mutf7_encode(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	char *out = crk_xmalloc(strlen(name) * 6 + 3);
	size_t len = 0;
	uint32_t bits = 0, nbits = 0;
	bool in_b64 = false;

	while (*p != '\0') {
		if (*p >= 0x20 && *p < 0x7f) {
			if (in_b64) {
				if (nbits > 0)
					out[len++] = mutf7_alphabet
					    [(bits << (6 - nbits)) & 0x3f];
				out[len++] = '-';
				in_b64 = false;
				bits = nbits = 0;
			}
			out[len++] = (char)*p;
			if (*p == '&')
				out[len++] = '-';
			p++;
			continue;
		}
		uint32_t cp = utf8_next(&p), units[2];
		int n = 1, i;

		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[0] = 0xd800 + (cp >> 10);
			units[1] = 0xdc00 + (cp & 0x3ff);
			n = 2;
		} else {
			units[0] = cp;
		}
		if (!in_b64) {
			out[len++] = '&';
			in_b64 = true;
		}
		for (i = 0; i < n; i++) {
			bits = (bits << 16) | units[i];
			nbits += 16;
			while (nbits >= 6) {
				nbits -= 6;
				out[len++] =
				    mutf7_alphabet[(bits >> nbits) & 0x3f];
			}
			bits &= (1u << nbits) - 1;
		}
	}
	if (in_b64) {
		if (nbits > 0)
			out[len++] =
			    mutf7_alphabet[(bits << (6 - nbits)) & 0x3f];
		out[len++] = '-';
	}
	out[len] = '\0';
	return out;
}

/* ---- folders --------------------------------------------------------------
 */

void
crk_imap_folder_list_clear(struct crk_imap_folder_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].name);
		free(list->items[i].display);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* Common names of the special folders, for servers without SPECIAL-USE.
 * Compared case-insensitively with the last level of the decoded name. */
static const char *const sent_names[] = {"Sent", "Sent Items", "Sent Messages",
    "Sent Mail", "Sent-Mail", "Gesendet", "Gesendete Elemente",
    "Gesendete Objekte", "Envoyés", "Éléments envoyés", "Messages envoyés",
    "Enviados", "Elementos enviados", "Posta inviata", "Inviati",
    "Elementi inviati", "Verzonden", "Verzonden items", "Skickat",
    "Skickade objekt", "Sendt", "Sendte elementer", "Lähetetyt", "Wysłane",
    "Odeslané", "Отправленные", NULL};
static const char *const drafts_names[] = {"Drafts", "Draft", "Entwürfe",
    "Brouillons", "Borradores", "Bozze", "Concepten", "Utkast", "Kladder",
    "Luonnokset", "Szkice", "Черновики", NULL};
static const char *const trash_names[] = {"Trash", "Deleted Items",
    "Deleted Messages", "Deleted", "Bin", "Papierkorb", "Gelöschte Elemente",
    "Gelöschte Objekte", "Corbeille", "Éléments supprimés", "Papelera",
    "Elementos eliminados", "Cestino", "Prullenbak", "Verwijderde items",
    "Papperskorg", "Papirkurv", "Roskakori", "Kosz", "Koš", "Корзина", NULL};
static const char *const junk_names[] = {"Junk", "Spam", "Junk E-mail",
    "Junk Email", "Junk Mail", "Bulk Mail", "Junk-E-Mail", "Spamverdacht",
    "Courrier indésirable", "Indésirables", "Correo no deseado",
    "Posta indesiderata", "Ongewenste e-mail", "Skräppost", "Roskaposti", NULL};

static bool
name_in(const char *leaf, const char *const *names)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (crk_strcasecmp(leaf, names[i]) == 0)
			return true;
	return false;
}

static unsigned
imap_oflag_role(const char *ext)
{
	static const struct {
		const char *name;
		unsigned flag;
	} map[] = {
	    {"Sent", CRK_FOLDER_SENT},
	    {"Drafts", CRK_FOLDER_DRAFTS},
	    {"Trash", CRK_FOLDER_TRASH},
	    {"Junk", CRK_FOLDER_JUNK},
	    {"Spam", CRK_FOLDER_JUNK},
	    {"All", CRK_FOLDER_ALL},
	    {"AllMail", CRK_FOLDER_ALL},
	    {"Archive", CRK_FOLDER_ARCHIVE},
	    {"Flagged", CRK_FOLDER_FLAGGED},
	    {"Starred", CRK_FOLDER_FLAGGED},
	    /* RFC 8457: Gmail's virtual view, a subset like \Flagged */
	    {"Important", CRK_FOLDER_FLAGGED},
	    {"Noselect", CRK_FOLDER_NOSELECT},
	    {"NonExistent", CRK_FOLDER_NOSELECT},
	};
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(map); i++)
		if (crk_strcasecmp(ext, map[i].name) == 0)
			return map[i].flag;
	return 0;
}

#define CRK_FOLDER_ROLES                                                       \
	(CRK_FOLDER_SENT | CRK_FOLDER_DRAFTS | CRK_FOLDER_TRASH |              \
	    CRK_FOLDER_JUNK)

void
crk_imap_folders_guess_roles(struct crk_imap_folder_list *list)
{
	unsigned have_roles = 0, role;
	size_t i;

	for (i = 0; i < list->count; i++)
		have_roles |= list->items[i].flags & CRK_FOLDER_ROLES;
	for (i = 0; i < list->count; i++) {
		struct crk_imap_folder *f = &list->items[i];
		const char *leaf = f->display;
		const char *cut;

		if ((f->flags & (CRK_FOLDER_NOSELECT | CRK_FOLDER_INBOX)) != 0)
			continue;
		if (f->delimiter != '\0' &&
		    (cut = strrchr(f->display, f->delimiter)) != NULL)
			leaf = cut + 1;
		role = 0;
		if (name_in(leaf, sent_names))
			role = CRK_FOLDER_SENT;
		else if (name_in(leaf, drafts_names))
			role = CRK_FOLDER_DRAFTS;
		else if (name_in(leaf, trash_names))
			role = CRK_FOLDER_TRASH;
		else if (name_in(leaf, junk_names))
			role = CRK_FOLDER_JUNK;
		if (role != 0 && (have_roles & role) == 0 &&
		    (f->flags & CRK_FOLDER_ROLES) == 0)
			f->flags |= role | CRK_FOLDER_BY_NAME;
	}
}

enum crk_status
crk_imap_list_folders(
    struct crk_imap *imap, struct crk_imap_folder_list *list_r, char **error_r)
{
	clist *result = NULL;
	clistiter *it, *fit;
	enum crk_status st;
	int r;

	list_r->items = NULL;
	list_r->count = 0;
	r = mailimap_list(imap->session, "", "*", &result);
	if ((st = imap_error(imap, r, "LIST", error_r)) != CRK_OK)
		return st;
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		struct crk_imap_folder *f;

		if (mb->mb_name == NULL)
			continue;
		list_r->items = crk_xreallocarray(
		    list_r->items, list_r->count + 1, sizeof(*list_r->items));
		f = &list_r->items[list_r->count++];
		memset(f, 0, sizeof(*f));
		f->name = crk_xstrdup(mb->mb_name);
		f->display = crk_imap_mutf7_decode(mb->mb_name);
		f->delimiter = mb->mb_delimiter;
		if (crk_strcasecmp(mb->mb_name, "INBOX") == 0)
			f->flags |= CRK_FOLDER_INBOX;
		if (mb->mb_flag == NULL)
			continue;
		if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
		    mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
			f->flags |= CRK_FOLDER_NOSELECT;
		for (fit = mb->mb_flag->mbf_oflags != NULL
			 ? clist_begin(mb->mb_flag->mbf_oflags)
			 : NULL;
		     fit != NULL; fit = clist_next(fit)) {
			struct mailimap_mbx_list_oflag *of = clist_content(fit);

			if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT ||
			    of->of_flag_ext == NULL)
				continue;
			f->flags |= imap_oflag_role(of->of_flag_ext);
		}
	}
	mailimap_list_result_free(result);

	crk_imap_folders_guess_roles(list_r);
	return CRK_OK;
}

const struct crk_imap_folder *
crk_imap_folder_find_role(
    const struct crk_imap_folder_list *list, unsigned role)
{
	const struct crk_imap_folder *by_name = NULL;
	size_t i;

	for (i = 0; i < list->count; i++) {
		if ((list->items[i].flags & role) == 0 ||
		    (list->items[i].flags & CRK_FOLDER_NOSELECT) != 0)
			continue;
		if ((list->items[i].flags & CRK_FOLDER_BY_NAME) == 0)
			return &list->items[i];
		if (by_name == NULL)
			by_name = &list->items[i];
	}
	return by_name;
}

const struct crk_imap_folder *
crk_imap_folder_find(const struct crk_imap_folder_list *list, const char *name)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		const struct crk_imap_folder *f = &list->items[i];

		if (strcmp(f->name, name) == 0 ||
		    strcmp(f->display, name) == 0 ||
		    ((f->flags & CRK_FOLDER_INBOX) != 0 &&
			crk_strcasecmp(name, "INBOX") == 0))
			return f;
	}
	return NULL;
}

/* ---- one folder --------------------------------------------------------- */

/* PERMANENTFLAGS lets clients make new keywords (\*); without the
 * response code all flags are permanent (RFC 3501 7.1). */
static bool
imap_keywords_ok(const struct mailimap_selection_info *sel)
{
	clistiter *it;

	if (sel->sel_perm_flags == NULL)
		return true;
	for (it = clist_begin(sel->sel_perm_flags); it != NULL;
	     it = clist_next(it)) {
		const struct mailimap_flag_perm *f = clist_content(it);

		if (f->fl_type == MAILIMAP_FLAG_PERM_ALL)
			return true;
	}
	return false;
}

static void
imap_mailbox_info(
    struct crk_imap *imap, uint64_t modseq, struct crk_imap_mailbox *mailbox_r)
{
	struct mailimap_selection_info *sel =
	    imap->session->imap_selection_info;

	memset(mailbox_r, 0, sizeof(*mailbox_r));
	if (sel != NULL) {
		mailbox_r->uidvalidity = sel->sel_uidvalidity;
		mailbox_r->uidnext = sel->sel_uidnext;
		mailbox_r->exists = sel->sel_exists;
		mailbox_r->keywords_ok = imap_keywords_ok(sel);
	}
	mailbox_r->highestmodseq = modseq;
}

enum crk_status
crk_imap_examine(struct crk_imap *imap, const char *folder,
    struct crk_imap_mailbox *mailbox_r, char **error_r)
{
	uint64_t modseq = 0;
	enum crk_status st;
	int r;

	if (imap->condstore_enabled)
		r = mailimap_examine_condstore(imap->session, folder, &modseq);
	else
		r = mailimap_examine(imap->session, folder);
	if ((st = imap_error(imap, r, "EXAMINE", error_r)) != CRK_OK) {
		crk_error_prefix(error_r, "folder %s", folder);
		return st == CRK_E_PROTO ? CRK_E_NOTFOUND : st;
	}
	imap_mailbox_info(imap, modseq, mailbox_r);
	return CRK_OK;
}

enum crk_status
crk_imap_select(struct crk_imap *imap, const char *folder,
    struct crk_imap_mailbox *mailbox_r, char **error_r)
{
	uint64_t modseq = 0;
	enum crk_status st;
	int r;

	if (imap->condstore_enabled)
		r = mailimap_select_condstore(imap->session, folder, &modseq);
	else
		r = mailimap_select(imap->session, folder);
	if ((st = imap_error(imap, r, "SELECT", error_r)) != CRK_OK) {
		crk_error_prefix(error_r, "folder %s", folder);
		return st == CRK_E_PROTO ? CRK_E_NOTFOUND : st;
	}
	if (mailbox_r != NULL)
		imap_mailbox_info(imap, modseq, mailbox_r);
	return CRK_OK;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static enum crk_status
imap_search(struct crk_imap *imap, struct mailimap_search_key *key,
    uint32_t after_uid, uint32_t **uids_r, size_t *count_r, char **error_r)
{
	clist *result = NULL;
	clistiter *it;
	uint32_t *uids;
	size_t n = 0;
	enum crk_status st;
	int r;

	r = mailimap_uid_search(imap->session, NULL, key, &result);
	mailimap_search_key_free(key);
	if ((st = imap_error(imap, r, "UID SEARCH", error_r)) != CRK_OK)
		return st;
	uids = crk_xreallocarray(
	    NULL, (size_t)clist_count(result) + 1, sizeof(*uids));
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		uint32_t uid = *(uint32_t *)clist_content(it);

		/* "n:*" names the last message even when its UID is below
		 * n (RFC 3501 section 6.4.8). */
		if (uid > after_uid)
			uids[n++] = uid;
	}
	mailimap_search_result_free(result);
	qsort(uids, n, sizeof(*uids), uid_cmp);
	*uids_r = uids;
	*count_r = n;
	return CRK_OK;
}

enum crk_status
crk_imap_search_uids(struct crk_imap *imap, uint32_t after_uid,
    uint32_t **uids_r, size_t *count_r, char **error_r)
{
	struct mailimap_search_key *key;

	*uids_r = NULL;
	*count_r = 0;
	if (after_uid == UINT32_MAX)
		return CRK_OK;
	key = mailimap_search_key_new_uid(
	    mailimap_set_new_interval(after_uid + 1, 0));
	if (key == NULL)
		crk_oom();
	return imap_search(imap, key, after_uid, uids_r, count_r, error_r);
}

enum crk_status
crk_imap_search_header(struct crk_imap *imap, const char *field,
    const char *value, uint32_t **uids_r, size_t *count_r, char **error_r)
{
	struct mailimap_search_key *key;

	*uids_r = NULL;
	*count_r = 0;
	key = mailimap_search_key_new_header(
	    crk_xstrdup(field), crk_xstrdup(value));
	if (key == NULL)
		crk_oom();
	return imap_search(imap, key, 0, uids_r, count_r, error_r);
}

enum crk_status
crk_imap_search_keywords(struct crk_imap *imap, const char *const *keywords,
    size_t n_keywords, uint32_t max_uid, uint32_t **uids_r, size_t *count_r,
    char **error_r)
{
	struct mailimap_search_key *any = NULL, *k, *all;
	size_t i;

	*uids_r = NULL;
	*count_r = 0;
	if (n_keywords == 0 || max_uid == 0)
		return CRK_OK;
	for (i = 0; i < n_keywords; i++) {
		k = mailimap_search_key_new_keyword(crk_xstrdup(keywords[i]));
		if (k == NULL)
			crk_oom();
		any = any == NULL ? k : mailimap_search_key_new_or(any, k);
		if (any == NULL)
			crk_oom();
	}
	all = mailimap_search_key_new_multiple_empty();
	if (all == NULL ||
	    mailimap_search_key_multiple_add(all,
		mailimap_search_key_new_uid(mailimap_set_new_interval(
		    1, max_uid))) != MAILIMAP_NO_ERROR ||
	    mailimap_search_key_multiple_add(all, any) != MAILIMAP_NO_ERROR)
		crk_oom();
	return imap_search(imap, all, 0, uids_r, count_r, error_r);
}

bool
crk_imap_is_broken(struct crk_imap *imap)
{
	return imap->broken;
}

void
crk_imap_disable_condstore(struct crk_imap *imap)
{
	imap->condstore_enabled = false;
}

/* ---- fetch ----------------------------------------------------------------
 */

static void
imap_msg_clear(struct crk_imap_msg *m)
{
	crk_strv_clear(&m->flags);
	free(m->header);
	crk_strv_clear(&m->attachments);
	free(m->content_type);
	free(m->text_section);
	free(m->text_encoding);
	free(m->text_charset);
	free(m->html_section);
	free(m->html_encoding);
	free(m->html_charset);
	crk_strv_clear(&m->report_sections);
	memset(m, 0, sizeof(*m));
}

void
crk_imap_msg_list_clear(struct crk_imap_msg_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		imap_msg_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static time_t
imap_date_time(const struct mailimap_date_time *dt)
{
	struct tm tm;
	time_t t;
	int zone, off;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = dt->dt_year - 1900;
	tm.tm_mon = dt->dt_month - 1;
	tm.tm_mday = dt->dt_day;
	tm.tm_hour = dt->dt_hour;
	tm.tm_min = dt->dt_min;
	tm.tm_sec = dt->dt_sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	zone = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	off = (zone / 100) * 3600 + (zone % 100) * 60;
	return dt->dt_zone < 0 ? t + off : t - off;
}

static const char *
param_find(const struct mailimap_body_fld_param *params, const char *name)
{
	clistiter *it;

	if (params == NULL || params->pa_list == NULL)
		return NULL;
	for (it = clist_begin(params->pa_list); it != NULL;
	     it = clist_next(it)) {
		struct mailimap_single_body_fld_param *p = clist_content(it);

		if (p->pa_name != NULL && p->pa_value != NULL &&
		    crk_strcasecmp(p->pa_name, name) == 0)
			return p->pa_value;
	}
	return NULL;
}

/* A parameter value by RFC 2231 or plain (with RFC 2047 words decoded
 * for the clients that put them there), decoded by core like the
 * parameters of a parsed message.  Owned, or NULL. */
static char *
param_value(const struct mailimap_body_fld_param *params, const char *name)
{
	struct crk_mime_param list[64];
	clistiter *it;
	size_t n = 0;

	if (params == NULL || params->pa_list == NULL)
		return NULL;
	for (it = clist_begin(params->pa_list);
	     it != NULL && n < CRK_N_ELEMENTS(list); it = clist_next(it)) {
		struct mailimap_single_body_fld_param *p = clist_content(it);

		list[n].name = p->pa_name;
		list[n].value = p->pa_value;
		n++;
	}
	return crk_mime_param_value(list, n, name);
}

static void
attachment_name(struct crk_imap_msg *m,
    const struct mailimap_body_fld_param *ctype_params,
    const struct mailimap_body_ext_1part *ext)
{
	char *name = NULL;

	if (ext != NULL && ext->bd_disposition != NULL)
		name = param_value(
		    ext->bd_disposition->dsp_attributes, "filename");
	if (name == NULL)
		name = param_value(ctype_params, "name");
	if (name != NULL && *name != '\0')
		crk_strv_add_unique(&m->attachments, name);
	free(name);
}

static const char *
enc_name(const struct mailimap_body_fld_enc *enc)
{
	if (enc == NULL)
		return "7bit";
	switch (enc->enc_type) {
	case MAILIMAP_BODY_FLD_ENC_8BIT: return "8bit";
	case MAILIMAP_BODY_FLD_ENC_BINARY: return "binary";
	case MAILIMAP_BODY_FLD_ENC_BASE64: return "base64";
	case MAILIMAP_BODY_FLD_ENC_QUOTED_PRINTABLE: return "quoted-printable";
	case MAILIMAP_BODY_FLD_ENC_OTHER:
		return enc->enc_value != NULL ? enc->enc_value : "7bit";
	default: return "7bit";
	}
}

static const char *
media_type_name(const struct mailimap_media_basic *mb)
{
	switch (mb->med_type) {
	case MAILIMAP_MEDIA_BASIC_APPLICATION: return "application";
	case MAILIMAP_MEDIA_BASIC_AUDIO: return "audio";
	case MAILIMAP_MEDIA_BASIC_IMAGE: return "image";
	case MAILIMAP_MEDIA_BASIC_MESSAGE: return "message";
	case MAILIMAP_MEDIA_BASIC_VIDEO: return "video";
	default:
		return mb->med_basic_type != NULL ? mb->med_basic_type
						  : "application";
	}
}

/* Walks a BODYSTRUCTURE: attachment names, the first text/plain part and
 * the parts of a delivery report.  section is the part number of body
 * ("" at the top); in_report says the parent is multipart/report. */
static void
walk_body(struct crk_imap_msg *m, const struct mailimap_body *body,
    const char *section, bool in_report, int depth)
{
	char *sub;
	const char *sec1 = *section != '\0' ? section : "1";

	if (body == NULL || depth > 16)
		return;
	if (body->bd_type == MAILIMAP_BODY_MPART) {
		const struct mailimap_body_type_mpart *mp =
		    body->bd_data.bd_body_mpart;
		clistiter *it;
		int n = 1;
		bool report;

		if (mp == NULL)
			return;
		report = crk_strcasecmp(mp->bd_media_subtype, "report") == 0;
		if (depth == 0 && m->content_type == NULL)
			m->content_type =
			    crk_xasprintf("multipart/%s", mp->bd_media_subtype);
		for (it = clist_begin(mp->bd_list); it != NULL;
		     it = clist_next(it), n++) {
			sub = *section != '\0'
			    ? crk_xasprintf("%s.%d", section, n)
			    : crk_xasprintf("%d", n);
			walk_body(m, clist_content(it), sub, report, depth + 1);
			free(sub);
		}
		return;
	}
	const struct mailimap_body_type_1part *one =
	    body->bd_data.bd_body_1part;

	if (one == NULL)
		return;
	switch (one->bd_type) {
	case MAILIMAP_BODY_TYPE_1PART_TEXT: {
		const struct mailimap_body_type_text *tx =
		    one->bd_data.bd_type_text;
		const struct mailimap_body_fields *fl = tx->bd_fields;

		if (depth == 0 && m->content_type == NULL)
			m->content_type =
			    crk_xasprintf("text/%s", tx->bd_media_text);
		if (in_report &&
		    (crk_strcasecmp(tx->bd_media_text, "rfc822-headers") == 0 ||
			crk_strcasecmp(tx->bd_media_text, "global-headers") ==
			    0)) {
			crk_strv_add(&m->report_sections, sec1);
			return;
		}
		bool is_att = one->bd_ext_1part != NULL &&
		    one->bd_ext_1part->bd_disposition != NULL &&
		    crk_strcasecmp(one->bd_ext_1part->bd_disposition->dsp_type,
			"attachment") == 0;
		if (is_att || param_find(fl->bd_parameter, "name") != NULL ||
		    param_find(fl->bd_parameter, "name*") != NULL) {
			attachment_name(m, fl->bd_parameter, one->bd_ext_1part);
			if (is_att)
				return;
		}
		if (m->text_section == NULL &&
		    crk_strcasecmp(tx->bd_media_text, "plain") == 0) {
			const char *cs =
			    param_find(fl->bd_parameter, "charset");

			m->text_section = crk_xstrdup(sec1);
			m->text_encoding =
			    crk_xstrdup(enc_name(fl->bd_encoding));
			m->text_charset = crk_xstrdup(cs);
			m->text_size = fl->bd_size;
		}
		if (m->html_section == NULL &&
		    crk_strcasecmp(tx->bd_media_text, "html") == 0) {
			const char *cs =
			    param_find(fl->bd_parameter, "charset");

			m->html_section = crk_xstrdup(sec1);
			m->html_encoding =
			    crk_xstrdup(enc_name(fl->bd_encoding));
			m->html_charset = crk_xstrdup(cs);
		}
		return;
	}
	case MAILIMAP_BODY_TYPE_1PART_MSG: {
		const struct mailimap_body_type_msg *msg =
		    one->bd_data.bd_type_msg;

		if (depth == 0 && m->content_type == NULL)
			m->content_type = crk_xstrdup("message/rfc822");
		if (in_report) {
			crk_strv_add(&m->report_sections, sec1);
			return;
		}
		/* A forwarded message's attachments are not the rep's. */
		attachment_name(
		    m, msg->bd_fields->bd_parameter, one->bd_ext_1part);
		return;
	}
	case MAILIMAP_BODY_TYPE_1PART_BASIC: {
		const struct mailimap_body_type_basic *bs =
		    one->bd_data.bd_type_basic;
		const char *type = media_type_name(bs->bd_media_basic);
		const char *subtype = bs->bd_media_basic->med_subtype;

		if (depth == 0 && m->content_type == NULL)
			m->content_type = crk_xasprintf("%s/%s", type, subtype);
		if (in_report && crk_strcasecmp(type, "message") == 0 &&
		    (crk_strcasecmp(subtype, "delivery-status") == 0 ||
			crk_strcasecmp(subtype, "global-delivery-status") ==
			    0 ||
			crk_strcasecmp(subtype, "rfc822-headers") == 0 ||
			crk_strcasecmp(subtype, "global") == 0)) {
			crk_strv_add(&m->report_sections, sec1);
			return;
		}
		attachment_name(
		    m, bs->bd_fields->bd_parameter, one->bd_ext_1part);
		return;
	}
	default: return;
	}
}

static void
flag_name(struct crk_strv *flags, const struct mailimap_flag *fl)
{
	switch (fl->fl_type) {
	case MAILIMAP_FLAG_ANSWERED: crk_strv_add(flags, "\\Answered"); break;
	case MAILIMAP_FLAG_FLAGGED: crk_strv_add(flags, "\\Flagged"); break;
	case MAILIMAP_FLAG_DELETED: crk_strv_add(flags, "\\Deleted"); break;
	case MAILIMAP_FLAG_SEEN: crk_strv_add(flags, "\\Seen"); break;
	case MAILIMAP_FLAG_DRAFT: crk_strv_add(flags, "\\Draft"); break;
	case MAILIMAP_FLAG_KEYWORD:
		if (fl->fl_data.fl_keyword != NULL)
			crk_strv_add(flags, fl->fl_data.fl_keyword);
		break;
	case MAILIMAP_FLAG_EXTENSION:
		if (fl->fl_data.fl_extension != NULL)
			crk_strv_add_owned(flags,
			    crk_xasprintf("\\%s", fl->fl_data.fl_extension));
		break;
	default: break;
	}
}

static void
imap_parse_msg_att(const struct mailimap_msg_att *att, struct crk_imap_msg *m)
{
	clistiter *it, *fit;

	for (it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			struct mailimap_msg_att_dynamic *dyn =
			    item->att_data.att_dyn;

			if (dyn == NULL || dyn->att_list == NULL)
				continue;
			for (fit = clist_begin(dyn->att_list); fit != NULL;
			     fit = clist_next(fit)) {
				struct mailimap_flag_fetch *ff =
				    clist_content(fit);

				if (ff->fl_type == MAILIMAP_FLAG_FETCH_OTHER &&
				    ff->fl_flag != NULL)
					flag_name(&m->flags, ff->fl_flag);
			}
			continue;
		}
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		struct mailimap_msg_att_static *s = item->att_data.att_static;

		switch (s->att_type) {
		case MAILIMAP_MSG_ATT_UID: m->uid = s->att_data.att_uid; break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			if (s->att_data.att_internal_date != NULL)
				m->internal_date = imap_date_time(
				    s->att_data.att_internal_date);
			break;
		case MAILIMAP_MSG_ATT_BODYSTRUCTURE:
			walk_body(
			    m, s->att_data.att_bodystructure, "", false, 0);
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION: {
			struct mailimap_msg_att_body_section *bs =
			    s->att_data.att_body_section;

			if (bs != NULL && bs->sec_body_part != NULL &&
			    m->header == NULL) {
				m->header = crk_xstrndup(
				    bs->sec_body_part, bs->sec_length);
				m->header_len = bs->sec_length;
			}
			break;
		}
		default: break;
		}
	}
}

static struct mailimap_set *
uid_set(const uint32_t *uids, size_t count)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0, j;

	if (set == NULL)
		crk_oom();
	while (i < count) {
		j = i;
		while (j + 1 < count && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) !=
		    MAILIMAP_NO_ERROR)
			crk_oom();
		i = j + 1;
	}
	return set;
}

static struct mailimap_fetch_type *
imap_fetch_type(void)
{
	struct mailimap_fetch_type *ft;
	clist *hdrs;
	size_t i;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	hdrs = clist_new();
	if (ft == NULL || hdrs == NULL)
		crk_oom();
	for (i = 0; crk_imap_header_fields[i] != NULL; i++)
		if (clist_append(hdrs, crk_xstrdup(crk_imap_header_fields[i])) <
		    0)
			crk_oom();
	if (mailimap_fetch_type_new_fetch_att_list_add(
		ft, mailimap_fetch_att_new_uid()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		ft, mailimap_fetch_att_new_flags()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		ft, mailimap_fetch_att_new_internaldate()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		ft, mailimap_fetch_att_new_bodystructure()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
		mailimap_fetch_att_new_body_peek_section(
		    mailimap_section_new_header_fields(
			mailimap_header_list_new(hdrs)))) != 0)
		crk_oom();
	return ft;
}

static enum crk_status
imap_fetch_set(struct crk_imap *imap, struct mailimap_set *set,
    uint64_t changedsince, struct crk_imap_msg_list *list_r, char **error_r)
{
	struct mailimap_fetch_type *ft;
	clist *result = NULL;
	clistiter *it;
	enum crk_status st;
	size_t n = 0;
	int r;

	list_r->items = NULL;
	list_r->count = 0;
	ft = imap_fetch_type();
	if (changedsince > 0)
		r = mailimap_uid_fetch_changedsince(
		    imap->session, set, ft, changedsince, &result);
	else
		r = mailimap_uid_fetch(imap->session, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if ((st = imap_error(imap, r, "UID FETCH", error_r)) != CRK_OK)
		return st;
	list_r->items = crk_xcalloc(
	    (size_t)clist_count(result) + 1, sizeof(*list_r->items));
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct crk_imap_msg *m = &list_r->items[n];

		imap_parse_msg_att(clist_content(it), m);
		if (m->uid == 0) {
			/* unsolicited FETCH of another message: skip */
			imap_msg_clear(m);
			continue;
		}
		n++;
	}
	list_r->count = n;
	mailimap_fetch_list_free(result);
	return CRK_OK;
}

enum crk_status
crk_imap_fetch(struct crk_imap *imap, const uint32_t *uids, size_t count,
    uint64_t changedsince, struct crk_imap_msg_list *list_r, char **error_r)
{
	list_r->items = NULL;
	list_r->count = 0;
	if (count == 0)
		return CRK_OK;
	return imap_fetch_set(
	    imap, uid_set(uids, count), changedsince, list_r, error_r);
}

enum crk_status
crk_imap_fetch_range(struct crk_imap *imap, uint32_t first, uint32_t last,
    uint64_t changedsince, struct crk_imap_msg_list *list_r, char **error_r)
{
	struct mailimap_set *set = mailimap_set_new_interval(first, last);

	if (set == NULL)
		crk_oom();
	return imap_fetch_set(imap, set, changedsince, list_r, error_r);
}

/* The section spec of a part number ("2.1"); NULL when it is not one. */
static struct mailimap_section *
imap_part_section(const char *section)
{
	const char *p = section;
	clist *ids = clist_new();
	clistiter *it;

	if (ids == NULL)
		crk_oom();
	while (*p != '\0') {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		uint32_t *id;

		if (end == p || v == 0 || v > UINT32_MAX ||
		    (*end != '.' && *end != '\0'))
			goto bad;
		id = crk_xmalloc(sizeof(*id));
		*id = (uint32_t)v;
		if (clist_append(ids, id) < 0)
			crk_oom();
		p = *end == '.' ? end + 1 : end;
	}
	return mailimap_section_new_part(mailimap_section_part_new(ids));
bad:
	for (it = clist_begin(ids); it != NULL; it = clist_next(it))
		free(clist_content(it));
	clist_free(ids);
	return NULL;
}

/* The body section of one FETCH answer, and its UID. */
static const struct mailimap_msg_att_body_section *
imap_body_section(const struct mailimap_msg_att *att, uint32_t *uid_r)
{
	const struct mailimap_msg_att_body_section *found = NULL;
	clistiter *it;

	*uid_r = 0;
	for (it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
			*uid_r = item->att_data.att_static->att_data.att_uid;
		else if (item->att_data.att_static->att_type ==
			MAILIMAP_MSG_ATT_BODY_SECTION &&
		    found == NULL &&
		    item->att_data.att_static->att_data.att_body_section
			    ->sec_body_part != NULL)
			found = item->att_data.att_static->att_data
				    .att_body_section;
	}
	return found;
}

/* One UID FETCH for the parts group[0..n) (same section and size). */
static enum crk_status
imap_fetch_part_group(struct crk_imap *imap, struct crk_imap_part **group,
    size_t n, char **error_r)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_section *sec;
	struct mailimap_set *set;
	clist *result = NULL;
	clistiter *it;
	enum crk_status st;
	size_t i;
	int r;

	if ((sec = imap_part_section(group[0]->section)) == NULL) {
		crk_debug("bad part number %s: not fetched", group[0]->section);
		return CRK_OK;
	}
	ft = mailimap_fetch_type_new_fetch_att(
	    mailimap_fetch_att_new_body_peek_section_partial(
		sec, 0, (uint32_t)group[0]->max_bytes));
	if ((set = mailimap_set_new_empty()) == NULL || ft == NULL)
		crk_oom();
	for (i = 0; i < n; i++)
		if (mailimap_set_add_single(set, group[i]->uid) !=
		    MAILIMAP_NO_ERROR)
			crk_oom();
	r = mailimap_uid_fetch(imap->session, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if ((st = imap_error(imap, r, "UID FETCH BODY.PEEK", error_r)) !=
	    CRK_OK)
		return st;
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		const struct mailimap_msg_att_body_section *bs;
		uint32_t uid;

		bs = imap_body_section(clist_content(it), &uid);
		if (bs == NULL || uid == 0)
			continue;
		for (i = 0; i < n; i++) {
			if (group[i]->uid != uid || group[i]->data != NULL)
				continue;
			group[i]->data =
			    crk_xstrndup(bs->sec_body_part, bs->sec_length);
			group[i]->len = bs->sec_length;
			break;
		}
	}
	mailimap_fetch_list_free(result);
	return CRK_OK;
}

enum crk_status
crk_imap_fetch_parts(struct crk_imap *imap, struct crk_imap_part *parts,
    size_t count, char **error_r)
{
	struct crk_imap_part **group;
	bool *done;
	enum crk_status st = CRK_OK;
	size_t i, j, n;

	for (i = 0; i < count; i++) {
		parts[i].data = NULL;
		parts[i].len = 0;
	}
	if (count == 0)
		return CRK_OK;
	group = crk_xcalloc(count, sizeof(*group));
	done = crk_xcalloc(count, sizeof(*done));
	/* One command per distinct (section, size) instead of one per
	 * message: a round trip each was most of a large sync's wait. */
	for (i = 0; i < count && st == CRK_OK; i++) {
		if (done[i])
			continue;
		n = 0;
		for (j = i; j < count; j++) {
			if (done[j] ||
			    parts[j].max_bytes != parts[i].max_bytes ||
			    strcmp(parts[j].section, parts[i].section) != 0)
				continue;
			done[j] = true;
			group[n++] = &parts[j];
		}
		st = imap_fetch_part_group(imap, group, n, error_r);
	}
	free(group);
	free(done);
	if (st != CRK_OK)
		for (i = 0; i < count; i++)
			crk_free_str(&parts[i].data);
	return st;
}

enum crk_status
crk_imap_fetch_section(struct crk_imap *imap, uint32_t uid, const char *section,
    size_t max_bytes, char **data_r, size_t *len_r, char **error_r)
{
	struct crk_imap_part part = {
	    .uid = uid, .section = section, .max_bytes = max_bytes};
	enum crk_status st;

	*data_r = NULL;
	*len_r = 0;
	if ((st = crk_imap_fetch_parts(imap, &part, 1, error_r)) != CRK_OK)
		return st;
	if (part.data == NULL) {
		crk_error_set(
		    error_r, "part %s of UID %u not returned", section, uid);
		return CRK_E_NOTFOUND;
	}
	*data_r = part.data;
	*len_r = part.len;
	return CRK_OK;
}

/* ---- changes ----------------------------------------------------------------
 */

static struct mailimap_flag *
imap_flag_new(const char *name)
{
	static const struct {
		const char *name;
		struct mailimap_flag *(*fn)(void);
	} sys[] = {
	    {"\\Seen", mailimap_flag_new_seen},
	    {"\\Answered", mailimap_flag_new_answered},
	    {"\\Flagged", mailimap_flag_new_flagged},
	    {"\\Deleted", mailimap_flag_new_deleted},
	    {"\\Draft", mailimap_flag_new_draft},
	};
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(sys); i++)
		if (crk_strcasecmp(name, sys[i].name) == 0)
			return sys[i].fn();
	return mailimap_flag_new_flag_keyword(crk_xstrdup(name));
}

static struct mailimap_flag_list *
imap_flag_list(const struct crk_strv *flags)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	size_t i;

	if (fl == NULL)
		crk_oom();
	for (i = 0; flags != NULL && i < flags->count; i++)
		if (mailimap_flag_list_add(fl,
			imap_flag_new(flags->items[i])) != MAILIMAP_NO_ERROR)
			crk_oom();
	return fl;
}

enum crk_status
crk_imap_append(struct crk_imap *imap, const char *folder,
    const struct crk_strv *flags, const char *data, size_t len, uint32_t *uid_r,
    char **error_r)
{
	struct mailimap_flag_list *fl;
	uint32_t uidvalidity = 0, uid = 0;
	char *crlf;
	size_t i, n = 0;
	enum crk_status st;
	int r;

	if (uid_r != NULL)
		*uid_r = 0;
	crlf = crk_xmalloc(len * 2 + 1);
	for (i = 0; i < len; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			crlf[n++] = '\r';
		crlf[n++] = data[i];
	}
	crlf[n] = '\0';
	fl = imap_flag_list(flags);
	if (crk_imap_has_capability(imap, "UIDPLUS"))
		r = mailimap_uidplus_append(imap->session, folder, fl, NULL,
		    crlf, n, &uidvalidity, &uid);
	else
		r = mailimap_append(imap->session, folder, fl, NULL, crlf, n);
	mailimap_flag_list_free(fl);
	free(crlf);
	if ((st = imap_error(imap, r, "APPEND", error_r)) != CRK_OK) {
		crk_error_prefix(error_r, "folder %s", folder);
		return st;
	}
	if (uid_r != NULL)
		*uid_r = uid;
	return CRK_OK;
}

enum crk_status
crk_imap_store_flags(struct crk_imap *imap, uint32_t uid,
    const struct crk_strv *flags, bool add, char **error_r)
{
	struct mailimap_store_att_flags *sf;
	struct mailimap_set *set = mailimap_set_new_single(uid);
	struct mailimap_flag_list *fl = imap_flag_list(flags);
	enum crk_status st;
	int r;

	sf = add ? mailimap_store_att_flags_new_add_flags_silent(fl)
		 : mailimap_store_att_flags_new_remove_flags_silent(fl);
	if (set == NULL || sf == NULL)
		crk_oom();
	r = mailimap_uid_store(imap->session, set, sf);
	mailimap_store_att_flags_free(sf);
	mailimap_set_free(set);
	st = imap_error(imap, r, "UID STORE", error_r);
	return st;
}

enum crk_status
crk_imap_expunge_uid(struct crk_imap *imap, uint32_t uid, char **error_r)
{
	struct crk_strv del = {0};
	struct mailimap_set *set;
	enum crk_status st;
	int r;

	crk_strv_add(&del, "\\Deleted");
	st = crk_imap_store_flags(imap, uid, &del, true, error_r);
	crk_strv_clear(&del);
	if (st != CRK_OK)
		return st;
	if (crk_imap_has_capability(imap, "UIDPLUS")) {
		set = mailimap_set_new_single(uid);
		if (set == NULL)
			crk_oom();
		r = mailimap_uid_expunge(imap->session, set);
		mailimap_set_free(set);
	} else {
		r = mailimap_expunge(imap->session);
	}
	return imap_error(imap, r, "EXPUNGE", error_r);
}

enum crk_status
crk_imap_create(struct crk_imap *imap, const char *folder, char **error_r)
{
	return imap_error(
	    imap, mailimap_create(imap->session, folder), "CREATE", error_r);
}

enum crk_status
crk_imap_delete(struct crk_imap *imap, const char *folder, char **error_r)
{
	return imap_error(
	    imap, mailimap_delete(imap->session, folder), "DELETE", error_r);
}

/* ---- waiting ------------------------------------------------------------- */

enum crk_status
crk_imap_noop(struct crk_imap *imap, char **error_r)
{
	return imap_error(imap, mailimap_noop(imap->session), "NOOP", error_r);
}

static int
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

enum crk_status
crk_imap_idle(struct crk_imap *imap, int timeout_secs, int wake_fd,
    bool *news_r, char **error_r)
{
	struct pollfd pfd[2];
	enum crk_status st;
	int r, start, left, nfds;

	*news_r = false;
	if (!crk_imap_has_capability(imap, "IDLE")) {
		crk_error_set(error_r, "%s does not support IDLE", imap->host);
		return CRK_E_UNSUPPORTED;
	}
	/* libetpan 1.9.4's mailimap_idle reads the selection info without a
	 * check and crashes when no folder is open (found by
	 * tests/check_fault); IDLE needs one anyway (RFC 2177). */
	if (imap->session->imap_selection_info == NULL) {
		crk_error_set(
		    error_r, "IDLE on %s needs an open folder", imap->host);
		return CRK_E_INVAL;
	}
	r = mailimap_idle(imap->session);
	if ((st = imap_error(imap, r, "IDLE", error_r)) != CRK_OK)
		return st;
	start = mono_ms();
	for (;;) {
		/* Data may already sit in libetpan's or GnuTLS's buffer,
		 * where poll() cannot see it. */
		if (imap->session->imap_stream->read_buffer_len > 0 ||
		    (imap->transport->tls != NULL &&
			crk_tls_pending(imap->transport->tls))) {
			*news_r = true;
			break;
		}
		left = timeout_secs * 1000 - (mono_ms() - start);
		if (left <= 0)
			break;
		pfd[0].fd = imap->transport->fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		nfds = 1;
		if (wake_fd >= 0) {
			pfd[1].fd = wake_fd;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			nfds = 2;
		}
		r = poll(pfd, (nfds_t)nfds, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			crk_error_set(error_r, "poll: %s", strerror(errno));
			return CRK_E_IO;
		}
		if (r == 0)
			break;
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
			*news_r = true;
			break;
		}
		if (nfds == 2 && (pfd[1].revents & POLLIN) != 0)
			break;
	}
	r = mailimap_idle_done(imap->session);
	st = imap_error(imap, r, "IDLE DONE", error_r);
	if (st != CRK_OK)
		imap->broken = true;
	/* A server that ends IDLE with anything but OK is going away. */
	return st == CRK_E_PROTO ? CRK_E_NET : st;
}
