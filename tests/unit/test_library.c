/*
 * test_library.c - the psycho-education library (src/library): items,
 * publishing and sharing, search with stemming in Dutch and English, one
 * organisation's private items invisible to another (search and authz),
 * a client's own list with its access-log entries, input refused with
 * reasons, the readability warning.  On SQLite and, with INFUUS_TEST_PG,
 * on PostgreSQL: the same assertions on both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "assistant/assistant.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "library/lib_int.h"
#include "library/library.h"
#include "store/db.h"
#include "testdb.h"

#define SHARE INFUUS_SOURCE_ROOT "/share"
#define NOW ((time_t)2000000000)

/* OTHER_* work in the second organisation. */
enum { PRO, CLIENT, ADMIN, OTHER_PRO, OTHER_CLIENT, OTHER_ADMIN, NPEOPLE };

static const struct {
	const char *name;
	enum role role;
	int org2;
} people[NPEOPLE] = {
	[PRO] = { "Pro", ROLE_PROFESSIONAL, 0 },
	[CLIENT] = { "Client", ROLE_CLIENT, 0 },
	[ADMIN] = { "Admin", ROLE_ADMIN, 0 },
	[OTHER_PRO] = { "Other Pro", ROLE_PROFESSIONAL, 1 },
	[OTHER_CLIENT] = { "Other Client", ROLE_CLIENT, 1 },
	[OTHER_ADMIN] = { "Other Admin", ROLE_ADMIN, 1 },
};

struct group {
	struct testdb *t;
	struct db *db;
	struct keyring *kr;
	struct assistant *as;
	int64_t uid[NPEOPLE];
	int64_t org, org2;
};

struct fx {
	struct group *g;
	struct arena a;
};

static int64_t
org_of(struct group *g, int who)
{
	return people[who].org2 ? g->org2 : g->org;
}

static struct audit_event
ev_for(struct fx *fx, int who)
{
	struct audit_event ev = {
		.org_id = org_of(fx->g, who),
		.outcome = AUDIT_SUCCESS,
		.actor_id = fx->g->uid[who],
		.role = role_name(people[who].role),
		.purpose = people[who].role == ROLE_CLIENT ? "client-self" :
		    "care",
		.address = "192.0.2.9",
		.device = "test",
		.kind = "library",
		.node = "node-a",
	};

	return ev;
}

static struct principal
as_who(struct fx *fx, int who)
{
	struct principal p = { fx->g->uid[who], org_of(fx->g, who),
	    people[who].role, true };

	return p;
}

