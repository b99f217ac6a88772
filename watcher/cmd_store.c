/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store commands: list, show, the rep's actions, track, stats, import. */
/* Angle brackets: the autoconf header, not watcher/config.h. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/classify.h"
#include "core/date.h"
#include "core/message.h"
#include "core/stats.h"
#include "watcher/cli.h"
#include "watcher/keywords.h"

/* A mail file bigger than this is not a mail we need to read. */
#define STORE_MAX_MESSAGE (64 * 1024 * 1024)

struct store_help {
	const char *name;
	const char *usage;
	const char *text;
};

static const struct store_help store_helps[] = {
    {"list", "[--all] [--json]",
	"Lists the proposals being followed up (waiting, replied, bounced,\n"
	"snoozed), soonest follow-up first.  NEXT shows the due date of "
	"the\n"
	"next follow-up ('!': overdue), 'decide' after a reply, 'fix "
	"address'\n"
	"after a bounce.\n"
	"\n"
	"  -a, --all    include closed proposals (won, lost, dropped)\n"
	"  -j, --json   a JSON array instead of a table: id, message_id,\n"
	"               subject, prospects, sent_at, state, round, "
	"touches,\n"
	"               next_due (YYYY-MM-DD or null), next_number, "
	"reason,\n"
	"               account\n"},
    {"show", "ID",
	"Shows everything about one proposal: its mail, prospects, why it "
	"is\n"
	"tracked, its follow-ups and its history.\n"},
    {"won", "ID", "Closes the proposal: the prospect said yes.\n"},
    {"lost", "ID", "Closes the proposal: the prospect said no.\n"},
    {"drop", "ID",
	"Closes the proposal without an answer: you gave up on it.\n"},
    {"notyet", "ID",
	"The prospect replied without a clear yes or no: follow up "
	"again,\n"
	"in a new round that starts now.\n"},
    {"reopen", "ID",
	"Reopens a won, lost or dropped proposal: it waits again, with "
	"a new\n"
	"round from now.\n"},
    {"snooze", "ID DATE",
	"No follow-up before DATE (YYYY-MM-DD, in the future); the "
	"proposal\n"
	"wakes up that day.\n"},
    {"touch", "ID --channel phone|meeting|other|mail [--note TEXT]",
	"Records a touch made outside your mail (a call, a meeting): the "
	"open\n"
	"follow-up is done and the next one is scheduled.\n"
	"\n"
	"  -C, --channel CHANNEL  phone, meeting, other or mail "
	"(required)\n"
	"  -n, --note TEXT        what was said, the agreed next step\n"},
    {"track", "MESSAGE-ID [--account NAME]",
	"Tracks a message you sent as a proposal, whatever the "
	"heuristic\n"
	"says.  The message must be in the store already (sync or "
	"import).\n"
	"\n"
	"  -A, --account NAME  the account the message was seen in\n"},
    {"untrack", "ID",
	"Stops tracking a proposal: it and its follow-ups are deleted "
	"and the\n"
	"message is never tracked again by the heuristic.  A "
	"crickets-track\n"
	"keyword on it is removed from the server.\n"},
    {"stats", "[--json]",
	"Prints how proposals ended, how many replied after each "
	"follow-up,\n"
	"how long replies took, and what is overdue or due today, set "
	"beside\n"
	"the research (most deals need five or more touches).\n"
	"  --json       one JSON object instead of text\n"},
    {"import", "[--account NAME] FILE|DIR...",
	"Reads mail files into the store, as a sync would: single "
	"messages\n"
	"(.eml), Maildirs (cur/ and new/) and directories of .eml files. "
	" All\n"
	"of them go in as one batch.  The messages you sent become "
	"proposals\n"
	"and touches, the others replies, auto-replies and bounces.\n"
	"\n"
	"  -A, --account NAME  the account to file them under (default: "
	"the\n"
	"                      first account in the config, or "
	"'local')\n"},
};

static const struct store_help *
store_help_find(const char *name)
{
	size_t i;

	for (i = 0; i < CRK_N_ELEMENTS(store_helps); i++) {
		if (strcmp(store_helps[i].name, name) == 0)
			return &store_helps[i];
	}
	return NULL;
}

static int
store_help(const char *name)
{
	const struct store_help *h = store_help_find(name);

	if (h == NULL)
		return EX_SOFTWARE;
	printf("Usage: crickets %s%s%s\n\n%s", h->name,
	    *h->usage != '\0' ? " " : "", h->usage, h->text);
	return EX_OK;
}

/* Parses a command that takes only --help and `n` positional arguments;
 * returns -1 to go on, else the exit code. */
static int
store_simple_args(int argc, char **argv, int n, const char *what)
{
	static const struct option options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (c == 'h')
			return store_help(argv[0]);
		return crk_cli_option_error(c, argv);
	}
	if (argc - optind != n)
		return crk_cli_usage_error(argv[0], "expected %s", what);
	return -1;
}

static int
store_fail(struct crk_cli *cli, const char *prefix, enum crk_status status,
    char **error)
{
	if (status == CRK_E_BUSY) {
		crk_cli_error("the store %s is locked by another crickets "
			      "process (or Claws Mail); try again",
		    cli->config->database);
	} else if (prefix != NULL) {
		crk_cli_error("%s: %s", prefix,
		    *error != NULL ? *error : crk_status_str(status));
	} else {
		crk_cli_error(
		    "%s", *error != NULL ? *error : crk_status_str(status));
	}
	crk_free_str(error);
	return crk_cli_exit_code(status);
}

