/*
 * notify.h - sending one notification mail with the configured server:
 * the one sender behind the outbox's mails and the web layer's own (reset
 * links, invitations; web/notify.c).
 *
 * Mails say only that there is something to do or read, never a client's
 * content: callers pass fixed texts and links.  When no SMTP server is
 * configured (url empty), the mail is not sent and that is logged (without
 * address or body), so a demo runs without a mail server.
 *
 * Tables: none (the outbox, outbox.h, owns notifications and
 * notify_prefs).
 */
#ifndef INFUUS_NOTIFY_NOTIFY_H
#define INFUUS_NOTIFY_NOTIFY_H

/* The mail server as the configuration names it (config.h's smtp_*). */
struct notify_smtp {
	const char *url;      /* smtp://host[:port] or smtps://; "" = none */
	const char *from;     /* envelope sender and From: address */
	const char *user;     /* NULL or "": no AUTH */
	const char *password;
	int tls;              /* enum mail_tls; smtps:// means implicit TLS */
	const char *calendar; /* NULL, or an invitation sent along (smtp.h) */
	const char *calendar_method;
};

/*
 * Send one mail through s: 0 when the server accepted it; ERR_MAIL when no
 * server is configured, mail_url_parse's error for a bad url, mail_send's
 * otherwise (each logged, without address or body).
 */
int notify_send(const struct notify_smtp *s, const char *to,
    const char *subject, const char *body);

#endif
