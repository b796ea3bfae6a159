/*
 * promise.h - a professional's service promise, and its arithmetic.
 *
 * Seed 001 asks the professional to tell the client "what he may expect of
 * me, the contact frequency and my reply time"; seed 000 adds guaranteed
 * replies within a number of hours, the hours one is and is not reachable,
 * and what to do in an emergency.  This module turns such a promise into
 * numbers: the deadline of a reply, the working time a reply took, the next
 * moment the professional can be reached.  It is pure computation: no
 * database, no HTTP, no allocation (the formatters append to a caller's buf).
 *
 * "Working time" is every instant at which the professional's own wall
 * clock (in p->tz) shows a time inside a working window of that weekday, on
 * a day that is not a holiday.  So a 09:00-17:00 window is 8 real hours on
 * the night of a DST change, a 00:00-24:00 window is 23 real hours on the
 * spring-forward day and 25 on the autumn day, and a window that lies in
 * the skipped hour is empty that day.
 *
 * Weekdays are numbered as in struct tz_local: 0 = Sunday .. 6 = Saturday.
 * Dates (holidays) are local day numbers, see tz_days_from_civil.
 *
 * Tables: none (the promises table is trajectory's, terms.c).
 */
#ifndef INFUUS_PROMISE_H
#define INFUUS_PROMISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/limits.h"
#include "promise/tz.h"

/* One window of a weekday, in minutes after local midnight. */
struct promise_window {
	uint16_t start; /* 0 .. 1439 */
	uint16_t end;   /* start + 1 .. 1440 (1440 is "24:00") */
};

/*
 * The windows of each weekday, sorted, not overlapping and not touching
 * (touching windows are merged by the parser).  n[wday] == 0: a day off.
 */
struct promise_week {
	uint8_t n[7];
	struct promise_window w[7][LIMIT_PROMISE_WINDOWS_PER_DAY];
};

/* Days off: local day numbers, first <= last. */
struct promise_holiday {
	int32_t first;
	int32_t last;
};

/* Sorted by first; ranges never overlap (they may touch: the parser keeps
 * "2026-12-25, 2026-12-26" as two entries, the way it was typed). */
struct promise_holidays {
	size_t n;
	struct promise_holiday h[LIMIT_PROMISE_HOLIDAYS];
};

struct promise {
	/* The professional's zone; borrowed, must outlive the promise. */
	const struct tz *tz;
	/* Reply time in working seconds (24 working hours: 24 * 3600). */
	int64_t reply_seconds;
	struct promise_week work;
	/* True: reachable during working time (the default).  False: the
	 * hours in `reach` (holidays apply to both). */
	bool reach_is_work;
	struct promise_week reach;
	/* Expected contact frequency: one exchange per this many days;
	 * 0 = nothing agreed. */
	int contact_days;
	/* What the client should do in an emergency; borrowed, may be NULL. */
	const char *emergency;
	struct promise_holidays holidays;
};

/* Zero everything and set the zone; reach_is_work = true.  The promise is
 * not usable (promise_check fails) until it has working windows. */
void promise_init(struct promise *p, const struct tz *tz);

/*
 * 0 when the promise is usable, else ERR_INVAL: no zone, no working window
 * at all (a promise without working time promises nothing), reachable hours
 * that are set but empty, a malformed window or holiday list, or a reply
 * time or contact frequency outside the limits in core/limits.h.  Every
 * function below checks this first.
 */
int promise_check(const struct promise *p);

/*
 * When the reply to a message sent at `sent` is due: `reply_seconds` of
 * working time counted from `sent`, or from the start of the next working
 * window when `sent` falls outside working time.  The count may end exactly
 * at the end of a window (sent Friday 09:00, 8 hours, 09:00-17:00: Friday
 * 17:00).  A reply time of zero gives `sent` itself in working time, else
 * the start of the next window.
 * Returns 0, ERR_INVAL (bad promise, `sent` out of range), or ERR_NOTFOUND
 * when the deadline lies more than LIMIT_PROMISE_HORIZON_DAYS away.
 */
int promise_deadline(const struct promise *p, time_t sent, time_t *deadline);

/*
 * The working seconds in [from, to): how long a reply took in working time
 * (the adherence report).  from == to gives 0.  from > to is ERR_INVAL (a
 * reply before its message is a data error worth seeing, not zero);
 * a stretch longer than LIMIT_PROMISE_HORIZON_DAYS is ERR_TOOBIG.
 */
int promise_working_seconds(const struct promise *p, time_t from, time_t to,
    int64_t *out);

/* Whether the professional is reachable at t.  False for a promise that
 * fails promise_check or a t out of range. */
bool promise_is_reachable(const struct promise *p, time_t t);

/*
 * The first reachable instant at or after t (t itself when reachable): "you
 * will hear from me from Monday 09:00".  Returns 0, ERR_INVAL, or
 * ERR_NOTFOUND when there is none within LIMIT_PROMISE_HORIZON_DAYS.
 */
