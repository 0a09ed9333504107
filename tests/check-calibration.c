/* SPDX-License-Identifier: MIT */
/* calibration.h: creation, the binning rule (edges, 0, 1, the one-point bin
 * of exact 1s, float against double edges), the three norms on hand tables
 * and on torchmetrics' documented examples, multiclass ties, logits and the
 * AUTO rule, batch validation (labels, NaN, probabilities outside [0, 1]
 * including a negative subnormal), the ignore label, overflow refusal,
 * streaming, merge, blobs
 * (layout and rejection of inconsistent contents) and the floating-point
 * modes. Every expected value is worked out by hand in the comment beside it.
 *
 * Bins: b / n <= c < (b + 1) / n is bin b, c = 1 is bin n (n + 1 bins).
 *
 * Blob layout (lib/core/codec-private.h, lib/classification/calibration.c):
 *   0 "TRMB" | 4 u16 version = 2 | 6 u16 kind = 7 (calibration)
 *   8 u64 n_bins | 16 u64 n_classes | 24 u32 input | 28 u32 0 | 32 u64 n_samples
 *   40 i64 ignore label | 48 (n + 1) u64 counts | (n + 1) u64 hits
 *   | (n + 1) f64 sums of confidences | size-4 u32 CRC-32C of [0, size-4)
 * so a blob is 12 + 40 + 24 (n + 1) bytes; format 1 (no ignore label) is 8 shorter. */
#include <float.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "blob-util.h"
#include "testutil.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#else
#define HAVE_MXCSR 0
#endif

DEFINE_SNAPSHOTS(calibration)

/* The call fails with `code`, leaves an error detail, and c keeps its state. */
#define ck_assert_cal_rejected(code, c, call)                      \
    do {                                                           \
        size_t before_size_ = 0;                                   \
        uint8_t *before_ = snapshot_calibration((c), &before_size_); \
        ck_assert_fails((code), (call));                           \
        ck_assert_unchanged_calibration((c), before_, before_size_); \
        free(before_);                                             \
    } while (0)

static char sentinel_object;
#define UNTOUCHED ((trm_calibration *)(void *)&sentinel_object)

enum { OFF_N_BINS = 8, OFF_N_CLASSES = 16, OFF_INPUT = 24, OFF_RESERVED = 28, OFF_N = 32, OFF_IGNORE = 40,
       OFF_TABLES = 48 };

static trm_calibration *make(size_t n_bins, size_t n_classes)
{
    trm_calibration *c = NULL;
    ck_assert_ok(trm_calibration_new(&c, n_bins, n_classes, NULL));
    ck_assert_ptr_nonnull(c);
    return c;
}

enum score_type { F32, F64 };

static int binary_as(trm_calibration *c, enum score_type type, const int32_t *y, const double *s, size_t n)
{
    if (type == F64)
        return trm_calibration_update_binary_f64(c, y, s, n);
    float f[64];
    ck_assert_uint_le(n, 64);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)s[i];
    return trm_calibration_update_binary_f32(c, y, f, n);
}

static int multiclass_as(trm_calibration *c, enum score_type type, const int32_t *y, const double *s, size_t n,
                         size_t stride)
{
    if (type == F64)
        return trm_calibration_update_multiclass_f64(c, y, s, n, stride);
    float f[256];
    ck_assert_uint_le(n * stride, 256);
    for (size_t i = 0; i < n * stride; i++)
        f[i] = (float)s[i];
    return trm_calibration_update_multiclass_f32(c, y, f, n, stride);
}

static double error_of(const trm_calibration *c, int norm)
{
    double v = -1.0;
    ck_assert_ok(trm_calibration_error(c, norm, &v));
    return v;
}

/* The bin table against expected counts, mean confidences and accuracies (NaN for empty bins). */
static void assert_bins(const trm_calibration *c, const uint64_t *counts, const double *conf, const double *acc)
{
    size_t n = trm_calibration_n_bins(c) + 1;
    uint64_t got_counts[64];
    double got_conf[64], got_acc[64];
    ck_assert_uint_le(n, 64);
    ck_assert_ok(trm_calibration_bins(c, got_counts, got_conf, got_acc));
    for (size_t b = 0; b < n; b++) {
        ck_assert_msg(got_counts[b] == counts[b], "bin %zu: count %" PRIu64 ", expected %" PRIu64, b,
                      got_counts[b], counts[b]);
        ck_assert_close(got_conf[b], conf[b]);
        ck_assert_close(got_acc[b], acc[b]);
    }
}

/* ---- creation ------------------------------------------------------------------ */

