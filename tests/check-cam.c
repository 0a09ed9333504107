/* SPDX-License-Identifier: MIT */
/* Class activation maps (cam.h), tested as a black box against the
 * specification: issue 6, ../shared/API.md and the Doxygen comments of
 * include/trainmetrics/cam.h.
 *
 * Every expected value was worked out by hand from pytorch-grad-cam's formulas
 * (the arithmetic is in the comments), never by running the library. Tensors are
 * written channels-first; each method test also runs them channels-last, moved
 * by the test itself. Maps are checked raw (ReLU and normalization off) unless a
 * test is about the pipeline. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FLOATS 256
#define SENTINEL 12345.0f
#define N_METHODS 8

static char sentinel_object;
/* Stands for "a handle the library must not overwrite"; never dereferenced. */
#define UNTOUCHED ((trm_cam *)(void *)&sentinel_object)

static const char *const method_names[N_METHODS] = {
    "GRADCAM", "GRADCAM_PLUS_PLUS", "XGRADCAM", "HIRESCAM", "GRADCAM_ELEMENTWISE", "LAYERCAM", "EIGENCAM",
    "EIGENGRADCAM",
};

/* ---- helpers ---------------------------------------------------------------------- */

/* Every float within tol of the expectation, relative to max(1, |want|). */
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

static trm_cam *make(int method, int layout, int relu, int normalize)
{
    trm_cam *c = NULL;
    ck_assert_ok(trm_cam_new(&c, method, NULL));
    ck_assert_ptr_nonnull(c);
    ck_assert_ok(trm_cam_set_layout(c, layout));
    ck_assert_ok(trm_cam_set_relu(c, relu));
    ck_assert_ok(trm_cam_set_normalize(c, normalize));
    return c;
}

/* (batch, C, n) -> (batch, n, C). */
static void to_channels_last(const float *cf, float *cl, size_t batch, size_t channels, size_t n)
{
    for (size_t b = 0; b < batch; b++)
        for (size_t k = 0; k < channels; k++)
            for (size_t i = 0; i < n; i++)
                cl[(b * n + i) * channels + k] = cf[(b * channels + k) * n + i];
}

static size_t product(const size_t *dims, size_t ndim)
{
    size_t p = 1;
    for (size_t k = 0; k < ndim; k++)
        p *= dims[k];
    return p;
}

/* Runs the handle on channels-first tensors, moved to its layout first. */
static void compute_in(trm_cam *c, int layout, const float *a, const float *g, size_t batch, size_t channels,
                       size_t ndim, const size_t *spatial, float *out)
{
    float a_cl[MAX_FLOATS], g_cl[MAX_FLOATS];
    size_t n = product(spatial, ndim);
    ck_assert_uint_le(batch * channels * n, MAX_FLOATS);
    if (layout == TRM_LAYOUT_CHANNELS_LAST) {
        to_channels_last(a, a_cl, batch, channels, n);
        a = a_cl;
        if (g) {
            to_channels_last(g, g_cl, batch, channels, n);
            g = g_cl;
        }
    }
    ck_assert_ok(trm_cam_compute_f32(c, a, g, batch, channels, ndim, spatial, out));
}

/* The raw map (no ReLU, no normalization) of one method. */
static void raw_map(int method, int layout, const float *a, const float *g, size_t batch, size_t channels,
                    size_t ndim, const size_t *spatial, float *out)
{
    trm_cam *c = make(method, layout, 0, TRM_CAM_NORMALIZE_NONE);
    compute_in(c, layout, a, g, batch, channels, ndim, spatial, out);
    trm_cam_free(c);
}

/* ---- the methods on a 2 x 2 image with 2 channels ------------------------------------- */

/* Positions p0..p3 in row-major order.
 *   A0 = 1 2 / 3 4      G0 = 1 -1 / 2  0
 *   A1 = 0 1 / -2 0     G1 = .5 .5 / -1 1 */
static const float IMG_A[8] = { 1, 2, 3, 4, 0, 1, -2, 0 };
static const float IMG_G[8] = { 1, -1, 2, 0, 0.5f, 0.5f, -1, 1 };
static const size_t IMG_DIMS[2] = { 2, 2 };

static void expected_image(int method, double *want)
{
    double w0, w1;
    switch (method) {
    case TRM_CAM_GRADCAM:
        /* w0 = (1 - 1 + 2 + 0)/4 = 0.5, w1 = (.5 + .5 - 1 + 1)/4 = 0.25 */
        w0 = 0.5;
        w1 = 0.25;
        break;
    case TRM_CAM_GRADCAM_PLUS_PLUS:
        /* S0 = 1+2+3+4 = 10, S1 = 0+1-2+0 = -1; a term g^3/(2g^2 + S g^3 + 1e-6) per g > 0:
         * ch0: g=1 -> 1/(2 + 10 + 1e-6), g=2 -> 8/(8 + 80 + 1e-6)   (about 1/12 + 1/11)
         * ch1: g=.5 twice -> .125/(.5 - .125 + 1e-6), g=1 -> 1/(2 - 1 + 1e-6)  (about 2/3 + 1) */
        w0 = 1.0 / (12 + 1e-6) + 8.0 / (88 + 1e-6);
        w1 = 2 * (0.125 / (0.375 + 1e-6)) + 1.0 / (1 + 1e-6);
        break;
    case TRM_CAM_XGRADCAM:
        /* sum G0 A0 = 1 - 2 + 6 + 0 = 5, S0 = 10; sum G1 A1 = 0 + .5 + 2 + 0 = 2.5, S1 = -1 */
        w0 = 5 / (10 + 1e-7);
        w1 = 2.5 / (-1 + 1e-7);
        break;
    case TRM_CAM_HIRESCAM: { /* sum_k G_k A_k: 1+0, -2+.5, 6+2, 0+0 */
        const double m[4] = { 1, -1.5, 8, 0 };
        memcpy(want, m, sizeof m);
        return;
    }
    case TRM_CAM_GRADCAM_ELEMENTWISE: { /* relu each product: 1+0, 0+.5, 6+2, 0+0 */
        const double m[4] = { 1, 0.5, 8, 0 };
        memcpy(want, m, sizeof m);
        return;
    }
    default: { /* LAYERCAM, relu(G) A: 1*1+.5*0, 0*2+.5*1, 2*3+0*(-2), 0*4+1*0 */
        const double m[4] = { 1, 0.5, 6, 0 };
        memcpy(want, m, sizeof m);
        return;
    }
    }
    for (size_t p = 0; p < 4; p++) /* w0 A0 + w1 A1 */
        want[p] = w0 * IMG_A[p] + w1 * IMG_A[4 + p];
}

START_TEST(methods_image)
{
    int layout = _i;
    for (int method = 0; method <= TRM_CAM_LAYERCAM; method++) {
        float out[4];
        double want[4];
        char what[64];
        raw_map(method, layout, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, out);
        expected_image(method, want);
        snprintf(what, sizeof what, "%s, layout %d", method_names[method], layout);
        assert_floats(out, want, 4, 1e-6, what);
    }
}
END_TEST

/* ---- the methods on a 1-D spectrum of length 3 ------------------------------------------ */

/*   A0 = 1 2 3     G0 = 1 0 -1
 *   A1 = 2 -1 1    G1 = 2 1 0 */
static const float SPEC_A[6] = { 1, 2, 3, 2, -1, 1 };
static const float SPEC_G[6] = { 1, 0, -1, 2, 1, 0 };
static const size_t SPEC_DIMS[1] = { 3 };

