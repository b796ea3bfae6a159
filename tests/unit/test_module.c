/*
 * test_module.c - self-help modules (issue 12): the source format parsed
 * into sessions of pages, and its refusals with the line and the reason;
 * on SQLite and, with INFUUS_TEST_PG, on PostgreSQL: versions (a client
 * keeps the one they started), timing (every N days, after the one
 * before, on a date), the parts people play, answers sealed, reminders
 * sent once, authorisation through authz.
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

#include "appointment/appointment.h"
#include "assistant/assistant.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "instrument/measure.h"
#include "instrument/shipped.h"
#include "keys/keyring.h"
#include "library/library.h"
#include "module/module.h"
#include "package/package.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "testdb.h"

#ifndef INFUUS_SOURCE_ROOT
#define INFUUS_SOURCE_ROOT "."
#endif

static const char good[] =
    "@session Spanning\n"
    "@page text Welkom\n"
    "\n"
    "Stress is **gewoon**.\n"
    "@@ is een apenstaartje\n"
    "\n"
    "@page choice Hoe vaak?\n"
    "Kies er een.\n"
    "@option Vaak\n"
    "@option Zelden\n"
    "@session Rust\n"
    "@page questionnaire Meting\n"
    "@instrument who-5\n"
    "@page free Vraag\n"
    "Wat merk je?";

static void
parses_sessions_pages_and_options(void **state)
{
	struct mod_content c;
	struct arena a;
	struct why w = { 0 };

	(void)state;
	arena_init(&a);
	assert_int_equal(mod_parse(str_c(good), &a, &c, &w), 0);
	assert_int_equal(c.nsessions, 2);
	assert_string_equal(c.sessions[0].title, "Spanning");
	assert_int_equal(c.sessions[0].npages, 2);
	assert_int_equal(c.sessions[0].pages[0].kind, MOD_PAGE_TEXT);
	assert_string_equal(c.sessions[0].pages[0].title, "Welkom");
	/* blank lines around a body cut; "@@" is a literal "@" */
	assert_string_equal(c.sessions[0].pages[0].body,
	    "Stress is **gewoon**.\n@ is een apenstaartje");
	assert_int_equal(c.sessions[0].pages[1].kind, MOD_PAGE_CHOICE);
	assert_int_equal(c.sessions[0].pages[1].noptions, 2);
	assert_string_equal(c.sessions[0].pages[1].options[1], "Zelden");
	assert_string_equal(c.sessions[0].pages[1].body, "Kies er een.");
	assert_int_equal(c.sessions[1].pages[0].kind, MOD_PAGE_QUESTIONNAIRE);
	assert_string_equal(c.sessions[1].pages[0].instrument, "who-5");
	/* the last page keeps its text without a newline at the end */
	assert_string_equal(c.sessions[1].pages[1].body, "Wat merk je?");
	arena_release(&a);
}

/* A library page: the item's number on its @item line; the body comes
 * before the item.  Whether the organisation may show the item is the
 * black-box suite's (LibSend): it needs the library's rows. */
static void
parses_library_pages(void **state)
{
	static const char *bad[] = {
		"@session S\n@page library L\nno item\n",
		"@session S\n@page library L\n@item\n",
		"@session S\n@page library L\n@item 0\n",
		"@session S\n@page library L\n@item 7x\n",
		"@session S\n@page library L\n@item 7\n@item 8\n",
		"@session S\n@page text T\n@item 7\n",
	};
	struct mod_content c;
	struct arena a;
	struct why w = { 0 };
	size_t i;

	(void)state;
	arena_init(&a);
	assert_int_equal(mod_parse(str_c("@session S\n@page text T\nHoi.\n"
	    "@page library Lezen\nLees dit eerst.\n@item 42\n"), &a, &c,
	    &w), 0);
	assert_int_equal(c.sessions[0].pages[1].kind, MOD_PAGE_LIBRARY);
	assert_int_equal(c.sessions[0].pages[1].item_id, 42);
	assert_int_equal(c.sessions[0].pages[1].line, 6);
	assert_string_equal(c.sessions[0].pages[1].body, "Lees dit eerst.");
	assert_false(mod_page_is_exercise(MOD_PAGE_LIBRARY));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&w, 0, sizeof(w));
		assert_int_equal(mod_parse(str_c(bad[i]), &a, &c, &w),
		    ERR_INVAL);
		assert_non_null(w.msg);
	}
	arena_release(&a);
}

