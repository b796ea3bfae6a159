/*
 * test_promise.c - service promises: deadlines in working time (week-ends,
 * holidays, nights, both DST changes), working time between two instants,
 * reachability, the schedule and holiday texts, Dutch public holidays and
 * the adherence percentiles.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "core/banned.h"

#define H 3600

struct fixture {
	struct tz *ams;
	struct tz *ny;
};

static int
setup(void **state)
{
	static struct fixture f;

	if (tz_load("Europe/Amsterdam", &f.ams) != 0 ||
	    tz_load("America/New_York", &f.ny) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tz_free(f->ams);
	tz_free(f->ny);
	return 0;
}

/* A local wall-clock time that exists exactly once. */
static time_t
at(const struct tz *tz, int y, int mo, int d, int h, int mi)
{
	time_t t = 0;

	if (tz_from_local(tz, y, mo, d, h, mi, 0, &t) != 0)
		fail_msg("bad local time %04d-%02d-%02d %02d:%02d", y, mo, d, h,
		    mi);
	return t;
}

static void
set_week(struct promise_week *w, const char *text)
{
	int rc = promise_week_parse(str_c(text), w);

	if (rc != 0)
		fail_msg("schedule \"%s\": %d", text, rc);
}

/* A promise in zone tz with working hours `work` and reply time in hours. */
static void
mk(struct promise *p, const struct tz *tz, const char *work, int64_t hours)
{
	promise_init(p, tz);
	set_week(&p->work, work);
	p->reply_seconds = hours * H;
	assert_int_equal(promise_check(p), 0);
}

static void
expect_deadline(const struct promise *p, time_t sent, time_t want)
{
	time_t got = 0;
	int rc = promise_deadline(p, sent, &got);
	struct tz_local a, b;

	if (rc != 0)
		fail_msg("promise_deadline = %d", rc);
	if (got != want) {
		tz_to_local(p->tz, want, &a);
		tz_to_local(p->tz, got, &b);
		fail_msg("deadline: expected %04d-%02d-%02d %02d:%02d:%02d, got "
		    "%04d-%02d-%02d %02d:%02d:%02d", a.year, a.month, a.day,
		    a.hour, a.min, a.sec, b.year, b.month, b.day, b.hour, b.min,
		    b.sec);
	}
}

static int64_t
worked(const struct promise *p, time_t from, time_t to)
{
	int64_t s = -1;
	int rc = promise_working_seconds(p, from, to, &s);

	if (rc != 0)
		fail_msg("promise_working_seconds = %d", rc);
	return s;
}

/* --- deadlines ------------------------------------------------------------ */

static void
deadline_across_the_weekend(void **state)
{
	struct fixture *f = *state;
	struct promise p;

	mk(&p, f->ams, "mon-fri 09:00-17:00", 8);
	/* 2026-11-27 is a Friday: one hour on Friday, seven on Monday. */
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 16, 0),
	    at(f->ams, 2026, 11, 30, 16, 0));
	p.reply_seconds = 7 * H;
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 16, 0),
	    at(f->ams, 2026, 11, 30, 15, 0));
	/* Friday 09:00 + 8 hours ends at the end of Friday's window, not
	 * at Monday 09:00. */
	p.reply_seconds = 8 * H;
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 9, 0),
	    at(f->ams, 2026, 11, 27, 17, 0));
	/* 24 working hours = three working days. */
	p.reply_seconds = 24 * H;
	expect_deadline(&p, at(f->ams, 2026, 11, 26, 10, 30),
	    at(f->ams, 2026, 12, 1, 10, 30));
	/* Lunch break: two windows a day. */
	mk(&p, f->ams, "mon-fri 09:00-12:00, 13:00-17:00", 8);
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 16, 0),
	    at(f->ams, 2026, 11, 30, 17, 0));
	/* Sent in the lunch break: Friday 13-17, Monday 9-12 and 13-14. */
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 12, 30),
	    at(f->ams, 2026, 11, 30, 14, 0));
}

static void
deadline_across_holidays(void **state)
{
	struct fixture *f = *state;
	struct promise p;

	mk(&p, f->ams, "mon-fri 09:00-17:00", 8);
	assert_int_equal(promise_holidays_parse(STR("2026-12-25, 2026-12-28"),
	    &p.holidays), 0);
	/* Thursday 24 Dec 16:00: 1 hour, then Fri 25 and Mon 28 are off. */
	expect_deadline(&p, at(f->ams, 2026, 12, 24, 16, 0),
	    at(f->ams, 2026, 12, 29, 16, 0));
	/* A closed week as a range, spanning New Year. */
	assert_int_equal(promise_holidays_parse(
	    STR("2026-12-25..2027-01-01"), &p.holidays), 0);
	expect_deadline(&p, at(f->ams, 2026, 12, 24, 16, 0),
	    at(f->ams, 2027, 1, 4, 16, 0));
	/* Sent during the holiday: counting starts after it. */
	expect_deadline(&p, at(f->ams, 2026, 12, 30, 11, 0),
	    at(f->ams, 2027, 1, 4, 17, 0));
	/* The Dutch holidays of 2026 with one click: Koningsdag is Monday
	 * 27 April, so Friday 24 April 16:00 + 8 h is Tuesday 16:00. */
	p.holidays.n = 0;
	assert_int_equal(promise_add_nl_holidays(&p.holidays, 2026), 0);
	expect_deadline(&p, at(f->ams, 2026, 4, 24, 16, 0),
	    at(f->ams, 2026, 4, 28, 16, 0));
	/* Ascension Thursday 14 May 2026. */
	expect_deadline(&p, at(f->ams, 2026, 5, 13, 12, 0),
	    at(f->ams, 2026, 5, 15, 12, 0));
}

