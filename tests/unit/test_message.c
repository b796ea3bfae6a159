/*
 * test_message.c - threads and messages: posting and reading back, what is
 * sealed at rest, quotes, corrections, read state, drafts, reply deadlines
 * from the promise, replies, notifications, export, the blind search index
 * (its filters, their false positives, messages without one), attachment
 * limits and the access log.  Runs on SQLite always and on
 * PostgreSQL too when INFUUS_TEST_PG holds a URL (in a database of its own,
 * made anew for each run, so whole tables can be scanned).
 *
 * Accounts cost an argon2id hash each, so the people and their
 * organisation are made once per backend; every test makes fresh
 * trajectories, so tests do not see each other's conversations.
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
#include <jansson.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "authz/authz.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "message/message.h"
#include "message/search.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "fixture.h"
#include "testdb.h"

enum { PRO1, PRO2, CLIENT1, CLIENT2, NPEOPLE };

static const struct fixture_person people[NPEOPLE] = {
	[PRO1] = { "Pro One", ROLE_PROFESSIONAL, NULL },
	[PRO2] = { "Pro Two", ROLE_PROFESSIONAL, NULL },
	[CLIENT1] = { "Client One", ROLE_CLIENT, NULL },
	[CLIENT2] = { "Client Two", ROLE_CLIENT, NULL },
};

struct fx {
	struct fixture *g;
	struct msg_env env;
	struct arena a;
	int64_t *uid;
	const struct tz *ams;
};

/* --- Fixture -------------------------------------------------------------- */

static int
setup(void **state)
{
	struct fixture *g = *state;
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->g = g;
	fx->env.db = g->db;
	fx->env.kr = g->kr;
	fx->env.tzc = g->tzc;
	fx->uid = g->uid;
	arena_init(&fx->a);
	assert_int_equal(tz_cache_get(g->tzc, "Europe/Amsterdam", &fx->ams), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	arena_release(&fx->a);
	free(fx);
	return 0;
}

/* --- Helpers -------------------------------------------------------------- */

static struct audit_event
ev_for(struct fx *fx, int who)
{
	return fixture_event(fx->g, fx->uid[who], people[who].role, "message");
}

static void
terms_8h(struct promise_terms *t, const char *holidays)
{
	fixture_terms(t);
	t->holidays = holidays ? holidays : "";
	t->not_reachable = "Ik lees berichten op werkdagen.";
	t->emergency = "Bel de huisarts of 112.";
}

static int64_t
traj_with(struct fx *fx, int pro, int client, const char *holidays)
{
	struct audit_event ev = ev_for(fx, pro);
	struct promise_terms t;
	int64_t id = 0;

	terms_8h(&t, holidays);
	assert_int_equal(traj_create(fx->g->db, fx->g->kr, fx->g->org,
	    fx->uid[client], fx->uid[pro], "Traject", 0, &t, &ev, NULL, &id), 0);
	return id;
}

static int64_t
thread_new(struct fx *fx, int64_t traj, int who, const char *subject,
    const char *body, time_t now)
{
	struct audit_event ev = ev_for(fx, who);
	struct msg_post in = { 0 };
	int64_t thid = 0, mid = 0;

	in.author_id = fx->uid[who];
	in.body = str_c(body);
	in.now = now;
	assert_int_equal(msg_thread_create(&fx->env, traj, str_c(subject), &in,
	    &ev, &thid, &mid), 0);
	assert_true(thid > 0 && mid > 0);
	return thid;
}

static int
post_full(struct fx *fx, int64_t thid, int who, const char *body,
    int64_t quote_of, const char *quote, const struct msg_upload *ups,
    size_t nups, time_t now, int64_t *id)
{
	struct audit_event ev = ev_for(fx, who);
	struct msg_post in = { 0 };

	in.author_id = fx->uid[who];
	in.body = str_c(body);
	in.quote_of = quote_of;
	in.quote = quote ? str_c(quote) : STR_NULL;
	in.uploads = ups;
	in.nuploads = nups;
	in.now = now;
	return msg_post(&fx->env, thid, &in, &ev, id);
}

static int64_t
post(struct fx *fx, int64_t thid, int who, const char *body, time_t now)
{
	int64_t id = 0;

	assert_int_equal(post_full(fx, thid, who, body, 0, NULL, NULL, 0, now,
	    &id), 0);
	return id;
}

static int64_t
q1(struct fx *fx, const char *sql, int nargs, const int64_t *args)
{
	struct db_conn *c;
	int64_t v = -1;

	assert_int_equal(db_read_begin(fx->g->db, &c), 0);
	assert_int_equal(db_query_i64(c, sql, &v, nargs, args), 0);
	db_read_end(fx->g->db, c);
	return v;
}

static void
view(struct fx *fx, int64_t thid, int who, struct msg_thread *th,
    struct msg_message **m, size_t *n)
{
	struct audit_event ev = ev_for(fx, who);
	bool more;

	assert_int_equal(msg_thread_view(&fx->env, thid, fx->uid[who], &ev,
	    &fx->a, th, m, n, &more), 0);
	assert_false(more);
}

static time_t
ams(struct fx *fx, int y, int mo, int d, int h, int mi)
{
	time_t t;

	assert_int_equal(tz_from_local(fx->ams, y, mo, d, h, mi, 0, &t), 0);
	return t;
}

static int
close_job(struct db_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return 0;
}

/* --- Tests: posting and reading ------------------------------------------- */

static void
test_post_and_list_round_trip(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, r1;
	struct msg_thread th, *list;
	struct msg_message *m;
	struct audit_event ev = ev_for(fx, PRO1);
	size_t n;

	thid = thread_new(fx, traj, CLIENT1, "Mijn leervraag",
	    "Ik wil **rustiger** worden op mijn werk.", 0);
	r1 = post(fx, thid, PRO1, "Wat beschrijf je een mooi inzicht.", 0);
	view(fx, thid, PRO1, &th, &m, &n);
	assert_string_equal(th.subject, "Mijn leervraag");
	assert_int_equal(th.traj_id, traj);
	assert_false(th.viewer_is_client);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].body, "Ik wil **rustiger** worden op mijn werk.");
	assert_true(m[0].from_client);
	assert_string_equal(m[0].author_name, "Client One");
	assert_int_equal(m[0].kind, MSG_MESSAGE);
	assert_true(m[0].unread);              /* new to the professional */
	assert_int_equal(m[1].id, r1);
	assert_false(m[1].from_client);
	assert_false(m[1].unread);             /* one's own message */
	assert_string_equal(m[1].body, "Wat beschrijf je een mooi inzicht.");

	assert_int_equal(msg_threads(&fx->env, traj, fx->uid[CLIENT1], &ev,
	    &fx->a, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].subject, "Mijn leervraag");
	assert_int_equal(list[0].messages, 2);
	assert_int_equal(list[0].unread, 1);   /* the reply */
	assert_true(list[0].viewer_is_client);

	/* Someone outside the trajectory gets nothing. */
	assert_int_equal(msg_thread_view(&fx->env, thid, fx->uid[CLIENT2], &ev,
	    &fx->a, &th, &m, &n, &(bool){ false }), ERR_FORBIDDEN);
	assert_int_equal(post_full(fx, thid, PRO2, "hallo", 0, NULL, NULL, 0, 0,
	    &r1), ERR_FORBIDDEN);
}

/* Post with in.why set: the error, the field at fault and that a reason
 * was given. */
static int
post_why(struct fx *fx, int64_t thid, const char *body, struct why *why)
{
	struct audit_event ev = ev_for(fx, CLIENT1);
	struct msg_post in = { 0 };
	int64_t id = 0;

	memset(why, 0, sizeof(*why));
	in.author_id = fx->uid[CLIENT1];
	in.body = str_c(body);
	in.why = why;
	return msg_post(&fx->env, thid, &in, &ev, &id);
}

static void
test_empty_or_bad_text_is_refused(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid;
	struct buf big = BUF_INIT;
	struct audit_event ev = ev_for(fx, CLIENT1);
	struct msg_post in = { 0 };
	struct why why;
	int64_t t2, m2;
	int i;

	thid = thread_new(fx, traj, CLIENT1, "Onderwerp", "Eerste bericht", 0);
	assert_int_equal(post_why(fx, thid, "   \n\t ", &why), ERR_INVAL);
	assert_string_equal(why.field, "body");
	assert_string_equal(why.msg, "Please write a message.");
	assert_int_equal(post_why(fx, thid, "bad \x01 control", &why),
	    ERR_INVAL);
	assert_string_equal(why.field, "body");
	assert_non_null(strstr(why.msg, "not allowed"));
	assert_int_equal(post_why(fx, thid, "bad \xff utf8", &why), ERR_INVAL);
	assert_non_null(strstr(why.msg, "not allowed"));
	while (big.len <= LIMIT_MESSAGE)
		buf_adds(&big, "woorden ");
	assert_int_equal(post_why(fx, thid, big.p, &why), ERR_TOOBIG);
	assert_string_equal(why.field, "body");
	assert_int_equal(why.limit, LIMIT_MESSAGE / 1024);
	assert_non_null(strstr(why.msg, "%d KB"));
	buf_reset(&big);

	in.author_id = fx->uid[CLIENT1];
	in.body = STR("tekst");
	in.why = &why;
	assert_int_equal(msg_thread_create(&fx->env, traj, STR("two\nlines"),
	    &in, &ev, &t2, &m2), ERR_INVAL);
	assert_string_equal(why.field, "subject");
	assert_int_equal(msg_thread_create(&fx->env, traj, STR(" "), &in, &ev,
	    &t2, &m2), ERR_INVAL);
	assert_string_equal(why.field, "subject");
	/* The subject's limit counts characters, as the page says: 200
	 * two-byte characters fit, one more does not. */
	for (i = 0; i < LIMIT_THREAD_SUBJECT; i++)
		buf_adds(&big, "\xc3\xa9");
	assert_int_equal(msg_thread_create(&fx->env, traj, buf_str(&big), &in,
	    &ev, &t2, &m2), 0);
	buf_adds(&big, "e");
	memset(&why, 0, sizeof(why));
	assert_int_equal(msg_thread_create(&fx->env, traj, buf_str(&big), &in,
	    &ev, &t2, &m2), ERR_TOOBIG);
	assert_string_equal(why.field, "subject");
	assert_int_equal(why.limit, LIMIT_THREAD_SUBJECT);
	buf_release(&big);
}

