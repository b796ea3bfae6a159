/*
 * tz.h - time zones read from the system's tzdata, without TZ or localtime.
 *
 * A struct tz is one zone (say Europe/Amsterdam) read from a TZif file
 * (RFC 8536, versions 1 to 3).  It is immutable after loading, so one loaded
 * zone may be shared by any number of threads.  Nothing here touches the
 * process-wide TZ variable or the C library's zone state.
 *
 * Local dates are proleptic Gregorian.  A "day number" is the number of days
 * since 1970-01-01 in the local calendar (negative before); it is what the
 * promise module uses for holidays.
 */
#ifndef INFUUS_TZ_H
#define INFUUS_TZ_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"

_Static_assert(sizeof(time_t) == 8, "Infuus needs a 64-bit time_t");

/* The directory zones are read from (Debian package tzdata). */
#define TZ_DIR "/usr/share/zoneinfo"

/* Instants accepted by the conversions: 0001-01-01 .. 9999-12-31 UTC, so
 * every local time has a four-digit year and no arithmetic can overflow. */
#define TZ_TIME_MIN ((time_t)-62135596800LL)
#define TZ_TIME_MAX ((time_t)253402300799LL)

/* "No further transition". */
#define TZ_NEVER ((time_t)INT64_MAX)

/* Longest abbreviation kept ("CEST", "+0530"); longer ones are cut. */
#define TZ_ABBR_MAX 15

struct tz;

struct tz_local {
	int year;       /* 1 .. 9999; 0 or 10000 at the ends of the range */
	int month;      /* 1 .. 12 */
	int day;        /* 1 .. 31 */
	int hour;       /* 0 .. 23 */
	int min;        /* 0 .. 59 */
	int sec;        /* 0 .. 59 */
	int wday;       /* 0 = Sunday .. 6 = Saturday, as in struct tm */
	int yday;       /* 0 .. 365 */
	int32_t utoff;  /* seconds east of UTC (Amsterdam in winter: 3600) */
	bool is_dst;
	char abbr[TZ_ABBR_MAX + 1]; /* "CET", "CEST", "IST", "+0530" */
};

/*
 * Load the zone `name` from TZ_DIR.  A valid name is 1..LIMIT_TZ_NAME bytes
 * of letters, digits, '/', '_', '-' and '+', made of non-empty parts between
 * single slashes, none of them starting with '-' (so no "..", no absolute
 * path, no option-looking part).  Returns 0 and a zone to tz_free,
 * ERR_INVAL for a bad name or a file that is not a usable TZif file (also the
 * "right/" zones, which count leap seconds and so are not POSIX time),
 * ERR_NOTFOUND when no such zone is installed, ERR_IO on a read error.
 */
int tz_load(const char *name, struct tz **out);

/* Like tz_load, from the directory `dir` instead of TZ_DIR (for tests). */
int tz_load_dir(const char *dir, const char *name, struct tz **out);

/*
 * Parse TZif bytes held in memory; `name` is only remembered for tz_name.
 * Every field is checked against the limits in core/limits.h: any input is
 * either a zone or ERR_INVAL, never a crash.
 */
int tz_parse(const void *data, size_t len, const char *name, struct tz **out);

/* A zone for UTC that needs no file (never fails). */
struct tz *tz_utc(void);

void tz_free(struct tz *tz);

/* The name the zone was loaded under ("Europe/Amsterdam"). */
const char *tz_name(const struct tz *tz);

/* True when name passes the rules of tz_load (the file may still not exist). */
bool tz_name_valid(const char *name);

/*
 * The local time at instant utc.  Times after the file's last transition
 * follow the POSIX TZ rule of the file's footer (v2+), so 2040 is right even
 * though the table stops in 2037.  Returns 0, or ERR_INVAL when utc is
 * outside TZ_TIME_MIN..TZ_TIME_MAX.
 */
int tz_to_local(const struct tz *tz, time_t utc, struct tz_local *out);

/*
 * The instant at which the wall clock in tz shows y-m-d hh:mm:ss.
 *   - A time that does not exist (skipped when the clocks go forward) is moved
 *     forward by the length of the gap: 02:30 on the Dutch spring-forward day
 *     becomes 03:30 CEST.  Put differently, it is read with the offset that
 *     was in effect before the gap.
 *   - A time that exists twice (when the clocks go back) gives the earlier
 *     instant: 02:30 on the Dutch autumn day is 02:30 CEST, not CET.
 * Fields are checked strictly (month 1..12, day within the month, hour
 * 0..23, minute and second 0..59, year 1..9999): ERR_INVAL otherwise.
 */
int tz_from_local(const struct tz *tz, int y, int m, int d, int hh, int mm,
    int ss, time_t *out);

/*
 * The offset in effect at t (seconds east of UTC) and the instant of the
 * next transition after t (TZ_NEVER when there is none).  The next
 * transition may leave the offset unchanged (only the abbreviation or the
 * DST flag changes); callers walking time must not assume a jump.
 * Returns 0 or ERR_INVAL when t is out of range.
 */
int tz_offset_at(const struct tz *tz, time_t t, int32_t *utoff, time_t *next);

/* --- Calendar arithmetic (proleptic Gregorian, no zone involved) ---------- */

/* Days since 1970-01-01 of y-m-d; m and d are not range-checked here. */
int64_t tz_days_from_civil(int64_t y, int m, int d);
/* The inverse of tz_days_from_civil. */
void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* The day number of a count of seconds since 1970-01-01 00:00 on some
 * wall clock: rounded down, so a time before 1970 falls on its own day. */
int64_t tz_day_of(int64_t secs);
/* Weekday of a day number: 0 = Sunday .. 6 = Saturday. */
int tz_weekday(int64_t days);
bool tz_is_leap(int64_t y);
/* Days in month m (1..12) of year y; 0 for a bad month. */
int tz_days_in_month(int64_t y, int m);

#endif
