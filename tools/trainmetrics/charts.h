/* SPDX-License-Identifier: MIT */
/* The page's charts, each one <svg> element appended to a buffer. */
#ifndef TRAINMETRICS_CHARTS_H
#define TRAINMETRICS_CHARTS_H

#include "cli.h"
#include "summary.h"

/* A vertical line at an epoch, labelled. */
struct marker {
    double x;
    const char *label; /* "best", "onset", "stop" */
    const char *css;   /* class of the line and label */
};

struct curve_chart {
    const char *id, *y_title, *train_label, *val_label;
    const double *epoch, *train, *val;
    size_t n;
    const struct marker *markers;
    size_t n_markers;
    double gap_from; /* shade between the curves from this epoch on; < 0 for none */
};

void chart_curves(struct buf *svg, const struct curve_chart *c);
/* The normalized matrix as a heatmap with percentages and counts. */
void chart_confusion(struct buf *svg, const struct summary *s);
/* A mean spectrum with each band shaded by its importance; every band has a
 * hover target carrying its wavelength, importance and value. */
void chart_bands(struct buf *svg, const char *id, const double *axis, const double *spectrum,
                 const double *importance, size_t n, const char *axis_label);
/* Several spectra (m rows of n values) with a legend. */
void chart_spectra(struct buf *svg, const double *axis, const double *spectra, size_t m, size_t n,
                   const struct strings *names, const char *axis_label, const char *y_title);
/* True against estimated values of several outputs, with the diagonal. */
void chart_scatter(struct buf *svg, const double *truth, const double *estimate, size_t n, size_t m,
                   const struct strings *names);

#endif
