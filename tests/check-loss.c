/* SPDX-License-Identifier: MIT */
/* loss.h: cross-entropy from logits and from probabilities, binary
 * cross-entropy from logits and the Brier score against hand-computed values
 * (the arithmetic is in the comment beside each table), on the f32 and f64
 * paths; logits far beyond where a naive softmax overflows; weights; every bad
 * input with its message and an unchanged state; the ignore label;
 * compensated sums; merge, clone, reset; the blob and its validation; every
 * floating-point mode. */
#include <float.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#else
#define HAVE_MXCSR 0
#endif

#define LN2 0.69314718055994530942
#define LN3 1.09861228866810969140

DEFINE_SNAPSHOTS(loss)

/* A call must fail with `code`, name `needle` in its detail and leave l as it was. */
#define ck_assert_loss_rejected(code, l, needle, call)                                  \
    do {                                                                                \
        size_t before_size_ = 0;                                                        \
        uint8_t *before_ = snapshot_loss((l), &before_size_);                           \
        ck_assert_fails((code), (call));                                                \
        assert_mentions(needle);                                                        \
        ck_assert_unchanged_loss((l), before_, before_size_);                           \
        free(before_);                                                                  \
    } while (0)

static char sentinel_object;
#define UNTOUCHED ((trm_loss *)(void *)&sentinel_object)

static trm_loss *make(int kind, size_t k)
{
    trm_loss *l = NULL;
    ck_assert_ok(trm_loss_new(&l, kind, k, NULL));
    ck_assert_ptr_nonnull(l);
    return l;
}

static double value_of(const trm_loss *l)
{
    double v = NAN;
    ck_assert_ok(trm_loss_value(l, &v));
    return v;
}

enum value_type { F32, F64, N_VALUE_TYPES };

static float *to_f32(const double *v, size_t n)
{
    float *f = malloc((n ? n : 1) * sizeof *f);
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)v[i];
    return f;
}

/* The update entry points by element type; f32 gets the values rounded to
 * float, which the tables choose to be exact. */
static int logits_as(enum value_type type, trm_loss *l, const int32_t *y, const double *x, size_t n, size_t stride,
                     const double *w)
{
    if (type == F64)
        return trm_loss_update_logits_f64(l, y, x, n, stride, w);
    float *f = to_f32(x, n * stride);
    int rc = trm_loss_update_logits_f32(l, y, f, n, stride, w);
    free(f);
    return rc;
}

static int probs_as(enum value_type type, trm_loss *l, const int32_t *y, const double *p, size_t n, size_t stride,
                    const double *w)
{
    if (type == F64)
        return trm_loss_update_probs_f64(l, y, p, n, stride, w);
    float *f = to_f32(p, n * stride);
    int rc = trm_loss_update_probs_f32(l, y, f, n, stride, w);
    free(f);
    return rc;
}

static int binary_as(enum value_type type, trm_loss *l, const int32_t *y, const double *p, size_t n,
                     const double *w)
{
    if (type == F64)
        return trm_loss_update_probs_binary_f64(l, y, p, n, w);
    float *f = to_f32(p, n);
    int rc = trm_loss_update_probs_binary_f32(l, y, f, n, w);
    free(f);
    return rc;
}

static int bce_as(enum value_type type, trm_loss *l, const double *t, const double *x, size_t n, const double *w)
{
    size_t count = n * trm_loss_n_classes(l);
    if (type == F64)
        return trm_loss_update_binary_logits_f64(l, t, x, n, w);
    float *ft = to_f32(t, count), *fx = to_f32(x, count);
    int rc = trm_loss_update_binary_logits_f32(l, ft, fx, n, w);
    free(ft);
    free(fx);
    return rc;
}

/* -log(1 - eps) and -log(eps) of the type's machine epsilon. */
static double eps_of(enum value_type type)
{
    return type == F32 ? (double)FLT_EPSILON : DBL_EPSILON;
}

/* ---- construction ------------------------------------------------------------- */

