/*
 * measures_bench.c - the questionnaire and mood benchmarks' programs.
 *
 *   measures_bench score [SECONDS]
 *       responses to a 50-item instrument with five subscales and a total
 *       scored per second (parse once, score many): BENCH
 *       questionnaire_score_per_s.
 *   measures_bench data DIR
 *       a data set for 30-measures.sh (INFUUS_PASSWORD for every account):
 *       two trajectories; the first client with five years of daily moods
 *       (and a diary entry a week) and 200 PHQ-9 results, the second with
 *       a month of moods and 5 results.  Prints the ids the script needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/err.h"
#include "diary/diary.h"
#include "gen.h"
#include "instrument/instrument.h"
#include "instrument/measure.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "core/banned.h"

static _Noreturn void
die(const char *what, int rc)
{
	fprintf(stderr, "measures_bench: %s: %s\n", what, err_msg(rc));
	exit(1);
}

static void
make_instrument(struct buf *b)
{
	int i, s;

	buf_adds(b, "infuus-instrument 1\nid bench-50\nversion 1\n"
	    "title nl: Vijftig\ntitle en: Fifty\nsource: bench\n"
	    "licence: bench\ndecline yes\nscale s 0 4\n");
	for (i = 0; i < 50; i++)
		buf_printf(b, "item q%d s%s\ntext q%d nl: vraag %d\n"
		    "text q%d en: question %d\n", i, i % 5 == 4 ?
		    " reverse" : "", i, i, i, i);
	for (s = 0; s < 5; s++) {
		buf_printf(b, "score sub%d mean", s);
		for (i = s * 10; i < s * 10 + 10; i++)
			buf_printf(b, " q%d", i);
		buf_printf(b, "\nprorate sub%d 2\ncutoff sub%d 0 nl: laag\n"
		    "cutoff sub%d 0 en: low\ncutoff sub%d 2 nl: hoog\n"
		    "cutoff sub%d 2 en: high\n", s, s, s, s, s);
	}
	buf_adds(b, "score total sum");
	for (i = 0; i < 50; i++)
		buf_printf(b, " q%d", i);
	buf_adds(b, "\nprorate total 5\nsd total 10\nreliability total 0.9\n");
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int
score(double secs)
{
	struct buf b = BUF_INIT;
	struct instrument *ins;
	struct instr_error e;
	struct instr_answers a;
	struct instr_result r;
	struct gen_rng rng;
	double t0, t;
	long n = 0;
	double sink = 0;
	int i, rc;

	make_instrument(&b);
	if ((rc = instrument_parse(buf_str(&b), &ins, &e)) != 0) {
		buf_reset(&b);
		instrument_error_format(&e, &b);
		fprintf(stderr, "measures_bench: %s\n", b.p);
		return 1;
	}
	gen_rng_init(&rng, 11);
	t0 = now_s();
	do {
		int k;

		/* fresh answers every 64 responses, some missing */
		instrument_answers_init(&a);
		for (i = 0; i < 50; i++)
			a.v[i] = (int16_t)gen_rng_range(&rng, -1, 4);
		for (i = 0; i < 50; i++)
			if (a.v[i] < 0)
				a.v[i] = INSTR_DECLINED;
		for (k = 0; k < 64; k++) {
			a.v[k % 50] = (int16_t)(k % 5);
			instrument_score(ins, &a, &r);
			sink += r.v[5].value;
			n++;
		}
		t = now_s() - t0;
	} while (t < secs);
	printf("BENCH questionnaire_score_per_s %.0f per_s\n", n / t);
	fprintf(stderr, "measures_bench: %ld responses in %.2f s (%g)\n", n, t,
	    sink);
	instrument_free(ins);
	buf_release(&b);
	return 0;
}

struct mood_job {
	struct keyring *kr;
	int64_t org_id, traj_id, from, days;
};

static int
moods_run(struct db_conn *c, void *arg)
{
	struct mood_job *j = arg;
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	char plain[64];
	int64_t d;
	int rc = 0;

	/* the mood meter's own format (diary.c): "value\ntags\nnote" */
	for (d = 0; d < j->days && rc == 0; d++) {
		int n = snprintf(plain, sizeof(plain), "%d\nsleep\n",
		    (int)(1 + (d * 7) % 10));

		buf_reset(&box);
		if ((rc = keyring_seal(j->kr, c, j->org_id, plain, (size_t)n,
		    &box)) != 0 ||
		    (rc = db_prepare(c, "INSERT INTO mood_entries "
		    "(trajectory_id, at, box) VALUES (?, ?, ?)", &st)) != 0)
			break;
		db_bind_i64(st, 1, j->traj_id);
		db_bind_i64(st, 2, j->from + d * 86400);
		db_bind_blob(st, 3, box.p, box.len);
		rc = db_run(st);
		if (rc == 0 && d % 7 == 0) {
			buf_reset(&box);
			if ((rc = keyring_seal(j->kr, c, j->org_id, "entry", 5,
			    &box)) != 0 ||
			    (rc = db_prepare(c, "INSERT INTO diary_entries "
			    "(trajectory_id, created_at, body, shared_at) "
			    "VALUES (?, ?, ?, ?)", &st)) != 0)
				break;
			db_bind_i64(st, 1, j->traj_id);
			db_bind_i64(st, 2, j->from + d * 86400 + 3600);
			db_bind_blob(st, 3, box.p, box.len);
			db_bind_i64(st, 4, j->from + d * 86400 + 3600);
			rc = db_run(st);
		}
	}
	buf_release(&box);
	return rc;
}

