/*
 * test_assistant.c - the writing assistant on example messages, Dutch and
 * English: opening with appreciation, mirroring, questions, syllables,
 * readability, the welcome phase from the rhythm, hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "assistant/assistant.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

#define SHARE INFUUS_SOURCE_ROOT "/share"
#define DAY (24 * 60 * 60)
#define WEEK (7 * DAY)
#define T0 ((time_t)1700000000)

static int
setup(void **state)
{
	struct assistant *as;

	if (assistant_load(SHARE, &as) != 0)
		return -1;
	*state = as;
	return 0;
}

static int
teardown(void **state)
{
	assistant_free(*state);
	return 0;
}

static void
analyse_full(void **state, const struct assistant_input *in, struct arena *a,
    struct assistant_result *r)
{
	int rc = assistant_analyse(*state, in, a, r);

	if (rc != 0)
		fail_msg("assistant_analyse: expected 0, got %s", err_name(rc));
}

static void
analyse(void **state, enum assistant_lang lang, const char *draft,
    const char *client, struct arena *a, struct assistant_result *r)
{
	struct assistant_input in = {
		.lang = lang,
		.draft = str_c(draft),
		.client_last = str_c(client ? client : ""),
		.now = T0,
	};

	analyse_full(state, &in, a, r);
}

static bool
has_term(const char *const *t, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i], want) == 0)
			return true;
	return false;
}

/* Fail, showing the list, unless want's presence in t is as expected. */
static void
expect_term(const char *const *t, size_t n, const char *want, bool present)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (has_term(t, n, want) == present)
		return;
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s[%s]", i ? " " : "", t[i]);
	fail_msg("expected %s\"%s\" in %s", present ? "" : "no ", want, b.p);
	buf_release(&b);
}

/* ------------------------------------------------------------------------
 * 1. Opening with appreciation.
 */

static void
appreciation_in_first_sentence_is_found_nl(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "Hoi Anna,\n\nWat fijn dat je zo open schrijft over je week. "
	    "Ik wil graag met je verder kijken.", NULL, &a, &r);
	assert_true(r.appreciation);
	assert_string_equal(r.appreciation_phrase, "wat fijn");
	assert_false(r.hints & ASSISTANT_HINT_NO_APPRECIATION);

	analyse(state, ASSISTANT_LANG_NL,
	    "Dankjewel voor je eerlijke bericht.", NULL, &a, &r);
	assert_true(r.appreciation);
	assert_string_equal(r.appreciation_phrase, "dankjewel");

	/* Case and punctuation do not matter; diacritics survive. */
	analyse(state, ASSISTANT_LANG_NL,
	    "IK WAARDEER het dat je dit deelt, écht.", NULL, &a, &r);
	assert_true(r.appreciation);
	assert_string_equal(r.appreciation_phrase, "ik waardeer");
	arena_release(&a);
}

static void
appreciation_prefix_entry_matches_inflection(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "Wat een knappe stap heb je gezet.", NULL, &a, &r);
	assert_true(r.appreciation);
	/* Both "knap*" (at "knappe") and nothing earlier: reported as written
	 * in the list, without the star. */
	assert_string_equal(r.appreciation_phrase, "knap");
	arena_release(&a);
}

static void
compliment_in_third_sentence_is_not_an_opening(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "Ik heb je bericht gelezen. Je schrijft over je werk. "
	    "Wat knap dat je dit durft te delen.", NULL, &a, &r);
	assert_false(r.appreciation);
	assert_null(r.appreciation_phrase);
	/* No history: extended welcome, so the hint is on. */
	assert_int_equal(r.phase, ASSISTANT_PHASE_EXTENDED);
	assert_true(r.hints & ASSISTANT_HINT_NO_APPRECIATION);

	/* The same compliment as the second sentence does count. */
	analyse(state, ASSISTANT_LANG_NL,
	    "Ik heb je bericht gelezen. Wat knap dat je dit durft te delen.",
	    NULL, &a, &r);
	assert_true(r.appreciation);
	arena_release(&a);
}

static void
salutation_line_is_not_an_opening_sentence(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	/* "Hoi Anna!" is a salutation: the compliment is in the second
	 * sentence after it. */
	analyse(state, ASSISTANT_LANG_NL,
	    "Hoi Anna!\nJe bericht kwam gisteren binnen. Knap hoe je dat "
	    "aanpakte.", NULL, &a, &r);
	assert_true(r.appreciation);
	assert_string_equal(r.appreciation_phrase, "knap");

	/* A short first line ending in a comma is a salutation too, and a
	 * sentence of its own. */
	analyse(state, ASSISTANT_LANG_EN,
	    "Anna,\nYour message arrived yesterday. Thank you for it.", NULL,
	    &a, &r);
	assert_true(r.appreciation);
	assert_string_equal(r.appreciation_phrase, "thank you");
	assert_int_equal(r.sentences, 3);

	/* The salutation itself is searched. */
	analyse(state, ASSISTANT_LANG_NL,
	    "Goedemorgen, dank je wel!\nIk lees verder.", NULL, &a, &r);
	assert_true(r.appreciation);
	assert_string_equal(r.appreciation_phrase, "dank je wel");
	arena_release(&a);
}

static void
opening_stops_after_forty_words(void **state)
{
	struct arena a;
	struct assistant_result r;
	struct buf b = BUF_INIT;
	int i;

	arena_init(&a);
	for (i = 0; i < ASSISTANT_OPENING_WORDS; i++)
		buf_adds(&b, "woord ");
	buf_adds(&b, "en dank je wel.");
	analyse(state, ASSISTANT_LANG_NL, b.p, NULL, &a, &r);
	assert_false(r.appreciation);

	buf_reset(&b);
	for (i = 0; i < ASSISTANT_OPENING_WORDS - 3; i++)
		buf_adds(&b, "woord ");
	buf_adds(&b, "dank je wel.");
	analyse(state, ASSISTANT_LANG_NL, b.p, NULL, &a, &r);
	assert_true(r.appreciation);
	buf_release(&b);
	arena_release(&a);
}

