/*
 * test_assignment.c - assignments and the learning cycle (src/assignment):
 * the word diff, versions kept through feedback rounds, offers and the
 * client's choice, the cycle's order and links, authorisation through
 * authz, reasons for bad input, sealing (a plaintext scan of the tables,
 * shown to find plain text when there is some), the queue, reminders and
 * the access log.  Runs on SQLite and, with INFUUS_TEST_PG, on PostgreSQL
 * (a database made anew for each run).
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

#include "assignment/assignment.h"
#include "assignment/cycle.h"
#include "assignment/diff.h"
#include "assignment/template.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "message/message.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "fixture.h"
#include "testdb.h"

enum { PRO1, PRO2, CLIENT1, CLIENT2, ADMIN, NPEOPLE };

static const struct fixture_person people[NPEOPLE] = {
	[PRO1] = { "Pro One", ROLE_PROFESSIONAL, NULL },
	[PRO2] = { "Pro Two", ROLE_PROFESSIONAL, NULL },
	[CLIENT1] = { "Client One", ROLE_CLIENT, NULL },
	[CLIENT2] = { "Client Two", ROLE_CLIENT, NULL },
	[ADMIN] = { "Admin", ROLE_ADMIN, NULL },
};

struct fx {
	struct fixture *g;
	struct asg_env env;
	struct arena a;
	int64_t *uid;
};

/* Now-ish, so due dates in the future stay so. */
#define NOW ((time_t)2000000000)

/* --- the word diff (no database) ------------------------------------------ */

/* The operations as "[-old-]{+new+}" markup, to compare in one string. */
static const char *
diff_markup(const char *a, const char *b, struct arena *ar)
{
	struct diff_op *ops;
	struct buf out = BUF_INIT;
	const char *s;
	size_t n, i;

	diff_words(str_c(a), str_c(b), ar, &ops, &n);
	for (i = 0; i < n; i++) {
		if (ops[i].kind == DIFF_DEL)
			buf_adds(&out, "[-");
		if (ops[i].kind == DIFF_INS)
			buf_adds(&out, "{+");
		buf_add(&out, ops[i].text.p, ops[i].text.len);
		if (ops[i].kind == DIFF_DEL)
			buf_adds(&out, "-]");
		if (ops[i].kind == DIFF_INS)
			buf_adds(&out, "+}");
	}
	s = arena_strndup(ar, out.p ? out.p : "", out.len);
	buf_release(&out);
	return s;
}

static void
test_diff_marks_changed_words(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a);
	assert_string_equal(diff_markup("", "", &a), "");
	assert_string_equal(diff_markup("same words", "same words", &a),
	    "same words");
	assert_string_equal(diff_markup("", "new text", &a), "{+new text+}");
	assert_string_equal(diff_markup("old text", "", &a), "[-old text-]");
	assert_string_equal(diff_markup("ik zei maandag nee",
	    "ik zei dinsdag nee", &a), "ik zei [-maandag-]{+dinsdag+} nee");
	assert_string_equal(diff_markup("a b c d", "a c d e", &a),
	    "a [-b -]c d{+ e+}");
	/* Multibyte words are whole tokens, never cut. */
	assert_string_equal(diff_markup("café één", "café twee", &a),
	    "café [-één-]{+twee+}");
	/* Words moved: a common subsequence, not a pairing by position. */
	assert_string_equal(diff_markup("x y z", "y z x", &a),
	    "[-x -]y z{+ x+}");
	arena_release(&a);
}

static void
test_diff_of_a_large_middle_stays_correct(void **state)
{
	struct buf x = BUF_INIT, y = BUF_INIT, back = BUF_INIT;
	struct diff_op *ops;
	struct arena a;
	size_t n, i, dels = 0;
	int k;

	(void)state;
	arena_init(&a);
	/* Every word differs (no common start or end): past
	 * LIMIT_DIFF_CELLS the middle is one deletion and one insertion. */
	for (k = 0; k < 3000; k++) {
		buf_printf(&x, "a%d ", k);
		buf_printf(&y, "b%d ", k);
	}
	buf_adds(&x, "end1");
	buf_adds(&y, "end2");
	diff_words(buf_str(&x), buf_str(&y), &a, &ops, &n);
	/* Whatever the shape: the SAME and DEL parts give back the old
	 * text, SAME and INS the new. */
	for (i = 0; i < n; i++) {
		if (ops[i].kind != DIFF_INS)
			buf_add(&back, ops[i].text.p, ops[i].text.len);
		dels += ops[i].kind == DIFF_DEL;
	}
	assert_int_equal(back.len, x.len);
	assert_memory_equal(back.p, x.p, x.len);
	assert_true(dels >= 1 && n <= 4);
	buf_release(&x);
	buf_release(&y);
	buf_release(&back);
	arena_release(&a);
}

static void
test_tags_and_forms_are_checked(void **state)
{
	struct arena a;
	const char *out;
	enum asg_form f;

	(void)state;
	arena_init(&a);
	assert_int_equal(asg_tags_check("theorist,activist,theorist", &a,
	    &out), 0);
	assert_string_equal(out, "activist,theorist");
	assert_int_equal(asg_tags_check("", &a, &out), 0);
	assert_string_equal(out, "");
	assert_int_equal(asg_tags_check("activist,sleeper", &a, &out),
	    ERR_INVAL);
	assert_int_equal(asg_form_parse("questionnaire", &f), 0);
	assert_int_equal(f, ASG_QUESTIONNAIRE);
	assert_int_equal(asg_form_parse("dance", &f), ERR_INVAL);
	assert_int_equal(asg_form_parse(NULL, &f), ERR_INVAL);
	arena_release(&a);
}

/* --- fixture ---------------------------------------------------------------- */

