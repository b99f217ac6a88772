/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sample sales mailbox of `crickets demo`: 25 messages of a rep's week. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "watcher/demo.h"

#define DEMO_REP "From: Robin Smith <robin@demo.example>\n"
#define DEMO_TO_REP "To: Robin Smith <robin@demo.example>\n"
#define DEMO_MIME "MIME-Version: 1.0\n"
#define DEMO_PLAIN                                                             \
	DEMO_MIME "Content-Type: text/plain; charset=utf-8\n"                  \
		  "Content-Transfer-Encoding: 8bit\n"
/* A proposal: multipart/mixed, a text part, then a small PDF. */
#define DEMO_MIXED                                                             \
	DEMO_MIME "Content-Type: multipart/mixed; boundary=\"=-demo-=\"\n"
#define DEMO_TEXT_PART                                                         \
	"--=-demo-=\n"                                                         \
	"Content-Type: text/plain; charset=utf-8\n"                            \
	"Content-Transfer-Encoding: 8bit\n\n"
#define DEMO_PDF_PART(name)                                                    \
	"--=-demo-=\n"                                                         \
	"Content-Type: application/pdf; name=\"" name "\"\n"                   \
	"Content-Disposition: attachment; filename=\"" name "\"\n"             \
	"Content-Transfer-Encoding: base64\n\n"                                \
	"JVBERi0xLjQKJSBjcmlja2V0cyBkZW1vIGF0dGFjaG1lbnQKMSAwIG9iaiA8"         \
	"PCAvVHlwZSAvQ2F0YWxvZyA+PiBlbmRvYmoKdHJhaWxlciA8PCAvUm9vdCAx"         \
	"IDAgUiA+PgolJUVPRgo=\n"                                               \
	"--=-demo-=--\n"

