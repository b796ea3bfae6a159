/*
 * diff.h - a word-level difference of two texts, to show two versions of
 * a client's work side by side with the changes marked.
 *
 * Texts are cut into tokens (runs of white space and runs of anything
 * else) and compared by the longest common subsequence, after the common
 * start and end are set aside.  A middle larger than LIMIT_DIFF_CELLS
 * cells comes out as one deletion and one insertion: still a correct
 * difference, only a coarser one.  Pure computation: no HTML here (the
 * page escapes each piece).
 */
#ifndef INFUUS_ASG_DIFF_H
#define INFUUS_ASG_DIFF_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"

enum diff_kind { DIFF_SAME, DIFF_DEL, DIFF_INS };

struct diff_op {
	enum diff_kind kind;
	struct str text;        /* a slice of a (SAME, DEL) or b (INS) */
};

/* The operations that turn a into b, in order; adjacent operations of the
 * same kind are merged.  Slices point into a and b; the array is in ar. */
void diff_words(struct str a, struct str b, struct arena *ar,
    struct diff_op **out, size_t *n);

#endif