/* fixture_open and a second organisation, "Elders". */
static int
group_open(struct fixture *g, struct testdb *t)
{
	int rc;

	if (fixture_open(g, t, "a", people, NPEOPLE) != 0)
		return -1;
	if ((rc = org_create(g->db, g->kr, "Elders", "elders",
	    "Europe/Amsterdam", &g->org2)) != 0) {
		fprintf(stderr, "org_create: %s\n", err_msg(rc));
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	struct fixture *g = *state;
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->g = g;
	fx->env.db = g->db;
	fx->env.kr = g->kr;
	fx->uid = g->uid;
	arena_init(&fx->a);
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

static struct audit_event
ev_for(struct fx *fx, int who)
{
	return fixture_event(fx->g, fx->uid[who], people[who].role,
	    "assignment");
}

static int64_t
traj_with(struct fx *fx, int pro, int client)
{
	struct audit_event ev = ev_for(fx, pro);

	return fixture_traj(fx->g, fx->uid[client], fx->uid[pro], &ev);
}

/* A learning question of traj, its id. */
static int64_t
question(struct fx *fx, int64_t traj, int who, const char *text)
{
	struct audit_event ev = ev_for(fx, who);
	struct learning_question *q;
	size_t n;

	assert_int_equal(traj_add_question(fx->g->db, fx->g->kr, traj, text,
	    &ev, NULL), 0);
	assert_int_equal(traj_questions(fx->g->db, fx->g->kr, traj, &ev,
	    &fx->a, &q, &n), 0);
	assert_true(n >= 1);
	return q[n - 1].id;
}

static int
give_full(struct fx *fx, int64_t traj, int who, int64_t qid,
    const char *title, const char *instr, const char *form, int64_t due,
    struct why *why, int64_t *id)
{
	struct audit_event ev = ev_for(fx, who);
	struct asg_new in;

	memset(&in, 0, sizeof(in));
	in.question_id = qid;
	in.title = str_c(title);
	in.instructions = str_c(instr);
	in.form = form;
	in.tags = "activist";
	in.due_at = due;
	return asg_give(&fx->env, traj, fx->uid[who], &in, 1, NOW, &ev, why,
	    id);
}

static int64_t
give(struct fx *fx, int64_t traj, int64_t qid, const char *title)
{
	int64_t id = 0;

	assert_int_equal(give_full(fx, traj, PRO1, qid, title,
	    "Doe **dit**.", "experiment", NOW + 7 * 86400, NULL, &id), 0);
	assert_true(id > 0);
	return id;
}

static int
hand_in(struct fx *fx, int64_t id, int who, const char *body,
    int64_t *vn)
{
	struct audit_event ev = ev_for(fx, who);
	struct why why = { 0 };

	return asg_hand_in(&fx->env, id, fx->uid[who], str_c(body), NULL, 0,
	    NOW, &ev, &why, &fx->a, vn);
}

static int
feedback(struct fx *fx, int64_t id, int who, const char *body)
{
	struct audit_event ev = ev_for(fx, who);

	return asg_feedback(&fx->env, id, fx->uid[who], str_c(body), NULL, 0,
	    NOW, &ev, NULL, &fx->a);
}

static int
feedback_why(struct fx *fx, int64_t id, struct why *why)
{
	struct audit_event ev = ev_for(fx, PRO1);

	return asg_feedback(&fx->env, id, fx->uid[PRO1], str_c("te vroeg"),
	    NULL, 0, NOW, &ev, why, &fx->a);
}

static struct asg_view
view(struct fx *fx, int64_t id, int who)
{
	struct audit_event ev = ev_for(fx, who);
	struct asg_view v;

	assert_int_equal(asg_view(&fx->env, id, fx->uid[who], NOW, &ev,
	    &fx->a, &v), 0);
	return v;
}

/* --- tests -------------------------------------------------------------------- */

static void
test_versions_are_kept_through_feedback_rounds(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t qid = question(fx, traj, CLIENT1, "Hoe zeg ik nee?");
	int64_t id = give(fx, traj, qid, "Nee zeggen"), vn = 0;
	struct asg_view v;

	v = view(fx, id, CLIENT1);
	assert_int_equal(v.a.state, ASG_ACTIVE);
	assert_string_equal(v.a.title, "Nee zeggen");
	assert_string_equal(v.a.instructions, "Doe **dit**.");
	assert_string_equal(v.draft, "");
	assert_true(v.viewer_is_client);

	/* A draft, resumed. */
	assert_int_equal(asg_draft_save(&fx->env, id, fx->uid[CLIENT1],
	    str_c("half af"), NOW, NULL), 0);
	v = view(fx, id, CLIENT1);
	assert_string_equal(v.draft, "half af");
	/* The professional does not see the client's draft. */
	v = view(fx, id, PRO1);
	assert_null(v.draft);

	assert_int_equal(hand_in(fx, id, CLIENT1, "versie een", &vn), 0);
	assert_int_equal(vn, 1);
	v = view(fx, id, CLIENT1);
	assert_int_equal(v.a.state, ASG_HANDED_IN);
	assert_string_equal(v.draft, "");
	/* Waiting for feedback: no second hand-in, no draft. */
	assert_int_equal(hand_in(fx, id, CLIENT1, "nog een", &vn), ERR_CONFLICT);
	assert_int_equal(asg_draft_save(&fx->env, id, fx->uid[CLIENT1],
	    str_c("x"), NOW, NULL), ERR_CONFLICT);

	assert_int_equal(feedback(fx, id, PRO1, "goed begin"), 0);
	assert_int_equal(feedback(fx, id, PRO1, "nog meer"), ERR_CONFLICT);
	assert_int_equal(view(fx, id, CLIENT1).a.state, ASG_FEEDBACK);
	assert_int_equal(hand_in(fx, id, CLIENT1, "versie twee", &vn), 0);
	assert_int_equal(vn, 2);
	assert_int_equal(view(fx, id, PRO1).a.state, ASG_REVISED);
	assert_int_equal(feedback(fx, id, PRO1, "nu af"), 0);
	assert_int_equal(hand_in(fx, id, CLIENT1, "versie drie", &vn), 0);

	/* Nothing overwritten: every version and every round. */
	v = view(fx, id, PRO1);
	assert_int_equal(v.nversions, 3);
	assert_string_equal(v.versions[0].body, "versie een");
	assert_string_equal(v.versions[1].body, "versie twee");
	assert_string_equal(v.versions[2].body, "versie drie");
	assert_int_equal(v.nfeedback, 2);
	assert_int_equal(v.feedback[0].version_n, 1);
	assert_string_equal(v.feedback[0].body, "goed begin");
	assert_int_equal(v.feedback[1].version_n, 2);

	{
		struct audit_event cev = ev_for(fx, CLIENT1);
		struct audit_event ev = ev_for(fx, PRO1);

		assert_int_equal(asg_done(&fx->env, id, fx->uid[CLIENT1], NOW,
		    &cev, NULL), ERR_FORBIDDEN);

		assert_int_equal(asg_done(&fx->env, id, fx->uid[PRO1], NOW,
		    &ev, NULL), 0);
	}
	assert_int_equal(view(fx, id, CLIENT1).a.state, ASG_DONE);
	assert_int_equal(hand_in(fx, id, CLIENT1, "te laat", &vn),
	    ERR_CONFLICT);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "assignment_versions WHERE assignment_id = ?", 1, id, 0), 3);
}

