/*
 * outbox.c - mails people that there is something new for them, in
 * batches on a thread of its own (see outbox.h for the modes and the
 * delivery rules).
 *
 * Owns the outbox columns of notifications (sent_at, attempts, hold_until;
 * 011_message.sql, 012_queue.sql) and the table notify_prefs.  Rows are
 * added by whoever makes something new; this file only reads and marks
 * them.
 *
 * The texts are fixed here in Dutch and English rather than in the
 * gettext catalogues: the thread serves no request and so has no locale,
 * and a notification must never be built from anything but these
 * sentences, a count and the site's address.
 *
 * Caveat: a lease is recognised by its end (hold_until = now + lease).
 * Retry times are LIMIT_OUTBOX_RETRY_FIRST times a power of two and never
 * equal a lease end taken in the same second, and a second batch cannot
 * take rows under a running lease, so the value names one claim.
 */
#include "notify/outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mail/smtp.h"
#include "promise/tz.h"
#include "store/db.h"
#include "core/banned.h"

_Static_assert(LIMIT_OUTBOX_LEASE % LIMIT_OUTBOX_RETRY_FIRST != 0 ||
    ((LIMIT_OUTBOX_LEASE / LIMIT_OUTBOX_RETRY_FIRST) &
    (LIMIT_OUTBOX_LEASE / LIMIT_OUTBOX_RETRY_FIRST - 1)) != 0,
    "a lease must not be as long as a retry delay");

struct outbox {
	struct db *db;
	outbox_send_fn send;
	void *send_arg;
	char *base_url;
	int interval;
	int digest_hour;
	struct tz *tz;
	int (*before_batch)(struct db *, time_t, int *);

	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	bool running;
	atomic_bool stop;
};

static const char *const mode_names[] = {
	[OUTBOX_EACH] = "each",
	[OUTBOX_DAILY] = "daily",
	[OUTBOX_NONE] = "none",
};

const char *
outbox_mode_name(enum outbox_mode m)
{
	if ((unsigned)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "each";
	return mode_names[m];
}

int
outbox_mode_parse(const char *s, enum outbox_mode *out)
{
	size_t i;

	for (i = 0; s && i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum outbox_mode)i;
			return 0;
		}
	return ERR_INVAL;
}

int
outbox_pref_get(struct db *db, int64_t user_id, enum outbox_mode *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	char mode[8] = "each";
	int rc;

	*out = OUTBOX_EACH;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT mode FROM notify_prefs "
	    "WHERE user_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		struct str m = db_col_text(st, 0);

		if (m.p && m.len < sizeof(mode)) {
			memcpy(mode, m.p, m.len);
			mode[m.len] = '\0';
		}
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = 0;
	}
	db_done(st);
	if (rc == 0 && outbox_mode_parse(mode, out) != 0)
		*out = OUTBOX_EACH;
out:
	db_read_end(db, c);
	return rc;
}

struct pref_job {
	int64_t user_id;
	const char *mode;
};

static int
pref_run(struct db_conn *c, void *arg)
{
	struct pref_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO notify_prefs (user_id, mode) "
	    "VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE "
	    "SET mode = excluded.mode", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->user_id);
	db_bind_textz(st, 2, j->mode);
	return db_run(st);
}

int
outbox_pref_set(struct db *db, int64_t user_id, enum outbox_mode m)
{
	struct pref_job j = { user_id, NULL };
	int rc;

	if (user_id <= 0 || (unsigned)m > OUTBOX_NONE)
		return ERR_INVAL;
	j.mode = mode_names[m];
	rc = db_write(db, pref_run, &j);
	return rc < 0 ? rc : 0;
}

int
outbox_send_smtp(void *arg, const char *to, const char *subject,
    const char *body)
{
	return mail_send((const struct mail_config *)arg, to, subject, body);
}

/* --- The texts ------------------------------------------------------------ */

