/*
 * arena.c - bump allocation in growing blocks.
 *
 * Blocks double up to 64 KiB; a single large request gets a block of its
 * own so a big upload does not waste the tail of a small block.
 */
#include "core/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "core/banned.h"

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_FIRST 4096
#define ARENA_MAXBLOCK (64 * 1024)

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->used_total = 0;
}

void
arena_release(struct arena *a)
{
	struct arena_block *b = a->head, *n;

	while (b) {
		n = b->next;
		free(b);
		b = n;
	}
	arena_init(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	const size_t al = alignof(max_align_t);
	struct arena_block *b = a->head;
	size_t need = st_add(n, al - 1) & ~(al - 1);
	size_t size;
	void *p;

	if (need == 0)
		need = al;
	if (b == NULL || b->size - b->used < need) {
		size = b ? b->size * 2 : ARENA_FIRST;
		if (size > ARENA_MAXBLOCK)
			size = ARENA_MAXBLOCK;
		if (size < need)
			size = need;
		b = xmalloc(st_add(sizeof(*b), size));
		b->size = size;
		b->used = 0;
		if (a->head && size == need && a->head->size - a->head->used > 256) {
			/* Keep the roomy current block at the head. */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += need;
	a->used_total += need;
	return p;
}

void *
arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);

	memset(p, 0, n);
	return p;
}

void *
arena_calloc(struct arena *a, size_t n, size_t sz)
{
	return arena_zalloc(a, st_mul(n, sz));
}

void *
arena_grow(struct arena *a, const void *v, size_t *cap, size_t sz)
{
	void *b = arena_calloc(a, st_mul(*cap, 2), sz);

	if (*cap)
		memcpy(b, v, *cap * sz);
	*cap *= 2;
	return b;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, st_add(n, 1));

	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_strz(struct arena *a, struct str s)
{
	return arena_strndup(a, s.p, s.len);
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ASSERT(n >= 0);
	p = arena_alloc(a, st_add((size_t)n, 1));
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
