/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `crickets classify`: what crickets makes of mail files, and why.  It
 * answers "why did crickets (not) count this reply?" without touching the
 * store: the same parser and rules as import, the plugin and the sync. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "core/date.h"
#include "core/message.h"
#include "core/normalize.h"
#include "core/ooo.h"
#include "watcher/cli.h"

/* What a delivery report means: RFC 3464's actions other than "failed"
 * are notices; a report without an action (prose bounces) failed. */
static const char *
classify_label(enum crk_kind kind, const struct crk_message *msg)
{
	if (kind != CRK_KIND_BOUNCE)
		return crk_kind_name(kind);
	if (msg->dsn_action == NULL || *msg->dsn_action == '\0' ||
	    strcmp(msg->dsn_action, "failed") == 0)
		return "bounce";
	return "delivery-notice";
}

/* The headers and parts the rules looked at, as "name=value" words. */
static void
classify_signals(const struct crk_message *msg, struct crk_strv *out)
{
	if (msg->auto_submitted != NULL)
		crk_strv_add_owned(out,
		    crk_xasprintf("Auto-Submitted=%s", msg->auto_submitted));
	if (msg->precedence != NULL)
		crk_strv_add_owned(
		    out, crk_xasprintf("Precedence=%s", msg->precedence));
	if (msg->x_autoreply)
		crk_strv_add(out, "X-Autoreply");
	if (msg->x_autorespond)
		crk_strv_add(out, "X-Autorespond");
	if (msg->list_id != NULL)
		crk_strv_add_owned(
		    out, crk_xasprintf("List-Id=%s", msg->list_id));
	if (msg->list_unsubscribe)
		crk_strv_add(out, "List-Unsubscribe");
	if (msg->report_type != NULL)
		crk_strv_add_owned(
		    out, crk_xasprintf("report-type=%s", msg->report_type));
	if (msg->return_path != NULL && msg->return_path[0] == '\0')
		crk_strv_add(out, "Return-Path=<>");
	if (msg->from.addr != NULL && crk_addr_is_mailer_daemon(msg->from.addr))
		crk_strv_add(out, "sender is a delivery system");
	if (crk_classify_is_bounce_subject(msg->subject))
		crk_strv_add(out, "bounce subject");
	if (crk_classify_is_ooo_subject(msg->subject))
		crk_strv_add(out, "out-of-office subject");
	if (msg->dsn_action != NULL)
		crk_strv_add_owned(
		    out, crk_xasprintf("Action=%s", msg->dsn_action));
}

static void
classify_json_strv(const struct crk_strv *v)
{
	size_t i;

	putchar('[');
	for (i = 0; i < v->count; i++) {
		if (i > 0)
			fputs(", ", stdout);
		crk_cli_json_string(stdout, v->items[i]);
	}
	putchar(']');
}

