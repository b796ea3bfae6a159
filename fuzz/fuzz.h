/*
 * fuzz.h - shared bits of the libFuzzer harnesses (built by fuzz/run).
 */
#ifndef INFUUS_FUZZ_H
#define INFUUS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/utf8.h"

/* An invariant of the code under test: a violation is a finding. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz: invariant '%s' broken at " \
			    "%s:%d\n", #cond, __FILE__, __LINE__); \
			abort(); \
		} \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
