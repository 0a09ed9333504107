/* SPDX-License-Identifier: MIT */
/* trm_ranking against hand-computed tables: exact mode (scikit-learn 1.2's
 * roc_auc_score, average_precision_score, roc_curve, precision_recall_curve,
 * ties, weights, zero weights, one-vs-rest averages), binned mode
 * (torchmetrics' thresholds= formulas, the documented error bound), bad
 * inputs with their messages and unchanged state, the curve size protocol,
 * and scores compared by value in every floating-point mode. */
#include <float.h>
#include <stdbool.h>
#include <stdio.h>

#include "testutil.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#endif

DEFINE_SNAPSHOTS(ranking)

#define ck_assert_ranking_rejected(code, h, call)                \
    do {                                                         \
        size_t before_size_ = 0;                                 \
        uint8_t *before_ = snapshot_ranking((h), &before_size_); \
        ck_assert_fails((code), (call));                         \
        ck_assert_unchanged_ranking((h), before_, before_size_); \
        free(before_);                                           \
    } while (0)

static trm_ranking *exact(int task, size_t columns)
{
    trm_ranking *h = NULL;
    ck_assert_ok(trm_ranking_new(&h, task, columns, NULL));
    return h;
}

static trm_ranking *binned(int task, size_t columns, size_t t, const double *thresholds)
{
    trm_ranking *h = NULL;
    ck_assert_ok(trm_ranking_new_binned(&h, task, columns, t, thresholds, NULL));
    return h;
}

static double average(const trm_ranking *h, int metric, int avg)
{
    double v = -1.0;
    ck_assert_ok(trm_ranking_metric_average(h, metric, avg, &v));
    return v;
}

static void assert_values(const double *got, const double *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_close(got[i], want[i]);
}

/* ---- exact mode ---------------------------------------------------------------- */

/* scikit-learn's roc_curve example: y [0, 1, 1, 0] (here), scores 0.1 0.4 0.35 0.8.
 * Pairs (pos, neg): 0.4 > 0.1, 0.4 < 0.8, 0.35 > 0.1, 0.35 < 0.8: AUC 2/4.
 * Ranked 0.8 n, 0.4 p, 0.35 p, 0.1 n: (P, R) = (1/2, 1/2), (2/3, 1), (1/2, 1):
 * AP = 1/2 * 1/2 + 1/2 * 2/3 = 7/12. */
static const int32_t ex_y[] = { 0, 1, 1, 0 };
static const double ex_s[] = { 0.1, 0.4, 0.35, 0.8 };

START_TEST(binary_table)
{
    trm_ranking *h = exact(TRM_RANKING_BINARY, 1);
    ck_assert_ok(trm_ranking_update_f64(h, ex_y, ex_s, 4));
    ck_assert_close(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO), 0.5);
    ck_assert_close(average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_MACRO), 7.0 / 12.0);
    /* Every average of a binary task is the binary score. */
    ck_assert_close(average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_WEIGHTED), 7.0 / 12.0);
    ck_assert_close(average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_MICRO), 7.0 / 12.0);

    /* drop_intermediate: (1, 1) between (1, 0) and (1, 2) is collinear. */
    double fpr[8], tpr[8], thr[8];
    size_t n = 0;
    ck_assert_ok(trm_ranking_roc_curve(h, 0, 1, fpr, tpr, thr, 8, &n));
    ck_assert_uint_eq(n, 4);
    assert_values(fpr, (const double[]){ 0, 0.5, 0.5, 1 }, 4);
    assert_values(tpr, (const double[]){ 0, 0, 1, 1 }, 4);
    assert_values(thr, (const double[]){ 1.8, 0.8, 0.35, 0.1 }, 4);
    ck_assert_ok(trm_ranking_roc_curve(h, 0, 0, fpr, tpr, thr, 8, &n));
    ck_assert_uint_eq(n, 5);
    assert_values(fpr, (const double[]){ 0, 0.5, 0.5, 0.5, 1 }, 5);
    assert_values(tpr, (const double[]){ 0, 0, 0.5, 1, 1 }, 5);
    assert_values(thr, (const double[]){ 1.8, 0.8, 0.4, 0.35, 0.1 }, 5);

    double p[8], r[8];
    ck_assert_ok(trm_ranking_pr_curve(h, TRM_RANKING_MICRO, p, r, thr, 8, &n));
    ck_assert_uint_eq(n, 5);
    assert_values(p, (const double[]){ 0.5, 2.0 / 3.0, 0.5, 0, 1 }, 5);
    assert_values(r, (const double[]){ 1, 1, 0.5, 0, 0 }, 5);
    assert_values(thr, (const double[]){ 0.1, 0.35, 0.4, 0.8 }, 4);
    trm_ranking_free(h);
}
END_TEST