static void
deadline_sent_at_night_or_on_sunday(void **state)
{
	struct fixture *f = *state;
	struct promise p;

	mk(&p, f->ams, "mon-fri 09:00-17:00", 8);
	/* Wednesday 02:00: counting starts at 09:00. */
	expect_deadline(&p, at(f->ams, 2026, 11, 25, 2, 0),
	    at(f->ams, 2026, 11, 25, 17, 0));
	/* Sunday afternoon: all of Monday. */
	expect_deadline(&p, at(f->ams, 2026, 11, 29, 14, 0),
	    at(f->ams, 2026, 11, 30, 17, 0));
	/* Friday evening, one hour: Monday 10:00. */
	p.reply_seconds = H;
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 18, 0),
	    at(f->ams, 2026, 11, 30, 10, 0));
	/* Exactly at the end of a window is outside it. */
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 17, 0),
	    at(f->ams, 2026, 11, 30, 10, 0));
	/* A Saturday morning window counts: 1 hour on Friday, 2 on
	 * Saturday, the fourth on Monday. */
	mk(&p, f->ams, "mon-fri 09:00-17:00; sat 10:00-12:00", 3);
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 16, 0),
	    at(f->ams, 2026, 11, 28, 12, 0));
	p.reply_seconds = 4 * H;
	expect_deadline(&p, at(f->ams, 2026, 11, 27, 16, 0),
	    at(f->ams, 2026, 11, 30, 10, 0));
}

static void
deadline_reply_time_zero(void **state)
{
	struct fixture *f = *state;
	struct promise p;

	mk(&p, f->ams, "mon-fri 09:00-17:00", 0);
	/* In working time: the moment itself. */
	expect_deadline(&p, at(f->ams, 2026, 11, 25, 11, 17),
	    at(f->ams, 2026, 11, 25, 11, 17));
	/* Outside: the start of the next window. */
	expect_deadline(&p, at(f->ams, 2026, 11, 28, 11, 0),
	    at(f->ams, 2026, 11, 30, 9, 0));
}

static void
deadline_round_the_clock_across_dst(void **state)
{
	struct fixture *f = *state;
	struct promise p;

	/* 24/7, 24 hours: always 24 real hours, even when the day has 23
	 * or 25.  Spring: Sat 28 March 12:00 CET (11:00 UTC) is due Sunday
	 * 11:00 UTC, which is 13:00 CEST. */
	mk(&p, f->ams, "mon-sun 00:00-24:00", 24);
	expect_deadline(&p, 1774695600, 1774695600 + 24 * H);
	expect_deadline(&p, at(f->ams, 2026, 3, 28, 12, 0),
	    at(f->ams, 2026, 3, 29, 13, 0));
	/* Autumn: Sat 24 October 12:00 CEST is due Sunday 11:00 CET. */
	expect_deadline(&p, at(f->ams, 2026, 10, 24, 12, 0),
	    at(f->ams, 2026, 10, 25, 11, 0));
	/* Beyond the table of the zone file: the footer rule, 2040. */
	expect_deadline(&p, at(f->ams, 2040, 3, 24, 12, 0),
	    at(f->ams, 2040, 3, 25, 13, 0));
	/* The same in New York, four weeks earlier than Europe. */
	mk(&p, f->ny, "mon-sun 00:00-24:00", 24);
	expect_deadline(&p, at(f->ny, 2026, 3, 7, 12, 0),
	    at(f->ny, 2026, 3, 8, 13, 0));
}

static void
deadline_in_a_window_that_spans_the_change(void **state)
{
	struct fixture *f = *state;
	struct promise p;
	time_t sat = at(f->ams, 2026, 3, 28, 12, 0);

	/* Sunday 01:00-04:00 by the clock.  On 29 March 2026 the clock
	 * jumps from 02:00 to 03:00, so the window is 2 real hours:
	 * 00:00-01:00 UTC and 01:00-02:00 UTC. */
	mk(&p, f->ams, "sun 01:00-04:00", 2);
	expect_deadline(&p, sat, 1774746000 + H);
	p.reply_seconds = 3 * H;
	/* One hour short: the rest comes from the next Sunday (CEST). */
	expect_deadline(&p, sat, at(f->ams, 2026, 4, 5, 2, 0));
	/* In autumn the same window holds 4 real hours. */
	p.reply_seconds = 4 * H;
	expect_deadline(&p, at(f->ams, 2026, 10, 24, 12, 0),
	    at(f->ams, 2026, 10, 25, 4, 0));
}

