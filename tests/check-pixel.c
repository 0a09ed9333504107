/* SPDX-License-Identifier: MIT */
/* Per-pixel argmax of score maps, IoU and mean IoU, thresholds on logits:
 * hand-computed tables, a naive oracle loop for large random maps, every bad
 * input with its message and an unchanged matrix, and the answer under
 * denormals-are-zero. The suite runs again with TRM_DISABLE_AVX512 and with
 * TRM_DISABLE_SIMD (the channels-last maps go through the row kernels). */
#include <float.h>
#include <stdbool.h>
#include <stdio.h>

#include "testutil.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#else
#define HAVE_MXCSR 0
#endif

#define NCHW TRM_LAYOUT_CHANNELS_FIRST
#define NHWC TRM_LAYOUT_CHANNELS_LAST

/* ---- helpers --------------------------------------------------------------- */

/* (N, K, P) scores to (N, P, K). */
static float *to_channels_last(const float *first, size_t n, size_t k, size_t p)
{
    float *last = malloc(n * k * p * sizeof *last);
    ck_assert_ptr_nonnull(last);
    for (size_t s = 0; s < n; s++)
        for (size_t c = 0; c < k; c++)
            for (size_t i = 0; i < p; i++)
                last[(s * p + i) * k + c] = first[(s * k + c) * p + i];
    return last;
}

static double *to_f64(const float *v, size_t n)
{
    double *d = malloc(n * sizeof *d);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < n; i++)
        d[i] = v[i];
    return d;
}

static void assert_counts(const trm_confusion *cm, const uint64_t *expected, const char *what)
{
    size_t k = trm_confusion_n_classes(cm);
    uint64_t got[64];
    ck_assert_uint_le(k * k, 64);
    if (trm_confusion_flags(cm) & TRM_CONFUSION_WEIGHTED) {
        double cells[64];
        ck_assert_ok(trm_confusion_matrix(cm, TRM_NORMALIZE_NONE, cells));
        for (size_t i = 0; i < k * k; i++)
            got[i] = (uint64_t)cells[i];
    } else {
        ck_assert_ok(trm_confusion_counts(cm, got));
    }
    for (size_t i = 0; i < k * k; i++)
        ck_assert_msg(got[i] == expected[i], "%s: cell [%zu][%zu] = %llu, expected %llu", what, i / k, i % k,
                      (unsigned long long)got[i], (unsigned long long)expected[i]);
}

/* Every label and score variant of the map update on one table. */
typedef struct map_input {
    const int32_t *y;
    const float *first; /* (N, K, P) */
    size_t n, k, p;
} map_input;

static int update_variant(trm_confusion *cm, const map_input *in, int variant, int layout)
{
    size_t labels = in->n * in->p, scores = labels * in->k;
    const float *f = layout == NCHW ? in->first : to_channels_last(in->first, in->n, in->k, in->p);
    double *d = to_f64(f, scores);
    int64_t *y64 = malloc(labels * sizeof *y64);
    uint8_t *y8 = malloc(labels);
    for (size_t i = 0; i < labels; i++) {
        y64[i] = in->y[i];
        y8[i] = (uint8_t)in->y[i];
    }
    int rc;
    switch (variant) {
    case 0: rc = trm_confusion_update_argmax_map_f32(cm, in->y, f, in->n, in->p, layout); break;
    case 1: rc = trm_confusion_update_argmax_map_f64(cm, in->y, d, in->n, in->p, layout); break;
    case 2: rc = trm_confusion_update_argmax_map_i64_f32(cm, y64, f, in->n, in->p, layout); break;
    case 3: rc = trm_confusion_update_argmax_map_i64_f64(cm, y64, d, in->n, in->p, layout); break;
    case 4: rc = trm_confusion_update_argmax_map_u8_f32(cm, y8, f, in->n, in->p, layout); break;
    default: rc = trm_confusion_update_argmax_map_u8_f64(cm, y8, d, in->n, in->p, layout); break;
    }
    if (f != in->first)
        free((void *)f);
    free(d);
    free(y64);
    free(y8);
    return rc;
}

#define N_VARIANTS 6

/* ---- argmax maps: hand tables ---------------------------------------------- */

/* Two 2x2 maps of K = 3 classes, channels-first. Pixel by pixel (sample, pixel:
 * scores of classes 0, 1, 2 -> argmax):
 *   0,0: 0.1 0.7 0.2 -> 1      1,0: 5  5  5  -> 0 (three-way tie)
 *   0,1: 0.3 0.3 0.1 -> 0 (tie) 1,1: -0 +0 -1 -> 0 (-0 equals +0)
 *   0,2: -1  -2  -0.5 -> 2     1,2: 1  2  2  -> 1 (tie of the last two)
 *   0,3: 9   1   1  -> 0       1,3: -3 -2 -1 -> 2
 * against true labels 1 0 0 2 / 0 1 2 1. */
