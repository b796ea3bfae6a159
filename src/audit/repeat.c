/*
 * repeat.c - repeats of a refusal or failure counted per window and
 * written as one access-log entry with the count (repeat.h says why).
 *
 * Owns a fixed table of LIMIT_AUDIT_REPEAT_SLOTS keys under one mutex and
 * the flusher thread.  Appends never happen under the mutex: what is to be
 * written is copied out first, so one slow append does not hold up the
 * counting of other requests.
 *
 * Caveat: counts live in memory until their window ends; a crash loses
 * them (the first event of each is in the log already).  The process log
 * then still has nothing: that is the price of not writing every repeat.
 */
#include "audit/repeat.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* One key being counted, with its own copies of the event's strings. */
struct slot {
	bool used;
	int64_t start;             /* the window: [start, start + window) */
	int64_t count;             /* repeats after the first, not written */
	int64_t last_at;
	int32_t last_usec;
	struct audit_event ev;     /* the first event; strings point below */
	bool mixed_client;         /* repeats named other clients/objects */
	bool mixed_object;
	bool overflow;             /* counts every object past the first
	                              LIMIT_AUDIT_REPEAT_OBJECTS of its key */
	char role[LIMIT_AUDIT_CODE + 1];
	char purpose[LIMIT_AUDIT_CODE + 1];
	char kind[LIMIT_AUDIT_CODE + 1];
	char detail[LIMIT_AUDIT_CODE + 1];
	char address[LIMIT_AUDIT_ADDRESS + 1];
	char device[LIMIT_AUDIT_DEVICE + 1];
	char node[LIMIT_AUDIT_NODE + 1];
};

struct audit_repeat {
	struct db *db;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool threaded;
	pthread_t thread;
	struct slot slots[LIMIT_AUDIT_REPEAT_SLOTS];
};

