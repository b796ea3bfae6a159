/*
 * fuzz_search.c - search queries: the library's (library/lib_index.c:
 * lib_next_word, lib_query) and the messages' word splitter and
 * normaliser (message/search.c: search_next_word, search_message_text).
 * Input: the whole is a text for both word splitters; cut at NULs it is
 *
 *   query \0 subject \0 name \0 name ...
 *
 * where the query (its first LIMIT_LIBRARY_QUERY bytes, and all of it
 * when longer) goes to lib_query and also serves as a message's body.
 * Checked:
 *   - both splitters stay inside the text and advance; a word is valid
 *     UTF-8 and found the same alone as in its text (no separator in it),
 *     and what lies between two words holds none;
 *   - search_next_word's words are 2..LIMIT_SEARCH_WORD bytes, lower-case
 *     letters and digits as far as ASCII goes, and normalising one again
 *     gives itself (a query word meets the indexed word);
 *   - search_message_text appends the body's plain text, the subject and
 *     the names, each after a line end, so a message's words are those of
 *     each part in turn;
 *   - lib_query refuses past LIMIT_LIBRARY_QUERY bytes, a control
 *     character, no word or more than LIMIT_LIBRARY_QUERY_WORDS words; an
 *     accepted query's stems are UTF-8 whose ASCII is letters and digits
 *     (one token for FTS5's "ascii" tokenizer), its MATCH expression is
 *     exactly (s OR s ...) AND (...) of double-quoted strings, inner
 *     quotes doubled, each the caller's or the shared scope and a stem of
 *     the word and nothing of FTS5's syntax outside quotes, and its
 *     tsquery texts are the stems single-quoted, quotes and backslashes
 *     doubled;
 *   - SQLite's FTS5 (tokenize 'ascii', as library_fts) takes the MATCH
 *     expression without an error and finds an item holding the query's
 *     stems under the caller's scope or the shared one, never under
 *     another organisation's.
 * The writing assistant's word lists (the stemmer) come from the source
 * tree's share/ (FUZZ_SHARE, set by fuzz/run).
 */
#include <stdbool.h>
#include <string.h>

#include <sqlite3.h>

#include "assistant/assistant.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "fuzz.h"
#include "library/lib_int.h"
#include "message/markdown.h"
#include "message/search.h"

#define ORG 17
#define MARK "\u00a7"
#define NFIELDS 6

static struct assistant *as;
static sqlite3 *db;
static sqlite3_stmt *del, *ins, *sel;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (assistant_load(FUZZ_SHARE, &as) != 0) {
		fprintf(stderr, "fuzz_search: no word lists in %s\n",
		    FUZZ_SHARE);
		exit(1);
	}
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE f USING fts5(title, body, "
	    "tokenize = 'ascii')", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "DELETE FROM f", -1, &del, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO f (rowid, title, body) "
	    "VALUES (?, ?, '')", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT rowid FROM f WHERE f MATCH ? "
	    "ORDER BY rowid", -1, &sel, NULL) != SQLITE_OK) {
		fprintf(stderr, "fuzz_search: sqlite: %s\n",
		    sqlite3_errmsg(db));
		exit(1);
	}
	return 0;
}

/* --- the library ---------------------------------------------------------- */

/* lib_next_word over all of s. */
static void
check_lib_words(struct str s)
{
	size_t i = 0, prev = 0, before;
	struct str w;

	for (;;) {
		size_t k = 0;

		before = i;
		w = lib_next_word(s, &i);
		FUZZ_CHECK(i >= before && i <= s.len);
		if (w.len == 0) {
			FUZZ_CHECK(i == s.len);
			w = (struct str){ s.p + s.len, 0 };
		} else {
			FUZZ_CHECK(w.p >= s.p + before &&
			    w.p + w.len == s.p + i);
			FUZZ_CHECK(utf8_valid(w.p, w.len));
			/* The word alone is one word, all of it. */
			FUZZ_CHECK(lib_next_word(w, &k).len == w.len);
		}
		/* Between words: none. */
		k = 0;
		FUZZ_CHECK(lib_next_word((struct str){ s.p + prev,
		    (size_t)(w.p - s.p) - prev }, &k).len == 0);
		if (w.len == 0)
			break;
		prev = i;
	}
}

