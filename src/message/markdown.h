/*
 * markdown.h - messages are CommonMark; this turns them into safe HTML and
 * into the plain text a reader sees.
 *
 * Rendering uses cmark in its safe mode and then goes further, so that
 * nothing a writer types can run in a reader's browser or call home:
 *   - raw HTML (blocks and inline tags) is shown as the text that was typed,
 *     escaped, never passed through;
 *   - a link keeps its target only when it is relative or http, https or
 *     mailto; any other scheme (javascript:, vbscript:, data:, file:, and
 *     spellings with control characters or entities) loses the link and
 *     keeps its text;
 *   - images are never loaded (no tracking pixels): an image becomes a link
 *     to its address (by the same rule) with the alt text as its text;
 *   - every link gets rel="nofollow noopener noreferrer".
 * Invalid UTF-8 is replaced by U+FFFD.
 */
#ifndef INFUUS_MARKDOWN_H
#define INFUUS_MARKDOWN_H

#include <stdbool.h>

#include "core/buf.h"

/* The HTML of a message, appended to out.  Never fails: any bytes give
 * some HTML (at most LIMIT_MESSAGE bytes of src are read; callers store
 * no more). */
void markdown_render(struct str src, struct buf *out);

/*
 * The text of a message without markup, appended to out: the words of
 * paragraphs, headings, list items, code and link texts, blocks separated
 * by a newline, soft line breaks as spaces.  For quotes, excerpts and the
 * search index.
 */
void markdown_plaintext(struct str src, struct buf *out);

/* Is url safe as a link target by the rule above (relative, or http,
 * https, mailto)?  Exported for tests. */
bool markdown_url_ok(const char *url);

#endif
