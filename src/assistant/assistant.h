/*
 * assistant.h - the writing assistant: hints on a professional's draft reply.
 *
 * While a professional writes a reply, the platform shows hints that never
 * block sending (seed 001, "Hoe ik in mijn praktijk als online begeleider een
 * relatie bouw"): does the reply open with appreciation, does it mirror the
 * client's own words, does it ask too many questions, is it readable for this
 * client, and which welcome phase is the relation in, judged from the
 * measured rhythm of the exchange.  src/assistant/README.md explains every
 * measure, its thresholds and its sources.
 *
 * Pure computation: no database, no HTTP, no i18n.  Results are numbers,
 * flags and hint codes; the web layer turns codes into sentences.
 *
 * Life cycle: assistant_load once at start-up reads the word lists from
 * share/assistant/<lang>/<list>.txt; afterwards the struct is read-only, so any
 * number of threads may call assistant_analyse on it at the same time.
 *
 * Tables: none.
 */
#ifndef INFUUS_ASSISTANT_H
#define INFUUS_ASSISTANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"

enum assistant_lang {
	ASSISTANT_LANG_NL,
	ASSISTANT_LANG_EN,
	ASSISTANT_LANG_COUNT_
};

/* The reading level set for a client; each maps to a minimum readability
 * score (Flesch-Douma for Dutch, Flesch reading ease for English) and a
 * longest advisable sentence: see assistant_level_min_score. */
enum assistant_level {
	ASSISTANT_LEVEL_STANDARD, /* B1: what most adults read with ease (default) */
	ASSISTANT_LEVEL_SIMPLE,   /* below B1: low literacy (seed 002) */
	ASSISTANT_LEVEL_ADVANCED, /* B2 and up */
	ASSISTANT_LEVEL_COUNT_
};

/* The welcome ritual the relation asks for (seed 001). */
enum assistant_phase {
	ASSISTANT_PHASE_EXTENDED, /* get to know each other: full welcome */
	ASSISTANT_PHASE_LIMITED,  /* open every message with appreciation */
	ASSISTANT_PHASE_DIRECT,   /* rhythm established: may come to the point */
};

/* Hint codes, a bit each in assistant_result.hints. */
enum assistant_hint {
	ASSISTANT_HINT_NO_APPRECIATION = 1 << 0,    /* phase wants it, opening lacks it */
	ASSISTANT_HINT_NO_MIRRORING = 1 << 1,       /* none of the client's words reused */
	ASSISTANT_HINT_TOO_MANY_QUESTIONS = 1 << 2, /* questions > max_questions */
	ASSISTANT_HINT_TOO_HARD = 1 << 3,           /* score below the client's level */
	ASSISTANT_HINT_LONG_SENTENCE = 1 << 4,      /* a sentence above the level's limit */
	ASSISTANT_HINT_RHYTHM_BROKEN = 1 << 5,      /* give the relation renewed attention */
};

/*
 * Thresholds.  README.md gives the reason for each value.
 */
/* Terms reported in mirrored[] and could_mirror[]. */
#define ASSISTANT_MAX_TERMS 8
/* Questions in a draft before ASSISTANT_HINT_TOO_MANY_QUESTIONS, when the
 * input leaves max_questions at 0. */
#define ASSISTANT_DEFAULT_MAX_QUESTIONS 3
/* The opening: this many sentences after a salutation, at most this many
 * words (a salutation line is searched too but counts for neither). */
#define ASSISTANT_OPENING_SENTENCES 2
#define ASSISTANT_OPENING_WORDS 40
/* A first sentence of at most this many words is a salutation when it
 * starts with a greeting word, or ends the first line with a comma. */
#define ASSISTANT_SALUTATION_WORDS 4
/* Mirroring: words shorter than this (code points) are never distinctive;
 * a word in common.txt weighs ASSISTANT_COMMON_WEIGHT; length weighs
 * min(chars, ASSISTANT_LEN_CAP) / ASSISTANT_LEN_NORM; a phrase weighs
 * ASSISTANT_PHRASE_WEIGHT times the sum of its words. */
