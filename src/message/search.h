/*
 * search.h - the blind search index of messages (internal to
 * src/message; tests and the benchmarks' data generator use it too).
 *
 * A message's words are normalised (lower case, diacritics removed: "Één"
 * and "een" are one word) and each distinct word becomes a token, a keyed
 * hash (SipHash-2-4, SEARCH_TOKEN_BYTES) under a key derived from the
 * organisation's search key.  That key is random, kept sealed with the
 * organisation's data key in search_keys, so nothing on disk can be
 * recomputed without the master key.
 *
 * The tokens are not stored.  Each message gets a Bloom filter of its
 * distinct words in its own row (messages.search_bloom): m bits, m the
 * larger of SEARCH_BLOOM_MIN_BITS and SEARCH_BLOOM_BITS_PER_WORD per
 * distinct word, rounded up to a multiple of 64; a word sets
 * SEARCH_BLOOM_K bits at positions drawn from its token (splitmix64
 * seeded with the token, mod m: see search.c for why not double hashing).
 * Bit p is bit p % 8 (least significant first) of byte p / 8.  A post so
 * costs a few hundred bytes in the row it writes anyway instead of a row
 * per word.
 *
 * A search tests the filters of the messages the user may see and then
 * opens each candidate and checks its real words, so a false positive of
 * the filter (about 1 in 2,000 per word and message) is never shown.
 *
 * What the filters still show to someone with the database alone: about
 * how many distinct words a message has (its size, and the number of bits
 * set), and, between two messages whose filters have the same size, a
 * faint hint of shared words (common bits).  Not which word: the positions
 * are keyed.
 *
 * Tables: search_keys and the column messages.search_bloom (the message
 * module's; see message.h).
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

/* The filter's shape.  16 bits per word with 11 hashes gives about 0.05%
 * false positives per word and message (10 bits and 7 hashes would give
 * 0.8%): every false positive costs the search an opened message and an
 * entry in the access log for a trajectory that showed nothing, so fewer
 * are worth 6 more bits per word (a typical message's filter is some 170
 * bytes instead of 110). */
#define SEARCH_BLOOM_BITS_PER_WORD 16
#define SEARCH_BLOOM_K 11
#define SEARCH_BLOOM_MIN_BITS 256

/*
 * The next word of text at or after *pos.  word gets its normalised form
 * (NUL-terminated, *wlen bytes, at most LIMIT_SEARCH_WORD), *start and *end
 * where it stood in text; *pos moves past it.  Words of one byte once
 * normalised ("a", "é" folded to "e"; a letter outside Latin, such as
 * "ж", is two and stays) and words longer than LIMIT_SEARCH_WORD are
 * skipped.
 * Returns false when there is none left.
 */
bool search_next_word(struct str text, size_t *pos,
    char word[LIMIT_SEARCH_WORD + 1], size_t *wlen, size_t *start,
    size_t *end);

/* The token of a normalised word (a search hashes its query words with
 * this; search_bloom hashes a text's words the same way). */
void search_token(const unsigned char key[SEARCH_KEY_BYTES], const char *word,
    size_t len, unsigned char out[SEARCH_TOKEN_BYTES]);

/*
 * The text a message is found by, appended to out: its body as read
 * (Markdown to plain text), the subject when the message opened its thread
 * (else pass an empty one), its attachments' names.  Posting indexes it
 * and a search checks its candidates against it, so both use this.
 * Returns the length of the body's plain text, which comes first.
 */
size_t search_message_text(struct str body, struct str subject,
    const struct str *names, size_t nnames, struct buf *out);

/* Bytes of the filter of n distinct words (at most LIMIT_SEARCH_BLOOM_BYTES:
 * n is at most LIMIT_SEARCH_TOKENS). */
size_t search_bloom_bytes(size_t n);

/* The filter of text's distinct words (the first LIMIT_SEARCH_TOKENS of
 * them), appended to out: search_bloom_bytes(n) bytes, where n, the
 * number of distinct words, is returned.  A text without words gives an
 * empty filter of the least size. */
size_t search_bloom(const unsigned char key[SEARCH_KEY_BYTES],
    struct str text, struct buf *out);

/* Can a filter of len bytes be one search_bloom made: a multiple of 8
 * bytes, from search_bloom_bytes(0) to LIMIT_SEARCH_BLOOM_BYTES? */
bool search_bloom_valid(size_t len);

/* May the valid filter f (len bytes) hold the word of token tok?  false is
 * certain; true is a candidate (see above). */
bool search_bloom_has(const void *f, size_t len,
    const unsigned char tok[SEARCH_TOKEN_BYTES]);

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
