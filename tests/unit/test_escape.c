/*
 * test_escape.c - output escaping by context: script injection attempts,
 * invalid UTF-8, and the exact bytes each escaper writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "http/escape.h"

#define FFFD "\xef\xbf\xbd"

typedef void (*escaper)(struct buf *, struct str);

static void
check(escaper f, const char *in, size_t inlen, const char *want)
{
	struct buf b = BUF_INIT;

	f(&b, (struct str){ in, inlen });
	if (strcmp(b.p, want) != 0)
		fail_msg("escaped \"%s\" as \"%s\", expected \"%s\"", in, b.p,
		    want);
	assert_int_equal(b.len, strlen(want));
	buf_release(&b);
}

#define CHECK(f, lit, want) check((f), (lit), sizeof(lit) - 1, (want))

static void
html_text_escapes_markup_characters(void **state)
{
	(void)state;
	CHECK(html_text, "<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	CHECK(html_text, "a & b \"c\" 'd'", "a &amp; b &quot;c&quot; &#39;d&#39;");
	CHECK(html_text, "&amp;", "&amp;amp;");
	CHECK(html_text, "plain text, 123", "plain text, 123");
	CHECK(html_text, "", "");
	/* Newlines and tabs stay in text. */
	CHECK(html_text, "a\nb\tc", "a\nb\tc");
}

static void
html_text_replaces_invalid_utf8(void **state)
{
	(void)state;
	/* Valid multi-byte text passes unchanged. */
	CHECK(html_text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* A lone continuation byte, a truncated sequence at the end. */
	CHECK(html_text, "a\x80z", "a" FFFD "z");
	CHECK(html_text, "x\xe2\x82", "x" FFFD FFFD);
	/* An overlong '<' (C0 BC) must not become a tag opener. */
	CHECK(html_text, "\xc0\xbcscript\xc0\xbe", FFFD FFFD "script" FFFD FFFD);
	/* UTF-16 surrogates and code points above U+10FFFF. */
	CHECK(html_text, "\xed\xa0\x80", FFFD FFFD FFFD);
	CHECK(html_text, "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	/* A lead byte that would swallow the following '<'. */
	CHECK(html_text, "\xe2<b>", FFFD "&lt;b&gt;");
	/* NUL and other controls. */
	CHECK(html_text, "a\0b\x01" "c\x7f", "a" FFFD "b" FFFD "c" FFFD);
	/* C1 controls (U+0085 here) too. */
	CHECK(html_text, "a\xc2\x85z", "a" FFFD "z");
	/* U+00A0 is fine. */
	CHECK(html_text, "a\xc2\xa0z", "a\xc2\xa0z");
}

static void
html_textz_matches_html_text(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	html_textz(&b, "<i>\"x\"</i>");
	assert_string_equal(b.p, "&lt;i&gt;&quot;x&quot;&lt;/i&gt;");
	buf_release(&b);
}

static void
html_attr_cannot_break_out_of_quotes(void **state)
{
	(void)state;
	CHECK(html_attr, "\" onmouseover=\"alert(1)",
	    "&quot; onmouseover=&quot;alert(1)");
	CHECK(html_attr, "' autofocus onfocus='x", "&#39; autofocus onfocus=&#39;x");
	CHECK(html_attr, "javascript:alert(1)", "javascript:alert(1)");
	/* Newlines are kept, as character references. */
	CHECK(html_attr, "line1\nline2\r\n", "line1&#10;line2&#13;&#10;");
	CHECK(html_attr, "a\xff", "a" FFFD);
}

static void
url_arg_keeps_only_unreserved(void **state)
{
	(void)state;
	CHECK(url_arg, "AZaz09-._~", "AZaz09-._~");
	CHECK(url_arg, "a b&c=d/e?f#g", "a%20b%26c%3Dd%2Fe%3Ff%23g");
	CHECK(url_arg, "\xc3\xa9", "%C3%A9");
	CHECK(url_arg, "javascript:alert(1)", "javascript%3Aalert%281%29");
	check(url_arg, "a\0b", 3, "a%00b");
	CHECK(url_arg, "%", "%25");
	CHECK(url_arg, "+", "%2B");
}

static void
json_str_cannot_close_a_script(void **state)
{
	(void)state;
	CHECK(json_str, "</script><script>alert(1)</script>",
	    "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"");
	CHECK(json_str, "<!--", "\"\\u003c!--\"");
	CHECK(json_str, "say \"hi\" \\ o/", "\"say \\\"hi\\\" \\\\ o/\"");
	CHECK(json_str, "a\nb\rc\td\be\ff", "\"a\\nb\\rc\\td\\be\\ff\"");
	check(json_str, "\0\x1f\x7f", 3, "\"\\u0000\\u001F\\u007F\"");
	CHECK(json_str, "a&b", "\"a\\u0026b\"");
	CHECK(json_str, "", "\"\"");
	/* U+2028 / U+2029 end lines in older JavaScript. */
	CHECK(json_str, "x\xe2\x80\xa8y\xe2\x80\xa9", "\"x\\u2028y\\u2029\"");
	/* Valid UTF-8 is kept; invalid bytes become \ufffd. */
	CHECK(json_str, "caf\xc3\xa9", "\"caf\xc3\xa9\"");
	CHECK(json_str, "a\xc3", "\"a\\ufffd\"");
	CHECK(json_str, "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
}

static void
sse_data_prefixes_every_line(void **state)
{
	(void)state;
	CHECK(sse_data, "hello", "data: hello\n");
	CHECK(sse_data, "", "data: \n");
	CHECK(sse_data, "a\nb", "data: a\ndata: b\n");
	/* CR LF and a lone CR end lines too: an injected "event:" or "id:"
	 * line can only ever be data. */
	CHECK(sse_data, "a\r\nevent: x\rid: 9",
	    "data: a\ndata: event: x\ndata: id: 9\n");
	CHECK(sse_data, "end\n", "data: end\ndata: \n");
	check(sse_data, "a\0b", 3, "data: a" FFFD "b\n");
	CHECK(sse_data, "\xff", "data: " FFFD "\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(html_text_escapes_markup_characters),
		cmocka_unit_test(html_text_replaces_invalid_utf8),
		cmocka_unit_test(html_textz_matches_html_text),
		cmocka_unit_test(html_attr_cannot_break_out_of_quotes),
		cmocka_unit_test(url_arg_keeps_only_unreserved),
		cmocka_unit_test(json_str_cannot_close_a_script),
		cmocka_unit_test(sse_data_prefixes_every_line),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
