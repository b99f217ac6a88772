/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command line: global options, command table, usage, shared helpers. */
/* Angle brackets: the autoconf header (CRK_VERSION), not watcher/config.h. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/date.h"
#include "watcher/cli.h"

struct cli_command {
	const char *name;
	crk_cmd_fn *fn;
	const char *args;
	const char *summary;
};

static const struct cli_command cli_commands[] = {
    {"list", crk_cmd_list, "[--all] [--json]",
	"proposals and their next follow-up"},
    {"show", crk_cmd_show, "ID", "everything about one proposal"},
    {"won", crk_cmd_won, "ID", "close it: the prospect said yes"},
    {"lost", crk_cmd_lost, "ID", "close it: the prospect said no"},
    {"drop", crk_cmd_drop, "ID", "close it: you gave up"},
    {"notyet", crk_cmd_notyet, "ID",
	"a reply without a clear yes or no: new round"},
    {"reopen", crk_cmd_reopen, "ID", "reopen a closed proposal"},
    {"snooze", crk_cmd_snooze, "ID DATE",
	"no follow-up before DATE (YYYY-MM-DD)"},
    {"touch", crk_cmd_touch, "ID --channel C [--note TEXT]",
	"record a call, meeting or other touch"},
    {"track", crk_cmd_track, "MESSAGE-ID [--account NAME]",
	"track a sent message as a proposal"},
    {"untrack", crk_cmd_untrack, "ID", "stop tracking a proposal"},
    {"stats", crk_cmd_stats, "", "reply rates, outcomes, overdue"},
    {"import", crk_cmd_import, "[--account NAME] FILE|DIR...",
	"read .eml files or Maildirs into the store"},
    {"classify", crk_cmd_classify, "[--json] FILE|DIR...",
	"what crickets makes of a mail, and why"},
    {"sync", crk_cmd_sync, "[--account NAME] [--dry-run]",
	"one pass over the IMAP accounts"},
    {"watch", crk_cmd_watch, "[--foreground|--syslog] [--interval S]",
	"keep syncing (IDLE), write feeds and drafts"},
    {"feed", crk_cmd_feed, "[--out DIR]", "write the calendar feeds"},
    {"serve", crk_cmd_serve, "[--listen ADDR:PORT]",
	"serve the feeds over HTTP"},
    {"doctor", crk_cmd_doctor, "[--account NAME]",
	"check config, store and servers"},
    {"demo", crk_cmd_demo, "[--dir DIR] [--serve] [--keep]",
	"try crickets on a sample mailbox (needs dovecot)"},
};

static void
cli_usage(FILE *out)
{
	size_t i;

	fprintf(out,
	    "Usage: crickets [OPTIONS] COMMAND [ARGS...]\n"
	    "\n"
	    "crickets hears the silence after a proposal: it finds sent "
	    "proposals\n"
	    "that got no reply and keeps a follow-up cadence until a clear "
	    "yes or no.\n"
	    "\n"
	    "Options:\n"
	    "  -c, --config FILE    config file (default: "
	    "$XDG_CONFIG_HOME/crickets/config)\n"
	    "      --now DATE[THH:MM]\n"
	    "                       act as if it were then (also "
	    "CRICKETS_NOW)\n"
	    "  -v, --verbose        print debug messages\n"
	    "  -q, --quiet          print only warnings and errors\n"
	    "  -h, --help           print this help\n"
	    "  -V, --version        print the version\n"
	    "\n"
	    "Commands:\n");
	for (i = 0; i < CRK_N_ELEMENTS(cli_commands); i++) {
		const struct cli_command *c = &cli_commands[i];
		char *head = crk_xasprintf("%s %s", c->name, c->args);

		if (strlen(head) <= 30)
			fprintf(out, "  %-30s %s\n", head, c->summary);
		else
			fprintf(
			    out, "  %s\n  %-30s %s\n", head, "", c->summary);
		free(head);
	}
	fprintf(out,
	    "  help [COMMAND]                 this help, or a command's\n"
	    "\n"
	    "ID is a proposal's short ID (or a unique prefix of 3+ "
	    "characters),\n"
	    "its number or its Message-ID.  Every command takes --help.\n"
	    "\n"
	    "Exit status (sysexits.h): 0 ok, 64 usage, 65 bad data (no such "
	    "proposal,\n"
	    "not allowed in its state), 69 unavailable, 70 internal error, "
	    "74 I/O or\n"
	    "store error, 73 cannot create, 75 temporary (store locked, "
	    "network),\n"
	    "76 protocol or TLS error, 77 login refused, 78 config error.\n");
}

void
crk_cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("crickets: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One mapping for every command:
 *   INVAL -> EX_USAGE (commands that see bad data say EX_DATAERR),
 *   PARSE, NOTFOUND, STATE -> EX_DATAERR, AMBIGUOUS -> EX_USAGE,
 *   DB, IO -> EX_IOERR (the store and files we read or write),
 *   BUSY, NET -> EX_TEMPFAIL (try again: systemd restarts, cron retries),
 *   TLS, PROTO -> EX_PROTOCOL, AUTH -> EX_NOPERM,
 *   UNSUPPORTED -> EX_UNAVAILABLE. */
