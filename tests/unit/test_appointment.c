/*
 * test_appointment.c - appointments (src/appointment) and iCalendar
 * (src/calendar): open slots on the wall clock of Europe/Amsterdam across
 * both changes of daylight saving time, iCalendar written and read back
 * through libical, the RFC 5545/5546 examples in fixtures/ical, and on
 * each backend booking, refusals that write nothing, the race for one
 * slot between threads, rescheduling with its reminder, cancelling,
 * no-shows, the hook for other modules and the feed's tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "appointment/appointment.h"
#include "audit/audit.h"
#include "calendar/calendar.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "instrument/measure.h"
#include "keys/keyring.h"
#include "mail/smtp.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "fixture.h"
#include "testdb.h"

/* An instant from UTC fields, by calendar arithmetic alone. */
static time_t
utc(int y, int m, int d, int hh, int mm)
{
	return (time_t)tz_days_from_civil(y, m, d) * 86400 + hh * 3600 +
	    mm * 60;
}

static const struct tz *
amsterdam(void)
{
	static struct tz *z;

	if (z == NULL)
		assert_int_equal(tz_load("Europe/Amsterdam", &z), 0);
	return z;
}

static void
hours(struct appt_hours *h, const char *week, const char *exc, int len)
{
	memset(h, 0, sizeof(*h));
	assert_int_equal(promise_week_parse(str_c(week), &h->week), 0);
	assert_int_equal(promise_holidays_parse(str_c(exc), &h->exceptions),
	    0);
	h->slot_minutes = len;
	h->clients_book = true;
	h->late_hours = 24;
}

/* --- Slots (pure) --------------------------------------------------------- */

/* 09:00 stays 09:00 on the wall clock on both sides of the last Sundays
 * of March and October: 08:00 UTC in winter, 07:00 UTC in summer. */
static void
test_weekly_slots_follow_dst(void **state)
{
	struct appt_hours h;
	struct tz_local l;
	time_t s[400];
	size_t n, i;

	(void)state;
	hours(&h, "mon-fri 09:00-12:00", "", 60);
	/* Friday 27 March .. Tuesday 31 March 2026. */
	assert_int_equal(appt_slots(&h, amsterdam(), 0, utc(2026, 3, 27, 0, 0),
	    utc(2026, 4, 1, 0, 0), NULL, 0, s, 400, &n), 0);
	assert_int_equal(n, 9);
	assert_int_equal(s[0], utc(2026, 3, 27, 8, 0));   /* CET */
	assert_int_equal(s[3], utc(2026, 3, 30, 7, 0));   /* CEST */
	assert_int_equal(s[8], utc(2026, 3, 31, 9, 0));
	/* Friday 23 .. Tuesday 27 October 2026. */
	assert_int_equal(appt_slots(&h, amsterdam(), 0, utc(2026, 10, 23, 0,
	    0), utc(2026, 10, 28, 0, 0), NULL, 0, s, 400, &n), 0);
	assert_int_equal(n, 9);
	assert_int_equal(s[0], utc(2026, 10, 23, 7, 0));  /* CEST */
	assert_int_equal(s[3], utc(2026, 10, 26, 8, 0));  /* CET */
	/* A whole season: every slot at 09, 10 or 11 o'clock local. */
	assert_int_equal(appt_slots(&h, amsterdam(), 0, utc(2026, 2, 1, 0, 0),
	    utc(2026, 5, 1, 0, 0), NULL, 0, s, 400, &n), 0);
	assert_true(n > 150);
	for (i = 0; i < n; i++) {
		assert_int_equal(tz_to_local(amsterdam(), s[i], &l), 0);
		assert_true(l.hour >= 9 && l.hour <= 11 && l.min == 0);
		assert_true(l.wday >= 1 && l.wday <= 5);
	}
}

/* A window over the night of the change: 02:00 does not exist in March
 * (no slot), and in October 02:00 comes twice (one slot, the first). */
