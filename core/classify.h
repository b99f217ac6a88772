/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rules that judge a mail: is it a proposal, and what kind of message is it. */
#ifndef CRK_CLASSIFY_H
#define CRK_CLASSIFY_H

#include <stdbool.h>

#include "core/common.h"
#include "core/message.h"

/* IMAP keywords / Claws tags that drive crickets from any mail client. */
#define CRK_KEYWORD_TRACK "crickets-track"
#define CRK_KEYWORD_IGNORE "crickets-ignore"
#define CRK_KEYWORD_WON "crickets-won"
#define CRK_KEYWORD_LOST "crickets-lost"
#define CRK_KEYWORD_DROP "crickets-drop"

struct crk_word {
	char *word; /* owned, lowercased */
	int weight;
};

/* Everything the classifier needs to know about the rep.  Filled by the
 * host from its config (core reads no config files). */
struct crk_rules {
	struct crk_strv identities; /* the rep's own addresses, normalised */
	struct crk_strv internal_domains; /* colleagues, never prospects */
	struct crk_word *words;           /* owned; proposal words */
	size_t n_words;
	int threshold; /* score needed to track */
};

#define CRK_WORD_WEIGHT_DEFAULT 10
#define CRK_THRESHOLD_DEFAULT 10

/* Fills rules with the built-in proposal words (English, German, French,
 * Spanish, Dutch, Italian, Nordic) at the default weight and threshold;
 * identities and domains stay empty. */
void crk_rules_init_default(struct crk_rules *rules);
/* Replaces the word list from a config value: "proposal, quote:5, sow".
 * A word without ":N" gets CRK_WORD_WEIGHT_DEFAULT.  "+word" or a leading
 * "+" on the whole list adds to the defaults instead ("+quote:3" changes a
 * default's weight); "-word" takes a default out.  Weights are whole
 * numbers from -1000 to 1000.  CRK_E_INVAL with a message for a bad weight,
 * an empty word or an empty list; the rules are then unchanged.
 *
 * Words match case-insensitively at word boundaries in the subject and the
 * attachment names, with an optional plural "s"/"es": "quote" matches
 * "Q3_Quote_v2.pdf" and "Quotes", not "quotation" or "offering"; "bid"
 * not "forbidden".  Boundaries are separators ('-', '_', '.', spaces,
 * punctuation), letter/digit changes ("Proposal2025") and camel case
 * ("AcmeProposal").  A space in a word matches any separator run
 * ("price list": "Price-List", "PriceList").  Case folding is ASCII only:
 * non-ASCII letters compare byte for byte ("Cotización" matches
 * "cotización", "COTIZACIÓN" does not), and a non-ASCII letter next to a
 * word joins it ("Angebotsübersicht" is no match). */
enum crk_status
crk_rules_set_words(struct crk_rules *rules, const char *spec, char **error_r);
void crk_rules_copy(struct crk_rules *dst, const struct crk_rules *src);
void crk_rules_clear(struct crk_rules *rules);

/* True when addr is one of the rep's identities. */
bool crk_rules_is_own(const struct crk_rules *rules, const char *addr);
/* True when addr belongs to an internal domain or is an identity. */
bool crk_rules_is_internal(const struct crk_rules *rules, const char *addr);

/* Adds to prospects_r the external recipients (To and Cc) of a message the
 * rep sent: not identities, not internal, not no-reply, no duplicates. */
void crk_classify_prospects(const struct crk_rules *rules,
    const struct crk_message *msg, struct crk_addr_list *prospects_r);

enum crk_verdict {
	CRK_VERDICT_NO,      /* not a proposal */
	CRK_VERDICT_YES,     /* heuristic: proposal words scored enough */
	CRK_VERDICT_FORCED,  /* keyword crickets-track */
	CRK_VERDICT_IGNORED, /* keyword crickets-ignore: never track */
};

