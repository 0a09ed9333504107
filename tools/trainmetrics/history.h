/* SPDX-License-Identifier: MIT */
/* A training log: Keras CSVLogger files (one row per epoch) and Lightning
 * metrics.csv files (several rows per epoch, each with gaps), as one value
 * per metric and epoch. */
#ifndef TRAINMETRICS_HISTORY_H
#define TRAINMETRICS_HISTORY_H

#include "cli.h"

struct history {
    struct strings metrics; /* column names except epoch and step */
    size_t n_epochs;
    double *epoch;          /* the log's epoch numbers, increasing */
    double *values;         /* n_epochs x metrics.n, NaN where the log has no value */
    bool *present;          /* n_epochs x metrics.n: whether the log has a value */
};

/* Rows of one epoch merge, the later value of a metric winning; "nan" and
 * "inf" are values (a diverged run logs them). Without an epoch column each
 * row is an epoch. Fails with 65 and file:line:column on a non-numeric field or
 * decreasing epochs. */
int history_read(struct history *h, const char *path);
void history_free(struct history *h);
ptrdiff_t history_metric(const struct history *h, const char *name);

#endif