static int
results(struct gen_world *w, int64_t traj, int64_t vid,
    const struct instrument *ins, int n, int64_t *qid)
{
	struct measure_env env = { w->db, w->kr };
	struct audit_event ev;
	struct instr_answers a;
	bool given[LIMIT_INSTRUMENT_ITEMS];
	bool done;
	struct why why;
	int i, k, rc;

	memset(&ev, 0, sizeof(ev));
	ev.role = "professional";
	ev.purpose = "care";
	ev.kind = "questionnaire";
	ev.actor_id = w->pros[0];
	if ((rc = measure_assign(&env, traj, vid, MEASURE_EVERY, 7, w->pros[0],
	    &ev, qid, &why)) != 0)
		return rc;
	ev.role = "client";
	ev.purpose = "client-self";
	for (i = 0; i < LIMIT_INSTRUMENT_ITEMS; i++)
		given[i] = i < ins->nitems;
	for (k = 0; k < n; k++) {
		instrument_answers_init(&a);
		for (i = 0; i < ins->nitems; i++)
			a.v[i] = (int16_t)((k + i) % 4);
		if ((rc = measure_answer(&env, *qid, vid, ins, &a, given, true,
		    &ev, &done, &why)) != 0)
			return rc;
	}
	return 0;
}

static int
data(const char *dir)
{
	struct gen_world w;
	struct gen_opts o;
	struct instrument *ins;
	struct instr_error e;
	struct audit_event ev;
	struct measure_env env;
	struct buf text = BUF_INIT;
	struct mood_job mj;
	const char *pw = getenv("INFUUS_PASSWORD");
	char path[1024];
	int64_t vid, q0, q1, now = (int64_t)time(NULL);
	FILE *f;
	char chunk[4096];
	size_t got;
	int rc;

	memset(&o, 0, sizeof(o));
	o.trajectories = 2;
	o.password = pw ? pw : "bench-only-password-30";
	o.seed = 30;
	if ((rc = gen_open(dir, &w)) != 0)
		die("open", rc);
	if ((rc = gen_people(&w, &o)) != 0)
		die("people", rc);
	env.db = w.db;
	env.kr = w.kr;
	mj.kr = w.kr;
	mj.org_id = w.org_id;
	/* five years of daily moods for the first client, a month for the
	 * second, both ending now */
	mj.traj_id = w.trajs[0];
	mj.days = 5 * 365 + 1;
	mj.from = now - mj.days * 86400;
	if ((rc = db_write(w.db, moods_run, &mj)) != 0)
		die("moods", rc);
	mj.traj_id = w.trajs[1];
	mj.days = 30;
	mj.from = now - mj.days * 86400;
	if ((rc = db_write(w.db, moods_run, &mj)) != 0)
		die("moods", rc);
	snprintf(path, sizeof(path), "%s/share/instruments/phq-9.txt",
	    INFUUS_SOURCE_DIR);
	if ((f = fopen(path, "rb")) == NULL)
		die(path, ERR_IO);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, got);
	fclose(f);
	memset(&ev, 0, sizeof(ev));
	ev.role = "professional";
	ev.purpose = "care";
	ev.kind = "instrument";
	ev.actor_id = w.pros[0];
	if ((rc = measure_version_add(&env, w.org_id, w.pros[0],
	    buf_str(&text), true, &ev, &vid, &e)) != 0)
		die("instrument", rc);
	if ((rc = instrument_parse(buf_str(&text), &ins, &e)) != 0)
		die("parse", rc);
	if ((rc = results(&w, w.trajs[0], vid, ins, 200, &q0)) != 0 ||
	    (rc = results(&w, w.trajs[1], vid, ins, 5, &q1)) != 0)
		die("results", rc);
	printf("client0 client@bench.infuus.test\nclient1 "
	    "client2@bench.infuus.test\npassword %s\n", o.password);
	printf("traj0 %lld\ntraj1 %lld\nq0 %lld\nq1 %lld\n",
	    (long long)w.trajs[0], (long long)w.trajs[1], (long long)q0,
	    (long long)q1);
	instrument_free(ins);
	buf_release(&text);
	gen_close(&w);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "score") == 0)
		return score(argc >= 3 ? strtod(argv[2], NULL) : 2.0);
	if (argc >= 3 && strcmp(argv[1], "data") == 0)
		return data(argv[2]);
	fprintf(stderr, "usage: measures_bench score [SECONDS] | "
	    "data DIR\n");
	return 2;
}
