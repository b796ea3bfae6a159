/*
 * search.c - the blind index (see search.h) and msg_search.
 *
 * Owns the tables search_tokens and search_keys.  Words are normalised
 * here, once, for both indexing and querying, so "Één", "een" and "EEN"
 * meet: ASCII is lower-cased, the letters of Latin-1 and Latin Extended-A
 * are folded to their base letters (é -> e, ĳ -> ij, ß -> ss), combining
 * accents are dropped.
 *
 * XXX: letters of other scripts (Greek, Cyrillic, ...) are kept as typed,
 * not case-folded: a search there is case-sensitive.  Dutch and English,
 * the languages of the platform, are fully covered.
 *
 * The keyed hash is libsodium's crypto_generichash (BLAKE2b) with the
 * organisation's search key, used directly: core/crypto.h has no keyed
 * hash and this is its only user.
 */
#include "message/search.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit/audit.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "keys/keyring.h"
#include "message/markdown.h"
#include "message/message.h"
#include "message/msg_int.h"
#include "store/db.h"
#include "core/banned.h"

/* --- Normalised words ----------------------------------------------------- */

/* Base letters of U+00C0..U+017F; "" for the two signs among them
 * (multiplication and division), which end a word. */
static const char *const fold_latin[0x180 - 0xc0] = {
	/* C0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
	/* C8 */ "e", "e", "e", "e", "i", "i", "i", "i",
	/* D0 */ "d", "n", "o", "o", "o", "o", "o", "",
	/* D8 */ "o", "u", "u", "u", "u", "y", "th", "ss",
	/* E0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
	/* E8 */ "e", "e", "e", "e", "i", "i", "i", "i",
	/* F0 */ "d", "n", "o", "o", "o", "o", "o", "",
	/* F8 */ "o", "u", "u", "u", "u", "y", "th", "y",
	/* 100 */ "a", "a", "a", "a", "a", "a", "c", "c",
	/* 108 */ "c", "c", "c", "c", "c", "c", "d", "d",
	/* 110 */ "d", "d", "e", "e", "e", "e", "e", "e",
	/* 118 */ "e", "e", "e", "e", "g", "g", "g", "g",
	/* 120 */ "g", "g", "g", "g", "h", "h", "h", "h",
	/* 128 */ "i", "i", "i", "i", "i", "i", "i", "i",
	/* 130 */ "i", "i", "ij", "ij", "j", "j", "k", "k",
	/* 138 */ "k", "l", "l", "l", "l", "l", "l", "l",
	/* 140 */ "l", "l", "l", "n", "n", "n", "n", "n",
	/* 148 */ "n", "n", "n", "n", "o", "o", "o", "o",
	/* 150 */ "o", "o", "oe", "oe", "r", "r", "r", "r",
	/* 158 */ "r", "r", "s", "s", "s", "s", "s", "s",
	/* 160 */ "s", "s", "t", "t", "t", "t", "t", "t",
	/* 168 */ "u", "u", "u", "u", "u", "u", "u", "u",
	/* 170 */ "u", "u", "u", "u", "w", "w", "y", "y",
	/* 178 */ "y", "z", "z", "z", "z", "z", "z", "s",
};

/* Does cp end a word?  Everything that is not a letter or a digit as far
 * as a search needs: ASCII punctuation and space, Latin-1 signs, general
 * punctuation and symbols, CJK punctuation, full-width signs, emoji and
 * private use. */
static bool
is_separator(uint32_t cp)
{
	if (cp < 0x80)
		return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		    (cp >= 'A' && cp <= 'Z'));
	if (cp < 0xc0)
		return true;
	if (cp == 0xd7 || cp == 0xf7)
		return true;
	if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
	    (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xff0f) || (cp >= 0xff1a && cp <= 0xff20) ||
	    (cp >= 0xff3b && cp <= 0xff40) || (cp >= 0xff5b && cp <= 0xff65) ||
	    (cp >= 0xfff0 && cp <= 0xffff) || (cp >= 0x1f000 && cp <= 0x1faff))
		return true;
	return false;
}

/* Combining marks: part of the letter before them, dropped. */
static bool
is_combining(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	    (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe20 && cp <= 0xfe2f);
}

