/*
 * fuzz_form.c - application/x-www-form-urlencoded bodies and the media
 * type / Accept helpers.  Input: the body.
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
	struct str s = { (const char *)data, size };
	struct kv *kv = NULL;
	struct arena a;
	const char *t;
	size_t n = 0, i;
	int rc;

	arena_init(&a);
	rc = http_parse_urlencoded(&a, s, LIMIT_FORM_FIELDS, &kv, &n);
	FUZZ_CHECK(rc == 0 || rc == ERR_PARSE || rc == ERR_TOOMANY);
	if (rc == 0) {
		FUZZ_CHECK(n <= LIMIT_FORM_FIELDS);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(kv[i].key[0] != '\0');
			FUZZ_CHECK(strlen(kv[i].val) == kv[i].vlen);
			FUZZ_CHECK(utf8_valid(kv[i].key, strlen(kv[i].key)));
			FUZZ_CHECK(utf8_valid(kv[i].val, kv[i].vlen));
		}
	}
	t = http_media_type(&a, s);
	FUZZ_CHECK(strlen(t) <= size);
	(void)http_accept_json(s);
	arena_release(&a);
	return 0;
}