static void
appreciation_en_found_and_not_found(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_EN,
	    "Dear John,\nI can see how hard you worked on this. Let's look at "
	    "next week.", NULL, &a, &r);
	assert_true(r.appreciation);
	assert_string_equal(r.appreciation_phrase, "i can see");

	analyse(state, ASSISTANT_LANG_EN,
	    "It's good that you wrote to me today.", NULL, &a, &r);
	assert_true(r.appreciation);
	assert_string_equal(r.appreciation_phrase, "it's good that");

	analyse(state, ASSISTANT_LANG_EN,
	    "Please send me the form before Monday. We will discuss it then. "
	    "Well done on the last one.", NULL, &a, &r);
	assert_false(r.appreciation);
	arena_release(&a);
}

/* ------------------------------------------------------------------------
 * 2. Mirroring.
 */

static const char client_nl[] =
    "Ik merk dat de gesprekken met mijn leidinggevende me veel energie "
    "kosten. 's avonds lig ik te piekeren en ik slaap slecht. Mijn collega "
    "Pieter zegt dat ik het los moet laten.";

static void
mirrored_words_are_found_with_stemming_nl(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "Dank je wel voor je bericht. Wat vervelend dat het gesprek met je "
	    "leidinggevende zoveel energie kost.", client_nl, &a, &r);
	/* "gesprek" reuses "gesprekken", "kost" reuses "kosten". */
	expect_term(r.mirrored, r.n_mirrored, "gesprekken", true);
	expect_term(r.mirrored, r.n_mirrored, "leidinggevende", true);
	expect_term(r.mirrored, r.n_mirrored, "energie kosten", true);
	/* The phrase covers its words: they are not listed again. */
	expect_term(r.mirrored, r.n_mirrored, "energie", false);
	assert_int_equal(r.mirrored_total, 4);
	assert_false(r.hints & ASSISTANT_HINT_NO_MIRRORING);
	arena_release(&a);
}

static void
could_mirror_excludes_stop_words_used_words_and_names(void **state)
{
	struct arena a;
	struct assistant_result r;
	size_t i;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "Dank je wel voor je bericht. Wat vervelend dat het gesprek met je "
	    "leidinggevende zoveel energie kost.", client_nl, &a, &r);
	assert_true(r.n_could_mirror > 0);
	expect_term(r.could_mirror, r.n_could_mirror, "piekeren", true);
	expect_term(r.could_mirror, r.n_could_mirror, "slaap slecht", true);
	for (i = 0; i < r.n_could_mirror; i++) {
		const char *t = r.could_mirror[i];

		/* Stop words never, words the draft used never, the name never. */
		assert_false(strcmp(t, "ik") == 0 || strcmp(t, "mijn") == 0 ||
		    strcmp(t, "moet") == 0 || strcmp(t, "dat") == 0);
		assert_null(strstr(t, "gesprek"));
		assert_null(strstr(t, "energie"));
		assert_null(strstr(t, "leidinggevende"));
		assert_null(strstr(t, "pieter"));
	}
	/* Ranked: the long rare word first ("slaap slecht" weighs less, as
	 * "slecht" is a common word); the common verb "merk" last. */
	assert_string_equal(r.could_mirror[0], "piekeren");
	assert_string_equal(r.could_mirror[r.n_could_mirror - 1], "zegt");
	expect_term(r.could_mirror, r.n_could_mirror, "merk", true);
	arena_release(&a);
}

static void
draft_without_client_words_gets_a_mirroring_hint(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "Dank je wel voor je bericht. Ik stel voor dat we volgende week "
	    "verder praten over wat je nodig hebt om weer op adem te komen.",
	    client_nl, &a, &r);
	assert_int_equal(r.n_mirrored, 0);
	assert_int_equal(r.mirrored_total, 0);
	assert_true(r.client_terms >= 6);
	assert_true(r.hints & ASSISTANT_HINT_NO_MIRRORING);
	assert_int_equal(r.n_could_mirror, ASSISTANT_MAX_TERMS);
	arena_release(&a);
}

static void
mirroring_en_with_stemming(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_EN,
	    "Thanks for telling me. Feeling overwhelmed by deadlines is "
	    "exhausting.",
	    "I feel overwhelmed by all the deadlines at work and I can't sleep.",
	    &a, &r);
	expect_term(r.mirrored, r.n_mirrored, "overwhelmed", true);
	expect_term(r.mirrored, r.n_mirrored, "deadlines", true);
	/* "feel" is common, so the phrase ranks below "overwhelmed" alone and
	 * is not listed again; "feeling" still reuses "feel". */
	expect_term(r.mirrored, r.n_mirrored, "feel overwhelmed", false);
	assert_int_equal(r.mirrored_total, 3);
	expect_term(r.could_mirror, r.n_could_mirror, "sleep", true);
	expect_term(r.could_mirror, r.n_could_mirror, "deadlines at work", false);
	expect_term(r.could_mirror, r.n_could_mirror, "can't", false);
	arena_release(&a);
}