START_TEST(new_rejects_bad_arguments)
{
    trm_calibration *c = UNTOUCHED;
    ck_assert_fails(TRM_E_INVALID, trm_calibration_new(NULL, 10, 1, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_calibration_new(&c, 0, 1, NULL));
    assert_mentions("n_bins = 0");
    ck_assert_fails(TRM_E_INVALID, trm_calibration_new(&c, ((size_t)1 << 24) + 1, 1, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_calibration_new(&c, SIZE_MAX, 3, NULL));
    trm_allocator half = { tracking_alloc, NULL, NULL };
    ck_assert_fails(TRM_E_INVALID, trm_calibration_new(&c, 10, 1, &half));
    ck_assert_ptr_eq(c, UNTOUCHED);
}
END_TEST

START_TEST(new_is_empty)
{
    trm_calibration *c = make(15, 0), *m = make((size_t)1 << 24, 10);
    ck_assert_uint_eq(trm_calibration_n_bins(c), 15);
    ck_assert_uint_eq(trm_calibration_n_classes(c), 1); /* 0 means binary, like 1 */
    ck_assert_uint_eq(trm_calibration_n_samples(c), 0);
    ck_assert_int_eq(trm_calibration_input(c), TRM_CALIBRATION_PROBABILITIES);
    ck_assert_uint_eq(trm_calibration_n_classes(m), 10);
    double v = 7.0;
    ck_assert_fails(TRM_E_EMPTY, trm_calibration_error(c, TRM_CALIBRATION_L1, &v));
    ck_assert_close(v, 7.0);
    /* The table of an empty accumulator: 16 empty bins. */
    uint64_t counts[16];
    double conf[16], acc[16];
    ck_assert_ok(trm_calibration_bins(c, counts, conf, acc));
    for (size_t b = 0; b < 16; b++)
        ck_assert(counts[b] == 0 && isnan(conf[b]) && isnan(acc[b]));
    ck_assert_ok(trm_calibration_bins(c, NULL, NULL, NULL));
    size_t size = 0;
    ck_assert_fails(TRM_E_BUFFER, trm_calibration_serialize(c, NULL, 0, &size));
    ck_assert_uint_eq(size, 12 + 40 + 24 * 16);
    trm_calibration_free(c);
    trm_calibration_free(m);
}
END_TEST

START_TEST(null_handle_queries)
{
    double v;
    ck_assert_uint_eq(trm_calibration_n_bins(NULL), 0);
    ck_assert_uint_eq(trm_calibration_n_classes(NULL), 0);
    ck_assert_uint_eq(trm_calibration_n_samples(NULL), 0);
    ck_assert_fails(TRM_E_INVALID, trm_calibration_input(NULL));
    ck_assert_fails(TRM_E_INVALID, trm_calibration_set_input(NULL, TRM_CALIBRATION_LOGITS));
    ck_assert_fails(TRM_E_INVALID, trm_calibration_error(NULL, TRM_CALIBRATION_L1, &v));
    ck_assert_fails(TRM_E_INVALID, trm_calibration_bins(NULL, NULL, NULL, NULL));
    trm_calibration *c = make(4, 1);
    ck_assert_cal_rejected(TRM_E_INVALID, c, trm_calibration_error(c, TRM_CALIBRATION_L1, NULL));
    ck_assert_cal_rejected(TRM_E_INVALID, c, trm_calibration_error(c, 3, &v));
    ck_assert_cal_rejected(TRM_E_INVALID, c, trm_calibration_error(c, -1, &v));
    ck_assert_cal_rejected(TRM_E_INVALID, c, trm_calibration_set_input(c, 3));
    ck_assert_cal_rejected(TRM_E_INVALID, c, trm_calibration_set_input(c, -1));
    trm_calibration_free(c);
}
END_TEST

/* ---- hand tables ------------------------------------------------------------------ */

/* torchmetrics' docstring example of binary_calibration_error, n_bins = 2:
 * [0, .5): .25 .25, targets 0 0: acc 0, conf .25, gap .25, share .4
 * [.5, 1): .55 .75 .75, targets 1 1 1: acc 1, conf 2.05/3, gap .95/3, share .6
 * L1 = .1 + .19 = .29; L2 = sqrt(.0625 * .4 + (.95/3)^2 * .6); MAX = .95/3. */
START_TEST(torchmetrics_binary_example)
{
    const enum score_type type = (enum score_type)_i;
    static const int32_t y[] = { 0, 0, 1, 1, 1 };
    static const double s[] = { 0.25, 0.25, 0.55, 0.75, 0.75 };
    trm_calibration *c = make(2, 1);
    ck_assert_ok(binary_as(c, type, y, s, 5));
    /* float scores carry their float rounding: .55f is 0.550000011920929 */
    const double tol = type == F32 ? 1e-7 : 1e-12, g1 = (0.55 + 0.75 + 0.75) / 3.0 - 1.0;
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_L1), 0.29, tol);
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_L2), sqrt(0.0625 * 0.4 + g1 * g1 * 0.6), tol);
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_MAX), 0.95 / 3.0, tol);
    /* torchmetrics prints 0.2900, 0.2918 and 0.3167 */
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_L2), 0.2918, 5e-5);
    ck_assert_uint_eq(trm_calibration_n_samples(c), 5);
    trm_calibration_free(c);
}
END_TEST

/* torchmetrics' multiclass_calibration_error example, n_bins = 3:
 * confidences .55 (pred 2, true 0), .55 (pred 0, true 1), .6 (pred 2, true 2), .9 (pred 0, true 0)
 * [1/3, 2/3): .55 .55 .6, 1 hit: acc 1/3, conf 1.7/3, gap .7/3, share .75
 * [2/3, 1): .9, 1 hit: gap .1, share .25
 * L1 = .175 + .025 = .2; L2 = sqrt((.7/3)^2 .75 + .01 .25); MAX = .7/3. */
START_TEST(torchmetrics_multiclass_example)
{
    const enum score_type type = (enum score_type)_i;
    static const int32_t y[] = { 0, 1, 2, 0 };
    static const double s[] = { 0.25, 0.20, 0.55, 0.55, 0.05, 0.40, 0.10, 0.30, 0.60, 0.90, 0.05, 0.05 };
    trm_calibration *c = make(3, 3);
    ck_assert_ok(multiclass_as(c, type, y, s, 4, 3));
    const double tol = type == F32 ? 1e-7 : 1e-12, g = 0.7 / 3.0;
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_L1), 0.2, tol);
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_L2), sqrt(g * g * 0.75 + 0.01 * 0.25), tol);
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_MAX), g, tol);
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_L2), 0.2082, 5e-5);
    trm_calibration_free(c);
}
END_TEST

/* n_bins = 4, dyadic scores (the same in float and double):
 *   0 (y 0), .125 (y 0) -> bin 0: count 2, conf .0625, acc 0, gap .0625
 *   .25 (y 1)           -> bin 1 (an edge goes up): conf .25, acc 1, gap .75
 *   .5 (y 0)            -> bin 2: conf .5, acc 0, gap .5
 *                          bin 3 empty
 *   1 (y 1), 1 (y 0)    -> bin 4, the one-point bin: conf 1, acc .5, gap .5
 * N = 6: L1 = (2 .0625 + .75 + .5 + 2 .5) / 6 = 2.375 / 6
 *        L2 = sqrt((2 .00390625 + .5625 + .25 + 2 .25) / 6) = sqrt(1.3203125 / 6)
 *        MAX = .75 */
START_TEST(edges_zero_one_and_empty_bins)
{
    const enum score_type type = (enum score_type)_i;
    static const int32_t y[] = { 0, 1, 0, 1, 0, 0 };
    static const double s[] = { 0.0, 0.25, 0.5, 1.0, 1.0, 0.125 };
    trm_calibration *c = make(4, 1);
    ck_assert_ok(binary_as(c, type, y, s, 6));
    static const uint64_t counts[] = { 2, 1, 1, 0, 2 };
    static const double conf[] = { 0.0625, 0.25, 0.5, NAN, 1.0 }, acc[] = { 0.0, 1.0, 0.0, NAN, 0.5 };
    assert_bins(c, counts, conf, acc);
    ck_assert_close(error_of(c, TRM_CALIBRATION_L1), 2.375 / 6.0);
    ck_assert_close(error_of(c, TRM_CALIBRATION_L2), sqrt(1.3203125 / 6.0));
    ck_assert_close(error_of(c, TRM_CALIBRATION_MAX), 0.75);
    trm_calibration_free(c);
}
END_TEST

/* n_bins = 4, .5 .6 .7 with targets 1 1 0: all in bin 2, acc 2/3, conf .6:
 * every norm is 2/3 - .6 = 1/15. */