static void
test_night_window_on_the_change_days(void **state)
{
	struct appt_hours h;
	time_t s[16];
	size_t n;

	(void)state;
	hours(&h, "sun 01:00-04:00", "", 60);
	assert_int_equal(appt_slots(&h, amsterdam(), 0, utc(2026, 3, 28, 12,
	    0), utc(2026, 3, 29, 12, 0), NULL, 0, s, 16, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0], utc(2026, 3, 29, 0, 0));   /* 01:00 CET */
	assert_int_equal(s[1], utc(2026, 3, 29, 1, 0));   /* 03:00 CEST */
	assert_int_equal(appt_slots(&h, amsterdam(), 0, utc(2026, 10, 24, 12,
	    0), utc(2026, 10, 25, 12, 0), NULL, 0, s, 16, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s[0], utc(2026, 10, 24, 23, 0)); /* 01:00 CEST */
	assert_int_equal(s[1], utc(2026, 10, 25, 0, 0));  /* 02:00 CEST */
	assert_int_equal(s[2], utc(2026, 10, 25, 2, 0));  /* 03:00 CET */
	assert_true(appt_is_slot(&h, amsterdam(), utc(2026, 10, 25, 0, 0)));
	/* The second 02:00 (CET) is not the slot. */
	assert_false(appt_is_slot(&h, amsterdam(), utc(2026, 10, 25, 1, 0)));
}

static void
test_busy_buffers_exceptions_and_the_past(void **state)
{
	struct appt_hours h;
	struct appt_busy b[1];
	time_t s[16];
	size_t n;

	(void)state;
	hours(&h, "mon 09:00-13:00", "2026-06-15", 45);
	h.buffer_after = 15;
	/* Steps of 45 + 15: 09:00, 10:00, 11:00, 12:00 (CEST: UTC+2). */
	assert_int_equal(appt_slots(&h, amsterdam(), 0, utc(2026, 6, 8, 0, 0),
	    utc(2026, 6, 9, 0, 0), NULL, 0, s, 16, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(s[1], utc(2026, 6, 8, 8, 0));
	/* Something booked 10:30-10:50 takes 10:00 (which runs, with its
	 * buffer, to 11:00) and nothing else. */
	b[0].start = utc(2026, 6, 8, 8, 30);
	b[0].end = utc(2026, 6, 8, 8, 50);
	assert_int_equal(appt_slots(&h, amsterdam(), 0, utc(2026, 6, 8, 0, 0),
	    utc(2026, 6, 9, 0, 0), b, 1, s, 16, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s[1], utc(2026, 6, 8, 9, 0));
	/* The exception day has none; the past has none. */
	assert_int_equal(appt_slots(&h, amsterdam(), 0, utc(2026, 6, 15, 0,
	    0), utc(2026, 6, 16, 0, 0), NULL, 0, s, 16, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(appt_slots(&h, amsterdam(), utc(2026, 6, 8, 9, 30),
	    utc(2026, 6, 8, 0, 0), utc(2026, 6, 9, 0, 0), NULL, 0, s, 16, &n),
	    0);
	assert_int_equal(n, 1);
	/* A range over the limit is refused. */
	assert_int_equal(appt_slots(&h, amsterdam(), 0, 0,
	    (time_t)(LIMIT_APPT_SLOT_RANGE_DAYS + 1) * 86400, NULL, 0, s, 16,
	    &n), ERR_INVAL);
	assert_false(appt_is_slot(&h, amsterdam(), utc(2026, 6, 8, 7, 30)));
	assert_true(appt_is_slot(&h, amsterdam(), utc(2026, 6, 8, 7, 0)));
}

/* --- iCalendar ------------------------------------------------------------ */

static void
test_ical_round_trip(void **state)
{
	struct cal_event ev[2] = {
		{ .uid = "abc@infuus", .sequence = 3,
		  .start = utc(2026, 7, 1, 7, 0), .end = utc(2026, 7, 1, 8, 0),
		  .summary = "Afspraak, face-to-face; \"kamer\" 2",
		  .location = "Stationsplein 1, Utrecht",
		  .organizer = "pro@example.org", .organizer_name = "Pro",
		  .attendee = "client@example.org", .attendee_name = "Client" },
		{ .uid = "def@infuus", .sequence = 0,
		  .start = utc(2026, 12, 1, 8, 0), .end = utc(2026, 12, 1, 9,
		  30), .summary = "Phone" },
	};
	struct cal_event back[4];
	enum cal_method m;
	struct buf b = BUF_INIT;
	struct arena a;
	size_t n;

	(void)state;
	arena_init(&a);
	assert_int_equal(cal_write(CAL_REQUEST, amsterdam(), ev, 1,
	    utc(2026, 6, 1, 0, 0), &b), 0);
	assert_non_null(strstr(b.p, "METHOD:REQUEST"));
	assert_non_null(strstr(b.p, "BEGIN:VTIMEZONE"));
	assert_non_null(strstr(b.p, "TZID:Europe/Amsterdam"));
	assert_non_null(strstr(b.p,
	    "DTSTART;TZID=Europe/Amsterdam:20260701T090000"));
	assert_non_null(strstr(b.p, "SEQUENCE:3"));
	/* The observances of 1835 are not carried along. */
	assert_null(strstr(b.p, "1835"));
	assert_int_equal(cal_read(b.p, &a, back, 4, &n, &m), 0);
	assert_int_equal(m, CAL_REQUEST);
	assert_int_equal(n, 1);
	assert_string_equal(back[0].uid, ev[0].uid);
	assert_int_equal(back[0].sequence, 3);
	assert_int_equal(back[0].start, ev[0].start);
	assert_int_equal(back[0].end, ev[0].end);
	assert_string_equal(back[0].summary, ev[0].summary);
	assert_string_equal(back[0].location, ev[0].location);
	assert_string_equal(back[0].organizer, "pro@example.org");
	assert_string_equal(back[0].attendee, "client@example.org");
	assert_false(back[0].cancelled);

	/* A feed of a summer and a winter event: both instants survive. */
	buf_reset(&b);
	assert_int_equal(cal_write(CAL_PUBLISH, amsterdam(), ev, 2,
	    utc(2026, 6, 1, 0, 0), &b), 0);
	assert_int_equal(cal_read(b.p, &a, back, 4, &n, &m), 0);
	assert_int_equal(m, CAL_PUBLISH);
	assert_int_equal(n, 2);
	assert_int_equal(back[1].start, ev[1].start);
	assert_int_equal(back[1].end, ev[1].end);
	assert_non_null(strstr(b.p,
	    "DTSTART;TZID=Europe/Amsterdam:20261201T090000"));

	/* A cancellation: METHOD:CANCEL, STATUS:CANCELLED, same UID. */
	buf_reset(&b);
	ev[0].sequence = 4;
	assert_int_equal(cal_write(CAL_CANCEL, amsterdam(), ev, 1,
	    utc(2026, 6, 2, 0, 0), &b), 0);
	assert_int_equal(cal_read(b.p, &a, back, 4, &n, &m), 0);
	assert_int_equal(m, CAL_CANCEL);
	assert_true(back[0].cancelled);
	assert_string_equal(back[0].uid, "abc@infuus");
	assert_int_equal(back[0].sequence, 4);
	/* An invitation needs exactly one event and an organizer. */
	ev[1].organizer = NULL;
	assert_int_equal(cal_write(CAL_REQUEST, amsterdam(), &ev[1], 1, 0,
	    &b), ERR_INVAL);
	/* And an attendee (RFC 5546 3.2.2, 3.2.5). */
	ev[1].organizer = "pro@example.org";
	assert_int_equal(cal_write(CAL_REQUEST, amsterdam(), &ev[1], 1, 0,
	    &b), ERR_INVAL);
	assert_int_equal(cal_write(CAL_CANCEL, amsterdam(), &ev[1], 1, 0,
	    &b), ERR_INVAL);
	assert_int_equal(cal_read("not a calendar", &a, back, 4, &n, &m),
	    ERR_PARSE);
	buf_release(&b);
	arena_release(&a);
}

/* An invitation travels as iMIP (RFC 6047): multipart/alternative with
 * the text and a text/calendar part naming the method; other methods and
 * oversized calendars are refused before anything is sent. */
static void
test_invitation_mail_has_a_calendar_part(void **state)
{
	struct cal_event ev = { .uid = "u1@infuus", .sequence = 2,
	    .start = utc(2026, 7, 1, 7, 0), .end = utc(2026, 7, 1, 8, 0),
	    .summary = "Infuus", .organizer = "noreply@example.org",
	    .attendee = "client@example.org" };
	struct mail_config cfg = { .host = "127.0.0.1", .from =
	    "noreply@example.org" };
	struct buf ics = BUF_INIT, msg = BUF_INIT;
	char *big;

	(void)state;
	assert_int_equal(cal_write(CAL_REQUEST, amsterdam(), &ev, 1, 0, &ics),
	    0);
	cfg.calendar = ics.p;
	cfg.calendar_method = "REQUEST";
	assert_int_equal(mail_format(&cfg, "client@example.org", "Appointment",
	    "An appointment.", 0, &msg), 0);
	assert_non_null(strstr(msg.p, "Content-Type: multipart/alternative; "
	    "boundary=\"infuus-"));
	assert_non_null(strstr(msg.p, "Content-Type: text/plain"));
	assert_non_null(strstr(msg.p, "Content-Type: text/calendar; "
	    "charset=utf-8; method=REQUEST"));
	assert_non_null(strstr(msg.p, "METHOD:REQUEST"));
	assert_non_null(strstr(msg.p, "SEQUENCE:2"));
	cfg.calendar_method = "REFRESH\r\nBcc: x@example.org";
	buf_reset(&msg);
	assert_int_equal(mail_format(&cfg, "client@example.org", "Appointment",
	    "An appointment.", 0, &msg), ERR_INVAL);
	big = calloc(1, LIMIT_MAIL_CALENDAR + 2);
	assert_non_null(big);
	memset(big, 'x', LIMIT_MAIL_CALENDAR + 1);
	cfg.calendar = big;
	cfg.calendar_method = "CANCEL";
	assert_int_equal(mail_format(&cfg, "client@example.org", "Appointment",
	    "An appointment.", 0, &msg), ERR_INVAL);
	free(big);
	buf_release(&ics);
	buf_release(&msg);
}

static char *
fixture(const char *name)
{
	char path[512];
	FILE *f;
	char *p = calloc(1, 65536);
	size_t n;

	assert_non_null(p);
	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/ical/%s",
	    INFUUS_SOURCE_ROOT, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(p, 1, 65535, f);
	fclose(f);
	p[n] = '\0';
	return p;
}

/* The examples of RFC 5545 (3.6.1, and section 4 with its VTIMEZONE)
 * and RFC 5546 (a CANCEL) import with the right instants. */
static void
test_rfc_examples_import(void **state)
{
	struct cal_event e[4];
	enum cal_method m;
	struct arena a;
	char *t;
	size_t n;

	(void)state;
	arena_init(&a);
	t = fixture("rfc5545-3.6.1.ics");
	assert_int_equal(cal_read(t, &a, e, 4, &n, &m), 0);
	free(t);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].uid, "uid1@example.com");
	assert_int_equal(e[0].start, 843057000);
	assert_int_equal(e[0].end, 843256800);
	assert_string_equal(e[0].organizer, "jsmith@example.com");

	t = fixture("rfc5545-4-tz.ics");
	assert_int_equal(cal_read(t, &a, e, 4, &n, &m), 0);
	free(t);
	assert_int_equal(n, 1);
	/* 08:30 read with the calendar's own VTIMEZONE.  Its first
	 * observance begins on 1998-10-25 with TZOFFSETFROM -0400, which is
	 * the offset it declares before then (RFC 5545 3.8.3.3), so 12 March
	 * reads as 12:30 UTC, not the 13:30 of a full New York zone. */
	assert_int_equal(e[0].start, 889709400 - 3600);
	assert_int_equal(e[0].end, 889713000 - 3600);
	assert_string_equal(e[0].location, "1CP Conference Room 4350");
	assert_string_equal(e[0].attendee, "employee-A@example.com");

	t = fixture("rfc5546-cancel.ics");
	assert_int_equal(cal_read(t, &a, e, 4, &n, &m), 0);
	free(t);
	assert_int_equal(m, CAL_CANCEL);
	assert_true(e[0].cancelled);
	assert_int_equal(e[0].sequence, 1);
	assert_int_equal(e[0].start, 867787200);
	arena_release(&a);
}

/* --- On a database -------------------------------------------------------- */

#define NCLIENTS 16

struct group {
	struct testdb *t;
	struct db *db;
	struct keyring *kr;
	int64_t org, org2;
	int64_t pro, pro2, other_pro, other_client;
	int64_t client[NCLIENTS];
	int64_t traj[NCLIENTS];
	int64_t other_traj;
};

static struct group *G;

static struct appt_actor
actor(int64_t uid, int64_t org, bool pro)
{
	struct appt_actor a = { uid, org, pro, pro ? "professional" :
	    "client", "192.0.2.1", "test" };

	return a;
}

static int64_t
mktraj(struct group *g, int64_t org, int64_t client, int64_t pro)
{
	struct audit_event ev = {
		.org_id = org, .outcome = AUDIT_SUCCESS, .actor_id = pro,
		.role = "professional", .purpose = "care", .kind = "trajectory",
	};
	struct promise_terms t;
	int64_t id = 0;
	int rc;

	memset(&t, 0, sizeof(t));
	t.reply_minutes = 480;
	t.tz = "Europe/Amsterdam";
	t.schedule = "mon-fri 09:00-17:00";
	t.reachable = "";
	t.holidays = "";
	t.not_reachable = "";
	t.emergency = "";
	if ((rc = traj_create(g->db, g->kr, org, client, pro, "Traject", 0,
	    &t, &ev, NULL, &id)) != 0)
		fprintf(stderr, "traj_create: %s\n", err_msg(rc));
	return id;
}

static int
group_open(struct group *g)
{
	char email[64], tag[16];
	int i, rc;

	testdb_run_tag(tag, sizeof(tag));
	if (fixture_keyring(g->t, &g->kr) != 0)
		return -1;
#define USER(var, name, org, role) do { \
	snprintf(email, sizeof(email), "%s-%s@example.org", name, tag); \
	(var) = testdb_add_user(g->db, email, name); \
	if ((rc = member_add(g->db, org, var, role)) != 0) { \
		fprintf(stderr, "user %s: %s\n", name, err_msg(rc)); \
		return -1; \
	} \
} while (0)
	snprintf(email, sizeof(email), "p-%s", tag);
	if ((rc = org_create(g->db, g->kr, "Praktijk", email,
	    "Europe/Amsterdam", &g->org)) != 0)
		return -1;
	snprintf(email, sizeof(email), "q-%s", tag);
	if ((rc = org_create(g->db, g->kr, "Andere", email,
	    "Europe/Amsterdam", &g->org2)) != 0)
		return -1;
	USER(g->pro, "pro", g->org, ROLE_PROFESSIONAL);
	USER(g->pro2, "pro2", g->org, ROLE_PROFESSIONAL);
	USER(g->other_pro, "opro", g->org2, ROLE_PROFESSIONAL);
	USER(g->other_client, "ocli", g->org2, ROLE_CLIENT);
	for (i = 0; i < NCLIENTS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "client%d", i);
		USER(g->client[i], name, g->org, ROLE_CLIENT);
		if ((g->traj[i] = mktraj(g, g->org, g->client[i],
		    g->pro)) <= 0)
			return -1;
	}
#undef USER
	if ((g->other_traj = mktraj(g, g->org2, g->other_client,
	    g->other_pro)) <= 0)
		return -1;
	return 0;
}

static void
set_hours(int64_t org, int64_t pro, bool clients_book)
{
	struct appt_hours_text t = { "mon-sun 09:00-17:00", "", 60, 0, 0,
	    clients_book, 24 };
	struct why w = { 0 };

	assert_int_equal(appt_hours_set(G->db, org, pro, &t, &w), 0);
}

static int
clean(void **state)
{
	(void)state;
	assert_int_equal(testdb_script(G->db, "DELETE FROM appointment_tasks; "
	    "DELETE FROM appointments; DELETE FROM appointment_hours; "
	    "DELETE FROM appointment_feeds; DELETE FROM notifications;"), 0);
	set_hours(G->org, G->pro, true);
	return 0;
}

static int64_t
count(const char *sql)
{
	return testdb_i64(G->db, sql, 0, 0, 0);
}

/* The first open slot of pro at least `days` ahead. */
static time_t
slot_ahead(int days, size_t k)
{
	time_t now = time(NULL), s[64];
	size_t n = 0;

	assert_int_equal(appt_open_slots(G->db, G->org, G->pro, amsterdam(),
	    now, now + (time_t)days * 86400, now + (time_t)(days + 3) * 86400,
	    s, 64, &n), 0);
	assert_true(n > k);
	return s[k];
}

static void
test_book_and_refusals_write_nothing(void **state)
{
	struct appt_actor cli = actor(G->client[0], G->org, false);
	struct appt_actor pro = actor(G->pro, G->org, true);
	struct appt_actor alien = actor(G->other_pro, G->org2, true);
	struct appt_new n = { G->traj[0], G->pro, APPT_VIDEO, NULL, 0, 0 };
	struct appointment a;
	struct why w = { 0 };
	struct arena ar;
	time_t now = time(NULL), t = slot_ahead(3, 0);
	int64_t id = 0, id2 = 0;

	(void)state;
	arena_init(&ar);
	/* In the past. */
	n.starts_at = now - 3600 - now % 60;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "starts_at");
	/* Not one of the open times (a client). */
	n.starts_at = t + 60 * 7;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), ERR_INVAL);
	/* Face-to-face without a location; a location on a call. */
	n.starts_at = t;
	n.kind = APPT_VISIT;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "location");
	n.kind = APPT_PHONE;
	n.location = "Kamer 2";
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), ERR_INVAL);
	/* An impossible length (a professional). */
	n.location = NULL;
	n.minutes = 2000;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &pro, &n, now,
	    &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "minutes");
	n.minutes = 0;
	/* Another organisation's agenda. */
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &alien, &n, now,
	    &w, &id), ERR_NOTFOUND);
	n.traj_id = G->other_traj;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), ERR_NOTFOUND);
	/* A professional who is not in the trajectory. */
	n.traj_id = G->traj[0];
	n.prof_id = G->pro2;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "professional");
	assert_int_equal(count("SELECT COUNT(*) FROM appointments"), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM notifications"), 0);

	/* Booked: a reminder for the client, a notice for the professional. */
	n.prof_id = G->pro;
	n.kind = APPT_VISIT;
	n.location = "Kamer 2, Stationsplein 1";
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM notifications"), 2);
	assert_int_equal(appt_get(G->db, G->kr, id, &ar, &a), 0);
	assert_int_equal(a.status, APPT_BOOKED);
	assert_string_equal(a.location, "Kamer 2, Stationsplein 1");
	assert_int_equal(a.ends_at - a.starts_at, 3600);
	/* The location is sealed. */
	assert_int_equal(testdb_i64(G->db, "SELECT COUNT(*) FROM appointments "
	    "WHERE location LIKE '%Kamer%'", 0, 0, 0), 0);

	/* The same time for another client: just taken; and overlapping. */
	n.traj_id = G->traj[1];
	cli.user_id = G->client[1];
	memset(&w, 0, sizeof(w));
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id2), ERR_CONFLICT);
	assert_non_null(strstr(w.msg, "just taken"));
	n.starts_at = t + 1800;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &pro, &n, now,
	    &w, &id2), ERR_CONFLICT);
	assert_int_equal(count("SELECT COUNT(*) FROM appointments"), 1);
	/* The slot is no longer offered. */
	assert_true(slot_ahead(3, 0) != t);
	arena_release(&ar);
}

