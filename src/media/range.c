/*
 * range.c - one bytes range of a Range header (see range.h).
 */
#include "media/range.h"

#include <string.h>

#include "core/banned.h"

/* Digits at p[*i..], at most 19 (below 2^63): 0 and *v, or -1. */
static int
number(const char *p, size_t len, size_t *i, uint64_t *v)
{
	size_t start = *i;

	*v = 0;
	while (*i < len && p[*i] >= '0' && p[*i] <= '9') {
		if (*i - start == 19)
			return -1;
		*v = *v * 10 + (uint64_t)(p[*i] - '0');
		(*i)++;
	}
	return *i > start ? 0 : -1;
}

static void
skip_ws(const char *p, size_t len, size_t *i)
{
	while (*i < len && (p[*i] == ' ' || p[*i] == '\t'))
		(*i)++;
}

enum media_range_result
media_range_parse(const char *h, size_t len, uint64_t size,
    struct media_range *out)
{
	uint64_t a = 0, b = 0;
	int has_a, has_b;
	size_t i = 6;

	out->first = out->last = 0;
	if (h == NULL || len > MEDIA_RANGE_MAX_HEADER || len < 7 ||
	    strncmp(h, "bytes=", 6) != 0)
		return MEDIA_RANGE_FULL;
	skip_ws(h, len, &i);
	has_a = i < len && h[i] >= '0' && h[i] <= '9';
	if (has_a && number(h, len, &i, &a) != 0)
		return MEDIA_RANGE_FULL;
	if (i >= len || h[i] != '-')
		return MEDIA_RANGE_FULL;
	i++;
	has_b = i < len && h[i] >= '0' && h[i] <= '9';
	if (has_b && number(h, len, &i, &b) != 0)
		return MEDIA_RANGE_FULL;
	skip_ws(h, len, &i);
	if (i != len || (!has_a && !has_b))
		return MEDIA_RANGE_FULL; /* several ranges, junk, or "-" */
	if (has_a && has_b && b < a)
		return MEDIA_RANGE_FULL; /* invalid: ignored (RFC 9110 14.1.1) */
	if (!has_a) { /* the last b bytes */
		if (b == 0 || size == 0)
			return MEDIA_RANGE_UNSATISFIABLE;
		out->first = b >= size ? 0 : size - b;
		out->last = size - 1;
		return MEDIA_RANGE_PART;
	}
	if (a >= size)
		return MEDIA_RANGE_UNSATISFIABLE;
	out->first = a;
	out->last = !has_b || b >= size ? size - 1 : b;
	return MEDIA_RANGE_PART;
}
