/* SPDX-License-Identifier: MIT */
/* Metrics derived from a confusion matrix. Formulas follow scikit-learn >= 1.4
 * term by term (precision = tp / pred_sum, F-beta = (1+b^2)tp / (b^2 true_sum +
 * pred_sum), ...) so that results agree to rounding, not just in value. */
#include <math.h>
#include <string.h>

#include "common-private.h"
#include "confusion-private.h"
#include "trainmetrics/metrics.h"

/* F-beta shares the per-class machinery with the enum metrics under a private id. */
enum { METRIC_FBETA = -1 };

/* What every per-class metric is made of. For the pooled (micro) class the
 * total is K times the matrix total, so that tn pools as well. */
typedef struct class_counts {
    double tp, row, col, total;
} class_counts;

/* Row sums, column sums and the diagonal, computed once per query. */
typedef struct tally {
    size_t k;
    double *tp, *row, *col; /* K values each, one allocation owned by the tally */
    double total;
    const trm_allocator *alloc;
} tally;

typedef struct ratio {
    double num, den;
} ratio;

static int tally_open(const char *func, const trm_confusion *cm, tally *t)
{
    trm__cells cells = trm__confusion_cells(cm);
    size_t k = cells.k;
    /* 3*K doubles cannot overflow: K*K*8 bytes of cells already exist (and for
     * K < 3, 24*K is tiny). */
    double *block = trm__alloc_zeroed(cells.alloc, 3 * k * sizeof(double));
    if (block == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes of class totals",
                         3 * k * sizeof(double));
    *t = (tally){ k, block, block + k, block + 2 * k, 0.0, cells.alloc };
    for (size_t r = 0; r < k; r++) {
        for (size_t c = 0; c < k; c++) {
            double v = trm__cell(&cells, r * k + c);
            t->row[r] += v;
            t->col[c] += v;
        }
        t->tp[r] = trm__cell(&cells, r * k + r);
        t->total += t->row[r];
    }
    return TRM_OK;
}

static void tally_close(tally *t)
{
    trm__free(t->alloc, t->tp);
}

static class_counts class_of(const tally *t, size_t c)
{
    return (class_counts){ t->tp[c], t->row[c], t->col[c], t->total };
}

static class_counts pooled(const tally *t)
{
    class_counts p = { 0.0, 0.0, 0.0, (double)t->k * t->total };
    for (size_t c = 0; c < t->k; c++) {
        p.tp += t->tp[c];
        p.row += t->row[c];
        p.col += t->col[c];
    }
    return p;
}

static ratio metric_ratio(int metric, double beta, class_counts c)
{
    double fp = c.col - c.tp, fn = c.row - c.tp, tn = c.total - c.tp - fp - fn;
    switch (metric) {
    case TRM_PRECISION: return (ratio){ c.tp, c.col };
    case TRM_RECALL: return (ratio){ c.tp, c.row };
    case TRM_F1: return metric_ratio(METRIC_FBETA, 1.0, c);
    case TRM_SPECIFICITY: return (ratio){ tn, tn + fp };
    case TRM_NPV: return (ratio){ tn, tn + fn };
    case TRM_FPR: return (ratio){ fp, fp + tn };
    case TRM_FNR: return (ratio){ fn, c.row };
    case TRM_JACCARD: return (ratio){ c.tp, c.row + c.col - c.tp };
    case TRM_SUPPORT: return (ratio){ c.row, 1.0 };
    default: /* METRIC_FBETA: beta = 0 is precision, and as beta^2 reaches Inf, recall */
        if (isinf(beta * beta))
            return (ratio){ c.tp, c.row };
        return (ratio){ (1.0 + beta * beta) * c.tp, beta * beta * c.row + c.col };
    }
}

static double zero_division_value(int zero_division)
{
    switch (zero_division) {
    case TRM_ZERO_DIVISION_ONE: return 1.0;
    case TRM_ZERO_DIVISION_NAN: return NAN;
    default: return 0.0;
    }
}

/* Returns the metric, or the zero_division value when the denominator is 0. */
static double metric_value(int metric, double beta, int zero_division, class_counts c)
{
    ratio r = metric_ratio(metric, beta, c);
    return r.den != 0.0 ? r.num / r.den : zero_division_value(zero_division);
}

static int check_metric(const char *func, int metric, int zero_division)
{
    if (metric < TRM_PRECISION || metric > TRM_SUPPORT)
        return trm__fail(TRM_E_INVALID, func, "unknown metric %d", metric);
    if (zero_division < TRM_ZERO_DIVISION_ZERO || zero_division > TRM_ZERO_DIVISION_NAN)
        return trm__fail(TRM_E_INVALID, func, "unknown zero_division %d", zero_division);
    return TRM_OK;
}

static int check_beta(const char *func, double beta, int zero_division)
{
    if (!(beta >= 0.0))
        return trm__fail(TRM_E_INVALID, func, "beta = %g must be >= 0", beta);
    return check_metric(func, TRM_F1, zero_division);
}

static int check_average(const char *func, int average)
{
    if (average == TRM_AVERAGE_SAMPLES)
        return trm__fail(TRM_E_INVALID, func, "the SAMPLES average applies to multilabel data only");
    if (average < TRM_AVERAGE_MACRO || average > TRM_AVERAGE_MACRO_PRESENT)
        return trm__fail(TRM_E_INVALID, func, "unknown average %d", average);
    return TRM_OK;
}

