/*
 * library_bench.c - the library search benchmark's program
 * (bench/50-library.sh).
 *
 *   library_bench DIR SHARE ARTICLES QUERIES
 *       a SQLite database in DIR with ARTICLES published articles in one
 *       organisation (and a tenth as many private ones of another, which
 *       must never be found), made through the library's own insert and
 *       index (lib_add_published_on), then QUERIES searches through
 *       lib_search, one after the other on one thread.  Prints
 *       "articles N p50_us X p99_us Y mean_results Z".
 *
 * An article is a coaching text of about 600 bytes (gen_text, Dutch or
 * English: a limited, common vocabulary) with eight topic words drawn from
 * 20,000 made-up words, Zipf-like, so that some words are in most
 * articles and most words in few.  The queries, in turn: a common word of
 * the texts, one topic word of an article, two topic words of one
 * article; the articles are among the first 1,000, which every size
 * holds alike (one seed), so each query finds something at every size
 * and the same queries run at each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assistant/assistant.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "gen.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "library/library.h"
#include "store/db.h"
#include "core/banned.h"

#define TOPICS 20000
#define TOPICS_PER_ARTICLE 8
#define BATCH 500

static _Noreturn void
die(const char *what, int rc)
{
	fprintf(stderr, "library_bench: %s: %s\n", what, err_msg(rc));
	exit(1);
}

/* A made-up word of three or four syllables for topic i. */
static void
topic_word(unsigned i, struct buf *b)
{
	static const char *const syl[] = { "ka", "lo", "mi", "ne", "pu",
	    "ra", "si", "to", "ve", "zo", "bri", "dra", "gel", "hor", "jun",
	    "kel", "mor", "nas", "pel", "ster" };
	unsigned n = 3 + i % 2, k;

	for (k = 0; k < n; k++) {
		buf_adds(b, syl[i % 20]);
		i /= 20;
	}
	buf_adds(b, "x");   /* no stemmer rule cuts this ending */
}

/* Zipf-like: rank r with probability about 1/r. */
static unsigned
zipf(struct gen_rng *r)
{
	double u = (double)(gen_rng_next(r) >> 11) / 9007199254740992.0;

	return (unsigned)(TOPICS * u * u * u) % TOPICS;
}

/* The first articles' topic words, which the queries draw from. */
#define KEPT 1100

struct fill {
	const struct assistant *as;
	int64_t org, org2;
	long from, to;
	struct gen_rng *rng;
	unsigned (*topics)[TOPICS_PER_ARTICLE];
};

