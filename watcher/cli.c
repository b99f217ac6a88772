/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stub, being written */
#include "config.h"

#include "watcher/cli.h"

int
crk_cli_main(int argc, char **argv)
{
	return EX_SOFTWARE;
}