static void expected_spectrum(int method, double *want)
{
    double w0, w1;
    switch (method) {
    case TRM_CAM_GRADCAM: /* w0 = (1+0-1)/3 = 0, w1 = (2+1+0)/3 = 1 */
        w0 = 0;
        w1 = 1;
        break;
    case TRM_CAM_GRADCAM_PLUS_PLUS:
        /* S0 = 6, S1 = 2. ch0: g=1 -> 1/(2 + 6 + 1e-6) (about 1/8).
         * ch1: g=2 -> 8/(8 + 16 + 1e-6), g=1 -> 1/(2 + 2 + 1e-6)  (about 1/3 + 1/4) */
        w0 = 1.0 / (8 + 1e-6);
        w1 = 8.0 / (24 + 1e-6) + 1.0 / (4 + 1e-6);
        break;
    case TRM_CAM_XGRADCAM: /* sum G0 A0 = 1+0-3 = -2, S0 = 6; sum G1 A1 = 4-1+0 = 3, S1 = 2 */
        w0 = -2 / (6 + 1e-7);
        w1 = 3 / (2 + 1e-7);
        break;
    case TRM_CAM_HIRESCAM: { /* 1*1+2*2, 0*2+1*(-1), -1*3+0*1 */
        const double m[3] = { 5, -1, -3 };
        memcpy(want, m, sizeof m);
        return;
    }
    case TRM_CAM_GRADCAM_ELEMENTWISE: { /* 1+4, 0+0, 0+0 */
        const double m[3] = { 5, 0, 0 };
        memcpy(want, m, sizeof m);
        return;
    }
    default: { /* LAYERCAM: 1*1+2*2, 0*2+1*(-1), 0*3+0*1 */
        const double m[3] = { 5, -1, 0 };
        memcpy(want, m, sizeof m);
        return;
    }
    }
    for (size_t p = 0; p < 3; p++)
        want[p] = w0 * SPEC_A[p] + w1 * SPEC_A[3 + p];
}

START_TEST(methods_spectrum)
{
    int layout = _i;
    for (int method = 0; method <= TRM_CAM_LAYERCAM; method++) {
        float out[3];
        double want[3];
        char what[64];
        raw_map(method, layout, SPEC_A, SPEC_G, 1, 2, 1, SPEC_DIMS, out);
        expected_spectrum(method, want);
        snprintf(what, sizeof what, "%s, layout %d", method_names[method], layout);
        assert_floats(out, want, 3, 1e-6, what);
    }
}
END_TEST

/* A third channel A2 = 1 1 1, G2 = 1 -1 3. */
START_TEST(methods_three_channels)
{
    int layout = _i;
    const float a[9] = { 1, 2, 3, 2, -1, 1, 1, 1, 1 };
    const float g[9] = { 1, 0, -1, 2, 1, 0, 1, -1, 3 };
    float out[3];
    /* GRADCAM: w = (0, 1, (1-1+3)/3 = 1): A1 + A2 = 3 0 2 */
    raw_map(TRM_CAM_GRADCAM, layout, a, g, 1, 3, 1, SPEC_DIMS, out);
    assert_floats(out, (const double[]){ 3, 0, 2 }, 3, 1e-6, "GRADCAM, 3 channels");
    /* HIRESCAM: 5 -1 -3 plus G2 A2 = 1 -1 3 */
    raw_map(TRM_CAM_HIRESCAM, layout, a, g, 1, 3, 1, SPEC_DIMS, out);
    assert_floats(out, (const double[]){ 6, -2, 0 }, 3, 1e-6, "HIRESCAM, 3 channels");
}
END_TEST

/* Two samples: the second is the image with its activations doubled, so every
 * Grad-CAM map doubles (w is the same, A twice). */
START_TEST(batch_of_two)
{
    int layout = _i;
    float a[16], g[16], out[8];
    for (size_t i = 0; i < 8; i++) {
        a[i] = IMG_A[i];
        a[8 + i] = 2 * IMG_A[i];
        g[i] = g[8 + i] = IMG_G[i];
    }
    raw_map(TRM_CAM_GRADCAM, layout, a, g, 2, 2, 2, IMG_DIMS, out);
    assert_floats(out, (const double[]){ 0.5, 1.25, 1, 2, 1, 2.5, 2, 4 }, 8, 1e-6, "batch of two");
}
END_TEST

/* ---- the pipeline: ReLU, normalization, order ------------------------------------------- */

START_TEST(pipeline_defaults)
{
    int layout = _i;
    float out[4];
    /* Defaults: ReLU and min-max on. GRADCAM raw 0.5 1.25 1 2 -> (x - 0.5)/(1.5 + 1e-7) */
    trm_cam *c = NULL;
    ck_assert_ok(trm_cam_new(&c, TRM_CAM_GRADCAM, NULL));
    ck_assert_ok(trm_cam_set_layout(c, layout));
    compute_in(c, layout, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, out);
    double d = 1.5 + 1e-7;
    assert_floats(out, (const double[]){ 0, 0.75 / d, 0.5 / d, 1.5 / d }, 4, 1e-7, "GRADCAM defaults");
    trm_cam_free(c);

    /* HIRESCAM raw 1 -1.5 8 0 -> ReLU 1 0 8 0 -> /(8 + 1e-7) */
    c = make(TRM_CAM_HIRESCAM, layout, 1, TRM_CAM_NORMALIZE_MINMAX);
    compute_in(c, layout, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, out);
    d = 8 + 1e-7;
    assert_floats(out, (const double[]){ 1 / d, 0, 8 / d, 0 }, 4, 1e-7, "HIRESCAM relu + minmax");
    /* ReLU off: (x + 1.5)/(9.5 + 1e-7) */
    ck_assert_ok(trm_cam_set_relu(c, 0));
    compute_in(c, layout, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, out);
    d = 9.5 + 1e-7;
    assert_floats(out, (const double[]){ 2.5 / d, 0, 9.5 / d, 1.5 / d }, 4, 1e-7, "HIRESCAM minmax only");
    /* ReLU on, no normalization: 1 0 8 0 */
    ck_assert_ok(trm_cam_set_relu(c, 1));
    ck_assert_ok(trm_cam_set_normalize(c, TRM_CAM_NORMALIZE_NONE));
    compute_in(c, layout, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, out);
    assert_floats(out, (const double[]){ 1, 0, 8, 0 }, 4, 0, "HIRESCAM relu only");
    trm_cam_free(c);
}
END_TEST

/* A map constant over space normalizes to zeros: A0 = 3 and G0 = 2 everywhere,
 * A1 = 1 and G1 = -1 everywhere, so every method's map is constant (Grad-CAM:
 * w = (2, -1), 2*3 - 1*1 = 5 at each position; Eigen-CAM: X centres to 0). */
START_TEST(constant_map_is_zero)
{
    const float a[8] = { 3, 3, 3, 3, 1, 1, 1, 1 }, g[8] = { 2, 2, 2, 2, -1, -1, -1, -1 };
    float out[4];
    for (int method = 0; method < N_METHODS; method++) {
        for (int relu = 0; relu <= 1; relu++) {
            trm_cam *c = make(method, TRM_LAYOUT_CHANNELS_FIRST, relu, TRM_CAM_NORMALIZE_MINMAX);
            fill(out, 4, SENTINEL);
            ck_assert_ok(trm_cam_compute_f32(c, a, g, 1, 2, 2, IMG_DIMS, out));
            assert_all(out, 4, 0.0f, method_names[method]);
            trm_cam_free(c);
        }
    }
}
END_TEST

/* All-zero gradients: every weight and product is 0 (Grad-CAM++'s alpha is 0
 * where g = 0), the map is 0 and normalizes to 0, not NaN. Eigen-CAM reads no
 * gradients and is left out. */
