/*
 * smtp.h - sending one plain-text e-mail over SMTP (libcurl).
 *
 * Infuus mails notifications without content ("there is a new message"),
 * invitations and password-reset links.  The message is built here as
 * RFC 5322 text: Date, From, To, Subject (RFC 2047 encoded when not ASCII),
 * Message-ID, MIME-Version, text/plain in UTF-8, 7bit when the body is
 * short-lined ASCII and quoted-printable otherwise, CRLF line ends.
 *
 * Header injection is impossible by construction: addresses must be plain
 * ASCII addresses (local@domain, no spaces, quotes, angle brackets or
 * control characters) and no header value may hold a control character;
 * anything else is ERR_INVAL before a connection is made.
 *
 * The password and the body are never logged; failures log the host, the
 * curl error and the SMTP reply code, not the recipient.
 */
#ifndef INFUUS_SMTP_H
#define INFUUS_SMTP_H

#include <stdbool.h>
#include <time.h>

#include "core/buf.h"

enum mail_tls {
	MAIL_TLS_NONE = 0,     /* plain SMTP: a relay on loopback */
	MAIL_TLS_TRY = 1,      /* STARTTLS when the server offers it */
	MAIL_TLS_REQUIRE = 2,  /* STARTTLS, or the mail is not sent */
	MAIL_TLS_IMPLICIT = 3, /* TLS from the first byte (smtps, port 465) */
};

struct mail_config {
	const char *host;      /* name, IPv4 or [IPv6] */
	int port;              /* 0: 25, or 465 for MAIL_TLS_IMPLICIT */
	const char *from;      /* envelope sender and From: address */
	const char *from_name; /* display name in From:, may be NULL */
	const char *user;      /* NULL: no AUTH */
	const char *password;
	enum mail_tls tls;
	long timeout_ms;       /* whole exchange; 0: LIMIT_MAIL_TIMEOUT_MS */
	const char *ca_file;   /* CA bundle for a private CA; NULL: system */
	/* An iCalendar invitation to send along (iMIP, RFC 6047): the mail
	 * becomes multipart/alternative, the body as text/plain and this as
	 * text/calendar with the method ("REQUEST", "CANCEL").  NULL: the
	 * body alone. */
	const char *calendar;
	const char *calendar_method;
};

/* Once at start-up before threads (curl_global_init); 0 or ERR_MAIL. */
int mail_init(void);
/* At exit (curl_global_cleanup). */
void mail_done(void);

/* Read "smtp://host[:port][/]" or "smtps://..." (the configuration's
 * smtp_url) into host (appended), *port (25 or 465 when absent) and
 * *implicit_tls (true for smtps).  ERR_INVAL for anything else. */
int mail_url_parse(const char *url, struct buf *host, int *port,
    bool *implicit_tls);

/* Is s an address we send to or from (see above)? */
bool mail_address_ok(const char *s);

/* The complete message as it goes over the wire (before dot-stuffing),
 * appended to out; now is the Date.  ERR_INVAL for a bad address, a
 * header value with a control character or invalid UTF-8, a subject or
 * display name longer than LIMIT_FIELD_SHORT, or a body that is not UTF-8
 * or longer than LIMIT_MAIL_BODY (a calendar: LIMIT_MAIL_CALENDAR), or a
 * calendar method other than REQUEST, CANCEL or PUBLISH. */
int mail_format(const struct mail_config *cfg, const char *to,
    const char *subject, const char *body, time_t now, struct buf *out);

/*
 * Send one message to one recipient.  ERR_INVAL as for mail_format, and
 * for credentials that would cross the network without TLS (user set,
 * tls NONE or TRY, host not loopback).  ERR_MAIL when the server cannot be
 * reached within the timeout, refuses TLS that is required, refuses the
 * log-in, the sender, the recipient or the message.  Blocks for up to
 * timeout_ms: call it from a worker, not while holding a lock.
 */
int mail_send(const struct mail_config *cfg, const char *to,
    const char *subject, const char *body);

#endif
