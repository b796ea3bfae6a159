/*
 * fuzz_cookie.c - the Cookie header.  Input: the header value.
 */
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "http/parse.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kv *kv = NULL;
	struct arena a;
	size_t n = 0, i, j;
	int rc;

	arena_init(&a);
	rc = http_parse_cookies(&a, (struct str){ (const char *)data, size },
	    &kv, &n);
	FUZZ_CHECK(rc == 0 || rc == ERR_TOOMANY);
	if (rc == 0) {
		FUZZ_CHECK(n <= LIMIT_COOKIES);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(kv[i].key[0] != '\0');
			FUZZ_CHECK(strlen(kv[i].val) == kv[i].vlen);
			for (j = 0; kv[i].key[j]; j++)
				FUZZ_CHECK(kv[i].key[j] != ';' &&
				    (unsigned char)kv[i].key[j] >= 0x20);
		}
	}
	arena_release(&a);
	return 0;
}
