/*
 * test_instrument.c - the instrument format and scoring: every shipped
 * instrument parses and scores its manual's worked examples (PHQ-9 bands
 * 5/10/15/20, GAD-7 5/10/15, WHO-5 raw x 4), reverse items, missing
 * answers and prorating, conditional items, the reliable change index,
 * refusals with their line, and the SVG plot (valid XML by xmllint when
 * it is installed).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "instrument/instrument.h"
#include "web/svgplot.h"
#include "core/banned.h"

static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *p;
	long n;

	snprintf(path, sizeof(path), "%s/share/instruments/%s",
	    INFUUS_SOURCE_ROOT, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

struct loaded {
	char *text;
	struct instrument *ins;
};

static struct loaded
load(const char *name)
{
	struct loaded l;
	struct instr_error e;
	size_t len;
	int rc;

	l.text = slurp(name, &len);
	rc = instrument_parse((struct str){ l.text, len }, &l.ins, &e);
	if (rc != 0) {
		struct buf b = BUF_INIT;

		instrument_error_format(&e, &b);
		fail_msg("%s refused: %s", name, b.p);
	}
	return l;
}

static void
unload(struct loaded *l)
{
	instrument_free(l->ins);
	free(l->text);
}

/* Fill answers from a list of values, item by item (-1: unanswered). */
static void
answer(const struct instrument *ins, struct instr_answers *a,
    const int *v, int n)
{
	int i;

	instrument_answers_init(a);
	for (i = 0; i < n && i < ins->nitems; i++)
		a->v[i] = v[i] < 0 ? INSTR_UNANSWERED : (int16_t)v[i];
}

static const char *
band_en(const struct instrument *ins, int si, const struct instr_value *v)
{
	static char out[200];
	struct str s;

	if (v->band < 0)
		return "(none)";
	s = ins->score[si].cut[v->band].label[INSTR_EN];
	snprintf(out, sizeof(out), "%.*s", (int)s.len, s.p);
	return out;
}

/* A total with the band it falls in. */
static void
expect_total(const struct instrument *ins, const int *v, int n, double want,
    const char *band)
{
	struct instr_answers a;
	struct instr_result r;

	answer(ins, &a, v, n);
	instrument_score(ins, &a, &r);
	if (!r.v[0].ok)
		fail_msg("expected a total of %g, got no score", want);
	if (fabs(r.v[0].value - want) > 1e-9)
		fail_msg("expected a total of %g, got %g", want, r.v[0].value);
	if (strcmp(band_en(ins, 0, &r.v[0]), band) != 0)
		fail_msg("expected band %s for %g, got %s", band, want,
		    band_en(ins, 0, &r.v[0]));
}

static void
test_phq9_bands(void **state)
{
	struct loaded l = load("phq-9.txt");
	/* The PHQ-9 manual: the total of items 1-9 (0-27); 5, 10, 15 and
	 * 20 are the lower ends of mild, moderate, moderately severe and
	 * severe.  Item 10 does not count. */
	int a0[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 };
	int a4[] = { 1, 1, 1, 1, 0, 0, 0, 0, 0, 2 };
	int a5[] = { 1, 1, 1, 1, 1, 0, 0, 0, 0 };
	int a9[] = { 3, 3, 3, 0, 0, 0, 0, 0, 0 };
	int a10[] = { 2, 2, 2, 2, 2, 0, 0, 0, 0 };
	int a14[] = { 2, 2, 2, 2, 2, 2, 2, 0, 0 };
	int a15[] = { 2, 2, 2, 2, 2, 2, 2, 1, 0 };
	int a19[] = { 3, 2, 2, 2, 2, 2, 2, 2, 2 };
	int a20[] = { 3, 3, 2, 2, 2, 2, 2, 2, 2 };
	int a27[] = { 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 };

	(void)state;
	assert_int_equal(l.ins->nitems, 10);
	expect_total(l.ins, a0, 10, 0, "Minimal");
	expect_total(l.ins, a4, 10, 4, "Minimal");
	expect_total(l.ins, a5, 9, 5, "Mild");
	expect_total(l.ins, a9, 9, 9, "Mild");
	expect_total(l.ins, a10, 9, 10, "Moderate");
	expect_total(l.ins, a14, 9, 14, "Moderate");
	expect_total(l.ins, a15, 9, 15, "Moderately severe");
	expect_total(l.ins, a19, 9, 19, "Moderately severe");
	expect_total(l.ins, a20, 9, 20, "Severe");
	expect_total(l.ins, a27, 10, 27, "Severe");
	unload(&l);
}

