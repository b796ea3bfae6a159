/*
 * package.c - reading and writing module packages (see package.h and
 * FORMAT.md): the manifest joined to the files of the zip.
 *
 * A page's file is checked for what the manifest says it is: Markdown is
 * UTF-8 text without NUL bytes or other control characters beside line
 * ends and tabs, of at most LIMIT_PKG_PAGE_TEXT bytes; a media file's
 * content must be of the kind its line names (an "image" line with a
 * sound behind it is refused) and agree with its own name
 * (media_identify).  A file the manifest does not name is refused, so an
 * import holds nothing that nobody looked at.
 */
#include "package/package.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/utf8.h"
#include "package/zip.h"
#include "core/banned.h"

static int
file_fail(struct pkg_error *e, int err, const char *msg, const char *path,
    int limit)
{
	e->line = 0;
	why_set(&e->why, err, "package", msg);
	e->why.name = path;
	e->why.limit = limit;
	return err;
}

static const enum media_class kind_class[] = {
	[PKG_MEDIA_NONE] = MEDIA_CLASS_NONE, [PKG_IMAGE] = MEDIA_CLASS_IMAGE,
	[PKG_AUDIO] = MEDIA_CLASS_AUDIO, [PKG_VIDEO] = MEDIA_CLASS_VIDEO,
};

/* Join one named file to f and check it. */
static int
join(const struct zip_archive *z, struct pkg_file *f, enum pkg_media_kind k,
    int line, bool *used, struct pkg_error *e)
{
	const struct zip_entry *ze = zip_find(z, f->path);
	struct why w;
	int rc;

	if (ze == NULL) {
		rc = file_fail(e, ERR_INVAL, N_("The manifest names %s, which "
		    "is not in the package."), f->path, 0);
		e->line = line;
		return rc;
	}
	used[ze - z->entry] = true;
	f->data = ze->data;
	f->len = ze->len;
	if (k == PKG_MEDIA_NONE) {
		f->type = MEDIA_NONE;
		if (ze->len > LIMIT_PKG_PAGE_TEXT)
			return file_fail(e, ERR_TOOBIG, N_("The page text %s is "
			    "longer than %d bytes."), f->path,
			    LIMIT_PKG_PAGE_TEXT);
		if (!utf8_valid((const char *)ze->data, ze->len) ||
		    !text_clean((struct str){ (const char *)ze->data,
		    ze->len }, true))
			return file_fail(e, ERR_INVAL, N_("The page text %s is "
			    "not UTF-8 text."), f->path, 0);
		return 0;
	}
	if ((rc = media_identify(f->path, ze->data, ze->len, &f->type, &w))
	    != 0)
		return file_fail(e, rc, w.msg, f->path, 0);
	if (media_class_of(f->type) != kind_class[k])
		return file_fail(e, ERR_MEDIATYPE, k == PKG_IMAGE ?
		    N_("The manifest names %s as an image, but it is not "
		    "one.") : k == PKG_AUDIO ? N_("The manifest names %s as "
		    "audio, but it is not a sound.") : N_("The manifest names "
		    "%s as a video, but it is not a film."), f->path, 0);
	return 0;
}

int
pkg_read(const void *zip, size_t len, struct arena *a,
    struct pkg_module **out, struct pkg_error *e)
{
	struct zip_archive z;
	const struct zip_entry *man;
	struct pkg_module *m = NULL;
	bool *used;
	int i, j, rc;

	*out = NULL;
	memset(e, 0, sizeof(*e));
	if ((rc = zip_read(zip, len, NULL, a, &z, &e->why)) != 0)
		return rc;
	if ((man = zip_find(&z, PKG_MANIFEST)) == NULL)
		return file_fail(e, ERR_INVAL, N_("The package has no "
		    "module.txt, the manifest that says what is in it."), NULL,
		    0);
	if ((rc = pkg_manifest_parse((const char *)man->data, man->len, a, &m,
	    e)) != 0)
		return rc;
	used = arena_calloc(a, (size_t)z.n + 1, sizeof(*used));
	used[man - z.entry] = true;
	for (i = 0; i < m->nsessions; i++) {
		for (j = 0; j < m->session[i].npages; j++) {
			struct pkg_page *pg = &m->session[i].page[j];

			if (pg->text.path && (rc = join(&z, &pg->text,
			    PKG_MEDIA_NONE, pg->line, used, e)) != 0)
				return rc;
			if (pg->media.path && (rc = join(&z, &pg->media,
			    pg->media_kind, pg->line, used, e)) != 0)
				return rc;
		}
	}
	for (i = 0; i < z.n; i++)
		if (!used[i])
			return file_fail(e, ERR_INVAL, N_("The package holds %s, "
			    "which the manifest does not name."),
			    z.entry[i].name, 0);
	*out = m;
	return 0;
}

