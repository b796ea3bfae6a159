/*
 * library.h - the psycho-education library (issue 12, "Library"): an
 * organisation's articles for clients, professionals and employers, in
 * Dutch or English at a reading level, drafts and published ones, found
 * by full-text search with stemming; a published item may be shared with
 * every organisation by an administrator; a professional sends an item to
 * a client (the web layer posts the message through src/message); a
 * client keeps items in a list of their own.
 *
 * Who may see what (authz decides from lib_facts_on):
 *   - the organisation's professionals and administrators: all its items,
 *     drafts too; they write and publish them; only an administrator
 *     shares or stops sharing;
 *   - every organisation's professionals and administrators: published
 *     items that are shared;
 *   - a client: published items of their organisation and shared ones;
 *   - a private item (not shared) is never visible to another
 *     organisation, not even through search.
 *
 * Library content is the organisation's own material and names no client,
 * so it is stored plain and searched through a plain index; reading it is
 * not logged.  Changes are (kind "library"), and so is what touches a
 * client: an item sent to them (the message's own entry), kept in or
 * taken from their list and that list read (kind "library-list").
 *
 * Search: the engines' own full-text search fed with our stems
 * (lib_index.c says how and why).  The words of a published item's title
 * and of its summary, tags and text are stemmed in the item's language by
 * the writing assistant's stemmer (assistant_stem: Dutch and English,
 * after the Snowball stemmers' ideas) and indexed as text in library_fts:
 * an FTS5 table on SQLite, a tsvector with a GIN index on PostgreSQL.  A
 * query's words are stemmed in both languages, so a Dutch or an English
 * query finds "piekeren" / "pieker", "werken" / "werkt" and "worrying" /
 * "worries"; the results are ranked (SQLite: tf_bm25, bm25 without its
 * document frequency and length normalisation; PostgreSQL: ts_rank, which
 * has neither either), a title match above a match in the text only,
 * among the first LIMIT_LIBRARY_SCAN matches the caller may see (SQLite
 * finds only those: the index holds each stem under its item's scope,
 * organisation or shared).  The same C
 * code makes the stems on both backends, so both find the same items (a
 * Dutch to_tsvector would stem differently from whatever SQLite did, and
 * FTS5 has no Dutch stemmer).
 *
 * Readability: every item shows its score (assistant_readability); a text
 * whose score is below its reading level's minimum warns its author.
 *
 * Time: `now` arguments are Unix seconds; 0 means the current time.
 *
 * Tables: library_items, library_kept (090_library.sql), library_fts
 * (091_library_fts.sql).
 */
#ifndef INFUUS_LIBRARY_H
#define INFUUS_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

struct db;
struct db_conn;
struct assistant;
struct audit_event;

enum lib_audience {
	LIB_CLIENTS,
	LIB_PROFESSIONALS,
	LIB_EMPLOYERS,
	LIB_NAUDIENCES
};

/* Reading levels (CEFR), easiest first. */
enum lib_level {
	LIB_A2,
	LIB_B1,
	LIB_B2,
	LIB_C1,
	LIB_NLEVELS
};

/* "clients", ...; "A2", ...; and back (ERR_INVAL for anything else). */
const char *lib_audience_name(enum lib_audience a);
int lib_audience_parse(const char *s, enum lib_audience *out);
const char *lib_level_name(enum lib_level l);
int lib_level_parse(const char *s, enum lib_level *out);
/* The level an audience reads by default: clients and employers B1,
 * professionals C1. */
enum lib_level lib_audience_level(enum lib_audience a);

struct lib_item {
	int64_t id;
	int64_t org_id;
	const char *kind;          /* "article", "video" or "audio" */
	int64_t media_id;          /* video, audio: the file played (lib_get) */
	const char *title;
	const char *summary;
	const char *body;          /* Markdown */
	const char *tags;          /* "angst,slaap": lower case, by commas */
	enum lib_audience audience;
	const char *lang;          /* "nl" or "en" */
	enum lib_level level;
	int64_t published_at;      /* 0: a draft */
	bool shared;
	int64_t created_by;
	int64_t created_at;
	int64_t updated_at;
	int64_t kept_at;           /* lib_kept: when the client kept it */
};

/* An item as written in the form. */
struct lib_input {
	struct str title;          /* 1..LIMIT_LIBRARY_TITLE characters */
	struct str summary;        /* 1..LIMIT_LIBRARY_SUMMARY characters */
	struct str body;           /* 1..LIMIT_LIBRARY_BODY bytes, Markdown */
	struct str tags;           /* words by commas; may be empty */
	const char *audience;      /* lib_audience_name's */
	const char *lang;          /* "nl" / "en" */
	const char *level;         /* lib_level_name's; "" the audience's */
	const char *kind;          /* "article" (also NULL, ""), "video",
	                            * "audio": the body is the transcript */
	int64_t media_id;          /* video, audio: a film or sound of the
	                            * item's organisation (media store) */
};

/*
 * A new draft in org_id's library, by author_id (a professional or an
 * administrator of it: the route checks).  ERR_INVAL / ERR_TOOBIG with a
 * reason in why (fields title, summary, body, tags, audience, lang,
 * level, kind, media: a video or audio item names a film or a sound of
 * org_id's media, media_info_on); ERR_TOOMANY past LIMIT_LIBRARY_ITEMS.  Logged (C, "library").
 */
int lib_create(struct db *db, int64_t org_id, int64_t author_id,
    const struct lib_input *in, time_t now, const struct audit_event *ev,
    struct why *why, int64_t *id);
/* A new text for item id (the checks of lib_create); a published item's
 * index follows.  Logged (U, "library", detail "edit"). */