static void
test_parts_each_person_plays(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t qid = question(fx, traj, PRO1, "Wat wil ik?");
	int64_t id = give(fx, traj, qid, "Rollen"), vn, x;
	struct why why = { 0 };

	/* Only a professional gives; only the client hands in; only a
	 * professional gives feedback; outsiders take no part. */
	assert_int_equal(give_full(fx, traj, CLIENT1, qid, "t", "i", "reading",
	    0, &why, &x), ERR_FORBIDDEN);
	assert_int_equal(give_full(fx, traj, PRO2, qid, "t", "i", "reading",
	    0, &why, &x), ERR_FORBIDDEN);
	assert_int_equal(hand_in(fx, id, PRO1, "ik doe het wel", &vn),
	    ERR_FORBIDDEN);
	assert_int_equal(hand_in(fx, id, CLIENT2, "ik ook", &vn),
	    ERR_FORBIDDEN);
	assert_int_equal(hand_in(fx, id, CLIENT1, "echt werk", &vn), 0);
	assert_int_equal(feedback(fx, id, CLIENT1, "zelf"), ERR_FORBIDDEN);
	assert_int_equal(feedback(fx, id, PRO2, "vreemde"), ERR_FORBIDDEN);
	{
		struct audit_event ev = ev_for(fx, CLIENT2);
		struct asg_view v;

		assert_int_equal(asg_view(&fx->env, id, fx->uid[CLIENT2], NOW,
		    &ev, &fx->a, &v), ERR_FORBIDDEN);
	}
}

static void
test_an_offer_waits_for_the_clients_choice(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO1), cev = ev_for(fx, CLIENT1);
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t qid = question(fx, traj, PRO1, "Waar begin ik?");
	int64_t first = 0, tpl = 0, vn, next;
	struct asg_new in[3];
	struct why why = { 0 };
	struct asg_view a, b, c;

	assert_int_equal(tpl_create(fx->g->db, fx->g->org, fx->uid[PRO1],
	    str_c("Lees hoofdstuk 2"), str_c("Lees en noteer."), "reading",
	    "theorist", "", NOW, &ev, &why, &tpl), 0);
	memset(in, 0, sizeof(in));
	in[0].question_id = qid;
	in[0].template_id = tpl;
	in[1].question_id = qid;
	in[1].title = str_c("Kijk een film");
	in[1].instructions = str_c("Kijk en let op.");
	in[1].form = "watch";
	in[2].question_id = qid;
	in[2].title = str_c("Vul de vragenlijst in");
	in[2].instructions = str_c("Eerlijk.");
	in[2].form = "questionnaire";
	in[2].instrument = "learning-preference";
	assert_int_equal(asg_give(&fx->env, traj, fx->uid[PRO1], in, 3, NOW,
	    &ev, &why, &first), 0);
	a = view(fx, first, CLIENT1);
	b = view(fx, first + 1, CLIENT1);
	c = view(fx, first + 2, CLIENT1);
	/* From the library: the template's title, form and tags. */
	assert_string_equal(a.a.title, "Lees hoofdstuk 2");
	assert_int_equal(a.a.form, ASG_READING);
	assert_string_equal(a.a.tags, "theorist");
	assert_int_equal(a.a.template_id, tpl);
	assert_string_equal(c.a.instrument, "learning-preference");
	assert_int_equal(a.a.state, ASG_OFFERED);
	assert_int_equal(b.a.state, ASG_OFFERED);
	assert_int_equal(a.a.offer_id, first);
	assert_int_equal(c.a.offer_id, first);
	/* Not before it is chosen; then one is active, the others wait. */
	assert_int_equal(hand_in(fx, first + 1, CLIENT1, "al bezig", &vn),
	    ERR_CONFLICT);
	assert_int_equal(asg_choose(&fx->env, first + 1, fx->uid[PRO1], NOW,
	    &ev, NULL), ERR_FORBIDDEN);
	assert_int_equal(asg_choose(&fx->env, first + 1, fx->uid[CLIENT1], NOW,
	    &cev, &why), 0);
	assert_int_equal(asg_choose(&fx->env, first + 1, fx->uid[CLIENT1], NOW,
	    &cev, &why), ERR_CONFLICT);
	assert_non_null(why.msg);
	assert_int_equal(view(fx, first + 1, CLIENT1).a.state, ASG_ACTIVE);
	assert_int_equal(view(fx, first, CLIENT1).a.state, ASG_OFFERED);
	/* The next experiment links to the one chosen, not to an offer
	 * left waiting. */
	next = give(fx, traj, qid, "Volgende");
	assert_int_equal(view(fx, next, PRO1).a.prev_id, first + 1);
	/* More than LIMIT_ASG_OFFER at once: refused with the limit. */
	{
		struct asg_new many[LIMIT_ASG_OFFER + 1];
		size_t i;

		memset(many, 0, sizeof(many));
		for (i = 0; i <= LIMIT_ASG_OFFER; i++)
			many[i] = in[1];
		assert_int_equal(asg_give(&fx->env, traj, fx->uid[PRO1], many,
		    LIMIT_ASG_OFFER + 1, NOW, &ev, &why, &first), ERR_TOOMANY);
		assert_int_equal(why.limit, LIMIT_ASG_OFFER);
	}
}

static int
step(struct fx *fx, int64_t id, enum cycle_kind k, const char *body,
    struct why *why)
{
	struct audit_event ev = ev_for(fx, CLIENT1);
	int64_t sid;

	return cycle_step_add(&fx->env, id, fx->uid[CLIENT1], k, str_c(body),
	    NOW, &ev, why, &sid);
}

