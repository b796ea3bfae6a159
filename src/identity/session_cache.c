/*
 * session_cache.c - sessions looked up recently, keyed by the token's hash.
 *
 * A direct-mapped table: a slot holds one session; a new one for the same
 * slot replaces it.  Slots are guarded by striped mutexes so threads rarely
 * wait on each other.  What makes it safe is the generation check (see
 * session.h): an entry read at generation g is used only while no write
 * has committed since, so it can never show a session that was ended, a
 * role that was changed or an account that was disabled.
 */
#include "identity/session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/xalloc.h"
#include "identity/ident.h"
#include "store/db.h"
#include "core/banned.h"

#define SC_SLOTS 4096  /* sessions kept; more active ones just miss */
#define SC_STRIPES 64

struct sc_entry {
	bool used;
	uint64_t gen;
	unsigned char hash[CRYPTO_HASHBYTES];
	struct session s;
};

struct session_cache {
	bool enabled;
	pthread_mutex_t mu[SC_STRIPES];
	struct sc_entry e[SC_SLOTS];
};

void
session_cache_new(struct db *db, struct session_cache **out)
{
	struct session_cache *sc = xcalloc(1, sizeof(*sc));
	int i;

	sc->enabled = db_kind(db) == DB_SQLITE;
	for (i = 0; i < SC_STRIPES; i++)
		pthread_mutex_init(&sc->mu[i], NULL);
	*out = sc;
}

void
session_cache_free(struct session_cache *sc)
{
	int i;

	if (sc == NULL)
		return;
	for (i = 0; i < SC_STRIPES; i++)
		pthread_mutex_destroy(&sc->mu[i]);
	crypto_wipe(sc->e, sizeof(sc->e));
	free(sc);
}

static size_t
slot_of(const unsigned char *h)
{
	return ((size_t)h[0] | (size_t)h[1] << 8) % SC_SLOTS;
}

/* Would session_lookup have to write (expire or touch) for this one? */
static bool
needs_db(const struct session *s, const struct session_policy *pol,
    time_t now)
{
	int64_t idle = pol ? pol->idle_secs : LIMIT_SESSION_IDLE;
	int64_t absolute = pol ? pol->absolute_secs : LIMIT_SESSION_ABSOLUTE;
	int64_t t = (int64_t)now;

	return t - s->last_seen >= SESSION_TOUCH_SECS ||
	    t - s->last_seen > idle || t - s->created_at > absolute ||
	    (s->twofa_pending && t - s->created_at > LIMIT_SESSION_2FA_PENDING);
}

int
session_lookup_cached(struct session_cache *sc, struct db *db,
    const struct session_policy *pol, const char *token, time_t now,
    struct session *out)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct sc_entry *e;
	pthread_mutex_t *mu;
	uint64_t gen;
	size_t slot;
	int rc;

	if (sc == NULL || !sc->enabled)
		return session_lookup(db, pol, token, now, out);
	if (!ident_token_plausible(token))
		return ERR_AUTH;
	crypto_sha256(token, strlen(token), h);
	slot = slot_of(h);
	e = &sc->e[slot];
	mu = &sc->mu[slot % SC_STRIPES];

	gen = db_generation(db);
	pthread_mutex_lock(mu);
	if (e->used && e->gen == gen && memcmp(e->hash, h, sizeof(h)) == 0 &&
	    !needs_db(&e->s, pol, now)) {
		*out = e->s;
		pthread_mutex_unlock(mu);
		return 0;
	}
	pthread_mutex_unlock(mu);

	/* The generation is read before the rows, so a write that commits
	 * meanwhile leaves this entry stale rather than wrong. */
	gen = db_generation(db);
	if ((rc = session_lookup(db, pol, token, now, out)) != 0)
		return rc;
	pthread_mutex_lock(mu);
	e->used = true;
	e->gen = gen;
	memcpy(e->hash, h, sizeof(h));
	e->s = *out;
	pthread_mutex_unlock(mu);
	return 0;
}