START_TEST(new_rejects_bad_arguments)
{
    trm_loss *l = UNTOUCHED;
    ck_assert_fails(TRM_E_INVALID, trm_loss_new(NULL, TRM_LOSS_CROSS_ENTROPY, 3, NULL));
    assert_mentions("out is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_loss_new(&l, 3, 3, NULL));
    assert_mentions("unknown loss kind 3");
    ck_assert_fails(TRM_E_INVALID, trm_loss_new(&l, -1, 3, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_loss_new(&l, TRM_LOSS_CROSS_ENTROPY, 1, NULL));
    assert_mentions("got 1");
    ck_assert_fails(TRM_E_INVALID, trm_loss_new(&l, TRM_LOSS_BRIER, 1, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_loss_new(&l, TRM_LOSS_BINARY_CROSS_ENTROPY, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_loss_new(&l, TRM_LOSS_CROSS_ENTROPY, (size_t)1 << 40, NULL));
    assert_mentions("2^32");
    trm_allocator half = { tracking_alloc, NULL, NULL };
    ck_assert_fails(TRM_E_INVALID, trm_loss_new(&l, TRM_LOSS_CROSS_ENTROPY, 3, &half));
    ck_assert_ptr_eq(l, UNTOUCHED);
}
END_TEST

START_TEST(new_is_empty)
{
    trm_loss *l = make(TRM_LOSS_BINARY_CROSS_ENTROPY, 1);
    double v = -1;
    ck_assert_int_eq(trm_loss_kind(l), TRM_LOSS_BINARY_CROSS_ENTROPY);
    ck_assert_uint_eq(trm_loss_n_classes(l), 1);
    ck_assert_uint_eq(trm_loss_n_samples(l), 0);
    ck_assert_fails(TRM_E_EMPTY, trm_loss_value(l, &v));
    assert_mentions("no sample");
    ck_assert(v == -1);
    ck_assert_ok(trm_loss_sum(l, &v));
    ck_assert(v == 0.0);
    ck_assert_ok(trm_loss_total_weight(l, &v));
    ck_assert(v == 0.0);
    ck_assert_int_eq(trm_loss_kind(NULL), -1);
    ck_assert_uint_eq(trm_loss_n_classes(NULL), 0);
    ck_assert_uint_eq(trm_loss_n_samples(NULL), 0);
    ck_assert_fails(TRM_E_INVALID, trm_loss_value(NULL, &v));
    ck_assert_fails(TRM_E_INVALID, trm_loss_value(l, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_loss_sum(NULL, &v));
    ck_assert_fails(TRM_E_INVALID, trm_loss_total_weight(l, NULL));
    trm_loss_free(l);
    trm_loss_free(NULL);
    trm_loss_reset(NULL);
}
END_TEST

/* ---- cross-entropy from logits --------------------------------------------------
 * K = 3, with y the true class, loss = log(sum_k exp(x_k)) - x_y:
 *   [1, 2, 3]          y 2: log(e + e^2 + e^3) - 3 = log1p(e^-1 + e^-2)
 *   [0, 0, 0]          y 1: log 3
 *   [1000, 0, -1000]   y 1: 1000 + log1p(e^-1000 + e^-2000) = 1000 (exp(1000) overflows naively)
 *   [1000, 0, -1000]   y 0: log1p(e^-1000 + e^-2000) = 0 in double
 *   [-1000 x 3]        y 2: log 3 (exp(-1000) underflows naively: 0/0)
 *   [88, -88, 0]       y 1: 176 + log1p(e^-88 + e^-176) */
static const double logit_rows[] = { 1, 2, 3, 0, 0, 0, 1000, 0, -1000, 1000, 0, -1000, -1000, -1000, -1000, 88, -88, 0 };
static const int32_t logit_y[] = { 2, 1, 1, 0, 2, 1 };

static double logit_loss(size_t i)
{
    switch (i) {
    case 0: return log1p(exp(-1.0) + exp(-2.0));
    case 1: return LN3;
    case 2: return 1000.0;
    case 3: return 0.0;
    case 4: return LN3;
    default: return 176.0 + log1p(exp(-88.0) + exp(-176.0));
    }
}

START_TEST(logits_table)
{
    enum value_type type = (enum value_type)_i;
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 3);
    double sum = 0;
    for (size_t i = 0; i < 6; i++)
        sum += logit_loss(i);
    ck_assert_ok(logits_as(type, l, logit_y, logit_rows, 6, 3, NULL));
    ck_assert_uint_eq(trm_loss_n_samples(l), 6);
    ck_assert_close(value_of(l), sum / 6);
    double s, w;
    ck_assert_ok(trm_loss_sum(l, &s));
    ck_assert_ok(trm_loss_total_weight(l, &w));
    ck_assert_close(s, sum);
    ck_assert(w == 6.0);
    /* one row at a time gives the same mean */
    trm_loss *one = make(TRM_LOSS_CROSS_ENTROPY, 3);
    for (size_t i = 0; i < 6; i++)
        ck_assert_ok(logits_as(type, one, logit_y + i, logit_rows + 3 * i, 1, 3, NULL));
    ck_assert_close(value_of(one), sum / 6);
    trm_loss_free(one);
    trm_loss_free(l);
}
END_TEST

/* Weights 2, 0, 1, 1, 0.5, 1.5 (sum 6): sum_i w_i L_i / 6; a zero weight adds
 * nothing but still counts as a sample. */
START_TEST(logits_weighted)
{
    enum value_type type = (enum value_type)_i;
    static const double w[] = { 2, 0, 1, 1, 0.5, 1.5 };
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 3);
    double sum = 0;
    for (size_t i = 0; i < 6; i++)
        sum += w[i] * logit_loss(i);
    ck_assert_ok(logits_as(type, l, logit_y, logit_rows, 6, 3, w));
    ck_assert_close(value_of(l), sum / 6.0);
    ck_assert_uint_eq(trm_loss_n_samples(l), 6);
    trm_loss_free(l);
}
END_TEST

/* Rows of stride 5: the two unused values of each row (NaN here) are never read. */
START_TEST(logits_row_stride)
{
    enum value_type type = (enum value_type)_i;
    double rows[6 * 5];
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 5; j++)
            rows[i * 5 + j] = j < 3 ? logit_rows[i * 3 + j] : NAN;
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 3);
    ck_assert_ok(logits_as(type, l, logit_y, rows, 6, 5, NULL));
    double sum = 0;
    for (size_t i = 0; i < 6; i++)
        sum += logit_loss(i);
    ck_assert_close(value_of(l), sum / 6);
    trm_loss_free(l);
}
END_TEST

/* Two classes, logit difference d: loss = log1p(exp(-d)) for the favoured class,
 * d + log1p(exp(-d)) for the other; ties with a large common offset. */
START_TEST(logits_extremes)
{
    static const double x[] = { 1e4, -1e4, -1e4, 1e4, 5e3, 5e3, -3e38, 3e38 };
    static const int32_t y[] = { 0, 0, 1, 1 };
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 2);
    ck_assert_ok(trm_loss_update_logits_f64(l, y, x, 4, 2, NULL));
    /* 0 + 2e4 + log 2 + 0 */
    ck_assert_close(value_of(l), (2e4 + LN2) / 4);
    trm_loss_free(l);
    /* float logits at +-FLT_MAX: the difference 2 FLT_MAX is still a double */
    float fx[] = { FLT_MAX, -FLT_MAX };
    int32_t fy[] = { 1 };
    l = make(TRM_LOSS_CROSS_ENTROPY, 2);
    ck_assert_ok(trm_loss_update_logits_f32(l, fy, fx, 1, 2, NULL));
    ck_assert_close(value_of(l), 2.0 * (double)FLT_MAX);
    trm_loss_free(l);
}
END_TEST

/* ---- cross-entropy from probabilities (scikit-learn log_loss) ------------------------
 * K = 3, clip to [eps, 1 - eps] with eps the type's epsilon, no renormalization:
 *   [0.25, 0.5, 0.25]     y 1: log 2
 *   [0.125, 0.125, 0.75]  y 2: -log 0.75
 *   [0, 0, 1]             y 0: -log eps
 *   [1, 0, 0]             y 0: -log(1 - eps)
 *   [0.125, 0.125, 0.125] y 0: 3 log 2 (the row sums to 3/8 and is kept as it is) */
static const double prob_rows[] = { 0.25, 0.5, 0.25, 0.125, 0.125, 0.75, 0, 0, 1, 1, 0, 0, 0.125, 0.125, 0.125 };
static const int32_t prob_y[] = { 1, 2, 0, 0, 0 };

START_TEST(probs_log_loss_table)
{
    enum value_type type = (enum value_type)_i;
    double eps = eps_of(type);
    double want = (LN2 - log(0.75) - log(eps) - log1p(-eps) + 3 * LN2) / 5;
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 3);
    ck_assert_ok(probs_as(type, l, prob_y, prob_rows, 5, 3, NULL));
    ck_assert_close(value_of(l), want);
    trm_loss_free(l);
}
END_TEST

/* A single column of P(class 1): y 1, p 0.75: -log 0.75; y 0, p 0.25: -log 0.75;
 * y 1, p 0: -log eps; y 0, p 1: -log eps; y 0, p 0: -log(1 - eps). Weighted
 * 1, 3, 0, 0, 4 (sum 8): (-log 0.75 - 3 log 0.75 - 4 log(1 - eps)) / 8. */
START_TEST(probs_binary_log_loss)
{
    enum value_type type = (enum value_type)_i;
    static const double p[] = { 0.75, 0.25, 0, 1, 0 };
    static const int32_t y[] = { 1, 0, 1, 0, 0 };
    static const double w[] = { 1, 3, 0, 0, 4 };
    double eps = eps_of(type);
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 2);
    ck_assert_ok(binary_as(type, l, y, p, 5, NULL));
    ck_assert_close(value_of(l), (-2 * log(0.75) - 2 * log(eps) - log1p(-eps)) / 5);
    trm_loss_reset(l);
    ck_assert_ok(binary_as(type, l, y, p, 5, w));
    ck_assert_close(value_of(l), (-4 * log(0.75) - 4 * log1p(-eps)) / 8);
    /* the same samples as two-column rows (1 - p, p) */
    static const double rows[] = { 0.25, 0.75, 0.75, 0.25, 1, 0, 0, 1, 1, 0 };
    trm_loss *r = make(TRM_LOSS_CROSS_ENTROPY, 2);
    ck_assert_ok(probs_as(type, r, y, rows, 5, 2, w));
    ck_assert_close(value_of(r), value_of(l));
    trm_loss_free(r);
    trm_loss_free(l);
}
END_TEST