static void
working_time_on_dst_days(void **state)
{
	struct fixture *f = *state;
	struct promise p;
	time_t s0 = at(f->ams, 2026, 3, 28, 12, 0);
	time_t s1 = at(f->ams, 2026, 3, 30, 12, 0);
	time_t a0 = at(f->ams, 2026, 10, 24, 12, 0);
	time_t a1 = at(f->ams, 2026, 10, 26, 12, 0);

	/* 09:00-17:00 is 8 real hours on both change days. */
	mk(&p, f->ams, "sun 09:00-17:00", 8);
	assert_int_equal(worked(&p, s0, s1), 8 * H);
	assert_int_equal(worked(&p, a0, a1), 8 * H);
	/* A whole day is 23 hours in spring and 25 in autumn. */
	mk(&p, f->ams, "sun 00:00-24:00", 8);
	assert_int_equal(worked(&p, s0, s1), 23 * H);
	assert_int_equal(worked(&p, a0, a1), 25 * H);
	/* A window inside the skipped hour does not happen at all. */
	mk(&p, f->ams, "sun 02:00-03:00", 8);
	assert_int_equal(worked(&p, s0, s1), 0);
	/* ...and in autumn it happens twice. */
	assert_int_equal(worked(&p, a0, a1), 2 * H);
	/* Half of it skipped, half of it kept. */
	mk(&p, f->ams, "sun 01:30-02:30", 8);
	assert_int_equal(worked(&p, s0, s1), H / 2);
	assert_int_equal(worked(&p, a0, a1), H + H / 2);
}

static void
working_seconds_between_instants(void **state)
{
	struct fixture *f = *state;
	struct promise p;
	time_t fri = at(f->ams, 2026, 11, 27, 16, 0);
	time_t mon = at(f->ams, 2026, 11, 30, 10, 0);
	int64_t out = 42;

	mk(&p, f->ams, "mon-fri 09:00-17:00", 8);
	assert_int_equal(worked(&p, fri, mon), 2 * H);
	assert_int_equal(worked(&p, fri, fri), 0);
	/* Outside working time nothing counts. */
	assert_int_equal(worked(&p, at(f->ams, 2026, 11, 28, 0, 0),
	    at(f->ams, 2026, 11, 30, 9, 0)), 0);
	/* Splitting a stretch anywhere adds up. */
	assert_int_equal(worked(&p, fri, fri + 40000) +
	    worked(&p, fri + 40000, mon), 2 * H);
	/* Backwards is an error, not zero. */
	assert_int_equal(promise_working_seconds(&p, mon, fri, &out),
	    ERR_INVAL);
	assert_int_equal(out, 42);
	/* Longer than the horizon. */
	assert_int_equal(promise_working_seconds(&p, fri,
	    fri + (time_t)(LIMIT_PROMISE_HORIZON_DAYS + 1) * 86400, &out),
	    ERR_TOOBIG);
	/* A whole year, 2026: 261 weekdays less the 7 Dutch holidays on
	 * weekdays (Easter and Whit Sunday are Sundays, Tweede Kerstdag a
	 * Saturday). */
	assert_int_equal(promise_add_nl_holidays(&p.holidays, 2026), 0);
	assert_int_equal(worked(&p, at(f->ams, 2026, 1, 1, 0, 0),
	    at(f->ams, 2027, 1, 1, 0, 0)), (261 - 7) * 8 * H);
}

/* xorshift64*: the test's own deterministic generator (rand is banned). */
static uint64_t
prng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/*
 * For any send time, the working time between sending and the deadline is
 * exactly the reply time, and one second earlier it is not yet: the two
 * functions agree and the deadline is the first moment that satisfies it.
 */
static void
deadline_and_working_seconds_agree(void **state)
{
	static const char *const weeks[] = {
		"mon-fri 09:00-17:00",
		"mon-fri 08:30-12:00, 13:00-17:30; sat 10:00-12:00",
		"mon-sun 00:00-24:00",
		"sun 01:00-04:00; wed 22:00-24:00; thu 00:00-02:00",
		"ma,wo,vr 09:15-09:45",
	};
	struct fixture *f = *state;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct promise p;
	size_t w;
	int i;

	for (w = 0; w < sizeof(weeks) / sizeof(weeks[0]); w++) {
		mk(&p, (w & 1) ? f->ny : f->ams, weeks[w], 0);
		assert_int_equal(promise_holidays_parse(
		    STR("2026-03-29, 2026-12-24..2026-12-27, 2040-03-28"),
		    &p.holidays), 0);
		for (i = 0; i < 300; i++) {
			/* 2026 and 2040 (table and footer), reply 0..40 h. */
			time_t sent = (i & 1 ? 2208988800 : 1767225600) +
			    (time_t)(prng(&seed) % (366 * 86400));
			time_t d;

			p.reply_seconds = (int64_t)(prng(&seed) % (40 * H + 1));
			if (i % 7 == 0)
				p.reply_seconds = 0;
			assert_int_equal(promise_deadline(&p, sent, &d), 0);
			assert_true(d >= sent);
			assert_int_equal(worked(&p, sent, d), p.reply_seconds);
			if (p.reply_seconds > 0)
				assert_int_equal(worked(&p, sent, d - 1),
				    p.reply_seconds - 1);
		}
	}
}

