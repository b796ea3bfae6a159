/*
 * appt_bench.c - appointments on the real modules (SQLite, group commit):
 *
 *   slots_5y_vs_empty  the time to find the open slots of the next 8
 *                      weeks for a professional with five years of
 *                      appointments behind them (and half of the coming
 *                      weeks booked), over the same for an empty agenda
 *                      (target <= 2: the search reads only the weeks it
 *                      looks at);
 *   booking_race_ok    64 clients booking the same 10 slots at once: the
 *                      bookings that succeed (must be 10);
 *   booking_rps        bookings per second, 16 clients booking free times;
 *   ical_feed_10k_ms   a feed of 10,000 events: listed and written as
 *                      iCalendar through libical, in milliseconds.
 *
 *   appt_bench --dir DIR
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appointment/appointment.h"
#include "audit/audit.h"
#include "calendar/calendar.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/err.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"

#define NCLIENTS 64

static struct db *db;
static struct keyring *kr;
static const struct tz *ams;
static int64_t org, pro, client[NCLIENTS], traj[NCLIENTS];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "appt_bench: %s: %s\n", what, err_msg(rc));
	exit(1);
}

static int64_t
person(const char *name, enum role role)
{
	char email[96];
	int64_t id = 0;
	int rc;

	snprintf(email, sizeof(email), "%s@bench.test", name);
	if ((rc = user_create(db, email, name, "bench password 12345", "en",
	    &id)) != 0 || (rc = member_add(db, org, id, role)) != 0)
		die("user", rc);
	return id;
}

static void
setup(const char *dir)
{
	struct audit_event ev = { .outcome = AUDIT_SUCCESS, .role =
	    "professional", .purpose = "care", .kind = "trajectory" };
	struct promise_terms t = { 480, "Europe/Amsterdam",
	    "mon-fri 09:00-17:00", "", "", 0, "", "" };
	struct appt_hours_text h = { "mon-fri 09:00-17:00", "", 60, 0, 0, true,
	    24 };
	char path[512], key[512], name[32];
	struct tz *z;
	int i, rc;

	snprintf(path, sizeof(path), "%s/appt.db", dir);
	snprintf(key, sizeof(key), "%s/master.key", dir);
	if ((rc = db_open(path, &db)) != 0 || (rc = db_migrate(db, NULL)) != 0)
		die("db", rc);
	if ((rc = keyring_new(key, &kr)) != 0 ||
	    (rc = keyring_start(kr, db)) != 0)
		die("keyring", rc);
	if ((rc = tz_load("Europe/Amsterdam", &z)) != 0)
		die("tz", rc);
	ams = z;
	if ((rc = org_create(db, kr, "Bench", "bench", "Europe/Amsterdam",
	    &org)) != 0)
		die("org", rc);
	pro = person("pro", ROLE_PROFESSIONAL);
	ev.org_id = org;
	ev.actor_id = pro;
	for (i = 0; i < NCLIENTS; i++) {
		snprintf(name, sizeof(name), "client%d", i);
		client[i] = person(name, ROLE_CLIENT);
		if ((rc = traj_create(db, kr, org, client[i], pro, "Bench", 0,
		    &t, &ev, NULL, &traj[i])) != 0)
			die("trajectory", rc);
	}
	if ((rc = appt_hours_set(db, org, pro, &h, NULL)) != 0)
		die("hours", rc);
}

/* Five years of past appointments (every working hour but one a day),
 * written straight into the table in one job per year. */
struct fill_job {
	time_t from, to, now;
	int64_t n;
};

