/* SPDX-License-Identifier: MIT */
/* multilabel.h: creation, both update paths, per-label counts and metrics, the
 * label and sample averages under every zero_division policy, subset accuracy,
 * Hamming loss, batch validation, overflow refusal, merge/clone/reset, the
 * allocator, and blobs (layout, round trip, size protocol, exhaustive rejection
 * of damage and of inconsistent counts). Every expected value is computed by
 * hand in the comment beside it.
 *
 * Blob layout (lib/codec-private.h, lib/multilabel.c), little-endian:
 *   0 "TRMB" | 4 u16 version = 1 | 6 u16 kind = 3 (multilabel)
 *   8 u64 L | 16 u64 n_samples | 24 u64 exact rows | 32 L x (tn, fp, fn, tp)
 *   then for precision, recall, F1 and Jaccard: samples[0 .. w], hits[1 .. w]
 *   (w = L, 2L for F1) | size-4 u32 CRC-32C of [0, size-4)
 * so a blob is 12 + 56 + 112 L bytes: 404 for L = 3, 180 for L = 1. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

static char sentinel_object;
/* Stands for "a pointer the library must not overwrite"; never dereferenced. */
#define UNTOUCHED ((trm_multilabel *)(void *)&sentinel_object)

/* Blob offsets for L = 3. */
enum {
    OFF_VERSION = 4,
    OFF_KIND = 6,
    OFF_L = 8,
    OFF_N = 16,
    OFF_EXACT = 24,
    OFF_LABELS = 32,    /* label l, field f (tn fp fn tp) at 32 + 32 l + 8 f */
    OFF_P_SAMPLES = 128,
    OFF_P_HITS = 160,
    OFF_R_SAMPLES = 184,
    OFF_R_HITS = 216,
    OFF_F_SAMPLES = 240,
    OFF_F_HITS = 296,
    OFF_J_SAMPLES = 344,
    OFF_J_HITS = 376,
    BLOB_SIZE = 404,
};

static const int ZERO_DIVISIONS[3] = { TRM_ZERO_DIVISION_ZERO, TRM_ZERO_DIVISION_ONE, TRM_ZERO_DIVISION_NAN };
static const char *const METRIC_NAMES[] = { "precision", "recall", "f1", "specificity", "npv",
                                            "fpr", "fnr", "jaccard", "support" };
static const char *const AVERAGE_NAMES[] = { "macro", "micro", "weighted", "macro_present", "samples" };

/* ---- helpers ------------------------------------------------------------------ */

static trm_multilabel *make(size_t n_labels)
{
    trm_multilabel *m = NULL;
    ck_assert_ok(trm_multilabel_new(&m, n_labels, NULL));
    ck_assert_ptr_nonnull(m);
    return m;
}

/* Equal to 1e-12 relative; NaN only matches NaN. */
static void check_close(double got, double want, const char *context)
{
    int ok = isnan(want) ? isnan(got) : !isnan(got) && fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want));
    ck_assert_msg(ok, "%s = %.17g, expected %.17g", context, got, want);
}

static void assert_counts(const trm_multilabel *m, const uint64_t *expected)
{
    size_t n = 4 * trm_multilabel_n_labels(m);
    uint64_t *got = malloc(n * sizeof *got);
    ck_assert_ptr_nonnull(got);
    ck_assert_ok(trm_multilabel_counts(m, got));
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == expected[i], "label %zu %s = %" PRIu64 ", expected %" PRIu64, i / 4,
                      (const char *[]){ "tn", "fp", "fn", "tp" }[i % 4], got[i], expected[i]);
    free(got);
}

static void assert_average(const trm_multilabel *m, int metric, int average, int zd, double expected)
{
    char context[96];
    double got = -42.0;
    snprintf(context, sizeof context, "%s %s zero_division=%d", METRIC_NAMES[metric], AVERAGE_NAMES[average], zd);
    ck_assert_msg(trm_multilabel_metric_average(m, metric, average, zd, &got) == TRM_OK, "%s: %s", context,
                  trm_last_error());
    check_close(got, expected, context);
}

static void assert_scalar(int (*fn)(const trm_multilabel *, double *), const trm_multilabel *m, double expected)
{
    double got = -42.0;
    ck_assert_ok(fn(m, &got));
    check_close(got, expected, "scalar");
}

static double zd_value(int zd)
{
    return zd == TRM_ZERO_DIVISION_ZERO ? 0.0 : zd == TRM_ZERO_DIVISION_ONE ? 1.0 : NAN;
}

enum score_type { F32, F64 };

static int threshold_as(trm_multilabel *m, enum score_type type, const uint8_t *y_true, const double *scores,
                        size_t n_samples, double threshold)
{
    size_t n = n_samples * trm_multilabel_n_labels(m);
    int rc;
    if (type == F64)
        return trm_multilabel_update_threshold_f64(m, y_true, scores, n_samples, threshold);
    float *f = malloc(n ? n * sizeof *f : 1);
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)scores[i];
    rc = trm_multilabel_update_threshold_f32(m, y_true, f, n_samples, (float)threshold);
    free(f);
    return rc;
}

/* The basic batch, L = 3, n = 6 (T = true labels, P = predicted labels):
 *   sample  y_true  y_pred   T       P        c = |T & P|
 *   0       1 0 1   1 0 0    {0,2}   {0}      1
 *   1       0 1 0   1 1 1    {1}     {0,1,2}  1
 *   2       0 0 0   0 0 0    {}      {}       0   (both empty: an exact row)
 *   3       1 1 0   0 0 0    {0,1}   {}       0
 *   4       0 0 0   1 0 0    {}      {0}      0
 *   5       1 0 1   1 0 1    {0,2}   {0,2}    2   (an exact row)
 * Per label (tn, fp, fn, tp):
 *   label 0: true in 0,3,5; predicted in 0,1,4,5 -> tp {0,5} 2, fp {1,4} 2, fn {3} 1, tn {2} 1
 *   label 1: true in 1,3;   predicted in 1       -> tp 1, fp 0, fn {3} 1, tn {0,2,4,5} 4
 *   label 2: true in 0,5;   predicted in 1,5     -> tp {5} 1, fp {1} 1, fn {0} 1, tn {2,3,4} 3
 * Totals: tp 4, fp 3, fn 3, tn 8. */
#define BASIC_L 3
#define BASIC_N 6
static const uint8_t basic_true[BASIC_N * BASIC_L] = { 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1 };
static const uint8_t basic_pred[BASIC_N * BASIC_L] = { 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1 };
static const uint64_t basic_counts[BASIC_L * 4] = { 1, 2, 1, 2, 4, 0, 1, 1, 3, 1, 1, 1 };
/* The same predictions as scores against the threshold 0.5: 0.5 itself is not
 * above it, so it predicts 0. */
static const double basic_scores[BASIC_N * BASIC_L] = {
    0.9, 0.5, -3.0, 0.51, 1e30, 0.7, 0.5, 0.0, -1e30, 0.2, 0.5, 0.49, 2.0, 0.1, 0.3, 0.6, 0.5, 0.55,
};

static trm_multilabel *make_basic(void)
{
    trm_multilabel *m = make(BASIC_L);
    ck_assert_ok(trm_multilabel_update_u8(m, basic_true, basic_pred, BASIC_N));
    return m;
}

/* ---- creation ----------------------------------------------------------------- */