/* A client whose professional books themself asks; the professional
 * confirms. */
static void
test_request_then_confirm(void **state)
{
	struct appt_actor cli = actor(G->client[2], G->org, false);
	struct appt_actor pro = actor(G->pro, G->org, true);
	struct appt_new n = { G->traj[2], G->pro, APPT_PHONE, NULL, 0, 0 };
	struct appointment a;
	struct why w = { 0 };
	struct arena ar;
	time_t now = time(NULL);
	int64_t id = 0;

	(void)state;
	arena_init(&ar);
	set_hours(G->org, G->pro, false);
	n.starts_at = slot_ahead(2, 1);
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), 0);
	assert_int_equal(appt_get(G->db, G->kr, id, &ar, &a), 0);
	assert_int_equal(a.status, APPT_REQUESTED);
	assert_int_equal(appt_confirm(G->db, &cli, id, now, &w),
	    ERR_FORBIDDEN);
	assert_int_equal(appt_confirm(G->db, &pro, id, now, &w), 0);
	assert_int_equal(appt_get(G->db, G->kr, id, &ar, &a), 0);
	assert_int_equal(a.status, APPT_BOOKED);
	assert_int_equal(a.sequence, 1);
	arena_release(&ar);
}

static void
test_reschedule_moves_the_reminder(void **state)
{
	struct appt_actor cli = actor(G->client[3], G->org, false);
	struct appt_actor other = actor(G->client[4], G->org, false);
	struct appt_new n = { G->traj[3], G->pro, APPT_VIDEO, NULL, 0, 0 };
	struct appointment a, b;
	struct why w = { 0 };
	struct arena ar;
	time_t now = time(NULL), t1 = slot_ahead(4, 0), t2 = slot_ahead(5, 2);
	int64_t id = 0, rid;

	(void)state;
	arena_init(&ar);
	n.starts_at = t1;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), 0);
	rid = testdb_i64(G->db, "SELECT reminder_id FROM appointments "
	    "WHERE id = ?", 1, id, 0);
	assert_int_equal(testdb_i64(G->db, "SELECT hold_until FROM "
	    "notifications WHERE id = ?", 1, rid, 0), t1 - 24 * 3600);
	assert_int_equal(appt_get(G->db, G->kr, id, &ar, &a), 0);
	/* Another client may not move it. */
	assert_int_equal(appt_reschedule(G->db, amsterdam(), &other, id, t2,
	    now, &w), ERR_FORBIDDEN);
	/* Not to the past, not off the open times. */
	assert_int_equal(appt_reschedule(G->db, amsterdam(), &cli, id,
	    now - 600 - now % 60, now, &w), ERR_INVAL);
	assert_int_equal(appt_reschedule(G->db, amsterdam(), &cli, id, t2 + 60,
	    now, &w), ERR_INVAL);
	assert_int_equal(appt_reschedule(G->db, amsterdam(), &cli, id, t2, now,
	    &w), 0);
	assert_int_equal(appt_get(G->db, G->kr, id, &ar, &b), 0);
	assert_string_equal(a.uid, b.uid);
	assert_int_equal(b.sequence, a.sequence + 1);
	assert_int_equal(b.starts_at, t2);
	/* The reminder follows: the old one is gone, the new one is due a
	 * day before the new time. */
	assert_int_equal(testdb_i64(G->db, "SELECT COUNT(*) FROM notifications "
	    "WHERE hold_until = ?", 1, t1 - 24 * 3600, 0), 0);
	rid = testdb_i64(G->db, "SELECT reminder_id FROM appointments "
	    "WHERE id = ?", 1, id, 0);
	assert_int_equal(testdb_i64(G->db, "SELECT hold_until FROM "
	    "notifications WHERE id = ?", 1, rid, 0), t2 - 24 * 3600);
	arena_release(&ar);
}