static void
test_the_cycle_goes_in_order_and_links_experiments(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO1);
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t q1 = question(fx, traj, CLIENT1, "Vraag een");
	int64_t q2 = question(fx, traj, CLIENT1, "Vraag twee");
	int64_t e1 = give(fx, traj, q1, "Experiment een"), e2, other, vn;
	struct cycle_question *cq;
	struct why why = { 0 };
	size_t n;

	assert_int_equal(step(fx, e1, CYCLE_REPORT, "te vroeg", &why),
	    ERR_CONFLICT);
	assert_string_equal(why.field, "body");
	assert_int_equal(hand_in(fx, e1, CLIENT1, "gedaan", &vn), 0);
	assert_int_equal(step(fx, e1, CYCLE_REFLECTION, "overgeslagen", &why),
	    ERR_CONFLICT);
	assert_int_equal(step(fx, e1, CYCLE_REPORT, "", &why), ERR_INVAL);
	assert_int_equal(step(fx, e1, CYCLE_REPORT, "het ging", &why), 0);
	assert_int_equal(step(fx, e1, CYCLE_REPORT, "nog eens", &why),
	    ERR_CONFLICT);
	assert_int_equal(step(fx, e1, CYCLE_REFLECTION, "ik voelde", &why), 0);
	assert_int_equal(step(fx, e1, CYCLE_CONCLUSION, "dus", &why), 0);
	{
		struct audit_event pev = ev_for(fx, PRO1);
		int64_t sid;

		assert_int_equal(cycle_step_add(&fx->env, e1, fx->uid[PRO1],
		    CYCLE_CONCLUSION, str_c("ik"), NOW, &pev, NULL, &sid),
		    ERR_FORBIDDEN);
	}
	e2 = give(fx, traj, q1, "Experiment twee");
	other = give(fx, traj, q2, "Andere vraag");
	assert_int_equal(view(fx, e2, CLIENT1).a.prev_id, e1);
	assert_int_equal(view(fx, other, CLIENT1).a.prev_id, 0);
	/* Answered, by the client; a question of another trajectory is
	 * refused with a reason. */
	assert_int_equal(cycle_mark_answered(&fx->env, traj, q1,
	    fx->uid[CLIENT1], true, NOW, &ev, NULL), 0);
	{
		int64_t t2 = traj_with(fx, PRO2, CLIENT2);
		int64_t q3 = question(fx, t2, CLIENT2, "Elders");

		assert_int_equal(cycle_mark_answered(&fx->env, traj, q3,
		    fx->uid[CLIENT1], true, NOW, &ev, &why), ERR_INVAL);
		assert_string_equal(why.field, "question");
	}
	assert_int_equal(cycle_timeline(&fx->env, traj, fx->uid[PRO1], NOW,
	    &ev, &fx->a, &cq, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(cq[0].question_id, q1);
	assert_int_equal(cq[0].answered_at, NOW);
	assert_int_equal(cq[0].nexps, 2);
	assert_int_equal(cq[0].exps[0].id, e1);
	assert_int_equal(cq[0].exps[1].id, e2);
	assert_int_equal(cq[0].nsteps, 3);
	assert_int_equal(cq[0].steps[0].kind, CYCLE_REPORT);
	assert_string_equal(cq[0].steps[1].body, "ik voelde");
	assert_int_equal(cq[0].steps[2].kind, CYCLE_CONCLUSION);
	assert_int_equal(cq[1].question_id, q2);
	assert_int_equal(cq[1].answered_at, 0);
	assert_int_equal(cq[1].nsteps, 0);
	/* Opened again. */
	assert_int_equal(cycle_mark_answered(&fx->env, traj, q1,
	    fx->uid[PRO1], false, NOW, &ev, NULL), 0);
	assert_int_equal(cycle_timeline(&fx->env, traj, fx->uid[PRO1], NOW,
	    &ev, &fx->a, &cq, &n), 0);
	assert_int_equal(cq[0].answered_at, 0);
}

static void
test_authorisation_through_authz(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t qid = question(fx, traj, PRO1, "Wie mag wat?");
	int64_t id = give(fx, traj, qid, "Privé"), fid, vn;
	struct audit_event ev = ev_for(fx, CLIENT1);
	struct msg_upload up = { "notes.txt", "mijn aantekeningen\n", 19 };
	struct principal own = { fx->uid[CLIENT1], fx->g->org, ROLE_CLIENT,
		true };
	struct principal pro = { fx->uid[PRO1], fx->g->org,
		ROLE_PROFESSIONAL, true };
	struct principal other = { fx->uid[CLIENT2], fx->g->org, ROLE_CLIENT,
		true };
	struct principal pro2 = { fx->uid[PRO2], fx->g->org,
		ROLE_PROFESSIONAL, true };
	struct principal admin = { fx->uid[ADMIN], fx->g->org, ROLE_ADMIN,
		true };
	struct principal elsewhere = { fx->uid[PRO1], fx->g->org2,
		ROLE_PROFESSIONAL, true };
	struct authz_object o;
	struct why why = { 0 };

	assert_int_equal(asg_hand_in(&fx->env, id, fx->uid[CLIENT1],
	    str_c("met bijlage"), &up, 1, NOW, &ev, &why, &fx->a, &vn), 0);
	fid = testdb_i64(fx->g->db, "SELECT MAX(id) FROM assignment_files "
	    "WHERE assignment_id = ?", 1, id, 0);
	assert_int_equal(authz_object(fx->g->db, &own, AUTHZ_READ,
	    AUTHZ_ASSIGNMENT, id, &o), 0);
	assert_int_equal(o.traj_id, traj);
	assert_int_equal(o.client_id, fx->uid[CLIENT1]);
	assert_int_equal(o.part, ROLE_CLIENT);
	assert_int_equal(authz_check(fx->g->db, &own, AUTHZ_UPDATE,
	    AUTHZ_ASSIGNMENT, id), 0);
	assert_int_equal(authz_check(fx->g->db, &pro, AUTHZ_UPDATE,
	    AUTHZ_ASSIGNMENT, id), 0);
	assert_int_equal(authz_check(fx->g->db, &own, AUTHZ_READ,
	    AUTHZ_ASG_FILE, fid), 0);
	assert_int_equal(authz_check(fx->g->db, &pro, AUTHZ_READ,
	    AUTHZ_ASG_FILE, fid), 0);
	/* Anyone else learns nothing, not even that it exists. */
	assert_int_equal(authz_check(fx->g->db, &other, AUTHZ_READ,
	    AUTHZ_ASSIGNMENT, id), ERR_NOTFOUND);
	assert_int_equal(authz_check(fx->g->db, &pro2, AUTHZ_READ,
	    AUTHZ_ASSIGNMENT, id), ERR_NOTFOUND);
	assert_int_equal(authz_check(fx->g->db, &admin, AUTHZ_READ,
	    AUTHZ_ASSIGNMENT, id), ERR_NOTFOUND);
	assert_int_equal(authz_check(fx->g->db, &elsewhere, AUTHZ_READ,
	    AUTHZ_ASSIGNMENT, id), ERR_NOTFOUND);
	assert_int_equal(authz_check(fx->g->db, &other, AUTHZ_READ,
	    AUTHZ_ASG_FILE, fid), ERR_NOTFOUND);
	assert_int_equal(authz_check(fx->g->db, &own, AUTHZ_READ,
	    AUTHZ_ASSIGNMENT, id + 1000), ERR_NOTFOUND);
	assert_string_equal(authz_kind_name(AUTHZ_ASSIGNMENT), "assignment");
	assert_string_equal(authz_kind_name(AUTHZ_ASG_FILE), "assignment-file");
	/* The file itself, for its owner. */
	{
		struct asg_file meta;
		struct buf data = BUF_INIT;

		assert_int_equal(asg_file_get(&fx->env, fid, fx->uid[PRO1], &ev,
		    &fx->a, &meta, &data), 0);
		assert_string_equal(meta.name, "notes.txt");
		assert_string_equal(meta.type, "text/plain");
		assert_int_equal(data.len, 19);
		buf_wipe(&data);
		assert_int_equal(asg_file_get(&fx->env, fid, fx->uid[CLIENT2],
		    &ev, &fx->a, &meta, &data), ERR_FORBIDDEN);
		buf_wipe(&data);
	}
}

/* Files on the draft (the client's alone), carried into the version
 * handed in; files on feedback; the limits with their reasons, the name's
 * extension following the type. */
static void
test_files_on_draft_version_and_feedback(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t qid = question(fx, traj, PRO1, "Wat neem ik mee?");
	int64_t id = give(fx, traj, qid, "Met bestanden"), dfid, vn, n;
	struct audit_event cev = ev_for(fx, CLIENT1), pev = ev_for(fx, PRO1);
	struct msg_upload txt = { "schets.html", "een schets\n", 11 };
	struct msg_upload pdf = { "feedback.pdf", "%PDF-1.4\n", 9 };
	struct msg_upload exe = { "x.exe", "MZ\x90\x00", 4 };
	struct msg_upload many[LIMIT_ASG_FILES + 1];
	struct asg_file meta;
	struct buf data = BUF_INIT;
	struct asg_view v;
	struct why why;
	char *big;
	size_t i;

	for (i = 0; i < LIMIT_ASG_FILES + 1; i++)
		many[i] = txt;
	memset(&why, 0, sizeof(why));
	assert_int_equal(asg_draft_files(&fx->env, id, fx->uid[CLIENT1],
	    str_c("opzet"), &txt, 1, NOW, &cev, &why, &fx->a), 0);
	dfid = testdb_i64(fx->g->db, "SELECT MAX(id) FROM assignment_files "
	    "WHERE assignment_id = ?", 1, id, 0);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT version_n FROM "
	    "assignment_files WHERE id = ?", 1, dfid, -1), 0);
	/* The draft's file: the client's, not yet the professional's. */
	assert_int_equal(asg_file_get(&fx->env, dfid, fx->uid[CLIENT1], &cev,
	    &fx->a, &meta, &data), 0);
	assert_string_equal(meta.name, "schets.txt");
	buf_wipe(&data);
	assert_int_equal(asg_file_get(&fx->env, dfid, fx->uid[PRO1], &pev,
	    &fx->a, &meta, &data), ERR_FORBIDDEN);
	buf_wipe(&data);
	/* The router's check: as if it did not exist, for anyone but the
	 * client. */
	{
		struct principal own = { fx->uid[CLIENT1], fx->g->org,
			ROLE_CLIENT, true };
		struct principal pro = { fx->uid[PRO1], fx->g->org,
			ROLE_PROFESSIONAL, true };

		assert_int_equal(authz_check(fx->g->db, &own, AUTHZ_READ,
		    AUTHZ_ASG_FILE, dfid), 0);
		assert_int_equal(authz_check(fx->g->db, &pro, AUTHZ_READ,
		    AUTHZ_ASG_FILE, dfid), ERR_NOTFOUND);
	}
	assert_int_equal(asg_view(&fx->env, id, fx->uid[PRO1], NOW, &pev,
	    &fx->a, &v), 0);
	assert_int_equal(v.nfiles, 0);
	/* Too many with the draft's: the reason says so, nothing stored. */
	memset(&why, 0, sizeof(why));
	assert_int_equal(asg_hand_in(&fx->env, id, fx->uid[CLIENT1],
	    str_c("versie"), many, LIMIT_ASG_FILES, NOW, &cev, &why, &fx->a,
	    &vn), ERR_TOOMANY);
	assert_string_equal(why.field, "attachments");
	assert_int_equal(why.limit, LIMIT_ASG_FILES);
	memset(&why, 0, sizeof(why));
	assert_int_equal(asg_draft_files(&fx->env, id, fx->uid[CLIENT1],
	    str_c("opzet"), many, LIMIT_ASG_FILES + 1, NOW, &cev, &why,
	    &fx->a), ERR_TOOMANY);
	assert_string_equal(why.field, "attachments");
	/* Too large and the wrong type, naming the file. */
	big = calloc(1, LIMIT_ATTACHMENT + 1);
	assert_non_null(big);
	memset(big, 'a', LIMIT_ATTACHMENT + 1);
	{
		struct msg_upload huge = { "groot.txt", big,
			LIMIT_ATTACHMENT + 1 };

		memset(&why, 0, sizeof(why));
		assert_int_equal(asg_draft_files(&fx->env, id,
		    fx->uid[CLIENT1], str_c("opzet"), &huge, 1, NOW, &cev,
		    &why, &fx->a), ERR_TOOBIG);
		assert_string_equal(why.name, "groot.txt");
		assert_int_equal(why.limit, LIMIT_ATTACHMENT / (1024 * 1024));
	}
	free(big);
	memset(&why, 0, sizeof(why));
	assert_int_equal(asg_feedback(&fx->env, id, fx->uid[PRO1],
	    str_c("x"), &exe, 1, NOW, &pev, &why, &fx->a), ERR_MEDIATYPE);
	assert_string_equal(why.name, "x.exe");
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "assignment_files WHERE assignment_id = ?", 1, id, 0), 1);
	/* Handed in: the draft's file becomes version 1's. */
	memset(&why, 0, sizeof(why));
	assert_int_equal(asg_hand_in(&fx->env, id, fx->uid[CLIENT1],
	    str_c("versie"), &txt, 1, NOW, &cev, &why, &fx->a, &vn), 0);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "assignment_files WHERE assignment_id = ? AND version_n = 1", 1,
	    id, 0), 2);
	assert_int_equal(asg_file_get(&fx->env, dfid, fx->uid[PRO1], &pev,
	    &fx->a, &meta, &data), 0);
	buf_wipe(&data);
	{
		struct principal pro = { fx->uid[PRO1], fx->g->org,
			ROLE_PROFESSIONAL, true };

		assert_int_equal(authz_check(fx->g->db, &pro, AUTHZ_READ,
		    AUTHZ_ASG_FILE, dfid), 0);
	}
	/* Feedback with a file, tied to its round. */
	assert_int_equal(asg_feedback(&fx->env, id, fx->uid[PRO1],
	    str_c("zie bijlage"), &pdf, 1, NOW, &pev, NULL, &fx->a), 0);
	/* What was handed in is not taken off, even when the work is
	 * open again (after feedback). */
	{
		int64_t got = 0;

		memset(&why, 0, sizeof(why));
		assert_int_equal(asg_draft_file_remove(&fx->env, dfid,
		    fx->uid[CLIENT1], &cev, &why, &got), ERR_CONFLICT);
		assert_non_null(why.msg);
		assert_int_equal(got, id);
		assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
		    "assignment_files WHERE id = ?", 1, dfid, 0), 1);
	}
	assert_int_equal(asg_view(&fx->env, id, fx->uid[CLIENT1], NOW, &cev,
	    &fx->a, &v), 0);
	assert_int_equal(v.nfiles, 3);
	assert_int_equal(v.nfeedback, 1);
	for (n = 0, i = 0; i < v.nfiles; i++)
		n += v.files[i].feedback_id == v.feedback[0].id;
	assert_int_equal(n, 1);
	/* Every file sealed: no plain name or bytes. */
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "assignment_files WHERE content_type = 'application/pdf' AND "
	    "feedback_id IS NOT NULL AND author_id = ?", 1, fx->uid[PRO1], 0),
	    1);
}

