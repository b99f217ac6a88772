/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The commands for IMAP sync, watch and doctor (placeholder until they land). */
#include "config.h"

#include <stdio.h>

#include "watcher/cli.h"

int
crk_cmd_sync(struct crk_cli *cli, int argc, char **argv)
{
	crk_cli_error("%s: not available in this version yet", argv[0]);
	return EX_UNAVAILABLE;
}

int
crk_cmd_watch(struct crk_cli *cli, int argc, char **argv)
{
	crk_cli_error("%s: not available in this version yet", argv[0]);
	return EX_UNAVAILABLE;
}

int
crk_cmd_doctor(struct crk_cli *cli, int argc, char **argv)
{
	crk_cli_error("%s: not available in this version yet", argv[0]);
	return EX_UNAVAILABLE;
}
