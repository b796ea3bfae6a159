/*
 * manifest.c - module.txt, the manifest of a module package (FORMAT.md).
 *
 * A line format like the instrument files': one keyword a line, the text
 * after the first colon, so every refusal names its line.  Lines are taken
 * in order and each attaches to what came last (a summary to the module
 * or the session above it, an option to the choice above it), which keeps
 * the file readable top to bottom as the client will meet it.
 */
#include "package/package.h"

#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "core/limits.h"
#include "core/num.h"
#include "core/utf8.h"
#include "package/zip.h"
#include "core/banned.h"

/* Bytes of one line: a summary with its keyword. */
#define LINE_MAX_BYTES (LIMIT_PKG_SUMMARY + 64)
/* Exercises on one page: a few questions, not a form. */
#define EX_PER_PAGE 8

struct parser {
	struct arena *a;
	struct pkg_module *m;
	struct pkg_error *e;
	int line;
	bool seen_magic;
	int names;                  /* exercise names so far */
	const char *name[LIMIT_PKG_SESSIONS * LIMIT_PKG_PAGES * EX_PER_PAGE];
};

static int
fail(struct parser *ps, int err, const char *msg, const char *name,
    int limit)
{
	ps->e->line = ps->line;
	why_set(&ps->e->why, err, "package", msg);
	ps->e->why.name = name;
	ps->e->why.limit = limit;
	return err;
}

/* 1-64 small letters, digits, '-' or '_', starting with a letter or
 * digit (ids of modules, exercises, instruments). */
