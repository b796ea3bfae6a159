/*
 * test_outbox.c - e-mail notifications against a real SMTP server on
 * loopback (tests/unit/smtp_sink.py, aiosmtpd), on SQLite always and on
 * PostgreSQL too when INFUUS_TEST_PG holds a URL.
 *
 * Mails are counted per recipient: a shared PostgreSQL database may hold
 * pending notifications of other tests and runs, which a batch mails too.
 * Batches run with explicit instants in March 2026 (Europe/Amsterdam is
 * on CET then), except the test of the thread, which runs on the clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "mail/smtp.h"
#include "notify/outbox.h"
#include "promise/tz.h"
#include "queue/queue.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "testdb.h"
#include "testsmtp.h"

#define HOUR 3600

enum { PRO, U_NL, U_EN, U_DAILY, U_NONE, U_DISABLED, U_RETRY, U_LEASE,
	U_THREAD, NUSERS };

static const struct {
	const char *name;
	const char *lang;
} users[NUSERS] = {
	[PRO] = { "Pro Zender", "nl" },
	[U_NL] = { "Cliënt Een", "nl" },
	[U_EN] = { "Client Two", "en" },
	[U_DAILY] = { "Client Daily", "nl" },
	[U_NONE] = { "Client None", "en" },
	[U_DISABLED] = { "Client Gone", "nl" },
	[U_RETRY] = { "Client Retry", "en" },
	[U_LEASE] = { "Client Lease", "en" },
	[U_THREAD] = { "Client Thread", "en" },
};

struct group {
	struct testdb *t;          /* the database, shared on PostgreSQL */
	struct db *db;
	struct keyring *kr;
	struct tz *ams;
	struct testsmtp sink;
	struct mail_config mail;   /* to the sink */
	struct mail_config down;   /* to a closed port */
	int64_t org;
	char run[24];
	char email[NUSERS][96];
	int64_t uid[NUSERS];
};

/* --- The SMTP sink (testsmtp.h) ------------------------------------------ */

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Does line-based text (N.env) name addr as a recipient? */
static bool
env_has_rcpt(const char *env, const char *addr)
{
	const char *line = strchr(env, '\n'); /* skip MAIL FROM */
	size_t n = strlen(addr);

	while (line && *line) {
		line++;
		if (strncmp(line, addr, n) == 0 && (line[n] == '\n' ||
		    line[n] == '\0'))
			return true;
		line = strchr(line, '\n');
	}
	return false;
}

/* How many mails went to addr; *last gets the number of the newest. */
static int
mails_to(const struct testsmtp *s, const char *addr, int *last)
{
	struct buf env = BUF_INIT;
	char path[160];
	int i, n = 0;

	if (last)
		*last = 0;
	for (i = 1;; i++) {
		snprintf(path, sizeof(path), "%s/%d.eml", s->dir, i);
		if (access(path, F_OK) != 0)
			break;
		if (testsmtp_read(s, i, "env", &env) != 0)
			continue;
		if (env_has_rcpt(env.p, addr)) {
			n++;
			if (last)
				*last = i;
		}
	}
	buf_release(&env);
	return n;
}

/* A port on loopback where nothing listens. */
static int
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* --- Fixture ------------------------------------------------------------ */

