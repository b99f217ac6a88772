/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every fuzz target shares. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/common.h"
#include "tests/fuzz/fuzz.h"

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

static void
fuzz_log(enum crk_log_level level, const char *msg, void *context)
{
	(void)level;
	(void)msg;
	(void)context;
}

void
fuzz_quiet(void)
{
	crk_log_set_handler(fuzz_log, NULL);
}

const char *(*fuzz_script_unplayed)(void);
