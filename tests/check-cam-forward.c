/* SPDX-License-Identifier: MIT */
/* The CAM additions of 0.3 as a black box: pytorch-grad-cam's normalization
 * order (TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE), Score-CAM and Ablation-CAM
 * through a forward callback, the cubic-spline resize (scipy.ndimage.zoom),
 * and the turbo colormap.
 *
 * Every expected value is worked out by hand from pytorch-grad-cam's formulas
 * (score_cam.py, ablation_cam.py, utils/image.py scale_cam_image), the
 * arithmetic in the comments; none comes from running the library. The suite
 * also runs every case under DAZ and FTZ, and again with TRM_DISABLE_AVX512 and
 * TRM_DISABLE_SIMD (tests/meson.build). */
#include <float.h>
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

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL 12345.0f
#define MAX_CALLS 64
#define MAX_RECORDED 256

/* ---- helpers ----------------------------------------------------------------------------- */

static void assert_floats(const float *got, const double *want, size_t n, double tol, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs((double)got[i] - want[i]) <= tol * fmax(1.0, fabs(want[i])),
                      "%s: [%zu] = %.9g, expected %.9g", what, i, (double)got[i], want[i]);
}

static void fill(float *x, size_t n, float value)
{
    for (size_t i = 0; i < n; i++)
        x[i] = value;
}

static void assert_all(const float *x, size_t n, float value, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(x[i] == value, "%s: [%zu] = %.9g, expected %.9g", what, i, (double)x[i], (double)value);
}