/* ---- Brier ---------------------------------------------------------------------------
 * K = 3: sum_k (p_k - [k = y])^2
 *   [0.25, 0.5, 0.25]    y 1: 1/16 + 1/4 + 1/16 = 0.375
 *   [1, 0, 0]            y 2: 1 + 0 + 1 = 2
 *   [0.125, 0.125, 0.75] y 2: 1/64 + 1/64 + 1/16 = 0.09375
 * mean 2.46875 / 3. */
START_TEST(brier_multiclass)
{
    enum value_type type = (enum value_type)_i;
    static const double p[] = { 0.25, 0.5, 0.25, 1, 0, 0, 0.125, 0.125, 0.75 };
    static const int32_t y[] = { 1, 2, 2 };
    trm_loss *l = make(TRM_LOSS_BRIER, 3);
    ck_assert_ok(probs_as(type, l, y, p, 3, 3, NULL));
    ck_assert_close(value_of(l), 2.46875 / 3);
    trm_loss_free(l);
}
END_TEST

/* K = 2 is halved: the row (0.25, 0.75) with y 0 gives (0.5625 + 0.5625) / 2 =
 * 0.5625 = (0.75 - 0)^2, as the positive-class form. scikit-learn's example
 * y 0 1 1 0, p 0.1 0.9 0.8 0.3: (0.01 + 0.01 + 0.04 + 0.09) / 4 = 0.0375. */
/* Rows need not sum to 1: (0, 1, 1) with y = 0 scores 1 + 1 + 1 = 3, K = 3
 * times the weight, and its blob must load (the fuzzer found the loader
 * capping Brier sums at 2). */
START_TEST(brier_unnormalized_rows_round_trip)
{
    trm_loss *l = make(TRM_LOSS_BRIER, 3), *back = NULL;
    static const int32_t y[] = { 0, 0 };
    static const double p[] = { 0, 1, 1, 0, 1, 1 }, w[] = { 0.5, 1.5 };
    ck_assert_ok(trm_loss_update_probs_f64(l, y, p, 2, 3, w));
    ck_assert(value_of(l) == 3.0);
    size_t size;
    uint8_t *blob = snapshot_loss(l, &size);
    ck_assert_ok(trm_loss_deserialize(&back, blob, size, NULL));
    ck_assert(value_of(back) == 3.0);
    free(blob);
    trm_loss_free(back);
    trm_loss_free(l);
}
END_TEST

START_TEST(brier_binary)
{
    enum value_type type = (enum value_type)_i;
    static const double row[] = { 0.25, 0.75 }, p_one[] = { 0.75 };
    static const int32_t y0[] = { 0 };
    trm_loss *l = make(TRM_LOSS_BRIER, 2);
    ck_assert_ok(probs_as(type, l, y0, row, 1, 2, NULL));
    ck_assert_close(value_of(l), 0.5625);
    ck_assert_ok(binary_as(type, l, y0, p_one, 1, NULL));
    ck_assert_close(value_of(l), 0.5625);
    ck_assert_uint_eq(trm_loss_n_samples(l), 2);
    trm_loss_free(l);

    static const double p[] = { 0.1, 0.9, 0.8, 0.3 };
    static const int32_t y[] = { 0, 1, 1, 0 };
    l = make(TRM_LOSS_BRIER, 2);
    ck_assert_ok(trm_loss_update_probs_binary_f64(l, y, p, 4, NULL));
    ck_assert(fabs(value_of(l) - 0.0375) < 1e-15);
    trm_loss_free(l);
}
END_TEST

/* ---- binary cross-entropy from logits ---------------------------------------------
 * L = 2, each element max(x, 0) - x t + log1p(exp(-|x|)), a sample the mean of its two:
 *   t [1, 0]    x [0, 0]         : (log 2 + log 2) / 2 = log 2
 *   t [0.5, 1]  x [2, -1]        : ((2 - 1 + log1p(e^-2)) + (1 + log1p(e^-1))) / 2
 *   t [0, 1]    x [1e4, -1e4]    : (1e4 + 1e4) / 2 = 1e4
 *   t [1, 0]    x [1e4, -1e4]    : 0 (log1p(e^-1e4) = 0) */
START_TEST(bce_table)
{
    enum value_type type = (enum value_type)_i;
    static const double t[] = { 1, 0, 0.5, 1, 0, 1, 1, 0 }, x[] = { 0, 0, 2, -1, 1e4, -1e4, 1e4, -1e4 };
    double s1 = ((1 + log1p(exp(-2.0))) + (1 + log1p(exp(-1.0)))) / 2;
    trm_loss *l = make(TRM_LOSS_BINARY_CROSS_ENTROPY, 2);
    ck_assert_ok(bce_as(type, l, t, x, 4, NULL));
    ck_assert_close(value_of(l), (LN2 + s1 + 1e4 + 0) / 4);
    static const double w[] = { 1, 2, 0, 1 };
    trm_loss_reset(l);
    ck_assert_ok(bce_as(type, l, t, x, 4, w));
    ck_assert_close(value_of(l), (LN2 + 2 * s1) / 4);
    trm_loss_free(l);
}
END_TEST

/* ---- bad input ---------------------------------------------------------------------- */

