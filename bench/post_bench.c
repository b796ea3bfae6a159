/*
 * post_bench.c - messages posted per second through msg_post (sealed,
 * indexed, audit-logged, committed by group commit) against raw SQLite
 * inserting the same row one transaction per insert, both durable on the
 * same disk when a row counts (raw: WAL, synchronous=FULL, the fsync inside
 * each COMMIT; Infuus: msg_post returns after the store's fdatasync of the
 * WAL, src/store/db.c), from one run.
 *
 *   post_bench --dir DIR [--seconds S] [--writers W]
 *
 * Raw SQLite: DIR/raw.db, a copy of the messages table (same columns and
 * indexes, no foreign keys), one thread, one transaction per INSERT of a
 * row whose body is a random blob of a sealed message's size (100-1500
 * bytes plus the seal's overhead).
 *
 * Infuus: DIR/infuus/ made by gen.c with W trajectories of 100 messages
 * each (search index included); W threads each post into their own
 * trajectory, by turns as the client and as the professional, texts of
 * 100-1500 bytes, the client opening a new thread every THREAD_POSTS
 * messages (msg_thread_create), otherwise msg_post: checks, sealing,
 * the search filter, the reply deadline, and one write job with the message,
 * tokens, notification, read mark, replied marks and the audit entry.
 * Also one writer alone, for comparison.
 *
 * Raw inserting and posting take turns (ROUNDS of S / ROUNDS seconds each,
 * S = 8 by default), so load from elsewhere on the machine weighs on both.
 *
 * Prints BENCH lines: sqlite_tx_per_insert_rps, post_rps, post_vs_sqlite,
 * post_1writer_rps, post_errors, post_mean_batch, post_jobs_per_fsync (one
 * fdatasync of the syncer may cover several batches: see src/store/db.c).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "keys/keyring.h"
#include "message/message.h"
#include "store/db.h"
#include "gen.h"
#include "core/banned.h"

#define TEXTS 32        /* pre-made texts per writer */
#define THREAD_POSTS 40 /* messages per thread a writer starts */
#define ROUNDS 4        /* turns of raw SQLite and posting */
#define MAX_WRITERS 256

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: post_bench --dir DIR [--seconds S] "
	    "[--writers W]\n");
	exit(2);
}

/* --- raw SQLite ----------------------------------------------------------- */

static const char raw_schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" thread_id BIGINT NOT NULL,"
	" trajectory_id BIGINT NOT NULL,"
	" org_id BIGINT NOT NULL,"
	" author_id BIGINT,"
	" author_role TEXT NOT NULL CHECK (author_role IN ('client', "
	"'professional')),"
	" kind TEXT NOT NULL DEFAULT 'message'"
	" CHECK (kind IN ('message', 'notice', 'correction')),"
	" body_box BLOB NOT NULL,"
	" quote_of BIGINT, quote_box BLOB, corrects BIGINT,"
	" new_deadline BIGINT, created_at BIGINT NOT NULL,"
	" deadline_at BIGINT, replied_at BIGINT, reply_id BIGINT,"
	" original_deadline BIGINT);"
	"CREATE INDEX messages_thread ON messages(thread_id, id);"
	"CREATE INDEX messages_trajectory ON messages(trajectory_id, "
	"created_at);"
	"CREATE INDEX messages_waiting ON messages(trajectory_id, deadline_at)"
	" WHERE replied_at IS NULL AND deadline_at IS NOT NULL;";

struct raw {
	sqlite3 *h;
	sqlite3_stmt *st;
	unsigned char *blob;
	struct gen_rng r;
	int64_t n;              /* rows inserted so far */
	double secs;            /* time spent inserting */
};

static int
raw_open(struct raw *raw, const char *dir)
{
	struct buf path = BUF_INIT;
	char *msg = NULL;
	int rc = ERR_DB;

	memset(raw, 0, sizeof(*raw));
	gen_rng_init(&raw->r, 7);
	raw->blob = xmalloc(1500 + KEYRING_SEAL_OVERHEAD);
	crypto_random(raw->blob, 1500 + KEYRING_SEAL_OVERHEAD);
	buf_printf(&path, "%s/raw.db", dir);
	remove(path.p);
	if (sqlite3_open(path.p, &raw->h) != SQLITE_OK)
		goto out;
	if (sqlite3_exec(raw->h, raw_schema, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "post_bench: raw schema: %s\n", msg);
		goto out;
	}
	if (sqlite3_prepare_v2(raw->h, "INSERT INTO messages (thread_id, "
	    "trajectory_id, org_id, author_id, author_role, kind, body_box, "
	    "created_at, deadline_at) VALUES (?, ?, 1, ?, ?, 'message', ?, "
	    "?, ?)", -1, &raw->st, NULL) != SQLITE_OK)
		goto out;
	rc = 0;
out:
	if (msg)
		sqlite3_free(msg);
	buf_release(&path);
	return rc;
}

