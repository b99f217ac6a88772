/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the IMAP client and its TLS checks against a real dovecot. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/check_common.h"
#include "tests/harness/dovecot.h"
#include "watcher/imap.h"
#include "watcher/tls.h"

static struct crk_dovecot *dc;

static void
suite_setup(void)
{
	dc = crk_dovecot_start();
}

static void
suite_teardown(void)
{
	crk_dovecot_stop(&dc);
}

/* Connects and logs in as user the way the watcher does; fails the test
 * on error. */
static struct crk_imap *
open_as(const char *user, enum crk_tls_mode tls, const char *host)
{
	struct crk_account_config acc;
	struct crk_imap *imap = NULL;
	char *error = NULL;
	enum crk_status st;

	crk_dovecot_account(dc, user, tls, host, &acc);
	st = crk_imap_connect(&acc, 10, &imap, &error);
	ck_assert_msg(st == CRK_OK, "connect: %s", error);
	st = crk_imap_login(imap, user, CRK_DOVECOT_PASSWORD, false, &error);
	ck_assert_msg(st == CRK_OK, "login: %s", error);
	crk_dovecot_account_clear(&acc);
	return imap;
}

static void
append_mail(struct crk_imap *imap, const char *folder, const char *file,
    const char *keyword)
{
	struct crk_strv flags = {0};
	char *data = crk_test_mail(file), *error = NULL;
	enum crk_status st;

	if (keyword != NULL)
		crk_strv_add(&flags, keyword);
	st = crk_imap_append(
	    imap, folder, &flags, data, strlen(data), NULL, &error);
	ck_assert_msg(st == CRK_OK, "append %s: %s", file, error);
	crk_strv_clear(&flags);
	free(data);
}

/* ---- timing ------------------------------------------------------------- */

static double
now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- TLS ------------------------------------------------------------------
 */

START_TEST(test_imaps_with_the_test_ca_is_verified_and_logs_in)
{
	struct crk_imap *imap = open_as("tls-ok", CRK_TLS_IMAPS, "localhost");

	ck_assert_ptr_nonnull(strstr(
	    crk_imap_tls_verdict(imap), "certificate for localhost verified"));
	ck_assert(crk_imap_has_capability(imap, "IDLE"));
	crk_imap_free(&imap);
	ck_assert_ptr_null(imap);
}
END_TEST

START_TEST(test_starttls_is_verified_before_login)
{
	struct crk_imap *imap =
	    open_as("starttls-ok", CRK_TLS_STARTTLS, "localhost");

	ck_assert_ptr_nonnull(strstr(crk_imap_tls_verdict(imap), "verified"));
	/* After STARTTLS the server no longer offers it: the capabilities
	 * were read again over TLS. */
	ck_assert(!crk_imap_has_capability(imap, "STARTTLS"));
	crk_imap_free(&imap);
}
END_TEST

START_TEST(test_plain_imap_is_allowed_on_loopback)
{
	struct crk_imap *imap = open_as("plain-ok", CRK_TLS_NONE, "127.0.0.1");

	ck_assert_ptr_nonnull(strstr(crk_imap_tls_verdict(imap), "no TLS"));
	crk_imap_free(&imap);
}
END_TEST

enum which_ca { CA_TEST, CA_NONE, CA_OTHER };

static const struct {
	enum crk_tls_mode tls;
	const char *host;
	enum which_ca ca;
	const char *expect;
} refused[] = {
    {CRK_TLS_IMAPS, "localhost", CA_NONE,
	"certificate for localhost is signed by an unknown authority "
	"(CN=crickets test CA); set ca_file = "},
    {CRK_TLS_IMAPS, "localhost", CA_OTHER, "signed by an unknown authority"},
    {CRK_TLS_IMAPS, "127.0.0.1", CA_TEST,
	"certificate is for localhost, not 127.0.0.1"},
    {CRK_TLS_STARTTLS, "localhost", CA_NONE, "signed by an unknown authority"},
    {CRK_TLS_STARTTLS, "127.0.0.1", CA_TEST,
	"certificate is for localhost, not 127.0.0.1"},
    {CRK_TLS_IMAPS, "127.0.0.2", CA_TEST,
	"certificate for 127.0.0.2 expired on "},
};