START_TEST(bad_inputs_change_nothing)
{
    trm_loss *ce = make(TRM_LOSS_CROSS_ENTROPY, 3), *br = make(TRM_LOSS_BRIER, 3);
    trm_loss *bce = make(TRM_LOSS_BINARY_CROSS_ENTROPY, 2), *ce2 = make(TRM_LOSS_CROSS_ENTROPY, 2);
    ck_assert_ok(trm_loss_update_logits_f64(ce, logit_y, logit_rows, 2, 3, NULL));
    ck_assert_ok(trm_loss_update_probs_f64(br, prob_y, prob_rows, 2, 3, NULL));
    static const double ok_rows[] = { 0, 1, 2, 3, 4, 5 };
    static const int32_t ok_y[] = { 0, 2 };
    double bad[6];
    float badf[6];
    int32_t y[2];
    double w[2];

    ck_assert_loss_rejected(TRM_E_INVALID, ce, "l is NULL", trm_loss_update_logits_f64(NULL, ok_y, ok_rows, 2, 3, NULL));
    ck_assert_loss_rejected(TRM_E_INVALID, ce, "y_true is NULL", trm_loss_update_logits_f64(ce, NULL, ok_rows, 2, 3, NULL));
    ck_assert_loss_rejected(TRM_E_INVALID, ce, "logits is NULL", trm_loss_update_logits_f32(ce, ok_y, NULL, 2, 3, NULL));
    ck_assert_loss_rejected(TRM_E_INVALID, ce, "row_stride 2 is less than the 3 classes",
                            trm_loss_update_logits_f64(ce, ok_y, ok_rows, 2, 2, NULL));
    ck_assert_loss_rejected(TRM_E_OVERFLOW, ce, "overflow", trm_loss_update_logits_f64(ce, ok_y, ok_rows, SIZE_MAX, 3, NULL));
    ck_assert_loss_rejected(TRM_E_OVERFLOW, br, "overflow", trm_loss_update_probs_f64(br, ok_y, ok_rows, SIZE_MAX / 2, 3, NULL));

    /* labels */
    y[0] = 0;
    y[1] = 3;
    ck_assert_loss_rejected(TRM_E_LABEL, ce, "y_true[1] = 3 is outside [0, 3)", trm_loss_update_logits_f64(ce, y, ok_rows, 2, 3, NULL));
    y[1] = -1;
    ck_assert_loss_rejected(TRM_E_LABEL, br, "y_true[1] = -1 is outside [0, 3)", trm_loss_update_probs_f64(br, y, prob_rows, 2, 3, NULL));
    y[0] = 2;
    y[1] = 0;
    static const double p2[] = { 0.5, 0.5 };
    ck_assert_loss_rejected(TRM_E_LABEL, ce2, "y_true[0] = 2 is outside [0, 2)", trm_loss_update_probs_binary_f64(ce2, y, p2, 2, NULL));

    /* non-finite logits, in f64 and f32 */
    memcpy(bad, ok_rows, sizeof bad);
    bad[5] = NAN;
    ck_assert_loss_rejected(TRM_E_NONFINITE, ce, "logits[1][2] = nan is not finite", trm_loss_update_logits_f64(ce, ok_y, bad, 2, 3, NULL));
    bad[5] = -INFINITY;
    ck_assert_loss_rejected(TRM_E_NONFINITE, ce, "logits[1][2] = -inf", trm_loss_update_logits_f64(ce, ok_y, bad, 2, 3, NULL));
    for (size_t i = 0; i < 6; i++)
        badf[i] = (float)ok_rows[i];
    badf[1] = INFINITY;
    ck_assert_loss_rejected(TRM_E_NONFINITE, ce, "logits[0][1] = inf", trm_loss_update_logits_f32(ce, ok_y, badf, 2, 3, NULL));

    /* probabilities outside [0, 1] and NaN */
    memcpy(bad, prob_rows, sizeof bad);
    bad[4] = 1.5;
    ck_assert_loss_rejected(TRM_E_INVALID, br, "probs[1][1] = 1.5 is outside [0, 1]", trm_loss_update_probs_f64(br, ok_y, bad, 2, 3, NULL));
    ck_assert_loss_rejected(TRM_E_INVALID, ce, "probs[1][1] = 1.5", trm_loss_update_probs_f64(ce, ok_y, bad, 2, 3, NULL));
    bad[4] = -0.25;
    ck_assert_loss_rejected(TRM_E_INVALID, br, "probs[1][1] = -0.25", trm_loss_update_probs_f64(br, ok_y, bad, 2, 3, NULL));
    bad[4] = 1.0 + DBL_EPSILON;
    ck_assert_loss_rejected(TRM_E_INVALID, ce, "is outside [0, 1]", trm_loss_update_probs_f64(ce, ok_y, bad, 2, 3, NULL));
    bad[4] = NAN;
    ck_assert_loss_rejected(TRM_E_NONFINITE, ce, "probs[1][1] = nan is not finite", trm_loss_update_probs_f64(ce, ok_y, bad, 2, 3, NULL));
    static const double pbad[] = { 0.5, 2 };
    y[0] = 0;
    y[1] = 1;
    ck_assert_loss_rejected(TRM_E_INVALID, ce2, "p_positive[1] = 2 is outside [0, 1]", trm_loss_update_probs_binary_f64(ce2, y, pbad, 2, NULL));

    /* weights */
    w[0] = 1;
    w[1] = -1;
    ck_assert_loss_rejected(TRM_E_INVALID, ce, "weights[1] = -1 is negative", trm_loss_update_logits_f64(ce, ok_y, ok_rows, 2, 3, w));
    w[1] = NAN;
    ck_assert_loss_rejected(TRM_E_NONFINITE, br, "weights[1] = nan is not finite", trm_loss_update_probs_f64(br, ok_y, prob_rows, 2, 3, w));
    w[0] = INFINITY;
    ck_assert_loss_rejected(TRM_E_NONFINITE, ce, "weights[0] = inf", trm_loss_update_logits_f64(ce, ok_y, ok_rows, 2, 3, w));

    /* binary cross-entropy targets */
    static const double x4[] = { 0, 1, 2, 3 };
    double t4[] = { 0, 1, 0.5, 1.25 };
    ck_assert_loss_rejected(TRM_E_LABEL, bce, "targets[1][1] = 1.25 is outside [0, 1]", trm_loss_update_binary_logits_f64(bce, t4, x4, 2, NULL));
    t4[3] = NAN;
    ck_assert_loss_rejected(TRM_E_NONFINITE, bce, "targets[1][1] = nan", trm_loss_update_binary_logits_f64(bce, t4, x4, 2, NULL));
    t4[3] = 1;
    ck_assert_loss_rejected(TRM_E_INVALID, bce, "targets is NULL", trm_loss_update_binary_logits_f64(bce, NULL, x4, 2, NULL));
    double xbad[] = { 0, 1, NAN, 3 };
    ck_assert_loss_rejected(TRM_E_NONFINITE, bce, "logits[1][0] = nan", trm_loss_update_binary_logits_f64(bce, t4, xbad, 2, NULL));

    /* an operation that does not fit the accumulator */
    ck_assert_loss_rejected(TRM_E_MISMATCH, br, "Brier accumulator does not take logits", trm_loss_update_logits_f64(br, ok_y, ok_rows, 2, 3, NULL));
    ck_assert_loss_rejected(TRM_E_MISMATCH, bce, "binary cross-entropy accumulator does not take class probabilities",
                            trm_loss_update_probs_f64(bce, ok_y, prob_rows, 1, 2, NULL));
    ck_assert_loss_rejected(TRM_E_MISMATCH, ce, "does not take targets and logits", trm_loss_update_binary_logits_f64(ce, t4, x4, 1, NULL));
    ck_assert_loss_rejected(TRM_E_MISMATCH, ce, "need 2 classes, the accumulator has 3", trm_loss_update_probs_binary_f64(ce, ok_y, p2, 2, NULL));
    ck_assert_loss_rejected(TRM_E_MISMATCH, br, "need 2 classes", trm_loss_update_probs_binary_f32(br, ok_y, badf, 2, NULL));

    /* n = 0 is a no-op even with NULL weights */
    ck_assert_ok(trm_loss_update_logits_f64(ce, ok_y, ok_rows, 0, 3, NULL));
    ck_assert_uint_eq(trm_loss_n_samples(ce), 2);
    trm_loss_free(ce);
    trm_loss_free(br);
    trm_loss_free(bce);
    trm_loss_free(ce2);
}
END_TEST

/* Losses and sums that leave the double range are refused. */
START_TEST(range_overflow_rejected)
{
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 2);
    /* -1e308 of class 1 against 1e308: the loss is 2e308 */
    static const double x[] = { 1e308, -1e308 }, fine[] = { 0, 0 };
    static const int32_t y1[] = { 1 };
    ck_assert_ok(trm_loss_update_logits_f64(l, y1, fine, 1, 2, NULL));
    ck_assert_loss_rejected(TRM_E_OVERFLOW, l, "weighted loss of sample 0 leaves the double range",
                            trm_loss_update_logits_f64(l, y1, x, 1, 2, NULL));
    /* log 2 times a weight of 1e308 fits, twice of them do not fit the weight sum */
    static const double big[] = { 1e308 };
    ck_assert_ok(trm_loss_update_logits_f64(l, y1, fine, 1, 2, big));
    ck_assert_loss_rejected(TRM_E_OVERFLOW, l, "sum of the weights leaves the double range",
                            trm_loss_update_logits_f64(l, y1, fine, 1, 2, big));
    trm_loss *copy = NULL;
    ck_assert_ok(trm_loss_clone(&copy, l));
    ck_assert_loss_rejected(TRM_E_OVERFLOW, l, "leaves the double range", trm_loss_merge(l, copy));
    trm_loss_free(copy);
    trm_loss_free(l);
}
END_TEST