#define FAILS_UNTOUCHED(code, call, out, n)                                                  \
    do {                                                                                     \
        fill((out), (n), SENTINEL);                                                          \
        ck_assert_fails((code), (call));                                                     \
        assert_all((out), (n), SENTINEL, #call);                                             \
    } while (0)

#define ERROR_HAS(text)                                                                      \
    ck_assert_msg(strstr(trm_last_error(), (text)) != NULL, "trm_last_error() = \"%s\" lacks \"%s\"", \
                  trm_last_error(), (text))

static trm_cam *make(int method, int relu, int normalize)
{
    trm_cam *c = NULL;
    ck_assert_ok(trm_cam_new(&c, method, NULL));
    ck_assert_ok(trm_cam_set_relu(c, relu));
    ck_assert_ok(trm_cam_set_normalize(c, normalize));
    return c;
}

/* The floating-point modes of check-fpmode.c, set through MXCSR. */
enum fp_mode { MODE_IEEE, MODE_DAZ, MODE_FTZ, MODE_DAZ_FTZ, N_MODES };

static unsigned set_mode(int mode)
{
#if HAVE_MXCSR
    unsigned before = _mm_getcsr(), bits = 0;
    if (mode == MODE_DAZ || mode == MODE_DAZ_FTZ)
        bits |= 0x0040u;
    if (mode == MODE_FTZ || mode == MODE_DAZ_FTZ)
        bits |= 0x8000u;
    _mm_setcsr((before & ~0x8040u) | bits);
    return before;
#else
    (void)mode;
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

static int n_modes(void)
{
    return HAVE_MXCSR ? N_MODES : 1;
}

/* Asked of the machine rather than assumed: valgrind ignores DAZ. */
static __attribute__((noinline)) bool tiny_reads_as_zero(void)
{
    volatile float tiny = FLT_TRUE_MIN;
    return tiny == 0.0f;
}

/* ---- a recording model --------------------------------------------------------------------- */

/* A linear model: score = bias[sample] + sum_i coef[i] x[i] over the `item`
 * floats of each tensor. It records every call and the first tensors, and
 * can fail at a given call. */
typedef struct model {
    size_t item;
    double coef[64];
    double bias[4];
    size_t n_calls, sizes[MAX_CALLS], samples[MAX_CALLS];
    float recorded[MAX_RECORDED];
    size_t n_recorded;
    size_t fail_at;    /* 1-based call that fails; 0 = never */
    int fail_status;   /* returned there */
    float fail_score;  /* if fail_status is 0: the score given there instead */
} model;

static int linear_model(void *opaque, size_t sample, const float *inputs, size_t n_inputs, float *scores)
{
    model *m = opaque;
    ck_assert_uint_lt(m->n_calls, MAX_CALLS);
    m->sizes[m->n_calls] = n_inputs;
    m->samples[m->n_calls] = sample;
    m->n_calls++;
    for (size_t j = 0; j < n_inputs * m->item && m->n_recorded < MAX_RECORDED; j++)
        m->recorded[m->n_recorded++] = inputs[j];
    for (size_t j = 0; j < n_inputs; j++) {
        double s = m->bias[sample];
        for (size_t i = 0; i < m->item; i++)
            s += m->coef[i] * (double)inputs[j * m->item + i];
        scores[j] = (float)s;
    }
    if (m->n_calls == m->fail_at) {
        if (m->fail_status != 0)
            return m->fail_status;
        scores[n_inputs - 1] = m->fail_score;
    }
    return 0;
}

/* ---- pytorch-grad-cam's normalization order ---------------------------------------------- */

/* A 1-D map [0, 1, 0] resized to 4 samples: x_j = (j + 0.5) 3/4 - 0.5 =
 * -0.125, 0.625, 1.375, 2.125, so the resized map is [0, 0.625 v, 0.625 v, 0]
 * with v = 1 / (1 + 1e-7) the normalized peak. The default order stops there
 * (peak 0.625); pytorch-grad-cam's divides again by 0.625 v + 1e-7, giving
 * 1 - 1.6e-7. */
START_TEST(after_resize_peaks_at_one)
{
    const float a[3] = { 0, 1, 0 }, g[3] = { 1, 1, 1 };
    const size_t in[1] = { 3 }, out_dims[1] = { 4 };
    float out[4];
    double v = 1.0 / (1.0 + 1e-7), m = 0.625 * v, again = m / (m + 1e-7);
    for (int mode = 0; mode < n_modes(); mode++) {
        unsigned before = set_mode(mode);
        trm_cam *c = make(TRM_CAM_HIRESCAM, 1, TRM_CAM_NORMALIZE_MINMAX);
        ck_assert_ok(trm_cam_set_output_shape(c, 1, out_dims));
        ck_assert_ok(trm_cam_compute_f32(c, a, g, 1, 1, 1, in, out));
        assert_floats(out, (const double[]){ 0, m, m, 0 }, 4, 1e-7, "normalize, then resize");
        ck_assert_ok(trm_cam_set_normalize(c, TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE));
        ck_assert_ok(trm_cam_compute_f32(c, a, g, 1, 1, 1, in, out));
        assert_floats(out, (const double[]){ 0, again, again, 0 }, 4, 1e-7, "pytorch-grad-cam's order");
        ck_assert_float_eq(out[1], out[2]);
        /* no resize: the second normalization divides v by v + 1e-7 */
        ck_assert_ok(trm_cam_set_output_shape(c, 0, NULL));
        ck_assert_ok(trm_cam_compute_f32(c, a, g, 1, 1, 1, in, out));
        assert_floats(out, (const double[]){ 0, v / (v + 1e-7), 0 }, 3, 1e-7, "twice, no resize");
        /* a constant map stays all zeros */
        const float flat[3] = { 2, 2, 2 };
        ck_assert_ok(trm_cam_set_output_shape(c, 1, out_dims));
        ck_assert_ok(trm_cam_compute_f32(c, flat, g, 1, 1, 1, in, out));
        assert_all(out, 4, 0.0f, "constant map");
        trm_cam_free(c);
        restore_mode(before);
    }
}
END_TEST

/* A 2 x 2 image [[0, 1], [0, 0]] to 3 x 3 (x = (j + 0.5) 2/3 - 0.5 = -1/6,
 * 1/2, 7/6 per axis, so the taps are (0, 0, 1/2 of each, 1)): rows 0 and 1
 * blend the top row [0, v/2, v] with the bottom row of zeros at weights 1 and
 * 1/2, row 2 is zeros. Peak v before the second pass, in the corner. A 2x
 * reduction (4 x 4 -> 2 x 2) averages 2 x 2 blocks. */
START_TEST(after_resize_images)
{
    const float a[4] = { 0, 1, 0, 0 }, g[4] = { 1, 1, 1, 1 };
    const size_t in[2] = { 2, 2 }, up[2] = { 3, 3 };
    float out[9];
    double v = 1.0 / (1.0 + 1e-7), w = v / (v + 1e-7);
    trm_cam *c = make(TRM_CAM_HIRESCAM, 1, TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE);
    ck_assert_ok(trm_cam_set_output_shape(c, 2, up));
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 1, 1, 2, in, out));
    assert_floats(out, (const double[]){ 0, w / 2, w, 0, w / 4, w / 2, 0, 0, 0 }, 9, 1e-7, "2x2 -> 3x3");
    const float b[16] = { 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, gb[16] = { 1, 1, 1, 1, 1, 1, 1, 1,
                                                                                        1, 1, 1, 1, 1, 1, 1, 1 };
    const size_t in4[2] = { 4, 4 }, down[2] = { 2, 2 };
    /* normalized b is v at (0, 0); the blocks' means are v/4, 0, 0, 0; again: v/4 / (v/4 + 1e-7) */
    double q = (v / 4) / (v / 4 + 1e-7);
    ck_assert_ok(trm_cam_set_output_shape(c, 2, down));
    ck_assert_ok(trm_cam_compute_f32(c, b, gb, 1, 1, 2, in4, out));
    assert_floats(out, (const double[]){ q, 0, 0, 0 }, 4, 1e-7, "4x4 -> 2x2");
    ck_assert_ok(trm_cam_set_normalize(c, TRM_CAM_NORMALIZE_MINMAX));
    ck_assert_ok(trm_cam_compute_f32(c, b, gb, 1, 1, 2, in4, out));
    assert_floats(out, (const double[]){ v / 4, 0, 0, 0 }, 4, 1e-7, "4x4 -> 2x2, one normalization");
    trm_cam_free(c);
}
END_TEST

/* ---- Score-CAM ------------------------------------------------------------------------------ */

/* Two channels of two positions, A = [[1, 3], [2, 2]], input [4, 5] (one
 * channel, same size, so no upsampling). Masks: channel 0 (a - 1) / (2 + 1e-8)
 * = [0, 1 - 5e-9] = [0, 1] in float, channel 1 is constant: 0 / 1e-8 = [0, 0].
 * The model sums its input: scores [5, 0], w = softmax = [e^5, 1] / (e^5 + 1),
 * map = w0 [1, 3] + w1 [2, 2]. */
START_TEST(scorecam_by_hand)
{
    const float a[4] = { 1, 3, 2, 2 }, x[2] = { 4, 5 };
    const size_t dims[1] = { 2 };
    for (int mode = 0; mode < n_modes(); mode++) {
        unsigned before = set_mode(mode);
        model m = { .item = 2, .coef = { 1, 1 } };
        trm_cam *c = make(TRM_CAM_SCORECAM, 0, TRM_CAM_NORMALIZE_NONE);
        float w[2], out[2];
        double e = exp(5.0), w0 = e / (e + 1), w1 = 1 / (e + 1);
        ck_assert_ok(trm_cam_forward_weights_f32(c, a, 1, 2, 1, dims, x, 1, dims, linear_model, &m, w));
        assert_floats(w, (const double[]){ w0, w1 }, 2, 1e-7, "Score-CAM weights");
        ck_assert_uint_eq(m.n_calls, 1);
        ck_assert_uint_eq(m.sizes[0], 2);
        assert_floats(m.recorded, (const double[]){ 0, 5, 0, 0 }, 4, 1e-7, "masked inputs");
        ck_assert_ok(trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x, 1, dims, linear_model, &m, out));
        assert_floats(out, (const double[]){ w0 + 2 * w1, 3 * w0 + 2 * w1 }, 2, 1e-7, "Score-CAM map");
        /* the default pipeline: ReLU, min-max: [0, 1 / (1 + 1e-7 / (2 w0))] */
        ck_assert_ok(trm_cam_set_relu(c, 1));
        ck_assert_ok(trm_cam_set_normalize(c, TRM_CAM_NORMALIZE_MINMAX));
        ck_assert_ok(trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x, 1, dims, linear_model, &m, out));
        assert_floats(out, (const double[]){ 0, 2 * w0 / (2 * w0 + 1e-7) }, 2, 1e-7, "normalized");
        trm_cam_free(c);
        restore_mode(before);
    }
}
END_TEST

/* Upsampling with align_corners=True: a 2-sample channel [1, 3] read at
 * x = j (2 - 1)/(5 - 1) = 0, 1/4, 1/2, 3/4, 1 gives [1, 1.5, 2, 2.5, 3], the
 * mask (u - 1) / (2 + 1e-8) = [0, 1/4, 1/2, 3/4, 1]; with the half-pixel rule
 * it would start [1, 1, 1.4, ...]. The input has two channels, each masked;
 * channels-last interleaves them. */
