/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `crickets demo`: a private dovecot with a sample mailbox, synced for real. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <grp.h>
#include <pwd.h>

#include "core/date.h"
#include "ical/feed.h"
#include "watcher/cli.h"
#include "watcher/demo.h"
#include "watcher/imap.h"

#define DEMO_USER "robin"
#define DEMO_PASSWORD "demo-pass-not-secret"
#define DEMO_WAIT_TICKS 150 /* of 100 ms: dovecot has 15 s to listen */

/* What must be undone however the demo ends: the dovecot process group
 * and, without --keep, the sandbox.  Signal handlers and atexit see it. */
static volatile pid_t demo_pid;
static volatile sig_atomic_t demo_signal;
static char *demo_remove_dir;

static void
demo_on_signal(int sig)
{
	pid_t pid = demo_pid;

	demo_signal = sig;
	/* the sync then fails on its dead connection and the demo cleans
	 * up on its normal path */
	if (pid > 0)
		kill(-pid, SIGTERM);
}

static int
demo_rm_entry(
    const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Stops dovecot and everything it started: SIGTERM, a grace of 5 s, then
 * SIGKILL to its process group.  Idempotent. */
static void
demo_stop_dovecot(void)
{
	pid_t pid = demo_pid;
	int i, status;

	if (pid > 0) {
		kill(pid, SIGTERM);
		for (i = 0; i < 50; i++) {
			if (waitpid(pid, &status, WNOHANG) != 0)
				break;
			usleep(100000);
		}
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		demo_pid = 0;
	}
}

/* Stops dovecot and removes the sandbox unless kept.  Idempotent; also
 * the atexit handler. */
static void
demo_cleanup(void)
{
	demo_stop_dovecot();
	if (demo_remove_dir != NULL) {
		nftw(demo_remove_dir, demo_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		crk_free_str(&demo_remove_dir);
	}
}

static const char *
demo_find_dovecot(void)
{
	static const char *const paths[] = {"/usr/sbin/dovecot",
	    "/usr/local/sbin/dovecot", "/sbin/dovecot", "/usr/bin/dovecot"};
	const char *env = getenv("CRICKETS_DOVECOT");
	size_t i;

	if (env != NULL)
		return *env != '\0' && access(env, X_OK) == 0 ? env : NULL;
	for (i = 0; i < CRK_N_ELEMENTS(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* A loopback port the kernel says is free right now. */
static unsigned
demo_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	unsigned port = 0;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static bool
demo_port_open(unsigned port)
{
	struct sockaddr_in sin;
	bool ok;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static enum crk_status
demo_write_file(
    const char *path, const char *text, unsigned mode, char **error_r)
{
	size_t len = strlen(text);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    fchmod(fd, (mode_t)mode) != 0) {
		crk_error_set(
		    error_r, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CRK_E_IO;
	}
	if (close(fd) != 0) {
		crk_error_set(
		    error_r, "cannot write %s: %s", path, strerror(errno));
		return CRK_E_IO;
	}
	return CRK_OK;
}

/* Who runs dovecot's processes: as root its own users (dovecot,
 * dovenull), as anyone else that user. */
struct demo_users {
	char *mail_user, *login_user, *internal_user, *internal_group;
	uid_t mail_uid;
	gid_t mail_gid;
};

static void
demo_users_find(struct demo_users *u)
{
	const char *mail = "dovecot", *login = "dovenull";
	struct passwd *pw;
	struct group *gr;

	if (geteuid() == 0) {
		if (getpwnam("dovenull") == NULL)
			login = "nobody";
		if (getpwnam("dovecot") == NULL)
			mail = "nobody";
		pw = getpwnam(mail);
	} else {
		pw = getpwuid(geteuid());
		mail = login = pw != NULL ? pw->pw_name : "nobody";
	}
	u->mail_user = crk_xstrdup(mail);
	u->login_user = crk_xstrdup(login);
	u->internal_user = crk_xstrdup(mail);
	u->mail_uid = pw != NULL ? pw->pw_uid : geteuid();
	u->mail_gid = pw != NULL ? pw->pw_gid : getegid();
	gr = getgrgid(u->mail_gid);
	u->internal_group = gr != NULL
	    ? crk_xstrdup(gr->gr_name)
	    : crk_xasprintf("%u", (unsigned)u->mail_gid);
}

static void
demo_users_clear(struct demo_users *u)
{
	crk_free_str(&u->mail_user);
	crk_free_str(&u->login_user);
	crk_free_str(&u->internal_user);
	crk_free_str(&u->internal_group);
}

/* As root, dovecot's mail processes run as its own user and must pass
 * through every directory above the sandbox. */
static enum crk_status
demo_check_reachable(const char *dir, char **error_r)
{
	char *path = crk_xstrdup(dir), *slash;
	enum crk_status st = CRK_OK;
	struct stat sb;

	while ((slash = strrchr(path, '/')) != NULL && slash != path) {
		*slash = '\0';
		if (stat(path, &sb) == 0 && (sb.st_mode & S_IXOTH) == 0) {
			crk_error_set(error_r,
			    "dovecot's mail processes (user dovecot) cannot "
			    "enter %s (mode %04o); run chmod o+x %s, or use a "
			    "--dir under /tmp",
			    path, (unsigned)(sb.st_mode & 07777), path);
			st = CRK_E_INVAL;
			break;
		}
	}
	free(path);
	return st;
}

/* DIR/dovecot.conf: plain IMAP on 127.0.0.1:port, one static user and
 * password, Maildirs under DIR/mail. */
static enum crk_status
demo_write_dovecot_conf(const char *dir, unsigned port, char **error_r)
{
	struct demo_users u = {0};
	enum crk_status st = CRK_E_IO;
	char *mail = NULL, *path = NULL, *text = NULL;

	demo_users_find(&u);
	mail = crk_xasprintf("%s/mail", dir);
	path = crk_xasprintf("%s/run", dir);
	if ((mkdir(mail, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0755) != 0 && errno != EEXIST)) {
		crk_error_set(
		    error_r, "cannot create %s: %s", mail, strerror(errno));
		goto out;
	}
	/* as root the mail processes run as dovecot and must reach it */
	if (geteuid() == 0 && demo_check_reachable(dir, error_r) != CRK_OK)
		goto out;
	if (geteuid() == 0 &&
	    (chown(mail, u.mail_uid, u.mail_gid) != 0 ||
		chmod(dir, 0711) != 0)) {
		crk_error_set(error_r, "cannot hand %s to %s: %s", mail,
		    u.mail_user, strerror(errno));
		goto out;
	}
	text = crk_xasprintf(
	    "# written by crickets demo\n"
	    "base_dir = %s/run\n"
	    "state_dir = %s/run\n"
	    "instance_name = crickets-demo-%u\n"
	    "log_path = %s/dovecot.log\n"
	    "info_log_path = %s/dovecot.log\n"
	    "protocols = imap\n"
	    "listen = 127.0.0.1\n"
	    "ssl = no\n"
	    "disable_plaintext_auth = no\n"
	    "auth_mechanisms = plain login\n"
	    "mail_location = maildir:%s/%%u\n"
	    "mail_uid = %u\n"
	    "mail_gid = %u\n"
	    "first_valid_uid = 0\n"
	    "first_valid_gid = 0\n"
	    "default_login_user = %s\n"
	    "default_internal_user = %s\n"
	    "default_internal_group = %s\n"
	    "shutdown_clients = yes\n"
	    "passdb {\n  driver = static\n  args = password=%s\n}\n"
	    "userdb {\n  driver = static\n"
	    "  args = uid=%u gid=%u home=%s/%%u\n}\n"
	    "namespace inbox {\n  inbox = yes\n  separator = /\n"
	    "  mailbox Sent {\n    special_use = \\Sent\n"
	    "    auto = subscribe\n  }\n"
	    "  mailbox Drafts {\n    special_use = \\Drafts\n"
	    "    auto = subscribe\n  }\n"
	    "  mailbox Trash {\n    special_use = \\Trash\n"
	    "    auto = subscribe\n  }\n"
	    "}\n"
	    "service imap-login {\n%s"
	    "  inet_listener imap {\n    address = 127.0.0.1\n"
	    "    port = %u\n  }\n"
	    "  inet_listener imaps {\n    port = 0\n  }\n}\n"
	    "service anvil {\n%s}\n"
	    "service stats {\n  inet_listener http {\n    port = 0\n  }\n}\n",
	    dir, dir, port, dir, dir, mail, (unsigned)u.mail_uid,
	    (unsigned)u.mail_gid, u.login_user, u.internal_user,
	    u.internal_group, DEMO_PASSWORD, (unsigned)u.mail_uid,
	    (unsigned)u.mail_gid, mail, geteuid() == 0 ? "" : "  chroot =\n",
	    port, geteuid() == 0 ? "" : "  chroot =\n");
	free(path);
	path = crk_xasprintf("%s/dovecot.conf", dir);
	st = demo_write_file(path, text, 0644, error_r);
out:
	free(text);
	free(path);
	free(mail);
	demo_users_clear(&u);
	return st;
}

/* Starts `dovecot -F` in a process group of its own (so the terminal's
 * Ctrl-C reaches only us, and the group can be ended as one) and waits
 * until it accepts connections. */
static enum crk_status
demo_start_dovecot(
    const char *dovecot, const char *dir, unsigned port, char **error_r)
{
	char *conf = crk_xasprintf("%s/dovecot.conf", dir);
	char *log = crk_xasprintf("%s/dovecot.out", dir);
	enum crk_status st = CRK_OK;
	char *text;
	int i, fd, status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		crk_error_set(
		    error_r, "cannot start dovecot: %s", strerror(errno));
		st = CRK_E_IO;
		goto out;
	}
	if (pid == 0) {
		setsid();
		/* even a SIGKILLed demo takes its dovecot with it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execl(dovecot, "dovecot", "-F", "-c", conf, (char *)NULL);
		_exit(127);
	}
	/* the child's setsid may not have run yet: make sure of the group */
	setpgid(pid, pid);
	demo_pid = pid;
	/* for scripts and tests: the process group to look for */
	free(conf);
	conf = crk_xasprintf("%s/dovecot.pid", dir);
	text = crk_xasprintf("%ld\n", (long)pid);
	st = demo_write_file(conf, text, 0644, error_r);
	free(text);
	if (st != CRK_OK)
		goto out;
	for (i = 0; i < DEMO_WAIT_TICKS && !demo_signal; i++) {
		if (demo_port_open(port))
			goto out;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			demo_pid = 0;
			break;
		}
		usleep(100000);
	}
	crk_error_set(error_r,
	    "dovecot did not start on 127.0.0.1:%u; see %s/dovecot.log "
	    "and %s",
	    port, dir, log);
	st = CRK_E_IO;
out:
	free(conf);
	free(log);
	return st;
}

/* Puts the sample mailbox on the server, through IMAP APPEND. */
static enum crk_status
demo_fill(const struct crk_account_config *account, time_t now, char **error_r)
{
	const struct crk_demo_mail *mails;
	struct crk_imap *imap = NULL;
	struct crk_strv flags = {0};
	enum crk_status st = CRK_E_IO;
	struct tm tm;
	time_t today;
	size_t i, n;
	char *text;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	today = mktime(&tm);
	st = crk_imap_connect(account, 30, &imap, error_r);
	if (st != CRK_OK)
		goto out;
	st = crk_imap_login(imap, DEMO_USER, DEMO_PASSWORD, false, error_r);
	if (st != CRK_OK)
		goto out;
	mails = crk_demo_mails(&n);
	for (i = 0; i < n; i++) {
		crk_strv_clear(&flags);
		crk_strv_split(&flags, mails[i].flags, " ");
		text = crk_demo_render(&mails[i], today);
		st = crk_imap_append(imap, mails[i].folder, &flags, text,
		    strlen(text), NULL, error_r);
		free(text);
		if (st != CRK_OK) {
			crk_error_prefix(error_r, "sample message %zu", i + 1);
			goto out;
		}
	}
out:
	crk_strv_clear(&flags);
	crk_imap_free(&imap);
	return st;
}

/* DIR/crickets.conf and DIR/password (0600) for the private server. */
static enum crk_status
demo_write_config(const char *dir, unsigned port, char **error_r)
{
	char *path = crk_xasprintf("%s/password", dir);
	char *text = NULL;
	enum crk_status st = CRK_E_IO;

	st = demo_write_file(path, DEMO_PASSWORD "\n", 0600, error_r);
	if (st != CRK_OK)
		goto out;
	text = crk_xasprintf(
	    "# crickets demo: the sandbox's own config (see crickets.conf(5))\n"
	    "[crickets]\n"
	    "database = %s/crickets.db\n"
	    "feed_dir = %s/feed\n"
	    "templates_dir = %s/templates\n"
	    "timezone = Europe/Berlin\n"
	    "\n"
	    "[account demo]\n"
	    "host = 127.0.0.1\n"
	    "port = %u\n"
	    "tls = none\n"
	    "user = " DEMO_USER "\n"
	    "password_file = %s/password\n"
	    "identities = " CRK_DEMO_IDENTITY "\n"
	    "internal_domains = " CRK_DEMO_INTERNAL_DOMAIN "\n"
	    "\n"
	    "[serve]\n",
	    dir, dir, dir, port, dir);
	free(path);
	path = crk_xasprintf("%s/crickets.conf", dir);
	st = demo_write_file(path, text, 0600, error_r);
out:
	free(text);
	free(path);
	return st;
}

/* Runs another command of the command line on the demo's context. */
static int
demo_run(struct crk_cli *cli, crk_cmd_fn *fn, const char *name, const char *arg)
{
	char *argv[3];
	int argc = 0;

	argv[argc++] = (char *)name;
	if (arg != NULL)
		argv[argc++] = (char *)arg;
	argv[argc] = NULL;
	optind = 0; /* a fresh getopt scan */
	return fn(cli, argc, argv);
}

static int
demo_usage(FILE *out, int rc)
{
	fprintf(out,
	    "usage: crickets demo [--dir DIR] [--serve] [--keep]\n\n"
	    "Tries crickets on a sample sales mailbox: starts a private "
	    "dovecot on a free\nloopback port, fills it with %s's week "
	    "of proposals and replies,\nsyncs it as of %s (the real IMAP "
	    "path), opens the follow-up drafts,\nwrites the calendar feeds "
	    "and prints the proposals, the feed paths and\nthe URLs to "
	    "subscribe to.\n"
	    "  -d, --dir DIR  build the sandbox in DIR (kept; default: a "
	    "new temporary\n                 directory, removed at the end)\n"
	    "  -s, --serve    keep serving the feeds over HTTP until Ctrl-C\n"
	    "  -k, --keep     keep the temporary directory\n"
	    "Needs dovecot (Debian: apt-get install dovecot-imapd).\n",
	    CRK_DEMO_IDENTITY, CRK_DEMO_NOW);
	return rc;
}

/* The sandbox: a new temporary directory, or DIR (created if missing,
 * must be empty of a previous demo). */
static char *
demo_make_dir(const char *dir, char **error_r)
{
	char *path, *real;
	const char *tmp;

	if (dir == NULL) {
		tmp = getenv("TMPDIR");
		path = crk_xasprintf("%s/crickets-demo-XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(path) == NULL) {
			crk_error_set(error_r, "cannot create %s: %s", path,
			    strerror(errno));
			free(path);
			return NULL;
		}
		return path;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		crk_error_set(
		    error_r, "cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	real = realpath(dir, NULL);
	if (real == NULL) {
		crk_error_set(error_r, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	path = crk_xasprintf("%s/crickets.db", real);
	if (access(path, F_OK) == 0) {
		crk_error_set(error_r,
		    "%s already holds a demo; remove it or use another "
		    "--dir",
		    real);
		free(path);
		free(real);
		return NULL;
	}
	free(path);
	path = crk_xstrdup(real);
	free(real);
	return path;
}

static void
demo_print_feeds(const struct crk_cli *cli, bool serve)
{
	const char *dir = cli->config->feed_dir;

	printf("\nCalendar feeds (open them in any calendar app):\n"
	       "  %s/%s   events: every app\n"
	       "  %s/%s   tasks: Thunderbird, Evolution\n"
	       "  file://%s/%s\n"
	       "  file://%s/%s\n",
	    dir, CRK_FEED_EVENTS_FILE, dir, CRK_FEED_TASKS_FILE, dir,
	    CRK_FEED_EVENTS_FILE, dir, CRK_FEED_TASKS_FILE);
	if (demo_remove_dir != NULL)
		printf("The sandbox is removed when the demo ends; --keep or "
		       "--dir DIR keep it.\n");
	if (!serve)
		printf("Run `crickets demo --serve` for URLs to subscribe "
		       "to over HTTP.\n");
	fflush(stdout);
}

int
crk_cmd_demo(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"serve", no_argument, NULL, 's'},
	    {"keep", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sigaction sa, old_int, old_term, old_hup;
	const char *dir_arg = NULL, *dovecot;
	char *dir = NULL, *conf = NULL, *error = NULL;
	bool serve = false, keep = false;
	enum crk_status st = CRK_E_IO;
	unsigned port;
	int c, rc, attempt;

	while ((c = getopt_long(argc, argv, ":d:skh", options, NULL)) != -1) {
		switch (c) {
		case 'd': dir_arg = optarg; break;
		case 's': serve = true; break;
		case 'k': keep = true; break;
		case 'h': return demo_usage(stdout, EX_OK);
		case ':':
			crk_cli_error("demo: option '%s' needs a value; see "
				      "crickets demo --help",
			    argv[optind - 1]);
			return EX_USAGE;
		default:
			crk_cli_error("demo: unknown option '%s'; see "
				      "crickets demo --help",
			    argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		crk_cli_error("demo: unexpected argument '%s'; see crickets "
			      "demo --help",
		    argv[optind]);
		return EX_USAGE;
	}
	dovecot = demo_find_dovecot();
	if (dovecot == NULL) {
		crk_cli_error("crickets demo needs dovecot: apt-get install "
			      "dovecot-imapd");
		return EX_UNAVAILABLE;
	}
	dir = demo_make_dir(dir_arg, &error);
	if (dir == NULL) {
		crk_cli_error("demo: %s", error);
		free(error);
		return EX_CANTCREAT;
	}
	if (dir_arg == NULL && !keep)
		demo_remove_dir = crk_xstrdup(dir);
	atexit(demo_cleanup);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = demo_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	/* the demo's own config, whatever -c or --now said */
	crk_engine_free(&cli->engine);
	crk_store_free(&cli->store);
	crk_config_free(&cli->config);
	conf = crk_xasprintf("%s/crickets.conf", dir);
	cli->config_path = conf;

	/* another program may take the free port first: try a few */
	for (attempt = 0; attempt < 3 && !demo_signal; attempt++) {
		crk_free_str(&error);
		demo_stop_dovecot();
		port = demo_free_port();
		if (port == 0) {
			crk_error_set(&error, "no free port on 127.0.0.1");
			st = CRK_E_IO;
			goto fail;
		}
		if ((st = demo_write_dovecot_conf(dir, port, &error)) !=
			CRK_OK ||
		    (st = demo_write_config(dir, port, &error)) != CRK_OK)
			goto fail;
		if (!cli->quiet)
			fprintf(stderr,
			    "crickets demo: sandbox %s, dovecot on "
			    "127.0.0.1:%u\n",
			    dir, port);
		st = demo_start_dovecot(dovecot, dir, port, &error);
		if (st == CRK_OK)
			break;
	}
	if (st != CRK_OK)
		goto fail;
	if ((rc = crk_cli_load_config(cli, false)) != EX_OK)
		goto out;
	if ((st = crk_time_parse(CRK_DEMO_NOW, &cli->now, &error)) != CRK_OK)
		goto fail;
	if ((st = demo_fill(&cli->config->accounts[0], cli->now, &error)) !=
	    CRK_OK)
		goto fail;
	/* the same path as `crickets sync`: sync, drafts, feeds */
	if ((rc = demo_run(cli, crk_cmd_sync, "sync", NULL)) != EX_OK)
		goto out;
	printf(
	    "Proposals of %s as of %s:\n\n", CRK_DEMO_IDENTITY, CRK_DEMO_NOW);
	fflush(stdout);
	if ((rc = demo_run(cli, crk_cmd_list, "list", "--all")) != EX_OK)
		goto out;
	demo_print_feeds(cli, serve);
	printf("\nThe due follow-ups were also opened as threaded drafts in "
	       "the sandbox's\nDrafts folder (the log above); with a real "
	       "account they appear in your\nmail client.\n");
	if (serve) {
		printf("\n");
		fflush(stdout);
		if (!demo_signal)
			rc = demo_run(cli, crk_cmd_serve, "serve",
			    "--listen=127.0.0.1:0");
	} else if (dir_arg != NULL || keep) {
		printf("The sandbox stays in %s; try\n"
		       "  crickets -c %s --now %s list\n",
		    dir, conf, CRK_DEMO_NOW);
	}
	goto out;
fail:
	if (!demo_signal)
		crk_cli_error(
		    "demo: %s", error != NULL ? error : crk_status_str(st));
	rc = crk_cli_exit_code(st);
out:
	/* interrupted before serving (the server has signal handlers of
	 * its own and ends with EX_OK) */
	if (demo_signal) {
		crk_cli_error("demo: interrupted by %s; stopping dovecot",
		    strsignal(demo_signal));
		rc = 128 + demo_signal;
	}
	/* the store before the sandbox goes away */
	crk_engine_free(&cli->engine);
	crk_store_free(&cli->store);
	crk_config_free(&cli->config);
	cli->config_path = NULL;
	demo_cleanup();
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	free(error);
	free(conf);
	free(dir);
	return rc;
}