START_TEST(new_rejects_bad_arguments)
{
    trm_multilabel *out = UNTOUCHED;
    tracking c = { 0 };
    const trm_allocator one_hook[] = { { tracking_alloc, NULL, &c }, { NULL, tracking_free, &c } };
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_new(&out, 0, NULL));
    ck_assert_ptr_eq(out, UNTOUCHED);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_fails(TRM_E_INVALID, trm_multilabel_new(&out, 3, &one_hook[i]));
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
    ck_assert_uint_eq(c.allocs + c.refused + c.frees, 0);
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_new(NULL, 3, NULL));
}
END_TEST

START_TEST(new_size_overflow)
{
    /* 13 L + 8 counters of 8 bytes: SIZE_MAX overflows 13 L, SIZE_MAX / 13 the
     * + 8 (13 (SIZE_MAX / 13) = SIZE_MAX - 2), SIZE_MAX / 64 the * 8. */
    static const size_t huge[] = { SIZE_MAX, SIZE_MAX / 13, SIZE_MAX / 64 };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        trm_multilabel *out = UNTOUCHED;
        ck_assert_fails(TRM_E_OVERFLOW, trm_multilabel_new(&out, huge[i], NULL));
        ck_assert_ptr_eq(out, UNTOUCHED);
    }
}
END_TEST

START_TEST(new_too_big_to_allocate)
{
#if SIZE_MAX > UINT32_MAX
    /* 2^56 labels: about 13 * 2^59 bytes, which fits size_t but not any memory. */
    trm_multilabel *out = UNTOUCHED;
    trm_clear_last_error();
    ck_assert_int_eq(trm_multilabel_new(&out, (size_t)1 << 56, NULL), TRM_E_NOMEM);
    ck_assert_ptr_eq(out, UNTOUCHED);
    ck_assert(trm_last_error()[0] != '\0');
#endif
}
END_TEST

START_TEST(new_is_empty)
{
    static const uint64_t zeros[8] = { 0 };
    trm_multilabel *m = make(2);
    ck_assert_uint_eq(trm_multilabel_n_labels(m), 2);
    ck_assert_uint_eq(trm_multilabel_n_samples(m), 0);
    assert_counts(m, zeros);
    double out = 42.0;
    ck_assert_rejected(TRM_E_EMPTY, m, trm_multilabel_subset_accuracy(m, &out));
    ck_assert_rejected(TRM_E_EMPTY, m, trm_multilabel_hamming_loss(m, &out));
    ck_assert(out == 42.0);
    /* Every ratio is 0/0 except those of tn, which is 0 as well: all metrics are
     * undefined and take the zero_division value, in every average; support is 0. */
    for (int z = 0; z < 3; z++) {
        int zd = ZERO_DIVISIONS[z];
        for (int metric = TRM_PRECISION; metric < TRM_SUPPORT; metric++) {
            double per[2] = { -1, -1 };
            ck_assert_ok(trm_multilabel_metric_per_label(m, metric, zd, per));
            check_close(per[0], zd_value(zd), METRIC_NAMES[metric]);
            check_close(per[1], zd_value(zd), METRIC_NAMES[metric]);
            for (int avg = TRM_AVERAGE_MACRO; avg <= TRM_AVERAGE_MACRO_PRESENT; avg++)
                assert_average(m, metric, avg, zd, zd_value(zd));
        }
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_SAMPLES, zd, zd_value(zd));
        assert_average(m, TRM_RECALL, TRM_AVERAGE_SAMPLES, zd, zd_value(zd));
        assert_average(m, TRM_F1, TRM_AVERAGE_SAMPLES, zd, zd_value(zd));
        assert_average(m, TRM_JACCARD, TRM_AVERAGE_SAMPLES, zd, zd_value(zd));
        for (int avg = TRM_AVERAGE_MACRO; avg <= TRM_AVERAGE_SAMPLES; avg++)
            assert_average(m, TRM_SUPPORT, avg, zd, 0.0);
    }
    trm_multilabel_free(m);
}
END_TEST

START_TEST(null_handle_queries)
{
    ck_assert_uint_eq(trm_multilabel_n_labels(NULL), 0);
    ck_assert_uint_eq(trm_multilabel_n_samples(NULL), 0);
    trm_multilabel_free(NULL);
    trm_multilabel_reset(NULL);
}
END_TEST

/* ---- counts and per-label metrics --------------------------------------------- */

START_TEST(counts_and_scalars)
{
    trm_multilabel *m = make_basic();
    ck_assert_uint_eq(trm_multilabel_n_samples(m), 6);
    assert_counts(m, basic_counts);
    /* Exact rows 2 and 5: 2 / 6. Wrong decisions fp + fn = 3 + 3 = 6 of 6 * 3 = 18. */
    assert_scalar(trm_multilabel_subset_accuracy, m, 1.0 / 3);
    assert_scalar(trm_multilabel_hamming_loss, m, 6.0 / 18);

    /* n = 0 is a no-op; the same batch again doubles every count. */
    ck_assert_ok(trm_multilabel_update_u8(m, basic_true, basic_pred, 0));
    assert_counts(m, basic_counts);
    ck_assert_ok(trm_multilabel_update_u8(m, basic_true, basic_pred, BASIC_N));
    uint64_t doubled[12];
    for (size_t i = 0; i < 12; i++)
        doubled[i] = 2 * basic_counts[i];
    assert_counts(m, doubled);
    assert_scalar(trm_multilabel_subset_accuracy, m, 4.0 / 12);
    assert_scalar(trm_multilabel_hamming_loss, m, 12.0 / 36);
    trm_multilabel_free(m);
}
END_TEST

START_TEST(per_label_metrics)
{
    /* From (tn, fp, fn, tp) = (1,2,1,2), (4,0,1,1), (3,1,1,1); nothing undefined. */
    static const double expected[9][BASIC_L] = {
        { 2.0 / 4, 1.0 / 1, 1.0 / 2 }, /* precision tp / (tp + fp) */
        { 2.0 / 3, 1.0 / 2, 1.0 / 2 }, /* recall tp / (tp + fn) */
        { 4.0 / 7, 2.0 / 3, 2.0 / 4 }, /* F1 2tp / (2tp + fp + fn): 4/7, 2/3, 2/4 */
        { 1.0 / 3, 4.0 / 4, 3.0 / 4 }, /* specificity tn / (tn + fp) */
        { 1.0 / 2, 4.0 / 5, 3.0 / 4 }, /* NPV tn / (tn + fn) */
        { 2.0 / 3, 0.0 / 4, 1.0 / 4 }, /* FPR fp / (fp + tn) */
        { 1.0 / 3, 1.0 / 2, 1.0 / 2 }, /* FNR fn / (fn + tp) */
        { 2.0 / 5, 1.0 / 2, 1.0 / 3 }, /* Jaccard tp / (tp + fp + fn) */
        { 3, 2, 2 },                   /* support tp + fn */
    };
    trm_multilabel *m = make_basic();
    for (int metric = TRM_PRECISION; metric <= TRM_SUPPORT; metric++) {
        for (int z = 0; z < 3; z++) {
            double got[BASIC_L];
            ck_assert_ok(trm_multilabel_metric_per_label(m, metric, ZERO_DIVISIONS[z], got));
            for (size_t l = 0; l < BASIC_L; l++)
                check_close(got[l], expected[metric][l], METRIC_NAMES[metric]);
        }
    }
    trm_multilabel_free(m);
}
END_TEST

