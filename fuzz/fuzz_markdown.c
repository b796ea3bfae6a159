/*
 * fuzz_markdown.c - message rendering (cmark, safe mode, link filter) on
 * arbitrary text: no crash, and no live markup in the output -- no script
 * or style element, no event-handler attribute, no javascript: link.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "fuzz.h"
#include "message/markdown.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, plain = BUF_INIT;
	size_t i;

	if (size > 65536)
		return 0;
	markdown_render((struct str){ (const char *)data, size }, &out);
	FUZZ_CHECK(strcasestr(out.p, "<script") == NULL);
	FUZZ_CHECK(strcasestr(out.p, "<style") == NULL);
	FUZZ_CHECK(strcasestr(out.p, "<iframe") == NULL);
	FUZZ_CHECK(strcasestr(out.p, "href=\"javascript:") == NULL);
	FUZZ_CHECK(strcasestr(out.p, "src=\"javascript:") == NULL);
	/* An attribute named on... can only come from a tag we did not make:
	 * every tag the renderer writes is one of cmark's. */
	for (i = 0; i + 3 < out.len; i++)
		if (out.p[i] == ' ' && (out.p[i + 1] == 'o' ||
		    out.p[i + 1] == 'O') && (out.p[i + 2] == 'n' ||
		    out.p[i + 2] == 'N')) {
			size_t j = i + 3;

			while (j < out.len && ((out.p[j] >= 'a' &&
			    out.p[j] <= 'z') || (out.p[j] >= 'A' &&
			    out.p[j] <= 'Z')))
				j++;
			/* " on...=" inside a tag would be a handler; in text
			 * the '=' is escaped-free but '<' never precedes. */
			if (j < out.len && out.p[j] == '=') {
				size_t k = i;

				while (k > 0 && out.p[k] != '<' &&
				    out.p[k] != '>')
					k--;
				FUZZ_CHECK(out.p[k] != '<');
			}
		}
	markdown_plaintext((struct str){ (const char *)data, size }, &plain);
	buf_release(&out);
	buf_release(&plain);
	return 0;
}
