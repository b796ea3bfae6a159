/*
 * num.h - the one checked number parser.
 */
#ifndef INFUUS_NUM_H
#define INFUUS_NUM_H

#include <stdint.h>

#include "core/buf.h"

/* Parse all of s as a decimal integer in [min, max].  No sign other than a
 * leading '-', no spaces, no leading '+'.  Returns 0 or ERR_INVAL. */
int num_parse_i64(struct str s, int64_t min, int64_t max, int64_t *out);

#endif