/* Ties: y 1 0 1 0, scores 0.9 0.9 0.5 0.1. Pairs: (0.9, 0.9) tie 1/2, (0.9, 0.1) 1,
 * (0.5, 0.9) 0, (0.5, 0.1) 1: AUC 2.5/4. One threshold per distinct score:
 * 0.9 (tp 1, fp 1), 0.5 (2, 1), 0.1 (2, 2): AP 1/2 * 1/2 + 1/2 * 2/3 = 7/12.
 * All-equal scores: one threshold, AUC 1/2, AP = the positive fraction. */
START_TEST(ties_and_equal_scores)
{
    static const int32_t y[] = { 1, 0, 1, 0 };
    static const double s[] = { 0.9, 0.9, 0.5, 0.1 }, same[] = { 0.3, 0.3, 0.3, 0.3 };
    trm_ranking *h = exact(TRM_RANKING_BINARY, 1);
    ck_assert_ok(trm_ranking_update_f64(h, y, s, 4));
    ck_assert_close(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO), 0.625);
    ck_assert_close(average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_MACRO), 7.0 / 12.0);
    trm_ranking_reset(h);
    ck_assert_ok(trm_ranking_update_f64(h, y, same, 4));
    ck_assert_close(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO), 0.5);
    ck_assert_close(average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_MACRO), 0.5);
    double fpr[4], tpr[4], thr[4];
    size_t n = 0;
    ck_assert_ok(trm_ranking_roc_curve(h, 0, 1, fpr, tpr, thr, 4, &n));
    ck_assert_uint_eq(n, 2);
    assert_values(fpr, (const double[]){ 0, 1 }, 2);
    assert_values(thr, (const double[]){ 1.3, 0.3 }, 2);
    trm_ranking_free(h);
}
END_TEST

/* Weights 1 2 0 3 on the example: the 0.35 positive weighs 0 and leaves the
 * curve. Positive weight 2 (0.4); negatives 1 (0.1) and 3 (0.8): AUC
 * (2 * 1) / (2 * 4) = 1/4. Ranked: 0.8 (fp 3), 0.4 (tp 2, fp 3): AP = 1 * 2/5. */
START_TEST(weights_and_zero_weights)
{
    static const double w[] = { 1, 2, 0, 3 };
    trm_ranking *h = exact(TRM_RANKING_BINARY, 1);
    ck_assert_ok(trm_ranking_update_weighted_f64(h, ex_y, ex_s, w, 4));
    ck_assert_close(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO), 0.25);
    ck_assert_close(average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_MACRO), 0.4);
    double p[8], r[8], thr[8];
    size_t n = 0;
    ck_assert_ok(trm_ranking_pr_curve(h, 0, p, r, thr, 8, &n));
    ck_assert_uint_eq(n, 4);
    assert_values(thr, (const double[]){ 0.1, 0.4, 0.8 }, 3);
    trm_ranking_free(h);

    /* Every positive weighs 0: scikit-learn's NaN tpr, so a NaN AUC; AP 0. */
    static const double no_pos[] = { 1, 0, 0, 1 };
    h = exact(TRM_RANKING_BINARY, 1);
    ck_assert_ok(trm_ranking_update_weighted_f64(h, ex_y, ex_s, no_pos, 4));
    ck_assert(isnan(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO)));
    ck_assert_close(average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_MACRO), 0.0);
    trm_ranking_free(h);
}
END_TEST

