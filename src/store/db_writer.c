/*
 * db_writer.c - the group-commit writer and its syncer: db_write and the
 * two threads behind it (db_open starts them, db_close stops them).
 *
 * The writer: db_write puts a job on the queue (the job lives on the
 * caller's stack) and sleeps on the job's semaphore.  The writer thread
 * takes every job waiting at that moment (at most LIMIT_GROUP_COMMIT), runs
 * BEGIN, then SAVEPOINT / fn / RELEASE (or ROLLBACK TO) per job, then one
 * COMMIT, and only after the COMMIT returned posts each job's semaphore.
 * Jobs that arrive during a commit form the next batch, so the batch size
 * follows the load without any timer.  A batch of one job skips the
 * savepoint (its failure rolls back the whole transaction instead).
 *
 * The syncer: where the backend has a flush (SQLite), the writer commits
 * without waiting for the disk.  When jobs are waiting, it hands the batch
 * to a second thread, which makes everything committed so far durable with
 * one flush (an fdatasync of the WAL) and only then wakes the batch's
 * callers; so the writer runs the next batch while the disk syncs the last
 * one, and one flush may cover several batches.  When none are waiting,
 * the writer flushes itself (a hand-over would only add two wake-ups to a
 * lone caller's wait).  What a caller is told is the same as
 * with a synchronous COMMIT: a 0 from db_write is on disk.  What differs is
 * for readers: they may see a commit some hundred microseconds before it
 * is durable.  Anything written after it lands later in the same log, so a
 * crash loses it too; what a reader saw was never acknowledged to anyone
 * who wrote it.  A flush that fails leaves the disk's state unknown, and
 * the kernel may already have dropped the pages it could not write, so
 * the store stops writing: every job from then on fails (ERR_IO), until a
 * restart reads back what is really on disk.
 *
 * Caveats: a job must not call db_write or db_read_begin (the writer would
 * wait for itself; asserted for db_write).  After being woken, db_write
 * touches nothing of the db, so db_close may free it at once.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "store/db_int.h"
#include "core/banned.h"

/* --- The writer --------------------------------------------------------- */

static bool queue_empty(struct db *db);
static int flush(struct db *db);
static void post_flushed(struct db_job *j, int rc);
static void chain(struct db_job **jobs, int n);
static void hand_to_syncer(struct db *db, struct db_job *first,
    struct db_job *last);

int
db_enqueue(struct db *db, db_write_fn fn, void *arg, bool raw)
{
	struct db_job job;
	int rc;

	ASSERT(!pthread_equal(pthread_self(), db->writer));
	memset(&job, 0, sizeof(job));
	job.fn = fn;
	job.arg = arg;
	job.raw = raw;
	if (sem_init(&job.done, 0, 0) != 0)
		return ERR_INTERNAL;
	pthread_mutex_lock(&db->q_mu);
	ASSERT(!db->q_stopping);
	if (db->q_tail)
		db->q_tail->next = &job;
	else
		db->q_head = &job;
	db->q_tail = &job;
	CNT_ADD(db->n_queued, 1);
	pthread_cond_signal(&db->q_cv);
	pthread_mutex_unlock(&db->q_mu);

	while (sem_wait(&job.done) != 0)
		ASSERT(errno == EINTR);
	/* From here on db may already be freed by db_close. */
	rc = job.rc;
	sem_destroy(&job.done);
	return rc;
}

int
db_write(struct db *db, db_write_fn fn, void *arg)
{
	return db_enqueue(db, fn, arg, false);
}

/* A job that returns leaves no statement running and no transaction open
 * behind (a raw job may have failed half-way). */
static int
run_fn(struct db_conn *c, struct db_job *j)
{
	int rc;

	c->failed = 0;
	rc = j->fn(c, j->arg);
	db_conn_reset_active(c, "write_job");
	if (rc >= 0 && c->failed < 0) {
		log_err("db_write", "a job went on after a failed statement "
		    "err=%s; rolled back", err_name(c->failed));
		rc = c->failed;
	}
	return rc;
}

/* The backend threw the whole transaction away (SQLite does on some I/O
 * and memory errors; a job may also have ended it): the jobs done so far
 * in this batch are lost with it. */
