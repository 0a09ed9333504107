/* SPDX-License-Identifier: MIT */
/* The scalar scores that depend on per-class totals only (accuracy, balanced
 * accuracy, MCC), shared by the dense and the sparse confusion matrix; their
 * formulas follow scikit-learn term by term. */
#include "fp-private.h"
#include <math.h>

#include "tally-private.h"

double trm__tally_accuracy(const trm__tally *t)
{
    double correct = 0.0;
    for (size_t c = 0; c < t->k; c++)
        correct += t->tp[c];
    return correct / t->total;
}

/* Classes absent from y_true have no recall and are left out, as in scikit-learn. */
double trm__tally_balanced_accuracy(const trm__tally *t, int adjusted)
{
    double sum = 0.0;
    size_t n = 0;
    for (size_t c = 0; c < t->k; c++) {
        if (t->row[c] > 0.0) {
            sum += t->tp[c] / t->row[c];
            n++;
        }
    }
    double score = sum / (double)n;
    if (!adjusted)
        return score;
    double chance = 1.0 / (double)n;
    return (score - chance) / (1.0 - chance);
}

double trm__tally_matthews(const trm__tally *t)
{
    double correct = 0.0, true_dot_pred = 0.0, pred_dot_pred = 0.0, true_dot_true = 0.0;
    for (size_t c = 0; c < t->k; c++) {
        correct += t->tp[c];
        true_dot_pred += t->row[c] * t->col[c];
        pred_dot_pred += t->col[c] * t->col[c];
        true_dot_true += t->row[c] * t->row[c];
    }
    double n = t->total;
    double cov_true_pred = correct * n - true_dot_pred;
    double cov_pred_pred = n * n - pred_dot_pred;
    double cov_true_true = n * n - true_dot_true;
    double denominator = cov_pred_pred * cov_true_true;
    /* scikit-learn's formula; its differences of squares cancel for totals
     * past 2^53 or tiny weights, and a correlation outside [-1, 1] is only
     * that rounding (the fuzzer found -1.0000019), so it is held to the range. */
    return denominator == 0.0 ? 0.0 : fmax(-1.0, fmin(1.0, cov_true_pred / sqrt(denominator)));
}