START_TEST(scorecam_upsamples_with_aligned_corners)
{
    const float a[2] = { 1, 3 };
    const float x_first[10] = { 2, 2, 2, 2, 2, 1, 2, 3, 4, 5 };
    const float x_last[10] = { 2, 1, 2, 2, 2, 3, 2, 4, 2, 5 };
    const size_t dims[1] = { 2 }, in_dims[1] = { 5 };
    const double mask[5] = { 0, 0.25, 0.5, 0.75, 1 };
    double want_first[10], want_last[10];
    for (size_t i = 0; i < 5; i++) {
        want_first[i] = 2 * mask[i];
        want_first[5 + i] = (double)(i + 1) * mask[i];
        want_last[2 * i] = want_first[i];
        want_last[2 * i + 1] = want_first[5 + i];
    }
    for (int layout = 0; layout < 2; layout++) {
        model m = { .item = 10 };
        trm_cam *c = make(TRM_CAM_SCORECAM, 1, TRM_CAM_NORMALIZE_MINMAX);
        ck_assert_ok(trm_cam_set_layout(c, layout));
        float w[1];
        ck_assert_ok(trm_cam_forward_weights_f32(c, a, 1, 1, 1, dims, layout ? x_last : x_first, 2, in_dims,
                                                 linear_model, &m, w));
        assert_floats(m.recorded, layout ? want_last : want_first, 10, 1e-7, "masked input");
        assert_floats(w, (const double[]){ 1 }, 1, 1e-12, "one channel: softmax 1");
        trm_cam_free(c);
    }
}
END_TEST

/* Five channels, forward batch 2: calls of 2, 2 and 1 tensors per sample, the
 * samples in order; a batch of 16 (the default) takes one call per sample.
 * The weights do not depend on the batching. Channel k of sample s is the
 * constant-free ramp [0, k + 1] (mask [0, 1]); the model weighs input
 * position 1 by 1, so every score is x1 and w is uniform: 1/5. */
START_TEST(scorecam_batches)
{
    float a[2 * 5 * 2], x[2 * 2];
    for (size_t s = 0; s < 2; s++)
        for (size_t k = 0; k < 5; k++) {
            a[(s * 5 + k) * 2] = 0;
            a[(s * 5 + k) * 2 + 1] = (float)(k + 1);
        }
    x[0] = 1, x[1] = 7, x[2] = 1, x[3] = -2;
    const size_t dims[1] = { 2 };
    const size_t batches[3] = { 16, 2, 1 };
    for (size_t b = 0; b < N_ELEMS(batches); b++) {
        model m = { .item = 2, .coef = { 0, 1 } };
        trm_cam *c = make(TRM_CAM_SCORECAM, 1, TRM_CAM_NORMALIZE_MINMAX);
        if (b > 0)
            ck_assert_ok(trm_cam_set_forward_batch(c, batches[b]));
        float w[10];
        ck_assert_ok(trm_cam_forward_weights_f32(c, a, 2, 5, 1, dims, x, 1, dims, linear_model, &m, w));
        assert_floats(w, (const double[]){ 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2 }, 10, 1e-7,
                      "uniform weights");
        size_t per_sample = (5 + batches[b] - 1) / batches[b];
        ck_assert_uint_eq(m.n_calls, 2 * per_sample);
        for (size_t i = 0; i < m.n_calls; i++) {
            size_t within = i % per_sample, left = 5 - within * batches[b];
            ck_assert_uint_eq(m.samples[i], i / per_sample);
            ck_assert_uint_eq(m.sizes[i], left < batches[b] ? left : batches[b]);
        }
        trm_cam_free(c);
    }
}
END_TEST

/* ---- Ablation-CAM ----------------------------------------------------------------------------- */

/* A = [[0, 2], [1, 1]]: the minimum is 0, so an ablated channel becomes 0.
 * Model: 3 (sum of channel 0) + (sum of channel 1) + 1. Original 3*2 + 2 + 1 = 9;
 * channel 0 ablated 0 + 2 + 1 = 3, w0 = (9 - 3)/9 = 2/3; channel 1 ablated
 * 6 + 0 + 1 = 7, w1 = 2/9. Map 2/3 [0, 2] + 2/9 [1, 1] = [2/9, 14/9]. */
START_TEST(ablationcam_by_hand)
{
    const float a[4] = { 0, 2, 1, 1 };
    const size_t dims[1] = { 2 };
    for (int mode = 0; mode < n_modes(); mode++) {
        unsigned before = set_mode(mode);
        model m = { .item = 4, .coef = { 3, 3, 1, 1 }, .bias = { 1 } };
        trm_cam *c = make(TRM_CAM_ABLATIONCAM, 0, TRM_CAM_NORMALIZE_NONE);
        float w[2], out[2];
        ck_assert_ok(trm_cam_forward_weights_f32(c, a, 1, 2, 1, dims, NULL, 0, NULL, linear_model, &m, w));
        assert_floats(w, (const double[]){ 2.0 / 3, 2.0 / 9 }, 2, 1e-7, "Ablation-CAM weights");
        ck_assert_uint_eq(m.n_calls, 2); /* the original, then one batch of both channels */
        ck_assert_uint_eq(m.sizes[0], 1);
        ck_assert_uint_eq(m.sizes[1], 2);
        assert_floats(m.recorded, (const double[]){ 0, 2, 1, 1, 0, 0, 1, 1, 0, 2, 0, 0 }, 12, 0,
                      "original, then channel 0 and channel 1 ablated");
        ck_assert_ok(trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, NULL, 0, NULL, linear_model, &m, out));
        assert_floats(out, (const double[]){ 2.0 / 9, 14.0 / 9 }, 2, 1e-7, "Ablation-CAM map");
        trm_cam_free(c);
        restore_mode(before);
    }
}
END_TEST

/* A negative minimum -1: the ablated channel becomes -1 - 1e7 = -10000001
 * (exact in float). Channels-last stores position-major. Same model as
 * above: original 3 (-1 + 2) + 2 + 1 = 6; channel 0 ablated 3 (-2e7 - 2) + 3
 * = -60000003, w0 = (6 + 60000003)/6; channel 1 ablated 3 + 2 (-10000001) + 1
 * = -19999998, w1 = (6 + 19999998)/6 = 3333334. Under DAZ a subnormal
 * minimum reads as 0, so that channel becomes 0 instead of min - 1e7. */