/* --- Tests: nothing in plain text at rest --------------------------------- */

static bool
contains(const void *hay, size_t n, const char *needle)
{
	return n >= strlen(needle) && memmem(hay, n, needle,
	    strlen(needle)) != NULL;
}

static bool
file_contains(const char *path, const char *const *needles)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t k;
	bool hit = false;

	if (f == NULL)
		return false;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, k);
	fclose(f);
	for (; *needles; needles++)
		if (contains(b.p, b.len, *needles)) {
			fprintf(stderr, "\"%s\" found in %s\n", *needles, path);
			hit = true;
		}
	buf_release(&b);
	return hit;
}

static const char pdf_bytes[] = "%PDF-1.4\nKluizenaarsgeheim in een pdf\n%%EOF\n";

/* The columns that hold people's texts, sealed; whole tables (the tests
 * share the database), so each scan counts rows and the test compares
 * them with the rows it added. */
static const char *const sealed_sql[] = {
	"SELECT subject_box FROM threads",
	"SELECT body_box FROM messages",
	"SELECT quote_box FROM messages WHERE quote_box IS NOT NULL",
	"SELECT name_box FROM attachments",
	"SELECT data_box FROM attachments",
	"SELECT content_type FROM attachments",
	"SELECT body_box FROM drafts",
	"SELECT search_bloom FROM messages",
	"SELECT key_box FROM search_keys",
	"SELECT detail FROM audit_log WHERE detail IS NOT NULL",
};
#define NSEALED (sizeof(sealed_sql) / sizeof(sealed_sql[0]))
enum { S_THREADS, S_BODY, S_QUOTE, S_ATT_NAME, S_ATT_DATA, S_ATT_TYPE,
	S_DRAFTS, S_BLOOM, S_KEYS, S_AUDIT };

static void
scan_sealed(struct fx *fx, const char *const *needles, size_t rows[NSEALED])
{
	testdb_scan_sealed(fx->g->db, sealed_sql, NSEALED, needles, rows);
}

static void
test_nothing_is_stored_in_plain_text(void **state)
{
	struct fx *fx = *state;
	static const char *const needles[] = {
		"Zonnebloemveld", "zonnebloemveld", "Wolkenkrabberdroom",
		"wolkenkrabberdroom", "Kluizenaarsgeheim", "Appelboomverhaal",
		"appelboomverhaal", "Dromenvangerconcept", "Regenboogbrug",
		"regenboogbrug", NULL,
	};
	/* Rows this test adds before the correction, per sealed_sql. */
	static const size_t added[NSEALED] = {
		[S_THREADS] = 1, [S_BODY] = 2, [S_QUOTE] = 1, [S_ATT_NAME] = 1,
		[S_ATT_DATA] = 1, [S_ATT_TYPE] = 1, [S_DRAFTS] = 1,
		[S_BLOOM] = 2,
	};
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, first, id;
	struct msg_upload up = { "Appelboomverhaal.pdf", pdf_bytes,
		sizeof(pdf_bytes) - 1 };
	struct msg_thread th;
	struct msg_message *m;
	char p[160];
	size_t n, rows, i, before[NSEALED], draft[NSEALED], after[NSEALED];

	/* The scan finds plain text when there is some. */
	rows = 0;
	assert_true(testdb_column_has(fx->g->db, fx->g->t->url == NULL ?
	    "SELECT CAST('Een Regenboogbrug concept' AS BLOB)" :
	    "SELECT 'Een Regenboogbrug concept'::bytea", needles, &rows));
	assert_int_equal(rows, 1);

	scan_sealed(fx, needles, before);
	thid = thread_new(fx, traj, CLIENT1, "Het Wolkenkrabberdroom plan",
	    "Ik liep door het Zonnebloemveld en dacht na.", 0);
	view(fx, thid, CLIENT1, &th, &m, &n);
	first = m[0].id;
	assert_int_equal(post_full(fx, thid, PRO1, "Mooi beschreven.", first,
	    "het Zonnebloemveld", &up, 1, 0, &id), 0);
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[CLIENT1],
	    STR("Een Regenboogbrug concept"), 0), 0);

	/* Scanned while the draft exists (the correction below deletes
	 * it), and every sealed column had this test's rows to look at. */
	scan_sealed(fx, needles, draft);
	for (i = 0; i < NSEALED; i++)
		if (draft[i] < before[i] + added[i])
			fail_msg("%s: %zu rows, expected %zu + %zu of this test",
			    sealed_sql[i], draft[i], before[i], added[i]);
	assert_int_equal(draft[S_DRAFTS], before[S_DRAFTS] + 1);
	assert_int_equal(draft[S_THREADS], before[S_THREADS] + 1);
	assert_int_equal(draft[S_BODY], before[S_BODY] + 2);
	assert_true(draft[S_KEYS] >= 1);
	assert_true(draft[S_AUDIT] >= 1);

	assert_int_equal(msg_correct(&fx->env, first, fx->uid[CLIENT1],
	    STR("Ik liep door het Zonnebloemveld en het Dromenvangerconcept."),
	    0, &(struct audit_event){ 0 }, NULL, &id), ERR_INVAL);
	{
		struct audit_event ev = ev_for(fx, CLIENT1);

		assert_int_equal(msg_correct(&fx->env, first, fx->uid[CLIENT1],
		    STR("Ik liep door het Zonnebloemveld en het "
		    "Dromenvangerconcept."), 0, &ev, NULL, &id), 0);
	}

	/* The texts read back ... */
	view(fx, thid, PRO1, &th, &m, &n);
	assert_string_equal(th.subject, "Het Wolkenkrabberdroom plan");
	assert_string_equal(m[1].quote, "het Zonnebloemveld");
	assert_string_equal(m[1].att[0].name, "Appelboomverhaal.pdf");

	/* ... but no column holds them: the correction is a message more,
	 * and its post took the client's draft away. */
	scan_sealed(fx, needles, after);
	assert_int_equal(after[S_BODY], before[S_BODY] + 3);
	assert_int_equal(after[S_DRAFTS], before[S_DRAFTS]);
	assert_true(after[S_AUDIT] > draft[S_AUDIT]);
	/* Every message of the thread has a filter, none holds a word. */
	rows = 0;
	assert_false(testdb_column_has(fx->g->db, "SELECT search_bloom FROM "
	    "messages WHERE search_bloom IS NOT NULL", needles, &rows));
	assert_true(rows >= 3);
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM messages WHERE "
	    "thread_id = ? AND (search_bloom IS NULL OR "
	    "LENGTH(search_bloom) % 8 <> 0 OR LENGTH(search_bloom) < 32)", 1,
	    &thid), 0);

	/* SQLite: not in the files either (database and write-ahead log). */
	if (fx->g->t->url == NULL) {
		assert_int_equal(db_write(fx->g->db, close_job, NULL), 0);
		assert_false(file_contains(fx->g->t->path, needles));
		snprintf(p, sizeof(p), "%s-wal", fx->g->t->path);
		assert_false(file_contains(p, needles));
	}
}

/* --- Tests: quotes and corrections ---------------------------------------- */

static void
test_quote_must_occur_in_its_source(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, other, src, id;
	struct msg_thread th;
	struct msg_message *m;
	size_t n;

	thid = thread_new(fx, traj, CLIENT1, "Werk",
	    "Ik voel me **vaak** moe\nna een vergadering.", 0);
	other = thread_new(fx, traj, CLIENT1, "Thuis", "Thuis gaat het goed.",
	    0);
	view(fx, thid, PRO1, &th, &m, &n);
	src = m[0].id;

	/* As typed, as read (without markup), across a line break. */
	assert_int_equal(post_full(fx, thid, PRO1, "Herkenbaar.", src,
	    "vaak** moe", NULL, 0, 0, &id), 0);
	assert_int_equal(post_full(fx, thid, PRO1, "Dat hoor ik.", src,
	    "Ik voel me vaak moe na een vergadering", NULL, 0, 0, &id), 0);
	assert_int_equal(post_full(fx, thid, PRO1, "Ok.", src,
	    "  moe   na  een ", NULL, 0, 0, &id), 0);
	/* Words that were never written. */
	assert_int_equal(post_full(fx, thid, PRO1, "Ok.", src,
	    "Ik voel me altijd moe", NULL, 0, 0, &id), ERR_INVAL);
	/* A passage without its source, a source of another thread. */
	assert_int_equal(post_full(fx, thid, PRO1, "Ok.", 0, "vaak moe", NULL,
	    0, 0, &id), ERR_INVAL);
	view(fx, other, PRO1, &th, &m, &n);
	assert_int_equal(post_full(fx, thid, PRO1, "Ok.", m[0].id,
	    "Thuis gaat het goed", NULL, 0, 0, &id), ERR_INVAL);

	view(fx, thid, CLIENT1, &th, &m, &n);
	assert_int_equal(n, 4);
	assert_int_equal(m[1].quote_of, src);
	assert_string_equal(m[1].quote, "vaak** moe");
}

