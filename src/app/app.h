/*
 * app.h - the application context: everything a request handler may use,
 * created once by `infuus serve` (or a CLI command) and passed as a
 * parameter -- never a global.
 */
#ifndef INFUUS_APP_H
#define INFUUS_APP_H

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>

#include "app/config.h"

struct db;
struct keyring;
struct assistant;
struct tz_cache;
struct session_cache;

struct audit_repeat;
struct event_bus;

struct app {
	struct config cfg;
	struct db *db;
	struct keyring *kr;
	struct assistant *assistant;  /* word lists, read-only once loaded */
	struct tz_cache *tzc;          /* time zones of service promises */
	struct session_cache *sessions;
	/* Repeated refusals counted before they reach the access log
	 * (audit/repeat.h); NULL outside `serve` (each event is then
	 * written at once). */
	struct audit_repeat *repeats;
	/* Live events (event/event.h); NULL outside `serve`. */
	struct event_bus *bus;
	/* Per-thread message locales for gettext (uselocale); (locale_t)0
	 * when the system lacks the locale: English is then shown. */
	locale_t loc_nl;
	locale_t loc_en;
	/* Background jobs (app_spawn) still running; app_close waits. */
	pthread_mutex_t jobs_mu;
	pthread_cond_t jobs_cv;
	int jobs;
	bool jobs_ready;
};

/* Open the database (migrating it), the keyring and the shared data.
 * Start-up failures are reported in err and returned as ERR_*. */
int app_open(struct app *app, char *err, size_t errlen);
void app_close(struct app *app);

/* Run fn(app, arg) on a thread of its own, so a request can answer
 * before slow work (a mail) is done -- and so how long the answer took
 * does not tell anything.  fn owns arg.  app_close waits for all jobs. */
int app_spawn(struct app *app, void (*fn)(struct app *, void *), void *arg);

/* On an empty database, create the demo organisation with an admin, a
 * professional and a client, and print their log-ins once to out.  Does
 * nothing when any organisation exists. */
int app_demo(struct app *app, FILE *out);

#endif
