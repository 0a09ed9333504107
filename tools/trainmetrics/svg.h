/* SPDX-License-Identifier: MIT */
/* Inline SVG charts for the page: axes with round ticks, lines, markers. */
#ifndef TRAINMETRICS_SVG_H
#define TRAINMETRICS_SVG_H

#include "cli.h"

/* A plotting area: data ranges mapped onto a pixel box inside the SVG. */
struct plot {
    double x0, x1, y0, y1;
    double left, top, width, height;
};

double plot_x(const struct plot *p, double x);
double plot_y(const struct plot *p, double y);

/* Widens [lo, hi] to round tick values; at least a small span for flat data. */
void nice_range(double *lo, double *hi, int ticks);

/* Grid lines, tick labels and axis titles. */
void plot_axes(struct buf *svg, const struct plot *p, const char *x_title, const char *y_title);
/* A polyline of the finite points; NaN breaks the line. */
void plot_line(struct buf *svg, const struct plot *p, const double *x, const double *y, size_t n, const char *css_class);

/* Appends a number the way a label shows it: few digits, no trailing zeros. */
void format_number(char *out, size_t cap, double v);

#endif