START_TEST(zero_weights_are_empty)
{
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 3);
    static const double w[] = { 0, 0 };
    double v = -1;
    ck_assert_ok(trm_loss_update_logits_f64(l, logit_y, logit_rows, 2, 3, w));
    ck_assert_uint_eq(trm_loss_n_samples(l), 2);
    ck_assert_fails(TRM_E_EMPTY, trm_loss_value(l, &v));
    assert_mentions("weights of the 2 samples sum to 0");
    ck_assert(v == -1);
    ck_assert_ok(trm_loss_sum(l, &v));
    ck_assert(v == 0.0);
    trm_loss_free(l);
}
END_TEST

/* ---- compensated sums -------------------------------------------------------------------
 * One sample of loss 2^53 (logits (2^53, 0), class 1), then 1000 samples of
 * log 2 one update at a time: a plain double sum stays at 2^53 (each log 2 is
 * below half an ulp there, 1), the compensated one is 2^53 + 1000 log 2. */
START_TEST(compensated_sum)
{
    static const double big[] = { 0x1p53, 0 }, tie[] = { 0, 0 };
    static const int32_t y1[] = { 1 };
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 2), *parts = make(TRM_LOSS_CROSS_ENTROPY, 2);
    ck_assert_ok(trm_loss_update_logits_f64(l, y1, big, 1, 2, NULL));
    trm_loss *head = NULL;
    ck_assert_ok(trm_loss_clone(&head, l));
    for (int i = 0; i < 1000; i++) {
        ck_assert_ok(trm_loss_update_logits_f64(l, y1, tie, 1, 2, NULL));
        trm_loss *one = make(TRM_LOSS_CROSS_ENTROPY, 2);
        ck_assert_ok(trm_loss_update_logits_f64(one, y1, tie, 1, 2, NULL));
        ck_assert_ok(trm_loss_merge(parts, one));
        trm_loss_free(one);
    }
    double s;
    ck_assert_ok(trm_loss_sum(l, &s));
    ck_assert_msg(fabs(s - (0x1p53 + 1000 * LN2)) <= 2.0, "sum %.17g", s);
    ck_assert_close(value_of(l), (0x1p53 + 1000 * LN2) / 1001);
    /* the small ones merged first, then into the big one, and the other way round */
    ck_assert_ok(trm_loss_merge(parts, head));
    ck_assert_ok(trm_loss_sum(parts, &s));
    ck_assert_msg(fabs(s - (0x1p53 + 1000 * LN2)) <= 2.0, "merged sum %.17g", s);
    ck_assert_close(value_of(parts), value_of(l));
    trm_loss_free(head);
    trm_loss_free(parts);
    trm_loss_free(l);
}
END_TEST

/* ---- merge, clone, reset --------------------------------------------------------------- */

START_TEST(merge_equals_one_stream)
{
    trm_loss *all = make(TRM_LOSS_CROSS_ENTROPY, 3), *a = make(TRM_LOSS_CROSS_ENTROPY, 3);
    trm_loss *b = make(TRM_LOSS_CROSS_ENTROPY, 3);
    static const double w[] = { 2, 0, 1, 1, 0.5, 1.5 };
    ck_assert_ok(trm_loss_update_logits_f64(all, logit_y, logit_rows, 6, 3, w));
    ck_assert_ok(trm_loss_update_logits_f64(a, logit_y, logit_rows, 4, 3, w));
    ck_assert_ok(trm_loss_update_logits_f64(b, logit_y + 4, logit_rows + 12, 2, 3, w + 4));
    ck_assert_ok(trm_loss_merge(a, b));
    ck_assert_uint_eq(trm_loss_n_samples(a), 6);
    ck_assert_close(value_of(a), value_of(all));
    /* into itself: every sample twice, the same mean */
    ck_assert_ok(trm_loss_merge(b, b));
    ck_assert_uint_eq(trm_loss_n_samples(b), 4);
    double wb;
    ck_assert_ok(trm_loss_total_weight(b, &wb));
    ck_assert(wb == 4.0);
    /* with an empty one */
    trm_loss *empty = make(TRM_LOSS_CROSS_ENTROPY, 3);
    size_t size;
    uint8_t *before = snapshot_loss(a, &size);
    ck_assert_ok(trm_loss_merge(a, empty));
    ck_assert_unchanged_loss(a, before, size);
    free(before);
    trm_loss_free(empty);
    trm_loss_free(all);
    trm_loss_free(a);
    trm_loss_free(b);
}
END_TEST

