/*
 * keyring.c - organisations' data keys, wrapped by the master key.
 *
 * Owns the master key (and, during a rotation, the pending new one) and a
 * cache of unwrapped data keys, both in sodium_malloc memory: guard pages,
 * locked against swapping when RLIMIT_MEMLOCK allows, wiped when freed.
 *
 * Formats (all integers big-endian):
 *   wrapped data key (org_keys.wrapped): crypto_seal_ad of the 32-byte key
 *     with ad = "infuus/orgkey/1" org_id(8) version(8), so a wrapped key
 *     copied to another organisation's row or version does not unwrap;
 *   sealed text: 0x01 version(4) crypto_seal_ad(text) with
 *     ad = "infuus/data/1" org_id(8) 0x01 version(4).
 *
 * The cache is keyed by (org_id, version) and remembers the nonce of the
 * wrapped value it came from.  Sealing always asks the database for the
 * newest version and uses the cached key only when that nonce still
 * matches, so a key from a rolled-back job or from before another node's
 * change is never used to seal.  Opening trusts the cache first and, when
 * the box does not open, reloads the key once.
 *
 * After a rotation the previous master keys (the last
 * LIMIT_KEYRING_RETIRED) stay in memory for unwrapping only: a reader
 * whose snapshot began before a re-wrap committed still fetches rows
 * wrapped with one of them.  It is never used to wrap, and a process
 * started afresh does not know it.
 *
 * Locks: rotate_mu serialises rotations and keyring_start; mu guards the
 * keys and the cache and is never held while waiting for the database, so
 * a write job (which takes mu on the writer thread) cannot deadlock with a
 * rotation waiting for that writer.
 */
#include "keys/keyring.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "core/banned.h"

#define SEAL_FORMAT 0x01
#define NONCE_BYTES 24 /* the head of every crypto_seal_ad box */
#define WRAPPED_BYTES (CRYPTO_KEYBYTES + CRYPTO_SEAL_OVERHEAD)

struct master_keys {
	unsigned char master[CRYPTO_KEYBYTES];  /* the master key file's */
	unsigned char pending[CRYPTO_KEYBYTES]; /* "<path>.new", when present */
	/* The master keys before the last rotations in this process, newest
	 * first.  Only for unwrapping what a reader fetched before a rotation
	 * committed (its snapshot may predate it, and a slow reader may see
	 * rows from more than one rotation ago); never used to wrap. */
	unsigned char retired[LIMIT_KEYRING_RETIRED][CRYPTO_KEYBYTES];
};

struct cached_key {
	int64_t org_id;
	int64_t version;
	unsigned char wrap_nonce[NONCE_BYTES];
	unsigned char key[CRYPTO_KEYBYTES];
};

struct keyring {
	pthread_mutex_t rotate_mu;
	pthread_mutex_t mu;
	char *path;
	char *new_path;
	/* Guarded by mu from here on. */
	struct master_keys *k;
	bool has_pending;
	int nretired;       /* retired keys held, at most LIMIT_KEYRING_RETIRED */
	/* New data keys are wrapped with the pending key: set by the job that
	 * re-wrapped every row with it, so no row is wrapped with the old key
	 * after that job. */
	bool wrap_pending;
	struct cached_key *cache; /* sorted by (org_id, version) */
	size_t ncache;
};

static void *
locked_alloc(size_t n)
{
	void *p = sodium_malloc(n);

	if (p == NULL)
		assert_fail("sodium_malloc", __FILE__, __LINE__);
	memset(p, 0, n);
	return p;
}