START_TEST(label_averages)
{
    trm_multilabel *m = make_basic();
    for (int z = 0; z < 3; z++) {
        int zd = ZERO_DIVISIONS[z];
        /* Precision 1/2, 1, 1/2; supports 3, 2, 2 (7); pooled tp 4, fp 3, fn 3, tn 8.
         * Every label occurs, so MACRO_PRESENT = MACRO. */
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_MACRO, zd, 2.0 / 3);         /* (1/2 + 1 + 1/2) / 3 */
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_MACRO_PRESENT, zd, 2.0 / 3);
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_MICRO, zd, 4.0 / 7);         /* 4 / (4 + 3) */
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_WEIGHTED, zd, 9.0 / 14);     /* (3/2 + 2 + 1) / 7 */
        /* Recall 2/3, 1/2, 1/2. */
        assert_average(m, TRM_RECALL, TRM_AVERAGE_MACRO, zd, 5.0 / 9);            /* (5/3) / 3 */
        assert_average(m, TRM_RECALL, TRM_AVERAGE_MICRO, zd, 4.0 / 7);            /* 4 / (4 + 3) */
        assert_average(m, TRM_RECALL, TRM_AVERAGE_WEIGHTED, zd, 4.0 / 7);         /* (2 + 1 + 1) / 7 */
        /* F1 4/7, 2/3, 1/2. */
        assert_average(m, TRM_F1, TRM_AVERAGE_MACRO, zd, 73.0 / 126);             /* (24 + 28 + 21)/42 / 3 */
        assert_average(m, TRM_F1, TRM_AVERAGE_MICRO, zd, 8.0 / 14);               /* 8 / (8 + 3 + 3) */
        assert_average(m, TRM_F1, TRM_AVERAGE_WEIGHTED, zd, 85.0 / 147);          /* (12/7 + 4/3 + 1) / 7 */
        /* Jaccard 2/5, 1/2, 1/3. */
        assert_average(m, TRM_JACCARD, TRM_AVERAGE_MACRO, zd, 37.0 / 90);         /* (12 + 15 + 10)/30 / 3 */
        assert_average(m, TRM_JACCARD, TRM_AVERAGE_MICRO, zd, 4.0 / 10);          /* 4 / (4 + 3 + 3) */
        assert_average(m, TRM_JACCARD, TRM_AVERAGE_WEIGHTED, zd, 43.0 / 105);     /* (6/5 + 1 + 2/3) / 7 */
        /* Specificity 1/3, 1, 3/4; micro pools tn 8 and fp 3. */
        assert_average(m, TRM_SPECIFICITY, TRM_AVERAGE_MACRO, zd, 25.0 / 36);     /* (4 + 12 + 9)/12 / 3 */
        assert_average(m, TRM_SPECIFICITY, TRM_AVERAGE_MICRO, zd, 8.0 / 11);
        /* Support sums to 7 whatever the average. */
        for (int avg = TRM_AVERAGE_MACRO; avg <= TRM_AVERAGE_SAMPLES; avg++)
            assert_average(m, TRM_SUPPORT, avg, zd, 7.0);
    }
    trm_multilabel_free(m);
}
END_TEST

START_TEST(samples_average)
{
    /* Per sample (t, p, c) = (2,1,1) (1,3,1) (0,0,0) (2,0,0) (0,1,0) (2,2,2):
     *   precision c/p: 1, 1/3, undef, undef, 0, 1    -> sum 7/3, 2 undefined
     *   recall    c/t: 1/2, 1, undef, 0, undef, 1    -> sum 5/2, 2 undefined
     *   F1 2c/(t+p):  2/3, 1/2, undef, 0, 0, 1      -> sum 13/6, 1 undefined
     *   Jaccard c/(t+p-c): 1/2, 1/3, undef, 0, 0, 1  -> sum 11/6, 1 undefined
     * ZERO: sum / 6; ONE: (sum + undefined) / 6; NAN: sum / (6 - undefined). */
    static const struct {
        int metric;
        double zero, one, nan;
    } cases[] = {
        { TRM_PRECISION, 7.0 / 18, 13.0 / 18, 7.0 / 12 },
        { TRM_RECALL, 5.0 / 12, 9.0 / 12, 5.0 / 8 },
        { TRM_F1, 13.0 / 36, 19.0 / 36, 13.0 / 30 },
        { TRM_JACCARD, 11.0 / 36, 17.0 / 36, 11.0 / 30 },
    };
    trm_multilabel *m = make_basic();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_average(m, cases[i].metric, TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_ZERO, cases[i].zero);
        assert_average(m, cases[i].metric, TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_ONE, cases[i].one);
        assert_average(m, cases[i].metric, TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_NAN, cases[i].nan);
    }
    /* The other metrics have no sample-wise form. */
    static const int refused[] = { TRM_SPECIFICITY, TRM_NPV, TRM_FPR, TRM_FNR };
    for (size_t i = 0; i < 4; i++) {
        for (int z = 0; z < 3; z++) {
            double out = 42.0;
            ck_assert_rejected(TRM_E_INVALID, m,
                               trm_multilabel_metric_average(m, refused[i], TRM_AVERAGE_SAMPLES, ZERO_DIVISIONS[z], &out));
            ck_assert(out == 42.0);
        }
    }
    trm_multilabel_free(m);
}
END_TEST

START_TEST(undefined_labels)
{
    /* L = 2, label 1 never true nor predicted:
     *   sample 0: T {0}, P {0};  sample 1: T {}, P {0}
     *   label 0: tp 1, fp 1, fn 0, tn 0;  label 1: tn 2 */
    static const uint8_t t[] = { 1, 0, 0, 0 }, p[] = { 1, 0, 1, 0 };
    static const uint64_t counts[] = { 0, 1, 0, 1, 2, 0, 0, 0 };
    trm_multilabel *m = make(2);
    ck_assert_ok(trm_multilabel_update_u8(m, t, p, 2));
    assert_counts(m, counts);
    for (int z = 0; z < 3; z++) {
        int zd = ZERO_DIVISIONS[z];
        double u = zd_value(zd), per[2];
        /* Precision: label 0 1/2, label 1 0/0. */
        ck_assert_ok(trm_multilabel_metric_per_label(m, TRM_PRECISION, zd, per));
        check_close(per[0], 0.5, "precision[0]");
        check_close(per[1], u, "precision[1]");
        /* NPV: label 0 tn/(tn+fn) = 0/0, label 1 2/2. */
        ck_assert_ok(trm_multilabel_metric_per_label(m, TRM_NPV, zd, per));
        check_close(per[0], u, "npv[0]");
        check_close(per[1], 1.0, "npv[1]");
        /* MACRO: (1/2 + u) / 2, or 1/2 alone when u is NaN; MACRO_PRESENT skips
         * label 1; WEIGHTED by supports 1, 0: 1/2; MICRO 1 / (1 + 1). */
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_MACRO, zd,
                       zd == TRM_ZERO_DIVISION_NAN ? 0.5 : (0.5 + u) / 2);
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_MACRO_PRESENT, zd, 0.5);
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_WEIGHTED, zd, 0.5);
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_MICRO, zd, 0.5);
        /* Recall: label 0 1/1, label 1 undefined; F1 label 0 2/3. */
        assert_average(m, TRM_RECALL, TRM_AVERAGE_MACRO, zd, zd == TRM_ZERO_DIVISION_NAN ? 1.0 : (1.0 + u) / 2);
        assert_average(m, TRM_F1, TRM_AVERAGE_MACRO_PRESENT, zd, 2.0 / 3);
        /* SAMPLES: sample 0 scores 1 everywhere; sample 1 has precision 0/1,
         * recall 0/0, F1 0/1, Jaccard 0/1. */
        assert_average(m, TRM_PRECISION, TRM_AVERAGE_SAMPLES, zd, 0.5);
        assert_average(m, TRM_RECALL, TRM_AVERAGE_SAMPLES, zd, zd == TRM_ZERO_DIVISION_NAN ? 1.0 : (1.0 + u) / 2);
        assert_average(m, TRM_F1, TRM_AVERAGE_SAMPLES, zd, 0.5);
        assert_average(m, TRM_JACCARD, TRM_AVERAGE_SAMPLES, zd, 0.5);
    }
    trm_multilabel_free(m);
}
END_TEST

