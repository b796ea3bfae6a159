/*
 * fuzz_multipart.c - multipart/form-data.  Input: a Content-Type header
 * value, a newline, then the body; when the header has no usable boundary
 * the body is parsed with the boundary "XyZ" so the fuzzer still reaches
 * the part parser.
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
	const char *p = (const char *)data, *nl;
	struct str header, body, bd;
	struct kv *form = NULL;
	struct upload *up = NULL;
	struct arena a;
	size_t nform = 0, nup = 0, i;
	int rc;

	nl = memchr(p, '\n', size);
	if (nl == NULL) {
		header = (struct str){ p, size };
		body = (struct str){ p + size, 0 };
	} else {
		header = (struct str){ p, (size_t)(nl - p) };
		body = (struct str){ nl + 1, size - (size_t)(nl - p) - 1 };
	}
	arena_init(&a);
	if (http_multipart_boundary(header, &bd) != 0)
		bd = STR("XyZ");
	FUZZ_CHECK(bd.len >= 1 && bd.len <= 70);
	rc = http_parse_multipart(&a, body, bd, LIMIT_FORM_FIELDS, 4096, &form,
	    &nform, &up, &nup);
	FUZZ_CHECK(rc == 0 || rc == ERR_PARSE || rc == ERR_TOOMANY ||
	    rc == ERR_TOOBIG);
	if (rc == 0) {
		FUZZ_CHECK(nform + nup <= LIMIT_FORM_FIELDS);
		for (i = 0; i < nform; i++) {
			FUZZ_CHECK(form[i].key[0] != '\0');
			FUZZ_CHECK(strlen(form[i].val) == form[i].vlen);
		}
		for (i = 0; i < nup; i++) {
			FUZZ_CHECK(up[i].len <= 4096);
			FUZZ_CHECK(up[i].data >= body.p &&
			    up[i].data + up[i].len <= body.p + body.len);
			FUZZ_CHECK(up[i].field[0] != '\0');
		}
	}
	arena_release(&a);
	return 0;
}
