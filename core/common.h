/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared basics of libcrickets: status codes, errors, memory, string vectors,
 * logging. */
#ifndef CRK_COMMON_H
#define CRK_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#if defined(__GNUC__)
#define CRK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CRK_NORETURN __attribute__((noreturn))
#else
#define CRK_PRINTF(f, a)
#define CRK_NORETURN
#endif

#define CRK_N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* One status enum for the whole library.  Detail goes to error_r. */
enum crk_status {
	CRK_OK = 0,
	CRK_E_INVAL,     /* bad argument, config value, date or command */
	CRK_E_PARSE,     /* input that cannot be parsed at all */
	CRK_E_NOTFOUND,  /* no such proposal, message, folder */
	CRK_E_AMBIGUOUS, /* an ID prefix that names several proposals */
	CRK_E_STATE,     /* action not allowed in the current state */
	CRK_E_DB,        /* sqlite error, corrupt or newer store */
	CRK_E_BUSY,      /* store locked by another process past the timeout */
	CRK_E_IO,        /* file system error */
	CRK_E_NET,       /* connection failed or dropped (temporary) */
	CRK_E_TLS,       /* TLS handshake or certificate verification failed */
	CRK_E_AUTH,      /* login refused */
	CRK_E_PROTO,     /* server spoke something we cannot follow */
	CRK_E_UNSUPPORTED, /* server or build lacks a needed feature */
};

/* Returns a short constant English name of a status ("not found"). */
const char *crk_status_str(enum crk_status status);

/* Sets *error_r to a newly allocated formatted message, freeing any message
 * already there.  Does nothing when error_r is NULL. */
void crk_error_set(char **error_r, const char *fmt, ...) CRK_PRINTF(2, 3);

/* Prefixes an existing *error_r with "prefix: ".  NULL-safe. */
void crk_error_prefix(char **error_r, const char *fmt, ...) CRK_PRINTF(2, 3);

/* Memory: abort with a message on exhaustion, never return NULL. */
void *crk_xmalloc(size_t size);
void *crk_xcalloc(size_t nmemb, size_t size);
void *crk_xrealloc(void *ptr, size_t size);
/* Grows an array to hold at least `need` elements (doubling). */
void *crk_xreallocarray(void *ptr, size_t nmemb, size_t size);
char *crk_xstrdup(const char *s);            /* NULL in, NULL out */
char *crk_xstrndup(const char *s, size_t n); /* NULL in, NULL out */
char *crk_xasprintf(const char *fmt, ...) CRK_PRINTF(1, 2);
char *crk_xvasprintf(const char *fmt, va_list ap) CRK_PRINTF(1, 0);
CRK_NORETURN void crk_oom(void);

/* Frees *p and sets it NULL. */
void crk_free_str(char **p);

/* ASCII helpers that ignore the locale. */
int crk_strcasecmp(const char *a, const char *b);
int crk_strncasecmp(const char *a, const char *b, size_t n);
const char *crk_strcasestr(const char *haystack, const char *needle);
/* A text that changes whenever the file at path is replaced, edited,
 * removed or chmodded: device, inode, mode, size, mtime and ctime (an
 * edit in place that keeps the size and sets the mtime back still moves
 * ctime); "-" when there is no such regular file.  follow: a symbolic
 * link stands for its target (else it is no regular file).  Owned. */
char *crk_file_identity(const char *path, bool follow);

/* Reads the regular file at path whole, NUL-terminated, of at most max
 * bytes (0: any size); *st_r (may be NULL) gets its fstat.  NULL on
 * error, with a message that does not name the path ("not a regular
 * file", "larger than 50 MiB", strerror).  Owned. */
char *crk_read_file(const char *path, size_t max, struct stat *st_r,
    size_t *len_r, char **error_r);

/* mkdir -p of the directory that holds path, new parts 0700.  CRK_E_IO
 * with "cannot create DIR: ..." on error. */
enum crk_status crk_mkdir_parent(const char *path, char **error_r);

char *crk_str_lower(char *s); /* in place, ASCII; returns s */
char *crk_str_trim(char *s);  /* in place; returns s */
bool crk_str_has_prefix_ci(const char *s, const char *prefix);

/* Length of the valid UTF-8 sequence at s, with avail bytes available,
 * or 0 when it is invalid: overlong forms, surrogates and code points
 * above U+10FFFF are invalid too (RFC 3629 section 4).  *cp_r (may be
 * NULL) gets the code point. */
size_t crk_utf8_len(const char *s, size_t avail, uint32_t *cp_r);

/* A growable vector of owned strings.  Zero-initialised is empty. */
struct crk_strv {
	char **items; /* owned, each owned */
	size_t count;
	size_t alloc;
};
void crk_strv_add(struct crk_strv *v, const char *s); /* copies s */
void crk_strv_add_owned(struct crk_strv *v, char *s); /* takes s */
bool
crk_strv_add_unique(struct crk_strv *v, const char *s); /* false if present */
bool crk_strv_contains(const struct crk_strv *v, const char *s);
bool crk_strv_contains_ci(const struct crk_strv *v, const char *s);
void crk_strv_clear(struct crk_strv *v);
void crk_strv_copy(struct crk_strv *dst, const struct crk_strv *src);
/* Splits s at any of the separator characters, trims each part and drops
 * empty parts: "a, b,,c" with ", " gives a b c. */
void crk_strv_split(struct crk_strv *v, const char *s, const char *seps);
/* Joins with sep; returns an owned string ("" for an empty vector). */
char *crk_strv_join(const struct crk_strv *v, const char *sep);

/* Logging.  The library never prints: it calls the handler the host
 * installed (stderr or syslog in the daemon, Claws' log in the plugin, a
 * capture in tests).  No handler: messages are dropped. */
enum crk_log_level {
	CRK_LOG_DEBUG,
	CRK_LOG_INFO,
	CRK_LOG_WARN,
	CRK_LOG_ERROR,
};
typedef void
crk_log_fn(enum crk_log_level level, const char *msg, void *context);
void crk_log_set_handler(crk_log_fn *fn, void *context);
void crk_log(enum crk_log_level level, const char *fmt, ...) CRK_PRINTF(2, 3);
#define crk_debug(...) crk_log(CRK_LOG_DEBUG, __VA_ARGS__)
#define crk_info(...) crk_log(CRK_LOG_INFO, __VA_ARGS__)
#define crk_warn(...) crk_log(CRK_LOG_WARN, __VA_ARGS__)
#define crk_err(...) crk_log(CRK_LOG_ERROR, __VA_ARGS__)

#endif