static void
stems_join_word_families(void **state)
{
	struct arena a;
	static const char *const nl[][2] = {
		{ "gesprekken", "gesprek" }, { "gesprek", "gesprek" },
		{ "kinderen", "kind" }, { "grote", "grot" }, { "groot", "grot" },
		{ "weken", "wek" }, { "week", "wek" }, { "relaties", "relatie" },
		{ "lieve", "lief" }, { "jongens", "jong" }, { "cliënten", "client" },
		{ "mogelijkheden", "mogelijkheid" }, { "collega's", "collega" },
		{ "mooie", "mooi" }, { "sliep", "slap" }, { "slapen", "slap" },
		/* Only letters are undoubled: not the equal last bytes of
		 * U+3041 (e3 81 81), not digits. */
		{ "kop\xe3\x81\x81" "en", "kop\xe3\x81\x81" },
		{ "100en", "100" },
	};
	static const char *const en[][2] = {
		{ "feelings", "feel" }, { "feeling", "feel" }, { "felt", "feel" },
		{ "worries", "worry" }, { "worried", "worry" }, { "stopped", "stop" },
		{ "making", "mak" }, { "make", "mak" }, { "children", "child" },
		{ "boxes", "box" }, { "focus", "focus" }, { "stress", "stress" },
		{ "kop\xe3\x81\x81" "ed", "kop\xe3\x81\x81" },
	};
	size_t i;

	arena_init(&a);
	for (i = 0; i < sizeof(nl) / sizeof(nl[0]); i++)
		assert_string_equal(assistant_stem(*state, ASSISTANT_LANG_NL,
		    str_c(nl[i][0]), &a), nl[i][1]);
	for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
		assert_string_equal(assistant_stem(*state, ASSISTANT_LANG_EN,
		    str_c(en[i][0]), &a), en[i][1]);
	assert_string_equal(assistant_stem(*state, ASSISTANT_LANG_NL,
	    STR("!?"), &a), "");
	arena_release(&a);
}

/* ------------------------------------------------------------------------
 * 3. Questions.
 */

static void
questions_are_counted_including_interrobang(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "Hoe gaat het nu? Wat wil je?! Echt?? Dat snap ik.", NULL, &a, &r);
	assert_int_equal(r.questions, 3);
	assert_int_equal(r.sentences, 4);
	assert_false(r.hints & ASSISTANT_HINT_TOO_MANY_QUESTIONS);

	analyse(state, ASSISTANT_LANG_NL,
	    "Hoe gaat het? Wat wil je? Wie helpt je? Wat heb je nodig?", NULL,
	    &a, &r);
	assert_int_equal(r.questions, 4);
	assert_int_equal(r.max_questions, ASSISTANT_DEFAULT_MAX_QUESTIONS);
	assert_true(r.hints & ASSISTANT_HINT_TOO_MANY_QUESTIONS);
	arena_release(&a);
}

static void
question_threshold_is_a_parameter(void **state)
{
	struct arena a;
	struct assistant_result r;
	struct assistant_input in = {
		.lang = ASSISTANT_LANG_EN,
		.draft = STR("How are you? What helps? Who helps? What next?"),
		.max_questions = 5,
	};

	arena_init(&a);
	analyse_full(state, &in, &a, &r);
	assert_int_equal(r.questions, 4);
	assert_false(r.hints & ASSISTANT_HINT_TOO_MANY_QUESTIONS);
	in.max_questions = 1;
	analyse_full(state, &in, &a, &r);
	assert_true(r.hints & ASSISTANT_HINT_TOO_MANY_QUESTIONS);
	arena_release(&a);
}

static void
quoted_question_is_not_the_writers_question(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	/* The client's question, quoted: not asked by the professional; the
	 * sentence ends after the closing quote. */
	analyse(state, ASSISTANT_LANG_NL,
	    "Je schreef: \"Waarom lukt het me niet?\" Dat is een goede vraag.",
	    NULL, &a, &r);
	assert_int_equal(r.questions, 0);
	assert_int_equal(r.sentences, 2);

	/* Typographic quotes, and a quoted question mid-sentence. */
	analyse(state, ASSISTANT_LANG_NL,
	    "Jouw vraag \u201cwat wil ik echt?\u201d, vind ik mooi. En wat "
	    "betekent \u201crust\u201d voor jou?", NULL, &a, &r);
	assert_int_equal(r.questions, 1);
	assert_int_equal(r.sentences, 2);

	/* A '>' quotation line, a URL with '?'. */
	analyse(state, ASSISTANT_LANG_NL,
	    "> Wat moet ik doen?\nGoede vraag. Kijk op infuus.nl/hulp?id=3 "
	    "voor meer.", NULL, &a, &r);
	assert_int_equal(r.questions, 0);
	assert_int_equal(r.sentences, 3);
	arena_release(&a);
}

static void
sentences_respect_abbreviations_ellipses_and_lists(void **state)
{
	struct arena a;
	struct assistant_result r;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "We bespreken o.a. je werk, bijv. de planning. Om 10.30 uur "
	    "begint het... misschien later.", NULL, &a, &r);
	assert_int_equal(r.sentences, 2);

	analyse(state, ASSISTANT_LANG_NL,
	    "Drie stappen:\n- eerst rust nemen\n- dan plannen\n1. klaar", NULL,
	    &a, &r);
	assert_int_equal(r.sentences, 4);
	assert_int_equal(r.words, 8);
	arena_release(&a);
}

/* ------------------------------------------------------------------------
 * 4. Syllables and readability.
 */