int lib_update(struct db *db, const struct assistant *as, int64_t id,
    const struct lib_input *in, time_t now, const struct audit_event *ev,
    struct why *why);
/* Publish item id (its words indexed) or take it back to a draft (out of
 * the index, and no longer shared).  Logged (U, detail "publish" /
 * "withdraw"). */
int lib_publish(struct db *db, const struct assistant *as, int64_t id,
    bool publish, time_t now, const struct audit_event *ev);
/* Share a published item with every organisation, or stop sharing it
 * (an administrator of its organisation: the route checks).  ERR_INVAL
 * with a reason for a draft.  Logged (U, detail "share" / "unshare"). */
int lib_share(struct db *db, const struct assistant *as, int64_t id,
    bool shared, const struct audit_event *ev, struct why *why);

/* One item (any organisation's: the caller's authz decided). */
int lib_get(struct db *db, int64_t id, struct arena *a, struct lib_item *out);
/* What authz decides an item by, on c: its organisation, whether it is
 * published and shared.  ERR_NOTFOUND. */
int lib_facts_on(struct db_conn *c, int64_t id, int64_t *org_id,
    bool *published, bool *shared);
/* For the media store (media_delete): 1 when a library item shows media
 * file media_id, with *title the item's (in a) when it is org_id's, NULL
 * when another organisation's (a shared file); 0 when none does. */
int lib_uses_media_on(struct db_conn *c, int64_t media_id, int64_t org_id,
    struct arena *a, const char **title);
/* For authz (AUTHZ_MEDIA): does a published shared item play media file
 * media_id?  Then whoever may read that item (anyone signed in) plays it. */
int lib_plays_media_on(struct db_conn *c, int64_t media_id, bool *yes);

/*
 * For an assignment's or a module page's item (a professional picks it,
 * the organisation's client reads it): item id as org_id may show it,
 * read on c into out (in a): published, and org_id's own or shared.
 * ERR_NOTFOUND for anything else (no such item, a draft, another
 * organisation's private item, one withdrawn or no longer shared since),
 * alike, so a caller learns nothing of another organisation's library.
 */
int lib_visible_on(struct db_conn *c, int64_t id, int64_t org_id,
    struct arena *a, struct lib_item *out);
/* The same on a connection of its own (a page showing one item). */
int lib_visible(struct db *db, int64_t id, int64_t org_id, struct arena *a,
    struct lib_item *out);

/* The library as org_id sees it: its own items (drafts too when
 * with_drafts) and the published shared items of other organisations,
 * newest first, at most LIMIT_LIBRARY_LIST. */
int lib_list(struct db *db, int64_t org_id, bool with_drafts,
    struct arena *a, struct lib_item **out, size_t *n);

/* A page of search results. */
struct lib_found {
	struct lib_item *v;     /* n items, the best first */
	size_t n;
	bool more;              /* the next page holds more */
};

/*
 * Search the published items org_id may see (its own and shared ones) for
 * every word of query (stemmed in Dutch and in English): page (from 0) of
 * the results, LIMIT_LIBRARY_RESULTS a page, the best first (a word in
 * the title counts more than one in the text), ranked among the first
 * LIMIT_LIBRARY_SCAN matches.  Anything but letters and digits ends a
 * word: no operators.  ERR_INVAL with a reason for a query without words
 * or a page past LIMIT_LIBRARY_PAGES (field "page"), ERR_TOOBIG for a
 * query over LIMIT_LIBRARY_QUERY bytes, ERR_TOOMANY for more than
 * LIMIT_LIBRARY_QUERY_WORDS words.
 */
int lib_search(struct db *db, const struct assistant *as, int64_t org_id,
    struct str query, int page, struct arena *a, struct why *why,
    struct lib_found *out);

/* Keep item id in client_id's list (org_id: the client's organisation),
 * or take it out (keep false); idempotent.  Logged in the job (C / D,
 * "library-list", the client's data). */
int lib_keep(struct db *db, int64_t client_id, int64_t org_id, int64_t id,
    bool keep, time_t now, const struct audit_event *ev);
/* Is id in client_id's list? */
int lib_is_kept(struct db *db, int64_t client_id, int64_t id, bool *kept);
/* client_id's list, the last kept first, of the items the client may
 * still read (published, their organisation's or shared); logged first
 * (R, "library-list"). */
int lib_kept(struct db *db, int64_t client_id, int64_t org_id,
    const struct audit_event *ev, struct arena *a, struct lib_item **out,
    size_t *n);

/* The readability of an item's text (assistant_readability of its
 * Markdown's plain text, in its language): *score, and *too_hard when the
 * score is below the minimum of its level (A2 simple, B1 standard, B2
 * advanced; C1 has none) on enough words. */
void lib_readability(const struct assistant *as, const struct lib_item *it,
    struct arena *a, double *score, double *min_score, bool *too_hard);

/* At start, after the migrations: index the published items that have
 * no row in the index (all of them after 091 replaced the index of 090);
 * *done (may be NULL) gets how many.  Not logged: no client's data. */
int lib_reindex(struct db *db, const struct assistant *as, size_t *done);
/* After many items were indexed at once (lib_reindex does it itself, an
 * importer and the benchmark after lib_add_published_on): the index made
 * compact for reading.  A write job; takes seconds at 100,000 items. */
int lib_index_merge(struct db *db);

/*
 * For importers and the benchmark, inside a write job on c: an item
 * published at once (no checks beyond the table's: the caller made the
 * text), indexed, not logged.  as stems.
 */
int lib_add_published_on(struct db_conn *c, const struct assistant *as,
    int64_t org_id, const char *title, const char *summary,
    const char *body, const char *lang, bool shared, int64_t now,
    int64_t *id);

#endif