static bool
name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '-' || s[0] == '_')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* Split head (the part before the colon) into at most 4 words. */
static int
words(char *head, char **w, int max)
{
	int n = 0;
	char *p = head;

	while (*p) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		w[n++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return n;
}

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

static struct pkg_session *
cur_session(struct parser *ps)
{
	return ps->m->nsessions ? &ps->m->session[ps->m->nsessions - 1] : NULL;
}

static struct pkg_page *
cur_page(struct parser *ps)
{
	struct pkg_session *s = cur_session(ps);

	return s && s->npages ? &s->page[s->npages - 1] : NULL;
}

static int
text_ok(struct parser *ps, const char *text, size_t max, const char *what)
{
	if (*text == '\0')
		return fail(ps, ERR_INVAL, N_("This line's text is empty; write "
		    "it after the colon."), what, 0);
	if (strlen(text) > max)
		return fail(ps, ERR_TOOBIG, N_("This text is longer than %d "
		    "bytes."), NULL, (int)max);
	return 0;
}

static int
path_ok(struct parser *ps, const char *path)
{
	if (!zip_name_ok(path, strlen(path), LIMIT_PKG_PATH) ||
	    path[strlen(path) - 1] == '/')
		return fail(ps, ERR_INVAL, N_("The file name %s is not a plain "
		    "path inside the package (no \"..\", no leading /, no "
		    "backslash)."), path, 0);
	if (strcmp(path, PKG_MANIFEST) == 0)
		return fail(ps, ERR_INVAL, N_("The manifest cannot be a page's "
		    "file."), NULL, 0);
	return 0;
}

static int
exercise(struct parser *ps, char **w, int nw, const char *text)
{
	static const struct {
		const char *word;
		enum pkg_ex_kind kind;
		int nwords;
	} kinds[] = {
		{ "text", PKG_EX_TEXT, 3 },
		{ "choice", PKG_EX_CHOICE, 4 },
		{ "questionnaire", PKG_EX_QUESTIONNAIRE, 4 },
		{ "diary", PKG_EX_DIARY, 3 },
		{ "mood", PKG_EX_MOOD, 3 },
		{ "assignment", PKG_EX_ASSIGNMENT, 3 },
	};
	struct pkg_page *pg = cur_page(ps);
	struct pkg_exercise *x;
	size_t k;
	int i, rc;

	if (pg == NULL)
		return fail(ps, ERR_INVAL, N_("An exercise must follow a "
		    "\"page:\" line."), NULL, 0);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (nw >= 2 && strcmp(w[1], kinds[k].word) == 0)
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return fail(ps, ERR_INVAL, N_("Unknown kind of exercise %s: use "
		    "text, choice, questionnaire, diary, mood or assignment."),
		    nw >= 2 ? w[1] : "", 0);
	if (nw != kinds[k].nwords)
		return fail(ps, ERR_INVAL, kinds[k].kind == PKG_EX_CHOICE ?
		    N_("Write \"exercise choice NAME one: prompt\" or "
		    "\"... many: prompt\".") : kinds[k].kind ==
		    PKG_EX_QUESTIONNAIRE ? N_("Write \"exercise questionnaire "
		    "NAME INSTRUMENT: prompt\".") : N_("Write \"exercise %s "
		    "NAME: prompt\"."), w[1], 0);
	if (!name_ok(w[2]))
		return fail(ps, ERR_INVAL, N_("The exercise name %s is not 1-64 "
		    "small letters, digits, - or _."), w[2], 0);
	for (i = 0; i < ps->names; i++)
		if (strcmp(ps->name[i], w[2]) == 0)
			return fail(ps, ERR_INVAL, N_("There is already an "
			    "exercise named %s in this module."), w[2], 0);
	if (pg->nex == EX_PER_PAGE)
		return fail(ps, ERR_TOOMANY, N_("A page has at most %d "
		    "exercises."), NULL, EX_PER_PAGE);
	if ((rc = text_ok(ps, text, LIMIT_PKG_SUMMARY, "prompt")) != 0)
		return rc;
	if (pg->ex == NULL)
		pg->ex = arena_calloc(ps->a, EX_PER_PAGE, sizeof(*pg->ex));
	x = &pg->ex[pg->nex++];
	x->kind = kinds[k].kind;
	x->name = arena_strdup(ps->a, w[2]);
	x->prompt = arena_strdup(ps->a, text);
	x->line = ps->line;
	ps->name[ps->names++] = x->name;
	if (x->kind == PKG_EX_CHOICE) {
		if (strcmp(w[3], "one") != 0 && strcmp(w[3], "many") != 0)
			return fail(ps, ERR_INVAL, N_("A choice is \"one\" or "
			    "\"many\", not %s."), w[3], 0);
		x->multiple = strcmp(w[3], "many") == 0;
		x->option = arena_calloc(ps->a, LIMIT_PKG_OPTIONS,
		    sizeof(*x->option));
	} else if (x->kind == PKG_EX_QUESTIONNAIRE) {
		if (!name_ok(w[3]))
			return fail(ps, ERR_INVAL, N_("The instrument id %s is "
			    "not 1-64 small letters, digits, - or _."), w[3],
			    0);
		x->instrument = arena_strdup(ps->a, w[3]);
	}
	return 0;
}

/* "library NUMBER: title": a library item of the installation, by its
 * number and title (the importer checks both against what the
 * organisation may show).  A title of the library may be longer in bytes
 * than a page's, so it is held to the summaries' limit. */
static int
library(struct parser *ps, const char *num, const char *text)
{
	struct pkg_page *pg = cur_page(ps);
	int64_t id;
	int rc;

	if (pg == NULL)
		return fail(ps, ERR_INVAL, N_("A library item must follow a "
		    "\"page:\" line."), NULL, 0);
	if (pg->item != 0)
		return fail(ps, ERR_INVAL, N_("A page shows one library item; "
		    "make another page for the next."), NULL, 0);
	if (num_parse_i64(str_c(num), 1, INT64_MAX, &id) != 0 ||
	    num[0] == '0')
		return fail(ps, ERR_INVAL, N_("The library item number %s is "
		    "not a whole number from 1."), num, 0);
	if ((rc = text_ok(ps, text, LIMIT_PKG_SUMMARY, "title")) != 0)
		return rc;
	pg->item = id;
	pg->item_title = arena_strdup(ps->a, text);
	pg->item_line = ps->line;
	return 0;
}

/* The choice a line of options belongs to, checked when it ends. */
static int
close_choice(struct parser *ps)
{
	struct pkg_page *pg = cur_page(ps);
	struct pkg_exercise *x;
	int line = ps->line, rc = 0;

	if (pg == NULL || pg->nex == 0)
		return 0;
	x = &pg->ex[pg->nex - 1];
	if (x->kind == PKG_EX_CHOICE && x->noptions < 2) {
		ps->line = x->line;
		rc = fail(ps, ERR_INVAL, N_("The choice %s needs at least two "
		    "\"option:\" lines after it."), x->name, 0);
		ps->line = line;
	}
	return rc;
}

static int
close_page(struct parser *ps)
{
	struct pkg_page *pg = cur_page(ps);
	int line = ps->line, rc = 0;

	if ((rc = close_choice(ps)) != 0 || pg == NULL)
		return rc;
	if (pg->text.path == NULL && pg->media.path == NULL && pg->nex == 0 &&
	    pg->item == 0) {
		ps->line = pg->line;
		rc = fail(ps, ERR_INVAL, N_("The page %s has no text, media or "
		    "exercise."), pg->title, 0);
		ps->line = line;
	}
	return rc;
}

static int
close_session(struct parser *ps)
{
	struct pkg_session *s = cur_session(ps);
	int line = ps->line, rc;

	if ((rc = close_page(ps)) != 0 || s == NULL)
		return rc;
	if (s->npages == 0) {
		ps->line = s->line;
		rc = fail(ps, ERR_INVAL, N_("The session %s has no pages."),
		    s->title, 0);
		ps->line = line;
	}
	return rc;
}

static int
one_line(struct parser *ps, char *ln)
{
	struct pkg_module *m = ps->m;
	struct pkg_session *s;
	struct pkg_page *pg;
	char *colon = strchr(ln, ':'), *text = NULL, *w[5];
	int nw, rc;
	long v;
	char end;

	if (colon) {
		*colon = '\0';
		text = trim(colon + 1);
	}
	nw = words(ln, w, 4);
	if (nw == 0)
		return fail(ps, ERR_INVAL, N_("A line must start with a "
		    "keyword."), NULL, 0);
	if (nw > 4)
		return fail(ps, ERR_INVAL, N_("This line has too many words "
		    "before its colon."), NULL, 0);
	if (!ps->seen_magic) {
		if (nw != 2 || text != NULL || strcmp(w[0], "infuus-module") ||
		    strcmp(w[1], "1"))
			return fail(ps, ERR_INVAL, N_("The first line must be "
			    "\"infuus-module 1\"."), NULL, 0);
		ps->seen_magic = true;
		return 0;
	}
	/* keywords without text */
	if (text == NULL) {
		if (strcmp(w[0], "id") == 0 && nw == 2) {
			if (m->id)
				return fail(ps, ERR_INVAL, N_("The id is given "
				    "twice."), NULL, 0);
			if (!name_ok(w[1]))
				return fail(ps, ERR_INVAL, N_("The id %s is not "
				    "1-64 small letters, digits, - or _."), w[1],
				    0);
			m->id = arena_strdup(ps->a, w[1]);
			return 0;
		}
		if (strcmp(w[0], "version") == 0 && nw == 2) {
			if (m->version)
				return fail(ps, ERR_INVAL, N_("The version is "
				    "given twice."), NULL, 0);
			if (sscanf(w[1], "%ld%c", &v, &end) != 1 || v < 1 ||
			    v > 1000000 || w[1][0] == '+' || w[1][0] == '0')
				return fail(ps, ERR_INVAL, N_("The version %s is "
				    "not a whole number from 1 to 1000000."),
				    w[1], 0);
			m->version = (int)v;
			return 0;
		}
		if (strcmp(w[0], "lang") == 0 && nw == 2) {
			if (m->lang)
				return fail(ps, ERR_INVAL, N_("The language is "
				    "given twice."), NULL, 0);
			if (strcmp(w[1], "nl") && strcmp(w[1], "en"))
				return fail(ps, ERR_INVAL, N_("The language %s is "
				    "not nl or en."), w[1], 0);
			m->lang = strcmp(w[1], "nl") == 0 ? "nl" : "en";
			return 0;
		}
		if (strcmp(w[0], "text") == 0 && nw == 2) {
			if ((pg = cur_page(ps)) == NULL)
				return fail(ps, ERR_INVAL, N_("A text must "
				    "follow a \"page:\" line."), NULL, 0);
			if (pg->text.path)
				return fail(ps, ERR_INVAL, N_("A page has one "
				    "text file."), NULL, 0);
			if ((rc = path_ok(ps, w[1])) != 0)
				return rc;
			pg->text.path = arena_strdup(ps->a, w[1]);
			return 0;
		}
		return fail(ps, ERR_INVAL, N_("Unknown line %s (or its colon is "
		    "missing)."), w[0], 0);
	}
	if (nw == 1 && strcmp(w[0], "title") == 0) {
		if (m->title || m->nsessions)
			return fail(ps, ERR_INVAL, N_("The module's title comes "
			    "once, before the sessions."), NULL, 0);
		if ((rc = text_ok(ps, text, LIMIT_PKG_TITLE, "title")) != 0)
			return rc;
		m->title = arena_strdup(ps->a, text);
		return 0;
	}
	if (nw == 1 && strcmp(w[0], "summary") == 0) {
		const char **dst = (s = cur_session(ps)) ? &s->summary :
		    &m->summary;

		if ((s && s->npages) || (*dst && **dst))
			return fail(ps, ERR_INVAL, N_("A summary follows the "
			    "title of the module or a \"session:\" line, "
			    "once."), NULL, 0);
		if ((rc = text_ok(ps, text, LIMIT_PKG_SUMMARY, "summary")) != 0)
			return rc;
		*dst = arena_strdup(ps->a, text);
		return 0;
	}
	if (nw == 1 && strcmp(w[0], "session") == 0) {
		if ((rc = close_session(ps)) != 0)
			return rc;
		if (m->nsessions == LIMIT_PKG_SESSIONS)
			return fail(ps, ERR_TOOMANY, N_("A module has at most %d "
			    "sessions."), NULL, LIMIT_PKG_SESSIONS);
		if ((rc = text_ok(ps, text, LIMIT_PKG_TITLE, "title")) != 0)
			return rc;
		s = &m->session[m->nsessions++];
		s->title = arena_strdup(ps->a, text);
		s->summary = "";
		s->line = ps->line;
		s->page = arena_calloc(ps->a, LIMIT_PKG_PAGES, sizeof(*s->page));
		return 0;
	}
	if (nw == 1 && strcmp(w[0], "page") == 0) {
		if ((s = cur_session(ps)) == NULL)
			return fail(ps, ERR_INVAL, N_("A page must follow a "
			    "\"session:\" line."), NULL, 0);
		if ((rc = close_page(ps)) != 0)
			return rc;
		if (s->npages == LIMIT_PKG_PAGES)
			return fail(ps, ERR_TOOMANY, N_("A session has at most "
			    "%d pages."), NULL, LIMIT_PKG_PAGES);
		if ((rc = text_ok(ps, text, LIMIT_PKG_TITLE, "title")) != 0)
			return rc;
		pg = &s->page[s->npages++];
		pg->title = arena_strdup(ps->a, text);
		pg->line = ps->line;
		return 0;
	}
	if (nw == 2 && (strcmp(w[0], "image") == 0 ||
	    strcmp(w[0], "audio") == 0 || strcmp(w[0], "video") == 0)) {
		if ((pg = cur_page(ps)) == NULL)
			return fail(ps, ERR_INVAL, N_("A media file must follow "
			    "a \"page:\" line."), NULL, 0);
		if (pg->media.path)
			return fail(ps, ERR_INVAL, N_("A page has one media "
			    "file; make another page for the next."), NULL, 0);
		if ((rc = path_ok(ps, w[1])) != 0 ||
		    (rc = text_ok(ps, text, LIMIT_PKG_SUMMARY,
		    "description")) != 0)
			return rc;
		pg->media_kind = w[0][0] == 'i' ? PKG_IMAGE : w[0][0] == 'a' ?
		    PKG_AUDIO : PKG_VIDEO;
		pg->media.path = arena_strdup(ps->a, w[1]);
		pg->caption = arena_strdup(ps->a, text);
		return 0;
	}
	if (nw == 2 && strcmp(w[0], "library") == 0)
		return library(ps, w[1], text);
	if (strcmp(w[0], "exercise") == 0) {
		if ((rc = close_choice(ps)) != 0)
			return rc;
		return exercise(ps, w, nw, text);
	}
	if (nw == 1 && strcmp(w[0], "option") == 0) {
		struct pkg_exercise *x;

		pg = cur_page(ps);
		x = pg && pg->nex ? &pg->ex[pg->nex - 1] : NULL;
		if (x == NULL || x->kind != PKG_EX_CHOICE)
			return fail(ps, ERR_INVAL, N_("An option must follow an "
			    "\"exercise choice\" line or another option."),
			    NULL, 0);
		if (x->noptions == LIMIT_PKG_OPTIONS)
			return fail(ps, ERR_TOOMANY, N_("A choice has at most %d "
			    "options."), NULL, LIMIT_PKG_OPTIONS);
		if ((rc = text_ok(ps, text, LIMIT_PKG_TITLE, "option")) != 0)
			return rc;
		x->option[x->noptions++] = arena_strdup(ps->a, text);
		return 0;
	}
	return fail(ps, ERR_INVAL, N_("Unknown line %s."), w[0], 0);
}

int
pkg_manifest_parse(const char *text, size_t len, struct arena *a,
    struct pkg_module **out, struct pkg_error *e)
{
	struct parser *ps = arena_zalloc(a, sizeof(*ps));
	size_t i = 0, k;
	char *ln;
	int rc = 0;

	*out = NULL;
	memset(e, 0, sizeof(*e));
	ps->a = a;
	ps->e = e;
	ps->m = arena_zalloc(a, sizeof(*ps->m));
	ps->m->session = arena_calloc(a, LIMIT_PKG_SESSIONS,
	    sizeof(*ps->m->session));
	ps->m->summary = "";
	if (len > LIMIT_PKG_MANIFEST)
		return fail(ps, ERR_TOOBIG, N_("The manifest is larger than %d "
		    "bytes."), NULL, LIMIT_PKG_MANIFEST);
	if (!utf8_valid(text, len))
		return fail(ps, ERR_INVAL, N_("The manifest is not UTF-8 "
		    "text."), NULL, 0);
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t start = i, n = nl ? (size_t)(nl - text) - i : len - i;

		ps->line++;
		i = nl ? (size_t)(nl - text) + 1 : len;
		if (n > 0 && text[start + n - 1] == '\r')
			n--;
		if (n > LINE_MAX_BYTES)
			return fail(ps, ERR_TOOBIG, N_("This line is longer than "
			    "%d bytes."), NULL, LINE_MAX_BYTES);
		ln = arena_strndup(a, text + start, n);
		for (k = 0; k < n; k++) {
			if (ln[k] == '\t')
				ln[k] = ' ';
			else if ((unsigned char)ln[k] < 0x20 || ln[k] == 0x7f)
				return fail(ps, ERR_INVAL, N_("This line holds a "
				    "control character."), NULL, 0);
		}
		ln = trim(ln);
		if (*ln == '\0' || *ln == '#')
			continue;
		if ((rc = one_line(ps, ln)) != 0)
			return rc;
	}
	ps->line++; /* past the end: the file as a whole */
	if ((rc = close_session(ps)) != 0)
		return rc;
	ps->line = 0;
	if (!ps->seen_magic)
		return fail(ps, ERR_INVAL, N_("The manifest is empty."), NULL,
		    0);
	if (!ps->m->id || !ps->m->version || !ps->m->lang || !ps->m->title)
		return fail(ps, ERR_INVAL, N_("The manifest must give the "
		    "module's id, version, lang and title."), NULL, 0);
	if (ps->m->nsessions == 0)
		return fail(ps, ERR_INVAL, N_("The module has no sessions."),
		    NULL, 0);
	*out = ps->m;
	return 0;
}