static void
test_cancel_with_reason_late_and_noshow(void **state)
{
	struct appt_actor cli = actor(G->client[5], G->org, false);
	struct appt_actor pro = actor(G->pro, G->org, true);
	struct appt_new n = { G->traj[5], G->pro, APPT_PHONE, NULL, 0, 30 };
	struct appointment a;
	struct why w = { 0 };
	struct arena ar;
	time_t now = time(NULL) - time(NULL) % 60;
	int64_t id = 0, id2 = 0, *tasks;
	size_t nt;
	bool late = false;

	(void)state;
	arena_init(&ar);
	/* Two hours ahead, booked by the professional: cancelling now is
	 * late (within 24 hours). */
	n.starts_at = now + 7200;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &pro, &n, now,
	    &w, &id), 0);
	assert_int_equal(appt_cancel(G->db, G->kr, &cli, id, "  ", now, &w,
	    &late), ERR_INVAL);
	assert_string_equal(w.field, "reason");
	assert_int_equal(appt_cancel(G->db, G->kr, &cli, id, "Ziek geworden",
	    now, &w, &late), 0);
	assert_true(late);
	assert_int_equal(appt_get(G->db, G->kr, id, &ar, &a), 0);
	assert_int_equal(a.status, APPT_CANCELLED);
	assert_true(a.late);
	assert_string_equal(a.reason, "Ziek geworden");
	assert_int_equal(testdb_i64(G->db, "SELECT COUNT(*) FROM appointments "
	    "WHERE reason LIKE '%Ziek%'", 0, 0, 0), 0);
	/* No reminder is left for it. */
	assert_int_equal(count("SELECT COUNT(*) FROM notifications "
	    "WHERE hold_until > created_at"), 0);
	assert_int_equal(appt_cancel(G->db, G->kr, &cli, id, "again", now, &w,
	    &late), ERR_CONFLICT);
	/* Cancelled early: not late. */
	n.starts_at = now + 3 * 86400;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &pro, &n, now,
	    &w, &id), 0);
	assert_int_equal(appt_cancel(G->db, G->kr, &pro, id, "Agenda", now, &w,
	    &late), 0);
	assert_false(late);

	/* A no-show: only after the start, only by the professional; a task
	 * for them follows. */
	n.starts_at = now + 3600;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &pro, &n, now,
	    &w, &id2), 0);
	assert_int_equal(appt_noshow(G->db, &pro, id2, now, &w), ERR_INVAL);
	assert_int_equal(appt_noshow(G->db, &cli, id2, now + 7200, &w),
	    ERR_FORBIDDEN);
	assert_int_equal(appt_noshow(G->db, &pro, id2, now + 7200, &w), 0);
	assert_int_equal(appt_tasks(G->db, G->pro, &ar, &tasks, &nt), 0);
	assert_int_equal(nt, 1);
	assert_int_equal(tasks[0], id2);
	assert_int_equal(appt_task_done(G->db, G->pro, id2, now + 7300), 0);
	assert_int_equal(appt_tasks(G->db, G->pro, &ar, &tasks, &nt), 0);
	assert_int_equal(nt, 0);
	arena_release(&ar);
}

