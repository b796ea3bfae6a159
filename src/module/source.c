/*
 * source.c - the source format of a module (module.h): a line-based text
 * of @session, @page, @option and @instrument directives around Markdown,
 * parsed into sessions of pages in an arena.  Pure computation: the
 * library (module.c) checks every draft with it and parses a published
 * version again on each read (microseconds for a long module).
 */
#include "module/module.h"

#include <string.h>

#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/banned.h"

static const char *const kind_names[MOD_NPAGE_KINDS] = {
	[MOD_PAGE_TEXT] = "text",
	[MOD_PAGE_FREE] = "free",
	[MOD_PAGE_CHOICE] = "choice",
	[MOD_PAGE_QUESTIONNAIRE] = "questionnaire",
	[MOD_PAGE_DIARY] = "diary",
	[MOD_PAGE_MOOD] = "mood",
	[MOD_PAGE_ASSIGNMENT] = "assignment",
	[MOD_PAGE_MEDIA] = "media",
	[MOD_PAGE_LIBRARY] = "library",
};

static const char *const media_names[] = { NULL, "image", "audio", "video" };

const char *
mod_media_kind_name(int k)
{
	return k >= MOD_MEDIA_IMAGE && k <= MOD_MEDIA_VIDEO ?
	    media_names[k] : NULL;
}

const char *
mod_page_kind_name(int k)
{
	return k >= 0 && k < MOD_NPAGE_KINDS ? kind_names[k] : NULL;
}

bool
mod_page_is_exercise(enum mod_page_kind k)
{
	return k != MOD_PAGE_TEXT && k != MOD_PAGE_MEDIA &&
	    k != MOD_PAGE_LIBRARY;
}

static int
why_line(struct why *why, int err, const char *msg, int line)
{
	why_set(why, err, "source", msg);
	if (why != NULL)
		why->limit = line;
	return err;
}

/* --- the source format ------------------------------------------------------ */

struct parse {
	struct arena *a;
	struct mod_content *out;
	struct mod_session *s;   /* the session being filled; NULL before */
	struct mod_page *p;      /* the page being filled; NULL none */
	int page_line;
	struct buf body;
};

/* The page being filled gets its body (blank lines around it cut). */
static void
end_page(struct parse *ps)
{
	size_t b = 0, e = ps->body.len;
	const char *t = ps->body.p ? ps->body.p : "";

	if (ps->p == NULL)
		return;
	while (b < e && (t[b] == '\n' || t[b] == ' '))
		b++;
	while (e > b && (t[e - 1] == '\n' || t[e - 1] == ' '))
		e--;
	ps->p->body = arena_strndup(ps->a, t + b, e - b);
	ps->p->body_len = e - b;
	ps->body.len = 0;
	if (ps->body.p)
		ps->body.p[0] = '\0';
	ps->p = NULL;
}

/* Checks of the page just ended that need all its lines. */
static int
check_page(const struct mod_page *p, int line, struct why *why)
{
	if (p->kind == MOD_PAGE_CHOICE && p->noptions < 2)
		return why_line(why, ERR_INVAL, N_("Line %d: a choice needs at least two @option lines."), line);
	if (p->kind == MOD_PAGE_QUESTIONNAIRE && p->instrument == NULL)
		return why_line(why, ERR_INVAL, N_("Line %d: a questionnaire page needs a line @instrument with the questionnaire's name."), line);
	if (p->kind == MOD_PAGE_MEDIA && p->media_id == 0)
		return why_line(why, ERR_INVAL, N_("Line %d: a media page needs a line @media with image, audio or video, the file's number and its description."), line);
	if (p->kind == MOD_PAGE_LIBRARY && p->item_id == 0)
		return why_line(why, ERR_INVAL, N_("Line %d: a library page needs a line @item with the library item's number."), line);
	return 0;
}

static struct str rest_after(struct str line, size_t skip);

/* "@media KIND ID ALT" on a media page: the id a positive number of at
 * most 18 digits (the media store's), the alternative text required. */
