/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sample sales mailbox of `crickets demo`, dated around a fixed day. */
#ifndef CRK_DEMO_H
#define CRK_DEMO_H

#include <stddef.h>
#include <time.h>

#include "core/common.h"

/* The day the demo acts on (--now of its sync), local noon on it. */
#define CRK_DEMO_NOW "2026-11-18T09:00"
/* The rep of the sample mailbox and the login of the private dovecot. */
#define CRK_DEMO_IDENTITY "robin@demo.example"
#define CRK_DEMO_INTERNAL_DOMAIN "demo.example"

/* One message of the sample mailbox. */
struct crk_demo_mail {
	const char *folder; /* "INBOX" or "Sent" */
	int day;            /* days after the demo day (negative: before) */
	int minute;         /* minute of that day, local time */
	const char *flags;  /* space separated: "\\Seen crickets-won" */
	const char *text;   /* headers and body, LF line ends, placeholders */
};

/* The sample mailbox: proposals with PDF attachments in English and
 * German, threaded and unthreaded replies, out-of-office replies in two
 * languages with a return date, a Postfix bounce, a colleague's answer,
 * a newsletter, a won and a lost deal, a crickets-track'ed mail, a
 * hostile subject.  *count_r receives the number of messages. */
const struct crk_demo_mail *crk_demo_mails(size_t *count_r);

/* The RFC 5322 text of one message, CRLF line ends, as of the demo day
 * `today` (local midnight of it): a Date header from day and minute is
 * put first, and the placeholders in the text are replaced: {EN+N} and
 * {DE+N} by the day N days after today ("November 23, 2026",
 * "23.11.2026"; N may be negative, "{EN-2}").  Owned. */
char *crk_demo_render(const struct crk_demo_mail *mail, time_t today);

#endif
