/*
 * calendar.h - iCalendar (RFC 5545) and iTIP (RFC 5546) through libical:
 * invitations and cancellations sent by e-mail, the professional's private
 * feed, and reading calendars back (tests, imports).
 *
 * Times are written as local times with a TZID of the organisation's zone
 * and one VTIMEZONE for it, taken from libical's copy of the system tzdata
 * and cut to the observances that still apply after the earliest event, so
 * Outlook and Apple Calendar, which want a VTIMEZONE, and Google, which
 * reads the TZID as an IANA name, agree.  The local times come from
 * promise/tz.c, the same clock the appointment's slot was chosen on.
 *
 * Pure: no database; strings are copied into the caller's buf or arena.
 * Tables: none.
 */
#ifndef INFUUS_CALENDAR_H
#define INFUUS_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"

struct arena;
struct tz;

enum cal_method {
	CAL_PUBLISH,   /* a feed */
	CAL_REQUEST,   /* an invitation, or its update (same UID, higher
	                  SEQUENCE) */
	CAL_CANCEL,    /* the appointment is off */
};

struct cal_event {
	const char *uid;
	int64_t sequence;
	time_t start;
	time_t end;
	const char *summary;
	const char *location;     /* NULL or "": none */
	bool cancelled;
	const char *organizer;    /* e-mail address; NULL: none */
	const char *organizer_name;
	const char *attendee;     /* e-mail address; NULL: none */
	const char *attendee_name;
};

/*
 * Write a VCALENDAR of n events with METHOD m (none for CAL_PUBLISH is
 * not written: a feed says PUBLISH), DTSTAMP stamp, in zone tz, to out.
 * CAL_REQUEST and CAL_CANCEL take exactly one event with an organizer
 * and an attendee (RFC 5546 3.2.2, 3.2.5).  0, ERR_INVAL for a missing field or a zone
 * libical does not know.
 */
int cal_write(enum cal_method m, const struct tz *tz,
    const struct cal_event *ev, size_t n, time_t stamp, struct buf *out);

/*
 * Read the VEVENTs of a VCALENDAR (at most max into out, *n the count;
 * strings in a).  Start and end are resolved to instants with the
 * calendar's own VTIMEZONEs (or UTC, or libical's zones for a known
 * TZID); an event without DTEND takes DURATION, or none (end = start).
 * *method gets the METHOD (CAL_PUBLISH when absent).  ERR_PARSE for text
 * that is no calendar.
 */
int cal_read(const char *text, struct arena *a, struct cal_event *out,
    size_t max, size_t *n, enum cal_method *method);

#endif