static int
store_find(struct crk_cli *cli, const char *key, struct crk_proposal **p_r)
{
	char *error = NULL;
	enum crk_status status;

	status = crk_store_proposal_find(cli->store, key, p_r, &error);
	if (status != CRK_OK)
		return store_fail(cli, NULL, status, &error);
	return EX_OK;
}

static const char *
store_prospect_label(const struct crk_addr *a)
{
	if (a->name != NULL && *a->name != '\0')
		return a->name;
	return a->addr != NULL ? a->addr : "?";
}

/* ---- list ------------------------------------------------------------- */

static int
store_cmp_due(const void *a, const void *b)
{
	const struct crk_proposal *p = a, *q = b;
	/* CRK_DAY_NONE is INT32_MIN: no due date sorts last. */
	int64_t dp = p->next_due == CRK_DAY_NONE ? INT64_MAX : p->next_due;
	int64_t dq = q->next_due == CRK_DAY_NONE ? INT64_MAX : q->next_due;

	if (dp != dq)
		return dp < dq ? -1 : 1;
	if (p->sent_at != q->sent_at)
		return p->sent_at < q->sent_at ? -1 : 1;
	return p->id < q->id ? -1 : p->id > q->id;
}

void
crk_cli_json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void
store_list_json(const struct crk_proposal_list *list)
{
	char buf[32];
	size_t i, j;

	fputs("[", stdout);
	for (i = 0; i < list->count; i++) {
		const struct crk_proposal *p = &list->items[i];

		fputs(i == 0 ? "\n  {" : ",\n  {", stdout);
		fputs("\"id\": ", stdout);
		crk_cli_json_string(stdout, p->short_id);
		fputs(", \"message_id\": ", stdout);
		crk_cli_json_string(stdout, p->message_id);
		fputs(", \"account\": ", stdout);
		crk_cli_json_string(stdout, p->account);
		fputs(", \"subject\": ", stdout);
		crk_cli_json_string(stdout, p->subject);
		fputs(", \"prospects\": [", stdout);
		for (j = 0; j < p->prospects.count; j++) {
			if (j > 0)
				fputs(", ", stdout);
			crk_cli_json_string(stdout, p->prospects.items[j].addr);
		}
		fputs("], \"sent_at\": ", stdout);
		crk_cli_json_string(stdout,
		    p->sent_at != 0 ? crk_time_format(p->sent_at, buf) : NULL);
		fputs(", \"state\": ", stdout);
		crk_cli_json_string(stdout, crk_state_name(p->state));
		printf(", \"round\": %u, \"touches\": %u, \"next_due\": ",
		    p->round, p->touches);
		crk_cli_json_string(stdout,
		    p->next_due != CRK_DAY_NONE
			? crk_day_format(p->next_due, buf)
			: NULL);
		if (p->next_due != CRK_DAY_NONE)
			printf(", \"next_number\": %u", p->next_number);
		else
			fputs(", \"next_number\": null", stdout);
		fputs(", \"reason\": ", stdout);
		crk_cli_json_string(stdout, p->reason);
		fputs("}", stdout);
	}
	fputs(list->count > 0 ? "\n]\n" : "]\n", stdout);
}

/* buf: at least 16 bytes. */
static const char *
store_next_label(const struct crk_proposal *p, crk_day today, char *buf)
{
	if (crk_state_is_closed(p->state))
		return "-";
	if (p->next_due != CRK_DAY_NONE) {
		crk_day_format(p->next_due, buf);
		if (p->next_due < today)
			strcat(buf, "!");
		return buf;
	}
	if (p->state == CRK_STATE_REPLIED)
		return "decide";
	if (p->state == CRK_STATE_BOUNCED)
		return "fix address";
	return "-";
}

/* Display columns of a UTF-8 string, one per code point (good enough for
 * the names and subjects of a sales pipeline). */
static size_t
store_utf8_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	}
	return n;
}

/* Prints s cut to `width` columns without splitting a UTF-8 sequence; an
 * ellipsis marks the cut. */
static void
store_put_cut(const char *s, size_t width)
{
	size_t cols = 0, i = 0;

	if (store_utf8_width(s) <= width) {
		fputs(s, stdout);
		return;
	}
	if (width == 0)
		return;
	while (s[i] != '\0') {
		size_t len = 1;

		while ((s[i + len] & 0xC0) == 0x80)
			len++;
		if (cols + 1 >= width)
			break;
		fwrite(s + i, 1, len, stdout);
		cols++;
		i += len;
	}
	fputs("\xE2\x80\xA6", stdout);
}

/* Pads with spaces to `width` columns. */
static void
store_put_padded(const char *s, size_t width)
{
	size_t w = store_utf8_width(s);

	fputs(s, stdout);
	while (w++ < width)
		fputc(' ', stdout);
}

static size_t
store_terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

enum {
	COL_ID,
	COL_STATE,
	COL_ROUND,
	COL_TOUCHES,
	COL_NEXT,
	COL_PROSPECT,
	COL_SUBJECT,
	N_COLS
};

