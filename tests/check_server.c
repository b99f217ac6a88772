/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of ical/server: the HTTP feed server on a port-0 listener. */
#include "config.h"

#include "ical/server.h"
#include "tests/check_common.h"

Suite *
crk_test_suite(void)
{
	return suite_create("server");
}
