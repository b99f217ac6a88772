/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The C side of the dovecot harness: start, describe accounts, stop. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness/dovecot.h"
#include "tests/testutil.h"

bool
crk_dovecot_available(void)
{
	static const char *const paths[] = {
	    "/usr/sbin/dovecot",
	    "/usr/local/sbin/dovecot",
	};
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return true;
	return system("command -v dovecot >/dev/null 2>&1") == 0;
}

static int
harness_run(const char *action, const char *dir)
{
	char *cmd;
	int r;

	cmd = crk_xasprintf("sh '%s/tests/harness/dovecot.sh' %s '%s' "
			    ">/dev/null",
	    crk_test_srcdir(), action, dir);
	r = system(cmd);
	free(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : 1;
}

static unsigned
env_uint(const char *env, const char *key)
{
	const char *p = strstr(env, key);

	return p != NULL ? (unsigned)strtoul(p + strlen(key), NULL, 10) : 0;
}

struct crk_dovecot *
crk_dovecot_start(void)
{
	struct crk_dovecot *dc = crk_xcalloc(1, sizeof(*dc));
	char *path, *env;
	int r;

	dc->dir = crk_test_tmpdir();
	r = harness_run("start", dc->dir);
	ck_assert_msg(r == 0, "tests/harness/dovecot.sh start failed (%d)", r);
	path = crk_xasprintf("%s/env", dc->dir);
	env = crk_test_read_file(path, NULL);
	ck_assert_ptr_nonnull(env);
	dc->imap_port = env_uint(env, "IMAP_PORT=");
	dc->imaps_port = env_uint(env, "IMAPS_PORT=");
	ck_assert_uint_ne(dc->imap_port, 0);
	ck_assert_uint_ne(dc->imaps_port, 0);
	dc->ca_file = crk_xasprintf("%s/ssl/ca.pem", dc->dir);
	dc->other_ca_file = crk_xasprintf("%s/ssl/other-ca.pem", dc->dir);
	free(env);
	free(path);
	return dc;
}

void
crk_dovecot_halt(struct crk_dovecot *dc)
{
	(void)harness_run("stop", dc->dir);
}

void
crk_dovecot_restart(struct crk_dovecot *dc)
{
	int r;

	crk_dovecot_halt(dc);
	r = harness_run("start", dc->dir);
	ck_assert_msg(r == 0, "dovecot restart failed (%d)", r);
}

void
crk_dovecot_stop(struct crk_dovecot **dcp)
{
	struct crk_dovecot *dc = *dcp;

	if (dc == NULL)
		return;
	*dcp = NULL;
	crk_dovecot_halt(dc);
	crk_test_rmtree(dc->dir);
	free(dc->dir);
	free(dc->ca_file);
	free(dc->other_ca_file);
	free(dc);
}

char *
crk_dovecot_log(const struct crk_dovecot *dc)
{
	char *path = crk_xasprintf("%s/dovecot.log", dc->dir);
	char *log = crk_test_read_file(path, NULL);

	free(path);
	return log != NULL ? log : crk_xstrdup("");
}

void
crk_dovecot_account(const struct crk_dovecot *dc, const char *user,
    enum crk_tls_mode tls, const char *host, struct crk_account_config *account)
{
	char *pwfile;

	memset(account, 0, sizeof(*account));
	account->name = crk_xstrdup(user);
	account->host = crk_xstrdup(host);
	account->tls = tls;
	account->port = tls == CRK_TLS_IMAPS ? dc->imaps_port : dc->imap_port;
	account->ca_file = crk_xstrdup(dc->ca_file);
	account->user = crk_xstrdup(user);
	pwfile = crk_xasprintf("%s/password-%s", dc->dir, user);
	crk_test_write_file(pwfile, CRK_DOVECOT_PASSWORD "\n");
	account->password_file = pwfile;
	account->auth = crk_xstrdup("login");
	account->drafts = false;
}

void
crk_dovecot_account_clear(struct crk_account_config *a)
{
	free(a->name);
	free(a->host);
	free(a->ca_file);
	free(a->user);
	free(a->password_command);
	free(a->password_file);
	free(a->auth);
	crk_strv_clear(&a->identities);
	crk_strv_clear(&a->internal_domains);
	crk_strv_clear(&a->folders);
	free(a->sent_folder);
	free(a->drafts_folder);
	memset(a, 0, sizeof(*a));
}

char *
crk_test_mail(const char *name)
{
	char *path =
	    crk_xasprintf("%s/tests/data/mail/%s", crk_test_srcdir(), name);
	char *data = crk_test_read_file(path, NULL);

	ck_assert_msg(data != NULL, "cannot read %s", path);
	free(path);
	return data;
}
