/*
 * escape.c - output escaping by context (HTML text and attributes, URL
 * arguments, JSON strings, Server-Sent Event data).
 *
 * Every escaper writes only well-formed UTF-8: a byte that does not start a
 * valid sequence becomes U+FFFD, so a client's broken bytes cannot be used
 * to swallow the markup after them.  Control characters that HTML forbids
 * are replaced the same way.  Runs of bytes that need no escaping are
 * copied in one go.
 */
#include "http/escape.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/utf8.h"
#include "core/banned.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

static const char hexdig[] = "0123456789ABCDEF";

/* What html_text / html_attr write for one byte below 0x80, or NULL when
 * the byte is copied as is. */
static const char *
html_entity(unsigned char c, bool attr)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\n':
		return attr ? "&#10;" : NULL;
	case '\r':
		return attr ? "&#13;" : NULL;
	case '\t':
		return attr ? "&#9;" : NULL;
	default:
		if (c < 0x20 || c == 0x7f)
			return REPLACEMENT;
		return NULL;
	}
}

static void
html_escape(struct buf *b, struct str s, bool attr)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0, run = 0, k;
	const char *ent;

	while (i < s.len) {
		if (p[i] < 0x80) {
			if ((ent = html_entity(p[i], attr)) == NULL) {
				i++;
				continue;
			}
			buf_add(b, p + run, i - run);
			buf_adds(b, ent);
			run = ++i;
			continue;
		}
		k = utf8_seq(p + i, s.len - i);
		/* C1 controls (U+0080..U+009F) are as unwelcome as C0 ones. */
		if (k == 0 || (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			buf_add(b, p + run, i - run);
			buf_adds(b, REPLACEMENT);
			i += k ? k : 1;
			run = i;
			continue;
		}
		i += k;
	}
	buf_add(b, p + run, i - run);
}

void
html_text(struct buf *b, struct str s)
{
	html_escape(b, s, false);
}

void
html_textz(struct buf *b, const char *s)
{
	html_escape(b, str_c(s), false);
}

void
html_attr(struct buf *b, struct str s)
{
	html_escape(b, s, true);
}

void
url_arg(struct buf *b, struct str s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i, run = 0;
	unsigned char c;
	char pct[3];

	for (i = 0; i < s.len; i++) {
		c = p[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			continue;
		buf_add(b, p + run, i - run);
		pct[0] = '%';
		pct[1] = hexdig[c >> 4];
		pct[2] = hexdig[c & 15];
		buf_add(b, pct, 3);
		run = i + 1;
	}
	buf_add(b, p + run, i - run);
}

void
json_str(struct buf *b, struct str s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0, run = 0, k;
	const char *esc;
	unsigned char c;
	char u[6];

	buf_addch(b, '"');
	while (i < s.len) {
		c = p[i];
		esc = NULL;
		if (c >= 0x80) {
			k = utf8_seq(p + i, s.len - i);
			if (k == 0)
				esc = "\\ufffd";
			else if (k == 3 && c == 0xe2 && p[i + 1] == 0x80 &&
			    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
				/* Line and paragraph separators end a line in
				 * older JavaScript. */
				esc = p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
			if (esc == NULL) {
				i += k;
				continue;
			}
			buf_add(b, p + run, i - run);
			buf_adds(b, esc);
			i += k ? k : 1;
			run = i;
			continue;
		}
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		/* <, > and & escaped so the literal can sit inside a script
		 * element or an HTML comment without ending it. */
		case '<':
			esc = "\\u003c";
			break;
		case '>':
			esc = "\\u003e";
			break;
		case '&':
			esc = "\\u0026";
			break;
		default:
			if (c >= 0x20 && c != 0x7f) {
				i++;
				continue;
			}
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hexdig[c >> 4];
			u[5] = hexdig[c & 15];
			buf_add(b, p + run, i - run);
			buf_add(b, u, 6);
			run = ++i;
			continue;
		}
		buf_add(b, p + run, i - run);
		buf_adds(b, esc);
		run = ++i;
	}
	buf_add(b, p + run, i - run);
	buf_addch(b, '"');
}

void
sse_data(struct buf *b, struct str s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0, run = 0, k;

	/* Lines end at CR LF, LF or CR (as the EventSource parser reads
	 * them); each becomes one "data:" line, and the receiver joins them
	 * with LF again. */
	buf_adds(b, "data: ");
	while (i < s.len) {
		if (p[i] == '\r' || p[i] == '\n') {
			buf_add(b, p + run, i - run);
			buf_adds(b, "\ndata: ");
			if (p[i] == '\r' && i + 1 < s.len && p[i + 1] == '\n')
				i++;
			run = ++i;
			continue;
		}
		if (p[i] == 0) {
			k = 0;
		} else if (p[i] < 0x80) {
			i++;
			continue;
		} else if ((k = utf8_seq(p + i, s.len - i)) != 0) {
			i += k;
			continue;
		}
		buf_add(b, p + run, i - run);
		buf_adds(b, REPLACEMENT);
		run = ++i;
	}
	buf_add(b, p + run, i - run);
	buf_addch(b, '\n');
}
