/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared basics of libcrickets: status codes, errors, memory, string vectors,
 * logging. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common.h"

static crk_log_fn *log_handler;
static void *log_context;

const char *
crk_status_str(enum crk_status status)
{
	switch (status) {
	case CRK_OK: return "ok";
	case CRK_E_INVAL: return "invalid argument";
	case CRK_E_PARSE: return "parse error";
	case CRK_E_NOTFOUND: return "not found";
	case CRK_E_AMBIGUOUS: return "ambiguous";
	case CRK_E_STATE: return "not allowed in this state";
	case CRK_E_DB: return "database error";
	case CRK_E_BUSY: return "store is locked";
	case CRK_E_IO: return "i/o error";
	case CRK_E_NET: return "connection error";
	case CRK_E_TLS: return "TLS error";
	case CRK_E_AUTH: return "authentication failed";
	case CRK_E_PROTO: return "protocol error";
	case CRK_E_UNSUPPORTED: return "not supported";
	}
	return "unknown status";
}

void
crk_oom(void)
{
	/* The one place libcrickets writes to stderr: there is no memory left
	 * to hand a message to a log handler. */
	static const char msg[] = "crickets: out of memory\n";
	fwrite(msg, 1, sizeof(msg) - 1, stderr);
	abort();
}

void *
crk_xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		crk_oom();
	return p;
}

void *
crk_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL)
		crk_oom();
	return p;
}

void *
crk_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL)
		crk_oom();
	return p;
}

void *
crk_xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		crk_oom();
	return crk_xrealloc(ptr, nmemb * size);
}

char *
crk_xstrdup(const char *s)
{
	return s == NULL ? NULL : crk_xstrndup(s, strlen(s));
}

char *
crk_xstrndup(const char *s, size_t n)
{
	char *p;

	if (s == NULL)
		return NULL;
	n = strnlen(s, n);
	p = crk_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
crk_xvasprintf(const char *fmt, va_list ap)
{
	char *p = NULL;

	if (vasprintf(&p, fmt, ap) < 0)
		crk_oom();
	return p;
}

char *
crk_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = crk_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
crk_free_str(char **p)
{
	free(*p);
	*p = NULL;
}

void
crk_error_set(char **error_r, const char *fmt, ...)
{
	va_list ap;

	if (error_r == NULL)
		return;
	free(*error_r);
	va_start(ap, fmt);
	*error_r = crk_xvasprintf(fmt, ap);
	va_end(ap);
}

void
crk_error_prefix(char **error_r, const char *fmt, ...)
{
	va_list ap;
	char *prefix, *msg;

	if (error_r == NULL)
		return;
	va_start(ap, fmt);
	prefix = crk_xvasprintf(fmt, ap);
	va_end(ap);
	msg = crk_xasprintf(
	    "%s: %s", prefix, *error_r != NULL ? *error_r : "failed");
	free(prefix);
	free(*error_r);
	*error_r = msg;
}

/* ASCII case folding on purpose: header names, keywords and addresses are
 * ASCII, and the locale must not change how they compare. */
static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int
crk_strcasecmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p != '\0' && ascii_lower(*p) == ascii_lower(*q)) {
		p++;
		q++;
	}
	return ascii_lower(*p) - ascii_lower(*q);
}

int
crk_strncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n > 0; n--, p++, q++) {
		if (ascii_lower(*p) != ascii_lower(*q))
			return ascii_lower(*p) - ascii_lower(*q);
		if (*p == '\0')
			break;
	}
	return 0;
}

const char *
crk_strcasestr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack != '\0'; haystack++) {
		if (crk_strncasecmp(haystack, needle, n) == 0)
			return haystack;
	}
	return n == 0 ? haystack : NULL;
}

char *
crk_str_lower(char *s)
{
	char *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		*p = (char)ascii_lower((unsigned char)*p);
	return s;
}

char *
crk_str_trim(char *s)
{
	size_t len;
	char *start = s;

	if (s == NULL)
		return NULL;
	while (
	    *start == ' ' || *start == '\t' || *start == '\r' || *start == '\n')
		start++;
	len = strlen(start);
	while (len > 0 &&
	    (start[len - 1] == ' ' || start[len - 1] == '\t' ||
		start[len - 1] == '\r' || start[len - 1] == '\n'))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

bool
crk_str_has_prefix_ci(const char *s, const char *prefix)
{
	return crk_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

size_t
crk_utf8_len(const char *s, size_t avail, uint32_t *cp_r)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n, i;

	if (avail == 0)
		return 0;
	if (p[0] < 0x80) {
		n = 1;
		cp = p[0];
	} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	if (cp_r != NULL)
		*cp_r = cp;
	return n;
}

void
crk_strv_add_owned(struct crk_strv *v, char *s)
{
	if (v->count + 1 >= v->alloc) {
		v->alloc = v->alloc == 0 ? 4 : v->alloc * 2;
		v->items =
		    crk_xreallocarray(v->items, v->alloc, sizeof(*v->items));
	}
	v->items[v->count++] = s;
	v->items[v->count] = NULL;
}

void
crk_strv_add(struct crk_strv *v, const char *s)
{
	crk_strv_add_owned(v, crk_xstrdup(s));
}

bool
crk_strv_contains(const struct crk_strv *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->count; i++) {
		if (strcmp(v->items[i], s) == 0)
			return true;
	}
	return false;
}