static void
promise_without_working_time_is_refused(void **state)
{
	struct fixture *f = *state;
	struct promise p;
	time_t d;
	int64_t s;

	promise_init(&p, f->ams);
	p.reply_seconds = 8 * H;
	assert_int_equal(promise_check(&p), ERR_INVAL);
	assert_int_equal(promise_deadline(&p, 1795392000, &d), ERR_INVAL);
	assert_int_equal(promise_working_seconds(&p, 0, 1, &s), ERR_INVAL);
	assert_false(promise_is_reachable(&p, 1795392000));
	assert_int_equal(promise_next_reachable(&p, 1795392000, &d),
	    ERR_INVAL);
	/* The parser refuses a schedule without a window. */
	assert_int_equal(promise_week_parse(STR(""), &p.work), ERR_INVAL);
	assert_int_equal(promise_week_parse(STR(" ; ;\n"), &p.work),
	    ERR_INVAL);
	/* Other broken promises. */
	mk(&p, f->ams, "mon 09:00-10:00", 8);
	p.reply_seconds = (int64_t)LIMIT_PROMISE_REPLY_HOURS * H + 1;
	assert_int_equal(promise_check(&p), ERR_INVAL);
	p.reply_seconds = -1;
	assert_int_equal(promise_check(&p), ERR_INVAL);
	p.reply_seconds = 0;
	p.contact_days = LIMIT_PROMISE_CONTACT_DAYS + 1;
	assert_int_equal(promise_check(&p), ERR_INVAL);
	p.contact_days = 7;
	p.reach_is_work = false; /* reachable hours set but empty */
	assert_int_equal(promise_check(&p), ERR_INVAL);
	p.reach_is_work = true;
	p.work.w[1][0].end = 1441;
	assert_int_equal(promise_check(&p), ERR_INVAL);
	p.work.w[1][0].end = 600;
	p.tz = NULL;
	assert_int_equal(promise_check(&p), ERR_INVAL);
	p.tz = f->ams;
	assert_int_equal(promise_check(&p), 0);
	assert_int_equal(promise_deadline(&p, TZ_TIME_MAX, &d), ERR_INVAL);
}

static void
deadline_beyond_the_horizon_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct promise p;
	time_t d;

	/* One minute a week cannot give a month of work within 3 years. */
	mk(&p, f->ams, "mon 09:00-09:01", LIMIT_PROMISE_REPLY_HOURS);
	assert_int_equal(promise_deadline(&p, 1795392000, &d), ERR_NOTFOUND);
	/* Holidays covering the whole horizon: never reachable. */
	mk(&p, f->ams, "mon-fri 09:00-17:00", 8);
	{
		int32_t day = (int32_t)tz_days_from_civil(2026, 11, 1);
		int k;

		for (k = 0; k < 4; k++)
			assert_int_equal(promise_holiday_add(&p.holidays,
			    day + k * LIMIT_PROMISE_HOLIDAY_SPAN,
			    day + (k + 1) * LIMIT_PROMISE_HOLIDAY_SPAN - 1), 0);
	}
	assert_int_equal(promise_next_reachable(&p, 1795392000, &d),
	    ERR_NOTFOUND);
	assert_int_equal(promise_deadline(&p, 1795392000, &d), ERR_NOTFOUND);
}

/* --- reachability -------------------------------------------------------- */

static void
next_reachable_across_a_holiday(void **state)
{
	struct fixture *f = *state;
	struct promise p;
	time_t t;

	mk(&p, f->ams, "mon-fri 09:00-17:00", 24);
	p.reach_is_work = false;
	set_week(&p.reach, "mon-fri 09:00-12:00");
	assert_int_equal(promise_holidays_parse(STR("2026-11-30"),
	    &p.holidays), 0);
	assert_int_equal(promise_check(&p), 0);
	assert_true(promise_is_reachable(&p, at(f->ams, 2026, 11, 27, 9, 0)));
	assert_true(promise_is_reachable(&p, at(f->ams, 2026, 11, 27, 11,
	    59)));
	assert_false(promise_is_reachable(&p, at(f->ams, 2026, 11, 27, 12,
	    0)));
	/* Friday afternoon: Monday is a holiday, so Tuesday 09:00. */
	assert_int_equal(promise_next_reachable(&p,
	    at(f->ams, 2026, 11, 27, 13, 0), &t), 0);
	assert_int_equal(t, at(f->ams, 2026, 12, 1, 9, 0));
	/* Reachable now: now. */
	assert_int_equal(promise_next_reachable(&p,
	    at(f->ams, 2026, 11, 27, 10, 0), &t), 0);
	assert_int_equal(t, at(f->ams, 2026, 11, 27, 10, 0));
	/* Without a separate schedule the working hours count. */
	p.reach_is_work = true;
	assert_true(promise_is_reachable(&p, at(f->ams, 2026, 11, 27, 16,
	    0)));
	assert_false(promise_is_reachable(&p, at(f->ams, 2026, 11, 30, 10,
	    0)));
	/* A client in New York writing at 20:00 their time on Thursday:
	 * that is 02:00 Friday in Amsterdam, reachable at 09:00 CET. */
	assert_int_equal(promise_next_reachable(&p,
	    at(f->ny, 2026, 11, 26, 20, 0), &t), 0);
	assert_int_equal(t, at(f->ams, 2026, 11, 27, 9, 0));
}

static void
contact_due_keeps_the_wall_clock(void **state)
{
	struct fixture *f = *state;
	struct promise p;
	time_t t;

	mk(&p, f->ams, "mon-fri 09:00-17:00", 24);
	assert_int_equal(promise_contact_due(&p, 1795392000, &t),
	    ERR_NOTFOUND);
	p.contact_days = 7;
	/* One exchange a week, across the spring change: 10:00 stays
	 * 10:00, which is 6 days and 23 real hours. */
	assert_int_equal(promise_contact_due(&p,
	    at(f->ams, 2026, 3, 24, 10, 0), &t), 0);
	assert_int_equal(t, at(f->ams, 2026, 3, 31, 10, 0));
	assert_int_equal(t - at(f->ams, 2026, 3, 24, 10, 0), 7 * 86400 - H);
}

/* --- the schedule as text ----------------------------------------------- */