struct race {
	int i;
	time_t start;
	int rc;
	struct why w;
};

static void *
race_one(void *arg)
{
	struct race *r = arg;
	struct appt_actor cli = actor(G->client[r->i], G->org, false);
	struct appt_new n = { G->traj[r->i], G->pro, APPT_VIDEO, NULL,
	    r->start, 0 };
	int64_t id;

	r->rc = appt_book(G->db, G->kr, amsterdam(), &cli, &n, time(NULL),
	    &r->w, &id);
	return NULL;
}

/* Sixteen clients book one slot at once: one gets it, fifteen hear it
 * was just taken, and one row exists. */
static void
test_booking_race_one_winner(void **state)
{
	pthread_t th[NCLIENTS];
	struct race r[NCLIENTS];
	time_t t = slot_ahead(6, 3);
	int i, ok = 0, taken = 0;

	(void)state;
	for (i = 0; i < NCLIENTS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].i = i;
		r[i].start = t;
		assert_int_equal(pthread_create(&th[i], NULL, race_one, &r[i]),
		    0);
	}
	for (i = 0; i < NCLIENTS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NCLIENTS; i++) {
		if (r[i].rc == 0)
			ok++;
		else if (r[i].rc == ERR_CONFLICT && r[i].w.msg != NULL &&
		    strstr(r[i].w.msg, "just taken") != NULL)
			taken++;
		else
			fprintf(stderr, "client %d: %s\n", i,
			    err_msg(r[i].rc));
	}
	assert_int_equal(ok, 1);
	assert_int_equal(taken, NCLIENTS - 1);
	assert_int_equal(testdb_i64(G->db, "SELECT COUNT(*) FROM appointments "
	    "WHERE starts_at = ?", 1, t, 0), 1);
}