/* A draft by who; asserts it is made. */
static int64_t
draft(struct fx *fx, int who, const char *title, const char *body,
    const char *lang)
{
	struct audit_event ev = ev_for(fx, who);
	struct lib_input in = {
		.title = str_c(title),
		.summary = str_c("Kort."),
		.body = str_c(body),
		.tags = str_c("Stress, slaap"),
		.audience = "clients",
		.lang = lang,
		.level = "",
	};
	struct why why = { 0 };
	int64_t id = 0;

	assert_int_equal(lib_create(fx->g->db, org_of(fx->g, who),
	    fx->g->uid[who], &in, NOW, &ev, &why, &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t
published(struct fx *fx, int who, const char *title, const char *body,
    const char *lang)
{
	struct audit_event ev = ev_for(fx, who);
	int64_t id = draft(fx, who, title, body, lang);

	assert_int_equal(lib_publish(fx->g->db, fx->g->as, id, true, NOW,
	    &ev), 0);
	return id;
}

/* How many results org's search for q gives, and whether id is one. */
static size_t
found(struct fx *fx, int64_t org, const char *q, int64_t id, bool *hit)
{
	struct lib_found f;
	struct why why = { 0 };
	size_t i;

	assert_int_equal(lib_search(fx->g->db, fx->g->as, org, str_c(q), 0,
	    &fx->a, &why, &f), 0);
	*hit = false;
	for (i = 0; i < f.n; i++)
		if (f.v[i].id == id)
			*hit = true;
	return f.n;
}

static bool
finds(struct fx *fx, int64_t org, const char *q, int64_t id)
{
	bool hit;

	(void)found(fx, org, q, id, &hit);
	return hit;
}

/* --- tests ------------------------------------------------------------------ */

static void
test_search_stems_dutch_and_english(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	int64_t nl, en;

	nl = published(fx, PRO, "Omgaan met gepieker",
	    "Veel mensen piekeren 's avonds. Ik pieker ook wel eens over "
	    "gesprekken met mijn leidinggevende.", "nl");
	en = published(fx, PRO, "Dealing with worry",
	    "Most people have worries at night. Writing them down helps "
	    "before the meetings of the next day.", "en");
	/* Dutch: the infinitive finds the first person, the plural the
	 * singular; English: -ing finds -ies, and the other way round. */
	assert_true(finds(fx, g->org, "piekeren", nl));
	assert_true(finds(fx, g->org, "pieker", nl));
	assert_true(finds(fx, g->org, "gesprek", nl));
	assert_true(finds(fx, g->org, "worrying", en));
	assert_true(finds(fx, g->org, "worries", en));
	assert_true(finds(fx, g->org, "meeting", en));
	/* Case and tags are words too. */
	assert_true(finds(fx, g->org, "SLAAP", nl));
	/* Every word must match: a Dutch and an English word of two texts
	 * find neither. */
	assert_false(finds(fx, g->org, "piekeren worrying", nl));
	assert_false(finds(fx, g->org, "piekeren worrying", en));
	assert_true(finds(fx, g->org, "gesprekken leidinggevende", nl));
	/* A word in neither finds nothing. */
	assert_false(finds(fx, g->org, "olifant", nl));

	/* Forms of a verb: "werken" finds "werkt", "worries" finds
	 * "worrying" (the stems of both, in the item's language). */
	nl = published(fx, PRO, "Avonden", "Wie te lang doorgaat, werkt "
	    "zich moe en loopt vast.", "nl");
	en = published(fx, PRO, "Evenings", "Worrying about the day keeps "
	    "you awake.", "en");
	assert_true(finds(fx, g->org, "werken", nl));
	assert_true(finds(fx, g->org, "werkte", nl));
	assert_true(finds(fx, g->org, "lopen", nl));
	assert_true(finds(fx, g->org, "worries", en));
	assert_true(finds(fx, g->org, "worried", en));
}

/* The results of org's search for q, the best first. */
static size_t
results(struct fx *fx, int64_t org, const char *q, struct lib_item **v)
{
	struct lib_found f;
	struct why why = { 0 };

	assert_int_equal(lib_search(fx->g->db, fx->g->as, org, str_c(q), 0,
	    &fx->a, &why, &f), 0);
	*v = f.v;
	return f.n;
}

/* Results come a page at a time: every match on one page only, in the
 * ranking's order across the pages, "more" while a next page holds any;
 * past the matches ranked a page is refused (the bad-input test). */
static void
test_search_pages_through_the_results(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	enum { N = 2 * LIMIT_LIBRARY_RESULTS + 3 };
	int64_t ids[N], title;
	struct lib_found f;
	struct why why = { 0 };
	int seen[N] = { 0 }, page, i, k, total = 0;

	for (i = 0; i < N; i++)
		ids[i] = published(fx, PRO, "Op het water", "Een zeilboot op "
		    "het meer, in de wind.", "nl");
	/* The newest, with the word in its title, ranks first. */
	title = published(fx, PRO, "De zeilboot", "Een tekst over varen.",
	    "nl");
	for (page = 0; page < 3; page++) {
		assert_int_equal(lib_search(g->db, g->as, g->org,
		    str_c("zeilboot"), page, &fx->a, &why, &f), 0);
		assert_int_equal(f.n, page < 2 ? LIMIT_LIBRARY_RESULTS :
		    N + 1 - 2 * LIMIT_LIBRARY_RESULTS);
		assert_int_equal(f.more, page < 2);
		if (page == 0)
			assert_int_equal(f.v[0].id, title);
		for (k = 0; k < (int)f.n; k++) {
			for (i = 0; i < N; i++)
				if (f.v[k].id == ids[i])
					seen[i]++;
			/* The rest rank alike: the oldest first. */
			if (k > 0 && (page > 0 || k > 1))
				assert_true(f.v[k].id > f.v[k - 1].id);
			total++;
		}
	}
	assert_int_equal(total, N + 1);
	for (i = 0; i < N; i++)
		assert_int_equal(seen[i], 1);
	/* A page past the results is empty, not an error. */
	assert_int_equal(lib_search(g->db, g->as, g->org, str_c("zeilboot"),
	    3, &fx->a, &why, &f), 0);
	assert_int_equal(f.n, 0);
	assert_false(f.more);
}

static void
test_search_ranks_a_title_above_the_text(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct lib_item *v;
	int64_t body, title;

	/* The text-only match first (the lower id, the older), twice in
	 * its text; the title match after it. */
	body = published(fx, PRO, "Onderweg", "Een kompas wijst de weg. Met "
	    "een kompas verdwaal je minder snel.", "nl");
	title = published(fx, PRO, "Het kompas", "Een tekst over richting "
	    "kiezen in je leven.", "nl");
	assert_int_equal(results(fx, g->org, "kompas", &v), 2);
	assert_int_equal(v[0].id, title);
	assert_int_equal(v[1].id, body);
	/* The same in English, asked with another form of the word. */
	body = published(fx, PRO, "On the road", "A lighthouse shows the "
	    "way; lighthouses guide ships at night.", "en");
	title = published(fx, PRO, "Lighthouses", "About finding your way.",
	    "en");
	assert_int_equal(results(fx, g->org, "lighthouse", &v), 2);
	assert_int_equal(v[0].id, title);
	assert_int_equal(v[1].id, body);
}

static void
test_search_syntax_is_only_words(void **state)
{
	/* What FTS5's MATCH or a tsquery would read as operators (quotes,
	 * prefix *, NEAR, NOT -, columns :, groups, &, |, !, <->, weights):
	 * here they end words, and no search is an error. */
	static const char *const finding[] = {
		"\"kompas", "kompas*", "-kompas", "kompas:*", "(kompas)",
		"{kompas}:", "kompas'", "'kompas'", "kompas\\",
		"kompas & !", "kompas | ", "^kompas", "kompas:", "kompas;--",
		"kompas NEAR", "NEAR(kompas)", "kompas AND", "OR kompas",
		"kompas <-> ", "kompas%", "kompas_", "«kompas»",
	};
	static const char *const nothing[] = {
		"kompas NOT olifant", "title:kompas", "kompas OR olifant",
		"kompas\" OR \"olifant", "kompas' | 'olifant", "kompas\\ olifant",
		"x'); DROP TABLE library_items; --",
	};
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct lib_item *v;
	size_t i;
	int64_t id;

	/* The operators' names are words of the text too: found as such. */
	id = published(fx, PRO, "Kompas", "Richting kiezen: near and far, "
	    "or not.", "nl");
	for (i = 0; i < sizeof(finding) / sizeof(finding[0]); i++) {
		if (!finds(fx, g->org, finding[i], id))
			fail_msg("%s: not found", finding[i]);
	}
	/* Every word must match: no OR, no NOT. */
	for (i = 0; i < sizeof(nothing) / sizeof(nothing[0]); i++)
		assert_int_equal(results(fx, g->org, nothing[i], &v), 0);
	assert_true(testdb_i64(g->db, "SELECT COUNT(*) FROM library_items",
	    0, 0, 0) > 0);
}

/* What lib_search hands the engines (lib_query): stems only, each an
 * FTS5 string under the caller's and the shared scope and a tsquery
 * text, whatever operators the query holds. */
static void
test_a_query_reaches_the_engines_as_quoted_stems(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct lib_query q;
	struct why why;
	struct str s = str_c("NEAR(\"x*\xff\xc3\xa9\xc3\xa9n)");
	struct str w;
	size_t i = 0;

	/* Words end at syntax and at a byte that is not UTF-8. */
	w = lib_next_word(s, &i);
	assert_int_equal(w.len, 4);
	assert_memory_equal(w.p, "NEAR", 4);
	w = lib_next_word(s, &i);
	assert_int_equal(w.len, 1);
	assert_memory_equal(w.p, "x", 1);
	w = lib_next_word(s, &i);
	assert_int_equal(w.len, 5);
	assert_memory_equal(w.p, "\xc3\xa9\xc3\xa9n", 5);
	assert_int_equal(lib_next_word(s, &i).len, 0);
	assert_int_equal(i, s.len);

	assert_int_equal(lib_query(g->as, str_c("Kompas* title:werkt"), 17,
	    &fx->a, &why, &q), 0);
	assert_int_equal(q.nw, 3);
	assert_string_equal(q.match, "(\"o17\u00a7kompas\" OR "
	    "\"o17\u00a7kompa\" OR \"s\u00a7kompas\" OR \"s\u00a7kompa\") AND "
	    "(\"o17\u00a7titl\" OR \"s\u00a7titl\") AND (\"o17\u00a7werk\" OR "
	    "\"o17\u00a7werkt\" OR \"s\u00a7werk\" OR \"s\u00a7werkt\")");
	assert_string_equal(q.stem[2][0], "werk");
	assert_string_equal(q.stem[2][1], "werkt");
	assert_string_equal(q.tsquery[2][0], "'werk'");
	assert_string_equal(q.tsquery[2][1], "'werkt'");
	assert_string_equal(q.tsquery[1][1], "'titl'");

	assert_int_equal(lib_query(g->as, str_c("\" * : ( ) ^"), 17, &fx->a,
	    &why, &q), ERR_INVAL);
	assert_int_equal(lib_query(g->as, str_c("a b c d e f g h i"), 17,
	    &fx->a, &why, &q), ERR_TOOMANY);
	assert_int_equal(lib_query(g->as, str_c("een\r\ntwee"), 17, &fx->a,
	    &why, &q), ERR_INVAL);
}

/* The assistant's stemmers undouble a final letter byte by byte; a
 * character whose last two bytes are equal ("\u3041" is e3 81 81) must
 * not come out cut, or PostgreSQL refuses the index row and the query.
 * Found by fuzz/fuzz_search.c. */
static void
test_a_stem_is_whole_characters(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	const char *word = "kop\xe3\x81\x81" "en";
	struct lib_query q;
	struct why why;
	int64_t id;

	assert_int_equal(lib_query(g->as, str_c(word), g->org, &fx->a, &why,
	    &q), 0);
	assert_int_equal(q.nw, 1);
	assert_true(utf8_valid(q.stem[0][0], strlen(q.stem[0][0])));
	assert_true(utf8_valid(q.stem[0][1], strlen(q.stem[0][1])));
	id = published(fx, PRO, "Kop", "Een kop\xe3\x81\x81" "en vol.", "nl");
	assert_true(finds(fx, g->org, word, id));
}

static void
test_the_index_is_made_again_from_the_items(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	size_t done = 0;
	int64_t id;

	id = published(fx, PRO, "Ontspanning", "Adem rustig in en uit.", "nl");
	(void)draft(fx, PRO, "Concept", "Nog niet af.", "nl");
	assert_true(finds(fx, g->org, "ontspanning", id));
	/* A database from before 091 (or one that lost its index rows):
	 * the start indexes the published items, drafts stay out. */
	testdb_write(g->db, "DELETE FROM library_fts", 0, 0, 0);
	assert_false(finds(fx, g->org, "ontspanning", id));
	assert_int_equal(lib_reindex(g->db, g->as, &done), 0);
	assert_true(done > 0);
	assert_int_equal(testdb_i64(g->db, "SELECT COUNT(*) FROM "
	    "library_items WHERE published_at > 0", 0, 0, 0), (int64_t)done);
	assert_true(finds(fx, g->org, "ontspanning", id));
	assert_false(finds(fx, g->org, "concept", id));
	/* Nothing left to do the second time; merging keeps what it finds. */
	assert_int_equal(lib_reindex(g->db, g->as, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(lib_index_merge(g->db), 0);
	assert_true(finds(fx, g->org, "ontspanning", id));
}

static void
test_drafts_are_not_found_and_withdrawal_unindexes(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct audit_event ev = ev_for(fx, PRO);
	int64_t id;

	id = draft(fx, PRO, "Slaaphygiëne", "Regelmatig slapen helpt.", "nl");
	assert_false(finds(fx, g->org, "slapen", id));
	assert_int_equal(lib_publish(g->db, g->as, id, true, NOW, &ev), 0);
	assert_true(finds(fx, g->org, "slapen", id));
	/* An edit of a published item: the index follows the new text. */
	{
		struct lib_input in = {
			.title = str_c("Slaaphygiëne"),
			.summary = str_c("Kort."),
			.body = str_c("Regelmatig wandelen helpt."),
			.tags = str_c(""), .audience = "clients", .lang = "nl",
			.level = "A2",
		};
		struct why why = { 0 };
		struct lib_item it;

		assert_int_equal(lib_update(g->db, g->as, id, &in, NOW, &ev,
		    &why), 0);
		assert_false(finds(fx, g->org, "slapen", id));
		assert_true(finds(fx, g->org, "wandelen", id));
		assert_int_equal(lib_get(g->db, id, &fx->a, &it), 0);
		assert_int_equal(it.level, LIB_A2);
		assert_true(it.published_at > 0);
	}
	assert_int_equal(lib_publish(g->db, g->as, id, false, NOW, &ev), 0);
	assert_false(finds(fx, g->org, "wandelen", id));
	assert_int_equal(testdb_i64(g->db, db_kind(g->db) == DB_POSTGRES ?
	    "SELECT COUNT(*) FROM library_fts WHERE item_id = ?" :
	    "SELECT COUNT(*) FROM library_fts WHERE rowid = ?", 1, id, 0), 0);
}

static void
test_private_items_stay_in_their_organisation(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct audit_event ev = ev_for(fx, OTHER_ADMIN);
	struct principal pro = as_who(fx, PRO), cli = as_who(fx, CLIENT);
	struct why why = { 0 };
	struct lib_item *v;
	size_t n, i;
	int64_t id, mine;

	id = published(fx, OTHER_PRO, "Geheim piekeren",
	    "Een eigen tekst over piekeren en zorgen.", "nl");
	mine = published(fx, PRO, "Eigen piekeren",
	    "Onze tekst over piekeren.", "nl");
	/* The other organisation's private item: not found, not listed,
	 * not readable (and not told apart from one that does not exist). */
	assert_false(finds(fx, g->org, "piekeren", id));
	assert_true(finds(fx, g->org, "piekeren", mine));
	assert_true(finds(fx, g->org2, "piekeren", id));
	assert_false(finds(fx, g->org2, "piekeren", mine));
	assert_int_equal(lib_list(g->db, g->org, true, &fx->a, &v, &n), 0);
	for (i = 0; i < n; i++)
		assert_int_not_equal(v[i].id, id);
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_READ, AUTHZ_LIBRARY,
	    id), ERR_NOTFOUND);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_READ, AUTHZ_LIBRARY,
	    id), ERR_NOTFOUND);

	/* Shared by its administrator: found and readable everywhere, but
	 * changed only at home. */
	assert_int_equal(lib_share(g->db, g->as, id, true, &ev, &why), 0);
	assert_true(finds(fx, g->org, "piekeren", id));
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_READ, AUTHZ_LIBRARY,
	    id), 0);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_READ, AUTHZ_LIBRARY,
	    id), 0);
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_UPDATE, AUTHZ_LIBRARY,
	    id), ERR_FORBIDDEN);
	assert_int_equal(lib_list(g->db, g->org, false, &fx->a, &v, &n), 0);
	assert_true(n > 0);

	/* Back to a draft: private again, and no longer shared. */
	assert_int_equal(lib_publish(g->db, g->as, id, false, NOW, &ev), 0);
	assert_false(finds(fx, g->org, "piekeren", id));
	assert_false(finds(fx, g->org2, "piekeren", id));
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_READ, AUTHZ_LIBRARY,
	    id), ERR_NOTFOUND);
	assert_int_equal(lib_publish(g->db, g->as, id, true, NOW, &ev), 0);
	assert_false(finds(fx, g->org, "piekeren", id));
	assert_true(finds(fx, g->org2, "piekeren", id));
	/* A draft cannot be shared. */
	assert_int_equal(lib_publish(g->db, g->as, id, false, NOW, &ev), 0);
	assert_int_equal(lib_share(g->db, g->as, id, true, &ev, &why),
	    ERR_INVAL);
	assert_non_null(why.msg);
}

