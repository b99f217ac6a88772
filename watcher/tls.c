/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GnuTLS for the IMAP client: chain and host verified before any secret. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "watcher/tls.h"

struct crk_tls {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	bool established;
	int fd;
	int timeout_ms;
	char *verdict; /* owned */
};

bool
crk_tls_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	size_t len;

	if (host == NULL)
		return false;
	len = strlen(host);
	if (crk_strcasecmp(host, "localhost") == 0 ||
	    crk_strcasecmp(host, "localhost.") == 0)
		return true;
	if (len > 10 && crk_strcasecmp(host + len - 10, ".localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

static bool
tls_is_ip(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	return inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
}

static char *
tls_format_day(time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL)
		return crk_xstrdup("an unknown date");
	strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	return crk_xstrdup(buf);
}

/* The names a certificate is for: its DNS and IP subjectAltNames, else
 * its common name (RFC 6125 section 6.4.4), joined by ", ". */
static char *
tls_cert_names(gnutls_x509_crt_t crt)
{
	struct crk_strv names = {0};
	char buf[512];
	size_t size;
	unsigned i, critical;
	int type;
	char *s;

	for (i = 0; i < 64; i++) {
		size = sizeof(buf);
		type = gnutls_x509_crt_get_subject_alt_name(
		    crt, i, buf, &size, &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME && size < sizeof(buf)) {
			buf[size] = '\0';
			crk_strv_add_unique(&names, buf);
		} else if (type == GNUTLS_SAN_IPADDRESS) {
			char ip[INET6_ADDRSTRLEN];

			if ((size == 4 &&
				inet_ntop(AF_INET, buf, ip, sizeof(ip)) !=
				    NULL) ||
			    (size == 16 &&
				inet_ntop(AF_INET6, buf, ip, sizeof(ip)) !=
				    NULL))
				crk_strv_add_unique(&names, ip);
		}
	}
	if (names.count == 0) {
		size = sizeof(buf);
		if (gnutls_x509_crt_get_dn_by_oid(crt,
			GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) == 0)
			crk_strv_add(&names, buf);
	}
	s = names.count > 0 ? crk_strv_join(&names, ", ")
			    : crk_xstrdup("no name");
	crk_strv_clear(&names);
	return s;
}

static char *
tls_issuer(gnutls_x509_crt_t crt)
{
	gnutls_datum_t dn = {NULL, 0};
	char *s;

	if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) != 0)
		return crk_xstrdup("an unknown issuer");
	s = crk_xstrndup((const char *)dn.data, dn.size);
	gnutls_free(dn.data);
	return s;
}

/* Turns the verification status into the one message a rep can act on.
 * The most fundamental failure comes first: an unknown signer makes the
 * other checks moot. */
static void
tls_explain(unsigned status, const char *host, const char *ca_file,
    gnutls_x509_crt_t crt, char **error_r)
{
	char *names = NULL, *day = NULL, *issuer = NULL;

	if (crt == NULL) {
		crk_error_set(
		    error_r, "the server at %s sent no certificate", host);
		return;
	}
	issuer = tls_issuer(crt);
	if ((status & GNUTLS_CERT_SIGNER_NOT_FOUND) != 0) {
		if (ca_file != NULL)
			crk_error_set(error_r,
			    "certificate for %s is signed "
			    "by an unknown authority (%s), not by the CA in "
			    "ca_file = %s",
			    host, issuer, ca_file);
		else
			crk_error_set(error_r,
			    "certificate for %s is signed "
			    "by an unknown authority (%s); set ca_file = "
			    "/path/to/ca.pem if you trust it",
			    host, issuer);
	} else if ((status & GNUTLS_CERT_REVOKED) != 0) {
		crk_error_set(
		    error_r, "certificate for %s has been revoked", host);
	} else if ((status & GNUTLS_CERT_EXPIRED) != 0) {
		day = tls_format_day(gnutls_x509_crt_get_expiration_time(crt));
		crk_error_set(
		    error_r, "certificate for %s expired on %s", host, day);
	} else if ((status & GNUTLS_CERT_NOT_ACTIVATED) != 0) {
		day = tls_format_day(gnutls_x509_crt_get_activation_time(crt));
		crk_error_set(error_r,
		    "certificate for %s is not valid "
		    "before %s (is the clock right?)",
		    host, day);
	} else if ((status & GNUTLS_CERT_UNEXPECTED_OWNER) != 0) {
		names = tls_cert_names(crt);
		crk_error_set(
		    error_r, "certificate is for %s, not %s", names, host);
	} else if ((status & GNUTLS_CERT_INSECURE_ALGORITHM) != 0) {
		crk_error_set(error_r,
		    "certificate for %s uses an insecure "
		    "algorithm",
		    host);
	} else {
		gnutls_datum_t out = {NULL, 0};

		if (gnutls_certificate_verification_status_print(
			status, GNUTLS_CRT_X509, &out, 0) == 0) {
			crk_error_set(error_r, "certificate for %s: %s", host,
			    (const char *)out.data);
			gnutls_free(out.data);
		} else {
			crk_error_set(error_r,
			    "certificate for %s is not "
			    "trusted",
			    host);
		}
	}
	free(names);
	free(day);
	free(issuer);
}

