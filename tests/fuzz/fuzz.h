/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One fuzz target per tests/fuzz/fuzz_*.c.  With --enable-fuzz each links
 * libFuzzer; in every build tests/fuzz/replay.c runs it over its seed
 * corpus and the kept findings, as a regression test. */
#ifndef CRK_FUZZ_H
#define CRK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ends the process with a message when an invariant does not hold, so
 * libFuzzer (and the replay) report it as a crash. */
#define FUZZ_CHECK(cond, what)                                                 \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(__FILE__, __LINE__, (what));                 \
	} while (0)
void fuzz_fail(const char *file, int line, const char *what);

/* Silences crickets' log (warnings about hostile input are expected). */
void fuzz_quiet(void);

#endif