/* Is s scope + one of a word's stems, with scope the caller's or the
 * shared one?  Which scope in *shared. */
static bool
scoped_stem(const char *s, size_t n, const char *const stem[2], bool *shared)
{
	const char *own = "o17" MARK, *sh = "s" MARK, *rest;
	size_t k;

	if (n >= strlen(own) && memcmp(s, own, strlen(own)) == 0) {
		rest = s + strlen(own);
		*shared = false;
	} else if (n >= strlen(sh) && memcmp(s, sh, strlen(sh)) == 0) {
		rest = s + strlen(sh);
		*shared = true;
	} else {
		return false;
	}
	n -= (size_t)(rest - s);
	for (k = 0; k < 2; k++)
		if (strlen(stem[k]) == n && memcmp(rest, stem[k], n) == 0)
			return true;
	return false;
}

/* The MATCH expression: ("..." OR "..." ...) AND (...) for q's words,
 * every string a scoped stem of its word, each stem under both scopes. */
static void
check_match(const struct lib_query *q)
{
	const char *p = q->match;
	struct buf s = BUF_INIT;
	size_t w;

	for (w = 0; w < q->nw; w++) {
		int n = 0, own = 0;
		bool sh;

		if (w > 0) {
			FUZZ_CHECK(strncmp(p, " AND ", 5) == 0);
			p += 5;
		}
		FUZZ_CHECK(*p == '(');
		p++;
		for (;;) {
			/* One FTS5 string, "" a quote. */
			FUZZ_CHECK(*p == '"');
			buf_reset(&s);
			for (p++; *p != '\0'; p++) {
				if (*p == '"' && p[1] != '"')
					break;
				if (*p == '"')
					p++;
				buf_addch(&s, *p);
			}
			FUZZ_CHECK(*p == '"');
			p++;
			FUZZ_CHECK(scoped_stem(s.p, s.len, q->stem[w], &sh));
			n++;
			own += !sh;
			if (strncmp(p, " OR ", 4) != 0)
				break;
			p += 4;
		}
		FUZZ_CHECK(*p == ')');
		p++;
		/* Each distinct stem under each scope, once. */
		FUZZ_CHECK(n == 2 * own && own == (strcmp(q->stem[w][0],
		    q->stem[w][1]) == 0 ? 1 : 2));
	}
	FUZZ_CHECK(*p == '\0');
	buf_release(&s);
}

/* A tsquery text: the stem in '...', quote and backslash doubled. */
static void
check_tsquery(const char *t, const char *stem)
{
	size_t n = strlen(t), i;
	struct buf s = BUF_INIT;

	FUZZ_CHECK(n >= 2 && t[0] == '\'' && t[n - 1] == '\'');
	for (i = 1; i + 1 < n; i++) {
		if (t[i] == '\'' || t[i] == '\\') {
			FUZZ_CHECK(t[i + 1] == t[i] && i + 2 < n);
			i++;
		}
		buf_addch(&s, t[i]);
	}
	FUZZ_CHECK(strcmp(s.p, stem) == 0);
	buf_release(&s);
}

/* SQLite's FTS5 on the MATCH expression: no error, and of four items
 * holding the query's stems, the caller's (1) and the shared one (4) are
 * found, another organisation's (2, 3) are not. */