static int per_class(const char *func, const trm_confusion *cm, int metric, double beta,
                     int zero_division, double *out)
{
    tally t;
    int rc = tally_open(func, cm, &t);
    if (rc != TRM_OK)
        return rc;
    for (size_t c = 0; c < t.k; c++)
        out[c] = metric_value(metric, beta, zero_division, class_of(&t, c));
    tally_close(&t);
    return TRM_OK;
}

/* scikit-learn's _nanaverage: NaN values leave together with their weights; a
 * weighted mean whose weights are all zero falls back to the plain mean. When
 * nothing is left (no class present, or all NaN) the result is the
 * zero_division value. */
static double class_average(const tally *t, int metric, double beta, int average, int zero_division)
{
    double sum = 0.0, weighted_sum = 0.0, weight_sum = 0.0;
    size_t used = 0;
    for (size_t c = 0; c < t->k; c++) {
        if (average == TRM_AVERAGE_MACRO_PRESENT && t->row[c] + t->col[c] == 0.0)
            continue;
        double v = metric_value(metric, beta, zero_division, class_of(t, c));
        if (isnan(v))
            continue;
        double w = average == TRM_AVERAGE_WEIGHTED ? t->row[c] : 1.0;
        sum += v;
        weighted_sum += w * v;
        weight_sum += w;
        used++;
    }
    if (used == 0)
        return zero_division_value(zero_division);
    return weight_sum != 0.0 ? weighted_sum / weight_sum : sum / (double)used;
}

static int average_of(const char *func, const trm_confusion *cm, int metric, double beta, int average,
                      int zero_division, double *out)
{
    tally t;
    int rc = tally_open(func, cm, &t);
    if (rc != TRM_OK)
        return rc;
    if (metric == TRM_SUPPORT)
        *out = t.total;
    else if (average == TRM_AVERAGE_MICRO)
        *out = metric_value(metric, beta, zero_division, pooled(&t));
    else
        *out = class_average(&t, metric, beta, average, zero_division);
    tally_close(&t);
    return TRM_OK;
}

int trm_metric_per_class(const trm_confusion *cm, int metric, int zero_division, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    int rc = check_metric(__func__, metric, zero_division);
    return rc != TRM_OK ? rc : per_class(__func__, cm, metric, 1.0, zero_division, out);
}

int trm_metric_average(const trm_confusion *cm, int metric, int average, int zero_division, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    int rc = check_metric(__func__, metric, zero_division);
    if (rc == TRM_OK)
        rc = check_average(__func__, average);
    return rc != TRM_OK ? rc : average_of(__func__, cm, metric, 1.0, average, zero_division, out);
}

int trm_metric_undefined(const trm_confusion *cm, int metric, uint8_t *out)
{
    tally t;
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    int rc = check_metric(__func__, metric, TRM_ZERO_DIVISION_ZERO);
    if (rc == TRM_OK)
        rc = tally_open(__func__, cm, &t);
    if (rc != TRM_OK)
        return rc;
    for (size_t c = 0; c < t.k; c++)
        out[c] = metric_ratio(metric, 1.0, class_of(&t, c)).den == 0.0;
    tally_close(&t);
    return TRM_OK;
}

int trm_fbeta_per_class(const trm_confusion *cm, double beta, int zero_division, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    int rc = check_beta(__func__, beta, zero_division);
    return rc != TRM_OK ? rc : per_class(__func__, cm, METRIC_FBETA, beta, zero_division, out);
}

int trm_fbeta_average(const trm_confusion *cm, double beta, int average, int zero_division, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    int rc = check_beta(__func__, beta, zero_division);
    if (rc == TRM_OK)
        rc = check_average(__func__, average);
    return rc != TRM_OK ? rc : average_of(__func__, cm, METRIC_FBETA, beta, average, zero_division, out);
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
    tally_close(&t);
    return rc;
}

static double accuracy_of(const tally *t, const trm_confusion *cm, int option)
{
    (void)cm;
    (void)option;
    double correct = 0.0;
    for (size_t c = 0; c < t->k; c++)
        correct += t->tp[c];
    return correct / t->total;
}

/* Classes absent from y_true have no recall and are left out, as in scikit-learn. */
static double balanced_accuracy_of(const tally *t, const trm_confusion *cm, int adjusted)
{
    (void)cm;
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
    return denominator == 0.0 ? 0.0 : cov_true_pred / sqrt(denominator);
}

int trm_accuracy(const trm_confusion *cm, double *out)
{
    return score_matrix(__func__, cm, out, accuracy_of, 0);
}

int trm_balanced_accuracy(const trm_confusion *cm, int adjusted, double *out)
{
    if (adjusted != 0 && adjusted != 1)
        return TRM_FAIL(TRM_E_INVALID, "adjusted = %d must be 0 or 1", adjusted);
    return score_matrix(__func__, cm, out, balanced_accuracy_of, adjusted);
}

int trm_cohen_kappa(const trm_confusion *cm, int weighting, double *out)
{
    if (weighting < TRM_KAPPA_NONE || weighting > TRM_KAPPA_QUADRATIC)
        return TRM_FAIL(TRM_E_INVALID, "unknown kappa weighting %d", weighting);
    return score_matrix(__func__, cm, out, kappa_of, weighting);
}

int trm_matthews_corrcoef(const trm_confusion *cm, double *out)
{
    return score_matrix(__func__, cm, out, matthews_of, 0);
}