START_TEST(zero_gradients_give_zeros)
{
    int layout = _i;
    const float zeros[8] = { 0 };
    float out[4];
    for (int method = 0; method < N_METHODS; method++) {
        if (method == TRM_CAM_EIGENCAM)
            continue;
        for (int normalize = 0; normalize <= 1; normalize++) {
            trm_cam *c = make(method, layout, 1, normalize);
            fill(out, 4, SENTINEL);
            compute_in(c, layout, IMG_A, zeros, 1, 2, 2, IMG_DIMS, out);
            assert_all(out, 4, 0.0f, method_names[method]);
            trm_cam_free(c);
        }
    }
}
END_TEST

/* ---- Eigen-CAM -------------------------------------------------------------------------------- */

/* Rank one: A1 = 2 A0 over 1 2 3; centred rows (-1,-2), (0,0), (1,2); v = (1,2)/sqrt5,
 * X v = (-sqrt5, 0, sqrt5). The two ends have equal magnitude: the first is made
 * positive. */
START_TEST(eigen_rank_one)
{
    int layout = _i;
    const float a[6] = { 1, 2, 3, 2, 4, 6 };
    float out[3];
    raw_map(TRM_CAM_EIGENCAM, layout, a, NULL, 1, 2, 1, SPEC_DIMS, out);
    assert_floats(out, (const double[]){ sqrt(5), 0, -sqrt(5) }, 3, 1e-6, "rank one");
}
END_TEST

/* Sign rule: A0 = 0 1 5 centred is -2 -1 3, A1 = 0; X v = +-(-2, -1, 3) and the
 * entry of largest magnitude (3) is made positive, whatever the sign of A. */
START_TEST(eigen_sign_rule)
{
    int layout = _i;
    const float a[6] = { 0, 1, 5, 0, 0, 0 }, negated[6] = { 0, -1, -5, 0, 0, 0 };
    const double want[3] = { -2, -1, 3 };
    float out[3];
    raw_map(TRM_CAM_EIGENCAM, layout, a, NULL, 1, 2, 1, SPEC_DIMS, out);
    assert_floats(out, want, 3, 1e-6, "sign rule");
    raw_map(TRM_CAM_EIGENCAM, layout, negated, NULL, 1, 2, 1, SPEC_DIMS, out);
    assert_floats(out, want, 3, 1e-6, "sign rule, negated input");
    /* Eigen-Grad-CAM of G A = (0 1 5, 0 0 0) is the same map */
    const float a2[6] = { 0, 1, 5, 3, 3, 3 }, g2[6] = { 1, 1, 1, 0, 0, 0 };
    raw_map(TRM_CAM_EIGENGRADCAM, layout, a2, g2, 1, 2, 1, SPEC_DIMS, out);
    assert_floats(out, want, 3, 1e-6, "Eigen-Grad-CAM");
    /* With the default ReLU and min-max: 0 0 3/(3 + 1e-7) */
    trm_cam *c = make(TRM_CAM_EIGENCAM, layout, 1, TRM_CAM_NORMALIZE_MINMAX);
    compute_in(c, layout, a, NULL, 1, 2, 1, SPEC_DIMS, out);
    assert_floats(out, (const double[]){ 0, 0, 3 / (3 + 1e-7) }, 3, 1e-7, "Eigen-CAM defaults");
    trm_cam_free(c);
}
END_TEST

/* A tie in the channels x channels Gram matrix (C = 2 <= 4 positions):
 * A0 = 6 4 6 4 centred 1 -1 1 -1, A1 = 3 3 1 1 centred 1 1 -1 -1; X^T X = 4 I.
 * The direction is the normalized projection of (1, 1): v = (1,1)/sqrt2,
 * X v = (2, 0, 0, -2)/sqrt2 = (sqrt2, 0, 0, -sqrt2), first of the equal ends positive. */
START_TEST(eigen_tie_channels)
{
    int layout = _i;
    const float a[8] = { 6, 4, 6, 4, 3, 3, 1, 1 };
    const size_t dims[1] = { 4 };
    float out[4];
    raw_map(TRM_CAM_EIGENCAM, layout, a, NULL, 1, 2, 1, dims, out);
    assert_floats(out, (const double[]){ sqrt(2), 0, 0, -sqrt(2) }, 4, 1e-6, "tie by channels");
}
END_TEST

/* A tie in the positions x positions Gram matrix (4 positions < C = 5):
 * A0 = 1 -1 0 0, A1 = 0 0 1 -1, A2..A4 = 7 (centred to 0). X^T X has the tied
 * eigenvalue 2 for e0 and e1; the projection of the ones vector is (1,1,0,0,0),
 * v = (1,1,0,0,0)/sqrt2 and X v = (1, -1, 1, -1)/sqrt2. */
START_TEST(eigen_tie_positions)
{
    int layout = _i;
    const float a[20] = { 1, -1, 0, 0, 0, 0, 1, -1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };
    const size_t dims[1] = { 4 };
    const double h = 1 / sqrt(2);
    float out[4];
    raw_map(TRM_CAM_EIGENCAM, layout, a, NULL, 1, 5, 1, dims, out);
    assert_floats(out, (const double[]){ h, -h, h, -h }, 4, 1e-6, "tie by positions");
}
END_TEST

/* A tie whose eigenspace is orthogonal to the ones vector: with u = 1 -1 1 -1 and
 * t = 1 1 -1 -1, A = (u, -u, t, -t). X^T X = [[4,-4,0,0],[-4,4,0,0],[0,0,4,-4],
 * [0,0,-4,4]] has eigenvalue 8 on (1,-1,0,0) and (0,0,1,-1), both orthogonal to
 * (1,1,1,1). The first unit vector e0 projects to (1,-1,0,0)/2, so
 * v = (1,-1,0,0)/sqrt2 and X v = (u + u)/sqrt2 = sqrt2 u. */
START_TEST(eigen_tie_fallback)
{
    int layout = _i;
    const float a[16] = { 1, -1, 1, -1, -1, 1, -1, 1, 1, 1, -1, -1, -1, -1, 1, 1 };
    const size_t dims[2] = { 2, 2 };
    const double r = sqrt(2);
    float out[4];
    raw_map(TRM_CAM_EIGENCAM, layout, a, NULL, 1, 4, 2, dims, out);
    assert_floats(out, (const double[]){ r, -r, r, -r }, 4, 1e-6, "tie orthogonal to ones");
}
END_TEST

/* ---- resizing: HiResCAM of one channel with unit gradients is the activation map ---------- */

typedef struct resize_case {
    size_t n_in, n_out;
    float in[4];
    double out[5];
} resize_case;

/* x_j = (j + 0.5) n/m - 0.5, clamped to [0, n-1]; out = (1-f) in[i] + f in[i+1]:
 *   1 -> 3: x = 0 0 0                      7 7 7
 *   2 -> 4: x = -.25 .25 .75 1.25 -> 0 .25 .75 1: 1, .75+1.25, .25+3.75, 5
 *   4 -> 2: x = .5 2.5:                    (1+3)/2, (7+2)/2
 *   3 -> 1: x = 1.5 - .5 = 1:              4
 *   3 -> 5: x = -.2 .4 1 1.6 2.2 -> 0 .4 1 1.6 2: 1, .6+1.6, 4, 1.6+1.2, 2 */
static const resize_case resize_table[] = {
    { 1, 3, { 7 }, { 7, 7, 7 } },
    { 2, 4, { 1, 5 }, { 1, 2, 4, 5 } },
    { 4, 2, { 1, 3, 7, 2 }, { 2, 4.5 } },
    { 3, 1, { 1, 4, 2 }, { 4 } },
    { 3, 5, { 1, 4, 2 }, { 1, 2.2, 4, 2.8, 2 } },
};

