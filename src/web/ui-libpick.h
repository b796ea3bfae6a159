/*
 * ui-libpick.h - a library item shown inside another page (an
 * assignment's, a module page's) and the pickers that put it there
 * (ui-libpick.c, issue 12).
 */
#ifndef INFUUS_UI_LIBPICK_H
#define INFUUS_UI_LIBPICK_H

#include <stdbool.h>

struct req;
struct lib_item;

/* Item it drawn in full under a heading of level h (3 or 4): its title
 * (a link to its library page), summary, player (a film or a sound) and
 * text (the transcript, which the player names); for a client a button
 * to keep it in their own library. */
void uil_item_show(struct req *r, const struct lib_item *it, bool client,
    int h);

#endif