static const float hand_scores[2 * 3 * 4] = {
    0.1f, 0.3f, -1.0f, 9.0f, /* sample 0, class 0, pixels 0..3 */
    0.7f, 0.3f, -2.0f, 1.0f, /* class 1 */
    0.2f, 0.1f, -0.5f, 1.0f, /* class 2 */
    5.0f, -0.0f, 1.0f, -3.0f, /* sample 1, class 0 */
    5.0f, 0.0f, 2.0f, -2.0f,
    5.0f, -1.0f, 2.0f, -1.0f,
};
static const int32_t hand_labels[8] = { 1, 0, 0, 2, 0, 1, 2, 1 };
/* (true, pred): (1,1) (0,0) (0,2) (2,0) (0,0) (1,0) (2,1) (1,2) */
static const uint64_t hand_counts[9] = { 2, 0, 1, 1, 1, 1, 1, 1, 0 };

START_TEST(map_hand_table)
{
    map_input in = { hand_labels, hand_scores, 2, 3, 4 };
    for (int layout = NCHW; layout <= NHWC; layout++)
        for (int variant = 0; variant < N_VARIANTS; variant++)
            for (uint32_t flags = 0; flags <= TRM_CONFUSION_WEIGHTED; flags++) {
                trm_confusion *cm;
                ck_assert_ok(trm_confusion_new(&cm, 3, flags, NULL));
                ck_assert_ok(update_variant(cm, &in, variant, layout));
                char what[64];
                snprintf(what, sizeof what, "layout %d variant %d flags %u", layout, variant, flags);
                assert_counts(cm, hand_counts, what);
                double total;
                ck_assert_ok(trm_confusion_total(cm, &total));
                ck_assert_close(total, 8.0);
                trm_confusion_free(cm);
            }
}
END_TEST

/* The ignore label, inside and outside [0, K): those pixels' scores are not
 * checked (NaN there is fine) and nothing of theirs is counted. */
START_TEST(map_ignore_label)
{
    float scores[2 * 3 * 4];
    memcpy(scores, hand_scores, sizeof scores);
    scores[0 * 4 + 3] = NAN;          /* sample 0, class 0, pixel 3: label 2 */
    scores[(3 + 2) * 4 + 1] = INFINITY; /* sample 1, class 2, pixel 1: label 1 */
    const int64_t ignores[] = { 2, 1 };
    /* dropping the pairs with true label 2 / 1 from hand_counts */
    const uint64_t without_2[9] = { 2, 0, 1, 1, 1, 1, 0, 0, 0 };
    const uint64_t without_1[9] = { 2, 0, 1, 0, 0, 0, 1, 1, 0 };
    for (int which = 0; which < 2; which++) {
        int32_t y[8];
        memcpy(y, hand_labels, sizeof y);
        for (int layout = NCHW; layout <= NHWC; layout++)
            for (int variant = 0; variant < N_VARIANTS; variant++) {
                trm_confusion *cm;
                ck_assert_ok(trm_confusion_new(&cm, 3, 0, NULL));
                ck_assert_ok(trm_confusion_set_ignore_label(cm, ignores[which]));
                map_input in = { y, scores, 2, 3, 4 };
                /* which = 0 only: the NaN pixel is ignored, the Inf one is not */
                if (which == 0) {
                    scores[(3 + 2) * 4 + 1] = -1.0f;
                    ck_assert_ok(update_variant(cm, &in, variant, layout));
                    assert_counts(cm, without_2, "ignore 2");
                    scores[(3 + 2) * 4 + 1] = INFINITY;
                } else {
                    scores[0 * 4 + 3] = 9.0f;
                    ck_assert_ok(update_variant(cm, &in, variant, layout));
                    assert_counts(cm, without_1, "ignore 1");
                    scores[0 * 4 + 3] = NAN;
                }
                trm_confusion_free(cm);
            }
    }
    /* 255, outside [0, K), on 8-bit labels (the "unlabeled" value of ground-truth images) */
    uint8_t y8[8];
    int32_t y32[8];
    for (int i = 0; i < 8; i++)
        y8[i] = (uint8_t)(y32[i] = hand_labels[i] == 2 ? 255 : hand_labels[i]);
    trm_confusion *cm;
    ck_assert_ok(trm_confusion_new(&cm, 3, 0, NULL));
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 255));
    scores[(3 + 2) * 4 + 1] = -1.0f;
    ck_assert_ok(trm_confusion_update_argmax_map_u8_f32(cm, y8, scores, 2, 4, NCHW));
    ck_assert_ok(trm_confusion_update_argmax_map_f32(cm, y32, scores, 2, 4, NCHW));
    const uint64_t twice[9] = { 4, 0, 2, 2, 2, 2, 0, 0, 0 };
    assert_counts(cm, twice, "ignore 255");
    trm_confusion_free(cm);
}
END_TEST