static void resize_map(const float *a, size_t ndim, const size_t *in, const size_t *out_dims, float *out)
{
    float ones[MAX_FLOATS];
    size_t n = product(in, ndim), n_out = 0;
    fill(ones, n, 1.0f);
    trm_cam *c = make(TRM_CAM_HIRESCAM, TRM_LAYOUT_CHANNELS_FIRST, 0, TRM_CAM_NORMALIZE_NONE);
    ck_assert_ok(trm_cam_set_output_shape(c, ndim, out_dims));
    ck_assert_ok(trm_cam_output_size(c, ndim, in, &n_out));
    ck_assert_uint_eq(n_out, product(out_dims, ndim));
    ck_assert_ok(trm_cam_compute_f32(c, a, ones, 1, 1, ndim, in, out));
    trm_cam_free(c);
}

START_TEST(resize_tables)
{
    const resize_case *rc = &resize_table[_i];
    float out[10], in2[8];
    double want2[10];
    char what[64];
    size_t n = rc->n_in, m = rc->n_out;

    snprintf(what, sizeof what, "%zu -> %zu, 1-D", n, m);
    resize_map(rc->in, 1, &n, &m, out);
    assert_floats(out, rc->out, m, 1e-7, what);

    /* along axis 0 of (n, 1) and axis 1 of (1, n) */
    size_t in_col[2] = { n, 1 }, out_col[2] = { m, 1 }, in_row[2] = { 1, n }, out_row[2] = { 1, m };
    snprintf(what, sizeof what, "%zu -> %zu along axis 0", n, m);
    resize_map(rc->in, 2, in_col, out_col, out);
    assert_floats(out, rc->out, m, 1e-7, what);
    snprintf(what, sizeof what, "%zu -> %zu along axis 1", n, m);
    resize_map(rc->in, 2, in_row, out_row, out);
    assert_floats(out, rc->out, m, 1e-7, what);

    /* (n, 2) -> (m, 2): rows blend whole; the second column is 10 + the first, so
     * its output is 10 + the first column's */
    for (size_t i = 0; i < n; i++) {
        in2[2 * i] = rc->in[i];
        in2[2 * i + 1] = 10 + rc->in[i];
    }
    for (size_t j = 0; j < m; j++) {
        want2[2 * j] = rc->out[j];
        want2[2 * j + 1] = 10 + rc->out[j];
    }
    size_t in_two[2] = { n, 2 }, out_two[2] = { m, 2 };
    snprintf(what, sizeof what, "%zu -> %zu, two columns", n, m);
    resize_map(in2, 2, in_two, out_two, out);
    assert_floats(out, want2, 2 * m, 1e-6, what);
}
END_TEST

/* 3-D: v = 4z + 2y + x on (2, 2, 2) resized to (4, 1, 3). Linear interpolation of a
 * linear function gives it back at the clamped source coordinates:
 *   z: 2 -> 4: 0 .25 .75 1;  y: 2 -> 1: x = 0.5*2 - 0.5 = 0.5;  x: 2 -> 3: x = -1/6 .5 7/6 -> 0 .5 1
 * so out[z][0][x] = 4 Z[z] + 2 * 0.5 + X[x]. */
START_TEST(resize_volume)
{
    float a[8], out[12];
    double want[12];
    const double zs[4] = { 0, 0.25, 0.75, 1 }, xs[3] = { 0, 0.5, 1 };
    const size_t in[3] = { 2, 2, 2 }, dims[3] = { 4, 1, 3 };
    for (size_t i = 0; i < 8; i++)
        a[i] = (float)i; /* i = 4z + 2y + x */
    for (size_t z = 0; z < 4; z++)
        for (size_t x = 0; x < 3; x++)
            want[z * 3 + x] = 4 * zs[z] + 1 + xs[x];
    resize_map(a, 3, in, dims, out);
    assert_floats(out, want, 12, 1e-6, "volume");
}
END_TEST

/* Normalization comes before resizing (scale_cam_image): 1 3 7 2 normalizes to
 * (0, 2, 6, 1)/(6 + 1e-7), which 4 -> 2 averages in pairs: (1/6, 7/12) * 6/(6 + 1e-7).
 * Resizing first would give 2 4.5 -> 0 1. */
START_TEST(normalize_then_resize)
{
    const float a[4] = { 1, 3, 7, 2 }, ones[4] = { 1, 1, 1, 1 };
    const size_t in[1] = { 4 }, dims[1] = { 2 };
    float out[2];
    trm_cam *c = make(TRM_CAM_HIRESCAM, TRM_LAYOUT_CHANNELS_FIRST, 1, TRM_CAM_NORMALIZE_MINMAX);
    ck_assert_ok(trm_cam_set_output_shape(c, 1, dims));
    ck_assert_ok(trm_cam_compute_f32(c, a, ones, 1, 1, 1, in, out));
    double s = 6 / (6 + 1e-7);
    assert_floats(out, (const double[]){ s / 6, s * 7 / 12 }, 2, 1e-7, "normalize, then resize");
    /* ndim 0 clears the shape: back to 4 values */
    ck_assert_ok(trm_cam_set_output_shape(c, 0, NULL));
    float full[4];
    ck_assert_ok(trm_cam_compute_f32(c, a, ones, 1, 1, 1, in, full));
    assert_floats(full, (const double[]){ 0, 2 / (6 + 1e-7), 6 / (6 + 1e-7), 1 / (6 + 1e-7) }, 4, 1e-7,
                  "shape cleared");
    trm_cam_free(c);
}
END_TEST

START_TEST(output_size)
{
    trm_cam *c = make(TRM_CAM_GRADCAM, TRM_LAYOUT_CHANNELS_FIRST, 1, 1);
    const size_t spatial[2] = { 3, 4 }, shape2[2] = { 5, 6 }, shape1[1] = { 9 };
    size_t n = 0;
    ck_assert_ok(trm_cam_output_size(c, 2, spatial, &n));
    ck_assert_uint_eq(n, 12); /* 3 x 4 */
    ck_assert_ok(trm_cam_output_size(c, 1, spatial, &n));
    ck_assert_uint_eq(n, 3);
    ck_assert_ok(trm_cam_set_output_shape(c, 2, shape2));
    ck_assert_ok(trm_cam_output_size(c, 2, spatial, &n));
    ck_assert_uint_eq(n, 30); /* 5 x 6 */
    n = 77;
    ck_assert_fails(TRM_E_MISMATCH, trm_cam_output_size(c, 1, spatial, &n));
    ck_assert_uint_eq(n, 77);
    ck_assert_ok(trm_cam_set_output_shape(c, 1, shape1));
    ck_assert_ok(trm_cam_output_size(c, 1, spatial, &n));
    ck_assert_uint_eq(n, 9);
    ck_assert_ok(trm_cam_set_output_shape(c, 0, NULL));
    ck_assert_ok(trm_cam_output_size(c, 2, spatial, &n));
    ck_assert_uint_eq(n, 12);
    trm_cam_free(c);
}
END_TEST

/* ---- channel weights ------------------------------------------------------------------------ */

