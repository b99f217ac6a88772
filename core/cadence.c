/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The follow-up cadence: offsets, repeat, cap, weekend, and due days. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/cadence.h"

/* A cadence step longer than a century is a typo, and the bound keeps
 * every offset and due-day sum far from integer overflow. */
#define CADENCE_MAX_DAYS 36525
#define CADENCE_ALL_DAYS 0x7fu
#define CADENCE_DAY_HINT "use sun, mon, tue, wed, thu, fri, sat or none"

static const int cadence_default_offsets[] = {1, 3, 7, 14, 28, 58};

void
crk_cadence_default(struct crk_cadence *cadence)
{
	size_t i;

	memset(cadence, 0, sizeof(*cadence));
	for (i = 0; i < CRK_N_ELEMENTS(cadence_default_offsets); i++)
		cadence->offsets[i] = cadence_default_offsets[i];
	cadence->n_offsets = CRK_N_ELEMENTS(cadence_default_offsets);
	cadence->repeat_every = 30;
	cadence->cap = 0;
	cadence->weekend = (1u << 0) | (1u << 6);
}

/* "cadence item 3 ('x') is not a number of days": names the bad item. */
static enum crk_status cadence_bad_item(char **error_r, unsigned index,
    const char *item, const char *fmt, ...) CRK_PRINTF(4, 5);

static enum crk_status
cadence_bad_item(
    char **error_r, unsigned index, const char *item, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = crk_xvasprintf(fmt, ap);
	va_end(ap);
	crk_error_set(error_r, "cadence item %u ('%s') %s", index, item, why);
	free(why);
	return CRK_E_INVAL;
}

/* Reads one trimmed offset item; 0 and negatives come back as such so the
 * caller can say "must be at least 1". */
static enum crk_status
cadence_parse_item(
    const char *item, unsigned index, long *value_r, char **error_r)
{
	const char *p = item;
	long value = 0;
	bool negative = false;

	if (*p == '-') {
		negative = true;
		p++;
	}
	if (*p == '\0')
		return cadence_bad_item(
		    error_r, index, item, "is not a number of days");
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return cadence_bad_item(
			    error_r, index, item, "is not a number of days");
		value = value * 10 + (*p - '0');
		if (value > CADENCE_MAX_DAYS)
			return cadence_bad_item(error_r, index, item,
			    "is too large (at most %d days)", CADENCE_MAX_DAYS);
	}
	*value_r = negative ? -value : value;
	return CRK_OK;
}

enum crk_status
crk_cadence_parse_offsets(
    struct crk_cadence *cadence, const char *spec, char **error_r)
{
	int offsets[CRK_CADENCE_MAX];
	unsigned n = 0, index = 0;
	const char *p = spec;
	enum crk_status status = CRK_OK;
	char *item = NULL;
	long value = 0;

	if (spec == NULL || spec[strspn(spec, " \t")] == '\0') {
		crk_error_set(error_r,
		    "cadence is empty: expected days like "
		    "1,3,7,14,28,58");
		return CRK_E_INVAL;
	}
	for (;;) {
		size_t len = strcspn(p, ",");

		index++;
		crk_free_str(&item);
		item = crk_str_trim(crk_xstrndup(p, len));
		if (*item == '\0') {
			crk_error_set(
			    error_r, "cadence item %u is empty", index);
			status = CRK_E_INVAL;
			goto out;
		}
		status = cadence_parse_item(item, index, &value, error_r);
		if (status != CRK_OK)
			goto out;
		if (value < 1) {
			status = cadence_bad_item(
			    error_r, index, item, "must be at least 1 day");
			goto out;
		}
		if (n > 0 && value <= offsets[n - 1]) {
			status = cadence_bad_item(error_r, index, item,
			    "must be greater than the item before it");
			goto out;
		}
		if (n == CRK_CADENCE_MAX) {
			status = cadence_bad_item(error_r, index, item,
			    "is one too many (at most %d items)",
			    CRK_CADENCE_MAX);
			goto out;
		}
		offsets[n++] = (int)value;
		p += len;
		if (*p == '\0')
			break;
		p++; /* the comma */
	}
	memcpy(cadence->offsets, offsets, n * sizeof(offsets[0]));
	cadence->n_offsets = n;
out:
	crk_free_str(&item);
	return status;
}

