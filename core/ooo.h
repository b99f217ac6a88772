/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Out-of-office return dates: the last day of absence in an auto-reply. */
#ifndef CRK_OOO_H
#define CRK_OOO_H

#include <stdbool.h>
#include <time.h>

#include "core/date.h"

/* Finds the last day of absence an out-of-office text names, in English and
 * German (and the common French, Spanish, Italian and Dutch phrasings:
 * "jusqu'au", "de retour le", "hasta el", "de vuelta", "fino al",
 * "rientro", "tot en met", "terug op").  Has the signature of
 * crk_return_date_fn (core/engine.h), so the host passes it to
 * crk_engine_set_return_date_parser.
 *
 * What day comes back: always the LAST DAY OF ABSENCE.
 *   - "until X", "till X", "through X", "bis (zum|einschließlich) X",
 *     "nach dem X", "vom A bis X", "from A to X", "A - X": X.
 *   - "back on X", "returning X", "return on X", "zurück am X",
 *     "ab (dem) X wieder", "am X wieder im Büro": the day before X.
 *   "from/vom/ab/since X" alone names the start of an absence and is
 *   ignored.  The engine moves the follow-up to the next working day after
 *   the returned day.
 *
 * Dates: ISO "2026-11-30"; "30.11.2026", "30.11.26", "30.11."; month names
 * in those languages, day first or month first ("30 November",
 * "1. Dezember", "30th of Nov", "1er décembre", "30 de noviembre",
 * "Nov 30", "November 30th, 2026"), each
 * with an optional weekday in front ("Monday, 30 November", "Mo., 30.11.").
 * Slash dates are day/month ("30/11", "1/12/2026") as in most of the
 * world, except when the second number cannot be a month ("11/30"): that
 * is US month/day, and then every ambiguous slash date in the same text is
 * read as month/day too.  Dates without a year take the next occurrence
 * on or after the received day ("until 5 January" received in December is
 * next year).  A weekday alone ("back on Monday") is the next such day
 * after the received day.
 *
 * The scan stops at quoted history: a line starting with ">", an
 * "-----Original Message-----" (or German) separator, an Outlook
 * underscore rule, a "From:"/"Von:"/"Sent:"/"Gesendet:" (and translated)
 * header block, an "On ... wrote:"/"Am ... schrieb" (and translated)
 * line, or an HTML <blockquote>.  HTML
 * tags and the common entities (&nbsp;, umlauts) are tolerated.  At most
 * the first 16 KiB of text are read.
 *
 * When two readings name days that differ by more than a weekend between
 * them ("until Friday 27 November ... back on Monday 30 November" agrees:
 * the later day, Sunday, is returned), when a named day lies before the
 * received day or more than a year after it, or when nothing is found,
 * returns false and leaves *day_r untouched.  On success sets *day_r and
 * returns true.  `received` is when the auto-reply arrived; local days are
 * in the process's time zone. */
bool crk_ooo_return_date(const char *text, time_t received, crk_day *day_r);

#endif
