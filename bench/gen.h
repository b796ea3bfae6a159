/*
 * gen.h - a realistic written-coaching data set for the benchmarks, made
 * with the real modules (shared by gen_data and post_bench; not part of
 * infuus itself).
 *
 * One organisation "Bench Praktijk" with an admin, professionals and one
 * client per trajectory.  Every trajectory has one professional (round
 * robin, so coach@ has trajectories / professionals of them), the default
 * service promise, phase "working", and its messages in threads of 20-50.
 * Organisation, users' password hash, trajectories and phases come from
 * the modules (org_create, crypto_password_hash, traj_create,
 * traj_set_phase); the bulk of messages goes through a fast path that
 * writes what msg_post writes for each message -- sealed body (and quote),
 * its search filter, a notification for the other person, the author's
 * read, the thread's last_message_at, replied_at / reply_id of the client
 * messages a reply answers, the reply deadline from the promise, and the
 * audit entry -- but for whole threads at once, in write jobs of about
 * GEN_BATCH messages.  Beyond msg_post it writes the state that using the
 * data leaves: the other person's reads, notifications marked sent (the
 * outbox did its work), and times in the past.
 */
#ifndef INFUUS_BENCH_GEN_H
#define INFUUS_BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct db;
struct keyring;
struct tz_cache;

/* Messages per write job of the fast path. */
#define GEN_BATCH 10000
/* The probe thread (the first of the first trajectory) has exactly this
 * many messages whatever the size of the data set, so a view of it costs
 * the same at 10k and at 1M messages. */
#define GEN_PROBE_MESSAGES 30
/* With gen_opts.long_thread, trajectory 0 ends with two more threads: a
 * short one of this many messages (one thread page, LIMIT_THREAD_PAGE)
 * and the long one, their texts drawn alike, so reading the latest page
 * of each compares only the threads' lengths. */
#define GEN_SHORT_MESSAGES 50

/* A small fast generator (splitmix64): data sets are reproducible. */
struct gen_rng {
	uint64_t s;
};
void gen_rng_init(struct gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(struct gen_rng *r);
/* Uniform in [lo, hi]. */
int64_t gen_rng_range(struct gen_rng *r, int64_t lo, int64_t hi);

/* A coaching text (Markdown), Dutch or English, of about len bytes (cut at
 * a word): sentences from a built-in list, paragraphs, now and then a list
 * or emphasis.  Appended to out. */
void gen_text(struct gen_rng *r, bool dutch, size_t len, struct buf *out);

struct gen_opts {
	int64_t trajectories;
	int64_t messages;
	int64_t professionals;   /* 0: trajectories / 100, at least 1 */
	const char *password;    /* every account's */
	bool search_index;       /* a search filter for every message */
	int producers;           /* threads preparing batches (0: 2) */
	int64_t long_thread;     /* messages of trajectory 0's long thread
	                          * (and its short twin); 0: none.  On top
	                          * of `messages`. */
	uint64_t seed;
};

struct gen_world {
	struct db *db;
	struct keyring *kr;
	struct tz_cache *tzc;
	int64_t org_id;
	int64_t admin_id;
	int64_t *pros;           /* professionals' user ids */
	size_t npros;
	int64_t *clients;        /* one per trajectory */
	int64_t *trajs;          /* trajectory ids */
	int64_t *traj_threads;   /* each trajectory's first thread */
	size_t ntrajs;
	int64_t probe_thread;    /* the first thread of trajectory 0 */
	int64_t short_thread;    /* with long_thread: the two threads */
	int64_t long_thread;
	/* Counts of what gen_messages wrote. */
	int64_t nthreads;
	int64_t nmessages;
	int64_t ntokens;         /* distinct words in the search filters */
};

/* Open (creating and migrating) the database DIR/infuus.db and the master
 * key DIR/master.key as `infuus serve --data DIR` does.  ERR_CONFLICT when
 * the database already holds an organisation. */
int gen_open(const char *dir, struct gen_world *w);
void gen_close(struct gen_world *w);

/* The organisation, users (admin@, coach@, coach2@..., client@,
 * client2@... at bench.infuus.test) and trajectories. */
int gen_people(struct gen_world *w, const struct gen_opts *o);

/* The messages, in threads, through the fast path. */
int gen_messages(struct gen_world *w, const struct gen_opts *o);

#endif