/* A media page: its kind, file and alternative; the body its caption. */
static void
parses_media_pages(void **state)
{
	static const char *bad[] = {
		"@session S\n@page media M\nno file\n",
		"@session S\n@page media M\n@media picture 3 A dot\n",
		"@session S\n@page media M\n@media image 0 A dot\n",
		"@session S\n@page media M\n@media image 3x A dot\n",
		"@session S\n@page media M\n@media image 3\n",
		"@session S\n@page media M\n@media image 3 A\n"
		    "@media image 4 B\n",
		"@session S\n@page text T\n@media image 3 A dot\n",
	};
	struct mod_content c;
	struct arena a;
	struct why w = { 0 };
	size_t i;

	(void)state;
	arena_init(&a);
	assert_int_equal(mod_parse(str_c("@session S\n@page media Lijn\n"
	    "@media video 42 Een film van een lijn\nTranscript.\n"), &a, &c,
	    &w), 0);
	assert_int_equal(c.sessions[0].pages[0].kind, MOD_PAGE_MEDIA);
	assert_int_equal(c.sessions[0].pages[0].media_kind, MOD_MEDIA_VIDEO);
	assert_int_equal(c.sessions[0].pages[0].media_id, 42);
	assert_string_equal(c.sessions[0].pages[0].alt, "Een film van een lijn");
	assert_string_equal(c.sessions[0].pages[0].body, "Transcript.");
	assert_false(mod_page_is_exercise(MOD_PAGE_MEDIA));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&w, 0, sizeof(w));
		assert_int_equal(mod_parse(str_c(bad[i]), &a, &c, &w),
		    ERR_INVAL);
		assert_non_null(w.msg);
	}
	arena_release(&a);
}

static void
last_page_keeps_its_text(void **state)
{
	struct mod_content c;
	struct arena a;

	(void)state;
	arena_init(&a);
	assert_int_equal(mod_parse(str_c("@session A\n@page text B\n"
	    "Tweede dag.\n"), &a, &c, NULL), 0);
	assert_int_equal(c.nsessions, 1);
	assert_string_equal(c.sessions[0].pages[0].body, "Tweede dag.");
	arena_release(&a);
}

struct bad {
	const char *src;
	int err;
	int line;
	const char *says;        /* a word of the reason */
};

static void
refuses_with_line_and_reason(void **state)
{
	static const struct bad cases[] = {
		{ "@page text X\nTekst\n", ERR_INVAL, 1, "before the first" },
		{ "Tekst zonder sessie\n", ERR_INVAL, 1, "before the first" },
		{ "@session\n@page text X\n", ERR_INVAL, 1, "title" },
		{ "@session A\n@page video X\n", ERR_INVAL, 2, "unknown kind" },
		{ "@session A\n@page choice X\n@option Een\n", ERR_INVAL, 2,
		    "two @option" },
		{ "@session A\n@page text X\n@option Een\n", ERR_INVAL, 3,
		    "@option belongs" },
		{ "@session A\n@page questionnaire X\n", ERR_INVAL, 2,
		    "@instrument" },
		{ "@session A\n@session B\n@page text X\n", ERR_INVAL, 2,
		    "at least one page" },
		{ "@session A\n@page text X\n@bold\n", ERR_INVAL, 3, "@@" },
		{ "@session A\n@page text X\nbel\x01\n", ERR_INVAL, 0,
		    "cannot be stored" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mod_content c;
		struct arena a;
		struct why w = { 0 };

		arena_init(&a);
		assert_int_equal(mod_parse(str_c(cases[i].src), &a, &c, &w),
		    cases[i].err);
		assert_non_null(w.msg);
		assert_string_equal(w.field, "source");
		if (cases[i].line)
			assert_int_equal(w.limit, cases[i].line);
		if (strstr(w.msg, cases[i].says) == NULL)
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i,
			    w.msg, cases[i].says);
		assert_int_equal(c.nsessions, 0);
		arena_release(&a);
	}
}

static void
refuses_past_the_limits(void **state)
{
	struct arena a;
	struct mod_content c;
	struct why w = { 0 };
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	arena_init(&a);
	for (i = 0; i <= LIMIT_MOD_SESSIONS; i++)
		buf_printf(&b, "@session S%d\n@page text P\n", i);
	assert_int_equal(mod_parse((struct str){ b.p, b.len }, &a, &c, &w),
	    ERR_TOOMANY);
	assert_int_equal(w.limit, LIMIT_MOD_SESSIONS);
	buf_reset(&b);
	buf_adds(&b, "@session S\n");
	for (i = 0; i <= LIMIT_MOD_PAGES; i++)
		buf_adds(&b, "@page text P\n");
	assert_int_equal(mod_parse((struct str){ b.p, b.len }, &a, &c, &w),
	    ERR_TOOMANY);
	assert_int_equal(w.limit, LIMIT_MOD_PAGES);
	buf_reset(&b);
	buf_adds(&b, "@session S\n@page text P\n");
	while (b.len <= LIMIT_MOD_SOURCE)
		buf_adds(&b, "Een regel tekst die de module te lang maakt.\n");
	assert_int_equal(mod_parse((struct str){ b.p, b.len }, &a, &c, &w),
	    ERR_TOOBIG);
	/* empty: a draft may be empty (nothing to publish yet) */
	assert_int_equal(mod_parse(str_c(""), &a, &c, &w), 0);
	assert_int_equal(c.nsessions, 0);
	buf_release(&b);
	arena_release(&a);
}

