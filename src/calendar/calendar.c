/*
 * calendar.c - iCalendar through libical (see calendar.h).
 *
 * libical's zones come from the system's tzdata with a TZID prefix of its
 * own ("/freeassociation.sourceforge.net/Europe/Amsterdam") and every
 * observance since 1835.  We write the IANA name as TZID, which Google
 * and Outlook map to their own zones, and keep only the observances that
 * can still apply to the events written, so a feed stays small and old
 * clients are not fed a century of rules.  libical is not thread-safe for
 * its built-in zone table while it loads a zone (XXX: libical 3.0 guards
 * it with a mutex when built with pthread, as Debian does), and its
 * memory buffers are per thread, so calls from several workers are fine.
 */
#include "calendar/calendar.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "promise/tz.h"
#include "core/banned.h"

#define PRODID "-//Infuus//Appointments//EN"

/* The local wall-clock time of t in tz, as a time with no zone of its own
 * (the TZID parameter names it). */
static int
local_time(const struct tz *tz, time_t t, struct icaltimetype *out)
{
	struct tz_local l;

	if (tz_to_local(tz, t, &l) != 0)
		return ERR_INVAL;
	*out = icaltime_null_time();
	out->year = l.year;
	out->month = l.month;
	out->day = l.day;
	out->hour = l.hour;
	out->minute = l.min;
	out->second = l.sec;
	out->is_date = 0;
	return 0;
}

static icalproperty *
with_tzid(icalproperty *p, const char *tzid)
{
	icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
	return p;
}

/* Whether an observance of a VTIMEZONE may apply at or after `since`
 * (local years are close enough: one year of slack is kept). */