bool
search_next_word(struct str text, size_t *pos, char word[LIMIT_SEARCH_WORD + 1],
    size_t *wlen, size_t *start, size_t *end)
{
	const unsigned char *p = (const unsigned char *)text.p;
	size_t i = *pos, k, n, flen;
	bool overflow;
	uint32_t cp;
	const char *f;
	char one[4];

	for (;;) {
		/* Skip to the start of a word. */
		while (i < text.len) {
			k = utf8_decode(p + i, text.len - i, &cp);
			if (k != 0 && !is_separator(cp) && !is_combining(cp))
				break;
			i += k ? k : 1;
		}
		if (i >= text.len) {
			*pos = i;
			return false;
		}
		*start = i;
		n = 0;
		overflow = false;
		while (i < text.len) {
			k = utf8_decode(p + i, text.len - i, &cp);
			if (k == 0 || is_separator(cp))
				break;
			i += k;
			if (is_combining(cp))
				continue;
			if (cp < 0x80) {
				one[0] = (char)(cp >= 'A' && cp <= 'Z' ?
				    cp - 'A' + 'a' : cp);
				f = one;
				flen = 1;
			} else if (cp >= 0xc0 && cp < 0x180) {
				f = fold_latin[cp - 0xc0];
				flen = strlen(f);
			} else {
				f = (const char *)p + i - k;
				flen = k;
			}
			if (n + flen > LIMIT_SEARCH_WORD) {
				overflow = true;
				continue;
			}
			memcpy(word + n, f, flen);
			n += flen;
		}
		*end = i;
		if (overflow || n < 2)
			continue;
		word[n] = '\0';
		*wlen = n;
		*pos = i;
		return true;
	}
}

void
search_token(const unsigned char key[SEARCH_KEY_BYTES], const char *word,
    size_t len, unsigned char out[SEARCH_TOKEN_BYTES])
{
	crypto_generichash(out, SEARCH_TOKEN_BYTES, (const unsigned char *)word,
	    len, key, SEARCH_KEY_BYTES);
}

static int
token_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SEARCH_TOKEN_BYTES);
}

/* Sort n tokens in b and drop repeats; returns how many are left. */
static size_t
sort_unique(unsigned char *t, size_t n)
{
	size_t i, m = 0;

	if (n == 0)
		return 0;
	qsort(t, n, SEARCH_TOKEN_BYTES, token_cmp);
	for (i = 1; i < n; i++)
		if (memcmp(t + i * SEARCH_TOKEN_BYTES,
		    t + m * SEARCH_TOKEN_BYTES, SEARCH_TOKEN_BYTES) != 0) {
			m++;
			if (m != i)
				memcpy(t + m * SEARCH_TOKEN_BYTES,
				    t + i * SEARCH_TOKEN_BYTES,
				    SEARCH_TOKEN_BYTES);
		}
	return m + 1;
}

size_t
search_tokens(const unsigned char key[SEARCH_KEY_BYTES], struct str text,
    size_t max, struct buf *out)
{
	char word[LIMIT_SEARCH_WORD + 1];
	unsigned char tok[SEARCH_TOKEN_BYTES];
	size_t pos = 0, wlen, s, e, base = out->len, n = 0;

	while (search_next_word(text, &pos, word, &wlen, &s, &e)) {
		search_token(key, word, wlen, tok);
		buf_add(out, tok, sizeof(tok));
		n++;
		/* Repeats are common: squeeze them out before the list
		 * reaches the cap, so the cap counts distinct words. */
		if (n >= max * 2 || n == 4096) {
			n = sort_unique((unsigned char *)out->p + base, n);
			out->len = base + n * SEARCH_TOKEN_BYTES;
			if (n >= max)
				break;
		}
	}
	n = sort_unique((unsigned char *)out->p + base, n);
	if (n > max)
		n = max;
	out->len = base + n * SEARCH_TOKEN_BYTES;
	out->p[out->len] = '\0';
	crypto_wipe(word, sizeof(word));
	return n;
}

/* --- The organisation's search key ---------------------------------------- */