START_TEST(all_in_one_bin)
{
    static const int32_t y[] = { 1, 1, 0 };
    static const double s[] = { 0.5, 0.6, 0.7 };
    trm_calibration *c = make(4, 1);
    ck_assert_ok(binary_as(c, F64, y, s, 3));
    static const uint64_t counts[] = { 0, 0, 3, 0, 0 };
    static const double conf[] = { NAN, NAN, 1.8 / 3.0, NAN, NAN }, acc[] = { NAN, NAN, 2.0 / 3.0, NAN, NAN };
    assert_bins(c, counts, conf, acc);
    for (int norm = TRM_CALIBRATION_L1; norm <= TRM_CALIBRATION_MAX; norm++)
        ck_assert_double_eq_tol(error_of(c, norm), 1.0 / 15.0, 1e-15);
    trm_calibration_free(c);
}
END_TEST

/* A perfectly calibrated bin: L2 is exactly 0 (torchmetrics' `else 0`). Bin 1
 * of 2 holds .5 .5 with targets 1 0. */
START_TEST(perfect_calibration_is_zero)
{
    static const int32_t y[] = { 1, 0 };
    static const double s[] = { 0.5, 0.5 };
    trm_calibration *c = make(2, 0);
    ck_assert_ok(binary_as(c, F64, y, s, 2));
    for (int norm = TRM_CALIBRATION_L1; norm <= TRM_CALIBRATION_MAX; norm++)
        ck_assert(error_of(c, norm) == 0.0);
    trm_calibration_free(c);
}
END_TEST

/* Non-dyadic edges, n_bins = 10: an edge is b/10 rounded to the scores' own
 * precision, so the score that spells b/10 in that precision is on the edge
 * and goes up, and the value just below it stays down.
 *   .1 -> bin 1, .3 -> bin 3, .6 -> bin 6, .7 -> bin 7, the value below .7 -> bin 6;
 * in float, .7f = 0.699999988 is below the double 0.7 but equals the float edge. */
START_TEST(edges_in_the_scores_precision)
{
    const enum score_type type = (enum score_type)_i;
    static const int32_t y[] = { 0, 0, 0, 0, 0 };
    double s[] = { 0.1, 0.7, 0.3, 0.6, 0 };
    s[4] = type == F64 ? nextafter(0.7, 0.0) : (double)nextafterf(0.7f, 0.0f);
    trm_calibration *c = make(10, 1);
    ck_assert_ok(binary_as(c, type, y, s, 5));
    uint64_t counts[11];
    ck_assert_ok(trm_calibration_bins(c, counts, NULL, NULL));
    static const uint64_t want[11] = { 0, 1, 0, 1, 0, 0, 2, 1, 0, 0, 0 };
    for (size_t b = 0; b < 11; b++)
        ck_assert_msg(counts[b] == want[b], "bin %zu: %" PRIu64 " != %" PRIu64, b, counts[b], want[b]);
    trm_calibration_free(c);
}
END_TEST

/* Three bins: edges 1/3 and 2/3 in double; 1/3 itself is bin 1 and the double below it bin 0. */
START_TEST(third_edges)
{
    static const int32_t y[] = { 1, 1, 1, 1 };
    double s[] = { 1.0 / 3.0, 0, 2.0 / 3.0, 0 };
    s[1] = nextafter(1.0 / 3.0, 0.0);
    s[3] = nextafter(2.0 / 3.0, 0.0);
    trm_calibration *c = make(3, 1);
    ck_assert_ok(binary_as(c, F64, y, s, 4));
    uint64_t counts[4];
    ck_assert_ok(trm_calibration_bins(c, counts, NULL, NULL));
    ck_assert(counts[0] == 1 && counts[1] == 2 && counts[2] == 1 && counts[3] == 0);
    trm_calibration_free(c);
}
END_TEST

/* Multiclass, n_bins = 5: rows .4 .4 .2 with labels 1 and 0 predict class 0
 * (first of equal maxima): one miss, one hit, confidence .4 in bin 2 ([.4, .6)).
 * A row .1 .2 .7 with label 2 adds a hit of .7 in bin 3.
 * bin 2: acc .5, conf .4, gap .1, share 2/3; bin 3: gap .3, share 1/3.
 * L1 = .1 2/3 + .3 1/3 = 1/6 ... = 0.0666.. + 0.1 = 1/6; MAX = .3. */
START_TEST(multiclass_ties_and_stride)
{
    const enum score_type type = (enum score_type)_i;
    static const int32_t y[] = { 1, 0, 2 };
    /* stride 4: the last column is padding the update must not read as a class */
    static const double s[] = { 0.4, 0.4, 0.2, 9.0, 0.4, 0.4, 0.2, -5.0, 0.1, 0.2, 0.7, NAN };
    trm_calibration *c = make(5, 3);
    ck_assert_ok(multiclass_as(c, type, y, s, 3, 4));
    uint64_t counts[6];
    double conf[6], acc[6];
    ck_assert_ok(trm_calibration_bins(c, counts, conf, acc));
    ck_assert(counts[2] == 2 && counts[3] == 1 && counts[0] + counts[1] + counts[4] + counts[5] == 0);
    ck_assert_double_eq_tol(acc[2], 0.5, 1e-15);
    ck_assert_double_eq_tol(acc[3], 1.0, 1e-15);
    const double tol = type == F32 ? 1e-7 : 1e-12;
    ck_assert_double_eq_tol(conf[2], 0.4, tol);
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_L1), 1.0 / 6.0, tol);
    ck_assert_double_eq_tol(error_of(c, TRM_CALIBRATION_MAX), 0.3, tol);
    trm_calibration_free(c);
}
END_TEST

/* Logits, n_bins = 4. Binary: sigmoid(0) = .5 -> bin 2; sigmoid(40) rounds to
 * 1 -> bin 4; sigmoid(-800) = 0 -> bin 0; sigmoid(ln 3) = .75 -> bin 3.
 * Multiclass K = 2: row (ln 3, 0) -> softmax (.75, .25), conf .75, pred 0;
 * row (0, 0) -> conf .5, pred 0. */
START_TEST(logits)
{
    static const int32_t y[] = { 1, 1, 0, 1 };
    const double s[] = { 0.0, 40.0, -800.0, log(3.0) };
    trm_calibration *c = make(4, 1);
    ck_assert_cal_rejected(TRM_E_INVALID, c, binary_as(c, F64, y, s, 4)); /* not probabilities */
    assert_mentions("scores[1] = 40");
    ck_assert_ok(trm_calibration_set_input(c, TRM_CALIBRATION_LOGITS));
    ck_assert_int_eq(trm_calibration_input(c), TRM_CALIBRATION_LOGITS);
    ck_assert_ok(binary_as(c, F64, y, s, 4));
    static const uint64_t counts[] = { 1, 0, 1, 1, 1 };
    static const double conf[] = { 0.0, NAN, 0.5, 0.75, 1.0 }, acc[] = { 0.0, NAN, 1.0, 1.0, 1.0 };
    assert_bins(c, counts, conf, acc);
    trm_calibration_free(c);

    static const int32_t ym[] = { 1, 0 };
    const double sm[] = { log(3.0), 0.0, 0.0, 0.0 };
    c = make(4, 2);
    ck_assert_ok(trm_calibration_set_input(c, TRM_CALIBRATION_LOGITS));
    ck_assert_ok(multiclass_as(c, F64, ym, sm, 2, 2));
    static const uint64_t mcounts[] = { 0, 0, 1, 1, 0 };
    static const double mconf[] = { NAN, NAN, 0.5, 0.75, NAN }, macc[] = { NAN, NAN, 1.0, 0.0, NAN };
    assert_bins(c, mcounts, mconf, macc);
    trm_calibration_free(c);
}
END_TEST