START_TEST(merge_mismatch)
{
    trm_loss *a = make(TRM_LOSS_CROSS_ENTROPY, 3), *k4 = make(TRM_LOSS_CROSS_ENTROPY, 4);
    trm_loss *brier = make(TRM_LOSS_BRIER, 3), *bce = make(TRM_LOSS_BINARY_CROSS_ENTROPY, 3);
    ck_assert_ok(trm_loss_update_logits_f64(a, logit_y, logit_rows, 3, 3, NULL));
    ck_assert_loss_rejected(TRM_E_MISMATCH, a, "dst has 3 classes, src has 4", trm_loss_merge(a, k4));
    ck_assert_loss_rejected(TRM_E_MISMATCH, a, "dst is a cross-entropy accumulator, src a Brier one", trm_loss_merge(a, brier));
    ck_assert_loss_rejected(TRM_E_MISMATCH, a, "binary cross-entropy", trm_loss_merge(a, bce));
    ck_assert_loss_rejected(TRM_E_INVALID, a, "src is NULL", trm_loss_merge(a, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_loss_merge(NULL, a));
    trm_loss_free(a);
    trm_loss_free(k4);
    trm_loss_free(brier);
    trm_loss_free(bce);
}
END_TEST

START_TEST(clone_and_reset)
{
    trm_loss *l = make(TRM_LOSS_BRIER, 3), *copy = UNTOUCHED;
    ck_assert_ok(trm_loss_update_probs_f64(l, prob_y, prob_rows, 3, 3, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_loss_clone(NULL, l));
    ck_assert_fails(TRM_E_INVALID, trm_loss_clone(&copy, NULL));
    ck_assert_ptr_eq(copy, UNTOUCHED);
    ck_assert_ok(trm_loss_clone(&copy, l));
    ck_assert_close(value_of(copy), value_of(l));
    ck_assert_ok(trm_loss_update_probs_f64(copy, prob_y, prob_rows, 1, 3, NULL));
    ck_assert_uint_eq(trm_loss_n_samples(l), 3);
    ck_assert_uint_eq(trm_loss_n_samples(copy), 4);
    trm_loss_reset(l);
    trm_loss *fresh = make(TRM_LOSS_BRIER, 3);
    size_t size;
    uint8_t *blob = snapshot_loss(fresh, &size);
    ck_assert_unchanged_loss(l, blob, size);
    ck_assert_int_eq(trm_loss_kind(l), TRM_LOSS_BRIER);
    ck_assert_uint_eq(trm_loss_n_classes(l), 3);
    free(blob);
    trm_loss_free(fresh);
    trm_loss_free(copy);
    trm_loss_free(l);
}
END_TEST

/* ---- serialization -----------------------------------------------------------------------
 * Blob: "TRMB", u16 2, u16 6, then u64 kind, u64 K, u64 n, i64 ignore label,
 * f64 loss hi, lo, f64 weight hi, lo, then the CRC: 12 + 64 = 76 bytes
 * (format 1 has no ignore label: 68). */
START_TEST(blob_layout)
{
    trm_loss *l = make(TRM_LOSS_BRIER, 3);
    static const double w[] = { 0.5, 1.5 };
    ck_assert_ok(trm_loss_update_probs_f64(l, prob_y, prob_rows, 2, 3, w));
    size_t size = 0;
    ck_assert_fails(TRM_E_BUFFER, trm_loss_serialize(l, NULL, 0, &size));
    ck_assert_uint_eq(size, 76);
    uint8_t *blob = snapshot_loss(l, &size);
    ck_assert_uint_eq(size, 76);
    ck_assert(memcmp(blob, "TRMB\x02\x00\x06\x00", 8) == 0);
    ck_assert_uint_eq(blob_get_le(blob + 8, 8), TRM_LOSS_BRIER);
    ck_assert_uint_eq(blob_get_le(blob + 16, 8), 3);
    ck_assert_uint_eq(blob_get_le(blob + 24, 8), 2);
    ck_assert(blob_get_le(blob + 32, 8) == (uint64_t)TRM_NO_IGNORE);
    /* 0.5 * 0.375 + 1.5 * (1/64 + 1/64 + 1/16) = 0.328125, exact */
    ck_assert(blob_get_f64(blob + 40) == 0.328125);
    ck_assert(blob_get_f64(blob + 48) == 0.0);
    ck_assert(blob_get_f64(blob + 56) == 2.0);
    ck_assert(blob_get_f64(blob + 64) == 0.0);
    ck_assert_uint_eq(blob_get_le(blob + 72, 4), blob_crc32c(blob, 72));
    uint8_t small[75];
    ck_assert_fails(TRM_E_BUFFER, trm_loss_serialize(l, small, sizeof small, &size));
    ck_assert_uint_eq(size, 76);
    ck_assert_fails(TRM_E_INVALID, trm_loss_serialize(NULL, small, sizeof small, &size));
    ck_assert_fails(TRM_E_INVALID, trm_loss_serialize(l, small, sizeof small, NULL));
    free(blob);
    trm_loss_free(l);
}
END_TEST

static int load_loss(const uint8_t *blob, size_t size)
{
    trm_loss *out = UNTOUCHED;
    int rc = trm_loss_deserialize(&out, blob, size, NULL);
    if (rc == TRM_OK) {
        ck_assert_ptr_ne(out, UNTOUCHED);
        trm_loss_free(out);
    } else {
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
    return rc;
}

START_TEST(round_trip_and_damage)
{
    static const int kinds[] = { TRM_LOSS_CROSS_ENTROPY, TRM_LOSS_BINARY_CROSS_ENTROPY, TRM_LOSS_BRIER };
    for (size_t i = 0; i < 3; i++) {
        trm_loss *l = make(kinds[i], 2);
        static const int32_t y[] = { 0, 1 };
        static const double p[] = { 0.25, 0.75, 0.5, 0.5 }, w[] = { 3, 0.125 };
        if (kinds[i] == TRM_LOSS_BINARY_CROSS_ENTROPY)
            ck_assert_ok(trm_loss_update_binary_logits_f64(l, p, logit_rows, 2, w));
        else
            ck_assert_ok(trm_loss_update_probs_f64(l, y, p, 2, 2, w));
        size_t size;
        uint8_t *blob = snapshot_loss(l, &size);
        trm_loss *back = NULL;
        ck_assert_ok(trm_loss_deserialize(&back, blob, size, NULL));
        ck_assert_unchanged_loss(back, blob, size);
        ck_assert_close(value_of(back), value_of(l));
        ck_assert_int_eq(trm_loss_kind(back), kinds[i]);
        ck_assert_every_damage_detected(blob, size, load_loss);
        trm_loss_free(back);
        free(blob);
        trm_loss_free(l);
    }
}
END_TEST

/* Bodies that pass the CRC but no run of updates writes. */
START_TEST(inconsistent_body_is_corrupt)
{
    trm_loss *l = make(TRM_LOSS_BRIER, 3);
    ck_assert_ok(trm_loss_update_probs_f64(l, prob_y, prob_rows, 2, 3, NULL));
    size_t size;
    uint8_t *good = snapshot_loss(l, &size), blob[76];
    struct {
        size_t at, bytes;
        uint64_t bits;
        const char *needle;
    } edits[] = {
        { 8, 8, 3, "kind 3 is unknown" },
        { 16, 8, 1, "needs n_classes in [2, 2^32], got 1" },
        { 16, 8, ((uint64_t)1 << 32) + 1, "2^32" },
        { 24, 8, 0, "no samples has nonzero sums" },
        { 40, 8, 0xbff0000000000000ull, "loss sum" },            /* -1.0 */
        { 40, 8, 0x7ff8000000000000ull, "loss sum" },            /* NaN */
        { 48, 8, 0x3ff0000000000000ull, "loss sum" },            /* lo 1.0: not normalized */
        { 56, 8, 0, "with zero total weight" },
        { 64, 8, 0x3ff0000000000000ull, "weight sum" },          /* lo 1.0 */
        { 56, 8, 0x3fc0000000000000ull, "exceeds 3 times the weight" }, /* weight 0.125 */
    };
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        memcpy(blob, good, size);
        blob_put_le(blob + edits[e].at, edits[e].bits, edits[e].bytes);
        blob_reseal(blob, size);
        trm_clear_last_error();
        ck_assert_msg(load_loss(blob, size) == TRM_E_CORRUPT, "edit %zu accepted", e);
        assert_mentions(edits[e].needle);
    }
    /* a larger weight and another kind are consistent */
    memcpy(blob, good, size);
    blob_put_f64(blob + 56, 100.0);
    blob_reseal(blob, size);
    ck_assert_int_eq(load_loss(blob, size), TRM_OK);
    blob_put_le(blob + 8, TRM_LOSS_CROSS_ENTROPY, 8);
    blob_reseal(blob, size);
    ck_assert_int_eq(load_loss(blob, size), TRM_OK);
    free(good);
    trm_loss_free(l);
}
END_TEST

/* ---- the ignore label (torch's ignore_index) -------------------------------------------- */

/* K = 2 probabilities, ignore -100: rows (y 1, .5 .5) -> ln 2, (ignored, NaN 7)
 * and (y 0, .25 .75) -> -ln .25 = 2 ln 2, weights 1, -5 (ignored, unread) and 3:
 * (ln 2 + 3 * 2 ln 2) / 4 = 7/4 ln 2 over 2 samples of weight 4. Logits
 * (y 1, 0 0) -> ln 2 and an ignored NaN row -> ln 2 over 1 sample. */
START_TEST(ignored_samples_are_skipped)
{
    for (int type = F32; type < N_VALUE_TYPES; type++) {
        trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 2);
        ck_assert(trm_loss_ignore_label(l) == TRM_NO_IGNORE);
        ck_assert_ok(trm_loss_set_ignore_label(l, -100));
        ck_assert(trm_loss_ignore_label(l) == -100);
        static const int32_t y[] = { 1, -100, 0 };
        const double p[] = { 0.5, 0.5, NAN, 7.0, 0.25, 0.75 }, w[] = { 1.0, -5.0, 3.0 };
        ck_assert_ok(probs_as((enum value_type)type, l, y, p, 3, 2, w));
        ck_assert_uint_eq(trm_loss_n_samples(l), 2);
        double total = 0.0;
        ck_assert_ok(trm_loss_total_weight(l, &total));
        ck_assert(total == 4.0);
        ck_assert_close(value_of(l), 1.75 * LN2);
        trm_loss_reset(l);
        ck_assert(trm_loss_ignore_label(l) == -100); /* reset keeps it */
        const double x[] = { 0.0, 0.0, NAN, NAN };
        ck_assert_ok(logits_as((enum value_type)type, l, y, x, 2, 2, NULL));
        ck_assert_uint_eq(trm_loss_n_samples(l), 1);
        ck_assert_close(value_of(l), LN2);
        /* positive-class probabilities: (1, .5) -> ln 2; the ignored 2.0 is not a probability */
        static const int32_t yb[] = { -100, 1 };
        const double pb[] = { 2.0, 0.5 };
        trm_loss_reset(l);
        ck_assert_ok(binary_as((enum value_type)type, l, yb, pb, 2, NULL));
        ck_assert_uint_eq(trm_loss_n_samples(l), 1);
        ck_assert_close(value_of(l), LN2);
        /* a batch of ignored samples only changes nothing */
        ck_assert_ok(binary_as((enum value_type)type, l, yb, pb, 1, NULL));
        ck_assert_uint_eq(trm_loss_n_samples(l), 1);
        trm_loss_free(l);
    }
    /* Brier, ignore 1 (inside [0, K)): (y 0, 1 0) -> 0, (ignored), (y 0, .5 .5)
     * -> (.25 + .25) / 2 = .25: mean .125. */
    trm_loss *b = make(TRM_LOSS_BRIER, 2);
    ck_assert_ok(trm_loss_set_ignore_label(b, 1));
    static const int32_t yb[] = { 0, 1, 0 };
    static const double pb[] = { 1.0, 0.0, 0.3, 0.3, 0.5, 0.5 };
    ck_assert_ok(trm_loss_update_probs_f64(b, yb, pb, 3, 2, NULL));
    ck_assert_close(value_of(b), 0.125);
    ck_assert_fails(TRM_E_INVALID, trm_loss_set_ignore_label(NULL, 1));
    ck_assert(trm_loss_ignore_label(NULL) == TRM_NO_IGNORE);
    trm_loss_free(b);
}
END_TEST

/* A kept sample's bad class id, value or weight still rejects the batch. */
START_TEST(ignored_batches_still_validate_kept_rows)
{
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 3);
    ck_assert_ok(trm_loss_set_ignore_label(l, 255));
    static const int32_t y[] = { 255, 3 };
    static const double x[] = { NAN, NAN, NAN, 0, 0, 0 };
    ck_assert_loss_rejected(TRM_E_LABEL, l, "y_true[1] = 3", trm_loss_update_logits_f64(l, y, x, 2, 3, NULL));
    static const int32_t y2[] = { 255, 0 };
    static const double x2[] = { 0, 0, 0, 0, INFINITY, 0 }, w2[] = { NAN, 1.0 };
    ck_assert_loss_rejected(TRM_E_NONFINITE, l, "logits[1][1]", trm_loss_update_logits_f64(l, y2, x2, 2, 3, w2));
    static const double w3[] = { 1.0, -1.0 };
    ck_assert_loss_rejected(TRM_E_INVALID, l, "weights[1]", trm_loss_update_logits_f64(l, y2, x, 2, 3, w3));
    trm_loss_free(l);
}
END_TEST

