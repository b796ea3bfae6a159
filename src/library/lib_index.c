/*
 * lib_index.c - the library's full-text index and search (see library.h).
 * Owns library_fts.
 *
 * The engines' own full-text search, fed with our stems.  An item's words
 * are stemmed in its own language by the writing assistant's stemmer
 * (assistant_stem, with lib_stem's Dutch -t), and the index holds the
 * stems as text, the title's apart from the rest (summary, tags, body),
 * so a title counts more:
 *   - SQLite: an FTS5 table (rowid the item's id, columns title and body,
 *     each stem after the item's scope: scope_prefix) ranked by tf_bm25
 *     (src/store/db_sqlite.c: FTS5's bm25 without the walk over every
 *     row of a word that bm25 makes for its document frequency, and
 *     without the look-up of each row's length for its length
 *     normalisation: a saturating count of each word, the title's ten
 *     times the body's, from the doclist alone);
 *   - PostgreSQL: a tsvector, to_tsvector('simple', stems) of the title
 *     with weight A and of the rest with B, under a GIN index, ranked by
 *     ts_rank (A 1.0, B 0.4).
 * Why pre-stemmed text and not a tokenizer of our own registered in
 * SQLite: PostgreSQL needs the stems as text anyway (a Dutch to_tsvector
 * stems otherwise than SQLite would), and so both engines index the very
 * same words and find the same items; a C tokenizer would also be needed
 * by every program that writes the table (the sqlite3 shell could not).
 * The engines only split at spaces: FTS5's "ascii" tokenizer and
 * PostgreSQL's "simple" configuration, neither of which stems, drops
 * stop words or folds accents (the stems are lower case already).
 *
 * A query's words are stemmed in both languages, since a person may
 * search Dutch texts with an English word and the other way round, and
 * often does not know which the text is in: an item matches when it holds
 * every word, as (Dutch stem OR English stem) AND ... .  The user's text
 * never reaches the SQL or the engines' query syntax: only stems (letters
 * and digits) go in, each quoted as a string of the syntax and bound as
 * a value, so quotes, *, NEAR, -, : and parentheses are not operators
 * but word ends.
 *
 * Scope: an item is in the index while published.  SQLite asks for each
 * word under the caller's organisation's prefix or the shared one
 * (scope_prefix), so FTS5 yields only items the caller may see;
 * PostgreSQL joins each match to its item and keeps published_at > 0 AND
 * (org_id = ? OR shared = 1).  Either way the items are then read with
 * that condition in SQL and checked once more in C, so an index out of
 * step could hide an item but never show another organisation's.
 *
 * Bounded work: ranking every match of a word in most of 100,000 articles
 * would grow with the library.  The ranked candidates are the first
 * LIMIT_LIBRARY_SCAN matches the caller may see, in the index's own order
 * (FTS5: by rowid, the oldest first; GIN: the table's order, the same
 * unless items were re-indexed); they are shown LIMIT_LIBRARY_RESULTS a
 * page, the best first.  A search with fewer matches ranks them all, and
 * then both backends find the same items in a like order; what lies past
 * the bound is found by a rarer word or one more (bench/50-library.sh).
 */
#include <stdio.h>
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

struct str
lib_next_word(struct str s, size_t *i)
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


static bool
nl_vowel(char c)
{
	return c != '\0' && strchr("aeiouy", c) != NULL;
}

/* The stem a search matches a word by: the writing assistant's, and in
 * Dutch also without the -t of a verb's second and third person and weak
 * past, which the assistant's light stemmer keeps: "werkt", "werkte" and
 * "werkten" meet "werken" and "werk", "loopt" meets "lopen".  It is the
 * same for an item's words and a query's, so it only changes which words
 * meet (also "kast" and "kas"), never whether a word finds itself. */
static const char *
lib_stem(const struct assistant *as, enum assistant_lang lang, struct str w,
    struct arena *a)
{
	const char *st = assistant_stem(as, lang, w, a);
	size_t m = st ? strlen(st) : 0;
	char *s;