/* ---- argmax maps: failures --------------------------------------------------- */

START_TEST(map_bad_arguments)
{
    trm_confusion *cm;
    ck_assert_ok(trm_confusion_new(&cm, 3, 0, NULL));
    size_t size;
    uint8_t *blob = snapshot(cm, &size);
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_argmax_map_f32(NULL, hand_labels, hand_scores, 2, 4, NCHW));
    ck_assert_str_eq(trm_last_error(), "trm_confusion_update_argmax_map_f32: cm is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_argmax_map_f32(cm, NULL, hand_scores, 2, 4, NCHW));
    ck_assert_str_eq(trm_last_error(), "trm_confusion_update_argmax_map_f32: y_true is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_argmax_map_f64(cm, hand_labels, NULL, 2, 4, NCHW));
    ck_assert_str_eq(trm_last_error(), "trm_confusion_update_argmax_map_f64: scores is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_argmax_map_f32(cm, hand_labels, hand_scores, 2, 4, 2));
    ck_assert_str_eq(trm_last_error(), "trm_confusion_update_argmax_map_f32: unknown layout 2");
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_argmax_map_u8_f32(cm, (const uint8_t *)"", hand_scores, 2, 4, -1));
    ck_assert_fails(TRM_E_OVERFLOW,
                    trm_confusion_update_argmax_map_f32(cm, hand_labels, hand_scores, SIZE_MAX / 2, 4, NCHW));
    ck_assert_str_eq(trm_last_error(), "trm_confusion_update_argmax_map_f32: "
                     "9223372036854775807 samples of 4 pixels and 3 classes overflow size_t");
    ck_assert_fails(TRM_E_OVERFLOW,
                    trm_confusion_update_argmax_map_i64_f64(cm, (const int64_t *)hand_labels, (const double *)hand_scores,
                                                            (SIZE_MAX / 3) / 2 + 1, 2, NHWC));
    /* zero samples or zero pixels: a no-op */
    ck_assert_ok(trm_confusion_update_argmax_map_f32(cm, hand_labels, hand_scores, 0, 4, NCHW));
    ck_assert_ok(trm_confusion_update_argmax_map_f32(cm, hand_labels, hand_scores, 2, 0, NHWC));
    ck_assert_unchanged(cm, blob, size);
    free(blob);
    trm_confusion_free(cm);
}
END_TEST

/* A bad label or a non-finite score anywhere (first block, last block) is
 * named by sample, pixel and class and leaves the matrix as it was, after
 * earlier batches of the same call were counted and taken back. K = 5 takes
 * the channels-first tiles (a tail of 8 pixels at the end of each map), K = 33
 * the blocks. */
START_TEST(map_bad_elements)
{
    enum { N = 3, P = 5000 };
    const size_t K = _i ? 33 : 5;
    float *first = malloc(N * K * P * sizeof *first);
    int32_t *y = malloc(N * P * sizeof *y);
    uint64_t seed = 7;
    for (size_t i = 0; i < (size_t)N * K * P; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        first[i] = (float)(seed >> 40) * 0x1p-20f;
    }
    for (size_t i = 0; i < (size_t)N * P; i++)
        y[i] = (int32_t)(i * 7 % K);
    const size_t spots[][2] = { { 0, 0 }, { 0, 1 }, { 1, 4321 }, { 2, P - 1 } }; /* (sample, pixel) */
    for (uint32_t flags = 0; flags <= TRM_CONFUSION_WEIGHTED; flags++)
        for (int layout = NCHW; layout <= NHWC; layout++)
            for (size_t spot = 0; spot < sizeof spots / sizeof spots[0]; spot++) {
                size_t s = spots[spot][0], p = spots[spot][1], c = (spot + 1) % K;
                trm_confusion *cm;
                ck_assert_ok(trm_confusion_new(&cm, K, flags, NULL));
                map_input in = { y, first, N, K, P };
                ck_assert_ok(update_variant(cm, &in, 0, layout)); /* something to keep */
                size_t size;
                uint8_t *blob = snapshot(cm, &size);
                char expected[160];
                for (int variant = 0; variant < N_VARIANTS; variant++) {
                    int32_t label = y[s * P + p];
                    y[s * P + p] = 77;
                    ck_assert_fails(TRM_E_LABEL, update_variant(cm, &in, variant, layout));
                    snprintf(expected, sizeof expected, ": y_true[%zu][%zu] = 77 is outside [0, %zu)", s, p, K);
                    ck_assert_msg(strstr(trm_last_error(), expected), "\"%s\" lacks \"%s\"", trm_last_error(), expected);
                    ck_assert_unchanged(cm, blob, size);
                    y[s * P + p] = label;
                    float score = first[(s * K + c) * P + p];
                    first[(s * K + c) * P + p] = variant % 2 ? -INFINITY : NAN;
                    ck_assert_fails(TRM_E_NONFINITE, update_variant(cm, &in, variant, layout));
                    if (layout == NCHW)
                        snprintf(expected, sizeof expected, ": scores[%zu][%zu][%zu] = %s (sample, class, pixel) is not finite",
                                 s, c, p, variant % 2 ? "-inf" : "nan");
                    else
                        snprintf(expected, sizeof expected, ": scores[%zu][%zu][%zu] = %s (sample, pixel, class) is not finite",
                                 s, p, c, variant % 2 ? "-inf" : "nan");
                    ck_assert_msg(strstr(trm_last_error(), expected), "\"%s\" lacks \"%s\"", trm_last_error(), expected);
                    ck_assert_unchanged(cm, blob, size);
                    first[(s * K + c) * P + p] = score;
                }
                free(blob);
                trm_confusion_free(cm);
            }
    free(first);
    free(y);
}
END_TEST

/* ---- argmax maps: large random maps against a naive loop -------------------- */

START_TEST(map_random_against_naive)
{
    /* 16 and 17 sit on either side of the tile/block switch of channels-first
     * maps; past it 20 .. 23 and 33 end on each remainder of the four-plane groups */
    const size_t ks[] = { 1, 2, 3, 7, 8, 16, 17, 20, 21, 22, 23, 33 }, ps[] = { 1, 5, 1023, 1025, 4099 };
    uint64_t seed = 11;
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
        for (size_t pi = 0; pi < sizeof ps / sizeof ps[0]; pi++) {
            size_t k = ks[ki], p = ps[pi], n = 3;
            float *first = malloc(n * k * p * sizeof *first);
            int32_t *y = malloc(n * p * sizeof *y);
            uint64_t *expected = calloc(k * k, sizeof *expected);
            for (size_t i = 0; i < n * k * p; i++) {
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                first[i] = (float)((seed >> 33) % 9) - 4.0f; /* many ties */
            }
            for (size_t i = 0; i < n * p; i++) {
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                y[i] = (int32_t)((seed >> 33) % (k + 1)); /* k = ignored */
            }
            /* every third case has no ignore label: label k becomes class 0, and
             * the kernels keep one magnitude per block instead of per pixel */
            bool ignore = (ki + pi) % 3 != 0;
            if (!ignore)
                for (size_t i = 0; i < n * p; i++)
                    y[i] = y[i] == (int32_t)k ? 0 : y[i];
            for (size_t s = 0; s < n; s++)
                for (size_t i = 0; i < p; i++) {
                    if (y[s * p + i] == (int32_t)k)
                        continue;
                    size_t best = 0;
                    for (size_t c = 1; c < k; c++)
                        if (first[(s * k + c) * p + i] > first[(s * k + best) * p + i])
                            best = c;
                    expected[(size_t)y[s * p + i] * k + best]++;
                }
            for (int layout = NCHW; layout <= NHWC; layout++)
                for (int variant = 0; variant < N_VARIANTS; variant++) {
                    trm_confusion *cm;
                    ck_assert_ok(trm_confusion_new(&cm, k, 0, NULL));
                    if (ignore)
                        ck_assert_ok(trm_confusion_set_ignore_label(cm, (int64_t)k));
                    map_input in = { y, first, n, k, p };
                    ck_assert_ok(update_variant(cm, &in, variant, layout));
                    uint64_t *got = malloc(k * k * sizeof *got);
                    ck_assert_ok(trm_confusion_counts(cm, got));
                    for (size_t i = 0; i < k * k; i++)
                        ck_assert_msg(got[i] == expected[i], "K=%zu P=%zu layout %d variant %d cell %zu: %llu != %llu",
                                      k, p, layout, variant, i, (unsigned long long)got[i],
                                      (unsigned long long)expected[i]);
                    free(got);
                    trm_confusion_free(cm);
                }
            free(first);
            free(y);
            free(expected);
        }
}
END_TEST

/* ---- argmax maps: floating-point modes --------------------------------------- */

#if HAVE_MXCSR
static __attribute__((noinline)) bool tiny_reads_as_zero(void)
{
    volatile float tiny = FLT_TRUE_MIN;
    return tiny == 0.0f;
}
#endif

/* [0, 1e-40] predicts class 1 in IEEE mode and class 0 where subnormals read
 * as zero (DAZ), on both layouts and every variant; FTZ alone changes nothing. */
START_TEST(map_follows_fp_mode)
{
    static const float first[2 * 4] = { 0.0f, 0.0f, -1e-40f, 1.0f, 1e-40f, -0.0f, 0.0f, 0.5f };
    static const int32_t y[4] = { 0, 0, 1, 1 };
    map_input in = { y, first, 1, 2, 4 };
#if HAVE_MXCSR
    const unsigned modes[] = { 0, 0x0040u, 0x8000u, 0x8040u };
    for (size_t mi = 0; mi < 4; mi++) {
        unsigned before = _mm_getcsr();
        _mm_setcsr((before & ~0x8040u) | modes[mi]);
        bool daz = tiny_reads_as_zero();
#else
    for (size_t mi = 0; mi < 1; mi++) {
        bool daz = false;
#endif
        /* pixels: (0 | 1e-40) -> 1 or 0; (0 | -0) -> 0; (-1e-40 | 0) -> 1 or 0; (1 | 0.5) -> 0 */
        const uint64_t ieee[4] = { 1, 1, 1, 1 }, flushed[4] = { 2, 0, 2, 0 };
        for (int layout = NCHW; layout <= NHWC; layout++)
            for (int variant = 0; variant < N_VARIANTS; variant++) {
                trm_confusion *cm;
                ck_assert_ok(trm_confusion_new(&cm, 2, 0, NULL));
                int rc = update_variant(cm, &in, variant, layout);
                ck_assert_int_eq(rc, TRM_OK);
                assert_counts(cm, daz ? flushed : ieee, daz ? "DAZ" : "IEEE");
                trm_confusion_free(cm);
            }
#if HAVE_MXCSR
        _mm_setcsr(before);
#endif
    }
}
END_TEST

/* ---- IoU --------------------------------------------------------------------- */

/* Rows true, columns predicted, K = 4:
 *   [5 1 0 0]   class 0: tp 5, fn 1, fp 2 -> 5/8
 *   [2 3 0 0]   class 1: tp 3, fn 2, fp 1 -> 3/6
 *   [0 0 0 0]   class 2: absent (tp + fp + fn = 0)
 *   [0 0 0 0]   class 3: absent */
static const uint64_t iou_table[16] = { 5, 1, 0, 0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

START_TEST(iou_hand_table)
{
    for (uint32_t flags = 0; flags <= TRM_CONFUSION_WEIGHTED; flags++) {
        trm_confusion *cm;
        double iou[4], mean;
        ck_assert_ok(trm_confusion_new(&cm, 4, flags, NULL));
        ck_assert_fails(TRM_E_EMPTY, trm_confusion_mean_iou(cm, &mean));
        ck_assert_str_eq(trm_last_error(), "trm_confusion_mean_iou: no class other than the ignore label is present");
        ck_assert_ok(trm_confusion_add_counts(cm, iou_table));
        ck_assert_ok(trm_confusion_iou_per_class(cm, TRM_ZERO_DIVISION_ZERO, iou));
        ck_assert_close(iou[0], 5.0 / 8.0);
        ck_assert_close(iou[1], 3.0 / 6.0);
        ck_assert_close(iou[2], 0.0);
        ck_assert_close(iou[3], 0.0);
        ck_assert_ok(trm_confusion_iou_per_class(cm, TRM_ZERO_DIVISION_ONE, iou));
        ck_assert_close(iou[2], 1.0);
        ck_assert_ok(trm_confusion_iou_per_class(cm, TRM_ZERO_DIVISION_NAN, iou));
        ck_assert(isnan(iou[3]));
        /* absent classes stay out of the mean */
        ck_assert_ok(trm_confusion_mean_iou(cm, &mean));
        ck_assert_close(mean, (5.0 / 8.0 + 3.0 / 6.0) / 2.0);
        /* the ignore label's class does too, also when it was predicted */
        ck_assert_ok(trm_confusion_set_ignore_label(cm, 1));
        ck_assert_ok(trm_confusion_mean_iou(cm, &mean));
        ck_assert_close(mean, 5.0 / 8.0);
        ck_assert_ok(trm_confusion_set_ignore_label(cm, 9)); /* outside [0, K): no class left out */
        ck_assert_ok(trm_confusion_mean_iou(cm, &mean));
        ck_assert_close(mean, (5.0 / 8.0 + 3.0 / 6.0) / 2.0);
        ck_assert_ok(trm_confusion_set_ignore_label(cm, -100));
        ck_assert_ok(trm_confusion_mean_iou(cm, &mean));
        ck_assert_close(mean, (5.0 / 8.0 + 3.0 / 6.0) / 2.0);
        trm_confusion_free(cm);
    }
}
END_TEST

/* Segmentation with ignore_index = 0 inside [0, K): pixels of true class 0 are
 * dropped, but a pixel of class 2 predicted as 0 is a miss for class 2 and
 * stays out of the mean as class 0 (torchmetrics weights[ignore_index] = 0). */
START_TEST(iou_ignore_class_predicted)
{
    static const int32_t y[6] = { 0, 0, 1, 2, 2, 2 }, p[6] = { 1, 0, 1, 0, 2, 2 };
    trm_confusion *cm;
    double iou[3], mean;
    ck_assert_ok(trm_confusion_new(&cm, 3, 0, NULL));
    ck_assert_ok(trm_confusion_set_ignore_label(cm, 0));
    ck_assert_ok(trm_confusion_update_i32(cm, y, p, 6));
    ck_assert_ok(trm_confusion_iou_per_class(cm, TRM_ZERO_DIVISION_ZERO, iou));
    ck_assert_close(iou[0], 0.0); /* fp 1, tp 0 */
    ck_assert_close(iou[1], 1.0);
    ck_assert_close(iou[2], 2.0 / 3.0);
    ck_assert_ok(trm_confusion_mean_iou(cm, &mean));
    ck_assert_close(mean, (1.0 + 2.0 / 3.0) / 2.0);
    ck_assert_fails(TRM_E_INVALID, trm_confusion_iou_per_class(cm, 3, iou));
    ck_assert_str_eq(trm_last_error(), "trm_confusion_iou_per_class: unknown zero_division 3");
    ck_assert_fails(TRM_E_INVALID, trm_confusion_iou_per_class(NULL, 0, iou));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_iou_per_class(cm, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_mean_iou(NULL, &mean));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_mean_iou(cm, NULL));
    trm_confusion_free(cm);
}
END_TEST

/* ---- thresholds on logits ---------------------------------------------------- */

/* torch.sigmoid in float32 gives 0.5 at 0x1.8p-24 and 0.50000006 at the next
 * float; 0.9 is crossed between 2.1972246 and 2.1972249, 0.3 between
 * -0.8472978 and -0.8472977 (torch 1.13, checked float by float). */
START_TEST(threshold_logits_hand_values)
{
    struct { float t, below, above; } cases[] = {
        { 0.5f, 0x1.8p-24f, 0x1.800002p-24f },
        { 0.9f, 0x1.193ea8p+1f, 0x1.193eaap+1f },
        { 0.3f, -0x1.b1d104p-1f, -0x1.b1d102p-1f },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const float scores[6] = { cases[i].below, cases[i].above, -50.0f, 50.0f, 0.0f, -0.0f };
        const double scores64[6] = { cases[i].below, cases[i].above, -50.0, 50.0, 0.0, -0.0 };
        const int32_t y[6] = { 1, 1, 0, 0, 1, 0 };
        /* predictions 0 1 0 1 p p, p = sigmoid(0) = 0.5 > t */
        uint64_t zero_pred = cases[i].t < 0.5f;
        /* true 0: x=-50 -> 0, x=50 -> 1, -0 -> p; true 1: below -> 0, above -> 1, 0 -> p */
        const uint64_t expected[4] = { 1 + !zero_pred, 1 + zero_pred, 1 + !zero_pred, 1 + zero_pred };
        trm_confusion *cm;
        ck_assert_ok(trm_confusion_new(&cm, 2, 0, NULL));
        ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, scores, 6, cases[i].t, TRM_SCORES_LOGITS));
        assert_counts(cm, expected, "f32 logits");
        trm_confusion_reset(cm);
        /* AUTO: +-50 lie outside [0, 1] */
        ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, scores, 6, cases[i].t, TRM_SCORES_AUTO));
        assert_counts(cm, expected, "f32 auto");
        trm_confusion_reset(cm);
        /* in double the sigmoid of 0x1.8p-24 is above 0.5: only sign and size matter far from the cut */
        ck_assert_ok(trm_confusion_update_threshold_flags_f64(cm, y + 2, scores64 + 2, 4, cases[i].t, TRM_SCORES_LOGITS));
        const uint64_t far[4] = { 1 + !zero_pred, 1 + zero_pred, !zero_pred, zero_pred };
        assert_counts(cm, far, "f64 logits");
        trm_confusion_free(cm);
    }
}
END_TEST