static void
test_bad_input_is_refused_with_reasons(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO1);
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t t2 = traj_with(fx, PRO1, CLIENT2);
	int64_t qid = question(fx, traj, PRO1, "Goede vraag");
	int64_t q2 = question(fx, t2, PRO1, "Andere vraag");
	int64_t id, vn, tpl = 0, aid;
	struct why why;
	char big[LIMIT_ASG_TITLE + 10];
	struct asg_new in;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
#define REFUSED(call, err, fld) do { \
		memset(&why, 0, sizeof(why)); \
		assert_int_equal((call), (err)); \
		assert_non_null(why.msg); \
		assert_string_equal(why.field, (fld)); \
	} while (0)
	REFUSED(give_full(fx, traj, PRO1, qid, "", "i", "reading", 0, &why,
	    &id), ERR_INVAL, "title");
	REFUSED(give_full(fx, traj, PRO1, qid, big, "i", "reading", 0, &why,
	    &id), ERR_TOOBIG, "title");
	assert_int_equal(why.limit, LIMIT_ASG_TITLE);
	REFUSED(give_full(fx, traj, PRO1, qid, "t", "  ", "reading", 0, &why,
	    &id), ERR_INVAL, "instructions");
	REFUSED(give_full(fx, traj, PRO1, qid, "t", "i", "dance", 0, &why,
	    &id), ERR_INVAL, "form");
	REFUSED(give_full(fx, traj, PRO1, qid, "t", "i", "questionnaire", 0,
	    &why, &id), ERR_INVAL, "instrument");
	REFUSED(give_full(fx, traj, PRO1, q2, "t", "i", "reading", 0, &why,
	    &id), ERR_INVAL, "question");
	REFUSED(give_full(fx, traj, PRO1, qid, "t", "i", "reading",
	    NOW - 3 * 86400, &why, &id), ERR_INVAL, "due");
	REFUSED(give_full(fx, traj, PRO1, qid, "t\001", "i", "reading", 0,
	    &why, &id), ERR_INVAL, "title");
	/* A template of another organisation is none of ours. */
	assert_int_equal(tpl_create(fx->g->db, fx->g->org2, fx->uid[PRO1],
	    str_c("Elders"), str_c("Niet van ons."), "reading", "", "", NOW,
	    &ev, NULL, &tpl), 0);
	memset(&in, 0, sizeof(in));
	in.question_id = qid;
	in.template_id = tpl;
	REFUSED(asg_give(&fx->env, traj, fx->uid[PRO1], &in, 1, NOW, &ev,
	    &why, &id), ERR_INVAL, "template");
	REFUSED(tpl_create(fx->g->db, fx->g->org, fx->uid[PRO1], str_c("t"),
	    str_c("i"), "reading", "sleeper", "", NOW, &ev, &why, &tpl),
	    ERR_INVAL, "tags");
	/* The client's work. */
	aid = give(fx, traj, qid, "Werk");
	{
		struct audit_event cev = ev_for(fx, CLIENT1);
		struct msg_upload exe = { "x.exe", "MZ\x90\x00\x03", 5 };
		struct buf huge = BUF_INIT;
		size_t k;

		REFUSED(asg_hand_in(&fx->env, aid, fx->uid[CLIENT1],
		    str_c(" \n "), NULL, 0, NOW, &cev, &why, &fx->a, &vn),
		    ERR_INVAL, "body");
		REFUSED(asg_hand_in(&fx->env, aid, fx->uid[CLIENT1],
		    str_c("werk"), &exe, 1, NOW, &cev, &why, &fx->a, &vn),
		    ERR_MEDIATYPE, "attachments");
		assert_string_equal(why.name, "x.exe");
		for (k = 0; k <= LIMIT_ASG_WORK; k++)
			buf_addch(&huge, 'w');
		REFUSED(asg_hand_in(&fx->env, aid, fx->uid[CLIENT1],
		    buf_str(&huge), NULL, 0, NOW, &cev, &why, &fx->a, &vn),
		    ERR_TOOBIG, "body");
		REFUSED(asg_draft_save(&fx->env, aid, fx->uid[CLIENT1],
		    buf_str(&huge), NOW, &why), ERR_TOOBIG, "body");
		buf_release(&huge);
		REFUSED(feedback_why(fx, aid, &why), ERR_CONFLICT, "feedback");
	}
	/* Nothing was stored by the refusals. */
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "assignment_versions WHERE assignment_id = ?", 1, aid, 0), 0);
#undef REFUSED
}