static void
test_phq9_prorate(void **state)
{
	struct loaded l = load("phq-9.txt");
	struct instr_answers a;
	struct instr_result r;
	/* one of nine missing: the mean of the eight stands in (8 / 8 * 9) */
	int one[] = { 1, 1, 1, 1, -1, 1, 1, 1, 1 };
	int two[] = { 1, 1, 1, 1, -1, -1, 1, 1, 1 };

	(void)state;
	expect_total(l.ins, one, 9, 9, "Mild");
	answer(l.ins, &a, one, 9);
	instrument_score(l.ins, &a, &r);
	assert_int_equal(r.v[0].missing, 1);
	assert_int_equal(r.v[0].answered, 8);
	/* two missing: more than the stated maximum, no total at all */
	answer(l.ins, &a, two, 9);
	instrument_score(l.ins, &a, &r);
	assert_false(r.v[0].ok);
	assert_int_equal(r.v[0].missing, 2);
	/* item 10 is optional: not missing for completeness */
	answer(l.ins, &a, one, 9);
	assert_int_equal(instrument_missing(l.ins, &a), 1);
	unload(&l);
}

static void
test_phq9_rci(void **state)
{
	struct loaded l = load("phq-9.txt");
	double rci;

	(void)state;
	/* 20 -> 14 is the 6-point change NHS Talking Therapies calls
	 * reliable; 20 -> 15 is not */
	assert_int_equal(instrument_rci(&l.ins->score[0], 20, 14, &rci), 0);
	if (!(rci < -1.96))
		fail_msg("expected a reliable change 20 -> 14, RCI %g", rci);
	assert_int_equal(instrument_rci(&l.ins->score[0], 20, 15, &rci), 0);
	if (!(rci > -1.96 && rci < 0))
		fail_msg("expected no reliable change 20 -> 15, RCI %g", rci);
	unload(&l);
}

static void
test_gad7_bands(void **state)
{
	struct loaded l = load("gad-7.txt");
	int a4[] = { 1, 1, 1, 1, 0, 0, 0 };
	int a5[] = { 1, 1, 1, 1, 1, 0, 0 };
	int a9[] = { 3, 3, 3, 0, 0, 0, 0 };
	int a10[] = { 2, 2, 2, 2, 2, 0, 0 };
	int a15[] = { 3, 3, 3, 3, 3, 0, 0 };
	int a21[] = { 3, 3, 3, 3, 3, 3, 3 };
	double rci;

	(void)state;
	assert_int_equal(l.ins->nitems, 7);
	expect_total(l.ins, a4, 7, 4, "Minimal");
	expect_total(l.ins, a5, 7, 5, "Mild");
	expect_total(l.ins, a9, 7, 9, "Mild");
	expect_total(l.ins, a10, 7, 10, "Moderate");
	expect_total(l.ins, a15, 7, 15, "Severe");
	expect_total(l.ins, a21, 7, 21, "Severe");
	/* 4 points is reliable (IAPT), 3 is not */
	assert_int_equal(instrument_rci(&l.ins->score[0], 15, 11, &rci), 0);
	assert_true(rci < -1.96);
	assert_int_equal(instrument_rci(&l.ins->score[0], 15, 12, &rci), 0);
	assert_true(rci > -1.96);
	unload(&l);
}

static void
test_who5_percentage(void **state)
{
	struct loaded l = load("who-5.txt");
	struct instr_answers a;
	struct instr_result r;
	int p = instrument_score_index(l.ins, STR("pct"));
	int raw = instrument_score_index(l.ins, STR("raw"));
	/* the manual: raw 0-25 times 4 is the percentage; <= 28 likely
	 * depression, <= 50 poor well-being */
	int a15[] = { 3, 3, 3, 3, 3 };
	int a7[] = { 2, 2, 1, 1, 1 };
	int a12[] = { 3, 3, 2, 2, 2 };
	int a13[] = { 3, 3, 3, 2, 2 };
	double rci;

	(void)state;
	assert_true(p >= 0 && raw >= 0);
	answer(l.ins, &a, a15, 5);
	instrument_score(l.ins, &a, &r);
	assert_true(r.v[raw].ok && r.v[p].ok);
	assert_true(r.v[raw].value == 15 && r.v[p].value == 60);
	assert_string_equal(band_en(l.ins, p, &r.v[p]),
	    "No sign of poor well-being");
	answer(l.ins, &a, a7, 5);
	instrument_score(l.ins, &a, &r);
	assert_true(r.v[p].value == 28);
	assert_string_equal(band_en(l.ins, p, &r.v[p]),
	    "Likely depression (28 or lower): further assessment advised");
	answer(l.ins, &a, a12, 5);
	instrument_score(l.ins, &a, &r);
	assert_true(r.v[p].value == 48);
	assert_string_equal(band_en(l.ins, p, &r.v[p]),
	    "Poor well-being (50 or lower)");
	answer(l.ins, &a, a13, 5);
	instrument_score(l.ins, &a, &r);
	assert_true(r.v[p].value == 52);
	/* no prorating stated: one missing answer, no score */
	a.v[4] = INSTR_UNANSWERED;
	instrument_score(l.ins, &a, &r);
	assert_false(r.v[p].ok);
	/* no reliability stated: no RCI */
	assert_int_equal(instrument_rci(&l.ins->score[p], 40, 80, &rci),
	    ERR_NOTFOUND);
	unload(&l);
}

