/*
 * search.h - the blind search index of messages (internal to
 * src/message; tests use it too).
 *
 * A message's words are normalised (lower case, diacritics removed: "Één"
 * and "een" are one word) and each distinct word is stored only as a keyed
 * BLAKE2b hash (SEARCH_TOKEN_BYTES) under the organisation's search key.
 * The key is random, kept sealed with the organisation's data key in
 * search_keys, so the table holds no plaintext and nothing that can be
 * recomputed without the master key.  A search hashes the query's words the
 * same way and intersects.
 *
 * What a blind index still shows to someone with the database alone: how
 * many distinct words a message has and which messages share a word (equal
 * tokens).  Not which word.
 */
#ifndef INFUUS_SEARCH_H
#define INFUUS_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"

struct db;
struct db_conn;
struct keyring;

#define SEARCH_KEY_BYTES 32
#define SEARCH_TOKEN_BYTES 16

/*
 * The next word of text at or after *pos.  word gets its normalised form
 * (NUL-terminated, *wlen bytes, at most LIMIT_SEARCH_WORD), *start and *end
 * where it stood in text; *pos moves past it.  Words of one character and
 * words longer than LIMIT_SEARCH_WORD once normalised are skipped.
 * Returns false when there is none left.
 */
bool search_next_word(struct str text, size_t *pos,
    char word[LIMIT_SEARCH_WORD + 1], size_t *wlen, size_t *start,
    size_t *end);

/* The token of a normalised word. */
void search_token(const unsigned char key[SEARCH_KEY_BYTES], const char *word,
    size_t len, unsigned char out[SEARCH_TOKEN_BYTES]);

/* The distinct tokens of text, at most max of them (past max, which words
 * stay findable is arbitrary), appended to out, SEARCH_TOKEN_BYTES each,
 * sorted.  Returns how many. */
size_t search_tokens(const unsigned char key[SEARCH_KEY_BYTES],
    struct str text, size_t max, struct buf *out);

/*
 * The organisation's search key read on c.  ERR_NOTFOUND when it has none
 * yet (then nothing of it is indexed), ERR_CRYPTO when it does not open.
 */
int search_key_get(struct keyring *kr, struct db_conn *c, int64_t org_id,
    unsigned char key[SEARCH_KEY_BYTES]);
/* The key, made and stored in a write job of its own when there is none
 * (two nodes racing store one: the loser reads the winner's). */
int search_key_ensure(struct db *db, struct keyring *kr, int64_t org_id,
    unsigned char key[SEARCH_KEY_BYTES]);

#endif