static int
group_open(struct group *g)
{
	char slug[64];
	int i, rc;

	testdb_run_tag(g->run, sizeof(g->run));
	if ((rc = keyring_new(g->t->key, &g->kr)) != 0 ||
	    (rc = tz_load("Europe/Amsterdam", &g->ams)) != 0) {
		fprintf(stderr, "%s: set-up: %s\n", g->t->backend, err_msg(rc));
		return -1;
	}
	if (testsmtp_start(&g->sink, NULL, NULL) != 0)
		return -1;
	g->mail.host = "127.0.0.1";
	g->mail.port = g->sink.port;
	g->mail.from = "infuus@example.org";
	g->mail.from_name = "Infuus";
	g->mail.tls = MAIL_TLS_NONE;
	g->mail.timeout_ms = 5000;
	g->down = g->mail;
	if ((g->down.port = closed_port()) <= 0)
		return -1;
	snprintf(slug, sizeof(slug), "ob-%s", g->run);
	if ((rc = org_create(g->db, g->kr, "Praktijk", slug,
	    "Europe/Amsterdam", &g->org)) != 0)
		return -1;
	for (i = 0; i < NUSERS; i++) {
		snprintf(g->email[i], sizeof(g->email[i]), "o%d-%s@example.org",
		    i, g->run);
		if ((rc = user_create(g->db, g->email[i], users[i].name,
		    "correct horse battery staple", users[i].lang,
		    &g->uid[i])) != 0 ||
		    (rc = member_add(g->db, g->org, g->uid[i], i == PRO ?
		    ROLE_PROFESSIONAL : ROLE_CLIENT)) != 0) {
			fprintf(stderr, "people: %s\n", err_msg(rc));
			return -1;
		}
	}
	return 0;
}

static void
group_close(struct group *g)
{
	testsmtp_stop(&g->sink);
	if (g->ams)
		tz_free(g->ams);
	if (g->kr)
		keyring_free(g->kr);
}

/* --- Helpers ------------------------------------------------------------ */

static int64_t
ams(struct group *g, int y, int m, int d, int hh, int mm)
{
	time_t t;

	assert_int_equal(tz_from_local(g->ams, y, m, d, hh, mm, 0, &t), 0);
	return (int64_t)t;
}

static struct outbox *
outbox_to(struct group *g, struct mail_config *mc)
{
	struct outbox_config cfg;
	struct outbox *ob = NULL;

	outbox_config_init(&cfg);
	cfg.db = g->db;
	cfg.send = outbox_send_smtp;
	cfg.send_arg = mc;
	cfg.base_url = "https://infuus.example.org/";
	assert_int_equal(outbox_new(&cfg, &ob), 0);
	return ob;
}

/* A notification row, as the message module writes one. */
static void
notify(struct group *g, int who, int64_t created)
{
	struct testdb_raw j = { "INSERT INTO notifications (user_id, "
	    "created_at) VALUES (?, ?)", { g->uid[who], created }, 2, NULL, 0,
	    NULL, 0, 0, 0 };

	testdb_raw(g->db, &j);
}

static int64_t
query(struct group *g, const char *sql, int who)
{
	struct db_conn *c;
	int64_t v = -1, args[1] = { g->uid[who] };

	assert_int_equal(db_read_begin(g->db, &c), 0);
	assert_int_equal(db_query_i64(c, sql, &v, 1, args), 0);
	db_read_end(g->db, c);
	return v;
}

static int64_t
pending(struct group *g, int who)
{
	return query(g, "SELECT COUNT(*) FROM notifications "
	    "WHERE user_id = ? AND sent_at IS NULL", who);
}

static bool
has(const struct buf *b, const char *needle)
{
	return strstr(b->p, needle) != NULL;
}

/* --- Tests ---------------------------------------------------------------- */