START_TEST(weights)
{
    int layout = _i;
    const int methods[3] = { TRM_CAM_GRADCAM, TRM_CAM_GRADCAM_PLUS_PLUS, TRM_CAM_XGRADCAM };
    /* two 2 x 2 samples: the image, and the image with its gradients negated */
    float a[16], g[16], a_cl[16], g_cl[16], w[4];
    for (size_t i = 0; i < 8; i++) {
        a[i] = a[8 + i] = IMG_A[i];
        g[i] = IMG_G[i];
        g[8 + i] = -IMG_G[i];
    }
    to_channels_last(a, a_cl, 2, 2, 4);
    to_channels_last(g, g_cl, 2, 2, 4);
    for (size_t m = 0; m < 3; m++) {
        trm_cam *c = make(methods[m], layout, 1, 1);
        fill(w, 4, SENTINEL);
        ck_assert_ok(trm_cam_weights_f32(c, layout ? a_cl : a, layout ? g_cl : g, 2, 2, 2, IMG_DIMS, w));
        double want[4];
        switch (methods[m]) {
        case TRM_CAM_GRADCAM: /* means of G and of -G */
            memcpy(want, (const double[]){ 0.5, 0.25, -0.5, -0.25 }, sizeof want);
            break;
        case TRM_CAM_GRADCAM_PLUS_PLUS:
            /* sample 0 as expected_image. Sample 1, -G0 = -1 1 -2 0 and -G1 = -.5 -.5 1 -1:
             * the only positive g is 1 in each channel, so w0 = 1/(2 + 10 + 1e-6) and
             * w1 = 1/(2 - 1 + 1e-6) */
            want[0] = 1.0 / (12 + 1e-6) + 8.0 / (88 + 1e-6);
            want[1] = 2 * (0.125 / (0.375 + 1e-6)) + 1.0 / (1 + 1e-6);
            want[2] = 1.0 / (12 + 1e-6);
            want[3] = 1.0 / (1 + 1e-6);
            break;
        default: /* XGRADCAM: 5/(10 + 1e-7), 2.5/(-1 + 1e-7), and their negations */
            want[0] = 5 / (10 + 1e-7);
            want[1] = 2.5 / (-1 + 1e-7);
            want[2] = -want[0];
            want[3] = -want[1];
        }
        assert_floats(w, want, 4, 1e-6, method_names[methods[m]]);
        trm_cam_free(c);
    }
}
END_TEST

START_TEST(weights_only_for_weighting_methods)
{
    float w[2] = { SENTINEL, SENTINEL };
    for (int method = TRM_CAM_HIRESCAM; method < N_METHODS; method++) {
        trm_cam *c = make(method, TRM_LAYOUT_CHANNELS_FIRST, 1, 1);
        ck_assert_fails(TRM_E_INVALID, trm_cam_weights_f32(c, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, w));
        assert_all(w, 2, SENTINEL, method_names[method]);
        trm_cam_free(c);
    }
}
END_TEST

/* ---- colormaps -------------------------------------------------------------------------------- */

typedef struct color_case {
    int colormap;
    float v;
    uint8_t rgb[3];
} color_case;

/* JET at i = floor(255 v), x = i/255, each of 255 * (4x - 1.5 | 4.5 - 4x ...) rounded half to even:
 *   v = 0    i = 0:   r 0, g 0, b 255 * .5 = 127.5 -> 128
 *   v = 1    i = 255: r 255 * .5 -> 128, g 0, b 0
 *   v = .25  i = 63:  r 0, g 4*63 - 127.5 = 124.5 -> 124, b 4*63 + 127.5 > 255 -> 255
 *   v = .5   i = 127: r 4*127 - 382.5 = 125.5 -> 126, g 255, b 637.5 - 508 = 129.5 -> 130
 *   v = .75  i = 191: r 255, g 892.5 - 764 = 128.5 -> 128, b 0
 *   i = 159: r 636 - 382.5 = 253.5 -> 254, g 255, b 637.5 - 636 = 1.5 -> 1 as OpenCV has it
 * VIRIDIS and INFERNO: matplotlib's colors times 255, rounded:
 *   viridis[0]   = (.267004, .004874, .329415) -> 68.09 1.24 84.00   -> 68 1 84
 *   viridis[127] = (.128729, .563265, .551229) -> 32.83 143.63 140.56 -> 33 144 141
 *   viridis[255] = (.993248, .906157, .143936) -> 253.28 231.07 36.70 -> 253 231 37
 *   inferno[0]   = (.001462, .000466, .013866) -> .37 .12 3.54       -> 0 0 4
 *   inferno[127] = (.729909, .212759, .333861) -> 186.13 54.25 85.14 -> 186 54 85
 *   inferno[255] = (.988362, .998364, .644924) -> 252.03 254.58 164.46 -> 252 255 164
 * GRAY: i i i. Values outside [0, 1] are clamped. */
static const color_case color_table[] = {
    { TRM_COLORMAP_JET, 0.0f, { 0, 0, 128 } },
    { TRM_COLORMAP_JET, 1.0f, { 128, 0, 0 } },
    { TRM_COLORMAP_JET, 0.25f, { 0, 124, 255 } },
    { TRM_COLORMAP_JET, 0.5f, { 126, 255, 130 } },
    { TRM_COLORMAP_JET, 0.75f, { 255, 128, 0 } },
    { TRM_COLORMAP_JET, 159.5f / 255, { 254, 255, 1 } },
    { TRM_COLORMAP_JET, -2.0f, { 0, 0, 128 } },
    { TRM_COLORMAP_JET, 7.0f, { 128, 0, 0 } },
    { TRM_COLORMAP_VIRIDIS, 0.0f, { 68, 1, 84 } },
    { TRM_COLORMAP_VIRIDIS, 0.5f, { 33, 144, 141 } },
    { TRM_COLORMAP_VIRIDIS, 1.0f, { 253, 231, 37 } },
    { TRM_COLORMAP_INFERNO, 0.0f, { 0, 0, 4 } },
    { TRM_COLORMAP_INFERNO, 0.5f, { 186, 54, 85 } },
    { TRM_COLORMAP_INFERNO, 1.0f, { 252, 255, 164 } },
    { TRM_COLORMAP_GRAY, 0.0f, { 0, 0, 0 } },
    { TRM_COLORMAP_GRAY, 0.5f, { 127, 127, 127 } },
    { TRM_COLORMAP_GRAY, 1.0f, { 255, 255, 255 } },
    { TRM_COLORMAP_GRAY, -0.5f, { 0, 0, 0 } },
};

START_TEST(colormap_points)
{
    const color_case *cc = &color_table[_i];
    uint8_t rgb[3] = { 1, 2, 3 };
    ck_assert_ok(trm_colormap_apply(&cc->v, 1, cc->colormap, rgb));
    ck_assert_msg(rgb[0] == cc->rgb[0] && rgb[1] == cc->rgb[1] && rgb[2] == cc->rgb[2],
                  "colormap %d at %g: (%d, %d, %d), expected (%d, %d, %d)", cc->colormap, (double)cc->v, rgb[0],
                  rgb[1], rgb[2], cc->rgb[0], cc->rgb[1], cc->rgb[2]);
}
END_TEST

START_TEST(colormap_many_and_empty)
{
    const float v[3] = { 0.0f, 0.5f, 1.0f };
    uint8_t rgb[9], untouched[3] = { 9, 9, 9 };
    ck_assert_ok(trm_colormap_apply(v, 3, TRM_COLORMAP_GRAY, rgb));
    const uint8_t want[9] = { 0, 0, 0, 127, 127, 127, 255, 255, 255 };
    ck_assert_mem_eq(rgb, want, 9);
    ck_assert_ok(trm_colormap_apply(v, 0, TRM_COLORMAP_JET, untouched));
    ck_assert_mem_eq(untouched, ((const uint8_t[]){ 9, 9, 9 }), 3);
}
END_TEST

/* ---- overlay ---------------------------------------------------------------------------------- */

/* 2 x 2 image: red, green, blue, grey 100; cam 0 1 .5 .25 -> GRAY indices 0 255 127 63.
 * w = .5: o = .5 heat + .5 image, in bytes: (127.5,0,0) (127.5,255,127.5) (63.5,63.5,191)
 * (81.5,81.5,81.5); max 255, so out = floor(o): */
static const uint8_t IMAGE[12] = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100 };
static const float IMAGE_CAM[4] = { 0, 1, 0.5f, 0.25f };