static void
raw_close(struct raw *raw)
{
	if (raw->st)
		sqlite3_finalize(raw->st);
	if (raw->h)
		sqlite3_close(raw->h);
	free(raw->blob);
}

/* Insert for secs seconds, one transaction per row. */
static int
raw_run(struct raw *raw, double secs)
{
	double t0 = now_s(), t1;

	do {
		int64_t n = raw->n;
		int64_t len = gen_rng_range(&raw->r, 110, 1500) +
		    KEYRING_SEAL_OVERHEAD;
		bool client = n % 2 == 0;

		/* Autocommit: one transaction (and one fsync) per row. */
		sqlite3_bind_int64(raw->st, 1, 1 + n % 64);
		sqlite3_bind_int64(raw->st, 2, 1 + n % 64);
		sqlite3_bind_int64(raw->st, 3, 100 + n % 128);
		sqlite3_bind_text(raw->st, 4, client ? "client" :
		    "professional", -1, SQLITE_STATIC);
		sqlite3_bind_blob(raw->st, 5, raw->blob, (int)len,
		    SQLITE_STATIC);
		sqlite3_bind_int64(raw->st, 6, 1700000000 + n);
		if (client)
			sqlite3_bind_int64(raw->st, 7, 1700086400 + n);
		else
			sqlite3_bind_null(raw->st, 7);
		if (sqlite3_step(raw->st) != SQLITE_DONE) {
			fprintf(stderr, "post_bench: raw insert: %s\n",
			    sqlite3_errmsg(raw->h));
			return ERR_DB;
		}
		sqlite3_reset(raw->st);
		raw->n++;
		t1 = now_s();
	} while (t1 - t0 < secs);
	raw->secs += t1 - t0;
	return 0;
}

/* --- Infuus --------------------------------------------------------------- */

struct writer {
	const struct msg_env *env;
	struct gen_world *w;
	size_t idx;
	double until;
	struct buf texts[TEXTS];
	const char *subject;
	int64_t posted;
	int64_t failed;
	int first_err;
};

static void *
writer_main(void *arg)
{
	struct writer *wr = arg;
	struct gen_world *w = wr->w;
	int64_t traj_id = w->trajs[wr->idx];
	int64_t client = w->clients[wr->idx];
	int64_t pro = w->pros[wr->idx % w->npros];
	int64_t thread_id = 0, id, k = 0;
	struct audit_event ev;
	struct msg_post in;
	int rc;

	do {
		bool as_client = k % 2 == 0;

		memset(&ev, 0, sizeof(ev));
		ev.org_id = w->org_id;
		ev.outcome = AUDIT_SUCCESS;
		ev.actor_id = as_client ? client : pro;
		ev.role = as_client ? "client" : "professional";
		ev.purpose = as_client ? "client-self" : "care";
		ev.address = "127.0.0.1";
		ev.device = "post_bench";
		ev.node = "bench";
		memset(&in, 0, sizeof(in));
		in.author_id = ev.actor_id;
		in.body = buf_str(&wr->texts[k % TEXTS]);
		/* The client opens a new thread every THREAD_POSTS messages,
		 * so threads keep the size they have in use. */
		if (k % THREAD_POSTS == 0)
			rc = msg_thread_create(wr->env, traj_id,
			    str_c(wr->subject), &in, &ev, &thread_id, &id);
		else
			rc = msg_post(wr->env, thread_id, &in, &ev, &id);
		if (rc == 0) {
			wr->posted++;
		} else if (wr->failed++ == 0) {
			wr->first_err = rc;
		}
		k++;
	} while (now_s() < wr->until);
	return NULL;
}

/* What the posting runs add up. */
struct post_total {
	int64_t posted;
	int64_t failed;
	int first_err;
	double secs;
	uint64_t batches;
	uint64_t jobs;
	uint64_t flushes;
};