int
crk_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = crk_xvasprintf(fmt, ap);
	va_end(ap);
	crk_cli_error("%s: %s; see crickets %s --help", cmd, msg, cmd);
	free(msg);
	return EX_USAGE;
}

int
crk_cli_option_error(int c, char **argv)
{
	if (c == ':')
		return crk_cli_usage_error(
		    argv[0], "option '%s' needs a value", argv[optind - 1]);
	return crk_cli_usage_error(
	    argv[0], "unknown option '%s'", argv[optind - 1]);
}

int
crk_cli_exit_code(enum crk_status status)
{
	switch (status) {
	case CRK_OK: return EX_OK;
	case CRK_E_INVAL: return EX_USAGE;
	case CRK_E_PARSE: return EX_DATAERR;
	case CRK_E_NOTFOUND: return EX_DATAERR;
	case CRK_E_AMBIGUOUS: return EX_USAGE;
	case CRK_E_STATE: return EX_DATAERR;
	case CRK_E_DB: return EX_IOERR;
	case CRK_E_BUSY: return EX_TEMPFAIL;
	case CRK_E_IO: return EX_IOERR;
	case CRK_E_NET: return EX_TEMPFAIL;
	case CRK_E_TLS: return EX_PROTOCOL;
	case CRK_E_AUTH: return EX_NOPERM;
	case CRK_E_PROTO: return EX_PROTOCOL;
	case CRK_E_UNSUPPORTED: return EX_UNAVAILABLE;
	}
	return EX_SOFTWARE;
}

static void
cli_log(enum crk_log_level level, const char *msg, void *context)
{
	const struct crk_cli *cli = context;
	const char *prefix = "";

	switch (level) {
	case CRK_LOG_DEBUG:
		if (!cli->verbose)
			return;
		prefix = "debug: ";
		break;
	case CRK_LOG_INFO:
		if (cli->quiet)
			return;
		break;
	case CRK_LOG_WARN: prefix = "warning: "; break;
	case CRK_LOG_ERROR: prefix = "error: "; break;
	}
	fflush(stdout);
	fprintf(stderr, "crickets: %s%s\n", prefix, msg);
}

/* The rep's zone reaches core through TZ (see core/date.h). */
static void
cli_apply_timezone(const struct crk_config *config)
{
	if (config->timezone == NULL)
		return;
	setenv("TZ", config->timezone, 1);
	tzset();
}

int
crk_cli_load_config(struct crk_cli *cli, bool allow_missing)
{
	struct crk_config *config = NULL;
	char *error = NULL;
	enum crk_status status;

	/* Loaded before with the defaults of a missing file, and now a
	 * command needs the file: load again for the error (or the file). */
	if (cli->config != NULL && (allow_missing || cli->config->path != NULL))
		return EX_OK;
	status =
	    crk_config_load(cli->config_path, allow_missing, &config, &error);
	if (status != CRK_OK) {
		crk_cli_error("%s",
		    error != NULL ? error
				  : "cannot load the "
				    "config");
		free(error);
		return status == CRK_E_IO ? EX_IOERR : EX_CONFIG;
	}
	crk_config_free(&cli->config);
	cli->config = config;
	cli_apply_timezone(config);
	return EX_OK;
}

int
crk_cli_open_store(struct crk_cli *cli)
{
	char *error = NULL;
	enum crk_status status;
	int rc;

	if (cli->engine != NULL)
		return EX_OK;
	if ((rc = crk_cli_load_config(cli, true)) != EX_OK)
		return rc;
	if (crk_mkdir_parent(cli->config->database, &error) != CRK_OK) {
		crk_cli_error("%s", error);
		free(error);
		return EX_CANTCREAT;
	}
	status = crk_store_open(cli->config->database, &cli->store, &error);
	if (status == CRK_E_BUSY) {
		crk_cli_error("the store %s is locked by another crickets "
			      "process (or Claws Mail); try again",
		    cli->config->database);
		free(error);
		return EX_TEMPFAIL;
	}
	if (status != CRK_OK) {
		crk_cli_error("%s",
		    error != NULL ? error
				  : "cannot open the "
				    "store");
		free(error);
		return crk_cli_exit_code(status);
	}
	cli->engine = crk_engine_new(
	    cli->store, &cli->config->rules, &cli->config->cadence);
	/* States and due dates as of --now, so a command sees what a
	 * watcher running at that moment would have made of them. */
	status = crk_engine_refresh(cli->engine, cli->now, &error);
	if (status != CRK_OK) {
		if (status == CRK_E_BUSY)
			crk_cli_error(
			    "the store %s is locked by another "
			    "crickets process (or Claws Mail); try again",
			    cli->config->database);
		else
			crk_cli_error("%s",
			    error != NULL ? error : "cannot refresh the store");
		free(error);
		crk_engine_free(&cli->engine);
		crk_store_free(&cli->store);
		return crk_cli_exit_code(status);
	}
	return EX_OK;
}

