/*
 * fuzz_promise.c - the service-promise text forms (working week and
 * holiday list) on arbitrary bytes: no crash, and whatever is accepted
 * formats back to text that parses to the same value.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "fuzz.h"
#include "promise/promise.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str s = { (const char *)data, size };
	struct promise_week w, w2;
	struct promise_holidays h, h2;
	struct buf b = BUF_INIT;
	size_t d;

	if (promise_week_parse(s, &w) == 0) {
		promise_week_format(&w, &b);
		FUZZ_CHECK(promise_week_parse(buf_str(&b), &w2) == 0);
		FUZZ_CHECK(memcmp(w.n, w2.n, sizeof(w.n)) == 0);
		for (d = 0; d < 7; d++)
			FUZZ_CHECK(memcmp(w.w[d], w2.w[d],
			    w.n[d] * sizeof(w.w[d][0])) == 0);
		buf_reset(&b);
	}
	if (promise_holidays_parse(s, &h) == 0) {
		promise_holidays_format(&h, &b);
		FUZZ_CHECK(promise_holidays_parse(buf_str(&b), &h2) == 0);
		FUZZ_CHECK(h.n == h2.n);
		FUZZ_CHECK(memcmp(h.h, h2.h, h.n * sizeof(h.h[0])) == 0);
	}
	buf_release(&b);
	return 0;
}
