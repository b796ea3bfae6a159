/*
 * mod_pkg.c - a module to and from a package (src/package, FORMAT.md).
 *
 * Import: the package was read whole by pkg_read (every refusal there,
 * before anything is written); then one write job checks the names it
 * refers to against the importing organisation (each questionnaire's
 * instrument: its library's or shipped, taken in; each library item: one
 * it may show, under the package's title), stores each media file
 * (media_put_on), builds the module's source from the manifest with the
 * files' new ids, checks it as any draft, creates the module and
 * publishes it as version 1.  A refusal anywhere in the job rolls all of
 * it back: nothing is half-imported.
 *
 * How a package's page becomes pages of the source (a package page holds
 * a text, a media file, a library item and exercises together; a module
 * page one thing): a media file gives a media page (its description the
 * alternative text, the page's Markdown its caption); a library item a
 * library page (the Markdown its text when no media page took it); else a
 * page without exercises gives a text page; each exercise gives a page of
 * its kind, the first taking the page's Markdown when no media page took
 * it, then the prompt unless it is the page's title.  Export writes each module page as one package page
 * (an exercise's prompt its title), so export then import gives the same
 * sessions, pages and exercises.  Lost on import: the summaries and a
 * choice's "many" (a module's choice takes one option).
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/xalloc.h"
#include "instrument/measure.h"
#include "instrument/shipped.h"
#include "library/library.h"
#include "media/media.h"
#include "module/mod_int.h"
#include "module/module.h"
#include "package/package.h"
#include "store/db.h"
#include "core/banned.h"

/* --- import ------------------------------------------------------------------ */

struct import_job {
	const struct pkg_module *pm;
	int64_t org_id;
	int64_t author_id;
	const struct audit_event *ev;
	struct why *why;
	struct buf *shipped;     /* by instr_shipped_name's index: the text
				  * of each one the package names, or empty */
	int64_t id;
};

/* Markdown into the source: a line starting with '@' is written "@@". */
static void
add_body(struct buf *b, const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (p[i] == '@')
			buf_addch(b, '@');
		while (i < len && p[i] != '\n')
			buf_addch(b, p[i++]);
		buf_addch(b, '\n');
		i++;
	}
}

static const char *const ex_kind[] = {
	[PKG_EX_TEXT] = "free", [PKG_EX_CHOICE] = "choice",
	[PKG_EX_QUESTIONNAIRE] = "questionnaire", [PKG_EX_DIARY] = "diary",
	[PKG_EX_MOOD] = "mood", [PKG_EX_ASSIGNMENT] = "assignment",
};

static const char *
media_word(enum pkg_media_kind k)
{
	return k == PKG_IMAGE ? "image" : k == PKG_AUDIO ? "audio" : "video";
}

/* The base name of a path inside the package: media_put_on's label. */
static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The media id of path, storing the file the first time it is named. */
static int
media_of(struct db_conn *c, struct import_job *j, const struct pkg_file *f,
    const char **paths, int64_t *ids, int *n, int64_t *id)
{
	struct audit_event ev;
	int i, rc;

	for (i = 0; i < *n; i++)
		if (strcmp(paths[i], f->path) == 0) {
			*id = ids[i];
			return 0;
		}
	if ((rc = media_put_on(c, j->org_id, j->author_id, base_name(f->path),
	    f->data, f->len, id, j->why)) != 0) {
		if (j->why) {
			j->why->field = "package";
			j->why->name = f->path;
		}
		return rc;
	}
	ev = audit_event_from(j->ev, j->org_id, AUDIT_CREATE, "media",
	    "import", 0, *id);
	if ((rc = audit_append(c, &ev)) != 0)
		return rc;
	paths[*n] = f->path;
	ids[(*n)++] = *id;
	return 0;
}

/* The package's questionnaires one a call, from *at ({0} to start) on;
 * NULL after the last. */
struct ex_at {
	int s, p, e;
};

static const struct pkg_exercise *
next_questionnaire(const struct pkg_module *pm, struct ex_at *at)
{
	const struct pkg_page *pg;

	for (; at->s < pm->nsessions; at->s++, at->p = 0)
		for (; at->p < pm->session[at->s].npages; at->p++, at->e = 0) {
			pg = &pm->session[at->s].page[at->p];
			while (at->e < pg->nex)
				if (pg->ex[at->e++].kind == PKG_EX_QUESTIONNAIRE)
					return &pg->ex[at->e - 1];
		}
	return NULL;
}

/*
 * Every questionnaire names an instrument the organisation may use, as
 * a draft's must (module.c's check_instruments), or the client would
 * meet the refusal on opening the page: one of its library, or one
 * shipped with Infuus, which enters the library in this job (as when an
 * author puts it on a page) and so leaves with the rest on a refusal.
 * Else the package is refused naming the instrument and its line.
 */
