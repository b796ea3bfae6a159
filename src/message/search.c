/*
 * search.c - the blind index (see search.h) and msg_search.
 *
 * Owns the table search_keys and the column messages.search_bloom (the
 * filter is written by message.c's post job, in the INSERT of the message,
 * and made here).  Words are normalised here, once, for indexing, querying
 * and confirming, so "Één", "een" and "EEN" meet: ASCII is lower-cased,
 * the letters of Latin-1 and Latin Extended-A are folded to their base
 * letters (é -> e, ĳ -> ij, ß -> ss: text_fold_latin, shared with the
 * writing assistant), combining accents are dropped.
 *
 * Why a filter per message and not a row per word (011's search_tokens,
 * dropped by 013): some 80 rows per message, scattered over a two-index
 * B-tree, made posting six times slower than all the rest of a post.
 * The filter rides in the message's own row.  The price is on the search
 * side, which now tests the filter of every message the user takes part in
 * (at most LIMIT_SEARCH_SCAN, the most recently active trajectories first,
 * each newest first) instead of looking words up; a few hundred bytes per
 * message, read through the trajectory's index.
 *
 * A search:
 *   1. the user's trajectories in the organisation, and in them every
 *      message whose filter holds all query words: the candidates;
 *   2. newest first, a batch of candidates of trajectories may_read allows,
 *      no more than the results still missing;
 *   3. the batch's trajectories not yet logged are logged (R, "search"),
 *      before any of its texts is opened;
 *   4. each candidate is opened and kept only when its real words hold every
 *      query word (a false positive of the filter goes no further than
 *      this; its text is wiped);
 *   5. again from 2 until LIMIT_SEARCH_RESULTS are found, the candidates run
 *      out or LIMIT_SEARCH_OPEN were opened.
 * So the access log names every trajectory a text was opened for, which
 * may (rarely: see SEARCH_BLOOM_K in search.h) be one that showed
 * nothing.  A search
 * that logged nothing logs one entry without object.
 *
 * Messages without a filter: notices are not indexed (as before 013);
 * messages and corrections posted before 013 have none either.  Those are
 * candidates of every search, and the search that opens one writes its
 * filter (a write job after the results are known; only the filter column,
 * never the text), so the index completes itself as people search.
 *
 * XXX: letters of other scripts (Greek, Cyrillic, ...) are kept as typed,
 * not case-folded: a search there is case-sensitive.  Dutch and English,
 * the languages of the platform, are fully covered.
 *
 * XXX: is_separator below and the assistant's cp_alnum draw word
 * boundaries a little differently outside Latin (modifier letters,
 * full-width forms, U+1FB00..).  Sharing one rule would change the words
 * of stored filters, so it waits for a decision (and a re-index).
 *
 * The keyed hashes are libsodium's, used directly (core/crypto.h has none
 * and this is their only user): crypto_shorthash_siphashx24 for the words,
 * under a key crypto_generichash (BLAKE2b) derives from the organisation's
 * search key.
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
#include "core/text.h"
#include "core/xalloc.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "message/markdown.h"
#include "message/message.h"
#include "message/msg_int.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

_Static_assert(SEARCH_BLOOM_MIN_BITS % 64 == 0 && SEARCH_BLOOM_MIN_BITS > 0,
    "filters are whole 64-bit words");
_Static_assert((LIMIT_SEARCH_TOKENS * SEARCH_BLOOM_BITS_PER_WORD + 63) / 64 *
    8 <= LIMIT_SEARCH_BLOOM_BYTES, "the largest filter fits the limit");
_Static_assert(SEARCH_TOKEN_BYTES >= 16, "a token gives two 64-bit hashes");

/* --- Normalised words ----------------------------------------------------- */

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
	size_t i = *pos, j, k, n, flen;
	bool overflow;
	uint32_t cp;
	const char *f;
	char one[4];

	for (;;) {
		/* Skip to the start of a word. */
		while (i < text.len) {
			j = i;
			cp = text_cp_next(p, text.len, &j);
			if (!is_separator(cp) && !is_combining(cp))
				break;
			i = j;
		}
		if (i >= text.len) {
			*pos = i;
			return false;
		}
		*start = i;
		n = 0;
		overflow = false;
		while (i < text.len) {
			/* A bad byte reads as U+FFFD, a separator. */
			j = i;
			cp = text_cp_next(p, text.len, &j);
			if (is_separator(cp))
				break;
			k = j - i;
			i = j;
			if (is_combining(cp))
				continue;
			if (cp < 0x80) {
				one[0] = (char)(cp >= 'A' && cp <= 'Z' ?
				    cp - 'A' + 'a' : cp);
				f = one;
				flen = 1;
			} else if ((f = text_fold_latin(cp)) != NULL) {
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

/* Words are hashed with SipHash-2-4 (128-bit output): a keyed PRF made
 * for short inputs, some 15 times faster than keyed BLAKE2b on a word, and
 * a post hashes every word it has.  Its 16-byte key is derived from the
 * organisation's search key once per text. */
#define WORD_KEY_BYTES crypto_shorthash_siphashx24_KEYBYTES
_Static_assert(crypto_shorthash_siphashx24_BYTES == SEARCH_TOKEN_BYTES,
    "a token is one SipHash-128 output");

static void
word_key(const unsigned char key[SEARCH_KEY_BYTES],
    unsigned char wk[WORD_KEY_BYTES])
{
	static const char what[] = "infuus search words 1";

	crypto_generichash(wk, WORD_KEY_BYTES, (const unsigned char *)what,
	    sizeof(what) - 1, key, SEARCH_KEY_BYTES);
}

static void
word_token(const unsigned char wk[WORD_KEY_BYTES], const char *word,
    size_t len, unsigned char out[SEARCH_TOKEN_BYTES])
{
	crypto_shorthash_siphashx24(out, (const unsigned char *)word, len, wk);
}

void
search_token(const unsigned char key[SEARCH_KEY_BYTES], const char *word,
    size_t len, unsigned char out[SEARCH_TOKEN_BYTES])
{
	unsigned char wk[WORD_KEY_BYTES];

	word_key(key, wk);
	word_token(wk, word, len, out);
	crypto_wipe(wk, sizeof(wk));
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

/* --- Filters -------------------------------------------------------------- */

size_t
search_message_text(struct str body, struct str subject,
    const struct str *names, size_t nnames, struct buf *out)
{
	size_t i, base = out->len, body_len;

	markdown_plaintext(body, out);
	body_len = out->len - base;
	buf_addch(out, '\n');
	buf_addstr(out, subject);
	for (i = 0; i < nnames; i++) {
		buf_addch(out, '\n');
		buf_addstr(out, names[i]);
	}
	return body_len;
}

size_t
search_bloom_bytes(size_t n)
{
	size_t bits;

	if (n > LIMIT_SEARCH_TOKENS)
		n = LIMIT_SEARCH_TOKENS;
	bits = n * SEARCH_BLOOM_BITS_PER_WORD;
	if (bits < SEARCH_BLOOM_MIN_BITS)
		bits = SEARCH_BLOOM_MIN_BITS;
	return (bits + 63) / 64 * 8;
}

bool
search_bloom_valid(size_t len)
{
	return len % 8 == 0 && len >= SEARCH_BLOOM_MIN_BITS / 8 &&
	    len <= LIMIT_SEARCH_BLOOM_BYTES;
}

static uint64_t
le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/*
 * The SEARCH_BLOOM_K bit positions of a token in a filter of m bits: the
 * outputs of splitmix64 seeded with the token's two halves, each reduced
 * mod m (the bias is below 2^-48).  Not double hashing (h1 + i * h2 mod
 * m): in filters of a few hundred bits the progressions of different
 * words overlap, and measured false positives came out 3 to 10 times the
 * design's rate (0.4% instead of 0.05% at 256 bits).
 */
static void
bloom_positions(const unsigned char tok[SEARCH_TOKEN_BYTES], uint64_t m,
    uint64_t pos[SEARCH_BLOOM_K])
{
	uint64_t s = le64(tok) ^ le64(tok + 8) * 0x9e3779b97f4a7c15ULL, z;
	size_t i;

	for (i = 0; i < SEARCH_BLOOM_K; i++) {
		z = (s += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		pos[i] = (z ^ (z >> 31)) % m;
	}
}

/* The distinct tokens of a text: an open-addressing set over their first
 * 8 bytes, which are uniform already (keyed hashes). */
struct token_set {
	unsigned char *tok;     /* n tokens, in the order first met */
	uint32_t *slot;         /* cap slots: 0 empty, else index + 1 */
	size_t n, cap;
};

static void
set_put(struct token_set *ts, size_t idx)
{
	size_t i = (size_t)le64(ts->tok + idx * SEARCH_TOKEN_BYTES) &
	    (ts->cap - 1);

	while (ts->slot[i] != 0)
		i = (i + 1) & (ts->cap - 1);
	ts->slot[i] = (uint32_t)idx + 1;
}

static void
set_add(struct token_set *ts, const unsigned char tok[SEARCH_TOKEN_BYTES])
{
	size_t i, k;

	if (ts->cap > 0) {
		i = (size_t)le64(tok) & (ts->cap - 1);
		for (; ts->slot[i] != 0; i = (i + 1) & (ts->cap - 1))
			if (memcmp(ts->tok + (ts->slot[i] - 1) *
			    SEARCH_TOKEN_BYTES, tok, SEARCH_TOKEN_BYTES) == 0)
				return;
	}
	/* At most half full, so a probe ends soon. */
	if ((ts->n + 1) * 2 > ts->cap) {
		ts->cap = ts->cap ? st_mul(ts->cap, 2) : 256;
		free(ts->slot);
		ts->slot = xcalloc(ts->cap, sizeof(*ts->slot));
		ts->tok = xrealloc(ts->tok, st_mul(ts->cap / 2,
		    SEARCH_TOKEN_BYTES));
		for (k = 0; k < ts->n; k++)
			set_put(ts, k);
	}
	memcpy(ts->tok + ts->n * SEARCH_TOKEN_BYTES, tok, SEARCH_TOKEN_BYTES);
	set_put(ts, ts->n++);
}

size_t
search_bloom(const unsigned char key[SEARCH_KEY_BYTES], struct str text,
    struct buf *out)
{
	char word[LIMIT_SEARCH_WORD + 1];
	unsigned char wk[WORD_KEY_BYTES], tok[SEARCH_TOKEN_BYTES], *f;
	struct token_set ts = { NULL, NULL, 0, 0 };
	uint64_t pos[SEARCH_BLOOM_K];
	size_t at = 0, wlen, s, e, bytes, i, k;

	word_key(key, wk);
	while (ts.n < LIMIT_SEARCH_TOKENS &&
	    search_next_word(text, &at, word, &wlen, &s, &e)) {
		word_token(wk, word, wlen, tok);
		set_add(&ts, tok);
	}
	bytes = search_bloom_bytes(ts.n);
	buf_grow(out, bytes);
	f = (unsigned char *)out->p + out->len;
	memset(f, 0, bytes);
	for (i = 0; i < ts.n; i++) {
		bloom_positions(ts.tok + i * SEARCH_TOKEN_BYTES,
		    (uint64_t)bytes * 8, pos);
		for (k = 0; k < SEARCH_BLOOM_K; k++)
			f[pos[k] / 8] |= (unsigned char)(1u << (pos[k] % 8));
	}
	out->len += bytes;
	out->p[out->len] = '\0';
	crypto_wipe(word, sizeof(word));
	crypto_wipe(wk, sizeof(wk));
	crypto_wipe(tok, sizeof(tok));
	if (ts.tok != NULL)
		crypto_wipe(ts.tok, ts.n * SEARCH_TOKEN_BYTES);
	free(ts.tok);
	free(ts.slot);
	return ts.n;
}

bool
search_bloom_has(const void *f, size_t len,
    const unsigned char tok[SEARCH_TOKEN_BYTES])
{
	const unsigned char *b = f;
	uint64_t pos[SEARCH_BLOOM_K];
	size_t k;

	ASSERT(search_bloom_valid(len));
	bloom_positions(tok, (uint64_t)len * 8, pos);
	for (k = 0; k < SEARCH_BLOOM_K; k++)
		if (!(b[pos[k] / 8] & (1u << (pos[k] % 8))))
			return false;
	return true;
}

/* --- msg_search: the candidates ------------------------------------------- */

/* A trajectory the user takes part in. */
struct straj {
	int64_t id;
	int64_t client_id;
	int64_t last;           /* its threads' latest message; 0: none */
	signed char may;        /* may_read's answer; -1: not asked yet */
	bool logged;
};

/* A message whose filter may hold every query word, or that has none. */
struct cand {
	int64_t id;
	size_t traj;            /* index in the trajectories */
	bool unindexed;         /* no (usable) filter: index it when opened */
};

struct scan {
	struct straj *t;
	size_t nt;
	struct cand *c;
	size_t nc, capc;
	size_t scanned;
};

static void
scan_release(struct scan *s)
{
	free(s->t);
	free(s->c);
}

static void
add_cand(struct scan *s, int64_t id, size_t traj, bool unindexed)
{
	if (s->nc == s->capc) {
		s->capc = s->capc ? st_mul(s->capc, 2) : 256;
		s->c = xrealloc(s->c, st_mul(s->capc, sizeof(*s->c)));
	}
	s->c[s->nc].id = id;
	s->c[s->nc].traj = traj;
	s->c[s->nc].unindexed = unindexed;
	s->nc++;
}

#define Q10 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
#define SCAN_PER_STMT 100

/* Latest activity first (then the newest trajectory). */
static int
straj_cmp(const void *a, const void *b)
{
	const struct straj *x = a, *y = b;

	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

/* The user's trajectories in the organisation (from trajectory), most
 * recently active first (their threads' last_message_at, here, one
 * statement per 100 trajectories): the order the scan bound cuts in. */
static int
scan_trajectories(struct db_conn *c, int64_t org_id, int64_t user_id,
    struct arena *a, struct scan *s)
{
	struct traj_part *parts;
	struct db_stmt *st;
	size_t np, at, i, k;
	int rc;

	if ((rc = traj_parts_on(c, org_id, user_id, 0, false, a, &parts,
	    &np)) != 0)
		return rc;
	if (np == 0)
		return 0;
	s->t = xcalloc(np, sizeof(*s->t));
	for (i = 0; i < np; i++) {
		s->t[i].id = parts[i].id;
		s->t[i].client_id = parts[i].client_id;
		s->t[i].may = -1;
		s->t[i].logged = false;
		s->t[i].last = 0;
	}
	s->nt = np;
	for (at = 0; at < np; at += SCAN_PER_STMT) {
		size_t m = np - at < SCAN_PER_STMT ? np - at : SCAN_PER_STMT;

		if ((rc = db_prepare(c, "SELECT trajectory_id, "
		    "MAX(last_message_at) FROM threads WHERE trajectory_id IN "
		    "(" Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", "
		    Q10 ", " Q10 ", " Q10 ", " Q10 ") GROUP BY trajectory_id",
		    &st)) != 0)
			return rc;
		for (k = 0; k < SCAN_PER_STMT; k++)
			db_bind_i64(st, (int)k + 1,
			    s->t[at + (k < m ? k : m - 1)].id);
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_col_i64(st, 0);

			for (k = at; k < at + m; k++)
				if (s->t[k].id == id)
					s->t[k].last = msg_col_or_zero(st, 1);
		}
		db_done(st);
		if (rc != DB_DONE)
			return rc < 0 ? rc : ERR_DB;
	}
	qsort(s->t, s->nt, sizeof(*s->t), straj_cmp);
	return 0;
}

/* Test the filters of trajectory i's messages, newest first, until the
 * scan bound. */
static int
scan_trajectory(struct db_conn *c, struct scan *s, size_t i,
    unsigned char (*tok)[SEARCH_TOKEN_BYTES], size_t ntok)
{
	struct db_stmt *st;
	struct str f;
	size_t k;
	int rc;

	if ((rc = db_prepare(c, "SELECT id, kind, search_bloom FROM messages "
	    "WHERE trajectory_id = ? ORDER BY created_at DESC", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, s->t[i].id);
	while (s->scanned < LIMIT_SEARCH_SCAN &&
	    (rc = db_step(st)) == DB_ROW) {
		s->scanned++;
		f = db_col_blob(st, 2);
		if (f.p == NULL) {
			/* Notices are not indexed; anything else was
			 * posted before the filters. */
			if (!str_eqc(db_col_text(st, 1), "notice"))
				add_cand(s, db_col_i64(st, 0), i, true);
			continue;
		}
		if (!search_bloom_valid(f.len)) {
			add_cand(s, db_col_i64(st, 0), i, true);
			continue;
		}
		for (k = 0; k < ntok; k++)
			if (!search_bloom_has(f.p, f.len, tok[k]))
				break;
		if (k == ntok)
			add_cand(s, db_col_i64(st, 0), i, false);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* --- msg_search: opening and confirming ----------------------------------- */

/* A candidate opened: what a hit shows, and the text it is found by. */
struct opened {
	int64_t thread_id;
	int64_t traj_id;
	int64_t created_at;
	bool from_client;
	int64_t author_id;      /* 0: the account is gone */
	struct buf subject;     /* the thread's, opened */
	struct buf text;        /* search_message_text; the body's plain text
				 * is its first body_len bytes */
	size_t body_len;
};

static void
opened_init(struct opened *o)
{
	memset(o, 0, sizeof(*o));
	buf_init(&o->subject);
	buf_init(&o->text);
}

static void
opened_wipe(struct opened *o)
{
	buf_wipe(&o->subject);
	buf_wipe(&o->text);
}

/* Open message id of org_id on c: its thread's subject, its body, its
 * attachments' names.  ERR_NOTFOUND when it is gone. */
static int
open_candidate(struct keyring *kr, struct db_conn *c, int64_t org_id,
    int64_t id, struct opened *o)
{
	struct buf body_box = BUF_INIT, subject_box = BUF_INIT;
	struct buf name_boxes = BUF_INIT, body = BUF_INIT, names = BUF_INIT;
	size_t off[LIMIT_ATTACHMENTS + 1], noff[LIMIT_ATTACHMENTS + 1];
	size_t nnames = 0, i;
	struct str name[LIMIT_ATTACHMENTS];
	struct db_stmt *st;
	bool first = false;
	int rc;

	if ((rc = db_prepare(c, "SELECT m.thread_id, m.trajectory_id, "
	    "m.created_at, m.author_role, m.author_id, m.body_box, "
	    "t.subject_box, "
	    "CASE WHEN EXISTS (SELECT 1 FROM messages p WHERE "
	    "p.thread_id = m.thread_id AND p.id < m.id) THEN 0 ELSE 1 END "
	    "FROM messages m JOIN threads t ON t.id = m.thread_id "
	    "WHERE m.id = ? AND m.org_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	db_bind_i64(st, 2, org_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		o->thread_id = db_col_i64(st, 0);
		o->traj_id = db_col_i64(st, 1);
		o->created_at = db_col_i64(st, 2);
		o->from_client = msg_author_is_client(db_col_text(st, 3));
		o->author_id = msg_col_or_zero(st, 4);
		buf_addstr(&body_box, db_col_blob(st, 5));
		buf_addstr(&subject_box, db_col_blob(st, 6));
		first = db_col_i64(st, 7) == 1;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc != 0)
		goto out;

	/* The names as posting indexed them: the first LIMIT_ATTACHMENTS,
	 * in the order they were attached. */
	if ((rc = db_prepare(c, "SELECT name_box FROM attachments "
	    "WHERE message_id = ? ORDER BY id LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, id);
	db_bind_i64(st, 2, LIMIT_ATTACHMENTS);
	off[0] = 0;
	while ((rc = db_step(st)) == DB_ROW && nnames < LIMIT_ATTACHMENTS) {
		buf_addstr(&name_boxes, db_col_blob(st, 0));
		off[++nnames] = name_boxes.len;
	}
	db_done(st);
	if (rc < 0)
		goto out;

	if ((rc = keyring_open(kr, c, org_id, subject_box.p, subject_box.len,
	    &o->subject)) != 0 ||
	    (rc = keyring_open(kr, c, org_id, body_box.p, body_box.len,
	    &body)) != 0)
		goto out;
	noff[0] = 0;
	for (i = 0; i < nnames; i++) {
		if ((rc = keyring_open(kr, c, org_id, name_boxes.p + off[i],
		    off[i + 1] - off[i], &names)) != 0)
			goto out;
		noff[i + 1] = names.len;
	}
	for (i = 0; i < nnames; i++)
		name[i] = (struct str){ names.p + noff[i],
		    noff[i + 1] - noff[i] };
	o->body_len = search_message_text(buf_str(&body),
	    first ? buf_str(&o->subject) : STR(""), name, nnames, &o->text);
out:
	buf_release(&body_box);
	buf_release(&subject_box);
	buf_release(&name_boxes);
	buf_wipe(&body);
	buf_wipe(&names);
	return rc;
}

/* --- msg_search ----------------------------------------------------------- */

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

/* Log the trajectories of the batch not logged yet: one entry each. */
static int
log_batch(const struct msg_env *env, const struct audit_event *ev,
    int64_t org_id, struct scan *s, const struct cand *batch, size_t nb)
{
	int64_t trajs[LIMIT_SEARCH_RESULTS], clients[LIMIT_SEARCH_RESULTS];
	struct log_job lj;
	size_t i, n = 0;

	ASSERT(nb <= LIMIT_SEARCH_RESULTS);
	for (i = 0; i < nb; i++) {
		struct straj *t = &s->t[batch[i].traj];

		if (t->logged)
			continue;
		t->logged = true;
		trajs[n] = t->id;
		clients[n++] = t->client_id;
	}
	if (n == 0)
		return 0;
	lj.tmpl = ev;
	lj.org_id = org_id;
	lj.trajs = trajs;
	lj.clients = clients;
	lj.n = n;
	return db_write(env->db, log_run, &lj);
}

/* Filters made for messages a search opened that had none. */
struct backfill {
	int64_t id[LIMIT_SEARCH_OPEN];
	size_t off[LIMIT_SEARCH_OPEN + 1];
	size_t n;
	struct buf f;
};

static int
backfill_run(struct db_conn *c, void *arg)
{
	struct backfill *b = arg;
	struct db_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		if ((rc = db_prepare(c, "UPDATE messages SET search_bloom = ? "
		    "WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_blob(st, 1, b->f.p + b->off[i],
		    b->off[i + 1] - b->off[i]);
		db_bind_i64(st, 2, b->id[i]);
		if ((rc = db_run(st)) != 0)
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

/* Does text hold every one of the words? */
static bool
holds_all(struct str text, char **words, size_t nwords)
{
	char word[LIMIT_SEARCH_WORD + 1];
	bool seen[LIMIT_SEARCH_WORDS] = { false };
	size_t pos = 0, wlen, s, e, i, left = nwords;

	while (left > 0 && search_next_word(text, &pos, word, &wlen, &s, &e))
		for (i = 0; i < nwords; i++)
			if (!seen[i] && strcmp(words[i], word) == 0) {
				seen[i] = true;
				left--;
			}
	crypto_wipe(word, sizeof(word));
	return left == 0;
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

/* May the caller see this trajectory?  Asked once per trajectory, off
 * any connection (it reads the database itself). */
static bool
allowed(struct straj *t, bool (*may_read)(void *arg, int64_t traj_id),
    void *arg)
{
	if (t->may < 0)
		t->may = may_read == NULL || may_read(arg, t->id);
	return t->may > 0;
}

/* Open candidate cd on c and, when its words hold every query word, make
 * it hit h (*found).  A message without a filter gets one into bf. */
static int
confirm(const struct msg_env *env, struct db_conn *c, int64_t org_id,
    const struct cand *cd, const unsigned char key[SEARCH_KEY_BYTES],
    char **words, size_t nwords, struct backfill *bf, struct arena *a,
    struct msg_hit *h, int64_t *author_id, bool *found)
{
	struct opened o;
	struct str text, body;
	int rc;

	*found = false;
	opened_init(&o);
	rc = open_candidate(env->kr, c, org_id, cd->id, &o);
	if (rc == ERR_NOTFOUND) {
		rc = 0;     /* gone since the scan */
		goto out;
	}
	if (rc != 0)
		goto out;
	text = buf_str(&o.text);
	body = (struct str){ o.text.p, o.body_len };
	if (cd->unindexed) {
		ASSERT(bf->n < LIMIT_SEARCH_OPEN);
		bf->id[bf->n] = cd->id;
		bf->off[bf->n] = bf->f.len;
		(void)search_bloom(key, text, &bf->f);
		bf->off[++bf->n] = bf->f.len;
	}
	if (!holds_all(text, words, nwords))
		goto out;
	h->message_id = cd->id;
	h->thread_id = o.thread_id;
	h->traj_id = o.traj_id;
	h->created_at = o.created_at;
	h->from_client = o.from_client;
	h->author_name = "";
	*author_id = o.author_id;
	h->subject = arena_strndup(a, o.subject.p, o.subject.len);
	h->excerpt = msg_excerpt(body, first_hit(body, words, nwords), 200, a);
	*found = true;
out:
	opened_wipe(&o);
	return rc;
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
	struct cand batch[LIMIT_SEARCH_RESULTS];
	int64_t authors[LIMIT_SEARCH_RESULTS];
	const char *names[LIMIT_SEARCH_RESULTS];
	struct backfill *bf = NULL;
	struct msg_hit *hits = NULL;
	struct db_conn *c = NULL;
	struct scan s;
	struct log_job lj;
	size_t nwords, nhits = 0, nopened = 0, next = 0, nb, i;
	bool found, logged = false;
	int rc, wrc;

	*out = NULL;
	*n = 0;
	memset(&s, 0, sizeof(s));
	if (query == NULL || strlen(query) > LIMIT_SEARCH_QUERY ||
	    org_id <= 0 || user_id <= 0)
		return ERR_INVAL;
	if ((nwords = query_words(query, a, words)) == 0)
		return ERR_INVAL;
	bf = xcalloc(1, sizeof(*bf));
	buf_init(&bf->f);

	/* The candidates, on one read connection. */
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	rc = search_key_get(env->kr, c, org_id, key);
	if (rc == ERR_NOTFOUND) {
		rc = 0;     /* nothing indexed yet: nothing found */
		goto done;
	}
	if (rc != 0)
		goto out;
	for (i = 0; i < nwords; i++)
		search_token(key, words[i], strlen(words[i]), tok[i]);
	if ((rc = scan_trajectories(c, org_id, user_id, a, &s)) != 0)
		goto out;
	for (i = 0; i < s.nt && s.scanned < LIMIT_SEARCH_SCAN; i++)
		if ((rc = scan_trajectory(c, &s, i, tok, nwords)) != 0)
			goto out;
	db_read_end(env->db, c);
	c = NULL;
	if (s.nc > 1)
		qsort(s.c, s.nc, sizeof(*s.c), cand_cmp);

	/* Batches of candidates, newest first: logged, then opened. */
	hits = arena_calloc(a, LIMIT_SEARCH_RESULTS, sizeof(*hits));
	while (nhits < LIMIT_SEARCH_RESULTS && nopened < LIMIT_SEARCH_OPEN) {
		nb = 0;
		while (next < s.nc && nb < LIMIT_SEARCH_RESULTS - nhits &&
		    nopened + nb < LIMIT_SEARCH_OPEN) {
			const struct cand *cd = &s.c[next++];

			if (allowed(&s.t[cd->traj], may_read, arg))
				batch[nb++] = *cd;
		}
		if (nb == 0)
			break;
		if ((rc = log_batch(env, ev, org_id, &s, batch, nb)) != 0)
			goto out;
		logged = true;
		if ((rc = db_read_begin(env->db, &c)) != 0)
			goto out;
		for (i = 0; i < nb; i++) {
			if ((rc = confirm(env, c, org_id, &batch[i], key, words,
			    nwords, bf, a, &hits[nhits], &authors[nhits],
			    &found)) != 0)
				goto out;
			if (found)
				nhits++;
		}
		db_read_end(env->db, c);
		c = NULL;
		nopened += nb;
	}

	/* The authors' names from identity, all hits at once. */
	if (nhits > 0) {
		if ((rc = db_read_begin(env->db, &c)) != 0)
			goto out;
		if ((rc = user_names_on(c, authors, nhits, a, names)) != 0)
			goto out;
		for (i = 0; i < nhits; i++)
			hits[i].author_name = names[i];
	}

done:
	if (c != NULL) {
		db_read_end(env->db, c);
		c = NULL;
	}
	/* A search that opened nothing is logged too, without object. */
	if (!logged) {
		memset(&lj, 0, sizeof(lj));
		lj.tmpl = ev;
		lj.org_id = org_id;
		if ((rc = db_write(env->db, log_run, &lj)) != 0)
			goto out;
	}
	/* The index completing itself must not fail the search. */
	if (bf->n > 0 && (wrc = db_write(env->db, backfill_run, bf)) != 0)
		log_warn("search_backfill", "messages=%zu err=%s", bf->n,
		    err_name(wrc));
	*out = nhits > 0 ? hits : NULL;
	*n = nhits;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	crypto_wipe(key, sizeof(key));
	crypto_wipe(tok, sizeof(tok));
	scan_release(&s);
	if (bf != NULL) {
		buf_release(&bf->f);
		free(bf);
	}
	return rc;
}
