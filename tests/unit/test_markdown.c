/*
 * test_markdown.c - messages rendered from CommonMark: what a writer types
 * can never run in a reader's browser, load anything from elsewhere, or
 * reach the page as raw HTML; and the plain text used for quotes, excerpts
 * and the search index.
 *
 * Besides targeted cases, every output is checked by one structural rule
 * (html_is_safe): each tag is one of the few cmark's renderer makes, with
 * only href/title/rel/class/start attributes, and every href passes the
 * scheme allow-list.  A new bypass then fails the rule, whatever it looks
 * like.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/buf.h"
#include "message/markdown.h"

static const char *const tags_ok[] = {
	"p", "em", "strong", "a", "code", "pre", "blockquote", "ul", "ol",
	"li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br",
};

static bool
tag_ok(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(tags_ok) / sizeof(tags_ok[0]); i++)
		if (strlen(tags_ok[i]) == n && strncmp(tags_ok[i], name, n) == 0)
			return true;
	return false;
}

/*
 * An attribute value as the browser reads it: character references
 * decoded, and tabs and newlines dropped (the URL parser drops them, so
 * "java&#9;script:" is javascript:).  False for a reference it does not
 * know or one that does not fit: better to call that unsafe.
 */
static bool
attr_decode(const char *v, size_t n, char *out, size_t outsz)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
		{ "quot;", '"' }, { "apos;", '\'' },
	};
	size_t i = 0, k = 0, j;
	unsigned long c;
	char *e;

	while (i < n) {
		if (k + 1 >= outsz)
			return false;
		if (v[i] != '&') {
			c = (unsigned char)v[i++];
		} else if (i + 1 < n && v[i + 1] == '#') {
			bool hex = i + 2 < n && (v[i + 2] | 0x20) == 'x';

			c = strtoul(v + i + (hex ? 3 : 2), &e, hex ? 16 : 10);
			if (e >= v + n || *e != ';' || c == 0 || c > 0x7f)
				return false; /* beyond ASCII: no scheme letter */
			i = (size_t)(e + 1 - v);
		} else {
			for (j = 0; j < sizeof(named) / sizeof(named[0]); j++)
				if (strncmp(v + i + 1, named[j].name,
				    strlen(named[j].name)) == 0)
					break;
			if (j == sizeof(named) / sizeof(named[0]))
				return false;
			c = (unsigned char)named[j].c;
			i += 1 + strlen(named[j].name);
		}
		if (c != '\t' && c != '\n' && c != '\r')
			out[k++] = (char)c;
	}
	out[k] = '\0';
	return true;
}

/* The structural rule; on failure prints what broke it. */
static bool
html_is_safe(const char *html)
{
	const char *p = html, *q, *end, *name, *v, *an;
	char url[512];
	size_t n, alen;

	while ((p = strchr(p, '<')) != NULL) {
		end = strchr(p, '>');
		if (end == NULL) {
			fprintf(stderr, "unclosed tag: %s\n", p);
			return false;
		}
		q = p + 1;
		if (*q == '/')
			q++;
		name = q;
		while (q < end && *q >= 'a' && *q <= 'z')
			q++;
		while (q < end && *q >= '1' && *q <= '6')
			q++;
		n = (size_t)(q - name);
		if (!tag_ok(name, n)) {
			fprintf(stderr, "tag not allowed: %.*s\n",
			    (int)(end - p + 1), p);
			return false;
		}
		/* Attributes: name="value" pairs. */
		while (q < end) {
			while (q < end && *q == ' ')
				q++;
			if (q >= end || *q == '/')
				break;
			an = q;
			while (q < end && *q != '=')
				q++;
			alen = (size_t)(q - an);
			if (!((alen == 4 && strncmp(an, "href", 4) == 0) ||
			    (alen == 5 && strncmp(an, "title", 5) == 0) ||
			    (alen == 3 && strncmp(an, "rel", 3) == 0) ||
			    (alen == 5 && strncmp(an, "class", 5) == 0) ||
			    (alen == 5 && strncmp(an, "start", 5) == 0))) {
				fprintf(stderr, "attribute not allowed: %.*s\n",
				    (int)(end - p + 1), p);
				return false;
			}
			if (q + 1 >= end || q[1] != '"') {
				fprintf(stderr, "unquoted attribute: %.*s\n",
				    (int)(end - p + 1), p);
				return false;
			}
			q += 2;
			v = q;
			while (q < end && *q != '"')
				q++;
			if (alen == 4 && strncmp(an, "href", 4) == 0) {
				if (!attr_decode(v, (size_t)(q - v), url,
				    sizeof(url))) {
					fprintf(stderr, "href not readable: "
					    "%.*s\n", (int)(q - v), v);
					return false;
				}
				if (!markdown_url_ok(url) ||
				    strncasecmp(url, "data:", 5) == 0) {
					fprintf(stderr, "href not allowed: %s\n",
					    url);
					return false;
				}
			}
			q++;
		}
		p = end + 1;
	}
	return true;
}

