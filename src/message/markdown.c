/*
 * markdown.c - CommonMark to safe HTML and to plain text, with cmark.
 *
 * cmark's safe mode (the default of 0.30) already replaces raw HTML with a
 * comment and empties javascript:/vbscript:/file: links, but it lets
 * data:image/... addresses through and loads images from anywhere.  So the
 * parsed tree is rewritten before rendering (see markdown.h for the rules):
 * the renderer then never meets a raw HTML node, an image or a link with a
 * scheme outside the allow-list.  rel is added to the rendered <a> tags by
 * a plain text substitution, which is sound because cmark escapes every
 * '<' of content: the only "<a href=" in its output are its own tags.
 */
#include "message/markdown.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark.h>

#include "core/limits.h"
#include "core/xalloc.h"
#include "core/banned.h"

bool
markdown_url_ok(const char *url)
{
	static const char *const schemes[] = { "http", "https", "mailto" };
	size_t i, n;

	if (url == NULL)
		return false;
	/* The scheme is what comes before the first ':' that precedes any
	 * '/', '?' or '#'; without one the address is relative.  Anything
	 * before that ':' that is not exactly an allowed scheme (white space,
	 * control characters, "java\tscript") is refused, since browsers
	 * strip such characters before they read the scheme. */
	n = strcspn(url, ":/?#");
	if (url[n] != ':')
		return true;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i]) == n &&
		    strncasecmp(url, schemes[i], n) == 0)
			return true;
	return false;
}

static cmark_node *
parse(struct str src)
{
	cmark_parser *p = cmark_parser_new(CMARK_OPT_VALIDATE_UTF8);
	cmark_node *doc;

	if (src.len > LIMIT_MESSAGE)
		src.len = LIMIT_MESSAGE;
	if (src.len)
		cmark_parser_feed(p, src.p, src.len);
	doc = cmark_parser_finish(p);
	cmark_parser_free(p);
	ASSERT(doc != NULL);
	return doc;
}

/* Move node's children to just before it, then drop node. */
static void
unwrap(cmark_node *node)
{
	cmark_node *ch;

	while ((ch = cmark_node_first_child(node)) != NULL)
		cmark_node_insert_before(node, ch);
	cmark_node_free(node);
}

static bool
inside_link(cmark_node *node)
{
	cmark_node *p;

	for (p = cmark_node_parent(node); p; p = cmark_node_parent(p))
		if (cmark_node_get_type(p) == CMARK_NODE_LINK)
			return true;
	return false;
}

static cmark_node *
text_node(const char *literal)
{
	cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);

	cmark_node_set_literal(t, literal ? literal : "");
	return t;
}

static void
fix_link(cmark_node *node)
{
	if (!markdown_url_ok(cmark_node_get_url(node)))
		unwrap(node);
}

static void
fix_image(cmark_node *img)
{
	const char *url = cmark_node_get_url(img);
	cmark_node *link, *ch;

	if (!markdown_url_ok(url) || inside_link(img)) {
		unwrap(img);
		return;
	}
	link = cmark_node_new(CMARK_NODE_LINK);
	cmark_node_set_url(link, url);
	cmark_node_set_title(link, cmark_node_get_title(img));
	while ((ch = cmark_node_first_child(img)) != NULL)
		cmark_node_append_child(link, ch);
	if (cmark_node_first_child(link) == NULL)
		cmark_node_append_child(link, text_node(url));
	cmark_node_insert_before(img, link);
	cmark_node_free(img);
}

/* Raw HTML is shown as the text that was typed. */
static void
fix_html(cmark_node *node, bool block)
{
	const char *lit = cmark_node_get_literal(node);
	cmark_node *repl, *t;
	char *copy;
	size_t n;

	copy = xstrdup(lit ? lit : "");
	n = strlen(copy);
	while (n > 0 && (copy[n - 1] == '\n' || copy[n - 1] == '\r'))
		copy[--n] = '\0';
	t = text_node(copy);
	free(copy);
	if (block) {
		repl = cmark_node_new(CMARK_NODE_PARAGRAPH);
		cmark_node_append_child(repl, t);
	} else {
		repl = t;
	}
	cmark_node_insert_before(node, repl);
	cmark_node_free(node);
}