static void
timing_names_round_trip(void **state)
{
	enum mod_timing t;
	int i;

	(void)state;
	for (i = MOD_ALL; i <= MOD_DATES; i++) {
		assert_int_equal(mod_timing_parse(mod_timing_name(i), &t), 0);
		assert_int_equal((int)t, i);
	}
	assert_int_equal(mod_timing_parse("weekly", &t), ERR_INVAL);
	assert_null(mod_timing_name(MOD_DATES + 1));
}

/* --- on a database ---------------------------------------------------------- */

enum { PRO, CLIENT, CLIENT2, ADMIN, OTHER_PRO, NPEOPLE };

static const struct {
	const char *name;
	enum role role;
	int org;                 /* 0: the practice, 1: elsewhere */
} people[NPEOPLE] = {
	[PRO] = { "Pro", ROLE_PROFESSIONAL, 0 },
	[CLIENT] = { "Client", ROLE_CLIENT, 0 },
	[CLIENT2] = { "Client Two", ROLE_CLIENT, 0 },
	[ADMIN] = { "Admin", ROLE_ADMIN, 0 },
	[OTHER_PRO] = { "Other Pro", ROLE_PROFESSIONAL, 1 },
};

struct group {
	struct testdb *t;
	struct db *db;
	struct keyring *kr;
	int64_t uid[NPEOPLE];
	int64_t org[2];
};

/* A fixed now, far enough ahead of the clock. */
#define NOW ((time_t)2000000000)
#define DAY 86400

static const char three[] =
    "@session Een\n@page free Vraag\nWat merk je?\n"
    "@session Twee\n@page choice Keuze\n@option Ja\n@option Nee\n"
    "@session Drie\n@page text Slot\nKlaar.\n";

static struct audit_event
ev_for(struct group *g, int who)
{
	struct audit_event ev = {
		.org_id = g->org[people[who].org],
		.outcome = AUDIT_SUCCESS,
		.actor_id = g->uid[who],
		.role = role_name(people[who].role),
		.purpose = people[who].role == ROLE_CLIENT ? "client-self" :
		    "care",
		.address = "192.0.2.9",
		.device = "test",
		.kind = "module",
		.node = "node-a",
	};

	return ev;
}

static int64_t
traj_for(struct group *g, int client)
{
	struct audit_event ev = ev_for(g, PRO);
	struct promise_terms t;
	int64_t id = 0;

	memset(&t, 0, sizeof(t));
	t.reply_minutes = 8 * 60;
	t.tz = "Europe/Amsterdam";
	t.schedule = "mon-fri 09:00-17:00";
	t.reachable = "";
	t.holidays = "";
	t.contact_days = 7;
	t.not_reachable = "";
	t.emergency = "";
	assert_int_equal(traj_create(g->db, g->kr, g->org[0], g->uid[client],
	    g->uid[PRO], "Traject", 0, &t, &ev, NULL, &id), 0);
	return id;
}

static int64_t
published(struct group *g, const char *title, const char *src)
{
	struct mod_env env = { g->db, g->kr };
	struct audit_event ev = ev_for(g, PRO);
	int64_t id = 0, n = 0;

	assert_int_equal(mod_create(&env, g->org[0], g->uid[PRO], str_c(title),
	    str_c(src), &ev, NULL, &id), 0);
	assert_int_equal(mod_publish(&env, id, g->uid[PRO], &ev, NULL, &n), 0);
	assert_int_equal(n, 1);
	return id;
}

static int64_t
give(struct group *g, int64_t traj, int64_t mod, enum mod_timing t,
    int every, int64_t at, time_t now)
{
	struct mod_env env = { g->db, g->kr };
	struct audit_event ev = ev_for(g, PRO);
	struct mod_plan plan = { true, t, every, at, 0 };
	int64_t run = 0;

	assert_int_equal(mod_assign(&env, traj, mod, g->uid[PRO], &plan, now,
	    &ev, NULL, &run), 0);
	return run;
}

static struct mod_run
progress(struct group *g, int64_t traj, int64_t run, time_t now)
{
	struct mod_run *r = NULL;
	struct arena a;
	struct mod_run out;
	size_t n = 0, i;

	memset(&out, 0, sizeof(out));
	arena_init(&a);
	assert_int_equal(mod_runs(g->db, traj, now, &a, &r, &n), 0);
	for (i = 0; i < n; i++)
		if (r[i].id == run)
			out = r[i];
	arena_release(&a);
	assert_int_equal(out.id, run);
	out.title = NULL;
	return out;
}

