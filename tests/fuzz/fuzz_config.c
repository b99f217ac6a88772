/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the config parser (watcher/config.c over inih) on
 * arbitrary bytes.  It must load or refuse with a message, never crash. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "conf/conf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *path;
	struct crk_config *config = NULL;
	char *error = NULL;
	FILE *f;

	if (path == NULL) {
		fuzz_quiet();
		path = crk_xasprintf(
		    "%s/crk-fuzz-config.%ld", P_tmpdir, (long)getpid());
	}
	f = fopen(path, "wb");
	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (crk_config_load(path, false, &config, &error) == CRK_OK)
		FUZZ_CHECK(config != NULL, "loaded without a config");
	else
		FUZZ_CHECK(error != NULL, "refused without a message");
	crk_config_free(&config);
	free(error);
	unlink(path);
	return 0;
}