static const struct cli_command *
cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(cli_commands); i++) {
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	}
	return NULL;
}

static int
cli_run(
    struct crk_cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	/* Every command runs getopt_long from the start of its own argv. */
	optind = 0;
	opterr = 0;
	return cmd->fn(cli, argc, argv);
}

/* `crickets help COMMAND` is `crickets COMMAND --help`. */
static int
cli_help(struct crk_cli *cli, int argc, char **argv)
{
	const struct cli_command *cmd;
	char *help_argv[3];

	if (argc < 2) {
		cli_usage(stdout);
		return EX_OK;
	}
	cmd = cli_find(argv[1]);
	if (cmd == NULL) {
		crk_cli_error(
		    "unknown command '%s'; see crickets --help", argv[1]);
		return EX_USAGE;
	}
	help_argv[0] = argv[1];
	help_argv[1] = (char *)"--help";
	help_argv[2] = NULL;
	return cli_run(cli, cmd, 2, help_argv);
}

/* --now or CRICKETS_NOW, read in the rep's zone: the config (and its
 * timezone) is loaded first. */
static int
cli_set_now(struct crk_cli *cli, const char *value, const char *what)
{
	char *error = NULL;
	int rc;

	if (value == NULL || *value == '\0') {
		cli->now = time(NULL);
		return EX_OK;
	}
	if ((rc = crk_cli_load_config(cli, true)) != EX_OK)
		return rc;
	if (crk_time_parse(value, &cli->now, &error) != CRK_OK) {
		crk_cli_error("bad %s value: %s (use YYYY-MM-DD or "
			      "YYYY-MM-DDTHH:MM)",
		    what, error != NULL ? error : "not a date");
		free(error);
		return EX_USAGE;
	}
	return EX_OK;
}

static bool
cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

static void
cli_free(struct crk_cli *cli)
{
	crk_engine_free(&cli->engine);
	crk_store_free(&cli->store);
	crk_config_free(&cli->config);
}

int
crk_cli_main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"now", required_argument, NULL, 'N'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct crk_cli cli;
	const struct cli_command *cmd;
	const char *now_value = NULL, *now_what = "--now";
	int c, rc;

	memset(&cli, 0, sizeof(cli));
	crk_log_set_handler(cli_log, &cli);
	opterr = 0;
	/* "+": options of the command stay for the command. */
	while ((c = getopt_long(argc, argv, "+:c:vqhV", options, NULL)) != -1) {
		switch (c) {
		case 'c': cli.config_path = optarg; break;
		case 'N': now_value = optarg; break;
		case 'v': cli.verbose = true; break;
		case 'q': cli.quiet = true; break;
		case 'h':
			cli_usage(stdout);
			rc = EX_OK;
			goto out;
		case 'V':
			printf("crickets %s\n", CRK_VERSION);
			rc = EX_OK;
			goto out;
		case ':':
			crk_cli_error("option '%s' needs a value; see crickets "
				      "--help",
			    argv[optind - 1]);
			rc = EX_USAGE;
			goto out;
		default:
			crk_cli_error("unknown option '%s'; see crickets "
				      "--help",
			    argv[optind - 1]);
			rc = EX_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		cli_usage(stderr);
		rc = EX_USAGE;
		goto out;
	}
	if (strcmp(argv[optind], "help") == 0) {
		rc = cli_help(&cli, argc - optind, argv + optind);
		goto out;
	}
	cmd = cli_find(argv[optind]);
	if (cmd == NULL) {
		crk_cli_error(
		    "unknown command '%s'; see crickets --help", argv[optind]);
		rc = EX_USAGE;
		goto out;
	}
	if (now_value == NULL) {
		now_value = getenv("CRICKETS_NOW");
		now_what = "CRICKETS_NOW";
	}
	/* A command's help needs neither a config nor a time. */
	if (cli_wants_help(argc - optind, argv + optind))
		now_value = NULL;
	if ((rc = cli_set_now(&cli, now_value, now_what)) != EX_OK)
		goto out;
	rc = cli_run(&cli, cmd, argc - optind, argv + optind);
out:
	cli_free(&cli);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == EX_OK) {
			crk_cli_error(
			    "cannot write the output: %s", strerror(errno));
			rc = EX_IOERR;
		}
	}
	crk_log_set_handler(NULL, NULL);
	return rc;
}