START_TEST(ablationcam_negative_minimum)
{
    const float a_first[4] = { -1, 2, 1, 1 }, a_last[4] = { -1, 1, 2, 1 };
    const size_t dims[1] = { 2 };
    const float v = -10000001.0f;
    for (int layout = 0; layout < 2; layout++) {
        model m = { .item = 4, .bias = { 1 } };
        for (size_t i = 0; i < 4; i++) /* channel 0 weighs 3 in either layout */
            m.coef[i] = (layout ? i % 2 == 0 : i < 2) ? 3 : 1;
        trm_cam *c = make(TRM_CAM_ABLATIONCAM, 0, TRM_CAM_NORMALIZE_NONE);
        ck_assert_ok(trm_cam_set_layout(c, layout));
        float w[2];
        ck_assert_ok(trm_cam_forward_weights_f32(c, layout ? a_last : a_first, 1, 2, 1, dims, NULL, 0, NULL,
                                                 linear_model, &m, w));
        assert_floats(w, (const double[]){ (6.0 + 60000003.0) / 6, 3333334.0 }, 2, 1e-7, "weights");
        const double first[8] = { v, v, 1, 1, -1, 2, v, v }, last[8] = { v, 1, v, 1, -1, v, 2, v };
        assert_floats(m.recorded + 4, layout ? last : first, 8, 0, "ablated copies");
        trm_cam_free(c);
    }
    /* a subnormal minimum */
    for (int mode = 0; mode < n_modes(); mode++) {
        unsigned before = set_mode(mode);
        bool daz = tiny_reads_as_zero();
        const float tiny[2] = { FLT_TRUE_MIN, 1 };
        model m = { .item = 2, .coef = { 1, 1 } };
        trm_cam *c = make(TRM_CAM_ABLATIONCAM, 0, TRM_CAM_NORMALIZE_NONE);
        float w[1];
        ck_assert_ok(trm_cam_forward_weights_f32(c, tiny, 1, 1, 1, (const size_t[]){ 2 }, NULL, 0, NULL,
                                                 linear_model, &m, w));
        ck_assert_float_eq(m.recorded[2], daz ? 0.0f : -1e7f);
        ck_assert_float_eq(m.recorded[3], daz ? 0.0f : -1e7f);
        restore_mode(before);
        trm_cam_free(c);
    }
}
END_TEST

/* An original score of 0 would divide by zero: every weight is 0, the map
 * all zeros. */
START_TEST(ablationcam_zero_original)
{
    const float a[4] = { 0, 2, 1, 1 };
    const size_t dims[1] = { 2 };
    model m = { .item = 4, .coef = { 1, 1, -2, -2 } }; /* original 2 - 4 + 2 = 0 with bias 2 */
    m.bias[0] = 2;
    trm_cam *c = make(TRM_CAM_ABLATIONCAM, 0, TRM_CAM_NORMALIZE_NONE);
    float w[2], out[2];
    ck_assert_ok(trm_cam_forward_weights_f32(c, a, 1, 2, 1, dims, NULL, 0, NULL, linear_model, &m, w));
    assert_all(w, 2, 0.0f, "weights");
    ck_assert_ok(trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, NULL, 0, NULL, linear_model, &m, out));
    assert_all(out, 2, 0.0f, "map");
    trm_cam_free(c);
}
END_TEST

/* ratio_channels_to_ablate < 1 on 7 channels x 4 positions whose centred
 * columns are all +-q, q = [-1.5, -0.5, 0.5, 1.5]: the principal projection is
 * a multiple of q, |p| - min |p| is proportional to [1, 0, 0, 1], so the
 * objectness mask is positions {0, 3}. Channel scores (u = |A| - min, over its
 * max; mass in the mask over all mass):
 *   0 [0, 1, 2, 3]          u = [0, 1/3, 2/3, 1]    1 / 2 (the float thirds add up to 1)
 *   1 [-1, 0, 1, 2]         u = [.5, 0, .5, 1]      1.5 / 2 = 0.75
 *   2 [-1.5, -.5, .5, 1.5]  u = [1, 0, 0, 1]        1
 *   3 [3, 2, 1, 0]          u = [1, 2/3, 1/3, 0]    as channel 0
 *   4 [-3, -2, -1, 0]       u = [1, 2/3, 1/3, 0]    as channel 0
 *   5 [2, 2, 2, 2]          constant: NaN, above every score
 *   6 [-.5, .5, 1.5, 2.5]   u = [0, 0, .5, 1]       1 / 1.5
 * Ascending, ties in channel order: 0 3 4 6 1 2 5. Ratio 0.3: int(7 * 0.3) = 2
 * from each end, channels {0, 3} and {5, 2}. The minimum is -3, so an ablated
 * channel becomes -3 - 1e7. Model: 1 + sum over channels k of (k + 1) (sum of
 * channel k); channel sums S = 6, 2, 0, 6, -6, 8, 4 give s0 = 81, and ablating
 * k gives s0 - (k + 1)(S_k - 4 v), so w_k = (k + 1)(S_k + 40000012) / 81 for
 * the chosen channels and 0 for the rest. */
static const float ranked_a[28] = { 0, 1, 2, 3, -1, 0, 1, 2, -1.5f, -0.5f, 0.5f, 1.5f, 3, 2, 1, 0,
                                    -3, -2, -1, 0, 2, 2, 2, 2, -0.5f, 0.5f, 1.5f, 2.5f };

static model ranked_model(void)
{
    model m = { .item = 28, .bias = { 1 } };
    for (size_t i = 0; i < 28; i++)
        m.coef[i] = (double)(i / 4 + 1);
    return m;
}

/* The channels-last copy of ranked_a. */
static void ranked_last(float *last)
{
    for (size_t k = 0; k < 7; k++)
        for (size_t i = 0; i < 4; i++)
            last[i * 7 + k] = ranked_a[k * 4 + i];
}

START_TEST(ablationcam_ratio_by_hand)
{
    const size_t dims[1] = { 4 };
    const double S[7] = { 6, 2, 0, 6, -6, 8, 4 };
    const float v = -10000003.0f;
    float last[28];
    ranked_last(last);
    for (int mode = 0; mode < n_modes(); mode++) {
        unsigned before = set_mode(mode);
        for (int layout = 0; layout < 2; layout++) {
            model m = ranked_model();
            if (layout)
                for (size_t i = 0; i < 28; i++)
                    m.coef[i] = (double)(i % 7 + 1);
            trm_cam *c = make(TRM_CAM_ABLATIONCAM, 0, TRM_CAM_NORMALIZE_NONE);
            ck_assert_ok(trm_cam_set_layout(c, layout));
            ck_assert_ok(trm_cam_set_ablation_ratio(c, 0.3));
            float w[7];
            ck_assert_ok(trm_cam_forward_weights_f32(c, layout ? last : ranked_a, 1, 7, 1, dims, NULL, 0, NULL,
                                                     linear_model, &m, w));
            double want[7] = { 0 };
            const size_t chosen[4] = { 0, 2, 3, 5 };
            for (size_t j = 0; j < 4; j++)
                want[chosen[j]] = (double)(chosen[j] + 1) * (S[chosen[j]] + 40000012.0) / 81.0;
            assert_floats(w, want, 7, 1e-7, "weights of the chosen channels, 0 elsewhere");
            ck_assert_uint_eq(m.n_calls, 2); /* the original, then the 4 chosen channels in one batch */
            ck_assert_uint_eq(m.sizes[1], 4);
            for (size_t j = 0; j < 4; j++) /* the tensors ablate 0, 2, 3, 5, in that order */
                for (size_t i = 0; i < 28; i++) {
                    size_t k = layout ? i % 7 : i / 4;
                    float expected = k == chosen[j] ? v : (layout ? last : ranked_a)[i];
                    ck_assert_msg(m.recorded[28 * (j + 1) + i] == expected, "layout %d, tensor %zu, [%zu] = %g",
                                  layout, j, i, (double)m.recorded[28 * (j + 1) + i]);
                }
            trm_cam_free(c);
        }
        restore_mode(before);
    }
}
END_TEST

