/*
 * msg_int.h - what the files of src/message share (internal; not for other
 * folders).
 */
#ifndef INFUUS_MSG_INT_H
#define INFUUS_MSG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"

struct db_conn;
struct db_stmt;
struct keyring;

/* Open a sealed column value of org_id into a (NUL-terminated); the
 * plaintext passes through a heap buffer that is wiped.  keyring_open's
 * errors. */
int msg_open_box(struct keyring *kr, struct db_conn *c, int64_t org_id,
    struct str box, struct arena *a, const char **out, size_t *len);

/* A copy of a blob or text column in a (never NULL; { "", 0 } for NULL). */
struct str msg_col_copy(struct db_stmt *st, int col, struct arena *a);

/* A short excerpt of plain text around byte offset at, at most about max
 * bytes, cut at UTF-8 boundaries and spaces, line breaks as spaces, with
 * an ellipsis where text was left out.  In a. */
const char *msg_excerpt(struct str text, size_t at, size_t max,
    struct arena *a);

/* messages.author_role as stored ("client" or "professional", role.h's
 * names): parsed here, never compared as a string elsewhere. */
const char *msg_author_role(bool from_client);
bool msg_author_is_client(struct str col);

#endif