static void
test_who_may_do_what(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct principal pro = as_who(fx, PRO), cli = as_who(fx, CLIENT),
	    adm = as_who(fx, ADMIN);
	int64_t d, p;

	d = draft(fx, PRO, "Concept", "Nog niet klaar.", "nl");
	p = published(fx, PRO, "Klaar", "Gepubliceerd.", "nl");
	/* Staff read and change both; only an administrator shares. */
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_READ, AUTHZ_LIBRARY,
	    d), 0);
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_UPDATE, AUTHZ_LIBRARY,
	    d), 0);
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_ADMIN, AUTHZ_LIBRARY,
	    p), ERR_FORBIDDEN);
	assert_int_equal(authz_check(g->db, &adm, AUTHZ_ADMIN, AUTHZ_LIBRARY,
	    p), 0);
	/* A client: published items only, and only to read. */
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_READ, AUTHZ_LIBRARY,
	    d), ERR_NOTFOUND);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_READ, AUTHZ_LIBRARY,
	    p), 0);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_UPDATE, AUTHZ_LIBRARY,
	    p), ERR_FORBIDDEN);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_READ, AUTHZ_LIBRARY,
	    999999), ERR_NOTFOUND);
}

static void
test_bad_input_is_refused_with_reasons(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct audit_event ev = ev_for(fx, PRO);
	struct lib_input in = {
		.title = str_c("Titel"), .summary = str_c("Kort."),
		.body = str_c("Tekst."), .tags = str_c(""),
		.audience = "clients", .lang = "nl", .level = "B1",
	};
	struct lib_found f;
	struct why why;
	struct buf big = BUF_INIT;
	int64_t id;

#define REFUSED(err, fld) do { \
	memset(&why, 0, sizeof(why)); \
	assert_int_equal(lib_create(g->db, g->org, g->uid[PRO], &in, NOW, \
	    &ev, &why, &id), err); \
	assert_non_null(why.msg); \
	assert_string_equal(why.field, fld); \
	in.title = str_c("Titel"); in.summary = str_c("Kort."); \
	in.body = str_c("Tekst."); in.tags = str_c(""); \
	in.audience = "clients"; in.lang = "nl"; in.level = "B1"; \
} while (0)

	in.title = str_c("  ");
	REFUSED(ERR_INVAL, "title");
	in.title = str_c("a\x01" "b");
	REFUSED(ERR_INVAL, "title");
	in.summary = str_c("");
	REFUSED(ERR_INVAL, "summary");
	in.body = str_c("");
	REFUSED(ERR_INVAL, "body");
	while (big.len <= LIMIT_LIBRARY_BODY)
		buf_adds(&big, "Een zin die te lang doorgaat. ");
	in.body = (struct str){ big.p, big.len };
	REFUSED(ERR_TOOBIG, "body");
	in.tags = str_c("a,b,c,d,e,f,g,h,i,j,k");
	REFUSED(ERR_TOOMANY, "tags");
	in.audience = "everybody";
	REFUSED(ERR_INVAL, "audience");
	in.lang = "de";
	REFUSED(ERR_INVAL, "lang");
	in.level = "C2";
	REFUSED(ERR_INVAL, "level");