static int
batch_lost(struct db *db, struct db_job **jobs, int upto)
{
	struct db_conn *c = db->wconn;
	int i;

	log_err("db_write", "backend=%s batch transaction lost after job %d",
	    db->ops->name, upto);
	for (i = 0; i <= upto; i++)
		if (jobs[i]->rc >= 0)
			jobs[i]->rc = ERR_DB;
	return c->ops->txn(c, DB_TXN_BEGIN_WRITE);
}

static void
run_batch(struct db *db, struct db_job **jobs, int n)
{
	struct db_conn *c = db->wconn;
	const struct db_ops *ops = c->ops;
	bool single = n == 1, any_ok = false;
	int i, rc;

	if (atomic_load(&db->broken)) {
		rc = ERR_IO;
		goto fail_all;
	}
	if ((rc = ops->conn_check(c)) < 0)
		goto fail_all;
	if (jobs[0]->raw) {
		ASSERT(n == 1);
		jobs[0]->rc = run_fn(c, jobs[0]);
		if (ops->in_txn(c))
			(void)ops->txn(c, DB_TXN_ROLLBACK);
		return;
	}
	CNT_ADD(db->n_batches, 1);
	CNT_ADD(db->n_jobs, (uint64_t)n);
	if ((uint64_t)n > CNT_GET(db->n_max_batch))
		atomic_store(&db->n_max_batch, (uint64_t)n);
	/* A session that died while idle shows only now; nothing has run
	 * yet, so one more try on a new one is safe. */
	if ((rc = ops->txn(c, DB_TXN_BEGIN_WRITE)) != 0 &&
	    (ops->conn_check(c) != 1 ||
	    (rc = ops->txn(c, DB_TXN_BEGIN_WRITE)) != 0))
		goto fail_all;

	for (i = 0; i < n; i++) {
		struct db_job *j = jobs[i];

		if (single) {
			j->rc = run_fn(c, j);
		} else if ((rc = ops->txn(c, DB_TXN_SAVEPOINT)) != 0) {
			j->rc = rc;
		} else {
			j->rc = run_fn(c, j);
			if (j->rc >= 0 &&
			    (rc = ops->txn(c, DB_TXN_RELEASE)) != 0)
				j->rc = rc;
			if (j->rc < 0 && ops->in_txn(c)) {
				(void)ops->txn(c, DB_TXN_ROLLBACK_TO);
				(void)ops->txn(c, DB_TXN_RELEASE);
			}
		}
		if (j->rc < 0)
			CNT_ADD(db->n_jobs_failed, 1);
		else
			any_ok = true;
		if (!single && !ops->in_txn(c)) {
			any_ok = false;
			if ((rc = batch_lost(db, jobs, i)) != 0) {
				for (i++; i < n; i++)
					jobs[i]->rc = rc;
				return;
			}
		}
	}
	if (!any_ok) {
		/* Nothing to keep: a rollback costs no fsync. */
		if (ops->in_txn(c))
			(void)ops->txn(c, DB_TXN_ROLLBACK);
		return;
	}
	if ((rc = ops->txn(c, DB_TXN_COMMIT)) == 0) {
		/* After the commit, before any caller wakes: a reader that
		 * saw the old generation may hold data older than this. */
		atomic_fetch_add_explicit(&db->generation, 1,
		    memory_order_release);
	} else {
		CNT_ADD(db->n_commit_failures, 1);
		log_err("db_write", "backend=%s commit of %d jobs failed err=%s",
		    ops->name, n, err_name(rc));
		if (ops->in_txn(c))
			(void)ops->txn(c, DB_TXN_ROLLBACK);
		for (i = 0; i < n; i++)
			if (jobs[i]->rc >= 0)
				jobs[i]->rc = rc;
	}
	return;
fail_all:
	for (i = 0; i < n; i++)
		jobs[i]->rc = rc;
}