START_TEST(only_empty_rows)
{
    /* Two rows with nothing true and nothing predicted: every sample-wise value
     * is undefined, so SAMPLES gives 0, 1 or NaN (nothing left to average); the
     * rows are exact and no decision is wrong. */
    static const uint8_t zeros[6] = { 0 };
    trm_multilabel *m = make(3);
    ck_assert_ok(trm_multilabel_update_u8(m, zeros, zeros, 2));
    static const int sample_metrics[] = { TRM_PRECISION, TRM_RECALL, TRM_F1, TRM_JACCARD };
    for (size_t i = 0; i < 4; i++) {
        assert_average(m, sample_metrics[i], TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_ZERO, 0.0);
        assert_average(m, sample_metrics[i], TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_ONE, 1.0);
        assert_average(m, sample_metrics[i], TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_NAN, NAN);
    }
    assert_scalar(trm_multilabel_subset_accuracy, m, 1.0);
    assert_scalar(trm_multilabel_hamming_loss, m, 0.0);
    /* Specificity is tn/(tn + fp) = 2/2 for every label. */
    assert_average(m, TRM_SPECIFICITY, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_NAN, 1.0);
    trm_multilabel_free(m);
}
END_TEST

/* ---- threshold updates -------------------------------------------------------- */

START_TEST(threshold_matches_u8)
{
    enum score_type type = (enum score_type)_i;
    trm_multilabel *m = make(BASIC_L), *basic = make_basic();
    ck_assert_ok(threshold_as(m, type, basic_true, basic_scores, BASIC_N, 0.5));
    assert_counts(m, basic_counts);
    size_t size = 0;
    uint8_t *blob = snapshot_multilabel(basic, &size);
    ck_assert_unchanged_multilabel(m, blob, size);
    free(blob);
    trm_multilabel_free(basic);
    trm_multilabel_free(m);
}
END_TEST

START_TEST(threshold_infinite)
{
    enum score_type type = (enum score_type)_i;
    /* L = 2, one sample T {0}: -Inf predicts every finite score (P {0, 1}: tp,
     * fp), +Inf none (P {}: fn, tn). */
    static const uint8_t t[] = { 1, 0 };
    static const double s[] = { -1e30, 1e30 };
    static const uint64_t counts[] = { 0, 0, 1, 1, 1, 1, 0, 0 };
    trm_multilabel *m = make(2);
    ck_assert_ok(threshold_as(m, type, t, s, 1, -INFINITY));
    ck_assert_ok(threshold_as(m, type, t, s, 1, INFINITY));
    assert_counts(m, counts);
    trm_multilabel_free(m);
}
END_TEST

START_TEST(threshold_rejections)
{
    enum score_type type = (enum score_type)_i;
    static const double bad[] = { NAN, INFINITY, -INFINITY };
    trm_multilabel *m = make_basic();
    ck_assert_rejected(TRM_E_INVALID, m, threshold_as(m, type, basic_true, basic_scores, BASIC_N, NAN));
    ck_assert_int_eq(threshold_as(m, type, basic_true, basic_scores, BASIC_N, NAN), TRM_E_INVALID);
    assert_mentions("threshold");
    for (size_t b = 0; b < 3; b++) {
        double s[BASIC_N * BASIC_L];
        memcpy(s, basic_scores, sizeof s);
        s[4 * BASIC_L + 2] = bad[b];
        ck_assert_rejected(TRM_E_NONFINITE, m, threshold_as(m, type, basic_true, s, BASIC_N, 0.5));
        ck_assert_int_eq(threshold_as(m, type, basic_true, s, BASIC_N, 0.5), TRM_E_NONFINITE);
        assert_mentions("scores[4][2]");
    }
    uint8_t t[BASIC_N * BASIC_L];
    memcpy(t, basic_true, sizeof t);
    t[5 * BASIC_L + 1] = 2;
    ck_assert_rejected(TRM_E_LABEL, m, threshold_as(m, type, t, basic_scores, BASIC_N, 0.5));
    ck_assert_int_eq(threshold_as(m, type, t, basic_scores, BASIC_N, 0.5), TRM_E_LABEL);
    assert_mentions("y_true[5][1] = 2");
    trm_multilabel_free(m);
}
END_TEST

/* ---- validation --------------------------------------------------------------- */

enum { VAL_L = 3, VAL_N = 2000 }; /* 6000 values: past the first 4096-value scan block */

static const size_t bad_positions[] = { 0, 2500, 4095, 4096, 5000, VAL_L * VAL_N - 1 };

START_TEST(bad_value_rejects_batch)
{
    static const uint8_t bad_values[] = { 2, 7, 255 };
    uint8_t *t = malloc(VAL_L * VAL_N), *p = malloc(VAL_L * VAL_N);
    ck_assert(t && p);
    for (size_t i = 0; i < VAL_L * VAL_N; i++) {
        t[i] = (uint8_t)(i % 2);
        p[i] = (uint8_t)((i / 3) % 2);
    }
    trm_multilabel *m = make(VAL_L);
    ck_assert_ok(trm_multilabel_update_u8(m, t, p, 10));
    size_t size = 0;
    uint8_t *before = snapshot_multilabel(m, &size);
    for (size_t side = 0; side < 2; side++) {
        uint8_t *target = side == 0 ? t : p;
        for (size_t pos = 0; pos < sizeof bad_positions / sizeof bad_positions[0]; pos++) {
            for (size_t v = 0; v < sizeof bad_values / sizeof bad_values[0]; v++) {
                size_t at = bad_positions[pos];
                uint8_t saved = target[at];
                target[at] = bad_values[v];
                trm_clear_last_error();
                ck_assert_int_eq(trm_multilabel_update_u8(m, t, p, VAL_N), TRM_E_LABEL);
                char where[64];
                snprintf(where, sizeof where, "%s[%zu][%zu] = %u", side == 0 ? "y_true" : "y_pred", at / VAL_L,
                         at % VAL_L, (unsigned)bad_values[v]);
                assert_mentions(where);
                ck_assert_unchanged_multilabel(m, before, size);
                target[at] = saved;
            }
        }
    }
    /* The first offending value is named: y_pred at an earlier element before
     * y_true at a later one, and y_true before y_pred at the same element. */
    p[4500] = 3;
    t[5000] = 9;
    ck_assert_int_eq(trm_multilabel_update_u8(m, t, p, VAL_N), TRM_E_LABEL);
    assert_mentions("y_pred[1500][0] = 3");
    t[4500] = 8;
    ck_assert_int_eq(trm_multilabel_update_u8(m, t, p, VAL_N), TRM_E_LABEL);
    assert_mentions("y_true[1500][0] = 8");
    t[4500] = 0;
    p[4500] = 0;
    t[5000] = 0;
    ck_assert_unchanged_multilabel(m, before, size);
    ck_assert_ok(trm_multilabel_update_u8(m, t, p, VAL_N));
    ck_assert_uint_eq(trm_multilabel_n_samples(m), VAL_N + 10);
    free(before);
    free(t);
    free(p);
    trm_multilabel_free(m);
}
END_TEST

