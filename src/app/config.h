/*
 * config.h - the configuration: a file of "key = value" lines, then the
 * environment (INFUUS_<KEY> in upper case), then command-line flags, each
 * overriding the one before.  Read once at start-up; read-only afterwards.
 */
#ifndef INFUUS_CONFIG_H
#define INFUUS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	char *listen;          /* 127.0.0.1:8080 */
	char *data_dir;        /* ./data: SQLite database, master key, uploads */
	char *database;        /* URL or path; default <data_dir>/infuus.db */
	char *master_key;      /* default <data_dir>/master.key */
	char *static_dir;      /* default: the installed or source static/ */
	char *share_dir;       /* word lists etc.; default: source share/ */
	char *locale_dir;      /* compiled catalogues */
	char *base_url;        /* for links in e-mails: http://127.0.0.1:8080 */
	char *node;            /* this node's name in the access log */
	char *smtp_url;        /* smtp://127.0.0.1:25 ("" = no mail) */
	char *smtp_from;
	char *smtp_user;
	char *smtp_password;
	int smtp_tls;          /* 0 none, 1 try STARTTLS, 2 require TLS */
	int session_idle;      /* seconds */
	int session_absolute;  /* seconds */
	int sessions_per_user; /* default LIMIT_SESSIONS_PER_USER */
	int threads;           /* 0: the server's choice (server.c) */
	bool tls_proxy;        /* behind a TLS proxy: HSTS, Secure cookies */
	bool access_log;
	bool demo;             /* create the demo organisation on an empty db */
	int log_level;
	/* Calls (call.h): TURN servers ("turn:host:3478,turns:host:5349",
	 * "" = none: browsers then connect directly, enough on one machine
	 * or one network), the secret shared with them (use-auth-secret)
	 * and the credentials' lifetime in seconds. */
	char *turn_urls;
	char *turn_secret;
	int turn_ttl;
};

/* Defaults, then the file (if path is not NULL), then the environment.
 * Errors name the file, line and key. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* Set one key (used for flags too).  ERR_INVAL for unknown keys/values. */
int config_set(struct config *c, const char *key, const char *val);
/* Fill the derived defaults (database path from data_dir, ...). */
void config_finish(struct config *c);
void config_release(struct config *c);

#endif