START_TEST(test_refused_certificates_never_reach_login)
{
	struct crk_account_config acc;
	struct crk_imap *imap = NULL;
	char *error = NULL, *user, *log, *needle;
	enum crk_status st;

	user = crk_xasprintf("refused%d", _i);
	crk_dovecot_account(dc, user, refused[_i].tls, refused[_i].host, &acc);
	free(acc.ca_file);
	acc.ca_file = refused[_i].ca == CA_TEST ? crk_xstrdup(dc->ca_file)
	    : refused[_i].ca == CA_OTHER        ? crk_xstrdup(dc->other_ca_file)
						: NULL;
	/* The watcher's order: connect (TLS verified), then log in. */
	st = crk_imap_connect(&acc, 10, &imap, &error);
	if (st == CRK_OK)
		(void)crk_imap_login(
		    imap, user, CRK_DOVECOT_PASSWORD, false, NULL);
	ck_assert_int_eq(st, CRK_E_TLS);
	ck_assert_ptr_null(imap);
	ck_assert_msg(
	    error != NULL && strstr(error, refused[_i].expect) != NULL,
	    "error was: %s", error != NULL ? error : "(none)");
	/* The server never saw a login attempt for this user. */
	usleep(200 * 1000);
	log = crk_dovecot_log(dc);
	needle = crk_xasprintf("user=<%s>", user);
	ck_assert_msg(strstr(log, needle) == NULL, "dovecot saw %s", needle);
	free(needle);
	free(log);
	free(error);
	free(user);
	crk_dovecot_account_clear(&acc);
}
END_TEST

START_TEST(test_tls_none_is_refused_for_a_remote_host)
{
	struct crk_account_config acc = {0};
	struct crk_imap *imap = NULL;
	char *error = NULL;

	acc.name = (char *)"work";
	acc.host = (char *)"imap.example.com";
	acc.tls = CRK_TLS_NONE;
	acc.port = 143;
	ck_assert_int_eq(crk_imap_connect(&acc, 5, &imap, &error), CRK_E_INVAL);
	ck_assert_ptr_null(imap);
	ck_assert_ptr_nonnull(strstr(error, "tls = none"));
	free(error);
}
END_TEST

static const struct {
	const char *host;
	bool loopback;
} loopbacks[] = {
    {"localhost", true},
    {"LOCALHOST", true},
    {"127.0.0.1", true},
    {"127.1.2.3", true},
    {"::1", true},
    {"mail.localhost", true},
    {"imap.example.com", false},
    {"128.0.0.1", false},
    {"10.0.0.1", false},
    {"::2", false},
    {"localhost.evil.com", false},
};

START_TEST(test_only_loopback_hosts_count_as_loopback)
{
	ck_assert_msg(
	    crk_tls_is_loopback(loopbacks[_i].host) == loopbacks[_i].loopback,
	    "%s", loopbacks[_i].host);
}
END_TEST

/* A server that does not offer STARTTLS; records whether a password
 * was ever sent to it. */
static pid_t
fake_server_start(unsigned *port_r, const char *marker)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int ls, fd;
	pid_t pid;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(ls, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 1), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &len), 0);
	*port_r = ntohs(sa.sin_port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid > 0) {
		close(ls);
		return pid;
	}
	alarm(20);
	fd = accept(ls, NULL, NULL);
	if (fd < 0)
		_exit(1);
	FILE *in = fdopen(fd, "r");
	char line[1024], tag[64];
	const char *greet = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n";

	(void)!write(fd, greet, strlen(greet));
	while (fgets(line, sizeof(line), in) != NULL) {
		char out[256];

		if (sscanf(line, "%63s", tag) != 1)
			continue;
		if (strstr(line, "LOGIN") != NULL ||
		    strstr(line, "AUTHENTICATE") != NULL) {
			FILE *m = fopen(marker, "w");

			if (m != NULL)
				fclose(m);
		}
		if (strstr(line, "CAPABILITY") != NULL)
			snprintf(out, sizeof(out),
			    "* CAPABILITY IMAP4rev1 "
			    "AUTH=PLAIN\r\n%s OK done\r\n",
			    tag);
		else if (strstr(line, "LOGOUT") != NULL)
			snprintf(out, sizeof(out),
			    "* BYE bye\r\n%s OK done"
			    "\r\n",
			    tag);
		else
			snprintf(out, sizeof(out), "%s NO not here\r\n", tag);
		(void)!write(fd, out, strlen(out));
	}
	_exit(0);
}