static void
test_correction_keeps_the_original(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, orig, c1, c2;
	int64_t args[1];
	struct audit_event ev = ev_for(fx, CLIENT1), pev = ev_for(fx, PRO1);
	struct msg_thread th;
	struct msg_message *m;
	struct str text;
	int64_t shown;
	size_t n;

	thid = thread_new(fx, traj, CLIENT1, "Afspraak",
	    "Ik kan dinsdag niet.", 0);
	view(fx, thid, CLIENT1, &th, &m, &n);
	orig = m[0].id;
	args[0] = orig;
	assert_int_equal(msg_correct(&fx->env, orig, fx->uid[CLIENT1],
	    STR("Ik kan woensdag niet."), 0, &ev, NULL, &c1), 0);
	/* A correction of the correction still links to the first. */
	assert_int_equal(msg_correct(&fx->env, c1, fx->uid[CLIENT1],
	    STR("Ik kan donderdag niet."), 0, &ev, NULL, &c2), 0);
	/* Only the author corrects. */
	assert_int_equal(msg_correct(&fx->env, orig, fx->uid[PRO1],
	    STR("Iets anders."), 0, &pev, NULL, &shown), ERR_FORBIDDEN);

	view(fx, thid, PRO1, &th, &m, &n);
	assert_int_equal(n, 3);
	assert_int_equal(m[0].id, orig);
	assert_int_equal(m[0].kind, MSG_MESSAGE);
	assert_string_equal(m[0].body, "Ik kan dinsdag niet.");
	assert_int_equal(m[1].kind, MSG_CORRECTION);
	assert_int_equal(m[1].corrects, orig);
	assert_string_equal(m[1].body, "Ik kan woensdag niet.");
	assert_int_equal(m[2].corrects, orig);
	assert_string_equal(m[2].body, "Ik kan donderdag niet.");
	/* The current text is the newest correction's. */
	assert_int_equal(msg_text(&fx->env, orig, fx->uid[PRO1], &pev, &fx->a,
	    &text, &shown), 0);
	assert_int_equal(shown, c2);
	assert_memory_equal(text.p, "Ik kan donderdag niet.", text.len);
	/* The original row is untouched: still one message of kind
	 * 'message' with that id, and nothing deleted. */
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM messages WHERE id = ? "
	    "AND kind = 'message' AND corrects IS NULL", 1, args), 1);
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM messages WHERE "
	    "corrects = ?", 1, args), 2);
	/* A conversation is not rewritten: corrections have a limit. */
	for (n = 2; n < LIMIT_CORRECTIONS; n++)
		assert_int_equal(msg_correct(&fx->env, orig, fx->uid[CLIENT1],
		    STR("Nog een keer anders."), 0, &ev, NULL, &c1), 0);
	assert_int_equal(msg_correct(&fx->env, orig, fx->uid[CLIENT1],
	    STR("Eén keer te veel."), 0, &ev, NULL, &c1), ERR_TOOMANY);
	/* A closed trajectory takes no corrections. */
	assert_int_equal(traj_set_phase(fx->g->db, traj, TRAJ_CLOSED, &pev), 0);
	assert_int_equal(msg_correct(&fx->env, orig, fx->uid[CLIENT1],
	    STR("Toch maandag."), 0, &ev, NULL, &c1), ERR_FORBIDDEN);
}

/* --- Tests: read state and drafts ----------------------------------------- */

static void
test_read_state_and_the_clients_choice(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, reply;
	struct audit_event cev = ev_for(fx, CLIENT1);
	struct msg_thread th;
	struct msg_message *m;
	size_t n;

	thid = thread_new(fx, traj, CLIENT1, "Vraag", "Hoe ga ik verder?", 0);
	reply = post(fx, thid, PRO1, "Wat wil je als eerste aanpakken?", 0);

	/* Before the client reads: unread for them, nothing for the pro. */
	view(fx, thid, PRO1, &th, &m, &n);
	assert_int_equal(m[1].id, reply);
	assert_int_equal(m[1].client_read_at, 0);
	view(fx, thid, CLIENT1, &th, &m, &n);
	assert_true(m[1].unread);
	view(fx, thid, CLIENT1, &th, &m, &n);
	assert_true(m[1].unread);              /* a view (a GET) marks nothing */
	assert_int_equal(msg_thread_mark_read(&fx->env, thid,
	    fx->uid[CLIENT2], reply, 0), ERR_FORBIDDEN);
	assert_int_equal(msg_thread_mark_read(&fx->env, thid,
	    fx->uid[CLIENT1], reply, 0), 0);
	view(fx, thid, CLIENT1, &th, &m, &n);
	assert_false(m[1].unread);             /* the page's post marked it */

	/* Read, but the client does not share reads (the default). */
	view(fx, thid, PRO1, &th, &m, &n);
	assert_false(th.share_reads);
	assert_int_equal(m[1].client_read_at, 0);

	/* The client chooses to share. */
	assert_int_equal(traj_set_share_reads(fx->g->db, traj, true, &cev), 0);
	view(fx, thid, PRO1, &th, &m, &n);
	assert_true(th.share_reads);
	assert_true(m[1].client_read_at > 0);
	assert_int_equal(m[0].client_read_at, 0);  /* the client's own */
	/* The client never sees read times through this field. */
	view(fx, thid, CLIENT1, &th, &m, &n);
	assert_int_equal(m[1].client_read_at, 0);

	/* msg_mark_read marks one message; outsiders may not. */
	reply = post(fx, thid, PRO1, "Nog een vraag.", 0);
	assert_int_equal(msg_mark_read(&fx->env, reply, fx->uid[CLIENT2], 0),
	    ERR_FORBIDDEN);
	assert_int_equal(msg_mark_read(&fx->env, reply, fx->uid[CLIENT1], 0), 0);
	view(fx, thid, CLIENT1, &th, &m, &n);
	assert_false(m[2].unread);
}

static void
test_drafts_save_load_delete(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, at;
	struct str d;
	struct buf big = BUF_INIT;

	thid = thread_new(fx, traj, CLIENT1, "Concept", "Begin.", 0);
	assert_int_equal(msg_draft_load(&fx->env, thid, fx->uid[PRO1], &fx->a,
	    &d, &at), 0);
	assert_int_equal(d.len, 0);
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[PRO1],
	    STR("Eerste versie"), 1000), 0);
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[PRO1],
	    STR("Tweede versie"), 2000), 0);
	assert_int_equal(msg_draft_load(&fx->env, thid, fx->uid[PRO1], &fx->a,
	    &d, &at), 0);
	assert_string_equal(d.p, "Tweede versie");
	assert_int_equal(at, 2000);
	/* Drafts are per person. */
	assert_int_equal(msg_draft_load(&fx->env, thid, fx->uid[CLIENT1],
	    &fx->a, &d, &at), 0);
	assert_int_equal(d.len, 0);
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[CLIENT2],
	    STR("x"), 0), ERR_FORBIDDEN);
	while (big.len <= LIMIT_MESSAGE)
		buf_adds(&big, "x");
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[PRO1],
	    buf_str(&big), 0), ERR_TOOBIG);
	buf_release(&big);
	/* Empty text deletes; so does posting. */
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[PRO1],
	    STR("  "), 0), 0);
	assert_int_equal(msg_draft_load(&fx->env, thid, fx->uid[PRO1], &fx->a,
	    &d, &at), 0);
	assert_int_equal(d.len, 0);
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[PRO1],
	    STR("Bijna klaar"), 0), 0);
	post(fx, thid, PRO1, "Klaar.", 0);
	assert_int_equal(msg_draft_load(&fx->env, thid, fx->uid[PRO1], &fx->a,
	    &d, &at), 0);
	assert_int_equal(d.len, 0);
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[PRO1],
	    STR("Weer iets"), 0), 0);
	assert_int_equal(msg_draft_delete(&fx->env, thid, fx->uid[PRO1]), 0);
	assert_int_equal(msg_draft_load(&fx->env, thid, fx->uid[PRO1], &fx->a,
	    &d, &at), 0);
	assert_int_equal(d.len, 0);
}

/* --- Tests: deadlines, replies, notifications ----------------------------- */

static int64_t
deadline_of(struct fx *fx, int64_t mid)
{
	int64_t args[1] = { mid };

	return q1(fx, "SELECT COALESCE(deadline_at, 0) FROM messages "
	    "WHERE id = ?", 1, args);
}

static void
test_reply_deadline_from_the_promise(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, "2026-04-06"), thid, mid;

	thid = thread_new(fx, traj, PRO1, "Welkom", "Welkom in je traject.",
	    ams(fx, 2026, 3, 2, 10, 0));

	/* Friday 16:00, 8 working hours Mon-Fri 09-17: one hour on Friday,
	 * seven on Monday: Monday 16:00 local. */
	mid = post(fx, thid, CLIENT1, "Vrijdagmiddag.", ams(fx, 2026, 3, 6, 16, 0));
	assert_int_equal(deadline_of(fx, mid), (int64_t)ams(fx, 2026, 3, 9, 16, 0));
	assert_int_equal(deadline_of(fx, mid), (int64_t)1773068400); /* 15:00Z */

	/* Across the spring change (Sunday 29 March 2026): Monday 16:00
	 * CEST, which is 14:00 UTC. */
	mid = post(fx, thid, CLIENT1, "Voor de zomertijd.",
	    ams(fx, 2026, 3, 27, 16, 0));
	assert_int_equal(deadline_of(fx, mid), (int64_t)1774879200);

	/* A holiday (Easter Monday 6 April, in the terms) is no working day:
	 * Tuesday 16:00. */
	mid = post(fx, thid, CLIENT1, "Voor Pasen.", ams(fx, 2026, 4, 3, 16, 0));
	assert_int_equal(deadline_of(fx, mid), (int64_t)ams(fx, 2026, 4, 7, 16, 0));

	/* Outside working time the count starts at the next window: Saturday
	 * -> Monday 09:00 + 8h = Monday 17:00. */
	mid = post(fx, thid, CLIENT1, "Zaterdag.", ams(fx, 2026, 3, 7, 11, 0));
	assert_int_equal(deadline_of(fx, mid), (int64_t)ams(fx, 2026, 3, 9, 17, 0));

	/* A professional's message waits for nobody. */
	mid = post(fx, thid, PRO1, "Dank je.", ams(fx, 2026, 3, 9, 10, 0));
	assert_int_equal(deadline_of(fx, mid), 0);
}

/* Posting reads everything it needs (the thread's head, the caller's part,
 * the sealing key, the search key, the promise for the deadline) from one
 * read connection, then writes one job.  Before, one client message
 * borrowed three read connections (head, search key, promise). */
static void
test_post_reads_from_one_snapshot(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, mid;
	struct db_stats before, after;
	time_t t0 = ams(fx, 2026, 3, 2, 10, 0);

	thid = thread_new(fx, traj, PRO1, "Welkom", "Welkom.", t0);
	db_stats(fx->g->db, &before);
	mid = post(fx, thid, CLIENT1, "Een vraag.", t0 + 60);
	db_stats(fx->g->db, &after);
	assert_true(mid > 0);
	assert_true(deadline_of(fx, mid) > 0); /* the promise was read */
	assert_int_equal(after.read_begins - before.read_begins, 1);
	assert_int_equal(after.jobs - before.jobs, 1);
}