static void
classify_print(const char *path, const struct crk_rules *rules,
    const struct crk_message *msg, bool json, bool first)
{
	enum crk_kind kind = crk_classify_kind(rules, msg);
	struct crk_strv signals = {0};
	char *reason = NULL, *day_text = NULL, day_buf[16];
	enum crk_verdict verdict = CRK_VERDICT_NO;
	crk_day day;

	classify_signals(msg, &signals);
	if (kind == CRK_KIND_OWN)
		verdict = crk_classify_proposal(rules, msg, &reason);
	if (kind == CRK_KIND_AUTOREPLY && msg->body_text != NULL &&
	    crk_ooo_return_date(msg->body_text,
		msg->date != 0 ? msg->date : msg->internal_date, &day))
		day_text = crk_day_format(day, day_buf);

	if (json) {
		fputs(first ? "[\n  {" : ",\n  {", stdout);
		fputs("\"file\": ", stdout);
		crk_cli_json_string(stdout, path);
		fputs(", \"kind\": ", stdout);
		crk_cli_json_string(stdout, classify_label(kind, msg));
		fputs(", \"message_id\": ", stdout);
		crk_cli_json_string(stdout, msg->message_id);
		fputs(", \"from\": ", stdout);
		crk_cli_json_string(stdout, msg->from.addr);
		fputs(", \"subject\": ", stdout);
		crk_cli_json_string(stdout, msg->subject);
		fputs(", \"in_reply_to\": ", stdout);
		crk_cli_json_string(stdout, msg->in_reply_to);
		fputs(", \"failed_recipients\": ", stdout);
		classify_json_strv(&msg->failed_recipients);
		fputs(", \"returned_message_id\": ", stdout);
		crk_cli_json_string(stdout, msg->dsn_message_id);
		fputs(", \"dsn_action\": ", stdout);
		crk_cli_json_string(stdout, msg->dsn_action);
		fputs(", \"return_date\": ", stdout);
		crk_cli_json_string(stdout, day_text);
		fputs(", \"signals\": ", stdout);
		classify_json_strv(&signals);
		if (kind == CRK_KIND_OWN) {
			fputs(", \"proposal\": ", stdout);
			fputs(verdict == CRK_VERDICT_YES ? "true" : "false",
			    stdout);
			fputs(", \"reason\": ", stdout);
			crk_cli_json_string(stdout, reason);
		}
		putchar('}');
	} else {
		char *joined;

		printf("%s: %s\n", path, classify_label(kind, msg));
		if (msg->subject != NULL)
			printf("  subject: %s\n", msg->subject);
		if (msg->from.addr != NULL)
			printf("  from: %s\n", msg->from.addr);
		if (msg->in_reply_to != NULL)
			printf("  in reply to: <%s>\n", msg->in_reply_to);
		if (msg->failed_recipients.count > 0) {
			joined = crk_strv_join(&msg->failed_recipients, ", ");
			printf("  failed recipients: %s\n", joined);
			free(joined);
		}
		if (msg->dsn_message_id != NULL)
			printf(
			    "  returned message: <%s>\n", msg->dsn_message_id);
		if (day_text != NULL)
			printf("  back on: %s\n", day_text);
		if (kind == CRK_KIND_OWN)
			printf("  proposal: %s (%s)\n",
			    verdict == CRK_VERDICT_YES ? "yes" : "no",
			    reason != NULL ? reason : "");
		if (signals.count > 0) {
			joined = crk_strv_join(&signals, "; ");
			printf("  signals: %s\n", joined);
			free(joined);
		}
	}
	crk_strv_clear(&signals);
	free(reason);
}

int
crk_cmd_classify(struct crk_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct crk_strv files = {0};
	bool json = false, first = true;
	int c, rc, bad = 0;
	size_t i;

	while ((c = getopt_long(argc, argv, ":jh", options, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h':
			printf("usage: crickets classify [--json] "
			       "FILE|DIR...\n\n"
			       "Says what crickets makes of each mail: own "
			       "(and whether it is a proposal),\nbounce, "
			       "delivery-notice (delayed or delivered), "
			       "auto-reply, list, internal\nor inbound (a "
			       "person: a reply when it answers a proposal), "
			       "with the\nfailed recipients and returned "
			       "Message-ID of a bounce, the return date of\n"
			       "an out-of-office, and the signals it saw.  "
			       "DIR: its *.eml files, or a\nMaildir.  Uses "
			       "the identities and words of the config; "
			       "changes nothing.\n\n"
			       "  -j, --json   a JSON array, one object per "
			       "file\n");
			return EX_OK;
		default: return crk_cli_option_error(c, argv);
		}
	}
	if (optind >= argc)
		return crk_cli_usage_error(argv[0], "no mail file given");
	if ((rc = crk_cli_load_config(cli, true)) != EX_OK)
		return rc;
	rc = crk_cli_message_files(
	    argv[0], argv + optind, argc - optind, &files);
	if (rc != EX_OK)
		goto out;
	for (i = 0; i < files.count; i++) {
		struct crk_message *msg = NULL;
		char *raw, *error = NULL;
		size_t len = 0;
		time_t mtime = 0;

		raw =
		    crk_cli_read_message(files.items[i], &len, &mtime, &error);
		if (raw != NULL &&
		    crk_message_parse_full(raw, len, &msg, &error) == CRK_OK) {
			if (msg->internal_date == 0)
				msg->internal_date =
				    msg->date != 0 ? msg->date : mtime;
			classify_print(files.items[i], &cli->config->rules, msg,
			    json, first);
			first = false;
		} else {
			crk_cli_error("classify: %s: %s", files.items[i],
			    error != NULL ? error : "not a mail message");
			bad++;
		}
		crk_message_free(&msg);
		free(error);
		free(raw);
	}
	if (json)
		fputs(first ? "[]\n" : "\n]\n", stdout);
	rc = bad > 0 ? EX_DATAERR : EX_OK;
out:
	crk_strv_clear(&files);
	return rc;
}