static void
store_list_table(const struct crk_proposal_list *list, crk_day today)
{
	static const char *const heads[N_COLS] = {
	    "ID",
	    "STATE",
	    "ROUND",
	    "TOUCHES",
	    "NEXT",
	    "PROSPECT",
	    "SUBJECT",
	};
	char ***cells;
	size_t width[N_COLS], i, k, line_max = 0;
	bool tty = isatty(STDOUT_FILENO) == 1;
	char buf[16];

	if (tty)
		line_max = store_terminal_width();
	cells = crk_xcalloc(list->count + 1, sizeof(*cells));
	cells[0] = crk_xcalloc(N_COLS, sizeof(**cells));
	for (k = 0; k < N_COLS; k++)
		cells[0][k] = crk_xstrdup(heads[k]);
	for (i = 0; i < list->count; i++) {
		const struct crk_proposal *p = &list->items[i];
		char **row = crk_xcalloc(N_COLS, sizeof(*row));
		char *c;

		row[COL_ID] = crk_xstrdup(p->short_id);
		row[COL_STATE] = crk_xstrdup(crk_state_name(p->state));
		row[COL_ROUND] = crk_xasprintf("%u", p->round);
		row[COL_TOUCHES] = crk_xasprintf("%u", p->touches);
		row[COL_NEXT] = crk_xstrdup(store_next_label(p, today, buf));
		if (p->prospects.count == 0)
			row[COL_PROSPECT] = crk_xstrdup("-");
		else if (p->prospects.count == 1)
			row[COL_PROSPECT] = crk_xstrdup(
			    store_prospect_label(&p->prospects.items[0]));
		else
			row[COL_PROSPECT] = crk_xasprintf("%s +%zu",
			    store_prospect_label(&p->prospects.items[0]),
			    p->prospects.count - 1);
		row[COL_SUBJECT] = crk_xstrdup(
		    p->subject != NULL ? p->subject : "(no subject)");
		/* A table cell is one line. */
		for (k = 0; k < N_COLS; k++) {
			for (c = row[k]; *c != '\0'; c++) {
				if ((unsigned char)*c < 0x20)
					*c = ' ';
			}
		}
		cells[i + 1] = row;
	}
	for (k = 0; k < N_COLS; k++) {
		width[k] = 0;
		for (i = 0; i <= list->count; i++) {
			size_t w = store_utf8_width(cells[i][k]);

			if (w > width[k])
				width[k] = w;
		}
	}
	/* On a terminal a long prospect gives way first (down to 8
	 * columns, so the subject keeps 16), then the subject is cut at the
	 * edge. */
	if (tty) {
		size_t fixed = 0, room;

		for (k = 0; k < COL_PROSPECT; k++)
			fixed += width[k] + 2;
		room = line_max > fixed + 1 ? line_max - fixed - 1 : 0;
		if (width[COL_PROSPECT] + 2 + 16 > room) {
			size_t w = room > 2 + 16 + 8 ? room - 2 - 16 : 8;

			if (w < width[COL_PROSPECT])
				width[COL_PROSPECT] = w;
		}
	}
	for (i = 0; i <= list->count; i++) {
		size_t used = 0;

		for (k = 0; k < N_COLS; k++) {
			const char *cell = cells[i][k];

			if (k == COL_SUBJECT) {
				if (tty)
					store_put_cut(cell,
					    line_max > used
						? line_max - used - 1
						: 0);
				else
					fputs(cell, stdout);
				break;
			}
			if (tty && store_utf8_width(cell) > width[k]) {
				store_put_cut(cell, width[k]);
				fputs("  ", stdout);
			} else {
				store_put_padded(cell, width[k] + 2);
			}
			used += width[k] + 2;
		}
		fputc('\n', stdout);
	}
	for (i = 0; i <= list->count; i++) {
		for (k = 0; k < N_COLS; k++)
			free(cells[i][k]);
		free(cells[i]);
	}
	free(cells);
}

int
crk_cmd_list(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct crk_proposal_list list = {0};
	bool all = false, json = false;
	char *error = NULL;
	enum crk_status status;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":ajh", options, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'j': json = true; break;
		case 'h': return store_help(argv[0]);
		default: return crk_cli_option_error(c, argv);
		}
	}
	if (optind < argc)
		return crk_cli_usage_error(
		    argv[0], "unexpected argument '%s'", argv[optind]);
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		return rc;
	status = crk_store_proposals(cli->store,
	    all ? CRK_PROPOSALS_ALL : CRK_PROPOSALS_ACTIVE, &list, &error);
	if (status != CRK_OK)
		return store_fail(cli, NULL, status, &error);
	if (list.count > 1)
		qsort(
		    list.items, list.count, sizeof(*list.items), store_cmp_due);
	if (json)
		store_list_json(&list);
	else if (list.count == 0)
		printf(all ? "No proposals tracked yet.\n"
			   : "No open proposals.\n");
	else
		store_list_table(&list, crk_day_of_time(cli->now));
	crk_proposal_list_clear(&list);
	return EX_OK;
}

/* ---- show ------------------------------------------------------------- */

static void
store_show_addr(const char *label, const struct crk_addr *a)
{
	if (a->name != NULL && *a->name != '\0')
		printf("%-12s %s <%s>\n", label, a->name,
		    a->addr != NULL ? a->addr : "");
	else
		printf("%-12s %s\n", label, a->addr != NULL ? a->addr : "-");
}

static void
store_show_time(const char *label, time_t t)
{
	char buf[32];

	if (t != 0)
		printf("%-12s %s\n", label, crk_time_format(t, buf));
}