static int
import_instruments(struct db_conn *c, struct import_job *j)
{
	const struct pkg_exercise *x;
	struct ex_at at = { 0 };
	struct instr_error ie;
	int64_t vid;
	bool has;
	int k, rc;

	while ((x = next_questionnaire(j->pm, &at)) != NULL) {
		if ((rc = measure_has_on(c, j->org_id, x->instrument,
		    &has)) != 0)
			return rc;
		if (has)
			continue;
		k = instr_shipped_index(x->instrument);
		if (k < 0 || j->shipped[k].len == 0) {
			why_set(j->why, ERR_INVAL, "package",
			    N_("The questionnaire %s (line %d of module.txt) "
			    "is not one your organisation can use: it is "
			    "neither in your organisation's library nor "
			    "shipped with Infuus."));
			if (j->why) {
				j->why->name = x->instrument;
				j->why->limit = x->line;
			}
			return ERR_INVAL;
		}
		memset(&ie, 0, sizeof(ie));
		if ((rc = measure_version_add_on(c, j->org_id, j->author_id,
		    buf_str(&j->shipped[k]), true, j->ev, &vid, &ie)) != 0)
			return rc == ERR_INVAL ? ERR_INTERNAL : rc;
	}
	return 0;
}

/*
 * Every library item the package names is one the organisation may show
 * its clients (lib_visible_on: published, its own or shared with it)
 * under the title the package gives: a number names another item on
 * another installation, and the title tells them apart.  Else the package
 * is refused naming the number and its line, as a draft's @item would be
 * (mod_check_items_on), rather than imported with a page its clients
 * could not open.
 */
static int
import_items(struct db_conn *c, struct import_job *j, struct arena *a)
{
	const struct pkg_module *pm = j->pm;
	struct lib_item it;
	int s, p, rc;

	for (s = 0; s < pm->nsessions; s++)
		for (p = 0; p < pm->session[s].npages; p++) {
			const struct pkg_page *pg = &pm->session[s].page[p];

			if (pg->item == 0)
				continue;
			rc = lib_visible_on(c, pg->item, j->org_id, a, &it);
			if (rc == 0 && strcmp(it.title, pg->item_title) != 0)
				rc = ERR_NOTFOUND;
			if (rc == ERR_NOTFOUND) {
				why_set(j->why, ERR_INVAL, "package",
				    N_("The library item \"%s\" (line %d of "
				    "module.txt) is not one your organisation "
				    "can show its clients: it must be "
				    "published, your organisation's own or "
				    "shared with it, and have the title the "
				    "package gives."));
				if (j->why) {
					/* the caller's: it outlives a */
					j->why->name = pg->item_title;
					j->why->limit = pg->item_line;
				}
				return ERR_INVAL;
			}
			if (rc != 0)
				return rc;
		}
	return 0;
}

