/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs one fuzz target over its seed corpus (tests/fuzz/corpus/NAME) and
 * the findings kept as regression tests (tests/fuzz/regress/NAME), one TAP
 * line per file.  A crash fails the whole program, as it should. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/common.h"
#include "tests/fuzz/fuzz.h"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
collect(const char *dir, struct crk_strv *files)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = files->count;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			crk_strv_add_owned(
			    files, crk_xasprintf("%s/%s", dir, e->d_name));
	}
	closedir(d);
	qsort(files->items + first, files->count - first, sizeof(*files->items),
	    name_cmp);
}

static char *
slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t alloc = 0, len = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 > alloc) {
			alloc = alloc * 2 + 4096;
			buf = crk_xrealloc(buf, alloc);
		}
		n = fread(buf + len, 1, alloc - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*len_r = len;
	return buf;
}

int
main(void)
{
	const char *top = getenv("CRK_TOP_SRCDIR");
	struct crk_strv files = {0};
	char *dir;
	size_t i, n_seeds;
	int status = EXIT_SUCCESS;

	if (top == NULL)
		top = ".";
	dir = crk_xasprintf("%s/tests/fuzz/corpus/%s", top, FUZZ_NAME);
	collect(dir, &files);
	free(dir);
	n_seeds = files.count;
	dir = crk_xasprintf("%s/tests/fuzz/regress/%s", top, FUZZ_NAME);
	collect(dir, &files);
	free(dir);
	if (files.count == 0) {
		printf("1..0 # no corpus for %s under %s\n", FUZZ_NAME, top);
		return EXIT_FAILURE;
	}
	printf("1..%zu\n", files.count);
	for (i = 0; i < files.count; i++) {
		size_t len = 0;
		char *data = slurp(files.items[i], &len);
		const char *why;

		if (data == NULL) {
			printf("not ok %zu - %s: unreadable\n", i + 1,
			    files.items[i]);
			continue;
		}
		fflush(stdout);
		/* a hang is a finding too (libFuzzer's -timeout): SIGALRM
		 * ends the program, and the test fails */
		alarm(30);
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		alarm(0);
		why = i < n_seeds && fuzz_script_unplayed != NULL
		    ? fuzz_script_unplayed()
		    : NULL;
		if (why != NULL) {
			printf("not ok %zu - %s: the seed is not played to "
			       "its end: %s\n",
			    i + 1, files.items[i] + strlen(top), why);
			status = EXIT_FAILURE;
		} else {
			printf("ok %zu - %s\n", i + 1,
			    files.items[i] + strlen(top));
		}
		free(data);
	}
	crk_strv_clear(&files);
	return status;
}