START_TEST(test_starttls_is_required_when_configured)
{
	struct crk_account_config acc = {0};
	struct crk_imap *imap = NULL;
	char *error = NULL, *dir = crk_test_tmpdir();
	char *marker = crk_xasprintf("%s/login-seen", dir);
	unsigned port;
	pid_t pid;
	int status, i;

	pid = fake_server_start(&port, marker);
	acc.name = (char *)"fake";
	acc.host = (char *)"127.0.0.1";
	acc.tls = CRK_TLS_STARTTLS;
	acc.port = port;
	ck_assert_int_eq(crk_imap_connect(&acc, 5, &imap, &error), CRK_E_TLS);
	ck_assert_ptr_null(imap);
	ck_assert_msg(
	    strstr(error, "does not offer STARTTLS") != NULL, "%s", error);
	/* The server ends when the client hangs up. */
	for (i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(50 * 1000);
	if (i == 100) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ck_assert_msg(access(marker, F_OK) != 0, "a login reached the server");
	free(error);
	free(marker);
	crk_test_rmtree(dir);
	free(dir);
}
END_TEST

/* A server that accepts and then says nothing, or stops in the middle:
 * every wait is bounded by the timeout. */
START_TEST(test_a_silent_server_is_given_up_after_the_timeout)
{
	struct crk_account_config acc = {0};
	struct crk_imap *imap = NULL;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char *error = NULL;
	double t0;
	int ls, status;
	pid_t pid;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(ls, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 1), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &len), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = accept(ls, NULL, NULL);

		sleep(10);
		if (fd >= 0)
			close(fd);
		_exit(0);
	}
	close(ls);
	acc.name = (char *)"silent";
	acc.host = (char *)"127.0.0.1";
	acc.tls = CRK_TLS_NONE;
	acc.port = ntohs(sa.sin_port);
	t0 = now_secs();
	ck_assert_int_eq(crk_imap_connect(&acc, 1, &imap, &error), CRK_E_NET);
	ck_assert_ptr_null(imap);
	ck_assert_msg(now_secs() - t0 < 5, "waited %.1fs", now_secs() - t0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	free(error);
}
END_TEST

START_TEST(test_wrong_password_is_an_auth_error)
{
	struct crk_account_config acc;
	struct crk_imap *imap = NULL;
	char *error = NULL;

	crk_dovecot_account(dc, "wrongpw", CRK_TLS_IMAPS, "localhost", &acc);
	ck_assert_int_eq(crk_imap_connect(&acc, 10, &imap, &error), CRK_OK);
	ck_assert_int_eq(
	    crk_imap_login(imap, "wrongpw", "not-it", false, &error),
	    CRK_E_AUTH);
	ck_assert_ptr_nonnull(strstr(error, "wrongpw"));
	/* the password is never part of a message */
	ck_assert_ptr_null(strstr(error, "not-it"));
	free(error);
	crk_imap_free(&imap);
	crk_dovecot_account_clear(&acc);
}
END_TEST

START_TEST(test_authenticate_plain_logs_in)
{
	struct crk_account_config acc;
	struct crk_imap *imap = NULL;
	struct crk_imap_folder_list folders = {0};
	char *error = NULL;

	crk_dovecot_account(dc, "plainauth", CRK_TLS_IMAPS, "localhost", &acc);
	ck_assert_int_eq(crk_imap_connect(&acc, 10, &imap, &error), CRK_OK);
	ck_assert_int_eq(
	    crk_imap_login(imap, "plainauth", "not-it", true, &error),
	    CRK_E_AUTH);
	ck_assert_ptr_null(strstr(error, "not-it"));
	crk_free_str(&error);
	ck_assert_msg(crk_imap_login(imap, "plainauth", CRK_DOVECOT_PASSWORD,
			  true, &error) == CRK_OK,
	    "%s", error);
	ck_assert_int_eq(crk_imap_list_folders(imap, &folders, &error), CRK_OK);
	ck_assert_uint_gt(folders.count, 0);
	crk_imap_folder_list_clear(&folders);
	crk_imap_free(&imap);
	crk_dovecot_account_clear(&acc);
}
END_TEST

/* ---- folders --------------------------------------------------------------
 */