/* Binary cross-entropy has targets, not class ids: no ignore label, in the API or in a blob. */
START_TEST(binary_cross_entropy_has_no_ignore_label)
{
    trm_loss *l = make(TRM_LOSS_BINARY_CROSS_ENTROPY, 2);
    ck_assert_loss_rejected(TRM_E_MISMATCH, l, "binary cross-entropy", trm_loss_set_ignore_label(l, -100));
    ck_assert_ok(trm_loss_set_ignore_label(l, TRM_NO_IGNORE));
    ck_assert(trm_loss_ignore_label(l) == TRM_NO_IGNORE);
    size_t size;
    uint8_t *blob = snapshot_loss(l, &size);
    blob_put_le(blob + 32, (uint64_t)(int64_t)-100, 8);
    blob_reseal(blob, size);
    trm_clear_last_error();
    ck_assert_int_eq(load_loss(blob, size), TRM_E_CORRUPT);
    assert_mentions("has an ignore label");
    free(blob);
    trm_loss_free(l);
}
END_TEST

/* Clone and blobs keep the label; merge takes other labels and dst keeps its
 * own; a format-1 blob (no label) still loads. */
START_TEST(ignore_label_life_cycle)
{
    trm_loss *a = make(TRM_LOSS_CROSS_ENTROPY, 2), *b = make(TRM_LOSS_CROSS_ENTROPY, 2), *copy = NULL;
    ck_assert_ok(trm_loss_set_ignore_label(a, -100));
    ck_assert_ok(trm_loss_clone(&copy, a));
    ck_assert(trm_loss_ignore_label(copy) == -100);
    static const int32_t y[] = { 0 };
    static const double x[] = { 0.0, 0.0 };
    ck_assert_ok(trm_loss_update_logits_f64(b, y, x, 1, 2, NULL));
    ck_assert_ok(trm_loss_merge(a, b));
    ck_assert(trm_loss_ignore_label(a) == -100);
    ck_assert_uint_eq(trm_loss_n_samples(a), 1);
    size_t size;
    uint8_t *blob = snapshot_loss(a, &size);
    ck_assert(blob_get_le(blob + 32, 8) == (uint64_t)(int64_t)-100);
    trm_loss *back = UNTOUCHED;
    ck_assert_ok(trm_loss_deserialize(&back, blob, size, NULL));
    ck_assert(trm_loss_ignore_label(back) == -100);
    trm_loss_free(back);
    /* format 1: the same body without the label */
    memmove(blob + 32, blob + 40, size - 40);
    size -= 8;
    blob_put_le(blob + 4, 1, 2);
    blob_reseal(blob, size);
    back = UNTOUCHED;
    ck_assert_ok(trm_loss_deserialize(&back, blob, size, NULL));
    ck_assert(trm_loss_ignore_label(back) == TRM_NO_IGNORE);
    ck_assert_close(value_of(back), LN2);
    trm_loss_free(back);
    blob_put_le(blob + 4, 3, 2);
    blob_reseal(blob, size);
    ck_assert_int_eq(load_loss(blob, size), TRM_E_VERSION);
    free(blob);
    /* a format-2 body read as format 1 is 8 bytes too long */
    blob = snapshot_loss(a, &size);
    blob_put_le(blob + 4, 1, 2);
    blob_reseal(blob, size);
    ck_assert_int_eq(load_loss(blob, size), TRM_E_CORRUPT);
    free(blob);
    trm_loss_free(a);
    trm_loss_free(b);
    trm_loss_free(copy);
}
END_TEST

