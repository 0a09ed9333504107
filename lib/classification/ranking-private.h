/* SPDX-License-Identifier: MIT */
/* The ranking handle shared by its three files: ranking.c (life cycle,
 * validation, updates, blob, queries), ranking-exact.c (scikit-learn's curves
 * from the kept samples) and ranking-binned.c (torchmetrics' binned curves
 * from the counts). */
#ifndef TRM_RANKING_PRIVATE_H
#define TRM_RANKING_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common-private.h"
#include "trainmetrics/ranking.h"

struct trm_ranking {
    trm_allocator alloc; /* copy of the creator's hooks; alloc == NULL means malloc */
    int mode;            /* TRM_RANKING_EXACT or TRM_RANKING_BINNED */
    int task;            /* TRM_RANKING_BINARY, _MULTICLASS or _MULTILABEL */
    size_t columns;      /* C: 1 binary, K >= 2 multiclass, L >= 1 multilabel */
    uint64_t n;          /* samples accumulated */

    /* Exact mode. The first n of capacity rows are the samples in arrival
     * order (merge appends), which is also the tie order scikit-learn sees.
     * One block from alloc holds scores (capacity x C f64, finite), weights
     * (capacity f64, finite, >= 0) and targets (capacity x C bytes, 0 or 1;
     * a multiclass row has exactly one 1). NULL while capacity is 0. */
    size_t capacity;
    void *rows;
    double *scores;
    double *weights;
    uint8_t *targets;
    double total_weight; /* sum of the n weights, <= TRM__RANKING_MAX_WEIGHT */

    /* Binned mode: T strictly increasing finite thresholds, then for each
     * column c and bin j in [0, T] the positives (bins[c (T+1) + j]) and, after
     * all columns, the negatives whose score passes exactly j thresholds
     * (t_{j-1} <= score < t_j). For every column positives + negatives = n.
     * Both arrays live in the handle's own block. */
    size_t n_thresholds;
    double *thresholds;
    uint64_t *bins;
};

/* A sum of weights that stays finite whatever the metrics multiply it by. */
#define TRM__RANKING_MAX_WEIGHT 0x1p500

/* Orders doubles by value as unsigned integers, with -0 and +0 equal; it
 * reads the bits, so no floating-point mode (denormals-are-zero) changes it. */
static inline uint64_t trm__rank_key(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    if ((b << 1) == 0)
        b = 0;
    return (b >> 63) ? ~b : b | (UINT64_C(1) << 63);
}

/* ---- pairwise sums (NumPy's add.reduce order, so sums match bit for bit) ---- */
double trm__numpy_sum(const double *a, size_t n);

/* ---- exact mode (ranking-exact.c) ------------------------------------------ */

/* One binary problem over the kept samples: item i reads score and target at
 * first + i * stride and its weight at i / weight_div. A column c is
 * (n, C, c, 1); the micro problem of every pair is (n C, 1, 0, C). */
typedef struct trm__rank_view {
    const double *scores;
    const uint8_t *targets;
    const double *weights;
    size_t count, stride, first, weight_div;
} trm__rank_view;

trm__rank_view trm__rank_column(const trm_ranking *h, size_t column);

/* Curve values of one view; fails with TRM_E_NOMEM only. */
int trm__exact_roc_auc(const char *func, const trm_ranking *h, const trm__rank_view *v, double *out);
int trm__exact_average_precision(const char *func, const trm_ranking *h, const trm__rank_view *v,
                                 double *out);
/* Writes n points when every array is non-NULL and cap >= n; otherwise only
 * reports n and returns TRM_E_BUFFER. */
int trm__exact_roc_points(const char *func, const trm_ranking *h, const trm__rank_view *v, bool drop,
                          double *fpr, double *tpr, double *thr, size_t cap, size_t *n);
int trm__exact_pr_points(const char *func, const trm_ranking *h, const trm__rank_view *v, double *precision,
                         double *recall, double *thr, size_t cap, size_t *n);

/* ---- binned mode (ranking-binned.c) ----------------------------------------- */

/* column = TRM_RANKING_MICRO sums every column. None allocates. */
double trm__binned_roc_auc(const trm_ranking *h, size_t column);
double trm__binned_average_precision(const trm_ranking *h, size_t column);
uint64_t trm__binned_positives(const trm_ranking *h, size_t column);
int trm__binned_roc_points(const char *func, const trm_ranking *h, size_t column, double *fpr, double *tpr,
                           double *thr, size_t cap, size_t *n);
int trm__binned_pr_points(const char *func, const trm_ranking *h, size_t column, double *precision,
                          double *recall, double *thr, size_t cap, size_t *n);

/* The trapezoidal area of NumPy's trapz(y, x) over n points. */
double trm__trapezoid(const double *x, const double *y, size_t n, double *terms);

#endif /* TRM_RANKING_PRIVATE_H */