/* AUTO decides per call on the counted scores; without flags nothing changes;
 * thresholds past the sigmoid's range predict all or nothing. */
START_TEST(threshold_auto_and_edges)
{
    const float probs[4] = { 0.2f, 0.8f, 1.0f, 0.0f }, logits[4] = { 0.2f, 0.8f, 1.5f, 0.0f };
    const int32_t y[4] = { 0, 1, 1, 0 };
    trm_confusion *cm;
    ck_assert_ok(trm_confusion_new(&cm, 2, 0, NULL));
    /* all in [0, 1]: probabilities, 0.2 and 0 -> 0, 0.8 and 1 -> 1 */
    ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, probs, 4, 0.5f, TRM_SCORES_AUTO));
    const uint64_t raw[4] = { 2, 0, 0, 2 };
    assert_counts(cm, raw, "auto on probabilities");
    trm_confusion_reset(cm);
    /* 1.5 is outside: sigmoid of 0.2, 0.8, 1.5 > 0.5, sigmoid(0) = 0.5 is not */
    ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, logits, 4, 0.5f, TRM_SCORES_AUTO));
    const uint64_t sig[4] = { 1, 1, 0, 2 };
    assert_counts(cm, sig, "auto on logits");
    trm_confusion_reset(cm);
    /* the only score outside [0, 1] belongs to an ignored sample: probabilities */
    const int32_t y_ignored[4] = { 0, 1, -1, 0 };
    ck_assert_ok(trm_confusion_set_ignore_label(cm, -1));
    ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y_ignored, logits, 4, 0.5f, TRM_SCORES_AUTO));
    const uint64_t kept[4] = { 2, 0, 0, 1 };
    assert_counts(cm, kept, "auto, outside score ignored");
    ck_assert_ok(trm_confusion_set_ignore_label(cm, TRM_NO_IGNORE));
    trm_confusion_reset(cm);
    /* flags 0 is the plain threshold */
    ck_assert_ok(trm_confusion_update_threshold_flags_f64(cm, y, (const double[]){ 0.2, 0.8, 1.5, 0.0 }, 4, 0.5, 0));
    const uint64_t plain[4] = { 2, 0, 0, 2 };
    assert_counts(cm, plain, "flags 0");
    trm_confusion_reset(cm);
    /* thresholds >= 1 predict nothing (sigmoid(x) < 1 or rounds to 1, never above), below 0 everything */
    const float wide[4] = { -100.0f, 100.0f, 20.0f, -20.0f };
    ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, wide, 4, 1.0f, TRM_SCORES_LOGITS));
    ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, wide, 4, INFINITY, TRM_SCORES_LOGITS));
    const uint64_t none[4] = { 4, 0, 4, 0 };
    assert_counts(cm, none, "threshold 1");
    trm_confusion_reset(cm);
    ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, wide, 4, -0.5f, TRM_SCORES_LOGITS));
    ck_assert_ok(trm_confusion_update_threshold_flags_f64(cm, y, (const double[]){ -800, 800, 1, -1 }, 4, -INFINITY,
                                                          TRM_SCORES_LOGITS));
    const uint64_t all[4] = { 0, 4, 0, 4 };
    assert_counts(cm, all, "threshold below 0");
    /* threshold 0: sigmoid(-100) = 0 in float (exp(100) overflows), sigmoid(-20) > 0 */
    trm_confusion_reset(cm);
    ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, wide, 4, 0.0f, TRM_SCORES_LOGITS));
    const uint64_t above_zero[4] = { 1, 1, 0, 2 };
    assert_counts(cm, above_zero, "threshold 0");
    trm_confusion_free(cm);
}
END_TEST