#define ASSISTANT_MIN_WORD_CHARS 3
#define ASSISTANT_COMMON_WEIGHT 0.4
#define ASSISTANT_LEN_CAP 12
#define ASSISTANT_LEN_NORM 6.0
#define ASSISTANT_PHRASE_WEIGHT 0.75
/* No ASSISTANT_HINT_NO_MIRRORING before the draft has this many words. */
#define ASSISTANT_MIRROR_MIN_WORDS 15
/* No ASSISTANT_HINT_TOO_HARD before the draft has this many words: the
 * score of a few words says nothing. */
#define ASSISTANT_READABILITY_MIN_WORDS 25
/* Rhythm.  An exchange is a client turn answered by the professional; an
 * interval runs from one client turn to the next (client -> professional ->
 * client).  Fewer than EXTENDED exchanges: extended welcome.  DIRECT needs
 * that many exchanges, at least DIRECT_MIN_INTERVALS usual intervals, and a
 * coefficient of variation (sd / mean) of the usual intervals at most
 * DIRECT_CV.  The usual intervals are the last RHYTHM_WINDOW before the
 * latest one.  The rhythm is broken when the latest interval, or the time
 * since the last client turn, exceeds BREAK_FACTOR x their median and
 * BREAK_MIN_GAP seconds (needs RHYTHM_MIN_INTERVALS usual intervals); the
 * phase then falls back one step. */
#define ASSISTANT_EXTENDED_EXCHANGES 3
#define ASSISTANT_DIRECT_EXCHANGES 6
#define ASSISTANT_DIRECT_MIN_INTERVALS 4
#define ASSISTANT_DIRECT_CV 0.35
#define ASSISTANT_RHYTHM_WINDOW 6
#define ASSISTANT_RHYTHM_MIN_INTERVALS 2
#define ASSISTANT_BREAK_FACTOR 2.0
#define ASSISTANT_BREAK_MIN_GAP (7 * 24 * 60 * 60)
/* Language detection needs this many stop-word hits for the winner. */
#define ASSISTANT_DETECT_MIN_HITS 2

struct assistant;

/* One past message of the exchange: when, and whether the client wrote it. */
struct assistant_msg {
	time_t at;
	bool from_client;
};

/* Zero-initialised fields are valid defaults: Dutch, standard level, the
 * level's minimum score, ASSISTANT_DEFAULT_MAX_QUESTIONS. */
struct assistant_input {
	enum assistant_lang lang;
	/* The reply being written, and the client's message it answers.  At most
	 * LIMIT_ASSISTANT_TEXT bytes each; any bytes (invalid UTF-8 is read as
	 * U+FFFD).  Either may be empty. */
	struct str draft;
	struct str client_last;
	/* Past messages of the thread, both authors, in any order (they are
	 * sorted by time); the draft is not among them.  At most
	 * LIMIT_ASSISTANT_HISTORY: pass the newest ones, the phase needs no more. */
	const struct assistant_msg *history;
	size_t n;
	/* The moment of analysis, for the running gap since the last contact. */
	time_t now;
	enum assistant_level reading_level;
	/* When > 0, the minimum readability score instead of reading_level's. */
	double min_score;
	/* Hint when the draft asks more questions than this; 0 means
	 * ASSISTANT_DEFAULT_MAX_QUESTIONS. */
	int max_questions;
};

struct assistant_result {
	enum assistant_lang lang;
	unsigned hints; /* enum assistant_hint bits */

	/* 1. Opening: the first two sentences after a salutation line, at most
	 * ASSISTANT_OPENING_WORDS words.  The phrase is the entry of
	 * appreciation.txt that matched (owned by the struct assistant). */
	bool appreciation;
	const char *appreciation_phrase;

	/* 2. Mirroring: the client's distinctive words and short phrases, in the
	 * client's spelling, lower case, best first (strings in the arena). */
	const char *mirrored[ASSISTANT_MAX_TERMS];
	size_t n_mirrored;
	size_t mirrored_total;   /* distinct client word stems the draft reuses */
	size_t client_terms;     /* distinct distinctive stems in client_last */
	const char *could_mirror[ASSISTANT_MAX_TERMS];
	size_t n_could_mirror;