#undef REFUSED

	memset(&why, 0, sizeof(why));
	assert_int_equal(lib_search(g->db, g->as, g->org, str_c(" ,. "), 0,
	    &fx->a, &why, &f), ERR_INVAL);
	assert_string_equal(why.field, "q");
	assert_int_equal(lib_search(g->db, g->as, g->org,
	    str_c("een twee drie vier vijf zes zeven acht negen"), 0, &fx->a,
	    &why, &f), ERR_TOOMANY);
	assert_non_null(why.msg);
	memset(&why, 0, sizeof(why));
	assert_int_equal(lib_search(g->db, g->as, g->org, str_c(""), 0,
	    &fx->a, &why, &f), ERR_INVAL);
	assert_non_null(why.msg);
	/* One byte over the limit, in short words that would each be
	 * fine. */
	memset(&why, 0, sizeof(why));
	buf_reset(&big);
	while (big.len <= LIMIT_LIBRARY_QUERY)
		buf_adds(&big, "ab ");
	assert_int_equal(lib_search(g->db, g->as, g->org,
	    (struct str){ big.p, LIMIT_LIBRARY_QUERY + 1 }, 0, &fx->a, &why,
	    &f), ERR_TOOBIG);
	assert_string_equal(why.field, "q");
	assert_int_equal(why.limit, LIMIT_LIBRARY_QUERY);
	buf_release(&big);
	/* A page before the first or past the last that a search ranks. */
	memset(&why, 0, sizeof(why));
	assert_int_equal(lib_search(g->db, g->as, g->org, str_c("tekst"), -1,
	    &fx->a, &why, &f), ERR_INVAL);
	assert_string_equal(why.field, "page");
	memset(&why, 0, sizeof(why));
	assert_int_equal(lib_search(g->db, g->as, g->org, str_c("tekst"),
	    LIMIT_LIBRARY_PAGES, &fx->a, &why, &f), ERR_INVAL);
	assert_string_equal(why.field, "page");
	assert_int_equal(why.limit, LIMIT_LIBRARY_PAGES);
	assert_int_equal(lib_search(g->db, g->as, g->org, str_c("tekst"),
	    LIMIT_LIBRARY_PAGES - 1, &fx->a, &why, &f), 0);
}