START_TEST(deserialize_null_arguments)
{
    trm_loss *l = make(TRM_LOSS_CROSS_ENTROPY, 2), *out = UNTOUCHED;
    size_t size;
    uint8_t *blob = snapshot_loss(l, &size);
    ck_assert_fails(TRM_E_INVALID, trm_loss_deserialize(NULL, blob, size, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_loss_deserialize(&out, NULL, size, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    tracking t = { 0 };
    trm_allocator hooks = tracking_hooks(&t);
    ck_assert_ok(trm_loss_deserialize(&out, blob, size, &hooks));
    ck_assert_uint_eq(t.allocs, 1);
    trm_loss_free(out);
    ck_assert_uint_eq(t.frees, 1);
    t.fail = 1;
    out = UNTOUCHED;
    ck_assert_fails(TRM_E_NOMEM, trm_loss_deserialize(&out, blob, size, &hooks));
    ck_assert_ptr_eq(out, UNTOUCHED);
    free(blob);
    trm_loss_free(l);
}
END_TEST

/* ---- floating-point modes ------------------------------------------------------------------
 * Every mode a caller may set (MXCSR DAZ and FTZ, as torch.set_flush_denormal
 * sets them) gives the tables' values: subnormal probabilities are clipped to
 * eps anyway, and the exps that underflow to subnormals only change losses by
 * less than 1e-300. A negative subnormal probability reads as -0 under DAZ and
 * is then a valid 0; without DAZ it is refused, leaving the state alone. */
#define MXCSR_DAZ 0x0040u
#define MXCSR_FTZ 0x8000u

static unsigned set_mode(unsigned bits)
{
#if HAVE_MXCSR
    unsigned before = _mm_getcsr();
    _mm_setcsr((before & ~(MXCSR_DAZ | MXCSR_FTZ)) | bits);
    return before;
#else
    (void)bits;
    return 0;
#endif
}

static void restore_mode(unsigned before)
{
#if HAVE_MXCSR
    _mm_setcsr(before);
#else
    (void)before;
#endif
}

/* Asked of the machine, since valgrind ignores DAZ. */
static __attribute__((noinline)) bool subnormals_read_as_zero(void)
{
    volatile double tiny = DBL_TRUE_MIN;
    return tiny == 0.0;
}

START_TEST(fp_modes)
{
    static const unsigned modes[] = { 0, MXCSR_DAZ, MXCSR_FTZ, MXCSR_DAZ | MXCSR_FTZ };
    if (!HAVE_MXCSR && _i > 0)
        return;
    unsigned before = set_mode(modes[_i]);
    bool daz = subnormals_read_as_zero();

    trm_loss *ce = make(TRM_LOSS_CROSS_ENTROPY, 3);
    double sum = 0;
    for (size_t i = 0; i < 6; i++)
        sum += logit_loss(i);
    ck_assert_ok(trm_loss_update_logits_f64(ce, logit_y, logit_rows, 6, 3, NULL));
    float fl[18];
    for (size_t i = 0; i < 18; i++)
        fl[i] = (float)logit_rows[i];
    ck_assert_ok(trm_loss_update_logits_f32(ce, logit_y, fl, 6, 3, NULL));
    ck_assert_close(value_of(ce), sum / 6);
    /* exp(-745) and exp(-740) are subnormal: flushed to 0 under FTZ */
    static const double deep[] = { 0, -745, -740 };
    static const int32_t y0[] = { 0 };
    trm_loss *d = make(TRM_LOSS_CROSS_ENTROPY, 3);
    ck_assert_ok(trm_loss_update_logits_f64(d, y0, deep, 1, 3, NULL));
    ck_assert(fabs(value_of(d)) < 1e-300);
    trm_loss_free(d);

    /* subnormal probabilities: the clipping makes them eps in every mode */
    trm_loss *p = make(TRM_LOSS_CROSS_ENTROPY, 2), *bs = make(TRM_LOSS_BRIER, 2);
    static const double tiny_rows[] = { DBL_TRUE_MIN, 1.0, 1.0, 0x1p-1060 };
    static const int32_t y01[] = { 0, 1 };
    ck_assert_ok(trm_loss_update_probs_f64(p, y01, tiny_rows, 2, 2, NULL));
    ck_assert_close(value_of(p), -log(DBL_EPSILON));
    float ftiny[] = { FLT_TRUE_MIN, 1.0f, 1.0f, FLT_MIN / 4 };
    trm_loss_reset(p);
    ck_assert_ok(trm_loss_update_probs_f32(p, y01, ftiny, 2, 2, NULL));
    ck_assert_close(value_of(p), -log((double)FLT_EPSILON));
    ck_assert_ok(trm_loss_update_probs_f64(bs, y01, tiny_rows, 2, 2, NULL));
    ck_assert_close(value_of(bs), 1.0);

    /* a negative subnormal: -0 under DAZ, refused otherwise */
    static const double neg[] = { -DBL_TRUE_MIN, 1.0 };
    if (daz) {
        ck_assert_ok(trm_loss_update_probs_f64(p, y01, neg, 1, 2, NULL));
    } else {
        ck_assert_loss_rejected(TRM_E_INVALID, p, "probs[0][0]", trm_loss_update_probs_f64(p, y01, neg, 1, 2, NULL));
    }
    static const double nan_row[] = { NAN, 1.0 };
    ck_assert_loss_rejected(TRM_E_NONFINITE, p, "probs[0][0] = nan", trm_loss_update_probs_f64(p, y01, nan_row, 1, 2, NULL));

    /* binary cross-entropy: log1p(exp(-745)) is subnormal or 0 */
    trm_loss *b = make(TRM_LOSS_BINARY_CROSS_ENTROPY, 1);
    static const double t1[] = { 1 }, x1[] = { 745 };
    ck_assert_ok(trm_loss_update_binary_logits_f64(b, t1, x1, 1, NULL));
    ck_assert(fabs(value_of(b)) < 1e-300);
    trm_loss_free(b);
    trm_loss_free(p);
    trm_loss_free(bs);
    trm_loss_free(ce);
    restore_mode(before);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loss");
    TCase *tc = tcase_create("loss");
    tcase_add_test(tc, new_rejects_bad_arguments);
    tcase_add_test(tc, new_is_empty);
    tcase_add_loop_test(tc, logits_table, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, logits_weighted, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, logits_row_stride, F32, N_VALUE_TYPES);
    tcase_add_test(tc, logits_extremes);
    tcase_add_loop_test(tc, probs_log_loss_table, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, probs_binary_log_loss, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, brier_multiclass, F32, N_VALUE_TYPES);
    tcase_add_test(tc, brier_unnormalized_rows_round_trip);
    tcase_add_loop_test(tc, brier_binary, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, bce_table, F32, N_VALUE_TYPES);
    tcase_add_test(tc, bad_inputs_change_nothing);
    tcase_add_test(tc, range_overflow_rejected);
    tcase_add_test(tc, zero_weights_are_empty);
    tcase_add_test(tc, compensated_sum);
    tcase_add_test(tc, merge_equals_one_stream);
    tcase_add_test(tc, merge_mismatch);
    tcase_add_test(tc, clone_and_reset);
    tcase_add_test(tc, blob_layout);
    tcase_add_test(tc, round_trip_and_damage);
    tcase_add_test(tc, inconsistent_body_is_corrupt);
    tcase_add_test(tc, deserialize_null_arguments);
    tcase_add_test(tc, ignored_samples_are_skipped);
    tcase_add_test(tc, ignored_batches_still_validate_kept_rows);
    tcase_add_test(tc, binary_cross_entropy_has_no_ignore_label);
    tcase_add_test(tc, ignore_label_life_cycle);
    tcase_add_loop_test(tc, fp_modes, 0, 4);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