static void
check_fts5(const struct lib_query *q, struct arena *a)
{
	static const char *const scope[] = { NULL, "o17" MARK, "o1" MARK,
		"o170" MARK, "s" MARK };
	struct buf t = BUF_INIT;
	int id, rc, found = 0;
	size_t w;

	FUZZ_CHECK(sqlite3_step(del) == SQLITE_DONE);
	sqlite3_reset(del);
	for (id = 1; id <= 4; id++) {
		buf_reset(&t);
		for (w = 0; w < q->nw; w++)
			buf_printf(&t, "%s%s%s", w ? " " : "", scope[id],
			    q->stem[w][w % 2]);
		sqlite3_bind_int(ins, 1, id);
		sqlite3_bind_text(ins, 2, t.p, (int)t.len, SQLITE_TRANSIENT);
		FUZZ_CHECK(sqlite3_step(ins) == SQLITE_DONE);
		sqlite3_reset(ins);
	}
	sqlite3_bind_text(sel, 1, q->match, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW)
		found |= 1 << sqlite3_column_int(sel, 0);
	if (rc != SQLITE_DONE)
		fprintf(stderr, "fuzz_search: MATCH %s: %s\n", q->match,
		    sqlite3_errmsg(db));
	FUZZ_CHECK(rc == SQLITE_DONE);
	sqlite3_reset(sel);
	FUZZ_CHECK(found == (1 << 1 | 1 << 4));
	buf_release(&t);
	(void)a;
}

static void
check_query(struct str query)
{
	struct lib_query q;
	struct arena a;
	struct why why;
	size_t w, k, i, words = 0, wi = 0;
	int rc;

	arena_init(&a);
	memset(&why, 0, sizeof(why));
	rc = lib_query(as, query, ORG, &a, &why, &q);
	FUZZ_CHECK(rc == 0 || rc == ERR_TOOBIG || rc == ERR_INVAL ||
	    rc == ERR_TOOMANY);
	FUZZ_CHECK((rc == ERR_TOOBIG) == (query.len > LIMIT_LIBRARY_QUERY));
	if (rc != 0) {
		FUZZ_CHECK(why.msg != NULL);
		goto out;
	}
	for (i = 0; i < query.len; i++)
		FUZZ_CHECK((unsigned char)query.p[i] >= 0x20 &&
		    query.p[i] != 0x7f);
	while (lib_next_word(query, &wi).len > 0)
		words++;
	FUZZ_CHECK(q.nw >= 1 && q.nw <= LIMIT_LIBRARY_QUERY_WORDS &&
	    q.nw <= words);
	/* The engines' syntax first: it holds whatever a stem holds. */
	for (w = 0; w < q.nw; w++)
		for (k = 0; k < 2; k++) {
			FUZZ_CHECK(q.stem[w][k] != NULL);
			check_tsquery(q.tsquery[w][k], q.stem[w][k]);
		}
	check_match(&q);
	for (w = 0; w < q.nw; w++)
		for (k = 0; k < 2; k++) {
			const char *st = q.stem[w][k];

			FUZZ_CHECK(st[0] != '\0');
			FUZZ_CHECK(utf8_valid(st, strlen(st)));
			for (i = 0; st[i]; i++)
				FUZZ_CHECK((unsigned char)st[i] >= 0x80 ||
				    (st[i] >= 'a' && st[i] <= 'z') ||
				    (st[i] >= 'A' && st[i] <= 'Z') ||
				    (st[i] >= '0' && st[i] <= '9'));
		}
	check_fts5(&q, &a);
out:
	arena_release(&a);
}

/* --- the messages --------------------------------------------------------- */

/* search_next_word over all of s; the words onto *words (each
 * NUL-terminated) when words is not NULL. */