static int
import_run(struct db_conn *c, void *arg)
{
	struct import_job *j = arg;
	const struct pkg_module *pm = j->pm;
	struct lib_job lj;
	struct mod_content mc;
	struct buf src;
	struct arena a;
	const char **paths;
	int64_t *ids, mid;
	int nmedia = 0, s, p, e, rc = 0;

	buf_init(&src);
	arena_init(&a);
	paths = arena_calloc(&a, LIMIT_PKG_SESSIONS * LIMIT_PKG_PAGES,
	    sizeof(*paths));
	ids = arena_calloc(&a, LIMIT_PKG_SESSIONS * LIMIT_PKG_PAGES,
	    sizeof(*ids));
	if ((rc = import_instruments(c, j)) != 0 ||
	    (rc = import_items(c, j, &a)) != 0)
		goto out;
	for (s = 0; s < pm->nsessions; s++) {
		const struct pkg_session *ps = &pm->session[s];

		buf_printf(&src, "@session %s\n", ps->title);
		for (p = 0; p < ps->npages; p++) {
			const struct pkg_page *pg = &ps->page[p];
			bool text_used = pg->text.path == NULL;

			if (pg->media.path != NULL) {
				if ((rc = media_of(c, j, &pg->media, paths, ids,
				    &nmedia, &mid)) != 0)
					goto out;
				buf_printf(&src, "@page media %s\n@media %s "
				    "%lld %s\n", pg->title,
				    media_word(pg->media_kind), (long long)mid,
				    pg->caption && *pg->caption ? pg->caption :
				    pg->title);
				if (!text_used)
					add_body(&src, (const char *)
					    pg->text.data, pg->text.len);
				text_used = true;
			}
			if (pg->item != 0) {
				buf_printf(&src, "@page library %s\n@item %lld\n",
				    pg->title, (long long)pg->item);
				if (!text_used)
					add_body(&src, (const char *)
					    pg->text.data, pg->text.len);
				text_used = true;
			} else if (pg->media.path == NULL && pg->nex == 0) {
				buf_printf(&src, "@page text %s\n", pg->title);
				add_body(&src, (const char *)pg->text.data,
				    pg->text.len);
				text_used = true;
			}
			for (e = 0; e < pg->nex; e++) {
				const struct pkg_exercise *x = &pg->ex[e];
				int o;

				buf_printf(&src, "@page %s %s\n",
				    ex_kind[x->kind], pg->title);
				for (o = 0; o < x->noptions; o++)
					buf_printf(&src, "@option %s\n",
					    x->option[o]);
				if (x->instrument)
					buf_printf(&src, "@instrument %s\n",
					    x->instrument);
				if (!text_used)
					add_body(&src, (const char *)
					    pg->text.data, pg->text.len);
				text_used = true;
				if (strcmp(x->prompt, pg->title) != 0) {
					buf_addch(&src, '\n');
					add_body(&src, x->prompt,
					    strlen(x->prompt));
				}
			}
		}
	}
	/* checked as any draft: what the package holds must fit a module */
	if ((rc = mod_parse((struct str){ src.p, src.len }, &a, &mc,
	    j->why)) != 0)
		goto out;
	memset(&lj, 0, sizeof(lj));
	if ((rc = mod_check_title(str_c(pm->title), &lj.title, j->why)) != 0)
		goto out;
	lj.org_id = j->org_id;
	lj.author_id = j->author_id;
	lj.source = (struct str){ src.p, src.len };
	lj.now = mod_now_or(0);
	lj.ev = j->ev;
	lj.why = j->why;
	if ((rc = mod_lib_run(c, &lj)) != 0)
		goto out;
	lj.what = 2;
	if ((rc = mod_publish_on(c, &lj)) != 0)
		goto out;
	j->id = lj.id;
out:
	/* the reason belongs next to the upload field */
	if (rc != 0 && j->why && j->why->msg)
		j->why->field = "package";
	arena_release(&a);
	buf_release(&src);
	return rc;
}

int
mod_import(const struct mod_env *env, const char *share_dir, int64_t org_id,
    int64_t author_id, const struct pkg_module *pm,
    const struct audit_event *ev, struct why *why, int64_t *id)
{
	const struct pkg_exercise *x;
	struct ex_at at = { 0 };
	struct import_job j;
	size_t k, n = instr_shipped_count();
	int i, rc = 0;

	memset(&j, 0, sizeof(j));
	j.pm = pm;
	j.org_id = org_id;
	j.author_id = author_id;
	j.ev = ev;
	j.why = why;
	/* the shipped instruments' files are read before the write job */
	j.shipped = xcalloc(n + 1, sizeof(*j.shipped));
	while (rc == 0 && (x = next_questionnaire(pm, &at)) != NULL)
		if ((i = instr_shipped_index(x->instrument)) >= 0 &&
		    j.shipped[i].len == 0)
			rc = instr_shipped_text(share_dir, x->instrument,
			    &j.shipped[i]);
	if (rc == 0 && (rc = db_write(env->db, import_run, &j)) == 0)
		*id = j.id;
	for (k = 0; k < n; k++)
		buf_release(&j.shipped[k]);
	free(j.shipped);
	return rc;
}

/* --- export ------------------------------------------------------------------ */

static const enum pkg_ex_kind pkg_kind[MOD_NPAGE_KINDS] = {
	[MOD_PAGE_FREE] = PKG_EX_TEXT, [MOD_PAGE_CHOICE] = PKG_EX_CHOICE,
	[MOD_PAGE_QUESTIONNAIRE] = PKG_EX_QUESTIONNAIRE,
	[MOD_PAGE_DIARY] = PKG_EX_DIARY, [MOD_PAGE_MOOD] = PKG_EX_MOOD,
	[MOD_PAGE_ASSIGNMENT] = PKG_EX_ASSIGNMENT,
};

/* The whole file id (of org_id, or shared) on c, into f. */
static int
media_file(struct db_conn *c, int64_t org_id, int64_t id, struct arena *a,
    struct pkg_file *f, struct why *why)
{
	struct media_info mi;
	const void *chunk;
	unsigned char *data;
	size_t len, got = 0;
	uint64_t seq;
	int64_t org = 0;
	bool shared = false;
	int rc;