int promise_next_reachable(const struct promise *p, time_t t, time_t *out);

/*
 * When the next exchange is expected if the last one was at `last`: the
 * same wall-clock time contact_days later in p->tz.  ERR_NOTFOUND when no
 * contact frequency was agreed, ERR_INVAL for a bad promise or time.
 */
int promise_contact_due(const struct promise *p, time_t last, time_t *out);

/* --- The schedule as text (one TEXT column, one form field) -------------- */

/*
 * Parse a weekly schedule such as
 *     "mon-fri 09:00-17:00; sat 10:00-12:00"
 *     "ma,di,do 08:30-12:00, 13:00-17:30; vr 09:00-12:00"
 * Items are separated by ';' or a newline; an item is a list of days
 * (English "mon".."sun" or Dutch "ma".."zo", any case; "fri-mon" wraps
 * round the week) and a list of windows "HH:MM-HH:MM" separated by ','.
 * An hour may have one digit; "24:00" may end a window.  A day named in two
 * items collects the windows of both.  Touching windows are merged.
 * Returns 0 or ERR_INVAL: a syntax error, a window that is empty or ends
 * before it starts, windows that overlap, more than
 * LIMIT_PROMISE_WINDOWS_PER_DAY windows on a day, a text longer than
 * LIMIT_PROMISE_TEXT, or no window at all.  *out is written only on success.
 */
int promise_week_parse(struct str s, struct promise_week *out);

/* The canonical text of a schedule (English day names, Monday first, days
 * with the same windows grouped): parsing it gives back the same week. */
void promise_week_format(const struct promise_week *w, struct buf *out);

/*
 * Parse holidays such as "2026-12-25, 2026-12-26, 2026-12-28..2027-01-01".
 * Entries are separated by ',', ';' or newlines; a date is YYYY-MM-DD with a
 * year in LIMIT_PROMISE_YEAR_MIN..MAX; a range "a..b" needs a <= b and at
 * most LIMIT_PROMISE_HOLIDAY_SPAN days.  Overlapping entries are merged, and
 * a merged range obeys the same span limit (so the formatted list parses).
 * The empty text is no holidays.  Returns 0, ERR_TOOBIG for a range (typed
 * or merged) over the span, ERR_TOOMANY for more than
 * LIMIT_PROMISE_HOLIDAYS entries, or ERR_INVAL (a date that does not read,
 * a text over LIMIT_PROMISE_TEXT); *out is written only on success.
 */
int promise_holidays_parse(struct str s, struct promise_holidays *out);

/* The canonical text of a holiday list, as accepted by the parser. */
void promise_holidays_format(const struct promise_holidays *h,
    struct buf *out);

/* Add the days first..last (local day numbers); merges with overlapping
 * entries.  ERR_INVAL for a bad range, ERR_TOOBIG for one that, alone or
 * merged with what it overlaps, spans more than LIMIT_PROMISE_HOLIDAY_SPAN
 * days; ERR_TOOMANY when the list is full.  h is unchanged on error. */
int promise_holiday_add(struct promise_holidays *h, int32_t first,
    int32_t last);

bool promise_is_holiday(const struct promise_holidays *h, int64_t day);

/* --- Dutch public holidays ----------------------------------------------- */

#define PROMISE_NL_DAYS 10

struct promise_nl_day {
	int32_t day;        /* local day number */
	const char *name;   /* Dutch name, static ("Koningsdag") */
};

/*
 * The Dutch public holidays of `year`, in date order: Nieuwjaarsdag, Eerste
 * en Tweede Paasdag, Koningsdag (27 April, 26 April when the 27th is a
 * Sunday), Bevrijdingsdag (5 May, every year), Hemelvaartsdag, Eerste en
 * Tweede Pinksterdag, Eerste en Tweede Kerstdag.  Goede Vrijdag is no
 * general day off and is left out.  Koningsdag exists since 2014, so years
 * before 2014 (and after LIMIT_PROMISE_YEAR_MAX) are ERR_INVAL.
 */
int promise_nl_holidays(int year, struct promise_nl_day out[PROMISE_NL_DAYS]);

/* All of the above for `year` added to h in one go (the "one click"). */
int promise_add_nl_holidays(struct promise_holidays *h, int year);

/* Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm),
 * as a local day number.  Any year >= 1583. */
int64_t promise_easter(int year);

/* --- Adherence statistics ------------------------------------------------ */

/*
 * The pct-th percentile (0..100) of values[0..n-1], by linear interpolation
 * between closest ranks (numpy's default, Excel's PERCENTILE.INC): pct 50 of
 * {1, 2, 3, 4} is 2.5, pct 90 of 1..10 is 9.1.  SORTS values IN PLACE.
 * Returns 0, or ERR_INVAL for n == 0 or pct outside 0..100 (or NaN).
 */
int promise_percentile(int64_t *values, size_t n, double pct, double *out);

/* The median: promise_percentile(values, n, 50, out); also sorts in place. */
int promise_median(int64_t *values, size_t n, double *out);

#endif