static void
syllables_of_known_words(void **state)
{
	static const struct {
		enum assistant_lang lang;
		const char *word;
		int want;
	} v[] = {
		{ ASSISTANT_LANG_NL, "gemakkelijk", 4 },
		{ ASSISTANT_LANG_NL, "geëmigreerd", 4 },
		{ ASSISTANT_LANG_NL, "ui", 1 },
		{ ASSISTANT_LANG_NL, "kinderen", 3 },
		{ ASSISTANT_LANG_NL, "bioscoop", 3 },
		{ ASSISTANT_LANG_NL, "materiaal", 4 },
		{ ASSISTANT_LANG_NL, "coöperatie", 5 },
		{ ASSISTANT_LANG_NL, "nieuwe", 2 },
		{ ASSISTANT_LANG_NL, "moeilijk", 2 },
		{ ASSISTANT_LANG_NL, "cliënt", 2 },
		{ ASSISTANT_LANG_NL, "ideeën", 3 },
		{ ASSISTANT_LANG_NL, "leidinggevende", 5 },
		{ ASSISTANT_LANG_NL, "e-mail", 2 },
		{ ASSISTANT_LANG_NL, "auto's", 2 },
		{ ASSISTANT_LANG_NL, "coaching", 2 }, /* from syllables.txt */
		/* NFD: e + combining diaeresis is composed to ë first. */
		{ ASSISTANT_LANG_NL, "gee\xcc\x88migreerd", 4 },
		{ ASSISTANT_LANG_EN, "readability", 5 },
		{ ASSISTANT_LANG_EN, "table", 2 },
		{ ASSISTANT_LANG_EN, "make", 1 },
		{ ASSISTANT_LANG_EN, "created", 3 },
		{ ASSISTANT_LANG_EN, "asked", 1 },
		{ ASSISTANT_LANG_EN, "wanted", 2 },
		{ ASSISTANT_LANG_EN, "called", 1 },
		{ ASSISTANT_LANG_EN, "boxes", 2 },
		{ ASSISTANT_LANG_EN, "makes", 1 },
		{ ASSISTANT_LANG_EN, "being", 2 },
		{ ASSISTANT_LANG_EN, "piano", 3 },
		{ ASSISTANT_LANG_EN, "social", 2 },
		{ ASSISTANT_LANG_EN, "situation", 4 },
		{ ASSISTANT_LANG_EN, "lovely", 2 },
		{ ASSISTANT_LANG_EN, "something", 2 },
		{ ASSISTANT_LANG_EN, "movement", 2 },
		{ ASSISTANT_LANG_EN, "the", 1 },
		{ ASSISTANT_LANG_EN, "café", 2 },
		{ ASSISTANT_LANG_EN, "people", 2 }, /* from syllables.txt */
		{ ASSISTANT_LANG_EN, "2024", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int got = assistant_syllables(*state, v[i].lang, str_c(v[i].word));

		if (got != v[i].want)
			fail_msg("syllables(%s) expected %d, got %d", v[i].word,
			    v[i].want, got);
	}
}

static void
flesch_douma_on_a_fixed_dutch_text(void **state)
{
	struct arena a;
	size_t ns, nw, nsy;
	double score;

	arena_init(&a);
	/*
	 * Dank(1) je(1) wel(1) voor(1) je(1) be-richt(2)          6 w  7 syl
	 * Ik lees dat het(4) ge-sprek(2) met je(2)
	 *   lei-ding-ge-ven-de(5) moei-lijk(2) was(1)            10 w 16 syl
	 * Wat heb je(3) no-dig(2)                                 4 w  5 syl
	 * 206.835 - 0.93 * 20/3 - 77 * 28/20 = 206.835 - 6.2 - 107.8 = 92.835
	 */
	score = assistant_readability(*state, ASSISTANT_LANG_NL,
	    STR("Dank je wel voor je bericht. Ik lees dat het gesprek met je "
	    "leidinggevende moeilijk was. Wat heb je nodig?"), &a, &ns, &nw,
	    &nsy);
	assert_int_equal(ns, 3);
	assert_int_equal(nw, 20);
	assert_int_equal(nsy, 28);
	assert_true(score > 92.835 - 0.05 && score < 92.835 + 0.05);
	arena_release(&a);
}

static void
flesch_on_a_fixed_english_text(void **state)
{
	struct arena a;
	size_t ns, nw, nsy;
	double score;

	arena_init(&a);
	/*
	 * Your(1) re-flec-tion(3) on(1) the(1) dif-fi-cult(3)
	 *   con-ver-sa-tion(4) with(1) your(1) man-a-ger(3) is(1)
	 *   val-u-a-ble(4)                                      11 w 23 syl
	 * Per-haps(2) we(1) can(1) ex-plore(2) to-geth-er(3) which(1)
	 *   sit-u-a-tions(4) give(1) you(1) en-er-gy(3)           10 w 19 syl
	 * 206.835 - 1.015 * 21/2 - 84.6 * 42/21
	 *   = 206.835 - 10.6575 - 169.2 = 26.9775
	 */
	score = assistant_readability(*state, ASSISTANT_LANG_EN,
	    STR("Your reflection on the difficult conversation with your "
	    "manager is valuable. Perhaps we can explore together which "
	    "situations give you energy."), &a, &ns, &nw, &nsy);
	assert_int_equal(ns, 2);
	assert_int_equal(nw, 21);
	assert_int_equal(nsy, 42);
	assert_true(score > 26.9775 - 0.05 && score < 26.9775 + 0.05);
	arena_release(&a);
}

static const char hard_nl[] =
    "Naar aanleiding van uw uitgebreide beschrijving van de organisatorische "
    "ontwikkelingen binnen uw afdeling adviseer ik u om gedurende de "
    "komende periode nadrukkelijk aandacht te besteden aan de "
    "communicatieve verwachtingen van uw leidinggevende, aangezien de "
    "samenwerkingsrelatie anders onherroepelijk verslechtert.";

static void
hard_text_is_too_hard_for_a_simple_reader_only(void **state)
{
	struct arena a;
	struct assistant_result r;
	struct assistant_input in = {
		.lang = ASSISTANT_LANG_NL,
		.draft = STR(hard_nl),
		.reading_level = ASSISTANT_LEVEL_SIMPLE,
	};

	arena_init(&a);
	analyse_full(state, &in, &a, &r);
	assert_true(r.words >= ASSISTANT_READABILITY_MIN_WORDS);
	assert_true(r.readability < 45);
	assert_true(r.too_hard);
	assert_true(r.hints & ASSISTANT_HINT_TOO_HARD);
	assert_true(r.hints & ASSISTANT_HINT_LONG_SENTENCE);
	assert_int_equal(r.sentences, 1);
	assert_int_equal(r.longest_sentence_words, r.words);
	assert_int_equal(r.long_sentence_limit, 15);
	assert_true(r.min_score == 70);

	/* Simple text at the simple level, with enough words to judge. */
	in.draft = STR("Dank je wel voor je bericht. Ik lees dat je moe bent. "
	    "Dat snap ik goed. Wat kan je nu helpen? Wil je een rustige dag "
	    "plannen? Schrijf me hoe het gaat.");
	analyse_full(state, &in, &a, &r);
	assert_true(r.words >= ASSISTANT_READABILITY_MIN_WORDS);
	assert_true(r.readability > 70);
	assert_false(r.too_hard);
	assert_false(r.hints & ASSISTANT_HINT_LONG_SENTENCE);
	assert_true(r.mean_sentence_words > 5 && r.mean_sentence_words < 6);

	/* An explicit minimum replaces the level's. */
	in.min_score = r.readability + 1;
	analyse_full(state, &in, &a, &r);
	assert_true(r.too_hard);
	assert_true(r.min_score > 70);
	in.min_score = 0;

	/* Too few words: no verdict, even when hard. */
	in.draft = STR("Onherroepelijke samenwerkingsrelatieverslechtering.");
	analyse_full(state, &in, &a, &r);
	assert_true(r.readability < 0);
	assert_false(r.too_hard);
	arena_release(&a);
}

static void
reading_level_mapping(void **state)
{
	(void)state;
	assert_true(assistant_level_min_score(ASSISTANT_LEVEL_SIMPLE,
	    ASSISTANT_LANG_NL) == 70);
	assert_true(assistant_level_min_score(ASSISTANT_LEVEL_STANDARD,
	    ASSISTANT_LANG_NL) == 60);
	assert_true(assistant_level_min_score(ASSISTANT_LEVEL_ADVANCED,
	    ASSISTANT_LANG_EN) == 50);
	assert_int_equal(assistant_level_sentence_limit(ASSISTANT_LEVEL_SIMPLE),
	    15);
	assert_string_equal(assistant_level_name(ASSISTANT_LEVEL_ADVANCED),
	    "advanced");
}

/* ------------------------------------------------------------------------
 * 5. The welcome phase.
 */

static void
phase_of(void **state, const struct assistant_msg *h, size_t n, time_t now,
    struct assistant_result *r)
{
	struct arena a;
	struct assistant_input in = {
		.lang = ASSISTANT_LANG_NL,
		.draft = STR("Dank je wel voor je bericht."),
		.history = h,
		.n = n,
		.now = now,
	};

	arena_init(&a);
	analyse_full(state, &in, &a, r);
	arena_release(&a);
}

/* Weekly client messages, each answered a day later, with a few hours of
 * jitter so the rhythm is regular, not perfect. */
static size_t
weekly(struct assistant_msg *h, size_t weeks, time_t start)
{
	static const int jitter[] = { 0, 3, -2, 5, -4, 1, -1, 2, -3, 4 };
	size_t i, n = 0;

	for (i = 0; i < weeks; i++) {
		time_t t = start + (time_t)i * WEEK + jitter[i % 10] * 3600;

		h[n++] = (struct assistant_msg){ t, true };
		h[n++] = (struct assistant_msg){ t + DAY, false };
	}
	return n;
}

static void
phase_one_message_is_extended(void **state)
{
	struct assistant_msg h[1] = { { T0, true } };
	struct assistant_result r;

	phase_of(state, h, 1, T0 + 3600, &r);
	assert_int_equal(r.phase, ASSISTANT_PHASE_EXTENDED);
	assert_int_equal(r.exchanges, 0);
	assert_false(r.rhythm_broken);

	phase_of(state, NULL, 0, T0, &r);
	assert_int_equal(r.phase, ASSISTANT_PHASE_EXTENDED);
}

static void
phase_eight_weekly_exchanges_is_direct(void **state)
{
	struct assistant_msg h[16];
	struct assistant_result r;
	size_t n = weekly(h, 8, T0);

	phase_of(state, h, n, T0 + 7 * WEEK + 2 * DAY, &r);
	assert_int_equal(r.exchanges, 8);
	assert_int_equal(r.phase, ASSISTANT_PHASE_DIRECT);
	assert_false(r.rhythm_broken);
	assert_true(r.median_interval > WEEK - 6 * 3600 &&
	    r.median_interval < WEEK + 6 * 3600);
	assert_true(r.interval_cv < 0.1);
	/* Direct: a message may come to the point, no appreciation hint. */
	assert_true(r.appreciation);

	/* Order of the history does not matter. */
	{
		struct assistant_msg rev[16];
		struct assistant_result r2;
		size_t i;

		for (i = 0; i < n; i++)
			rev[i] = h[n - 1 - i];
		phase_of(state, rev, n, T0 + 7 * WEEK + 2 * DAY, &r2);
		assert_int_equal(r2.phase, ASSISTANT_PHASE_DIRECT);
		assert_int_equal(r2.exchanges, 8);
		assert_int_equal(r2.median_interval, r.median_interval);
	}

	/* Two or three exchanges are not yet a rhythm. */
	phase_of(state, h, 4, T0 + WEEK + 2 * DAY, &r);
	assert_int_equal(r.exchanges, 2);
	assert_int_equal(r.phase, ASSISTANT_PHASE_EXTENDED);
	phase_of(state, h, 6, T0 + 2 * WEEK + 2 * DAY, &r);
	assert_int_equal(r.exchanges, 3);
	assert_int_equal(r.phase, ASSISTANT_PHASE_LIMITED);
}

static void
phase_irregular_gaps_is_limited(void **state)
{
	static const int gaps[] = { 2, 10, 3, 12, 1, 8, 4 };
	struct assistant_msg h[16];
	struct assistant_result r;
	time_t t = T0;
	size_t i, n = 0;

	for (i = 0; i <= sizeof(gaps) / sizeof(gaps[0]); i++) {
		h[n++] = (struct assistant_msg){ t, true };
		h[n++] = (struct assistant_msg){ t + 3600, false };
		if (i < sizeof(gaps) / sizeof(gaps[0]))
			t += gaps[i] * DAY;
	}
	phase_of(state, h, n, t + DAY, &r);
	assert_int_equal(r.exchanges, 8);
	assert_int_equal(r.phase, ASSISTANT_PHASE_LIMITED);
	assert_false(r.rhythm_broken);
	assert_true(r.interval_cv > ASSISTANT_DIRECT_CV);
	/* Limited: the opening appreciation is expected, and present. */
	assert_false(r.hints & ASSISTANT_HINT_NO_APPRECIATION);
}

static void
phase_regular_then_five_weeks_silence_breaks_the_rhythm(void **state)
{
	struct assistant_msg h[20];
	struct assistant_result r;
	size_t n = weekly(h, 8, T0);
	time_t last = h[n - 2].at;

	/* The client has been silent for five weeks. */
	phase_of(state, h, n, last + 5 * WEEK, &r);
	assert_true(r.rhythm_broken);
	assert_int_equal(r.phase, ASSISTANT_PHASE_LIMITED);
	assert_true(r.gap >= 5 * WEEK);
	assert_true(r.hints & ASSISTANT_HINT_RHYTHM_BROKEN);

	/* The client writes again after five weeks; the professional answers
	 * now: the last interval is the break. */
	h[n++] = (struct assistant_msg){ last + 5 * WEEK, true };
	phase_of(state, h, n, last + 5 * WEEK + 3600, &r);
	assert_true(r.rhythm_broken);
	assert_int_equal(r.phase, ASSISTANT_PHASE_LIMITED);
	assert_true(r.hints & ASSISTANT_HINT_RHYTHM_BROKEN);

	/* A gap of ten days is no break of a weekly rhythm. */
	phase_of(state, h, n - 1, last + 10 * DAY, &r);
	assert_false(r.rhythm_broken);
	assert_int_equal(r.phase, ASSISTANT_PHASE_DIRECT);
}

static void
phase_limited_falls_back_to_extended_on_a_break(void **state)
{
	struct assistant_msg h[20];
	struct assistant_result r;
	size_t n = weekly(h, 4, T0);

	phase_of(state, h, n, h[n - 2].at + 2 * DAY, &r);
	assert_int_equal(r.phase, ASSISTANT_PHASE_LIMITED);
	phase_of(state, h, n, h[n - 2].at + 6 * WEEK, &r);
	assert_true(r.rhythm_broken);
	assert_int_equal(r.phase, ASSISTANT_PHASE_EXTENDED);
}

static void
phase_survives_absurd_timestamps(void **state)
{
	struct assistant_msg h[16];
	struct assistant_result r;
	size_t i;

	for (i = 0; i < 16; i++)
		h[i] = (struct assistant_msg){
			i % 3 == 0 ? (time_t)INT64_MIN : i % 3 == 1 ?
			    (time_t)INT64_MAX : (time_t)i, i % 2 == 0 };
	phase_of(state, h, 16, (time_t)INT64_MIN, &r);
	assert_true(r.exchanges > 0);
	assert_true(r.median_interval >= 0);
	phase_of(state, h, 16, (time_t)INT64_MAX, &r);
	assert_true(r.gap >= 0);
}

/* ------------------------------------------------------------------------
 * 6. Language, JSON, loading.
 */

static void
detect_lang_by_stop_words(void **state)
{
	enum assistant_lang l = ASSISTANT_LANG_COUNT_;

	assert_int_equal(assistant_detect_lang(*state,
	    STR("Ik heb het gevoel dat ik er niet meer uitkom."), &l), 0);
	assert_int_equal(l, ASSISTANT_LANG_NL);
	assert_int_equal(assistant_detect_lang(*state,
	    STR("I have the feeling that I cannot get out of this."), &l), 0);
	assert_int_equal(l, ASSISTANT_LANG_EN);
	assert_int_equal(assistant_detect_lang(*state, STR("Zoom"), &l),
	    ERR_NOTFOUND);
	assert_int_equal(assistant_detect_lang(*state, STR(""), &l),
	    ERR_NOTFOUND);
	assert_int_equal(assistant_lang_parse(STR("EN"), &l), 0);
	assert_int_equal(l, ASSISTANT_LANG_EN);
	assert_int_equal(assistant_lang_parse(STR("de"), &l), ERR_INVAL);
	assert_string_equal(assistant_lang_code(ASSISTANT_LANG_NL), "nl");
}

static void
result_json_is_complete_and_escaped(void **state)
{
	struct arena a;
	struct assistant_result r;
	struct buf b = BUF_INIT;

	arena_init(&a);
	analyse(state, ASSISTANT_LANG_NL,
	    "Wat fijn dat je schrijft. Hoe gaat het?", client_nl, &a, &r);
	assistant_result_json(&r, &b);
	assert_non_null(strstr(b.p, "{\"lang\":\"nl\",\"hints\":["));
	assert_non_null(strstr(b.p,
	    "\"appreciation\":{\"found\":true,\"phrase\":\"wat fijn\"}"));
	assert_non_null(strstr(b.p, "\"questions\":{\"count\":1,\"max\":3}"));
	assert_non_null(strstr(b.p, "\"phase\":\"extended\""));
	assert_non_null(strstr(b.p, "\"mean_words\":4.0,"));
	assert_non_null(strstr(b.p, "\"could_mirror\":[\"leidinggevende\","));
	assert_int_equal(b.p[b.len - 1], '}');

	/* Escaping of anything that might reach a string. */
	buf_reset(&b);
	memset(&r, 0, sizeof(r));
	r.appreciation_phrase = "a\"b\\c\n</script>\xe2\x80\xa8";
	r.mirrored[0] = "x\x01y";
	r.n_mirrored = 1;
	r.readability = -12.345;
	assistant_result_json(&r, &b);
	assert_non_null(strstr(b.p,
	    "\"phrase\":\"a\\\"b\\\\c\\u000a<\\/script>\\u2028\""));
	assert_non_null(strstr(b.p, "\"mirrored\":[\"x\\u0001y\"]"));
	assert_non_null(strstr(b.p, "\"score\":-12.3,"));
	assert_non_null(strstr(b.p, "\"phase\":\"extended\""));
	buf_release(&b);
	arena_release(&a);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void
copy_file(const char *from, const char *to)
{
	FILE *f = fopen(from, "rb");
	char chunk[4096];
	struct buf b = BUF_INIT;
	size_t n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	write_file(to, b.p, b.len);
	buf_release(&b);
}

static void
load_refuses_missing_and_broken_lists(void **state)
{
	static const char *const files[] = { "stems.txt", "stopwords.txt",
		"common.txt", "greetings.txt", "abbreviations.txt", "links.txt",
		"syllables.txt", "appreciation.txt" };
	char dir[] = "/tmp/infuus-assistant-XXXXXX";
	char path[512], from[512];
	struct assistant *as = (void *)1;
	size_t i;

	(void)state;
	assert_int_equal(assistant_load("/nonexistent/share", &as), ERR_IO);
	assert_null(as);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/assistant", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/assistant/nl", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(from, sizeof(from), SHARE "/assistant/nl/%s", files[i]);
		snprintf(path, sizeof(path), "%s/assistant/nl/%s", dir, files[i]);
		copy_file(from, path);
	}
	/* The Dutch lists alone: English missing. */
	assert_int_equal(assistant_load(dir, &as), ERR_IO);

	/* Invalid UTF-8 in a list. */
	snprintf(path, sizeof(path), "%s/assistant/nl/greetings.txt", dir);
	write_file(path, "hoi\n\xff\xfe\n", 6);
	assert_int_equal(assistant_load(dir, &as), ERR_PARSE);

	/* A syllable entry without a count. */
	write_file(path, "hoi\n", 4);
	snprintf(path, sizeof(path), "%s/assistant/nl/syllables.txt", dir);
	write_file(path, "# comment\ncoach een\n", 20);
	assert_int_equal(assistant_load(dir, &as), ERR_PARSE);
	assert_null(as);

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/assistant/nl/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/assistant/nl", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/assistant", dir);
	rmdir(path);
	rmdir(dir);
}