/* K = 3, y 0 1 2 0. Class 0: positives 0.7 0.4 above negatives 0.3 0.2: AUC 1.
 * Class 1: positive 0.4 against 0.2 0.3 0.5: 2/3. Class 2: 0.5 against 0.1 0.3
 * 0.1: 1. Macro 8/9; weighted by support 2 1 1: (2 + 2/3 + 1) / 4 = 11/12.
 * AP: class 0 ranks p p n n: 1; class 1 ranks 0.5 n, 0.4 p: 1/2; class 2: 1. */
START_TEST(multiclass_table)
{
    static const int32_t y[] = { 0, 1, 2, 0 };
    static const float s[] = { 0.7f, 0.2f, 0.1f, 0.3f, 0.4f, 0.3f, 0.2f, 0.3f, 0.5f, 0.4f, 0.5f, 0.1f };
    trm_ranking *h = exact(TRM_RANKING_MULTICLASS, 3);
    ck_assert_ok(trm_ranking_update_f32(h, y, s, 4));
    double per[3];
    ck_assert_ok(trm_ranking_metric_per_class(h, TRM_RANKING_ROC_AUC, per));
    assert_values(per, (const double[]){ 1, 2.0 / 3.0, 1 }, 3);
    ck_assert_close(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO), 8.0 / 9.0);
    ck_assert_close(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_WEIGHTED), 11.0 / 12.0);
    ck_assert_ok(trm_ranking_metric_per_class(h, TRM_RANKING_AVERAGE_PRECISION, per));
    assert_values(per, (const double[]){ 1, 0.5, 1 }, 3);
    trm_ranking_free(h);
}
END_TEST

START_TEST(only_one_class_is_invalid)
{
    static const int32_t y[] = { 0, 0, 2, 0 };
    static const double s[] = { 0.7, 0.2, 0.1, 0.3, 0.4, 0.3, 0.2, 0.3, 0.5, 0.4, 0.5, 0.1 };
    trm_ranking *h = exact(TRM_RANKING_MULTICLASS, 3);
    ck_assert_ok(trm_ranking_update_f64(h, y, s, 4));
    double v = 7.0, per[3] = { 7, 7, 7 };
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_metric_average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, &v));
    assert_mentions("column 1: only one class present (no positive)");
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_metric_per_class(h, TRM_RANKING_ROC_AUC, per));
    ck_assert(v == 7.0 && per[0] == 7.0 && per[2] == 7.0);
    /* The micro problem has both classes; AP of the empty class is 0. */
    ck_assert_ok(trm_ranking_metric_average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MICRO, &v));
    ck_assert_ok(trm_ranking_metric_per_class(h, TRM_RANKING_AVERAGE_PRECISION, per));
    ck_assert_close(per[1], 0.0);
    trm_ranking_free(h);

    h = exact(TRM_RANKING_BINARY, 1);
    ck_assert_fails(TRM_E_EMPTY, trm_ranking_metric_average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, &v));
    static const int32_t ones[] = { 1, 1 };
    ck_assert_ok(trm_ranking_update_f64(h, ones, s, 2));
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_metric_average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, &v));
    assert_mentions("no negative");
    trm_ranking_free(h);
}
END_TEST

/* A merged handle is the handle of the concatenated stream, byte for byte. */
START_TEST(merge_is_concatenation)
{
    trm_ranking *a = exact(TRM_RANKING_BINARY, 1), *b = exact(TRM_RANKING_BINARY, 1),
                *all = exact(TRM_RANKING_BINARY, 1);
    static const double w[] = { 0.5, 1, 2, 0 };
    for (int round = 0; round < 40; round++) {
        ck_assert_ok(trm_ranking_update_weighted_f64(a, ex_y, ex_s, w, 4));
        ck_assert_ok(trm_ranking_update_weighted_f64(all, ex_y, ex_s, w, 4));
    }
    ck_assert_ok(trm_ranking_update_f64(b, ex_y, ex_s, 4));
    ck_assert_ok(trm_ranking_update_f64(all, ex_y, ex_s, 4));
    ck_assert_ok(trm_ranking_merge(a, b));
    size_t sa, sall;
    uint8_t *ba = snapshot_ranking(a, &sa), *ball = snapshot_ranking(all, &sall);
    ck_assert(sa == sall && memcmp(ba, ball, sa) == 0);
    free(ba);
    free(ball);
    ck_assert_ok(trm_ranking_merge(a, a));
    ck_assert_uint_eq(trm_ranking_n_samples(a), 2 * 164);
    trm_ranking_free(a);
    trm_ranking_free(b);
    trm_ranking_free(all);
}
END_TEST

