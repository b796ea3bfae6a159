/*
 * main.c - the infuus binary and its sub-commands.
 *
 *   infuus serve    [flags]          run the server
 *   infuus migrate  [flags]          apply database migrations and exit
 *   infuus org create --name N --slug S [--tz Z]
 *   infuus user create --email E --name N [--org SLUG --role R] [--lang L]
 *   infuus invite --org SLUG --email E --role R
 *   infuus audit verify [--org ID]
 *   infuus keys rotate
 *   infuus routes                    the route table as JSON lines
 *
 * Common flags: --config FILE, --data DIR, --database URL, --listen ADDR,
 * --demo, and --set key=value for any configuration key.  New passwords
 * are read from the INFUUS_PASSWORD environment variable or generated and
 * printed once; they are never taken from the command line, where other
 * users of the machine could read them in the process list.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "assignment/assignment.h"
#include "activity/activity.h"
#include "audit/audit.h"
#include "billing/billing.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/num.h"
#include "event/event.h"
#include "diary/diary.h"
#include "http/http.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "instrument/measure.h"
#include "keys/keyring.h"
#include "module/module.h"
#include "notify/outbox.h"
#include "store/db.h"
#include "web/notify.h"
#include "web/web.h"
#include "core/banned.h"

struct opts {
	const char *config;
	const char *name, *slug, *tz, *email, *org, *role, *lang;
	int64_t org_id;
	int nargs;
	char *args[8];
};

static _Noreturn void
usage(void)
{
	fputs("usage: infuus <command> [flags]\n"
	    "  serve                run the server\n"
	    "  migrate              apply database migrations\n"
	    "  org create --name N --slug S [--tz ZONE]\n"
	    "  user create --email E --name N [--org SLUG --role ROLE] [--lang nl|en]\n"
	    "  invite --org SLUG --email E --role ROLE\n"
	    "  audit verify [--org ID]\n"
	    "  keys rotate\n"
	    "  routes               print the route table (JSON lines)\n"
	    "flags: --config FILE --data DIR --database URL --listen ADDR --demo\n"
	    "       --set KEY=VALUE (any configuration key)\n"
	    "roles: admin professional volunteer client stakeholder researcher\n",
	    stderr);
	exit(2);
}

/* Flags common to all commands go into the config; the rest into o. */
static void
parse_flags(int argc, char **argv, struct config *cfg, struct opts *o)
{
	char err[512];
	int i;

	/* The config file is read first so flags override it. */
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			o->config = argv[i + 1];
	if (config_load(cfg, o->config, err, sizeof(err)) != 0)
		die("%s", err);
	for (i = 0; i < argc; i++) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char *key = NULL;

		if (strcmp(f, "--demo") == 0) {
			cfg->demo = true;
			continue;
		}
		if (f[0] != '-' || f[1] != '-') {
			if (o->nargs < 8)
				o->args[o->nargs++] = argv[i];
			continue;
		}
		if (v == NULL)
			die("flag %s needs a value", f);
		i++;
		if (strcmp(f, "--config") == 0)
			continue;
		else if (strcmp(f, "--data") == 0)
			key = "data_dir";
		else if (strcmp(f, "--database") == 0)
			key = "database";
		else if (strcmp(f, "--listen") == 0)
			key = "listen";
		else if (strcmp(f, "--name") == 0)
			o->name = v;
		else if (strcmp(f, "--slug") == 0)
			o->slug = v;
		else if (strcmp(f, "--tz") == 0)
			o->tz = v;
		else if (strcmp(f, "--email") == 0)
			o->email = v;
		else if (strcmp(f, "--org") == 0)
			o->org = v;
		else if (strcmp(f, "--role") == 0)
			o->role = v;
		else if (strcmp(f, "--lang") == 0)
			o->lang = v;
		else if (strcmp(f, "--set") == 0) {
			char *eq = strchr(v, '=');

			if (eq == NULL)
				die("--set needs KEY=VALUE");
			*eq = '\0';
			if (config_set(cfg, v, eq + 1) != 0)
				die("unknown configuration key or bad value: %s", v);
			continue;
		} else
			die("unknown flag %s", f);
		if (key && config_set(cfg, key, v) != 0)
			die("bad value for %s", f);
	}
}

