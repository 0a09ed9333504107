/* SPDX-License-Identifier: MIT */
/* One-vs-rest tallies and the per-class metrics derived from them, shared by
 * the confusion-matrix metrics and the multilabel accumulator: each class (or
 * label) is described by tp, its true count (row = tp + fn), its predicted
 * count (col = tp + fp), its true negatives and the number of samples. */
#ifndef TRM_TALLY_PRIVATE_H
#define TRM_TALLY_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "trainmetrics/metrics.h"

/* F-beta shares the per-class machinery with the enum metrics under a private id. */
enum { TRM__METRIC_FBETA = -1 };

typedef struct trm__tally {
    size_t k;
    double *tp, *row, *col; /* k values each, one zeroed allocation owned by the tally */
    double *tn;             /* k true negatives, found by the producer from exact counts
                               where it has them: total - row - col + tp in doubles
                               cancels to nonsense (even below zero) past 2^53 */
    double total;           /* samples (or total weight) behind every class */
    const trm_allocator *alloc;
} trm__tally;

/* Allocates k zeroed classes; reports TRM_E_NOMEM against func. */
int trm__tally_alloc(const char *func, const trm_allocator *alloc, size_t k, trm__tally *t);
void trm__tally_free(trm__tally *t);

/* The true negatives of weight sums, from total, tp, row and col: rounding can
 * take total - tp - fp - fn below zero, and such a tn is zero. */
void trm__tally_weighted_tn(trm__tally *t);

/* Validation of the enum arguments, reported against func. */
int trm__check_metric(const char *func, int metric, int zero_division);
int trm__check_beta(const char *func, double beta, int zero_division);
int trm__check_average(const char *func, int average, int allow_samples);

double trm__zero_division_value(int zero_division);
/* metric may be TRM__METRIC_FBETA, which reads beta. */
double trm__class_metric(const trm__tally *t, size_t c, int metric, double beta, int zero_division);
int trm__class_undefined(const trm__tally *t, size_t c, int metric);
/* MACRO, MICRO, WEIGHTED or MACRO_PRESENT; SUPPORT averages to the sum of supports. */
double trm__tally_average(const trm__tally *t, int metric, double beta, int average, int zero_division);

/* Fills a tally from its producer (a dense or sparse confusion matrix, a
 * multilabel accumulator), reporting failures against func. */
typedef int (*trm__tally_source)(const char *func, const void *source, trm__tally *t);

/* The per-class query every producer offers: validate the metric (or, for
 * F-beta, beta) and zero_division, tally the source, write one value per
 * class to out. */
int trm__tally_per_class_of(const char *func, trm__tally_source open, const void *source, bool fbeta, int metric,
                            double beta, int zero_division, double *out);
/* The same for one average (MACRO, MICRO, WEIGHTED or MACRO_PRESENT). */
int trm__tally_average_of(const char *func, trm__tally_source open, const void *source, bool fbeta, int metric,
                          double beta, int average, int zero_division, double *out);

/* Scalar scores of a tally with total > 0 (tally-scores.c), scikit-learn's:
 * accuracy, balanced accuracy (classes without true samples left out;
 * adjusted 0 or 1) and the Matthews coefficient (0 on a zero denominator). */
double trm__tally_accuracy(const trm__tally *t);
double trm__tally_balanced_accuracy(const trm__tally *t, int adjusted);
double trm__tally_matthews(const trm__tally *t);

#endif /* TRM_TALLY_PRIVATE_H */
