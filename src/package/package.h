/*
 * package.h - a module as a package: a zip of Markdown pages, media files
 * and a manifest (module.txt), for sharing modules between organisations.
 * The format is described in FORMAT.md.
 *
 * pkg_manifest_parse reads the manifest alone into a struct pkg_module;
 * pkg_read reads a whole package (zip.h's safe reader), parses its
 * manifest and joins every file the manifest names to its page, checking
 * each against what the manifest says it is (Markdown: UTF-8 text; image,
 * audio, video: by content, media/sniff.h).  Every refusal says where
 * (the manifest's line, or the file) and why, and returns nothing: a
 * package is taken whole or not at all.  pkg_write makes the package of a
 * module again (export); pkg_dir_zip packs a source folder (the examples
 * in share/modules/).
 *
 * Pure computation on bytes (pkg_dir_zip aside): storing an imported
 * module is the module store's business (src/module), which owns it.
 */
#ifndef INFUUS_PACKAGE_H
#define INFUUS_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "media/sniff.h"

/* The manifest's name inside a package. */
#define PKG_MANIFEST "module.txt"

enum pkg_media_kind {
	PKG_MEDIA_NONE = 0,
	PKG_IMAGE,
	PKG_AUDIO,
	PKG_VIDEO,
};

enum pkg_ex_kind {
	PKG_EX_TEXT,          /* free text */
	PKG_EX_CHOICE,        /* one or several of the options */
	PKG_EX_QUESTIONNAIRE, /* an instrument of the library, by its id */
	PKG_EX_DIARY,         /* a diary entry prompted so */
	PKG_EX_MOOD,          /* a mood score prompted so */
	PKG_EX_ASSIGNMENT,    /* work the professional responds to */
};

/* A file of the package: its path, and after pkg_read its bytes
 * (NUL-terminated) and, for media, its type by content. */
struct pkg_file {
	const char *path;           /* NULL: none */
	const unsigned char *data;  /* NULL after pkg_manifest_parse */
	size_t len;
	enum media_type type;       /* MEDIA_NONE for Markdown */
};

struct pkg_exercise {
	enum pkg_ex_kind kind;
	const char *name;           /* unique in the module */
	const char *prompt;
	bool multiple;              /* CHOICE: several may be chosen */
	const char **option;        /* CHOICE: 2..LIMIT_PKG_OPTIONS */
	int noptions;
	const char *instrument;     /* QUESTIONNAIRE: the instrument's id */
	int line;                   /* in the manifest */
};

struct pkg_page {
	const char *title;
	struct pkg_file text;       /* the Markdown; path NULL: none */
	enum pkg_media_kind media_kind;
	struct pkg_file media;      /* path NULL: none */
	const char *caption;        /* the media's description (alt text) */
	int64_t item;               /* a library item's number; 0: none */
	const char *item_title;     /* its title, as the package gives it */
	int item_line;              /* the library line's, in the manifest */
	struct pkg_exercise *ex;
	int nex;
	int line;
};

struct pkg_session {
	const char *title;
	const char *summary;        /* "" when none */
	struct pkg_page *page;
	int npages;
	int line;
};

struct pkg_module {
	const char *id;             /* the module's name across versions */
	int version;
	const char *lang;           /* "nl" or "en" */
	const char *title;
	const char *summary;
	struct pkg_session *session;
	int nsessions;
};

/* Where and why a package or manifest was refused: line in the manifest
 * (0: not a line, e.g. a file or the zip), and the reason (why.field
 * "package"; why.name a file's path or a word of the line, when set). */
struct pkg_error {
	int line;
	struct why why;
};

/*
 * Parse a manifest (text, len bytes) into *out (in a).  0, or ERR_INVAL /
 * ERR_TOOBIG / ERR_TOOMANY with e saying where and why; *out is NULL then.
 */
int pkg_manifest_parse(const char *text, size_t len, struct arena *a,
    struct pkg_module **out, struct pkg_error *e);
/* The manifest of m, as pkg_manifest_parse reads it back. */
void pkg_manifest_format(const struct pkg_module *m, struct buf *out);

/*
 * Read a package (a zip of len bytes): zip_read, the manifest, then every
 * file it names joined to its page and checked; a file the manifest does
 * not name is refused too (nothing unknown comes in).  0 and *out (in a),
 * or an error with e filled and *out NULL.
 */
int pkg_read(const void *zip, size_t len, struct arena *a,
    struct pkg_module **out, struct pkg_error *e);
/* The package of m (every file's data present, as pkg_read leaves them):
 * 0 and out, or ERR_INVAL when a file's data is missing or m holds what
 * its manifest cannot say (the written manifest is parsed back first:
 * texts must be single lines within the limits, as pkg_manifest_parse
 * gives them), or ERR_TOOBIG / ERR_TOOMANY from the same check. */
int pkg_write(const struct pkg_module *m, struct buf *out);
/*
 * Pack the source folder dir (module.txt and the files it names; nothing
 * else is read, and no symbolic link is followed) into a package: 0 and
 * out, or an error with e (ERR_IO with why.name the path that could not be
 * read); what was read and e's strings are in a.  The result has passed
 * pkg_read.
 */
int pkg_dir_zip(const char *dir, struct arena *a, struct buf *out,
    struct pkg_error *e);

/* e in English for logs, tools and tests: "module.txt line 3: ...". */
void pkg_error_format(const struct pkg_error *e, struct buf *out);

#endif
