/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The message model: what crickets keeps of a mail, parsed from its header
 * block. */
#ifndef CRK_MESSAGE_H
#define CRK_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/common.h"

struct crk_addr {
	char *addr; /* owned; normalised (crk_addr_normalize), NULL if none */
	char *name; /* owned; decoded UTF-8 display name, NULL if none */
};

struct crk_addr_list {
	struct crk_addr *items; /* owned */
	size_t count;
	size_t alloc;
};

void crk_addr_list_add(
    struct crk_addr_list *list, const char *addr, const char *name);
bool crk_addr_list_contains(const struct crk_addr_list *list, const char *addr);
void crk_addr_list_clear(struct crk_addr_list *list);
void
crk_addr_list_copy(struct crk_addr_list *dst, const struct crk_addr_list *src);

/* What crickets keeps of one mail.  Every string is owned, UTF-8, and may
 * be NULL when the header is absent or unusable. */
struct crk_message {
	char *message_id;  /* without angle brackets */
	char *in_reply_to; /* first id of In-Reply-To, without brackets */
	struct crk_strv references; /* References ids in order, no brackets;
				       at most 200: the first (thread root)
				       and the last 199 */
	struct crk_addr from;
	struct crk_addr_list to;
	struct crk_addr_list cc;
	time_t date;   /* Date header as UTC instant; 0 if absent/bad */
	char *subject; /* decoded from RFC 2047; raw text kept for
			  unknown charsets; invalid UTF-8 replaced */

	/* Auto-reply, list and bounce signals (values lowercased, trimmed) */
	char *auto_submitted;        /* Auto-Submitted value */
	char *precedence;            /* Precedence value */
	bool x_autoreply;            /* X-Autoreply present (not "no") */
	bool x_autorespond;          /* X-Autorespond present */
	bool auto_response_suppress; /* X-Auto-Response-Suppress present */
	char *list_id;               /* List-Id value */
	bool list_unsubscribe;       /* List-Unsubscribe present */
	char *content_type;          /* "type/subtype" of the top level */
	char *report_type; /* report-type parameter of multipart/report */
	char *return_path; /* Return-Path address ("" for <>) */
	/* Delivery reports: X-Failed-Recipients, and, once the DSN body is
	 * parsed (crk_message_parse_dsn), the Final-Recipient addresses. */
	struct crk_strv failed_recipients;
	char *dsn_message_id; /* Message-ID of the returned message */
	char *dsn_action;     /* "failed", "delayed", ... of the first
				 recipient, lowercased */

	/* Filled by the caller, not from the header block */
	struct crk_strv attachments; /* file names from BODYSTRUCTURE/MIME */
	struct crk_strv keywords;    /* IMAP keywords / Claws tags */
	char *body_text;             /* first text part, decoded, or NULL */
	time_t internal_date;        /* arrival time (IMAP INTERNALDATE) */
};

struct crk_message *crk_message_new(void);
void crk_message_free(struct crk_message **msg);

/* Parses a raw RFC 5322 header block (a whole message is fine: parsing
 * stops at the first empty line) with libetpan's parser.  Unfolds folded
 * headers, accepts LF or CRLF, decodes RFC 2047 words, and takes the first
 * of duplicate headers.  A header that does not parse leaves its field
 * NULL/empty; the rest of the message is still usable.  Ids are accepted
 * with or without angle brackets.
 * Returns CRK_E_PARSE only when the input has no header at all; then
 * *msg_r is NULL.  The caller owns *msg_r. */
enum crk_status crk_message_parse(
    const char *raw, size_t len, struct crk_message **msg_r, char **error_r);

/* Parses a whole RFC 5322 message (header and body) with libetpan's MIME
 * parser: the header as crk_message_parse does, plus attachment file names
 * (Content-Disposition filename or Content-Type name, RFC 2231 and 2047
 * decoded), the first text/plain part (transfer-decoded, converted to
 * UTF-8, capped at 64 KiB; without one, the first text/html part reduced
 * to its text) as body_text, and the parts of a delivery
 * report (crk_message_parse_dsn).  Used by `crickets import`, the plugin
 * and the tests.  Same errors and ownership as crk_message_parse. */
enum crk_status crk_message_parse_full(
    const char *raw, size_t len, struct crk_message **msg_r, char **error_r);

/* Decodes the text of one MIME part as an IMAP client fetches it
 * (BODY[n]): the Content-Transfer-Encoding ("base64", "quoted-printable",
 * ...; NULL or unknown: none), the charset to UTF-8 (8-bit text with no
 * or an ASCII charset is read as Windows-1252; unknown charsets keep the
 * bytes), HTML to text when html, capped at 64 KiB like body_text, with
 * line breaks kept and invalid UTF-8 and control characters replaced.
 * Returns an owned string (never NULL). */
char *crk_message_decode_text(const char *data, size_t len,
    const char *encoding, const char *charset, bool html);

/* Reads the machine-readable parts of a delivery report into msg: the
 * message/delivery-status text (Final-Recipient, Original-Recipient,
 * Action) and the returned headers (text/rfc822-headers or message/rfc822,
 * for dsn_message_id).  `part` is the text of such a part (either kind;
 * call once per part).  Non-standard bounces (qmail, Exchange prose) are
 * scanned for "<addr>:" and "Original-Message-ID" lines too.  Never fails;
 * unusable input adds nothing.  Only recipients whose Action is "failed"
 * (or, without Action, whose Status is 5.x.x or absent) are added to
 * failed_recipients, with both their Final- and Original-Recipient; dsn_action
 * is the first recipient's Action.  Prose is read only when the part has no
 * Final-Recipient and failed_recipients was empty; its recipients count as
 * "failed". */
void
crk_message_parse_dsn(struct crk_message *msg, const char *part, size_t len);

/* Reads the text of a bounce that has no report part (qmail, Exim, Yahoo,
 * Lotus ...; only for crk_classify_may_be_prose_bounce messages): the
 * failed recipients and returned Message-ID as crk_message_parse_dsn
 * does, unless the text says it is a delay warning ("will be retried",
 * "has not yet been delivered" ...): then dsn_action is "delayed" and no
 * recipient counts as failed.  The parser of import/the plugin and the
 * IMAP sync both use it. */
void crk_message_parse_prose_bounce(
    struct crk_message *msg, const char *text, size_t len);

/* Decodes RFC 2047 encoded words in a header value into UTF-8.  Unknown
 * charsets keep the raw text; invalid UTF-8 is replaced by U+FFFD.
 * Returns an owned string. */
char *crk_mime_decode_header(const char *value);

/* One parameter of a Content-Type or Content-Disposition field, as a
 * MIME parser (libetpan's, or an IMAP BODYSTRUCTURE) hands it over. */
struct crk_mime_param {
	const char *name;
	const char *value;
};

/* The value of parameter `base` per RFC 2231: "base*" (charset'lang'%XX),
 * the continuations "base*0", "base*1*", ..., or plain "base" (which may
 * hold RFC 2047 words, as Outlook writes them).  Names compare
 * case-insensitively.  Returns owned, sanitised UTF-8, or NULL. */
char *crk_mime_param_value(
    const struct crk_mime_param *params, size_t n, const char *base);

/* Replaces invalid UTF-8 sequences with U+FFFD and control characters
 * (except TAB) with a space.  Returns an owned string. */
char *crk_utf8_sanitize(const char *s, size_t len);

#endif