START_TEST(threshold_flags_bad_inputs)
{
    const float scores[2] = { 0.5f, NAN };
    const int32_t y[2] = { 0, 1 };
    trm_confusion *cm, *three;
    ck_assert_ok(trm_confusion_new(&cm, 2, 0, NULL));
    ck_assert_ok(trm_confusion_new(&three, 3, 0, NULL));
    ck_assert_ok(trm_confusion_update_threshold_flags_f32(cm, y, scores, 1, 0.5f, TRM_SCORES_LOGITS));
    size_t size;
    uint8_t *blob = snapshot(cm, &size);
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_threshold_flags_f32(cm, y, scores, 1, 0.5f, 4));
    ck_assert_str_eq(trm_last_error(), "trm_confusion_update_threshold_flags_f32: unknown score flags 0x4");
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_threshold_flags_f64(cm, y, (const double[]){ 0.5 }, 1, 0.5,
                                                                            TRM_SCORES_LOGITS | TRM_SCORES_AUTO));
    ck_assert_str_eq(trm_last_error(),
                     "trm_confusion_update_threshold_flags_f64: TRM_SCORES_LOGITS and TRM_SCORES_AUTO exclude each other");
    ck_assert_fails(TRM_E_NONFINITE, trm_confusion_update_threshold_flags_f32(cm, y, scores, 2, 0.5f, TRM_SCORES_AUTO));
    ck_assert_str_eq(trm_last_error(), "trm_confusion_update_threshold_flags_f32: scores[1] = nan is not finite");
    ck_assert_fails(TRM_E_NONFINITE, trm_confusion_update_threshold_flags_f32(
                                         cm, y, (const float[]){ 0.0f, INFINITY }, 2, 0.5f, TRM_SCORES_LOGITS));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_threshold_flags_f32(cm, y, scores, 1, NAN, TRM_SCORES_LOGITS));
    ck_assert_fails(TRM_E_LABEL, trm_confusion_update_threshold_flags_f32(cm, (const int32_t[]){ 2 }, scores, 1, 0.5f,
                                                                           TRM_SCORES_LOGITS));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_threshold_flags_f32(NULL, y, scores, 1, 0.5f, 0));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_threshold_flags_f32(cm, NULL, scores, 1, 0.5f, 0));
    ck_assert_fails(TRM_E_INVALID, trm_confusion_update_threshold_flags_f32(cm, y, NULL, 1, 0.5f, 0));
    ck_assert_fails(TRM_E_MISMATCH, trm_confusion_update_threshold_flags_f32(three, y, scores, 1, 0.5f, 0));
    ck_assert_unchanged(cm, blob, size);
    free(blob);
    trm_confusion_free(cm);
    trm_confusion_free(three);
}
END_TEST