static const struct crk_demo_mail demo_mails[] = {
    /* 1. English proposal, no answer for 12 days: waiting, overdue
     *    follow-ups rolled forward to today. */
    {"Sent", -12, 9 * 60 + 5, "\\Seen",
	DEMO_REP
	"To: Jane Doe <jane.doe@acme.example>\n"
	"Subject: Proposal: ACME Q1 rollout\n"
	"Message-ID: <p1.acme@demo.example>\n" DEMO_MIXED "\n" DEMO_TEXT_PART
	"Hi Jane,\n\nas promised, our proposal for the Q1 rollout "
	"is attached.\n\nBest,\nRobin\n" DEMO_PDF_PART("ACME-proposal-Q1.pdf")},
    /* 2. The rep's own follow-up in the thread of 1: a touch. */
    {"Sent", -11, 10 * 60, "\\Seen",
	DEMO_REP "To: Jane Doe <jane.doe@acme.example>\n"
		 "Subject: Re: Proposal: ACME Q1 rollout\n"
		 "Message-ID: <p1.touch1@demo.example>\n"
		 "In-Reply-To: <p1.acme@demo.example>\n"
		 "References: <p1.acme@demo.example>\n" DEMO_PLAIN "\n"
		 "Hi Jane,\n\ndid the proposal reach you?  Happy to walk "
		 "you through it.\n\nRobin\n"},
    /* 3. German proposal, answered in the thread: replied. */
    {"Sent", -9, 14 * 60 + 30, "\\Seen",
	DEMO_REP "To: Klaus =?utf-8?q?M=C3=BCller?= "
		 "<k.mueller@beispiel-gmbh.de>\n"
		 "Subject: Angebot Wartungsvertrag 2027\n"
		 "Message-ID: <p2.beispiel@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART
		 "Sehr geehrter Herr Müller,\n\nanbei unser Angebot für "
		 "den Wartungsvertrag 2027.\n\nMit freundlichen "
		 "Grüßen\nRobin Smith\n" DEMO_PDF_PART("Angebot-2026-114.pdf")},
    {"INBOX", -6, 8 * 60 + 12, "",
	"From: Klaus =?utf-8?q?M=C3=BCller?= "
	"<k.mueller@beispiel-gmbh.de>\n" DEMO_TO_REP
	"Subject: AW: Angebot Wartungsvertrag 2027\n"
	"Message-ID: <r2.mueller@beispiel-gmbh.de>\n"
	"In-Reply-To: <p2.beispiel@demo.example>\n"
	"References: <p2.beispiel@demo.example>\n" DEMO_PLAIN "\n"
	"Hallo Herr Smith,\n\ndanke, wir besprechen das Angebot am Freitag "
	"intern und melden uns.\n\nK. Müller\n"},
    /* 4. A quote answered without threading (the client dropped the
     *    references): replied through the subject fallback. */
    {"Sent", -20, 11 * 60, "\\Seen",
	DEMO_REP
	"To: Tom Baker <tom@globex.example>\n"
	"Subject: Quote for 40 seats\n"
	"Message-ID: <p3.globex@demo.example>\n" DEMO_MIXED "\n" DEMO_TEXT_PART
	"Hi Tom,\n\nhere is the quote for 40 seats.\n\nRobin\n" DEMO_PDF_PART(
	    "Globex-quote-40-seats.pdf")},
    {"INBOX", -15, 16 * 60 + 40, "",
	"From: Tom Baker <tom@globex.example>\n" DEMO_TO_REP
	"Subject: RE: Quote for 40 seats\n"
	"Message-ID: <r3.tom@globex.example>\n" DEMO_PLAIN "\n"
	"Robin, thanks - can you do 50 seats at the same price?\nTom\n"},
    /* 5. A proposal to a mistyped address: the Postfix bounce. */
    {"Sent", -8, 9 * 60 + 30, "\\Seen",
	DEMO_REP "To: Lena Park <lena.park@initec.example>\n"
		 "Subject: Offer: support plan for Initech\n"
		 "Message-ID: <p4.initech@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART "Hi Lena,\n\nour offer is attached.\n\n"
		 "Robin\n" DEMO_PDF_PART("Initech-offer.pdf")},
    {"INBOX", -8, 9 * 60 + 31, "",
	"Return-Path: <>\n"
	"From: MAILER-DAEMON@mail.demo.example (Mail Delivery "
	"System)\n" DEMO_TO_REP "Subject: Undelivered Mail Returned to Sender\n"
	"Auto-Submitted: auto-replied\n"
	"Message-ID: <b4.dsn@mail.demo.example>\n" DEMO_MIME
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"=-dsn-=\"\n\n"
	"This is a MIME-encapsulated message.\n\n"
	"--=-dsn-=\n"
	"Content-Description: Notification\n"
	"Content-Type: text/plain; charset=utf-8\n\n"
	"This is the mail system at host mail.demo.example.\n\n"
	"I'm sorry to have to inform you that your message could not\n"
	"be delivered to one or more recipients. It's attached below.\n\n"
	"<lena.park@initec.example>: Host or domain name not found. Name "
	"service\n    error for name=initec.example type=MX: Host not "
	"found\n\n"
	"--=-dsn-=\n"
	"Content-Description: Delivery report\n"
	"Content-Type: message/delivery-status\n\n"
	"Reporting-MTA: dns; mail.demo.example\n\n"
	"Final-Recipient: rfc822; lena.park@initec.example\n"
	"Original-Recipient: rfc822;lena.park@initec.example\n"
	"Action: failed\n"
	"Status: 5.4.4\n"
	"Diagnostic-Code: X-Postfix; Host or domain name not found\n\n"
	"--=-dsn-=\n"
	"Content-Description: Undelivered Message Headers\n"
	"Content-Type: text/rfc822-headers\n\n"
	"From: Robin Smith <robin@demo.example>\n"
	"To: Lena Park <lena.park@initec.example>\n"
	"Subject: Offer: support plan for Initech\n"
	"Message-ID: <p4.initech@demo.example>\n\n"
	"--=-dsn-=--\n"},
    /* 6. A deal the rep closed by setting the keyword crickets-won. */
    {"Sent", -30, 15 * 60, "\\Seen crickets-won",
	DEMO_REP
	"To: Sam Carter <sam@umbrella.example>\n"
	"Subject: Proposal: Umbrella analytics pilot\n"
	"Message-ID: <p5.umbrella@demo.example>\n" DEMO_MIXED
	"\n" DEMO_TEXT_PART "Hi Sam,\n\nthe pilot proposal is "
	"attached.\n\nRobin\n" DEMO_PDF_PART("Umbrella-pilot-proposal.pdf")},
    {"INBOX", -25, 10 * 60 + 2, "\\Seen",
	"From: Sam Carter <sam@umbrella.example>\n" DEMO_TO_REP
	"Subject: Re: Proposal: Umbrella analytics pilot\n"
	"Message-ID: <r5.sam@umbrella.example>\n"
	"In-Reply-To: <p5.umbrella@demo.example>\n"
	"References: <p5.umbrella@demo.example>\n" DEMO_PLAIN "\n"
	"Robin, we're in.  PO follows this week.\nSam\n"},
    /* 7. No proposal word, but the rep tagged it crickets-track. */
    {"Sent", -5, 13 * 60 + 15, "\\Seen crickets-track",
	DEMO_REP "To: Olivia Chen <olivia@hooli.example>\n"
		 "Subject: Next steps after our call\n"
		 "Message-ID: <p6.hooli@demo.example>\n" DEMO_PLAIN "\n"
		 "Hi Olivia,\n\nthanks for the call.  Next steps as "
		 "discussed: a test account for your team.\n\nRobin\n"},
    /* 8. English out-of-office with a return date: still waiting, the
     *    follow-up moves to the day she is back. */
    {"Sent", -6, 10 * 60 + 45, "\\Seen",
	DEMO_REP "To: Peter Quill <peter@stark.example>\n"
		 "Subject: Pricing for the Stark data platform\n"
		 "Message-ID: <p7.stark@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART "Hi Peter,\n\nthe pricing we talked about "
		 "is attached.\n\nRobin\n" DEMO_PDF_PART("Stark-pricing.pdf")},
    {"INBOX", -6, 10 * 60 + 46, "",
	"From: Peter Quill <peter@stark.example>\n" DEMO_TO_REP
	"Subject: Automatic reply: Pricing for the Stark data platform\n"
	"Auto-Submitted: auto-replied\n"
	"X-Auto-Response-Suppress: All\n"
	"Message-ID: <o7.peter@stark.example>\n"
	"In-Reply-To: <p7.stark@demo.example>\n" DEMO_PLAIN "\n"
	"Thank you for your message. I am out of the office until {EN+4}\n"
	"with limited access to e-mail.\n\nPeter\n"},
    /* 9. German proposal and a German out-of-office. */
    {"Sent", -4, 9 * 60 + 50, "\\Seen",
	DEMO_REP "To: Anna Schmidt <anna.schmidt@muster-ag.de>\n"
		 "Subject: Angebot Schulung Vertriebsteam\n"
		 "Message-ID: <p8.muster@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART "Hallo Frau Schmidt,\n\nanbei das "
		 "Angebot für die Schulung.\n\nViele Grüße\nRobin "
		 "Smith\n" DEMO_PDF_PART("Angebot-Schulung.pdf")},
    {"INBOX", -4, 9 * 60 + 51, "",
	"From: Anna Schmidt <anna.schmidt@muster-ag.de>\n" DEMO_TO_REP
	"Subject: =?utf-8?q?Abwesenheitsnotiz=3A_Angebot_Schulung_"
	"Vertriebsteam?=\n"
	"Auto-Submitted: auto-replied\n"
	"Message-ID: <o8.anna@muster-ag.de>\n" DEMO_PLAIN "\n"
	"Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich {DE+6}\n"
	"nicht im Büro und habe keinen Zugriff auf meine E-Mails.\n\n"
	"Anna Schmidt\n"},
    /* 10. A hostile subject: CR LF, quotes, ; , \ and an emoji, long. */
    {"Sent", -13, 17 * 60, "\\Seen",
	DEMO_REP "To: \"Bruce; \\\"the\\\" Boss\" <bruce@wayne.example>\n"
		 "Subject: =?UTF-8?B?UHJpY2luZzsgImZpbmFsIiwgXCByZWFsbHkNCkJ"
		 "jYzogZXZpbEB4LmV4YW1wbGUg8J+agCBsb25nIGxvbmcgbG9uZyBsb25nIG"
		 "xvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nI"
		 "GxvbmcgbG9uZyBsb25nIGxvbmcgbG9uZyBsb25nIGxvbmcg?=\n"
		 "Message-ID: <p9.wayne@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART "Bruce,\n\nfinal pricing attached.\n\n"
		 "Robin\n" DEMO_PDF_PART("Wayne;pricing,final.pdf")},
    /* 11. A colleague answers in the thread: not the prospect's reply. */
    {"Sent", -3, 11 * 60 + 20, "\\Seen",
	DEMO_REP "To: Carol White <carol@contoso.example>\n"
		 "Cc: Mike Berger <mike@demo.example>\n"
		 "Subject: Quotation: Contoso field service app\n"
		 "Message-ID: <p10.contoso@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART "Hi Carol,\n\nthe quotation is attached; "
		 "Mike from our team is in copy.\n\nRobin\n" DEMO_PDF_PART(
		     "Contoso-quotation.pdf")},
    {"INBOX", -3, 12 * 60 + 5, "",
	"From: Mike Berger <mike@demo.example>\n" DEMO_TO_REP
	"Subject: Re: Quotation: Contoso field service app\n"
	"Message-ID: <c10.mike@demo.example>\n"
	"In-Reply-To: <p10.contoso@demo.example>\n"
	"References: <p10.contoso@demo.example>\n" DEMO_PLAIN "\n"
	"Looks good, Robin.  I can join a call next week if Carol wants.\n"
	"Mike\n"},
    /* 12. A French quote the prospect turned down: crickets-lost. */
    {"Sent", -18, 10 * 60, "\\Seen crickets-lost",
	DEMO_REP "To: Julie Martin <julie.martin@exemple.fr>\n"
		 "Subject: Devis maintenance annuelle\n"
		 "Message-ID: <p11.exemple@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART "Bonjour Julie,\n\nveuillez trouver "
		 "ci-joint notre devis.\n\nRobin\n" DEMO_PDF_PART(
		     "Devis-maintenance.pdf")},
    {"INBOX", -14, 15 * 60, "\\Seen",
	"From: Julie Martin <julie.martin@exemple.fr>\n" DEMO_TO_REP
	"Subject: =?utf-8?q?R=C3=A9f=2E_=3A_Devis_maintenance_annuelle?=\n"
	"Message-ID: <r11.julie@exemple.fr>\n"
	"In-Reply-To: <p11.exemple@demo.example>\n"
	"References: <p11.exemple@demo.example>\n" DEMO_PLAIN "\n"
	"Bonjour Robin,\n\nmerci, nous avons choisi un autre "
	"prestataire.\n\nJulie\n"},
    /* 13. An old proposal, silent for seven weeks: deep in the cadence. */
    {"Sent", -50, 9 * 60, "\\Seen",
	DEMO_REP "To: Dan Ng <dan@vandelay.example>\n"
		 "Subject: Statement of work (SOW) for the import tool\n"
		 "Message-ID: <p12.vandelay@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART "Hi Dan,\n\nthe SOW is attached.\n\n"
		 "Robin\n" DEMO_PDF_PART("Vandelay-SOW.pdf")},
    /* 14. A newsletter about pricing: a mailing list, ignored. */
    {"INBOX", -2, 7 * 60, "",
	"From: SaaS Weekly <news@saasweekly.example>\n" DEMO_TO_REP
	"Subject: This week: pricing pages that convert\n"
	"List-Id: SaaS Weekly <weekly.saasweekly.example>\n"
	"List-Unsubscribe: <mailto:leave@saasweekly.example>\n"
	"Precedence: bulk\n"
	"Message-ID: <n14.weekly@saasweekly.example>\n" DEMO_PLAIN "\n"
	"Five pricing pages that convert, and one that does not.\n"},
    /* 15. An offer only to a colleague: internal, never tracked. */
    {"Sent", -2, 16 * 60, "\\Seen",
	DEMO_REP "To: Mike Berger <mike@demo.example>\n"
		 "Subject: Internal offer template for review\n"
		 "Message-ID: <i15.internal@demo.example>\n" DEMO_PLAIN "\n"
		 "Mike, can you review the offer template?\nRobin\n"},
    /* 16. Small talk with a prospect: no proposal, not tracked. */
    {"Sent", -1, 12 * 60, "\\Seen",
	DEMO_REP "To: Tom Baker <tom@globex.example>\n"
		 "Subject: Lunch on Thursday?\n"
		 "Message-ID: <s16.lunch@demo.example>\n" DEMO_PLAIN "\n"
		 "Tom, lunch on Thursday?\nRobin\n"},
    /* 17. Mail that has nothing to do with any proposal. */
    {"INBOX", -1, 8 * 60, "\\Seen",
	"From: Facilities <facilities@demo.example>\n" DEMO_TO_REP
	"Subject: Office closed on Friday afternoon\n"
	"Message-ID: <m17.facilities@demo.example>\n" DEMO_PLAIN "\n"
	"The office closes at 1 pm on Friday.\n"},
    /* 18. A reply, then the rep wrote again: waiting in round 2. */
    {"Sent", -16, 9 * 60 + 40, "\\Seen",
	DEMO_REP "To: Eva Rossi <eva@pied-piper.example>\n"
		 "Subject: Estimate: compression API integration\n"
		 "Message-ID: <p18.piedpiper@demo.example>\n" DEMO_MIXED
		 "\n" DEMO_TEXT_PART "Hi Eva,\n\nthe estimate is attached.\n\n"
		 "Robin\n" DEMO_PDF_PART("PiedPiper-estimate.pdf")},
    {"INBOX", -10, 14 * 60, "\\Seen",
	"From: Eva Rossi <eva@pied-piper.example>\n" DEMO_TO_REP
	"Subject: Re: Estimate: compression API integration\n"
	"Message-ID: <r18.eva@pied-piper.example>\n"
	"In-Reply-To: <p18.piedpiper@demo.example>\n"
	"References: <p18.piedpiper@demo.example>\n" DEMO_PLAIN "\n"
	"Robin, looks reasonable.  Can you add a support option?\nEva\n"},
    {"Sent", -9, 11 * 60, "\\Seen",
	DEMO_REP "To: Eva Rossi <eva@pied-piper.example>\n"
		 "Subject: Re: Estimate: compression API integration\n"
		 "Message-ID: <p18.touch@demo.example>\n"
		 "In-Reply-To: <r18.eva@pied-piper.example>\n"
		 "References: <p18.piedpiper@demo.example> "
		 "<r18.eva@pied-piper.example>\n" DEMO_PLAIN "\n"
		 "Eva, done: support is option B on page 3.\nRobin\n"},
};