	if (lang != ASSISTANT_LANG_NL || m < 4 || st[m - 1] != 't' ||
	    nl_vowel(st[m - 2]))
		return st;
	s = arena_strndup(a, st, m - 1);
	m--;
	/* Undouble a vowel before the consonant now last, as the stemmer
	 * does ("loop" to "lop", the stem of "lopen"). */
	if (m >= 4 && !nl_vowel(s[m - 1]) && s[m - 2] == s[m - 3] &&
	    strchr("aeou", s[m - 2]) != NULL && !nl_vowel(s[m - 4])) {
		s[m - 2] = s[m - 1];
		s[m - 1] = '\0';
	}
	return s;
}

/* The stems of texts[0..n) in lang, each after scope (SCOPE_MARK), by
 * spaces, onto out (repeats kept: how often a word comes counts in the
 * ranking). */
static void
stems_of(const struct assistant *as, enum assistant_lang lang,
    const struct str *texts, size_t n, const char *scope, struct arena *a,
    struct buf *out)
{
	size_t t, i;
	struct str w;

	for (t = 0; t < n; t++) {
		i = 0;
		while ((w = lib_next_word(texts[t], &i)).len > 0) {
			const char *st;

			if (w.len > LIMIT_ASSISTANT_WORD)
				continue;
			st = lib_stem(as, lang, w, a);
			if (st == NULL || st[0] == '\0')
				continue;
			if (out->len > 0)
				buf_addch(out, ' ');
			buf_adds(out, scope);
			buf_adds(out, st);
		}
	}
}

/*
 * SQLite: who may find an item, written before each of its stems: "o",
 * its organisation's id and SCOPE_MARK for a private item, "s" and the
 * mark for a shared one ("o17\u00a7werk", "s\u00a7werk").  A search asks
 * for its words with the caller's organisation's and the shared prefix
 * (rank_sql), so FTS5's doclists hold only what the caller may see and no
 * match is looked up in library_items to learn its organisation (that
 * look-up a match was a third of a search at 100,000 articles; a scope
 * token ANDed in the MATCH was slower still, FTS5 seeking in a doclist
 * of every item of the organisation: bench/README.md).  The mark is no
 * word character (word_cp), so no stem holds it and "o1" + "7werk" is
 * not "o17" + "werk"; FTS5's "ascii" tokenizer keeps it in the word.
 * PostgreSQL indexes the bare stems and keeps its join.
 */
#define SCOPE_MARK "\u00a7"

static const char *
scope_prefix(int64_t org_id, bool shared, struct arena *a)
{
	char p[32];

	if (shared)
		return "s" SCOPE_MARK;
	snprintf(p, sizeof(p), "o%lld" SCOPE_MARK, (long long)org_id);
	return arena_strdup(a, p);
}