static int
parse_media(struct parse *ps, struct str line, int no, struct why *why)
{
	struct str rest = rest_after(line, 6), word, num;
	int64_t id = 0;
	size_t i;
	int k;

	if (ps->p == NULL || ps->p->kind != MOD_PAGE_MEDIA)
		return why_line(why, ERR_INVAL, N_("Line %d: @media belongs to a page of kind media."), no);
	if (ps->p->media_id != 0)
		return why_line(why, ERR_INVAL, N_("Line %d: a media page shows one file."), no);
	if (!str_cut(rest, ' ', &word, &rest))
		goto bad;
	rest = rest_after(rest, 0);
	if (!str_cut(rest, ' ', &num, &rest))
		goto bad;
	rest = rest_after(rest, 0);
	for (k = MOD_MEDIA_IMAGE; k <= MOD_MEDIA_VIDEO; k++)
		if (str_eqc(word, media_names[k]))
			break;
	if (k > MOD_MEDIA_VIDEO || num.len == 0 || num.len > 18 ||
	    rest.len == 0 || rest.len > LIMIT_MOD_TITLE * 4)
		goto bad;
	for (i = 0; i < num.len; i++) {
		if (num.p[i] < '0' || num.p[i] > '9')
			goto bad;
		id = id * 10 + (num.p[i] - '0');
	}
	if (id <= 0)
		goto bad;
	ps->p->media_kind = (enum mod_media_kind)k;
	ps->p->media_id = id;
	ps->p->alt = arena_strz(ps->a, rest);
	return 0;
bad:
	return why_line(why, ERR_INVAL, N_("Line %d: write @media, then image, audio or video, the file's number and a description of what it shows or holds."), no);
}

/* "@item ID" on a library page: the library item's number (module.h). */
static int
parse_item(struct parse *ps, struct str line, int no, struct why *why)
{
	struct str num = rest_after(line, 5);
	int64_t id = 0;
	size_t i;

	if (ps->p == NULL || ps->p->kind != MOD_PAGE_LIBRARY)
		return why_line(why, ERR_INVAL, N_("Line %d: @item belongs to a page of kind library."), no);
	if (ps->p->item_id != 0)
		return why_line(why, ERR_INVAL, N_("Line %d: a library page shows one item."), no);
	if (num.len == 0 || num.len > 18)
		goto bad;
	for (i = 0; i < num.len; i++) {
		if (num.p[i] < '0' || num.p[i] > '9')
			goto bad;
		id = id * 10 + (num.p[i] - '0');
	}
	if (id <= 0)
		goto bad;
	ps->p->item_id = id;
	ps->p->line = no;
	return 0;
bad:
	return why_line(why, ERR_INVAL, N_("Line %d: write @item and the library item's number (it is in the item's address, /library/NUMBER)."), no);
}

static struct str
rest_after(struct str line, size_t skip)
{
	struct str r = { line.p + skip, line.len - skip };

	while (r.len > 0 && (r.p[0] == ' ' || r.p[0] == '\t')) {
		r.p++;
		r.len--;
	}
	while (r.len > 0 && (r.p[r.len - 1] == ' ' || r.p[r.len - 1] == '\t'))
		r.len--;
	return r;
}

static bool
directive(struct str line, const char *word)
{
	size_t n = strlen(word);

	return line.len >= n && memcmp(line.p, word, n) == 0 &&
	    (line.len == n || line.p[n] == ' ' || line.p[n] == '\t');
}

