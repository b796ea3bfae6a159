/*
 * diff.c - a word-level difference of two texts (see diff.h).
 *
 * The classic dynamic programme for the longest common subsequence, on
 * tokens, in a table of 16-bit lengths: the middle that differs is bounded
 * by LIMIT_DIFF_CELLS, and its sides by 65535 tokens, so lengths fit.
 */
#include "assignment/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/xalloc.h"
#include "core/banned.h"

static int
is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
	    c == '\v';
}

/* Cut s into tokens: runs of white space and runs of the rest. */
static struct str *
tokens(struct str s, struct arena *ar, size_t *n)
{
	struct str *t;
	size_t i = 0, k = 0, count = 0;

	for (i = 0; i < s.len; i++)
		if (i == 0 || is_space(s.p[i]) != is_space(s.p[i - 1]))
			count++;
	t = arena_alloc(ar, (count + 1) * sizeof(*t));
	for (i = 0; i < s.len; i++) {
		if (i == 0 || is_space(s.p[i]) != is_space(s.p[i - 1])) {
			t[k].p = s.p + i;
			t[k].len = 0;
			k++;
		}
		t[k - 1].len++;
	}
	*n = count;
	return t;
}

static int
tok_eq(struct str a, struct str b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

struct ops {
	struct diff_op *v;
	size_t n, cap;
	struct arena *ar;
};

static void
emit(struct ops *o, enum diff_kind k, struct str t)
{
	if (t.len == 0)
		return;
	/* Contiguous in its text and of the same kind: one operation. */
	if (o->n > 0 && o->v[o->n - 1].kind == k &&
	    o->v[o->n - 1].text.p + o->v[o->n - 1].text.len == t.p) {
		o->v[o->n - 1].text.len += t.len;
		return;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct diff_op *nv = arena_alloc(o->ar, cap * sizeof(*nv));

		if (o->n)
			memcpy(nv, o->v, o->n * sizeof(*nv));
		o->v = nv;
		o->cap = cap;
	}
	o->v[o->n].kind = k;
	o->v[o->n].text = t;
	o->n++;
}

void
diff_words(struct str a, struct str b, struct arena *ar,
    struct diff_op **out, size_t *n)
{
	struct ops o = { NULL, 0, 0, ar };
	struct str *ta, *tb;
	size_t na, nb, pre = 0, suf = 0, ma, mb, i, j;
	uint16_t *L = NULL;

	ta = tokens(a, ar, &na);
	tb = tokens(b, ar, &nb);
	while (pre < na && pre < nb && tok_eq(ta[pre], tb[pre]))
		emit(&o, DIFF_SAME, ta[pre++]);
	while (suf < na - pre && suf < nb - pre &&
	    tok_eq(ta[na - 1 - suf], tb[nb - 1 - suf]))
		suf++;
	ma = na - pre - suf;
	mb = nb - pre - suf;
	if (ma > 0 && mb > 0 && ma < 65535 && mb < 65535 &&
	    (ma + 1) * (mb + 1) <= LIMIT_DIFF_CELLS)
		L = xcalloc((ma + 1) * (mb + 1), sizeof(*L));
	if (L != NULL) {
		/* L[i][j]: the LCS of the suffixes from i and from j. */
#define AT(i, j) L[(i) * (mb + 1) + (j)]
		for (i = ma; i-- > 0;)
			for (j = mb; j-- > 0;)
				AT(i, j) = tok_eq(ta[pre + i], tb[pre + j]) ?
				    (uint16_t)(AT(i + 1, j + 1) + 1) :
				    AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j) :
				    AT(i, j + 1);
		i = j = 0;
		while (i < ma && j < mb) {
			if (tok_eq(ta[pre + i], tb[pre + j])) {
				emit(&o, DIFF_SAME, ta[pre + i]);
				i++;
				j++;
			} else if (AT(i + 1, j) >= AT(i, j + 1)) {
				emit(&o, DIFF_DEL, ta[pre + i++]);
			} else {
				emit(&o, DIFF_INS, tb[pre + j++]);
			}
		}
#undef AT
		free(L);
	} else {
		i = j = 0;
	}
	for (; i < ma; i++)
		emit(&o, DIFF_DEL, ta[pre + i]);
	for (; j < mb; j++)
		emit(&o, DIFF_INS, tb[pre + j]);
	for (i = na - suf; i < na; i++)
		emit(&o, DIFF_SAME, ta[i]);
	*out = o.v;
	*n = o.n;
}