static void
store_show_proposal(const struct crk_proposal *p, time_t now)
{
	struct crk_addr from = {p->from_addr, p->from_name};
	char buf[32];
	size_t i;

	printf("Proposal %s: %s, round %u\n", p->short_id,
	    crk_state_name(p->state), p->round);
	printf("%-12s %s\n",
	    "Subject:", p->subject != NULL ? p->subject : "(no subject)");
	printf("%-12s <%s>\n", "Message-ID:", p->message_id);
	printf("%-12s %s\n", "Account:", p->account);
	store_show_addr("From:", &from);
	store_show_time("Sent:", p->sent_at);
	for (i = 0; i < p->prospects.count; i++)
		store_show_addr(
		    i == 0 ? "Prospects:" : "", &p->prospects.items[i]);
	if (p->prospects.count == 0)
		printf("%-12s -\n", "Prospects:");
	for (i = 0; i < p->attachments.count; i++)
		printf("%-12s %s\n", i == 0 ? "Attachments:" : "",
		    p->attachments.items[i]);
	printf("%-12s %s\n", "Reason:", p->reason != NULL ? p->reason : "-");
	store_show_time("Round since:", p->round_start);
	printf("%-12s %u\n", "Touches:", p->touches);
	store_show_time("Last touch:", p->last_touch);
	if (p->last_reply != 0) {
		printf("%-12s %s%s%s\n",
		    "Last reply:", crk_time_format(p->last_reply, buf),
		    p->last_reply_from != NULL ? " from " : "",
		    p->last_reply_from != NULL ? p->last_reply_from : "");
	}
	if (p->snooze_until != CRK_DAY_NONE)
		printf("%-12s %s\n",
		    "Snoozed to:", crk_day_format(p->snooze_until, buf));
	store_show_time("Closed:", p->closed_at);
	if (p->next_due != CRK_DAY_NONE) {
		crk_day today = crk_day_of_time(now);

		printf("%-12s follow-up #%u due %s%s\n",
		    "Next:", p->next_number, crk_day_format(p->next_due, buf),
		    p->next_due < today        ? " (overdue)"
			: p->next_due == today ? " (today)"
					       : "");
	} else if (p->state == CRK_STATE_REPLIED) {
		printf("%-12s decide: won, lost or not yet?\n", "Next:");
	} else if (p->state == CRK_STATE_BOUNCED) {
		printf("%-12s fix the address, then 'crickets notyet %s'\n",
		    "Next:", p->short_id);
	}
}

static void
store_show_followups(const struct crk_followup_list *list)
{
	char buf[16];
	size_t i;

	printf("\nFollow-ups:\n");
	if (list->count == 0) {
		printf("  none yet\n");
		return;
	}
	printf("  %-6s %-3s %-10s  %-8s %s\n", "ROUND", "#", "DUE", "STATE",
	    "CHANNEL");
	for (i = 0; i < list->count; i++) {
		const struct crk_followup *f = &list->items[i];

		printf("  %-6u %-3u %-10s  %-8s %s\n", f->round, f->number,
		    f->due != CRK_DAY_NONE ? crk_day_format(f->due, buf) : "-",
		    crk_followup_state_name(f->state),
		    f->channel != NULL ? f->channel : "-");
	}
}

static void
store_show_events(const struct crk_event_list *list)
{
	char buf[32];
	size_t i;

	printf("\nHistory:\n");
	if (list->count == 0) {
		printf("  nothing yet\n");
		return;
	}
	for (i = 0; i < list->count; i++) {
		const struct crk_event *e = &list->items[i];

		printf("  %s  %s", crk_time_format(e->at, buf), e->type);
		if (e->channel != NULL)
			printf(" (%s)", e->channel);
		if (e->day_arg != CRK_DAY_NONE)
			printf(" until %s", crk_day_format(e->day_arg, buf));
		if (e->from_addr != NULL)
			printf(" from %s", e->from_addr);
		if (e->message_id != NULL)
			printf(" <%s>", e->message_id);
		if (e->source != NULL && strcmp(e->source, "mail") != 0)
			printf(" [%s]", e->source);
		if (e->note != NULL && *e->note != '\0')
			printf(": %s", e->note);
		fputc('\n', stdout);
	}
}

int
crk_cmd_show(struct crk_cli *cli, int argc, char **argv)
{
	struct crk_proposal *p = NULL;
	struct crk_followup_list followups = {0};
	struct crk_event_list events = {0};
	char *error = NULL;
	enum crk_status status;
	int rc;

	if ((rc = store_simple_args(argc, argv, 1, "one proposal ID")) >= 0)
		return rc;
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		return rc;
	if ((rc = store_find(cli, argv[optind], &p)) != EX_OK)
		return rc;
	status =
	    crk_store_followups(cli->store, p->id, false, &followups, &error);
	if (status == CRK_OK)
		status = crk_store_events(cli->store, p->id, &events, &error);
	if (status != CRK_OK) {
		rc = store_fail(cli, NULL, status, &error);
		goto out;
	}
	store_show_proposal(p, cli->now);
	store_show_followups(&followups);
	store_show_events(&events);
out:
	crk_followup_list_clear(&followups);
	crk_event_list_clear(&events);
	crk_proposal_free(&p);
	return rc;
}

/* ---- the rep's actions ------------------------------------------------ */

/* "k3x9qa: <done>", plus the next follow-up when there is one. */
static void
store_confirm(struct crk_cli *cli, const char *key, const char *done)
{
	struct crk_proposal *p = NULL;
	char buf[16];

	if (crk_store_proposal_find(cli->store, key, &p, NULL) != CRK_OK) {
		printf("%s: %s\n", key, done);
		return;
	}
	if (!crk_state_is_closed(p->state) && p->next_due != CRK_DAY_NONE)
		printf("%s: %s; follow-up #%u due %s\n", p->short_id, done,
		    p->next_number, crk_day_format(p->next_due, buf));
	else
		printf("%s: %s\n", p->short_id, done);
	crk_proposal_free(&p);
}