static void
open_or_die(struct app *app)
{
	char err[512] = "";

	log_set_level((enum log_level)app->cfg.log_level);
	if (app_open(app, err, sizeof(err)) != 0)
		die("%s", err);
}

/* The outbox mails through notify_mail (web/notify.c), which hands the
 * one sender, notify_send, the server the configuration names. */
static int
outbox_mail(void *arg, const char *to, const char *subject, const char *body)
{
	return notify_mail(arg, to, subject, body);
}

/* Before each outbox batch: reminders that fall due by the clock
 * (questionnaires, mood times, assignments due, module sessions opened), as content-free
 * notifications. */
static int
reminders(void *arg, time_t now)
{
	struct app *app = arg;
	int rc;

	if ((rc = measure_remind(app->db, (int64_t)now)) != 0 ||
	    (rc = mood_remind(app->db, app->tzc, (int64_t)now)) != 0)
		return rc;
	if ((rc = asg_remind_due(app->db, now, NULL)) != 0)
		return rc;
	return mod_remind(app->db, now, NULL);
}

static int
cmd_serve(struct app *app)
{
	struct outbox_config oc;
	struct outbox *ob = NULL;
	struct http_server *srv = NULL;
	struct http_config hc;
	sigset_t set;
	int sig = 0, rc;

	/* Block the stop signals in every thread (they inherit the mask);
	 * the main thread waits for them with sigwait below. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	open_or_die(app);
	if (app->cfg.demo && (rc = app_demo(app, stdout)) != 0)
		die("could not create the demo organisation: %s", err_msg(rc));
	/* The time budget is the contract's when it gives one (issue 13). */
	activity_budget_source(bill_budget_minutes);
	if ((rc = web_init(app)) != 0)
		die("could not start the web layer: %s", err_msg(rc));
	app->bus = event_bus_new(0);
	if (db_kind(app->db) == DB_POSTGRES &&
	    event_bus_listen(app->bus, app->cfg.database) != 0)
		die("cannot listen for the live events of other nodes on "
		    "the database (see the log line above)");

	/* Without a mail server there is nothing to send: notifications stay
	 * in the outbox table until one is configured. */
	if (app->cfg.smtp_url[0] != '\0') {
		outbox_config_init(&oc);
		oc.db = app->db;
		oc.send = outbox_mail;
		oc.send_arg = app;
		oc.base_url = app->cfg.base_url;
		oc.prepare = reminders;
		oc.prepare_arg = app;
		if ((rc = outbox_new(&oc, &ob)) != 0 ||
		    (rc = outbox_start(ob)) != 0)
			die("cannot start the notification outbox: %s",
			    err_msg(rc));
	}

	memset(&hc, 0, sizeof(hc));
	hc.listen = app->cfg.listen;
	hc.threads = (unsigned)app->cfg.threads;
	hc.routes = web_routes(&hc.nroutes);
	hc.hooks = web_hooks();
	hc.app = app;
	hc.static_dir = app->cfg.static_dir;
	hc.tls_proxy = app->cfg.tls_proxy;
	hc.access_log = app->cfg.access_log;
	if ((rc = http_server_start(&hc, &srv)) != 0)
		die("cannot listen on %s: is the address right and the port "
		    "free? (see the log line above)", app->cfg.listen);
	log_info("serve", "listen=%s port=%d database=%s", app->cfg.listen,
	    http_server_port(srv),
	    db_kind(app->db) == DB_SQLITE ? "sqlite" : "postgres");
	printf("Infuus is running on http://%s (Ctrl-C stops it)\n",
	    app->cfg.listen);
	fflush(stdout);

	/* The main thread waits for a stop signal and meanwhile, once a
	 * minute, removes sessions that have expired. */
	for (;;) {
		struct timespec tick = { 60, 0 };
		struct session_policy pol = { app->cfg.session_idle,
			app->cfg.session_absolute };
		int64_t purged = 0;

		if ((sig = sigtimedwait(&set, NULL, &tick)) > 0)
			break;
		if (session_purge(app->db, &pol, time(NULL), &purged) == 0 &&
		    purged > 0)
			log_info("session_purge", "purged=%lld", (long long)purged);
	}
	log_info("shutdown", "signal=%d", sig);
	http_server_stop(srv);
	event_bus_free(app->bus); /* after the streams: they unsubscribe */
	app->bus = NULL;
	web_fini(app);
	outbox_free(ob);
	app_close(app);
	return 0;
}