/* AUTO decides per batch: {.2, .9} are probabilities, {.2, 1.5} logits:
 * sigmoid(.2) = 0.549834 (bin 2 of 4), sigmoid(1.5) = 0.817574 (bin 3). */
START_TEST(auto_input_per_batch)
{
    static const int32_t y[] = { 0, 1 };
    static const double probs[] = { 0.2, 0.9 }, mixed[] = { 0.2, 1.5 };
    trm_calibration *c = make(4, 1);
    ck_assert_ok(trm_calibration_set_input(c, TRM_CALIBRATION_AUTO));
    ck_assert_ok(binary_as(c, F64, y, probs, 2));
    ck_assert_ok(binary_as(c, F64, y, mixed, 2));
    const double s02 = 1.0 / (1.0 + exp(-0.2)), s15 = 1.0 / (1.0 + exp(-1.5));
    static const uint64_t counts[] = { 1, 0, 1, 2, 0 };
    const double conf[] = { 0.2, NAN, s02, (0.9 + s15) / 2, NAN }, acc[] = { 0, NAN, 0, 1, NAN };
    assert_bins(c, counts, conf, acc);
    trm_calibration_free(c);
}
END_TEST

/* ---- validation ---------------------------------------------------------------------- */

START_TEST(binary_validation)
{
    const enum score_type type = (enum score_type)_i;
    trm_calibration *c = make(4, 1);
    static const int32_t good_y[] = { 0, 1 };
    static const double good_s[] = { 0.3, 0.8 };
    ck_assert_ok(binary_as(c, type, good_y, good_s, 2));

    static const int32_t bad_label[] = { 1, 2, 0 }, negative_label[] = { 0, 0, -1 }, y3[] = { 0, 1, 0 };
    static const double s3[] = { 0.1, 0.2, 0.3 };
    ck_assert_cal_rejected(TRM_E_LABEL, c, binary_as(c, type, bad_label, s3, 3));
    assert_mentions("y_true[1] = 2 is not 0 or 1");
    ck_assert_cal_rejected(TRM_E_LABEL, c, binary_as(c, type, negative_label, s3, 3));
    assert_mentions("y_true[2] = -1");

    const double nan_s[] = { 0.1, 0.2, NAN }, inf_s[] = { INFINITY, 0.2, 0.3 };
    ck_assert_cal_rejected(TRM_E_NONFINITE, c, binary_as(c, type, y3, nan_s, 3));
    assert_mentions("scores[2] = nan");
    ck_assert_cal_rejected(TRM_E_NONFINITE, c, binary_as(c, type, y3, inf_s, 3));
    assert_mentions("scores[0] = inf");
    /* a label error comes before a NaN further on, and the first row wins */
    ck_assert_cal_rejected(TRM_E_LABEL, c, binary_as(c, type, bad_label, nan_s, 3));

    static const double above[] = { 0.1, 1.0000001, 0.3 }, below[] = { 0.1, 0.2, -0.25 };
    ck_assert_cal_rejected(TRM_E_INVALID, c, binary_as(c, type, y3, above, 3));
    assert_mentions("scores[1]");
    assert_mentions("not a probability in [0, 1]");
    ck_assert_cal_rejected(TRM_E_INVALID, c, binary_as(c, type, y3, below, 3));
    /* a negative subnormal is below 0 too, and -0 is 0 */
    const double tiny[] = { 0.1, type == F64 ? -DBL_TRUE_MIN : -(double)FLT_TRUE_MIN, 0.3 };
    ck_assert_cal_rejected(TRM_E_INVALID, c, binary_as(c, type, y3, tiny, 3));
    const double minus_zero[] = { -0.0 };
    ck_assert_ok(binary_as(c, type, y3, minus_zero, 1));

    /* NULLs and the other task */
    ck_assert_cal_rejected(TRM_E_INVALID, c, trm_calibration_update_binary_f64(c, NULL, good_s, 2));
    ck_assert_cal_rejected(TRM_E_INVALID, c, trm_calibration_update_binary_f64(c, good_y, NULL, 2));
    static const float good_f[] = { 0.3f, 0.8f };
    ck_assert_fails(TRM_E_INVALID, trm_calibration_update_binary_f32(NULL, good_y, good_f, 1));
    ck_assert_cal_rejected(TRM_E_MISMATCH, c, trm_calibration_update_multiclass_f64(c, good_y, good_s, 1, 2));
    ck_assert_cal_rejected(TRM_E_MISMATCH, c, trm_calibration_update_multiclass_f32(c, good_y, good_f, 1, 1));
    /* n = 0 counts nothing */
    ck_assert_ok(binary_as(c, type, good_y, good_s, 0));
    ck_assert_uint_eq(trm_calibration_n_samples(c), 3);
    trm_calibration_free(c);
}
END_TEST

START_TEST(multiclass_validation)
{
    const enum score_type type = (enum score_type)_i;
    trm_calibration *c = make(4, 3);
    static const int32_t y[] = { 0, 2 }, bad[] = { 0, 3 }, negative[] = { -2, 0 };
    static const double rows[] = { 0.2, 0.3, 0.5, 0.6, 0.3, 0.1 };
    ck_assert_ok(multiclass_as(c, type, y, rows, 2, 3));
    ck_assert_cal_rejected(TRM_E_LABEL, c, multiclass_as(c, type, bad, rows, 2, 3));
    assert_mentions("y_true[1] = 3 is outside [0, 3)");
    ck_assert_cal_rejected(TRM_E_LABEL, c, multiclass_as(c, type, negative, rows, 2, 3));
    const double nan_rows[] = { 0.2, 0.3, 0.5, 0.6, NAN, 0.1 }, big[] = { 0.2, 0.3, 0.5, 0.6, 1.5, 0.1 };
    ck_assert_cal_rejected(TRM_E_NONFINITE, c, multiclass_as(c, type, y, nan_rows, 2, 3));
    assert_mentions("scores[1][1] = nan");
    ck_assert_cal_rejected(TRM_E_INVALID, c, multiclass_as(c, type, y, big, 2, 3));
    assert_mentions("scores[1][1] = 1.5");
    ck_assert_cal_rejected(TRM_E_INVALID, c, multiclass_as(c, type, y, rows, 2, 2));
    assert_mentions("row_stride 2");
    ck_assert_cal_rejected(TRM_E_MISMATCH, c, trm_calibration_update_binary_f64(c, y, rows, 2));
    /* logits accept any finite value but never NaN */
    ck_assert_ok(trm_calibration_set_input(c, TRM_CALIBRATION_LOGITS));
    ck_assert_cal_rejected(TRM_E_NONFINITE, c, multiclass_as(c, type, y, nan_rows, 2, 3));
    ck_assert_ok(multiclass_as(c, type, y, big, 2, 3));
    ck_assert_uint_eq(trm_calibration_n_samples(c), 4);
    trm_calibration_free(c);
}
END_TEST

