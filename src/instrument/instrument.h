/*
 * instrument.h - questionnaires as data: the instrument file format
 * (FORMAT.md beside this file), its parser, answers and scoring.
 *
 * This part is pure: no database, no request.  A parsed instrument points
 * into the text it was parsed from (zero copies), so the caller keeps the
 * text alive as long as the instrument.  Every refusal names the line and
 * the reason.
 */
#ifndef INFUUS_INSTRUMENT_H
#define INFUUS_INSTRUMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"

/* The two languages every instrument speaks. */
enum instr_lang { INSTR_NL, INSTR_EN, INSTR_LANGS };

enum instr_method { INSTR_SUM, INSTR_MEAN, INSTR_WEIGHTED };

/* The comparison of a conditional item ("show q10 if q9 >= 1"). */
enum instr_op { INSTR_EQ, INSTR_NE, INSTR_LT, INSTR_LE, INSTR_GT, INSTR_GE };

/* An answer that is not a point on the scale. */
#define INSTR_UNANSWERED INT16_MIN
#define INSTR_DECLINED (INT16_MIN + 1)

struct instr_scale {
	struct str id;
	int min, max;
	/* label[point - min][lang]; empty: the point has no label */
	struct str label[LIMIT_INSTRUMENT_SCALE_SPAN + 1][INSTR_LANGS];
};

struct instr_item {
	struct str id;
	struct str text[INSTR_LANGS];
	int scale;          /* index into scales */
	bool reverse;       /* scored as min + max - answer */
	bool optional;      /* may stay unanswered */
	int cond_item;      /* -1: always shown; else shown when the answer */
	enum instr_op cond_op; /* to item cond_item compares to cond_value */
	int cond_value;
	int line;
};

struct instr_cutoff {
	double from;        /* the band runs from here to the next cut-off */
	struct str label[INSTR_LANGS];
};

struct instr_score {
	struct str id;
	struct str name[INSTR_LANGS];
	enum instr_method method;
	int nitems;
	int item[LIMIT_INSTRUMENT_ITEMS];
	double weight[LIMIT_INSTRUMENT_ITEMS];
	double factor;      /* the result is multiplied by it (WHO-5: 4) */
	int max_missing;    /* answers that may be missing and prorated */
	double reliability; /* test-retest r; 0: not stated (no RCI) */
	double sd;          /* SD of the norm group; 0: not stated */
	double norm_mean;   /* mean of the norm group (with sd) */
	bool higher_better; /* for "improved"/"worsened" wording */
	int ncut;
	struct instr_cutoff cut[LIMIT_INSTRUMENT_CUTOFFS];
};

struct instrument {
	struct str id;
	int version;        /* the file's own content version */
	struct str title[INSTR_LANGS];
	struct str intro[INSTR_LANGS];
	struct str source, licence, verified;
	bool decline;       /* "rather not answer" allowed */
	int nscales, nitems, nscores;
	struct instr_scale scale[LIMIT_INSTRUMENT_SCALES];
	struct instr_item item[LIMIT_INSTRUMENT_ITEMS];
	struct instr_score score[LIMIT_INSTRUMENT_SCORES];
};

/* Why a file was refused: its 1-based line (0: the file as a whole), a
 * sentence marked N_() that may hold one %s for token. */
struct instr_error {
	int line;
	const char *msg;
	char token[LIMIT_INSTRUMENT_ID + 1];
};

/* Parse text (pointer, length; no NUL needed) into a new instrument the
 * caller frees with instrument_free.  0, or ERR_INVAL/ERR_TOOBIG with e
 * filled (when not NULL) and *out NULL. */
int instrument_parse(struct str text, struct instrument **out,
    struct instr_error *e);
void instrument_free(struct instrument *ins);
/* e as one English line, "line 3: ..." (for logs, tests and the CLI). */
void instrument_error_format(const struct instr_error *e, struct buf *b);

/* A decimal as the format writes it ("-1.25": at most 7 digits before
 * and 4 after the point), read without the locale: 0 or ERR_INVAL. */
int instrument_decimal(struct str s, double *out);

/* The index of an item or score by id, or -1. */
int instrument_item(const struct instrument *ins, struct str id);
int instrument_score_index(const struct instrument *ins, struct str id);

/* Answers to one instrument, by item index. */
struct instr_answers {
	int16_t v[LIMIT_INSTRUMENT_ITEMS];
};

void instrument_answers_init(struct instr_answers *a);
/* Whether item i is shown, given the answers so far. */
bool instrument_shown(const struct instrument *ins,
    const struct instr_answers *a, int i);
/* Check one answer: a point of the item's scale, INSTR_DECLINED where the
 * instrument allows it, or INSTR_UNANSWERED.  0 or ERR_INVAL with a
 * sentence (N_) in *msg. */
int instrument_check(const struct instrument *ins, int i, int value,
    const char **msg);
/* Answers as text, "id=value" a line ("id=-" declined), and back; the
 * parse refuses unknown items and values off the scale (ERR_INVAL, *msg). */
void instrument_answers_format(const struct instrument *ins,
    const struct instr_answers *a, struct buf *b);
int instrument_answers_parse(const struct instrument *ins, struct str s,
    struct instr_answers *a, const char **msg);
/* Items shown and still unanswered (for "complete?"). */
int instrument_missing(const struct instrument *ins,
    const struct instr_answers *a);

struct instr_value {
	bool ok;            /* false: too many missing answers */
	double value;
	int answered, missing;
	int band;           /* index into the score's cut-offs, or -1 */
};

struct instr_result {
	struct instr_value v[LIMIT_INSTRUMENT_SCORES];
};

/* Score every score of ins. */
void instrument_score(const struct instrument *ins,
    const struct instr_answers *a, struct instr_result *r);
/* The band a value falls in, or -1 (below the first cut-off). */
int instrument_band(const struct instr_score *s, double value);
/* The reliable change index (Jacobson & Truax 1991) from before to after,
 * when the score states its reliability and SD: 0 and *rci, or
 * ERR_NOTFOUND. |RCI| > 1.96 is a reliable change. */
int instrument_rci(const struct instr_score *s, double before, double after,
    double *rci);

/* The language of a page ("nl" or "en"; anything else: nl). */
enum instr_lang instrument_lang(const char *code);
/* A text in lang, falling back to the other language. */
struct str instrument_text(const struct str t[INSTR_LANGS],
    enum instr_lang lang);

#endif