struct seen {
	int n;
	time_t first;
};

static int
seen_one(const struct appt_when *a, void *arg)
{
	struct seen *s = arg;

	if (s->n++ == 0)
		s->first = a->starts_at;
	return 0;
}

/* The hook other modules call: booked appointments of a trajectory in a
 * window, in order; cancelled ones are not in it. */
static void
test_window_hook(void **state)
{
	struct appt_actor cli = actor(G->client[6], G->org, false);
	struct appt_new n = { G->traj[6], G->pro, APPT_PHONE, NULL, 0, 0 };
	struct why w = { 0 };
	struct seen s = { 0, 0 };
	struct db_conn *c;
	time_t now = time(NULL), t1 = slot_ahead(8, 0), t2 = slot_ahead(8, 3);
	int64_t id1, id2;
	bool late;

	(void)state;
	n.starts_at = t2;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id2), 0);
	n.starts_at = t1;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id1), 0);
	assert_int_equal(db_read_begin(G->db, &c), 0);
	assert_int_equal(appt_window_on(c, G->traj[6], now, now + 30 * 86400,
	    seen_one, &s), 0);
	db_read_end(G->db, c);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.first, t1);
	assert_int_equal(appt_cancel(G->db, G->kr, &cli, id1, "x", now, &w,
	    &late), 0);
	s.n = 0;
	assert_int_equal(db_read_begin(G->db, &c), 0);
	assert_int_equal(appt_window_on(c, G->traj[6], now, now + 30 * 86400,
	    seen_one, &s), 0);
	db_read_end(G->db, c);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.first, t2);
}

/* --- Questionnaires around appointments (issues 11 and 13) --------------- */

/* A one-item instrument in the organisation's library. */
static int64_t
q_version(void)
{
	static const char text[] = "infuus-instrument 1\nid rond\n"
	    "version 1\ntitle nl: R\ntitle en: R\nsource: s\nlicence: l\n"
	    "scale s 0 3\nitem q1 s\ntext q1 nl: a\ntext q1 en: a\n";
	struct measure_env me = { G->db, G->kr };
	struct audit_event ev = {
		.org_id = G->org, .outcome = AUDIT_SUCCESS, .actor_id = G->pro,
		.role = "professional", .purpose = "care",
		.kind = "instrument", .node = "test",
	};
	struct instr_error e;
	int64_t vid = 0;

	assert_int_equal(measure_version_add(&me, G->org, G->pro, STR(text),
	    false, &ev, &vid, &e), 0);
	return vid;
}

