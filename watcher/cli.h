/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The crickets command line: option parsing and one function per command. */
#ifndef CRK_CLI_H
#define CRK_CLI_H

/* sysexits(3) codes, so scripts and systemd can tell failures apart. */
#include <sysexits.h>

/* Runs the crickets command line; returns the process exit code. */
int crk_cli_main(int argc, char **argv);

#endif