/* --- sealing ------------------------------------------------------------------ */

/* Every column that holds what a client (or a professional about them)
 * wrote. */
static const char *const sealed_sql[] = {
	"SELECT title_box FROM assignments",
	"SELECT instructions_box FROM assignments",
	"SELECT body_box FROM assignment_versions",
	"SELECT body_box FROM assignment_feedback",
	"SELECT body_box FROM assignment_drafts",
	"SELECT name_box FROM assignment_files",
	"SELECT data_box FROM assignment_files",
	"SELECT body_box FROM cycle_steps",
	"SELECT detail FROM audit_log WHERE detail IS NOT NULL",
};
#define NSEALED (sizeof(sealed_sql) / sizeof(sealed_sql[0]))

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
		"Tulpenbolveld", "Molenwiekdraai", "Sluiswachtersgeheim",
		"Dijkgraafbrief", "Polderlandschap", "Kaasmarktdag",
		"Grachtenpand", NULL,
	};
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t qid = question(fx, traj, CLIENT1, "Vraag");
	struct audit_event ev = ev_for(fx, PRO1), cev = ev_for(fx, CLIENT1);
	struct msg_upload up = { "Sluiswachtersgeheim.txt",
		"Dijkgraafbrief\n", 15 };
	struct why why = { 0 };
	size_t rows[NSEALED], draft[NSEALED], n;
	int64_t id = 0, vn, sid;

	/* The scan finds plain text when there is some. */
	n = 0;
	assert_true(testdb_column_has(fx->g->db, fx->g->t->url == NULL ?
	    "SELECT CAST('een Kaasmarktdag' AS BLOB)" :
	    "SELECT 'een Kaasmarktdag'::bytea", needles, &n));

	assert_int_equal(give_full(fx, traj, PRO1, qid, "Tulpenbolveld",
	    "Molenwiekdraai", "writing", 0, &why, &id), 0);
	assert_int_equal(asg_draft_save(&fx->env, id, fx->uid[CLIENT1],
	    str_c("Polderlandschap"), NOW, NULL), 0);
	scan_sealed(fx, needles, draft);
	assert_true(draft[4] >= 1);
	assert_int_equal(asg_hand_in(&fx->env, id, fx->uid[CLIENT1],
	    str_c("Polderlandschap en meer"), &up, 1, NOW, &cev, &why, &fx->a,
	    &vn), 0);
	assert_int_equal(asg_feedback(&fx->env, id, fx->uid[PRO1],
	    str_c("Kaasmarktdag"), NULL, 0, NOW, &ev, NULL, &fx->a), 0);
	assert_int_equal(cycle_step_add(&fx->env, id, fx->uid[CLIENT1],
	    CYCLE_REPORT, str_c("Grachtenpand"), NOW, &cev, NULL, &sid), 0);
	scan_sealed(fx, needles, rows);
	assert_true(rows[0] >= 1 && rows[2] >= 1 && rows[3] >= 1 &&
	    rows[5] >= 1 && rows[6] >= 1 && rows[7] >= 1);
	/* And it opens again for those who take part. */
	{
		struct asg_view v = view(fx, id, PRO1);

		assert_string_equal(v.a.title, "Tulpenbolveld");
		assert_string_equal(v.versions[0].body,
		    "Polderlandschap en meer");
		assert_string_equal(v.files[0].name, "Sluiswachtersgeheim.txt");
	}
}

