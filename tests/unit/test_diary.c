/*
 * test_diary.c - the mood meter's reminder times on the client's wall
 * clock: "20:00" stays 20:00 local across daylight saving (issue 11).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/err.h"
#include "diary/diary.h"
#include "promise/tz.h"
#include "core/banned.h"

/* A UTC instant from its calendar fields. */
static int64_t
utc(int y, int m, int d, int hh, int mm)
{
	return tz_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static struct tz *
ams(void)
{
	struct tz *tz = NULL;

	assert_int_equal(tz_load("Europe/Amsterdam", &tz), 0);
	return tz;
}

/* 20:00 in Amsterdam is 19:00 UTC in winter and 18:00 UTC in summer, on
 * the days either side of both changes (2026-03-29 and 2026-10-25). */
static void
evening_reminder_follows_the_wall_clock(void **state)
{
	struct tz *tz = ams();

	(void)state;
	assert_int_equal(mood_slot(tz, 20 * 60, utc(2026, 3, 28, 12, 0)),
	    utc(2026, 3, 28, 19, 0));
	assert_int_equal(mood_slot(tz, 20 * 60, utc(2026, 3, 29, 12, 0)),
	    utc(2026, 3, 29, 18, 0));
	assert_int_equal(mood_slot(tz, 20 * 60, utc(2026, 10, 24, 12, 0)),
	    utc(2026, 10, 24, 18, 0));
	assert_int_equal(mood_slot(tz, 20 * 60, utc(2026, 10, 25, 12, 0)),
	    utc(2026, 10, 25, 19, 0));
	/* "today" is the local day: 23:30 UTC on the 28th is already the
	 * 29th in Amsterdam (00:30 CET) */
	assert_int_equal(mood_slot(tz, 20 * 60, utc(2026, 3, 28, 23, 30)),
	    utc(2026, 3, 29, 18, 0));
	tz_free(tz);
}

/* Times that do not exist or exist twice on the change days. */
static void
skipped_and_doubled_times(void **state)
{
	struct tz *tz = ams();

	(void)state;
	/* 02:30 does not exist on 29 March: it falls at 03:30 CEST */
	assert_int_equal(mood_slot(tz, 2 * 60 + 30, utc(2026, 3, 29, 12, 0)),
	    utc(2026, 3, 29, 1, 30));
	/* 02:30 happens twice on 25 October: the first (CEST) counts */
	assert_int_equal(mood_slot(tz, 2 * 60 + 30, utc(2026, 10, 25, 12, 0)),
	    utc(2026, 10, 25, 0, 30));
	assert_int_equal(mood_slot(tz, -1, utc(2026, 3, 29, 12, 0)), -1);
	assert_int_equal(mood_slot(tz, 1440, utc(2026, 3, 29, 12, 0)), -1);
	tz_free(tz);
}

/* Without a zone of the trajectory's own the times are UTC. */
static void
utc_without_a_zone(void **state)
{
	struct tz *tz = tz_utc();

	(void)state;
	assert_int_equal(mood_slot(tz, 20 * 60, utc(2026, 3, 29, 12, 0)),
	    utc(2026, 3, 29, 20, 0));
	tz_free(tz);
}

/* The due reminder: a time just before midnight still goes out after it
 * (yesterday's slot, a civil day back even across a DST change), one
 * hours late does not. */
static void
due_slot_across_midnight(void **state)
{
	struct tz *tz = ams();

	(void)state;
	/* 23:58 CET, asked at 00:00:10 CET the next day */
	assert_int_equal(mood_due_slot(tz, 23 * 60 + 58,
	    utc(2027, 1, 12, 23, 0) + 10), utc(2027, 1, 12, 22, 58));
	/* today's 20:00 passed an hour ago: today's */
	assert_int_equal(mood_due_slot(tz, 20 * 60, utc(2027, 1, 12, 20, 0)),
	    utc(2027, 1, 12, 19, 0));
	/* three hours ago, or yesterday's 23:00 at 22:00: too late */
	assert_int_equal(mood_due_slot(tz, 20 * 60, utc(2027, 1, 12, 22, 0)),
	    0);
	assert_int_equal(mood_due_slot(tz, 23 * 60, utc(2027, 1, 12, 21, 0)),
	    0);
	/* 00:10 CEST on Monday 30 March 2026, after the 23-hour Sunday:
	 * Sunday's 23:50 CEST (21:50 UTC), not Saturday's */
	assert_int_equal(mood_due_slot(tz, 23 * 60 + 50,
	    utc(2026, 3, 29, 22, 10)), utc(2026, 3, 29, 21, 50));
	/* 00:10 CET on Monday 26 October 2026, after the 25-hour Sunday */
	assert_int_equal(mood_due_slot(tz, 23 * 60 + 50,
	    utc(2026, 10, 25, 23, 10)), utc(2026, 10, 25, 22, 50));
	assert_int_equal(mood_due_slot(tz, 1440, utc(2027, 1, 12, 12, 0)), -1);
	tz_free(tz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(evening_reminder_follows_the_wall_clock),
		cmocka_unit_test(skipped_and_doubled_times),
		cmocka_unit_test(utc_without_a_zone),
		cmocka_unit_test(due_slot_across_midnight),
	};

	return cmocka_run_group_tests_name("diary", tests, NULL, NULL);
}
