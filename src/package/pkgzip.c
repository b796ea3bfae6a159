/*
 * pkgzip.c - pack a module's source folder into a package:
 *
 *     pkgzip DIR OUT.zip
 *
 * Reads DIR/module.txt and the files it names (pkg_dir_zip), writes the
 * package and exits 0; or says on stderr where and why the folder is not
 * a valid package and exits 1.  The build packs share/modules/ with it,
 * so an example that the importer would refuse breaks the build.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "package/package.h"
#include "core/banned.h"

int
main(int argc, char **argv)
{
	struct buf out = BUF_INIT, msg = BUF_INIT;
	struct pkg_error e;
	struct arena a;
	FILE *f;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: pkgzip DIR OUT.zip\n");
		return 2;
	}
	arena_init(&a);
	if (pkg_dir_zip(argv[1], &a, &out, &e) != 0) {
		pkg_error_format(&e, &msg);
		fprintf(stderr, "pkgzip: %s: %s\n", argv[1], msg.p);
		goto out;
	}
	if ((f = fopen(argv[2], "wb")) == NULL ||
	    fwrite(out.p, 1, out.len, f) != out.len || fclose(f) != 0) {
		fprintf(stderr, "pkgzip: cannot write %s\n", argv[2]);
		goto out;
	}
	rc = 0;
out:
	arena_release(&a);
	buf_release(&out);
	buf_release(&msg);
	return rc;
}
