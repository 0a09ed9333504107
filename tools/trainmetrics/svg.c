/* SPDX-License-Identifier: MIT */
/* Plot geometry and axes; round ticks at 1, 2 or 5 times a power of ten. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <string.h>

#include "svg.h"

double plot_x(const struct plot *p, double x)
{
    return p->left + (x - p->x0) / (p->x1 - p->x0) * p->width;
}

double plot_y(const struct plot *p, double y)
{
    if (p->log_y)
        y = log10(y);
    return p->top + (p->y1 - y) / (p->y1 - p->y0) * p->height;
}

bool use_log_y(struct plot *p, double lo, double hi)
{
    if (!(lo > 0) || !(hi / lo > 30))
        return false;
    p->log_y = true;
    p->y0 = floor(log10(lo));
    p->y1 = ceil(log10(hi));
    return true;
}

/* The 1, 2 or 5 times a power of ten nearest span / ticks. */
static double tick_step(double span, int ticks)
{
    double raw = span / ticks;
    double power = pow(10, floor(log10(raw)));
    double m = raw / power;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
}

void nice_range(double *lo, double *hi, int ticks)
{
    if (!(*hi > *lo)) {
        double pad = fabs(*lo) > 0 ? fabs(*lo) * 0.05 : 0.5;
        *lo -= pad;
        *hi += pad;
    }
    double step = tick_step(*hi - *lo, ticks);
    *lo = floor(*lo / step) * step;
    *hi = ceil(*hi / step) * step;
}

void format_number(char *out, size_t cap, double v)
{
    if (fabs(v) < 1e-12)
        v = 0;
    snprintf(out, cap, "%.4g", v);
}

void plot_axes(struct buf *svg, const struct plot *p, const char *x_title, const char *y_title)
{
    char label[32];
    double xs = tick_step(p->x1 - p->x0, 6), ys = p->log_y ? 1 : tick_step(p->y1 - p->y0, 5);
    buf_printf(svg, "<g class=\"axes\">");
    for (double y = ceil(p->y0 / ys - 1e-9) * ys; y <= p->y1 + ys * 1e-9; y += ys) {
        double value = p->log_y ? pow(10, y) : y; /* log axes: one tick per decade */
        double at = p->log_y ? plot_y(p, value) : plot_y(p, y);
        format_number(label, sizeof label, value);
        buf_printf(svg, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", p->left,
                   p->left + p->width, at, at);
        buf_printf(svg, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>",
                   p->left - 6, at, label);
    }
    for (double x = ceil(p->x0 / xs - 1e-9) * xs; x <= p->x1 + xs * 1e-9; x += xs) {
        format_number(label, sizeof label, x);
        buf_printf(svg, "<line class=\"tickmark\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", plot_x(p, x),
                   plot_x(p, x), p->top + p->height, p->top + p->height + 4);
        buf_printf(svg, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", plot_x(p, x),
                   p->top + p->height + 18, label);
    }
    buf_printf(svg, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", p->left, p->top,
               p->width, p->height);
    buf_printf(svg, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", p->left + p->width / 2,
               p->top + p->height + 38);
    buf_add_escaped(svg, x_title);
    buf_printf(svg, "</text><text class=\"title\" transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\">",
               p->left - 52, p->top + p->height / 2);
    buf_add_escaped(svg, y_title);
    buf_printf(svg, "</text></g>");
}

void plot_line(struct buf *svg, const struct plot *p, const double *x, const double *y, size_t n, const char *css_class)
{
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) {
            if (open)
                buf_printf(svg, "\"/>");
            open = false;
            continue;
        }
        double cy = plot_y(p, y[i]);
        /* A diverged run's huge values are drawn at the frame, not off the page. */
        cy = cy < p->top ? p->top : cy > p->top + p->height ? p->top + p->height : cy;
        if (!open)
            buf_printf(svg, "<polyline class=\"%s\" points=\"", css_class);
        buf_printf(svg, "%s%.1f,%.1f", open ? " " : "", plot_x(p, x[i]), cy);
        open = true;
    }
    if (open)
        buf_printf(svg, "\"/>");
}