int
search_key_get(struct keyring *kr, struct db_conn *c, int64_t org_id,
    unsigned char key[SEARCH_KEY_BYTES])
{
	struct buf box = BUF_INIT, plain = BUF_INIT;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT key_box FROM search_keys "
	    "WHERE org_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		buf_addstr(&box, db_col_blob(st, 0));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc != 0)
		goto out;
	if ((rc = keyring_open(kr, c, org_id, box.p, box.len, &plain)) != 0)
		goto out;
	if (plain.len != SEARCH_KEY_BYTES) {
		rc = ERR_CRYPTO;
		goto out;
	}
	memcpy(key, plain.p, SEARCH_KEY_BYTES);
out:
	buf_release(&box);
	buf_wipe(&plain);
	return rc;
}

struct key_job {
	struct keyring *kr;
	int64_t org_id;
	unsigned char key[SEARCH_KEY_BYTES];
};

static int
key_run(struct db_conn *c, void *arg)
{
	struct key_job *j = arg;
	unsigned char fresh[SEARCH_KEY_BYTES];
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	int rc;

	rc = search_key_get(j->kr, c, j->org_id, j->key);
	if (rc != ERR_NOTFOUND)
		return rc;
	crypto_new_key(fresh);
	rc = keyring_seal(j->kr, c, j->org_id, fresh, sizeof(fresh), &box);
	crypto_wipe(fresh, sizeof(fresh));
	if (rc != 0)
		goto out;
	/* Another node may have stored one meanwhile: keep theirs. */
	if ((rc = db_prepare(c, "INSERT INTO search_keys (org_id, key_box, "
	    "created_at) VALUES (?, ?, ?) ON CONFLICT (org_id) DO NOTHING",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->org_id);
	db_bind_blob(st, 2, box.p, box.len);
	db_bind_i64(st, 3, (int64_t)time(NULL));
	if ((rc = db_run(st)) != 0)
		goto out;
	rc = search_key_get(j->kr, c, j->org_id, j->key);
out:
	buf_release(&box);
	return rc;
}

int
search_key_ensure(struct db *db, struct keyring *kr, int64_t org_id,
    unsigned char key[SEARCH_KEY_BYTES])
{
	struct db_conn *c;
	struct key_job j;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = search_key_get(kr, c, org_id, key);
	db_read_end(db, c);
	if (rc != ERR_NOTFOUND)
		return rc;
	memset(&j, 0, sizeof(j));
	j.kr = kr;
	j.org_id = org_id;
	if ((rc = db_write(db, key_run, &j)) == 0)
		memcpy(key, j.key, SEARCH_KEY_BYTES);
	crypto_wipe(j.key, sizeof(j.key));
	return rc;
}

/* --- msg_search ----------------------------------------------------------- */

/* The SQL for k query tokens (1..LIMIT_SEARCH_WORDS): messages of the
 * organisation in trajectories the user takes part in, holding every
 * token.  Built from a fixed pattern, so at most LIMIT_SEARCH_WORDS
 * distinct statements exist. */
static void
search_sql(size_t k, struct buf *sql)
{
	size_t i;

	buf_adds(sql, "SELECT m.id, m.thread_id, m.trajectory_id, "
	    "m.created_at, m.author_role, u.name, tr.client_id "
	    "FROM messages m JOIN trajectories tr ON tr.id = m.trajectory_id "
	    "JOIN trajectory_members tm ON tm.trajectory_id = m.trajectory_id "
	    "AND tm.user_id = ? "
	    "LEFT JOIN users u ON u.id = m.author_id "
	    "WHERE m.org_id = ? AND m.id IN (SELECT s.message_id "
	    "FROM search_tokens s WHERE s.token IN (");
	for (i = 0; i < k; i++)
		buf_adds(sql, i ? ", ?" : "?");
	buf_adds(sql, ") GROUP BY s.message_id HAVING COUNT(*) = ?) "
	    "ORDER BY m.id DESC LIMIT ?");
}

struct hit_row {
	struct msg_hit h;
	int64_t client_id;
};

struct log_job {
	const struct audit_event *tmpl;
	int64_t org_id;
	const int64_t *trajs;
	const int64_t *clients;
	size_t n;
};

static int
log_run(struct db_conn *c, void *arg)
{
	struct log_job *j = arg;
	struct audit_event ev = audit_event_from(j->tmpl, j->org_id,
	    AUDIT_READ, "trajectory", "search", 0, 0);
	size_t i;
	int rc;

	if (j->n == 0)
		return audit_append(c, &ev);
	for (i = 0; i < j->n; i++) {
		ev.client_id = j->clients[i];
		ev.object_id = j->trajs[i];
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	}
	return 0;
}

/* The query's distinct normalised words (at most LIMIT_SEARCH_WORDS). */
static size_t
query_words(const char *query, struct arena *a, char **words)
{
	char word[LIMIT_SEARCH_WORD + 1];
	size_t pos = 0, wlen, s, e, n = 0, i;
	struct str q = str_c(query);

	while (n < LIMIT_SEARCH_WORDS &&
	    search_next_word(q, &pos, word, &wlen, &s, &e)) {
		for (i = 0; i < n; i++)
			if (strcmp(words[i], word) == 0)
				break;
		if (i == n)
			words[n++] = arena_strndup(a, word, wlen);
	}
	return n;
}

/* Where the first of the words stands in text, or 0. */
static size_t
first_hit(struct str text, char **words, size_t nwords)
{
	char word[LIMIT_SEARCH_WORD + 1];
	size_t pos = 0, wlen, s, e, i;

	while (search_next_word(text, &pos, word, &wlen, &s, &e))
		for (i = 0; i < nwords; i++)
			if (strcmp(words[i], word) == 0)
				return s;
	return 0;
}

/* May the caller see this trajectory?  Asked once per trajectory. */
struct verdicts {
	int64_t traj[LIMIT_SEARCH_RESULTS * 4];
	bool ok[LIMIT_SEARCH_RESULTS * 4];
	size_t n;
};

static bool
allowed(struct verdicts *v, int64_t traj,
    bool (*may_read)(void *arg, int64_t traj_id), void *arg)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->traj[i] == traj)
			return v->ok[i];
	ASSERT(v->n < sizeof(v->traj) / sizeof(v->traj[0]));
	v->traj[v->n] = traj;
	v->ok[v->n] = may_read == NULL || may_read(arg, traj);
	return v->ok[v->n++];
}

