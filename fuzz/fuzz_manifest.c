/*
 * fuzz_manifest.c - module.txt (package/manifest.c) on arbitrary bytes:
 * no crash; a refusal names a line of the input (or 0) and a reason; an
 * accepted manifest is within its limits, and formatted again it parses
 * to the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "fuzz.h"
#include "package/package.h"

static int
lines(const uint8_t *data, size_t size)
{
	size_t i;
	int n = 1;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct pkg_module *m = NULL, *m2 = NULL;
	struct pkg_error e;
	struct buf t = BUF_INIT, t2 = BUF_INIT;
	int rc, i, j, k;

	arena_init(&a);
	rc = pkg_manifest_parse((const char *)data, size, &a, &m, &e);
	if (rc != 0) {
		FUZZ_CHECK(m == NULL);
		FUZZ_CHECK(rc == ERR_INVAL || rc == ERR_TOOBIG ||
		    rc == ERR_TOOMANY);
		FUZZ_CHECK(e.why.msg != NULL);
		FUZZ_CHECK(e.line >= 0 && e.line <= lines(data, size) + 1);
		pkg_error_format(&e, &t);
		goto out;
	}
	FUZZ_CHECK(m->nsessions >= 1 && m->nsessions <= LIMIT_PKG_SESSIONS);
	FUZZ_CHECK(m->id && m->title && m->lang && m->version >= 1);
	for (i = 0; i < m->nsessions; i++) {
		FUZZ_CHECK(m->session[i].npages >= 1 &&
		    m->session[i].npages <= LIMIT_PKG_PAGES);
		for (j = 0; j < m->session[i].npages; j++) {
			const struct pkg_page *pg = &m->session[i].page[j];

			FUZZ_CHECK(pg->text.path || pg->media.path || pg->nex ||
			    pg->item);
			FUZZ_CHECK(pg->item >= 0 && (pg->item == 0) ==
			    (pg->item_title == NULL));
			for (k = 0; k < pg->nex; k++)
				FUZZ_CHECK(pg->ex[k].kind != PKG_EX_CHOICE ||
				    (pg->ex[k].noptions >= 2 &&
				    pg->ex[k].noptions <= LIMIT_PKG_OPTIONS));
		}
	}
	pkg_manifest_format(m, &t);
	FUZZ_CHECK(pkg_manifest_parse(t.p, t.len, &a, &m2, &e) == 0);
	pkg_manifest_format(m2, &t2);
	FUZZ_CHECK(t.len == t2.len && memcmp(t.p, t2.p, t.len) == 0);
out:
	buf_release(&t);
	buf_release(&t2);
	arena_release(&a);
	return 0;
}
