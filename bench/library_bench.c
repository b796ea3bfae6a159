/*
 * library_bench.c - the library search benchmark's program
 * (bench/50-library.sh).
 *
 *   library_bench DIR SHARE SMALL LARGE QUERIES ROUNDS [URL URL]
 *       two SQLite databases in DIR/small and DIR/large (or the two
 *       PostgreSQL databases at the URLs, empty; the keys stay in DIR)
 *       with SMALL and
 *       LARGE published articles in one organisation (and a tenth as many
 *       private ones of another, which must never be found), made through
 *       the library's own insert and index (lib_add_published_on); then
 *       ROUNDS rounds, each QUERIES / ROUNDS searches through lib_search
 *       on the small library and as many on the large one, one after the
 *       other on one thread.  Taking turns puts both sizes through the
 *       same states of a shared, noisy machine (a frequency change, a
 *       neighbour's build) instead of one size measured in a quiet minute
 *       and the other in a loud one.  Prints a line for each size:
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

/* One library of `articles` articles in dir, made, merged and
 * checkpointed, then opened again for reading: lib->db and lib->kr. */
struct lib {
	struct db *db;
	struct keyring *kr;
	struct buf url, path;
	int64_t org;
	long articles;
	long long *lat;
	long n, total;
};

static void
lib_build(struct lib *l, const char *dir, const char *url,
    const struct assistant *as, long articles,
    unsigned (*topics)[TOPICS_PER_ARTICLE])
{
	struct gen_rng rng;
	int64_t org2;
	long i;
	int rc;

	l->articles = articles;
	buf_init(&l->url);
	buf_init(&l->path);
	if (url != NULL)
		buf_adds(&l->url, url);
	else
		buf_printf(&l->url, "sqlite:%s/library.db", dir);
	buf_printf(&l->path, "%s/master.key", dir);
	if ((rc = db_open(l->url.p, &l->db)) != 0 ||
	    (rc = db_migrate(l->db, NULL)) != 0)
		die("db_open", rc);
	if ((rc = keyring_new(l->path.p, &l->kr)) != 0 ||
	    (rc = keyring_start(l->kr, l->db)) != 0)
		die("keyring", rc);
	if ((rc = org_create(l->db, l->kr, "Bench Bibliotheek", "bench-lib",
	    "Europe/Amsterdam", &l->org)) != 0 ||
	    (rc = org_create(l->db, l->kr, "Elders", "bench-elders",
	    "Europe/Amsterdam", &org2)) != 0)
		die("org_create", rc);

	/* One seed: the first articles, which the queries draw from, are the
	 * same at every size. */
	gen_rng_init(&rng, 12);
	for (i = 0; i < articles + articles / 10; i += BATCH) {
		struct fill f = { as, l->org, org2, i, i + BATCH, &rng,
		    topics };

		if (f.to > articles + articles / 10)
			f.to = articles + articles / 10;
		if ((rc = db_write(l->db, fill_run, &f)) != 0)
			die("fill", rc);
	}

	/* A library is written now and then and read all day: searched as
	 * it stands after an import (its index merged, as an importer does)
	 * and the writes checkpointed into the database (closing the last
	 * connection does that), not through a write-ahead log of 100,000
	 * fresh articles. */
	if ((rc = lib_index_merge(l->db)) != 0)
		die("lib_index_merge", rc);
	keyring_free(l->kr);
	db_close(l->db);
	if ((rc = db_open(l->url.p, &l->db)) != 0)
		die("db_open", rc);
	if ((rc = keyring_new(l->path.p, &l->kr)) != 0 ||
	    (rc = keyring_start(l->kr, l->db)) != 0)
		die("keyring", rc);
}

/* n searches on l, their times appended to l->lat; the queries come from
 * qrng, so both sizes are asked the same ones when their generators start
 * alike. */