START_TEST(overlay_gray_half)
{
    uint8_t out[12];
    const uint8_t want[12] = { 127, 0, 0, 127, 255, 127, 63, 63, 191, 81, 81, 81 };
    ck_assert_ok(trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, 4, TRM_COLORMAP_GRAY, 0.5f, out));
    ck_assert_mem_eq(out, want, 12);
    /* in place */
    uint8_t img[12];
    memcpy(img, IMAGE, 12);
    ck_assert_ok(trm_cam_overlay_rgb8(img, IMAGE_CAM, 4, TRM_COLORMAP_GRAY, 0.5f, img));
    ck_assert_mem_eq(img, want, 12);
}
END_TEST

/* w = 0: o = heat / max(heat); JET of 0 1 .5 .25 is (0,0,128) (128,0,0) (126,255,130)
 * (0,124,255), whose max is 255, so the heat map comes out unchanged. */
START_TEST(overlay_jet_heat_only)
{
    uint8_t out[12];
    const uint8_t want[12] = { 0, 0, 128, 128, 0, 0, 126, 255, 130, 0, 124, 255 };
    ck_assert_ok(trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, 4, TRM_COLORMAP_JET, 0.0f, out));
    ck_assert_mem_eq(out, want, 12);
}
END_TEST

/* w = 1: the image divided by its maximum. Dark pixels (10,20,30) and (0,15,3):
 * max 30, so out = floor(255 x / 30): 85 170 255, 0 127 (127.5) 25 (25.5). */
START_TEST(overlay_image_only_rescaled)
{
    const uint8_t dark[6] = { 10, 20, 30, 0, 15, 3 };
    const float cam[2] = { 0.3f, 0.9f };
    uint8_t out[6];
    const uint8_t want[6] = { 85, 170, 255, 0, 127, 25 };
    ck_assert_ok(trm_cam_overlay_rgb8(dark, cam, 2, TRM_COLORMAP_VIRIDIS, 1.0f, out));
    ck_assert_mem_eq(out, want, 6);
    /* all black: GRAY of 0 over a black image with any weight stays black */
    const uint8_t black[6] = { 0 };
    const float zero[2] = { 0, 0 };
    ck_assert_ok(trm_cam_overlay_rgb8(black, zero, 2, TRM_COLORMAP_GRAY, 0.5f, out));
    ck_assert_mem_eq(out, black, 6);
}
END_TEST

/* ---- bad input -------------------------------------------------------------------------------- */

START_TEST(bad_new)
{
    trm_cam *c = UNTOUCHED;
    ck_assert_fails(TRM_E_INVALID, trm_cam_new(NULL, TRM_CAM_GRADCAM, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_cam_new(&c, -1, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_cam_new(&c, 10, NULL));
    trm_allocator half = { tracking_alloc, NULL, NULL };
    ck_assert_fails(TRM_E_INVALID, trm_cam_new(&c, TRM_CAM_GRADCAM, &half));
    tracking t = { .fail = 1 };
    trm_allocator hooks = tracking_hooks(&t);
    ck_assert_fails(TRM_E_NOMEM, trm_cam_new(&c, TRM_CAM_GRADCAM, &hooks));
    ck_assert_ptr_eq(c, UNTOUCHED);
    trm_cam_free(NULL);
}
END_TEST

START_TEST(bad_setters)
{
    trm_cam *c = make(TRM_CAM_HIRESCAM, TRM_LAYOUT_CHANNELS_FIRST, 0, TRM_CAM_NORMALIZE_NONE);
    const size_t dims[2] = { 2, 3 }, zero[2] = { 2, 0 }, huge[2] = { SIZE_MAX / 2, 3 };
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_layout(NULL, 0));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_layout(c, 2));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_layout(c, -1));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_relu(NULL, 1));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_relu(c, 2));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_relu(c, -1));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_normalize(NULL, 1));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_normalize(c, 3));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_output_shape(NULL, 2, dims));
    ck_assert_ok(trm_cam_set_output_shape(c, 2, dims));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_output_shape(c, 4, dims));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_output_shape(c, 2, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_cam_set_output_shape(c, 2, zero));
    ck_assert_fails(TRM_E_OVERFLOW, trm_cam_set_output_shape(c, 2, huge));
    /* the failed setters changed nothing: still channels-first, raw, resizing to 2 x 3 */
    size_t n = 0;
    ck_assert_ok(trm_cam_output_size(c, 2, IMG_DIMS, &n));
    ck_assert_uint_eq(n, 6);
    ck_assert_ok(trm_cam_set_output_shape(c, 0, NULL));
    float out[4];
    ck_assert_ok(trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, out));
    assert_floats(out, (const double[]){ 1, -1.5, 8, 0 }, 4, 1e-7, "after failed setters");
    trm_cam_free(c);
}
END_TEST

START_TEST(bad_output_size)
{
    trm_cam *c = make(TRM_CAM_GRADCAM, TRM_LAYOUT_CHANNELS_FIRST, 1, 1);
    const size_t zero[2] = { 3, 0 }, huge[2] = { SIZE_MAX / 4, 5 };
    size_t n = 77;
    ck_assert_fails(TRM_E_INVALID, trm_cam_output_size(NULL, 2, IMG_DIMS, &n));
    ck_assert_fails(TRM_E_INVALID, trm_cam_output_size(c, 2, NULL, &n));
    ck_assert_fails(TRM_E_INVALID, trm_cam_output_size(c, 2, IMG_DIMS, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_cam_output_size(c, 0, IMG_DIMS, &n));
    ck_assert_fails(TRM_E_INVALID, trm_cam_output_size(c, 4, IMG_DIMS, &n));
    ck_assert_fails(TRM_E_INVALID, trm_cam_output_size(c, 2, zero, &n));
    ck_assert_fails(TRM_E_OVERFLOW, trm_cam_output_size(c, 2, huge, &n));
    ck_assert_uint_eq(n, 77);
    trm_cam_free(c);
}
END_TEST

/* A failing compute or weights call leaves the sentinel-filled output alone. */
#define FAILS_UNTOUCHED(code, call, out, n)                                               \
    do {                                                                                  \
        fill((out), (n), SENTINEL);                                                       \
        ck_assert_fails((code), (call));                                                  \
        assert_all((out), (n), SENTINEL, #call);                                          \
    } while (0)

START_TEST(bad_compute_arguments)
{
    trm_cam *c = make(TRM_CAM_GRADCAM, TRM_LAYOUT_CHANNELS_FIRST, 1, 1);
    float out[8];
    const size_t zero[2] = { 2, 0 }, huge[3] = { SIZE_MAX / 4, 4, 2 }, one[1] = { 1 };
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(NULL, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, out), out, 8);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, NULL, IMG_G, 1, 2, 2, IMG_DIMS, out), out, 8);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, NULL, 1, 2, 2, IMG_DIMS, out), out, 8);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 2, 2, NULL, out), out, 8);
    ck_assert_fails(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, NULL));
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, IMG_G, 0, 2, 2, IMG_DIMS, out), out, 8);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 0, 2, IMG_DIMS, out), out, 8);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 2, 0, IMG_DIMS, out), out, 8);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 2, 4, IMG_DIMS, out), out, 8);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 2, 2, zero, out), out, 8);
    /* sizes whose product overflows: positions, samples x channels x positions */
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 2, 3, huge, out), out, 8);
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_compute_f32(c, IMG_A, IMG_G, SIZE_MAX / 8, 2, 2, IMG_DIMS, out), out,
                    8);
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_compute_f32(c, IMG_A, IMG_G, 2, SIZE_MAX / 8, 1, one, out), out, 8);
    /* an output shape of another rank */
    const size_t shape1[1] = { 5 };
    ck_assert_ok(trm_cam_set_output_shape(c, 1, shape1));
    FAILS_UNTOUCHED(TRM_E_MISMATCH, trm_cam_compute_f32(c, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, out), out, 8);
    trm_cam_free(c);

    /* Eigen-CAM takes NULL gradients; every other method refuses them */
    for (int method = 0; method < N_METHODS; method++) {
        c = make(method, TRM_LAYOUT_CHANNELS_FIRST, 1, 1);
        if (method == TRM_CAM_EIGENCAM)
            ck_assert_ok(trm_cam_compute_f32(c, IMG_A, NULL, 1, 2, 2, IMG_DIMS, out));
        else
            FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_compute_f32(c, IMG_A, NULL, 1, 2, 2, IMG_DIMS, out), out, 8);
        trm_cam_free(c);
    }
}
END_TEST

