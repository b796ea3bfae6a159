/*
 * library.c - the psycho-education library's items and a client's own
 * list (see library.h).  Owns library_items and library_kept; the search
 * index (library_fts) is lib_index.c's.
 *
 * Every change is one write job that re-reads the item, changes it, keeps
 * the index in step (lib_index_on) and appends its access-log entry, so
 * an index never holds a word of an item that is no longer published.
 */
#include "library/library.h"

#include <string.h>

#include "assistant/assistant.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "library/lib_int.h"
#include "media/media.h"
#include "message/markdown.h"
#include "store/db.h"
#include "core/banned.h"

static const char *const audiences[LIB_NAUDIENCES] = {
	[LIB_CLIENTS] = "clients",
	[LIB_PROFESSIONALS] = "professionals",
	[LIB_EMPLOYERS] = "employers",
};

static const char *const levels[LIB_NLEVELS] = {
	[LIB_A2] = "A2", [LIB_B1] = "B1", [LIB_B2] = "B2", [LIB_C1] = "C1",
};

/* s's place in names[0..n), or -1: the audiences' and levels' parser. */
static int
name_index(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *
lib_audience_name(enum lib_audience a)
{
	return (unsigned)a < LIB_NAUDIENCES ? audiences[a] : "?";
}

int
lib_audience_parse(const char *s, enum lib_audience *out)
{
	int i = name_index(audiences, LIB_NAUDIENCES, s);

	if (i < 0)
		return ERR_INVAL;
	*out = (enum lib_audience)i;
	return 0;
}

const char *
lib_level_name(enum lib_level l)
{
	return (unsigned)l < LIB_NLEVELS ? levels[l] : "?";
}

int
lib_level_parse(const char *s, enum lib_level *out)
{
	int i = name_index(levels, LIB_NLEVELS, s);

	if (i < 0)
		return ERR_INVAL;
	*out = (enum lib_level)i;
	return 0;
}

enum lib_level
lib_audience_level(enum lib_audience a)
{
	return a == LIB_PROFESSIONALS ? LIB_C1 : LIB_B1;
}

int64_t
lib_now(time_t now)
{
	return now != 0 ? (int64_t)now : (int64_t)time(NULL);
}

/* --- checking what was written ------------------------------------------- */

static int
field_why(enum text_fault f, struct why *why, const char *field,
    const char *missing, const char *toolong, int limit)
{
	switch (f) {
	case TEXT_OK:
		return 0;
	case TEXT_MISSING:
		return why_set(why, ERR_INVAL, field, missing);
	case TEXT_TOO_LONG:
		why_set(why, ERR_TOOBIG, field, toolong);
		if (why)
			why->limit = limit;
		return ERR_TOOBIG;
	case TEXT_BAD_CHAR:
		break;
	}
	return why_set(why, ERR_INVAL, field,
	    N_("This field holds a character that is not allowed."));
}

/* Tags as typed ("Angst, slaap") made canonical ("angst,slaap"). */
static int
tags_clean(struct str in, struct arena *a, struct why *why, const char **out)
{
	struct buf b = BUF_INIT;
	struct str rest = in, one, t;
	size_t n = 0, i;
	int rc = 0;

	*out = "";
	while (rest.len > 0 && rc == 0) {
		/* The last tag has no comma after it: one is all of it. */
		(void)str_cut(rest, ',', &one, &rest);
		one = str_trim(one);
		if (one.len == 0)
			continue;
		if (++n > LIMIT_LIBRARY_TAGS) {
			rc = why_set(why, ERR_TOOMANY, "tags",
			    N_("Give at most %d tags."));
			if (why)
				why->limit = LIMIT_LIBRARY_TAGS;
			break;
		}
		rc = field_why(text_check(one, 4 * LIMIT_LIBRARY_TAG,
		    LIMIT_LIBRARY_TAG, false, &t), why, "tags",
		    N_("Separate tags by commas."),
		    N_("A tag is at most %d characters."), LIMIT_LIBRARY_TAG);
		if (rc != 0)
			break;
		if (b.len)
			buf_addch(&b, ',');
		for (i = 0; i < t.len; i++) {
			char c = t.p[i];

			buf_addch(&b, c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
		}
	}
	if (rc == 0)
		*out = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_release(&b);
	return rc;
}

/* The input checked, trimmed and made canonical into *it. */
static int
check_input(const struct lib_input *in, struct arena *a, struct why *why,
    struct lib_item *it)
{
	enum lib_audience aud;
	enum lib_level lvl;
	struct str t;
	int rc;

	memset(it, 0, sizeof(*it));
	if ((rc = field_why(text_check(in->title, 4 * LIMIT_LIBRARY_TITLE,
	    LIMIT_LIBRARY_TITLE, false, &t), why, "title",
	    N_("Please give the item a title."),
	    N_("The title is longer than %d characters."),
	    LIMIT_LIBRARY_TITLE)) != 0)
		return rc;
	it->title = arena_strndup(a, t.p, t.len);
	if ((rc = field_why(text_check(in->summary, 4 * LIMIT_LIBRARY_SUMMARY,
	    LIMIT_LIBRARY_SUMMARY, true, &t), why, "summary",
	    N_("Please write a short summary."),
	    N_("The summary is longer than %d characters."),
	    LIMIT_LIBRARY_SUMMARY)) != 0)
		return rc;
	it->summary = arena_strndup(a, t.p, t.len);
	if ((rc = field_why(text_check(in->body, LIMIT_LIBRARY_BODY, 0, true,
	    &t), why, "body", N_("Please write the text."),
	    N_("The text is longer than %d KB."),
	    LIMIT_LIBRARY_BODY / 1024)) != 0)
		return rc;
	it->body = arena_strndup(a, t.p, t.len);
	if ((rc = tags_clean(in->tags, a, why, &it->tags)) != 0)
		return rc;
	if (lib_audience_parse(in->audience, &aud) != 0)
		return why_set(why, ERR_INVAL, "audience",
		    N_("Choose who the item is for."));
	it->audience = aud;
	if (in->lang == NULL || (strcmp(in->lang, "nl") != 0 &&
	    strcmp(in->lang, "en") != 0))
		return why_set(why, ERR_INVAL, "lang",
		    N_("Choose the language of the text: Dutch or English."));
	it->lang = strcmp(in->lang, "nl") == 0 ? "nl" : "en";
	if (in->level == NULL || in->level[0] == '\0')
		lvl = lib_audience_level(aud);
	else if (lib_level_parse(in->level, &lvl) != 0)
		return why_set(why, ERR_INVAL, "level",
		    N_("Choose a reading level: A2, B1, B2 or C1."));
	it->level = lvl;
	if (in->kind == NULL || in->kind[0] == '\0' ||
	    strcmp(in->kind, "article") == 0)
		it->kind = "article";
	else if (strcmp(in->kind, "video") == 0)
		it->kind = "video";
	else if (strcmp(in->kind, "audio") == 0)
		it->kind = "audio";
	else
		return why_set(why, ERR_INVAL, "kind",
		    N_("Choose an article, a video or a sound."));
	if (strcmp(it->kind, "article") != 0) {
		if (in->media_id <= 0)
			return why_set(why, ERR_INVAL, "media",
			    N_("Choose the film or sound the item plays."));
		it->media_id = in->media_id;
	}
	return 0;
}

/* A video or audio item's file: one of org_id's media, of its class. */
static int
check_media_on(struct db_conn *c, int64_t org_id, const struct lib_item *it,
    struct why *why)
{
	struct media_info m;
	struct arena a;
	int rc;

	if (it->media_id == 0)
		return 0;
	arena_init(&a);
	rc = media_info_on(c, it->media_id, &a, &m);
	arena_release(&a);
	if (rc == ERR_NOTFOUND || (rc == 0 && m.org_id != org_id))
		return why_set(why, ERR_INVAL, "media",
		    N_("That file is not in your organisation's media."));
	if (rc != 0)
		return rc;
	if (media_class_of(m.type) != (strcmp(it->kind, "video") == 0 ?
	    MEDIA_CLASS_VIDEO : MEDIA_CLASS_AUDIO))
		return why_set(why, ERR_INVAL, "media", strcmp(it->kind,
		    "video") == 0 ? N_("A video item plays a film (MP4 or WebM).") :
		    N_("An audio item plays a sound (MP3, Ogg, WAV or M4A)."));
	return 0;
}

/* --- rows ----------------------------------------------------------------- */

static const char *
col_str(struct db_stmt *st, int col, struct arena *a)
{
	return db_col_copy(st, col, a).p;
}

void
lib_row(struct db_stmt *st, struct arena *a, struct lib_item *it)
{
	memset(it, 0, sizeof(*it));
	it->id = db_col_i64(st, 0);
	it->org_id = db_col_i64(st, 1);
	it->kind = col_str(st, 2, a);
	it->title = col_str(st, 3, a);
	it->summary = col_str(st, 4, a);
	it->body = col_str(st, 5, a);
	it->tags = col_str(st, 6, a);
	if (lib_audience_parse(col_str(st, 7, a), &it->audience) != 0)
		it->audience = LIB_CLIENTS;
	it->lang = strcmp(col_str(st, 8, a), "en") == 0 ? "en" : "nl";
	if (lib_level_parse(col_str(st, 9, a), &it->level) != 0)
		it->level = LIB_B1;
	it->published_at = db_col_i64(st, 10);
	it->shared = db_col_i64(st, 11) != 0;
	it->created_by = db_col_i64(st, 12);
	it->created_at = db_col_i64(st, 13);
	it->updated_at = db_col_i64(st, 14);
}

int
lib_get_on(struct db_conn *c, int64_t id, struct arena *a,
    struct lib_item *out)
{
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(c, "SELECT " LIB_COLUMNS " FROM library_items "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		lib_row(st, a, out);
		out->media_id = db_col_i64(st, 15);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

int
lib_get(struct db *db, int64_t id, struct arena *a, struct lib_item *out)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = lib_get_on(c, id, a, out);
	db_read_end(db, c);
	return rc;
}

int
lib_facts_on(struct db_conn *c, int64_t id, int64_t *org_id,
    bool *published, bool *shared)
{
	struct db_stmt *st;
	int rc;

	*org_id = 0;
	*published = *shared = false;
	if ((rc = db_prepare(c, "SELECT org_id, published_at, shared FROM "
	    "library_items WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*org_id = db_col_i64(st, 0);
		*published = db_col_i64(st, 1) != 0;
		*shared = db_col_i64(st, 2) != 0;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

int
lib_visible_on(struct db_conn *c, int64_t id, int64_t org_id,
    struct arena *a, struct lib_item *out)
{
	int rc;

	if (id <= 0 || org_id <= 0)
		return ERR_NOTFOUND;
	if ((rc = lib_get_on(c, id, a, out)) != 0)
		return rc;
	if (out->published_at == 0 || (out->org_id != org_id && !out->shared)) {
		memset(out, 0, sizeof(*out));
		return ERR_NOTFOUND;
	}
	return 0;
}

int
lib_visible(struct db *db, int64_t id, int64_t org_id, struct arena *a,
    struct lib_item *out)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = lib_visible_on(c, id, org_id, a, out);
	db_read_end(db, c);
	return rc;
}

/* --- changes -------------------------------------------------------------- */

struct lib_job {
	const struct assistant *as;
	int64_t org_id, author_id, id, now;
	struct lib_item in;         /* the checked input (create, update) */
	bool flag;                  /* publish / share */
	const struct audit_event *ev;
	const char *detail;
	struct why *why;            /* create, update: the file's reason */
};

static int
log_change(struct db_conn *c, const struct lib_job *j, int64_t org,
    enum audit_action act, const char *detail)
{
	struct audit_event ev = audit_event_from(j->ev, org, act, "library",
	    detail, 0, j->id);

	return audit_append(c, &ev);
}

static int
create_run(struct db_conn *c, void *arg)
{
	struct lib_job *j = arg;
	struct db_stmt *st;
	int64_t count = 0;
	int rc;

	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM library_items WHERE "
	    "org_id = ?", &count, 1, &j->org_id)) != 0)
		return rc;
	if (count >= LIMIT_LIBRARY_ITEMS)
		return ERR_TOOMANY;
	if ((rc = check_media_on(c, j->org_id, &j->in, j->why)) != 0)
		return rc;
	if ((rc = db_prepare(c, "INSERT INTO library_items (org_id, title, "
	    "summary, body, tags, audience, lang, level, created_by, "
	    "created_at, updated_at, kind, media_id) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "RETURNING id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_textz(st, 2, j->in.title);
	db_bind_textz(st, 3, j->in.summary);
	db_bind_textz(st, 4, j->in.body);
	db_bind_textz(st, 5, j->in.tags);
	db_bind_textz(st, 6, lib_audience_name(j->in.audience));
	db_bind_textz(st, 7, j->in.lang);
	db_bind_textz(st, 8, lib_level_name(j->in.level));
	db_bind_i64(st, 9, j->author_id);
	db_bind_i64(st, 10, j->now);
	db_bind_i64(st, 11, j->now);
	db_bind_textz(st, 12, j->in.kind);
	if (j->in.media_id != 0)
		db_bind_i64(st, 13, j->in.media_id);
	else
		db_bind_null(st, 13);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;
	return log_change(c, j, j->org_id, AUDIT_CREATE, NULL);
}

int
lib_create(struct db *db, int64_t org_id, int64_t author_id,
    const struct lib_input *in, time_t now, const struct audit_event *ev,
    struct why *why, int64_t *id)
{
	struct lib_job j;
	struct arena a;
	int rc;

	*id = 0;
	arena_init(&a);
	memset(&j, 0, sizeof(j));
	if ((rc = check_input(in, &a, why, &j.in)) != 0)
		goto out;
	j.org_id = org_id;
	j.author_id = author_id;
	j.now = lib_now(now);
	j.ev = ev;
	j.why = why;
	rc = db_write(db, create_run, &j);
	if (rc == ERR_TOOMANY) {
		why_set(why, rc, NULL,
		    N_("The library holds at most %d items."));
		if (why)
			why->limit = LIMIT_LIBRARY_ITEMS;
	}
	if (rc == 0)
		*id = j.id;
out:
	arena_release(&a);
	return rc;
}

/* The item as it is now, for a job that changes it. */
static int
reread(struct db_conn *c, struct lib_job *j, struct arena *a,
    struct lib_item *it)
{
	return lib_get_on(c, j->id, a, it);
}

static int
update_run(struct db_conn *c, void *arg)
{
	struct lib_job *j = arg;
	struct lib_item old;
	struct db_stmt *st;
	struct arena a;
	int rc;

	arena_init(&a);
	if ((rc = reread(c, j, &a, &old)) != 0)
		goto out;
	if ((rc = check_media_on(c, old.org_id, &j->in, j->why)) != 0)
		goto out;
	if ((rc = db_prepare(c, "UPDATE library_items SET title = ?, "
	    "summary = ?, body = ?, tags = ?, audience = ?, lang = ?, "
	    "level = ?, updated_at = ?, kind = ?, media_id = ? "
	    "WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_textz(st, 1, j->in.title);
	db_bind_textz(st, 2, j->in.summary);
	db_bind_textz(st, 3, j->in.body);
	db_bind_textz(st, 4, j->in.tags);
	db_bind_textz(st, 5, lib_audience_name(j->in.audience));
	db_bind_textz(st, 6, j->in.lang);
	db_bind_textz(st, 7, lib_level_name(j->in.level));
	db_bind_i64(st, 8, j->now);
	db_bind_textz(st, 9, j->in.kind);
	if (j->in.media_id != 0)
		db_bind_i64(st, 10, j->in.media_id);
	else
		db_bind_null(st, 10);
	db_bind_i64(st, 11, j->id);
	if ((rc = db_run(st)) != 0)
		goto out;
	j->in.id = j->id;
	j->in.org_id = old.org_id;
	j->in.published_at = old.published_at;
	j->in.shared = old.shared;
	if ((rc = lib_index_on(c, j->as, &j->in)) != 0)
		goto out;
	rc = log_change(c, j, old.org_id, AUDIT_UPDATE, "edit");
out:
	arena_release(&a);
	return rc;
}

int
lib_update(struct db *db, const struct assistant *as, int64_t id,
    const struct lib_input *in, time_t now, const struct audit_event *ev,
    struct why *why)
{
	struct lib_job j;
	struct arena a;
	int rc;

	arena_init(&a);
	memset(&j, 0, sizeof(j));
	if ((rc = check_input(in, &a, why, &j.in)) != 0)
		goto out;
	j.as = as;
	j.id = id;
	j.now = lib_now(now);
	j.ev = ev;
	j.why = why;
	rc = db_write(db, update_run, &j);
out:
	arena_release(&a);
	return rc;
}

static int
state_run(struct db_conn *c, void *arg)
{
	struct lib_job *j = arg;
	struct lib_item it;
	struct db_stmt *st;
	struct arena a;
	int rc;

	arena_init(&a);
	if ((rc = reread(c, j, &a, &it)) != 0)
		goto out;
	if (strcmp(j->detail, "share") == 0 || strcmp(j->detail, "unshare") ==
	    0) {
		/* Re-checked here: a withdrawal may have come first. */
		if (j->flag && it.published_at == 0) {
			rc = ERR_INVAL;
			goto out;
		}
		it.shared = j->flag;
	} else if (j->flag) {
		if (it.published_at == 0)
			it.published_at = j->now;
	} else {
		/* A draft is nobody else's to read: it stops being shared. */
		it.published_at = 0;
		it.shared = false;
	}
	if ((rc = db_prepare(c, "UPDATE library_items SET published_at = ?, "
	    "shared = ?, updated_at = ? WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, it.published_at);
	db_bind_i64(st, 2, it.shared ? 1 : 0);
	db_bind_i64(st, 3, j->now);
	db_bind_i64(st, 4, j->id);
	if ((rc = db_run(st)) != 0)
		goto out;
	if ((rc = lib_index_on(c, j->as, &it)) != 0)
		goto out;
	rc = log_change(c, j, it.org_id, AUDIT_UPDATE, j->detail);
out:
	arena_release(&a);
	return rc;
}

int
lib_publish(struct db *db, const struct assistant *as, int64_t id,
    bool publish, time_t now, const struct audit_event *ev)
{
	struct lib_job j;

	memset(&j, 0, sizeof(j));
	j.as = as;
	j.id = id;
	j.flag = publish;
	j.now = lib_now(now);
	j.ev = ev;
	j.detail = publish ? "publish" : "withdraw";
	return db_write(db, state_run, &j);
}

int
lib_share(struct db *db, const struct assistant *as, int64_t id,
    bool shared, const struct audit_event *ev, struct why *why)
{
	struct lib_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	j.as = as;
	j.id = id;
	j.flag = shared;
	j.now = lib_now(0);
	j.ev = ev;
	j.detail = shared ? "share" : "unshare";
	rc = db_write(db, state_run, &j);
	if (rc == ERR_INVAL)
		why_set(why, rc, NULL,
		    N_("Publish the item before you share it."));
	return rc;
}

/* --- lists ---------------------------------------------------------------- */

int
lib_list(struct db *db, int64_t org_id, bool with_drafts, struct arena *a,
    struct lib_item **out, size_t *n)
{
	struct lib_item *v;
	struct db_conn *c;
	struct db_stmt *st;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_calloc(a, LIMIT_LIBRARY_LIST, sizeof(*v));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	/* Two index walks (the organisation's, the shared ones), newest
	 * first; a shared item of the organisation itself comes once. */
	if ((rc = db_prepare(c, "SELECT " LIB_LIST_COLUMNS " FROM "
	    "library_items WHERE (org_id = ? AND (published_at > 0 OR ? = 1)) OR "
	    "(shared = 1 AND published_at > 0) ORDER BY id DESC LIMIT ?",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	db_bind_i64(st, 2, with_drafts ? 1 : 0);
	db_bind_i64(st, 3, LIMIT_LIBRARY_LIST);
	while (k < LIMIT_LIBRARY_LIST && (rc = db_step(st)) == DB_ROW)
		lib_row(st, a, &v[k++]);
	db_done(st);
	if (rc >= 0) {
		rc = 0;
		*out = v;
		*n = k;
	}
out:
	db_read_end(db, c);
	return rc;
}

/* --- a client's own list -------------------------------------------------- */

struct keep_job {
	int64_t client_id, org_id, id, now;
	bool keep;
	const struct audit_event *ev;
};

static int
keep_run(struct db_conn *c, void *arg)
{
	struct keep_job *j = arg;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t count = 0;
	int rc;

	if (j->keep) {
		if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM library_kept "
		    "WHERE user_id = ?", &count, 1, &j->client_id)) != 0)
			return rc;
		if (count >= LIMIT_LIBRARY_KEPT)
			return ERR_TOOMANY;
		rc = db_prepare(c, "INSERT INTO library_kept (user_id, "
		    "item_id, org_id, kept_at) VALUES (?, ?, ?, ?) "
		    "ON CONFLICT (user_id, item_id) DO NOTHING", &st);
	} else {
		rc = db_prepare(c, "DELETE FROM library_kept WHERE user_id = ? "
		    "AND item_id = ?", &st);
	}
	if (rc != 0)
		return rc;
	db_bind_i64(st, 1, j->client_id);
	db_bind_i64(st, 2, j->id);
	if (j->keep) {
		db_bind_i64(st, 3, j->org_id);
		db_bind_i64(st, 4, j->now);
	}
	if ((rc = db_run(st)) != 0)
		return rc;
	ev = audit_event_from(j->ev, j->org_id, j->keep ? AUDIT_CREATE :
	    AUDIT_DELETE, "library-list", NULL, j->client_id, j->id);
	return audit_append(c, &ev);
}

int
lib_keep(struct db *db, int64_t client_id, int64_t org_id, int64_t id,
    bool keep, time_t now, const struct audit_event *ev)
{
	struct keep_job j = { client_id, org_id, id, lib_now(now), keep, ev };

	return db_write(db, keep_run, &j);
}

int
lib_is_kept(struct db *db, int64_t client_id, int64_t id, bool *kept)
{
	struct db_conn *c;
	int64_t n = 0, args[2] = { client_id, id };
	int rc;

	*kept = false;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = db_query_i64(c, "SELECT COUNT(*) FROM library_kept WHERE "
	    "user_id = ? AND item_id = ?", &n, 2, args);
	db_read_end(db, c);
	*kept = rc == 0 && n > 0;
	return rc;
}

int
lib_kept(struct db *db, int64_t client_id, int64_t org_id,
    const struct audit_event *ev, struct arena *a, struct lib_item **out,
    size_t *n)
{
	struct audit_event e;
	struct lib_item *v;
	struct db_conn *c;
	struct db_stmt *st;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	e = audit_event_from(ev, org_id, AUDIT_READ, "library-list", "list",
	    client_id, 0);
	if ((rc = audit_record(db, &e)) != 0)
		return rc;
	v = arena_calloc(a, LIMIT_LIBRARY_KEPT, sizeof(*v));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	/* Only what the client may still read: a withdrawn item, or one no
	 * longer shared, drops out of the list until it is back. */
	if ((rc = db_prepare(c, "SELECT i.id, i.org_id, i.kind, i.title, "
	    "i.summary, '' AS body, i.tags, i.audience, i.lang, i.level, "
	    "i.published_at, i.shared, i.created_by, i.created_at, "
	    "i.updated_at, k.kept_at FROM library_kept k JOIN library_items i "
	    "ON i.id = k.item_id WHERE k.user_id = ? AND i.published_at > 0 "
	    "AND (i.org_id = ? OR i.shared = 1) ORDER BY k.kept_at DESC, "
	    "i.id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, client_id);
	db_bind_i64(st, 2, org_id);
	db_bind_i64(st, 3, LIMIT_LIBRARY_KEPT);
	while (k < LIMIT_LIBRARY_KEPT && (rc = db_step(st)) == DB_ROW) {
		lib_row(st, a, &v[k]);
		v[k++].kept_at = db_col_i64(st, 15);
	}
	db_done(st);
	if (rc >= 0) {
		rc = 0;
		*out = v;
		*n = k;
	}
out:
	db_read_end(db, c);
	return rc;
}

/* --- readability ---------------------------------------------------------- */

void
lib_readability(const struct assistant *as, const struct lib_item *it,
    struct arena *a, double *score, double *min_score, bool *too_hard)
{
	static const int level_of[LIB_NLEVELS] = {
		[LIB_A2] = ASSISTANT_LEVEL_SIMPLE,
		[LIB_B1] = ASSISTANT_LEVEL_STANDARD,
		[LIB_B2] = ASSISTANT_LEVEL_ADVANCED,
		[LIB_C1] = -1,
	};
	enum assistant_lang lang = strcmp(it->lang, "en") == 0 ?
	    ASSISTANT_LANG_EN : ASSISTANT_LANG_NL;
	struct buf plain = BUF_INIT;
	size_t sentences = 0, words = 0, syll = 0;
	int lvl;

	markdown_plaintext(str_c(it->body), &plain);
	*score = assistant_readability(as, lang, (struct str){ plain.p ?
	    plain.p : "", plain.len }, a, &sentences, &words, &syll);
	buf_release(&plain);
	lvl = (unsigned)it->level < LIB_NLEVELS ? level_of[it->level] : -1;
	*min_score = lvl < 0 ? 0 : assistant_level_min_score(
	    (enum assistant_level)lvl, lang);
	*too_hard = lvl >= 0 && words >= ASSISTANT_READABILITY_MIN_WORDS &&
	    *score < *min_score;
}

int
lib_uses_media_on(struct db_conn *c, int64_t media_id, int64_t org_id,
    struct arena *a, const char **title)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT title, org_id FROM library_items "
	    "WHERE media_id = ? ORDER BY org_id <> ?, id LIMIT 1", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, media_id);
	db_bind_i64(st, 2, org_id);
	if ((rc = db_step(st)) == DB_ROW) {
		*title = db_col_i64(st, 1) != org_id ? NULL :
		    arena_strz(a, db_col_text(st, 0));
		rc = 1;
	}
	db_done(st);
	return rc;
}

int
lib_plays_media_on(struct db_conn *c, int64_t media_id, bool *yes)
{
	int64_t n = 0;
	int rc;

	rc = db_query_i64(c, "SELECT COUNT(*) FROM library_items WHERE "
	    "media_id = ? AND published_at <> 0 AND shared <> 0", &n, 1,
	    &media_id);
	*yes = rc == 0 && n > 0;
	return rc;
}