static void
test_a_client_keeps_the_version_they_started(void **state)
{
	struct group *g = *state;
	struct mod_env env = { g->db, g->kr };
	struct audit_event ev = ev_for(g, PRO), evc = ev_for(g, CLIENT);
	struct mod_run_view v;
	struct why w = { 0 };
	struct arena a;
	int64_t mod, t1, t2, r1, r2, n = 0;

	arena_init(&a);
	mod = published(g, "Versies", three);
	/* publishing the same draft again is refused with the reason */
	assert_int_equal(mod_publish(&env, mod, g->uid[PRO], &ev, &w, &n),
	    ERR_CONFLICT);
	assert_int_equal(w.limit, 1);
	t1 = traj_for(g, CLIENT);
	t2 = traj_for(g, CLIENT2);
	r1 = give(g, t1, mod, MOD_ALL, 0, 0, NOW);
	r2 = give(g, t2, mod, MOD_ALL, 0, 0, NOW);
	/* the first client starts on version 1 */
	assert_int_equal(mod_run_view(&env, r1, g->uid[CLIENT], NOW, &evc, &a,
	    &v), 0);
	assert_int_equal(v.run.version_n, 1);
	assert_int_equal(v.run.nsessions, 3);
	/* version 2 has two sessions */
	assert_int_equal(mod_draft_save(&env, mod, g->uid[PRO],
	    str_c("Versies"), str_c("@session Alleen\n@page text A\nB\n"
	    "@session Nog een\n@page text C\nD\n"), &ev, NULL), 0);
	assert_int_equal(mod_publish(&env, mod, g->uid[PRO], &ev, NULL, &n), 0);
	assert_int_equal(n, 2);
	/* the client who started keeps theirs; one who did not yet gets the
	 * newest when they start */
	assert_int_equal(mod_run_view(&env, r1, g->uid[CLIENT], NOW + 60, &evc,
	    &a, &v), 0);
	assert_int_equal(v.run.version_n, 1);
	assert_int_equal(v.run.nsessions, 3);
	evc = ev_for(g, CLIENT2);
	assert_int_equal(mod_run_view(&env, r2, g->uid[CLIENT2], NOW + 60, &evc,
	    &a, &v), 0);
	assert_int_equal(v.run.version_n, 2);
	assert_int_equal(v.run.nsessions, 2);
	assert_string_equal(v.content.sessions[1].title, "Nog een");
	/* two views a minute apart: a minute of active time */
	assert_int_equal(mod_run_view(&env, r2, g->uid[CLIENT2], NOW + 120,
	    &evc, &a, &v), 0);
	assert_int_equal(v.run.active_seconds, 60);
	assert_int_equal(v.run.last_at, NOW + 120);
	arena_release(&a);
}

static void
test_timing_opens_sessions_on_schedule(void **state)
{
	struct group *g = *state;
	struct mod_env env = { g->db, g->kr };
	struct audit_event evc = ev_for(g, CLIENT);
	struct mod_run m;
	struct why w = { 0 };
	int64_t mod, t, every, after, date;

	mod = published(g, "Tijd", three);
	t = traj_for(g, CLIENT);
	every = give(g, t, mod, MOD_EVERY, 2, 0, NOW);
	after = give(g, t, mod, MOD_AFTER, 0, 0, NOW);
	date = give(g, t, mod, MOD_DATE, 0, NOW + 3600, NOW);
	/* every two days: one at the start, the next two days on */
	m = progress(g, t, every, NOW);
	assert_int_equal(m.opened, 1);
	assert_int_equal(m.current, 0);
	assert_int_equal(m.next_opens_at, NOW + 2 * DAY);
	assert_int_equal(progress(g, t, every, NOW + 2 * DAY - 1).opened, 1);
	assert_int_equal(progress(g, t, every, NOW + 2 * DAY).opened, 2);
	assert_int_equal(progress(g, t, every, NOW + 9 * DAY).opened, 3);
	/* the next after finishing the one before: not by the clock */
	assert_int_equal(progress(g, t, after, NOW + 30 * DAY).opened, 1);
	assert_int_equal(mod_answer(&env, after, g->uid[CLIENT], 1, 0,
	    str_c("1"), NOW + 10, &evc, &w, NULL), ERR_CONFLICT);
	assert_non_null(w.msg);
	assert_int_equal(mod_finish(&env, after, g->uid[CLIENT], 0, NOW + 10,
	    &evc, NULL), 0);
	m = progress(g, t, after, NOW + 11);
	assert_int_equal(m.opened, 2);
	assert_int_equal(m.done, 1);
	assert_int_equal(m.current, 1);
	assert_int_equal(mod_finish(&env, after, g->uid[CLIENT], 0, NOW + 12,
	    &evc, &w), ERR_CONFLICT);
	/* on a date: nothing before, everything at once after */
	assert_int_equal(progress(g, t, date, NOW + 3599).opened, 0);
	assert_int_equal(progress(g, t, date, NOW + 3600).opened, 3);
}

/* Each session N hours before the start (or after the end) of the k-th
 * booked appointment from the run's start on (appt_window_on). */