/* Has an earlier page named this path already (it is in the zip)? */
static bool
written_before(const struct pkg_module *m, int si, int pi, int which,
    const char *path)
{
	int i, j;

	for (i = 0; i <= si; i++)
		for (j = 0; j < m->session[i].npages; j++) {
			const struct pkg_page *pg = &m->session[i].page[j];

			if (i == si && j == pi) {
				return which == 1 && pg->text.path &&
				    strcmp(pg->text.path, path) == 0;
			}
			if ((pg->text.path && strcmp(pg->text.path, path) == 0) ||
			    (pg->media.path && strcmp(pg->media.path,
			    path) == 0))
				return true;
		}
	return false;
}

int
pkg_write(const struct pkg_module *m, struct buf *out)
{
	struct zip_writer zw;
	struct buf man = BUF_INIT;
	struct pkg_module *back;
	struct pkg_error e;
	struct arena a;
	int i, j, rc;

	zip_writer_init(&zw);
	arena_init(&a);
	pkg_manifest_format(m, &man);
	/* A module built elsewhere (the module store) may hold what no
	 * manifest line can (a line break in a title): never write a
	 * package our own reader refuses. */
	if ((rc = pkg_manifest_parse(man.p, man.len, &a, &back, &e)) != 0)
		goto out;
	if ((rc = zip_writer_add(&zw, PKG_MANIFEST, man.p, man.len)) != 0)
		goto out;
	for (i = 0; i < m->nsessions; i++) {
		for (j = 0; j < m->session[i].npages; j++) {
			const struct pkg_page *pg = &m->session[i].page[j];
			const struct pkg_file *f[2] = { &pg->text, &pg->media };
			int k;

			for (k = 0; k < 2; k++) {
				if (f[k]->path == NULL || written_before(m, i, j,
				    k, f[k]->path))
					continue;
				if (f[k]->data == NULL) {
					rc = ERR_INVAL;
					goto out;
				}
				if ((rc = zip_writer_add(&zw, f[k]->path,
				    f[k]->data, f[k]->len)) != 0)
					goto out;
			}
		}
	}
	rc = zip_writer_finish(&zw, out);
out:
	buf_release(&man);
	zip_writer_release(&zw);
	arena_release(&a);
	return rc;
}

/* Read dir/path whole (a regular file, no link followed, at most max
 * bytes) into a. */
static int
slurp(int dirfd, const char *path, size_t max, struct arena *a,
    const unsigned char **data, size_t *len)
{
	struct stat st;
	unsigned char *p;
	size_t got = 0;
	ssize_t n;
	int fd, rc = ERR_IO;

	/* the path passed zip_name_ok: no "..", no leading / */
	if ((fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((size_t)st.st_size > max) {
		rc = ERR_TOOBIG;
		goto out;
	}
	p = arena_alloc(a, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		n = read(fd, p + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	p[got] = '\0';
	*data = p;
	*len = got;
	rc = 0;
out:
	close(fd);
	return rc;
}

int
pkg_dir_zip(const char *dir, struct arena *a, struct buf *out,
    struct pkg_error *e)
{
	struct pkg_module *m = NULL, *back = NULL;
	const unsigned char *text;
	size_t len;
	int dfd, i, j, k, rc;

	memset(e, 0, sizeof(*e));
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = file_fail(e, ERR_IO, N_("The folder %s cannot be read."),
		    dir, 0);
		goto out;
	}
	if ((rc = slurp(dfd, PKG_MANIFEST, LIMIT_PKG_MANIFEST, a, &text,
	    &len)) != 0) {
		file_fail(e, rc, N_("The manifest %s cannot be read."),
		    PKG_MANIFEST, 0);
		goto out;
	}
	if ((rc = pkg_manifest_parse((const char *)text, len, a, &m, e)) != 0)
		goto out;
	for (i = 0; i < m->nsessions; i++)
		for (j = 0; j < m->session[i].npages; j++) {
			struct pkg_page *pg = &m->session[i].page[j];
			struct pkg_file *f[2] = { &pg->text, &pg->media };

			for (k = 0; k < 2; k++) {
				if (f[k]->path == NULL)
					continue;
				if ((rc = slurp(dfd, f[k]->path, LIMIT_PKG_ENTRY,
				    a, &f[k]->data, &f[k]->len)) != 0) {
					file_fail(e, rc, N_("The file %s cannot "
					    "be read."), f[k]->path, 0);
					e->line = pg->line;
					goto out;
				}
			}
		}
	if ((rc = pkg_write(m, out)) != 0)
		goto out;
	/* what we made must be what we accept */
	if ((rc = pkg_read(out->p, out->len, a, &back, e)) != 0)
		goto out;
out:
	if (dfd >= 0)
		close(dfd);
	return rc;
}

void
pkg_error_format(const struct pkg_error *e, struct buf *out)
{
	const char *p = e->why.msg ? e->why.msg : err_msg(ERR_INVAL);

	if (e->line > 0)
		buf_printf(out, "%s line %d: ", PKG_MANIFEST, e->line);
	/* the sentence's own %s and %d (core/err.h's struct why) */
	for (; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			buf_adds(out, e->why.name ? e->why.name : "?");
			p++;
		} else if (p[0] == '%' && p[1] == 'd') {
			buf_printf(out, "%d", e->why.limit);
			p++;
		} else {
			buf_addch(out, *p);
		}
	}
}
