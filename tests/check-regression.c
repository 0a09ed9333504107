/* SPDX-License-Identifier: MIT */
/* regression.h: every metric per output and averaged against hand-computed
 * values (the arithmetic is in the comment beside each), the f32 and f64
 * paths, batch validation, range overflow, merge/clone/reset, serialization
 * with exhaustive rejection of damaged blobs, and the numerical stability of
 * the streamed R2 and MSE on data near 1e8. */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

#define PI 3.14159265358979323846

/* ---- helpers ------------------------------------------------------------------ */

static char sentinel_object;
/* Stands for "a pointer the library must not overwrite"; never dereferenced. */
#define UNTOUCHED ((trm_regression *)(void *)&sentinel_object)

static trm_regression *make(size_t m)
{
    trm_regression *r = NULL;
    ck_assert_ok(trm_regression_new(&r, m, NULL));
    ck_assert_ptr_nonnull(r);
    return r;
}

static void assert_blob(const trm_regression *r, const uint8_t *expected, size_t expected_size,
                        const char *what)
{
    size_t size = 0;
    uint8_t *now = snapshot_regression(r, &size);
    ck_assert_msg(size == expected_size && memcmp(now, expected, size) == 0, "%s", what);
    free(now);
}

static void assert_same_state(const trm_regression *a, const trm_regression *b)
{
    size_t size = 0;
    uint8_t *blob = snapshot_regression(a, &size);
    assert_blob(b, blob, size, "the two accumulators are in different states");
    free(blob);
}

enum value_type { F32, F64, N_VALUE_TYPES };

/* Updates through the f32 or f64 entry point; the f32 path gets the values
 * rounded to float, which the callers choose to be exact unless they say so. */
static int update_as(trm_regression *r, enum value_type type, const double *y_true, const double *y_pred,
                     size_t n)
{
    if (type == F64)
        return trm_regression_update_f64(r, y_true, y_pred, n);
    size_t count = n * trm_regression_n_outputs(r);
    float *t = malloc((count ? count : 1) * sizeof *t), *p = malloc((count ? count : 1) * sizeof *p);
    ck_assert(t && p);
    for (size_t i = 0; i < count; i++) {
        t[i] = (float)y_true[i];
        p[i] = (float)y_pred[i];
    }
    int rc = trm_regression_update_f32(r, t, p, n);
    free(t);
    free(p);
    return rc;
}

static void assert_per_output(const trm_regression *r, int metric, const double *expected)
{
    size_t m = trm_regression_n_outputs(r);
    double *got = malloc(m * sizeof *got);
    ck_assert_ptr_nonnull(got);
    ck_assert_ok(trm_regression_per_output(r, metric, got));
    for (size_t j = 0; j < m; j++)
        ck_assert_close(got[j], expected[j]);
    free(got);
}

static double average_of(const trm_regression *r, int metric)
{
    double out = -12345.0;
    ck_assert_ok(trm_regression_average(r, metric, &out));
    return out;
}

static const int per_output_metrics[] = { TRM_MAE, TRM_MSE, TRM_RMSE, TRM_R2, TRM_MAX_ERROR };
static const int scalar_metrics[] = { TRM_RMSE_POOLED, TRM_RMSE_PER_SAMPLE, TRM_SAD };
#define N_PER_OUTPUT (sizeof per_output_metrics / sizeof per_output_metrics[0])
#define N_SCALAR (sizeof scalar_metrics / sizeof scalar_metrics[0])

/* Every metric of a and b agrees to 1e-12 relative. */
static void assert_same_metrics(const trm_regression *a, const trm_regression *b)
{
    size_t m = trm_regression_n_outputs(a);
    ck_assert_uint_eq(trm_regression_n_outputs(b), m);
    ck_assert_uint_eq(trm_regression_n_samples(b), trm_regression_n_samples(a));
    double *want = malloc(m * sizeof *want);
    ck_assert_ptr_nonnull(want);
    for (size_t k = 0; k < N_PER_OUTPUT; k++) {
        ck_assert_ok(trm_regression_per_output(a, per_output_metrics[k], want));
        assert_per_output(b, per_output_metrics[k], want);
        ck_assert_close(average_of(b, per_output_metrics[k]), average_of(a, per_output_metrics[k]));
    }
    for (size_t k = 0; k < N_SCALAR; k++)
        ck_assert_close(average_of(b, scalar_metrics[k]), average_of(a, scalar_metrics[k]));
    free(want);
}

/* splitmix64: a small, fixed pseudo-random stream so every run sees the same data. */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state)
{
    return (double)(next_u64(state) >> 11) * 0x1p-53;
}

/* Standard normal by Box-Muller. */
static double normal(uint64_t *state)
{
    double u = uniform(state), v = uniform(state);
    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * PI * v);
}

/* ---- the basic batch ---------------------------------------------------------- */

/* M = 2, n = 4; every value is exact in float.
 *   y_true: (1, 0)  (2, 4)  (3, 8)  (6, 0)
 *   y_pred: (2, 0)  (2, 1)  (1, 8)  (6, 4)
 *   e:      (1, 0)  (0, -3) (-2, 0) (0, 4)
 * output 0: |e| 1 0 2 0, e^2 1 0 4 0; y_true mean 12/4 = 3, deviations -2 -1 0 3
 * output 1: |e| 0 3 0 4, e^2 0 9 0 16; y_true mean 12/4 = 3, deviations -3 1 5 -3 */
#define BASIC_M 2
#define BASIC_N 4
static const double basic_true[BASIC_N * BASIC_M] = { 1, 0, 2, 4, 3, 8, 6, 0 };
static const double basic_pred[BASIC_N * BASIC_M] = { 2, 0, 2, 1, 1, 8, 6, 4 };

static trm_regression *make_basic(enum value_type type)
{
    trm_regression *r = make(BASIC_M);
    ck_assert_ok(update_as(r, type, basic_true, basic_pred, BASIC_N));
    return r;
}

static void assert_basic_metrics(const trm_regression *r)
{
    ck_assert_uint_eq(trm_regression_n_samples(r), BASIC_N);

    /* MAE: (1+0+2+0)/4 = 0.75, (0+3+0+4)/4 = 1.75; mean 1.25. */
    const double mae[] = { 0.75, 1.75 };
    assert_per_output(r, TRM_MAE, mae);
    ck_assert_close(average_of(r, TRM_MAE), 1.25);

    /* MSE: (1+0+4+0)/4 = 1.25, (0+9+0+16)/4 = 6.25; mean 3.75. */
    const double mse[] = { 1.25, 6.25 };
    assert_per_output(r, TRM_MSE, mse);
    ck_assert_close(average_of(r, TRM_MSE), 3.75);

    /* RMSE: sqrt(1.25), sqrt(6.25) = 2.5; the average is the mean of the roots. */
    const double rmse[] = { sqrt(1.25), 2.5 };
    assert_per_output(r, TRM_RMSE, rmse);
    ck_assert_close(average_of(r, TRM_RMSE), (sqrt(1.25) + 2.5) / 2);

    /* R2: SS_res 5 and 25; SS_tot 4+1+0+9 = 14 and 9+1+25+9 = 44;
     * 1 - 5/14 = 9/14, 1 - 25/44 = 19/44. */
    const double r2[] = { 9.0 / 14, 19.0 / 44 };
    assert_per_output(r, TRM_R2, r2);
    ck_assert_close(average_of(r, TRM_R2), (9.0 / 14 + 19.0 / 44) / 2);

    /* MAX_ERROR: 2 and 4; mean 3. */
    const double max_error[] = { 2, 4 };
    assert_per_output(r, TRM_MAX_ERROR, max_error);
    ck_assert_close(average_of(r, TRM_MAX_ERROR), 3.0);

    /* RMSE_POOLED: sqrt((5 + 25) / 8) = sqrt(3.75). */
    ck_assert_close(average_of(r, TRM_RMSE_POOLED), sqrt(3.75));

    /* RMSE_PER_SAMPLE: sqrt(1/2) + sqrt(9/2) + sqrt(4/2) + sqrt(16/2)
     * = (1 + 3 + 2 + 4)/sqrt(2) = 10/sqrt(2) = 5 sqrt(2); over 4 samples 5 sqrt(2)/4. */
    ck_assert_close(average_of(r, TRM_RMSE_PER_SAMPLE), 5 * sqrt(2.0) / 4);

    /* SAD, angle = atan2(|t x p|, t . p) per row:
     *   (1,0),(2,0): cross 0, angle 0
     *   (2,4),(2,1): cross |2*1 - 4*2| = 6, dot 4 + 4 = 8, atan(6/8) = atan(3/4)
     *   (3,8),(1,8): cross |3*8 - 8*1| = 16, dot 3 + 64 = 67, atan(16/67)
     *   (6,0),(6,4): cross |6*4 - 0| = 24, dot 36, atan(24/36) = atan(2/3) */
    ck_assert_close(average_of(r, TRM_SAD), (atan(0.75) + atan(16.0 / 67) + atan(2.0 / 3)) / 4);
}