static void
test_sessions_around_appointments(void **state)
{
	struct group *g = *state;
	struct mod_env env = { g->db, g->kr };
	struct audit_event ev = ev_for(g, PRO);
	struct appt_actor pro = { g->uid[PRO], g->org[0], true,
	    "professional", "192.0.2.9", "test" };
	struct mod_plan before = { true, MOD_APPT, 0, 0, -2 };
	struct mod_plan after = { false, MOD_APPT, 0, 0, 3 };
	struct tz *tz = NULL;
	struct why w = { 0 };
	time_t a1 = NOW + DAY - NOW % 60, a2 = NOW + 3 * DAY - NOW % 60;
	int64_t mod, t, rb = 0, ra = 0, id = 0;
	struct mod_run m;

	assert_int_equal(tz_load("Europe/Amsterdam", &tz), 0);
	mod = published(g, "Afspraken", three);
	t = traj_for(g, CLIENT);
	assert_int_equal(mod_assign(&env, t, mod, g->uid[PRO], &before, NOW,
	    &ev, NULL, &rb), 0);
	assert_int_equal(mod_assign(&env, t, mod, g->uid[PRO], &after, NOW,
	    &ev, NULL, &ra), 0);
	/* no appointment yet: nothing opens, whatever the clock */
	m = progress(g, t, rb, NOW + 10 * DAY);
	assert_int_equal(m.opened, 0);
	assert_int_equal(m.next_opens_at, 0);
	{
		struct appt_new n1 = { t, g->uid[PRO], APPT_VIDEO, NULL, a1, 60 };
		struct appt_new n2 = { t, g->uid[PRO], APPT_VIDEO, NULL, a2, 60 };

		assert_int_equal(appt_book(g->db, g->kr, tz, &pro, &n1, NOW, &w,
		    &id), 0);
		assert_int_equal(appt_book(g->db, g->kr, tz, &pro, &n2, NOW, &w,
		    &id), 0);
	}
	/* two hours before each start */
	m = progress(g, t, rb, NOW);
	assert_int_equal(m.opened, 0);
	assert_int_equal(m.next_opens_at, a1 - 2 * 3600);
	assert_int_equal(progress(g, t, rb, a1 - 2 * 3600 - 1).opened, 0);
	assert_int_equal(progress(g, t, rb, a1 - 2 * 3600).opened, 1);
	m = progress(g, t, rb, a2 - 2 * 3600);
	assert_int_equal(m.opened, 2);
	/* a third session waits for a third appointment */
	assert_int_equal(m.next_opens_at, 0);
	/* three hours after each end (an hour long) */
	assert_int_equal(progress(g, t, ra, a1 + 4 * 3600 - 1).opened, 0);
	assert_int_equal(progress(g, t, ra, a1 + 4 * 3600).opened, 1);
	/* a timing without its hours is refused with the reason */
	before.appt_hours = 0;
	assert_int_equal(mod_assign(&env, t, mod, g->uid[PRO], &before, NOW,
	    &ev, &w, &rb), ERR_INVAL);
	assert_string_equal(w.field, "hours");
	tz_free(tz);
}

