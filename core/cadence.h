/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The follow-up cadence: when each touch of a round is due. */
#ifndef CRK_CADENCE_H
#define CRK_CADENCE_H

#include <stdbool.h>

#include "core/common.h"
#include "core/date.h"

#define CRK_CADENCE_MAX 32

struct crk_cadence {
	int offsets[CRK_CADENCE_MAX]; /* days after the round's start, rising */
	unsigned n_offsets;
	int repeat_every; /* then every N days; 0: no repeat */
	unsigned cap;     /* at most this many follow-ups a round; 0: none */
	unsigned weekend; /* bit (1 << weekday) set for weekend days, 0 = Sun */
};

/* 1, 3, 7, 14, 28, 58, then every 30 days, no cap, weekend sat+sun. */
void crk_cadence_default(struct crk_cadence *cadence);

/* Parses "1,3,7,14,28,58": positive, strictly rising, at most
 * CRK_CADENCE_MAX.  CRK_E_INVAL with a message otherwise. */
enum crk_status crk_cadence_parse_offsets(
    struct crk_cadence *cadence, const char *spec, char **error_r);
/* Parses "sat,sun" (English names or three-letter forms, any case; ""
 * or "none" for no weekend).  All seven days is refused. */
enum crk_status crk_cadence_parse_weekend(
    struct crk_cadence *cadence, const char *spec, char **error_r);

/* Offset in days of follow-up `number` (1-based) of a round, or -1 when
 * the cadence has no such follow-up (past the list without repeat, or
 * past the cap). */
int crk_cadence_offset(const struct crk_cadence *cadence, unsigned number);

bool crk_cadence_is_weekend(const struct crk_cadence *cadence, crk_day d);
/* d itself when it is a working day, else the next working day. */
crk_day crk_cadence_working_day(const struct crk_cadence *cadence, crk_day d);

/* When follow-up `number` of a round that started on `round_start` is due:
 * the working day on or after max(round_start + offset(number),
 * last_touch + 1), and not before `not_before` (CRK_DAY_NONE: no bound;
 * used for snoozes and out-of-office return dates).  last_touch is
 * CRK_DAY_NONE when nothing was sent since the round started.
 * Returns false when the cadence has no such follow-up. */
bool crk_cadence_due(const struct crk_cadence *cadence, crk_day round_start,
    unsigned number, crk_day last_touch, crk_day not_before, crk_day *due_r);

#endif
