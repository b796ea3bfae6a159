/*
 * fuzz_package.c - a whole module package on arbitrary bytes: the zip
 * reader (package/zip.c) with small limits, so that the limits are
 * reached in inputs of a few KB, then pkg_read.  No crash, no leak; a
 * refusal returns nothing and a reason; accepted entries hold exactly the
 * bytes they say, have names zip_name_ok accepts and no two the same; an
 * accepted package writes out and reads back to the same manifest.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "fuzz.h"
#include "package/package.h"
#include "package/zip.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zip_limits l = { .entries = 16, .entry = 64 * 1024,
		.total = 256 * 1024, .ratio = 100, .ratio_floor = 1024,
		.path = 64 };
	struct arena a;
	struct zip_archive z;
	struct pkg_module *m = NULL, *m2 = NULL;
	struct pkg_error e;
	struct why w;
	struct buf out = BUF_INIT, f1 = BUF_INIT, f2 = BUF_INIT;
	int rc, i, k;

	arena_init(&a);
	rc = zip_read(data, size, &l, &a, &z, &w);
	if (rc != 0) {
		FUZZ_CHECK(z.entry == NULL && z.n == 0 && w.msg != NULL);
	} else {
		size_t total = 0;

		FUZZ_CHECK(z.n <= l.entries);
		for (i = 0; i < z.n; i++) {
			FUZZ_CHECK(zip_name_ok(z.entry[i].name,
			    strlen(z.entry[i].name), l.path));
			FUZZ_CHECK(z.entry[i].len <= l.entry);
			FUZZ_CHECK(z.entry[i].data[z.entry[i].len] == '\0');
			total += z.entry[i].len;
			for (k = 0; k < i; k++)
				FUZZ_CHECK(strcmp(z.entry[k].name,
				    z.entry[i].name) != 0);
		}
		FUZZ_CHECK(total <= l.total);
	}
	rc = pkg_read(data, size, &a, &m, &e);
	if (rc != 0) {
		FUZZ_CHECK(m == NULL && e.why.msg != NULL);
		goto out;
	}
	FUZZ_CHECK(pkg_write(m, &out) == 0);
	FUZZ_CHECK(pkg_read(out.p, out.len, &a, &m2, &e) == 0);
	pkg_manifest_format(m, &f1);
	pkg_manifest_format(m2, &f2);
	FUZZ_CHECK(f1.len == f2.len && memcmp(f1.p, f2.p, f1.len) == 0);
out:
	buf_release(&out);
	buf_release(&f1);
	buf_release(&f2);
	arena_release(&a);
	return 0;
}
