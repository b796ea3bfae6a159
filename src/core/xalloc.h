/*
 * xalloc.h - allocation that never returns NULL to callers.
 *
 * Infuus is an application, not a library: running out of memory is not a
 * condition any caller can handle sensibly, so these abort with the file and
 * line.  Sizes that come from arithmetic go through the checked helpers so an
 * overflow stops the process instead of allocating a short block.
 */
#ifndef INFUUS_XALLOC_H
#define INFUUS_XALLOC_H

#include <stddef.h>

void *xmalloc_at(size_t n, const char *file, int line);
void *xcalloc_at(size_t nmemb, size_t size, const char *file, int line);
void *xrealloc_at(void *p, size_t n, const char *file, int line);
char *xstrdup_at(const char *s, const char *file, int line);
char *xstrndup_at(const char *s, size_t n, const char *file, int line);

#define xmalloc(n) xmalloc_at((n), __FILE__, __LINE__)
#define xcalloc(m, n) xcalloc_at((m), (n), __FILE__, __LINE__)
#define xrealloc(p, n) xrealloc_at((p), (n), __FILE__, __LINE__)
#define xstrdup(s) xstrdup_at((s), __FILE__, __LINE__)
#define xstrndup(s, n) xstrndup_at((s), (n), __FILE__, __LINE__)

/* a + b and a * b, aborting on overflow. */
size_t st_add(size_t a, size_t b);
size_t st_mul(size_t a, size_t b);

/* Invariant checks that stay on in release builds. */
#define ASSERT(cond) \
	((cond) ? (void)0 : assert_fail(#cond, __FILE__, __LINE__))
_Noreturn void assert_fail(const char *what, const char *file, int line);

#endif