/* Multilabel: the same cut per label, AUTO over the whole batch. */
START_TEST(multilabel_threshold_flags)
{
    /* two samples of three labels */
    const uint8_t y[6] = { 1, 0, 1, 0, 1, 1 };
    const float logits[6] = { 0x1.8p-24f, 0x1.800002p-24f, -3.0f, 3.0f, 0.0f, 0.7f };
    trm_multilabel *m;
    uint64_t counts[12];
    ck_assert_ok(trm_multilabel_new(&m, 3, NULL));
    ck_assert_ok(trm_multilabel_update_threshold_flags_f32(m, y, logits, 2, 0.5f, TRM_SCORES_LOGITS));
    /* predictions 0 1 0 / 1 0 1 against 1 0 1 / 0 1 1; per label tn, fp, fn, tp */
    const uint64_t expected[12] = { 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1 };
    ck_assert_ok(trm_multilabel_counts(m, counts));
    for (int i = 0; i < 12; i++)
        ck_assert_uint_eq(counts[i], expected[i]);
    /* AUTO sees 3.0 and -3.0: logits again */
    trm_multilabel_reset(m);
    ck_assert_ok(trm_multilabel_update_threshold_flags_f32(m, y, logits, 2, 0.5f, TRM_SCORES_AUTO));
    ck_assert_ok(trm_multilabel_counts(m, counts));
    for (int i = 0; i < 12; i++)
        ck_assert_uint_eq(counts[i], expected[i]);
    /* AUTO on probabilities: raw compare, 0.7 > 0.5 */
    trm_multilabel_reset(m);
    const double probs[6] = { 0.0, 1.0, 0.5, 0.6, 0.4, 0.7 };
    ck_assert_ok(trm_multilabel_update_threshold_flags_f64(m, y, probs, 2, 0.5, TRM_SCORES_AUTO));
    /* predictions 0 1 0 / 1 0 1 again */
    ck_assert_ok(trm_multilabel_counts(m, counts));
    for (int i = 0; i < 12; i++)
        ck_assert_uint_eq(counts[i], expected[i]);
    size_t size;
    uint8_t *blob = snapshot_multilabel(m, &size);
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_update_threshold_flags_f32(m, y, logits, 2, 0.5f, 8));
    ck_assert_str_eq(trm_last_error(), "trm_multilabel_update_threshold_flags_f32: unknown score flags 0x8");
    ck_assert_fails(TRM_E_INVALID, trm_multilabel_update_threshold_flags_f64(m, y, probs, 2, 0.5, 3));
    ck_assert_fails(TRM_E_NONFINITE, trm_multilabel_update_threshold_flags_f64(
                                         m, y, (const double[]){ 0, 1, 2, 3, 4, NAN }, 2, 0.5, TRM_SCORES_AUTO));
    ck_assert_str_eq(trm_last_error(), "trm_multilabel_update_threshold_flags_f64: scores[1][2] = nan is not finite");
    ck_assert_unchanged_multilabel(m, blob, size);
    free(blob);
    trm_multilabel_free(m);
}
END_TEST

static Suite *pixel_suite(void)
{
    Suite *s = suite_create("pixel");
    TCase *tc = tcase_create("argmax_map");
    tcase_add_test(tc, map_hand_table);
    tcase_add_test(tc, map_ignore_label);
    tcase_add_test(tc, map_bad_arguments);
    tcase_add_loop_test(tc, map_bad_elements, 0, 2);
    tcase_add_test(tc, map_random_against_naive);
    tcase_add_test(tc, map_follows_fp_mode);
    suite_add_tcase(s, tc);
    tc = tcase_create("iou");
    tcase_add_test(tc, iou_hand_table);
    tcase_add_test(tc, iou_ignore_class_predicted);
    suite_add_tcase(s, tc);
    tc = tcase_create("logits");
    tcase_add_test(tc, threshold_logits_hand_values);
    tcase_add_test(tc, threshold_auto_and_edges);
    tcase_add_test(tc, threshold_flags_bad_inputs);
    tcase_add_test(tc, multilabel_threshold_flags);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(pixel_suite());
}