/* How many channels each ratio ablates on the 7 channels above: 0.5 takes 3
 * from each end (all but channel 6, the middle of the ranking); 0.6 takes 4,
 * so both ends cover everything and each channel goes once; 0.1 takes none,
 * leaving only the unablated call and zero weights. Batches of 4 split the
 * chosen channels 4 + 2, and a failing callback names them. */
START_TEST(ablationcam_ratio_counts)
{
    const size_t dims[1] = { 4 };
    const struct {
        double ratio;
        size_t n_calls, ablated;
        bool six_ablated;
    } cases[] = { { 0.5, 3, 6, false }, { 0.6, 3, 7, true }, { 0.1, 1, 0, false }, { 1.0, 3, 7, true } };
    for (size_t t = 0; t < N_ELEMS(cases); t++) {
        model m = ranked_model();
        trm_cam *c = make(TRM_CAM_ABLATIONCAM, 0, TRM_CAM_NORMALIZE_NONE);
        ck_assert_ok(trm_cam_set_ablation_ratio(c, cases[t].ratio));
        ck_assert_ok(trm_cam_set_forward_batch(c, 4));
        float w[7];
        ck_assert_ok(trm_cam_forward_weights_f32(c, ranked_a, 1, 7, 1, dims, NULL, 0, NULL, linear_model, &m, w));
        ck_assert_uint_eq(m.n_calls, cases[t].n_calls);
        size_t total = 0;
        for (size_t i = 1; i < m.n_calls; i++)
            total += m.sizes[i];
        ck_assert_uint_eq(total, cases[t].ablated);
        ck_assert_msg((w[6] != 0.0f) == cases[t].six_ablated, "ratio %g: w[6] = %g", cases[t].ratio,
                      (double)w[6]);
        if (cases[t].ablated == 0)
            assert_all(w, 7, 0.0f, "nothing ablated");
        trm_cam_free(c);
    }
    trm_cam *c = make(TRM_CAM_ABLATIONCAM, 0, TRM_CAM_NORMALIZE_NONE);
    ck_assert_ok(trm_cam_set_ablation_ratio(c, 0.3));
    model m = ranked_model();
    m.fail_at = 2;
    m.fail_status = 9;
    float w[7];
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_forward_weights_f32(c, ranked_a, 1, 7, 1, dims, NULL, 0, NULL,
                                                               linear_model, &m, w), w, 7);
    ERROR_HAS("the forward callback returned 9 for sample 0, 4 chosen channels from 0 to 5");
    m = ranked_model();
    m.fail_at = 2;
    m.fail_score = NAN;
    FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_forward_weights_f32(c, ranked_a, 1, 7, 1, dims, NULL, 0, NULL,
                                                                 linear_model, &m, w), w, 7);
    ERROR_HAS("(channel 5)");
    trm_cam_free(c);
}
END_TEST

/* A bad ratio fails and leaves the handle as it was: every channel is still ablated. */
START_TEST(ablationcam_bad_ratio)
{
    const size_t dims[1] = { 4 };
    trm_cam *c = make(TRM_CAM_ABLATIONCAM, 0, TRM_CAM_NORMALIZE_NONE);
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_ablation_ratio(NULL, 0.5));
    ERROR_HAS("c is NULL");
    const double bad[] = { 0.0, -0.5, 1.5, NAN, INFINITY };
    for (size_t t = 0; t < N_ELEMS(bad); t++) {
        ck_assert_fails(TRM_E_INVALID, trm_cam_set_ablation_ratio(c, bad[t]));
        ERROR_HAS("is outside (0, 1]");
    }
    model m = ranked_model();
    float w[7];
    ck_assert_ok(trm_cam_forward_weights_f32(c, ranked_a, 1, 7, 1, dims, NULL, 0, NULL, linear_model, &m, w));
    ck_assert_uint_eq(m.n_calls, 2);
    ck_assert_uint_eq(m.sizes[1], 7);
    trm_cam_free(c);
}
END_TEST

/* ---- scipy.ndimage.zoom's cubic spline ------------------------------------------------------- */

/* [0, 1, 0] zoomed to 6 samples. Mirrored about its ends the signal is
 * ..., 1, 0, 1, 0, 1, ... (period 2), so its B-spline coefficients are b at
 * odd and a at even indices with (2b + 4a)/6 = 0 and (2a + 4b)/6 = 1: a = -1,
 * b = 2. Output j reads x = 2j/5 = 0, .4, .8, 1.2, 1.6, 2 with the weights
 * (1-t)^3/6, (4 - 6t^2 + 3t^3)/6, (1 + 3t + 3t^2 - 3t^3)/6, t^3/6 on the
 * coefficients from floor(x) - 1 on, which alternate 2, -1, 2, -1 at every
 * x here: t = 0 gives 2/6 - 2/3 + 2/6 = 0; t = .4 gives .072 - .538667 +
 * .829333 - .010667 = .352 = 44/125; t = .8 gives .002667 - .282667 +
 * 1.261333 - .085333 = .896 = 112/125 (scipy prints 0, .35, .9, .9, .35, 0). */
static const double zoom_bump[6] = { 0, 44.0 / 125, 112.0 / 125, 112.0 / 125, 44.0 / 125, 0 };

static trm_cam *spline_cam(size_t ndim, const size_t *out)
{
    trm_cam *c = make(TRM_CAM_HIRESCAM, 0, TRM_CAM_NORMALIZE_NONE); /* one channel, gradient 1: the map is a */
    ck_assert_ok(trm_cam_set_output_shape(c, ndim, out));
    ck_assert_ok(trm_cam_set_resize(c, TRM_CAM_RESIZE_CUBIC_SPLINE));
    return c;
}

