/*
 * lib_index.c - the library's search index and search (see library.h).
 * Owns library_terms.
 *
 * An item's words are stemmed in its own language; a query's words in
 * both, since a person may search Dutch texts with an English word and
 * the other way round, and often does not know which the text is in.  A
 * match needs every word of the query: an AND of (Dutch stem OR English
 * stem).  The statement walks the key (term, scope, item_id) for the
 * first word in the two scopes the caller may see and checks the others
 * per item through the same key, and stops at its limit: the work follows
 * the results asked for, which is what bench/50-library.sh measures.
 * Results are shown by title; relevance ranking is not attempted (XXX: a
 * title match first would be the next step).
 */
#include <stdlib.h>
#include <string.h>

#include "assistant/assistant.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "library/lib_int.h"
#include "store/db.h"
#include "core/banned.h"

/* Letters and digits make words; punctuation, spaces and symbols end
 * them (general punctuation, the multiplication and division signs). */
static bool
word_cp(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
	return c >= 0xC0 && c != 0xD7 && c != 0xF7 &&
	    !(c >= 0x2000 && c <= 0x206F) && c != TEXT_CP_REPL;
}

/* The next word of s from *i: its bytes, or len 0 at the end. */
static struct str
next_word(struct str s, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t start, j;

	while (*i < s.len) {
		start = *i;
		if (word_cp(text_cp_next(p, s.len, i))) {
			j = *i;
			while (j < s.len) {
				size_t k = j;

				if (!word_cp(text_cp_next(p, s.len, &k)))
					break;
				j = k;
			}
			*i = j;
			return (struct str){ s.p + start, j - start };
		}
	}
	return (struct str){ s.p + s.len, 0 };
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct stems of texts[0..n) in lang, sorted, at most max. */
static size_t
stems_of(const struct assistant *as, enum assistant_lang lang,
    const struct str *texts, size_t n, struct arena *a, const char ***out,
    size_t max)
{
	const char **v;
	size_t k = 0, cap = 256, t, i, u;
	struct str w;

	v = arena_calloc(a, cap, sizeof(*v));
	for (t = 0; t < n; t++) {
		i = 0;
		while ((w = next_word(texts[t], &i)).len > 0) {
			const char *st;

			if (w.len > LIMIT_ASSISTANT_WORD)
				continue;
			st = assistant_stem(as, lang, w, a);
			if (st == NULL || st[0] == '\0')
				continue;
			if (k == cap) {
				const char **nv = arena_calloc(a, cap * 2,
				    sizeof(*nv));

				memcpy(nv, v, k * sizeof(*v));
				v = nv;
				cap *= 2;
			}
			v[k++] = st;
		}
	}
	qsort(v, k, sizeof(*v), cmp_str);
	for (i = u = 0; i < k && u < max; i++)
		if (u == 0 || strcmp(v[u - 1], v[i]) != 0)
			v[u++] = v[i];
	*out = v;
	return u;
}

/* Rows are inserted this many at a time: one round trip for each on
 * PostgreSQL, one cached statement. */
#define CHUNK 32

static int
insert_terms(struct db_conn *c, const char **stems, size_t n, int64_t scope,
    int64_t item)
{
	struct db_stmt *st;
	struct buf sql = BUF_INIT;
	size_t i, k, per;
	int rc = 0;

	buf_adds(&sql, "INSERT INTO library_terms (term, scope, item_id) "
	    "VALUES (?, ?, ?)");
	for (k = 1; k < CHUNK; k++)
		buf_adds(&sql, ", (?, ?, ?)");
	for (i = 0; i < n && rc == 0; i += per) {
		per = n - i >= CHUNK ? CHUNK : 1;
		if ((rc = db_prepare(c, per == CHUNK ? sql.p :
		    "INSERT INTO library_terms (term, scope, item_id) "
		    "VALUES (?, ?, ?)", &st)) != 0)
			break;
		for (k = 0; k < per; k++) {
			db_bind_textz(st, (int)(3 * k + 1), stems[i + k]);
			db_bind_i64(st, (int)(3 * k + 2), scope);
			db_bind_i64(st, (int)(3 * k + 3), item);
		}
		rc = db_run(st);
	}
	buf_release(&sql);
	return rc;
}

int
lib_index_on(struct db_conn *c, const struct assistant *as,
    const struct lib_item *it)
{
	struct db_stmt *st;
	const char **stems;
	struct str texts[4];
	struct arena a;
	size_t n;
	int rc;

	if ((rc = db_prepare(c, "DELETE FROM library_terms WHERE item_id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, it->id);
	if ((rc = db_run(st)) != 0 || it->published_at == 0)
		return rc;
	texts[0] = str_c(it->title);
	texts[1] = str_c(it->summary);
	texts[2] = str_c(it->tags);
	texts[3] = str_c(it->body);
	arena_init(&a);
	n = stems_of(as, strcmp(it->lang, "en") == 0 ? ASSISTANT_LANG_EN :
	    ASSISTANT_LANG_NL, texts, 4, &a, &stems, LIMIT_LIBRARY_TERMS);
	rc = insert_terms(c, stems, n, it->shared ? 0 : it->org_id, it->id);
	arena_release(&a);
	return rc;
}

int
lib_add_published_on(struct db_conn *c, const struct assistant *as,
    int64_t org_id, const char *title, const char *summary,
    const char *body, const char *lang, bool shared, int64_t now,
    int64_t *id)
{
	struct lib_item it;
	struct db_stmt *st;
	int rc;

	memset(&it, 0, sizeof(it));
	if ((rc = db_prepare(c, "INSERT INTO library_items (org_id, title, "
	    "summary, body, audience, lang, level, published_at, shared, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, 'clients', ?, 'B1', "
	    "?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	db_bind_textz(st, 2, title);
	db_bind_textz(st, 3, summary);
	db_bind_textz(st, 4, body);
	db_bind_textz(st, 5, lang);
	db_bind_i64(st, 6, now);
	db_bind_i64(st, 7, shared ? 1 : 0);
	db_bind_i64(st, 8, now);
	db_bind_i64(st, 9, now);
	if ((rc = db_step_id(st, id)) != 0)
		return rc;
	it.id = *id;
	it.org_id = org_id;
	it.title = title;
	it.summary = summary;
	it.body = body;
	it.tags = "";
	it.lang = lang;
	it.published_at = now;
	it.shared = shared;
	return lib_index_on(c, as, &it);
}

/* --- search --------------------------------------------------------------- */

static int
cmp_title(const void *a, const void *b)
{
	const struct lib_item *x = a, *y = b;
	int d = strcmp(x->title, y->title);

	return d != 0 ? d : (x->id < y->id ? -1 : x->id > y->id);
}

/* The results' items: 2 * LIMIT_LIBRARY_RESULTS ids, then the caller's
 * organisation. */
static const char *
items_sql(struct arena *a)
{
	struct buf b = BUF_INIT;
	const char *s;
	size_t i;

	buf_adds(&b, "SELECT " LIB_LIST_COLUMNS " FROM library_items WHERE "
	    "id IN (?");
	for (i = 1; i < 2 * LIMIT_LIBRARY_RESULTS; i++)
		buf_adds(&b, ", ?");
	buf_adds(&b, ") AND published_at > 0 AND (org_id = ? OR shared = 1)");
	s = arena_strndup(a, b.p, b.len);
	buf_release(&b);
	return s;
}

/* The SQL for nw words, each bound as two stems. */
static const char *
search_sql(size_t nw, struct arena *a)
{
	struct buf b = BUF_INIT;
	const char *s;
	size_t i;

	if (nw == 1)
		buf_adds(&b, "SELECT t0.item_id FROM library_terms t0 WHERE "
		    "t0.term IN (?, ?) AND t0.scope IN (?, 0)");
	else
		/* The leading word's candidates are bounded: words that
		 * are each common but rarely meet cost a bounded walk, at
		 * the price of what lies past it (limits.h). */
		buf_printf(&b, "SELECT t0.item_id FROM (SELECT item_id, scope "
		    "FROM library_terms WHERE term IN (?, ?) AND scope IN "
		    "(?, 0) LIMIT %d) t0 WHERE 1 = 1", LIMIT_LIBRARY_SCAN);
	for (i = 1; i < nw; i++)
		buf_printf(&b, " AND EXISTS (SELECT 1 FROM library_terms t%zu "
		    "WHERE t%zu.term IN (?, ?) AND t%zu.scope = t0.scope AND "
		    "t%zu.item_id = t0.item_id)", i, i, i, i);
	buf_adds(&b, " LIMIT ?");
	s = arena_strndup(a, b.p, b.len);
	buf_release(&b);
	return s;
}

/* Rows of a word's two stems in the caller's scopes, counted up to a cap:
 * enough to tell a rare word from a common one, never a long walk (the
 * count's cost grows with the cap, so it is a few pages of results). */
#define LIBRARY_DRIVER_CAP (10 * LIMIT_LIBRARY_RESULTS)

static int
count_word(struct db_conn *c, const char *const stems[2], int64_t org_id,
    int64_t *n)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, "SELECT COUNT(*) FROM (SELECT 1 FROM "
	    "library_terms WHERE term IN (?, ?) AND scope IN (?, 0) LIMIT ?) "
	    "w", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, stems[0]);
	db_bind_textz(st, 2, stems[1]);
	db_bind_i64(st, 3, org_id);
	db_bind_i64(st, 4, LIBRARY_DRIVER_CAP);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*n = db_col_i64(st, 0);
		rc = 0;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int
lib_search(struct db *db, const struct assistant *as, int64_t org_id,
    struct str query, struct arena *a, struct why *why,
    struct lib_item **out, size_t *n)
{
	const char *stems[LIMIT_LIBRARY_QUERY_WORDS][2];
	int64_t ids[2 * LIMIT_LIBRARY_RESULTS];
	struct lib_item *v;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	size_t nw = 0, nid = 0, k = 0, i, j;
	struct str w;
	int rc;

	*out = NULL;
	*n = 0;
	if (query.len > LIMIT_LIBRARY_QUERY) {
		why_set(why, ERR_TOOBIG, "q",
		    N_("A search is at most %d characters."));
		if (why)
			why->limit = LIMIT_LIBRARY_QUERY;
		return ERR_TOOBIG;
	}
	if (!text_clean(query, false))
		return why_set(why, ERR_INVAL, "q",
		    N_("This field holds a character that is not allowed."));
	i = 0;
	while ((w = next_word(query, &i)).len > 0) {
		const char *nl, *en;

		if (w.len > LIMIT_ASSISTANT_WORD)
			continue;
		nl = assistant_stem(as, ASSISTANT_LANG_NL, w, a);
		en = assistant_stem(as, ASSISTANT_LANG_EN, w, a);
		if (nl[0] == '\0' && en[0] == '\0')
			continue;
		if (nw == LIMIT_LIBRARY_QUERY_WORDS) {
			why_set(why, ERR_TOOMANY, "q",
			    N_("Search with at most %d words."));
			if (why)
				why->limit = LIMIT_LIBRARY_QUERY_WORDS;
			return ERR_TOOMANY;
		}
		stems[nw][0] = nl[0] ? nl : en;
		stems[nw][1] = en[0] ? en : nl;
		nw++;
	}
	if (nw == 0)
		return why_set(why, ERR_INVAL, "q",
		    N_("Type one or more words to search for."));

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if (nw > 1) {
		/* The rarest word leads the walk (each count stops at
		 * LIBRARY_DRIVER_CAP rows); a word found nowhere ends it. */
		int64_t best = INT64_MAX, cnt;
		size_t lead = 0;

		for (j = 0; j < nw; j++) {
			if ((rc = count_word(c, stems[j], org_id, &cnt)) != 0)
				goto out;
			if (cnt < best) {
				best = cnt;
				lead = j;
			}
		}
		if (best == 0)
			goto none;
		if (lead != 0) {
			const char *t0 = stems[0][0], *t1 = stems[0][1];

			stems[0][0] = stems[lead][0];
			stems[0][1] = stems[lead][1];
			stems[lead][0] = t0;
			stems[lead][1] = t1;
		}
	}
	if ((rc = db_prepare(c, search_sql(nw, a), &st)) != 0)
		goto out;
	db_bind_textz(st, 1, stems[0][0]);
	db_bind_textz(st, 2, stems[0][1]);
	db_bind_i64(st, 3, org_id);
	for (j = 1; j < nw; j++) {
		db_bind_textz(st, (int)(2 * j + 2), stems[j][0]);
		db_bind_textz(st, (int)(2 * j + 3), stems[j][1]);
	}
	/* An item may match a word by both its stems: twice the rows. */
	db_bind_i64(st, (int)(2 * nw + 2), 2 * LIMIT_LIBRARY_RESULTS);
	/* An item may come twice (by both stems of a word): once here. */
	while (nid < 2 * LIMIT_LIBRARY_RESULTS && (rc = db_step(st)) == DB_ROW) {
		int64_t id = db_col_i64(st, 0);

		for (j = 0; j < nid && ids[j] != id; j++)
			continue;
		if (j == nid)
			ids[nid++] = id;
	}
	db_done(st);
	if (rc < 0)
		goto out;

none:
	v = arena_calloc(a, LIMIT_LIBRARY_RESULTS, sizeof(*v));
	if (nid == 0)
		goto done;
	/* The items in one statement (one cached text: the unused places
	 * hold 0, which is no id). */
	if ((rc = db_prepare(c, items_sql(a), &st)) != 0)
		goto out;
	for (i = 0; i < 2 * LIMIT_LIBRARY_RESULTS; i++)
		db_bind_i64(st, (int)i + 1, i < nid ? ids[i] : 0);
	db_bind_i64(st, 2 * LIMIT_LIBRARY_RESULTS + 1, org_id);
	while (k < LIMIT_LIBRARY_RESULTS && (rc = db_step(st)) == DB_ROW) {
		struct lib_item it;

		lib_row(st, a, &it);
		/* The index's scope said so and the statement too; the item
		 * says so once more, or it is not shown (a private item of
		 * another organisation never is). */
		if (it.published_at > 0 && (it.org_id == org_id || it.shared))
			v[k++] = it;
	}
	db_done(st);
	if (rc < 0)
		goto out;
done:
	rc = 0;
	qsort(v, k, sizeof(*v), cmp_title);
	*out = v;
	*n = k;
out:
	db_read_end(db, c);
	return rc;
}