START_TEST(span_overflow)
{
    /* SIZE_MAX / 2 samples of 3 labels need more than SIZE_MAX values; the call
     * must refuse before reading anything beyond the one row given. */
    trm_multilabel *m = make(3);
    static const uint8_t row[3] = { 0, 1, 0 };
    static const float f[3] = { 0, 1, 0 };
    static const double d[3] = { 0, 1, 0 };
    ck_assert_rejected(TRM_E_OVERFLOW, m, trm_multilabel_update_u8(m, row, row, SIZE_MAX / 2));
    ck_assert_rejected(TRM_E_OVERFLOW, m, trm_multilabel_update_threshold_f32(m, row, f, SIZE_MAX / 2, 0.5f));
    ck_assert_rejected(TRM_E_OVERFLOW, m, trm_multilabel_update_threshold_f64(m, row, d, SIZE_MAX / 2, 0.5));
    trm_multilabel_free(m);
}
END_TEST

/* With L = 1 the sample limit is (2^64 - 1) / 2 = 2^63 - 1. Builds it by
 * merging doublings of one sample: 1 + 2 + ... + 2^62. *top holds 2^62. */
static trm_multilabel *make_full(trm_multilabel **top)
{
    static const uint8_t one[] = { 1 };
    trm_multilabel *acc = make(1), *x = make(1);
    ck_assert_ok(trm_multilabel_update_u8(x, one, one, 1));
    ck_assert_ok(trm_multilabel_merge(acc, x));
    for (int i = 1; i < 63; i++) {
        ck_assert_ok(trm_multilabel_merge(x, x));
        ck_assert_ok(trm_multilabel_merge(acc, x));
    }
    ck_assert_uint_eq(trm_multilabel_n_samples(x), UINT64_C(1) << 62);
    ck_assert_uint_eq(trm_multilabel_n_samples(acc), INT64_MAX);
    *top = x;
    return acc;
}

START_TEST(sample_count_limit)
{
    trm_multilabel *top = NULL, *full = make_full(&top);
    static const uint8_t one[] = { 1 };
    static const float f[] = { 1.0f };
    static const double d[] = { 1.0 };
    /* Every sample a true positive: 2^63 - 1 of them, all metrics 1. */
    assert_scalar(trm_multilabel_subset_accuracy, full, 1.0);
    assert_average(full, TRM_F1, TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_NAN, 1.0);
    assert_average(full, TRM_SUPPORT, TRM_AVERAGE_MICRO, TRM_ZERO_DIVISION_NAN, 0x1p63);
    ck_assert_rejected(TRM_E_OVERFLOW, full, trm_multilabel_update_u8(full, one, one, 1));
    ck_assert_rejected(TRM_E_OVERFLOW, full, trm_multilabel_update_threshold_f32(full, one, f, 1, 0.5f));
    ck_assert_rejected(TRM_E_OVERFLOW, full, trm_multilabel_update_threshold_f64(full, one, d, 1, 0.5));
    ck_assert_rejected(TRM_E_OVERFLOW, full, trm_multilabel_merge(full, top));
    ck_assert_rejected(TRM_E_OVERFLOW, top, trm_multilabel_merge(top, top)); /* 2^63 */
    ck_assert_ok(trm_multilabel_update_u8(full, one, one, 0));

    /* The limit scales with L: with L = 2 it is (2^64 - 1) / 4 = 2^62 - 1, so a
     * batch of 2^62 samples is refused before a single value is read. */
#if SIZE_MAX > UINT32_MAX
    trm_multilabel *two = make(2);
    ck_assert_rejected(TRM_E_OVERFLOW, two, trm_multilabel_update_u8(two, one, one, (size_t)1 << 62));
    trm_multilabel_free(two);
#endif
    trm_multilabel_free(full);
    trm_multilabel_free(top);
}
END_TEST

START_TEST(bad_enums)
{
    static const struct {
        int metric, average, zero_division;
    } cases[] = {
        { -1, TRM_AVERAGE_MACRO, 0 }, { 9, TRM_AVERAGE_MACRO, 0 }, { TRM_F1, -1, 0 },
        { TRM_F1, 5, 0 },             { TRM_F1, TRM_AVERAGE_MACRO, -1 }, { TRM_F1, TRM_AVERAGE_SAMPLES, 3 },
        { 100, TRM_AVERAGE_SAMPLES, 0 },
    };
    trm_multilabel *m = make_basic();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double out = 42.0;
        ck_assert_rejected(TRM_E_INVALID, m,
                           trm_multilabel_metric_average(m, cases[i].metric, cases[i].average,
                                                         cases[i].zero_division, &out));
        ck_assert(out == 42.0);
    }
    static const int bad_metric[] = { -1, 9 }, bad_zd[] = { -1, 3 };
    for (size_t i = 0; i < 2; i++) {
        double out[BASIC_L] = { 42.0, 42.0, 42.0 };
        ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_metric_per_label(m, bad_metric[i], 0, out));
        ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_metric_per_label(m, TRM_F1, bad_zd[i], out));
        for (size_t l = 0; l < BASIC_L; l++)
            ck_assert(out[l] == 42.0);
    }
    trm_multilabel_free(m);
}
END_TEST

/* ---- merge, clone, reset ------------------------------------------------------ */

START_TEST(merge_equals_one_stream)
{
    /* Rows 0..1 through update_u8 into a, rows 2..4 through threshold_f32 into b,
     * row 5 through threshold_f64 into c; a + b + c has the blob of the whole
     * batch counted at once. */
    trm_multilabel *a = make(BASIC_L), *b = make(BASIC_L), *c = make(BASIC_L), *whole = make_basic();
    ck_assert_ok(trm_multilabel_update_u8(a, basic_true, basic_pred, 2));
    ck_assert_ok(threshold_as(b, F32, basic_true + 2 * BASIC_L, basic_scores + 2 * BASIC_L, 3, 0.5));
    ck_assert_ok(threshold_as(c, F64, basic_true + 5 * BASIC_L, basic_scores + 5 * BASIC_L, 1, 0.5));
    ck_assert_ok(trm_multilabel_merge(b, c));
    ck_assert_ok(trm_multilabel_merge(a, b));
    size_t size = 0;
    uint8_t *blob = snapshot_multilabel(whole, &size);
    ck_assert_unchanged_multilabel(a, blob, size);
    /* c is unchanged by being merged: row 5 alone is exact. */
    ck_assert_uint_eq(trm_multilabel_n_samples(c), 1);
    assert_scalar(trm_multilabel_subset_accuracy, c, 1.0);
    free(blob);
    trm_multilabel_free(a);
    trm_multilabel_free(b);
    trm_multilabel_free(c);
    trm_multilabel_free(whole);
}
END_TEST

START_TEST(merge_into_itself_doubles)
{
    trm_multilabel *m = make_basic(), *twice = make_basic();
    ck_assert_ok(trm_multilabel_update_u8(twice, basic_true, basic_pred, BASIC_N));
    ck_assert_ok(trm_multilabel_merge(m, m));
    size_t size = 0;
    uint8_t *blob = snapshot_multilabel(twice, &size);
    ck_assert_unchanged_multilabel(m, blob, size);
    /* Averages over samples do not move when every sample is repeated. */
    assert_average(m, TRM_PRECISION, TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_NAN, 7.0 / 12);
    free(blob);
    trm_multilabel_free(m);
    trm_multilabel_free(twice);
}
END_TEST

