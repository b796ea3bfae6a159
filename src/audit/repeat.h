/*
 * repeat.h - counting repeats so a flood of refusals cannot flood the
 * access log, and nothing is dropped either.
 *
 * Events that are not successes (refusals, failed log-ins and codes) go
 * through here.  The first event of a kind is appended at once.  Repeats of
 * it within LIMIT_AUDIT_REPEAT_WINDOW seconds (same organisation, actor,
 * address, action, kind, detail and outcome: the object may differ) are
 * only counted; when the window ends one entry with the count (repeats =
 * n, at = the last one's time) is appended.  So a key costs at most two
 * entries per window, whatever the attacker sends, and the counts of a
 * key's entries add up to the events that happened.
 *
 * Pending counts are written when their window ends (a flusher thread
 * looks every second), when their slot is needed for another key (at most
 * LIMIT_AUDIT_REPEAT_SLOTS keys are counted at once), when an
 * administrator asks for the log (audit_repeat_flush, so the view is
 * complete), and at shutdown (audit_repeat_free).  A count that cannot be
 * written (the database refused) goes to the process log with its key,
 * never silently away.  What a crash of the process loses is at most one
 * window of counts; their first events are in the log already.
 *
 * Successes are not counted here: each is its own entry, and they come
 * from people who passed authentication, at a pace the throttles bound.
 */
#ifndef INFUUS_AUDIT_REPEAT_H
#define INFUUS_AUDIT_REPEAT_H

#include <stdint.h>

#include "audit/audit.h"
#include "store/db.h"

struct audit_repeat;

enum {
	/* No flusher thread: windows end only in audit_repeat_tick (tests
	 * that give events their own times). */
	AUDIT_REPEAT_NO_THREAD = 1 << 0,
};

/* Counts for appends to db (which must outlive it); flags above. */
struct audit_repeat *audit_repeat_new(struct db *db, unsigned flags);

/* Writes every pending count, stops the flusher and frees.  NULL is fine. */
void audit_repeat_free(struct audit_repeat *rp);

/*
 * Record ev (its strings are copied): appended now when it is the first
 * of its key in a window or a success, else counted.  ev->at (0: now) is
 * the event's time and decides the window; ev->repeats must be 0 or 1.
 * Returns 0, or the error of an append (the event is then in the process
 * log instead).  Never blocks on another key's append.
 */
int audit_repeat_record(struct audit_repeat *rp, const struct audit_event *ev);

/* Append the counts of windows that ended at or before now (Unix
 * seconds).  The flusher thread calls it; tests too.  Returns entries
 * written. */
int audit_repeat_tick(struct audit_repeat *rp, int64_t now);

/* Append the pending counts of org_id (AUDIT_ALL_CHAINS: all) now, windows
 * over or not: before a view of the log, so it is complete.  Returns
 * entries written. */
int audit_repeat_flush(struct audit_repeat *rp, int64_t org_id);

#endif
