/* SPDX-License-Identifier: MIT */
/* scipy.ndimage.zoom's cubic spline, one axis at a time: along each resized
 * axis the samples become B-spline coefficients (the prefilter, with mirror
 * boundaries), then every output sums four of them. Both steps are linear and
 * act on one axis, so doing them axis by axis equals scipy's filter-all-axes,
 * then-interpolate order up to double rounding. */
#include "fp-private.h"
#include <math.h>

#include "zoom-private.h"

/* The cubic B-spline's pole, sqrt(3) - 2, and the prefilter's gain
 * (1 - z)(1 - 1/z) = 6. */
#define POLE (-0.267949192431122706472553658494127633)

/* Index i of an axis of n samples, mirrored about 0 and n - 1 (period 2n - 2),
 * as scipy extends the coefficients beyond the edges. */
static size_t mirror(ptrdiff_t i, size_t n)
{
    if (n == 1)
        return 0;
    ptrdiff_t period = 2 * (ptrdiff_t)n - 2;
    i %= period;
    if (i < 0)
        i += period;
    return (size_t)(i < (ptrdiff_t)n ? i : period - i);
}

/* scipy's coordinate for output j is j (n - 1)/(m - 1) (its zoom factor is 1
 * for m = 1). With mode='constant' a coordinate past n - 1 reads cval: the
 * product can round one ulp above n - 1 at the last output (n = 4, m = 188),
 * and scipy then writes 0 there, which the all-zero taps reproduce. */
static void fill_taps(trm__spline_tap *taps, size_t n, size_t m)
{
    double zoom = m > 1 ? (double)(n - 1) / (double)(m - 1) : 1.0;
    for (size_t j = 0; j < m; j++) {
        double x = (double)j * zoom;
        trm__spline_tap *tap = &taps[j];
        *tap = (trm__spline_tap){ .at = { 0 } };
        if (x > (double)(n - 1))
            continue;
        double fl = floor(x), t = x - fl, u = 1.0 - t;
        tap->w[0] = u * u * u / 6.0;
        tap->w[1] = (4.0 - 6.0 * t * t + 3.0 * t * t * t) / 6.0;
        tap->w[2] = (1.0 + 3.0 * t + 3.0 * t * t - 3.0 * t * t * t) / 6.0;
        tap->w[3] = t * t * t / 6.0;
        for (size_t h = 0; h < 4; h++)
            tap->at[h] = mirror((ptrdiff_t)fl - 1 + (ptrdiff_t)h, n);
    }
}

void trm__zoom_plan(trm__zoom *z, size_t ndim, const size_t *in, const size_t *out, trm__spline_tap *taps,
                    double *scratch_a, double *scratch_b)
{
    z->ndim = ndim;
    z->scratch[0] = scratch_a;
    z->scratch[1] = scratch_b;
    for (size_t k = ndim; k-- > 0;) {
        z->in[k] = in[k];
        z->out[k] = out[k];
        z->table[k] = NULL;
        if (in[k] == out[k]) /* interpolating at the knots gives the samples back */
            continue;
        z->table[k] = taps;
        fill_taps(taps, in[k], out[k]);
        taps += out[k];
    }
}

/* The B-spline coefficients of every line of x, (outer, n, inner), in place:
 * the gain, then the causal and anticausal first-order recursions with
 * scipy's mirror initial values. The lines run side by side, `inner`
 * contiguous values per sample, so each step is a loop over a row. */
static void prefilter_axis(double *x, size_t outer, size_t n, size_t inner)
{
    if (n < 2) /* scipy leaves a single sample as it is */
        return;
    const double z = POLE, gain = (1.0 - z) * (1.0 - 1.0 / z), zn1 = pow(z, (double)(n - 1));
    for (size_t o = 0; o < outer; o++) {
        double *b = x + o * n * inner;
        for (size_t i = 0; i < n * inner; i++)
            b[i] *= gain;
        /* c[0] = (sum over the mirrored period of z^k c[k]) / (1 - z^(2n-2)) */
        double zi = z;
        for (size_t j = 0; j < inner; j++)
            b[j] += zn1 * b[(n - 1) * inner + j];
        for (size_t i = 1; i + 1 < n; i++, zi *= z)
            for (size_t j = 0; j < inner; j++)
                b[j] += zi * (b[i * inner + j] + zn1 * b[(n - 1 - i) * inner + j]);
        for (size_t j = 0; j < inner; j++)
            b[j] /= 1.0 - zn1 * zn1;
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < inner; j++)
                b[i * inner + j] += z * b[(i - 1) * inner + j];
        for (size_t j = 0; j < inner; j++)
            b[(n - 1) * inner + j] = z / (z * z - 1.0) * (z * b[(n - 2) * inner + j] + b[(n - 1) * inner + j]);
        for (size_t i = n - 1; i-- > 0;)
            for (size_t j = 0; j < inner; j++)
                b[i * inner + j] = z * (b[(i + 1) * inner + j] - b[i * inner + j]);
    }
}

/* One axis: src (outer, n, inner) of coefficients to (outer, m, inner), into
 * doubles or, on the last pass, floats. */
#define DEFINE_INTERPOLATE_AXIS(name, type)                                                                \
    static void name(const double *src, type *dst, size_t outer, size_t n, size_t m, size_t inner,         \
                     const trm__spline_tap *taps)                                                          \
    {                                                                                                      \
        for (size_t o = 0; o < outer; o++) {                                                               \
            const double *in = src + o * n * inner;                                                        \
            type *res = dst + o * m * inner;                                                               \
            for (size_t j = 0; j < m; j++) {                                                               \
                const trm__spline_tap *t = &taps[j];                                                       \
                const double *r0 = in + t->at[0] * inner, *r1 = in + t->at[1] * inner,                     \
                             *r2 = in + t->at[2] * inner, *r3 = in + t->at[3] * inner;                     \
                for (size_t i = 0; i < inner; i++)                                                         \
                    res[j * inner + i] =                                                                   \
                        (type)(t->w[0] * r0[i] + t->w[1] * r1[i] + t->w[2] * r2[i] + t->w[3] * r3[i]);     \
            }                                                                                              \
        }                                                                                                  \
    }

DEFINE_INTERPOLATE_AXIS(interpolate_axis, double)
DEFINE_INTERPOLATE_AXIS(interpolate_axis_f32, float)

void trm__zoom_f32(const trm__zoom *z, const double *src, float *dst)
{
    size_t cur[TRM__RESAMPLE_MAX_DIMS], last = 0, total = 1;
    for (size_t k = 0; k < z->ndim; k++) {
        cur[k] = z->in[k];
        total *= z->in[k];
    }
    for (size_t i = 0; i < total; i++)
        z->scratch[0][i] = (double)(float)src[i];
    while (z->table[last] == NULL) /* the plan resizes at least one axis */
        last++;
    double *from = z->scratch[0];
    int next = 1;
    for (size_t k = z->ndim; k-- > 0;) {
        if (z->table[k] == NULL)
            continue;
        size_t outer, inner;
        trm__axis_extent(cur, z->ndim, k, &outer, &inner);
        prefilter_axis(from, outer, cur[k], inner);
        if (k == last) {
            interpolate_axis_f32(from, dst, outer, cur[k], z->out[k], inner, z->table[k]);
            return;
        }
        interpolate_axis(from, z->scratch[next], outer, cur[k], z->out[k], inner, z->table[k]);
        from = z->scratch[next];
        next ^= 1;
        cur[k] = z->out[k];
    }
}