/* Lines stay under 78 characters, so a mail goes out as plain 7-bit
 * text (a long site address is the exception). */
static void
mail_text(const struct outbox *ob, bool dutch, bool digest, int64_t count,
    struct buf *subject, struct buf *body)
{
	const char *url = ob->base_url;

	if (dutch) {
		buf_adds(subject, digest ? "Je dagelijkse overzicht van Infuus"
		    : "Nieuw voor je in Infuus");
		buf_adds(body, "Goedendag,\r\n\r\n");
		if (!digest)
			buf_adds(body, "Er staat iets nieuws voor je klaar in "
			    "Infuus.\r\n");
		else if (count == 1)
			buf_adds(body, "Sinds het vorige overzicht staat er 1 "
			    "nieuw bericht\r\nof nieuwe melding voor je klaar "
			    "in Infuus.\r\n");
		else
			buf_printf(body, "Sinds het vorige overzicht staan er "
			    "%lld nieuwe berichten\r\nof meldingen voor je "
			    "klaar in Infuus.\r\n", (long long)count);
		if (url[0])
			buf_printf(body, "Log in om te lezen:\r\n%s/\r\n\r\n"
			    "Je krijgt deze e-mail door je instelling voor "
			    "meldingen.\r\nDie kun je wijzigen op %s/account"
			    "\r\n", url, url);
		else
			buf_adds(body, "Log in om te lezen.\r\n");
	} else {
		buf_adds(subject, digest ? "Your daily Infuus summary"
		    : "Something new for you in Infuus");
		buf_adds(body, "Hello,\r\n\r\n");
		if (!digest)
			buf_adds(body, "There is something new for you in "
			    "Infuus.\r\n");
		else if (count == 1)
			buf_adds(body, "Since the last summary there is 1 new "
			    "message or notice\r\nfor you in Infuus.\r\n");
		else
			buf_printf(body, "Since the last summary there are %lld "
			    "new messages or notices\r\nfor you in Infuus.\r\n",
			    (long long)count);
		if (url[0])
			buf_printf(body, "Log in to read it:\r\n%s/\r\n\r\n"
			    "You receive this e-mail because of your "
			    "notification setting.\r\nYou can change it at "
			    "%s/account\r\n", url, url);
		else
			buf_adds(body, "Log in to read it.\r\n");
	}
}

/* --- One batch ------------------------------------------------------------ */

/* A person with due rows. */
struct due {
	int64_t user_id;
	int64_t max_id;
	int64_t attempts;
	const char *email;
	bool dutch;
	bool disabled;
	enum outbox_mode mode;
};

/*
 * The people with due rows, oldest first.  A daily person's rows are due
 * only when they arrived before the last digest moment, so such a person
 * does not hold a place in the batch until then.
 */
static const char due_sql[] =
	"SELECT n.user_id, MAX(n.id), MAX(n.attempts), u.email, u.lang, "
	"u.disabled, p.mode "
	"FROM notifications n "
	"JOIN users u ON u.id = n.user_id "
	"LEFT JOIN notify_prefs p ON p.user_id = n.user_id "
	"WHERE n.sent_at IS NULL AND (n.hold_until IS NULL OR n.hold_until <= ?) "
	"AND (p.mode IS NULL OR p.mode <> 'daily' OR n.created_at < ?) "
	"GROUP BY n.user_id, u.email, u.lang, u.disabled, p.mode "
	"ORDER BY MIN(n.id) LIMIT ?";