int
lib_index_on(struct db_conn *c, const struct assistant *as,
    const struct lib_item *it)
{
	bool pg = db_conn_kind(c) == DB_POSTGRES;
	struct db_stmt *st;
	struct buf title = BUF_INIT, rest = BUF_INIT;
	enum assistant_lang lang;
	struct str texts[3];
	const char *scope;
	struct arena a;
	int rc;

	if ((rc = db_prepare(c, pg ? "DELETE FROM library_fts WHERE "
	    "item_id = ?" : "DELETE FROM library_fts WHERE rowid = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, it->id);
	if ((rc = db_run(st)) != 0 || it->published_at == 0)
		return rc;
	arena_init(&a);
	lang = strcmp(it->lang, "en") == 0 ? ASSISTANT_LANG_EN :
	    ASSISTANT_LANG_NL;
	scope = pg ? "" : scope_prefix(it->org_id, it->shared, &a);
	texts[0] = str_c(it->title);
	stems_of(as, lang, texts, 1, scope, &a, &title);
	texts[0] = str_c(it->summary);
	texts[1] = str_c(it->tags);
	texts[2] = str_c(it->body);
	stems_of(as, lang, texts, 3, scope, &a, &rest);
	/* PostgreSQL: nodes starting at once may index one item together
	 * (lib_reindex); the last one's row stays, not an error. */
	if ((rc = db_prepare(c, pg ? "INSERT INTO library_fts (item_id, "
	    "tsv) VALUES (?, setweight(to_tsvector('simple', ?), 'A') || "
	    "setweight(to_tsvector('simple', ?), 'B')) ON CONFLICT "
	    "(item_id) DO UPDATE SET tsv = EXCLUDED.tsv" :
	    "INSERT INTO library_fts (rowid, title, body) VALUES (?, ?, ?)",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, it->id);
	db_bind_textz(st, 2, title.p);
	db_bind_textz(st, 3, rest.p);
	rc = db_run(st);
out:
	buf_release(&title);
	buf_release(&rest);
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

/* Published items without their index rows: those of a database that had
 * the index of before (library_terms, 090), or whatever else left one
 * out.  A batch a job, so the writer is not held for long. */
#define REINDEX_BATCH 200

struct reindex {
	const struct assistant *as;
	size_t done;
	bool more;
};

static int
reindex_run(struct db_conn *c, void *arg)
{
	struct reindex *r = arg;
	int64_t ids[REINDEX_BATCH];
	struct db_stmt *st;
	size_t n = 0, i;
	int rc;

	if ((rc = db_prepare(c, db_conn_kind(c) == DB_POSTGRES ?
	    "SELECT id FROM library_items WHERE published_at > 0 AND NOT "
	    "EXISTS (SELECT 1 FROM library_fts f WHERE f.item_id = "
	    "library_items.id) ORDER BY id LIMIT ?" :
	    "SELECT id FROM library_items WHERE published_at > 0 AND id NOT "
	    "IN (SELECT rowid FROM library_fts) ORDER BY id LIMIT ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, REINDEX_BATCH);
	while (n < REINDEX_BATCH && (rc = db_step(st)) == DB_ROW)
		ids[n++] = db_col_i64(st, 0);
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct lib_item it;
		struct arena a;

		arena_init(&a);
		if ((rc = lib_get_on(c, ids[i], &a, &it)) == 0)
			rc = lib_index_on(c, r->as, &it);
		arena_release(&a);
		if (rc != 0)
			return rc;
	}
	r->done += n;
	r->more = n == REINDEX_BATCH;
	return 0;
}

static int
merge_run(struct db_conn *c, void *arg)
{
	(void)arg;
	/* FTS5: one segment b-tree instead of the many its automerge leaves
	 * after many small writes (a search at 100,000 articles reads less:
	 * 0.18 against 0.10 ms, bench/50-library.sh).  PostgreSQL: the
	 * planner's figures for the GIN index. */
	return db_exec(c, db_conn_kind(c) == DB_POSTGRES ?
	    "ANALYZE library_fts" :
	    "INSERT INTO library_fts (library_fts) VALUES ('optimize')");
}

int
lib_index_merge(struct db *db)
{
	return db_write(db, merge_run, NULL);
}

int
lib_reindex(struct db *db, const struct assistant *as, size_t *done)
{
	struct reindex r = { as, 0, true };
	int rc = 0;

	while (r.more && (rc = db_write(db, reindex_run, &r)) == 0)
		continue;
	if (done)
		*done = r.done;
	/* After indexing many at once, as an importer does. */
	if (rc == 0 && r.done > REINDEX_BATCH)
		rc = lib_index_merge(db);
	return rc;
}

/* --- search --------------------------------------------------------------- */

/* The results' items: LIMIT_LIBRARY_RESULTS ids, then the caller's
 * organisation. */
static const char *
items_sql(struct arena *a)
{
	struct buf b = BUF_INIT;
	const char *s;
	size_t i;

	buf_adds(&b, "SELECT " LIB_LIST_COLUMNS " FROM library_items WHERE "
	    "id IN (?");
	for (i = 1; i < LIMIT_LIBRARY_RESULTS; i++)
		buf_adds(&b, ", ?");
	/* The unary pluses keep SQLite from answering the OR through the
	 * indexes on org_id and on shared (two index look-ups an id and a
	 * row set): the ids are the keys. */
	buf_adds(&b, ") AND published_at > 0 AND (+org_id = ? OR +shared = 1)");
	s = arena_strndup(a, b.p, b.len);
	buf_release(&b);
	return s;
}

/* A stem as a string of the engine's query syntax: FTS5 "..." and
 * PostgreSQL's tsquery '...', the quote doubled (a stem has letters and
 * digits only; the quoting makes sure whatever it holds is one word). */
static void
quoted(struct buf *b, const char *stem, char q)
{
	const char *p;

	buf_addch(b, q);
	for (p = stem; *p != '\0'; p++) {
		if (*p == q || (q == '\'' && *p == '\\'))
			buf_addch(b, *p);
		buf_addch(b, *p);
	}
	buf_addch(b, q);
}

/* SQLite's MATCH expression for the stems of nw words: each word as any
 * of its stems with either prefix the caller may see (scope_prefix), an
 * item of the organisation or a shared one. */
static const char *
match_expr(const char *const (*stems)[2], size_t nw, int64_t org_id,
    struct arena *a)
{
	struct buf m = BUF_INIT;
	const char *s, *scope[2];
	size_t i, k, l;

	scope[0] = scope_prefix(org_id, false, a);
	scope[1] = scope_prefix(org_id, true, a);
	for (i = 0; i < nw; i++) {
		buf_adds(&m, i ? " AND (" : "(");
		for (k = 0; k < 2; k++)
			for (l = 0; l < 2; l++) {
				if (l == 1 &&
				    strcmp(stems[i][0], stems[i][1]) == 0)
					continue;
				if (k + l > 0)
					buf_adds(&m, " OR ");
				quoted(&m, arena_printf(a, "%s%s", scope[k],
				    stems[i][l]), '"');
			}
		buf_adds(&m, ")");
	}
	s = arena_strndup(a, m.p, m.len);
	buf_release(&m);
	return s;
}

int
lib_query(const struct assistant *as, struct str query, int64_t org_id,
    struct arena *a, struct why *why, struct lib_query *q)
{
	struct buf b = BUF_INIT;
	struct str w;
	size_t i = 0, j;

	memset(q, 0, sizeof(*q));
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
	while ((w = lib_next_word(query, &i)).len > 0) {
		const char *nl, *en;

		if (w.len > LIMIT_ASSISTANT_WORD)
			continue;
		nl = lib_stem(as, ASSISTANT_LANG_NL, w, a);
		en = lib_stem(as, ASSISTANT_LANG_EN, w, a);
		if (nl[0] == '\0' && en[0] == '\0')
			continue;
		if (q->nw == LIMIT_LIBRARY_QUERY_WORDS) {
			why_set(why, ERR_TOOMANY, "q",
			    N_("Search with at most %d words."));
			if (why)
				why->limit = LIMIT_LIBRARY_QUERY_WORDS;
			return ERR_TOOMANY;
		}
		q->stem[q->nw][0] = nl[0] ? nl : en;
		q->stem[q->nw][1] = en[0] ? en : nl;
		q->nw++;
	}
	if (q->nw == 0)
		return why_set(why, ERR_INVAL, "q",
		    N_("Type one or more words to search for."));
	q->match = match_expr((const char *const (*)[2])q->stem, q->nw, org_id,
	    a);
	for (j = 0; j < 2 * q->nw; j++) {
		buf_reset(&b);
		quoted(&b, q->stem[j / 2][j % 2], '\'');
		q->tsquery[j / 2][j % 2] = arena_strndup(a, b.p, b.len);
	}
	buf_release(&b);
	return 0;
}

/*
 * The ranked candidates' statement for nw words.  SQLite binds the MATCH
 * expression (lib_query's match) and the count; PostgreSQL two tsquery
 * texts a word (lib_query's tsquery), then the organisation; then both
 * the count and the offset.  Either way the SQL's text depends on the
 * number of words only.
 */
static const char *
rank_sql(bool pg, size_t nw, struct arena *a)
{
	struct buf b = BUF_INIT;
	const char *s;
	size_t i;

	if (!pg) {
		/* The inner LIMIT keeps SQLite from flattening: the rank is
		 * computed for the candidates only.  Only the index is read:
		 * an item is in it while published (lib_index_on), under its
		 * scope. */
		buf_printf(&b, "SELECT id FROM (SELECT rowid AS id, "
		    "tf_bm25(library_fts, 10.0, 1.0) AS r FROM library_fts "
		    "WHERE library_fts MATCH ? LIMIT %d) c ORDER BY r, id "
		    "LIMIT ? OFFSET ?", LIMIT_LIBRARY_SCAN);
	} else {
		buf_adds(&b, "SELECT id FROM (SELECT f.item_id AS id, "
		    "ts_rank(f.tsv, w.q) AS r FROM library_fts f JOIN "
		    "library_items i ON i.id = f.item_id, (SELECT ");
		for (i = 0; i < nw; i++)
			buf_adds(&b, i ? " && (to_tsquery('simple', ?) || "
			    "to_tsquery('simple', ?))" : "(to_tsquery('simple', "
			    "?) || to_tsquery('simple', ?))");
		buf_printf(&b, " AS q) w WHERE f.tsv @@ w.q AND "
		    "i.published_at > 0 AND (i.org_id = ? OR i.shared = 1) "
		    "LIMIT %d) c ORDER BY r DESC, id LIMIT ? OFFSET ?",
		    LIMIT_LIBRARY_SCAN);
	}
	s = arena_strndup(a, b.p, b.len);
	buf_release(&b);
	return s;
}

int
lib_search(struct db *db, const struct assistant *as, int64_t org_id,
    struct str query, int page, struct arena *a, struct why *why,
    struct lib_found *out)
{
	/* One more than a page: whether a next page holds any. */
	int64_t ids[LIMIT_LIBRARY_RESULTS + 1];
	struct lib_item *v, *got;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct lib_query q;
	size_t nid = 0, ngot = 0, k = 0, i, j;
	bool pg;
	int rc;

	memset(out, 0, sizeof(*out));
	if (page < 0 || page >= LIMIT_LIBRARY_PAGES) {
		why_set(why, ERR_INVAL, "page",
		    N_("A search shows at most %d pages of results: add a word to find fewer."));
		if (why)
			why->limit = LIMIT_LIBRARY_PAGES;
		return ERR_INVAL;
	}
	if ((rc = lib_query(as, query, org_id, a, why, &q)) != 0)
		return rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	pg = db_conn_kind(c) == DB_POSTGRES;
	if ((rc = db_prepare(c, rank_sql(pg, q.nw, a), &st)) != 0)
		goto out;
	if (!pg) {
		db_bind_textz(st, 1, q.match);
		j = 2;
	} else {
		for (j = 0; j < 2 * q.nw; j++)
			db_bind_textz(st, (int)j + 1, q.tsquery[j / 2][j % 2]);
		j = 2 * q.nw + 1;
		db_bind_i64(st, (int)j++, org_id);
	}
	db_bind_i64(st, (int)j, LIMIT_LIBRARY_RESULTS + 1);
	db_bind_i64(st, (int)j + 1, (int64_t)page * LIMIT_LIBRARY_RESULTS);
	while (nid < LIMIT_LIBRARY_RESULTS + 1 && (rc = db_step(st)) == DB_ROW)
		ids[nid++] = db_col_i64(st, 0);
	db_done(st);
	if (rc < 0)
		goto out;
	if (nid > LIMIT_LIBRARY_RESULTS) {
		out->more = true;
		nid = LIMIT_LIBRARY_RESULTS;
	}

	v = arena_calloc(a, LIMIT_LIBRARY_RESULTS, sizeof(*v));
	if (nid == 0)
		goto done;
	/* The items in one statement (one cached text: the unused places
	 * hold 0, which is no id), then put in the ranking's order. */
	got = arena_calloc(a, LIMIT_LIBRARY_RESULTS, sizeof(*got));
	if ((rc = db_prepare(c, items_sql(a), &st)) != 0)
		goto out;
	for (i = 0; i < LIMIT_LIBRARY_RESULTS; i++)
		db_bind_i64(st, (int)i + 1, i < nid ? ids[i] : 0);
	db_bind_i64(st, LIMIT_LIBRARY_RESULTS + 1, org_id);
	while (ngot < LIMIT_LIBRARY_RESULTS && (rc = db_step(st)) == DB_ROW) {
		struct lib_item it;

		lib_row(st, a, &it);
		/* The ranking's statement said so and this one too; the
		 * item says so once more, or it is not shown (a private item of
		 * another organisation never is). */
		if (it.published_at > 0 && (it.org_id == org_id || it.shared))
			got[ngot++] = it;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	for (i = 0; i < nid; i++)
		for (j = 0; j < ngot; j++)
			if (got[j].id == ids[i]) {
				v[k++] = got[j];
				break;
			}
done:
	rc = 0;
	out->v = v;
	out->n = k;
out:
	db_read_end(db, c);
	return rc;
}
