/* SPDX-License-Identifier: MIT */
/* Metrics derived from a confusion matrix: its one-vs-rest tally feeds the
 * shared per-class machinery of tally.c; the scalar scores (accuracy, balanced
 * accuracy, kappa, MCC) follow scikit-learn's formulas term by term. */
#include "fp-private.h"
#include <math.h>
#include <string.h>

#include "common-private.h"
#include "confusion-private.h"
#include "tally-private.h"
#include "trainmetrics/metrics.h"

typedef trm__tally tally;

/* Row sums, column sums, the diagonal and the true negatives of the matrix,
 * computed once per query. Counts are summed as integers (the total fits in
 * 64 bits), so tn = total - row - col + tp is exact before its one rounding;
 * weight sums round, and a tn that rounding took below zero is zero. */
static int tally_open(const char *func, const void *source, tally *t)
{
    trm__cells cells = trm__confusion_cells(source);
    size_t k = cells.k;
    int rc = trm__tally_alloc(func, cells.alloc, k, t);
    if (rc != TRM_OK)
        return rc;
    if (cells.counts) {
        /* one row-major pass; the integer row and column sums wait in the
         * (zeroed) storage of row and tn, which have the width of uint64_t */
        uint64_t total = 0;
        for (size_t r = 0; r < k; r++) {
            uint64_t row = 0;
            for (size_t c = 0; c < k; c++) {
                uint64_t v = cells.counts[r * k + c], col;
                row += v;
                memcpy(&col, t->tn + c, sizeof col);
                col += v;
                memcpy(t->tn + c, &col, sizeof col);
            }
            memcpy(t->row + r, &row, sizeof row);
            total += row;
        }
        for (size_t r = 0; r < k; r++) {
            uint64_t row, col, tp = cells.counts[r * k + r];
            memcpy(&row, t->row + r, sizeof row);
            memcpy(&col, t->tn + r, sizeof col);
            t->tp[r] = (double)tp;
            t->row[r] = (double)row;
            t->col[r] = (double)col;
            t->tn[r] = (double)(total - row - col + tp);
        }
        t->total = (double)total;
        return TRM_OK;
    }
    for (size_t r = 0; r < k; r++) {
        for (size_t c = 0; c < k; c++) {
            double v = cells.weights[r * k + c];
            t->row[r] += v;
            t->col[c] += v;
        }
        t->tp[r] = cells.weights[r * k + r];
        t->total += t->row[r];
    }
    trm__tally_weighted_tn(t);
    return TRM_OK;
}

static int metric_per_class_in(const char *func, const trm_confusion *cm, int metric, int zero_division,
                               double *out)
{
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, out);
    return trm__tally_per_class_of(func, tally_open, cm, false, metric, 1.0, zero_division, out);
}

int trm_metric_per_class(const trm_confusion *cm, int metric, int zero_division, double *out)
{
    return metric_per_class_in(__func__, cm, metric, zero_division, out);
}

int trm_confusion_metric_per_class(const trm_confusion *cm, int metric, int zero_division, double *out)
{
    return metric_per_class_in(__func__, cm, metric, zero_division, out);
}

static int metric_average_in(const char *func, const trm_confusion *cm, int metric, int average,
                             int zero_division, double *out)
{
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, out);
    return trm__tally_average_of(func, tally_open, cm, false, metric, 1.0, average, zero_division, out);
}

int trm_metric_average(const trm_confusion *cm, int metric, int average, int zero_division, double *out)
{
    return metric_average_in(__func__, cm, metric, average, zero_division, out);
}

int trm_confusion_metric_average(const trm_confusion *cm, int metric, int average, int zero_division,
                                 double *out)
{
    return metric_average_in(__func__, cm, metric, average, zero_division, out);
}

static int metric_undefined_in(const char *func, const trm_confusion *cm, int metric, uint8_t *out)
{
    tally t;
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, out);
    int rc = trm__check_metric(func, metric, TRM_ZERO_DIVISION_ZERO);
    if (rc == TRM_OK)
        rc = tally_open(func, cm, &t);
    if (rc != TRM_OK)
        return rc;
    for (size_t c = 0; c < t.k; c++)
        out[c] = (uint8_t)trm__class_undefined(&t, c, metric);
    trm__tally_free(&t);
    return TRM_OK;
}

int trm_metric_undefined(const trm_confusion *cm, int metric, uint8_t *out)
{
    return metric_undefined_in(__func__, cm, metric, out);
}

int trm_confusion_metric_undefined(const trm_confusion *cm, int metric, uint8_t *out)
{
    return metric_undefined_in(__func__, cm, metric, out);
}

static int fbeta_per_class_in(const char *func, const trm_confusion *cm, double beta, int zero_division,
                              double *out)
{
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, out);
    return trm__tally_per_class_of(func, tally_open, cm, true, 0, beta, zero_division, out);
}

int trm_fbeta_per_class(const trm_confusion *cm, double beta, int zero_division, double *out)
{
    return fbeta_per_class_in(__func__, cm, beta, zero_division, out);
}

int trm_confusion_fbeta_per_class(const trm_confusion *cm, double beta, int zero_division, double *out)
{
    return fbeta_per_class_in(__func__, cm, beta, zero_division, out);
}

