/*
 * escape.h - output escaping by context.  Pages emit dynamic data only
 * through these; raw output (buf_adds of template text) is for trusted
 * literals.
 */
#ifndef INFUUS_ESCAPE_H
#define INFUUS_ESCAPE_H

#include "core/buf.h"

/* Text between tags: & < > " ' escaped; invalid UTF-8, NUL and the other
 * control characters HTML forbids (all but tab, LF, CR) replaced by
 * U+FFFD. */
void html_text(struct buf *b, struct str s);
void html_textz(struct buf *b, const char *s);
/* A double-quoted attribute value: as html_text, and newlines kept (as
 * &#10; and &#13;, tabs as &#9;, so no normalisation can lose them). */
void html_attr(struct buf *b, struct str s);
/* One URL query argument or path segment, percent-encoded (RFC 3986
 * unreserved characters kept). */
void url_arg(struct buf *b, struct str s);
/* A JSON string literal including the quotes, with </ escaped so it can
 * never close a script element (every < > & is written \u003c \u003e
 * \u0026; U+2028/U+2029 as escapes; invalid UTF-8 as \ufffd). */
void json_str(struct buf *b, struct str s);
/* The data lines of one Server-Sent Event (each line prefixed "data: ").
 * Lines end at CR LF, LF or CR; each data line ends with "\n", and the
 * caller ends the event with one more "\n" (after any id: or event:). */
void sse_data(struct buf *b, struct str s);

#endif
