/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The C side of the dovecot harness: start, describe accounts, stop. */
#ifndef CRK_TEST_DOVECOT_H
#define CRK_TEST_DOVECOT_H

#include <stdbool.h>

#include "core/common.h"
#include "conf/conf.h"

/* Any user name logs in with this password (a mailbox per test). */
#define CRK_DOVECOT_PASSWORD "s3cret-pass"

struct crk_dovecot {
	char *dir;           /* owned; the server's directory */
	unsigned imap_port;  /* plain + STARTTLS */
	unsigned imaps_port; /* implicit TLS */
	char *ca_file;       /* owned; the CA that signed "localhost" */
	char *other_ca_file; /* owned; a CA that signed nothing of ours */
};

/* True when the dovecot binary is installed. */
bool crk_dovecot_available(void);

/* Starts a dovecot in a fresh directory via tests/harness/dovecot.sh.
 * Fails the test (ck_abort) when it cannot.  Caller stops it. */
struct crk_dovecot *crk_dovecot_start(void);
/* Stops and starts the same server again (same ports, same mail). */
void crk_dovecot_restart(struct crk_dovecot *dc);
/* Stops the server, removes its directory and frees.  NULL-safe. */
void crk_dovecot_stop(struct crk_dovecot **dc);
/* Stops it without removing anything (for a later restart). */
void crk_dovecot_halt(struct crk_dovecot *dc);

/* The server's log so far.  Owned. */
char *crk_dovecot_log(const struct crk_dovecot *dc);

/* Fills an account for user on this server: tls mode, host ("localhost"
 * or "127.0.0.1" ...), the matching port, ca_file = the test CA, a
 * password_file holding CRK_DOVECOT_PASSWORD (mode 0600, in dir).
 * identities/internal domains are left empty.  Clear it with
 * crk_dovecot_account_clear. */
void crk_dovecot_account(const struct crk_dovecot *dc, const char *user,
    enum crk_tls_mode tls, const char *host,
    struct crk_account_config *account);
void crk_dovecot_account_clear(struct crk_account_config *account);

/* A test mail from tests/data/mail.  Owned. */
char *crk_test_mail(const char *name);

#endif
