/*
 * xalloc.c - aborting allocators and checked size arithmetic.
 */
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void
assert_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "infuus: fatal: assertion '%s' failed at %s:%d\n", what,
	    file, line);
	abort();
}

static _Noreturn void
oom(size_t n, const char *file, int line)
{
	fprintf(stderr, "infuus: fatal: out of memory (%zu bytes) at %s:%d\n",
	    n, file, line);
	abort();
}

void *
xmalloc_at(size_t n, const char *file, int line)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n, file, line);
	return p;
}

void *
xcalloc_at(size_t nmemb, size_t size, const char *file, int line)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size, file, line);
	return p;
}

void *
xrealloc_at(void *p, size_t n, const char *file, int line)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n, file, line);
	return q;
}

char *
xstrdup_at(const char *s, const char *file, int line)
{
	return xstrndup_at(s, strlen(s), file, line);
}

char *
xstrndup_at(const char *s, size_t n, const char *file, int line)
{
	char *p = xmalloc_at(st_add(n, 1), file, line);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t
st_add(size_t a, size_t b)
{
	size_t r;

	if (__builtin_add_overflow(a, b, &r))
		assert_fail("size addition overflow", __FILE__, __LINE__);
	return r;
}

size_t
st_mul(size_t a, size_t b)
{
	size_t r;

	if (__builtin_mul_overflow(a, b, &r))
		assert_fail("size multiplication overflow", __FILE__, __LINE__);
	return r;
}
