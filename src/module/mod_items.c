/*
 * mod_items.c - library items on a module's pages (issue 12: "a
 * professional sends an item to a client in a module"): the picker's
 * change of a draft, and the check that every "@item" line of a draft or
 * a version names an item the module's organisation may show its
 * clients (published, its own or shared: lib_visible_on).  The item is
 * decided again when a client's page shows it (ui-module.c), so one
 * withdrawn later is not shown.  The questionnaire choice list's change
 * of a draft is the same edit with another page.
 */
#include <string.h>

#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "instrument/measure.h"
#include "library/library.h"
#include "module/mod_int.h"
#include "store/db.h"
#include "core/banned.h"

int
mod_check_items_on(struct db_conn *c, int64_t org_id,
    const struct mod_content *mc, struct why *why)
{
	struct lib_item it;
	struct arena a;
	int s, p, rc = 0;

	arena_init(&a);
	for (s = 0; rc == 0 && s < mc->nsessions; s++)
		for (p = 0; rc == 0 && p < mc->sessions[s].npages; p++) {
			const struct mod_page *pg = &mc->sessions[s].pages[p];

			if (pg->kind != MOD_PAGE_LIBRARY)
				continue;
			rc = lib_visible_on(c, pg->item_id, org_id, &a, &it);
			if (rc == ERR_NOTFOUND) {
				why_set(why, rc, "source", N_("Line %d: this library item does not exist, is not published, or is not available to your organisation."));
				if (why)
					why->limit = pg->line;
			}
		}
	arena_release(&a);
	return rc;
}

int
mod_check_items_src_on(struct db_conn *c, int64_t org_id, struct str source,
    struct why *why)
{
	struct mod_content mc;
	struct arena a;
	int rc;

	arena_init(&a);
	rc = 0;
	if (mod_parse(source, &a, &mc, NULL) == 0)
		rc = mod_check_items_on(c, org_id, &mc, why);
	arena_release(&a);
	return rc;
}

struct item_job {
	int64_t id;
	int64_t author_id;
	int s;
	int64_t item_id;         /* a library page's item, or */
	const char *instrument;  /* a questionnaire page's (checked) */
	const struct audit_event *ev;
	struct why *why;
};

/* Where session s's pages end in src: the start of the next "@session"
 * line, or the end. */
static size_t
session_end(struct str src, int s)
{
	size_t i = 0, start;
	int seen = -1;

	while (i < src.len) {
		start = i;
		while (i < src.len && src.p[i] != '\n')
			i++;
		if (i < src.len)
			i++;
		if (i - start >= 8 && memcmp(src.p + start, "@session", 8) == 0 &&
		    (i - start == 8 || src.p[start + 8] == ' ' ||
		    src.p[start + 8] == '\t' || src.p[start + 8] == '\n' ||
		    src.p[start + 8] == '\r'))
			if (++seen == s + 1)
				return start;
	}
	return src.len;
}

static int
item_run(struct db_conn *c, void *arg)
{
	struct item_job *j = arg;
	struct db_stmt *st;
	struct lib_item it;
	struct mod_content mc;
	struct audit_event ev;
	struct arena a;
	struct buf src = BUF_INIT;
	struct str old = { NULL, 0 };
	int64_t org_id = 0, now = mod_now_or(0);
	size_t at, k;
	int rc;

	arena_init(&a);
	if ((rc = db_prepare(c, "SELECT org_id, source FROM modules WHERE "
	    "id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->id);
	if ((rc = db_step(st)) == DB_ROW) {
		org_id = db_col_i64(st, 0);
		old = db_col_copy(st, 1, &a);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	if (rc != 0)
		goto out;
	/* Never another organisation's private item, nor a draft. */
	if (j->instrument == NULL &&
	    (rc = lib_visible_on(c, j->item_id, org_id, &a, &it)) != 0) {
		if (rc == ERR_NOTFOUND)
			why_set(j->why, rc, "item", N_("This library item does not exist, is not published, or is not available to your organisation."));
		goto out;
	}
	if ((rc = mod_parse(old, &a, &mc, j->why)) != 0)
		goto out;
	if (j->s < 0 || j->s >= mc.nsessions) {
		rc = why_set(j->why, ERR_INVAL, "session", mc.nsessions == 0 ?
		    N_("The draft has no session yet: write one first.") :
		    N_("Choose one of the draft's sessions."));
		goto out;
	}
	at = session_end(old, j->s);
	buf_add(&src, old.p, at);
	if (src.len > 0 && src.p[src.len - 1] != '\n')
		buf_addch(&src, '\n');
	if (j->instrument != NULL) {
		/* an instrument's name is a word of its file (instrument.h) */
		buf_printf(&src, "@page questionnaire %s\n@instrument %s\n",
		    j->instrument, j->instrument);
	} else {
		buf_adds(&src, "@page library ");
		/* a title is one line; an '@' at its start is harmless
		 * after the kind */
		for (k = 0; it.title[k]; k++)
			buf_addch(&src, it.title[k] == '\n' ||
			    it.title[k] == '\r' ? ' ' : it.title[k]);
		buf_printf(&src, "\n@item %lld\n", (long long)it.id);
	}
	if (at < old.len) {
		buf_addch(&src, '\n');
		buf_add(&src, old.p + at, old.len - at);
	}
	if ((rc = mod_parse((struct str){ src.p, src.len }, &a, &mc,
	    j->why)) != 0)
		goto out;
	if ((rc = db_prepare(c, "UPDATE modules SET source = ?, updated_at = "
	    "? WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_text(st, 1, src.p, src.len);
	db_bind_i64(st, 2, now);
	db_bind_i64(st, 3, j->id);
	if ((rc = db_step_one(st, ERR_NOTFOUND)) != 0)
		goto out;
	ev = audit_event_from(j->ev, org_id, AUDIT_UPDATE, "module",
	    j->instrument ? "questionnaire" : "library", 0, j->id);
	rc = audit_append(c, &ev);
out:
	buf_release(&src);
	arena_release(&a);
	return rc;
}

int
mod_draft_add_item(const struct mod_env *env, int64_t id, int64_t author_id,
    int s, int64_t item_id, const struct audit_event *ev, struct why *why)
{
	struct item_job j;

	memset(&j, 0, sizeof(j));
	j.id = id;
	j.author_id = author_id;
	j.s = s;
	j.item_id = item_id;
	j.ev = ev;
	j.why = why;
	return db_write(env->db, item_run, &j);
}

int
mod_draft_add_questionnaire(const struct mod_env *env, int64_t id,
    int64_t author_id, int s, const char *name,
    const struct audit_event *ev, struct why *why)
{
	struct measure_version *v;
	struct item_job j;
	struct mod_info m;
	struct arena a;
	int n = 0, rc;

	/* The instrument engine's scope: the organisation's library, which
	 * the shipped ones enter on first use. */
	arena_init(&a);
	rc = mod_get(env->db, id, &a, &m);
	if (rc == 0 && name != NULL && name[0] != '\0' &&
	    strlen(name) <= LIMIT_MOD_TITLE)
		rc = measure_versions(env->db, m.org_id, name, &a, &v, &n);
	arena_release(&a);
	if (rc != 0)
		return rc;
	if (n == 0)
		return why_set(why, ERR_NOTFOUND, "instrument", N_("This questionnaire is not one your organisation can use; choose one of its own or one shipped with Infuus."));
	memset(&j, 0, sizeof(j));
	j.id = id;
	j.author_id = author_id;
	j.s = s;
	j.instrument = name;
	j.ev = ev;
	j.why = why;
	return db_write(env->db, item_run, &j);
}