static void
copy(char *dst, size_t cap, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Does ev have the key of s?  Strings compare as the slot keeps them
 * (cut), so an address longer than the limit still finds its slot. */
static bool
same_key(const struct slot *s, const struct audit_event *ev)
{
	char address[LIMIT_AUDIT_ADDRESS + 1];
	char kind[LIMIT_AUDIT_CODE + 1], detail[LIMIT_AUDIT_CODE + 1];

	if (!s->used || s->ev.org_id != ev->org_id ||
	    s->ev.actor_id != ev->actor_id || s->ev.action != ev->action ||
	    s->ev.outcome != ev->outcome)
		return false;
	copy(address, sizeof(address), ev->address);
	copy(kind, sizeof(kind), ev->kind);
	copy(detail, sizeof(detail), ev->detail);
	return strcmp(s->address, address) == 0 &&
	    strcmp(s->kind, kind) == 0 && strcmp(s->detail, detail) == 0;
}

static void
slot_fill(struct slot *s, const struct audit_event *ev, int64_t at)
{
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->start = at;
	s->ev = *ev;
	copy(s->role, sizeof(s->role), ev->role);
	copy(s->purpose, sizeof(s->purpose), ev->purpose);
	copy(s->kind, sizeof(s->kind), ev->kind);
	copy(s->detail, sizeof(s->detail), ev->detail);
	copy(s->address, sizeof(s->address), ev->address);
	copy(s->device, sizeof(s->device), ev->device);
	copy(s->node, sizeof(s->node), ev->node);
}

/* Point a slot's event at its own strings (after the slot was copied). */
static void
slot_strings(struct slot *s)
{
	s->ev.role = s->role;
	s->ev.purpose = s->purpose;
	s->ev.kind = s->kind;
	s->ev.detail = s->detail;
	s->ev.address = s->address;
	s->ev.device = s->device;
	s->ev.node = s->node;
}

/* Append the count a slot holds (a copy taken under the mutex). */
static int
write_count(struct db *db, struct slot *s)
{
	int rc;

	slot_strings(s);
	s->ev.repeats = s->count;
	s->ev.at = s->last_at;
	s->ev.at_usec = s->last_usec;
	if (s->mixed_client)
		s->ev.client_id = 0;
	if (s->mixed_object)
		s->ev.object_id = 0;
	if ((rc = audit_record(db, &s->ev)) != 0)
		/* Not silent: the count goes to the process log instead. */
		log_err("audit_repeat_lost", "org=%lld actor=%lld kind=%s "
		    "detail=%s outcome=%d count=%lld err=%s",
		    (long long)s->ev.org_id, (long long)s->ev.actor_id,
		    s->kind, s->detail, (int)s->ev.outcome,
		    (long long)s->count, err_name(rc));
	return rc;
}

int
audit_repeat_record(struct audit_repeat *rp, const struct audit_event *ev)
{
	struct slot out, *s, *victim = NULL, *match, *overflow, *expired;
	size_t nobjects;
	struct timespec ts;
	int64_t at;
	int32_t usec;
	bool have_out = false;
	size_t i;
	int rc;

	if (ev->outcome == AUDIT_SUCCESS || ev->repeats > 1)
		return audit_record(rp->db, ev);
	at = ev->at;
	usec = ev->at_usec;
	if (at == 0 && usec == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		at = (int64_t)ts.tv_sec;
		usec = (int32_t)(ts.tv_nsec / 1000);
	}

	pthread_mutex_lock(&rp->mu);
	/* The key names the object too, so each object refused is in the
	 * log by id; past LIMIT_AUDIT_REPEAT_OBJECTS objects of one key in a
	 * window (ids being probed) the rest share one overflow slot. */
	match = overflow = expired = NULL;
	nobjects = 0;
	for (i = 0; i < LIMIT_AUDIT_REPEAT_SLOTS; i++) {
		s = &rp->slots[i];
		if (same_key(s, ev) && at < s->start +
		    LIMIT_AUDIT_REPEAT_WINDOW && at >= s->start) {
			if (s->overflow)
				overflow = s;
			else if (s->ev.object_id == ev->object_id)
				match = s;
			else
				nobjects++;
			continue;
		}
		if (same_key(s, ev) && s->ev.object_id == ev->object_id &&
		    !s->overflow) {
			/* Its window is over: it makes room for the new
			 * one, its count written first. */
			expired = s;
			continue;
		}
		if (!s->used)
			victim = victim && !victim->used ? victim : s;
		else if (victim == NULL || (victim->used &&
		    s->start < victim->start))
			victim = s;
	}
	if (match == NULL && nobjects >= LIMIT_AUDIT_REPEAT_OBJECTS)
		match = overflow;
	if (expired != NULL)
		victim = expired;
	if (match != NULL) {
		/* A repeat: count it, write nothing now. */
		match->count++;
		match->last_at = at;
		match->last_usec = usec;
		if (ev->client_id != match->ev.client_id)
			match->mixed_client = true;
		if (ev->object_id != match->ev.object_id)
			match->mixed_object = true;
		pthread_mutex_unlock(&rp->mu);
		return 0;
	}
	if (victim->used && victim->count > 0) {
		out = *victim;
		have_out = true;
	}
	slot_fill(victim, ev, at);
	victim->overflow = nobjects >= LIMIT_AUDIT_REPEAT_OBJECTS;
	pthread_mutex_unlock(&rp->mu);

	if (have_out)
		(void)write_count(rp->db, &out);
	if ((rc = audit_record(rp->db, ev)) != 0)
		log_err("audit_event_lost", "org=%lld actor=%lld kind=%s "
		    "outcome=%d err=%s", (long long)ev->org_id,
		    (long long)ev->actor_id, ev->kind, (int)ev->outcome,
		    err_name(rc));
	return rc;
}

/* Take out the slots that match (under the mutex), then write them. */
static int
drain(struct audit_repeat *rp, bool (*match)(const struct slot *, int64_t),
    int64_t arg)
{
	struct slot *out = NULL;
	size_t n = 0, i;
	int written = 0;

	pthread_mutex_lock(&rp->mu);
	for (i = 0; i < LIMIT_AUDIT_REPEAT_SLOTS; i++) {
		struct slot *s = &rp->slots[i];

		if (!s->used || !match(s, arg))
			continue;
		if (s->count > 0) {
			if (out == NULL)
				out = xcalloc(LIMIT_AUDIT_REPEAT_SLOTS,
				    sizeof(*out));
			out[n++] = *s;
		}
		s->used = false;
	}
	pthread_mutex_unlock(&rp->mu);
	for (i = 0; i < n; i++)
		if (write_count(rp->db, &out[i]) == 0)
			written++;
	free(out);
	return written;
}

static bool
window_over(const struct slot *s, int64_t now)
{
	return s->start + LIMIT_AUDIT_REPEAT_WINDOW <= now;
}

static bool
of_org(const struct slot *s, int64_t org_id)
{
	return org_id == AUDIT_ALL_CHAINS || s->ev.org_id == org_id;
}

int
audit_repeat_tick(struct audit_repeat *rp, int64_t now)
{
	return drain(rp, window_over, now);
}

int
audit_repeat_flush(struct audit_repeat *rp, int64_t org_id)
{
	return drain(rp, of_org, org_id);
}

static void *
flusher(void *arg)
{
	struct audit_repeat *rp = arg;
	struct timespec until;

	pthread_mutex_lock(&rp->mu);
	while (!rp->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&rp->cv, &rp->mu, &until);
		if (rp->stop)
			break;
		pthread_mutex_unlock(&rp->mu);
		(void)audit_repeat_tick(rp, (int64_t)time(NULL));
		pthread_mutex_lock(&rp->mu);
	}
	pthread_mutex_unlock(&rp->mu);
	return NULL;
}

struct audit_repeat *
audit_repeat_new(struct db *db, unsigned flags)
{
	struct audit_repeat *rp = xcalloc(1, sizeof(*rp));

	rp->db = db;
	pthread_mutex_init(&rp->mu, NULL);
	pthread_cond_init(&rp->cv, NULL);
	if (!(flags & AUDIT_REPEAT_NO_THREAD)) {
		/* Without the thread counts would wait for the next event of
		 * any key or for shutdown: too late for a person reading the
		 * log, so a failure to start is a start-up failure. */
		if (pthread_create(&rp->thread, NULL, flusher, rp) != 0) {
			log_err("audit_repeat_thread", "%s", "cannot start");
			abort();
		}
		rp->threaded = true;
	}
	return rp;
}

void
audit_repeat_free(struct audit_repeat *rp)
{
	if (rp == NULL)
		return;
	if (rp->threaded) {
		pthread_mutex_lock(&rp->mu);
		rp->stop = true;
		pthread_cond_signal(&rp->cv);
		pthread_mutex_unlock(&rp->mu);
		pthread_join(rp->thread, NULL);
	}
	(void)audit_repeat_flush(rp, AUDIT_ALL_CHAINS);
	pthread_cond_destroy(&rp->cv);
	pthread_mutex_destroy(&rp->mu);
	free(rp);
}