static char *
tls_make_verdict(
    gnutls_session_t session, const char *host, gnutls_x509_crt_t crt)
{
	const char *proto;
	char *issuer, *day, *s;

	proto = gnutls_protocol_get_name(gnutls_protocol_get_version(session));
	issuer = tls_issuer(crt);
	day = tls_format_day(gnutls_x509_crt_get_expiration_time(crt));
	s = crk_xasprintf("%s, certificate for %s verified, issued by %s, "
			  "valid until %s",
	    proto != NULL ? proto : "TLS", host, issuer, day);
	free(issuer);
	free(day);
	return s;
}

enum crk_status
crk_tls_start(int fd, const char *host, const char *ca_file, int timeout_ms,
    struct crk_tls **tls_r, char **error_r)
{
	struct crk_tls *tls = NULL;
	gnutls_x509_crt_t crt = NULL;
	const gnutls_datum_t *peers;
	unsigned n_peers = 0, status = 0;
	enum crk_status st = CRK_OK;
	int r;

	*tls_r = NULL;
	tls = crk_xcalloc(1, sizeof(*tls));
	tls->fd = fd;
	tls->timeout_ms = timeout_ms > 0 ? timeout_ms : 60000;
	if (gnutls_certificate_allocate_credentials(&tls->cred) != 0)
		crk_oom();
	/* A machine without a system store still works with ca_file. */
	(void)gnutls_certificate_set_x509_system_trust(tls->cred);
	if (ca_file != NULL) {
		r = gnutls_certificate_set_x509_trust_file(
		    tls->cred, ca_file, GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			crk_error_set(error_r, "ca_file = %s: %s", ca_file,
			    r == 0 ? "no certificate in it"
				   : gnutls_strerror(r));
			st = CRK_E_IO;
			goto out;
		}
	}
	if (gnutls_init(&tls->session, GNUTLS_CLIENT) != 0)
		crk_oom();
	if (gnutls_set_default_priority(tls->session) != 0 ||
	    gnutls_credentials_set(
		tls->session, GNUTLS_CRD_CERTIFICATE, tls->cred) != 0) {
		crk_error_set(error_r, "cannot set up a TLS session");
		st = CRK_E_TLS;
		goto out;
	}
	/* RFC 6066 section 3: SNI carries DNS names only. */
	if (!tls_is_ip(host))
		(void)gnutls_server_name_set(
		    tls->session, GNUTLS_NAME_DNS, host, strlen(host));
	gnutls_transport_set_int(tls->session, fd);
	gnutls_handshake_set_timeout(
	    tls->session, timeout_ms > 0 ? (unsigned)timeout_ms : 0);
	do {
		r = gnutls_handshake(tls->session);
	} while (r == GNUTLS_E_INTERRUPTED);
	if (r < 0) {
		crk_error_set(error_r, "TLS handshake with %s failed: %s", host,
		    r == GNUTLS_E_AGAIN ? "timed out" : gnutls_strerror(r));
		st = r == GNUTLS_E_PULL_ERROR || r == GNUTLS_E_PUSH_ERROR ||
			r == GNUTLS_E_AGAIN ||
			r == GNUTLS_E_PREMATURE_TERMINATION
		    ? CRK_E_NET
		    : CRK_E_TLS;
		goto out;
	}
	tls->established = true;

