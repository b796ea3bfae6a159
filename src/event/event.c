/*
 * event.c - the live-event bus of one node (event.h says what and why).
 *
 * One mutex guards everything: the scopes (a hash of trajectory and user
 * scopes, each with its streams and its replay ring; a user's scope also
 * lists every stream of that user, whatever it follows, for the limit per
 * user) and the list of all streams.  Subscribing looks at the user's own
 * streams only: with the node's 10,000 open, walking them all under the
 * lock made each new stream cost more than the last.  For the same reason
 * a full table drops the last of a list of scopes without streams instead
 * of looking through all of them.  Delivering only appends to a stream's
 * bounded queue (sse.c), so the lock is held for microseconds per stream;
 * a scope has a handful of streams (the people of one trajectory, their
 * tabs).
 *
 * Across nodes (PostgreSQL): a thread per node LISTENs on a connection of
 * its own and delivers what other nodes NOTIFY; publishing NOTIFYs on a
 * second connection (a NOTIFY on the listening one could swallow the
 * notifications its LISTEN waits for).  A notification is
 * "<node> <scope> <id> <only_user> <kind> <data>"; one that would pass
 * LIMIT_EVENT_NOTIFY bytes goes into live_events and "@<row id>" is
 * notified instead.  Rows older than LIMIT_EVENT_REPLAY_SECS are deleted
 * by the publisher now and then.
 */
#include "event/event.h"