/* --- queue, reminders, export, access log ------------------------------------- */

static void
test_queue_lists_handed_in_work_by_due_date(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO2);
	int64_t traj = traj_with(fx, PRO2, CLIENT2);
	int64_t other = traj_with(fx, PRO1, CLIENT1);
	int64_t qid = question(fx, traj, PRO2, "Q");
	int64_t q2 = question(fx, other, PRO1, "Q2");
	int64_t late = 0, soon = 0, none = 0, mine = 0, vn;
	struct asg_queue_item *it;
	struct why why = { 0 };
	size_t n;

	assert_int_equal(give_full(fx, traj, PRO2, qid, "Later", "i",
	    "reading", NOW + 9 * 86400, &why, &late), 0);
	assert_int_equal(give_full(fx, traj, PRO2, qid, "Eerder", "i",
	    "reading", NOW + 2 * 86400, &why, &soon), 0);
	assert_int_equal(give_full(fx, traj, PRO2, qid, "Zonder", "i",
	    "reading", 0, &why, &none), 0);
	assert_int_equal(give_full(fx, other, PRO1, q2, "Niet van mij", "i",
	    "reading", NOW + 86400, &why, &mine), 0);
	assert_int_equal(hand_in(fx, none, CLIENT2, "a", &vn), 0);
	assert_int_equal(hand_in(fx, late, CLIENT2, "b", &vn), 0);
	assert_int_equal(hand_in(fx, soon, CLIENT2, "c", &vn), 0);
	assert_int_equal(hand_in(fx, mine, CLIENT1, "d", &vn), 0);
	assert_int_equal(asg_queue(&fx->env, fx->g->org, fx->uid[PRO2], NOW,
	    &ev, &fx->a, &it, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(it[0].id, soon);
	assert_string_equal(it[0].title, "Eerder");
	assert_int_equal(it[1].id, late);
	assert_int_equal(it[2].id, none);
	/* After feedback it waits no more. */
	{
		struct audit_event pev = ev_for(fx, PRO2);

		assert_int_equal(asg_feedback(&fx->env, soon, fx->uid[PRO2],
		    str_c("ok"), NULL, 0, NOW, &pev, NULL, &fx->a), 0);
	}
	assert_int_equal(asg_queue(&fx->env, fx->g->org, fx->uid[PRO2], NOW,
	    &ev, &fx->a, &it, &n), 0);
	assert_int_equal(n, 2);
	/* Overdue: due, and still waiting for the client. */
	assert_true(view(fx, soon, CLIENT2).a.overdue == false);
	{
		struct audit_event cev = ev_for(fx, CLIENT2);
		struct asg_view v;

		assert_int_equal(asg_view(&fx->env, soon, fx->uid[CLIENT2],
		    NOW + 3 * 86400, &cev, &fx->a, &v), 0);
		assert_true(v.a.overdue);
	}
}

static void
test_reminders_are_content_free_and_sent_once(void **state)
{
	struct fx *fx = *state;
	int64_t traj = traj_with(fx, PRO1, CLIENT2);
	int64_t qid = question(fx, traj, PRO1, "Q");
	int64_t due = 0, far = 0, before, after;
	struct why why = { 0 };
	int count = -1;

	assert_int_equal(give_full(fx, traj, PRO1, qid, "Bijna", "i",
	    "reading", NOW + 3600, &why, &due), 0);
	assert_int_equal(give_full(fx, traj, PRO1, qid, "Ver weg", "i",
	    "reading", NOW + 30 * 86400, &why, &far), 0);
	before = testdb_i64(fx->g->db, "SELECT COUNT(*) FROM notifications "
	    "WHERE user_id = ?", 1, fx->uid[CLIENT2], 0);
	assert_int_equal(asg_remind_due(fx->g->db, NOW, &count), 0);
	assert_true(count >= 1);
	after = testdb_i64(fx->g->db, "SELECT COUNT(*) FROM notifications "
	    "WHERE user_id = ?", 1, fx->uid[CLIENT2], 0);
	assert_int_equal(after, before + 1);
	assert_int_equal(asg_remind_due(fx->g->db, NOW, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "assignments WHERE id = ? AND reminded_at IS NULL", 1, far, 0), 1);
}

static void
test_export_and_access_log(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, CLIENT1);
	int64_t traj = traj_with(fx, PRO1, CLIENT1);
	int64_t qid = question(fx, traj, CLIENT1, "Q");
	int64_t id = give(fx, traj, qid, "In de export"), vn, sid;
	int64_t reads0, reads1;
	struct asg_view *x;
	struct cycle_step *st;
	size_t n, ns;

	assert_int_equal(hand_in(fx, id, CLIENT1, "mijn werk", &vn), 0);
	assert_int_equal(cycle_step_add(&fx->env, id, fx->uid[CLIENT1],
	    CYCLE_REPORT, str_c("verslag"), NOW, &ev, NULL, &sid), 0);
	reads0 = testdb_i64(fx->g->db, "SELECT COUNT(*) FROM audit_log WHERE "
	    "kind = 'assignment' AND object_id = ? AND action = 'R'", 1, id, 0);
	(void)view(fx, id, PRO1);
	reads1 = testdb_i64(fx->g->db, "SELECT COUNT(*) FROM audit_log WHERE "
	    "kind = 'assignment' AND object_id = ? AND action = 'R'", 1, id, 0);
	assert_int_equal(reads1, reads0 + 1);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM audit_log "
	    "WHERE kind = 'assignment-version' AND object_id = ? AND "
	    "action = 'C' AND client_id = ?", 2, id, fx->uid[CLIENT1]), 1);
	assert_int_equal(asg_export(&fx->env, traj, fx->uid[CLIENT1], &ev,
	    &fx->a, &x, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(x[0].a.title, "In de export");
	assert_int_equal(x[0].nversions, 1);
	assert_string_equal(x[0].versions[0].body, "mijn werk");
	assert_int_equal(cycle_export(&fx->env, traj, &ev, &fx->a, &st, &ns),
	    0);
	assert_int_equal(ns, 1);
	assert_string_equal(st[0].body, "verslag");
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM audit_log "
	    "WHERE kind = 'assignment' AND detail = 'export' AND "
	    "object_id = ?", 1, traj, 0), 1);
}