/* Rewrite the tree by the rules of markdown.h.  The nodes to change are
 * gathered first (in document order, parents before children) because the
 * tree may not change under a running iterator. */
static void
sanitise(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_node **todo = NULL, *node;
	cmark_event_type ev;
	size_t n = 0, cap = 0, i;
	cmark_node_type t;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		node = cmark_iter_get_node(it);
		t = cmark_node_get_type(node);
		if (t != CMARK_NODE_LINK && t != CMARK_NODE_IMAGE &&
		    t != CMARK_NODE_HTML_BLOCK && t != CMARK_NODE_HTML_INLINE)
			continue;
		if (n == cap) {
			cap = cap ? st_mul(cap, 2) : 16;
			todo = xrealloc(todo, st_mul(cap, sizeof(*todo)));
		}
		todo[n++] = node;
	}
	cmark_iter_free(it);
	for (i = 0; i < n; i++) {
		switch (cmark_node_get_type(todo[i])) {
		case CMARK_NODE_LINK:
			fix_link(todo[i]);
			break;
		case CMARK_NODE_IMAGE:
			fix_image(todo[i]);
			break;
		case CMARK_NODE_HTML_BLOCK:
			fix_html(todo[i], true);
			break;
		case CMARK_NODE_HTML_INLINE:
			fix_html(todo[i], false);
			break;
		default:
			break;
		}
	}
	free(todo);
}

void
markdown_render(struct str src, struct buf *out)
{
	static const char tag[] = "<a href=\"";
	static const char with_rel[] =
	    "<a rel=\"nofollow noopener noreferrer\" href=\"";
	cmark_node *doc = parse(src);
	char *html, *p, *hit;

	sanitise(doc);
	html = cmark_render_html(doc, CMARK_OPT_SAFE);
	cmark_node_free(doc);
	ASSERT(html != NULL);
	for (p = html; (hit = strstr(p, tag)) != NULL; ) {
		buf_add(out, p, (size_t)(hit - p));
		buf_add(out, with_rel, sizeof(with_rel) - 1);
		p = hit + sizeof(tag) - 1;
	}
	buf_adds(out, p);
	free(html);
}

static void
end_block(struct buf *out)
{
	if (out->len > 0 && out->p[out->len - 1] != '\n')
		buf_addch(out, '\n');
}

void
markdown_plaintext(struct str src, struct buf *out)
{
	cmark_node *doc = parse(src), *node;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	const char *lit;
	size_t start = out->len;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_HTML_INLINE:
			if ((lit = cmark_node_get_literal(node)) != NULL)
				buf_adds(out, lit);
			break;
		case CMARK_NODE_CODE_BLOCK:
		case CMARK_NODE_HTML_BLOCK:
			if (out->len > start)
				end_block(out);
			if ((lit = cmark_node_get_literal(node)) != NULL)
				buf_adds(out, lit);
			end_block(out);
			break;
		case CMARK_NODE_SOFTBREAK:
			buf_addch(out, ' ');
			break;
		case CMARK_NODE_LINEBREAK:
			buf_addch(out, '\n');
			break;
		case CMARK_NODE_PARAGRAPH:
		case CMARK_NODE_HEADING:
		case CMARK_NODE_ITEM:
		case CMARK_NODE_BLOCK_QUOTE:
		case CMARK_NODE_THEMATIC_BREAK:
			if (out->len > start)
				end_block(out);
			break;
		default:
			break;
		}
		(void)ev;
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	while (out->len > start && out->p[out->len - 1] == '\n')
		out->p[--out->len] = '\0';
}