static int
read_due(struct outbox *ob, time_t now, int64_t digest_at, struct arena *a,
    struct due **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct due *d;
	size_t k = 0;
	int rc;

	*out = d = arena_calloc(a, LIMIT_OUTBOX_BATCH, sizeof(*d));
	*n = 0;
	if ((rc = db_read_begin(ob->db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, due_sql, &st)) != 0)
		goto out;
	db_bind_i64(st, 1, now);
	db_bind_i64(st, 2, digest_at);
	db_bind_i64(st, 3, LIMIT_OUTBOX_BATCH);
	while ((rc = db_step(st)) == DB_ROW && k < LIMIT_OUTBOX_BATCH) {
		struct str email = db_col_text(st, 3);
		struct str mode = db_col_text(st, 6);

		d[k].user_id = db_col_i64(st, 0);
		d[k].max_id = db_col_i64(st, 1);
		d[k].attempts = db_col_i64(st, 2);
		d[k].email = arena_strndup(a, email.p ? email.p : "",
		    email.len);
		d[k].dutch = !str_eqc(db_col_text(st, 4), "en");
		d[k].disabled = db_col_i64(st, 5) != 0;
		d[k].mode = mode.p == NULL ? OUTBOX_EACH :
		    str_eqc(mode, "daily") ? OUTBOX_DAILY :
		    str_eqc(mode, "none") ? OUTBOX_NONE : OUTBOX_EACH;
		k++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	*n = k;
out:
	db_read_end(ob->db, c);
	return rc;
}

enum mark_what {
	MARK_CLAIM,    /* due rows: hold_until = lease */
	MARK_SILENT,   /* due rows: sent without a mail */
	MARK_SENT,     /* rows under lease: sent */
	MARK_RETRY,    /* rows under lease: pending again, later */
};

struct mark_job {
	enum mark_what what;
	int64_t user_id;
	int64_t max_id;
	int64_t now;
	int64_t before;    /* due rows: created before this */
	int64_t lease;     /* the lease's end */
	int64_t retry_at;
	int64_t changed;
};

static int
mark_run(struct db_conn *c, void *arg)
{
	struct mark_job *j = arg;
	struct db_stmt *st = NULL;
	int rc;

	switch (j->what) {
	case MARK_CLAIM:
	case MARK_SILENT:
		rc = db_prepare(c, j->what == MARK_CLAIM ?
		    "UPDATE notifications SET hold_until = ? "
		    "WHERE user_id = ? AND sent_at IS NULL AND id <= ? "
		    "AND created_at < ? "
		    "AND (hold_until IS NULL OR hold_until <= ?)" :
		    "UPDATE notifications SET sent_at = ?, hold_until = NULL "
		    "WHERE user_id = ? AND sent_at IS NULL AND id <= ? "
		    "AND created_at < ? "
		    "AND (hold_until IS NULL OR hold_until <= ?)", &st);
		if (rc != 0)
			return rc;
		db_bind_i64(st, 1, j->what == MARK_CLAIM ? j->lease : j->now);
		db_bind_i64(st, 2, j->user_id);
		db_bind_i64(st, 3, j->max_id);
		db_bind_i64(st, 4, j->before);
		db_bind_i64(st, 5, j->now);
		break;
	case MARK_SENT:
	case MARK_RETRY:
		rc = db_prepare(c, j->what == MARK_SENT ?
		    "UPDATE notifications SET sent_at = ?, hold_until = NULL "
		    "WHERE user_id = ? AND sent_at IS NULL AND id <= ? "
		    "AND hold_until = ?" :
		    "UPDATE notifications SET hold_until = ?, "
		    "attempts = attempts + 1 "
		    "WHERE user_id = ? AND sent_at IS NULL AND id <= ? "
		    "AND hold_until = ?", &st);
		if (rc != 0)
			return rc;
		db_bind_i64(st, 1, j->what == MARK_SENT ? j->now : j->retry_at);
		db_bind_i64(st, 2, j->user_id);
		db_bind_i64(st, 3, j->max_id);
		db_bind_i64(st, 4, j->lease);
		break;
	default:
		return ERR_INTERNAL;
	}
	rc = db_step(st);
	if (rc >= 0) {
		j->changed = db_changes(st);
		rc = 0;
	}
	db_done(st);
	return rc;
}

static int
mark(struct outbox *ob, struct mark_job *j)
{
	int rc = db_write(ob->db, mark_run, j);

	return rc < 0 ? rc : 0;
}

/* The wait before the next try after `attempts` failures before this one. */
static int64_t
retry_delay(int64_t attempts)
{
	int64_t d = LIMIT_OUTBOX_RETRY_FIRST;

	while (attempts-- > 0 && d < LIMIT_OUTBOX_RETRY_MAX)
		d *= 2;
	return d < LIMIT_OUTBOX_RETRY_MAX ? d : LIMIT_OUTBOX_RETRY_MAX;
}

/* The last digest moment at or before now: today's digest hour in the
 * digest zone, or yesterday's before that hour. */
static int
digest_moment(const struct outbox *ob, time_t now, int64_t *out)
{
	struct tz_local l;
	int64_t day, y;
	time_t t;
	int m, d, tries, rc;

	if ((rc = tz_to_local(ob->tz, now, &l)) != 0)
		return rc;
	day = tz_days_from_civil(l.year, l.month, l.day);
	for (tries = 0; tries < 3; tries++, day--) {
		tz_civil_from_days(day, &y, &m, &d);
		if ((rc = tz_from_local(ob->tz, (int)y, m, d, ob->digest_hour,
		    0, 0, &t)) != 0)
			return rc;
		/* A skipped hour moves the moment later; the day before
		 * then holds the last one. */
		if (t <= now) {
			*out = t;
			return 0;
		}
	}
	return ERR_INTERNAL;
}

static int
one_person(struct outbox *ob, const struct due *d, time_t now,
    int64_t digest_at, struct outbox_stats *st)
{
	struct buf subject = BUF_INIT, body = BUF_INIT;
	struct mark_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	j.user_id = d->user_id;
	j.max_id = d->max_id;
	j.now = now;
	j.before = d->mode == OUTBOX_DAILY ? digest_at : INT64_MAX;
	if (d->mode == OUTBOX_NONE || d->disabled) {
		j.what = MARK_SILENT;
		if ((rc = mark(ob, &j)) == 0 && j.changed > 0) {
			st->silent++;
			st->rows += j.changed;
		}
		return rc;
	}
	j.what = MARK_CLAIM;
	j.lease = (int64_t)now + LIMIT_OUTBOX_LEASE;
	if ((rc = mark(ob, &j)) != 0)
		return rc;
	if (j.changed == 0)
		return 0; /* another node took them */
	mail_text(ob, d->dutch, d->mode == OUTBOX_DAILY, j.changed, &subject,
	    &body);
	rc = ob->send(ob->send_arg, d->email, subject.p, body.p);
	if (rc == 0) {
		j.what = MARK_SENT;
		if (d->mode == OUTBOX_DAILY)
			st->digests++;
		else
			st->mails++;
	} else {
		log_warn("outbox", "msg=\"mail failed; retried later\" user=%lld "
		    "attempt=%lld err=%s", (long long)d->user_id,
		    (long long)d->attempts + 1, err_name(rc));
		j.what = MARK_RETRY;
		j.retry_at = (int64_t)now + retry_delay(d->attempts);
		st->failed++;
	}
	if ((rc = mark(ob, &j)) == 0 && j.what == MARK_SENT)
		st->rows += j.changed;
	buf_release(&subject);
	buf_release(&body);
	return rc;
}

int
outbox_run_once(struct outbox *ob, time_t now, struct outbox_stats *st)
{
	struct outbox_stats dummy;
	struct arena a;
	struct due *due;
	int64_t digest_at;
	size_t n = 0, i;
	int rc;

	if (st == NULL)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	arena_init(&a);
	if ((rc = digest_moment(ob, now, &digest_at)) != 0)
		goto out;
	if ((rc = read_due(ob, now, digest_at, &a, &due, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (atomic_load(&ob->stop))
			break;
		if ((rc = one_person(ob, &due[i], now, digest_at, st)) != 0)
			goto out;
	}
out:
	arena_release(&a);
	return rc;
}

/* --- The thread ----------------------------------------------------------- */

void
outbox_config_init(struct outbox_config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval = 30;
	c->digest_hour = 8;
	c->digest_tz = "Europe/Amsterdam";
}

int
outbox_new(const struct outbox_config *cfg, struct outbox **out)
{
	struct outbox *ob;
	pthread_condattr_t ca;
	size_t len;
	int rc;

	*out = NULL;
	if (cfg->db == NULL || cfg->send == NULL || cfg->interval < 1 ||
	    cfg->digest_hour < 0 || cfg->digest_hour > 23 ||
	    cfg->digest_tz == NULL)
		return ERR_INVAL;
	ob = xcalloc(1, sizeof(*ob));
	if ((rc = tz_load(cfg->digest_tz, &ob->tz)) != 0) {
		free(ob);
		return rc;
	}
	ob->db = cfg->db;
	ob->send = cfg->send;
	ob->send_arg = cfg->send_arg;
	ob->interval = cfg->interval;
	ob->before_batch = cfg->before_batch;
	ob->digest_hour = cfg->digest_hour;
	ob->base_url = xstrdup(cfg->base_url ? cfg->base_url : "");
	len = strlen(ob->base_url);
	while (len > 0 && ob->base_url[len - 1] == '/')
		ob->base_url[--len] = '\0';
	atomic_init(&ob->stop, false);
	pthread_mutex_init(&ob->mu, NULL);
	/* The wait between batches is timed on the monotonic clock, so
	 * setting the wall clock neither stalls nor rushes it. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ob->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = ob;
	return 0;
}

static void *
outbox_main(void *arg)
{
	struct outbox *ob = arg;
	struct outbox_stats st;
	struct timespec until;
	int rc;

	while (!atomic_load(&ob->stop)) {
		if (ob->before_batch != NULL &&
		    (rc = ob->before_batch(ob->db, time(NULL), NULL)) != 0)
			log_warn("outbox", "msg=\"before batch failed\" err=%s",
			    err_name(rc));
		rc = outbox_run_once(ob, time(NULL), &st);
		if (rc != 0)
			log_warn("outbox", "msg=\"batch failed\" err=%s",
			    err_name(rc));
		else if (st.mails || st.digests || st.failed || st.silent)
			log_info("outbox", "mails=%lld digests=%lld failed=%lld "
			    "silent=%lld rows=%lld", (long long)st.mails,
			    (long long)st.digests, (long long)st.failed,
			    (long long)st.silent, (long long)st.rows);
		pthread_mutex_lock(&ob->mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ob->interval;
		while (!atomic_load(&ob->stop))
			if (pthread_cond_timedwait(&ob->cv, &ob->mu,
			    &until) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&ob->mu);
	}
	return NULL;
}

int
outbox_start(struct outbox *ob)
{
	if (ob->running)
		return ERR_INTERNAL;
	atomic_store(&ob->stop, false);
	if (pthread_create(&ob->th, NULL, outbox_main, ob) != 0) {
		log_err("outbox", "msg=\"cannot start the outbox thread\"");
		return ERR_INTERNAL;
	}
	ob->running = true;
	return 0;
}

void
outbox_stop(struct outbox *ob)
{
	if (ob == NULL || !ob->running)
		return;
	pthread_mutex_lock(&ob->mu);
	atomic_store(&ob->stop, true);
	pthread_cond_broadcast(&ob->cv);
	pthread_mutex_unlock(&ob->mu);
	pthread_join(ob->th, NULL);
	ob->running = false;
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	outbox_stop(ob);
	pthread_cond_destroy(&ob->cv);
	pthread_mutex_destroy(&ob->mu);
	tz_free(ob->tz);
	free(ob->base_url);
	free(ob);
}
