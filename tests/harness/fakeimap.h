/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A scripted IMAP server on loopback for the faults a real one will not
 * produce on demand (issue 9): it answers like a small, plain server
 * (IMAP4rev1 IDLE UIDPLUS SPECIAL-USE, no CONDSTORE; INBOX, Sent and Drafts
 * with the messages given) and injects one fault at one command. */
#ifndef CRK_TEST_FAKEIMAP_H
#define CRK_TEST_FAKEIMAP_H

#include <stdbool.h>

enum crk_fake_fault {
	CRK_FAKE_NONE,
	CRK_FAKE_BYE, /* untagged BYE halfway through the answer, hang up */
	CRK_FAKE_NO,  /* a tagged NO instead of the answer */
	CRK_FAKE_TRUNCATE, /* a literal cut short, then hang up */
	CRK_FAKE_GARBAGE,  /* a line that is no IMAP before the answer */
	CRK_FAKE_HANG,     /* never answer (the connection stays open) */
};

struct crk_fake_options {
	enum crk_fake_fault fault;
	const char *fault_command; /* "UID FETCH", "EXAMINE", "IDLE" ... */
	const char *fault_folder;  /* only when that folder is selected */
	unsigned trickle_us;       /* >0: every byte sent alone, this apart */
};

struct crk_fakeimap;

/* Starts listening on 127.0.0.1 (a free port); serves one connection at
 * a time, each with the options set last, until freed.  Folders hold
 * the given raw messages (LF or CRLF; NULL-terminated lists). */
struct crk_fakeimap *
crk_fakeimap_start(const char *const *inbox, const char *const *sent);
unsigned crk_fakeimap_port(const struct crk_fakeimap *f);
void crk_fakeimap_set(struct crk_fakeimap *f, const struct crk_fake_options *o);
/* How many connections were accepted so far. */
unsigned crk_fakeimap_connections(struct crk_fakeimap *f);
void crk_fakeimap_free(struct crk_fakeimap **f);

#endif