static void
each_mode_sends_one_mail_per_person_without_content(void **state)
{
	struct group *g = *state;
	struct audit_event ev = {
		.org_id = g->org, .outcome = AUDIT_SUCCESS,
		.actor_id = g->uid[PRO], .role = "professional",
		.purpose = "care", .kind = "message", .node = "node-a",
	};
	struct outbox *ob = outbox_to(g, &g->mail);
	struct outbox_stats st;
	struct promise_terms terms;
	struct buf body = BUF_INIT, subj = BUF_INIT, eml = BUF_INIT;
	struct arena a;
	int64_t now = ams(g, 2026, 3, 2, 12, 0), traj = 0, thread, notice;
	int last = 0, before_nl, before_en;

	/* A real notice: a thread with a subject, a client's message, and
	 * the professional's note, all words that must stay inside. */
	arena_init(&a);
	traj_default_terms(&a, "Europe/Amsterdam", (time_t)now, &terms);
	assert_int_equal(traj_create(g->db, g->kr, g->org, g->uid[U_NL],
	    g->uid[PRO], "Traject-Titel", 0, &terms, &ev, NULL, &traj), 0);
	{
		struct testdb_raw j = { "INSERT INTO threads (trajectory_id, "
		    "subject_box, created_at, last_message_at) "
		    "VALUES (?, ?, 1, 1) RETURNING id", { traj, 0 }, 2, g->kr,
		    g->org, "Onderwerp-XYZ", 2, 0, 0 };
		struct testdb_raw m = { "INSERT INTO messages (thread_id, "
		    "trajectory_id, org_id, author_id, author_role, body_box, "
		    "created_at, deadline_at) VALUES (?, ?, ?, ?, 'client', ?, "
		    "?, ?) RETURNING id", { 0, traj, g->org, g->uid[U_NL], 0,
		    now - HOUR, now + HOUR }, 7, g->kr, g->org,
		    "Mijn slaapprobleem-ABC", 5, 0, 0 };

		thread = testdb_raw(g->db, &j);
		m.args[0] = thread;
		testdb_raw(g->db, &m);
	}
	assert_int_equal(queue_more_time(g->db, g->kr, thread, g->uid[PRO],
	    (time_t)now + 24 * HOUR, STR("Notitie-QQQ: morgen antwoord"),
	    (time_t)now, &ev, &notice, NULL), 0);
	/* Two more new things for the same person, one for another. */
	notify(g, U_NL, now);
	notify(g, U_NL, now + 1);
	notify(g, U_EN, now);
	assert_int_equal(pending(g, U_NL), 3);
	before_nl = mails_to(&g->sink, g->email[U_NL], NULL);
	before_en = mails_to(&g->sink, g->email[U_EN], NULL);

	assert_int_equal(outbox_run_once(ob, (time_t)now + 60, &st), 0);
	assert_true(st.mails >= 2);
	assert_int_equal(st.failed, 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_NL], &last),
	    before_nl + 1);
	assert_int_equal(pending(g, U_NL), 0);
	assert_int_equal(pending(g, U_EN), 0);
	assert_int_equal(query(g, "SELECT MIN(sent_at) FROM notifications "
	    "WHERE user_id = ?", U_NL), now + 60);

	testsmtp_file(&g->sink, last, "body", &body);
	testsmtp_file(&g->sink, last, "subject", &subj);
	testsmtp_file(&g->sink, last, "eml", &eml);
	assert_true(has(&body, "Er staat iets nieuws voor je klaar in Infuus."));
	assert_true(has(&body, "https://infuus.example.org/\n") ||
	    has(&body, "https://infuus.example.org/\r\n"));
	assert_false(has(&body, "example.org//"));
	assert_string_equal(subj.p, "Nieuw voor je in Infuus");
	/* Short lines of ASCII: plain text on the wire. */
	assert_true(has(&eml, "Content-Transfer-Encoding: 7bit"));
	/* Only that there is something new: no subject, note, text, title
	 * or sender. */
	assert_false(has(&eml, "Onderwerp-XYZ"));
	assert_false(has(&eml, "Notitie-QQQ"));
	assert_false(has(&eml, "slaapprobleem"));
	assert_false(has(&eml, "Traject-Titel"));
	assert_false(has(&eml, "Zender"));
	assert_false(has(&body, "3"));

	assert_int_equal(mails_to(&g->sink, g->email[U_EN], &last),
	    before_en + 1);
	testsmtp_file(&g->sink, last, "body", &body);
	assert_true(has(&body, "There is something new for you in Infuus."));
	testsmtp_file(&g->sink, last, "defects", &body);
	assert_int_equal(body.len, 0);

	/* Nothing new, no mail; something new, one more. */
	assert_int_equal(outbox_run_once(ob, (time_t)now + 120, &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_NL], NULL),
	    before_nl + 1);
	notify(g, U_NL, now + 130);
	assert_int_equal(outbox_run_once(ob, (time_t)now + 180, &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_NL], NULL),
	    before_nl + 2);

	outbox_free(ob);
	arena_release(&a);
	buf_release(&body);
	buf_release(&subj);
	buf_release(&eml);
}