#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* A power of two above LIMIT_EVENT_SCOPES: a full table's chains hold
 * less than a scope on average (at 4,096 the five cold scopes a lookup
 * walked were most of a new scope's cost). */
#define NBUCKETS 32768
_Static_assert(NBUCKETS >= LIMIT_EVENT_SCOPES, "chains of one scope");
#define CHANNEL "infuus_live"

struct ev {
	uint64_t seq;
	time_t at;
	int64_t only_user;
	char kind[LIMIT_EVENT_KIND];
	size_t len;
	char data[];
};

LIST_HEAD(sub_list, event_sub);

struct scope {
	enum event_scope kind;
	int64_t id;
	struct scope *hnext;
	struct sub_list subs;
	size_t nsubs;
	struct sub_list mine;  /* a user's scope: the user's streams */
	size_t nmine;
	struct ev **ring;      /* LIMIT_EVENT_REPLAY slots, NULL until used */
	size_t head, n;        /* oldest slot, events held */
	uint64_t floor;        /* newest seq no longer held (0: none) */
	TAILQ_ENTRY(scope) in_idle;
	bool idle;             /* no streams: in the bus's idle list */
};

struct event_sub {
	LIST_ENTRY(event_sub) in_scope, in_bus, in_user;
	struct scope *sc, *usc;
	int64_t user_id;
	struct event_sink sink;
	bool dead;                        /* its stream stopped taking */
};

struct event_bus {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct scope *buckets[NBUCKETS];
	size_t nscopes;
	/* The scopes without streams, the one used last first: a full
	 * table drops the last, so a new scope costs about the same on a
	 * full table as on one with room (walking the 20,000 under the lock
	 * cost 350 us a publish; bench/41-events.sh). */
	TAILQ_HEAD(scope_idle, scope) idle;
	struct sub_list all;
	size_t nsubs;
	uint64_t seq;
	uint64_t evicted;       /* newest seq of a scope dropped whole */
	char node[17];          /* this process's name in event ids */
	unsigned heartbeat;
	bool stopping;
	pthread_t beat_thread;

	/* Across nodes (NULL without PostgreSQL). */
	char *pg_url;
	PGconn *pg_send;        /* under send_mu */
	pthread_mutex_t send_mu;
	unsigned sends;
	pthread_t listen_thread;
	bool listening;
};

/* --- scopes and rings -------------------------------------------------- */

static size_t
bucket(enum event_scope kind, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull ^ (uint64_t)kind;

	return (size_t)(h >> 32) % NBUCKETS;
}

static struct scope *
scope_find(struct event_bus *b, enum event_scope kind, int64_t id)
{
	struct scope *sc;

	for (sc = b->buckets[bucket(kind, id)]; sc; sc = sc->hnext)
		if (sc->kind == kind && sc->id == id)
			return sc;
	return NULL;
}

static void
ring_clear(struct scope *sc)
{
	size_t i;

	for (i = 0; sc->ring && i < sc->n; i++)
		free(sc->ring[(sc->head + i) % LIMIT_EVENT_REPLAY]);
	free(sc->ring);
	sc->ring = NULL;
	sc->n = sc->head = 0;
}

/* The scope was just used: first in the idle list if it has no streams,
 * off it if it has. */
static void
scope_touch(struct event_bus *b, struct scope *sc)
{
	if (sc->idle)
		TAILQ_REMOVE(&b->idle, sc, in_idle);
	sc->idle = sc->nsubs == 0 && sc->nmine == 0;
	if (sc->idle)
		TAILQ_INSERT_HEAD(&b->idle, sc, in_idle);
}

/* Drop the scope without streams that was used longest ago: a reconnect
 * to it with an id before b->evicted reloads. */
static void
scope_evict(struct event_bus *b)
{
	struct scope **pp, *sc = TAILQ_LAST(&b->idle, scope_idle);

	if (sc == NULL)
		return; /* every scope has a stream: bounded by the streams */
	TAILQ_REMOVE(&b->idle, sc, in_idle);
	for (pp = &b->buckets[bucket(sc->kind, sc->id)]; *pp != sc;
	    pp = &(*pp)->hnext)
		;
	*pp = sc->hnext;
	b->evicted = b->seq;
	ring_clear(sc);
	free(sc);
	b->nscopes--;
}

static struct scope *
scope_get(struct event_bus *b, enum event_scope kind, int64_t id)
{
	struct scope *sc = scope_find(b, kind, id);
	size_t k;

	if (sc == NULL) {
		if (b->nscopes >= LIMIT_EVENT_SCOPES)
			scope_evict(b);
		sc = xcalloc(1, sizeof(*sc));
		sc->kind = kind;
		sc->id = id;
		LIST_INIT(&sc->subs);
		LIST_INIT(&sc->mine);
		k = bucket(kind, id);
		sc->hnext = b->buckets[k];
		b->buckets[k] = sc;
		b->nscopes++;
	}
	scope_touch(b, sc);
	return sc;
}

/* Forget events older than the replay window. */
static void
ring_trim(struct scope *sc, time_t now)
{
	struct ev *e;

	while (sc->n > 0) {
		e = sc->ring[sc->head];
		if (now - e->at <= LIMIT_EVENT_REPLAY_SECS)
			break;
		sc->floor = e->seq;
		free(e);
		sc->head = (sc->head + 1) % LIMIT_EVENT_REPLAY;
		sc->n--;
	}
}

static void
ring_add(struct scope *sc, struct ev *e)
{
	if (sc->ring == NULL)
		sc->ring = xcalloc(LIMIT_EVENT_REPLAY, sizeof(*sc->ring));
	ring_trim(sc, e->at);
	if (sc->n == LIMIT_EVENT_REPLAY) {
		sc->floor = sc->ring[sc->head]->seq;
		free(sc->ring[sc->head]);
		sc->head = (sc->head + 1) % LIMIT_EVENT_REPLAY;
		sc->n--;
	}
	sc->ring[(sc->head + sc->n) % LIMIT_EVENT_REPLAY] = e;
	sc->n++;
}

/* --- delivery ---------------------------------------------------------- */

static void
send_one(struct event_bus *b, struct event_sub *s, const struct ev *e)
{
	struct event_out o;
	char id[40];

	if (s->dead || (e->only_user > 0 && e->only_user != s->user_id))
		return;
	snprintf(id, sizeof(id), "%s-%" PRIu64, b->node, e->seq);
	o.id = id;
	o.kind = e->kind;
	o.data = e->data;
	o.len = e->len;
	if (!s->sink.deliver(s->sink.cls, &o))
		s->dead = true;
}

static void
send_reload(struct event_bus *b, struct event_sub *s)
{
	struct event_out o;
	char id[40];

	snprintf(id, sizeof(id), "%s-%" PRIu64, b->node, b->seq);
	o.id = id;
	o.kind = "reload";
	o.data = "{}";
	o.len = 2;
	if (!s->sink.deliver(s->sink.cls, &o))
		s->dead = true;
}

/* Deliver on this node (events of this node and of the others). */
static void
deliver_local(struct event_bus *b, enum event_scope kind, int64_t id,
    int64_t only_user, const char *name, const char *data, size_t len)
{
	struct ev *e = xmalloc(st_add(sizeof(*e), len + 1));
	struct event_sub *s;
	struct scope *sc;

	memset(e, 0, sizeof(*e));
	e->at = time(NULL);
	e->only_user = only_user;
	snprintf(e->kind, sizeof(e->kind), "%s", name);
	e->len = len;
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	pthread_mutex_lock(&b->mu);
	e->seq = ++b->seq;
	sc = scope_get(b, kind, id);
	ring_add(sc, e);
	LIST_FOREACH(s, &sc->subs, in_scope)
		send_one(b, s, e);
	pthread_mutex_unlock(&b->mu);
}

/* --- the heartbeat ----------------------------------------------------- */

static void *
beat_main(void *arg)
{
	struct event_bus *b = arg;
	struct event_sub *s;
	struct timespec until;

	pthread_mutex_lock(&b->mu);
	while (!b->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += b->heartbeat;
		while (!b->stopping && pthread_cond_timedwait(&b->cv, &b->mu,
		    &until) != ETIMEDOUT)
			;
		if (b->stopping)
			break;
		LIST_FOREACH(s, &b->all, in_bus)
			if (!s->dead && ((s->sink.alive &&
			    !s->sink.alive(s->sink.cls)) ||
			    !s->sink.deliver(s->sink.cls, NULL)))
				s->dead = true;
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* --- the public face --------------------------------------------------- */

struct event_bus *
event_bus_new(unsigned heartbeat)
{
	struct event_bus *b = xcalloc(1, sizeof(*b));
	unsigned char r[8];
	size_t i;

	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	pthread_mutex_init(&b->send_mu, NULL);
	TAILQ_INIT(&b->idle);
	LIST_INIT(&b->all);
	/* A new name per process: ids of a node that restarted (and lost
	 * its rings) are not mistaken for this one's. */
	crypto_random(r, sizeof(r));
	for (i = 0; i < sizeof(r); i++)
		snprintf(b->node + 2 * i, 3, "%02x", r[i]);
	b->heartbeat = heartbeat ? heartbeat : LIMIT_SSE_HEARTBEAT;
	if (pthread_create(&b->beat_thread, NULL, beat_main, b) != 0) {
		log_err("event.start", "cannot start the heartbeat thread");
		abort();
	}
	return b;
}

void
event_bus_free(struct event_bus *b)
{
	struct scope *sc, *next;
	size_t i;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	b->stopping = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->beat_thread, NULL);
	if (b->listening)
		pthread_join(b->listen_thread, NULL);
	if (b->nsubs != 0) {
		log_err("event.free", "streams=%zu still subscribed", b->nsubs);
		abort();
	}
	for (i = 0; i < NBUCKETS; i++)
		for (sc = b->buckets[i]; sc; sc = next) {
			next = sc->hnext;
			ring_clear(sc);
			free(sc);
		}
	if (b->pg_send)
		PQfinish(b->pg_send);
	free(b->pg_url);
	pthread_mutex_destroy(&b->send_mu);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

int
event_check(const char *kind, const char *data, size_t len)
{
	size_t i, n;

	if (kind == NULL || data == NULL)
		return ERR_INVAL;
	n = strlen(kind);
	if (n == 0 || n >= LIMIT_EVENT_KIND)
		return ERR_INVAL;
	for (i = 0; i < n; i++)
		if (!((kind[i] >= 'a' && kind[i] <= 'z') || kind[i] == '_'))
			return ERR_INVAL;
	if (len > LIMIT_EVENT_DATA)
		return ERR_TOOBIG;
	/* One line of an object: SSE ends a data line at a newline, and a
	 * receiver parses it as JSON. */
	if (len < 2 || data[0] != '{' || data[len - 1] != '}')
		return ERR_INVAL;
	for (i = 0; i < len; i++)
		if ((unsigned char)data[i] < 0x20)
			return ERR_INVAL;
	return 0;
}

static void notify_others(struct event_bus *b, enum event_scope kind,
    int64_t id, int64_t only_user, const char *name, const char *data,
    size_t len);

int
event_publish(struct event_bus *b, enum event_scope scope, int64_t scope_id,
    int64_t only_user, const char *kind, const char *data)
{
	size_t len = data ? strlen(data) : 0;
	int rc;

	if (b == NULL)
		return 0;
	if ((rc = event_check(kind, data, len)) != 0)
		return rc;
	if ((scope != EVENT_SCOPE_USER && scope != EVENT_SCOPE_TRAJ) ||
	    scope_id <= 0)
		return ERR_INVAL;
	deliver_local(b, scope, scope_id, only_user, kind, data, len);
	if (b->pg_url)
		notify_others(b, scope, scope_id, only_user, kind, data, len);
	return 0;
}

/* "<node>-<seq>" of this node: 0 and *seq; ERR_NOTFOUND for an id of
 * another node or process (or one from the future); ERR_INVAL when it is
 * no id at all. */
static int
parse_id(const struct event_bus *b, const char *s, uint64_t *seq)
{
	const char *dash = strchr(s, '-');
	int64_t v;

	if (dash == NULL || num_parse_i64(str_c(dash + 1), 0, INT64_MAX,
	    &v) != 0)
		return ERR_INVAL;
	if ((size_t)(dash - s) != strlen(b->node) ||
	    memcmp(s, b->node, strlen(b->node)) != 0 || (uint64_t)v > b->seq)
		return ERR_NOTFOUND;
	*seq = (uint64_t)v;
	return 0;
}

/* What a reconnect missed: replay it, or say "reload". */
static void
replay(struct event_bus *b, struct event_sub *s, const char *last_id)
{
	struct scope *sc = s->sc;
	uint64_t last = 0;
	size_t i;

	if (last_id == NULL || last_id[0] == '\0')
		return;
	if (parse_id(b, last_id, &last) != 0) {
		send_reload(b, s);
		return;
	}
	ring_trim(sc, time(NULL));
	/* Events of this scope newer than last may have been dropped with
	 * a ring that was evicted or with the oldest of this one. */
	if ((sc->n == 0 && sc->floor == 0 && last < b->evicted) ||
	    last < sc->floor) {
		send_reload(b, s);
		return;
	}
	for (i = 0; i < sc->n; i++) {
		struct ev *e = sc->ring[(sc->head + i) % LIMIT_EVENT_REPLAY];

		if (e->seq > last)
			send_one(b, s, e);
	}
}

int
event_subscribe(struct event_bus *b, int64_t user_id, enum event_scope scope,
    int64_t scope_id, const char *last_id, const struct event_sink *sink,
    struct event_sub **out)
{
	struct event_sub *s, *it;
	struct scope *usc;
	size_t mine = 0;
	int rc = 0;

	*out = NULL;
	if (user_id <= 0 || scope_id <= 0 || sink == NULL ||
	    (scope != EVENT_SCOPE_USER && scope != EVENT_SCOPE_TRAJ))
		return ERR_INVAL;
	pthread_mutex_lock(&b->mu);
	if (b->nsubs >= LIMIT_SSE_PER_NODE) {
		rc = ERR_BUSY;
		goto out;
	}
	usc = scope_get(b, EVENT_SCOPE_USER, user_id);
	LIST_FOREACH(it, &usc->mine, in_user)
		if (!it->dead)
			mine++;
	if (mine >= LIMIT_SSE_PER_USER) {
		/* Tabs closed since the last heartbeat still hold theirs. */
		mine = 0;
		LIST_FOREACH(it, &usc->mine, in_user) {
			if (it->dead)
				continue;
			if (it->sink.alive && !it->sink.alive(it->sink.cls))
				it->dead = true;
			else
				mine++;
		}
	}
	if (mine >= LIMIT_SSE_PER_USER) {
		rc = ERR_THROTTLED;
		goto out;
	}
	s = xcalloc(1, sizeof(*s));
	s->user_id = user_id;
	s->sink = *sink;
	/* In the user's scope first: a scope with streams of its user is
	 * never evicted to make room for the next. */
	s->usc = usc;
	LIST_INSERT_HEAD(&usc->mine, s, in_user);
	usc->nmine++;
	scope_touch(b, usc);
	s->sc = scope_get(b, scope, scope_id);
	LIST_INSERT_HEAD(&s->sc->subs, s, in_scope);
	s->sc->nsubs++;
	scope_touch(b, s->sc);
	LIST_INSERT_HEAD(&b->all, s, in_bus);
	b->nsubs++;
	replay(b, s, last_id);
	*out = s;
out:
	pthread_mutex_unlock(&b->mu);
	return rc;
}

void
event_unsubscribe(struct event_bus *b, struct event_sub *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	LIST_REMOVE(s, in_scope);
	s->sc->nsubs--;
	LIST_REMOVE(s, in_user);
	s->usc->nmine--;
	scope_touch(b, s->sc);
	scope_touch(b, s->usc);
	LIST_REMOVE(s, in_bus);
	b->nsubs--;
	pthread_mutex_unlock(&b->mu);
	free(s);
}

void
event_mark(struct event_bus *b, char out[40])
{
	pthread_mutex_lock(&b->mu);
	snprintf(out, 40, "%s-%" PRIu64, b->node, b->seq);
	pthread_mutex_unlock(&b->mu);
}

size_t
event_streams(struct event_bus *b, int64_t user_id)
{
	struct scope *sc;
	size_t n = 0;

	pthread_mutex_lock(&b->mu);
	if (user_id <= 0)
		n = b->nsubs;
	else if ((sc = scope_find(b, EVENT_SCOPE_USER, user_id)) != NULL)
		n = sc->nmine;
	pthread_mutex_unlock(&b->mu);
	return n;
}

/* --- across nodes ------------------------------------------------------ */

static PGconn *
pg_open(const char *url)
{
	PGconn *c = PQconnectdb(url);

	if (PQstatus(c) != CONNECTION_OK) {
		log_err("event.pg", "cannot connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

static bool
pg_ok(PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Under send_mu: a connection that works, reconnecting once. */
static PGconn *
send_conn(struct event_bus *b)
{
	if (b->pg_send && PQstatus(b->pg_send) != CONNECTION_OK) {
		PQfinish(b->pg_send);
		b->pg_send = NULL;
	}
	if (b->pg_send == NULL)
		b->pg_send = pg_open(b->pg_url);
	return b->pg_send;
}

static void
notify_others(struct event_bus *b, enum event_scope kind, int64_t id,
    int64_t only_user, const char *name, const char *data, size_t len)
{
	struct buf msg = BUF_INIT, ref = BUF_INIT, at = BUF_INIT;
	const char *vals[2];
	PGresult *res = NULL;
	PGconn *c;

	buf_printf(&msg, "%s %d %" PRId64 " %" PRId64 " %s ", b->node,
	    (int)kind, id, only_user, name);
	buf_add(&msg, data, len);
	pthread_mutex_lock(&b->send_mu);
	if ((c = send_conn(b)) == NULL)
		goto out;
	if (msg.len > LIMIT_EVENT_NOTIFY) {
		buf_printf(&at, "%lld", (long long)time(NULL));
		vals[0] = msg.p;
		vals[1] = at.p;
		res = PQexecParams(c, "INSERT INTO live_events (payload, "
		    "created_at) VALUES ($1, $2::bigint) RETURNING id", 2,
		    NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK ||
		    PQntuples(res) != 1) {
			log_err("event.notify", "cannot store: %s",
			    PQerrorMessage(c));
			goto out;
		}
		buf_printf(&ref, "@%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		res = NULL;
		if (++b->sends % 256 == 0) {
			/* Now and then: what every node has long read. */
			buf_reset(&at);
			buf_printf(&at, "%lld", (long long)time(NULL) -
			    LIMIT_EVENT_REPLAY_SECS);
			vals[0] = at.p;
			PQclear(PQexecParams(c, "DELETE FROM live_events "
			    "WHERE created_at < $1::bigint", 1, NULL, vals,
			    NULL, NULL, 0));
		}
	}
	vals[0] = ref.len ? ref.p : msg.p;
	res = PQexecParams(c, "SELECT pg_notify('" CHANNEL "', $1)", 1, NULL,
	    vals, NULL, NULL, 0);
	if (!pg_ok(res))
		log_err("event.notify", "cannot notify: %s", PQerrorMessage(c));
out:
	if (res)
		PQclear(res);
	pthread_mutex_unlock(&b->send_mu);
	buf_release(&msg);
	buf_release(&ref);
	buf_release(&at);
}

/* One notification of another node: parse and deliver it here.  Anything
 * malformed is logged and dropped (a node of another version). */
static void
received(struct event_bus *b, PGconn *c, const char *payload)
{
	char node[17], name[LIMIT_EVENT_KIND];
	const char *vals[1];
	PGresult *res = NULL;
	int kind, off = 0;
	int64_t id, only;
	size_t len;

	if (payload[0] == '@') {
		vals[0] = payload + 1;
		res = PQexecParams(c, "SELECT payload FROM live_events WHERE "
		    "id = $1::bigint", 1, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK ||
		    PQntuples(res) != 1) {
			log_warn("event.listen", "stored event %s is gone",
			    payload + 1);
			goto out;
		}
		payload = PQgetvalue(res, 0, 0);
	}
	if (sscanf(payload, "%16s %d %" SCNd64 " %" SCNd64 " %15s %n", node,
	    &kind, &id, &only, name, &off) != 5 || off == 0) {
		log_warn("event.listen", "malformed notification dropped");
		goto out;
	}
	if (strcmp(node, b->node) == 0)
		goto out; /* ours: delivered when published */
	len = strlen(payload + off);
	if (event_check(name, payload + off, len) != 0 ||
	    (kind != EVENT_SCOPE_USER && kind != EVENT_SCOPE_TRAJ) || id <= 0) {
		log_warn("event.listen", "invalid event dropped");
		goto out;
	}
	deliver_local(b, (enum event_scope)kind, id, only, name,
	    payload + off, len);
out:
	if (res)
		PQclear(res);
}

static bool
stopping(struct event_bus *b)
{
	bool v;

	pthread_mutex_lock(&b->mu);
	v = b->stopping;
	pthread_mutex_unlock(&b->mu);
	return v;
}

static void *
listen_main(void *arg)
{
	struct event_bus *b = arg;
	PGconn *c = NULL;
	PGnotify *n;
	PGresult *res;
	struct pollfd pfd;

	while (!stopping(b)) {
		if (c == NULL || PQstatus(c) != CONNECTION_OK) {
			if (c)
				PQfinish(c);
			if ((c = pg_open(b->pg_url)) != NULL) {
				res = PQexec(c, "LISTEN " CHANNEL);
				if (!pg_ok(res)) {
					PQfinish(c);
					c = NULL;
				}
				PQclear(res);
			}
			if (c == NULL) {
				/* Events of other nodes wait; our own
				 * streams still get this node's. */
				sleep(1);
				continue;
			}
		}
		pfd.fd = PQsocket(c);
		pfd.events = POLLIN;
		pfd.revents = 0;
		/* A short wait: stopping is noticed within it. */
		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			continue;
		if (!PQconsumeInput(c))
			continue; /* reconnect above */
		while ((n = PQnotifies(c)) != NULL) {
			received(b, c, n->extra);
			PQfreemem(n);
		}
	}
	if (c)
		PQfinish(c);
	return NULL;
}

int
event_bus_listen(struct event_bus *b, const char *url)
{
	PGconn *c;

	if ((c = pg_open(url)) == NULL)
		return ERR_DB;
	b->pg_url = xstrdup(url);
	b->pg_send = c;
	if (pthread_create(&b->listen_thread, NULL, listen_main, b) != 0) {
		log_err("event.start", "cannot start the listening thread");
		abort();
	}
	b->listening = true;
	return 0;
}