START_TEST(span_overflow)
{
    trm_calibration *c = make(4, 3);
    static const int32_t y[] = { 0 };
    static const double s[] = { 1, 0, 0 };
    ck_assert_cal_rejected(TRM_E_OVERFLOW, c, trm_calibration_update_multiclass_f64(c, y, s, SIZE_MAX / 2, 3));
    trm_calibration_free(c);
}
END_TEST

/* A blob of 4 bins whose bin 0 holds 2^64 - 1 samples of confidence 0. */
static trm_calibration *full_handle(void)
{
    trm_calibration *c = make(4, 1);
    size_t size = 0;
    uint8_t *blob = snapshot_calibration(c, &size);
    blob_put_le(blob + OFF_N, UINT64_MAX, 8);
    blob_put_le(blob + OFF_TABLES, UINT64_MAX, 8);
    blob_reseal(blob, size);
    trm_calibration_free(c);
    c = NULL;
    ck_assert_ok(trm_calibration_deserialize(&c, blob, size, NULL));
    free(blob);
    return c;
}

START_TEST(count_overflow)
{
    trm_calibration *full = full_handle(), *one = make(4, 1);
    static const int32_t y[] = { 1 };
    static const double s[] = { 0.5 };
    ck_assert_uint_eq(trm_calibration_n_samples(full), UINT64_MAX);
    ck_assert_cal_rejected(TRM_E_OVERFLOW, full, binary_as(full, F64, y, s, 1));
    ck_assert_ok(binary_as(one, F64, y, s, 1));
    ck_assert_cal_rejected(TRM_E_OVERFLOW, full, trm_calibration_merge(full, one));
    ck_assert_cal_rejected(TRM_E_OVERFLOW, one, trm_calibration_merge(one, full));
    /* all 2^64 - 1 samples in bin 0 with confidence 0 and no hit: every gap is 0 */
    ck_assert(error_of(full, TRM_CALIBRATION_L1) == 0.0);
    trm_calibration_free(full);
    trm_calibration_free(one);
}
END_TEST

/* ---- streaming, merge, blob ------------------------------------------------------------ */

/* 40 samples from a fixed recurrence, once whole, once in batches of 7, once in
 * two merged halves: the same counts, and sums that differ by rounding only. */
START_TEST(streaming_and_merge_equal_one_shot)
{
    int32_t y[40];
    double s[40];
    uint32_t x = 12345;
    for (size_t i = 0; i < 40; i++) {
        x = x * 1103515245u + 12345u;
        s[i] = (double)(x >> 8) / (double)(1u << 24);
        y[i] = (int32_t)((x >> 3) & 1);
    }
    s[5] = 1.0;
    s[6] = 0.0;
    s[7] = 0.5;
    trm_calibration *whole = make(7, 1), *stream = make(7, 1), *left = make(7, 1), *right = make(7, 1);
    ck_assert_ok(binary_as(whole, F64, y, s, 40));
    for (size_t i = 0; i < 40; i += 7)
        ck_assert_ok(binary_as(stream, F64, y + i, s + i, i + 7 <= 40 ? 7 : 40 - i));
    ck_assert_ok(binary_as(left, F64, y, s, 17));
    ck_assert_ok(binary_as(right, F64, y + 17, s + 17, 23));
    ck_assert_ok(trm_calibration_merge(left, right));
    uint64_t cw[8], cs[8], cm[8];
    double fw[8], fs[8], fm[8], aw[8], as[8], am[8];
    ck_assert_ok(trm_calibration_bins(whole, cw, fw, aw));
    ck_assert_ok(trm_calibration_bins(stream, cs, fs, as));
    ck_assert_ok(trm_calibration_bins(left, cm, fm, am));
    for (size_t b = 0; b < 8; b++) {
        ck_assert(cw[b] == cs[b] && cw[b] == cm[b]);
        ck_assert_close(fs[b], fw[b]);
        ck_assert_close(fm[b], fw[b]);
        ck_assert_close(as[b], aw[b]);
        ck_assert_close(am[b], aw[b]);
    }
    for (int norm = TRM_CALIBRATION_L1; norm <= TRM_CALIBRATION_MAX; norm++) {
        ck_assert_close(error_of(stream, norm), error_of(whole, norm));
        ck_assert_close(error_of(left, norm), error_of(whole, norm));
    }
    trm_calibration_free(whole);
    trm_calibration_free(stream);
    trm_calibration_free(left);
    trm_calibration_free(right);
}
END_TEST

/* Merge ignores the input kind and keeps dst's; other bin or class counts are refused. */
START_TEST(merge_rules)
{
    trm_calibration *a = make(4, 1), *b = make(4, 1), *other_bins = make(5, 1), *other_task = make(4, 2);
    ck_assert_ok(trm_calibration_set_input(b, TRM_CALIBRATION_LOGITS));
    static const int32_t y[] = { 1 };
    static const double s[] = { 0.0 };
    ck_assert_ok(binary_as(b, F64, y, s, 1)); /* sigmoid(0) = .5 */
    ck_assert_ok(trm_calibration_merge(a, b));
    ck_assert_int_eq(trm_calibration_input(a), TRM_CALIBRATION_PROBABILITIES);
    static const uint64_t counts[] = { 0, 0, 1, 0, 0 };
    static const double conf[] = { NAN, NAN, 0.5, NAN, NAN }, acc[] = { NAN, NAN, 1.0, NAN, NAN };
    assert_bins(a, counts, conf, acc);
    ck_assert_cal_rejected(TRM_E_MISMATCH, a, trm_calibration_merge(a, other_bins));
    assert_mentions("4 bins");
    ck_assert_cal_rejected(TRM_E_MISMATCH, a, trm_calibration_merge(a, other_task));
    ck_assert_cal_rejected(TRM_E_INVALID, a, trm_calibration_merge(a, NULL));
    trm_calibration_free(a);
    trm_calibration_free(b);
    trm_calibration_free(other_bins);
    trm_calibration_free(other_task);
}
END_TEST