static void
daily_mode_sends_one_digest_at_the_hour_and_not_before(void **state)
{
	struct group *g = *state;
	struct outbox *ob = outbox_to(g, &g->mail);
	struct outbox_stats st;
	struct buf body = BUF_INIT, subj = BUF_INIT;
	enum outbox_mode m;
	int last = 0, before;

	assert_int_equal(outbox_pref_set(g->db, g->uid[U_DAILY], OUTBOX_DAILY),
	    0);
	assert_int_equal(outbox_pref_get(g->db, g->uid[U_DAILY], &m), 0);
	assert_int_equal(m, OUTBOX_DAILY);
	before = mails_to(&g->sink, g->email[U_DAILY], NULL);
	notify(g, U_DAILY, ams(g, 2026, 3, 10, 14, 0));
	notify(g, U_DAILY, ams(g, 2026, 3, 10, 20, 0));

	/* Not in the evening, nor at 07:59 the next morning. */
	assert_int_equal(outbox_run_once(ob, (time_t)ams(g, 2026, 3, 10, 21, 0),
	    &st), 0);
	assert_int_equal(outbox_run_once(ob, (time_t)ams(g, 2026, 3, 11, 7, 59),
	    &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_DAILY], NULL), before);
	assert_int_equal(pending(g, U_DAILY), 2);

	/* At 08:00 local: one digest counting both. */
	assert_int_equal(outbox_run_once(ob, (time_t)ams(g, 2026, 3, 11, 8, 0),
	    &st), 0);
	assert_true(st.digests >= 1);
	assert_int_equal(mails_to(&g->sink, g->email[U_DAILY], &last),
	    before + 1);
	assert_int_equal(pending(g, U_DAILY), 0);
	testsmtp_file(&g->sink, last, "subject", &subj);
	testsmtp_file(&g->sink, last, "body", &body);
	assert_string_equal(subj.p, "Je dagelijkse overzicht van Infuus");
	assert_true(has(&body, "staan er 2 nieuwe berichten"));

	/* Something at 08:10 waits for the next morning. */
	notify(g, U_DAILY, ams(g, 2026, 3, 11, 8, 10));
	assert_int_equal(outbox_run_once(ob, (time_t)ams(g, 2026, 3, 11, 8, 30),
	    &st), 0);
	assert_int_equal(outbox_run_once(ob, (time_t)ams(g, 2026, 3, 12, 7, 0),
	    &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_DAILY], NULL),
	    before + 1);
	assert_int_equal(pending(g, U_DAILY), 1);
	assert_int_equal(outbox_run_once(ob, (time_t)ams(g, 2026, 3, 12, 8, 5),
	    &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_DAILY], &last),
	    before + 2);
	testsmtp_file(&g->sink, last, "body", &body);
	assert_true(has(&body, "staat er 1 nieuw bericht"));
	assert_int_equal(pending(g, U_DAILY), 0);

	outbox_free(ob);
	buf_release(&body);
	buf_release(&subj);
}

static void
none_mode_and_disabled_accounts_get_no_mail(void **state)
{
	struct group *g = *state;
	struct outbox *ob = outbox_to(g, &g->mail);
	struct outbox_stats st;
	int64_t now = ams(g, 2026, 3, 3, 10, 0);

	assert_int_equal(outbox_pref_set(g->db, g->uid[U_NONE], OUTBOX_NONE),
	    0);
	assert_int_equal(user_set_disabled(g->db, g->uid[U_DISABLED], true), 0);
	notify(g, U_NONE, now);
	notify(g, U_NONE, now);
	notify(g, U_DISABLED, now);
	assert_int_equal(outbox_run_once(ob, (time_t)now + 10, &st), 0);
	assert_true(st.silent >= 2);
	assert_int_equal(mails_to(&g->sink, g->email[U_NONE], NULL), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_DISABLED], NULL), 0);
	/* Marked, so they are not looked at again. */
	assert_int_equal(pending(g, U_NONE), 0);
	assert_int_equal(pending(g, U_DISABLED), 0);
	outbox_free(ob);
}

