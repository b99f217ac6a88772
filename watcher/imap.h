/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The IMAP client (libetpan): connect, verified TLS, login, folders, fetch. */
#ifndef CRK_IMAP_H
#define CRK_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/common.h"
#include "conf/conf.h"

/* One connection to an IMAP server.  Only watcher/ speaks IMAP. */
struct crk_imap;

/* How long a single read or write may block before the connection is
 * given up as dead (seconds). */
#define CRK_IMAP_TIMEOUT_DEFAULT 60

/* Connects to the account's server, sets up TLS (imaps: at once;
 * starttls: STARTTLS, refused when the server does not offer it) and
 * verifies the certificate (watcher/tls.h) before anything else is sent.
 * tls = none is refused unless the host is loopback.  Does not log in.
 * Returns CRK_E_NET (cannot connect, dropped, timed out), CRK_E_TLS
 * (handshake or verification failed, STARTTLS missing), CRK_E_INVAL
 * (tls = none on a remote host), CRK_E_PROTO (no IMAP greeting).  The
 * caller owns *imap_r. */
enum crk_status crk_imap_connect(const struct crk_account_config *account,
    int timeout_secs, struct crk_imap **imap_r, char **error_r);

/* Logs in with LOGIN (auth = login) or AUTHENTICATE PLAIN (auth = plain),
 * then refreshes the capabilities.  The password is marked private for
 * libetpan's stream logger and never logged.  CRK_E_AUTH when refused. */
enum crk_status crk_imap_login(struct crk_imap *imap, const char *user,
    const char *password, bool plain, char **error_r);

/* Sends LOGOUT (best effort), closes and frees.  NULL-safe. */
void crk_imap_free(struct crk_imap **imap);

/* Whether the server announced a capability ("IDLE", "CONDSTORE",
 * "SPECIAL-USE", "STARTTLS"...), case-insensitive. */
bool crk_imap_has_capability(struct crk_imap *imap, const char *name);
/* All announced capabilities, space separated.  Owned. */
char *crk_imap_capabilities(struct crk_imap *imap);
/* The TLS verdict (tls.h), or "no TLS (loopback)".  Borrowed. */
const char *crk_imap_tls_verdict(struct crk_imap *imap);

/* ---- folders ---------------------------------------------------------- */

enum crk_imap_folder_flag {
	CRK_FOLDER_NOSELECT = 1 << 0,
	CRK_FOLDER_INBOX = 1 << 1,
	CRK_FOLDER_SENT = 1 << 2,
	CRK_FOLDER_DRAFTS = 1 << 3,
	CRK_FOLDER_TRASH = 1 << 4,
	CRK_FOLDER_JUNK = 1 << 5,
	CRK_FOLDER_ALL = 1 << 6,
	CRK_FOLDER_ARCHIVE = 1 << 7,
	CRK_FOLDER_FLAGGED = 1 << 8,
	/* the role came from a common name, not from SPECIAL-USE */
	CRK_FOLDER_BY_NAME = 1 << 9,
};

struct crk_imap_folder {
	char *name;     /* owned; as the server spells it (modified UTF-7) */
	char *display;  /* owned; decoded to UTF-8 for people */
	char delimiter; /* hierarchy delimiter, '\0' when flat */
	unsigned flags; /* enum crk_imap_folder_flag */
};

struct crk_imap_folder_list {
	struct crk_imap_folder *items; /* owned */
	size_t count;
};
void crk_imap_folder_list_clear(struct crk_imap_folder_list *list);

/* Lists every folder (LIST "" "*") with its SPECIAL-USE attributes
 * (RFC 6154).  When no folder carries \Sent, \Drafts, \Trash or \Junk,
 * the role is taken from the common names in many languages (Sent, Sent
 * Items, [Gmail]/Sent Mail, INBOX.Sent, Gesendet, Envoyés, Enviados ...)
 * and CRK_FOLDER_BY_NAME is set.  The caller owns the list contents. */
enum crk_status crk_imap_list_folders(
    struct crk_imap *imap, struct crk_imap_folder_list *list_r, char **error_r);

/* Gives each role (Sent, Drafts, Trash, Junk) that no folder of the list
 * announced by SPECIAL-USE to the folders with a common name for it, by
 * the last level of the decoded name, and marks them CRK_FOLDER_BY_NAME.
 * crk_imap_list_folders calls it; exposed for the tests. */