/* ------------------------------------------------------------------------
 * Hostile and degenerate input.
 */

static void
empty_input_gives_an_empty_result(void **state)
{
	struct arena a;
	struct assistant_result r;
	struct assistant_input in = { .lang = ASSISTANT_LANG_EN };
	struct buf b = BUF_INIT;

	arena_init(&a);
	analyse_full(state, &in, &a, &r);
	assert_int_equal(r.words, 0);
	assert_int_equal(r.sentences, 0);
	assert_int_equal(r.questions, 0);
	assert_false(r.appreciation);
	assert_int_equal(r.hints, 0);
	assert_true(r.readability == 0);
	assert_int_equal(r.n_could_mirror, 0);
	assistant_result_json(&r, &b);
	assert_non_null(strstr(b.p, "\"hints\":[]"));
	buf_release(&b);

	in.draft = STR(" \n\n ?!... \"\" > - ");
	analyse_full(state, &in, &a, &r);
	assert_int_equal(r.words, 0);
	assert_int_equal(r.questions, 0);
	arena_release(&a);
}

static void
bad_arguments_are_refused(void **state)
{
	struct arena a;
	struct assistant_result r;
	struct assistant_input in = { .lang = ASSISTANT_LANG_COUNT_ };
	char *big = calloc(1, LIMIT_ASSISTANT_TEXT + 1);

	arena_init(&a);
	assert_int_equal(assistant_analyse(*state, &in, &a, &r), ERR_INVAL);
	in.lang = ASSISTANT_LANG_NL;
	in.n = 1;
	assert_int_equal(assistant_analyse(*state, &in, &a, &r), ERR_INVAL);
	in.n = 0;
	in.max_questions = -1;
	assert_int_equal(assistant_analyse(*state, &in, &a, &r), ERR_INVAL);
	in.max_questions = 0;
	in.draft = (struct str){ big, LIMIT_ASSISTANT_TEXT + 1 };
	assert_int_equal(assistant_analyse(*state, &in, &a, &r), ERR_TOOBIG);
	in.draft = STR("");
	in.client_last = (struct str){ big, LIMIT_ASSISTANT_TEXT + 1 };
	assert_int_equal(assistant_analyse(*state, &in, &a, &r), ERR_TOOBIG);
	in.client_last = STR("");
	{
		struct assistant_msg *h = calloc(LIMIT_ASSISTANT_HISTORY + 1,
		    sizeof(*h));

		in.history = h;
		in.n = LIMIT_ASSISTANT_HISTORY + 1;
		assert_int_equal(assistant_analyse(*state, &in, &a, &r),
		    ERR_TOOMANY);
		in.n = LIMIT_ASSISTANT_HISTORY;
		assert_int_equal(assistant_analyse(*state, &in, &a, &r), 0);
		free(h);
	}
	free(big);
	arena_release(&a);
}

