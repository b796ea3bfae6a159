/*
 * fuzz_money.c - amounts as people type them (billing/money.c) on
 * arbitrary bytes: no crash, no overflow; an accepted amount is within
 * LIMIT_BILL_CENTS and reads back to itself from both of its written
 * forms (machine "1234.56" and Dutch "1.234,56").  The first eight bytes
 * also drive the minute rounding: a billed time is never less than the
 * raw one, nor than the minimum, and a multiple of its unit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "core/err.h"
#include "core/limits.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t units[] = { 1, 5, 6, 15, 0, 7, -1 };
	char *s = malloc(size + 1), out[32];
	int64_t v, back, raw, min, billed, unit;
	int rc;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = bill_parse_cents(s, &v);
	if (rc == 0) {
		FUZZ_CHECK(v >= 0 && v <= LIMIT_BILL_CENTS);
		bill_cents_dot(v, out, sizeof(out));
		FUZZ_CHECK(bill_parse_cents(out, &back) == 0 && back == v);
		bill_cents_nl(v, out, sizeof(out));
		FUZZ_CHECK(bill_parse_cents(out, &back) == 0 && back == v);
	} else {
		FUZZ_CHECK(rc == ERR_INVAL || rc == ERR_TOOBIG);
	}
	if (size >= 8) {
		raw = (int64_t)(data[0] | data[1] << 8 | data[2] << 16) - 1000;
		min = (int64_t)(data[3] | data[4] << 8) - 100;
		unit = units[data[5] % (sizeof(units) / sizeof(units[0]))];
		rc = bill_round_minutes(raw, unit, min, &billed);
		if (rc == 0) {
			FUZZ_CHECK(unit == 1 || unit == 5 || unit == 6 ||
			    unit == 15);
			FUZZ_CHECK(billed >= raw && billed >= min);
			FUZZ_CHECK(billed % unit == 0);
			FUZZ_CHECK(billed - (raw > min ? raw : min) < unit);
		} else {
			FUZZ_CHECK(rc == ERR_INVAL);
		}
	}
	free(s);
	return 0;
}