static int64_t
q_give(int64_t traj, enum measure_schedule s, int hours, struct why *w)
{
	struct measure_env me = { G->db, G->kr };
	struct audit_event ev = {
		.org_id = G->org, .outcome = AUDIT_SUCCESS, .actor_id = G->pro,
		.role = "professional", .purpose = "care",
		.kind = "questionnaire", .node = "test",
	};
	int64_t qid = 0;
	int rc;

	rc = measure_assign(&me, traj, q_version(), s, hours, G->pro, &ev,
	    &qid, w);
	return rc == 0 ? qid : rc;
}

/* The questionnaire's due moment (0: not due). */
static int64_t
q_due(int64_t qid)
{
	struct measure_q q;
	struct arena ar;
	int64_t due;

	arena_init(&ar);
	assert_int_equal(measure_get(G->db, qid, &ar, &q), 0);
	due = q.due_at;
	arena_release(&ar);
	return due;
}

/* New notifications of the client from one reminder pass at `at`. */
static int64_t
remind_at(int64_t client, int64_t at)
{
	const char *sql = "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ?";
	int64_t before = testdb_i64(G->db, sql, 1, client, 0);

	assert_int_equal(measure_remind(G->db, at), 0);
	return testdb_i64(G->db, sql, 1, client, 0) - before;
}

/* "24 hours before each appointment": nothing before the moment, one
 * due questionnaire and one notification at it, nothing more after it;
 * "2 hours after" counts from the end. */
static void
test_questionnaire_around_appointments(void **state)
{
	struct appt_actor cli = actor(G->client[10], G->org, false);
	struct appt_new n = { G->traj[10], G->pro, APPT_VIDEO, NULL, 0, 0 };
	struct why w = { 0 };
	time_t now = time(NULL), t = slot_ahead(3, 0);
	int64_t id = 0, qid, qa, c = G->client[10], m, e;

	(void)state;
	/* refusals: no hours, too many */
	assert_int_equal(q_give(G->traj[10], MEASURE_BEFORE, 0, &w), ERR_INVAL);
	assert_string_equal(w.field, "hours");
	assert_int_equal(q_give(G->traj[10], MEASURE_AFTER,
	    LIMIT_MEASURE_APPT_HOURS + 1, &w), ERR_INVAL);
	assert_string_equal(w.field, "hours");
	assert_true((qid = q_give(G->traj[10], MEASURE_BEFORE, 24, &w)) > 0);
	assert_int_equal(q_due(qid), 0);
	n.starts_at = t;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), 0);
	m = (int64_t)t - 24 * 3600;
	assert_int_equal(remind_at(c, now), 0);
	assert_int_equal(remind_at(c, m - 3600), 0);
	assert_int_equal(q_due(qid), 0);
	assert_int_equal(remind_at(c, m), 1);
	assert_int_equal(q_due(qid), m);
	assert_int_equal(remind_at(c, m + 60), 0);
	assert_int_equal(remind_at(c, t + 7200), 0);
	assert_int_equal(testdb_i64(G->db, "SELECT COUNT(*) FROM "
	    "questionnaires WHERE trajectory_id = ? AND due_at IS NOT NULL",
	    1, G->traj[10], 0), 1);

	/* after the end (a 60-minute slot), on another trajectory */
	cli = actor(G->client[11], G->org, false);
	n.traj_id = G->traj[11];
	n.starts_at = t = slot_ahead(4, 0);
	c = G->client[11];
	assert_true((qa = q_give(G->traj[11], MEASURE_AFTER, 2, &w)) > 0);
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), 0);
	e = (int64_t)t + 3600 + 2 * 3600;
	assert_int_equal(remind_at(c, e - 1), 0);
	assert_int_equal(q_due(qa), 0);
	assert_int_equal(remind_at(c, e), 1);
	assert_int_equal(q_due(qa), e);
	assert_int_equal(remind_at(c, e + 3600), 0);
}

/* A cancelled appointment causes nothing. */
static void
test_questionnaire_cancelled_appointment(void **state)
{
	struct appt_actor cli = actor(G->client[12], G->org, false);
	struct appt_new n = { G->traj[12], G->pro, APPT_PHONE, NULL, 0, 0 };
	struct why w = { 0 };
	time_t now = time(NULL), t = slot_ahead(5, 0);
	int64_t id = 0, qid, c = G->client[12], m = (int64_t)t - 24 * 3600;
	bool late;

	(void)state;
	assert_true((qid = q_give(G->traj[12], MEASURE_BEFORE, 24, &w)) > 0);
	n.starts_at = t;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), 0);
	assert_int_equal(appt_cancel(G->db, G->kr, &cli, id, "ziek", now, &w,
	    &late), 0);
	assert_int_equal(remind_at(c, m - 60), 0);
	assert_int_equal(remind_at(c, m), 0);
	assert_int_equal(remind_at(c, t + 86400), 0);
	assert_int_equal(q_due(qid), 0);
}

/* An appointment moved to a later time after its moment made the
 * questionnaire due keeps its id and gets a new moment: it does not make
 * the questionnaire due a second time.  Another appointment still does. */
