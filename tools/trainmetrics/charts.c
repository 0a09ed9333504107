/* SPDX-License-Identifier: MIT */
/* The page's charts. Colours: tab10 for series, viridis for the heatmap (its
 * dark-to-bright ramp reads in grey too), one red at varying opacity for band
 * importance. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <trainmetrics/trainmetrics.h>

#include "charts.h"
#include "svg.h"

/* matplotlib's tab10: distinct at a glance, and readable on white. */
static const char *const palette[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

static void finite_range(const double *v, size_t n, double *lo, double *hi)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            *lo = fmin(*lo, v[i]);
            *hi = fmax(*hi, v[i]);
        }
}

static void open_svg(struct buf *svg, const char *id, double width, double height, const char *label)
{
    buf_printf(svg, "<svg class=\"chart\"%s%s%s viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", id ? " id=\"" : "",
               id ? id : "", id ? "\"" : "", width, height);
    buf_add_escaped(svg, label);
    buf_printf(svg, "\" xmlns=\"http://www.w3.org/2000/svg\">");
}

/* A legend line sample, or a filled patch, and its text. */
static void legend_entry(struct buf *svg, double x, double y, const char *css, bool patch, const char *text)
{
    if (patch)
        buf_printf(svg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"10\" class=\"%s\"/>", x, y - 5, css);
    else
        buf_printf(svg, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", css, x, x + 18, y, y);
    buf_printf(svg, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\" dominant-baseline=\"middle\">", x + 24, y);
    buf_add_escaped(svg, text);
    buf_printf(svg, "</text>");
}

void chart_curves(struct buf *svg, const struct curve_chart *c)
{
    struct plot p = { .left = 64, .top = 34, .width = 480, .height = 210 };
    p.x0 = c->epoch[0];
    p.x1 = c->epoch[c->n - 1];
    if (p.x1 <= p.x0)
        p.x1 = p.x0 + 1;
    double lo = INFINITY, hi = -INFINITY;
    finite_range(c->train, c->n, &lo, &hi);
    finite_range(c->val, c->n, &lo, &hi);
    if (!isfinite(lo))
        lo = 0, hi = 1;
    char y_title[128];
    snprintf(y_title, sizeof y_title, "%s%s", c->y_title, use_log_y(&p, lo, hi) ? " (log scale)" : "");
    if (!p.log_y) {
        nice_range(&lo, &hi, 5);
        p.y0 = lo;
        p.y1 = hi;
    }
    open_svg(svg, c->id, 560, 300, c->y_title);
    plot_axes(svg, &p, "epoch", y_title);
    if (c->gap_from >= 0) {
        /* The gap polygon: training forward, validation back, from the onset. */
        buf_printf(svg, "<polygon class=\"gap\" points=\"");
        for (size_t i = 0; i < c->n; i++)
            if (c->epoch[i] >= c->gap_from && isfinite(c->train[i]))
                buf_printf(svg, "%.1f,%.1f ", plot_x(&p, c->epoch[i]), plot_y(&p, c->train[i]));
        for (size_t i = c->n; i-- > 0;)
            if (c->epoch[i] >= c->gap_from && isfinite(c->val[i]))
                buf_printf(svg, "%.1f,%.1f ", plot_x(&p, c->epoch[i]), plot_y(&p, c->val[i]));
        buf_printf(svg, "\"/>");
    }
    plot_line(svg, &p, c->epoch, c->train, c->n, "train");
    plot_line(svg, &p, c->epoch, c->val, c->n, "val");
    for (size_t i = 0; i < c->n_markers; i++) {
        const struct marker *m = &c->markers[i];
        double x = plot_x(&p, m->x);
        buf_printf(svg, "<g class=\"marker %s\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", m->css, x, x,
                   p.top, p.top + p.height);
        /* Labels step down so markers a few epochs apart stay legible. */
        bool right = x < p.left + p.width - 90;
        buf_printf(svg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s %g</text></g>", x + (right ? 4 : -4),
                   p.top + p.height - 10 - 15.0 * (double)(c->n_markers - 1 - i), right ? "start" : "end", m->label,
                   m->x);
    }
    /* The legend sits above the plot, where it hides no curve. */
    double lx = p.left;
    legend_entry(svg, lx, 14, "train", false, c->train_label);
    lx += 40 + 7.5 * (double)strlen(c->train_label);
    legend_entry(svg, lx, 14, "val", false, c->val_label);
    lx += 40 + 7.5 * (double)strlen(c->val_label);
    if (c->gap_from >= 0)
        legend_entry(svg, lx, 14, "gap", true, "widening gap");
    buf_printf(svg, "</svg>");
}

static void viridis_hex(double v, char out[8])
{
    float value = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
    uint8_t rgb[3] = { 0 };
    trm_colormap_apply(&value, 1, TRM_COLORMAP_VIRIDIS, rgb);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

void chart_confusion(struct buf *svg, const struct summary *s)
{
    size_t k = s->k, longest = 0;
    for (size_t i = 0; i < k; i++)
        longest = strlen(s->classes->items[i]) > longest ? strlen(s->classes->items[i]) : longest;
    double cell = 440.0 / (double)k;
    cell = cell > 68 ? 68 : cell < 14 ? 14 : cell;
    double name_w = 7.5 * (double)(longest > 22 ? 22 : longest) + 12;
    double left = 34 + name_w, top = 30 + name_w * 0.72;
    double size = cell * (double)k;
    double width = left + size + 110, height = top + size + 20;
    open_svg(svg, "confusion-heatmap", width, height, "normalized confusion matrix");
    buf_printf(svg, "<text class=\"title\" x=\"%.1f\" y=\"14\" text-anchor=\"middle\">predicted class</text>",
               left + size / 2);
    buf_printf(svg, "<text class=\"title\" transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">true class</text>",
               top + size / 2);
    for (size_t i = 0; i < k; i++) {
        double centre = (double)i * cell + cell / 2;
        buf_printf(svg, "<text class=\"tick\" transform=\"translate(%.1f %.1f) rotate(-40)\">", left + centre, top - 6);
        buf_add_escaped(svg, s->classes->items[i]);
        buf_printf(svg, "</text><text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">",
                   left - 6, top + centre);
        buf_add_escaped(svg, s->classes->items[i]);
        buf_printf(svg, "</text>");
    }
    for (size_t t = 0; t < k; t++) {
        uint64_t row = 0;
        for (size_t p = 0; p < k; p++)
            row += s->counts[t * k + p];
        for (size_t p = 0; p < k; p++) {
            double v = s->normalized[t * k + p];
            uint64_t count = s->counts[t * k + p];
            char fill[8];
            viridis_hex(v, fill);
            double x = left + (double)p * cell, y = top + (double)t * cell;
            buf_printf(svg, "<g class=\"cell\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
                       x, y, cell, cell, fill);
            buf_printf(svg, "<title>");
            buf_add_escaped(svg, s->classes->items[t]);
            buf_printf(svg, " predicted as ");
            buf_add_escaped(svg, s->classes->items[p]);
            buf_printf(svg, ": %.1f%% (%llu of %llu)</title>", 100 * v, (unsigned long long)count,
                       (unsigned long long)row);
            /* viridis is dark below about 0.55: light text there. */
            const char *ink = v < 0.55 ? "light" : "dark";
            /* Empty cells stay unlabelled: the eye goes to the counts that exist. */
            if (count && cell >= 40)
                buf_printf(svg, "<text class=\"pct %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f%%</text>"
                                "<text class=\"count %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%llu</text>",
                           ink, x + cell / 2, y + cell / 2 - 2, 100 * v, ink, x + cell / 2, y + cell / 2 + 13,
                           (unsigned long long)count);
            else if (count && cell >= 24)
                buf_printf(svg, "<text class=\"count %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" dominant-baseline=\"middle\">%.0f</text>",
                           ink, x + cell / 2, y + cell / 2, 100 * v);
            buf_printf(svg, "</g>");
        }
    }
    /* The colour scale. */
    double bx = left + size + 24;
    buf_printf(svg, "<defs><linearGradient id=\"viridis-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">");
    for (int i = 0; i <= 10; i++) {
        char fill[8];
        viridis_hex(i / 10.0, fill);
        buf_printf(svg, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", i * 10, fill);
    }
    buf_printf(svg, "</linearGradient></defs><rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%.1f\" fill=\"url(#viridis-scale)\"/>",
               bx, top, size);
    for (int i = 0; i <= 4; i++)
        buf_printf(svg, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" dominant-baseline=\"middle\">%d%%</text>", bx + 20,
                   top + size - size * i / 4.0, i * 25);
    buf_printf(svg, "</svg>");
}

void chart_bands(struct buf *svg, const char *id, const double *axis, const double *spectrum, const double *importance,
                 size_t n, const char *axis_label)
{
    struct plot p = { .left = 64, .top = 12, .width = 396, .height = 170 };
    /* A decreasing axis (wavenumbers) is drawn rising left to right too. */
    p.x0 = fmin(axis[0], axis[n - 1]);
    p.x1 = fmax(axis[0], axis[n - 1]);
    if (p.x1 <= p.x0)
        p.x1 = p.x0 + 1;
    p.y0 = INFINITY;
    p.y1 = -INFINITY;
    finite_range(spectrum, n, &p.y0, &p.y1);
    nice_range(&p.y0, &p.y1, 4);
    open_svg(svg, id, 480, 236, "band importance over the mean spectrum");
    /* Each band spans half the way to its neighbours. */
    for (size_t i = 0; i < n; i++) {
        double a = i ? (axis[i - 1] + axis[i]) / 2 : axis[0];
        double b = i + 1 < n ? (axis[i] + axis[i + 1]) / 2 : axis[n - 1];
        double x0 = fmin(plot_x(&p, a), plot_x(&p, b)), x1 = fmax(plot_x(&p, a), plot_x(&p, b));
        /* A hair wider than the band, so neighbours leave no white seam. */
        buf_printf(svg, "<rect class=\"band\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                        "fill-opacity=\"%.3f\" data-wavelength=\"%g\" data-importance=\"%.3f\" data-value=\"%.4g\">"
                        "<title>%g: importance %.3f, mean value %.4g</title></rect>",
                   x0, p.top, x1 - x0 + 0.35, p.height, 0.08 + 0.82 * importance[i], axis[i],
                   importance[i], spectrum[i], axis[i], importance[i], spectrum[i]);
    }
    plot_axes(svg, &p, axis_label, "mean spectrum");
    plot_line(svg, &p, axis, spectrum, n, "spectrum");
    buf_printf(svg, "</svg>");
}

void chart_spectra(struct buf *svg, const double *axis, const double *spectra, size_t m, size_t n,
                   const struct strings *names, const char *axis_label, const char *y_title)
{
    struct plot p = { .left = 76, .top = 16, .width = 520, .height = 230 };
    p.x0 = axis[0];
    p.x1 = axis[n - 1] > axis[0] ? axis[n - 1] : axis[0] + 1;
    p.y0 = INFINITY;
    p.y1 = -INFINITY;
    finite_range(spectra, m * n, &p.y0, &p.y1);
    nice_range(&p.y0, &p.y1, 5);
    open_svg(svg, "endmembers", 760, 312, y_title);
    plot_axes(svg, &p, axis_label, y_title);
    for (size_t j = 0; j < m; j++) {
        buf_printf(svg, "<g style=\"stroke:%s\">", palette[j % 10]);
        plot_line(svg, &p, axis, spectra + j * n, n, "series");
        buf_printf(svg, "</g>");
        buf_printf(svg, "<line class=\"series\" style=\"stroke:%s\" x1=\"612\" x2=\"632\" y1=\"%.1f\" y2=\"%.1f\"/>",
                   palette[j % 10], 30.0 + 20.0 * (double)j, 30.0 + 20.0 * (double)j);
        buf_printf(svg, "<text class=\"legend\" x=\"638\" y=\"%.1f\" dominant-baseline=\"middle\">", 30.0 + 20.0 * (double)j);
        buf_add_escaped(svg, names->items[j]);
        buf_printf(svg, "</text>");
    }
    buf_printf(svg, "</svg>");
}

void chart_scatter(struct buf *svg, const double *truth, const double *estimate, size_t n, size_t m,
                   const struct strings *names)
{
    struct plot p = { .left = 64, .top = 16, .width = 300, .height = 300, .x0 = 0, .x1 = 1, .y0 = 0, .y1 = 1 };
    double lo = INFINITY, hi = -INFINITY;
    finite_range(truth, n * m, &lo, &hi);
    finite_range(estimate, n * m, &lo, &hi);
    nice_range(&lo, &hi, 5);
    p.x0 = p.y0 = lo;
    p.x1 = p.y1 = hi;
    open_svg(svg, "abundance-scatter", 560, 372, "true against estimated abundances");
    plot_axes(svg, &p, "true abundance", "estimated abundance");
    buf_printf(svg, "<line class=\"diagonal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", plot_x(&p, lo),
               plot_y(&p, lo), plot_x(&p, hi), plot_y(&p, hi));
    for (size_t j = 0; j < m; j++) {
        buf_printf(svg, "<g style=\"fill:%s\">", palette[j % 10]);
        for (size_t i = 0; i < n; i++)
            buf_printf(svg, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\"/>", plot_x(&p, truth[i * m + j]),
                       plot_y(&p, estimate[i * m + j]));
        buf_printf(svg, "</g><circle style=\"fill:%s\" cx=\"392\" cy=\"%.1f\" r=\"5\"/>", palette[j % 10],
                   30.0 + 20.0 * (double)j);
        buf_printf(svg, "<text class=\"legend\" x=\"402\" y=\"%.1f\" dominant-baseline=\"middle\">", 30.0 + 20.0 * (double)j);
        buf_add_escaped(svg, names->items[j]);
        buf_printf(svg, "</text>");
    }
    buf_printf(svg, "</svg>");
}
