/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Follow-up drafts: the RFC 5322 text of a threaded reply, ready to APPEND. */
#ifndef CRK_DRAFT_H
#define CRK_DRAFT_H

#include <time.h>

#include "core/common.h"
#include "core/message.h"

/* Ids in References beyond this keep the first (the thread root) and the
 * last CRK_DRAFT_REFERENCES_MAX - 1 (RFC 5322 3.6.4 allows trimming). */
#define CRK_DRAFT_REFERENCES_MAX 20

/* What a follow-up draft is made of.  Everything is borrowed. */
struct crk_draft_input {
	const struct crk_addr *from;       /* the rep; addr required */
	const struct crk_addr_list *to;    /* the prospects; at least one */
	const char *subject;               /* the thread's subject; the draft
					      gets crk_subject_reply of it */
	const char *in_reply_to;           /* Message-ID of the thread's last
					      message, no brackets; or NULL */
	const struct crk_strv *references; /* that message's References
					      chain, no brackets; or NULL */
	const char *body;                  /* the rendered template, UTF-8 */
	time_t now;                        /* for the Date header */
	const char *domain;                /* right side of the new Message-ID;
					      NULL: the domain of from */
	const char *followup_uid;          /* X-Crickets-Followup; or NULL */
};

/* Composes the draft: CRLF line ends; Date (RFC 5322, local offset), From,
 * To, Subject ("Re: " not doubled), a fresh Message-ID
 * <crickets.<32 hex from getrandom>@domain>, In-Reply-To, References (the
 * chain plus in_reply_to, capped as above), MIME-Version, Content-Type
 * text/plain; charset=utf-8; format=flowed, Content-Transfer-Encoding
 * quoted-printable, X-Crickets-Followup.  Headers fold at 78 columns;
 * non-ASCII display names and subjects become RFC 2047 B-encoded words of
 * at most 75 characters, split between characters.  Control characters
 * (CR, LF ...) in names and the subject become spaces, so nothing can add
 * a header; ids that are not plain printable ASCII without brackets are
 * left out of In-Reply-To/References.  The body is wrapped as
 * format=flowed (RFC 3676) at 76 and quoted-printable encoded, so no line
 * exceeds 78 octets.
 *
 * Returns CRK_OK; CRK_E_INVAL when from has no usable address, `to` is
 * empty or holds an address with characters an address cannot have, or
 * the followup uid is not printable ASCII; CRK_E_IO when getrandom fails.
 * On success the caller owns *text_r and *message_id_r (the new
 * Message-ID without brackets); both are NULL on failure. */
enum crk_status crk_draft_compose(const struct crk_draft_input *in,
    char **text_r, char **message_id_r, char **error_r);

#endif