static void
put_be(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

#define WRAP_AD_PREFIX "infuus/orgkey/1"
#define DATA_AD_PREFIX "infuus/data/1"

static size_t
wrap_ad(unsigned char ad[64], int64_t org_id, int64_t version)
{
	size_t n = sizeof(WRAP_AD_PREFIX) - 1;

	memcpy(ad, WRAP_AD_PREFIX, n);
	put_be(ad + n, (uint64_t)org_id, 8);
	put_be(ad + n + 8, (uint64_t)version, 8);
	return n + 16;
}

static size_t
data_ad(unsigned char ad[64], int64_t org_id, int64_t version)
{
	size_t n = sizeof(DATA_AD_PREFIX) - 1;

	memcpy(ad, DATA_AD_PREFIX, n);
	put_be(ad + n, (uint64_t)org_id, 8);
	ad[n + 8] = SEAL_FORMAT;
	put_be(ad + n + 9, (uint64_t)version, 4);
	return n + 13;
}

/* --- The cache (caller holds mu) ---------------------------------------- */

static int
cache_cmp(const struct cached_key *e, int64_t org_id, int64_t version)
{
	if (e->org_id != org_id)
		return e->org_id < org_id ? -1 : 1;
	if (e->version != version)
		return e->version < version ? -1 : 1;
	return 0;
}

/* The index of (org_id, version), or where it would go; *found says which. */
static size_t
cache_find(struct keyring *kr, int64_t org_id, int64_t version, bool *found)
{
	size_t lo = 0, hi = kr->ncache;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cache_cmp(&kr->cache[mid], org_id, version);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void
cache_put(struct keyring *kr, int64_t org_id, int64_t version,
    const unsigned char *wrap_nonce, const unsigned char key[CRYPTO_KEYBYTES])
{
	struct cached_key *e;
	bool found;
	size_t i = cache_find(kr, org_id, version, &found);

	if (!found) {
		if (kr->ncache == LIMIT_KEYRING_CACHE) {
			sodium_memzero(kr->cache,
			    LIMIT_KEYRING_CACHE * sizeof(*kr->cache));
			kr->ncache = 0;
			i = 0;
		}
		memmove(&kr->cache[i + 1], &kr->cache[i],
		    (kr->ncache - i) * sizeof(*kr->cache));
		kr->ncache++;
	}
	e = &kr->cache[i];
	e->org_id = org_id;
	e->version = version;
	memcpy(e->wrap_nonce, wrap_nonce, NONCE_BYTES);
	memcpy(e->key, key, CRYPTO_KEYBYTES);
}

static void
cache_drop(struct keyring *kr, size_t i)
{
	ASSERT(i < kr->ncache);
	sodium_memzero(&kr->cache[i], sizeof(*kr->cache));
	memmove(&kr->cache[i], &kr->cache[i + 1],
	    (kr->ncache - i - 1) * sizeof(*kr->cache));
	kr->ncache--;
	sodium_memzero(&kr->cache[kr->ncache], sizeof(*kr->cache));
}

static void
cache_drop_org(struct keyring *kr, int64_t org_id)
{
	bool found;
	size_t i = cache_find(kr, org_id, INT64_MIN, &found);

	while (i < kr->ncache && kr->cache[i].org_id == org_id)
		cache_drop(kr, i);
}

/* --- Wrapping (caller holds mu) ----------------------------------------- */

static void
wrap_locked(struct keyring *kr, int64_t org_id, int64_t version,
    const unsigned char key[CRYPTO_KEYBYTES], struct buf *out)
{
	unsigned char ad[64];
	size_t adlen = wrap_ad(ad, org_id, version);
	const unsigned char *mk = kr->wrap_pending ? kr->k->pending :
	    kr->k->master;

	crypto_seal_ad(mk, key, CRYPTO_KEYBYTES, ad, adlen, out);
}

/* Unwrap with whichever known master key opens it, the one new keys are
 * wrapped with first. */
static int
unwrap_locked(struct keyring *kr, int64_t org_id, int64_t version,
    struct str wrapped, unsigned char key[CRYPTO_KEYBYTES])
{
	const unsigned char *try[2 + LIMIT_KEYRING_RETIRED];
	unsigned char ad[64];
	struct buf plain = BUF_INIT;
	size_t adlen = wrap_ad(ad, org_id, version);
	int i, n = 0, rc = ERR_CRYPTO;

	if (wrapped.len != WRAPPED_BYTES)
		return ERR_CRYPTO;
	try[n++] = kr->wrap_pending ? kr->k->pending : kr->k->master;
	if (kr->has_pending)
		try[n++] = kr->wrap_pending ? kr->k->master : kr->k->pending;
	for (i = 0; i < kr->nretired; i++)
		try[n++] = kr->k->retired[i];
	for (i = 0; i < n && rc != 0; i++) {
		buf_reset(&plain);
		rc = crypto_open_ad(try[i], wrapped.p, wrapped.len, ad, adlen,
		    &plain);
	}
	if (rc == 0) {
		ASSERT(plain.len == CRYPTO_KEYBYTES);
		memcpy(key, plain.p, CRYPTO_KEYBYTES);
	}
	buf_wipe(&plain);
	return rc;
}

/* --- Loading data keys -------------------------------------------------- */

/* The wrapped key of (org_id, version), or of the newest version when
 * version is 0.  *got_version gets the version found. */
static int
fetch_wrapped(struct db_conn *c, int64_t org_id, int64_t version,
    int64_t *got_version, struct buf *wrapped)
{
	struct db_stmt *st = NULL;
	int rc;

	if (version == 0) {
		rc = db_prepare(c, "SELECT version, wrapped FROM org_keys "
		    "WHERE org_id = ? ORDER BY version DESC LIMIT 1", &st);
		if (rc != 0)
			return rc;
		db_bind_i64(st, 1, org_id);
	} else {
		rc = db_prepare(c, "SELECT version, wrapped FROM org_keys "
		    "WHERE org_id = ? AND version = ?", &st);
		if (rc != 0)
			return rc;
		db_bind_i64(st, 1, org_id);
		db_bind_i64(st, 2, version);
	}
	rc = db_step(st);
	if (rc == DB_ROW) {
		*got_version = db_col_i64(st, 0);
		buf_addstr(wrapped, db_col_blob(st, 1));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

static int
unwrap_and_cache(struct keyring *kr, int64_t org_id, int64_t version,
    struct str wrapped, unsigned char key[CRYPTO_KEYBYTES])
{
	int rc;

	pthread_mutex_lock(&kr->mu);
	rc = unwrap_locked(kr, org_id, version, wrapped, key);
	if (rc == 0)
		cache_put(kr, org_id, version, (const unsigned char *)wrapped.p,
		    key);
	pthread_mutex_unlock(&kr->mu);
	if (rc != 0)
		log_err("keyring_unwrap_failed", "org=%lld version=%lld "
		    "reason=\"not wrapped with this master key, or altered\"",
		    (long long)org_id, (long long)version);
	return rc;
}

/* The newest data key, checked against the database every time. */
static int
newest_key(struct keyring *kr, struct db_conn *c, int64_t org_id,
    int64_t *version, unsigned char key[CRYPTO_KEYBYTES])
{
	struct buf wrapped = BUF_INIT;
	bool found;
	size_t i;
	int rc;

	if (org_id < 0)
		return ERR_NOTFOUND;
	if ((rc = fetch_wrapped(c, org_id, 0, version, &wrapped)) != 0)
		goto out;
	if (wrapped.len != WRAPPED_BYTES) {
		rc = ERR_CRYPTO;
		goto out;
	}
	pthread_mutex_lock(&kr->mu);
	i = cache_find(kr, org_id, *version, &found);
	if (found && memcmp(kr->cache[i].wrap_nonce, wrapped.p,
	    NONCE_BYTES) == 0) {
		memcpy(key, kr->cache[i].key, CRYPTO_KEYBYTES);
		pthread_mutex_unlock(&kr->mu);
		goto out;
	}
	pthread_mutex_unlock(&kr->mu);
	rc = unwrap_and_cache(kr, org_id, *version, buf_str(&wrapped), key);
out:
	buf_release(&wrapped);
	return rc;
}

/* The data key of one version; from the cache when allowed (*hit says
 * whether it came from there). */
static int
version_key(struct keyring *kr, struct db_conn *c, int64_t org_id,
    int64_t version, bool use_cache, bool *hit,
    unsigned char key[CRYPTO_KEYBYTES])
{
	struct buf wrapped = BUF_INIT;
	int64_t got = 0;
	bool found;
	size_t i;
	int rc;

	*hit = false;
	pthread_mutex_lock(&kr->mu);
	i = cache_find(kr, org_id, version, &found);
	if (found && use_cache) {
		memcpy(key, kr->cache[i].key, CRYPTO_KEYBYTES);
		*hit = true;
	} else if (found) {
		cache_drop(kr, i);
	}
	pthread_mutex_unlock(&kr->mu);
	if (*hit)
		return 0;
	rc = fetch_wrapped(c, org_id, version, &got, &wrapped);
	if (rc == 0)
		rc = unwrap_and_cache(kr, org_id, version, buf_str(&wrapped),
		    key);
	buf_release(&wrapped);
	return rc;
}

/* --- Public ------------------------------------------------------------- */

int
keyring_new(const char *master_path, struct keyring **out)
{
	struct keyring *kr = xcalloc(1, sizeof(*kr));
	struct buf np = BUF_INIT;
	int rc;

	pthread_mutex_init(&kr->rotate_mu, NULL);
	pthread_mutex_init(&kr->mu, NULL);
	kr->path = xstrdup(master_path);
	buf_printf(&np, "%s.new", master_path);
	kr->new_path = buf_detach(&np, NULL);
	kr->k = locked_alloc(sizeof(*kr->k));
	kr->cache = locked_alloc(LIMIT_KEYRING_CACHE * sizeof(*kr->cache));
	if ((rc = crypto_master_load(kr->path, kr->k->master)) != 0)
		goto out;
	rc = crypto_master_read(kr->new_path, kr->k->pending);
	if (rc == 0) {
		kr->has_pending = true;
		log_warn("keyring_pending_rotation", "path=%s msg=\"a master "
		    "key rotation was interrupted; it is finished at start-up\"",
		    kr->new_path);
	} else if (rc == ERR_NOTFOUND) {
		rc = 0;
	}
out:
	if (rc != 0) {
		keyring_free(kr);
		kr = NULL;
	}
	*out = kr;
	return rc;
}

void
keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	/* sodium_free wipes before it unmaps. */
	sodium_free(kr->k);
	sodium_free(kr->cache);
	pthread_mutex_destroy(&kr->mu);
	pthread_mutex_destroy(&kr->rotate_mu);
	free(kr->path);
	free(kr->new_path);
	free(kr);
}

int
keyring_create_org_key(struct keyring *kr, struct db_conn *c, int64_t org_id)
{
	unsigned char key[CRYPTO_KEYBYTES];
	struct buf wrapped = BUF_INIT;
	struct db_stmt *st = NULL;
	int64_t version = 0;
	int rc;

	if (org_id < 0)
		return ERR_INVAL;
	rc = db_query_i64(c, "SELECT COALESCE(MAX(version), 0) FROM org_keys "
	    "WHERE org_id = ?", &version, 1, &org_id);
	if (rc != 0)
		return rc;
	/* The sealed form has four bytes for the version. */
	if (version >= UINT32_MAX)
		return ERR_INVAL;
	version++;
	crypto_new_key(key);
	pthread_mutex_lock(&kr->mu);
	wrap_locked(kr, org_id, version, key, &wrapped);
	/* Whatever is cached for this organisation may come from a job that
	 * was rolled back; forget it. */
	cache_drop_org(kr, org_id);
	pthread_mutex_unlock(&kr->mu);
	crypto_wipe(key, sizeof(key));
	if ((rc = db_prepare(c, "INSERT INTO org_keys (org_id, version, "
	    "wrapped, created_at) VALUES (?, ?, ?, ?)", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	db_bind_i64(st, 2, version);
	db_bind_blob(st, 3, wrapped.p, wrapped.len);
	db_bind_i64(st, 4, (int64_t)time(NULL));
	if ((rc = db_run(st)) == 0)
		log_info("org_key_created", "org=%lld version=%lld",
		    (long long)org_id, (long long)version);
out:
	buf_release(&wrapped);
	return rc;
}

int
keyring_org_key(struct keyring *kr, struct db_conn *c, int64_t org_id,
    unsigned char key[CRYPTO_KEYBYTES])
{
	int64_t version = 0;

	return newest_key(kr, c, org_id, &version, key);
}

int
keyring_seal(struct keyring *kr, struct db_conn *c, int64_t org_id,
    const void *p, size_t len, struct buf *out)
{
	unsigned char key[CRYPTO_KEYBYTES], ad[64], head[5];
	int64_t version = 0;
	size_t adlen;
	int rc;

	if ((rc = newest_key(kr, c, org_id, &version, key)) != 0) {
		if (rc == ERR_NOTFOUND)
			log_err("keyring_no_key", "org=%lld%s",
			    (long long)org_id, org_id == KEYRING_SYSTEM_ORG ?
			    " msg=\"keyring_start makes the system key\"" : "");
		return rc;
	}
	head[0] = SEAL_FORMAT;
	put_be(head + 1, (uint64_t)version, 4);
	adlen = data_ad(ad, org_id, version);
	buf_add(out, head, sizeof(head));
	crypto_seal_ad(key, p, len, ad, adlen, out);
	crypto_wipe(key, sizeof(key));
	return 0;
}

int
keyring_open(struct keyring *kr, struct db_conn *c, int64_t org_id,
    const void *box, size_t len, struct buf *out)
{
	const unsigned char *b = box;
	unsigned char key[CRYPTO_KEYBYTES], ad[64];
	int64_t version;
	size_t adlen;
	bool hit = false;
	int rc;

	if (len < KEYRING_SEAL_OVERHEAD || b[0] != SEAL_FORMAT || org_id < 0)
		return ERR_CRYPTO;
	version = (int64_t)get_be(b + 1, 4);
	if (version == 0)
		return ERR_CRYPTO;
	adlen = data_ad(ad, org_id, version);
	rc = version_key(kr, c, org_id, version, true, &hit, key);
	if (rc == 0) {
		rc = crypto_open_ad(key, b + 5, len - 5, ad, adlen, out);
		if (rc != 0 && hit) {
			/* The cached key may be stale; ask the database. */
			rc = version_key(kr, c, org_id, version, false, &hit,
			    key);
			if (rc == 0)
				rc = crypto_open_ad(key, b + 5, len - 5, ad, adlen,
				    out);
		}
	}
	crypto_wipe(key, sizeof(key));
	/* A missing key version means the box cannot be opened, which is
	 * what the caller needs to know. */
	if (rc == ERR_NOTFOUND)
		rc = ERR_CRYPTO;
	return rc;
}

/* --- Rotation and start-up ---------------------------------------------- */

struct row {
	int64_t org_id;
	int64_t version;
	struct buf wrapped;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static void
rows_release(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		buf_release(&r->v[i].wrapped);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int
rows_load(struct db_conn *c, struct rows *r)
{
	struct db_stmt *st = NULL;
	int rc;

	if ((rc = db_prepare(c, "SELECT org_id, version, wrapped FROM org_keys "
	    "ORDER BY org_id, version", &st)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct row *w;

		if (r->n == r->cap) {
			r->cap = r->cap ? st_mul(r->cap, 2) : 16;
			r->v = xrealloc(r->v, st_mul(r->cap, sizeof(*r->v)));
		}
		w = &r->v[r->n++];
		w->org_id = db_col_i64(st, 0);
		w->version = db_col_i64(st, 1);
		buf_init(&w->wrapped);
		buf_addstr(&w->wrapped, db_col_blob(st, 2));
	}
	db_done(st);
	return rc == DB_DONE ? 0 : rc;
}

/* The write job of a rotation: every data key re-wrapped with the pending
 * key, then new keys are wrapped with it too. */
static int
rewrap_job(struct db_conn *c, void *arg)
{
	struct keyring *kr = arg;
	struct rows r = { 0 };
	struct buf wrapped = BUF_INIT;
	unsigned char key[CRYPTO_KEYBYTES];
	unsigned char ad[64];
	struct db_stmt *st = NULL;
	size_t i;
	int rc;

	if ((rc = rows_load(c, &r)) != 0)
		goto out;
	for (i = 0; i < r.n; i++) {
		struct row *w = &r.v[i];
		size_t adlen = wrap_ad(ad, w->org_id, w->version);

		pthread_mutex_lock(&kr->mu);
		ASSERT(kr->has_pending);
		rc = unwrap_locked(kr, w->org_id, w->version,
		    buf_str(&w->wrapped), key);
		if (rc == 0) {
			buf_reset(&wrapped);
			crypto_seal_ad(kr->k->pending, key, CRYPTO_KEYBYTES, ad,
			    adlen, &wrapped);
		}
		pthread_mutex_unlock(&kr->mu);
		crypto_wipe(key, sizeof(key));
		if (rc != 0) {
			log_err("keyring_rotate_refused", "org=%lld version=%lld "
			    "reason=\"data key does not unwrap with the master "
			    "key\"", (long long)w->org_id, (long long)w->version);
			goto out;
		}
		if ((rc = db_prepare(c, "UPDATE org_keys SET wrapped = ? "
		    "WHERE org_id = ? AND version = ?", &st)) != 0)
			goto out;
		db_bind_blob(st, 1, wrapped.p, wrapped.len);
		db_bind_i64(st, 2, w->org_id);
		db_bind_i64(st, 3, w->version);
		if ((rc = db_run(st)) != 0)
			goto out;
	}
	pthread_mutex_lock(&kr->mu);
	kr->wrap_pending = true;
	pthread_mutex_unlock(&kr->mu);
	log_info("keyring_rewrapped", "keys=%zu", r.n);
out:
	buf_release(&wrapped);
	rows_release(&r);
	return rc;
}

/* Steps 2 and 3 of a rotation towards the pending key (rotate_mu held). */
static int
converge(struct keyring *kr, struct db *db)
{
	int rc;

	if ((rc = db_write(db, rewrap_job, kr)) != 0)
		return rc;
	if ((rc = crypto_master_replace(kr->new_path, kr->path)) != 0)
		return rc;
	pthread_mutex_lock(&kr->mu);
	memmove(kr->k->retired[1], kr->k->retired[0],
	    (LIMIT_KEYRING_RETIRED - 1) * CRYPTO_KEYBYTES);
	memcpy(kr->k->retired[0], kr->k->master, CRYPTO_KEYBYTES);
	if (kr->nretired < LIMIT_KEYRING_RETIRED)
		kr->nretired++;
	memcpy(kr->k->master, kr->k->pending, CRYPTO_KEYBYTES);
	sodium_memzero(kr->k->pending, CRYPTO_KEYBYTES);
	kr->has_pending = false;
	kr->wrap_pending = false;
	pthread_mutex_unlock(&kr->mu);
	log_info("master_key_rotated", "path=%s", kr->path);
	return 0;
}

int
keyring_rotate_master(struct keyring *kr, struct db *db,
    const char *master_path)
{
	unsigned char key[CRYPTO_KEYBYTES];
	int rc;

	if (strcmp(master_path, kr->path) != 0) {
		log_err("keyring_rotate_refused", "path=%s loaded=%s", master_path,
		    kr->path);
		return ERR_INVAL;
	}
	pthread_mutex_lock(&kr->rotate_mu);
	if (kr->has_pending && (rc = converge(kr, db)) != 0)
		goto out;
	crypto_new_key(key);
	rc = crypto_master_write(kr->new_path, key);
	if (rc == 0) {
		pthread_mutex_lock(&kr->mu);
		memcpy(kr->k->pending, key, CRYPTO_KEYBYTES);
		kr->has_pending = true;
		kr->wrap_pending = false;
		pthread_mutex_unlock(&kr->mu);
		rc = converge(kr, db);
	}
	crypto_wipe(key, sizeof(key));
out:
	pthread_mutex_unlock(&kr->rotate_mu);
	return rc;
}

static int
system_key_job(struct db_conn *c, void *arg)
{
	struct keyring *kr = arg;
	int64_t org = KEYRING_SYSTEM_ORG, n = 0;
	int rc;

	rc = db_query_i64(c, "SELECT COUNT(*) FROM org_keys WHERE org_id = ?",
	    &n, 1, &org);
	if (rc != 0 || n > 0)
		return rc;
	return keyring_create_org_key(kr, c, KEYRING_SYSTEM_ORG);
}

/* Every data key must unwrap: a master key file that does not match the
 * database stops the start rather than the first request. */
static int
check_all(struct keyring *kr, struct db *db)
{
	struct db_conn *c = NULL;
	struct rows r = { 0 };
	unsigned char key[CRYPTO_KEYBYTES];
	size_t i, bad = 0;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = rows_load(c, &r);
	db_read_end(db, c);
	if (rc != 0)
		goto out;
	for (i = 0; i < r.n; i++) {
		pthread_mutex_lock(&kr->mu);
		if (unwrap_locked(kr, r.v[i].org_id, r.v[i].version,
		    buf_str(&r.v[i].wrapped), key) != 0) {
			if (bad++ < 10)
				log_err("keyring_check_failed", "org=%lld "
				    "version=%lld", (long long)r.v[i].org_id,
				    (long long)r.v[i].version);
		}
		pthread_mutex_unlock(&kr->mu);
	}
	crypto_wipe(key, sizeof(key));
	if (bad) {
		log_err("keyring_check_failed", "keys=%zu bad=%zu path=%s "
		    "msg=\"the master key file does not match the database\"",
		    r.n, bad, kr->path);
		rc = ERR_CRYPTO;
	}
out:
	rows_release(&r);
	return rc;
}

int
keyring_start(struct keyring *kr, struct db *db)
{
	int rc;

	pthread_mutex_lock(&kr->rotate_mu);
	if (kr->has_pending) {
		log_info("keyring_finish_rotation", "path=%s", kr->path);
		if ((rc = converge(kr, db)) != 0)
			goto out;
	}
	if ((rc = check_all(kr, db)) != 0)
		goto out;
	rc = db_write(db, system_key_job, kr);
	/* Another node made it at the same moment: that is as good. */
	if (rc == ERR_CONFLICT)
		rc = 0;
out:
	pthread_mutex_unlock(&kr->rotate_mu);
	return rc;
}

int
keyring_open_str(struct keyring *kr, struct db_conn *c, int64_t org_id,
    struct str box, struct arena *a, const char **out, size_t *len)
{
	struct buf plain = BUF_INIT;
	int rc;

	if ((rc = keyring_open(kr, c, org_id, box.p, box.len, &plain)) == 0) {
		*out = arena_strndup(a, plain.p ? plain.p : "", plain.len);
		if (len)
			*len = plain.len;
	}
	buf_wipe(&plain);
	return rc;
}