enum store_action {
	ACTION_WON,
	ACTION_LOST,
	ACTION_DROP,
	ACTION_NOTYET,
	ACTION_REOPEN,
	ACTION_UNTRACK,
};

/* Queues the keywords that mirror a close (or a reopen; or an untrack,
 * which removes crickets-track) on the proposal message and tries to set
 * them at once.  Returns true when it printed
 * the confirmation itself (the server could not be reached). */
static bool
store_keywords(struct crk_cli *cli, const struct crk_proposal *p,
    enum store_action action, const char *done)
{
	const char *keyword = action == ACTION_WON ? CRK_KEYWORD_WON
	    : action == ACTION_LOST                ? CRK_KEYWORD_LOST
	    : action == ACTION_DROP                ? CRK_KEYWORD_DROP
						   : NULL;
	const struct crk_account_config *acc = NULL;
	char *error = NULL;
	enum crk_status st;
	size_t i;

	st = action == ACTION_UNTRACK
	    ? crk_keywords_queue_untrack(
		  cli->store, p->account, p->message_id, cli->now, &error)
	    : crk_keywords_queue(cli->store, p->account, p->message_id, keyword,
		  cli->now, &error);
	if (st != CRK_OK) {
		crk_warn("%s: keyword not queued: %s", p->short_id,
		    error != NULL ? error : crk_status_str(st));
		free(error);
		return false;
	}
	for (i = 0; cli->config != NULL && i < cli->config->n_accounts; i++)
		if (strcmp(cli->config->accounts[i].name, p->account) == 0)
			acc = &cli->config->accounts[i];
	if (acc == NULL)
		return false;
	st = crk_keywords_sync_account(
	    cli->store, acc, CRK_KEYWORDS_TIMEOUT, NULL, &error);
	if (st == CRK_OK)
		return false;
	crk_debug(
	    "%s: %s", p->short_id, error != NULL ? error : crk_status_str(st));
	free(error);
	printf("%s: %s (the keyword will be set on the server at the next "
	       "sync)\n",
	    p->short_id, done);
	return true;
}

static int
store_action(
    struct crk_cli *cli, int argc, char **argv, enum store_action action)
{
	static const char *const done[] = {
	    "won",
	    "lost",
	    "dropped",
	    "not yet, new round",
	    "reopened",
	    "untracked",
	};
	struct crk_proposal *p = NULL;
	char *error = NULL, *short_id = NULL;
	enum crk_status status = CRK_OK;
	int rc;

	if ((rc = store_simple_args(argc, argv, 1, "one proposal ID")) >= 0)
		return rc;
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		return rc;
	if ((rc = store_find(cli, argv[optind], &p)) != EX_OK)
		return rc;
	switch (action) {
	case ACTION_WON:
	case ACTION_LOST:
	case ACTION_DROP:
		status = crk_engine_close(cli->engine, p->id,
		    action == ACTION_WON        ? CRK_STATE_WON
			: action == ACTION_LOST ? CRK_STATE_LOST
						: CRK_STATE_DROPPED,
		    "cli", cli->now, &error);
		break;
	case ACTION_NOTYET:
		status = crk_engine_notyet(
		    cli->engine, p->id, "cli", cli->now, &error);
		break;
	case ACTION_REOPEN:
		status = crk_engine_reopen(
		    cli->engine, p->id, "cli", cli->now, &error);
		break;
	case ACTION_UNTRACK:
		status = crk_engine_untrack(cli->engine, p->id, &error);
		break;
	}
	if (status != CRK_OK) {
		rc = store_fail(cli, p->short_id, status, &error);
		goto out;
	}
	short_id = crk_xstrdup(p->short_id);
	if (action == ACTION_UNTRACK) {
		if (!store_keywords(cli, p, action, done[action]))
			printf("%s: %s\n", short_id, done[action]);
	} else if (action == ACTION_NOTYET ||
	    !store_keywords(cli, p, action, done[action])) {
		store_confirm(cli, short_id, done[action]);
	}
out:
	free(short_id);
	crk_proposal_free(&p);
	return rc;
}

int
crk_cmd_won(struct crk_cli *cli, int argc, char **argv)
{
	return store_action(cli, argc, argv, ACTION_WON);
}

int
crk_cmd_lost(struct crk_cli *cli, int argc, char **argv)
{
	return store_action(cli, argc, argv, ACTION_LOST);
}

int
crk_cmd_drop(struct crk_cli *cli, int argc, char **argv)
{
	return store_action(cli, argc, argv, ACTION_DROP);
}

int
crk_cmd_notyet(struct crk_cli *cli, int argc, char **argv)
{
	return store_action(cli, argc, argv, ACTION_NOTYET);
}

int
crk_cmd_reopen(struct crk_cli *cli, int argc, char **argv)
{
	return store_action(cli, argc, argv, ACTION_REOPEN);
}

int
crk_cmd_untrack(struct crk_cli *cli, int argc, char **argv)
{
	return store_action(cli, argc, argv, ACTION_UNTRACK);
}