static void
expect_format(const char *in, const char *want)
{
	struct promise_week w, w2;
	struct buf b = BUF_INIT;

	set_week(&w, in);
	promise_week_format(&w, &b);
	if (strcmp(b.p, want) != 0)
		fail_msg("\"%s\": expected \"%s\", got \"%s\"", in, want, b.p);
	/* The canonical text parses back to the same week. */
	set_week(&w2, b.p);
	assert_memory_equal(&w, &w2, sizeof(w));
	buf_release(&b);
}

static void
schedule_parser_accepts_good_input(void **state)
{
	struct promise_week w;

	(void)state;
	expect_format("mon-fri 09:00-17:00; sat 10:00-12:00",
	    "mon-fri 09:00-17:00; sat 10:00-12:00");
	expect_format("  MON - FRI   9:00 - 17:00 ;", "mon-fri 09:00-17:00");
	expect_format("ma,di,do 08:30-12:00, 13:00-17:30\nvr 09:00-12:00",
	    "mon,tue,thu 08:30-12:00, 13:00-17:30; fri 09:00-12:00");
	expect_format("sun 00:00-24:00", "sun 00:00-24:00");
	/* A range may wrap round the week. */
	expect_format("fri-mon 10:00-11:00", "mon,fri-sun 10:00-11:00");
	/* The same day in two items collects both; touching windows merge,
	 * out-of-order windows are sorted. */
	expect_format("mon 13:00-17:00; mon 09:00-12:00",
	    "mon 09:00-12:00, 13:00-17:00");
	expect_format("mon 09:00-12:00, 12:00-17:00", "mon 09:00-17:00");
	expect_format("mon-sun 00:00-12:00; mon-sun 12:00-24:00",
	    "mon-sun 00:00-24:00");
	expect_format("mon,wed,fri 09:00-10:00; tue,thu 11:00-12:00",
	    "mon,wed,fri 09:00-10:00; tue,thu 11:00-12:00");
	expect_format("sat,sun 10:00-12:00; mon,tue 09:00-12:00",
	    "mon,tue 09:00-12:00; sat,sun 10:00-12:00");
	set_week(&w, "mon-fri 09:00-17:00");
	assert_int_equal(w.n[0], 0);
	assert_int_equal(w.n[1], 1);
	assert_int_equal(w.w[1][0].start, 540);
	assert_int_equal(w.w[5][0].end, 1020);
	assert_int_equal(w.n[6], 0);
}

static void
schedule_parser_refuses_bad_input(void **state)
{
	static const char *const bad[] = {
		"", "mon", "09:00-17:00", "mon 09:00", "mon 09:00-", "mon -17:00",
		"mon 17:00-09:00", "mon 09:00-09:00", "mon 25:00-26:00",
		"mon 09:60-10:00", "mon 24:00-24:00", "mon 09:00-24:01",
		"mon 9-17", "mon 09:0-17:00", "mon 009:00-17:00",
		"maandag 09:00-17:00", "mon,,tue 09:00-17:00",
		"mon-tue-wed 09:00-17:00", "xyz 09:00-17:00",
		"mon 09:00-12:00, 11:00-13:00", "mon 09:00-10:00; mon 09:30-11:00",
		"mon 08:00-09:00, 10:00-11:00, 12:00-13:00",
		"mon 09:00-17:00 tue", "mon 09:00-17:00,", "mon 09:00-17:00 x",
		"mon 09:00-17:00; ; tue", "mon 09:00-+7:00", "mon 0x:00-17:00",
		"mon -1:00-17:00",
	};
	static const char nul[] = "mon 09:00\0-17:00";
	struct promise_week w, before;
	struct buf big = BUF_INIT;
	size_t i;

	(void)state;
	set_week(&w, "sat 10:00-11:00");
	before = w;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct str s = str_c(bad[i]);
		int rc;

		rc = promise_week_parse(s, &w);
		if (rc != ERR_INVAL)
			fail_msg("\"%s\": expected ERR_INVAL, got %d", bad[i],
			    rc);
		/* A failed parse leaves the output alone. */
		assert_memory_equal(&w, &before, sizeof(w));
	}
	/* A NUL inside is just a bad byte. */
	assert_int_equal(promise_week_parse((struct str){ nul,
	    sizeof(nul) - 1 }, &w), ERR_INVAL);
	/* Longer than the limit, even when otherwise fine. */
	while (big.len <= LIMIT_PROMISE_TEXT)
		buf_adds(&big, "mon 09:00-17:00;");
	assert_int_equal(promise_week_parse(buf_str(&big), &w), ERR_INVAL);
	buf_release(&big);
}