static void
test_professional_reply_marks_waiting_messages(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, other;
	int64_t c1, c2, c3, reply, args[1];
	struct audit_event cev = ev_for(fx, CLIENT1);
	time_t t0 = ams(fx, 2026, 3, 3, 10, 0);

	thid = thread_new(fx, traj, CLIENT1, "A", "Eerste.", t0);
	other = thread_new(fx, traj, CLIENT1, "B", "Ander onderwerp.", t0);
	c1 = post(fx, thid, CLIENT1, "Tweede.", t0 + 60);
	c2 = post(fx, thid, CLIENT1, "Derde.", t0 + 120);
	c3 = post(fx, other, CLIENT1, "Nog een.", t0 + 180);
	args[0] = traj;
	/* thread A: first message + 2; thread B: first + 1 */
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM messages WHERE "
	    "trajectory_id = ? AND deadline_at IS NOT NULL AND replied_at IS NULL",
	    1, args), 5);
	/* A correction by the client sets no deadline. */
	assert_int_equal(msg_correct(&fx->env, c2, fx->uid[CLIENT1],
	    STR("Derde, verbeterd."), t0 + 200, &cev, NULL, &reply), 0);
	assert_int_equal(deadline_of(fx, reply), 0);

	reply = post(fx, thid, PRO1, "Antwoord.", t0 + 3600);
	args[0] = c1;
	assert_int_equal(q1(fx, "SELECT replied_at FROM messages WHERE id = ?",
	    1, args), (int64_t)t0 + 3600);
	assert_int_equal(q1(fx, "SELECT reply_id FROM messages WHERE id = ?",
	    1, args), reply);
	args[0] = c2;
	assert_int_equal(q1(fx, "SELECT reply_id FROM messages WHERE id = ?",
	    1, args), reply);
	/* The other thread still waits. */
	args[0] = c3;
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM messages WHERE id = ? "
	    "AND replied_at IS NULL", 1, args), 1);
	args[0] = traj;
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM messages WHERE "
	    "trajectory_id = ? AND deadline_at IS NOT NULL AND replied_at IS NULL",
	    1, args), 2);
}

static void
test_notifications_for_every_other_participant(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, args[2];
	struct audit_event pev = ev_for(fx, PRO1);

	assert_int_equal(traj_add_professional(fx->g->db, traj, fx->uid[PRO2],
	    &pev, NULL), 0);
	thid = thread_new(fx, traj, CLIENT1, "Nieuw", "Hallo allebei.", 0);
	args[1] = traj;
	args[0] = fx->uid[PRO1];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ? AND trajectory_id = ? AND sent_at IS NULL", 2, args), 1);
	args[0] = fx->uid[PRO2];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ? AND trajectory_id = ?", 2, args), 1);
	args[0] = fx->uid[CLIENT1];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ? AND trajectory_id = ?", 2, args), 0);

	post(fx, thid, PRO1, "Hallo!", 0);
	args[0] = fx->uid[CLIENT1];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ? AND trajectory_id = ?", 2, args), 1);
	args[0] = fx->uid[PRO2];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ? AND trajectory_id = ?", 2, args), 2);
	args[0] = fx->uid[PRO1];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ? AND trajectory_id = ?", 2, args), 1);
	args[0] = fx->uid[CLIENT2];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ? AND trajectory_id = ?", 2, args), 0);
}

/* --- Tests: closed trajectories and export -------------------------------- */

static void
test_closed_trajectory_is_read_only_but_readable(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, id, t2, m2;
	struct audit_event pev = ev_for(fx, PRO1), cev = ev_for(fx, CLIENT1);
	struct msg_post in = { 0 };
	struct msg_thread th;
	struct msg_message *m;
	struct msg_export x;
	size_t n;

	thid = thread_new(fx, traj, CLIENT1, "Afronding", "Bedankt voor alles.",
	    0);
	assert_int_equal(traj_set_phase(fx->g->db, traj, TRAJ_CLOSED, &pev), 0);
	assert_int_equal(post_full(fx, thid, CLIENT1, "Nog iets.", 0, NULL,
	    NULL, 0, 0, &id), ERR_FORBIDDEN);
	assert_int_equal(post_full(fx, thid, PRO1, "Graag gedaan.", 0, NULL,
	    NULL, 0, 0, &id), ERR_FORBIDDEN);
	in.author_id = fx->uid[CLIENT1];
	in.body = STR("x");
	assert_int_equal(msg_thread_create(&fx->env, traj, STR("Nieuw"), &in,
	    &cev, &t2, &m2), ERR_FORBIDDEN);
	assert_int_equal(msg_draft_save(&fx->env, thid, fx->uid[CLIENT1],
	    STR("x"), 0), ERR_FORBIDDEN);
	/* The client keeps reading and exporting. */
	view(fx, thid, CLIENT1, &th, &m, &n);
	assert_true(th.closed);
	assert_int_equal(n, 1);
	assert_int_equal(msg_export(&fx->env, traj, fx->uid[CLIENT1], &cev,
	    &fx->a, &x), 0);
	assert_int_equal(x.nthreads, 1);
}

static void
test_export_holds_every_message(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), t1, t2, id, first;
	struct audit_event cev = ev_for(fx, CLIENT1);
	struct msg_upload up = { "notes.txt", "Mijn notities\n", 14 };
	struct msg_thread th;
	struct msg_message *m;
	struct msg_export x;
	struct buf js = BUF_INIT;
	json_t *root, *threads, *jt, *msgs, *jm;
	json_error_t jerr;
	size_t n, i, k, total = 0;

	t1 = thread_new(fx, traj, CLIENT1, "Eén", "Bericht één \"met\" <tekens>", 0);
	post(fx, t1, PRO1, "Antwoord op één", 0);
	view(fx, t1, CLIENT1, &th, &m, &n);
	first = m[0].id;
	assert_int_equal(post_full(fx, t1, PRO1, "Met citaat", first,
	    "Bericht één", &up, 1, 0, &id), 0);
	assert_int_equal(msg_correct(&fx->env, first, fx->uid[CLIENT1],
	    STR("Bericht één, verbeterd"), 0, &cev, NULL, &id), 0);
	t2 = thread_new(fx, traj, PRO1, "Twee", "Bericht twee", 0);
	post(fx, t2, CLIENT1, "Antwoord twee", 0);

	assert_int_equal(msg_export(&fx->env, traj, fx->uid[CLIENT1], &cev,
	    &fx->a, &x), 0);
	assert_int_equal(x.nthreads, 2);
	msg_export_json(&x, &js);
	root = json_loadb(js.p, js.len, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "format")),
	    "infuus-conversation-1");
	threads = json_object_get(root, "threads");
	assert_int_equal(json_array_size(threads), 2);
	for (i = 0; i < json_array_size(threads); i++) {
		jt = json_array_get(threads, i);
		msgs = json_object_get(jt, "messages");
		for (k = 0; k < json_array_size(msgs); k++) {
			jm = json_array_get(msgs, k);
			assert_non_null(json_string_value(json_object_get(jm,
			    "body")));
			total++;
		}
	}
	assert_int_equal(total, 6);
	jt = json_array_get(threads, 0);
	assert_string_equal(json_string_value(json_object_get(jt, "subject")),
	    "Eén");
	msgs = json_object_get(jt, "messages");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(msgs, 0), "body")), "Bericht één \"met\" <tekens>");
	jm = json_array_get(msgs, 2);
	assert_string_equal(json_string_value(json_object_get(jm, "quote")),
	    "Bericht één");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(json_object_get(jm, "attachments"), 0), "name")),
	    "notes.txt");
	jm = json_array_get(msgs, 3);
	assert_string_equal(json_string_value(json_object_get(jm, "kind")),
	    "correction");
	assert_int_equal(json_integer_value(json_object_get(jm, "corrects")),
	    first);
	json_decref(root);
	buf_release(&js);

	/* Someone outside the trajectory exports nothing. */
	assert_int_equal(msg_export(&fx->env, traj, fx->uid[CLIENT2], &cev,
	    &fx->a, &x), ERR_FORBIDDEN);
}

/* --- Tests: search -------------------------------------------------------- */

static bool
allow_all(void *arg, int64_t traj)
{
	(void)arg;
	(void)traj;
	return true;
}

static bool
allow_none(void *arg, int64_t traj)
{
	(void)arg;
	(void)traj;
	return false;
}

static size_t
search(struct fx *fx, int who, const char *q, struct msg_hit **hits)
{
	struct audit_event ev = ev_for(fx, who);
	size_t n = 0;

	assert_int_equal(msg_search(&fx->env, fx->g->org, fx->uid[who], q,
	    allow_all, NULL, &ev, &fx->a, hits, &n), 0);
	return n;
}

static void
test_search_finds_words_the_user_may_see(void **state)
{
	struct fx *fx = *state;
	int64_t t1 = traj_with(fx, PRO1, CLIENT1, NULL);
	int64_t t2 = traj_with(fx, PRO2, CLIENT2, NULL);
	struct audit_event ev = ev_for(fx, PRO1);
	int64_t th1, th2, mid;
	struct msg_hit *hits;
	size_t n;

	th1 = thread_new(fx, t1, CLIENT1, "Koffie",
	    "Vanochtend in het Café zat ik met Crème-brûlée te piekeren over "
	    "mijn functioneringsgesprek met mijn leidinggevende.", 0);
	mid = post(fx, th1, PRO1, "Wat gebeurde er in dat functioneringsgesprek?",
	    0);
	th2 = thread_new(fx, t2, CLIENT2, "Ander traject",
	    "Ook ik zat in een café, over mijn werk te piekeren.", 0);
	(void)th2;

	/* Case and diacritics do not matter; whole words do. */
	n = search(fx, PRO1, "cafe", &hits);
	assert_int_equal(n, 1);
	assert_int_equal(hits[0].thread_id, th1);
	assert_string_equal(hits[0].subject, "Koffie");
	assert_non_null(strstr(hits[0].excerpt, "Café"));
	assert_int_equal(search(fx, PRO1, "CAFÉ", &hits), 1);
	assert_int_equal(search(fx, PRO1, "creme-brulee", &hits), 1);
	assert_int_equal(search(fx, CLIENT1, "CRÈME", &hits), 1);
	assert_int_equal(search(fx, PRO1, "caf", &hits), 0);
	/* Every word must occur. */
	n = search(fx, PRO1, "functioneringsgesprek", &hits);
	assert_int_equal(n, 2);
	assert_int_equal(hits[0].message_id, mid);   /* newest first */
	assert_int_equal(search(fx, PRO1, "functioneringsgesprek "
	    "leidinggevende", &hits), 1);
	assert_int_equal(search(fx, PRO1, "functioneringsgesprek olifant",
	    &hits), 0);
	/* The subject is found too. */
	assert_int_equal(search(fx, PRO1, "koffie", &hits), 1);

	/* Never another trajectory's messages. */
	n = search(fx, CLIENT2, "cafe", &hits);
	assert_int_equal(n, 1);
	assert_string_equal(hits[0].subject, "Ander traject");
	assert_int_equal(search(fx, CLIENT2, "leidinggevende", &hits), 0);
	assert_int_equal(search(fx, PRO2, "leidinggevende", &hits), 0);
	/* Nor what the caller's authorisation refuses. */
	assert_int_equal(msg_search(&fx->env, fx->g->org, fx->uid[PRO1], "cafe",
	    allow_none, NULL, &ev, &fx->a, &hits, &n), 0);
	assert_int_equal(n, 0);
	/* A query without words. */
	assert_int_equal(msg_search(&fx->env, fx->g->org, fx->uid[PRO1], "- ?",
	    allow_all, NULL, &ev, &fx->a, &hits, &n), ERR_INVAL);
}

