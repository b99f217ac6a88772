/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Follow-up templates: loading per touch number, placeholders, rendering. */
#ifndef CRK_TEMPLATE_H
#define CRK_TEMPLATE_H

#include <stdbool.h>

#include "core/common.h"
#include "core/date.h"
#include "core/message.h"

/* Touches 1 to CRK_TEMPLATE_TOUCHES have their own template
 * ("touch-N.txt"); later touches use "monthly.txt". */
#define CRK_TEMPLATE_TOUCHES 6

/* One template.  A file may start with a line "Angle: <text>" (the
 * suggested angle shown in calendar descriptions) and a blank line; the
 * rest is the body. */
struct crk_template {
	char *angle;  /* owned; never NULL: the file's, else the built-in
			 angle for the touch */
	char *body;   /* owned; UTF-8, LF line ends */
	char *source; /* owned; the file read, or "built-in" */
};

/* The values placeholders stand for.  NULL strings, a negative
 * days_silent, touch 0 and sent_day CRK_DAY_NONE mean "unknown" and render
 * as nothing. */
struct crk_template_values {
	const char *first_name; /* {first_name} */
	const char *company;    /* {company} */
	const char *subject;    /* {subject}: the thread subject */
	crk_day sent_day;       /* {sent_date}: "2 November" */
	int days_silent;        /* {days_silent} */
	unsigned touch;         /* {touch} */
	const char *rep_name;   /* {rep_name} */
};

/* The file name for a touch number: "touch-1.txt" ... "touch-6.txt", then
 * "monthly.txt" (also for 0).  Returns a constant string. */
const char *crk_template_file_name(unsigned touch);

/* The built-in text of a touch's template (with its "Angle:" line), used
 * when no file exists.  Returns a constant string. */
const char *crk_template_builtin(unsigned touch);

/* The suggested angle of a touch's built-in template ("Did the proposal
 * arrive? ..."), for calendar descriptions.  Owned. */
char *crk_template_builtin_angle(unsigned touch);

/* Parses template text: an optional first line "Angle: ..." followed by
 * a blank line, then the body.  CRLF becomes LF, invalid UTF-8 is
 * replaced; a missing angle takes the built-in one for `touch`.  `source`
 * names where the text came from (copied).  Never fails; the caller owns
 * *tpl_r. */
void crk_template_parse(const char *text, unsigned touch, const char *source,
    struct crk_template **tpl_r);

/* Loads the template for a touch: first <rep_dir>/<file name>, then
 * <shipped_dir>/<file name> (either dir may be NULL), then the built-in
 * text, so a draft never fails for lack of templates.  A file that exists
 * but cannot be read, or is over 64 KiB, is logged (warning) and skipped.
 * Always returns CRK_OK; the caller owns *tpl_r.  core reads no config:
 * the host passes the rep's templates_dir and CRK_DATADIR "/templates". */
enum crk_status crk_template_load(const char *rep_dir, const char *shipped_dir,
    unsigned touch, struct crk_template **tpl_r, char **error_r);

/* Checks that every {placeholder} in the body is a known one.  Returns
 * CRK_OK, or CRK_E_INVAL with an error naming each unknown placeholder
 * and its line ("unknown placeholder {frist_name} on line 1"). */
enum crk_status
crk_template_validate(const struct crk_template *tpl, char **error_r);

/* Renders the body with the values.  Unknown placeholders stay as they
 * are.  A placeholder whose value is unknown or empty renders as nothing
 * and takes one space before it along ("Hi {first_name}," -> "Hi,");
 * a line of just such a placeholder goes away with its line end.
 * Control characters in values become spaces, so a value never adds a
 * line.  Returns an owned string. */
char *crk_template_render(
    const struct crk_template *tpl, const struct crk_template_values *values);

void crk_template_free(struct crk_template **tpl);

/* The first name to greet, from a display name ("Jane Doe", "Doe, Jane",
 * "Dr. Jane Doe (ACME)") or, without one, from a first.last address
 * ("jane.doe@acme.com" -> "Jane").  Role mailboxes (info@, sales@,
 * contact@ ...) and single-word local parts give NULL.  Returns an owned
 * string or NULL. */
char *crk_template_first_name(const char *display_name, const char *addr);

/* The company: "(ACME)" in the display name, else the registrable label
 * of the address's domain capitalised ("jane@sales.acme.co.uk" ->
 * "Acme"); NULL for public mail providers (gmail.com, outlook.com, gmx.de,
 * web.de ...).  Returns an owned string or NULL. */
char *crk_template_company(const char *display_name, const char *addr);

/* {first_name} and {company} for a follow-up to these prospects: one
 * prospect gives their first name, two give "Jane and Bob" (when both are
 * known), more give none (the greeting becomes "Hi,").  The company is the
 * first one any prospect yields.  Sets owned strings or NULL. */
void crk_template_prospect_values(const struct crk_addr_list *prospects,
    char **first_name_r, char **company_r);

/* "2 November": the day as {sent_date} shows it; buf at least 24 bytes.
 * Returns buf. */
char *crk_template_format_day(crk_day day, char *buf);

#endif