struct cadence_day_name {
	const char *abbr;
	const char *full;
};

/* Indexed by weekday, 0 = Sunday, like crk_day_weekday. */
static const struct cadence_day_name cadence_day_names[7] = {
    {"sun", "sunday"},
    {"mon", "monday"},
    {"tue", "tuesday"},
    {"wed", "wednesday"},
    {"thu", "thursday"},
    {"fri", "friday"},
    {"sat", "saturday"},
};

static int
cadence_weekday_of_name(const char *name)
{
	int i;

	for (i = 0; i < 7; i++) {
		if (crk_strcasecmp(name, cadence_day_names[i].abbr) == 0 ||
		    crk_strcasecmp(name, cadence_day_names[i].full) == 0)
			return i;
	}
	return -1;
}

enum crk_status
crk_cadence_parse_weekend(
    struct crk_cadence *cadence, const char *spec, char **error_r)
{
	struct crk_strv names = {0};
	enum crk_status status = CRK_OK;
	unsigned mask = 0;
	size_t i;

	crk_strv_split(&names, spec != NULL ? spec : "", ", \t");
	if (names.count == 1 && crk_strcasecmp(names.items[0], "none") == 0)
		goto done;
	for (i = 0; i < names.count; i++) {
		int wd = cadence_weekday_of_name(names.items[i]);

		if (wd < 0) {
			crk_error_set(error_r, "unknown weekend day '%s' (%s)",
			    names.items[i], CADENCE_DAY_HINT);
			status = CRK_E_INVAL;
			goto out;
		}
		mask |= 1u << wd;
	}
	if (mask == CADENCE_ALL_DAYS) {
		crk_error_set(error_r, "weekend '%s' is all seven days: %s",
		    spec, "follow-ups would never be due");
		status = CRK_E_INVAL;
		goto out;
	}
done:
	cadence->weekend = mask;
out:
	crk_strv_clear(&names);
	return status;
}

int
crk_cadence_offset(const struct crk_cadence *cadence, unsigned number)
{
	int64_t offset, last, repeats;

	if (number == 0)
		return -1;
	if (cadence->cap > 0 && number > cadence->cap)
		return -1;
	if (number <= cadence->n_offsets)
		return cadence->offsets[number - 1];
	if (cadence->repeat_every <= 0)
		return -1;
	last = 0;
	if (cadence->n_offsets > 0)
		last = cadence->offsets[cadence->n_offsets - 1];
	repeats = number - cadence->n_offsets;
	offset = last + (int64_t)cadence->repeat_every * repeats;
	/* Far past any real round; still keep round_start + offset an int. */
	if (offset > INT_MAX / 2)
		return -1;
	return (int)offset;
}

bool
crk_cadence_is_weekend(const struct crk_cadence *cadence, crk_day d)
{
	return (cadence->weekend >> crk_day_weekday(d) & 1u) != 0;
}

crk_day
crk_cadence_working_day(const struct crk_cadence *cadence, crk_day d)
{
	int i;

	/* A hand-filled mask with all seven days has no working day; the
	 * bound keeps that from looping and leaves d as it is. */
	for (i = 0; i < 7; i++) {
		if (!crk_cadence_is_weekend(cadence, d + i))
			return d + i;
	}
	return d;
}

bool
crk_cadence_due(const struct crk_cadence *cadence, crk_day round_start,
    unsigned number, crk_day last_touch, crk_day not_before, crk_day *due_r)
{
	int offset = crk_cadence_offset(cadence, number);
	crk_day due;

	*due_r = CRK_DAY_NONE;
	if (offset < 0 || round_start == CRK_DAY_NONE)
		return false;
	due = round_start + offset;
	if (last_touch != CRK_DAY_NONE && last_touch + 1 > due)
		due = last_touch + 1;
	if (not_before != CRK_DAY_NONE && not_before > due)
		due = not_before;
	*due_r = crk_cadence_working_day(cadence, due);
	return true;
}