static void
test_search_normalises_words(void **state)
{
	static const unsigned char key[SEARCH_KEY_BYTES] = { 1, 2, 3 };
	char w[LIMIT_SEARCH_WORD + 1];
	size_t pos = 0, len, s, e;
	struct str t = STR("Ĳsselmeer ÉÉN, straße  e\xcc\x81\xc3\xa9n a 1234");
	unsigned char t1[SEARCH_TOKEN_BYTES], t2[SEARCH_TOKEN_BYTES];
	struct buf f = BUF_INIT;

	(void)state;
	assert_true(search_next_word(t, &pos, w, &len, &s, &e));
	assert_string_equal(w, "ijsselmeer");
	assert_true(search_next_word(t, &pos, w, &len, &s, &e));
	assert_string_equal(w, "een");
	assert_true(search_next_word(t, &pos, w, &len, &s, &e));
	assert_string_equal(w, "strasse");
	assert_true(search_next_word(t, &pos, w, &len, &s, &e));
	assert_string_equal(w, "een");      /* combining accent dropped */
	assert_true(search_next_word(t, &pos, w, &len, &s, &e));
	assert_string_equal(w, "1234");     /* "a" is too short */
	assert_false(search_next_word(t, &pos, w, &len, &s, &e));
	search_token(key, "een", 3, t1);
	search_token(key, "eeN", 3, t2);
	assert_memory_not_equal(t1, t2, sizeof(t1));
	/* Distinct words: "een" twice counts once. */
	assert_int_equal(search_bloom(key, t, &f), 4);
	buf_release(&f);
}

/* Filters of text of n distinct words ("w0".."w<n-1>", each twice). */
static void
words_text(size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < 2 * n; i++)
		buf_printf(out, "w%zu ", i % n);
}

static size_t
bits_set(const unsigned char *f, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len * 8; i++)
		n += (f[i / 8] >> (i % 8)) & 1;
	return n;
}

static void
test_search_filter_size_follows_distinct_words(void **state)
{
	static const unsigned char key[SEARCH_KEY_BYTES] = { 9, 8, 7 };
	static const size_t counts[] = { 0, 5, 16, 17, 100, 1000,
		LIMIT_SEARCH_TOKENS, LIMIT_SEARCH_TOKENS + 500 };
	unsigned char tok[SEARCH_TOKEN_BYTES];
	struct buf text = BUF_INIT, f = BUF_INIT;
	char w[32];
	size_t i, k, n, set;

	(void)state;
	/* 16 bits per word, at least 256, whole 64-bit words, capped. */
	assert_int_equal(search_bloom_bytes(0), 32);
	assert_int_equal(search_bloom_bytes(16), 32);
	assert_int_equal(search_bloom_bytes(17), 40);
	assert_int_equal(search_bloom_bytes(100), 200);
	assert_int_equal(search_bloom_bytes(1000), 2000);
	assert_int_equal(search_bloom_bytes(LIMIT_SEARCH_TOKENS),
	    LIMIT_SEARCH_BLOOM_BYTES);
	assert_int_equal(search_bloom_bytes(LIMIT_SEARCH_TOKENS * 2),
	    LIMIT_SEARCH_BLOOM_BYTES);
	assert_false(search_bloom_valid(0));
	assert_false(search_bloom_valid(24));
	assert_false(search_bloom_valid(36));
	assert_false(search_bloom_valid(LIMIT_SEARCH_BLOOM_BYTES + 8));
	assert_true(search_bloom_valid(32));
	assert_true(search_bloom_valid(LIMIT_SEARCH_BLOOM_BYTES));

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		buf_reset(&text);
		buf_reset(&f);
		words_text(counts[i], &text);
		n = search_bloom(key, buf_str(&text), &f);
		assert_int_equal(n, counts[i] < LIMIT_SEARCH_TOKENS ?
		    counts[i] : LIMIT_SEARCH_TOKENS);
		assert_int_equal(f.len, search_bloom_bytes(n));
		assert_true(search_bloom_valid(f.len));
		/* Each word sets at most SEARCH_BLOOM_K bits, about
		 * 40% of the filter at the design's load. */
		set = bits_set((unsigned char *)f.p, f.len);
		assert_true(set <= n * SEARCH_BLOOM_K);
		if (n >= 100)
			assert_true(set > f.len * 8 / 4 &&
			    set < f.len * 8 * 3 / 4);
		/* Every word of the text is in it. */
		for (k = 0; k < counts[i]; k += 7) {
			snprintf(w, sizeof(w), "w%zu", k);
			search_token(key, w, strlen(w), tok);
			if (k < LIMIT_SEARCH_TOKENS || n == counts[i])
				assert_true(search_bloom_has(f.p, f.len, tok) ||
				    n < counts[i]);
		}
	}
	/* False positives stay near the design's rate (about 0.05% at 16
	 * bits a word), at the least size too: 100,000 absent words may
	 * pass at most 100 times. */
	for (i = 0; i < 2; i++) {
		size_t fp = 0;

		buf_reset(&text);
		buf_reset(&f);
		words_text(i == 0 ? 16 : 100, &text);
		(void)search_bloom(key, buf_str(&text), &f);
		for (k = 0; k < 100000; k++) {
			snprintf(w, sizeof(w), "afwezig%zu", k);
			search_token(key, w, strlen(w), tok);
			fp += search_bloom_has(f.p, f.len, tok);
		}
		assert_true(fp <= 100);
	}
	/* A text without words has an empty filter of the least size. */
	buf_reset(&f);
	assert_int_equal(search_bloom(key, STR("? ! -- a"), &f), 0);
	assert_int_equal(f.len, 32);
	assert_int_equal(bits_set((unsigned char *)f.p, f.len), 0);
	/* Another key, other bits. */
	{
		static const unsigned char key2[SEARCH_KEY_BYTES] = { 1 };
		struct buf g = BUF_INIT;

		buf_reset(&f);
		buf_reset(&text);
		words_text(100, &text);
		(void)search_bloom(key, buf_str(&text), &f);
		(void)search_bloom(key2, buf_str(&text), &g);
		assert_int_equal(f.len, g.len);
		assert_memory_not_equal(f.p, g.p, f.len);
		buf_release(&g);
	}
	buf_release(&text);
	buf_release(&f);
}

/* Set (or, p NULL, clear) a message's filter, as a damaged or pre-013
 * row would have it. */
struct bloom_job {
	int64_t id;
	const void *p;
	size_t len;
};

static int
bloom_set_run(struct db_conn *c, void *arg)
{
	struct bloom_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE messages SET search_bloom = ? "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	if (j->p != NULL)
		db_bind_blob(st, 1, j->p, j->len);
	else
		db_bind_null(st, 1);
	db_bind_i64(st, 2, j->id);
	return db_step_one(st, ERR_NOTFOUND);
}

static void
set_bloom(struct fx *fx, int64_t id, const void *p, size_t len)
{
	struct bloom_job j = { id, p, len };

	assert_int_equal(db_write(fx->g->db, bloom_set_run, &j), 0);
}

/* A message's filter as stored; false when it has none. */
static bool
get_bloom(struct fx *fx, int64_t id, struct buf *out)
{
	struct db_conn *c;
	struct db_stmt *st;
	bool have;

	buf_reset(out);
	assert_int_equal(db_read_begin(fx->g->db, &c), 0);
	assert_int_equal(db_prepare(c, "SELECT search_bloom FROM messages "
	    "WHERE id = ?", &st), 0);
	db_bind_i64(st, 1, id);
	assert_int_equal(db_step(st), DB_ROW);
	have = !db_col_null(st, 0);
	buf_addstr(out, db_col_blob(st, 0));
	db_done(st);
	db_read_end(fx->g->db, c);
	return have;
}

static int64_t
first_of(struct fx *fx, int64_t thid)
{
	return q1(fx, "SELECT MIN(id) FROM messages WHERE thread_id = ?", 1,
	    &thid);
}

static void
test_search_filter_false_positives_are_not_returned(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, first, mid;
	unsigned char key[SEARCH_KEY_BYTES], tok[SEARCH_TOKEN_BYTES];
	unsigned char all[64];
	struct buf text = BUF_INIT, f = BUF_INIT;
	struct msg_hit *hits;
	struct db_conn *c;
	char w[32];
	size_t i;
	bool fp = false;

	thid = thread_new(fx, traj, CLIENT1, "Voorjaar",
	    "De appelboom bloeit weer.", 0);
	first = first_of(fx, thid);
	mid = post(fx, thid, PRO1, "Vertel eens meer over die boomgaard.", 0);

	/* A filter that says yes to every word: only the message's own
	 * words find it. */
	memset(all, 0xff, sizeof(all));
	set_bloom(fx, mid, all, sizeof(all));
	assert_int_equal(search(fx, PRO1, "boomgaard", &hits), 1);
	assert_int_equal(hits[0].message_id, mid);
	assert_int_equal(search(fx, PRO1, "olifantenpaadje", &hits), 0);
	assert_int_equal(search(fx, PRO1, "boomgaard olifantenpaadje", &hits),
	    0);
	for (i = 0; i < 40; i++) {
		snprintf(w, sizeof(w), "afwezigwoord%zu", i);
		assert_int_equal(search(fx, PRO1, w, &hits), 0);
	}
	/* The subject belongs to the thread's first message only. */
	assert_int_equal(search(fx, PRO1, "voorjaar", &hits), 1);
	assert_int_equal(hits[0].message_id, first);

	/* A real false positive: a word the message lacks whose bits are
	 * all set in its filter (about 1 word in 2,000). */
	words_text(120, &text);
	mid = post(fx, thid, CLIENT1, text.p, 0);
	assert_true(get_bloom(fx, mid, &f));
	assert_int_equal(f.len, search_bloom_bytes(120));
	assert_int_equal(db_read_begin(fx->g->db, &c), 0);
	assert_int_equal(search_key_get(fx->g->kr, c, fx->g->org, key), 0);
	db_read_end(fx->g->db, c);
	search_token(key, "w7", 2, tok);
	assert_true(search_bloom_has(f.p, f.len, tok));
	for (i = 0; i < 2000000 && !fp; i++) {
		snprintf(w, sizeof(w), "qz%zux", i);
		search_token(key, w, strlen(w), tok);
		fp = search_bloom_has(f.p, f.len, tok);
	}
	assert_true(fp);
	assert_int_equal(search(fx, PRO1, w, &hits), 0);
	assert_int_equal(search(fx, PRO1, "w7", &hits), 1);
	assert_int_equal(hits[0].message_id, mid);
	buf_release(&text);
	buf_release(&f);
}

