/*
 * buf.c - growable byte buffers and string views.
 */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "core/banned.h"

char buf_empty_[1];

void
buf_init(struct buf *b)
{
	b->p = buf_empty_;
	b->len = 0;
	b->cap = 0;
}

void
buf_release(struct buf *b)
{
	if (b->cap)
		free(b->p);
	buf_init(b);
}

void
buf_wipe(struct buf *b)
{
	if (b->cap) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	buf_init(b);
}

void
buf_grow(struct buf *b, size_t n)
{
	size_t need = st_add(st_add(b->len, n), 1);
	size_t cap;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = st_mul(cap, 2);
	if (b->cap == 0) {
		b->p = xmalloc(cap);
		b->p[0] = '\0';
	} else {
		b->p = xrealloc(b->p, cap);
	}
	b->cap = cap;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->p[0] = '\0';
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addstr(struct buf *b, struct str s)
{
	buf_add(b, s.p, s.len);
}

void
buf_addch(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	buf_grow(b, 64);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	ASSERT(n >= 0);
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		va_copy(cp, ap);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, cp);
		va_end(cp);
		ASSERT(n >= 0 && (size_t)n < b->cap - b->len);
	}
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (b->cap == 0)
		buf_grow(b, 0);
	p = b->p;
	if (len)
		*len = b->len;
	buf_init(b);
	return p;
}

struct str
str_c(const char *s)
{
	return (struct str){ s, s ? strlen(s) : 0 };
}

bool
str_eq(struct str a, struct str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool
str_eqc(struct str a, const char *c)
{
	return str_eq(a, str_c(c));
}

bool
str_caseeqc(struct str a, const char *c)
{
	size_t n = strlen(c);

	return a.len == n && (n == 0 || strncasecmp(a.p, c, n) == 0);
}

bool
str_startswith(struct str a, const char *prefix)
{
	size_t n = strlen(prefix);

	return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

struct str
str_trim(struct str s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' ||
	    s.p[0] == '\n')) {
		s.p++;
		s.len--;
	}
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' ||
	    s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n'))
		s.len--;
	return s;
}

bool
str_cut(struct str s, char c, struct str *head, struct str *tail)
{
	const char *q = s.len ? memchr(s.p, c, s.len) : NULL;

	if (q == NULL) {
		*head = s;
		*tail = (struct str){ s.p + s.len, 0 };
		return false;
	}
	*head = (struct str){ s.p, (size_t)(q - s.p) };
	*tail = (struct str){ q + 1, s.len - (size_t)(q - s.p) - 1 };
	return true;
}