static int
cmd_migrate(struct app *app)
{
	open_or_die(app);
	app_close(app);
	return 0;
}

static int
lookup_org(struct app *app, const char *slug, int64_t *id)
{
	struct arena a;
	struct org org;
	int rc;

	arena_init(&a);
	rc = org_by_slug(app->db, slug, &a, &org);
	if (rc == 0)
		*id = org.id;
	arena_release(&a);
	return rc;
}

/* The new user's password: INFUUS_PASSWORD, or a generated one. */
static void
new_password(struct buf *pw, bool *generated)
{
	static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";
	const char *env = getenv("INFUUS_PASSWORD");
	int i;

	*generated = env == NULL;
	if (env) {
		buf_adds(pw, env);
		return;
	}
	for (i = 0; i < 20; i++) {
		if (i && i % 5 == 0)
			buf_addch(pw, '-');
		buf_addch(pw, alpha[crypto_random_uniform(sizeof(alpha) - 1)]);
	}
}

static int
cmd_org(struct app *app, struct opts *o)
{
	int64_t id;
	int rc;

	if (o->nargs < 2 || strcmp(o->args[1], "create") != 0 || !o->name ||
	    !o->slug)
		usage();
	open_or_die(app);
	rc = org_create(app->db, app->kr, o->name, o->slug,
	    o->tz ? o->tz : "Europe/Amsterdam", &id);
	if (rc == 0)
		printf("organisation %lld created: %s (%s)\n", (long long)id,
		    o->name, o->slug);
	else
		fprintf(stderr, "infuus: %s\n", err_msg(rc));
	app_close(app);
	return rc ? 1 : 0;
}