bool
crk_strv_contains_ci(const struct crk_strv *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->count; i++) {
		if (crk_strcasecmp(v->items[i], s) == 0)
			return true;
	}
	return false;
}

bool
crk_strv_add_unique(struct crk_strv *v, const char *s)
{
	if (crk_strv_contains(v, s))
		return false;
	crk_strv_add(v, s);
	return true;
}

void
crk_strv_clear(struct crk_strv *v)
{
	size_t i;

	for (i = 0; i < v->count; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->count = 0;
	v->alloc = 0;
}

void
crk_strv_copy(struct crk_strv *dst, const struct crk_strv *src)
{
	size_t i;

	for (i = 0; i < src->count; i++)
		crk_strv_add(dst, src->items[i]);
}

void
crk_strv_split(struct crk_strv *v, const char *s, const char *seps)
{
	const char *p = s;

	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, seps);
		char *part = crk_str_trim(crk_xstrndup(p, n));

		if (*part != '\0')
			crk_strv_add_owned(v, part);
		else
			free(part);
		p += n;
		if (*p != '\0')
			p++;
	}
}

char *
crk_strv_join(const struct crk_strv *v, const char *sep)
{
	size_t i, len = 1, seplen = strlen(sep);
	char *out, *p;

	for (i = 0; i < v->count; i++)
		len += strlen(v->items[i]) + seplen;
	out = p = crk_xmalloc(len);
	*p = '\0';
	for (i = 0; i < v->count; i++) {
		size_t n = strlen(v->items[i]);

		if (i > 0) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		memcpy(p, v->items[i], n);
		p += n;
		*p = '\0';
	}
	return out;
}

void
crk_log_set_handler(crk_log_fn *fn, void *context)
{
	log_handler = fn;
	log_context = context;
}

void
crk_log(enum crk_log_level level, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (log_handler == NULL)
		return;
	va_start(ap, fmt);
	msg = crk_xvasprintf(fmt, ap);
	va_end(ap);
	log_handler(level, msg, log_context);
	free(msg);
}

char *
crk_file_identity(const char *path, bool follow)
{
	struct stat st;

	if ((follow ? stat(path, &st) : lstat(path, &st)) != 0 ||
	    !S_ISREG(st.st_mode))
		return crk_xstrdup("-");
	return crk_xasprintf("%ju:%ju:%o:%jd:%jd.%09ld:%jd.%09ld",
	    (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
	    (unsigned)(st.st_mode & 07777), (intmax_t)st.st_size,
	    (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
	    (intmax_t)st.st_ctim.tv_sec, (long)st.st_ctim.tv_nsec);
}

enum crk_status
crk_mkdir_parent(const char *path, char **error_r)
{
	char *dir = crk_xstrdup(path), *p;
	enum crk_status status = CRK_OK;

	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			crk_error_set(error_r, "cannot create %s: %s", dir,
			    strerror(errno));
			status = CRK_E_IO;
			break;
		}
		*p = '/';
	}
	free(dir);
	return status;
}

char *
crk_read_file(const char *path, size_t max, struct stat *st_r, size_t *len_r,
    char **error_r)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, alloc = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		crk_error_set(error_r, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		crk_error_set(error_r, "not a regular file");
		goto fail;
	}
	/* by its size, and again as it is read: it may grow */
	if (max > 0 && (uintmax_t)st.st_size > max)
		goto too_large;
	for (;;) {
		if (alloc - len < 4096) {
			alloc =
			    alloc == 0 ? (size_t)st.st_size + 4096 : alloc * 2;
			buf = crk_xrealloc(buf, alloc + 1);
		}
		n = read(fd, buf + len, alloc - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			crk_error_set(error_r, "%s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (max > 0 && len > max)
			goto too_large;
	}
	close(fd);
	buf[len] = '\0';
	*len_r = len;
	if (st_r != NULL)
		*st_r = st;
	return buf;
too_large:
	crk_error_set(error_r, "larger than %zu MiB", max / (1024 * 1024));
fail:
	free(buf);
	close(fd);
	return NULL;
}