static void
invalid_utf8_is_read_as_separators(void **state)
{
	static const char bad[] =
	    "goed\xffzo \xc3\x28 \xe2\x82 \xf0\x9f \xed\xa0\x80 \xc0\xaf "
	    "wat\xf5\xf8 \xef\xbf\xbd fijn?";
	struct arena a;
	struct assistant_result r;
	struct assistant_input in = {
		.lang = ASSISTANT_LANG_NL,
		.draft = { bad, sizeof(bad) - 1 },
		.client_last = { bad, sizeof(bad) - 1 },
	};

	arena_init(&a);
	analyse_full(state, &in, &a, &r);
	/* goed zo wat fijn: the invalid bytes separate, never join. */
	assert_int_equal(r.words, 4);
	assert_int_equal(r.questions, 1);
	assert_int_equal(r.sentences, 1);
	arena_release(&a);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
run_max(void **state, const char *what, char *text, size_t len)
{
	struct arena a;
	struct assistant_result r;
	struct assistant_input in = {
		.lang = ASSISTANT_LANG_NL,
		.draft = { text, len },
		.client_last = { text, len },
		.now = T0,
	};
	struct timespec t0;
	struct buf b = BUF_INIT;
	double took;

	arena_init(&a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	analyse_full(state, &in, &a, &r);
	assistant_result_json(&r, &b);
	took = seconds_since(&t0);
	if (took > 5.0)
		fail_msg("%s: took %.2f s", what, took);
	/* Memory stays linear in the input: the worst case here (one-letter
	 * sentences in both texts) takes about 55 bytes per input byte. */
	if (a.used_total > 64 * (size_t)LIMIT_ASSISTANT_TEXT)
		fail_msg("%s: arena grew to %zu bytes", what, a.used_total);
	buf_release(&b);
	arena_release(&a);
}

static void
maximum_size_inputs_finish_in_bounded_time(void **state)
{
	size_t len = LIMIT_ASSISTANT_TEXT, i;
	char *t = malloc(len);
	uint32_t x = 12345;

	/* Many distinct words in one sentence. */
	for (i = 0; i < len; i++)
		t[i] = (i % 7 == 6) ? ' ' : (char)('a' + (i * 31 + i / 7) % 26);
	run_max(state, "words", t, len);
	/* The smallest sentences: "a." 32768 times. */
	for (i = 0; i < len; i++)
		t[i] = (i % 3 == 0) ? 'a' : (i % 3 == 1) ? '?' : ' ';
	run_max(state, "sentences", t, len);
	/* One word of 64 KiB. */
	memset(t, 'e', len);
	run_max(state, "one word", t, len);
	/* Nothing but quotes and terminators. */
	for (i = 0; i < len; i++)
		t[i] = "\".?\n>- "[i % 7];
	run_max(state, "punctuation", t, len);
	/* Random bytes. */
	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		t[i] = (char)(x >> 16);
	}
	run_max(state, "random", t, len);
	free(t);
}

/* ------------------------------------------------------------------------
 * Threads share one loaded assistant.
 */

struct worker {
	const struct assistant *as;
	size_t mirrored;
	int rc;
};

static void *
worker_run(void *p)
{
	struct worker *w = p;
	int i;

	for (i = 0; i < 50 && w->rc == 0; i++) {
		struct arena a;
		struct assistant_result r;
		struct assistant_input in = {
			.lang = ASSISTANT_LANG_NL,
			.draft = STR("Wat fijn dat je schrijft over de gesprekken "
			    "met je leidinggevende."),
			.client_last = { client_nl, sizeof(client_nl) - 1 },
		};

		arena_init(&a);
		w->rc = assistant_analyse(w->as, &in, &a, &r);
		w->mirrored = r.mirrored_total;
		arena_release(&a);
	}
	return NULL;
}

static void
threads_share_one_assistant(void **state)
{
	pthread_t th[4];
	struct worker w[4];
	size_t i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ *state, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].rc, 0);
		assert_int_equal(w[i].mirrored, 2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(appreciation_in_first_sentence_is_found_nl),
		cmocka_unit_test(appreciation_prefix_entry_matches_inflection),
		cmocka_unit_test(compliment_in_third_sentence_is_not_an_opening),
		cmocka_unit_test(salutation_line_is_not_an_opening_sentence),
		cmocka_unit_test(opening_stops_after_forty_words),
		cmocka_unit_test(appreciation_en_found_and_not_found),
		cmocka_unit_test(mirrored_words_are_found_with_stemming_nl),
		cmocka_unit_test(could_mirror_excludes_stop_words_used_words_and_names),
		cmocka_unit_test(draft_without_client_words_gets_a_mirroring_hint),
		cmocka_unit_test(mirroring_en_with_stemming),
		cmocka_unit_test(stems_join_word_families),
		cmocka_unit_test(questions_are_counted_including_interrobang),
		cmocka_unit_test(question_threshold_is_a_parameter),
		cmocka_unit_test(quoted_question_is_not_the_writers_question),
		cmocka_unit_test(sentences_respect_abbreviations_ellipses_and_lists),
		cmocka_unit_test(syllables_of_known_words),
		cmocka_unit_test(flesch_douma_on_a_fixed_dutch_text),
		cmocka_unit_test(flesch_on_a_fixed_english_text),
		cmocka_unit_test(hard_text_is_too_hard_for_a_simple_reader_only),
		cmocka_unit_test(reading_level_mapping),
		cmocka_unit_test(phase_one_message_is_extended),
		cmocka_unit_test(phase_eight_weekly_exchanges_is_direct),
		cmocka_unit_test(phase_irregular_gaps_is_limited),
		cmocka_unit_test(phase_regular_then_five_weeks_silence_breaks_the_rhythm),
		cmocka_unit_test(phase_limited_falls_back_to_extended_on_a_break),
		cmocka_unit_test(phase_survives_absurd_timestamps),
		cmocka_unit_test(detect_lang_by_stop_words),
		cmocka_unit_test(result_json_is_complete_and_escaped),
		cmocka_unit_test(load_refuses_missing_and_broken_lists),
		cmocka_unit_test(empty_input_gives_an_empty_result),
		cmocka_unit_test(bad_arguments_are_refused),
		cmocka_unit_test(invalid_utf8_is_read_as_separators),
		cmocka_unit_test(maximum_size_inputs_finish_in_bounded_time),
		cmocka_unit_test(threads_share_one_assistant),
	};

	return cmocka_run_group_tests_name("assistant", tests, setup, teardown);
}
