/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stub, being written */
#include "config.h"

#include "tests/check_common.h"

Suite *
crk_test_suite(void)
{
	return suite_create("stats");
}
