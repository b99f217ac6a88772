/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the Check suites: temp dirs, files, log capture, parsed messages.
 */
#ifndef CRK_TESTUTIL_H
#define CRK_TESTUTIL_H

#include <stddef.h>

#include "core/common.h"
#include "core/message.h"
#include "core/store.h"

/* A fresh private directory under $TMPDIR (or /tmp); caller frees the
 * string and removes the tree with crk_test_rmtree. */
char *crk_test_tmpdir(void);
void crk_test_rmtree(const char *path);
/* The store dir/crickets.db, opened (made); fails the test on error. */
struct crk_store *crk_test_store_in(const char *dir);

/* The source and build tree roots (from CRK_TOP_SRCDIR/BUILDDIR set by
 * make check, "." otherwise). */
const char *crk_test_srcdir(void);
const char *crk_test_builddir(void);

/* Reads a whole file; NULL on error.  *len_r may be NULL. */
char *crk_test_read_file(const char *path, size_t *len_r);
/* Writes a whole file (mode 0600); aborts the test on error. */
void crk_test_write_file(const char *path, const char *data);

/* Parses a message written with LF line ends; fails the test on error. */
struct crk_message *crk_test_parse(const char *raw);

/* Captures the library's log lines into one string (joined by '\n'). */
void crk_test_log_capture_start(void);
/* Returns the captured text (owned by the caller) and stops capturing. */
char *crk_test_log_capture_end(void);

/* A loopback TCP port nothing listens on: bound once by the kernel's
 * choice, then closed, for servers the test starts (or for "down"). */
unsigned crk_test_free_port(void);

/* Sets TZ for the rest of the test (fork mode keeps it per test). */
void crk_test_set_tz(const char *tz);

#endif
