/*
 * app.c - opening and closing the application context, and the demo
 * organisation for `make run`.
 */
#include "app/app.h"

#include <errno.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "assistant/assistant.h"
#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "identity/totp.h"
#include "keys/keyring.h"
#include "library/library.h"
#include "mail/smtp.h"
#include "message/message.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static void
i18n_open(struct app *app)
{
	/* gettext prefers LANGUAGE over the thread's locale: a value in the
	 * operator's environment would override every visitor's choice. */
	unsetenv("LANGUAGE");
	bindtextdomain("infuus", app->cfg.locale_dir);
	bind_textdomain_codeset("infuus", "UTF-8");
	textdomain("infuus");
	app->loc_nl = newlocale(LC_MESSAGES_MASK, "nl_NL.UTF-8", (locale_t)0);
	if (app->loc_nl == (locale_t)0)
		log_warn("i18n", "msg=\"locale nl_NL.UTF-8 missing; Dutch "
		    "pages fall back to English\"");
	/* English is the source language; under en_GB the English catalogue
	 * (po/en.po) can still polish the texts.  C.UTF-8 always exists. */
	app->loc_en = newlocale(LC_MESSAGES_MASK, "en_GB.UTF-8", (locale_t)0);
	if (app->loc_en == (locale_t)0)
		app->loc_en = newlocale(LC_MESSAGES_MASK, "C.UTF-8",
		    (locale_t)0);
}

int
app_open(struct app *app, char *err, size_t errlen)
{
	int rc, applied = 0;
	size_t reindexed = 0;

	pthread_mutex_init(&app->jobs_mu, NULL);
	pthread_cond_init(&app->jobs_cv, NULL);
	app->jobs_ready = true;
	config_finish(&app->cfg);
	/* Trajectory's lists show message counters; message, above it,
	 * answers for them. */
	traj_activity_source(msg_traj_activity_on);
	/* The data directory holds the master key with either backend. */
	if (mkdir(app->cfg.data_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create data directory %s: %s",
		    app->cfg.data_dir, strerror(errno));
		return ERR_IO;
	}
	if ((rc = crypto_init()) != 0) {
		snprintf(err, errlen, "libsodium could not be initialised");
		return rc;
	}
	if ((rc = totp_init()) != 0) {
		snprintf(err, errlen, "liboath could not be initialised");
		return rc;
	}
	if ((rc = mail_init()) != 0) {
		snprintf(err, errlen, "libcurl could not be initialised");
		return rc;
	}
	if ((rc = db_open(app->cfg.database, &app->db)) != 0) {
		snprintf(err, errlen, "cannot open the database: %s",
		    err_msg(rc));
		return rc;
	}
	if ((rc = db_migrate(app->db, &applied)) != 0) {
		snprintf(err, errlen, "database migration failed: %s",
		    err_msg(rc));
		return rc;
	}
	if (applied)
		log_info("migrate", "applied=%d", applied);
	if ((rc = keyring_new(app->cfg.master_key, &app->kr)) != 0) {
		snprintf(err, errlen, "cannot load or create the master key "
		    "%s: %s", app->cfg.master_key, err_msg(rc));
		return rc;
	}
	if ((rc = keyring_start(app->kr, app->db)) != 0) {
		snprintf(err, errlen, "the master key %s does not open the "
		    "organisations' data keys: %s", app->cfg.master_key,
		    err_msg(rc));
		return rc;
	}
	if ((rc = assistant_load(app->cfg.share_dir, &app->assistant)) != 0) {
		snprintf(err, errlen, "cannot load the writing assistant's "
		    "word lists from %s/assistant: %s", app->cfg.share_dir,
		    err_msg(rc));
		return rc;
	}
	/* The library's index is made from the items by C (its stems). */
	if ((rc = lib_reindex(app->db, app->assistant, &reindexed)) != 0) {
		snprintf(err, errlen, "cannot index the library: %s",
		    err_msg(rc));
		return rc;
	}
	if (reindexed)
		log_info("library", "reindexed=%zu", reindexed);
	if ((rc = tz_cache_new(&app->tzc)) != 0) {
		snprintf(err, errlen, "cannot make the time-zone cache");
		return rc;
	}
	session_cache_new(app->db, &app->sessions);
	i18n_open(app);
	return 0;
}

struct job {
	struct app *app;
	void (*fn)(struct app *, void *);
	void *arg;
};

static void *
job_main(void *p)
{
	struct job *j = p;
	struct app *app = j->app;

	j->fn(app, j->arg);
	free(j);
	pthread_mutex_lock(&app->jobs_mu);
	ASSERT(app->jobs > 0);
	if (--app->jobs == 0)
		pthread_cond_broadcast(&app->jobs_cv);
	pthread_mutex_unlock(&app->jobs_mu);
	return NULL;
}

int
app_spawn(struct app *app, void (*fn)(struct app *, void *), void *arg)
{
	struct job *j = xmalloc(sizeof(*j));
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	j->app = app;
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&app->jobs_mu);
	app->jobs++;
	pthread_mutex_unlock(&app->jobs_mu);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, job_main, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		/* No thread to be had: do the work here instead of losing it. */
		job_main(j);
	}
	return 0;
}