START_TEST(cubic_spline_by_hand)
{
    const float bump[3] = { 0, 1, 0 }, ones[18] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    for (int mode = 0; mode < n_modes(); mode++) {
        unsigned before = set_mode(mode);
        float out[6 * 3 * 6];
        trm_cam *c = spline_cam(1, (const size_t[]){ 6 });
        ck_assert_ok(trm_cam_compute_f32(c, bump, ones, 1, 1, 1, (const size_t[]){ 3 }, out));
        assert_floats(out, zoom_bump, 6, 1e-7, "[0, 1, 0] zoomed to 6");
        trm_cam_free(c);
        /* a separable volume bump x [1, 1] x bump to (6, 3, 6): the product of
         * the 1-D zooms, the constant axis staying 1 */
        float vol[3 * 2 * 3];
        for (size_t i = 0; i < 3; i++)
            for (size_t j = 0; j < 2; j++)
                for (size_t k = 0; k < 3; k++)
                    vol[(i * 2 + j) * 3 + k] = bump[i] * bump[k];
        c = spline_cam(3, (const size_t[]){ 6, 3, 6 });
        ck_assert_ok(trm_cam_compute_f32(c, vol, ones, 1, 1, 3, (const size_t[]){ 3, 2, 3 }, out));
        double want[6 * 3 * 6];
        for (size_t i = 0; i < 6; i++)
            for (size_t j = 0; j < 3; j++)
                for (size_t k = 0; k < 6; k++)
                    want[(i * 3 + j) * 6 + k] = zoom_bump[i] * zoom_bump[k];
        assert_floats(out, want, 6 * 3 * 6, 1e-7, "separable volume");
        trm_cam_free(c);
        restore_mode(before);
    }
}
END_TEST

/* A spline reproduces constants, so four ones zoom to ones: except where
 * scipy's coordinate j (n - 1)/(m - 1) rounds above n - 1 and its 'constant'
 * mode writes 0. At n = 4, m = 188 the last one does (checked here in the
 * same double arithmetic); at m = 187 it does not. */
START_TEST(cubic_spline_last_sample_past_the_edge)
{
    const float four[4] = { 1, 1, 1, 1 }, g[4] = { 1, 1, 1, 1 };
    float out[188];
    volatile double steps = 187.0, span = 3.0;
    ck_assert(steps * (span / steps) > 3.0);
    trm_cam *c = spline_cam(1, (const size_t[]){ 188 });
    ck_assert_ok(trm_cam_compute_f32(c, four, g, 1, 1, 1, (const size_t[]){ 4 }, out));
    for (size_t j = 0; j < 187; j++)
        ck_assert_msg(fabs(out[j] - 1.0) < 1e-6, "out[%zu] = %.9g", j, (double)out[j]);
    ck_assert_float_eq(out[187], 0.0f);
    trm_cam_free(c);
    volatile double steps2 = 186.0;
    ck_assert(!(steps2 * (span / steps2) > 3.0));
    c = spline_cam(1, (const size_t[]){ 187 });
    ck_assert_ok(trm_cam_compute_f32(c, four, g, 1, 1, 1, (const size_t[]){ 4 }, out));
    ck_assert_msg(fabs(out[186] - 1.0) < 1e-6, "out[186] = %.9g", (double)out[186]);
    trm_cam_free(c);
    /* one output sample reads the first input (x = 0), not the middle */
    const float ramp[4] = { 5, 6, 7, 8 };
    c = spline_cam(1, (const size_t[]){ 1 });
    ck_assert_ok(trm_cam_compute_f32(c, ramp, g, 1, 1, 1, (const size_t[]){ 4 }, out));
    ck_assert_msg(fabs(out[0] - 5.0) < 1e-6, "out[0] = %.9g", (double)out[0]);
    /* a bad method fails and keeps the spline */
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_resize(c, 2));
    ERROR_HAS("unknown resize method 2");
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_resize(c, -1));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_resize(NULL, TRM_CAM_RESIZE_LINEAR));
    ERROR_HAS("c is NULL");
    ck_assert_ok(trm_cam_compute_f32(c, ramp, g, 1, 1, 1, (const size_t[]){ 4 }, out));
    ck_assert_msg(fabs(out[0] - 5.0) < 1e-6, "out[0] = %.9g after a failed set_resize", (double)out[0]);
    ck_assert_ok(trm_cam_set_resize(c, TRM_CAM_RESIZE_LINEAR)); /* linear: x = (0.5) 4 - 0.5 = 1.5 */
    ck_assert_ok(trm_cam_compute_f32(c, ramp, g, 1, 1, 1, (const size_t[]){ 4 }, out));
    ck_assert_float_eq(out[0], 6.5f);
    trm_cam_free(c);
}
END_TEST

/* A spline overshoots: between two equal samples of the pattern 1, 1, -1, -1
 * its coefficients are 1.5 times the samples ((4 + 2 cos(pi/2)) / 6 = 2/3),
 * so the midpoint reads 1.5 (-1 + 23 + 23 - 1) / 48 = 1.375 of them (edge
 * effects fade by 0.27 per sample). Ten samples of it at 0.95 FLT_MAX zoomed
 * to 37 put output 18 at x = 4.5, past the float range: without
 * normalization that fails and writes nothing; at 0.7 FLT_MAX (0.96 after
 * the overshoot) it passes. */
START_TEST(cubic_spline_overshoot_past_the_float_range)
{
    float a[10], g[10], out[37];
    for (size_t i = 0; i < 10; i++) {
        a[i] = (i / 2) % 2 == 0 ? 0.95f * FLT_MAX : -0.95f * FLT_MAX;
        g[i] = 1.0f;
    }
    trm_cam *c = spline_cam(1, (const size_t[]){ 37 });
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_compute_f32(c, a, g, 1, 1, 1, (const size_t[]){ 10 }, out), out, 37);
    ERROR_HAS("sample 0: the cubic-spline resize overshoots the float range at output position (");
    for (size_t i = 0; i < 10; i++)
        a[i] = a[i] / 0.95f * 0.7f;
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 1, 1, 1, (const size_t[]){ 10 }, out));
    ck_assert_msg(out[18] > 0.95f * FLT_MAX && out[18] < FLT_MAX, "out[18] = %g", (double)out[18]);
    trm_cam_free(c);
}
END_TEST

/* ---- bad input ---------------------------------------------------------------------------------- */