/* check-contract.c: the clone serializes like its source and counts on its own. */
START_TEST(clone_is_deep)
{
    trm_multilabel *m = make_basic(), *copy = NULL;
    ck_assert_ok(trm_multilabel_clone(&copy, m));
    ck_assert_uint_eq(trm_multilabel_n_labels(copy), BASIC_L);
    /* One exact row added to the copy only: 3 of 7 exact there, 2 of 6 here. */
    static const uint8_t row[BASIC_L] = { 0, 1, 1 };
    ck_assert_ok(trm_multilabel_update_u8(copy, row, row, 1));
    assert_scalar(trm_multilabel_subset_accuracy, copy, 3.0 / 7);
    assert_scalar(trm_multilabel_subset_accuracy, m, 2.0 / 6);
    trm_multilabel_free(m);
    trm_multilabel_free(copy);
}
END_TEST

START_TEST(reset_keeps_labels)
{
    /* check-contract.c: a reset handle is a new one. */
    trm_multilabel *m = make_basic();
    trm_multilabel_reset(m);
    ck_assert_uint_eq(trm_multilabel_n_labels(m), BASIC_L);
    ck_assert_uint_eq(trm_multilabel_n_samples(m), 0);
    ck_assert_ok(trm_multilabel_update_u8(m, basic_true, basic_pred, BASIC_N));
    assert_counts(m, basic_counts);
    trm_multilabel_free(m);

    /* Reset restores the room for samples. */
    trm_multilabel *top = NULL, *full = make_full(&top);
    trm_multilabel_reset(full);
    ck_assert_ok(trm_multilabel_merge(full, top));
    trm_multilabel_free(full);
    trm_multilabel_free(top);
}
END_TEST

/* ---- allocator ---------------------------------------------------------------- */

/* check-contract.c: the hooks of new, clone and deserialize, one block each.
 * Here: the scratch memory of the per-label queries. */
START_TEST(allocator_used_everywhere)
{
    tracking c = { 0 };
    trm_allocator hooks = tracking_hooks(&c);
    trm_multilabel *m = NULL, *copy = NULL;
    ck_assert_ok(trm_multilabel_new(&m, BASIC_L, &hooks));
    ck_assert_ok(trm_multilabel_update_u8(m, basic_true, basic_pred, BASIC_N));
    ck_assert_ok(trm_multilabel_clone(&copy, m));
    ck_assert_uint_eq(c.allocs, 2);

    /* Per-label metrics take scratch memory from the handle's hooks and give it back. */
    double per[BASIC_L], out_value = 42.0;
    ck_assert_ok(trm_multilabel_metric_per_label(m, TRM_RECALL, 0, per));
    ck_assert_uint_eq(c.allocs, 3);
    ck_assert_uint_eq(c.frees, 1);

    c.fail = 1;
    for (size_t l = 0; l < BASIC_L; l++)
        per[l] = 42.0;
    ck_assert_rejected(TRM_E_NOMEM, m, trm_multilabel_metric_per_label(m, TRM_RECALL, 0, per));
    ck_assert_rejected(TRM_E_NOMEM, m, trm_multilabel_metric_average(m, TRM_F1, TRM_AVERAGE_MACRO, 0, &out_value));
    for (size_t l = 0; l < BASIC_L; l++)
        ck_assert(per[l] == 42.0);
    ck_assert(out_value == 42.0);
    ck_assert_uint_eq(c.refused, 2);
    /* The SAMPLES and SUPPORT averages, the scalars and the updates need no memory. */
    assert_average(m, TRM_RECALL, TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_ZERO, 5.0 / 12);
    assert_average(m, TRM_SUPPORT, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, 7.0);
    assert_scalar(trm_multilabel_hamming_loss, m, 1.0 / 3);
    ck_assert_ok(trm_multilabel_update_u8(m, basic_true, basic_pred, BASIC_N));
    ck_assert_ok(trm_multilabel_merge(m, copy));
    ck_assert_uint_eq(c.refused, 2);

    trm_multilabel_free(m);
    trm_multilabel_free(copy);
    ck_assert_uint_eq(c.frees, c.allocs);
}
END_TEST

/* ---- NULL pointers ------------------------------------------------------------ */