/* ---- creation ----------------------------------------------------------------- */

START_TEST(new_rejects_bad_arguments)
{
    static int dummy;
    trm_regression *out = UNTOUCHED;
    ck_assert_fails(TRM_E_INVALID, trm_regression_new(&out, 0, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert_fails(TRM_E_INVALID, trm_regression_new(NULL, 3, NULL));
    const trm_allocator broken[] = {
        { NULL, NULL, &dummy },
        { NULL, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        ck_assert_fails(TRM_E_INVALID, trm_regression_new(&out, 3, &broken[i]));
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
}
END_TEST

START_TEST(new_size_overflow)
{
    /* 12 doubles of state per output: 96 bytes, so M > SIZE_MAX / 96 overflows. */
    static const size_t huge[] = { SIZE_MAX, SIZE_MAX / 2, SIZE_MAX / 12, SIZE_MAX / 96 + 1 };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        trm_regression *out = UNTOUCHED;
        ck_assert_fails(TRM_E_OVERFLOW, trm_regression_new(&out, huge[i], NULL));
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
}
END_TEST

START_TEST(new_too_big_to_allocate)
{
#if SIZE_MAX > UINT32_MAX
    /* 2^56 outputs: 96 * 2^56 bytes (about 2^62.6) fit size_t but not any memory. */
    trm_regression *out = UNTOUCHED;
    trm_clear_last_error();
    int rc = trm_regression_new(&out, (size_t)1 << 56, NULL);
    ck_assert_msg(rc == TRM_E_NOMEM, "returned %d (%s)", rc, trm_strerror(rc));
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert(trm_last_error()[0] != '\0');
#endif
}
END_TEST

START_TEST(new_is_empty)
{
    trm_regression *r = make(3);
    double out[3] = { -1, -1, -1 }, value = -1;
    const float none[1] = { 0 };
    ck_assert_uint_eq(trm_regression_n_outputs(r), 3);
    ck_assert_uint_eq(trm_regression_n_samples(r), 0);
    for (size_t k = 0; k < N_PER_OUTPUT; k++) {
        ck_assert_rejected(TRM_E_EMPTY, r, trm_regression_per_output(r, per_output_metrics[k], out));
        ck_assert_rejected(TRM_E_EMPTY, r, trm_regression_average(r, per_output_metrics[k], &value));
    }
    for (size_t k = 0; k < N_SCALAR; k++)
        ck_assert_rejected(TRM_E_EMPTY, r, trm_regression_average(r, scalar_metrics[k], &value));
    /* The outputs were not written. */
    ck_assert(out[0] == -1 && out[1] == -1 && out[2] == -1 && value == -1);
    /* An empty batch keeps it empty. */
    ck_assert_ok(trm_regression_update_f64(r, basic_true, basic_pred, 0));
    ck_assert_ok(trm_regression_update_f32(r, none, none, 0));
    ck_assert_uint_eq(trm_regression_n_samples(r), 0);
    trm_regression_free(r);
}
END_TEST

START_TEST(null_handle_queries)
{
    ck_assert_uint_eq(trm_regression_n_outputs(NULL), 0);
    ck_assert_uint_eq(trm_regression_n_samples(NULL), 0);
    trm_regression_free(NULL);
    trm_regression_reset(NULL);
}
END_TEST

/* ---- hand-computed values ----------------------------------------------------- */

START_TEST(basic_metrics)
{
    trm_regression *r = make_basic((enum value_type)_i);
    assert_basic_metrics(r);
    trm_regression_free(r);
}
END_TEST

START_TEST(basic_metrics_in_batches)
{
    /* The same rows as 1 + 3, as 2 + 2 and one at a time: the sums and maxima do
     * not depend on the split, the Chan combination recovers the same M2. */
    enum value_type type = (enum value_type)_i;
    static const size_t splits[][4] = { { 1, 3, 0, 0 }, { 2, 2, 0, 0 }, { 1, 1, 1, 1 }, { 3, 0, 1, 0 } };
    for (size_t s = 0; s < sizeof splits / sizeof splits[0]; s++) {
        trm_regression *r = make(BASIC_M);
        size_t at = 0;
        for (size_t b = 0; b < 4; b++) {
            ck_assert_ok(update_as(r, type, basic_true + at * BASIC_M, basic_pred + at * BASIC_M,
                                   splits[s][b]));
            at += splits[s][b];
        }
        ck_assert_uint_eq(at, BASIC_N);
        assert_basic_metrics(r);
        trm_regression_free(r);
    }
}
END_TEST

START_TEST(r2_force_finite)
{
    enum value_type type = (enum value_type)_i;
    /* M = 4, n = 3.
     *   output 0: y_true 5 5 5 constant, y_pred 5 5 5 perfect   -> SS_res 0         -> 1
     *   output 1: y_true 5 5 5 constant, y_pred 5 6 5 imperfect -> SS_tot 0, SS_res 1 -> 0
     *   output 2: y_true 1 2 3, y_pred 1 2 3 perfect, not constant  -> 1
     *   output 3: y_true 1 2 3 (mean 2, SS_tot 2), y_pred 2 2 2 (SS_res 1 + 0 + 1 = 2) -> 0
     * average (1 + 0 + 1 + 0) / 4 = 0.5. */
    static const double t[] = { 5, 5, 1, 1, 5, 5, 2, 2, 5, 5, 3, 3 };
    static const double p[] = { 5, 5, 1, 2, 5, 6, 2, 2, 5, 5, 3, 2 };
    trm_regression *r = make(4);
    ck_assert_ok(update_as(r, type, t, p, 3));
    const double r2[] = { 1, 0, 1, 0 };
    assert_per_output(r, TRM_R2, r2);
    ck_assert_close(average_of(r, TRM_R2), 0.5);
    trm_regression_free(r);

    /* A constant 0.1 column: scikit-learn 1.2 rounds mean([0.1, 0.1, 0.1]) to
     * 0.10000000000000002 and scores an imperfect fit -1.7e31; the column is
     * constant, so SS_tot is exactly 0 here and the force_finite rule gives 0.
     * Output 1 is the perfect fit of the same column: 1. */
    static const double t01[] = { 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 };
    static const double p01[] = { 0.2, 0.1, 0.1, 0.1, 0.1, 0.1 };
    r = make(2);
    ck_assert_ok(update_as(r, type, t01, p01, 3));
    const double r2_01[] = { 0, 1 };
    assert_per_output(r, TRM_R2, r2_01);
    /* Still constant after a merge of another batch of the same value. */
    trm_regression *more = make(2);
    ck_assert_ok(update_as(more, type, t01, t01, 2));
    ck_assert_ok(trm_regression_merge(r, more));
    assert_per_output(r, TRM_R2, r2_01);
    trm_regression_free(more);
    trm_regression_free(r);
}
END_TEST

START_TEST(r2_needs_two_samples)
{
    enum value_type type = (enum value_type)_i;
    /* n = 1: R2 is NaN for every output (scikit-learn returns nan), and so is its
     * average; the other metrics are defined: e = (1, -2), MAE 1 and 2, MSE 1 and 4. */
    static const double t[] = { 3, 4 }, p[] = { 4, 2 }, t2[] = { 5, 0 }, p2[] = { 5, 0 };
    trm_regression *r = make(2);
    ck_assert_ok(update_as(r, type, t, p, 1));
    const double nan2[] = { NAN, NAN };
    assert_per_output(r, TRM_R2, nan2);
    ck_assert(isnan(average_of(r, TRM_R2)));
    const double mae[] = { 1, 2 }, mse[] = { 1, 4 };
    assert_per_output(r, TRM_MAE, mae);
    assert_per_output(r, TRM_MSE, mse);

    /* A second sample (5, 0) predicted exactly, arriving by merge:
     * output 0: y_true 3 5, mean 4, SS_tot 2, SS_res 1 -> 1 - 1/2 = 0.5
     * output 1: y_true 4 0, mean 2, SS_tot 8, SS_res 4 -> 1 - 4/8 = 0.5 */
    trm_regression *other = make(2);
    ck_assert_ok(update_as(other, type, t2, p2, 1));
    ck_assert_ok(trm_regression_merge(r, other));
    const double half[] = { 0.5, 0.5 };
    assert_per_output(r, TRM_R2, half);
    ck_assert_close(average_of(r, TRM_R2), 0.5);
    trm_regression_free(other);
    trm_regression_free(r);
}
END_TEST

START_TEST(sad_angles)
{
    enum value_type type = (enum value_type)_i;
    /* M = 2, one row per case:
     *   (1,0)  (1,1)    pi/4
     *   (0,2)  (3,0)    pi/2  (orthogonal)
     *   (1,1)  (-2,-2)  pi    (opposite)
     *   (0,0)  (0,0)    0     (both zero)
     *   (0,0)  (1,2)    pi/2  (only y_true zero)
     *   (3,4)  (0,0)    pi/2  (only y_pred zero)
     *   (2,3)  (4,6)    0     (parallel)
     * sum pi/4 + pi/2 + pi + 0 + pi/2 + pi/2 + 0 = 11 pi/4; mean over 7 = 11 pi/28. */
    static const double t[] = { 1, 0, 0, 2, 1, 1, 0, 0, 0, 0, 3, 4, 2, 3 };
    static const double p[] = { 1, 1, 3, 0, -2, -2, 0, 0, 1, 2, 0, 0, 4, 6 };
    trm_regression *r = make(2);
    ck_assert_ok(update_as(r, type, t, p, 7));
    ck_assert_close(average_of(r, TRM_SAD), 11 * PI / 28);
    trm_regression_free(r);

    /* M = 1: the angle between two numbers is 0 (same sign), pi (opposite) or
     * pi/2 (one zero): rows (2,5) (-1,3) (0,4) (0,0) -> (0 + pi + pi/2 + 0)/4. */
    static const double t1[] = { 2, -1, 0, 0 }, p1[] = { 5, 3, 4, 0 };
    r = make(1);
    ck_assert_ok(update_as(r, type, t1, p1, 4));
    ck_assert_close(average_of(r, TRM_SAD), 1.5 * PI / 4);
    trm_regression_free(r);
}
END_TEST

START_TEST(sad_identical_rows_are_exactly_zero)
{
    enum value_type type = (enum value_type)_i;
    /* With arccos of the cosine, (0.1, 0.1, 0.1) against itself gives cos =
     * 0.9999999999999999 and an angle of 1.49e-8 (NumPy does); the unit-vector
     * difference is exactly 0. Same for a less regular row. */
    static const double rows[] = { 0.1, 0.1, 0.1, 0.69266835, 0.22776449, 0.30089347 };
    trm_regression *r = make(3);
    ck_assert_ok(update_as(r, type, rows, rows, 2));
    ck_assert_msg(average_of(r, TRM_SAD) == 0.0, "SAD = %.17g", average_of(r, TRM_SAD));
    ck_assert(average_of(r, TRM_RMSE_PER_SAMPLE) == 0.0);
    trm_regression_free(r);
}
END_TEST

START_TEST(sad_nearly_parallel)
{
    /* (1, 1) against (1, 1 + d), d = 2^-32: the angle is atan(1 + d) - pi/4
     * = d/2 - d^2/4 + O(d^3) = 2^-33 - 2^-66, about 1.16e-10. The cosine differs
     * from 1 by about 1e-20, far below a rounding, so arccos would return 0;
     * the unit-vector form is off by a few roundings of the components. */
    static const double t[] = { 1, 1 }, p[] = { 1, 1 + 0x1p-32 };
    const double expected = 0x1p-33 - 0x1p-66;
    trm_regression *r = make(2);
    ck_assert_ok(trm_regression_update_f64(r, t, p, 1));
    double sad = average_of(r, TRM_SAD);
    ck_assert_msg(fabs(sad - expected) <= 1e-14, "SAD = %.17g, expected %.17g", sad, expected);
    trm_regression_free(r);
}
END_TEST

START_TEST(sad_extreme_magnitudes)
{
    /* Rows whose squares overflow or underflow still get their angle (each row
     * keeps |e| below 1.3e154, so that e^2 fits):
     *   (3e150, 0)      (3e150, 3e150)        pi/4  (|y|^2 = 9e300 > 2^900)
     *   (1e150, 1e150)  (1e150, -1e150)       pi/2
     *   (1e-200, 0)     (1e-200, 1e-200)      pi/4  (|y|^2 underflows to 0)
     *   (2^-1074, 0)    (0, 2^-1074)          pi/2  (smallest subnormals)
     *   (1e-300, -1e-300) (-2^-1074, 2^-1074) pi
     *   (3e150, 4e150)  (3e150, 4e150)        0
     * mean (pi/4 + pi/2 + pi/4 + pi/2 + pi + 0)/6 = 2.5 pi / 6. */
    const double tiny = 0x1p-1074;
    static const double angles[] = { PI / 4, PI / 2, PI / 4, PI / 2, PI, 0 };
    const double t[] = { 3e150, 0, 1e150, 1e150, 1e-200, 0, tiny, 0, 1e-300, -1e-300, 3e150, 4e150 };
    const double p[] = { 3e150, 3e150, 1e150, -1e150, 1e-200, 1e-200, 0, tiny, -tiny, tiny, 3e150, 4e150 };
    for (size_t i = 0; i < sizeof angles / sizeof angles[0]; i++) {
        trm_regression *r = make(2);
        ck_assert_ok(trm_regression_update_f64(r, t + 2 * i, p + 2 * i, 1));
        ck_assert_close(average_of(r, TRM_SAD), angles[i]);
        trm_regression_free(r);
    }
    trm_regression *r = make(2);
    ck_assert_ok(trm_regression_update_f64(r, t, p, 6));
    ck_assert_close(average_of(r, TRM_SAD), 2.5 * PI / 6);
    trm_regression_free(r);
}
END_TEST

START_TEST(rmse_per_sample_differs_from_pooled)
{
    enum value_type type = (enum value_type)_i;
    /* M = 2, errors (0, 0) and (2, 2):
     *   per sample: sqrt(0) = 0 and sqrt((4 + 4)/2) = 2, mean 1
     *   pooled:     sqrt((0 + 0 + 4 + 4)/4) = sqrt(2)
     *   per output RMSE: sqrt(4/2) = sqrt(2) each, average sqrt(2). */
    static const double t[] = { 1, 2, 3, 4 }, p[] = { 1, 2, 5, 6 };
    trm_regression *r = make(2);
    ck_assert_ok(update_as(r, type, t, p, 2));
    ck_assert_close(average_of(r, TRM_RMSE_PER_SAMPLE), 1.0);
    ck_assert_close(average_of(r, TRM_RMSE_POOLED), sqrt(2.0));
    ck_assert_close(average_of(r, TRM_RMSE), sqrt(2.0));
    trm_regression_free(r);

    /* Rows with errors (3, 4) and (0, 0), so output 0 has errors 3, 0 and output 1 has 4, 0:
     *   per-output RMSE sqrt(9/2), sqrt(16/2): average (3 + 4)/(2 sqrt 2) = 7/(2 sqrt 2)
     *   pooled sqrt((9 + 16)/4) = 2.5; per sample (sqrt(25/2) + 0)/2 = 5/(2 sqrt 2). */
    static const double t2[] = { 0, 0, 1, 1 }, p2[] = { 3, 4, 1, 1 };
    r = make(2);
    ck_assert_ok(update_as(r, type, t2, p2, 2));
    ck_assert_close(average_of(r, TRM_RMSE), 7 / (2 * sqrt(2.0)));
    ck_assert_close(average_of(r, TRM_RMSE_POOLED), 2.5);
    ck_assert_close(average_of(r, TRM_RMSE_PER_SAMPLE), 5 / (2 * sqrt(2.0)));
    trm_regression_free(r);
}
END_TEST

START_TEST(f32_values_are_converted_exactly)
{
    /* 0.1f is 0.100000001490116119384765625 and 0.3f is 0.300000011920928955078125;
     * the f32 path works on exactly these values, in double. */
    static const float t[] = { 0.1f, 0.3f }, p[] = { 0.3f, 0.3f };
    trm_regression *r = make(1);
    ck_assert_ok(trm_regression_update_f32(r, t, p, 2));
    const double e = (double)0.3f - (double)0.1f;
    const double mae[] = { e / 2 }, mse[] = { e * e / 2 }, max_error[] = { e };
    assert_per_output(r, TRM_MAE, mae);
    assert_per_output(r, TRM_MSE, mse);
    assert_per_output(r, TRM_MAX_ERROR, max_error);
    /* y_true 0.1f, 0.3f: deviations -e/2 and e/2 from their mean, SS_tot = e^2/2;
     * SS_res = e^2 + 0; R2 = 1 - e^2/(e^2/2) = -1. */
    const double r2[] = { -1.0 };
    assert_per_output(r, TRM_R2, r2);
    trm_regression_free(r);
}
END_TEST

START_TEST(metric_rejections)
{
    trm_regression *r = make_basic(F64);
    double out[2] = { -1, -1 }, value = -1;
    static const int unknown[] = { -1, 8, 100, INT_MIN, INT_MAX };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        ck_assert_rejected(TRM_E_INVALID, r, trm_regression_per_output(r, unknown[i], out));
        ck_assert_rejected(TRM_E_INVALID, r, trm_regression_average(r, unknown[i], &value));
        assert_mentions("unknown metric");
    }
    for (size_t k = 0; k < N_SCALAR; k++) {
        ck_assert_rejected(TRM_E_INVALID, r, trm_regression_per_output(r, scalar_metrics[k], out));
        assert_mentions("per-output");
    }
    ck_assert(out[0] == -1 && out[1] == -1 && value == -1);
    /* Scalar-only metrics are refused per output even before anything is accumulated. */
    trm_regression *empty = make(2);
    ck_assert_fails(TRM_E_INVALID, trm_regression_per_output(empty, TRM_SAD, out));
    trm_regression_free(empty);
    trm_regression_free(r);
}
END_TEST

/* ---- batch validation --------------------------------------------------------- */

enum { VAL_ROWS = 3000, VAL_M = 3 };

/* Positions in the 9000 values, around and past the first 4096-value scan block. */
static const size_t bad_positions[] = { 0, 1, 2500, 4095, 4096, 5000, VAL_ROWS * VAL_M - 1 };

START_TEST(nonfinite_rejects_batch)
{
    enum value_type type = (enum value_type)_i;
    double *t = malloc(VAL_ROWS * VAL_M * sizeof *t), *p = malloc(VAL_ROWS * VAL_M * sizeof *p);
    ck_assert(t && p);
    for (size_t i = 0; i < VAL_ROWS * VAL_M; i++) {
        t[i] = (double)(i % 7);
        p[i] = (double)(i % 5);
    }
    trm_regression *r = make(VAL_M);
    ck_assert_ok(update_as(r, type, basic_true, basic_pred, 2));
    size_t size = 0;
    uint8_t *before = snapshot_regression(r, &size);

    const double values[] = { NAN, INFINITY, -INFINITY };
    for (size_t side = 0; side < 2; side++) {
        double *target = side == 0 ? t : p;
        const char *name = side == 0 ? "y_true" : "y_pred";
        for (size_t pos = 0; pos < sizeof bad_positions / sizeof bad_positions[0]; pos++) {
            for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
                size_t at = bad_positions[pos];
                double saved = target[at];
                target[at] = values[v];
                trm_clear_last_error();
                int rc = update_as(r, type, t, p, VAL_ROWS);
                ck_assert_msg(rc == TRM_E_NONFINITE, "%s[%zu] = %g returned %d", name, at, values[v], rc);
                char where[64];
                snprintf(where, sizeof where, "%s[%zu][%zu]", name, at / VAL_M, at % VAL_M);
                assert_mentions(where);
                assert_mentions("not finite");
                assert_mentions(type == F32 ? "trm_regression_update_f32" : "trm_regression_update_f64");
                assert_blob(r, before, size, "a rejected batch changed the accumulator");
                target[at] = saved;
            }
        }
    }
    /* The clean batch itself is fine. */
    ck_assert_ok(update_as(r, type, t, p, VAL_ROWS));
    ck_assert_uint_eq(trm_regression_n_samples(r), VAL_ROWS + 2);
    free(before);
    free(t);
    free(p);
    trm_regression_free(r);
}
END_TEST

START_TEST(first_nonfinite_is_named)
{
    enum value_type type = (enum value_type)_i;
    double *t = calloc(VAL_ROWS * VAL_M, sizeof *t), *p = calloc(VAL_ROWS * VAL_M, sizeof *p);
    ck_assert(t && p);
    t[2000 * VAL_M + 0] = INFINITY;
    p[10 * VAL_M + 1] = NAN;
    trm_regression *r = make(VAL_M);
    ck_assert_rejected(TRM_E_NONFINITE, r, update_as(r, type, t, p, VAL_ROWS));
    ck_assert_int_eq(update_as(r, type, t, p, VAL_ROWS), TRM_E_NONFINITE);
    assert_mentions("y_pred[10][1]");
    assert_mentions("nan");
    /* At the same position y_true is named first. */
    t[10 * VAL_M + 1] = -INFINITY;
    ck_assert_int_eq(update_as(r, type, t, p, VAL_ROWS), TRM_E_NONFINITE);
    assert_mentions("y_true[10][1]");
    assert_mentions("-inf");
    free(t);
    free(p);
    trm_regression_free(r);
}
END_TEST

START_TEST(size_overflow_rejected)
{
    /* n_samples * M overflows size_t: refused before a single value is read (the
     * arrays hold 2 values; the sanitizers would see a read past them). */
    const double t[2] = { 0, 0 };
    const float f[2] = { 0, 0 };
    trm_regression *r = make(2);
    ck_assert_rejected(TRM_E_OVERFLOW, r, trm_regression_update_f64(r, t, t, SIZE_MAX / 2 + 1));
    ck_assert_rejected(TRM_E_OVERFLOW, r, trm_regression_update_f32(r, f, f, SIZE_MAX));
    assert_mentions("overflow");
    trm_regression_free(r);
    r = make(3);
    ck_assert_rejected(TRM_E_OVERFLOW, r, trm_regression_update_f64(r, t, t, SIZE_MAX / 3 + 1));
    trm_regression_free(r);
}
END_TEST

START_TEST(range_overflow_rejected)
{
    trm_regression *r = make(2);
    static const double t0[] = { 1, 2 }, p0[] = { 1.5, 2 };
    ck_assert_ok(trm_regression_update_f64(r, t0, p0, 1));

    /* e = 1e308 - (-1e308) is infinite. */
    static const double t1[] = { 0, -1e308 }, p1[] = { 0, 1e308 };
    ck_assert_rejected(TRM_E_OVERFLOW, r, trm_regression_update_f64(r, t1, p1, 1));
    assert_mentions("output 1");
    /* e = 1e200: e^2 is infinite. */
    static const double t2[] = { 0, 0 }, p2[] = { 1e200, 0 };
    ck_assert_rejected(TRM_E_OVERFLOW, r, trm_regression_update_f64(r, t2, p2, 1));
    assert_mentions("output 0");
    assert_mentions("squared errors");
    /* y_true 1e308 and -1e308 in one column: the deviations leave the range. */
    static const double t3[] = { 1e308, 0, -1e308, 0 }, p3[] = { 1e308, 0, -1e308, 0 };
    ck_assert_rejected(TRM_E_OVERFLOW, r, trm_regression_update_f64(r, t3, p3, 2));
    assert_mentions("output 0");

    /* Sums that overflow only once accumulated: e = 1e154 twice, e^2 = 1e308 each. */
    static const double t4[] = { 0, 0 }, p4[] = { 1e154, 0 };
    ck_assert_ok(trm_regression_update_f64(r, t4, p4, 1));
    ck_assert_rejected(TRM_E_OVERFLOW, r, trm_regression_update_f64(r, t4, p4, 1));
    ck_assert_rejected(TRM_E_OVERFLOW, r, trm_regression_merge(r, r));
    ck_assert_uint_eq(trm_regression_n_samples(r), 2);
    trm_regression_free(r);
}
END_TEST

START_TEST(large_errors_within_range)
{
    /* M = 2, one row with e = (1e154, 1e154): each e^2 = 1e308 fits, their sum
     * does not, yet every metric is representable:
     *   MSE 1e308 per output, average 1e308; RMSE 1e154
     *   RMSE_POOLED sqrt((1e308 + 1e308)/2) = 1e154
     *   RMSE_PER_SAMPLE sqrt((1e308 + 1e308)/2) = 1e154 */
    static const double t[] = { 0, 0 }, p[] = { 1e154, 1e154 };
    trm_regression *r = make(2);
    ck_assert_ok(trm_regression_update_f64(r, t, p, 1));
    const double mse[] = { 1e154 * 1e154, 1e154 * 1e154 };
    assert_per_output(r, TRM_MSE, mse);
    ck_assert_close(average_of(r, TRM_MSE), 1e154 * 1e154);
    ck_assert_close(average_of(r, TRM_RMSE), 1e154);
    ck_assert_close(average_of(r, TRM_RMSE_POOLED), 1e154);
    ck_assert_close(average_of(r, TRM_RMSE_PER_SAMPLE), 1e154);
    ck_assert_close(average_of(r, TRM_SAD), PI / 2);
    trm_regression_free(r);
}
END_TEST

/* ---- merge, clone, reset ------------------------------------------------------ */

enum { MIX_M = 4, MIX_N = 97 };

/* Deterministic data with a wide spread of magnitudes and one constant column. */
static void mixed_data(double *t, double *p)
{
    uint64_t state = 42;
    for (size_t i = 0; i < MIX_N; i++) {
        for (size_t j = 0; j < MIX_M; j++) {
            double y = j == 2 ? 7.25 : (uniform(&state) - 0.3) * (j == 3 ? 1e6 : 10.0);
            t[i * MIX_M + j] = y;
            p[i * MIX_M + j] = y + normal(&state) * (j + 1);
        }
    }
}

START_TEST(merge_equals_one_stream)
{
    enum value_type type = (enum value_type)_i;
    double t[MIX_N * MIX_M], p[MIX_N * MIX_M];
    mixed_data(t, p);
    trm_regression *whole = make(MIX_M);
    ck_assert_ok(update_as(whole, type, t, p, MIX_N));

    /* Five parts (one empty), merged in the order 3, 0, 4, 1, 2 into a fresh accumulator. */
    static const size_t cuts[] = { 0, 13, 13, 50, 51, MIX_N };
    trm_regression *part[5];
    for (size_t k = 0; k < 5; k++) {
        part[k] = make(MIX_M);
        ck_assert_ok(update_as(part[k], type, t + cuts[k] * MIX_M, p + cuts[k] * MIX_M,
                               cuts[k + 1] - cuts[k]));
    }
    trm_regression *merged = make(MIX_M);
    static const size_t order[] = { 3, 0, 4, 1, 2 };
    for (size_t k = 0; k < 5; k++)
        ck_assert_ok(trm_regression_merge(merged, part[order[k]]));
    assert_same_metrics(whole, merged);
    /* Output 2 is constant and stays so through the merges: its imperfect fit scores 0. */
    double r2[MIX_M];
    ck_assert_ok(trm_regression_per_output(merged, TRM_R2, r2));
    ck_assert(r2[2] == 0.0);
    for (size_t k = 0; k < 5; k++)
        trm_regression_free(part[k]);
    trm_regression_free(merged);
    trm_regression_free(whole);
}
END_TEST

START_TEST(merge_into_itself_doubles)
{
    enum value_type type = (enum value_type)_i;
    trm_regression *r = make_basic(type), *twice = make_basic(type);
    ck_assert_ok(update_as(twice, type, basic_true, basic_pred, BASIC_N));
    ck_assert_ok(trm_regression_merge(r, r));
    ck_assert_uint_eq(trm_regression_n_samples(r), 2 * BASIC_N);
    assert_same_metrics(twice, r);
    /* Every sample twice: SS_res and SS_tot both double, R2 stays 9/14 and 19/44. */
    const double r2[] = { 9.0 / 14, 19.0 / 44 };
    assert_per_output(r, TRM_R2, r2);
    trm_regression_free(r);
    trm_regression_free(twice);
}
END_TEST

START_TEST(merge_with_empty)
{
    trm_regression *r = make_basic(F64), *empty = make(BASIC_M);
    size_t size = 0;
    uint8_t *blob = snapshot_regression(r, &size);
    /* Adding nothing changes nothing. */
    ck_assert_ok(trm_regression_merge(r, empty));
    assert_blob(r, blob, size, "merging an empty accumulator changed the state");
    /* An empty accumulator takes the other one's state exactly. */
    ck_assert_ok(trm_regression_merge(empty, r));
    assert_blob(empty, blob, size, "merging into an empty accumulator did not copy the state");
    free(blob);
    trm_regression_free(r);
    trm_regression_free(empty);
}
END_TEST

/* check-contract.c: both ways, neither changed; here the detail. */
START_TEST(merge_mismatch)
{
    trm_regression *two = make_basic(F64), *three = make(3);
    ck_assert_rejected(TRM_E_MISMATCH, two, trm_regression_merge(two, three));
    assert_mentions("outputs");
    trm_regression_free(two);
    trm_regression_free(three);
}
END_TEST

/* check-contract.c: the clone serializes like its source and counts on its own. */
START_TEST(clone_is_deep)
{
    trm_regression *r = make_basic(F64), *copy = NULL;
    ck_assert_ok(trm_regression_clone(&copy, r));
    assert_basic_metrics(copy);
    /* An update of the original leaves the copy's metrics alone. */
    ck_assert_ok(trm_regression_update_f64(r, basic_pred, basic_true, 2));
    assert_basic_metrics(copy);
    trm_regression_free(copy);
    trm_regression_free(r);
}
END_TEST

START_TEST(reset_keeps_outputs)
{
    /* check-contract.c: a reset handle is a new one. */
    trm_regression *r = make_basic(F64);
    trm_regression_reset(r);
    ck_assert_uint_eq(trm_regression_n_outputs(r), BASIC_M);
    ck_assert_uint_eq(trm_regression_n_samples(r), 0);
    double value;
    ck_assert_fails(TRM_E_EMPTY, trm_regression_average(r, TRM_MAE, &value));
    trm_regression_free(r);
}
END_TEST

/* ---- serialization ------------------------------------------------------------ */

/* Blob layout (lib/codec-private.h, lib/regression.c), little-endian:
 *   0 "TRMB" | 4 u16 version = 1 | 6 u16 kind = 4 (regression)
 *   8 u64 M | 16 u64 n | 24 f64 sum of per-sample RMSEs | 32 f64 sum of angles
 *   40 six arrays of M f64: first y_true value, mean of y_true minus it, sum of
 *      squared deviations, sum |e|, sum e^2, max |e|
 *   size-4 u32 CRC-32C of [0, size-4)
 * so a blob is 12 + 32 + 48 M bytes: 140 for M = 2. */
enum { OFF_VERSION = 4, OFF_KIND = 6, OFF_M = 8, OFF_N = 16, OFF_RMSE = 24, OFF_ANGLE = 32, OFF_ARRAYS = 40 };
enum { A_SHIFT, A_MEAN, A_M2, A_SUM_ABS, A_SUM_SQ, A_MAX_ABS };
#define OFF_FIELD(field, j) ((size_t)OFF_ARRAYS + 8 * ((size_t)(field) * 2 + (j)))

/* M = 2, n = 3:
 *   y_true (1, -2) (3, 0) (2, 5), y_pred (1.5, -2) (2, 1) (2, 3), e (0.5, 0) (-1, 1) (0, -2)
 *   first y_true row (1, -2); y_true minus it (0,0) (2,2) (1,7): means 1 and 3
 *   deviations from the means: -1 1 0 -> M2 2; -3 -1 4 -> M2 26
 *   sum |e| 1.5 and 3, sum e^2 1.25 and 5, max |e| 1 and 2 */
static const double small_true[] = { 1, -2, 3, 0, 2, 5 };
static const double small_pred[] = { 1.5, -2, 2, 1, 2, 3 };
static const double small_fields[6][2] = {
    { 1, -2 }, { 1, 3 }, { 2, 26 }, { 1.5, 3 }, { 1.25, 5 }, { 1, 2 },
};
#define SMALL_SIZE 140

static trm_regression *make_small(void)
{
    trm_regression *r = make(2);
    ck_assert_ok(trm_regression_update_f64(r, small_true, small_pred, 3));
    return r;
}

/* Deserializes and returns the code, checking that a failure leaves out alone. */
static int load(const uint8_t *blob, size_t size)
{
    trm_regression *out = UNTOUCHED;
    int rc = trm_regression_deserialize(&out, blob, size, NULL);
    if (rc == TRM_OK)
        trm_regression_free(out);
    else
        ck_assert_msg(out == UNTOUCHED, "a failing deserialize wrote *out");
    return rc;
}

START_TEST(blob_layout)
{
    trm_regression *r = make_small();
    size_t size = 0;
    uint8_t *blob = snapshot_regression(r, &size);
    ck_assert_uint_eq(size, SMALL_SIZE);
    ck_assert_mem_eq(blob, "TRMB", 4);
    ck_assert_uint_eq(blob_get_le(blob + OFF_VERSION, 2), 1);
    ck_assert_uint_eq(blob_get_le(blob + OFF_KIND, 2), 4);
    ck_assert_uint_eq(blob_get_le(blob + OFF_M, 8), 2);
    ck_assert_uint_eq(blob_get_le(blob + OFF_N, 8), 3);
    ck_assert(blob_get_f64(blob + OFF_RMSE) > 0);
    ck_assert(blob_get_f64(blob + OFF_ANGLE) > 0 && blob_get_f64(blob + OFF_ANGLE) < 3 * PI);
    for (size_t f = 0; f < 6; f++)
        for (size_t j = 0; j < 2; j++)
            ck_assert_msg(blob_get_f64(blob + OFF_FIELD(f, j)) == small_fields[f][j], "field %zu output %zu = %g",
                          f, j, blob_get_f64(blob + OFF_FIELD(f, j)));
    ck_assert_uint_eq(blob_get_le(blob + size - 4, 4), blob_crc32c(blob, size - 4));
    free(blob);
    trm_regression_free(r);

    /* 12 + 32 + 48 M: 92 bytes for M = 1, 524 for M = 10. */
    r = make(1);
    ck_assert_fails(TRM_E_BUFFER, trm_regression_serialize(r, NULL, 0, &size));
    ck_assert_uint_eq(size, 92);
    trm_regression_free(r);
    r = make(10);
    ck_assert_fails(TRM_E_BUFFER, trm_regression_serialize(r, NULL, 0, &size));
    ck_assert_uint_eq(size, 524);
    trm_regression_free(r);
}
END_TEST

START_TEST(round_trip)
{
    trm_regression *r = make_basic(F64);
    size_t size = 0;
    uint8_t *blob = snapshot_regression(r, &size);
    trm_regression *back = UNTOUCHED;
    ck_assert_ok(trm_regression_deserialize(&back, blob, size, NULL));
    ck_assert_ptr_ne(back, UNTOUCHED);
    assert_blob(back, blob, size, "a reloaded accumulator serializes differently");
    assert_basic_metrics(back);
    /* The reloaded accumulator carries on exactly as the original. */
    ck_assert_ok(trm_regression_update_f64(r, basic_pred, basic_true, 3));
    ck_assert_ok(trm_regression_update_f64(back, basic_pred, basic_true, 3));
    assert_same_state(r, back);
    free(blob);
    trm_regression_free(back);
    trm_regression_free(r);

    /* Empty accumulators survive too. */
    r = make(7);
    blob = snapshot_regression(r, &size);
    ck_assert_ok(trm_regression_deserialize(&back, blob, size, NULL));
    ck_assert_uint_eq(trm_regression_n_outputs(back), 7);
    ck_assert_uint_eq(trm_regression_n_samples(back), 0);
    assert_same_state(r, back);
    free(blob);
    trm_regression_free(back);
    trm_regression_free(r);
}
END_TEST

START_TEST(round_trip_of_long_runs)
{
    /* One batch of 600000 opposite predictions: every angle is pi, and adding
     * pi 600000 times in double ends about 1.5e-11 above 600000 pi. The blob of
     * such a run must load; a bound on the angle sum without a rounding slack
     * that grows with n would refuse it. */
    enum { ROWS = 600000 };
    double *t = malloc(ROWS * sizeof *t), *p = malloc(ROWS * sizeof *p);
    ck_assert(t && p);
    for (size_t i = 0; i < ROWS; i++) {
        t[i] = 1.0 + (double)(i % 3);
        p[i] = -t[i];
    }
    trm_regression *r = make(1);
    ck_assert_ok(trm_regression_update_f64(r, t, p, ROWS));
    size_t size = 0;
    uint8_t *blob = snapshot_regression(r, &size);
    double sum = blob_get_f64(blob + OFF_ANGLE);
    ck_assert_msg(sum > PI * ROWS * (1 + 1e-12), "the sum %.17g did not round upwards", sum);
    trm_regression *back = NULL;
    ck_assert_ok(trm_regression_deserialize(&back, blob, size, NULL));
    /* The mean carries the sum's rounding: 1.5e-11 relative. */
    double sad = average_of(back, TRM_SAD);
    ck_assert_msg(fabs(sad - PI) <= 1e-10 * PI, "SAD = %.17g", sad);
    free(blob);
    free(t);
    free(p);
    trm_regression_free(back);
    trm_regression_free(r);
}
END_TEST

/* A sealed edit of the small blob: up to two field patches and a new length. */
typedef struct patch {
    size_t offset; /* 0 = no patch */
    size_t bytes;  /* 8 for u64 and f64 fields */
    bool is_f64;
    uint64_t u;
    double d;
} patch;

typedef struct edit {
    const char *what;
    patch patches[2];
    long resize; /* bytes added (> 0) or removed (< 0) before the CRC */
} edit;

#define U64(off, v) { (off), 8, false, (v), 0 }
#define F64(off, v) { (off), 8, true, 0, (v) }

static const edit inconsistent[] = {
    /* The body length does not match M: 96 bytes of arrays are 2 outputs. */
    { "M = 0", { U64(OFF_M, 0) }, 0 },
    { "M = 1 with 2 outputs", { U64(OFF_M, 1) }, 0 },
    { "M = 3 with 2 outputs", { U64(OFF_M, 3) }, 0 },
    { "M = 2^59 (48 M overflows)", { U64(OFF_M, UINT64_C(1) << 59) }, 0 },
    { "M = 2^64 - 1", { U64(OFF_M, UINT64_MAX) }, 0 },
    { "one value missing", { { 0 } }, -8 },
    { "one value too many", { { 0 } }, 8 },
    { "one byte too many", { { 0 } }, 1 },
    { "one byte missing", { { 0 } }, -1 },
    { "no arrays at all", { { 0 } }, -96 },
    { "a third output's arrays", { { 0 } }, 48 },
    /* Values no sequence of updates produces. */
    { "no samples but sums", { U64(OFF_N, 0) }, 0 },
    { "one sample with a deviation", { U64(OFF_N, 1) }, 0 },
    { "NaN sum of RMSEs", { F64(OFF_RMSE, NAN) }, 0 },
    { "negative sum of RMSEs", { F64(OFF_RMSE, -1.0) }, 0 },
    { "infinite sum of RMSEs", { F64(OFF_RMSE, INFINITY) }, 0 },
    { "negative sum of angles", { F64(OFF_ANGLE, -0.5) }, 0 },
    { "angles above pi n", { F64(OFF_ANGLE, 3 * PI * 1.001) }, 0 },
    { "NaN sum of angles", { F64(OFF_ANGLE, NAN) }, 0 },
    { "infinite shift", { F64(OFF_FIELD(A_SHIFT, 0), INFINITY) }, 0 },
    { "NaN shift", { F64(OFF_FIELD(A_SHIFT, 1), NAN) }, 0 },
    { "infinite mean", { F64(OFF_FIELD(A_MEAN, 1), -INFINITY) }, 0 },
    { "negative M2", { F64(OFF_FIELD(A_M2, 0), -1.0) }, 0 },
    { "infinite M2", { F64(OFF_FIELD(A_M2, 1), INFINITY) }, 0 },
    { "negative sum |e|", { F64(OFF_FIELD(A_SUM_ABS, 1), -1.0) }, 0 },
    { "negative sum e^2", { F64(OFF_FIELD(A_SUM_SQ, 0), -1e-300) }, 0 },
    { "NaN sum e^2", { F64(OFF_FIELD(A_SUM_SQ, 1), NAN) }, 0 },
    { "negative max |e|", { F64(OFF_FIELD(A_MAX_ABS, 1), -1.0) }, 0 },
    { "max |e| above sum |e|", { F64(OFF_FIELD(A_MAX_ABS, 0), 1.75) }, 0 },
    { "max |e| 0 with sum |e| > 0", { F64(OFF_FIELD(A_MAX_ABS, 1), 0.0) }, 0 },
    { "sum e^2 > 0 without errors",
      { F64(OFF_FIELD(A_MAX_ABS, 0), 0.0), F64(OFF_FIELD(A_SUM_ABS, 0), 0.0) }, 0 },
};

/* Applies an edit to blob (size bytes) and returns a sealed copy of *new_size bytes. */
static uint8_t *apply_edit(const uint8_t *blob, size_t size, const edit *e, size_t *new_size)
{
    size_t body_end = (size_t)((long)(size - 4) + e->resize);
    uint8_t *copy = calloc(body_end + 4, 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, blob, body_end < size - 4 ? body_end : size - 4);
    for (size_t i = 0; i < 2; i++) {
        const patch *pt = &e->patches[i];
        if (pt->offset)
            blob_put_le(copy + pt->offset, pt->is_f64 ? blob_bits_of(pt->d) : pt->u, pt->bytes);
    }
    *new_size = body_end + 4;
    blob_reseal(copy, *new_size);
    return copy;
}

START_TEST(inconsistent_body_is_corrupt)
{
    trm_regression *r = make_small();
    size_t size = 0;
    uint8_t *blob = snapshot_regression(r, &size);
    for (size_t i = 0; i < sizeof inconsistent / sizeof inconsistent[0]; i++) {
        size_t new_size = 0;
        uint8_t *copy = apply_edit(blob, size, &inconsistent[i], &new_size);
        trm_clear_last_error();
        int rc = load(copy, new_size);
        ck_assert_msg(rc == TRM_E_CORRUPT, "%s: returned %d (%s)", inconsistent[i].what, rc,
                      trm_strerror(rc));
        ck_assert(trm_last_error()[0] != '\0');
        free(copy);
    }
    free(blob);
    trm_regression_free(r);
}
END_TEST

START_TEST(sealed_valid_edits_are_accepted)
{
    /* Guards the edit helpers against false alarms: a shift and mean moved
     * together describe the same data, and a huge sample count is consistent. */
    trm_regression *r = make_small();
    size_t size = 0, new_size = 0;
    uint8_t *blob = snapshot_regression(r, &size);
    const edit moved = { "shift 0 and mean 2",
                         { F64(OFF_FIELD(A_SHIFT, 0), 0.0), F64(OFF_FIELD(A_MEAN, 0), 2.0) }, 0 };
    uint8_t *copy = apply_edit(blob, size, &moved, &new_size);
    trm_regression *back = NULL;
    ck_assert_ok(trm_regression_deserialize(&back, copy, new_size, NULL));
    double r2_before[2], r2_after[2];
    ck_assert_ok(trm_regression_per_output(r, TRM_R2, r2_before));
    ck_assert_ok(trm_regression_per_output(back, TRM_R2, r2_after));
    ck_assert_close(r2_after[0], r2_before[0]);
    trm_regression_free(back);
    free(copy);

    /* n = 2^64 - 1 loads; one more sample, or a merge into itself, overflows the count. */
    const edit full = { "n = 2^64 - 1", { U64(OFF_N, UINT64_MAX) }, 0 };
    copy = apply_edit(blob, size, &full, &new_size);
    ck_assert_ok(trm_regression_deserialize(&back, copy, new_size, NULL));
    ck_assert(trm_regression_n_samples(back) == UINT64_MAX);
    ck_assert_rejected(TRM_E_OVERFLOW, back, trm_regression_update_f64(back, small_true, small_pred, 1));
    assert_mentions("sample count");
    ck_assert_rejected(TRM_E_OVERFLOW, back, trm_regression_merge(back, back));
    ck_assert_rejected(TRM_E_OVERFLOW, back, trm_regression_merge(back, r));
    trm_regression_free(back);
    free(copy);
    free(blob);
    trm_regression_free(r);
}
END_TEST

/* ---- NULL pointers ------------------------------------------------------------ */

START_TEST(null_pointers_rejected)
{
    trm_regression *r = make_basic(F64);
    const double d[2] = { 1, 2 };
    const float f[2] = { 1, 2 };
    double out[2], value;

    ck_assert_fails(TRM_E_INVALID, trm_regression_update_f64(NULL, d, d, 1));
    ck_assert_rejected(TRM_E_INVALID, r, trm_regression_update_f64(r, NULL, d, 1));
    assert_mentions("y_true is NULL");
    ck_assert_rejected(TRM_E_INVALID, r, trm_regression_update_f64(r, d, NULL, 1));
    assert_mentions("y_pred is NULL");
    ck_assert_rejected(TRM_E_INVALID, r, trm_regression_update_f64(r, NULL, NULL, 0));
    ck_assert_fails(TRM_E_INVALID, trm_regression_update_f32(NULL, f, f, 1));
    ck_assert_rejected(TRM_E_INVALID, r, trm_regression_update_f32(r, NULL, f, 1));
    ck_assert_rejected(TRM_E_INVALID, r, trm_regression_update_f32(r, f, NULL, 1));

    ck_assert_fails(TRM_E_INVALID, trm_regression_per_output(NULL, TRM_MAE, out));
    ck_assert_rejected(TRM_E_INVALID, r, trm_regression_per_output(r, TRM_MAE, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_regression_average(NULL, TRM_MAE, &value));
    ck_assert_rejected(TRM_E_INVALID, r, trm_regression_average(r, TRM_MAE, NULL));

    /* The life-cycle calls: check-contract.c. */
    trm_regression_free(r);
}
END_TEST

/* ---- numerical stability ------------------------------------------------------ */

enum { STAB_M = 3, STAB_BATCHES = 200, STAB_MAX_BATCH = 50, STAB_PARTS = 7 };

/* Values near 1e8 (and -3e8) with unit-scale noise, in 200 batches of 1..50
 * samples spread over 7 partial accumulators that are merged in a shuffled
 * order. In double, sum(y^2) is about 5e19 with a rounding of 8e3 per addition,
 * while SS_tot is about 5e3: the textbook sum(y^2) - sum(y)^2/n has no correct
 * digit left. The reference is the two-pass formula over all stored values in
 * long double. */
START_TEST(stability_near_1e8)
{
    static const double offset[STAB_M] = { 1e8, -3e8, 1e8 + 0.5 };
    static const double spread[STAB_M] = { 1.0, 0.5, 2.0 };
    uint64_t state = UINT64_C(20261127);
    size_t cap = STAB_BATCHES * STAB_MAX_BATCH * STAB_M;
    double *t = malloc(cap * sizeof *t), *p = malloc(cap * sizeof *p);
    ck_assert(t && p);

    trm_regression *part[STAB_PARTS], *single = make(STAB_M);
    for (size_t k = 0; k < STAB_PARTS; k++)
        part[k] = make(STAB_M);
    size_t n = 0;
    for (size_t b = 0; b < STAB_BATCHES; b++) {
        size_t rows = 1 + (size_t)(next_u64(&state) % STAB_MAX_BATCH);
        double *bt = t + n * STAB_M, *bp = p + n * STAB_M;
        for (size_t i = 0; i < rows; i++) {
            for (size_t j = 0; j < STAB_M; j++) {
                bt[i * STAB_M + j] = offset[j] + spread[j] * normal(&state);
                bp[i * STAB_M + j] = bt[i * STAB_M + j] + 0.3 * normal(&state);
            }
        }
        ck_assert_ok(trm_regression_update_f64(part[next_u64(&state) % STAB_PARTS], bt, bp, rows));
        ck_assert_ok(trm_regression_update_f64(single, bt, bp, rows));
        n += rows;
    }
    /* Shuffle the parts (Fisher-Yates) and merge them all into the first. */
    for (size_t k = STAB_PARTS - 1; k > 0; k--) {
        size_t other = (size_t)(next_u64(&state) % (k + 1));
        trm_regression *swap = part[k];
        part[k] = part[other];
        part[other] = swap;
    }
    for (size_t k = 1; k < STAB_PARTS; k++)
        ck_assert_ok(trm_regression_merge(part[0], part[k]));
    ck_assert_uint_eq(trm_regression_n_samples(part[0]), n);

    double r2[2][STAB_M], mse[2][STAB_M];
    ck_assert_ok(trm_regression_per_output(part[0], TRM_R2, r2[0]));
    ck_assert_ok(trm_regression_per_output(part[0], TRM_MSE, mse[0]));
    ck_assert_ok(trm_regression_per_output(single, TRM_R2, r2[1]));
    ck_assert_ok(trm_regression_per_output(single, TRM_MSE, mse[1]));
    double r2_mean = 0.0;
    for (size_t j = 0; j < STAB_M; j++) {
        long double mean = 0, ss_tot = 0, ss_res = 0;
        for (size_t i = 0; i < n; i++)
            mean += t[i * STAB_M + j];
        mean /= (long double)n;
        for (size_t i = 0; i < n; i++) {
            long double d = t[i * STAB_M + j] - mean, e = (long double)p[i * STAB_M + j] - t[i * STAB_M + j];
            ss_tot += d * d;
            ss_res += e * e;
        }
        double want_r2 = (double)(1 - ss_res / ss_tot), want_mse = (double)(ss_res / n);
        r2_mean += want_r2 / STAB_M;
        for (size_t k = 0; k < 2; k++) {
            const char *how = k ? "single stream" : "merged";
            ck_assert_msg(fabs(r2[k][j] - want_r2) <= 1e-9 * fabs(want_r2),
                          "%s output %zu: R2 %.17g, reference %.17g", how, j, r2[k][j], want_r2);
            ck_assert_msg(fabs(mse[k][j] - want_mse) <= 1e-9 * want_mse,
                          "%s output %zu: MSE %.17g, reference %.17g", how, j, mse[k][j], want_mse);
        }
        /* The reference is meaningful (R2 near 1 - 0.09/spread^2) and the naive
         * formula in double is far off. */
        ck_assert(want_r2 > 0.5 && want_r2 < 1.0);
        double sum = 0, sum_sq = 0;
        for (size_t i = 0; i < n; i++) {
            sum += t[i * STAB_M + j];
            sum_sq += t[i * STAB_M + j] * t[i * STAB_M + j];
        }
        double naive = sum_sq - sum * sum / (double)n;
        ck_assert_msg(fabs(naive - (double)ss_tot) > 1e-3 * (double)ss_tot, "naive SS_tot %.17g is accurate",
                      naive);
    }
    ck_assert_msg(fabs(average_of(part[0], TRM_R2) - r2_mean) <= 1e-9 * fabs(r2_mean), "average R2");
    for (size_t k = 0; k < STAB_PARTS; k++)
        trm_regression_free(part[k]);
    trm_regression_free(single);
    free(t);
    free(p);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

static Suite *regression_suite(void)
{
    Suite *s = suite_create("regression");

    TCase *tc = tcase_create("create");
    tcase_add_test(tc, new_rejects_bad_arguments);
    tcase_add_test(tc, new_size_overflow);
    tcase_add_test(tc, new_too_big_to_allocate);
    tcase_add_test(tc, new_is_empty);
    tcase_add_test(tc, null_handle_queries);
    suite_add_tcase(s, tc);

    tc = tcase_create("values");
    tcase_add_loop_test(tc, basic_metrics, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, basic_metrics_in_batches, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, r2_force_finite, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, r2_needs_two_samples, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, sad_angles, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, sad_identical_rows_are_exactly_zero, F32, N_VALUE_TYPES);
    tcase_add_test(tc, sad_nearly_parallel);
    tcase_add_test(tc, sad_extreme_magnitudes);
    tcase_add_loop_test(tc, rmse_per_sample_differs_from_pooled, F32, N_VALUE_TYPES);
    tcase_add_test(tc, f32_values_are_converted_exactly);
    tcase_add_test(tc, metric_rejections);
    suite_add_tcase(s, tc);

    tc = tcase_create("validation");
    tcase_add_loop_test(tc, nonfinite_rejects_batch, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, first_nonfinite_is_named, F32, N_VALUE_TYPES);
    tcase_add_test(tc, size_overflow_rejected);
    tcase_add_test(tc, range_overflow_rejected);
    tcase_add_test(tc, large_errors_within_range);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_loop_test(tc, merge_equals_one_stream, F32, N_VALUE_TYPES);
    tcase_add_loop_test(tc, merge_into_itself_doubles, F32, N_VALUE_TYPES);
    tcase_add_test(tc, merge_with_empty);
    tcase_add_test(tc, merge_mismatch);
    tcase_add_test(tc, clone_is_deep);
    tcase_add_test(tc, reset_keeps_outputs);
    suite_add_tcase(s, tc);

    tc = tcase_create("serialize");
    tcase_add_test(tc, blob_layout);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, round_trip_of_long_runs);
    tcase_add_test(tc, inconsistent_body_is_corrupt);
    tcase_add_test(tc, sealed_valid_edits_are_accepted);
    suite_add_tcase(s, tc);

    tc = tcase_create("null");
    tcase_add_test(tc, null_pointers_rejected);
    suite_add_tcase(s, tc);

    tc = tcase_create("stability");
    tcase_add_test(tc, stability_near_1e8);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(regression_suite());
}