/* ---- binned mode ---------------------------------------------------------------- */

/* torchmetrics' binary_roc / binary_auroc docstring, thresholds=5: fpr 0 .5 .5 .5 1,
 * tpr 0 0 1 1 1, AUC 1/2. PR at t = 0, .25, .5, .75, 1: (1/2, 1), (2/3, 1),
 * (2/3, 1), (0, 0), (0, 0), then (1, 0): AP = -(1 - 1)... = 2/3 (the step down
 * from recall 1 to 0 at precision 2/3). */
START_TEST(binned_table)
{
    static const double s[] = { 0, 0.5, 0.7, 0.8 };
    trm_ranking *h = binned(TRM_RANKING_BINARY, 1, 5, NULL);
    ck_assert_ok(trm_ranking_update_f64(h, ex_y, s, 4));
    double fpr[6], tpr[6], thr[6];
    size_t n = 0;
    ck_assert_ok(trm_ranking_roc_curve(h, 0, 1, fpr, tpr, thr, 6, &n));
    ck_assert_uint_eq(n, 5);
    assert_values(fpr, (const double[]){ 0, 0.5, 0.5, 0.5, 1 }, 5);
    assert_values(tpr, (const double[]){ 0, 0, 1, 1, 1 }, 5);
    assert_values(thr, (const double[]){ 1, 0.75, 0.5, 0.25, 0 }, 5);
    ck_assert_close(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO), 0.5);
    ck_assert_close(average(h, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_MACRO), 2.0 / 3.0);
    double p[6], r[6];
    ck_assert_ok(trm_ranking_pr_curve(h, 0, p, r, thr, 6, &n));
    ck_assert_uint_eq(n, 6);
    assert_values(p, (const double[]){ 0.5, 2.0 / 3.0, 2.0 / 3.0, 0, 0, 1 }, 6);
    assert_values(r, (const double[]){ 1, 1, 1, 0, 0, 0 }, 6);
    ck_assert_fails(TRM_E_MISMATCH, trm_ranking_update_weighted_f64(h, ex_y, s, s, 4));
    trm_ranking_free(h);

    /* torchmetrics' multiclass_auroc docstring, thresholds=5: 1 1 1/3 1/3 0. */
    static const int32_t y[] = { 0, 1, 3, 2 };
    double rows[20];
    for (size_t i = 0; i < 20; i++)
        rows[i] = i % 6 == 0 ? 0.75 : 0.05;
    h = binned(TRM_RANKING_MULTICLASS, 5, 5, NULL);
    ck_assert_ok(trm_ranking_update_f64(h, y, rows, 4));
    double per[5];
    ck_assert_ok(trm_ranking_metric_per_class(h, TRM_RANKING_ROC_AUC, per));
    assert_values(per, (const double[]){ 1, 1, 1.0 / 3.0, 1.0 / 3.0, 0 }, 5);
    ck_assert_close(average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO), 8.0 / 15.0);
    trm_ranking_free(h);
}
END_TEST

