/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main() of the crickets program; everything else is in libcrkwatch. */
#include "config.h"

#include <signal.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "watcher/cli.h"

/* The IMAP password passes through this process (read from its source,
 * sent, wiped): no core dump may keep a copy, and no other process of the
 * same user may read this one's memory (ptrace, /proc/PID/mem). */
static void
no_core_dumps(void)
{
	struct rlimit none = {0, 0};

	(void)setrlimit(RLIMIT_CORE, &none);
#ifdef PR_SET_DUMPABLE
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

int
main(int argc, char **argv)
{
	no_core_dumps();
	/* A file over the size limit (RLIMIT_FSIZE, as quotas and some full
	 * disks show) must be a write error we report, with the old feed and
	 * store kept, not a signal that kills us halfway. */
	signal(SIGXFSZ, SIG_IGN);
	return crk_cli_main(argc, argv);
}