static void
test_coaching_reverse_conditional(void **state)
{
	struct loaded l = load("coaching-self.txt");
	struct instr_answers a;
	struct instr_result r;
	int goal = instrument_score_index(l.ins, STR("goal"));
	int eff = instrument_score_index(l.ins, STR("efficacy"));
	int s2 = instrument_item(l.ins, STR("support2"));
	int sup = instrument_item(l.ins, STR("support"));
	const char *msg = NULL;

	(void)state;
	instrument_answers_init(&a);
	/* goal3 is reversed on 1-5: an answer of 1 scores 5 */
	a.v[0] = 5;
	a.v[1] = 4;
	a.v[2] = 1;
	/* efficacy: one declined, prorated (mean of the other two) */
	a.v[3] = 2;
	a.v[4] = INSTR_DECLINED;
	a.v[5] = 5; /* reversed: 1 */
	instrument_score(l.ins, &a, &r);
	assert_true(r.v[goal].ok);
	assert_true(fabs(r.v[goal].value - 14.0 / 3) < 1e-9);
	assert_true(r.v[eff].ok);
	assert_true(fabs(r.v[eff].value - 1.5) < 1e-9);
	assert_int_equal(r.v[eff].missing, 1);
	/* support2 is shown only after "yes" to support */
	assert_false(instrument_shown(l.ins, &a, s2));
	a.v[sup] = 0;
	assert_false(instrument_shown(l.ins, &a, s2));
	a.v[sup] = 1;
	assert_true(instrument_shown(l.ins, &a, s2));
	/* "rather not answer" is allowed here, not in the PHQ-9 */
	assert_int_equal(instrument_check(l.ins, 0, INSTR_DECLINED, &msg), 0);
	assert_int_equal(instrument_check(l.ins, 0, 6, &msg), ERR_INVAL);
	assert_non_null(msg);
	assert_int_equal(instrument_check(l.ins, 0, 0, &msg), ERR_INVAL);
	unload(&l);
}

static void
test_learning_preference(void **state)
{
	struct loaded l = load("learning-preference.txt");
	struct instr_answers a;
	struct instr_result r;
	int i;

	(void)state;
	assert_int_equal(l.ins->nscores, 4);
	instrument_answers_init(&a);
	for (i = 0; i < l.ins->nitems; i++)
		a.v[i] = (int16_t)(1 + i / 3);
	instrument_score(l.ins, &a, &r);
	for (i = 0; i < 4; i++) {
		assert_true(r.v[i].ok);
		assert_true(fabs(r.v[i].value - (1 + i)) < 1e-9);
	}
	unload(&l);
}

static void
test_answers_roundtrip(void **state)
{
	struct loaded l = load("phq-9.txt");
	struct loaded g = load("gad-7.txt");
	struct instr_answers a, b;
	struct buf t = BUF_INIT;
	const char *msg = NULL;
	int v[] = { 0, 1, 2, 3, -1, 3, 2, 1, 0, 1 };

	(void)state;
	answer(l.ins, &a, v, 10);
	instrument_answers_format(l.ins, &a, &t);
	assert_int_equal(instrument_answers_parse(l.ins, buf_str(&t), &b,
	    &msg), 0);
	assert_memory_equal(a.v, b.v, sizeof(a.v));
	/* the PHQ-9's answers are not the GAD-7's: item q8 is unknown */
	assert_int_equal(instrument_answers_parse(g.ins, buf_str(&t), &b,
	    &msg), ERR_INVAL);
	assert_string_equal(msg, "These answers belong to another version "
	    "of the questionnaire.");
	/* off the scale, and "rather not answer" where not allowed */
	assert_int_equal(instrument_answers_parse(l.ins, STR("q1=4\n"), &b,
	    &msg), ERR_INVAL);
	assert_int_equal(instrument_answers_parse(l.ins, STR("q1=-\n"), &b,
	    &msg), ERR_INVAL);
	assert_int_equal(instrument_answers_parse(l.ins, STR("q1=x\n"), &b,
	    &msg), ERR_INVAL);
	buf_release(&t);
	unload(&l);
	unload(&g);
}