/* splitmix64 */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ranking.h: |binned - exact| <= 1/2 x (fraction of pairs sharing a bin). */
START_TEST(binning_error_bound)
{
    enum { N = 300 };
    static const size_t grids[] = { 2, 5, 11, 101 };
    uint64_t state = 42;
    int32_t y[N];
    double s[N];
    for (size_t g = 0; g < sizeof grids / sizeof grids[0]; g++) {
        const size_t t = grids[g];
        for (int round = 0; round < 20; round++) {
            unsigned digits = 1 + round % 3;
            double scale = digits == 1 ? 10 : digits == 2 ? 100 : 1000;
            for (size_t i = 0; i < N; i++) {
                y[i] = (int32_t)(next_random(&state) % 2);
                s[i] = (double)(next_random(&state) % ((uint64_t)scale + 1)) / scale;
            }
            y[0] = 0;
            y[1] = 1;
            trm_ranking *e = exact(TRM_RANKING_BINARY, 1), *b = binned(TRM_RANKING_BINARY, 1, t, NULL);
            ck_assert_ok(trm_ranking_update_f64(e, y, s, N));
            ck_assert_ok(trm_ranking_update_f64(b, y, s, N));
            double grid[101];
            ck_assert_ok(trm_ranking_thresholds(b, grid));
            size_t bin[N];
            for (size_t i = 0; i < N; i++) {
                bin[i] = 0;
                while (bin[i] < t && grid[bin[i]] <= s[i])
                    bin[i]++;
            }
            double same = 0, pairs = 0;
            for (size_t i = 0; i < N; i++)
                for (size_t j = 0; j < N; j++)
                    if (y[i] == 1 && y[j] == 0) {
                        pairs++;
                        same += bin[i] == bin[j];
                    }
            double ve = average(e, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO);
            double vb = average(b, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO);
            ck_assert_msg(fabs(vb - ve) <= 0.5 * same / pairs + 1e-12, "T %zu: binned %.17g exact %.17g, %g of %g pairs share a bin",
                          t, vb, ve, same, pairs);
            trm_ranking_free(e);
            trm_ranking_free(b);
        }
    }
}
END_TEST

/* ---- bad input ---------------------------------------------------------------------- */

