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

/* A target whose inputs are scripts (fuzz_imap: the server's answers to
 * the client's commands) sets this to say, after an input, why that
 * script was not played to its end, or NULL when it was.  The replay
 * fails a seed of tests/fuzz/corpus/ that is not: once the client's
 * commands change, a seed written for the old ones stops after a few
 * answers and feeds the fuzzer nothing of the sync. */
extern const char *(*fuzz_script_unplayed)(void);

#endif