static void
test_parts_sealing_and_reminders(void **state)
{
	struct group *g = *state;
	struct mod_env env = { g->db, g->kr };
	struct audit_event evc = ev_for(g, CLIENT), evp = ev_for(g, PRO);
	struct mod_run_view v;
	struct buf box = BUF_INIT;
	struct why w = { 0 };
	struct arena a;
	int64_t mod, t, run;
	int count = -1;

	arena_init(&a);
	mod = published(g, "Geheim", three);
	t = traj_for(g, CLIENT);
	run = give(g, t, mod, MOD_EVERY, 1, 0, NOW);
	/* only the client answers; only a professional gives feedback */
	assert_int_equal(mod_answer(&env, run, g->uid[PRO], 0, 0,
	    str_c("pro"), NOW, &evp, &w, NULL), ERR_FORBIDDEN);
	assert_int_equal(mod_answer(&env, run, g->uid[CLIENT], 0, 0,
	    str_c("kwetsbaarheidsgeheim"), NOW, &evc, &w, NULL), 0);
	assert_int_equal(mod_feedback(&env, run, g->uid[CLIENT], 0,
	    str_c("zelf"), NOW, &evc, &w), ERR_FORBIDDEN);
	assert_int_equal(mod_feedback(&env, run, g->uid[PRO], 0,
	    str_c("Mooi gezegd"), NOW, &evp, &w), 0);
	/* sealed at rest, opened for the people in the trajectory */
	testdb_blob(g->db, "SELECT body_box FROM module_answers WHERE run_id "
	    "= ?", run, &box);
	assert_true(box.len > 0);
	assert_null(memmem(box.p, box.len, "kwetsbaarheidsgeheim", 20));
	buf_reset(&box);
	testdb_blob(g->db, "SELECT feedback_box FROM module_session_state "
	    "WHERE run_id = ?", run, &box);
	assert_null(memmem(box.p, box.len, "Mooi gezegd", 11));
	buf_release(&box);
	assert_int_equal(mod_run_view(&env, run, g->uid[PRO], NOW, &evp, &a,
	    &v), 0);
	assert_string_equal(v.sessions[0].answers[0].body,
	    "kwetsbaarheidsgeheim");
	assert_string_equal(v.sessions[0].feedback, "Mooi gezegd");
	assert_false(v.sessions[0].answers[0].waiting);
	/* reminders: once per session that opened */
	assert_int_equal(mod_remind(g->db, NOW, NULL), 0);
	assert_int_equal(mod_remind(g->db, NOW, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(testdb_i64(g->db, "SELECT reminded FROM module_runs "
	    "WHERE id = ?", 1, run, 0), 1);
	/* (runs of the tests before remind too: counted over all) */
	assert_int_equal(mod_remind(g->db, NOW + DAY, &count), 0);
	assert_true(count >= 1);
	assert_int_equal(mod_remind(g->db, NOW + DAY, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(testdb_i64(g->db, "SELECT reminded FROM module_runs "
	    "WHERE id = ?", 1, run, 0), 2);
	/* every read and change of the client's data is in the access log */
	assert_true(testdb_i64(g->db, "SELECT COUNT(*) FROM audit_log WHERE "
	    "kind = 'module' AND object_id = ? AND client_id = ?", 2, run,
	    g->uid[CLIENT]) >= 4);
	arena_release(&a);
}

static void
test_authorisation_through_authz(void **state)
{
	struct group *g = *state;
	struct principal pro = { g->uid[PRO], g->org[0], ROLE_PROFESSIONAL,
	    true };
	struct principal cli = { g->uid[CLIENT], g->org[0], ROLE_CLIENT, true };
	struct principal cli2 = { g->uid[CLIENT2], g->org[0], ROLE_CLIENT,
	    true };
	struct principal adm = { g->uid[ADMIN], g->org[0], ROLE_ADMIN, true };
	struct principal other = { g->uid[OTHER_PRO], g->org[1],
	    ROLE_PROFESSIONAL, true };
	int64_t mod, t, run;

	mod = published(g, "Toegang", three);
	t = traj_for(g, CLIENT);
	run = give(g, t, mod, MOD_ALL, 0, 0, NOW);
	/* the library: the organisation's staff */
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_UPDATE, AUTHZ_MODULE,
	    mod), 0);
	assert_int_equal(authz_check(g->db, &adm, AUTHZ_READ, AUTHZ_MODULE,
	    mod), 0);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_READ, AUTHZ_MODULE,
	    mod), ERR_FORBIDDEN);
	assert_int_equal(authz_check(g->db, &other, AUTHZ_READ, AUTHZ_MODULE,
	    mod), ERR_NOTFOUND);
	/* a run: the people of its trajectory only */
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_UPDATE,
	    AUTHZ_MODULE_RUN, run), 0);
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_READ,
	    AUTHZ_MODULE_RUN, run), 0);
	assert_int_equal(authz_check(g->db, &cli2, AUTHZ_READ,
	    AUTHZ_MODULE_RUN, run), ERR_NOTFOUND);
	assert_int_equal(authz_check(g->db, &adm, AUTHZ_READ,
	    AUTHZ_MODULE_RUN, run), ERR_NOTFOUND);
	assert_int_equal(authz_check(g->db, &other, AUTHZ_READ,
	    AUTHZ_MODULE_RUN, run), ERR_NOTFOUND);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_READ,
	    AUTHZ_MODULE_RUN, run + 1000), ERR_NOTFOUND);
}

/* A package of one questionnaire page naming instrument (line 8), parsed
 * as pkg_read would give it (no files: the page has an exercise only). */
static struct pkg_module *
pkg_naming(const char *instrument, struct arena *a)
{
	struct pkg_module *pm = NULL;
	struct pkg_error pe;
	char *m = arena_printf(a, "infuus-module 1\nid naming\nversion 1\n"
	    "lang en\ntitle: Naming\nsession: One\npage: Measure\n"
	    "exercise questionnaire q1 %s: How are you?\n", instrument);

	memset(&pe, 0, sizeof(pe));
	assert_int_equal(pkg_manifest_parse(m, strlen(m), a, &pm, &pe), 0);
	return pm;
}

static int64_t
count_of(struct group *g, const char *sql, int64_t org)
{
	struct db_conn *c = NULL;
	int64_t n = -1;

	assert_int_equal(db_read_begin(g->db, &c), 0);
	assert_int_equal(db_query_i64(c, sql, &n, 1, &org), 0);
	db_read_end(g->db, c);
	return n;
}

/* An imported package's questionnaires name instruments the importing
 * organisation may use: one of its library, or a shipped one (taken into
 * the library with the module, in the same job); another organisation's
 * own instrument or an unknown name is refused with the name and the
 * manifest's line, and nothing is stored. */
