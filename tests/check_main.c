/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one main() of every Check program: runs its suite and prints TAP. */
#include "config.h"

#include <stdlib.h>

#include "tests/check_common.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(crk_test_suite());
	/* TAP on stdout ("-") for automake's tap-driver; Check's own summary
	 * stays silent so the TAP stream is clean. */
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
