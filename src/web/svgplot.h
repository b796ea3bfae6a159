/*
 * svgplot.h - a line plot over time as inline SVG, written by hand.
 *
 * The plot is an image with a <title> and a <desc> (role="img", labelled
 * by both); the page puts the numbers beside it as a table, so nobody
 * needs the picture to read the values.  Points beyond LIMIT_PLOT_POINTS
 * are the caller's to aggregate (by week or month) before plotting.
 */
#ifndef INFUUS_SVGPLOT_H
#define INFUUS_SVGPLOT_H

#include "core/buf.h"

struct svgplot {
	const char *title;      /* plain text; escaped here */
	const char *desc;
	double ymin, ymax;      /* the value axis */
	const double *x;        /* times (seconds since the epoch), rising */
	const double *y;
	int n;
	const double *marks;    /* times marked by a vertical line (diary) */
	int nmarks;
	const double *bands;    /* values drawn as dotted lines (cut-offs) */
	int nbands;
	const char *id;         /* unique in the page, for aria ids */
};

void svgplot_init(struct svgplot *p, const char *title, const char *desc);
/* Append the <svg> element to b. */
void svgplot_render(const struct svgplot *p, struct buf *b);

#endif
