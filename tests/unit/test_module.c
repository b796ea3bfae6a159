/*
 * test_module.c - self-help modules (issue 12): the source format parsed
 * into sessions of pages, and its refusals with the line and the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "module/module.h"
#include "core/banned.h"

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
	for (i = MOD_ALL; i <= MOD_APPT; i++) {
		assert_int_equal(mod_timing_parse(mod_timing_name(i), &t), 0);
		assert_int_equal((int)t, i);
	}
	assert_int_equal(mod_timing_parse("weekly", &t), ERR_INVAL);
	assert_null(mod_timing_name(MOD_APPT + 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_sessions_pages_and_options),
		cmocka_unit_test(last_page_keeps_its_text),
		cmocka_unit_test(refuses_with_line_and_reason),
		cmocka_unit_test(refuses_past_the_limits),
		cmocka_unit_test(timing_names_round_trip),
	};

	return cmocka_run_group_tests_name("module source", tests, NULL, NULL);
}