START_TEST(bad_forward_arguments)
{
    const float a[4] = { 1, 3, 2, 2 }, x[2] = { 4, 5 };
    const size_t dims[1] = { 2 }, zero[1] = { 0 }, huge[3] = { SIZE_MAX / 4, 4, 2 }, two[2] = { 2, 2 };
    float out[4];
    model m = { .item = 2, .coef = { 1, 1 } };
    trm_cam *c = make(TRM_CAM_SCORECAM, 1, TRM_CAM_NORMALIZE_MINMAX);
    trm_cam *g = make(TRM_CAM_GRADCAM, 1, TRM_CAM_NORMALIZE_MINMAX);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(NULL, a, 1, 2, 1, dims, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("c is NULL");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(g, a, 1, 2, 1, dims, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("method 0 reads gradients (only SCORECAM and ABLATIONCAM run a forward callback)");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, NULL, 1, 2, 1, dims, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("activations is NULL");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 1, NULL, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, NULL, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("inputs is NULL");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x, 1, NULL, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("input_spatial is NULL");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x, 1, dims, NULL, &m, out),
                    out, 4);
    ERROR_HAS("forward is NULL");
    ck_assert_fails(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x, 1, dims, linear_model,
                                                               &m, NULL));
    ERROR_HAS("out is NULL");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 0, 2, 1, dims, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("batch is 0");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 0, 1, dims, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("channels is 0");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 0, dims, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("ndim = 0 is outside [1, 3]");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 4, huge, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 1, zero, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("spatial[0] is 0");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x, 0, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("input_channels is 0");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x, 1, zero, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("input_spatial[0] is 0");
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_compute_forward_f32(c, a, 1, 2, 3, huge, x, 1, huge, linear_model,
                                                                &m, out), out, 4);
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_compute_forward_f32(c, a, 1, 2, 2, two, x, 1, huge, linear_model,
                                                                &m, out), out, 4);
    ERROR_HAS("the input sizes up to input_spatial[0] = ");
    ck_assert_ok(trm_cam_set_output_shape(c, 2, two));
    FAILS_UNTOUCHED(TRM_E_MISMATCH, trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x, 1, dims, linear_model,
                                                                &m, out), out, 4);
    ERROR_HAS("the output shape has 2 axes, the inputs have 1");
    ck_assert_uint_eq(m.n_calls, 0);
    /* the gradient entry points refuse the forward methods, and the reverse */
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, a, a, 1, 2, 1, dims, out), out, 4);
    ERROR_HAS("method 8 runs the model through a forward callback: use trm_cam_compute_forward_f32");
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(c, a, a, 1, 2, 1, dims, out), out, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_forward_weights_f32(g, a, 1, 2, 1, dims, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("use trm_cam_weights_f32");
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_forward_batch(NULL, 4));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_forward_batch(c, 0));
    ERROR_HAS("batch_size is 0");
    trm_cam_free(c);
    trm_cam_free(g);
}
END_TEST

/* NaN and Inf in the activations or Score-CAM's inputs are named before the
 * model runs; with layouts, the position is the spatial multi-index. */
START_TEST(bad_forward_nonfinite)
{
    float a[8] = { 1, 3, 2, 2, 0, 1, 1, 0 }, x[4] = { 4, 5, 1, 1 };
    const size_t dims[1] = { 2 };
    float out[4];
    for (int mode = 0; mode < n_modes(); mode++) {
        unsigned before = set_mode(mode);
        model m = { .item = 2, .coef = { 1, 1 } };
        trm_cam *c = make(TRM_CAM_SCORECAM, 1, TRM_CAM_NORMALIZE_MINMAX);
        trm_cam *ab = make(TRM_CAM_ABLATIONCAM, 1, TRM_CAM_NORMALIZE_MINMAX);
        a[5] = NAN;
        FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_compute_forward_f32(c, a, 2, 2, 1, dims, x, 1, dims,
                                                                     linear_model, &m, out), out, 4);
        ERROR_HAS("activations[5] = nan is not finite (sample 1, channel 0, position (1))");
        m.item = 4;
        FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_forward_weights_f32(ab, a, 2, 2, 1, dims, NULL, 0, NULL,
                                                                     linear_model, &m, out), out, 4);
        ERROR_HAS("activations[5] = nan");
        a[5] = 1;
        x[2] = -INFINITY;
        m.item = 2;
        FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_compute_forward_f32(c, a, 2, 2, 1, dims, x, 1, dims,
                                                                     linear_model, &m, out), out, 4);
        ERROR_HAS("inputs[2] = -inf is not finite (sample 1, channel 0, position (0))");
        x[2] = 1;
        ck_assert_uint_eq(m.n_calls, 0);
        trm_cam_free(c);
        trm_cam_free(ab);
        restore_mode(before);
    }
}
END_TEST

/* A callback that fails, or gives a non-finite score, stops the call there:
 * nothing is written, and the message names the status, sample and channels. */
START_TEST(bad_forward_callback)
{
    float a[2 * 5 * 2];
    for (size_t i = 0; i < N_ELEMS(a); i++)
        a[i] = (float)(i % 3);
    const float x[4] = { 1, 2, 3, 4 };
    const size_t dims[1] = { 2 };
    float out[10];
    trm_cam *c = make(TRM_CAM_SCORECAM, 1, TRM_CAM_NORMALIZE_MINMAX);
    ck_assert_ok(trm_cam_set_forward_batch(c, 2));
    model m = { .item = 2, .coef = { 1, 1 }, .fail_at = 5, .fail_status = 3 };
    /* calls per sample: channels 0-1, 2-3, 4; the fifth call is sample 1, channels 2 to 3 */
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(c, a, 2, 5, 1, dims, x, 1, dims, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("the forward callback returned 3 for sample 1, channels 2 to 3");
    ck_assert_uint_eq(m.n_calls, 5);
    m = (model){ .item = 2, .coef = { 1, 1 }, .fail_at = 3, .fail_score = NAN };
    FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_forward_weights_f32(c, a, 2, 5, 1, dims, x, 1, dims, linear_model,
                                                                 &m, out), out, 10);
    ERROR_HAS("the forward callback gave the score nan for sample 0, channels 4 to 4 (channel 4)");
    trm_cam_free(c);
    trm_cam *ab = make(TRM_CAM_ABLATIONCAM, 1, TRM_CAM_NORMALIZE_MINMAX);
    m = (model){ .item = 10, .fail_at = 1, .fail_status = -7 };
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_forward_f32(ab, a, 2, 5, 1, dims, NULL, 0, NULL, linear_model,
                                                               &m, out), out, 4);
    ERROR_HAS("the forward callback returned -7 for sample 0, the unablated activations");
    m = (model){ .item = 10, .fail_at = 1, .fail_score = INFINITY };
    FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_compute_forward_f32(ab, a, 2, 5, 1, dims, NULL, 0, NULL,
                                                                 linear_model, &m, out), out, 4);
    ERROR_HAS("gave the score inf for sample 0, the unablated activations (tensor 0)");
    trm_cam_free(ab);
}
END_TEST

/* Raw maps beyond the float range (normalization off) and weights beyond it
 * are refused. One channel of [3e38, 3e38] ablated to 3e38 - 1e7 = 3e38 in
 * float; the model gives 1e-30 for the original and -1e10 ablated: w =
 * (1e-30 + 1e10)/1e-30 = 1e40, beyond FLT_MAX; with -1 instead, w = 1e30,
 * a float, but the map 3e68 is not. */
