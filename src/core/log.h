/*
 * log.h - structured logging to stderr, one line per event.
 *
 * Lines are "time level event key=value ...".  Never pass a secret, a
 * password, a token, a cookie or a client's text to these functions: the
 * log is read by operators who have no business seeing them.
 */
#ifndef INFUUS_LOG_H
#define INFUUS_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERR };

/* Set once at start-up; messages below it are dropped. */
void log_set_level(enum log_level lvl);
void log_msg(enum log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_info(ev, ...) log_msg(LOG_INFO, (ev), __VA_ARGS__)
#define log_warn(ev, ...) log_msg(LOG_WARN, (ev), __VA_ARGS__)
#define log_err(ev, ...) log_msg(LOG_ERR, (ev), __VA_ARGS__)
#define log_debug(ev, ...) log_msg(LOG_DEBUG, (ev), __VA_ARGS__)

/* Start-up failure: print a clear message and exit(1). */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