static void
test_questionnaire_rescheduled_later_once(void **state)
{
	struct appt_actor cli = actor(G->client[13], G->org, false);
	struct appt_new n = { G->traj[13], G->pro, APPT_VIDEO, NULL, 0, 0 };
	struct why w = { 0 };
	time_t now = time(NULL), t = slot_ahead(3, 0), t2, t3;
	int64_t id = 0, id2 = 0, qid, c = G->client[13], m, m2, m3;

	(void)state;
	assert_true((qid = q_give(G->traj[13], MEASURE_BEFORE, 2, &w)) > 0);
	n.starts_at = t;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id), 0);
	m = (int64_t)t - 2 * 3600;
	assert_int_equal(remind_at(c, m), 1);
	assert_int_equal(q_due(qid), m);
	/* moved a day and more later: its new moment passes unremarked */
	t2 = slot_ahead(5, 0);
	assert_true(t2 > t + 86400);
	assert_int_equal(appt_reschedule(G->db, amsterdam(), &cli, id, t2,
	    now, &w), 0);
	m2 = (int64_t)t2 - 2 * 3600;
	assert_int_equal(remind_at(c, m2), 0);
	assert_int_equal(remind_at(c, m2 + 3600), 0);
	assert_int_equal(q_due(qid), m);
	/* a second appointment does make it due again */
	t3 = slot_ahead(7, 0);
	n.starts_at = t3;
	assert_int_equal(appt_book(G->db, G->kr, amsterdam(), &cli, &n, now,
	    &w, &id2), 0);
	m3 = (int64_t)t3 - 2 * 3600;
	assert_int_equal(remind_at(c, m3), 1);
	assert_int_equal(q_due(qid), m3);
	assert_int_equal(testdb_i64(G->db, "SELECT COUNT(*) FROM "
	    "questionnaire_appt_taken WHERE questionnaire_id = ?", 1, qid, 0),
	    2);
}

static void
test_feed_token_and_revocation(void **state)
{
	struct buf tok = BUF_INIT, tok2 = BUF_INIT;
	int64_t org, prof;
	bool names, live;

	(void)state;
	assert_int_equal(appt_feed_create(G->db, G->org, G->pro, true,
	    time(NULL), &tok), 0);
	assert_int_equal(appt_feed_lookup(G->db, tok.p, &org, &prof, &names),
	    0);
	assert_int_equal(prof, G->pro);
	assert_int_equal(org, G->org);
	assert_true(names);
	/* Only the hash is stored (64 hex digits), not the token. */
	assert_int_equal(testdb_i64(G->db, "SELECT COUNT(*) FROM "
	    "appointment_feeds WHERE length(token_hash) <> 64", 0, 0, 0), 0);
	assert_true(tok.len != 64);
	/* A new token revokes the old one. */
	assert_int_equal(appt_feed_create(G->db, G->org, G->pro, false,
	    time(NULL), &tok2), 0);
	assert_int_equal(appt_feed_lookup(G->db, tok.p, &org, &prof, &names),
	    ERR_NOTFOUND);
	assert_int_equal(appt_feed_lookup(G->db, tok2.p, &org, &prof, &names),
	    0);
	assert_false(names);
	assert_int_equal(appt_feed_revoke(G->db, G->org, G->pro, time(NULL)),
	    0);
	assert_int_equal(appt_feed_lookup(G->db, tok2.p, &org, &prof, &names),
	    ERR_NOTFOUND);
	assert_int_equal(appt_feed_state(G->db, G->org, G->pro, &live, &names),
	    0);
	assert_false(live);
	assert_int_equal(appt_feed_lookup(G->db, "short", &org, &prof,
	    &names), ERR_NOTFOUND);
	buf_release(&tok);
	buf_release(&tok2);
}

static void
test_hours_refusals(void **state)
{
	struct appt_hours_text t = { "every day", "", 60, 0, 0, true, 24 };
	struct why w = { 0 };

	(void)state;
	assert_int_equal(appt_hours_set(G->db, G->org, G->pro2, &t, &w),
	    ERR_INVAL);
	assert_string_equal(w.field, "schedule");
	t.schedule = "mon 09:00-10:00";
	t.exceptions = "31-12-2026";
	assert_int_equal(appt_hours_set(G->db, G->org, G->pro2, &t, &w),
	    ERR_INVAL);
	assert_string_equal(w.field, "exceptions");
	t.exceptions = "";
	t.slot_minutes = 0;
	assert_int_equal(appt_hours_set(G->db, G->org, G->pro2, &t, &w),
	    ERR_INVAL);
	assert_string_equal(w.field, "slot_minutes");
	assert_int_equal(testdb_i64(G->db, "SELECT COUNT(*) FROM "
	    "appointment_hours WHERE professional_id = ?", 1, G->pro2, 0), 0);
}

#define DB_TEST(f) cmocka_unit_test_setup(f, clean)

static int
run(const char *name, struct testdb *t)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(test_book_and_refusals_write_nothing),
		DB_TEST(test_request_then_confirm),
		DB_TEST(test_reschedule_moves_the_reminder),
		DB_TEST(test_cancel_with_reason_late_and_noshow),
		DB_TEST(test_booking_race_one_winner),
		DB_TEST(test_window_hook),
		DB_TEST(test_questionnaire_around_appointments),
		DB_TEST(test_questionnaire_cancelled_appointment),
		DB_TEST(test_questionnaire_rescheduled_later_once),
		DB_TEST(test_feed_token_and_revocation),
		DB_TEST(test_hours_refusals),
	};
	struct group g;
	int failed = 1;

	memset(&g, 0, sizeof(g));
	g.t = t;
	g.db = t->db;
	G = &g;
	if (group_open(&g) == 0)
		failed = cmocka_run_group_tests_name(name, tests, NULL, NULL);
	if (g.kr)
		keyring_free(g.kr);
	G = NULL;
	return failed;
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_weekly_slots_follow_dst),
		cmocka_unit_test(test_night_window_on_the_change_days),
		cmocka_unit_test(test_busy_buffers_exceptions_and_the_past),
		cmocka_unit_test(test_ical_round_trip),
		cmocka_unit_test(test_rfc_examples_import),
		cmocka_unit_test(test_invitation_mail_has_a_calendar_part),
	};

	return fixture_main("appointment", pure,
	    sizeof(pure) / sizeof(pure[0]), 0, run);
}