static int
fill_run(struct db_conn *c, void *arg)
{
	struct fill_job *j = arg;
	struct db_stmt *st;
	char uid[48];
	time_t t;
	int rc;

	for (t = j->from - j->from % 3600; t < j->to; t += 3600) {
		struct tz_local l;

		if (tz_to_local(ams, t, &l) != 0 || l.wday == 0 ||
		    l.wday == 6 || l.hour < 9 || l.hour > 15 || l.min != 0)
			continue;
		if ((rc = db_prepare(c, "INSERT INTO appointments (org_id, "
		    "trajectory_id, professional_id, client_id, kind, "
		    "starts_at, ends_at, status, uid, created_by, created_at, "
		    "updated_at) VALUES (?, ?, ?, ?, 'video', ?, ?, 'booked', "
		    "?, ?, ?, ?)", &st)) != 0)
			return rc;
		snprintf(uid, sizeof(uid), "b%lld@bench", (long long)t);
		db_bind_i64(st, 1, org);
		db_bind_i64(st, 2, traj[j->n % NCLIENTS]);
		db_bind_i64(st, 3, pro);
		db_bind_i64(st, 4, client[j->n % NCLIENTS]);
		db_bind_i64(st, 5, t);
		db_bind_i64(st, 6, t + 3600);
		db_bind_textz(st, 7, uid);
		db_bind_i64(st, 8, pro);
		db_bind_i64(st, 9, j->now);
		db_bind_i64(st, 10, j->now);
		if ((rc = db_run(st)) != 0)
			return rc;
		j->n++;
	}
	return 0;
}

static double
slots_time(time_t now, int reps)
{
	time_t s[400];
	size_t n;
	double t0 = now_s();
	int i, rc;

	for (i = 0; i < reps; i++)
		if ((rc = appt_open_slots(db, org, pro, ams, now, now,
		    now + 56 * 86400, s, 400, &n)) != 0)
			die("slots", rc);
	return (now_s() - t0) / reps;
}

struct racer {
	int i;
	time_t start;
	int rc;
	pthread_barrier_t *bar;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct appt_actor who = { client[r->i], org, false, "client",
	    "127.0.0.1", "bench" };
	struct appt_new n = { traj[r->i], pro, APPT_VIDEO, NULL, r->start, 0 };
	struct why w;
	int64_t id;

	pthread_barrier_wait(r->bar);
	r->rc = appt_book(db, kr, ams, &who, &n, time(NULL), &w, &id);
	return NULL;
}

struct booker {
	int i, count, ok;
	time_t base;
};