START_TEST(test_special_use_folders_are_found)
{
	struct crk_imap *imap = open_as("folders", CRK_TLS_IMAPS, "localhost");
	struct crk_imap_folder_list folders = {0};
	const struct crk_imap_folder *f;
	char *error = NULL;

	ck_assert_int_eq(
	    crk_imap_create(imap, "Gesendete Elemente", &error), CRK_OK);
	ck_assert_int_eq(crk_imap_list_folders(imap, &folders, &error), CRK_OK);
	f = crk_imap_folder_find_role(&folders, CRK_FOLDER_SENT);
	ck_assert_ptr_nonnull(f);
	/* SPECIAL-USE wins over a folder that only has a Sent-like name */
	ck_assert_str_eq(f->name, "Sent");
	ck_assert_uint_eq(f->flags & CRK_FOLDER_BY_NAME, 0);
	f = crk_imap_folder_find_role(&folders, CRK_FOLDER_DRAFTS);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->name, "Drafts");
	ck_assert_ptr_nonnull(
	    crk_imap_folder_find_role(&folders, CRK_FOLDER_TRASH));
	ck_assert_ptr_nonnull(
	    crk_imap_folder_find_role(&folders, CRK_FOLDER_JUNK));
	f = crk_imap_folder_find(&folders, "inbox");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_ne(f->flags & CRK_FOLDER_INBOX, 0);
	crk_imap_folder_list_clear(&folders);
	crk_imap_free(&imap);
}
END_TEST

/* Servers without SPECIAL-USE, as they name things. */
static const struct {
	const char *name;
	char delimiter;
	const char *folders[6]; /* server spelling */
	const char *sent;       /* display name, NULL: none */
	const char *drafts;
} by_name[] = {
    {"Courier/Cyrus with INBOX. prefix", '.',
	{"INBOX", "INBOX.Sent", "INBOX.Drafts", "INBOX.Trash", "INBOX.spam"},
	"INBOX.Sent", "INBOX.Drafts"},
    {"Exchange in German", '/',
	{"INBOX", "Gesendete Elemente", "Entw&APw-rfe",
	    "Gel&APY-schte Elemente", "Junk-E-Mail"},
	"Gesendete Elemente", "Entwürfe"},
    {"Gmail without SPECIAL-USE", '/',
	{"INBOX", "[Gmail]/Sent Mail", "[Gmail]/Drafts", "[Gmail]/Trash",
	    "[Gmail]/Spam"},
	"[Gmail]/Sent Mail", "[Gmail]/Drafts"},
    {"Apple Mail", '/',
	{"INBOX", "Sent Messages", "Drafts", "Deleted Messages", "Junk"},
	"Sent Messages", "Drafts"},
    {"French", '/',
	{"INBOX", "&AMk-l&AOk-ments envoy&AOk-s", "Brouillons", "Corbeille"},
	"Éléments envoyés", "Brouillons"},
    {"Spanish, no Drafts", '/', {"INBOX", "Enviados", "Papelera"}, "Enviados",
	NULL},
    {"a customer folder is not Sent", '/',
	{"INBOX", "Customers/ACME", "Sent-ish"}, NULL, NULL},
};

START_TEST(test_folder_roles_fall_back_to_common_names)
{
	struct crk_imap_folder_list list = {0};
	const struct crk_imap_folder *f;
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(by_name[_i].folders) &&
	     by_name[_i].folders[i] != NULL;
	     i++) {
		struct crk_imap_folder *nf;

		list.items = crk_xreallocarray(
		    list.items, list.count + 1, sizeof(*list.items));
		nf = &list.items[list.count++];
		memset(nf, 0, sizeof(*nf));
		nf->name = crk_xstrdup(by_name[_i].folders[i]);
		nf->display = crk_imap_mutf7_decode(nf->name);
		nf->delimiter = by_name[_i].delimiter;
		if (strcmp(nf->name, "INBOX") == 0)
			nf->flags |= CRK_FOLDER_INBOX;
	}
	crk_imap_folders_guess_roles(&list);
	f = crk_imap_folder_find_role(&list, CRK_FOLDER_SENT);
	if (by_name[_i].sent == NULL) {
		ck_assert_msg(f == NULL, "%s: Sent = %s", by_name[_i].name,
		    f != NULL ? f->display : "");
	} else {
		ck_assert_msg(f != NULL, "%s: no Sent", by_name[_i].name);
		ck_assert_str_eq(f->display, by_name[_i].sent);
		ck_assert_uint_ne(f->flags & CRK_FOLDER_BY_NAME, 0);
	}
	f = crk_imap_folder_find_role(&list, CRK_FOLDER_DRAFTS);
	if (by_name[_i].drafts == NULL)
		ck_assert_ptr_null(f);
	else
		ck_assert_str_eq(f->display, by_name[_i].drafts);
	/* Trash and Junk are found too, so the sync skips them */
	if (by_name[_i].folders[3] != NULL)
		ck_assert_ptr_nonnull(
		    crk_imap_folder_find_role(&list, CRK_FOLDER_TRASH));
	crk_imap_folder_list_clear(&list);
}
END_TEST

