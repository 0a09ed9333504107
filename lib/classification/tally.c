/* SPDX-License-Identifier: MIT */
/* Per-class metrics from one-vs-rest tallies. Formulas follow scikit-learn >= 1.4
 * term by term (precision = tp / pred_sum, F-beta = (1+b^2)tp / (b^2 true_sum +
 * pred_sum), ...) so that results agree to rounding, not just in value. */
#include "fp-private.h"
#include <math.h>

#include "common-private.h"
#include "tally-private.h"

/* What every per-class metric is made of; the pooled (micro) class sums
 * each over the classes. */
typedef struct class_counts {
    double tp, row, col, tn;
} class_counts;

typedef struct ratio {
    double num, den;
} ratio;

int trm__tally_alloc(const char *func, const trm_allocator *alloc, size_t k, trm__tally *t)
{
    size_t bytes;
    if (trm__mul_overflows(k, 4 * sizeof(double), &bytes))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu classes of totals overflow size_t", k);
    double *block = trm__alloc_zeroed(alloc, bytes);
    if (block == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes of class totals", bytes);
    *t = (trm__tally){ k, block, block + k, block + 2 * k, block + 3 * k, 0.0, alloc };
    return TRM_OK;
}

void trm__tally_free(trm__tally *t)
{
    trm__free(t->alloc, t->tp);
}

void trm__tally_weighted_tn(trm__tally *t)
{
    for (size_t r = 0; r < t->k; r++)
        t->tn[r] = fmax(t->total - t->tp[r] - (t->col[r] - t->tp[r]) - (t->row[r] - t->tp[r]), 0.0);
}

static class_counts class_of(const trm__tally *t, size_t c)
{
    return (class_counts){ t->tp[c], t->row[c], t->col[c], t->tn[c] };
}

static class_counts pooled(const trm__tally *t)
{
    class_counts p = { 0.0, 0.0, 0.0, 0.0 };
    for (size_t c = 0; c < t->k; c++) {
        p.tp += t->tp[c];
        p.row += t->row[c];
        p.col += t->col[c];
        p.tn += t->tn[c];
    }
    return p;
}

static ratio metric_ratio(int metric, double beta, class_counts c)
{
    double fp = c.col - c.tp, fn = c.row - c.tp, tn = c.tn;
    switch (metric) {
    case TRM_PRECISION: return (ratio){ c.tp, c.col };
    case TRM_RECALL: return (ratio){ c.tp, c.row };
    case TRM_F1: return metric_ratio(TRM__METRIC_FBETA, 1.0, c);
    case TRM_SPECIFICITY: return (ratio){ tn, tn + fp };
    case TRM_NPV: return (ratio){ tn, tn + fn };
    case TRM_FPR: return (ratio){ fp, fp + tn };
    case TRM_FNR: return (ratio){ fn, c.row };
    case TRM_JACCARD: return (ratio){ c.tp, c.row + c.col - c.tp };
    case TRM_SUPPORT: return (ratio){ c.row, 1.0 };
    default: /* TRM__METRIC_FBETA: beta = 0 is precision, and as beta^2 reaches Inf, recall */
        if (isinf(beta * beta))
            return (ratio){ c.tp, c.row };
        return (ratio){ (1.0 + beta * beta) * c.tp, beta * beta * c.row + c.col };
    }
}

double trm__zero_division_value(int zero_division)
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
    return r.den != 0.0 ? r.num / r.den : trm__zero_division_value(zero_division);
}

int trm__check_metric(const char *func, int metric, int zero_division)
{
    if (metric < TRM_PRECISION || metric > TRM_SUPPORT)
        return trm__fail(TRM_E_INVALID, func, "unknown metric %d", metric);
    if (zero_division < TRM_ZERO_DIVISION_ZERO || zero_division > TRM_ZERO_DIVISION_NAN)
        return trm__fail(TRM_E_INVALID, func, "unknown zero_division %d", zero_division);
    return TRM_OK;
}

int trm__check_beta(const char *func, double beta, int zero_division)
{
    if (!(beta >= 0.0))
        return trm__fail(TRM_E_INVALID, func, "beta = %g must be >= 0", beta);
    return trm__check_metric(func, TRM_F1, zero_division);
}

int trm__check_average(const char *func, int average, int allow_samples)
{
    if (average == TRM_AVERAGE_SAMPLES && !allow_samples)
        return trm__fail(TRM_E_INVALID, func, "the SAMPLES average applies to multilabel data only");
    if (average < TRM_AVERAGE_MACRO || average > (allow_samples ? TRM_AVERAGE_SAMPLES : TRM_AVERAGE_MACRO_PRESENT))
        return trm__fail(TRM_E_INVALID, func, "unknown average %d", average);
    return TRM_OK;
}

double trm__class_metric(const trm__tally *t, size_t c, int metric, double beta, int zero_division)
{
    return metric_value(metric, beta, zero_division, class_of(t, c));
}

int trm__class_undefined(const trm__tally *t, size_t c, int metric)
{
    return metric_ratio(metric, 1.0, class_of(t, c)).den == 0.0;
}

/* scikit-learn's _nanaverage: NaN values leave together with their weights; a
 * weighted mean whose weights are all zero falls back to the plain mean. When
 * nothing is left (no class present, or all NaN) the result is the
 * zero_division value. */
static double class_average(const trm__tally *t, int metric, double beta, int average, int zero_division)
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
        return trm__zero_division_value(zero_division);
    return weight_sum != 0.0 ? weighted_sum / weight_sum : sum / (double)used;
}

double trm__tally_average(const trm__tally *t, int metric, double beta, int average, int zero_division)
{
    if (metric == TRM_SUPPORT) {
        double support = 0.0;
        for (size_t c = 0; c < t->k; c++)
            support += t->row[c];
        return support;
    }
    if (average == TRM_AVERAGE_MICRO)
        return metric_value(metric, beta, zero_division, pooled(t));
    return class_average(t, metric, beta, average, zero_division);
}

/* An F-beta query reads beta and ignores metric; any other validates metric,
 * so that no caller's metric id can select F-beta. */
static int check_query(const char *func, bool fbeta, int metric, double beta, int zero_division)
{
    return fbeta ? trm__check_beta(func, beta, zero_division) : trm__check_metric(func, metric, zero_division);
}

int trm__tally_per_class_of(const char *func, trm__tally_source open, const void *source, bool fbeta, int metric,
                            double beta, int zero_division, double *out)
{
    trm__tally t;
    int rc = check_query(func, fbeta, metric, beta, zero_division);
    if (rc == TRM_OK)
        rc = open(func, source, &t);
    if (rc != TRM_OK)
        return rc;
    for (size_t c = 0; c < t.k; c++)
        out[c] = trm__class_metric(&t, c, fbeta ? TRM__METRIC_FBETA : metric, beta, zero_division);
    trm__tally_free(&t);
    return TRM_OK;
}

int trm__tally_average_of(const char *func, trm__tally_source open, const void *source, bool fbeta, int metric,
                          double beta, int average, int zero_division, double *out)
{
    trm__tally t;
    int rc = check_query(func, fbeta, metric, beta, zero_division);
    if (rc == TRM_OK)
        rc = trm__check_average(func, average, 0);
    if (rc == TRM_OK)
        rc = open(func, source, &t);
    if (rc != TRM_OK)
        return rc;
    *out = trm__tally_average(&t, fbeta ? TRM__METRIC_FBETA : metric, beta, average, zero_division);
    trm__tally_free(&t);
    return TRM_OK;
}