static void
test_import_checks_instruments(void **state)
{
	struct group *g = *state;
	struct mod_env env = { g->db, g->kr };
	struct audit_event ev = ev_for(g, PRO), oev = ev_for(g, OTHER_PRO);
	const char *share = INFUUS_SOURCE_ROOT "/share";
	struct instr_error ie;
	struct buf t = BUF_INIT;
	struct arena a;
	struct why w;
	int64_t id = 0, vid = 0, before, ibefore;
	const char *bad[] = { "no-such-scale", "eig-5" };
	char *p;
	size_t i;

	arena_init(&a);
	/* another organisation's own instrument "eig-5" (the WHO-5's text
	 * under a name of the same length): only that one may use it */
	assert_int_equal(instr_shipped_text(share, "who-5", &t), 0);
	buf_addch(&t, '\0');
	assert_non_null(p = strstr(t.p, "\nid who-5\n"));
	memcpy(p, "\nid eig-5\n", 10);
	memset(&ie, 0, sizeof(ie));
	assert_int_equal(measure_version_add(&(struct measure_env){ g->db,
	    g->kr }, g->org[1], g->uid[OTHER_PRO], (struct str){ t.p,
	    t.len - 1 }, false, &oev, &vid, &ie), 0);
	buf_release(&t);
	before = count_of(g, "SELECT COUNT(*) FROM modules WHERE org_id = ?",
	    g->org[0]);
	ibefore = count_of(g, "SELECT COUNT(*) FROM instrument_versions "
	    "WHERE org_id = ?", g->org[0]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&w, 0, sizeof(w));
		assert_int_equal(mod_import(&env, share, g->org[0],
		    g->uid[PRO], pkg_naming(bad[i], &a), &ev, &w, &id),
		    ERR_INVAL);
		assert_string_equal(w.field, "package");
		assert_non_null(w.name);
		assert_string_equal(w.name, bad[i]);
		assert_int_equal(w.limit, 8);
		assert_non_null(strstr(w.msg, "%s"));
		assert_int_equal(count_of(g, "SELECT COUNT(*) FROM modules "
		    "WHERE org_id = ?", g->org[0]), before);
	}
	/* the organisation that owns it imports the same package */
	memset(&w, 0, sizeof(w));
	assert_int_equal(mod_import(&env, share, g->org[1], g->uid[OTHER_PRO],
	    pkg_naming("eig-5", &a), &oev, &w, &id), 0);
	/* a shipped one enters the library with the module */
	assert_int_equal(mod_import(&env, share, g->org[0], g->uid[PRO],
	    pkg_naming("who-5", &a), &ev, &w, &id), 0);
	assert_int_equal(count_of(g, "SELECT COUNT(*) FROM instrument_versions "
	    "WHERE org_id = ?", g->org[0]), ibefore + 1);
	assert_int_equal(count_of(g, "SELECT COUNT(*) FROM modules WHERE "
	    "org_id = ?", g->org[0]), before + 1);
	/* taken in once: a second import uses the library's version */
	assert_int_equal(mod_import(&env, share, g->org[0], g->uid[PRO],
	    pkg_naming("who-5", &a), &ev, &w, &id), 0);
	assert_int_equal(count_of(g, "SELECT COUNT(*) FROM instrument_versions "
	    "WHERE org_id = ?", g->org[0]), ibefore + 1);
	arena_release(&a);
}

/* An item of org's library by who, published (and shared) or a draft. */
static int64_t
lib_item_of(struct group *g, struct assistant *as, int who,
    const char *title, bool publish, bool share)
{
	struct audit_event ev = ev_for(g, who);
	struct lib_input in = {
		.title = str_c(title), .summary = str_c("Kort."),
		.body = str_c("Slaap is **belangrijk**."), .tags = str_c(""),
		.audience = "clients", .lang = "nl", .level = "",
	};
	struct why w = { 0 };
	int64_t id = 0;

	assert_int_equal(lib_create(g->db, g->org[people[who].org], g->uid[who],
	    &in, NOW, &ev, &w, &id), 0);
	if (publish)
		assert_int_equal(lib_publish(g->db, as, id, true, NOW, &ev), 0);
	if (share)
		assert_int_equal(lib_share(g->db, as, id, true, &ev, &w), 0);
	return id;
}

/* A package page showing library item id under title (line 8). */
static struct pkg_module *
pkg_showing(int64_t id, const char *title, struct arena *a)
{
	struct pkg_module *pm = NULL;
	struct pkg_error pe;
	char *m = arena_printf(a, "infuus-module 1\nid showing\nversion 1\n"
	    "lang nl\ntitle: Lezen\nsession: Een\npage: Lees dit\n"
	    "library %lld: %s\n", (long long)id, title);

	memset(&pe, 0, sizeof(pe));
	assert_int_equal(pkg_manifest_parse(m, strlen(m), a, &pm, &pe), 0);
	return pm;
}

/* An imported package's library pages name items the importing
 * organisation may show its clients, under their titles: its own
 * published ones and shared ones; a draft, another organisation's
 * private item, no such item or another title is refused with the title
 * and the manifest's line, and nothing is stored. */
