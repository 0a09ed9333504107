/* SPDX-License-Identifier: MIT */
/* Separable linear resizing with half-pixel centres. One axis at a time, last
 * axis first, each pass reading a precomputed (lo, hi, frac) table, so a 3-D
 * resize costs three 1-D passes instead of eight reads per output. In exact
 * arithmetic this is PyTorch's trilinear (bilinear, linear) interpolation with
 * align_corners=False; like PyTorch on float tensors it runs in float, so the
 * inner loops take eight lanes per AVX2 vector. */
#include "fp-private.h"
#include "resample-private.h"

#include "common-private.h"
#include "cpu-private.h"

/* PyTorch (area_pixel_compute_source_index, then the linear kernels) reads
 * output j at x = (j + 0.5) n/m - 0.5 raised to 0 when negative; at or beyond
 * n - 1 both taps are n - 1. Taking frac = 0 there gives the same value.
 * With align_corners=True (Score-CAM's UpsamplingBilinear2d) it reads
 * x = j (n - 1)/(m - 1) instead, and x = 0 for a single output. */
static void fill_table(trm__lerp *table, size_t n, size_t m, bool align_corners)
{
    double scale = (double)n / (double)m;
    if (align_corners)
        scale = m > 1 ? (double)(n - 1) / (double)(m - 1) : 0.0;
    for (size_t j = 0; j < m; j++) {
        double x = align_corners ? (double)j * scale : ((double)j + 0.5) * scale - 0.5;
        if (x < 0.0)
            x = 0.0;
        size_t lo = (size_t)x; /* x < n, so this fits */
        if (lo >= n - 1)
            table[j] = (trm__lerp){ n - 1, n - 1, 0.0 };
        else
            table[j] = (trm__lerp){ lo, lo + 1, x - (double)lo };
    }
}

static bool product(const size_t *dims, size_t ndim, size_t *out)
{
    size_t p = 1;
    for (size_t k = 0; k < ndim; k++)
        if (trm__mul_overflows(p, dims[k], &p))
            return false;
    *out = p;
    return true;
}

bool trm__resample_sizes(size_t ndim, const size_t *in, const size_t *out, size_t *n_lerps,
                         size_t *scratch_floats)
{
    size_t cur[TRM__RESAMPLE_MAX_DIMS], lerps = 0, largest = 0, size;
    for (size_t k = 0; k < ndim; k++)
        cur[k] = in[k];
    if (!product(in, ndim, &largest))
        return false;
    for (size_t k = ndim; k-- > 0;) {
        if (in[k] == out[k])
            continue;
        cur[k] = out[k];
        if (trm__add_overflows(lerps, out[k], &lerps) || !product(cur, ndim, &size))
            return false;
        if (size > largest)
            largest = size;
    }
    *n_lerps = lerps;
    *scratch_floats = largest;
    return true;
}

static void plan(trm__resample *r, size_t ndim, const size_t *in, const size_t *out, trm__lerp *lerps,
                 float *scratch_a, float *scratch_b, bool align_corners)
{
    r->ndim = ndim;
    r->scratch[0] = scratch_a;
    r->scratch[1] = scratch_b;
    for (size_t k = ndim; k-- > 0;) {
        r->in[k] = in[k];
        r->out[k] = out[k];
        r->table[k] = NULL;
        if (in[k] == out[k])
            continue;
        r->table[k] = lerps;
        fill_table(lerps, in[k], out[k], align_corners);
        lerps += out[k];
    }
}

void trm__resample_plan(trm__resample *r, size_t ndim, const size_t *in, const size_t *out, trm__lerp *lerps,
                        float *scratch_a, float *scratch_b)
{
    plan(r, ndim, in, out, lerps, scratch_a, scratch_b, false);
}

void trm__resample_plan_corners(trm__resample *r, size_t ndim, const size_t *in, const size_t *out,
                                trm__lerp *lerps, float *scratch_a, float *scratch_b)
{
    plan(r, ndim, in, out, lerps, scratch_a, scratch_b, true);
}

/* One axis: src is (outer, n, inner), dst (outer, m, inner). Along the last
 * axis (inner = 1) each output gathers two inputs; along the others it blends
 * two contiguous rows of `inner` values, which vectorizes. Inlined, so the
 * loops get the caller's AVX2 clone. */
static inline __attribute__((always_inline)) void resample_axis(const float *src, float *dst, size_t outer,
                                                                size_t n, size_t m, size_t inner,
                                                                const trm__lerp *table)
{
    for (size_t o = 0; o < outer; o++) {
        const float *in = src + o * n * inner;
        float *res = dst + o * m * inner;
        if (inner == 1) {
            for (size_t j = 0; j < m; j++) {
                float f = (float)table[j].frac;
                res[j] = (1.0f - f) * in[table[j].lo] + f * in[table[j].hi];
            }
            continue;
        }
        for (size_t j = 0; j < m; j++) {
            const float *a = in + table[j].lo * inner, *b = in + table[j].hi * inner;
            float f = (float)table[j].frac, g = 1.0f - f;
            float *row = res + j * inner;
            for (size_t i = 0; i < inner; i++)
                row[i] = g * a[i] + f * b[i];
        }
    }
}

/* The passes ping-pong between the two scratch buffers, the first holding the
 * map rounded to float; the last pass writes the caller's floats directly. */
TRM__DISPATCH void trm__resample_f32(const trm__resample *r, const double *src, float *dst)
{
    size_t cur[TRM__RESAMPLE_MAX_DIMS], last = 0, total = 1;
    for (size_t k = 0; k < r->ndim; k++) {
        cur[k] = r->in[k];
        total *= r->in[k];
    }
    for (size_t i = 0; i < total; i++)
        r->scratch[0][i] = (float)src[i];
    while (r->table[last] == NULL) /* the plan resizes at least one axis */
        last++;
    const float *from = r->scratch[0];
    int next = 1;
    for (size_t k = r->ndim; k-- > 0;) {
        if (r->table[k] == NULL)
            continue;
        size_t outer, inner;
        trm__axis_extent(cur, r->ndim, k, &outer, &inner);
        float *to = k == last ? dst : r->scratch[next];
        resample_axis(from, to, outer, cur[k], r->out[k], inner, r->table[k]);
        from = to;
        next ^= 1;
        cur[k] = r->out[k];
    }
}