/* Judges a message the rep sent (From is an identity).  *reason_r (owned,
 * may be NULL when not wanted) says why, in words a rep understands:
 * "attachment 'ACME-proposal.pdf'; subject contains 'quote'",
 * "keyword crickets-track", "no external recipient", "sent to a mailing
 * list", "sent to a no-reply address", "no proposal word".
 * Explicit keywords win over everything (crickets-ignore over
 * crickets-track); the heuristic needs at least one
 * external, non-no-reply recipient and never tracks mail to oneself.
 * Checks in order: "not sent by you"; List-Id or Precedence list ("sent to
 * a mailing list"), Precedence bulk/junk ("sent as bulk mail"); no To/Cc
 * ("no external recipient"); only identities ("sent to yourself"); only
 * colleagues ("internal recipients only"); no external person ("sent to a
 * no-reply address"); then the words: the score is the sum of the weights
 * of the distinct words found, tracked at >= threshold, else "no proposal
 * word" or "score 5 below threshold 10: subject contains 'quote'". */
enum crk_verdict crk_classify_proposal(const struct crk_rules *rules,
    const struct crk_message *msg, char **reason_r);

/* What a message is, by its own headers, in the order of DESIGN.md.
 * Linking to a proposal (genuine reply or not) is the engine's work.
 * BOUNCE: multipart/report; report-type=delivery-status (delay notices
 * too: the engine reads dsn_action), X-Failed-Recipients, a parsed DSN, or
 * a bounce subject from a mailer daemon or with the null Return-Path.
 * AUTOREPLY: every other report (read receipts, ARF abuse feedback),
 * Auto-Submitted other than "no", X-Autoreply, X-Autorespond, Precedence
 * auto_reply, Precedence bulk/junk without List-Id/List-Unsubscribe (with
 * them it is LIST), out-of-office subjects.  LIST: List-Id,
 * List-Unsubscribe, Precedence list/bulk/junk, a no-reply sender. */
enum crk_kind {
	CRK_KIND_OWN,       /* From is an identity */
	CRK_KIND_BOUNCE,    /* delivery status notification */
	CRK_KIND_AUTOREPLY, /* RFC 3834 / vacation / out-of-office */
	CRK_KIND_LIST,      /* mailing list, newsletter, no-reply sender */
	CRK_KIND_INTERNAL,  /* a colleague (internal domain) */
	CRK_KIND_INBOUND,   /* anything else: a person outside */
};
enum crk_kind
crk_classify_kind(const struct crk_rules *rules, const struct crk_message *msg);
const char *crk_kind_name(enum crk_kind kind);

/* True when the subject reads like an out-of-office or automatic reply in
 * one of the common languages ("Automatic reply:", "Out of Office",
 * "Abwesenheitsnotiz", "Réponse automatique", "Respuesta automática",
 * "Automatisch antwoord", "Risposta automatica", "Autosvar" ...).  The
 * phrase must open the subject, after [tags], "(EXT)" markers and reply
 * prefixes; only "... is out of the office" counts anywhere.  NULL-safe. */
bool crk_classify_is_ooo_subject(const char *subject);
/* True when the subject reads like a bounce ("Undeliverable:",
 * "Delivery Status Notification (Failure)", "Mail delivery failed",
 * "Returned mail", "failure notice", "Unzustellbar" ...), at its start
 * after [tags].  Delay notices count too.  NULL-safe. */
bool crk_classify_is_bounce_subject(const char *subject);
/* True when msg may be a bounce that says so only in prose (qmail, Exim
 * without a report part, Lotus, old Exchange, Yahoo): from a delivery
 * system (a mailer-daemon or postmaster address, or the null Return-Path)
 * with a bounce subject, or with both marks.  Only such messages have
 * their text read for failed recipients and returned headers, so a person
 * writing from postmaster@ is not taken for a bounce. */
bool crk_classify_may_be_prose_bounce(const struct crk_message *msg);

#endif
