/*
 * notify.h - e-mail from the web layer (and the outbox's sender in
 * main.c): notify_send (notify/notify.h) with the server the configuration
 * names.  The account page's notification setting is here too; its
 * handlers are declared in handlers.h with the other pages'.
 *
 * Mails say only that there is something to do or read, never a client's
 * content.  When no SMTP server is configured (smtp_url empty), the mail is
 * not sent and that is logged (without address or body), so a demo runs
 * without a mail server.
 */
#ifndef INFUUS_WEB_NOTIFY_H
#define INFUUS_WEB_NOTIFY_H

struct app;

int notify_mail(struct app *app, const char *to, const char *subject,
    const char *body);

#endif