static void *
book_many(void *arg)
{
	struct booker *b = arg;
	struct appt_actor who = { pro, org, true, "professional", "127.0.0.1",
	    "bench" };
	struct why w;
	int64_t id;
	int k;

	for (k = 0; k < b->count; k++) {
		struct appt_new n = { traj[b->i], 0, APPT_PHONE, NULL,
		    b->base + ((time_t)k * 16 + b->i) * 3600, 60 };

		if (appt_book(db, kr, ams, &who, &n, time(NULL), &w, &id) == 0)
			b->ok++;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *dir = argc == 3 && strcmp(argv[1], "--dir") == 0 ?
	    argv[2] : NULL;
	pthread_t th[NCLIENTS];
	struct racer rc_[NCLIENTS];
	struct booker bk[16];
	pthread_barrier_t bar;
	struct appt_filter f;
	struct appointment *list;
	struct cal_event *ev;
	struct buf out = BUF_INIT;
	struct arena a;
	time_t now = time(NULL), s[64], base;
	double empty, full, t0;
	size_t n, i;
	int ok = 0, total = 0, rc, k;

	if (dir == NULL) {
		fprintf(stderr, "usage: appt_bench --dir DIR\n");
		return 2;
	}
	if (crypto_init() != 0)
		return 1;
	setup(dir);

	/* Slots: an empty agenda, then five years behind and half of the
	 * coming eight weeks booked. */
	slots_time(now, 20); /* warm the statement cache and the pages */
	empty = slots_time(now, 200);
	for (k = 0; k < 5; k++) {
		struct fill_job j = { now - (time_t)(k + 1) * 365 * 86400,
		    now - (time_t)k * 365 * 86400 - 86400, now, 0 };

		if ((rc = db_write(db, fill_run, &j)) != 0)
			die("fill", rc);
	}
	if ((rc = appt_open_slots(db, org, pro, ams, now, now, now + 56 * 86400,
	    s, 64, &n)) != 0)
		die("slots", rc);
	for (i = 0; i < n; i += 2) {
		struct appt_actor who = { pro, org, true, "professional",
		    "127.0.0.1", "bench" };
		struct appt_new nw = { traj[i % NCLIENTS], 0, APPT_VIDEO, NULL,
		    s[i], 60 };
		struct why w;
		int64_t id;

		appt_book(db, kr, ams, &who, &nw, now, &w, &id);
	}
	full = slots_time(now, 200);
	printf("BENCH slots_empty_us %.0f us\n", empty * 1e6);
	printf("BENCH slots_5y_us %.0f us\n", full * 1e6);
	printf("BENCH slots_5y_vs_empty %.2f ratio\n", full / empty);

	/* The race: 64 clients, 10 slots, one barrier. */
	if ((rc = appt_open_slots(db, org, pro, ams, now, now + 70 * 86400,
	    now + 80 * 86400, s, 64, &n)) != 0 || n < 10)
		die("race slots", rc ? rc : ERR_NOTFOUND);
	pthread_barrier_init(&bar, NULL, NCLIENTS);
	for (k = 0; k < NCLIENTS; k++) {
		rc_[k] = (struct racer){ k, s[k % 10], 0, &bar };
		pthread_create(&th[k], NULL, race, &rc_[k]);
	}
	for (k = 0; k < NCLIENTS; k++) {
		pthread_join(th[k], NULL);
		if (rc_[k].rc == 0)
			ok++;
		else if (rc_[k].rc != ERR_CONFLICT)
			fprintf(stderr, "race: %s\n", err_msg(rc_[k].rc));
	}
	pthread_barrier_destroy(&bar);
	printf("BENCH booking_race_ok %d bookings\n", ok);

	/* Bookings per second: 16 professionals' clients, free times. */
	base = now + 400 * 86400;
	base -= base % 3600;
	t0 = now_s();
	for (k = 0; k < 16; k++) {
		bk[k] = (struct booker){ k, 200, 0, base };
		pthread_create(&th[k], NULL, book_many, &bk[k]);
	}
	for (k = 0; k < 16; k++) {
		pthread_join(th[k], NULL);
		total += bk[k].ok;
	}
	printf("BENCH booking_rps %.0f bookings/s\n", total / (now_s() - t0));

	/* A feed of 10,000 events: the newest 10,000 of the five years. */
	arena_init(&a);
	memset(&f, 0, sizeof(f));
	f.org_id = org;
	f.prof_id = pro;
	f.from = now - 5 * 365 * 86400;
	f.to = now + 800 * 86400;
	t0 = now_s();
	if ((rc = appt_list(db, NULL, &f, &a, &list, &n)) != 0)
		die("list", rc);
	if (n > 10000) {
		list += n - 10000;
		n = 10000;
	}
	ev = arena_calloc(&a, n, sizeof(*ev));
	for (i = 0; i < n; i++) {
		ev[i].uid = list[i].uid;
		ev[i].sequence = list[i].sequence;
		ev[i].start = list[i].starts_at;
		ev[i].end = list[i].ends_at;
		ev[i].summary = "Video call";
	}
	if ((rc = cal_write(CAL_PUBLISH, ams, ev, n, now, &out)) != 0)
		die("ical", rc);
	printf("BENCH ical_feed_events %zu events\n", n);
	printf("BENCH ical_feed_10k_ms %.0f ms\n", (now_s() - t0) * 1000);
	buf_release(&out);
	arena_release(&a);
	keyring_free(kr);
	db_close(db);
	return ok == 10 ? 0 : 1;
}