int
crk_cmd_snooze(struct crk_cli *cli, int argc, char **argv)
{
	struct crk_proposal *p = NULL;
	char *error = NULL, *done = NULL;
	char buf[16];
	crk_day until;
	enum crk_status status;
	int rc;

	if ((rc = store_simple_args(
		 argc, argv, 2, "a proposal ID and a date (YYYY-MM-DD)")) >= 0)
		return rc;
	/* Open first: the config's time zone says which day "today" is. */
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		return rc;
	if (crk_day_parse(argv[optind + 1], &until, &error) != CRK_OK) {
		rc = crk_cli_usage_error(argv[0], "bad date '%s': %s",
		    argv[optind + 1], error != NULL ? error : "use YYYY-MM-DD");
		free(error);
		return rc;
	}
	if (until <= crk_day_of_time(cli->now))
		return crk_cli_usage_error(
		    argv[0], "%s is not in the future", argv[optind + 1]);
	if ((rc = store_find(cli, argv[optind], &p)) != EX_OK)
		return rc;
	status = crk_engine_snooze(
	    cli->engine, p->id, until, "cli", cli->now, &error);
	if (status != CRK_OK) {
		rc = store_fail(cli, p->short_id, status, &error);
		goto out;
	}
	done = crk_xasprintf("snoozed until %s", crk_day_format(until, buf));
	printf("%s: %s\n", p->short_id, done);
out:
	free(done);
	crk_proposal_free(&p);
	return rc;
}

int
crk_cmd_touch(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"channel", required_argument, NULL, 'C'},
	    {"note", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const channels[] = {
	    "phone",
	    "meeting",
	    "other",
	    "mail",
	};
	struct crk_proposal *p = NULL;
	const char *channel = NULL, *note = NULL;
	char *error = NULL, *done = NULL, *short_id = NULL;
	enum crk_status status;
	size_t i;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":C:n:h", options, NULL)) != -1) {
		switch (c) {
		case 'C': channel = optarg; break;
		case 'n': note = optarg; break;
		case 'h': return store_help(argv[0]);
		default: return crk_cli_option_error(c, argv);
		}
	}
	if (argc - optind != 1)
		return crk_cli_usage_error(argv[0], "expected one proposal ID");
	if (channel == NULL)
		return crk_cli_usage_error(argv[0],
		    "say how you got in touch: "
		    "--channel phone, meeting, other or mail");
	for (i = 0; i < CRK_N_ELEMENTS(channels); i++) {
		if (strcmp(channel, channels[i]) == 0)
			break;
	}
	if (i == CRK_N_ELEMENTS(channels))
		return crk_cli_usage_error(argv[0],
		    "unknown channel '%s' (use "
		    "phone, meeting, other or mail)",
		    channel);
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		return rc;
	if ((rc = store_find(cli, argv[optind], &p)) != EX_OK)
		return rc;
	status = crk_engine_touch(
	    cli->engine, p->id, channels[i], note, "cli", cli->now, &error);
	if (status != CRK_OK) {
		rc = store_fail(cli, p->short_id, status, &error);
		goto out;
	}
	done = crk_xasprintf("touch (%s) recorded", channels[i]);
	short_id = crk_xstrdup(p->short_id);
	store_confirm(cli, short_id, done);
out:
	free(done);
	free(short_id);
	crk_proposal_free(&p);
	return rc;
}

/* ---- track ------------------------------------------------------------ */

int
crk_cmd_track(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"account", required_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *account = NULL;
	char *mid = NULL, *error = NULL, *key = NULL;
	int64_t id = 0;
	enum crk_status status;
	size_t len;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":A:h", options, NULL)) != -1) {
		switch (c) {
		case 'A': account = optarg; break;
		case 'h': return store_help(argv[0]);
		default: return crk_cli_option_error(c, argv);
		}
	}
	if (argc - optind != 1)
		return crk_cli_usage_error(argv[0], "expected one Message-ID");
	mid = crk_str_trim(crk_xstrdup(argv[optind]));
	len = strlen(mid);
	if (len >= 2 && mid[0] == '<' && mid[len - 1] == '>') {
		memmove(mid, mid + 1, len - 2);
		mid[len - 2] = '\0';
	}
	if (*mid == '\0') {
		free(mid);
		return crk_cli_usage_error(argv[0], "empty Message-ID");
	}
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		goto out;
	status = crk_engine_track(
	    cli->engine, account, mid, "cli", cli->now, &id, &error);
	if (status != CRK_OK) {
		rc = store_fail(cli, NULL, status, &error);
		goto out;
	}
	key = crk_xasprintf("%lld", (long long)id);
	{
		struct crk_proposal *p = NULL;

		if (crk_store_proposal_find(cli->store, key, &p, NULL) ==
		    CRK_OK) {
			free(key);
			key = crk_xstrdup(p->short_id);
			crk_proposal_free(&p);
		}
	}
	store_confirm(cli, key, "tracked");
out:
	free(key);
	free(mid);
	return rc;
}

/* ---- stats ------------------------------------------------------------ */

