/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the Check suites: temp dirs, files, log capture, parsed messages.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/testutil.h"

char *
crk_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	path = crk_xasprintf("%s/crk-test-XXXXXX", base);
	ck_assert_msg(
	    mkdtemp(path) != NULL, "mkdtemp %s: %s", path, strerror(errno));
	return path;
}

static int
rmtree_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
crk_test_rmtree(const char *path)
{
	if (path != NULL)
		nftw(path, rmtree_cb, 16, FTW_DEPTH | FTW_PHYS);
}

struct crk_store *
crk_test_store_in(const char *dir)
{
	char *path = crk_xasprintf("%s/crickets.db", dir);
	struct crk_store *store = NULL;
	char *error = NULL;

	ck_assert_msg(crk_store_open(path, &store, &error) == CRK_OK, "%s: %s",
	    path, error != NULL ? error : "?");
	free(path);
	return store;
}

const char *
crk_test_srcdir(void)
{
	const char *p = getenv("CRK_TOP_SRCDIR");

	return p != NULL && *p != '\0' ? p : ".";
}

const char *
crk_test_builddir(void)
{
	const char *p = getenv("CRK_TOP_BUILDDIR");

	return p != NULL && *p != '\0' ? p : ".";
}

char *
crk_test_read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, alloc = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (alloc - len < 4096) {
			alloc = alloc == 0 ? 8192 : alloc * 2;
			buf = crk_xrealloc(buf, alloc + 1);
		}
		n = fread(buf + len, 1, alloc - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	if (len_r != NULL)
		*len_r = len;
	return buf;
}

void
crk_test_write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t len = strlen(data);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, data, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

struct crk_message *
crk_test_parse(const char *raw)
{
	struct crk_message *msg = NULL;
	char *error = NULL;
	enum crk_status st;

	st = crk_message_parse(raw, strlen(raw), &msg, &error);
	ck_assert_msg(
	    st == CRK_OK, "parse failed: %s", error != NULL ? error : "?");
	ck_assert_ptr_nonnull(msg);
	free(error);
	return msg;
}

static struct crk_strv captured;

static void
capture_handler(enum crk_log_level level, const char *msg, void *context)
{
	(void)level;
	(void)context;
	crk_strv_add(&captured, msg);
}

void
crk_test_log_capture_start(void)
{
	crk_strv_clear(&captured);
	crk_log_set_handler(capture_handler, NULL);
}

char *
crk_test_log_capture_end(void)
{
	char *s = crk_strv_join(&captured, "\n");

	crk_log_set_handler(NULL, NULL);
	crk_strv_clear(&captured);
	return s;
}

void
crk_test_set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

unsigned
crk_test_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}