static const struct {
	const char *mutf7;
	const char *utf8;
} mutf7[] = {
    {"INBOX", "INBOX"},
    {"Envoy&AOk-s", "Envoyés"},
    {"Entw&APw-rfe", "Entwürfe"},
    {"Gel&APY-schte Elemente", "Gelöschte Elemente"},
    {"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-", "Отправленные"},
    {"Tom &- Jerry", "Tom & Jerry"},
    {"&2D3eAA-", "\xf0\x9f\x98\x80"},
};

START_TEST(test_mailbox_names_round_trip_modified_utf7)
{
	char *dec = crk_imap_mutf7_decode(mutf7[_i].mutf7);
	char *enc = crk_imap_mutf7_encode(mutf7[_i].utf8);

	ck_assert_str_eq(dec, mutf7[_i].utf8);
	ck_assert_str_eq(enc, mutf7[_i].mutf7);
	free(dec);
	free(enc);
}
END_TEST

/* ---- fetch ------------------------------------------------------------------
 */

START_TEST(test_fetch_reads_headers_flags_and_attachment_names_without_seen)
{
	struct crk_imap *imap = open_as("fetch", CRK_TLS_IMAPS, "localhost");
	struct crk_imap_mailbox mb;
	struct crk_imap_msg_list list = {0};
	uint32_t *uids = NULL;
	size_t n = 0;
	char *error = NULL;

	append_mail(imap, "Sent", "outlook-proposal.eml", "crickets-track");
	append_mail(imap, "Sent", "thunderbird-quote.eml", NULL);
	ck_assert_int_eq(crk_imap_examine(imap, "Sent", &mb, &error), CRK_OK);
	ck_assert_uint_ne(mb.uidvalidity, 0);
	ck_assert_uint_eq(mb.exists, 2);
	ck_assert_uint_gt(mb.highestmodseq, 0);
	ck_assert_int_eq(
	    crk_imap_search_uids(imap, 0, &uids, &n, &error), CRK_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(
	    crk_imap_fetch(imap, uids, n, 0, &list, &error), CRK_OK);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_uint_eq(list.items[0].uid, uids[0]);
	ck_assert_ptr_nonnull(strstr(
	    list.items[0].header, "AM0PR07MB4530D1E2F3A4B5C6D7E8F9A0B1C2D3E4"));
	/* only the fields asked for */
	ck_assert_ptr_null(strstr(list.items[0].header, "Thread-Index"));
	ck_assert_ptr_null(strstr(list.items[0].header, "as discussed"));
	ck_assert(crk_strv_contains(&list.items[0].flags, "crickets-track"));
	ck_assert(!crk_strv_contains(&list.items[0].flags, "\\Seen"));
	ck_assert_uint_eq(list.items[0].attachments.count, 1);
	ck_assert_str_eq(
	    list.items[0].attachments.items[0], "ACME Angebot Müller.pdf");
	ck_assert_str_eq(list.items[0].content_type, "multipart/mixed");
	ck_assert_str_eq(list.items[0].text_section, "1");
	ck_assert_str_eq(list.items[0].text_encoding, "quoted-printable");
	ck_assert_int_ne(list.items[0].internal_date, 0);
	ck_assert_str_eq(
	    list.items[1].attachments.items[0], "Globex-quote-2026-11.pdf");
	crk_imap_msg_list_clear(&list);

	/* a second look: still not \Seen */
	ck_assert_int_eq(
	    crk_imap_fetch_range(imap, 1, 0, 0, &list, &error), CRK_OK);
	ck_assert_uint_eq(list.count, 2);
	ck_assert(!crk_strv_contains(&list.items[0].flags, "\\Seen"));
	ck_assert(!crk_strv_contains(&list.items[1].flags, "\\Seen"));
	crk_imap_msg_list_clear(&list);

	/* nothing after the last UID, even though "n:*" names the last */
	free(uids);
	ck_assert_int_eq(
	    crk_imap_search_uids(imap, mb.uidnext - 1, &uids, &n, &error),
	    CRK_OK);
	ck_assert_uint_eq(n, 0);
	free(uids);
	crk_imap_free(&imap);
}
END_TEST

START_TEST(test_a_message_is_found_again_by_its_message_id)
{
	struct crk_imap *imap = open_as("byid", CRK_TLS_IMAPS, "localhost");
	struct crk_imap_mailbox mb;
	uint32_t *uids = NULL;
	size_t n = 0;
	char *error = NULL;

	append_mail(imap, "Drafts", "thunderbird-quote.eml", "\\Draft");
	append_mail(imap, "Drafts", "outlook-followup.eml", "\\Draft");
	ck_assert_int_eq(crk_imap_examine(imap, "Drafts", &mb, &error), CRK_OK);
	ck_assert_int_eq(crk_imap_search_header(imap, "Message-ID",
			     "<AM0PR07MB45309F8E7D6C5B4A39281706F5E4D3C2@"
			     "AM0PR07MB4530.eurprd07.prod.outlook.com>",
			     &uids, &n, &error),
	    CRK_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(uids[0], 2);
	free(uids);
	ck_assert_int_eq(
	    crk_imap_search_header(imap, "Message-ID",
		"<nothing-like-it@example.com>", &uids, &n, &error),
	    CRK_OK);
	ck_assert_uint_eq(n, 0);
	free(uids);
	crk_imap_free(&imap);
}
END_TEST

START_TEST(test_delivery_report_parts_are_found_and_fetched)
{
	struct crk_imap *imap = open_as("dsn", CRK_TLS_IMAPS, "localhost");
	struct crk_imap_mailbox mb;
	struct crk_imap_msg_list list = {0};
	char *error = NULL, *data = NULL;
	size_t len = 0;

	append_mail(imap, "INBOX", "postfix-dsn.eml", NULL);
	append_mail(imap, "INBOX", "exchange-ooo.eml", NULL);
	ck_assert_int_eq(crk_imap_examine(imap, "INBOX", &mb, &error), CRK_OK);
	ck_assert_int_eq(
	    crk_imap_fetch_range(imap, 1, 0, 0, &list, &error), CRK_OK);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].content_type, "multipart/report");
	ck_assert_uint_eq(list.items[0].report_sections.count, 2);
	ck_assert_str_eq(list.items[0].report_sections.items[0], "2");
	ck_assert_str_eq(list.items[0].report_sections.items[1], "3");
	ck_assert_uint_eq(list.items[0].attachments.count, 0);
	ck_assert_int_eq(crk_imap_fetch_section(imap, list.items[0].uid, "2",
			     4096, &data, &len, &error),
	    CRK_OK);
	ck_assert_ptr_nonnull(strstr(data,
	    "Final-Recipient: rfc822; "
	    "b.wrong@globex.example"));
	free(data);
	ck_assert_int_eq(crk_imap_fetch_section(imap, list.items[0].uid, "3",
			     4096, &data, &len, &error),
	    CRK_OK);
	ck_assert_ptr_nonnull(strstr(data, "3f2a9c1e-5b7d"));
	free(data);
	/* the out-of-office: a single text part with a charset */
	ck_assert_str_eq(list.items[1].text_section, "1");
	ck_assert_str_eq(list.items[1].text_charset, "iso-8859-1");
	ck_assert_int_eq(crk_imap_fetch_section(imap, list.items[1].uid, "1",
			     40, &data, &len, &error),
	    CRK_OK);
	ck_assert_uint_eq(len, 40); /* the size cap holds */
	free(data);
	crk_imap_msg_list_clear(&list);
	crk_imap_free(&imap);
}
END_TEST