static void
a_server_that_is_down_leaves_rows_for_a_later_batch(void **state)
{
	struct group *g = *state;
	struct outbox *down = outbox_to(g, &g->down);
	struct outbox *up = outbox_to(g, &g->mail);
	struct outbox_stats st;
	int64_t t = ams(g, 2026, 3, 4, 10, 0);

	notify(g, U_RETRY, t - 5);
	assert_int_equal(outbox_run_once(down, (time_t)t, &st), 0);
	assert_true(st.failed >= 1);
	assert_int_equal(pending(g, U_RETRY), 1);
	assert_int_equal(query(g, "SELECT attempts FROM notifications "
	    "WHERE user_id = ?", U_RETRY), 1);
	assert_int_equal(query(g, "SELECT hold_until FROM notifications "
	    "WHERE user_id = ?", U_RETRY), t + 60);

	/* Not before the first retry time, even with the server back. */
	assert_int_equal(outbox_run_once(up, (time_t)t + 30, &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_RETRY], NULL), 0);
	/* Down again: the wait doubles. */
	assert_int_equal(outbox_run_once(down, (time_t)t + 60, &st), 0);
	assert_int_equal(query(g, "SELECT attempts FROM notifications "
	    "WHERE user_id = ?", U_RETRY), 2);
	assert_int_equal(query(g, "SELECT hold_until FROM notifications "
	    "WHERE user_id = ?", U_RETRY), t + 60 + 120);
	assert_int_equal(outbox_run_once(up, (time_t)t + 179, &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_RETRY], NULL), 0);
	/* Back up at the retry time: sent once, and done. */
	assert_int_equal(outbox_run_once(up, (time_t)t + 180, &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_RETRY], NULL), 1);
	assert_int_equal(pending(g, U_RETRY), 0);
	assert_int_equal(outbox_run_once(up, (time_t)t + 4000, &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_RETRY], NULL), 1);
	outbox_free(down);
	outbox_free(up);
}

static void
rows_held_by_a_node_that_died_are_taken_over_after_the_lease(void **state)
{
	struct group *g = *state;
	struct outbox *ob = outbox_to(g, &g->mail);
	struct outbox_stats st;
	int64_t t = ams(g, 2026, 3, 5, 10, 0);
	struct testdb_raw j = { "UPDATE notifications SET hold_until = ? "
	    "WHERE user_id = ? AND sent_at IS NULL", { t + LIMIT_OUTBOX_LEASE,
	    g->uid[U_LEASE] }, 2, NULL, 0, NULL, 0, 0, 0 };

	notify(g, U_LEASE, t - 10);
	/* As if another node took them at t and died while mailing. */
	testdb_raw(g->db, &j);
	assert_int_equal(outbox_run_once(ob, (time_t)t + 10, &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_LEASE], NULL), 0);
	assert_int_equal(outbox_run_once(ob, (time_t)t + LIMIT_OUTBOX_LEASE,
	    &st), 0);
	assert_int_equal(mails_to(&g->sink, g->email[U_LEASE], NULL), 1);
	assert_int_equal(pending(g, U_LEASE), 0);
	outbox_free(ob);
}

