/*
 * num.c - checked decimal parsing.
 */
#include "core/num.h"

#include "core/err.h"
#include "core/banned.h"

int
num_parse_i64(struct str s, int64_t min, int64_t max, int64_t *out)
{
	int64_t v = 0;
	int neg = 0;
	size_t i = 0;

	if (s.len == 0 || s.len > 20)
		return ERR_INVAL;
	if (s.p[0] == '-') {
		neg = 1;
		i = 1;
		if (s.len == 1)
			return ERR_INVAL;
	}
	for (; i < s.len; i++) {
		int d;

		if (s.p[i] < '0' || s.p[i] > '9')
			return ERR_INVAL;
		d = s.p[i] - '0';
		/* Accumulate negatively: INT64_MIN has no positive twin. */
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_sub_overflow(v, d, &v))
			return ERR_INVAL;
	}
	if (!neg) {
		if (v == INT64_MIN)
			return ERR_INVAL;
		v = -v;
	}
	if (v < min || v > max)
		return ERR_INVAL;
	*out = v;
	return 0;
}
