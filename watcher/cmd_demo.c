/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The commands for the sandbox demo (placeholder until they land). */
#include "config.h"

#include <stdio.h>

#include "watcher/cli.h"

int
crk_cmd_demo(struct crk_cli *cli, int argc, char **argv)
{
	crk_cli_error("%s: not available in this version yet", argv[0]);
	return EX_UNAVAILABLE;
}
