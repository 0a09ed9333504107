/* SPDX-License-Identifier: MIT */
/* Inline SVG charts for the page: axes with round ticks, lines, markers. */
#ifndef TRAINMETRICS_SVG_H
#define TRAINMETRICS_SVG_H

#include "cli.h"

/* A plotting area: data ranges mapped onto a pixel box inside the SVG. */
struct plot {
    double x0, x1, y0, y1; /* with log_y, y0 and y1 are powers of ten's exponents */
    double left, top, width, height;
    bool log_y;
};

double plot_x(const struct plot *p, double x);
double plot_y(const struct plot *p, double y);

/* Widens [lo, hi] to round tick values; at least a small span for flat data. */
void nice_range(double *lo, double *hi, int ticks);
/* The y range of positive data spanning more than 30x, on a log axis of whole
 * decades: values that fall from 2.5 to 0.01 stay visible after the first
 * epochs. Returns false (and leaves p alone) for other data. */
bool use_log_y(struct plot *p, double lo, double hi);

/* Grid lines, tick labels and axis titles. */
void plot_axes(struct buf *svg, const struct plot *p, const char *x_title, const char *y_title);
/* A polyline of the finite points; NaN breaks the line. */
void plot_line(struct buf *svg, const struct plot *p, const double *x, const double *y, size_t n, const char *css_class);

/* Appends a number the way a label shows it: few digits, no trailing zeros. */
void format_number(char *out, size_t cap, double v);

#endif
