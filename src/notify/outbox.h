/*
 * outbox.h - e-mail notifications that say only that there is something
 * new, never what.
 *
 * Whoever makes something new for a person (a message, a notice) adds a
 * row to the notifications table (011_message.sql) in the same write job.
 * The outbox mails about those rows in batches, on a thread of its own:
 *   - mode "each" (the default, when the person has no notify_prefs row):
 *     one mail per person per batch, however many rows are pending;
 *   - mode "daily": one digest a day at the configured local hour, counting
 *     the rows that arrived before that moment;
 *   - mode "none": the rows are marked sent without a mail.
 * A disabled account gets no mail either.  The mail is in the person's
 * language (users.lang, Dutch or English) and holds a fixed sentence, the
 * count for a digest, and a link to log in: never a subject, a sender's
 * name or a word of content.  Addresses are not logged.
 *
 * Delivery: a batch takes a person's due rows by setting hold_until to the
 * end of a lease (LIMIT_OUTBOX_LEASE), mails, and then marks them sent.  A
 * failed mail leaves them pending with attempts + 1 and hold_until at the
 * next try, LIMIT_OUTBOX_RETRY_FIRST doubling up to LIMIT_OUTBOX_RETRY_MAX:
 * nothing is lost.  A node that dies while mailing leaves its lease to run
 * out and another batch takes the rows over, so at worst a mail is sent
 * twice, never not at all.  Several nodes may run an outbox on one
 * database: a row is taken by one of them only.
 *
 * Tables: notifications and notify_prefs.  Other modules add
 * notifications rows in their write jobs (XXX: by hand today, see
 * store/README); only the outbox reads and marks them.
 */
#ifndef INFUUS_OUTBOX_H
#define INFUUS_OUTBOX_H

#include <stdint.h>
#include <time.h>

struct db;

enum outbox_mode {
	OUTBOX_EACH,   /* a mail for what is new, one per batch */
	OUTBOX_DAILY,  /* a daily digest */
	OUTBOX_NONE,   /* no mail */
};

/* "each", "daily", "none" (the stored form). */
const char *outbox_mode_name(enum outbox_mode m);
/* 0 and *out, or ERR_INVAL for another word. */
int outbox_mode_parse(const char *s, enum outbox_mode *out);

/* A person's setting (OUTBOX_EACH without a row). */
int outbox_pref_get(struct db *db, int64_t user_id, enum outbox_mode *out);
/* Store a person's setting (ERR_CONFLICT: no such user). */
int outbox_pref_set(struct db *db, int64_t user_id, enum outbox_mode m);

/*
 * Sends one mail: 0 when the server accepted it, a negative ERR_* when
 * not (the rows are then retried later).  Called from the outbox thread,
 * one call at a time.
 */
typedef int (*outbox_send_fn)(void *arg, const char *to, const char *subject,
    const char *body);

/* A ready outbox_send_fn: arg is a const struct mail_config * (smtp.h),
 * which must outlive the outbox; calls mail_send. */
int outbox_send_smtp(void *arg, const char *to, const char *subject,
    const char *body);

struct outbox_config {
	struct db *db;
	outbox_send_fn send;
	void *send_arg;
	/* The address of the site for the log-in link ("https://x.nl"; a
	 * trailing '/' is dropped).  NULL or "": the mail has no link. */
	const char *base_url;
	int interval;            /* seconds between batches, >= 1 */
	int digest_hour;         /* local hour of the daily digest, 0..23 */
	const char *digest_tz;   /* the zone of that hour (IANA name) */
	/* Run before each batch on the outbox's thread, to add rows that
	 * are due by the clock (assignment reminders: asg_remind_due);
	 * NULL: none.  Its error is logged, the batch runs anyway. */
	int (*before_batch)(struct db *db, time_t now, int *count);
};

/* The defaults: every 30 seconds, digests at 08:00 Europe/Amsterdam; db,
 * send and base_url are NULL (to be filled in). */
void outbox_config_init(struct outbox_config *c);

struct outbox;

/* A new outbox (not running): copies cfg and loads the digest zone.
 * ERR_INVAL for a missing db or send, an interval below 1, an hour outside
 * 0..23; tz_load's errors for the zone. */
int outbox_new(const struct outbox_config *cfg, struct outbox **out);
/* Stops the thread if it runs, then frees.  NULL is a no-op. */
void outbox_free(struct outbox *ob);

/* Run batches on a thread of the outbox's own: one at once, then one every
 * interval seconds.  ERR_INTERNAL when the thread cannot start or already
 * runs. */
int outbox_start(struct outbox *ob);
/* Wake the thread and wait for it to end: it finishes the mail it is
 * sending (at most the mail timeout) and takes no further person.  A batch
 * cut short leaves its rows to the lease.  Safe when not running. */
void outbox_stop(struct outbox *ob);

struct outbox_stats {
	int64_t mails;           /* "each" mails sent */
	int64_t digests;         /* daily digests sent */
	int64_t failed;          /* mails that failed (rows kept pending) */
	int64_t silent;          /* people whose rows were marked without mail
	                            (mode none, disabled account) */
	int64_t rows;            /* notification rows marked sent */
};

/*
 * One batch, now, on the calling thread (tests pass an explicit now; the
 * thread passes the clock).  st may be NULL.  Returns 0 when the batch ran
 * (failed mails are counted, not errors) or a store error.
 */
int outbox_run_once(struct outbox *ob, time_t now, struct outbox_stats *st);

#endif
