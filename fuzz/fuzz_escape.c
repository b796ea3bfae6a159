/*
 * fuzz_escape.c - the output escapers: whatever goes in, what comes out is
 * well-formed UTF-8 and holds no character that would end the context.
 */
#include <string.h>

#include "core/buf.h"
#include "http/escape.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str s = { (const char *)data, size };
	struct buf b = BUF_INIT;
	size_t i;

	html_text(&b, s);
	FUZZ_CHECK(utf8_valid(b.p, b.len));
	FUZZ_CHECK(memchr(b.p, '<', b.len) == NULL);
	FUZZ_CHECK(memchr(b.p, '"', b.len) == NULL);
	FUZZ_CHECK(memchr(b.p, '\0', b.len) == NULL);
	buf_reset(&b);
	html_attr(&b, s);
	FUZZ_CHECK(utf8_valid(b.p, b.len));
	FUZZ_CHECK(memchr(b.p, '"', b.len) == NULL &&
	    memchr(b.p, '\n', b.len) == NULL);
	buf_reset(&b);
	url_arg(&b, s);
	for (i = 0; i < b.len; i++)
		FUZZ_CHECK(strchr("&=?#/ +\"<>", b.p[i]) == NULL);
	buf_reset(&b);
	json_str(&b, s);
	FUZZ_CHECK(utf8_valid(b.p, b.len) && b.len >= 2);
	FUZZ_CHECK(memchr(b.p, '<', b.len) == NULL);
	for (i = 1; i + 1 < b.len; i++)
		FUZZ_CHECK((unsigned char)b.p[i] >= 0x20);
	buf_reset(&b);
	sse_data(&b, s);
	FUZZ_CHECK(utf8_valid(b.p, b.len));
	FUZZ_CHECK(memchr(b.p, '\r', b.len) == NULL);
	for (i = 0; i < b.len; i++)
		if (b.p[i] == '\n' && i + 1 < b.len)
			FUZZ_CHECK(strncmp(b.p + i + 1, "data: ", 6) == 0);
	buf_release(&b);
	return 0;
}