/* The output of one batch of 2 x 2 maps needs more than SIZE_MAX bytes... of
 * workspace only: 2^61 samples of one channel and one position is 2^63 bytes of
 * input, but 2^64 of double maps. */
START_TEST(bad_compute_workspace_overflow)
{
    trm_cam *c = make(TRM_CAM_HIRESCAM, TRM_LAYOUT_CHANNELS_FIRST, 1, 1);
    const size_t one[1] = { 1 };
    float out[2];
    FAILS_UNTOUCHED(TRM_E_OVERFLOW,
                    trm_cam_compute_f32(c, IMG_A, IMG_G, (SIZE_MAX >> 3) + 1, 1, 1, one, out), out, 2);
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "workspace"));
    trm_cam_free(c);
}
END_TEST

/* Every method names the first non-finite input: activations before gradients,
 * with sample, channel and position, in both layouts; nothing is written. */
START_TEST(bad_compute_nonfinite)
{
    int layout = _i;
    float a[16], g[16], out[8];
    for (size_t i = 0; i < 8; i++) {
        a[i] = a[8 + i] = IMG_A[i];
        g[i] = g[8 + i] = IMG_G[i];
    }
    /* channels-first index of sample 1, channel 1, position (1, 0) = 8 + 4 + 2 */
    const size_t at_cf = 14, at_cl = 8 + 2 * 2 + 1; /* channels-last: sample 1, position 2, channel 1 */
    size_t at = layout ? at_cl : at_cf;
    for (int method = 0; method < N_METHODS; method++) {
        for (int which = 0; which < 6; which++) {
            /* NaN, +Inf and -Inf in each tensor: the kernels that check sums
             * instead of inputs must see every one of them */
            static const float bad_values[3] = { NAN, INFINITY, -INFINITY };
            if (method == TRM_CAM_EIGENCAM && which % 2 == 1)
                continue; /* it never reads gradients */
            float a_in[16], g_in[16];
            if (layout) {
                to_channels_last(a, a_in, 2, 2, 4);
                to_channels_last(g, g_in, 2, 2, 4);
            } else {
                memcpy(a_in, a, sizeof a);
                memcpy(g_in, g, sizeof g);
            }
            (which % 2 ? g_in : a_in)[at] = bad_values[which / 2];
            trm_cam *c = make(method, layout, 1, 1);
            FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_compute_f32(c, a_in, g_in, 2, 2, 2, IMG_DIMS, out), out, 8);
            const char *e = trm_last_error();
            ck_assert_msg(strstr(e, which % 2 ? "gradients[" : "activations[") != NULL, "%s: %s",
                          method_names[method], e);
            ck_assert_msg(strstr(e, "sample 1, channel 1, position (1, 0)") != NULL, "%s: %s",
                          method_names[method], e);
            /* both bad: the activation is named */
            a_in[at] = NAN;
            g_in[at] = NAN;
            FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_compute_f32(c, a_in, g_in, 2, 2, 2, IMG_DIMS, out), out, 8);
            ck_assert_ptr_nonnull(strstr(trm_last_error(), "activations["));
            trm_cam_free(c);
        }
    }
}
END_TEST

/* Without normalization the output is the raw map, which must fit in a float:
 * HiResCAM of A = G = 1e30 is 1e60 per position. */
START_TEST(bad_compute_float_range)
{
    const float big[2] = { 1e30f, 1e30f };
    const size_t dims[1] = { 2 };
    float out[2];
    trm_cam *c = make(TRM_CAM_HIRESCAM, TRM_LAYOUT_CHANNELS_FIRST, 1, TRM_CAM_NORMALIZE_NONE);
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_compute_f32(c, big, big, 1, 1, 1, dims, out), out, 2);
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "position (0)"));
    /* normalized, it is 0 0 */
    ck_assert_ok(trm_cam_set_normalize(c, TRM_CAM_NORMALIZE_MINMAX));
    ck_assert_ok(trm_cam_compute_f32(c, big, big, 1, 1, 1, dims, out));
    assert_all(out, 2, 0.0f, "normalized huge map");
    trm_cam_free(c);
}
END_TEST

START_TEST(bad_weights)
{
    trm_cam *c = make(TRM_CAM_XGRADCAM, TRM_LAYOUT_CHANNELS_FIRST, 1, 1);
    float w[4], a[8], g[8];
    const size_t zero[2] = { 0, 2 };
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(NULL, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, w), w, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(c, NULL, IMG_G, 1, 2, 2, IMG_DIMS, w), w, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(c, IMG_A, NULL, 1, 2, 2, IMG_DIMS, w), w, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(c, IMG_A, IMG_G, 1, 2, 2, NULL, w), w, 4);
    ck_assert_fails(TRM_E_INVALID, trm_cam_weights_f32(c, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, NULL));
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(c, IMG_A, IMG_G, 0, 2, 2, IMG_DIMS, w), w, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(c, IMG_A, IMG_G, 1, 0, 2, IMG_DIMS, w), w, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(c, IMG_A, IMG_G, 1, 2, 5, IMG_DIMS, w), w, 4);
    FAILS_UNTOUCHED(TRM_E_INVALID, trm_cam_weights_f32(c, IMG_A, IMG_G, 1, 2, 2, zero, w), w, 4);
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_weights_f32(c, IMG_A, IMG_G, SIZE_MAX / 4, 2, 2, IMG_DIMS, w), w, 4);
    /* the output shape is irrelevant to weights */
    const size_t shape1[1] = { 7 };
    ck_assert_ok(trm_cam_set_output_shape(c, 1, shape1));
    ck_assert_ok(trm_cam_weights_f32(c, IMG_A, IMG_G, 1, 2, 2, IMG_DIMS, w));
    /* a NaN gradient is named */
    memcpy(a, IMG_A, sizeof a);
    memcpy(g, IMG_G, sizeof g);
    g[5] = NAN;
    FAILS_UNTOUCHED(TRM_E_NONFINITE, trm_cam_weights_f32(c, a, g, 1, 2, 2, IMG_DIMS, w), w, 4);
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "gradients[5]"));
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "sample 0, channel 1, position (0, 1)"));
    /* XGrad-CAM weight beyond the float range: G = 3e38 0, A = 1 -0.9:
     * 3e38 / (0.1 + 1e-7) = 3e39 */
    const float ga[2] = { 3e38f, 0 }, aa[2] = { 1, -0.9f };
    const size_t two[1] = { 2 };
    FAILS_UNTOUCHED(TRM_E_OVERFLOW, trm_cam_weights_f32(c, aa, ga, 1, 1, 1, two, w), w, 1);
    trm_cam_free(c);
}
END_TEST

START_TEST(bad_colormap)
{
    const float v[3] = { 0.5f, 0.2f, NAN }, inf[2] = { 0.1f, -INFINITY };
    uint8_t rgb[9];
    memset(rgb, 9, sizeof rgb);
    ck_assert_fails(TRM_E_INVALID, trm_colormap_apply(NULL, 1, TRM_COLORMAP_JET, rgb));
    ck_assert_fails(TRM_E_INVALID, trm_colormap_apply(v, 1, TRM_COLORMAP_JET, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_colormap_apply(v, 1, -1, rgb));
    ck_assert_fails(TRM_E_INVALID, trm_colormap_apply(v, 1, 5, rgb));
    ck_assert_fails(TRM_E_NONFINITE, trm_colormap_apply(v, 3, TRM_COLORMAP_VIRIDIS, rgb));
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "values[2]"));
    ck_assert_fails(TRM_E_NONFINITE, trm_colormap_apply(inf, 2, TRM_COLORMAP_GRAY, rgb));
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "values[1]"));
    ck_assert_fails(TRM_E_OVERFLOW, trm_colormap_apply(v, SIZE_MAX / 2, TRM_COLORMAP_GRAY, rgb));
    for (size_t i = 0; i < 9; i++)
        ck_assert_uint_eq(rgb[i], 9);
}
END_TEST

