/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GnuTLS for the IMAP client: chain and host verified before any secret. */
#ifndef CRK_TLS_H
#define CRK_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/common.h"

/* A client TLS session over a connected socket. */
struct crk_tls;

/* Runs the TLS handshake on the connected socket fd (blocking, bounded by
 * the socket's SO_RCVTIMEO/SO_SNDTIMEO and by timeout_ms) and verifies
 * the server: the chain against the system trust store plus ca_file (a
 * PEM file, NULL for none), and the certificate against host (DNS name or
 * IP address).  SNI is sent for DNS names.  Nothing is written to the
 * socket after a failed verification but the TLS alert.
 * Returns CRK_E_TLS with a message a rep can act on ("certificate for
 * imap.example.com is signed by an unknown authority; set ca_file = ...
 * if you trust it", "certificate is for other.example.com, not
 * imap.example.com", "certificate for imap.example.com expired on
 * 2026-01-31"), CRK_E_IO when ca_file cannot be read, CRK_E_NET when the
 * connection drops during the handshake.  The caller owns *tls_r; the fd
 * stays the caller's. */
enum crk_status crk_tls_start(int fd, const char *host, const char *ca_file,
    int timeout_ms, struct crk_tls **tls_r, char **error_r);

/* Sends close_notify (best effort) and frees the session.  NULL-safe. */
void crk_tls_free(struct crk_tls **tls);

/* Reads up to len bytes of application data.  Returns the count, 0 at the
 * end of the stream, -1 on error or timeout (errno set: ETIMEDOUT, EIO). */
ssize_t crk_tls_read(struct crk_tls *tls, void *buf, size_t len);
/* Writes all len bytes; returns len or -1 (errno set). */
ssize_t crk_tls_write(struct crk_tls *tls, const void *buf, size_t len);
/* True when decrypted data is already buffered (poll() would not see it). */
bool crk_tls_pending(struct crk_tls *tls);

/* What was verified, for `crickets doctor`: "TLS1.3, certificate for
 * imap.example.com verified, issued by CN=..., valid until 2027-01-01".
 * Borrowed; valid while tls lives. */
const char *crk_tls_verdict(const struct crk_tls *tls);

/* True for host names and addresses that stay on this machine:
 * "localhost", "*.localhost", 127.0.0.0/8, ::1.  Plain IMAP (tls = none)
 * is only allowed to these. */
bool crk_tls_is_loopback(const char *host);

#endif