static void
the_thread_mails_at_start_and_stops_promptly(void **state)
{
	struct group *g = *state;
	struct outbox_config cfg;
	struct outbox *ob = NULL;
	struct timespec a, b;
	double secs;
	int i;

	outbox_config_init(&cfg);
	cfg.db = g->db;
	cfg.send = outbox_send_smtp;
	cfg.send_arg = &g->mail;
	cfg.base_url = "https://infuus.example.org";
	cfg.interval = 3600;
	assert_int_equal(outbox_new(&cfg, &ob), 0);
	notify(g, U_THREAD, (int64_t)time(NULL));
	assert_int_equal(outbox_start(ob), 0);
	assert_int_equal(outbox_start(ob), ERR_INTERNAL);
	for (i = 0; i < 200 && mails_to(&g->sink, g->email[U_THREAD],
	    NULL) == 0; i++)
		msleep(50);
	assert_int_equal(mails_to(&g->sink, g->email[U_THREAD], NULL), 1);
	/* It now waits an hour for the next batch; stop must not. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	outbox_stop(ob);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(secs < 1.0);
	outbox_stop(ob);
	outbox_free(ob);
}

static void
settings_round_trip_and_refuse_unknown_words(void **state)
{
	struct group *g = *state;
	struct outbox_config cfg;
	struct outbox *ob = NULL;
	enum outbox_mode m = OUTBOX_NONE;

	assert_int_equal(outbox_pref_get(g->db, g->uid[PRO], &m), 0);
	assert_int_equal(m, OUTBOX_EACH);
	assert_int_equal(outbox_pref_set(g->db, g->uid[PRO], OUTBOX_NONE), 0);
	assert_int_equal(outbox_pref_get(g->db, g->uid[PRO], &m), 0);
	assert_int_equal(m, OUTBOX_NONE);
	assert_int_equal(outbox_pref_set(g->db, g->uid[PRO], OUTBOX_EACH), 0);
	assert_int_equal(outbox_pref_get(g->db, g->uid[PRO], &m), 0);
	assert_int_equal(m, OUTBOX_EACH);
	assert_int_equal(outbox_pref_set(g->db, g->uid[PRO] + 1000000,
	    OUTBOX_DAILY), ERR_CONFLICT);
	assert_int_equal(outbox_mode_parse("daily", &m), 0);
	assert_int_equal(m, OUTBOX_DAILY);
	assert_string_equal(outbox_mode_name(OUTBOX_NONE), "none");
	assert_int_equal(outbox_mode_parse("weekly", &m), ERR_INVAL);
	assert_int_equal(outbox_mode_parse(NULL, &m), ERR_INVAL);

	outbox_config_init(&cfg);
	cfg.db = g->db;
	assert_int_equal(outbox_new(&cfg, &ob), ERR_INVAL); /* no sender */
	cfg.send = outbox_send_smtp;
	cfg.digest_hour = 24;
	assert_int_equal(outbox_new(&cfg, &ob), ERR_INVAL);
	cfg.digest_hour = 8;
	cfg.digest_tz = "Mars/Olympus_Mons";
	assert_int_equal(outbox_new(&cfg, &ob), ERR_NOTFOUND);
	assert_null(ob);
}

/* --- Runner ------------------------------------------------------------- */

#define DB_TEST(f) cmocka_unit_test_prestate(f, g)

static int
run(const char *group, struct testdb *t)
{
	struct group *g = calloc(1, sizeof(*g));
	int failed = 1;

	if (g == NULL)
		return 1;
	g->t = t;
	g->db = t->db;
	if (group_open(g) == 0) {
		const struct CMUnitTest tests[] = {
			DB_TEST(each_mode_sends_one_mail_per_person_without_content),
			DB_TEST(daily_mode_sends_one_digest_at_the_hour_and_not_before),
			DB_TEST(none_mode_and_disabled_accounts_get_no_mail),
			DB_TEST(a_server_that_is_down_leaves_rows_for_a_later_batch),
			DB_TEST(rows_held_by_a_node_that_died_are_taken_over_after_the_lease),
			DB_TEST(the_thread_mails_at_start_and_stops_promptly),
			DB_TEST(settings_round_trip_and_refuse_unknown_words),
		};

		failed = cmocka_run_group_tests_name(group, tests, NULL, NULL);
	} else {
		fprintf(stderr, "%s: set-up failed\n", group);
	}
	group_close(g);
	free(g);
	return failed;
}

int
main(void)
{
	int failed = 0;

	if (crypto_init() != 0 || mail_init() != 0)
		return 1;
	failed += testdb_run_backends("outbox", TESTDB_SHARED_PG, run);
	mail_done();
	return failed != 0;
}