START_TEST(bad_overlay)
{
    const float cam_nan[4] = { 0, NAN, 0, 0 };
    uint8_t out[12];
    memset(out, 9, sizeof out);
    ck_assert_fails(TRM_E_INVALID, trm_cam_overlay_rgb8(NULL, IMAGE_CAM, 4, TRM_COLORMAP_JET, 0.5f, out));
    ck_assert_fails(TRM_E_INVALID, trm_cam_overlay_rgb8(IMAGE, NULL, 4, TRM_COLORMAP_JET, 0.5f, out));
    ck_assert_fails(TRM_E_INVALID, trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, 4, TRM_COLORMAP_JET, 0.5f, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, 4, 9, 0.5f, out));
    ck_assert_fails(TRM_E_INVALID, trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, 4, TRM_COLORMAP_JET, -0.01f, out));
    ck_assert_fails(TRM_E_INVALID, trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, 4, TRM_COLORMAP_JET, 1.01f, out));
    ck_assert_fails(TRM_E_INVALID, trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, 4, TRM_COLORMAP_JET, NAN, out));
    ck_assert_fails(TRM_E_NONFINITE, trm_cam_overlay_rgb8(IMAGE, cam_nan, 4, TRM_COLORMAP_JET, 0.5f, out));
    ck_assert_ptr_nonnull(strstr(trm_last_error(), "cam[1]"));
    ck_assert_fails(TRM_E_OVERFLOW, trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, SIZE_MAX / 2, TRM_COLORMAP_JET, 0.5f,
                                                         out));
    for (size_t i = 0; i < 12; i++)
        ck_assert_uint_eq(out[i], 9);
    /* no pixels: nothing to do */
    ck_assert_ok(trm_cam_overlay_rgb8(IMAGE, IMAGE_CAM, 0, TRM_COLORMAP_JET, 0.5f, out));
    ck_assert_uint_eq(out[0], 9);
}
END_TEST

/* ---- the workspace ------------------------------------------------------------------------------ */

/* The handle allocates once for itself and once per growth of its workspace; the
 * same or smaller shapes allocate nothing, and a refused growth keeps the old
 * workspace, so the handle still works. */
START_TEST(workspace_grows_only)
{
    int method = _i;
    tracking t = { 0 };
    trm_allocator hooks = tracking_hooks(&t);
    trm_cam *c = NULL;
    ck_assert_ok(trm_cam_new(&c, method, &hooks));
    ck_assert_uint_eq(t.allocs, 1);
    float a[64], g[64], out[64];
    for (size_t i = 0; i < 64; i++) {
        a[i] = (float)((i * 7) % 11) - 3;
        g[i] = (float)((i * 5) % 13) - 6;
    }
    const size_t small[2] = { 2, 2 }, large[2] = { 4, 4 }, shape[2] = { 3, 5 };
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 2, 2, 2, small, out));
    ck_assert_uint_eq(t.allocs, 2);
    for (int i = 0; i < 3; i++)
        ck_assert_ok(trm_cam_compute_f32(c, a, g, 2, 2, 2, small, out));
    ck_assert_uint_eq(t.allocs, 2);
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 2, 2, 2, large, out)); /* 64 floats each */
    ck_assert_uint_eq(t.allocs, 3);
    ck_assert_uint_eq(t.frees, 1);
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 1, 2, 2, small, out));
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 2, 2, 2, large, out));
    ck_assert_uint_eq(t.allocs, 3);
    /* resizing needs tables and scratch: a refused growth fails and writes nothing */
    ck_assert_ok(trm_cam_set_output_shape(c, 2, shape));
    t.fail = 1;
    FAILS_UNTOUCHED(TRM_E_NOMEM, trm_cam_compute_f32(c, a, g, 2, 2, 2, large, out), out, 30);
    ck_assert_ok(trm_cam_set_output_shape(c, 0, NULL));
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 2, 2, 2, large, out));
    t.fail = 0;
    ck_assert_ok(trm_cam_set_output_shape(c, 2, shape));
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 2, 2, 2, large, out));
    size_t allocs = t.allocs;
    ck_assert_ok(trm_cam_compute_f32(c, a, g, 2, 2, 2, large, out));
    ck_assert_uint_eq(t.allocs, allocs);
    trm_cam_free(c);
    ck_assert_uint_eq(t.allocs, t.frees);
}
END_TEST

/* ---- the suite -------------------------------------------------------------------------------------- */

static Suite *cam_suite(void)
{
    Suite *s = suite_create("cam");

    TCase *tc = tcase_create("methods"); /* loop index = layout */
    tcase_add_loop_test(tc, methods_image, 0, 2);
    tcase_add_loop_test(tc, methods_spectrum, 0, 2);
    tcase_add_loop_test(tc, methods_three_channels, 0, 2);
    tcase_add_loop_test(tc, batch_of_two, 0, 2);
    tcase_add_loop_test(tc, weights, 0, 2);
    tcase_add_test(tc, weights_only_for_weighting_methods);
    suite_add_tcase(s, tc);

    tc = tcase_create("pipeline");
    tcase_add_loop_test(tc, pipeline_defaults, 0, 2);
    tcase_add_test(tc, constant_map_is_zero);
    tcase_add_loop_test(tc, zero_gradients_give_zeros, 0, 2);
    tcase_add_test(tc, normalize_then_resize);
    tcase_add_test(tc, output_size);
    suite_add_tcase(s, tc);

    tc = tcase_create("eigen");
    tcase_add_loop_test(tc, eigen_rank_one, 0, 2);
    tcase_add_loop_test(tc, eigen_sign_rule, 0, 2);
    tcase_add_loop_test(tc, eigen_tie_channels, 0, 2);
    tcase_add_loop_test(tc, eigen_tie_positions, 0, 2);
    tcase_add_loop_test(tc, eigen_tie_fallback, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("resize");
    tcase_add_loop_test(tc, resize_tables, 0, (int)N_ELEMS(resize_table));
    tcase_add_test(tc, resize_volume);
    suite_add_tcase(s, tc);

    tc = tcase_create("colormap");
    tcase_add_loop_test(tc, colormap_points, 0, (int)N_ELEMS(color_table));
    tcase_add_test(tc, colormap_many_and_empty);
    tcase_add_test(tc, overlay_gray_half);
    tcase_add_test(tc, overlay_jet_heat_only);
    tcase_add_test(tc, overlay_image_only_rescaled);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad_input");
    tcase_add_test(tc, bad_new);
    tcase_add_test(tc, bad_setters);
    tcase_add_test(tc, bad_output_size);
    tcase_add_test(tc, bad_compute_arguments);
    tcase_add_test(tc, bad_compute_workspace_overflow);
    tcase_add_loop_test(tc, bad_compute_nonfinite, 0, 2);
    tcase_add_test(tc, bad_compute_float_range);
    tcase_add_test(tc, bad_weights);
    tcase_add_test(tc, bad_colormap);
    tcase_add_test(tc, bad_overlay);
    suite_add_tcase(s, tc);

    tc = tcase_create("workspace"); /* loop index = method */
    tcase_add_loop_test(tc, workspace_grows_only, 0, N_METHODS);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(cam_suite());
}