static bool
observance_applies(icalcomponent *o, int since_year)
{
	icalproperty *rr = icalcomponent_get_first_property(o,
	    ICAL_RRULE_PROPERTY);
	icalproperty *p;

	if (rr != NULL) {
		struct icalrecurrencetype r = icalproperty_get_rrule(rr);

		return icaltime_is_null_time(r.until) ||
		    r.until.year >= since_year;
	}
	p = icalcomponent_get_first_property(o, ICAL_DTSTART_PROPERTY);
	if (p != NULL && icalproperty_get_dtstart(p).year >= since_year)
		return true;
	for (p = icalcomponent_get_first_property(o, ICAL_RDATE_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(o, ICAL_RDATE_PROPERTY))
		if (icalproperty_get_rdate(p).time.year >= since_year)
			return true;
	return false;
}

/* The zone's VTIMEZONE, TZID the IANA name, cut to what applies since
 * since_year; NULL when libical does not know the zone. */
static icalcomponent *
vtimezone(const char *name, int since_year)
{
	icaltimezone *z = icaltimezone_get_builtin_timezone(name);
	icalcomponent *vt, *o, *next;
	icalproperty *p;

	if (z == NULL || icaltimezone_get_component(z) == NULL)
		return NULL;
	vt = icalcomponent_new_clone(icaltimezone_get_component(z));
	if ((p = icalcomponent_get_first_property(vt,
	    ICAL_TZID_PROPERTY)) != NULL)
		icalproperty_set_tzid(p, name);
	for (o = icalcomponent_get_first_component(vt, ICAL_ANY_COMPONENT);
	    o != NULL; o = next) {
		next = icalcomponent_get_next_component(vt,
		    ICAL_ANY_COMPONENT);
		if (!observance_applies(o, since_year)) {
			icalcomponent_remove_component(vt, o);
			icalcomponent_free(o);
		}
	}
	return vt;
}

static icalproperty *
person(icalproperty *p, const char *mail, const char *name)
{
	if (name != NULL && *name != '\0')
		icalproperty_add_parameter(p, icalparameter_new_cn(name));
	(void)mail;
	return p;
}

int
cal_write(enum cal_method m, const struct tz *tz, const struct cal_event *ev,
    size_t n, time_t stamp, struct buf *out)
{
	icalcomponent *cal = NULL, *vt, *e;
	struct icaltimetype t;
	struct tz_local l;
	const char *name;
	struct buf mailto = BUF_INIT;
	char *s;
	size_t i;
	int rc = ERR_INVAL, since;

	if (tz == NULL || (m != CAL_PUBLISH && (n != 1 ||
	    ev[0].organizer == NULL || ev[0].attendee == NULL)))
		return ERR_INVAL;
	name = tz_name(tz);
	/* The earliest event decides which observances are kept. */
	since = 9999;
	for (i = 0; i < n; i++)
		if (tz_to_local(tz, ev[i].start, &l) == 0 && l.year < since)
			since = l.year;
	if (n == 0 && tz_to_local(tz, stamp, &l) == 0)
		since = l.year;
	if ((vt = vtimezone(name, since - 1)) == NULL)
		return ERR_INVAL;
	cal = icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT,
	    icalproperty_new_prodid(PRODID),
	    icalproperty_new_version("2.0"),
	    icalproperty_new_calscale("GREGORIAN"),
	    icalproperty_new_method(m == CAL_REQUEST ? ICAL_METHOD_REQUEST :
	    m == CAL_CANCEL ? ICAL_METHOD_CANCEL : ICAL_METHOD_PUBLISH),
	    (void *)0);
	icalcomponent_add_component(cal, vt);
	for (i = 0; i < n; i++) {
		const struct cal_event *x = &ev[i];

		if (x->uid == NULL || x->end < x->start)
			goto out;
		e = icalcomponent_new_vevent();
		icalcomponent_add_property(e, icalproperty_new_uid(x->uid));
		icalcomponent_add_property(e,
		    icalproperty_new_sequence((int)x->sequence));
		icalcomponent_add_property(e, icalproperty_new_dtstamp(
		    icaltime_from_timet_with_zone(stamp, 0,
		    icaltimezone_get_utc_timezone())));
		if (local_time(tz, x->start, &t) != 0) {
			icalcomponent_free(e);
			goto out;
		}
		icalcomponent_add_property(e,
		    with_tzid(icalproperty_new_dtstart(t), name));
		if (local_time(tz, x->end, &t) != 0) {
			icalcomponent_free(e);
			goto out;
		}
		icalcomponent_add_property(e,
		    with_tzid(icalproperty_new_dtend(t), name));
		icalcomponent_add_property(e, icalproperty_new_summary(
		    x->summary ? x->summary : ""));
		if (x->location != NULL && *x->location != '\0')
			icalcomponent_add_property(e,
			    icalproperty_new_location(x->location));
		icalcomponent_add_property(e, icalproperty_new_status(
		    x->cancelled || m == CAL_CANCEL ? ICAL_STATUS_CANCELLED :
		    ICAL_STATUS_CONFIRMED));
		icalcomponent_add_property(e,
		    icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
		if (x->organizer != NULL) {
			buf_reset(&mailto);
			buf_printf(&mailto, "mailto:%s", x->organizer);
			icalcomponent_add_property(e, person(
			    icalproperty_new_organizer(mailto.p), x->organizer,
			    x->organizer_name));
		}
		if (x->attendee != NULL) {
			icalproperty *a;

			buf_reset(&mailto);
			buf_printf(&mailto, "mailto:%s", x->attendee);
			a = person(icalproperty_new_attendee(mailto.p),
			    x->attendee, x->attendee_name);
			icalproperty_add_parameter(a,
			    icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
			if (m == CAL_REQUEST) {
				icalproperty_add_parameter(a,
				    icalparameter_new_partstat(
				    ICAL_PARTSTAT_NEEDSACTION));
				icalproperty_add_parameter(a,
				    icalparameter_new_rsvp(ICAL_RSVP_FALSE));
			}
			icalcomponent_add_property(e, a);
		}
		icalcomponent_add_component(cal, e);
	}
	if ((s = icalcomponent_as_ical_string_r(cal)) == NULL)
		goto out;
	buf_adds(out, s);
	free(s);
	rc = 0;
out:
	buf_release(&mailto);
	icalcomponent_free(cal);
	return rc;
}

static time_t
instant(icalcomponent *e, struct icaltimetype t)
{
	icaltimezone *z = (icaltimezone *)t.zone;

	(void)e;
	if (z == NULL)
		z = icaltimezone_get_utc_timezone();
	return icaltime_as_timet_with_zone(t, z);
}

static const char *
dup(struct arena *a, const char *s)
{
	return arena_strdup(a, s != NULL ? s : "");
}

static const char *
mail_of(const char *v)
{
	if (v == NULL)
		return NULL;
	if (strncmp(v, "mailto:", 7) == 0 || strncmp(v, "MAILTO:", 7) == 0)
		return v + 7;
	return v;
}

int
cal_read(const char *text, struct arena *a, struct cal_event *out,
    size_t max, size_t *n, enum cal_method *method)
{
	icalcomponent *cal, *e;
	icalproperty *p;
	icalproperty_method mm;

	*n = 0;
	*method = CAL_PUBLISH;
	if ((cal = icalparser_parse_string(text)) == NULL)
		return ERR_PARSE;
	if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		icalcomponent_free(cal);
		return ERR_PARSE;
	}
	mm = icalcomponent_get_method(cal);
	if (mm == ICAL_METHOD_REQUEST)
		*method = CAL_REQUEST;
	else if (mm == ICAL_METHOD_CANCEL)
		*method = CAL_CANCEL;
	for (e = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); e != NULL && *n < max;
	    e = icalcomponent_get_next_component(cal,
	    ICAL_VEVENT_COMPONENT)) {
		struct cal_event *x = &out[(*n)++];
		struct icaltimetype s = icalcomponent_get_dtstart(e);
		struct icaltimetype d = icalcomponent_get_dtend(e);

		memset(x, 0, sizeof(*x));
		x->uid = dup(a, icalcomponent_get_uid(e));
		p = icalcomponent_get_first_property(e,
		    ICAL_SEQUENCE_PROPERTY);
		x->sequence = p ? icalproperty_get_sequence(p) : 0;
		x->start = instant(e, s);
		x->end = icaltime_is_null_time(d) ? x->start : instant(e, d);
		x->summary = dup(a, icalcomponent_get_summary(e));
		x->location = dup(a, icalcomponent_get_location(e));
		x->cancelled = icalcomponent_get_status(e) ==
		    ICAL_STATUS_CANCELLED;
		if ((p = icalcomponent_get_first_property(e,
		    ICAL_ORGANIZER_PROPERTY)) != NULL)
			x->organizer = dup(a,
			    mail_of(icalproperty_get_organizer(p)));
		if ((p = icalcomponent_get_first_property(e,
		    ICAL_ATTENDEE_PROPERTY)) != NULL)
			x->attendee = dup(a,
			    mail_of(icalproperty_get_attendee(p)));
	}
	icalcomponent_free(cal);
	return 0;
}
