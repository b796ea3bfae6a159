/*
 * lib_int.h - what library.c and lib_index.c share (not for other
 * modules).
 */
#ifndef INFUUS_LIB_INT_H
#define INFUUS_LIB_INT_H

#include "library/library.h"

struct db_stmt;

#define LIB_COLUMNS "id, org_id, kind, title, summary, body, tags, " \
	"audience, lang, level, published_at, shared, created_by, " \
	"created_at, updated_at, media_id"

/* The same without the text, for lists and search results (body ""): a
 * list of 200 articles need not read 200 texts. */
#define LIB_LIST_COLUMNS "id, org_id, kind, title, summary, '' AS body, " \
	"tags, audience, lang, level, published_at, shared, created_by, " \
	"created_at, updated_at"

/* A row of LIB_COLUMNS or LIB_LIST_COLUMNS into *it (strings in a). */
void lib_row(struct db_stmt *st, struct arena *a, struct lib_item *it);
int lib_get_on(struct db_conn *c, int64_t id, struct arena *a,
    struct lib_item *out);
int64_t lib_now(time_t now);
/* Inside a write job: its row of library_fts made to match it: none for
 * a draft, else the stems of its title and of the rest. */
int lib_index_on(struct db_conn *c, const struct assistant *as,
    const struct lib_item *it);

#endif