static void
schedule_parser_survives_random_input(void **state)
{
	/* Pieces of schedules, so random texts often get deep into the
	 * parser and sometimes parse; plus raw random bytes. */
	static const char *const pieces[] = {
		"mon", "tue", "wed", "thu", "fri", "sat", "sun", "ma", "zo",
		"MO", "-", "-", "-", ",", ",", ";", " ", " ", "\n", "09:00",
		"17:00", "24:00", "0:00", "12:30", "9:5", "23:59", "25:00",
		"1:60", ":", "00", "x", "",
	};
	uint64_t seed = 0x0123456789abcdefULL;
	char in[128];
	int i, ok = 0;

	(void)state;
	for (i = 0; i < 200000; i++) {
		size_t n = 0, parts = prng(&seed) % 16, k;
		struct promise_week w;

		if (i & 1) {
			/* Half of the time: a well-formed shape with random
			 * days and times, then maybe one byte changed. */
			n = (size_t)snprintf(in, sizeof(in),
			    "%s-%s %d:%02d-%d:%02d%s%s %d:%02d-%d:%02d",
			    pieces[prng(&seed) % 9], pieces[prng(&seed) % 9],
			    (int)(prng(&seed) % 26), (int)(prng(&seed) % 61),
			    (int)(prng(&seed) % 26), (int)(prng(&seed) % 61),
			    prng(&seed) % 2 ? ", " : "; ",
			    pieces[prng(&seed) % 9],
			    (int)(prng(&seed) % 26), (int)(prng(&seed) % 61),
			    (int)(prng(&seed) % 26), (int)(prng(&seed) % 61));
			if (prng(&seed) % 3 == 0)
				in[prng(&seed) % n] = (char)prng(&seed);
			parts = 0;
		}
		for (k = 0; k < parts; k++) {
			uint64_t r = prng(&seed);
			const char *pc = pieces[r % (sizeof(pieces) /
			    sizeof(pieces[0]))];
			size_t l = strlen(pc);

			if ((r >> 32) % 11 == 0 && n < sizeof(in)) {
				in[n++] = (char)(r >> 40);
				continue;
			}
			if (n + l > sizeof(in))
				break;
			memcpy(in + n, pc, l);
			n += l;
		}
		if (promise_week_parse((struct str){ in, n }, &w) == 0) {
			struct buf b = BUF_INIT;
			struct promise_week w2;

			ok++;
			promise_week_format(&w, &b);
			assert_int_equal(promise_week_parse(buf_str(&b), &w2),
			    0);
			assert_memory_equal(&w, &w2, sizeof(w));
			buf_release(&b);
		}
	}
	/* Enough random texts parse to test the round trip. */
	assert_true(ok > 1000);
}

/* --- holidays as text ---------------------------------------------------- */

static void
holiday_parser(void **state)
{
	static const char *const bad[] = {
		"2026-12-32", "2026-13-01", "2026-02-29", "26-12-25", "2026-1-5",
		"2026/12/25", "2026-12-25..", "..2026-12-25",
		"2026-12-26..2026-12-25", "1969-12-31", "3000-01-01",
		"2026-12-25 2026-12-26", "2026-01-01..2027-01-02", "x",
		"2026-12-25...2026-12-26", "+026-12-25",
	};
	struct promise_holidays h, before;
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	assert_int_equal(promise_holidays_parse(STR("2026-12-25, 2026-12-26, "
	    "2026-12-28..2027-01-01"), &h), 0);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.h[2].first, tz_days_from_civil(2026, 12, 28));
	assert_int_equal(h.h[2].last, tz_days_from_civil(2027, 1, 1));
	promise_holidays_format(&h, &b);
	assert_string_equal(b.p,
	    "2026-12-25, 2026-12-26, 2026-12-28..2027-01-01");
	assert_true(promise_is_holiday(&h, tz_days_from_civil(2026, 12, 31)));
	assert_false(promise_is_holiday(&h, tz_days_from_civil(2026, 12, 27)));
	assert_false(promise_is_holiday(&h, tz_days_from_civil(2027, 1, 2)));
	assert_false(promise_is_holiday(&h, tz_days_from_civil(2026, 12, 24)));
	/* Unsorted input, overlaps merged, separators of all kinds, a
	 * leap day, the empty text. */
	buf_reset(&b);
	assert_int_equal(promise_holidays_parse(STR(" 2028-02-29 ;2027-01-03.."
	    "2027-01-10\n2027-01-05 .. 2027-01-12,, 2026-05-05,2026-05-05"),
	    &h), 0);
	promise_holidays_format(&h, &b);
	assert_string_equal(b.p,
	    "2026-05-05, 2027-01-03..2027-01-12, 2028-02-29");
	assert_int_equal(promise_holidays_parse(STR(" \n "), &h), 0);
	assert_int_equal(h.n, 0);
	/* Bad input leaves the list alone. */
	assert_int_equal(promise_holidays_parse(STR("2026-12-25"), &h), 0);
	before = h;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = promise_holidays_parse(str_c(bad[i]), &h);

		/* A range over the span says so (ERR_TOOBIG), so the page
		 * can name the limit; anything else does not read. */
		if (rc != ERR_INVAL && rc != ERR_TOOBIG)
			fail_msg("\"%s\": expected ERR_INVAL or ERR_TOOBIG, "
			    "got %d", bad[i], rc);
		assert_int_equal(h.n, before.n);
		assert_int_equal(h.h[0].first, before.h[0].first);
	}
	/* The longest range is allowed, one day more is not. */
	assert_int_equal(promise_holidays_parse(STR("2028-01-01..2028-12-31"),
	    &h), 0);
	/* As many entries as the limit, and one more. */
	buf_reset(&b);
	for (i = 0; i < LIMIT_PROMISE_HOLIDAYS; i++) {
		int64_t y;
		int m, d;

		tz_civil_from_days(tz_days_from_civil(2026, 1, 1) +
		    (int64_t)i * 2, &y, &m, &d);
		buf_printf(&b, "%04d-%02d-%02d,", (int)y, m, d);
	}
	assert_int_equal(promise_holidays_parse(buf_str(&b), &h), 0);
	assert_int_equal(h.n, LIMIT_PROMISE_HOLIDAYS);
	assert_int_equal(promise_holiday_add(&h,
	    (int32_t)tz_days_from_civil(2030, 1, 1),
	    (int32_t)tz_days_from_civil(2030, 1, 1)), ERR_TOOMANY);
	/* ...but a day already covered still fits. */
	assert_int_equal(promise_holiday_add(&h, h.h[0].first, h.h[0].last),
	    0);
	buf_adds(&b, "2030-01-01");
	assert_int_equal(promise_holidays_parse(buf_str(&b), &h), ERR_TOOMANY);
	buf_release(&b);
}

