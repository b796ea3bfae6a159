/*
 * svgplot.c - line plots over time as inline SVG.
 *
 * Written by hand because a plot here is small: axes, a polyline, a dot
 * per value, dotted lines at the cut-offs and dashed ones where a diary
 * entry was written.  Coordinates are printed with one decimal, so the
 * output is the same on every machine.  The text goes through html_text,
 * whose escapes are XML's too; the result is well-formed XML (the unit
 * test runs xmllint on it).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/limits.h"
#include "http/escape.h"
#include "web/svgplot.h"
#include "core/banned.h"

#define W 640.0
#define H 240.0
#define LEFT 44.0
#define RIGHT 12.0
#define TOP 12.0
#define BOTTOM 28.0

void
svgplot_init(struct svgplot *p, const char *title, const char *desc)
{
	memset(p, 0, sizeof(*p));
	p->title = title;
	p->desc = desc;
	p->ymax = 1;
	p->id = "plot";
}

static double
px(const struct svgplot *p, double x0, double x1, double x)
{
	if (x1 <= x0)
		return LEFT + (W - LEFT - RIGHT) / 2;
	return LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
}

static double
py(const struct svgplot *p, double y)
{
	double span = p->ymax - p->ymin;

	if (span <= 0)
		span = 1;
	if (y < p->ymin)
		y = p->ymin;
	if (y > p->ymax)
		y = p->ymax;
	return TOP + (1 - (y - p->ymin) / span) * (H - TOP - BOTTOM);
}

static void
date_label(struct buf *b, double t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[16];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d", &tm) == 0)
		return;
	buf_adds(b, s);
}

void
svgplot_render(const struct svgplot *p, struct buf *b)
{
	double x0 = 0, x1 = 0, step;
	int i, k;

	if (p->n > 0) {
		x0 = p->x[0];
		x1 = p->x[p->n - 1];
	}
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"plot\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	    "aria-labelledby=\"%s-t %s-d\">", W, H, p->id, p->id);
	buf_printf(b, "<title id=\"%s-t\">", p->id);
	html_textz(b, p->title);
	buf_printf(b, "</title><desc id=\"%s-d\">", p->id);
	html_textz(b, p->desc);
	buf_adds(b, "</desc>");
	/* axes and the value ticks: five steps */
	buf_printf(b, "<path class=\"axis\" fill=\"none\" stroke=\"#555\" "
	    "d=\"M%.1f %.1fV%.1fH%.1f\"/>", LEFT, TOP, H - BOTTOM, W - RIGHT);
	step = (p->ymax - p->ymin) / 5;
	for (k = 0; k <= 5 && step > 0; k++) {
		double v = p->ymin + k * step;

		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
		    "text-anchor=\"end\">%.*f</text>", LEFT - 4, py(p, v) + 4,
		    fabs(step - round(step)) < 1e-9 ? 0 : 1, v);
	}
	for (k = 0; k < p->nbands; k++)
		buf_printf(b, "<path class=\"band\" stroke=\"#999\" "
		    "stroke-dasharray=\"2 3\" d=\"M%.1f %.1fH%.1f\"/>", LEFT,
		    py(p, p->bands[k]), W - RIGHT);
	for (k = 0; k < p->nmarks; k++) {
		double x = px(p, x0, x1, p->marks[k]);

		if (p->n == 0 || p->marks[k] < x0 || p->marks[k] > x1)
			continue;
		buf_printf(b, "<path class=\"mark\" stroke=\"#a05a00\" "
		    "stroke-dasharray=\"5 3\" d=\"M%.1f %.1fV%.1f\"/>", x,
		    TOP, H - BOTTOM);
	}
	if (p->n > 0) {
		buf_adds(b, "<text y=\"");
		buf_printf(b, "%.1f\" x=\"%.1f\" font-size=\"11\">", H - 8,
		    LEFT);
		date_label(b, x0);
		buf_printf(b, "</text><text y=\"%.1f\" x=\"%.1f\" "
		    "font-size=\"11\" text-anchor=\"end\">", H - 8, W - RIGHT);
		date_label(b, x1);
		buf_adds(b, "</text>");
	}
	if (p->n > 1) {
		buf_adds(b, "<polyline class=\"line\" fill=\"none\" "
		    "stroke=\"#1a5fb4\" stroke-width=\"2\" points=\"");
		for (i = 0; i < p->n; i++)
			buf_printf(b, "%s%.1f,%.1f", i ? " " : "",
			    px(p, x0, x1, p->x[i]), py(p, p->y[i]));
		buf_adds(b, "\"/>");
	}
	for (i = 0; i < p->n; i++)
		buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
		    "fill=\"#1a5fb4\"/>", px(p, x0, x1, p->x[i]),
		    py(p, p->y[i]));
	buf_adds(b, "</svg>");
}