START_TEST(bad_forward_float_range)
{
    const float a[2] = { 3e38f, 3e38f };
    const size_t dims[1] = { 2 };
    float out[2];
    trm_cam *c = make(TRM_CAM_ABLATIONCAM, 1, TRM_CAM_NORMALIZE_NONE);
    model m = { .item = 2, .bias = { 1e-30 }, .fail_at = 2, .fail_score = -1e10f };
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_forward_weights_f32(c, a, 1, 1, 1, dims, NULL, 0, NULL, linear_model,
                                                                &m, out), out, 1);
    ERROR_HAS("the weight 1e+40 of sample 0, channel 0 exceeds the float range");
    m = (model){ .item = 2, .bias = { 1e-30 }, .fail_at = 2, .fail_score = -1.0f };
    ck_assert_ok(trm_cam_forward_weights_f32(c, a, 1, 1, 1, dims, NULL, 0, NULL, linear_model, &m, out));
    assert_floats(out, (const double[]){ 1e30 }, 1, 1e-6, "a large weight");
    m = (model){ .item = 2, .bias = { 1e-30 }, .fail_at = 2, .fail_score = -1.0f };
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_compute_forward_f32(c, a, 1, 1, 1, dims, NULL, 0, NULL, linear_model,
                                                                &m, out), out, 2);
    ERROR_HAS("exceeds the float range; normalize the maps");
    /* normalized, the same map is fine: constant, so all zeros */
    ck_assert_ok(trm_cam_set_normalize(c, TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE));
    m = (model){ .item = 2, .bias = { 1e-30 }, .fail_at = 2, .fail_score = -1.0f };
    ck_assert_ok(trm_cam_compute_forward_f32(c, a, 1, 1, 1, dims, NULL, 0, NULL, linear_model, &m, out));
    assert_all(out, 2, 0.0f, "normalized");
    trm_cam_free(c);
}
END_TEST

/* A workspace that cannot grow: TRM_E_NOMEM before the model runs, nothing
 * written, and the handle still works once memory is back. */
typedef struct limited {
    size_t calls, fail_from;
} limited;

static void *limited_alloc(void *opaque, size_t size)
{
    limited *l = opaque;
    return ++l->calls >= l->fail_from ? NULL : malloc(size);
}

static void limited_free(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr);
}

START_TEST(forward_workspace_nomem)
{
    const float a[4] = { 0, 2, 1, 1 };
    const size_t dims[1] = { 2 }, in_dims[1] = { 9 };
    const float x9[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    for (int method = TRM_CAM_SCORECAM; method <= TRM_CAM_ABLATIONCAM; method++) {
        limited l = { 0, 2 };
        trm_allocator hooks = { limited_alloc, limited_free, &l };
        trm_cam *c = NULL;
        ck_assert_ok(trm_cam_new(&c, method, &hooks));
        model m = { .item = method == TRM_CAM_SCORECAM ? 9 : 4, .coef = { 1, 1, 1, 1, 1, 1, 1, 1, 1 },
                    .bias = { 1 } };
        float out[2];
        FAILS_UNTOUCHED(TRM_E_NOMEM, trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x9, 1, in_dims, linear_model,
                                                                 &m, out), out, 2);
        ERROR_HAS("cannot allocate a workspace");
        ck_assert_uint_eq(m.n_calls, 0);
        l.fail_from = SIZE_MAX;
        ck_assert_ok(trm_cam_compute_forward_f32(c, a, 1, 2, 1, dims, x9, 1, in_dims, linear_model, &m, out));
        trm_cam_free(c);
    }
}
END_TEST

/* ---- turbo ------------------------------------------------------------------------------------- */

/* Entries of matplotlib 3.6's _turbo_data times 255, rounded: entry 0 is
 * (0.18995, 0.07176, 0.23217) -> (48, 18, 59); entry 128 (0.64362, 0.98999,
 * 0.23356) -> (164, 252, 60); entry 255 (0.4796, 0.01583, 0.01055) ->
 * (122, 4, 3). The index is floor(255 v) of v clamped to [0, 1]. */
START_TEST(turbo_points)
{
    const float v[6] = { 0.0f, -3.0f, 128.5f / 255, 1.0f, 7.0f, 127.999f / 255 };
    uint8_t rgb[18];
    ck_assert_ok(trm_colormap_apply(v, 6, TRM_COLORMAP_TURBO, rgb));
    const uint8_t want[18] = { 48, 18, 59, 48, 18, 59, 164, 252, 60, 122, 4, 3, 122, 4, 3, 0, 0, 0 };
    for (size_t i = 0; i < 15; i++)
        ck_assert_uint_eq(rgb[i], want[i]);
    /* 127.999/255 indexes entry 127, not 128: (0.63323, 0.99195, 0.23937) -> (161, 253, 61) */
    ck_assert_uint_eq(rgb[15], 161);
    ck_assert_uint_eq(rgb[16], 253);
    ck_assert_uint_eq(rgb[17], 61);
    uint8_t out[3] = { 9, 9, 9 };
    ck_assert_fails(TRM_E_INVALID, trm_colormap_apply(v, 1, TRM_COLORMAP_TURBO + 1, out));
    ERROR_HAS("unknown colormap 5");
    ck_assert_uint_eq(out[0], 9);
}
END_TEST

static Suite *cam_forward_suite(void)
{
    Suite *s = suite_create("cam-forward");
    TCase *tc = tcase_create("pipeline");
    tcase_add_test(tc, after_resize_peaks_at_one);
    tcase_add_test(tc, after_resize_images);
    suite_add_tcase(s, tc);
    tc = tcase_create("scorecam");
    tcase_add_test(tc, scorecam_by_hand);
    tcase_add_test(tc, scorecam_upsamples_with_aligned_corners);
    tcase_add_test(tc, scorecam_batches);
    suite_add_tcase(s, tc);
    tc = tcase_create("ablationcam");
    tcase_add_test(tc, ablationcam_by_hand);
    tcase_add_test(tc, ablationcam_negative_minimum);
    tcase_add_test(tc, ablationcam_zero_original);
    tcase_add_test(tc, ablationcam_ratio_by_hand);
    tcase_add_test(tc, ablationcam_ratio_counts);
    tcase_add_test(tc, ablationcam_bad_ratio);
    suite_add_tcase(s, tc);
    tc = tcase_create("cubic_spline");
    tcase_add_test(tc, cubic_spline_by_hand);
    tcase_add_test(tc, cubic_spline_last_sample_past_the_edge);
    tcase_add_test(tc, cubic_spline_overshoot_past_the_float_range);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad_input");
    tcase_add_test(tc, bad_forward_arguments);
    tcase_add_test(tc, bad_forward_nonfinite);
    tcase_add_test(tc, bad_forward_callback);
    tcase_add_test(tc, bad_forward_float_range);
    tcase_add_test(tc, forward_workspace_nomem);
    suite_add_tcase(s, tc);
    tc = tcase_create("turbo");
    tcase_add_test(tc, turbo_points);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(cam_forward_suite());
}