void crk_imap_folders_guess_roles(struct crk_imap_folder_list *list);

/* The folder with a role flag (CRK_FOLDER_SENT ...), or NULL.  Borrowed. */
const struct crk_imap_folder *crk_imap_folder_find_role(
    const struct crk_imap_folder_list *list, unsigned role);
/* The folder of that name (server spelling or decoded; INBOX in any
 * case), or NULL.  Borrowed. */
const struct crk_imap_folder *
crk_imap_folder_find(const struct crk_imap_folder_list *list, const char *name);

/* Decodes a modified UTF-7 mailbox name (RFC 3501 section 5.1.3) to
 * UTF-8; invalid input is returned as it is.  Owned. */
char *crk_imap_mutf7_decode(const char *name);
/* Encodes a UTF-8 name to modified UTF-7.  Owned. */
char *crk_imap_mutf7_encode(const char *name);

/* ---- one folder --------------------------------------------------------- */

struct crk_imap_mailbox {
	uint32_t uidvalidity;
	uint32_t uidnext; /* 0 when the server did not say */
	uint32_t exists;
	uint64_t highestmodseq; /* 0 without CONDSTORE */
	/* new keywords can be stored: PERMANENTFLAGS has \* or was not sent
	 * (SELECT only; EXAMINE's list says nothing) */
	bool keywords_ok;
};

/* Opens a folder read-only (EXAMINE, with CONDSTORE when offered), so
 * nothing the watcher does can change a flag.  CRK_E_NOTFOUND when the
 * server refuses it. */
enum crk_status crk_imap_examine(struct crk_imap *imap, const char *folder,
    struct crk_imap_mailbox *mailbox_r, char **error_r);

/* UIDs of the open folder greater than after_uid, ascending.  Caller
 * frees *uids_r. */
enum crk_status crk_imap_search_uids(struct crk_imap *imap, uint32_t after_uid,
    uint32_t **uids_r, size_t *count_r, char **error_r);

/* UIDs of the open folder whose header field has this value (UID SEARCH
 * HEADER, a substring match by RFC 3501), ascending; for finding a draft
 * again by its Message-ID.  Caller frees *uids_r. */
enum crk_status crk_imap_search_header(struct crk_imap *imap, const char *field,
    const char *value, uint32_t **uids_r, size_t *count_r, char **error_r);

/* UIDs up to max_uid of the open folder that carry any of the keywords
 * (UID SEARCH ... OR KEYWORD ...), ascending.  The sync's way to see
 * keywords set elsewhere on servers without CONDSTORE (Office 365).
 * Caller frees *uids_r. */
enum crk_status crk_imap_search_keywords(struct crk_imap *imap,
    const char *const *keywords, size_t n_keywords, uint32_t max_uid,
    uint32_t **uids_r, size_t *count_r, char **error_r);

/* True once the connection failed or an answer could not be parsed (the
 * stream is out of step): only a new connection helps. */
bool crk_imap_is_broken(struct crk_imap *imap);

/* Stops using CONDSTORE on this connection, as with a server that lacks
 * it (for servers whose CONDSTORE is broken, and for the tests). */
void crk_imap_disable_condstore(struct crk_imap *imap);

/* What the sync needs of one message, from a single FETCH. */
struct crk_imap_msg {
	uint32_t uid;
	time_t internal_date;  /* 0 when not sent */
	struct crk_strv flags; /* system flags ("\Seen") and keywords */
	char *header;          /* owned; the header fields fetched */
	size_t header_len;
	struct crk_strv attachments; /* file names, decoded to UTF-8 */
	char *content_type;          /* owned; "multipart/report" ... */
	/* first text/plain part: section, transfer encoding, charset */
	char *text_section;  /* owned; NULL when none */
	char *text_encoding; /* owned; "quoted-printable" ... */
	char *text_charset;  /* owned; NULL: us-ascii */
	uint32_t text_size;
	/* first text/html part, for mail without a text/plain one */
	char *html_section;  /* owned; NULL when none */
	char *html_encoding; /* owned */
	char *html_charset;  /* owned */
	/* the machine-readable parts of a delivery report:
	 * message/delivery-status, text/rfc822-headers, message/rfc822 */
	struct crk_strv report_sections;
};