void *
db_writer_main(void *arg)
{
	struct db *db = arg;
	struct db_job *jobs[LIMIT_GROUP_COMMIT];
	int i, n;

	for (;;) {
		/* Between batches, no transaction open: the backend's. */
		if (db->ops->upkeep)
			db->ops->upkeep(db->impl, db->wconn);
		pthread_mutex_lock(&db->q_mu);
		while (db->q_head == NULL && !db->q_stopping)
			pthread_cond_wait(&db->q_cv, &db->q_mu);
		if (db->q_head == NULL) {
			pthread_mutex_unlock(&db->q_mu);
			break;
		}
		n = 0;
		do {
			struct db_job *j = db->q_head;

			if (n > 0 && j->raw)
				break;
			jobs[n++] = j;
			db->q_head = j->next;
			if (j->raw)
				break;
		} while (db->q_head && n < LIMIT_GROUP_COMMIT);
		if (db->q_head == NULL)
			db->q_tail = NULL;
		CNT_ADD(db->n_queued, -(uint64_t)n);
		pthread_mutex_unlock(&db->q_mu);

		run_batch(db, jobs, n);
		if (db->sync_on) {
			chain(jobs, n);
			/* Nothing waiting to run meanwhile: a hand-over
			 * would only add two thread wake-ups to the wait. */
			if (queue_empty(db))
				post_flushed(jobs[0], flush(db));
			else
				hand_to_syncer(db, jobs[0], jobs[n - 1]);
			continue;
		}
		/* The job is gone once posted; touch nothing of it after. */
		for (i = 0; i < n; i++)
			sem_post(&jobs[i]->done);
	}
	return NULL;
}

/* --- The syncer --------------------------------------------------------- */

static bool
queue_empty(struct db *db)
{
	bool empty;

	pthread_mutex_lock(&db->q_mu);
	empty = db->q_head == NULL;
	pthread_mutex_unlock(&db->q_mu);
	return empty;
}

/* Make durable every commit so far: on the syncer, or on the writer when
 * nothing else is waiting (the backend's flush may run on both at once). */
static int
flush(struct db *db)
{
	int rc;

	if (atomic_load(&db->broken))
		return ERR_IO;
	CNT_ADD(db->n_flushes, 1);
	if ((rc = db->ops->flush(db->impl)) != 0) {
		atomic_store(&db->broken, true);
		log_err("db_write", "backend=%s flush failed err=%s; writes "
		    "refused until a restart", db->ops->name, err_name(rc));
	}
	return rc;
}

/* Wake the jobs of the chain from j on, after a flush that gave rc. */
static void
post_flushed(struct db_job *j, int rc)
{
	struct db_job *next;

	for (; j; j = next) {
		next = j->next;
		if (rc != 0 && j->rc >= 0)
			j->rc = ERR_IO;
		/* Gone once posted. */
		sem_post(&j->done);
	}
}

static void
chain(struct db_job **jobs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		jobs[i]->next = i + 1 < n ? jobs[i + 1] : NULL;
}

/* Append the chain first..last (chain()) to the syncer's list. */
static void
hand_to_syncer(struct db *db, struct db_job *first, struct db_job *last)
{
	pthread_mutex_lock(&db->s_mu);
	if (db->s_tail)
		db->s_tail->next = first;
	else
		db->s_head = first;
	db->s_tail = last;
	pthread_cond_signal(&db->s_cv);
	pthread_mutex_unlock(&db->s_mu);
}

void *
db_syncer_main(void *arg)
{
	struct db *db = arg;
	struct db_job *j;

	for (;;) {
		pthread_mutex_lock(&db->s_mu);
		while (db->s_head == NULL && !db->s_stopping)
			pthread_cond_wait(&db->s_cv, &db->s_mu);
		j = db->s_head;
		db->s_head = db->s_tail = NULL;
		pthread_mutex_unlock(&db->s_mu);
		if (j == NULL)
			break;

		/* Every job taken here was committed before this flush
		 * starts, so the flush covers them all. */
		post_flushed(j, flush(db));
	}
	return NULL;
}

void
db_syncer_stop(struct db *db)
{
	pthread_mutex_lock(&db->s_mu);
	db->s_stopping = true;
	pthread_cond_signal(&db->s_cv);
	pthread_mutex_unlock(&db->s_mu);
	pthread_join(db->syncer, NULL);
}
