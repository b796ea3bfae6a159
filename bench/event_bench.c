/*
 * event_bench.c - the event bus's cost of a new scope (bench/41-events.sh).
 *
 *   event_bench ROUNDS NEW
 *       ROUNDS rounds, each: publish one event to each of NEW scopes the
 *       bus has not seen, once on a bus whose table has room for them
 *       (filled, untimed, up to LIMIT_EVENT_SCOPES - NEW), once on a bus
 *       whose table is full (every publish dropping the scope without
 *       streams used longest ago).  On both, STREAMS scopes have a stream
 *       open, as a node's open pages would.  Prints "room_us X full_us
 *       Y": the median over the rounds of a publish's mean cost in
 *       microseconds.
 *
 * The two take turns in one process so both meet the same states of a
 * shared machine, and their tables are the same size, so both miss the
 * same caches: what differs is the dropping.  A publish holds the bus's
 * lock, which every stream's delivery and every subscription of the node
 * waits for: dropping a scope must not walk the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/limits.h"
#include "event/event.h"
#include "core/banned.h"

#define STREAMS 2000

static bool
deliver(void *cls, const struct event_out *ev)
{
	(void)cls;
	(void)ev;
	return true;
}

static double
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* A bus with STREAMS open streams, each on a scope of its own. */
static struct event_bus *
bus_with_streams(struct event_sub **subs)
{
	static const struct event_sink sink = { deliver, NULL, NULL };
	struct event_bus *b = event_bus_new(3600);
	int i;

	for (i = 0; i < STREAMS; i++)
		if (event_subscribe(b, 1 + i / LIMIT_SSE_PER_USER,
		    EVENT_SCOPE_TRAJ, 1 + i, NULL, &sink, &subs[i]) != 0) {
			fprintf(stderr, "event_bench: subscribe refused\n");
			exit(1);
		}
	return b;
}

static void
bus_free(struct event_bus *b, struct event_sub **subs)
{
	int i;

	for (i = 0; i < STREAMS; i++)
		event_unsubscribe(b, subs[i]);
	event_bus_free(b);
}

/* Mean microseconds of a publish to each of n new scopes from first. */
static double
publish_new(struct event_bus *b, int64_t first, int n)
{
	double t0 = now_us();
	int i;

	for (i = 0; i < n; i++)
		if (event_publish(b, EVENT_SCOPE_TRAJ, first + i, 0, "message",
		    "{\"id\":1}") != 0) {
			fprintf(stderr, "event_bench: publish refused\n");
			exit(1);
		}
	return (now_us() - t0) / n;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct event_sub **subs, **rsubs;
	struct event_bus *full;
	double *e, *f;
	int64_t next;
	int rounds, n, r;

	if (argc != 3 || (rounds = (int)strtol(argv[1], NULL, 10)) <= 0 ||
	    rounds > 1000 || (n = (int)strtol(argv[2], NULL, 10)) <= 0 ||
	    n > LIMIT_EVENT_SCOPES - 2 * STREAMS) {
		fprintf(stderr, "usage: event_bench ROUNDS NEW\n");
		return 2;
	}
	e = calloc((size_t)rounds, sizeof(*e));
	f = calloc((size_t)rounds, sizeof(*f));
	subs = calloc(STREAMS, sizeof(*subs));
	rsubs = calloc(STREAMS, sizeof(*rsubs));
	if (e == NULL || f == NULL || subs == NULL || rsubs == NULL)
		return 1;
	/* Users' and trajectories' scopes: STREAMS / LIMIT_SSE_PER_USER
	 * users hold the streams, each stream a trajectory of its own. */
	full = bus_with_streams(subs);
	next = 1000000;
	publish_new(full, next, LIMIT_EVENT_SCOPES);
	next += LIMIT_EVENT_SCOPES;
	for (r = 0; r < rounds; r++) {
		struct event_bus *room = bus_with_streams(rsubs);

		publish_new(room, 1000000, LIMIT_EVENT_SCOPES - n - STREAMS -
		    STREAMS / LIMIT_SSE_PER_USER);
		e[r] = publish_new(room, 2000000, n);
		bus_free(room, rsubs);
		f[r] = publish_new(full, next, n);
		next += n;
	}
	qsort(e, (size_t)rounds, sizeof(*e), cmp);
	qsort(f, (size_t)rounds, sizeof(*f), cmp);
	printf("room_us %.3f full_us %.3f\n", e[rounds / 2], f[rounds / 2]);
	bus_free(full, subs);
	free(subs);
	free(rsubs);
	free(e);
	free(f);
	return 0;
}
