/*
 * lib_int.h - what library.c and lib_index.c share (not for other
 * modules).
 */
#ifndef INFUUS_LIB_INT_H
#define INFUUS_LIB_INT_H

#include "core/limits.h"
#include "library/library.h"

struct db_stmt;

#define LIB_COLUMNS "id, org_id, kind, title, summary, body, tags, " \
	"audience, lang, level, published_at, shared, created_by, " \
	"created_at, updated_at, media_id"

/* The same without the text, for lists and search results (body ""): a
 * list of 200 articles need not read 200 texts. */
#define LIB_LIST_COLUMNS "id, org_id, kind, title, summary, '' AS body, " \
	"tags, audience, lang, level, published_at, shared, created_by, " \
	"created_at, updated_at"

/* A row of LIB_COLUMNS or LIB_LIST_COLUMNS into *it (strings in a). */
void lib_row(struct db_stmt *st, struct arena *a, struct lib_item *it);
int lib_get_on(struct db_conn *c, int64_t id, struct arena *a,
    struct lib_item *out);
int64_t lib_now(time_t now);
/* Inside a write job: its row of library_fts made to match it: none for
 * a draft, else the stems of its title and of the rest. */
int lib_index_on(struct db_conn *c, const struct assistant *as,
    const struct lib_item *it);

/* The next word of s from *i (letters and digits; anything else ends a
 * word, and a byte that is not UTF-8 too): its bytes, or len 0 at the
 * end, *i then s.len.  Words of the index and of a query alike. */
struct str lib_next_word(struct str s, size_t *i);

/*
 * A search's text as the engines are asked for it (lib_search; apart so
 * fuzz/fuzz_search.c checks what reaches them).  Each word's Dutch and
 * English stem (both the one there is when a language has none), and
 * both ways of asking for them:
 *   - match: SQLite's MATCH expression, each stem after the caller's
 *     organisation's scope and the shared one, as FTS5 strings ("...",
 *     a quote doubled): (s1 OR s2 OR ...) AND (...) a word;
 *   - tsquery: PostgreSQL's, a stem a tsquery text ('...', a quote and a
 *     backslash doubled), ORed a word and the words ANDed in the SQL.
 * Strings in a.
 */
struct lib_query {
	size_t nw;
	const char *stem[LIMIT_LIBRARY_QUERY_WORDS][2];     /* [nl, en] */
	const char *match;
	const char *tsquery[LIMIT_LIBRARY_QUERY_WORDS][2];
};

/* query read into *q for the caller's org_id: 0, or as lib_search (why
 * set): ERR_TOOBIG, ERR_INVAL (a control character, no word), ERR_TOOMANY. */
int lib_query(const struct assistant *as, struct str query, int64_t org_id,
    struct arena *a, struct why *why, struct lib_query *q);

#endif
