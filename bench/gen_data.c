/*
 * gen_data.c - make a benchmark data set that `infuus serve --data DIR`
 * serves (see gen.h for what is in it).
 *
 *   gen_data --data DIR --trajectories N --messages M
 *            [--professionals P] [--long-thread L] [--no-search-index]
 *            [--seed S]
 *
 * Every account gets the password in INFUUS_PASSWORD (at least 12
 * characters), or a random one.  Prints the log-ins the way `infuus serve
 * --demo` does ("  role  email  password: pw"), then "probe_thread ID N"
 * (a thread of N messages to view), with --long-thread "short_thread ID 50"
 * and "long_thread ID L" (trajectory 0's newest two threads, texts drawn
 * alike), and "generated ..." with the time taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/num.h"
#include "identity/identity.h"
#include "gen.h"
#include "core/banned.h"

static void
usage(void)
{
	fprintf(stderr, "usage: gen_data --data DIR --trajectories N "
	    "--messages M [--professionals P] [--long-thread L] "
	    "[--no-search-index] [--seed S]\n");
	exit(2);
}

static int64_t
arg_num(const char *s, int64_t max)
{
	int64_t v;

	if (s == NULL || num_parse_i64(str_c(s), 0, max, &v) != 0)
		usage();
	return v;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";
	struct gen_opts o = { .trajectories = 1000, .messages = 1000000,
	    .search_index = true, .seed = 4 };
	struct gen_world w;
	struct buf pw = BUF_INIT;
	struct timespec t0;
	const char *dir = NULL, *env;
	struct why why = { 0 };
	double t_people, t_all;
	int64_t nthreads, nmessages, ntokens;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--trajectories") == 0)
			o.trajectories = arg_num(argv[++i], 1000000);
		else if (strcmp(argv[i], "--messages") == 0)
			o.messages = arg_num(argv[++i], INT64_C(100000000));
		else if (strcmp(argv[i], "--professionals") == 0)
			o.professionals = arg_num(argv[++i], 100000);
		else if (strcmp(argv[i], "--seed") == 0)
			o.seed = (uint64_t)arg_num(argv[++i], INT64_MAX);
		else if (strcmp(argv[i], "--long-thread") == 0)
			o.long_thread = arg_num(argv[++i], INT64_C(10000000));
		else if (strcmp(argv[i], "--no-search-index") == 0)
			o.search_index = false;
		else
			usage();
	}
	if (dir == NULL || o.trajectories < 1)
		usage();
	log_set_level(LOG_WARN);
	if ((rc = crypto_init()) != 0)
		die("gen_data: libsodium: %s", err_msg(rc));
	if ((env = getenv("INFUUS_PASSWORD")) != NULL && *env != '\0') {
		buf_adds(&pw, env);
	} else {
		for (i = 0; i < 16; i++) {
			if (i && i % 4 == 0)
				buf_addch(&pw, '-');
			buf_addch(&pw, alpha[crypto_random_uniform(
			    sizeof(alpha) - 1)]);
		}
	}
	if (user_password_ok(pw.p, pw.len, &why) != 0)
		die("gen_data: INFUUS_PASSWORD: %s (%d)", why.msg, why.limit);
	o.password = pw.p;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = gen_open(dir, &w)) != 0)
		die("gen_data: %s: %s%s", dir, err_msg(rc), rc == ERR_CONFLICT ?
		    " (the database already holds an organisation)" : "");
	if ((rc = gen_people(&w, &o)) != 0)
		die("gen_data: people and trajectories: %s", err_msg(rc));
	t_people = seconds_since(&t0);
	if ((rc = gen_messages(&w, &o)) != 0)
		die("gen_data: messages: %s", err_msg(rc));
	printf("  %-13s %-30s password: %s\n", "admin",
	    "admin@bench.infuus.test", pw.p);
	printf("  %-13s %-30s password: %s\n", "professional",
	    "coach@bench.infuus.test", pw.p);
	printf("  %-13s %-30s password: %s\n", "client",
	    "client@bench.infuus.test", pw.p);
	printf("probe_thread %lld %d\n", (long long)w.probe_thread,
	    GEN_PROBE_MESSAGES);
	if (o.long_thread > 0) {
		printf("short_thread %lld %d\n", (long long)w.short_thread,
		    GEN_SHORT_MESSAGES);
		printf("long_thread %lld %lld\n", (long long)w.long_thread,
		    (long long)o.long_thread);
	}
	printf("coach_trajectories %zu\n", (w.ntrajs + w.npros - 1) / w.npros);
	nthreads = w.nthreads;
	nmessages = w.nmessages;
	ntokens = w.ntokens;
	gen_close(&w);
	t_all = seconds_since(&t0);
	printf("generated %lld trajectories, %lld threads, %lld messages, "
	    "%lld distinct words in search filters in %.1f s (people and trajectories %.1f s; "
	    "%.0f messages/s)\n", (long long)o.trajectories,
	    (long long)nthreads, (long long)nmessages, (long long)ntokens,
	    t_all, t_people, t_all > t_people ?
	    (double)nmessages / (t_all - t_people) : 0);
	buf_wipe(&pw);
	return 0;
}