static int
parse_line(struct parse *ps, struct str line, int no, struct why *why)
{
	struct mod_content *c = ps->out;
	struct str rest, word;
	int k, rc;

	if (line.len >= 2 && line.p[0] == '@' && line.p[1] == '@') {
		line.p++;
		line.len--;
	} else if (line.len > 0 && line.p[0] == '@') {
		if (directive(line, "@session")) {
			if (ps->p && (rc = check_page(ps->p, ps->page_line,
			    why)) != 0)
				return rc;
			end_page(ps);
			if (ps->s && ps->s->npages == 0)
				return why_line(why, ERR_INVAL, N_("Line %d: a session needs at least one page."), no);
			if (c->nsessions >= LIMIT_MOD_SESSIONS) {
				why_set(why, ERR_TOOMANY, "source", N_("A module has at most %d sessions."));
				if (why)
					why->limit = LIMIT_MOD_SESSIONS;
				return ERR_TOOMANY;
			}
			rest = rest_after(line, 8);
			if (rest.len == 0)
				return why_line(why, ERR_INVAL, N_("Line %d: a session needs a title after @session."), no);
			ps->s = &c->sessions[c->nsessions++];
			ps->s->title = arena_strz(ps->a, rest);
			ps->s->pages = arena_calloc(ps->a, LIMIT_MOD_PAGES,
			    sizeof(struct mod_page));
			return 0;
		}
		if (directive(line, "@page")) {
			if (ps->s == NULL)
				return why_line(why, ERR_INVAL, N_("Line %d: write @session and its title before the first page."), no);
			if (ps->p && (rc = check_page(ps->p, ps->page_line,
			    why)) != 0)
				return rc;
			end_page(ps);
			if (ps->s->npages >= LIMIT_MOD_PAGES) {
				why_set(why, ERR_TOOMANY, "source", N_("A session has at most %d pages."));
				if (why)
					why->limit = LIMIT_MOD_PAGES;
				return ERR_TOOMANY;
			}
			rest = rest_after(line, 5);
			if (!str_cut(rest, ' ', &word, &rest))
				rest = (struct str){ "", 0 };
			rest = rest_after(rest, 0);
			for (k = 0; k < MOD_NPAGE_KINDS; k++)
				if (str_eqc(word, kind_names[k]))
					break;
			if (k == MOD_NPAGE_KINDS)
				return why_line(why, ERR_INVAL, N_("Line %d: unknown kind of page; use text, free, choice, questionnaire, diary, mood, assignment, media or library."), no);
			ps->p = &ps->s->pages[ps->s->npages++];
			ps->p->kind = (enum mod_page_kind)k;
			ps->p->title = arena_strz(ps->a, rest);
			ps->page_line = no;
			if (k == MOD_PAGE_CHOICE)
				ps->p->options = arena_calloc(ps->a,
				    LIMIT_MOD_OPTIONS, sizeof(char *));
			return 0;
		}
		if (directive(line, "@option")) {
			if (ps->p == NULL || ps->p->kind != MOD_PAGE_CHOICE)
				return why_line(why, ERR_INVAL, N_("Line %d: @option belongs to a page of kind choice."), no);
			rest = rest_after(line, 7);
			if (rest.len == 0)
				return why_line(why, ERR_INVAL, N_("Line %d: an option needs its text after @option."), no);
			if (ps->p->noptions >= LIMIT_MOD_OPTIONS) {
				why_set(why, ERR_TOOMANY, "source", N_("A choice has at most %d options."));
				if (why)
					why->limit = LIMIT_MOD_OPTIONS;
				return ERR_TOOMANY;
			}
			ps->p->options[ps->p->noptions++] =
			    arena_strz(ps->a, rest);
			return 0;
		}
		if (directive(line, "@instrument")) {
			if (ps->p == NULL ||
			    ps->p->kind != MOD_PAGE_QUESTIONNAIRE)
				return why_line(why, ERR_INVAL, N_("Line %d: @instrument belongs to a page of kind questionnaire."), no);
			rest = rest_after(line, 11);
			if (rest.len == 0 || rest.len > LIMIT_MOD_TITLE)
				return why_line(why, ERR_INVAL, N_("Line %d: a questionnaire page needs a line @instrument with the questionnaire's name."), no);
			ps->p->instrument = arena_strz(ps->a, rest);
			ps->p->line = no;
			return 0;
		}
		if (directive(line, "@media"))
			return parse_media(ps, line, no, why);
		if (directive(line, "@item"))
			return parse_item(ps, line, no, why);
		return why_line(why, ERR_INVAL, N_("Line %d: unknown line starting with @; write @@ for a line that starts with @ in the text."), no);
	}
	if (ps->p == NULL) {
		if (rest_after(line, 0).len == 0)
			return 0;
		return why_line(why, ERR_INVAL, ps->s == NULL ?
		    N_("Line %d: write @session and its title before the first page.") :
		    N_("Line %d: write @page with its kind before the text of a page."), no);
	}
	buf_add(&ps->body, line.p, line.len);
	buf_addch(&ps->body, '\n');
	return 0;
}

int
mod_parse(struct str src, struct arena *a, struct mod_content *out,
    struct why *why)
{
	struct parse ps;
	struct str clean, rest, line;
	int no = 0, rc = 0;

	memset(out, 0, sizeof(*out));
	if (src.len > LIMIT_MOD_SOURCE) {
		why_set(why, ERR_TOOBIG, "source", N_("The module is longer than %d KB."));
		if (why)
			why->limit = LIMIT_MOD_SOURCE / 1024;
		return ERR_TOOBIG;
	}
	switch (text_check(src, LIMIT_MOD_SOURCE, 0, true, &clean)) {
	case TEXT_OK:
		break;
	case TEXT_MISSING:
		return 0;
	default:
		return why_set(why, ERR_INVAL, "source", N_("The text holds a character that cannot be stored (a control character or bytes that are not UTF-8)."));
	}
	memset(&ps, 0, sizeof(ps));
	ps.a = a;
	ps.out = out;
	out->sessions = arena_calloc(a, LIMIT_MOD_SESSIONS,
	    sizeof(struct mod_session));
	rest = clean;
	while (rc == 0 && rest.len > 0) {
		/* the last line (no '\n': text_check cut the white space at
		 * the end) comes whole in line, rest empty */
		(void)str_cut(rest, '\n', &line, &rest);
		if (line.len > 0 && line.p[line.len - 1] == '\r')
			line.len--;
		rc = parse_line(&ps, line, ++no, why);
	}
	if (rc == 0 && ps.p)
		rc = check_page(ps.p, ps.page_line, why);
	if (rc == 0)
		end_page(&ps);
	if (rc == 0 && ps.s && ps.s->npages == 0)
		rc = why_line(why, ERR_INVAL, N_("Line %d: a session needs at least one page."), no);
	buf_release(&ps.body);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