void
app_close(struct app *app)
{
	if (app->jobs_ready) {
		pthread_mutex_lock(&app->jobs_mu);
		while (app->jobs > 0)
			pthread_cond_wait(&app->jobs_cv, &app->jobs_mu);
		pthread_mutex_unlock(&app->jobs_mu);
		pthread_cond_destroy(&app->jobs_cv);
		pthread_mutex_destroy(&app->jobs_mu);
	}
	if (app->loc_nl)
		freelocale(app->loc_nl);
	if (app->loc_en)
		freelocale(app->loc_en);
	session_cache_free(app->sessions);
	if (app->tzc)
		tz_cache_free(app->tzc);
	if (app->assistant)
		assistant_free(app->assistant);
	if (app->kr)
		keyring_free(app->kr);
	if (app->db)
		db_close(app->db);
	config_release(&app->cfg);
	mail_done();
	totp_done();
	memset(app, 0, sizeof(*app));
}

/* A password people can type: 4 groups of 4 from an unambiguous alphabet
 * (about 90 bits), well over the 12-character minimum. */
static void
demo_password(struct buf *b)
{
	static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";
	int i;

	for (i = 0; i < 16; i++) {
		if (i && i % 4 == 0)
			buf_addch(b, '-');
		buf_addch(b, alpha[crypto_random_uniform(sizeof(alpha) - 1)]);
	}
}

/* The demo's first trajectory, so the platform shows what it is for at
 * the first log-in: the coach has opened it with a welcome. */
static int
demo_trajectory(struct app *app, int64_t org, int64_t coach, int64_t client)
{
	static const char welcome[] =
	    "Welkom, Kees! Fijn dat je er bent.\n\n"
	    "Hier schrijven we elkaar tussen onze afspraken door. Vertel me "
	    "in je eigen woorden wat je wilt leren; bovenaan zie je wanneer "
	    "je een reactie van mij kunt verwachten.";
	struct promise_terms terms;
	struct audit_event ev;
	struct msg_post first;
	struct msg_env env = { app->db, app->kr, app->tzc, NULL };
	struct arena a;
	int64_t tid = 0, thid = 0, mid = 0;
	time_t now = time(NULL);
	int rc;

	arena_init(&a);
	memset(&ev, 0, sizeof(ev));
	ev.org_id = org;
	ev.action = AUDIT_CREATE;
	ev.outcome = AUDIT_SUCCESS;
	ev.actor_id = coach;
	ev.role = "professional";
	ev.purpose = "care";
	ev.address = "127.0.0.1";
	ev.device = "infuus demo";
	ev.kind = "trajectory";
	ev.node = app->cfg.node;
	traj_default_terms(&a, "Europe/Amsterdam", now, &terms);
	if ((rc = traj_create(app->db, app->kr, org, client, coach,
	    "Rust na het werk", 0, &terms, &ev, NULL, &tid)) != 0)
		goto out;
	memset(&first, 0, sizeof(first));
	first.author_id = coach;
	first.body = str_c(welcome);
	first.now = now;
	rc = msg_thread_create(&env, tid, STR("Kennismaking"), &first, &ev,
	    &thid, &mid);
out:
	arena_release(&a);
	return rc;
}

int
app_demo(struct app *app, FILE *out)
{
	static const struct {
		const char *email, *name;
		enum role role;
	} people[] = {
		{ "admin@demo.infuus.test", "Anna Admin", ROLE_ADMIN },
		{ "coach@demo.infuus.test", "Carla Coach", ROLE_PROFESSIONAL },
		{ "client@demo.infuus.test", "Kees Klant", ROLE_CLIENT },
	};
	struct buf pw[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	int64_t norgs = 0, org = 0, uid, ids[3] = { 0, 0, 0 };
	size_t i;
	int rc;

	if ((rc = org_count(app->db, &norgs)) != 0)
		return rc;
	if (norgs > 0)
		return 0;
	if ((rc = org_create(app->db, app->kr, "Demo Praktijk", "demo",
	    "Europe/Amsterdam", &org)) != 0)
		goto out;
	for (i = 0; i < 3; i++) {
		demo_password(&pw[i]);
		if ((rc = user_create(app->db, people[i].email, people[i].name,
		    pw[i].p, "nl", &uid)) != 0)
			goto out;
		if ((rc = member_add(app->db, org, uid, people[i].role)) != 0)
			goto out;
		ids[i] = uid;
	}
	if ((rc = demo_trajectory(app, org, ids[1], ids[2])) != 0)
		goto out;
	fprintf(out, "\nInfuus demo organisation 'Demo Praktijk' created. "
	    "Log in at %s/login with:\n", app->cfg.base_url);
	for (i = 0; i < 3; i++)
		fprintf(out, "  %-13s %-26s password: %s\n",
		    role_name(people[i].role), people[i].email, pw[i].p);
	fprintf(out, "These passwords are shown only this once.\n\n");
	fflush(out);
out:
	for (i = 0; i < 3; i++)
		buf_wipe(&pw[i]);
	return rc;
}