static void
test_import_checks_library_items(void **state)
{
	struct group *g = *state;
	struct mod_env env = { g->db, g->kr };
	struct audit_event ev = ev_for(g, PRO);
	struct assistant *as = NULL;
	struct arena a;
	struct why w;
	int64_t id = 0, own, draft, theirs, shared, before;
	size_t i;

	assert_int_equal(assistant_load(INFUUS_SOURCE_ROOT "/share", &as), 0);
	arena_init(&a);
	own = lib_item_of(g, as, PRO, "Beter slapen", true, false);
	draft = lib_item_of(g, as, PRO, "Nog niet af", false, false);
	theirs = lib_item_of(g, as, OTHER_PRO, "Van elders", true, false);
	shared = lib_item_of(g, as, OTHER_PRO, "Voor iedereen: rust", true,
	    true);
	{
		const struct { int64_t id; const char *title; } bad[] = {
			{ draft, "Nog niet af" },
			{ theirs, "Van elders" },
			{ own + 100000, "Beter slapen" },
			{ own, "Beter slapen!" },
		};

		before = count_of(g, "SELECT COUNT(*) FROM modules WHERE "
		    "org_id = ?", g->org[0]);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&w, 0, sizeof(w));
			assert_int_equal(mod_import(&env, NULL, g->org[0],
			    g->uid[PRO], pkg_showing(bad[i].id, bad[i].title,
			    &a), &ev, &w, &id), ERR_INVAL);
			assert_string_equal(w.field, "package");
			assert_non_null(w.name);
			assert_string_equal(w.name, bad[i].title);
			assert_int_equal(w.limit, 8);
			assert_int_equal(count_of(g, "SELECT COUNT(*) FROM "
			    "modules WHERE org_id = ?", g->org[0]), before);
		}
	}
	/* its own published item, and a shared one, become library pages */
	assert_int_equal(mod_import(&env, NULL, g->org[0], g->uid[PRO],
	    pkg_showing(own, "Beter slapen", &a), &ev, &w, &id), 0);
	assert_int_equal(mod_import(&env, NULL, g->org[0], g->uid[PRO],
	    pkg_showing(shared, "Voor iedereen: rust", &a), &ev, &w, &id), 0);
	{
		const char *title, *src;

		assert_int_equal(mod_version_source(g->db, id, 1, &a, &title,
		    &src), 0);
		assert_non_null(strstr(src, arena_printf(&a,
		    "@page library Lees dit\n@item %lld\n",
		    (long long)shared)));
	}
	/* the organisation that keeps the private item imports it */
	assert_int_equal(mod_import(&env, NULL, g->org[1], g->uid[OTHER_PRO],
	    pkg_showing(theirs, "Van elders", &a), &ev, &w, &id), 0);
	arena_release(&a);
	assistant_free(as);
}

static int
group_open(struct group *g)
{
	char email[128], tag[16];
	int i, rc;

	testdb_run_tag(tag, sizeof(tag));
	if ((rc = keyring_new(g->t->key, &g->kr)) != 0 ||
	    (rc = keyring_start(g->kr, g->db)) != 0) {
		fprintf(stderr, "keyring: %s\n", err_msg(rc));
		return -1;
	}
	if ((rc = org_create(g->db, g->kr, "Praktijk", "praktijk",
	    "Europe/Amsterdam", &g->org[0])) != 0 ||
	    (rc = org_create(g->db, g->kr, "Elders", "elders",
	    "Europe/Amsterdam", &g->org[1])) != 0) {
		fprintf(stderr, "org_create: %s\n", err_msg(rc));
		return -1;
	}
	for (i = 0; i < NPEOPLE; i++) {
		snprintf(email, sizeof(email), "m%d-%s@example.org", i, tag);
		if ((g->uid[i] = testdb_add_user(g->db, email,
		    people[i].name)) <= 0 ||
		    (rc = member_add(g->db, g->org[people[i].org], g->uid[i],
		    people[i].role)) != 0) {
			fprintf(stderr, "user: %s\n", err_msg(rc));
			return -1;
		}
	}
	return 0;
}

static int
run(const char *name, struct testdb *t)
{
	struct group g = { 0 };
	int failed = 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_a_client_keeps_the_version_they_started, &g),
		cmocka_unit_test_prestate(test_timing_opens_sessions_on_schedule, &g),
		cmocka_unit_test_prestate(test_sessions_around_appointments, &g),
		cmocka_unit_test_prestate(test_parts_sealing_and_reminders, &g),
		cmocka_unit_test_prestate(test_authorisation_through_authz, &g),
		cmocka_unit_test_prestate(test_import_checks_instruments, &g),
		cmocka_unit_test_prestate(test_import_checks_library_items, &g),
	};

	g.t = t;
	g.db = t->db;
	if (group_open(&g) == 0)
		failed = cmocka_run_group_tests_name(name, tests, NULL, NULL);
	if (g.kr)
		keyring_free(g.kr);
	return failed;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_sessions_pages_and_options),
		cmocka_unit_test(last_page_keeps_its_text),
		cmocka_unit_test(parses_media_pages),
		cmocka_unit_test(parses_library_pages),
		cmocka_unit_test(refuses_with_line_and_reason),
		cmocka_unit_test(refuses_past_the_limits),
		cmocka_unit_test(timing_names_round_trip),
	};

	int failed;

	if (crypto_init() != 0)
		return 1;
	failed = cmocka_run_group_tests_name("module source", tests, NULL,
	    NULL);
	failed += testdb_run_backends("module", 0, run);
	return failed != 0;
}