START_TEST(bad_inputs_change_nothing)
{
    trm_ranking *h = exact(TRM_RANKING_BINARY, 1), *out = NULL;
    ck_assert_ok(trm_ranking_update_f64(h, ex_y, ex_s, 4));
    static const int32_t bad_y[] = { 0, 2, 1 };
    static const double nan_s[] = { 0.1, 0.2, NAN }, w[] = { 1, -0.5, 1 }, w_nan[] = { 1, 1, INFINITY };
    static const float inf_s[] = { 0.1f, INFINITY, 0.3f };
    ck_assert_ranking_rejected(TRM_E_LABEL, h, trm_ranking_update_f64(h, bad_y, ex_s, 3));
    assert_mentions("labels[1] = 2 is not 0 or 1");
    ck_assert_ranking_rejected(TRM_E_NONFINITE, h, trm_ranking_update_f64(h, ex_y, nan_s, 3));
    assert_mentions("scores[2][0] = nan is not finite");
    ck_assert_ranking_rejected(TRM_E_NONFINITE, h, trm_ranking_update_f32(h, ex_y, inf_s, 3));
    assert_mentions("scores[1][0] = inf");
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_update_weighted_f64(h, ex_y, ex_s, w, 3));
    assert_mentions("weights[1] = -0.5 is negative");
    ck_assert_ranking_rejected(TRM_E_NONFINITE, h, trm_ranking_update_weighted_f64(h, ex_y, ex_s, w_nan, 3));
    assert_mentions("weights[2] = inf is not finite");
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_update_f64(h, NULL, ex_s, 3));
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_update_weighted_f64(h, ex_y, ex_s, NULL, 3));
    ck_assert_ranking_rejected(TRM_E_OVERFLOW, h, trm_ranking_update_weighted_f64(h, ex_y, ex_s,
                                                                              (const double[]){ 0x1p500, 0x1p500, 0 }, 3));
    double v = 3.0;
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_metric_average(h, 7, TRM_AVERAGE_MACRO, &v));
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_metric_average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_SAMPLES, &v));
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_metric_average(h, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, NULL));
    ck_assert(v == 3.0);

    /* The size protocol of the curves: the size is reported, nothing is written. */
    double a[8] = { 9, 9, 9, 9, 9, 9, 9, 9 }, b[8], c[8];
    size_t n = 0;
    ck_assert_ranking_rejected(TRM_E_BUFFER, h, trm_ranking_roc_curve(h, 0, 0, a, b, c, 4, &n));
    ck_assert_uint_eq(n, 5);
    ck_assert_ranking_rejected(TRM_E_BUFFER, h, trm_ranking_roc_curve(h, 0, 0, NULL, NULL, NULL, 0, &n));
    ck_assert_uint_eq(n, 5);
    ck_assert_ranking_rejected(TRM_E_BUFFER, h, trm_ranking_pr_curve(h, 0, a, b, NULL, 8, &n));
    ck_assert_uint_eq(n, 5);
    for (size_t i = 0; i < 8; i++)
        ck_assert(a[i] == 9.0);
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_roc_curve(h, 1, 0, a, b, c, 8, &n));
    assert_mentions("column 1 is outside [0, 1)");
    ck_assert_ranking_rejected(TRM_E_INVALID, h, trm_ranking_roc_curve(h, 0, 0, a, b, c, 8, NULL));
    ck_assert_ranking_rejected(TRM_E_MISMATCH, h, trm_ranking_thresholds(h, a));

    /* Shapes and grids. */
    ck_assert_fails(TRM_E_INVALID, trm_ranking_new(&out, TRM_RANKING_BINARY, 2, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_ranking_new(&out, TRM_RANKING_MULTICLASS, 1, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_ranking_new(&out, TRM_RANKING_MULTILABEL, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_ranking_new(&out, 3, 1, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_ranking_new_binned(&out, TRM_RANKING_BINARY, 1, 1, NULL, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_ranking_new_binned(&out, TRM_RANKING_BINARY, 1, 3, (const double[]){ 0, 0.5, 0.5 }, NULL));
    assert_mentions("thresholds[2]");
    ck_assert_fails(TRM_E_NONFINITE, trm_ranking_new_binned(&out, TRM_RANKING_BINARY, 1, 2, (const double[]){ 0, NAN }, NULL));
    ck_assert_fails(TRM_E_OVERFLOW, trm_ranking_new_binned(&out, TRM_RANKING_MULTILABEL, SIZE_MAX / 4, 100, NULL, NULL));
    ck_assert_ptr_null(out);

    trm_ranking *m = exact(TRM_RANKING_MULTICLASS, 3), *l = exact(TRM_RANKING_MULTILABEL, 2);
    static const double rows[] = { 0.1, 0.2, 0.7, 0.5, 0.4, 0.1 };
    ck_assert_ranking_rejected(TRM_E_LABEL, m, trm_ranking_update_f64(m, (const int32_t[]){ 0, -1 }, rows, 2));
    assert_mentions("labels[1] = -1 is outside [0, 3)");
    ck_assert_ranking_rejected(TRM_E_LABEL, l, trm_ranking_update_f64(l, (const int32_t[]){ 0, 1, 1, 3 }, rows, 2));
    assert_mentions("labels[1][1] = 3 is not 0 or 1");
    ck_assert_ranking_rejected(TRM_E_MISMATCH, m, trm_ranking_merge(m, l));
    ck_assert_ranking_rejected(TRM_E_MISMATCH, h, trm_ranking_merge(h, m));
    trm_ranking_free(m);
    trm_ranking_free(l);
    trm_ranking_free(h);
}
END_TEST

/* ---- floating-point modes -------------------------------------------------------------- */

static unsigned set_daz_ftz(bool on)
{
#ifdef HAVE_MXCSR
    unsigned before = _mm_getcsr();
    _mm_setcsr(on ? before | 0x8040u : before & ~0x8040u);
    return before;
#else
    (void)on;
    return 0;
#endif
}

static void restore_mode(unsigned before)
{
#ifdef HAVE_MXCSR
    _mm_setcsr(before);
#else
    (void)before;
#endif
}

/* Positives at the subnormals 1 and 2 x FLT_TRUE_MIN, negatives at +0 and -0:
 * AUC 1 and AP 1 whether or not the mode reads subnormals as zero (it would
 * give 1/2 if the ranking compared in the mode). Binned at [0, 1e-45, 1]:
 * FLT_TRUE_MIN (1.4e-45) passes the second threshold, +-0 do not. */
START_TEST(subnormal_scores_in_every_mode)
{
    static const int32_t y[] = { 0, 1, 0, 1 };
    const float s32[] = { 0.0f, FLT_TRUE_MIN, -0.0f, 2 * FLT_TRUE_MIN };
    const double s64[] = { 0.0, DBL_TRUE_MIN, -0.0, 2 * DBL_TRUE_MIN };
    for (int on = 0; on < 2; on++) {
        unsigned before = set_daz_ftz(on);
        trm_ranking *a = exact(TRM_RANKING_BINARY, 1), *b = exact(TRM_RANKING_BINARY, 1);
        trm_ranking *c = binned(TRM_RANKING_BINARY, 1, 3, (const double[]){ 0, 1e-45, 1 });
        int rc1 = trm_ranking_update_f32(a, y, s32, 4), rc2 = trm_ranking_update_f64(b, y, s64, 4);
        int rc3 = trm_ranking_update_f32(c, y, s32, 4);
        double va = -1, vb = -1, pa = -1, vc = -1;
        int q1 = trm_ranking_metric_average(a, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, &va);
        int q2 = trm_ranking_metric_average(b, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, &vb);
        int q3 = trm_ranking_metric_average(a, TRM_RANKING_AVERAGE_PRECISION, TRM_AVERAGE_MACRO, &pa);
        int q4 = trm_ranking_metric_average(c, TRM_RANKING_ROC_AUC, TRM_AVERAGE_MACRO, &vc);
        restore_mode(before);
        ck_assert(rc1 == TRM_OK && rc2 == TRM_OK && rc3 == TRM_OK && q1 == TRM_OK && q2 == TRM_OK &&
                  q3 == TRM_OK && q4 == TRM_OK);
        ck_assert_msg(va == 1.0 && vb == 1.0 && pa == 1.0, "mode %d: %g %g %g", on, va, vb, pa);
        ck_assert_msg(vc == 1.0, "mode %d: binned %g", on, vc);
        trm_ranking_free(a);
        trm_ranking_free(b);
        trm_ranking_free(c);
    }
}
END_TEST

/* ---- blob ------------------------------------------------------------------------------------- */

/* Exact body: mode, task, C, n, then scores, weights, targets; a multiclass
 * row with two true classes is refused. */
START_TEST(blob_checks_invariants)
{
    static const int32_t y[] = { 0, 2 };
    static const double s[] = { 0.5, 0.3, 0.2, 0.1, 0.1, 0.8 };
    trm_ranking *h = exact(TRM_RANKING_MULTICLASS, 3), *out = NULL;
    ck_assert_ok(trm_ranking_update_f64(h, y, s, 2));
    size_t size = 0;
    uint8_t *blob = snapshot_ranking(h, &size);
    ck_assert_uint_eq(size, 12 + 24 + 2 * (9 * 3 + 8));
    const size_t targets = 8 + 24 + 6 * 8 + 2 * 8;
    ck_assert_uint_eq(blob[targets], 1);
    blob[targets + 1] = 1;
    blob_reseal(blob, size);
    ck_assert_fails(TRM_E_CORRUPT, trm_ranking_deserialize(&out, blob, size, NULL));
    assert_mentions("2 true classes");
    blob[targets + 1] = 0;
    blob_put_le(blob + 8 + 24, 0x7ff0000000000000ull, 8); /* an infinite score */
    blob_reseal(blob, size);
    ck_assert_fails(TRM_E_CORRUPT, trm_ranking_deserialize(&out, blob, size, NULL));
    ck_assert_ptr_null(out);
    free(blob);
    trm_ranking_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ranking");
    TCase *tc = tcase_create("exact");
    tcase_add_test(tc, binary_table);
    tcase_add_test(tc, ties_and_equal_scores);
    tcase_add_test(tc, weights_and_zero_weights);
    tcase_add_test(tc, multiclass_table);
    tcase_add_test(tc, only_one_class_is_invalid);
    tcase_add_test(tc, merge_is_concatenation);
    suite_add_tcase(s, tc);
    tc = tcase_create("binned");
    tcase_add_test(tc, binned_table);
    tcase_add_test(tc, binning_error_bound);
    suite_add_tcase(s, tc);
    tc = tcase_create("checks");
    tcase_add_test(tc, bad_inputs_change_nothing);
    tcase_add_test(tc, subnormal_scores_in_every_mode);
    tcase_add_test(tc, blob_checks_invariants);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