int
msg_search(const struct msg_env *env, int64_t org_id, int64_t user_id,
    const char *query, bool (*may_read)(void *arg, int64_t traj_id),
    void *arg, const struct audit_event *ev, struct arena *a,
    struct msg_hit **out, size_t *n)
{
	unsigned char key[SEARCH_KEY_BYTES];
	unsigned char tok[LIMIT_SEARCH_WORDS][SEARCH_TOKEN_BYTES];
	char *words[LIMIT_SEARCH_WORDS];
	struct buf sql = BUF_INIT, plain = BUF_INIT;
	struct hit_row *rows = NULL;
	struct verdicts *v = NULL;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct log_job lj;
	int64_t *trajs = NULL, *clients = NULL;
	size_t nwords, nrows = 0, nkept = 0, ntraj = 0, i, k, fetch;
	const char *txt;
	size_t tlen;
	int rc;

	*out = NULL;
	*n = 0;
	if (query == NULL || strlen(query) > LIMIT_SEARCH_QUERY ||
	    org_id <= 0 || user_id <= 0)
		return ERR_INVAL;
	if ((nwords = query_words(query, a, words)) == 0)
		return ERR_INVAL;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = search_key_get(env->kr, c, org_id, key);
	if (rc == ERR_NOTFOUND) {
		rc = 0;     /* nothing indexed yet: nothing found */
		goto found;
	}
	if (rc != 0)
		goto out;
	for (i = 0; i < nwords; i++)
		search_token(key, words[i], strlen(words[i]), tok[i]);
	crypto_wipe(key, sizeof(key));
	/* Trajectories the caller may not read are dropped afterwards, so
	 * fetch some more than a page. */
	fetch = LIMIT_SEARCH_RESULTS * 4;
	rows = arena_calloc(a, fetch, sizeof(*rows));
	search_sql(nwords, &sql);
	if ((rc = db_prepare(c, sql.p, &st)) != 0)
		goto out;
	k = 1;
	db_bind_i64(st, (int)k++, user_id);
	db_bind_i64(st, (int)k++, org_id);
	for (i = 0; i < nwords; i++)
		db_bind_blob(st, (int)k++, tok[i], SEARCH_TOKEN_BYTES);
	db_bind_i64(st, (int)k++, (int64_t)nwords);
	db_bind_i64(st, (int)k++, (int64_t)fetch);
	while ((rc = db_step(st)) == DB_ROW && nrows < fetch) {
		struct hit_row *r = &rows[nrows++];

		r->h.message_id = db_col_i64(st, 0);
		r->h.thread_id = db_col_i64(st, 1);
		r->h.traj_id = db_col_i64(st, 2);
		r->h.created_at = db_col_i64(st, 3);
		r->h.from_client = str_eqc(db_col_text(st, 4), "client");
		r->h.author_name = arena_strz(a, db_col_text(st, 5));
		r->client_id = db_col_i64(st, 6);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	db_read_end(env->db, c);
	c = NULL;

	/* Ask the caller's authorisation per trajectory, off the connection
	 * (it reads the database itself). */
	v = xcalloc(1, sizeof(*v));
	for (i = 0; i < nrows && nkept < LIMIT_SEARCH_RESULTS; i++)
		if (allowed(v, rows[i].h.traj_id, may_read, arg))
			rows[nkept++] = rows[i];
	nrows = nkept;

found:
	/* Log first: one entry per trajectory whose messages are shown. */
	trajs = arena_calloc(a, nrows + 1, sizeof(*trajs));
	clients = arena_calloc(a, nrows + 1, sizeof(*clients));
	for (i = 0; i < nrows; i++) {
		for (k = 0; k < ntraj; k++)
			if (trajs[k] == rows[i].h.traj_id)
				break;
		if (k == ntraj) {
			trajs[ntraj] = rows[i].h.traj_id;
			clients[ntraj++] = rows[i].client_id;
		}
	}
	if (c != NULL) {
		db_read_end(env->db, c);
		c = NULL;
	}
	lj.tmpl = ev;
	lj.org_id = org_id;
	lj.trajs = trajs;
	lj.clients = clients;
	lj.n = ntraj;
	if ((rc = db_write(env->db, log_run, &lj)) != 0)
		goto out;
	if (nrows == 0)
		goto out;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	/* Only now are the texts read and opened, one hit at a time. */
	*out = arena_calloc(a, nrows, sizeof(**out));
	for (i = 0; i < nrows; i++) {
		struct msg_hit *h = &(*out)[i];
		struct str body_box = { NULL, 0 }, subject_box = { NULL, 0 };

		*h = rows[i].h;
		if ((rc = db_prepare(c, "SELECT m.body_box, t.subject_box "
		    "FROM messages m JOIN threads t ON t.id = m.thread_id "
		    "WHERE m.id = ?", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, h->message_id);
		rc = db_step(st);
		if (rc == DB_ROW) {
			body_box = msg_col_copy(st, 0, a);
			subject_box = msg_col_copy(st, 1, a);
			rc = 0;
		} else if (rc == DB_DONE) {
			rc = ERR_NOTFOUND;
		}
		db_done(st);
		if (rc != 0)
			goto out;
		if ((rc = msg_open_box(env->kr, c, org_id, subject_box, a,
		    &h->subject, &tlen)) != 0 ||
		    (rc = msg_open_box(env->kr, c, org_id, body_box, a, &txt,
		    &tlen)) != 0)
			goto out;
		buf_reset(&plain);
		markdown_plaintext((struct str){ txt, tlen }, &plain);
		explicit_bzero((char *)txt, tlen);
		h->excerpt = msg_excerpt(buf_str(&plain),
		    first_hit(buf_str(&plain), words, nwords), 200, a);
	}
	*n = nrows;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	if (rc != 0) {
		*out = NULL;
		*n = 0;
	}
	crypto_wipe(key, sizeof(key));
	free(v);
	buf_release(&sql);
	buf_wipe(&plain);
	return rc;
}
