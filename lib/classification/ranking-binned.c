/* SPDX-License-Identifier: MIT */
/* Binned-mode curves: torchmetrics' multi-threshold confusion matrices,
 * read from the per-bin counts. At threshold t_i the predicted positives are
 * the samples of bins i + 1 .. T (score >= t_i); rates divide 0/0 as 0
 * (torchmetrics' _safe_divide). */
#include "fp-private.h"

#include "ranking-private.h"

/* The positives (or negatives) of a column, or of all columns, in bin j. */
static uint64_t bin_count(const trm_ranking *h, size_t column, bool positive, size_t j)
{
    const size_t width = h->n_thresholds + 1;
    const uint64_t *base = h->bins + (positive ? 0 : h->columns * width);
    if (column != TRM_RANKING_MICRO)
        return base[column * width + j];
    uint64_t sum = 0;
    for (size_t c = 0; c < h->columns; c++)
        sum += base[c * width + j];
    return sum;
}

static double safe_divide(double a, double b)
{
    return b == 0.0 ? 0.0 : a / b;
}

/* Walks the thresholds from the highest down, handing each its tp and fp. */
typedef struct walk {
    const trm_ranking *h;
    size_t column;
    size_t next;      /* the threshold index of the next step, counting down */
    uint64_t tp, fp;  /* samples at or above threshold next + 1 */
} walk;

static walk walk_begin(const trm_ranking *h, size_t column)
{
    walk w = { h, column, h->n_thresholds, 0, 0 };
    return w;
}

/* Moves to threshold w->next - 1 and returns its index. */
static size_t walk_step(walk *w)
{
    size_t i = --w->next;
    w->tp += bin_count(w->h, w->column, true, i + 1);
    w->fp += bin_count(w->h, w->column, false, i + 1);
    return i;
}

static uint64_t total(const trm_ranking *h, size_t column, bool positive)
{
    uint64_t sum = 0;
    for (size_t j = 0; j <= h->n_thresholds; j++)
        sum += bin_count(h, column, positive, j);
    return sum;
}

uint64_t trm__binned_positives(const trm_ranking *h, size_t column)
{
    return total(h, column, true);
}

double trm__binned_roc_auc(const trm_ranking *h, size_t column)
{
    const double p = (double)total(h, column, true), q = (double)total(h, column, false);
    walk w = walk_begin(h, column);
    walk_step(&w);
    double x0 = safe_divide((double)w.fp, q), y0 = safe_divide((double)w.tp, p), area = 0.0;
    while (w.next > 0) {
        walk_step(&w);
        double x1 = safe_divide((double)w.fp, q), y1 = safe_divide((double)w.tp, p);
        area += ((x1 - x0) * (y1 + y0)) / 2.0;
        x0 = x1;
        y0 = y1;
    }
    return area;
}

double trm__binned_average_precision(const trm_ranking *h, size_t column)
{
    /* -sum_i (R_{i+1} - R_i) P_i over increasing thresholds with R_T = 0, P_T = 1,
     * summed from the top threshold down (the order the counts accumulate in). */
    const double p = (double)total(h, column, true);
    walk w = walk_begin(h, column);
    double r_above = 0.0, sum = 0.0;
    while (w.next > 0) {
        walk_step(&w);
        double r = safe_divide((double)w.tp, p), precision = safe_divide((double)w.tp, (double)(w.tp + w.fp));
        sum += (r_above - r) * precision;
        r_above = r;
    }
    return -sum;
}

int trm__binned_roc_points(const char *func, const trm_ranking *h, size_t column, double *fpr, double *tpr,
                           double *thr, size_t cap, size_t *n)
{
    const size_t t = h->n_thresholds;
    *n = t;
    if (fpr == NULL || tpr == NULL || thr == NULL || cap < t)
        return trm__fail(TRM_E_BUFFER, func, "the curve has %zu points; the arrays hold %zu", t, cap);
    const double p = (double)total(h, column, true), q = (double)total(h, column, false);
    walk w = walk_begin(h, column);
    for (size_t k = 0; k < t; k++) {
        size_t i = walk_step(&w);
        fpr[k] = safe_divide((double)w.fp, q);
        tpr[k] = safe_divide((double)w.tp, p);
        thr[k] = h->thresholds[i];
    }
    return TRM_OK;
}

int trm__binned_pr_points(const char *func, const trm_ranking *h, size_t column, double *precision,
                          double *recall, double *thr, size_t cap, size_t *n)
{
    const size_t t = h->n_thresholds;
    *n = t + 1;
    if (precision == NULL || recall == NULL || thr == NULL || cap < t + 1)
        return trm__fail(TRM_E_BUFFER, func, "the curve has %zu points; the arrays hold %zu", t + 1, cap);
    const double p = (double)total(h, column, true);
    walk w = walk_begin(h, column);
    for (size_t k = t; k-- > 0;) {
        size_t i = walk_step(&w);
        precision[k] = safe_divide((double)w.tp, (double)(w.tp + w.fp));
        recall[k] = safe_divide((double)w.tp, p);
        thr[k] = h->thresholds[i];
    }
    precision[t] = 1.0;
    recall[t] = 0.0;
    return TRM_OK;
}