static const char *const ex_word[] = {
	[PKG_EX_TEXT] = "text", [PKG_EX_CHOICE] = "choice",
	[PKG_EX_QUESTIONNAIRE] = "questionnaire", [PKG_EX_DIARY] = "diary",
	[PKG_EX_MOOD] = "mood", [PKG_EX_ASSIGNMENT] = "assignment",
};

void
pkg_manifest_format(const struct pkg_module *m, struct buf *out)
{
	int i, j, k, o;

	buf_printf(out, "infuus-module 1\nid %s\nversion %d\nlang %s\n"
	    "title: %s\n", m->id, m->version, m->lang, m->title);
	if (m->summary && *m->summary)
		buf_printf(out, "summary: %s\n", m->summary);
	for (i = 0; i < m->nsessions; i++) {
		const struct pkg_session *s = &m->session[i];

		buf_printf(out, "\nsession: %s\n", s->title);
		if (s->summary && *s->summary)
			buf_printf(out, "summary: %s\n", s->summary);
		for (j = 0; j < s->npages; j++) {
			const struct pkg_page *pg = &s->page[j];

			buf_printf(out, "\npage: %s\n", pg->title);
			if (pg->text.path)
				buf_printf(out, "text %s\n", pg->text.path);
			if (pg->media.path)
				buf_printf(out, "%s %s: %s\n", pg->media_kind ==
				    PKG_IMAGE ? "image" : pg->media_kind ==
				    PKG_AUDIO ? "audio" : "video",
				    pg->media.path, pg->caption);
			if (pg->item)
				buf_printf(out, "library %lld: %s\n",
				    (long long)pg->item, pg->item_title);
			for (k = 0; k < pg->nex; k++) {
				const struct pkg_exercise *x = &pg->ex[k];

				buf_printf(out, "exercise %s %s", ex_word[x->kind],
				    x->name);
				if (x->kind == PKG_EX_CHOICE)
					buf_adds(out, x->multiple ? " many" :
					    " one");
				if (x->kind == PKG_EX_QUESTIONNAIRE)
					buf_printf(out, " %s", x->instrument);
				buf_printf(out, ": %s\n", x->prompt);
				for (o = 0; o < x->noptions; o++)
					buf_printf(out, "option: %s\n",
					    x->option[o]);
			}
		}
	}
}
