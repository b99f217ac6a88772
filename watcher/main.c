/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main() of the crickets program; everything else is in libcrkwatch. */
#include "config.h"

#include "watcher/cli.h"

int
main(int argc, char **argv)
{
	return crk_cli_main(argc, argv);
}
