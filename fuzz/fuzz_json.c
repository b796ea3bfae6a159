/*
 * fuzz_json.c - JSON from clients (core/json.c): the depth pre-scan, the
 * limits, and a round trip of what was accepted.  Input: a JSON text.
 */
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf why = BUF_INIT, out = BUF_INIT;
	json_t *v = NULL, *back = NULL;
	int rc;

	rc = json_parse((struct str){ (const char *)data, size }, &v, &why);
	FUZZ_CHECK(rc == 0 || rc == ERR_PARSE || rc == ERR_TOOBIG);
	if (rc != 0) {
		FUZZ_CHECK(v == NULL && why.len > 0);
	} else {
		FUZZ_CHECK(json_depth((struct str){ (const char *)data, size },
		    LIMIT_JSON_DEPTH + 1) <= LIMIT_JSON_DEPTH);
		json_to_buf(v, &out);
		buf_reset(&why);
		rc = json_parse(buf_str(&out), &back, &why);
		FUZZ_CHECK(rc == 0 || rc == ERR_TOOBIG); /* escapes grow it */
		if (rc == 0)
			FUZZ_CHECK(json_equal(v, back));
		json_decref(back);
		json_decref(v);
	}
	buf_release(&why);
	buf_release(&out);
	return 0;
}