static void
check_msg_words(struct str s, struct buf *words)
{
	char word[LIMIT_SEARCH_WORD + 1], again[LIMIT_SEARCH_WORD + 1];
	size_t pos = 0, prev = 0, len, start, end, i;

	for (;;) {
		size_t p2 = 0, l2, s2, e2, before = pos;
		bool got = search_next_word(s, &pos, word, &len, &start, &end);

		if (!got) {
			FUZZ_CHECK(pos == s.len);
			start = s.len;
		} else {
			FUZZ_CHECK(start >= before && start < end &&
			    end == pos && pos <= s.len);
			FUZZ_CHECK(len >= 2 && len <= LIMIT_SEARCH_WORD &&
			    strlen(word) == len);
			FUZZ_CHECK(utf8_valid(word, len));
			for (i = 0; i < len; i++)
				FUZZ_CHECK((unsigned char)word[i] >= 0x80 ||
				    (word[i] >= 'a' && word[i] <= 'z') ||
				    (word[i] >= '0' && word[i] <= '9'));
			/* Normalised again: itself. */
			FUZZ_CHECK(search_next_word((struct str){ word, len },
			    &p2, again, &l2, &s2, &e2));
			FUZZ_CHECK(l2 == len && memcmp(again, word, len) == 0 &&
			    s2 == 0 && e2 == len);
			FUZZ_CHECK(!search_next_word((struct str){ word, len },
			    &p2, again, &l2, &s2, &e2));
			/* Alone: the same word, all of it. */
			p2 = 0;
			FUZZ_CHECK(search_next_word((struct str){ s.p + start,
			    end - start }, &p2, again, &l2, &s2, &e2));
			FUZZ_CHECK(l2 == len && memcmp(again, word, len) == 0 &&
			    s2 == 0 && e2 == end - start);
			if (words)
				buf_add(words, word, len + 1);
		}
		/* Between words: none. */
		p2 = 0;
		FUZZ_CHECK(!search_next_word((struct str){ s.p + prev,
		    start - prev }, &p2, again, &l2, &s2, &e2));
		if (!got)
			break;
		prev = end;
	}
}

static void
check_message_text(struct str body, struct str subject,
    const struct str *names, size_t nnames)
{
	struct buf out = BUF_INIT, plain = BUF_INIT, whole = BUF_INIT,
	    parts = BUF_INIT;
	size_t n, i;

	buf_adds(&out, "before ");
	n = search_message_text(body, subject, names, nnames, &out);
	markdown_plaintext(body, &plain);
	/* "before " + plain + \n subject (+ \n name)... */
	FUZZ_CHECK(n == plain.len && out.len >= 7 + n + 1 + subject.len);
	FUZZ_CHECK(memcmp(out.p, "before ", 7) == 0 &&
	    memcmp(out.p + 7, plain.p, n) == 0);
	i = 7 + n;
	FUZZ_CHECK(out.p[i] == '\n' && memcmp(out.p + i + 1, subject.p,
	    subject.len) == 0);
	i += 1 + subject.len;
	for (n = 0; n < nnames; n++) {
		FUZZ_CHECK(out.p[i] == '\n' && memcmp(out.p + i + 1,
		    names[n].p, names[n].len) == 0);
		i += 1 + names[n].len;
	}
	FUZZ_CHECK(i == out.len);
	/* A message's words: the body's, the subject's, each name's. */
	check_msg_words((struct str){ out.p + 7, out.len - 7 }, &whole);
	check_msg_words(buf_str(&plain), &parts);
	check_msg_words(subject, &parts);
	for (n = 0; n < nnames; n++)
		check_msg_words(names[n], &parts);
	FUZZ_CHECK(whole.len == parts.len &&
	    memcmp(whole.p, parts.p, whole.len) == 0);
	buf_release(&out);
	buf_release(&plain);
	buf_release(&whole);
	buf_release(&parts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str all = { (const char *)data, size }, f[NFIELDS];
	size_t i, start = 0, nf = 0;

	check_lib_words(all);
	check_msg_words(all, NULL);

	for (i = 0; i <= size && nf < NFIELDS; i++)
		if (i == size || data[i] == '\0') {
			f[nf++] = (struct str){ all.p + start, i - start };
			start = i + 1;
		}
	if (f[0].len > LIMIT_LIBRARY_QUERY)
		check_query(f[0]);
	check_query((struct str){ f[0].p, f[0].len > LIMIT_LIBRARY_QUERY ?
	    LIMIT_LIBRARY_QUERY : f[0].len });
	if (size <= LIMIT_MAIL_BODY)
		check_message_text(f[0], nf > 1 ? f[1] : (struct str){ "", 0 },
		    f + 2, nf > 2 ? nf - 2 : 0);
	return 0;
}
