/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The crickets command line: shared context and one function per command. */
#ifndef CRK_CLI_H
#define CRK_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* sysexits(3) codes, so scripts and systemd can tell failures apart. */
#include <sysexits.h>

#include "core/common.h"
#include "core/engine.h"
#include "core/store.h"
#include "conf/conf.h"

/* What every command gets.  Loaded lazily: a command that needs no store
 * never opens one. */
struct crk_cli {
	const char *config_path;   /* -c FILE, NULL: the default path */
	struct crk_config *config; /* owned; after crk_cli_load_config */
	struct crk_store *store;   /* owned; after crk_cli_open_store */
	struct crk_engine *engine; /* owned; after crk_cli_open_store */
	time_t now;                /* --now, CRICKETS_NOW, or time() */
	bool verbose;              /* -v: debug log lines */
	bool quiet;                /* -q: warnings and errors only */
};

/* Runs the crickets command line; returns the process exit code. */
int crk_cli_main(int argc, char **argv);

/* Loads the config once.  allow_missing: a missing default config gives
 * the defaults.  On error prints the message and returns a sysexits code;
 * EX_OK on success. */
int crk_cli_load_config(struct crk_cli *cli, bool allow_missing);
/* Loads the config (allow_missing), creates the database directory and
 * opens the store and the engine.  Returns EX_OK or a printed error's
 * sysexits code. */
int crk_cli_open_store(struct crk_cli *cli);
/* Prints "crickets: <message>" to stderr. */
void crk_cli_error(const char *fmt, ...) CRK_PRINTF(1, 2);
/* Prints "crickets: CMD: <message>; see crickets CMD --help" and returns
 * EX_USAGE, for a command's bad arguments. */
int crk_cli_usage_error(const char *cmd, const char *fmt, ...) CRK_PRINTF(2, 3);
/* The usage error for what getopt_long returned as c (':' for a missing
 * value, anything else for an unknown option); returns EX_USAGE. */
int crk_cli_option_error(int c, char **argv);
/* Maps a library status to a sysexits code (CRK_E_INVAL -> EX_USAGE or
 * EX_DATAERR, CRK_E_NET -> EX_TEMPFAIL, CRK_E_AUTH -> EX_NOPERM, ...). */
int crk_cli_exit_code(enum crk_status status);

/* Prints the URLs to subscribe to the feeds served on listen (port: the
 * one bound) and how to add them in the common calendar apps. */
void
crk_cli_print_feed_urls(const char *listen, unsigned port, const char *token);

/* Expands the arguments of an import-like command into mail files, sorted
 * per directory: a file is itself, a Maildir gives cur/ and new/, another
 * directory its *.eml files.  Prints "CMD: cannot read ..." and returns
 * EX_NOINPUT for a missing path; EX_OK otherwise. */
int crk_cli_message_files(
    const char *cmd, char **args, int n, struct crk_strv *files);
/* Reads one mail file (at most 64 MiB, regular files only) into an owned,
 * NUL-terminated buffer; NULL with *error_r set on failure. */
char *crk_cli_read_message(
    const char *path, size_t *len_r, time_t *mtime_r, char **error_r);
/* Writes s as a JSON string ("null" for NULL). */
void crk_cli_json_string(FILE *out, const char *s);

/* Commands: argv[0] is the command name; each parses its own options
 * (getopt_long) and returns a sysexits code. */
typedef int crk_cmd_fn(struct crk_cli *cli, int argc, char **argv);

/* watcher/cli.c and watcher/cmd_store.c: commands on the store */
crk_cmd_fn crk_cmd_list, crk_cmd_show, crk_cmd_won, crk_cmd_lost, crk_cmd_drop,
    crk_cmd_notyet, crk_cmd_reopen, crk_cmd_snooze, crk_cmd_touch,
    crk_cmd_track, crk_cmd_untrack, crk_cmd_stats, crk_cmd_import;
/* watcher/cmd_sync.c (IMAP, issue 3) */
crk_cmd_fn crk_cmd_sync, crk_cmd_watch, crk_cmd_doctor;
/* watcher/cmd_feed.c (feeds, issue 4) */
crk_cmd_fn crk_cmd_feed, crk_cmd_serve;
/* watcher/cmd_demo.c (issue 7) */
crk_cmd_fn crk_cmd_demo;
/* watcher/cmd_classify.c: what crickets makes of a mail file */
crk_cmd_fn crk_cmd_classify;

#endif