	/* The verification itself: chain, validity, and host name
	 * (RFC 6125) in one call. */
	r = gnutls_certificate_verify_peers3(tls->session, host, &status);
	peers = gnutls_certificate_get_peers(tls->session, &n_peers);
	if (peers != NULL && n_peers > 0) {
		if (gnutls_x509_crt_init(&crt) != 0)
			crk_oom();
		if (gnutls_x509_crt_import(
			crt, &peers[0], GNUTLS_X509_FMT_DER) != 0) {
			gnutls_x509_crt_deinit(crt);
			crt = NULL;
		}
	}
	if (r != 0 || status != 0 || crt == NULL) {
		if (r != 0 && crt != NULL)
			crk_error_set(error_r,
			    "cannot verify the certificate "
			    "for %s: %s",
			    host, gnutls_strerror(r));
		else
			tls_explain(status, host, ca_file, crt, error_r);
		st = CRK_E_TLS;
		goto out;
	}
	tls->verdict = tls_make_verdict(tls->session, host, crt);
	*tls_r = tls;
	tls = NULL;
out:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (tls != NULL && tls->session != NULL && tls->established) {
		/* Tell the server why we leave, and nothing else. */
		(void)gnutls_alert_send(
		    tls->session, GNUTLS_AL_FATAL, GNUTLS_A_BAD_CERTIFICATE);
		tls->established = false;
	}
	crk_tls_free(&tls);
	return st;
}

void
crk_tls_free(struct crk_tls **tlsp)
{
	struct crk_tls *tls = *tlsp;

	if (tls == NULL)
		return;
	*tlsp = NULL;
	if (tls->session != NULL) {
		if (tls->established)
			(void)gnutls_bye(tls->session, GNUTLS_SHUT_WR);
		gnutls_deinit(tls->session);
	}
	if (tls->cred != NULL)
		gnutls_certificate_free_credentials(tls->cred);
	free(tls->verdict);
	free(tls);
}

/* GNUTLS_E_AGAIN comes from a socket timeout, but also, on a blocking
 * socket, after GnuTLS consumed a TLS 1.3 post-handshake message such as
 * NewSessionTicket.  Only a poll() that sees nothing is a real timeout. */
static bool
tls_wait(struct crk_tls *tls)
{
	struct pollfd pfd;
	int r;

	if (gnutls_record_get_direction(tls->session) == 0 &&
	    gnutls_record_check_pending(tls->session) > 0)
		return true;
	pfd.fd = tls->fd;
	pfd.events =
	    gnutls_record_get_direction(tls->session) == 0 ? POLLIN : POLLOUT;
	pfd.revents = 0;
	do {
		r = poll(&pfd, 1, tls->timeout_ms);
	} while (r < 0 && errno == EINTR);
	return r > 0;
}

ssize_t
crk_tls_read(struct crk_tls *tls, void *buf, size_t len)
{
	ssize_t r;

	for (;;) {
		r = gnutls_record_recv(tls->session, buf, len);
		if (r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r == GNUTLS_E_AGAIN && tls_wait(tls))
			continue;
		break;
	}
	if (r >= 0)
		return r;
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;

	errno = r == GNUTLS_E_AGAIN ? ETIMEDOUT : EIO;
	return -1;
}

ssize_t
crk_tls_write(struct crk_tls *tls, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = gnutls_record_send(tls->session, p + done, len - done);
		if (r == GNUTLS_E_INTERRUPTED)
			continue;
		/* GnuTLS wants the very same call again. */
		if (r == GNUTLS_E_AGAIN && tls_wait(tls))
			continue;
		if (r < 0) {
			errno = r == GNUTLS_E_AGAIN ? ETIMEDOUT : EIO;
			return -1;
		}
		done += (size_t)r;
	}
	return (ssize_t)len;
}

bool
crk_tls_pending(struct crk_tls *tls)
{
	return gnutls_record_check_pending(tls->session) > 0;
}

const char *
crk_tls_verdict(const struct crk_tls *tls)
{
	return tls->verdict;
}