static void
test_search_in_a_large_thread_finds_the_right_message(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid;
	int64_t ids[241];
	struct msg_hit *hits;
	struct buf f = BUF_INIT;
	char body[160], w[40];
	size_t i, n;

	thid = thread_new(fx, traj, CLIENT1, "Logboek",
	    "Dag nul: gewoon een dag.", 0);
	for (i = 1; i <= 240; i++) {
		snprintf(body, sizeof(body), "Dag %zu: gewoon een dag, "
		    "dagnotitie%zu.%s", i, i, i == 77 ? " Een zeldzaamheid!" :
		    "");
		ids[i] = post(fx, thid, i % 2 ? PRO1 : CLIENT1, body, 0);
	}
	assert_int_equal(search(fx, PRO1, "zeldzaamheid", &hits), 1);
	assert_int_equal(hits[0].message_id, ids[77]);
	assert_non_null(strstr(hits[0].excerpt, "zeldzaamheid"));
	assert_int_equal(search(fx, CLIENT1, "gewoon ZELDZAAMHEID", &hits), 1);
	assert_int_equal(hits[0].message_id, ids[77]);
	assert_int_equal(search(fx, PRO1, "dagnotitie123", &hits), 1);
	assert_int_equal(hits[0].message_id, ids[123]);
	assert_int_equal(search(fx, PRO1, "dagnotitie123 zeldzaamheid", &hits),
	    0);
	/* A word in every message: the newest LIMIT_SEARCH_RESULTS. */
	n = search(fx, PRO1, "gewoon", &hits);
	assert_int_equal(n, LIMIT_SEARCH_RESULTS);
	for (i = 0; i < n; i++)
		assert_int_equal(hits[i].message_id, ids[240 - i]);
	/* Each filter has the size of its message's words. */
	assert_true(get_bloom(fx, ids[77], &f));
	assert_int_equal(f.len, search_bloom_bytes(7));
	snprintf(w, sizeof(w), "dagnotitie%d", 200);
	assert_int_equal(search(fx, CLIENT1, w, &hits), 1);
	assert_int_equal(hits[0].message_id, ids[200]);
	buf_release(&f);
}

static void
test_search_indexes_messages_without_a_filter(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, first, mid;
	struct msg_upload up = { "Vuurtorenplan.txt", "plan\n", 5 };
	struct buf f0 = BUF_INIT, f1 = BUF_INIT, m0 = BUF_INIT;
	struct buf m1 = BUF_INIT;
	struct msg_hit *hits;
	static const char bad[3] = { 1, 2, 3 };

	thid = thread_new(fx, traj, CLIENT1, "Kustwandeling",
	    "Een bericht van voor de filters, over de duinen.", 0);
	first = first_of(fx, thid);
	assert_int_equal(post_full(fx, thid, PRO1, "Mooi, en de *meeuwen*?",
	    0, NULL, &up, 1, 0, &mid), 0);
	assert_true(get_bloom(fx, first, &f0));
	assert_true(get_bloom(fx, mid, &m0));

	/* As if posted before 013 (no filter) or damaged: still found, by
	 * body, subject and attachment name... */
	set_bloom(fx, first, NULL, 0);
	set_bloom(fx, mid, bad, sizeof(bad));
	assert_int_equal(search(fx, PRO1, "duinen", &hits), 1);
	assert_int_equal(hits[0].message_id, first);
	assert_int_equal(search(fx, PRO1, "kustwandeling", &hits), 1);
	assert_int_equal(hits[0].message_id, first);
	assert_int_equal(search(fx, PRO1, "vuurtorenplan", &hits), 1);
	assert_int_equal(hits[0].message_id, mid);
	assert_int_equal(search(fx, PRO1, "meeuwen", &hits), 1);
	assert_int_equal(hits[0].message_id, mid);
	assert_int_equal(search(fx, PRO1, "zeehond", &hits), 0);

	/* ... and the search that opened them wrote the very filters
	 * posting made. */
	assert_true(get_bloom(fx, first, &f1));
	assert_true(get_bloom(fx, mid, &m1));
	assert_int_equal(f1.len, f0.len);
	assert_memory_equal(f1.p, f0.p, f0.len);
	assert_int_equal(m1.len, m0.len);
	assert_memory_equal(m1.p, m0.p, m0.len);
	assert_int_equal(search(fx, PRO1, "duinen", &hits), 1);
	buf_release(&f0);
	buf_release(&f1);
	buf_release(&m0);
	buf_release(&m1);
}

/* --- Tests: attachments --------------------------------------------------- */

static void
le16(struct buf *b, unsigned v)
{
	buf_addch(b, (char)(v & 0xff));
	buf_addch(b, (char)((v >> 8) & 0xff));
}

static void
le32(struct buf *b, unsigned long v)
{
	le16(b, (unsigned)(v & 0xffff));
	le16(b, (unsigned)((v >> 16) & 0xffff));
}

/* A stored zip of the named entries (CRCs left 0: nothing here checks). */
static void
zip(struct buf *b, const char *const *names, const char *const *data,
    size_t n)
{
	struct buf cd = BUF_INIT;
	unsigned long off[8], cdoff;
	size_t i;

	for (i = 0; i < n; i++) {
		off[i] = b->len;
		le32(b, 0x04034b50);
		le16(b, 20); le16(b, 0); le16(b, 0); le16(b, 0); le16(b, 0);
		le32(b, 0);
		le32(b, strlen(data[i]));
		le32(b, strlen(data[i]));
		le16(b, (unsigned)strlen(names[i]));
		le16(b, 0);
		buf_adds(b, names[i]);
		buf_adds(b, data[i]);
	}
	for (i = 0; i < n; i++) {
		le32(&cd, 0x02014b50);
		le16(&cd, 20); le16(&cd, 20); le16(&cd, 0); le16(&cd, 0);
		le16(&cd, 0); le16(&cd, 0);
		le32(&cd, 0);
		le32(&cd, strlen(data[i]));
		le32(&cd, strlen(data[i]));
		le16(&cd, (unsigned)strlen(names[i]));
		le16(&cd, 0); le16(&cd, 0); le16(&cd, 0); le16(&cd, 0);
		le32(&cd, 0);
		le32(&cd, off[i]);
		buf_adds(&cd, names[i]);
	}
	cdoff = b->len;
	buf_add(b, cd.p, cd.len);
	le32(b, 0x06054b50);
	le16(b, 0); le16(b, 0);
	le16(b, (unsigned)n); le16(b, (unsigned)n);
	le32(b, cd.len);
	le32(b, cdoff);
	le16(b, 0);
	buf_release(&cd);
}

static void
test_attachment_types_by_content(void **state)
{
	static const char *const docx_names[] = { "[Content_Types].xml",
		"word/document.xml" };
	static const char *const docx_data[] = { "<Types/>", "<w:document/>" };
	static const char *const odt_names[] = { "mimetype", "content.xml" };
	static const char *const odt_data[] = {
		"application/vnd.oasis.opendocument.text", "<office/>" };
	static const char *const ods_data[] = {
		"application/vnd.oasis.opendocument.spreadsheet", "<office/>" };
	static const char *const zip_names[] = { "evil.exe" };
	static const char *const zip_data[] = { "MZ" };
	struct buf z = BUF_INIT;

	(void)state;
	assert_string_equal(msg_sniff_type(pdf_bytes, sizeof(pdf_bytes) - 1),
	    "application/pdf");
	assert_string_equal(msg_sniff_type("\x89PNG\r\n\x1a\nrest", 12),
	    "image/png");
	assert_string_equal(msg_sniff_type("\xff\xd8\xff\xe0xx", 6), "image/jpeg");
	assert_string_equal(msg_sniff_type("GIF89a...", 9), "image/gif");
	assert_string_equal(msg_sniff_type("Gewoon tekst, één regel.\n", 26),
	    "text/plain");
	assert_null(msg_sniff_type("MZ\x90\x00\x03", 5));          /* .exe */
	assert_null(msg_sniff_type("\x7f" "ELF\x02\x01", 6));
	assert_null(msg_sniff_type("text with \x01 control", 20));
	assert_null(msg_sniff_type("bad \xff utf8", 10));
	assert_null(msg_sniff_type("", 0));
	zip(&z, docx_names, docx_data, 2);
	assert_string_equal(msg_sniff_type(z.p, z.len), "application/"
	    "vnd.openxmlformats-officedocument.wordprocessingml.document");
	buf_reset(&z);
	zip(&z, odt_names, odt_data, 2);
	assert_string_equal(msg_sniff_type(z.p, z.len),
	    "application/vnd.oasis.opendocument.text");
	buf_reset(&z);
	zip(&z, odt_names, ods_data, 2);
	assert_null(msg_sniff_type(z.p, z.len));
	buf_reset(&z);
	zip(&z, zip_names, zip_data, 1);
	assert_null(msg_sniff_type(z.p, z.len));
	/* A truncated zip is no document. */
	assert_null(msg_sniff_type(z.p, z.len - 10));
	buf_release(&z);
	assert_true(msg_type_allowed("image/png"));
	assert_false(msg_type_allowed("text/html"));
}