/* --- main ------------------------------------------------------------------------ */

#define DB_TEST(f) cmocka_unit_test_prestate_setup_teardown(f, setup, \
    teardown, g)

static int
run_db_tests(const char *name, struct fixture *g)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(test_versions_are_kept_through_feedback_rounds),
		DB_TEST(test_parts_each_person_plays),
		DB_TEST(test_an_offer_waits_for_the_clients_choice),
		DB_TEST(test_the_cycle_goes_in_order_and_links_experiments),
		DB_TEST(test_authorisation_through_authz),
		DB_TEST(test_bad_input_is_refused_with_reasons),
		DB_TEST(test_files_on_draft_version_and_feedback),
		DB_TEST(test_nothing_is_stored_in_plain_text),
		DB_TEST(test_queue_lists_handed_in_work_by_due_date),
		DB_TEST(test_reminders_are_content_free_and_sent_once),
		DB_TEST(test_export_and_access_log),
	};

	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

static int
run(const char *name, struct testdb *t)
{
	struct fixture g;
	int failed = 1;

	if (group_open(&g, t) == 0)
		failed = run_db_tests(name, &g);
	fixture_close(&g);
	return failed;
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_diff_marks_changed_words),
		cmocka_unit_test(test_diff_of_a_large_middle_stays_correct),
		cmocka_unit_test(test_tags_and_forms_are_checked),
	};

	return fixture_main("assignment", pure, sizeof(pure) / sizeof(pure[0]),
	    0, run);
}