/*
 * Overlapping ranges merge into one range, whose text is what the list is
 * saved and shown as: it must obey the span limit too, or a professional
 * could save a list whose own text form is then refused (fuzz_promise found
 * this one).
 */
static void
merged_holiday_range_keeps_the_span_limit(void **state)
{
	struct promise_holidays h, h2;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(promise_holidays_parse(STR("2027-06-28..2028-02-01, "
	    "2027-12-28..2028-12-25"), &h), ERR_TOOBIG);
	assert_int_equal(promise_holidays_parse(STR("2027-12-28..2028-12-25, "
	    "2027-06-28..2028-02-01"), &h), ERR_TOOBIG);
	/* Adding to a saved list: refused, and the list stays as it was. */
	assert_int_equal(promise_holidays_parse(STR("2027-06-28..2028-02-01"),
	    &h), 0);
	assert_int_equal(promise_holiday_add(&h,
	    (int32_t)tz_days_from_civil(2027, 12, 28),
	    (int32_t)tz_days_from_civil(2028, 12, 25)), ERR_TOOBIG);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.h[0].last, tz_days_from_civil(2028, 2, 1));
	/* Merged up to the limit exactly is fine, and round-trips. */
	assert_int_equal(promise_holidays_parse(STR("2028-01-01..2028-06-30, "
	    "2028-06-01..2028-12-31"), &h), 0);
	assert_int_equal(h.n, 1);
	promise_holidays_format(&h, &b);
	assert_string_equal(b.p, "2028-01-01..2028-12-31");
	assert_int_equal(promise_holidays_parse(buf_str(&b), &h2), 0);
	assert_memory_equal(h.h, h2.h, h.n * sizeof(h.h[0]));
	buf_release(&b);
}

static void
holiday_parser_survives_random_input(void **state)
{
	static const char alphabet[] = "0123456789-., ;\n";
	uint64_t seed = 0xfeedfacecafebeefULL;
	char in[64];
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		size_t n = prng(&seed) % sizeof(in), k;
		struct promise_holidays h;

		for (k = 0; k < n; k++) {
			uint64_t r = prng(&seed);

			in[k] = (r & 7) ? alphabet[(r >> 8) %
			    (sizeof(alphabet) - 1)] : (char)(r >> 16);
		}
		if (i % 3 == 0 && n >= 10) {
			/* Start from a real date so deeper paths run. */
			memcpy(in, "2026-0", 6);
		}
		if (promise_holidays_parse((struct str){ in, n }, &h) == 0) {
			struct buf b = BUF_INIT;
			struct promise_holidays h2;

			promise_holidays_format(&h, &b);
			assert_int_equal(promise_holidays_parse(buf_str(&b),
			    &h2), 0);
			assert_int_equal(h.n, h2.n);
			assert_memory_equal(h.h, h2.h, h.n * sizeof(h.h[0]));
			buf_release(&b);
		}
	}
}

/* --- Dutch public holidays ------------------------------------------------ */

static void
expect_day(const struct promise_nl_day *d, const char *name, int y, int m,
    int dd)
{
	assert_string_equal(d->name, name);
	assert_int_equal(d->day, tz_days_from_civil(y, m, dd));
}

static void
dutch_holidays_2026(void **state)
{
	struct promise_nl_day d[PROMISE_NL_DAYS];

	(void)state;
	assert_int_equal(promise_nl_holidays(2026, d), 0);
	expect_day(&d[0], "Nieuwjaarsdag", 2026, 1, 1);
	expect_day(&d[1], "Eerste Paasdag", 2026, 4, 5);
	expect_day(&d[2], "Tweede Paasdag", 2026, 4, 6);
	expect_day(&d[3], "Koningsdag", 2026, 4, 27);
	expect_day(&d[4], "Bevrijdingsdag", 2026, 5, 5);
	expect_day(&d[5], "Hemelvaartsdag", 2026, 5, 14);
	expect_day(&d[6], "Eerste Pinksterdag", 2026, 5, 24);
	expect_day(&d[7], "Tweede Pinksterdag", 2026, 5, 25);
	expect_day(&d[8], "Eerste Kerstdag", 2026, 12, 25);
	expect_day(&d[9], "Tweede Kerstdag", 2026, 12, 26);
}