/*
 * The rule itself, on HTML no renderer of ours should make: it must say
 * "unsafe" to each, or every check built on it passes by construction.
 */
static void
test_the_safety_rule_rejects_unsafe_html(void **state)
{
	static const char *const unsafe[] = {
		"<script>alert(1)</script>",
		"<p>a</p><SCRIPT>alert(1)</SCRIPT>",
		"<p onclick=\"steal()\">a</p>",
		"<p style=\"position:fixed\">a</p>",
		"<img src=\"x\" onerror=\"alert(1)\">",
		"<img src=\"https://tracker.example/p.gif\">",
		"<iframe src=\"https://evil.example\"></iframe>",
		"<svg onload=alert(1)>",
		"<style>body{display:none}</style>",
		"<form action=\"/x\"><input name=\"p\"></form>",
		"<a href=\"javascript:alert(1)\">x</a>",
		"<a href=\"JaVaScRiPt:alert(1)\">x</a>",
		"<a href=\" javascript:alert(1)\">x</a>",
		"<a href=\"vbscript:msgbox(1)\">x</a>",
		"<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
		"<a href=\"&#106;avascript:alert(1)\">x</a>",
		"<a href=\"javascript&colon;alert(1)\">x</a>",
		"<a href=https://evil.example>x</a>",
		"<a href='javascript:alert(1)'>x</a>",
		"<a target=\"_blank\" href=\"https://x.example\">x</a>",
		"<p>a <a href=\"https://x.example\"",
		"<!-- x --><p>a</p>",
		"<p>a</p><?php x ?>",
	};
	static const char *const safe[] = {
		"<p>Hallo <em>jij</em> &amp; <strong>ik</strong></p>\n",
		"<p><a href=\"https://x.example/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer\">x</a></p>\n",
		"<ol start=\"3\">\n<li>a</li>\n</ol>\n<pre><code class=\"language-c\">x\n</code></pre>\n",
		"<blockquote>\n<p>a<br />\nb</p>\n</blockquote>\n<hr />\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++)
		if (html_is_safe(unsafe[i]))
			fail_msg("the rule calls this safe: %s", unsafe[i]);
	for (i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		if (!html_is_safe(safe[i]))
			fail_msg("the rule calls this unsafe: %s", safe[i]);
}

static char *
render(const char *md)
{
	struct buf b = BUF_INIT;
	size_t len;

	markdown_render(str_c(md), &b);
	if (b.len == 0)
		buf_adds(&b, "");
	return buf_detach(&b, &len);
}

static char *
plain(const char *md)
{
	struct buf b = BUF_INIT;
	size_t len;

	markdown_plaintext(str_c(md), &b);
	buf_addch(&b, '\0');
	return buf_detach(&b, &len);
}

/* Render md, check the rule and that none of the needles occur. */
static void
assert_safe(const char *md, const char *const *absent)
{
	char *html = render(md);

	if (!html_is_safe(html))
		fail_msg("unsafe output for %s:\n%s", md, html);
	for (; absent && *absent; absent++)
		if (strcasestr(html, *absent) != NULL)
			fail_msg("\"%s\" in the output for %s:\n%s", *absent,
			    md, html);
	free(html);
}

static void
test_script_tags_are_shown_as_text(void **state)
{
	static const char *const absent[] = { "<script", "</script", NULL };
	char *html = render("Hello <script>alert(1)</script> there");

	(void)state;
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	free(html);
	assert_safe("<script>alert(1)</script>", absent);
	assert_safe("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", absent);
	assert_safe("<scr<script>ipt>alert(1)</script>", absent);
}

static void
test_raw_html_blocks_and_inline_never_pass(void **state)
{
	static const char *const absent[] = { "<div", "<iframe", "<img",
		"<svg", "<style", "<object", "<form", "<input", "<a href=\"http://evil",
		NULL };
	char *html;

	(void)state;
	assert_safe("<div onclick=\"steal()\">click</div>", absent);
	assert_safe("<iframe src=\"https://evil.example\"></iframe>", absent);
	assert_safe("text <img src=x onerror=alert(1)> more", absent);
	assert_safe("<svg onload=alert(1)>", absent);
	assert_safe("<style>body{display:none}</style>", absent);
	assert_safe("a <a href=\"http://evil.example\">raw link</a> b", absent);
	assert_safe("<form action=/x><input name=p></form>", absent);
	assert_safe("<!-- comment --><?php x ?><![CDATA[x]]>", absent);
	/* What was typed stays readable, escaped. */
	html = render("I wrote <b>this</b> myself");
	assert_non_null(strstr(html, "&lt;b&gt;this&lt;/b&gt;"));
	free(html);
}

static void
test_event_handler_attributes_never_reach_a_tag(void **state)
{
	char *html;

	(void)state;
	html = render("<img src=x onerror=alert(1)>");
	assert_true(html_is_safe(html));
	/* The text may say onerror, escaped; no tag may carry it. */
	assert_null(strstr(html, "<img"));
	free(html);
	html = render("[x](http://a.example \"t\\\" onmouseover=\\\"alert(1)\")");
	assert_true(html_is_safe(html));
	assert_null(strstr(html, "\" onmouseover=\""));
	free(html);
}

static void
test_javascript_and_other_schemes_lose_the_link(void **state)
{
	/* The words may stay as text; no link may be made of them. */
	static const char *const absent[] = { "<a ", "href=", NULL };
	static const char *const inputs[] = {
		"[x](javascript:alert(1))",
		"[x](JaVaScRiPt:alert(1))",
		"[x](java&#09;script:alert(1))",
		"[x](java&#x0A;script:alert(1))",
		"[x](&#106;avascript:alert(1))",
		"[x](<javascript:alert(1)>)",
		"<javascript:alert(1)>",
		"[x](vbscript:msgbox(1))",
		"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"[x](file:///etc/passwd)",
		"[x][r]\n\n[r]: javascript:alert(1)",
		"[x](\\javascript:alert(1))",
	};
	size_t i;
	char *html;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		assert_safe(inputs[i], absent);
	/* The link text stays. */
	html = render("see [my notes](javascript:alert(1)) here");
	assert_non_null(strstr(html, "my notes"));
	assert_null(strstr(html, "<a "));
	free(html);
}

static void
test_images_never_load(void **state)
{
	static const char *const absent[] = { "<img", "javascript:", "data:",
		NULL };
	char *html;

	(void)state;
	assert_safe("![a](javascript:alert(1))", absent);
	assert_safe("![a](data:image/png;base64,iVBORw0KGgo=)", absent);
	assert_safe("![a](data:image/svg+xml;base64,PHN2Zz4=)", absent);
	assert_safe("![pixel](https://tracker.example/p.gif)", absent);
	assert_safe("[![badge](https://x.example/b.png)](https://x.example)",
	    absent);
	/* A safe image address becomes a plain link with the alt text. */
	html = render("![my drawing](https://example.org/d.png)");
	assert_non_null(strstr(html,
	    "href=\"https://example.org/d.png\">my drawing</a>"));
	free(html);
}

static void
test_safe_links_keep_target_and_get_rel(void **state)
{
	char *html;

	(void)state;
	html = render("[site](https://example.org/a?b=c) and "
	    "<mailto:coach@example.org> and [here](/t/1) and <http://x.example>");
	assert_true(html_is_safe(html));
	assert_non_null(strstr(html, "<a rel=\"nofollow noopener noreferrer\" "
	    "href=\"https://example.org/a?b=c\">site</a>"));
	assert_non_null(strstr(html, "href=\"mailto:coach@example.org\""));
	assert_non_null(strstr(html, "href=\"/t/1\""));
	assert_null(strstr(html, "<a href"));
	free(html);
}

static void
test_url_allow_list(void **state)
{
	(void)state;
	assert_true(markdown_url_ok("https://example.org"));
	assert_true(markdown_url_ok("HTTP://example.org"));
	assert_true(markdown_url_ok("mailto:a@b.example"));
	assert_true(markdown_url_ok("/relative/path"));
	assert_true(markdown_url_ok("page.html#x:y"));
	assert_true(markdown_url_ok("?q=a:b"));
	assert_false(markdown_url_ok("javascript:alert(1)"));
	assert_false(markdown_url_ok(" javascript:alert(1)"));
	assert_false(markdown_url_ok("java\tscript:alert(1)"));
	assert_false(markdown_url_ok("data:text/html,x"));
	assert_false(markdown_url_ok("vbscript:x"));
	assert_false(markdown_url_ok("ftp://example.org"));
	assert_false(markdown_url_ok(NULL));
}

static void
test_markdown_is_rendered(void **state)
{
	char *html;

	(void)state;
	html = render("# Title\n\n*em* **strong** `code`\n\n- one\n- two\n\n"
	    "> quoted\n\n```\n<b>x</b>\n```\n");
	assert_true(html_is_safe(html));
	assert_non_null(strstr(html, "<h1>Title</h1>"));
	assert_non_null(strstr(html, "<em>em</em>"));
	assert_non_null(strstr(html, "<strong>strong</strong>"));
	assert_non_null(strstr(html, "<li>one</li>"));
	assert_non_null(strstr(html, "<blockquote>"));
	assert_non_null(strstr(html, "&lt;b&gt;x&lt;/b&gt;"));
	free(html);
}

static void
test_invalid_utf8_and_nul_are_replaced(void **state)
{
	struct buf b = BUF_INIT;
	static const char bad[] = "ok \xff\xfe and \xc3\x28 and nul \0 end";

	(void)state;
	markdown_render((struct str){ bad, sizeof(bad) - 1 }, &b);
	assert_non_null(strstr(b.p, "\xef\xbf\xbd"));
	assert_non_null(strstr(b.p, "end"));
	assert_null(strstr(b.p, "\xff"));
	buf_release(&b);
}

static void
test_hostile_combinations_stay_safe(void **state)
{
	static const char *const parts[] = {
		"<script>", "</script>", "<img src=x onerror=alert(1)>",
		"[a](javascript:x)", "![b](data:image/png;base64,AA)", "`<x>`",
		"\"", "'", "&lt;", "&#60;script&#62;", "<a href=x>", "</a>",
		"**", "_", "[", "](", ")", "\n\n", "<div>", "\n", "> ",
		"<http://ok.example>", "<javascript:alert(1)>", "&#x6A;ava",
		"[r]: vbscript:x\n", "[r]", "<!--", "-->", "<style>",
	};
	const size_t np = sizeof(parts) / sizeof(parts[0]);
	unsigned seed = 12345;
	size_t round, k;
	struct buf md = BUF_INIT;
	char *html;

	(void)state;
	for (round = 0; round < 2000; round++) {
		buf_reset(&md);
		for (k = 0; k < 8; k++) {
			seed = seed * 1103515245u + 12345u;
			buf_adds(&md, parts[(seed >> 16) % np]);
		}
		html = render(md.p);
		if (!html_is_safe(html))
			fail_msg("unsafe output for:\n%s\n---\n%s", md.p, html);
		free(html);
	}
	buf_release(&md);
}

static void
test_plaintext_drops_markup(void **state)
{
	char *t;

	(void)state;
	t = plain("**Goed** gedaan, [zie hier](https://x.example)!\n"
	    "Nieuwe regel.\n\n- punt een\n- punt twee\n\n<b>tag</b>");
	assert_string_equal(t, "Goed gedaan, zie hier! Nieuwe regel.\n"
	    "punt een\npunt twee\n<b>tag</b>");
	free(t);
	t = plain("");
	assert_string_equal(t, "");
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_safety_rule_rejects_unsafe_html),
		cmocka_unit_test(test_script_tags_are_shown_as_text),
		cmocka_unit_test(test_raw_html_blocks_and_inline_never_pass),
		cmocka_unit_test(test_event_handler_attributes_never_reach_a_tag),
		cmocka_unit_test(test_javascript_and_other_schemes_lose_the_link),
		cmocka_unit_test(test_images_never_load),
		cmocka_unit_test(test_safe_links_keep_target_and_get_rel),
		cmocka_unit_test(test_url_allow_list),
		cmocka_unit_test(test_markdown_is_rendered),
		cmocka_unit_test(test_invalid_utf8_and_nul_are_replaced),
		cmocka_unit_test(test_hostile_combinations_stay_safe),
		cmocka_unit_test(test_plaintext_drops_markup),
	};

	return cmocka_run_group_tests_name("markdown", tests, NULL, NULL);
}