/* Many parts of many messages in one go, each landing on its own message
 * and section: a mix-up would feed one bounce's report to another mail. */
START_TEST(test_parts_of_many_messages_are_fetched_together)
{
	struct crk_imap *imap = open_as("parts", CRK_TLS_IMAPS, "localhost");
	struct crk_imap_mailbox mb;
	struct crk_imap_part parts[6];
	char *error = NULL;
	size_t i;

	append_mail(imap, "INBOX", "postfix-dsn.eml", NULL);
	append_mail(imap, "INBOX", "exchange-ooo.eml", NULL);
	append_mail(imap, "INBOX", "postfix-dsn.eml", NULL);
	ck_assert_int_eq(crk_imap_examine(imap, "INBOX", &mb, &error), CRK_OK);
	parts[0] =
	    (struct crk_imap_part){.uid = 3, .section = "3", .max_bytes = 4096};
	parts[1] =
	    (struct crk_imap_part){.uid = 1, .section = "2", .max_bytes = 4096};
	parts[2] =
	    (struct crk_imap_part){.uid = 2, .section = "1", .max_bytes = 40};
	parts[3] =
	    (struct crk_imap_part){.uid = 1, .section = "3", .max_bytes = 4096};
	parts[4] = (struct crk_imap_part){
	    .uid = 99, .section = "1", .max_bytes = 40}; /* no such message */
	parts[5] = (struct crk_imap_part){.uid = 3,
	    .section = "2.x",
	    .max_bytes = 4096}; /* not a part number */
	ck_assert_int_eq(crk_imap_fetch_parts(imap, parts, 6, &error), CRK_OK);
	ck_assert_ptr_nonnull(parts[0].data);
	ck_assert_ptr_nonnull(strstr(parts[0].data, "3f2a9c1e-5b7d"));
	ck_assert_ptr_nonnull(parts[1].data);
	ck_assert_ptr_nonnull(strstr(
	    parts[1].data, "Final-Recipient: rfc822; b.wrong@globex.example"));
	ck_assert_ptr_null(strstr(parts[1].data, "3f2a9c1e-5b7d"));
	ck_assert_ptr_nonnull(parts[2].data);
	ck_assert_uint_eq(parts[2].len, 40);
	ck_assert_ptr_null(strstr(parts[2].data, "Final-Recipient"));
	ck_assert_ptr_nonnull(parts[3].data);
	ck_assert_ptr_nonnull(strstr(parts[3].data, "3f2a9c1e-5b7d"));
	ck_assert_ptr_null(parts[4].data);
	ck_assert_ptr_null(parts[5].data);
	for (i = 0; i < 6; i++)
		free(parts[i].data);
	crk_imap_free(&imap);
}
END_TEST

