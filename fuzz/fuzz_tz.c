/*
 * fuzz_tz.c - the TZif reader (tz_parse) on arbitrary bytes, then the
 * conversions on whatever zone it accepted: no crash, and local times that
 * are plausible clock readings.
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fuzz.h"
#include "promise/tz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const time_t probes[] = { 0, 1000000000, 1774746000,
		1792890000, 2208988800, -2208988800, 4102444800 };
	struct tz_local l;
	struct tz *tz = NULL;
	time_t back;
	size_t i;

	if (tz_parse(data, size, "Fuzz/Zone", &tz) != 0)
		return 0;
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (tz_to_local(tz, probes[i], &l) != 0)
			continue;
		FUZZ_CHECK(l.month >= 1 && l.month <= 12);
		FUZZ_CHECK(l.day >= 1 && l.day <= 31);
		FUZZ_CHECK(l.hour >= 0 && l.hour <= 23);
		FUZZ_CHECK(l.min >= 0 && l.min <= 59);
		(void)tz_from_local(tz, l.year, l.month, l.day, l.hour, l.min,
		    l.sec, &back);
	}
	tz_free(tz);
	return 0;
}