static void
test_attachment_names_are_cleaned(void **state)
{
	struct arena a;
	char long_name[400];

	(void)state;
	arena_init(&a);
	assert_string_equal(msg_clean_name("C:\\Users\\x\\verslag.pdf", &a),
	    "verslag.pdf");
	assert_string_equal(msg_clean_name("../../etc/passwd", &a), "passwd");
	assert_string_equal(msg_clean_name("..", &a), "attachment");
	assert_string_equal(msg_clean_name("", &a), "attachment");
	assert_string_equal(msg_clean_name(".hidden", &a), "hidden");
	assert_string_equal(msg_clean_name("<img src=x onerror=alert(1)>.pdf",
	    &a), "_img src=x onerror=alert(1)_.pdf");
	assert_string_equal(msg_clean_name("a\"b\r\nc\x01.txt", &a), "a_bc.txt");
	assert_string_equal(msg_clean_name("rapport\xe2\x80\xae" "fdp.exe", &a),
	    "rapportfdp.exe");
	assert_string_equal(msg_clean_name("caf\xc3\xa9.txt", &a), "café.txt");
	assert_string_equal(msg_clean_name("bad\xff.txt", &a), "bad_.txt");
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(strlen(msg_clean_name(long_name, &a)),
	    LIMIT_ATTACHMENT_NAME);
	arena_release(&a);
}

/* The stored name's extension follows the type told by the content, so a
 * text file named "invoice.pdf.bat" cannot be saved and run as a batch
 * file (issue 9, finding 6). */
static void
test_attachment_extension_follows_the_type(void **state)
{
	struct arena a;
	char long_name[LIMIT_ATTACHMENT_NAME + 1];

	(void)state;
	arena_init(&a);
	assert_string_equal(msg_name_for_type("invoice.pdf.bat", "text/plain",
	    &a), "invoice.pdf.txt");
	assert_string_equal(msg_name_for_type("x.hta", "text/plain", &a),
	    "x.txt");
	assert_string_equal(msg_name_for_type("page.html", "text/plain", &a),
	    "page.txt");
	assert_string_equal(msg_name_for_type("logo.svg", "image/png", &a),
	    "logo.png");
	assert_string_equal(msg_name_for_type("run.js", "application/pdf", &a),
	    "run.pdf");
	assert_string_equal(msg_name_for_type("foto", "image/jpeg", &a),
	    "foto.jpg");
	/* Names that already say what they are stay as they are. */
	assert_string_equal(msg_name_for_type("Foto.JPEG", "image/jpeg", &a),
	    "Foto.JPEG");
	assert_string_equal(msg_name_for_type("verslag.docx",
	    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	    &a), "verslag.docx");
	assert_string_equal(msg_name_for_type("a.txt", "text/html", &a),
	    "attachment");
	/* A long name keeps its limit with the new extension. */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 5] = '.';
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(strlen(msg_name_for_type(long_name, "image/gif", &a)),
	    LIMIT_ATTACHMENT_NAME);
	arena_release(&a);
}

static void
test_attachment_limits_and_round_trip(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, id, aid;
	struct audit_event ev = ev_for(fx, PRO1);
	struct msg_upload ups[LIMIT_ATTACHMENTS + 1];
	struct msg_attachment meta;
	struct msg_thread th;
	struct msg_message *m;
	struct buf data = BUF_INIT;
	char *big;
	size_t i, n;

	thid = thread_new(fx, traj, CLIENT1, "Bijlagen", "Zie bijlage.", 0);
	for (i = 0; i <= LIMIT_ATTACHMENTS; i++) {
		ups[i].name = "doc.pdf";
		ups[i].data = pdf_bytes;
		ups[i].len = sizeof(pdf_bytes) - 1;
	}
	assert_int_equal(post_full(fx, thid, CLIENT1, "Zes.", 0, NULL, ups,
	    LIMIT_ATTACHMENTS + 1, 0, &id), ERR_TOOMANY);
	big = calloc(1, LIMIT_ATTACHMENT + 1);
	assert_non_null(big);
	memcpy(big, "%PDF-", 5);
	ups[0].data = big;
	ups[0].len = LIMIT_ATTACHMENT + 1;
	assert_int_equal(post_full(fx, thid, CLIENT1, "Te groot.", 0, NULL, ups,
	    1, 0, &id), ERR_TOOBIG);
	ups[0].len = LIMIT_ATTACHMENT;          /* exactly the limit is fine */
	ups[1].name = "programma.pdf";
	ups[1].data = "MZ\x90\x00";
	ups[1].len = 4;
	assert_int_equal(post_full(fx, thid, CLIENT1, "Verkeerd type.", 0, NULL,
	    ups, 2, 0, &id), ERR_MEDIATYPE);
	ups[1].data = "";
	ups[1].len = 0;
	assert_int_equal(post_full(fx, thid, CLIENT1, "Leeg.", 0, NULL, ups + 1,
	    1, 0, &id), ERR_TOOBIG);
	/* Nothing of the refused posts was stored. */
	view(fx, thid, CLIENT1, &th, &m, &n);
	assert_int_equal(n, 1);

	ups[1].name = "../<script>plan.txt";
	ups[1].data = "Mijn plan.\n";
	ups[1].len = 11;
	assert_int_equal(post_full(fx, thid, CLIENT1, "Twee bijlagen.", 0, NULL,
	    ups, 2, 0, &id), 0);
	free(big);
	view(fx, thid, PRO1, &th, &m, &n);
	assert_int_equal(n, 2);
	assert_int_equal(m[1].natt, 2);
	assert_string_equal(m[1].att[0].type, "application/pdf");
	assert_int_equal(m[1].att[0].size, LIMIT_ATTACHMENT);
	assert_string_equal(m[1].att[1].name, "_script_plan.txt");
	assert_string_equal(m[1].att[1].type, "text/plain");
	aid = m[1].att[1].id;
	assert_int_equal(msg_attachment_get(&fx->env, aid, fx->uid[PRO1], &ev,
	    &fx->a, &meta, &data), 0);
	assert_int_equal(data.len, 11);
	assert_memory_equal(data.p, "Mijn plan.\n", 11);
	assert_string_equal(meta.name, "_script_plan.txt");
	buf_release(&data);
	assert_int_equal(msg_attachment_get(&fx->env, aid, fx->uid[CLIENT2], &ev,
	    &fx->a, &meta, &data), ERR_FORBIDDEN);
	buf_release(&data);
}

/* --- Tests: the access log ------------------------------------------------ */

static int64_t
audit_count(struct fx *fx, const char *action, const char *kind,
    const char *detail, int64_t object, int64_t actor)
{
	struct db_conn *c;
	struct db_stmt *st;
	int64_t v = -1;

	assert_int_equal(db_read_begin(fx->g->db, &c), 0);
	assert_int_equal(db_prepare(c, "SELECT COUNT(*) FROM audit_log WHERE "
	    "org_id = ? AND action = ? AND kind = ? AND "
	    "COALESCE(detail, '') = ? AND (? = 0 OR object_id = ?) AND "
	    "actor_id = ?", &st), 0);
	db_bind_i64(st, 1, fx->g->org);
	db_bind_textz(st, 2, action);
	db_bind_textz(st, 3, kind);
	db_bind_textz(st, 4, detail);
	db_bind_i64(st, 5, object);
	db_bind_i64(st, 6, object);
	db_bind_i64(st, 7, actor);
	assert_int_equal(db_step(st), DB_ROW);
	v = db_col_i64(st, 0);
	db_done(st);
	db_read_end(fx->g->db, c);
	return v;
}

static void
test_access_log_has_every_access(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, mid, aid;
	struct audit_event pev = ev_for(fx, PRO1), cev = ev_for(fx, CLIENT1);
	struct msg_upload up = { "a.txt", "tekst\n", 6 };
	struct msg_attachment meta;
	struct msg_thread th, *list;
	struct msg_message *m;
	struct msg_export x;
	struct msg_hit *hits;
	struct buf data = BUF_INIT;
	int64_t args[1];
	size_t n;

	thid = thread_new(fx, traj, CLIENT1, "Log", "Eerste regel.", 0);
	assert_int_equal(audit_count(fx, "C", "thread", "", thid,
	    fx->uid[CLIENT1]), 1);
	assert_int_equal(post_full(fx, thid, PRO1, "Met logboekbijlage.", 0,
	    NULL, &up,
	    1, 0, &mid), 0);
	assert_int_equal(audit_count(fx, "C", "message", "", mid,
	    fx->uid[PRO1]), 1);
	/* The entry names the client whose data it is. */
	args[0] = mid;
	assert_int_equal(q1(fx, "SELECT client_id FROM audit_log WHERE "
	    "action = 'C' AND kind = 'message' AND object_id = ?", 1, args),
	    fx->uid[CLIENT1]);

	view(fx, thid, PRO1, &th, &m, &n);
	view(fx, thid, PRO1, &th, &m, &n);
	assert_int_equal(audit_count(fx, "R", "message", "", thid,
	    fx->uid[PRO1]), 2);
	assert_int_equal(msg_threads(&fx->env, traj, fx->uid[CLIENT1], &cev,
	    &fx->a, &list, &n), 0);
	assert_int_equal(audit_count(fx, "R", "thread", "list", traj,
	    fx->uid[CLIENT1]), 1);
	aid = m[1].att[0].id;
	assert_int_equal(msg_attachment_get(&fx->env, aid, fx->uid[CLIENT1],
	    &cev, &fx->a, &meta, &data), 0);
	buf_release(&data);
	assert_int_equal(audit_count(fx, "R", "attachment", "download", aid,
	    fx->uid[CLIENT1]), 1);
	assert_int_equal(msg_export(&fx->env, traj, fx->uid[CLIENT1], &cev,
	    &fx->a, &x), 0);
	assert_int_equal(audit_count(fx, "E", "trajectory", "export", traj,
	    fx->uid[CLIENT1]), 1);
	assert_int_equal(msg_search(&fx->env, fx->g->org, fx->uid[PRO1],
	    "logboekbijlage", allow_all, NULL, &pev, &fx->a, &hits, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(audit_count(fx, "R", "trajectory", "search", traj,
	    fx->uid[PRO1]), 1);
	/* A search that finds nothing is logged too, without object. */
	assert_int_equal(msg_search(&fx->env, fx->g->org, fx->uid[PRO1],
	    "nergensvoorkomend", allow_all, NULL, &pev, &fx->a, &hits, &n), 0);
	assert_int_equal(n, 0);
	args[0] = fx->uid[PRO1];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM audit_log WHERE "
	    "detail = 'search' AND object_id IS NULL AND actor_id = ?", 1,
	    args) >= 1, 1);
	/* The chain stays intact through all of it. */
	{
		struct audit_verify_report rep;

		assert_int_equal(audit_verify(fx->g->db, fx->g->org, &rep), 0);
		assert_int_equal(rep.problem, AUDIT_INTACT);
	}
}