static void
test_a_clients_list_is_logged(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct audit_event ev = ev_for(fx, CLIENT), aev = ev_for(fx, ADMIN);
	struct lib_item *v;
	struct why why = { 0 };
	int64_t a, b, before;
	bool kept;
	size_t n;

	a = published(fx, PRO, "Ademhaling", "Adem rustig in en uit.", "nl");
	b = published(fx, PRO, "Beweging", "Elke dag wandelen.", "nl");
	before = testdb_i64(g->db, "SELECT COUNT(*) FROM audit_log WHERE "
	    "kind = 'library-list' AND client_id = ?", 1, g->uid[CLIENT], 0);
	assert_int_equal(lib_keep(g->db, g->uid[CLIENT], g->org, a, true, NOW,
	    &ev), 0);
	assert_int_equal(lib_keep(g->db, g->uid[CLIENT], g->org, b, true,
	    NOW + 1, &ev), 0);
	/* Keeping twice keeps once. */
	assert_int_equal(lib_keep(g->db, g->uid[CLIENT], g->org, b, true,
	    NOW + 2, &ev), 0);
	assert_int_equal(lib_is_kept(g->db, g->uid[CLIENT], a, &kept), 0);
	assert_true(kept);
	assert_int_equal(lib_kept(g->db, g->uid[CLIENT], g->org, &ev, &fx->a,
	    &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, b);
	/* Taken out, and a withdrawn item drops out of the list. */
	assert_int_equal(lib_keep(g->db, g->uid[CLIENT], g->org, b, false, NOW,
	    &ev), 0);
	assert_int_equal(lib_publish(g->db, g->as, a, false, NOW, &aev), 0);
	assert_int_equal(lib_kept(g->db, g->uid[CLIENT], g->org, &ev, &fx->a,
	    &v, &n), 0);
	assert_int_equal(n, 0);
	/* Each keep, removal and read of the list is in the access log,
	 * as the client's data. */
	assert_int_equal(testdb_i64(g->db, "SELECT COUNT(*) FROM audit_log "
	    "WHERE kind = 'library-list' AND client_id = ?", 1,
	    g->uid[CLIENT], 0) - before, 6);
	(void)why;
}

static void
test_readability_warns_above_the_level(void **state)
{
	struct fx *fx = *state;
	struct group *g = fx->g;
	struct lib_item it = { 0 };
	double score, min;
	bool hard;

	it.lang = "nl";
	it.level = LIB_A2;
	it.body = "Onze organisatieontwikkelingsdoelstellingen vereisen "
	    "interdisciplinaire samenwerkingsverbanden tussen "
	    "beleidsmedewerkers, implementatiedeskundigen en "
	    "procesbegeleiders, teneinde de kwaliteitsverbeteringstrajecten "
	    "binnen de geestelijke gezondheidszorginstellingen "
	    "systematisch te evalueren en te optimaliseren, waarbij "
	    "verantwoordingsinformatie structureel wordt "
	    "gedocumenteerd en geanalyseerd.";
	lib_readability(g->as, &it, &fx->a, &score, &min, &hard);
	assert_true(hard);
	assert_true(score < min);
	/* The same text for professionals (C1) warns nobody. */
	it.level = LIB_C1;
	lib_readability(g->as, &it, &fx->a, &score, &min, &hard);
	assert_false(hard);
	/* A plain text at A2 is fine. */
	it.level = LIB_A2;
	it.body = "Je slaapt slecht. Dat is vervelend. Ga elke dag op "
	    "dezelfde tijd naar bed. Drink geen koffie na vier uur. Doe "
	    "het licht uit. Leg je telefoon weg. Zo rust je beter uit.";
	lib_readability(g->as, &it, &fx->a, &score, &min, &hard);
	assert_false(hard);
}

/* --- fixture and main -------------------------------------------------------- */

static int
group_open(struct group *g)
{
	char email[128], tag[16];
	int i, rc;

	testdb_run_tag(tag, sizeof(tag));
	if ((rc = assistant_load(SHARE, &g->as)) != 0) {
		fprintf(stderr, "assistant_load: %s\n", err_msg(rc));
		return -1;
	}
	if ((rc = keyring_new(g->t->key, &g->kr)) != 0 ||
	    (rc = keyring_start(g->kr, g->db)) != 0) {
		fprintf(stderr, "keyring: %s\n", err_msg(rc));
		return -1;
	}
	if ((rc = org_create(g->db, g->kr, "Praktijk", "praktijk",
	    "Europe/Amsterdam", &g->org)) != 0 ||
	    (rc = org_create(g->db, g->kr, "Elders", "elders",
	    "Europe/Amsterdam", &g->org2)) != 0) {
		fprintf(stderr, "org_create: %s\n", err_msg(rc));
		return -1;
	}
	for (i = 0; i < NPEOPLE; i++) {
		snprintf(email, sizeof(email), "l%d-%s@example.org", i, tag);
		g->uid[i] = testdb_add_user(g->db, email, people[i].name);
		if ((rc = member_add(g->db, org_of(g, i), g->uid[i],
		    people[i].role)) != 0) {
			fprintf(stderr, "member_add: %s\n", err_msg(rc));
			return -1;
		}
	}
	return 0;
}

static void
group_close(struct group *g)
{
	if (g->kr)
		keyring_free(g->kr);
	if (g->as)
		assistant_free(g->as);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->g = *state;
	arena_init(&fx->a);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	arena_release(&fx->a);
	free(fx);
	return 0;
}

#define DB_TEST(f) cmocka_unit_test_prestate_setup_teardown(f, setup, \
    teardown, g)