/* nwriters writers posting for secs seconds, added to *tot. */
static int
post_run(const struct msg_env *env, struct gen_world *w, size_t nwriters,
    double secs, struct post_total *tot)
{
	struct writer *wr = xcalloc(nwriters, sizeof(*wr));
	pthread_t *tid = xcalloc(nwriters, sizeof(*tid));
	struct db_stats s0, s1;
	struct gen_rng r;
	size_t i, k, started = 0;
	double t0, t1;

	gen_rng_init(&r, 11);
	for (i = 0; i < nwriters; i++) {
		wr[i].env = env;
		wr[i].w = w;
		wr[i].idx = i;
		wr[i].subject = i % 4 != 3 ? "Mijn week" : "My week";
		for (k = 0; k < TEXTS; k++) {
			buf_init(&wr[i].texts[k]);
			gen_text(&r, i % 4 != 3, (size_t)gen_rng_range(&r, 110,
			    1500), &wr[i].texts[k]);
		}
	}
	db_stats(env->db, &s0);
	t0 = now_s();
	for (i = 0; i < nwriters; i++) {
		wr[i].until = t0 + secs;
		if (pthread_create(&tid[i], NULL, writer_main, &wr[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	t1 = now_s();
	db_stats(env->db, &s1);
	for (i = 0; i < nwriters; i++) {
		tot->posted += wr[i].posted;
		tot->failed += wr[i].failed;
		if (tot->first_err == 0)
			tot->first_err = wr[i].first_err;
		for (k = 0; k < TEXTS; k++)
			buf_release(&wr[i].texts[k]);
	}
	tot->secs += t1 - t0;
	tot->batches += s1.batches - s0.batches;
	tot->jobs += s1.jobs - s0.jobs;
	tot->flushes += s1.flushes - s0.flushes;
	free(wr);
	free(tid);
	return started == nwriters ? 0 : ERR_INTERNAL;
}

int
main(int argc, char **argv)
{
	struct gen_opts o = { .search_index = true, .seed = 5,
	    .password = "bench-post-password" };
	struct post_total one = { 0 }, many = { 0 };
	struct gen_world w;
	struct msg_env env;
	struct raw raw;
	struct buf sub = BUF_INIT;
	const char *dir = NULL;
	double secs = 8, raw_rps, rps, rps1;
	int64_t v, writers = 64;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			if (num_parse_i64(str_c(argv[++i]), 1, 600, &v) != 0)
				usage();
			secs = (double)v;
		} else if (strcmp(argv[i], "--writers") == 0 && i + 1 < argc) {
			if (num_parse_i64(str_c(argv[++i]), 1, MAX_WRITERS,
			    &writers) != 0)
				usage();
		} else {
			usage();
		}
	}
	if (dir == NULL)
		usage();
	log_set_level(LOG_WARN);
	if ((rc = crypto_init()) != 0)
		die("post_bench: libsodium: %s", err_msg(rc));

	/* Raw SQLite starts the library first: give it the setting the
	 * store's first open would (db_sqlite.c), so both sides run the
	 * same library configuration. */
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		die("post_bench: SQLite was initialised too early");
	if (raw_open(&raw, dir) != 0)
		die("post_bench: raw SQLite in %s failed", dir);
	buf_printf(&sub, "%s/infuus", dir);
	o.trajectories = writers;
	o.messages = writers * 100;
	o.professionals = writers / 8 > 0 ? writers / 8 : 1;
	if ((rc = gen_open(sub.p, &w)) != 0 ||
	    (rc = gen_people(&w, &o)) != 0 ||
	    (rc = gen_messages(&w, &o)) != 0)
		die("post_bench: preparing %s: %s", sub.p, err_msg(rc));
	env.db = w.db;
	env.kr = w.kr;
	env.tzc = w.tzc;

	/* Raw and posting take turns, ROUNDS times, so that whatever else
	 * the machine does weighs on both alike. */
	for (i = 0; i < ROUNDS; i++) {
		if (raw_run(&raw, secs / ROUNDS) != 0)
			die("post_bench: raw SQLite failed");
		if ((rc = post_run(&env, &w, (size_t)writers, secs / ROUNDS,
		    &many)) != 0)
			die("post_bench: posting: %s", err_msg(rc));
	}
	if ((rc = post_run(&env, &w, 1, secs / ROUNDS, &one)) != 0)
		die("post_bench: posting: %s", err_msg(rc));
	gen_close(&w);
	raw_close(&raw);
	if (many.first_err || one.first_err)
		fprintf(stderr, "post_bench: %lld posts failed, the first "
		    "with %s\n", (long long)(many.failed + one.failed),
		    err_name(many.first_err ? many.first_err : one.first_err));

	raw_rps = (double)raw.n / raw.secs;
	rps = (double)many.posted / many.secs;
	rps1 = (double)one.posted / one.secs;
	printf("BENCH sqlite_tx_per_insert_rps %.0f rows/s\n", raw_rps);
	printf("BENCH post_1writer_rps %.0f msg/s\n", rps1);
	printf("BENCH post_rps %.0f msg/s\n", rps);
	printf("BENCH post_writers %lld count\n", (long long)writers);
	printf("BENCH post_mean_batch %.1f jobs\n", many.batches ?
	    (double)many.jobs / (double)many.batches : 0);
	printf("BENCH post_jobs_per_fsync %.1f jobs\n", many.flushes ?
	    (double)many.jobs / (double)many.flushes : 0);
	printf("BENCH post_errors %lld count\n",
	    (long long)(many.failed + one.failed));
	printf("BENCH post_vs_sqlite %.2f ratio\n",
	    raw_rps > 0 ? rps / raw_rps : 0);
	buf_release(&sub);
	return 0;
}
