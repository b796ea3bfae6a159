/*
 * fuzz_module.c - a self-help module's source text (module/source.c) on
 * arbitrary bytes: no crash; a refusal is one of the three errors with a
 * reason; an accepted module is within its limits and every page is of a
 * known kind with what that kind needs.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "fuzz.h"
#include "module/module.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct mod_content m;
	struct why w = { 0 };
	struct str s = { (const char *)data, size };
	int rc, i, j;

	arena_init(&a);
	rc = mod_parse(s, &a, &m, &w);
	if (rc != 0) {
		FUZZ_CHECK(rc == ERR_INVAL || rc == ERR_TOOBIG ||
		    rc == ERR_TOOMANY);
		FUZZ_CHECK(w.msg != NULL);
		goto out;
	}
	FUZZ_CHECK(m.nsessions >= 0 && m.nsessions <= LIMIT_MOD_SESSIONS);
	for (i = 0; i < m.nsessions; i++) {
		const struct mod_session *se = &m.sessions[i];

		FUZZ_CHECK(se->title != NULL);
		FUZZ_CHECK(se->npages >= 0 && se->npages <= LIMIT_MOD_PAGES);
		for (j = 0; j < se->npages; j++) {
			const struct mod_page *p = &se->pages[j];

			FUZZ_CHECK(p->kind >= 0 && p->kind < MOD_NPAGE_KINDS);
			FUZZ_CHECK(mod_page_kind_name(p->kind) != NULL);
			FUZZ_CHECK(p->title != NULL && p->body != NULL);
			FUZZ_CHECK(strlen(p->body) == p->body_len);
			FUZZ_CHECK(p->noptions >= 0 &&
			    p->noptions <= LIMIT_MOD_OPTIONS);
			if (p->kind == MOD_PAGE_QUESTIONNAIRE)
				FUZZ_CHECK(p->instrument != NULL &&
				    p->instrument[0] != '\0');
			if (p->kind == MOD_PAGE_MEDIA)
				FUZZ_CHECK(p->media_id > 0 &&
				    mod_media_kind_name(p->media_kind) != NULL &&
				    p->alt != NULL && p->alt[0] != '\0');
		}
	}
out:
	arena_release(&a);
	return 0;
}
