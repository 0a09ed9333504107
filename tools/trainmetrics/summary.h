/* SPDX-License-Identifier: MIT */
/* Every number a classification report shows, taken once from the library. */
#ifndef TRAINMETRICS_SUMMARY_H
#define TRAINMETRICS_SUMMARY_H

#include <trainmetrics/trainmetrics.h>

#include "cli.h"

struct confusion_pair {
    size_t true_class, pred_class;
    uint64_t count, support; /* the cell and its row's total */
    double rate;             /* count / support */
};

struct summary {
    size_t k;                /* classes */
    const struct strings *classes;
    uint64_t samples;
    double *precision, *recall, *f1, *support; /* k each; zero_division = 0 */
    double avg[2][4];        /* [macro, weighted][precision, recall, f1, support] */
    double accuracy, balanced_accuracy, kappa, mcc;
    double *iou;             /* k intersections over union; NaN for a class absent from truth and predictions */
    double mean_iou;         /* over the present classes but the ignore label's (torchmetrics); NaN if none */
    uint64_t *counts;        /* k x k, rows true */
    double *normalized;      /* k x k, each row over its sum (0 for empty rows) */
    struct confusion_pair *pairs; /* off-diagonal cells with a count, most confused first */
    size_t n_pairs;
    char *report;            /* scikit-learn's classification_report text */
};

int summary_compute(struct summary *s, const trm_confusion *cm, const struct strings *classes, int digits);
void summary_free(struct summary *s);

/* "urban mistaken for soil" phrasing: the k-th pair as "<true> mistaken for <pred>". */
void summary_print_text(const struct summary *s, FILE *out, const char *source, size_t top);
/* The same as JSON (scikit-learn's output_dict keys for the report part);
 * returns 0, or 64 when the command was built without jansson. */
int summary_print_json(const struct summary *s, FILE *out, const char *source, size_t top);

#endif