	/* a source may name any number; only the module's organisation's
	 * files (or shared ones) leave in its package */
	if ((rc = media_access_on(c, id, &org, &shared)) != 0 ||
	    (org != org_id && !shared)) {
		why_set(why, ERR_NOTFOUND, "package", N_("The module shows a media file (number %d) that is not in your organisation's media."));
		if (why)
			why->limit = (int)id;
		return ERR_NOTFOUND;
	}
	if ((rc = media_info_on(c, id, a, &mi)) != 0)
		return rc;
	data = arena_alloc(a, mi.size + 1);
	for (seq = 0; got < mi.size; seq++) {
		if ((rc = media_chunk_on(c, id, seq, a, &chunk, &len)) != 0)
			return rc;
		if (len > mi.size - got)
			return ERR_IO;
		memcpy(data + got, chunk, len);
		got += len;
	}
	data[got] = '\0';
	f->path = arena_printf(a, "media/%lld.%s", (long long)id,
	    media_type_name(mi.type));
	f->data = data;
	f->len = got;
	f->type = mi.type;
	return 0;
}

int
mod_package(struct db *db, int64_t module_id, int64_t n, const char *lang,
    struct arena *a, struct buf *out, struct why *why)
{
	struct mod_info mi;
	struct mod_content mc;
	struct pkg_module pm;
	struct db_conn *c = NULL;
	const char *title, *source;
	int s, p, rc;

	if ((rc = mod_get(db, module_id, a, &mi)) != 0)
		return rc;
	if ((rc = mod_version_source(db, module_id, n, a, &title,
	    &source)) != 0)
		return rc;
	if ((rc = mod_parse(str_c(source), a, &mc, why)) != 0)
		return rc;
	memset(&pm, 0, sizeof(pm));
	pm.id = arena_printf(a, "module-%lld", (long long)module_id);
	pm.version = (int)(n > 0 ? n : mi.published_n);
	pm.lang = lang;
	pm.title = title;
	pm.summary = "";
	pm.nsessions = mc.nsessions;
	pm.session = arena_calloc(a, (size_t)mc.nsessions + 1,
	    sizeof(*pm.session));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	for (s = 0; s < mc.nsessions; s++) {
		const struct mod_session *ms = &mc.sessions[s];
		struct pkg_session *ps = &pm.session[s];

		ps->title = ms->title;
		ps->summary = "";
		ps->npages = ms->npages;
		ps->page = arena_calloc(a, (size_t)ms->npages + 1,
		    sizeof(*ps->page));
		for (p = 0; p < ms->npages; p++) {
			const struct mod_page *mp = &ms->pages[p];
			struct pkg_page *pg = &ps->page[p];
			struct lib_item it;

			pg->title = mp->title[0] ? mp->title :
			    arena_printf(a, "%d.%d", s + 1, p + 1);
			/* A library page names its item by number and title
			 * (the importer decides whether its organisation may
			 * show it); one the module's organisation can no
			 * longer show (withdrawn, no longer shared) goes as
			 * the page's text, as its clients see it now. */
			if (mp->kind == MOD_PAGE_LIBRARY) {
				rc = lib_visible_on(c, mp->item_id, mi.org_id,
				    a, &it);
				if (rc == 0) {
					pg->item = it.id;
					pg->item_title = it.title;
				} else if (rc != ERR_NOTFOUND)
					goto out;
				rc = 0;
			}
			if (mp->body_len > 0 || mp->kind == MOD_PAGE_TEXT ||
			    (mp->kind == MOD_PAGE_LIBRARY && pg->item == 0)) {
				pg->text.path = arena_printf(a, "s%d/p%d.md",
				    s + 1, p + 1);
				pg->text.data = (const unsigned char *)mp->body;
				pg->text.len = mp->body_len;
			}
			if (mp->kind == MOD_PAGE_MEDIA) {
				pg->media_kind = mp->media_kind ==
				    MOD_MEDIA_IMAGE ? PKG_IMAGE :
				    mp->media_kind == MOD_MEDIA_AUDIO ?
				    PKG_AUDIO : PKG_VIDEO;
				pg->caption = mp->alt;
				if ((rc = media_file(c, mi.org_id, mp->media_id,
				    a, &pg->media, why)) != 0)
					goto out;
			} else if (mod_page_is_exercise(mp->kind)) {
				struct pkg_exercise *x = arena_calloc(a, 1,
				    sizeof(*x));

				x->kind = pkg_kind[mp->kind];
				x->name = arena_printf(a, "p%d-%d", s + 1,
				    p + 1);
				x->prompt = pg->title;
				x->option = mp->options;
				x->noptions = mp->noptions;
				x->instrument = mp->instrument;
				pg->ex = x;
				pg->nex = 1;
			}
		}
	}
	rc = pkg_write(&pm, out);
	if (rc != 0)
		why_set(why, rc, "package", N_("This module cannot be written as a package (a text or name the package format does not allow)."));
out:
	db_read_end(db, c);
	return rc;
}
