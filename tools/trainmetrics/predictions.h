/* SPDX-License-Identifier: MIT */
/* A confusion matrix from a file of predictions, CSV or .npy, read in batches. */
#ifndef TRAINMETRICS_PREDICTIONS_H
#define TRAINMETRICS_PREDICTIONS_H

#include <trainmetrics/trainmetrics.h>

#include "cli.h"

struct predictions_source {
    /* CSV: columns by name. */
    const char *csv_path;
    const char *true_column;     /* default "true", else "y_true" */
    const char *pred_column;     /* default "pred", else "y_pred" */
    struct strings score_columns; /* explicit score columns, in class order */
    const char *scores_prefix;   /* score columns are those starting with it */
    /* .npy: 1-D integer true labels with 1-D predicted labels or (N, K) scores. */
    const char *npy_true, *npy_pred, *npy_scores;
    /* Class names from --classes; when empty they come from the score column
     * names, else from the labels seen (sorted as scikit-learn sorts them). */
    struct strings classes;
};

/* Counts every row into a new matrix; classes receives the K class names.
 * Returns 0 or the exit code (already reported). */
int predictions_read(struct predictions_source *src, trm_confusion **cm, struct strings *classes,
                     uint64_t *rows);

#endif
