/* SPDX-License-Identifier: MIT */
/* Rank-based trend statistics over a short series (the overfitting detector's
 * window): the Mann-Kendall test and the Theil-Sen slope. */
#ifndef TRM_TREND_PRIVATE_H
#define TRM_TREND_PRIVATE_H

#include <stddef.h>

typedef struct trm__mann_kendall {
    double s;      /* sum over i < j of sign(x[j] - x[i]) */
    double var;    /* tie-corrected variance of S */
    double z;      /* continuity-corrected normal score */
    double p_rise; /* one-sided p-value of an increasing trend */
} trm__mann_kendall;

/* n >= 2 finite values; scratch holds n doubles. */
trm__mann_kendall trm__mann_kendall_test(const double *x, size_t n, double *scratch);

/* S alone, O(n^2). */
double trm__mann_kendall_s(const double *x, size_t n);

/* The test of x[0 .. n) when S is already known: the tie correction only,
 * O(n log n). */
trm__mann_kendall trm__mann_kendall_with_s(const double *x, size_t n, double s, double *scratch);

/* S of the window x[1 .. n] from S of the window x[0 .. n - 1] that it slides
 * from, in O(n): the pairs of x[0] leave, those of x[n] come in. S is an
 * integer below 2^53, so it equals the full sum exactly. */
double trm__mann_kendall_slide_s(double s, const double *x, size_t n);

/* Median of the pairwise slopes (x[j] - x[i]) / (j - i); n >= 2 finite
 * values; scratch holds n(n-1)/2 doubles. */
double trm__theil_sen_slope(const double *x, size_t n, double *scratch);

#endif /* TRM_TREND_PRIVATE_H */