static void
lib_queries(struct lib *l, const struct assistant *as,
    unsigned (*topics)[TOPICS_PER_ARTICLE], struct gen_rng *qrng, long n)
{
	static const char *const common[] = { "gesprek", "werk", "slapen",
	    "piekeren", "stress", "week", "work", "sleep", "feel", "talk" };
	struct buf q = BUF_INIT;
	long i;
	int rc;

	for (i = 0; i < n; i++) {
		struct lib_found found;
		struct arena a;
		struct why why = { 0 };
		long long t0;
		long art;

		/* An article of the searching organisation among the first
		 * 1,000 (every eleventh is the other one's). */
		do
			art = (long)gen_rng_range(qrng, 0, 999);
		while (art % 11 == 10 || art >= l->articles);
		buf_reset(&q);
		switch ((l->n + i) % 3) {
		case 0:
			buf_adds(&q, common[gen_rng_range(qrng, 0, 9)]);
			break;
		case 1:
			topic_word(topics[art][gen_rng_range(qrng, 0, 7)], &q);
			break;
		default:
			topic_word(topics[art][gen_rng_range(qrng, 0, 3)], &q);
			buf_adds(&q, " ");
			topic_word(topics[art][gen_rng_range(qrng, 4, 7)], &q);
			break;
		}
		arena_init(&a);
		t0 = now_us();
		rc = lib_search(l->db, as, l->org, (struct str){ q.p, q.len },
		    0, &a, &why, &found);
		l->lat[l->n + i] = now_us() - t0;
		arena_release(&a);
		if (rc != 0)
			die("lib_search", rc);
		l->total += (long)found.n;
	}
	l->n += n;
	buf_release(&q);
}

static void
lib_report(struct lib *l)
{
	qsort(l->lat, (size_t)l->n, sizeof(*l->lat), cmp_ll);
	printf("articles %ld p50_us %lld p99_us %lld mean_results %.1f\n",
	    l->articles, l->lat[l->n / 2], l->lat[(l->n * 99) / 100 < l->n ?
	    (l->n * 99) / 100 : l->n - 1], (double)l->total / (double)l->n);
}

static void
lib_free(struct lib *l)
{
	free(l->lat);
	buf_release(&l->url);
	buf_release(&l->path);
	keyring_free(l->kr);
	db_close(l->db);
}

int
main(int argc, char **argv)
{
	struct assistant *as = NULL;
	struct lib libs[2] = { { 0 }, { 0 } };
	struct gen_rng qrng[2];
	struct buf dir = BUF_INIT;
	unsigned (*topics)[TOPICS_PER_ARTICLE];
	long queries, rounds, per, r;
	int k, rc;

	if (argc != 7 && argc != 9) {
		fprintf(stderr, "usage: library_bench DIR SHARE SMALL LARGE "
		    "QUERIES ROUNDS [SMALL_URL LARGE_URL]\n");
		return 2;
	}
	queries = strtol(argv[5], NULL, 10);
	rounds = strtol(argv[6], NULL, 10);
	if (strtol(argv[3], NULL, 10) < 1 || strtol(argv[4], NULL, 10) < 1 ||
	    queries < 1 || rounds < 1 || rounds > queries)
		die("arguments", ERR_INVAL);
	per = queries / rounds;
	if (crypto_init() != 0)
		die("crypto_init", ERR_CRYPTO);
	if ((rc = assistant_load(argv[2], &as)) != 0)
		die("assistant_load", rc);
	topics = calloc(KEPT, sizeof(*topics));
	for (k = 0; k < 2; k++) {
		buf_reset(&dir);
		buf_printf(&dir, "%s/%s", argv[1], k ? "large" : "small");
		lib_build(&libs[k], dir.p, argc == 9 ? argv[7 + k] : NULL, as,
		    strtol(argv[3 + k], NULL, 10),
		    topics);
		libs[k].lat = calloc((size_t)(per * rounds), sizeof(long long));
		gen_rng_init(&qrng[k], 99);
	}
	for (r = 0; r < rounds; r++)
		for (k = 0; k < 2; k++)
			lib_queries(&libs[k], as, topics, &qrng[k], per);
	for (k = 0; k < 2; k++) {
		lib_report(&libs[k]);
		lib_free(&libs[k]);
	}
	free(topics);
	buf_release(&dir);
	assistant_free(as);
	return 0;
}