START_TEST(test_changedsince_reports_a_keyword_set_by_another_client)
{
	struct crk_imap *a = open_as("modseq", CRK_TLS_IMAPS, "localhost");
	struct crk_imap *b = open_as("modseq", CRK_TLS_NONE, "127.0.0.1");
	struct crk_imap_mailbox mb, mb2;
	struct crk_imap_msg_list list = {0};
	struct crk_strv kw = {0};
	char *error = NULL;

	append_mail(a, "Sent", "outlook-proposal.eml", NULL);
	append_mail(a, "Sent", "thunderbird-quote.eml", NULL);
	ck_assert_int_eq(crk_imap_examine(a, "Sent", &mb, &error), CRK_OK);
	ck_assert_uint_gt(mb.highestmodseq, 0);

	ck_assert_int_eq(crk_imap_select(b, "Sent", &mb2, &error), CRK_OK);
	crk_strv_add(&kw, "crickets-won");
	ck_assert_int_eq(crk_imap_store_flags(b, 2, &kw, true, &error), CRK_OK);
	crk_strv_clear(&kw);

	ck_assert_int_eq(crk_imap_examine(a, "Sent", &mb2, &error), CRK_OK);
	ck_assert_uint_gt(mb2.highestmodseq, mb.highestmodseq);
	ck_assert_int_eq(
	    crk_imap_fetch_range(a, 1, 0, mb.highestmodseq, &list, &error),
	    CRK_OK);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_uint_eq(list.items[0].uid, 2);
	ck_assert(crk_strv_contains(&list.items[0].flags, "crickets-won"));
	ck_assert_ptr_nonnull(strstr(list.items[0].header, "3f2a9c1e"));
	crk_imap_msg_list_clear(&list);
	crk_imap_free(&a);
	crk_imap_free(&b);
}
END_TEST

/* ---- IDLE ---------------------------------------------------------------- */