static void
store_stats_print(const struct crk_stats *s)
{
	static const enum crk_state order[] = {
	    CRK_STATE_WAITING,
	    CRK_STATE_REPLIED,
	    CRK_STATE_BOUNCED,
	    CRK_STATE_SNOOZED,
	    CRK_STATE_WON,
	    CRK_STATE_LOST,
	    CRK_STATE_DROPPED,
	};
	unsigned closed;
	size_t i;
	bool first = true;

	printf("Proposals: %u", s->proposals);
	for (i = 0; i < CRK_N_ELEMENTS(order); i++) {
		if (s->by_state[order[i]] == 0)
			continue;
		printf("%s%s %u", first ? " (" : ", ", crk_state_name(order[i]),
		    s->by_state[order[i]]);
		first = false;
	}
	printf("%s\n", first ? "" : ")");
	closed = s->by_state[CRK_STATE_WON] + s->by_state[CRK_STATE_LOST] +
	    s->by_state[CRK_STATE_DROPPED];
	if (closed > 0)
		printf("Won: %u of %u closed (%.0f%%)\n",
		    s->by_state[CRK_STATE_WON], closed,
		    100.0 * s->by_state[CRK_STATE_WON] / closed);
	if (s->proposals > 0)
		printf("Replied: %u of %u (%.0f%%)\n", s->replies, s->proposals,
		    100.0 * s->replies / s->proposals);
	if (s->reached[0] > 0) {
		printf("\nReplies by follow-ups sent before them:\n");
		for (i = 0; i < CRK_STATS_TOUCHES; i++) {
			if (s->reached[i] == 0)
				continue;
			printf("  after touch %zu%s: %u of %u (%.0f%%)\n", i,
			    i == CRK_STATS_TOUCHES - 1 ? "+" : "",
			    s->replied_after[i], s->reached[i],
			    100.0 * s->replied_after[i] / s->reached[i]);
		}
		printf("\n");
	}
	if (s->days_to_reply_median >= 0)
		printf("Days to first reply: median %.1f, mean %.1f\n",
		    s->days_to_reply_median, s->days_to_reply_mean);
	else
		printf("Days to first reply: no replies yet\n");
	printf("Follow-ups overdue: %u\n", s->overdue);
	printf("Follow-ups due today: %u\n", s->due_today);
	printf("\nThe research: most deals need %u or more touches; 44%% of "
	       "reps stop\nafter one follow-up.\n",
	    CRK_STATS_RESEARCH_TOUCHES);
	if (s->silent > 0)
		printf("You stopped before the fifth touch on %u of %u silent "
		       "proposals.\n",
		    s->stopped_before_fifth, s->silent);
	else
		printf("You have no silent proposals.\n");
}

/* A number of days, or null. */
static void
store_json_days(double days)
{
	if (days < 0)
		fputs("null", stdout);
	else
		printf("%.2f", days);
}

static void
store_stats_json(const struct crk_stats *s)
{
	size_t i, last = 0;
	int state;

	printf("{\n  \"proposals\": %u,\n  \"by_state\": {", s->proposals);
	for (state = CRK_STATE_WAITING; state <= CRK_STATE_DROPPED; state++) {
		fputs(state == CRK_STATE_WAITING ? "" : ", ", stdout);
		crk_cli_json_string(
		    stdout, crk_state_name((enum crk_state)state));
		printf(": %u", s->by_state[state]);
	}
	fputs("},\n  \"reply_rate_by_touch\": [", stdout);
	for (i = 0; i < CRK_STATS_TOUCHES; i++)
		if (s->reached[i] > 0)
			last = i + 1;
	for (i = 0; i < last; i++) {
		printf("%s{\"touch\": %zu, \"reached\": %u, "
		       "\"replied\": %u, \"rate\": ",
		    i == 0 ? "\n    " : ",\n    ", i, s->reached[i],
		    s->replied_after[i]);
		if (s->reached[i] > 0)
			printf("%.4f}",
			    (double)s->replied_after[i] / s->reached[i]);
		else
			fputs("null}", stdout);
	}
	fputs(last > 0 ? "\n  ],\n" : "],\n", stdout);
	fputs("  \"days_to_reply\": ", stdout);
	if (s->days_to_reply_median < 0) {
		fputs("null", stdout);
	} else {
		fputs("{\"median\": ", stdout);
		store_json_days(s->days_to_reply_median);
		fputs(", \"mean\": ", stdout);
		store_json_days(s->days_to_reply_mean);
		fputs("}", stdout);
	}
	printf(",\n  \"overdue\": %u,\n  \"due_today\": %u,\n"
	       "  \"silent\": %u,\n  \"stopped_before_fifth\": %u\n}\n",
	    s->overdue, s->due_today, s->silent, s->stopped_before_fifth);
}

int
crk_cmd_stats(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct crk_stats stats;
	char *error = NULL;
	enum crk_status status;
	bool json = false;
	int rc, c;

	while ((c = getopt_long(argc, argv, ":jh", options, NULL)) != -1) {
		if (c == 'h')
			return store_help(argv[0]);
		if (c != 'j')
			return crk_cli_option_error(c, argv);
		json = true;
	}
	if (argc != optind)
		return crk_cli_usage_error(argv[0], "expected no arguments");
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		return rc;
	memset(&stats, 0, sizeof(stats));
	status = crk_stats_compute(cli->store, cli->now, &stats, &error);
	if (status != CRK_OK)
		return store_fail(cli, NULL, status, &error);
	if (json)
		store_stats_json(&stats);
	else
		store_stats_print(&stats);
	return EX_OK;
}

/* ---- import ----------------------------------------------------------- */

static int
store_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
store_has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);

	return n > m && crk_strcasecmp(name + n - m, suffix) == 0;
}

/* Adds the regular files of dir (all of them, or only *.eml), sorted. */
static bool
store_scan_dir(const char *dir, bool eml_only, struct crk_strv *files)
{
	struct crk_strv names = {0};
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;

	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (eml_only && !store_has_suffix(de->d_name, ".eml"))
			continue;
		crk_strv_add(&names, de->d_name);
	}
	closedir(d);
	if (names.count > 1)
		qsort(names.items, names.count, sizeof(*names.items),
		    store_strcmp);
	for (i = 0; i < names.count; i++) {
		char *path = crk_xasprintf("%s/%s", dir, names.items[i]);
		struct stat st;

		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			crk_strv_add_owned(files, path);
		else
			free(path);
	}
	crk_strv_clear(&names);
	return true;
}