/* The layout of the file comment, for 2 bins, logits, one sample sigmoid(0) = .5 with label 1. */
START_TEST(blob_layout)
{
    trm_calibration *c = make(2, 0);
    ck_assert_ok(trm_calibration_set_input(c, TRM_CALIBRATION_LOGITS));
    static const int32_t y[] = { 1 };
    static const float s[] = { 0.0f };
    ck_assert_ok(trm_calibration_update_binary_f32(c, y, s, 1));
    size_t size = 0;
    uint8_t *blob = snapshot_calibration(c, &size);
    ck_assert_uint_eq(size, 12 + 40 + 24 * 3);
    ck_assert_mem_eq(blob, "TRMB", 4);
    ck_assert_uint_eq(blob_get_le(blob + 6, 2), 7);
    ck_assert_uint_eq(blob_get_le(blob + OFF_N_BINS, 8), 2);
    ck_assert_uint_eq(blob_get_le(blob + OFF_N_CLASSES, 8), 1);
    ck_assert_uint_eq(blob_get_le(blob + OFF_INPUT, 4), TRM_CALIBRATION_LOGITS);
    ck_assert_uint_eq(blob_get_le(blob + OFF_RESERVED, 4), 0);
    ck_assert_uint_eq(blob_get_le(blob + OFF_N, 8), 1);
    ck_assert(blob_get_le(blob + OFF_IGNORE, 8) == (uint64_t)TRM_NO_IGNORE);
    /* counts 0 1 0, hits 0 1 0, sums 0 .5 0 */
    ck_assert_uint_eq(blob_get_le(blob + OFF_TABLES + 8, 8), 1);
    ck_assert_uint_eq(blob_get_le(blob + OFF_TABLES + 24 + 8, 8), 1);
    ck_assert(blob_get_f64(blob + OFF_TABLES + 48 + 8) == 0.5);
    ck_assert_uint_eq(blob_get_le(blob + size - 4, 4), blob_crc32c(blob, size - 4));
    trm_calibration *back = UNTOUCHED;
    ck_assert_ok(trm_calibration_deserialize(&back, blob, size, NULL));
    ck_assert_int_eq(trm_calibration_input(back), TRM_CALIBRATION_LOGITS);
    ck_assert_uint_eq(trm_calibration_n_classes(back), 1);
    ck_assert_close(error_of(back, TRM_CALIBRATION_L1), 0.5);
    trm_calibration_free(back);
    free(blob);
    trm_calibration_free(c);
}
END_TEST