static int
fill_run(struct db_conn *c, void *arg)
{
	struct fill *f = arg;
	struct buf body = BUF_INIT, title = BUF_INIT;
	int64_t id;
	long i;
	int k, rc = 0;

	for (i = f->from; i < f->to && rc == 0; i++) {
		bool dutch = i % 2 == 0, other = i % 11 == 10;

		buf_reset(&body);
		buf_reset(&title);
		gen_text(f->rng, dutch, 600, &body);
		for (k = 0; k < TOPICS_PER_ARTICLE; k++) {
			unsigned t = zipf(f->rng);

			buf_adds(&body, k ? " " : "\n\n");
			topic_word(t, &body);
			if (i < KEPT)
				f->topics[i][k] = t;
		}
		buf_printf(&title, "Artikel %ld", i);
		rc = lib_add_published_on(c, f->as, other ? f->org2 : f->org,
		    title.p, "Samenvatting.", body.p, dutch ? "nl" : "en",
		    false, 1700000000 + i, &id);
	}
	buf_release(&body);
	buf_release(&title);
	return rc;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	static const char *const common[] = { "gesprek", "werk", "slapen",
	    "piekeren", "stress", "week", "work", "sleep", "feel", "talk" };
	struct assistant *as = NULL;
	struct keyring *kr = NULL;
	struct db *db = NULL;
	struct gen_rng rng, qrng;
	struct buf url = BUF_INIT, q = BUF_INIT, path = BUF_INIT;
	unsigned (*topics)[TOPICS_PER_ARTICLE];
	long long *lat;
	long articles, queries, i, total = 0;
	int64_t org, org2;
	int rc;

	if (argc != 5) {
		fprintf(stderr, "usage: library_bench DIR SHARE ARTICLES "
		    "QUERIES\n");
		return 2;
	}
	articles = strtol(argv[3], NULL, 10);
	queries = strtol(argv[4], NULL, 10);
	if (articles < 1 || queries < 1)
		die("arguments", ERR_INVAL);
	if (crypto_init() != 0)
		die("crypto_init", ERR_CRYPTO);
	if ((rc = assistant_load(argv[2], &as)) != 0)
		die("assistant_load", rc);
	buf_printf(&url, "sqlite:%s/library.db", argv[1]);
	if ((rc = db_open(url.p, &db)) != 0 || (rc = db_migrate(db, NULL)) != 0)
		die("db_open", rc);
	buf_printf(&path, "%s/master.key", argv[1]);
	if ((rc = keyring_new(path.p, &kr)) != 0 ||
	    (rc = keyring_start(kr, db)) != 0)
		die("keyring", rc);
	if ((rc = org_create(db, kr, "Bench Bibliotheek", "bench-lib",
	    "Europe/Amsterdam", &org)) != 0 ||
	    (rc = org_create(db, kr, "Elders", "bench-elders",
	    "Europe/Amsterdam", &org2)) != 0)
		die("org_create", rc);

	topics = calloc(KEPT, sizeof(*topics));
	gen_rng_init(&rng, 12);
	for (i = 0; i < articles + articles / 10; i += BATCH) {
		struct fill f = { as, org, org2, i, i + BATCH, &rng, topics };

		if (f.to > articles + articles / 10)
			f.to = articles + articles / 10;
		if ((rc = db_write(db, fill_run, &f)) != 0)
			die("fill", rc);
	}

	/* A library is written now and then and read all day: searched as
	 * it stands after an import (its index merged, as an importer does)
	 * and the writes checkpointed into the database (closing the last
	 * connection does that), not through a write-ahead log of 100,000
	 * fresh articles. */
	if ((rc = lib_index_merge(db)) != 0)
		die("lib_index_merge", rc);
	keyring_free(kr);
	db_close(db);
	if ((rc = db_open(url.p, &db)) != 0)
		die("db_open", rc);
	if ((rc = keyring_new(path.p, &kr)) != 0 ||
	    (rc = keyring_start(kr, db)) != 0)
		die("keyring", rc);

	lat = calloc((size_t)queries, sizeof(*lat));
	gen_rng_init(&qrng, 99);
	for (i = 0; i < queries; i++) {
		struct lib_item *v;
		struct arena a;
		struct why why = { 0 };
		size_t n = 0;
		long long t0;
		long art;

		/* An article of the searching organisation among the first
		 * 1,000 (every eleventh is the other one's). */
		do
			art = (long)gen_rng_range(&qrng, 0, 999);
		while (art % 11 == 10 || art >= articles);
		buf_reset(&q);
		switch (i % 3) {
		case 0:
			buf_adds(&q, common[gen_rng_range(&qrng, 0, 9)]);
			break;
		case 1:
			topic_word(topics[art][gen_rng_range(&qrng, 0, 7)], &q);
			break;
		default:
			topic_word(topics[art][gen_rng_range(&qrng, 0, 3)], &q);
			buf_adds(&q, " ");
			topic_word(topics[art][gen_rng_range(&qrng, 4, 7)], &q);
			break;
		}
		arena_init(&a);
		t0 = now_us();
		rc = lib_search(db, as, org, (struct str){ q.p, q.len }, &a,
		    &why, &v, &n);
		lat[i] = now_us() - t0;
		arena_release(&a);
		if (rc != 0)
			die("lib_search", rc);
		total += (long)n;
	}
	qsort(lat, (size_t)queries, sizeof(*lat), cmp_ll);
	printf("articles %ld p50_us %lld p99_us %lld mean_results %.1f\n",
	    articles, lat[queries / 2], lat[(queries * 99) / 100 <
	    queries ? (queries * 99) / 100 : queries - 1],
	    (double)total / (double)queries);
	free(lat);
	free(topics);
	buf_release(&url);
	buf_release(&q);
	buf_release(&path);
	keyring_free(kr);
	db_close(db);
	assistant_free(as);
	return 0;
}