START_TEST(test_idle_returns_when_a_message_arrives)
{
	struct crk_imap *imap = open_as("idle", CRK_TLS_IMAPS, "localhost");
	struct crk_imap_mailbox mb;
	char *error = NULL;
	bool news = false;
	double t0;
	pid_t pid;
	int status;

	ck_assert_int_eq(crk_imap_examine(imap, "INBOX", &mb, &error), CRK_OK);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct crk_imap *other;

		sleep(1);
		other = open_as("idle", CRK_TLS_NONE, "127.0.0.1");
		append_mail(other, "INBOX", "gmail-reply.eml", NULL);
		crk_imap_free(&other);
		_exit(0);
	}
	t0 = now_secs();
	ck_assert_msg(
	    crk_imap_idle(imap, 20, -1, &news, &error) == CRK_OK, "%s", error);
	ck_assert(news);
	ck_assert_msg(now_secs() - t0 < 10, "IDLE took %.1fs", now_secs() - t0);
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(crk_imap_examine(imap, "INBOX", &mb, &error), CRK_OK);
	ck_assert_uint_eq(mb.exists, 1);
	crk_imap_free(&imap);
}
END_TEST

START_TEST(test_idle_is_bounded_and_can_be_woken)
{
	struct crk_imap *imap = open_as("idle2", CRK_TLS_IMAPS, "localhost");
	struct crk_imap_mailbox mb;
	char *error = NULL;
	bool news = true;
	double t0;
	int p[2];

	ck_assert_int_eq(crk_imap_examine(imap, "INBOX", &mb, &error), CRK_OK);
	t0 = now_secs();
	ck_assert_int_eq(crk_imap_idle(imap, 1, -1, &news, &error), CRK_OK);
	ck_assert(!news);
	ck_assert(now_secs() - t0 >= 0.9 && now_secs() - t0 < 5);

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	t0 = now_secs();
	ck_assert_int_eq(crk_imap_idle(imap, 30, p[0], &news, &error), CRK_OK);
	ck_assert(!news);
	ck_assert(now_secs() - t0 < 5);
	/* the connection is still usable after DONE */
	ck_assert_int_eq(crk_imap_noop(imap, &error), CRK_OK);
	close(p[0]);
	close(p[1]);
	crk_imap_free(&imap);
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("imap");
	TCase *tc;

	if (!crk_dovecot_available()) {
		if (getenv("CRK_NO_SKIP") != NULL &&
		    strcmp(getenv("CRK_NO_SKIP"), "1") == 0) {
			printf("Bail out! dovecot is not installed\n");
			exit(EXIT_FAILURE);
		}
		printf("1..0 # SKIP dovecot is not installed\n");
		exit(EXIT_SUCCESS);
	}

	tc = tcase_create("offline");
	tcase_add_test(tc, test_tls_none_is_refused_for_a_remote_host);
	CRK_TABLE_TEST(
	    tc, test_only_loopback_hosts_count_as_loopback, loopbacks);
	CRK_TABLE_TEST(tc, test_mailbox_names_round_trip_modified_utf7, mutf7);
	CRK_TABLE_TEST(
	    tc, test_folder_roles_fall_back_to_common_names, by_name);
	tcase_add_test(tc, test_starttls_is_required_when_configured);
	tcase_add_test(tc, test_a_silent_server_is_given_up_after_the_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_create("dovecot");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_imaps_with_the_test_ca_is_verified_and_logs_in);
	tcase_add_test(tc, test_starttls_is_verified_before_login);
	tcase_add_test(tc, test_plain_imap_is_allowed_on_loopback);
	CRK_TABLE_TEST(
	    tc, test_refused_certificates_never_reach_login, refused);
	tcase_add_test(tc, test_wrong_password_is_an_auth_error);
	tcase_add_test(tc, test_authenticate_plain_logs_in);
	tcase_add_test(tc, test_special_use_folders_are_found);
	tcase_add_test(tc,
	    test_fetch_reads_headers_flags_and_attachment_names_without_seen);
	tcase_add_test(tc, test_delivery_report_parts_are_found_and_fetched);
	tcase_add_test(tc, test_parts_of_many_messages_are_fetched_together);
	tcase_add_test(tc, test_a_message_is_found_again_by_its_message_id);
	tcase_add_test(
	    tc, test_changedsince_reports_a_keyword_set_by_another_client);
	tcase_add_test(tc, test_idle_returns_when_a_message_arrives);
	tcase_add_test(tc, test_idle_is_bounded_and_can_be_woken);
	suite_add_tcase(s, tc);
	return s;
}
