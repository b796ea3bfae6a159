/*
 * notify.h - e-mail notifications from the web layer.
 *
 * Mails say only that there is something to do or read, never a client's
 * content.  When no SMTP server is configured (smtp_url empty), the mail is
 * not sent and that is logged (without address or body), so a demo runs
 * without a mail server.
 */
#ifndef INFUUS_NOTIFY_H
#define INFUUS_NOTIFY_H

struct app;

int notify_mail(struct app *app, const char *to, const char *subject,
    const char *body);

#endif