static int
cmd_user(struct app *app, struct opts *o)
{
	struct buf pw = BUF_INIT;
	struct why why = { 0 };
	int64_t uid = 0, org = 0;
	enum role role = ROLE_CLIENT;
	bool gen;
	int rc;

	if (o->nargs < 2 || strcmp(o->args[1], "create") != 0 || !o->email ||
	    !o->name || (o->org && !o->role))
		usage();
	if (o->role && role_parse(str_c(o->role), &role) != 0)
		die("unknown role '%s'", o->role);
	new_password(&pw, &gen);
	if (user_password_ok_for(pw.p, pw.len, o->email, &why) != 0) {
		/* struct why's sentence holds at most the limit's %d. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		die(why.msg, why.limit);
#pragma GCC diagnostic pop
	}
	open_or_die(app);
	if (o->org && (rc = lookup_org(app, o->org, &org)) != 0) {
		fprintf(stderr, "infuus: organisation '%s': %s\n", o->org,
		    err_msg(rc));
		goto out;
	}
	if ((rc = user_create(app->db, o->email, o->name, pw.p,
	    o->lang ? o->lang : "nl", &uid)) != 0) {
		fprintf(stderr, "infuus: %s\n", err_msg(rc));
		goto out;
	}
	if (org && (rc = member_add(app->db, org, uid, role)) != 0) {
		fprintf(stderr, "infuus: %s\n", err_msg(rc));
		goto out;
	}
	printf("user %lld created: %s", (long long)uid, o->email);
	if (org)
		printf(" (%s in %s)", role_name(role), o->org);
	if (gen)
		printf("\npassword (shown once): %s", pw.p);
	printf("\n");
out:
	buf_wipe(&pw);
	app_close(app);
	return rc ? 1 : 0;
}

static int
cmd_invite(struct app *app, struct opts *o)
{
	struct buf tok = BUF_INIT;
	enum role role;
	int64_t org = 0;
	int rc;

	if (!o->org || !o->email || !o->role)
		usage();
	if (role_parse(str_c(o->role), &role) != 0)
		die("unknown role '%s'", o->role);
	open_or_die(app);
	if ((rc = lookup_org(app, o->org, &org)) == 0 &&
	    (rc = invite_create(app->db, org, o->email, role, 0, &tok, NULL)) == 0)
		printf("invitation link (single use): %s/invite/%s\n",
		    app->cfg.base_url, tok.p);
	else
		fprintf(stderr, "infuus: %s\n", err_msg(rc));
	buf_wipe(&tok);
	app_close(app);
	return rc ? 1 : 0;
}

static int
cmd_audit(struct app *app, struct opts *o)
{
	struct buf out = BUF_INIT;
	int64_t org = AUDIT_ALL_CHAINS;
	int rc;

	if (o->nargs < 2 || strcmp(o->args[1], "verify") != 0)
		usage();
	if (o->org && num_parse_i64(str_c(o->org), 1, INT64_MAX, &org) != 0)
		die("--org takes an organisation id");
	open_or_die(app);
	rc = audit_verify_main(app->db, org, &out);
	fwrite(out.p, 1, out.len, stdout);
	buf_release(&out);
	app_close(app);
	return rc;
}

/* The route table as JSON lines, for the test that walks every route. */
static int
cmd_routes(void)
{
	static const struct { unsigned bit; const char *name; } methods[] = {
		{ HTTP_GET, "GET" }, { HTTP_HEAD, "HEAD" }, { HTTP_POST, "POST" },
		{ HTTP_PUT, "PUT" }, { HTTP_DELETE, "DELETE" },
		{ HTTP_PATCH, "PATCH" },
	};
	const struct route *rt;
	size_t n, i, m;

	rt = web_routes(&n);
	for (i = 0; i < n; i++) {
		for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
			if (!(rt[i].methods & methods[m].bit))
				continue;
			printf("{\"method\":\"%s\",\"path\":\"%s\",\"roles\":[",
			    methods[m].name, rt[i].pattern);
			for (unsigned b = 0, first = 1; b < 6; b++) {
				if (!(rt[i].roles & (1u << b)))
					continue;
				printf("%s\"%s\"", first ? "" : ",",
				    role_name((enum role)(1u << b)));
				first = 0;
			}
			printf("],\"anonymous\":%s,\"csrf\":%s,\"json\":%s,"
			    "\"two_factor\":%s,\"partial\":%s,\"body_limit\":%zu,"
			    "\"object\":\"%s\",\"action\":\"%s\"}\n",
			    rt[i].flags & ROUTE_ANON ? "true" : "false",
			    rt[i].flags & ROUTE_CSRF ? "true" : "false",
			    rt[i].flags & ROUTE_JSON ? "true" : "false",
			    rt[i].flags & ROUTE_2FA ? "true" : "false",
			    rt[i].flags & ROUTE_PARTIAL ? "true" : "false",
			    rt[i].body_limit, web_route_object(&rt[i]),
			    web_route_action(&rt[i]));
		}
	}
	return 0;
}

static int
cmd_keys(struct app *app, struct opts *o)
{
	int rc;

	if (o->nargs < 2 || strcmp(o->args[1], "rotate") != 0)
		usage();
	open_or_die(app);
	rc = keyring_rotate_master(app->kr, app->db, app->cfg.master_key);
	if (rc == 0)
		printf("master key rotated; every organisation key re-wrapped\n");
	else
		fprintf(stderr, "infuus: key rotation failed: %s\n", err_msg(rc));
	app_close(app);
	return rc ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct app app;
	struct opts o;
	const char *cmd;

	if (argc < 2)
		usage();
	memset(&app, 0, sizeof(app));
	memset(&o, 0, sizeof(o));
	cmd = argv[1];
	parse_flags(argc - 1, argv + 1, &app.cfg, &o);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(&app);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(&app);
	if (strcmp(cmd, "org") == 0)
		return cmd_org(&app, &o);
	if (strcmp(cmd, "user") == 0)
		return cmd_user(&app, &o);
	if (strcmp(cmd, "invite") == 0)
		return cmd_invite(&app, &o);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(&app, &o);
	if (strcmp(cmd, "keys") == 0)
		return cmd_keys(&app, &o);
	if (strcmp(cmd, "routes") == 0) {
		config_release(&app.cfg);
		return cmd_routes();
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0)
		usage();
	fprintf(stderr, "infuus: unknown command '%s'\n", cmd);
	usage();
}