START_TEST(null_pointers_rejected)
{
    trm_multilabel *m = make_basic();
    const uint8_t row[BASIC_L] = { 0, 1, 1 };
    const float f[BASIC_L] = { 0, 1, 1 };
    const double d[BASIC_L] = { 0, 1, 1 };
    uint64_t counts[4 * BASIC_L];
    double values[BASIC_L], value;

    ck_assert_fails(TRM_E_INVALID, trm_multilabel_update_u8(NULL, row, row, 1));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_update_u8(m, NULL, row, 1));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_update_u8(m, row, NULL, 1));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_update_u8(m, NULL, NULL, 0));
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_update_threshold_f32(NULL, row, f, 1, 0.5f));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_update_threshold_f32(m, NULL, f, 1, 0.5f));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_update_threshold_f32(m, row, NULL, 1, 0.5f));
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_update_threshold_f64(NULL, row, d, 1, 0.5));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_update_threshold_f64(m, NULL, d, 1, 0.5));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_update_threshold_f64(m, row, NULL, 1, 0.5));
    /* The detail names the argument (the snapshots above overwrote it). */
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_update_u8(m, row, NULL, 1));
    assert_mentions("trm_multilabel_update_u8: y_pred is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_update_threshold_f32(m, NULL, f, 1, 0.5f));
    assert_mentions("trm_multilabel_update_threshold_f32: y_true is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_update_threshold_f64(m, row, NULL, 1, 0.5));
    assert_mentions("trm_multilabel_update_threshold_f64: scores is NULL");

    ck_assert_fails(TRM_E_INVALID, trm_multilabel_counts(NULL, counts));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_counts(m, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_metric_per_label(NULL, TRM_F1, 0, values));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_metric_per_label(m, TRM_F1, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_metric_average(NULL, TRM_F1, TRM_AVERAGE_MACRO, 0, &value));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_metric_average(m, TRM_F1, TRM_AVERAGE_SAMPLES, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_subset_accuracy(NULL, &value));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_subset_accuracy(m, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_hamming_loss(NULL, &value));
    ck_assert_rejected(TRM_E_INVALID, m, trm_multilabel_hamming_loss(m, NULL));

    /* The life-cycle calls: check-contract.c. */
    trm_multilabel_free(m);
}
END_TEST

/* ---- blobs -------------------------------------------------------------------- */

/* Deserializes and returns the code, checking that a failure leaves out alone. */
static int load(const uint8_t *blob, size_t size)
{
    trm_multilabel *out = UNTOUCHED;
    int rc = trm_multilabel_deserialize(&out, blob, size, NULL);
    if (rc == TRM_OK)
        trm_multilabel_free(out);
    else
        ck_assert_msg(out == UNTOUCHED, "a failing deserialize wrote *out");
    return rc;
}

static void assert_words(const uint8_t *blob, size_t offset, const uint64_t *expected, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(blob_get_le(blob + offset + 8 * i, 8) == expected[i], "%s[%zu] = %" PRIu64 ", expected %" PRIu64,
                      what, i, blob_get_le(blob + offset + 8 * i, 8), expected[i]);
}

START_TEST(blob_layout)
{
    /* The basic batch, per sample (t, p, c) = (2,1,1) (1,3,1) (0,0,0) (2,0,0) (0,1,0) (2,2,2):
     *   precision, d = p:        d 0: samples 2, 3; d 1: samples 0, 4 (c 1 + 0);
     *                            d 2: sample 5 (c 2); d 3: sample 1 (c 1)
     *   recall, d = t:           d 0: 2, 4; d 1: 1 (c 1); d 2: 0, 3, 5 (c 1 + 0 + 2); d 3: none
     *   F1, d = t + p:           d 0: 2; d 1: 4 (c 0); d 2: 3 (c 0); d 3: 0 (c 1); d 4: 1, 5 (c 1 + 2)
     *   Jaccard, d = t + p - c:  d 0: 2; d 1: 4 (c 0); d 2: 0, 3, 5 (c 1 + 0 + 2); d 3: 1 (c 1) */
    static const uint64_t p_samples[] = { 2, 2, 1, 1 }, p_hits[] = { 1, 2, 1 };
    static const uint64_t r_samples[] = { 2, 1, 3, 0 }, r_hits[] = { 1, 3, 0 };
    static const uint64_t f_samples[] = { 1, 1, 1, 1, 2, 0, 0 }, f_hits[] = { 0, 0, 1, 3, 0, 0 };
    static const uint64_t j_samples[] = { 1, 1, 3, 1 }, j_hits[] = { 0, 3, 1 };
    trm_multilabel *m = make_basic();
    size_t size = 0;
    uint8_t *blob = snapshot_multilabel(m, &size);
    ck_assert_uint_eq(size, BLOB_SIZE);
    ck_assert_mem_eq(blob, "TRMB", 4);
    ck_assert_uint_eq(blob_get_le(blob + OFF_VERSION, 2), 1);
    ck_assert_uint_eq(blob_get_le(blob + OFF_KIND, 2), 3);
    ck_assert_uint_eq(blob_get_le(blob + OFF_L, 8), BASIC_L);
    ck_assert_uint_eq(blob_get_le(blob + OFF_N, 8), BASIC_N);
    ck_assert_uint_eq(blob_get_le(blob + OFF_EXACT, 8), 2);
    assert_words(blob, OFF_LABELS, basic_counts, 12, "counts");
    assert_words(blob, OFF_P_SAMPLES, p_samples, 4, "precision samples");
    assert_words(blob, OFF_P_HITS, p_hits, 3, "precision hits");
    assert_words(blob, OFF_R_SAMPLES, r_samples, 4, "recall samples");
    assert_words(blob, OFF_R_HITS, r_hits, 3, "recall hits");
    assert_words(blob, OFF_F_SAMPLES, f_samples, 7, "F1 samples");
    assert_words(blob, OFF_F_HITS, f_hits, 6, "F1 hits");
    assert_words(blob, OFF_J_SAMPLES, j_samples, 4, "Jaccard samples");
    assert_words(blob, OFF_J_HITS, j_hits, 3, "Jaccard hits");
    ck_assert_uint_eq(blob_get_le(blob + size - 4, 4), blob_crc32c(blob, size - 4));
    free(blob);
    trm_multilabel_free(m);
}
END_TEST

START_TEST(round_trip)
{
    trm_multilabel *m = make_basic(), *back = UNTOUCHED;
    size_t size = 0;
    uint8_t *blob = snapshot_multilabel(m, &size);
    ck_assert_ok(trm_multilabel_deserialize(&back, blob, size, NULL));
    ck_assert_ptr_ne(back, UNTOUCHED);
    ck_assert_uint_eq(trm_multilabel_n_labels(back), BASIC_L);
    ck_assert_uint_eq(trm_multilabel_n_samples(back), BASIC_N);
    ck_assert_unchanged_multilabel(back, blob, size);
    assert_counts(back, basic_counts);
    assert_average(back, TRM_JACCARD, TRM_AVERAGE_SAMPLES, TRM_ZERO_DIVISION_ONE, 17.0 / 36);
    /* The loaded accumulator carries on, as the original would. */
    ck_assert_ok(trm_multilabel_update_u8(back, basic_true, basic_pred, BASIC_N));
    ck_assert_ok(trm_multilabel_merge(m, m));
    free(blob);
    blob = snapshot_multilabel(m, &size);
    ck_assert_unchanged_multilabel(back, blob, size);
    free(blob);
    trm_multilabel_free(back);
    trm_multilabel_free(m);

    /* An empty accumulator (12 + 56 + 112 = 180 bytes for L = 1) survives too. */
    m = make(1);
    blob = snapshot_multilabel(m, &size);
    ck_assert_uint_eq(size, 180);
    ck_assert_ok(load(blob, size));
    free(blob);
    trm_multilabel_free(m);

    /* A full accumulator still refuses one more sample after a round trip, and
     * one sample more in the blob is refused as corrupt. */
    trm_multilabel *top = NULL, *full = make_full(&top);
    blob = snapshot_multilabel(full, &size);
    ck_assert_ok(trm_multilabel_deserialize(&back, blob, size, NULL));
    static const uint8_t one[] = { 1 };
    ck_assert_fails(TRM_E_OVERFLOW, trm_multilabel_update_u8(back, one, one, 1));
    blob_put_le(blob + OFF_N, UINT64_C(1) << 63, 8);
    blob_reseal(blob, size);
    ck_assert_int_eq(load(blob, size), TRM_E_CORRUPT);
    free(blob);
    trm_multilabel_free(back);
    trm_multilabel_free(full);
    trm_multilabel_free(top);
}
END_TEST

/* A sealed edit of the basic blob: up to two 8-byte field patches and/or a new length. */
typedef struct edit {
    const char *what;
    size_t offset[2];  /* fields to patch; 0 = no patch */
    uint64_t value[2]; /* their new values */
    long resize;       /* bytes added (>0) or removed (<0) before the CRC */
} edit;

#define LABEL_FIELD(l, f) (OFF_LABELS + 32 * (l) + 8 * (f))

static const edit inconsistent[] = {
    /* Body length does not match L. */
    { "L = 0", { OFF_L }, { 0 }, 0 },
    { "L = 2", { OFF_L }, { 2 }, 0 },
    { "L = 4", { OFF_L }, { 4 }, 0 },
    { "L = 2^60", { OFF_L }, { UINT64_C(1) << 60 }, 0 },
    { "L = 2^64 - 1", { OFF_L }, { UINT64_MAX }, 0 },
    { "one word missing", { 0 }, { 0 }, -8 },
    { "one word too many", { 0 }, { 0 }, 8 },
    { "one byte too many", { 0 }, { 0 }, 1 },
    { "one byte missing", { 0 }, { 0 }, -1 },
    { "no arrays at all", { 0 }, { 0 }, -(BLOB_SIZE - 4 - OFF_LABELS) },
    /* Sample counts. */
    { "n_samples past the limit for L = 3", { OFF_N }, { UINT64_C(1) << 62 }, 0 },
    { "n_samples 7: labels sum to 6", { OFF_N }, { 7 }, 0 },
    { "exact rows 7 > n_samples", { OFF_EXACT }, { 7 }, 0 },
    { "exact rows 0 < the empty row", { OFF_EXACT }, { 0 }, 0 },
    /* Per-label counts. */
    { "label 0 tn + 1", { LABEL_FIELD(0, 0) }, { 2 }, 0 },
    { "label 2 tp = 2^64 - 1", { LABEL_FIELD(2, 3) }, { UINT64_MAX }, 0 },
    { "label 0: a tn became a tp", { LABEL_FIELD(0, 0), LABEL_FIELD(0, 3) }, { 0, 3 }, 0 },
    { "label 1: an fn became a tn", { LABEL_FIELD(1, 0), LABEL_FIELD(1, 2) }, { 5, 0 }, 0 },
    { "exact rows 5: 6 wrong decisions in 1 row of 3 labels", { OFF_EXACT }, { 5 }, 0 },
    /* SAMPLES arrays. */
    { "precision samples sum to 5", { OFF_P_SAMPLES }, { 1 }, 0 },
    { "precision samples past 2^64", { OFF_P_SAMPLES }, { UINT64_MAX }, 0 },
    { "precision denominators sum to 8", { OFF_P_SAMPLES, OFF_P_SAMPLES + 8 }, { 1, 3 }, 0 },
    { "precision hits[1] = 3 > 1 * 2 samples", { OFF_P_HITS }, { 3 }, 0 },
    { "precision hits sum to 5", { OFF_P_HITS + 16 }, { 2 }, 0 },
    { "recall hits[3] = 1 with no sample", { OFF_R_HITS + 8, OFF_R_HITS + 16 }, { 2, 1 }, 0 },
    { "F1 hits[3] = 2 > 3 * 1 / 2", { OFF_F_HITS + 16, OFF_F_HITS + 24 }, { 2, 2 }, 0 },
    { "Jaccard samples moved from d 0 to d 1", { OFF_J_SAMPLES, OFF_J_SAMPLES + 8 }, { 0, 2 }, 0 },
    { "Jaccard hits past 2^64", { OFF_J_HITS + 16 }, { UINT64_MAX }, 0 },
};

static uint8_t *apply_edit(const uint8_t *blob, size_t size, const edit *e, size_t *new_size)
{
    size_t body_end = (size_t)((long)(size - 4) + e->resize);
    uint8_t *copy = calloc(body_end + 4, 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, blob, body_end < size - 4 ? body_end : size - 4);
    for (size_t i = 0; i < 2; i++)
        if (e->offset[i])
            blob_put_le(copy + e->offset[i], e->value[i], 8);
    *new_size = body_end + 4;
    blob_reseal(copy, *new_size);
    return copy;
}

START_TEST(inconsistent_body_is_corrupt)
{
    trm_multilabel *m = make_basic();
    size_t size = 0;
    uint8_t *blob = snapshot_multilabel(m, &size);
    for (size_t i = 0; i < sizeof inconsistent / sizeof inconsistent[0]; i++) {
        size_t new_size = 0;
        uint8_t *copy = apply_edit(blob, size, &inconsistent[i], &new_size);
        trm_clear_last_error();
        int rc = load(copy, new_size);
        ck_assert_msg(rc == TRM_E_CORRUPT, "%s: returned %d (%s)", inconsistent[i].what, rc, trm_strerror(rc));
        ck_assert(trm_last_error()[0] != '\0');
        free(copy);
    }
    free(blob);
    trm_multilabel_free(m);

    /* Each row that is not exact holds 1 to L wrong decisions. One sample, L = 2:
     * y_true {1, 1}, y_pred {0, 0} is 2 wrong decisions and no exact row, so
     * claiming the row exact leaves 2 wrong decisions in 0 rows; y_pred {1, 1}
     * is an exact row, so claiming it wrong leaves 1 wrong row without a wrong
     * decision. */
    static const uint8_t ones[] = { 1, 1 }, zeros[] = { 0, 0 };
    static const struct {
        const uint8_t *pred;
        uint64_t exact_claimed;
    } claims[] = { { zeros, 1 }, { ones, 0 } };
    for (size_t i = 0; i < 2; i++) {
        m = make(2);
        ck_assert_ok(trm_multilabel_update_u8(m, ones, claims[i].pred, 1));
        blob = snapshot_multilabel(m, &size);
        ck_assert_ok(load(blob, size));
        blob_put_le(blob + OFF_EXACT, claims[i].exact_claimed, 8);
        blob_reseal(blob, size);
        ck_assert_int_eq(load(blob, size), TRM_E_CORRUPT);
        free(blob);
        trm_multilabel_free(m);
    }
}
END_TEST

START_TEST(sealed_label_swap_is_accepted)
{
    /* Labels may come in any order, so swapping the counts of labels 1 and 2 in
     * the blob gives a valid state (the sample-wise arrays do not depend on the
     * order): this guards the edit/reseal helpers against false alarms. */
    trm_multilabel *m = make_basic(), *back = NULL;
    size_t size = 0;
    uint8_t *blob = snapshot_multilabel(m, &size);
    uint8_t label1[32];
    memcpy(label1, blob + LABEL_FIELD(1, 0), 32);
    memmove(blob + LABEL_FIELD(1, 0), blob + LABEL_FIELD(2, 0), 32);
    memcpy(blob + LABEL_FIELD(2, 0), label1, 32);
    blob_reseal(blob, size);
    ck_assert_ok(trm_multilabel_deserialize(&back, blob, size, NULL));
    static const uint64_t swapped[12] = { 1, 2, 1, 2, 3, 1, 1, 1, 4, 0, 1, 1 };
    assert_counts(back, swapped);
    trm_multilabel_free(back);
    free(blob);
    trm_multilabel_free(m);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

static Suite *multilabel_suite(void)
{
    Suite *s = suite_create("multilabel");

    TCase *tc = tcase_create("create");
    tcase_add_test(tc, new_rejects_bad_arguments);
    tcase_add_test(tc, new_size_overflow);
    tcase_add_test(tc, new_too_big_to_allocate);
    tcase_add_test(tc, new_is_empty);
    tcase_add_test(tc, null_handle_queries);
    suite_add_tcase(s, tc);

    tc = tcase_create("metrics");
    tcase_add_test(tc, counts_and_scalars);
    tcase_add_test(tc, per_label_metrics);
    tcase_add_test(tc, label_averages);
    tcase_add_test(tc, samples_average);
    tcase_add_test(tc, undefined_labels);
    tcase_add_test(tc, only_empty_rows);
    suite_add_tcase(s, tc);

    tc = tcase_create("threshold");
    tcase_add_loop_test(tc, threshold_matches_u8, F32, F64 + 1);
    tcase_add_loop_test(tc, threshold_infinite, F32, F64 + 1);
    tcase_add_loop_test(tc, threshold_rejections, F32, F64 + 1);
    suite_add_tcase(s, tc);

    tc = tcase_create("validation");
    tcase_add_test(tc, bad_value_rejects_batch);
    tcase_add_test(tc, span_overflow);
    tcase_add_test(tc, sample_count_limit);
    tcase_add_test(tc, bad_enums);
    tcase_add_test(tc, null_pointers_rejected);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_test(tc, merge_equals_one_stream);
    tcase_add_test(tc, merge_into_itself_doubles);
    tcase_add_test(tc, clone_is_deep);
    tcase_add_test(tc, reset_keeps_labels);
    tcase_add_test(tc, allocator_used_everywhere);
    suite_add_tcase(s, tc);

    tc = tcase_create("serialize");
    tcase_add_test(tc, blob_layout);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, inconsistent_body_is_corrupt);
    tcase_add_test(tc, sealed_label_swap_is_accepted);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(multilabel_suite());
}