struct crk_imap_msg_list {
	struct crk_imap_msg *items; /* owned */
	size_t count;
};
void crk_imap_msg_list_clear(struct crk_imap_msg_list *list);

/* The header fields the engine reads (NULL-terminated). */
extern const char *const crk_imap_header_fields[];

/* UID FETCH of UID, FLAGS, INTERNALDATE, BODYSTRUCTURE and
 * BODY.PEEK[HEADER.FIELDS (crk_imap_header_fields)] for the given UIDs of
 * the open folder; with changedsince > 0 (CONDSTORE) only those whose
 * flags changed since that modseq.  Never sets \Seen.  Messages come in
 * the server's order; UIDs that vanished are missing.  The caller owns
 * the list contents. */
enum crk_status
crk_imap_fetch(struct crk_imap *imap, const uint32_t *uids, size_t count,
    uint64_t changedsince, struct crk_imap_msg_list *list_r, char **error_r);
/* The same over the UID range first:last (last 0 means "*"). */
enum crk_status
crk_imap_fetch_range(struct crk_imap *imap, uint32_t first, uint32_t last,
    uint64_t changedsince, struct crk_imap_msg_list *list_r, char **error_r);

/* BODY.PEEK[section]<0.max_bytes>: the raw (still transfer-encoded) text
 * of one part.  *data_r is NUL-terminated and owned by the caller;
 * NULL with CRK_E_NOTFOUND when the server returned nothing. */
/* One part of one message, for crk_imap_fetch_parts. */
struct crk_imap_part {
	uint32_t uid;
	const char *section; /* borrowed; "1", "2.1"; "" is the whole mail */
	size_t max_bytes;
	char *data; /* out, owned, NUL-terminated; NULL: not returned */
	size_t len;
};

/* Fetches many parts, one UID FETCH per distinct section and size.  A part
 * the server does not return, or a bad part number, leaves data NULL; an
 * error status (the connection, a NO) leaves every data NULL. */
enum crk_status crk_imap_fetch_parts(struct crk_imap *imap,
    struct crk_imap_part *parts, size_t count, char **error_r);

enum crk_status
crk_imap_fetch_section(struct crk_imap *imap, uint32_t uid, const char *section,
    size_t max_bytes, char **data_r, size_t *len_r, char **error_r);

/* ---- changes (drafts, tests, other clients) ----------------------------- */

/* APPENDs a message (CRLF line ends are made from LF) with the given
 * flags/keywords (may be NULL).  *uid_r gets the new UID when the server
 * has UIDPLUS, else 0; uid_r may be NULL. */
enum crk_status crk_imap_append(struct crk_imap *imap, const char *folder,
    const struct crk_strv *flags, const char *data, size_t len, uint32_t *uid_r,
    char **error_r);
/* Opens a folder read-write (SELECT) for the changes below. */
enum crk_status crk_imap_select(struct crk_imap *imap, const char *folder,
    struct crk_imap_mailbox *mailbox_r, char **error_r);
/* UID STORE +FLAGS (add) or -FLAGS (remove) on one message of the
 * selected folder. */
enum crk_status crk_imap_store_flags(struct crk_imap *imap, uint32_t uid,
    const struct crk_strv *flags, bool add, char **error_r);
/* Marks \Deleted and expunges one message of the selected folder. */
enum crk_status
crk_imap_expunge_uid(struct crk_imap *imap, uint32_t uid, char **error_r);
enum crk_status
crk_imap_create(struct crk_imap *imap, const char *folder, char **error_r);
enum crk_status
crk_imap_delete(struct crk_imap *imap, const char *folder, char **error_r);

/* ---- waiting for news ---------------------------------------------------- */

/* NOOP: keeps the connection alive and lets the server report news. */
enum crk_status crk_imap_noop(struct crk_imap *imap, char **error_r);

/* IDLE (RFC 2177) on the open folder for at most timeout_secs (keep it
 * under the server's 30 minutes): returns when the server reports
 * something (*news_r true), when the time is up, or when wake_fd (>= 0,
 * e.g. a signal self-pipe) becomes readable (*news_r false), always after
 * ending the IDLE with DONE.  CRK_E_UNSUPPORTED without IDLE. */
enum crk_status crk_imap_idle(struct crk_imap *imap, int timeout_secs,
    int wake_fd, bool *news_r, char **error_r);

#endif
