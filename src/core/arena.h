/*
 * arena.h - a region allocator: one per request.
 *
 * Everything a request parses or renders (headers, form fields, row copies,
 * HTML fragments) is allocated here and freed at once by arena_release when
 * the request ends.  Nothing allocated in an arena may outlive it.  The
 * allocators never return NULL (they abort, like xmalloc).
 */
#ifndef INFUUS_ARENA_H
#define INFUUS_ARENA_H

#include <stddef.h>

#include "core/buf.h"

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used_total; /* bytes handed out, for limits and tests */
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);
/* Aligned to max_align_t; the memory is not zeroed. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
/* A new array of n elements of size sz, checked for overflow, zeroed. */
void *arena_calloc(struct arena *a, size_t n, size_t sz);
/* A list that grows as its rows come: v's *cap elements of size sz copied
 * into a new array of twice as many (the rest zeroed), *cap doubled; the
 * old array stays in the arena until it is released. */
void *arena_grow(struct arena *a, const void *v, size_t *cap, size_t sz);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* A NUL-terminated copy of a view. */
char *arena_strz(struct arena *a, struct str s);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define ARENA_NEW(a, type) ((type *)arena_zalloc((a), sizeof(type)))

#endif