	/* 3. Questions: sentences ending in '?' outside quotations. */
	size_t questions;
	int max_questions;

	/* 4. Sentences and readability. */
	size_t sentences;
	size_t words;
	size_t syllables;
	double mean_sentence_words;
	size_t longest_sentence_words;
	size_t long_sentences;      /* sentences longer than long_sentence_limit */
	size_t long_sentence_limit; /* from the reading level */
	double readability;         /* Flesch-Douma (nl) or Flesch (en); 0 if no words */
	double min_score;           /* the client's minimum */
	bool too_hard;              /* readability < min_score, on enough words */

	/* 5. Welcome phase, from the rhythm of the history. */
	enum assistant_phase phase;
	bool rhythm_broken;
	size_t exchanges;        /* client messages answered by the professional */
	int64_t median_interval; /* usual seconds from one client turn to the next; 0 if unknown */
	double interval_cv;      /* coefficient of variation of those intervals */
	int64_t gap;             /* the latest interval or running gap, seconds */
};

/* Read the word lists under share_dir (".../share": files
 * share_dir/assistant/<nl|en>/<list>.txt).  Returns 0 and *out, or
 * ERR_IO (a file missing or unreadable), ERR_TOOBIG / ERR_TOOMANY (a list
 * past LIMIT_ASSISTANT_LIST_*), ERR_PARSE (invalid UTF-8 or a bad line);
 * the file and line are logged. */
int assistant_load(const char *share_dir, struct assistant **out);
void assistant_free(struct assistant *as);

/* Analyse a draft.  All strings in *out live in a (or in as).  Returns 0,
 * ERR_INVAL (bad lang or level, history NULL with n > 0, a negative
 * min_score or max_questions), ERR_TOOBIG (a text past LIMIT_ASSISTANT_TEXT)
 * or ERR_TOOMANY (n past LIMIT_ASSISTANT_HISTORY).  Work and arena use are
 * linear in the input (README.md, "Limits"). */
int assistant_analyse(const struct assistant *as,
    const struct assistant_input *in, struct arena *a,
    struct assistant_result *out);

/* The result as one compact JSON object for the live panel (appended). */
void assistant_result_json(const struct assistant_result *r, struct buf *b);

/* Guess the language of a text from stop-word hits: 0 and *out, or
 * ERR_NOTFOUND when neither list wins clearly (too short, a tie).  At most
 * LIMIT_ASSISTANT_TEXT bytes are read. */
int assistant_detect_lang(const struct assistant *as, struct str text,
    enum assistant_lang *out);

/* "nl" / "en"; and back (ERR_INVAL for anything else). */
const char *assistant_lang_code(enum assistant_lang lang);
int assistant_lang_parse(struct str code, enum assistant_lang *out);
const char *assistant_phase_name(enum assistant_phase phase);
const char *assistant_level_name(enum assistant_level level);
/* The minimum readability score and the longest advisable sentence (words)
 * of a reading level, per language (README.md gives the mapping). */
double assistant_level_min_score(enum assistant_level level,
    enum assistant_lang lang);
size_t assistant_level_sentence_limit(enum assistant_level level);

/* Building blocks, exported for tests and for other texts (module pages):
 * the syllables of the words in a string (UTF-8; each word counts at least
 * 1), the stem the assistant matches a word by (in the arena; "" when the
 * string holds no word), and a text's readability score with its counts
 * (0 for a text without words).  Each reads at most LIMIT_ASSISTANT_TEXT
 * bytes of its string. */
int assistant_syllables(const struct assistant *as, enum assistant_lang lang,
    struct str word);
const char *assistant_stem(const struct assistant *as, enum assistant_lang lang,
    struct str word, struct arena *a);
double assistant_readability(const struct assistant *as,
    enum assistant_lang lang, struct str text, struct arena *a,
    size_t *sentences, size_t *words, size_t *syllables);

#endif