/* --- Tests: a thread a page at a time ------------------------------------- */

static int
page(struct fx *fx, int64_t thid, int who, int64_t before,
    struct msg_page *pg)
{
	struct audit_event ev = ev_for(fx, who);
	struct msg_thread th;

	return msg_thread_page(&fx->env, thid, fx->uid[who], before, &ev,
	    &fx->a, &th, pg);
}

/* Two full pages and a few: the first page is the newest
 * LIMIT_THREAD_PAGE in order, and the cursor walks back to the first
 * message without gaps or repeats. */
static void
test_thread_page_is_the_latest_and_the_cursor_walks_back(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, before = 0;
	enum { TOTAL = 2 * LIMIT_THREAD_PAGE + 7 };
	int64_t ids[TOTAL], seen[TOTAL];
	struct msg_page pg;
	size_t i, k, pages = 0, nseen = 0;
	char body[64];

	thid = thread_new(fx, traj, CLIENT1, "Dagboek", "bericht 0", 0);
	assert_int_equal(page(fx, thid, PRO1, 0, &pg), 0);
	ids[0] = pg.msgs[0].id;
	for (i = 1; i < TOTAL; i++) {
		snprintf(body, sizeof(body), "bericht %zu", i);
		ids[i] = post(fx, thid, i % 3 ? PRO1 : CLIENT1, body, 0);
	}

	assert_int_equal(page(fx, thid, CLIENT1, 0, &pg), 0);
	assert_int_equal(pg.n, LIMIT_THREAD_PAGE);
	assert_int_equal(pg.nlater, 0);
	for (i = 0; i < pg.n; i++)
		assert_int_equal(pg.msgs[i].id,
		    ids[TOTAL - LIMIT_THREAD_PAGE + i]);
	assert_true(pg.more);
	assert_int_equal(pg.next_before, pg.msgs[0].id);

	/* Walk back from the newest; pages come newest first. */
	do {
		assert_int_equal(page(fx, thid, PRO1, before, &pg), 0);
		assert_true(pg.n > 0 && nseen + pg.n <= TOTAL);
		for (i = 0; i + 1 < pg.n; i++)
			assert_true(pg.msgs[i].id < pg.msgs[i + 1].id);
		memmove(seen + pg.n, seen, nseen * sizeof(*seen));
		for (i = 0; i < pg.n; i++)
			seen[i] = pg.msgs[i].id;
		nseen += pg.n;
		before = pg.next_before;
		assert_true(pg.more == (before != 0));
		pages++;
	} while (pg.more);
	assert_int_equal(pages, 3);
	assert_int_equal(nseen, TOTAL);
	for (k = 0; k < TOTAL; k++)
		assert_int_equal(seen[k], ids[k]);
	assert_string_equal(pg.msgs[0].body, "bericht 0");

	/* The old form is the first page. */
	{
		struct audit_event ev = ev_for(fx, PRO1);
		struct msg_thread th;
		struct msg_message *m;
		size_t n;
		bool more = false;

		assert_int_equal(msg_thread_view(&fx->env, thid, fx->uid[PRO1],
		    &ev, &fx->a, &th, &m, &n, &more), 0);
		assert_int_equal(n, LIMIT_THREAD_PAGE);
		assert_true(more);
		assert_int_equal(m[n - 1].id, ids[TOTAL - 1]);
	}
}

/* A cursor names a message of this thread; anything else finds nothing,
 * and someone outside the trajectory gets nothing with any cursor. */
static void
test_thread_page_refuses_a_foreign_cursor(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, other, mine;
	int64_t theirs;
	struct msg_page pg;

	thid = thread_new(fx, traj, CLIENT1, "Hier", "een", 0);
	mine = post(fx, thid, PRO1, "twee", 0);
	other = thread_new(fx, traj, CLIENT1, "Daar", "drie", 0);
	theirs = post(fx, other, PRO1, "vier", 0);

	assert_int_equal(page(fx, thid, PRO1, mine, &pg), 0);
	assert_int_equal(pg.n, 1);
	assert_string_equal(pg.msgs[0].body, "een");
	assert_false(pg.more);
	assert_int_equal(pg.next_before, 0);
	assert_int_equal(page(fx, thid, PRO1, theirs, &pg), ERR_NOTFOUND);
	assert_null(pg.msgs);
	assert_int_equal(page(fx, thid, PRO1, theirs + 1000000, &pg),
	    ERR_NOTFOUND);
	assert_int_equal(page(fx, thid, PRO1, -1, &pg), ERR_INVAL);
	assert_int_equal(page(fx, thid, CLIENT2, mine, &pg), ERR_FORBIDDEN);
	assert_int_equal(page(fx, thid, PRO2, mine, &pg), ERR_FORBIDDEN);
}

/* A message on an older page that was corrected later shows its current
 * text there (the correction comes along in pg.later, not in the page);
 * reading an older page marks its messages read. */
static void
test_older_page_keeps_corrections_and_read_state(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1, NULL), thid, old, corr;
	int64_t args[2];
	struct audit_event ev = ev_for(fx, PRO1);
	struct msg_page pg;
	size_t i;

	thid = thread_new(fx, traj, CLIENT1, "Lang", "begin", 0);
	old = post(fx, thid, PRO1, "oude tekst", 0);
	for (i = 0; i < LIMIT_THREAD_PAGE; i++)
		post(fx, thid, i % 2 ? PRO1 : CLIENT1, "tussendoor", 0);
	assert_int_equal(msg_correct(&fx->env, old, fx->uid[PRO1],
	    STR("nieuwe tekst"), 0, &ev, NULL, &corr), 0);

	/* The newest page holds the correction, not its message. */
	assert_int_equal(page(fx, thid, CLIENT1, 0, &pg), 0);
	assert_true(pg.more);
	assert_int_equal(pg.msgs[pg.n - 1].id, corr);
	assert_int_equal(pg.msgs[pg.n - 1].corrects, old);
	for (i = 0; i < pg.n; i++)
		assert_true(pg.msgs[i].id != old);

	/* The older page holds the message, and its correction after it. */
	args[0] = old;
	args[1] = fx->uid[CLIENT1];
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM message_reads WHERE "
	    "message_id = ? AND user_id = ?", 2, args), 0);
	assert_int_equal(page(fx, thid, CLIENT1, pg.next_before, &pg), 0);
	assert_int_equal(pg.n, 3);     /* begin, old, the first in between */
	assert_int_equal(pg.msgs[1].id, old);
	assert_string_equal(pg.msgs[1].body, "oude tekst");
	assert_true(pg.msgs[1].unread);
	assert_int_equal(pg.nlater, 1);
	assert_ptr_equal(pg.later, pg.msgs + pg.n);
	assert_int_equal(pg.later[0].id, corr);
	assert_int_equal(pg.later[0].kind, MSG_CORRECTION);
	assert_string_equal(pg.later[0].body, "nieuwe tekst");
	/* A page marks nothing (a view is a GET); its form marks what it
	 * showed, up to the newest message on it. */
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM message_reads WHERE "
	    "message_id = ? AND user_id = ?", 2, args), 0);
	assert_int_equal(msg_thread_mark_read(&fx->env, thid, fx->uid[CLIENT1],
	    pg.msgs[pg.n - 1].id, 0), 0);
	assert_int_equal(q1(fx, "SELECT COUNT(*) FROM message_reads WHERE "
	    "message_id = ? AND user_id = ?", 2, args), 1);
	assert_int_equal(page(fx, thid, CLIENT1, old, &pg), 0);
	assert_int_equal(pg.n, 1);
	assert_int_equal(pg.nlater, 0);
}

/* --- main ----------------------------------------------------------------- */

/* Their prestate, the group's struct fixture, is set by fixture_run. */
#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest db_tests[] = {
	DB_TEST(test_post_and_list_round_trip),
	DB_TEST(test_empty_or_bad_text_is_refused),
	DB_TEST(test_nothing_is_stored_in_plain_text),
	DB_TEST(test_quote_must_occur_in_its_source),
	DB_TEST(test_correction_keeps_the_original),
	DB_TEST(test_read_state_and_the_clients_choice),
	DB_TEST(test_drafts_save_load_delete),
	DB_TEST(test_reply_deadline_from_the_promise),
	DB_TEST(test_post_reads_from_one_snapshot),
	DB_TEST(test_professional_reply_marks_waiting_messages),
	DB_TEST(test_notifications_for_every_other_participant),
	DB_TEST(test_closed_trajectory_is_read_only_but_readable),
	DB_TEST(test_export_holds_every_message),
	DB_TEST(test_search_finds_words_the_user_may_see),
	DB_TEST(test_search_filter_false_positives_are_not_returned),
	DB_TEST(test_search_in_a_large_thread_finds_the_right_message),
	DB_TEST(test_search_indexes_messages_without_a_filter),
	DB_TEST(test_attachment_limits_and_round_trip),
	DB_TEST(test_access_log_has_every_access),
	DB_TEST(test_thread_page_is_the_latest_and_the_cursor_walks_back),
	DB_TEST(test_thread_page_refuses_a_foreign_cursor),
	DB_TEST(test_older_page_keeps_corrections_and_read_state),
};

static int
run(const char *name, struct testdb *t)
{
	return fixture_run(name, t, "p", people, NPEOPLE, db_tests,
	    sizeof(db_tests) / sizeof(db_tests[0]));
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_search_normalises_words),
		cmocka_unit_test(
		    test_search_filter_size_follows_distinct_words),
		cmocka_unit_test(test_attachment_types_by_content),
		cmocka_unit_test(test_attachment_names_are_cleaned),
		cmocka_unit_test(test_attachment_extension_follows_the_type),
	};

	return fixture_main("message", pure, sizeof(pure) / sizeof(pure[0]), 0,
	    run);
}