int
crk_cli_message_files(
    const char *cmd, char **args, int n, struct crk_strv *files)
{
	int i;

	for (i = 0; i < n; i++) {
		struct stat st;
		char *cur, *new_dir;
		bool maildir;

		if (stat(args[i], &st) != 0) {
			crk_cli_error("%s: cannot read %s: %s", cmd, args[i],
			    strerror(errno));
			return EX_NOINPUT;
		}
		if (!S_ISDIR(st.st_mode)) {
			crk_strv_add(files, args[i]);
			continue;
		}
		cur = crk_xasprintf("%s/cur", args[i]);
		new_dir = crk_xasprintf("%s/new", args[i]);
		maildir = stat(cur, &st) == 0 && S_ISDIR(st.st_mode);
		maildir =
		    (stat(new_dir, &st) == 0 && S_ISDIR(st.st_mode)) || maildir;
		if (maildir) {
			store_scan_dir(cur, false, files);
			store_scan_dir(new_dir, false, files);
		} else if (!store_scan_dir(args[i], true, files)) {
			crk_cli_error("%s: cannot read %s: %s", cmd, args[i],
			    strerror(errno));
			free(cur);
			free(new_dir);
			return EX_NOINPUT;
		}
		free(cur);
		free(new_dir);
	}
	return EX_OK;
}

char *
crk_cli_read_message(
    const char *path, size_t *len_r, time_t *mtime_r, char **error_r)
{
	struct stat st;
	char *raw = crk_read_file(path, STORE_MAX_MESSAGE, &st, len_r, error_r);

	if (raw != NULL)
		*mtime_r = st.st_mtime;
	return raw;
}

static enum crk_status
store_count_proposals(struct crk_cli *cli, size_t *count_r, char **error_r)
{
	struct crk_proposal_list list = {0};
	enum crk_status status;

	status =
	    crk_store_proposals(cli->store, CRK_PROPOSALS_ALL, &list, error_r);
	*count_r = list.count;
	crk_proposal_list_clear(&list);
	return status;
}

int
crk_cmd_import(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"account", required_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct crk_strv files = {0};
	const char *account = NULL;
	char *error = NULL;
	size_t i, imported = 0, skipped = 0, before = 0, after = 0;
	bool in_batch = false;
	enum crk_status status;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":A:h", options, NULL)) != -1) {
		switch (c) {
		case 'A': account = optarg; break;
		case 'h': return store_help(argv[0]);
		default: return crk_cli_option_error(c, argv);
		}
	}
	if (optind >= argc)
		return crk_cli_usage_error(argv[0],
		    "expected mail files or "
		    "directories");
	if (account != NULL && *account == '\0')
		return crk_cli_usage_error(argv[0], "empty account name");
	if ((rc = crk_cli_message_files(
		 "import", argv + optind, argc - optind, &files)) != EX_OK)
		goto out;
	if ((rc = crk_cli_open_store(cli)) != EX_OK)
		goto out;
	if (account == NULL)
		account = cli->config->n_accounts > 0
		    ? cli->config->accounts[0].name
		    : "local";
	if ((status = store_count_proposals(cli, &before, &error)) != CRK_OK ||
	    (status = crk_engine_begin(cli->engine, &error)) != CRK_OK) {
		rc = store_fail(cli, "import", status, &error);
		goto out;
	}
	in_batch = true;
	for (i = 0; i < files.count; i++) {
		const char *path = files.items[i];
		struct crk_message *msg = NULL;
		time_t mtime = 0;
		size_t len = 0;
		char *raw = crk_cli_read_message(path, &len, &mtime, &error);

		if (raw == NULL) {
			crk_warn("import: skipping %s: %s", path, error);
			crk_free_str(&error);
			skipped++;
			continue;
		}
		status = crk_message_parse_full(raw, len, &msg, &error);
		free(raw);
		if (status != CRK_OK) {
			crk_warn("import: skipping %s: %s", path,
			    error != NULL ? error : "not a mail message");
			crk_free_str(&error);
			skipped++;
			continue;
		}
		/* A file's arrival time is the closest thing to IMAP's
		 * INTERNALDATE; the Date header wins when there is one, so
		 * copied files keep their story. */
		if (msg->internal_date == 0)
			msg->internal_date = msg->date != 0 ? msg->date : mtime;
		status = crk_engine_ingest(
		    cli->engine, account, msg, NULL, cli->now, &error);
		crk_message_free(&msg);
		if (status != CRK_OK) {
			crk_error_prefix(&error, "%s", path);
			rc = store_fail(cli, "import", status, &error);
			goto out;
		}
		imported++;
	}
	in_batch = false;
	if ((status = crk_engine_commit(cli->engine, cli->now, &error)) !=
		CRK_OK ||
	    (status = store_count_proposals(cli, &after, &error)) != CRK_OK) {
		rc = store_fail(cli, "import", status, &error);
		goto out;
	}
	printf("imported %zu message%s", imported, imported == 1 ? "" : "s");
	if (skipped > 0)
		printf(" (%zu skipped)", skipped);
	printf(" into account '%s'; %zu new proposal%s, %zu in all\n", account,
	    after - before, after - before == 1 ? "" : "s", after);
	if (imported == 0 && files.count > 0)
		rc = EX_DATAERR;
out:
	if (in_batch)
		crk_engine_rollback(cli->engine);
	crk_strv_clear(&files);
	return rc;
}