#define HEAD "infuus-instrument 1\nid t\nversion 1\ntitle nl: T\n" \
	"title en: T\nsource: s\nlicence: l\nscale s 0 3\n"

/* A file refused at a line, with the reason. */
static void
expect_refusal(const char *text, int line, const char *part)
{
	struct instrument *ins = NULL;
	struct instr_error e;
	struct buf b = BUF_INIT;
	int rc;

	rc = instrument_parse(str_c(text), &ins, &e);
	instrument_error_format(&e, &b);
	if (rc == 0)
		fail_msg("expected a refusal at line %d of:\n%s", line, text);
	assert_null(ins);
	if (e.line != line || strstr(b.p, part) == NULL)
		fail_msg("expected line %d and \"%s\", got \"%s\"", line, part,
		    b.p);
	buf_release(&b);
}

static void
test_refusals(void **state)
{
	(void)state;
	expect_refusal("", 0, "empty");
	expect_refusal("id x\n", 1, "infuus-instrument 1");
	expect_refusal(HEAD "item q1 s\ntext q1 nl: a\n", 9, "no text in one");
	expect_refusal(HEAD "item q1 t\n", 9, "no scale \"t\"");
	expect_refusal(HEAD "item q1 s\nitem q1 s\n", 10, "already used");
	expect_refusal(HEAD "item Q1 s\n", 9, "not a valid name");
	expect_refusal(HEAD "label s 4 nl: x\n", 9, "range");
	expect_refusal(HEAD "scale u 3 3\n", 9, "at most 100");
	expect_refusal(HEAD "item q1 s odd\n", 9, "\"odd\" is not a property");
	expect_refusal(HEAD "text q9 nl: x\n", 9, "no item \"q9\"");
	expect_refusal(HEAD "item q1 s\ntext q1 de: x\n", 10, "\"de\" is not");
	expect_refusal(HEAD "item q1 s\ntext q1 nl: x\ntext q1 nl: y\n", 11,
	    "already given");
	expect_refusal(HEAD "item q1 s\nscore t sum q1 q1\n", 10, "twice");
	expect_refusal(HEAD "item q1 s\nscore t weighted q1\n", 10,
	    "has none");
	expect_refusal(HEAD "item q1 s\nscore t sum q1*2\n", 10,
	    "Only a weighted");
	expect_refusal(HEAD "item q1 s\nscore t avg q1\n", 10,
	    "not a scoring method");
	expect_refusal(HEAD "item q1 s\nscore t sum q1\n"
	    "cutoff t 5 nl: a\ncutoff t 3 nl: b\n", 12, "low to high");
	expect_refusal(HEAD "item q1 s\nscore t sum q1\nfactor t 1.23456\n", 11,
	    "not a number");
	expect_refusal(HEAD "item q1 s\nscore t sum q1\nprorate t 1\n", 11,
	    "range");
	expect_refusal(HEAD "item q1 s\nscore t sum q1\nreliability t 1.5\n",
	    11, "between 0 and 1");
	expect_refusal(HEAD "item q1 s\nitem q2 s\nshow q1 if q2 >= 1\n", 11,
	    "before it");
	expect_refusal(HEAD "item q1 s\nitem q2 s\nshow q2 if q1 ~ 1\n", 11,
	    "not a comparison");
	expect_refusal(HEAD "frobnicate\n", 9, "not a keyword");
	expect_refusal(HEAD "item q1 s\ntext q1 nl: a\xff\n", 10, "UTF-8");
	expect_refusal(HEAD "item q1 s\ntext q1 nl: a\x01\n", 10, "control");
	expect_refusal(HEAD "version 2\n", 9, "already given");
	expect_refusal(HEAD "item q1 s\nscore t sum q1\nfactor t -1\n", 11,
	    "above zero");
	expect_refusal("infuus-instrument 1\nid t\nversion 1\ntitle nl: T\n"
	    "title en: T\nsource: s\nscale s 0 3\nitem q1 s\n"
	    "text q1 nl: a\ntext q1 en: a\n", 0, "licence");
}