static int fbeta_average_in(const char *func, const trm_confusion *cm, double beta, int average,
                            int zero_division, double *out)
{
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, out);
    return trm__tally_average_of(func, tally_open, cm, true, 0, beta, average, zero_division, out);
}

int trm_fbeta_average(const trm_confusion *cm, double beta, int average, int zero_division, double *out)
{
    return fbeta_average_in(__func__, cm, beta, average, zero_division, out);
}

int trm_confusion_fbeta_average(const trm_confusion *cm, double beta, int average, int zero_division,
                                double *out)
{
    return fbeta_average_in(__func__, cm, beta, average, zero_division, out);
}

/* The scalar scores share one shape: validate, tally a non-empty matrix,
 * compute from the tally (and, for kappa, the cells), release. */
typedef double (*scalar_score)(const tally *t, const trm_confusion *cm, int option);

static int score_matrix(const char *func, const trm_confusion *cm, double *out, scalar_score score,
                        int option)
{
    tally t;
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, out);
    int rc = tally_open(func, cm, &t);
    if (rc != TRM_OK)
        return rc;
    if (t.total == 0.0)
        rc = trm__fail(TRM_E_EMPTY, func, "the confusion matrix is empty");
    else
        *out = score(&t, cm, option);
    trm__tally_free(&t);
    return rc;
}

static double accuracy_of(const tally *t, const trm_confusion *cm, int option)
{
    (void)cm;
    (void)option;
    return trm__tally_accuracy(t);
}

static double balanced_accuracy_of(const tally *t, const trm_confusion *cm, int adjusted)
{
    (void)cm;
    return trm__tally_balanced_accuracy(t, adjusted);
}

static double kappa_weight(int weighting, size_t i, size_t j)
{
    double d = i > j ? (double)(i - j) : (double)(j - i);
    switch (weighting) {
    case TRM_KAPPA_LINEAR: return d;
    case TRM_KAPPA_QUADRATIC: return d * d;
    default: return d != 0.0;
    }
}

/* kappa = 1 - sum(w * observed) / sum(w * expected), with expected[i][j] =
 * col[i] * row[j] / n as scikit-learn's outer(sum0, sum1) / n; 0/0 gives NaN. */
static double kappa_of(const tally *t, const trm_confusion *cm, int weighting)
{
    trm__cells cells = trm__confusion_cells(cm);
    double observed = 0.0, expected = 0.0;
    for (size_t i = 0; i < t->k; i++) {
        for (size_t j = 0; j < t->k; j++) {
            double w = kappa_weight(weighting, i, j);
            observed += w * trm__cell(&cells, i * t->k + j);
            expected += w * (t->col[i] * t->row[j] / t->total);
        }
    }
    return 1.0 - observed / expected;
}

static double matthews_of(const tally *t, const trm_confusion *cm, int option)
{
    (void)cm;
    (void)option;
    return trm__tally_matthews(t);
}

static int accuracy_in(const char *func, const trm_confusion *cm, double *out)
{
    return score_matrix(func, cm, out, accuracy_of, 0);
}

int trm_accuracy(const trm_confusion *cm, double *out)
{
    return accuracy_in(__func__, cm, out);
}

int trm_confusion_accuracy(const trm_confusion *cm, double *out)
{
    return accuracy_in(__func__, cm, out);
}

static int balanced_accuracy_in(const char *func, const trm_confusion *cm, int adjusted, double *out)
{
    if (adjusted != 0 && adjusted != 1)
        return TRM_FAIL_IN(func, TRM_E_INVALID, "adjusted = %d must be 0 or 1", adjusted);
    return score_matrix(func, cm, out, balanced_accuracy_of, adjusted);
}

int trm_balanced_accuracy(const trm_confusion *cm, int adjusted, double *out)
{
    return balanced_accuracy_in(__func__, cm, adjusted, out);
}

int trm_confusion_balanced_accuracy(const trm_confusion *cm, int adjusted, double *out)
{
    return balanced_accuracy_in(__func__, cm, adjusted, out);
}

static int cohen_kappa_in(const char *func, const trm_confusion *cm, int weighting, double *out)
{
    if (weighting < TRM_KAPPA_NONE || weighting > TRM_KAPPA_QUADRATIC)
        return TRM_FAIL_IN(func, TRM_E_INVALID, "unknown kappa weighting %d", weighting);
    return score_matrix(func, cm, out, kappa_of, weighting);
}

int trm_cohen_kappa(const trm_confusion *cm, int weighting, double *out)
{
    return cohen_kappa_in(__func__, cm, weighting, out);
}

int trm_confusion_cohen_kappa(const trm_confusion *cm, int weighting, double *out)
{
    return cohen_kappa_in(__func__, cm, weighting, out);
}

static int matthews_corrcoef_in(const char *func, const trm_confusion *cm, double *out)
{
    return score_matrix(func, cm, out, matthews_of, 0);
}

int trm_matthews_corrcoef(const trm_confusion *cm, double *out)
{
    return matthews_corrcoef_in(__func__, cm, out);
}

int trm_confusion_matthews_corrcoef(const trm_confusion *cm, double *out)
{
    return matthews_corrcoef_in(__func__, cm, out);
}