static void
dutch_holidays_2025_koningsdag_on_saturday(void **state)
{
	struct promise_nl_day d[PROMISE_NL_DAYS];
	struct promise_holidays h = { 0 };
	size_t i;

	(void)state;
	/* 27 April 2025 was a Sunday, so Koningsdag was Saturday the 26th;
	 * Easter 2025 was 20 April, so Koningsdag comes after Easter
	 * Monday. */
	assert_int_equal(promise_nl_holidays(2025, d), 0);
	expect_day(&d[1], "Eerste Paasdag", 2025, 4, 20);
	expect_day(&d[2], "Tweede Paasdag", 2025, 4, 21);
	expect_day(&d[3], "Koningsdag", 2025, 4, 26);
	assert_int_equal(tz_weekday(d[3].day), 6);
	expect_day(&d[5], "Hemelvaartsdag", 2025, 5, 29);
	expect_day(&d[6], "Eerste Pinksterdag", 2025, 6, 8);
	/* 2016: Ascension fell on 5 May; Easter (27 March) before it all. */
	assert_int_equal(promise_nl_holidays(2016, d), 0);
	expect_day(&d[4], "Bevrijdingsdag", 2016, 5, 5);
	expect_day(&d[5], "Hemelvaartsdag", 2016, 5, 5);
	for (i = 1; i < PROMISE_NL_DAYS; i++)
		assert_true(d[i - 1].day <= d[i].day);
	/* One click adds them; the double day counts once. */
	assert_int_equal(promise_add_nl_holidays(&h, 2016), 0);
	assert_int_equal(h.n, 9);
	assert_int_equal(promise_add_nl_holidays(&h, 2016), 0);
	assert_int_equal(h.n, 9);
	/* Koningsdag exists since 2014. */
	assert_int_equal(promise_nl_holidays(2014, d), 0);
	expect_day(&d[3], "Koningsdag", 2014, 4, 26); /* the 27th: Sunday */
	assert_int_equal(promise_nl_holidays(2013, d), ERR_INVAL);
	assert_int_equal(promise_nl_holidays(LIMIT_PROMISE_YEAR_MAX + 1, d),
	    ERR_INVAL);
}

static void
easter_known_dates(void **state)
{
	static const int known[][3] = {
		{ 1818, 3, 22 }, { 1943, 4, 25 }, { 2000, 4, 23 },
		{ 2019, 4, 21 }, { 2024, 3, 31 }, { 2025, 4, 20 },
		{ 2026, 4, 5 }, { 2027, 3, 28 }, { 2038, 4, 25 },
		{ 2285, 3, 22 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		int64_t e = promise_easter(known[i][0]);

		assert_int_equal(e, tz_days_from_civil(known[i][0],
		    known[i][1], known[i][2]));
		assert_int_equal(tz_weekday(e), 0);
	}
}

/* --- percentiles --------------------------------------------------------- */

static void
percentiles(void **state)
{
	int64_t v[10] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	int64_t odd[5] = { 50, 10, 40, 20, 30 };
	int64_t one[1] = { 7 };
	int64_t big[2] = { INT64_MAX, INT64_MAX - 1000 };
	double out = -1;
	int i;

	(void)state;
	assert_int_equal(promise_percentile(v, 10, 90, &out), 0);
	assert_true(fabs(out - 9.1) < 1e-9);
	/* Sorted in place, as documented. */
	for (i = 0; i < 10; i++)
		assert_int_equal(v[i], i + 1);
	assert_int_equal(promise_median(v, 10, &out), 0);
	assert_true(fabs(out - 5.5) < 1e-9);
	assert_int_equal(promise_percentile(v, 10, 0, &out), 0);
	assert_true(out == 1.0);
	assert_int_equal(promise_percentile(v, 10, 100, &out), 0);
	assert_true(out == 10.0);
	assert_int_equal(promise_percentile(v, 4, 50, &out), 0);
	assert_true(fabs(out - 2.5) < 1e-9);
	assert_int_equal(promise_median(odd, 5, &out), 0);
	assert_true(out == 30.0);
	assert_int_equal(promise_percentile(one, 1, 95, &out), 0);
	assert_true(out == 7.0);
	/* No overflow near the ends of int64. */
	assert_int_equal(promise_median(big, 2, &out), 0);
	assert_true(out > 9.2e18);
	out = 42;
	assert_int_equal(promise_percentile(v, 0, 50, &out), ERR_INVAL);
	assert_int_equal(promise_percentile(v, 10, -0.1, &out), ERR_INVAL);
	assert_int_equal(promise_percentile(v, 10, 100.1, &out), ERR_INVAL);
	assert_int_equal(promise_percentile(v, 10, NAN, &out), ERR_INVAL);
	assert_true(out == 42);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deadline_across_the_weekend),
		cmocka_unit_test(deadline_across_holidays),
		cmocka_unit_test(deadline_sent_at_night_or_on_sunday),
		cmocka_unit_test(deadline_reply_time_zero),
		cmocka_unit_test(deadline_round_the_clock_across_dst),
		cmocka_unit_test(deadline_in_a_window_that_spans_the_change),
		cmocka_unit_test(working_time_on_dst_days),
		cmocka_unit_test(working_seconds_between_instants),
		cmocka_unit_test(deadline_and_working_seconds_agree),
		cmocka_unit_test(promise_without_working_time_is_refused),
		cmocka_unit_test(deadline_beyond_the_horizon_is_not_found),
		cmocka_unit_test(next_reachable_across_a_holiday),
		cmocka_unit_test(contact_due_keeps_the_wall_clock),
		cmocka_unit_test(schedule_parser_accepts_good_input),
		cmocka_unit_test(schedule_parser_refuses_bad_input),
		cmocka_unit_test(schedule_parser_survives_random_input),
		cmocka_unit_test(holiday_parser),
		cmocka_unit_test(merged_holiday_range_keeps_the_span_limit),
		cmocka_unit_test(holiday_parser_survives_random_input),
		cmocka_unit_test(dutch_holidays_2026),
		cmocka_unit_test(dutch_holidays_2025_koningsdag_on_saturday),
		cmocka_unit_test(easter_known_dates),
		cmocka_unit_test(percentiles),
	};

	return cmocka_run_group_tests_name("promise", tests, setup, teardown);
}