static void
test_limits(void **state)
{
	struct buf b = BUF_INIT;
	struct instrument *ins;
	struct instr_error e;
	int i;

	(void)state;
	/* one item past the limit is refused at its own line */
	buf_adds(&b, HEAD);
	for (i = 0; i <= LIMIT_INSTRUMENT_ITEMS; i++)
		buf_printf(&b, "item q%d s\n", i);
	assert_int_equal(instrument_parse(buf_str(&b), &ins, &e), ERR_INVAL);
	assert_int_equal(e.line, 8 + LIMIT_INSTRUMENT_ITEMS + 1);
	/* a line past its limit */
	buf_reset(&b);
	buf_adds(&b, HEAD "title nl: ");
	for (i = 0; i < LIMIT_INSTRUMENT_LINE; i++)
		buf_addch(&b, 'x');
	assert_int_equal(instrument_parse(buf_str(&b), &ins, &e), ERR_INVAL);
	assert_int_equal(e.line, 9);
	/* a file past its limit */
	buf_reset(&b);
	while (b.len <= LIMIT_INSTRUMENT_BYTES)
		buf_adds(&b, "# a comment line\n");
	assert_int_equal(instrument_parse(buf_str(&b), &ins, &e), ERR_TOOBIG);
	buf_release(&b);
}

/* A 50-item instrument with five subscales: what the benchmark scores. */
static void
test_weighted_and_big(void **state)
{
	struct buf b = BUF_INIT;
	struct instrument *ins;
	struct instr_error e;
	struct instr_answers a;
	struct instr_result r;
	int i;

	(void)state;
	buf_adds(&b, HEAD);
	for (i = 0; i < 50; i++)
		buf_printf(&b, "item q%d s%s\ntext q%d nl: v%d\n"
		    "text q%d en: q%d\n", i, i % 7 == 0 ? " reverse" : "",
		    i, i, i, i);
	buf_adds(&b, "score w weighted q0*2 q1*0.5 q2*1.25\n");
	assert_int_equal(instrument_parse(buf_str(&b), &ins, &e), 0);
	instrument_answers_init(&a);
	a.v[0] = 1; /* reversed: 2, weighted 4 */
	a.v[1] = 2; /* 1 */
	a.v[2] = 3; /* 3.75 */
	instrument_score(ins, &a, &r);
	assert_true(r.v[0].ok);
	assert_true(fabs(r.v[0].value - 8.75) < 1e-9);
	instrument_free(ins);
	buf_release(&b);
}

static void
test_svg_plot(void **state)
{
	struct svgplot p;
	struct buf b = BUF_INIT;
	double x[] = { 0, 86400 * 7, 86400 * 14, 86400 * 30 };
	double y[] = { 20, 15, 11, 6 };
	double marks[] = { 86400 * 10 };
	FILE *f;
	char path[] = "/tmp/infuus-svgXXXXXX";
	char cmd[256];
	int fd, rc;

	(void)state;
	svgplot_init(&p, "PHQ-9 <total> & \"trend\"", "Four results");
	p.ymin = 0;
	p.ymax = 27;
	p.x = x;
	p.y = y;
	p.n = 4;
	p.marks = marks;
	p.nmarks = 1;
	svgplot_render(&p, &b);
	assert_non_null(strstr(b.p, "<title"));
	assert_non_null(strstr(b.p, "<desc"));
	assert_non_null(strstr(b.p, "&lt;total&gt; &amp;"));
	assert_null(strstr(b.p, "<total>"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fwrite(b.p, 1, b.len, f);
	fclose(f);
	/* xmllint is a test dependency (libxml2-utils, tools/deps.sh) */
	if (system("command -v xmllint >/dev/null 2>&1") != 0)
		fail_msg("xmllint is missing: install libxml2-utils "
		    "(tools/deps.sh test)");
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", path);
	rc = system(cmd);
	remove(path);
	if (rc != 0)
		fail_msg("xmllint refused the plot:\n%s", b.p);
	/* no points: still a valid, titled plot */
	buf_reset(&b);
	p.n = 0;
	p.nmarks = 0;
	svgplot_render(&p, &b);
	assert_non_null(strstr(b.p, "</svg>"));
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phq9_bands),
		cmocka_unit_test(test_phq9_prorate),
		cmocka_unit_test(test_phq9_rci),
		cmocka_unit_test(test_gad7_bands),
		cmocka_unit_test(test_who5_percentage),
		cmocka_unit_test(test_coaching_reverse_conditional),
		cmocka_unit_test(test_learning_preference),
		cmocka_unit_test(test_answers_roundtrip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_weighted_and_big),
		cmocka_unit_test(test_svg_plot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
