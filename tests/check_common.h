/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every Check program shares: the suite hook and the test helpers. */
#ifndef CRK_CHECK_COMMON_H
#define CRK_CHECK_COMMON_H

#include <check.h>

#include "tests/testutil.h"

/* Each tests/check_<module>.c defines this; tests/check_main.c runs it
 * and prints TAP, so automake reports every test case. */
Suite *crk_test_suite(void);

/* Table-driven tests: tcase_add_loop_test over a static table. */
#define CRK_TABLE_TEST(tc, fn, table)                                          \
	tcase_add_loop_test((tc), (fn), 0, (int)CRK_N_ELEMENTS(table))

#endif
