/*
 * tzcache.c - loaded time zones shared by every request: a zone file is
 * read and parsed once per process, not once per page.
 *
 * Zones are immutable after loading (tz.h), so a pointer handed out may be
 * used by any thread without the lock; the lock guards only the table.
 * Zones stay until tz_cache_free because compiled promises borrow them.
 * Only zones that exist load, so the table is bounded by what tzdata
 * installs (LIMIT_TZ_CACHE is a backstop).
 */
#include "trajectory/trajectory.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/xalloc.h"
#include "promise/tz.h"
#include "core/banned.h"

struct tz_cache {
	pthread_mutex_t mu;
	size_t n;
	struct tz *zones[LIMIT_TZ_CACHE];
};

int
tz_cache_new(struct tz_cache **out)
{
	struct tz_cache *c = xcalloc(1, sizeof(*c));

	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return ERR_INTERNAL;
	}
	*out = c;
	return 0;
}

void
tz_cache_free(struct tz_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		tz_free(c->zones[i]);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Under the lock. */
static const struct tz *
find(const struct tz_cache *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(tz_name(c->zones[i]), name) == 0)
			return c->zones[i];
	return NULL;
}

int
tz_cache_get(struct tz_cache *c, const char *name, const struct tz **out)
{
	const struct tz *hit;
	struct tz *tz = NULL;
	int rc;

	/* A context built without a cache (a test's hand-made app) gets an
	 * error rather than a crash. */
	if (c == NULL || name == NULL)
		return ERR_INVAL;
	pthread_mutex_lock(&c->mu);
	hit = find(c, name);
	pthread_mutex_unlock(&c->mu);
	if (hit) {
		*out = hit;
		return 0;
	}
	/* Read the file without the lock; two threads racing for one new
	 * zone both load it and the second copy is dropped. */
	if ((rc = tz_load(name, &tz)) != 0)
		return rc;
	pthread_mutex_lock(&c->mu);
	if ((hit = find(c, name)) == NULL) {
		if (c->n == LIMIT_TZ_CACHE) {
			rc = ERR_TOOMANY;
		} else {
			c->zones[c->n++] = tz;
			hit = tz;
			tz = NULL;
		}
	}
	pthread_mutex_unlock(&c->mu);
	tz_free(tz);
	if (rc == 0)
		*out = hit;
	return rc;
}