static int
run(const char *name, struct testdb *t)
{
	struct group gs = { 0 }, *g = &gs;
	int failed = 1;

	g->t = t;
	g->db = t->db;
	if (group_open(g) == 0) {
		const struct CMUnitTest tests[] = {
			DB_TEST(test_search_stems_dutch_and_english),
			DB_TEST(test_search_ranks_a_title_above_the_text),
			DB_TEST(test_search_syntax_is_only_words),
			DB_TEST(test_a_query_reaches_the_engines_as_quoted_stems),
			DB_TEST(test_a_stem_is_whole_characters),
			DB_TEST(test_the_index_is_made_again_from_the_items),
			DB_TEST(test_drafts_are_not_found_and_withdrawal_unindexes),
			DB_TEST(test_private_items_stay_in_their_organisation),
			DB_TEST(test_who_may_do_what),
			DB_TEST(test_search_pages_through_the_results),
			DB_TEST(test_bad_input_is_refused_with_reasons),
			DB_TEST(test_a_clients_list_is_logged),
			DB_TEST(test_readability_warns_above_the_level),
		};

		failed = cmocka_run_group_tests_name(name, tests, NULL, NULL);
	}
	group_close(g);
	return failed;
}

int
main(void)
{
	if (crypto_init() != 0)
		return 1;
	return testdb_run_backends("library", 0, run) != 0;
}