const struct crk_demo_mail *
crk_demo_mails(size_t *count_r)
{
	*count_r = CRK_N_ELEMENTS(demo_mails);
	return demo_mails;
}

/* Writes the day `offset` days after today in the style of `lang`. */
static void
demo_put_day(FILE *out, time_t today, const char *lang, int offset)
{
	static const char *const months[] = {"January", "February", "March",
	    "April", "May", "June", "July", "August", "September", "October",
	    "November", "December"};
	struct tm tm;
	time_t t;

	localtime_r(&today, &tm);
	tm.tm_mday += offset;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	localtime_r(&t, &tm);
	if (strcmp(lang, "DE") == 0)
		fprintf(out, "%02d.%02d.%04d", tm.tm_mday, tm.tm_mon + 1,
		    tm.tm_year + 1900);
	else
		fprintf(out, "%s %d, %04d", months[tm.tm_mon], tm.tm_mday,
		    tm.tm_year + 1900);
}

char *
crk_demo_render(const struct crk_demo_mail *mail, time_t today)
{
	const char *p, *end;
	char lang[3], date[64], *text = NULL;
	size_t len = 0;
	struct tm tm;
	FILE *out;
	time_t t;
	int offset;

	out = open_memstream(&text, &len);
	if (out == NULL)
		abort();
	localtime_r(&today, &tm);
	tm.tm_mday += mail->day;
	tm.tm_hour = mail->minute / 60;
	tm.tm_min = mail->minute % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	fprintf(out, "Date: %s\r\n", date);
	for (p = mail->text; *p != '\0'; p++) {
		if (*p == '\n') {
			fputs("\r\n", out);
			continue;
		}
		if (*p == '{' && sscanf(p, "{%2[A-Z]%d}", lang, &offset) == 2 &&
		    (end = strchr(p, '}')) != NULL) {
			demo_put_day(out, today, lang, offset);
			p = end;
			continue;
		}
		fputc(*p, out);
	}
	if (fclose(out) != 0)
		abort();
	return text;
}
