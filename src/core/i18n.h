/*
 * i18n.h - marking sentences for the message catalogue.
 *
 * Modules below the web layer never translate (they serve no request and
 * so know no language); they hand back sentences marked with N_, and the
 * page shows them through _() (web/page.h) in the reader's language.
 * xgettext finds N_ as a keyword (tools/update-po).
 */
#ifndef INFUUS_I18N_H
#define INFUUS_I18N_H

/* Marks s for translation where it is used later through _(). */
#define N_(s) (s)

#endif
