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
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

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

#define SINK INFUUS_SOURCE_ROOT "/tests/unit/smtp_sink.py"
#define HOUR 3600

struct backend {
	const char *name;
	const char *url;
};

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

struct sink {
	pid_t pid;
	char dir[64];
	int port;
};

struct group {
	const struct backend *be;
	struct db *db;
	struct keyring *kr;
	struct tz *ams;
	struct sink sink;
	struct mail_config mail;   /* to the sink */
	struct mail_config down;   /* to a closed port */
	int64_t org;
	char dir[64];
	char path[96];
	char key[96];
	char run[24];
	char email[NUSERS][96];
	int64_t uid[NUSERS];
};

/* --- The SMTP sink (as in test_smtp.c) ------------------------------------ */

static int
slurp(const char *path, struct buf *out)
{
	char chunk[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}

static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
sink_start(struct sink *s)
{
	struct buf port = BUF_INIT;
	char path[128];
	int i, status;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/infuus-outbox-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		/* Debian's python3 has aiosmtpd; another one first on PATH
		 * may not. */
		const char *py = access("/usr/bin/python3", X_OK) == 0 ?
		    "/usr/bin/python3" : "python3";
		char log[128];
		int fd;

		snprintf(log, sizeof(log), "%s/sink.log", s->dir);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execlp(py, py, SINK, s->dir, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/port", s->dir);
	for (i = 0; i < 200; i++) {
		if (slurp(path, &port) == 0 && port.len > 0)
			break;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			fprintf(stderr, "smtp_sink.py exited (status %d); is "
			    "python3-aiosmtpd installed?\n", status);
			s->pid = 0;
			buf_release(&port);
			return -1;
		}
		msleep(50);
	}
	s->port = (int)strtol(port.p, NULL, 10);
	buf_release(&port);
	return s->port > 0 ? 0 : -1;
}

static void
sink_stop(struct sink *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->dir[0])
		remove_tree(s->dir);
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
mails_to(const struct sink *s, const char *addr, int *last)
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
		snprintf(path, sizeof(path), "%s/%d.env", s->dir, i);
		buf_reset(&env);
		if (slurp(path, &env) != 0)
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

static void
sink_file(const struct sink *s, int n, const char *ext, struct buf *out)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%d.%s", s->dir, n, ext);
	buf_reset(out);
	assert_int_equal(slurp(path, out), 0);
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
	unsigned char rnd[6];
	char slug[64];
	int i, rc;

	crypto_random(rnd, sizeof(rnd));
	snprintf(g->run, sizeof(g->run), "%02x%02x%02x%02x%02x%02x", rnd[0],
	    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	snprintf(g->dir, sizeof(g->dir), "/tmp/test_outbox.XXXXXX");
	if (mkdtemp(g->dir) == NULL)
		return -1;
	snprintf(g->key, sizeof(g->key), "%s/master.key", g->dir);
	snprintf(g->path, sizeof(g->path), "%s/infuus.db", g->dir);
	if ((rc = db_open(g->be->url ? g->be->url : g->path, &g->db)) != 0 ||
	    (rc = db_migrate(g->db, NULL)) != 0 ||
	    (rc = keyring_new(g->key, &g->kr)) != 0 ||
	    (rc = tz_load("Europe/Amsterdam", &g->ams)) != 0) {
		fprintf(stderr, "%s: set-up: %s\n", g->be->name, err_msg(rc));
		return -1;
	}
	if (sink_start(&g->sink) != 0)
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
	char p[160];

	sink_stop(&g->sink);
	if (g->ams)
		tz_free(g->ams);
	if (g->kr)
		keyring_free(g->kr);
	if (g->db)
		db_close(g->db);
	unlink(g->key);
	if (g->be->url == NULL) {
		unlink(g->path);
		snprintf(p, sizeof(p), "%s-wal", g->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", g->path);
		unlink(p);
	}
	rmdir(g->dir);
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

struct raw_job {
	const char *sql;
	int64_t args[8];
	int nargs;
	struct keyring *kr;
	int64_t org;
	const char *seal;
	int seal_at;
	int64_t id;
};

static int
raw_run(struct db_conn *c, void *arg)
{
	struct raw_job *j = arg;
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	int rc, i;

	if (j->seal && (rc = keyring_seal(j->kr, c, j->org, j->seal,
	    strlen(j->seal), &box)) != 0)
		return rc;
	if ((rc = db_prepare(c, j->sql, &st)) != 0)
		goto out;
	for (i = 0; i < j->nargs; i++) {
		if (j->seal && i + 1 == j->seal_at)
			db_bind_blob(st, i + 1, box.p, box.len);
		else if (j->args[i] == -1)
			db_bind_null(st, i + 1);
		else
			db_bind_i64(st, i + 1, j->args[i]);
	}
	rc = db_step(st);
	if (rc == DB_ROW)
		j->id = db_col_i64(st, 0);
	db_done(st);
out:
	buf_release(&box);
	return rc < 0 ? rc : 0;
}

static int64_t
raw(struct group *g, struct raw_job *j)
{
	assert_int_equal(db_write(g->db, raw_run, j), 0);
	return j->id;
}

/* A notification row, as the message module writes one. */
static void
notify(struct group *g, int who, int64_t created)
{
	struct raw_job j = { "INSERT INTO notifications (user_id, created_at) "
	    "VALUES (?, ?)", { g->uid[who], created }, 2, NULL, 0, NULL, 0, 0 };

	raw(g, &j);
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
	    g->uid[PRO], "Traject-Titel", 0, &terms, &ev, &traj), 0);
	{
		struct raw_job j = { "INSERT INTO threads (trajectory_id, "
		    "subject_box, created_at, last_message_at) "
		    "VALUES (?, ?, 1, 1) RETURNING id", { traj, 0 }, 2, g->kr,
		    g->org, "Onderwerp-XYZ", 2, 0 };
		struct raw_job m = { "INSERT INTO messages (thread_id, "
		    "trajectory_id, org_id, author_id, author_role, body_box, "
		    "created_at, deadline_at) VALUES (?, ?, ?, ?, 'client', ?, "
		    "?, ?) RETURNING id", { 0, traj, g->org, g->uid[U_NL], 0,
		    now - HOUR, now + HOUR }, 7, g->kr, g->org,
		    "Mijn slaapprobleem-ABC", 5, 0 };

		thread = raw(g, &j);
		m.args[0] = thread;
		raw(g, &m);
	}
	assert_int_equal(queue_more_time(g->db, g->kr, thread, g->uid[PRO],
	    (time_t)now + 24 * HOUR, STR("Notitie-QQQ: morgen antwoord"),
	    (time_t)now, &ev, &notice), 0);
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

	sink_file(&g->sink, last, "body", &body);
	sink_file(&g->sink, last, "subject", &subj);
	sink_file(&g->sink, last, "eml", &eml);
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
	sink_file(&g->sink, last, "body", &body);
	assert_true(has(&body, "There is something new for you in Infuus."));
	sink_file(&g->sink, last, "defects", &body);
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
	sink_file(&g->sink, last, "subject", &subj);
	sink_file(&g->sink, last, "body", &body);
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
	sink_file(&g->sink, last, "body", &body);
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
	struct raw_job j = { "UPDATE notifications SET hold_until = ? "
	    "WHERE user_id = ? AND sent_at IS NULL", { t + LIMIT_OUTBOX_LEASE,
	    g->uid[U_LEASE] }, 2, NULL, 0, NULL, 0, 0 };

	notify(g, U_LEASE, t - 10);
	/* As if another node took them at t and died while mailing. */
	raw(g, &j);
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
run(const char *group, const struct backend *be)
{
	struct group *g = calloc(1, sizeof(*g));
	int failed = 1;

	if (g == NULL)
		return 1;
	g->be = be;
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
	struct backend sqlite = { "sqlite", NULL };
	struct backend pg = { "postgres", getenv("INFUUS_TEST_PG") };
	int failed = 0;

	if (crypto_init() != 0 || mail_init() != 0)
		return 1;
	failed += run("outbox sqlite", &sqlite);
	if (pg.url != NULL && pg.url[0] != '\0')
		failed += run("outbox postgres", &pg);
	mail_done();
	return failed != 0;
}