/* Resealed blobs whose contents no accumulator can have: each is CORRUPT. */
START_TEST(inconsistent_blobs_are_corrupt)
{
    trm_calibration *c = make(2, 1);
    static const int32_t y[] = { 1, 0, 1 };
    static const double s[] = { 0.25, 0.75, 1.0 };
    ck_assert_ok(binary_as(c, F64, y, s, 3));
    size_t size = 0;
    uint8_t *good = snapshot_calibration(c, &size), *blob = malloc(size);
    ck_assert_ptr_nonnull(blob);
    const size_t counts = OFF_TABLES, hits = OFF_TABLES + 24, sums = OFF_TABLES + 48;
    struct {
        size_t at, bytes;
        uint64_t value;
        const char *what;
    } cases[] = {
        { OFF_N_BINS, 8, 0, "no bins" },
        { OFF_N_BINS, 8, 3, "a bin count that disagrees with the body length" },
        { OFF_N_BINS, 8, ((uint64_t)1 << 24) + 1, "too many bins" },
        { OFF_N_CLASSES, 8, 0, "no classes" },
        { OFF_INPUT, 4, 3, "an unknown input kind" },
        { OFF_RESERVED, 4, 1, "a nonzero reserved field" },
        { OFF_N, 8, 4, "a sample count that disagrees with the bins" },
        { counts + 8, 8, 0, "a bin whose count misses its samples" },
        { hits, 8, 2, "more hits than samples" },
        { sums, 8, blob_bits_of(0.6), "bin 0 (of [0, .5)) with a confidence of .6" },
        { sums + 8, 8, blob_bits_of(0.25), "bin 1 with a confidence below .5" },
        { sums + 16, 8, blob_bits_of(0.999), "the bin of 1s with a confidence below 1" },
        { sums + 8, 8, blob_bits_of(-0.0), "a negative zero for a nonempty sum" },
        { sums + 8, 8, blob_bits_of(NAN), "a NaN sum" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(blob, good, size);
        blob_put_le(blob + cases[i].at, cases[i].value, cases[i].bytes);
        blob_reseal(blob, size);
        trm_calibration *out = UNTOUCHED;
        trm_clear_last_error();
        int rc = trm_calibration_deserialize(&out, blob, size, NULL);
        ck_assert_msg(rc == TRM_E_CORRUPT, "%s: %d", cases[i].what, rc);
        ck_assert(out == UNTOUCHED && trm_last_error()[0] != '\0');
    }
    /* an empty bin with a nonzero sum, after emptying bin 0 consistently */
    memcpy(blob, good, size);
    blob_put_le(blob + counts, 0, 8);
    blob_put_le(blob + hits, 0, 8);
    blob_put_le(blob + OFF_N, 2, 8);
    blob_reseal(blob, size);
    trm_calibration *out = UNTOUCHED;
    ck_assert_fails(TRM_E_CORRUPT, trm_calibration_deserialize(&out, blob, size, NULL));
    blob_put_f64(blob + sums, 0.0);
    blob_reseal(blob, size);
    ck_assert_ok(trm_calibration_deserialize(&out, blob, size, NULL));
    ck_assert_uint_eq(trm_calibration_n_samples(out), 2);
    trm_calibration_free(out);
    free(blob);
    free(good);
    trm_calibration_free(c);
}
END_TEST

/* ---- the ignore label ------------------------------------------------------------- */

/* torchmetrics drops target == ignore_index before anything: the ignored
 * samples' scores may be anything, even NaN or outside [0, 1]. Binary, 2 bins,
 * labels 1 0 255 1 255 with scores .25 .75 NaN 1 7: kept are (1, .25),
 * (0, .75), (1, 1) -> bin 0 {.25: 1 hit}, bin 1 {.75: 0 hits}, bin 2 {1: 1 hit};
 * ECE = (|1 - .25| + |0 - .75| + 0) / 3 = .5. */
START_TEST(ignored_samples_are_dropped)
{
    trm_calibration *c = make(2, 1);
    ck_assert(trm_calibration_ignore_label(c) == TRM_NO_IGNORE);
    ck_assert_ok(trm_calibration_set_ignore_label(c, 255));
    ck_assert(trm_calibration_ignore_label(c) == 255);
    static const int32_t y[] = { 1, 0, 255, 1, 255 };
    const double s[] = { 0.25, 0.75, NAN, 1.0, 7.0 };
    for (int type = F32; type <= F64; type++) {
        trm_calibration_reset(c);
        ck_assert_ok(binary_as(c, (enum score_type)type, y, s, 5));
        ck_assert_uint_eq(trm_calibration_n_samples(c), 3);
        static const uint64_t counts[] = { 1, 1, 1 };
        static const double conf[] = { 0.25, 0.75, 1.0 }, acc[] = { 1.0, 0.0, 1.0 };
        assert_bins(c, counts, conf, acc);
        ck_assert_close(error_of(c, TRM_CALIBRATION_L1), 0.5);
    }
    ck_assert(trm_calibration_ignore_label(c) == 255); /* reset keeps it */
    /* an ignore label inside the label range drops that class's samples */
    ck_assert_ok(trm_calibration_set_ignore_label(c, 0));
    static const int32_t y0[] = { 0, 1 };
    const double s0[] = { 2.0, 0.5 };
    trm_calibration_reset(c);
    ck_assert_ok(binary_as(c, F64, y0, s0, 2));
    ck_assert_uint_eq(trm_calibration_n_samples(c), 1);
    ck_assert_close(error_of(c, TRM_CALIBRATION_L1), 0.5);
    /* a batch of ignored samples only is a no-op */
    ck_assert_ok(binary_as(c, F64, y0, s0, 1));
    ck_assert_uint_eq(trm_calibration_n_samples(c), 1);
    ck_assert_ok(trm_calibration_set_ignore_label(c, TRM_NO_IGNORE));
    ck_assert(trm_calibration_ignore_label(c) == TRM_NO_IGNORE);
    ck_assert_cal_rejected(TRM_E_INVALID, c, binary_as(c, F64, y0, s0, 2)); /* 2.0 now counts */
    ck_assert_fails(TRM_E_INVALID, trm_calibration_set_ignore_label(NULL, 3));
    ck_assert(trm_calibration_ignore_label(NULL) == TRM_NO_IGNORE);
    trm_calibration_free(c);
}
END_TEST

/* A kept sample's bad label or score still rejects the whole batch, and the
 * detail names it by its index in the batch. */
START_TEST(ignored_batches_still_validate_kept_rows)
{
    trm_calibration *c = make(2, 3);
    ck_assert_ok(trm_calibration_set_ignore_label(c, -100));
    static const int32_t y[] = { -100, 0, 3 };
    static const double s[] = { NAN, NAN, NAN, 0.5, 0.25, 0.25, 0.2, 0.3, 0.5 };
    ck_assert_cal_rejected(TRM_E_LABEL, c, multiclass_as(c, F64, y, s, 3, 3));
    assert_mentions("y_true[2] = 3");
    static const int32_t y2[] = { -100, 0, 1 };
    static const double s2[] = { 0.5, 0.5, 0.0, 0.5, 0.25, 1.5, 0.2, 0.3, 0.5 };
    ck_assert_cal_rejected(TRM_E_INVALID, c, multiclass_as(c, F32, y2, s2, 3, 3));
    assert_mentions("scores[1][2]");
    trm_calibration_free(c);
}
END_TEST

/* AUTO looks at the kept rows only (torchmetrics filters preds first): the
 * ignored logit 3 must not turn the kept probabilities into logits. Rows
 * (label 0, .6 .4) kept and (ignored, 3 0): confidence .6, correct, in bin 1
 * of 2 -> ECE .4 (read as logits its softmax maximum would be .5498). */
START_TEST(auto_decides_on_kept_rows)
{
    trm_calibration *c = make(2, 2);
    ck_assert_ok(trm_calibration_set_input(c, TRM_CALIBRATION_AUTO));
    ck_assert_ok(trm_calibration_set_ignore_label(c, 9));
    static const int32_t y[] = { 0, 9 };
    static const double s[] = { 0.6, 0.4, 3.0, 0.0 };
    ck_assert_ok(multiclass_as(c, F64, y, s, 2, 2));
    ck_assert_uint_eq(trm_calibration_n_samples(c), 1);
    ck_assert_close(error_of(c, TRM_CALIBRATION_L1), 0.4);
    trm_calibration_free(c);
}
END_TEST

/* Clone and blobs keep the label; merge accepts different labels and dst keeps its own. */
START_TEST(ignore_label_life_cycle)
{
    trm_calibration *a = make(2, 1), *b = make(2, 1), *copy = NULL, *back = NULL;
    ck_assert_ok(trm_calibration_set_ignore_label(a, -100));
    ck_assert_ok(trm_calibration_clone(&copy, a));
    ck_assert(trm_calibration_ignore_label(copy) == -100);
    size_t size = 0;
    uint8_t *blob = snapshot_calibration(a, &size);
    ck_assert(blob_get_le(blob + OFF_IGNORE, 8) == (uint64_t)(int64_t)-100);
    ck_assert_ok(trm_calibration_deserialize(&back, blob, size, NULL));
    ck_assert(trm_calibration_ignore_label(back) == -100);
    static const int32_t y[] = { 1 };
    static const double s[] = { 0.75 };
    ck_assert_ok(binary_as(b, F64, y, s, 1));
    ck_assert_ok(trm_calibration_merge(a, b));
    ck_assert(trm_calibration_ignore_label(a) == -100);
    ck_assert_uint_eq(trm_calibration_n_samples(a), 1);
    free(blob);
    trm_calibration_free(a);
    trm_calibration_free(b);
    trm_calibration_free(copy);
    trm_calibration_free(back);
}
END_TEST

/* A format-1 blob (0.3 development builds: no ignore label field) still loads,
 * without an ignore label; a format-3 blob is from the future. */
START_TEST(format_1_blob_loads)
{
    trm_calibration *c = make(2, 1), *back = UNTOUCHED;
    ck_assert_ok(trm_calibration_set_ignore_label(c, 5));
    static const int32_t y[] = { 1, 0 };
    static const double s[] = { 0.25, 0.75 };
    ck_assert_ok(binary_as(c, F64, y, s, 2));
    size_t size = 0;
    uint8_t *blob = snapshot_calibration(c, &size);
    memmove(blob + OFF_IGNORE, blob + OFF_IGNORE + 8, size - OFF_IGNORE - 8);
    size -= 8;
    blob_put_le(blob + 4, 1, 2);
    blob_reseal(blob, size);
    ck_assert_ok(trm_calibration_deserialize(&back, blob, size, NULL));
    ck_assert(trm_calibration_ignore_label(back) == TRM_NO_IGNORE);
    ck_assert_uint_eq(trm_calibration_n_samples(back), 2);
    ck_assert_close(error_of(back, TRM_CALIBRATION_L1), 0.75);
    trm_calibration_free(back);
    back = UNTOUCHED;
    blob_put_le(blob + 4, 3, 2);
    blob_reseal(blob, size);
    ck_assert_fails(TRM_E_VERSION, trm_calibration_deserialize(&back, blob, size, NULL));
    ck_assert_ptr_eq(back, UNTOUCHED);
    /* a format-2 body read as format 1 has 8 bytes too many */
    free(blob);
    blob = snapshot_calibration(c, &size);
    blob_put_le(blob + 4, 1, 2);
    blob_reseal(blob, size);
    ck_assert_fails(TRM_E_CORRUPT, trm_calibration_deserialize(&back, blob, size, NULL));
    free(blob);
    trm_calibration_free(c);
}
END_TEST

/* ---- floating-point modes ----------------------------------------------------------------- */

#if HAVE_MXCSR
static unsigned set_mxcsr(unsigned bits)
{
    unsigned before = _mm_getcsr();
    _mm_setcsr((before & ~0x8040u) | bits);
    return before;
}
#endif

/* Under IEEE, DAZ, FTZ and DAZ+FTZ: a subnormal probability is in bin 0 and a
 * negative one refused; sigmoids and softmaxes whose exponentials underflow
 * give the same bins; errors agree with the IEEE ones. */
START_TEST(floating_point_modes)
{
#if HAVE_MXCSR
    static const unsigned modes[] = { 0, 0x0040u, 0x8000u, 0x8040u };
    double l1[4];
    for (size_t m = 0; m < 4; m++) {
        trm_calibration *b = make(4, 1), *mc = make(4, 3);
        unsigned before = set_mxcsr(modes[m]);
        static const int32_t y[] = { 1, 0, 1 };
        const double probs[] = { DBL_TRUE_MIN, 0.3, 1.0 }, negative[] = { 0.5, -DBL_TRUE_MIN, 0.5 };
        const float probs32[] = { FLT_TRUE_MIN, 0.3f, 1.0f };
        int rc_ok = trm_calibration_update_binary_f64(b, y, probs, 3);
        int rc_ok32 = trm_calibration_update_binary_f32(b, y, probs32, 3);
        int rc_neg = trm_calibration_update_binary_f64(b, y, negative, 3);
        int rc_set = trm_calibration_set_input(b, TRM_CALIBRATION_LOGITS);
        const double logit_scores[] = { -740.0, 745.0, 0.0 };
        int rc_logit = trm_calibration_update_binary_f64(b, y, logit_scores, 3);
        static const int32_t ym[] = { 0, 2 };
        const double rows[] = { 0.0, -740.0, -745.0, 1.0, 2.0, 3.0 };
        int rc_mset = trm_calibration_set_input(mc, TRM_CALIBRATION_LOGITS);
        int rc_m = trm_calibration_update_multiclass_f64(mc, ym, rows, 2, 3);
        double e = -1, em = -1;
        int rc_e = trm_calibration_error(b, TRM_CALIBRATION_L1, &e);
        int rc_em = trm_calibration_error(mc, TRM_CALIBRATION_L1, &em);
        uint64_t counts[5], mcounts[5];
        trm_calibration_bins(b, counts, NULL, NULL);
        trm_calibration_bins(mc, mcounts, NULL, NULL);
        set_mxcsr(before & 0x8040u);
        ck_assert(rc_ok == TRM_OK && rc_ok32 == TRM_OK && rc_neg == TRM_E_INVALID && rc_set == TRM_OK &&
                  rc_logit == TRM_OK && rc_mset == TRM_OK && rc_m == TRM_OK && rc_e == TRM_OK && rc_em == TRM_OK);
        /* bins: tiny x2 and sigmoid(-740) -> 0; .3 x2 -> 1; sigmoid(0) -> 2; 1 x2 and sigmoid(745) -> 4 */
        ck_assert_msg(counts[0] == 3 && counts[1] == 2 && counts[2] == 1 && counts[3] == 0 && counts[4] == 3,
                      "mode %zu: %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, m, counts[0], counts[1],
                      counts[2], counts[3], counts[4]);
        /* softmax rows: (0, -740, -745) -> conf 1 (bin 4, hit); (1, 2, 3) -> conf 0.665 (bin 2, hit) */
        ck_assert(mcounts[4] == 1 && mcounts[2] == 1);
        l1[m] = e;
        ck_assert_double_eq_tol(em, (1.0 - 1.0 / (1.0 + exp(-1.0) + exp(-2.0))) / 2.0, 1e-15);
        ck_assert_double_eq_tol(l1[m], l1[0], 1e-15);
        trm_calibration_free(b);
        trm_calibration_free(mc);
    }
#endif
}
END_TEST

/* ---- suite ---------------------------------------------------------------------------- */

static Suite *calibration_suite(void)
{
    Suite *s = suite_create("calibration");

    TCase *tc = tcase_create("create");
    tcase_add_test(tc, new_rejects_bad_arguments);
    tcase_add_test(tc, new_is_empty);
    tcase_add_test(tc, null_handle_queries);
    suite_add_tcase(s, tc);

    tc = tcase_create("tables");
    tcase_add_loop_test(tc, torchmetrics_binary_example, F32, F64 + 1);
    tcase_add_loop_test(tc, torchmetrics_multiclass_example, F32, F64 + 1);
    tcase_add_loop_test(tc, edges_zero_one_and_empty_bins, F32, F64 + 1);
    tcase_add_test(tc, all_in_one_bin);
    tcase_add_test(tc, perfect_calibration_is_zero);
    tcase_add_loop_test(tc, edges_in_the_scores_precision, F32, F64 + 1);
    tcase_add_test(tc, third_edges);
    tcase_add_loop_test(tc, multiclass_ties_and_stride, F32, F64 + 1);
    tcase_add_test(tc, logits);
    tcase_add_test(tc, auto_input_per_batch);
    suite_add_tcase(s, tc);

    tc = tcase_create("validation");
    tcase_add_loop_test(tc, binary_validation, F32, F64 + 1);
    tcase_add_loop_test(tc, multiclass_validation, F32, F64 + 1);
    tcase_add_test(tc, span_overflow);
    tcase_add_test(tc, count_overflow);
    suite_add_tcase(s, tc);

    tc = tcase_create("ignore");
    tcase_add_test(tc, ignored_samples_are_dropped);
    tcase_add_test(tc, ignored_batches_still_validate_kept_rows);
    tcase_add_test(tc, auto_decides_on_kept_rows);
    tcase_add_test(tc, ignore_label_life_cycle);
    tcase_add_test(tc, format_1_blob_loads);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_test(tc, streaming_and_merge_equal_one_shot);
    tcase_add_test(tc, merge_rules);
    tcase_add_test(tc, blob_layout);
    tcase_add_test(tc, inconsistent_blobs_are_corrupt);
    tcase_add_test(tc, floating_point_modes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(calibration_suite());
}
