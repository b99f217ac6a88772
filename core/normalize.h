/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Address and subject normalisation, so that the same person and the same
 * thread compare equal. */
#ifndef CRK_NORMALIZE_H
#define CRK_NORMALIZE_H

#include <stdbool.h>

#include "core/common.h"

/* Normalises an address: strips whitespace, angle brackets and a
 * "mailto:" prefix, lowercases it (local parts are case-insensitive in
 * practice at every provider crickets targets).  Returns an owned string,
 * or NULL when the input does not look like local@domain. */
char *crk_addr_normalize(const char *addr);

/* The domain of a normalised address (borrowed pointer into addr), or
 * NULL when there is no '@'. */
const char *crk_addr_domain(const char *addr);

/* True when the domain is one of `domains` or a subdomain of one
 * (sales.example.com matches example.com). */
bool crk_domain_matches(const char *domain, const struct crk_strv *domains);

/* True for addresses nobody reads: noreply@, no-reply@, donotreply@,
 * do-not-reply@, mailer-daemon@, postmaster@, bounce(s)@, notifications@
 * and the like. */
bool crk_addr_is_noreply(const char *addr);

/* True for the senders of delivery reports: MAILER-DAEMON, postmaster,
 * "Mail Delivery System/Subsystem" local parts. */
bool crk_addr_is_mailer_daemon(const char *addr);

/* Normalises a subject for thread matching: strips reply/forward prefixes
 * in the common languages (Re, RE, Aw, AW, SV, VS, Fwd, Fw, WG, TR, RV,
 * Antw, Odp, Re[2], Re^2 ...), repeated and mixed, [list tags] and
 * (fwd) markers, collapses whitespace, lowercases ASCII.  Returns an owned
 * string ("" for NULL). */
char *crk_subject_normalize(const char *subject);

/* "Re: <subject>" without doubling the prefix when the subject already has
 * a reply prefix.  Returns an owned string.  Leading reply prefixes in any
 * language fold into one "Re: " ("AW: Re: Angebot" -> "Re: Angebot"); the
 * rest keeps its case, tags and forward markers ("Fwd: X" -> "Re: Fwd: X");
 * whitespace runs and control characters become one space. */
char *crk_subject_reply(const char *subject);

#endif
